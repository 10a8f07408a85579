#!/bin/sh
# `make bench`: the figures of issue 14 in one run, each also as a share of
# the ceiling probe (bench/probe.c: libmicrohttpd alone answering 2 KB, with
# Knead's daemon options) measured first in the same round.  The machine is
# shared, so a figure alone means little: ROUNDS rounds (default 3), each
# measuring the probe and then every figure, and the summary prints the
# median of each figure and of its share of its own round's probe.
#
#   transport  /healthz, /static/css/site.css (and the probe answering as
#              many bytes as the stylesheet: what its size alone costs)
#   pages      /, /services, /therapists, an article (anonymous visitor)
#   availability, any therapist, one day (D cycling over 30 days):
#              cached; uncached ([bench] day_cache = 0, a second server on the
#              same database: every request computes its day); a 31-day month
#              cached (requests/s) and uncached (p50 of one request alone)
#   writes     booking writes, distinct free slots, 8 client threads,
#              durable (WAL, synchronous = FULL): bookings/s, p50, p99
#
# The clinic: the demo grown to twenty therapists and nineteen rooms
# (bench/grow.sql), about 80 % of the next 30 days booked (bench/book.py
# fill), the clock pinned to Monday 2026-11-30 06:00.  wrk: 2 threads,
# CONNS (16) keep-alive connections, DURATION (10s) each.  127.0.0.1 only.
# Usage: sh bench/run.sh [BUILD_DIR]   (a release build: make bench)
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
sh scripts/deps.sh --bench
DURATION=${DURATION:-10s}
CONNS=${CONNS:-16}
ROUNDS=${ROUNDS:-3}
NOW=2026-11-30T06:00:00-09:00
TMP=$(mktemp -d)
. bench/lib.sh
PIDS=
cleanup() {
    stop_server
    for p in $PIDS; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
RES=$TMP/results.tsv
: >"$RES"
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$ROUND" "$1" "$2" "$3" "$PROBE" >>"$RES"; }

echo "load before the run: $(uptime | sed 's/.*load average: //')"

# the clinic, once: grown, then filled through the API
"$BUILD/knead" demo --db "$TMP/base.db" >/dev/null
sqlite3 "$TMP/base.db" <bench/grow.sql
cp "$TMP/base.db" "$TMP/knead.db"
DB=$TMP/knead.db LOG=$TMP/log-a start_server
python3 bench/book.py fill "$PORT" 2026-11-30 30 0.8
echo "appointments booked over 30 days: $(sqlite3 "$TMP/knead.db" "SELECT count(*) FROM appointments WHERE status = 'booked'")"
stop_server
# The read servers keep e-mail queued ([smtp] host empty): the fill queued
# ~2,000 confirmations, and with the default host (nothing listens on
# 127.0.0.1:2525 here) the outbox worker spent the first minutes trying each
# one -- a commit and an fsync apiece -- in the middle of the read figures.
DB=$TMP/knead.db LOG=$TMP/log-a INI_EXTRA='[smtp]\nhost =\n' start_server
A_PORT=$PORT
PIDS="$PIDS $PID"
PID=
DB=$TMP/knead.db LOG=$TMP/log-b INI_EXTRA='[bench]\nday_cache = 0\n[smtp]\nhost =\n' start_server
B_PORT=$PORT
B_PID=$PID
PIDS="$PIDS $PID"
PID=

days_lua "$TMP/days.lua"
MONTH="/api/v1/availability?service=deep-tissue-60&date=2026-11-30&days=31"

ROUND=0
while [ "$ROUND" -lt "$ROUNDS" ]; do
    ROUND=$((ROUND + 1))
    echo "== round $ROUND of $ROUNDS (load $(uptime | sed 's/.*load average: //'))"
    PROBE=
    PROBE_CPU=
    probe_measure
    record probe "$RPS" "$P99"
    record "probe (CPU per request)" 0 "$PROBE_CPU"
    A="http://127.0.0.1:$A_PORT"
    # the transport's own cost of the stylesheet's bytes: the probe answering
    # as many (37 KB against 2 KB), beside which /static/css/site.css is read
    : >"$TMP/probe-css.log"
    "$BUILD/probe" --size "$(wc -c <static/css/site.css)" 2>"$TMP/probe-css.log" &
    CSS_PID=$!
    wait_listening "$TMP/probe-css.log" "$CSS_PID"
    CSS_PORT=$LISTEN_PORT
    wrk_run "probe answering the stylesheet's size" "http://127.0.0.1:$CSS_PORT/"
    record "probe, the stylesheet's size" "$RPS" "$P99"
    kill "$CSS_PID" 2>/dev/null && wait "$CSS_PID" 2>/dev/null || true
    for path in /healthz /static/css/site.css / /services /therapists \
        /articles/deep-tissue-massage-for-lower-back-pain; do
        wrk_run "$path" "$A$path"
        record "$path" "$RPS" "$P99"
    done
    wrk_run "availability, one day, cached" "$A/" "$TMP/days.lua"
    record "availability one day cached" "$RPS" "$P99"
    c0=$(awk '{print $14 + $15}' "/proc/$B_PID/stat")
    wrk_run "availability, one day, uncached" "http://127.0.0.1:$B_PORT/" "$TMP/days.lua"
    c1=$(awk '{print $14 + $15}' "/proc/$B_PID/stat")
    record "availability one day uncached" "$RPS" "$P99"
    # what the machine's load does not stretch: the server's CPU per answer
    N=$(awk '/requests in/ {print $1}' "$TMP/wrk-availability__one_day__uncached.txt")
    CPU=$(awk -v a="$c0" -v b="$c1" -v n="$N" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3fms", (b - a) * 1000 / hz / n }')
    echo "  server CPU per uncached answer: $CPU (the probe's: $PROBE_CPU)"
    record "availability one day uncached (CPU per request)" 0 "$CPU"
    wrk_run "availability, 31 days, cached" "$A$MONTH"
    record "availability 31 days cached" "$RPS" "$P99"
    # one request at a time: its own time, not a queue's
    # one request at a time: its own time, not a queue's; and the server's CPU
    # time per request (/proc: user + system), which the machine's load does
    # not stretch as it stretches the wall time
    out="$TMP/month.txt"
    c0=$(awk '{print $14 + $15}' "/proc/$B_PID/stat")
    wrk -t1 -c1 -d5s --latency "http://127.0.0.1:$B_PORT$MONTH" >"$out"
    c1=$(awk '{print $14 + $15}' "/proc/$B_PID/stat")
    P50=$(awk '$1 == "50%" {print $2}' "$out")
    CPU=$(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" '/requests in/ { printf "%.2fms", (b - a) * 1000 / hz / $1 }' "$out")
    echo "availability, 31 days, uncached, alone: p50 $P50, server CPU $CPU per request"
    record "31-day month uncached alone (p50)" 0 "$P50"
    record "31-day month uncached alone (CPU)" 0 "$CPU"

    # booking writes on a fresh copy of the grown clinic (no bookings yet),
    # with the default thread pool (four per core, at least 8) and with one
    # per core ([server] threads = 2 here, the default before): a thread
    # waiting for a commit's fsync holds every connection it serves, so with
    # two threads at most two bookings share a commit.  The outbox worker tries each confirmation at once
    # (nothing listens for SMTP: each try fails fast and is marked), so its
    # commits are part of the figure, as a clinic's deliveries would be.
    for threads in default 2; do
        cp "$TMP/base.db" "$TMP/write.db"
        extra=
        [ "$threads" = default ] || extra="[server]\nthreads = $threads\n"
        DB=$TMP/write.db LOG=$TMP/log-w INI_EXTRA=$extra start_server
        c0=$(awk '{print $14 + $15}' "/proc/$PID/stat")
        echo "booking writes, server threads: $threads"
        python3 bench/book.py write "$PORT" 2026-11-30 30 8 | tee "$TMP/write.txt" | grep -v '^WRITE'
        c1=$(awk '{print $14 + $15}' "/proc/$PID/stat")
        stop_server
        rm -f "$TMP/write.db" "$TMP/write.db-wal" "$TMP/write.db-shm"
        set -- $(grep '^WRITE' "$TMP/write.txt")
        record "booking writes, threads $threads (p99)" "$2" "$4ms"
        N=$(sed -n 's/^write: \([0-9]*\) bookings.*/\1/p' "$TMP/write.txt")
        CPU=$(awk -v a="$c0" -v b="$c1" -v n="$N" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2fms", (b - a) * 1000 / hz / n }')
        echo "server CPU per booking (its render and delivery attempts included): $CPU"
        record "booking writes, threads $threads alone (CPU per booking)" 0 "$CPU"
    done
done

echo
echo "== summary: median of $ROUNDS rounds; share = requests/s / the same round's probe"
awk -F '\t' '
function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function ms(v) {   # wrk latency text (us, ms, s) in milliseconds
    if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
    if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
    if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
    return v + 0
}
{ if (!($2 in seen)) { seen[$2] = 1; order[++k] = $2 }
  rps[$2] = rps[$2] " " $3; share[$2] = share[$2] " " ($5 > 0 ? 100 * $3 / $5 : 0)
  lat[$2] = lat[$2] " " ms($4) }
END {
    printf "%-40s %12s %9s %12s\n", "figure", "requests/s", "of probe", "p99 (ms)"
    for (i = 1; i <= k; i++) {
        n = order[i]
        if (n ~ /CPU/) { printf "%-40s %12s %9s %12.3f\n", n, "-", "-", median(lat[n]); continue }
        if (n ~ /alone/) { printf "%-40s %12s %9s %12.2f\n", n, "-", "-", median(lat[n]); continue }
        printf "%-40s %12.0f %8.1f%% %12.2f\n", n, median(rps[n]), n == "probe" ? 100 : median(share[n]), median(lat[n])
    }
}' "$RES"
echo "targets (issue 14): /healthz >= 70 % of the probe; pages >= 50 %; availability cached >= 60 %,"
echo "uncached >= 10,000/s; a 31-day month uncached <= 2 ms p50; writes >= 1,000/s with p99 < 20 ms"
echo "load after the run: $(uptime | sed 's/.*load average: //')"
