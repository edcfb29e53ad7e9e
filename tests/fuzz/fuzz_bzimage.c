/* libFuzzer: the kernel image parser (bzImage, arm64 Image, zboot, ELF), the
 * IKCONFIG extraction (with its decompressors) and the initramfs reader must
 * refuse damaged input cleanly. */
#include <stddef.h>
#include <stdint.h>

#include "engine/bzimage.h"
#include "engine/initramfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kimage_info k;
	struct err e;
	if (bzimage_parse(data, size, &k, &e) == 0) {
		struct dynbuf out;
		dyn_init(&out, 1 << 20);
		bzimage_extract_config(data, size, &k, &out, &e);
		dyn_free(&out);
	}
	struct initramfs ir;
	if (initramfs_read(data, size, &ir, &e) == 0)
		initramfs_free(&ir);
	return 0;
}
