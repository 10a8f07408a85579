#!/bin/sh
# Two builds of knead alternately, ROUNDS times, booking writes on PostgreSQL
# (bench/book.py write, 16 client threads, a fresh demo database each): the app
# server's CPU, the PostgreSQL backends' CPU and the statements, per booking, around
# the writes only (bench/book_cpu.py).  On a shared machine the ratio of the two in
# the same minutes is the measure, not either figure.  127.0.0.1 only.
#   sh bench/pg_ab.sh OLD_BUILD_DIR NEW_BUILD_DIR [ROUNDS]
# GROW=1: the demo grown by bench/grow-pg.sql (20 therapists, 19 rooms); ANY=1 and
# DAYS=N are bench/book_cpu.py's ("any therapist" bookings, N days).
# OLD_CONF / NEW_CONF: PostgreSQL settings for the old / new build's runs, "name=value"
# separated by spaces (ALTER SYSTEM, reloaded before each run; none: the defaults), e.g.
# the same build twice with and without group commit's delay:
#   NEW_CONF="commit_delay=500 commit_siblings=2" sh bench/pg_ab.sh build build 4
set -eu
OLD=$(cd "$1" && pwd); NEW=$(cd "$2" && pwd); ROUNDS=${3:-6}
cd "$(dirname "$0")/.."
TMP=$(mktemp -d); chmod 755 "$TMP"
PGENV=$(PG_OPTS="-c shared_preload_libraries=pg_stat_statements" sh tests/pg/cluster.sh start); eval "$PGENV"
trap 'stop_server; sh tests/pg/cluster.sh stop "$KNEAD_PG_DIR"; rm -rf "$TMP"' EXIT INT TERM
PM=$(head -1 "$KNEAD_PG_DIR/data/postmaster.pid")
. bench/lib.sh
NOW=2026-11-30T06:00:00-09:00
url() { echo "${KNEAD_TEST_PG%/*}/$1"; }
conf() { # "name=value ...": the cluster's settings for the next run
  "$KNEAD_PG_BIN/psql" -qAt "$KNEAD_TEST_PG" -c "ALTER SYSTEM RESET ALL" >/dev/null
  for kv in $1; do
    "$KNEAD_PG_BIN/psql" -qAt "$KNEAD_TEST_PG" -c "ALTER SYSTEM SET ${kv%%=*} = '${kv#*=}'" >/dev/null
  done
  "$KNEAD_PG_BIN/psql" -qAt "$KNEAD_TEST_PG" -c "SELECT pg_reload_conf()" >/dev/null
}
echo "start: $(uptime)"
for round in $(seq "$ROUNDS"); do
  for which in old new; do
    if [ $which = old ]; then BUILD=$OLD; C=${OLD_CONF:-}; else BUILD=$NEW; C=${NEW_CONF:-}; fi
    conf "$C"
    name=b_${which}_$round
    "$KNEAD_PG_BIN/psql" -qAt "$KNEAD_TEST_PG" -c "CREATE DATABASE $name" >/dev/null
    DB=$(url $name)
    "$KNEAD_PG_BIN/psql" -qAt "$DB" -c "CREATE EXTENSION pg_stat_statements" >/dev/null
    "$BUILD/knead" demo --db "$DB" >/dev/null 2>&1
    [ "${GROW:-0}" = 1 ] && "$KNEAD_PG_BIN/psql" -qAt "$DB" -v ON_ERROR_STOP=1 -f bench/grow-pg.sql >/dev/null
    start_server
    m=$(SPID=$PID PM=$PM DBURL=$DB PSQL=$KNEAD_PG_BIN/psql python3 bench/book_cpu.py "$PORT")
    echo "$which${C:+ ($C)} $round: $(echo "$m" | grep '^MEASURE') | $(echo "$m" | grep '^write:' | sed 's/ with 16 client threads over [0-9]* server(s), each answered in/,/')"
    stop_server
  done
done
echo "end: $(uptime)"
