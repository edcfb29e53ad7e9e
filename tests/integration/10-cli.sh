#!/bin/bash
# The command line itself: help, version, dispatch, exit codes; and `amiwiz aki`.
. "$AMIWIZ_TOP/tests/lib/tap.sh"
bin=$AMIWIZ_BIN

# expect NAME WANT_RC GREP_PATTERN CMD...: exit code and a line of output
expect() {
	local name=$1 want=$2 pat=$3
	shift 3
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ] && printf '%s\n' "$out" | grep -qE -- "$pat"; then
		ok "$name"
	else
		not_ok "$name" "command: $*" "exit $rc (want $want); wanted /$pat/ in:" "$out"
	fi
}

expect "--help lists the commands and exit codes" 0 '^  aki ' "$bin" --help
expect "--help documents exit status 2" 0 '^  2  the command line' "$bin" --help
expect "no arguments prints the help" 0 '^usage: amiwiz' "$bin"
expect "--version" 0 '^amiwiz [0-9]+\.[0-9]+\.[0-9]+$' "$bin" --version
expect "help COMMAND prints its usage" 0 '^usage: amiwiz aki ' "$bin" help aki
expect "unknown command: exit 2" 2 'no such command: frobnicate' "$bin" frobnicate
expect "unknown global option: exit 2" 2 'unknown option: --frob' "$bin" --frob
expect "help for an unknown command: exit 2" 2 'no such command' "$bin" help frobnicate

expect "aki recommends AWS's pv-grub 1.05 hd0 kernel" 0 'with kernel aki-5c21674b' \
	"$bin" aki --region us-east-1 --arch x86_64
expect "aki: hd00 on request" 0 'with kernel aki-499ccb20' \
	"$bin" aki --region us-east-1 --arch x86_64 --disk hd00
expect "aki: a region without pv-grub says so, exit 1" 1 'No pv-grub kernel image is known' \
	"$bin" aki --region eu-north-1
expect "aki: arm64 is refused with the reason" 2 'arm64 images are HVM' \
	"$bin" aki --arch arm64
expect "aki: bad --disk" 2 'hd0 or hd00' "$bin" aki --disk sda
expect "aki: stray argument" 2 'unexpected argument' "$bin" aki us-east-1

# --json parses, and its recommendation agrees with the table
out=$("$bin" aki --region eu-west-1 --arch i386 --json)
if printf '%s' "$out" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["recommended"]["id"] == "aki-1c9fd86f", d["recommended"]
assert all(a["region"] == "eu-west-1" and a["arch"] == "i386" for a in d["akis"])
assert len(d["akis"]) >= 2
'; then ok "aki --json"; else not_ok "aki --json" "$out"; fi

tap_done
