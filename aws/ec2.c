#include "aws/ec2.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- form helpers ------------------------------------------------------ */

/* Prefix.1, Prefix.2, ... from a NULL-terminated list */
static void add_list(struct aws_form *f, const char *prefix, const char *const *items)
{
	for (size_t i = 0; items && items[i]; i++)
		aws_form_addk(f, items[i], "%s.%zu", prefix, i + 1);
}

static void add_filters(struct aws_form *f, const char *prefix, const struct ec2_filter *flt,
			size_t n)
{
	for (size_t i = 0; i < n; i++) {
		aws_form_addk(f, flt[i].name, "%s.%zu.Name", prefix, i + 1);
		for (size_t j = 0; flt[i].values && flt[i].values[j]; j++)
			aws_form_addk(f, flt[i].values[j], "%s.%zu.Value.%zu", prefix, i + 1, j + 1);
	}
}

static void add_tag_specs(struct aws_form *f, const struct ec2_tag_spec *ts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		aws_form_addk(f, ts[i].resource_type, "TagSpecification.%zu.ResourceType", i + 1);
		for (size_t j = 0; j < ts[i].n_tags; j++) {
			aws_form_addk(f, ts[i].tags[j].key, "TagSpecification.%zu.Tag.%zu.Key", i + 1,
				      j + 1);
			aws_form_addk(f, ts[i].tags[j].value, "TagSpecification.%zu.Tag.%zu.Value",
				      i + 1, j + 1);
		}
	}
}

static void add_opt(struct aws_form *f, const char *key, enum ec2_opt o)
{
	if (o != EC2_UNSET)
		aws_form_add_bool(f, key, o == EC2_TRUE);
}

static void add_pos(struct aws_form *f, const char *key, long long v)
{
	if (v > 0)
		aws_form_add_long(f, key, v);
}

/* The caller's token, or a fresh UUID; sent once in the body, so every retry
 * of this logical call carries the same one. */
static int add_token(struct aws_form *f, const char *given, char out[EC2_SHORT_MAX],
		     struct err *reterr)
{
	if (given && *given) {
		if (strlen(given) >= EC2_SHORT_MAX)
			return err_set(reterr, ERR_INPUT, 0, "the client token is too long");
		aws_strlcpy(out, given, EC2_SHORT_MAX);
	} else if (aws_uuid4(out, reterr) < 0) {
		return -1;
	}
	aws_form_add(f, "ClientToken", out);
	return 0;
}

static int need(const char *v, const char *what, const char *action, struct err *reterr)
{
	if (v && *v)
		return 0;
	return err_set(reterr, ERR_INPUT, 0, "%s needs %s", action, what);
}

/* ---- parse helpers ----------------------------------------------------- */

static void *grow_one(void *arr, size_t *n, size_t size, struct err *reterr)
{
	char *p = realloc(arr, (*n + 1) * size);
	if (!p) {
		err_sys(reterr, ENOMEM, "reading the reply");
		return NULL;
	}
	memset(p + *n * size, 0, size);
	(*n)++;
	return p;
}

static void copy_request_id(char *dst, const struct xml_node *root)
{
	xml_copy(dst, AWS_REQID_MAX, root, "requestId");
}

static void read_snapshot(struct ec2_snapshot *s, const struct xml_node *n)
{
	xml_copy(s->snapshot_id, sizeof(s->snapshot_id), n, "snapshotId");
	xml_copy(s->volume_id, sizeof(s->volume_id), n, "volumeId");
	xml_copy(s->state, sizeof(s->state), n, "status");
	xml_copy(s->state_message, sizeof(s->state_message), n, "statusMessage");
	xml_copy(s->progress, sizeof(s->progress), n, "progress");
	xml_copy(s->start_time, sizeof(s->start_time), n, "startTime");
	xml_copy(s->description, sizeof(s->description), n, "description");
	xml_copy(s->owner_id, sizeof(s->owner_id), n, "ownerId");
	s->volume_size = xml_ll(n, "volumeSize");
	s->encrypted = xml_bool(n, "encrypted");
}

static void read_volume(struct ec2_volume *v, const struct xml_node *n)
{
	xml_copy(v->volume_id, sizeof(v->volume_id), n, "volumeId");
	xml_copy(v->snapshot_id, sizeof(v->snapshot_id), n, "snapshotId");
	xml_copy(v->availability_zone, sizeof(v->availability_zone), n, "availabilityZone");
	xml_copy(v->state, sizeof(v->state), n, "status");
	xml_copy(v->volume_type, sizeof(v->volume_type), n, "volumeType");
	xml_copy(v->create_time, sizeof(v->create_time), n, "createTime");
	v->size = xml_ll(n, "size");
	v->encrypted = xml_bool(n, "encrypted");
}

