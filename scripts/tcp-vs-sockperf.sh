#!/bin/sh
# Side-by-side check of the `tcp` transport's 64-byte latency against sockperf
# ping-pong over TCP on 127.0.0.1: alternates the two ROUNDS times and prints
# each pair, the medians (usec) and the ratio ipcbench/sockperf. Loopback only;
# every process and temp dir it starts is cleaned up; each step is bounded.
# What is compared: sockperf's "percentile 50.000" line, the median of half
# the round trip (sockperf divides each RTT by 2 unless --full-rtt), against
# ipcbench's p50_us, the median one-way latency (driver's send to the whole
# frame usable in the peer, same clock). sockperf's 64 bytes are the whole
# message; ipcbench sends 64 payload bytes + 64-byte header + 8-byte prefix.
# Both tools are pinned the same way (client/driver on one CPU, server/peer on
# another; PINS=D,P, default 0,1): unpinned, both figures are bimodal on a
# small VM (both ends on one CPU vs a cross-CPU wake-up) and the ratio means
# nothing. PINS=0,0 compares the same-CPU case.
# usage: [PINS=D,P] scripts/tcp-vs-sockperf.sh [ROUNDS]   (after `make`; needs sockperf, python3)
set -eu
rounds=${1:-5}
pins=${PINS:-0,1}
driver_cpu=${pins%,*}
peer_cpu=${pins#*,}
cd "$(dirname "$0")/.."
for tool in sockperf python3 ss timeout taskset; do
    command -v "$tool" >/dev/null || { echo "$0: $tool not found (scripts/install-deps.sh)" >&2; exit 1; }
done
[ -x build/ipcbench ] || { echo "$0: build/ipcbench missing, run make" >&2; exit 1; }

out=$(mktemp -d /tmp/ipcbench-ref-XXXXXX)
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
    rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_listen() { # PORT: until something listens there (at most 5 s)
    n=0
    until ss -ltnH "sport = :$1" | grep -q .; do
        n=$((n + 1))
        [ "$n" -le 50 ] || { echo "$0: server did not listen on port $1" >&2; return 1; }
        sleep 0.1
    done
}

: > "$out/pairs"
i=0
while [ "$i" -lt "$rounds" ]; do
    port=$(free_port)
    taskset -c "$peer_cpu" timeout 30 sockperf server --tcp -i 127.0.0.1 -p "$port" > "$out/sockperf-server.log" 2>&1 &
    server=$!
    wait_listen "$port"
    taskset -c "$driver_cpu" timeout --foreground 30 sockperf ping-pong --tcp -i 127.0.0.1 -p "$port" -m 64 -t 2 \
        > "$out/sockperf.log" 2>&1
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
    ref=$(awk '/percentile 50\.000 =/ { print $NF }' "$out/sockperf.log")
    [ -n "$ref" ] || { echo "$0: no median in sockperf's output:" >&2; tail -5 "$out/sockperf.log" >&2; exit 1; }
    if ! timeout --foreground 120 build/ipcbench run --campaign quick --transport tcp --size 64 --mode latency \
        --verify none --repetitions 1 --min-time 1 --pin "$pins" --out "$out" > "$out/run.log" 2>&1; then
        echo "$0: ipcbench run failed:" >&2
        tail -5 "$out/run.log" >&2
        exit 1
    fi
    tcp=$(awk -F, '$1 == "tcp" { print $5 }' "$out/latest/results.csv")
    echo "round $((i + 1)): sockperf $ref us, tcp $tcp us"
    echo "$ref $tcp" >> "$out/pairs"
    i=$((i + 1))
done
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ref=$(cut -d' ' -f1 "$out/pairs" | median)
tcp=$(cut -d' ' -f2 "$out/pairs" | median)
awk -v r="$ref" -v t="$tcp" 'BEGIN { printf "median: sockperf %.1f us, tcp %.1f us, ipcbench/sockperf = %.2f\n", r, t, t / r }'
