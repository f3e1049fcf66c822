#!/bin/sh
# Installs the CouchDB anchor of bench_sync_anchor.py (make bench, make bench-smoke): the npm
# packages pinned by package.json and package-lock.json beside this script, by `npm ci` into
# DEST/node_modules (make uses build/couch-anchor), never into the source tree. Install
# scripts are not run (--ignore-scripts): the anchor is pure JavaScript, nothing is compiled.
# The install is bounded: NPM_CI_TIMEOUT_S seconds (default 300; 43 s to 90 s were seen from
# npm's registry). Does nothing when DEST already holds this lock file's install.
# Usage: sh tests/bench/couch_anchor/npm_ci.sh DEST
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "npm_ci.sh: usage: npm_ci.sh DEST" >&2; exit 2; }
dest=$1
limit=${NPM_CI_TIMEOUT_S:-300}
# Written only after an install succeeded: an interrupted one is redone.
done_mark="$dest/installed-package-lock.json"
cmp -s "$here/package-lock.json" "$done_mark" 2>/dev/null && exit 0
if ! command -v npm >/dev/null 2>&1; then
    echo "couch-anchor: error: no npm; install it with: make deps" >&2
    exit 1
fi
mkdir -p "$dest"
rm -f "$done_mark"
cp "$here/package.json" "$here/package-lock.json" "$dest/"
echo "couch-anchor: npm ci into $dest (at most $limit s)"
started=$(date +%s)
if ! (cd "$dest" && timeout "$limit" npm ci --ignore-scripts --no-audit --no-fund \
    --loglevel=error >npm-ci.log 2>&1); then
    tail -n 5 "$dest/npm-ci.log" >&2
    echo "couch-anchor: error: npm ci failed or took over $limit s (log: $dest/npm-ci.log);" \
        "check that npm's registry is reachable, then run the make target again" >&2
    exit 1
fi
cp "$here/package-lock.json" "$done_mark"
echo "couch-anchor: installed in $(($(date +%s) - started)) s"
