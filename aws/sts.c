#include "aws/sts.h"

#include <string.h>

#include <openssl/crypto.h>

void sts_credentials_wipe(struct sts_credentials *c)
{
	if (c)
		OPENSSL_cleanse(c, sizeof(*c));
}

static int parse_get_caller_identity(const struct xml_node *root, void *out, struct err *reterr)
{
	struct sts_identity *r = out;
	xml_copy(r->request_id, sizeof(r->request_id), root, "ResponseMetadata/RequestId");
	const struct xml_node *res = xml_find(root, "GetCallerIdentityResult");
	if (!res || !xml_text(res, "Account"))
		return err_set(reterr, ERR_INPUT, 0,
			       "the reply to GetCallerIdentity has no account");
	xml_copy(r->account, sizeof(r->account), res, "Account");
	xml_copy(r->arn, sizeof(r->arn), res, "Arn");
	xml_copy(r->user_id, sizeof(r->user_id), res, "UserId");
	return 0;
}

static int parse_assume_role(const struct xml_node *root, void *out, struct err *reterr)
{
	struct sts_credentials *r = out;
	xml_copy(r->request_id, sizeof(r->request_id), root, "ResponseMetadata/RequestId");
	const struct xml_node *c = xml_find(root, "AssumeRoleResult/Credentials");
	if (!c || !xml_text(c, "AccessKeyId") || !xml_text(c, "SecretAccessKey"))
		return err_set(reterr, ERR_INPUT, 0, "the reply to AssumeRole has no credentials");
	const char *tok = xml_text(c, "SessionToken");
	if (tok && strlen(tok) >= sizeof(r->session_token))
		return err_set(reterr, ERR_INPUT, 0,
			       "the session token from AssumeRole is too long");
	xml_copy(r->access_key_id, sizeof(r->access_key_id), c, "AccessKeyId");
	xml_copy(r->secret_access_key, sizeof(r->secret_access_key), c, "SecretAccessKey");
	xml_copy(r->session_token, sizeof(r->session_token), c, "SessionToken");
	xml_copy(r->expiration, sizeof(r->expiration), c, "Expiration");
	xml_copy(r->assumed_role_arn, sizeof(r->assumed_role_arn), root,
		 "AssumeRoleResult/AssumedRoleUser/Arn");
	xml_copy(r->assumed_role_id, sizeof(r->assumed_role_id), root,
		 "AssumeRoleResult/AssumedRoleUser/AssumedRoleId");
	return 0;
}

static int form_get_caller_identity(struct aws_form *f,
				    const struct sts_get_caller_identity_req *req,
				    struct sts_identity *res, struct err *reterr)
{
	return 0;
}

static int form_assume_role(struct aws_form *f, const struct sts_assume_role_req *req,
			    struct sts_credentials *res, struct err *reterr)
{
	if (!req->role_arn || !*req->role_arn || !req->session_name || !*req->session_name)
		return err_set(reterr, ERR_INPUT, 0,
			       "AssumeRole needs a role ARN and a session name");
	aws_form_add(f, "RoleArn", req->role_arn);
	aws_form_add(f, "RoleSessionName", req->session_name);
	if (req->duration_seconds > 0)
		aws_form_add_long(f, "DurationSeconds", req->duration_seconds);
	aws_form_add(f, "ExternalId", req->external_id);
	return 0;
}

#define A_get_caller_identity "GetCallerIdentity", "Checking who the credentials belong to"
#define A_assume_role	      "AssumeRole", "Assuming a role"
#define ACTION(a, d)	      a
#define DOING(a, d)	      d
#define CALL_ACTION(x)	      ACTION(x)
#define CALL_DOING(x)	      DOING(x)

#define X(name, req_t, res_t)                                                                      \
	QUERY_CALL_DEFINE(sts, name, req_t, res_t, CALL_ACTION(A_##name), STS_API_VERSION,         \
			  CALL_DOING(A_##name))
STS_CALLS(X)
#undef X
