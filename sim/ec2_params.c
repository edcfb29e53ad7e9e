#include "sim/ec2_params.h"

#include <stdio.h>
#include <string.h>

/* Wire names from the EC2 API model (botocore ec2/2016-11-15, the same the
 * AWS CLI serialises), flattened lists written with N.  Structures appear
 * only through their members. */

#define TAG_SPECS                                                                                  \
	"TagSpecification.N.ResourceType", "TagSpecification.N.Tag.N.Key",                         \
	    "TagSpecification.N.Tag.N.Value"
#define FILTERS "Filter.N.Name", "Filter.N.Value.N"

static const char *const describe_regions[] = {"RegionName.N", "AllRegions", FILTERS, NULL};
static const char *const describe_images[] = {
    "ExecutableBy.N", "ImageId.N", "Owner.N", "IncludeDeprecated", "IncludeDisabled",
    "MaxResults", "NextToken", FILTERS, NULL};
static const char *const create_snapshot[] = {"Description", "OutpostArn", "VolumeId",
					      "Location", TAG_SPECS, NULL};
static const char *const describe_snapshots[] = {"MaxResults", "NextToken", "Owner.N",
						 "RestorableBy.N", "SnapshotId.N", FILTERS, NULL};
static const char *const delete_snapshot[] = {"SnapshotId", NULL};
static const char *const create_volume[] = {
    "AvailabilityZone", "AvailabilityZoneId", "Encrypted", "Iops", "KmsKeyId", "OutpostArn",
    "Size", "SnapshotId", "VolumeType", "MultiAttachEnabled", "Throughput", "ClientToken",
    "VolumeInitializationRate", "Operator.Principal", TAG_SPECS, NULL};
static const char *const describe_volumes[] = {"VolumeId.N", "MaxResults", "NextToken",
					       FILTERS, NULL};
/* no ClientToken: RegisterImage has none */
static const char *const register_image[] = {
    "ImageLocation", "BillingProduct.N", "BootMode", "TpmSupport", "UefiData", "ImdsSupport",
    "Name", "Description", "Architecture", "KernelId", "RamdiskId", "RootDeviceName",
    "BlockDeviceMapping.N.DeviceName", "BlockDeviceMapping.N.VirtualName",
    "BlockDeviceMapping.N.NoDevice", "BlockDeviceMapping.N.Ebs.DeleteOnTermination",
    "BlockDeviceMapping.N.Ebs.Iops", "BlockDeviceMapping.N.Ebs.SnapshotId",
    "BlockDeviceMapping.N.Ebs.VolumeSize", "BlockDeviceMapping.N.Ebs.VolumeType",
    "BlockDeviceMapping.N.Ebs.KmsKeyId", "BlockDeviceMapping.N.Ebs.Throughput",
    "BlockDeviceMapping.N.Ebs.OutpostArn", "BlockDeviceMapping.N.Ebs.AvailabilityZone",
    "BlockDeviceMapping.N.Ebs.Encrypted", "BlockDeviceMapping.N.Ebs.VolumeInitializationRate",
    "BlockDeviceMapping.N.Ebs.AvailabilityZoneId", "BlockDeviceMapping.N.Ebs.EbsCardIndex",
    "VirtualizationType", "SriovNetSupport", "EnaSupport", TAG_SPECS, NULL};
static const char *const deregister_image[] = {"ImageId", "DeleteAssociatedSnapshots", NULL};
static const char *const create_tags[] = {"ResourceId.N", "Tag.N.Key", "Tag.N.Value", NULL};
#define CLIENT_DATA                                                                                \
	"ClientData.Comment", "ClientData.UploadEnd", "ClientData.UploadSize",                     \
	    "ClientData.UploadStart"
