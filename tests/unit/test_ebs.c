/* EBS direct APIs: checksums against Python's hashlib, the requests each call
 * sends, and the JSON replies (good and bad) against the canned server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/ebs.h"
#include "help/loop.h"
#include "tests/unit/canned.h"

static struct canned srv;
static struct loop *lp;
static struct http_client *http;
static struct aws_endpoint ep;

static int setup_all(void **state)
{
	struct err e;
	err_clear(&e);
	if (canned_client_start(&srv, &lp, &http, NULL) < 0)
		return -1;
	return aws_endpoint_init(&ep, http, "ebs", "us-east-1", srv.base, &e);
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

static void fill_block(uint8_t *b, unsigned seed)
{
	for (size_t i = 0; i < EBS_BLOCK_SIZE; i++)
		b[i] = (uint8_t)((i * 31 + seed * 7 + i / 4096) & 0xff);
}

/* Run python3 hashlib over the blocks in `path` (n blocks) and read back one
 * line per block checksum and a last line with the LINEAR aggregate. */
static void python_checksums(const char *path, size_t n, char (*out)[64])
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c 'import hashlib,base64,sys\n"
		 "d=open(sys.argv[1],\"rb\").read(); B=524288; raw=b\"\"\n"
		 "for i in range(len(d)//B):\n"
		 "  h=hashlib.sha256(d[i*B:(i+1)*B]).digest(); raw+=h; print(base64.b64encode(h).decode())\n"
		 "print(base64.b64encode(hashlib.sha256(raw).digest()).decode())' %s",
		 path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	for (size_t i = 0; i <= n; i++) {
		assert_non_null(fgets(out[i], 64, p));
		out[i][strcspn(out[i], "\n")] = '\0';
	}
	assert_int_equal(pclose(p), 0);
}

static void test_checksums_match_hashlib(void **state)
{
	enum { N = 3 };
	uint8_t *blocks = malloc(N * EBS_BLOCK_SIZE);
	for (unsigned i = 0; i < N; i++)
		fill_block(blocks + (size_t)i * EBS_BLOCK_SIZE, i);
	char path[] = "/tmp/amiwiz-ebs-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, blocks, N * EBS_BLOCK_SIZE), (ssize_t)(N * EBS_BLOCK_SIZE));
	close(fd);
	char want[N + 1][64];
	python_checksums(path, N, want);
	unlink(path);
	uint8_t raw[N][32];
	for (unsigned i = 0; i < N; i++) {
		char b64[EBS_CHECKSUM_B64];
		ebs_block_checksum(blocks + (size_t)i * EBS_BLOCK_SIZE, EBS_BLOCK_SIZE, raw[i], b64);
		assert_string_equal(b64, want[i]);
	}
	char agg[EBS_CHECKSUM_B64];
	ebs_aggregate_checksum((const uint8_t(*)[32])raw, N, agg);
	assert_string_equal(agg, want[N]);
	/* the order matters: swapping two blocks changes the aggregate */
	uint8_t swapped[2][32];
	memcpy(swapped[0], raw[1], 32);
	memcpy(swapped[1], raw[0], 32);
	char agg2[EBS_CHECKSUM_B64];
	ebs_aggregate_checksum((const uint8_t(*)[32])swapped, 2, agg2);
	ebs_aggregate_checksum((const uint8_t(*)[32])raw, 2, agg);
	assert_string_not_equal(agg, agg2);
	free(blocks);
}

static void test_start_snapshot(void **state)
{
	assert_int_equal(canned_push(&srv,
		"[{\"status\":201,\"headers\":{\"x-amzn-RequestId\":\"ebs-1\"},\"body\":"
		"\"{\\\"BlockSize\\\":524288,\\\"Description\\\":\\\"d\\\",\\\"OwnerId\\\":"
		"\\\"111122223333\\\",\\\"SnapshotId\\\":\\\"snap-0aaa\\\",\\\"StartTime\\\":"
		"1.7e9,\\\"Status\\\":\\\"pending\\\",\\\"VolumeSize\\\":8}\"}]"), 0);
	static const struct ebs_tag tags[] = {{"made-by", "amiwiz"}};
	struct ebs_start_snapshot_req req = {.volume_size = 8, .description = "d", .encrypted = -1,
					     .timeout_minutes = 60, .tags = tags, .n_tags = 1};
	struct ebs_start_snapshot_result res;
	struct err e;
	err_clear(&e);
	assert_int_equal(ebs_start_snapshot(&ep, &req, &res, &e), 0);
	assert_string_equal(res.snapshot_id, "snap-0aaa");
	assert_string_equal(res.status, "pending");
	assert_int_equal(res.block_size, 524288);
	assert_int_equal(res.volume_size, 8);
	assert_string_equal(res.request_id, "ebs-1");
	json_object *log = canned_log(&srv);
	assert_string_equal(canned_field(log, 0, "method"), "POST");
	assert_string_equal(canned_field(log, 0, "path"), "/snapshots");
	assert_string_equal(canned_header(log, 0, "content-type"), "application/json");
	json_object *body = json_tokener_parse(canned_field(log, 0, "body")), *v;
	assert_non_null(body);
	assert_true(json_object_object_get_ex(body, "VolumeSize", &v));
	assert_int_equal(json_object_get_int(v), 8);
	assert_true(json_object_object_get_ex(body, "Timeout", &v));
	assert_int_equal(json_object_get_int(v), 60);
	assert_true(json_object_object_get_ex(body, "ClientToken", &v));
	assert_string_equal(json_object_get_string(v), res.client_token);
	assert_false(json_object_object_get_ex(body, "Encrypted", &v));
	assert_true(json_object_object_get_ex(body, "Tags", &v));
	assert_int_equal(json_object_array_length(v), 1);
	json_object_put(body);
	json_object_put(log);
}

