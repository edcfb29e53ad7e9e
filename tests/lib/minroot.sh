# A minimal bootable root for disk-image suites: the current Debian cloud
# kernel (cached in $AMIWIZ_CACHE/cloud-kernel) and busybox, whose /sbin/init
# prints AMIWIZ-MARKER-<contents of /etc/marker> and powers off.
# Source it; it sets $kdir, $vmlinuz, $kconfig, $kver, and defines mkroot DIR,
# json_get and pv_lz4_only.

kdir="$AMIWIZ_CACHE/cloud-kernel"
if [ ! -d "$kdir/boot" ]; then
	_pkg=$(apt-cache depends linux-image-cloud-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -1)
	(cd "$AMIWIZ_CACHE" && ls ${_pkg}_*.deb >/dev/null 2>&1 || apt-get download "$_pkg" >/dev/null 2>&1)
	_deb=$(ls "$AMIWIZ_CACHE"/${_pkg}_*.deb 2>/dev/null | head -1)
	mkdir -p "$kdir" && dpkg-deb -x "$_deb" "$kdir"
fi
vmlinuz=$(ls "$kdir"/boot/vmlinuz-* | head -1)
kconfig=$(ls "$kdir"/boot/config-* | head -1)
kver=${vmlinuz##*/vmlinuz-}

# mkroot DIR comes from images.sh
. "$AMIWIZ_TOP/tests/lib/images.sh"

json_get() { /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); exec("print("+sys.argv[2]+")")' "$@"; }

# pv_lz4_only NAME IMG: the image is right for pv in every respect but one:
# Debian's cloud kernel is LZ4-compressed, which no pv-grub unpacks, and the
# kernel check names exactly that reason.  ($A is the amiwiz binary.)
pv_lz4_only() {
	local out rc got
	out=$("$A" inspect --json --target pv "$2" 2>&1)
	rc=$?
	got=$(printf '%s' "$out" | json_get /dev/stdin '[f["code"] for f in d["findings"] if f["severity"] == "blocker"], "pv-grub cannot unpack" in "".join(f["text"] for f in d["findings"]) and "has lz4" in "".join(f["text"] for f in d["findings"])' 2>&1)
	if [ "$rc" = 1 ] && [ "$got" = "['kernel.check'] True" ]; then
		ok "inspect: $1 is fine for pv but for its LZ4 kernel, which pv-grub cannot unpack"
	else
		not_ok "inspect: $1 blocked for pv by the LZ4 kernel only (exit $rc)" "$got" "$out"
	fi
}
