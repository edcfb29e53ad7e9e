#!/bin/bash
# amiwiz explain: known codes, messages, states, unknown codes, --json, exit codes.
set -u
. "$AMIWIZ_TOP/tests/lib/tap.sh"
BIN=$AMIWIZ_BIN
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run_explain OUTFILE ARGS...: run amiwiz explain, keep stdout, return its status
run_explain() {
	local out=$1
	shift
	"$BIN" explain "$@" >"$out" 2>"$tmp/stderr"
}

# expect_rc NAME WANT GOT [DETAIL]
expect_rc() {
	if [ "$3" -eq "$2" ]; then ok "$1"; else not_ok "$1" "exit status $3, want $2" "${4:-}"; fi
}

# expect_grep NAME PATTERN FILE
expect_grep() {
	if grep -qF -- "$2" "$3"; then ok "$1"; else not_ok "$1" "no '$2' in:" "$(cat "$3")"; fi
}

# -- a known code (S3's; the EC2 codes live in their own catalog files)
run_explain "$tmp/o" NoSuchUpload
expect_rc "known code exits 0" 0 $?
expect_grep "known code: title" "multipart upload amiwiz was continuing no longer exists" "$tmp/o"
expect_grep "known code: sections" "What to do" "$tmp/o"

# -- an EC2 code, and a kernel-check finding by its slug (with and without
#    its namespace), which check-kernel --json reports as "id"
run_explain "$tmp/o" IncorrectState
expect_rc "EC2 code exits 0" 0 $?
expect_grep "EC2 code: the AMI-making cause" "snapshot is still pending" "$tmp/o"
run_explain "$tmp/o" kcheck:pv32-removed
expect_rc "kernel finding exits 0" 0 $?
expect_grep "kernel finding: its fix" "older than 5.9" "$tmp/o"
run_explain "$tmp/o" compression-unsupported
expect_rc "kernel finding without its namespace exits 0" 0 $?
expect_grep "kernel finding without its namespace: title" "pv-grub cannot unpack" "$tmp/o"

# -- a VM Import message, unquoted, with a version not in the reference
run_explain "$tmp/o" ClientError: Unsupported kernel version 5.4.0-99-generic
expect_rc "message exits 0" 0 $?
expect_grep "message: the version is quoted back" "5.4.0-99-generic" "$tmp/o"
run_explain "$tmp/o" "CLIENT_ERROR : ClientError: Unknown OS / Missing OS files."
expect_rc "Unknown OS message exits 0" 0 $?
expect_grep "Unknown OS: points to the snapshot road" "ImportSnapshot" "$tmp/o"
run_explain "$tmp/o" "ClientError: Unsupported kernel version 3.16.0-4-686-pae"
expect_grep "32-bit kernel: says 64-bit only" "64-bit" "$tmp/o"

# -- a state name with spaces, and a step
run_explain "$tmp/o" preparing to boot
expect_rc "state exits 0" 0 $?
expect_grep "state: title" "getting ready to boot" "$tmp/o"
run_explain "$tmp/o" step:aki
expect_grep "step: hd0 explained" "hd00" "$tmp/o"
expect_grep "step: the AWS CLI command" "aws ec2 describe-images" "$tmp/o"

# -- unknown codes take the fallback, show the code, exit 1
run_explain "$tmp/o" InvalidFrobnicatorID.NotFound
expect_rc "unknown code exits 1" 1 $?
expect_grep "unknown code is shown" "code: InvalidFrobnicatorID.NotFound" "$tmp/o"
expect_grep "unknown NotFound: next step" "region" "$tmp/o"
run_explain "$tmp/o" "An error occurred (FrobLimitExceeded) when calling the X operation. Request ID: rq-77"
expect_rc "unknown code in a CLI message exits 1" 1 $?
expect_grep "request id is shown" "request id: rq-77" "$tmp/o"
run_explain "$tmp/o" "the moon is made of cheese"
expect_rc "unknown message exits 1" 1 $?

# -- wrapping: no line wider than 80 columns when not a terminal
run_explain "$tmp/o" step:import
long=$(awk 'length > 80' "$tmp/o" | head -3)
if [ -z "$long" ]; then ok "lines wrapped to 80 columns"; else not_ok "lines wrapped to 80 columns" "$long"; fi

# -- --json: one valid object with the documented fields
run_explain "$tmp/j" --json "ClientError: Unsupported kernel version 4.15.0-1021-aws"
expect_rc "--json known exits 0" 0 $?
if out=$("$PY" - "$tmp/j" <<'PYEOF' 2>&1
import json, sys
o = json.load(open(sys.argv[1]))
for k in ("known", "code", "title", "what_happened", "why", "what_to_do", "retry_helps"):
    assert k in o, "missing " + k
assert o["known"] is True, o
assert o["key"] == "vmimport:unsupported-kernel", o["key"]
assert "4.15.0-1021-aws" in o["what_happened"], o["what_happened"]
assert o["details"]["version"] == "4.15.0-1021-aws"
assert o["retry_helps"] is False
PYEOF
); then ok "--json fields"; else not_ok "--json fields" "$out" "$(cat "$tmp/j")"; fi

run_explain "$tmp/j" --json Server.Kaboom
expect_rc "--json unknown exits 1" 1 $?
if out=$("$PY" -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["known"] is False and o["code"] == "Server.Kaboom", o
assert o["retry_helps"] is True, o
assert "Server.Kaboom" in o["title"], o' "$tmp/j" 2>&1); then
	ok "--json fallback: code shown, retry helps for a server error"
else
	not_ok "--json fallback: code shown, retry helps for a server error" "$out"
fi
# text with quotes and backslashes stays valid JSON
run_explain "$tmp/j" --json 'weird "quoted" \ text'
if "$PY" -m json.tool "$tmp/j" >/dev/null 2>&1; then ok "--json escapes quotes"; else not_ok "--json escapes quotes" "$(cat "$tmp/j")"; fi

# -- usage errors exit 2
run_explain "$tmp/o"
expect_rc "no argument exits 2" 2 $?
run_explain "$tmp/o" --frobnicate X
expect_rc "unknown option exits 2" 2 $?
run_explain "$tmp/o" "   "
expect_rc "blank text exits 2" 2 $?
run_explain "$tmp/o" "$(head -c 5000 /dev/zero | tr '\0' x)"
expect_rc "overlong text exits 2" 2 $?
run_explain "$tmp/o" --help
expect_rc "--help exits 0" 0 $?
expect_grep "--help prints the usage" "usage: amiwiz explain" "$tmp/o"
"$BIN" --help >"$tmp/o"
expect_grep "listed in amiwiz --help" "explain" "$tmp/o"

tap_done
