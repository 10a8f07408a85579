#!/bin/sh
# Runs Debian's sqlmap against a demo server on loopback and prints one line
# per target and a summary.  Not part of `make test`: it takes minutes and
# needs `sh scripts/deps.sh --security` (the sqlmap package).
#
# usage: sh tests/security/scan.sh [BUILD] [SECONDS_PER_TARGET]
#   BUILD               the build folder holding knead (default build-san)
#   SECONDS_PER_TARGET  the time bound of each sqlmap run (default 300)
#
# Every request goes to 127.0.0.1 only; each run is bounded in time, and the
# server and its scratch folder are removed at the end.  Exit status: 0 when
# no target was found injectable, 1 when one was, 2 when the scan could not
# run (no sqlmap, server did not start, a run timed out).
set -u
BUILD=${1:-build-san}
LIMIT=${2:-300}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

command -v sqlmap >/dev/null 2>&1 || {
    echo "scan: sqlmap is not installed (sh scripts/deps.sh --security)" >&2
    exit 2
}
[ -x "$BUILD/knead" ] || { echo "scan: no $BUILD/knead (build it first)" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/knead-scan.XXXXXX")
PID=
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# sqlmap sends thousands of requests from one address: the abuse limits
# would answer most of them 429 and hide what the queries do.  The sign-in
# throttle has no switch: the sign-in scan comes "through a proxy" with a
# random X-Forwarded-For on each request (sqlmap's xforwardedfor tamper).
printf '[server]\ntrusted_proxies = 127.0.0.1\n[limits]\nbookings_per_hour = 0\nwaitlist_per_hour = 0\n' \
    >"$TMP/scan.ini"
"$BUILD/knead" demo --db "$TMP/knead.db" >"$TMP/demo.log" 2>&1 || {
    echo "scan: knead demo failed:" >&2; cat "$TMP/demo.log" >&2; exit 2
}
"$BUILD/knead" serve --db "$TMP/knead.db" --config "$TMP/scan.ini" --listen 127.0.0.1:0 \
    --now 2026-11-24T09:00:00-09:00 --quiet 2>"$TMP/server.log" &
PID=$!
i=0
while ! grep -q 'on http://127.0.0.1:' "$TMP/server.log"; do
    i=$((i + 1))
    [ $i -lt 400 ] || { echo "scan: the server did not start:" >&2; cat "$TMP/server.log" >&2; exit 2; }
    kill -0 "$PID" 2>/dev/null || { echo "scan: the server exited:" >&2; cat "$TMP/server.log" >&2; exit 2; }
    sleep 0.05
done
PORT=$(sed -n 's/.*on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$TMP/server.log" | head -1)
BASE="http://127.0.0.1:$PORT"

found=0
failed=0
n=0
# scan NAME [sqlmap arguments...]: one bounded sqlmap run, one line of result.
scan() {
    name=$1
    shift
    n=$((n + 1))
    log="$TMP/sqlmap-$n.log"
    timeout "$LIMIT" sqlmap --batch --disable-coloring --level=2 --risk=1 \
        --output-dir="$TMP/sqlmap" --flush-session --answers="follow=N" "$@" >"$log" 2>&1
    rc=$?
    if grep -q 'sqlmap identified the following injection point' "$log"; then
        printf '%-44s INJECTABLE\n' "$name"
        grep -A6 'sqlmap identified the following injection point' "$log" | sed 's/^/    /'
        found=$((found + 1))
    elif [ "$rc" -eq 124 ]; then
        printf '%-44s timed out after %s s\n' "$name" "$LIMIT"
        failed=$((failed + 1))
    elif grep -qE 'do(es)? not (appear|seem) to be injectable' "$log"; then
        printf '%-44s not injectable\n' "$name"
    else
        printf '%-44s no verdict (sqlmap exit %d):\n' "$name" "$rc"
        grep -E '\[(CRITICAL|ERROR)\]' "$log" | tail -3 | sed 's/^/    /'
        failed=$((failed + 1))
    fi
}

# A real appointment, so that its manage link's page is a 200 to compare with.
TOKEN=$(python3 - "$PORT" <<'PY'
import http.client, json, sys
c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]), timeout=30)
c.request('POST', '/api/v1/appointments', json.dumps({
    'service': 'deep-tissue-60', 'therapist': 'any', 'start': '2026-11-27T10:00:00-09:00',
    'client': {'name': 'Scan Test', 'email': 'scan@example.com'}}),
    {'Content-Type': 'application/json'})
r = c.getresponse()
body = r.read()
print(json.loads(body)['manage_url'].rsplit('/', 1)[1] if r.status == 201 else '')
PY
)
[ -n "$TOKEN" ] || { echo "scan: could not book the appointment to scan" >&2; exit 2; }

echo "sqlmap $(dpkg-query -W -f='${Version}' sqlmap 2>/dev/null) against $BASE (at most $LIMIT s per target)"
scan "GET /api/v1/availability (query)" --threads=2 \
    -u "$BASE/api/v1/availability?service=deep-tissue-60&date=2026-11-25&therapist=maren-holt"
scan "GET /api/v1/next-available (query)" --threads=2 \
    -u "$BASE/api/v1/next-available?service=deep-tissue-60"
scan "GET /book (query)" --threads=2 \
    -u "$BASE/book?service=deep-tissue-60&therapist=any&date=2026-11-25"
scan "GET /articles/{slug} (path)" --threads=2 \
    -u "$BASE/articles/deep-tissue-massage-for-lower-back-pain*"
scan "GET /therapists/{id} (path)" --threads=2 -u "$BASE/therapists/maren-holt*"
scan "GET /a/{token} (path)" --threads=2 -u "$BASE/a/$TOKEN*"
# no feed exists without a staff session: every answer is the same 404
scan "GET /feeds/{token}.ics (path)" --threads=2 --ignore-code=404 \
    -u "$BASE/feeds/AAAAAAAAAAAAAAAAAAAAAA*.ics"
scan "POST /login (form, with its CSRF token)" -u "$BASE/login" \
    --data "csrf=x&email=someone%40example.com&password=not-the-password" \
    --csrf-token=csrf --csrf-url="$BASE/login" -p email,password --ignore-code=401 \
    --tamper=xforwardedfor
scan "POST /api/v1/appointments (JSON)" --threads=2 -u "$BASE/api/v1/appointments" \
    --data '{"service":"deep-tissue-60","therapist":"any","start":"2026-12-01T10:00:00-09:00","client":{"name":"Scan Test","email":"scan@example.com","phone":"907 555 0100"}}' \
    -H "Content-Type: application/json"

if grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$TMP/server.log"; then
    echo "the server reported a sanitizer error:"
    grep -E -A20 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$TMP/server.log" | head -40
    failed=$((failed + 1))
fi
echo "scan: $n targets, $found injectable, $failed without a verdict"
[ "$found" -eq 0 ] || exit 1
[ "$failed" -eq 0 ] || exit 2
exit 0
