/* IAM and STS calls against the canned server: forms, replies, the vmimport
 * policy documents, and secrets kept out of error records and logs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/iam.h"
#include "aws/sts.h"
#include "help/loop.h"
#include "tests/unit/canned.h"

static struct canned srv;
static struct loop *lp;
static struct http_client *http;
static struct aws_endpoint iam, sts;
static char *logbuf;
static size_t loglen;
static FILE *logf_;

static int setup_all(void **state)
{
	struct err e;
	err_clear(&e);
	logf_ = open_memstream(&logbuf, &loglen);
	if (canned_client_start(&srv, &lp, &http, logf_) < 0)
		return -1;
	if (aws_endpoint_init(&iam, http, "iam", "eu-west-1", srv.base, &e) < 0)
		return -1;
	return aws_endpoint_init(&sts, http, "sts", "eu-west-1", srv.base, &e);
}

static int teardown_all(void **state)
{
	canned_client_stop(&srv, lp, http);
	fclose(logf_);
	free(logbuf);
	return 0;
}

static int setup(void **state)
{
	return canned_reset(&srv);
}

static void push_body(int status, const char *body)
{
	json_object *list = json_object_new_array(), *r = json_object_new_object();
	json_object_object_add(r, "status", json_object_new_int(status));
	json_object_object_add(r, "body", json_object_new_string(body));
	json_object_array_add(list, r);
	assert_int_equal(canned_push(&srv, json_object_to_json_string(list)), 0);
	json_object_put(list);
}

static const char *last_body(json_object **log)
{
	*log = canned_log(&srv);
	size_t n = json_object_array_length(*log);
	return canned_field(*log, n - 1, "body");
}

static void test_role_lifecycle(void **state)
{
	push_body(404, "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>"
		       "<Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name "
		       "vmimport cannot be found.</Message></Error><RequestId>r-404</RequestId>"
		       "</ErrorResponse>");
	struct iam_get_role_req g = {.role_name = "vmimport"};
	struct iam_role role;
	struct err e;
	err_clear(&e);
	assert_int_equal(iam_get_role(&iam, &g, &role, &e), -1);
	assert_string_equal(e.aws_code, "NoSuchEntity");
	assert_string_equal(e.request_id, "r-404");
	assert_int_equal(e.code, 404);

	struct dynbuf trust;
	dyn_init(&trust, 4096);
	assert_int_equal(iam_vmimport_trust_policy(&trust), 0);
	json_object *tj = json_tokener_parse(dyn_ptr(&trust));
	assert_non_null(tj); /* valid JSON */
	json_object_put(tj);
	assert_non_null(strstr(dyn_ptr(&trust), "\"vmie.amazonaws.com\""));
	assert_non_null(strstr(dyn_ptr(&trust), "\"sts:Externalid\":\"vmimport\""));
	push_body(200, "<CreateRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
		       "<CreateRoleResult><Role><Path>/</Path><AssumeRolePolicyDocument>"
		       "%7B%22Version%22%3A%222012-10-17%22%7D</AssumeRolePolicyDocument><RoleId>"
		       "AROAEXAMPLE</RoleId><RoleName>vmimport</RoleName><Arn>arn:aws:iam::"
		       "123456789012:role/vmimport</Arn><CreateDate>2024-01-01T00:00:00Z"
		       "</CreateDate></Role></CreateRoleResult><ResponseMetadata><RequestId>r-c"
		       "</RequestId></ResponseMetadata></CreateRoleResponse>");
	struct iam_create_role_req c = {.role_name = "vmimport",
					.assume_role_policy = dyn_ptr(&trust)};
	assert_int_equal(iam_create_role(&iam, &c, &role, &e), 0);
	assert_string_equal(role.arn, "arn:aws:iam::123456789012:role/vmimport");
	assert_string_equal(role.role_id, "AROAEXAMPLE");
	assert_string_equal(role.assume_role_policy, "{\"Version\":\"2012-10-17\"}");
	assert_string_equal(role.request_id, "r-c");
	json_object *log;
	const char *body = last_body(&log);
	assert_non_null(strstr(body, "Action=CreateRole&Version=2010-05-08&RoleName=vmimport&"
				     "AssumeRolePolicyDocument=%7B%22Version%22%3A%222012-10-17%22"));
	json_object_put(log);

	struct dynbuf pol;
	dyn_init(&pol, 8192);
	assert_int_equal(iam_vmimport_role_policy("my-import-bucket", &pol, &e), 0);
	json_object *pj = json_tokener_parse(dyn_ptr(&pol));
	assert_non_null(pj);
	json_object_put(pj);
	assert_non_null(strstr(dyn_ptr(&pol), "\"arn:aws:s3:::my-import-bucket/*\""));
	assert_non_null(strstr(dyn_ptr(&pol), "\"ec2:RegisterImage\""));
	assert_int_equal(iam_vmimport_role_policy("Bad\"Bucket", &pol, &e), -1);
	push_body(200, "<PutRolePolicyResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
		       "<ResponseMetadata><RequestId>r-p</RequestId></ResponseMetadata>"
		       "</PutRolePolicyResponse>");
	struct iam_put_role_policy_req p = {.role_name = "vmimport", .policy_name = "vmimport",
					    .policy_document = dyn_ptr(&pol)};
	struct iam_ok_result ok;
	assert_int_equal(iam_put_role_policy(&iam, &p, &ok, &e), 0);
	assert_string_equal(ok.request_id, "r-p");
	body = last_body(&log);
	assert_non_null(strstr(body, "Action=PutRolePolicy&Version=2010-05-08&RoleName=vmimport&"
				     "PolicyName=vmimport&PolicyDocument=%7B"));
	json_object_put(log);
	dyn_free(&trust);
	dyn_free(&pol);
}

