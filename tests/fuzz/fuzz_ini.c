/* libFuzzer target for the AWS config/credentials reader (aws/ini.c): any
 * bytes must parse or fail cleanly, and every lookup on a parsed file must
 * be safe. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aws/ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ini_file f;
	struct err e;
	ini_init(&f);
	err_clear(&e);
	if (ini_parse((const char *)data, size, "fuzz", &f, &e) == 0) {
		for (size_t i = 0; i < f.n; i++) {
			const struct ini_entry *en = &f.e[i];
			const char *v = ini_get(&f, en->section, en->sub, en->key);
			if (!v)
				__builtin_trap(); /* an entry that cannot be found again */
			(void)strlen(v);
		}
		for (size_t i = 0; i < f.nsections; i++)
			(void)ini_has_section(&f, f.sections[i]);
	} else if (!err_isset(&e)) {
		__builtin_trap(); /* a failure must say why */
	}
	ini_free(&f);
	return 0;
}
