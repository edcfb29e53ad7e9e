#include "engine/build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/build_priv.h"
#include "help/dynbuf.h"
#include "help/unittest.h"

#define NAMES(id, name) [id] = name,
static const char *const boot_names[] = {BUILD_BOOTS(NAMES)};
#undef NAMES

const char *build_boot_name(enum build_boot b)
{
	return (unsigned)b < BUILD_BOOT_MAX ? boot_names[b] : "?";
}

int build_boot_from_name(const char *name)
{
	if (name && strcmp(name, "both") == 0)
		return BUILD_BOOT_BOTH;
	for (int i = 0; name && i < BUILD_BOOT_MAX; i++)
		if (strcmp(boot_names[i], name) == 0)
			return i;
	return -1;
}

/* GRUB 2 i386-pc offsets (grub/i386/pc/boot.h) */
#define GRUB_KERNEL_SECTOR 0x5c
#define GRUB_BOOT_DRIVE 0x64
#define GRUB_DRIVE_CHECK 0x66
#define GRUB_NT_MAGIC 0x1b8
#define GRUB_BPB_START 0x3
#define GRUB_BPB_END 0x5a
#define GRUB_BLOCKLIST_AT (512 - 12) /* {u64 start; u16 len; u16 segment} */
#define GRUB_KERNEL_SEG 0x800

static void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static unsigned get_le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

int build_patch_grub_bios(unsigned char mbr[512], const unsigned char boot_img[512],
			  unsigned char *core, size_t core_len, uint64_t core_lba,
			  struct err *reterr)
{
	if (boot_img[510] != 0x55 || boot_img[511] != 0xaa)
		return err_set(reterr, ERR_INPUT, 0, "boot.img has no boot signature");
	if (core_len < 1024 || core_len % 512)
		return err_set(reterr, ERR_INPUT, 0, "core.img is not a whole number of sectors");
	const unsigned char *bl = core + GRUB_BLOCKLIST_AT;
	unsigned len = get_le16(bl + 8), seg = get_le16(bl + 10);
	if (seg != GRUB_KERNEL_SEG + (512 >> 4) || len != core_len / 512 - 1)
		return err_set(reterr, ERR_INPUT, 0,
			       "core.img's first sector does not hold GRUB's blocklist "
			       "(segment %#x, %u sectors)", seg, len);
	unsigned char out[512];
	memcpy(out, boot_img, 512);
	/* keep what the table owns: the BIOS parameter block area, the disk
	 * signature and the partition table */
	memcpy(out + GRUB_BPB_START, mbr + GRUB_BPB_START, GRUB_BPB_END - GRUB_BPB_START);
	memcpy(out + GRUB_NT_MAGIC, mbr + GRUB_NT_MAGIC, 510 - GRUB_NT_MAGIC);
	out[510] = 0x55;
	out[511] = 0xaa;
	put_le64(out + GRUB_KERNEL_SECTOR, core_lba);
	out[GRUB_BOOT_DRIVE] = 0xff; /* use the drive the BIOS booted from */
	/* a hard disk: skip the floppy probe (grub-bios-setup does the same) */
	out[GRUB_DRIVE_CHECK] = 0x90;
	out[GRUB_DRIVE_CHECK + 1] = 0x90;
	memcpy(mbr, out, 512);
	put_le64(core + GRUB_BLOCKLIST_AT, core_lba + 1);
	return 0;
}

/* ---- small file helpers ---- */

static int write_file(const char *path, const char *text, struct err *reterr)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_sys(reterr, errno, "Writing %s", path);
	size_t n = strlen(text);
	ssize_t w = write(fd, text, n);
	int e = errno;
	if (close(fd) < 0 || w != (ssize_t)n)
		return err_sys(reterr, w < 0 ? e : EIO, "Writing %s", path);
	return 0;
}

static int read_whole(const char *path, unsigned char **ret, size_t *ret_len, size_t max,
		      struct err *reterr)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(reterr, errno, "Reading %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0 || (size_t)st.st_size > max || st.st_size == 0) {
		close(fd);
		return err_set(reterr, ERR_INPUT, EFBIG, "%s is empty or larger than %zu bytes",
			       path, max);
	}
	unsigned char *buf = malloc((size_t)st.st_size + 512);
	if (!buf) {
		close(fd);
		return err_sys(reterr, ENOMEM, "Reading %s", path);
	}
	memset(buf, 0, (size_t)st.st_size + 512);
	ssize_t n = pread(fd, buf, (size_t)st.st_size, 0);
	close(fd);
	if (n != st.st_size) {
		free(buf);
		return err_sys(reterr, EIO, "Reading %s", path);
	}
	*ret = buf;
	*ret_len = (size_t)st.st_size;
	return 0;
}

static int pwrite_all(int fd, const void *buf, size_t n, uint64_t off)
{
	const char *p = buf;
	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* Copy a filesystem image made in its own file into the disk at `off`, skipping
 * holes so the result stays sparse. */
static int copy_into(const char *src, const char *img, uint64_t off, uint64_t room,
		     struct err *reterr)
{
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1;
	char *buf = NULL;
	int rc = -1;
	if (in < 0)
		return err_sys(reterr, errno, "Reading %s", src);
	struct stat st;
	if (fstat(in, &st) < 0) {
		rc = err_sys(reterr, errno, "Reading %s", src);
		goto out;
	}
	if ((uint64_t)st.st_size > room) {
		rc = err_set(reterr, ERR_INTERNAL, EFBIG,
			     "the filesystem made in %s is larger than its partition", src);
		goto out;
	}
	out = open(img, O_WRONLY | O_CLOEXEC);
	buf = malloc(1 << 20);
	if (out < 0 || !buf) {
		rc = err_sys(reterr, out < 0 ? errno : ENOMEM, "Writing %s", img);
		goto out;
	}
	off_t pos = 0;
	for (;;) {
		off_t data = lseek(in, pos, SEEK_DATA);
		if (data < 0)
			break; /* ENXIO: no data after pos */
		off_t hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0)
			hole = st.st_size;
		for (off_t at = data; at < hole;) {
			size_t want = (size_t)(hole - at) < (1u << 20) ? (size_t)(hole - at) : 1u << 20;
			ssize_t n = pread(in, buf, want, at);
			if (n <= 0 || pwrite_all(out, buf, (size_t)n, off + (uint64_t)at) < 0) {
				rc = err_sys(reterr, n < 0 ? errno : EIO, "Copying %s into %s", src,
					     img);
				goto out;
			}
			at += n;
		}
		pos = hole;
	}
	rc = 0;
out:
	free(buf);
	if (out >= 0 && close(out) < 0 && rc == 0)
		rc = err_sys(reterr, errno, "Writing %s", img);
	close(in);
	return rc;
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void rm_tree(const char *dir)
{
	if (dir && dir[0])
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT); /* never into a mount left behind */
}

/* ---- the build ---- */

struct ctx {
	struct proc_runner *r;
	const struct build_opts *o;
	struct build_result *res;
	const char *root;     /* the tree to copy */
	char work[512];       /* scratch directory */
	char path[1024];      /* scratch for path building */
	const char *grub_dir;
};

static void step(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void step(struct ctx *c, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (c->o->on_step)
		c->o->on_step(c->o->step_data, buf);
	if (dyn_addstr(&c->r->log, "== ") == 0 && dyn_addstr(&c->r->log, buf) == 0)
		dyn_addc(&c->r->log, '\n');
}

static void warn(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct ctx *c, const char *fmt, ...)
{
	if (c->res->nwarnings >= BUILD_WARN_MAX)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->res->warnings[c->res->nwarnings++], 256, fmt, ap);
	va_end(ap);
}

