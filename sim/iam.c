/* IAM (roles for VM Import) and STS (who am I, assume a role). */
#include <stdio.h>
#include <string.h>

#include "help/err.h"
#include "sim/sim.h"
#include "sim/xml.h"

static int valid_json(const char *text)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	int ok;
	if (!tok)
		return 0;
	o = json_tokener_parse_ex(tok, text, (int)strlen(text));
	ok = o && json_tokener_get_error(tok) == json_tokener_success &&
	     tok->char_offset == (int)strlen(text) && json_object_is_type(o, json_type_object);
	json_object_put(o);
	json_tokener_free(tok);
	return ok;
}

static int save(struct sim *sim, const struct sim_req *req, struct sim_resp *resp, enum store_coll c)
{
	struct err e;
	err_clear(&e);
	if (store_save(sim->store, c, &e))
		return sim_fail(req, resp, 500, req->service == SVC_IAM ? "ServiceFailure" : "InternalFailure",
				NULL, "The state could not be written: %s", e.message);
	return 0;
}

/* The policy document as IAM returns it: URL-encoded JSON. */
static void add_policy(struct dynbuf *b, const char *name, const char *doc)
{
	struct dynbuf enc;
	dyn_init(&enc, 1024 * 1024);
	query_uri_encode(&enc, doc, strlen(doc), 0);
	xml_elem(b, name, dyn_ptr(&enc));
	dyn_free(&enc);
}

static void add_role(struct dynbuf *b, struct json_object *role)
{
	char t[32];
	dyn_addstr(b, "<Role>");
	xml_elem(b, "Path", store_str(role, "path"));
	xml_elem(b, "RoleName", store_str(role, "name"));
	xml_elem(b, "RoleId", store_str(role, "id"));
	xml_elem(b, "Arn", store_str(role, "arn"));
	sim_iso_time(t, store_double(role, "created"));
	xml_elem(b, "CreateDate", t);
	add_policy(b, "AssumeRolePolicyDocument", store_str(role, "trust_policy"));
	xml_elem(b, "Description", store_str(role, "description"));
	xml_elem_int(b, "MaxSessionDuration", 3600);
	dyn_addstr(b, "</Role>");
}

static void role_id(char out[24], const char *prefix)
{
	char raw[24];
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	sim_new_id(raw, sizeof(raw), "x"); /* "x-" + 17 hex digits */
	snprintf(out, 24, "%s", prefix);
	size_t n = strlen(out);
	for (size_t i = 0; i < 17 && n + i < 23; i++)
		out[n + i] = alnum[(unsigned char)raw[2 + i] % 32];
	out[n + 17 < 23 ? n + 17 : 23] = 0;
}

static int valid_role_name(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 64 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					      "0123456789+=,.@_-") == n;
}

static struct json_object *find_role(struct sim *sim, const struct sim_req *req, struct sim_resp *resp,
				     const char *name)
{
	struct json_object *role;
	if (json_object_object_get_ex(store_coll(sim->store, COLL_ROLES), name, &role))
		return role;
	sim_fail(req, resp, 404, "NoSuchEntity", NULL, "The role with name %s cannot be found.", name);
	return NULL;
}

void iam_handle(struct sim *sim, struct sim_req *req, struct sim_resp *resp)
{
	const char *action = sim_need(req, resp, "Action");
	struct dynbuf *b = &resp->body;
	struct json_object *roles = store_coll(sim->store, COLL_ROLES);

	if (!action)
		return;
	if (strcmp(action, "CreateRole") == 0) {
		const char *name = sim_need(req, resp, "RoleName");
		const char *doc = name ? sim_need(req, resp, "AssumeRolePolicyDocument") : NULL;
		const char *path = query_get(&req->params, "Path");
		char id[24];
		struct json_object *role;
		struct dynbuf arn;
		if (!doc)
			return;
		if (!valid_role_name(name)) {
			sim_fail(req, resp, 400, "ValidationError", NULL,
				 "1 validation error detected: Value '%s' at 'roleName' failed to satisfy constraint",
				 name);
			return;
		}
		if (!valid_json(doc)) {
			sim_fail(req, resp, 400, "MalformedPolicyDocument", NULL, "Syntax errors in policy.");
			return;
		}
		if (json_object_object_get_ex(roles, name, NULL)) {
			sim_fail(req, resp, 409, "EntityAlreadyExists", NULL, "Role with name %s already exists.", name);
			return;
		}
		if (!path || !*path)
			path = "/";
		role_id(id, "AROA");
		dyn_init(&arn, 4096);
		dyn_addf(&arn, "arn:aws:iam::%s:role%s%s", sim_account(req), path, name);
		role = json_object_new_object();
		store_set_str(role, "name", name);
		store_set_str(role, "path", path);
		store_set_str(role, "id", id);
		store_set_str(role, "arn", dyn_ptr(&arn));
		store_set_str(role, "trust_policy", doc);
		store_set_str(role, "description", query_get(&req->params, "Description"));
		store_set_double(role, "created", req->now);
		json_object_object_add(role, "policies", json_object_new_object());
		json_object_object_add(roles, name, role);
		dyn_free(&arn);
		if (save(sim, req, resp, COLL_ROLES))
			return;
		sim_xml_begin(req, resp, action);
		add_role(b, role);
		sim_xml_end(req, resp, action);
	} else if (strcmp(action, "GetRole") == 0) {
		const char *name = sim_need(req, resp, "RoleName");
		struct json_object *role = name ? find_role(sim, req, resp, name) : NULL;
		if (!role)
			return;
		sim_xml_begin(req, resp, action);
		add_role(b, role);
		sim_xml_end(req, resp, action);
	} else if (strcmp(action, "PutRolePolicy") == 0 || strcmp(action, "GetRolePolicy") == 0) {
		int put = action[0] == 'P';
		const char *name = sim_need(req, resp, "RoleName");
		const char *pname = name ? sim_need(req, resp, "PolicyName") : NULL;
		const char *doc = pname && put ? sim_need(req, resp, "PolicyDocument") : NULL;
		struct json_object *role, *policies, *pol;
		if (!pname || (put && !doc))
			return;
		role = find_role(sim, req, resp, name);
		if (!role)
			return;
		json_object_object_get_ex(role, "policies", &policies);
		if (put) {
			if (!valid_json(doc)) {
				sim_fail(req, resp, 400, "MalformedPolicyDocument", NULL, "Syntax errors in policy.");
				return;
			}
			json_object_object_add(policies, pname, json_object_new_string(doc));
			if (save(sim, req, resp, COLL_ROLES))
				return;
			sim_xml_begin(req, resp, action);
			sim_xml_end(req, resp, action);
			return;
		}
		if (!json_object_object_get_ex(policies, pname, &pol)) {
			sim_fail(req, resp, 404, "NoSuchEntity", NULL,
				 "The role policy with name %s cannot be found.", pname);
			return;
		}
		sim_xml_begin(req, resp, action);
		xml_elem(b, "RoleName", name);
		xml_elem(b, "PolicyName", pname);
		add_policy(b, "PolicyDocument", json_object_get_string(pol));
		sim_xml_end(req, resp, action);
	} else {
		sim_fail(req, resp, 400, "InvalidAction", NULL, "Could not find operation %s for version %s",
			 action, query_get(&req->params, "Version") ? query_get(&req->params, "Version") : "");
	}
}

