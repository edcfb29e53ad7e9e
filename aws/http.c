#include "aws/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "aws/awserr.h"
#include "aws/awsutil.h"
#include "config.h"
#include "help/loop.h"

#define HEADER_VALUE_MAX 4096

/* ---- requests ---------------------------------------------------------- */

int http_request_init(struct http_request *req, const char *method, const char *url,
		      struct err *reterr)
{
	memset(req, 0, sizeof(*req));
	dyn_init(&req->url, HTTP_URL_MAX);
	req->body_fd = -1;
	req->max_response = HTTP_DEFAULT_MAX_RESPONSE;
	req->connect_timeout_ms = 10000;
	req->attempt_timeout_ms = 120000;
	req->deadline_ms = 300000;
	req->low_speed_bytes = 1;
	req->low_speed_secs = 30;
	if (!method || strlen(method) >= sizeof(req->method) || !*method)
		return err_set(reterr, ERR_INTERNAL, 0, "bad HTTP method");
	for (const char *p = method; *p; p++)
		if (*p < 'A' || *p > 'Z')
			return err_set(reterr, ERR_INTERNAL, 0, "bad HTTP method");
	strcpy(req->method, method);
	return http_request_set_url(req, url, reterr);
}

static void body_clear(struct http_request *req)
{
	free(req->body_owned);
	req->body_owned = NULL;
	req->body = NULL;
	req->body_len = 0;
	req->reader = NULL;
	req->reader_ctx = NULL;
	req->body_fd = -1;
	req->body_fd_offset = 0;
	req->body_kind = HTTP_BODY_NONE;
}

void http_request_release(struct http_request *req)
{
	if (!req)
		return;
	dyn_free(&req->url);
	for (size_t i = 0; i < req->n_headers; i++) {
		free(req->headers[i].name);
		if (req->headers[i].value)
			OPENSSL_cleanse(req->headers[i].value, strlen(req->headers[i].value));
		free(req->headers[i].value);
	}
	req->n_headers = 0;
	body_clear(req);
}

int http_request_set_url(struct http_request *req, const char *url, struct err *reterr)
{
	if (!url)
		return err_set(reterr, ERR_INTERNAL, 0, "no URL");
	dyn_reset(&req->url);
	if (dyn_addstr(&req->url, url) < 0)
		return err_set(reterr, ERR_INPUT, 0, "the URL is longer than %d bytes", HTTP_URL_MAX);
	return 0;
}

