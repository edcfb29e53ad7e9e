#!/bin/bash
# amiwiz whoami and amiwiz regions against amiwiz-sim, reached every way the
# AWS configuration allows (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SVC>, a
# profile's endpoint_url and services section), with keys from the
# environment, a credentials file, credential_process and an AssumeRole; the
# failures (wrong secret, unknown key, no credentials, bad usage) explained.
# Everything runs with a distinctive secret, and no output, log or file
# produced may contain it.
. "$AMIWIZ_TOP/tests/lib/tap.sh"
. "$AMIWIZ_TOP/tests/lib/sim.sh"

KEY=AKIAWHOAMITEST000001
SECRET='whoamiSECRET-7f3a9c/doNotLeak+QZ88xy'
PY=/usr/bin/python3
out="$sim_tmp/out"
mkdir -p "$out"

sim_start "$sim_tmp/data" --account-id 210987654321 --access-key-id "$KEY" \
	--secret-access-key "$SECRET" && ok "sim started" || not_ok "sim start" "$(cat "$sim_tmp/sim.err")"

# A clean slate: our own HOME, no AWS_* from sim.sh.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION AWS_CONFIG_FILE \
	AWS_SHARED_CREDENTIALS_FILE AWS_PROFILE AWS_SESSION_TOKEN
export HOME="$sim_tmp/home"
mkdir -p "$HOME/.aws"

# run NAME ENV... -- ARGS...: run amiwiz with extra environment; stdout in
# $out/NAME.out, stderr in $out/NAME.err, exit status in $rc
run() {
	local name=$1
	shift
	local envs=()
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	env "${envs[@]}" "$AMIWIZ_BIN" "$@" >"$out/$name.out" 2>"$out/$name.err"
	rc=$?
}
# jq_py NAME EXPR: evaluate a Python expression on the JSON in $out/NAME.out (as j)
jq_py() {
	$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$out/$1.out" "$2" 2>&1
}
# expect NAME WANT GOT
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "want: $2" "got:  $3"; fi
}

ENVKEYS=(AWS_ACCESS_KEY_ID=$KEY "AWS_SECRET_ACCESS_KEY=$SECRET" AWS_REGION=eu-west-1)

# --- AWS_ENDPOINT_URL ---
run env "${ENVKEYS[@]}" AWS_ENDPOINT_URL="$SIM_URL" -- whoami --log "$out/http.log"
expect "whoami with AWS_ENDPOINT_URL exits 0" 0 "$rc"
grep -q "^Account: *210987654321" "$out/env.out" && ok "whoami shows the account" ||
	not_ok "account" "$(cat "$out/env.out" "$out/env.err")"
grep -q "^User id: *$KEY" "$out/env.out" && ok "whoami shows the user id" || not_ok "user id"
grep -q "environment AWS_REGION" "$out/env.out" && ok "whoami says where the region came from" ||
	not_ok "region source"
grep -q "from: *environment AWS_ACCESS_KEY_ID" "$out/env.out" &&
	ok "whoami says where the keys came from" || not_ok "key source"
grep -q "session token: *no" "$out/env.out" && ok "no session token" || not_ok "token"
grep -qE '^GetCallerIdentity POST status=200 request_id=[^ -][^ ]* attempt=1/[0-9]+ duration_ms=[0-9]+$' \
	"$out/http.log" && ok "--log has action, status, request id, attempt, duration" ||
	not_ok "log line" "$(cat "$out/http.log")"
grep -q "attempt=" "$out/env.out" "$out/env.err" && not_ok "log lines leaked to the terminal" ||
	ok "log lines go only to the log file"

run envjson "${ENVKEYS[@]}" AWS_ENDPOINT_URL="$SIM_URL" -- whoami --json
expect "whoami --json exits 0" 0 "$rc"
expect "--json user_id" "$KEY" "$(jq_py envjson 'j["user_id"]')"
expect "--json sts endpoint source" "environment AWS_ENDPOINT_URL" \
	"$(jq_py envjson 'j["endpoints"]["sts"]["source"]')"
expect "--json sts endpoint url" "$SIM_URL" "$(jq_py envjson 'j["endpoints"]["sts"]["url"]')"
expect "--json iam is signed for us-east-1" "us-east-1" \
	"$(jq_py envjson 'j["endpoints"]["iam"]["signing_region"]')"
expect "--json access key masked" "****************0001" \
	"$(jq_py envjson 'j["credentials"]["access_key_id"]')"

run regions "${ENVKEYS[@]}" AWS_ENDPOINT_URL="$SIM_URL" -- regions
expect "regions exits 0" 0 "$rc"
grep -qE '^us-east-1 +opt-in-not-required +ec2\.us-east-1\.amazonaws\.com +aki-' "$out/regions.out" &&
	ok "regions: us-east-1 with endpoint, opt-in status and a pv-grub AKI" ||
	not_ok "regions row" "$(cat "$out/regions.out" "$out/regions.err")"
