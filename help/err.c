#include "help/err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const err_kind_names[ERR_KIND_MAX] = {
#define X(id, name) [id] = name,
	ERR_KINDS(X)
#undef X
};

/* snprintf into a fixed field, never overflowing and always terminated */
static void field_set(char *dst, size_t size, const char *src)
{
	if (!src)
		src = "";
	snprintf(dst, size, "%s", src);
}

void err_clear(struct err *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

int err_isset(const struct err *e)
{
	return e && e->kind != ERR_NONE;
}

int err_vset(struct err *e, enum err_kind kind, long code, const char *fmt, va_list ap)
{
	if (!e)
		return -1;
	e->kind = kind;
	e->code = code;
	e->aws_code[0] = '\0';
	e->request_id[0] = '\0';
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	return -1;
}

int err_set(struct err *e, enum err_kind kind, long code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(e, kind, code, fmt, ap);
	va_end(ap);
	return -1;
}

int err_sys(struct err *e, int errnum, const char *fmt, ...)
{
	if (e) {
		char what[ERR_MESSAGE_MAX];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
		err_set(e, ERR_SYSTEM, errnum, "%s: %s", what, strerror(errnum));
	}
	return errnum > 0 ? -errnum : -1;
}

int err_service(struct err *e, long http_status, const char *aws_code, const char *request_id,
		const char *message)
{
	if (!e)
		return -1;
	e->kind = ERR_SERVICE;
	e->code = http_status;
	field_set(e->aws_code, sizeof(e->aws_code), aws_code);
	field_set(e->request_id, sizeof(e->request_id), request_id);
	field_set(e->message, sizeof(e->message), message);
	return -1;
}

void err_doing(struct err *e, const char *fmt, ...)
{
	if (!e)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->doing, sizeof(e->doing), fmt, ap);
	va_end(ap);
}

static void redact_field(char *s, size_t size, const char *secret, size_t slen)
{
	static const char mask[] = "********";
	char out[ERR_MESSAGE_MAX];
	size_t o = 0;
	const char *p = s;

	if (size > sizeof(out))
		size = sizeof(out);
	while (*p && o + 1 < size) {
		if (strncmp(p, secret, slen) == 0) {
			for (const char *m = mask; *m && o + 1 < size; m++)
				out[o++] = *m;
			p += slen;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	memcpy(s, out, o + 1);
}

void err_redact(struct err *e, const char *secret)
{
	if (!e || !secret)
		return;
	size_t slen = strlen(secret);
	if (slen < 4)
		return;
	redact_field(e->aws_code, sizeof(e->aws_code), secret, slen);
	redact_field(e->request_id, sizeof(e->request_id), secret, slen);
	redact_field(e->doing, sizeof(e->doing), secret, slen);
	redact_field(e->message, sizeof(e->message), secret, slen);
}

const char *err_kind_name(enum err_kind kind)
{
	if ((unsigned)kind >= ERR_KIND_MAX)
		return "unknown";
	return err_kind_names[kind];
}

int err_format(const struct err *e, struct dynbuf *out)
{
	int r = 0;
	const char *sep = "";
	if (e->doing[0]) {
		r = dyn_addstr(out, e->doing);
		sep = ": ";
	}
	if (!r && e->aws_code[0]) {
		r = dyn_addf(out, "%s%s", sep, e->aws_code);
		sep = ": ";
	}
	if (!r && e->message[0])
		r = dyn_addf(out, "%s%s", sep, e->message);
	else if (!r && !e->doing[0] && !e->aws_code[0])
		r = dyn_addf(out, "%s error", err_kind_name(e->kind));
	if (!r && e->request_id[0])
		r = dyn_addf(out, " (request id %s)", e->request_id);
	return r;
}
