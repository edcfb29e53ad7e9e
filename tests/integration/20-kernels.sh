#!/bin/bash
# amiwiz check-kernel on real Debian kernels, on initramfs archives built here,
# on a kernel carrying its config (IKCONFIG), and on bad input.
#
# Set-up fetches linux-image-*-cloud-amd64, -amd64, the i386 -686-pae and the
# arm64 -arm64 packages into $AMIWIZ_CACHE with apt-get download (tests/lib/fetch-kernels.sh).
set -u
. "$AMIWIZ_TOP/tests/lib/tap.sh"
BIN=$AMIWIZ_BIN
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# jq-like reads of the --json output: q FILE EXPR (EXPR in python, `d` = doc)
q() {
	"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
# target FILE KERNEL_INDEX TARGET -> that target's object as python
tgt() {
	echo "[t for t in d['kernels'][$2]['targets'] if t['target']=='$3'][0]"
}
# expect NAME ACTUAL WANTED
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $2" "want: $3"; fi
}

if ! fetched=$("$AMIWIZ_TOP/tests/lib/fetch-kernels.sh" "$AMIWIZ_CACHE" 2>"$work/fetch.err"); then
	not_ok "fetch the Debian kernel packages" "$(cat "$work/fetch.err")"
	tap_done
	exit 1
fi
ok "fetch the Debian kernel packages"
diag "$fetched"
K=$AMIWIZ_CACHE/kernels

# ---- real kernels: the verdicts each must get ----
for flavour in cloud-amd64 amd64 686-pae arm64; do
	vmlinuz=$(ls "$K/$flavour"/boot/vmlinuz-* | head -1)
	"$BIN" check-kernel --json "$vmlinuz" >"$work/$flavour.json" 2>"$work/$flavour.err"
	rc=$?
	expect "$flavour: exit 1 (some target has a blocker)" "$rc" 1
	expect "$flavour: config found beside the kernel" \
		"$(q "$work/$flavour.json" "d['kernels'][0]['config']['source']")" file
done

J=$work/cloud-amd64.json
expect "cloud-amd64: x86_64" "$(q "$J" "d['kernels'][0]['arch']")" x86_64
expect "cloud-amd64: LZ4 payload read from the bzImage" "$(q "$J" "d['kernels'][0]['compression']")" lz4
expect "cloud-amd64: boot protocol 2.15" "$(q "$J" "d['kernels'][0]['image']['boot_protocol']")" 2.15
expect "cloud-amd64: EFI stub" "$(q "$J" "d['kernels'][0]['image']['efi_stub']")" True
expect "cloud-amd64: cannot boot under pv-grub (pv-x86_64)" \
	"$(q "$J" "$(tgt "$J" 0 pv-x86_64)['verdict']")" cannot-boot
expect "cloud-amd64: the reason is the compression" \
	"$(q "$J" "[f['id'] for f in $(tgt "$J" 0 pv-x86_64)['findings'] if f['severity']=='blocker']")" \
	"['compression-unsupported']"
expect "cloud-amd64: no blocker on nitro (NVMe built in)" \
	"$(q "$J" "$(tgt "$J" 0 nitro)['verdict']")" boots

J=$work/amd64.json
expect "amd64: XZ payload" "$(q "$J" "d['kernels'][0]['compression']")" xz
expect "amd64: pv-x86_64 boots on a pv-grub 1.04+ AKI" \
	"$(q "$J" "$(tgt "$J" 0 pv-x86_64)['min_pvgrub']")" 1.04
expect "amd64: pv-x86_64 has no blocker" \
	"$(q "$J" "$(tgt "$J" 0 pv-x86_64)['verdict']")" boots-with-warnings
expect "amd64: xen-blkfront must come from the initramfs (unconfirmed)" \
	"$(q "$J" "[f['option'] for f in $(tgt "$J" 0 pv-x86_64)['findings'] if f['id']=='module-unconfirmed']")" \
	"['CONFIG_XEN_BLKDEV_FRONTEND']"
expect "amd64: pv-i386 cannot boot it (64-bit)" \
	"$(q "$J" "$(tgt "$J" 0 pv-i386)['verdict']")" cannot-boot

