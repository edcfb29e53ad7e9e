/* help_catalog: the tables help/gen_catalog.py generates (help_catalog.c in the
 * build directory).  Private to help/: everyone else goes through help.h. */
#ifndef AMIWIZ_HELP_HELP_CATALOG_H
#define AMIWIZ_HELP_HELP_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "help/err.h"
#include "help/help.h"

/* Another key for an entry (e.g. InvalidSubnetId.NotFound); sorted by key. */
struct help_alias {
	const char *key;
	unsigned entry; /* index into help_entries */
};

/* One match: pattern; sorted most specific (highest score) first. */
struct help_pattern {
	const char *pattern;
	unsigned entry;    /* index into help_entries */
	unsigned score;    /* literal characters: more is more specific */
	unsigned errkinds; /* bit (1u << kind) per err kind it applies to; 0 = all */
};

extern const struct help_entry help_entries[];
extern const size_t help_entries_count;
extern const struct help_alias help_aliases[];
extern const size_t help_aliases_count;
extern const struct help_pattern help_patterns[];
extern const size_t help_patterns_count;

#endif