grep -qE '^af-south-1 .*none known: HVM only' "$out/regions.out" &&
	ok "regions: a region without pv-grub says HVM only" || not_ok "af-south-1 row"

# --- AWS_ENDPOINT_URL_STS / _EC2 ---
run sts "${ENVKEYS[@]}" AWS_ENDPOINT_URL_STS="$SIM_URL" -- whoami --json
expect "whoami with AWS_ENDPOINT_URL_STS exits 0" 0 "$rc"
expect "sts from AWS_ENDPOINT_URL_STS" "environment AWS_ENDPOINT_URL_STS" \
	"$(jq_py sts 'j["endpoints"]["sts"]["source"]')"
expect "ec2 stays AWS's own" "https://ec2.eu-west-1.amazonaws.com" \
	"$(jq_py sts 'j["endpoints"]["ec2"]["url"]')"

run ec2 "${ENVKEYS[@]}" AWS_ENDPOINT_URL_EC2="$SIM_URL" -- regions --json
expect "regions with AWS_ENDPOINT_URL_EC2 exits 0" 0 "$rc"
expect "regions --json lists the sim's regions" True "$(jq_py ec2 'len(j["regions"]) >= 15')"
expect "regions --json: pv-grub AKI known in us-east-1" True \
	"$(jq_py ec2 '[r for r in j["regions"] if r["name"]=="us-east-1"][0]["pvgrub_aki_hd0"]["x86_64"].startswith("aki-")')"
expect "regions --json: none in af-south-1" None \
	"$(jq_py ec2 '[r for r in j["regions"] if r["name"]=="af-south-1"][0]["pvgrub_aki_hd0"]["x86_64"]')"

# --- profiles in ~/.aws ---
cat >"$HOME/.aws/credentials" <<EOF
[base]
aws_access_key_id = $KEY
aws_secret_access_key = $SECRET
EOF
cat >"$HOME/.aws/proc-creds.sh" <<EOF
#!/bin/sh
printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s", "SessionToken": "proc-session-token-value", "Expiration": "2999-01-01T00:00:00Z"}' '$KEY' '$SECRET'
EOF
chmod +x "$HOME/.aws/proc-creds.sh"
cat >"$HOME/.aws/config" <<EOF
[profile base]
region = eu-west-2
endpoint_url = $SIM_URL

[profile svc]
region = ap-south-1
services = sim
aws_access_key_id = $KEY
aws_secret_access_key = $SECRET

[services sim]
sts =
  endpoint_url = $SIM_URL
ec2 =
  endpoint_url = $SIM_URL

[profile proc]
region = us-west-2
endpoint_url = $SIM_URL
credential_process = $HOME/.aws/proc-creds.sh

[profile nobody]
region = us-east-1
endpoint_url = $SIM_URL
EOF

run base -- whoami --profile base --json
expect "whoami --profile base (endpoint_url in the profile) exits 0" 0 "$rc"
expect "profile endpoint_url source" "~/.aws/config [profile base] endpoint_url" \
	"$(jq_py base 'j["endpoints"]["sts"]["source"]')"
expect "keys from the credentials file" "~/.aws/credentials [base]" \
	"$(jq_py base 'j["credentials"]["source"]')"
expect "region from the profile" "eu-west-2" "$(jq_py base 'j["region"]["value"]')"

run svc AWS_PROFILE=svc -- whoami --json
expect "whoami with AWS_PROFILE=svc (services section) exits 0" 0 "$rc"
expect "sts from the services section" "~/.aws/config [services sim] sts" \
	"$(jq_py svc 'j["endpoints"]["sts"]["source"]')"
expect "profile from AWS_PROFILE" "environment AWS_PROFILE" "$(jq_py svc 'j["profile"]["source"]')"
run svcreg AWS_PROFILE=svc -- regions --json
expect "regions through the services section exits 0" 0 "$rc"

run proc -- whoami --profile proc --json
expect "whoami with credential_process exits 0" 0 "$rc"
expect "credential_process named as the source" True \
	"$(jq_py proc '"credential_process" in j["credentials"]["source"]')"
expect "credential_process session token present" True "$(jq_py proc 'j["credentials"]["session_token"]')"
expect "credential_process expiry shown" "2999-01-01T00:00:00Z" \
	"$(jq_py proc 'j["credentials"]["expiration"]')"
grep -q proc-session-token-value "$out"/proc.* && not_ok "the session token was printed" ||
	ok "the session token is not printed"

