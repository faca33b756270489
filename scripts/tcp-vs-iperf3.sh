#!/bin/sh
# Side-by-side check of the `tcp` transport's throughput at 1080p against
# iperf3 (one TCP stream on 127.0.0.1, 128 KiB writes, receiver's bits/s):
# alternates the two ROUNDS times and prints each pair, the medians (MB/s,
# 10^6 bytes) and the ratio tcp/iperf3. Loopback only; every process and temp
# dir it starts is cleaned up; each step is bounded by `timeout`.
# usage: scripts/tcp-vs-iperf3.sh [ROUNDS]   (after `make`; needs iperf3, python3)
set -eu
rounds=${1:-5}
cd "$(dirname "$0")/.."
. scripts/ref-common.sh
ref_require iperf3 python3 ss timeout

i=0
while [ "$i" -lt "$rounds" ]; do
    port=$(free_port)
    timeout 30 iperf3 -s -1 -B 127.0.0.1 -p "$port" > "$out/iperf3-server.log" 2>&1 &
    server=$!
    wait_listen "$port"
    timeout --foreground 30 iperf3 -c 127.0.0.1 -p "$port" -t 2 --connect-timeout 5000 -J > "$out/iperf3.json"
    wait "$server" 2>/dev/null || true
    server=""
    ref=$(python3 -c 'import json, sys
print("%.1f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 8e6))' "$out/iperf3.json")
    tcp=$(ipcbench_figure tcp 12 --size 1080p --mode throughput)
    echo "round $((i + 1)): iperf3 $ref MB/s, tcp $tcp MB/s"
    record_pair "$ref" "$tcp"
    i=$((i + 1))
done
print_medians iperf3 tcp MB/s
