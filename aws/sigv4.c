#include "aws/sigv4.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "aws/sigv4_priv.h"
#include "help/unittest.h"

#define SKEW_SECONDS (15 * 60)
#define MAX_NAME 256 /* a header name, a service or region name */

static const char hexdigits[] = "0123456789abcdef";

/* Headers HTTP clients add or rewrite on their own (curl sends Expect and
 * User-Agent, tracing proxies add the trace id): signing them would break
 * the signature in transit.  botocore leaves out the same three. */
static const char *const unsigned_headers[] = {"expect", "user-agent", "x-amzn-trace-id"};

static int fail_dyn(struct err *reterr, int r, const char *what)
{
	if (r == -ENOMEM)
		return err_sys(reterr, ENOMEM, "Signing the request");
	return err_set(reterr, ERR_INPUT, 0, "The request is too large to sign (%s)", what);
}

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdigits[in[i] >> 4];
		out[2 * i + 1] = hexdigits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

UNITTEST int sigv4_sha256_hex(const void *data, size_t len, char hex[SIGV4_HEX_LEN + 1])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	if (!EVP_Digest(data ? data : "", len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return -1;
	to_hex(md, 32, hex);
	return 0;
}

static int hmac256(const void *key, size_t keylen, const void *msg, size_t len,
		   unsigned char out[32])
{
	unsigned int outlen = 0;
	if (!HMAC(EVP_sha256(), key, (int)keylen, msg, len, out, &outlen) || outlen != 32)
		return -1;
	return 0;
}

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '~';
}

