#!/bin/bash
# botocore as the oracle for aws/sigv4: tests/oracles/botocore_sign.py makes
# more than 1000 requests from a fixed seed (EC2 form bodies, S3 PUT with a
# payload hash and UNSIGNED-PAYLOAD, EBS PutSnapshotBlock, session tokens,
# Unicode keys and paths, repeated and empty query parameters, paths to
# normalise, presigned URLs) and signs them with botocore; the C driver signs
# the same requests and compares the results byte for byte.
set -u
. "$AMIWIZ_TOP/tests/lib/tap.sh"

py=/usr/bin/python3
driver="$AMIWIZ_BUILD/tests/tools/sigv4_oracle"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! n=$("$py" "$AMIWIZ_TOP/tests/oracles/botocore_sign.py" --seed 20150830 --out "$tmp/req.jsonl" 2>"$tmp/py.err"); then
	not_ok "botocore signs the generated requests" "$(cat "$tmp/py.err")"
	tap_done
	exit 1
fi
ok "botocore $("$py" -c 'import botocore; print(botocore.__version__)') signed $n requests"

# the generator is deterministic: the same seed gives the same file
"$py" "$AMIWIZ_TOP/tests/oracles/botocore_sign.py" --seed 20150830 --out "$tmp/again.jsonl" >/dev/null 2>&1
if cmp -s "$tmp/req.jsonl" "$tmp/again.jsonl"; then
	ok "the same seed gives the same requests"
else
	not_ok "the same seed gives the same requests"
fi

out=$("$driver" "$tmp/req.jsonl" 1000 2>&1)
rc=$?
while IFS= read -r line; do
	case "$line" in
	"ok "*) ok "${line#ok [0-9]* - }" ;;
	"not ok "*) not_ok "${line#not ok [0-9]* - }" ;;
	"#"*) echo "$line" ;;
	esac
done <<<"$out"
[ "$rc" -eq 0 ] || not_ok "sigv4_oracle exited with status $rc"

# a second seed, smaller, so the comparison does not rest on one sample
"$py" "$AMIWIZ_TOP/tests/oracles/botocore_sign.py" --seed 7 --scale 0.3 --out "$tmp/s7.jsonl" >/dev/null 2>&1
if out7=$("$driver" "$tmp/s7.jsonl" 300 2>&1); then
	ok "seed 7: $(grep -c '^ok' <<<"$out7") checks identical to botocore"
else
	not_ok "seed 7 matches botocore" "$(head -40 <<<"$out7")"
fi

# negative control: one changed signature in botocore's answer must be caught
sed '5s/Signature=\([0-9a-f]\)/Signature=X/' "$tmp/req.jsonl" >"$tmp/bad.jsonl"
if bad=$("$driver" "$tmp/bad.jsonl" 1000 2>&1); then
	not_ok "a changed expected signature is reported" "$bad"
elif grep -q '^# mismatch 1' <<<"$bad" && grep -q 'Authorization expected' <<<"$bad"; then
	ok "a changed expected signature is reported, with the request in full"
else
	not_ok "a changed expected signature is reported, with the request in full" "$bad"
fi

tap_done