# --- a role profile: AssumeRole first ---
role_arn=$(AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET AWS_DEFAULT_REGION=us-east-1 \
	AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	/usr/bin/aws --endpoint-url "$SIM_URL" iam create-role --role-name learner \
	--assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole"}]}' \
	--query Role.Arn --output text 2>"$out/create-role.err")
[ -n "$role_arn" ] && ok "role created in the sim ($role_arn)" || not_ok "create role" "$(cat "$out/create-role.err")"
cat >>"$HOME/.aws/config" <<EOF

[profile learner]
role_arn = $role_arn
source_profile = base
region = eu-west-1
endpoint_url = $SIM_URL

[profile ghost]
role_arn = arn:aws:iam::210987654321:role/does-not-exist
source_profile = base
endpoint_url = $SIM_URL
EOF
run role -- whoami --profile learner --json --log "$out/http-role.log"
expect "whoami through AssumeRole exits 0" 0 "$rc"
expect "signed with the temporary key (ASIA...)" True \
	"$(jq_py role 'j["user_id"].startswith("ASIA")')"
expect "the assumed role is named" "$role_arn" "$(jq_py role 'j["credentials"]["assumed_role"]')"
expect "a session token is used" True "$(jq_py role 'j["credentials"]["session_token"]')"
expect "its expiry is shown" True "$(jq_py role 'j["credentials"]["expiration"] is not None')"
grep -q '^AssumeRole POST status=200' "$out/http-role.log" &&
	grep -q '^GetCallerIdentity POST status=200' "$out/http-role.log" &&
	ok "AssumeRole, then GetCallerIdentity" || not_ok "role log" "$(cat "$out/http-role.log")"

run ghost -- whoami --profile ghost
expect "a role that cannot be assumed: exit 1" 1 "$rc"
grep -q "AccessDenied" "$out/ghost.err" && grep -q "does-not-exist" "$out/ghost.err" &&
	ok "the refusal names the role and AccessDenied" || not_ok "ghost" "$(cat "$out/ghost.err")"

# --- failures, explained ---
run wrong AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=wrong-$SECRET-wrong AWS_REGION=eu-west-1 \
	AWS_ENDPOINT_URL="$SIM_URL" -- whoami
expect "wrong secret: exit 1" 1 "$rc"
grep -q "SignatureDoesNotMatch" "$out/wrong.err" &&
	grep -q "What to do:" "$out/wrong.err" && grep -qi "secret key is wrong" "$out/wrong.err" &&
	ok "wrong secret explained in plain words" || not_ok "wrong explained" "$(cat "$out/wrong.err")"

run unknown AWS_ACCESS_KEY_ID=AKIAUNKNOWNKEY000000 "AWS_SECRET_ACCESS_KEY=$SECRET" \
	AWS_REGION=eu-west-1 AWS_ENDPOINT_URL="$SIM_URL" -- whoami --json
expect "unknown key: exit 1" 1 "$rc"
expect "unknown key: STS says InvalidClientTokenId (--json)" InvalidClientTokenId \
	"$(jq_py unknown 'j["error"]["aws_code"]')"
expect "unknown key: explained" True "$(jq_py unknown 'len(j["error"]["do"]) > 20')"
run unknown2 AWS_ACCESS_KEY_ID=AKIAUNKNOWNKEY000000 "AWS_SECRET_ACCESS_KEY=$SECRET" \
	AWS_REGION=eu-west-1 AWS_ENDPOINT_URL="$SIM_URL" -- regions --json
expect "unknown key: regions exits 1" 1 "$rc"
expect "unknown key: EC2 says AuthFailure (--json)" AuthFailure \
	"$(jq_py unknown2 'j["error"]["aws_code"]')"
grep -q "What to do:" "$out/unknown2.err" && ok "AuthFailure explained" || not_ok "AuthFailure text"

run none AWS_REGION=eu-west-1 AWS_ENDPOINT_URL="$SIM_URL" -- whoami --profile nobody
expect "no credentials: exit 1" 1 "$rc"
grep -q "No AWS credentials" "$out/none.err" && grep -q "practice mode" "$out/none.err" &&
	ok "no credentials: a clear message" || not_ok "none" "$(cat "$out/none.err")"
[ -s "$out/none.out" ] && not_ok "no credentials printed to stdout" || ok "nothing on stdout"

run noregion "${ENVKEYS[@]/AWS_REGION=eu-west-1/AWS_DEFAULT_REGION=}" -- whoami
expect "no region and no endpoint: exit 2" 2 "$rc"
grep -q "No AWS region is set" "$out/noregion.err" && ok "no region: said so" ||
	not_ok "noregion" "$(cat "$out/noregion.err")"

run usage1 -- whoami --bogus
expect "whoami --bogus: exit 2" 2 "$rc"
run usage2 -- regions extra
expect "regions with an argument: exit 2" 2 "$rc"
run help -- help whoami
grep -q "usage: amiwiz whoami" "$out/help.out" && ok "amiwiz help whoami" || not_ok "help"

# --- the secret appears nowhere ---
sim_stop
leaks=$(grep -rlF -- "$SECRET" "$out" "$sim_tmp/data" "$sim_tmp/sim.err" $sim_tmp/sim.out.* 2>/dev/null)
[ -z "$leaks" ] && ok "the secret is in no output, log or sim file" ||
	not_ok "the secret leaked" $leaks
n=$(ls "$out" | wc -l)
[ "$n" -gt 30 ] && ok "searched $n output files" || not_ok "too few output files ($n)"

tap_done