static bool exists_in_root(struct ctx *c, const char *rel, struct stat *st)
{
	struct stat tmp;
	snprintf(c->path, sizeof(c->path), "%s/%s", c->root, rel[0] == '/' ? rel + 1 : rel);
	return lstat(c->path, st ? st : &tmp) == 0;
}

/* The newest /boot/vmlinuz-* of the root, by version order. */
static void find_kernel(struct ctx *c)
{
	snprintf(c->path, sizeof(c->path), "%s/boot", c->root);
	DIR *d = opendir(c->path);
	struct dirent *de;
	char best[200] = "";
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, "vmlinuz-", 8) != 0 && strncmp(de->d_name, "bzImage-", 8) != 0)
			continue;
		if (!best[0] || strverscmp(de->d_name + 8, best + 8) > 0)
			snprintf(best, sizeof(best), "%.199s", de->d_name);
	}
	if (d)
		closedir(d);
	if (best[0])
		snprintf(c->res->kernel, sizeof(c->res->kernel), "/boot/%s", best);
	else if (exists_in_root(c, "/boot/vmlinuz", NULL))
		snprintf(c->res->kernel, sizeof(c->res->kernel), "/boot/vmlinuz");
}

static void find_initrd(struct ctx *c)
{
	const char *k = strrchr(c->res->kernel, '/');
	if (!k || (strncmp(k, "/vmlinuz-", 9) != 0 && strncmp(k, "/bzImage-", 9) != 0))
		return;
	const char *ver = k + 9;
	char cand[3][256];
	snprintf(cand[0], sizeof(cand[0]), "/boot/initrd.img-%s", ver);
	snprintf(cand[1], sizeof(cand[1]), "/boot/initramfs-%s.img", ver);
	snprintf(cand[2], sizeof(cand[2]), "/boot/initrd-%s", ver);
	for (int i = 0; i < 3; i++)
		if (exists_in_root(c, cand[i], NULL)) {
			snprintf(c->res->initrd, sizeof(c->res->initrd), "%.255s", cand[i]);
			return;
		}
}

static const char *ext_type(enum disk_fs fs)
{
	return fs == DISK_FS_EXT2 ? "ext2" : fs == DISK_FS_EXT3 ? "ext3" : "ext4";
}

static bool is_ext(enum disk_fs fs)
{
	return fs == DISK_FS_EXT2 || fs == DISK_FS_EXT3 || fs == DISK_FS_EXT4;
}

/* Make an ext filesystem at the partition's offset, populated from `dir`
 * (NULL: empty). */
static int mkfs_ext(struct ctx *c, const struct disk_part *p, const char *dir, bool for_pvgrub,
		    struct err *reterr)
{
	char off[64], size[64];
	snprintf(off, sizeof(off), "offset=%llu", (unsigned long long)p->start);
	snprintf(size, sizeof(size), "%lluk", (unsigned long long)(p->size / 1024));
	const char *argv[24];
	int n = 0;
	argv[n++] = "mke2fs";
	argv[n++] = "-q";
	argv[n++] = "-F";
	argv[n++] = "-t";
	argv[n++] = ext_type(p->fs);
	argv[n++] = "-U";
	argv[n++] = p->fs_uuid;
	argv[n++] = "-L";
	argv[n++] = p->label;
	if (for_pvgrub) {
		/* pv-grub is GRUB 0.97: keep to the features it is known to read */
		argv[n++] = "-O";
		argv[n++] = p->fs == DISK_FS_EXT4 ? "^64bit,^metadata_csum" : "^metadata_csum";
		if (p->fs != DISK_FS_EXT4) {
			argv[n++] = "-I";
			argv[n++] = "128";
		}
	}
	if (dir) {
		argv[n++] = "-d";
		argv[n++] = dir;
	}
	argv[n++] = "-E";
	argv[n++] = off;
	argv[n++] = c->o->out;
	argv[n++] = size;
	argv[n] = NULL;
	err_doing(reterr, "Making the %s %s filesystem", ext_type(p->fs), disk_role_name(p->role));
	return proc_run(c->r, argv, NULL, reterr);
}

/* Run debugfs commands against the ext filesystem of `p`. */
static int debugfs(struct ctx *c, const struct disk_part *p, const char *cmds, struct err *reterr)
{
	char cmdfile[600], dev[1200];
	snprintf(cmdfile, sizeof(cmdfile), "%s/debugfs-%d.cmd", c->work, p->number);
	if (write_file(cmdfile, cmds, reterr) < 0)
		return -1;
	snprintf(dev, sizeof(dev), "%s?offset=%llu", c->o->out, (unsigned long long)p->start);
	const char *argv[] = {"debugfs", "-w", "-f", cmdfile, dev, NULL};
	err_doing(reterr, "Writing the boot files into the %s filesystem", disk_role_name(p->role));
	return proc_run(c->r, argv, NULL, reterr);
}

/* debugfs commands that put host file `src` at `dst` inside the filesystem,
 * replacing what the root tree had there. */
static void df_put(struct ctx *c, struct dynbuf *cmds, const char *src, const char *dst,
		   bool existed)
{
	if (existed)
		dyn_addf(cmds, "rm %s\n", dst);
	dyn_addf(cmds, "write %s %s\n", src, dst);
}

static int make_fat(struct ctx *c, const struct disk_part *p, struct err *reterr)
{
	char id[16], off[32], blocks[32];
	/* the volume id is the UUID without its dash */
	snprintf(id, sizeof(id), "%.4s%.4s", p->fs_uuid, p->fs_uuid + 5);
	snprintf(off, sizeof(off), "--offset=%llu", (unsigned long long)(p->start / DISK_SECTOR));
	snprintf(blocks, sizeof(blocks), "%llu", (unsigned long long)(p->size / 1024));
	const char *argv[] = {"mkfs.fat", "-F", "32", "-S", "512", "-s", "1", "-i", id,
			      "-n", p->label, off, c->o->out, blocks, NULL};
	err_doing(reterr, "Making the FAT32 EFI system partition");
	return proc_run(c->r, argv, NULL, reterr);
}

static int mtools(struct ctx *c, const struct disk_part *p, const char *const *args,
		  struct err *reterr)
{
	static const char *const env[] = {"MTOOLS_SKIP_CHECK=1", NULL};
	char img[1200];
	snprintf(img, sizeof(img), "%s@@%llu", c->o->out, (unsigned long long)p->start);
	const char *argv[16];
	int n = 0;
	argv[n++] = args[0];
	argv[n++] = "-i";
	argv[n++] = img;
	for (int i = 1; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	struct proc_opts po = {.stdout_fd = -1, .env_add = env};
	return proc_run(c->r, argv, &po, reterr);
}

static int make_btrfs(struct ctx *c, const struct disk_part *p, const char *dir,
		      struct err *reterr)
{
	char file[600], size[32];
	snprintf(file, sizeof(file), "%s/btrfs-%d.img", c->work, p->number);
	snprintf(size, sizeof(size), "%llu", (unsigned long long)p->size);
	/* mkfs.btrfs --rootdir cannot write at an offset: make it in its own file
	 * of the partition's size, then copy it in */
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)p->size) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return err_sys(reterr, e, "Creating %s", file);
	}
	close(fd);
	const char *argv[] = {"mkfs.btrfs", "-q", "-f", "-U", p->fs_uuid, "-L", p->label,
			      "--rootdir", dir, file, NULL};
	err_doing(reterr, "Making the btrfs root filesystem");
	if (proc_run(c->r, argv, NULL, reterr) < 0)
		return -1;
	if (c->r->dry_run)
		return 0;
	err_doing(reterr, "Copying the btrfs filesystem into the image");
	return copy_into(file, c->o->out, p->start, p->size, reterr);
}

