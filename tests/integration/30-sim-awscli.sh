#!/bin/bash
# amiwiz-sim against the real AWS CLI (Debian awscli): every service it serves,
# signature checks, multipart S3 byte for byte, EBS direct byte for byte.
. "$AMIWIZ_TOP/tests/lib/tap.sh"
. "$AMIWIZ_TOP/tests/lib/sim.sh"

data="$sim_tmp/data"
if sim_start "$data" --speed 1000; then ok "sim starts on a free port ($SIM_URL)"; else not_ok "sim starts"; tap_done; exit 1; fi

# -- signatures and identity
out=$(awsx sts get-caller-identity --query Account --output text 2>&1)
[ "$out" = 123456789012 ] && ok "sts get-caller-identity" || not_ok "sts get-caller-identity" "$out"
out=$(AWS_SECRET_ACCESS_KEY=wrong-secret awsx sts get-caller-identity 2>&1)
case "$out" in *SignatureDoesNotMatch*) ok "sts: wrong secret -> SignatureDoesNotMatch" ;; *) not_ok "sts wrong secret" "$out" ;; esac
out=$(AWS_ACCESS_KEY_ID=AKIAUNKNOWNKEY000000 awsx sts get-caller-identity 2>&1)
case "$out" in *InvalidClientTokenId*) ok "sts: unknown key -> InvalidClientTokenId" ;; *) not_ok "sts unknown key" "$out" ;; esac
out=$(AWS_SECRET_ACCESS_KEY=wrong-secret awsx ec2 describe-regions 2>&1)
case "$out" in *AuthFailure*) ok "ec2: wrong secret -> AuthFailure" ;; *) not_ok "ec2 wrong secret" "$out" ;; esac
out=$(AWS_SECRET_ACCESS_KEY=wrong-secret awsx s3 ls 2>&1)
case "$out" in *SignatureDoesNotMatch*) ok "s3: wrong secret -> SignatureDoesNotMatch" ;; *) not_ok "s3 wrong secret" "$out" ;; esac
out=$(AWS_ACCESS_KEY_ID=AKIAUNKNOWNKEY000000 awsx s3 ls 2>&1)
case "$out" in *InvalidAccessKeyId*) ok "s3: unknown key -> InvalidAccessKeyId" ;; *) not_ok "s3 unknown key" "$out" ;; esac
out=$(AWS_SECRET_ACCESS_KEY=wrong-secret awsx ebs start-snapshot --volume-size 1 2>&1)
case "$out" in *InvalidSignatureException*) ok "ebs: wrong secret -> InvalidSignatureException" ;; *) not_ok "ebs wrong secret" "$out" ;; esac
# a request signed 20 minutes in the past: faketime is not needed, python signs it
out=$(/usr/bin/python3 - "$SIM_URL" <<'PY' 2>&1
import sys, datetime, urllib.request
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url = sys.argv[1] + "/"
req = AWSRequest(method="POST", url=url, data="Action=DescribeRegions&Version=2016-11-15",
                 headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
class Old(SigV4Auth):
    def _modify_request_before_signing(self, request):
        super()._modify_request_before_signing(request)
        old = (datetime.datetime.utcnow() - datetime.timedelta(minutes=20)).strftime("%Y%m%dT%H%M%SZ")
        request.headers.replace_header("X-Amz-Date", old)
        request.context["timestamp"] = old
Old(Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), "ec2", "us-east-1").add_auth(req)
r = urllib.request.Request(url, data=req.body.encode() if isinstance(req.body, str) else req.body,
                           headers=dict(req.headers.items()), method="POST")
try:
    urllib.request.urlopen(r)
    print("accepted")
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
PY
)
case "$out" in 400*RequestExpired*) ok "ec2: 20-minute-old signature -> RequestExpired" ;; *) not_ok "ec2 expired" "$out" ;; esac

