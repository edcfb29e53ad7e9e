/* inspect: look at a disk image the way pv-grub, a BIOS/UEFI firmware and VM
 * Import will, before anything is uploaded.
 *
 * Nothing is mounted: libblkid reads the partition table and the filesystem
 * signatures, libext2fs reads files from ext2/3/4 filesystems, a small FAT
 * reader checks the EFI system partition, and engine/btrfs.h reads a btrfs
 * root tree for subvolumes.  Files inside xfs and btrfs are not read: the
 * checks that need them say so instead of guessing.  The result is a report (what is on
 * the disk) and a list of findings, each a verdict in plain words with a stable
 * code, for the chosen target.
 */
#ifndef AMIWIZ_ENGINE_INSPECT_H
#define AMIWIZ_ENGINE_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "help/err.h"

#define INSPECT_TARGETS(X)                                                                         \
	X(INSPECT_TARGET_PV, "pv")         /* paravirtual, booted by a pv-grub AKI */              \
	X(INSPECT_TARGET_HVM, "hvm")       /* HVM, legacy BIOS or UEFI, Xen or Nitro */            \
	X(INSPECT_TARGET_IMPORT, "import") /* VM Import (ImportImage) */

#define INSPECT_SEVERITIES(X)                                                                      \
	X(INSPECT_INFO, "info")                                                                    \
	X(INSPECT_WARNING, "warning")                                                              \
	X(INSPECT_BLOCKER, "blocker")

/* Every finding inspection can report, X(id, code).  The code is stable (in
 * --json, in scripts, and as the help catalog's key "inspect:<code>",
 * help/catalog/inspect.txt, which says what it means and how to fix it); a
 * unit test checks that each one has its entry.  Add new findings here. */
#define INSPECT_CODES(X)                                                                           \
	X(INSPECT_C_DISK_FORMAT, "disk.format")                                       \
	X(INSPECT_C_DISK_NO_FILESYSTEM, "disk.no-filesystem")                         \
	X(INSPECT_C_INSPECT_UNREADABLE, "inspect.unreadable")                         \
	X(INSPECT_C_OS_MISSING, "os.missing")                                         \
	X(INSPECT_C_OS_32BIT, "os.32bit")                                             \
	X(INSPECT_C_IMPORT_UNKNOWN_OS, "import.unknown-os")                           \
	X(INSPECT_C_IMPORT_MULTIPLE_ROOTS, "import.multiple-roots")                   \
	X(INSPECT_C_IMPORT_MULTIPLE_GRUB, "import.multiple-grub")                     \
	X(INSPECT_C_IMPORT_BTRFS, "import.btrfs")                                     \
	X(INSPECT_C_IMPORT_BTRFS_SUBVOLUME, "import.btrfs-subvolume")                 \
	X(INSPECT_C_IMPORT_NO_FSTAB, "import.no-fstab")                               \
	X(INSPECT_C_IMPORT_KERNEL_VERSION_UNKNOWN, "import.kernel-version-unknown")   \
	X(INSPECT_C_IMPORT_32BIT_KERNEL, "import.32bit-kernel")                       \
	X(INSPECT_C_FSTAB_UNKNOWN_UUID, "fstab.unknown-uuid")                         \
	X(INSPECT_C_FSTAB_DEVICE_NAME, "fstab.device-name")                           \
	X(INSPECT_C_PV_MENU_LST_UNCHECKED, "pv.menu-lst-unchecked")                   \
	X(INSPECT_C_PV_MENU_LST_MISSING, "pv.menu-lst-missing")                       \
	X(INSPECT_C_PV_GPT, "pv.gpt")                                                 \
	X(INSPECT_C_PV_NO_KERNEL_LINE, "pv.no-kernel-line")                           \
	X(INSPECT_C_PV_ROOT_MISSING, "pv.root-missing")                               \
	X(INSPECT_C_PV_KERNEL_UNREADABLE, "pv.kernel-unreadable")                     \
	X(INSPECT_C_PV_CONSOLE, "pv.console")                                         \
	X(INSPECT_C_BOOT_CONFIG_UNCHECKED, "boot.config-unchecked")                   \
	X(INSPECT_C_BOOT_NO_CONFIG, "boot.no-config")                                 \
	X(INSPECT_C_BOOT_KERNEL_UNCHECKED, "boot.kernel-unchecked")                   \
	X(INSPECT_C_BOOT_KERNEL_MISSING, "boot.kernel-missing")                       \
	X(INSPECT_C_BOOT_INITRD_MISSING, "boot.initrd-missing")                       \
	X(INSPECT_C_BOOT_ROOT_UUID_NO_INITRD, "boot.root-uuid-no-initrd")             \
	X(INSPECT_C_BOOT_ROOT_DEVICE_NAME, "boot.root-device-name")                   \
	X(INSPECT_C_HVM_NO_BOOT_CODE, "hvm.no-boot-code")                             \
	X(INSPECT_C_HVM_CONSOLE, "hvm.console")                                       \
	X(INSPECT_C_KERNEL_CHECK, "kernel.check")                                     \
	X(INSPECT_C_KERNEL_CHECK_LIMITED, "kernel.check-limited")


#define X(id, name) id,
enum inspect_target { INSPECT_TARGETS(X) INSPECT_TARGET_MAX };
enum inspect_severity { INSPECT_SEVERITIES(X) INSPECT_SEVERITY_MAX };
enum inspect_code { INSPECT_CODES(X) INSPECT_CODE_MAX };
#undef X