/* ---- xfs: a protofile for mkfs.xfs -p ----
 *
 * mkfs.xfs 6.1 cannot copy a directory (newer versions take one with -p), but
 * it reads a protofile: a tree of "name mode uid gid [source]" tokens,
 * whitespace-separated, each directory closed by "$".  So a name with a space
 * in it, or starting with ':' (a comment), or "$", cannot be written; nor can a
 * sticky bit, extended attributes or hard links (each link becomes a copy). */

struct proto_ctx {
	const char *root;
	const char *empty_dir; /* listed without its children ("/boot"), or NULL */
	const struct build_extra *extras;
	size_t nextras;
	struct dynbuf *out;
	struct build_proto_stats *st;
	struct err *reterr;
	int dynrc;
};

static bool proto_token_ok(const char *s)
{
	if (!s[0] || s[0] == ':' || strcmp(s, "$") == 0)
		return false;
	for (; *s; s++)
		if (*s == ' ' || *s == '\t' || *s == '\n')
			return false;
	return true;
}

static void proto_add(struct proto_ctx *pc, int depth, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void proto_add(struct proto_ctx *pc, int depth, const char *fmt, ...)
{
	va_list ap;
	for (int i = 0; i < depth && pc->dynrc == 0; i++)
		pc->dynrc = dyn_addc(pc->out, '\t');
	va_start(ap, fmt);
	if (pc->dynrc == 0)
		pc->dynrc = dyn_vaddf(pc->out, fmt, ap);
	va_end(ap);
}

static void proto_mode(char buf[8], char type, mode_t mode)
{
	snprintf(buf, 8, "%c%c%c%03o", type, (mode & S_ISUID) ? 'u' : '-',
		 (mode & S_ISGID) ? 'g' : '-', (unsigned)(mode & 0777));
}

static const struct build_extra *proto_extra(struct proto_ctx *pc, const char *rel)
{
	for (size_t i = 0; i < pc->nextras; i++)
		if (strcmp(pc->extras[i].path, rel) == 0)
			return &pc->extras[i];
	return NULL;
}

static int proto_bad_name(struct proto_ctx *pc, const char *rel, const char *what)
{
	return err_set(pc->reterr, ERR_USAGE, EINVAL,
		       "%s %s cannot be written to an xfs root: mkfs.xfs's protofile cannot hold "
		       "a space, or a leading ':', in a name, a link or a path; rename it, or "
		       "choose ext4 for the root",
		       what, rel);
}

static int proto_dir(struct proto_ctx *pc, const char *host, const char *rel, int depth);

/* One entry of the root tree, `name` in host directory `host` (rel inside the
 * image).  Returns 0 or -1. */
static int proto_host_entry(struct proto_ctx *pc, const char *host, const char *rel,
			    const char *name, int depth)
{
	char hp[4096], r[4096], mode[8], target[4096];
	struct stat st;
	snprintf(hp, sizeof(hp), "%s/%s", host, name);
	snprintf(r, sizeof(r), "%s/%s", rel, name);
	if (lstat(hp, &st) < 0)
		return err_sys(pc->reterr, errno, "Reading %s", hp);
	if (!proto_token_ok(name))
		return proto_bad_name(pc, r, "the file");
	const struct build_extra *x = proto_extra(pc, r);
	unsigned uid = (unsigned)st.st_uid, gid = (unsigned)st.st_gid;
	if ((st.st_mode & S_ISVTX) && !S_ISLNK(st.st_mode))
		pc->st->lost_sticky++;
	if (x && x->type == '-') {
		/* ours replaces the tree's (fstab, grub.cfg) */
		proto_mode(mode, '-', x->mode);
		proto_add(pc, depth, "%s %s 0 0 %s\n", name, mode, x->src);
	} else if (S_ISREG(st.st_mode)) {
		if (!proto_token_ok(hp))
			return proto_bad_name(pc, hp, "the path");
		proto_mode(mode, '-', st.st_mode);
		proto_add(pc, depth, "%s %s %u %u %s\n", name, mode, uid, gid, hp);
	} else if (S_ISDIR(st.st_mode)) {
		proto_mode(mode, 'd', st.st_mode);
		proto_add(pc, depth, "%s %s %u %u\n", name, mode, uid, gid);
		bool empty = pc->empty_dir && strcmp(pc->empty_dir, r) == 0;
		if (depth > 200)
			return err_set(pc->reterr, ERR_USAGE, ELOOP, "%s is nested too deeply", hp);
		if (proto_dir(pc, empty ? NULL : hp, r, depth + 1) < 0)
			return -1;
		proto_add(pc, depth + 1, "$\n");
	} else if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(hp, target, sizeof(target) - 1);
		if (n < 0)
			return err_sys(pc->reterr, errno, "Reading the link %s", hp);
		target[n] = '\0';
		if (!proto_token_ok(target))
			return proto_bad_name(pc, r, "the symbolic link");
		proto_mode(mode, 'l', 0777);
		proto_add(pc, depth, "%s %s %u %u %s\n", name, mode, uid, gid, target);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		proto_mode(mode, S_ISCHR(st.st_mode) ? 'c' : 'b', st.st_mode);
		proto_add(pc, depth, "%s %s %u %u %u %u\n", name, mode, uid, gid,
			  major(st.st_rdev), minor(st.st_rdev));
	} else if (S_ISFIFO(st.st_mode)) {
		proto_mode(mode, 'p', st.st_mode);
		proto_add(pc, depth, "%s %s %u %u\n", name, mode, uid, gid);
	} else {
		pc->st->skipped++; /* a socket: made again by whoever listens on it */
		return 0;
	}
	pc->st->entries++;
	return 0;
}

static int proto_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The contents of directory `rel`: the host directory's entries (none when
 * `host` is NULL), then the extras that go in it and are not there yet. */
static int proto_dir(struct proto_ctx *pc, const char *host, const char *rel, int depth)
{
	if (host) {
		struct dirent **list = NULL;
		int n = scandir(host, &list, NULL, proto_cmp);
		if (n < 0)
			return err_sys(pc->reterr, errno, "Reading the directory %s", host);
		int rc = 0;
		for (int i = 0; i < n; i++) {
			const char *nm = list[i]->d_name;
			if (rc == 0 && strcmp(nm, ".") != 0 && strcmp(nm, "..") != 0)
				rc = proto_host_entry(pc, host, rel, nm, depth);
			free(list[i]);
		}
		free(list);
		if (rc < 0)
			return -1;
	}
	size_t rl = strlen(rel);
	for (size_t i = 0; i < pc->nextras; i++) {
		const struct build_extra *x = &pc->extras[i];
		const char *slash = strrchr(x->path, '/');
		if (!slash || (size_t)(slash - x->path) != rl || strncmp(x->path, rel, rl) != 0)
			continue;
		const char *name = slash + 1;
		char hp[4096], mode[8];
		struct stat st;
		if (host) {
			snprintf(hp, sizeof(hp), "%s/%s", host, name);
			if (lstat(hp, &st) == 0)
				continue; /* listed above */
		}
		switch (x->type) {
		case 'd':
			proto_mode(mode, 'd', x->mode);
			proto_add(pc, depth, "%s %s 0 0\n", name, mode);
			if (proto_dir(pc, NULL, x->path, depth + 1) < 0)
				return -1;
			proto_add(pc, depth + 1, "$\n");
			break;
		case 'c':
			proto_mode(mode, 'c', x->mode);
			proto_add(pc, depth, "%s %s 0 0 %u %u\n", name, mode, x->major, x->minor);
			break;
		default:
			proto_mode(mode, '-', x->mode);
			proto_add(pc, depth, "%s %s 0 0 %s\n", name, mode, x->src);
			break;
		}
		pc->st->entries++;
	}
	return 0;
}

