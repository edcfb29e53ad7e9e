#include "aws/awsutil.h"

#include "aws/sigv4.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

int aws_uri_encode(struct dynbuf *out, const char *s, size_t len, bool keep_slash)
{
	/* one encoder for what is signed and what is sent */
	return sigv4_uri_encode(s, len, keep_slash, out);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int aws_uri_decode(struct dynbuf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '%') {
			if (len - i < 3)
				return -EINVAL;
			int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
			if (h < 0 || l < 0)
				return -EINVAL;
			c = (char)(h * 16 + l);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		int r = dyn_addc(out, c);
		if (r < 0)
			return r;
	}
	return 0;
}

void aws_form_init(struct aws_form *f, size_t max)
{
	dyn_init(&f->buf, max);
	f->error = 0;
}

void aws_form_release(struct aws_form *f)
{
	if (f)
		dyn_free(&f->buf);
}

void aws_form_add(struct aws_form *f, const char *key, const char *value)
{
	if (f->error || !value)
		return;
	int r = 0;
	if (dyn_len(&f->buf))
		r = dyn_addc(&f->buf, '&');
	if (!r)
		r = aws_uri_encode(&f->buf, key, strlen(key), false);
	if (!r)
		r = dyn_addc(&f->buf, '=');
	if (!r)
		r = aws_uri_encode(&f->buf, value, strlen(value), false);
	if (r)
		f->error = r;
}

void aws_form_addk(struct aws_form *f, const char *value, const char *keyfmt, ...)
{
	if (!value)
		return;
	char key[256];
	va_list ap;
	va_start(ap, keyfmt);
	int n = vsnprintf(key, sizeof(key), keyfmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(key)) {
		f->error = -E2BIG;
		return;
	}
	aws_form_add(f, key, value);
}

void aws_form_add_bool(struct aws_form *f, const char *key, bool value)
{
	aws_form_add(f, key, value ? "true" : "false");
}

void aws_form_add_long(struct aws_form *f, const char *key, long long value)
{
	char v[32];
	snprintf(v, sizeof(v), "%lld", value);
	aws_form_add(f, key, v);
}

int aws_form_finish(struct aws_form *f, struct err *reterr)
{
	if (!f->error)
		return 0;
	return err_set(reterr, ERR_INPUT, 0, "the request parameters are too long (over %zu bytes)",
		       f->buf.max);
}

void aws_base64(char *out, const void *data, size_t len)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	size_t o = 0, i = 0;
	for (; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = tbl[v >> 18];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = tbl[(v >> 6) & 63];
		out[o++] = tbl[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);
		out[o++] = tbl[v >> 18];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

void aws_hex(char *out, const void *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * len] = '\0';
}

void aws_sha256(uint8_t out[32], const void *data, size_t len)
{
	SHA256(data, len, out);
}

int aws_uuid4(char out[37], struct err *reterr)
{
	unsigned char b[16];
	if (RAND_bytes(b, sizeof(b)) != 1)
		return err_set(reterr, ERR_SYSTEM, 0, "the random number generator failed");
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	char hex[33];
	aws_hex(hex, b, 16);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
	return 0;
}

void aws_strlcpy(char *dst, const char *src, size_t size)
{
	if (!size)
		return;
	snprintf(dst, size, "%s", src ? src : "");
}
