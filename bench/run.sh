#!/usr/bin/env bash
# Benchmarks the gateway against the mock upstream directly and against a bare Vert.x
# pass-through, non-streaming and streaming, then measures gateway start-to-ready time.
# See bench/README.md for what each number means.
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
  --targets LIST        comma list of direct,bare,gateway (default all three)
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
  MOCK_PORT, BARE_PORT, GATEWAY_PORT, STARTUP_PORT   ports (default 9100, 9200, 9300, 9301)
  TOLLGATE_MASTER_KEY   master key given to the gateway and sent by wrk (default sk-bench-master)
EOF
}

BUILD=1
GATEWAY_JAR="target/tollgate.jar"
DURATION=10s
WARMUP=10s
CONNECTIONS=32
THREADS=2
TARGETS="direct,bare,gateway"
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
HOST=127.0.0.1
CLK_TCK="$(getconf CLK_TCK)"
read -r -a JAVA_FLAGS <<<"${JAVA_OPTS:-}"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }
has() { [[ ",$1," == *",$2,"* ]]; }

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

for port in "$MOCK_PORT" "$BARE_PORT" "$GATEWAY_PORT" "$STARTUP_PORT"; do
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

GATEWAY_PID=""
if has "$TARGETS" gateway; then
  cat >"$WORK/config.yaml" <<EOF
model_list:
  - model_name: bench-model
    litellm_params:
      model: openai/bench-model
      api_base: http://$HOST:$MOCK_PORT/v1
      api_key: sk-bench
EOF
  mkdir -p "$WORK/gateway-data"
  log "starting gateway on :$GATEWAY_PORT"
  launch_gateway "$GATEWAY_PORT" "$WORK/config.yaml" "$WORK/gateway-data" "$WORK/gateway.log"
  GATEWAY_PID=$LAUNCHED
  PIDS+=("$GATEWAY_PID")
  wait_ready gateway "$GATEWAY_PID" "http://$HOST:$GATEWAY_PORT/health/liveliness" 120
fi

