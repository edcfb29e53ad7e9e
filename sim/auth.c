/* SigV4 on the server side of amiwiz-sim: an adapter from what the HTTP layer
 * received to aws/sigv4's verifier, which computes the three stages exactly as
 * the client signer does (one implementation for both ends).  This file only
 * turns a request into a struct sigv4_request, looks keys up in the store, and
 * turns sigv4's verdict into the sim's, with AWS's own wording. */
#include "sim/auth.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/sigv4.h"
#include "help/dynbuf.h"
#include "help/err.h"
#include "help/unittest.h"
#include "sim/auth_priv.h"

const char *auth_header_get(const struct auth_header *headers, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(headers[i].name, name) == 0)
			return headers[i].value;
	return NULL;
}

/* The received query, decoded for sigv4 (which points into `*ret_buf`). */
UNITTEST int auth_parse_query(const char *raw_query, char **ret_buf, struct sigv4_kv *q,
			      size_t max, size_t *ret_n)
{
	struct err e;
	*ret_buf = NULL;
	*ret_n = 0;
	if (!raw_query || !*raw_query)
		return 0;
	*ret_buf = strdup(raw_query);
	if (!*ret_buf)
		return -1;
	err_clear(&e);
	return sigv4_query_parse(*ret_buf, q, max, ret_n, &e);
}

static void copy_field(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = 0;
}

/* "AKID/20150830/us-east-1/ec2/aws4_request" into the result's scope. */
static int scope_from_credential(const char *cred, struct auth_result *ret)
{
	const char *p[5];
	size_t len[5];
	const char *s = cred;
	for (int i = 0; i < 5; i++) {
		const char *slash = i < 4 ? strchr(s, '/') : NULL;
		if (i < 4 && !slash)
			return -1;
		p[i] = s;
		len[i] = slash ? (size_t)(slash - s) : strlen(s);
		s = slash ? slash + 1 : s;
	}
	if (!len[0] || len[0] >= sizeof(ret->key_id) || !len[2] || len[2] >= sizeof(ret->region) ||
	    !len[3] || len[3] >= sizeof(ret->service) || len[4] != 12 ||
	    strncmp(p[4], "aws4_request", 12) != 0 || strchr(p[4], '/'))
		return -1;
	copy_field(ret->key_id, sizeof(ret->key_id), p[0], len[0]);
	copy_field(ret->region, sizeof(ret->region), p[2], len[2]);
	copy_field(ret->service, sizeof(ret->service), p[3], len[3]);
	return 0;
}

int auth_scope(const struct auth_request *req, struct auth_result *ret)
{
	const char *h = auth_header_get(req->headers, req->nheaders, "Authorization");
	memset(ret, 0, sizeof(*ret));
	if (h) {
		struct sigv4_auth a;
		struct err e;
		err_clear(&e);
		if (sigv4_parse_authorization(h, &a, &e) < 0) {
			ret->verdict = AUTH_MALFORMED;
			return -1;
		}
		snprintf(ret->key_id, sizeof(ret->key_id), "%s", a.access_key_id);
		snprintf(ret->region, sizeof(ret->region), "%s", a.region);
		snprintf(ret->service, sizeof(ret->service), "%s", a.service);
		return 0;
	}
	/* a presigned URL carries its scope in X-Amz-Credential */
	struct sigv4_kv q[SIGV4_MAX_QUERY];
	size_t n = 0;
	char *buf = NULL;
	int rc = -1;
	ret->verdict = AUTH_MISSING;
	if (auth_parse_query(req->raw_query, &buf, q, SIGV4_MAX_QUERY, &n) == 0)
		for (size_t i = 0; i < n; i++)
			if (strcmp(q[i].name, "X-Amz-Credential") == 0 && q[i].value) {
				rc = scope_from_credential(q[i].value, ret);
				ret->verdict = rc == 0 ? AUTH_OK : AUTH_MALFORMED;
				break;
			}
	free(buf);
	return rc;
}

static const struct auth_key *find_key(const struct auth_keys *keys, const char *id)
{
	for (size_t i = 0; i < keys->n; i++)
		if (strcmp(keys->v[i].id, id) == 0)
			return &keys->v[i];
	return NULL;
}

static int lookup_secret(void *ctx, const char *id, const char **ret_secret)
{
	const struct auth_key *k = find_key(ctx, id);
	if (!k)
		return -1;
	*ret_secret = k->secret;
	return 0;
}

