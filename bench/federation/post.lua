-- wrk script: POST the benchmark payload, count suspicious 200 answers (GraphQL errors, or too
-- short to be the 87 KB answer: cheap checks, the runner compares whole answers), and print
-- the run's figures as one JSON line (microseconds) for the Python runner to parse.
local payload_path = os.getenv("BENCH_PAYLOAD")
local file = assert(io.open(payload_path, "rb"), "BENCH_PAYLOAD must name the payload file")
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad_bodies = 0
end

-- Defining `response` makes wrk hand every body to Lua; BENCH_BODY_SCAN=0 leaves it undefined.
if os.getenv("BENCH_BODY_SCAN") ~= "0" then
  function response(status, headers, body)
    if status == 200 and (#body < 80000 or string.find(body, '"errors"', 1, true)) then
      bad_bodies = bad_bodies + 1
    end
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("bad_bodies")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"bad_bodies":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, bad,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
