/* ec2: the EC2 Query API calls amiwiz makes (version 2016-11-15).
 *
 * Each call takes a typed request (strings borrowed for the duration of the
 * start call only: the form body is built at once) and fills a typed result
 * owned by the caller.  Every call exists twice:
 *   ec2_<call>_start(ep, req, res, done, ctx, reterr)  asynchronous, on the loop
 *   ec2_<call>(ep, req, res, reterr)                   drives the loop until done
 * Results holding lists are released with ec2_<result>_release() (NULL-safe);
 * the others own no memory.  On failure reterr has the EC2 error code, the
 * HTTP status, the request id and what was being done.
 *
 * Calls that create something carry a ClientToken: the caller's, or a fresh
 * random UUID, generated once per logical call and sent unchanged on every
 * retry, so a retried call never creates two of anything.  The token used is
 * returned in the result (store it to resume a job).
 */
#ifndef AMIWIZ_AWS_EC2_H
#define AMIWIZ_AWS_EC2_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/query.h"

#define EC2_API_VERSION "2016-11-15"

#define EC2_ID_MAX 64
#define EC2_SHORT_MAX 64
#define EC2_NAME_MAX 256
#define EC2_TEXT_MAX 1024
#define EC2_TOKEN_MAX 1024

/* A three-way option: unset (the default, not sent), false, true. */
enum ec2_opt { EC2_UNSET = 0, EC2_FALSE, EC2_TRUE };

struct ec2_filter {
	const char *name;
	const char *const *values; /* NULL-terminated */
};

struct ec2_tag {
	const char *key;
	const char *value;
};

struct ec2_tag_spec {
	const char *resource_type; /* "image", "snapshot", "volume", "import-image-task" ... */
	const struct ec2_tag *tags;
	size_t n_tags;
};

/* ---- DescribeRegions ---- */
struct ec2_describe_regions_req {
	const char *const *region_names; /* NULL-terminated, or NULL */
	enum ec2_opt all_regions;
	const struct ec2_filter *filters;
	size_t n_filters;
};
struct ec2_region {
	char name[EC2_SHORT_MAX];
	char endpoint[EC2_NAME_MAX];
	char opt_in_status[EC2_SHORT_MAX];
};
struct ec2_describe_regions_result {
	char request_id[AWS_REQID_MAX];
	struct ec2_region *regions;
	size_t n_regions;
};
void ec2_describe_regions_result_release(struct ec2_describe_regions_result *res);

/* ---- DescribeImages ---- */
struct ec2_describe_images_req {
	const char *const *image_ids;
	const char *const *owners;
	const char *const *executable_by;
	const struct ec2_filter *filters;
	size_t n_filters;
	enum ec2_opt include_deprecated;
	long max_results;       /* 0: not sent */
	const char *next_token; /* NULL: first page */
};
struct ec2_block_device {
	char device_name[EC2_SHORT_MAX];
	char virtual_name[EC2_SHORT_MAX];
	char snapshot_id[EC2_ID_MAX];
	char volume_type[EC2_SHORT_MAX];
	long long volume_size;
	bool delete_on_termination;
	bool encrypted;
};
#define EC2_IMAGE_BDM_MAX 16
struct ec2_image {
	char image_id[EC2_ID_MAX];
	char name[EC2_NAME_MAX];
	char description[EC2_NAME_MAX];
	char state[EC2_SHORT_MAX];
	char state_reason_code[EC2_SHORT_MAX];
	char state_reason_message[EC2_TEXT_MAX];
	char owner_id[EC2_SHORT_MAX];
	char owner_alias[EC2_SHORT_MAX];
	char image_location[EC2_NAME_MAX];
	char image_type[EC2_SHORT_MAX];
	char architecture[EC2_SHORT_MAX];
	char virtualization_type[EC2_SHORT_MAX];
	char hypervisor[EC2_SHORT_MAX];
	char root_device_type[EC2_SHORT_MAX];
	char root_device_name[EC2_SHORT_MAX];
	char kernel_id[EC2_ID_MAX];
	char ramdisk_id[EC2_ID_MAX];
	char boot_mode[EC2_SHORT_MAX];
	char sriov_net_support[EC2_SHORT_MAX];
	char imds_support[EC2_SHORT_MAX];
	char tpm_support[EC2_SHORT_MAX];
	char creation_date[EC2_SHORT_MAX];
	char platform_details[EC2_NAME_MAX];
	bool ena_support;
	bool is_public;
	struct ec2_block_device bdm[EC2_IMAGE_BDM_MAX];
	size_t n_bdm;
};
struct ec2_describe_images_result {
	char request_id[AWS_REQID_MAX];
	struct ec2_image *images;
	size_t n_images;
	char next_token[EC2_TOKEN_MAX]; /* "" on the last page */
};
void ec2_describe_images_result_release(struct ec2_describe_images_result *res);

