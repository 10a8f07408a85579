#!/bin/sh
# Benchmarks the real server with wrk on loopback: 2 threads, 32 connections,
# 10 s per URL.  Usage: sh bench/run.sh [BUILD_DIR]   (make bench)
# Figures go in bench/README.md by hand, with the date and the machine.
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
sh scripts/deps.sh --bench
TMP=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
"$BUILD/knead" demo --db "$TMP/knead.db" >/dev/null
"$BUILD/knead" serve --db "$TMP/knead.db" --listen 127.0.0.1:0 --quiet 2>"$TMP/log" &
PID=$!
i=0
while ! grep -q 'on http://127.0.0.1:' "$TMP/log"; do
    i=$((i + 1)); [ $i -lt 200 ] || { cat "$TMP/log"; exit 1; }
    sleep 0.05
done
PORT=$(sed -n 's/.*on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$TMP/log" | head -1)
BASE="http://127.0.0.1:$PORT"
DURATION=${DURATION:-10s}
for path in /healthz /static/css/site.css / /services /articles/deep-tissue-massage-for-lower-back-pain; do
    printf '%-50s ' "$path"
    wrk -t2 -c32 -d"$DURATION" --latency "$BASE$path" >"$TMP/wrk.txt"
    rps=$(awk '/Requests\/sec/ {print $2}' "$TMP/wrk.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$TMP/wrk.txt")
    errs=$(grep -E 'Socket errors|Non-2xx' "$TMP/wrk.txt" | tr '\n' ' ')
    echo "$rps req/s  p99 $p99  $errs"
done
