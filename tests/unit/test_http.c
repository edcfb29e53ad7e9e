#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/awsutil.h"
#include "aws/http.h"
#include "help/loop.h"
#include "tests/unit/canned.h"

static struct canned srv;

struct fixture {
	struct loop *loop;
	struct http_client *http;
	char *logbuf;
	size_t loglen;
	FILE *log;
};

static int setup_all(void **state)
{
	return canned_start(&srv);
}

static int teardown_all(void **state)
{
	canned_stop(&srv);
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e;
	err_clear(&e);
	f->loop = loop_new();
	f->log = open_memstream(&f->logbuf, &f->loglen);
	struct http_client_config cfg = {
		.log = http_log_to_file,
		.log_ctx = f->log,
		.max_attempts = 5,
		.backoff_base_ms = 5,
		.backoff_cap_ms = 50,
	};
	f->http = http_client_new(f->loop, &cfg, &e);
	assert_non_null(f->http);
	assert_int_equal(canned_reset(&srv), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	http_client_free(f->http);
	loop_free(f->loop);
	fclose(f->log);
	free(f->logbuf);
	free(f);
	return 0;
}

static void url(char *buf, size_t size, const char *path)
{
	snprintf(buf, size, "%s%s", srv.base, path);
}

static size_t log_lines(struct fixture *f)
{
	fflush(f->log);
	size_t n = 0;
	for (size_t i = 0; i < f->loglen; i++)
		n += f->logbuf[i] == '\n';
	return n;
}

/* ---- URL policy ---- */

static void test_url_policy(void **state)
{
	static const struct {
		const char *url;
		int ok;
	} cases[] = {
		{"https://ec2.us-east-1.amazonaws.com/", 1},
		{"http://127.0.0.1:8080/", 1},
		{"http://127.1.2.3/", 1},
		{"http://localhost:9/", 1},
		{"http://[::1]:9000/", 1},
		{"http://ec2.us-east-1.amazonaws.com/", 0},
		{"http://10.0.0.1/", 0},
		{"http://128.0.0.1/", 0},
		{"http://[::2]/", 0},
		{"http://localhost.evil.example/", 0},
		{"ftp://127.0.0.1/", 0},
		{"not a url", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e;
		err_clear(&e);
		int r = http_check_url(cases[i].url, &e);
		if (cases[i].ok)
			assert_int_equal(r, 0);
		else {
			assert_int_equal(r, -1);
			assert_int_equal(e.kind, ERR_INPUT);
		}
	}
	struct err e;
	err_clear(&e);
	http_check_url("http://s3.amazonaws.com/", &e);
	assert_non_null(strstr(e.message, "https://"));
}

static void test_start_refuses_plain_http(void **state)
{
	struct fixture *f = *state;
	struct http_request req;
	struct err e;
	err_clear(&e);
	assert_int_equal(http_request_init(&req, "GET", "http://example.com/", &e), 0);
	assert_null(http_start(f->http, &req, NULL, NULL, NULL, NULL, &e));
	assert_int_equal(e.kind, ERR_INPUT);
	assert_non_null(strstr(e.message, "example.com"));
	http_request_release(&req);
}

/* ---- plain exchanges ---- */

static void test_get_captures_headers(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(canned_push(&srv,
		"[{\"status\":200,\"body\":\"hello\",\"headers\":{"
		"\"x-amzn-RequestId\":\"rid-1\",\"x-amz-id-2\":\"id2\","
		"\"x-amz-bucket-region\":\"eu-west-1\",\"Content-Type\":\"text/xml\"}}]"), 0);
	char u[128];
	url(u, sizeof(u), "/thing?x=1");
	struct http_request req;
	struct http_response resp;
	struct err e;
	err_clear(&e);
	assert_int_equal(http_request_init(&req, "GET", u, &e), 0);
	assert_int_equal(http_perform(f->http, &req, NULL, NULL, &resp, &e), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(dyn_ptr(&resp.body), "hello");
	assert_string_equal(http_response_request_id(&resp), "rid-1");
	assert_string_equal(http_response_header(&resp, "X-AMZ-ID-2"), "id2");
	assert_string_equal(http_response_header(&resp, "x-amz-bucket-region"), "eu-west-1");
	assert_string_equal(http_response_header(&resp, "content-type"), "text/xml");
	assert_int_equal(resp.attempts, 1);
	http_response_release(&resp);
	http_request_release(&req);
	json_object *log = canned_log(&srv);
	assert_int_equal(json_object_array_length(log), 1);
	assert_string_equal(canned_field(log, 0, "method"), "GET");
	assert_string_equal(canned_field(log, 0, "path"), "/thing");
	assert_string_equal(canned_field(log, 0, "query"), "x=1");
	json_object_put(log);
	assert_int_equal(log_lines(f), 1);
}

static void test_methods_and_empty_bodies(void **state)
{
	struct fixture *f = *state;
	static const char *const methods[] = {"POST", "PUT", "DELETE", "HEAD", "GET"};
	assert_int_equal(canned_push(&srv,
		"[{\"status\":200},{\"status\":200},{\"status\":204},{\"status\":200},"
		"{\"status\":200,\"body\":\"\"}]"), 0);
	char u[128];
	url(u, sizeof(u), "/m");
	for (size_t i = 0; i < 5; i++) {
		struct http_request req;
		struct http_response resp;
		struct err e;
		err_clear(&e);
		assert_int_equal(http_request_init(&req, methods[i], u, &e), 0);
		assert_int_equal(http_perform(f->http, &req, NULL, NULL, &resp, &e), 0);
		assert_int_equal(dyn_len(&resp.body), 0);
		http_response_release(&resp);
		http_request_release(&req);
	}
	json_object *log = canned_log(&srv);
	assert_int_equal(json_object_array_length(log), 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(canned_field(log, i, "method"), methods[i]);
	assert_string_equal(canned_header(log, 0, "content-length"), "0");
	json_object_put(log);
}

/* A signer for tests: numbers its attempts in a header and a query parameter,
 * and adds an Authorization header that must never reach the log. */
struct test_signer {
	int calls;
	int fail_on;
};

static int test_sign(struct http_request *req, void *ctx, struct err *reterr)
{
	struct test_signer *s = ctx;
	s->calls++;
	if (s->fail_on && s->calls == s->fail_on)
		return err_set(reterr, ERR_CREDENTIALS, 0, "no credentials");
	char v[32], u[HTTP_URL_MAX];
	snprintf(v, sizeof(v), "attempt-%d", s->calls);
	if (http_request_set_header(req, "X-Test-Sig", v, reterr) < 0 ||
	    http_request_set_header(req, "Authorization", "AWS4-HMAC-SHA256 SECRETSIGNATURE",
				    reterr) < 0)
		return -1;
	snprintf(u, sizeof(u), "%s%ssig=%d", dyn_ptr(&req->url),
		 strchr(dyn_ptr(&req->url), '?') ? "&" : "?", s->calls);
	return http_request_set_url(req, u, reterr);
}

static void test_retries_resign_and_same_body(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(canned_push(&srv,
		"[{\"status\":503,\"body\":\"<Response><Errors><Error><Code>RequestLimitExceeded"
		"</Code><Message>Request limit exceeded.</Message></Error></Errors>"
		"<RequestID>r1</RequestID></Response>\"},"
		"{\"status\":500,\"body\":\"\",\"headers\":{\"Connection\":\"close\"}},"
		"{\"do\":\"reset\"},"
		"{\"status\":400,\"body\":\"<ErrorResponse><Error><Type>Sender</Type><Code>"
		"Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r2"
		"</RequestId></ErrorResponse>\"},"
		"{\"status\":200,\"body\":\"done\"}]"), 0);
	char u[128];
	url(u, sizeof(u), "/?Action=Test");
	struct http_request req;
	struct http_response resp;
	struct err e;
	err_clear(&e);
	struct test_signer sig = {0};
	assert_int_equal(http_request_init(&req, "POST", u, &e), 0);
	const char form[] = "Action=RegisterImage&ClientToken=abc";
	assert_int_equal(http_request_body_copy(&req, form, strlen(form), &e), 0);
	aws_strlcpy(req.action, "RegisterImage", sizeof(req.action));
	assert_int_equal(http_perform(f->http, &req, test_sign, &sig, &resp, &e), 0);
	assert_string_equal(dyn_ptr(&resp.body), "done");
	assert_int_equal(resp.attempts, 5);
	assert_int_equal(sig.calls, 5);
	http_response_release(&resp);
	http_request_release(&req);

	json_object *log = canned_log(&srv);
	assert_int_equal(json_object_array_length(log), 5);
	for (size_t i = 0; i < 5; i++) {
		char want[32];
		assert_string_equal(canned_field(log, i, "body"), form);
		snprintf(want, sizeof(want), "attempt-%zu", i + 1);
		assert_string_equal(canned_header(log, i, "x-test-sig"), want);
		/* the signer works on a fresh copy: its query parameter appears once */
		snprintf(want, sizeof(want), "Action=Test&sig=%zu", i + 1);
		assert_string_equal(canned_field(log, i, "query"), want);
	}
	json_object_put(log);
	assert_int_equal(log_lines(f), 5);
	assert_non_null(strstr(f->logbuf, "RegisterImage POST status=503 request_id=r1 attempt=1/5"));
	assert_non_null(strstr(f->logbuf, "error=RequestLimitExceeded"));
	assert_non_null(strstr(f->logbuf, "error=Throttling"));
	assert_non_null(strstr(f->logbuf, "attempt=5/5"));
	assert_null(strstr(f->logbuf, "SECRETSIGNATURE"));
}

static void test_client_error_not_retried(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(canned_push(&srv,
		"[{\"status\":400,\"headers\":{\"x-amzn-RequestId\":\"hdr-id\"},\"body\":"
		"\"<?xml version=\\\"1.0\\\"?><Response><Errors><Error><Code>InvalidAMIName."
		"Duplicate</Code><Message>AMI name x is already in use</Message></Error>"
		"</Errors><RequestID>body-id</RequestID></Response>\"},"
		"{\"status\":200}]"), 0);
	char u[128];
	url(u, sizeof(u), "/");
	struct http_request req;
	struct http_response resp;
	struct err e;
	err_clear(&e);
	err_doing(&e, "Registering the image");
	assert_int_equal(http_request_init(&req, "POST", u, &e), 0);
	assert_int_equal(http_perform(f->http, &req, NULL, NULL, &resp, &e), -1);
	assert_int_equal(e.kind, ERR_SERVICE);
	assert_int_equal(e.code, 400);
	assert_string_equal(e.aws_code, "InvalidAMIName.Duplicate");
	assert_string_equal(e.request_id, "body-id");
	assert_string_equal(e.message, "AMI name x is already in use");
	assert_string_equal(e.doing, "Registering the image");
	assert_int_equal(resp.attempts, 1);
	http_response_release(&resp);
	http_request_release(&req);
	json_object *log = canned_log(&srv);
	assert_int_equal(json_object_array_length(log), 1);
	json_object_put(log);
}

static void test_attempts_exhausted(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(canned_push(&srv,
		"[{\"status\":503,\"body\":\"<Error><Code>SlowDown</Code><Message>Please reduce"
		"</Message><RequestId>s3id</RequestId></Error>\"},"
		"{\"status\":503,\"body\":\"<Error><Code>SlowDown</Code><Message>Please reduce"
		"</Message><RequestId>s3id</RequestId></Error>\"},"
		"{\"status\":503,\"body\":\"<Error><Code>SlowDown</Code><Message>Please reduce"
		"</Message><RequestId>s3id</RequestId></Error>\"},"
		"{\"status\":200}]"), 0);
	char u[128];
	url(u, sizeof(u), "/b/k");
	struct http_request req;
	struct http_response resp;
	struct err e;
	err_clear(&e);
	assert_int_equal(http_request_init(&req, "PUT", u, &e), 0);
	req.max_attempts = 3;
	uint64_t t0 = loop_now_ms();
	assert_int_equal(http_perform(f->http, &req, NULL, NULL, &resp, &e), -1);
	assert_true(loop_now_ms() - t0 < 5000);
	assert_string_equal(e.aws_code, "SlowDown");
	assert_int_equal(e.code, 503);
	assert_int_equal(resp.attempts, 3);
	http_response_release(&resp);
	http_request_release(&req);
	json_object *log = canned_log(&srv);
	assert_int_equal(json_object_array_length(log), 3);
	json_object_put(log);
}

/* One GET to /ra against the queued replies, with a client whose backoff is
 * tiny but whose cap is `cap_ms`; returns the ms it took. */
static uint64_t get_with_cap(struct fixture *f, long cap_ms, long deadline_ms, int want_rc,
			     struct http_response *resp, struct err *e)
{
	struct http_client_config cfg = {.log = http_log_to_file, .log_ctx = f->log,
					  .max_attempts = 4, .backoff_base_ms = 1,
					  .backoff_cap_ms = cap_ms};
	struct http_client *c = http_client_new(f->loop, &cfg, e);
	assert_non_null(c);
	char u[128];
	url(u, sizeof(u), "/ra");
	struct http_request req;
	assert_int_equal(http_request_init(&req, "GET", u, e), 0);
	if (deadline_ms)
		req.deadline_ms = deadline_ms;
	uint64_t t0 = loop_now_ms();
	assert_int_equal(http_perform(c, &req, NULL, NULL, resp, e), want_rc);
	uint64_t took = loop_now_ms() - t0;
	http_request_release(&req);
	http_client_free(c);
	return took;
}

/* Retry-After on 503 and 429, as seconds and as an HTTP-date, lengthens
 * the wait beyond the backoff; the cap bounds it, and a wait that would
 * pass the deadline ends the call at once with the server's error. */
static void test_retry_after(void **state)
{
	struct fixture *f = *state;
	struct http_response resp;
	struct err e;
	err_clear(&e);

	assert_int_equal(canned_push(&srv,
		"[{\"status\":503,\"headers\":{\"Retry-After\":\"1\"},\"body\":\"<Error><Code>"
		"SlowDown</Code><Message>m</Message></Error>\"},{\"status\":200,\"body\":\"ok\"}]"), 0);
	uint64_t took = get_with_cap(f, 5000, 0, 0, &resp, &e);
	if (took < 950 || took > 4000)
		fail_msg("503 with Retry-After: 1 took %llu ms", (unsigned long long)took);
	assert_int_equal(resp.attempts, 2);
	http_response_release(&resp);
	fflush(f->log);
	assert_non_null(strstr(f->logbuf, "retry_in_ms=1000"));

	/* an HTTP-date two seconds ahead: at least one whole second */
	char date[64];
	time_t later = time(NULL) + 2;
	struct tm tm;
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&later, &tm));
	char canned[512];
	snprintf(canned, sizeof(canned),
		 "[{\"status\":429,\"headers\":{\"Retry-After\":\"%s\"},\"body\":\"slow down\"},"
		 "{\"status\":200,\"body\":\"ok\"}]", date);
	assert_int_equal(canned_push(&srv, canned), 0);
	took = get_with_cap(f, 5000, 0, 0, &resp, &e);
	if (took < 900 || took > 4500)
		fail_msg("429 with Retry-After: %s took %llu ms", date, (unsigned long long)took);
	assert_int_equal(resp.attempts, 2);
	http_response_release(&resp);

	/* asked for 30 s, capped at 300 ms */
	assert_int_equal(canned_push(&srv,
		"[{\"status\":503,\"headers\":{\"Retry-After\":\"30\"}},"
		"{\"status\":200,\"body\":\"ok\"}]"), 0);
	took = get_with_cap(f, 300, 0, 0, &resp, &e);
	if (took < 280 || took > 2500)
		fail_msg("Retry-After: 30 with a 300 ms cap took %llu ms", (unsigned long long)took);
	http_response_release(&resp);

	/* the wait would pass the 600 ms deadline: fail now, with the 503 */
	assert_int_equal(canned_push(&srv,
		"[{\"status\":503,\"headers\":{\"Retry-After\":\"5\"},\"body\":\"<Error><Code>"
		"SlowDown</Code><Message>m</Message></Error>\"},{\"status\":200}]"), 0);
	took = get_with_cap(f, 20000, 600, -1, &resp, &e);
	if (took > 500)
		fail_msg("a Retry-After past the deadline still waited %llu ms",
			 (unsigned long long)took);
	assert_int_equal(resp.attempts, 1);
	assert_string_equal(e.aws_code, "SlowDown");
	assert_int_equal(e.code, 503);
	http_response_release(&resp);

	json_object *log = canned_log(&srv);
	assert_int_equal(json_object_array_length(log), 7);
	json_object_put(log);

	/* unreadable or zero: the plain backoff (tiny here) */
	assert_int_equal(canned_reset(&srv), 0);
	assert_int_equal(canned_push(&srv,
		"[{\"status\":503,\"headers\":{\"Retry-After\":\"soon\"}},"
		"{\"status\":503,\"headers\":{\"Retry-After\":\"0\"}},{\"status\":200}]"), 0);
	took = get_with_cap(f, 5000, 0, 0, &resp, &e);
	if (took > 900)
		fail_msg("an unusable Retry-After made the call wait %llu ms",
			 (unsigned long long)took);
	assert_int_equal(resp.attempts, 3);
	http_response_release(&resp);
	log = canned_log(&srv);
	assert_int_equal(json_object_array_length(log), 3);
	json_object_put(log);
}

static void test_deadline_on_stall(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(canned_push(&srv, "[{\"do\":\"stall\",\"stall_ms\":30000},"
					   "{\"do\":\"stall\",\"stall_ms\":30000}]"), 0);
	char u[128];
	url(u, sizeof(u), "/slow");
	struct http_request req;
	struct http_response resp;
	struct err e;
	err_clear(&e);
	assert_int_equal(http_request_init(&req, "GET", u, &e), 0);
	req.deadline_ms = 800;
	uint64_t t0 = loop_now_ms();
	assert_int_equal(http_perform(f->http, &req, NULL, NULL, &resp, &e), -1);
	uint64_t took = loop_now_ms() - t0;
	assert_true(took >= 700);
	assert_true(took < 3000);
	assert_int_equal(e.kind, ERR_NETWORK);
	http_response_release(&resp);
	http_request_release(&req);
}

static void test_low_speed_attempt_timeout_then_retry(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(canned_push(&srv, "[{\"do\":\"stall\",\"stall_ms\":30000},"
					   "{\"status\":200,\"body\":\"late\"}]"), 0);
	char u[128];
	url(u, sizeof(u), "/slow");
	struct http_request req;
	struct http_response resp;
	struct err e;
	err_clear(&e);
	assert_int_equal(http_request_init(&req, "GET", u, &e), 0);
	req.attempt_timeout_ms = 500;
	req.deadline_ms = 10000;
	assert_int_equal(http_perform(f->http, &req, NULL, NULL, &resp, &e), 0);
	assert_string_equal(dyn_ptr(&resp.body), "late");
	assert_int_equal(resp.attempts, 2);
	http_response_release(&resp);
	http_request_release(&req);
}

static void test_big_bodies(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(canned_push(&srv, "[{\"status\":200,\"body_size\":10485760},"
					   "{\"status\":200,\"body_size\":10485760}]"), 0);
	char u[128];
	url(u, sizeof(u), "/big");
	struct http_request req;
	struct http_response resp;
	struct err e;
	err_clear(&e);
	assert_int_equal(http_request_init(&req, "GET", u, &e), 0);
	req.max_response = 1u << 20;
	assert_int_equal(http_perform(f->http, &req, NULL, NULL, &resp, &e), -1);
	assert_int_equal(e.kind, ERR_INPUT);
	assert_non_null(strstr(e.message, "larger than"));
	assert_int_equal(resp.attempts, 1); /* never retried */
	http_response_release(&resp);
	req.max_response = 16u << 20;
	assert_int_equal(http_perform(f->http, &req, NULL, NULL, &resp, &e), 0);
	assert_int_equal(dyn_len(&resp.body), 10485760);
	http_response_release(&resp);
	http_request_release(&req);
}

static void test_truncated_and_closed_are_retried(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(canned_push(&srv,
		"[{\"do\":\"truncate\",\"status\":200,\"body\":\"<Resp\"},{\"do\":\"close\"},"
		"{\"status\":200,\"body\":\"whole\"}]"), 0);
	char u[128];
	url(u, sizeof(u), "/t");
	struct http_request req;
	struct http_response resp;
	struct err e;
	err_clear(&e);
	assert_int_equal(http_request_init(&req, "GET", u, &e), 0);
	assert_int_equal(http_perform(f->http, &req, NULL, NULL, &resp, &e), 0);
	assert_string_equal(dyn_ptr(&resp.body), "whole");
	assert_int_equal(resp.attempts, 3);
	http_response_release(&resp);
	http_request_release(&req);
}

static void test_html_502_page(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(canned_push(&srv,
		"[{\"status\":502,\"headers\":{\"Content-Type\":\"text/html\"},\"body\":"
		"\"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>\"}]"),
		0);
	char u[128];
	url(u, sizeof(u), "/");
	struct http_request req;
	struct http_response resp;
	struct err e;
	err_clear(&e);
	assert_int_equal(http_request_init(&req, "POST", u, &e), 0);
	req.max_attempts = 1;
	assert_int_equal(http_perform(f->http, &req, NULL, NULL, &resp, &e), -1);
	assert_int_equal(e.kind, ERR_SERVICE);
	assert_int_equal(e.code, 502);
	assert_non_null(strstr(e.message, "HTML page"));
	http_response_release(&resp);
	http_request_release(&req);
}

/* ---- bodies from files ---- */

static void test_file_range_body_rewinds_on_retry(void **state)
{
	struct fixture *f = *state;
	char path[] = "/tmp/amiwiz-http-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	static unsigned char data[3u << 20];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + i / 1000);
	assert_int_equal(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	const uint64_t off = 12345, len = (2u << 20) + 17;
	uint8_t sum[32];
	char hex[65];
	aws_sha256(sum, data + off, len);
	aws_hex(hex, sum, 32);

	assert_int_equal(canned_push(&srv, "[{\"status\":503},{\"status\":200}]"), 0);
	char u[128];
	url(u, sizeof(u), "/upload");
	struct http_request req;
	struct http_response resp;
	struct err e;
	err_clear(&e);
	assert_int_equal(http_request_init(&req, "PUT", u, &e), 0);
	http_request_body_file(&req, fd, off, len);
	assert_int_equal(http_perform(f->http, &req, NULL, NULL, &resp, &e), 0);
	http_response_release(&resp);
	http_request_release(&req);
	close(fd);
	json_object *log = canned_log(&srv);
	assert_int_equal(json_object_array_length(log), 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(canned_field(log, i, "body_sha256"), hex);
		assert_int_equal(atoll(canned_field(log, i, "body_len")), (long long)len);
	}
	json_object_put(log);
}

/* ---- asynchronous use ---- */

struct done_rec {
	int n;
	int rc[4];
	enum err_kind kind[4];
	bool all;
	int want;
};

static void on_done(struct http_call *call, int rc, const struct err *e,
		    struct http_response *resp, void *ctx)
{
	struct done_rec *d = ctx;
	d->rc[d->n] = rc;
	d->kind[d->n] = e->kind;
	d->n++;
	d->all = d->n == d->want;
}

static void test_concurrent_and_cancel(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(canned_push(&srv, "[{\"do\":\"stall\",\"stall_ms\":300,\"status\":200},"
					   "{\"do\":\"stall\",\"stall_ms\":300,\"status\":200},"
					   "{\"do\":\"stall\",\"stall_ms\":30000}]"), 0);
	char u[128];
	url(u, sizeof(u), "/c");
	struct http_request req;
	struct err e;
	err_clear(&e);
	assert_int_equal(http_request_init(&req, "GET", u, &e), 0);
	struct done_rec d = {.want = 2};
	uint64_t t0 = loop_now_ms();
	assert_non_null(http_start(f->http, &req, NULL, NULL, on_done, &d, &e));
	assert_non_null(http_start(f->http, &req, NULL, NULL, on_done, &d, &e));
	assert_int_equal(d.n, 0); /* never completes inside http_start */
	assert_int_equal(http_run_until(f->loop, &d.all, loop_now_ms() + 10000, &e), 0);
	/* both ran at once: well under two stalls end to end */
	assert_true(loop_now_ms() - t0 < 590 + 1000);
	assert_int_equal(d.rc[0], 0);
	assert_int_equal(d.rc[1], 0);

	struct done_rec c = {.want = 1};
	struct http_call *call = http_start(f->http, &req, NULL, NULL, on_done, &c, &e);
	assert_non_null(call);
	bool never = false;
	assert_int_equal(http_run_until(f->loop, &never, loop_now_ms() + 200, &e), -1);
	assert_int_equal(e.kind, ERR_NETWORK);
	http_cancel(call);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.rc[0], -1);
	assert_int_equal(c.kind[0], ERR_CANCELLED);
	http_request_release(&req);
}

static void test_signer_failure_stops(void **state)
{
	struct fixture *f = *state;
	char u[128];
	url(u, sizeof(u), "/");
	struct http_request req;
	struct http_response resp;
	struct err e;
	err_clear(&e);
	struct test_signer sig = {.fail_on = 1};
	assert_int_equal(http_request_init(&req, "GET", u, &e), 0);
	assert_int_equal(http_perform(f->http, &req, test_sign, &sig, &resp, &e), -1);
	assert_int_equal(e.kind, ERR_CREDENTIALS);
	http_response_release(&resp);
	http_request_release(&req);
	json_object *log = canned_log(&srv);
	assert_int_equal(json_object_array_length(log), 0);
	json_object_put(log);
}

/* ---- pure functions ---- */

static void test_backoff(void **state)
{
	static const struct {
		int attempt;
		uint32_t rnd;
		long want;
	} cases[] = {
		{1, 0, 0},          {1, 100, 100},       {1, 101, 0},
		{1, 0xffffffff, 0xffffffffu % 101}, {2, 200, 200}, {3, 400, 400},
		{3, 401, 0},        {9, 20000, 20000},   {9, 20001, 0},
		{30, 12345, 12345}, {1000, 19999, 19999},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(http_backoff_ms(cases[i].attempt, 100, 20000, cases[i].rnd),
				 cases[i].want);
}

static void test_retryable(void **state)
{
	static const struct {
		long status;
		const char *code;
		int curl;
		bool want;
	} cases[] = {
		{503, "RequestLimitExceeded", 0, true}, {400, "Throttling", 0, true},
		{400, "ThrottlingException", 0, true},  {503, "SlowDown", 0, true},
		{429, "TooManyRequestsException", 0, true}, {429, NULL, 0, true},
		{500, NULL, 0, true},  {502, "", 0, true},  {503, NULL, 0, true},
		{504, NULL, 0, true},  {400, "Client.RequestLimitExceeded", 0, true},
		{400, "InvalidParameterValue", 0, false}, {403, "AuthFailure", 0, false},
		{404, NULL, 0, false}, {501, NULL, 0, false},
		{0, NULL, 7 /* couldn't connect */, true}, {0, NULL, 28 /* timeout */, true},
		{0, NULL, 56 /* recv error (reset) */, true}, {0, NULL, 52 /* got nothing */, true},
		{0, NULL, 60 /* peer certificate */, false}, {0, NULL, 6 /* resolve */, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(http_is_retryable(cases[i].status, cases[i].code, cases[i].curl),
				 cases[i].want);
}

static void test_header_redaction(void **state)
{
	struct http_request req;
	struct err e;
	err_clear(&e);
	assert_int_equal(http_request_init(&req, "GET", "https://x/", &e), 0);
	assert_int_equal(http_request_set_header(&req, "Authorization", "AWS4 sekrit1", &e), 0);
	assert_int_equal(http_request_set_header(&req, "X-Amz-Security-Token", "sekrit2", &e), 0);
	assert_int_equal(http_request_set_header(&req, "X-Amz-Date", "20240101T000000Z", &e), 0);
	assert_int_equal(http_request_set_header(&req, "x-amz-date", "20250101T000000Z", &e), 0);
	assert_int_equal(http_request_set_header(&req, "Bad\nName", "v", &e), -1);
	assert_int_equal(http_request_set_header(&req, "X-Ok", "bad\r\nvalue", &e), -1);
	struct dynbuf out;
	dyn_init(&out, 4096);
	assert_int_equal(http_request_format_headers(&req, &out), 0);
	assert_null(strstr(dyn_ptr(&out), "sekrit"));
	assert_non_null(strstr(dyn_ptr(&out), "Authorization: <redacted>"));
	assert_non_null(strstr(dyn_ptr(&out), "X-Amz-Date: 20250101T000000Z"));
	assert_int_equal(req.n_headers, 3);
	assert_int_equal(http_request_set_header(&req, "authorization", NULL, &e), 0);
	assert_null(http_request_header(&req, "Authorization"));
	dyn_free(&out);
	http_request_release(&req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_policy),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_retryable),
		cmocka_unit_test(test_header_redaction),
		cmocka_unit_test_setup_teardown(test_start_refuses_plain_http, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_captures_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_methods_and_empty_bodies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retries_resign_and_same_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_error_not_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attempts_exhausted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadline_on_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_low_speed_attempt_timeout_then_retry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_big_bodies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_and_closed_are_retried, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_html_502_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_range_body_rewinds_on_retry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_and_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signer_failure_stops, setup, teardown),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
