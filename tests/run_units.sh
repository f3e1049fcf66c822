#!/bin/sh
# Runs each cmocka unit test binary; exits non-zero if any fails.
#
#   sh tests/run_units.sh [--under COMMAND...  --] BIN...
#
# UNIT_JOBS binaries run at once (default 6); each one's output is printed whole, in the
# binaries' order. The binaries mostly wait, on real deadlines of seconds and on sockets
# (test_http_guard.c: 16 s, nearly all asleep): all of them one after another took 58 s of
# wall time for 13 s of CPU; 6 at once take about the longest one's time. With --under, each binary
# runs under COMMAND (tests/run_valgrind.sh: valgrind and its options).
set -u
jobs=${UNIT_JOBS:-6}
case "$jobs" in
    '' | *[!0-9]* | 0) echo "run_units: UNIT_JOBS must be a whole number of 1 or more" >&2
                       exit 2 ;;
esac
under=""
if [ "${1:-}" = "--under" ]; then
    shift
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        under="$under $1"
        shift
    done
    [ $# -gt 0 ] || { echo "run_units: --under COMMAND must end with --" >&2; exit 2; }
    shift
fi
results=$(mktemp -d) || exit 2
trap 'rm -rf "$results"' EXIT
for t in "$@"; do
    echo "$t"
done >"$results/list"
# One binary per sh: its output and exit status go to files named after it. COMMAND's words
# are split on purpose (valgrind's options hold no spaces).
# shellcheck disable=SC2016
xargs -P "$jobs" -n 1 sh -c '
    out="$0/$(basename "$2")"
    $1 "$2" >"$out.out" 2>&1
    echo $? >"$out.status"' "$results" "$under" <"$results/list"
status=0
while read -r t; do
    out="$results/$(basename "$t")"
    cat "$out.out"
    [ "$(cat "$out.status" 2>/dev/null)" = 0 ] || status=1
done <"$results/list"
exit $status
