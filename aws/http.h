/* http: AWS requests over libcurl's multi socket API, driven by a help/loop.
 *
 * An http_client is bound to a loop it does not own: libcurl's sockets become
 * loop watches and its timeout a loop timer, so nothing here ever blocks.  A
 * request is described by a struct http_request (method, URL, headers, body,
 * limits), started with http_start(), and completes through a callback with a
 * struct http_response and, on failure, a filled struct err.
 *
 * Every attempt is re-signed through the caller's http_sign_fn (the date in
 * the signature changes), and failures that AWS documents as transient
 * (throttling, 5xx, resets, timeouts) are retried with exponential backoff and
 * full jitter on loop timers, within the request's overall deadline.  A
 * Retry-After header on a retried failure (503, 429, throttling; seconds or
 * an HTTP-date) lengthens the wait to what the server asked, up to the
 * backoff cap; when that wait would pass the deadline the call fails at once
 * with the server's error rather than sleeping into the deadline.
 *
 * TLS is always verified.  Plain http:// is accepted only for loopback hosts
 * (127.0.0.0/8, ::1, localhost), where amiwiz-sim and the test servers live.
 *
 * Each attempt writes one line to the client's log (action, HTTP status,
 * request id, attempt, duration); never a header value, so never a secret.
 */
#ifndef AMIWIZ_AWS_HTTP_H
#define AMIWIZ_AWS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "help/dynbuf.h"
#include "help/err.h"

struct loop;
struct http_client;
struct http_call;

#define HTTP_URL_MAX 8192
#define HTTP_HEADERS_MAX 64            /* request headers */
#define HTTP_RESPONSE_HEADERS_MAX 64   /* response headers kept */
#define HTTP_DEFAULT_MAX_RESPONSE (8u << 20)

struct http_header {
	char *name;
	char *value;
};

/* Reads `len` bytes of the body at `offset` into `buf`.  Returns the number of
 * bytes read (0 only at the end) or -1 with errno set.  Called again from
 * offset 0 for each retry, so it must be able to re-read. */
typedef ssize_t (*http_read_fn)(void *ctx, uint64_t offset, void *buf, size_t len);

enum http_body_kind {
	HTTP_BODY_NONE,
	HTTP_BODY_COPY,   /* bytes owned by the request */
	HTTP_BODY_REF,    /* bytes borrowed from the caller */
	HTTP_BODY_READER, /* bytes produced by a read callback (file ranges) */
	HTTP_BODY_KIND_MAX
};

struct http_request {
	char method[12];              /* "GET", "POST", "PUT", "DELETE", "HEAD" */
	struct dynbuf url;            /* absolute http(s) URL */
	struct http_header headers[HTTP_HEADERS_MAX];
	size_t n_headers;

	enum http_body_kind body_kind;
	const void *body;             /* COPY and REF */
	void *body_owned;             /* COPY: freed with the request */
	uint64_t body_len;
	http_read_fn reader;          /* READER */
	void *reader_ctx;
	int body_fd;                  /* READER from a file range (-1 otherwise) */
	uint64_t body_fd_offset;

	/* For the signer: the SigV4 service and region of this request, and the
	 * payload hash to sign ("" = let the signer hash an in-memory body;
	 * "UNSIGNED-PAYLOAD" or a hex SHA-256 for streamed bodies). */
	char service[16];
	char region[32];
	char payload_hash[72];

	char action[64];              /* for the log: "RegisterImage" */
	size_t max_response;          /* response body limit (bytes) */
	long connect_timeout_ms;      /* per attempt */
	long attempt_timeout_ms;      /* per attempt, whole transfer */
	long deadline_ms;             /* all attempts together, from http_start() */
	long low_speed_bytes;         /* abort an attempt slower than this ... */
	long low_speed_secs;          /* ... for this many seconds */
	int max_attempts;             /* 0 = the client's default */
};

/* Prepare a request with defaults (no body, 8 MiB response limit, 10 s
 * connect, 120 s per attempt, 300 s deadline, 1 byte/s for 30 s).  The URL is
 * copied.  Returns 0, or -1 with reterr (URL too long, bad method). */
int http_request_init(struct http_request *req, const char *method, const char *url,
		      struct err *reterr);

/* Free everything the request owns; it may be initialised again. NULL is fine. */
void http_request_release(struct http_request *req);

/* Deep copy of method, URL, headers and limits; the body is copied when the
 * source owns it, borrowed otherwise (same reader/ref).  0 or -1 (ENOMEM). */
int http_request_copy(struct http_request *dst, const struct http_request *src,
		      struct err *reterr);

/* Replace the URL (the signer may add query parameters). 0 or -1. */
int http_request_set_url(struct http_request *req, const char *url, struct err *reterr);

/* Add a header, replacing one of the same name (case-insensitive).  A NULL
 * value removes it.  Names and values are copied; CR/LF in either is refused.
 * 0 or -1 with reterr. */
int http_request_set_header(struct http_request *req, const char *name, const char *value,
			    struct err *reterr);

/* The value of a header, or NULL. */
const char *http_request_header(const struct http_request *req, const char *name);

/* Bodies.  copy: the bytes are copied now.  ref: borrowed, must stay valid
 * until the call completes.  reader: see http_read_fn.  file: `len` bytes of
 * `fd` from `offset`, read with pread() (fd borrowed, not closed).  0 or -1. */
int http_request_body_copy(struct http_request *req, const void *data, size_t len,
			   struct err *reterr);
void http_request_body_ref(struct http_request *req, const void *data, size_t len);
void http_request_body_reader(struct http_request *req, http_read_fn fn, void *ctx,
			      uint64_t len);
