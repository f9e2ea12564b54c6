#!/usr/bin/env bash
# Benchmarks madoguchi against its own ceilings, on loopback, bounded in time.
#
#   bench/run.sh [sqlite|postgres|both|logins]
#   bench/run.sh soak [sqlite|postgres]
#
# Builds in release mode, seeds BENCH_CASES cases (BENCH_MONTH_CASES of them in
# last month), starts the server, drives it with wrk, and prints one table,
# also written to bench/RESULTS.md. Ratios compare figures measured in the same
# run on the same machine: GET workloads to (a) a bare axum handler, intake to
# (b) the same database doing one intake's inserts in one transaction. On
# SQLite the form's submissions are written in groups (app::submissions), so
# that their rate can pass (b), the rate of one transaction per request.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKENDS=${1:-both}
CASES=${BENCH_CASES:-1000000}
MONTH_CASES=${BENCH_MONTH_CASES:-100000}
SECONDS_PER_RUN=${BENCH_SECONDS:-15}
CONNS=${BENCH_CONNECTIONS:-64}
READ_CONNS=${BENCH_READ_CONNECTIONS:-8}
PG_ADMIN=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PORT=${BENCH_PORT:-18080}
CEILING_PORT=$((PORT + 1))
BASE="http://127.0.0.1:$PORT"
MONTH=$(date -u -d "$(date -u +%Y-%m-15) -1 month" +%Y-%m)
# BENCH_DIR keeps the seeded databases (and their data key) between runs, so
# that one part can be measured again without seeding for minutes; BENCH_ONLY
# names the parts to run (queue search cursor case reports export intake api logins).
WORK=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$WORK"
ONLY=${BENCH_ONLY:-}
PASSWORD="bench password long enough"
[ -f "$WORK/key" ] || head -c 32 /dev/urandom | base64 >"$WORK/key"
KEY=$(cat "$WORK/key")
want() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --bin madoguchi --example bench_ceilings
BIN=target/release/madoguchi
CEIL=target/release/examples/bench_ceilings

# The load comes from one address to one mailbox: lift the abuse limits,
# which are there for strangers, not for the benchmark (issue 12).
export MADOGUCHI_INTAKE_LIMIT_PER_ADDRESS=0 MADOGUCHI_MAIL_LIMIT_PER_RECIPIENT=1000000000
# The login burst comes from many forwarded addresses through "our proxy".
export MADOGUCHI_TRUSTED_PROXIES=127.0.0.1

