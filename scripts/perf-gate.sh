#!/bin/sh
# perf-gate.sh: the CI performance gate behind `make perf-check` and
# `make baseline`.
#
#   scripts/perf-gate.sh check [BASELINE]   run the ci campaign, compare with
#                                           BASELINE (default results/baselines/ci)
#   scripts/perf-gate.sh baseline [DIR]     run the ci campaign RUNS times (default
#                                           3) and pool them into DIR/results.json
#                                           (default results/baselines/ci)
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
out=${OUT:-results}
metrics=${GATE_METRICS:-p50,throughput}
# Holm's correction: a gate fails if any of its ~20 comparisons is slower, so
# the chance of a false "slower" is controlled over all of them together.
holm=--holm
[ "${GATE_HOLM:-1}" = 1 ] || holm=
campaign="--campaign ci --benchmark_enable_random_interleaving=true"

[ -x "$bin" ] || { echo "perf-gate: $bin missing (run make)" >&2; exit 2; }

# While measuring, ask the kernel to keep idle CPUs out of sleep states
# (a PM QoS CPU latency request of 0, held open on fd 9 until the script
# ends), as latency benchmarks do: otherwise how fast a sleeping peer is woken
# depends on how the idle governor (in a VM: haltpoll) adapted to whatever
# else the machine was doing, and that changes from minute to minute. Needs
# root; CPU_LATENCY=keep leaves the machine alone.
if [ "${CPU_LATENCY:-hold}" = hold ] && [ -w /dev/cpu_dma_latency ]; then
    exec 9> /dev/cpu_dma_latency
    printf 0 >&9
fi

# run [FLAGS...]: one campaign into $out; prints its directory. A campaign
# with a failed benchmark is an error: the gate never passes on a broken run.
run() {
    log=$(mktemp)
    # shellcheck disable=SC2086
    if ! "$bin" run $campaign ${RUN_FLAGS:-} --out "$out" "$@" > "$log" 2>&1; then
        tail -n 20 "$log" >&2
        rm -f "$log"
        echo "perf-gate: the ci campaign failed (see above)" >&2
        exit 2
    fi
    sed -n 's/^results: //p' "$log"
    rm -f "$log"
}

# compare BASE NEW [FLAGS...]: prints the table; returns compare's status.
compare() {
    b=$1
    n=$2
    shift 2
    # shellcheck disable=SC2086
    "$bin" compare "$b" "$n" --metric "$metrics" $holm ${COMPARE_FLAGS:-} "$@"
}

check() {
    base=${1:-results/baselines/ci}
    [ -e "$base" ] || { echo "perf-gate: no baseline at $base (make baseline)" >&2; exit 2; }
    echo "perf-gate: running the ci campaign" >&2
    new=$(run)
    set +e
    compare "$base" "$new" > "$new/compare.txt"
    rc=$?
    set -e
    cat "$new/compare.txt"
    [ "$rc" -eq 1 ] || return "$rc"

    # Confirm: the whole campaign once more (a subset run alone would run in
    # a quieter machine than the baseline did); a regression must be slower in
    # both runs, benchmark and metric alike.
    echo
    echo "perf-gate: confirming: running the ci campaign again" >&2
    again=$(run)
    set +e
    compare "$base" "$again" > "$again/compare.txt"
    rc=$?
    set -e
    cat "$again/compare.txt"
    [ "$rc" -eq 2 ] && return 2
    awk '/ SLOWER / { print $1 " " $2 }' "$new/compare.txt" | sort -u > "$again/slower-first.txt"
    awk '/ SLOWER / { print $1 " " $2 }' "$again/compare.txt" | sort -u > "$again/slower-again.txt"
    both=$(comm -12 "$again/slower-first.txt" "$again/slower-again.txt" | paste -sd',' - | sed 's/,/, /g')
    if [ -n "$both" ]; then
        echo "perf-gate: REGRESSION: slower in both runs: $both"
        return 1
    fi
    echo "perf-gate: pass: nothing was slower in both runs (noise)"
    return 0
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
    python3 scripts/merge-results.py "$dir/results.json" $dirs
    # Check that what was written is something compare can read.
    # shellcheck disable=SC2086
    "$bin" compare "$dir" "$dir" --metric "$metrics" > /dev/null
    echo "perf-gate: baseline of $runs runs ($(echo $dirs)) written to $dir/results.json"
}

cmd=${1:-check}
[ $# -gt 0 ] && shift
case $cmd in
check) check "$@" ;;
baseline) baseline "$@" ;;
*) echo "usage: scripts/perf-gate.sh check [BASELINE] | baseline [DIR]" >&2; exit 2 ;;
esac