int sigv4_uri_encode(const char *s, size_t len, int keep_slash, struct dynbuf *out)
{
	static const char up[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int r;
		if (is_unreserved(c) || (keep_slash && c == '/')) {
			r = dyn_addc(out, (char)c);
		} else {
			char esc[3] = {'%', up[c >> 4], up[c & 15]};
			r = dyn_add(out, esc, 3);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int sigv4_query_to_wire(const struct sigv4_kv *q, size_t n, struct dynbuf *out)
{
	for (size_t i = 0; i < n; i++) {
		int r = 0;
		if (i)
			r = dyn_addc(out, '&');
		if (!r)
			r = sigv4_uri_encode(q[i].name, strlen(q[i].name), 0, out);
		if (!r && q[i].value) {
			r = dyn_addc(out, '=');
			if (!r)
				r = sigv4_uri_encode(q[i].value, strlen(q[i].value), 0, out);
		}
		if (r < 0)
			return r;
	}
	return 0;
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

/* Decode %XY in place; returns -1 on a malformed escape. */
static int pct_decode(char *s)
{
	char *w = s;
	for (char *p = s; *p; p++) {
		if (*p == '%') {
			int hi = hexval(p[1]);
			int lo = hi < 0 ? -1 : hexval(p[2]);
			if (hi < 0 || lo < 0)
				return -1;
			*w++ = (char)(hi * 16 + lo);
			p += 2;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return 0;
}

int sigv4_query_parse(char *qs, struct sigv4_kv *ret_q, size_t max, size_t *ret_n,
		      struct err *reterr)
{
	size_t n = 0;
	char *p = qs;
	*ret_n = 0;
	if (!qs || !*qs)
		return 0;
	for (;;) {
		char *amp = strchr(p, '&');
		if (amp)
			*amp = '\0';
		if (*p) { /* "a=1&&b=2": an empty piece is no parameter */
			if (n >= max)
				return err_set(reterr, ERR_INPUT, 0,
					       "The query string has more than %zu parameters", max);
			char *eq = strchr(p, '=');
			if (eq)
				*eq = '\0';
			if (pct_decode(p) < 0 || (eq && pct_decode(eq + 1) < 0))
				return err_set(reterr, ERR_INPUT, 0,
					       "The query string has a malformed %%-escape");
			ret_q[n].name = p;
			ret_q[n].value = eq ? eq + 1 : NULL;
			n++;
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	*ret_n = n;
	return 0;
}

int sigv4_amz_date(time_t when, char out[SIGV4_AMZ_DATE_LEN + 1])
{
	struct tm tm;
	if (!gmtime_r(&when, &tm) || tm.tm_year + 1900 < 1970 || tm.tm_year + 1900 > 9999)
		return -1;
	if (strftime(out, SIGV4_AMZ_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm) != SIGV4_AMZ_DATE_LEN)
		return -1;
	return 0;
}

/* "YYYYMMDDTHHMMSSZ" back to seconds; -1 when it is not such a date. */
UNITTEST int sigv4_parse_amz_date(const char *s, time_t *ret)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != SIGV4_AMZ_DATE_LEN || s[8] != 'T' || s[15] != 'Z')
		return -1;
	for (int i = 0; i < 15; i++)
		if (i != 8 && (s[i] < '0' || s[i] > '9'))
			return -1;
#define DIG(i) (s[i] - '0')
	tm.tm_year = DIG(0) * 1000 + DIG(1) * 100 + DIG(2) * 10 + DIG(3) - 1900;
	tm.tm_mon = DIG(4) * 10 + DIG(5) - 1;
	tm.tm_mday = DIG(6) * 10 + DIG(7);
	tm.tm_hour = DIG(9) * 10 + DIG(10);
	tm.tm_min = DIG(11) * 10 + DIG(12);
	tm.tm_sec = DIG(13) * 10 + DIG(14);
#undef DIG
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	time_t t = timegm(&tm);
	char back[SIGV4_AMZ_DATE_LEN + 1];
	/* timegm normalises 31 February into March: refuse such dates */
	if (t == (time_t)-1 || sigv4_amz_date(t, back) < 0 || strcmp(back, s) != 0)
		return -1;
	*ret = t;
	return 0;
}

/* --- stage 1 --- */

/* The path as signed.  S3: as given.  Others: RFC 3986 dot-segment removal,
 * empty segments dropped (AWS wants "//" collapsed), then encoded again. */
UNITTEST int sigv4_canonical_path(const char *path, unsigned flags, struct dynbuf *out)
{
	int r;
	if (!path || !*path)
		return dyn_addc(out, '/');
	if (flags & SIGV4_F_S3_PATH)
		return dyn_addstr(out, path);

	size_t len = strlen(path);
	/* segment start offsets kept as a stack */
	size_t *seg = malloc(sizeof(size_t) * (len / 2 + 2));
	size_t *seglen = malloc(sizeof(size_t) * (len / 2 + 2));
	size_t nseg = 0;
	if (!seg || !seglen) {
		free(seg);
		free(seglen);
		return -ENOMEM;
	}
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && path[j] != '/')
			j++;
		size_t l = j - i;
		if (l == 0 || (l == 1 && path[i] == '.')) {
			/* empty or "." */
		} else if (l == 2 && path[i] == '.' && path[i + 1] == '.') {
			if (nseg)
				nseg--;
		} else {
			seg[nseg] = i;
			seglen[nseg] = l;
			nseg++;
		}
		i = j + 1;
	}
	r = 0;
	if (path[0] == '/')
		r = dyn_addc(out, '/');
	for (size_t k = 0; k < nseg && !r; k++) {
		if (k)
			r = dyn_addc(out, '/');
		if (!r)
			r = sigv4_uri_encode(path + seg[k], seglen[k], 1, out);
	}
	if (!r && nseg && path[len - 1] == '/')
		r = dyn_addc(out, '/');
	free(seg);
	free(seglen);
	return r;
}

struct qpair {
	char *k, *v;
};

static int qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	int c = strcmp(x->k, y->k);
	return c ? c : strcmp(x->v, y->v);
}

UNITTEST int sigv4_canonical_query(const struct sigv4_kv *q, size_t n, struct dynbuf *out)
{
	struct qpair *p;
	struct dynbuf tmp;
	int r = 0;
	if (n == 0)
		return 0;
	p = calloc(n, sizeof(*p));
	if (!p)
		return -ENOMEM;
	dyn_init(&tmp, SIGV4_MAX_CREQ);
	for (size_t i = 0; i < n && !r; i++) {
		const char *v = q[i].value ? q[i].value : "";
		dyn_reset(&tmp);
		r = sigv4_uri_encode(q[i].name ? q[i].name : "", q[i].name ? strlen(q[i].name) : 0,
				     0, &tmp);
		if (!r && !(p[i].k = strdup(dyn_ptr(&tmp))))
			r = -ENOMEM;
		dyn_reset(&tmp);
		if (!r)
			r = sigv4_uri_encode(v, strlen(v), 0, &tmp);
		if (!r && !(p[i].v = strdup(dyn_ptr(&tmp))))
			r = -ENOMEM;
	}
	if (!r) {
		qsort(p, n, sizeof(*p), qpair_cmp);
		for (size_t i = 0; i < n && !r; i++)
			r = dyn_addf(out, "%s%s=%s", i ? "&" : "", p[i].k, p[i].v);
	}
	for (size_t i = 0; i < n; i++) {
		free(p[i].k);
		free(p[i].v);
	}
	free(p);
	dyn_free(&tmp);
	return r;
}

struct hent {
	char lname[MAX_NAME];
	const char *value;
	size_t idx;
};

static int hent_cmp(const void *a, const void *b)
{
	const struct hent *x = a, *y = b;
	int c = strcmp(x->lname, y->lname);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Trimall: drop leading and trailing white space, turn every run of it inside
 * into one space. */
static int add_trimmed(struct dynbuf *out, const char *v)
{
	int pending = 0, any = 0;
	for (; *v; v++) {
		if (is_ws(*v)) {
			pending = any;
			continue;
		}
		if (pending && dyn_addc(out, ' ') < 0)
			return -E2BIG;
		pending = 0;
		any = 1;
		int r = dyn_addc(out, *v);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Lower-case a header name into `out`; -1 when it is empty, too long or holds
 * a character no header name may hold. */
static int lower_name(const char *name, char out[MAX_NAME])
{
	size_t i = 0;
	if (!name)
		return -1;
	/* botocore strips the name too; spaces around it are harmless */
	while (*name == ' ' || *name == '\t')
		name++;
	for (; name[i]; i++) {
		unsigned char c = (unsigned char)name[i];
		if (i + 1 >= MAX_NAME || c <= ' ' || c >= 127 || c == ':' || c == ';' || c == ',')
			break;
		out[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
	}
	size_t end = i;
	while (name[end] == ' ' || name[end] == '\t')
		end++;
	if (i == 0 || name[end] != '\0')
		return -1;
	out[i] = '\0';
	return 0;
}

static int name_in_list(const char *lname, const char *list)
{
	size_t l = strlen(lname);
	const char *p = list;
	while (*p) {
		const char *e = strchr(p, ';');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == l && memcmp(p, lname, l) == 0)
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

static int is_unsigned_header(const char *lname)
{
	for (size_t i = 0; i < sizeof(unsigned_headers) / sizeof(unsigned_headers[0]); i++)
		if (strcmp(lname, unsigned_headers[i]) == 0)
			return 1;
	return 0;
}

int sigv4_canonical_request(const struct sigv4_request *req, unsigned flags,
			    const char *only_signed, const char *payload_hash,
			    struct dynbuf *creq, struct dynbuf *signed_headers,
			    struct err *reterr)
{
	struct hent *h = NULL;
	size_t nh = 0;
	int r;
	int have_host = 0;

	if (!req->method || !*req->method)
		return err_set(reterr, ERR_INPUT, 0, "The request has no method");
	if (req->n_headers > SIGV4_MAX_HEADERS)
		return err_set(reterr, ERR_INPUT, 0, "The request has more than %d headers",
			       SIGV4_MAX_HEADERS);
	if (req->n_query > SIGV4_MAX_QUERY)
		return err_set(reterr, ERR_INPUT, 0,
			       "The request has more than %d query parameters", SIGV4_MAX_QUERY);
	for (size_t i = 0; i < req->n_query; i++)
		if (!req->query[i].name)
			return err_set(reterr, ERR_INPUT, 0, "A query parameter has no name");

	h = calloc(req->n_headers ? req->n_headers : 1, sizeof(*h));
	if (!h)
		return err_sys(reterr, ENOMEM, "Signing the request");
	for (size_t i = 0; i < req->n_headers; i++) {
		struct hent *e = &h[nh];
		if (lower_name(req->headers[i].name, e->lname) < 0) {
			r = err_set(reterr, ERR_INPUT, 0,
				    "Header %zu has an empty or invalid name", i + 1);
			goto fail;
		}
		if (only_signed ? !name_in_list(e->lname, only_signed)
				: is_unsigned_header(e->lname))
			continue;
		if (strcmp(e->lname, "host") == 0)
			have_host = 1;
		e->value = req->headers[i].value ? req->headers[i].value : "";
		e->idx = i;
		nh++;
	}
	if (!have_host) {
		r = err_set(reterr, ERR_INPUT, 0, "The request has no signed Host header");
		goto fail;
	}
	qsort(h, nh, sizeof(*h), hent_cmp);

	/* method */
	for (const char *m = req->method; *m; m++) {
		char c = *m;
		if ((r = dyn_addc(creq, (char)((c >= 'a' && c <= 'z') ? c - 32 : c))) < 0)
			goto dynfail;
	}
	if ((r = dyn_addc(creq, '\n')) < 0 || (r = sigv4_canonical_path(req->path, flags, creq)) < 0 ||
	    (r = dyn_addc(creq, '\n')) < 0 ||
	    (r = sigv4_canonical_query(req->query, req->n_query, creq)) < 0 ||
	    (r = dyn_addc(creq, '\n')) < 0)
		goto dynfail;

	/* canonical headers: one line per name, values of repeats joined by "," */
	for (size_t i = 0; i < nh; i++) {
		int first = i == 0 || strcmp(h[i].lname, h[i - 1].lname) != 0;
		if (first) {
			if (i && (r = dyn_addc(creq, '\n')) < 0)
				goto dynfail;
			if ((r = dyn_addf(creq, "%s:", h[i].lname)) < 0)
				goto dynfail;
		} else if ((r = dyn_addc(creq, ',')) < 0) {
			goto dynfail;
		}
		if ((r = add_trimmed(creq, h[i].value)) < 0)
			goto dynfail;
	}
	if ((r = dyn_addstr(creq, "\n\n")) < 0)
		goto dynfail;

	size_t sh_start = creq->len;
	for (size_t i = 0; i < nh; i++) {
		if (i && strcmp(h[i].lname, h[i - 1].lname) == 0)
			continue;
		if ((r = dyn_addf(creq, "%s%s", i ? ";" : "", h[i].lname)) < 0)
			goto dynfail;
	}
	if (signed_headers &&
	    (r = dyn_add(signed_headers, dyn_ptr(creq) + sh_start, creq->len - sh_start)) < 0)
		goto dynfail;
	/* every name listed as signed must have been sent */
	if (only_signed) {
		if (strcmp(dyn_ptr(creq) + sh_start, only_signed) != 0) {
			r = err_set(reterr, ERR_INPUT, 0,
				    "A header listed in SignedHeaders is missing from the request");
			goto fail;
		}
	}
	if ((r = dyn_addf(creq, "\n%s", payload_hash)) < 0)
		goto dynfail;
	free(h);
	return 0;

dynfail:
	r = fail_dyn(reterr, r, "canonical request");
fail:
	free(h);
	return r;
}

/* --- stage 2 --- */

int sigv4_string_to_sign(const char *amz_date, const char *scope, const char *creq,
			 size_t creq_len, struct dynbuf *sts, struct err *reterr)
{
	char hex[SIGV4_HEX_LEN + 1];
	if (sigv4_sha256_hex(creq, creq_len, hex) < 0)
		return err_set(reterr, ERR_INTERNAL, 0, "SHA-256 failed");
	int r = dyn_addf(sts, SIGV4_ALGORITHM "\n%s\n%s\n%s", amz_date, scope, hex);
	if (r < 0)
		return fail_dyn(reterr, r, "string to sign");
	return 0;
}

/* --- stage 3 --- */

int sigv4_signature(const char *secret, const char *date8, const char *region,
		    const char *service, const char *sts, size_t sts_len,
		    char hex[SIGV4_HEX_LEN + 1], struct err *reterr)
{
	unsigned char k[32], k2[32], sig[32];
	char *seed = NULL;
	size_t slen = strlen(secret) + 4;
	int r = -1;

	seed = malloc(slen + 1);
	if (!seed)
		return err_sys(reterr, ENOMEM, "Signing the request");
	memcpy(seed, "AWS4", 4);
	memcpy(seed + 4, secret, slen - 4);
	if (hmac256(seed, slen, date8, strlen(date8), k) < 0 ||
	    hmac256(k, 32, region, strlen(region), k2) < 0 ||
	    hmac256(k2, 32, service, strlen(service), k) < 0 ||
	    hmac256(k, 32, "aws4_request", 12, k2) < 0 || hmac256(k2, 32, sts, sts_len, sig) < 0) {
		r = err_set(reterr, ERR_INTERNAL, 0, "HMAC-SHA256 failed");
		goto out;
	}
	to_hex(sig, 32, hex);
	r = 0;
out:
	OPENSSL_cleanse(seed, slen);
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(k2, sizeof(k2));
	OPENSSL_cleanse(sig, sizeof(sig));
	free(seed);
	return r;
}

/* --- signing --- */

void sigv4_signed_init(struct sigv4_signed *s)
{
	memset(s, 0, sizeof(*s));
	dyn_init(&s->creq, SIGV4_MAX_CREQ);
	dyn_init(&s->sts, SIGV4_MAX_STS);
	dyn_init(&s->scope, 512);
	dyn_init(&s->signed_headers, SIGV4_MAX_AUTHZ);
	dyn_init(&s->authorization, SIGV4_MAX_AUTHZ);
	dyn_init(&s->query, SIGV4_MAX_AUTHZ + 8192);
	dyn_init(&s->token_, 8192);
}

static void dyn_wipe_free(struct dynbuf *d)
{
	if (d->buf)
		OPENSSL_cleanse(d->buf, d->alloc);
	dyn_free(d);
}

static void signed_reset(struct sigv4_signed *s)
{
	dyn_reset(&s->creq);
	dyn_reset(&s->sts);
	dyn_reset(&s->scope);
	dyn_reset(&s->signed_headers);
	dyn_reset(&s->authorization);
	if (s->query.buf)
		OPENSSL_cleanse(s->query.buf, s->query.alloc);
	dyn_reset(&s->query);
	if (s->token_.buf)
		OPENSSL_cleanse(s->token_.buf, s->token_.alloc);
	dyn_reset(&s->token_);
	s->signature[0] = s->amz_date[0] = s->payload_hash[0] = '\0';
	memset(s->add_headers, 0, sizeof(s->add_headers));
	s->n_add_headers = 0;
}

void sigv4_signed_free(struct sigv4_signed *s)
{
	if (!s)
		return;
	dyn_wipe_free(&s->creq);
	dyn_wipe_free(&s->sts);
	dyn_wipe_free(&s->scope);
	dyn_wipe_free(&s->signed_headers);
	dyn_wipe_free(&s->authorization);
	dyn_wipe_free(&s->query);
	dyn_wipe_free(&s->token_);
	OPENSSL_cleanse(s->signature, sizeof(s->signature));
	s->amz_date[0] = s->payload_hash[0] = '\0';
	memset(s->add_headers, 0, sizeof(s->add_headers));
	s->n_add_headers = 0;
}

unsigned sigv4_service_flags(const char *service)
{
	if (service && strcmp(service, "s3") == 0)
		return SIGV4_F_S3_PATH | SIGV4_F_CONTENT_SHA256;
	return 0;
}

static unsigned effective_flags(unsigned flags, const char *service)
{
	if (flags & SIGV4_F_EXPLICIT)
		return flags;
	return flags | sigv4_service_flags(service);
}

/* A scope part (region, service) must not break the scope's "/" structure. */
static int valid_scope_part(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n >= 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      (c >= 'A' && c <= 'Z')))
			return 0;
	}
	return 1;
}

static int valid_payload_hash(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > SIGV4_HEX_LEN)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		      (c >= 'A' && c <= 'Z')))
			return 0;
	}
	return 1;
}

static const struct sigv4_kv *find_header(const struct sigv4_kv *h, size_t n, const char *lname)
{
	for (size_t i = 0; i < n; i++)
		if (h[i].name && strcasecmp(h[i].name, lname) == 0)
			return &h[i];
	return NULL;
}

static const struct sigv4_kv *find_query(const struct sigv4_kv *q, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (q[i].name && strcmp(q[i].name, name) == 0)
			return &q[i];
	return NULL;
}

/* The signed header list of `req` as sign would compute it (for the query
 * form, whose X-Amz-SignedHeaders parameter is itself signed). */
static int signed_header_list(const struct sigv4_request *req, struct dynbuf *out,
			      struct err *reterr)
{
	struct dynbuf scratch;
	dyn_init(&scratch, SIGV4_MAX_CREQ);
	int r = sigv4_canonical_request(req, SIGV4_F_S3_PATH, NULL, "", &scratch, out, reterr);
	dyn_free(&scratch);
	return r;
}

int sigv4_sign(const struct sigv4_request *req, const struct sigv4_credentials *cred,
	       struct sigv4_signed *out, struct err *reterr)
{
	static const char *const reserved_query[] = {
		"X-Amz-Algorithm", "X-Amz-Credential",     "X-Amz-Date",     "X-Amz-Expires",
		"X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature"};
	struct sigv4_kv *hdrs = NULL, *qry = NULL;
	struct sigv4_request r2;
	struct dynbuf cred_param, expires_param, sh_param;
	char date8[9];
	const char *token;
	unsigned flags;
	int query_form, r = 0;

	signed_reset(out);
	dyn_init(&cred_param, 1024);
	dyn_init(&expires_param, 32);
	dyn_init(&sh_param, SIGV4_MAX_AUTHZ);

	if (!cred || !cred->access_key_id || !*cred->access_key_id || !cred->secret_access_key ||
	    !*cred->secret_access_key)
		return err_set(reterr, ERR_CREDENTIALS, 0,
			       "No access key id or secret access key to sign with");
	for (const char *c = cred->access_key_id; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == '/' || (unsigned char)*c >= 127)
			return err_set(reterr, ERR_CREDENTIALS, 0,
				       "The access key id holds a character it cannot hold");
	if (!valid_scope_part(req->service) || !valid_scope_part(req->region))
		return err_set(reterr, ERR_INPUT, 0,
			       "The service or region name is empty or not a plain name");
	token = cred->session_token && *cred->session_token ? cred->session_token : NULL;
	flags = effective_flags(req->flags, req->service);
	query_form = req->form == SIGV4_FORM_QUERY;
	if (query_form && (req->expires < 1 || req->expires > SIGV4_MAX_EXPIRES))
		return err_set(reterr, ERR_INPUT, 0,
			       "A presigned request must expire within 1 to %d seconds",
			       SIGV4_MAX_EXPIRES);

	/* headers the signer owns must not come from the caller */
	for (size_t i = 0; i < req->n_headers; i++) {
		const char *n = req->headers[i].name ? req->headers[i].name : "";
		if (strcasecmp(n, "authorization") == 0 || strcasecmp(n, "x-amz-date") == 0 ||
		    (token && strcasecmp(n, "x-amz-security-token") == 0) ||
		    ((flags & SIGV4_F_CONTENT_SHA256) && !query_form &&
		     strcasecmp(n, "x-amz-content-sha256") == 0))
			return err_set(reterr, ERR_INPUT, 0,
				       "The request already has a %s header, which the signer adds",
				       n);
	}
	if (query_form)
		for (size_t i = 0; i < req->n_query; i++)
			for (size_t j = 0; j < sizeof(reserved_query) / sizeof(*reserved_query); j++)
				if (req->query[i].name && strcmp(req->query[i].name, reserved_query[j]) == 0)
					return err_set(reterr, ERR_INPUT, 0,
						       "The request already has a %s parameter",
						       reserved_query[j]);

	if (sigv4_amz_date(req->when ? req->when : time(NULL), out->amz_date) < 0)
		return err_set(reterr, ERR_INPUT, 0, "The signing time cannot be written as a date");
	memcpy(date8, out->amz_date, 8);
	date8[8] = '\0';

	/* payload hash */
	const struct sigv4_kv *sha_hdr = find_header(req->headers, req->n_headers, "x-amz-content-sha256");
	if (req->payload_hash) {
		if (!valid_payload_hash(req->payload_hash))
			return err_set(reterr, ERR_INPUT, 0, "The payload hash is not a hash");
		snprintf(out->payload_hash, sizeof(out->payload_hash), "%s", req->payload_hash);
	} else if (sha_hdr && !((flags & SIGV4_F_CONTENT_SHA256) && !query_form)) {
		if (!sha_hdr->value || !valid_payload_hash(sha_hdr->value))
			return err_set(reterr, ERR_INPUT, 0,
				       "The x-amz-content-sha256 header is not a hash");
		snprintf(out->payload_hash, sizeof(out->payload_hash), "%s", sha_hdr->value);
	} else if (query_form && (flags & SIGV4_F_S3_PATH)) {
		/* a presigned S3 URL never covers a body: S3 (and sigv4_verify)
		 * take it as unsigned */
		snprintf(out->payload_hash, sizeof(out->payload_hash), "%s",
			 SIGV4_UNSIGNED_PAYLOAD);
	} else if (sigv4_sha256_hex(req->body, req->body_len, out->payload_hash) < 0) {
		return err_set(reterr, ERR_INTERNAL, 0, "SHA-256 failed");
	}

	/* the request as signed: the caller's headers plus ours */
	hdrs = calloc(req->n_headers + SIGV4_MAX_ADD_HEADERS, sizeof(*hdrs));
	qry = calloc(req->n_query + 8, sizeof(*qry));
	if (!hdrs || !qry) {
		r = err_sys(reterr, ENOMEM, "Signing the request");
		goto fail;
	}
	memcpy(hdrs, req->headers, req->n_headers * sizeof(*hdrs));
	if (req->n_query)
		memcpy(qry, req->query, req->n_query * sizeof(*qry));
	r2 = *req;
	r2.headers = hdrs;
	r2.query = qry;

	if ((r = dyn_addf(&out->scope, "%s/%s/%s/aws4_request", date8, req->region, req->service)) < 0)
		goto dynfail;
	if (token && (r = dyn_addstr(&out->token_, token)) < 0)
		goto dynfail;

	if (!query_form) {
		hdrs[r2.n_headers++] = (struct sigv4_kv){"X-Amz-Date", out->amz_date};
		if (token && !(flags & SIGV4_F_TOKEN_UNSIGNED))
			hdrs[r2.n_headers++] =
				(struct sigv4_kv){"X-Amz-Security-Token", dyn_ptr(&out->token_)};
		if (flags & SIGV4_F_CONTENT_SHA256)
			hdrs[r2.n_headers++] =
				(struct sigv4_kv){"X-Amz-Content-SHA256", out->payload_hash};
	} else {
		if ((r = signed_header_list(&r2, &sh_param, reterr)) < 0)
			goto fail;
		if ((r = dyn_addf(&cred_param, "%s/%s", cred->access_key_id, dyn_ptr(&out->scope))) < 0 ||
		    (r = dyn_addf(&expires_param, "%u", req->expires)) < 0)
			goto dynfail;
		/* the order botocore uses, so presigned URLs look alike */
		size_t q0 = r2.n_query;
		qry[r2.n_query++] = (struct sigv4_kv){"X-Amz-Algorithm", SIGV4_ALGORITHM};
		qry[r2.n_query++] = (struct sigv4_kv){"X-Amz-Credential", dyn_ptr(&cred_param)};
		qry[r2.n_query++] = (struct sigv4_kv){"X-Amz-Date", out->amz_date};
		qry[r2.n_query++] = (struct sigv4_kv){"X-Amz-Expires", dyn_ptr(&expires_param)};
		qry[r2.n_query++] =
			(struct sigv4_kv){"X-Amz-SignedHeaders", dyn_ptr(&sh_param)};
		if (token)
			qry[r2.n_query++] =
				(struct sigv4_kv){"X-Amz-Security-Token", dyn_ptr(&out->token_)};
		if ((r = sigv4_query_to_wire(qry + q0, r2.n_query - q0, &out->query)) < 0)
			goto dynfail;
	}

	if ((r = sigv4_canonical_request(&r2, flags, NULL, out->payload_hash, &out->creq,
					 &out->signed_headers, reterr)) < 0)
		goto fail;
	if ((r = sigv4_string_to_sign(out->amz_date, dyn_ptr(&out->scope), dyn_ptr(&out->creq),
				      dyn_len(&out->creq), &out->sts, reterr)) < 0)
		goto fail;
	if ((r = sigv4_signature(cred->secret_access_key, date8, req->region, req->service,
				 dyn_ptr(&out->sts), dyn_len(&out->sts), out->signature, reterr)) < 0)
		goto fail;

	if (query_form) {
		if ((r = dyn_addf(&out->query, "&X-Amz-Signature=%s", out->signature)) < 0)
			goto dynfail;
	} else {
		if ((r = dyn_addf(&out->authorization,
				  SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
				  cred->access_key_id, dyn_ptr(&out->scope),
				  dyn_ptr(&out->signed_headers), out->signature)) < 0)
			goto dynfail;
		size_t n = 0;
		out->add_headers[n++] = (struct sigv4_kv){"X-Amz-Date", out->amz_date};
		if (token)
			out->add_headers[n++] =
				(struct sigv4_kv){"X-Amz-Security-Token", dyn_ptr(&out->token_)};
		if (flags & SIGV4_F_CONTENT_SHA256)
			out->add_headers[n++] =
				(struct sigv4_kv){"X-Amz-Content-SHA256", out->payload_hash};
		out->add_headers[n++] =
			(struct sigv4_kv){"Authorization", dyn_ptr(&out->authorization)};
		out->n_add_headers = n;
	}
	r = 0;
	goto out;

dynfail:
	r = fail_dyn(reterr, r, "signature");
fail:
	if (token)
		err_redact(reterr, token);
	err_redact(reterr, cred->secret_access_key);
out:
	free(hdrs);
	free(qry);
	dyn_wipe_free(&cred_param);
	dyn_free(&expires_param);
	dyn_free(&sh_param);
	return r;
}

/* --- verifying --- */

static int parse_credential(const char *s, size_t len, struct sigv4_auth *a, struct err *reterr)
{
	/* AKID/YYYYMMDD/region/service/aws4_request */
	const char *parts[5];
	size_t plen[5];
	size_t n = 0;
	const char *p = s, *end = s + len;
	while (n < 5) {
		const char *sl = memchr(p, '/', (size_t)(end - p));
		parts[n] = p;
		plen[n] = sl ? (size_t)(sl - p) : (size_t)(end - p);
		n++;
		if (!sl)
			break;
		p = sl + 1;
	}
	if (n != 5 || parts[4] + plen[4] != end)
		return err_set(reterr, ERR_INPUT, 0,
			       "The credential is not AKID/date/region/service/aws4_request");
	if (plen[0] == 0 || plen[0] >= sizeof(a->access_key_id))
		return err_set(reterr, ERR_INPUT, 0, "The credential's access key id is empty or too long");
	for (size_t i = 0; i < plen[0]; i++) {
		unsigned char c = (unsigned char)parts[0][i];
		if (c <= ' ' || c >= 127 || c == ',' || c == '=')
			return err_set(reterr, ERR_INPUT, 0,
				       "The credential's access key id holds an invalid character");
	}
	if (plen[1] != 8)
		return err_set(reterr, ERR_INPUT, 0, "The credential's date is not YYYYMMDD");
	for (size_t i = 0; i < 8; i++)
		if (parts[1][i] < '0' || parts[1][i] > '9')
			return err_set(reterr, ERR_INPUT, 0, "The credential's date is not YYYYMMDD");
	for (int k = 2; k <= 3; k++) {
		if (plen[k] == 0 || plen[k] >= 64)
			return err_set(reterr, ERR_INPUT, 0,
				       "The credential's %s is empty or too long",
				       k == 2 ? "region" : "service");
		for (size_t i = 0; i < plen[k]; i++) {
			unsigned char c = (unsigned char)parts[k][i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '_'))
				return err_set(reterr, ERR_INPUT, 0,
					       "The credential's %s holds an invalid character",
					       k == 2 ? "region" : "service");
		}
	}
	if (plen[4] != 12 || memcmp(parts[4], "aws4_request", 12) != 0)
		return err_set(reterr, ERR_INPUT, 0, "The credential does not end in aws4_request");
	memcpy(a->access_key_id, parts[0], plen[0]);
	a->access_key_id[plen[0]] = '\0';
	memcpy(a->date8, parts[1], 8);
	a->date8[8] = '\0';
	memcpy(a->region, parts[2], plen[2]);
	a->region[plen[2]] = '\0';
	memcpy(a->service, parts[3], plen[3]);
	a->service[plen[3]] = '\0';
	return 0;
}

