/* btrfs: find the subvolumes of a btrfs filesystem without mounting it.
 *
 * VM Import refuses a root filesystem that has btrfs subvolumes, so inspection
 * reads the filesystem's root tree the way the kernel would: the superblock,
 * the chunk map it bootstraps (sys_chunk_array), the chunk tree, then the root
 * tree, whose ROOT_ITEMs with ids from 256 up are subvolumes (and snapshots).
 * Only single-device layouts are read (SINGLE and DUP profiles); checksums are
 * not verified, but every tree block must name itself (its bytenr) and every
 * read stays inside the filesystem's bounds.
 */
#ifndef AMIWIZ_ENGINE_BTRFS_H
#define AMIWIZ_ENGINE_BTRFS_H

#include <stdint.h>

#include "help/err.h"

struct btrfs_subvols {
	unsigned count;      /* subvolumes and snapshots (the top level not counted) */
	uint64_t first_id;   /* the lowest subvolume id, 0 when none */
	char first_name[64]; /* its name in its parent directory, "" if unknown */
};

/* Read the btrfs filesystem that starts `off` bytes into `fd` and spans `size`
 * bytes.  Returns 0 with `ret` filled, or -1 with ERR_INPUT when it is not
 * btrfs or its trees cannot be read (damaged, multi-device, striped), saying
 * why, or ERR_SYSTEM when `fd` cannot be read. */
int btrfs_subvolumes(int fd, uint64_t off, uint64_t size, struct btrfs_subvols *ret,
		     struct err *reterr);

#endif
