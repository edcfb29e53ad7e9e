#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/sigv4.h"
#include "aws/sigv4_priv.h"

static const struct {
	const char *in;
	unsigned flags;
	const char *want;
} paths[] = {
	{"", 0, "/"},
	{"/", 0, "/"},
	{"//", 0, "/"},
	{"/a//b/", 0, "/a/b/"},
	{"/a/./b", 0, "/a/b"},
	{"/a/../b", 0, "/b"},
	{"/../../a", 0, "/a"},
	{"/a/b/..", 0, "/a"},
	{"/a/.", 0, "/a"},
	{"/a b", 0, "/a%20b"},
	{"/a%20b", 0, "/a%2520b"},   /* double encoding */
	{"/~x-_.", 0, "/~x-_."},
	{"/\xe1\x88\xb4", 0, "/%E1%88%B4"},
	{"/a//b/../c", SIGV4_F_S3_PATH, "/a//b/../c"}, /* S3: as given */
	{"/k%20ey", SIGV4_F_S3_PATH, "/k%20ey"},
	{"", SIGV4_F_S3_PATH, "/"},
};

static void test_paths(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct dynbuf d;
		dyn_init(&d, 1024);
		assert_int_equal(sigv4_canonical_path(paths[i].in, paths[i].flags, &d), 0);
		if (strcmp(dyn_ptr(&d), paths[i].want) != 0)
			fail_msg("path \"%s\": got \"%s\", want \"%s\"", paths[i].in, dyn_ptr(&d),
				 paths[i].want);
		dyn_free(&d);
	}
}

static void test_query(void **state)
{
	(void)state;
	struct sigv4_kv q[] = {{"b", "2"}, {"uploads", NULL}, {"a", "z"}, {"a", "y"},
			       {"a b", "c+d"}, {"A", ""}, {"\xe1\x88\xb4", "/"}};
	struct dynbuf d;
	dyn_init(&d, 1024);
	assert_int_equal(sigv4_canonical_query(q, 7, &d), 0);
	assert_string_equal(dyn_ptr(&d), "%E1%88%B4=%2F&A=&a=y&a=z&a%20b=c%2Bd&b=2&uploads=");
	dyn_reset(&d);
	assert_int_equal(sigv4_query_to_wire(q, 3, &d), 0);
	assert_string_equal(dyn_ptr(&d), "b=2&uploads&a=z");

	char wire[] = "X=1&uploads&a%20b=c%2Bd&&e=";
	struct sigv4_kv out[8];
	size_t n;
	struct err e;
	assert_int_equal(sigv4_query_parse(wire, out, 8, &n, &e), 0);
	assert_int_equal(n, 4);
	assert_string_equal(out[1].name, "uploads");
	assert_null(out[1].value);
	assert_string_equal(out[2].name, "a b");
	assert_string_equal(out[2].value, "c+d");
	assert_string_equal(out[3].value, "");
	char bad[] = "a=%zz";
	assert_int_equal(sigv4_query_parse(bad, out, 8, &n, &e), -1);
	char many[] = "a&b&c";
	assert_int_equal(sigv4_query_parse(many, out, 2, &n, &e), -1);
	dyn_free(&d);
}

static void test_dates(void **state)
{
	(void)state;
	char s[SIGV4_AMZ_DATE_LEN + 1];
	time_t t;
	assert_int_equal(sigv4_amz_date(1440938160, s), 0);
	assert_string_equal(s, "20150830T123600Z");
	assert_int_equal(sigv4_parse_amz_date("20150830T123600Z", &t), 0);
	assert_int_equal((long)t, 1440938160L);
	const char *bad[] = {"", "20150830T123600", "20150230T123600Z", "2015083OT123600Z",
			     "20151330T000000Z", "20150830T246000Z", "20150830X123600Z"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sigv4_parse_amz_date(bad[i], &t) == 0)
			fail_msg("\"%s\" parsed", bad[i]);
}

#define GOOD_SIG "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"

