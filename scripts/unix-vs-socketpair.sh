#!/bin/sh
# Side-by-side check of the `unix` transport's throughput at 1080p against
# the bare socketpair write/read loop (build/ref-socketpair, 1 MiB writes):
# alternates the two ROUNDS times and prints each pair, the medians and the ratio.
# usage: scripts/unix-vs-socketpair.sh [ROUNDS]   (after `make`)
set -eu
rounds=${1:-5}
cd "$(dirname "$0")/.."
out=$(mktemp -d /tmp/ipcbench-ref-XXXXXX)
trap 'rm -rf "$out"' EXIT
: > "$out/pairs"
i=0
while [ "$i" -lt "$rounds" ]; do
    bare=$(build/ref-socketpair 1048576 1 | sed 's/.*MB\/s=//')
    build/ipcbench run --campaign quick --transport unix --size 1080p --mode throughput \
        --verify none --repetitions 1 --min-time 1 --out "$out" >/dev/null 2>&1
    unix=$(awk -F, '$1 == "unix" { print $12 }' "$out/latest/results.csv")
    echo "round $((i + 1)): socketpair $bare MB/s, unix $unix MB/s"
    echo "$bare $unix" >> "$out/pairs"
    i=$((i + 1))
done
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
bare=$(cut -d' ' -f1 "$out/pairs" | median)
unix=$(cut -d' ' -f2 "$out/pairs" | median)
awk -v b="$bare" -v u="$unix" 'BEGIN { printf "median: socketpair %.0f MB/s, unix %.0f MB/s, unix/socketpair = %.2f\n", b, u, u / b }'