const char *inspect_target_name(enum inspect_target t);
int inspect_target_from_name(const char *name); /* -1 when unknown */
const char *inspect_severity_name(enum inspect_severity s);
/* The stable code of finding `c` ("pv.menu-lst-missing"); "?" out of range. */
const char *inspect_code_name(enum inspect_code c);

#define INSPECT_PARTS_MAX 16
#define INSPECT_FINDINGS_MAX 32
#define INSPECT_FILE_MAX (64u << 20) /* the most read of any one file (a kernel) */

struct inspect_part {
	int number;             /* 1-based; 0: a filesystem on the whole disk */
	uint64_t start, size;   /* bytes */
	char fstype[24];        /* blkid's TYPE ("ext4", "vfat"...), "" if none found */
	char uuid[64];
	char label[64];
	char partuuid[64];
	char parttype[64];      /* MBR type ("0x83") or GPT type GUID */
	bool bios_boot;         /* GPT BIOS boot partition */
	bool esp;               /* EFI system partition */
	bool readable;          /* its files could be read (ext2/3/4) */
	bool has_etc;           /* holds /etc (a root filesystem) */
	bool efi_fallback;      /* FAT with \EFI\BOOT\BOOTX64.EFI */
	int subvolumes;         /* btrfs: subvolumes found in its root tree; -1 unread */
	char subvol_name[64];   /* btrfs: the first subvolume's name */
	char unread_why[160];   /* btrfs: why its root tree could not be read */
};

struct inspect_finding {
	enum inspect_severity severity;
	enum inspect_code id;
	char code[48];          /* inspect_code_name(id), e.g. "pv.menu-lst-missing" */
	char text[480];         /* the details of this image (which file, which partition);
				 * the catalog entry "inspect:<code>" explains the rest */
	char import_status[160];/* for import findings: VM Import's StatusMessage, else "" */
};

struct inspect_report {
	uint64_t image_size;
	char format[16];        /* "raw", "qcow2", "vmdk", "vhd", "vdi" */
	char table[8];          /* "dos", "gpt", or "" for none */
	bool boot_code;         /* sector 0 holds boot code */
	unsigned nparts;
	struct inspect_part parts[INSPECT_PARTS_MAX];
	int root;               /* index into parts of the root filesystem, or -1 */
	char os_name[128];      /* PRETTY_NAME of /etc/os-release, or "" */
	char boot_config[96];   /* "menu.lst (hd0,0)/boot/grub/menu.lst", "grub.cfg ..." */
	char kernel[256];       /* the kernel the boot configuration names */
	bool kernel_found;
	char kernel_version[128];
	int kernel_bits;        /* 64, 32, or 0 when unknown */
	char initrd[256];
	bool initrd_found;
	char cmdline[1024];
	int userland_bits;      /* ELF class of /sbin/init (or /bin/sh): 64, 32, 0 */
	unsigned nfindings;
	struct inspect_finding findings[INSPECT_FINDINGS_MAX];
};

/* What inspection hands a kernel check: the kernel file read from the image,
 * and its companions when the image holds them: /boot/config-<version> and
 * the initramfs the boot configuration names.  Everything is borrowed for the
 * duration of the call. */
struct inspect_kernel_files {
	const char *kernel_path;        /* in the image: "/boot/vmlinuz-6.1.0-13-amd64" */
	const unsigned char *kernel;
	size_t kernel_len;
	const char *config_path;        /* "/boot/config-6.1.0-13-amd64", or NULL */
	const char *config;             /* its text, or NULL */
	size_t config_len;
	const char *initramfs_path;     /* or NULL */
	const unsigned char *initramfs; /* or NULL */
	size_t initramfs_len;
};

/* The seam for kernel checks (engine/kcheck; inspect_kcheck() in
 * engine/inspect_kcheck.h is the real one): given the kernel and its
 * companions and the target, return 0 when it fits, 1 when it does not (a
 * blocker), 2 when it fits with a limit (a warning), both with a reason in
 * `ret_reason`, -1 when it cannot tell.  Inspection works without it. */
typedef int (*inspect_kernel_fn)(void *data, const struct inspect_kernel_files *k,
				 enum inspect_target target, char *ret_reason, size_t reason_len);

struct inspect_opts {
	enum inspect_target target;
	inspect_kernel_fn kernel_check; /* optional */
	void *kernel_check_data;
};

/* Inspect the image (or block device) at `path` into `ret`.  Returns 0 with the
 * findings for the target (blockers included), or -1 with ERR_INPUT when the
 * file cannot be used as a disk image at all (empty, truncated, damaged GPT,
 * nothing recognisable), saying why, or ERR_SYSTEM when it cannot be read. */
int inspect_image(const char *path, const struct inspect_opts *o, struct inspect_report *ret,
		  struct err *reterr);

/* True when the report holds a blocker. */
bool inspect_has_blocker(const struct inspect_report *r);

/* For the simulator: the StatusMessage an ImportImage task for this image
 * would end with ("" when it would complete), e.g.
 * "ClientError: No valid partitions. Not a valid volume.".  Images that cannot
 * be used at all get the message VM Import gives those.  Returns 0, or -1 with
 * ERR_SYSTEM only when the file cannot be read. */
int inspect_import_outcome(const char *path, inspect_kernel_fn kernel_check, void *data,
			   char *ret_status, size_t status_len, struct err *reterr);

/* Parse the bzImage header: the version string and whether it is a 64-bit
 * kernel.  Returns 0, or -1 when `buf` is not a bzImage. */
int inspect_bzimage(const unsigned char *buf, size_t len, char *ret_version, size_t version_len,
		    int *ret_bits);

#endif