UNITTEST int build_xfs_proto(const char *root, const char *empty_dir,
			     const struct build_extra *extras, size_t nextras, struct dynbuf *out,
			     struct build_proto_stats *stats, struct err *reterr)
{
	struct build_proto_stats st = {0};
	struct proto_ctx pc = {.root = root, .empty_dir = empty_dir, .extras = extras,
			       .nextras = nextras, .out = out, .st = &st, .reterr = reterr};
	struct stat rs;
	char mode[8];
	if (stat(root, &rs) < 0)
		return err_sys(reterr, errno, "Reading %s", root);
	for (size_t i = 0; i < nextras; i++)
		if (extras[i].type == '-' && !proto_token_ok(extras[i].src))
			return proto_bad_name(&pc, extras[i].src, "the scratch file");
	/* a dummy boot-image name and two ignored numbers open every protofile */
	proto_mode(mode, 'd', rs.st_mode);
	proto_add(&pc, 0, "amiwiz\n0 0\n%s %u %u\n", mode, (unsigned)rs.st_uid,
		  (unsigned)rs.st_gid);
	if (proto_dir(&pc, root, "", 1) < 0)
		return -1;
	proto_add(&pc, 0, "$\n");
	if (pc.dynrc < 0)
		return err_set(reterr, ERR_USAGE, E2BIG,
			       "the root tree is too large for an xfs protofile");
	if (stats)
		*stats = st;
	return 0;
}

static int make_xfs(struct ctx *c, const struct disk_part *p, const char *proto,
		    struct err *reterr)
{
	char file[600];
	snprintf(file, sizeof(file), "%s/xfs-%d.img", c->work, p->number);
	/* like btrfs: mkfs.xfs takes no offset, so make it in its own file of the
	 * partition's size and copy it in */
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)p->size) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return err_sys(reterr, e, "Creating %s", file);
	}
	close(fd);
	char uuid[64];
	snprintf(uuid, sizeof(uuid), "uuid=%s", p->fs_uuid);
	const char *argv[] = {"mkfs.xfs", "-q", "-f", "-m", uuid, "-L", p->label, "-p", proto,
			      file, NULL};
	err_doing(reterr, "Making the xfs root filesystem");
	if (proc_run(c->r, argv, NULL, reterr) < 0)
		return -1;
	if (c->r->dry_run)
		return 0;
	err_doing(reterr, "Copying the xfs filesystem into the image");
	return copy_into(file, c->o->out, p->start, p->size, reterr);
}

/* ---- a separate /boot: the root keeps only the empty mount point ---- */

