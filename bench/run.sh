#!/usr/bin/env bash
# Benchmarks the gateway against the mock upstream directly and against a bare Vert.x
# pass-through, non-streaming and streaming, with the master key and with a virtual key that
# carries budgets and rate limits, with local counters and with Redis-shared counters; then
# measures gateway start-to-ready time. See bench/README.md for what each number means.
set -euo pipefail

export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
export PATH="$JAVA_HOME/bin:$PATH"
export TOLLGATE_MASTER_KEY="${TOLLGATE_MASTER_KEY:-sk-bench-master}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

usage() {
  cat <<'EOF'
Usage: bench/run.sh [options]
  --no-build            do not run ./mvnw -q -DskipTests package first
  --gateway-jar PATH    gateway jar to run (default target/tollgate.jar; implies --no-build)
  --duration D          measured wrk run per target, wrk syntax (default 10s)
  --warmup D            wrk warm-up before each measured run (default 10s), followed by 5 s
                        steps until the JIT compiler threads use at most 10% of the process's
                        CPU (at most MAX_WARMUP_STEPS=6 steps; at least one)
  --connections N       wrk connections (default 32)
  --threads N           wrk threads (default 2)
  --targets LIST        comma list of direct, bare, gateway, gateway-limited, gateway-anthropic,
                        gateway-bedrock, gateway-metrics, gateway-redis, gateway-redis-limited
                        (default all nine);
                        see ALL_TARGETS below
  --modes LIST          comma list of nonstream,stream (default both)
  --rounds N            measure every target N times, interleaved, and report medians (default 1;
                        use 3 or more before judging a difference of less than about 15%)
  --startup-runs N      start-to-ready repetitions, 0 to skip (default 5)
  --bare-coalesce       run the bare pass-through with --coalesce (one write per event-loop turn)
  -h, --help            this text
Environment:
  GATEWAY_CMD           command that starts the gateway instead of the jar; it sees GATEWAY_PORT,
                        CONFIG (may be empty), DATA_DIR and MOCK_PORT, and must exec the server
                        (e.g. to use the bare pass-through as a stand-in before the gateway exists)
  JAVA_OPTS             extra JVM options for every Java process started here
  MOCK_PORT, BARE_PORT, GATEWAY_PORT, STARTUP_PORT, GATEWAY_REDIS_PORT, GATEWAY_METRICS_PORT
                        ports (default 9100, 9200, 9300, 9301, 9302)
  BENCH_REDIS_PORT      port for the benchmark's own redis-server (default: the first free port
                        from 9400)
  TOLLGATE_MASTER_KEY   master key given to the gateway and sent by wrk (default sk-bench-master)
REDIS_URL, REDIS_HOST, REDIS_PORT and REDIS_PASSWORD are unset: the targets decide the counters.
EOF
}

BUILD=1
GATEWAY_JAR="target/tollgate.jar"
DURATION=10s
WARMUP=10s
CONNECTIONS=32
THREADS=2
# The gateway targets: gateway and gateway-limited share one process with local counters,
# gateway-redis and gateway-redis-limited share one configured with Redis. The -limited ones
# send a virtual key with key, team, organization and tag budgets and RPM and TPM limits.
# gateway-anthropic is the gateway process of gateway, sending OpenAI chat requests to a model
# group whose deployment is anthropic/, so each request is translated to the Messages API and its
# answer or stream back. gateway-bedrock is the same process sending them to a bedrock/ deployment
# with AWS access keys: each request is translated to Converse and signed with SigV4, and each
# stream's binary event-stream frames are decoded and re-framed as SSE. gateway-metrics is a second
# gateway process like gateway's with litellm_settings.callbacks: [prometheus], so its CPU includes
# the per-request Prometheus series (the thread that counts them included).
ALL_TARGETS="direct,bare,gateway,gateway-limited,gateway-anthropic,gateway-bedrock,gateway-metrics,gateway-redis,gateway-redis-limited"
TARGETS="$ALL_TARGETS"
MODES="nonstream,stream"
STARTUP_RUNS=5
ROUNDS=1
BARE_ARGS=()
while (($#)); do
  case "$1" in
    --no-build) BUILD=0 ;;
    --gateway-jar) GATEWAY_JAR="$2"; BUILD=0; shift ;;
    --duration) DURATION="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --connections) CONNECTIONS="$2"; shift ;;
    --threads) THREADS="$2"; shift ;;
    --targets) TARGETS="$2"; shift ;;
    --modes) MODES="$2"; shift ;;
    --startup-runs) STARTUP_RUNS="$2"; shift ;;
    --rounds) ROUNDS="$2"; shift ;;
    --bare-coalesce) BARE_ARGS+=(--coalesce) ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

MOCK_PORT="${MOCK_PORT:-9100}"
BARE_PORT="${BARE_PORT:-9200}"
GATEWAY_PORT="${GATEWAY_PORT:-9300}"
STARTUP_PORT="${STARTUP_PORT:-9301}"
GATEWAY_REDIS_PORT="${GATEWAY_REDIS_PORT:-9302}"
GATEWAY_METRICS_PORT="${GATEWAY_METRICS_PORT:-9303}"
HOST=127.0.0.1
CLK_TCK="$(getconf CLK_TCK)"
read -r -a JAVA_FLAGS <<<"${JAVA_OPTS:-}"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }
has() { [[ ",$1," == *",$2,"* ]]; }
# has_any LIST TARGET...: whether LIST holds any of the targets.
has_any() {
  local list="$1" t
  shift
  for t in "$@"; do has "$list" "$t" && return 0; done
  return 1
}