/* ---- snapshots ---- */
struct ec2_snapshot {
	char snapshot_id[EC2_ID_MAX];
	char volume_id[EC2_ID_MAX];
	char state[EC2_SHORT_MAX];         /* pending | completed | error | ... */
	char state_message[EC2_TEXT_MAX];
	char progress[EC2_SHORT_MAX];      /* "100%" */
	char start_time[EC2_SHORT_MAX];
	char description[EC2_NAME_MAX];
	char owner_id[EC2_SHORT_MAX];
	long long volume_size;             /* GiB */
	bool encrypted;
};

struct ec2_create_snapshot_req {
	const char *volume_id;
	const char *description;
	const struct ec2_tag_spec *tag_specs;
	size_t n_tag_specs;
};
struct ec2_create_snapshot_result {
	char request_id[AWS_REQID_MAX];
	struct ec2_snapshot snapshot;
};

struct ec2_describe_snapshots_req {
	const char *const *snapshot_ids;
	const char *const *owners;
	const struct ec2_filter *filters;
	size_t n_filters;
	long max_results;
	const char *next_token;
};
struct ec2_describe_snapshots_result {
	char request_id[AWS_REQID_MAX];
	struct ec2_snapshot *snapshots;
	size_t n_snapshots;
	char next_token[EC2_TOKEN_MAX];
};
void ec2_describe_snapshots_result_release(struct ec2_describe_snapshots_result *res);

struct ec2_delete_snapshot_req {
	const char *snapshot_id;
};

/* ---- volumes ---- */
struct ec2_volume {
	char volume_id[EC2_ID_MAX];
	char snapshot_id[EC2_ID_MAX];
	char availability_zone[EC2_SHORT_MAX];
	char state[EC2_SHORT_MAX];
	char volume_type[EC2_SHORT_MAX];
	char create_time[EC2_SHORT_MAX];
	long long size;
	bool encrypted;
};

struct ec2_create_volume_req {
	const char *availability_zone;
	long long size;          /* GiB; 0: not sent (from the snapshot) */
	const char *snapshot_id;
	const char *volume_type;
	long iops;
	enum ec2_opt encrypted;
	const char *kms_key_id;
	const struct ec2_tag_spec *tag_specs;
	size_t n_tag_specs;
	const char *client_token; /* NULL: a fresh UUID */
};
struct ec2_create_volume_result {
	char request_id[AWS_REQID_MAX];
	char client_token[EC2_SHORT_MAX];
	struct ec2_volume volume;
};

struct ec2_describe_volumes_req {
	const char *const *volume_ids;
	const struct ec2_filter *filters;
	size_t n_filters;
	long max_results;
	const char *next_token;
};
struct ec2_describe_volumes_result {
	char request_id[AWS_REQID_MAX];
	struct ec2_volume *volumes;
	size_t n_volumes;
	char next_token[EC2_TOKEN_MAX];
};
void ec2_describe_volumes_result_release(struct ec2_describe_volumes_result *res);

/* ---- RegisterImage / DeregisterImage / CopyImage ---- */
struct ec2_bdm_req {
	const char *device_name;
	const char *virtual_name;  /* "ephemeral0" */
	bool no_device;
	const char *snapshot_id;   /* Ebs.* from here */
	long long volume_size;     /* 0: not sent */
	const char *volume_type;
	long iops;
	enum ec2_opt delete_on_termination;
	enum ec2_opt encrypted;
};

struct ec2_register_image_req {
	const char *name;                /* required */
	const char *description;
	const char *image_location;      /* instance-store AMIs */
	const char *architecture;        /* i386 | x86_64 | arm64 */
	const char *root_device_name;
	const char *virtualization_type; /* hvm | paravirtual */
	const char *kernel_id;
	const char *ramdisk_id;
	const char *sriov_net_support;   /* "simple" */
	enum ec2_opt ena_support;
	const char *boot_mode;           /* legacy-bios | uefi | uefi-preferred */
	const char *imds_support;        /* "v2.0" */
	const char *tpm_support;         /* "v2.0" */
	const char *uefi_data;
	const struct ec2_bdm_req *bdms;
	size_t n_bdms;
	const char *const *billing_products;
	const struct ec2_tag_spec *tag_specs;
	size_t n_tag_specs;
	bool dry_run;
};
/* RegisterImage takes no ClientToken (EC2 would refuse it as an unknown
 * parameter): an AMI name is unique per account and region, so a retry whose
 * first attempt did register answers InvalidAMIName.Duplicate naming the image
 * instead of creating a second one.  The caller that retried treats that as
 * success after DescribeImages (owner self, name filter) finds the image:
 * ec2_register_image_idempotent() below does so. */