static bool has_crlf(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

int http_request_set_header(struct http_request *req, const char *name, const char *value,
			    struct err *reterr)
{
	if (!name || !*name || has_crlf(name) || strchr(name, ':') || (value && has_crlf(value)))
		return err_set(reterr, ERR_INTERNAL, 0, "bad HTTP header");
	for (size_t i = 0; i < req->n_headers; i++) {
		if (strcasecmp(req->headers[i].name, name) != 0)
			continue;
		if (!value) {
			free(req->headers[i].name);
			free(req->headers[i].value);
			req->headers[i] = req->headers[--req->n_headers];
			return 0;
		}
		char *v = strdup(value);
		if (!v)
			return err_sys(reterr, ENOMEM, "setting a header");
		free(req->headers[i].value);
		req->headers[i].value = v;
		return 0;
	}
	if (!value)
		return 0;
	if (req->n_headers >= HTTP_HEADERS_MAX)
		return err_set(reterr, ERR_INTERNAL, 0, "too many HTTP headers");
	char *n = strdup(name), *v = strdup(value);
	if (!n || !v) {
		free(n);
		free(v);
		return err_sys(reterr, ENOMEM, "setting a header");
	}
	req->headers[req->n_headers].name = n;
	req->headers[req->n_headers].value = v;
	req->n_headers++;
	return 0;
}

const char *http_request_header(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_headers; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

int http_request_copy(struct http_request *dst, const struct http_request *src,
		      struct err *reterr)
{
	*dst = *src;
	dyn_init(&dst->url, HTTP_URL_MAX);
	dst->n_headers = 0;
	dst->body_owned = NULL;
	if (dyn_add(&dst->url, dyn_ptr(&src->url), dyn_len(&src->url)) < 0)
		goto nomem;
	for (size_t i = 0; i < src->n_headers; i++)
		if (http_request_set_header(dst, src->headers[i].name, src->headers[i].value,
					    reterr) < 0)
			goto fail;
	if (src->body_kind == HTTP_BODY_COPY) {
		dst->body_owned = malloc(src->body_len ? src->body_len : 1);
		if (!dst->body_owned)
			goto nomem;
		memcpy(dst->body_owned, src->body, src->body_len);
		dst->body = dst->body_owned;
	}
	return 0;
nomem:
	err_sys(reterr, ENOMEM, "copying a request");
fail:
	dst->body_kind = HTTP_BODY_NONE;
	http_request_release(dst);
	return -1;
}

int http_request_body_copy(struct http_request *req, const void *data, size_t len,
			   struct err *reterr)
{
	body_clear(req);
	req->body_owned = malloc(len ? len : 1);
	if (!req->body_owned)
		return err_sys(reterr, ENOMEM, "copying a request body");
	if (len)
		memcpy(req->body_owned, data, len);
	req->body = req->body_owned;
	req->body_len = len;
	req->body_kind = HTTP_BODY_COPY;
	return 0;
}

void http_request_body_ref(struct http_request *req, const void *data, size_t len)
{
	body_clear(req);
	req->body = data;
	req->body_len = len;
	req->body_kind = HTTP_BODY_REF;
}

void http_request_body_reader(struct http_request *req, http_read_fn fn, void *ctx, uint64_t len)
{
	body_clear(req);
	req->reader = fn;
	req->reader_ctx = ctx;
	req->body_len = len;
	req->body_kind = HTTP_BODY_READER;
}

void http_request_body_file(struct http_request *req, int fd, uint64_t offset, uint64_t len)
{
	body_clear(req);
	req->body_fd = fd;
	req->body_fd_offset = offset;
	req->body_len = len;
	req->body_kind = HTTP_BODY_READER;
}

ssize_t http_request_read_body(const struct http_request *req, uint64_t offset, void *buf,
			       size_t len)
{
	if (offset >= req->body_len)
		return 0;
	if (len > req->body_len - offset)
		len = (size_t)(req->body_len - offset);
	switch (req->body_kind) {
	case HTTP_BODY_COPY:
	case HTTP_BODY_REF:
		memcpy(buf, (const char *)req->body + offset, len);
		return (ssize_t)len;
	case HTTP_BODY_READER:
		if (req->reader)
			return req->reader(req->reader_ctx, offset, buf, len);
		for (;;) {
			ssize_t n = pread(req->body_fd, buf, len, (off_t)(req->body_fd_offset + offset));
			if (n < 0 && errno == EINTR)
				continue;
			return n;
		}
	case HTTP_BODY_NONE:
	case HTTP_BODY_KIND_MAX:
		break;
	}
	return 0;
}

bool http_header_is_secret(const char *name)
{
	static const char *const secret[] = {"authorization", "x-amz-security-token",
					     "proxy-authorization", "cookie",
					     "x-amz-server-side-encryption-customer-key"};
	for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
		if (strcasecmp(name, secret[i]) == 0)
			return true;
	return false;
}

int http_request_format_headers(const struct http_request *req, struct dynbuf *out)
{
	for (size_t i = 0; i < req->n_headers; i++) {
		const char *v = http_header_is_secret(req->headers[i].name) ? "<redacted>"
									     : req->headers[i].value;
		int r = dyn_addf(out, "%s: %s\n", req->headers[i].name, v);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- responses --------------------------------------------------------- */

const char *http_response_header(const struct http_response *resp, const char *name)
{
	for (size_t i = 0; i < resp->n_headers; i++)
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	return NULL;
}

const char *http_response_request_id(const struct http_response *resp)
{
	const char *id = http_response_header(resp, "x-amzn-RequestId");
	if (!id)
		id = http_response_header(resp, "x-amz-request-id");
	return id ? id : "";
}

static void response_clear_headers(struct http_response *resp)
{
	for (size_t i = 0; i < resp->n_headers; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	resp->n_headers = 0;
}

void http_response_release(struct http_response *resp)
{
	if (!resp)
		return;
	dyn_free(&resp->body);
	response_clear_headers(resp);
	resp->status = 0;
}

void http_response_move(struct http_response *dst, struct http_response *src)
{
	*dst = *src;
	memset(src, 0, sizeof(*src));
	dyn_init(&src->body, dst->body.max);
}

/* ---- URL policy -------------------------------------------------------- */

static bool host_is_loopback(const char *host)
{
	if (strcasecmp(host, "localhost") == 0)
		return true;
	struct in_addr a4;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	char buf[64];
	size_t n = strlen(host);
	if (n >= 2 && n < sizeof(buf) && host[0] == '[' && host[n - 1] == ']') {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		host = buf;
	}
	struct in6_addr a6;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

int http_check_url(const char *url, struct err *reterr)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = -1;
	if (!u)
		return err_sys(reterr, ENOMEM, "parsing a URL");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		err_set(reterr, ERR_INPUT, 0, "\"%.200s\" is not a usable URL", url);
		goto out;
	}
	if (strcasecmp(scheme, "https") == 0) {
		rc = 0;
	} else if (strcasecmp(scheme, "http") == 0) {
		if (host_is_loopback(host))
			rc = 0;
		else
			err_set(reterr, ERR_INPUT, 0,
				"refusing plain http:// to %.100s: without TLS the request and "
				"its signature could be read or changed on the way; use https:// "
				"(http:// is allowed only for loopback endpoints such as "
				"127.0.0.1, ::1 or localhost)",
				host);
	} else {
		err_set(reterr, ERR_INPUT, 0, "unsupported URL scheme \"%.20s\" (use https://)",
			scheme);
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* ---- retry policy ------------------------------------------------------ */

bool http_is_retryable(long status, const char *aws_code, int curl_code)
{
	switch (curl_code) {
	case CURLE_OK:
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
	static const char *const throttles[] = {
		"RequestLimitExceeded", "Throttling", "ThrottlingException", "ThrottledException",
		"RequestThrottledException", "SlowDown", "TooManyRequestsException",
		"RequestThrottled", "ProvisionedThroughputExceededException",
		"BandwidthLimitExceeded", "EC2ThrottledException", "PriorRequestNotComplete",
		"InternalError", "InternalFailure", "ServiceUnavailable", "RequestTimeout",
		"RequestTimeoutException", "InsufficientInstanceCapacity"};
	if (aws_code && *aws_code) {
		const char *code = aws_code;
		if (strncmp(code, "Client.", 7) == 0 || strncmp(code, "Server.", 7) == 0)
			code += 7;
		for (size_t i = 0; i < sizeof(throttles) / sizeof(throttles[0]); i++)
			if (strcmp(code, throttles[i]) == 0)
				return true;
	}
	return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

long http_backoff_ms(int attempt, long base_ms, long cap_ms, uint32_t rnd)
{
	if (attempt < 1)
		attempt = 1;
	long ceiling = base_ms;
	for (int i = 1; i < attempt && ceiling < cap_ms; i++)
		ceiling *= 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	if (ceiling <= 0)
		return 0;
	return (long)(rnd % (uint32_t)(ceiling + 1));
}

/* Retry-After in milliseconds: delay-seconds or an HTTP-date; 0 when absent,
 * unreadable or already past.  Long waits are cut to the backoff cap by the
 * caller. */
static long retry_after_ms(const char *v)
{
	if (!v || !*v)
		return 0;
	char *end;
	errno = 0;
	long long secs = strtoll(v, &end, 10);
	if (end != v) {
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end || errno || secs <= 0)
			return 0;
		return secs > 86400 ? 86400000L : (long)secs * 1000;
	}
	time_t when = curl_getdate(v, NULL);
	time_t now = time(NULL);
	if (when == -1 || when <= now)
		return 0;
	return when - now > 86400 ? 86400000L : (long)(when - now) * 1000;
}

/* ---- the client -------------------------------------------------------- */

struct http_client {
	struct loop *loop;
	CURLM *multi;
	uint64_t curl_timer;
	char *ca_bundle;
	char *user_agent;
	http_log_fn log;
	void *log_ctx;
	int max_attempts;
	long base_ms, cap_ms;
	uint64_t rng;
	struct http_call *calls;
};

struct http_call {
	struct http_client *c;
	struct http_call *prev, *next;
	struct http_request req; /* as the caller gave it */
	struct http_request att; /* the signed copy of the current attempt */
	http_sign_fn sign;
	void *sign_ctx;
	http_done_fn done;
	void *done_ctx;
	CURL *easy;
	struct curl_slist *slist;
	uint64_t start_ms, attempt_start_ms, deadline;
	int attempt, max_attempts;
	uint64_t retry_timer;
	uint64_t upload_off;
	bool too_big, body_failed;
	struct http_response resp;
	char errbuf[CURL_ERROR_SIZE];
};

static uint32_t client_random(struct http_client *c)
{
	/* xorshift64*, seeded from RAND_bytes: only jitter, nothing secret */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return (uint32_t)((c->rng * 2685821657736338717ull) >> 32);
}

void http_log_to_file(void *ctx, const char *line)
{
	if (ctx) {
		fprintf(ctx, "%s\n", line);
		fflush(ctx);
	}
}

struct loop *http_client_loop(const struct http_client *c)
{
	return c->loop;
}

static void process_done(struct http_client *c);

static void on_fd(struct loop *l, int fd, unsigned events, void *data)
{
	struct http_client *c = data;
	int flags = 0, running = 0;
	if (events & LOOP_READ)
		flags |= CURL_CSELECT_IN;
	if (events & LOOP_WRITE)
		flags |= CURL_CSELECT_OUT;
	if (events & (LOOP_ERROR | LOOP_HUP))
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(c->multi, fd, flags, &running);
	process_done(c);
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct http_client *c = userp;
	unsigned ev = 0;
	switch (what) {
	case CURL_POLL_IN:
		ev = LOOP_READ;
		break;
	case CURL_POLL_OUT:
		ev = LOOP_WRITE;
		break;
	case CURL_POLL_INOUT:
		ev = LOOP_READ | LOOP_WRITE;
		break;
	case CURL_POLL_REMOVE:
	default:
		loop_unwatch(c->loop, s);
		return 0;
	}
	return loop_watch(c->loop, s, ev, on_fd, c) < 0 ? -1 : 0;
}

static long on_curl_timer_due(struct loop *l, void *data)
{
	struct http_client *c = data;
	int running = 0;
	c->curl_timer = 0;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	process_done(c);
	return -1;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_client *c = userp;
	if (c->curl_timer) {
		loop_timer_cancel(c->loop, c->curl_timer);
		c->curl_timer = 0;
	}
	if (timeout_ms >= 0) {
		c->curl_timer = loop_timer_add(c->loop, timeout_ms, on_curl_timer_due, c);
		if (!c->curl_timer)
			return -1;
	}
	return 0;
}

struct http_client *http_client_new(struct loop *loop, const struct http_client_config *config,
				    struct err *reterr)
{
	static bool global_done;
	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			err_set(reterr, ERR_SYSTEM, 0, "libcurl could not be initialised");
			return NULL;
		}
		global_done = true;
	}
	struct http_client *c = calloc(1, sizeof(*c));
	if (!c) {
		err_sys(reterr, ENOMEM, "creating the HTTP client");
		return NULL;
	}
	c->loop = loop;
	c->max_attempts = 6;
	c->base_ms = 100;
	c->cap_ms = 20000;
	if (config) {
		if (config->max_attempts > 0)
			c->max_attempts = config->max_attempts;
		if (config->backoff_base_ms > 0)
			c->base_ms = config->backoff_base_ms;
		if (config->backoff_cap_ms > 0)
			c->cap_ms = config->backoff_cap_ms;
		c->log = config->log;
		c->log_ctx = config->log_ctx;
		if (config->ca_bundle && !(c->ca_bundle = strdup(config->ca_bundle)))
			goto nomem;
		if (config->user_agent && !(c->user_agent = strdup(config->user_agent)))
			goto nomem;
	}
	if (!c->user_agent && !(c->user_agent = strdup("amiwiz/" AMIWIZ_VERSION)))
		goto nomem;
	if (RAND_bytes((unsigned char *)&c->rng, sizeof(c->rng)) != 1 || c->rng == 0)
		c->rng = 0x9e3779b97f4a7c15ull ^ loop_now_ms();
	c->multi = curl_multi_init();
	if (!c->multi)
		goto nomem;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	return c;
nomem:
	err_sys(reterr, ENOMEM, "creating the HTTP client");
	http_client_free(c);
	return NULL;
}

static void call_free(struct http_call *call)
{
	struct http_client *c = call->c;
	if (call->easy) {
		curl_multi_remove_handle(c->multi, call->easy);
		curl_easy_cleanup(call->easy);
	}
	curl_slist_free_all(call->slist);
	if (call->retry_timer)
		loop_timer_cancel(c->loop, call->retry_timer);
	if (call->prev)
		call->prev->next = call->next;
	else
		c->calls = call->next;
	if (call->next)
		call->next->prev = call->prev;
	http_request_release(&call->req);
	http_request_release(&call->att);
	http_response_release(&call->resp);
	free(call);
}

static void complete(struct http_call *call, int rc, const struct err *e)
{
	struct err ok;
	err_clear(&ok);
	call->resp.attempts = call->attempt;
	call->resp.duration_ms = loop_now_ms() - call->start_ms;
	if (call->done)
		call->done(call, rc, rc ? e : &ok, &call->resp, call->done_ctx);
	call_free(call);
}

struct http_client *http_client_free(struct http_client *c)
{
	if (!c)
		return NULL;
	while (c->calls) {
		struct err e;
		err_clear(&e);
		err_set(&e, ERR_CANCELLED, 0, "the request was cancelled");
		complete(c->calls, -1, &e);
	}
	if (c->curl_timer)
		loop_timer_cancel(c->loop, c->curl_timer);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	free(c->ca_bundle);
	free(c->user_agent);
	free(c);
	return NULL;
}

void http_cancel(struct http_call *call)
{
	struct err e;
	err_clear(&e);
	err_set(&e, ERR_CANCELLED, 0, "the request was cancelled");
	complete(call, -1, &e);
}

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct http_call *call = ud;
	size_t n = size * nmemb;
	if (dyn_add(&call->resp.body, ptr, n) < 0) {
		call->too_big = true;
		return 0;
	}
	return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct http_call *call = ud;
	size_t n = size * nmemb, len = n;
	while (len && (ptr[len - 1] == '\n' || ptr[len - 1] == '\r'))
		len--;
	if (len >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
		response_clear_headers(&call->resp); /* a new (final or interim) response */
		return n;
	}
	const char *colon = memchr(ptr, ':', len);
	if (!colon || colon == ptr || call->resp.n_headers >= HTTP_RESPONSE_HEADERS_MAX)
		return n;
	size_t nlen = (size_t)(colon - ptr);
	const char *v = colon + 1;
	size_t vlen = len - nlen - 1;
	while (vlen && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (vlen > HEADER_VALUE_MAX || nlen > 256)
		return n;
	char *name = strndup(ptr, nlen), *value = strndup(v, vlen);
	if (!name || !value) {
		free(name);
		free(value);
		return n;
	}
	call->resp.headers[call->resp.n_headers].name = name;
	call->resp.headers[call->resp.n_headers].value = value;
	call->resp.n_headers++;
	return n;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *ud)
{
	struct http_call *call = ud;
	size_t want = size * nmemb;
	if (call->upload_off >= call->att.body_len)
		return 0;
	ssize_t n = http_request_read_body(&call->att, call->upload_off, buf, want);
	if (n <= 0) {
		/* an error, or the file shrank under us: never send a short body */
		call->body_failed = true;
		return CURL_READFUNC_ABORT;
	}
	call->upload_off += (uint64_t)n;
	return (size_t)n;
}

static int on_seek(void *ud, curl_off_t offset, int origin)
{
	struct http_call *call = ud;
	if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > call->att.body_len)
		return CURL_SEEKFUNC_FAIL;
	call->upload_off = (uint64_t)offset;
	return CURL_SEEKFUNC_OK;
}

static int start_attempt(struct http_call *call, struct err *reterr)
{
	struct http_client *c = call->c;
	http_request_release(&call->att);
	if (http_request_copy(&call->att, &call->req, reterr) < 0)
		return -1;
	if (call->sign && call->sign(&call->att, call->sign_ctx, reterr) < 0)
		return -1;
	if (http_check_url(dyn_ptr(&call->att.url), reterr) < 0)
		return -1;

	uint64_t now = loop_now_ms();
	if (now >= call->deadline)
		return err_set(reterr, ERR_NETWORK, CURLE_OPERATION_TIMEDOUT,
			       "no answer within the %ld ms allowed for the request",
			       call->req.deadline_ms);
	long remaining = (long)(call->deadline - now);
	long tmo = call->att.attempt_timeout_ms > 0 && call->att.attempt_timeout_ms < remaining
			   ? call->att.attempt_timeout_ms
			   : remaining;

	curl_slist_free_all(call->slist);
	call->slist = NULL;
	for (size_t i = 0; i < call->att.n_headers; i++) {
		struct dynbuf h;
		dyn_init(&h, HEADER_VALUE_MAX + 512);
		if (dyn_addf(&h, "%s: %s", call->att.headers[i].name, call->att.headers[i].value) < 0)
			goto nomem_h;
		struct curl_slist *s = curl_slist_append(call->slist, dyn_ptr(&h));
		OPENSSL_cleanse(h.buf, h.alloc);
		dyn_free(&h);
		if (!s)
			goto nomem;
		call->slist = s;
		continue;
	nomem_h:
		dyn_free(&h);
		goto nomem;
	}
	struct curl_slist *s = curl_slist_append(call->slist, "Expect:");
	if (!s)
		goto nomem;
	call->slist = s;

	CURL *e = curl_easy_init();
	if (!e)
		goto nomem;
	call->easy = e;
	call->upload_off = 0;
	call->too_big = false;
	call->body_failed = false;
	call->errbuf[0] = '\0';
	http_response_release(&call->resp);
	dyn_init(&call->resp.body, call->att.max_response);

	curl_easy_setopt(e, CURLOPT_URL, dyn_ptr(&call->att.url));
	curl_easy_setopt(e, CURLOPT_PRIVATE, call);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->errbuf);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_bundle)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_bundle);
	curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, call->slist);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			 call->att.connect_timeout_ms > 0 ? call->att.connect_timeout_ms : 10000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, tmo);
	if (call->att.low_speed_bytes > 0 && call->att.low_speed_secs > 0) {
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, call->att.low_speed_bytes);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, call->att.low_speed_secs);
	}
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, call);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, call);

	const char *m = call->att.method;
	if (strcmp(m, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (call->att.body_kind != HTTP_BODY_NONE || strcmp(m, "POST") == 0 ||
		   strcmp(m, "PUT") == 0) {
		/* one upload path for every body: it streams, and rewinds on a
		 * retry through the seek callback */
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(e, CURLOPT_READDATA, call);
		curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(e, CURLOPT_SEEKDATA, call);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)call->att.body_len);
	} else if (strcmp(m, "GET") != 0) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
	}
	call->attempt++;
	call->attempt_start_ms = loop_now_ms();
	if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		call->easy = NULL;
		return err_set(reterr, ERR_INTERNAL, 0, "libcurl refused the transfer");
	}
	return 0;
