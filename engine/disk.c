#include "engine/disk.h"

#include <blkid/blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <parted/parted.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/disk_priv.h"
#include "help/unittest.h"

#define NAMES(id, name) [id] = name,
static const char *const table_names[] = {DISK_TABLES(NAMES)};
static const char *const fs_names[] = {DISK_FSES(NAMES)};
static const char *const role_names[] = {DISK_ROLES(NAMES)};
static const char *const layout_names[] = {DISK_LAYOUTS(NAMES)};
#undef NAMES

#define NAME_OF(tab, v) ((unsigned)(v) < sizeof(tab) / sizeof(tab[0]) ? tab[v] : "?")
const char *disk_table_name(enum disk_table t) { return NAME_OF(table_names, t); }
const char *disk_fs_name(enum disk_fs f) { return NAME_OF(fs_names, f); }
const char *disk_role_name(enum disk_role r) { return NAME_OF(role_names, r); }
const char *disk_layout_name(enum disk_layout_kind k) { return NAME_OF(layout_names, k); }

static int lookup(const char *const *tab, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(tab[i], name) == 0)
			return (int)i;
	return -1;
}
#define LOOKUP(tab, name) lookup(tab, sizeof(tab) / sizeof(tab[0]), name)
int disk_table_from_name(const char *name)
{
	if (name && strcmp(name, "msdos") == 0)
		return DISK_TABLE_MBR;
	return LOOKUP(table_names, name);
}
int disk_fs_from_name(const char *name)
{
	if (name && (strcmp(name, "fat32") == 0 || strcmp(name, "fat") == 0))
		return DISK_FS_VFAT;
	return LOOKUP(fs_names, name);
}
int disk_layout_from_name(const char *name) { return LOOKUP(layout_names, name); }