static int parse_signed_headers(const char *s, size_t len, struct sigv4_auth *a,
				struct err *reterr)
{
	if (len == 0 || len >= sizeof(a->signed_headers))
		return err_set(reterr, ERR_INPUT, 0, "SignedHeaders is empty or too long");
	const char *prev = NULL;
	size_t prevlen = 0;
	size_t i = 0;
	while (i <= len) {
		size_t j = i;
		while (j < len && s[j] != ';')
			j++;
		size_t l = j - i;
		if (l == 0)
			return err_set(reterr, ERR_INPUT, 0, "SignedHeaders has an empty name");
		for (size_t k = i; k < j; k++) {
			unsigned char c = (unsigned char)s[k];
			if (c <= ' ' || c >= 127 || c == ':' || c == ',' || (c >= 'A' && c <= 'Z'))
				return err_set(reterr, ERR_INPUT, 0,
					       "SignedHeaders holds a name that is not lower case");
		}
		if (prev) {
			size_t m = prevlen < l ? prevlen : l;
			int c = memcmp(prev, s + i, m);
			if (c > 0 || (c == 0 && prevlen >= l))
				return err_set(reterr, ERR_INPUT, 0,
					       "SignedHeaders is not sorted or repeats a name");
		}
		prev = s + i;
		prevlen = l;
		i = j + 1;
	}
	memcpy(a->signed_headers, s, len);
	a->signed_headers[len] = '\0';
	return 0;
}

