#include "engine/inspect.h"

#include <blkid/blkid.h>
#include <ctype.h>
#include <errno.h>
#include <et/com_err.h>
#include <ext2fs/ext2fs.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/btrfs.h"
#include "help/dynbuf.h"

#define NAMES(id, name) [id] = name,
static const char *const target_names[] = {INSPECT_TARGETS(NAMES)};
static const char *const severity_names[] = {INSPECT_SEVERITIES(NAMES)};
static const char *const code_names[] = {INSPECT_CODES(NAMES)};
#undef NAMES

const char *inspect_target_name(enum inspect_target t)
{
	return (unsigned)t < INSPECT_TARGET_MAX ? target_names[t] : "?";
}

int inspect_target_from_name(const char *name)
{
	for (int i = 0; name && i < INSPECT_TARGET_MAX; i++)
		if (strcmp(target_names[i], name) == 0)
			return i;
	return -1;
}

const char *inspect_severity_name(enum inspect_severity s)
{
	return (unsigned)s < INSPECT_SEVERITY_MAX ? severity_names[s] : "?";
}

const char *inspect_code_name(enum inspect_code c)
{
	return (unsigned)c < INSPECT_CODE_MAX ? code_names[c] : "?";
}

static void find(struct inspect_report *r, enum inspect_severity sev, enum inspect_code code,
		 const char *import_status, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void find(struct inspect_report *r, enum inspect_severity sev, enum inspect_code code,
		 const char *import_status, const char *fmt, ...)
{
	if (r->nfindings >= INSPECT_FINDINGS_MAX)
		return;
	struct inspect_finding *f = &r->findings[r->nfindings++];
	f->severity = sev;
	f->id = code;
	snprintf(f->code, sizeof(f->code), "%s", inspect_code_name(code));
	snprintf(f->import_status, sizeof(f->import_status), "%s",
		 import_status ? import_status : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

bool inspect_has_blocker(const struct inspect_report *r)
{
	for (unsigned i = 0; i < r->nfindings; i++)
		if (r->findings[i].severity == INSPECT_BLOCKER)
			return true;
	return false;
}

static unsigned le16(const unsigned char *p) { return (unsigned)p[0] | (unsigned)p[1] << 8; }
static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int inspect_bzimage(const unsigned char *buf, size_t len, char *ret_version, size_t version_len,
		    int *ret_bits)
{
	if (len < 0x240 || memcmp(buf + 0x202, "HdrS", 4) != 0 || buf[0x1fe] != 0x55 ||
	    buf[0x1ff] != 0xaa)
		return -1;
	unsigned proto = le16(buf + 0x206);
	unsigned vptr = le16(buf + 0x20e);
	if (ret_version && version_len) {
		ret_version[0] = '\0';
		size_t at = (size_t)vptr + 0x200;
		if (vptr && at < len) {
			size_t n = 0;
			while (at + n < len && n + 1 < version_len && isprint(buf[at + n]) &&
			       buf[at + n] != ' ')
				n++;
			memcpy(ret_version, buf + at, n);
			ret_version[n] = '\0';
		}
	}
	if (ret_bits)
		*ret_bits = proto >= 0x20c ? ((le16(buf + 0x236) & 1) ? 64 : 32) : 32;
	return 0;
}

/* ---- files on ext2/3/4, through libext2fs ---- */

static ext2_filsys ext_open(const char *path, uint64_t off)
{
	char opts[64];
	ext2_filsys fs = NULL;
	snprintf(opts, sizeof(opts), "offset=%llu", (unsigned long long)off);
	if (ext2fs_open2(path, opts, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs) != 0)
		return NULL;
	return fs;
}

/* Look `name` up, following symlinks (absolute ones from this filesystem's
 * root, as the system would once mounted).  0, or -1 when absent. */
static int ext_lookup(ext2_filsys fs, const char *name, ext2_ino_t *ret, struct ext2_inode *inode)
{
	ext2_ino_t ino;
	if (!fs || ext2fs_namei_follow(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, name, &ino) != 0)
		return -1;
	if (ext2fs_read_inode(fs, ino, inode) != 0)
		return -1;
	*ret = ino;
	return 0;
}

static bool ext_is(ext2_filsys fs, const char *name, bool dir)
{
	ext2_ino_t ino;
	struct ext2_inode in;
	if (ext_lookup(fs, name, &ino, &in) < 0)
		return false;
	return dir ? LINUX_S_ISDIR(in.i_mode) : LINUX_S_ISREG(in.i_mode);
}

/* Read up to `max` bytes of a regular file; the buffer is NUL-terminated.
 * Returns the length, or -1. */
static long ext_read(ext2_filsys fs, const char *name, unsigned char **ret, size_t max)
{
	ext2_ino_t ino;
	struct ext2_inode in;
	ext2_file_t f;
	*ret = NULL;
	if (ext_lookup(fs, name, &ino, &in) < 0 || !LINUX_S_ISREG(in.i_mode))
		return -1;
	if (ext2fs_file_open(fs, ino, 0, &f) != 0)
		return -1;
	__u64 size = 0;
	if (ext2fs_file_get_lsize(f, &size) != 0) {
		ext2fs_file_close(f);
		return -1;
	}
	size_t want = size < max ? (size_t)size : max;
	unsigned char *buf = malloc(want + 1);
	size_t got = 0;
	while (buf && got < want) {
		unsigned int n = 0;
		unsigned int chunk = want - got > (1u << 20) ? 1u << 20 : (unsigned)(want - got);
		if (ext2fs_file_read(f, buf + got, chunk, &n) != 0 || n == 0)
			break;
		got += n;
	}
	ext2fs_file_close(f);
	if (!buf)
		return -1;
	buf[got] = '\0';
	*ret = buf;
	return (long)got;
}

/* ---- the EFI fallback loader on FAT, read by hand ---- */

static bool pread_all(int fd, void *buf, size_t n, uint64_t off)
{
	return pread(fd, buf, n, (off_t)off) == (ssize_t)n;
}

struct fat {
	int fd;
	uint64_t base;
	unsigned bps, spc;
	uint64_t fat_off, data_off, root_off;
	unsigned root_entries;
	uint32_t root_clus;
	bool fat32;
};

static uint32_t fat_next(const struct fat *f, uint32_t c)
{
	unsigned char b[4] = {0};
	if (f->fat32) {
		if (!pread_all(f->fd, b, 4, f->fat_off + (uint64_t)c * 4))
			return 0x0fffffff;
		return le32(b) & 0x0fffffff;
	}
	if (!pread_all(f->fd, b, 2, f->fat_off + (uint64_t)c * 2))
		return 0x0fffffff;
	uint32_t v = le16(b);
	return v >= 0xfff8 ? 0x0fffffff : v;
}

/* find an 8.3 name ("BOOTX64 EFI") in a directory (cluster 0: FAT16's root) */
static bool fat_find(const struct fat *f, uint32_t clus, const char name[11], bool *is_dir,
		     uint32_t *ret_clus)
{
	unsigned char e[32];
	unsigned steps = 0;
	uint64_t off, len;
	if (clus == 0 && !f->fat32) {
		off = f->root_off;
		len = (uint64_t)f->root_entries * 32;
	} else {
		off = f->data_off + (uint64_t)(clus - 2) * f->spc * f->bps;
		len = (uint64_t)f->spc * f->bps;
	}
	for (;;) {
		for (uint64_t at = 0; at + 32 <= len; at += 32) {
			if (!pread_all(f->fd, e, 32, off + at) || e[0] == 0)
				return false;
			if (e[0] == 0xe5 || e[11] == 0x0f)
				continue;
			if (memcmp(e, name, 11) == 0) {
				*is_dir = (e[11] & 0x10) != 0;
				*ret_clus = (uint32_t)le16(e + 20) << 16 | le16(e + 26);
				return true;
			}
		}
		if (clus == 0 && !f->fat32)
			return false;
		clus = fat_next(f, clus);
		if (clus < 2 || clus >= 0x0ffffff7 || ++steps > 65536)
			return false;
		off = f->data_off + (uint64_t)(clus - 2) * f->spc * f->bps;
	}
}

static bool fat_has_efi_fallback(int fd, uint64_t base)
{
	unsigned char b[512];
	if (!pread_all(fd, b, 512, base))
		return false;
	struct fat f = {.fd = fd, .base = base};
	f.bps = le16(b + 11);
	f.spc = b[13];
	unsigned reserved = le16(b + 14), nfats = b[16];
	f.root_entries = le16(b + 17);
	uint32_t fatsz = le16(b + 22);
	if (!fatsz) {
		fatsz = le32(b + 36);
		f.fat32 = true;
		f.root_clus = le32(b + 44);
	}
	if (f.bps < 512 || f.bps > 4096 || !f.spc || !nfats || !fatsz)
		return false;
	f.fat_off = base + (uint64_t)reserved * f.bps;
	f.root_off = f.fat_off + (uint64_t)nfats * fatsz * f.bps;
	f.data_off = f.root_off + ((uint64_t)f.root_entries * 32 + f.bps - 1) / f.bps * f.bps;
	bool dir;
	uint32_t c = f.fat32 ? f.root_clus : 0;
	return fat_find(&f, c, "EFI        ", &dir, &c) && dir && c >= 2 &&
	       fat_find(&f, c, "BOOT       ", &dir, &c) && dir && c >= 2 &&
	       fat_find(&f, c, "BOOTX64 EFI", &dir, &c) && !dir;
}

/* ---- probing ---- */

static void probe_value(blkid_probe pr, const char *name, char *out, size_t len)
{
	const char *v = NULL;
	out[0] = '\0';
	if (blkid_probe_lookup_value(pr, name, &v, NULL) == 0 && v)
		snprintf(out, len, "%s", v);
}

static void probe_fs(int fd, struct inspect_part *p)
{
	blkid_probe pr = blkid_new_probe();
	if (!pr)
		return;
	if (blkid_probe_set_device(pr, fd, (blkid_loff_t)p->start, (blkid_loff_t)p->size) == 0) {
		blkid_probe_enable_superblocks(pr, 1);
		blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID |
							      BLKID_SUBLKS_LABEL);
		blkid_probe_enable_partitions(pr, 0);
		if (blkid_do_safeprobe(pr) == 0) {
			probe_value(pr, "TYPE", p->fstype, sizeof(p->fstype));
			probe_value(pr, "UUID", p->uuid, sizeof(p->uuid));
			probe_value(pr, "LABEL", p->label, sizeof(p->label));
		}
	}
	blkid_free_probe(pr);
}

static void detect_format(const unsigned char *b, size_t n, int fd, uint64_t size,
			  char *out, size_t len)
{
	unsigned char tail[512];
	const char *f = "raw";
	if (n >= 4 && memcmp(b, "QFI\xfb", 4) == 0)
		f = "qcow2";
	else if (n >= 4 && memcmp(b, "KDMV", 4) == 0)
		f = "vmdk";
	else if (n >= 0x44 && le32(b + 0x40) == 0xbeda107f)
		f = "vdi";
	else if (n >= 8 && memcmp(b, "conectix", 8) == 0)
		f = "vhd";
	else if (n >= 8 && memcmp(b, "vhdxfile", 8) == 0)
		f = "vhdx";
	else if (size >= 1024 && pread_all(fd, tail, 512, size - 512) &&
		 memcmp(tail, "conectix", 8) == 0)
		f = "vhd-fixed"; /* raw data followed by a VHD footer */
	snprintf(out, len, "%s", f);
}

/* Fill the partition list.  Returns 0, or -1 with ERR_INPUT for an image that
 * cannot be used. */
static int probe_disk(int fd, const char *path, struct inspect_report *r, struct err *reterr)
{
	unsigned char s0[512];
	if (!pread_all(fd, s0, 512, 0))
		return err_set(reterr, ERR_INPUT, EIO,
			       "%s is too short to be a disk image (%llu bytes; a disk has 512-byte "
			       "sectors)", path, (unsigned long long)r->image_size);
	bool pmbr = false;
	uint64_t pmbr_end = 0; /* where the protective partition says the disk ends */
	if (s0[510] == 0x55 && s0[511] == 0xaa)
		for (int i = 0; i < 4; i++)
			if (s0[0x1be + i * 16 + 4] == 0xee) {
				const unsigned char *e = s0 + 0x1be + i * 16;
				pmbr = true;
				pmbr_end = ((uint64_t)le32(e + 8) + le32(e + 12)) * 512;
			}
	for (int i = 0; i < 0x1b8 && !r->boot_code; i++)
		r->boot_code = s0[i] != 0;

	blkid_probe pr = blkid_new_probe();
	if (!pr)
		return err_sys(reterr, ENOMEM, "Reading %s", path);
	int rc = 0;
	if (blkid_probe_set_device(pr, fd, 0, (blkid_loff_t)r->image_size) != 0) {
		rc = err_set(reterr, ERR_INPUT, EIO, "%s cannot be probed", path);
		goto out;
	}
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	blkid_partlist pl = blkid_probe_get_partitions(pr);
	blkid_parttable tab = pl ? blkid_partlist_get_table(pl) : NULL;
	const char *ttype = tab ? blkid_parttable_get_type(tab) : NULL;
	if (pmbr && (!ttype || strcmp(ttype, "gpt") != 0) && le32(s0 + 0x1be + 12) != 0xffffffffu &&
	    pmbr_end > r->image_size) {
		rc = err_set(reterr, ERR_INPUT, EINVAL,
			     "%s is truncated: its partition table describes a disk of %llu bytes but "
			     "the file has only %llu (an interrupted copy or download?)",
			     path, (unsigned long long)pmbr_end, (unsigned long long)r->image_size);
		goto out;
	}
	if (pmbr && (!ttype || strcmp(ttype, "gpt") != 0)) {
		rc = err_set(reterr, ERR_INPUT, EINVAL,
			     "%s has a protective MBR, but its GPT is damaged (bad header or "
			     "checksum) and the backup GPT could not be used either: the "
			     "partition table must be repaired (gdisk can) or the image rebuilt",
			     path);
		goto out;
	}
	int n = pl ? blkid_partlist_numof_partitions(pl) : 0;
	if (tab && n > 0) {
		snprintf(r->table, sizeof(r->table), "%s", ttype ? ttype : "");
		for (int i = 0; i < n && r->nparts < INSPECT_PARTS_MAX; i++) {
			blkid_partition par = blkid_partlist_get_partition(pl, i);
			/* the extended partition box itself holds nothing */
			if (blkid_partition_is_extended(par))
				continue;
			struct inspect_part *p = &r->parts[r->nparts];
			memset(p, 0, sizeof(*p));
			p->number = blkid_partition_get_partno(par);
			long long st = blkid_partition_get_start(par), sz = blkid_partition_get_size(par);
			if (st < 0 || sz <= 0)
				continue;
			p->start = (uint64_t)st * 512;
			p->size = (uint64_t)sz * 512;
			const char *u = blkid_partition_get_uuid(par);
			snprintf(p->partuuid, sizeof(p->partuuid), "%s", u ? u : "");
			const char *ts = blkid_partition_get_type_string(par);
			if (ts)
				snprintf(p->parttype, sizeof(p->parttype), "%s", ts);
			else
				snprintf(p->parttype, sizeof(p->parttype), "0x%02x",
					 (unsigned)blkid_partition_get_type(par));
			p->bios_boot = strcasecmp(p->parttype, "21686148-6449-6e6f-744e-656564454649") == 0;
			p->esp = strcasecmp(p->parttype, "c12a7328-f81f-11d2-ba4b-00a0c93ec93b") == 0 ||
				 strcmp(p->parttype, "0xef") == 0;
			if (p->start + p->size > r->image_size) {
				rc = err_set(reterr, ERR_INPUT, EINVAL,
					     "%s is truncated: partition %d ends at %llu bytes but "
					     "the file has only %llu (an interrupted copy or "
					     "download?)",
					     path, p->number,
					     (unsigned long long)(p->start + p->size),
					     (unsigned long long)r->image_size);
				goto out;
			}
			r->nparts++;
		}
	} else {
		struct inspect_part *p = &r->parts[0];
		memset(p, 0, sizeof(*p));
		p->size = r->image_size;
		probe_fs(fd, p);
		if (!p->fstype[0]) {
			rc = err_set(reterr, ERR_INPUT, EINVAL,
				     "%s does not look like a disk image: it has no partition table "
				     "and no filesystem amiwiz recognises (is it a %s file, or "
				     "compressed?)",
				     path, r->format);
			goto out;
		}
		r->nparts = 1;
	}
	for (unsigned i = 0; i < r->nparts; i++)
		if (r->parts[i].number)
			probe_fs(fd, &r->parts[i]);
out:
	blkid_free_probe(pr);
	return rc;
}

/* ---- the boot configuration ---- */

struct bootcfg {
	char kernel[256], initrd[256], cmdline[1024];
	int root_part; /* menu.lst's (hd0,N) + 1, 0 for (hd0), -1 unknown */
};

static char *skip_ws(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* "(hd0,0)/boot/vmlinuz" -> "/boot/vmlinuz" */
static const char *strip_device(const char *p)
{
	if (*p == '(') {
		const char *e = strchr(p, ')');
		return e ? e + 1 : p;
	}
	return p;
}

static int parse_grub_device(const char *s)
{
	/* (hd0) -> 0, (hd0,0) -> 1, (hd0,msdos2) -> 2, (hd0,gpt2) -> 2 */
	const char *c = strchr(s, ',');
	if (strncmp(s, "(hd0", 4) != 0)
		return -1;
	if (!c)
		return 0;
	c++;
	while (isalpha((unsigned char)*c))
		c++;
	int n = atoi(c);
	return strncmp(s + 5, "msdos", 5) == 0 || strncmp(s + 5, "gpt", 3) == 0 ? n : n + 1;
}

static void split_cmd(char *rest, char *path, size_t plen, char *args, size_t alen)
{
	rest = skip_ws(rest);
	size_t n = strcspn(rest, " \t");
	snprintf(path, plen, "%.*s", (int)n, strip_device(rest) == rest ? rest : rest);
	const char *sp = strip_device(path);
	memmove(path, sp, strlen(sp) + 1);
	if (args)
		snprintf(args, alen, "%s", skip_ws(rest + n));
}

static void parse_menu_lst(char *text, struct bootcfg *b)
{
	int def = 0, entry = -1;
	memset(b, 0, sizeof(*b));
	b->root_part = -1;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		line = skip_ws(line);
		size_t l = strlen(line);
		while (l && (line[l - 1] == '\r' || line[l - 1] == ' '))
			line[--l] = '\0';
		if (strncmp(line, "default", 7) == 0 && entry < 0)
			def = atoi(skip_ws(line + 7));
		else if (strncmp(line, "title", 5) == 0)
			entry++;
		else if (entry == def && strncmp(line, "root", 4) == 0 && isspace((unsigned char)line[4]))
			b->root_part = parse_grub_device(skip_ws(line + 4));
		else if (entry == def && strncmp(line, "kernel", 6) == 0 && isspace((unsigned char)line[6])) {
			if (line[7] && skip_ws(line + 6)[0] == '(')
				b->root_part = parse_grub_device(skip_ws(line + 6));
			split_cmd(line + 6, b->kernel, sizeof(b->kernel), b->cmdline, sizeof(b->cmdline));
		} else if (entry == def && strncmp(line, "initrd", 6) == 0 && isspace((unsigned char)line[6]))
			split_cmd(line + 6, b->initrd, sizeof(b->initrd), NULL, 0);
	}
}

static void parse_grub_cfg(char *text, struct bootcfg *b)
{
	memset(b, 0, sizeof(*b));
	b->root_part = -1;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		line = skip_ws(line);
		size_t kw = strcspn(line, " \t");
		if (!b->kernel[0] && (strncmp(line, "linux", 5) == 0) && kw <= 8 && line[kw])
			split_cmd(line + kw, b->kernel, sizeof(b->kernel), b->cmdline,
				  sizeof(b->cmdline));
		else if (b->kernel[0] && !b->initrd[0] && strncmp(line, "initrd", 6) == 0 && kw <= 9 &&
			 line[kw])
			split_cmd(line + kw, b->initrd, sizeof(b->initrd), NULL, 0);
	}
}

/* ---- the whole inspection ---- */

struct fsinfo {
	ext2_filsys fs[INSPECT_PARTS_MAX];
};

static int elf_bits(const unsigned char *b, long n)
{
	if (n >= 5 && memcmp(b, "\x7f" "ELF", 4) == 0)
		return b[4] == 2 ? 64 : b[4] == 1 ? 32 : 0;
	return 0;
}

static int userland_bits(ext2_filsys fs)
{
	const char *cands[] = {"/sbin/init", "/bin/sh", "/usr/bin/sh"};
	for (size_t i = 0; i < 3; i++) {
		unsigned char *b;
		long n = ext_read(fs, cands[i], &b, 256);
		if (n < 0)
			continue;
		int bits = elf_bits(b, n);
		if (!bits && n > 2 && b[0] == '#' && b[1] == '!') {
			/* a script: look at its interpreter */
			char interp[200];
			sscanf((char *)b + 2, " %199s", interp);
			free(b);
			n = ext_read(fs, interp, &b, 256);
			if (n < 0)
				continue;
			bits = elf_bits(b, n);
		}
		free(b);
		if (bits)
			return bits;
	}
	return 0;
}

static void read_os_release(ext2_filsys fs, struct inspect_report *r)
{
	unsigned char *b;
	long n = ext_read(fs, "/etc/os-release", &b, 16384);
	if (n < 0)
		n = ext_read(fs, "/usr/lib/os-release", &b, 16384);
	if (n >= 0) {
		char *p = strstr((char *)b, "PRETTY_NAME=");
		if (p) {
			p += 12;
			if (*p == '"')
				p++;
			size_t l = strcspn(p, "\"\n");
			snprintf(r->os_name, sizeof(r->os_name), "%.*s", (int)l, p);
		} else
			snprintf(r->os_name, sizeof(r->os_name), "Linux (os-release without a name)");
		free(b);
		return;
	}
	const char *others[] = {"/etc/redhat-release", "/etc/system-release", "/etc/SuSE-release",
				"/etc/debian_version", "/etc/lsb-release", "/etc/arch-release"};
	for (size_t i = 0; i < 6; i++)
		if (ext_is(fs, others[i], false)) {
			snprintf(r->os_name, sizeof(r->os_name), "Linux (%s)", others[i]);
			return;
		}
}

static bool uuid_known(const struct inspect_report *r, const char *kind, const char *v)
{
	for (unsigned i = 0; i < r->nparts; i++) {
		const struct inspect_part *p = &r->parts[i];
		if ((strcmp(kind, "UUID") == 0 && strcasecmp(p->uuid, v) == 0) ||
		    (strcmp(kind, "PARTUUID") == 0 && strcasecmp(p->partuuid, v) == 0) ||
		    (strcmp(kind, "LABEL") == 0 && strcmp(p->label, v) == 0))
			return true;
	}
	return false;
}

static bool is_device_name(const char *d)
{
	return strncmp(d, "/dev/sd", 7) == 0 || strncmp(d, "/dev/xvd", 8) == 0 ||
	       strncmp(d, "/dev/hd", 7) == 0 || strncmp(d, "/dev/vd", 7) == 0 ||
	       strncmp(d, "/dev/nvme", 9) == 0;
}

static void check_fstab(ext2_filsys fs, struct inspect_report *r, enum inspect_target t)
{
	unsigned char *b;
	long n = ext_read(fs, "/etc/fstab", &b, 65536);
	if (n < 0) {
		if (t == INSPECT_TARGET_IMPORT)
			find(r, INSPECT_BLOCKER, INSPECT_C_IMPORT_NO_FSTAB,
			     "ClientError: Invalid configuration - Could not read fstab",
			     "The root filesystem has no /etc/fstab.");
		return;
	}
	for (char *save = NULL, *line = strtok_r((char *)b, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char dev[256], mnt[256];
		line = skip_ws(line);
		if (*line == '#' || sscanf(line, "%255s %255s", dev, mnt) != 2)
			continue;
		bool essential = strcmp(mnt, "/") == 0 || strcmp(mnt, "/boot") == 0;
		char *eq = strchr(dev, '=');
		if (eq && (strncmp(dev, "UUID=", 5) == 0 || strncmp(dev, "PARTUUID=", 9) == 0 ||
			   strncmp(dev, "LABEL=", 6) == 0)) {
			*eq = '\0';
			const char *v = eq + 1;
			if (*v == '"')
				v++;
			char val[200];
			snprintf(val, sizeof(val), "%.*s", (int)strcspn(v, "\""), v);
			if (!uuid_known(r, dev, val) && (essential || strcmp(mnt, "/boot/efi") == 0))
				find(r, INSPECT_BLOCKER, INSPECT_C_FSTAB_UNKNOWN_UUID, NULL,
				     "/etc/fstab mounts %s from %s=%s, but no filesystem in this "
				     "image has that %s.",
				     mnt, dev, val, dev);
		} else if (is_device_name(dev) && t != INSPECT_TARGET_PV) {
			find(r, essential ? INSPECT_BLOCKER : INSPECT_WARNING, INSPECT_C_FSTAB_DEVICE_NAME,
			     NULL, "/etc/fstab mounts %s from %s.", mnt, dev);
		}
	}
	free(b);
}

/* the config files VM Import counts, by kind */
static const char *const grub_cfgs[] = {"/boot/grub/grub.cfg", "/boot/grub2/grub.cfg",
					"/grub/grub.cfg", "/grub2/grub.cfg", NULL};
static const char *const menu_lsts[] = {"/boot/grub/menu.lst", "/grub/menu.lst",
					"/boot/grub/grub.conf", "/grub/grub.conf", NULL};

/* Count the distinct contents among the config files of a kind on every
 * readable partition; keep the first for parsing. */
static int distinct_configs(struct fsinfo *fi, struct inspect_report *r, const char *const *names,
			    char **ret_first, int *ret_part)
{
	char *seen[8];
	int nseen = 0;
	*ret_first = NULL;
	*ret_part = -1;
	for (unsigned i = 0; i < r->nparts; i++) {
		for (size_t k = 0; names[k] && fi->fs[i]; k++) {
			unsigned char *b;
			long n = ext_read(fi->fs[i], names[k], &b, 1u << 20);
			if (n < 0)
				continue;
			bool dup = false;
			for (int s = 0; s < nseen && !dup; s++)
				dup = strcmp(seen[s], (char *)b) == 0;
			if (dup || nseen == 8) {
				free(b);
				continue;
			}
			if (!*ret_first) {
				*ret_part = (int)i;
				*ret_first = strdup((char *)b);
			}
			seen[nseen++] = (char *)b;
		}
	}
	for (int s = 0; s < nseen; s++)
		free(seen[s]);
	return nseen;
}

/* Where is `path` (from a boot configuration)?  On `prefer` if given, else on
 * any readable filesystem (a separate /boot holds it at its top). */
static int locate(struct fsinfo *fi, struct inspect_report *r, int prefer, const char *path)
{
	if (prefer >= 0)
		return ext_is(fi->fs[prefer], path, false) ? prefer : -1;
	for (unsigned i = 0; i < r->nparts; i++)
		if (fi->fs[i] && ext_is(fi->fs[i], path, false))
			return (int)i;
	return -1;
}

/* "/boot/config-<v>" beside "/boot/vmlinuz-<v>" (Debian, Fedora, Arch...). */
static bool config_path_for(const char *kernel, char *out, size_t size)
{
	const char *slash = strrchr(kernel, '/');
	const char *base = slash ? slash + 1 : kernel;
	static const char *const prefixes[] = {"vmlinuz-", "vmlinux-", "bzImage-"};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);
		if (strncmp(base, prefixes[i], pl) == 0 && base[pl]) {
			int n = snprintf(out, size, "%.*sconfig-%s", (int)(base - kernel), kernel,
					 base + pl);
			return n > 0 && (size_t)n < size;
		}
	}
	return false;
}

