#!/bin/sh
# perf-ab.sh: the A/B performance gate for a shared or cloud CI machine: the
# baseline build (A) and the candidate (B) run the ci campaign on the same
# machine in the same time window, alternating A B B A (ROUNDS=2), so a load
# change hits both sides alike; each side's runs are pooled and compared.
#
#   scripts/perf-ab.sh IPCBENCH_A IPCBENCH_B
#   scripts/perf-ab.sh --base GIT_REVISION      (what `make perf-ab BASE=...` runs)
#
# IPCBENCH_A and IPCBENCH_B are two builds of ipcbench; with --base, A is
# GIT_REVISION built in a git worktree under $BUILD/base-<commit> (kept for
# the next time) and B is $BUILD/ipcbench. Both run this tree's
# bench/campaigns/ci.ini. Exit status: 0 pass, 1 B is slower (as compare
# decides), 2 bad input or a failed run.
#
# When B is found slower, a second batch of rounds runs and the same
# benchmark and metric must be slower again (as in perf-gate.sh).
#
# Environment: ROUNDS (2: A B B A; 3: A B B A A B ...), OUT (results),
# IPCBENCH (the ipcbench that pools each side's runs; default IPCBENCH_B),
# CPU_LATENCY (hold, as in perf-gate.sh; keep),
# GATE_METRICS (p50,throughput), GATE_HOLM (1: compare --holm; 0),
# COMPARE_FLAGS, RUN_FLAGS_A / RUN_FLAGS_B
# (extra options for each side's runs; scripts/gate-accuracy.sh passes the
# test-only slow fault to B this way).
set -eu
cd "$(dirname "$0")/.."
build=${BUILD:-build}

# build_revision REV: builds ipcbench (and qcopd) of git revision REV in a
# worktree of its own; prints the binary's path.
build_revision() {
    sha=$(git rev-parse --verify --quiet "$1^{commit}") \
        || { echo "perf-ab: '$1' is not a git revision here (fetch it first?)" >&2; exit 2; }
    tree=$(pwd)/$build/base-$sha
    if [ ! -x "$tree/build/ipcbench" ]; then
        rm -rf "$tree"
        git worktree prune
        echo "perf-ab: building $1 ($sha) in $tree" >&2
        git worktree add --detach "$tree" "$sha" > /dev/null 2>&1 \
            || { echo "perf-ab: git worktree add $tree failed" >&2; exit 2; }
        make -C "$tree" --no-print-directory -j"$(nproc)" build/ipcbench build/qcopd >&2 \
            || { echo "perf-ab: building $1 failed" >&2; exit 2; }
    fi
    echo "$tree/build/ipcbench"
}

if [ $# -eq 2 ] && [ "$1" = --base ]; then
    bin_a=$(build_revision "$2")
    bin_b=$build/ipcbench
elif [ $# -eq 2 ]; then
    bin_a=$1
    bin_b=$2
else
    echo "usage: scripts/perf-ab.sh IPCBENCH_A IPCBENCH_B | --base GIT_REVISION" >&2
    exit 2
fi
GATE_NAME=perf-ab
. scripts/gate-common.sh
rounds=${ROUNDS:-2}
# With ci.ini's 5 repetitions, one round gives 5 against 5, whose smallest
# possible p (0.008) is above Holm's bound over 20 comparisons (0.0025).
[ "$rounds" -ge 2 ] || [ -z "$holm" ] \
    || { echo "perf-ab: ROUNDS must be at least 2 (one round cannot be significant under Holm)" >&2; exit 2; }
# The ipcbench that pools each side's runs (`ipcbench merge`): B, this
# build, unless IPCBENCH names another (A may predate merge).
merger=${IPCBENCH:-$bin_b}
for b in "$bin_a" "$bin_b" "$merger"; do
    [ -x "$b" ] || { echo "perf-ab: $b is not an executable" >&2; exit 2; }
done

# batch NAME: ROUNDS rounds of A and B (A B in odd rounds, B A in even ones,
# so a steady drift favours neither side), each side's runs pooled (merge) into
# $out/ab-.../NAME/{a,b}; their comparison in NAME/compare.txt and shown.
# compare's exit status goes to batch_rc (a function called in an || list
# would run with set -e off, and a failed campaign must end the gate).
batch() {
    runs_a=""
    runs_b=""
    i=1
    while [ "$i" -le "$rounds" ]; do
        # shellcheck disable=SC2086
        if [ $((i % 2)) -eq 1 ]; then
            runs_a="$runs_a $(run_ci "$bin_a" ${RUN_FLAGS_A:-})"
            runs_b="$runs_b $(run_ci "$bin_b" ${RUN_FLAGS_B:-})"
        else
            runs_b="$runs_b $(run_ci "$bin_b" ${RUN_FLAGS_B:-})"
            runs_a="$runs_a $(run_ci "$bin_a" ${RUN_FLAGS_A:-})"
        fi
        i=$((i + 1))
    done
    mkdir -p "$dir/$1/a" "$dir/$1/b"
    # shellcheck disable=SC2086
    "$merger" merge "$dir/$1/a/results.json" $runs_a > /dev/null
    # shellcheck disable=SC2086
    "$merger" merge "$dir/$1/b/results.json" $runs_b > /dev/null
    echo "perf-ab: A ($bin_a):$runs_a"
    echo "perf-ab: B ($bin_b):$runs_b"
    batch_rc=0
    compare_into "$dir/$1/compare.txt" "$bin_b" "$dir/$1/a" "$dir/$1/b" || batch_rc=$?
}

dir=$out/ab-$(date -u +%Y%m%dT%H%M%SZ)-$$
batch first
[ "$batch_rc" -eq 1 ] || exit "$batch_rc"
# Confirm: another batch; a regression must be slower in both, benchmark and
# metric alike (a passing load spike seldom hits the same row twice).
echo
echo "perf-ab: confirming: another $rounds rounds of A and B" >&2
batch again
[ "$batch_rc" -eq 2 ] && exit 2
verdict "$dir/first/compare.txt" "$dir/again/compare.txt"
