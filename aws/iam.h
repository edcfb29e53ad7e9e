/* iam: the IAM calls for the `vmimport` service role VM Import needs
 * (Query API 2010-05-08): GetRole, CreateRole, PutRolePolicy, and the two
 * policy documents AWS prescribes for that role.
 *
 * Calls come as _start (async) and plain (drives the loop), like ec2.h.
 */
#ifndef AMIWIZ_AWS_IAM_H
#define AMIWIZ_AWS_IAM_H

#include "aws/query.h"

#define IAM_API_VERSION "2010-05-08"

struct iam_role {
	char request_id[AWS_REQID_MAX];
	char role_name[128];
	char role_id[128];
	char arn[512];
	char path[512];
	char create_date[64];
	char assume_role_policy[4096]; /* URL-decoded JSON */
};

struct iam_get_role_req {
	const char *role_name;
};

struct iam_create_role_req {
	const char *role_name;
	const char *assume_role_policy; /* JSON */
	const char *description;
	const char *path;
};

struct iam_put_role_policy_req {
	const char *role_name;
	const char *policy_name;
	const char *policy_document;    /* JSON */
};

struct iam_ok_result {
	char request_id[AWS_REQID_MAX];
};

#define IAM_CALLS(X)                                                                               \
	X(get_role, iam_get_role_req, iam_role)                                                     \
	X(create_role, iam_create_role_req, iam_role)                                               \
	X(put_role_policy, iam_put_role_policy_req, iam_ok_result)

#define X(name, req_t, res_t)                                                                      \
	int iam_##name##_start(const struct aws_endpoint *ep, const struct req_t *req,            \
			       struct res_t *res, aws_done_fn done, void *ctx, struct err *reterr); \
	int iam_##name(const struct aws_endpoint *ep, const struct req_t *req, struct res_t *res,  \
		       struct err *reterr);
IAM_CALLS(X)
#undef X

/* The trust policy of the vmimport role: vmie.amazonaws.com may assume it with
 * the external id "vmimport".  Appends to out; dyn_add's code. */
int iam_vmimport_trust_policy(struct dynbuf *out);

/* The role policy: read (GetBucketLocation, GetObject, ListBucket) on the
 * import bucket and its objects, and the EC2 actions VM Import performs.
 * The bucket name must be a valid S3 bucket name.  0, or -1 with reterr. */
int iam_vmimport_role_policy(const char *bucket, struct dynbuf *out, struct err *reterr);

#endif
