/* aws/session without a server: which endpoints a configuration yields, how
 * a missing credential, region or MFA is reported, and that a failed
 * AssumeRole leaves no secret in the error record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/session.h"
#include "aws/session_priv.h"
#include "help/help.h"

#define SECRET "sessionTESTsecretDoNotLeak0123456789abcd"

struct home {
	char dir[64];
};

static void home_make(struct home *h, const char *config)
{
	snprintf(h->dir, sizeof(h->dir), "/tmp/amiwiz-session-XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	char p[128];
	snprintf(p, sizeof(p), "%s/.aws", h->dir);
	assert_int_equal(mkdir(p, 0700), 0);
	if (config) {
		snprintf(p, sizeof(p), "%s/.aws/config", h->dir);
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fputs(config, f);
		fclose(f);
	}
}

static void home_rm(struct home *h)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->dir);
	assert_int_equal(system(cmd), 0);
}

static struct aws_session *open_with(struct home *h, const char *const *env, const char *profile,
				     struct err *e)
{
	struct aws_config_opts co = {.env = env, .home = h->dir, .profile = profile};
	struct aws_session_opts so = {.config = &co, .max_attempts = 1};
	err_clear(e);
	return aws_session_open(&so, e);
}

static void test_url_is_default(void **state)
{
	(void)state;
	static const struct {
		enum aws_service svc;
		const char *region, *url;
		bool is_default;
	} t[] = {
	    {AWS_SVC_EC2, "eu-west-1", "https://ec2.eu-west-1.amazonaws.com", true},
	    {AWS_SVC_EC2, "eu-west-1", "https://ec2.eu-west-2.amazonaws.com", false},
	    {AWS_SVC_S3, "us-east-1", "https://s3.us-east-1.amazonaws.com", true},
	    {AWS_SVC_S3, "us-east-1", "http://127.0.0.1:9000", false},
	    {AWS_SVC_IAM, NULL, "https://iam.amazonaws.com", true},
	    {AWS_SVC_STS, NULL, "https://sts.us-east-1.amazonaws.com", false},
	    {AWS_SVC_EC2, "cn-north-1", "https://ec2.cn-north-1.amazonaws.com.cn", true},
	    {AWS_SVC_EC2, "eu-west-1", NULL, false},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(session_url_is_default(t[i].svc, t[i].region, t[i].url),
				 t[i].is_default);
}

static void test_no_credentials(void **state)
{
	(void)state;
	struct home h;
	struct err e;
	home_make(&h, "[default]\nregion = eu-west-1\n");
	const char *env[] = {NULL};
	assert_null(open_with(&h, env, NULL, &e));
	assert_int_equal(e.kind, ERR_CREDENTIALS);
	assert_int_equal(e.code, HELP_CRED_NONE);
	struct help_text t;
	assert_int_equal(help_for_err(&e, &t), 0);
	assert_string_equal(t.key, "local:credentials-none");
	help_text_free(&t);
	home_rm(&h);
}

static void test_no_region(void **state)
{
	(void)state;
	struct home h;
	struct err e;
	home_make(&h, NULL);
	const char *env[] = {"AWS_ACCESS_KEY_ID=AKIATEST", "AWS_SECRET_ACCESS_KEY=" SECRET, NULL};
	assert_null(open_with(&h, env, NULL, &e));
	assert_int_equal(e.kind, ERR_INPUT);
	assert_non_null(strstr(e.message, "AWS_REGION"));

	/* with an endpoint for everything, no region is needed: us-east-1 signs */
	const char *env2[] = {"AWS_ACCESS_KEY_ID=AKIATEST", "AWS_SECRET_ACCESS_KEY=" SECRET,
			      "AWS_ENDPOINT_URL=http://127.0.0.1:1", NULL};
	struct aws_session *s = open_with(&h, env2, NULL, &e);
	assert_non_null(s);
	assert_string_equal(s->ec2.region, "us-east-1");
	aws_session_close(s);
	home_rm(&h);
}

