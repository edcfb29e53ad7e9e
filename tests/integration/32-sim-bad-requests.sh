#!/bin/bash
# amiwiz-sim answers bad requests in the service's error shape and keeps
# serving: unknown actions, missing and malformed parameters, unsigned
# requests, oversize bodies, garbage bytes on the socket, parameters the
# action does not have (UnknownParameter, as EC2).  Also: faults on
# demand (deterministic with --seed), latency, and ClientToken idempotency.
. "$AMIWIZ_TOP/tests/lib/tap.sh"
. "$AMIWIZ_TOP/tests/lib/sim.sh"

sim_start "$sim_tmp/data" --max-body 65536 && ok "sim starts" || { not_ok "sim starts"; tap_done; exit 1; }

# run_py NAME SCRIPT: the script prints PASS/FAIL lines; each becomes a TAP line
run_py() {
	local out
	out=$(PYTHONPATH="$AMIWIZ_TOP/tests/lib" /usr/bin/python3 -c "$1" "$SIM_URL" 2>&1)
	[ -n "$out" ] || not_ok "python produced no result"
	while IFS= read -r line; do
		case "$line" in
		PASS\ *) ok "${line#PASS }" ;;
		FAIL\ *) not_ok "${line#FAIL }" ;;
		*) diag "$line" ;;
		esac
	done <<<"$out"
}

run_py '
import sys, socket
from simreq import call, ec2
url = sys.argv[1]
def check(name, cond, detail=""):
    print(("PASS " if cond else "FAIL ") + name)
    if not cond:
        print(detail)
def alive():
    st, _, body = ec2(url, "Action=DescribeRegions&Version=2016-11-15")
    return st == 200 and b"<regionInfo>" in body

st, _, b = ec2(url, "Action=LaunchRockets&Version=2016-11-15")
check("unknown action -> 400 InvalidAction in the EC2 error shape",
      st == 400 and b"<Response><Errors><Error><Code>InvalidAction</Code>" in b and b"<RequestID>" in b, b)
st, _, b = ec2(url, "Action=CreateVolume&Version=2016-11-15&Size=1")
check("missing parameter -> MissingParameter", st == 400 and b"<Code>MissingParameter</Code>" in b, b)
st, _, b = ec2(url, "Action=DescribeSnapshots&Version=2016-11-15&SnapshotId.1=snap%ZZ")
check("malformed form body -> MalformedQueryString", st == 400 and b"MalformedQueryString" in b, b)
st, _, b = ec2(url, "Action=DescribeImages&Version=2016-11-15&ImageId.1=bogus")
check("malformed image id -> InvalidAMIID.Malformed", st == 400 and b"InvalidAMIID.Malformed" in b, b)
st, _, b = ec2(url, "Action=DescribeImages&Version=2016-11-15&ImageId.1=ami-0123456789abcdef0")
check("unknown image -> InvalidAMIID.NotFound", st == 400 and b"InvalidAMIID.NotFound" in b, b)
# EC2 refuses parameters the action does not have: RegisterImage has no
# ClientToken, and a misspelt or mis-indexed name is unknown too.
st, _, b = ec2(url, "Action=RegisterImage&Version=2016-11-15&Name=tok-img&Architecture=x86_64"
               "&RootDeviceName=/dev/xvda&BlockDeviceMapping.1.DeviceName=/dev/xvda"
               "&BlockDeviceMapping.1.Ebs.SnapshotId=snap-0123456789abcdef0"
               "&ClientToken=9f1c3b7e-0000-4000-8000-000000000001")
check("RegisterImage with a ClientToken -> 400 UnknownParameter naming it",
      st == 400 and b"<Code>UnknownParameter</Code>" in b
      and b"The parameter ClientToken is not recognized" in b, b)
st, _, b = ec2(url, "Action=DescribeImages&Version=2016-11-15&Owner.1=self&Filter.1.Name=name"
               "&Filter.1.Value.1=none&Filter.2.Name=state&Filter.2.Value.1=available"
               "&Filter.2.Value.2=pending&ImageId.1=ami-0123456789abcdef0")
