#!/bin/sh
# PostgreSQL figures (issue 10 §5), on a throwaway cluster (tests/pg/cluster.sh,
# fsync and synchronous_commit on): in one run,
#   1. availability for "any therapist" (wrk, as bench/availability.sh: the demo grown
#      to 20 therapists and 19 rooms, ~2,000 bookings in 30 days) on SQLite and on
#      PostgreSQL, one app server each, and the ratio;
#   2. booking writes with one and with two app servers on one PostgreSQL database
#      (bench/book.py write: distinct free slots, 16 client threads).
# Usage: sh bench/pg.sh [BUILD_DIR]   127.0.0.1 only.
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
sh scripts/deps.sh --bench
DURATION=${DURATION:-15s}
NOW=2026-11-30T06:00:00-09:00
TMP=$(mktemp -d)
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
newdb() { psql -qAt "$KNEAD_TEST_PG" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"; }

cat >"$TMP/days.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  local d = os.date("!%Y-%m-%d", 1796014800 + (n % 30) * 86400)
  return wrk.format("GET", "/api/v1/availability?service=deep-tissue-60&date=" .. d)
end
LUA

# 1. availability, SQLite then PostgreSQL
DB=$TMP/knead.db
"$BUILD/knead" demo --db "$DB" >/dev/null
sqlite3 "$DB" <bench/grow.sql
start_server
python3 bench/book.py fill "$PORT" 2026-11-30 30 0.8
wrk_run "sqlite: availability-any" "http://127.0.0.1:$PORT/" "$TMP/days.lua"
AV_SQ=$RPS
wrk_run "sqlite: healthz" "http://127.0.0.1:$PORT/healthz"
stop_server

newdb bench_av
DB=$(url bench_av)
"$BUILD/knead" demo --db "$DB" >/dev/null
psql -qAt "$DB" -v ON_ERROR_STOP=1 -f bench/grow-pg.sql >/dev/null
start_server
python3 bench/book.py fill "$PORT" 2026-11-30 30 0.8
echo "appointments booked over 30 days (pg): $(psql -qAt "$DB" -c "SELECT count(*) FROM appointments WHERE status = 'booked'")"
wrk_run "pg: availability-any" "http://127.0.0.1:$PORT/" "$TMP/days.lua"
AV_PG=$RPS
wrk_run "pg: healthz" "http://127.0.0.1:$PORT/healthz"
stop_server
awk -v p="$AV_PG" -v s="$AV_SQ" 'BEGIN { printf "availability pg / sqlite = %.2f\n", p / s }'

# 2. booking writes: one app server, then two on one database
newdb bench_w1
DB=$(url bench_w1)
"$BUILD/knead" demo --db "$DB" >/dev/null
start_server
python3 bench/book.py write "$PORT" 2026-11-30 30 16
stop_server

newdb bench_w2
DB=$(url bench_w2)
"$BUILD/knead" demo --db "$DB" >/dev/null
start_server
P1=$PORT; P1ID=$PID
LOG=$TMP/log2
start_server
P2=$PORT; PID2=$PID; PID=$P1ID
python3 bench/book.py write "$P1" 2026-11-30 30 16 "$P2"
echo "synchronous_commit: $(psql -qAt "$DB" -c 'SHOW synchronous_commit'), fsync: $(psql -qAt "$DB" -c 'SHOW fsync')"
