#!/bin/sh
# A year of a busy clinic beside the plain demo, in one run: the demo clinic
# as `knead demo` seeds it, and a copy grown by bench/grow-year.sql to 60
# therapists, 61 rooms and ~107,000 appointments over a year, both served at
# once with the clock pinned to Tuesday 2026-12-08 06:00.  Each measurement
# runs on the plain server and at once on the grown one (wrk, 2 threads, 16
# connections, $DURATION each, default 10 s), so the ratio holds even on a
# machine doing other work.  Measures: /healthz; availability for "any
# therapist", one day and 31 days, repeated; one 31-day request alone
# (first and repeated); the staff day view (the front desk signed in), with
# Accept-Encoding: gzip as a browser sends it and without; time
# to ready of `knead serve` (best of 5) and the server's RSS after the run.
# Usage: sh bench/year.sh [BUILD_DIR]   127.0.0.1 only.
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
sh scripts/deps.sh --bench
DURATION=${DURATION:-10s}
CONNS=16
NOW=2026-12-08T06:00:00-09:00
DAY=2026-12-09
TMP=$(mktemp -d)
. bench/lib.sh
PIDS=
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT INT TERM

# The grown copy's times are local wall times turned into UTC by sqlite's
# 'utc' modifier, which reads TZ: check it converts as the clinic does.
[ "$(TZ=America/Anchorage sqlite3 :memory: "SELECT strftime('%s', '2026-07-08 06:00', 'utc')")" = 1783519200 ] ||
    { echo "sqlite3 does not convert America/Anchorage times (tzdata missing?)"; exit 1; }
"$BUILD/knead" demo --db "$TMP/plain.db" >/dev/null 2>&1
cp "$TMP/plain.db" "$TMP/grown.db"
TZ=America/Anchorage sqlite3 "$TMP/grown.db" <bench/grow-year.sql
for k in plain grown; do
    printf '%s: %s therapists, %s rooms, %s appointments (%s booked ahead), %s MB\n' "$k" \
        "$(sqlite3 "$TMP/$k.db" 'SELECT count(*) FROM therapists')" \
        "$(sqlite3 "$TMP/$k.db" 'SELECT count(*) FROM rooms')" \
        "$(sqlite3 "$TMP/$k.db" 'SELECT count(*) FROM appointments')" \
        "$(sqlite3 "$TMP/$k.db" "SELECT count(*) FROM appointments WHERE status = 'booked'")" \
        "$(($(stat -c %s "$TMP/$k.db") / 1048576))"
done

# Time to ready: from exec to the "serving ... on http://" line, best of 5.
ready_ms() {
    best=
    for _ in 1 2 3 4 5; do
        : >"$TMP/ready.log"
        t0=$(date +%s%N)
        "$BUILD/knead" serve --db "$1" --config "$TMP/bench.ini" --listen 127.0.0.1:0 --quiet \
            --now "$NOW" 2>"$TMP/ready.log" &
        p=$!
        until grep -q 'on http://127\.0\.0\.1:[0-9][0-9]*/' "$TMP/ready.log"; do
            kill -0 "$p" 2>/dev/null || { cat "$TMP/ready.log"; exit 1; }
            sleep 0.005
        done
        t1=$(date +%s%N)
        kill "$p"; wait "$p" 2>/dev/null || true
        ms=$(((t1 - t0) / 1000000))
        [ -z "$best" ] || [ "$ms" -lt "$best" ] && best=$ms
    done
    echo "$best"
}

DB=$TMP/plain.db LOG=$TMP/plain.log start_server
P_PID=$PID P_PORT=$PORT PIDS="$PIDS $PID"
DB=$TMP/grown.db LOG=$TMP/grown.log start_server
G_PID=$PID G_PORT=$PORT PIDS="$PIDS $PID"
PID=

# The front desk signed in on one server; prints the session.
sign_in() {
    base="http://127.0.0.1:$1"
    rm -f "$TMP/jar"
    curl -s -c "$TMP/jar" "$base/login" >"$TMP/login.html"
    csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$TMP/login.html" | head -1)
    curl -s -b "$TMP/jar" -c "$TMP/jar" -o /dev/null --data-urlencode "csrf=$csrf" \
        --data-urlencode "email=desk@chugachbodywork.example" \
        --data-urlencode "password=demo-desk-pass" "$base/login"
    awk '$6 == "knead_session" {print $7}' "$TMP/jar"
}
P_SESSION=$(sign_in "$P_PORT")
G_SESSION=$(sign_in "$G_PORT")
[ -n "$P_SESSION" ] && [ -n "$G_SESSION" ] || { echo "sign-in failed"; exit 1; }

