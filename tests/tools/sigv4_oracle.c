/* sigv4_oracle: sign the requests botocore signed, compare byte for byte.
 *
 *   sigv4_oracle REQUESTS.jsonl [MIN_COUNT]
 *
 * REQUESTS.jsonl comes from tests/oracles/botocore_sign.py (one request per
 * line, with what botocore produced).  Each request is signed by aws/sigv4
 * the way the amiwiz clients will call it:
 *   SigV4Auth          header form, service defaults; a request botocore
 *                      signed without its payload (payload_signing false,
 *                      EBS PutSnapshotBlock) gets SIGV4_F_CONTENT_SHA256 and
 *                      UNSIGNED-PAYLOAD, as botocore does
 *   S3SigV4Auth        header form, service "s3" (S3 path rules,
 *                      x-amz-content-sha256); the hash is given when the case
 *                      carries payload_hash, else computed from the body
 *   SigV4QueryAuth     query form, body hashed
 *   S3SigV4QueryAuth   query form, UNSIGNED-PAYLOAD
 * and compared: the Authorization value and the added X-Amz-* headers (header
 * form), or the X-Amz-* query tail (query form).  Then the simulator's
 * side: sigv4_verify must accept our signed request and reject it with one
 * signature digit changed.
 *
 * Prints TAP: one line per category (all of its requests identical), one
 * line for the count (at least MIN_COUNT, default 1000), and the first
 * mismatches in full as diagnostics.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "aws/sigv4.h"
#include "help/dynbuf.h"
#include "help/err.h"

#define MAX_CATS 32
#define MAX_SHOWN 5

struct cat {
	char name[64];
	int total, failed;
};

static struct cat cats[MAX_CATS];
static int ncats, shown;

static struct cat *cat_for(const char *name)
{
	for (int i = 0; i < ncats; i++)
		if (strcmp(cats[i].name, name) == 0)
			return &cats[i];
	if (ncats == MAX_CATS)
		return &cats[MAX_CATS - 1];
	snprintf(cats[ncats].name, sizeof(cats[ncats].name), "%s", name);
	return &cats[ncats++];
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return json_object_get_string(v);
}

static void diag(const char *label, const char *text)
{
	printf("#   %s: ", label);
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			printf("\n#     ");
		else
			putchar(*p);
	}
	putchar('\n');
}

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Fill `kv` from a JSON array of [name, value|null] pairs; NULL on error. */
static struct sigv4_kv *pairs(json_object *o, const char *key, size_t *n)
{
	json_object *arr;
	*n = 0;
	if (!json_object_object_get_ex(o, key, &arr) || !json_object_is_type(arr, json_type_array))
		return calloc(1, sizeof(struct sigv4_kv));
	size_t len = json_object_array_length(arr);
	struct sigv4_kv *kv = calloc(len + 1, sizeof(*kv));
	for (size_t i = 0; kv && i < len; i++) {
		json_object *pr = json_object_array_get_idx(arr, i);
		json_object *a = json_object_array_get_idx(pr, 0);
		json_object *b = json_object_array_get_idx(pr, 1);
		kv[i].name = json_object_get_string(a);
		kv[i].value = b && !json_object_is_type(b, json_type_null) ? json_object_get_string(b)
									  : NULL;
	}
	*n = len;
	return kv;
}

static const char *lookup_akid, *lookup_secret;

static int lookup(void *ctx, const char *akid, const char **ret_secret)
{
	(void)ctx;
	if (strcmp(akid, lookup_akid) != 0)
		return -1;
	*ret_secret = lookup_secret;
	return 0;
}

/* The simulator's side: our signed request must verify, and the same request
 * with one signature digit changed must not.  -1 (and a note in `mism`) when
 * either fails. */
