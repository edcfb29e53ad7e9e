/* build: a bootable disk image from a root tree, without mounting anything.
 *
 * The layout (engine/disk.h) is written first; then each filesystem is made at
 * its partition's offset and populated by the mkfs tools themselves
 * (mke2fs -d, mkfs.btrfs --rootdir, mkfs.fat + mtools), run as child processes
 * through engine/proc.h.  The boot configuration is written into the image:
 * menu.lst for pv-grub, GRUB 2's boot.img and core.img for BIOS (placed by us:
 * grub-bios-setup does not write to plain files), BOOTX64.EFI for UEFI, and an
 * fstab naming filesystems by UUID.
 */
#ifndef AMIWIZ_ENGINE_BUILD_H
#define AMIWIZ_ENGINE_BUILD_H

#include <stdbool.h>

#include "engine/disk.h"
#include "engine/proc.h"
#include "help/err.h"

#define BUILD_SOURCES(X)                                                                           \
	X(BUILD_FROM_DIR, "root")                                                                  \
	X(BUILD_FROM_TARBALL, "tarball")                                                           \
	X(BUILD_FROM_DISK, "from-disk") /* VDI/VMDK/VHD/qcow2/raw, converted to raw as is */ \
	X(BUILD_FROM_DEBOOTSTRAP, "debootstrap") /* a minimal Debian root made first (as root) */

#define BUILD_BOOTS(X)                                                                             \
	X(BUILD_BOOT_AUTO, "auto") /* from the layout */                                           \
	X(BUILD_BOOT_PV, "pv")                                                                     \
	X(BUILD_BOOT_BIOS, "bios")                                                                 \
	X(BUILD_BOOT_UEFI, "uefi")                                                                 \
	X(BUILD_BOOT_BOTH, "bios+uefi")

#define X(id, name) id,
enum build_source { BUILD_SOURCES(X) BUILD_SOURCE_MAX };
enum build_boot { BUILD_BOOTS(X) BUILD_BOOT_MAX };
#undef X

const char *build_boot_name(enum build_boot b);
int build_boot_from_name(const char *name); /* -1 when unknown */

/* One step of the build, in words ("Making the ext4 root filesystem"). */
typedef void (*build_step_fn)(void *data, const char *step);

struct build_opts {
	struct disk_layout_opts layout;
	enum build_source source_kind;
	const char *source;          /* directory, tarball or disk image; debootstrap: the suite */
	const char *out;             /* new image file, or a block device */
	bool overwrite;              /* an existing image file may be replaced */
	const char *confirm_device;  /* a block device's path, typed back */
	disk_usage_probe_fn probe;   /* NULL: the real one (tests fake it) */
	enum build_boot boot;
	const char *kernel;          /* path inside the root; NULL: newest /boot/vmlinuz-* */
	const char *initrd;          /* path inside the root; NULL: the kernel's, if any; "": none */
	const char *cmdline;         /* extra kernel parameters, or NULL */
	const char *grub_dir;        /* NULL: /usr/lib/grub */
	const char *tmpdir;          /* NULL: $TMPDIR or /tmp */
	build_step_fn on_step;
	void *step_data;
	/* BUILD_FROM_DEBOOTSTRAP only: */
	const char *mirror;          /* NULL: BUILD_DEBIAN_MIRROR */
	const char *include;         /* extra packages, comma-separated, or NULL */
	const char *debootstrap_cache; /* .tgz of the packages: made when absent, then reused */
	const char *const *copy_in;  /* NULL-terminated "HOSTFILE:/path/in/root" list, or NULL */
};

#define BUILD_DEBIAN_MIRROR "http://deb.debian.org/debian"

#define BUILD_WARN_MAX 8

struct build_result {
	struct disk_layout layout;   /* as written, sizes from the partition table */
	enum build_boot boot;
	char kernel[256];            /* as found in the root ("" if none was found) */
	char initrd[256];            /* "" when none */
	char cmdline[1024];          /* the kernel command line written */
	char workdir[512];           /* scratch directory used (removed afterwards) */
	unsigned nwarnings;
	char warnings[BUILD_WARN_MAX][256];
};

/* Build the image described by `o`, running programs through `r` (in dry-run
 * mode the table is still written, but the programs are only recorded).
 * On failure the half-built image is left for inspection and reterr says which
 * step failed and why (ERR_USAGE for unusable options or inputs).
 * BUILD_FROM_DEBOOTSTRAP runs `debootstrap --variant=minbase` into a scratch
 * directory (removed afterwards) and builds from it as from a root tree; it
 * needs root unless `r` is in dry-run mode (ERR_USAGE otherwise).  With
 * debootstrap_cache, the packages come from that tarball, which is first made
 * with --make-tarball when it does not exist; it must end in .tgz or .tar.gz
 * and holds one suite's packages with one include list, for one mirror (the
 * package lists inside are named after it).  copy_in files are
 * copied into the new root (say a kernel into /boot) before the build. */
int build_image(struct proc_runner *r, const struct build_opts *o, struct build_result *ret,
		struct err *reterr);

/* Patch GRUB's boot.img (512 bytes) for a core.img starting at sector
 * `core_lba` and merge it into the existing first sector `mbr` (keeping its
 * disk signature and partition table).  Patch core.img's first sector (its
 * diskboot blocklist) so the rest is read from core_lba + 1.  Pure; returns 0 or
 * -1 (ERR_INPUT) when the images do not look like GRUB's. */
int build_patch_grub_bios(unsigned char mbr[512], const unsigned char boot_img[512],
			  unsigned char *core, size_t core_len, uint64_t core_lba,
			  struct err *reterr);

#endif
