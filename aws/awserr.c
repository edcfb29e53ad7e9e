#include "aws/awserr.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "aws/awsutil.h"
#include "aws/http.h"
#include "aws/xml.h"

#define JSON_ERROR_MAX (1u << 20)

static const char *skip_space(const char *s, const char *end)
{
	while (s < end && isspace((unsigned char)*s))
		s++;
	return s;
}

static bool starts_with_ci(const char *s, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);
	return (size_t)(end - s) >= n && strncasecmp(s, prefix, n) == 0;
}

static bool looks_html(const char *body, size_t len, const char *content_type)
{
	if (content_type && strcasestr(content_type, "html"))
		return true;
	const char *s = skip_space(body, body + len), *end = body + len;
	return starts_with_ci(s, end, "<!doctype html") || starts_with_ci(s, end, "<html");
}

static int from_xml(long status, const char *body, size_t len, const char *rid, struct err *e)
{
	struct err perr;
	err_clear(&perr);
	struct xml_doc *doc = xml_parse(body, len, &perr);
	if (!doc)
		return -1;
	const struct xml_node *root = xml_root(doc), *er = NULL;
	const char *req_id = NULL;
	if (strcmp(root->name, "Response") == 0) {
		er = xml_find(root, "Errors/Error");
		req_id = xml_text(root, "RequestID");
		if (!req_id)
			req_id = xml_text(root, "RequestId");
	} else if (strcmp(root->name, "ErrorResponse") == 0) {
		er = xml_find(root, "Error");
		req_id = xml_text(root, "RequestId");
	} else if (strcmp(root->name, "Error") == 0) {
		er = root;
		req_id = xml_text(root, "RequestId");
	}
	if (!er || !xml_text(er, "Code")) {
		xml_free(doc);
		return 0;
	}
	const char *code = xml_text(er, "Code");
	const char *msg = xml_text(er, "Message");
	if (!req_id || !*req_id)
		req_id = rid;
	char doing[ERR_DOING_MAX];
	memcpy(doing, e->doing, sizeof(doing));
	err_service(e, status, code, req_id, msg && *msg ? msg : "(the service gave no message)");
	memcpy(e->doing, doing, sizeof(doing));
	xml_free(doc);
	return 1;
}

static int from_json(long status, const char *body, size_t len, const char *rid,
		     const char *error_type, struct err *e)
{
	if (len > JSON_ERROR_MAX)
		return 0;
	struct json_tokener *tok = json_tokener_new_ex(32);
	if (!tok)
		return 0;
	json_object *o = json_tokener_parse_ex(tok, body, (int)len);
	bool complete = json_tokener_get_error(tok) == json_tokener_success;
	json_tokener_free(tok);
	if (!o || !complete || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return 0;
	}
	json_object *v;
	const char *msg = NULL, *code = NULL;
	if (json_object_object_get_ex(o, "Message", &v) || json_object_object_get_ex(o, "message", &v))
		msg = json_object_get_string(v);
	if (json_object_object_get_ex(o, "__type", &v) || json_object_object_get_ex(o, "Code", &v) ||
	    json_object_object_get_ex(o, "code", &v))
		code = json_object_get_string(v);
	char codebuf[ERR_CODE_MAX];
	/* x-amzn-ErrorType: "ValidationException:http://internal.amazon.com/..." */
	const char *src = error_type && *error_type ? error_type : code;
	if (!src && !msg) {
		json_object_put(o);
		return 0;
	}
	aws_strlcpy(codebuf, src, sizeof(codebuf));
	codebuf[strcspn(codebuf, ":")] = '\0';
	char *hash = strrchr(codebuf, '#'); /* "aws.protocol#Name" */
	const char *c = hash ? hash + 1 : codebuf;
	char doing[ERR_DOING_MAX];
	memcpy(doing, e->doing, sizeof(doing));
	err_service(e, status, c, rid, msg && *msg ? msg : "(the service gave no message)");
	memcpy(e->doing, doing, sizeof(doing));
	json_object_put(o);
	return 1;
}

int awserr_from_parts(long status, const char *body, size_t len, const char *request_id,
		      const char *error_type, const char *content_type, struct err *e)
{
	struct err scratch;
	if (!e) {
		err_clear(&scratch);
		e = &scratch;
	}
	if (!body)
		len = 0;
	const char *rid = request_id ? request_id : "";
	const char *s = len ? skip_space(body, body + len) : NULL;
	if (s == body + len)
		len = 0; /* only white space: say "empty" and never read past it */
	int xml = 0;
	if (len && !looks_html(body, len, content_type)) {
		if (*s == '<' && (xml = from_xml(status, body, len, rid, e)) > 0)
			return -1;
		if (*s == '{' && from_json(status, body, len, rid, error_type, e))
			return -1;
	}
	/* Not an AWS error document: say what did come back.  A code from the
	 * header still tells us what went wrong (EBS with an empty body). */
	char code[ERR_CODE_MAX] = "";
	if (error_type) {
		aws_strlcpy(code, error_type, sizeof(code));
		code[strcspn(code, ":")] = '\0';
	}
	const char *what;
	if (!len)
		what = "an empty body";
	else if (looks_html(body, len, content_type))
		what = "an HTML page instead of an AWS reply (a proxy, captive portal or load "
		       "balancer may be in the way)";
	else if (*s == '<' && xml < 0)
		what = "XML that could not be read (truncated or malformed)";
	else if (*s == '<')
		what = "XML that is not an AWS error reply";
	else if (*s == '{')
		what = "JSON that is not an AWS error reply";
	else
		what = "a body that is not an AWS reply";
	char msg[512];
	snprintf(msg, sizeof(msg), "the endpoint answered HTTP %ld with %s", status, what);
	char doing[ERR_DOING_MAX];
	memcpy(doing, e->doing, sizeof(doing));
	err_service(e, status, code, rid, msg);
	memcpy(e->doing, doing, sizeof(doing));
	return -1;
}

int awserr_from_response(const struct http_response *resp, struct err *e)
{
	return awserr_from_parts(resp->status, dyn_ptr(&resp->body), dyn_len(&resp->body),
				 http_response_request_id(resp),
				 http_response_header(resp, "x-amzn-ErrorType"),
				 http_response_header(resp, "Content-Type"), e);
}

void awserr_s3_region(const char *body, size_t len, char *out, size_t size)
{
	out[0] = '\0';
	if (!body || !len)
		return;
	struct err perr;
	err_clear(&perr);
	struct xml_doc *doc = xml_parse(body, len, &perr);
	if (!doc)
		return;
	xml_copy(out, size, xml_root(doc), "Region");
	xml_free(doc);
}
