#!/bin/sh
# make test runs every benchmark once at a small size, so that a benchmark the code has
# outgrown (a field renamed, a new required value) fails here rather than on the next
# `make bench`. Only the exit status counts: figures from a small run mean nothing.
# BENCH_SMOKE=1 asks each benchmark for its smallest meaningful run; the variables below
# are the sizes the older benchmarks already take.
set -u
failed=0
err=$(mktemp) || exit 1
for bench in "$@"; do
    name=$(basename "$bench")
    if BENCH_SMOKE=1 BENCH_REPORTS=50 BENCH_HUB_BATCHES=1 BENCH_HUB_ROUNDS=1 BENCH_HUB_WAVE=50 \
        BENCH_CASES=300 BENCH_ROUNDS=2 BENCH_CONSOLE_CASES=300 BENCH_CONSOLE_ROUNDS=2 \
        "$bench" >/dev/null 2>"$err"; then
        echo "bench-smoke: $name ok"
    else
        echo "bench-smoke: $name FAILED: $(tail -n 3 "$err")"
        failed=$((failed + 1))
    fi

done
rm -f "$err"
echo "bench-smoke: $(($# - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