# -- EC2
out=$(awsx ec2 describe-regions --query 'Regions[].RegionName' --output text 2>&1)
case "$out" in *us-east-1*eu-west-1*|*eu-west-1*us-east-1*) ok "ec2 describe-regions" ;; *) not_ok "describe-regions" "$out" ;; esac
out=$(awsx ec2 describe-images --owners amazon --filters Name=image-type,Values=kernel Name=name,Values='pv-grub-hd0_1.05-x86_64.gz' --query 'Images[].[ImageId,OwnerId,ImageType]' --output text 2>&1)
[ "$out" = "$(printf 'aki-5c21674b\t137112412989\tkernel')" ] && ok "ec2 describe-images finds the us-east-1 pv-grub AKI" || not_ok "describe-images AKI" "$out"
out=$(awsx ec2 describe-images --owners amazon --filters Name=image-type,Values=kernel --max-results 5 --query 'length(Images)' --output text --no-paginate 2>&1)
[ "$out" = 5 ] && ok "describe-images honours MaxResults" || not_ok "describe-images MaxResults" "$out"
out=$(awsx ec2 describe-images --owners amazon --filters Name=image-type,Values=kernel --page-size 5 --query 'Images[].ImageId' --output text 2>&1 | wc -w)
[ "$out" = 6 ] && ok "describe-images pages with NextToken to all 6 AKIs" || not_ok "describe-images pagination" "$out"
vol=$(awsx ec2 create-volume --availability-zone us-east-1a --size 2 --query VolumeId --output text 2>&1)
case "$vol" in vol-*) ok "ec2 create-volume" ;; *) not_ok "create-volume" "$vol" ;; esac
snap=$(awsx ec2 create-snapshot --volume-id "$vol" --description first --query SnapshotId --output text 2>&1)
case "$snap" in snap-*) ok "ec2 create-snapshot" ;; *) not_ok "create-snapshot" "$snap" ;; esac
snap_done() { [ "$(awsx ec2 describe-snapshots --snapshot-ids "$snap" --query 'Snapshots[0].State' --output text 2>&1)" = completed ]; }
poll_until 30 snap_done && ok "ec2 describe-snapshots: pending -> completed" || not_ok "snapshot completes"
# Describe filters: each names one field of the record; an unknown one is refused
out=$(awsx ec2 describe-volumes --filters Name=volume-id,Values="$vol" Name=size,Values=2 Name=availability-zone,Values='us-east-1*' --query 'Volumes[].VolumeId' --output text 2>&1)
[ "$out" = "$vol" ] && ok "describe-volumes filters by id, size and zone" || not_ok "describe-volumes filters" "$out"
out=$(awsx ec2 describe-volumes --filters Name=volume-id,Values="$vol" Name=size,Values=3 --query 'length(Volumes)' --output text 2>&1)
[ "$out" = 0 ] && ok "describe-volumes: a size that does not match keeps nothing" || not_ok "describe-volumes size filter" "$out"
out=$(awsx ec2 describe-snapshots --filters Name=volume-id,Values="$vol" Name=volume-size,Values=2 Name=status,Values=completed Name=description,Values='fir*' --query 'Snapshots[].SnapshotId' --output text 2>&1)
[ "$out" = "$snap" ] && ok "describe-snapshots filters by volume, size, status and description" || not_ok "describe-snapshots filters" "$out"
out=$(awsx ec2 describe-snapshots --filters Name=no-such-filter,Values=x 2>&1)
case "$out" in *InvalidParameterValue*no-such-filter*) ok "describe-snapshots refuses an unknown filter" ;; *) not_ok "unknown snapshot filter" "$out" ;; esac
out=$(awsx ec2 describe-volumes --filters Name=no-such-filter,Values=x 2>&1)
case "$out" in *InvalidParameterValue*no-such-filter*) ok "describe-volumes refuses an unknown filter" ;; *) not_ok "unknown volume filter" "$out" ;; esac
ami=$(awsx ec2 register-image --name "practice (hvm) 1" --architecture x86_64 --virtualization-type hvm --ena-support \
	--root-device-name /dev/xvda --block-device-mappings "DeviceName=/dev/xvda,Ebs={SnapshotId=$snap}" --query ImageId --output text 2>&1)
