#!/bin/bash
# xfs roots (made from a protofile), btrfs subvolumes seen before upload, and
# pv-classic's separate /boot kept off the root filesystem.  Filesystems are
# read back with their own tools (xfs_db, xfs_repair, debugfs), never mounted
# by amiwiz; the subvolume fixture needs a loop mount, made only when this
# machine allows it.
set -u
. "$AMIWIZ_TOP/tests/lib/tap.sh"
. "$AMIWIZ_TOP/tests/lib/minroot.sh"
A="$AMIWIZ_BIN"
work=$(mktemp -d)
loopdev=""
cleanup() {
	mountpoint -q "$work/mnt" 2>/dev/null && umount "$work/mnt"
	[ -n "$loopdev" ] && losetup -d "$loopdev" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# part IMG JSON N OUT: copy partition N (0-based, as the build reports it) out, sparse
part() {
	local st sz
	st=$(json_get "$2" "d['partitions'][$3]['start']")
	sz=$(json_get "$2" "d['partitions'][$3]['size']")
	dd if="$1" of="$4" bs=1M skip=$((st / 1048576)) count=$((sz / 1048576)) conv=sparse status=none
}
finding() { # name image target code
	local out
	out=$("$A" inspect --json --target "$3" "$2" 2>&1)
	if printf '%s' "$out" | json_get /dev/stdin '" ".join(f["code"] for f in d["findings"])' | grep -qw -- "$4"; then
		ok "$1: $4"
	else
		not_ok "$1: $4" "$out"
	fi
}

# --- xfs: the cloud kernel has it as a module, so the root gets an initramfs
# that loads it (busybox, xfs.ko and what it depends on) ---
xfs_cfg=$(grep -E '^CONFIG_XFS_FS=' "$kconfig")
diag "the cloud kernel: $xfs_cfg"
mkroot "$work/root"
cp "$vmlinuz" "$work/root/boot/"
echo ok-xfs >"$work/root/etc/marker"
mkdir -p "$work/root/tmp" && chmod 1777 "$work/root/tmp"
ln -s ../etc/os-release "$work/root/boot/link-to-os-release"
if [ "$xfs_cfg" = "CONFIG_XFS_FS=m" ]; then
	ird="$work/initrd"
	mkdir -p "$ird/bin" "$ird/proc" "$ird/dev" "$ird/newroot"
	cp /bin/busybox "$ird/bin/"
	mods=""
	# each module's depends= field, resolved in order (dependencies first)
	want() {
		local m f d
		m=$1
		case " $mods " in *" $m "*) return ;; esac
		f=$(find "$kdir/lib/modules" -name "$m.ko" | head -1)
		for d in $(strings -a "$f" | sed -n 's/^depends=//p' | tr ',' ' '); do want "$d"; done
		cp "$f" "$ird/"
		mods="$mods $m"
	}
	want xfs
	cat >"$ird/init" <<INIT
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
for m in $mods; do /bin/busybox insmod /\$m.ko; done
root=\$(/bin/busybox sed -n 's/.*root=\([^ ]*\).*/\1/p' /proc/cmdline)
n=0
until dev=\$(/bin/busybox findfs "\$root" 2>/dev/null); do
	n=\$((n + 1)); [ \$n -gt 300 ] && break; /bin/busybox usleep 100000
done
/bin/busybox mount -t xfs -o ro "\$dev" /newroot
/bin/busybox umount /proc
/bin/busybox umount /dev
exec /bin/busybox switch_root /newroot /sbin/init
INIT
	chmod 755 "$ird/init"
	(cd "$ird" && find . | cpio -o -H newc 2>/dev/null | gzip) >"$work/root/boot/initrd.img-$kver"
	diag "initramfs modules:$mods"
fi

