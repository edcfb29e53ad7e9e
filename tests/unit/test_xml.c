#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/awserr.h"
#include "aws/xml.h"

static struct xml_doc *parse(const char *s, struct err *e)
{
	err_clear(e);
	return xml_parse(s, strlen(s), e);
}

static void test_paths_namespaces_and_lists(void **state)
{
	const char *x =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<DescribeImagesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n"
		"  <requestId>req-1</requestId>\n"
		"  <imagesSet>\n"
		"    <item><imageId>ami-1</imageId><name>a &amp; b</name></item>\n"
		"    <item><imageId>ami-2</imageId><x:name xmlns:x=\"urn:x\">two</x:name></item>\n"
		"  </imagesSet>\n"
		"  <nextToken/>\n"
		"</DescribeImagesResponse>";
	struct err e;
	struct xml_doc *d = parse(x, &e);
	assert_non_null(d);
	const struct xml_node *r = xml_root(d);
	assert_string_equal(r->name, "DescribeImagesResponse");
	assert_string_equal(xml_text(r, "requestId"), "req-1");
	assert_string_equal(xml_text(r, "nextToken"), "");
	assert_null(xml_text(r, "missing"));
	assert_int_equal(xml_count(xml_find(r, "imagesSet"), "item"), 2);
	const struct xml_node *it = xml_find(r, "imagesSet/item");
	assert_string_equal(xml_text(it, "name"), "a & b");
	it = xml_next(it);
	assert_string_equal(xml_text(it, "imageId"), "ami-2");
	assert_string_equal(xml_text(it, "name"), "two");
	assert_null(xml_next(it));
	assert_string_equal(xml_text(r, "imagesSet/item/imageId"), "ami-1");
	assert_int_equal(xml_ll(r, "requestId"), 0);
	xml_free(d);
}

static void test_rejected_documents(void **state)
{
	static const char *const bad[] = {
		"",
		"   ",
		"<a><b></a>",
		"<Response><Errors><Error><Code>X</Code>", /* truncated */
		"<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
		"<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]>"
		"<lolz>&lol2;</lolz>",
		"<!DOCTYPE a SYSTEM \"http://127.0.0.1:1/x.dtd\"><a/>",
		"<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY % p SYSTEM \"file:///etc/passwd\">%p;]><a/>",
		"<a>&undefined;</a>",
		"{\"Message\":\"json, not xml\"}",
		"<html><body>502</body>", /* unclosed HTML */
		"<a/><b/>",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct err e;
		struct xml_doc *d = parse(bad[i], &e);
		assert_null(d);
		assert_int_equal(e.kind, ERR_INPUT);
	}
}

static void test_depth_and_size_limits(void **state)
{
	char *deep = malloc(XML_DEPTH_MAX * 8 + 64);
	size_t n = 0;
	for (int i = 0; i < XML_DEPTH_MAX + 1; i++)
		n += (size_t)sprintf(deep + n, "<a>");
	for (int i = 0; i < XML_DEPTH_MAX + 1; i++)
		n += (size_t)sprintf(deep + n, "</a>");
	struct err e;
	err_clear(&e);
	assert_null(xml_parse(deep, n, &e));
	assert_non_null(strstr(e.message, "deeply"));
	free(deep);
	err_clear(&e);
	assert_null(xml_parse("<a/>", XML_INPUT_MAX + 1u, &e));
	assert_int_equal(e.kind, ERR_INPUT);
}

struct errcase {
	long status;
	const char *body;
	const char *rid_header;
	const char *error_type;
	const char *ctype;
	const char *code;
	const char *rid;
	const char *msg_part;
};

static void test_error_shapes(void **state)
{
	static const struct errcase cases[] = {
		/* EC2 */
		{400,
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>"
		 "InvalidAMIID.NotFound</Code><Message>The image id '[ami-1]' does not exist"
		 "</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example"
		 "</RequestID></Response>",
		 NULL, NULL, "text/xml;charset=UTF-8", "InvalidAMIID.NotFound",
		 "ea966190-f9aa-478e-9ede-example", "does not exist"},
		/* S3 */
		{404,
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchUpload</Code>"
		 "<Message>The specified upload does not exist.</Message><UploadId>u</UploadId>"
		 "<RequestId>4442587FB7D0A2F9</RequestId><HostId>h</HostId></Error>",
		 "other", NULL, "application/xml", "NoSuchUpload", "4442587FB7D0A2F9",
		 "upload does not exist"},
		/* IAM / STS */
		{403,
		 "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>"
		 "Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::1:user/x is not "
		 "authorized</Message></Error><RequestId>iam-rid</RequestId></ErrorResponse>",
		 NULL, NULL, "text/xml", "AccessDenied", "iam-rid", "not authorized"},
		/* EBS JSON */
		{400, "{\"Message\":\"The snapshot is not pending\",\"Reason\":\"SNAPSHOT_NOT_FOUND\"}",
		 "ebs-rid", "ValidationException:http://internal.amazon.com/coral/", "application/json",
		 "ValidationException", "ebs-rid", "not pending"},
		{429, "{\"message\":\"slow down\"}", "r", "ThrottlingException", NULL,
		 "ThrottlingException", "r", "slow down"},
		/* not AWS-shaped */
		{502, "<html><head><title>502 Bad Gateway</title></head><body>x</body></html>", "r2",
		 NULL, "text/html", "", "r2", "HTML page"},
		{503, "", NULL, NULL, NULL, "", "", "empty body"},
		{500, "Internal Server Error", NULL, NULL, "text/plain", "", "", "not an AWS reply"},
		{400, "<Response><Errors><Error><Code>X", NULL, NULL, NULL, "", "",
		 "truncated or malformed"},
		{400, "{\"Foo\":1}", NULL, NULL, "application/json", "", "", "JSON that is not"},
		{400, "<Whatever><Code>X</Code></Whatever>", NULL, NULL, NULL, "", "",
		 "XML that is not"},
		{400, "", NULL, "ResourceNotFoundException", NULL, "ResourceNotFoundException", "",
		 "empty body"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct errcase *c = &cases[i];
		struct err e;
		err_clear(&e);
		err_doing(&e, "Doing %zu", i);
		assert_int_equal(awserr_from_parts(c->status, c->body, strlen(c->body), c->rid_header,
						   c->error_type, c->ctype, &e),
				 -1);
		assert_int_equal(e.kind, ERR_SERVICE);
		assert_int_equal(e.code, c->status);
		assert_string_equal(e.aws_code, c->code);
		assert_string_equal(e.request_id, c->rid);
		if (!strstr(e.message, c->msg_part))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, e.message, c->msg_part);
		char want[32];
		snprintf(want, sizeof(want), "Doing %zu", i);
		assert_string_equal(e.doing, want);
	}
}

static void test_s3_region(void **state)
{
	const char *b = "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region "
			"'us-east-1' is wrong; expecting 'eu-central-1'</Message><Region>eu-central-1"
			"</Region><RequestId>x</RequestId></Error>";
	char r[32];
	awserr_s3_region(b, strlen(b), r, sizeof(r));
	assert_string_equal(r, "eu-central-1");
	awserr_s3_region("junk", 4, r, sizeof(r));
	assert_string_equal(r, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_namespaces_and_lists),
		cmocka_unit_test(test_rejected_documents),
		cmocka_unit_test(test_depth_and_size_limits),
		cmocka_unit_test(test_error_shapes),
		cmocka_unit_test(test_s3_region),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