static void read_image(struct ec2_image *im, const struct xml_node *n)
{
	xml_copy(im->image_id, sizeof(im->image_id), n, "imageId");
	xml_copy(im->name, sizeof(im->name), n, "name");
	xml_copy(im->description, sizeof(im->description), n, "description");
	xml_copy(im->state, sizeof(im->state), n, "imageState");
	xml_copy(im->state_reason_code, sizeof(im->state_reason_code), n, "stateReason/code");
	xml_copy(im->state_reason_message, sizeof(im->state_reason_message), n,
		 "stateReason/message");
	xml_copy(im->owner_id, sizeof(im->owner_id), n, "imageOwnerId");
	xml_copy(im->owner_alias, sizeof(im->owner_alias), n, "imageOwnerAlias");
	xml_copy(im->image_location, sizeof(im->image_location), n, "imageLocation");
	xml_copy(im->image_type, sizeof(im->image_type), n, "imageType");
	xml_copy(im->architecture, sizeof(im->architecture), n, "architecture");
	xml_copy(im->virtualization_type, sizeof(im->virtualization_type), n,
		 "virtualizationType");
	xml_copy(im->hypervisor, sizeof(im->hypervisor), n, "hypervisor");
	xml_copy(im->root_device_type, sizeof(im->root_device_type), n, "rootDeviceType");
	xml_copy(im->root_device_name, sizeof(im->root_device_name), n, "rootDeviceName");
	xml_copy(im->kernel_id, sizeof(im->kernel_id), n, "kernelId");
	xml_copy(im->ramdisk_id, sizeof(im->ramdisk_id), n, "ramdiskId");
	xml_copy(im->boot_mode, sizeof(im->boot_mode), n, "bootMode");
	xml_copy(im->sriov_net_support, sizeof(im->sriov_net_support), n, "sriovNetSupport");
	xml_copy(im->imds_support, sizeof(im->imds_support), n, "imdsSupport");
	xml_copy(im->tpm_support, sizeof(im->tpm_support), n, "tpmSupport");
	xml_copy(im->creation_date, sizeof(im->creation_date), n, "creationDate");
	xml_copy(im->platform_details, sizeof(im->platform_details), n, "platformDetails");
	im->ena_support = xml_bool(n, "enaSupport");
	im->is_public = xml_bool(n, "isPublic");
	for (const struct xml_node *b = xml_find(n, "blockDeviceMapping/item");
	     b && im->n_bdm < EC2_IMAGE_BDM_MAX; b = xml_next(b)) {
		struct ec2_block_device *d = &im->bdm[im->n_bdm++];
		xml_copy(d->device_name, sizeof(d->device_name), b, "deviceName");
		xml_copy(d->virtual_name, sizeof(d->virtual_name), b, "virtualName");
		xml_copy(d->snapshot_id, sizeof(d->snapshot_id), b, "ebs/snapshotId");
		xml_copy(d->volume_type, sizeof(d->volume_type), b, "ebs/volumeType");
		d->volume_size = xml_ll(b, "ebs/volumeSize");
		d->delete_on_termination = xml_bool(b, "ebs/deleteOnTermination");
		d->encrypted = xml_bool(b, "ebs/encrypted");
	}
}

static void read_detail(struct ec2_import_detail *d, const struct xml_node *n)
{
	xml_copy(d->snapshot_id, sizeof(d->snapshot_id), n, "snapshotId");
	xml_copy(d->status, sizeof(d->status), n, "status");
	xml_copy(d->status_message, sizeof(d->status_message), n, "statusMessage");
	xml_copy(d->progress, sizeof(d->progress), n, "progress");
	xml_copy(d->format, sizeof(d->format), n, "format");
	xml_copy(d->device_name, sizeof(d->device_name), n, "deviceName");
	xml_copy(d->description, sizeof(d->description), n, "description");
	xml_copy(d->url, sizeof(d->url), n, "url");
	xml_copy(d->s3_bucket, sizeof(d->s3_bucket), n, "userBucket/s3Bucket");
	xml_copy(d->s3_key, sizeof(d->s3_key), n, "userBucket/s3Key");
	d->disk_image_size = xml_double(n, "diskImageSize");
}

/* An import task: ImportImage's reply and importImageTaskSet items carry the
 * fields at their top and disks in snapshotDetailSet; ImportSnapshot's carry
 * one snapshotTaskDetail, whose status is the task's. */
