#include "help/dynbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DYN_MIN_ALLOC 32

void dyn_init(struct dynbuf *d, size_t max)
{
	d->buf = NULL;
	d->len = 0;
	d->alloc = 0;
	d->max = max;
}

void dyn_free(struct dynbuf *d)
{
	free(d->buf);
	d->buf = NULL;
	d->len = 0;
	d->alloc = 0;
}

void dyn_reset(struct dynbuf *d)
{
	d->len = 0;
	if (d->buf)
		d->buf[0] = '\0';
}

/* Make room for `extra` more bytes plus the NUL. */
static int dyn_reserve(struct dynbuf *d, size_t extra)
{
	if (extra > d->max || d->len > d->max - extra)
		return -E2BIG;
	size_t need = d->len + extra + 1;
	if (need <= d->alloc)
		return 0;
	size_t a = d->alloc ? d->alloc : DYN_MIN_ALLOC;
	while (a < need)
		a = a > (SIZE_MAX / 2) ? need : a * 2;
	/* never allocate much past what the maximum allows */
	if (a > d->max + 1)
		a = d->max + 1;
	char *p = realloc(d->buf, a);
	if (!p)
		return -ENOMEM;
	d->buf = p;
	d->alloc = a;
	return 0;
}

int dyn_add(struct dynbuf *d, const void *mem, size_t len)
{
	int r = dyn_reserve(d, len);
	if (r < 0)
		return r;
	if (len)
		memcpy(d->buf + d->len, mem, len);
	d->len += len;
	d->buf[d->len] = '\0';
	return 0;
}

int dyn_addstr(struct dynbuf *d, const char *str)
{
	return dyn_add(d, str, strlen(str));
}

int dyn_addc(struct dynbuf *d, char c)
{
	return dyn_add(d, &c, 1);
}

int dyn_vaddf(struct dynbuf *d, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -EINVAL;
	int r = dyn_reserve(d, (size_t)n);
	if (r < 0)
		return r;
	vsnprintf(d->buf + d->len, (size_t)n + 1, fmt, ap);
	d->len += (size_t)n;
	return 0;
}

int dyn_addf(struct dynbuf *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = dyn_vaddf(d, fmt, ap);
	va_end(ap);
	return r;
}

void dyn_truncate(struct dynbuf *d, size_t len)
{
	if (len < d->len) {
		d->len = len;
		d->buf[len] = '\0';
	}
}

const char *dyn_ptr(const struct dynbuf *d)
{
	return d->buf ? d->buf : "";
}

size_t dyn_len(const struct dynbuf *d)
{
	return d->len;
}

char *dyn_take(struct dynbuf *d, size_t *ret_len)
{
	char *p = d->buf;
	size_t len = d->len;
	if (!p) {
		p = calloc(1, 1);
		if (!p)
			return NULL;
	}
	d->buf = NULL;
	d->len = 0;
	d->alloc = 0;
	if (ret_len)
		*ret_len = len;
	return p;
}
