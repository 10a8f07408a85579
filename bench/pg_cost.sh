#!/bin/sh
# What a request and a booking cost on PostgreSQL, two builds alternately
# (issue 10 §5), on a machine too busy for wall-clock figures alone: for each
# ROUND, for each build, on a fresh database,
#   - availability "any therapist" (wrk, the demo grown as bench/pg.sh does,
#     FILL_DAYS days booked ~80 %, a different day per request) and the same on
#     SQLite for the ratio, with the CPU each request cost the app server
#     (/proc/PID/stat utime+stime) and the PostgreSQL backends (the same of each
#     backend on the database), and the round trips each took (/metrics);
#   - booking writes with two app servers on one database (bench/book.py write,
#     16 client threads): bookings/s, and per booking the CPU of both servers
#     and of the backends, and the round trips, workers included.
# Usage: sh bench/pg_cost.sh OLD_BUILD NEW_BUILD   (DURATION=10s ROUNDS=2 FILL_DAYS=10)
# 127.0.0.1 only; a throwaway cluster (tests/pg/cluster.sh), fsync and
# synchronous_commit on.
set -eu
OLD=$1
NEW=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-2}
FILL_DAYS=${FILL_DAYS:-10}
NOW=2026-11-30T06:00:00-09:00
TMP=$(mktemp -d)
chmod 755 "$TMP"
. bench/lib.sh
PGENV=$(sh tests/pg/cluster.sh start)
eval "$PGENV"
PID2=
cleanup() {
    stop_server
    [ -n "$PID2" ] && kill "$PID2" 2>/dev/null && wait "$PID2" 2>/dev/null
    sh tests/pg/cluster.sh stop "$KNEAD_PG_DIR"
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
url() { echo "${KNEAD_TEST_PG%/*}/$1"; }
newdb() { psql -qAt "$KNEAD_TEST_PG" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null 2>&1; }
ticks() { # PID...: utime + stime, clock ticks (threads included)
    for p in "$@"; do awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0; done |
        awk '{ s += $1 } END { print s + 0 }'
}
backends() { psql -qAt "$1" -c "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()" | tr '\n' ' '; }
trips() { # PORT: round trips so far
    curl -fs "http://127.0.0.1:$1/metrics" | awk '$1 == "knead_db_round_trips_total" { print $2 }'
}
HZ=$(getconf CLK_TCK)
days_lua "$TMP/days.lua"
echo "pg_cost: load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

for round in $(seq 1 "$ROUNDS"); do
    for which in old new; do
        BUILD=$OLD; [ $which = new ] && BUILD=$NEW
        # availability: SQLite, then PostgreSQL
        DB=$TMP/knead.db; rm -f "$DB"*
        "$BUILD/knead" demo --db "$DB" >/dev/null 2>&1
        sqlite3 "$DB" <bench/grow.sql
        start_server
        python3 bench/book.py fill "$PORT" 2026-11-30 "$FILL_DAYS" 0.8 >/dev/null
        wrk_run "$which sqlite availability" "http://127.0.0.1:$PORT/" "$TMP/days.lua" >/dev/null
        SQ=$RPS
        stop_server
        newdb cost_av; DB=$(url cost_av)
        "$BUILD/knead" demo --db "$DB" >/dev/null 2>&1
        psql -qAt "$DB" -v ON_ERROR_STOP=1 -f bench/grow-pg.sql >/dev/null
        start_server
        python3 bench/book.py fill "$PORT" 2026-11-30 "$FILL_DAYS" 0.8 >/dev/null
        BK=$(backends "$DB")
        t0=$(trips "$PORT"); c0=$(ticks "$PID"); b0=$(ticks $BK)
        wrk_run "$which pg availability" "http://127.0.0.1:$PORT/" "$TMP/days.lua" >/dev/null
        t1=$(trips "$PORT"); c1=$(ticks "$PID"); b1=$(ticks $BK)
        n=$(awk '/requests in/ { print $1 }' "$TMP"/wrk-*pg_availability*.txt)
        awk -v w="$which" -v r="$round" -v rps="$RPS" -v sq="$SQ" -v n="$n" -v t="$((t1 - t0))" \
            -v c="$((c1 - c0))" -v b="$((b1 - b0))" -v hz="$HZ" 'BEGIN {
            printf "round %d %s: availability pg %.0f req/s, sqlite %.0f req/s, ratio %.2f; per request: %.2f round trips, server %.0f us CPU, postgres %.0f us CPU\n",
                r, w, rps, sq, rps / sq, t / n, 1e6 * c / hz / n, 1e6 * b / hz / n }'
        stop_server
        rm -f "$TMP"/wrk-*.txt
        # booking writes, two servers on one database
        newdb cost_w; DB=$(url cost_w)
        "$BUILD/knead" demo --db "$DB" >/dev/null 2>&1
        LOG=$TMP/log; start_server; P1=$PORT; P1ID=$PID
        LOG=$TMP/log2; start_server; P2=$PORT; PID2=$PID; PID=$P1ID; LOG=$TMP/log
        B0=$(psql -qAt "$DB" -c "SELECT count(*) FROM appointments")
        python3 bench/book.py write "$P1" 2026-12-01 1 1 >/dev/null # statements prepared
        B0=$(psql -qAt "$DB" -c "SELECT count(*) FROM appointments")
        BK=$(backends "$DB")
        t0=$(( $(trips "$P1") + $(trips "$P2") )); c0=$(ticks "$PID" "$PID2"); b0=$(ticks $BK)
        python3 bench/book.py write "$P1" 2026-12-02 30 16 "$P2" >"$TMP/w"
        sleep 2 # the last bookings' render and outbox passes
        t1=$(( $(trips "$P1") + $(trips "$P2") )); c1=$(ticks "$PID" "$PID2"); b1=$(ticks $BK)
        B1=$(psql -qAt "$DB" -c "SELECT count(*) FROM appointments")
        awk -v w="$which" -v r="$round" -v n="$((B1 - B0))" -v t="$((t1 - t0))" \
            -v c="$((c1 - c0))" -v b="$((b1 - b0))" -v hz="$HZ" -v line="$(tail -1 "$TMP/w")" 'BEGIN {
            split(line, f, " ")
            printf "round %d %s: bookings, 2 servers: %.0f /s (p50 %s ms, p99 %s ms); per booking: %.1f round trips, servers %.0f us CPU, postgres %.0f us CPU\n",
                r, w, f[2], f[3], f[4], t / n, 1e6 * c / hz / n, 1e6 * b / hz / n }'
        stop_server
        kill "$PID2" 2>/dev/null && wait "$PID2" 2>/dev/null
        PID2=
    done
done
echo "pg_cost: load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
