-- POST /api/v1/requests with a valid JSON body, as a call centre's system
-- would: each wrk thread uses its own token (env TOKENS, separated by
-- spaces); only a 201 counts as a success.
dofile("bench/checked.lua")
local threads = numbered()

function init(args)
  ok, bad, last_bad, n = 0, 0, 0, 0
  local tokens = {}
  for t in string.gmatch(os.getenv("TOKENS") or "", "%S+") do table.insert(tokens, t) end
  auth = "Bearer " .. tokens[(id % #tokens) + 1]
  head = '{"kind":"disclosure","subject_name":"山田 太郎","subject_name_kana":"ヤマダ タロウ","filer":"self",'
    .. '"delivery":"postal","channel":"phone","details":"電話で開示の請求を受けました。","lang":"ja",'
    .. '"subject_address":"東京都千代田区千代田1-1","contact_email":"a' .. id .. '-'
  tail = '@example.jp"}'
end

function request()
  n = n + 1
  return wrk.format("POST", "/api/v1/requests",
    { ["Content-Type"] = "application/json", ["Authorization"] = auth },
    head .. n .. tail)
end

checked(201, threads)