nomem:
	return err_sys(reterr, ENOMEM, "preparing a request");
}

static void log_attempt(struct http_call *call, const struct err *e, long retry_in)
{
	struct http_client *c = call->c;
	if (!c->log)
		return;
	struct dynbuf line;
	dyn_init(&line, 1024);
	const char *rid = http_response_request_id(&call->resp);
	if (!*rid && e && e->request_id[0])
		rid = e->request_id;
	dyn_addf(&line, "%s %s status=%ld request_id=%s attempt=%d/%d duration_ms=%llu",
		 call->req.action[0] ? call->req.action : "request", call->req.method,
		 call->resp.status, *rid ? rid : "-", call->attempt, call->max_attempts,
		 (unsigned long long)(loop_now_ms() - call->attempt_start_ms));
	if (e && err_isset(e)) {
		if (e->aws_code[0])
			dyn_addf(&line, " error=%s", e->aws_code);
		else
			dyn_addf(&line, " error=%s:%ld", err_kind_name(e->kind), e->code);
	}
	if (retry_in >= 0)
		dyn_addf(&line, " retry_in_ms=%ld", retry_in);
	c->log(c->log_ctx, dyn_ptr(&line));
	dyn_free(&line);
}

static long on_retry_due(struct loop *l, void *data)
{
	struct http_call *call = data;
	struct err e;
	err_clear(&e);
	call->retry_timer = 0;
	if (start_attempt(call, &e) < 0)
		complete(call, -1, &e);
	return -1;
}

