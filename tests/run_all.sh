#!/bin/sh
# make test: builds with gcc, runs the unit tests, runs them again built by clang under
# AddressSanitizer + UndefinedBehaviorSanitizer and under valgrind, runs the end-to-end
# tests against the real binary, then each fuzz target briefly and each benchmark at a
# small size. Ends with one summary line
# and a non-zero exit status when anything failed.
#
# The stages that do not mind load run beside the end-to-end tests' parallel part, whose
# tests leave the cores idle part of the time (waits on browsers, on daemons' rounds, one
# 125 s idle): the unit runs (gcc, sanitizer, valgrind: they already run four binaries at a
# time on two cores), the fuzz targets' build and the benchmarks' small runs (their figures
# are not read here). The serial end-to-end tests and the fuzz runs (10 s each: load would
# cut their executions) start only once all of those have ended, so nothing runs beside
# them. Each stage keeps its log and its line, printed in the usual order; a stage's time is
# the wall time of its own parts, which may overlap another stage's.
set -u
cd "$(dirname "$0")/.."
LOG_DIR=build/test-logs
mkdir -p "$LOG_DIR"
passed=0
failed=0
stages_failed=""
JOBS=${JOBS:-2}
# How much lower the stages beside the parallel part run (nice), so that the end-to-end
# tests, whose waits have deadlines, get the cores first when both want them.
BESIDE_NICE=${BESIDE_NICE:-10}
state=$(mktemp -d) || exit 2
trap 'rm -rf "$state"' EXIT

# Adds the test counts a stage's log reports (cmocka's, pytest's, the fuzz and bench
# runners'; tests/count_tests.awk says which lines) to the totals.
count() {
    set -- $(awk -f tests/count_tests.awk "$1")
    passed=$((passed + $1))
    failed=$((failed + $2))
}

# Runs a stage's command, its output appended to its log; records its exit status and the
# seconds it took (added to those of an earlier part of the same stage).
run_part() {
    name=$1
    shift
    part_started=$(date +%s)
    "$@" >>"$LOG_DIR/$name.log" 2>&1
    part_rc=$?
    took=$(($(date +%s) - part_started + $(cat "$state/$name.took" 2>/dev/null || echo 0)))
    echo "$took" >"$state/$name.took"
    [ "$part_rc" -ne 0 ] || part_rc=$(cat "$state/$name.rc" 2>/dev/null || echo 0)
    echo "$part_rc" >"$state/$name.rc"
}

# A new log for a stage, and its heading.
begin() {
    echo "== $1"
    : >"$LOG_DIR/$1.log"
}

# Prints a stage's result and counts its tests, once all its parts have run.
report() {
    name=$1
    log="$LOG_DIR/$name.log"
    rc=$(cat "$state/$name.rc")
    took=$(cat "$state/$name.took")
    case "$name" in
        build*) ;;
        *) count "$log" ;;
    esac
    if [ "$rc" -ne 0 ]; then
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

stage() {
    begin "$1"
    run_part "$@"
    report "$1"
}

# A stage run beside the parallel part, in the background, its command at lower priority;
# its log is begun here unless a part of it ran already.
beside() {
    name=$1
    shift
    [ -f "$state/$name.took" ] || : >"$LOG_DIR/$name.log"
    (run_part "$name" nice -n "$BESIDE_NICE" "$@") &
}

stage build make -j"$JOBS" all
# First what the stages beside need and must not wait for behind load: the unit tests'
# binaries (valgrind runs them) and the CouchDB anchor's npm install for bench-smoke (it
# mostly waits on npm's registry, with a 300 s bound that a niced install beside the rest
# overran once).
: >"$LOG_DIR/unit.log"
run_part unit make -j"$JOBS" unit-build
: >"$LOG_DIR/bench-smoke.log"
run_part bench-smoke make bench-anchor

echo "== unit, unit-sanitize, unit-valgrind, fuzz (its build) and bench-smoke beside e2e's parallel part"
beside unit make -j"$JOBS" unit
beside unit-sanitize make -j"$JOBS" unit-sanitize
beside unit-valgrind sh tests/run_valgrind.sh
beside fuzz make -j"$JOBS" fuzz-build
beside bench-smoke make -j"$JOBS" bench-smoke
: >"$LOG_DIR/e2e.log"
run_part e2e make e2e-parallel
wait
for name in unit unit-sanitize unit-valgrind; do
    echo "== $name"
    report "$name"
done
echo "== e2e"
run_part e2e make e2e-serial
report e2e
echo "== fuzz"
run_part fuzz make -j"$JOBS" fuzz-smoke
report fuzz
echo "== bench-smoke"
report bench-smoke

echo
if [ -n "$stages_failed" ]; then
    echo "failed stages:$stages_failed"
    echo "tests: $passed passed, $failed failed"
    exit 1
fi
echo "tests: $passed passed, $failed failed"
exit 0
