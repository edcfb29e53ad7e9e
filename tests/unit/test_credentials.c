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

#include "aws/credentials.h"
#include "help/help.h"
#include "aws/credentials_priv.h"
#include "help/dynbuf.h"

/* A scratch HOME with ~/.aws/{config,credentials}. */
struct home {
	char dir[64];
	char cfg[128], cred[128], aws[96];
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void home_make(struct home *h, const char *config, const char *credentials)
{
	snprintf(h->dir, sizeof(h->dir), "/tmp/amiwiz-cred-XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	snprintf(h->aws, sizeof(h->aws), "%s/.aws", h->dir);
	assert_int_equal(mkdir(h->aws, 0700), 0);
	snprintf(h->cfg, sizeof(h->cfg), "%s/config", h->aws);
	snprintf(h->cred, sizeof(h->cred), "%s/credentials", h->aws);
	if (config)
		write_file(h->cfg, config);
	if (credentials)
		write_file(h->cred, credentials);
}

static void home_rm(struct home *h)
{
	unlink(h->cfg);
	unlink(h->cred);
	rmdir(h->aws);
	rmdir(h->dir);
}

static int load(struct home *h, const char *profile, const char *const *env, struct aws_config *c,
		struct err *e)
{
	struct aws_config_opts o = {.profile = profile, .env = env, .home = h->dir,
				    .process_timeout_ms = 3000};
	aws_config_init(c);
	err_clear(e);
	return aws_config_load(c, &o, e);
}

static const char std_cred[] = "[default]\n"
			       "aws_access_key_id = AKIADEFAULT\n"
			       "aws_secret_access_key = secretDEFAULTsecret\n"
			       "[dev]\n"
			       "aws_access_key_id = AKIADEV\n"
			       "aws_secret_access_key = secretDEVsecret\n"
			       "aws_session_token = tokenDEVtoken\n";
static const char std_cfg[] = "[default]\n"
			      "region = eu-west-1\n"
			      "[profile dev]\n"
			      "region = ap-south-1\n"
			      "ca_bundle = /etc/dev-ca.pem\n"
			      "[profile cfgonly]\n"
			      "aws_access_key_id = AKIACFG\n"
			      "aws_secret_access_key = secretCFGsecret\n";

static void test_profile_and_env_precedence(void **state)
{
	(void)state;
	struct home h;
	struct aws_config c;
	struct err e;
	home_make(&h, std_cfg, std_cred);

	/* nothing set: the default profile */
	const char *none[] = {NULL};
	assert_int_equal(load(&h, NULL, none, &c, &e), 0);
	assert_string_equal(c.profile.value, "default");
	assert_string_equal(c.creds.access_key_id, "AKIADEFAULT");
	assert_string_equal(c.creds.source, "~/.aws/credentials [default]");
	assert_string_equal(c.region.value, "eu-west-1");
	assert_string_equal(c.region.source, "~/.aws/config [default]");
	assert_null(c.creds.session_token);
	aws_config_free(&c);

	/* environment credentials beat the profile's */
	const char *env1[] = {"AWS_ACCESS_KEY_ID=AKIAENV", "AWS_SECRET_ACCESS_KEY=secretENVsecret",
			      "AWS_SESSION_TOKEN=tokenENV", "AWS_REGION=us-west-2",
			      "AWS_DEFAULT_REGION=us-east-2", NULL};
	assert_int_equal(load(&h, NULL, env1, &c, &e), 0);
	assert_string_equal(c.creds.access_key_id, "AKIAENV");
	assert_string_equal(c.creds.session_token, "tokenENV");
	assert_string_equal(c.creds.source, "environment AWS_ACCESS_KEY_ID");
	assert_string_equal(c.region.value, "us-west-2");
	assert_string_equal(c.region.source, "environment AWS_REGION");
	aws_config_free(&c);

	/* AWS_PROFILE picks the profile; env keys still win (as the CLI) */
	const char *env2[] = {"AWS_PROFILE=dev", "AWS_DEFAULT_REGION=us-east-2", NULL};
	assert_int_equal(load(&h, NULL, env2, &c, &e), 0);
	assert_string_equal(c.profile.value, "dev");
	assert_string_equal(c.profile.source, "environment AWS_PROFILE");
	assert_string_equal(c.creds.access_key_id, "AKIADEV");
	assert_string_equal(c.creds.session_token, "tokenDEVtoken");
	assert_string_equal(c.region.value, "us-east-2");
	assert_string_equal(c.region.source, "environment AWS_DEFAULT_REGION");
	assert_string_equal(c.ca_bundle.value, "/etc/dev-ca.pem");
	assert_string_equal(c.ca_bundle.source, "~/.aws/config [profile dev]");
	aws_config_free(&c);

	/* an explicit profile (like --profile) skips the environment's keys */
	assert_int_equal(load(&h, "dev", env1, &c, &e), 0);
	assert_string_equal(c.creds.access_key_id, "AKIADEV");
	assert_string_equal(c.profile.source, "command line");
	aws_config_free(&c);

	/* keys in the config file count too */
	assert_int_equal(load(&h, "cfgonly", none, &c, &e), 0);
	assert_string_equal(c.creds.access_key_id, "AKIACFG");
	assert_string_equal(c.creds.source, "~/.aws/config [profile cfgonly]");
	aws_config_free(&c);

	/* a profile that does not exist */
	assert_true(load(&h, "nope", none, &c, &e) < 0);
	assert_int_equal(e.kind, ERR_INPUT);
	assert_non_null(strstr(e.message, "\"nope\""));

	/* half the env keys */
	const char *env3[] = {"AWS_ACCESS_KEY_ID=AKIAENV", NULL};
	assert_true(load(&h, NULL, env3, &c, &e) < 0);
	assert_int_equal(e.kind, ERR_CREDENTIALS);

	/* files given by the environment */
	char cfgenv[200], credenv[200];
	snprintf(cfgenv, sizeof(cfgenv), "AWS_CONFIG_FILE=%s", h.cred);   /* swapped on purpose */
	snprintf(credenv, sizeof(credenv), "AWS_SHARED_CREDENTIALS_FILE=%s/none", h.dir);
	const char *env4[] = {cfgenv, credenv, NULL};
	assert_int_equal(load(&h, NULL, env4, &c, &e), 0);
	/* the credentials file read as a config: its [default] is the profile */
	assert_string_equal(c.creds.access_key_id, "AKIADEFAULT");
	assert_string_equal(c.config_file.source, "environment AWS_CONFIG_FILE");
	assert_non_null(strstr(c.credentials_file.source, "not present"));
	aws_config_free(&c);

	/* no credentials anywhere is not an error */
	home_rm(&h);
	home_make(&h, "[default]\nregion = eu-west-3\n", NULL);
	assert_int_equal(load(&h, NULL, none, &c, &e), 0);
	assert_false(c.have_creds);
	struct sigv4_credentials sc;
	assert_int_equal(aws_config_sigv4_creds(&c, &sc, &e), -1);
	assert_int_equal(e.kind, ERR_CREDENTIALS);
	assert_int_equal(e.code, HELP_CRED_NONE); /* help_for_err's "no credentials" text */
	aws_config_free(&c);
	home_rm(&h);
}

static void test_malformed_files(void **state)
{
	(void)state;
	struct home h;
	struct aws_config c;
	struct err e;
	const char *none[] = {NULL};
	home_make(&h, "[default]\nregion = a\nregion = b\n", NULL);
	assert_true(load(&h, NULL, none, &c, &e) < 0);
	assert_int_equal(e.kind, ERR_INPUT);
	assert_non_null(strstr(e.message, "~/.aws/config line 3"));
	home_rm(&h);

	home_make(&h, NULL, "[default]\naws_access_key_id = AKIAX\n");
	assert_true(load(&h, NULL, none, &c, &e) < 0);
	assert_int_equal(e.kind, ERR_CREDENTIALS);
	home_rm(&h);

	home_make(&h, "[default]\nregion = not a region!\n", NULL);
	assert_true(load(&h, NULL, none, &c, &e) < 0);
	assert_int_equal(e.kind, ERR_INPUT);
	home_rm(&h);
}

/* credential_process: (script, what happens) */
static const struct {
	const char *name;
	const char *cmd;
	int ok;
	enum err_kind kind;
	const char *akid, *token, *msgpart;
} proc_cases[] = {
	{"good", "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", \"SecretAccessKey\": \"procSECRETproc\", \"SessionToken\": \"procTOKEN\", \"Expiration\": \"2999-01-01T00:00:00Z\"}'",
	 1, ERR_NONE, "AKIAPROC", "procTOKEN", NULL},
	{"good, escapes and extra fields", "printf '%s' '{\"Version\":1,\"Extra\":{\"a\":[1,2,{}]},\"AccessKeyId\":\"AKIA\\u0041\",\"SecretAccessKey\":\"s\\/e\\\"c\"}'",
	 1, ERR_NONE, "AKIAA", NULL, NULL},
	{"bad JSON", "echo 'AccessKeyId=AKIA; SecretAccessKey=procSECRETproc'", 0, ERR_INPUT, NULL, NULL, "not print a JSON object"},
	{"truncated JSON", "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIA'", 0, ERR_INPUT, NULL, NULL, "JSON"},
	{"wrong version", "printf '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"B\"}'", 0, ERR_INPUT, NULL, NULL, "Version"},
	{"missing secret", "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIA\"}'", 0, ERR_INPUT, NULL, NULL, "lacks"},
	{"expired", "printf '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"procSECRETproc\", \"Expiration\": \"2001-01-01T00:00:00Z\"}'", 0, ERR_CREDENTIALS, NULL, NULL, "expired"},
	{"non-zero exit", "echo 'token service unreachable' >&2; exit 3", 0, ERR_CHILD, NULL, NULL, "exited with status 3: token service unreachable"},
	{"timeout", "exec sleep 30", 0, ERR_CHILD, NULL, NULL, "did not finish within 1 seconds"},
	{"too much output", "yes AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0, ERR_CHILD, NULL, NULL, "more than"},
	{"missing program", "/nonexistent/helper", 0, ERR_CHILD, NULL, NULL, "exited with status 127"},
};

static void test_credential_process(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(proc_cases) / sizeof(proc_cases[0]); i++) {
		struct home h;
		struct aws_config c;
		struct err e;
		char cfg[1024];
		snprintf(cfg, sizeof(cfg), "[profile p]\nregion = us-east-1\ncredential_process = %s\n",
			 proc_cases[i].cmd);
		home_make(&h, cfg, NULL);
		const char *env[] = {"PATH=/usr/bin:/bin", NULL};
		struct aws_config_opts o = {.profile = "p", .env = env, .home = h.dir,
					    .process_timeout_ms = 800, .process_max_output = 4096};
		aws_config_init(&c);
		err_clear(&e);
		int r = aws_config_load(&c, &o, &e);
		if (proc_cases[i].ok != (r == 0))
			fail_msg("case %s: r=%d (%s)", proc_cases[i].name, r, e.message);
		if (r == 0) {
			assert_string_equal(c.creds.access_key_id, proc_cases[i].akid);
			if (proc_cases[i].token)
				assert_string_equal(c.creds.session_token, proc_cases[i].token);
			assert_string_equal(c.creds.source,
					    "credential_process of ~/.aws/config [profile p]");
		} else {
			if (e.kind != proc_cases[i].kind)
				fail_msg("case %s: kind %s, message %s", proc_cases[i].name,
					 err_kind_name(e.kind), e.message);
			if (!strstr(e.message, proc_cases[i].msgpart))
				fail_msg("case %s: \"%s\" lacks \"%s\"", proc_cases[i].name,
					 e.message, proc_cases[i].msgpart);
			assert_null(strstr(e.message, "procSECRETproc"));
			assert_null(strstr(e.doing, "procSECRETproc"));
		}
		aws_config_free(&c);
		home_rm(&h);
	}
}

/* A helper that prints good JSON and then fails, quoting the secret in its
 * error: the secret must not reach the error record. */
static void test_secret_never_in_errors(void **state)
{
	(void)state;
	struct home h;
	struct aws_config c;
	struct err e;
	struct dynbuf d;
	static const char secret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzzSECRET";
	char cfg[1024];
	snprintf(cfg, sizeof(cfg),
		 "[default]\ncredential_process = printf '{\"Version\": 1, \"AccessKeyId\": \"AKIA\", "
		 "\"SecretAccessKey\": \"%s\"}'; echo 'failed to cache %s' >&2; exit 1\n",
		 secret, secret);
	home_make(&h, cfg, NULL);
	const char *env[] = {NULL};
	assert_true(load(&h, NULL, env, &c, &e) < 0);
	assert_int_equal(e.kind, ERR_CHILD);
	dyn_init(&d, 4096);
	assert_int_equal(err_format(&e, &d), 0);
	assert_null(strstr(dyn_ptr(&d), secret));
	assert_null(strstr(dyn_ptr(&d), "zzSECRET"));
	assert_non_null(strstr(dyn_ptr(&d), "failed to cache ********"));
	dyn_free(&d);
	home_rm(&h);

	/* a malformed credentials file with the secret on a bad line */
	home_make(&h, NULL, "[default]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENGzzSECRET\n");
	assert_true(load(&h, NULL, env, &c, &e) < 0);
	assert_null(strstr(e.message, "zzSECRET"));
	home_rm(&h);

	/* the signer's errors never hold the secret either */
	struct sigv4_request rq = {.method = "GET", .path = "/", .service = "ec2", .region = "bad/region"};
	struct sigv4_credentials sc = {"AKIA", secret, "tok-zzSECRET"};
	struct sigv4_signed out;
	sigv4_signed_init(&out);
	err_clear(&e);
	assert_true(sigv4_sign(&rq, &sc, &out, &e) < 0);
	assert_null(strstr(e.message, "zzSECRET"));
	sigv4_signed_free(&out);
}

static void test_role(void **state)
{
	(void)state;
	struct home h;
	struct aws_config c;
	struct err e;
	const char *none[] = {NULL};
	home_make(&h,
		  "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\n"
		  "source_profile = base\nexternal_id = ext-1\nduration_seconds = 3600\n"
		  "region = eu-central-1\n"
		  "[profile envrole]\nrole_arn = arn:aws:iam::1:role/R\ncredential_source = Environment\n"
		  "[profile both]\nrole_arn = arn:aws:iam::1:role/R\ncredential_source = Environment\nsource_profile = base\n"
		  "[profile neither]\nrole_arn = arn:aws:iam::1:role/R\n"
		  "[profile chain]\nrole_arn = arn:aws:iam::1:role/C\nsource_profile = admin\n"
		  "[profile loop]\nrole_arn = arn:aws:iam::1:role/L\nsource_profile = loop\n"
		  "aws_access_key_id = AKIALOOP\naws_secret_access_key = secretLOOPsecret\n"
		  "[profile ghost]\nrole_arn = arn:aws:iam::1:role/G\nsource_profile = nobody\n",
		  "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = secretBASEsecret\n");

	assert_int_equal(load(&h, "admin", none, &c, &e), 0);
	assert_true(c.needs_assume_role);
	assert_string_equal(c.role.role_arn, "arn:aws:iam::123456789012:role/Admin");
	assert_string_equal(c.role.source_profile, "base");
	assert_string_equal(c.role.external_id, "ext-1");
	assert_int_equal(c.role.duration_seconds, 3600);
	assert_string_equal(c.role.source, "~/.aws/config [profile admin]");
	assert_string_equal(c.creds.access_key_id, "AKIABASE");
	assert_string_equal(c.creds.source, "~/.aws/credentials [base]");
	struct sigv4_credentials sc;
	assert_int_equal(aws_config_sigv4_creds(&c, &sc, &e), -1);
	assert_non_null(strstr(e.message, "AssumeRole"));
	aws_config_source_creds(&c, &sc);
	assert_string_equal(sc.access_key_id, "AKIABASE");
	aws_config_free(&c);

	const char *env[] = {"AWS_ACCESS_KEY_ID=AKIAENV", "AWS_SECRET_ACCESS_KEY=secretENV", NULL};
	assert_int_equal(load(&h, "envrole", env, &c, &e), 0);
	assert_true(c.needs_assume_role);
	assert_string_equal(c.creds.access_key_id, "AKIAENV");
	aws_config_free(&c);

	assert_int_equal(load(&h, "loop", none, &c, &e), 0);
	assert_string_equal(c.creds.access_key_id, "AKIALOOP");
	assert_true(c.needs_assume_role);
	aws_config_free(&c);

	static const struct {
		const char *profile, *part;
	} bad[] = {
		{"both", "both source_profile and credential_source"},
		{"neither", "neither source_profile nor credential_source"},
		{"chain", "chains of roles"},
		{"ghost", "source_profile nobody does not exist"},
		{"envrole", "credential_source is Environment"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(load(&h, bad[i].profile, none, &c, &e) < 0);
		if (!strstr(e.message, bad[i].part))
			fail_msg("profile %s: \"%s\" lacks \"%s\"", bad[i].profile, e.message,
				 bad[i].part);
	}
	home_rm(&h);
}

static void test_endpoints(void **state)
{
	(void)state;
	struct home h;
	struct aws_config c;
	struct err e;
	home_make(&h,
		  "[default]\nregion = eu-west-1\n"
		  "[profile local]\nregion = us-west-2\nservices = sim\nendpoint_url = http://127.0.0.1:7000\n"
		  "[services sim]\nec2 =\n  endpoint_url = http://127.0.0.1:7001\n"
		  "s3 =\n  endpoint_url = http://127.0.0.1:7003\n"
		  "[profile badurl]\nendpoint_url = ftp://x\n",
		  NULL);
	const char *none[] = {NULL};
	assert_int_equal(load(&h, NULL, none, &c, &e), 0);
	assert_string_equal(c.endpoint[AWS_SVC_EC2].url, "https://ec2.eu-west-1.amazonaws.com");
	assert_string_equal(c.endpoint[AWS_SVC_EC2].source, "default for ec2 in eu-west-1");
	assert_string_equal(c.endpoint[AWS_SVC_EBS].url, "https://ebs.eu-west-1.amazonaws.com");
	assert_string_equal(c.endpoint[AWS_SVC_S3].url, "https://s3.eu-west-1.amazonaws.com");
	assert_string_equal(c.endpoint[AWS_SVC_STS].url, "https://sts.eu-west-1.amazonaws.com");
	assert_string_equal(c.endpoint[AWS_SVC_IAM].url, "https://iam.amazonaws.com");
	assert_string_equal(c.endpoint[AWS_SVC_IAM].signing_region, "us-east-1");
	assert_string_equal(c.endpoint[AWS_SVC_EC2].signing_region, "eu-west-1");
	aws_config_free(&c);

	/* config: services section beats the profile's endpoint_url */
	assert_int_equal(load(&h, "local", none, &c, &e), 0);
	assert_string_equal(c.endpoint[AWS_SVC_EC2].url, "http://127.0.0.1:7001");
	assert_string_equal(c.endpoint[AWS_SVC_EC2].source, "~/.aws/config [services sim] ec2");
	assert_string_equal(c.endpoint[AWS_SVC_S3].url, "http://127.0.0.1:7003");
	assert_string_equal(c.endpoint[AWS_SVC_EBS].url, "http://127.0.0.1:7000");
	assert_string_equal(c.endpoint[AWS_SVC_EBS].source, "~/.aws/config [profile local] endpoint_url");
	assert_string_equal(c.endpoint[AWS_SVC_IAM].signing_region, "us-east-1");
	assert_string_equal(c.endpoint[AWS_SVC_STS].signing_region, "us-west-2");
	aws_config_free(&c);

	/* environment: per service, then global, over the files */
	const char *env[] = {"AWS_ENDPOINT_URL_EBS=http://127.0.0.1:8002",
			     "AWS_ENDPOINT_URL=http://127.0.0.1:8000", NULL};
	assert_int_equal(load(&h, "local", env, &c, &e), 0);
	assert_string_equal(c.endpoint[AWS_SVC_EBS].url, "http://127.0.0.1:8002");
	assert_string_equal(c.endpoint[AWS_SVC_EBS].source, "environment AWS_ENDPOINT_URL_EBS");
	assert_string_equal(c.endpoint[AWS_SVC_EC2].url, "http://127.0.0.1:8000");
	assert_string_equal(c.endpoint[AWS_SVC_EC2].source, "environment AWS_ENDPOINT_URL");
	aws_config_free(&c);

	/* every configured endpoint can be switched off */
	const char *env2[] = {"AWS_ENDPOINT_URL_EBS=http://127.0.0.1:8002",
			      "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true", NULL};
	assert_int_equal(load(&h, "local", env2, &c, &e), 0);
	assert_string_equal(c.endpoint[AWS_SVC_EBS].url, "https://ebs.us-west-2.amazonaws.com");
	aws_config_free(&c);

	/* a malformed override is refused, naming where it came from */
	const char *env3[] = {"AWS_ENDPOINT_URL_S3=not a url", NULL};
	assert_true(load(&h, NULL, env3, &c, &e) < 0);
	assert_non_null(strstr(e.message, "AWS_ENDPOINT_URL_S3"));
	assert_true(load(&h, "badurl", none, &c, &e) < 0);

	/* no region: regional endpoints stay unset, IAM is global */
	home_rm(&h);
	home_make(&h, NULL, NULL);
	const char *ca[] = {"AWS_CA_BUNDLE=/tmp/ca.pem", NULL};
	assert_int_equal(load(&h, NULL, ca, &c, &e), 0);
	assert_null(c.region.value);
	assert_null(c.endpoint[AWS_SVC_EC2].url);
	assert_string_equal(c.endpoint[AWS_SVC_EC2].source, "none: no region is set");
	assert_string_equal(c.endpoint[AWS_SVC_IAM].url, "https://iam.amazonaws.com");
	assert_string_equal(c.ca_bundle.value, "/tmp/ca.pem");
	assert_string_equal(c.ca_bundle.source, "environment AWS_CA_BUNDLE");
	aws_config_free(&c);
	home_rm(&h);

	/* defaults in China and GovCloud */
	struct dynbuf d;
	char sr[64];
	dyn_init(&d, 256);
	assert_int_equal(aws_default_endpoint(AWS_SVC_EC2, "cn-north-1", &d, sr), 0);
	assert_string_equal(dyn_ptr(&d), "https://ec2.cn-north-1.amazonaws.com.cn");
	dyn_reset(&d);
	assert_int_equal(aws_default_endpoint(AWS_SVC_IAM, "us-gov-west-1", &d, sr), 0);
	assert_string_equal(dyn_ptr(&d), "https://iam.us-gov.amazonaws.com");
	assert_string_equal(sr, "us-gov-west-1");
	dyn_free(&d);
	assert_string_equal(aws_service_name(AWS_SVC_EBS), "ebs");
	assert_string_equal(aws_service_name(AWS_SVC_MAX), "unknown");
}

/* Wiping: watch the bytes of every secret at the moment it is released. */
static int wiped_count, unwiped_count;

static void wipe_watch(const char *p, size_t len)
{
	int zero = 1;
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0)
			zero = 0;
	if (zero && len > 0)
		wiped_count++;
	else if (len > 0)
		unwiped_count++;
}

static void test_secrets_wiped(void **state)
{
	(void)state;
	struct home h;
	struct aws_config c;
	struct err e;
	home_make(&h, "[profile r]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = dev\nexternal_id = extID\n",
		  std_cred);
	const char *none[] = {NULL};
	assert_int_equal(load(&h, "dev", none, &c, &e), 0);
	wiped_count = unwiped_count = 0;
	aws_secret_wipe_hook = wipe_watch;
	aws_config_free(&c);
	/* key id, secret, token */
	assert_int_equal(wiped_count, 3);
	assert_int_equal(unwiped_count, 0);
	assert_null(c.creds.secret_access_key);

	assert_int_equal(load(&h, "r", none, &c, &e), 0);
	wiped_count = 0;
	aws_config_free(&c);
	assert_int_equal(wiped_count, 4); /* and the external id */
	assert_int_equal(unwiped_count, 0);

	/* credential_process output is wiped as well */
	struct jflat j;
	static const char js[] = "{\"SecretAccessKey\": \"abcd\", \"Version\": 1}";
	assert_int_equal(jflat_parse(js, sizeof(js) - 1, &j), 0);
	wiped_count = 0;
	jflat_free(&j);
	assert_int_equal(wiped_count, 2);
	aws_secret_wipe_hook = NULL;
	aws_config_free(NULL);
	home_rm(&h);
}

static void test_jflat(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int ok;
	} t[] = {
		{"{}", 1},
		{" {\"a\": \"b\"} \n", 1},
		{"{\"a\": \"\\ud83d\\ude00\"}", 1},
		{"{\"a\": \"\\ud83d\"}", 0},
		{"{\"a\": \"\\u0000\"}", 0},
		{"{\"a\": 1e5, \"b\": true, \"c\": null, \"d\": [1, {\"x\": []}]}", 1},
		{"{\"a\": 1,}", 0},
		{"{\"a\" 1}", 0},
		{"[1]", 0},
		{"{\"a\": \"b\"} trailing", 0},
		{"{\"a\": \"tab\there\"}", 0},
		{"{\"a\": 0x12}", 0},
		{"{\"a\": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", 0},
		{"", 0},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct jflat j;
		int r = jflat_parse(t[i].text, strlen(t[i].text), &j);
		if ((r == 0) != t[i].ok)
			fail_msg("case %zu \"%s\": r=%d", i, t[i].text, r);
		jflat_free(&j);
	}
	struct jflat j;
	static const char u[] = "{\"k\": \"\\u00e9\\ud83d\\ude00\"}";
	assert_int_equal(jflat_parse(u, sizeof(u) - 1, &j), 0);
	assert_string_equal(j.val[0], "\xc3\xa9\xf0\x9f\x98\x80");
	jflat_free(&j);

	time_t tt;
	assert_int_equal(aws_parse_iso8601("2015-08-30T12:36:00Z", &tt), 0);
	assert_int_equal((long)tt, 1440938160L);
	assert_int_equal(aws_parse_iso8601("2015-08-30T12:36:00.123+00:00", &tt), 0);
	assert_int_equal(aws_parse_iso8601("2015-08-30T12:36:00+02:00", &tt), -1);
	assert_int_equal(aws_parse_iso8601("yesterday", &tt), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_and_env_precedence),
		cmocka_unit_test(test_malformed_files),
		cmocka_unit_test(test_credential_process),
		cmocka_unit_test(test_secret_never_in_errors),
		cmocka_unit_test(test_role),
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_secrets_wiped),
		cmocka_unit_test(test_jflat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