/* sigv4's verdict as the sim's, worded as AWS words it. */
static enum auth_verdict map_verdict(enum sigv4_verdict v, const char *why, struct auth_result *ret)
{
	static const struct {
		enum auth_verdict verdict;
		const char *message;
	} map[SIGV4_VERIFY_MAX] = {
		[SIGV4_VERIFY_OK] = {AUTH_OK, ""},
		[SIGV4_VERIFY_MISSING] = {AUTH_MISSING, "Request is missing Authentication Token"},
		[SIGV4_VERIFY_MALFORMED] = {AUTH_MALFORMED, NULL},
		[SIGV4_VERIFY_UNKNOWN_KEY] = {AUTH_UNKNOWN_KEY,
					      "The security token included in the request is invalid."},
		[SIGV4_VERIFY_SKEWED] = {AUTH_EXPIRED,
					 "Request has expired: the request time differs from the "
					 "server time by more than 15 minutes."},
		[SIGV4_VERIFY_EXPIRED] = {AUTH_PRESIGN_EXPIRED, "Request has expired"},
		[SIGV4_VERIFY_BAD_PAYLOAD] = {AUTH_BODY_MISMATCH,
					      "The provided 'x-amz-content-sha256' header does not "
					      "match what was computed."},
		[SIGV4_VERIFY_MISMATCH] = {AUTH_BAD_SIGNATURE,
					   "The request signature we calculated does not match the "
					   "signature you provided. Check your AWS Secret Access "
					   "Key and signing method."},
	};
	if ((unsigned)v >= SIGV4_VERIFY_MAX) {
		ret->verdict = AUTH_MALFORMED;
		snprintf(ret->message, sizeof(ret->message), "The signature could not be checked.");
		return ret->verdict;
	}
	ret->verdict = map[v].verdict;
	if (map[v].message)
		snprintf(ret->message, sizeof(ret->message), "%s", map[v].message);
	else /* what exactly was malformed, from the verifier */
		snprintf(ret->message, sizeof(ret->message), "%.200s.",
			 why && *why ? why : "The signature is malformed");
	return ret->verdict;
}

enum auth_verdict auth_verify(const struct auth_request *req, const struct auth_keys *keys,
			      struct auth_result *ret)
{
	struct sigv4_kv *q = NULL, *h = NULL;
	size_t nq = 0;
	char *qbuf = NULL;
	struct sigv4_verified v;
	struct err e;
	enum auth_verdict verdict;

	memset(ret, 0, sizeof(*ret));
	sigv4_verified_init(&v);
	err_clear(&e);
	q = calloc(SIGV4_MAX_QUERY, sizeof(*q));
	h = calloc(req->nheaders ? req->nheaders : 1, sizeof(*h));
	if (!q || !h) {
		verdict = map_verdict(SIGV4_VERIFY_MAX, NULL, ret);
		goto out;
	}
	if (auth_parse_query(req->raw_query, &qbuf, q, SIGV4_MAX_QUERY, &nq) < 0) {
		verdict = map_verdict(SIGV4_VERIFY_MALFORMED, "The query string is malformed", ret);
		goto out;
	}
	for (size_t i = 0; i < req->nheaders; i++)
		h[i] = (struct sigv4_kv){req->headers[i].name, req->headers[i].value};
	struct sigv4_request rx = {
		.method = req->method,
		.path = req->raw_path,
		.query = q,
		.n_query = nq,
		.headers = h,
		.n_headers = req->nheaders,
		.body = req->body,
		.body_len = req->body_len,
		.when = req->now,
	};
	/* The body's hash is known already: let the verifier use it for a
	 * header-signed request, unless the client declared one (which the
	 * verifier must then compare to the body).  A presigned S3 URL signs
	 * UNSIGNED-PAYLOAD, which the verifier knows. */
	if (auth_header_get(req->headers, req->nheaders, "Authorization") &&
	    !auth_header_get(req->headers, req->nheaders, "X-Amz-Content-SHA256") && req->body_sha256)
		rx.payload_hash = req->body_sha256;
	if (sigv4_verify(&rx, lookup_secret, (void *)(uintptr_t)keys, &v, &e) < 0) {
		verdict = map_verdict(SIGV4_VERIFY_MAX, NULL, ret);
		goto out;
	}
	snprintf(ret->key_id, sizeof(ret->key_id), "%s", v.auth.access_key_id);
	snprintf(ret->region, sizeof(ret->region), "%s", v.auth.region);
	snprintf(ret->service, sizeof(ret->service), "%s", v.auth.service);
	ret->key = find_key(keys, ret->key_id);
	verdict = map_verdict(v.verdict, e.message, ret);
out:
	sigv4_verified_free(&v);
	free(q);
	free(h);
	free(qbuf);
	return verdict;
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
