-- wrk script of bench/chat_wrk.py: hands out pre-built requests (a file of raw
-- HTTP requests separated by NUL bytes) in order, each once; when the file runs
-- out it repeats the last one and counts the overruns (the run is then void).
local threads = {}
local reqs = {}
local i = 0
overrun = 0

setup = function(thread)
  table.insert(threads, thread)
end

init = function(args)
  local f = assert(io.open(args[1], "rb"))
  local data = f:read("*a"); f:close()
  for rec in string.gmatch(data, "([^%z]+)") do reqs[#reqs + 1] = rec end
end

request = function()
  i = i + 1
  if i > #reqs then
    i = #reqs
    overrun = overrun + 1
  end
  return reqs[i]
end

done = function(summary, latency, requests)
  local over = 0
  for _, t in ipairs(threads) do over = over + t:get("overrun") end
  io.write(string.format('{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, '
    .. '"p99_us": %d, "max_us": %d, "errors_status": %d, "errors_other": %d, "overrun": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, over))
end