static void finish_attempt(struct http_call *call, CURLcode result)
{
	struct http_client *c = call->c;
	struct err e;
	err_clear(&e);
	long status = 0;
	curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(c->multi, call->easy);
	curl_easy_cleanup(call->easy);
	call->easy = NULL;
	call->resp.status = status;

	int rc = 0;
	if (call->too_big) {
		rc = err_set(&e, ERR_INPUT, status,
			     "the reply to %s is larger than the %zu bytes allowed; refusing it",
			     call->req.action[0] ? call->req.action : "the request",
			     call->att.max_response);
	} else if (call->body_failed) {
		rc = err_set(&e, ERR_SYSTEM, 0,
			     "the data to upload could not be read (did the file change?)");
	} else if (result != CURLE_OK) {
		rc = err_set(&e, ERR_NETWORK, result, "%s",
			     call->errbuf[0] ? call->errbuf : curl_easy_strerror(result));
	} else if (status < 200 || status > 299) {
		rc = awserr_from_response(&call->resp, &e);
	}
	if (rc == 0) {
		log_attempt(call, NULL, -1);
		complete(call, 0, NULL);
		return;
	}
	bool retry = !call->too_big && !call->body_failed &&
		     http_is_retryable(e.kind == ERR_SERVICE ? status : 0, e.aws_code,
				       result == CURLE_OK ? 0 : (int)result) &&
		     call->attempt < call->max_attempts;
	long delay = -1;
	if (retry) {
		delay = http_backoff_ms(call->attempt, c->base_ms, c->cap_ms, client_random(c));
		long asked = retry_after_ms(http_response_header(&call->resp, "Retry-After"));
		if (asked > delay)
			delay = asked < c->cap_ms ? asked : c->cap_ms;
		if (loop_now_ms() + (uint64_t)delay >= call->deadline)
			retry = false;
	}
	log_attempt(call, &e, retry ? delay : -1);
	if (!retry) {
		complete(call, -1, &e);
		return;
	}
	call->retry_timer = loop_timer_add(c->loop, delay, on_retry_due, call);
	if (!call->retry_timer)
		complete(call, -1, &e);
}