struct ec2_register_image_result {
	char request_id[AWS_REQID_MAX];
	char image_id[EC2_ID_MAX];
	bool recovered; /* ec2_register_image_idempotent: found by DescribeImages */
};

struct ec2_deregister_image_req {
	const char *image_id;
	enum ec2_opt delete_associated_snapshots;
};

struct ec2_copy_image_req {
	const char *source_image_id;
	const char *source_region;
	const char *name;
	const char *description;
	enum ec2_opt encrypted;
	const char *kms_key_id;
	enum ec2_opt copy_image_tags;
	const struct ec2_tag_spec *tag_specs;
	size_t n_tag_specs;
	const char *client_token;
};
struct ec2_copy_image_result {
	char request_id[AWS_REQID_MAX];
	char client_token[EC2_SHORT_MAX];
	char image_id[EC2_ID_MAX];
};

/* ---- CreateTags ---- */
struct ec2_create_tags_req {
	const char *const *resource_ids;
	const struct ec2_tag *tags;
	size_t n_tags;
};

/* Calls that return nothing but success. */
struct ec2_ok_result {
	char request_id[AWS_REQID_MAX];
};

/* ---- VM Import ---- */
struct ec2_disk_container {
	const char *description;
	const char *device_name;   /* ImportImage only */
	const char *format;        /* OVA | VHD | VHDX | VMDK | RAW */
	const char *url;           /* s3://bucket/key or https:// */
	const char *s3_bucket;     /* or UserBucket */
	const char *s3_key;
	const char *snapshot_id;   /* ImportImage only */
};

struct ec2_import_image_req {
	const char *description;
	const struct ec2_disk_container *disks;
	size_t n_disks;
	const char *architecture;
	const char *boot_mode;
	const char *platform;
	const char *hypervisor;
	const char *license_type;
	const char *usage_operation;
	const char *role_name;     /* NULL: vmimport */
	enum ec2_opt encrypted;
	const char *kms_key_id;
	const struct ec2_tag_spec *tag_specs;
	size_t n_tag_specs;
	const char *client_token;
};

struct ec2_import_snapshot_req {
	const char *description;
	struct ec2_disk_container disk;
	const char *role_name;
	enum ec2_opt encrypted;
	const char *kms_key_id;
	const struct ec2_tag_spec *tag_specs;
	size_t n_tag_specs;
	const char *client_token;
};

/* One disk of an import task (snapshotDetailSet/item or snapshotTaskDetail). */
struct ec2_import_detail {
	char snapshot_id[EC2_ID_MAX];
	char status[EC2_SHORT_MAX];
	char status_message[EC2_TEXT_MAX];
	char progress[EC2_SHORT_MAX];
	char format[EC2_SHORT_MAX];
	char device_name[EC2_SHORT_MAX];
	char description[EC2_NAME_MAX];
	char url[EC2_NAME_MAX];
	char s3_bucket[EC2_SHORT_MAX];
	char s3_key[EC2_NAME_MAX];
	double disk_image_size;
};

#define EC2_IMPORT_DISKS_MAX 24
struct ec2_import_task {
	char import_task_id[EC2_ID_MAX];
	char status[EC2_SHORT_MAX];        /* active | completed | deleting | deleted ... */
	char status_message[EC2_TEXT_MAX];
	char progress[EC2_SHORT_MAX];
	char image_id[EC2_ID_MAX];
	char architecture[EC2_SHORT_MAX];
	char platform[EC2_SHORT_MAX];
	char boot_mode[EC2_SHORT_MAX];
	char description[EC2_NAME_MAX];
	struct ec2_import_detail *details; /* ImportSnapshot: one */
	size_t n_details;
};

struct ec2_import_result {
	char request_id[AWS_REQID_MAX];
	char client_token[EC2_SHORT_MAX];
	struct ec2_import_task task;
};
void ec2_import_result_release(struct ec2_import_result *res);

