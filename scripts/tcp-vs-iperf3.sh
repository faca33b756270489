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
for tool in iperf3 python3 ss timeout; do
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
    timeout 30 iperf3 -s -1 -B 127.0.0.1 -p "$port" > "$out/iperf3-server.log" 2>&1 &
    server=$!
    wait_listen "$port"
    timeout --foreground 30 iperf3 -c 127.0.0.1 -p "$port" -t 2 --connect-timeout 5000 -J > "$out/iperf3.json"
    wait "$server" 2>/dev/null || true
    server=""
    ref=$(python3 -c 'import json, sys
print("%.1f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 8e6))' "$out/iperf3.json")
    if ! timeout --foreground 120 build/ipcbench run --campaign quick --transport tcp --size 1080p --mode throughput \
        --verify none --repetitions 1 --min-time 1 --out "$out" > "$out/run.log" 2>&1; then
        echo "$0: ipcbench run failed:" >&2
        tail -5 "$out/run.log" >&2
        exit 1
    fi
    tcp=$(awk -F, '$1 == "tcp" { print $12 }' "$out/latest/results.csv")
    echo "round $((i + 1)): iperf3 $ref MB/s, tcp $tcp MB/s"
    echo "$ref $tcp" >> "$out/pairs"
    i=$((i + 1))
done
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ref=$(cut -d' ' -f1 "$out/pairs" | median)
tcp=$(cut -d' ' -f2 "$out/pairs" | median)
awk -v r="$ref" -v t="$tcp" 'BEGIN { printf "median: iperf3 %.0f MB/s, tcp %.0f MB/s, tcp/iperf3 = %.2f\n", r, t, t / r }'