J=$work/686-pae.json
expect "686-pae: i386 (xloadflags without the 64-bit bit)" "$(q "$J" "d['kernels'][0]['arch']")" i386
expect "686-pae: XZ payload" "$(q "$J" "d['kernels'][0]['compression']")" xz
expect "686-pae: cannot boot as a 32-bit PV guest" \
	"$(q "$J" "$(tgt "$J" 0 pv-i386)['verdict']")" cannot-boot
expect "686-pae: because 32-bit PV left Linux in 5.9" \
	"$(q "$J" "'pv32-removed' in [f['id'] for f in $(tgt "$J" 0 pv-i386)['findings']]")" True
expect "686-pae: VM Import refuses 32-bit" \
	"$(q "$J" "$(tgt "$J" 0 import)['verdict']")" cannot-boot

# ---- arm64: Debian's Image, the same gzip'd, and wrapped as EFI zboot ----
A=$K/arm64/boot
aimg=$(ls "$A"/vmlinuz-* | head -1)
aver=${aimg##*/vmlinuz-}
acfg=$A/config-$aver
# what nitro must say of a driver, from the configuration itself:
# built in -> nothing; a module -> for NVMe (needed to mount the root disk)
# unconfirmed without an initramfs; missing -> a blocker
drv_expect() { # OPTION EARLY
	case $(grep -E "^$1=|^# $1 is not set" "$acfg") in
	"$1=y") echo "[]" ;;
	"$1=m") if [ "$2" = early ]; then echo "['module-unconfirmed']"; else echo "[]"; fi ;;
	*) echo "['driver-missing']" ;;
	esac
}
nvme_want=$(drv_expect CONFIG_BLK_DEV_NVME early)
ena_want=$(drv_expect CONFIG_ENA_ETHERNET late)
nitro_want=boots
[ "$nvme_want$ena_want" = "[][]" ] || nitro_want=boots-with-warnings
case "$nvme_want$ena_want" in *driver-missing*) nitro_want=cannot-boot ;; esac
# arm64_checks LABEL JSON FORMAT COMPRESSION CONFIG_SOURCE
arm64_checks() {
	local l=$1 J=$2
	expect "$l: arm64, from the image header" "$(q "$J" "d['kernels'][0]['arch']")" arm64
	expect "$l: image format" "$(q "$J" "d['kernels'][0]['image']['format']")" "$3"
	expect "$l: version read from the image" "$(q "$J" "d['kernels'][0]['release']")" "$aver"
	expect "$l: compression" "$(q "$J" "d['kernels'][0]['compression']")" "$4"
	expect "$l: configuration" "$(q "$J" "d['kernels'][0]['config']['source']")" "$5"
	expect "$l: EFI stub (Graviton boots through UEFI)" \
		"$(q "$J" "d['kernels'][0]['image']['efi_stub']")" True
	local t
	for t in pv-i386 pv-x86_64 hvm-xen; do
		expect "$l: $t cannot boot it, for the architecture alone" \
			"$(q "$J" "$(tgt "$J" 0 $t)['verdict']") $(q "$J" "[f['id'] for f in $(tgt "$J" 0 $t)['findings'] if f['severity']=='blocker']")" \
			"cannot-boot ['arch-wrong']"
	done
	expect "$l: VM Import refuses arm64" \
		"$(q "$J" "$(tgt "$J" 0 import)['verdict']") $(q "$J" "[f['id'] for f in $(tgt "$J" 0 import)['findings'] if f['severity']=='blocker']")" \
		"cannot-boot ['import-arm64']"
	expect "$l: nitro: $nitro_want (NVMe $nvme_want, ENA $ena_want, no EFI stub finding)" \
		"$(q "$J" "$(tgt "$J" 0 nitro)['verdict']") $(q "$J" "[f['id'] for f in $(tgt "$J" 0 nitro)['findings'] if f['option']=='CONFIG_BLK_DEV_NVME']") $(q "$J" "[f['id'] for f in $(tgt "$J" 0 nitro)['findings'] if f['option']=='CONFIG_ENA_ETHERNET']") $(q "$J" "[f['id'] for f in $(tgt "$J" 0 nitro)['findings'] if f['id']=='efi-stub-missing']")" \
		"$nitro_want $nvme_want $ena_want []"
}
diag "$(file -b "$aimg")"
# Debian 12's arm64 vmlinuz is a plain Image; a later one may be gzip'd or
# zboot: the checks below cover each form whichever Debian ships
case $(head -c 2 "$aimg" | od -An -tx1 | tr -d ' ') in
1f8b) aform="gzip" ;;
*) if [ "$(head -c 8 "$aimg" | tail -c 4)" = zimg ]; then aform=zboot; else aform=plain; fi ;;
esac
diag "Debian's arm64 vmlinuz: $aform"
mkdir -p "$work/a64-plain" "$work/a64-gz" "$work/a64-zb" "$work/a64-zbik"
case $aform in
plain) cp "$aimg" "$work/a64-plain/Image" ;;
gzip) gzip -dc "$aimg" >"$work/a64-plain/Image" ;;
zboot) "$PY" - "$aimg" "$work/a64-plain/Image" <<'PYEOF'
import gzip, struct, sys
d = open(sys.argv[1], "rb").read()
off, size = struct.unpack_from("<II", d, 8)
if d[24:28] != b"gzip":
    raise SystemExit("zboot payload is " + d[24:32].split(b"\0")[0].decode())