UNITTEST void disk_random_uuid(char out[DISK_UUID_LEN])
{
	unsigned char b[16];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		/* getrandom does not fail for 16 bytes once the pool is ready;
		 * fall back to something still unique per call */
		static unsigned counter;
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(rand() ^ (int)(counter++ * 131u));
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, DISK_UUID_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

static void choose_fs_id(struct disk_part *p)
{
	disk_random_uuid(p->fs_uuid);
	if (p->fs == DISK_FS_VFAT) {
		/* FAT has a 32-bit volume id, shown as XXXX-XXXX */
		char hex[9];
		snprintf(hex, sizeof(hex), "%.8s", p->fs_uuid);
		for (char *c = hex; *c; c++)
			*c = (char)(*c >= 'a' ? *c - 32 : *c);
		snprintf(p->fs_uuid, DISK_UUID_LEN, "%.4s-%.4s", hex, hex + 4);
	}
}

struct disk_part *disk_layout_find(struct disk_layout *lay, enum disk_role role)
{
	for (unsigned i = 0; i < lay->nparts; i++)
		if (lay->parts[i].role == role)
			return &lay->parts[i];
	return NULL;
}

static void add_part(struct disk_layout *lay, enum disk_role role, enum disk_fs fs, uint64_t size,
		     const char *label)
{
	struct disk_part *p = &lay->parts[lay->nparts++];
	memset(p, 0, sizeof(*p));
	p->role = role;
	p->fs = fs;
	p->size = size;
	p->number = lay->table == DISK_TABLE_NONE ? 0 : (int)lay->nparts;
	snprintf(p->label, sizeof(p->label), "%s", label);
	if (fs != DISK_FS_NONE)
		choose_fs_id(p);
}

static bool grub_readable(enum disk_fs fs)
{
	/* what both pv-grub (GRUB 0.97) and our GRUB 2 images read */
	return fs == DISK_FS_EXT2 || fs == DISK_FS_EXT3 || fs == DISK_FS_EXT4 || fs == DISK_FS_XFS;
}

int disk_layout_plan(const struct disk_layout_opts *o, struct disk_layout *ret, struct err *reterr)
{
	struct disk_layout lay;
	memset(&lay, 0, sizeof(lay));
	lay.kind = o->kind;
	lay.size = o->size;
	enum disk_fs root = o->root_fs == DISK_FS_NONE ? DISK_FS_EXT4 : o->root_fs;
	uint64_t boot = o->boot_size ? o->boot_size : 256 * DISK_MIB;
	uint64_t esp = o->esp_size ? o->esp_size : 64 * DISK_MIB;
	boot = (boot + DISK_MIB - 1) / DISK_MIB * DISK_MIB;
	esp = (esp + DISK_MIB - 1) / DISK_MIB * DISK_MIB;

	if ((unsigned)root >= DISK_FS_MAX || root == DISK_FS_VFAT)
		return err_set(reterr, ERR_USAGE, EINVAL,
			       "%s cannot hold a Linux root filesystem; choose ext4, ext3, ext2, "
			       "xfs or btrfs", disk_fs_name(root));
	int table = o->table;
	switch (o->kind) {
	case DISK_LAYOUT_PV_CLASSIC:
		if (table < 0)
			table = DISK_TABLE_MBR;
		if (table != DISK_TABLE_MBR)
			return err_set(reterr, ERR_USAGE, EINVAL,
				       "pv-classic uses an MBR partition table: pv-grub 1.03 and "
				       "earlier read no GPT, and a separate /boot needs partitions");
		break;
	case DISK_LAYOUT_PV_SIMPLE:
		if (table < 0)
			table = DISK_TABLE_MBR;
		if (table == DISK_TABLE_GPT)
			return err_set(reterr, ERR_USAGE, EINVAL,
				       "pv-simple uses an MBR partition table or none: pv-grub 1.03 "
				       "and earlier read no GPT");
		if (!grub_readable(root))
			return err_set(reterr, ERR_USAGE, EINVAL,
				       "pv-grub cannot read a %s root, and pv-simple has no separate "
				       "/boot: use ext4 (or pv-classic, whose /boot is ext3)",
				       disk_fs_name(root));
		break;
	case DISK_LAYOUT_HVM_BIOS:
		if (table < 0)
			table = DISK_TABLE_MBR;
		if (table == DISK_TABLE_NONE)
			return err_set(reterr, ERR_USAGE, EINVAL,
				       "hvm-bios needs a partition table: the BIOS boots the code "
				       "in the first sector, and GRUB lives after it");
		break;
	case DISK_LAYOUT_UEFI:
	case DISK_LAYOUT_HYBRID:
		if (table < 0)
			table = DISK_TABLE_GPT;
		if (table != DISK_TABLE_GPT)
			return err_set(reterr, ERR_USAGE, EINVAL,
				       "%s uses a GPT partition table (EC2's UEFI boot expects one)",
				       disk_layout_name(o->kind));
		break;
	case DISK_LAYOUT_MAX:
	default:
		return err_set(reterr, ERR_USAGE, EINVAL, "unknown layout");
	}
	if (o->kind != DISK_LAYOUT_PV_CLASSIC && o->kind != DISK_LAYOUT_PV_SIMPLE &&
	    !grub_readable(root))
		return err_set(reterr, ERR_USAGE, EINVAL,
			       "GRUB must read the kernel from the root filesystem here: use ext4 "
			       "or xfs (btrfs roots need pv-classic's separate /boot)");
	lay.table = (enum disk_table)table;

	uint64_t sectors = o->size / DISK_SECTOR;
	/* the last MiB boundary the table lets a partition reach */
	uint64_t usable_end = lay.table == DISK_TABLE_GPT ? sectors - 33 : sectors;
	uint64_t end = lay.table == DISK_TABLE_NONE ? o->size
						    : usable_end / 2048 * 2048 * DISK_SECTOR;
	uint64_t first = lay.table == DISK_TABLE_NONE ? 0 : DISK_MIB;

	switch (o->kind) {
	case DISK_LAYOUT_PV_CLASSIC:
		add_part(&lay, DISK_ROLE_BOOT, DISK_FS_EXT3, boot, "boot");
		add_part(&lay, DISK_ROLE_ROOT, root, 0, "root");
		break;
	case DISK_LAYOUT_PV_SIMPLE:
		add_part(&lay, DISK_ROLE_ROOT, root, 0, "root");
		break;
	case DISK_LAYOUT_HVM_BIOS:
		if (lay.table == DISK_TABLE_GPT)
			add_part(&lay, DISK_ROLE_BIOS_BOOT, DISK_FS_NONE, DISK_MIB, "");
		add_part(&lay, DISK_ROLE_ROOT, root, 0, "root");
		break;
	case DISK_LAYOUT_UEFI:
		add_part(&lay, DISK_ROLE_ESP, DISK_FS_VFAT, esp, "ESP");
		add_part(&lay, DISK_ROLE_ROOT, root, 0, "root");
		break;
	case DISK_LAYOUT_HYBRID:
		add_part(&lay, DISK_ROLE_BIOS_BOOT, DISK_FS_NONE, DISK_MIB, "");
		add_part(&lay, DISK_ROLE_ESP, DISK_FS_VFAT, esp, "ESP");
		add_part(&lay, DISK_ROLE_ROOT, root, 0, "root");
		break;
	case DISK_LAYOUT_MAX:
	default:
		break;
	}
	uint64_t at = first;
	for (unsigned i = 0; i < lay.nparts; i++) {
		struct disk_part *p = &lay.parts[i];
		p->start = at;
		if (i + 1 == lay.nparts) {
			/* the root takes the rest; it must be big enough for mkfs */
			uint64_t min = root == DISK_FS_XFS ? 300 * DISK_MIB
				       : root == DISK_FS_BTRFS ? 128 * DISK_MIB : 8 * DISK_MIB;
			if (end < at + min)
				return err_set(reterr, ERR_USAGE, EINVAL,
					       "the disk is too small: %s needs at least %llu MiB, "
					       "leaving %llu MiB for the root filesystem (%s needs %llu)",
					       disk_layout_name(o->kind),
					       (unsigned long long)((at + min) / DISK_MIB + 1),
					       (unsigned long long)(end > at ? (end - at) / DISK_MIB : 0),
					       disk_fs_name(root), (unsigned long long)(min / DISK_MIB));
			p->size = end - at;
		}
		at += p->size;
	}
	*ret = lay;
	return 0;
}

int disk_image_create(const char *path, uint64_t size, bool overwrite, struct err *reterr)
{
	if (size < DISK_MIB || size % DISK_SECTOR)
		return err_set(reterr, ERR_USAGE, EINVAL,
			       "an image must be at least 1 MiB and a whole number of 512-byte "
			       "sectors");
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL), 0644);
	if (fd < 0 && errno == EEXIST)
		return err_set(reterr, ERR_USAGE, EEXIST,
			       "%s already exists; choose another name, or allow overwriting it",
			       path);
	if (fd < 0)
		return err_sys(reterr, errno, "Creating %s", path);
	struct stat st;
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(reterr, ERR_USAGE, EINVAL,
			       "%s is not a regular file (a block device needs the device checks)",
			       path);
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		int e = errno;
		close(fd);
		return err_sys(reterr, e, "Sizing %s", path);
	}
	if (close(fd) < 0)
		return err_sys(reterr, errno, "Creating %s", path);
	return 0;
}