static void test_sts(void **state)
{
	push_body(200, "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/"
		       "\"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/Alice</Arn>"
		       "<UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>"
		       "</GetCallerIdentityResult><ResponseMetadata><RequestId>r-w</RequestId>"
		       "</ResponseMetadata></GetCallerIdentityResponse>");
	struct sts_get_caller_identity_req w = {0};
	struct sts_identity id;
	struct err e;
	err_clear(&e);
	assert_int_equal(sts_get_caller_identity(&sts, &w, &id, &e), 0);
	assert_string_equal(id.account, "123456789012");
	assert_string_equal(id.arn, "arn:aws:iam::123456789012:user/Alice");
	json_object *log;
	assert_string_equal(last_body(&log), "Action=GetCallerIdentity&Version=2011-06-15");
	json_object_put(log);

	push_body(200, "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAEXAMPLE"
		       "</AccessKeyId><SecretAccessKey>SECRETwJalrXUtnFEMI</SecretAccessKey>"
		       "<SessionToken>TOKENsessionAQoDYXdz</SessionToken><Expiration>"
		       "2030-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>"
		       "arn:aws:sts::123456789012:assumed-role/r/s</Arn><AssumedRoleId>AROA:s"
		       "</AssumedRoleId></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>");
	struct sts_assume_role_req a = {.role_arn = "arn:aws:iam::123456789012:role/r",
					.session_name = "amiwiz", .duration_seconds = 900};
	struct sts_credentials cr;
	assert_int_equal(sts_assume_role(&sts, &a, &cr, &e), 0);
	assert_string_equal(cr.access_key_id, "ASIAEXAMPLE");
	assert_string_equal(cr.secret_access_key, "SECRETwJalrXUtnFEMI");
	assert_string_equal(cr.session_token, "TOKENsessionAQoDYXdz");
	assert_string_equal(cr.assumed_role_id, "AROA:s");
	assert_string_equal(last_body(&log),
			    "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
			    "123456789012%3Arole%2Fr&RoleSessionName=amiwiz&DurationSeconds=900");
	json_object_put(log);
	sts_credentials_wipe(&cr);
	assert_string_equal(cr.secret_access_key, "");
	fflush(logf_);
	assert_null(strstr(logbuf, "SECRET"));
	assert_null(strstr(logbuf, "TOKEN"));
	assert_non_null(strstr(logbuf, "AssumeRole POST status=200"));

	/* a reply without credentials is an error, not empty credentials */
	push_body(200, "<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>");
	assert_int_equal(sts_assume_role(&sts, &a, &cr, &e), -1);
	assert_int_equal(e.kind, ERR_INPUT);
	sts_credentials_wipe(&cr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_role_lifecycle, setup),
		cmocka_unit_test_setup(test_sts, setup),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