open(sys.argv[2], "wb").write(gzip.decompress(d[off:off + size]))
PYEOF
;;
esac
ln -s "$work/a64-plain/Image" "$work/a64-plain/vmlinuz-$aver"
gzip -6c "$work/a64-plain/Image" >"$work/a64-gz/vmlinuz-$aver"
"$PY" "$AMIWIZ_TOP/tests/lib/make-zboot.py" "$work/a64-plain/Image" "$work/a64-zb/vmlinuz-$aver"
"$PY" "$AMIWIZ_TOP/tests/lib/make-zboot.py" "$work/a64-plain/Image" \
	"$work/a64-zbik/vmlinuz-$aver" --ikconfig "$acfg"
for d in a64-plain a64-gz a64-zb; do ln -s "$acfg" "$work/$d/config-$aver"; done
arm64_checks "arm64 (Debian's package)" "$work/arm64.json" \
	"$([ $aform = zboot ] && echo "EFI zboot" || echo "arm64 Image")" \
	"$([ $aform = plain ] && echo none || echo gzip)" file
for d in a64-plain a64-gz a64-zb a64-zbik; do
	"$BIN" check-kernel --json "$work/$d/vmlinuz-$aver" >"$work/$d.json" 2>"$work/$d.err"
	expect "$d: exit 1 (some target has a blocker)" "$?" 1
done
arm64_checks "arm64 plain Image" "$work/a64-plain.json" "arm64 Image" none file
arm64_checks "arm64 gzip'd Image" "$work/a64-gz.json" "arm64 Image" gzip file
arm64_checks "arm64 EFI zboot" "$work/a64-zb.json" "EFI zboot" gzip file
arm64_checks "arm64 EFI zboot with IKCONFIG" "$work/a64-zbik.json" "EFI zboot" gzip \
	"stored in the kernel (IKCONFIG)"

# human output: facts and verdict lines
"$BIN" check-kernel --target pv-x86_64 "$K/amd64/boot/" >"$work/human.txt" 2>&1
if grep -q "pv-x86_64  boots on a pv-grub 1.04+ AKI" "$work/human.txt" &&
	grep -q "compression   xz" "$work/human.txt" && grep -q "Fix: " "$work/human.txt"; then
	ok "human output: facts, verdict line and fix (a /boot folder)"
else
	not_ok "human output: facts, verdict line and fix (a /boot folder)" "$(cat "$work/human.txt")"
fi
"$BIN" check-kernel --target nitro "$K/cloud-amd64" >/dev/null 2>&1
expect "a root folder (finds boot/vmlinuz-*); nitro only: exit 0" "$?" 0

