#!/bin/sh
# Install the Debian packages Knead needs to build, run and test.
# Idempotent: asks apt only for what is missing. Runs as root, or through sudo.
set -eu

PKGS="build-essential pkg-config meson ninja-build python3 tzdata ca-certificates
libmicrohttpd-dev libsqlite3-dev sqlite3 libpq-dev libjansson-dev libmd4c-dev libmd4c-html0-dev
libsodium-dev libical-dev libcurl4-openssl-dev libinih-dev libcmocka-dev
libpwquality-dev cracklib-runtime zlib1g-dev"

case "${1:-}" in
    # python3-aiosmtpd: the SMTP server the HTTP tests send to (tests/http/mailcatch.py),
    # and a local one to watch the demo's e-mail (README).
    # python3-icalendar: tests/http/test_feeds.py parses every feed with it.
    # postgresql-15 (its server binaries, with btree_gist and citext): make test runs the
    # store and HTTP suites again against a throwaway cluster (tests/pg/cluster.sh; the
    # package's own service is not needed and may be disabled).
    # prometheus: its promtool checks /metrics in tests/http/test_metrics.py (19 MB download;
    # the package's own server is not needed and may be disabled).
    --test) PKGS="$PKGS postgresql-15 postgresql-client-15 chromium fonts-dejavu-core nodejs npm clang libclang-rt-14-dev python3-aiosmtpd
        python3-icalendar python3-psycopg2 prometheus" ;;
    # nginx: bench/pg.sh puts one nginx (its own config, in a temporary folder,
    # loopback only) in front of two app servers; the package's own service is not needed.
    --bench) PKGS="$PKGS wrk nginx postgresql-15 postgresql-client-15" ;;
    # sqlmap: tests/security/scan.sh (README, Abuse and hardening); not for make test.
    --security) PKGS="$PKGS sqlmap" ;;
esac

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        # node/npm may come from elsewhere than Debian; accept them if present
        case "$p" in
            nodejs) command -v node >/dev/null 2>&1 && continue ;;
            npm) command -v npm >/dev/null 2>&1 && continue ;;
        esac
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
SUDO=""
if [ "$(id -u)" != "0" ]; then
    command -v sudo >/dev/null 2>&1 || { echo "deps: need root or sudo to install:$missing" >&2; exit 1; }
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
