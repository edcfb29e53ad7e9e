/* sigv4 internals reachable from the unit tests (the "_u" build). */
#ifndef AMIWIZ_AWS_SIGV4_PRIV_H
#define AMIWIZ_AWS_SIGV4_PRIV_H

#ifdef AMIWIZ_UNITTESTS
#include <stddef.h>
#include <time.h>

#include "aws/sigv4.h"
#include "help/dynbuf.h"

int sigv4_sha256_hex(const void *data, size_t len, char hex[SIGV4_HEX_LEN + 1]);
int sigv4_parse_amz_date(const char *s, time_t *ret);
int sigv4_canonical_path(const char *path, unsigned flags, struct dynbuf *out);
int sigv4_canonical_query(const struct sigv4_kv *q, size_t n, struct dynbuf *out);
#endif

#endif
