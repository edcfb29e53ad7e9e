/* credentials: find credentials, region, endpoints and CA bundle the way the
 * AWS CLI does, and remember where each setting came from.
 *
 * Sources, in the CLI's order of precedence:
 *   profile      the `profile` argument (like --profile), else AWS_PROFILE,
 *                else AWS_DEFAULT_PROFILE, else "default"
 *   credentials  AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
 *                unless a profile was given as an argument (as the CLI skips
 *                the environment for an explicit --profile);
 *                then the profile: role_arn (+ source_profile or
 *                credential_source = Environment) means an AssumeRole is
 *                needed; else aws_access_key_id/aws_secret_access_key
 *                (+ aws_session_token) from the credentials file, then
 *                credential_process, then the same keys in the config file
 *   region       AWS_REGION, AWS_DEFAULT_REGION, the profile's `region`
 *   endpoints    AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's
 *                `services` section ([services NAME] with "<service> =" and an
 *                indented endpoint_url), the profile's endpoint_url, then the
 *                default for the service and region; all configured ones are
 *                ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true
 *   CA bundle    AWS_CA_BUNDLE, the profile's ca_bundle
 * Files: AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials, sections
 * "[name]") and AWS_CONFIG_FILE (default ~/.aws/config, sections
 * "[profile name]" and "[default]").  A profile's settings are looked up in
 * the credentials file first, then in the config file, as botocore merges them.
 *
 * Every resolved setting carries its source in words, e.g.
 * "environment AWS_REGION" or "~/.aws/config [profile dev]", for
 * `amiwiz whoami`.
 *
 * Secrets (secret key, session token, and the source credentials of a role)
 * live only in memory owned by struct aws_config and are wiped with
 * OPENSSL_cleanse when it is freed.  No error record this module fills holds
 * a secret: every record passes through err_redact for each secret known at
 * that point, including whatever a credential_process printed.
 */
#ifndef AMIWIZ_AWS_CREDENTIALS_H
#define AMIWIZ_AWS_CREDENTIALS_H

#include <stddef.h>

#include "aws/sigv4.h"
#include "help/err.h"

#define AWS_SOURCE_MAX 192

/* The services amiwiz talks to: id, signing name, env suffix, services-
 * section key, and whether the service is global (one endpoint, signed for
 * us-east-1). */
#define AWS_SERVICES(X)                          \
	X(AWS_SVC_EC2, "ec2", "EC2", "ec2", 0)   \
	X(AWS_SVC_EBS, "ebs", "EBS", "ebs", 0)   \
	X(AWS_SVC_S3, "s3", "S3", "s3", 0)       \
	X(AWS_SVC_IAM, "iam", "IAM", "iam", 1)   \
	X(AWS_SVC_STS, "sts", "STS", "sts", 0)

enum aws_service {
#define X(id, sign, env, key, global) id,
	AWS_SERVICES(X)
#undef X
	AWS_SVC_MAX
};

/* The signing name ("ec2"); "unknown" for an out-of-range value. */
const char *aws_service_name(enum aws_service s);

/* A setting and where it came from; value NULL when unset. */
struct aws_setting {
	char *value;
	char source[AWS_SOURCE_MAX];
};

struct aws_endpoint_conf {
	char *url;                   /* "https://ec2.eu-west-1.amazonaws.com" */
	char source[AWS_SOURCE_MAX]; /* "default for ec2 in eu-west-1", ... */
	char signing_region[64];     /* the region to sign for (us-east-1 for IAM) */
};

/* Secret material.  Wiped on free. */
struct aws_secret_creds {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;          /* NULL when none */
	char *expiration;             /* credential_process Expiration, or NULL */
	char source[AWS_SOURCE_MAX];  /* "environment", "~/.aws/credentials [dev]",
					 "credential_process of [profile dev]" */
};

/* What the role profile asks for; the STS AssumeRole call is made by the
 * service layer with `source` credentials. */
struct aws_role {
	char *role_arn;
	char *role_session_name; /* NULL: the caller picks one */
	char *external_id;
	char *mfa_serial;
	long duration_seconds;   /* 0: the service default */
	char source_profile[128];/* the profile the source credentials came from,
				    or "" with credential_source Environment */
	char source[AWS_SOURCE_MAX]; /* where role_arn was found */
};

struct aws_config {
	struct aws_setting profile;
	struct aws_setting region;
	struct aws_setting ca_bundle;
	struct aws_setting config_file;      /* path used, and why */
	struct aws_setting credentials_file; /* path used, and why */

	int have_creds;             /* creds hold usable credentials */
	struct aws_secret_creds creds;

	int needs_assume_role;      /* creds are the role's source credentials */
	struct aws_role role;

	struct aws_endpoint_conf endpoint[AWS_SVC_MAX];
};

/* Where the module looks.  Everything is injectable for tests; NULL fields
 * mean the process's own (getenv, $HOME). */
struct aws_config_opts {
	const char *profile;            /* like --profile; NULL: from the environment */
	const char *const *env;         /* "NAME=value" strings, NULL-terminated;
					   NULL: the process environment */
	const char *home;               /* NULL: $HOME */
	int process_timeout_ms;         /* credential_process limit; 0: 30000 */
	size_t process_max_output;      /* its stdout limit; 0: 64 KiB */
};

void aws_config_init(struct aws_config *c);

/* Wipe every secret, release everything.  NULL ok. */
void aws_config_free(struct aws_config *c);

/* Resolve everything for `opts` (NULL: all defaults) into `c` (initialised,
 * empty).  Missing files are not errors.  Not finding any credentials is not
 * an error either (have_creds stays 0: the caller decides, e.g. practice
 * mode).  Fails with ERR_INPUT (a malformed file, a profile that does not
 * exist when one was asked for, a bad credential_process answer, a
 * source_profile loop), ERR_CHILD (credential_process failed or timed out)
 * or ERR_SYSTEM.  Runs credential_process synchronously (bounded by the
 * timeout): call it before the event loop starts. */
int aws_config_load(struct aws_config *c, const struct aws_config_opts *opts,
		    struct err *reterr);

/* The credentials as a sigv4 view (borrowed from `c`).  Fails with
 * ERR_CREDENTIALS when there are none, or when they are a role's source
 * credentials (needs_assume_role): sign STS AssumeRole with
 * aws_config_source_creds() instead. */
int aws_config_sigv4_creds(const struct aws_config *c, struct sigv4_credentials *ret,
			   struct err *reterr);

/* The credentials as they are, role source or not (borrowed). */
void aws_config_source_creds(const struct aws_config *c, struct sigv4_credentials *ret);

/* The default endpoint for a service in a region:
 *   EC2 https://ec2.REGION.amazonaws.com   EBS https://ebs.REGION.amazonaws.com
 *   S3  https://s3.REGION.amazonaws.com    STS https://sts.REGION.amazonaws.com
 *   IAM https://iam.amazonaws.com (global, signed for us-east-1)
 * (".amazonaws.com.cn" for cn-* regions; IAM there is iam.cn-north-1...).
 * Appends the URL to `out` and writes the signing region. */
int aws_default_endpoint(enum aws_service s, const char *region, struct dynbuf *out,
			 char signing_region[64]);

/* Fill an error record saying no credentials were found, with where we
 * looked; returns -1. */
int aws_config_no_creds_error(const struct aws_config *c, struct err *reterr);

#endif
