-- wrk script: POST one small chat completion per request.
--   MODEL   model name in the body (default "bench", the model bench/run.sh configures in the routers)
--   STREAM  "1" asks for an SSE stream ("stream": true); wrk reads the whole chunked reply before the next request
-- The mock upstream honours the extra "mock" key (no pacing between tokens); other upstreams ignore it.
-- done() prints one machine-readable line that bench/run.sh parses: exact microsecond percentiles instead of
-- the rounded human-readable table that --latency prints.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local model = os.getenv("MODEL") or "bench"
local stream = os.getenv("STREAM") == "1" and "true" or "false"
wrk.body = '{"model":"' .. model .. '","stream":' .. stream .. ',"max_tokens":64,'
    .. '"messages":[{"role":"system","content":"You are a helpful assistant."},'
    .. '{"role":"user","content":"Write one sentence about routers."}],'
    .. '"mock":{"token_delay_ms":0}}'

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "BENCH requests=%d duration_us=%d bytes=%d connect=%d read=%d write=%d status=%d timeout=%d p50_us=%d p99_us=%d\n",
        summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
        latency:percentile(50), latency:percentile(99)))
end
