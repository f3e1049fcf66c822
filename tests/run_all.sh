#!/bin/sh
# make test: builds with gcc, runs the unit tests, runs them again built by clang under
# AddressSanitizer + UndefinedBehaviorSanitizer and under valgrind, runs the end-to-end
# tests against the real binary, then each fuzz target briefly and each benchmark at a
# small size. Ends with one summary line
# and a non-zero exit status when anything failed.
set -u
cd "$(dirname "$0")/.."
LOG_DIR=build/test-logs
mkdir -p "$LOG_DIR"
passed=0
failed=0
stages_failed=""
JOBS=${JOBS:-2}

# Adds the test counts printed by cmocka ("[  PASSED  ] N test(s).") and pytest
# ("N passed, M failed") in a log to the totals.
count() {
    p=$(grep -hoE '^\[  PASSED  \] [0-9]+' "$1" | awk '{s+=$NF} END {print s+0}')
    f=$(grep -hoE '^\[  FAILED  \] [0-9]+' "$1" | awk '{s+=$NF} END {print s+0}')
    pp=$(grep -hoE '[0-9]+ passed' "$1" | tail -n 1 | awk '{print $1+0}')
    pf=$(grep -hoE '[0-9]+ (failed|error|errors)' "$1" | tail -n 1 | awk '{print $1+0}')
    passed=$((passed + p + ${pp:-0}))
    failed=$((failed + f + ${pf:-0}))
}

stage() {
    name=$1
    shift
    echo "== $name"
    log="$LOG_DIR/$name.log"
    "$@" >"$log" 2>&1
    rc=$?
    case "$name" in
        build*) ;;
        *) count "$log" ;;
    esac
    if [ $rc -ne 0 ]; then
        tail -n 60 "$log"
        # A long assertion message can push the failing test's name out of the tail.
        grep -E '^(FAILED|ERROR) ' "$log" | cut -c1-300
        echo "== $name: FAILED (exit $rc, full log: $log)"
        stages_failed="$stages_failed $name"
        [ "$name" = "build" ] && { echo "tests: 0 passed, 1 failed"; exit 1; }
        # A stage that failed without any test result still counts as one failure.
        grep -qE 'FAILED|failed|error' "$log" || failed=$((failed + 1))
    else
        grep -E '^\[  PASSED  \]|passed|fuzz:' "$log" | tail -n 8
    fi
}

stage build make -j"$JOBS" all
stage unit make -j"$JOBS" unit
stage unit-sanitize make -j"$JOBS" unit-sanitize
stage unit-valgrind sh tests/run_valgrind.sh
stage e2e make e2e
stage fuzz make -j"$JOBS" fuzz-smoke
stage bench-smoke make -j"$JOBS" bench-smoke

echo
if [ -n "$stages_failed" ]; then
    echo "failed stages:$stages_failed"
    echo "tests: $passed passed, $failed failed"
    exit 1
fi
echo "tests: $passed passed, $failed failed"
exit 0
