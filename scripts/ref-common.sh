# Shared by the reference comparison scripts (sourced, not run): a scratch
# directory cleaned up on exit, a free loopback port, waiting for a server to
# listen, one ipcbench figure from a quick run, and medians of the pairs.
# The caller sets `server` to a background PID it wants killed on exit.

ref_require() { # TOOL...: fail clearly if a tool is missing
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "$0: $tool not found (run scripts/install-deps.sh)" >&2; exit 1; }
    done
    [ -x build/ipcbench ] || { echo "$0: build/ipcbench missing, run make" >&2; exit 1; }
}

out=$(mktemp -d /tmp/ipcbench-ref-XXXXXX)
server=""
ref_cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
    rm -rf "$out"
}
trap ref_cleanup EXIT
trap 'exit 130' INT TERM
: > "$out/pairs"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_listen() { # PORT: until something listens there (at most 5 s)
    n=0
    until ss -ltnH "sport = :$1" | grep -q .; do
        n=$((n + 1))
        [ "$n" -le 50 ] || { echo "$0: server did not listen on port $1" >&2; return 1; }
        sleep 0.1
    done
}

# ipcbench_figure TRANSPORT COLUMN ARGS...: one quick run of TRANSPORT (one
# repetition, no verification, 1 s) and the value in results.csv column COLUMN.
ipcbench_figure() {
    transport=$1
    column=$2
    shift 2
    if ! timeout --foreground 120 build/ipcbench run --campaign quick --transport "$transport" \
        --verify none --repetitions 1 --min-time 1 --out "$out" "$@" > "$out/run.log" 2>&1; then
        echo "$0: ipcbench run failed:" >&2
        tail -5 "$out/run.log" >&2
        exit 1
    fi
    awk -F, -v t="$transport" -v c="$column" '$1 == t { print $c }' "$out/latest/results.csv"
}

# record_pair REFERENCE OURS: kept for the medians
record_pair() { echo "$1 $2" >> "$out/pairs"; }

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# print_medians REF_NAME OUR_NAME UNIT: medians of both columns and OURS/REF
print_medians() {
    ref=$(cut -d' ' -f1 "$out/pairs" | median)
    ours=$(cut -d' ' -f2 "$out/pairs" | median)
    awk -v r="$ref" -v o="$ours" -v rn="$1" -v on="$2" -v u="$3" \
        'BEGIN { printf "median: %s %.1f %s, %s %.1f %s, %s/%s = %.2f\n", rn, r, u, on, o, u, on, rn, o / r }'
}
