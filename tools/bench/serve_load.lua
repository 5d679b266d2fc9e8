-- wrk script for tools/bench/serve_load.sh: GET /api/search over the queries
-- of a benchmark query file (class<TAB>query per line, $QUERIES), in turn,
-- each wrk thread starting at a different one; counts the answers by status.
local queries = {}
for line in io.lines(os.getenv("QUERIES")) do
  local q = line:match("^[^\t]*\t(.+)$")
  if q then queries[#queries + 1] = q end
end
assert(#queries > 0, "no queries in " .. tostring(os.getenv("QUERIES")))

local function encode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local threads = {}
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  threads[#threads + 1] = thread
end

at, ok, busy, other = 0, 0, 0, 0  -- globals: done() reads them with thread:get
function init(args)
  at = id * 37
end

function request()
  at = at + 1
  local q = queries[(at % #queries) + 1]
  return wrk.format("GET", "/api/search?limit=10&q=" .. encode(q))
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1
  elseif status == 503 then busy = busy + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local o, b, x = 0, 0, 0
  for _, t in ipairs(threads) do
    o = o + t:get("ok"); b = b + t:get("busy"); x = x + t:get("other")
  end
  io.write(string.format("RESULT requests=%d seconds=%.1f rps=%.1f p50_ms=%.2f p99_ms=%.2f ok=%d busy503=%d other=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, o, b, x,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
