#!/bin/sh
# Runs every unit test binary (the gcc build) under valgrind: any leak or memory error fails.
# VALGRIND_JOBS binaries run at once (default 2, one per core here: valgrind runs all of a
# program's threads on one core); each one's output is printed whole, in the binaries' order.
set -u
cd "$(dirname "$0")/.."
jobs=${VALGRIND_JOBS:-2}
case "$jobs" in
    '' | *[!0-9]* | 0) echo "run_valgrind: VALGRIND_JOBS must be a whole number of 1 or more" >&2
                       exit 2 ;;
esac
results=$(mktemp -d) || exit 2
trap 'rm -rf "$results"' EXIT
for t in build/tests/*; do
    [ -f "$t" ] && [ -x "$t" ] && echo "$t"
done >"$results/list"
# One binary per sh: its output and exit status go to files named after it.
# shellcheck disable=SC2016
xargs -P "$jobs" -n 1 sh -c '
    out="$0/$(basename "$1")"
    valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect "$1" >"$out.out" 2>&1
    echo $? >"$out.status"' "$results" <"$results/list"
status=0
while read -r t; do
    out="$results/$(basename "$t")"
    cat "$out.out"
    [ "$(cat "$out.status" 2>/dev/null)" = 0 ] || status=1
done <"$results/list"
exit $status