static int parse_signature(const char *s, size_t len, struct sigv4_auth *a, struct err *reterr)
{
	if (len != SIGV4_HEX_LEN)
		return err_set(reterr, ERR_INPUT, 0, "The signature is not 64 hex digits");
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return err_set(reterr, ERR_INPUT, 0, "The signature is not 64 hex digits");
	memcpy(a->signature, s, len);
	a->signature[len] = '\0';
	return 0;
}

int sigv4_parse_authorization(const char *value, struct sigv4_auth *ret, struct err *reterr)
{
	static const char alg[] = SIGV4_ALGORITHM;
	int seen_cred = 0, seen_sh = 0, seen_sig = 0;
	const char *p;

	memset(ret, 0, sizeof(*ret));
	if (!value)
		return err_set(reterr, ERR_INPUT, 0, "There is no Authorization header");
	while (*value == ' ' || *value == '\t')
		value++;
	if (strncmp(value, alg, sizeof(alg) - 1) != 0 ||
	    (value[sizeof(alg) - 1] != ' ' && value[sizeof(alg) - 1] != '\t' &&
	     value[sizeof(alg) - 1] != '\0'))
		return err_set(reterr, ERR_INPUT, 0,
			       "The Authorization header does not start with " SIGV4_ALGORITHM);
	p = value + sizeof(alg) - 1;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, ',');
		size_t l = end ? (size_t)(end - p) : strlen(p);
		while (l && (p[l - 1] == ' ' || p[l - 1] == '\t'))
			l--;
		const char *eq = memchr(p, '=', l);
		if (!eq)
			return err_set(reterr, ERR_INPUT, 0,
				       "The Authorization header has a part without \"=\"");
		size_t kl = (size_t)(eq - p);
		const char *v = eq + 1;
		size_t vl = l - kl - 1;
		int rr;
		if (kl == 10 && memcmp(p, "Credential", 10) == 0) {
			if (seen_cred++)
				return err_set(reterr, ERR_INPUT, 0, "Credential appears twice");
			rr = parse_credential(v, vl, ret, reterr);
		} else if (kl == 13 && memcmp(p, "SignedHeaders", 13) == 0) {
			if (seen_sh++)
				return err_set(reterr, ERR_INPUT, 0, "SignedHeaders appears twice");
			rr = parse_signed_headers(v, vl, ret, reterr);
		} else if (kl == 9 && memcmp(p, "Signature", 9) == 0) {
			if (seen_sig++)
				return err_set(reterr, ERR_INPUT, 0, "Signature appears twice");
			rr = parse_signature(v, vl, ret, reterr);
		} else {
			return err_set(reterr, ERR_INPUT, 0,
				       "The Authorization header has an unknown part");
		}
		if (rr < 0)
			return rr;
		if (!end)
			break;
		p = end + 1;
	}
	if (!seen_cred || !seen_sh || !seen_sig)
		return err_set(reterr, ERR_INPUT, 0,
			       "The Authorization header lacks %s",
			       !seen_cred ? "Credential" : !seen_sh ? "SignedHeaders" : "Signature");
	return 0;
}

