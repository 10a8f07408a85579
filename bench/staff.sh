#!/bin/sh
# Staff day view benchmark: the demo clinic with one day holding 40-odd
# appointments (booked, cancelled, booked again), the front desk signed in,
# wrk (2 threads, 32 connections) against /staff?date=... with the session
# cookie, with Accept-Encoding: gzip as a browser sends it and without.
# Usage: sh bench/staff.sh [BUILD_DIR]   127.0.0.1 only.
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
sh scripts/deps.sh --bench
DURATION=${DURATION:-15s}
NOW=2026-11-23T06:00:00-09:00   # Monday 6 a.m.; the day shown is Tuesday the 24th
DAY=2026-11-24
TMP=$(mktemp -d)
. bench/lib.sh
trap 'stop_server; rm -rf "$TMP"' EXIT INT TERM

"$BUILD/knead" demo --db "$TMP/knead.db" >/dev/null
start_server
python3 bench/book.py churn "$PORT" "$DAY" 2
echo "appointments on $DAY: $(sqlite3 "$TMP/knead.db" "SELECT count(*) FROM appointments") (booked: $(sqlite3 "$TMP/knead.db" "SELECT count(*) FROM appointments WHERE status = 'booked'"))"

BASE="http://127.0.0.1:$PORT"
curl -s -c "$TMP/jar" "$BASE/login" >"$TMP/login.html"
CSRF=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$TMP/login.html" | head -1)
curl -s -b "$TMP/jar" -c "$TMP/jar" -o /dev/null \
    --data-urlencode "csrf=$CSRF" --data-urlencode "email=desk@chugachbodywork.example" \
    --data-urlencode "password=demo-desk-pass" "$BASE/login"
SESSION=$(awk '$6 == "knead_session" {print $7}' "$TMP/jar")
[ -n "$SESSION" ] || { echo "sign-in failed"; exit 1; }
STATUS=$(curl -s -o "$TMP/day.html" -w '%{http_code}' -H "Cookie: knead_session=$SESSION" "$BASE/staff?date=$DAY")
echo "day view: HTTP $STATUS, $(wc -c <"$TMP/day.html") bytes, $(grep -c 'staff-block' "$TMP/day.html") blocks"

echo "day view with gzip: $(curl -s -H "Cookie: knead_session=$SESSION" -H 'Accept-Encoding: gzip' "$BASE/staff?date=$DAY" | wc -c) bytes"

cat >"$TMP/cookie.lua" <<LUA
wrk.headers["Cookie"] = "knead_session=$SESSION"
LUA
cat >"$TMP/cookie-gz.lua" <<LUA
wrk.headers["Cookie"] = "knead_session=$SESSION"
wrk.headers["Accept-Encoding"] = "gzip"
LUA
# as a browser asks (gzip), then without
wrk_run "staff day view ($DAY), gzip" "$BASE/staff?date=$DAY" "$TMP/cookie-gz.lua"
wrk_run "staff day view ($DAY), no gzip" "$BASE/staff?date=$DAY" "$TMP/cookie.lua"