/* libparted reports problems through a global handler; keep the last message
 * for our error record instead of letting it print. */
static _Thread_local char parted_msg[512];

static PedExceptionOption parted_handler(PedException *ex)
{
	snprintf(parted_msg, sizeof(parted_msg), "%s", ex->message ? ex->message : "");
	/* answer questions the safe way: cancel, or ignore a mere warning */
	if (ex->type <= PED_EXCEPTION_WARNING && (ex->options & PED_EXCEPTION_IGNORE))
		return PED_EXCEPTION_IGNORE;
	if (ex->options & PED_EXCEPTION_CANCEL)
		return PED_EXCEPTION_CANCEL;
	return PED_EXCEPTION_UNHANDLED;
}

UNITTEST void disk_parted_quiet(void)
{
	ped_exception_set_handler(parted_handler);
	parted_msg[0] = '\0';
}

static int parted_fail(struct err *reterr, const char *what, const char *path)
{
	return err_set(reterr, ERR_SYSTEM, EIO, "%s %s failed%s%s", what, path,
		       parted_msg[0] ? ": " : "", parted_msg);
}

static const char *parted_fs_name(enum disk_fs fs)
{
	switch (fs) {
	case DISK_FS_VFAT:
		return "fat32";
	case DISK_FS_EXT2:
	case DISK_FS_EXT3:
	case DISK_FS_EXT4:
	case DISK_FS_BTRFS:
	case DISK_FS_XFS:
		return disk_fs_name(fs);
	case DISK_FS_NONE:
	case DISK_FS_MAX:
	default:
		return NULL;
	}
}

