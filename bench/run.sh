#!/bin/sh
# Benchmarks the public site: wrk on loopback, 2 threads, 32 connections,
# $DURATION (default 10 s) per URL.  Usage: sh bench/run.sh [BUILD_DIR]  (make bench)
# Figures go in bench/README.md by hand, with the date and the machine.
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. bench/lib.sh
sh scripts/deps.sh --bench
DURATION=${DURATION:-10s}
NOW=
TMP=$(mktemp -d)
trap 'stop_server; rm -rf "$TMP"' EXIT INT TERM
"$BUILD/knead" demo --db "$TMP/knead.db" >/dev/null
start_server
BASE="http://127.0.0.1:$PORT"
for path in /healthz /static/css/site.css / /services /articles/deep-tissue-massage-for-lower-back-pain; do
    wrk_run "$path" "$BASE$path"
done
