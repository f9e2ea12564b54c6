-- POST /staff/intake: a letter or a call taken in by staff (env COOKIE, a
-- logged-in session), the same work as POST /api/v1/requests: the case is
-- received at once (reference, due date, receipt). Each wrk thread fetches
-- the form's CSRF token once; only a 303 to the case counts as a success.
dofile("bench/checked.lua")
local threads = numbered()

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

bootstrapped(threads, function(status) return status == 303 end, function(headers, body) token = csrf_of(body) end)
