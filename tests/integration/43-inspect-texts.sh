#!/bin/bash
# amiwiz inspect explains its verdicts with the help catalog's words: images
# with a known problem show the finding's details, what it means and the fix,
# --json carries the same texts, and amiwiz explain finds them by code.
set -u
. "$AMIWIZ_TOP/tests/lib/tap.sh"
. "$AMIWIZ_TOP/tests/lib/images.sh"
A="$AMIWIZ_BIN"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

json_get() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); exec("print("+sys.argv[2]+")")' "$@"; }

# has NAME FILE TEXT: FILE holds TEXT as it is
has() {
	if grep -qF -- "$3" "$2"; then ok "$1"; else not_ok "$1" "no '$3' in:" "$(cat "$2")"; fi
}

# --- images: a system without a kernel, and copies with one problem each ---
mkroot "$work/root"
if "$A" build --layout hvm-bios --size 64M --root "$work/root" --out "$work/nok.img" >/dev/null 2>"$work/build.err"; then
	ok "build an image whose root has no kernel"
else
	not_ok "build an image whose root has no kernel" "$(cat "$work/build.err")"
fi
off=$(( $(sfdisk -J "$work/nok.img" | json_get /dev/stdin 'd["partitiontable"]["partitions"][0]["start"]') * 512 ))

# fstab naming two file systems by device name: the same finding twice
cp "$work/nok.img" "$work/devname.img"
printf '/dev/xvda1 / ext4 defaults 0 1\n/dev/xvda2 /home ext4 defaults 0 2\n' >"$work/fstab.dev"
debugfs -w -f - "$work/devname.img?offset=$off" >/dev/null 2>&1 <<EOC
rm /etc/fstab
write $work/fstab.dev /etc/fstab
EOC
# no fstab at all
cp "$work/nok.img" "$work/nofstab.img"
debugfs -w -R 'rm /etc/fstab' "$work/nofstab.img?offset=$off" >/dev/null 2>&1

# --- the text report ---
"$A" inspect --target hvm "$work/nok.img" >"$work/nok.txt" 2>&1
rc=$?
if [ $rc = 1 ]; then ok "missing kernel: inspect exits 1"; else not_ok "missing kernel: inspect exits 1 (got $rc)" "$(cat "$work/nok.txt")"; fi
has "missing kernel: the catalog's title" "$work/nok.txt" "[blocker] The kernel named by the boot menu is not there"
has "missing kernel: the finding's own details" "$work/nok.txt" "loads the kernel /boot/vmlinuz, but there is no such file"
has "missing kernel: what it means" "$work/nok.txt" "What it means: The boot menu loads a kernel file that does not exist"
has "missing kernel: the fix" "$work/nok.txt" "Fix: Copy the kernel into /boot, or correct the path"

"$A" inspect --target pv "$work/nok.img" >"$work/pv.txt" 2>&1
has "pv-grub without menu.lst: title" "$work/pv.txt" "pv-grub would find no menu.lst (pv.menu-lst-missing)"
has "pv-grub without menu.lst: the fix names the file and the layout" "$work/pv.txt" "Fix: Put /boot/grub/menu.lst on the first partition"

"$A" inspect --target hvm "$work/devname.img" >"$work/dev.txt" 2>&1
has "fstab by device name: details name the device" "$work/dev.txt" "/etc/fstab mounts /home from /dev/xvda2."
has "fstab by device name: the fix says UUID=" "$work/dev.txt" "Fix: Name each file system by UUID= in /etc/fstab"
n=$(grep -c 'What it means: An entry mounts a file system from a name like' "$work/dev.txt")
e=$(grep -c '(explained above)' "$work/dev.txt")
if [ "$n" = 1 ] && [ "$e" = 1 ]; then
	ok "a finding reported twice is explained once"
else
	not_ok "a finding reported twice is explained once" "explained $n times, 'explained above' $e times" "$(cat "$work/dev.txt")"
fi

"$A" inspect --target import "$work/nofstab.img" >"$work/nofstab.txt" 2>&1
has "no fstab: VM Import's message" "$work/nofstab.txt" "VM Import would say: ClientError: Invalid configuration - Could not read fstab"
has "no fstab: the fix names the root by UUID" "$work/nofstab.txt" "Fix: Add an /etc/fstab that mounts the root by UUID"

# --- --json: every finding carries the catalog's words, the same explain gives ---
for spec in "nok hvm" "nok pv" "nok import" "devname hvm" "nofstab import"; do
	set -- $spec
	"$A" inspect --json --target "$2" "$work/$1.img" >"$work/$1-$2.json" 2>/dev/null
	bad=$(json_get "$work/$1-$2.json" '[f["code"] for f in d["findings"] if not (f.get("title") and f.get("explanation") and f.get("what_to_do"))]' 2>&1)
	count=$(json_get "$work/$1-$2.json" 'len(d["findings"])' 2>&1)
	if [ "$bad" = "[]" ] && [ "$count" -gt 0 ] 2>/dev/null; then
		ok "--json $1 for $2: all $count findings carry title, explanation, what_to_do"
	else
		not_ok "--json $1 for $2: findings without texts: $bad" "$(cat "$work/$1-$2.json")"
	fi
done
code=$(json_get "$work/nofstab-import.json" '[f["code"] for f in d["findings"]][0]')
"$A" explain --json "$code" >"$work/explain.json" 2>&1
same=$(json_get "$work/nofstab-import.json" 'd["findings"][0]["what_to_do"]')
want=$(json_get "$work/explain.json" 'd["what_to_do"]')
if [ "$code" = import.no-fstab ] && [ -n "$same" ] && [ "$same" = "$want" ]; then
	ok "--json and explain give the same fix for $code"
else
	not_ok "--json and explain agree for $code" "inspect: $same" "explain: $want"
fi

# --- explain by key and by bare code ---
for arg in inspect:pv.menu-lst-missing pv.menu-lst-missing; do
	"$A" explain "$arg" >"$work/e.txt" 2>&1
	rc=$?
	if [ $rc = 0 ] && grep -qF "pv-grub would find no menu.lst" "$work/e.txt" &&
		grep -qF "Put /boot/grub/menu.lst on the first partition" "$work/e.txt"; then
		ok "explain $arg"
	else
		not_ok "explain $arg (exit $rc)" "$(cat "$work/e.txt")"
	fi
done
key=$("$A" explain --json boot.root-uuid-no-initrd | json_get /dev/stdin 'd["key"], d["known"]' 2>&1)
if [ "$key" = "inspect:boot.root-uuid-no-initrd True" ]; then ok "explain --json names the inspect: key"; else not_ok "explain --json names the inspect: key" "$key"; fi

tap_done