AV1="/api/v1/availability?service=deep-tissue-60&date=$DAY"
AV31="/api/v1/availability?service=deep-tissue-60&date=$DAY&days=31"
STAFF="/staff?date=$DAY"

# One request alone: its time in ms (curl's total) and its size.
alone() {
    curl -s -o "$TMP/alone.out" -w '%{time_total} %{size_download}' "$@" |
        awk '{printf "%.1f ms (%d bytes)", $1 * 1000, $2}'
}
echo
echo "one request alone (the first after start, then the same again):"
for k in plain grown; do
    port=$P_PORT; [ $k = grown ] && port=$G_PORT
    printf '  %-6s 31 days: %s, again %s\n' $k "$(alone "http://127.0.0.1:$port$AV31")" \
        "$(alone "http://127.0.0.1:$port$AV31")"
done
for k in plain grown; do
    port=$P_PORT session=$P_SESSION
    [ $k = grown ] && port=$G_PORT session=$G_SESSION
    printf '  %-6s staff day view: %s, again %s\n' $k \
        "$(alone -H "Cookie: knead_session=$session" "http://127.0.0.1:$port$STAFF")" \
        "$(alone -H "Cookie: knead_session=$session" "http://127.0.0.1:$port$STAFF")"
done

# A browser sends Accept-Encoding: gzip (and reads the compressed bytes);
# each figure is taken that way ("gz") and without it ("no gz").
for k in plain grown; do
    session=$P_SESSION; [ $k = grown ] && session=$G_SESSION
    printf 'wrk.headers["Cookie"] = "knead_session=%s"\n' "$session" >"$TMP/$k-nogz.lua"
    printf 'wrk.headers["Accept-Encoding"] = "gzip"\n' >"$TMP/$k-gz-anon.lua"
    cat "$TMP/$k-nogz.lua" "$TMP/$k-gz-anon.lua" >"$TMP/$k-gz.lua"
done
for k in plain grown; do
    port=$P_PORT session=$P_SESSION
    [ $k = grown ] && port=$G_PORT session=$G_SESSION
    printf '  %-6s staff day view with gzip: %s\n' $k \
        "$(alone -H "Cookie: knead_session=$session" -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port$STAFF")"
done

# The server's own CPU (user + system, /proc/PID/stat) per request over a
# wrk run, which the machine's load does not stretch as it does requests/s.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cpu_per_req() { # TICKS_BEFORE TICKS_AFTER WRK_OUTPUT
    awk -v a="$1" -v b="$2" -v hz="$(getconf CLK_TCK)" \
        '/requests in/ { printf "%.3f", (b - a) * 1000 / hz / $1 }' "$3"
}

echo
echo "wrk -t2 -c$CONNS -d$DURATION, each pair back to back (CPU: the server's ms per request):"
pair() { # NAME PATH [LUA: nogz, gz, or gz-anon]
    c0=$(cpu_ticks "$P_PID")
    wrk_run "plain: $1" "http://127.0.0.1:$P_PORT$2" ${3:+"$TMP/plain-$3.lua"}
    pc=$(cpu_per_req "$c0" "$(cpu_ticks "$P_PID")" "$out")
    p=$RPS
    c0=$(cpu_ticks "$G_PID")
    wrk_run "grown: $1" "http://127.0.0.1:$G_PORT$2" ${3:+"$TMP/grown-$3.lua"}
    gc=$(cpu_per_req "$c0" "$(cpu_ticks "$G_PID")" "$out")
    awk -v p="$p" -v g="$RPS" -v pc="$pc" -v gc="$gc" 'BEGIN {
        printf "%-50s %10.2f   CPU ms/request plain %s grown %s\n", "  grown / plain", g / p, pc, gc }'
}
pair /healthz /healthz
pair "availability, any, one day" "$AV1"
pair "availability, any, 31 days" "$AV31"
pair "availability, any, 31 days, gz" "$AV31" gz-anon
pair "staff day view $DAY, gz (as a browser)" "$STAFF" gz
pair "staff day view $DAY, no gz" "$STAFF" nogz

echo
for k in plain grown; do
    pid=$P_PID; [ $k = grown ] && pid=$G_PID
    printf '%-6s server RSS after the run: %s MB\n' $k \
        "$(awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")"
done
for p in $PIDS; do kill "$p"; wait "$p" 2>/dev/null || true; done
PIDS=
for k in plain grown; do
    printf '%-6s knead serve ready in (best of 5): %s ms\n' $k "$(ready_ms "$TMP/$k.db")"
done
