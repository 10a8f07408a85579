#!/bin/sh
# Availability benchmark: the demo clinic grown to twenty therapists and
# nineteen rooms (bench/grow.sql) and filled with about 2,000 bookings over
# the next 30 days, then wrk (2 threads, 32 connections, 15 s) against
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
. bench/lib.sh
trap 'stop_server; rm -rf "$TMP"' EXIT INT TERM

"$BUILD/knead" demo --db "$TMP/knead.db" >/dev/null
sqlite3 "$TMP/knead.db" <bench/grow.sql
start_server
python3 bench/book.py fill "$PORT" 2026-11-30 30 0.8
COUNT=$(sqlite3 "$TMP/knead.db" "SELECT count(*) FROM appointments WHERE status = 'booked'")
echo "appointments booked over 30 days: $COUNT"

days_lua "$TMP/days.lua"

wrk_run availability-any "http://127.0.0.1:$PORT/" "$TMP/days.lua"
AV=$RPS
wrk_run healthz "http://127.0.0.1:$PORT/healthz"
HZ=$RPS
awk -v a="$AV" -v h="$HZ" 'BEGIN { printf "availability / healthz = %.2f\n", a / h }'

stop_server
rm -f "$TMP/knead.db" "$TMP/knead.db-wal" "$TMP/knead.db-shm"
"$BUILD/knead" demo --db "$TMP/knead.db" >/dev/null
start_server
python3 bench/book.py write "$PORT" 2026-11-30 30 8
