/* awsutil: small encodings every AWS client here needs: URI encoding (RFC
 * 3986 unreserved set), application/x-www-form-urlencoded bodies in the form
 * AWS's Query APIs want, Base64, SHA-256, and random UUIDs for ClientToken.
 */
#ifndef AMIWIZ_AWS_AWSUTIL_H
#define AMIWIZ_AWS_AWSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "help/dynbuf.h"
#include "help/err.h"

/* Append `len` bytes of `s` percent-encoded: A-Z a-z 0-9 - _ . ~ stay, every
 * other byte becomes %XX (upper-case hex, so a space is %20).  With keep_slash
 * '/' stays as is (S3 object keys in paths).  Returns dyn_add's code. */
int aws_uri_encode(struct dynbuf *out, const char *s, size_t len, bool keep_slash);

/* Decode %XX and '+' (as space) into out; returns 0 or -EINVAL/-E2BIG. */
int aws_uri_decode(struct dynbuf *out, const char *s, size_t len);

/* A form body under construction: "Action=X&Version=Y&Key=Value...".  Keys and
 * values are encoded with aws_uri_encode().  Errors (too long) are sticky and
 * reported by aws_form_finish(). */
struct aws_form {
	struct dynbuf buf;
	int error;
};

void aws_form_init(struct aws_form *f, size_t max);
void aws_form_release(struct aws_form *f);
void aws_form_add(struct aws_form *f, const char *key, const char *value);
/* key from a format ("Filter.%zu.Name"); value as is.  NULL value: nothing added. */
void aws_form_addk(struct aws_form *f, const char *value, const char *keyfmt, ...)
	__attribute__((format(printf, 3, 4)));
void aws_form_add_bool(struct aws_form *f, const char *key, bool value);
void aws_form_add_long(struct aws_form *f, const char *key, long long value);
/* 0, or -1 with reterr when the body grew past its maximum. */
int aws_form_finish(struct aws_form *f, struct err *reterr);

/* Base64 (standard alphabet, padded).  out must hold 4*ceil(len/3)+1 bytes. */
void aws_base64(char *out, const void *data, size_t len);

/* Lower-case hex.  out must hold 2*len+1 bytes. */
void aws_hex(char *out, const void *data, size_t len);

/* SHA-256 of data into 32 bytes. */
void aws_sha256(uint8_t out[32], const void *data, size_t len);

/* A random version 4 UUID ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx") from
 * OpenSSL's RAND_bytes.  out holds 37 bytes.  0, or -1 with reterr. */
int aws_uuid4(char out[37], struct err *reterr);

/* Copy a C string into a fixed field, truncating; NULL copies "". */
void aws_strlcpy(char *dst, const char *src, size_t size);

#endif
