#!/bin/bash
# Start a throw-away Ceph cluster with one monitor, one in-memory OSD
# (memstore) and radosgw, all on 127.0.0.1, as ordinary processes in DIR.
# Needs no root-only devices.  Usage:
#
#   tests/servers/radosgw.sh start DIR ACCESS_KEY SECRET_KEY   # prints the URL
#   tests/servers/radosgw.sh stop DIR
#
# Ports are picked free at start.  Everything the cluster writes stays in DIR.
set -eu

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for DEADLINE_S CMD...: run CMD until it succeeds or the deadline passes
wait_for() {
	local deadline=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

start() {
	local dir=$1 access=$2 secret=$3
	mkdir -p "$dir"/{run,log,mon.a,osd.0}
	local conf="$dir/ceph.conf"
	local monport rgwport fsid
	monport=$(free_port)
	rgwport=$(free_port)
	fsid=$(cat /proc/sys/kernel/random/uuid)
	cat >"$conf" <<CONF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$monport
mon initial members = a
public addr = 127.0.0.1
ms bind msgr2 = false
auth cluster required = none
auth service required = none
auth client required = none
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
keyring = $dir/keyring
osd objectstore = memstore
memstore device bytes = 1073741824
osd data = $dir/osd.\$id
mon data = $dir/mon.\$id
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon max pg per osd = 1000
mon allow pool delete = true
mon warn on pool no redundancy = false
osd max object name len = 460
osd max object namespace len = 64
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$rgwport
rgw dns name = 127.0.0.1
rgw data = $dir/rgw
CONF
	ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
	monmaptool --create --addv a "[v1:127.0.0.1:$monport]" --fsid "$fsid" "$dir/monmap" >/dev/null
	ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring" 2>"$dir/log/mkfs.err"
	ceph-mon -c "$conf" -i a 2>>"$dir/log/daemons.err"
	wait_for 30 ceph -c "$conf" --connect-timeout 2 mon stat
	local uuid
	uuid=$(cat /proc/sys/kernel/random/uuid)
	ceph -c "$conf" osd new "$uuid" 0 >/dev/null
	ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$uuid" 2>>"$dir/log/mkfs.err"
	# An OSD that starts in the first moments of a new monitor can send its
	# first command before it has the monitor map, and the monitor refuses
	# it ("wrong fsid"); the daemon then exits at once.  Start it again.
	local try
	for try in 1 2 3 4 5; do
		ceph-osd -c "$conf" -i 0 2>>"$dir/log/daemons.err" && break
		[ "$try" -lt 5 ] || return 1
		sleep 1
	done
	wait_for 60 sh -c "ceph -c '$conf' osd stat | grep -q '1 up'"
	mkdir -p "$dir/rgw"
	radosgw -c "$conf" -n client.rgw 2>>"$dir/log/daemons.err"
	wait_for 60 /usr/bin/python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$rgwport/')"
	radosgw-admin -c "$conf" user create --uid=amiwiz --display-name=amiwiz \
		--access-key="$access" --secret-key="$secret" >/dev/null
	echo "http://127.0.0.1:$rgwport"
}

stop() {
	local dir=$1
	for f in "$dir"/run/*.pid; do
		[ -f "$f" ] || continue
		kill "$(cat "$f")" 2>/dev/null || true
	done
	# give them a moment to go, then make sure
	for f in "$dir"/run/*.pid; do
		[ -f "$f" ] || continue
		local pid
		pid=$(cat "$f")
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	done
}

case "${1:-}" in
start) shift; start "$@" ;;
stop) shift; stop "$@" ;;
*) echo "usage: $0 start DIR ACCESS SECRET | stop DIR" >&2; exit 2 ;;
esac