static void test_endpoints(void **state)
{
	(void)state;
	struct home h;
	struct err e;
	home_make(&h, "[default]\nregion = eu-west-1\n"
		      "[profile sim]\nregion = eu-west-3\nservices = local\n"
		      "[services local]\nec2 =\n  endpoint_url = http://127.0.0.1:4001\n"
		      "s3 =\n  endpoint_url = http://127.0.0.1:4002\n");

	/* AWS's own endpoints */
	const char *env[] = {"AWS_ACCESS_KEY_ID=AKIATEST", "AWS_SECRET_ACCESS_KEY=" SECRET, NULL};
	struct aws_session *s = open_with(&h, env, NULL, &e);
	assert_non_null(s);
	assert_string_equal(s->ec2.url, "https://ec2.eu-west-1.amazonaws.com/");
	assert_false(s->ec2.custom);
	assert_string_equal(s->iam.url, "https://iam.amazonaws.com/");
	assert_string_equal(s->iam.region, "us-east-1");
	assert_string_equal(s->sts.region, "eu-west-1");
	assert_false(s->s3.path_style);
	assert_string_equal(s->s3.region, "eu-west-1");
	assert_ptr_equal(s->ec2.sign, aws_sign_http);
	assert_ptr_equal(s->s3.sign_ctx, &s->signer);
	assert_string_equal(s->signer.creds.access_key_id, "AKIATEST");
	assert_false(aws_session_has_token(s));
	assert_null(aws_session_expiration(s));
	assert_false(s->assumed_role);
	assert_string_equal(s->creds_source, s->config.creds.source);
	aws_session_close(s);

	/* one service from the environment, the rest AWS's */
	const char *env2[] = {"AWS_ACCESS_KEY_ID=AKIATEST", "AWS_SECRET_ACCESS_KEY=" SECRET,
			      "AWS_SESSION_TOKEN=tokenTESTtoken",
			      "AWS_ENDPOINT_URL_STS=http://127.0.0.1:4000", NULL};
	s = open_with(&h, env2, NULL, &e);
	assert_non_null(s);
	assert_string_equal(s->sts.url, "http://127.0.0.1:4000/");
	assert_true(s->sts.custom);
	assert_string_equal(s->sts.region, "eu-west-1");
	assert_false(s->ec2.custom);
	assert_true(aws_session_has_token(s));
	aws_session_close(s);

	/* a profile's services section */
	const char *env3[] = {"AWS_ACCESS_KEY_ID=AKIATEST", "AWS_SECRET_ACCESS_KEY=" SECRET,
			      "AWS_PROFILE=sim", NULL};
	s = open_with(&h, env3, NULL, &e);
	assert_non_null(s);
	assert_string_equal(s->ec2.url, "http://127.0.0.1:4001/");
	assert_string_equal(s->ec2.region, "eu-west-3");
	assert_true(s->s3.path_style);
	assert_string_equal(s->s3.endpoint, "http://127.0.0.1:4002/");
	assert_string_equal(s->ebs.url, "https://ebs.eu-west-3.amazonaws.com/");
	assert_ptr_equal(aws_session_endpoint(s, AWS_SVC_IAM), &s->iam);
	assert_null(aws_session_endpoint(s, AWS_SVC_S3));
	aws_session_close(s);

	/* a remote plain-http endpoint is refused, and says where it came from */
	const char *env4[] = {"AWS_ACCESS_KEY_ID=AKIATEST", "AWS_SECRET_ACCESS_KEY=" SECRET,
			      "AWS_ENDPOINT_URL_EC2=http://example.com", NULL};
	assert_null(open_with(&h, env4, NULL, &e));
	assert_int_equal(e.kind, ERR_INPUT);
	assert_non_null(strstr(e.doing, "AWS_ENDPOINT_URL_EC2"));
	home_rm(&h);
}

static void test_role(void **state)
{
	(void)state;
	struct home h;
	struct err e;
	home_make(&h, "[profile base]\nregion = us-east-1\naws_access_key_id = AKIABASE\n"
		      "aws_secret_access_key = " SECRET "\n"
		      "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
		      "source_profile = base\nregion = us-east-1\n"
		      "[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
		      "source_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/u\n");
	/* STS on a port nobody listens on: the AssumeRole fails, cleanly */
	const char *env[] = {"AWS_ENDPOINT_URL=http://127.0.0.1:1", NULL};
	assert_null(open_with(&h, env, "role", &e));
	assert_int_equal(e.kind, ERR_NETWORK);
	assert_non_null(strstr(e.doing, "arn:aws:iam::123456789012:role/r"));
	struct dynbuf d;
	dyn_init(&d, 8192);
	assert_int_equal(err_format(&e, &d), 0);
	assert_null(strstr(dyn_ptr(&d), SECRET));
	dyn_free(&d);

	assert_null(open_with(&h, env, "mfa", &e));
	assert_int_equal(e.kind, ERR_CREDENTIALS);
	assert_non_null(strstr(e.message, "MFA"));
	home_rm(&h);
	assert_null(aws_session_close(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url_is_default), cmocka_unit_test(test_no_credentials),
	    cmocka_unit_test(test_no_region),      cmocka_unit_test(test_endpoints),
	    cmocka_unit_test(test_role),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