static int read_task(struct ec2_import_task *t, const struct xml_node *n, struct err *reterr)
{
	xml_copy(t->import_task_id, sizeof(t->import_task_id), n, "importTaskId");
	xml_copy(t->status, sizeof(t->status), n, "status");
	xml_copy(t->status_message, sizeof(t->status_message), n, "statusMessage");
	xml_copy(t->progress, sizeof(t->progress), n, "progress");
	xml_copy(t->image_id, sizeof(t->image_id), n, "imageId");
	xml_copy(t->architecture, sizeof(t->architecture), n, "architecture");
	xml_copy(t->platform, sizeof(t->platform), n, "platform");
	xml_copy(t->boot_mode, sizeof(t->boot_mode), n, "bootMode");
	xml_copy(t->description, sizeof(t->description), n, "description");
	const struct xml_node *std = xml_find(n, "snapshotTaskDetail");
	if (std) {
		struct ec2_import_detail *d = grow_one(t->details, &t->n_details, sizeof(*d), reterr);
		if (!d)
			return -1;
		t->details = d;
		read_detail(d, std);
		aws_strlcpy(t->status, d->status, sizeof(t->status));
		aws_strlcpy(t->status_message, d->status_message, sizeof(t->status_message));
		aws_strlcpy(t->progress, d->progress, sizeof(t->progress));
		return 0;
	}
	for (const struct xml_node *it = xml_find(n, "snapshotDetailSet/item");
	     it && t->n_details < EC2_IMPORT_DISKS_MAX; it = xml_next(it)) {
		struct ec2_import_detail *d = grow_one(t->details, &t->n_details, sizeof(*d), reterr);
		if (!d)
			return -1;
		t->details = d;
		read_detail(&d[t->n_details - 1], it);
	}
	return 0;
}

static int missing(const char *action, const char *what, struct err *reterr)
{
	return err_set(reterr, ERR_INPUT, 0, "the reply to %s has no %s", action, what);
}

/* ---- DescribeRegions ---------------------------------------------------- */

static int form_describe_regions(struct aws_form *f, const struct ec2_describe_regions_req *req,
				 struct ec2_describe_regions_result *res, struct err *reterr)
{
	add_list(f, "RegionName", req->region_names);
	add_opt(f, "AllRegions", req->all_regions);
	add_filters(f, "Filter", req->filters, req->n_filters);
	return 0;
}

static int parse_describe_regions(const struct xml_node *root, void *out, struct err *reterr)
{
	struct ec2_describe_regions_result *res = out;
	copy_request_id(res->request_id, root);
	if (!xml_find(root, "regionInfo"))
		return missing("DescribeRegions", "<regionInfo>", reterr);
	for (const struct xml_node *it = xml_find(root, "regionInfo/item"); it; it = xml_next(it)) {
		struct ec2_region *r = grow_one(res->regions, &res->n_regions, sizeof(*r), reterr);
		if (!r)
			return -1;
		res->regions = r;
		r += res->n_regions - 1;
		xml_copy(r->name, sizeof(r->name), it, "regionName");
		xml_copy(r->endpoint, sizeof(r->endpoint), it, "regionEndpoint");
		xml_copy(r->opt_in_status, sizeof(r->opt_in_status), it, "optInStatus");
	}
	return 0;
}

void ec2_describe_regions_result_release(struct ec2_describe_regions_result *res)
{
	if (!res)
		return;
	free(res->regions);
	res->regions = NULL;
	res->n_regions = 0;
}

/* ---- DescribeImages ----------------------------------------------------- */

static int form_describe_images(struct aws_form *f, const struct ec2_describe_images_req *req,
				struct ec2_describe_images_result *res, struct err *reterr)
{
	add_list(f, "ImageId", req->image_ids);
	add_list(f, "Owner", req->owners);
	add_list(f, "ExecutableBy", req->executable_by);
	add_filters(f, "Filter", req->filters, req->n_filters);
	add_opt(f, "IncludeDeprecated", req->include_deprecated);
	add_pos(f, "MaxResults", req->max_results);
	aws_form_add(f, "NextToken", req->next_token);
	return 0;
}

static int parse_describe_images(const struct xml_node *root, void *out, struct err *reterr)
{
	struct ec2_describe_images_result *res = out;
	copy_request_id(res->request_id, root);
	if (!xml_find(root, "imagesSet"))
		return missing("DescribeImages", "<imagesSet>", reterr);
	for (const struct xml_node *it = xml_find(root, "imagesSet/item"); it; it = xml_next(it)) {
		struct ec2_image *im = grow_one(res->images, &res->n_images, sizeof(*im), reterr);
		if (!im)
			return -1;
		res->images = im;
		read_image(&im[res->n_images - 1], it);
	}
	xml_copy(res->next_token, sizeof(res->next_token), root, "nextToken");
	return 0;
}

void ec2_describe_images_result_release(struct ec2_describe_images_result *res)
{
	if (!res)
		return;
	free(res->images);
	res->images = NULL;
	res->n_images = 0;
}

/* ---- snapshots ---------------------------------------------------------- */

