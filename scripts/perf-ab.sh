#!/bin/sh
# perf-ab.sh: the A/B performance gate for a shared or cloud CI machine. The
# base build (A) and the candidate (B) run the ci campaign as paired runs
# (`ipcbench run --pair-turn`): they take turns before every repetition (A B,
# B A, A B, ...), so each repetition of A has a neighbour of B measured a
# second away and a burst of load hits both. `ipcbench compare --paired`
# judges the paired ratios B/A: per transport the median ratio of all its
# pairs with a 95% interval. B fails when a transport's interval lies above
# the threshold (1.10x), or a single row's simultaneous interval does.
# Transports whose interval holds the threshold get more pairs, pass after
# pass, while the time budget allows; the others are done.
#
#   scripts/perf-ab.sh IPCBENCH_A IPCBENCH_B
#   scripts/perf-ab.sh --base GIT_REVISION      (what `make perf-ab BASE=...` runs)
#
# IPCBENCH_A and IPCBENCH_B are two builds of ipcbench; with --base, A is
# GIT_REVISION built in a git worktree under $BUILD/base-<commit> (kept for
# the next time) and B is $BUILD/ipcbench. Both run this tree's
# bench/campaigns/ci.ini. Exit status: 0 pass, 1 B is slower, 2 bad input or
# a failed run.
#
# Environment: OUT (results), GATE_THRESHOLD (10: percent, i.e. 1.10x),
# GATE_CONFIDENCE (0.95), GATE_METRICS (p50,throughput), GATE_PAIRS (6:
# repetitions of the first pass), GATE_MORE_PAIRS (10: of each further pass),
# GATE_PASSES (3 at most), GATE_BUDGET (300: seconds of measuring, after which
# no pass is started), GATE_PAIR_TIMEOUT (120: seconds one side waits for the
# other), CPU_LATENCY (hold; keep), IPCBENCH (the ipcbench that merges and
# compares; default IPCBENCH_B), RUN_FLAGS_A / RUN_FLAGS_B (extra options for
# each side's runs; scripts/gate-accuracy.sh passes the test-only slow fault
# to B this way).
# shellcheck disable=SC2154 # out, metrics, pass_a, pass_b: from the sourced files
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
. scripts/gate-pair.sh
merger=${IPCBENCH:-$bin_b}
for b in "$bin_a" "$bin_b" "$merger"; do
    [ -x "$b" ] || { echo "perf-ab: $b is not an executable" >&2; exit 2; }
done
for b in "$bin_a" "$bin_b"; do
    "$b" run --help 2>/dev/null | grep -q -- --pair-turn || {
        echo "perf-ab: $b cannot run paired (no 'run --pair-turn'): it predates the paired" \
             "gate; compare with a base that has it" >&2
        exit 2
    }
done
"$merger" compare --help | grep -q -- --paired \
    || { echo "perf-ab: $merger has no 'compare --paired' (set IPCBENCH)" >&2; exit 2; }
threshold=${GATE_THRESHOLD:-10}
confidence=${GATE_CONFIDENCE:-0.95}
first_pairs=${GATE_PAIRS:-6}
more_pairs=${GATE_MORE_PAIRS:-10}
max_passes=${GATE_PASSES:-3}
budget=${GATE_BUDGET:-300}
trap 'stop_sides; exit 130' INT TERM

dir=$out/ab-$(date -u +%Y%m%dT%H%M%SZ)-$$
mkdir -p "$dir"
runs_a="" runs_b=""

# judge: every pass so far, each side's runs pooled in pass order (so that
# repetition i of A and of B stay a pair), compared paired; the comparison in
# $dir/compare.txt (and .md, .json) and shown; its exit status in judge_rc.
judge() {
    # shellcheck disable=SC2086
    "$merger" merge "$dir/a.json" $runs_a > /dev/null
    # shellcheck disable=SC2086
    "$merger" merge "$dir/b.json" $runs_b > /dev/null
    set -- compare "$dir/a.json" "$dir/b.json" --paired --metric "$metrics" \
        --threshold "$threshold" --confidence "$confidence"
    "$merger" "$@" --format md > "$dir/compare.md" 2>&1 || :
    "$merger" "$@" --format json > "$dir/compare.json" 2>&1 || :
    judge_rc=0
    "$merger" "$@" > "$dir/compare.txt" 2>&1 || judge_rc=$?
    cat "$dir/compare.txt"
}

started=$(date +%s)
ran=$(sed -n 's/^transports *= *//p' "$ci_ini" | tr ',' '\n' | grep -c .)
pass_no=1
reps=$first_pairs
only=""
while :; do
    echo "perf-ab: pass $pass_no: ${only:-every transport}, $reps paired repetitions" >&2
    pass_started=$(date +%s)
    # Later passes run the inconclusive transports' benchmarks alone (a filter,
    # not --transport: the campaign's parameters of the others stay valid).
    filter=--benchmark_filter=.
    [ -z "$only" ] || filter="--benchmark_filter=^($(echo "$only" | tr ',' '|'))/"
    paired_pass "$dir/pass$pass_no" "$bin_a" "$bin_b" --repetitions "$reps" "$filter"
    pass_seconds=$(($(date +%s) - pass_started))
    runs_a="$runs_a $pass_a"
    runs_b="$runs_b $pass_b"
    echo
    judge
    [ "$judge_rc" -eq 0 ] || break
    only=$(sed -n 's/^paired: inconclusive transports: //p' "$dir/compare.txt")
    if [ -z "$only" ] || [ "$pass_no" -ge "$max_passes" ]; then
        break
    fi
    # The next pass's time, from this one's per transport and repetition.
    next=$(echo "$only" | tr ',' '\n' | grep -c .)
    estimate=$((pass_seconds * next * more_pairs / (ran * reps) + 1))
    elapsed=$(($(date +%s) - started))
    if [ $((elapsed + estimate)) -gt "$budget" ]; then
        echo "perf-ab: no time for more pairs of $only (about $estimate s more; budget" \
             "${budget} s, $elapsed s used): inconclusive counts as a pass" >&2
        break
    fi
    echo >&2
    echo "perf-ab: $only inconclusive: more pairs for them" >&2
    pass_no=$((pass_no + 1))
    reps=$more_pairs
    ran=$next
done

elapsed=$(($(date +%s) - started))
case $judge_rc in
0) echo "perf-ab: pass ($pass_no pass(es), $elapsed s of measuring; $dir)" ;;
1) echo "perf-ab: REGRESSION: $(sed -n 's/^paired: SLOWER: //p' "$dir/compare.txt") ($pass_no pass(es), $elapsed s; $dir)" ;;
*) echo "perf-ab: the paired comparison failed (see above; $dir)" >&2 ;;
esac
exit "$judge_rc"