/* PARTUUIDs and the disk id, as the kernel and blkid will name them */
static int read_partuuids(struct disk_layout *lay, const char *path, struct err *reterr)
{
	blkid_probe pr = blkid_new_probe_from_filename(path);
	if (!pr)
		return err_sys(reterr, errno ? errno : EIO, "Reading back the partitions of %s", path);
	int rc = 0;
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	blkid_partlist pl = blkid_probe_get_partitions(pr);
	if (!pl) {
		rc = err_set(reterr, ERR_INPUT, EIO,
			     "the partition table just written to %s cannot be read back", path);
		goto out;
	}
	blkid_parttable tab = blkid_partlist_get_table(pl);
	const char *id = tab ? blkid_parttable_get_id(tab) : NULL;
	snprintf(lay->ptuuid, sizeof(lay->ptuuid), "%s", id ? id : "");
	int n = blkid_partlist_numof_partitions(pl);
	for (int i = 0; i < n; i++) {
		blkid_partition par = blkid_partlist_get_partition(pl, i);
		int num = blkid_partition_get_partno(par);
		const char *u = blkid_partition_get_uuid(par);
		for (unsigned k = 0; k < lay->nparts; k++)
			if (lay->parts[k].number == num)
				snprintf(lay->parts[k].partuuid, DISK_UUID_LEN, "%s", u ? u : "");
	}
out:
	blkid_free_probe(pr);
	return rc;
}

