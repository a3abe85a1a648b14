-- wrk script: POST a non-streaming chat completion (or a streaming one when BENCH_STREAM is
-- set, see post-stream.lua) and print one machine-readable line from done() for run.sh.
local stream = BENCH_STREAM or os.getenv("BENCH_STREAM") == "1"
-- BENCH_KEY is the key run.sh chose for the target (the master key or a limited virtual key).
local key = os.getenv("BENCH_KEY") or os.getenv("TOLLGATE_MASTER_KEY") or "sk-bench-master"
local model = os.getenv("BENCH_MODEL") or "bench-model"

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. key
if stream then
  wrk.body = '{"model":"' .. model .. '","messages":[{"role":"system","content":"You are terse."},'
    .. '{"role":"user","content":"Say hello to the benchmark."}],"max_tokens":64,'
    .. '"stream":true,"stream_options":{"include_usage":true}}'
else
  wrk.body = '{"model":"' .. model .. '","messages":[{"role":"system","content":"You are terse."},'
    .. '{"role":"user","content":"Say hello to the benchmark."}],"max_tokens":64}'
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d "
      .. "mean_us=%.1f err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
