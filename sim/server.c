/* The HTTP side of amiwiz-sim: libmicrohttpd glue, routing by the credential
 * scope's service, signature checks, fault injection, and the error shapes of
 * each service.  Handlers run one at a time under sim->lock. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aws/awsutil.h"
#include "help/err.h"
#include "sim/sim.h"
#include "sim/xml.h"

static const char *const service_names[SVC_MAX] = {"ec2", "s3", "ebs", "sts", "iam"};

const char *sim_region(const struct sim_req *req)
{
	return req->region[0] ? req->region : "us-east-1";
}

const char *sim_account(const struct sim_req *req)
{
	return req->key ? req->key->account : AUTH_PRACTICE_ACCOUNT;
}

void sim_header(struct sim_resp *resp, const char *name, const char *fmt, ...)
{
	struct dynbuf d;
	va_list ap;
	if (resp->nhdr >= SIM_MAX_RESP_HEADERS)
		return;
	dyn_init(&d, 4096);
	va_start(ap, fmt);
	int r = dyn_vaddf(&d, fmt, ap);
	va_end(ap);
	if (r) {
		dyn_free(&d);
		return;
	}
	resp->hdr_name[resp->nhdr] = strdup(name);
	resp->hdr_value[resp->nhdr] = dyn_take(&d, NULL);
	resp->nhdr++;
}

static void random_hex(char *out, size_t ndigits)
{
	unsigned char raw[64];
	static const char hex[] = "0123456789abcdef";
	size_t nbytes = (ndigits + 1) / 2;
	if (nbytes > sizeof(raw))
		nbytes = sizeof(raw);
	if (getrandom(raw, nbytes, 0) != (ssize_t)nbytes) {
		/* getrandom on Linux does not fail for small sizes; be safe anyway */
		for (size_t i = 0; i < nbytes; i++)
			raw[i] = (unsigned char)rand();
	}
	for (size_t i = 0; i < ndigits && i / 2 < nbytes; i++)
		out[i] = hex[(i & 1) ? (raw[i / 2] & 15) : (raw[i / 2] >> 4)];
	out[ndigits] = 0;
}

void sim_new_id(char *out, size_t size, const char *prefix)
{
	char hex[18];
	random_hex(hex, 17);
	snprintf(out, size, "%s-%s", prefix, hex);
}

void sim_iso_time(char out[32], double t)
{
	time_t secs = (time_t)t;
	struct tm tm;
	int ms = (int)((t - (double)secs) * 1000.0);
	gmtime_r(&secs, &tm);
	char text[96];
	snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 ms < 0 ? 0 : ms > 999 ? 999 : ms);
	memcpy(out, text, 31);
	out[31] = 0;
}

static void new_request_id(char out[40])
{
	char h[33];
	random_hex(h, 32);
	snprintf(out, 40, "%.8s-%.4s-4%.3s-a%.3s-%.12s", h, h + 8, h + 12, h + 15, h + 18);
}

