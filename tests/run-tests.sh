#!/bin/sh
# Runs every test binary (unit tests first, integration last) from the repo
# root and ends with one summary line "N passed, N failed".
# usage: tests/run-tests.sh BUILD_DIR
set -u
build=${1:-build}
passed=0
failed=0
failed_names=""
for t in $(ls "$build"/tests/test_* 2>/dev/null | grep -v integration) "$build"/tests/test_integration; do
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
