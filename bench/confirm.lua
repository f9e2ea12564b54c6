-- POST /requests/confirm: requesters confirming their address from the
-- e-mails the intake run's submissions were sent. env CONFIRM_TOKENS names a
-- file of confirmation tokens, one per line; each wrk thread takes every
-- other one (by thread number), so no token is used twice. Each thread
-- fetches its session cookie and CSRF token once (GET /requests/new), as
-- intake.lua does. Only a 303 to the status page counts as a success; a
-- thread out of tokens stops counting and says so (its requests are then
-- bootstrap GETs).
dofile("bench/checked.lua")
local threads = numbered()

function init(args)
  token, cookie, ok, bad, boot, last_bad, out = nil, nil, 0, 0, 0, 0, 0
  mine, n = {}, 0
  local i = 0
  for line in io.lines(os.getenv("CONFIRM_TOKENS")) do
    if i % 2 == id then table.insert(mine, line) end
    i = i + 1
  end
end

function request()
  if not token or n >= #mine then
    if token then out = out + 1 end
    return wrk.format("GET", "/requests/new")
  end
  n = n + 1
  return wrk.format("POST", "/requests/confirm",
    { ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie },
    "token=" .. mine[n] .. "&csrf_token=" .. token)
end

local function to_status(status, headers)
  local location = headers["Location"] or headers["location"] or ""
  return status == 303 and string.find(location, "/status/", 1, true) ~= nil
end

bootstrapped(threads, to_status, take_session)
