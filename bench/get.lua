-- GET staff pages with a logged-in session cookie (env COOKIE), or API
-- routes with a token (env AUTHORIZATION, the header's value), rotating
-- over the paths in env PATHS (separated by spaces) or references in the
-- file env REFS (for case pages). Only a 200 counts as a success.
local threads = {}
function setup(thread) table.insert(threads, thread) end

function init(args)
  ok, bad = 0, 0
  cookie = os.getenv("COOKIE")
  local authorization = os.getenv("AUTHORIZATION")
  headers = authorization and { ["Authorization"] = authorization } or { ["Cookie"] = cookie }
  paths = {}
  local refs = os.getenv("REFS")
  if refs then
    for line in io.lines(refs) do table.insert(paths, "/staff/cases/" .. line) end
  else
    for p in string.gmatch(os.getenv("PATHS") or "/", "%S+") do table.insert(paths, p) end
  end
  math.randomseed(os.time() + #paths)
end

function request()
  local p = paths[math.random(#paths)]
  return wrk.format("GET", p, headers)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
  local ok_total, bad_total = 0, 0
  for _, t in ipairs(threads) do
    ok_total = ok_total + t:get("ok")
    bad_total = bad_total + t:get("bad")
  end
  io.write(string.format("CHECKED ok=%d bad=%d boot=0\n", ok_total, bad_total))
end
