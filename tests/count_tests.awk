# Prints "PASSED FAILED", the test counts a stage's log reports (tests/run_all.sh adds them):
# - cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)..." per binary:
#   all are summed;
# - pytest ends each run with a summary such as "900 passed, 2 failed, 1 error in 512.34s";
#   make e2e runs pytest twice (the serial tests, then the rest over workers): all are summed;
# - the fuzz and bench-smoke runners end with "NAME: N passed, M failed": the last one counts,
#   and only when the log holds no pytest summary.
function sum_of(line, word,    total, rest, found) {
    total = 0
    rest = line
    while (match(rest, "[0-9]+ " word)) {
        found = substr(rest, RSTART, RLENGTH)
        total += found + 0
        rest = substr(rest, RSTART + RLENGTH)
    }
    return total
}
# A failed test's line may quote anything, a summary too.
/^(FAILED|ERROR) / { next }
/^\[  PASSED  \] [0-9]+/ { unit_passed += $4 }
/^\[  FAILED  \] [0-9]+/ { unit_failed += $4 }
/[0-9]+ (passed|failed|errors?|skipped|deselected)(,.*)? in [0-9.]+s/ {
    summaries++
    py_passed += sum_of($0, "passed")
    py_failed += sum_of($0, "failed") + sum_of($0, "errors?")
    next
}
/[0-9]+ passed/ { last_passed = sum_of($0, "passed"); last_failed = sum_of($0, "failed") }
END {
    if (!summaries) {
        py_passed = last_passed
        py_failed = last_failed
    }
    print unit_passed + py_passed, unit_failed + py_failed
}
