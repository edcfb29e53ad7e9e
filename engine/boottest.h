/* boottest: boot an image locally under QEMU and say how far it got.
 *
 * The disk is attached as NVMe, the way a Nitro instance sees an EBS volume;
 * the firmware is SeaBIOS or OVMF (UEFI) as the image needs; the serial console
 * is read live through the loop (each line also lands in the job log), and the
 * verdict is decided from it: userspace reached (the kernel ran init and did
 * not panic after), kernel panic, no bootable device, no kernel, or hung.
 * A PV image cannot boot without Xen, so for it the kernel and initrd are
 * booted directly (-kernel) to prove the kernel mounts the root.
 */
#ifndef AMIWIZ_ENGINE_BOOTTEST_H
#define AMIWIZ_ENGINE_BOOTTEST_H

#include <stdbool.h>

#include "engine/proc.h"
#include "help/dynbuf.h"
#include "help/err.h"

#define BOOTTEST_VERDICTS(X)                                                                       \
	X(BOOT_USERSPACE, "userspace", "reached userspace: the kernel started init")               \
	X(BOOT_PANIC, "panic", "kernel panic")                                                     \
	X(BOOT_NO_DEVICE, "no-bootable-device", "the firmware found no bootable device")           \
	X(BOOT_NO_KERNEL, "no-kernel", "the boot loader could not load the kernel")                \
	X(BOOT_HUNG, "hung", "no progress before the time limit")                                  \
	X(BOOT_QEMU_FAILED, "qemu-failed", "QEMU itself failed")

#define X(id, name, text) id,
enum boottest_verdict { BOOTTEST_VERDICTS(X) BOOT_VERDICT_MAX };
#undef X

const char *boottest_verdict_name(enum boottest_verdict v);
const char *boottest_verdict_text(enum boottest_verdict v);

enum boottest_firmware { BOOTTEST_FW_AUTO, BOOTTEST_FW_BIOS, BOOTTEST_FW_UEFI };

struct boottest_opts {
	const char *image;
	long timeout_ms;              /* 0: 60 s */
	enum boottest_firmware firmware; /* AUTO: UEFI when the image has an ESP and no BIOS boot code */
	const char *kernel;           /* host path: boot this kernel directly (PV images) */
	const char *initrd;           /* host path, with kernel; may be NULL */
	const char *append;           /* kernel command line, with kernel */
	const char *ovmf_code;        /* NULL: /usr/share/OVMF/OVMF_CODE.fd */
	const char *ovmf_vars;        /* NULL: /usr/share/OVMF/OVMF_VARS.fd (copied, never written) */
	int kvm;                      /* 1: try KVM (probed first), 0: TCG only */
	const char *workdir;          /* for the OVMF vars copy and the probe; NULL: $TMPDIR or /tmp */
	proc_line_fn on_line;         /* optional: every console line, live */
	void *line_data;
};

#define BOOTTEST_TAIL 60

struct boottest_result {
	enum boottest_verdict verdict;
	char reason[512];          /* the console line that decided, or why none did */
	bool used_kvm;
	bool uefi;
	long elapsed_ms;
	unsigned ntail;            /* the console's last lines, oldest first */
	char *tail[BOOTTEST_TAIL]; /* owned; free with boottest_result_release() */
};

void boottest_result_release(struct boottest_result *r);

/* Boot the image (or kernel) and wait for a verdict, driving the runner's loop.
 * Returns 0 with a verdict (any verdict: the boot's outcome is not an error),
 * or -1 when QEMU could not be started at all (ERR_SYSTEM / ERR_USAGE).  In
 * dry-run mode the QEMU command line is recorded and the verdict is "hung". */
int boottest_run(struct proc_runner *r, const struct boottest_opts *o, struct boottest_result *ret,
		 struct err *reterr);

/* Does KVM really run a guest here?  Boots a 512-byte guest that exits QEMU
 * through isa-debug-exit, under KVM, with a short deadline. */
bool boottest_kvm_works(struct proc_runner *r, const char *workdir);

/* Classify one console line: sets *state bits; returns a verdict when the line
 * decides one, else -1.  Exposed for tests. */
enum {
	BOOTTEST_SAW_INIT = 1u << 0,
	BOOTTEST_SAW_POWEROFF = 1u << 1,
};
int boottest_classify(const char *line, unsigned *state);

#endif
