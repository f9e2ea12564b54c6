-- POST /requests/confirm: requesters confirming their address from the
-- e-mails the intake run's submissions were sent. env CONFIRM_TOKENS names a
-- file of confirmation tokens, one per line; each wrk thread takes every
-- other one (by thread number), so no token is used twice. Each thread
-- fetches its session cookie and CSRF token once (GET /requests/new), as
-- intake.lua does. Only a 303 to the status page counts as a success; a
-- thread out of tokens stops counting and says so (its requests are then
-- bootstrap GETs).
local threads = {}

local next_id = 0
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

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

function response(status, headers, body)
  if status == 200 then
    boot = boot + 1
    if token then return end
    local c = headers["Set-Cookie"] or headers["set-cookie"]
    local t = body and string.match(body, 'name="csrf_token" value="([^"]+)"')
    if c and t then
      cookie = string.match(c, "(madoguchi_session=[^;]+)")
      token = t
    end
    return
  end
  local location = headers["Location"] or headers["location"] or ""
  if status == 303 and string.find(location, "/status/", 1, true) then ok = ok + 1 else bad = bad + 1; last_bad = status end
end

function done(summary, latency, requests)
  local ok_total, bad_total, boot_total, out_total = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    if t:get("last_bad") ~= 0 then io.write(string.format("last error status: %d\n", t:get("last_bad"))) end
    ok_total = ok_total + t:get("ok")
    bad_total = bad_total + t:get("bad")
    boot_total = boot_total + t:get("boot")
    out_total = out_total + t:get("out")
  end
  if out_total > 0 then io.write(string.format("OUT OF TOKENS: %d requests after the last token\n", out_total)) end
  io.write(string.format("CHECKED ok=%d bad=%d boot=%d\n", ok_total, bad_total, boot_total))
end
