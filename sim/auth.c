/* SigV4 verification for amiwiz-sim, with OpenSSL only.  The three stages of
 * the signature (canonical request, string to sign, signature) are built the
 * way AWS documents them and compared in constant time. */
#include "sim/auth.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "help/unittest.h"
#include "sim/auth_priv.h"
#include "sim/query.h"

#define AUTH_MAX_CANON (1024 * 1024)

const char *auth_header_get(const struct auth_header *headers, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(headers[i].name, name) == 0)
			return headers[i].value;
	return NULL;
}

static void hexify(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = 0;
}

static void copy_bounded(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = 0;
}

/* The parts of "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...". */
struct authz {
	char credential[512];
	char signed_headers[2048];
	char signature[129];
};

static int parse_authz(const char *h, struct authz *a)
{
	static const char algo[] = "AWS4-HMAC-SHA256";
	const char *p;

	memset(a, 0, sizeof(*a));
	if (strncmp(h, algo, sizeof(algo) - 1) != 0 || h[sizeof(algo) - 1] != ' ')
		return -1;
	p = h + sizeof(algo);
	while (*p) {
		const char *end, *eq;
		size_t len;
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (!eq)
			return -1;
		len = (size_t)(end - eq - 1);
		while (len && eq[len] == ' ')
			len--;
		if ((size_t)(eq - p) == 10 && strncmp(p, "Credential", 10) == 0)
			copy_bounded(a->credential, sizeof(a->credential), eq + 1, len);
		else if ((size_t)(eq - p) == 13 && strncmp(p, "SignedHeaders", 13) == 0)
			copy_bounded(a->signed_headers, sizeof(a->signed_headers), eq + 1, len);
		else if ((size_t)(eq - p) == 9 && strncmp(p, "Signature", 9) == 0)
			copy_bounded(a->signature, sizeof(a->signature), eq + 1, len);
		p = end;
	}
	if (!a->credential[0] || !a->signed_headers[0] || strlen(a->signature) != 64)
		return -1;
	return 0;
}

/* Split "ID/YYYYMMDD/region/service/aws4_request" into `ret` and `date8`. */
static int parse_credential(const char *cred, struct auth_result *ret, char date8[9])
{
	const char *parts[5];
	size_t lens[5];
	const char *p = cred;
	for (int i = 0; i < 5; i++) {
		const char *slash = strchr(p, '/');
		parts[i] = p;
		if (i < 4) {
			if (!slash)
				return -1;
			lens[i] = (size_t)(slash - p);
			p = slash + 1;
		} else {
			if (slash)
				return -1;
			lens[i] = strlen(p);
		}
	}
	if (lens[0] == 0 || lens[0] >= sizeof(ret->key_id) || lens[1] != 8 || lens[2] == 0 ||
	    lens[2] >= sizeof(ret->region) || lens[3] == 0 || lens[3] >= sizeof(ret->service) ||
	    lens[4] != 12 || strncmp(parts[4], "aws4_request", 12) != 0)
		return -1;
	copy_bounded(ret->key_id, sizeof(ret->key_id), parts[0], lens[0]);
	copy_bounded(date8, 9, parts[1], 8);
	copy_bounded(ret->region, sizeof(ret->region), parts[2], lens[2]);
	copy_bounded(ret->service, sizeof(ret->service), parts[3], lens[3]);
	return 0;
}

int auth_scope(const struct auth_header *headers, size_t nheaders, struct auth_result *ret)
{
	const char *h = auth_header_get(headers, nheaders, "Authorization");
	struct authz a;
	char date8[9];

	memset(ret, 0, sizeof(*ret));
	if (!h) {
		ret->verdict = AUTH_MISSING;
		return -1;
	}
	if (parse_authz(h, &a) || parse_credential(a.credential, ret, date8)) {
		ret->verdict = AUTH_MALFORMED;
		return -1;
	}
	return 0;
}

struct qpair {
	char *name;
	char *value;
};

static int qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->value, y->value);
}