static int form_create_snapshot(struct aws_form *f, const struct ec2_create_snapshot_req *req,
				struct ec2_create_snapshot_result *res, struct err *reterr)
{
	if (need(req->volume_id, "a volume id", "CreateSnapshot", reterr) < 0)
		return -1;
	aws_form_add(f, "VolumeId", req->volume_id);
	aws_form_add(f, "Description", req->description);
	add_tag_specs(f, req->tag_specs, req->n_tag_specs);
	return 0;
}

static int parse_create_snapshot(const struct xml_node *root, void *out, struct err *reterr)
{
	struct ec2_create_snapshot_result *res = out;
	copy_request_id(res->request_id, root);
	read_snapshot(&res->snapshot, root);
	if (!res->snapshot.snapshot_id[0])
		return missing("CreateSnapshot", "<snapshotId>", reterr);
	return 0;
}

static int form_describe_snapshots(struct aws_form *f,
				   const struct ec2_describe_snapshots_req *req,
				   struct ec2_describe_snapshots_result *res, struct err *reterr)
{
	add_list(f, "SnapshotId", req->snapshot_ids);
	add_list(f, "Owner", req->owners);
	add_filters(f, "Filter", req->filters, req->n_filters);
	add_pos(f, "MaxResults", req->max_results);
	aws_form_add(f, "NextToken", req->next_token);
	return 0;
}

static int parse_describe_snapshots(const struct xml_node *root, void *out, struct err *reterr)
{
	struct ec2_describe_snapshots_result *res = out;
	copy_request_id(res->request_id, root);
	if (!xml_find(root, "snapshotSet"))
		return missing("DescribeSnapshots", "<snapshotSet>", reterr);
	for (const struct xml_node *it = xml_find(root, "snapshotSet/item"); it; it = xml_next(it)) {
		struct ec2_snapshot *s = grow_one(res->snapshots, &res->n_snapshots, sizeof(*s), reterr);
		if (!s)
			return -1;
		res->snapshots = s;
		read_snapshot(&s[res->n_snapshots - 1], it);
	}
	xml_copy(res->next_token, sizeof(res->next_token), root, "nextToken");
	return 0;
}

void ec2_describe_snapshots_result_release(struct ec2_describe_snapshots_result *res)
{
	if (!res)
		return;
	free(res->snapshots);
	res->snapshots = NULL;
	res->n_snapshots = 0;
}

/* Replies that only say "done": <return>true</return>. */
static int parse_ok(const struct xml_node *root, void *out, struct err *reterr)
{
	struct ec2_ok_result *res = out;
	copy_request_id(res->request_id, root);
	const char *ret = xml_text(root, "return");
	if (ret && strcmp(ret, "true") != 0)
		return err_set(reterr, ERR_SERVICE, 200, "the service answered %s=%s", root->name,
			       ret);
	return 0;
}

static int form_delete_snapshot(struct aws_form *f, const struct ec2_delete_snapshot_req *req,
				struct ec2_ok_result *res, struct err *reterr)
{
	if (need(req->snapshot_id, "a snapshot id", "DeleteSnapshot", reterr) < 0)
		return -1;
	aws_form_add(f, "SnapshotId", req->snapshot_id);
	return 0;
}
#define parse_delete_snapshot parse_ok

/* ---- volumes ------------------------------------------------------------ */

static int form_create_volume(struct aws_form *f, const struct ec2_create_volume_req *req,
			      struct ec2_create_volume_result *res, struct err *reterr)
{
	if (need(req->availability_zone, "an availability zone", "CreateVolume", reterr) < 0)
		return -1;
	aws_form_add(f, "AvailabilityZone", req->availability_zone);
	add_pos(f, "Size", req->size);
	aws_form_add(f, "SnapshotId", req->snapshot_id);
	aws_form_add(f, "VolumeType", req->volume_type);
	add_pos(f, "Iops", req->iops);
	add_opt(f, "Encrypted", req->encrypted);
	aws_form_add(f, "KmsKeyId", req->kms_key_id);
	add_tag_specs(f, req->tag_specs, req->n_tag_specs);
	return add_token(f, req->client_token, res->client_token, reterr);
}

static int parse_create_volume(const struct xml_node *root, void *out, struct err *reterr)
{
	struct ec2_create_volume_result *res = out;
	copy_request_id(res->request_id, root);
	read_volume(&res->volume, root);
	if (!res->volume.volume_id[0])
		return missing("CreateVolume", "<volumeId>", reterr);
	return 0;
}

static int form_describe_volumes(struct aws_form *f, const struct ec2_describe_volumes_req *req,
				 struct ec2_describe_volumes_result *res, struct err *reterr)
{
	add_list(f, "VolumeId", req->volume_ids);
	add_filters(f, "Filter", req->filters, req->n_filters);
	add_pos(f, "MaxResults", req->max_results);
	aws_form_add(f, "NextToken", req->next_token);
	return 0;
}