for spec in "xbios hvm-bios" "xuefi uefi"; do
	set -- $spec
	if "$A" build --layout "$2" --size 400M --root-fs xfs --root "$work/root" --out "$work/$1.img" --json >"$work/$1.json" 2>"$work/$1.err"; then
		ok "build $1 ($2, xfs root)"
	else
		not_ok "build $1 ($2, xfs root)" "$(cat "$work/$1.err" "$work/$1.json")"
		continue
	fi
	n=$(json_get "$work/$1.json" 'len(d["partitions"]) - 1')
	want=$(json_get "$work/$1.json" "d['partitions'][$n]['uuid']")
	got=$("$A" inspect --json "$work/$1.img" | json_get /dev/stdin "' '.join(p['type'] + ' ' + p['uuid'] for p in d['partitions'] if p['type'] == 'xfs')")
	if [ "$got" = "xfs $want" ]; then ok "$1: libblkid reads the xfs root back ($want)"; else not_ok "$1: xfs root read back" "built: $want" "read: $got"; fi
	part "$work/$1.img" "$work/$1.json" "$n" "$work/$1.root"
	if out=$(xfs_repair -n "$work/$1.root" 2>&1); then ok "$1: xfs_repair -n finds the root clean"; else not_ok "$1: xfs_repair -n" "$out"; fi
	ls_out=$(xfs_db -r -c 'ls /boot/grub' -c 'ls /etc' -c 'ls /dev' -c 'ls /boot' -c 'ls /' -c 'ls /bin' "$work/$1.root" 2>&1)
	miss=""
	for f in grub.cfg fstab os-release console null "vmlinuz-$kver" "initrd.img-$kver" link-to-os-release busybox; do
		printf '%s\n' "$ls_out" | grep -qE " $f \(good\)$" || miss="$miss $f"
	done
	[ "$2" = uefi ] && { printf '%s\n' "$ls_out" | grep -qE ' efi \(good\)$' || miss="$miss boot/efi"; }
	if [ -z "$miss" ]; then ok "$1: xfs_db lists the root tree and the files the build adds"; else not_ok "$1: xfs_db listing (missing:$miss)" "$ls_out"; fi
	if xfs_db -r -c 'ls /dev' "$work/$1.root" | grep -qE 'chardev .* console \(good\)$'; then ok "$1: /dev/console is a character device"; else not_ok "$1: /dev/console"; fi
	if grep -q 'sticky' "$work/$1.json"; then ok "$1: the build warns that /tmp's sticky bit is lost"; else not_ok "$1: sticky-bit warning" "$(cat "$work/$1.json")"; fi
	out=$("$A" inspect --target hvm "$work/$1.img" 2>&1); rc=$?
	if [ $rc = 0 ] && printf '%s' "$out" | grep -q 'were not checked'; then ok "$1: inspect passes it and says which checks could not read xfs"; else not_ok "$1: inspect (exit $rc)" "$out"; fi
done
cmd=$(json_get "$work/xbios.json" 'd["cmdline"]' 2>/dev/null)
case "$cmd" in *rootfstype=xfs*) ok "xfs: the kernel line names rootfstype=xfs" ;; *) not_ok "xfs: rootfstype=xfs" "$cmd" ;; esac
boot() { # name image marker
	local out rc
	out=$("$A" boot-test --timeout 90 "$2" 2>&1); rc=$?
	if [ $rc = 0 ] && printf '%s\n' "$out" | grep -q -- "$3"; then ok "boot-test $1: $3"; else not_ok "boot-test $1 (exit $rc)" "$(printf '%s\n' "$out" | tail -25)"; fi
}
boot "xfs root, BIOS, GRUB reads xfs, initramfs loads xfs.ko" "$work/xbios.img" AMIWIZ-MARKER-ok-xfs

# --- pv-classic: the root keeps an empty /boot, the boot partition the rest ---
for fs in ext4 xfs; do
	n=pc$fs
	if "$A" build --layout pv-classic --size 640M --root-fs $fs --root "$work/root" --out "$work/$n.img" --json >"$work/$n.json" 2>"$work/$n.err"; then
		ok "build $n (pv-classic, $fs root)"
	else
		not_ok "build $n" "$(cat "$work/$n.err" "$work/$n.json")"
		continue
	fi
	part "$work/$n.img" "$work/$n.json" 0 "$work/$n.boot"
	part "$work/$n.img" "$work/$n.json" 1 "$work/$n.root"
	if [ $fs = ext4 ]; then
		rootls=$(debugfs -R 'ls -p /boot' "$work/$n.root" 2>/dev/null | grep -v '^$')
		names=$(printf '%s\n' "$rootls" | awk -F/ '{print $6}' | grep -vxE '\.|\.\.' | tr '\n' ' ')
		isdir=$(debugfs -R 'stat /boot' "$work/$n.root" 2>/dev/null | grep -c 'Type: directory')
	else
		rootls=$(xfs_db -r -c 'ls /boot' "$work/$n.root" 2>&1)
		names=$(printf '%s\n' "$rootls" | awk 'NR>1 {print $NF=="(good)" ? $(NF-1) : $NF}' | grep -vxE '\.|\.\.' | tr '\n' ' ')
		isdir=$(printf '%s\n' "$rootls" | grep -c ' \. (good)$')
	fi
	if [ "$isdir" = 1 ] && [ -z "$names" ]; then ok "$n: the root's /boot is an empty mount point"; else not_ok "$n: the root's /boot is empty (left: $names)" "$rootls"; fi
	bootls=$(debugfs -R 'ls /' "$work/$n.boot" 2>/dev/null)
	menu=$(debugfs -R 'cat /boot/grub/menu.lst' "$work/$n.boot" 2>/dev/null)
	link=$(debugfs -R 'stat /grub' "$work/$n.boot" 2>/dev/null | sed -n 's/.*Fast link dest: "\(.*\)"/\1/p')
	if printf '%s' "$bootls" | grep -q "vmlinuz-$kver" && printf '%s' "$bootls" | grep -q "initrd.img-$kver" &&
		printf '%s' "$menu" | grep -q "kernel /vmlinuz-$kver " && [ "$link" = boot/grub ]; then
		ok "$n: the boot partition holds the kernel, boot/grub/menu.lst and grub -> boot/grub"
	else
		not_ok "$n: boot partition contents" "$bootls" "$menu" "link: $link"
	fi
