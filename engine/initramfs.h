/* initramfs: which kernel modules an initramfs (initrd) carries.
 *
 * An initramfs is one or more cpio archives ("newc" format) laid end to end,
 * each either plain or compressed (gzip, xz, zstd, lz4, bzip2, lzma).  Debian
 * and others put the CPU microcode first as a plain archive and the real one
 * after it, compressed.  Only file names are kept: "…/xen-blkfront.ko.xz"
 * becomes the module name "xen_blkfront" (dashes and underscores are the same
 * to modprobe).
 */
#ifndef AMIWIZ_ENGINE_INITRAMFS_H
#define AMIWIZ_ENGINE_INITRAMFS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/decompress.h"
#include "help/err.h"

/* The most one compressed archive may decompress to. */
#define INITRAMFS_MAX_DECOMPRESSED (512u * 1024u * 1024u)
#define INITRAMFS_MAX_SEGMENTS 8

struct initramfs {
	char **modules;  /* sorted module names, owned */
	size_t n_modules;
	size_t n_files;  /* every entry seen, modules or not */
	unsigned n_segments;
	enum decomp_kind segments[INITRAMFS_MAX_SEGMENTS]; /* DECOMP_NONE for a plain one */
};

/* Read an initramfs held in data[0..len).  Fills *ret (free with
 * initramfs_free).  Fails with ERR_INPUT when no cpio archive can be found in
 * it or an archive is damaged, ERR_INPUT/E2BIG when an archive is larger than
 * INITRAMFS_MAX_DECOMPRESSED. */
int initramfs_read(const uint8_t *data, size_t len, struct initramfs *ret, struct err *reterr);

void initramfs_free(struct initramfs *ir);

/* True when the initramfs holds module `name` ("xen-blkfront" or "xen_blkfront"). */
int initramfs_has_module(const struct initramfs *ir, const char *name);

#endif