SERVER_PID=""
SAMPLER_PID=""
cleanup() {
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

ms() { # wrk latency ("1.23ms", "850.00us", "1.02s") in milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
rss_mb() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# Runs wrk and prints "rps p50 p99 ok bad".
run_wrk() {
  local conns=$1 url=$2; shift 2
  local out
  out=$(wrk -t2 -c"$conns" -d"${SECONDS_PER_RUN}s" --timeout 10s --latency "$@" "$url")
  local rps p50 p99 checked
  rps=$(echo "$out" | awk '/^Requests\/sec/ { print $2 }')
  p50=$(ms "$(echo "$out" | awk '$1 == "50%" { print $2 }')")
  p99=$(ms "$(echo "$out" | awk '$1 == "99%" { print $2 }')")
  checked=$(echo "$out" | awk '/^CHECKED/ { sub("ok=", "", $2); sub("bad=", "", $3); sub("boot=", "", $4); print $2, $3, $4 }')
  [ -n "$checked" ] || checked="0 0 0"
  local ok bad boot
  read -r ok bad boot <<<"$checked"
  # Throughput counts checked successes only.
  local good_rps
  good_rps=$(awk -v ok="$ok" -v s="$SECONDS_PER_RUN" 'BEGIN { printf "%.0f", ok / s }')
  echo "$good_rps $p50 $p99 $ok $bad"
}

# Drives the staff pages at the space-separated paths $1, rotated; prints "rps p50 p99 ok bad".
staff_paths() {
  PATHS="$1" run_wrk "$READ_CONNS" "$BASE" -s bench/get.lua
}

wait_ready() {
  for _ in $(seq 1 300); do
    curl -fs "$BASE/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "server did not become ready" >&2
  return 1
}

ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 |"); printf '%-8s %-46s %-28s %s\n' "$1" "$2" "$3" "$4"; }

CEIL_RPS=1
if [ "$BACKENDS" != logins ] && [ "$BACKENDS" != soak ] && want ceiling; then
  echo "== ceiling (a): a bare axum handler"
  $CEIL http "127.0.0.1:$CEILING_PORT" &
  CEIL_PID=$!
  sleep 1
  CEIL_OUT=$(wrk -t2 -c"$CONNS" -d"${SECONDS_PER_RUN}s" --latency "http://127.0.0.1:$CEILING_PORT/")
  kill "$CEIL_PID"; wait "$CEIL_PID" 2>/dev/null || true
  CEIL_RPS=$(echo "$CEIL_OUT" | awk '/^Requests\/sec/ { printf "%.0f", $2 }')
  CEIL_P99=$(ms "$(echo "$CEIL_OUT" | awk '$1 == "99%" { print $2 }')")
  row all "ceiling (a): bare axum GET" "$CEIL_RPS req/s, p99 $CEIL_P99 ms" "$CONNS connections"
fi

# Samples the server's RSS every 20 ms into $1/peak until stop_peak, which
# sets PEAK to the peak in MB.
start_peak() {
  local d=$1
  echo 0 >"$d/peak"
  ( peak=0; while kill -0 "$SERVER_PID" 2>/dev/null; do
      r=$(awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)
      [ "${r:-0}" -gt "$peak" ] && peak=$r && echo "$peak" >"$d/peak"
      sleep 0.02
    done ) &
  SAMPLER_PID=$!
}
stop_peak() {
  sleep 0.2
  kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""
  PEAK=$(awk '{ printf "%.1f", $1 / 1024 }' "$1/peak")
}

bench_backend() {
  local backend=$1
  echo
  echo "== $backend: seeding $CASES cases ($MONTH_CASES in $MONTH)"
  local dir="$WORK/$backend"
  mkdir -p "$dir"
  export MADOGUCHI_DATA_DIR="$dir" MADOGUCHI_DATA_KEY="$KEY" MADOGUCHI_BIND="127.0.0.1:$PORT" MADOGUCHI_BASE_URL="$BASE"
  if [ "$backend" = postgres ]; then
    export DATABASE_URL="${PG_ADMIN%/*}/madoguchi_bench"
  else
    unset DATABASE_URL
  fi
  if [ -f "$dir/seeded" ]; then
    echo "(reusing the seeded database in $dir)"
  else
    if [ "$backend" = postgres ]; then
      psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS madoguchi_bench" >/dev/null
      psql "$PG_ADMIN" -qc "CREATE DATABASE madoguchi_bench" >/dev/null
    fi
    local t0 t1
    t0=$(date +%s.%N)
    $BIN seed --cases $((CASES - MONTH_CASES)) >/dev/null
    $BIN seed --cases "$MONTH_CASES" --month "$MONTH" >/dev/null
    t1=$(date +%s.%N)
    # A bulk load leaves PostgreSQL without statistics or a visibility map
    # until autovacuum comes by (the queue's index-only scans then read the
    # heap): measure the desk as it runs, not in its first minutes.
    if [ "$backend" = postgres ]; then
      psql "${PG_ADMIN%/*}/madoguchi_bench" -qc "VACUUM ANALYZE" >/dev/null
    fi
    touch "$dir/seeded"
    row "$backend" "seed $CASES cases" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f s", b - a }')" "batched inserts"
  fi

  local ceil_b=1
  if want intake; then
    echo "== $backend: ceiling (b): one intake's inserts per transaction, no HTTP"
    ceil_b=$($CEIL db "$SECONDS_PER_RUN" "$CONNS")
    row "$backend" "ceiling (b): intake inserts, one transaction" "$ceil_b tx/s" "$CONNS tasks"
  fi

  if [ "$backend" = sqlite ]; then
    # A new desk: the same server on an empty database, idle.
    local empty="$WORK/empty"
    rm -rf "$empty"; mkdir -p "$empty"
    MADOGUCHI_DATA_DIR="$empty" $BIN >"$empty/server.log" 2>&1 &
    SERVER_PID=$!
    wait_ready
    sleep 2
    row "$backend" "idle RSS, a new desk (empty database)" "$(rss_mb "$SERVER_PID") MB" "target <= 30 MB"
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  fi

  # Accounts and tokens are made before the server starts: the command's own
  # connection would wait behind the server's writer (SQLite).
  echo "$PASSWORD" | $BIN user add --email bench@example.jp --role admin >/dev/null 2>&1 || true
  API_TOKENS=""
  if want api; then
    # The per-token limit is there for integrations gone wrong, not for the benchmark.
    put_setting "$backend" api_rate_per_minute 100000
    local stamp i t
    stamp=$(date +%s)
    for i in 1 2; do
      t=$($BIN api-token add --name "bench $stamp $i" --scopes cases:read,cases:write --role staff --by bench@example.jp 2>/dev/null | tail -n 1)
      API_TOKENS="$API_TOKENS $t"
    done
  fi

  echo "== $backend: server"
  $BIN >"$dir/server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready
  sleep 2
  row "$backend" "RSS 2 s after start-up, $CASES cases" "$(rss_mb "$SERVER_PID") MB" "during the first housekeeping's catch-up"
  # The first hourly housekeeping runs at start-up and catches up on a seeded
  # database (thousands of due-date notices): measure the steady state after it.
  local t_hk=$SECONDS
  for _ in $(seq 1 1200); do grep -q "housekeeping done" "$dir/server.log" && break; sleep 0.5; done
  row "$backend" "first housekeeping after start-up" "$((SECONDS - t_hk)) s" "catch-up on the seeded cases"

  local jar="$dir/jar" token
  token=$(curl -fs -c "$jar" "$BASE/staff/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  local status
  status=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" --data-urlencode "email=bench@example.jp" \
    --data-urlencode "password=$PASSWORD" --data-urlencode "csrf_token=$token" "$BASE/staff/login")
  [ "$status" = 303 ] || { echo "login failed ($status)" >&2; return 1; }
  export COOKIE
  COOKIE="madoguchi_session=$(awk '$6 == "madoguchi_session" { print $7 }' "$jar")"

  local rps p50 p99 ok bad
  if [ "$backend" = postgres ] && { want queue || want search || want case; }; then
    row "$backend" "before the staff pages" "$(settle "$backend")" "the intake runs of earlier runs wrote to these tables"
  fi
  if want queue; then
    echo "== $backend: queue"
    read -r rps p50 p99 ok bad < <(staff_paths "/staff /staff?state=in_progress /staff?due=week /staff?kind=disclosure /staff?assignee=me /staff?assignee=none /staff?state=closed")
    row "$backend" "queue GET /staff (filters)" "$rps req/s, p50 $p50 ms, p99 $p99 ms" \
      "$(awk -v a="$rps" -v b="$CEIL_RPS" 'BEGIN { printf "%.1f%% of (a)", 100 * a / b }'); target p99 <= 25 ms; $bad errors"
    local letters
    letters=$(count_sql "$backend" "SELECT COUNT(*) FROM notices WHERE by_post = 1 AND posted_on IS NULL")
    read -r rps p50 p99 ok bad < <(staff_paths "/staff?view=letters")
    row "$backend" "queue view 'letters to post'" "$rps req/s, p50 $p50 ms, p99 $p99 ms" "$letters letters waiting; target p99 <= 25 ms; $bad errors"
  fi
  if want search; then
    echo "== $backend: search"
    # Partial names in both scripts, a two-character family name, part of an e-mail among closed cases, a phone.
    read -r rps p50 p99 ok bad < <(staff_paths "/staff?q=%E5%B1%B1%E7%94%B0+%E5%A4%AA /staff?q=%E3%83%A4%E3%83%9E%E3%83%80 /staff?q=%E3%82%84%E3%81%BE%E3%81%A0 /staff?q=%E5%B1%B1%E7%94%B0 /staff?q=example.jp&state=closed /staff?q=1234")
    row "$backend" "queue search GET /staff?q= (6 searches)" "$rps req/s, p50 $p50 ms, p99 $p99 ms" "target p99 <= 50 ms; $bad errors"
  fi
  if want cursor; then
    # The last page of the closed cases, reached through the cursor.
    local next="/staff?state=closed" last_ms=0 pages=0 page cursor
    while [ -n "$next" ] && [ $pages -lt 100000 ]; do
      page=$(curl -fs -b "$jar" -w '\n%{time_total}' "$BASE$next")
      last_ms=$(echo "$page" | tail -1 | awk '{ printf "%.2f", $1 * 1000 }')
      next=$(echo "$page" | grep -o 'href="/staff?[^"]*cursor=[^"]*"' | head -1 | sed 's/href="//; s/"$//; s/&amp;/\&/g' || true)
      pages=$((pages + 1))
      # Jump straight to the last page once the key of the last row is known.
      if [ $pages -eq 1 ] && [ -n "$next" ]; then
        cursor=$(sqlite_or_pg_last_cursor "$backend")
        [ -n "$cursor" ] && next="/staff?state=closed&cursor=$cursor"
      fi
    done
    row "$backend" "queue last page via cursor" "$last_ms ms" "keyset, $pages request(s)"
  fi
  if want case; then
    echo "== $backend: case page"
    export REFS="$dir/refs"
    random_refs "$backend" >"$REFS"
    read -r rps p50 p99 ok bad < <(run_wrk "$READ_CONNS" "$BASE" -s bench/get.lua)
    unset REFS
    row "$backend" "case page GET /staff/cases/{ref}" "$rps req/s, p50 $p50 ms, p99 $p99 ms" \
      "$(awk -v a="$rps" -v b="$CEIL_RPS" 'BEGIN { printf "%.1f%% of (a)", 100 * a / b }'); $bad errors"
  fi
  if want reports; then
    echo "== $backend: reports"
    local best=999999 t timing trend_ms=999999 tr
    for _ in 1 2 3; do
      timing=$(curl -fs -o /dev/null -D - -b "$jar" -w 'TOTAL %{time_total}\n' "$BASE/staff/reports?month=$MONTH")
      t=$(echo "$timing" | awk '/^TOTAL/ { print $2 }')
      tr=$(echo "$timing" | tr -d '\r' | awk -F'trend;dur=' '/^server-timing/ { print $2 + 0 }')
      best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
      trend_ms=$(awk -v a="$trend_ms" -v b="$tr" 'BEGIN { print (b < a) ? b : a }')
    done
    row "$backend" "report page, one month ($MONTH_CASES cases)" "$(awk -v t="$best" 'BEGIN { printf "%.3f s", t }')" "target <= 0.3 s (counts, 12-month trend, charts)"
    row "$backend" "12-month trend (Server-Timing)" "$(awk -v t="$trend_ms" 'BEGIN { printf "%.3f s", t / 1000 }')" "target <= 0.3 s"
    local year=${MONTH%-*}
    t=$(curl -fs -o /dev/null -b "$jar" -w '%{time_total}' "$BASE/staff/reports?year=$year")
    row "$backend" "report page, the year $year" "$(awk -v t="$t" 'BEGIN { printf "%.3f s", t }')" "per-kind CCPA metrics"
    best=999999
    for _ in 1 2 3; do
      t=$(curl -fs -o /dev/null -b "$jar" -w '%{time_total}' "$BASE/staff/reports/$MONTH.csv")
      best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
    done
    row "$backend" "monthly report CSV" "$(awk -v t="$best" 'BEGIN { printf "%.3f s", t }')" "target <= 0.5 s"
    local before peak
    before=$(rss_mb "$SERVER_PID")
    start_peak "$dir"
    t=$(curl -fs -b "$jar" -o "$dir/report.xlsx" -w '%{time_total}' "$BASE/staff/reports/$MONTH.xlsx")
    stop_peak "$dir"; peak=$PEAK
    row "$backend" "monthly report XLSX ($(du -k "$dir/report.xlsx" | cut -f1) KiB)" "$(awk -v t="$t" 'BEGIN { printf "%.2f s", t }')" \
      "RSS $before -> peak $peak MB (+$(awk -v a="$before" -v b="$peak" 'BEGIN { printf "%.1f", b - a }') MB); target <= 2 s, <= +100 MB"
    local first="$MONTH-01" last
    last=$(date -u -d "$first +1 month -1 day" +%Y-%m-%d)
    t=$(curl -fs -b "$jar" -o "$dir/events.csv" -w '%{time_total}' "$BASE/staff/exports/events.csv?from=$first&to=$last")
    row "$backend" "audit export events.csv, one month" "$(awk -v t="$t" 'BEGIN { printf "%.2f s", t }') for $(($(wc -l <"$dir/events.csv") - 1)) events" "streamed"
  fi
  if want export; then
    echo "== $backend: export of every case"
    local before peak lines
    before=$(rss_mb "$SERVER_PID")
    start_peak "$dir"
    t=$(curl -fs -b "$jar" -o "$dir/export.csv" -w '%{time_total}' "$BASE/staff/exports/cases.csv")
    stop_peak "$dir"; peak=$PEAK
    lines=$(($(wc -l <"$dir/export.csv") - 1))
    row "$backend" "export GET /staff/exports/cases.csv" "$(awk -v t="$t" 'BEGIN { printf "%.2f s", t }') for $lines rows" \
      "RSS $before -> peak $peak MB (+$(awk -v a="$before" -v b="$peak" 'BEGIN { printf "%.1f", b - a }') MB)"
    rm -f "$dir/export.csv"
  fi
  if want intake; then
    echo "== $backend: intake"
    echo "(outbox drained: $(drain_outbox "$backend") messages were waiting)"
    local since
    since=$(date +%s)
    read -r rps p50 p99 ok bad < <(run_wrk "$CONNS" "$BASE" -s bench/intake.lua)
    row "$backend" "intake POST /requests" "$rps req/s, p50 $p50 ms, p99 $p99 ms" \
      "$(awk -v a="$rps" -v b="$ceil_b" 'BEGIN { printf "%.0f%% of (b)", 100 * a / b }'); $ok ok, $bad errors"
    form_rps=$rps
    # The other half of a request filed on the form: its requester confirms
    # the address from the e-mail, and only then is it received (a
    # reference, a due date, the receipt letter, the staff's notices), as a
    # request sent through the API is at once.
    echo "(outbox drained: $(drain_outbox "$backend") messages were waiting)"
    python3 bench/confirm_tokens.py "$dir/outbox" "$since" >"$dir/confirm-tokens"
    local submitted confirm_rps
    submitted=$(wc -l <"$dir/confirm-tokens")
    read -r confirm_rps p50 p99 ok bad < <(CONFIRM_TOKENS="$dir/confirm-tokens" run_wrk "$CONNS" "$BASE" -s bench/confirm.lua)
    row "$backend" "confirmation POST /requests/confirm" "$confirm_rps req/s, p50 $p50 ms, p99 $p99 ms" \
      "the intake run's $submitted links; $ok ok, $bad errors"
    # Both halves share the same cores and writer: a request received through
    # the form costs the time of one of each.
    journey_rps=$(awk -v a="$rps" -v b="$confirm_rps" 'BEGIN { if (a > 0 && b > 0) printf "%.0f", 1 / (1 / a + 1 / b); else print 0 }')
    row "$backend" "form journey, submitted and confirmed" "$journey_rps req/s" "1 / (1/intake + 1/confirmation)"
  fi
  if want api; then bench_api "$backend" "${form_rps:-0}" "${journey_rps:-0}"; fi
  if want logins; then login_burst "$backend"; fi
  row "$backend" "RSS at the end" "$(rss_mb "$SERVER_PID") MB" ""
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
}

# One number from the database.
count_sql() {
  if [ "$1" = postgres ]; then
    psql "$DATABASE_URL" -Atc "$2"
  else
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$MADOGUCHI_DATA_DIR/madoguchi.db" "$2"
  fi
}

# PostgreSQL's autovacuum keeps the visibility map and the statistics up to
# date a minute or so after writes; a server with it off (this machine's
# PostgreSQL has `autovacuum = off`) leaves every page written by the intake
# runs to be read through the heap and planned on stale counts. A desk is
# measured as it runs: where autovacuum is off, one VACUUM ANALYZE stands in
# for it before the reads that follow writes. Prints what it did.
settle() {
  [ "$1" = postgres ] || return 0
  if [ "$(psql "$DATABASE_URL" -Atc 'SHOW autovacuum')" = on ]; then
    echo "autovacuum on"
    return 0
  fi
  local t0=$SECONDS
  psql "$DATABASE_URL" -qc "VACUUM ANALYZE" >/dev/null
  echo "autovacuum off: VACUUM ANALYZE took $((SECONDS - t0)) s"
}

# Writes a business setting straight into the database, as the admin page would.
put_setting() {
  local sql="INSERT INTO settings (key, value) VALUES ('$2', '$3') ON CONFLICT (key) DO UPDATE SET value = excluded.value"
  if [ "$1" = postgres ]; then
    psql "$DATABASE_URL" -qc "$sql" >/dev/null
  else
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()" "$MADOGUCHI_DATA_DIR/madoguchi.db" "$sql"
  fi
}

# Waits (at most 10 minutes) until the outbox holds no mail to send: an
# intake run then competes with the sending of its own mail only, not with a
# backlog left by the seed's catch-up or by the run before (tens of
# thousands of messages, written to files one by one). Prints the backlog met.
drain_outbox() {
  local backend=$1 waiting first
  first=$(count_sql "$backend" "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL")
  waiting=$first
  for _ in $(seq 1 600); do
    [ "$waiting" -lt 50 ] && break
    sleep 1
    waiting=$(count_sql "$backend" "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL")
  done
  echo "$first"
}

# The JSON API (issue 16): requests in as a call centre's system sends them,
# one token per wrk thread (made before the server started, the rate limit
# lifted), against the web form's rates measured just before (its submission
# alone, $2, and the journey to a received request, $3); then the queue's
# filters through GET /api/v1/cases.
bench_api() {
  local backend=$1 form_rps=$2 journey_rps=$3 tokens=$API_TOKENS t rps p50 p99 ok bad
  echo "== $backend: JSON API"
  local staff_rps backlog
  backlog=$(drain_outbox "$backend")
  echo "(outbox drained: $backlog messages were waiting)"
  read -r staff_rps p50 p99 ok bad < <(run_wrk "$CONNS" "$BASE" -s bench/staff_intake.lua)
  row "$backend" "staff intake POST /staff/intake" "$staff_rps req/s, p50 $p50 ms, p99 $p99 ms" \
    "received at once, as the API's; $ok ok, $bad errors"
  backlog=$(drain_outbox "$backend")
  echo "(outbox drained: $backlog messages were waiting)"
  read -r rps p50 p99 ok bad < <(TOKENS="$tokens" run_wrk "$CONNS" "$BASE" -s bench/api.lua)
  row "$backend" "API intake POST /api/v1/requests" "$rps req/s, p50 $p50 ms, p99 $p99 ms" \
    "$(awk -v a="$rps" -v b="$form_rps" -v c="$staff_rps" -v d="$journey_rps" 'BEGIN { printf "%.0f%% of staff intake", 100 * a / c; if (d > 0) printf ", %.0f%% of the form journey (%d req/s)", 100 * a / d, d; if (b > 0) printf ", %.0f%% of the form submission alone (%d req/s)", 100 * a / b, b }'); $ok ok, $bad errors"
  t=${tokens# }; t=${t%% *}
  local settled
  settled=$(settle "$backend")
  [ -z "$settled" ] || echo "($settled)"
  read -r rps p50 p99 ok bad < <(AUTHORIZATION="Bearer $t" PATHS="/api/v1/cases /api/v1/cases?state=in_progress /api/v1/cases?due=week /api/v1/cases?kind=disclosure /api/v1/cases?assignee=none /api/v1/cases?state=closed" run_wrk "$READ_CONNS" "$BASE" -s bench/get.lua)
  row "$backend" "API queue GET /api/v1/cases (filters)" "$rps req/s, p50 $p50 ms, p99 $p99 ms" "target p99 <= 25 ms; $bad errors${settled:+; $settled}"
}

# 100 parallel wrong logins, each from its own forwarded address at an unknown
# account (the server trusts 127.0.0.1 as its proxy): the peak RSS they cause.
login_burst() {
  local before peak after checked busy other took
  read -r before peak after checked busy other took < <(python3 bench/login_burst.py "$BASE" "$SERVER_PID" 100)
  row "$1" "100 parallel logins (argon2id, 19 MiB each)" "RSS $before -> peak $peak MB (+$(awk -v a="$before" -v b="$peak" 'BEGIN { printf "%.1f", b - a }') MB)" \
    "target: a fresh server stays < 100 MB; $checked checked, $busy told to wait (429), $other other, ${took} s"
}

# Only the login burst, on an empty SQLite database: a quick check of item 1 of issue 12.
logins_only() {
  local dir="$WORK/logins"
  mkdir -p "$dir"
  export MADOGUCHI_DATA_DIR="$dir" MADOGUCHI_DATA_KEY="$KEY" MADOGUCHI_BIND="127.0.0.1:$PORT" MADOGUCHI_BASE_URL="$BASE"
  unset DATABASE_URL
  $BIN >"$dir/server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready
  sleep 1
  row sqlite "idle RSS (empty database)" "$(rss_mb "$SERVER_PID") MB" ""
  login_burst sqlite
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
}

random_refs() {
  if [ "$1" = postgres ]; then
    psql "$DATABASE_URL" -Atc "SELECT reference FROM cases WHERE reference IS NOT NULL ORDER BY random() LIMIT 2000"
  else
    python3 - "$MADOGUCHI_DATA_DIR/madoguchi.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (r,) in db.execute("SELECT reference FROM cases WHERE reference IS NOT NULL ORDER BY random() LIMIT 2000"):
    print(r)
PY
  fi
}

# The keyset cursor of the page before the last page of closed cases.
sqlite_or_pg_last_cursor() {
  local sql="SELECT COALESCE(due_on, '9999-12-31') || '_' || id FROM cases WHERE state = 'closed' ORDER BY COALESCE(due_on, '9999-12-31') DESC, id DESC LIMIT 1 OFFSET 30"
  if [ "$1" = postgres ]; then
    psql "$DATABASE_URL" -Atc "$sql"
  else
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$MADOGUCHI_DATA_DIR/madoguchi.db" "$sql"
  fi
}

# The login burst's own section of bench/RESULTS.md, replaced by each run.
login_section() {
  echo
  echo "## Login burst (issue 12)"
  echo
  echo "Run on $(date -u +%Y-%m-%d): \`bench/run.sh logins\` (and at the end of each backend's run)."
  echo "100 parallel wrong logins, each from its own forwarded address at an unknown account, so that no throttle stops"
  echo "them and each wants an argon2id hash of 19 MiB. Hashes run on one thread per core (here $(nproc)), each reusing"
  echo "its memory; 32 more wait; the rest are told 429 with Retry-After."
  echo
  echo "| backend | workload | result | notes |"
  echo "|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
}

# Replaces the section of bench/RESULTS.md headed "## $1" (or adds it at
# the end) with what the command $2 prints.
replace_section() {
  awk -v t="## $1" 'index($0, t) == 1 { skip = 1; next } skip && /^## / { skip = 0 } !skip' bench/RESULTS.md |
    sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >bench/RESULTS.md.new
  "$2" >>bench/RESULTS.md.new
  mv bench/RESULTS.md.new bench/RESULTS.md
}

if [ "$BACKENDS" = logins ]; then
  logins_only
  replace_section "Login burst (issue 12)" login_section
  cat bench/RESULTS.md
  exit 0
fi

# Soak (issue 17): SOAK_SECONDS (300) of mixed traffic at 64 connections on
# a database of SOAK_CASES (20,000) cases, five wrk processes side by side:
# requests filed on the public form (16 connections), requesters' status
# pages (12), the staff queue rotated over its filters (12), case pages (12)
# and notes added to cases (12). Every answer is checked; the server's RSS is
# sampled every 5 s and compared between minutes 1 and 5.
SOAK_ROWS=()
soak() {
  local backend=$1 dir="$WORK/soak-$1" duration=${SOAK_SECONDS:-300} cases=${SOAK_CASES:-20000}
  rm -rf "$dir"; mkdir -p "$dir"
  export MADOGUCHI_DATA_DIR="$dir" MADOGUCHI_DATA_KEY="$KEY" MADOGUCHI_BIND="127.0.0.1:$PORT" MADOGUCHI_BASE_URL="$BASE"
  if [ "$backend" = postgres ]; then
    export DATABASE_URL="${PG_ADMIN%/*}/madoguchi_soak"
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS madoguchi_soak" >/dev/null
    psql "$PG_ADMIN" -qc "CREATE DATABASE madoguchi_soak" >/dev/null
  else
    unset DATABASE_URL
  fi
  echo "== soak, $backend: seeding $cases cases"
  $BIN seed --cases "$cases" >/dev/null
  echo "$PASSWORD" | $BIN user add --email soak@example.jp --role admin >/dev/null
  $BIN >"$dir/server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready
  for _ in $(seq 1 600); do grep -q "housekeeping done" "$dir/server.log" && break; sleep 0.5; done

  local jar="$dir/jar" token status
  token=$(curl -fs -c "$jar" "$BASE/staff/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  status=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" --data-urlencode "email=soak@example.jp" \
    --data-urlencode "password=$PASSWORD" --data-urlencode "csrf_token=$token" "$BASE/staff/login")
  [ "$status" = 303 ] || { echo "login failed ($status)" >&2; return 1; }
  export COOKIE TOKEN
  COOKIE="madoguchi_session=$(awk '$6 == "madoguchi_session" { print $7 }' "$jar")"
  TOKEN=$(curl -fs -b "$jar" "$BASE/staff/intake" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  random_refs "$backend" >"$dir/refs"
  echo "== soak, $backend: 24 requesters file and confirm, for their status pages"
  python3 bench/requesters.py "$BASE" "$dir/outbox" 24 >"$dir/status"

  echo "== soak, $backend: ${duration} s of mixed traffic at 64 connections"
  local t0=$SECONDS
  ( while kill -0 "$SERVER_PID" 2>/dev/null; do
      echo "$((SECONDS - t0)) $(awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)"
      sleep 5
    done ) >"$dir/rss" &
  SAMPLER_PID=$!
  local w="wrk -t1 -d${duration}s --timeout 10s --latency"
  $w -c16 -s bench/intake.lua "$BASE" >"$dir/intake.out" 2>&1 &
  STATUS="$dir/status" $w -c12 -s bench/status.lua "$BASE" >"$dir/status.out" 2>&1 &
  PATHS="/staff /staff?state=in_progress /staff?due=week /staff?kind=disclosure /staff?view=mine /staff?view=unassigned /staff?view=waiting /staff?q=%E5%B1%B1%E7%94%B0" \
    $w -c12 -s bench/get.lua "$BASE" >"$dir/queue.out" 2>&1 &
  REFS="$dir/refs" $w -c12 -s bench/get.lua "$BASE" >"$dir/case.out" 2>&1 &
  REFS="$dir/refs" $w -c12 -s bench/note.lua "$BASE" >"$dir/note.out" 2>&1 &
  wait $(jobs -p | grep -v "^$SERVER_PID$" | grep -v "^$SAMPLER_PID$")
  kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""

  local name out rps p50 p99 ok bad sock errors=0
  for name in "intake POST /requests:intake" "status page GET /status/{ref}:status" "queue GET /staff (8 filters):queue" \
    "case page GET /staff/cases/{ref}:case" "note POST /staff/cases/{ref}/note:note"; do
    out="$dir/${name##*:}.out"
    p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$out")")
    p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$out")")
    read -r ok bad < <(awk '/^CHECKED/ { sub("ok=", "", $2); sub("bad=", "", $3); print $2, $3 }' "$out")
    sock=$(awk '/Socket errors/ { n = 0; for (i = 3; i <= NF; i += 2) n += $(i + 1) + 0; print n }' "$out")
    rps=$(awk -v ok="$ok" -v s="$duration" 'BEGIN { printf "%.0f", ok / s }')
    errors=$((errors + bad + ${sock:-0}))
    SOAK_ROWS+=("| $backend | ${name%:*} | $rps req/s, p50 $p50 ms, p99 $p99 ms | $ok ok, $bad errors, ${sock:-0} socket errors |")
    printf '%-8s %-40s %s req/s p50 %s p99 %s ok %s bad %s sock %s\n' "$backend" "${name%:*}" "$rps" "$p50" "$p99" "$ok" "$bad" "${sock:-0}"
  done
  local m1 m5 growth
  m1=$(awk '$1 >= 60 || NR == 1 { v = $2 } $1 >= 60 { exit } END { printf "%.1f", v / 1024 }' "$dir/rss")
  m5=$(awk '$1 <= 300 { v = $2 } END { printf "%.1f", v / 1024 }' "$dir/rss")
  growth=$(awk -v a="$m1" -v b="$m5" 'BEGIN { printf "%+.1f", 100 * (b - a) / a }')
  SOAK_ROWS+=("| $backend | server RSS, minute 1 -> minute 5 | $m1 MB -> $m5 MB ($growth %) | target growth < 10 %; samples every 5 s in the run's rss file |")
  SOAK_ROWS+=("| $backend | errors, all routes | $errors | target 0 |")
  echo "RSS minute 1 $m1 MB, minute 5 $m5 MB ($growth %); $errors errors"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
}

soak_section() {
  # Rows of a backend not soaked this time stay, from the run before.
  local ran kept
  ran=$(printf '%s\n' "${SOAK_ROWS[@]}" | awk -F' [|] ' '{ print $1 }' | sort -u | tr -d '| ' | paste -sd'|')
  kept=$(awk '/^## Soak \(issue 17\)/ { s = 1; next } s && /^## / { s = 0 } s && /^\| (sqlite|postgres) \|/' bench/RESULTS.md |
    grep -Ev "^\| ($ran) \|" || true)
  echo
  echo "## Soak (issue 17)"
  echo
  echo "Run on $(date -u +%Y-%m-%d) on $(nproc) cores: \`bench/run.sh soak\`. ${SOAK_SECONDS:-300} s of mixed traffic at 64 connections"
  echo "(five wrk processes side by side on the same cores as the server) on a database seeded with ${SOAK_CASES:-20000} cases,"
  echo "growing by every request filed. Every answer is checked (a 303 for posts, a 200 for pages); p99 per route."
  echo
  echo "| backend | route | result | notes |"
  echo "|---|---|---|---|"
  [ -z "$kept" ] || echo "$kept"
  printf '%s\n' "${SOAK_ROWS[@]}"
}

if [ "$BACKENDS" = soak ]; then
  case "${2:-sqlite}" in
    sqlite | postgres) soak "${2:-sqlite}" ;;
    both) soak sqlite; soak postgres ;;
    *) echo "usage: bench/run.sh soak [sqlite|postgres|both]" >&2; exit 2 ;;
  esac
  replace_section "Soak (issue 17)" soak_section
  printf '%s\n' "${SOAK_ROWS[@]}"
  exit 0
fi

case "$BACKENDS" in
  sqlite) bench_backend sqlite ;;
  postgres) bench_backend postgres ;;
  both) bench_backend sqlite; bench_backend postgres ;;
  *) echo "usage: bench/run.sh [sqlite|postgres|both]" >&2; exit 2 ;;
esac

{
  echo "# madoguchi benchmark"
  echo
  echo "Run on $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/^Mem/ { print $2 }') GiB;"
  echo "$CASES cases ($MONTH_CASES in $MONTH), wrk -t2 for ${SECONDS_PER_RUN} s: $CONNS connections for writes and the ceiling, $READ_CONNS for staff pages."
  echo "Load generator and server share the machine's cores."
  echo
  echo "| backend | workload | result | notes |"
  echo "|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} >"$WORK/results.md"
# A partial run (BENCH_ONLY) leaves bench/RESULTS.md alone.
[ -n "$ONLY" ] || cp "$WORK/results.md" bench/RESULTS.md
echo
cat "$WORK/results.md"
