#!/bin/bash
# Practice imports fail the way EC2 would: amiwiz-sim inspects what was
# uploaded (engine/inspect with the kernel checks) and replays the timeline of
# the verdict.  Small images built with `amiwiz build` from a minimal root:
# a good one (the Debian cloud kernel), one without an operating system, and
# one with Debian's 32-bit 686-pae kernel; each is uploaded with the AWS CLI,
# imported, and followed to the end.  `amiwiz inspect` predicts the same.
. "$AMIWIZ_TOP/tests/lib/tap.sh"
. "$AMIWIZ_TOP/tests/lib/sim.sh"
. "$AMIWIZ_TOP/tests/lib/images.sh"
A="$AMIWIZ_BIN"
work="$sim_tmp/work"
mkdir -p "$work"

if ! fetched=$("$AMIWIZ_TOP/tests/lib/fetch-kernels.sh" "$AMIWIZ_CACHE" 2>"$work/fetch.err"); then
	not_ok "fetch the Debian kernels" "$(cat "$work/fetch.err")"
	tap_done
	exit 1
fi
kdir() { printf '%s\n' "$fetched" | awk -v f="$1" '$1 == f {print $3}'; }
cloud=$(ls "$(kdir cloud-amd64)"/boot/vmlinuz-* | head -1)
pae=$(ls "$(kdir 686-pae)"/boot/vmlinuz-* | head -1)
pae_ver=${pae##*/vmlinuz-}

mkroot "$work/good"
cp "$cloud" "$work/good/boot/"
mkroot "$work/i386"
cp "$pae" "$work/i386/boot/"
# no operating system: a kernel and nothing else
mkdir -p "$work/noos/boot"
cp "$cloud" "$work/noos/boot/"
for img in good i386 noos; do
	if "$A" build --layout hvm-bios --size 48M --root "$work/$img" --out "$work/$img.raw" >"$work/$img.log" 2>&1; then
		ok "build the $img image"
	else
		not_ok "build the $img image" "$(cat "$work/$img.log")"
	fi
done
: >"$work/empty.raw"

# what inspect predicts
out=$("$A" inspect --target import "$work/i386.raw" 2>&1)
rc=$?
case "$rc:$out" in
1:*"ClientError: Unsupported kernel version $pae_ver"*) ok "inspect: the 686-pae image fails import, naming $pae_ver" ;;
*) not_ok "inspect: 686-pae fails import with its version (exit $rc)" "$out" ;;
esac
"$A" inspect --target import "$work/good.raw" >"$work/good.inspect" 2>&1 &&
	ok "inspect: the good image would import" || not_ok "inspect: good image" "$(cat "$work/good.inspect")"

sim_start "$sim_tmp/data" --speed 1000 && ok "sim starts (--speed 1000)" || { not_ok "sim starts"; tap_done; exit 1; }
awsx s3 mb s3://images >/dev/null 2>&1
awsx iam create-role --role-name vmimport --assume-role-policy-document '{"Version":"2012-10-17","Statement":[]}' >/dev/null 2>&1
for img in good i386 noos empty; do
	check "s3 cp $img.raw" awsx s3 cp --only-show-errors "$work/$img.raw" "s3://images/$img.raw"
done

# image_task KEY: start an ImportImage; follow it until it ends; print "Status|StatusMessage|ImageId"
image_task() {
	local task
	task=$(awsx ec2 import-image --disk-containers "Format=raw,UserBucket={S3Bucket=images,S3Key=$1}" --query ImportTaskId --output text 2>&1) || { echo "import-image failed: $task"; return; }
	local deadline=$((SECONDS + 60)) st
	while [ $SECONDS -lt $deadline ]; do
		st=$(awsx ec2 describe-import-image-tasks --import-task-ids "$task" --query 'ImportImageTasks[0].[Status,StatusMessage,ImageId]' --output text 2>&1 | tr '\t' '|')
		case "$st" in completed*|deleted*) echo "$st"; return ;; esac
		sleep 0.2
	done
	echo "timeout: $st"
}
snap_task() {
	local task
	task=$(awsx ec2 import-snapshot --disk-container "Format=RAW,UserBucket={S3Bucket=images,S3Key=$1}" --query ImportTaskId --output text 2>&1) || { echo "import-snapshot failed: $task"; return; }
	local deadline=$((SECONDS + 60)) st
	while [ $SECONDS -lt $deadline ]; do
		st=$(awsx ec2 describe-import-snapshot-tasks --import-task-ids "$task" --query 'ImportSnapshotTasks[0].SnapshotTaskDetail.[Status,StatusMessage]' --output text 2>&1 | tr '\t' '|')
		case "$st" in completed*|deleted*) echo "$st"; return ;; esac
		sleep 0.2
	done
	echo "timeout: $st"
}

got=$(image_task good.raw)
case "$got" in "completed|None|ami-"*) ok "import-image of the good image completes (${got##*|})" ;; *) not_ok "good image completes" "$got" ;; esac
got=$(image_task noos.raw)
[ "$got" = "deleted|ClientError: Unknown OS / Missing OS files|None" ] &&
	ok "import-image without an OS fails: Unknown OS / Missing OS files" || not_ok "no-OS image" "$got"
got=$(image_task i386.raw)
[ "$got" = "deleted|ClientError: Unsupported kernel version $pae_ver|None" ] &&
	ok "import-image with the 32-bit kernel fails: Unsupported kernel version $pae_ver" || not_ok "32-bit image" "$got"
got=$(image_task empty.raw)
case "$got" in "deleted|InvalidParameter: Parameter disk-image-size=0"*) ok "import-image of an empty file fails on its size" ;; *) not_ok "empty image" "$got" ;; esac
# the key still forces an outcome, whatever the image holds
got=$(awsx s3 cp --only-show-errors "$work/good.raw" s3://images/good-fail-os.raw 2>&1; image_task good-fail-os.raw)
case "$got" in "deleted|ClientError: Unknown OS"*) ok "a key with fail-os overrides the inspection" ;; *) not_ok "fail-os override" "$got" ;; esac

# ImportSnapshot copies the disk without looking at the system on it
got=$(snap_task noos.raw)
[ "$got" = "completed|None" ] && ok "import-snapshot of the no-OS image completes, as on EC2" || not_ok "snapshot of no-OS image" "$got"
got=$(snap_task empty.raw)
case "$got" in "deleted|InvalidParameter: Parameter disk-image-size=0"*) ok "import-snapshot of an empty file fails on its size" ;; *) not_ok "empty snapshot" "$got" ;; esac
sim_stop
tap_done
