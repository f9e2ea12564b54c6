-- Shared by the wrk scripts (dofile'd from the repository's root, where
-- bench/run.sh runs them):
--
-- `numbered()` defines wrk's `setup`, giving each thread an `id` (0, 1, …),
-- and returns the list of threads `done` reads.
--
-- `checked(expected, threads)` defines wrk's `response`, counting answers
-- with the status `expected` as successes and the rest as errors (keeping
-- the last error's status), and `done`.
--
-- `bootstrapped(threads, success, take)` is for scripts that first GET a
-- form on each thread: a 200 answers such a GET (counted as `boot`), and
-- the first one is handed to `take(headers, body)`, which keeps the
-- session's cookie and CSRF token (in the thread's globals, `token` among
-- them); any other answer is a success when `success(status, headers)`.
--
-- `done` prints every thread's totals as the line bench/run.sh reads, and
-- how many requests a thread sent after running out of work (`out`), if any.
function numbered()
  local threads, next_id = {}, 0
  function setup(thread)
    table.insert(threads, thread)
    thread:set("id", next_id)
    next_id = next_id + 1
  end
  return threads
end

local function totals(threads)
  function done(summary, latency, requests)
    local sum = { ok = 0, bad = 0, boot = 0, out = 0 }
    for _, t in ipairs(threads) do
      if (t:get("last_bad") or 0) ~= 0 then io.write(string.format("last error status: %d\n", t:get("last_bad"))) end
      for k in pairs(sum) do sum[k] = sum[k] + (t:get(k) or 0) end
    end
    if sum.out > 0 then io.write(string.format("OUT OF WORK: %d requests after the last item\n", sum.out)) end
    io.write(string.format("CHECKED ok=%d bad=%d boot=%d\n", sum.ok, sum.bad, sum.boot))
  end
end

function checked(expected, threads)
  function response(status, headers, body)
    if status == expected then ok = ok + 1 else bad = bad + 1; last_bad = status end
  end
  totals(threads)
end

function bootstrapped(threads, success, take)
  function response(status, headers, body)
    if status == 200 then
      boot = boot + 1
      if not token then take(headers, body) end
      return
    end
    if success(status, headers) then ok = ok + 1 else bad = bad + 1; last_bad = status end
  end
  totals(threads)
end

-- The CSRF token of a form page.
function csrf_of(body)
  return body and string.match(body, 'name="csrf_token" value="([^"]+)"')
end

-- `take` for the public pages: the session cookie and the form's token.
function take_session(headers, body)
  local c = headers["Set-Cookie"] or headers["set-cookie"]
  local t = csrf_of(body)
  if c and t then
    cookie = string.match(c, "(madoguchi_session=[^;]+)")
    token = t
  end
end