static void check_kernel(struct fsinfo *fi, struct inspect_report *r, int kpart,
			 const struct inspect_opts *o)
{
	unsigned char *k, *cfg = NULL, *ird = NULL;
	char cfg_path[300];
	long n = ext_read(fi->fs[kpart], r->kernel, &k, INSPECT_FILE_MAX);
	if (n < 0)
		return;
	if (inspect_bzimage(k, (size_t)n, r->kernel_version, sizeof(r->kernel_version),
			    &r->kernel_bits) < 0)
		r->kernel_bits = 0;
	if (o->kernel_check) {
		struct inspect_kernel_files f = {.kernel_path = r->kernel, .kernel = k,
						 .kernel_len = (size_t)n};
		char reason[400] = "";
		long cn = -1, in = -1;
		/* the companions live where the kernel does (a separate /boot
		 * holds them at its top, as the kernel's path already says) */
		if (config_path_for(r->kernel, cfg_path, sizeof(cfg_path)))
			cn = ext_read(fi->fs[kpart], cfg_path, &cfg, INSPECT_FILE_MAX);
		if (cn >= 0) {
			f.config_path = cfg_path;
			f.config = (const char *)cfg;
			f.config_len = (size_t)cn;
		}
		if (r->initrd_found) {
			int ipart = locate(fi, r, kpart, r->initrd);
			if (ipart < 0)
				ipart = locate(fi, r, -1, r->initrd);
			if (ipart >= 0)
				in = ext_read(fi->fs[ipart], r->initrd, &ird, INSPECT_FILE_MAX);
		}
		if (in >= 0) {
			f.initramfs_path = r->initrd;
			f.initramfs = ird;
			f.initramfs_len = (size_t)in;
		}
		int v = o->kernel_check(o->kernel_check_data, &f, o->target, reason, sizeof(reason));
		if (v == 1) {
			char status[160];
			snprintf(status, sizeof(status), "ClientError: Unsupported kernel version %.100s",
				 r->kernel_version);
			find(r, INSPECT_BLOCKER, INSPECT_C_KERNEL_CHECK,
			     o->target == INSPECT_TARGET_IMPORT ? status : NULL, "The kernel %s: %s",
			     r->kernel, reason);
		} else if (v == 2) {
			find(r, INSPECT_WARNING, INSPECT_C_KERNEL_CHECK_LIMITED, NULL,
			     "The kernel %s boots on some of the target's machines only: %s",
			     r->kernel, reason);
		}
	}
	free(cfg);
	free(ird);
	free(k);
}

