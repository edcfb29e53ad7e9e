/* EC2 calls against the canned server: the form each call sends (checked
 * parameter by parameter against the wire names of api_shapes_ec2), the
 * typed result read from sample replies, idempotency tokens across retries,
 * and replies that are not what was asked for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/ec2.h"
#include "help/loop.h"
#include "tests/unit/canned.h"

static struct canned srv;
static struct loop *lp;
static struct http_client *http;
static struct aws_endpoint ep;

#define NS "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\""

static int setup_all(void **state)
{
	struct err e;
	err_clear(&e);
	if (canned_client_start(&srv, &lp, &http, NULL) < 0)
		return -1;
	return aws_endpoint_init(&ep, http, "ec2", "us-east-1", srv.base, &e);
}

static int teardown_all(void **state)
{
	canned_client_stop(&srv, lp, http);
	return 0;
}

static int setup(void **state)
{
	return canned_reset(&srv);
}

static void push_xml(const char *action, const char *inner)
{
	json_object *list = json_object_new_array(), *r = json_object_new_object(),
		    *h = json_object_new_object();
	char *body;
	assert_true(asprintf(&body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%sResponse " NS
				    ">\n<requestId>req-%s</requestId>%s</%sResponse>",
			     action, action, inner, action) > 0);
	json_object_object_add(r, "status", json_object_new_int(200));
	json_object_object_add(h, "Content-Type", json_object_new_string("text/xml;charset=UTF-8"));
	json_object_object_add(r, "headers", h);
	json_object_object_add(r, "body", json_object_new_string(body));
	json_object_array_add(list, r);
	assert_int_equal(canned_push(&srv, json_object_to_json_string(list)), 0);
	json_object_put(list);
	free(body);
}

/* Decode a form body into "key=value" lines and compare with `want`
 * (NULL-terminated), in order.  ClientToken is checked for shape and
 * returned in `token` instead of being compared. */
