-- wrk script for bench/run.py: many signed-in phones, one bearer token each, taken in turn.
--   wrk -s bench/api.lua <url> -- hello
--   wrk -s bench/api.lua <url> -- list   <tokens file>
--   wrk -s bench/api.lua <url> -- create <tokens file> <started_at>
-- The bare app goes through the same script, so the client's own cost is the same in every figure.

local threads = 0

function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end

function init(args)
  mode, tokens, turn = args[1], {}, 0
  if mode ~= "hello" then
    for line in io.lines(args[2]) do tokens[#tokens + 1] = line end
    turn = thread_number * 97 -- each thread starts with other users
  end
  body = '{"started_at": "' .. (args[3] or "") .. '", "side": "left", "locations": ["plantar"], '
      .. '"sensations": ["numbness", "tingling"], "severity": 4, "pain": 2, "duration_minutes": 20}'
end

function request()
  if mode == "hello" then
    return wrk.format("GET", "/")
  end
  turn = turn + 1
  local headers = {["Authorization"] = "Bearer " .. tokens[turn % #tokens + 1]}
  if mode == "create" then
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", "/api/v1/episodes/", headers, body)
  end
  return wrk.format("GET", "/api/v1/episodes/", headers)
end

-- One line for bench/run.py to read; latencies in microseconds.
function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