# ---- initramfs built here: with and without xen-blkfront, several ways ----
src=$(ls "$K/amd64"/boot/vmlinuz-* | head -1)
ver=${src##*/vmlinuz-}
modpath=$(grep -m1 '/xen-blkfront\.ko' "$K/amd64/.contents" | sed 's|^\./||')
[ -n "$modpath" ] || modpath="usr/lib/modules/$ver/kernel/drivers/block/xen-blkfront.ko"
mkcpio() { # DIR -> newc cpio on stdout
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet)
}
mkdir -p "$work/ucode/kernel/x86/microcode" "$work/with/$(dirname "$modpath")" \
	"$work/without/usr/lib/modules/$ver/kernel/drivers/net" "$work/with/usr/bin"
echo ucode >"$work/ucode/kernel/x86/microcode/GenuineIntel.bin"
echo module >"$work/with/$modpath"
echo module >"$work/without/usr/lib/modules/$ver/kernel/drivers/net/xen-netfront.ko"
echo '#!/bin/sh' >"$work/with/init"
echo '#!/bin/sh' >"$work/without/init"
mkcpio "$work/ucode" >"$work/ucode.cpio"
for comp in gzip xz zstd lz4 bzip2; do
	case $comp in
	gzip) c="gzip -9c" ;;
	xz) c="xz -c --check=crc32" ;;
	zstd) c="zstd -q -c" ;;
	lz4) c="lz4 -l -c" ;;
	bzip2) c="bzip2 -c" ;;
	esac
	for kind in with without; do
		b="$work/boot-$comp-$kind"
		mkdir -p "$b"
		ln -s "$src" "$b/vmlinuz-$ver"
		ln -s "$K/amd64/boot/config-$ver" "$b/config-$ver"
		# the early microcode prefix: a plain cpio, then the compressed one
		{ cat "$work/ucode.cpio"; mkcpio "$work/$kind" | $c; } >"$b/initrd.img-$ver"
		"$BIN" check-kernel --json --target pv-x86_64 "$b" >"$b/out.json" 2>"$b/err"
		rc=$?
		J=$b/out.json
		if [ $kind = with ]; then
			got="$rc $(q "$J" "$(tgt "$J" 0 pv-x86_64)['verdict']") $(q "$J" "[f['id'] for f in $(tgt "$J" 0 pv-x86_64)['findings'] if f['option']=='CONFIG_XEN_BLKDEV_FRONTEND']")"
			expect "initramfs ($comp, microcode prefix) with xen-blkfront: boots" \
				"$got" "0 boots ['module-in-initramfs']"
		else
			got="$rc $(q "$J" "$(tgt "$J" 0 pv-x86_64)['verdict']") $(q "$J" "[f['id'] for f in $(tgt "$J" 0 pv-x86_64)['findings'] if f['option']=='CONFIG_XEN_BLKDEV_FRONTEND']")"
			expect "initramfs ($comp, microcode prefix) without xen-blkfront: cannot boot" \
				"$got" "1 cannot-boot ['module-not-in-initramfs']"
		fi
	done
done
# ---- a configuration alone: the initramfs and the kernel beside it are used ----
b=$work/boot-gzip-with
"$BIN" check-kernel --json --target pv-x86_64 "$b/config-$ver" >"$work/cfg-beside.json" 2>&1
rc=$?
J=$work/cfg-beside.json
expect "config-<ver> alone: the initrd.img and vmlinuz beside it are used" \
	"$rc $(q "$J" "d['kernels'][0]['initramfs']['read']") $(q "$J" "d['kernels'][0]['image']['beside_config']") $(q "$J" "d['kernels'][0]['image']['path']") $(q "$J" "d['kernels'][0]['config']['source']")" \
	"0 True True $b/vmlinuz-$ver file"
expect "config-<ver> alone: image facts (release, xz, protocol) and the module found" \
	"$(q "$J" "d['kernels'][0]['release']") $(q "$J" "d['kernels'][0]['compression']") $(q "$J" "d['kernels'][0]['image']['boot_protocol']") $(q "$J" "$(tgt "$J" 0 pv-x86_64)['verdict']") $(q "$J" "[f['id'] for f in $(tgt "$J" 0 pv-x86_64)['findings'] if f['option']=='CONFIG_XEN_BLKDEV_FRONTEND']")" \
	"$ver xz 2.15 boots ['module-in-initramfs']"