static const char *const verdict_names[SIGV4_VERIFY_MAX] = {
	[SIGV4_VERIFY_OK] = "ok",
	[SIGV4_VERIFY_MISSING] = "missing",
	[SIGV4_VERIFY_MALFORMED] = "malformed",
	[SIGV4_VERIFY_UNKNOWN_KEY] = "unknown-key",
	[SIGV4_VERIFY_SKEWED] = "skewed",
	[SIGV4_VERIFY_EXPIRED] = "expired",
	[SIGV4_VERIFY_BAD_PAYLOAD] = "bad-payload",
	[SIGV4_VERIFY_MISMATCH] = "mismatch",
};

const char *sigv4_verdict_name(enum sigv4_verdict v)
{
	if ((unsigned)v >= SIGV4_VERIFY_MAX)
		return "unknown";
	return verdict_names[v];
}

void sigv4_verified_init(struct sigv4_verified *v)
{
	memset(v, 0, sizeof(*v));
	v->verdict = SIGV4_VERIFY_MISSING;
	sigv4_signed_init(&v->calc);
}

void sigv4_verified_free(struct sigv4_verified *v)
{
	if (!v)
		return;
	sigv4_signed_free(&v->calc);
}

/* Set the verdict and a reason; returns 0 (the request was judged). */
static int judge(struct sigv4_verified *ret, enum sigv4_verdict v, struct err *reterr,
		 const char *why)
{
	ret->verdict = v;
	if (v != SIGV4_VERIFY_OK)
		err_set(reterr, ERR_CREDENTIALS, 0, "%s", why);
	return 0;
}

