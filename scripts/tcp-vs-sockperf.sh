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
. scripts/ref-common.sh
ref_require sockperf python3 ss timeout taskset

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
    tcp=$(ipcbench_figure tcp 5 --size 64 --mode latency --pin "$pins")
    echo "round $((i + 1)): sockperf $ref us, tcp $tcp us"
    record_pair "$ref" "$tcp"
    i=$((i + 1))
done
print_medians sockperf tcp us
