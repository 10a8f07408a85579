#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a
# bounded time on its seed corpus.  Prints "RESULT passed failed".
# Usage: sh tests/fuzz/run.sh OUTDIR [SECONDS]
#
# The seeds are committed, tests/fuzz/corpus/<target>/ (each file a case worth
# having: a DST day, a header injection, a CSV quote inside a field ...), beside
# what a run finds, OUTDIR/corpus-<target>/ (libFuzzer writes new inputs to the
# first directory it is given).  With them a target reaches in a few seconds the
# coverage it reached in 15 from nothing (bench/README.md, `make test`), so the
# default is 5 s a target.  A target is rebuilt only when its binary is older
# than this script, its sources or any header under src/ (a warm build keeps it).
set -u
OUT=${1:-build-san/fuzz}
SECS=${2:-5}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
mkdir -p "$OUT"
CFLAGS="-g -O1 -std=gnu11 -D_GNU_SOURCE -DKNEAD_VERSION=\"fuzz\" -DKNEAD_SRCDIR=\"$ROOT\" -Isrc
 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
UTIL="src/util/mem.c src/util/sb.c src/util/arena.c src/util/num.c src/util/log.c src/util/utf8.c src/view/esc.c src/core/err.c src/util/errmsg.c"
HEADERS=$(find src -name '*.h')
passed=0; failed=0

target() { # name sources... -- libs...
    name=$1; shift
    srcs=""; libs=""
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do srcs="$srcs $1"; shift; done
    [ $# -gt 0 ] && shift && libs="$*"
    # shellcheck disable=SC2086
    newer=$(find tests/fuzz/run.sh tests/fuzz/$name.c $srcs $UTIL $HEADERS -newer "$OUT/$name" 2>/dev/null | head -1)
    if [ ! -x "$OUT/$name" ] || [ -n "$newer" ]; then
        rm -f "$OUT/$name"
        # shellcheck disable=SC2086
        if ! clang $CFLAGS tests/fuzz/$name.c $srcs $UTIL $libs -o "$OUT/$name" 2>"$OUT/$name.build.log"; then
            echo "fuzz $name: build failed"; cat "$OUT/$name.build.log"; failed=$((failed + 1)); return
        fi
    fi
    mkdir -p "$OUT/corpus-$name"
    # seeds that live elsewhere in the system or the tree
    case $name in
        fuzz_tz) for z in America/Anchorage UTC Australia/Lord_Howe Pacific/Apia Europe/Dublin Asia/Kathmandu; do
                     [ -f "/usr/share/zoneinfo/$z" ] && cp "/usr/share/zoneinfo/$z" "$OUT/corpus-$name/$(echo "$z" | tr / -)"
                 done ;;
        fuzz_tpl) cp templates/*.html "$OUT/corpus-$name/" ;;
    esac
    if "$OUT/$name" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$OUT/$name-" "$OUT/corpus-$name" "tests/fuzz/corpus/$name" >"$OUT/$name.log" 2>&1; then
        echo "fuzz $name: ok ($(grep -o 'Done [0-9]* runs' "$OUT/$name.log"), $(grep -o 'cov: [0-9]*' "$OUT/$name.log" | tail -1))"
        passed=$((passed + 1))
    else
        echo "fuzz $name: FAILED"; tail -40 "$OUT/$name.log"; failed=$((failed + 1))
    fi
}

target fuzz_request src/http/request.c -- $(pkg-config --libs libmicrohttpd jansson)
target fuzz_tz src/core/tz.c src/core/datetime.c
target fuzz_tpl src/view/tpl.c src/util/fs.c -- $(pkg-config --libs jansson)
target fuzz_avail src/core/avail.c src/core/tz.c src/core/datetime.c src/util/tzload.c src/util/fs.c
target fuzz_mime src/mail/mime.c src/core/datetime.c src/core/email.c -- $(pkg-config --libs libsodium)
target fuzz_feed src/core/feed.c
target fuzz_csvread src/core/csvread.c
echo "RESULT $passed $failed"
[ "$failed" -eq 0 ]
