#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a
# bounded time on a seed corpus.  Prints "RESULT passed failed".
# Usage: sh tests/fuzz/run.sh OUTDIR [SECONDS]
set -u
OUT=${1:-build-san/fuzz}
SECS=${2:-15}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
mkdir -p "$OUT"
CFLAGS="-g -O1 -std=gnu11 -D_GNU_SOURCE -DKNEAD_VERSION=\"fuzz\" -DKNEAD_SRCDIR=\"$ROOT\" -Isrc
 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
UTIL="src/util/mem.c src/util/sb.c src/util/arena.c src/util/num.c src/util/log.c src/util/utf8.c src/view/esc.c src/core/err.c src/util/errmsg.c"
passed=0; failed=0

target() { # name sources... -- libs...
    name=$1; shift
    srcs=""; libs=""
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do srcs="$srcs $1"; shift; done
    [ $# -gt 0 ] && shift && libs="$*"
    # shellcheck disable=SC2086
    if ! clang $CFLAGS tests/fuzz/$name.c $srcs $UTIL $libs -o "$OUT/$name" 2>"$OUT/$name.build.log"; then
        echo "fuzz $name: build failed"; cat "$OUT/$name.build.log"; failed=$((failed + 1)); return
    fi
    mkdir -p "$OUT/corpus-$name"
    case $name in
        fuzz_tz) cp /usr/share/zoneinfo/America/Anchorage /usr/share/zoneinfo/UTC "$OUT/corpus-$name/" ;;
        fuzz_tpl) cp templates/*.html "$OUT/corpus-$name/" ;;
        fuzz_mime) printf 'Booked: Zo\303\253\000Zo\303\253 "Z"\000Hello\r\n.dot\n=x \n' >"$OUT/corpus-$name/m" ;;
        fuzz_csvread) printf 'name,email\r\n"Lee, ""Jo""",jo@x\n\n"two\nlines",b' >"$OUT/corpus-$name/c" ;;
        fuzz_request) printf 'a=1&b=%%20x+y' >"$OUT/corpus-$name/q"; printf '/articles/caf%%C3%%A9' >"$OUT/corpus-$name/p" ;;
    esac
    if "$OUT/$name" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$OUT/$name-" "$OUT/corpus-$name" >"$OUT/$name.log" 2>&1; then
        echo "fuzz $name: ok ($(grep -o 'Done [0-9]* runs' "$OUT/$name.log"))"
        passed=$((passed + 1))
    else
        echo "fuzz $name: FAILED"; tail -40 "$OUT/$name.log"; failed=$((failed + 1))
    fi
}

target fuzz_request src/http/request.c -- $(pkg-config --libs libmicrohttpd jansson)
target fuzz_tz src/core/tz.c src/core/datetime.c
target fuzz_tpl src/view/tpl.c -- $(pkg-config --libs jansson)
target fuzz_avail src/core/avail.c src/core/tz.c src/core/datetime.c src/util/tzload.c src/util/fs.c
target fuzz_mime src/mail/mime.c src/core/datetime.c src/core/email.c -- $(pkg-config --libs libsodium)
target fuzz_feed src/core/feed.c
target fuzz_csvread src/core/csvread.c
echo "RESULT $passed $failed"
[ "$failed" -eq 0 ]
