-- POST /staff/intake: a letter or a call taken in by staff (env COOKIE, a
-- logged-in session), the same work as POST /api/v1/requests: the case is
-- received at once (reference, due date, receipt). Each wrk thread fetches
-- the form's CSRF token once; only a 303 to the case counts as a success.
local threads = {}

local next_id = 0
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  token, ok, bad, boot, last_bad, n = nil, 0, 0, 0, 0, 0
  cookie = os.getenv("COOKIE")
  body_head = "kind=disclosure&subject_name=%E5%B1%B1%E7%94%B0+%E5%A4%AA%E9%83%8E&subject_name_kana=%E3%83%A4%E3%83%9E%E3%83%80"
    .. "&filer=self&delivery=postal&channel=phone&lang=ja"
    .. "&subject_address=%E6%9D%B1%E4%BA%AC%E9%83%BD%E5%8D%83%E4%BB%A3%E7%94%B0%E5%8C%BA"
    .. "&details=%E9%9B%BB%E8%A9%B1%E3%81%A7%E9%96%8B%E7%A4%BA%E3%81%AE%E8%AB%8B%E6%B1%82&contact_email=s" .. id .. "-"
  body_tail = "%40example.jp&received_on=" .. os.date("%Y-%m-%d")
end

function request()
  if not token then
    return wrk.format("GET", "/staff/intake", { ["Cookie"] = cookie })
  end
  n = n + 1
  return wrk.format("POST", "/staff/intake",
    { ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie },
    body_head .. n .. body_tail .. "&csrf_token=" .. token)
end

function response(status, headers, body)
  if status == 200 then
    boot = boot + 1
    if token then return end
    token = body and string.match(body, 'name="csrf_token" value="([^"]+)"')
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