static void verdicts(struct fsinfo *fi, struct inspect_report *r, const struct inspect_opts *o)
{
	enum inspect_target t = o->target;
	bool any_fs = false;
	for (unsigned i = 0; i < r->nparts; i++)
		any_fs |= r->parts[i].fstype[0] != '\0';
	if (!any_fs) {
		find(r, INSPECT_BLOCKER, INSPECT_C_DISK_NO_FILESYSTEM,
		     "ClientError: No valid partitions. Not a valid volume.",
		     "None of the %u partitions holds a filesystem amiwiz (or EC2) recognises.",
		     r->nparts);
		return;
	}
	for (unsigned i = 0; i < r->nparts; i++) {
		const struct inspect_part *p = &r->parts[i];
		if (strcmp(p->fstype, "btrfs") != 0 || t != INSPECT_TARGET_IMPORT)
			continue;
		if (p->subvolumes > 0)
			find(r, INSPECT_BLOCKER, INSPECT_C_IMPORT_BTRFS_SUBVOLUME,
			     "ClientError: Unsupported configuration - Btrfs subvolumes are not supported",
			     "Partition %d is btrfs with %d subvolume%s (the first is \"%s\").",
			     p->number, p->subvolumes, p->subvolumes == 1 ? "" : "s",
			     p->subvol_name[0] ? p->subvol_name : "unnamed");
		else if (p->subvolumes == 0)
			find(r, INSPECT_INFO, INSPECT_C_IMPORT_BTRFS, NULL,
			     "Partition %d is btrfs without subvolumes, which VM Import accepts.",
			     p->number);
		else
			find(r, INSPECT_WARNING, INSPECT_C_IMPORT_BTRFS, NULL,
			     "Partition %d is btrfs, but its root tree could not be read (%s), so "
			     "its subvolumes were not counted.",
			     p->number, p->unread_why);
	}
	/* filesystems whose files amiwiz does not read (xfs, btrfs): checks that
	 * would look inside them are reported as not done, not as failed */
	bool unread = false;
	for (unsigned i = 0; i < r->nparts; i++)
		unread |= r->parts[i].fstype[0] && !r->parts[i].readable && !r->parts[i].esp &&
			  strcmp(r->parts[i].fstype, "vfat") != 0;

	/* the root: the filesystem holding /etc */
	int nroots = 0;
	for (unsigned i = 0; i < r->nparts; i++)
		if (r->parts[i].has_etc && nroots++ == 0)
			r->root = (int)i;
	if (nroots > 1 && t == INSPECT_TARGET_IMPORT)
		find(r, INSPECT_BLOCKER, INSPECT_C_IMPORT_MULTIPLE_ROOTS,
		     "ClientError: Unsupported configuration - Multiple directories found",
		     "%d partitions hold an /etc directory.", nroots);
	bool unreadable_root = r->root < 0;
	for (unsigned i = 0; unreadable_root && i < r->nparts; i++)
		if (r->parts[i].fstype[0] && !r->parts[i].readable && !r->parts[i].esp &&
		    strcmp(r->parts[i].fstype, "vfat") != 0) {
			find(r, INSPECT_INFO, INSPECT_C_INSPECT_UNREADABLE, NULL,
			     "Partition %d is %s, which amiwiz cannot read without mounting: "
			     "/etc/os-release, /etc/fstab, /sbin/init, the boot configuration and "
			     "the kernel on it were not checked.",
			     r->parts[i].number, r->parts[i].fstype);
			unreadable_root = false;
		}
	if (r->root >= 0) {
		ext2_filsys rfs = fi->fs[r->root];
		read_os_release(rfs, r);
		r->userland_bits = userland_bits(rfs);
		check_fstab(rfs, r, t);
	}
	if (r->root < 0 && unreadable_root) {
		find(r, INSPECT_BLOCKER, INSPECT_C_OS_MISSING, "ClientError: Unknown OS / Missing OS files",
		     "No partition holds a Linux system (no /etc directory was found).");
		return;
	}
	if (r->root >= 0 && !r->os_name[0] && t == INSPECT_TARGET_IMPORT)
		find(r, INSPECT_BLOCKER, INSPECT_C_IMPORT_UNKNOWN_OS, "ClientError: Unknown OS / Missing OS files",
		     "The root filesystem (partition %d) has no /etc/os-release, "
		     "/usr/lib/os-release nor another release file.",
		     r->parts[r->root].number);

	/* the boot configuration */
	char *menu = NULL, *gcfg = NULL;
	int menu_part, gcfg_part;
	int nmenu = distinct_configs(fi, r, menu_lsts, &menu, &menu_part);
	int ngcfg = distinct_configs(fi, r, grub_cfgs, &gcfg, &gcfg_part);
	if (t == INSPECT_TARGET_IMPORT && (nmenu > 1 || ngcfg > 1))
		find(r, INSPECT_BLOCKER, INSPECT_C_IMPORT_MULTIPLE_GRUB,
		     "ClientError: Multiple different grub/menu.lst files found",
		     "The image holds %d different %s files.",
		     nmenu > 1 ? nmenu : ngcfg, nmenu > 1 ? "menu.lst" : "grub.cfg");

	struct bootcfg bc;
	memset(&bc, 0, sizeof(bc));
	bc.root_part = -1;
	int kpart = -1;
	if (t == INSPECT_TARGET_PV) {
		/* pv-grub's search order */
		static const char *const paths[] = {"/boot/grub/menu.lst", "/grub/menu.lst"};
		int found = -1;
		const char *where = NULL;
		char w[64];
		if (!r->table[0] && fi->fs[0] && ext_is(fi->fs[0], paths[0], false)) {
			found = 0;
			where = "(hd0)/boot/grub/menu.lst";
		}
		for (int pn = 1; pn <= 4 && found < 0; pn++)
			for (unsigned i = 0; i < r->nparts && found < 0; i++)
				for (int k = 0; k < 2 && found < 0; k++)
					if (r->parts[i].number == pn && fi->fs[i] &&
					    ext_is(fi->fs[i], paths[k], false)) {
						found = (int)i;
						snprintf(w, sizeof(w), "(hd0,%d)%s", pn - 1, paths[k]);
						where = w;
						unsigned char *b;
						if (ext_read(fi->fs[i], paths[k], &b, 1u << 20) >= 0) {
							parse_menu_lst((char *)b, &bc);
							free(b);
						}
					}
		if (found == 0 && !r->table[0]) {
			unsigned char *b;
			if (ext_read(fi->fs[0], paths[0], &b, 1u << 20) >= 0) {
				parse_menu_lst((char *)b, &bc);
				free(b);
			}
		}
		if (found < 0 && unread) {
			find(r, INSPECT_INFO, INSPECT_C_PV_MENU_LST_UNCHECKED, NULL,
			     "No menu.lst was found on the ext2/3/4 filesystems; the xfs or btrfs "
			     "filesystem was not read.");
		} else if (found < 0) {
			find(r, INSPECT_BLOCKER, INSPECT_C_PV_MENU_LST_MISSING, NULL,
			     "No /boot/grub/menu.lst on the whole disk (hd0), and no "
			     "/boot/grub/menu.lst or /grub/menu.lst on an ext2/3/4 partition "
			     "among partitions 1 to 4.");
		} else {
			snprintf(r->boot_config, sizeof(r->boot_config), "menu.lst at %s", where);
			if (strcmp(r->table, "gpt") == 0)
				find(r, INSPECT_WARNING, INSPECT_C_PV_GPT, NULL,
				     "The disk has a GPT partition table (menu.lst is at %s).", where);
			if (!bc.kernel[0])
				find(r, INSPECT_BLOCKER, INSPECT_C_PV_NO_KERNEL_LINE, NULL,
				     "menu.lst (%s) has no kernel line in its default entry.", where);
			int rp = bc.root_part;
			int target = -1;
			if (rp == 0 && !r->table[0])
				target = 0;
			for (unsigned i = 0; rp > 0 && i < r->nparts; i++)
				if (r->parts[i].number == rp)
					target = (int)i;
			if (rp < 0)
				target = found; /* no root line: the partition menu.lst is on */
			if (bc.kernel[0] && target < 0 && rp == 0)
				find(r, INSPECT_BLOCKER, INSPECT_C_PV_ROOT_MISSING, NULL,
				     "menu.lst (%s) sets root to (hd0), the whole disk, but the "
				     "disk has a partition table.",
				     where);
			else if (bc.kernel[0] && target < 0)
				find(r, INSPECT_BLOCKER, INSPECT_C_PV_ROOT_MISSING, NULL,
				     "menu.lst (%s) sets root to (hd0,%d), partition %d, which this "
				     "disk does not have.",
				     where, rp - 1, rp);
			else if (bc.kernel[0] && !fi->fs[target] &&
				 strcmp(r->parts[target].fstype, "xfs") == 0)
				; /* pv-grub reads xfs; amiwiz does not (said below) */
			else if (bc.kernel[0] && !fi->fs[target])
				find(r, INSPECT_BLOCKER, INSPECT_C_PV_KERNEL_UNREADABLE, NULL,
				     "menu.lst loads the kernel from partition %d, which is %s.",
				     r->parts[target].number,
				     r->parts[target].fstype[0] ? r->parts[target].fstype : "empty");
			else if (bc.kernel[0]) {
				kpart = target;
			}
		}
	} else {
		if (ngcfg > 0 && gcfg) {
			parse_grub_cfg(gcfg, &bc);
			snprintf(r->boot_config, sizeof(r->boot_config), "grub.cfg on partition %d",
				 r->parts[gcfg_part].number);
		} else if (nmenu > 0 && menu) {
			parse_menu_lst(menu, &bc);
			snprintf(r->boot_config, sizeof(r->boot_config), "menu.lst on partition %d",
				 r->parts[menu_part].number);
		} else if (unread) {
			find(r, INSPECT_INFO, INSPECT_C_BOOT_CONFIG_UNCHECKED, NULL,
			     "No GRUB configuration was found on the filesystems amiwiz reads; the "
			     "xfs or btrfs filesystem was not read.");
		} else {
			find(r, INSPECT_BLOCKER, INSPECT_C_BOOT_NO_CONFIG,
			     t == INSPECT_TARGET_IMPORT ? "ClientError: Unknown OS / Missing OS files"
							: NULL,
			     "No /boot/grub/grub.cfg, /boot/grub2/grub.cfg or menu.lst was found "
			     "on any partition.");
		}
		if (bc.kernel[0])
			kpart = locate(fi, r, -1, bc.kernel);

		/* firmware: BIOS boot code, or the UEFI fallback loader */
		bool bios = r->boot_code && r->table[0];
		bool gpt = strcmp(r->table, "gpt") == 0;
		bool has_bb = false, uefi = false;
		for (unsigned i = 0; i < r->nparts; i++) {
			has_bb |= r->parts[i].bios_boot;
			uefi |= r->parts[i].efi_fallback;
		}
		if (gpt && !has_bb)
			bios = false;
		if (!bios && !uefi)
			find(r, INSPECT_BLOCKER, INSPECT_C_HVM_NO_BOOT_CODE, NULL,
			     "Nothing would start this disk: %s, and there is no EFI system "
			     "partition with \\EFI\\BOOT\\BOOTX64.EFI.",
			     gpt && r->boot_code ? "the GPT disk has boot code but no BIOS boot partition for GRUB's core"
						 : "the first sector holds no boot code");
	}
	if (bc.kernel[0]) {
		snprintf(r->kernel, sizeof(r->kernel), "%s", bc.kernel);
		snprintf(r->initrd, sizeof(r->initrd), "%s", bc.initrd);
		snprintf(r->cmdline, sizeof(r->cmdline), "%s", bc.cmdline);
		r->kernel_found = kpart >= 0 && ext_is(fi->fs[kpart], bc.kernel, false);
		if (bc.initrd[0])
			r->initrd_found = locate(fi, r, kpart, bc.initrd) >= 0;
		if (!r->kernel_found && unread && kpart < 0)
			find(r, INSPECT_INFO, INSPECT_C_BOOT_KERNEL_UNCHECKED, NULL,
			     "The kernel %s was not found on the filesystems amiwiz reads; it may be "
			     "on the xfs or btrfs filesystem, which was not read.",
			     bc.kernel);
		else if (!r->kernel_found)
			find(r, INSPECT_BLOCKER, INSPECT_C_BOOT_KERNEL_MISSING,
			     t == INSPECT_TARGET_IMPORT ? "ClientError: Unknown OS / Missing OS files"
							: NULL,
			     "The boot configuration (%s) loads the kernel %s, but there is no such "
			     "file%s.",
			     r->boot_config, bc.kernel,
			     t == INSPECT_TARGET_PV ? " on the partition pv-grub reads it from" : " in the image");
		if (bc.initrd[0] && !r->initrd_found && !(unread && kpart < 0))
			find(r, INSPECT_BLOCKER, INSPECT_C_BOOT_INITRD_MISSING, NULL,
			     "The boot configuration loads the initramfs %s, which is not in the image.",
			     bc.initrd);
		if (r->kernel_found)
			check_kernel(fi, r, kpart, o);
		if (t == INSPECT_TARGET_PV && !strstr(bc.cmdline, "console=hvc0"))
			find(r, INSPECT_WARNING, INSPECT_C_PV_CONSOLE, NULL,
			     "The kernel command line has no console=hvc0.");
		if (t == INSPECT_TARGET_HVM && !strstr(bc.cmdline, "console=ttyS0"))
			find(r, INSPECT_WARNING, INSPECT_C_HVM_CONSOLE, NULL,
			     "The kernel command line has no console=ttyS0.");
		const char *root = strstr(bc.cmdline, "root=");
		if (root && (root == bc.cmdline || root[-1] == ' ')) {
			char rv[200];
			sscanf(root + 5, "%199s", rv);
			if (strncmp(rv, "UUID=", 5) == 0 && !bc.initrd[0])
				find(r, INSPECT_BLOCKER, INSPECT_C_BOOT_ROOT_UUID_NO_INITRD, NULL,
				     "The kernel is told root=%s, and the boot configuration loads no "
				     "initramfs.",
				     rv);
			else if (is_device_name(rv) && t == INSPECT_TARGET_HVM)
				find(r, INSPECT_WARNING, INSPECT_C_BOOT_ROOT_DEVICE_NAME, NULL,
				     "The kernel is told root=%s.", rv);
			if (strstr(bc.cmdline, "subvol=") && t == INSPECT_TARGET_IMPORT)
				find(r, INSPECT_BLOCKER, INSPECT_C_IMPORT_BTRFS_SUBVOLUME,
				     "ClientError: Unsupported configuration - Btrfs subvolumes are not supported",
				     "The root is mounted from a btrfs subvolume (subvol= on the kernel "
				     "command line).");
		}
	}
	if (t == INSPECT_TARGET_IMPORT && r->kernel_found) {
		char status[160];
		snprintf(status, sizeof(status), "ClientError: Unsupported kernel version %.100s",
			 r->kernel_version);
		if (!r->kernel_version[0])
			find(r, INSPECT_BLOCKER, INSPECT_C_IMPORT_KERNEL_VERSION_UNKNOWN,
			     "ClientError: Unable to determine kernel version",
			     "The kernel %s carries no readable version (not a bzImage?).",
			     r->kernel);
		else if (r->kernel_bits == 32)
			find(r, INSPECT_BLOCKER, INSPECT_C_IMPORT_32BIT_KERNEL, status,
			     "The kernel %s is 32-bit.", r->kernel_version);
	}
	if (r->userland_bits == 32)
		find(r, t == INSPECT_TARGET_IMPORT ? INSPECT_BLOCKER : INSPECT_WARNING,
		     INSPECT_C_OS_32BIT, t == INSPECT_TARGET_IMPORT ? "ClientError: Unknown OS / Missing OS files" : NULL,
		     "The system's programs (/sbin/init) are 32-bit.");
	free(menu);
	free(gcfg);
}

