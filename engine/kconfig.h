/* kconfig: a parsed Linux kernel configuration (.config, /proc/config.gz,
 * config-<version> in /boot, or the IKCONFIG copy inside a kernel).
 *
 * The options are kept in an array sorted by name, so a lookup is a binary
 * search.  Names are stored without the "CONFIG_" prefix; lookups accept
 * either spelling.  "# CONFIG_X is not set" is stored as the value "n".  When
 * an option appears twice, the last line wins, as in Kconfig itself.
 */
#ifndef AMIWIZ_ENGINE_KCONFIG_H
#define AMIWIZ_ENGINE_KCONFIG_H

#include <stddef.h>

#include "help/err.h"

/* The most bytes of configuration text amiwiz accepts (a full distribution
 * config is about 300 KB). */
#define KCONFIG_MAX_TEXT (16u * 1024u * 1024u)

struct kconfig_entry {
	const char *name;  /* without "CONFIG_" */
	const char *value; /* "y", "m", "n", a number, or a string without its quotes */
	unsigned line;     /* 1-based line of the winning definition */
};

struct kconfig {
	struct kconfig_entry *entries; /* sorted by name, unique */
	size_t n;
	char *text;          /* owned copy of the input that names and values point into */
	char version[64];    /* from "# Linux/x86 6.1.0 Kernel Configuration", or "" */
	char arch[32];       /* the same line's architecture ("x86", "arm64"), or "" */
	unsigned bad_lines;  /* lines that were neither options, comments nor blank */
};

/* Parse configuration text (len bytes, need not be NUL-terminated).  Fills *ret
 * (owned by the caller: kconfig_free).  Fails with ERR_INPUT when the text has
 * no option at all, holds NUL bytes, or is longer than KCONFIG_MAX_TEXT. */
int kconfig_parse(const char *text, size_t len, struct kconfig *ret, struct err *reterr);

/* Release everything; the struct is left empty.  Accepts NULL. */
void kconfig_free(struct kconfig *k);

/* The value of option `name` ("XEN" or "CONFIG_XEN"), or NULL when the config
 * does not mention it. */
const char *kconfig_get(const struct kconfig *k, const char *name);

/* The tristate of `name`: 'y', 'm', 'n' (set to n or "is not set"), or 0 when
 * the option is absent.  Any other value counts as 'y' (a set string/number). */
char kconfig_tristate(const struct kconfig *k, const char *name);

#endif