static int verify_own(const struct sigv4_request *r, const struct sigv4_credentials *cred,
		      const struct sigv4_signed *out, struct dynbuf *mism)
{
	struct sigv4_kv h[256], q[1024];
	struct sigv4_request rx = *r;
	struct sigv4_verified v;
	struct err e;
	char *qcopy = NULL, *authz = NULL;
	int rc = 0;

	if (r->n_headers + SIGV4_MAX_ADD_HEADERS > 256 || r->n_query > 512)
		return 0;
	memcpy(h, r->headers, r->n_headers * sizeof(*h));
	memcpy(q, r->query, r->n_query * sizeof(*q));
	rx.headers = h;
	rx.query = q;
	rx.payload_hash = NULL;
	rx.flags = 0;
	if (r->form == SIGV4_FORM_HEADER) {
		for (size_t i = 0; i < out->n_add_headers; i++)
			h[rx.n_headers++] = out->add_headers[i];
	} else {
		size_t n = 0;
		qcopy = strdup(dyn_ptr(&out->query));
		if (!qcopy || sigv4_query_parse(qcopy, q + rx.n_query, 512, &n, &e) < 0) {
			dyn_addstr(mism, "cannot parse our own presign query\n");
			free(qcopy);
			return -1;
		}
		rx.n_query += n;
	}
	lookup_akid = cred->access_key_id;
	lookup_secret = cred->secret_access_key;
	for (int tamper = 0; tamper < 2; tamper++) {
		char *sig = NULL;
		if (tamper) {
			/* change the last signature digit, in the header or the query */
			if (r->form == SIGV4_FORM_HEADER) {
				authz = strdup(dyn_ptr(&out->authorization));
				h[rx.n_headers - 1].value = authz;
				sig = authz ? authz + strlen(authz) - 1 : NULL;
			} else {
				for (size_t i = 0; i < rx.n_query; i++)
					if (strcmp(q[i].name, "X-Amz-Signature") == 0)
						sig = qcopy + (q[i].value - qcopy) + SIGV4_HEX_LEN - 1;
			}
			if (!sig)
				break;
			*sig = *sig == '0' ? '1' : '0';
		}
		sigv4_verified_init(&v);
		err_clear(&e);
		if (sigv4_verify(&rx, lookup, NULL, &v, &e) < 0) {
			dyn_addf(mism, "sigv4_verify failed: %s\n", e.message);
			rc = -1;
		} else if (v.verdict != (tamper ? SIGV4_VERIFY_MISMATCH : SIGV4_VERIFY_OK)) {
			dyn_addf(mism, "%s request: verdict %s (%s)\nserver's canonical request: %s\n",
				 tamper ? "tampered" : "our own", sigv4_verdict_name(v.verdict),
				 e.message, dyn_ptr(&v.calc.creq));
			rc = -1;
		}
		sigv4_verified_free(&v);
	}
	free(authz);
	free(qcopy);
	return rc;
}

