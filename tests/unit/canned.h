/* Helpers for unit tests that talk to tests/servers/canned.py, the loopback
 * server with canned responses.  Header-only: each test program includes it. */
#ifndef AMIWIZ_TESTS_CANNED_H
#define AMIWIZ_TESTS_CANNED_H

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "aws/http.h"
#include "help/loop.h"

struct canned {
	pid_t pid;
	int in_fd; /* the server's stdin: closing it stops the server */
	int port;
	char base[64]; /* "http://127.0.0.1:PORT" */
};

/* Start the server; 0 or -1.  Waits for its port with a deadline. */
static int canned_start(struct canned *s)
{
	int in[2], out[2];
	memset(s, 0, sizeof(*s));
	/* the client honours proxy variables; tests talk to loopback only */
	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("HTTPS_PROXY");
	unsetenv("ALL_PROXY");
	unsetenv("all_proxy");
	if (pipe(in) < 0 || pipe(out) < 0)
		return -1;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl("/usr/bin/python3", "python3", AMIWIZ_SOURCE_ROOT "/tests/servers/canned.py",
		      (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	s->in_fd = in[1];
	char line[64];
	size_t n = 0;
	uint64_t deadline = loop_now_ms() + 20000;
	while (n < sizeof(line) - 1 && loop_now_ms() < deadline) {
		struct pollfd p = {.fd = out[0], .events = POLLIN};
		if (poll(&p, 1, 200) <= 0)
			continue;
		ssize_t r = read(out[0], line + n, 1);
		if (r <= 0)
			break;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(out[0]);
	if (sscanf(line, "PORT %d", &s->port) != 1)
		return -1;
	snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d", s->port);
	return 0;
}

static void canned_stop(struct canned *s)
{
	if (s->pid > 0) {
		close(s->in_fd);
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
}

/* What every service-client test starts from: the server, and a client that
 * retries fast (5 ms base, 40 ms cap) on a loop of its own, logging to `log`
 * (NULL: no log).  0 or -1. */
static inline int canned_client_start(struct canned *s, struct loop **ret_loop,
				      struct http_client **ret_http, FILE *log)
{
	struct err e;
	err_clear(&e);
	if (canned_start(s) < 0 || !(*ret_loop = loop_new()))
		return -1;
	struct http_client_config cfg = {.backoff_base_ms = 5, .backoff_cap_ms = 40};
	if (log) {
		cfg.log = http_log_to_file;
		cfg.log_ctx = log;
	}
	*ret_http = http_client_new(*ret_loop, &cfg, &e);
	return *ret_http ? 0 : -1;
}

static inline void canned_client_stop(struct canned *s, struct loop *loop, struct http_client *http)
{
	http_client_free(http);
	loop_free(loop);
	canned_stop(s);
}

static size_t canned_collect(char *p, size_t size, size_t n, void *ud)
{
	struct dynbuf *d = ud;
	return dyn_add(d, p, size * n) < 0 ? 0 : size * n;
}

/* A blocking control request; returns the body (free it) or NULL. */
static char *canned_ctl(struct canned *s, const char *path, const char *post)
{
	char url[128];
	struct dynbuf d;
	dyn_init(&d, 64u << 20);
	snprintf(url, sizeof(url), "%s%s", s->base, path);
	CURL *e = curl_easy_init();
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, canned_collect);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &d);
	if (post)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, post);
	CURLcode rc = curl_easy_perform(e);
	curl_easy_cleanup(e);
	if (rc != CURLE_OK) {
		dyn_free(&d);
		return NULL;
	}
	return dyn_take(&d, NULL);
}

/* Append responses (a JSON list) to the queue. */
static int canned_push(struct canned *s, const char *json_list)
{
	char *r = canned_ctl(s, "/__canned/push", json_list);
	free(r);
	return r ? 0 : -1;
}

__attribute__((unused)) static int canned_reset(struct canned *s)
{
	char *r = canned_ctl(s, "/__canned/reset", "");
	free(r);
	return r ? 0 : -1;
}

/* The requests received so far (a JSON array; json_object_put it). */
static json_object *canned_log(struct canned *s)
{
	char *r = canned_ctl(s, "/__canned/log", NULL);
	json_object *o = r ? json_tokener_parse(r) : NULL;
	free(r);
	return o;
}

/* Field `key` of request `i` in a log, or NULL. */
__attribute__((unused)) static const char *canned_field(json_object *log, size_t i, const char *key)
{
	json_object *req = json_object_array_get_idx(log, i), *v;
	if (!req || !json_object_object_get_ex(req, key, &v))
		return NULL;
	return json_object_get_string(v);
}

/* Header `name` (lower case) of request `i`, or NULL. */
__attribute__((unused)) static const char *canned_header(json_object *log, size_t i, const char *name)
{
	json_object *req = json_object_array_get_idx(log, i), *h, *v;
	if (!req || !json_object_object_get_ex(req, "headers", &h) ||
	    !json_object_object_get_ex(h, name, &v))
		return NULL;
	return json_object_get_string(v);
}

#endif
