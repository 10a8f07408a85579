#!/bin/sh
# Runs every suite — unit (cmocka), HTTP (real server on loopback) and browser
# (headless Chromium) — against the sanitizer build, then prints one line:
# "N passed, N failed".  Exits non-zero if anything failed.
set -u
BUILD=${1:-build-san}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT="$BUILD/test-logs"
mkdir -p "$OUT"
passed=0
failed=0

# New password hashes at libsodium's minimum cost: the test build honours this (see
# web/account.c; a release build refuses it), and the demo seeds and sign-ins of every
# suite then hash in microseconds.  Tests about hashing's real cost unset it.
export KNEAD_PWHASH=test
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# Adds the counts from a suite's log; a suite that crashed without counting
# anything counts as one failure.
tally() { # name exitcode passed failed
    p=$3; f=$4
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    printf '%-28s %4d passed, %d failed\n' "$1" "$p" "$f"
}

# The unit tests, side by side as well (the store suites each use their own temporary
# database); tallies in name order.
JOBS=${TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
rm -f "$OUT"/unit-*.rc
for t in "$BUILD"/test_*; do
    [ -f "$t" ] && [ -x "$t" ] && echo "$t"
done | xargs -P "$JOBS" -n 1 sh -c '
    n=$(basename "$1")
    CMOCKA_MESSAGE_OUTPUT=TAP "$1" >"$0/$n.log" 2>&1
    echo $? >"$0/unit-$n.rc"' "$OUT"
for t in "$BUILD"/test_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    name=$(basename "$t")
    rc=$(cat "$OUT/unit-$name.rc" 2>/dev/null || echo 1)
    p=$(grep -c '^ok ' "$OUT/$name.log")
    f=$(grep '^not ok ' "$OUT/$name.log" | grep -vc '# SKIP')  # a skip (PostgreSQL only) is no failure
    [ "$f" -gt 0 ] || [ "$rc" -ne 0 ] && sed 's/^/    /' "$OUT/$name.log" | grep -v '^    ok ' | tail -40
    tally "unit/$name" "$rc" "$p" "$f"
done

run_counted() { # name logfile command...
    name=$1; log=$2; shift 2
    "$@" >"$log" 2>&1
    rc=$?
    line=$(grep -E '^RESULT [0-9]+ [0-9]+$' "$log" | tail -1)
    p=$(echo "${line:-RESULT 0 0}" | cut -d' ' -f2)
    f=$(echo "${line:-RESULT 0 0}" | cut -d' ' -f3)
    [ "$f" -gt 0 ] || [ "$rc" -ne 0 ] && sed 's/^/    /' "$log" | tail -60
    tally "$name" "$rc" "$p" "$f"
}

# The layering of src/ (docs/ARCHITECTURE.md): no include cycle; svc/ and mail/
# include no web/ or http/ header, svc/ no mail/ one.
run_counted layers "$OUT/layers.log" python3 tests/layers/check_includes.py src

# The HTTP suites: every tests/http/test_*.py, each against its own server on its own
# loopback port and temporary directory, so they run side by side (TEST_JOBS at a time,
# default one per core); their tallies are printed in name order once all have ended.
# Debian's python3 (/usr/bin): it has python3-icalendar (scripts/deps.sh --test), which a
# python3 earlier on PATH (pyenv, a venv) may lack.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
rm -f "$OUT"/http-*.rc
ls tests/http/test_*.py | xargs -P "$JOBS" -n 1 sh -c '
    n=$(basename "$3" .py); n=${n#test_}
    "$0" "$3" "$1" >"$2/http-$n.log" 2>&1
    echo $? >"$2/http-$n.rc"' "$PY" "$BUILD/knead" "$OUT"
for suite in tests/http/test_*.py; do
    n=$(basename "$suite" .py); n=${n#test_}
    log="$OUT/http-$n.log"
    rc=$(cat "$OUT/http-$n.rc" 2>/dev/null || echo 1)
    line=$(grep -E '^RESULT [0-9]+ [0-9]+$' "$log" 2>/dev/null | tail -1)
    p=$(echo "${line:-RESULT 0 0}" | cut -d' ' -f2)
    f=$(echo "${line:-RESULT 0 0}" | cut -d' ' -f3)
    [ "$f" -gt 0 ] || [ "$rc" -ne 0 ] && sed 's/^/    /' "$log" | tail -60
    tally "http-$n" "$rc" "$p" "$f"
done

# The same store unit tests and HTTP suites again on PostgreSQL (issue 10 §3): a
# throwaway cluster (tests/pg/cluster.sh: initdb in a temporary directory, pg_ctl on a
# free loopback port, no system service), stopped and removed at the end.  The HTTP
# suites that run are those in tests/pg/suites (one name a line); a suite that holds
# tests of SQLite itself marks them @sqlite_only.  PG_TESTS=0 leaves the pass out.
if [ "${PG_TESTS:-1}" != 0 ]; then
    if PGENV=$(sh tests/pg/cluster.sh start 2>"$OUT/pg-cluster.log"); then
        eval "$PGENV"
        trap 'sh tests/pg/cluster.sh stop "$KNEAD_PG_DIR"' EXIT
        rm -f "$OUT"/pg-*.rc
        for t in "$BUILD"/test_store* "$BUILD"/test_svc_* "$BUILD"/test_sched_retry; do
            [ -f "$t" ] && [ -x "$t" ] && echo "$t"
        done | KNEAD_TEST_PG=$KNEAD_TEST_PG xargs -P "$JOBS" -n 1 sh -c '
            n=$(basename "$1")
            CMOCKA_MESSAGE_OUTPUT=TAP "$1" >"$0/pg-$n.log" 2>&1
            echo $? >"$0/pg-unit-$n.rc"' "$OUT"
        for t in "$BUILD"/test_store* "$BUILD"/test_svc_* "$BUILD"/test_sched_retry; do
            [ -f "$t" ] && [ -x "$t" ] || continue
            name=$(basename "$t")
            rc=$(cat "$OUT/pg-unit-$name.rc" 2>/dev/null || echo 1)
            p=$(grep -c '^ok ' "$OUT/pg-$name.log")
            f=$(grep '^not ok ' "$OUT/pg-$name.log" | grep -vc '# SKIP')  # a skip (SQLite only) is no failure
            [ "$f" -gt 0 ] || [ "$rc" -ne 0 ] && sed 's/^/    /' "$OUT/pg-$name.log" | grep -v '^    ok ' | tail -40
            tally "pg/unit/$name" "$rc" "$p" "$f"
        done
        grep -v '^#' tests/pg/suites | grep . | KNEAD_TEST_PG=$KNEAD_TEST_PG xargs -P "$JOBS" -n 1 sh -c '
            "$0" "tests/http/test_$3.py" "$1" >"$2/pg-http-$3.log" 2>&1
            echo $? >"$2/pg-http-$3.rc"' "$PY" "$BUILD/knead" "$OUT"
        for n in $(grep -v '^#' tests/pg/suites | grep .); do
            log="$OUT/pg-http-$n.log"
            rc=$(cat "$OUT/pg-http-$n.rc" 2>/dev/null || echo 1)
            line=$(grep -E '^RESULT [0-9]+ [0-9]+$' "$log" 2>/dev/null | tail -1)
            p=$(echo "${line:-RESULT 0 0}" | cut -d' ' -f2)
            f=$(echo "${line:-RESULT 0 0}" | cut -d' ' -f3)
            [ "$f" -gt 0 ] || [ "$rc" -ne 0 ] && sed 's/^/    /' "$log" | tail -60
            tally "pg/http-$n" "$rc" "$p" "$f"
        done
        sh tests/pg/cluster.sh stop "$KNEAD_PG_DIR"
        trap - EXIT
    else
        sed 's/^/    /' "$OUT/pg-cluster.log"
        tally "pg/cluster" 1 0 1
    fi
fi

run_counted fuzz "$OUT/fuzz.log" sh tests/fuzz/run.sh "$BUILD/fuzz" "${FUZZ_SECONDS:-15}"
run_counted e2e "$OUT/e2e.log" node tests/e2e/run.mjs "$BUILD/knead" "$BUILD/screenshots"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