void http_request_body_file(struct http_request *req, int fd, uint64_t offset, uint64_t len);

/* Read the body bytes [offset, offset+len) whatever the body kind (for a
 * signer that hashes the payload).  Returns bytes read or -1. */
ssize_t http_request_read_body(const struct http_request *req, uint64_t offset, void *buf,
			       size_t len);

/* Append the request's headers to `out`, one "Name: value\n" per line, with the
 * values of Authorization, X-Amz-Security-Token and any other credential
 * header replaced by "<redacted>".  Returns dyn_add's code. */
int http_request_format_headers(const struct http_request *req, struct dynbuf *out);

/* True when a header's value must never be logged. */
bool http_header_is_secret(const char *name);

struct http_response {
	long status;                  /* 0 when no response arrived */
	struct dynbuf body;
	struct http_header headers[HTTP_RESPONSE_HEADERS_MAX];
	size_t n_headers;
	int attempts;                 /* attempts made */
	uint64_t duration_ms;         /* all attempts together */
};

/* The value of a response header (case-insensitive), or NULL. */
const char *http_response_header(const struct http_response *resp, const char *name);

/* The service's request id: x-amzn-RequestId, else x-amz-request-id, else "". */
const char *http_response_request_id(const struct http_response *resp);

/* Free the body and headers.  NULL is fine. */
void http_response_release(struct http_response *resp);

/* Move a response (its body and headers) into dst; src is left empty. */
void http_response_move(struct http_response *dst, struct http_response *src);

/* Sign one attempt: add headers (Authorization, X-Amz-Date, ...) and/or query
 * parameters to `req`.  Called once per attempt on a fresh copy of the caller's
 * request.  Returns 0, or -1 with reterr (the call then fails, no retry). */
typedef int (*http_sign_fn)(struct http_request *req, void *ctx, struct err *reterr);

/* Called once when a call completes.  On success rc is 0 and err is clear; on
 * failure rc is -1 and err says why (ERR_NETWORK with curl's code, or
 * ERR_SERVICE parsed from the reply by awserr).  `resp` holds whatever arrived
 * on the last attempt; the callee may take it with http_response_move().  The
 * call is freed after the callback returns. */
typedef void (*http_done_fn)(struct http_call *call, int rc, const struct err *err,
			     struct http_response *resp, void *ctx);

/* Receives one finished log line (no newline). */
typedef void (*http_log_fn)(void *ctx, const char *line);

/* An http_log_fn that appends the line and a newline to the FILE * in ctx. */
void http_log_to_file(void *ctx, const char *line);

struct http_client_config {
	const char *ca_bundle;        /* CA file instead of the system's, or NULL */
	http_log_fn log;              /* NULL: no log */
	void *log_ctx;
	int max_attempts;             /* default 6 */
	long backoff_base_ms;         /* default 100 */
	long backoff_cap_ms;          /* default 20000 */
	const char *user_agent;       /* default "amiwiz/<version>" */
};

/* A client registered with `loop` (not owned).  config may be NULL (defaults);
 * its strings are copied.  Returns NULL with reterr on failure. */
struct http_client *http_client_new(struct loop *loop, const struct http_client_config *config,
				    struct err *reterr);

/* Cancel every pending call (their callbacks run with ERR_CANCELLED), remove
 * the client's watches and timers, free it.  NULL is fine.  Returns NULL. */
struct http_client *http_client_free(struct http_client *c);

/* The loop the client is bound to. */
struct loop *http_client_loop(const struct http_client *c);

/* Refuse a URL this client must not use: not http(s), or http:// to a host
 * that is not loopback.  0 or -1 with reterr (ERR_INPUT). */
int http_check_url(const char *url, struct err *reterr);

/* Start a call.  The request is copied (the caller may release it at once,
 * except a borrowed body or reader context, which must live until `done`).
 * `sign` may be NULL (unsigned).  Returns the call, or NULL with reterr when
 * it could not start (bad URL, out of memory); `done` is then not called.
 * `done` is never called from inside http_start(). */
struct http_call *http_start(struct http_client *c, const struct http_request *req,
			     http_sign_fn sign, void *sign_ctx, http_done_fn done, void *done_ctx,
			     struct err *reterr);

/* Cancel a pending call: its callback runs now with ERR_CANCELLED. */
void http_cancel(struct http_call *call);

/* Drive the loop (loop_run_once) until *done becomes true or the monotonic
 * clock passes deadline_ms (loop_now_ms() based).  For headless commands and
 * tests.  Returns 0 when done, -1 with reterr (ERR_NETWORK, timed out) else. */
int http_run_until(struct loop *loop, const bool *done, uint64_t deadline_ms,
		   struct err *reterr);

/* Start a call and drive the loop until it completes.  On success (0) the
 * response is moved into *ret_resp (initialised by this function either way;
 * release it).  On failure -1, reterr filled, *ret_resp holds what arrived. */
int http_perform(struct http_client *c, const struct http_request *req, http_sign_fn sign,
		 void *sign_ctx, struct http_response *ret_resp, struct err *reterr);

/* Whether a failure is worth retrying: throttling codes, HTTP 429/500/502/
 * 503/504, connection resets and timeouts.  `curl_code` is 0 when a response
 * arrived.  `aws_code` may be NULL. */
bool http_is_retryable(long status, const char *aws_code, int curl_code);

/* The full-jitter backoff before attempt `attempt` + 1 (attempt >= 1):
 * a value in [0, min(cap, base * 2^(attempt-1))] chosen by `rnd`. */
long http_backoff_ms(int attempt, long base_ms, long cap_ms, uint32_t rnd);

#endif
