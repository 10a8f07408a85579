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

JOBS=${TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}

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

# Everything after the layering check runs as one pool of jobs, longest first, so that
# no phase waits for the slowest job of the one before and no long job starts
# last: the unit tests (the store suites each use their own temporary database;
# before, a phase of their own with its own slowest job at the end), the HTTP suites (tests/http/test_*.py, each against its own server on its own
# loopback port and temporary directory), the same store unit tests and the HTTP
# suites listed in tests/pg/suites again on PostgreSQL (issue 10 §3: a throwaway
# cluster, tests/pg/cluster.sh, initdb in a temporary directory, pg_ctl on a free
# loopback port, no system service, stopped and removed at the end; a suite that
# holds tests of SQLite itself marks them @sqlite_only; PG_TESTS=0 leaves them out),
# the fuzzers and the browser run in two halves (tests/e2e/run.mjs PART/2: two node
# processes, each with its own Chromium, servers and screenshot folder
# BUILD/screenshots/PART, side by side; one process was the longest job by far).  "Longest" is each job's
# time in the last run (OUT/<job>.secs; a first run guesses).  HTTP_JOBS (default two
# more than the cores) run at once: the browser run's two halves hold two slots from the
# start (they mostly wait: ~60 s of CPU each in ~150 s alone) and the suites keep the
# two of before.  The tallies are printed in the order of before once all have ended,
# then the pool's wall and CPU time and its fifteen longest jobs (OUT/jobs.txt has all:
# wall s, CPU s, job; the CPU of a job is that of every process it waited for).
# Debian's python3 (/usr/bin): it has python3-icalendar (scripts/deps.sh --test), which a
# python3 earlier on PATH (pyenv, a venv) may lack.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
export PY BUILD OUT
HTTP_JOBS=${HTTP_JOBS:-$((JOBS + 2))}
HTTP_SUITES=$(for f in tests/http/test_*.py; do n=$(basename "$f" .py); echo "${n#test_}"; done)
PG_UNITS=
PG_SUITES=
PG_UP=0
if [ "${PG_TESTS:-1}" != 0 ]; then
    if PGENV=$(sh tests/pg/cluster.sh start 2>"$OUT/pg-cluster.log"); then
        eval "$PGENV"
        # only the PostgreSQL jobs get it (the harness picks the engine by it)
        RUNALL_PG=$KNEAD_TEST_PG
        export RUNALL_PG
        unset KNEAD_TEST_PG
        trap 'sh tests/pg/cluster.sh stop "$KNEAD_PG_DIR"' EXIT
        PG_UP=1
        PG_UNITS=$(for t in "$BUILD"/test_store* "$BUILD"/test_svc_* "$BUILD"/test_sched_retry; do
            [ -f "$t" ] && [ -x "$t" ] && basename "$t"; done)
        PG_SUITES=$(grep -v '^#' tests/pg/suites | grep .)
        # One database migrated and seeded with the plain demo, once: every
        # harness Server that would seed it gets a copy instead (CREATE DATABASE
        # ... TEMPLATE; tests/http/harness.py PG_TEMPLATE).  Servers with no seed
        # (the tests of migrating from nothing), another demo or real hashing
        # still start from an empty database.  If it cannot be made, every
        # server migrates and seeds its own, as before.
        if KNEAD_TEST_PG=$RUNALL_PG "$PY" tests/http/harness.py --pg-template "$BUILD/knead" \
            knead_template >>"$OUT/pg-cluster.log" 2>&1; then
            KNEAD_TEST_PG_TEMPLATE=knead_template
            export KNEAD_TEST_PG_TEMPLATE
        else
            echo "note: no PostgreSQL template database (every server seeds its own):"
            tail -5 "$OUT/pg-cluster.log" | sed 's/^/    /'
        fi
    fi