static int parse_describe_volumes(const struct xml_node *root, void *out, struct err *reterr)
{
	struct ec2_describe_volumes_result *res = out;
	copy_request_id(res->request_id, root);
	if (!xml_find(root, "volumeSet"))
		return missing("DescribeVolumes", "<volumeSet>", reterr);
	for (const struct xml_node *it = xml_find(root, "volumeSet/item"); it; it = xml_next(it)) {
		struct ec2_volume *v = grow_one(res->volumes, &res->n_volumes, sizeof(*v), reterr);
		if (!v)
			return -1;
		res->volumes = v;
		read_volume(&v[res->n_volumes - 1], it);
	}
	xml_copy(res->next_token, sizeof(res->next_token), root, "nextToken");
	return 0;
}

void ec2_describe_volumes_result_release(struct ec2_describe_volumes_result *res)
{
	if (!res)
		return;
	free(res->volumes);
	res->volumes = NULL;
	res->n_volumes = 0;
}

/* ---- images ------------------------------------------------------------- */

static int form_register_image(struct aws_form *f, const struct ec2_register_image_req *req,
			       struct ec2_register_image_result *res, struct err *reterr)
{
	if (need(req->name, "a name", "RegisterImage", reterr) < 0)
		return -1;
	aws_form_add(f, "Name", req->name);
	aws_form_add(f, "Description", req->description);
	aws_form_add(f, "ImageLocation", req->image_location);
	aws_form_add(f, "Architecture", req->architecture);
	aws_form_add(f, "RootDeviceName", req->root_device_name);
	aws_form_add(f, "VirtualizationType", req->virtualization_type);
	aws_form_add(f, "KernelId", req->kernel_id);
	aws_form_add(f, "RamdiskId", req->ramdisk_id);
	aws_form_add(f, "SriovNetSupport", req->sriov_net_support);
	add_opt(f, "EnaSupport", req->ena_support);
	aws_form_add(f, "BootMode", req->boot_mode);
	aws_form_add(f, "ImdsSupport", req->imds_support);
	aws_form_add(f, "TpmSupport", req->tpm_support);
	aws_form_add(f, "UefiData", req->uefi_data);
	for (size_t i = 0; i < req->n_bdms; i++) {
		const struct ec2_bdm_req *b = &req->bdms[i];
		size_t n = i + 1;
		aws_form_addk(f, b->device_name, "BlockDeviceMapping.%zu.DeviceName", n);
		aws_form_addk(f, b->virtual_name, "BlockDeviceMapping.%zu.VirtualName", n);
		if (b->no_device)
			aws_form_addk(f, "", "BlockDeviceMapping.%zu.NoDevice", n);
		aws_form_addk(f, b->snapshot_id, "BlockDeviceMapping.%zu.Ebs.SnapshotId", n);
		char num[32];
		if (b->volume_size > 0) {
			snprintf(num, sizeof(num), "%lld", b->volume_size);
			aws_form_addk(f, num, "BlockDeviceMapping.%zu.Ebs.VolumeSize", n);
		}
		aws_form_addk(f, b->volume_type, "BlockDeviceMapping.%zu.Ebs.VolumeType", n);
		if (b->iops > 0) {
			snprintf(num, sizeof(num), "%ld", b->iops);
			aws_form_addk(f, num, "BlockDeviceMapping.%zu.Ebs.Iops", n);
		}
		if (b->delete_on_termination != EC2_UNSET)
			aws_form_addk(f, b->delete_on_termination == EC2_TRUE ? "true" : "false",
				      "BlockDeviceMapping.%zu.Ebs.DeleteOnTermination", n);
		if (b->encrypted != EC2_UNSET)
			aws_form_addk(f, b->encrypted == EC2_TRUE ? "true" : "false",
				      "BlockDeviceMapping.%zu.Ebs.Encrypted", n);
	}
	add_list(f, "BillingProduct", req->billing_products);
	add_tag_specs(f, req->tag_specs, req->n_tag_specs);
	if (req->dry_run)
		aws_form_add(f, "DryRun", "true");
	return 0;
}

static int parse_register_image(const struct xml_node *root, void *out, struct err *reterr)
{
	struct ec2_register_image_result *res = out;
	copy_request_id(res->request_id, root);
	xml_copy(res->image_id, sizeof(res->image_id), root, "imageId");
	if (!res->image_id[0])
		return missing("RegisterImage", "<imageId>", reterr);
	return 0;
}

static int form_deregister_image(struct aws_form *f, const struct ec2_deregister_image_req *req,
				 struct ec2_ok_result *res, struct err *reterr)
{
	if (need(req->image_id, "an image id", "DeregisterImage", reterr) < 0)
		return -1;
	aws_form_add(f, "ImageId", req->image_id);
	add_opt(f, "DeleteAssociatedSnapshots", req->delete_associated_snapshots);
	return 0;
}
#define parse_deregister_image parse_ok