static int cleanup_walk(const char *host, const char *rel, struct dynbuf *out, int depth,
			struct err *reterr)
{
	struct dirent **list = NULL;
	int n = scandir(host, &list, NULL, proto_cmp);
	if (n < 0)
		return err_sys(reterr, errno, "Reading the directory %s", host);
	int rc = 0;
	for (int i = 0; i < n; i++) {
		const char *nm = list[i]->d_name;
		if (rc < 0 || strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
			goto next;
		char hp[4096], r[4096];
		struct stat st;
		snprintf(hp, sizeof(hp), "%s/%s", host, nm);
		snprintf(r, sizeof(r), "%s/%s", rel, nm);
		if (strpbrk(r, "\"\n\\")) {
			rc = err_set(reterr, ERR_USAGE, EINVAL,
				     "%s has a quote, backslash or newline in its name; amiwiz cannot "
				     "leave it out of the root filesystem: rename it",
				     r);
			goto next;
		}
		if (lstat(hp, &st) < 0) {
			rc = err_sys(reterr, errno, "Reading %s", hp);
			goto next;
		}
		if (S_ISDIR(st.st_mode)) {
			if (depth > 200)
				rc = err_set(reterr, ERR_USAGE, ELOOP, "%s is nested too deeply", hp);
			else
				rc = cleanup_walk(hp, r, out, depth + 1, reterr);
			if (rc == 0 && dyn_addf(out, "rmdir \"%s\"\n", r) < 0)
				rc = err_set(reterr, ERR_USAGE, E2BIG, "/boot holds too many files");
		} else if (dyn_addf(out, "rm \"%s\"\n", r) < 0)
			rc = err_set(reterr, ERR_USAGE, E2BIG, "/boot holds too many files");
	next:
		free(list[i]);
	}
	free(list);
	return rc;
}

/* debugfs commands that empty the root filesystem's /boot (mke2fs -d copied
 * the whole tree): children before their directory. */
UNITTEST int build_boot_cleanup_cmds(const char *bootdir, struct dynbuf *out, struct err *reterr)
{
	return cleanup_walk(bootdir, "/boot", out, 0, reterr);
}

static void fstab_text(struct ctx *c, struct disk_layout *lay, struct dynbuf *out)
{
	dyn_addstr(out, "# written by amiwiz: filesystems by UUID, so they are found whatever\n"
			"# the disk is called (xvda on Xen, nvme0n1 on Nitro)\n");
	for (unsigned i = 0; i < lay->nparts; i++) {
		const struct disk_part *p = &lay->parts[i];
		switch (p->role) {
		case DISK_ROLE_ROOT:
			dyn_addf(out, "UUID=%s\t/\t%s\tdefaults\t0\t1\n", p->fs_uuid,
				 disk_fs_name(p->fs));
			break;
		case DISK_ROLE_BOOT:
			dyn_addf(out, "UUID=%s\t/boot\t%s\tdefaults\t0\t2\n", p->fs_uuid,
				 disk_fs_name(p->fs));
			break;
		case DISK_ROLE_ESP:
			dyn_addf(out, "UUID=%s\t/boot/efi\tvfat\tumask=0077\t0\t2\n", p->fs_uuid);
			break;
		case DISK_ROLE_BIOS_BOOT:
		case DISK_ROLE_MAX:
		default:
			break;
		}
	}
}

/* The kernel command line.  Without an initramfs nothing but the kernel can
 * find the root, and the kernel resolves PARTUUID= itself but not UUID=. */
static void make_cmdline(struct ctx *c, struct disk_layout *lay, bool pv)
{
	struct disk_part *root = disk_layout_find(lay, DISK_ROLE_ROOT);
	struct dynbuf d;
	dyn_init(&d, sizeof(c->res->cmdline) - 1);
	if (c->res->initrd[0])
		dyn_addf(&d, "root=UUID=%s", root->fs_uuid);
	else if (root->partuuid[0])
		dyn_addf(&d, "root=PARTUUID=%s", root->partuuid);
	else
		dyn_addstr(&d, pv ? "root=/dev/xvda1" : "root=/dev/nvme0n1");
	if (root->fs == DISK_FS_BTRFS || root->fs == DISK_FS_XFS || !c->res->initrd[0])
		dyn_addf(&d, " rootfstype=%s", disk_fs_name(root->fs));
	dyn_addstr(&d, " ro rootwait");
	dyn_addstr(&d, pv ? " console=hvc0" : " console=tty0 console=ttyS0,115200n8");
	if (!pv)
		dyn_addstr(&d, " nvme_core.io_timeout=4294967295");
	if (c->o->cmdline && c->o->cmdline[0])
		dyn_addf(&d, " %s", c->o->cmdline);
	snprintf(c->res->cmdline, sizeof(c->res->cmdline), "%s", dyn_ptr(&d));
	dyn_free(&d);
}

static void menu_lst_text(struct ctx *c, struct disk_layout *lay, struct dynbuf *out)
{
	/* paths are relative to the filesystem pv-grub reads: with a separate
	 * /boot that filesystem is /boot itself */
	bool sep = disk_layout_find(lay, DISK_ROLE_BOOT) != NULL;
	const char *k = c->res->kernel[0] ? c->res->kernel : "/boot/vmlinuz";
	const char *i = c->res->initrd;
	if (sep && strncmp(k, "/boot/", 6) == 0)
		k += 5;
	if (sep && strncmp(i, "/boot/", 6) == 0)
		i += 5;
	dyn_addstr(out, "# pv-grub reads this file (GRUB 0.97 syntax); written by amiwiz\n"
			"default 0\ntimeout 1\n\n");
	dyn_addf(out, "title Linux\n\troot %s\n\tkernel %s %s\n",
		 lay->table == DISK_TABLE_NONE ? "(hd0)" : "(hd0,0)", k, c->res->cmdline);
	if (i[0])
		dyn_addf(out, "\tinitrd %s\n", i);
}

static void grub_cfg_text(struct ctx *c, struct disk_layout *lay, struct dynbuf *out)
{
	struct disk_part *root = disk_layout_find(lay, DISK_ROLE_ROOT);
	const char *k = c->res->kernel[0] ? c->res->kernel : "/boot/vmlinuz";
	dyn_addstr(out, "# GRUB 2 configuration written by amiwiz\n"
			"set default=0\nset timeout=1\n"
			"serial --unit=0 --speed=115200\n"
			"terminal_input serial console\nterminal_output serial console\n\n");
	dyn_addf(out, "menuentry 'Linux' {\n\tsearch --no-floppy --fs-uuid --set=root %s\n",
		 root->fs_uuid);
	dyn_addf(out, "\techo 'Loading %s'\n\tlinux %s %s\n", k, k, c->res->cmdline);
	if (c->res->initrd[0])
		dyn_addf(out, "\tinitrd %s\n", c->res->initrd);
	dyn_addstr(out, "}\n");
}

static int grub_mkimage(struct ctx *c, const char *format, const char *out, const char *early,
			struct err *reterr)
{
	char dir[600];
	snprintf(dir, sizeof(dir), "%s/%s", c->grub_dir, format);
	const char *argv[48] = {"grub-mkimage", "-O", format, "-d", dir, "-o", out,
				"-c", early, "-p", "/boot/grub"};
	int n = 11;
	static const char *const common[] = {
		"part_msdos", "part_gpt", "ext2", "xfs", "fat", "normal", "linux", "search",
		"search_fs_uuid", "configfile", "echo", "serial", "terminal", "test", "ls",
		"cat", "boot", "halt", "reboot", NULL};
	for (int i = 0; common[i]; i++)
		argv[n++] = common[i];
	if (strcmp(format, "i386-pc") == 0)
		argv[n++] = "biosdisk";
	else {
		argv[n++] = "efi_gop";
		argv[n++] = "all_video";
	}
	argv[n] = NULL;
	err_doing(reterr, "Making GRUB's %s image", format);
	return proc_run(c->r, argv, NULL, reterr);
}

static int early_cfg(struct ctx *c, struct disk_layout *lay, char *path, size_t pathlen,
		     struct err *reterr)
{
	struct disk_part *root = disk_layout_find(lay, DISK_ROLE_ROOT);
	char text[512];
	snprintf(path, pathlen, "%s/early.cfg", c->work);
	snprintf(text, sizeof(text),
		 "search --no-floppy --fs-uuid --set=root %s\n"
		 "set prefix=($root)/boot/grub\n"
		 "configfile ($root)/boot/grub/grub.cfg\n",
		 root->fs_uuid);
	return write_file(path, text, reterr);
}

static int install_grub_bios(struct ctx *c, struct disk_layout *lay, struct err *reterr)
{
	char early[600], core[600], bootimg[600];
	unsigned char *core_buf = NULL, *boot_buf = NULL;
	size_t core_len = 0, boot_len = 0;
	int fd = -1, rc = -1;
	step(c, "Installing GRUB for BIOS boot");
	snprintf(core, sizeof(core), "%s/core.img", c->work);
	snprintf(bootimg, sizeof(bootimg), "%s/i386-pc/boot.img", c->grub_dir);
	if (early_cfg(c, lay, early, sizeof(early), reterr) < 0 ||
	    grub_mkimage(c, "i386-pc", core, early, reterr) < 0)
		return -1;
	if (c->r->dry_run) {
		dyn_addstr(&c->r->record, "# boot.img -> sector 0, core.img -> its place\n");
		return 0;
	}
	/* where core.img goes: the BIOS boot partition, or the gap after the MBR */
	struct disk_part *bb = disk_layout_find(lay, DISK_ROLE_BIOS_BOOT);
	uint64_t lba = bb ? bb->start / DISK_SECTOR : 1;
	uint64_t room = bb ? bb->size : lay->parts[0].start - DISK_SECTOR;
	if (lay->table == DISK_TABLE_GPT && !bb)
		return err_set(reterr, ERR_USAGE, EINVAL,
			       "BIOS boot from a GPT disk needs a BIOS boot partition");
	if (read_whole(core, &core_buf, &core_len, 4u << 20, reterr) < 0 ||
	    read_whole(bootimg, &boot_buf, &boot_len, 512, reterr) < 0)
		goto out;
	core_len = (core_len + 511) / 512 * 512;
	if (core_len > room) {
		rc = err_set(reterr, ERR_INTERNAL, EFBIG,
			     "GRUB's core.img (%zu bytes) does not fit in its %llu bytes", core_len,
			     (unsigned long long)room);
		goto out;
	}
	unsigned char mbr[512];
	fd = open(c->o->out, O_RDWR | O_CLOEXEC);
	if (fd < 0 || pread(fd, mbr, 512, 0) != 512) {
		rc = err_sys(reterr, fd < 0 ? errno : EIO, "Reading the first sector of %s",
			     c->o->out);
		goto out;
	}
	if (build_patch_grub_bios(mbr, boot_buf, core_buf, core_len, lba, reterr) < 0)
		goto out;
	if (pwrite_all(fd, core_buf, core_len, lba * DISK_SECTOR) < 0 ||
	    pwrite_all(fd, mbr, 512, 0) < 0) {
		rc = err_sys(reterr, errno, "Writing GRUB into %s", c->o->out);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = err_sys(reterr, errno, "Writing GRUB into %s", c->o->out);
	free(core_buf);
	free(boot_buf);
	return rc;
}

static int install_grub_uefi(struct ctx *c, struct disk_layout *lay, struct err *reterr)
{
	char early[600], efi[600];
	struct disk_part *esp = disk_layout_find(lay, DISK_ROLE_ESP);
	step(c, "Installing GRUB for UEFI boot (\\EFI\\BOOT\\BOOTX64.EFI)");
	if (!esp)
		return err_set(reterr, ERR_USAGE, EINVAL, "UEFI boot needs an EFI system partition");
	snprintf(efi, sizeof(efi), "%s/BOOTX64.EFI", c->work);
	if (early_cfg(c, lay, early, sizeof(early), reterr) < 0 ||
	    grub_mkimage(c, "x86_64-efi", efi, early, reterr) < 0)
		return -1;
	const char *mmd[] = {"mmd", "::/EFI", "::/EFI/BOOT", NULL};
	const char *mcopy[] = {"mcopy", "-o", efi, "::/EFI/BOOT/BOOTX64.EFI", NULL};
	err_doing(reterr, "Copying BOOTX64.EFI into the EFI system partition");
	if (mtools(c, esp, mmd, reterr) < 0 || mtools(c, esp, mcopy, reterr) < 0)
		return -1;
	return 0;
}

static int from_disk(struct ctx *c, struct err *reterr)
{
	struct stat st;
	if (stat(c->o->out, &st) == 0 && !c->o->overwrite)
		return err_set(reterr, ERR_USAGE, EEXIST,
			       "%s already exists; choose another name, or allow overwriting it",
			       c->o->out);
	step(c, "Converting %s to a raw image", c->o->source);
	const char *argv[] = {"qemu-img", "convert", "-O", "raw", c->o->source, c->o->out, NULL};
	err_doing(reterr, "Converting %s to a raw image", c->o->source);
	return proc_run(c->r, argv, NULL, reterr);
}

/* debootstrap's "I: Retrieving ..." lines, as steps: the download is the slow part */
static void bootstrap_line(void *data, enum proc_stream stream, const char *line)
{
	struct ctx *c = data;
	if (c->o->on_step && strncmp(line, "I: ", 3) == 0)
		c->o->on_step(c->o->step_data, line + 3);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && strcmp(s + n - m, tail) == 0;
}

/* One debootstrap run; `tar_opt` is "--make-tarball=F", "--unpack-tarball=F" or NULL. */
static int debootstrap(struct ctx *c, const char *tar_opt, const char *target, struct err *reterr)
{
	const struct build_opts *o = c->o;
	char include[1024] = "";
	const char *argv[10];
	size_t n = 0;
	if (o->include && o->include[0])
		snprintf(include, sizeof(include), "--include=%s", o->include);
	argv[n++] = "debootstrap";
	argv[n++] = "--variant=minbase";
	if (include[0])
		argv[n++] = include;
	if (tar_opt)
		argv[n++] = tar_opt;
	argv[n++] = o->source;
	argv[n++] = target;
	argv[n++] = o->mirror ? o->mirror : BUILD_DEBIAN_MIRROR;
	argv[n] = NULL;
	struct proc_opts po = {.stdout_fd = -1, .on_line = bootstrap_line, .line_data = c};
	if (proc_run(c->r, argv, &po, reterr) == 0)
		return 0;
	/* Some failures are told only in debootstrap's own log, which goes with the
	 * scratch directory: keep its last lines (but the download list) in the error. */
	char logpath[1100];
	snprintf(logpath, sizeof(logpath), "%s/debootstrap/debootstrap.log", target);
	FILE *f = fopen(logpath, "r");
	if (f && reterr) {
		char lines[6][256], line[256];
		unsigned nl = 0;
		while (fgets(line, sizeof(line), f))
			if (!strstr(line, " URL:"))
				snprintf(lines[nl++ % 6], sizeof(lines[0]), "%s", line);
		size_t len = strlen(reterr->message);
		len += (size_t)snprintf(reterr->message + len, sizeof(reterr->message) - len,
					"\ndebootstrap.log ends:\n");
		for (unsigned i = nl > 6 ? nl - 6 : 0; i < nl && len < sizeof(reterr->message); i++)
			len += (size_t)snprintf(reterr->message + len, sizeof(reterr->message) - len,
						"%s", lines[i % 6]);
	}
	if (f)
		fclose(f);
	return -1;
}

/* A minimal Debian root in `root` (an empty directory), then the copy_in files. */
static int bootstrap(struct ctx *c, const char *root, struct err *reterr)
{
	const struct build_opts *o = c->o;
	char cache[1024] = "", part[1100], opt[1200];
	if (o->debootstrap_cache) {
		/* debootstrap wants an absolute path and knows tarballs by their names */
		if (o->debootstrap_cache[0] != '/') {
			char cwd[512];
			if (!getcwd(cwd, sizeof(cwd)))
				return err_sys(reterr, errno, "Finding the current directory");
			snprintf(cache, sizeof(cache), "%s/%s", cwd, o->debootstrap_cache);
		} else
			snprintf(cache, sizeof(cache), "%s", o->debootstrap_cache);
		struct stat st;
		if (stat(cache, &st) < 0) {
			snprintf(part, sizeof(part), "%s/packages.tgz", c->work);
			snprintf(opt, sizeof(opt), "--make-tarball=%s", part);
			snprintf(c->path, sizeof(c->path), "%s/download", c->work);
			step(c, "Downloading the %s packages into %s", o->source, cache);
			err_doing(reterr, "Downloading the %s packages with debootstrap", o->source);
			if (debootstrap(c, opt, c->path, reterr) < 0)
				return -1;
			if (!c->r->dry_run) {
				/* a copy, then a rename: no half-written cache if we are stopped */
				snprintf(c->path, sizeof(c->path), "%s.part", cache);
				const char *cp[] = {"cp", part, c->path, NULL};
				err_doing(reterr, "Saving the packages as %s", cache);
				if (proc_run(c->r, cp, NULL, reterr) < 0)
					return -1;
				if (rename(c->path, cache) < 0)
					return err_sys(reterr, errno, "Saving the packages as %s", cache);
			}
		}
		snprintf(opt, sizeof(opt), "--unpack-tarball=%s", cache);
	}
	step(c, "Bootstrapping a minimal Debian %s root", o->source);
	err_doing(reterr, "Bootstrapping Debian %s with debootstrap", o->source);
	if (debootstrap(c, cache[0] ? opt : NULL, root, reterr) < 0)
		return -1;
	for (size_t i = 0; o->copy_in && o->copy_in[i]; i++) {
		const char *colon = strrchr(o->copy_in[i], ':');
		char src[512];
		snprintf(src, sizeof(src), "%.*s", (int)(colon - o->copy_in[i]), o->copy_in[i]);
		snprintf(c->path, sizeof(c->path), "%s%s", root, colon + 1);
		step(c, "Copying %s to %s", src, colon + 1);
		const char *cp[] = {"cp", "-a", "--", src, c->path, NULL};
		err_doing(reterr, "Copying %s into the new root", src);
		if (proc_run(c->r, cp, NULL, reterr) < 0)
			return -1;
	}
	return 0;
}

int build_image(struct proc_runner *r, const struct build_opts *o, struct build_result *ret,
		struct err *reterr)
{
	struct ctx c = {.r = r, .o = o, .res = ret};
	struct dynbuf text, cmds;
	char extract[600] = "";
	int rc = -1;
	dyn_init(&text, 64 * 1024);
	dyn_init(&cmds, 64 * 1024);
	memset(ret, 0, sizeof(*ret));
	c.grub_dir = o->grub_dir ? o->grub_dir : "/usr/lib/grub";

	if (!o->source || !o->out)
		return err_set(reterr, ERR_USAGE, EINVAL, "a source and an output are needed");
	if (o->source_kind == BUILD_FROM_DISK) {
		rc = from_disk(&c, reterr);
		goto out_nowork;
	}
	if (o->source_kind == BUILD_FROM_DEBOOTSTRAP) {
		if (!r->dry_run && geteuid() != 0)
			return err_set(reterr, ERR_USAGE, EPERM,
				       "debootstrap needs root: run amiwiz build as root, or build "
				       "from --root, --tarball or --from-disk");
		if (o->debootstrap_cache && !ends_with(o->debootstrap_cache, ".tgz") &&
		    !ends_with(o->debootstrap_cache, ".tar.gz"))
			return err_set(reterr, ERR_USAGE, EINVAL,
				       "the debootstrap cache %s must end in .tgz or .tar.gz",
				       o->debootstrap_cache);
		for (size_t i = 0; o->copy_in && o->copy_in[i]; i++) {
			const char *colon = strrchr(o->copy_in[i], ':');
			if (!colon || colon == o->copy_in[i] || colon[1] != '/')
				return err_set(reterr, ERR_USAGE, EINVAL,
					       "%s: say HOSTFILE:/path/in/root", o->copy_in[i]);
		}
	} else if (o->copy_in && o->copy_in[0])
		return err_set(reterr, ERR_USAGE, EINVAL,
			       "files are copied in only into a root made by debootstrap");
	const char *tmp = o->tmpdir ? o->tmpdir : getenv("TMPDIR");
	snprintf(c.work, sizeof(c.work), "%s/amiwiz-build.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(c.work)) {
		c.work[0] = '\0';
		rc = err_sys(reterr, errno, "Making a scratch directory");
		goto out_nowork;
	}
	snprintf(ret->workdir, sizeof(ret->workdir), "%s", c.work);

	struct stat st;
	if (o->source_kind == BUILD_FROM_DEBOOTSTRAP) {
		snprintf(extract, sizeof(extract), "%s/root", c.work);
		if (mkdir(extract, 0755) < 0) {
			rc = err_sys(reterr, errno, "Making %s", extract);
			goto out;
		}
		if (bootstrap(&c, extract, reterr) < 0)
			goto out;
		c.root = extract;
	} else if (stat(o->source, &st) < 0) {
		rc = err_set(reterr, ERR_USAGE, errno, "%s: %s", o->source, strerror(errno));
		goto out;
	} else if (o->source_kind == BUILD_FROM_TARBALL) {
		if (!S_ISREG(st.st_mode)) {
			rc = err_set(reterr, ERR_USAGE, EINVAL, "%s is not a file", o->source);
			goto out;
		}
		snprintf(extract, sizeof(extract), "%s/root", c.work);
		if (mkdir(extract, 0755) < 0) {
			rc = err_sys(reterr, errno, "Making %s", extract);
			goto out;
		}
		step(&c, "Unpacking %s", o->source);
		const char *argv[] = {"tar", "-xpf", o->source, "-C", extract, "--numeric-owner",
				      NULL};
		err_doing(reterr, "Unpacking %s", o->source);
		if (proc_run(r, argv, NULL, reterr) < 0)
			goto out;
		c.root = extract;
	} else {
		if (!S_ISDIR(st.st_mode)) {
			rc = err_set(reterr, ERR_USAGE, ENOTDIR, "%s is not a directory", o->source);
			goto out;
		}
		c.root = o->source;
	}

	/* plan */
	struct disk_layout *lay = &ret->layout;
	if (disk_layout_plan(&o->layout, lay, reterr) < 0)
		goto out;
	enum build_boot boot = o->boot;
	if (boot == BUILD_BOOT_AUTO)
		switch (o->layout.kind) {
		case DISK_LAYOUT_PV_CLASSIC:
		case DISK_LAYOUT_PV_SIMPLE:
			boot = BUILD_BOOT_PV;
			break;
		case DISK_LAYOUT_UEFI:
			boot = BUILD_BOOT_UEFI;
			break;
		case DISK_LAYOUT_HYBRID:
			boot = BUILD_BOOT_BOTH;
			break;
		case DISK_LAYOUT_HVM_BIOS:
		case DISK_LAYOUT_MAX:
		default:
			boot = BUILD_BOOT_BIOS;
			break;
		}
	ret->boot = boot;
	if ((boot == BUILD_BOOT_UEFI || boot == BUILD_BOOT_BOTH) && !disk_layout_find(lay, DISK_ROLE_ESP)) {
		rc = err_set(reterr, ERR_USAGE, EINVAL,
			     "UEFI boot needs a layout with an EFI system partition (uefi or hybrid)");
		goto out;
	}
	if ((boot == BUILD_BOOT_BIOS || boot == BUILD_BOOT_BOTH) && lay->table == DISK_TABLE_NONE) {
		rc = err_set(reterr, ERR_USAGE, EINVAL, "BIOS boot needs a partition table");
		goto out;
	}
	if (o->kernel) {
		snprintf(ret->kernel, sizeof(ret->kernel), "%s", o->kernel);
		if (!exists_in_root(&c, o->kernel, NULL))
			warn(&c, "the kernel %s is not in the root tree: the image will not boot",
			     o->kernel);
	} else {
		find_kernel(&c);
		if (!ret->kernel[0])
			warn(&c, "no kernel (/boot/vmlinuz-*) in the root tree: the image will not "
				 "boot until one is added as /boot/vmlinuz");
	}
	if (o->initrd)
		snprintf(ret->initrd, sizeof(ret->initrd), "%s", o->initrd);
	else
		find_initrd(&c);
	if (ret->initrd[0] && !exists_in_root(&c, ret->initrd, NULL))
		warn(&c, "the initramfs %s is not in the root tree", ret->initrd);

	/* the disk and its table */
	step(&c, "Writing the %s partition table (%s layout)", disk_table_name(lay->table),
	     disk_layout_name(lay->kind));
	if (o->confirm_device || (stat(o->out, &st) == 0 && S_ISBLK(st.st_mode))) {
		if (disk_device_check(o->out, o->confirm_device, o->probe, NULL, reterr) < 0)
			goto out;
	} else if (disk_image_create(o->out, o->layout.size, o->overwrite, reterr) < 0)
		goto out;
	err_doing(reterr, "Writing the partition table");
	if (disk_layout_write(lay, o->out, reterr) < 0)
		goto out;
	make_cmdline(&c, lay, boot == BUILD_BOOT_PV);

	/* the files we add: fstab, boot configuration, device nodes */
	char fstab[600], bootcfg[600];
	snprintf(fstab, sizeof(fstab), "%s/fstab", c.work);
	fstab_text(&c, lay, &text);
	if (write_file(fstab, dyn_ptr(&text), reterr) < 0)
		goto out;
	dyn_reset(&text);
	snprintf(bootcfg, sizeof(bootcfg), "%s/%s", c.work,
		 boot == BUILD_BOOT_PV ? "menu.lst" : "grub.cfg");
	if (boot == BUILD_BOOT_PV)
		menu_lst_text(&c, lay, &text);
	else
		grub_cfg_text(&c, lay, &text);
	if (write_file(bootcfg, dyn_ptr(&text), reterr) < 0)
		goto out;

	struct disk_part *root = disk_layout_find(lay, DISK_ROLE_ROOT);
	struct disk_part *bootp = disk_layout_find(lay, DISK_ROLE_BOOT);
	struct disk_part *esp = disk_layout_find(lay, DISK_ROLE_ESP);
	bool pvgrub = boot == BUILD_BOOT_PV;

	/* the separate /boot (pv-classic): the root tree's /boot, plus the
	 * boot/grub arrangement pv-grub looks for at (hd0,0)/boot/grub */
	if (bootp) {
		step(&c, "Making the ext3 /boot filesystem");
		snprintf(c.path, sizeof(c.path), "%s/boot", c.root);
		char bootdir[1024];
		snprintf(bootdir, sizeof(bootdir), "%s", c.path);
		if (mkfs_ext(&c, bootp, access(bootdir, F_OK) == 0 ? bootdir : NULL, true, reterr) <
		    0)
			goto out;
		dyn_reset(&cmds);
		bool had_boot = exists_in_root(&c, "/boot/boot", NULL);
		bool had_grub = exists_in_root(&c, "/boot/grub", NULL);
		if (!had_boot)
			dyn_addstr(&cmds, "mkdir /boot\n");
		if (!exists_in_root(&c, "/boot/boot/grub", NULL))
			dyn_addstr(&cmds, "mkdir /boot/grub\n");
		df_put(&c, &cmds, bootcfg, "/boot/grub/menu.lst",
		       exists_in_root(&c, "/boot/boot/grub/menu.lst", NULL));
		if (!had_grub)
			dyn_addstr(&cmds, "symlink /grub boot/grub\n");
		if (debugfs(&c, bootp, dyn_ptr(&cmds), reterr) < 0)
			goto out;
	}

	step(&c, "Making the %s root filesystem from %s", disk_fs_name(root->fs), o->source);
	if (is_ext(root->fs)) {
		if (mkfs_ext(&c, root, c.root, pvgrub && !bootp, reterr) < 0)
			goto out;
		dyn_reset(&cmds);
		if (!exists_in_root(&c, "/etc", NULL))
			dyn_addstr(&cmds, "mkdir /etc\n");
		df_put(&c, &cmds, fstab, "/etc/fstab", exists_in_root(&c, "/etc/fstab", NULL));
		if (!exists_in_root(&c, "/dev", NULL))
			dyn_addstr(&cmds, "mkdir /dev\n");
		/* the kernel opens /dev/console before any devtmpfs is mounted */
		if (!exists_in_root(&c, "/dev/console", NULL))
			dyn_addstr(&cmds, "mknod /dev/console c 5 1\n");
		if (!exists_in_root(&c, "/dev/null", NULL))
			dyn_addstr(&cmds, "mknod /dev/null c 1 3\n");
		if (!bootp) {
			if (!exists_in_root(&c, "/boot", NULL))
				dyn_addstr(&cmds, "mkdir /boot\n");
			if (!exists_in_root(&c, "/boot/grub", NULL))
				dyn_addstr(&cmds, "mkdir /boot/grub\n");
			const char *dst = pvgrub ? "/boot/grub/menu.lst" : "/boot/grub/grub.cfg";
			df_put(&c, &cmds, bootcfg, dst, exists_in_root(&c, dst, NULL));
		}
		if (esp && !exists_in_root(&c, "/boot/efi", NULL))
			dyn_addstr(&cmds, "mkdir /boot/efi\n");
		if (bootp && !exists_in_root(&c, "/boot", NULL))
			dyn_addstr(&cmds, "mkdir /boot\n");
		/* /boot is its own filesystem: only the mount point stays */
		if (bootp && exists_in_root(&c, "/boot", &st) && S_ISDIR(st.st_mode)) {
			snprintf(c.path, sizeof(c.path), "%s/boot", c.root);
			if (build_boot_cleanup_cmds(c.path, &cmds, reterr) < 0)
				goto out;
		}
		if (debugfs(&c, root, dyn_ptr(&cmds), reterr) < 0)
			goto out;
	} else if (root->fs == DISK_FS_BTRFS) {
		/* btrfs takes a whole tree: a copy of the root plus our fstab */
		char staged[600];
		snprintf(staged, sizeof(staged), "%s/btrfs-root", c.work);
		const char *cp[] = {"cp", "-a", "--reflink=auto", c.root, staged, NULL};
		err_doing(reterr, "Staging the root tree for btrfs");
		if (proc_run(r, cp, NULL, reterr) < 0)
			goto out;
		const char *inst[] = {"install", "-D", "-m", "0644", fstab, NULL, NULL};
		char dst[700];
		snprintf(dst, sizeof(dst), "%s/etc/fstab", staged);
		inst[5] = dst;
		if (proc_run(r, inst, NULL, reterr) < 0)
			goto out;
		if (bootp && !r->dry_run) {
			/* /boot is its own filesystem: only the mount point stays */
			snprintf(dst, sizeof(dst), "%s/boot", staged);
			DIR *d = opendir(dst);
			struct dirent *de;
			while (d && (de = readdir(d))) {
				if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
					continue;
				char child[1024];
				snprintf(child, sizeof(child), "%s/%s", dst, de->d_name);
				rm_tree(child);
			}
			if (d)
				closedir(d);
		}
		if (make_btrfs(&c, root, staged, reterr) < 0)
			goto out;
		warn(&c, "VM Import refuses btrfs subvolumes; this root has none, keep it so");
	} else {
		/* xfs: the root tree plus our files, described in a protofile */
		const char *cfg = pvgrub ? "/boot/grub/menu.lst" : "/boot/grub/grub.cfg";
		struct build_extra extras[] = {
			{"/etc", 'd', 0755, NULL, 0, 0},
			{"/etc/fstab", '-', 0644, fstab, 0, 0},
			{"/dev", 'd', 0755, NULL, 0, 0},
			{"/dev/console", 'c', 0600, NULL, 5, 1},
			{"/dev/null", 'c', 0666, NULL, 1, 3},
			{"/boot", 'd', 0755, NULL, 0, 0},
			{"/boot/grub", 'd', 0755, NULL, 0, 0},
			{cfg, '-', 0644, bootcfg, 0, 0},
			{"/boot/efi", 'd', 0700, NULL, 0, 0},
		};
		size_t nextras = sizeof(extras) / sizeof(extras[0]);
		if (bootp)
			nextras -= 3; /* the boot files are on /boot's own filesystem */
		else if (!esp)
			nextras -= 1;
		char proto[600];
		struct build_proto_stats ps = {0};
		snprintf(proto, sizeof(proto), "%s/xfs.proto", c.work);
		struct dynbuf pt;
		dyn_init(&pt, 256u << 20);
		err_doing(reterr, "Describing the root tree for mkfs.xfs");
		int prc = build_xfs_proto(c.root, bootp ? "/boot" : NULL, extras, nextras, &pt, &ps,
					  reterr);
		if (prc == 0)
			prc = write_file(proto, dyn_ptr(&pt), reterr);
		dyn_free(&pt);
		if (prc < 0 || make_xfs(&c, root, proto, reterr) < 0)
			goto out;
		if (ps.lost_sticky)
			warn(&c, "xfs: %u directories lost their sticky bit (mkfs.xfs's protofile "
				 "cannot set it): /tmp-like directories need chmod +t at first boot",
			     ps.lost_sticky);
		if (ps.skipped)
			warn(&c, "xfs: %u sockets were left out", ps.skipped);
	}

	if (esp) {
		step(&c, "Making the EFI system partition");
		if (make_fat(&c, esp, reterr) < 0)
			goto out;
	}
	if (boot == BUILD_BOOT_BIOS || boot == BUILD_BOOT_BOTH)
		if (install_grub_bios(&c, lay, reterr) < 0)
			goto out;
	if (boot == BUILD_BOOT_UEFI || boot == BUILD_BOOT_BOTH)
		if (install_grub_uefi(&c, lay, reterr) < 0)
			goto out;
	if (!r->dry_run) {
		/* make sure the image is on disk before anyone reads it */
		int fd = open(o->out, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	step(&c, "Done");
	rc = 0;
out:
	if (c.work[0])
		rm_tree(c.work);
out_nowork:
	dyn_free(&text);
	dyn_free(&cmds);
	if (rc < 0 && reterr && !err_isset(reterr))
		err_set(reterr, ERR_INTERNAL, 0, "the build failed");
	return rc < 0 ? -1 : 0;
}
