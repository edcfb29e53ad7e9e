/* libFuzzer target: the image probe (libblkid, partition table checks, the
 * FAT and ext readers) on arbitrary bytes presented as a disk image. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/inspect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("amiwiz-fuzz-image", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct inspect_report *r = calloc(1, sizeof(*r));
	if (r) {
		for (int t = 0; t < INSPECT_TARGET_MAX; t++) {
			struct inspect_opts o = {.target = (enum inspect_target)t};
			struct err e;
			err_clear(&e);
			inspect_image(path, &o, r, &e);
		}
		free(r);
	}
	close(fd);
	return 0;
}
