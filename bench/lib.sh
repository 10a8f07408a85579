# Shared by the benchmarks: start the real server on a free loopback port.
# (The config file is read at start: a second server may be started with
# another INI_EXTRA while the first runs.)
# Needs BUILD, TMP (a scratch folder) and NOW (may be empty); DB (default
# $TMP/knead.db) and LOG (default $TMP/log) may name others; sets PID and PORT.
# The caller stops it with `stop_server`.

# wait_listening LOG PID: waits (10 s at most) until LOG holds the whole
# "on http://127.0.0.1:PORT/" line a server or the probe prints once it
# accepts, and sets LISTEN_PORT from it.  The whole line with its port and slash, not
# its head: a line caught half written gave "invalid URL: http://127.0.0.1:/";
# and the log may not exist yet when the loop first looks.  Exits
# with the log if the process died or the time ran out.
wait_listening() {
    i=0
    LISTEN_PORT=
    while [ -z "$LISTEN_PORT" ]; do
        LISTEN_PORT=$(sed -n 's/.*on http:\/\/127\.0\.0\.1:\([0-9][0-9]*\)\/.*/\1/p' "$1" 2>/dev/null | head -1)
        [ -n "$LISTEN_PORT" ] && break
        kill -0 "$2" 2>/dev/null || { echo "the process $2 exited before listening:" >&2; cat "$1" >&2 2>/dev/null; exit 1; }
        i=$((i + 1)); [ $i -lt 200 ] || { echo "nothing listening after 10 s:" >&2; cat "$1" >&2 2>/dev/null; exit 1; }
        sleep 0.05
    done
}

start_server() {
    DB=${DB:-$TMP/knead.db}
    LOG=${LOG:-$TMP/log}
    : >"$LOG"
    # Benchmarks book in loops and open many connections from one address:
    # the abuse limits (README, Abuse and hardening) are off for them.
    printf '[limits]\nbookings_per_hour = 0\nwaitlist_per_hour = 0\nconnections_per_address = 1024\n' \
        >"$TMP/bench.ini"
    # A postgres:// database has no folder to keep the webhooks' key beside
    # (README, Webhooks): every bench server names one in its scratch folder.
    printf '[webhooks]\nkey_file = %s\n' "$TMP/webhook.key" >>"$TMP/bench.ini"
    # INI_EXTRA: more settings for this server only (e.g. "[bench]\nday_cache = 0\n")
    printf "${INI_EXTRA:-}" >>"$TMP/bench.ini"
    if [ -n "${NOW:-}" ]; then
        "$BUILD/knead" serve --db "$DB" --config "$TMP/bench.ini" --listen 127.0.0.1:0 --quiet --now "$NOW" 2>"$LOG" &
    else
        "$BUILD/knead" serve --db "$DB" --config "$TMP/bench.ini" --listen 127.0.0.1:0 --quiet 2>"$LOG" &
    fi
    PID=$!
    wait_listening "$LOG" "$PID"
    PORT=$LISTEN_PORT
}

stop_server() {
    [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    PID=
}

# wrk_run NAME URL [LUA]: 2 threads, $CONNS connections (default 32), $DURATION;
# sets RPS and P99.
wrk_run() {
    out="$TMP/wrk-$(printf '%s' "$1" | tr -c 'A-Za-z0-9' '_').txt"
    if [ -n "${3:-}" ]; then
        wrk -t2 -c"${CONNS:-32}" -d"$DURATION" --latency -s "$3" "$2" >"$out"
    else
        wrk -t2 -c"${CONNS:-32}" -d"$DURATION" --latency "$2" >"$out"
    fi
    RPS=$(awk '/Requests\/sec/ {print $2}' "$out")
    P99=$(awk '$1 == "99%" {print $2}' "$out")
    ERR=$(grep -E 'Socket errors|Non-2xx' "$out" | tr '\n' ' ' || true)
    SHARE=
    [ -n "${PROBE:-}" ] && SHARE=$(awk -v r="$RPS" -v p="$PROBE" 'BEGIN { printf "%5.1f%% of probe", 100 * r / p }')
    printf '%-50s %10s req/s   p99 %-8s %s %s\n' "$1" "$RPS" "$P99" "$SHARE" "$ERR"
}

# probe_measure: the ceiling (bench/probe.c, built beside knead) under the
# same wrk load as every other figure; sets and exports PROBE (requests/s),
# which wrk_run then prints each figure as a share of.  Run first, and once:
# a script called by another that measured it keeps the caller's PROBE.
probe_measure() {
    [ -n "${PROBE:-}" ] && return 0
    : >"$TMP/probe.log"
    "$BUILD/probe" 2>"$TMP/probe.log" &
    PROBE_PID=$!
    wait_listening "$TMP/probe.log" "$PROBE_PID"
    PPORT=$LISTEN_PORT
    pc0=$(awk '{print $14 + $15}' "/proc/$PROBE_PID/stat")
    wrk_run "probe (libmicrohttpd alone, 2 KB)" "http://127.0.0.1:$PPORT/"
    pc1=$(awk '{print $14 + $15}' "/proc/$PROBE_PID/stat")
    # its CPU per answer (user + system), which the machine's load does not stretch
    PROBE_CPU=$(awk -v a="$pc0" -v b="$pc1" -v hz="$(getconf CLK_TCK)" '/requests in/ { printf "%.3fms", (b - a) * 1000 / hz / $1 }' "$TMP/wrk-probe__libmicrohttpd_alone__2_KB_.txt")
    export PROBE_CPU
    kill "$PROBE_PID" 2>/dev/null && wait "$PROBE_PID" 2>/dev/null || true
    PROBE=$RPS
    export PROBE
}

# days_lua PATH: the wrk script of availability "any therapist" for a different
# day per request (30 days from 2026-11-30); every availability benchmark uses it.
days_lua() {
    cat >"$1" <<'LUA'
local n = 0
request = function()
  n = n + 1
  local d = os.date("!%Y-%m-%d", 1796014800 + (n % 30) * 86400)
  return wrk.format("GET", "/api/v1/availability?service=deep-tissue-60&date=" .. d)
end
LUA
}
