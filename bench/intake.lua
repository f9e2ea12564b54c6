-- POST /requests with a valid form. Each wrk thread fetches its session
-- cookie and CSRF token once (GET /requests/new), then posts; every response
-- is checked: only a 303 to /requests/sent counts as a success.
local threads = {}

local next_id = 0
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  token, cookie, ok, bad, boot, last_bad, n = nil, nil, 0, 0, 0, 0, 0
  -- Each request comes from another person (another address), as at a real desk:
  -- the per-recipient mail limit then costs what it costs in life.
  body_head = "kind=disclosure&subject_name=%E5%B1%B1%E7%94%B0+%E5%A4%AA%E9%83%8E&contact_email=p" .. id .. "-"
  body_tail = "%40example.jp"
    .. "&filer=self&delivery=electronic&details=%E9%96%8B%E7%A4%BA%E3%82%92%E6%B1%82%E3%82%81%E3%81%BE%E3%81%99&consent=yes&website="
end

function request()
  if not token then
    return wrk.format("GET", "/requests/new")
  end
  n = n + 1
  return wrk.format("POST", "/requests",
    { ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie },
    body_head .. n .. body_tail .. "&csrf_token=" .. token)
end

function response(status, headers, body)
  -- A 200 answers a bootstrap GET (connections may send one before the token is known).
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
  if status == 303 then ok = ok + 1 else bad = bad + 1; last_bad = status end
end

function done(summary, latency, requests)
  local ok_total, bad_total, boot_total = 0, 0, 0
  for _, t in ipairs(threads) do
    if t:get("last_bad") ~= 0 then io.write(string.format("last error status: %d\n", t:get("last_bad"))) end
    ok_total = ok_total + t:get("ok")
    bad_total = bad_total + t:get("bad")
    boot_total = boot_total + t:get("boot")
  end
  io.write(string.format("CHECKED ok=%d bad=%d boot=%d\n", ok_total, bad_total, boot_total))
end