int sigv4_verify(const struct sigv4_request *rx, sigv4_lookup_fn lookup, void *lookup_ctx,
		 struct sigv4_verified *ret, struct err *reterr)
{
	struct sigv4_signed *c = &ret->calc;
	struct sigv4_auth *a = &ret->auth;
	struct sigv4_kv *qry = NULL;
	struct sigv4_request r2 = *rx;
	struct err perr;
	const char *secret = NULL;
	const char *amz_date;
	time_t t, now = rx->when ? rx->when : time(NULL);
	unsigned flags;
	int r = 0;

	signed_reset(c);
	memset(a, 0, sizeof(*a));
	err_clear(&perr);

	const struct sigv4_kv *authz = find_header(rx->headers, rx->n_headers, "authorization");
	const struct sigv4_kv *qsig = find_query(rx->query, rx->n_query, "X-Amz-Signature");
	if (authz) {
		ret->form = SIGV4_FORM_HEADER;
		if (sigv4_parse_authorization(authz->value, a, &perr) < 0)
			return judge(ret, SIGV4_VERIFY_MALFORMED, reterr, perr.message);
		const struct sigv4_kv *d = find_header(rx->headers, rx->n_headers, "x-amz-date");
		if (!d || !d->value)
			return judge(ret, SIGV4_VERIFY_MALFORMED, reterr,
				     "The request has no X-Amz-Date header");
		amz_date = d->value;
	} else if (qsig) {
		ret->form = SIGV4_FORM_QUERY;
		const struct sigv4_kv *alg = find_query(rx->query, rx->n_query, "X-Amz-Algorithm");
		const struct sigv4_kv *cr = find_query(rx->query, rx->n_query, "X-Amz-Credential");
		const struct sigv4_kv *dt = find_query(rx->query, rx->n_query, "X-Amz-Date");
		const struct sigv4_kv *ex = find_query(rx->query, rx->n_query, "X-Amz-Expires");
		const struct sigv4_kv *sh = find_query(rx->query, rx->n_query, "X-Amz-SignedHeaders");
		if (!alg || !cr || !dt || !ex || !sh || !alg->value || !cr->value || !dt->value ||
		    !ex->value || !sh->value || !qsig->value)
			return judge(ret, SIGV4_VERIFY_MALFORMED, reterr,
				     "The presigned request lacks an X-Amz-* parameter");
		if (strcmp(alg->value, SIGV4_ALGORITHM) != 0)
			return judge(ret, SIGV4_VERIFY_MALFORMED, reterr,
				     "X-Amz-Algorithm is not " SIGV4_ALGORITHM);
		if (parse_credential(cr->value, strlen(cr->value), a, &perr) < 0 ||
		    parse_signed_headers(sh->value, strlen(sh->value), a, &perr) < 0 ||
		    parse_signature(qsig->value, strlen(qsig->value), a, &perr) < 0)
			return judge(ret, SIGV4_VERIFY_MALFORMED, reterr, perr.message);
		char *e;
		errno = 0;
		unsigned long expires = strtoul(ex->value, &e, 10);
		if (errno || e == ex->value || *e || expires < 1 || expires > SIGV4_MAX_EXPIRES ||
		    ex->value[0] == '-' || ex->value[0] == '+')
			return judge(ret, SIGV4_VERIFY_MALFORMED, reterr,
				     "X-Amz-Expires is not a number of seconds up to 7 days");
		amz_date = dt->value;
		if (sigv4_parse_amz_date(amz_date, &t) < 0)
			return judge(ret, SIGV4_VERIFY_MALFORMED, reterr,
				     "X-Amz-Date is not a date like 20150830T123600Z");
		if (now > t + (time_t)expires)
			return judge(ret, SIGV4_VERIFY_EXPIRED, reterr, "The presigned request has expired");
		if (t > now + SKEW_SECONDS)
			return judge(ret, SIGV4_VERIFY_SKEWED, reterr,
				     "The presigned request is dated in the future");
		/* every parameter but the signature itself was signed */
		qry = calloc(rx->n_query ? rx->n_query : 1, sizeof(*qry));
		if (!qry)
			return err_sys(reterr, ENOMEM, "Checking a signature");
		r2.n_query = 0;
		for (size_t i = 0; i < rx->n_query; i++)
			if (&rx->query[i] != qsig)
				qry[r2.n_query++] = rx->query[i];
		r2.query = qry;
	} else {
		return judge(ret, SIGV4_VERIFY_MISSING, reterr, "The request is not signed");
	}

