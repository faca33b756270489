#!/bin/sh
# Installs the Debian packages ipcbench needs to build, test and plot.
# Checks each with dpkg; as root it installs what is missing with apt-get,
# otherwise it names the missing packages and fails.
set -eu

PACKAGES="gcc g++ make pkg-config libbenchmark-dev libbenchmark-tools \
libxxhash-dev libjansson-dev libinih-dev libspng-dev libcmocka-dev \
gnuplot-nox python3 python3-scipy iperf3 sockperf chromium stress-ng \
libcurl4-openssl-dev libmicrohttpd-dev curl \
libdbus-1-dev dbus-daemon dbus-bin dbus-broker systemd \
libsqlite3-dev sqlite3 libpq-dev postgresql \
qtbase5-dev"

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $p"
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "ipcbench: missing Debian packages:$missing" >&2
    echo "ipcbench: run 'sudo apt-get install$missing' or 'sudo make deps'" >&2
    exit 1
fi

echo "ipcbench: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
