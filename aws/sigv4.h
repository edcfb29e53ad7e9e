/* sigv4: AWS Signature Version 4, signing and verifying.
 *
 * The signature is computed in three visible stages, each kept in its own
 * bounded buffer so a test (or the simulator, when a signature does not match)
 * can look at it:
 *
 *   1. the canonical request   (struct sigv4_signed.creq)
 *   2. the string to sign      (struct sigv4_signed.sts)
 *   3. the signature           (struct sigv4_signed.signature)
 *
 * and then turned into what goes on the wire: headers to add (the header form)
 * or query parameters to append (the presigned, query form).
 *
 * Nothing here does I/O or keeps global state.  All input strings are borrowed
 * for the duration of the call; everything the output holds is owned by the
 * struct sigv4_signed and released (and wiped) by sigv4_signed_free().
 *
 * Path rules:
 *   - the request's `path` is the path as it goes on the wire, i.e. already
 *     percent-encoded by the caller where needed (sigv4_uri_encode() with
 *     keep_slash=1 builds such a path from raw bytes);
 *   - S3 rules (SIGV4_F_S3_PATH, the default for service "s3"): the path is
 *     signed exactly as given: no normalisation, no second encoding;
 *   - every other service: `.` and `..` segments are removed, runs of `/` are
 *     collapsed, and the result is URI-encoded once more (so "%" becomes
 *     "%25": the double encoding AWS expects).
 *
 * Query parameters are given decoded (raw bytes); the signer encodes them the
 * SigV4 way (everything but A-Z a-z 0-9 - _ . ~ as %XY, upper-case hex) and
 * sorts them by encoded name, then encoded value.  sigv4_query_to_wire() turns
 * the same list into the wire query string, so the two always agree.
 */
#ifndef AMIWIZ_AWS_SIGV4_H
#define AMIWIZ_AWS_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "help/dynbuf.h"
#include "help/err.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
/* SHA-256 of the empty string, the payload hash of a request without a body. */
#define SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Bounds on what the signer builds.  A request beyond them fails with
 * ERR_INPUT rather than growing a buffer without limit. */
#define SIGV4_MAX_CREQ (256 * 1024)  /* canonical request */
#define SIGV4_MAX_STS 1024           /* string to sign */
#define SIGV4_MAX_AUTHZ (16 * 1024)  /* Authorization value, presign query */
#define SIGV4_MAX_HEADERS 128        /* headers in one request */
#define SIGV4_MAX_QUERY 512          /* query parameters in one request */
#define SIGV4_MAX_ADD_HEADERS 4      /* headers the signer adds */
#define SIGV4_AMZ_DATE_LEN 16        /* "20150830T123600Z" */
#define SIGV4_HEX_LEN 64             /* a hex SHA-256 */
#define SIGV4_MAX_EXPIRES 604800     /* 7 days: the longest presign AWS accepts */

/* A name and value, both borrowed.  In a query list a NULL value means the
 * parameter had no "=" ("?uploads"); it is signed as "uploads=". */
struct sigv4_kv {
	const char *name;
	const char *value;
};

/* Credentials borrowed for one call.  session_token is NULL or "" when the
 * credentials are long-term ones. */
struct sigv4_credentials {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;
};

enum sigv4_form {
	SIGV4_FORM_HEADER, /* Authorization header (the usual form) */
	SIGV4_FORM_QUERY,  /* presigned: X-Amz-* query parameters */
};

/* Flags for struct sigv4_request.flags.  Unless SIGV4_F_EXPLICIT is set, the
 * service's defaults (sigv4_service_flags()) are added to the ones given. */
enum {
	SIGV4_F_S3_PATH = 1u << 0,        /* sign the path as given (S3) */
	SIGV4_F_CONTENT_SHA256 = 1u << 1, /* add and sign x-amz-content-sha256 (S3) */
	SIGV4_F_TOKEN_UNSIGNED = 1u << 2, /* add X-Amz-Security-Token after signing:
					     some services want it outside the
					     signature (suite case post-sts-header-after) */
	SIGV4_F_EXPLICIT = 1u << 15,      /* use exactly these flags */
};

/* What is to be signed (or, for sigv4_verify, what was received). */
struct sigv4_request {
	const char *method;  /* "GET", "POST", ... (upper-cased when signed) */
	const char *path;    /* wire path, without the query; "" means "/" */
	const struct sigv4_kv *query; /* decoded parameters, any order, repeats allowed */
	size_t n_query;
	const struct sigv4_kv *headers; /* any case, repeats allowed; must include Host */
	size_t n_headers;
	/* The payload: payload_hash when given (64 hex digits or
	 * SIGV4_UNSIGNED_PAYLOAD), else the value of an x-amz-content-sha256
	 * header among `headers` (unless SIGV4_F_CONTENT_SHA256 is in force),
	 * else, for a presigned (query form) request with S3 path rules,
	 * UNSIGNED-PAYLOAD as S3 expects, else the SHA-256 of body/body_len
	 * (body may be NULL when body_len is 0). */
	const char *payload_hash;
	const void *body;
	size_t body_len;
	const char *service; /* "ec2", "ebs", "s3", "iam", "sts" */
	const char *region;  /* "us-east-1" */
	time_t when;         /* signing time, UTC seconds; 0 means now.  For
				sigv4_verify: the server's now (0 = now) */
	enum sigv4_form form;
	unsigned expires;    /* query form: X-Amz-Expires in seconds, 1..604800 */
	unsigned flags;      /* SIGV4_F_* */
};