int sim_fail(const struct sim_req *req, struct sim_resp *resp, int status, const char *code,
	     const char *reason, const char *fmt, ...)
{
	struct dynbuf msg;
	va_list ap;
	struct dynbuf *b = &resp->body;

	dyn_init(&msg, 4096);
	va_start(ap, fmt);
	dyn_vaddf(&msg, fmt, ap);
	va_end(ap);
	dyn_reset(b);
	if (resp->file_fd >= 0) {
		close(resp->file_fd);
		resp->file_fd = -1;
	}
	resp->status = status;
	switch (req->service) {
	case SVC_EC2:
		resp->content_type = "text/xml;charset=UTF-8";
		dyn_addstr(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>");
		xml_elem(b, "Code", code);
		xml_elem(b, "Message", dyn_ptr(&msg));
		dyn_addstr(b, "</Error></Errors>");
		xml_elem(b, "RequestID", req->request_id);
		dyn_addstr(b, "</Response>");
		break;
	case SVC_S3:
		resp->content_type = "application/xml";
		dyn_addstr(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
		xml_elem(b, "Code", code);
		xml_elem(b, "Message", dyn_ptr(&msg));
		xml_elem(b, "Resource", req->decoded_path ? req->decoded_path : "/");
		xml_elem(b, "RequestId", req->request_id);
		dyn_addstr(b, "</Error>");
		break;
	case SVC_STS:
	case SVC_IAM:
		resp->content_type = "text/xml";
		dyn_addf(b, "<ErrorResponse xmlns=\"%s\"><Error><Type>%s</Type>",
			 req->service == SVC_STS ? "https://sts.amazonaws.com/doc/2011-06-15/"
						 : "https://iam.amazonaws.com/doc/2010-05-08/",
			 status >= 500 ? "Receiver" : "Sender");
		xml_elem(b, "Code", code);
		xml_elem(b, "Message", dyn_ptr(&msg));
		dyn_addstr(b, "</Error>");
		xml_elem(b, "RequestId", req->request_id);
		dyn_addstr(b, "</ErrorResponse>");
		break;
	case SVC_EBS:
	case SVC_MAX: {
		struct json_object *o = json_object_new_object();
		resp->content_type = "application/json";
		json_object_object_add(o, "Message", json_object_new_string(dyn_ptr(&msg)));
		if (reason)
			json_object_object_add(o, "Reason", json_object_new_string(reason));
		dyn_addstr(b, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		sim_header(resp, "x-amzn-ErrorType", "%s", code);
		break;
	}
	}
	dyn_free(&msg);
	return -1;
}

int sim_xml_begin(const struct sim_req *req, struct sim_resp *resp, const char *action)
{
	struct dynbuf *b = &resp->body;
	resp->content_type = "text/xml;charset=UTF-8";
	dyn_addstr(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	switch (req->service) {
	case SVC_STS:
	case SVC_IAM:
		return dyn_addf(b, "<%sResponse xmlns=\"%s\"><%sResult>", action,
				req->service == SVC_STS ? "https://sts.amazonaws.com/doc/2011-06-15/"
							: "https://iam.amazonaws.com/doc/2010-05-08/",
				action);
	case SVC_EC2:
	case SVC_S3:
	case SVC_EBS:
	case SVC_MAX:
		break;
	}
	dyn_addf(b, "<%sResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">", action);
	return xml_elem(b, "requestId", req->request_id);
}

int sim_xml_end(const struct sim_req *req, struct sim_resp *resp, const char *action)
{
	struct dynbuf *b = &resp->body;
	if (req->service == SVC_STS || req->service == SVC_IAM) {
		dyn_addf(b, "</%sResult><ResponseMetadata>", action);
		xml_elem(b, "RequestId", req->request_id);
		dyn_addstr(b, "</ResponseMetadata>");
	}
	return dyn_addf(b, "</%sResponse>", action);
}

/* --- per-connection state ------------------------------------------------- */

struct conn {
	struct sim_req req;
	int started;
	int answered_early; /* a reply was queued before the body arrived */
	EVP_MD_CTX *sha;
};

static void conn_free(struct conn *c)
{
	if (!c)
		return;
	free(c->req.raw_uri);
	free(c->req.raw_path);
	free(c->req.raw_query);
	for (size_t i = 0; i < c->req.nheaders; i++) {
		free((void *)(uintptr_t)c->req.headers[i].name);
		free((void *)(uintptr_t)c->req.headers[i].value);
	}
	dyn_free(&c->req.body);
	query_free(&c->req.params);
	free(c->req.decoded_path);
	EVP_MD_CTX_free(c->sha);
	free(c);
}

static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct sim *sim = cls;
	struct conn *c = calloc(1, sizeof(*c));
	const char *q;
	(void)con;
	if (!c)
		return NULL;
	c->req.raw_uri = strdup(uri ? uri : "/");
	dyn_init(&c->req.body, sim->cfg.max_body);
	c->sha = EVP_MD_CTX_new();
	if (!c->req.raw_uri || !c->sha) {
		conn_free(c);
		return NULL;
	}
	q = strchr(c->req.raw_uri, '?');
	c->req.raw_path = q ? strndup(c->req.raw_uri, (size_t)(q - c->req.raw_uri)) : strdup(c->req.raw_uri);
	c->req.raw_query = q ? strdup(q + 1) : NULL;
	EVP_DigestInit_ex(c->sha, EVP_sha256(), NULL);
	return c;
}

static void completed(void *cls, struct MHD_Connection *con, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)con;
	(void)toe;
	conn_free(*con_cls);
	*con_cls = NULL;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	struct sim_req *req = cls;
	(void)kind;
	if (req->nheaders >= SIM_MAX_HEADERS) {
		req->too_many_headers = 1;
		return MHD_YES;
	}
	req->headers[req->nheaders].name = strdup(key ? key : "");
	req->headers[req->nheaders].value = strdup(value ? value : "");
	if (!req->headers[req->nheaders].name || !req->headers[req->nheaders].value) {
		free((void *)(uintptr_t)req->headers[req->nheaders].name);
		free((void *)(uintptr_t)req->headers[req->nheaders].value);
		return MHD_YES;
	}
	req->nheaders++;
	return MHD_YES;
}

static const char *hdr(const struct sim_req *req, const char *name)
{
	return auth_header_get(req->headers, req->nheaders, name);
}

static int is_form(const struct sim_req *req)
{
	const char *ct = hdr(req, "Content-Type");
	return ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
}

static const char *const iam_actions[] = {"GetRole", "CreateRole", "PutRolePolicy", "GetRolePolicy",
					   "DeleteRole", "DeleteRolePolicy", NULL};
static const char *const sts_actions[] = {"GetCallerIdentity", "AssumeRole", NULL};

static int in_list(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* Which service a request is for: the credential scope when signed, else a
 * guess from the path and the Action, so even unsigned requests get an error
 * in the right shape. */
static void route(struct sim_req *req)
{
	struct auth_result scope;
	const char *action = query_get(&req->params, "Action");
	struct auth_request ar = {
		.method = req->method,
		.raw_path = req->raw_path,
		.raw_query = req->raw_query,
		.headers = req->headers,
		.nheaders = req->nheaders,
	};

	if (auth_scope(&ar, &scope) == 0) {
		snprintf(req->region, sizeof(req->region), "%s", scope.region);
		for (int s = 0; s < SVC_MAX; s++)
			if (strcmp(scope.service, service_names[s]) == 0) {
				req->service = (enum sim_service)s;
				return;
			}
		req->service = SVC_MAX; /* unknown service */
		return;
	}
	if (strncmp(req->raw_path, "/snapshots", 10) == 0)
		req->service = SVC_EBS;
	else if (in_list(sts_actions, action))
		req->service = SVC_STS;
	else if (in_list(iam_actions, action))
		req->service = SVC_IAM;
	else if (action || (strcmp(req->raw_path, "/") == 0 && strcmp(req->method, "POST") == 0))
		req->service = SVC_EC2;
	else
		req->service = SVC_S3;
}

static void check_auth(struct sim *sim, struct sim_req *req, struct sim_resp *resp)
{
	struct auth_request ar = {
		.method = req->method,
		.raw_path = req->raw_path,
		.raw_query = req->raw_query,
		.headers = req->headers,
		.nheaders = req->nheaders,
		.body = dyn_ptr(&req->body),
		.body_len = dyn_len(&req->body),
		.body_sha256 = req->body_sha256,
		.now = (time_t)req->now,
	};
	struct auth_result res;
	enum auth_verdict v = auth_verify(&ar, &sim->keys, &res);
	const char *code = NULL;
	int status = 403;
	enum sim_service s = req->service;

	req->key = res.key;
	switch (v) {
	case AUTH_OK:
		return;
	case AUTH_MISSING:
		code = s == SVC_S3 ? "AccessDenied" : s == SVC_EBS ? "MissingAuthenticationTokenException"
								  : "MissingAuthenticationToken";
		status = s == SVC_EC2 ? 401 : 403;
		break;
	case AUTH_MALFORMED:
		code = s == SVC_S3 ? "AuthorizationHeaderMalformed"
				   : s == SVC_EBS ? "IncompleteSignatureException" : "IncompleteSignature";
		status = s == SVC_EBS ? 403 : 400;
		break;
	case AUTH_UNKNOWN_KEY:
		code = s == SVC_S3 ? "InvalidAccessKeyId" : s == SVC_EC2 ? "AuthFailure"
						      : s == SVC_EBS ? "UnrecognizedClientException"
								     : "InvalidClientTokenId";
		status = s == SVC_EC2 ? 401 : 403;
		if (s == SVC_S3)
			snprintf(res.message, sizeof(res.message),
				 "The AWS Access Key Id you provided does not exist in our records.");
		else if (s == SVC_EC2)
			snprintf(res.message, sizeof(res.message),
				 "AWS was not able to validate the provided access credentials");
		break;
	case AUTH_EXPIRED:
		code = s == SVC_S3 ? "RequestTimeTooSkewed" : s == SVC_EC2 ? "RequestExpired"
						       : s == SVC_EBS ? "InvalidSignatureException"
								      : "SignatureDoesNotMatch";
		status = s == SVC_EC2 ? 400 : 403;
		break;
	case AUTH_PRESIGN_EXPIRED:
		/* S3 and EC2 answer an expired presigned URL in their own words */
		code = s == SVC_S3 ? "AccessDenied" : s == SVC_EC2 ? "RequestExpired"
						    : s == SVC_EBS ? "InvalidSignatureException"
								   : "ExpiredToken";
		status = s == SVC_EC2 ? 400 : 403;
		break;
	case AUTH_BAD_SIGNATURE:
		code = s == SVC_EC2 ? "AuthFailure" : s == SVC_EBS ? "InvalidSignatureException"
								   : "SignatureDoesNotMatch";
		status = s == SVC_EC2 ? 401 : 403;
		if (s == SVC_EC2)
			snprintf(res.message, sizeof(res.message),
				 "AWS was not able to validate the provided access credentials");
		break;
	case AUTH_BODY_MISMATCH:
		code = s == SVC_S3 ? "XAmzContentSHA256Mismatch" : "SignatureDoesNotMatch";
		status = 400;
		break;
	case AUTH_VERDICT_MAX:
		code = "InternalError";
		status = 500;
		break;
	}
	sim_fail(req, resp, status, code, NULL, "%s", res.message);
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Answer a complete request: everything but the transport. */
static void process(struct sim *sim, struct sim_req *req, struct sim_resp *resp)
{
	int params_bad = 0;
	struct dynbuf dp;

	req->now = now_seconds();
	new_request_id(req->request_id);
	if (req->raw_query && query_parse(&req->params, req->raw_query, strlen(req->raw_query)))
		params_bad = 1;
	if (!params_bad && strcmp(req->method, "POST") == 0 && is_form(req) &&
	    query_parse(&req->params, dyn_ptr(&req->body), dyn_len(&req->body)))
		params_bad = 1;
	dyn_init(&dp, 64 * 1024);
	if (query_decode(&dp, req->raw_path, strlen(req->raw_path), 0) == 0)
		req->decoded_path = dyn_take(&dp, NULL);
	dyn_free(&dp);
	route(req);

	if (req->service == SVC_MAX) {
		req->service = SVC_EC2;
		sim_fail(req, resp, 400, "InvalidAction", NULL,
			 "The service in the request's credential scope is not served here.");
		return;
	}
	if (req->body_too_big) {
		if (req->service == SVC_S3)
			sim_fail(req, resp, 400, "EntityTooLarge", NULL,
				 "Your proposed upload exceeds the maximum allowed size");
		else if (req->service == SVC_EBS)
			sim_fail(req, resp, 400, "ValidationException", "INVALID_PARAMETER_VALUE",
				 "The request body is too large.");
		else
			sim_fail(req, resp, 413, "RequestEntityTooLarge", NULL,
				 "The request body is larger than this endpoint accepts.");
		return;
	}
	if (req->too_many_headers) {
		sim_fail(req, resp, 400, req->service == SVC_EBS ? "ValidationException" : "InvalidRequest",
			 NULL, "The request has too many headers.");
		return;
	}
	/* Under the lock: AssumeRole adds keys to the store. */
	pthread_mutex_lock(&sim->lock);
	check_auth(sim, req, resp);
	if (resp->status)
		goto out;
	if (params_bad) {
		sim_fail(req, resp, 400, req->service == SVC_EBS ? "ValidationException" : "MalformedQueryString",
			 NULL, "The query string or form body is malformed.");
		goto out;
	}
	enum fault_kind fk = fault_decide(&sim->faults, &sim->cfg.faults);
	if (fk == FAULT_DROP) {
		resp->drop = 1;
	} else if (fk != FAULT_NONE && fk != FAULT_LOST_REPLY) {
		int status = 500;
		const char *code = fault_code(fk, service_names[req->service], &status);
		sim_fail(req, resp, status, code, NULL,
			 fk == FAULT_THROTTLE ? "Request limit exceeded." : "An internal error has occurred.");
	} else {
		switch (req->service) {
		case SVC_EC2: ec2_handle(sim, req, resp); break;
		case SVC_S3: s3_handle(sim, req, resp); break;
		case SVC_EBS: ebs_handle(sim, req, resp); break;
		case SVC_STS: sts_handle(sim, req, resp); break;
		case SVC_IAM: iam_handle(sim, req, resp); break;
		case SVC_MAX: break;
		}
		/* the case that makes duplicates: the work is done (and saved),
		 * the client never learns it */
		if (fk == FAULT_LOST_REPLY)
			resp->drop = 1;
	}
out:
	pthread_mutex_unlock(&sim->lock);
	if (!resp->status)
		resp->status = 200;
}

static enum MHD_Result send_resp(struct MHD_Connection *con, struct sim_req *req, struct sim_resp *resp)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (resp->file_fd >= 0) {
		r = MHD_create_response_from_fd_at_offset64(resp->file_size, resp->file_fd,
							    resp->file_offset);
		resp->file_fd = -1; /* MHD owns it now */
	} else {
		size_t len = 0;
		char *body = dyn_take(&resp->body, &len);
		r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
		if (!r)
			free(body);
	}
	if (!r)
		return MHD_NO;
	if (resp->content_type)
		MHD_add_response_header(r, "Content-Type", resp->content_type);
	MHD_add_response_header(r, req->service == SVC_S3 ? "x-amz-request-id" : "x-amzn-RequestId",
				req->request_id);
	for (size_t i = 0; i < resp->nhdr; i++)
		if (resp->hdr_name[i] && resp->hdr_value[i])
			MHD_add_response_header(r, resp->hdr_name[i], resp->hdr_value[i]);
	MHD_add_response_header(r, "Server", "amiwiz-sim");
	ret = MHD_queue_response(con, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

static void resp_free(struct sim_resp *resp)
{
	dyn_free(&resp->body);
	for (size_t i = 0; i < resp->nhdr; i++) {
		free(resp->hdr_name[i]);
		free(resp->hdr_value[i]);
	}
	if (resp->file_fd >= 0)
		close(resp->file_fd);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *con, const char *url,
			       const char *method, const char *version, const char *upload_data,
			       size_t *upload_data_size, void **con_cls)
{
	struct sim *sim = cls;
	struct conn *c = *con_cls;
	struct sim_resp resp;
	enum MHD_Result ret;
	(void)url;
	(void)version;

	if (!c)
		return MHD_NO;
	if (!c->started) {
		const char *cl;
		c->started = 1;
		snprintf(c->req.method, sizeof(c->req.method), "%s", method);
		MHD_get_connection_values(con, MHD_HEADER_KIND, collect_header, &c->req);
		cl = hdr(&c->req, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > sim->cfg.max_body)
			c->req.body_too_big = 1; /* answered once the (discarded) body is in */
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!c->req.body_too_big) {
			if (dyn_add(&c->req.body, upload_data, *upload_data_size))
				c->req.body_too_big = 1;
			else
				EVP_DigestUpdate(c->sha, upload_data, *upload_data_size);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	{
		unsigned char d[32];
		unsigned int dl = 32;
		EVP_DigestFinal_ex(c->sha, d, &dl);
		aws_hex(c->req.body_sha256, d, 32);
	}
	memset(&resp, 0, sizeof(resp));
	resp.file_fd = -1;
	dyn_init(&resp.body, 16 * 1024 * 1024);
	if (sim->cfg.faults.latency_ms > 0)
		usleep((useconds_t)sim->cfg.faults.latency_ms * 1000);
	process(sim, &c->req, &resp);
	if (resp.drop) {
		resp_free(&resp);
		return MHD_NO;
	}
	ret = send_resp(con, &c->req, &resp);
	resp_free(&resp);
	return ret;
}

struct MHD_Daemon *sim_server_start(struct sim *sim, int *ret_port, struct err *reterr)
{
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)sim->cfg.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
				     MHD_USE_ERROR_LOG,
			     (uint16_t)sim->cfg.port, NULL, NULL, handler, sim,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			     MHD_OPTION_URI_LOG_CALLBACK, uri_logger, sim,
			     MHD_OPTION_NOTIFY_COMPLETED, completed, sim,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
			     MHD_OPTION_END);
	if (!d) {
		err_set(reterr, ERR_SYSTEM, errno, "Cannot listen on 127.0.0.1:%d: %s", sim->cfg.port,
			strerror(errno));
		return NULL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*ret_port = info ? (int)info->port : sim->cfg.port;
	return d;
}

const char *sim_need(const struct sim_req *req, struct sim_resp *resp, const char *name)
{
	const char *v = query_get(&req->params, name);
	if (v && *v)
		return v;
	if (req->service == SVC_EC2)
		sim_fail(req, resp, 400, "MissingParameter", NULL,
			 "The request must contain the parameter %s", name);
	else
		sim_fail(req, resp, 400, "ValidationError", NULL,
			 "1 validation error detected: Value null at '%c%s' failed to satisfy "
			 "constraint: Member must not be null",
			 name[0] >= 'A' && name[0] <= 'Z' ? name[0] - 'A' + 'a' : name[0], name + 1);
	return NULL;
}

double sim_scaled(const struct sim *sim, double measured)
{
	return measured / sim->cfg.speed;
}

int sim_save(struct sim *sim, const struct sim_req *req, struct sim_resp *resp, enum store_coll c)
{
	struct err e;
	err_clear(&e);
	if (store_save(sim->store, c, &e) == 0)
		return 0;
	return sim_fail(req, resp, 500,
			req->service == SVC_EBS ? "InternalServerException"
			: req->service == SVC_STS || req->service == SVC_IAM ? "InternalFailure"
									      : "InternalError",
			NULL, "The state could not be written: %s", e.message);
}
