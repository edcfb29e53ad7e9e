#!/bin/bash
# Benchmark (not a test): `amiwiz build` of a 2 GiB hvm-bios image from a
# ~300 MB root tree, against the same mke2fs/debugfs/grub-mkimage commands run
# by hand on the same tree in the same run.  Prints both times, the overhead
# ratio (target <= 1.15) and amiwiz's peak RSS.
#   usage: tests/bench/build_image.sh [BUILD_DIR]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
A="${1:-$top/build}/tui/amiwiz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root/boot" "$root/etc" "$root/usr/lib"
# ~300 MB: the host's /usr/lib content (real file sizes and counts), capped
tar -C /usr/lib -cf - . 2>/dev/null | head -c 300000000 | tar -C "$root/usr/lib" -xf - 2>/dev/null || true
echo 'PRETTY_NAME="bench"' >"$root/etc/os-release"
kernel=$(ls /boot/vmlinuz-* "$top"/tests/.cache/cloud-kernel/boot/vmlinuz-* 2>/dev/null | head -1 || true)
[ -n "$kernel" ] && cp "$kernel" "$root/boot/"
du -sh "$root" | sed 's/^/root tree: /'
sync

now() { date +%s.%N; }

# amiwiz
t0=$(now)
/usr/bin/time -f '%M' -o "$work/rss" "$A" build --layout hvm-bios --size 2G --root "$root" --out "$work/a.img" >/dev/null 2>&1
t1=$(now)

# by hand: the same steps
t2=$(now)
truncate -s 2G "$work/b.img"
parted -s "$work/b.img" mklabel msdos mkpart primary ext4 1MiB 100% set 1 boot on 2>/dev/null ||
	printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$work/b.img"
mke2fs -q -F -t ext4 -d "$root" -E offset=1048576 "$work/b.img" 2096128k
printf 'write /etc/hostname /etc/fstab\n' >"$work/cmds"
debugfs -w -f "$work/cmds" "$work/b.img?offset=1048576" >/dev/null 2>&1
printf 'set prefix=(hd0,msdos1)/boot/grub\n' >"$work/early.cfg"
grub-mkimage -O i386-pc -d /usr/lib/grub/i386-pc -o "$work/core.img" -c "$work/early.cfg" -p /boot/grub \
	part_msdos part_gpt ext2 xfs fat normal linux search search_fs_uuid configfile echo serial terminal test ls cat boot halt reboot biosdisk
dd if=/usr/lib/grub/i386-pc/boot.img of="$work/b.img" bs=440 count=1 conv=notrunc status=none
dd if="$work/core.img" of="$work/b.img" bs=512 seek=1 conv=notrunc status=none
sync -f "$work/b.img" 2>/dev/null || sync
t3=$(now)

awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v rss="$(cat "$work/rss")" 'BEGIN {
	amiwiz = b - a; hand = d - c;
	printf "amiwiz build: %.2f s, peak RSS %.1f MiB\n", amiwiz, rss / 1024;
	printf "by hand:      %.2f s\n", hand;
	printf "overhead ratio: %.3f (target <= 1.15)\n", amiwiz / hand;
}'