done
pv_lz4_only "pv-classic with an xfs root" "$work/pcxfs.img"

# --- btrfs: subvolumes, read from the root tree without mounting ---
mkroot "$work/broot"
cp "$vmlinuz" "$work/broot/boot/"
"$A" build --layout pv-classic --size 512M --root-fs btrfs --root "$work/broot" --out "$work/pb.img" --json >"$work/pb.json" 2>"$work/pb.err" || not_ok "build pv-classic btrfs" "$(cat "$work/pb.err")"
sv=$("$A" inspect --json --target import "$work/pb.img" | json_get /dev/stdin '[p.get("subvolumes") for p in d["partitions"] if p["type"] == "btrfs"][0]' 2>&1)
if [ "$sv" = 0 ]; then ok "btrfs made by mkfs.btrfs --rootdir: no subvolumes found"; else not_ok "btrfs without subvolumes" "subvolumes: $sv"; fi
finding "btrfs without subvolumes" "$work/pb.img" import import.btrfs
# mkfs.btrfs 6.2 (Debian 12) has no --subvol: a subvolume is made through a
# loop mount, when this machine allows one
cp "$work/pb.img" "$work/pbsub.img"
st=$(json_get "$work/pb.json" 'd["partitions"][1]["start"]')
sz=$(json_get "$work/pb.json" 'd["partitions"][1]["size"]')
mkdir -p "$work/mnt"
if [ "$(id -u)" = 0 ] && loopdev=$(losetup -f --show -o "$st" --sizelimit "$sz" "$work/pbsub.img" 2>/dev/null) &&
	mount -t btrfs "$loopdev" "$work/mnt" 2>/dev/null; then
	btrfs subvolume create "$work/mnt/home" >/dev/null && btrfs subvolume create "$work/mnt/var-snap" >/dev/null
	umount "$work/mnt"
	losetup -d "$loopdev"
	loopdev=""
	js=$("$A" inspect --json --target import "$work/pbsub.img")
	sv=$(printf '%s' "$js" | json_get /dev/stdin '[p.get("subvolumes") for p in d["partitions"] if p["type"] == "btrfs"][0]' 2>&1)
	st=$(printf '%s' "$js" | json_get /dev/stdin 'd["predicted_import_status"]' 2>&1)
	txt=$(printf '%s' "$js" | json_get /dev/stdin '[f["text"] for f in d["findings"] if f["code"] == "import.btrfs-subvolume"]' 2>&1)
	if [ "$sv" = 2 ] && [ "$st" = "ClientError: Unsupported configuration - Btrfs subvolumes are not supported" ] &&
		printf '%s' "$txt" | grep -q '"home"'; then
		ok "btrfs with two subvolumes: found without mounting, VM Import's refusal predicted"
	else
		not_ok "btrfs with subvolumes" "subvolumes: $sv" "status: $st" "$txt"
	fi
else
	diag "no loop mount here (not root, or losetup/mount refused): the on-disk subvolume fixture is not made"
	[ -n "$loopdev" ] && losetup -d "$loopdev"
	loopdev=""
fi
# the kernel line naming a subvolume is refused whatever the filesystem says
"$A" build --layout hvm-bios --size 64M --root "$work/broot" --cmdline "rootflags=subvol=@" --out "$work/subvolarg.img" >/dev/null 2>&1
finding "kernel line with rootflags=subvol=@" "$work/subvolarg.img" import import.btrfs-subvolume
# a damaged btrfs root tree: said, not guessed
cp "$work/pb.img" "$work/pbbad.img"
bst=$(json_get "$work/pb.json" 'd["partitions"][1]["start"]')
# the superblock's chunk array size, overwritten with a size no superblock has
printf '\xff\xff\xff\xff' | dd of="$work/pbbad.img" bs=1 seek=$((bst + 65536 + 0xa0)) conv=notrunc status=none
out=$("$A" inspect --json --target import "$work/pbbad.img" 2>&1)
if printf '%s' "$out" | grep -q 'root tree could not be read'; then ok "btrfs with a damaged chunk array: the subvolume check says it could not read"; else not_ok "damaged btrfs" "$out"; fi

tap_done
