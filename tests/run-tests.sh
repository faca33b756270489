#!/bin/sh
# Runs the test programs from the repo root, unit tests (tests/unit) first, then
# integration tests (tests/integration), each under a time limit, as many at a
# time as there are CPUs; prints each program's output when it ends, cmocka's
# test counts, and ends with "N passed, N failed" counting test programs.
# usage: tests/run-tests.sh BUILD_DIR [all|unit|integration]
# Environment: TEST_TIMEOUT, seconds a program may run (default 600);
# TEST_JOBS, programs run at once (default: the number of CPUs; 1 shows each
# program's output as it goes).
set -u
build=${1:-build}
which=${2:-all}
limit=${TEST_TIMEOUT:-600}
jobs=${TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
case $which in
all) dirs="tests/unit tests/integration" ;;
unit|integration) dirs=tests/$which ;;
*) echo "usage: tests/run-tests.sh BUILD_DIR [all|unit|integration]" >&2; exit 2 ;;
esac
case $jobs in ''|*[!0-9]*|0) echo "run-tests: TEST_JOBS must be a whole number from 1, not '$jobs'" >&2; exit 2 ;; esac

# Programs whose assertions rest on measured figures (a step found in a series
# of real runs, a paired verdict on a real slowdown) run with nothing beside
# them: another test program's load is not what they are about.
alone=" test_integration_history test_integration_compare "

logs=$(mktemp -d "${TMPDIR:-/tmp}/ipcbench-tests-XXXXXX") || exit 2
running=""
# Ctrl-C or a kill stops the running programs too (timeout passes the signal
# on to its process group), not only this script.
stop_all() {
    for prog in $running; do
        [ -s "$logs/$prog.pid" ] && kill -TERM "$(cat "$logs/$prog.pid")" 2>/dev/null
    done
    wait
    rm -rf "$logs"
    exit 130
}
trap stop_all INT TERM
trap 'rm -rf "$logs"' EXIT

# cmocka's summary lines, summed: "[  PASSED  ] N test(s)." "[  FAILED  ] N test(s), ..."
count() {
    sed -n "s/^\[  $1  \] \([0-9][0-9]*\) test(s).*/\1/p" "$2" | awk '{ n += $1 } END { print n + 0 }'
}

passed=0 failed=0 failed_names="" cases_passed=0 cases_failed=0 uncounted=0

# start NAME: the program starts in the background under timeout; its output
# goes to a file (a process it leaves behind cannot hold a pipe open and stall
# the run), timeout's pid to NAME.pid, its exit status to NAME.rc at the end.
start() {
    t=$build/tests/$1
    date +%s > "$logs/$1.start"
    : > "$logs/$1.log"
    : > "$logs/$1.pid"
    if [ ! -x "$t" ]; then
        echo "$t: not built" > "$logs/$1.log"
        date +%s > "$logs/$1.end"
        echo 127 > "$logs/$1.rc"
    else
        (
            IPCB_BUILD="$build" timeout -k 10 "$limit" "$t" > "$logs/$1.log" 2>&1 &
            echo $! > "$logs/$1.pid"
            wait $!
            status=$?
            date +%s > "$logs/$1.end"
            echo $status > "$logs/$1.rc.tmp" && mv "$logs/$1.rc.tmp" "$logs/$1.rc"
        ) &
    fi
    running="$running $1"
}

# finish NAME [shown]: once NAME.rc exists, prints the program's output (unless
# it was shown as it went) and its verdict, and counts it.
finish() {
    fname=$1
    while [ ! -e "$logs/$fname.rc" ]; do sleep 0.2; done
    status=$(cat "$logs/$fname.rc")
    running=$(echo "$running" | tr ' ' '\n' | grep -vx "$fname" | tr '\n' ' ')
    if [ "${2:-}" != shown ]; then
        echo "=== $fname"
        cat "$logs/$fname.log"
    fi
    cp=$(count PASSED "$logs/$fname.log")
    cf=$(count FAILED "$logs/$fname.log")
    cases_passed=$((cases_passed + cp))
    cases_failed=$((cases_failed + cf))
    grep -Eq '^\[  (PASSED|FAILED)  \] [0-9]+ test\(s\)' "$logs/$fname.log" || uncounted=$((uncounted + 1))
    secs=$(($(cat "$logs/$fname.end") - $(cat "$logs/$fname.start")))
    if [ "$status" -eq 0 ]; then
        passed=$((passed + 1))
        echo "--- $fname: passed ($cp tests passed, $cf failed, ${secs} s)"
    else
        failed=$((failed + 1))
        failed_names="$failed_names $fname"
        why="exit status $status"
        [ "$status" -eq 124 ] || { [ "$status" -eq 137 ] && [ "$secs" -ge "$limit" ]; } \
            && why="timed out after $limit s"
        [ "$status" -eq 127 ] && [ ! -x "$build/tests/$fname" ] && why="not built"
        echo "--- $fname: FAILED, $why ($cp tests passed, $cf failed, ${secs} s)"
    fi
}

# finish_one: waits until one of the running programs has ended and finishes it.
finish_one() {
    while :; do
        for cand in $running; do
            [ -e "$logs/$cand.rc" ] && { finish "$cand"; return; }
        done
        sleep 0.2
    done
}

for src in $(for d in $dirs; do ls "$d"/test_*.c 2>/dev/null; done); do
    prog=$(basename "$src" .c)
    case "$alone" in *" $prog "*) solo=1 ;; *) solo=$([ "$jobs" -eq 1 ] && echo 1 || echo 0) ;; esac
    if [ "$solo" -eq 1 ]; then
        # nothing beside it, and its output shown as it goes
        while [ -n "$(echo $running)" ]; do finish_one; done
        echo "=== $prog"
        start "$prog"
        while [ ! -s "$logs/$prog.pid" ] && [ ! -e "$logs/$prog.rc" ]; do sleep 0.05; done
        if [ -s "$logs/$prog.pid" ]; then
            tail -n +1 -s 0.2 -f --pid="$(cat "$logs/$prog.pid")" "$logs/$prog.log"
        else
            cat "$logs/$prog.log"
        fi
        finish "$prog" shown
        continue
    fi
    while [ "$(echo $running | wc -w)" -ge "$jobs" ]; do finish_one; done
    start "$prog"
done
while [ -n "$(echo $running)" ]; do finish_one; done

echo
[ -n "$failed_names" ] && echo "failed test programs:$failed_names"
note=""
[ "$uncounted" -gt 0 ] && note=" ($uncounted programs printed no count)"
echo "tests: $cases_passed passed, $cases_failed failed$note"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
