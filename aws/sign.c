#include "aws/sign.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/evp.h>

/* The SHA-256 of a streamed body (a file range or a reader), in hex.  Bodies
 * in memory are hashed by the signer itself. */
static int hash_body(const struct http_request *req, char hex[SIGV4_HEX_LEN + 1],
		     struct err *reterr)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char buf[1 << 16], digest[32];
	unsigned dlen = 0;
	int r = -1;
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		err_set(reterr, ERR_INTERNAL, 0, "SHA-256 is not available");
		goto out;
	}
	for (uint64_t off = 0; off < req->body_len;) {
		size_t want =
		    req->body_len - off < sizeof(buf) ? (size_t)(req->body_len - off) : sizeof(buf);
		ssize_t n = http_request_read_body(req, off, buf, want);
		if (n <= 0) {
			err_sys(reterr, n < 0 ? errno : EIO, "Reading the request body to sign it");
			goto out;
		}
		EVP_DigestUpdate(md, buf, (size_t)n);
		off += (uint64_t)n;
	}
	EVP_DigestFinal_ex(md, digest, &dlen);
	for (unsigned i = 0; i < dlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	r = 0;
out:
	EVP_MD_CTX_free(md);
	return r;
}

/* The URL's parts, as curl's parser sees them (the same parser that sends
 * the request, so what is signed is what goes on the wire). */
struct url_parts {
	char *host, *port, *path, *query;
};

static void url_parts_free(struct url_parts *u)
{
	curl_free(u->host);
	curl_free(u->port);
	curl_free(u->path);
	curl_free(u->query);
}

static int url_split(const char *url, struct url_parts *u, struct err *reterr)
{
	memset(u, 0, sizeof(*u));
	CURLU *h = curl_url();
	if (!h)
		return err_set(reterr, ERR_SYSTEM, ENOMEM, "Out of memory");
	int r = 0;
	/* no URL-encoding or normalising here: the wire form is what is signed */
	if (curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_HOST, &u->host, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_PATH, &u->path, 0) != CURLUE_OK) {
		r = err_set(reterr, ERR_INPUT, 0, "Cannot sign a request to an unusable URL");
		goto out;
	}
	curl_url_get(h, CURLUPART_PORT, &u->port, 0);	/* only when given */
	curl_url_get(h, CURLUPART_QUERY, &u->query, 0); /* only when present */
out:
	curl_url_cleanup(h);
	if (r < 0)
		url_parts_free(u);
	return r;
}

static int is_signature_header(const char *name)
{
	static const char *const names[] = {"authorization", "x-amz-date", "x-amz-security-token",
					    "x-amz-content-sha256"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i]) == 0)
			return 1;
	return 0;
}

int aws_sign_http(struct http_request *req, void *ctx, struct err *reterr)
{
	const struct aws_signer *s = ctx;
	struct url_parts u;
	struct sigv4_kv headers[HTTP_HEADERS_MAX + 1];
	struct sigv4_kv query[SIGV4_MAX_QUERY];
	struct sigv4_signed out;
	struct dynbuf host, qbuf;
	char hex[SIGV4_HEX_LEN + 1];
	size_t nh = 0, nq = 0;
	int r;

	if (url_split(dyn_ptr(&req->url), &u, reterr) < 0)
		return -1;
	sigv4_signed_init(&out);
	dyn_init(&host, 512);
	dyn_init(&qbuf, HTTP_URL_MAX);

	r = dyn_addstr(&host, u.host);
	if (!r && u.port)
		r = dyn_addf(&host, ":%s", u.port);
	if (!r && u.query)
		r = dyn_addstr(&qbuf, u.query);
	if (r < 0) {
		r = err_set(reterr, ERR_INPUT, 0, "The request's URL is too long to sign");
		goto out;
	}
	if (u.query && sigv4_query_parse(qbuf.buf, query, SIGV4_MAX_QUERY, &nq, reterr) < 0) {
		r = -1;
		goto out;
	}

	for (size_t i = 0; i < req->n_headers; i++) {
		/* the URL's host is the one that is sent; the signature's own
		 * headers are set anew, so a request may be signed again */
		if (strcasecmp(req->headers[i].name, "host") == 0 ||
		    is_signature_header(req->headers[i].name))
			continue;
		headers[nh].name = req->headers[i].name;
		headers[nh].value = req->headers[i].value;
		nh++;
	}
	headers[nh].name = "Host";
	headers[nh].value = dyn_ptr(&host);
	nh++;

	struct sigv4_request sr = {
	    .method = req->method,
	    .path = u.path,
	    .query = query,
	    .n_query = nq,
	    .headers = headers,
	    .n_headers = nh,
	    .service = req->service,
	    .region = req->region,
	    .when = s->fixed_time,
	    .form = SIGV4_FORM_HEADER,
	};
	if (req->payload_hash[0]) {
		sr.payload_hash = req->payload_hash;
		/* a server cannot tell an unsigned payload from a missing hash
		 * unless it is told: send the header along */
		if (strcmp(req->payload_hash, SIGV4_UNSIGNED_PAYLOAD) == 0)
			sr.flags |= SIGV4_F_CONTENT_SHA256;
	} else if (req->body_kind == HTTP_BODY_COPY || req->body_kind == HTTP_BODY_REF) {
		sr.body = req->body;
		sr.body_len = (size_t)req->body_len;
	} else if (req->body_kind == HTTP_BODY_READER) {
		if (hash_body(req, hex, reterr) < 0) {
			r = -1;
			goto out;
		}
		sr.payload_hash = hex;
	}

	r = sigv4_sign(&sr, &s->creds, &out, reterr);
	for (size_t i = 0; r == 0 && i < out.n_add_headers; i++)
		r = http_request_set_header(req, out.add_headers[i].name, out.add_headers[i].value,
					    reterr);
out:
	sigv4_signed_free(&out);
	dyn_free(&host);
	dyn_free(&qbuf);
	url_parts_free(&u);
	return r < 0 ? -1 : 0;
}