int inspect_image(const char *path, const struct inspect_opts *o, struct inspect_report *ret,
		  struct err *reterr)
{
	static const struct inspect_opts defaults = {.target = INSPECT_TARGET_HVM};
	struct fsinfo fi;
	memset(&fi, 0, sizeof(fi));
	memset(ret, 0, sizeof(*ret));
	ret->root = -1;
	if (!o)
		o = &defaults;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(reterr, errno, "Opening %s", path);
	int rc = -1;
	struct stat st;
	off_t end = lseek(fd, 0, SEEK_END);
	if (fstat(fd, &st) < 0 || end < 0) {
		rc = err_sys(reterr, errno, "Reading %s", path);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = err_set(reterr, ERR_INPUT, EISDIR, "%s is a directory, not a disk image", path);
		goto out;
	}
	ret->image_size = (uint64_t)end;
	if (ret->image_size == 0) {
		rc = err_set(reterr, ERR_INPUT, EINVAL,
			     "%s is empty (0 bytes): it holds no disk image", path);
		goto out;
	}
	unsigned char head[4096] = {0};
	ssize_t hn = pread(fd, head, sizeof(head), 0);
	detect_format(head, hn > 0 ? (size_t)hn : 0, fd, ret->image_size, ret->format,
		      sizeof(ret->format));
	if (strcmp(ret->format, "raw") != 0 && strcmp(ret->format, "vhd-fixed") != 0) {
		bool stream = strcmp(ret->format, "vmdk") == 0 && hn >= 80 && le16(head + 77) == 1;
		const char *status = strcmp(ret->format, "vmdk") == 0 && !stream
					     ? "ClientError: Disk validation failed [Unsupported VMDK File Format]"
				     : strcmp(ret->format, "vmdk") == 0 || strcmp(ret->format, "vhd") == 0 ||
						     strcmp(ret->format, "vhdx") == 0
					     ? NULL
					     : "ClientError: Disk validation failed [Unsupported disk image format]";
		find(ret, status ? INSPECT_BLOCKER : INSPECT_INFO, INSPECT_C_DISK_FORMAT, status,
		     "%s is a %s%s image. amiwiz inspects raw images: convert it first with "
		     "amiwiz build --from-disk %s --out IMAGE.raw.%s",
		     path, ret->format, stream ? " (stream-optimized)" : "", path,
		     status ? " VM Import would refuse it as it is." : "");
		rc = 0;
		goto out;
	}
	if (probe_disk(fd, path, ret, reterr) < 0)
		goto out;
	for (unsigned i = 0; i < ret->nparts; i++) {
		struct inspect_part *p = &ret->parts[i];
		if (strncmp(p->fstype, "ext", 3) == 0) {
			fi.fs[i] = ext_open(path, p->start);
			p->readable = fi.fs[i] != NULL;
			p->has_etc = p->readable && ext_is(fi.fs[i], "/etc", true);
		} else if (strcmp(p->fstype, "vfat") == 0) {
			p->efi_fallback = fat_has_efi_fallback(fd, p->start);
		} else if (strcmp(p->fstype, "btrfs") == 0) {
			struct btrfs_subvols sv;
			struct err be;
			err_clear(&be);
			if (btrfs_subvolumes(fd, p->start, p->size, &sv, &be) == 0) {
				p->subvolumes = (int)sv.count;
				snprintf(p->subvol_name, sizeof(p->subvol_name), "%s", sv.first_name);
			} else {
				p->subvolumes = -1;
				snprintf(p->unread_why, sizeof(p->unread_why), "%.159s", be.message);
			}
		}
	}
	verdicts(&fi, ret, o);
	rc = 0;
out:
	for (unsigned i = 0; i < INSPECT_PARTS_MAX; i++)
		if (fi.fs[i])
			ext2fs_close_free(&fi.fs[i]);
	close(fd);
	return rc;
}