fi
# The plain demo clinic in SQLite, seeded once: every harness Server that would seed it
# starts from a copy of this file instead (tests/http/harness.py SQLITE_TEMPLATE; the
# same rules as the PostgreSQL template above).
rm -f "$OUT/template.db"
if "$BUILD/knead" demo --db "$OUT/template.db" >"$OUT/template.log" 2>&1; then
    KNEAD_TEST_SQLITE_TEMPLATE=$(cd "$OUT" && pwd)/template.db
    export KNEAD_TEST_SQLITE_TEMPLATE
else
    echo "note: no SQLite template database (every server seeds its own):"
    tail -5 "$OUT/template.log" | sed 's/^/    /'
fi
rm -f "$OUT"/unit-*.rc "$OUT"/http-*.rc "$OUT"/pg-*.rc "$OUT"/fuzz.rc "$OUT"/e2e.rc "$OUT"/e2e-*.rc
touch "$OUT/run-all.start"
t_pool=$(date +%s)
UNITS=$(for t in "$BUILD"/test_*; do [ -f "$t" ] && [ -x "$t" ] && basename "$t"; done)
{
    for n in $UNITS; do echo "unit $n"; done
    for n in $HTTP_SUITES; do echo "http $n"; done
    for n in $PG_UNITS; do echo "pg-unit $n"; done
    for n in $PG_SUITES; do echo "pg-http $n"; done
    echo "fuzz fuzz"
    echo "e2e 1"
    echo "e2e 2"
} | while read -r kind n; do
    # the guess for a first run: the browser run is the longest, a PG unit test short
    case $kind in e2e) guess=200 ;; unit | pg-unit) guess=5 ;; *) guess=30 ;; esac
    secs=$(cat "$OUT/$kind-$n.secs" 2>/dev/null || echo "$guess")
    echo "$secs $kind $n"
done | sort -rn | cut -d' ' -f2- | xargs -P "$HTTP_JOBS" -n 2 sh -c '
    kind=$0 n=$1 t0=$(date +%s)
    case $kind in
    unit) CMOCKA_MESSAGE_OUTPUT=TAP "$BUILD/$n" >"$OUT/$n.log" 2>&1
          echo $? >"$OUT/unit-$n.rc" ;;
    http) "$PY" "tests/http/test_$n.py" "$BUILD/knead" >"$OUT/http-$n.log" 2>&1
          echo $? >"$OUT/http-$n.rc" ;;
    pg-unit) KNEAD_TEST_PG=$RUNALL_PG CMOCKA_MESSAGE_OUTPUT=TAP "$BUILD/$n" >"$OUT/pg-$n.log" 2>&1
          echo $? >"$OUT/pg-unit-$n.rc" ;;
    pg-http) KNEAD_TEST_PG=$RUNALL_PG "$PY" "tests/http/test_$n.py" "$BUILD/knead" >"$OUT/pg-http-$n.log" 2>&1
          echo $? >"$OUT/pg-http-$n.rc" ;;
    fuzz) sh tests/fuzz/run.sh "$BUILD/fuzz" "${FUZZ_SECONDS:-}" >"$OUT/fuzz.log" 2>&1
          echo $? >"$OUT/fuzz.rc" ;;
    e2e) node tests/e2e/run.mjs "$BUILD/knead" "$BUILD/screenshots/$n" "$n/2" >"$OUT/e2e-$n.log" 2>&1
          echo $? >"$OUT/e2e-$n.rc" ;;
    esac
    echo $(($(date +%s) - t0)) >"$OUT/$kind-$n.secs"
    # the CPU seconds (user + system) of the job and every process it waited for
    # (its servers, `knead debug sql`, the browser; not the PostgreSQL cluster)
    # (the builtin `times` into a file: in a pipe it would run in a subshell of its own)
    times >"$OUT/$kind-$n.times"
    awk "NR == 2 { split(\$1, u, /m|s/); split(\$2, s, /m|s/);
        printf \"%.1f\\n\", u[1] * 60 + u[2] + s[1] * 60 + s[2] }" "$OUT/$kind-$n.times" >"$OUT/$kind-$n.cpu"
    rm -f "$OUT/$kind-$n.times"'
