/* auth: verifying AWS Signature Version 4 on the requests amiwiz-sim receives.
 *
 * A deliberately small interface: the server hands over what it received (the
 * method, the path and query exactly as sent, the headers, the body and its
 * hash) and gets a verdict.  The verdict is service-neutral; the server turns
 * it into the error each service answers (EC2 AuthFailure, S3
 * InvalidAccessKeyId, ...).  The signature itself is computed by aws/sigv4's
 * verifier, the same code that signs amiwiz's own requests; both forms are
 * accepted: the Authorization header and presigned (X-Amz-*) query URLs.
 *
 * Secrets stay in the key store; no verdict or message ever contains one. */
#ifndef AMIWIZ_SIM_AUTH_H
#define AMIWIZ_SIM_AUTH_H

#include <stddef.h>
#include <time.h>

struct auth_header {
	const char *name; /* as received; compared case-insensitively */
	const char *value;
};

struct auth_request {
	const char *method;    /* "GET", "POST", ... */
	const char *raw_path;  /* the path as sent, still %-encoded: "/b/my%20key" */
	const char *raw_query; /* after '?', still encoded, or NULL */
	const struct auth_header *headers;
	size_t nheaders;
	const void *body;        /* the body as received (NULL when none) */
	size_t body_len;
	const char *body_sha256; /* hex SHA-256 of the body, or NULL */
	time_t now;
};

struct auth_key {
	char *id;
	char *secret;
	char *account; /* 12 digits */
};

struct auth_keys {
	struct auth_key *v;
	size_t n;
};

/* The well-known practice keys (AWS's own documentation example pair). */
#define AUTH_PRACTICE_KEY_ID "AKIAIOSFODNN7EXAMPLE"
#define AUTH_PRACTICE_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define AUTH_PRACTICE_ACCOUNT "123456789012"

enum auth_verdict {
	AUTH_OK,
	AUTH_MISSING,        /* no Authorization header, no X-Amz-Signature */
	AUTH_MALFORMED,      /* a signature we cannot read, a bad date or scope */
	AUTH_UNKNOWN_KEY,    /* access key id not in the store */
	AUTH_EXPIRED,        /* X-Amz-Date more than 15 minutes from now */
	AUTH_PRESIGN_EXPIRED,/* a presigned URL past its X-Amz-Expires */
	AUTH_BAD_SIGNATURE,  /* the signature does not match */
	AUTH_BODY_MISMATCH,  /* x-amz-content-sha256 is not the body's hash */
	AUTH_VERDICT_MAX
};

struct auth_result {
	enum auth_verdict verdict;
	char key_id[129];
	char service[64]; /* from the credential scope: "ec2", "s3", ... */
	char region[64];
	const struct auth_key *key; /* into the store, when the id was found */
	char message[256];          /* what was wrong, in AWS's manner */
};

/* Read the credential scope (service, region, key id) of the Authorization
 * header, or of a presigned URL's X-Amz-Credential, without verifying
 * anything, for routing.  Returns 0 when one was found and parsed, -1
 * otherwise; `ret` is filled as far as it got. */
int auth_scope(const struct auth_request *req, struct auth_result *ret);

/* Verify the request against the key store.  Always fills `ret` (verdict,
 * scope, message) and returns ret->verdict. */
enum auth_verdict auth_verify(const struct auth_request *req, const struct auth_keys *keys,
			      struct auth_result *ret);

/* Add a key to the store (copies the strings).  Returns 0 or -1 (ENOMEM). */
int auth_keys_add(struct auth_keys *keys, const char *id, const char *secret, const char *account);

/* Wipe and free every key.  Accepts NULL. */
void auth_keys_free(struct auth_keys *keys);

/* Find a header's value by name (case-insensitive), or NULL. */
const char *auth_header_get(const struct auth_header *headers, size_t n, const char *name);

#endif
