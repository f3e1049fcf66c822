#!/bin/sh
# Runs each cmocka unit test binary; exits non-zero if any fails.
failed=0
for t in "$@"; do
    "$t" || failed=1
done
exit $failed