case "$ami" in ami-*) ok "ec2 register-image" ;; *) not_ok "register-image" "$ami" ;; esac
out=$(awsx ec2 register-image --name "practice (hvm) 1" --architecture x86_64 --virtualization-type hvm \
	--root-device-name /dev/xvda --block-device-mappings "DeviceName=/dev/xvda,Ebs={SnapshotId=$snap}" 2>&1)
case "$out" in *InvalidAMIName.Duplicate*) ok "register-image: duplicate name refused" ;; *) not_ok "duplicate name" "$out" ;; esac
out=$(awsx ec2 register-image --name pv-practice --architecture x86_64 --kernel-id aki-00000000 \
	--root-device-name /dev/sda1 --block-device-mappings "DeviceName=/dev/sda1,Ebs={SnapshotId=$snap}" 2>&1)
case "$out" in *InvalidAMIID.NotFound*) ok "register-image: unknown AKI refused" ;; *) not_ok "unknown aki" "$out" ;; esac
pv=$(awsx ec2 register-image --name pv-practice --architecture x86_64 --kernel-id aki-5c21674b \
	--root-device-name /dev/sda1 --block-device-mappings "DeviceName=/dev/sda1,Ebs={SnapshotId=$snap}" --query ImageId --output text 2>&1)
case "$pv" in ami-*) ok "register-image: PV with the pv-grub AKI" ;; *) not_ok "register pv" "$pv" ;; esac
img_ok() { [ "$(awsx ec2 describe-images --image-ids "$ami" --query 'Images[0].[State,EnaSupport,VirtualizationType]' --output text 2>&1)" = "$(printf 'available\tTrue\thvm')" ]; }
poll_until 30 img_ok && ok "describe-images: the new AMI becomes available" || not_ok "AMI available"
out=$(awsx ec2 create-tags --resources "$ami" "$snap" --tags Key=purpose,Value=practice 2>&1 &&
	awsx ec2 describe-images --owners self --filters Name=tag:purpose,Values=practice --query 'Images[].ImageId' --output text 2>&1)
[ "$out" = "$ami" ] && ok "ec2 create-tags and a tag filter" || not_ok "create-tags" "$out"
out=$(awsx ec2 delete-snapshot --snapshot-id "$snap" 2>&1)
case "$out" in *InvalidSnapshot.InUse*) ok "delete-snapshot refused while an AMI uses it" ;; *) not_ok "snapshot in use" "$out" ;; esac

# -- IAM
out=$(awsx iam create-role --role-name vmimport --assume-role-policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"vmie.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:Externalid":"vmimport"}}}]}' \
	--query Role.Arn --output text 2>&1)
[ "$out" = arn:aws:iam::123456789012:role/vmimport ] && ok "iam create-role" || not_ok "create-role" "$out"
out=$(awsx iam get-role --role-name vmimport --query 'Role.AssumeRolePolicyDocument.Statement[0].Principal.Service' --output text 2>&1)
[ "$out" = vmie.amazonaws.com ] && ok "iam get-role returns the trust policy" || not_ok "get-role" "$out"
check "iam put-role-policy" awsx iam put-role-policy --role-name vmimport --policy-name vmimport \
	--policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}]}'
out=$(awsx iam get-role --role-name nosuchrole 2>&1)
case "$out" in *NoSuchEntity*) ok "iam get-role of a missing role -> NoSuchEntity" ;; *) not_ok "NoSuchEntity" "$out" ;; esac

