#!/bin/sh
# A throwaway PostgreSQL cluster for the tests: no system service, nothing
# outside its temporary directory, loopback only.
#
#   eval "$(sh tests/pg/cluster.sh start)"   # prints KNEAD_PG_DIR=... KNEAD_TEST_PG=postgresql://...
#   sh tests/pg/cluster.sh stop "$KNEAD_PG_DIR"
#
# start: initdb in a new temporary directory, pg_ctl start on a free port of
# 127.0.0.1 (the socket in the same directory), and prints the shell lines
# that name it.  KNEAD_TEST_PG is the URL of the cluster's "postgres"
# database; the harness creates one database per server from it.  initdb
# refuses to run as root: as root the cluster belongs to the unprivileged
# user `nobody` (PG_USER to choose another), which owns the directory.
# PG_OPTS: more server options for start (bench/pg.sh: "-c
# shared_preload_libraries=pg_stat_statements" to count the statements).
# stop: pg_ctl stop -m immediate and the directory removed.
set -eu

bindir() {
    for d in "${PG_BINDIR:-}" /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -r); do
        [ -n "$d" ] && [ -x "$d/initdb" ] && { echo "$d"; return; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return; }
    echo "cluster.sh: no initdb (Debian: apt-get install postgresql-15; scripts/deps.sh --test)" >&2
    exit 1
}

as_owner() { # command...
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid="$OWNER" --regid="$(id -g "$OWNER")" --clear-groups -- "$@"
    else
        "$@"
    fi
}

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "${1:-}" in
start)
    BIN=$(bindir)
    OWNER=${PG_USER:-nobody}
    DIR=$(mktemp -d "${TMPDIR:-/tmp}/knead-pg-XXXXXX")
    chmod 700 "$DIR"
    [ "$(id -u)" = 0 ] && chown "$OWNER:$(id -gn "$OWNER")" "$DIR"
    as_owner "$BIN/initdb" -D "$DIR/data" -U knead --auth=trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
    PORT=$(free_port)
    # fsync stays on: the tests and the bench measure durable commits
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c max_connections=300 -c shared_buffers=128MB ${PG_OPTS:-}" \
        start >"$DIR/pg_ctl.log" 2>&1 || { cat "$DIR/pg_ctl.log" "$DIR/server.log" >&2; exit 1; }
    echo "KNEAD_PG_DIR=$DIR; export KNEAD_PG_DIR"
    echo "KNEAD_PG_BIN=$BIN; export KNEAD_PG_BIN"
    echo "KNEAD_TEST_PG=postgresql://knead@127.0.0.1:$PORT/postgres; export KNEAD_TEST_PG"
    ;;
stop)
    DIR=${2:?cluster.sh stop DIR}
    BIN=$(bindir)
    OWNER=$(stat -c %U "$DIR")
    [ -d "$DIR/data" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    ;;
*)
    echo "usage: cluster.sh start | stop DIR" >&2
    exit 2
    ;;
esac
