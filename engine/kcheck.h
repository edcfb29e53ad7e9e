/* kcheck: can this kernel boot on a given kind of EC2 machine?
 *
 * kcheck_load() turns a path (a .config, a gzip'd config, a kernel image, or a
 * root or /boot folder) into kernel descriptions: the facts the image shows
 * (version, architecture, compression, boot protocol, EFI stub), its
 * configuration, and the initramfs found beside it.  kcheck_evaluate() applies
 * one target's rules to a description and returns a verdict and findings.
 * Findings are named by id; help/kcheck_text.h gives their words.
 */
#ifndef AMIWIZ_ENGINE_KCHECK_H
#define AMIWIZ_ENGINE_KCHECK_H

#include <limits.h>
#include <stddef.h>

#include "engine/bzimage.h"
#include "engine/initramfs.h"
#include "engine/kconfig.h"
#include "help/err.h"
#include "help/kcheck_text.h"

/* The most bytes amiwiz maps from any one input file. */
#define KCHECK_MAX_FILE (1024u * 1024u * 1024u)

#define KCHECK_TARGETS(X)                                                                          \
	X(KT_PV_I386, "pv-i386", "32-bit paravirtual (PV) under pv-grub")                          \
	X(KT_PV_X86_64, "pv-x86_64", "64-bit paravirtual (PV) under pv-grub")                      \
	X(KT_HVM_XEN, "hvm-xen", "HVM on Xen-based instance types (t2, m4, c4...)")                \
	X(KT_NITRO, "nitro", "HVM on Nitro instance types (t3, m5, c6g...), x86_64 or arm64")      \
	X(KT_IMPORT, "import", "AWS VM Import (ImportImage)")

enum kcheck_target {
#define X(id, name, desc) id,
	KCHECK_TARGETS(X)
#undef X
	KT_MAX
};

enum kcheck_severity { KSEV_NOTE, KSEV_WARNING, KSEV_BLOCKER, KSEV_MAX };

enum kcheck_verdict {
	KV_BOOTS,               /* nothing wrong found */
	KV_BOOTS_WITH_WARNINGS, /* no blocker, but something could not be confirmed */
	KV_CANNOT_BOOT,         /* at least one blocker */
	KV_MAX
};

enum kcheck_config_source {
	KCS_NONE,     /* no configuration found */
	KCS_FILE,     /* a plain text file */
	KCS_GZIP,     /* a compressed file such as /proc/config.gz */
	KCS_IKCONFIG, /* the copy inside the kernel image */
};

struct kcheck_kernel {
	char name[PATH_MAX];            /* what the user named, or the file in a folder */
	char image_path[PATH_MAX];      /* "" when only a configuration was given and
					   no image was found beside it */
	char config_path[PATH_MAX];     /* where the configuration came from, or "" */
	char initramfs_path[PATH_MAX];  /* "" when none was found */
	char initramfs_error[ERR_MESSAGE_MAX]; /* why it could not be read, or "" */
	int have_image;
	struct kimage_info image;
	int image_beside_config;        /* a configuration was named; image_path is the
					   vmlinuz-<version> found beside it */
	char image_error[ERR_MESSAGE_MAX]; /* that image could not be read (have_image
					      is 0): why, or "" */
	enum kcheck_config_source config_source;
	struct kconfig config;          /* empty when config_source == KCS_NONE */
	int have_initramfs;             /* found and read */
	struct initramfs initramfs;
	/* derived facts */
	char release[64];               /* "6.1.0-56-amd64", or "" */
	unsigned ver_major, ver_minor, ver_patch; /* 0.0.0 when unknown */
	enum karch arch;
	enum decomp_kind compression;
	int compression_known;
};

struct kcheck_finding {
	enum kcheck_finding_id id;
	enum kcheck_severity severity;
	char option[64];  /* "CONFIG_XEN_BLKDEV_FRONTEND", or a fact: "compression" */
	char needs[160];  /* what the target needs */
	char has[200];    /* what this kernel has */
};

