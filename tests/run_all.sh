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

# Adds the test counts a stage's log reports (cmocka's, pytest's, the fuzz and bench
# runners'; tests/count_tests.awk says which lines) to the totals.
count() {
    set -- $(awk -f tests/count_tests.awk "$1")
    passed=$((passed + $1))
    failed=$((failed + $2))
}

stage() {
    name=$1
    shift
    echo "== $name"
    log="$LOG_DIR/$name.log"
    started=$(date +%s)
    "$@" >"$log" 2>&1
    rc=$?
    took=$(($(date +%s) - started))
    case "$name" in
        build*) ;;
        *) count "$log" ;;
    esac
    if [ $rc -ne 0 ]; then
        tail -n 60 "$log"
        # A long assertion message can push the failing test's name out of the tail.
        grep -E '^(FAILED|ERROR) ' "$log" | cut -c1-300
        echo "== $name: FAILED (exit $rc, $took s, full log: $log)"
        stages_failed="$stages_failed $name"
        [ "$name" = "build" ] && { echo "tests: 0 passed, 1 failed"; exit 1; }
        # A stage that failed without any test result still counts as one failure.
        grep -qE 'FAILED|failed|error' "$log" || failed=$((failed + 1))
    else
        grep -E '^\[  PASSED  \]|passed|fuzz:' "$log" | tail -n 8
        echo "== $name: $took s"
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
