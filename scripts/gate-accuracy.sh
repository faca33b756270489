#!/bin/sh
# gate-accuracy.sh: measures the A/B gate (scripts/perf-ab.sh) itself: how
# often it passes A against A, and how often it catches a known slowdown of
# B, with the machine quiet and under a bursty background load. Incremental:
# every gate decision is appended to ACCURACY_DIR/runs.tsv as it ends, and a
# later call goes on where the last one stopped (the full measurement takes
# hours). Not part of `make test`.
#
#   scripts/gate-accuracy.sh [PAIRS [CONDITIONS [SCENARIOS]]]
#   scripts/gate-accuracy.sh --table            (the table of what is measured so far)
#
# PAIRS: gate decisions per condition and scenario to reach (default 20).
# CONDITIONS (comma list, default quiet,bursty):
#   quiet   nothing started beside the gate
#   bursty  one CPU kept busy for random 1-5 s stretches with random 1-5 s
#           pauses between (stress-ng --cpu 1, or a shell busy loop)
# SCENARIOS (comma list, default aa,slow25,slow15,slow10,copy), B against A:
#   aa      the same build on both sides: the gate should pass
#   slowNN  B with the test-only fault slow:unix@1.NN (every time measured for
#           unix NN% longer): the gate should fail, naming unix
#   copy    B built with -DIPCB_TEST_EXTRA_COPY (unix copies every frame once
#           more before sending it): a real slowdown the gate should catch
# Scenarios take turns within each round, conditions alternate round by round.
#
# Environment: ACCURACY_DIR (results/gate-accuracy), BUILD (build), and what
# perf-ab.sh reads (GATE_THRESHOLD, GATE_CONFIDENCE, GATE_PAIRS, GATE_BUDGET...).
# The binaries are snapshot into ACCURACY_DIR on the first call and reused, so
# a resumed measurement measures the same builds; start a new ACCURACY_DIR
# after changing the code.
set -eu
cd "$(dirname "$0")/.."
acc=${ACCURACY_DIR:-results/gate-accuracy}
build=${BUILD:-build}
tsv=$acc/runs.tsv

# ---- the table --------------------------------------------------------------

# table: per condition and scenario, what the gate decided, from runs.tsv.
table() {
    [ -s "$tsv" ] || { echo "gate-accuracy: nothing measured yet in $tsv"; return 0; }
    awk -F'\t' '
    NR == 1 { next }
    {
        key = $2 "\t" $3
        if (!(key in n)) order[++k] = key
        n[key]++
        if ($4 == 1) failed[key]++
        if ($4 == 1 && $5 ~ /(^|,)unix(,|$)/) unix_flagged[key]++
        if ($4 == 1 && $5 != "" && $5 !~ /^unix$/) other_flagged[key]++
        secs[key] = secs[key] " " $10
        if ($10 > most[key]) most[key] = $10
        sum_passes[key] += $9
        if ($6 != "-") { ratios[key] = ratios[key] " " $6 }
        if ($14 != "" && $14 != "-") { rows_above[key] += $14; rows_runs[key]++ }
        # does the interval of unix hold the true ratio (1 for A/A, 1.NN for slowNN)?
        truth = $3 == "aa" ? 1 : $3 ~ /^slow/ ? 1 + substr($3, 5) / 100 : 0
        if (truth && $7 != "-") { judged[key]++; if ($7 <= truth && truth <= $8) holds[key]++ }
    }
    END {
        printf "%-8s %-8s %5s  %-20s %-12s %-17s %-13s %-7s %-12s %s\n", "load", "B", "runs",
               "gate result", "also flagged", "unix B/A (median)", "holds truth", "passes",
               "wall s (med, max)", "rows > threshold at 95% (not unix)"
        for (i = 1; i <= k; i++) {
            key = order[i]
            split(key, f, "\t")
            if (f[2] == "aa")
                result = sprintf("pass %d/%d", n[key] - failed[key], n[key])
            else
                result = sprintf("unix caught %d/%d", unix_flagged[key], n[key])
            m = split(substr(secs[key], 2), s, " ")
            wall_median = median(s, m)
            r = split(substr(ratios[key], 2), q, " ")
            printf "%-8s %-8s %5d  %-20s %-12d %-17s %-13s %-7.1f %-12s %s\n", f[1], f[2], n[key], result,
                   other_flagged[key] + 0, r ? sprintf("%.3f", median(q, r)) : "-",
                   judged[key] ? sprintf("%d/%d", holds[key], judged[key]) : "-",
                   sum_passes[key] / n[key], wall_median ", " most[key],
                   rows_runs[key] ? sprintf("%d in %d runs", rows_above[key], rows_runs[key]) : "-"
        }
    }
    function median(a, m,    i, j, t) {
        for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
            t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    }' "$tsv"
}

