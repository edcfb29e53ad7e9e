/* Unit tests for the pure parts of amiwiz-sim: query parsing, XML escaping,
 * SigV4 verification, timeline replay, fault decisions, RegisterImage
 * validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sim/auth.h"
#include "aws/sigv4.h"
#include "help/err.h"
#include "sim/ec2_priv.h"
#include "sim/ec2_params.h"
#include "sim/fault.h"
#include "sim/query.h"
#include "sim/timeline.h"
#include "sim/xml.h"

static void test_query_parse(void **state)
{
	static const struct {
		const char *in;
		int rc;
		const char *name, *want;
	} cases[] = {
		{"Action=DescribeImages&Version=2016-11-15", 0, "Version", "2016-11-15"},
		{"Name=my%20image%2B1", 0, "Name", "my image+1"},
		{"Name=a+b", 0, "Name", "a b"},
		{"uploads", 0, "uploads", ""},
		{"a=1&&b=2", 0, "b", "2"},
		{"a=%4", -1, NULL, NULL},
		{"a=%ZZ", -1, NULL, NULL},
		{"a=%00", -1, NULL, NULL},
		{"=x", -1, NULL, NULL},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct query q = {0};
		int rc = query_parse(&q, cases[i].in, strlen(cases[i].in));
		assert_int_equal(rc, cases[i].rc);
		if (cases[i].name)
			assert_string_equal(query_get(&q, cases[i].name), cases[i].want);
		query_free(&q);
	}
}

static void test_query_limit(void **state)
{
	struct dynbuf d;
	struct query q = {0};
	(void)state;
	dyn_init(&d, 1 << 20);
	for (int i = 0; i <= QUERY_MAX_PARAMS; i++)
		dyn_addstr(&d, "a=1&");
	assert_int_equal(query_parse(&q, dyn_ptr(&d), dyn_len(&d)), -1);
	query_free(&q);
	dyn_free(&d);
}

static void test_uri_encode(void **state)
{
	struct dynbuf d;
	(void)state;
	dyn_init(&d, 1024);
	query_uri_encode(&d, "a b/c~d=é", strlen("a b/c~d=é"), 1);
	assert_string_equal(dyn_ptr(&d), "a%20b/c~d%3D%C3%A9");
	dyn_reset(&d);
	query_uri_encode(&d, "a/b", 3, 0);
	assert_string_equal(dyn_ptr(&d), "a%2Fb");
	dyn_free(&d);
}

static void test_xml_escape(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"plain", "plain"},
		{"<a & 'b'>\"", "&lt;a &amp; &apos;b&apos;&gt;&quot;"},
		{"tab\tnl\ncr\r", "tab\tnl\ncr&#13;"},
		{"bell\x07", "bell\xef\xbf\xbd"},
		{"bad\xff utf8", "bad\xef\xbf\xbd utf8"},
		{"caf\xc3\xa9", "caf\xc3\xa9"},
		{"cut\xc3", "cut\xef\xbf\xbd"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dynbuf d;
		dyn_init(&d, 1024);
		assert_int_equal(xml_escape(&d, cases[i].in), 0);
		assert_string_equal(dyn_ptr(&d), cases[i].want);
		dyn_free(&d);
	}
}

/* AWS SigV4 test suite, "get-vanilla". */
static void test_auth_vector(void **state)
{
	struct auth_keys keys = {0};
	struct auth_header h[] = {
		{"Host", "example.amazonaws.com"},
		{"X-Amz-Date", "20150830T123600Z"},
		{"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
				  "SignedHeaders=host;x-amz-date, "
				  "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
	};
	struct auth_request req = {
		.method = "GET", .raw_path = "/", .raw_query = NULL, .headers = h, .nheaders = 3,
		.body_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	};
	struct auth_result res;
	struct tm tm = {.tm_year = 115, .tm_mon = 7, .tm_mday = 30, .tm_hour = 12, .tm_min = 36};
	(void)state;
	req.now = timegm(&tm);
	auth_keys_add(&keys, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "123456789012");
	assert_int_equal(auth_verify(&req, &keys, &res), AUTH_OK);
	assert_string_equal(res.service, "service");
	assert_string_equal(res.region, "us-east-1");

	req.now += 16 * 60;
	assert_int_equal(auth_verify(&req, &keys, &res), AUTH_EXPIRED);
	req.now -= 16 * 60;
	req.method = "POST";
	assert_int_equal(auth_verify(&req, &keys, &res), AUTH_BAD_SIGNATURE);
	req.method = "GET";
	h[2].value = "AWS4-HMAC-SHA256 Credential=AKIDOTHER/20150830/us-east-1/service/aws4_request, "
		     "SignedHeaders=host;x-amz-date, "
		     "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
	assert_int_equal(auth_verify(&req, &keys, &res), AUTH_UNKNOWN_KEY);
	h[2].value = "AWS4-HMAC-SHA256 garbage";
	assert_int_equal(auth_verify(&req, &keys, &res), AUTH_MALFORMED);
	req.nheaders = 2;
	assert_int_equal(auth_verify(&req, &keys, &res), AUTH_MISSING);
	auth_keys_free(&keys);
}

/* A presigned (query-form) URL made by aws/sigv4's signer passes the sim's
 * verifier until it expires, and its scope routes the request. */
static void test_auth_presigned(void **state)
{
	struct auth_keys keys = {0};
	struct sigv4_kv qin[] = {{"response-content-type", "text/plain"}};
	struct sigv4_kv hin[] = {{"Host", "127.0.0.1:4566"}};
	struct sigv4_credentials cred = {AUTH_PRACTICE_KEY_ID, AUTH_PRACTICE_SECRET, NULL};
	struct sigv4_request sr = {
		.method = "GET", .path = "/bucket/my%20key", .query = qin, .n_query = 1,
		.headers = hin, .n_headers = 1, .service = "s3", .region = "eu-west-1",
		.payload_hash = SIGV4_UNSIGNED_PAYLOAD, /* as S3 presigns */
		.when = 1700000000, .form = SIGV4_FORM_QUERY, .expires = 300,
	};
	struct sigv4_signed sig;
	struct err e;
	struct dynbuf wire;
	struct auth_header h[] = {{"Host", "127.0.0.1:4566"}};
	struct auth_request req = {.method = "GET", .raw_path = "/bucket/my%20key", .headers = h,
				   .nheaders = 1, .now = 1700000000 + 10};
	struct auth_result res;
	(void)state;

	sigv4_signed_init(&sig);
	err_clear(&e);
	dyn_init(&wire, 65536);
	assert_int_equal(sigv4_sign(&sr, &cred, &sig, &e), 0);
	assert_int_equal(sigv4_query_to_wire(qin, 1, &wire), 0);
	assert_int_equal(dyn_addf(&wire, "&%s", dyn_ptr(&sig.query)), 0);
	req.raw_query = dyn_ptr(&wire);
	auth_keys_add(&keys, AUTH_PRACTICE_KEY_ID, AUTH_PRACTICE_SECRET, AUTH_PRACTICE_ACCOUNT);

	assert_int_equal(auth_scope(&req, &res), 0);
	assert_string_equal(res.service, "s3");
	assert_string_equal(res.region, "eu-west-1");
	assert_int_equal(auth_verify(&req, &keys, &res), AUTH_OK);
	assert_ptr_equal(res.key, &keys.v[0]);
	req.now = 1700000000 + 301;
	assert_int_equal(auth_verify(&req, &keys, &res), AUTH_PRESIGN_EXPIRED);
	req.now = 1700000000 + 10;
	req.raw_path = "/bucket/other";
	assert_int_equal(auth_verify(&req, &keys, &res), AUTH_BAD_SIGNATURE);
	assert_null(strstr(res.message, AUTH_PRACTICE_SECRET));
	req.raw_path = "/bucket/my%20key";
	req.raw_query = "response-content-type=text%2Fplain";
	assert_int_equal(auth_scope(&req, &res), -1);
	assert_int_equal(auth_verify(&req, &keys, &res), AUTH_MISSING);
	req.raw_query = "X-Amz-Signature=%ZZ";
	assert_int_equal(auth_verify(&req, &keys, &res), AUTH_MALFORMED);

	dyn_free(&wire);
	sigv4_signed_free(&sig);
	auth_keys_free(&keys);
}

/* A body that does not match its declared x-amz-content-sha256. */
static void test_auth_body_mismatch(void **state)
{
	struct auth_keys keys = {0};
	struct sigv4_kv hin[] = {{"Host", "127.0.0.1:4566"}};
	struct sigv4_credentials cred = {AUTH_PRACTICE_KEY_ID, AUTH_PRACTICE_SECRET, NULL};
	struct sigv4_request sr = {
		.method = "PUT", .path = "/b/k", .headers = hin, .n_headers = 1, .body = "hello",
		.body_len = 5, .service = "s3", .region = "us-east-1", .when = 1700000000,
	};
	struct sigv4_signed sig;
	struct err e;
	struct auth_header h[8] = {{"Host", "127.0.0.1:4566"}};
	size_t nh = 1;
	struct auth_request req = {.method = "PUT", .raw_path = "/b/k", .headers = h,
				   .body = "hello", .body_len = 5, .now = 1700000000};
	struct auth_result res;
	(void)state;

	sigv4_signed_init(&sig);
	err_clear(&e);
	assert_int_equal(sigv4_sign(&sr, &cred, &sig, &e), 0);
	for (size_t i = 0; i < sig.n_add_headers; i++)
		h[nh++] = (struct auth_header){sig.add_headers[i].name, sig.add_headers[i].value};
	req.nheaders = nh;
	auth_keys_add(&keys, AUTH_PRACTICE_KEY_ID, AUTH_PRACTICE_SECRET, AUTH_PRACTICE_ACCOUNT);
	assert_int_equal(auth_verify(&req, &keys, &res), AUTH_OK);
	req.body = "jello";
	assert_int_equal(auth_verify(&req, &keys, &res), AUTH_BODY_MISMATCH);
	sigv4_signed_free(&sig);
	auth_keys_free(&keys);
}

static void test_timeline_replay(void **state)
{
	const struct sim_timeline *ok = timeline_for_key("images/succeed.raw");
	const struct sim_timeline *os = timeline_for_key("x/fail-os.raw");
	const struct sim_timeline *loop = timeline_for_key("loop-booting");
	struct timeline_view v;
	(void)state;
	assert_non_null(ok);
	assert_string_equal(ok->name, "ec2importtime");
	assert_string_equal(os->name, "ec2importtime.failure-os");
	assert_string_equal(timeline_for_key("fail-kernel")->name, "ec2importtime.failure-kernelversion");
	assert_string_equal(timeline_for_key("fail-disk")->name, "ec2importtime.failure-diskvalidation");
	assert_string_equal(timeline_for_key("fail-volume")->name, "ec2importtime.failure-volume");
	assert_string_equal(timeline_for_key("fail-internal")->name, "ec2importtime.failure-internal");
	assert_null(timeline_for_key("images/disk.raw")); /* the inspection decides */

	/* the inspection's verdict picks the timeline */
	static const struct {
		const char *status;
		int snapshot;
		const char *timeline;
	} verdicts[] = {
		{"", 0, "ec2importtime"},
		{"ClientError: Unknown OS / Missing OS files", 0, "ec2importtime.failure-os"},
		{"ClientError: Unknown OS / Missing OS files", 1, "ec2importtime"},
		{"ClientError: Unsupported kernel version 3.16.0-4-686-pae", 0,
		 "ec2importtime.failure-kernelversion"},
		{"ClientError: No valid partitions. Not a valid volume.", 0, "ec2importtime.failure-volume"},
		{"ClientError: Disk validation failed [Unsupported VMDK File Format]", 1,
		 "ec2importtime.failure-diskvalidation"},
		{"InvalidParameter: Parameter disk-image-size=0 has an invalid format", 0,
		 "ec2importtime.failure-diskvalidation"},
		{"ClientError: Invalid configuration - Could not read fstab", 0, "ec2importtime.failure-os"},
	};
	for (size_t i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		assert_string_equal(timeline_for_status(verdicts[i].status, verdicts[i].snapshot)->name,
				    verdicts[i].timeline);

	timeline_view(ok, timeline_index(ok, 0, NULL), &v);
	assert_string_equal(v.message, "pending");
	assert_int_equal(v.percent, 2);
	timeline_view(ok, timeline_index(ok, 111.5, NULL), &v);
	assert_string_equal(v.status, "active");
	assert_string_equal(v.message, "converting");
	assert_int_equal(v.percent, 28);
	timeline_view(ok, timeline_index(ok, 1e9, NULL), &v);
	assert_string_equal(v.status, "completed");
	assert_true(v.succeeded && v.done);
	timeline_view(ok, timeline_index(ok, 1e9, "booting"), &v);
	assert_string_equal(v.message, "booting");
	assert_false(v.done);

	timeline_view(os, timeline_index(os, 400, NULL), &v);
	assert_string_equal(v.status, "deleting");
	assert_int_equal(v.percent, 8);
	assert_non_null(strstr(v.message, "ClientError"));
	timeline_view(os, timeline_index(os, 1e9, NULL), &v);
	assert_string_equal(v.status, "deleted");
	assert_true(v.done && !v.succeeded);

	timeline_view(loop, timeline_index(loop, 1e9, NULL), &v);
	assert_string_equal(v.status, "active");
	assert_string_equal(v.message, "booting");
	assert_false(v.done);
}

static void test_faults(void **state)
{
	struct fault_config none = {0}, all = {.fault_rate = 1}, half = {.throttle_rate = 0.5, .seed = 9};
	struct fault_gen g1, g2;
	int status, throttled = 0;
	(void)state;
	fault_init(&g1, 1);
	for (int i = 0; i < 100; i++)
		assert_int_equal(fault_decide(&g1, &none), FAULT_NONE);
	for (int i = 0; i < 100; i++) {
		enum fault_kind k = fault_decide(&g1, &all);
		assert_true(k == FAULT_INTERNAL || k == FAULT_UNAVAILABLE);
	}
	fault_init(&g1, 9);
	fault_init(&g2, 9);
	for (int i = 0; i < 1000; i++) {
		enum fault_kind k = fault_decide(&g1, &half);
		assert_int_equal(k, fault_decide(&g2, &half));
		throttled += k == FAULT_THROTTLE;
	}
	assert_in_range(throttled, 400, 600);
	assert_string_equal(fault_code(FAULT_THROTTLE, "ec2", &status), "RequestLimitExceeded");
	assert_int_equal(status, 503);
	assert_string_equal(fault_code(FAULT_THROTTLE, "s3", &status), "SlowDown");
	assert_string_equal(fault_code(FAULT_THROTTLE, "sts", &status), "Throttling");
	assert_int_equal(status, 400);
	assert_string_equal(fault_code(FAULT_THROTTLE, "ebs", &status), "RequestThrottledException");
	assert_string_equal(fault_code(FAULT_INTERNAL, "ec2", &status), "InternalError");
	assert_int_equal(status, 500);
	assert_null(fault_code(FAULT_DROP, "ec2", &status));
	assert_null(fault_code(FAULT_LOST_REPLY, "ec2", &status));

	/* lost replies take their share, and leave the other decisions of a
	 * seed as they were without them */
	struct fault_config mix = {.fault_rate = 0.1, .drop_rate = 0.05, .throttle_rate = 0.05};
	struct fault_config mix_lost = mix;
	mix_lost.lost_reply_rate = 0.3;
	int lost = 0;
	fault_init(&g1, 5);
	fault_init(&g2, 5);
	for (int i = 0; i < 1000; i++) {
		enum fault_kind a = fault_decide(&g1, &mix), b = fault_decide(&g2, &mix_lost);
		if (b == FAULT_LOST_REPLY) {
			assert_int_equal(a, FAULT_NONE);
			lost++;
		} else {
			assert_int_equal(a, b);
		}
	}
	assert_in_range(lost, 230, 370);
}

/* The parameters each EC2 action accepts: what amiwiz's client and the AWS
 * CLI send passes, what EC2 would refuse is named. */
static void test_ec2_params(void **state)
{
	(void)state;
	static const char *const served[] = {
		"DescribeRegions", "DescribeImages", "CreateSnapshot", "DescribeSnapshots",
		"DeleteSnapshot", "CreateVolume", "DescribeVolumes", "RegisterImage",
		"DeregisterImage", "CreateTags", "ImportImage", "ImportSnapshot",
		"DescribeImportImageTasks", "DescribeImportSnapshotTasks", "CancelImportTask",
		"CopyImage"};
	for (size_t i = 0; i < sizeof(served) / sizeof(served[0]); i++)
		assert_true(ec2_params_known_action(served[i]));
	assert_false(ec2_params_known_action("LaunchRockets"));

	static const struct {
		const char *action, *form, *unknown;
	} cases[] = {
		{"RegisterImage",
		 "Action=RegisterImage&Version=2016-11-15&Name=n&BlockDeviceMapping.1.DeviceName=/dev/"
		 "xvda&BlockDeviceMapping.1.Ebs.SnapshotId=snap-1&BlockDeviceMapping.12.NoDevice=&"
		 "TagSpecification.1.Tag.3.Key=k&DryRun=true",
		 NULL},
		{"RegisterImage", "Action=RegisterImage&Name=n&ClientToken=t", "ClientToken"},
		{"RegisterImage", "Name=n&BlockDeviceMapping.1.Ebs.Snapshot=s",
		 "BlockDeviceMapping.1.Ebs.Snapshot"},
		{"DescribeImages", "Owner.1=self&Filter.1.Name=name&Filter.1.Value.1=x&Filter.1.Value.10=y",
		 NULL},
		{"DescribeImages", "Filter.01.Name=name", "Filter.01.Name"},
		{"DescribeImages", "Filter.1..Name=name", "Filter.1..Name"},
		{"DescribeImages", "Filter.N.Name=name", "Filter.N.Name"},
		{"DescribeImportImageTasks", "Filters.1.Name=task-state&Filters.1.Value.1=active", NULL},
		{"DescribeImportImageTasks", "Filter.1.Name=task-state", "Filter.1.Name"},
		{"ImportSnapshot", "DiskContainer.UserBucket.S3Bucket=b&ClientToken=t", NULL},
		{"ImportImage", "DiskContainer.1.UserBucket.S3Key=k&ClientToken=t", NULL},
		{"ImportImage", "DiskContainer.UserBucket.S3Key=k", "DiskContainer.UserBucket.S3Key"},
		{"CreateSnapshot", "VolumeId=v&ClientToken=t", "ClientToken"},
		{"CopyImage", "SourceImageId=a&SourceRegion=r&Name=n&ClientToken=t", NULL},
		{"DescribeRegions", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=0&AllRegions=true",
		 NULL},
		{"LaunchRockets", "Anything=1", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct query q = {0};
		assert_int_equal(query_parse(&q, cases[i].form, strlen(cases[i].form)), 0);
		const char *got = ec2_params_unknown(cases[i].action, &q);
		if (cases[i].unknown ? !got || strcmp(got, cases[i].unknown) != 0 : got != NULL)
			fail_msg("case %zu: got %s, want %s", i, got ? got : "(none)",
				 cases[i].unknown ? cases[i].unknown : "(none)");
		query_free(&q);
	}
}

/* A small world: snap-11111111 completed (8 GiB), snap-22222222 pending,
 * an AMI named "taken" already exists. */
static const char *w_snap(void *cls, const char *id, long long *size)
{
	(void)cls;
	*size = 8;
	if (strcmp(id, "snap-11111111") == 0)
		return "completed";
	if (strcmp(id, "snap-22222222") == 0)
		return "pending";
	return NULL;
}

static const char *w_image(void *cls, const char *name)
{
	(void)cls;
	return strcmp(name, "taken") == 0 ? "ami-0000000000000000a" : NULL;
}

static void test_register_image(void **state)
{
	static const char base[] = "Name=my-ami&RootDeviceName=/dev/xvda&BlockDeviceMapping.1.DeviceName=/dev/xvda&";
	static const struct {
		const char *extra;
		const char *code; /* NULL: accepted */
	} cases[] = {
		{"BlockDeviceMapping.1.Ebs.SnapshotId=snap-11111111&VirtualizationType=hvm&EnaSupport=true", NULL},
		{"BlockDeviceMapping.1.Ebs.SnapshotId=snap-11111111&KernelId=aki-5c21674b", NULL},
		{"BlockDeviceMapping.1.Ebs.SnapshotId=snap-11111111&VirtualizationType=hvm&BootMode=uefi", NULL},
		{"BlockDeviceMapping.1.Ebs.SnapshotId=snap-22222222", "IncorrectState"},
		{"BlockDeviceMapping.1.Ebs.SnapshotId=snap-33333333", "InvalidSnapshot.NotFound"},
		{"BlockDeviceMapping.1.Ebs.SnapshotId=bogus", "InvalidSnapshotID.Malformed"},
		{"BlockDeviceMapping.1.Ebs.SnapshotId=snap-11111111&KernelId=aki-99999999", "InvalidAMIID.NotFound"},
		{"BlockDeviceMapping.1.Ebs.SnapshotId=snap-11111111&KernelId=aki-5c2", "InvalidKernelId.Malformed"},
		{"BlockDeviceMapping.1.Ebs.SnapshotId=snap-11111111&KernelId=aki-5c21674b&VirtualizationType=hvm",
		 "InvalidParameterCombination"},
		{"BlockDeviceMapping.1.Ebs.SnapshotId=snap-11111111&EnaSupport=true", "InvalidParameterCombination"},
		{"BlockDeviceMapping.1.Ebs.SnapshotId=snap-11111111&SriovNetSupport=simple", "InvalidParameterCombination"},
		{"BlockDeviceMapping.1.Ebs.SnapshotId=snap-11111111&VirtualizationType=hvm&BootMode=bios", "InvalidParameterValue"},
		{"BlockDeviceMapping.1.Ebs.SnapshotId=snap-11111111&VirtualizationType=xen", "InvalidParameterValue"},
		{"BlockDeviceMapping.1.Ebs.SnapshotId=snap-11111111&BlockDeviceMapping.1.Ebs.VolumeSize=4",
		 "InvalidBlockDeviceMapping"},
		{"BlockDeviceMapping.1.Ebs.VolumeSize=8", "InvalidBlockDeviceMapping"},
		{"BlockDeviceMapping.1.Ebs.SnapshotId=snap-11111111&RootDeviceName=/dev/sdb", NULL},
	};
	struct ec2_world w = {w_snap, w_image, NULL};
	char code[64], msg[256];
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct query q = {0};
		struct dynbuf d;
		int rc;
		dyn_init(&d, 4096);
		dyn_addstr(&d, base);
		dyn_addstr(&d, cases[i].extra);
		assert_int_equal(query_parse(&q, dyn_ptr(&d), dyn_len(&d)), 0);
		rc = ec2_check_register(&q, "us-east-1", &w, code, msg);
		if (!cases[i].code) {
			if (rc != 0)
				fail_msg("case %zu refused: %s: %s", i, code, msg);
		} else {
			assert_int_equal(rc, -1);
			assert_string_equal(code, cases[i].code);
		}
		query_free(&q);
		dyn_free(&d);
	}
}

static void test_register_names(void **state)
{
	struct ec2_world w = {w_snap, w_image, NULL};
	char code[64], msg[256];
	static const struct {
		const char *name;
		const char *code;
	} cases[] = {
		{"ab", "InvalidAMIName.Malformed"},
		{"abc", NULL},
		{"my image (v1) [x86_64] 2024.01/a-b_c@d'e", NULL},
		{"bad*name", "InvalidAMIName.Malformed"},
		{"taken", "InvalidAMIName.Duplicate"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct query q = {0};
		struct dynbuf d;
		dyn_init(&d, 4096);
		dyn_addstr(&d, "RootDeviceName=/dev/xvda&BlockDeviceMapping.1.DeviceName=/dev/xvda&"
			       "BlockDeviceMapping.1.Ebs.SnapshotId=snap-11111111&Name=");
		query_uri_encode(&d, cases[i].name, strlen(cases[i].name), 0);
		query_parse(&q, dyn_ptr(&d), dyn_len(&d));
		int rc = ec2_check_register(&q, "us-east-1", &w, code, msg);
		if (cases[i].code) {
			assert_int_equal(rc, -1);
			assert_string_equal(code, cases[i].code);
		} else {
			assert_int_equal(rc, 0);
		}
		query_free(&q);
		dyn_free(&d);
	}
	assert_false(ec2_valid_ami_name(""));
	char longname[130];
	memset(longname, 'a', 129);
	longname[129] = 0;
	assert_false(ec2_valid_ami_name(longname));
	longname[128] = 0;
	assert_true(ec2_valid_ami_name(longname));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_parse),
		cmocka_unit_test(test_query_limit),
		cmocka_unit_test(test_uri_encode),
		cmocka_unit_test(test_xml_escape),
		cmocka_unit_test(test_auth_vector),
		cmocka_unit_test(test_auth_presigned),
		cmocka_unit_test(test_auth_body_mismatch),
		cmocka_unit_test(test_timeline_replay),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_ec2_params),
		cmocka_unit_test(test_register_image),
		cmocka_unit_test(test_register_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
