#!/bin/sh
# Runs every unit test binary (the gcc build) under valgrind: any leak or memory error fails.
# VALGRIND_JOBS binaries run at once (default 4: valgrind runs all of a program's threads on
# one core, so two keep the two cores here busy; the other two run while binaries wait on
# real deadlines and sockets, as test_http_guard does for most of its 16 s: 373 s with 2,
# 300 s with 4 in one measurement); each one's output is printed whole, in the binaries'
# order (tests/run_units.sh).
set -u
cd "$(dirname "$0")/.."
jobs=${VALGRIND_JOBS:-4}
case "$jobs" in
    '' | *[!0-9]* | 0) echo "run_valgrind: VALGRIND_JOBS must be a whole number of 1 or more" >&2
                       exit 2 ;;
esac
for t in build/tests/*; do
    [ -f "$t" ] && [ -x "$t" ] && set -- "$@" "$t"
done
UNIT_JOBS=$jobs exec sh tests/run_units.sh --under valgrind -q --error-exitcode=99 \
    --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect -- "$@"
