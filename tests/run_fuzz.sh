#!/bin/sh
# Runs libFuzzer targets for a fixed time each, starting from their committed seeds.
#
#   sh tests/run_fuzz.sh SECONDS BIN...
#
# BIN is a target built by the Makefile as BUILD/fuzz/NAME; its seeds are
# tests/fuzz/corpus/NAME/. The seeds are copied to BUILD/fuzz-work/NAME/corpus first, because
# libFuzzer adds every new interesting input to its corpus directory and a run must never
# change the repository. A crashing input is kept in BUILD/fuzz-artifacts/ and the full log
# in BUILD/fuzz-work/NAME/log. Prints one line per target, then "fuzz: P passed, F failed";
# exits non-zero when any target crashed, leaked or could not run.
set -u

if [ $# -lt 2 ]; then
    echo "usage: sh tests/run_fuzz.sh SECONDS BIN..." >&2
    exit 2
fi
seconds=$1
shift
case "$seconds" in
    '' | *[!0-9]*) echo "run_fuzz: SECONDS must be a whole number, got \"$seconds\"" >&2; exit 2 ;;
esac

# Targets named relative to where we were called from stay valid after moving to the root.
for bin in "$@"; do
    case "$bin" in
        /*) ;;
        *) bin="$PWD/$bin" ;;
    esac
    set -- "$@" "$bin"
    shift
done
root=$(cd "$(dirname "$0")/.." && pwd) || exit 2
cd "$root" || exit 2
passed=0
failed=0

# The longest input worth trying per target. A target may say in tests/fuzz/NAME.options
# (OSS-Fuzz style, a line "max_len = N"); otherwise validation tries plain values up to
# 4 KiB (the target itself builds values around each field's length limit, see
# fuzz_validate.c), the id parsers a full id or three 8-byte clock values and some slack,
# and anything else libFuzzer's default of 4 KiB.
max_len_for() {
    options="tests/fuzz/$1.options"
    if [ -f "$options" ]; then
        n=$(sed -n 's/^[[:space:]]*max_len[[:space:]]*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$options")
        [ -n "$n" ] && { echo "$n"; return; }
    fi
    case "$1" in
        fuzz_validate) echo 4096 ;;
        fuzz_id) echo 64 ;;
        *) echo 4096 ;;
    esac
}

# "Done 123456 runs in 10 second(s)" is libFuzzer's last line on a clean finish.
runs_in() {
    sed -n 's/^Done \([0-9][0-9]*\) runs in.*/\1/p' "$1" | tail -n 1
}

run_target() {
    bin=$1
    name=$(basename "$bin")
    build_dir=$(dirname "$(dirname "$bin")")
    work="$build_dir/fuzz-work/$name"
    artifacts="$build_dir/fuzz-artifacts"
    seeds="tests/fuzz/corpus/$name"
    if [ ! -x "$bin" ]; then
        echo "fuzz: $name FAILED (no executable $bin; build it with make fuzz)"
        return 1
    fi
    rm -rf "$work"
    mkdir -p "$work/corpus" "$artifacts" || return 1
    if [ -d "$seeds" ]; then
        cp "$seeds"/* "$work/corpus/" 2>/dev/null
    fi
    # A dictionary of tokens, when the target has one, speeds up finding structured inputs.
    dict=""
    [ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
    # -timeout: one input taking over 10 s is a hang and counts as a failure.
    "$bin" "$work/corpus" \
        -max_total_time="$seconds" \
        -max_len="$(max_len_for "$name")" \
        -timeout=10 \
        -rss_limit_mb=2048 \
        -print_final_stats=1 \
        ${dict:+"$dict"} \
        -artifact_prefix="$artifacts/$name-" \
        >"$work/log" 2>&1
    rc=$?
    runs=$(runs_in "$work/log")
    if [ $rc -eq 0 ] && [ -n "$runs" ]; then
        echo "fuzz: $name ok ($runs runs)"
        return 0
    fi
    echo "fuzz: $name FAILED (exit $rc); log: $work/log"
    # The sanitizer's verdict, the top of the first stack and the saved input name the
    # bug; the rest of the log is progress noise.
    awk '/ERROR: |SUMMARY: |runtime error|Test unit written to/ { print; next }
         /^ +#[0-9]+ / && frames < 6 { print; frames++ }' "$work/log"
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/log" | tail -n 1)
    [ -n "$artifact" ] && echo "fuzz: reproduce with: $bin $artifact"
    return 1
}

# FUZZ_JOBS targets run at once (default 2, one per core here); their lines are printed in
# the order the targets were given.
jobs=${FUZZ_JOBS:-2}
case "$jobs" in
    '' | *[!0-9]* | 0) echo "run_fuzz: FUZZ_JOBS must be a whole number of 1 or more" >&2; exit 2 ;;
esac
results=$(mktemp -d) || exit 2
trap 'rm -rf "$results"' EXIT
i=0
for bin in "$@"; do
    (
        if run_target "$bin" >"$results/$i.out"; then
            echo ok >"$results/$i.status"
        else
            echo failed >"$results/$i.status"
        fi
    ) &
    i=$((i + 1))
    [ $((i % jobs)) -eq 0 ] && wait
done
wait
n=0
while [ $n -lt $i ]; do
    cat "$results/$n.out"
    if [ "$(cat "$results/$n.status" 2>/dev/null)" = ok ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
    n=$((n + 1))
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
