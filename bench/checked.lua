-- Shared by the wrk scripts (dofile'd from the repository's root, where
-- bench/run.sh runs them): `checked(expected, threads)` defines wrk's
-- `response`, counting answers with the status `expected` as successes and
-- the rest as errors (keeping the last error's status), and `done`, which
-- prints every thread's totals as the line bench/run.sh reads.
function checked(expected, threads)
  function response(status, headers, body)
    if status == expected then ok = ok + 1 else bad = bad + 1; last_bad = status end
  end

  function done(summary, latency, requests)
    local ok_total, bad_total = 0, 0
    for _, t in ipairs(threads) do
      if t:get("last_bad") ~= 0 then io.write(string.format("last error status: %d\n", t:get("last_bad"))) end
      ok_total = ok_total + t:get("ok")
      bad_total = bad_total + t:get("bad")
    end
    io.write(string.format("CHECKED ok=%d bad=%d boot=0\n", ok_total, bad_total))
  end
end
