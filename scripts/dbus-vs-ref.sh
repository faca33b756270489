#!/bin/sh
# Side-by-side check of the `dbus` transport's throughput at 1080p against the
# plainest libdbus loop (build/ref-dbus-loop: one
# dbus_connection_send_with_reply_and_block per frame, pixels as `ay`, a
# forked service on its own private dbus-daemon with the same
# scripts/dbus-session.conf): alternates the two ROUNDS times and prints each
# pair, the medians (MB/s, 10^6 bytes) and the ratio dbus/ref.
# usage: scripts/dbus-vs-ref.sh [ROUNDS]   (after `make`)
set -eu
rounds=${1:-5}
cd "$(dirname "$0")/.."
. scripts/ref-common.sh
ref_require timeout dbus-daemon
[ -x build/ref-dbus-loop ] || { echo "$0: build/ref-dbus-loop missing, run make" >&2; exit 1; }

bytes=$((1920 * 1080 * 4))
i=0
while [ "$i" -lt "$rounds" ]; do
    ref=$(timeout 60 build/ref-dbus-loop "$bytes" 1 scripts/dbus-session.conf | sed 's/.*MB\/s=//')
    dbus=$(ipcbench_figure dbus 12 --size 1080p --mode throughput)
    echo "round $((i + 1)): ref-dbus-loop $ref MB/s, dbus $dbus MB/s"
    record_pair "$ref" "$dbus"
    i=$((i + 1))
done
print_medians ref-dbus-loop dbus MB/s
