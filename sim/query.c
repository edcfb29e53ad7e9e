#include "sim/query.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int query_decode(struct dynbuf *out, const char *s, size_t len, int plus_is_space)
{
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= len)
				return -1;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (c == 0)
			return -1;
		int r = dyn_addc(out, (char)c);
		if (r)
			return r;
	}
	return 0;
}

int query_uri_encode(struct dynbuf *out, const char *s, size_t len, int keep_slash)
{
	/* the signer's encoder: what the sim encodes must match what it verifies */
	return sigv4_uri_encode(s, len, keep_slash, out);
}

static int add_pair(struct query *q, const char *s, size_t len)
{
	const char *eq = memchr(s, '=', len);
	size_t nlen = eq ? (size_t)(eq - s) : len;
	struct dynbuf name, value;
	int rc = -1;

	if (nlen == 0)
		return -1;
	if (q->n >= QUERY_MAX_PARAMS)
		return -1;
	dyn_init(&name, 64 * 1024);
	dyn_init(&value, 16 * 1024 * 1024);
	if (query_decode(&name, s, nlen, 1))
		goto fail;
	if (eq && query_decode(&value, eq + 1, len - nlen - 1, 1))
		goto fail;
	if (q->n == q->alloc) {
		size_t na = q->alloc ? q->alloc * 2 : 16;
		struct query_param *nv = realloc(q->v, na * sizeof(*nv));
		if (!nv)
			goto fail;
		q->v = nv;
		q->alloc = na;
	}
	q->v[q->n].name = dyn_take(&name, NULL);
	q->v[q->n].value = dyn_take(&value, NULL);
	if (!q->v[q->n].name || !q->v[q->n].value) {
		free(q->v[q->n].name);
		free(q->v[q->n].value);
		goto fail;
	}
	q->n++;
	rc = 0;
fail:
	dyn_free(&name);
	dyn_free(&value);
	return rc;
}

int query_parse(struct query *q, const char *s, size_t len)
{
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '&') {
			if (i > start && add_pair(q, s + start, i - start))
				return -1;
			start = i + 1;
		}
	}
	return 0;
}

const char *query_get(const struct query *q, const char *name)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->v[i].name, name) == 0)
			return q->v[i].value;
	return NULL;
}

void query_free(struct query *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->n; i++) {
		free(q->v[i].name);
		free(q->v[i].value);
	}
	free(q->v);
	q->v = NULL;
	q->n = q->alloc = 0;
}