# ---------------------------------------------------------------- measurement
# smoke URL MODE: one request by curl; the response must look like an OpenAI answer.
smoke() {
  local url="$1" mode="$2" body out
  if [[ "$mode" == stream ]]; then
    body='{"model":"bench-model","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}'
  else
    body='{"model":"bench-model","messages":[{"role":"user","content":"hi"}]}'
  fi
  out="$(curl -s -N --max-time 10 -w '\nHTTP %{http_code}' -X POST "$url" \
    -H 'Content-Type: application/json' -H "Authorization: Bearer $TOLLGATE_MASTER_KEY" \
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

# measure TARGET MODE URL PROXY_PID WARMUP: one measured wrk run; appends a row to RAW.
measure() {
  local target="$1" mode="$2" url="$3" proxy_pid="$4" warmup="$5" script=bench/post.lua
  [[ "$mode" == stream ]] && script=bench/post-stream.lua
  if ! smoke "$url" "$mode"; then
    RAW+=("$target|$mode|smoke failed|||||||||||")
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
  local p0 m0 b0 i0 w0 s0 p1 m1 b1 i1 w1 s1
  thread_ticks "$proxy_pid" >"$WORK/threads0"
  p0=$(cpu_ticks "$proxy_pid"); m0=$(cpu_ticks "$MOCK_PID"); s0=$(write_calls "$proxy_pid")
  read -r b0 i0 < <(machine_ticks)
  times >"$WORK/times"; w0=$(child_ticks)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$script" "$url" >"$raw"
  read -r b1 i1 < <(machine_ticks)
  p1=$(cpu_ticks "$proxy_pid"); m1=$(cpu_ticks "$MOCK_PID"); s1=$(write_calls "$proxy_pid")
  thread_ticks "$proxy_pid" >"$WORK/threads1"
  times >"$WORK/times"; w1=$(child_ticks)

  local line req dur
  line="$(grep '^BENCH ' "$raw")" || die "no BENCH line from wrk; see $raw"
  req=$(field requests "$line"); dur=$(field duration_us "$line")
  ((req > 0)) || die "$target $mode completed no requests"
  local errors
  errors=$(($(field err_connect "$line") + $(field err_read "$line") + $(field err_write "$line") \
    + $(field err_status "$line") + $(field err_timeout "$line")))
  local rps proxy_us mock_us other writes idle jit top_loop
  read -r jit top_loop < <(thread_shares "$WORK/threads0" "$WORK/threads1" "$((p1 - p0))")
  idle=$(awk -v i="$((i1 - i0))" -v t="$CLK_TCK" -v d="$dur" 'BEGIN{printf "%.2f", i / t / (d / 1e6)}')
  writes=$(awk -v a="$s0" -v b="$s1" -v r="$req" 'BEGIN{printf "%.1f", (b - a) / r}')
  rps=$(awk -v r="$req" -v d="$dur" 'BEGIN{printf "%.0f", r * 1e6 / d}')
  proxy_us=$(awk -v a="$p0" -v b="$p1" -v t="$CLK_TCK" -v r="$req" 'BEGIN{printf "%.1f", (b - a) * 1e6 / t / r}')
  mock_us=$(awk -v a="$m0" -v b="$m1" -v t="$CLK_TCK" -v r="$req" 'BEGIN{printf "%.1f", (b - a) * 1e6 / t / r}')
  # CPU used by everything else on the machine during the run, in cores (shared-machine noise).
  local ours=$(((p1 - p0) + (w1 - w0)))
  [[ "$proxy_pid" != "$MOCK_PID" ]] && ours=$((ours + m1 - m0))
  other=$(awk -v busy="$((b1 - b0))" -v ours="$ours" -v t="$CLK_TCK" -v d="$dur" \
    'BEGIN{o = (busy - ours) / t / (d / 1e6); if (o < 0) o = 0; printf "%.2f", o}')
  RAW+=("$target|$mode|$rps|$(field p50_us "$line")|$(field p99_us "$line")|$proxy_us|$mock_us|$errors|$other|$writes|$jit|$top_loop|$idle")
  log "$target $mode: $rps req/s, proxy ${proxy_us} us/req, errors $errors"
}

IFS=, read -r -a MODE_LIST <<<"$MODES"
for ((round = 1; round <= ROUNDS; round++)); do
  # Later rounds find the JIT warm; their warm-up only re-opens connections.
  warmup="$WARMUP"
  ((round > 1)) && warmup=2s
  ((ROUNDS > 1)) && log "round $round of $ROUNDS"
  for mode in "${MODE_LIST[@]}"; do
    has "$TARGETS" direct && measure direct "$mode" "http://$HOST:$MOCK_PORT/v1/chat/completions" "$MOCK_PID" "$warmup"
    has "$TARGETS" bare && measure bare "$mode" "http://$HOST:$BARE_PORT/v1/chat/completions" "$BARE_PID" "$warmup"
    has "$TARGETS" gateway && measure gateway "$mode" "http://$HOST:$GATEWAY_PORT/v1/chat/completions" "$GATEWAY_PID" "$warmup"
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
  for target in direct bare gateway; do
    has "$TARGETS" "$target" || continue
    cols=()
    failed=0
    for row in "${RAW[@]}"; do
      IFS='|' read -r -a f <<<"$row"
      [[ "${f[0]}" == "$target" && "${f[1]}" == "$mode" ]] || continue
      if [[ "${f[2]}" == "smoke failed" ]]; then failed=1; continue; fi
      for c in {2..12}; do cols[c]+="${f[c]} "; done
    done
    if ((failed)) || [[ -z "${cols[2]:-}" ]]; then
      ROWS+=("$target|$mode|smoke failed|||||||||||")
      continue
    fi
    out="$target|$mode"
    # columns: 2 req/s, 3 p50 us, 4 p99 us, 5 proxy us/req, 6 mock us/req, 7 errors, 8 other,
    # 9 wr/req, 10 jit%, 11 top loop%, 12 idle
    formats=([2]=%.0f [3]=%.0f [4]=%.0f [5]=%.1f [6]=%.1f [7]=%d [8]=%.2f [9]=%.1f [10]=%.0f
      [11]=%.0f [12]=%.2f)
    for c in {2..12}; do
      # shellcheck disable=SC2086 # word splitting of the collected values is intended
      if ((c == 7)); then v=$(printf '%s\n' ${cols[c]} | awk '{s += $1} END {print s}')
      else v=$(median ${cols[c]}); fi
      out+="|$(awk -v v="$v" -v f="${formats[c]}" 'BEGIN{printf f, v}')"
    done
    ROWS+=("$out")
    RPS["$target/$mode"]=$(cut -d'|' -f3 <<<"$out")
  done
done

# ---------------------------------------------------------------- start-to-ready
STARTUP_LINE=""
if ((STARTUP_RUNS > 0)); then
  # The measured gateway is stopped first so that it does not compete for the two cores.
  [[ -n "$GATEWAY_PID" ]] && stop_pid "$GATEWAY_PID"
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
{
  echo "Tollgate benchmark $(date -Is)"
  if [[ -n "${GATEWAY_CMD:-}" ]]; then
    echo "gateway: GATEWAY_CMD=$GATEWAY_CMD"
  else
    echo "gateway: $GATEWAY_JAR (sha256 $(sha256sum "$GATEWAY_JAR" | cut -c1-12), built $(date -r "$GATEWAY_JAR" -Is))"
  fi
  echo "bench scripts at commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  [[ ${#BARE_ARGS[@]} -gt 0 ]] && echo "bare pass-through: ${BARE_ARGS[*]}"
  echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION (warm-up $WARMUP), $ROUNDS round(s) (medians), $(nproc) cores, $(java -version 2>&1 | head -n 1)"
  echo
  fmt='%-8s %-9s %7s %6s %6s %7s %6s %9s %10s %5s %4s %5s %5s %6s %5s\n'
  # shellcheck disable=SC2059 # the format is ours
  printf "$fmt" target mode req/s p50_ms p99_ms xdirect xbare cpu_us/rq mock_us/rq wr/rq jit% \
    loop% idle errors other
  for row in "${ROWS[@]}"; do
    IFS='|' read -r target mode rps p50 p99 proxy_us mock_us errors other writes jit top_loop idle \
      <<<"$row"
    if [[ "$rps" == "smoke failed" ]]; then
      printf '%-8s %-9s %s\n' "$target" "$mode" "SMOKE-FAILED"
      continue
    fi
    xdirect=$(ratio "$rps" "${RPS[direct/$mode]:-}")
    xbare=-
    [[ "$target" != direct ]] && xbare=$(ratio "$rps" "${RPS[bare/$mode]:-}")
    [[ "$target" == bare ]] && xbare=1.00x
    [[ "$target" == direct ]] && proxy_us=-
    # shellcheck disable=SC2059
    printf "$fmt" "$target" "$mode" "$rps" "$(us_to_ms "$p50")" "$(us_to_ms "$p99")" "$xdirect" \
      "$xbare" "$proxy_us" "$mock_us" "$writes" "$jit" "$top_loop" "$idle" "$errors" "$other"
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
  for mode in "${MODE_LIST[@]}"; do
    g="${RPS[gateway/$mode]:-}" b="${RPS[bare/$mode]:-}"
    if [[ -n "$g" && -n "$b" ]]; then
      awk -v g="$g" -v b="$b" -v m="$mode" 'BEGIN{r = g / b; printf "target %-9s gateway >= 0.90x bare req/s: %.2fx %s\n", m, r, (r >= 0.9 ? "PASS" : "FAIL")}'
    fi
    for row in "${ROWS[@]}"; do
      IFS='|' read -r target rmode rps _ _ proxy_us _ <<<"$row"
      if [[ "$target" == gateway && "$rmode" == "$mode" && "$rps" != "smoke failed" ]]; then
        awk -v u="$proxy_us" -v m="$mode" 'BEGIN{printf "target %-9s gateway CPU <= 35 us/request: %.1f us %s\n", m, u, (u <= 35 ? "PASS" : "FAIL")}'
      fi
    done
  done
} | tee "$RESULT"
log "wrote $RESULT"
