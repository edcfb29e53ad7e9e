/* query: the AWS Query protocol shared by EC2, IAM and STS, and the endpoint
 * description every service client here takes.
 *
 * A Query call is POST / with an application/x-www-form-urlencoded body
 * ("Action=...&Version=...&..."), signed through the endpoint's signer, and an
 * XML reply whose root must be <ActionResponse>.  The form body is built once
 * per logical call and reused by every retry, so a ClientToken in it is the
 * same on every attempt.
 */
#ifndef AMIWIZ_AWS_QUERY_H
#define AMIWIZ_AWS_QUERY_H

#include <stdbool.h>

#include "aws/awsutil.h"
#include "aws/http.h"
#include "aws/xml.h"
#include "help/err.h"

#define AWS_REQID_MAX 96
#define QUERY_FORM_MAX (256u << 10)

/* Where and how to reach one service in one region. */
struct aws_endpoint {
	struct http_client *http;  /* not owned */
	char url[512];             /* base URL, ending in "/" */
	char region[32];           /* signing region */
	char service[16];          /* signing service: "ec2", "iam", "s3", ... */
	bool custom;               /* url was given (amiwiz-sim, radosgw, tests) */
	http_sign_fn sign;         /* NULL: unsigned (tests) */
	void *sign_ctx;
	long deadline_ms;          /* per logical call; 0: 300 s */
	int max_attempts;          /* 0: the client's default */
};

/* Fill `ep` for `service` in `region`: the AWS URL is
 * https://<service>.<region>.amazonaws.com/ (iam: https://iam.amazonaws.com/
 * signed for us-east-1), unless `url` is given (then used as is, "/" added).
 * The URL must pass http_check_url().  0 or -1 with reterr. */
int aws_endpoint_init(struct aws_endpoint *ep, struct http_client *http, const char *service,
		      const char *region, const char *url, struct err *reterr);

/* Completion of an asynchronous service call: rc 0 and err clear on success,
 * rc -1 and err filled on failure.  The result struct given at the start is
 * filled (on success) before this runs. */
typedef void (*aws_done_fn)(void *ctx, int rc, const struct err *err);

/* Reads a reply into a typed result.  `root` is the checked <ActionResponse>
 * element.  0, or -1 with reterr (a required element is missing). */
typedef int (*query_parse_fn)(const struct xml_node *root, void *result, struct err *reterr);

/* Start a form: "Action=<action>&Version=<version>". */
void query_form_init(struct aws_form *f, const char *action, const char *version);

/* Start a call with a finished form (its body is copied; release the form
 * afterwards).  `doing` says what the call is for, in plain words; it lands in
 * err.doing on failure.  The result is filled by `parse` before `done`.  On a
 * -1 return nothing was started and `done` will not run. */
int query_start(const struct aws_endpoint *ep, const char *action, struct aws_form *form,
		const char *doing, query_parse_fn parse, void *result, aws_done_fn done, void *ctx,
		struct err *reterr);

/* The tail every Query call shares: given the form `f` and the result of
 * building it (`form_rc`), start the call (done != NULL) or run it to
 * completion (done == NULL), say what was being done on failure, and release
 * the form.  Returns as query_start / query_sync. */
int query_finish(const struct aws_endpoint *ep, const char *action, const char *doing,
		 struct aws_form *f, int form_rc, query_parse_fn parse, void *result,
		 aws_done_fn done, void *ctx, struct err *reterr);

/* Defines <prefix>_<name>_start and <prefix>_<name> (see the service headers)
 * for one Query call: its form is built by
 *   static int form_<name>(struct aws_form *, const struct req_t *, struct res_t *, struct err *)
 * and its reply read by parse_<name> (a query_parse_fn).  `action`, `version`
 * and `doing` are strings. */
#define QUERY_CALL_DEFINE(prefix, name, req_t, res_t, action, version, doing)                     \
	static int prefix##_##name##_call(const struct aws_endpoint *ep, const struct req_t *req,  \
					  struct res_t *res, aws_done_fn done, void *ctx,          \
					  struct err *reterr)                                      \
	{                                                                                          \
		struct aws_form f;                                                                 \
		memset(res, 0, sizeof(*res));                                                      \
		query_form_init(&f, action, version);                                              \
		int rc = form_##name(&f, req, res, reterr);                                        \
		return query_finish(ep, action, doing, &f, rc, parse_##name, res, done, ctx,       \
				    reterr);                                                       \
	}                                                                                          \
	int prefix##_##name##_start(const struct aws_endpoint *ep, const struct req_t *req,       \
				    struct res_t *res, aws_done_fn done, void *ctx,                \
				    struct err *reterr)                                            \
	{                                                                                          \
		return prefix##_##name##_call(ep, req, res, done, ctx, reterr);                    \
	}                                                                                          \
	int prefix##_##name(const struct aws_endpoint *ep, const struct req_t *req,               \
			    struct res_t *res, struct err *reterr)                                 \
	{                                                                                          \
		return prefix##_##name##_call(ep, req, res, NULL, NULL, reterr);                   \
	}

/* The same, driving the endpoint's loop until the call completes. */
int query_sync(const struct aws_endpoint *ep, const char *action, struct aws_form *form,
	       const char *doing, query_parse_fn parse, void *result, struct err *reterr);

/* Check that a parsed reply's root is <expected>; -1 with a clear reterr
 * otherwise ("the reply to X is a <Y>, not a <XResponse>"). */
int query_check_root(const struct xml_node *root, const char *expected, struct err *reterr);

/* Run a started call to completion for sync wrappers of other protocols:
 * drive the loop until *done, within deadline_ms (+ a margin). */
int aws_wait(const struct aws_endpoint *ep, const bool *done, struct err *reterr);

/* Build a signed-ready request for `ep`: method, URL = ep->url + path (path
 * without the leading "/", already encoded), with service, region, limits.
 * 0 or -1 with reterr. */
int aws_request_init(struct http_request *req, const struct aws_endpoint *ep, const char *method,
		     const char *path, const char *action, struct err *reterr);

/* REST-style calls (EBS, S3): the caller builds the request; the reply of a
 * successful call goes to `parse` (which may read headers and body). */
typedef int (*rest_parse_fn)(const struct http_response *resp, void *result, struct err *reterr);

/* Start a prepared request (copied) on ep's client and signer.  `doing` lands
 * in err.doing on failure; `parse` may be NULL.  -1: nothing started. */
int rest_start(const struct aws_endpoint *ep, const struct http_request *req, const char *doing,
	       rest_parse_fn parse, void *result, aws_done_fn done, void *ctx, struct err *reterr);

/* The same, driving the loop until the call completes. */
int rest_sync(const struct aws_endpoint *ep, const struct http_request *req, const char *doing,
	      rest_parse_fn parse, void *result, struct err *reterr);

#endif