int disk_layout_write(struct disk_layout *lay, const char *path, struct err *reterr)
{
	if (lay->table == DISK_TABLE_NONE)
		return 0;
	disk_parted_quiet();
	int rc = -1;
	PedDevice *dev = ped_device_get(path);
	PedDisk *disk = NULL;
	if (!dev)
		return parted_fail(reterr, "Opening", path);
	if (!ped_device_open(dev)) {
		rc = parted_fail(reterr, "Opening", path);
		goto out;
	}
	if (dev->sector_size != DISK_SECTOR) {
		rc = err_set(reterr, ERR_USAGE, EINVAL,
			     "%s has %lld-byte sectors; EC2 volumes have 512-byte sectors", path,
			     dev->sector_size);
		goto out;
	}
	disk = ped_disk_new_fresh(dev, ped_disk_type_get(lay->table == DISK_TABLE_GPT ? "gpt"
										 : "msdos"));
	if (!disk) {
		rc = parted_fail(reterr, "Creating a partition table on", path);
		goto out;
	}
	for (unsigned i = 0; i < lay->nparts; i++) {
		struct disk_part *p = &lay->parts[i];
		const char *fsn = parted_fs_name(p->fs);
		PedFileSystemType *fst = fsn ? ped_file_system_type_get(fsn) : NULL;
		PedSector s = (PedSector)(p->start / DISK_SECTOR);
		PedSector e = s + (PedSector)(p->size / DISK_SECTOR) - 1;
		PedPartition *part = ped_partition_new(disk, PED_PARTITION_NORMAL, fst, s, e);
		if (!part) {
			rc = parted_fail(reterr, "Planning a partition on", path);
			goto out;
		}
		PedConstraint *c = ped_constraint_exact(&part->geom);
		int ok = c && ped_disk_add_partition(disk, part, c);
		ped_constraint_destroy(c);
		if (!ok) {
			ped_partition_destroy(part);
			rc = parted_fail(reterr, "Adding a partition to", path);
			goto out;
		}
		if (p->role == DISK_ROLE_BIOS_BOOT)
			ped_partition_set_flag(part, PED_PARTITION_BIOS_GRUB, 1);
		else if (p->role == DISK_ROLE_ESP)
			ped_partition_set_flag(part, PED_PARTITION_ESP, 1);
		else if (lay->table == DISK_TABLE_MBR && i == 0)
			/* the active flag: some BIOSes and converters look for it */
			ped_partition_set_flag(part, PED_PARTITION_BOOT, 1);
		if (lay->table == DISK_TABLE_GPT && p->label[0])
			ped_partition_set_name(part, p->label);
	}
	if (!ped_disk_commit_to_dev(disk)) {
		rc = parted_fail(reterr, "Writing the partition table to", path);
		goto out;
	}
	ped_disk_destroy(disk);
	disk = NULL;

	/* read the table back: the sizes we use from now on are the table's */
	disk = ped_disk_new(dev);
	if (!disk) {
		rc = parted_fail(reterr, "Reading back the partition table of", path);
		goto out;
	}
	for (unsigned i = 0; i < lay->nparts; i++) {
		PedPartition *part = ped_disk_get_partition(disk, lay->parts[i].number);
		if (!part) {
			rc = err_set(reterr, ERR_INTERNAL, 0, "partition %d vanished from %s",
				     lay->parts[i].number, path);
			goto out;
		}
		lay->parts[i].start = (uint64_t)part->geom.start * DISK_SECTOR;
		lay->parts[i].size = (uint64_t)part->geom.length * DISK_SECTOR;
	}
	rc = 0;
out:
	if (disk)
		ped_disk_destroy(disk);
	if (dev) {
		ped_device_close(dev);
		ped_device_destroy(dev);
	}
	if (rc == 0)
		rc = read_partuuids(lay, path, reterr);
	return rc;
}

/* ---- block device guards ---- */

static int read_sys_devno(const char *syspath, dev_t *ret)
{
	FILE *f = fopen(syspath, "re");
	unsigned ma, mi;
	if (!f)
		return -1;
	int n = fscanf(f, "%u:%u", &ma, &mi);
	fclose(f);
	if (n != 2)
		return -1;
	*ret = makedev(ma, mi);
	return 0;
}

#define MAX_DEVS 64
struct devset {
	dev_t dev[MAX_DEVS];
	char name[MAX_DEVS][64];
	unsigned n;
};

static bool devset_has(const struct devset *s, dev_t d)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->dev[i] == d)
			return true;
	return false;
}

