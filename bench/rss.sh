#!/usr/bin/env bash
# Resident memory of the gateway under load: starts the mock upstream and the gateway (with
# JAVA_OPTS, or with what tollgate.sh sets when JAVA_OPTS is unset), drives it with wrk for
# DURATION non-streaming then DURATION streaming (CONNECTIONS wrk connections, default 64), and
# prints the peak RSS (VmHWM), the RSS at the
# end and the heap in use after a full GC. Usage: bench/rss.sh [DURATION, default 30s]
set -euo pipefail
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
export PATH="$JAVA_HOME/bin:$PATH"
export TOLLGATE_MASTER_KEY="${TOLLGATE_MASTER_KEY:-sk-bench-master}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DURATION="${1:-30s}"
JAR="${GATEWAY_JAR:-target/tollgate.jar}"
[[ -f "$JAR" ]] || ./mvnw -q -B -DskipTests package
WORK="$(mktemp -d)"
MOCK_PORT=18701
GW_PORT=18702
cleanup() { kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$WORK"; }
PIDS=()
trap cleanup EXIT
java -cp "$JAR" bench/MockUpstream.java --host 127.0.0.1 --port "$MOCK_PORT" >"$WORK/mock.log" 2>&1 &
PIDS+=($!)
cat >"$WORK/config.yaml" <<YAML
model_list:
  - model_name: bench-model
    litellm_params:
      model: openai/bench-model
      api_base: http://127.0.0.1:$MOCK_PORT/v1
      api_key: sk-bench
      input_cost_per_token: 0.000001
      output_cost_per_token: 0.000002
YAML
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
java ${JAVA_OPTS-$(sed -n 's/^DEFAULT_JAVA_OPTS="\(.*\)"$/\1/p' tollgate.sh)} -jar "$JAR" \
  --config "$WORK/config.yaml" --port "$GW_PORT" --host 127.0.0.1 --data-dir "$WORK/data" \
  >"$WORK/gw.log" 2>&1 &
GW=$!
PIDS+=("$GW")
until curl -fs -o /dev/null "http://127.0.0.1:$GW_PORT/health/liveliness" \
  && curl -fs -o /dev/null "http://127.0.0.1:$MOCK_PORT/health"; do sleep 0.2; done
for mode in 0 1; do
  BENCH_STREAM=$mode wrk -t2 -c"${CONNECTIONS:-64}" -d"$DURATION" -s bench/post.lua \
    "http://127.0.0.1:$GW_PORT/v1/chat/completions" | grep -E "Requests/sec"
done
rss() { awk "/^$1:/{print \$2/1024 \" MB\"}" "/proc/$GW/status"; }
echo "peak RSS (VmHWM): $(rss VmHWM)"
echo "RSS now:          $(rss VmRSS)"
jcmd "$GW" GC.run >/dev/null
jcmd "$GW" GC.heap_info | head -3
