#!/bin/sh
# PostgreSQL figures (issue 10 §5), on a throwaway cluster (tests/pg/cluster.sh,
# fsync and synchronous_commit on, pg_stat_statements loaded to count the
# statements): in one run,
#   0. what a durable commit costs this machine's disk (pg_test_fsync, fdatasync);
#   1. availability for "any therapist" (wrk, as bench/availability.sh: the demo grown
#      to 20 therapists and 19 rooms, ~2,000 bookings in 30 days) and /healthz on
#      SQLite and on PostgreSQL, one app server each, and the ratios; on PostgreSQL
#      also with `[server] threads = 2` (one per core, the default before), and the
#      statements each request ran;
#   2. booking writes with one and with two app servers on one PostgreSQL database
#      (bench/book.py write: distinct free slots, 16 client threads), the two again
#      with `threads = 2`, and the statements per booking;
#   3. two app servers behind one nginx (a config in the scratch folder, 127.0.0.1
#      only): availability and booking writes through it, then the race test of
#      tests/http/test_two_servers.py as a benchmark (bench/race.py): 100 bookings
#      of one slot at once, and bookings, moves and cancels from 16 client threads
#      for $DURATION, the calendar checked for overlaps afterwards;
#   4. LISTEN/NOTIFY against the version read (bench/notify.c): how often a second
#      server would not yet have been told of a commit when the first answers.
# The load average is printed at the start and the end: the ratios of one run are
# the measure on a shared machine.
# Usage: DURATION=10s sh bench/pg.sh [BUILD_DIR]   127.0.0.1 only.
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
sh scripts/deps.sh --bench
DURATION=${DURATION:-15s}
SECS=${DURATION%s}
NOW=2026-11-30T06:00:00-09:00
TMP=$(mktemp -d)
chmod 755 "$TMP"
. bench/lib.sh
PGENV=$(PG_OPTS="-c shared_preload_libraries=pg_stat_statements" sh tests/pg/cluster.sh start)
eval "$PGENV"
PID2=
NGINX=
cleanup() {
    stop_server
    [ -n "$PID2" ] && kill "$PID2" 2>/dev/null && wait "$PID2" 2>/dev/null
    [ -n "$NGINX" ] && kill "$NGINX" 2>/dev/null && wait "$NGINX" 2>/dev/null
    sh tests/pg/cluster.sh stop "$KNEAD_PG_DIR"
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
url() { echo "${KNEAD_TEST_PG%/*}/$1"; }
newdb() {
    psql -qAt "$KNEAD_TEST_PG" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" 2>/dev/null
    psql -qAt "$(url "$1")" -c "CREATE EXTENSION pg_stat_statements" >/dev/null
}
# statements DB: every statement the servers ran since the last `stmt_reset DB`
stmt_reset() { psql -qAt "$1" -c "SELECT pg_stat_statements_reset()" >/dev/null; }
statements() {
    psql -qAt "$1" -c "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND query NOT LIKE '%pg_stat_statements%'"
}
booked() { psql -qAt "$1" -c "SELECT count(*) FROM appointments WHERE status = 'booked'"; }
two_servers() { # DB [INI_EXTRA]: P1, P2 and PID (first), PID2 (second)
    INI_EXTRA=${2:-}
    LOG=$TMP/log
    start_server
    P1=$PORT; P1ID=$PID
    LOG=$TMP/log2
    start_server
    P2=$PORT; PID2=$PID; PID=$P1ID
    LOG=$TMP/log
    INI_EXTRA=
}
stop_two() {
    stop_server
    kill "$PID2" 2>/dev/null && wait "$PID2" 2>/dev/null
    PID2=
}
write_line() { tail -2 "$1" | head -1; }

echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
"$KNEAD_PG_BIN/pg_test_fsync" -s 1 -f "$TMP/fsync.test" 2>/dev/null |
    awk '/^ *fdatasync .*ops\/sec/ && !seen { print "pg_test_fsync, one 8 kB write + fdatasync:", $2, "ops/s,", $4, "us/op"; seen = 1 }'

days_lua "$TMP/days.lua"

# 1. availability, SQLite then PostgreSQL
DB=$TMP/knead.db
"$BUILD/knead" demo --db "$DB" >/dev/null
sqlite3 "$DB" <bench/grow.sql
start_server
python3 bench/book.py fill "$PORT" 2026-11-30 30 0.8
wrk_run "sqlite: availability-any" "http://127.0.0.1:$PORT/" "$TMP/days.lua"
AV_SQ=$RPS
wrk_run "sqlite: healthz" "http://127.0.0.1:$PORT/healthz"
HZ_SQ=$RPS
stop_server

newdb bench_av
DB=$(url bench_av)
"$BUILD/knead" demo --db "$DB" >/dev/null
psql -qAt "$DB" -v ON_ERROR_STOP=1 -f bench/grow-pg.sql >/dev/null
start_server
python3 bench/book.py fill "$PORT" 2026-11-30 30 0.8
echo "appointments booked over 30 days (pg): $(booked "$DB")"
stmt_reset "$DB"
wrk_run "pg: availability-any" "http://127.0.0.1:$PORT/" "$TMP/days.lua"
AV_PG=$RPS
awk -v n="$(statements "$DB")" -v r="$RPS" -v s="$SECS" \
    'BEGIN { printf "pg: statements per availability request (workers included): %.2f\n", n / (r * s) }'
wrk_run "pg: healthz" "http://127.0.0.1:$PORT/healthz"
HZ_PG=$RPS
stop_server
INI_EXTRA='[server]\nthreads = 2\n' start_server
wrk_run "pg: availability-any, threads = 2 (before)" "http://127.0.0.1:$PORT/" "$TMP/days.lua"
AV_PG2=$RPS
wrk_run "pg: healthz, threads = 2 (before)" "http://127.0.0.1:$PORT/healthz"
stop_server
awk -v p="$AV_PG" -v s="$AV_SQ" -v q="$AV_PG2" -v hp="$HZ_PG" -v hs="$HZ_SQ" 'BEGIN {
    printf "availability pg / sqlite = %.2f (with threads = 2: %.2f); healthz pg / sqlite = %.2f\n",
        p / s, q / s, hp / hs }'