int inspect_import_outcome(const char *path, inspect_kernel_fn kernel_check, void *data,
			   char *ret_status, size_t status_len, struct err *reterr)
{
	struct inspect_opts o = {.target = INSPECT_TARGET_IMPORT, .kernel_check = kernel_check,
				 .kernel_check_data = data};
	struct inspect_report *r = calloc(1, sizeof(*r));
	struct err e;
	err_clear(&e);
	if (!r)
		return err_sys(reterr, ENOMEM, "Inspecting %s", path);
	ret_status[0] = '\0';
	int rc = 0;
	if (inspect_image(path, &o, r, &e) < 0) {
		if (e.kind != ERR_INPUT) {
			if (reterr)
				*reterr = e;
			rc = -1;
		} else if (r->image_size == 0) {
			snprintf(ret_status, status_len,
				 "InvalidParameter: Parameter disk-image-size=0 has an invalid format");
		} else {
			snprintf(ret_status, status_len,
				 "ClientError: No valid partitions. Not a valid volume.");
		}
		free(r);
		return rc;
	}
	for (unsigned i = 0; i < r->nfindings; i++)
		if (r->findings[i].severity == INSPECT_BLOCKER && r->findings[i].import_status[0]) {
			snprintf(ret_status, status_len, "%s", r->findings[i].import_status);
			break;
		}
	free(r);
	return 0;
}
