/* kcheck_text: the words for every kernel-check finding.
 *
 * engine/kcheck decides which findings apply and names them by id; the help
 * catalog (help/catalog/kcheck.txt, key "kcheck:<slug>") says, for a
 * first-time user, what each one means and how to fix it.  This list gives
 * each id its stable slug, used in --json and as the catalog key; a unit test
 * checks that every slug has its entry.
 */
#ifndef AMIWIZ_HELP_KCHECK_TEXT_H
#define AMIWIZ_HELP_KCHECK_TEXT_H

/* X(id, slug) */
#define KCHECK_FINDINGS(X) \
	X(KF_NO_CONFIG, "no-config")                                         \
	X(KF_ARCH_WRONG, "arch-wrong")                                       \
	X(KF_ARCH_UNKNOWN, "arch-unknown")                                   \
	X(KF_VERSION_UNKNOWN, "version-unknown")                             \
	X(KF_PV32_REMOVED, "pv32-removed")                                   \
	X(KF_PAE_MISSING, "pae-missing")                                     \
	X(KF_XEN_MISSING, "xen-missing")                                     \
	X(KF_XEN_PV_MISSING, "xen-pv-missing")                               \
	X(KF_COMP_PVGRUB_104, "compression-pvgrub-1.04")                     \
	X(KF_COMP_UNRELIABLE, "compression-unreliable")                      \
	X(KF_COMP_UNSUPPORTED, "compression-unsupported")                    \
	X(KF_COMP_UNKNOWN, "compression-unknown")                            \
	X(KF_DRIVER_MISSING, "driver-missing")                               \
	X(KF_MODULE_IN_INITRAMFS, "module-in-initramfs")                     \
	X(KF_MODULE_NOT_IN_INITRAMFS, "module-not-in-initramfs")             \
	X(KF_MODULE_UNCONFIRMED, "module-unconfirmed")                       \
	X(KF_INITRD_SUPPORT_MISSING, "initrd-support-missing")               \
	X(KF_CONSOLE_MISSING, "console-missing")                             \
	X(KF_PVHVM_MISSING, "pvhvm-missing")                                 \
	X(KF_EFI_STUB_MISSING, "efi-stub-missing")                           \
	X(KF_IMPORT_ARM64, "import-arm64")                                   \
	X(KF_IMPORT_KERNEL_UNLISTED, "import-kernel-unlisted")               \
	X(KF_IMPORT_KERNEL_LISTED, "import-kernel-listed")

enum kcheck_finding_id {
#define X(id, slug) id,
	KCHECK_FINDINGS(X)
#undef X
	KF_MAX
};

struct kcheck_text {
	const char *slug;        /* stable, for --json and scripts */
	const char *title;       /* one line */
	const char *explanation; /* a few sentences for a first-time user */
	const char *fix;         /* what to do */
};

/* Fill `ret` with the words of finding `id` (static strings from the
 * catalog).  An id out of range, or one the catalog lacks, gets a plain
 * placeholder and -1; 0 otherwise. */
int kcheck_text(enum kcheck_finding_id id, struct kcheck_text *ret);

#endif