struct kcheck_result {
	enum kcheck_target target;
	enum kcheck_verdict verdict;
	unsigned min_pvgrub;             /* e.g. 104 for "pv-grub 1.04 or later"; 0 = any/n.a. */
	struct kcheck_finding *findings; /* owned; blockers first */
	size_t n;
};

const char *kcheck_target_name(enum kcheck_target t);
const char *kcheck_target_description(enum kcheck_target t);
/* Returns 0 and sets *ret, or -1 for an unknown name. */
int kcheck_target_from_name(const char *name, enum kcheck_target *ret);
const char *kcheck_severity_name(enum kcheck_severity s);
const char *kcheck_verdict_name(enum kcheck_verdict v); /* "boots", "boots-with-warnings", ... */
const char *kcheck_config_source_name(enum kcheck_config_source s);

/* Describe the kernel(s) at `path`.  A file yields one kernel; a folder yields
 * one per vmlinuz-* (looked for in PATH/boot, then PATH).  For a kernel image,
 * config-<version> and initrd.img-<version> / initramfs-<version>[.img] beside
 * it are used when present; without a config file the configuration stored in
 * the kernel (IKCONFIG) is extracted.  For a configuration named
 * config-<version>, the initramfs and the vmlinuz-<version> beside it are used
 * the same way (image_beside_config; an unreadable image is noted in
 * image_error, not a failure).  *ret (an array of *ret_n) is the
 * caller's: kcheck_kernels_free.  Fails (ERR_INPUT / ERR_SYSTEM) with a message
 * naming the path when it cannot be read or holds nothing amiwiz can check.
 * An unreadable initramfs is not a failure: it is noted in initramfs_error. */
int kcheck_load(const char *path, struct kcheck_kernel **ret, size_t *ret_n, struct err *reterr);

/* Build a description from configuration text alone (for tests and for
 * checking a config before building).  `k` is the caller's; release it with
 * kcheck_kernel_release. */
int kcheck_kernel_from_config(const char *text, size_t len, struct kcheck_kernel *k,
			      struct err *reterr);

/* A kernel read from somewhere other than a folder (inside a disk image): the
 * image's bytes and, when known, its configuration text and initramfs.  Names
 * are what findings and paths report ("/boot/vmlinuz-6.1.0"). */
struct kcheck_memory {
	const char *name;
	const unsigned char *image;
	size_t image_len;
	const char *config_name; /* NULL: use the configuration inside the image (IKCONFIG) */
	const char *config;
	size_t config_len;
	const char *initramfs_name; /* NULL when there is none */
	const unsigned char *initramfs;
	size_t initramfs_len;
};

/* Describe the kernel in `m` (all borrowed) into `k` (the caller's; release
 * with kcheck_kernel_release) as kcheck_load describes a file.  Fails with
 * ERR_INPUT when the image is not a kernel amiwiz can read or the
 * configuration does not parse; an unreadable initramfs is noted in
 * initramfs_error, not a failure. */
int kcheck_kernel_from_memory(const struct kcheck_memory *m, struct kcheck_kernel *k,
			      struct err *reterr);

/* Work out the derived facts (version, arch, compression) from image and
 * config.  kcheck_load and kcheck_kernel_from_config call it; call it again
 * after changing a description by hand. */
void kcheck_kernel_derive(struct kcheck_kernel *k);

void kcheck_kernel_release(struct kcheck_kernel *k);
void kcheck_kernels_free(struct kcheck_kernel *list, size_t n);

/* Apply target `t`'s rules.  Fills *ret (kcheck_result_free).  Fails only when
 * out of memory. */
int kcheck_evaluate(const struct kcheck_kernel *k, enum kcheck_target t, struct kcheck_result *ret,
		    struct err *reterr);

void kcheck_result_free(struct kcheck_result *r);

/* Count of findings of severity `s` in r. */
size_t kcheck_result_count(const struct kcheck_result *r, enum kcheck_severity s);

#endif
