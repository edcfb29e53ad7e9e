/* help_priv: help.c's internals, reachable from the unit tests only. */
#ifndef AMIWIZ_HELP_HELP_PRIV_H
#define AMIWIZ_HELP_HELP_PRIV_H

#ifdef AMIWIZ_UNITTESTS
#include <stdbool.h>
#include <stddef.h>

#include "help/help.h"

const struct help_entry *help_lookup_code(const char *code, const char *prefer);
bool help_pattern_match(const char *pattern, const char *message, struct help_holes *holes);
int help_render(const char *text, bool templated, const struct help_holes *h,
		struct dynbuf *out);
const char *help_fallback_key(const char *code, long http_status);
void help_code_subject(const char *code, char *out, size_t size);
const char *help_local_key(enum err_kind kind, long code);
bool help_extract_code(const char *msg, char *code, size_t code_size, char *reqid,
		       size_t reqid_size);
#endif

#endif
