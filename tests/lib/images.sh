# Shell helpers for suites that build small disk images with `amiwiz build`.
# Source after tests/lib/tap.sh.
#
#   mkroot DIR      a minimal root: busybox, an init that prints
#                   AMIWIZ-MARKER-<contents of /etc/marker> and powers off,
#                   and an os-release; no kernel (copy one into DIR/boot)

mkroot() {
	local r=$1
	mkdir -p "$r/bin" "$r/sbin" "$r/boot" "$r/proc" "$r/etc"
	cp /bin/busybox "$r/bin/busybox"
	ln -sf busybox "$r/bin/sh"
	cat >"$r/sbin/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox echo "AMIWIZ-MARKER-$(/bin/busybox cat /etc/marker)"
/bin/busybox poweroff -f
INIT
	chmod 755 "$r/sbin/init"
	echo 'PRETTY_NAME="amiwiz test system"' >"$r/etc/os-release"
}
