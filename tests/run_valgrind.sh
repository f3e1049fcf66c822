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
# The binaries that take longest under valgrind start first, so that none of them starts
# last and runs alone on one core while the other waits: measured one by one (CPU seconds
# under valgrind, or natively for the Argon2id-bound ones), slowest first. A name no longer
# built is skipped; every other binary follows in its usual order.
LONGEST_FIRST="test_case_world test_storage_key test_district_key test_agency_key test_backup
    test_web test_console_list test_duplicates test_http_guard test_field_shown
    test_journal_check test_keywrap test_case_file test_merge_convergence test_console_export"
for name in $LONGEST_FIRST; do
    t="build/tests/$name"
    [ -f "$t" ] && [ -x "$t" ] && set -- "$@" "$t"
done
for t in build/tests/*; do
    case " $(echo $LONGEST_FIRST) " in
        *" $(basename "$t") "*) continue ;;
    esac
    [ -f "$t" ] && [ -x "$t" ] && set -- "$@" "$t"
done
UNIT_JOBS=$jobs exec sh tests/run_units.sh --under valgrind -q --error-exitcode=99 \
    --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect -- "$@"
