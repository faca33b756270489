# shellcheck shell=sh
# gate-common.sh: what the two performance gates (perf-gate.sh against a
# committed baseline, perf-ab.sh against a second build) share: the settings
# and holding CPUs out of deep idle while measuring; and perf-gate.sh's
# running of the ci campaign, its comparison, and its rule that a regression
# must show in two runs. Sourced, not run. The sourcing script sets GATE_NAME first.

metrics=${GATE_METRICS:-p50,throughput}
out=${OUT:-results}
# Holm's correction: a gate fails if any of its ~20 comparisons is slower, so
# the chance of a false "slower" is controlled over all of them together.
holm=--holm
[ "${GATE_HOLM:-1}" = 1 ] || holm=
ci_ini=$(pwd)/bench/campaigns/ci.ini
ci_campaign="--campaign $ci_ini --benchmark_enable_random_interleaving=true"

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

# run_ci BIN [FLAGS...]: one ci campaign into $out; prints its directory. A
# campaign with a failed benchmark is an error: a gate never passes on a
# broken run.
run_ci() {
    run_bin=$1
    shift
    log=$(mktemp)
    # shellcheck disable=SC2086
    if ! "$run_bin" run $ci_campaign "$@" --out "$out" > "$log" 2>&1; then
        tail -n 20 "$log" >&2
        rm -f "$log"
        echo "$GATE_NAME: the ci campaign failed with $run_bin (see above)" >&2
        exit 2
    fi
    sed -n 's/^results: //p' "$log"
    rm -f "$log"
}

# compare_into FILE BIN BASE NEW: BIN's compare of BASE and NEW (the gate's
# metrics, Holm) written to FILE (and as Markdown, for a pull-request
# comment, to FILE with .md for .txt) and shown; returns compare's status.
compare_into() {
    file=$1
    shift
    set +e
    # shellcheck disable=SC2086
    "$1" compare "$2" "$3" --metric "$metrics" $holm ${COMPARE_FLAGS:-} --format md \
        > "${file%.txt}.md" 2>&1
    # shellcheck disable=SC2086
    "$1" compare "$2" "$3" --metric "$metrics" $holm ${COMPARE_FLAGS:-} > "$file" 2>&1
    rc=$?
    set -e
    cat "$file"
    return "$rc"
}

# slower_in_both FIRST SECOND: the "benchmark metric" pairs found SLOWER in
# both compare outputs, comma-separated (empty: none). A load spike on a
# shared machine makes different things slower each time; a regression the
# same things.
slower_in_both() {
    awk '/ SLOWER / { print $1 " " $2 }' "$1" | sort -u > "$1.slower"
    awk '/ SLOWER / { print $1 " " $2 }' "$2" | sort -u > "$2.slower"
    comm -12 "$1.slower" "$2.slower" | paste -sd',' - | sed 's/,/, /g'
}

# verdict FIRST SECOND: the gate's decision from two compare outputs; returns
# 1 (regression) or 0 with one line saying which.
verdict() {
    both=$(slower_in_both "$1" "$2")
    if [ -n "$both" ]; then
        echo "$GATE_NAME: REGRESSION: slower in both runs: $both"
        return 1
    fi
    echo "$GATE_NAME: pass: nothing was slower in both runs (noise)"
    return 0
}