static void process_done(struct http_client *c)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(c->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct http_call *call = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&call);
		if (call)
			finish_attempt(call, msg->data.result);
	}
}

struct http_call *http_start(struct http_client *c, const struct http_request *req,
			     http_sign_fn sign, void *sign_ctx, http_done_fn done, void *done_ctx,
			     struct err *reterr)
{
	if (http_check_url(dyn_ptr(&req->url), reterr) < 0)
		return NULL;
	struct http_call *call = calloc(1, sizeof(*call));
	if (!call) {
		err_sys(reterr, ENOMEM, "starting a request");
		return NULL;
	}
	call->c = c;
	dyn_init(&call->att.url, HTTP_URL_MAX);
	dyn_init(&call->resp.body, req->max_response);
	if (http_request_copy(&call->req, req, reterr) < 0) {
		free(call);
		return NULL;
	}
	call->sign = sign;
	call->sign_ctx = sign_ctx;
	call->done = done;
	call->done_ctx = done_ctx;
	call->start_ms = loop_now_ms();
	call->deadline = call->start_ms + (uint64_t)(req->deadline_ms > 0 ? req->deadline_ms : 300000);
	call->max_attempts = req->max_attempts > 0 ? req->max_attempts : c->max_attempts;
	call->next = c->calls;
	if (c->calls)
		c->calls->prev = call;
	c->calls = call;
	if (start_attempt(call, reterr) < 0) {
		call_free(call);
		return NULL;
	}
	return call;
}

