#!/bin/sh
# Installs the Debian packages Rumah SAE Sync needs to build and test, when missing.
# Does nothing when all are present. Run as root, or with sudo available. The tests check
# that every module a Python test imports comes from a package named here
# (tests/e2e/test_deps.py); git is here because tests/e2e/test_make.py clones the repository,
# iproute2 because tests/e2e/test_readme.py brings up loopback in a network namespace,
# python3-pytest-xdist because make e2e spreads the tests over workers (pytest -n), sqlite3
# and strace because bench_node_add.py (make bench-smoke) runs the sqlite3 program as its
# anchor and counts durable syncs with strace, nodejs and npm because bench_sync_anchor.py
# (make bench-smoke) runs its CouchDB anchor in Node.js, installed from npm's registry by
# tests/bench/couch_anchor/npm_ci.sh.
set -eu
PACKAGES="make git gcc clang libclang-rt-14-dev pkg-config valgrind
libsqlite3-dev libsodium-dev libjansson-dev libcmocka-dev
zlib1g-dev libprotobuf-c-dev protobuf-c-compiler
libmicrohttpd-dev libgnutls28-dev libcurl4-openssl-dev
python3 python3-pytest python3-pytest-xdist python3-nacl python3-protobuf python3-requests python3-urllib3
python3-cryptography python3-selenium chromium chromium-driver firefox-esr
protobuf-compiler faketime openssl iproute2 slowhttptest wrk testssl.sh sqlite3 strace
nodejs npm"

missing=""
for p in $PACKAGES; do
    # NodeSource's nodejs carries its own npm and conflicts with Debian's: its npm will do.
    if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then
        continue
    fi
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "deps: error: need root to install:$missing; run: apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done"
