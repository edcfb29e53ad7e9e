#include "engine/inspect_kcheck.h"

#include <stdio.h>
#include <string.h>

#include "engine/kcheck.h"
#include "help/dynbuf.h"
#include "help/err.h"
#include "help/kcheck_text.h"

/* Evaluate one target; append its blockers to `why` as
 * "<target>: <title> (<option>: needs ...; has ...)".  Returns the number of
 * blockers, or -1 when out of memory. */
static int blockers(const struct kcheck_kernel *k, enum kcheck_target t, struct dynbuf *why)
{
	struct kcheck_result r;
	struct err e;
	int n = 0;
	err_clear(&e);
	if (kcheck_evaluate(k, t, &r, &e) < 0)
		return -1;
	for (size_t i = 0; i < r.n; i++) {
		const struct kcheck_finding *f = &r.findings[i];
		struct kcheck_text tx;
		if (f->severity != KSEV_BLOCKER)
			continue;
		kcheck_text(f->id, &tx);
		dyn_addf(why, "%s%s: %s (%s: needs %s; has %s)", dyn_len(why) ? "; " : "",
			 kcheck_target_name(t), tx.title, f->option, f->needs, f->has);
		n++;
	}
	kcheck_result_free(&r);
	return n;
}

int inspect_kcheck(void *data, const struct inspect_kernel_files *f, enum inspect_target target,
		   char *ret_reason, size_t reason_len)
{
	struct kcheck_memory m = {
		.name = f->kernel_path ? f->kernel_path : "the kernel",
		.image = f->kernel,
		.image_len = f->kernel_len,
		.config_name = f->config_path,
		.config = f->config,
		.config_len = f->config_len,
		.initramfs_name = f->initramfs_path,
		.initramfs = f->initramfs,
		.initramfs_len = f->initramfs_len,
	};
	struct kcheck_kernel k;
	struct err e;
	struct dynbuf why;
	int rc = -1;
	(void)data;

	err_clear(&e);
	if (reason_len)
		ret_reason[0] = '\0';
	if (kcheck_kernel_from_memory(&m, &k, &e) < 0) {
		snprintf(ret_reason, reason_len, "%s", e.message);
		return -1;
	}
	dyn_init(&why, 64 * 1024); /* cut to the caller's room at the end */
	switch (target) {
	case INSPECT_TARGET_PV: {
		int n = blockers(&k, k.arch == KARCH_X86_32 ? KT_PV_I386 : KT_PV_X86_64, &why);
		rc = n < 0 ? -1 : n > 0;
		break;
	}
	case INSPECT_TARGET_HVM: {
		int xen = blockers(&k, KT_HVM_XEN, &why);
		int nitro = xen < 0 ? -1 : blockers(&k, KT_NITRO, &why);
		rc = xen < 0 || nitro < 0 ? -1 : xen && nitro ? 1 : xen || nitro ? 2 : 0;
		break;
	}
	case INSPECT_TARGET_IMPORT: {
		int n = blockers(&k, KT_IMPORT, &why);
		rc = n < 0 ? -1 : n > 0;
		break;
	}
	case INSPECT_TARGET_MAX:
		break;
	}
	if (rc != 0)
		snprintf(ret_reason, reason_len, "%s",
			 dyn_len(&why) ? dyn_ptr(&why) : "the kernel checks could not be run");
	dyn_free(&why);
	kcheck_kernel_release(&k);
	return rc;
}