for t in ${TARGETS//,/ }; do
  has "$ALL_TARGETS" "$t" || { echo "unknown target: $t" >&2; usage >&2; exit 2; }
done
# The gateway reads these too; a stray REDIS_URL would quietly turn the local-counter targets
# into Redis ones.
for v in REDIS_URL REDIS_HOST REDIS_PORT REDIS_PASSWORD; do
  [[ -n "${!v:-}" ]] && log "ignoring $v from the environment"
  unset "$v"
done

# ---------------------------------------------------------------- processes and cleanup
WORK="$(mktemp -d -t tollgate-bench.XXXXXX)"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [[ "${KEEP_WORK:-0}" == 1 ]]; then
    log "kept logs in $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# stop_pid PID: end one process this script started and forget it.
stop_pid() {
  local pid="$1" keep=() p
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${PIDS[@]}"; do
    [[ "$p" == "$pid" ]] || keep+=("$p")
  done
  PIDS=("${keep[@]}")
}

port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# wait_ready NAME PID URL TIMEOUT_S: poll URL until it answers 200, or fail with the log tail.
wait_ready() {
  local name="$1" pid="$2" url="$3" deadline=$((SECONDS + $4))
  until curl -fs -o /dev/null --max-time 1 "$url"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$WORK/$name.log" >&2 || true
      die "$name exited before it was ready"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$WORK/$name.log" >&2 || true
      die "$name not ready at $url after $4 s"
    fi
    sleep 0.05
  done
}

# launch_gateway PORT CONFIG DATA_DIR LOG: start the gateway in the background; sets LAUNCHED.
launch_gateway() {
  local port="$1" config="$2" data="$3" out="$4"
  if [[ -n "${GATEWAY_CMD:-}" ]]; then
    GATEWAY_PORT="$port" CONFIG="$config" DATA_DIR="$data" MOCK_PORT="$MOCK_PORT" \
      bash -c "exec $GATEWAY_CMD" >"$out" 2>&1 &
  else
    local args=(--port "$port" --host "$HOST" --data-dir "$data")
    [[ -n "$config" ]] && args=(--config "$config" "${args[@]}")
    java "${JAVA_FLAGS[@]}" -jar "$GATEWAY_JAR" "${args[@]}" >"$out" 2>&1 &
  fi
  LAUNCHED=$!
}

# cpu_ticks PID: utime+stime of the whole process, in clock ticks.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# child_ticks: CPU ticks of this shell's reaped children, from the file that a preceding
# `times >"$WORK/times"` wrote (times is a builtin, so it reports this shell, not a fork).
child_ticks() {
  awk -v t="$CLK_TCK" 'NR == 2 {
    split($1, u, /[ms]/); split($2, s, /[ms]/)
    printf "%.0f", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * t }' "$WORK/times"
}
# write_calls PID: write-type syscalls the process has made (/proc/PID/io syscw).
write_calls() { awk '/^syscw:/{print $2}' "/proc/$1/io"; }
# machine_ticks: "busy idle" ticks of the whole machine.
machine_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat; }
# thread_ticks PID: "tid kind ticks" per thread, kind being loop (a Vert.x event loop), jit (a
# HotSpot compiler thread) or other.
thread_ticks() {
  cat /proc/"$1"/task/*/stat 2>/dev/null |
    sed -E 's/^([0-9]+) \((.*)\) [A-Za-z] (.*)$/\1|\2|\3/' |
    awk -F'|' '{ split($3, f, " "); kind = "other"
      if ($2 ~ /^vert\.x-eventloo/) kind = "loop"; else if ($2 ~ /CompilerThre/) kind = "jit"
      print $1, kind, f[11] + f[12] }'
}
# thread_shares BEFORE AFTER TOTAL: "jit% loop%" over a run: the compiler threads' share of the
# process's TOTAL ticks, and the busiest event loop's share of all event-loop ticks.
thread_shares() {
  awk -v total="$3" 'NR == FNR {b[$1] = $3; next}
    { d = $3 - b[$1]; if ($2 == "jit") jit += d; if ($2 == "loop") { loops += d; if (d > top) top = d } }
    END { j = (total > 0) ? 100 * jit / total : 0; l = (loops > 0) ? 100 * top / loops : 0
      printf "%.0f %.0f\n", j, l }' "$1" "$2"
}

# ---------------------------------------------------------------- prerequisites
if ((BUILD)); then
  log "building the gateway (./mvnw -q -DskipTests package)"
  ./mvnw -q -DskipTests package
fi
if [[ -z "${GATEWAY_CMD:-}" ]] || has "$TARGETS" direct || has "$TARGETS" bare; then
  [[ -f "$GATEWAY_JAR" ]] || die "no gateway jar at $GATEWAY_JAR (build it or pass --gateway-jar)"
fi
BENCH_CP="${BENCH_CP:-$GATEWAY_JAR}"

if ! command -v wrk >/dev/null; then
  log "installing wrk"
  SUDO=""
  ((EUID == 0)) || SUDO=sudo
  if ! apt-cache show wrk >/dev/null 2>&1; then
    $SUDO apt-get update -qq
  fi
  $SUDO apt-get install -y -qq wrk >/dev/null
fi

# find_redis: sets REDIS_BIN to a redis-server: the installed one, else Debian's package, else
# the Linux x86-64 binary inside the embedded-redis jar that the integration tests use.
find_redis() {
  REDIS_BIN="$(command -v redis-server || true)"
  [[ -n "$REDIS_BIN" ]] && return
  log "installing redis-server"
  local sudo=""
  ((EUID == 0)) || sudo=sudo
  if $sudo apt-get install -y -qq redis-server >"$WORK/apt-redis.log" 2>&1 ||
    { $sudo apt-get update -qq >/dev/null 2>&1 &&
      $sudo apt-get install -y -qq redis-server >"$WORK/apt-redis.log" 2>&1; }; then
    REDIS_BIN="$(command -v redis-server || true)"
    [[ -n "$REDIS_BIN" ]] && return
  fi
  log "apt-get could not install redis-server; trying the embedded-redis jar"
  [[ "$(uname -m)" == x86_64 ]] || die "no redis-server, and the embedded-redis fallback is x86-64 only"
  local jar entry
  jar="$(printf '%s\n' "$HOME"/.m2/repository/com/github/codemonstur/embedded-redis/*/embedded-redis-*.jar |
    sort -V | tail -n 1)"
  [[ -f "$jar" ]] || die "no redis-server, apt-get failed, and no embedded-redis jar in ~/.m2"
  entry="$(unzip -Z1 "$jar" | grep -E '^redis-server-[0-9.]+.*-linux-amd64$' | sort -V | tail -n 1)"
  [[ -n "$entry" ]] || die "no linux-amd64 redis-server inside $jar"
  unzip -p "$jar" "$entry" >"$WORK/redis-server"
  chmod +x "$WORK/redis-server"
  REDIS_BIN="$WORK/redis-server"
}

