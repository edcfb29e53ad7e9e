#include "aws/iam.h"

#include <string.h>

static void copy_meta(char *rid, const struct xml_node *root)
{
	xml_copy(rid, AWS_REQID_MAX, root, "ResponseMetadata/RequestId");
}

static int read_role(const struct xml_node *root, const char *result, struct iam_role *r,
		     struct err *reterr)
{
	copy_meta(r->request_id, root);
	const struct xml_node *role = xml_find(xml_find(root, result), "Role");
	if (!role)
		return err_set(reterr, ERR_INPUT, 0, "the reply to %.40s has no <Role>",
			       root->name);
	xml_copy(r->role_name, sizeof(r->role_name), role, "RoleName");
	xml_copy(r->role_id, sizeof(r->role_id), role, "RoleId");
	xml_copy(r->arn, sizeof(r->arn), role, "Arn");
	xml_copy(r->path, sizeof(r->path), role, "Path");
	xml_copy(r->create_date, sizeof(r->create_date), role, "CreateDate");
	/* IAM returns policy documents URL-encoded */
	const char *doc = xml_text(role, "AssumeRolePolicyDocument");
	if (doc) {
		struct dynbuf d;
		dyn_init(&d, sizeof(r->assume_role_policy) - 1);
		if (aws_uri_decode(&d, doc, strlen(doc)) == 0)
			aws_strlcpy(r->assume_role_policy, dyn_ptr(&d),
				    sizeof(r->assume_role_policy));
		dyn_free(&d);
	}
	return 0;
}

static int parse_get_role(const struct xml_node *root, void *out, struct err *reterr)
{
	return read_role(root, "GetRoleResult", out, reterr);
}

static int parse_create_role(const struct xml_node *root, void *out, struct err *reterr)
{
	return read_role(root, "CreateRoleResult", out, reterr);
}

static int parse_put_role_policy(const struct xml_node *root, void *out, struct err *reterr)
{
	struct iam_ok_result *r = out;
	copy_meta(r->request_id, root);
	return 0;
}

static int need(const char *v, const char *what, struct err *reterr)
{
	return v && *v ? 0 : err_set(reterr, ERR_INPUT, 0, "IAM needs %s", what);
}

static int form_get_role(struct aws_form *f, const struct iam_get_role_req *req,
			 struct iam_role *res, struct err *reterr)
{
	if (need(req->role_name, "a role name", reterr) < 0)
		return -1;
	aws_form_add(f, "RoleName", req->role_name);
	return 0;
}

static int form_create_role(struct aws_form *f, const struct iam_create_role_req *req,
			    struct iam_role *res, struct err *reterr)
{
	if (need(req->role_name, "a role name", reterr) < 0 ||
	    need(req->assume_role_policy, "a trust policy", reterr) < 0)
		return -1;
	aws_form_add(f, "RoleName", req->role_name);
	aws_form_add(f, "AssumeRolePolicyDocument", req->assume_role_policy);
	aws_form_add(f, "Description", req->description);
	aws_form_add(f, "Path", req->path);
	return 0;
}

static int form_put_role_policy(struct aws_form *f, const struct iam_put_role_policy_req *req,
				struct iam_ok_result *res, struct err *reterr)
{
	if (need(req->role_name, "a role name", reterr) < 0 ||
	    need(req->policy_name, "a policy name", reterr) < 0 ||
	    need(req->policy_document, "a policy document", reterr) < 0)
		return -1;
	aws_form_add(f, "RoleName", req->role_name);
	aws_form_add(f, "PolicyName", req->policy_name);
	aws_form_add(f, "PolicyDocument", req->policy_document);
	return 0;
}

#define A_get_role	  "GetRole", "Checking the vmimport role"
#define A_create_role	  "CreateRole", "Creating the vmimport role"
#define A_put_role_policy "PutRolePolicy", "Giving the vmimport role its permissions"
#define ACTION(a, d)	  a
#define DOING(a, d)	  d
#define CALL_ACTION(x)	  ACTION(x)
#define CALL_DOING(x)	  DOING(x)

#define X(name, req_t, res_t)                                                                      \
	QUERY_CALL_DEFINE(iam, name, req_t, res_t, CALL_ACTION(A_##name), IAM_API_VERSION,         \
			  CALL_DOING(A_##name))
IAM_CALLS(X)
#undef X

int iam_vmimport_trust_policy(struct dynbuf *out)
{
	return dyn_addstr(out, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
			       "\"Principal\":{\"Service\":\"vmie.amazonaws.com\"},"
			       "\"Action\":\"sts:AssumeRole\",\"Condition\":{\"StringEquals\":"
			       "{\"sts:Externalid\":\"vmimport\"}}}]}");
}

static bool bucket_name_ok(const char *b)
{
	size_t n = b ? strlen(b) : 0;
	if (n < 3 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') || b[i] == '-' ||
		      b[i] == '.'))
			return false;
	return true;
}

int iam_vmimport_role_policy(const char *bucket, struct dynbuf *out, struct err *reterr)
{
	if (!bucket_name_ok(bucket))
		return err_set(reterr, ERR_INPUT, 0, "\"%.80s\" is not a valid S3 bucket name",
			       bucket ? bucket : "");
	int r =
	    dyn_addf(out,
		     "{\"Version\":\"2012-10-17\",\"Statement\":["
		     "{\"Effect\":\"Allow\",\"Action\":[\"s3:GetBucketLocation\",\"s3:GetObject\","
		     "\"s3:ListBucket\"],\"Resource\":[\"arn:aws:s3:::%s\",\"arn:aws:s3:::%s/*\"]},"
		     "{\"Effect\":\"Allow\",\"Action\":[\"ec2:ModifySnapshotAttribute\","
		     "\"ec2:CopySnapshot\",\"ec2:RegisterImage\",\"ec2:Describe*\"],"
		     "\"Resource\":\"*\"}]}",
		     bucket, bucket);
	return r < 0 ? err_set(reterr, ERR_INTERNAL, 0, "the policy does not fit") : 0;
}