	if (ret->form == SIGV4_FORM_HEADER) {
		if (sigv4_parse_amz_date(amz_date, &t) < 0) {
			r = judge(ret, SIGV4_VERIFY_MALFORMED, reterr,
				  "X-Amz-Date is not a date like 20150830T123600Z");
			goto out;
		}
		if (t > now + SKEW_SECONDS || t < now - SKEW_SECONDS) {
			r = judge(ret, SIGV4_VERIFY_SKEWED, reterr,
				  "The request's time is more than 15 minutes from the server's");
			goto out;
		}
	}
	if (memcmp(amz_date, a->date8, 8) != 0) {
		r = judge(ret, SIGV4_VERIFY_MALFORMED, reterr,
			  "The credential scope's date is not the request's date");
		goto out;
	}
	if (!name_in_list("host", a->signed_headers)) {
		r = judge(ret, SIGV4_VERIFY_MALFORMED, reterr, "The Host header is not signed");
		goto out;
	}
	if (lookup(lookup_ctx, a->access_key_id, &secret) < 0 || !secret) {
		r = judge(ret, SIGV4_VERIFY_UNKNOWN_KEY, reterr,
			  "The access key id is not known");
		goto out;
	}

	flags = effective_flags(rx->flags, a->service);
	snprintf(c->amz_date, sizeof(c->amz_date), "%s", amz_date);
	const struct sigv4_kv *sha = find_header(rx->headers, rx->n_headers, "x-amz-content-sha256");
	if (rx->payload_hash) {
		snprintf(c->payload_hash, sizeof(c->payload_hash), "%s", rx->payload_hash);
	} else if (sha && sha->value && valid_payload_hash(sha->value)) {
		snprintf(c->payload_hash, sizeof(c->payload_hash), "%s", sha->value);
		if (strlen(sha->value) == SIGV4_HEX_LEN && strncmp(sha->value, "STREAMING", 9) != 0) {
			char body_hash[SIGV4_HEX_LEN + 1];
			if (sigv4_sha256_hex(rx->body, rx->body_len, body_hash) < 0) {
				r = err_set(reterr, ERR_INTERNAL, 0, "SHA-256 failed");
				goto out;
			}
			if (CRYPTO_memcmp(body_hash, sha->value, SIGV4_HEX_LEN) != 0) {
				r = judge(ret, SIGV4_VERIFY_BAD_PAYLOAD, reterr,
					  "x-amz-content-sha256 does not match the body");
				goto out;
			}
		}
	} else if (sha) {
		r = judge(ret, SIGV4_VERIFY_MALFORMED, reterr, "x-amz-content-sha256 is not a hash");
		goto out;
	} else if (ret->form == SIGV4_FORM_QUERY && (flags & SIGV4_F_S3_PATH)) {
		snprintf(c->payload_hash, sizeof(c->payload_hash), "%s", SIGV4_UNSIGNED_PAYLOAD);
	} else if (sigv4_sha256_hex(rx->body, rx->body_len, c->payload_hash) < 0) {
		r = err_set(reterr, ERR_INTERNAL, 0, "SHA-256 failed");
		goto out;
	}