/* The result of signing.  Initialise with sigv4_signed_init(), release with
 * sigv4_signed_free() (which wipes everything, the session token included).
 * One struct may be reused for several signatures: sigv4_sign() resets it. */
struct sigv4_signed {
	struct dynbuf creq;           /* stage 1: canonical request */
	struct dynbuf sts;            /* stage 2: string to sign */
	char signature[SIGV4_HEX_LEN + 1];  /* stage 3: hex signature */
	char amz_date[SIGV4_AMZ_DATE_LEN + 1];
	char payload_hash[SIGV4_HEX_LEN + 1]; /* the hash that was signed, or
						 "UNSIGNED-PAYLOAD" */
	struct dynbuf scope;          /* "20150830/us-east-1/service/aws4_request" */
	struct dynbuf signed_headers; /* "host;x-amz-date" */
	/* Header form: the value of the Authorization header. */
	struct dynbuf authorization;
	/* Header form: every header to add to the request, in this order:
	 * X-Amz-Date, X-Amz-Security-Token (when there is a token),
	 * X-Amz-Content-SHA256 (when the flags ask for it), Authorization.
	 * Names are static strings; values point into this struct. */
	struct sigv4_kv add_headers[SIGV4_MAX_ADD_HEADERS];
	size_t n_add_headers;
	/* Query form: the encoded parameters to append to the request's own query
	 * string (after a "&", or a "?" when it has none):
	 * X-Amz-Algorithm=...&X-Amz-Credential=...&X-Amz-Date=...&X-Amz-Expires=...
	 * &X-Amz-SignedHeaders=...[&X-Amz-Security-Token=...]&X-Amz-Signature=... */
	struct dynbuf query;
	struct dynbuf token_;         /* private: storage for the token value */
};

void sigv4_signed_init(struct sigv4_signed *s);
/* Wipe and release; the struct may be reused after sigv4_signed_init().
 * Accepts NULL. */
void sigv4_signed_free(struct sigv4_signed *s);

/* The default flags for a service name: SIGV4_F_S3_PATH|SIGV4_F_CONTENT_SHA256
 * for "s3", 0 for the others. */
unsigned sigv4_service_flags(const char *service);

/* Sign `req` with `cred` into `out` (reset first).  The request is not changed:
 * the caller adds out->add_headers (header form) or appends out->query (query
 * form) to what it sends.  Headers the signer adds (X-Amz-Date,
 * X-Amz-Security-Token, X-Amz-Content-SHA256, Authorization) must not be
 * among req->headers; in the query form no X-Amz-* auth parameter may be among
 * req->query.  Fails with ERR_INPUT (malformed or oversized request) or
 * ERR_CREDENTIALS (missing key); the error never contains the secret or the
 * token.  On failure `out` holds whatever stages were completed. */
int sigv4_sign(const struct sigv4_request *req, const struct sigv4_credentials *cred,
	       struct sigv4_signed *out, struct err *reterr);

/* --- the stages, for tests and the verifier --- */

/* Stage 1 over the request exactly as given (nothing added): method, the
 * canonical path (per `flags`: see the path rules above), the canonical query
 * of req->query, the canonical headers of every header in req->headers (or,
 * when `only_signed` is not NULL, only of those listed there, ";"-separated,
 * lower case), the signed header list, and `payload_hash`.  Appends to
 * `creq` and, when not NULL, to `signed_headers`. */
int sigv4_canonical_request(const struct sigv4_request *req, unsigned flags,
			    const char *only_signed, const char *payload_hash,
			    struct dynbuf *creq, struct dynbuf *signed_headers,
			    struct err *reterr);

/* Stage 2: "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256(creq)>".
 * Appends to `sts`. */
int sigv4_string_to_sign(const char *amz_date, const char *scope, const char *creq,
			 size_t creq_len, struct dynbuf *sts, struct err *reterr);

/* Stage 3: derive the signing key from the secret and the scope's parts, then
 * HMAC the string to sign.  `hex` receives 64 hex digits and a NUL.  The
 * derived keys are wiped before returning. */
int sigv4_signature(const char *secret, const char *date8, const char *region,
		    const char *service, const char *sts, size_t sts_len,
		    char hex[SIGV4_HEX_LEN + 1], struct err *reterr);

/* "YYYYMMDDTHHMMSSZ" for `when` (UTC).  Returns 0, or -1 for a time that does
 * not fit. */
int sigv4_amz_date(time_t when, char out[SIGV4_AMZ_DATE_LEN + 1]);