void sts_handle(struct sim *sim, struct sim_req *req, struct sim_resp *resp)
{
	const char *action = sim_need(req, resp, "Action");
	struct dynbuf *b = &resp->body;

	if (!action)
		return;
	if (strcmp(action, "GetCallerIdentity") == 0) {
		const char *kid = req->key ? req->key->id : "";
		sim_xml_begin(req, resp, action);
		dyn_addf(b, "<Arn>arn:aws:iam::%s:user/practice</Arn>", sim_account(req));
		xml_elem(b, "UserId", kid);
		xml_elem(b, "Account", sim_account(req));
		sim_xml_end(req, resp, action);
	} else if (strcmp(action, "AssumeRole") == 0) {
		const char *arn = sim_need(req, resp, "RoleArn");
		const char *session = arn ? sim_need(req, resp, "RoleSessionName") : NULL;
		const char *slash;
		struct json_object *role;
		char kid[24], secret[48], token[64], t[32], acct[16];
		if (!session)
			return;
		snprintf(acct, sizeof(acct), "%s", sim_account(req));
		slash = strrchr(arn, '/');
		if (!slash || strncmp(arn, "arn:aws:iam::", 13) != 0 ||
		    !json_object_object_get_ex(store_coll(sim->store, COLL_ROLES), slash + 1, &role) ||
		    strcmp(store_str(role, "arn") ? store_str(role, "arn") : "", arn) != 0) {
			sim_fail(req, resp, 403, "AccessDenied", NULL,
				 "User: arn:aws:iam::%s:user/practice is not authorized to perform: "
				 "sts:AssumeRole on resource: %s", sim_account(req), arn);
			return;
		}
		role_id(kid, "ASIA");
		sim_new_id(secret, sizeof(secret), "s");
		sim_new_id(token, sizeof(token), "practice-session");
		/* The temporary key signs requests like any other, for this run only. */
		if (auth_keys_add(&sim->keys, kid, secret, acct)) {
			sim_fail(req, resp, 500, "InternalFailure", NULL, "Out of memory");
			return;
		}
		req->key = NULL; /* the store moved; the old pointer is stale */
		sim_xml_begin(req, resp, action);
		dyn_addstr(b, "<Credentials>");
		xml_elem(b, "AccessKeyId", kid);
		xml_elem(b, "SecretAccessKey", secret);
		xml_elem(b, "SessionToken", token);
		sim_iso_time(t, req->now + 3600);
		xml_elem(b, "Expiration", t);
		dyn_addstr(b, "</Credentials><AssumedRoleUser>");
		dyn_addf(b, "<AssumedRoleId>%s:", store_str(role, "id"));
		xml_escape(b, session);
		dyn_addstr(b, "</AssumedRoleId>");
		dyn_addf(b, "<Arn>arn:aws:sts::%s:assumed-role/", acct);
		xml_escape(b, slash + 1);
		dyn_addc(b, '/');
		xml_escape(b, session);
		dyn_addstr(b, "</Arn></AssumedRoleUser>");
		sim_xml_end(req, resp, action);
	} else {
		sim_fail(req, resp, 400, "InvalidAction", NULL, "Could not find operation %s", action);
	}
}
