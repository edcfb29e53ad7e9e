/* credentials internals reachable from the unit tests (the "_u" build). */
#ifndef AMIWIZ_AWS_CREDENTIALS_PRIV_H
#define AMIWIZ_AWS_CREDENTIALS_PRIV_H

#ifdef AMIWIZ_UNITTESTS
#include <stddef.h>
#include <time.h>

#include "help/err.h"

/* Called by aws_secret_free with the secret's bytes after wiping, before
 * free(): the tests check they are all zero. */
extern void (*aws_secret_wipe_hook)(const char *p, size_t len);
void aws_secret_free(char *p);

struct jflat {
	char *key[32];
	char *val[32];
	int is_str[32];
	size_t n;
};
int jflat_parse(const char *text, size_t len, struct jflat *j);
void jflat_free(struct jflat *j);
int aws_parse_iso8601(const char *s, time_t *ret);
int aws_run_process(const char *cmd, const char *const *env, int timeout_ms, size_t max,
		    char **ret_out, size_t *ret_len, char *errbuf, size_t errsize, int *ret_status,
		    struct err *reterr);
#endif

#endif