static int form_copy_image(struct aws_form *f, const struct ec2_copy_image_req *req,
			   struct ec2_copy_image_result *res, struct err *reterr)
{
	if (need(req->source_image_id, "a source image id", "CopyImage", reterr) < 0 ||
	    need(req->source_region, "a source region", "CopyImage", reterr) < 0 ||
	    need(req->name, "a name", "CopyImage", reterr) < 0)
		return -1;
	aws_form_add(f, "SourceImageId", req->source_image_id);
	aws_form_add(f, "SourceRegion", req->source_region);
	aws_form_add(f, "Name", req->name);
	aws_form_add(f, "Description", req->description);
	add_opt(f, "Encrypted", req->encrypted);
	aws_form_add(f, "KmsKeyId", req->kms_key_id);
	add_opt(f, "CopyImageTags", req->copy_image_tags);
	add_tag_specs(f, req->tag_specs, req->n_tag_specs);
	return add_token(f, req->client_token, res->client_token, reterr);
}

static int parse_copy_image(const struct xml_node *root, void *out, struct err *reterr)
{
	struct ec2_copy_image_result *res = out;
	copy_request_id(res->request_id, root);
	xml_copy(res->image_id, sizeof(res->image_id), root, "imageId");
	if (!res->image_id[0])
		return missing("CopyImage", "<imageId>", reterr);
	return 0;
}

static int form_create_tags(struct aws_form *f, const struct ec2_create_tags_req *req,
			    struct ec2_ok_result *res, struct err *reterr)
{
	if (!req->resource_ids || !req->resource_ids[0] || !req->n_tags)
		return err_set(reterr, ERR_INPUT, 0, "CreateTags needs resources and tags");
	add_list(f, "ResourceId", req->resource_ids);
	for (size_t i = 0; i < req->n_tags; i++) {
		aws_form_addk(f, req->tags[i].key, "Tag.%zu.Key", i + 1);
		aws_form_addk(f, req->tags[i].value ? req->tags[i].value : "", "Tag.%zu.Value", i + 1);
	}
	return 0;
}
#define parse_create_tags parse_ok

/* ---- VM Import ---------------------------------------------------------- */

static void add_container(struct aws_form *f, const char *p, const struct ec2_disk_container *d,
			  bool image)
{
	aws_form_addk(f, d->description, "%s.Description", p);
	if (image) {
		aws_form_addk(f, d->device_name, "%s.DeviceName", p);
		aws_form_addk(f, d->snapshot_id, "%s.SnapshotId", p);
	}
	aws_form_addk(f, d->format, "%s.Format", p);
	aws_form_addk(f, d->url, "%s.Url", p);
	aws_form_addk(f, d->s3_bucket, "%s.UserBucket.S3Bucket", p);
	aws_form_addk(f, d->s3_key, "%s.UserBucket.S3Key", p);
}

static int form_import_image(struct aws_form *f, const struct ec2_import_image_req *req,
			     struct ec2_import_result *res, struct err *reterr)
{
	if (!req->n_disks)
		return err_set(reterr, ERR_INPUT, 0, "ImportImage needs at least one disk");
	aws_form_add(f, "Description", req->description);
	for (size_t i = 0; i < req->n_disks; i++) {
		char p[48];
		snprintf(p, sizeof(p), "DiskContainer.%zu", i + 1);
		add_container(f, p, &req->disks[i], true);
	}
	aws_form_add(f, "Architecture", req->architecture);
	aws_form_add(f, "BootMode", req->boot_mode);
	aws_form_add(f, "Platform", req->platform);
	aws_form_add(f, "Hypervisor", req->hypervisor);
	aws_form_add(f, "LicenseType", req->license_type);
	aws_form_add(f, "UsageOperation", req->usage_operation);
	aws_form_add(f, "RoleName", req->role_name);
	add_opt(f, "Encrypted", req->encrypted);
	aws_form_add(f, "KmsKeyId", req->kms_key_id);
	add_tag_specs(f, req->tag_specs, req->n_tag_specs);
	return add_token(f, req->client_token, res->client_token, reterr);
}

static int parse_import(const struct xml_node *root, void *out, struct err *reterr)
{
	struct ec2_import_result *res = out;
	copy_request_id(res->request_id, root);
	if (read_task(&res->task, root, reterr) < 0)
		return -1;
	if (!res->task.import_task_id[0])
		return missing(root->name, "<importTaskId>", reterr);
	return 0;
}
#define parse_import_image parse_import
#define parse_import_snapshot parse_import

void ec2_import_result_release(struct ec2_import_result *res)
{
	if (!res)
		return;
	free(res->task.details);
	res->task.details = NULL;
	res->task.n_details = 0;
}