static const char *const import_image[] = {
    "Architecture", CLIENT_DATA, "ClientToken", "Description", "DiskContainer.N.Description",
    "DiskContainer.N.DeviceName", "DiskContainer.N.Format", "DiskContainer.N.SnapshotId",
    "DiskContainer.N.Url", "DiskContainer.N.UserBucket.S3Bucket",
    "DiskContainer.N.UserBucket.S3Key", "Encrypted", "Hypervisor", "KmsKeyId", "LicenseType",
    "Platform", "RoleName", "LicenseSpecifications.N.LicenseConfigurationArn",
    "UsageOperation", "BootMode", TAG_SPECS, NULL};
static const char *const import_snapshot[] = {
    CLIENT_DATA, "ClientToken", "Description", "DiskContainer.Description",
    "DiskContainer.Format", "DiskContainer.Url", "DiskContainer.UserBucket.S3Bucket",
    "DiskContainer.UserBucket.S3Key", "Encrypted", "KmsKeyId", "RoleName", TAG_SPECS, NULL};
static const char *const describe_import_tasks[] = {
    "Filters.N.Name", "Filters.N.Value.N", "ImportTaskId.N", "MaxResults", "NextToken", NULL};
static const char *const cancel_import_task[] = {"CancelReason", "ImportTaskId", NULL};
static const char *const copy_image[] = {
    "ClientToken", "Description", "Encrypted", "KmsKeyId", "Name", "SourceImageId",
    "SourceRegion", "DestinationOutpostArn", "CopyImageTags",
    "SnapshotCopyCompletionDurationMinutes", "DestinationAvailabilityZone",
    "DestinationAvailabilityZoneId", TAG_SPECS, NULL};

static const struct {
	const char *action;
	const char *const *params;
} table[] = {
	{"DescribeRegions", describe_regions},
	{"DescribeImages", describe_images},
	{"CreateSnapshot", create_snapshot},
	{"DescribeSnapshots", describe_snapshots},
	{"DeleteSnapshot", delete_snapshot},
	{"CreateVolume", create_volume},
	{"DescribeVolumes", describe_volumes},
	{"RegisterImage", register_image},
	{"DeregisterImage", deregister_image},
	{"CreateTags", create_tags},
	{"ImportImage", import_image},
	{"ImportSnapshot", import_snapshot},
	{"DescribeImportImageTasks", describe_import_tasks},
	{"DescribeImportSnapshotTasks", describe_import_tasks},
	{"CancelImportTask", cancel_import_task},
	{"CopyImage", copy_image},
};

/* Accepted by every action: the request's frame and SigV4 query auth. */
static const char *const common[] = {
	"Action", "Version", "DryRun", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
	"X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Expires", NULL};

static const char *const *params_of(const char *action)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].action, action) == 0)
			return table[i].params;
	return NULL;
}

bool ec2_params_known_action(const char *action)
{
	return action && params_of(action) != NULL;
}

/* `name` with every all-digit segment ("1", "12") written "N"; false when
 * it does not fit `out`, a number starts with 0 (the wire counts from 1) or a
 * segment is a literal "N". */
static bool shape_of(const char *name, char *out, size_t size)
{
	size_t o = 0;
	const char *p = name;
	while (*p) {
		const char *end = strchr(p, '.');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		bool digits = len > 0 && strspn(p, "0123456789") >= len;
		if (digits && p[0] == '0')
			return false;
		if (len == 1 && p[0] == 'N') /* the table's placeholder, never a wire name */
			return false;
		const char *seg = digits ? "N" : p;
		size_t seglen = digits ? 1 : len;
		if (o + seglen + 2 > size)
			return false;
		memcpy(out + o, seg, seglen);
		o += seglen;
		p += len;
		if (*p == '.')
			out[o++] = *p++;
	}
	out[o] = 0;
	return true;
}

static bool listed(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

const char *ec2_params_unknown(const char *action, const struct query *q)
{
	const char *const *params = action ? params_of(action) : NULL;
	if (!params)
		return NULL;
	for (size_t i = 0; i < q->n; i++) {
		char shape[256];
		const char *name = q->v[i].name;
		if (listed(common, name))
			continue;
		if (!shape_of(name, shape, sizeof(shape)) || !listed(params, shape))
			return name;
	}
	return NULL;
}
