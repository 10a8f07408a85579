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

for t in "$BUILD"/test_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    name=$(basename "$t")
    CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$OUT/$name.log" 2>&1
    rc=$?
    p=$(grep -c '^ok ' "$OUT/$name.log")
    f=$(grep -c '^not ok ' "$OUT/$name.log")
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

run_counted http "$OUT/http.log" python3 tests/http/test_http.py "$BUILD/knead"
run_counted http-api "$OUT/http-api.log" python3 tests/http/test_api.py "$BUILD/knead"
run_counted http-accounts "$OUT/http-accounts.log" python3 tests/http/test_accounts.py "$BUILD/knead"
run_counted http-pages-booking "$OUT/http-pages-booking.log" python3 tests/http/test_pages_booking.py "$BUILD/knead"
run_counted http-admin "$OUT/http-admin.log" python3 tests/http/test_admin.py "$BUILD/knead"
run_counted http-desk "$OUT/http-desk.log" python3 tests/http/test_desk.py "$BUILD/knead"
run_counted http-hours "$OUT/http-hours.log" python3 tests/http/test_hours.py "$BUILD/knead"
run_counted http-articles "$OUT/http-articles.log" python3 tests/http/test_articles.py "$BUILD/knead"
run_counted http-rules "$OUT/http-rules.log" python3 tests/http/test_rules.py "$BUILD/knead"
run_counted http-audit "$OUT/http-audit.log" python3 tests/http/test_audit.py "$BUILD/knead"
run_counted http-intake "$OUT/http-intake.log" python3 tests/http/test_intake.py "$BUILD/knead"
run_counted http-referrals "$OUT/http-referrals.log" python3 tests/http/test_referrals.py "$BUILD/knead"
run_counted http-notes "$OUT/http-notes.log" python3 tests/http/test_notes.py "$BUILD/knead"
run_counted http-outbox "$OUT/http-outbox.log" python3 tests/http/test_outbox.py "$BUILD/knead"
# Debian's python3 (/usr/bin): it has python3-icalendar (scripts/deps.sh --test), which a
# python3 earlier on PATH (pyenv, a venv) may lack.
run_counted http-feeds "$OUT/http-feeds.log" /usr/bin/python3 tests/http/test_feeds.py "$BUILD/knead"
run_counted http-portal "$OUT/http-portal.log" python3 tests/http/test_portal.py "$BUILD/knead"
run_counted http-reminders "$OUT/http-reminders.log" python3 tests/http/test_reminders.py "$BUILD/knead"
run_counted http-waitlist "$OUT/http-waitlist.log" python3 tests/http/test_waitlist.py "$BUILD/knead"
run_counted http-abuse "$OUT/http-abuse.log" python3 tests/http/test_abuse.py "$BUILD/knead"
run_counted fuzz "$OUT/fuzz.log" sh tests/fuzz/run.sh "$BUILD/fuzz" "${FUZZ_SECONDS:-15}"
run_counted e2e "$OUT/e2e.log" node tests/e2e/run.mjs "$BUILD/knead" "$BUILD/screenshots"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
