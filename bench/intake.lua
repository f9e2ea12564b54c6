-- POST /requests with a valid form. Each wrk thread fetches its session
-- cookie and CSRF token once (GET /requests/new), then posts; every response
-- is checked: only a 303 to /requests/sent counts as a success.
dofile("bench/checked.lua")
local threads = numbered()

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

bootstrapped(threads, function(status) return status == 303 end, take_session)