/* --- encoding helpers shared with the transport and the simulator --- */

/* Percent-encode `len` bytes of `s` the SigV4 way (unreserved characters
 * A-Z a-z 0-9 - _ . ~ kept, everything else %XY in upper-case hex), keeping
 * "/" when keep_slash is set.  Appends to `out`; returns dyn_add's code. */
int sigv4_uri_encode(const char *s, size_t len, int keep_slash, struct dynbuf *out);

/* The wire query string for `q` in the given order ("a=1&b&c=x%20y"; a NULL
 * value gives a bare name).  Appends to `out`. */
int sigv4_query_to_wire(const struct sigv4_kv *q, size_t n, struct dynbuf *out);

/* Split a wire query string (without the "?") into decoded parameters, for a
 * server.  Decodes %XY in place in `qs`, which the result points into; "+" is
 * kept as it is.  A parameter without "=" gets a NULL value.  Fails with
 * ERR_INPUT on more than `max` parameters or a malformed %-escape. */
int sigv4_query_parse(char *qs, struct sigv4_kv *ret_q, size_t max, size_t *ret_n,
		      struct err *reterr);

/* --- verifying, for the simulator --- */

/* The parts of an Authorization header (or of the presign parameters). */
struct sigv4_auth {
	char access_key_id[129];
	char date8[9];         /* from the credential scope */
	char region[64];
	char service[64];
	char signed_headers[1024]; /* "host;x-amz-date" */
	char signature[SIGV4_HEX_LEN + 1];
};

/* Parse an Authorization header value:
 *   AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/svc/aws4_request,
 *   SignedHeaders=host;x-amz-date, Signature=<64 hex>
 * (the three parts in any order, separated by "," and optional spaces).
 * Anything else (another algorithm, a missing or repeated part, an overlong
 * field, a bad scope, a signature that is not 64 lower-case hex digits, a
 * signed header list that is not sorted lower-case names) fails with ERR_INPUT
 * and a message that names what was wrong. */
int sigv4_parse_authorization(const char *value, struct sigv4_auth *ret, struct err *reterr);

/* Looks up the secret for an access key id.  Returns 0 and sets *ret_secret
 * (borrowed: it must stay valid until sigv4_verify returns) when the key is
 * known, negative when not. */
typedef int (*sigv4_lookup_fn)(void *ctx, const char *access_key_id, const char **ret_secret);

enum sigv4_verdict {
	SIGV4_VERIFY_OK,
	SIGV4_VERIFY_MISSING,     /* no Authorization header and no X-Amz-Signature */
	SIGV4_VERIFY_MALFORMED,   /* unparsable header/parameters, bad date, scope mismatch */
	SIGV4_VERIFY_UNKNOWN_KEY, /* the lookup did not know the access key id */
	SIGV4_VERIFY_SKEWED,      /* header form: the date is more than 15 minutes off */
	SIGV4_VERIFY_EXPIRED,     /* query form: past X-Amz-Date + X-Amz-Expires */
	SIGV4_VERIFY_BAD_PAYLOAD, /* x-amz-content-sha256 does not match the body */
	SIGV4_VERIFY_MISMATCH,    /* the signature does not match */
	SIGV4_VERIFY_MAX
};

/* A stable name for a verdict ("ok", "mismatch", ...). */
const char *sigv4_verdict_name(enum sigv4_verdict v);

/* What sigv4_verify found.  Initialise with sigv4_verified_init(), release
 * with sigv4_verified_free().  `calc` holds the stages recomputed by the
 * server (useful in a SignatureDoesNotMatch reply); `auth` the parsed
 * credential scope, signed headers and the signature that was sent. */
struct sigv4_verified {
	enum sigv4_verdict verdict;
	enum sigv4_form form;
	struct sigv4_auth auth;
	struct sigv4_signed calc;
};

void sigv4_verified_init(struct sigv4_verified *v);
void sigv4_verified_free(struct sigv4_verified *v);

/* Verify a received request.  `rx` describes it as received: the wire path,
 * the decoded query (sigv4_query_parse), every header (Authorization,
 * X-Amz-Date and the rest), the body (or payload_hash NULL and body NULL with
 * body_len 0 when there was none), service flags, and `when` = the server's
 * current time (0 = now).  service/region in `rx` are ignored: they come from
 * the credential scope (the caller checks them against the endpoint).
 * Returns 0 when the request could be judged (the verdict says how: only
 * SIGV4_VERIFY_OK means authentic; a request too large to canonicalise is
 * SIGV4_VERIFY_MALFORMED), -1 with `reterr` set only when memory ran out.
 * For every verdict but OK, `reterr` also says why in words (kind
 * ERR_CREDENTIALS), never with the secret in it.  Signatures are compared in
 * constant time. */
int sigv4_verify(const struct sigv4_request *rx, sigv4_lookup_fn lookup, void *lookup_ctx,
		 struct sigv4_verified *ret, struct err *reterr);

#endif
