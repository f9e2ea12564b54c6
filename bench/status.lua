-- GET /status/<reference>: requesters look at their request, each line of
-- the file env STATUS being one requester's "<cookie> <path>". Only a 200
-- counts as a success.
local threads = {}
function setup(thread) table.insert(threads, thread) end

function init(args)
  ok, bad, last_bad = 0, 0, 0
  people = {}
  for line in io.lines(os.getenv("STATUS")) do
    local cookie, path = string.match(line, "^(%S+) (%S+)$")
    table.insert(people, { cookie = cookie, path = path })
  end
  math.randomseed(os.time() + 7)
end

function request()
  local p = people[math.random(#people)]
  return wrk.format("GET", p.path, { ["Cookie"] = p.cookie })
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else bad = bad + 1; last_bad = status end
end

function done(summary, latency, requests)
  local ok_total, bad_total = 0, 0
  for _, t in ipairs(threads) do
    if t:get("last_bad") ~= 0 then io.write(string.format("last error status: %d\n", t:get("last_bad"))) end
    ok_total = ok_total + t:get("ok")
    bad_total = bad_total + t:get("bad")
  end
  io.write(string.format("CHECKED ok=%d bad=%d boot=0\n", ok_total, bad_total))
end
