#!/bin/bash
# amiwiz-sim replays the import timelines measured on real EC2: one
# ImportImage task per outcome (success, each failure, the endless booting
# loop), followed by botocore until it ends, must show the measured states and
# percentages in order.  A task held with --stuck stops where it is told.
. "$AMIWIZ_TOP/tests/lib/tap.sh"
. "$AMIWIZ_TOP/tests/lib/sim.sh"

SPEED=40
sim_start "$sim_tmp/data" --speed $SPEED && ok "sim starts" || { not_ok "sim starts"; tap_done; exit 1; }
awsx s3 mb s3://timelines >/dev/null 2>&1
head -c 1048576 /dev/urandom >"$sim_tmp/img"
for k in succeed.raw fail-os.raw fail-kernel.raw fail-disk.raw fail-volume.raw fail-internal.raw loop-booting.raw; do
	awsx s3 cp --only-show-errors "$sim_tmp/img" "s3://timelines/$k" || not_ok "upload $k"
done
awsx iam create-role --role-name vmimport --assume-role-policy-document '{"Version":"2012-10-17","Statement":[]}' >/dev/null 2>&1

# The script prints "PASS name" or "FAIL name" (+ "# detail" lines); TAP numbering stays here.
results=$(/usr/bin/python3 - "$SIM_URL" "$AMIWIZ_TOP/help/data/import-timelines" $SPEED <<'PY' 2>&1
import csv, sys, time
import botocore.session

url, tldir, speed = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = botocore.session.get_session()
ec2 = s.create_client("ec2", region_name="us-east-1", endpoint_url=url,
                      aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                      aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
cases = {
    "succeed.raw": ("ec2importtime", None),
    "fail-os.raw": ("ec2importtime.failure-os", "ClientError: "),
    "fail-kernel.raw": ("ec2importtime.failure-kernelversion", "ClientError: "),
    "fail-disk.raw": ("ec2importtime.failure-diskvalidation", "ClientError: Disk validation failed"),
    "fail-volume.raw": ("ec2importtime.failure-volume", "ClientError: "),
    "fail-internal.raw": ("ec2importtime.failure-internal", "ServerError: "),
    "loop-booting.raw": ("ec2importtime.loop-booting", None),
}

def expected(name, fail):
    """What EC2 shows for each measured row: (Status, StatusMessage, Progress)."""
    out, last_time = [], 0
    with open("%s/%s.csv" % (tldir, name)) as f:
        for row in csv.DictReader(f):
            st, pct = row["state"], row["percent"]
            last_time = int(row["time"])
            if st == "completed":
                t = ("completed", None, None)
            elif st == "deleting":
                t = ("deleting", fail, pct)
            elif st in ("deleted", "internalerror"):
                t = ("deleted", fail, pct)
            elif st == "booting-loop":
                t = ("active", "booting", pct)
            else:
                t = ("active", st, pct)
            if not out or out[-1] != t:
                out.append(t)
    return out, last_time

tasks = {}
for key in cases:
    r = ec2.import_image(DiskContainers=[{"Format": "RAW", "UserBucket": {"S3Bucket": "timelines", "S3Key": key}}])
    tasks[r["ImportTaskId"]] = key
seen = {t: [] for t in tasks}
longest = max(expected(n, None)[1] for n, _ in cases.values())
deadline = time.time() + longest / speed + 15
while time.time() < deadline:
    r = ec2.describe_import_image_tasks(ImportTaskIds=list(tasks))
    for t in r["ImportImageTasks"]:
        msg = t.get("StatusMessage")
        tup = (t["Status"], msg, t.get("Progress"))
        if not seen[t["ImportTaskId"]] or seen[t["ImportTaskId"]][-1] != tup:
            seen[t["ImportTaskId"]].append(tup)
    done = all(v and v[-1][0] in ("completed", "deleted") for t, v in seen.items() if tasks[t] != "loop-booting.raw")
    if done and time.time() > deadline - 15 + 2:
        break
    time.sleep(0.02)

n = 0
for tid, key in tasks.items():
    name, prefix = cases[key]
    got = seen[tid]
    fail = None
    for st, msg, _ in got:
        if st in ("deleting", "deleted"):
            fail = msg
    want, _ = expected(name, fail)
    n += 1
    if got == want and (prefix is None or (fail or "").startswith(prefix)):
        print("ok %d - %s follows %s: %s" % (n, key, name, " -> ".join("%s/%s%%" % (m or s, p) for s, m, p in got)))
    else:
        print("not ok %d - %s follows %s" % (n, key, name))
        print("#   want %s\n#   got  %s" % (want, got))
# the booting loop never ends
tid = [t for t, k in tasks.items() if k == "loop-booting.raw"][0]
r = ec2.describe_import_image_tasks(ImportTaskIds=[tid])["ImportImageTasks"][0]
n += 1
if r["Status"] == "active" and r.get("StatusMessage") == "booting":
    print("ok %d - the booting loop is still booting past its last measured point" % n)
else:
    print("not ok %d - booting loop ended: %s" % (n, r))
# a successful import made an image
tid = [t for t, k in tasks.items() if k == "succeed.raw"][0]
r = ec2.describe_import_image_tasks(ImportTaskIds=[tid])["ImportImageTasks"][0]
img = r.get("ImageId")
n += 1
imgs = ec2.describe_images(ImageIds=[img])["Images"] if img else []
if imgs and imgs[0]["State"] == "available" and r["SnapshotDetails"][0].get("SnapshotId"):
    print("ok %d - the successful import created %s and its snapshot" % (n, img))
else:
    print("not ok %d - no image from the successful import: %s" % (n, r))
PY
)
[ -n "$results" ] || not_ok "timeline replay produced no result"
detail=()
name=
while IFS= read -r line; do
	case "$line" in
	"ok "*) ok "${line#ok * - }" ;;
	"not ok "*) name=${line#not ok * - }; detail=() ; not_ok "$name" ;;
	"#"*) diag "${line#\#}" ;;
	*) diag "$line" ;;
	esac
done <<<"$results"
sim_stop

# --stuck: tasks stop at the named state and stay there
sim_start "$sim_tmp/data" --speed 1000 --stuck converting && ok "sim restarts with --stuck converting" || not_ok "restart stuck"
task=$(awsx ec2 import-image --disk-containers "Format=raw,UserBucket={S3Bucket=timelines,S3Key=succeed.raw}" --query ImportTaskId --output text 2>&1)
state() { awsx ec2 describe-import-image-tasks --import-task-ids "$task" --query 'ImportImageTasks[0].[Status,StatusMessage,Progress]' --output text 2>&1; }
reached() { [ "$(state)" = "$(printf 'active\tconverting\t28')" ]; }
poll_until 20 reached && ok "the task reaches converting" || not_ok "reaches converting" "$(state)"
# at speed 1000 the whole success timeline takes 1.3 s: it must still be there well after
t0=$SECONDS
poll_until 3 test "$(state)" != "$(printf 'active\tconverting\t28')"
[ "$(state)" = "$(printf 'active\tconverting\t28')" ] && ok "and stays there past the end of its timeline" || not_ok "stuck" "$(state)"
sim_stop
tap_done
