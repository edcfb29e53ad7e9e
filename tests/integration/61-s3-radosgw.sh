#!/bin/bash
# amiwiz's S3 client, opened through aws/session, against Ceph radosgw: an
# independent S3 implementation on loopback (tests/tools/s3_check.c: bucket,
# put, head, a 3-part multipart upload from file ranges read back byte for
# byte with the multipart ETag checked, an aborted upload, delete, a wrong
# secret refused).  radosgw runs
# once for the suite and is stopped on exit.  The secret must appear in no
# output or log.
. "$AMIWIZ_TOP/tests/lib/tap.sh"

work=$(mktemp -d)
rgw="$work/rgw"
KEY=AKIARADOSGWTEST00001
SECRET='rgwSECRET-91b2e/neverLeak+kK3'
trap '"$AMIWIZ_TOP/tests/servers/radosgw.sh" stop "$rgw" >/dev/null 2>&1; rm -rf "$work"' EXIT

# A throw-away Ceph cluster now and then fails to come up on a loaded
# machine (a monitor that loses its port race): give it three tries, each in
# a fresh directory, and show what the last one said.
url=
for try in 1 2 3; do
	url=$(bash -x "$AMIWIZ_TOP/tests/servers/radosgw.sh" start "$rgw" "$KEY" "$SECRET" \
		2> >(sed "s|$SECRET|<secret>|g" >"$work/rgw-start.err"))
	[ -n "$url" ] && break
	diag "radosgw start $try failed: $(grep -v '^++\? \(sleep\|date\|wait_for\|/usr/bin/python3\|\[\)' "$work/rgw-start.err" | tail -3)"
	"$AMIWIZ_TOP/tests/servers/radosgw.sh" stop "$rgw" >/dev/null 2>&1
	rm -rf "$rgw"
done
if [ -n "$url" ]; then
	ok "radosgw started at $url"
else
	not_ok "radosgw did not start" "$(tail -20 "$work/rgw-start.err")" \
		"$(tail -5 "$rgw"/log/*.log 2>/dev/null)"
	tap_done
	exit 1
fi

mkdir -p "$work/drv" "$work/home"
HOME="$work/home" \
	AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET AWS_REGION=us-east-1 \
	AWS_ENDPOINT_URL="$url" \
	"$AMIWIZ_BUILD/tests/tools/s3_check" "$work/drv" amiwiz-s3-check >"$work/drv/tap.out" \
	2>"$work/drv/stderr"
rc=$?
while IFS= read -r line; do
	case "$line" in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done < <(sed 's/^\(ok\|not ok\) [0-9]* - /\1 - s3: /' "$work/drv/tap.out" | grep -E '^(ok|not ok|#)')
[ $rc -eq 0 ] && ok "s3_check passed" || not_ok "s3_check failed (exit $rc)" "$(tail -5 "$work/drv/stderr")"

grep -qE '^UploadPart PUT status=200 request_id=[^ ]+ attempt=1/[0-9]+ duration_ms=[0-9]+$' \
	"$work/drv/http.log" && ok "each part's attempt is logged" ||
	not_ok "no UploadPart log line" "$(head -5 "$work/drv/http.log")"
leaks=$(grep -rlF -- "$SECRET" "$work/drv" "$work/rgw-start.err" "$rgw/log" 2>/dev/null)
[ -z "$leaks" ] && ok "the secret is in no output or log" || not_ok "the secret leaked" $leaks
tap_done
