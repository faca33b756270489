#!/bin/sh
# Runs every test program from the repo root: unit tests first, then the
# integration tests (test_integration*), and ends with "N passed, N failed"
# counting test programs. usage: tests/run-tests.sh BUILD_DIR
set -u
build=${1:-build}
passed=0
failed=0
failed_names=""
units=$(ls "$build"/tests/test_* 2>/dev/null | grep -v '/test_integration')
integration=$(ls "$build"/tests/test_integration* 2>/dev/null)
for t in $units $integration; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    echo "=== $name"
    if IPCB_BUILD="$build" "$t"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failed_names="$failed_names $name"
    fi
done
echo
[ -n "$failed_names" ] && echo "failed test programs:$failed_names"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
