#!/bin/sh
# Side-by-side check of the `unix` transport's throughput at 1080p against
# the bare socketpair write/read loop (build/ref-socketpair, 1 MiB writes):
# alternates the two ROUNDS times and prints each pair, the medians and the ratio.
# usage: scripts/unix-vs-socketpair.sh [ROUNDS]   (after `make`)
set -eu
rounds=${1:-5}
cd "$(dirname "$0")/.."
. scripts/ref-common.sh
ref_require timeout
[ -x build/ref-socketpair ] || { echo "$0: build/ref-socketpair missing, run make" >&2; exit 1; }

i=0
while [ "$i" -lt "$rounds" ]; do
    bare=$(build/ref-socketpair 1048576 1 | sed 's/.*MB\/s=//')
    unix=$(ipcbench_figure unix 12 --size 1080p --mode throughput)
    echo "round $((i + 1)): socketpair $bare MB/s, unix $unix MB/s"
    record_pair "$bare" "$unix"
    i=$((i + 1))
done
print_medians socketpair unix MB/s