# redis_cmd COMMAND: one inline command to the benchmark's Redis, printing the raw reply (no
# redis-cli needed: the embedded-redis fallback comes without it).
redis_cmd() {
  # shellcheck disable=SC2016 # the inner shell expands its own arguments
  timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1; printf "%s\r\nQUIT\r\n" "$2" >&3; cat <&3' \
    "$HOST" "$REDIS_PORT_USED" "$1" 2>/dev/null | tr -d '\r'
}
# redis_commands: commands Redis has processed since it started.
redis_commands() { redis_cmd 'INFO stats' | awk -F: '/^total_commands_processed:/{print $2}'; }

USE_REDIS=0
has_any "$TARGETS" gateway-redis gateway-redis-limited && USE_REDIS=1
REDIS_PORT_USED=""
if ((USE_REDIS)); then
  find_redis
  if [[ -n "${BENCH_REDIS_PORT:-}" ]]; then
    REDIS_PORT_USED="$BENCH_REDIS_PORT"
  else
    for ((p = 9400; p < 9500; p++)); do
      port_free "$p" && { REDIS_PORT_USED=$p; break; }
    done
    [[ -n "$REDIS_PORT_USED" ]] || die "no free port for redis-server in 9400-9499"
  fi
fi

ports=("$MOCK_PORT" "$STARTUP_PORT")
has "$TARGETS" bare && ports+=("$BARE_PORT")
has_any "$TARGETS" gateway gateway-limited gateway-anthropic gateway-bedrock && ports+=("$GATEWAY_PORT")
((USE_REDIS)) && ports+=("$GATEWAY_REDIS_PORT" "$REDIS_PORT_USED")
has "$TARGETS" gateway-metrics && ports+=("$GATEWAY_METRICS_PORT")
for port in "${ports[@]}"; do
  port_free "$port" || die "port $port on $HOST is already in use"
done

# ---------------------------------------------------------------- servers
log "starting mock upstream on :$MOCK_PORT"
java "${JAVA_FLAGS[@]}" -cp "$BENCH_CP" bench/MockUpstream.java --host "$HOST" --port "$MOCK_PORT" \
  >"$WORK/mock.log" 2>&1 &
MOCK_PID=$!
PIDS+=("$MOCK_PID")
wait_ready mock "$MOCK_PID" "http://$HOST:$MOCK_PORT/health" 60

BARE_PID=""
if has "$TARGETS" bare; then
  log "starting bare pass-through on :$BARE_PORT"
  java "${JAVA_FLAGS[@]}" -cp "$BENCH_CP" bench/BarePassthrough.java --host "$HOST" \
    --port "$BARE_PORT" --upstream "http://$HOST:$MOCK_PORT" "${BARE_ARGS[@]}" >"$WORK/bare.log" 2>&1 &
  BARE_PID=$!
  PIDS+=("$BARE_PID")
  wait_ready bare "$BARE_PID" "http://$HOST:$BARE_PORT/health" 60
fi

# The model is priced so that budgets have spend to reserve and settle.
write_config() { # write_config FILE [EXTRA_YAML]
  cat >"$1" <<EOF
model_list:
  - model_name: bench-model
    litellm_params:
      model: openai/bench-model
      api_base: http://$HOST:$MOCK_PORT/v1
      api_key: sk-bench
      input_cost_per_token: 0.000001
      output_cost_per_token: 0.000002
  - model_name: bench-claude
    litellm_params:
      model: anthropic/claude-bench
      api_base: http://$HOST:$MOCK_PORT
      api_key: sk-ant-bench
      input_cost_per_token: 0.000003
      output_cost_per_token: 0.000015
  - model_name: bench-bedrock
    litellm_params:
      model: bedrock/anthropic.claude-bench-v1:0
      api_base: http://$HOST:$MOCK_PORT
      aws_access_key_id: AKIDBENCHMARK0000001
      aws_secret_access_key: bench/secret/key/not/checked/by/the/mock00
      aws_region_name: us-east-1
      input_cost_per_token: 0.000003
      output_cost_per_token: 0.000015
${2:-}
EOF
}

# start_gateway NAME PORT CONFIG EXPECTED_COUNTERS: start a gateway, wait until it is live, and
# check that /health/readiness reports the counters we asked for; sets LAUNCHED.
start_gateway() {
  local name="$1" port="$2" config="$3" counters="$4" ready
  mkdir -p "$WORK/$name-data"
  log "starting $name on :$port"
  launch_gateway "$port" "$config" "$WORK/$name-data" "$WORK/$name.log"
  PIDS+=("$LAUNCHED")
  wait_ready "$name" "$LAUNCHED" "http://$HOST:$port/health/liveliness" 120
  [[ -n "${GATEWAY_CMD:-}" ]] && return
  ready="$(curl -s --max-time 10 -H "Authorization: Bearer $TOLLGATE_MASTER_KEY" \
    "http://$HOST:$port/health/readiness" || true)"
  [[ "$ready" == *"\"counters\":\"$counters\""* ]] ||
    die "$name should report \"counters\":\"$counters\" on /health/readiness; it said: $ready"
}

