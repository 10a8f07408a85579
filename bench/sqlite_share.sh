#!/bin/sh
# Should SQLite share version reads as PostgreSQL does (store.h, coalesce.h)?
# Cached availability "any therapist" on SQLite (the demo grown, FILL_DAYS
# booked ~80 %, a different day per request, wrk 2 x 32 for DURATION) with
# two builds alternately: A as is (SQLite reads its versions itself) and B
# built with drv_sqlite's .share_version_reads = 1; per request the server's
# CPU (/proc/PID/stat utime+stime), req/s and p99.
# Usage: sh bench/sqlite_share.sh A_BUILD B_BUILD   (DURATION=10s ROUNDS=3 FILL_DAYS=10)
# 127.0.0.1 only.
set -eu
A=$1
B=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
FILL_DAYS=${FILL_DAYS:-10}
NOW=2026-11-30T06:00:00-09:00
TMP=$(mktemp -d)
. bench/lib.sh
trap 'stop_server; rm -rf "$TMP"' EXIT INT TERM
HZ=$(getconf CLK_TCK)
days_lua "$TMP/days.lua"
echo "sqlite_share: load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
    for which in A B; do
        BUILD=$A; [ $which = B ] && BUILD=$B
        DB=$TMP/knead.db; rm -f "$DB"*
        "$BUILD/knead" demo --db "$DB" >/dev/null 2>&1
        sqlite3 "$DB" <bench/grow.sql
        start_server
        python3 bench/book.py fill "$PORT" 2026-11-30 "$FILL_DAYS" 0.8 >/dev/null
        # every day once, so that the run measures cached answers
        wrk -t1 -c4 -d2s -s "$TMP/days.lua" "http://127.0.0.1:$PORT/" >/dev/null
        c0=$(awk '{ print $14 + $15 }' "/proc/$PID/stat")
        wrk_run "$which sqlite availability" "http://127.0.0.1:$PORT/" "$TMP/days.lua" >/dev/null
        c1=$(awk '{ print $14 + $15 }' "/proc/$PID/stat")
        n=$(awk '/requests in/ { print $1 }' "$TMP"/wrk-*.txt)
        awk -v w="$which" -v r="$round" -v rps="$RPS" -v p99="$P99" -v n="$n" -v c="$((c1 - c0))" \
            -v hz="$HZ" 'BEGIN { printf "round %d %s: %.0f req/s, p99 %s, server %.1f us CPU a request\n",
                r, w, rps, p99, 1e6 * c / hz / n }'
        stop_server
        rm -f "$TMP"/wrk-*.txt
    done
done
echo "sqlite_share: load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
