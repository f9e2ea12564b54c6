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

dofile("bench/checked.lua")
checked(200, threads)
