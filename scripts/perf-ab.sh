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
# Environment: ROUNDS (2: A B B A; 3: A B B A A B ...), OUT (results),
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
out=${OUT:-results}
rounds=${ROUNDS:-2}
metrics=${GATE_METRICS:-p50,throughput}
campaign="--campaign $(pwd)/bench/campaigns/ci.ini --benchmark_enable_random_interleaving=true"
for b in "$bin_a" "$bin_b"; do
    [ -x "$b" ] || { echo "perf-ab: $b is not an executable" >&2; exit 2; }
done

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

# run BIN FLAGS: one campaign into $out; prints its directory.
run() {
    log=$(mktemp)
    # shellcheck disable=SC2086
    if ! "$1" run $campaign $2 --out "$out" > "$log" 2>&1; then
        tail -n 20 "$log" >&2
        rm -f "$log"
        echo "perf-ab: the ci campaign failed with $1 (see above)" >&2
        exit 2
    fi
    sed -n 's/^results: //p' "$log"
    rm -f "$log"
}

runs_a=""
runs_b=""
i=1
while [ "$i" -le "$rounds" ]; do
    # A B in odd rounds, B A in even ones: a steady drift favours neither side
    if [ $((i % 2)) -eq 1 ]; then
        runs_a="$runs_a $(run "$bin_a" "${RUN_FLAGS_A:-}")"
        runs_b="$runs_b $(run "$bin_b" "${RUN_FLAGS_B:-}")"
    else
        runs_b="$runs_b $(run "$bin_b" "${RUN_FLAGS_B:-}")"
        runs_a="$runs_a $(run "$bin_a" "${RUN_FLAGS_A:-}")"
    fi
    i=$((i + 1))
done

dir=$out/ab-$(date -u +%Y%m%dT%H%M%SZ)-$$
mkdir -p "$dir/a" "$dir/b"
# shellcheck disable=SC2086
python3 scripts/merge-results.py "$dir/a/results.json" $runs_a
# shellcheck disable=SC2086
python3 scripts/merge-results.py "$dir/b/results.json" $runs_b
echo "perf-ab: A ($bin_a):$runs_a"
echo "perf-ab: B ($bin_b):$runs_b"
set +e
# shellcheck disable=SC2086
holm=--holm
[ "${GATE_HOLM:-1}" = 1 ] || holm=
# shellcheck disable=SC2086
"$bin_b" compare "$dir/a" "$dir/b" --metric "$metrics" $holm ${COMPARE_FLAGS:-} > "$dir/compare.txt" 2>&1
rc=$?
set -e
cat "$dir/compare.txt"
exit "$rc"
