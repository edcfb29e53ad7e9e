/* sts: who am I (GetCallerIdentity) and AssumeRole (Query API 2011-06-15).
 *
 * AssumeRole's result holds secrets: release it with sts_credentials_wipe(),
 * which overwrites them.  They never enter an error record or a log.
 */
#ifndef AMIWIZ_AWS_STS_H
#define AMIWIZ_AWS_STS_H

#include "aws/query.h"

#define STS_API_VERSION "2011-06-15"

struct sts_identity {
	char request_id[AWS_REQID_MAX];
	char account[32];
	char arn[512];
	char user_id[256];
};

struct sts_get_caller_identity_req {
	int unused;
};

struct sts_assume_role_req {
	const char *role_arn;
	const char *session_name;
	long duration_seconds;   /* 0: not sent */
	const char *external_id;
};

struct sts_credentials {
	char request_id[AWS_REQID_MAX];
	char access_key_id[128];
	char secret_access_key[128];
	char session_token[4096];
	char expiration[64];
	char assumed_role_arn[512];
	char assumed_role_id[256];
};

/* Overwrite the secrets in `c` (NULL is fine). */
void sts_credentials_wipe(struct sts_credentials *c);

#define STS_CALLS(X)                                                                               \
	X(get_caller_identity, sts_get_caller_identity_req, sts_identity)                           \
	X(assume_role, sts_assume_role_req, sts_credentials)

#define X(name, req_t, res_t)                                                                      \
	int sts_##name##_start(const struct aws_endpoint *ep, const struct req_t *req,            \
			       struct res_t *res, aws_done_fn done, void *ctx, struct err *reterr); \
	int sts_##name(const struct aws_endpoint *ep, const struct req_t *req, struct res_t *res,  \
		       struct err *reterr);
STS_CALLS(X)
#undef X

#endif
