# Shared by the benchmarks: start the real server on a free loopback port.
# Needs BUILD, TMP (a scratch folder) and NOW (may be empty); sets PID and PORT.
# The caller stops it with `stop_server`.

start_server() {
    : >"$TMP/log"
    # Benchmarks book in loops and open many connections from one address:
    # the abuse limits (README, Abuse and hardening) are off for them.
    printf '[limits]\nbookings_per_hour = 0\nwaitlist_per_hour = 0\nconnections_per_address = 1024\n' \
        >"$TMP/bench.ini"
    if [ -n "${NOW:-}" ]; then
        "$BUILD/knead" serve --db "$TMP/knead.db" --config "$TMP/bench.ini" --listen 127.0.0.1:0 --quiet --now "$NOW" 2>"$TMP/log" &
    else
        "$BUILD/knead" serve --db "$TMP/knead.db" --config "$TMP/bench.ini" --listen 127.0.0.1:0 --quiet 2>"$TMP/log" &
    fi
    PID=$!
    i=0
    while ! grep -q 'on http://127.0.0.1:' "$TMP/log"; do
        i=$((i + 1)); [ $i -lt 200 ] || { cat "$TMP/log"; exit 1; }
        sleep 0.05
    done
    PORT=$(sed -n 's/.*on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$TMP/log" | head -1)
}

stop_server() {
    [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    PID=
}

# wrk_run NAME URL [LUA]: 2 threads, 32 connections, $DURATION; sets RPS and P99.
wrk_run() {
    out="$TMP/wrk-$(printf '%s' "$1" | tr -c 'A-Za-z0-9' '_').txt"
    if [ -n "${3:-}" ]; then
        wrk -t2 -c32 -d"$DURATION" --latency -s "$3" "$2" >"$out"
    else
        wrk -t2 -c32 -d"$DURATION" --latency "$2" >"$out"
    fi
    RPS=$(awk '/Requests\/sec/ {print $2}' "$out")
    P99=$(awk '$1 == "99%" {print $2}' "$out")
    ERR=$(grep -E 'Socket errors|Non-2xx' "$out" | tr '\n' ' ' || true)
    printf '%-50s %10s req/s   p99 %-8s %s\n' "$1" "$RPS" "$P99" "$ERR"
}