static void test_put_block_and_complete(void **state)
{
	uint8_t *block = malloc(EBS_BLOCK_SIZE);
	fill_block(block, 9);
	char sum[EBS_CHECKSUM_B64];
	uint8_t raw[1][32];
	ebs_block_checksum(block, EBS_BLOCK_SIZE, raw[0], sum);
	char hex[65];
	aws_hex(hex, raw[0], 32);
	char canned_resp[512];
	snprintf(canned_resp, sizeof(canned_resp),
		 "[{\"status\":503,\"body\":\"{\\\"Message\\\":\\\"busy\\\"}\",\"headers\":"
		 "{\"x-amzn-ErrorType\":\"InternalServerException\"}},"
		 "{\"status\":201,\"headers\":{\"x-amz-Checksum\":\"%s\","
		 "\"x-amz-Checksum-Algorithm\":\"SHA256\"}}]",
		 sum);
	assert_int_equal(canned_push(&srv, canned_resp), 0);
	struct ebs_put_block_req req = {.snapshot_id = "snap-0aaa", .block_index = 7,
					.data = block, .len = EBS_BLOCK_SIZE, .progress = 50};
	struct ebs_put_block_result res;
	struct err e;
	err_clear(&e);
	assert_int_equal(ebs_put_block(&ep, &req, &res, &e), 0);
	assert_string_equal(res.checksum, sum);
	json_object *log = canned_log(&srv);
	assert_int_equal(json_object_array_length(log), 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(canned_field(log, i, "method"), "PUT");
		assert_string_equal(canned_field(log, i, "path"), "/snapshots/snap-0aaa/blocks/7");
		assert_string_equal(canned_header(log, i, "x-amz-checksum"), sum);
		assert_string_equal(canned_header(log, i, "x-amz-checksum-algorithm"), "SHA256");
		assert_string_equal(canned_header(log, i, "x-amz-data-length"), "524288");
		assert_string_equal(canned_header(log, i, "x-amz-progress"), "50");
		assert_string_equal(canned_field(log, i, "body_sha256"), hex);
	}
	json_object_put(log);

	/* a short block is refused before anything is sent */
	req.len = 4096;
	assert_int_equal(ebs_put_block(&ep, &req, &res, &e), -1);
	assert_int_equal(e.kind, ERR_INPUT);
	req.snapshot_id = "snap/../x";
	req.len = EBS_BLOCK_SIZE;
	assert_int_equal(ebs_put_block(&ep, &req, &res, &e), -1);

	assert_int_equal(canned_reset(&srv), 0);
	assert_int_equal(canned_push(&srv, "[{\"status\":202,\"body\":\"{\\\"Status\\\":"
					   "\\\"pending\\\"}\"}]"), 0);
	char agg[EBS_CHECKSUM_B64];
	ebs_aggregate_checksum((const uint8_t(*)[32])raw, 1, agg);
	struct ebs_complete_snapshot_req creq = {.snapshot_id = "snap-0aaa",
						 .changed_blocks_count = 1,
						 .aggregate_checksum = agg};
	struct ebs_complete_snapshot_result cres;
	assert_int_equal(ebs_complete_snapshot(&ep, &creq, &cres, &e), 0);
	assert_string_equal(cres.status, "pending");
	log = canned_log(&srv);
	assert_string_equal(canned_field(log, 0, "method"), "POST");
	assert_string_equal(canned_field(log, 0, "path"), "/snapshots/completion/snap-0aaa");
	assert_string_equal(canned_header(log, 0, "x-amz-changedblockscount"), "1");
	assert_string_equal(canned_header(log, 0, "x-amz-checksum"), agg);
	assert_string_equal(canned_header(log, 0, "x-amz-checksum-aggregation-method"), "LINEAR");
	assert_string_equal(canned_header(log, 0, "x-amz-checksum-algorithm"), "SHA256");
	json_object_put(log);
	free(block);
}

