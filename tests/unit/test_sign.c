/* The bridge from the transport's requests to SigV4, checked against
 * vectors of the official SigV4 test suite (2015-08-30 12:36:00 UTC). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/sign.h"

#define SUITE_TIME 1440938160 /* 20150830T123600Z */

static struct aws_signer suite_signer = {
    .creds = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL},
    .fixed_time = SUITE_TIME,
};

static void prepare(struct http_request *req, const char *method, const char *url)
{
	struct err e;
	err_clear(&e);
	assert_int_equal(http_request_init(req, method, url, &e), 0);
	snprintf(req->service, sizeof(req->service), "service");
	snprintf(req->region, sizeof(req->region), "us-east-1");
}

static const struct {
	const char *name, *method, *url, *content_type, *body, *authz;
} vectors[] = {
    {"get-vanilla", "GET", "https://example.amazonaws.com/", NULL, NULL,
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
     "SignedHeaders=host;x-amz-date, "
     "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get-vanilla-query-order-key-case", "GET",
     "https://example.amazonaws.com/?Param2=value2&Param1=value1", NULL, NULL,
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
     "SignedHeaders=host;x-amz-date, "
     "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
    {"post-x-www-form-urlencoded", "POST", "https://example.amazonaws.com/",
     "application/x-www-form-urlencoded", "Param1=value1",
     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
     "SignedHeaders=content-type;host;x-amz-date, "
     "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
};

static void test_suite_vectors(void **state)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		struct http_request req;
		struct err e;
		err_clear(&e);
		prepare(&req, vectors[i].method, vectors[i].url);
		if (vectors[i].content_type)
			assert_int_equal(http_request_set_header(&req, "Content-Type",
								 vectors[i].content_type, &e),
					 0);
		if (vectors[i].body)
			http_request_body_ref(&req, vectors[i].body, strlen(vectors[i].body));
		assert_int_equal(aws_sign_http(&req, &suite_signer, &e), 0);
		const char *authz = http_request_header(&req, "Authorization");
		assert_non_null(authz);
		if (strcmp(authz, vectors[i].authz) != 0)
			fail_msg("%s:\n got  %s\n want %s", vectors[i].name, authz,
				 vectors[i].authz);
		assert_string_equal(http_request_header(&req, "X-Amz-Date"), "20150830T123600Z");
		assert_null(http_request_header(&req, "X-Amz-Security-Token"));
		http_request_release(&req);
	}
}

/* A body streamed from a file must be signed exactly as the same bytes in
 * memory: the bridge hashes it itself. */
static void test_file_body_hashed_like_memory(void **state)
{
	char path[] = "/tmp/amiwiz-sign-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	char data[200000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7 + 3);
	assert_int_equal(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));

	struct http_request a, b;
	struct err e;
	err_clear(&e);
	prepare(&a, "PUT", "https://example.amazonaws.com/x");
	prepare(&b, "PUT", "https://example.amazonaws.com/x");
	http_request_body_ref(&a, data + 1000, 150000);
	http_request_body_file(&b, fd, 1000, 150000);
	assert_int_equal(aws_sign_http(&a, &suite_signer, &e), 0);
	assert_int_equal(aws_sign_http(&b, &suite_signer, &e), 0);
	assert_string_equal(http_request_header(&a, "Authorization"),
			    http_request_header(&b, "Authorization"));
	http_request_release(&a);
	http_request_release(&b);
	close(fd);
}

static void test_unsigned_payload_and_token(void **state)
{
	struct aws_signer s = suite_signer;
	s.creds.session_token = "TOKEN-VALUE";
	struct http_request req;
	struct err e;
	err_clear(&e);
	prepare(&req, "PUT", "https://ebs.us-east-1.amazonaws.com/snapshots/snap-1/blocks/0");
	snprintf(req.service, sizeof(req.service), "ebs");
	snprintf(req.payload_hash, sizeof(req.payload_hash), "UNSIGNED-PAYLOAD");
	assert_int_equal(aws_sign_http(&req, &s, &e), 0);
	assert_string_equal(http_request_header(&req, "X-Amz-Content-SHA256"), "UNSIGNED-PAYLOAD");
	assert_string_equal(http_request_header(&req, "X-Amz-Security-Token"), "TOKEN-VALUE");
	const char *authz = http_request_header(&req, "Authorization");
	assert_non_null(strstr(authz, "/us-east-1/ebs/aws4_request"));
	assert_non_null(strstr(authz, "x-amz-content-sha256"));
	assert_non_null(strstr(authz, "x-amz-security-token"));
	http_request_release(&req);
}

/* Re-signing (every retry does it) replaces the signature headers; it does
 * not pile them up. */
static void test_resign_replaces(void **state)
{
	struct aws_signer s = suite_signer;
	struct http_request req;
	struct err e;
	err_clear(&e);
	prepare(&req, "GET", "http://127.0.0.1:8080/?Action=DescribeRegions");
	if (aws_sign_http(&req, &s, &e) != 0)
		fail_msg("%s", e.message);
	size_t n = req.n_headers;
	s.fixed_time += 60;
	assert_int_equal(aws_sign_http(&req, &s, &e), 0);
	assert_int_equal(req.n_headers, n);
	assert_string_equal(http_request_header(&req, "X-Amz-Date"), "20150830T123700Z");
	http_request_release(&req);
}

static void test_missing_credentials(void **state)
{
	struct aws_signer s = {.creds = {"AKID", NULL, NULL}};
	struct http_request req;
	struct err e;
	err_clear(&e);
	prepare(&req, "GET", "https://example.amazonaws.com/");
	assert_int_equal(aws_sign_http(&req, &s, &e), -1);
	assert_int_equal(e.kind, ERR_CREDENTIALS);
	assert_null(http_request_header(&req, "Authorization"));
	http_request_release(&req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_suite_vectors),
	    cmocka_unit_test(test_file_body_hashed_like_memory),
	    cmocka_unit_test(test_unsigned_payload_and_token),
	    cmocka_unit_test(test_resign_replaces),
	    cmocka_unit_test(test_missing_credentials),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
