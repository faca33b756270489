#!/bin/sh
# gate-accuracy.sh: measures a CI performance gate itself. Each pair runs the
# gate twice: once with one transport slowed by a known factor (the test-only
# fault slow:TRANSPORT@FACTOR; an A/B pair: the gate should fail, detection)
# and once unmodified (an A/A pair: the gate should pass; a failure is a false
# alarm). The two alternate in order from pair to pair. Not part of `make test`.
#
#   [GATE=baseline|ab] scripts/gate-accuracy.sh [PAIRS [FACTOR [TRANSPORT]]]
#                                               (default 10 1.25 unix)
#
# GATE=baseline (default): `make baseline` + `make perf-check`
#   (scripts/perf-gate.sh): each pair makes a fresh baseline of 3 pooled runs,
#   then checks against it (a slowdown must show again in a second run).
#   About 4 min a pair.
# GATE=ab: scripts/perf-ab.sh, the A/B gate: both sides run alternately
#   (A B B A) in the same time window. ~6 min a pair.
#
# Environment: BUILD (default build), and what the gates read (RUNS, ROUNDS,
# GATE_METRICS, GATE_HOLM, COMPARE_FLAGS, CPU_LATENCY). Everything lands in
# results/gate-accuracy-<UTC stamp>/: the runs, each gate's output, summary.txt.
set -eu
pairs=${1:-10}
factor=${2:-1.25}
transport=${3:-unix}
mode=${GATE:-baseline}
cd "$(dirname "$0")/.."
build=${BUILD:-build}
case $mode in
baseline|ab) ;;
*) echo "gate-accuracy: GATE must be baseline or ab, not '$mode'" >&2; exit 2 ;;
esac

[ -x "$build/ipcbench" ] || { echo "gate-accuracy: $build/ipcbench missing (run make)" >&2; exit 2; }
out=results/gate-accuracy-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out/runs"
# A snapshot of the binary: a rebuild during the measurement cannot disturb it
# (the peer is the same executable, exec'd for every run).
cp "$build/ipcbench" "$out/ipcbench"
export IPCBENCH="$out/ipcbench" OUT="$out/runs"
fault="--fault slow:$transport@$factor"

# gate NAME BASELINE SLOWED: one gate decision, its output in NAME.txt;
# prints its exit status. SLOWED is 1 for the A/B run.
gate() {
    set +e
    if [ "$mode" = ab ]; then
        if [ "$3" -eq 1 ]; then
            RUN_FLAGS_B=$fault sh scripts/perf-ab.sh "$IPCBENCH" "$IPCBENCH" > "$out/$1.txt" 2>&1
        else
            sh scripts/perf-ab.sh "$IPCBENCH" "$IPCBENCH" > "$out/$1.txt" 2>&1
        fi
    elif [ "$3" -eq 1 ]; then
        RUN_FLAGS=$fault sh scripts/perf-gate.sh check "$2" > "$out/$1.txt" 2>&1
    else
        RUN_FLAGS="" sh scripts/perf-gate.sh check "$2" > "$out/$1.txt" 2>&1
    fi
    echo $?
    set -e
}

# slower_rows FILE PATTERN: SLOWER rows whose benchmark matches PATTERN in the
# first comparison of FILE.
slower_rows() {
    awk -v pat="$2" '/^ipcbench compare:/ { tables++ }
        tables == 1 && $1 ~ pat && / SLOWER / { n++ } END { print n + 0 }' "$1"
}

# final_rows FILE PATTERN: the rows matching PATTERN that decided the gate:
# slower in both runs when perf-gate.sh confirmed, else in the only comparison.
final_rows() {
    if grep -Eq '^perf-(gate|ab): confirming' "$1"; then
        sed -En 's/^perf-(gate|ab): REGRESSION: slower in both runs: //p' "$1" | tr ',' '\n' \
            | awk -v pat="$2" '{ sub(/^ +/, "") } $1 ~ pat { n++ } END { print n + 0 }'
    else
        slower_rows "$1" "$2"
    fi
}

echo "gate accuracy: $pairs pairs, $transport slowed x$factor, GATE=$mode (load: $(cut -d' ' -f1-3 /proc/loadavg))" \
    | tee "$out/summary.txt"
detected=0; first_stage_hits=0; aa_alarms=0; aa_first_stage=0; counted=0; skipped=0
i=1
while [ "$i" -le "$pairs" ]; do
    base="$out/pair$i-baseline"
    if [ "$mode" = baseline ] \
        && ! sh scripts/perf-gate.sh baseline "$base" > "$out/pair$i-baseline.log" 2>&1; then
        echo "pair $i: the baseline failed (see $out/pair$i-baseline.log); not counted" | tee -a "$out/summary.txt"
        skipped=$((skipped + 1))
        i=$((i + 1))
        continue
    fi
    if [ $((i % 2)) -eq 1 ]; then
        rc_ab=$(gate "pair$i-AB" "$base" 1)
        rc_aa=$(gate "pair$i-AA" "$base" 0)
    else
        rc_aa=$(gate "pair$i-AA" "$base" 0)
        rc_ab=$(gate "pair$i-AB" "$base" 1)
    fi
    if [ "$rc_ab" -eq 2 ] || [ "$rc_aa" -eq 2 ]; then
        echo "pair $i: a gate run failed (see $out/pair$i-A*.txt); not counted" | tee -a "$out/summary.txt"
        skipped=$((skipped + 1))
        i=$((i + 1))
        continue
    fi
    ab1=$(slower_rows "$out/pair$i-AB.txt" "^$transport/")
    ab2=$(final_rows "$out/pair$i-AB.txt" "^$transport/")
    ab_all=$(final_rows "$out/pair$i-AB.txt" "/")
    aa1=$(slower_rows "$out/pair$i-AA.txt" "/")
    aa2=$(final_rows "$out/pair$i-AA.txt" "/")
    [ "$rc_ab" -eq 1 ] && [ "$ab2" -gt 0 ] && detected=$((detected + 1))
    [ "$ab1" -gt 0 ] && first_stage_hits=$((first_stage_hits + 1))
    [ "$rc_aa" -eq 1 ] && aa_alarms=$((aa_alarms + 1))
    [ "$aa1" -gt 0 ] && aa_first_stage=$((aa_first_stage + 1))
    counted=$((counted + 1))
    echo "pair $i: A/B exit $rc_ab ($transport rows slower: $ab1 first, $ab2 final; all rows slower at the end: $ab_all);" \
         "A/A exit $rc_aa (rows slower: $aa1 first, $aa2 final)" | tee -a "$out/summary.txt"
    i=$((i + 1))
done

pct() { if [ "$2" -gt 0 ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; else echo "n/a"; fi; }
{
    echo
    echo "A/B ($transport x$factor): detected $detected/$counted ($(pct "$detected" "$counted"))"
    echo "A/A: false alarms $aa_alarms/$counted ($(pct "$aa_alarms" "$counted"))"
    if [ "$mode" = baseline ]; then
        echo "on the first run alone: $transport flagged in $first_stage_hits/$counted A/B pairs, something flagged in $aa_first_stage/$counted A/A pairs"
    fi
    if [ "$skipped" -gt 0 ]; then echo "pairs not counted (a run failed): $skipped"; fi
    echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg); details: $out"
} | tee -a "$out/summary.txt"