int disk_usage_probe(const char *path, struct disk_usage *ret, struct err *reterr)
{
	struct stat st;
	memset(ret, 0, sizeof(*ret));
	if (stat(path, &st) < 0)
		return err_sys(reterr, errno, "Looking at %s", path);
	if (!S_ISBLK(st.st_mode))
		return err_set(reterr, ERR_USAGE, ENOTBLK, "%s is not a block device", path);

	/* the device and its partitions, by number and kernel name */
	struct devset set = {.n = 0};
	char sys[256], real[512];
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(st.st_rdev), minor(st.st_rdev));
	if (!realpath(sys, real))
		return err_sys(reterr, errno, "Finding %s in /sys", path);
	const char *base = strrchr(real, '/');
	base = base ? base + 1 : real;
	set.dev[set.n] = st.st_rdev;
	snprintf(set.name[set.n++], 64, "%.63s", base);
	DIR *d = opendir(real);
	struct dirent *de;
	while (d && (de = readdir(d)) && set.n < MAX_DEVS) {
		if (strncmp(de->d_name, base, strlen(base)) != 0)
			continue;
		char p[1024];
		dev_t dv;
		snprintf(p, sizeof(p), "%s/%s/dev", real, de->d_name);
		if (read_sys_devno(p, &dv) == 0) {
			set.dev[set.n] = dv;
			snprintf(set.name[set.n++], 64, "%.63s", de->d_name);
		}
	}
	if (d)
		closedir(d);

	/* mounted: field 3 of mountinfo is major:minor */
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	while (f && fgets(line, sizeof(line), f)) {
		unsigned ma, mi;
		char mnt[1024], src[1024];
		struct stat ss;
		/* btrfs reports an anonymous device number here, so the mount's
		 * source (after " - fstype ") is looked at too */
		const char *dash = strstr(line, " - ");
		bool by_source = dash && sscanf(dash + 3, "%*s %1023s", src) == 1 && src[0] == '/' &&
				 stat(src, &ss) == 0 && S_ISBLK(ss.st_mode) &&
				 devset_has(&set, ss.st_rdev);
		if (sscanf(line, "%*d %*d %u:%u %*s %1023s", &ma, &mi, mnt) == 3 &&
		    (devset_has(&set, makedev(ma, mi)) || by_source) && !ret->mounted) {
			ret->mounted = true;
			if (!ret->detail[0])
				snprintf(ret->detail, sizeof(ret->detail), "%.100s is mounted on %.100s",
					 path, mnt);
		}
	}
	if (f)
		fclose(f);

	f = fopen("/proc/swaps", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char dev[1024];
		struct stat sw;
		if (sscanf(line, "%1023s", dev) == 1 && dev[0] == '/' && stat(dev, &sw) == 0 &&
		    S_ISBLK(sw.st_mode) && devset_has(&set, sw.st_rdev)) {
			ret->swap = true;
			if (!ret->detail[0])
				snprintf(ret->detail, sizeof(ret->detail),
					 "%.100s holds active swap (%.100s)", path, dev);
		}
	}
	if (f)
		fclose(f);

	for (unsigned i = 0; i < set.n; i++) {
		snprintf(sys, sizeof(sys), "/sys/class/block/%s/holders", set.name[i]);
		d = opendir(sys);
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			ret->holders = true;
			if (!ret->detail[0])
				snprintf(ret->detail, sizeof(ret->detail),
					 "%.63s is in use by %.63s (LVM, RAID or encryption)", set.name[i],
					 de->d_name);
		}
		if (d)
			closedir(d);
	}

	const char *sysdirs[] = {"/", "/boot"};
	for (size_t i = 0; i < 2; i++) {
		struct stat rs;
		if (stat(sysdirs[i], &rs) == 0 && devset_has(&set, rs.st_dev)) {
			ret->system = true;
			if (!ret->detail[0])
				snprintf(ret->detail, sizeof(ret->detail),
					 "%.100s holds the running system (%.10s)", path, sysdirs[i]);
		}
	}
	return 0;
}

int disk_device_check(const char *path, const char *confirm, disk_usage_probe_fn probe,
		      struct disk_usage *ret_usage, struct err *reterr)
{
	struct disk_usage u;
	if (!probe)
		probe = disk_usage_probe;
	if (probe(path, &u, reterr) < 0)
		return -1;
	if (ret_usage)
		*ret_usage = u;
	if (u.mounted || u.swap || u.holders || u.system)
		return err_set(reterr, ERR_USAGE, EBUSY, "%s will not be written: %s", path,
			       u.detail[0] ? u.detail : "it is in use");
	if (!confirm || strcmp(confirm, path) != 0)
		return err_set(reterr, ERR_USAGE, EPERM,
			       "writing %s destroys everything on it; to go on, type its name "
			       "back with --confirm-device %s",
			       path, path);
	return 0;
}