check("DescribeImages with indexed Owner, Filter and Value members is accepted as far as the ids",
      st == 400 and b"InvalidAMIID.NotFound" in b, b)
for q, name in (("Action=DescribeImages&Version=2016-11-15&Filters.1.Name=name", b"Filters.1.Name"),
                ("Action=DescribeImages&Version=2016-11-15&Filter.0.Name=name", b"Filter.0.Name"),
                ("Action=CreateVolume&Version=2016-11-15&Size=1&AvailabiltyZone=us-east-1a", b"AvailabiltyZone"),
                ("Action=ImportSnapshot&Version=2016-11-15&DiskContainer.1.Format=RAW", b"DiskContainer.1.Format")):
    st, _, b = ec2(url, q)
    check("unknown parameter " + name.decode() + " -> UnknownParameter",
          st == 400 and b"<Code>UnknownParameter</Code>" in b and name in b, b)
st, _, b = ec2(url, "Action=CreateVolume&Version=2016-11-15&Size=1&AvailabilityZone=us-east-1a"
               "&TagSpecification.1.ResourceType=volume&TagSpecification.1.Tag.1.Key=k"
               "&TagSpecification.1.Tag.1.Value=v&ClientToken=tok-known-1&DryRun=true")
check("CreateVolume with TagSpecification.N.Tag.N.*, ClientToken, DryRun is accepted (DryRunOperation)",
      st == 412 and b"<Code>DryRunOperation</Code>" in b, b)
st, _, b = ec2(url, "Action=DescribeRegions&Version=2016-11-15", sign=False)
check("unsigned EC2 request -> 401 MissingAuthenticationToken", st == 401 and b"MissingAuthenticationToken" in b, b)
st, _, b = call(url, "sts", body="Action=GetCallerIdentity&Version=2011-06-15",
                headers={"Content-Type": "application/x-www-form-urlencoded"}, secret="nope")
check("STS error is an <ErrorResponse>", st == 403 and b"<ErrorResponse" in b and b"SignatureDoesNotMatch" in b, b)
st, h, b = call(url, "ebs", method="POST", path="/snapshots", body="not json",
                headers={"Content-Type": "application/json"})
check("EBS error is JSON with x-amzn-ErrorType", st == 400 and h.get("x-amzn-ErrorType") == "ValidationException"
      and b.startswith(b"{"), (st, h, b))
st, _, b = call(url, "s3", method="PUT", path="/bad_bucket_NAME")
check("S3 error is an <Error> document", st == 400 and b"<Error><Code>InvalidBucketName</Code>" in b, b)
st, _, b = call(url, "s3", method="PUT", path="/big", body=b"")
st, _, b = call(url, "s3", method="PUT", path="/big/object", body=b"x" * 200000)
check("oversize body -> EntityTooLarge", st == 400 and b"EntityTooLarge" in b, (st, b))
check("still serving after the oversize body", alive())
st, _, b = ec2(url, "Action=DescribeRegions&Version=2016-11-15&" + "A=1&" * 5000)
check("too many parameters -> MalformedQueryString", st == 400 and b"MalformedQueryString" in b, (st, b[:200]))
host, port = url[len("http://"):].split(":")
for junk in [b"\x00\xff\xfe garbage \r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
             b"POST / HTTP/1.1\r\n" + b"X: " + b"a" * 100000 + b"\r\n\r\n", b"\r\n" * 10]:
    s = socket.create_connection((host, int(port)), timeout=5)
    try:
        s.sendall(junk)
        s.shutdown(socket.SHUT_WR)
        s.recv(4096)
    except OSError:
        pass
    s.close()
check("garbage bytes on the socket do not stop the server", alive())
'
kill -0 "$SIM_PID" 2>/dev/null && ok "the sim process is still running" || not_ok "sim died"
sim_stop