# aa_transports: every transport but unix is A against A in every run: per
# load, the spread of their ratios from run to run and how often their
# intervals hold 1.
aa_transports() {
    [ -s "$tsv" ] || return 0
    awk -F'\t' 'NR > 1 { print $2 "\t" $13 }' "$tsv" | while IFS=$(printf '\t') read -r load dir; do
        for f in "$dir"/ab-*/compare.txt; do
            [ -e "$f" ] || continue
            awk -v load="$load" '$1 != "unix" && $2 ~ /×$/ && $3 ~ /^\[/ {
                gsub(/[×\[\],]/, ""); print load, $1, $2, $3, $4 }' "$f"
        done
    done | awk '{
        key = $1 " " $2; if (!(key in n)) order[++k] = key
        n[key]++; l = log($3); s[key] += l; ss[key] += l * l
        if ($4 <= 1 && 1 <= $5) holds[key]++
    }
    END {
        if (k) printf "\nthe other transports, A against A in every run:\n%-8s %-10s %5s  %-14s %s\n",
                      "load", "transport", "runs", "run-to-run sd", "interval holds 1.00"
        for (i = 1; i <= k; i++) {
            key = order[i]; split(key, f, " "); m = s[key] / n[key]
            v = ss[key] / n[key] - m * m
            printf "%-8s %-10s %5d  %-14s %d/%d\n", f[1], f[2], n[key],
                   sprintf("%.1f%%", 100 * sqrt(v > 0 ? v : 0)), holds[key], n[key]
        }
    }'
}

if [ "${1:-}" = --table ]; then
    table
    aa_transports
    exit 0
fi

# save_table: the table so far, also into ACCURACY_DIR/table.txt (kept in git
# beside runs.tsv and each decision's output).
save_table() {
    { table; aa_transports; } > "$acc/table.txt.tmp" && mv "$acc/table.txt.tmp" "$acc/table.txt"
    cat "$acc/table.txt"
}
pairs=${1:-20}
conditions=$(echo "${2:-quiet,bursty}" | tr ',' ' ')
scenarios=$(echo "${3:-aa,slow25,slow15,slow10,copy}" | tr ',' ' ')
for c in $conditions; do
    case $c in quiet|bursty) ;; *) echo "gate-accuracy: no condition '$c' (quiet, bursty)" >&2; exit 2 ;; esac
done
for s in $scenarios; do
    case $s in aa|copy|slow[0-9][0-9]) ;; *) echo "gate-accuracy: no scenario '$s'" >&2; exit 2 ;; esac
done

# ---- the builds ---------------------------------------------------------------

mkdir -p "$acc/bin" "$acc/runs"
if [ ! -x "$acc/bin/ipcbench" ]; then
    # decisions without the binaries that made them (a fresh clone of the
    # committed measurement): new decisions of this build would mix with them
    if [ "$(wc -l < "$tsv" 2>/dev/null || echo 0)" -gt 1 ]; then
        echo "gate-accuracy: $tsv holds decisions of other binaries (not in $acc/bin);" \
             "measure this build into a new folder: ACCURACY_DIR=results/gate-accuracy-new" >&2
        exit 2
    fi
    [ -x "$build/ipcbench" ] || { echo "gate-accuracy: $build/ipcbench missing (run make)" >&2; exit 2; }
    cp "$build/ipcbench" "$acc/bin/ipcbench"
    git describe --always --dirty > "$acc/bin/commit.txt" 2>/dev/null || echo unknown > "$acc/bin/commit.txt"
fi
case " $scenarios " in
*" copy "*)
    if [ ! -x "$acc/bin/ipcbench-extra-copy" ]; then
        echo "gate-accuracy: building ipcbench with an extra copy in unix (-DIPCB_TEST_EXTRA_COPY)" >&2
        make --no-print-directory -j"$(nproc)" BUILD="$acc/build-extra-copy" \
            CPPFLAGS=-DIPCB_TEST_EXTRA_COPY "$acc/build-extra-copy/ipcbench" > "$acc/build-extra-copy.log" 2>&1 \
            || { tail -n 20 "$acc/build-extra-copy.log" >&2; exit 2; }
        cp "$acc/build-extra-copy/ipcbench" "$acc/bin/ipcbench-extra-copy"
    fi ;;
esac
bin=$acc/bin/ipcbench
[ -s "$tsv" ] || printf 'when\tload\tB\texit\tflagged\tunix_ratio\tunix_low\tunix_high\tpasses\tseconds\tload1_start\tload1_end\tdir\trows_above\n' > "$tsv"

# ---- the bursty load ----------------------------------------------------------------

load_stop=$acc/load.stop
load_pid=""

# random N: a whole number from 1 to N.
random() {
    echo $(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % $1 + 1 ))
}

