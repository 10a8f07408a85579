#!/bin/sh
# Availability benchmark: the demo clinic filled with bookings over the next
# 30 days, then wrk (2 threads, 32 connections, 15 s) against
# /api/v1/availability for "any therapist" (a different day of the 30 on each
# request) and against /healthz in the same run; prints requests/s, p99 and
# the ratio.  Then a booking-write benchmark on distinct free slots.
# Usage: sh bench/availability.sh [BUILD_DIR]   127.0.0.1 only.
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
sh scripts/deps.sh --bench
DURATION=${DURATION:-15s}
NOW=2026-11-30T06:00:00-09:00   # a Monday, 6 a.m.: the whole day still ahead
TMP=$(mktemp -d)
PID=
stop() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; PID=; }
trap 'stop; rm -rf "$TMP"' EXIT INT TERM

start_server() {
    : >"$TMP/log"
    "$BUILD/knead" serve --db "$TMP/knead.db" --listen 127.0.0.1:0 --quiet --now "$NOW" 2>"$TMP/log" &
    PID=$!
    i=0
    while ! grep -q 'on http://127.0.0.1:' "$TMP/log"; do
        i=$((i + 1)); [ $i -lt 200 ] || { cat "$TMP/log"; exit 1; }
        sleep 0.05
    done
    PORT=$(sed -n 's/.*on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$TMP/log" | head -1)
}

"$BUILD/knead" demo --db "$TMP/knead.db" >/dev/null
start_server
python3 bench/book.py fill "$PORT" 2026-11-30 30 0.8
COUNT=$(sqlite3 "$TMP/knead.db" "SELECT count(*) FROM appointments WHERE status = 'booked'")
echo "appointments booked over 30 days: $COUNT"

cat >"$TMP/days.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  local d = os.date("!%Y-%m-%d", 1796014800 + (n % 30) * 86400)
  return wrk.format("GET", "/api/v1/availability?service=deep-tissue-60&date=" .. d)
end
LUA

run() { # name url [script]
    if [ -n "${3:-}" ]; then
        wrk -t2 -c32 -d"$DURATION" --latency -s "$3" "$2" >"$TMP/$1.txt"
    else
        wrk -t2 -c32 -d"$DURATION" --latency "$2" >"$TMP/$1.txt"
    fi
    RPS=$(awk '/Requests\/sec/ {print $2}' "$TMP/$1.txt")
    P99=$(awk '$1 == "99%" {print $2}' "$TMP/$1.txt")
    ERR=$(grep -E 'Socket errors|Non-2xx' "$TMP/$1.txt" | tr '\n' ' ' || true)
    printf '%-40s %10s req/s   p99 %-8s %s\n' "$1" "$RPS" "$P99" "$ERR"
}
run availability-any "http://127.0.0.1:$PORT/" "$TMP/days.lua"
AV=$RPS
run healthz "http://127.0.0.1:$PORT/healthz"
HZ=$RPS
awk -v a="$AV" -v h="$HZ" 'BEGIN { printf "availability / healthz = %.2f\n", a / h }'

stop
rm -f "$TMP/knead.db" "$TMP/knead.db-wal" "$TMP/knead.db-shm"
"$BUILD/knead" demo --db "$TMP/knead.db" >/dev/null
start_server
python3 bench/book.py write "$PORT" 2026-11-30 30 8