# -- S3, multipart both ways
printf '[default]\ns3 =\n  multipart_threshold = 5MB\n  multipart_chunksize = 5MB\n' >"$AWS_CONFIG_FILE"
head -c 20000000 /dev/urandom >"$sim_tmp/disk.raw"
check "s3 mb" awsx s3 mb s3://practice-imports
check "s3 cp up (multipart, 4 parts)" awsx s3 cp --only-show-errors "$sim_tmp/disk.raw" s3://practice-imports/disk.raw
out=$(awsx s3api head-object --bucket practice-imports --key disk.raw --query '[ContentLength,ETag]' --output text 2>&1)
case "$out" in 20000000*-4*) ok "head-object: multipart ETag with 4 parts" ;; *) not_ok "head-object" "$out" ;; esac
check "s3 cp down (ranged GETs)" awsx s3 cp --only-show-errors s3://practice-imports/disk.raw "$sim_tmp/back.raw"
cmp -s "$sim_tmp/disk.raw" "$sim_tmp/back.raw" && ok "s3 round trip is byte-identical" || not_ok "s3 round trip differs"
out=$(awsx s3 ls s3://practice-imports/ 2>&1)
case "$out" in *20000000*disk.raw*) ok "s3 ls lists the object" ;; *) not_ok "s3 ls" "$out" ;; esac

# -- VM Import, followed to the end (random bytes hold no system: the key's
# "succeed" forces the outcome; 60-sim-import-inspect.sh imports real images)
head -c 1048576 /dev/urandom >"$sim_tmp/succeed.raw"
check "s3 cp the image to import" awsx s3 cp --only-show-errors "$sim_tmp/succeed.raw" s3://practice-imports/succeed.raw
# a presigned URL (query-form SigV4) fetches the object without credentials
purl=$(awsx s3 presign s3://practice-imports/succeed.raw --expires-in 120 2>&1)
/usr/bin/python3 -c 'import sys, urllib.request; open(sys.argv[2], "wb").write(urllib.request.urlopen(sys.argv[1]).read())' "$purl" "$sim_tmp/presigned.raw" 2>/dev/null
cmp -s "$sim_tmp/succeed.raw" "$sim_tmp/presigned.raw" && ok "s3 presign: the URL fetches the object" || not_ok "s3 presign" "$purl"
out=$(/usr/bin/python3 -c 'import sys, urllib.request, urllib.error
try:
    u = sys.argv[1]
    urllib.request.urlopen(u[:-1] + ("0" if u[-1] != "0" else "1"))
    print("accepted")
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())' "$purl" 2>&1)
case "$out" in 403*SignatureDoesNotMatch*) ok "s3 presign: a tampered signature is refused" ;; *) not_ok "tampered presign" "$out" ;; esac
task=$(awsx ec2 import-image --disk-containers "Format=raw,UserBucket={S3Bucket=practice-imports,S3Key=succeed.raw}" --query ImportTaskId --output text 2>&1)
case "$task" in import-ami-*) ok "ec2 import-image" ;; *) not_ok "import-image" "$task" ;; esac
task_done() { [ "$(awsx ec2 describe-import-image-tasks --import-task-ids "$task" --query 'ImportImageTasks[0].Status' --output text 2>&1)" = completed ]; }
poll_until 60 task_done && ok "describe-import-image-tasks follows the task to completed" || not_ok "import completes"
imported=$(awsx ec2 describe-import-image-tasks --import-task-ids "$task" --query 'ImportImageTasks[0].ImageId' --output text 2>&1)
out=$(awsx ec2 describe-images --image-ids "$imported" --query 'Images[0].State' --output text 2>&1)
[ "$out" = available ] && ok "the imported image exists and is available" || not_ok "imported image" "$imported $out"
stask=$(awsx ec2 import-snapshot --disk-container "Format=RAW,UserBucket={S3Bucket=practice-imports,S3Key=disk.raw}" --query ImportTaskId --output text 2>&1)
case "$stask" in import-snap-*) ok "ec2 import-snapshot" ;; *) not_ok "import-snapshot" "$stask" ;; esac
stask_done() { [ "$(awsx ec2 describe-import-snapshot-tasks --import-task-ids "$stask" --query 'ImportSnapshotTasks[0].SnapshotTaskDetail.Status' --output text 2>&1)" = completed ]; }
poll_until 60 stask_done && ok "describe-import-snapshot-tasks follows the task to completed" || not_ok "import-snapshot completes"

