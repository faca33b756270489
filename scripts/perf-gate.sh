#!/bin/sh
# perf-gate.sh: the CI performance gate behind `make perf-check` and
# `make baseline`.
#
#   scripts/perf-gate.sh check [BASELINE]   run the ci campaign, compare with
#                                           BASELINE (default results/baselines/ci)
#   scripts/perf-gate.sh baseline [DIR]     run the ci campaign RUNS times (default
#                                           3) and pool them into DIR/results.json
#                                           (`ipcbench merge`; default
#                                           results/baselines/ci)
#
# check: one campaign (repetitions interleaved at random across benchmarks, so
# each benchmark's repetitions sample the whole campaign's time, not one
# moment), compared on latency p50 and throughput with Holm's correction over
# the comparisons (compare --holm). A benchmark found slower
# (beyond the threshold and significant) must be slower again in a second run
# of the whole campaign: a passing load spike on a shared machine does not
# fail the build, a real regression does.
# Exit status: 0 pass, 1 regression (confirmed), 2 bad input or a failed run.
#
# Environment: BUILD (build), OUT (results), RUNS (3),
# CPU_LATENCY (hold: see below; keep),
# GATE_METRICS (p50,throughput), GATE_HOLM (1; 0 for plain p <= alpha),
# COMPARE_FLAGS (e.g. --threshold 15),
# RUN_FLAGS (extra options for every `ipcbench run`, e.g. a test-only fault),
# IPCBENCH (the binary; default $BUILD/ipcbench).
set -eu
cd "$(dirname "$0")/.."
build=${BUILD:-build}
bin=${IPCBENCH:-$build/ipcbench}
GATE_NAME=perf-gate
. scripts/gate-common.sh

[ -x "$bin" ] || { echo "perf-gate: $bin missing (run make)" >&2; exit 2; }

# shellcheck disable=SC2086
run() { run_ci "$bin" ${RUN_FLAGS:-}; }

check() {
    base=${1:-results/baselines/ci}
    [ -e "$base" ] || { echo "perf-gate: no baseline at $base (make baseline)" >&2; exit 2; }
    echo "perf-gate: running the ci campaign" >&2
    new=$(run)
    rc=0
    compare_into "$new/compare.txt" "$bin" "$base" "$new" || rc=$?
    [ "$rc" -eq 1 ] || return "$rc"

    # Confirm: the whole campaign once more (a subset run alone would run in
    # a quieter machine than the baseline did); a regression must be slower in
    # both runs, benchmark and metric alike.
    echo
    echo "perf-gate: confirming: running the ci campaign again" >&2
    again=$(run)
    rc=0
    compare_into "$again/compare.txt" "$bin" "$base" "$again" || rc=$?
    [ "$rc" -eq 2 ] && return 2
    verdict "$new/compare.txt" "$again/compare.txt"
}

baseline() {
    dir=${1:-results/baselines/ci}
    runs=${RUNS:-3}
    dirs=""
    i=1
    while [ "$i" -le "$runs" ]; do
        echo "perf-gate: baseline run $i of $runs" >&2
        dirs="$dirs $(run)"
        i=$((i + 1))
    done
    mkdir -p "$dir"
    # shellcheck disable=SC2086
    "$bin" merge "$dir/results.json" $dirs
    # Check that what was written is something compare can read.
    "$bin" compare "$dir" "$dir" --metric "$metrics" > /dev/null
    echo "perf-gate: baseline of $runs runs (${dirs# }) written to $dir/results.json"
}

cmd=${1:-check}
[ $# -gt 0 ] && shift
case $cmd in
check) check "$@" ;;
baseline) baseline "$@" ;;
*) echo "usage: scripts/perf-gate.sh check [BASELINE] | baseline [DIR]" >&2; exit 2 ;;
esac