"$BIN" check-kernel --target pv-x86_64 "$b/config-$ver" >"$work/cfg-beside.txt" 2>&1
if grep -q "^  kernel  *$b/vmlinuz-$ver (found beside the configuration" "$work/cfg-beside.txt" &&
	grep -q "^  initramfs  *$b/initrd.img-$ver" "$work/cfg-beside.txt"; then
	ok "config-<ver> alone: the output says which kernel and initramfs were used"
else
	not_ok "config-<ver> alone: the output says which kernel and initramfs were used" "$(head -12 "$work/cfg-beside.txt")"
fi
# no kernel beside it: the initramfs alone still settles the module question
b=$work/cfg-only
mkdir -p "$b"
cp "$work/boot-zstd-without/initrd.img-$ver" "$K/amd64/boot/config-$ver" "$b/"
"$BIN" check-kernel --json --target pv-x86_64 "$b/config-$ver" >"$b/out.json" 2>&1
rc=$?
J=$b/out.json
expect "config-<ver> and an initramfs without xen-blkfront: cannot boot, no image" \
	"$rc $(q "$J" "'image' in d['kernels'][0]") $(q "$J" "d['kernels'][0]['arch']") $(q "$J" "[f['id'] for f in $(tgt "$J" 0 pv-x86_64)['findings'] if f['option']=='CONFIG_XEN_BLKDEV_FRONTEND']")" \
	"1 False x86_64 ['module-not-in-initramfs']"
# a kernel beside it that cannot be read: noted, the check goes on
head -c 3000 "$src" >"$b/vmlinuz-$ver"
"$BIN" check-kernel --json --target pv-x86_64 "$b/config-$ver" >"$b/out2.json" 2>&1
rc=$?
J=$b/out2.json
expect "config-<ver> beside a damaged vmlinuz: noted, not fatal" \
	"$rc $(q "$J" "d['kernels'][0]['image']['path']") $(q "$J" "'cut short' in d['kernels'][0]['image']['error']") $(q "$J" "d['kernels'][0]['initramfs']['read']")" \
	"1 $b/vmlinuz-$ver True True"

# an initramfs that cannot be read is reported, not fatal
b="$work/boot-broken"
mkdir -p "$b"
ln -s "$src" "$b/vmlinuz-$ver"
ln -s "$K/amd64/boot/config-$ver" "$b/config-$ver"
{ cat "$work/ucode.cpio"; mkcpio "$work/with" | gzip -c | head -c 100; } >"$b/initrd.img-$ver"
"$BIN" check-kernel --json --target pv-x86_64 "$b" >"$b/out.json" 2>/dev/null
J=$b/out.json
expect "a damaged initramfs: noted, and the module stays unconfirmed" \
	"$(q "$J" "d['kernels'][0]['initramfs']['read']") $(q "$J" "[f['id'] for f in $(tgt "$J" 0 pv-x86_64)['findings'] if f['option']=='CONFIG_XEN_BLKDEV_FRONTEND']")" \
	"False ['module-unconfirmed']"

# ---- a kernel that carries its configuration (IKCONFIG) ----
mkdir -p "$work/ik"
"$PY" "$AMIWIZ_TOP/tests/lib/make-ikconfig-kernel.py" "$K/cloud-amd64/boot/config-"* \
	"$work/ik/vmlinuz" --size 8
"$BIN" check-kernel --json --target nitro "$work/ik/vmlinuz" >"$work/ik.json" 2>&1
J=$work/ik.json
expect "IKCONFIG: the configuration is read from inside the kernel" \
	"$(q "$J" "d['kernels'][0]['config']['source']") $(q "$J" "d['kernels'][0]['config']['options']")" \
	"stored in the kernel (IKCONFIG) $(grep -c '^CONFIG_\|^# CONFIG_.* is not set' "$K/cloud-amd64/boot/config-"*)"
# the same with an LZO payload (the lzop container, as CONFIG_KERNEL_LZO builds it)
mkdir -p "$work/iklzo"
"$PY" "$AMIWIZ_TOP/tests/lib/make-ikconfig-kernel.py" "$K/cloud-amd64/boot/config-"* \
	"$work/iklzo/vmlinuz" --size 8 --comp lzo
