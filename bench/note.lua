-- POST /staff/cases/<reference>/note: staff add an internal note (an action:
-- an event, a message, the case's version) to random cases of the file env
-- REFS, with the session env COOKIE and its CSRF token env TOKEN. Only a
-- 303 back to the case counts as a success.
local threads = {}
function setup(thread) table.insert(threads, thread) end

function init(args)
  ok, bad, last_bad = 0, 0, 0
  refs = {}
  for line in io.lines(os.getenv("REFS")) do table.insert(refs, line) end
  headers = { ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = os.getenv("COOKIE") }
  body = "body=%E9%9B%BB%E8%A9%B1%E3%81%A7%E7%A2%BA%E8%AA%8D%E6%B8%88%E3%81%BF&csrf_token=" .. os.getenv("TOKEN")
  math.randomseed(os.time())
end

function request()
  return wrk.format("POST", "/staff/cases/" .. refs[math.random(#refs)] .. "/note", headers, body)
end

dofile("bench/checked.lua")
checked(303, threads)
