# shellcheck shell=sh disable=SC2034,SC2154
# gate-pair.sh: one pass of paired runs for perf-ab.sh: build A and build B
# run the same campaign at once and take turns before every repetition
# (ipcbench run --pair-turn), each into its own results root. Sourced, not run.

# paired_pass DIR BIN_A BIN_B FLAGS...: runs the ci campaign with FLAGS on
# both sides, A's flags then $RUN_FLAGS_A, B's then $RUN_FLAGS_B; results
# under DIR/a and DIR/b, logs in DIR/a.log and DIR/b.log. If one side fails,
# the other is stopped at once (it would wait for its turn until the timeout).
# Sets pass_a and pass_b to the two results directories; exits 2 if a side failed.
paired_pass() {
    pass=$1 pass_bin_a=$2 pass_bin_b=$3
    shift 3
    mkdir -p "$pass"
    turn=$(mktemp -d "${TMPDIR:-/tmp}/ipcbench-turn-XXXXXX") # 0700
    # shellcheck disable=SC2086
    start_side A "$pass_bin_a" "$@" ${RUN_FLAGS_A:-}
    # shellcheck disable=SC2086
    start_side B "$pass_bin_b" "$@" ${RUN_FLAGS_B:-}
    watch_sides
    rmdir "$turn" 2>/dev/null || rm -rf "$turn"
    rc_a=$(cat "$pass/A.rc") rc_b=$(cat "$pass/B.rc")
    if [ "$rc_a" -ne 0 ] || [ "$rc_b" -ne 0 ]; then
        for side in A B; do
            echo "--- side $side ($(cat "$pass/$side.rc"), $pass/$side.log):" >&2
            tail -n 15 "$pass/$side.log" >&2
        done
        echo "$GATE_NAME: a paired run failed (exit status A $rc_a, B $rc_b; see above)" >&2
        exit 2
    fi
    pass_a=$(sed -n 's/^results: //p' "$pass/A.log")
    pass_b=$(sed -n 's/^results: //p' "$pass/B.log")
}

# start_side SIDE BIN FLAGS...: SIDE's run in the background; its pid goes to
# $pass/SIDE.pid and, when it ends, its exit status to $pass/SIDE.rc.
start_side() {
    side=$1 side_bin=$2
    shift 2
    rm -f "$pass/$side.rc" "$pass/$side.pid"
    (
        "$side_bin" run --campaign "$ci_ini" "$@" --pair-turn "$turn,$side" \
            --pair-timeout "${GATE_PAIR_TIMEOUT:-120}" --out "$pass/$(echo "$side" | tr AB ab)" \
            --history none > "$pass/$side.log" 2>&1 &
        echo $! > "$pass/$side.pid"
        side_rc=0
        wait $! || side_rc=$?
        echo "$side_rc" > "$pass/$side.rc.tmp"
        mv "$pass/$side.rc.tmp" "$pass/$side.rc"
    ) &
}

# watch_sides: waits until both sides have ended; when one failed, stops the
# other (SIGTERM to the ipcbench this script started: it fails what is left
# and ends).
watch_sides() {
    stopped=""
    while [ ! -e "$pass/A.rc" ] || [ ! -e "$pass/B.rc" ]; do
        for side in A B; do
            if [ ! -e "$pass/$side.rc" ] || [ "$(cat "$pass/$side.rc")" -eq 0 ]; then
                continue
            fi
            other=B
            [ "$side" = B ] && other=A
            if [ -z "$stopped" ] && [ ! -e "$pass/$other.rc" ] && [ -s "$pass/$other.pid" ]; then
                kill -TERM "$(cat "$pass/$other.pid")" 2>/dev/null || :
                stopped=$other
            fi
        done
        sleep 1
    done
    wait
}

# stop_sides: on an interrupt, the runs of the pass under way are stopped too
# (a background job does not get the terminal's SIGINT).
stop_sides() {
    for side in A B; do
        [ -n "${pass:-}" ] && [ -s "$pass/$side.pid" ] && [ ! -e "$pass/$side.rc" ] \
            && kill -TERM "$(cat "$pass/$side.pid")" 2>/dev/null
    done
    return 0
}