static int form_import_snapshot(struct aws_form *f, const struct ec2_import_snapshot_req *req,
				struct ec2_import_result *res, struct err *reterr)
{
	aws_form_add(f, "Description", req->description);
	add_container(f, "DiskContainer", &req->disk, false);
	aws_form_add(f, "RoleName", req->role_name);
	add_opt(f, "Encrypted", req->encrypted);
	aws_form_add(f, "KmsKeyId", req->kms_key_id);
	add_tag_specs(f, req->tag_specs, req->n_tag_specs);
	return add_token(f, req->client_token, res->client_token, reterr);
}

static int form_describe_import_tasks(struct aws_form *f,
				      const struct ec2_describe_import_tasks_req *req,
				      struct ec2_describe_import_tasks_result *res,
				      struct err *reterr)
{
	add_list(f, "ImportTaskId", req->import_task_ids);
	add_filters(f, "Filters", req->filters, req->n_filters);
	add_pos(f, "MaxResults", req->max_results);
	aws_form_add(f, "NextToken", req->next_token);
	return 0;
}
#define form_describe_import_image_tasks form_describe_import_tasks
#define form_describe_import_snapshot_tasks form_describe_import_tasks

static int parse_tasks(const struct xml_node *root, const char *set,
		       struct ec2_describe_import_tasks_result *res, struct err *reterr)
{
	copy_request_id(res->request_id, root);
	const struct xml_node *s = xml_find(root, set);
	if (!s)
		return missing(root->name, set, reterr);
	for (const struct xml_node *it = xml_find(s, "item"); it; it = xml_next(it)) {
		struct ec2_import_task *t = grow_one(res->tasks, &res->n_tasks, sizeof(*t), reterr);
		if (!t)
			return -1;
		res->tasks = t;
		if (read_task(&t[res->n_tasks - 1], it, reterr) < 0)
			return -1;
	}
	xml_copy(res->next_token, sizeof(res->next_token), root, "nextToken");
	return 0;
}

static int parse_describe_import_image_tasks(const struct xml_node *root, void *out,
					     struct err *reterr)
{
	return parse_tasks(root, "importImageTaskSet", out, reterr);
}

static int parse_describe_import_snapshot_tasks(const struct xml_node *root, void *out,
						struct err *reterr)
{
	return parse_tasks(root, "importSnapshotTaskSet", out, reterr);
}

void ec2_describe_import_tasks_result_release(struct ec2_describe_import_tasks_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->n_tasks; i++)
		free(res->tasks[i].details);
	free(res->tasks);
	res->tasks = NULL;
	res->n_tasks = 0;
}

static int form_cancel_import_task(struct aws_form *f, const struct ec2_cancel_import_task_req *req,
				   struct ec2_cancel_import_task_result *res, struct err *reterr)
{
	if (need(req->import_task_id, "an import task id", "CancelImportTask", reterr) < 0)
		return -1;
	aws_form_add(f, "ImportTaskId", req->import_task_id);
	aws_form_add(f, "CancelReason", req->cancel_reason);
	return 0;
}

static int parse_cancel_import_task(const struct xml_node *root, void *out, struct err *reterr)
{
	struct ec2_cancel_import_task_result *res = out;
	copy_request_id(res->request_id, root);
	xml_copy(res->import_task_id, sizeof(res->import_task_id), root, "importTaskId");
	xml_copy(res->previous_state, sizeof(res->previous_state), root, "previousState");
	xml_copy(res->state, sizeof(res->state), root, "state");
	return 0;
}

/* ---- the public calls --------------------------------------------------- */

static const struct {
	const char *action;
	const char *doing;
} meta[] = {
#define M_describe_regions {"DescribeRegions", "Listing the regions"}
#define M_describe_images {"DescribeImages", "Looking up images"}
#define M_create_snapshot {"CreateSnapshot", "Creating a snapshot"}
#define M_describe_snapshots {"DescribeSnapshots", "Looking up snapshots"}
#define M_delete_snapshot {"DeleteSnapshot", "Deleting a snapshot"}
#define M_create_volume {"CreateVolume", "Creating a volume"}
#define M_describe_volumes {"DescribeVolumes", "Looking up volumes"}
#define M_register_image {"RegisterImage", "Registering the image"}
#define M_deregister_image {"DeregisterImage", "Deregistering an image"}
#define M_copy_image {"CopyImage", "Copying an image"}
#define M_create_tags {"CreateTags", "Tagging resources"}
#define M_import_image {"ImportImage", "Starting the image import"}
#define M_import_snapshot {"ImportSnapshot", "Starting the snapshot import"}
#define M_describe_import_image_tasks {"DescribeImportImageTasks", "Checking image imports"}
#define M_describe_import_snapshot_tasks                                                           \
	{"DescribeImportSnapshotTasks", "Checking snapshot imports"}
#define M_cancel_import_task {"CancelImportTask", "Cancelling an import"}
#define X(name, req_t, res_t) M_##name,
	EC2_CALLS(X)
#undef X
};