struct ec2_describe_import_tasks_req {
	const char *const *import_task_ids;
	const struct ec2_filter *filters; /* sent as Filters.N */
	size_t n_filters;
	long max_results;
	const char *next_token;
};
struct ec2_describe_import_tasks_result {
	char request_id[AWS_REQID_MAX];
	struct ec2_import_task *tasks;
	size_t n_tasks;
	char next_token[EC2_TOKEN_MAX];
};
void ec2_describe_import_tasks_result_release(struct ec2_describe_import_tasks_result *res);

struct ec2_cancel_import_task_req {
	const char *import_task_id;
	const char *cancel_reason;
};
struct ec2_cancel_import_task_result {
	char request_id[AWS_REQID_MAX];
	char import_task_id[EC2_ID_MAX];
	char previous_state[EC2_SHORT_MAX];
	char state[EC2_SHORT_MAX];
};

#define EC2_CALLS(X)                                                                               \
	X(describe_regions, ec2_describe_regions_req, ec2_describe_regions_result)                  \
	X(describe_images, ec2_describe_images_req, ec2_describe_images_result)                     \
	X(create_snapshot, ec2_create_snapshot_req, ec2_create_snapshot_result)                     \
	X(describe_snapshots, ec2_describe_snapshots_req, ec2_describe_snapshots_result)            \
	X(delete_snapshot, ec2_delete_snapshot_req, ec2_ok_result)                                  \
	X(create_volume, ec2_create_volume_req, ec2_create_volume_result)                           \
	X(describe_volumes, ec2_describe_volumes_req, ec2_describe_volumes_result)                  \
	X(register_image, ec2_register_image_req, ec2_register_image_result)                        \
	X(deregister_image, ec2_deregister_image_req, ec2_ok_result)                                \
	X(copy_image, ec2_copy_image_req, ec2_copy_image_result)                                    \
	X(create_tags, ec2_create_tags_req, ec2_ok_result)                                          \
	X(import_image, ec2_import_image_req, ec2_import_result)                                    \
	X(import_snapshot, ec2_import_snapshot_req, ec2_import_result)                              \
	X(describe_import_image_tasks, ec2_describe_import_tasks_req,                               \
	  ec2_describe_import_tasks_result)                                                         \
	X(describe_import_snapshot_tasks, ec2_describe_import_tasks_req,                            \
	  ec2_describe_import_tasks_result)                                                         \
	X(cancel_import_task, ec2_cancel_import_task_req, ec2_cancel_import_task_result)

/* Declares, for each call above:
 *   int ec2_<call>_start(const struct aws_endpoint *ep, const struct <req> *req,
 *                        struct <result> *res, aws_done_fn done, void *ctx,
 *                        struct err *reterr);
 *   int ec2_<call>(const struct aws_endpoint *ep, const struct <req> *req,
 *                  struct <result> *res, struct err *reterr);
 * The result is cleared at the start and filled on success; release list
 * results even after a failure.  A -1 from _start means nothing started. */
#define X(name, req_t, res_t)                                                                      \
	int ec2_##name##_start(const struct aws_endpoint *ep, const struct req_t *req,            \
			       struct res_t *res, aws_done_fn done, void *ctx, struct err *reterr); \
	int ec2_##name(const struct aws_endpoint *ep, const struct req_t *req, struct res_t *res,  \
		       struct err *reterr);
EC2_CALLS(X)
#undef X

/* RegisterImage that may be repeated after a lost reply (see the comment at
 * struct ec2_register_image_result).  When RegisterImage ends with
 * InvalidAMIName.Duplicate, DescribeImages (Owner=self, Filter name=<name>)
 * looks the image up; if it is the one the request describes (its root
 * device is backed by the request's root snapshot), that image's id is
 * returned with res->recovered set, and 0.  Otherwise (an unrelated image
 * holds the name, the request has no root snapshot to compare, the lookup
 * fails) the call fails with the original Duplicate error.  Any other error
 * of RegisterImage is returned as it is.  Synchronous. */
int ec2_register_image_idempotent(const struct aws_endpoint *ep,
				  const struct ec2_register_image_req *req,
				  struct ec2_register_image_result *res, struct err *reterr);

/* Fetch every page of DescribeImages (at most max_pages), appending to res. */
int ec2_describe_images_all(const struct aws_endpoint *ep, const struct ec2_describe_images_req *req,
			    struct ec2_describe_images_result *res, int max_pages,
			    struct err *reterr);

#endif