"$BIN" check-kernel --json --target pv-x86_64 "$work/iklzo/vmlinuz" >"$work/iklzo.json" 2>&1
J=$work/iklzo.json
expect "IKCONFIG in an LZO-compressed bzImage: read, and pv-grub 1.05+ (lzo)" \
	"$(q "$J" "d['kernels'][0]['compression']") $(q "$J" "d['kernels'][0]['config']['source']") $(q "$J" "d['kernels'][0]['config']['options']") $(q "$J" "$(tgt "$J" 0 pv-x86_64)['min_pvgrub']")" \
	"lzo stored in the kernel (IKCONFIG) $(grep -c '^CONFIG_\|^# CONFIG_.* is not set' "$K/cloud-amd64/boot/config-"*) 1.05"
gzip -c "$K/amd64/boot/config-$ver" >"$work/config.gz"
"$BIN" check-kernel --json --target pv-x86_64 "$work/config.gz" >"$work/gz.json" 2>&1
expect "a gzip'd config (/proc/config.gz)" \
	"$(q "$work/gz.json" "d['kernels'][0]['config']['source']") $(q "$work/gz.json" "d['kernels'][0]['compression']")" \
	"compressed file xz"

# ---- bad input: a clear message and exit 2, never a crash ----
# bad NAME PATH...: exit 2, and stderr says "amiwiz: " something
bad() {
	local name=$1
	shift
	local out rc
	out=$(timeout 20 "$BIN" check-kernel "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 2 ] && printf '%s' "$out" | grep -q '^amiwiz: .\{10,\}'; then
		ok "$name: exit 2 with a message"
		diag "$out"
	else
		not_ok "$name: exit 2 with a message" "exit $rc" "$out"
	fi
}
: >"$work/empty"
bad "empty file" "$work/empty"
head -c 65536 /dev/urandom >"$work/garbage"
bad "binary garbage" "$work/garbage"
head -c 3000 "$src" >"$work/truncated"
bad "truncated bzImage" "$work/truncated"
head -c 200000 "$src" >"$work/truncated2"
bad "bzImage cut inside its payload" "$work/truncated2"
truncate -s 2G "$work/huge"
start=$(date +%s%N)
bad "a 2 GB sparse file" "$work/huge"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ $ms -lt 2000 ]; then ok "the 2 GB file is refused without reading it (${ms} ms)"; else not_ok "the 2 GB file is refused without reading it" "${ms} ms"; fi
mkdir -p "$work/nokernel/boot"
echo hello >"$work/nokernel/boot/readme"
bad "a folder with no kernel" "$work/nokernel"
mkfifo "$work/fifo"
bad "a FIFO" "$work/fifo"
bad "a missing file" "$work/does-not-exist"
cp "$K/amd64/boot/config-$ver" "$work/secret-config"
chmod 600 "$work/secret-config"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" check-kernel "$work/secret-config" 2>&1 >/dev/null)
rc=$?
if [ $rc -eq 2 ] && printf '%s' "$out" | grep -q "Permission denied"; then
	ok "an unreadable file (as nobody): exit 2, permission denied"
else
	not_ok "an unreadable file (as nobody): exit 2, permission denied" "exit $rc" "$out"
fi
bad "an initramfs given as the kernel" "$work/boot-gzip-with/initrd.img-$ver"
printf 'Dear user\n' | gzip -c >"$work/notconfig.gz"
bad "a gzip file holding something else" "$work/notconfig.gz"
head -c 5000 "$work/config.gz" >"$work/cut.gz"
bad "a cut gzip'd config" "$work/cut.gz"
bad "unknown target" --target pv-arm "$K/amd64/boot/config-$ver"
bad "no path" --json
# one bad path among good ones: the good one is still checked, exit 2
out=$("$BIN" check-kernel --target nitro "$work/empty" "$K/amd64/boot/config-$ver" 2>/dev/null)
rc=$?
if [ $rc -eq 2 ] && printf '%s' "$out" | grep -q "nitro"; then
	ok "a bad path among good ones: the others are checked, exit 2"
else
	not_ok "a bad path among good ones: the others are checked, exit 2" "exit $rc" "$out"
fi

tap_done
