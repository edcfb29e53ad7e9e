/* S3 calls against the canned server: addressing, bucket creation, the
 * multipart upload from file ranges, region redirects, and bad replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/s3.h"
#include "help/loop.h"
#include "tests/unit/canned.h"

static struct canned srv;
static struct loop *lp;
static struct http_client *http;

static int setup_all(void **state)
{
	return canned_client_start(&srv, &lp, &http, NULL);
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

/* records the region each attempt is signed for */
struct regions {
	char seen[4][32];
	int n;
};

static int region_signer(struct http_request *req, void *ctx, struct err *reterr)
{
	struct regions *r = ctx;
	if (r->n < 4)
		aws_strlcpy(r->seen[r->n++], req->region, 32);
	return 0;
}

static void test_urls(void **state)
{
	struct s3_client s3;
	struct err e;
	err_clear(&e);
	assert_int_equal(s3_client_init(&s3, http, "eu-west-1", NULL, &e), 0);
	static const struct {
		const char *bucket, *key, *query, *want;
	} cases[] = {
		{"my-bucket", "disk images/a+b.raw", "uploads",
		 "https://my-bucket.s3.eu-west-1.amazonaws.com/disk%20images/a%2Bb.raw?uploads"},
		{"my.dotted.bucket", "k", "",
		 "https://s3.eu-west-1.amazonaws.com/my.dotted.bucket/k"},
		{"bkt", NULL, "location", "https://bkt.s3.eu-west-1.amazonaws.com/?location"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dynbuf u;
		dyn_init(&u, 4096);
		assert_int_equal(s3_url(&s3, cases[i].bucket, cases[i].key, cases[i].query, &u, &e), 0);
		assert_string_equal(dyn_ptr(&u), cases[i].want);
		dyn_free(&u);
	}
	struct dynbuf u;
	dyn_init(&u, 4096);
	assert_int_equal(s3_url(&s3, "Bad_Bucket", "k", "", &u, &e), -1);
	assert_int_equal(s3_url(&s3, "ab", "k", "", &u, &e), -1);
	assert_int_equal(s3_client_init(&s3, http, "us-east-1", srv.base, &e), 0);
	assert_int_equal(s3_url(&s3, "bkt", "a/b c", "", &u, &e), 0);
	char want[128];
	snprintf(want, sizeof(want), "%s/bkt/a/b%%20c", srv.base);
	assert_string_equal(dyn_ptr(&u), want);
	dyn_free(&u);
	assert_int_equal(s3_client_init(&s3, http, "us-east-1", "http://s3.example.com", &e), -1);
}

static void test_create_bucket(void **state)
{
	struct s3_client s3;
	struct err e;
	err_clear(&e);
	assert_int_equal(s3_client_init(&s3, http, "eu-west-1", srv.base, &e), 0);
	assert_int_equal(canned_push(&srv, "[{\"status\":200},{\"status\":200}]"), 0);
	struct s3_bucket_req b = {.bucket = "import-bucket"};
	struct s3_bucket_result r;
	assert_int_equal(s3_create_bucket(&s3, &b, &r, &e), 0);
	assert_int_equal(s3_client_init(&s3, http, "us-east-1", srv.base, &e), 0);
	assert_int_equal(s3_create_bucket(&s3, &b, &r, &e), 0);
	json_object *log = canned_log(&srv);
	assert_string_equal(canned_field(log, 0, "method"), "PUT");
	assert_string_equal(canned_field(log, 0, "path"), "/import-bucket/");
	assert_non_null(strstr(canned_field(log, 0, "body"),
			       "<LocationConstraint>eu-west-1</LocationConstraint>"));
	assert_string_equal(canned_field(log, 1, "body"), ""); /* us-east-1: no configuration */
	json_object_put(log);

	assert_int_equal(canned_push(&srv,
		"[{\"status\":200,\"body\":\"<LocationConstraint xmlns=\\\"http://s3.amazonaws.com/"
		"doc/2006-03-01/\\\">EU</LocationConstraint>\"},"
		"{\"status\":200,\"body\":\"<LocationConstraint/>\"},"
		"{\"status\":404,\"headers\":{\"x-amz-request-id\":\"h404\"}}]"), 0);
	assert_int_equal(s3_get_bucket_location(&s3, &b, &r, &e), 0);
	assert_string_equal(r.region, "eu-west-1");
	assert_int_equal(s3_get_bucket_location(&s3, &b, &r, &e), 0);
	assert_string_equal(r.region, "us-east-1");
	assert_int_equal(s3_head_bucket(&s3, &b, &r, &e), -1);
	assert_string_equal(e.aws_code, "NotFound");
	assert_string_equal(e.request_id, "h404");
	assert_string_equal(e.doing, "Checking the bucket");
}

static void test_region_redirects(void **state)
{
	struct s3_client s3;
	struct err e;
	err_clear(&e);
	struct regions seen = {0};
	assert_int_equal(s3_client_init(&s3, http, "us-east-1", srv.base, &e), 0);
	s3.sign = region_signer;
	s3.sign_ctx = &seen;
	assert_int_equal(canned_push(&srv,
		"[{\"status\":301,\"headers\":{\"x-amz-bucket-region\":\"eu-central-1\"}},"
		"{\"status\":200,\"headers\":{\"x-amz-bucket-region\":\"eu-central-1\"}},"
		"{\"status\":400,\"body\":\"<Error><Code>AuthorizationHeaderMalformed</Code>"
		"<Message>the region 'eu-central-1' is wrong; expecting 'ap-south-1'</Message>"
		"<Region>ap-south-1</Region><RequestId>x</RequestId></Error>\"},"
		"{\"status\":204}]"), 0);
	struct s3_bucket_req b = {.bucket = "far-bucket"};
	struct s3_bucket_result r;
	assert_int_equal(s3_head_bucket(&s3, &b, &r, &e), 0);
	assert_string_equal(r.region, "eu-central-1");
	assert_string_equal(s3.region, "eu-central-1");
	struct s3_object_req o = {.bucket = "far-bucket", .key = "k"};
	struct s3_object_result orr;
	assert_int_equal(s3_delete_object(&s3, &o, &orr, &e), 0);
	assert_string_equal(s3.region, "ap-south-1");
	assert_int_equal(seen.n, 4);
	assert_string_equal(seen.seen[0], "us-east-1");
	assert_string_equal(seen.seen[1], "eu-central-1");
	assert_string_equal(seen.seen[2], "eu-central-1");
	assert_string_equal(seen.seen[3], "ap-south-1");

	/* a redirect to where we already are is an error, not a loop */
	assert_int_equal(canned_push(&srv,
		"[{\"status\":301,\"body\":\"<Error><Code>PermanentRedirect</Code><Message>use the "
		"endpoint</Message><Region>ap-south-1</Region></Error>\"}]"), 0);
	assert_int_equal(s3_delete_object(&s3, &o, &orr, &e), -1);
	assert_string_equal(e.aws_code, "PermanentRedirect");
}

static void test_multipart_from_file(void **state)
{
	struct s3_client s3;
	struct err e;
	err_clear(&e);
	assert_int_equal(s3_client_init(&s3, http, "us-east-1", srv.base, &e), 0);
	char path[] = "/tmp/amiwiz-s3-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	const size_t part = 5u << 20, total = part + 12345;
	uint8_t *data = malloc(total);
	for (size_t i = 0; i < total; i++)
		data[i] = (uint8_t)(i ^ (i >> 9));
	assert_int_equal(write(fd, data, total), (ssize_t)total);
	char hex[2][65];
	uint8_t sum[32];
	aws_sha256(sum, data, part);
	aws_hex(hex[0], sum, 32);
	aws_sha256(sum, data + part, total - part);
	aws_hex(hex[1], sum, 32);
	free(data);

	assert_int_equal(canned_push(&srv,
		"[{\"status\":200,\"body\":\"<?xml version=\\\"1.0\\\"?><InitiateMultipartUploadResult "
		"xmlns=\\\"http://s3.amazonaws.com/doc/2006-03-01/\\\"><Bucket>bkt</Bucket><Key>"
		"disk.raw</Key><UploadId>VXBsb2FkIElE+/=</UploadId></InitiateMultipartUploadResult>\"},"
		"{\"status\":200,\"headers\":{\"ETag\":\"\\\"etag-1\\\"\"}},"
		"{\"status\":503,\"body\":\"<Error><Code>SlowDown</Code><Message>m</Message></Error>\"},"
		"{\"status\":200,\"headers\":{\"ETag\":\"\\\"etag-2\\\"\"}},"
		"{\"status\":200,\"body\":\"<ListPartsResult><Part><PartNumber>1</PartNumber><ETag>"
		"&quot;etag-1&quot;</ETag><Size>5242880</Size></Part><Part><PartNumber>2</PartNumber>"
		"<ETag>&quot;etag-2&quot;</ETag><Size>12345</Size></Part><IsTruncated>false"
		"</IsTruncated></ListPartsResult>\"},"
		"{\"status\":200,\"body\":\"<CompleteMultipartUploadResult><Location>http://x/bkt/"
		"disk.raw</Location><ETag>\\\"final-2\\\"</ETag></CompleteMultipartUploadResult>\"}]"),
		0);
	struct s3_object_req o = {.bucket = "bkt", .key = "disk.raw", .body = {.fd = -1}};
	struct s3_object_result r;
	assert_int_equal(s3_create_multipart_upload(&s3, &o, &r, &e), 0);
	char upload_id[S3_UPLOAD_ID_MAX];
	strcpy(upload_id, r.upload_id);
	assert_string_equal(upload_id, "VXBsb2FkIElE+/=");
	char etags[2][S3_ETAG_MAX];
	for (int p = 0; p < 2; p++) {
		struct s3_object_req up = {.bucket = "bkt", .key = "disk.raw", .upload_id = upload_id,
					   .part_number = p + 1,
					   .body = {.fd = fd, .offset = p * part,
						    .len = p ? total - part : part}};
		assert_int_equal(s3_upload_part(&s3, &up, &r, &e), 0);
		strcpy(etags[p], r.etag);
	}
	assert_string_equal(etags[1], "\"etag-2\"");
	struct s3_object_req lp_req = {.bucket = "bkt", .key = "disk.raw", .upload_id = upload_id,
				       .max_parts = 1000};
	assert_int_equal(s3_list_parts(&s3, &lp_req, &r, &e), 0);
	assert_int_equal(r.n_parts, 2);
	assert_string_equal(r.parts[0].etag, "\"etag-1\"");
	assert_int_equal(r.parts[1].size, 12345);
	s3_object_result_release(&r);
	static const int nums[] = {1, 2};
	const char *const tags[] = {etags[0], etags[1]};
	struct s3_object_req c = {.bucket = "bkt", .key = "disk.raw", .upload_id = upload_id,
				  .part_numbers = nums, .etags = tags, .n_parts = 2};
	assert_int_equal(s3_complete_multipart_upload(&s3, &c, &r, &e), 0);
	assert_string_equal(r.etag, "\"final-2\"");
	close(fd);

	json_object *log = canned_log(&srv);
	assert_int_equal(json_object_array_length(log), 6);
	assert_string_equal(canned_field(log, 0, "method"), "POST");
	assert_string_equal(canned_field(log, 0, "path"), "/bkt/disk.raw");
	assert_string_equal(canned_field(log, 0, "query"), "uploads");
	assert_string_equal(canned_field(log, 1, "query"),
			    "partNumber=1&uploadId=VXBsb2FkIElE%2B%2F%3D");
	assert_string_equal(canned_field(log, 1, "body_sha256"), hex[0]);
	assert_string_equal(canned_field(log, 2, "body_sha256"), hex[1]);
	assert_string_equal(canned_field(log, 3, "body_sha256"), hex[1]); /* the retry */
	assert_string_equal(canned_field(log, 4, "method"), "GET");
	assert_string_equal(canned_field(log, 4, "query"),
			    "max-parts=1000&uploadId=VXBsb2FkIElE%2B%2F%3D");
	assert_non_null(strstr(canned_field(log, 5, "body"),
			       "<Part><PartNumber>1</PartNumber><ETag>\"etag-1\"</ETag></Part>"
			       "<Part><PartNumber>2</PartNumber><ETag>\"etag-2\"</ETag></Part>"));
	json_object_put(log);
}

static void test_complete_errors_and_abort(void **state)
{
	struct s3_client s3;
	struct err e;
	err_clear(&e);
	assert_int_equal(s3_client_init(&s3, http, "us-east-1", srv.base, &e), 0);
	assert_int_equal(canned_push(&srv,
		"[{\"status\":200,\"body\":\"<Error><Code>InvalidPart</Code><Message>One or more of "
		"the specified parts could not be found.</Message><RequestId>ip</RequestId></Error>\"},"
		"{\"status\":200,\"body\":\"{\\\"json\\\":true}\"},"
		"{\"status\":204},{\"status\":200}]"), 0);
	static const int nums[] = {1};
	const char *const tags[] = {"\"e\""};
	struct s3_object_req c = {.bucket = "bkt", .key = "k", .upload_id = "u",
				  .part_numbers = nums, .etags = tags, .n_parts = 1};
	struct s3_object_result r;
	assert_int_equal(s3_complete_multipart_upload(&s3, &c, &r, &e), -1);
	assert_string_equal(e.aws_code, "InvalidPart");
	assert_string_equal(e.request_id, "ip");
	assert_string_equal(e.doing, "Finishing the upload");
	assert_int_equal(s3_complete_multipart_upload(&s3, &c, &r, &e), -1);
	assert_int_equal(e.kind, ERR_INPUT);
	assert_int_equal(s3_abort_multipart_upload(&s3, &c, &r, &e), 0);
	/* PutObject without an ETag in the reply is an error */
	struct s3_object_req p = {.bucket = "bkt", .key = "k", .body = {.data = "hi", .len = 2}};
	assert_int_equal(s3_put_object(&s3, &p, &r, &e), -1);
	json_object *log = canned_log(&srv);
	assert_string_equal(canned_field(log, 2, "method"), "DELETE");
	assert_string_equal(canned_field(log, 2, "query"), "uploadId=u");
	assert_string_equal(canned_field(log, 3, "body"), "hi");
	json_object_put(log);

	/* refused before sending */
	static const int bad_nums[] = {2, 1};
	const char *const bad_tags[] = {"\"a\"", "\"b\""};
	c.part_numbers = bad_nums;
	c.etags = bad_tags;
	c.n_parts = 2;
	assert_int_equal(s3_complete_multipart_upload(&s3, &c, &r, &e), -1);
	struct s3_object_req up = {.bucket = "bkt", .key = "k", .upload_id = "u",
				   .part_number = 10001, .body = {.data = "x", .len = 1}};
	assert_int_equal(s3_upload_part(&s3, &up, &r, &e), -1);
	assert_int_equal(e.kind, ERR_INPUT);
}

/* radosgw 16 answers Complete with <ETag></ETag>: the ETag then comes from
 * a HEAD of the finished object; a failed HEAD leaves it empty but the
 * upload, which is complete, is not reported as failed. */
static void test_complete_empty_etag(void **state)
{
	struct s3_client s3;
	struct err e;
	err_clear(&e);
	assert_int_equal(s3_client_init(&s3, http, "us-east-1", srv.base, &e), 0);
	assert_int_equal(canned_push(&srv,
		"[{\"status\":200,\"headers\":{\"x-amz-request-id\":\"cmp-1\"},"
		"\"body\":\"<?xml version=\\\"1.0\\\" encoding=\\\"UTF-8\\\"?>"
		"<CompleteMultipartUploadResult xmlns=\\\"http://s3.amazonaws.com/doc/2006-03-01/"
		"\\\"><Location>127.0.0.1/bkt/k</Location><Bucket>bkt</Bucket><Key>k</Key>"
		"<ETag></ETag></CompleteMultipartUploadResult>\"},"
		"{\"status\":200,\"headers\":{\"ETag\":\"\\\"4586028ee309c2e5ad35605321fb34e2-1"
		"\\\"\",\"x-amz-request-id\":\"head-1\"}},"
		"{\"status\":200,\"body\":\"<CompleteMultipartUploadResult><ETag></ETag>"
		"</CompleteMultipartUploadResult>\"},"
		"{\"status\":403}]"), 0);
	static const int nums[] = {1};
	const char *const tags[] = {"\"7c3b4d5e719672f0df93214d1382f323\""};
	struct s3_object_req c = {.bucket = "bkt", .key = "k", .upload_id = "u",
				  .part_numbers = nums, .etags = tags, .n_parts = 1};
	struct s3_object_result r;
	assert_int_equal(s3_complete_multipart_upload(&s3, &c, &r, &e), 0);
	assert_string_equal(r.etag, "\"4586028ee309c2e5ad35605321fb34e2-1\"");
	assert_string_equal(r.request_id, "cmp-1");
	assert_string_equal(r.location, "127.0.0.1/bkt/k");
	assert_int_equal(s3_complete_multipart_upload(&s3, &c, &r, &e), 0);
	assert_string_equal(r.etag, "");
	json_object *log = canned_log(&srv);
	assert_int_equal(json_object_array_length(log), 4);
	assert_string_equal(canned_field(log, 1, "method"), "HEAD");
	assert_string_equal(canned_field(log, 1, "path"), "/bkt/k");
	assert_string_equal(canned_field(log, 1, "query"), "");
	assert_string_equal(canned_field(log, 3, "method"), "HEAD");
	json_object_put(log);

	/* HeadObject on its own */
	assert_int_equal(canned_push(&srv, "[{\"status\":200,\"headers\":{\"ETag\":\"\\\"abc\\\"\"}},"
					    "{\"status\":404}]"), 0);
	struct s3_object_req h = {.bucket = "bkt", .key = "k"};
	assert_int_equal(s3_head_object(&s3, &h, &r, &e), 0);
	assert_string_equal(r.etag, "\"abc\"");
	assert_int_equal(s3_head_object(&s3, &h, &r, &e), -1);
	assert_string_equal(e.aws_code, "NotFound");

	/* radosgw's NoSuchKey for a gone upload is NoSuchUpload; for an object
	 * call NoSuchKey stays what it is */
	assert_int_equal(canned_push(&srv,
		"[{\"status\":404,\"body\":\"<Error><Code>NoSuchKey</Code><Message></Message>"
		"<RequestId>rk</RequestId></Error>\"},"
		"{\"status\":404,\"body\":\"<Error><Code>NoSuchKey</Code><Message>The specified "
		"key does not exist.</Message></Error>\"}]"), 0);
	assert_int_equal(s3_list_parts(&s3, &c, &r, &e), -1);
	assert_string_equal(e.aws_code, "NoSuchUpload");
	assert_int_equal(e.code, 404);
	assert_string_equal(e.request_id, "rk");
	assert_non_null(strstr(e.message, "NoSuchKey"));
	assert_int_equal(s3_delete_object(&s3, &h, &r, &e), -1);
	assert_string_equal(e.aws_code, "NoSuchKey");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls),
		cmocka_unit_test_setup(test_create_bucket, setup),
		cmocka_unit_test_setup(test_region_redirects, setup),
		cmocka_unit_test_setup(test_multipart_from_file, setup),
		cmocka_unit_test_setup(test_complete_errors_and_abort, setup),
		cmocka_unit_test_setup(test_complete_empty_etag, setup),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