int http_run_until(struct loop *loop, const bool *done, uint64_t deadline_ms, struct err *reterr)
{
	while (!*done) {
		uint64_t now = loop_now_ms();
		if (now >= deadline_ms)
			return err_set(reterr, ERR_NETWORK, CURLE_OPERATION_TIMEDOUT,
				       "the operation did not finish in time");
		int r = loop_run_once(loop, (long)(deadline_ms - now));
		if (r < 0)
			return err_sys(reterr, -r, "waiting for the network");
	}
	return 0;
}

struct perform_state {
	bool done;
	int rc;
	struct err err;
	struct http_response *out;
};

static void perform_done(struct http_call *call, int rc, const struct err *e,
			 struct http_response *resp, void *ctx)
{
	struct perform_state *st = ctx;
	st->done = true;
	st->rc = rc;
	if (rc)
		st->err = *e;
	http_response_move(st->out, resp);
}

int http_perform(struct http_client *c, const struct http_request *req, http_sign_fn sign,
		 void *sign_ctx, struct http_response *ret_resp, struct err *reterr)
{
	struct perform_state st = {.out = ret_resp};
	memset(ret_resp, 0, sizeof(*ret_resp));
	dyn_init(&ret_resp->body, req->max_response);
	err_clear(&st.err);
	struct http_call *call = http_start(c, req, sign, sign_ctx, perform_done, &st, reterr);
	if (!call)
		return -1;
	long dl = req->deadline_ms > 0 ? req->deadline_ms : 300000;
	if (http_run_until(c->loop, &st.done, loop_now_ms() + (uint64_t)dl + 5000, reterr) < 0) {
		http_cancel(call);
		return -1;
	}
	if (st.rc) {
		if (reterr) {
			char doing[ERR_DOING_MAX];
			memcpy(doing, reterr->doing, sizeof(doing));
			*reterr = st.err;
			if (!reterr->doing[0])
				memcpy(reterr->doing, doing, sizeof(doing));
		}
		return -1;
	}
	return 0;
}
