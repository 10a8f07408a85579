#!/bin/sh
# Two builds of knead alternately, ROUNDS times, on SQLite: bench/run.sh's
# booking writes exactly (a fresh copy of the grown clinic, bench/book.py
# write over 30 days with 8 client threads, the clock pinned to Monday
# 2026-11-30 06:00, nothing listening for SMTP so every confirmation stays
# pending and is retried), with the default thread pool and with
# `[server] threads = 2`.  Per run: the server's CPU (utime + stime of its
# /proc/PID/stat, from listening to the last booking, the availability reads
# that find the free starts included, as run.sh measures) in ticks and per
# booking, the bookings, the messages still pending at the end and those
# of them the worker never tried (attempts 0).  On a
# shared machine the ratio of old and new in the same minutes is the
# measure, not either figure.  127.0.0.1 only.
#   sh bench/write_ab.sh OLD_BUILD_DIR NEW_BUILD_DIR [ROUNDS]
# THREADS: the [server] threads settings to run (default "default 2").
set -eu
OLD=$(cd "$1" && pwd); NEW=$(cd "$2" && pwd); ROUNDS=${3:-3}
cd "$(dirname "$0")/.."
TMP=$(mktemp -d)
NOW=2026-11-30T06:00:00-09:00
. bench/lib.sh
trap 'stop_server; rm -rf "$TMP"' EXIT INT TERM
HZ=$(getconf CLK_TCK)
# the clinic by the old build: a newer one upgrades it as it starts (before
# it listens, so outside the figure); an older one refuses a newer schema
BUILD=$OLD
"$BUILD/knead" demo --db "$TMP/base.db" >/dev/null
sqlite3 "$TMP/base.db" <bench/grow.sql
echo "start: $(uptime)"
for round in $(seq "$ROUNDS"); do
    for threads in ${THREADS:-default 2}; do
        # old first in odd rounds, new first in even ones
        order="old new"
        [ $((round % 2)) -eq 0 ] && order="new old"
        for which in $order; do
            if [ $which = old ]; then BUILD=$OLD; else BUILD=$NEW; fi
            cp "$TMP/base.db" "$TMP/write.db"
            extra=
            [ "$threads" = default ] || extra="[server]\nthreads = $threads\n"
            DB=$TMP/write.db LOG=$TMP/log-w INI_EXTRA=$extra start_server
            c0=$(awk '{print $14 + $15}' "/proc/$PID/stat")
            python3 bench/book.py write "$PORT" 2026-11-30 30 8 >"$TMP/write.txt"
            c1=$(awk '{print $14 + $15}' "/proc/$PID/stat")
            stop_server
            n=$(sed -n 's/^write: \([0-9]*\) bookings.*/\1/p' "$TMP/write.txt")
            rate=$(sed -n 's/.* = \([0-9]*\) bookings\/s.*/\1/p' "$TMP/write.txt")
            pending=$(sqlite3 "$TMP/write.db" "SELECT count(*) FROM outbox WHERE status = 'pending'")
            untried=$(sqlite3 "$TMP/write.db" "SELECT count(*) FROM outbox WHERE attempts = 0")
            rm -f "$TMP/write.db" "$TMP/write.db-wal" "$TMP/write.db-shm"
            awk -v r="$round" -v w="$which" -v t="$threads" -v a="$c0" -v b="$c1" -v n="$n" \
                -v hz="$HZ" -v rate="$rate" -v p="$pending" -v u="$untried" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
                'BEGIN { printf "round %s %s threads %-7s ticks %4d bookings %d cpu_ms %.2f bookings/s %s pending %s never_tried %s load %s\n",
                         r, w, t, b - a, n, (b - a) * 1000 / hz / n, rate, p, u, l }'
        done
    done
done
echo "end: $(uptime)"