# the cluster's CPU seconds (the postmaster and every backend it reaped), before it stops
PG_CPU=
if [ "$PG_UP" = 1 ]; then
    PG_CPU=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($14 + $15 + $16 + $17) / hz }' \
        "/proc/$(head -1 "$KNEAD_PG_DIR/data/postmaster.pid")/stat" 2>/dev/null)
    sh tests/pg/cluster.sh stop "$KNEAD_PG_DIR" && trap - EXIT
fi

tally_http() { # name logfile rcfile
    rc=$(cat "$3" 2>/dev/null || echo 1)
    line=$(grep -E '^RESULT [0-9]+ [0-9]+$' "$2" 2>/dev/null | tail -1)
    p=$(echo "${line:-RESULT 0 0}" | cut -d' ' -f2)
    f=$(echo "${line:-RESULT 0 0}" | cut -d' ' -f3)
    [ "$f" -gt 0 ] || [ "$rc" -ne 0 ] && sed 's/^/    /' "$2" | tail -60
    tally "$1" "$rc" "$p" "$f"
}
# A unit test's TAP log: a skip (a test of the other engine only) is no failure.
tally_unit() { # name logfile rcfile
    rc=$(cat "$3" 2>/dev/null || echo 1)
    p=$(grep -c '^ok ' "$2")
    f=$(grep '^not ok ' "$2" | grep -vc '# SKIP')
    [ "$f" -gt 0 ] || [ "$rc" -ne 0 ] && sed 's/^/    /' "$2" | grep -v '^    ok ' | tail -40
    tally "$1" "$rc" "$p" "$f"
}
for t in "$BUILD"/test_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    name=$(basename "$t")
    tally_unit "unit/$name" "$OUT/$name.log" "$OUT/unit-$name.rc"
done
for n in $HTTP_SUITES; do
    tally_http "http-$n" "$OUT/http-$n.log" "$OUT/http-$n.rc"
done
if [ "${PG_TESTS:-1}" != 0 ] && [ "$PG_UP" = 0 ]; then
    sed 's/^/    /' "$OUT/pg-cluster.log"
    tally "pg/cluster" 1 0 1
fi
for name in $PG_UNITS; do
    tally_unit "pg/unit/$name" "$OUT/pg-$name.log" "$OUT/pg-unit-$name.rc"
done
for n in $PG_SUITES; do
    tally_http "pg/http-$n" "$OUT/pg-http-$n.log" "$OUT/pg-http-$n.rc"
done
tally_http fuzz "$OUT/fuzz.log" "$OUT/fuzz.rc"
tally_http e2e/1 "$OUT/e2e-1.log" "$OUT/e2e-1.rc"
tally_http e2e/2 "$OUT/e2e-2.log" "$OUT/e2e-2.rc"

# Where the time went: the pool's wall time, the CPU its jobs used (a quiet machine
# with this many cores needs at least CPU / cores of wall), and the fifteen longest jobs.
t_end=$(date +%s)
{
    for f in "$OUT"/*.secs; do
        j=$(basename "$f" .secs)
        [ -f "$OUT/$j.cpu" ] && [ "$f" -nt "$OUT/run-all.start" ] && echo "$(cat "$f") $(cat "$OUT/$j.cpu") $j"
    done
} | sort -rn >"$OUT/jobs.txt"
awk -v wall=$((t_end - t_pool)) -v cores="$JOBS" '{ cpu += $2; n++ }
    END { printf "pool: %d jobs, %d s wall, %.0f s CPU (%.2f of %d cores busy; CPU / cores = %.0f s)\n",
          n, wall, cpu, wall ? cpu / wall : 0, cores, cpu / cores }' "$OUT/jobs.txt"
[ -n "$PG_CPU" ] && echo "the PostgreSQL cluster: $PG_CPU s CPU (postmaster and backends; not in the jobs' CPU)"
echo "longest jobs (wall s, CPU s):"
head -15 "$OUT/jobs.txt" | awk '{ printf "  %5d %7.1f  %s\n", $1, $2, $3 }'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
