#!/usr/bin/env bash
# Schema fuzzing of the JSON API (issue 16): starts madoguchi on a fresh
# SQLite database with some cases, creates a token with every scope, and
# runs schemathesis against /api/openapi.json — every operation, positive
# and negative data. Fails on any server error or any response that does
# not match the document.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/madoguchi}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
WORK=$(mktemp -d)
export MADOGUCHI_DATA_DIR="$WORK" MADOGUCHI_BIND="127.0.0.1:$PORT" MADOGUCHI_BASE_URL="http://127.0.0.1:$PORT"
export MADOGUCHI_DATA_KEY=$(head -c 32 /dev/urandom | base64)
unset DATABASE_URL
echo "schema fuzzing password" | "$BIN" user add --email admin@example.jp --role admin --name Admin >/dev/null
"$BIN" seed --cases 200 >/dev/null
TOKEN=$("$BIN" api-token add --name schemathesis --scopes cases:read,cases:write,reports:read --role manager --by admin@example.jp | tail -n 1)
"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
# The token's rate is the default (600 a minute): schemathesis keeps under it.
st run "http://127.0.0.1:$PORT/api/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance,response_headers_conformance \
  --mode all \
  --max-examples "${ST_EXAMPLES:-60}" \
  --rate-limit 500/m \
  --seed 1 \
  --no-color
