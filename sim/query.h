/* query: the form-encoded parameters of a request (URL query string or an
 * application/x-www-form-urlencoded body), and the URI encoding SigV4 wants.
 *
 * A parsed list owns copies of every name and value, decoded ("%2F" -> "/",
 * "+" -> " ").  Order is kept; a name may repeat (the first one wins in
 * query_get). */
#ifndef AMIWIZ_SIM_QUERY_H
#define AMIWIZ_SIM_QUERY_H

#include <stddef.h>

#include "help/dynbuf.h"

struct query_param {
	char *name;
	char *value; /* "" when the pair had no '=' */
};

struct query {
	struct query_param *v;
	size_t n;
	size_t alloc;
};

#define QUERY_MAX_PARAMS 4096

/* Parse `len` bytes of "a=1&b=2" and append the pairs to `q` (which must be
 * zeroed or previously used with query_parse).  Returns 0, or -1 when the text
 * is malformed (a bad %-escape, a decoded NUL, a pair without a name, more than
 * QUERY_MAX_PARAMS pairs) or memory runs out; `q` then holds the pairs parsed
 * so far and must still be freed. */
int query_parse(struct query *q, const char *s, size_t len);

/* The value of the first parameter named `name` (case-sensitive), or NULL.
 * The pointer lives as long as `q`. */
const char *query_get(const struct query *q, const char *name);

/* Free every pair; `q` is empty and reusable.  Accepts NULL. */
void query_free(struct query *q);

/* Decode %XX escapes (and '+' as a space when `plus_is_space`) from `len`
 * bytes of `s` into `out`.  Returns 0, -1 on a bad escape or a decoded NUL,
 * or dyn_add's error. */
int query_decode(struct dynbuf *out, const char *s, size_t len, int plus_is_space);

/* Percent-encode every byte of `s` except A-Z a-z 0-9 - _ . ~ (and '/' when
 * `keep_slash`), uppercase hex, as SigV4 wants.  Appends to `out`; returns
 * dyn_add's code. */
int query_uri_encode(struct dynbuf *out, const char *s, size_t len, int keep_slash);

#endif