# Idempotency: the same ClientToken gives the same volume, other parameters a mismatch.
sim_start "$sim_tmp/data" && ok "sim restarts" || not_ok "restart"
v1=$(awsx ec2 create-volume --availability-zone us-east-1a --size 1 --client-token tok-1 --query VolumeId --output text 2>&1)
v2=$(awsx ec2 create-volume --availability-zone us-east-1a --size 1 --client-token tok-1 --query VolumeId --output text 2>&1)
case "$v1" in vol-*) [ "$v1" = "$v2" ] && ok "same ClientToken -> same volume ($v1)" || not_ok "idempotent create-volume" "$v1 $v2" ;; *) not_ok "create-volume" "$v1" ;; esac
n=$(awsx ec2 describe-volumes --query 'length(Volumes)' --output text 2>&1)
[ "$n" = 1 ] && ok "and no duplicate volume" || not_ok "duplicate volumes" "$n"
out=$(awsx ec2 create-volume --availability-zone us-east-1a --size 2 --client-token tok-1 2>&1)
case "$out" in *IdempotentParameterMismatch*) ok "same token, other parameters -> IdempotentParameterMismatch" ;; *) not_ok "mismatch" "$out" ;; esac
sim_stop

# Faults.
sim_start "$sim_tmp/data" --throttle-rate 1 && ok "sim with --throttle-rate 1" || not_ok "throttle start"
run_py '
import sys
from simreq import call, ec2
url = sys.argv[1]
st, _, b = ec2(url, "Action=DescribeRegions&Version=2016-11-15")
print(("PASS" if st == 503 and b"RequestLimitExceeded" in b else "FAIL") + " EC2 throttled: 503 RequestLimitExceeded")
st, _, b = call(url, "s3", method="GET", path="/")
print(("PASS" if st == 503 and b"<Code>SlowDown</Code>" in b else "FAIL") + " S3 throttled: 503 SlowDown")
st, _, b = call(url, "sts", body="Action=GetCallerIdentity&Version=2011-06-15", headers={"Content-Type": "application/x-www-form-urlencoded"})
print(("PASS" if st == 400 and b"<Code>Throttling</Code>" in b else "FAIL") + " STS throttled: 400 Throttling")
st, h, b = call(url, "ebs", path="/snapshots", body="{\"VolumeSize\":1}")
print(("PASS" if st == 400 and h.get("x-amzn-ErrorType") == "RequestThrottledException" else "FAIL") + " EBS throttled: RequestThrottledException")
'
sim_stop
sim_start "$sim_tmp/data" --drop-rate 1 && ok "sim with --drop-rate 1" || not_ok "drop start"
run_py '
import sys
from simreq import ec2
try:
    ec2(sys.argv[1], "Action=DescribeRegions&Version=2016-11-15")
    print("FAIL a dropped request got an answer")
except ConnectionError:
    print("PASS a dropped request gets no answer")
'
sim_stop
seq_of() {
	sim_start "$sim_tmp/data" --fault-rate 0.5 --seed "$1" || return 1
	PYTHONPATH="$AMIWIZ_TOP/tests/lib" /usr/bin/python3 -c '
import sys
from simreq import ec2
print(" ".join(str(ec2(sys.argv[1], "Action=DescribeRegions&Version=2016-11-15")[0]) for _ in range(24)))
' "$SIM_URL"
	sim_stop
}
a=$(seq_of 7); b=$(seq_of 7); c=$(seq_of 8)
case "$a" in *200*) case "$a" in *500*|*503*) ok "--fault-rate 0.5 mixes answers and 500/503 faults" ;; *) not_ok "fault mix" "$a" ;; esac ;; *) not_ok "fault mix" "$a" ;; esac
[ "$a" = "$b" ] && ok "the same --seed gives the same faults" || not_ok "determinism" "$a" "$b"
[ "$a" != "$c" ] && ok "another --seed gives other faults" || not_ok "seed ignored" "$a" "$c"
sim_start "$sim_tmp/data" --latency 400 && ok "sim with --latency 400" || not_ok "latency start"
t0=$(date +%s%N)
awsx sts get-caller-identity >/dev/null 2>&1
t1=$(date +%s%N)
[ $(((t1 - t0) / 1000000)) -ge 400 ] && ok "an answer takes at least 400 ms" || not_ok "latency" "$(((t1 - t0) / 1000000)) ms"
sim_stop
tap_done