# -- EBS direct, read back byte for byte
head -c 524288 /dev/urandom >"$sim_tmp/blk"
sum=$(openssl dgst -sha256 -binary "$sim_tmp/blk" | base64)
esnap=$(awsx ebs start-snapshot --volume-size 1 --description direct --query SnapshotId --output text 2>&1)
case "$esnap" in snap-*) ok "ebs start-snapshot" ;; *) not_ok "start-snapshot" "$esnap" ;; esac
check "ebs put-snapshot-block" awsx ebs put-snapshot-block --snapshot-id "$esnap" --block-index 7 \
	--block-data "$sim_tmp/blk" --data-length 524288 --checksum "$sum" --checksum-algorithm SHA256
bad=$(printf 'x%.0s' $(seq 1 43))=
out=$(awsx ebs put-snapshot-block --snapshot-id "$esnap" --block-index 8 --block-data "$sim_tmp/blk" \
	--data-length 524288 --checksum "$bad" --checksum-algorithm SHA256 2>&1)
case "$out" in *ValidationException*checksum*) ok "ebs: a block with a wrong checksum is refused" ;; *) not_ok "bad checksum" "$out" ;; esac
agg=$(openssl dgst -sha256 -binary "$sim_tmp/blk" | openssl dgst -sha256 -binary | base64)
check "ebs complete-snapshot with the linear aggregate" awsx ebs complete-snapshot --snapshot-id "$esnap" \
	--changed-blocks-count 1 --checksum "$agg" --checksum-algorithm SHA256 --checksum-aggregation-method LINEAR
esnap_done() { [ "$(awsx ec2 describe-snapshots --snapshot-ids "$esnap" --query 'Snapshots[0].State' --output text 2>&1)" = completed ]; }
poll_until 30 esnap_done && ok "the EBS snapshot completes in EC2" || not_ok "ebs snapshot completes"
tok=$(awsx ebs list-snapshot-blocks --snapshot-id "$esnap" --query 'Blocks[?BlockIndex==`7`].BlockToken' --output text 2>&1)
awsx ebs get-snapshot-block --snapshot-id "$esnap" --block-index 7 --block-token "$tok" "$sim_tmp/blk.back" >/dev/null 2>&1
cmp -s "$sim_tmp/blk" "$sim_tmp/blk.back" && ok "ebs get-snapshot-block reads the block back byte for byte" || not_ok "block read back" "$tok"

# -- state survives a restart
sim_stop && ok "SIGTERM stops the sim cleanly" || not_ok "clean stop"
sim_start "$data" --speed 1000 && ok "sim restarts on the same data" || not_ok "restart"
out=$(awsx ec2 describe-images --image-ids "$ami" --query 'Images[0].Name' --output text 2>&1)
[ "$out" = "practice (hvm) 1" ] && ok "after restart: the AMI is still there" || not_ok "AMI after restart" "$out"
out=$(awsx iam get-role --role-name vmimport --query Role.RoleName --output text 2>&1)
[ "$out" = vmimport ] && ok "after restart: the role is still there" || not_ok "role after restart" "$out"
rm -f "$sim_tmp/back.raw"
awsx s3 cp --only-show-errors s3://practice-imports/disk.raw "$sim_tmp/back.raw" >/dev/null 2>&1
cmp -s "$sim_tmp/disk.raw" "$sim_tmp/back.raw" && ok "after restart: the object reads back byte for byte" || not_ok "object after restart"
tok=$(awsx ebs list-snapshot-blocks --snapshot-id "$esnap" --query 'Blocks[0].BlockToken' --output text 2>&1)
rm -f "$sim_tmp/blk.back"
awsx ebs get-snapshot-block --snapshot-id "$esnap" --block-index 7 --block-token "$tok" "$sim_tmp/blk.back" >/dev/null 2>&1
cmp -s "$sim_tmp/blk" "$sim_tmp/blk.back" && ok "after restart: the EBS block reads back byte for byte" || not_ok "block after restart"

sim_stop
tap_done