static void test_parse_authorization(void **state)
{
	(void)state;
	struct sigv4_auth a;
	struct err e;
	assert_int_equal(sigv4_parse_authorization(
				 "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
				 "SignedHeaders=host;x-amz-date, Signature=" GOOD_SIG,
				 &a, &e),
			 0);
	assert_string_equal(a.access_key_id, "AKIDEXAMPLE");
	assert_string_equal(a.date8, "20150830");
	assert_string_equal(a.region, "us-east-1");
	assert_string_equal(a.service, "service");
	assert_string_equal(a.signed_headers, "host;x-amz-date");
	/* order of the parts and spacing do not matter */
	assert_int_equal(sigv4_parse_authorization(
				 "AWS4-HMAC-SHA256   Signature=" GOOD_SIG ",SignedHeaders=host,"
				 "Credential=A/20150830/r/s/aws4_request",
				 &a, &e),
			 0);

	static const struct {
		const char *v, *part;
	} bad[] = {
		{"", "does not start"},
		{"AWS4-HMAC-SHA1 Credential=x", "does not start"},
		{"AWS4-HMAC-SHA256", "lacks Credential"},
		{"AWS4-HMAC-SHA256Credential=A/20150830/r/s/aws4_request", "does not start"},
		{"AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host", "lacks Signature"},
		{"AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, Credential=A/20150830/r/s/aws4_request", "twice"},
		{"AWS4-HMAC-SHA256 Credential=A/2015083/r/s/aws4_request", "YYYYMMDD"},
		{"AWS4-HMAC-SHA256 Credential=A/20150830/r/s", "not AKID"},
		{"AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws5_request", "aws4_request"},
		{"AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request/x", "not AKID"},
		{"AWS4-HMAC-SHA256 Credential=/20150830/r/s/aws4_request", "access key id"},
		{"AWS4-HMAC-SHA256 Credential=A/20150830//s/aws4_request", "region"},
		{"AWS4-HMAC-SHA256 Credential=A/20150830/r/s!/aws4_request", "service"},
		{"AWS4-HMAC-SHA256 SignedHeaders=x-amz-date;host", "not sorted"},
		{"AWS4-HMAC-SHA256 SignedHeaders=host;host", "not sorted"},
		{"AWS4-HMAC-SHA256 SignedHeaders=Host", "lower case"},
		{"AWS4-HMAC-SHA256 SignedHeaders=host;;x", "empty name"},
		{"AWS4-HMAC-SHA256 SignedHeaders=", "empty"},
		{"AWS4-HMAC-SHA256 Signature=abc", "64 hex"},
		{"AWS4-HMAC-SHA256 Signature=" GOOD_SIG "0", "64 hex"},
		{"AWS4-HMAC-SHA256 Signature=5FA00FA31553B73EBF1942676E86291E8372FF2A2260956D9B8AAE1D763FBF31", "64 hex"},
		{"AWS4-HMAC-SHA256 Foo=bar", "unknown part"},
		{"AWS4-HMAC-SHA256 Credential", "without \"=\""},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		if (sigv4_parse_authorization(bad[i].v, &a, &e) == 0)
			fail_msg("\"%s\" parsed", bad[i].v);
		assert_int_equal(e.kind, ERR_INPUT);
		if (!strstr(e.message, bad[i].part))
			fail_msg("\"%s\": message \"%s\" lacks \"%s\"", bad[i].v, e.message, bad[i].part);
	}
	/* an overlong access key id */
	char longv[600];
	memset(longv, 0, sizeof(longv));
	strcpy(longv, "AWS4-HMAC-SHA256 Credential=");
	memset(longv + strlen(longv), 'A', 300);
	strcat(longv, "/20150830/r/s/aws4_request");
	assert_int_equal(sigv4_parse_authorization(longv, &a, &e), -1);
	assert_int_equal(sigv4_parse_authorization(NULL, &a, &e), -1);
}

