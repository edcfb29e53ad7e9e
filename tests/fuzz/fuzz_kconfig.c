/* libFuzzer: the configuration parser must accept or refuse any bytes without
 * crashing, and every option it keeps must be found again by lookup. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kcheck.h"
#include "engine/kconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kconfig k;
	struct err e;
	if (kconfig_parse((const char *)data, size, &k, &e) < 0)
		return 0;
	for (size_t i = 0; i < k.n; i++)
		if (kconfig_get(&k, k.entries[i].name) != k.entries[i].value)
			abort();
	kconfig_free(&k);
	/* and the rules over whatever it was */
	struct kcheck_kernel kk;
	if (kcheck_kernel_from_config((const char *)data, size, &kk, &e) == 0) {
		for (int t = 0; t < KT_MAX; t++) {
			struct kcheck_result r;
			if (kcheck_evaluate(&kk, (enum kcheck_target)t, &r, &e) == 0)
				kcheck_result_free(&r);
		}
		kcheck_kernel_release(&kk);
	}
	return 0;
}
