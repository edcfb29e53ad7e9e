#!/bin/bash
# A real Debian image from nothing: `amiwiz build --debootstrap bookworm`
# bootstraps a minbase root (its packages cached as a tarball in
# $AMIWIZ_CACHE: the first run downloads them from the Debian mirror, later
# runs reuse them), the cached Debian cloud kernel is copied in, and inspect
# must predict that VM Import accepts the image.  Without root the option is
# refused.  A failed download fails the suite, with debootstrap's last lines.
set -u
. "$AMIWIZ_TOP/tests/lib/tap.sh"
A="$AMIWIZ_BIN"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# the kernel ($vmlinuz, $kconfig, $kver) and json_get
. "$AMIWIZ_TOP/tests/lib/minroot.sh"

cache="$AMIWIZ_CACHE/debootstrap-bookworm-minbase.tgz"

mirror=http://deb.debian.org/debian

# deb_build NAME [PREFIX...]: build $work/NAME.img from the bootstrapped root
deb_build() {
	local name=$1
	shift
	TMPDIR="$work" "$@" "$A" build --layout hvm-bios --size 1G --overwrite \
		--debootstrap bookworm --mirror "$mirror" --debootstrap-cache "$cache" \
		--copy-in "$vmlinuz:/boot/${vmlinuz##*/}" --copy-in "$kconfig:/boot/${kconfig##*/}" \
		--out "$work/$name.img" >"$work/$name.out" 2>"$work/$name.err"
}

# --- without root: refused before anything runs ---
out=$(cd "$work" && setpriv --reuid=65534 --regid=65534 --clear-groups "$A" build --layout hvm-bios \
	--size 1G --debootstrap bookworm --out "$work/nobody.img" 2>&1)
rc=$?
if [ "$rc" = 2 ] && printf '%s' "$out" | grep -q "debootstrap needs root" && [ ! -e "$work/nobody.img" ]; then
	ok "--debootstrap as an unprivileged user: refused with exit 2, saying root is needed"
else
	not_ok "--debootstrap as an unprivileged user is refused with exit 2" "exit $rc" "$out"
fi

if [ "$(id -u)" != 0 ]; then
	not_ok "this suite runs as root (debootstrap needs it)" "uid $(id -u)"
	tap_done
	exit
fi

# --- the package cache: downloaded once (a second try if the first fails) ---
if [ ! -s "$cache" ]; then
	t0=$(date +%s)
	if ! deb_build download; then
		diag "the first download failed; trying once more:" "$(tail -5 "$work/download.err")"
		deb_build download
	fi
	rc=$?
	t1=$(date +%s)
	if [ "$rc" = 0 ] && [ -s "$cache" ] && tar -tzf "$cache" | grep -q '^var/cache/apt/archives/libc6_.*\.deb$'; then
		ok "bootstrap bookworm from the mirror, its packages cached ($((t1 - t0)) s, $(du -m "$cache" | cut -f1) MB)"
	else
		not_ok "bootstrap bookworm from the mirror (exit $rc)" "$(tail -25 "$work/download.err")"
	fi
fi

# --- from the cache: nothing downloaded (no network at all in a new namespace) ---
t0=$(date +%s)
deb_build deb unshare --net
rc=$?
t1=$(date +%s)
if [ "$rc" = 0 ]; then
	ok "build from the cached packages, no network ($((t1 - t0)) s)"
else
	not_ok "build from the cached packages, no network (exit $rc)" "$(tail -25 "$work/deb.err")"
fi
if grep -q "^  kernel  /boot/vmlinuz-$kver\$" "$work/deb.out"; then
	ok "the build found the copied-in kernel $kver"
else
	not_ok "the build found the copied-in kernel $kver" "$(cat "$work/deb.out")"
fi
left=$(find "$work" -maxdepth 1 -name 'amiwiz-build.*')
if [ -z "$left" ]; then
	ok "the bootstrapped root is removed afterwards"
else
	not_ok "the bootstrapped root is removed afterwards" "$left"
fi

# --- what VM Import would make of it ---
js=$("$A" inspect --target import --json "$work/deb.img" 2>&1)
rc=$?
got=$(printf '%s' "$js" | json_get /dev/stdin 'd["os"]' 2>&1)
case "$got" in
Debian\ GNU/Linux\ 12*) ok "inspect: os-release says $got" ;;
*) not_ok "inspect: os-release says Debian 12" "got: $got" ;;
esac
got=$(printf '%s' "$js" | json_get /dev/stdin 'd["kernel_version"]' 2>&1)
case "$got" in
6.1.*) ok "inspect: kernel version $got recognised (6.1 is on VM Import's list)" ;;
*) not_ok "inspect: kernel version 6.1.x recognised" "got: $got" ;;
esac
got=$(printf '%s' "$js" | json_get /dev/stdin '[f["code"] + ": " + f["text"] for f in d["findings"] if "fstab" in (f["code"] + f["text"]).lower() and f["severity"] != "info"]' 2>&1)
if [ "$got" = "[]" ]; then
	ok "inspect: nothing wrong with /etc/fstab"
else
	not_ok "inspect: nothing wrong with /etc/fstab" "$got"
fi
got=$(printf '%s' "$js" | json_get /dev/stdin 'd["blocked"], repr(d["predicted_import_status"]), [f["code"] for f in d["findings"] if f["severity"] == "blocker"]' 2>&1)
if [ "$rc" = 0 ] && [ "$got" = "False '' []" ]; then
	ok "inspect: VM Import would accept the image (no blockers)"
else
	not_ok "inspect: VM Import would accept the image (exit $rc)" "$got" "$js"
fi

tap_done