static const struct sigv4_credentials creds = {"AKIDEXAMPLE",
					       "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL};

static int lookup(void *ctx, const char *akid, const char **ret)
{
	(void)ctx;
	if (strcmp(akid, creds.access_key_id) != 0)
		return -1;
	*ret = creds.secret_access_key;
	return 0;
}

static void test_sign_errors(void **state)
{
	(void)state;
	struct sigv4_kv host[] = {{"Host", "example.amazonaws.com"}};
	struct sigv4_kv dup[] = {{"Host", "h"}, {"X-Amz-Date", "x"}};
	struct sigv4_kv badname[] = {{"Host", "h"}, {"Bad Name", "x"}};
	struct sigv4_kv amzq[] = {{"X-Amz-Signature", "x"}};
	struct sigv4_request base = {.method = "GET", .path = "/", .headers = host, .n_headers = 1,
				     .service = "ec2", .region = "us-east-1", .when = 1440938160};
	struct sigv4_signed out;
	struct err e;
	sigv4_signed_init(&out);

	struct sigv4_request r = base;
	r.n_headers = 0;
	assert_int_equal(sigv4_sign(&r, &creds, &out, &e), -1);
	assert_non_null(strstr(e.message, "Host"));

	r = base;
	r.headers = dup;
	r.n_headers = 2;
	assert_int_equal(sigv4_sign(&r, &creds, &out, &e), -1);
	assert_non_null(strstr(e.message, "X-Amz-Date"));

	r.headers = badname;
	assert_int_equal(sigv4_sign(&r, &creds, &out, &e), -1);

	r = base;
	r.region = "us/east";
	assert_int_equal(sigv4_sign(&r, &creds, &out, &e), -1);

	r = base;
	r.payload_hash = "not a hash!";
	assert_int_equal(sigv4_sign(&r, &creds, &out, &e), -1);

	r = base;
	r.form = SIGV4_FORM_QUERY;
	r.expires = 0;
	assert_int_equal(sigv4_sign(&r, &creds, &out, &e), -1);
	r.expires = 60;
	r.query = amzq;
	r.n_query = 1;
	assert_int_equal(sigv4_sign(&r, &creds, &out, &e), -1);

	struct sigv4_credentials nosecret = {"AKID", "", NULL};
	assert_int_equal(sigv4_sign(&base, &nosecret, &out, &e), -1);
	assert_int_equal(e.kind, ERR_CREDENTIALS);

	/* the good one, and the S3 defaults */
	r = base;
	r.service = "s3";
	assert_int_equal(sigv4_sign(&r, &creds, &out, &e), 0);
	assert_int_equal(out.n_add_headers, 3);
	assert_string_equal(out.add_headers[1].name, "X-Amz-Content-SHA256");
	assert_string_equal(out.add_headers[1].value, SIGV4_EMPTY_SHA256);
	assert_non_null(strstr(dyn_ptr(&out.authorization), "x-amz-content-sha256"));
	sigv4_signed_free(&out);
	sigv4_signed_free(NULL);
}

/* Sign, then verify as a server, with variations. */
static void test_verify(void **state)
{
	(void)state;
	struct sigv4_kv hdr[8] = {{"Host", "ec2.us-east-1.amazonaws.com"},
				  {"Content-Type", "application/x-www-form-urlencoded"}};
	static const char body[] = "Action=DescribeImages&Version=2016-11-15";
	struct sigv4_request r = {.method = "POST", .path = "/", .headers = hdr, .n_headers = 2,
				  .body = body, .body_len = sizeof(body) - 1, .service = "ec2",
				  .region = "us-east-1", .when = 1700000000};
	struct sigv4_signed out;
	struct sigv4_verified v;
	struct err e;
	sigv4_signed_init(&out);
	sigv4_verified_init(&v);
	assert_int_equal(sigv4_sign(&r, &creds, &out, &e), 0);

	struct sigv4_request rx = r;
	for (size_t i = 0; i < out.n_add_headers; i++)
		hdr[rx.n_headers++] = out.add_headers[i];
	rx.when = 1700000000 + 60;
	assert_int_equal(sigv4_verify(&rx, lookup, NULL, &v, &e), 0);
	assert_int_equal(v.verdict, SIGV4_VERIFY_OK);
	assert_string_equal(dyn_ptr(&v.calc.creq), dyn_ptr(&out.creq));

	/* a changed body */
	rx.body = "Action=DeleteEverything";
	rx.body_len = strlen(rx.body);
	assert_int_equal(sigv4_verify(&rx, lookup, NULL, &v, &e), 0);
	assert_int_equal(v.verdict, SIGV4_VERIFY_MISMATCH);
	assert_string_equal(sigv4_verdict_name(v.verdict), "mismatch");
	/* the right signature is not handed out on a mismatch */
	assert_int_equal(v.calc.signature[0], 0);
	rx.body = body;
	rx.body_len = sizeof(body) - 1;

	/* too late */
	rx.when = 1700000000 + 3600;
	assert_int_equal(sigv4_verify(&rx, lookup, NULL, &v, &e), 0);
	assert_int_equal(v.verdict, SIGV4_VERIFY_SKEWED);
	rx.when = 1700000000;

	/* unknown key */
	struct sigv4_credentials other = {"AKIDOTHER", "secret", NULL};
	struct sigv4_signed o2;
	sigv4_signed_init(&o2);
	assert_int_equal(sigv4_sign(&r, &other, &o2, &e), 0);
	hdr[rx.n_headers - 1] = o2.add_headers[o2.n_add_headers - 1];
	assert_int_equal(sigv4_verify(&rx, lookup, NULL, &v, &e), 0);
	assert_int_equal(v.verdict, SIGV4_VERIFY_UNKNOWN_KEY);

	/* malformed Authorization */
	hdr[rx.n_headers - 1].value = "AWS4-HMAC-SHA256 Credential=garbage";
	assert_int_equal(sigv4_verify(&rx, lookup, NULL, &v, &e), 0);
	assert_int_equal(v.verdict, SIGV4_VERIFY_MALFORMED);
	assert_int_equal(e.kind, ERR_CREDENTIALS);

	/* a signed header that is missing */
	hdr[rx.n_headers - 1] = out.add_headers[out.n_add_headers - 1];
	rx.headers = hdr + 0;
	struct sigv4_kv fewer[8];
	size_t nf = 0;
	for (size_t i = 0; i < rx.n_headers; i++)
		if (strcmp(hdr[i].name, "Content-Type") != 0)
			fewer[nf++] = hdr[i];
	struct sigv4_request rx2 = rx;
	rx2.headers = fewer;
	rx2.n_headers = nf;
	assert_int_equal(sigv4_verify(&rx2, lookup, NULL, &v, &e), 0);
	assert_int_equal(v.verdict, SIGV4_VERIFY_MALFORMED);

	/* unsigned */
	rx2.n_headers = 2;
	rx2.headers = hdr;
	assert_int_equal(sigv4_verify(&rx2, lookup, NULL, &v, &e), 0);
	assert_int_equal(v.verdict, SIGV4_VERIFY_MISSING);

	sigv4_signed_free(&o2);
	sigv4_signed_free(&out);
	sigv4_verified_free(&v);
}

static void test_verify_s3_and_presign(void **state)
{
	(void)state;
	struct sigv4_kv hdr[8] = {{"Host", "s3.eu-west-1.amazonaws.com"}};
	static const char body[] = "part data";
	struct sigv4_kv q[8] = {{"partNumber", "1"}, {"uploadId", "abc"}};
	struct sigv4_request r = {.method = "PUT", .path = "/bucket/my%20key", .query = q, .n_query = 2,
				  .headers = hdr, .n_headers = 1, .body = body,
				  .body_len = sizeof(body) - 1, .service = "s3", .region = "eu-west-1",
				  .when = 1700000000};
	struct sigv4_signed out;
	struct sigv4_verified v;
	struct err e;
	sigv4_signed_init(&out);
	sigv4_verified_init(&v);
	assert_int_equal(sigv4_sign(&r, &creds, &out, &e), 0);
	struct sigv4_request rx = r;
	for (size_t i = 0; i < out.n_add_headers; i++)
		hdr[rx.n_headers++] = out.add_headers[i];
	assert_int_equal(sigv4_verify(&rx, lookup, NULL, &v, &e), 0);
	assert_int_equal(v.verdict, SIGV4_VERIFY_OK);
	/* the body does not match x-amz-content-sha256 */
	rx.body = "other";
	rx.body_len = 5;
	assert_int_equal(sigv4_verify(&rx, lookup, NULL, &v, &e), 0);
	assert_int_equal(v.verdict, SIGV4_VERIFY_BAD_PAYLOAD);

	/* presigned GET, as a server sees it */
	struct sigv4_request p = r;
	p.method = "GET";
	p.n_headers = 1;
	p.form = SIGV4_FORM_QUERY;
	p.expires = 300;
	p.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
	p.body = NULL;
	p.body_len = 0;
	assert_int_equal(sigv4_sign(&p, &creds, &out, &e), 0);
	/* left unsaid, a presigned S3 request is signed unsigned too: the same
	 * signature, so a URL made either way verifies */
	{
		struct sigv4_signed o2;
		struct sigv4_request p2 = p;
		p2.payload_hash = NULL;
		sigv4_signed_init(&o2);
		assert_int_equal(sigv4_sign(&p2, &creds, &o2, &e), 0);
		assert_string_equal(o2.payload_hash, SIGV4_UNSIGNED_PAYLOAD);
		assert_string_equal(o2.signature, out.signature);
		sigv4_signed_free(&o2);
	}
	char *qs = strdup(dyn_ptr(&out.query));
	size_t n = 0;
	assert_int_equal(sigv4_query_parse(qs, q + 2, 6, &n, &e), 0);
	struct sigv4_request px = p;
	px.n_query = 2 + n;
	px.payload_hash = NULL;
	px.form = SIGV4_FORM_HEADER; /* the server does not know: it finds out */
	px.when = 1700000000 + 100;
	assert_int_equal(sigv4_verify(&px, lookup, NULL, &v, &e), 0);
	assert_int_equal(v.verdict, SIGV4_VERIFY_OK);
	assert_int_equal(v.form, SIGV4_FORM_QUERY);
	px.when = 1700000000 + 301;
	assert_int_equal(sigv4_verify(&px, lookup, NULL, &v, &e), 0);
	assert_int_equal(v.verdict, SIGV4_VERIFY_EXPIRED);
	free(qs);
	sigv4_signed_free(&out);
	sigv4_verified_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_parse_authorization),
		cmocka_unit_test(test_sign_errors),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_verify_s3_and_presign),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
