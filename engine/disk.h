/* disk: partition layouts for EC2 images, written with libparted.
 *
 * A layout is planned first (pure arithmetic on the requested sizes, 1 MiB
 * alignment, filesystem UUIDs chosen up front so fstab and the boot
 * configuration can name them), then written to a new sparse image file or a
 * confirmed block device.  After writing, every partition's start and size are
 * read back from the partition table (never derived from the image size: a GPT
 * keeps 33 sectors at the end) and its PARTUUID from libblkid.
 *
 * Block devices are guarded: one that is mounted, holds swap, is part of an
 * active LVM/RAID set or holds the running system is refused, and any other
 * needs its path typed back.
 */
#ifndef AMIWIZ_ENGINE_DISK_H
#define AMIWIZ_ENGINE_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include "help/err.h"

#define DISK_MIB (1024ull * 1024ull)
#define DISK_SECTOR 512u
#define DISK_PARTS_MAX 4
#define DISK_UUID_LEN 37

#define DISK_TABLES(X)                                                                             \
	X(DISK_TABLE_NONE, "none") /* a filesystem on the whole disk (pv-grub hd0) */              \
	X(DISK_TABLE_MBR, "mbr")                                                                   \
	X(DISK_TABLE_GPT, "gpt")

#define DISK_FSES(X)                                                                               \
	X(DISK_FS_NONE, "none")                                                                    \
	X(DISK_FS_EXT2, "ext2")                                                                    \
	X(DISK_FS_EXT3, "ext3")                                                                    \
	X(DISK_FS_EXT4, "ext4")                                                                    \
	X(DISK_FS_BTRFS, "btrfs")                                                                  \
	X(DISK_FS_XFS, "xfs")                                                                      \
	X(DISK_FS_VFAT, "vfat")

#define DISK_ROLES(X)                                                                              \
	X(DISK_ROLE_ROOT, "root")                                                                  \
	X(DISK_ROLE_BOOT, "boot")   /* a separate /boot */                                         \
	X(DISK_ROLE_ESP, "esp")     /* EFI system partition */                                     \
	X(DISK_ROLE_BIOS_BOOT, "bios-boot") /* GPT partition holding GRUB's core.img */

#define DISK_LAYOUTS(X)                                                                            \
	X(DISK_LAYOUT_PV_CLASSIC, "pv-classic") /* ext3 /boot + btrfs or ext4 root, MBR */         \
	X(DISK_LAYOUT_PV_SIMPLE, "pv-simple")   /* one root, MBR or no table */                    \
	X(DISK_LAYOUT_HVM_BIOS, "hvm-bios")     /* MBR, or GPT with a BIOS boot partition */       \
	X(DISK_LAYOUT_UEFI, "uefi")             /* GPT, ESP + root */                              \
	X(DISK_LAYOUT_HYBRID, "hybrid")         /* GPT, BIOS boot + ESP + root */

#define X(id, name) id,
enum disk_table { DISK_TABLES(X) DISK_TABLE_MAX };
enum disk_fs { DISK_FSES(X) DISK_FS_MAX };
enum disk_role { DISK_ROLES(X) DISK_ROLE_MAX };
enum disk_layout_kind { DISK_LAYOUTS(X) DISK_LAYOUT_MAX };
#undef X

/* Stable names ("gpt", "ext4", "esp", "pv-classic"); "?" when out of range. */
const char *disk_table_name(enum disk_table t);
const char *disk_fs_name(enum disk_fs f);
const char *disk_role_name(enum disk_role r);
const char *disk_layout_name(enum disk_layout_kind k);
/* The value for a name, or -1. */
int disk_table_from_name(const char *name);
int disk_fs_from_name(const char *name);
int disk_layout_from_name(const char *name);

struct disk_layout_opts {
	enum disk_layout_kind kind;
	int table;          /* enum disk_table, or -1 for the layout's default */
	enum disk_fs root_fs; /* DISK_FS_NONE: the layout's default (ext4) */
	uint64_t size;      /* the whole disk, bytes */
	uint64_t boot_size; /* separate /boot (pv-classic); 0: 256 MiB */
	uint64_t esp_size;  /* ESP (uefi, hybrid); 0: 64 MiB */
};

struct disk_part {
	enum disk_role role;
	enum disk_fs fs;
	int number;                     /* 1-based; 0 for a filesystem on the whole disk */
	uint64_t start;                 /* bytes from the start of the disk */
	uint64_t size;                  /* bytes */
	char fs_uuid[DISK_UUID_LEN];    /* chosen up front; for vfat "XXXX-XXXX" */
	char partuuid[DISK_UUID_LEN];   /* read back after writing; "" without a table */
	char label[17];
};

struct disk_layout {
	enum disk_layout_kind kind;
	enum disk_table table;
	uint64_t size;
	unsigned nparts;
	struct disk_part parts[DISK_PARTS_MAX];
	char ptuuid[DISK_UUID_LEN]; /* MBR disk id "xxxxxxxx" or GPT disk GUID, after writing */
};

/* Plan a layout: partition sizes aligned to 1 MiB, the last partition taking
 * the rest, filesystem UUIDs and labels chosen.  Fails with ERR_USAGE when the
 * combination cannot work (a GPT for pv-simple's whole-disk filesystem, btrfs
 * where pv-grub or GRUB must read the kernel, a disk too small...), saying why. */
int disk_layout_plan(const struct disk_layout_opts *o, struct disk_layout *ret,
		     struct err *reterr);

/* The first partition with `role`, or NULL. */
struct disk_part *disk_layout_find(struct disk_layout *lay, enum disk_role role);

/* Create a sparse image file of `size` bytes.  Refuses an existing file
 * (ERR_USAGE, code EEXIST) unless `overwrite`. */
int disk_image_create(const char *path, uint64_t size, bool overwrite, struct err *reterr);

/* Write the partition table of `lay` to `path` (an image file or a block
 * device already checked with disk_device_check) with libparted, then read
 * every partition's start and size back from the table and the PARTUUIDs with
 * libblkid into `lay`.  DISK_TABLE_NONE writes nothing. */
int disk_layout_write(struct disk_layout *lay, const char *path, struct err *reterr);

/* Why a block device may not be written. */
struct disk_usage {
	bool mounted;      /* it or one of its partitions is mounted */
	bool swap;         /* it or one of its partitions is active swap */
	bool holders;      /* used by device-mapper (LVM, crypt) or MD RAID */
	bool system;       /* holds the running system's / or /boot */
	char detail[256];  /* the first reason found, in words */
};

/* Fills `ret` for the block device at `path`; returns 0 or -1 with reterr
 * (ERR_USAGE when `path` is not a block device). */
typedef int (*disk_usage_probe_fn)(const char *path, struct disk_usage *ret, struct err *reterr);

/* The real probe: /proc/self/mountinfo, /proc/swaps, /sys/class/block holders,
 * and the devices of / and /boot. */
int disk_usage_probe(const char *path, struct disk_usage *ret, struct err *reterr);

/* May `path` be written?  Runs `probe` (disk_usage_probe when NULL) and refuses
 * with ERR_USAGE (code EBUSY) when the device is in use, then requires
 * `confirm` to be exactly `path` (ERR_USAGE, code EPERM, otherwise). */
int disk_device_check(const char *path, const char *confirm, disk_usage_probe_fn probe,
		      struct disk_usage *ret_usage, struct err *reterr);

#endif
