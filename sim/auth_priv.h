/* Internals of sim/auth.c reachable from the unit tests. */
#ifndef AMIWIZ_SIM_AUTH_PRIV_H
#define AMIWIZ_SIM_AUTH_PRIV_H
#ifdef AMIWIZ_UNITTESTS

#include <stddef.h>

#include "aws/sigv4.h"

/* Decode a received query string for sigv4 into `q` (at most `max`);
 * *ret_buf (the caller frees it) holds the decoded bytes `q` points into. */
int auth_parse_query(const char *raw_query, char **ret_buf, struct sigv4_kv *q, size_t max,
		     size_t *ret_n);

#endif
#endif