UNITTEST int auth_canonical_query(struct dynbuf *out, const char *raw_query)
{
	struct query q = {0};
	struct qpair *pairs = NULL;
	size_t n = 0;
	int rc = -1;

	if (!raw_query || !*raw_query)
		return 0;
	if (query_parse(&q, raw_query, strlen(raw_query)))
		goto fail;
	pairs = calloc(q.n ? q.n : 1, sizeof(*pairs));
	if (!pairs)
		goto fail;
	for (size_t i = 0; i < q.n; i++) {
		struct dynbuf nb, vb;
		if (strcmp(q.v[i].name, "X-Amz-Signature") == 0)
			continue;
		dyn_init(&nb, AUTH_MAX_CANON);
		dyn_init(&vb, AUTH_MAX_CANON);
		if (query_uri_encode(&nb, q.v[i].name, strlen(q.v[i].name), 0) ||
		    query_uri_encode(&vb, q.v[i].value, strlen(q.v[i].value), 0)) {
			dyn_free(&nb);
			dyn_free(&vb);
			goto fail;
		}
		pairs[n].name = dyn_take(&nb, NULL);
		pairs[n].value = dyn_take(&vb, NULL);
		n++;
		if (!pairs[n - 1].name || !pairs[n - 1].value)
			goto fail;
	}
	qsort(pairs, n, sizeof(*pairs), qpair_cmp);
	for (size_t i = 0; i < n; i++)
		if (dyn_addf(out, "%s%s=%s", i ? "&" : "", pairs[i].name, pairs[i].value))
			goto fail;
	rc = 0;
fail:
	for (size_t i = 0; i < n; i++) {
		free(pairs[i].name);
		free(pairs[i].value);
	}
	free(pairs);
	query_free(&q);
	return rc;
}

/* Header value as SigV4 wants it: trimmed, inner runs of spaces collapsed. */
static int add_trimmed(struct dynbuf *out, const char *v)
{
	int space = 0, started = 0;
	for (; *v; v++) {
		if (*v == ' ' || *v == '\t') {
			space = started;
			continue;
		}
		if (space && dyn_addc(out, ' '))
			return -1;
		space = 0;
		started = 1;
		if (dyn_addc(out, *v))
			return -1;
	}
	return 0;
}

UNITTEST int auth_canonical_request(struct dynbuf *out, const struct auth_request *req,
				    const char *service, const char *signed_headers,
				    const char *payload_hash)
{
	const char *path = req->raw_path && *req->raw_path ? req->raw_path : "/";
	const char *p;

	if (dyn_addf(out, "%s\n", req->method))
		return -1;
	/* S3 signs the path as sent; every other service encodes it once more. */
	if (strcmp(service, "s3") == 0) {
		if (dyn_addstr(out, path))
			return -1;
	} else if (query_uri_encode(out, path, strlen(path), 1)) {
		return -1;
	}
	if (dyn_addc(out, '\n') || auth_canonical_query(out, req->raw_query) || dyn_addc(out, '\n'))
		return -1;
	p = signed_headers;
	while (*p) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int first = 1;
		if (len == 0 || len > 256)
			return -1;
		if (dyn_add(out, p, len) || dyn_addc(out, ':'))
			return -1;
		for (size_t i = 0; i < req->nheaders; i++) {
			if (strlen(req->headers[i].name) != len ||
			    strncasecmp(req->headers[i].name, p, len) != 0)
				continue;
			if (!first && dyn_addc(out, ','))
				return -1;
			if (add_trimmed(out, req->headers[i].value))
				return -1;
			first = 0;
		}
		if (dyn_addc(out, '\n'))
			return -1;
		p += len;
		if (*p == ';')
			p++;
	}
	if (dyn_addf(out, "\n%s\n%s", signed_headers, payload_hash))
		return -1;
	return 0;
}

static void hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int olen = 32;
	HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &olen);
}

UNITTEST void auth_signature_hex(const char *secret, const char *date8, const char *region,
				 const char *service, const char *string_to_sign, char hex[65])
{
	unsigned char k[32], sig[32];
	char first[256];
	snprintf(first, sizeof(first), "AWS4%s", secret);
	hmac(first, strlen(first), date8, k);
	hmac(k, 32, region, k);
	hmac(k, 32, service, k);
	hmac(k, 32, "aws4_request", k);
	hmac(k, 32, string_to_sign, sig);
	hexify(sig, 32, hex);
	OPENSSL_cleanse(first, sizeof(first));
	OPENSSL_cleanse(k, sizeof(k));
}

/* Seconds since the epoch of "YYYYMMDDTHHMMSSZ" or an RFC 1123 date, or -1. */
static time_t parse_time(const char *amzdate, const char *date)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (amzdate) {
		const char *end = strptime(amzdate, "%Y%m%dT%H%M%SZ", &tm);
		if (!end || *end)
			return -1;
		return timegm(&tm);
	}
	if (date) {
		const char *end = strptime(date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		if (!end || *end)
			return -1;
		return timegm(&tm);
	}
	return -1;
}

static const struct auth_key *find_key(const struct auth_keys *keys, const char *id)
{
	for (size_t i = 0; i < keys->n; i++)
		if (strcmp(keys->v[i].id, id) == 0)
			return &keys->v[i];
	return NULL;
}

static enum auth_verdict verdict(struct auth_result *ret, enum auth_verdict v, const char *msg)
{
	ret->verdict = v;
	snprintf(ret->message, sizeof(ret->message), "%s", msg);
	return v;
}

