/* aki: the pv-grub kernel images (AKIs) a paravirtual AMI boots through.
 *
 * A PV image carries no boot loader of its own that EC2 runs: EC2 starts an
 * Amazon kernel image, pv-grub, which reads the image's /boot/grub/menu.lst
 * and chain-loads the kernel named there.  Which AKI to register with depends
 * on the region, the architecture, and the disk layout (hd0: a filesystem on
 * the whole disk, or partition 1 since pv-grub 1.04; hd00: a partitioned
 * disk, kept for old images).  The table is compiled in from
 * help/data/aki.tsv; every string is static.
 */
#ifndef AMIWIZ_HELP_AKI_H
#define AMIWIZ_HELP_AKI_H

#include <stddef.h>

enum aki_disk {
	AKI_DISK_HD0,
	AKI_DISK_HD00,
	AKI_DISK_UNKNOWN, /* a source gave the id without saying which */
	AKI_DISK_MAX
};

struct aki {
	const char *region;     /* "us-east-1" */
	const char *version;    /* pv-grub release "1.05", or NULL when unknown */
	enum aki_disk disk;
	const char *arch;       /* "i386" or "x86_64" */
	const char *id;         /* "aki-5c21674b" */
	const char *image_name; /* "pv-grub-hd0_1.05-x86_64.gz", or NULL */
	const char *confidence; /* how well the id is attested, in words */
};

/* The number of known AKIs and the i-th of them (NULL past the end).  The
 * table is sorted by region, then version, disk, arch. */
size_t aki_count(void);
const struct aki *aki_at(size_t i);

/* The entry with this id, or NULL. */
const struct aki *aki_by_id(const char *id);

/* The AKI to register a new PV image with in `region` for `arch`, on `disk`:
 * the newest pv-grub release of that kind, preferring ids whose version is
 * known.  NULL when the table has none (the caller should then list what
 * DescribeImages says).  AWS's advice is hd0 for new images. */
const struct aki *aki_recommend(const char *region, const char *arch, enum aki_disk disk);

/* "hd0", "hd00", "unknown". */
const char *aki_disk_name(enum aki_disk disk);

/* Parse "hd0"/"hd00"; returns -1 for anything else. */
int aki_disk_from_name(const char *name, enum aki_disk *ret);

/* Compare two pv-grub versions ("1.04" < "1.05"); NULL (unknown) sorts first. */
int aki_version_cmp(const char *a, const char *b);

#endif
