#!/usr/bin/env bash
# The browser suite (issue 18): people's journeys in headless Chromium
# (Debian's, driven by Playwright for Python), with axe-core on every page.
#
#   tests/e2e/run.sh [sqlite|postgres|both]     (default: both)
#
# Installs what is missing (chromium, fonts-noto-cjk, playwright, aiosmtpd,
# axe-core), builds madoguchi, and for each database starts a real SMTP
# server (aiosmtpd) and madoguchi on a fresh data directory. SQLite runs
# every journey; PostgreSQL the main one (file, upload, pay, download).
# Screenshots go to target/e2e/<backend>/screens/; on a failure the page's
# screenshot and HTML are saved beside them and their paths printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
WHICH=${1:-both}
OUT=target/e2e
TOOLS=target/e2e-tools
PG_ADMIN=${MADOGUCHI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
rm -rf "$OUT"; mkdir -p "$OUT" "$TOOLS"

if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
python3 -c "import playwright, aiosmtpd" 2>/dev/null ||
  python3 -m pip install -q --disable-pip-version-check playwright aiosmtpd
AXE="$TOOLS/node_modules/axe-core/axe.min.js"
[ -f "$AXE" ] || npm install --prefix "$TOOLS" --no-save --no-audit --no-fund --silent axe-core@4 >/dev/null
cargo build --locked --bin madoguchi
BIN=target/debug/madoguchi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

run_backend() {
  local backend=$1 dir="$OUT/$1" smtp port base link
  mkdir -p "$dir/data"
  smtp=$(free_port)
  python3 -m aiosmtpd -n -l "127.0.0.1:$smtp" -c aiosmtpd.handlers.Mailbox "$dir/maildir" &
  PIDS+=($!)
  port=$(free_port)
  base="http://127.0.0.1:$port"
  local db=""
  if [ "$backend" = postgres ]; then
    local name="madoguchi_e2e_$$"
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $name" >/dev/null
    psql "$PG_ADMIN" -qc "CREATE DATABASE $name" >/dev/null
    db="${PG_ADMIN%/*}/$name"
  fi
  env ${db:+DATABASE_URL=$db} MADOGUCHI_DATA_DIR="$dir/data" MADOGUCHI_BIND="127.0.0.1:$port" MADOGUCHI_BASE_URL="$base" \
    MADOGUCHI_SMTP_URL="smtp://127.0.0.1:$smtp" MADOGUCHI_DATA_KEY="$(head -c 32 /dev/urandom | base64)" \
    MADOGUCHI_ORG_NAME="株式会社サンプル" RUST_LOG=info "$BIN" >"$dir/server.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  # The setup link is logged just after the server answers: wait for the line
  # (reading it at once raced it, and grep's failure ended the script unsaid).
  link=""
  for _ in $(seq 1 100); do
    link=$(grep -o "http://[^ ]*/setup?token=[A-Za-z0-9_-]*" "$dir/server.log" | head -n 1 || true)
    [ -n "$link" ] && break
    sleep 0.2
  done
  [ -n "$link" ] || { echo "no setup link in $dir/server.log" >&2; return 1; }
  echo "== browser suite on $backend"
  python3 tests/e2e/journeys.py "$base" "$dir/maildir" "$link" "$dir" "$AXE" $([ "$backend" = postgres ] && echo --main-only)
}

t0=$SECONDS
case "$WHICH" in
  sqlite | postgres) run_backend "$WHICH" ;;
  both) run_backend sqlite; run_backend postgres ;;
  *) echo "usage: tests/e2e/run.sh [sqlite|postgres|both]" >&2; exit 2 ;;
esac
echo "browser suite passed in $((SECONDS - t0)) s"