static void test_list_blocks_pages(void **state)
{
	assert_int_equal(canned_push(&srv,
		"[{\"status\":200,\"body\":\"{\\\"BlockSize\\\":524288,\\\"Blocks\\\":[{\\\"BlockIndex"
		"\\\":0,\\\"BlockToken\\\":\\\"AAUB\\\"},{\\\"BlockIndex\\\":5,\\\"BlockToken\\\":"
		"\\\"AAUC\\\"}],\\\"ExpiryTime\\\":1.7e9,\\\"NextToken\\\":\\\"n+x/=\\\","
		"\\\"VolumeSize\\\":8}\"},"
		"{\"status\":200,\"body\":\"{\\\"Blocks\\\":[{\\\"BlockIndex\\\":9}]}\"}]"), 0);
	struct ebs_list_blocks_req req = {.snapshot_id = "snap-1", .max_results = 100,
					  .starting_block_index = -1};
	struct ebs_list_blocks_result res;
	struct err e;
	err_clear(&e);
	assert_int_equal(ebs_list_blocks(&ep, &req, &res, &e), 0);
	assert_int_equal(res.n_blocks, 2);
	assert_int_equal(res.blocks[1].index, 5);
	assert_string_equal(res.blocks[1].token, "AAUC");
	assert_string_equal(res.next_token, "n+x/=");
	assert_int_equal(res.volume_size, 8);
	req.next_token = res.next_token;
	struct ebs_list_blocks_result res2;
	assert_int_equal(ebs_list_blocks(&ep, &req, &res2, &e), 0);
	assert_int_equal(res2.n_blocks, 1);
	assert_string_equal(res2.next_token, "");
	json_object *log = canned_log(&srv);
	assert_string_equal(canned_field(log, 0, "path"), "/snapshots/snap-1/blocks");
	assert_string_equal(canned_field(log, 0, "query"), "maxResults=100");
	assert_string_equal(canned_field(log, 1, "query"), "maxResults=100&pageToken=n%2Bx%2F%3D");
	json_object_put(log);
	ebs_list_blocks_result_release(&res);
	ebs_list_blocks_result_release(&res2);
}

static void test_errors_and_bad_json(void **state)
{
	assert_int_equal(canned_push(&srv,
		"[{\"status\":400,\"headers\":{\"x-amzn-ErrorType\":\"ValidationException\","
		"\"x-amzn-RequestId\":\"v-1\"},\"body\":\"{\\\"Message\\\":\\\"The volume size is "
		"too large\\\",\\\"Reason\\\":\\\"INVALID_VOLUME_SIZE\\\"}\"}]"), 0);
	struct ebs_start_snapshot_req req = {.volume_size = 70000, .encrypted = -1};
	struct ebs_start_snapshot_result res;
	struct err e;
	err_clear(&e);
	assert_int_equal(ebs_start_snapshot(&ep, &req, &res, &e), -1);
	assert_int_equal(e.kind, ERR_SERVICE);
	assert_string_equal(e.aws_code, "ValidationException");
	assert_string_equal(e.request_id, "v-1");
	assert_string_equal(e.doing, "Starting the EBS snapshot");
	assert_non_null(strstr(e.message, "too large"));

	static const char *const bad[] = {
		"", "null", "[]", "{\"SnapshotId\":5}", "<StartSnapshotResponse/>",
		"{\"SnapshotId\":\"snap-1\"", "{\"Status\":\"pending\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ebs_start_snapshot_result r;
		memset(&r, 0, sizeof(r));
		err_clear(&e);
		assert_int_equal(ebs_parse_start_snapshot(bad[i], strlen(bad[i]), &r, &e), -1);
		assert_int_equal(e.kind, ERR_INPUT);
	}
	static const char *const badlist[] = {
		"{\"Blocks\":5}", "{\"Blocks\":[{\"BlockToken\":\"x\"}]}",
		"{\"Blocks\":[{\"BlockIndex\":-1}]}", "{\"Blocks\":[7]}",
	};
	for (size_t i = 0; i < sizeof(badlist) / sizeof(badlist[0]); i++) {
		struct ebs_list_blocks_result r;
		memset(&r, 0, sizeof(r));
		err_clear(&e);
		assert_int_equal(ebs_parse_list_blocks(badlist[i], strlen(badlist[i]), &r, &e), -1);
		ebs_list_blocks_result_release(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksums_match_hashlib),
		cmocka_unit_test_setup(test_start_snapshot, setup),
		cmocka_unit_test_setup(test_put_block_and_complete, setup),
		cmocka_unit_test_setup(test_list_blocks_pages, setup),
		cmocka_unit_test_setup(test_errors_and_bad_json, setup),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