enum {
#define X(name, req_t, res_t) CALL_##name,
	EC2_CALLS(X)
#undef X
};

#define X(name, req_t, res_t)                                                                      \
	QUERY_CALL_DEFINE(ec2, name, req_t, res_t, meta[CALL_##name].action, EC2_API_VERSION, meta[CALL_##name].doing)
EC2_CALLS(X)
#undef X

int ec2_describe_images_all(const struct aws_endpoint *ep, const struct ec2_describe_images_req *req,
			    struct ec2_describe_images_result *res, int max_pages,
			    struct err *reterr)
{
	struct ec2_describe_images_req page_req = *req;
	memset(res, 0, sizeof(*res));
	char token[EC2_TOKEN_MAX] = "";
	for (int page = 0; page < max_pages; page++) {
		struct ec2_describe_images_result page_res;
		page_req.next_token = token[0] ? token : req->next_token;
		if (ec2_describe_images(ep, &page_req, &page_res, reterr) < 0) {
			ec2_describe_images_result_release(&page_res);
			return -1;
		}
		if (page_res.n_images) {
			struct ec2_image *all = realloc(res->images, (res->n_images + page_res.n_images) *
									     sizeof(*all));
			if (!all) {
				ec2_describe_images_result_release(&page_res);
				return err_sys(reterr, ENOMEM, "listing images");
			}
			memcpy(all + res->n_images, page_res.images,
			       page_res.n_images * sizeof(*all));
			res->images = all;
			res->n_images += page_res.n_images;
		}
		memcpy(res->request_id, page_res.request_id, sizeof(res->request_id));
		aws_strlcpy(token, page_res.next_token, sizeof(token));
		ec2_describe_images_result_release(&page_res);
		if (!token[0])
			return 0;
	}
	aws_strlcpy(res->next_token, token, sizeof(res->next_token));
	return 0;
}

/* The snapshot behind the request's root device: the mapping named like
 * RootDeviceName, or the only mapping with a snapshot when no root device
 * name is given.  NULL when there is none to compare. */
static const char *root_snapshot(const struct ec2_register_image_req *req)
{
	const char *only = NULL;
	size_t with_snap = 0;
	for (size_t i = 0; i < req->n_bdms; i++) {
		const struct ec2_bdm_req *b = &req->bdms[i];
		if (!b->snapshot_id || !*b->snapshot_id)
			continue;
		if (req->root_device_name && b->device_name &&
		    strcmp(b->device_name, req->root_device_name) == 0)
			return b->snapshot_id;
		only = b->snapshot_id;
		with_snap++;
	}
	return !req->root_device_name && with_snap == 1 ? only : NULL;
}

static bool image_root_is(const struct ec2_image *img, const char *snapshot_id)
{
	for (size_t i = 0; i < img->n_bdm; i++)
		if (strcmp(img->bdm[i].device_name, img->root_device_name) == 0)
			return strcmp(img->bdm[i].snapshot_id, snapshot_id) == 0;
	return false;
}

int ec2_register_image_idempotent(const struct aws_endpoint *ep,
				  const struct ec2_register_image_req *req,
				  struct ec2_register_image_result *res, struct err *reterr)
{
	struct err dup;
	err_clear(&dup);
	if (ec2_register_image(ep, req, res, &dup) == 0)
		return 0;
	const char *snap = root_snapshot(req);
	if (strcmp(dup.aws_code, "InvalidAMIName.Duplicate") != 0 || !snap || req->dry_run) {
		if (reterr)
			*reterr = dup;
		return -1;
	}
	/* The name is taken: by our own earlier attempt whose reply was lost,
	 * or by an unrelated image.  Only the first is success. */
	static const char *const self[] = {"self", NULL};
	const char *const names[] = {req->name, NULL};
	const struct ec2_filter by_name = {.name = "name", .values = names};
	const struct ec2_describe_images_req q = {.owners = self, .filters = &by_name,
						  .n_filters = 1};
	struct ec2_describe_images_result found;
	struct err le;
	err_clear(&le);
	int r = ec2_describe_images_all(ep, &q, &found, 10, &le);
	for (size_t i = 0; r == 0 && i < found.n_images; i++) {
		const struct ec2_image *img = &found.images[i];
		if (strcmp(img->name, req->name) == 0 && image_root_is(img, snap)) {
			aws_strlcpy(res->image_id, img->image_id, sizeof(res->image_id));
			aws_strlcpy(res->request_id, found.request_id, sizeof(res->request_id));
			res->recovered = true;
			ec2_describe_images_result_release(&found);
			return 0;
		}
	}
	ec2_describe_images_result_release(&found);
	if (reterr)
		*reterr = dup;
	return -1;
}