static void check_form(const char *body, const char *const *want, char *token)
{
	char *copy = strdup(body), *save = NULL;
	size_t i = 0;
	bool saw_token = false;
	for (char *kv = strtok_r(copy, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
		struct dynbuf d;
		dyn_init(&d, 4096);
		char *eq = strchr(kv, '=');
		assert_non_null(eq);
		assert_int_equal(aws_uri_decode(&d, kv, (size_t)(eq - kv)), 0);
		assert_int_equal(dyn_addc(&d, '='), 0);
		assert_int_equal(aws_uri_decode(&d, eq + 1, strlen(eq + 1)), 0);
		if (strncmp(dyn_ptr(&d), "ClientToken=", 12) == 0) {
			const char *t = dyn_ptr(&d) + 12;
			assert_int_equal(strlen(t), 36);
			assert_int_equal(t[14], '4');
			if (token)
				strcpy(token, t);
			saw_token = true;
		} else {
			if (!want[i])
				fail_msg("unexpected parameter %s", dyn_ptr(&d));
			if (strcmp(dyn_ptr(&d), want[i]) != 0)
				fail_msg("parameter %zu: got \"%s\", want \"%s\"", i, dyn_ptr(&d),
					 want[i]);
			i++;
		}
		dyn_free(&d);
	}
	if (want[i])
		fail_msg("missing parameter %s", want[i]);
	assert_int_equal(saw_token, token != NULL);
	free(copy);
}

static void check_last_form(const char *const *want, char *token)
{
	json_object *log = canned_log(&srv);
	size_t n = json_object_array_length(log);
	assert_true(n >= 1);
	assert_string_equal(canned_field(log, n - 1, "method"), "POST");
	assert_string_equal(canned_field(log, n - 1, "path"), "/");
	assert_non_null(strstr(canned_header(log, n - 1, "content-type"),
			       "application/x-www-form-urlencoded"));
	check_form(canned_field(log, n - 1, "body"), want, token);
	json_object_put(log);
}

static void test_register_image(void **state)
{
	push_xml("RegisterImage", "<imageId>ami-1a2b3c4d</imageId>");
	static const struct ec2_tag tags[] = {{"Name", "my image"}, {"made-by", "amiwiz"}};
	static const struct ec2_tag_spec ts[] = {{"image", tags, 2}};
	static const struct ec2_bdm_req bdms[] = {
		{.device_name = "/dev/xvda", .snapshot_id = "snap-1234567890abcdef0",
		 .volume_size = 8, .volume_type = "gp3", .delete_on_termination = EC2_TRUE},
		{.device_name = "/dev/sdb", .virtual_name = "ephemeral0"},
	};
	struct ec2_register_image_req req = {
		.name = "amiwiz test (1)/x",
		.description = "A+B & C~",
		.architecture = "x86_64",
		.root_device_name = "/dev/xvda",
		.virtualization_type = "hvm",
		.sriov_net_support = "simple",
		.ena_support = EC2_TRUE,
		.boot_mode = "uefi",
		.imds_support = "v2.0",
		.tpm_support = "v2.0",
		.uefi_data = "QU1aTlVFRkk=",
		.bdms = bdms,
		.n_bdms = 2,
		.tag_specs = ts,
		.n_tag_specs = 1,
	};
	struct ec2_register_image_result res;
	struct err e;
	err_clear(&e);
	assert_int_equal(ec2_register_image(&ep, &req, &res, &e), 0);
	assert_string_equal(res.image_id, "ami-1a2b3c4d");
	assert_string_equal(res.request_id, "req-RegisterImage");
	static const char *const want[] = {
		"Action=RegisterImage", "Version=2016-11-15", "Name=amiwiz test (1)/x",
		"Description=A+B & C~", "Architecture=x86_64", "RootDeviceName=/dev/xvda",
		"VirtualizationType=hvm", "SriovNetSupport=simple", "EnaSupport=true",
		"BootMode=uefi", "ImdsSupport=v2.0", "TpmSupport=v2.0", "UefiData=QU1aTlVFRkk=",
		"BlockDeviceMapping.1.DeviceName=/dev/xvda",
		"BlockDeviceMapping.1.Ebs.SnapshotId=snap-1234567890abcdef0",
		"BlockDeviceMapping.1.Ebs.VolumeSize=8", "BlockDeviceMapping.1.Ebs.VolumeType=gp3",
		"BlockDeviceMapping.1.Ebs.DeleteOnTermination=true",
		"BlockDeviceMapping.2.DeviceName=/dev/sdb",
		"BlockDeviceMapping.2.VirtualName=ephemeral0",
		"TagSpecification.1.ResourceType=image", "TagSpecification.1.Tag.1.Key=Name",
		"TagSpecification.1.Tag.1.Value=my image", "TagSpecification.1.Tag.2.Key=made-by",
		"TagSpecification.1.Tag.2.Value=amiwiz", NULL};
	check_last_form(want, NULL); /* and no ClientToken: RegisterImage has none */
	/* the encoding itself: RFC 3986, %20 for space, never '+' */
	json_object *log = canned_log(&srv);
	const char *body = canned_field(log, 0, "body");
	assert_non_null(strstr(body, "Name=amiwiz%20test%20%281%29%2Fx&"));
	assert_non_null(strstr(body, "Description=A%2BB%20%26%20C~&"));
	json_object_put(log);
}

static void test_register_image_pv(void **state)
{
	push_xml("RegisterImage", "<imageId>ami-pv</imageId>");
	static const struct ec2_bdm_req bdms[] = {
		{.device_name = "/dev/sda1", .snapshot_id = "snap-1"}};
	struct ec2_register_image_req req = {
		.name = "pv", .architecture = "i386", .root_device_name = "/dev/sda1",
		.virtualization_type = "paravirtual", .kernel_id = "aki-919dcaf8",
		.bdms = bdms, .n_bdms = 1,
	};
	struct ec2_register_image_result res;
	struct err e;
	err_clear(&e);
	assert_int_equal(ec2_register_image(&ep, &req, &res, &e), 0);
	json_object *log = canned_log(&srv);
	const char *body = canned_field(log, 0, "body");
	assert_non_null(strstr(body, "&KernelId=aki-919dcaf8&BlockDeviceMapping.1.DeviceName=%2Fdev%2Fsda1&"
				     "BlockDeviceMapping.1.Ebs.SnapshotId=snap-1"));
	assert_null(strstr(body, "ClientToken"));
	json_object_put(log);
}

static void test_missing_required(void **state)
{
	struct ec2_register_image_req req = {.architecture = "x86_64"};
	struct ec2_register_image_result res;
	struct err e;
	err_clear(&e);
	assert_int_equal(ec2_register_image(&ep, &req, &res, &e), -1);
	assert_int_equal(e.kind, ERR_INPUT);
	assert_string_equal(e.doing, "Registering the image");
	json_object *log = canned_log(&srv);
	assert_int_equal(json_object_array_length(log), 0); /* nothing was sent */
	json_object_put(log);
}

static void test_describe_images(void **state)
{
	push_xml("DescribeImages",
		 "<imagesSet><item><imageId>aki-919dcaf8</imageId>"
		 "<imageLocation>amazon/pv-grub-hd0_1.05-x86_64.gz</imageLocation>"
		 "<imageState>available</imageState><imageOwnerId>137112412989</imageOwnerId>"
		 "<isPublic>true</isPublic><architecture>x86_64</architecture>"
		 "<imageType>kernel</imageType><imageOwnerAlias>amazon</imageOwnerAlias>"
		 "<name>pv-grub-hd0_1.05-x86_64.gz</name><rootDeviceType>instance-store"
		 "</rootDeviceType><virtualizationType>paravirtual</virtualizationType>"
		 "<hypervisor>xen</hypervisor></item>"
		 "<item><imageId>ami-2</imageId><imageState>failed</imageState><stateReason>"
		 "<code>Client.InvalidSnapshot</code><message>bad</message></stateReason>"
		 "<rootDeviceName>/dev/xvda</rootDeviceName><enaSupport>true</enaSupport>"
		 "<bootMode>uefi</bootMode><blockDeviceMapping><item><deviceName>/dev/xvda"
		 "</deviceName><ebs><snapshotId>snap-9</snapshotId><volumeSize>8</volumeSize>"
		 "<deleteOnTermination>true</deleteOnTermination><volumeType>gp3</volumeType>"
		 "<encrypted>false</encrypted></ebs></item><item><deviceName>/dev/sdb</deviceName>"
		 "<virtualName>ephemeral0</virtualName></item></blockDeviceMapping></item>"
		 "</imagesSet><nextToken>page2</nextToken>");
	static const char *const owners[] = {"amazon", NULL};
	static const char *const names[] = {"pv-grub-*.gz", NULL};
	static const char *const types[] = {"kernel", "machine", NULL};
	static const struct ec2_filter flt[] = {{"name", names}, {"image-type", types}};
	static const char *const ids[] = {"aki-919dcaf8", "ami-2", NULL};
	struct ec2_describe_images_req req = {.image_ids = ids, .owners = owners, .filters = flt,
					      .n_filters = 2, .max_results = 50};
	struct ec2_describe_images_result res;
	struct err e;
	err_clear(&e);
	assert_int_equal(ec2_describe_images(&ep, &req, &res, &e), 0);
	static const char *const want[] = {
		"Action=DescribeImages", "Version=2016-11-15", "ImageId.1=aki-919dcaf8",
		"ImageId.2=ami-2", "Owner.1=amazon", "Filter.1.Name=name",
		"Filter.1.Value.1=pv-grub-*.gz", "Filter.2.Name=image-type",
		"Filter.2.Value.1=kernel", "Filter.2.Value.2=machine", "MaxResults=50", NULL};
	check_last_form(want, NULL);
	assert_int_equal(res.n_images, 2);
	assert_string_equal(res.next_token, "page2");
	const struct ec2_image *a = &res.images[0], *b = &res.images[1];
	assert_string_equal(a->image_id, "aki-919dcaf8");
	assert_string_equal(a->name, "pv-grub-hd0_1.05-x86_64.gz");
	assert_string_equal(a->state, "available");
	assert_string_equal(a->owner_id, "137112412989");
	assert_string_equal(a->owner_alias, "amazon");
	assert_string_equal(a->image_type, "kernel");
	assert_string_equal(a->virtualization_type, "paravirtual");
	assert_true(a->is_public);
	assert_string_equal(b->state, "failed");
	assert_string_equal(b->state_reason_code, "Client.InvalidSnapshot");
	assert_true(b->ena_support);
	assert_string_equal(b->boot_mode, "uefi");
	assert_int_equal(b->n_bdm, 2);
	assert_string_equal(b->bdm[0].snapshot_id, "snap-9");
	assert_int_equal(b->bdm[0].volume_size, 8);
	assert_true(b->bdm[0].delete_on_termination);
	assert_string_equal(b->bdm[0].volume_type, "gp3");
	assert_string_equal(b->bdm[1].virtual_name, "ephemeral0");
	ec2_describe_images_result_release(&res);
}

static void test_describe_images_pages(void **state)
{
	push_xml("DescribeImages", "<imagesSet><item><imageId>ami-1</imageId></item></imagesSet>"
				   "<nextToken>tok+/=1</nextToken>");
	push_xml("DescribeImages", "<imagesSet><item><imageId>ami-2</imageId></item>"
				   "<item><imageId>ami-3</imageId></item></imagesSet>");
	struct ec2_describe_images_req req = {0};
	struct ec2_describe_images_result res;
	struct err e;
	err_clear(&e);
	assert_int_equal(ec2_describe_images_all(&ep, &req, &res, 10, &e), 0);
	assert_int_equal(res.n_images, 3);
	assert_string_equal(res.images[2].image_id, "ami-3");
	assert_string_equal(res.next_token, "");
	ec2_describe_images_result_release(&res);
	static const char *const want[] = {"Action=DescribeImages", "Version=2016-11-15",
					   "NextToken=tok+/=1", NULL};
	check_last_form(want, NULL);
}

static void test_snapshots(void **state)
{
	push_xml("CreateSnapshot",
		 "<snapshotId>snap-066877671789bd71b</snapshotId><volumeId>vol-1234567890abcdef0"
		 "</volumeId><status>pending</status><startTime>2014-02-28T21:06:01.000Z</startTime>"
		 "<progress>60%</progress><ownerId>012345678910</ownerId><volumeSize>8</volumeSize>"
		 "<description>Demo</description><encrypted>false</encrypted>");
	static const struct ec2_tag tags[] = {{"purpose", "root"}};
	static const struct ec2_tag_spec ts[] = {{"snapshot", tags, 1}};
	struct ec2_create_snapshot_req req = {.volume_id = "vol-1234567890abcdef0",
					      .description = "Demo", .tag_specs = ts,
					      .n_tag_specs = 1};
	struct ec2_create_snapshot_result res;
	struct err e;
	err_clear(&e);
	assert_int_equal(ec2_create_snapshot(&ep, &req, &res, &e), 0);
	static const char *const want[] = {
		"Action=CreateSnapshot", "Version=2016-11-15", "VolumeId=vol-1234567890abcdef0",
		"Description=Demo", "TagSpecification.1.ResourceType=snapshot",
		"TagSpecification.1.Tag.1.Key=purpose", "TagSpecification.1.Tag.1.Value=root", NULL};
	check_last_form(want, NULL);
	assert_string_equal(res.snapshot.snapshot_id, "snap-066877671789bd71b");
	assert_string_equal(res.snapshot.state, "pending");
	assert_string_equal(res.snapshot.progress, "60%");
	assert_int_equal(res.snapshot.volume_size, 8);

	push_xml("DescribeSnapshots",
		 "<snapshotSet><item><snapshotId>snap-1</snapshotId><status>error</status>"
		 "<statusMessage>copy failed</statusMessage><progress>0%</progress></item>"
		 "</snapshotSet>");
	static const char *const sids[] = {"snap-1", NULL};
	static const char *const self[] = {"self", NULL};
	static const char *const st[] = {"pending", "error", NULL};
	static const struct ec2_filter flt[] = {{"status", st}};
	struct ec2_describe_snapshots_req dreq = {.snapshot_ids = sids, .owners = self,
						  .filters = flt, .n_filters = 1};
	struct ec2_describe_snapshots_result dres;
	assert_int_equal(ec2_describe_snapshots(&ep, &dreq, &dres, &e), 0);
	static const char *const dwant[] = {
		"Action=DescribeSnapshots", "Version=2016-11-15", "SnapshotId.1=snap-1",
		"Owner.1=self", "Filter.1.Name=status", "Filter.1.Value.1=pending",
		"Filter.1.Value.2=error", NULL};
	check_last_form(dwant, NULL);
	assert_int_equal(dres.n_snapshots, 1);
	assert_string_equal(dres.snapshots[0].state, "error");
	assert_string_equal(dres.snapshots[0].state_message, "copy failed");
	ec2_describe_snapshots_result_release(&dres);

	push_xml("DeleteSnapshot", "<return>true</return>");
	struct ec2_delete_snapshot_req xreq = {.snapshot_id = "snap-1"};
	struct ec2_ok_result ok;
	assert_int_equal(ec2_delete_snapshot(&ep, &xreq, &ok, &e), 0);
	static const char *const xwant[] = {"Action=DeleteSnapshot", "Version=2016-11-15",
					    "SnapshotId=snap-1", NULL};
	check_last_form(xwant, NULL);
	assert_string_equal(ok.request_id, "req-DeleteSnapshot");
}

static void test_volumes(void **state)
{
	push_xml("CreateVolume",
		 "<volumeId>vol-1</volumeId><size>8</size><snapshotId>snap-1</snapshotId>"
		 "<availabilityZone>us-east-1a</availabilityZone><status>creating</status>"
		 "<createTime>2024-01-01T00:00:00.000Z</createTime><volumeType>gp3</volumeType>"
		 "<encrypted>true</encrypted>");
	struct ec2_create_volume_req req = {.availability_zone = "us-east-1a", .size = 8,
					    .snapshot_id = "snap-1", .volume_type = "gp3",
					    .encrypted = EC2_TRUE};
	struct ec2_create_volume_result res;
	struct err e;
	err_clear(&e);
	assert_int_equal(ec2_create_volume(&ep, &req, &res, &e), 0);
	static const char *const want[] = {
		"Action=CreateVolume", "Version=2016-11-15", "AvailabilityZone=us-east-1a",
		"Size=8", "SnapshotId=snap-1", "VolumeType=gp3", "Encrypted=true", NULL};
	char token[64];
	check_last_form(want, token);
	assert_string_equal(token, res.client_token);
	assert_string_equal(res.volume.volume_id, "vol-1");
	assert_string_equal(res.volume.state, "creating");
	assert_true(res.volume.encrypted);

	push_xml("DescribeVolumes", "<volumeSet><item><volumeId>vol-1</volumeId><status>available"
				    "</status><size>8</size></item></volumeSet>");
	static const char *const vids[] = {"vol-1", NULL};
	struct ec2_describe_volumes_req dreq = {.volume_ids = vids};
	struct ec2_describe_volumes_result dres;
	assert_int_equal(ec2_describe_volumes(&ep, &dreq, &dres, &e), 0);
	assert_int_equal(dres.n_volumes, 1);
	assert_string_equal(dres.volumes[0].state, "available");
	ec2_describe_volumes_result_release(&dres);
}

static void test_regions_tags_deregister_copy(void **state)
{
	push_xml("DescribeRegions",
		 "<regionInfo><item><regionName>eu-west-1</regionName><regionEndpoint>"
		 "ec2.eu-west-1.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required"
		 "</optInStatus></item><item><regionName>af-south-1</regionName><optInStatus>"
		 "not-opted-in</optInStatus></item></regionInfo>");
	struct ec2_describe_regions_req rreq = {.all_regions = EC2_TRUE};
	struct ec2_describe_regions_result rres;
	struct err e;
	err_clear(&e);
	assert_int_equal(ec2_describe_regions(&ep, &rreq, &rres, &e), 0);
	static const char *const rwant[] = {"Action=DescribeRegions", "Version=2016-11-15",
					    "AllRegions=true", NULL};
	check_last_form(rwant, NULL);
	assert_int_equal(rres.n_regions, 2);
	assert_string_equal(rres.regions[0].endpoint, "ec2.eu-west-1.amazonaws.com");
	assert_string_equal(rres.regions[1].opt_in_status, "not-opted-in");
	ec2_describe_regions_result_release(&rres);

	push_xml("CreateTags", "<return>true</return>");
	static const char *const rids[] = {"ami-1", "snap-1", NULL};
	static const struct ec2_tag tags[] = {{"Name", "x y"}, {"empty", NULL}};
	struct ec2_create_tags_req treq = {.resource_ids = rids, .tags = tags, .n_tags = 2};
	struct ec2_ok_result ok;
	assert_int_equal(ec2_create_tags(&ep, &treq, &ok, &e), 0);
	static const char *const twant[] = {
		"Action=CreateTags", "Version=2016-11-15", "ResourceId.1=ami-1", "ResourceId.2=snap-1",
		"Tag.1.Key=Name", "Tag.1.Value=x y", "Tag.2.Key=empty", "Tag.2.Value=", NULL};
	check_last_form(twant, NULL);

	push_xml("DeregisterImage", "<return>true</return>");
	struct ec2_deregister_image_req dreq = {.image_id = "ami-1"};
	assert_int_equal(ec2_deregister_image(&ep, &dreq, &ok, &e), 0);
	static const char *const dwant[] = {"Action=DeregisterImage", "Version=2016-11-15",
					    "ImageId=ami-1", NULL};
	check_last_form(dwant, NULL);

	push_xml("DeregisterImage", "<return>false</return>");
	assert_int_equal(ec2_deregister_image(&ep, &dreq, &ok, &e), -1);

	push_xml("CopyImage", "<imageId>ami-copy</imageId>");
	struct ec2_copy_image_req creq = {.source_image_id = "ami-1", .source_region = "us-west-2",
					  .name = "copy", .encrypted = EC2_FALSE};
	struct ec2_copy_image_result cres;
	assert_int_equal(ec2_copy_image(&ep, &creq, &cres, &e), 0);
	static const char *const cwant[] = {"Action=CopyImage",   "Version=2016-11-15",
					    "SourceImageId=ami-1", "SourceRegion=us-west-2",
					    "Name=copy",           "Encrypted=false", NULL};
	check_last_form(cwant, cres.client_token);
	assert_string_equal(cres.image_id, "ami-copy");
}

static void test_import_image(void **state)
{
	push_xml("ImportImage",
		 "<importTaskId>import-ami-1234</importTaskId><progress>2</progress>"
		 "<status>active</status><statusMessage>pending</statusMessage>"
		 "<snapshotDetailSet><item><diskImageSize>0.0</diskImageSize><format>RAW</format>"
		 "<userBucket><s3Bucket>bkt</s3Bucket><s3Key>disk.raw</s3Key></userBucket></item>"
		 "</snapshotDetailSet>");
	static const struct ec2_disk_container disks[] = {
		{.description = "root", .format = "raw", .s3_bucket = "bkt", .s3_key = "disk.raw"}};
	struct ec2_import_image_req req = {.description = "amiwiz", .disks = disks, .n_disks = 1,
					   .architecture = "x86_64", .boot_mode = "uefi",
					   .platform = "Linux", .license_type = "BYOL",
					   .role_name = "vmimport"};
	struct ec2_import_result res;
	struct err e;
	err_clear(&e);
	assert_int_equal(ec2_import_image(&ep, &req, &res, &e), 0);
	static const char *const want[] = {
		"Action=ImportImage", "Version=2016-11-15", "Description=amiwiz",
		"DiskContainer.1.Description=root", "DiskContainer.1.Format=raw",
		"DiskContainer.1.UserBucket.S3Bucket=bkt", "DiskContainer.1.UserBucket.S3Key=disk.raw",
		"Architecture=x86_64", "BootMode=uefi", "Platform=Linux", "LicenseType=BYOL",
		"RoleName=vmimport", NULL};
	check_last_form(want, res.client_token);
	assert_string_equal(res.task.import_task_id, "import-ami-1234");
	assert_string_equal(res.task.status_message, "pending");
	assert_int_equal(res.task.n_details, 1);
	assert_string_equal(res.task.details[0].s3_key, "disk.raw");
	ec2_import_result_release(&res);
}

static void test_import_snapshot_and_tasks(void **state)
{
	push_xml("ImportSnapshot",
		 "<description>d</description><importTaskId>import-snap-1</importTaskId>"
		 "<snapshotTaskDetail><diskImageSize>0.0</diskImageSize><format>VMDK</format>"
		 "<progress>3</progress><status>active</status><statusMessage>pending"
		 "</statusMessage><url>s3://b/k.vmdk</url></snapshotTaskDetail>");
	struct ec2_import_snapshot_req req = {.description = "d",
					      .disk = {.format = "VMDK", .url = "s3://b/k.vmdk"}};
	struct ec2_import_result res;
	struct err e;
	err_clear(&e);
	assert_int_equal(ec2_import_snapshot(&ep, &req, &res, &e), 0);
	static const char *const want[] = {"Action=ImportSnapshot", "Version=2016-11-15",
					   "Description=d", "DiskContainer.Format=VMDK",
					   "DiskContainer.Url=s3://b/k.vmdk", NULL};
	check_last_form(want, res.client_token);
	assert_string_equal(res.task.status, "active");
	assert_string_equal(res.task.progress, "3");
	assert_string_equal(res.task.details[0].format, "VMDK");
	ec2_import_result_release(&res);

	push_xml("DescribeImportSnapshotTasks",
		 "<importSnapshotTaskSet><item><importTaskId>import-snap-1</importTaskId>"
		 "<snapshotTaskDetail><snapshotId>snap-7</snapshotId><status>completed</status>"
		 "<progress>100</progress></snapshotTaskDetail></item></importSnapshotTaskSet>");
	static const char *const tids[] = {"import-snap-1", NULL};
	static const char *const act[] = {"active", NULL};
	static const struct ec2_filter flt[] = {{"task-state", act}};
	struct ec2_describe_import_tasks_req dreq = {.import_task_ids = tids, .filters = flt,
						     .n_filters = 1};
	struct ec2_describe_import_tasks_result dres;
	assert_int_equal(ec2_describe_import_snapshot_tasks(&ep, &dreq, &dres, &e), 0);
	static const char *const dwant[] = {
		"Action=DescribeImportSnapshotTasks", "Version=2016-11-15",
		"ImportTaskId.1=import-snap-1", "Filters.1.Name=task-state",
		"Filters.1.Value.1=active", NULL};
	check_last_form(dwant, NULL);
	assert_int_equal(dres.n_tasks, 1);
	assert_string_equal(dres.tasks[0].status, "completed");
	assert_string_equal(dres.tasks[0].details[0].snapshot_id, "snap-7");
	ec2_describe_import_tasks_result_release(&dres);

	push_xml("DescribeImportImageTasks",
		 "<importImageTaskSet><item><importTaskId>import-ami-1</importTaskId>"
		 "<status>deleted</status><statusMessage>ClientError: Unknown OS / Missing OS files."
		 "</statusMessage><progress>0</progress><snapshotDetailSet><item><status>deleted"
		 "</status></item><item><status>deleted</status></item></snapshotDetailSet></item>"
		 "<item><importTaskId>import-ami-2</importTaskId><status>completed</status>"
		 "<imageId>ami-9</imageId></item></importImageTaskSet>");
	struct ec2_describe_import_tasks_req ireq = {0};
	assert_int_equal(ec2_describe_import_image_tasks(&ep, &ireq, &dres, &e), 0);
	assert_int_equal(dres.n_tasks, 2);
	assert_string_equal(dres.tasks[0].status_message,
			    "ClientError: Unknown OS / Missing OS files.");
	assert_int_equal(dres.tasks[0].n_details, 2);
	assert_string_equal(dres.tasks[1].image_id, "ami-9");
	ec2_describe_import_tasks_result_release(&dres);

	push_xml("CancelImportTask", "<importTaskId>import-ami-1</importTaskId><previousState>"
				     "active</previousState><state>deleting</state>");
	struct ec2_cancel_import_task_req creq = {.import_task_id = "import-ami-1",
						  .cancel_reason = "user asked"};
	struct ec2_cancel_import_task_result cres;
	assert_int_equal(ec2_cancel_import_task(&ep, &creq, &cres, &e), 0);
	static const char *const cwant[] = {"Action=CancelImportTask", "Version=2016-11-15",
					    "ImportTaskId=import-ami-1", "CancelReason=user asked",
					    NULL};
	check_last_form(cwant, NULL);
	assert_string_equal(cres.state, "deleting");
	assert_string_equal(cres.previous_state, "active");
}

/* A retried call must carry the same ClientToken on every attempt. */
static void test_idempotent_retries(void **state)
{
	assert_int_equal(canned_push(&srv,
		"[{\"status\":503,\"body\":\"<Response><Errors><Error><Code>RequestLimitExceeded"
		"</Code><Message>slow</Message></Error></Errors><RequestID>t1</RequestID>"
		"</Response>\",\"headers\":{\"Connection\":\"close\"}},"
		"{\"do\":\"reset\"},{\"status\":500,\"body\":\"\"}]"), 0);
	push_xml("RegisterImage", "<imageId>ami-once</imageId>");
	struct ec2_register_image_req req = {.name = "retry me"};
	struct ec2_register_image_result res;
	struct err e;
	err_clear(&e);
	assert_int_equal(ec2_register_image(&ep, &req, &res, &e), 0);
	assert_string_equal(res.image_id, "ami-once");
	json_object *log = canned_log(&srv);
	assert_int_equal(json_object_array_length(log), 4);
	/* the same request every time; its unique name is what keeps a retry
	 * from registering twice */
	const char *first = canned_field(log, 0, "body");
	assert_non_null(strstr(first, "Name=retry%20me"));
	for (size_t i = 1; i < 4; i++)
		assert_string_equal(canned_field(log, i, "body"), first);
	json_object_put(log);

	/* ImportImage the same way, and two logical calls get two tokens */
	assert_int_equal(canned_reset(&srv), 0);
	assert_int_equal(canned_push(&srv, "[{\"status\":503},{\"status\":502}]"), 0);
	push_xml("ImportImage", "<importTaskId>import-ami-x</importTaskId>");
	static const struct ec2_disk_container disks[] = {{.format = "raw", .url = "s3://b/k"}};
	struct ec2_import_image_req ireq = {.disks = disks, .n_disks = 1};
	struct ec2_import_result ires;
	assert_int_equal(ec2_import_image(&ep, &ireq, &ires, &e), 0);
	push_xml("ImportImage", "<importTaskId>import-ami-y</importTaskId>");
	struct ec2_import_result ires2;
	assert_int_equal(ec2_import_image(&ep, &ireq, &ires2, &e), 0);
	assert_string_not_equal(ires.client_token, ires2.client_token);
	log = canned_log(&srv);
	assert_int_equal(json_object_array_length(log), 4);
	for (size_t i = 0; i < 3; i++)
		assert_non_null(strstr(canned_field(log, i, "body"), ires.client_token));
	assert_non_null(strstr(canned_field(log, 3, "body"), ires2.client_token));
	json_object_put(log);
	ec2_import_result_release(&ires);
	ec2_import_result_release(&ires2);
}

/* Replies that are not the asked-for document give clear errors, not crashes. */
static void test_bad_replies(void **state)
{
	static const struct {
		const char *canned;
		enum err_kind kind;
		const char *part;
	} cases[] = {
		{"[{\"status\":200,\"body\":\"<DescribeImagesResponse><imagesSet/>"
		 "</DescribeImagesResponse>\"}]",
		 ERR_INPUT, "<RegisterImageResponse>"},
		{"[{\"status\":200,\"body\":\"{\\\"imageId\\\":\\\"ami-1\\\"}\",\"headers\":"
		 "{\"Content-Type\":\"application/json\"}}]",
		 ERR_INPUT, "XML"},
		{"[{\"status\":200,\"body\":\"\"}]", ERR_INPUT, "empty"},
		{"[{\"status\":200,\"body\":\"<html><body>Login to the hotel wifi</body></html>\"}]",
		 ERR_INPUT, "<RegisterImageResponse>"},
		{"[{\"status\":200,\"body\":\"<RegisterImageResponse><requestId>x</requestId>"
		 "</RegisterImageResponse>\"}]",
		 ERR_INPUT, "no <imageId>"},
		{"[{\"status\":200,\"body\":\"<RegisterImageResponse><imageId>ami-\"}]", ERR_INPUT,
		 "not well-formed"},
		{"[{\"status\":400,\"body\":\"<Response><Errors><Error><Code>InvalidAMIName.Malformed"
		 "</Code><Message>bad name</Message></Error></Errors><RequestID>rq</RequestID>"
		 "</Response>\"}]",
		 ERR_SERVICE, "bad name"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(canned_reset(&srv), 0);
		assert_int_equal(canned_push(&srv, cases[i].canned), 0);
		struct ec2_register_image_req req = {.name = "x"};
		struct ec2_register_image_result res;
		struct err e;
		err_clear(&e);
		assert_int_equal(ec2_register_image(&ep, &req, &res, &e), -1);
		assert_int_equal(e.kind, cases[i].kind);
		assert_string_equal(e.doing, "Registering the image");
		if (!strstr(e.message, cases[i].part))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, e.message, cases[i].part);
	}
}

/* One image of DescribeImages: name, id, root device /dev/xvda on `snap`. */
static void push_image(const char *id, const char *name, const char *snap)
{
	char inner[2048];
	snprintf(inner, sizeof(inner),
		 "<imagesSet><item><imageId>%s</imageId><name>%s</name><imageState>pending"
		 "</imageState><rootDeviceName>/dev/xvda</rootDeviceName><blockDeviceMapping>"
		 "<item><deviceName>/dev/sdb</deviceName><ebs><snapshotId>snap-other</snapshotId>"
		 "</ebs></item><item><deviceName>/dev/xvda</deviceName><ebs><snapshotId>%s"
		 "</snapshotId></ebs></item></blockDeviceMapping></item></imagesSet>",
		 id, name, snap);
	push_xml("DescribeImages", inner);
}

#define DUPLICATE_400                                                                              \
	"{\"status\":400,\"body\":\"<Response><Errors><Error><Code>InvalidAMIName.Duplicate"   \
	"</Code><Message>AMI name img-1 is already in use by AMI ami-0lost</Message></Error>"  \
	"</Errors><RequestID>dup</RequestID></Response>\"}"

/* RegisterImage has no ClientToken: after a lost reply the retry meets
 * InvalidAMIName.Duplicate, and the image is found by name and root
 * snapshot.  An unrelated image under the name stays an error. */
static void test_register_image_idempotent(void **state)
{
	struct ec2_bdm_req bdm[] = {{.device_name = "/dev/sdb", .snapshot_id = "snap-data"},
				    {.device_name = "/dev/xvda", .snapshot_id = "snap-root"}};
	struct ec2_register_image_req req = {.name = "img-1", .root_device_name = "/dev/xvda",
					     .virtualization_type = "hvm", .bdms = bdm,
					     .n_bdms = 2};
	struct ec2_register_image_result res;
	struct err e;
	err_clear(&e);

	/* the reply to the first attempt is lost: the connection closes */
	assert_int_equal(canned_push(&srv, "[{\"do\":\"close\"}," DUPLICATE_400 "]"), 0);
	push_image("ami-0lost", "img-1", "snap-root");
	assert_int_equal(ec2_register_image_idempotent(&ep, &req, &res, &e), 0);
	assert_string_equal(res.image_id, "ami-0lost");
	assert_true(res.recovered);
	assert_string_equal(res.request_id, "req-DescribeImages");
	static const char *const want[] = {"Action=DescribeImages", "Version=2016-11-15",
					   "Owner.1=self", "Filter.1.Name=name",
					   "Filter.1.Value.1=img-1", NULL};
	check_last_form(want, NULL);
	json_object *log = canned_log(&srv);
	assert_int_equal(json_object_array_length(log), 3);
	assert_non_null(strstr(canned_field(log, 1, "body"), "Action=RegisterImage"));
	json_object_put(log);

	/* the name is held by an image on another snapshot: not ours */
	assert_int_equal(canned_reset(&srv), 0);
	assert_int_equal(canned_push(&srv, "[" DUPLICATE_400 "]"), 0);
	push_image("ami-0other", "img-1", "snap-elsewhere");
	err_clear(&e);
	assert_int_equal(ec2_register_image_idempotent(&ep, &req, &res, &e), -1);
	assert_string_equal(e.aws_code, "InvalidAMIName.Duplicate");
	assert_string_equal(e.request_id, "dup");
	assert_string_equal(res.image_id, "");

	/* nothing found (say, not yet visible): the Duplicate error stands */
	assert_int_equal(canned_reset(&srv), 0);
	assert_int_equal(canned_push(&srv, "[" DUPLICATE_400 "]"), 0);
	push_xml("DescribeImages", "<imagesSet/>");
	err_clear(&e);
	assert_int_equal(ec2_register_image_idempotent(&ep, &req, &res, &e), -1);
	assert_string_equal(e.aws_code, "InvalidAMIName.Duplicate");

	/* first time through: no lookup at all */
	assert_int_equal(canned_reset(&srv), 0);
	push_xml("RegisterImage", "<imageId>ami-new</imageId>");
	assert_int_equal(ec2_register_image_idempotent(&ep, &req, &res, &e), 0);
	assert_string_equal(res.image_id, "ami-new");
	assert_false(res.recovered);

	/* other errors pass through, and without a root snapshot to compare
	 * (an instance-store image) Duplicate is not looked into */
	assert_int_equal(canned_reset(&srv), 0);
	assert_int_equal(canned_push(&srv,
		"[{\"status\":400,\"body\":\"<Response><Errors><Error><Code>"
		"InvalidSnapshot.NotFound</Code><Message>m</Message></Error></Errors></Response>\"},"
		DUPLICATE_400 "]"), 0);
	err_clear(&e);
	assert_int_equal(ec2_register_image_idempotent(&ep, &req, &res, &e), -1);
	assert_string_equal(e.aws_code, "InvalidSnapshot.NotFound");
	struct ec2_register_image_req s3req = {.name = "img-1",
					       .image_location = "bkt/img.manifest.xml"};
	err_clear(&e);
	assert_int_equal(ec2_register_image_idempotent(&ep, &s3req, &res, &e), -1);
	assert_string_equal(e.aws_code, "InvalidAMIName.Duplicate");
	log = canned_log(&srv);
	assert_int_equal(json_object_array_length(log), 2);
	json_object_put(log);
}

/* The asynchronous form: start two calls, both complete through callbacks. */
struct two {
	int n, rc[2];
	bool all;
};

static void on_done(void *ctx, int rc, const struct err *e)
{
	struct two *t = ctx;
	t->rc[t->n++] = rc;
	t->all = t->n == 2;
}

static void test_async(void **state)
{
	push_xml("DeleteSnapshot", "<return>true</return>");
	push_xml("DeleteSnapshot", "<return>true</return>");
	struct ec2_delete_snapshot_req r1 = {.snapshot_id = "snap-a"}, r2 = {.snapshot_id = "snap-b"};
	struct ec2_ok_result o1, o2;
	struct two t = {0};
	struct err e;
	err_clear(&e);
	assert_int_equal(ec2_delete_snapshot_start(&ep, &r1, &o1, on_done, &t, &e), 0);
	assert_int_equal(ec2_delete_snapshot_start(&ep, &r2, &o2, on_done, &t, &e), 0);
	assert_int_equal(aws_wait(&ep, &t.all, &e), 0);
	assert_int_equal(t.rc[0], 0);
	assert_int_equal(t.rc[1], 0);
	assert_string_equal(o1.request_id, "req-DeleteSnapshot");
}

static void test_endpoints(void **state)
{
	struct aws_endpoint x;
	struct err e;
	err_clear(&e);
	assert_int_equal(aws_endpoint_init(&x, http, "ec2", "eu-west-1", NULL, &e), 0);
	assert_string_equal(x.url, "https://ec2.eu-west-1.amazonaws.com/");
	assert_int_equal(aws_endpoint_init(&x, http, "iam", "eu-west-1", NULL, &e), 0);
	assert_string_equal(x.url, "https://iam.amazonaws.com/");
	assert_string_equal(x.region, "us-east-1");
	assert_int_equal(aws_endpoint_init(&x, http, "ec2", "cn-north-1", NULL, &e), 0);
	assert_string_equal(x.url, "https://ec2.cn-north-1.amazonaws.com.cn/");
	assert_int_equal(aws_endpoint_init(&x, http, "ec2", "us-east-1", "http://127.0.0.1:9", &e),
			 0);
	assert_string_equal(x.url, "http://127.0.0.1:9/");
	assert_true(x.custom);
	assert_int_equal(aws_endpoint_init(&x, http, "ec2", "us-east-1", "http://sim.example:9", &e),
			 -1);
	assert_int_equal(e.kind, ERR_INPUT);
	assert_int_equal(aws_endpoint_init(&x, http, "ec2", "us-east-1/../x", NULL, &e), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_register_image, setup),
		cmocka_unit_test_setup(test_register_image_pv, setup),
		cmocka_unit_test_setup(test_missing_required, setup),
		cmocka_unit_test_setup(test_register_image_idempotent, setup),
		cmocka_unit_test_setup(test_describe_images, setup),
		cmocka_unit_test_setup(test_describe_images_pages, setup),
		cmocka_unit_test_setup(test_snapshots, setup),
		cmocka_unit_test_setup(test_volumes, setup),
		cmocka_unit_test_setup(test_regions_tags_deregister_copy, setup),
		cmocka_unit_test_setup(test_import_image, setup),
		cmocka_unit_test_setup(test_import_snapshot_and_tasks, setup),
		cmocka_unit_test_setup(test_idempotent_retries, setup),
		cmocka_unit_test_setup(test_bad_replies, setup),
		cmocka_unit_test_setup(test_async, setup),
		cmocka_unit_test(test_endpoints),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
