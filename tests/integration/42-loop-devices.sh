#!/bin/bash
# The block-device refusals, proven on a real loop device when this runs as
# root and losetup works: a device that is mounted (ext4, and btrfs, whose
# mounts carry an anonymous device number), holds active swap, or is held by
# device-mapper is refused, and any other needs --confirm-device with its
# path typed back.  Only loop devices attached here over files made here are
# ever written; each is detached on exit.  Without loop devices the faked
# probe tests (tests/unit/test_disk.c) carry the proof, and this says so.
set -u
. "$AMIWIZ_TOP/tests/lib/tap.sh"
. "$AMIWIZ_TOP/tests/lib/minroot.sh"
A="$AMIWIZ_BIN"
work=$(mktemp -d)
L=""
dmname="amiwiz-test-$$"
cleanup() {
	mountpoint -q "$work/mnt" 2>/dev/null && umount "$work/mnt"
	if [ -n "$L" ]; then
		grep -q "^$L " /proc/swaps 2>/dev/null && swapoff "$L"
		dmsetup info "$dmname" >/dev/null 2>&1 && dmsetup remove "$dmname"
		losetup -d "$L"
	fi
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/mnt"
mkroot "$work/root"
cp "$vmlinuz" "$work/root/boot/"
echo loop >"$work/root/etc/marker"

truncate -s 128M "$work/disk.img"
if [ "$(id -u)" != 0 ] || ! L=$(losetup -f --show "$work/disk.img" 2>/dev/null); then
	L=""
	diag "loop devices are not available here (not root, or losetup -f failed):"
	diag "the refusals are proven with the faked probe only"
	check "the faked-probe refusal tests pass" env CMOCKA_MESSAGE_OUTPUT=TAP "$AMIWIZ_BUILD/tests/test_disk"
	tap_done
	exit
fi
back=$(losetup -nO BACK-FILE "$L" | sed 's/ *$//')
if [ "$back" = "$work/disk.img" ]; then ok "attached $L over a file made here"; else not_ok "loop device backing file" "$back"; tap_done; exit; fi

# refused IMAGE-ARGS... PATTERN: the build exits 2 and says PATTERN
refused() {
	local name=$1 pat=$2 out rc
	shift 2
	out=$("$A" build --layout hvm-bios --size 128M --root "$work/root" --out "$L" "$@" 2>&1); rc=$?
	if [ $rc = 2 ] && printf '%s' "$out" | grep -q -- "$pat"; then ok "$name"; else not_ok "$name (exit $rc)" "$out"; fi
}
refused "unused device without --confirm-device: refused, asked to type it back" "confirm-device $L"
refused "--confirm-device naming another device: refused" "confirm-device $L" --confirm-device /dev/loop-not-this-one

# mounted (ext4)
mkfs.ext4 -q -F "$L" >/dev/null 2>&1
if mount -o ro "$L" "$work/mnt" 2>/dev/null; then
	refused "mounted ext4 loop device: refused even with --confirm-device" "is mounted on" --confirm-device "$L"
	umount "$work/mnt"
else
	diag "mounting is not allowed here: the mounted-device refusal is proven by the faked probe"
fi
# mounted (btrfs: mountinfo gives an anonymous device number, not the loop's)
mkfs.btrfs -q -f "$L" >/dev/null 2>&1
if mount -o ro "$L" "$work/mnt" 2>/dev/null; then
	refused "mounted btrfs loop device: refused (found by the mount's source)" "is mounted on" --confirm-device "$L"
	umount "$work/mnt"
fi
# active swap
mkswap "$L" >/dev/null 2>&1
if swapon "$L" 2>/dev/null; then
	refused "loop device holding active swap: refused" "holds active swap" --confirm-device "$L"
	swapoff "$L"
else
	diag "swapon is not allowed here: the swap refusal is proven by the faked probe"
fi
# held by device-mapper
if dmsetup create "$dmname" --table "0 2048 linear $L 0" 2>/dev/null; then
	refused "loop device held by device-mapper: refused" "is in use by" --confirm-device "$L"
	dmsetup remove "$dmname"
else
	diag "dmsetup create is not allowed here: the holder refusal is proven by the faked probe"
fi

# confirmed and unused: written, and the file behind it is a bootable image
wipefs -a -q "$L" 2>/dev/null
out=$("$A" build --layout hvm-bios --size 128M --root "$work/root" --out "$L" --confirm-device "$L" 2>&1); rc=$?
if [ $rc = 0 ]; then ok "confirmed loop device: built"; else not_ok "confirmed loop device (exit $rc)" "$out"; fi
sync
check "the image written through $L inspects clean for hvm" "$A" inspect --target hvm "$work/disk.img"
tap_done
