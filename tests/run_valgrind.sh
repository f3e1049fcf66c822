#!/bin/sh
# Runs every unit test binary (the gcc build) under valgrind: any leak or memory error fails.
set -u
cd "$(dirname "$0")/.."
status=0
for t in build/tests/*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect "$t" || status=1
done
exit $status