/* One request: 1 when ours matches botocore's, 0 when not. */
static int check_one(json_object *o, const char *line)
{
	struct sigv4_signed out;
	struct err e;
	struct dynbuf mism;
	size_t nq, nh;
	int ok = 1;
	const char *signer = jstr(o, "signer");
	const char *body_hex = jstr(o, "body_hex");
	const char *phash = jstr(o, "payload_hash");
	json_object *ps;
	int payload_signing = 1;
	if (json_object_object_get_ex(o, "payload_signing", &ps))
		payload_signing = json_object_get_boolean(ps);

	sigv4_signed_init(&out);
	err_clear(&e);
	dyn_init(&mism, 1 << 16);

	struct sigv4_kv *q = pairs(o, "query", &nq);
	struct sigv4_kv *h = pairs(o, "headers", &nh);
	size_t blen = body_hex ? strlen(body_hex) / 2 : 0;
	unsigned char *body = malloc(blen + 1);
	for (size_t i = 0; body && i < blen; i++)
		body[i] = (unsigned char)(hexv(body_hex[2 * i]) * 16 + hexv(body_hex[2 * i + 1]));

	struct sigv4_request r = {
		.method = jstr(o, "method"),
		.path = jstr(o, "path"),
		.query = q,
		.n_query = nq,
		.headers = h,
		.n_headers = nh,
		.body = body,
		.body_len = blen,
		.service = jstr(o, "service"),
		.region = jstr(o, "region"),
		.when = (time_t)json_object_get_int64(json_object_object_get(o, "when")),
		.form = SIGV4_FORM_HEADER,
	};
	int query_form = signer && strstr(signer, "Query") != NULL;
	int s3 = signer && strncmp(signer, "S3", 2) == 0;
	if (query_form) {
		r.form = SIGV4_FORM_QUERY;
		r.expires = (unsigned)json_object_get_int(json_object_object_get(o, "expires"));
		if (s3)
			r.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
	} else if (!payload_signing) {
		r.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
		if (!s3)
			r.flags |= SIGV4_F_CONTENT_SHA256;
	} else if (phash) {
		r.payload_hash = phash;
	}
	struct sigv4_credentials cred = {jstr(o, "akid"), jstr(o, "secret"), jstr(o, "token")};

	if (!q || !h || !body || !signer || !r.method || !r.path) {
		dyn_addstr(&mism, "the line lacks a field\n");
		ok = 0;
	} else if (sigv4_sign(&r, &cred, &out, &e) < 0) {
		dyn_addf(&mism, "sigv4_sign failed: %s\n", e.message);
		ok = 0;
	} else if (query_form) {
		const char *want = jstr(o, "auth_query");
		if (!want || strcmp(want, dyn_ptr(&out.query)) != 0) {
			dyn_addf(&mism, "query expected: %s\nquery got:      %s\n",
				 want ? want : "(none)", dyn_ptr(&out.query));
			ok = 0;
		}
	} else {
		const char *want = jstr(o, "authorization");
		if (!want || strcmp(want, dyn_ptr(&out.authorization)) != 0) {
			dyn_addf(&mism, "Authorization expected: %s\nAuthorization got:      %s\n",
				 want ? want : "(none)", dyn_ptr(&out.authorization));
			ok = 0;
		}
		json_object *added;
		int nwant = 0, ngot = 0;
		if (json_object_object_get_ex(o, "added", &added))
			nwant = json_object_object_length(added);
		for (size_t i = 0; i < out.n_add_headers; i++) {
			const struct sigv4_kv *a = &out.add_headers[i];
			if (strcmp(a->name, "Authorization") == 0)
				continue;
			ngot++;
			const char *w = added ? jstr(added, a->name) : NULL;
			if (!w || strcmp(w, a->value) != 0) {
				dyn_addf(&mism, "header %s expected: %s\nheader %s got:      %s\n",
					 a->name, w ? w : "(not set by botocore)", a->name, a->value);
				ok = 0;
			}
		}
		if (ngot != nwant) {
			dyn_addf(&mism, "botocore added %d X-Amz-* headers, we added %d\n", nwant, ngot);
			ok = 0;
		}
	}
	if (ok && verify_own(&r, &cred, &out, &mism) < 0)
		ok = 0;
	if (!ok && shown < MAX_SHOWN) {
		shown++;
		printf("# mismatch %d\n", shown);
		diag("request", line);
		diag("difference", dyn_ptr(&mism));
		diag("our canonical request", dyn_ptr(&out.creq));
		diag("our string to sign", dyn_ptr(&out.sts));
	}
	sigv4_signed_free(&out);
	dyn_free(&mism);
	free(q);
	free(h);
	free(body);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: sigv4_oracle REQUESTS.jsonl [MIN_COUNT]\n");
		return 2;
	}
	long min_count = argc > 2 ? strtol(argv[2], NULL, 10) : 1000;
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		printf("not ok 1 - cannot open %s: %s\n1..1\n", argv[1], strerror(errno));
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	long total = 0, bad_lines = 0;
	while ((got = getline(&line, &cap, f)) > 0) {
		if (line[got - 1] == '\n')
			line[got - 1] = '\0';
		json_object *o = json_tokener_parse(line);
		if (!o) {
			bad_lines++;
			continue;
		}
		const char *c = jstr(o, "category");
		struct cat *ct = cat_for(c ? c : "?");
		ct->total++;
		total++;
		if (!check_one(o, line))
			ct->failed++;
		json_object_put(o);
	}
	free(line);
	fclose(f);

	int n = 0, failed = 0;
	for (int i = 0; i < ncats; i++) {
		n++;
		if (cats[i].failed) {
			failed++;
			printf("not ok %d - %s: %d of %d differ from botocore\n", n, cats[i].name,
			       cats[i].failed, cats[i].total);
		} else {
			printf("ok %d - %s: %d of %d signed identically to botocore\n", n,
			       cats[i].name, cats[i].total, cats[i].total);
		}
	}
	n++;
	if (total >= min_count && bad_lines == 0) {
		printf("ok %d - %ld requests compared (at least %ld)\n", n, total, min_count);
	} else {
		failed++;
		printf("not ok %d - %ld requests compared, %ld unreadable lines (want at least %ld)\n",
		       n, total, bad_lines, min_count);
	}
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
