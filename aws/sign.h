/* sign: the bridge between the transport (aws/http) and SigV4 (aws/sigv4).
 *
 * aws_sign_http() has the shape of an http_sign_fn: the transport calls it on
 * a fresh copy of the request before every attempt, so each attempt carries a
 * signature with its own date.  It reads the request's URL (host, port, path,
 * query), its headers, its service and region, and its payload hash — or
 * hashes the body itself when none was given — and adds X-Amz-Date,
 * X-Amz-Security-Token, X-Amz-Content-SHA256 (S3, and any unsigned payload)
 * and Authorization.
 */
#ifndef AMIWIZ_AWS_SIGN_H
#define AMIWIZ_AWS_SIGN_H

#include <time.h>

#include "aws/http.h"
#include "aws/sigv4.h"
#include "help/err.h"

/* What a request is signed with.  The strings are borrowed: they must outlive
 * every call signed through this signer (they normally point into the
 * struct aws_config that holds the credentials). */
struct aws_signer {
	struct sigv4_credentials creds;
	time_t fixed_time; /* 0: sign with the current time (tests pin it) */
};

/* An http_sign_fn; `ctx` is a struct aws_signer.  Fails with ERR_INPUT (a URL
 * or request the signer cannot describe) or ERR_CREDENTIALS; the error never
 * holds a secret. */
int aws_sign_http(struct http_request *req, void *ctx, struct err *reterr);

#endif
