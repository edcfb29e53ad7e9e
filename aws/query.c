#include "aws/query.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awserr.h"
#include "help/loop.h"

int aws_endpoint_init(struct aws_endpoint *ep, struct http_client *http, const char *service,
		      const char *region, const char *url, struct err *reterr)
{
	memset(ep, 0, sizeof(*ep));
	ep->http = http;
	if (!service || !*service || strlen(service) >= sizeof(ep->service))
		return err_set(reterr, ERR_INTERNAL, 0, "bad service name");
	if (!region || !*region || strlen(region) >= sizeof(ep->region))
		return err_set(reterr, ERR_INPUT, 0, "no usable region given");
	for (const char *p = region; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return err_set(reterr, ERR_INPUT, 0, "\"%s\" is not a region name", region);
	strcpy(ep->service, service);
	strcpy(ep->region, region);
	int n;
	if (url && *url) {
		size_t len = strlen(url);
		ep->custom = true;
		n = snprintf(ep->url, sizeof(ep->url), "%s%s", url, url[len - 1] == '/' ? "" : "/");
	} else if (strcmp(service, "iam") == 0) {
		strcpy(ep->region, "us-east-1"); /* IAM is global, signed for us-east-1 */
		n = snprintf(ep->url, sizeof(ep->url), "https://iam.amazonaws.com/");
	} else {
		n = snprintf(ep->url, sizeof(ep->url), "https://%s.%s.amazonaws.com%s/", service,
			     region, strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
	}
	if (n < 0 || (size_t)n >= sizeof(ep->url))
		return err_set(reterr, ERR_INPUT, 0, "the endpoint URL is too long");
	return http_check_url(ep->url, reterr);
}

int aws_request_init(struct http_request *req, const struct aws_endpoint *ep, const char *method,
		     const char *path, const char *action, struct err *reterr)
{
	struct dynbuf u;
	dyn_init(&u, HTTP_URL_MAX);
	if (dyn_addstr(&u, ep->url) < 0 || dyn_addstr(&u, path) < 0) {
		dyn_free(&u);
		return err_set(reterr, ERR_INPUT, 0, "the request URL is too long");
	}
	int r = http_request_init(req, method, dyn_ptr(&u), reterr);
	dyn_free(&u);
	if (r < 0) {
		http_request_release(req);
		return -1;
	}
	aws_strlcpy(req->service, ep->service, sizeof(req->service));
	aws_strlcpy(req->region, ep->region, sizeof(req->region));
	aws_strlcpy(req->action, action, sizeof(req->action));
	if (ep->deadline_ms > 0)
		req->deadline_ms = ep->deadline_ms;
	if (ep->max_attempts > 0)
		req->max_attempts = ep->max_attempts;
	return 0;
}

void query_form_init(struct aws_form *f, const char *action, const char *version)
{
	aws_form_init(f, QUERY_FORM_MAX);
	aws_form_add(f, "Action", action);
	aws_form_add(f, "Version", version);
}

int query_check_root(const struct xml_node *root, const char *expected, struct err *reterr)
{
	if (strcmp(root->name, expected) == 0)
		return 0;
	return err_set(reterr, ERR_INPUT, 0,
		       "the endpoint's reply is a <%.60s> where a <%.80s> was expected; is the "
		       "endpoint URL right?",
		       root->name, expected);
}

struct query_call {
	char action[64];
	char doing[ERR_DOING_MAX];
	query_parse_fn parse;
	void *result;
	aws_done_fn done;
	void *ctx;
};

static void query_done(struct http_call *call, int rc, const struct err *e,
		       struct http_response *resp, void *ctx)
{
	struct query_call *q = ctx;
	struct err pe;
	err_clear(&pe);
	if (rc == 0) {
		if (!dyn_len(&resp->body)) {
			rc = err_set(&pe, ERR_INPUT, resp->status,
				     "the endpoint answered %s with an empty body", q->action);
		} else {
			struct xml_doc *doc = xml_parse(dyn_ptr(&resp->body), dyn_len(&resp->body), &pe);
			char want[96];
			snprintf(want, sizeof(want), "%s%s", q->action, "Response");
			if (!doc)
				rc = -1;
			else if (query_check_root(xml_root(doc), want, &pe) < 0)
				rc = -1;
			else if (q->parse && q->parse(xml_root(doc), q->result, &pe) < 0)
				rc = -1;
			xml_free(doc);
		}
		if (rc < 0 && !pe.request_id[0])
			aws_strlcpy(pe.request_id, http_response_request_id(resp),
				    sizeof(pe.request_id));
	} else {
		pe = *e;
	}
	if (rc < 0)
		memcpy(pe.doing, q->doing, sizeof(pe.doing));
	q->done(q->ctx, rc, &pe);
	free(q);
}

static struct http_call *start(const struct aws_endpoint *ep, const char *action,
				struct aws_form *form, const char *doing, query_parse_fn parse,
				void *result, aws_done_fn done, void *ctx, struct err *reterr)
{
	if (aws_form_finish(form, reterr) < 0)
		return NULL;
	struct query_call *q = calloc(1, sizeof(*q));
	if (!q) {
		err_sys(reterr, ENOMEM, "starting %s", action);
		return NULL;
	}
	aws_strlcpy(q->action, action, sizeof(q->action));
	aws_strlcpy(q->doing, doing, sizeof(q->doing));
	q->parse = parse;
	q->result = result;
	q->done = done;
	q->ctx = ctx;
	struct http_request req;
	if (aws_request_init(&req, ep, "POST", "", action, reterr) < 0)
		goto fail;
	if (http_request_set_header(&req, "Content-Type",
				    "application/x-www-form-urlencoded; charset=utf-8", reterr) < 0 ||
	    http_request_body_copy(&req, dyn_ptr(&form->buf), dyn_len(&form->buf), reterr) < 0)
		goto fail_req;
	struct http_call *call = http_start(ep->http, &req, ep->sign, ep->sign_ctx, query_done, q,
					    reterr);
	if (!call)
		goto fail_req;
	http_request_release(&req);
	return call;
fail_req:
	http_request_release(&req);
fail:
	free(q);
	err_doing(reterr, "%s", doing);
	return NULL;
}

int query_start(const struct aws_endpoint *ep, const char *action, struct aws_form *form,
		const char *doing, query_parse_fn parse, void *result, aws_done_fn done, void *ctx,
		struct err *reterr)
{
	return start(ep, action, form, doing, parse, result, done, ctx, reterr) ? 0 : -1;
}

struct sync_state {
	bool done;
	int rc;
	struct err err;
};

static void sync_done(void *ctx, int rc, const struct err *e)
{
	struct sync_state *s = ctx;
	s->done = true;
	s->rc = rc;
	if (rc)
		s->err = *e;
}

int aws_wait(const struct aws_endpoint *ep, const bool *done, struct err *reterr)
{
	long dl = ep->deadline_ms > 0 ? ep->deadline_ms : 300000;
	return http_run_until(http_client_loop(ep->http), done, loop_now_ms() + (uint64_t)dl + 5000,
			      reterr);
}

int query_sync(const struct aws_endpoint *ep, const char *action, struct aws_form *form,
	       const char *doing, query_parse_fn parse, void *result, struct err *reterr)
{
	struct sync_state s = {0};
	err_clear(&s.err);
	struct http_call *call = start(ep, action, form, doing, parse, result, sync_done, &s, reterr);
	if (!call)
		return -1;
	if (aws_wait(ep, &s.done, reterr) < 0) {
		http_cancel(call); /* past the call's own deadline: the loop stalled */
		return -1;
	}
	if (s.rc) {
		if (reterr)
			*reterr = s.err;
		return -1;
	}
	return 0;
}

struct rest_call {
	char doing[ERR_DOING_MAX];
	rest_parse_fn parse;
	void *result;
	aws_done_fn done;
	void *ctx;
};

static void rest_done(struct http_call *call, int rc, const struct err *e,
		      struct http_response *resp, void *ctx)
{
	struct rest_call *q = ctx;
	struct err pe;
	err_clear(&pe);
	if (rc == 0) {
		if (q->parse && q->parse(resp, q->result, &pe) < 0) {
			rc = -1;
			if (!pe.request_id[0])
				aws_strlcpy(pe.request_id, http_response_request_id(resp),
					    sizeof(pe.request_id));
		}
	} else {
		pe = *e;
	}
	if (rc < 0)
		memcpy(pe.doing, q->doing, sizeof(pe.doing));
	q->done(q->ctx, rc, &pe);
	free(q);
}

static struct http_call *rest_begin(const struct aws_endpoint *ep, const struct http_request *req,
				    const char *doing, rest_parse_fn parse, void *result,
				    aws_done_fn done, void *ctx, struct err *reterr)
{
	struct rest_call *q = calloc(1, sizeof(*q));
	if (!q) {
		err_sys(reterr, ENOMEM, "starting a request");
		return NULL;
	}
	aws_strlcpy(q->doing, doing, sizeof(q->doing));
	q->parse = parse;
	q->result = result;
	q->done = done;
	q->ctx = ctx;
	struct http_call *call = http_start(ep->http, req, ep->sign, ep->sign_ctx, rest_done, q,
					    reterr);
	if (!call) {
		free(q);
		err_doing(reterr, "%s", doing);
	}
	return call;
}

int rest_start(const struct aws_endpoint *ep, const struct http_request *req, const char *doing,
	       rest_parse_fn parse, void *result, aws_done_fn done, void *ctx, struct err *reterr)
{
	return rest_begin(ep, req, doing, parse, result, done, ctx, reterr) ? 0 : -1;
}

int rest_sync(const struct aws_endpoint *ep, const struct http_request *req, const char *doing,
	      rest_parse_fn parse, void *result, struct err *reterr)
{
	struct sync_state s = {0};
	err_clear(&s.err);
	struct http_call *call = rest_begin(ep, req, doing, parse, result, sync_done, &s, reterr);
	if (!call)
		return -1;
	if (aws_wait(ep, &s.done, reterr) < 0) {
		http_cancel(call);
		return -1;
	}
	if (s.rc) {
		if (reterr)
			*reterr = s.err;
		return -1;
	}
	return 0;
}

int query_finish(const struct aws_endpoint *ep, const char *action, const char *doing,
		 struct aws_form *f, int form_rc, query_parse_fn parse, void *result,
		 aws_done_fn done, void *ctx, struct err *reterr)
{
	int r = form_rc;
	if (r == 0)
		r = done ? query_start(ep, action, f, doing, parse, result, done, ctx, reterr)
			 : query_sync(ep, action, f, doing, parse, result, reterr);
	else
		err_doing(reterr, "%s", doing);
	aws_form_release(f);
	return r;
}