	if ((r = dyn_addf(&c->scope, "%s/%s/%s/aws4_request", a->date8, a->region, a->service)) < 0) {
		r = fail_dyn(reterr, r, "scope");
		goto out;
	}
	if (sigv4_canonical_request(&r2, flags, a->signed_headers, c->payload_hash, &c->creq,
				    &c->signed_headers, &perr) < 0) {
		if (perr.kind == ERR_SYSTEM) {
			*reterr = perr;
			r = -1;
		} else {
			r = judge(ret, SIGV4_VERIFY_MALFORMED, reterr, perr.message);
		}
		goto out;
	}
	if ((r = sigv4_string_to_sign(amz_date, dyn_ptr(&c->scope), dyn_ptr(&c->creq),
				      dyn_len(&c->creq), &c->sts, reterr)) < 0)
		goto out;
	if ((r = sigv4_signature(secret, a->date8, a->region, a->service, dyn_ptr(&c->sts),
				 dyn_len(&c->sts), c->signature, reterr)) < 0)
		goto out;
	if (CRYPTO_memcmp(c->signature, a->signature, SIGV4_HEX_LEN) != 0)
		r = judge(ret, SIGV4_VERIFY_MISMATCH, reterr,
			  "The signature does not match the request");
	else
		r = judge(ret, SIGV4_VERIFY_OK, reterr, "");
out:
	/* the server's own signature is as good as the secret for this request */
	if (ret->verdict != SIGV4_VERIFY_OK)
		OPENSSL_cleanse(c->signature, sizeof(c->signature));
	if (secret)
		err_redact(reterr, secret);
	free(qry);
	return r;
}