# busy SECONDS: one CPU busy for that long.
busy() {
    if command -v stress-ng > /dev/null; then
        stress-ng --cpu 1 --timeout "$1s" --quiet > /dev/null 2>&1 || :
    else
        timeout "$1" sh -c 'while :; do :; done' || :
    fi
}

start_load() {
    rm -f "$load_stop"
    ( while [ ! -e "$load_stop" ]; do busy "$(random 5)"; sleep "$(random 5)"; done ) &
    load_pid=$!
}

# Ends the load loop: it stops within a burst (at most 5 s) of seeing the file.
stop_load() {
    [ -n "$load_pid" ] || return 0
    touch "$load_stop"
    wait "$load_pid" 2>/dev/null || :
    load_pid=""
}
trap 'stop_load; exit 130' INT TERM

# ---- one gate decision ----------------------------------------------------------------

done_in() { # CONDITION SCENARIO: decisions already in runs.tsv
    awk -F'\t' -v c="$1" -v s="$2" 'NR > 1 && $2 == c && $3 == s { n++ } END { print n + 0 }' "$tsv"
}

# gate CONDITION SCENARIO: one perf-ab.sh decision, appended to runs.tsv.
gate() {
    n=$(($(wc -l < "$tsv")))
    out=$acc/runs/$n-$1-$2
    mkdir -p "$out"
    bin_b=$bin flags_b=""
    case $2 in
    copy) bin_b=$acc/bin/ipcbench-extra-copy ;;
    slow*) flags_b="--fault slow:unix@1.${2#slow}" ;;
    esac
    load_start=$(cut -d' ' -f1 /proc/loadavg)
    start=$(date +%s)
    rc=0
    OUT=$out RUN_FLAGS_A="" RUN_FLAGS_B=$flags_b IPCBENCH=$bin \
        sh scripts/perf-ab.sh "$bin" "$bin_b" > "$out/perf-ab.txt" 2>&1 || rc=$?
    seconds=$(($(date +%s) - start))
    # shellcheck disable=SC2012
    ab=$(ls -d "$out"/ab-* 2>/dev/null | tail -n 1)
    flagged=$(sed -n 's/^paired: SLOWER: //p' "$ab/compare.txt" 2>/dev/null \
        | tr ';' '\n' | awk '{ sub(/^ +/, ""); split($1, p, "/"); print p[1] }' | sort -u | paste -sd, -)
    unix=$(awk '$1 == "unix" && $3 ~ /^\[/ { gsub(/[×\[\],]/, ""); print $2, $3, $4; exit }' \
        "$ab/compare.txt" 2>/dev/null)
    passes=$(grep -c '^perf-ab: pass [0-9]*:' "$out/perf-ab.txt" || :)
    # rows (of transports other than unix, or any in A/A) whose own 95%
    # interval is above the threshold: how often rows alone would fail the
    # gate without the Bonferroni rule
    rows_above=$(awk -v aa="$([ "$2" = aa ] && echo 1)" '$1 ~ /\// && ($NF == "slower" || $NF == "SLOWER") \
        && (aa || $1 !~ /^unix\//) { n++ } END { print n + 0 }' "$ab/compare.txt" 2>/dev/null || echo -)
    # the raw data stays (each side's repetitions pooled, the comparisons);
    # the runs' plots and reports go
    rm -rf "$ab"/pass*/a "$ab"/pass*/b
    # shellcheck disable=SC2086 # unix: three numbers, or three dashes
    set -- "$1" "$2" "$rc" "${flagged:--}" ${unix:-- - -} "$passes" "$seconds"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
        "$@" "$load_start" "$(cut -d' ' -f1 /proc/loadavg)" "$out" "$rows_above" >> "$tsv"
    echo "gate-accuracy: $1 $2: exit $rc, flagged ${flagged:-nothing}, unix ${unix:-?}, $passes pass(es), $seconds s"
}

# ---- the rounds -------------------------------------------------------------------------

echo "gate-accuracy: $pairs decisions per cell; load: $conditions; B: $scenarios; into $tsv" \
     "(binaries of $(cat "$acc/bin/commit.txt"))"
round=1
while [ "$round" -le "$pairs" ]; do
    for c in $conditions; do
        todo=""
        for s in $scenarios; do
            [ "$(done_in "$c" "$s")" -lt "$round" ] && todo="$todo $s"
        done
        [ -n "$todo" ] || continue
        [ "$c" = bursty ] && start_load
        # the scenarios' order turns round by round, so none always follows the load's start
        # shellcheck disable=SC2086 # a list of words
        set -- $todo
        shift_by=$(( (round - 1) % $# ))
        i=0
        while [ "$i" -lt "$shift_by" ]; do first=$1; shift; set -- "$@" "$first"; i=$((i + 1)); done
        for s in "$@"; do
            gate "$c" "$s"
        done
        stop_load
    done
    round=$((round + 1))
done
echo
save_table