enum auth_verdict auth_verify(const struct auth_request *req, const struct auth_keys *keys,
			      struct auth_result *ret)
{
	const char *h = auth_header_get(req->headers, req->nheaders, "Authorization");
	const char *amzdate = auth_header_get(req->headers, req->nheaders, "X-Amz-Date");
	const char *content_sha = auth_header_get(req->headers, req->nheaders, "X-Amz-Content-SHA256");
	const char *payload;
	struct authz a;
	char date8[9], hash_hex[65], expect[65];
	struct dynbuf canon, sts;
	unsigned char digest[32];
	time_t t;
	enum auth_verdict v;

	memset(ret, 0, sizeof(*ret));
	if (!h)
		return verdict(ret, AUTH_MISSING, "Request is missing Authentication Token");
	if (parse_authz(h, &a))
		return verdict(ret, AUTH_MALFORMED,
			       "Authorization header requires 'Credential', 'Signature' and "
			       "'SignedHeaders' parameters after AWS4-HMAC-SHA256.");
	if (parse_credential(a.credential, ret, date8))
		return verdict(ret, AUTH_MALFORMED, "The credential scope of the Authorization header is malformed.");
	ret->key = find_key(keys, ret->key_id);
	if (!ret->key)
		return verdict(ret, AUTH_UNKNOWN_KEY,
			       "The security token included in the request is invalid.");
	t = parse_time(amzdate, amzdate ? NULL : auth_header_get(req->headers, req->nheaders, "Date"));
	if (t < 0)
		return verdict(ret, AUTH_MALFORMED, "The request has no valid X-Amz-Date or Date header.");
	if (t > req->now + AUTH_MAX_SKEW_SECONDS || t < req->now - AUTH_MAX_SKEW_SECONDS)
		return verdict(ret, AUTH_EXPIRED,
			       "Request has expired: the request time differs from the server time "
			       "by more than 15 minutes.");

	payload = content_sha ? content_sha : req->body_sha256;
	dyn_init(&canon, AUTH_MAX_CANON);
	dyn_init(&sts, AUTH_MAX_CANON);
	if (auth_canonical_request(&canon, req, ret->service, a.signed_headers, payload)) {
		v = verdict(ret, AUTH_MALFORMED, "The request could not be put in canonical form.");
		goto out;
	}
	SHA256((const unsigned char *)dyn_ptr(&canon), dyn_len(&canon), digest);
	hexify(digest, 32, hash_hex);
	if (dyn_addf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s",
		     amzdate ? amzdate : "", date8, ret->region, ret->service, hash_hex)) {
		v = verdict(ret, AUTH_MALFORMED, "The request could not be put in canonical form.");
		goto out;
	}
	auth_signature_hex(ret->key->secret, date8, ret->region, ret->service, dyn_ptr(&sts), expect);
	/* The scope's date must be the request's date, or the signature is wrong. */
	if ((amzdate && strncmp(amzdate, date8, 8) != 0) ||
	    CRYPTO_memcmp(expect, a.signature, 64) != 0) {
		v = verdict(ret, AUTH_BAD_SIGNATURE,
			    "The request signature we calculated does not match the signature you "
			    "provided. Check your AWS Secret Access Key and signing method.");
		goto out;
	}
	if (content_sha && strcmp(content_sha, "UNSIGNED-PAYLOAD") != 0 &&
	    strncmp(content_sha, "STREAMING-", 10) != 0 && req->body_sha256 &&
	    strcasecmp(content_sha, req->body_sha256) != 0) {
		v = verdict(ret, AUTH_BODY_MISMATCH,
			    "The provided 'x-amz-content-sha256' header does not match what was computed.");
		goto out;
	}
	v = verdict(ret, AUTH_OK, "");
out:
	OPENSSL_cleanse(expect, sizeof(expect));
	dyn_free(&canon);
	dyn_free(&sts);
	return v;
}

int auth_keys_add(struct auth_keys *keys, const char *id, const char *secret, const char *account)
{
	struct auth_key *nv = realloc(keys->v, (keys->n + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	keys->v = nv;
	nv[keys->n].id = strdup(id);
	nv[keys->n].secret = strdup(secret);
	nv[keys->n].account = strdup(account);
	if (!nv[keys->n].id || !nv[keys->n].secret || !nv[keys->n].account) {
		free(nv[keys->n].id);
		free(nv[keys->n].secret);
		free(nv[keys->n].account);
		return -1;
	}
	keys->n++;
	return 0;
}

void auth_keys_free(struct auth_keys *keys)
{
	if (!keys)
		return;
	for (size_t i = 0; i < keys->n; i++) {
		OPENSSL_cleanse(keys->v[i].secret, strlen(keys->v[i].secret));
		free(keys->v[i].id);
		free(keys->v[i].secret);
		free(keys->v[i].account);
	}
	free(keys->v);
	keys->v = NULL;
	keys->n = 0;
}
