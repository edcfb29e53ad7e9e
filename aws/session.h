/* session: everything a command needs to talk to AWS, opened in one call.
 *
 * aws_session_open() resolves the configuration the way the AWS CLI does
 * (aws/credentials.h), creates the event loop and the HTTP client (CA bundle
 * from the configuration, one log line per attempt to the caller's FILE *),
 * the signer, and one endpoint per service (EC2, EBS, IAM, STS as
 * struct aws_endpoint; S3 as struct s3_client), each at the URL the
 * configuration names: AWS_ENDPOINT_URL(_<SVC>), the profile's endpoint_url
 * or services section, else AWS's own for the region.
 *
 * For a role profile (role_arn with source_profile or credential_source) it
 * first calls STS AssumeRole signed with the source credentials, then signs
 * everything with the temporary credentials it got.  Those live in the
 * session and are overwritten when it is closed; no error record or log line
 * this module produces holds a secret.
 *
 * A session belongs to one thread.  Its loop is the session's own: commands
 * call the synchronous service functions (ec2_describe_regions ...), which
 * drive it.
 */
#ifndef AMIWIZ_AWS_SESSION_H
#define AMIWIZ_AWS_SESSION_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "aws/credentials.h"
#include "aws/http.h"
#include "aws/query.h"
#include "aws/s3.h"
#include "aws/sign.h"
#include "aws/sts.h"
#include "help/err.h"

struct loop;

struct aws_session_opts {
	const struct aws_config_opts *config; /* NULL: the process's environment */
	FILE *log;                  /* one line per HTTP attempt; NULL: no log.
				       Never stdout in a command: pass a log file
				       or stderr. */
	const char *session_name;   /* AssumeRole's RoleSessionName when the
				       profile names none; NULL: "amiwiz-<pid>" */
	int max_attempts;           /* per call; 0: the transport's default */
	long backoff_base_ms;       /* 0: the transport's default */
	long deadline_ms;           /* per logical call; 0: 300 s */
};

struct aws_session {
	struct aws_config config;    /* what was resolved, with sources */
	struct loop *loop;           /* owned */
	struct http_client *http;    /* owned */
	struct aws_signer signer;    /* signs every call below */

	bool assumed_role;           /* signer holds AssumeRole credentials */
	struct sts_credentials *role_creds; /* those credentials (wiped on close) */
	char creds_source[AWS_SOURCE_MAX + 600]; /* where the signing keys came from */

	struct aws_endpoint ec2, ebs, iam, sts;
	struct s3_client s3;
};

/* Open a session.  Fails (NULL, reterr filled) with:
 *   ERR_CREDENTIALS  no credentials anywhere (code HELP_CRED_NONE), a role
 *                    profile that needs MFA, or AssumeRole refused
 *                    (the service's code, e.g. AccessDenied, is kept)
 *   ERR_INPUT        a malformed configuration; no region and no endpoint
 *                    for a service
 *   ERR_NETWORK, ERR_SERVICE  the AssumeRole call failed
 *   ERR_CHILD, ERR_SYSTEM     as aws_config_load()
 * The record never holds a secret. */
struct aws_session *aws_session_open(const struct aws_session_opts *opts, struct err *reterr);

/* Free everything, overwriting every secret.  NULL is fine.  Returns NULL. */
struct aws_session *aws_session_close(struct aws_session *s);

/* The endpoint of a service other than S3 (NULL for AWS_SVC_S3). */
const struct aws_endpoint *aws_session_endpoint(const struct aws_session *s,
						 enum aws_service svc);

/* When the signing credentials expire ("2024-05-01T12:00:00Z"), or NULL when
 * they are long-term keys. */
const char *aws_session_expiration(const struct aws_session *s);

/* Whether the signing credentials carry a session token. */
bool aws_session_has_token(const struct aws_session *s);

#endif