# admin PORT PATH JSON: POST to the admin API with the master key; prints the response body and
# fails, showing it, unless the status is 200.
admin() {
  local out
  out="$(curl -s --max-time 30 -w '\n%{http_code}' -X POST "http://$HOST:$1$2" \
    -H "Authorization: Bearer $TOLLGATE_MASTER_KEY" -H 'Content-Type: application/json' -d "$3")" ||
    die "POST $2 on :$1 failed"
  [[ "${out##*$'\n'}" == 200 ]] || die "POST $2 $3 on :$1 answered ${out##*$'\n'}: ${out%$'\n'*}"
  printf '%s\n' "${out%$'\n'*}"
}

# Limits far above what a run can use: a request costs under 0.0002 USD (reserved from
# max_tokens, settled from usage) and about 100 tokens, and a whole run sends a few million
# requests at most, so no budget, RPM or TPM limit is reached and every request does the full
# admission work (reserve at every level, settle, window counters).
LIMIT_BUDGET=1000000
LIMIT_RPM=100000000
LIMIT_TPM=100000000000

# make_limited_key PORT: create organization o1, team t1 in it, tag bench, and a key in t1
# tagged bench, each with a budget, the key also with RPM and TPM limits; sets LIMITED_KEY.
make_limited_key() {
  local port="$1" out
  admin "$port" /organization/new "{\"organization_id\":\"o1\",\"max_budget\":$LIMIT_BUDGET}" >/dev/null
  admin "$port" /team/new \
    "{\"team_id\":\"t1\",\"organization_id\":\"o1\",\"max_budget\":$LIMIT_BUDGET}" >/dev/null
  admin "$port" /tag/new "{\"name\":\"bench\",\"max_budget\":$LIMIT_BUDGET}" >/dev/null
  out="$(admin "$port" /key/generate "{\"team_id\":\"t1\",\"max_budget\":$LIMIT_BUDGET,\
\"rpm_limit\":$LIMIT_RPM,\"tpm_limit\":$LIMIT_TPM,\"tags\":[\"bench\"]}")"
  LIMITED_KEY="$(sed -n 's/.*"key":"\([^"]*\)".*/\1/p' <<<"$out")"
  [[ "$LIMITED_KEY" == sk-* ]] || die "no key in the /key/generate answer: $out"
  [[ "$out" == *'"team_id":"t1"'* && "$out" == *'"tags":["bench"]'* &&
    "$out" == *"\"rpm_limit\":$LIMIT_RPM"* && "$out" == *"\"tpm_limit\":$LIMIT_TPM"* ]] ||
    die "the limited key lacks a team, tag or limit: $out"
}

# key_spend PORT KEY: the key's spend in USD as /key/info reports it.
key_spend() {
  curl -s --max-time 10 "http://$HOST:$1/key/info?key=$2" \
    -H "Authorization: Bearer $TOLLGATE_MASTER_KEY" | grep -o '"spend":[0-9.eE+-]*' | head -n 1 | cut -d: -f2
}

GATEWAY_PID=""
LOCAL_KEY=""
if has_any "$TARGETS" gateway gateway-limited gateway-anthropic gateway-bedrock; then
  write_config "$WORK/config.yaml"
  start_gateway gateway "$GATEWAY_PORT" "$WORK/config.yaml" local
  GATEWAY_PID=$LAUNCHED
  if has "$TARGETS" gateway-limited; then
    make_limited_key "$GATEWAY_PORT"
    LOCAL_KEY="$LIMITED_KEY"
  fi
fi

METRICS_GATEWAY_PID=""
if has "$TARGETS" gateway-metrics; then
  write_config "$WORK/config-metrics.yaml" "litellm_settings:
  callbacks: [\"prometheus\"]"
  start_gateway gateway-metrics "$GATEWAY_METRICS_PORT" "$WORK/config-metrics.yaml" local
  METRICS_GATEWAY_PID=$LAUNCHED
fi

REDIS_PID=""
REDIS_GATEWAY_PID=""
REDIS_KEY=""
if ((USE_REDIS)); then
  log "starting $REDIS_BIN on :$REDIS_PORT_USED (no persistence)"
  "$REDIS_BIN" --port "$REDIS_PORT_USED" --bind "$HOST" --save '' --appendonly no \
    --daemonize no --protected-mode yes >"$WORK/redis.log" 2>&1 &
  REDIS_PID=$!
  PIDS+=("$REDIS_PID")
  deadline=$((SECONDS + 30))
  until [[ "$(redis_cmd PING)" == +PONG* ]]; do
    kill -0 "$REDIS_PID" 2>/dev/null || { tail -n 20 "$WORK/redis.log" >&2; die "redis-server exited"; }
    ((SECONDS < deadline)) || die "redis-server not answering PING after 30 s"
    sleep 0.05
  done
  REDIS_VERSION="$("$REDIS_BIN" --version | head -n 1)"
  write_config "$WORK/config-redis.yaml" "router_settings:
  redis_host: $HOST
  redis_port: $REDIS_PORT_USED"
  start_gateway gateway-redis "$GATEWAY_REDIS_PORT" "$WORK/config-redis.yaml" redis
  REDIS_GATEWAY_PID=$LAUNCHED
  if has "$TARGETS" gateway-redis-limited; then
    make_limited_key "$GATEWAY_REDIS_PORT"
    REDIS_KEY="$LIMITED_KEY"
  fi
fi

# ---------------------------------------------------------------- measurement
# smoke URL MODE KEY: one request by curl; the response must look like an OpenAI answer.
smoke() {
  local url="$1" mode="$2" key="$3" body out
  if [[ "$mode" == stream ]]; then
    body='{"model":"'"${BENCH_MODEL:-bench-model}"'","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}'
  else
    body='{"model":"'"${BENCH_MODEL:-bench-model}"'","messages":[{"role":"user","content":"hi"}]}'
  fi
  out="$(curl -s -N --max-time 10 -w '\nHTTP %{http_code}' -X POST "$url" \
    -H 'Content-Type: application/json' -H "Authorization: Bearer $key" \
    -d "$body" || true)"
  if [[ "$out" != *"HTTP 200" || "$out" != *'"usage":{'* ]] ||
    { [[ "$mode" == stream ]] && [[ "$out" != *"data: [DONE]"* ]]; }; then
    log "smoke request to $url ($mode) failed; response:"
    printf '%s\n' "${out:0:2000}" >&2
    return 1
  fi
}

# field NAME LINE: the value of NAME=value in a BENCH line from post.lua's done().
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

RAW=()

# Runs in which wrk saw non-2xx answers, and gateway-redis runs in which the Redis meter fell
# back to local counters; any makes the script fail after the report.
NON2XX=()
FALLBACK=()

# meter_mode: the counters' mode that gateway-redis reports: redis while Redis decides admission,
# redis-fallback-local while Redis is unreachable or the meter is replaying queued settlements.
meter_mode() {
  curl -s --max-time 10 -H "Authorization: Bearer $TOLLGATE_MASTER_KEY" \
    "http://$HOST:$GATEWAY_REDIS_PORT/health/readiness" |
    sed -n 's/.*"counters":"\([^"]*\)".*/\1/p'
}
# fallback_events: lines in gateway-redis's log saying that the meter left Redis or lost
# settlements.
fallback_events() {
  grep -c -E 'fall back to local|settlement queue is full|settle failed|settlements are dropped' \
    "$WORK/gateway-redis.log" || true
}
# await_redis_meter: wait (at most REDIS_DRAIN_S, default 180 s) until gateway-redis counts in
# Redis again, so that no replay of an earlier run's backlog runs during a measurement.
await_redis_meter() {
  local mode deadline=$((SECONDS + ${REDIS_DRAIN_S:-180})) t0=$SECONDS
  mode="$(meter_mode)"
  [[ "$mode" == redis ]] && return 0
  log "gateway-redis counters are '$mode'; waiting for the meter to replay its backlog"
  while ((SECONDS < deadline)); do
    sleep 1
    mode="$(meter_mode)"
    if [[ "$mode" == redis ]]; then
      log "gateway-redis counts in Redis again after $((SECONDS - t0)) s"
      return 0
    fi
  done
  log "gateway-redis counters still '$mode' after ${REDIS_DRAIN_S:-180} s"
  return 1
}

# measure TARGET MODE URL PROXY_PID WARMUP KEY: one measured wrk run, sending KEY; appends a row
# to RAW. For the gateway-redis targets it also reads the CPU and command count of Redis.
measure() {
  local target="$1" mode="$2" url="$3" proxy_pid="$4" warmup="$5" key="$6" script=bench/post.lua
  [[ "$mode" == stream ]] && script=bench/post-stream.lua
  export BENCH_KEY="$key"
  local redis=0
  [[ "$target" == gateway-redis* ]] && redis=1
  ((redis)) && { await_redis_meter || true; }
  if ! smoke "$url" "$mode" "$key"; then
    RAW+=("$target|$mode|smoke failed||||||||||||||")
    return
  fi
  # Warm up for $warmup, then in 5 s steps while the JIT still takes over 10% of the process's
  # CPU, for at most MAX_WARMUP_STEPS more steps.
  local step=0 jit_share=100 t0 t1
  log "$target $mode: warm-up $warmup"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$warmup" -s "$script" "$url" >/dev/null
  while ((step < ${MAX_WARMUP_STEPS:-6})); do
    thread_ticks "$proxy_pid" >"$WORK/threads0"; t0=$(cpu_ticks "$proxy_pid")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$script" "$url" >/dev/null
    thread_ticks "$proxy_pid" >"$WORK/threads1"; t1=$(cpu_ticks "$proxy_pid")
    read -r jit_share _ < <(thread_shares "$WORK/threads0" "$WORK/threads1" "$((t1 - t0))")
    step=$((step + 1))
    log "$target $mode: warm-up +5s, JIT $jit_share% of CPU"
    ((jit_share > 10)) || break
  done
  log "$target $mode: measuring $DURATION"
  local raw="$WORK/wrk-$target-$mode.txt"
  local p0 m0 b0 i0 w0 s0 r0=0 c0=0 p1 m1 b1 i1 w1 s1 r1=0 c1=0 mode0="" e0=0 fell=-
  if ((redis)); then mode0="$(meter_mode)"; e0=$(fallback_events); fi
  thread_ticks "$proxy_pid" >"$WORK/threads0"
  [[ -n "$REDIS_PID" ]] && r0=$(cpu_ticks "$REDIS_PID")
  ((redis)) && c0=$(redis_commands)
  p0=$(cpu_ticks "$proxy_pid"); m0=$(cpu_ticks "$MOCK_PID"); s0=$(write_calls "$proxy_pid")
  read -r b0 i0 < <(machine_ticks)
  times >"$WORK/times"; w0=$(child_ticks)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$script" "$url" >"$raw"
  read -r b1 i1 < <(machine_ticks)
  p1=$(cpu_ticks "$proxy_pid"); m1=$(cpu_ticks "$MOCK_PID"); s1=$(write_calls "$proxy_pid")
  [[ -n "$REDIS_PID" ]] && r1=$(cpu_ticks "$REDIS_PID")
  ((redis)) && c1=$(redis_commands)
  thread_ticks "$proxy_pid" >"$WORK/threads1"
  times >"$WORK/times"; w1=$(child_ticks)
  if ((redis)); then
    # The run measured Redis only if the meter counted there from start to end.
    local mode1 e1
    mode1="$(meter_mode)"; e1=$(fallback_events)
    fell=0
    if [[ "$mode0" != redis || "$mode1" != redis || "$e1" != "$e0" ]]; then
      fell=1
      FALLBACK+=("$target $mode: counters '$mode0' before, '$mode1' after, $((e1 - e0)) fallback log line(s)")
      log "ERROR: $target $mode: the Redis meter fell back to local counters during the run:"
      grep -E 'fall back to local|settlement queue is full|settle failed|settlements are dropped|reachable again' \
        "$WORK/gateway-redis.log" | tail -n 6 >&2 || true
    fi
  fi

  local line req dur
  line="$(grep '^BENCH ' "$raw")" || die "no BENCH line from wrk; see $raw"
  req=$(field requests "$line"); dur=$(field duration_us "$line")
  ((req > 0)) || die "$target $mode completed no requests"
  local errors non2xx
  non2xx=$(field err_status "$line")
  errors=$(($(field err_connect "$line") + $(field err_read "$line") + $(field err_write "$line") \
    + non2xx + $(field err_timeout "$line")))
  if ((non2xx > 0)); then
    NON2XX+=("$target $mode: $non2xx of $req answers were not 2xx")
    log "ERROR: $target $mode: $non2xx of $req answers were not 2xx; one answer now:"
    curl -s --max-time 10 -w '\nHTTP %{http_code}\n' -X POST "$url" -H 'Content-Type: application/json' \
      -H "Authorization: Bearer $key" -d '{"model":"'"${BENCH_MODEL:-bench-model}"'","messages":[{"role":"user","content":"hi"}]}' |
      head -c 2000 >&2 || true
  fi
  local rps proxy_us mock_us other writes idle jit top_loop redis_us=- redis_cmds=-
  read -r jit top_loop < <(thread_shares "$WORK/threads0" "$WORK/threads1" "$((p1 - p0))")
  idle=$(awk -v i="$((i1 - i0))" -v t="$CLK_TCK" -v d="$dur" 'BEGIN{printf "%.2f", i / t / (d / 1e6)}')
  writes=$(awk -v a="$s0" -v b="$s1" -v r="$req" 'BEGIN{printf "%.1f", (b - a) / r}')
  rps=$(awk -v r="$req" -v d="$dur" 'BEGIN{printf "%.0f", r * 1e6 / d}')
  proxy_us=$(awk -v a="$p0" -v b="$p1" -v t="$CLK_TCK" -v r="$req" 'BEGIN{printf "%.1f", (b - a) * 1e6 / t / r}')
  mock_us=$(awk -v a="$m0" -v b="$m1" -v t="$CLK_TCK" -v r="$req" 'BEGIN{printf "%.1f", (b - a) * 1e6 / t / r}')
  if ((redis)); then
    redis_us=$(awk -v a="$r0" -v b="$r1" -v t="$CLK_TCK" -v r="$req" 'BEGIN{printf "%.1f", (b - a) * 1e6 / t / r}')
    # Less the INFO command that read the count.
    redis_cmds=$(awk -v a="$c0" -v b="$c1" -v r="$req" 'BEGIN{printf "%.1f", (b - a - 1) / r}')
  fi
  # CPU used by everything else on the machine during the run, in cores (shared-machine noise).
  # Redis is ours whether or not the run uses it.
  local ours=$(((p1 - p0) + (w1 - w0) + (r1 - r0)))
  [[ "$proxy_pid" != "$MOCK_PID" ]] && ours=$((ours + m1 - m0))
  other=$(awk -v busy="$((b1 - b0))" -v ours="$ours" -v t="$CLK_TCK" -v d="$dur" \
    'BEGIN{o = (busy - ours) / t / (d / 1e6); if (o < 0) o = 0; printf "%.2f", o}')
  RAW+=("$target|$mode|$rps|$(field p50_us "$line")|$(field p99_us "$line")|$proxy_us|$mock_us|$errors|$other|$writes|$jit|$top_loop|$idle|$redis_us|$redis_cmds|$fell")
  log "$target $mode: $rps req/s, proxy ${proxy_us} us/req, redis ${redis_us} us/req, errors $errors"
}

IFS=, read -r -a MODE_LIST <<<"$MODES"
for ((round = 1; round <= ROUNDS; round++)); do
  # Later rounds find the JIT warm; their warm-up only re-opens connections.
  warmup="$WARMUP"
  ((round > 1)) && warmup=2s
  ((ROUNDS > 1)) && log "round $round of $ROUNDS"
  for mode in "${MODE_LIST[@]}"; do
    path=/v1/chat/completions master="$TOLLGATE_MASTER_KEY"
    has "$TARGETS" direct && measure direct "$mode" "http://$HOST:$MOCK_PORT$path" "$MOCK_PID" "$warmup" "$master"
    has "$TARGETS" bare && measure bare "$mode" "http://$HOST:$BARE_PORT$path" "$BARE_PID" "$warmup" "$master"
    has "$TARGETS" gateway &&
      measure gateway "$mode" "http://$HOST:$GATEWAY_PORT$path" "$GATEWAY_PID" "$warmup" "$master"
    has "$TARGETS" gateway-limited &&
      measure gateway-limited "$mode" "http://$HOST:$GATEWAY_PORT$path" "$GATEWAY_PID" "$warmup" "$LOCAL_KEY"
    if has "$TARGETS" gateway-anthropic; then
      export BENCH_MODEL=bench-claude
      measure gateway-anthropic "$mode" "http://$HOST:$GATEWAY_PORT$path" "$GATEWAY_PID" "$warmup" "$master"
      unset BENCH_MODEL
    fi
    if has "$TARGETS" gateway-bedrock; then
      export BENCH_MODEL=bench-bedrock
      measure gateway-bedrock "$mode" "http://$HOST:$GATEWAY_PORT$path" "$GATEWAY_PID" "$warmup" "$master"
      unset BENCH_MODEL
    fi
    has "$TARGETS" gateway-metrics &&
      measure gateway-metrics "$mode" "http://$HOST:$GATEWAY_METRICS_PORT$path" "$METRICS_GATEWAY_PID" \
        "$warmup" "$master"
    has "$TARGETS" gateway-redis &&
      measure gateway-redis "$mode" "http://$HOST:$GATEWAY_REDIS_PORT$path" "$REDIS_GATEWAY_PID" "$warmup" "$master"
    has "$TARGETS" gateway-redis-limited &&
      measure gateway-redis-limited "$mode" "http://$HOST:$GATEWAY_REDIS_PORT$path" "$REDIS_GATEWAY_PID" \
        "$warmup" "$REDIS_KEY"
  done
done

# median VALUES...: the median of numbers.
median() {
  printf '%s\n' "$@" | sort -g |
    awk '{v[NR] = $1} END {if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.10g\n", m}'
}

# Each (target, mode) row of the report holds the medians over the rounds; errors are summed.
declare -A RPS
ROWS=()
for mode in "${MODE_LIST[@]}"; do
  for target in ${ALL_TARGETS//,/ }; do
    has "$TARGETS" "$target" || continue
    cols=()
    failed=0
    for row in "${RAW[@]}"; do
      IFS='|' read -r -a f <<<"$row"
      [[ "${f[0]}" == "$target" && "${f[1]}" == "$mode" ]] || continue
      if [[ "${f[2]}" == "smoke failed" ]]; then failed=1; continue; fi
      for c in {2..15}; do cols[c]+="${f[c]} "; done
    done
    if ((failed)) || [[ -z "${cols[2]:-}" ]]; then
      ROWS+=("$target|$mode|smoke failed||||||||||||||")
      continue
    fi
    out="$target|$mode"
    # columns: 2 req/s, 3 p50 us, 4 p99 us, 5 proxy us/req, 6 mock us/req, 7 errors, 8 other,
    # 9 wr/req, 10 jit%, 11 top loop%, 12 idle, 13 redis us/req, 14 redis commands/req,
    # 15 runs in which the Redis meter fell back (summed, like errors)
    formats=([2]=%.0f [3]=%.0f [4]=%.0f [5]=%.1f [6]=%.1f [7]=%d [8]=%.2f [9]=%.1f [10]=%.0f
      [11]=%.0f [12]=%.2f [13]=%.1f [14]=%.1f [15]=%d)
    for c in {2..15}; do
      # A target without Redis has - in the Redis columns.
      if [[ "${cols[c]}" == -* ]]; then out+="|-"; continue; fi
      # shellcheck disable=SC2086 # word splitting of the collected values is intended
      if ((c == 7 || c == 15)); then v=$(printf '%s\n' ${cols[c]} | awk '{s += $1} END {print s}')
      else v=$(median ${cols[c]}); fi
      out+="|$(awk -v v="$v" -v f="${formats[c]}" 'BEGIN{printf f, v}')"
    done
    ROWS+=("$out")
    RPS["$target/$mode"]=$(cut -d'|' -f3 <<<"$out")
  done
done

# What the limited keys spent, as a check that they did work and stayed far from their limits.
SPEND_LINES=()
[[ -n "$LOCAL_KEY" ]] &&
  SPEND_LINES+=("gateway-limited key spend: $(key_spend "$GATEWAY_PORT" "$LOCAL_KEY") USD of $LIMIT_BUDGET")
[[ -n "$REDIS_KEY" ]] &&
  SPEND_LINES+=("gateway-redis-limited key spend: $(key_spend "$GATEWAY_REDIS_PORT" "$REDIS_KEY") USD of $LIMIT_BUDGET")

# Redis's own account of the commands it ran (cumulative over the whole run).
REDIS_STATS=""
((USE_REDIS)) && REDIS_STATS="$(redis_cmd 'INFO commandstats' | grep '^cmdstat_' |
  sed -E 's/^cmdstat_([^:]*):calls=([0-9]+),usec=([0-9]+),usec_per_call=([0-9.]+).*/  \1: \2 calls, \4 us per call/')"

# ---------------------------------------------------------------- start-to-ready
STARTUP_LINE=""
if ((STARTUP_RUNS > 0)); then
  # The measured gateways and Redis are stopped first so that they do not compete for the two
  # cores.
  for pid in "$GATEWAY_PID" "$REDIS_GATEWAY_PID" "$REDIS_PID"; do
    [[ -n "$pid" ]] && stop_pid "$pid"
  done
  TIMES=()
  for ((i = 1; i <= STARTUP_RUNS; i++)); do
    data="$(mktemp -d "$WORK/startup-data.XXXXXX")"
    t0=$(date +%s%N)
    launch_gateway "$STARTUP_PORT" "" "$data" "$WORK/startup.log"
    pid=$LAUNCHED
    PIDS+=("$pid")
    until curl -fs -o /dev/null --max-time 1 "http://$HOST:$STARTUP_PORT/health/liveliness"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        tail -n 30 "$WORK/startup.log" >&2
        die "gateway without config exited before it was ready"
      fi
      (( ($(date +%s%N) - t0) < 120000000000 )) || die "gateway without config not ready after 120 s"
      sleep 0.01
    done
    t1=$(date +%s%N)
    TIMES+=($(((t1 - t0) / 1000000)))
    stop_pid "$pid"
    log "start-to-ready run $i: ${TIMES[-1]} ms"
  done
  read -r MIN MEDIAN < <(printf '%s\n' "${TIMES[@]}" | sort -n |
    awk '{v[NR] = $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%d %d\n", v[1], m}')
  STARTUP_LINE="gateway start-to-ready (no config, fresh data dir, $STARTUP_RUNS runs): min $MIN ms, median $MEDIAN ms  [${TIMES[*]}]"
fi

# ---------------------------------------------------------------- report
ratio() { # ratio A B
  [[ -n "$1" && -n "$2" ]] && awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2fx", a / b}' || printf -- '-'
}
us_to_ms() { [[ -n "$1" ]] && awk -v u="$1" 'BEGIN{printf "%.2f", u / 1000}' || printf -- '-'; }

STAMP="$(date +%Y%m%d-%H%M%S)"
mkdir -p bench/out
RESULT="bench/out/results-$STAMP.txt"
# check_ratio MODE NUMERATOR DENOMINATOR MIN: one PASS/FAIL line for a req/s ratio.
check_ratio() {
  local a="${RPS[$2/$1]:-}" b="${RPS[$3/$1]:-}"
  [[ -n "$a" && -n "$b" ]] || return 0
  awk -v a="$a" -v b="$b" -v m="$1" -v n="$2" -v d="$3" -v min="$4" 'BEGIN{r = a / b
    printf "target %-9s %s >= %.2fx %s req/s: %.2fx %s\n", m, n, min, d, r, (r >= min ? "PASS" : "FAIL")}'
}
{
  echo "Tollgate benchmark $(date -Is)"
  if [[ -n "${GATEWAY_CMD:-}" ]]; then
    echo "gateway: GATEWAY_CMD=$GATEWAY_CMD"
  else
    echo "gateway: $GATEWAY_JAR (sha256 $(sha256sum "$GATEWAY_JAR" | cut -c1-12), built $(date -r "$GATEWAY_JAR" -Is))"
  fi
  echo "bench scripts at commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  [[ ${#BARE_ARGS[@]} -gt 0 ]] && echo "bare pass-through: ${BARE_ARGS[*]}"
  ((USE_REDIS)) && echo "redis: $REDIS_BIN ($REDIS_VERSION) on :$REDIS_PORT_USED, no persistence"
  echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION (warm-up $WARMUP), $ROUNDS round(s) (medians), $(nproc) cores, $(java -version 2>&1 | head -n 1)"
  echo
  fmt='%-21s %-9s %7s %6s %6s %7s %6s %7s %9s %8s %7s %6s %10s %5s %4s %5s %5s %6s %5s\n'
  # shellcheck disable=SC2059 # the format is ours
  printf "$fmt" target mode req/s p50_ms p99_ms xdirect xbare xmaster cpu_us/rq redis_us rcmd/rq \
    fallbk mock_us/rq wr/rq jit% loop% idle errors other
  for row in "${ROWS[@]}"; do
    IFS='|' read -r target mode rps p50 p99 proxy_us mock_us errors other writes jit top_loop idle \
      redis_us redis_cmds fell <<<"$row"
    if [[ "$rps" == "smoke failed" ]]; then
      printf '%-21s %-9s %s\n' "$target" "$mode" "SMOKE-FAILED"
      continue
    fi
    xdirect=$(ratio "$rps" "${RPS[direct/$mode]:-}")
    xbare=-
    [[ "$target" != direct ]] && xbare=$(ratio "$rps" "${RPS[bare/$mode]:-}")
    [[ "$target" == bare ]] && xbare=1.00x
    # The master key on the same gateway process (same counters).
    xmaster=-
    [[ "$target" == gateway-limited || "$target" == gateway-anthropic ||
      "$target" == gateway-bedrock ]] &&
      xmaster=$(ratio "$rps" "${RPS[gateway/$mode]:-}")
    [[ "$target" == gateway-redis-limited ]] && xmaster=$(ratio "$rps" "${RPS[gateway-redis/$mode]:-}")
    [[ "$target" == gateway-metrics ]] && xmaster=$(ratio "$rps" "${RPS[gateway/$mode]:-}")
    [[ "$target" == direct ]] && proxy_us=-
    # shellcheck disable=SC2059
    printf "$fmt" "$target" "$mode" "$rps" "$(us_to_ms "$p50")" "$(us_to_ms "$p99")" "$xdirect" \
      "$xbare" "$xmaster" "$proxy_us" "$redis_us" "$redis_cmds" "$fell" "$mock_us" "$writes" "$jit" \
      "$top_loop" "$idle" "$errors" "$other"
  done
  echo
  noisy=0
  for row in "${RAW[@]}"; do
    IFS='|' read -r -a f <<<"$row"
    [[ -n "${f[8]:-}" ]] && awk -v o="${f[8]}" 'BEGIN{exit !(o > 0.2)}' && noisy=$((noisy + 1))
  done
  ((noisy > 0)) &&
    echo "warning: other processes used over 0.2 cores in $noisy of ${#RAW[@]} runs; expect noise"
  [[ -n "$STARTUP_LINE" ]] && echo "$STARTUP_LINE"
  for line in "${SPEND_LINES[@]}"; do echo "$line"; done
  for mode in "${MODE_LIST[@]}"; do
    check_ratio "$mode" gateway bare 0.90
    for row in "${ROWS[@]}"; do
      IFS='|' read -r target rmode rps _ _ proxy_us _ <<<"$row"
      if [[ "$target" == gateway && "$rmode" == "$mode" && "$rps" != "smoke failed" ]]; then
        awk -v u="$proxy_us" -v m="$mode" 'BEGIN{printf "target %-9s gateway CPU <= 35 us/request: %.1f us %s\n", m, u, (u <= 35 ? "PASS" : "FAIL")}'
      fi
    done
    check_ratio "$mode" gateway-limited bare 0.85
    check_ratio "$mode" gateway-limited gateway 0.90
    check_ratio "$mode" gateway-redis-limited bare 0.85
    check_ratio "$mode" gateway-redis-limited gateway-redis 0.90
    # Not a target: what Redis costs the limited key against the master key without Redis.
    a="${RPS[gateway-redis-limited/$mode]:-}" b="${RPS[gateway/$mode]:-}"
    [[ -n "$a" && -n "$b" ]] && awk -v a="$a" -v b="$b" -v m="$mode" \
      'BEGIN{printf "info   %-9s gateway-redis-limited / gateway (master key, local counters) req/s: %.2fx\n", m, a / b}'
  done
  if [[ -n "$REDIS_STATS" ]]; then
    echo "redis INFO commandstats at the end of the throughput runs:"
    echo "$REDIS_STATS"
  fi
  for line in "${NON2XX[@]}"; do echo "ERROR: $line"; done
  for line in "${FALLBACK[@]}"; do echo "ERROR: Redis meter fell back: $line"; done
} | tee "$RESULT"
log "wrote $RESULT"
((${#NON2XX[@]} == 0)) || die "${#NON2XX[@]} run(s) had non-2xx answers (see above); their figures are not valid"
((${#FALLBACK[@]} == 0)) ||
  die "in ${#FALLBACK[@]} gateway-redis run(s) the meter fell back to local counters (see above); those rows do not measure Redis"
