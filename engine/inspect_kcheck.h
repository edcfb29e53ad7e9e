/* inspect_kcheck: the kernel checks (engine/kcheck) as inspection's
 * kernel-check seam, so `amiwiz inspect` and amiwiz-sim's VM Import judge a
 * kernel found in an image by the same rules as `amiwiz check-kernel`.
 *
 * Which rules apply depends on the inspection target:
 *   pv      pv-grub's: pv-i386 or pv-x86_64, by the kernel's architecture;
 *   hvm     hvm-xen and nitro: blocked on both is a blocker, on one a warning
 *           (the image then boots only on the other family);
 *   import  VM Import's.
 * The kernel's configuration is /boot/config-<version> when the image holds
 * it, else the copy inside the kernel (IKCONFIG); the initramfs the boot
 * configuration names is used to confirm modules the root disk needs.
 */
#ifndef AMIWIZ_ENGINE_INSPECT_KCHECK_H
#define AMIWIZ_ENGINE_INSPECT_KCHECK_H

#include <stddef.h>

#include "engine/inspect.h"

/* An inspect_kernel_fn (`data` is unused: pass NULL).  Returns 0 when the
 * kernel fits the target, 1 when it cannot boot there and 2 when it boots
 * with a limit (hvm: on one instance family only), both with the blocking
 * findings in words in `ret_reason`; -1 when the kernel cannot be read as
 * one (or memory ran out), with why in `ret_reason`. */
int inspect_kcheck(void *data, const struct inspect_kernel_files *k, enum inspect_target target,
		   char *ret_reason, size_t reason_len);

#endif
