#!/bin/sh
# Runs the test programs from the repo root, unit tests (tests/unit) first, then
# integration tests (tests/integration), each under a time limit; prints cmocka's
# test counts and ends with "N passed, N failed" counting test programs.
# usage: tests/run-tests.sh BUILD_DIR [all|unit|integration]
# Environment: TEST_TIMEOUT, seconds a program may run (default 600).
set -u
build=${1:-build}
which=${2:-all}
limit=${TEST_TIMEOUT:-600}
case $which in
all) dirs="tests/unit tests/integration" ;;
unit|integration) dirs=tests/$which ;;
*) echo "usage: tests/run-tests.sh BUILD_DIR [all|unit|integration]" >&2; exit 2 ;;
esac

logs=$(mktemp -d "${TMPDIR:-/tmp}/ipcbench-tests-XXXXXX") || exit 2
pid=""
# Ctrl-C or a kill stops the running program too (timeout passes the signal on
# to its process group), not only this script.
trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; rm -rf "$logs"; exit 130' INT TERM
trap 'rm -rf "$logs"' EXIT

# cmocka's summary lines, summed: "[  PASSED  ] N test(s)." "[  FAILED  ] N test(s), ..."
count() {
    sed -n "s/^\[  $1  \] \([0-9][0-9]*\) test(s).*/\1/p" "$2" | awk '{ n += $1 } END { print n + 0 }'
}

passed=0 failed=0 failed_names="" cases_passed=0 cases_failed=0 uncounted=0
for src in $(for d in $dirs; do ls "$d"/test_*.c 2>/dev/null; done); do
    name=$(basename "$src" .c)
    t=$build/tests/$name
    echo "=== $name"
    start=$(date +%s)
    : > "$logs/$name.log"
    if [ ! -x "$t" ]; then
        echo "$t: not built"
        status=127
    else
        # The program writes to a file that tail shows as it grows: a process
        # it leaves behind cannot hold a pipe open and stall the run.
        IPCB_BUILD="$build" timeout -k 10 "$limit" "$t" > "$logs/$name.log" 2>&1 &
        pid=$!
        tail -n +1 -s 0.2 -f --pid="$pid" "$logs/$name.log"
        wait "$pid"
        status=$?
        pid=""
    fi
    cp=$(count PASSED "$logs/$name.log")
    cf=$(count FAILED "$logs/$name.log")
    cases_passed=$((cases_passed + cp))
    cases_failed=$((cases_failed + cf))
    grep -Eq '^\[  (PASSED|FAILED)  \] [0-9]+ test\(s\)' "$logs/$name.log" || uncounted=$((uncounted + 1))
    secs=$(($(date +%s) - start))
    if [ "$status" -eq 0 ]; then
        passed=$((passed + 1))
        echo "--- $name: passed ($cp tests passed, $cf failed, ${secs} s)"
    else
        failed=$((failed + 1))
        failed_names="$failed_names $name"
        why="exit status $status"
        [ "$status" -eq 124 ] || { [ "$status" -eq 137 ] && [ "$secs" -ge "$limit" ]; } \
            && why="timed out after $limit s"
        [ ! -x "$t" ] && why="not built"
        echo "--- $name: FAILED, $why ($cp tests passed, $cf failed, ${secs} s)"
    fi
done
echo
[ -n "$failed_names" ] && echo "failed test programs:$failed_names"
note=""
[ "$uncounted" -gt 0 ] && note=" ($uncounted programs printed no count)"
echo "tests: $cases_passed passed, $cases_failed failed$note"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