# 2. booking writes: one app server, then two on one database, then two with threads = 2
newdb bench_w1
DB=$(url bench_w1)
"$BUILD/knead" demo --db "$DB" >/dev/null
start_server
python3 bench/book.py write "$PORT" 2026-11-30 30 16 | tee "$TMP/w1"
stop_server

newdb bench_w2
DB=$(url bench_w2)
"$BUILD/knead" demo --db "$DB" >/dev/null
two_servers "$DB"
B0=$(booked "$DB")
stmt_reset "$DB"
python3 bench/book.py write "$P1" 2026-11-30 30 16 "$P2" | tee "$TMP/w2"
awk -v n="$(statements "$DB")" -v b="$(($(booked "$DB") - B0))" \
    'BEGIN { printf "pg: statements per booking (the render and outbox workers included): %.1f\n", n / b }'
stop_two

newdb bench_w3
DB=$(url bench_w3)
"$BUILD/knead" demo --db "$DB" >/dev/null
two_servers "$DB" '[server]\nthreads = 2\n'
python3 bench/book.py write "$P1" 2026-11-30 30 16 "$P2" | tee "$TMP/w3"
stop_two
echo "synchronous_commit: $(psql -qAt "$DB" -c 'SHOW synchronous_commit'), fsync: $(psql -qAt "$DB" -c 'SHOW fsync')"

# 3. two app servers behind one nginx
nginx_start() { # P1 P2: NPORT
    NPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$TMP/nginx"
    cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes 2;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    upstream knead {
        server 127.0.0.1:$1;
        server 127.0.0.1:$2;
        keepalive 64;
    }
    server {
        listen 127.0.0.1:$NPORT;
        location / {
            proxy_pass http://knead;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$remote_addr;
        }
    }
}
EOF
    nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" &
    NGINX=$!
    i=0
    until curl -fs -o /dev/null "http://127.0.0.1:$NPORT/healthz"; do
        i=$((i + 1)); [ $i -lt 200 ] || { cat "$TMP/nginx/error.log"; exit 1; }
        sleep 0.05
    done
}
nginx_stop() { kill "$NGINX" 2>/dev/null && wait "$NGINX" 2>/dev/null; NGINX=; }

DB=$(url bench_av)
two_servers "$DB"
nginx_start "$P1" "$P2"
wrk_run "nginx + 2 servers: availability-any" "http://127.0.0.1:$NPORT/" "$TMP/days.lua"
AV_NG=$RPS
wrk_run "nginx + 2 servers: healthz" "http://127.0.0.1:$NPORT/healthz"
nginx_stop
stop_two
awk -v n="$AV_NG" -v s="$AV_SQ" 'BEGIN { printf "availability nginx + 2 pg servers / sqlite = %.2f\n", n / s }'

newdb bench_ng
DB=$(url bench_ng)
"$BUILD/knead" demo --db "$DB" >/dev/null
two_servers "$DB"
nginx_start "$P1" "$P2"
python3 bench/book.py write "$NPORT" 2026-11-30 30 16 | tee "$TMP/wng"
nginx_stop
stop_two

newdb bench_race
DB=$(url bench_race)
"$BUILD/knead" demo --db "$DB" >/dev/null
two_servers "$DB"
nginx_start "$P1" "$P2"
python3 bench/race.py one "$NPORT"
python3 bench/race.py mixed "$NPORT" "$SECS" 16
nginx_stop
stop_two
overlaps=$(psql -qAt "$DB" -c "SELECT
  (SELECT count(*) FROM appointments x JOIN appointments y ON x.id < y.id
     AND x.therapist_id = y.therapist_id AND x.start_at < y.busy_until AND y.start_at < x.busy_until
     WHERE x.status <> 'cancelled' AND y.status <> 'cancelled')
+ (SELECT count(*) FROM appointments x JOIN appointments y ON x.id < y.id
     AND x.room_id = y.room_id AND x.start_at < y.busy_until AND y.start_at < x.busy_until
     WHERE x.status <> 'cancelled' AND y.status <> 'cancelled')")
echo "race mixed: overlapping live appointments of one therapist or room afterwards: $overlaps"

# 4. LISTEN/NOTIFY against the version read
newdb bench_notify
"$BUILD/notify" "$(url bench_notify)" 2000 0 | head -3
"$BUILD/notify" "$(url bench_notify)" 2000 200 | head -1

echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$overlaps" = 0 ]
