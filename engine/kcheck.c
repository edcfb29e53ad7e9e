#include "engine/kcheck.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/kcheck_data.h"
#include "help/unittest.h"

/* ---- names ---- */

static const char *const target_names[KT_MAX] = {
#define X(id, name, desc) [id] = name,
	KCHECK_TARGETS(X)
#undef X
};
static const char *const target_descs[KT_MAX] = {
#define X(id, name, desc) [id] = desc,
	KCHECK_TARGETS(X)
#undef X
};

const char *kcheck_target_name(enum kcheck_target t)
{
	return (unsigned)t < KT_MAX ? target_names[t] : "?";
}

const char *kcheck_target_description(enum kcheck_target t)
{
	return (unsigned)t < KT_MAX ? target_descs[t] : "?";
}

int kcheck_target_from_name(const char *name, enum kcheck_target *ret)
{
	for (int i = 0; i < KT_MAX; i++)
		if (strcmp(name, target_names[i]) == 0) {
			*ret = (enum kcheck_target)i;
			return 0;
		}
	return -1;
}

const char *kcheck_severity_name(enum kcheck_severity s)
{
	static const char *const n[KSEV_MAX] = {"note", "warning", "blocker"};
	return (unsigned)s < KSEV_MAX ? n[s] : "?";
}

const char *kcheck_verdict_name(enum kcheck_verdict v)
{
	static const char *const n[KV_MAX] = {"boots", "boots-with-warnings", "cannot-boot"};
	return (unsigned)v < KV_MAX ? n[v] : "?";
}

const char *kcheck_config_source_name(enum kcheck_config_source s)
{
	switch (s) {
	case KCS_NONE:
		return "none";
	case KCS_FILE:
		return "file";
	case KCS_GZIP:
		return "compressed file";
	case KCS_IKCONFIG:
		return "stored in the kernel (IKCONFIG)";
	}
	return "?";
}

/* ---- reading files, bounded ---- */

struct kmap {
	const uint8_t *data;
	size_t len;
};

static void kmap_release(struct kmap *m)
{
	if (m && m->data)
		munmap((void *)(uintptr_t)m->data, m->len);
	if (m)
		m->data = NULL;
}

/* Map a regular file read-only.  Opening with O_NONBLOCK and checking the type
 * before reading means a FIFO or device named by mistake never blocks us, and
 * the size limit means a huge file is refused before any of it is read. */
static int kmap_open(const char *path, size_t max, struct kmap *ret, struct err *reterr)
{
	memset(ret, 0, sizeof(*ret));
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(reterr, errno, "cannot open %s", path);
	struct stat st;
	int rc = -1;
	if (fstat(fd, &st) < 0) {
		rc = err_sys(reterr, errno, "cannot read %s", path);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = err_set(reterr, ERR_INPUT, EINVAL, "%s is not a regular file", path);
		goto done;
	}
	if (st.st_size == 0) {
		rc = err_set(reterr, ERR_INPUT, EINVAL, "%s is empty", path);
		goto done;
	}
	if ((unsigned long long)st.st_size > max) {
		rc = err_set(reterr, ERR_INPUT, E2BIG,
			     "%s is %.1f MiB; no kernel, configuration or initramfs is larger than %zu MiB, so it was not read",
			     path, (double)st.st_size / (1024.0 * 1024.0), max >> 20);
		goto done;
	}
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		rc = err_sys(reterr, errno, "cannot read %s", path);
		goto done;
	}
	ret->data = p;
	ret->len = (size_t)st.st_size;
	rc = 0;
done:
	close(fd);
	return rc;
}

/* ---- the kernel description ---- */

void kcheck_kernel_release(struct kcheck_kernel *k)
{
	if (!k)
		return;
	kconfig_free(&k->config);
	initramfs_free(&k->initramfs);
	memset(k, 0, sizeof(*k));
}

void kcheck_kernels_free(struct kcheck_kernel *list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++)
		kcheck_kernel_release(&list[i]);
	free(list);
}

static void parse_version(struct kcheck_kernel *k, const char *v)
{
	unsigned a = 0, b = 0, c = 0;
	int n = sscanf(v, "%u.%u.%u", &a, &b, &c);
	if (n >= 2) {
		k->ver_major = a;
		k->ver_minor = b;
		k->ver_patch = n == 3 ? c : 0;
	}
}

void kcheck_kernel_derive(struct kcheck_kernel *k)
{
	const struct kconfig *c = k->config_source != KCS_NONE ? &k->config : NULL;
	/* version: the image's own string, else the config's header */
	k->ver_major = k->ver_minor = k->ver_patch = 0;
	if (k->have_image && k->image.release[0])
		snprintf(k->release, sizeof(k->release), "%s", k->image.release);
	else if (!k->release[0] && c && c->version[0])
		snprintf(k->release, sizeof(k->release), "%s", c->version);
	if (k->release[0])
		parse_version(k, k->release);

	k->arch = KARCH_UNKNOWN;
	if (k->have_image)
		k->arch = k->image.arch;
	if (k->arch == KARCH_UNKNOWN && c) {
		if (kconfig_tristate(c, "ARM64") == 'y')
			k->arch = KARCH_ARM64;
		else if (kconfig_tristate(c, "X86_64") == 'y')
			k->arch = KARCH_X86_64;
		else if (kconfig_tristate(c, "X86_32") == 'y')
			k->arch = KARCH_X86_32;
		else if (kconfig_tristate(c, "X86") == 'y' || strcmp(c->arch, "x86") == 0 ||
			 strcmp(c->arch, "i386") == 0 || strcmp(c->arch, "x86_64") == 0)
			k->arch = kconfig_tristate(c, "64BIT") == 'y' ? KARCH_X86_64 : KARCH_X86_32;
	}

	k->compression_known = 0;
	k->compression = DECOMP_NONE;
	if (k->have_image && k->image.compression_known) {
		k->compression = k->image.compression;
		k->compression_known = 1;
	} else if (c) {
		static const struct {
			const char *opt;
			enum decomp_kind kind;
		} opts[] = {
			{"KERNEL_GZIP", DECOMP_GZIP}, {"KERNEL_BZIP2", DECOMP_BZIP2},
			{"KERNEL_LZMA", DECOMP_LZMA}, {"KERNEL_XZ", DECOMP_XZ},
			{"KERNEL_LZO", DECOMP_LZO},   {"KERNEL_LZ4", DECOMP_LZ4},
			{"KERNEL_ZSTD", DECOMP_ZSTD}, {"KERNEL_UNCOMPRESSED", DECOMP_NONE},
		};
		for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
			if (kconfig_tristate(c, opts[i].opt) == 'y') {
				k->compression = opts[i].kind;
				k->compression_known = 1;
			}
	}
}

int kcheck_kernel_from_config(const char *text, size_t len, struct kcheck_kernel *k,
			      struct err *reterr)
{
	memset(k, 0, sizeof(*k));
	if (kconfig_parse(text, len, &k->config, reterr) < 0)
		return -1;
	k->config_source = KCS_FILE;
	kcheck_kernel_derive(k);
	return 0;
}

/* ---- loading from paths ---- */

static int looks_like_config(const uint8_t *d, size_t len)
{
	size_t n = len < 65536 ? len : 65536;
	if (memchr(d, '\0', n))
		return 0;
	return memmem(d, n, "CONFIG_", 7) != NULL;
}

static int load_config_text(struct kcheck_kernel *k, const char *path, const uint8_t *d,
			    size_t len, enum kcheck_config_source src, struct err *reterr)
{
	if (kconfig_parse((const char *)d, len, &k->config, reterr) < 0) {
		err_doing(reterr, "Reading the configuration %s", path);
		return -1;
	}
	k->config_source = src;
	snprintf(k->config_path, sizeof(k->config_path), "%s", path);
	return 0;
}

/* The suffix after "vmlinuz-"/"vmlinux-"/"bzImage-" in a kernel's file name:
 * the key that config-<key> and initrd.img-<key> share. */
static const char *kernel_suffix(const char *base)
{
	static const char *const prefixes[] = {"vmlinuz-", "vmlinux-", "bzImage-", "Image-"};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);
		if (strncmp(base, prefixes[i], pl) == 0 && base[pl])
			return base + pl;
	}
	return NULL;
}

/* Build a path; returns -1 (and leaves "") when it would not fit. */
__attribute__((format(printf, 3, 4))) static int pathf(char *dst, size_t size, const char *fmt,
						       ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		dst[0] = '\0';
		return -1;
	}
	return 0;
}

static int is_regular(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void split_path(const char *path, char *dir, size_t dsize, const char **base)
{
	const char *slash = strrchr(path, '/');
	if (!slash) {
		snprintf(dir, dsize, ".");
		*base = path;
		return;
	}
	size_t n = (size_t)(slash - path);
	if (n == 0)
		n = 1; /* "/vmlinuz" */
	snprintf(dir, dsize, "%.*s", (int)n, path);
	*base = slash + 1;
}

static void find_initramfs(struct kcheck_kernel *k, const char *dir, const char *key);

/* Find and read the companions of a kernel image: its config and initramfs. */
static int load_companions(struct kcheck_kernel *k, struct err *reterr)
{
	char dir[PATH_MAX], cand[PATH_MAX];
	const char *base;
	split_path(k->image_path, dir, sizeof(dir), &base);
	const char *key = kernel_suffix(base);
	if (!key)
		return 0;
	if (k->config_source == KCS_NONE) {
		if (pathf(cand, sizeof(cand), "%s/config-%s", dir, key) == 0 && is_regular(cand)) {
			struct kmap m;
			if (kmap_open(cand, KCONFIG_MAX_TEXT, &m, reterr) < 0)
				return -1;
			int rc = load_config_text(k, cand, m.data, m.len, KCS_FILE, reterr);
			kmap_release(&m);
			if (rc < 0)
				return -1;
		}
	}
	find_initramfs(k, dir, key);
	return 0;
}

/* The initramfs beside a kernel or configuration whose file names end in
 * `key`: found or not, read or not, never a failure (an unreadable one is
 * noted in initramfs_error). */
static void find_initramfs(struct kcheck_kernel *k, const char *dir, const char *key)
{
	char cand[PATH_MAX];
	/* Debian/Ubuntu, then Arch/Fedora/dracut, then older spellings */
	static const struct {
		const char *pre, *post;
	} initrds[] = {{"initrd.img-", ""}, {"initramfs-", ".img"}, {"initramfs-", ""},
		       {"initrd-", ".img"}, {"initrd-", ""}};
	for (size_t i = 0; i < sizeof(initrds) / sizeof(initrds[0]); i++) {
		if (pathf(cand, sizeof(cand), "%s/%s%s%s", dir, initrds[i].pre, key,
			  initrds[i].post) < 0 ||
		    !is_regular(cand))
			continue;
		snprintf(k->initramfs_path, sizeof(k->initramfs_path), "%s", cand);
		struct kmap m;
		struct err e;
		err_clear(&e);
		if (kmap_open(cand, KCHECK_MAX_FILE, &m, &e) == 0) {
			if (initramfs_read(m.data, m.len, &k->initramfs, &e) == 0)
				k->have_initramfs = 1;
			kmap_release(&m);
		}
		if (!k->have_initramfs)
			snprintf(k->initramfs_error, sizeof(k->initramfs_error), "%s", e.message);
		break;
	}
}

/* The configuration stored in the kernel (IKCONFIG), when there is one. */
static void load_ikconfig(struct kcheck_kernel *k, const char *path, const uint8_t *d, size_t len)
{
	struct dynbuf cfg;
	dyn_init(&cfg, KCONFIG_MAX_TEXT);
	struct err e;
	err_clear(&e);
	int rc = bzimage_extract_config(d, len, &k->image, &cfg, &e);
	if (rc == 0 && kconfig_parse(dyn_ptr(&cfg), dyn_len(&cfg), &k->config, &e) == 0) {
		k->config_source = KCS_IKCONFIG;
		snprintf(k->config_path, sizeof(k->config_path), "%s", path);
	}
	/* A kernel without IKCONFIG, or one we cannot unpack, is still worth
	 * checking from its header: the missing config becomes a finding. */
	dyn_free(&cfg);
}

/* A kernel image (in memory, from `path`): its header, then its config. */
static int load_image(struct kcheck_kernel *k, const char *path, const uint8_t *d, size_t len,
		      struct err *reterr)
{
	if (bzimage_parse(d, len, &k->image, reterr) < 0) {
		err_doing(reterr, "Reading the kernel image %s", path);
		return -1;
	}
	k->have_image = 1;
	snprintf(k->image_path, sizeof(k->image_path), "%s", path);
	if (load_companions(k, reterr) < 0)
		return -1;
	if (k->config_source != KCS_NONE)
		return 0;
	load_ikconfig(k, path, d, len);
	return 0;
}

int kcheck_kernel_from_memory(const struct kcheck_memory *m, struct kcheck_kernel *k,
			      struct err *reterr)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", m->name);
	if (!bzimage_sniff(m->image, m->image_len))
		return err_set(reterr, ERR_INPUT, EINVAL, "%s is not a kernel image amiwiz can read",
			       m->name);
	if (bzimage_parse(m->image, m->image_len, &k->image, reterr) < 0) {
		err_doing(reterr, "Reading the kernel image %s", m->name);
		return -1;
	}
	k->have_image = 1;
	snprintf(k->image_path, sizeof(k->image_path), "%s", m->name);
	if (m->config && m->config_name) {
		if (load_config_text(k, m->config_name, (const uint8_t *)m->config, m->config_len,
				     KCS_FILE, reterr) < 0) {
			kcheck_kernel_release(k);
			return -1;
		}
	} else {
		load_ikconfig(k, m->name, m->image, m->image_len);
	}
	if (m->initramfs && m->initramfs_name) {
		struct err e;
		err_clear(&e);
		snprintf(k->initramfs_path, sizeof(k->initramfs_path), "%s", m->initramfs_name);
		if (initramfs_read(m->initramfs, m->initramfs_len, &k->initramfs, &e) == 0)
			k->have_initramfs = 1;
		else
			snprintf(k->initramfs_error, sizeof(k->initramfs_error), "%s", e.message);
	}
	kcheck_kernel_derive(k);
	return 0;
}

/* The header facts of the kernel image at `path` (plain, or compressed as a
 * whole like an arm64 Image.gz) into k->image, without its companions or
 * its stored configuration. */
static int read_image_facts(struct kcheck_kernel *k, const char *path, struct err *reterr)
{
	struct kmap m;
	if (kmap_open(path, KCHECK_MAX_FILE, &m, reterr) < 0)
		return -1;
	int rc;
	if (bzimage_sniff(m.data, m.len)) {
		rc = bzimage_parse(m.data, m.len, &k->image, reterr);
	} else {
		enum decomp_kind kind = decomp_sniff(m.data, m.len);
		struct dynbuf plain;
		dyn_init(&plain, BZIMAGE_MAX_DECOMPRESSED);
		rc = kind == DECOMP_NONE ? err_set(reterr, ERR_INPUT, EINVAL,
						   "this is not a kernel image amiwiz knows")
					 : decomp_to_buf(kind, m.data, m.len,
							 BZIMAGE_MAX_DECOMPRESSED, &plain, NULL,
							 reterr);
		const uint8_t *p = (const uint8_t *)dyn_ptr(&plain);
		size_t pl = dyn_len(&plain);
		if (rc >= 0 && !bzimage_sniff(p, pl))
			rc = err_set(reterr, ERR_INPUT, EINVAL,
				     "it is %s-compressed, but what is inside is not a kernel image",
				     decomp_kind_name(kind));
		else if (rc >= 0)
			rc = bzimage_parse(p, pl, &k->image, reterr);
		if (rc == 0 && k->image.format == KIMAGE_ARM64) {
			k->image.compression = kind;
			k->image.compression_known = 1;
		}
		dyn_free(&plain);
	}
	kmap_release(&m);
	if (rc < 0)
		return -1;
	k->have_image = 1;
	snprintf(k->image_path, sizeof(k->image_path), "%s", path);
	return 0;
}

/* The companions of a configuration named config-<version>: the initramfs
 * beside it, and the kernel image, for the facts only an image shows
 * (architecture, compression, boot protocol, EFI stub).  Neither is needed:
 * an image that cannot be read is noted in image_error. */
static void load_config_companions(struct kcheck_kernel *k, const char *path)
{
	char dir[PATH_MAX], cand[PATH_MAX];
	const char *base;
	split_path(path, dir, sizeof(dir), &base);
	if (strncmp(base, "config-", 7) != 0 || !base[7])
		return;
	const char *key = base + 7;
	static const char *const images[] = {"vmlinuz-", "vmlinux-", "bzImage-", "Image-"};
	for (size_t i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		if (pathf(cand, sizeof(cand), "%s/%s%s", dir, images[i], key) < 0 ||
		    !is_regular(cand))
			continue;
		struct err e;
		err_clear(&e);
		k->image_beside_config = 1;
		if (read_image_facts(k, cand, &e) < 0) {
			memset(&k->image, 0, sizeof(k->image));
			snprintf(k->image_path, sizeof(k->image_path), "%s", cand);
			snprintf(k->image_error, sizeof(k->image_error), "%s", e.message);
		}
		break;
	}
	find_initramfs(k, dir, key);
}

static int load_file(struct kcheck_kernel *k, const char *path, struct err *reterr)
{
	struct kmap m;
	int rc = -1;
	snprintf(k->name, sizeof(k->name), "%s", path);
	if (kmap_open(path, KCHECK_MAX_FILE, &m, reterr) < 0)
		return -1;
	if (bzimage_sniff(m.data, m.len)) {
		rc = load_image(k, path, m.data, m.len, reterr);
		goto done;
	}
	enum decomp_kind kind = decomp_sniff(m.data, m.len);
	if (kind != DECOMP_NONE && m.len >= 6 && memcmp(m.data, "07070", 5) != 0) {
		/* /proc/config.gz, or a compressed kernel such as arm64 Image.gz */
		struct dynbuf plain;
		dyn_init(&plain, BZIMAGE_MAX_DECOMPRESSED);
		rc = decomp_to_buf(kind, m.data, m.len, BZIMAGE_MAX_DECOMPRESSED, &plain, NULL,
				   reterr);
		const uint8_t *p = (const uint8_t *)dyn_ptr(&plain);
		size_t pl = dyn_len(&plain);
		if (rc < 0)
			err_doing(reterr, "Decompressing %s", path);
		else if (bzimage_sniff(p, pl)) {
			rc = load_image(k, path, p, pl, reterr);
			/* an arm64 Image.gz: the file's compression is the gzip
			 * around the Image (a bzImage keeps its payload's) */
			if (rc == 0 && k->image.format == KIMAGE_ARM64) {
				k->image.compression = kind;
				k->image.compression_known = 1;
			}
		} else if (looks_like_config(p, pl)) {
			rc = load_config_text(k, path, p, pl, KCS_GZIP, reterr);
			if (rc == 0)
				load_config_companions(k, path);
		} else {
			rc = err_set(reterr, ERR_INPUT, EINVAL,
				     "%s is %s-compressed, but what is inside is neither a kernel nor a kernel configuration",
				     path, decomp_kind_name(kind));
		}
		dyn_free(&plain);
		goto done;
	}
	if (m.len >= 6 && memcmp(m.data, "07070", 5) == 0) {
		rc = err_set(reterr, ERR_INPUT, EINVAL,
			     "%s is an initramfs; give the kernel beside it (vmlinuz-<version>) or the folder that holds both",
			     path);
		goto done;
	}
	if (looks_like_config(m.data, m.len)) {
		rc = load_config_text(k, path, m.data, m.len, KCS_FILE, reterr);
		if (rc == 0)
			load_config_companions(k, path);
		goto done;
	}
	rc = err_set(reterr, ERR_INPUT, EINVAL,
		     "%s is neither a kernel image (bzImage, vmlinux, arm64 Image) nor a kernel configuration",
		     path);
done:
	kmap_release(&m);
	if (rc == 0)
		kcheck_kernel_derive(k);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A root or /boot folder: one kernel per vmlinuz-* (or vmlinux-*). */
static int load_dir(const char *path, struct kcheck_kernel **ret, size_t *ret_n, struct err *reterr)
{
	char dir[PATH_MAX], trimmed[PATH_MAX];
	struct stat st;
	if (pathf(trimmed, sizeof(trimmed), "%s", path) < 0)
		return err_set(reterr, ERR_INPUT, ENAMETOOLONG, "the path is too long");
	for (size_t l = strlen(trimmed); l > 1 && trimmed[l - 1] == '/'; l--)
		trimmed[l - 1] = '\0';
	path = trimmed;
	if (pathf(dir, sizeof(dir), "%s/boot", path) < 0 || stat(dir, &st) < 0 ||
	    !S_ISDIR(st.st_mode))
		if (pathf(dir, sizeof(dir), "%s", path) < 0)
			return err_set(reterr, ERR_INPUT, ENAMETOOLONG, "the path is too long");
	DIR *dh = opendir(dir);
	if (!dh)
		return err_sys(reterr, errno, "cannot list %s", dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;
	struct kcheck_kernel *list = NULL;
	struct dirent *de;
	while ((de = readdir(dh))) {
		const char *key = kernel_suffix(de->d_name);
		if (!key || strncmp(de->d_name, "Image-", 6) == 0)
			continue;
		size_t kl = strlen(key);
		/* leftovers such as vmlinuz-6.1.0.old or .bak are not kernels to check */
		if ((kl > 4 && strcmp(key + kl - 4, ".old") == 0) ||
		    (kl > 4 && strcmp(key + kl - 4, ".bak") == 0))
			continue;
		char full[PATH_MAX];
		if (pathf(full, sizeof(full), "%s/%s", dir, de->d_name) < 0 || !is_regular(full))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			char **nn = realloc(names, cap * sizeof(*nn));
			if (!nn) {
				err_sys(reterr, ENOMEM, "listing %s", dir);
				goto fail;
			}
			names = nn;
		}
		if (!(names[n] = strdup(full))) {
			err_sys(reterr, ENOMEM, "listing %s", dir);
			goto fail;
		}
		n++;
	}
	if (n == 0) {
		err_set(reterr, ERR_INPUT, ENOENT,
			"no kernel found in %s (looked for vmlinuz-* in %s/boot and in %s)", path,
			path, path);
		goto fail;
	}
	qsort(names, n, sizeof(*names), name_cmp);
	list = calloc(n, sizeof(*list));
	if (!list) {
		err_sys(reterr, ENOMEM, "listing %s", dir);
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		if (load_file(&list[i], names[i], reterr) < 0)
			goto fail;
	*ret = list;
	*ret_n = n;
	list = NULL;
	rc = 0;
fail:
	if (list)
		kcheck_kernels_free(list, n);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(dh);
	return rc;
}

int kcheck_load(const char *path, struct kcheck_kernel **ret, size_t *ret_n, struct err *reterr)
{
	struct stat st;
	*ret = NULL;
	*ret_n = 0;
	if (stat(path, &st) < 0)
		return err_sys(reterr, errno, "cannot read %s", path);
	if (S_ISDIR(st.st_mode))
		return load_dir(path, ret, ret_n, reterr);
	struct kcheck_kernel *k = calloc(1, sizeof(*k));
	if (!k)
		return err_sys(reterr, ENOMEM, "reading %s", path);
	if (load_file(k, path, reterr) < 0) {
		kcheck_kernels_free(k, 1);
		return -1;
	}
	*ret = k;
	*ret_n = 1;
	return 0;
}

/* ---- rules ---- */

struct rs {
	struct kcheck_result *r;
	size_t cap;
	int oom;
};

__attribute__((format(printf, 6, 7))) static void add(struct rs *s, enum kcheck_finding_id id,
						       enum kcheck_severity sev, const char *option,
						       const char *needs, const char *has_fmt, ...)
{
	if (s->r->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 8;
		void *nf = realloc(s->r->findings, ncap * sizeof(*s->r->findings));
		if (!nf) {
			s->oom = 1;
			return;
		}
		s->r->findings = nf;
		s->cap = ncap;
	}
	struct kcheck_finding *f = &s->r->findings[s->r->n++];
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->severity = sev;
	snprintf(f->option, sizeof(f->option), "%s", option);
	snprintf(f->needs, sizeof(f->needs), "%s", needs);
	va_list ap;
	va_start(ap, has_fmt);
	vsnprintf(f->has, sizeof(f->has), has_fmt, ap);
	va_end(ap);
}

static const char *tri_text(char t)
{
	switch (t) {
	case 'y':
		return "=y (built in)";
	case 'm':
		return "=m (a module)";
	case 'n':
		return "not set";
	default:
		return "not in the configuration";
	}
}

static const char *initramfs_name(const struct kcheck_kernel *k)
{
	const char *s = strrchr(k->initramfs_path, '/');
	return s ? s + 1 : k->initramfs_path;
}

/* A driver the target needs.  Built in: fine.  A module: fine when it is not
 * needed before the root disk is mounted, otherwise only when the initramfs
 * carries it. */
static void need_driver(struct rs *s, const struct kcheck_kernel *k, const struct kdriver *d,
			enum kcheck_severity missing)
{
	char t = kconfig_tristate(&k->config, d->option);
	char needs[160];
	if (d->early)
		snprintf(needs, sizeof(needs), "=y, or =m with %s.ko in the initramfs", d->module);
	else
		snprintf(needs, sizeof(needs), "=y or =m (%s)", d->module);
	if (t == 'y')
		return;
	if (t != 'm') {
		add(s, KF_DRIVER_MISSING, missing, d->option, needs, "%s", tri_text(t));
		return;
	}
	if (!d->early)
		return;
	if (kconfig_tristate(&k->config, "BLK_DEV_INITRD") != 'y') {
		add(s, KF_INITRD_SUPPORT_MISSING, KSEV_BLOCKER, "CONFIG_BLK_DEV_INITRD", "=y",
		    "%s is a module, and CONFIG_BLK_DEV_INITRD is %s", d->module,
		    tri_text(kconfig_tristate(&k->config, "BLK_DEV_INITRD")));
		return;
	}
	if (k->have_initramfs) {
		if (initramfs_has_module(&k->initramfs, d->module))
			add(s, KF_MODULE_IN_INITRAMFS, KSEV_NOTE, d->option, needs,
			    "=m, and %s.ko is in %s", d->module, initramfs_name(k));
		else
			add(s, KF_MODULE_NOT_IN_INITRAMFS, KSEV_BLOCKER, d->option, needs,
			    "=m, but %s.ko is not in %s", d->module, initramfs_name(k));
	} else if (k->initramfs_path[0]) {
		add(s, KF_MODULE_UNCONFIRMED, KSEV_WARNING, d->option, needs,
		    "=m; %s could not be read: %s", initramfs_name(k), k->initramfs_error);
	} else {
		add(s, KF_MODULE_UNCONFIRMED, KSEV_WARNING, d->option, needs,
		    "=m, and no initramfs was found beside the kernel to confirm it");
	}
}

static void need_arch(struct rs *s, const struct kcheck_kernel *k, const char *needs,
		      int ok_x86_32, int ok_x86_64, int ok_arm64)
{
	int ok = (k->arch == KARCH_X86_32 && ok_x86_32) || (k->arch == KARCH_X86_64 && ok_x86_64) ||
		 (k->arch == KARCH_ARM64 && ok_arm64);
	if (k->arch == KARCH_UNKNOWN)
		add(s, KF_ARCH_UNKNOWN, KSEV_WARNING, "architecture", needs, "unknown");
	else if (!ok)
		add(s, KF_ARCH_WRONG, KSEV_BLOCKER, "architecture", needs, "%s", karch_name(k->arch));
}

static int version_at_least(const struct kcheck_kernel *k, unsigned major, unsigned minor)
{
	return k->ver_major > major || (k->ver_major == major && k->ver_minor >= minor);
}

/* pv-grub unpacks the kernel itself: which versions can read this one? */
static void pv_compression(struct rs *s, const struct kcheck_kernel *k)
{
	if (!k->compression_known) {
		add(s, KF_COMP_UNKNOWN, KSEV_WARNING, "compression", "gzip (any pv-grub) or xz (1.04+)",
		    "not recognised");
		return;
	}
	for (size_t i = 0; i < sizeof(pvgrub_comps) / sizeof(pvgrub_comps[0]); i++) {
		const struct pvgrub_comp *c = &pvgrub_comps[i];
		if (c->kind != k->compression)
			continue;
		if (c->min_version > s->r->min_pvgrub)
			s->r->min_pvgrub = c->min_version;
		if (!c->has_finding)
			return;
		enum kcheck_finding_id id = c->min_version == 0     ? KF_COMP_UNSUPPORTED
					    : c->sev == KSEV_NOTE ? KF_COMP_PVGRUB_104
								  : KF_COMP_UNRELIABLE;
		add(s, id, c->sev, "compression", "gzip (any pv-grub) or xz (1.04+)", "%s",
		    decomp_kind_name(k->compression));
		return;
	}
}

static void rules_pv(struct rs *s, const struct kcheck_kernel *k, int is32)
{
	if (is32) {
		need_arch(s, k, "32-bit x86 (i386)", 1, 0, 0);
		/* the version rule only matters for a kernel that could be 32-bit */
		if (k->arch == KARCH_X86_64 || k->arch == KARCH_ARM64)
			;
		else if (!k->ver_major)
			add(s, KF_VERSION_UNKNOWN, KSEV_WARNING, "version", "older than 5.9", "unknown");
		else if (version_at_least(k, 5, 9))
			add(s, KF_PV32_REMOVED, KSEV_BLOCKER, "version", "older than 5.9", "%s",
			    k->release);
	} else {
		need_arch(s, k, "64-bit x86 (x86_64)", 0, 1, 0);
	}
	pv_compression(s, k);
	if (k->config_source == KCS_NONE) {
		add(s, KF_NO_CONFIG, KSEV_WARNING, "configuration", "Xen PV guest options",
		    "no configuration found");
		return;
	}
	const struct kconfig *c = &k->config;
	/* PAE and XEN_PV are x86 options: on an arm64 kernel their absence says
	 * nothing the wrong-architecture blocker has not said already */
	int x86 = k->arch != KARCH_ARM64;
	if (is32 && x86 && k->arch != KARCH_X86_64 && kconfig_tristate(c, "X86_PAE") != 'y')
		add(s, KF_PAE_MISSING, KSEV_BLOCKER, "CONFIG_X86_PAE", "=y", "%s",
		    tri_text(kconfig_tristate(c, "X86_PAE")));
	if (kconfig_tristate(c, "XEN") != 'y') {
		add(s, KF_XEN_MISSING, KSEV_BLOCKER, "CONFIG_XEN", "=y", "%s",
		    tri_text(kconfig_tristate(c, "XEN")));
	} else if (x86 && kconfig_tristate(c, "XEN_PV") != 'y' &&
		   (kconfig_get(c, "XEN_PV") || version_at_least(k, 4, 14)) &&
		   !(is32 && version_at_least(k, 5, 9))) {
		/* (a 32-bit 5.9+ kernel cannot have XEN_PV: pv32-removed says why) */
		/* XEN_PV exists from Linux 4.14; older kernels are PV-capable with XEN alone */
		add(s, KF_XEN_PV_MISSING, KSEV_BLOCKER, "CONFIG_XEN_PV", "=y", "%s",
		    tri_text(kconfig_tristate(c, "XEN_PV")));
	}
	need_driver(s, k, &drv_xen_blk, KSEV_BLOCKER);
	need_driver(s, k, &drv_xen_net, KSEV_BLOCKER);
	if (kconfig_tristate(c, "HVC_XEN") != 'y')
		add(s, KF_CONSOLE_MISSING, KSEV_WARNING, "CONFIG_HVC_XEN", "=y", "%s",
		    tri_text(kconfig_tristate(c, "HVC_XEN")));
}

static void rules_hvm_xen(struct rs *s, const struct kcheck_kernel *k)
{
	need_arch(s, k, "x86 (i386 or x86_64)", 1, 1, 0);
	if (k->config_source == KCS_NONE) {
		add(s, KF_NO_CONFIG, KSEV_WARNING, "configuration", "Xen PV-on-HVM drivers",
		    "no configuration found");
		return;
	}
	const struct kconfig *c = &k->config;
	if (kconfig_tristate(c, "XEN") != 'y')
		add(s, KF_XEN_MISSING, KSEV_BLOCKER, "CONFIG_XEN", "=y", "%s",
		    tri_text(kconfig_tristate(c, "XEN")));
	else if (k->arch != KARCH_ARM64 && kconfig_tristate(c, "XEN_PVHVM") != 'y')
		add(s, KF_PVHVM_MISSING, KSEV_WARNING, "CONFIG_XEN_PVHVM", "=y", "%s",
		    tri_text(kconfig_tristate(c, "XEN_PVHVM")));
	need_driver(s, k, &drv_xen_blk, KSEV_BLOCKER);
	need_driver(s, k, &drv_xen_net, KSEV_BLOCKER);
}

static void rules_nitro(struct rs *s, const struct kcheck_kernel *k)
{
	need_arch(s, k, "x86_64 or arm64", 0, 1, 1);
	if (k->arch == KARCH_ARM64 && k->have_image && !k->image.efi_stub)
		add(s, KF_EFI_STUB_MISSING, KSEV_WARNING, "EFI stub", "a PE/COFF (EFI) header",
		    "none");
	if (k->config_source == KCS_NONE) {
		add(s, KF_NO_CONFIG, KSEV_WARNING, "configuration", "NVMe and ENA drivers",
		    "no configuration found");
		return;
	}
	need_driver(s, k, &drv_nvme, KSEV_BLOCKER);
	need_driver(s, k, &drv_ena, KSEV_BLOCKER);
}

static int import_listed(const char *release)
{
	for (size_t i = 0; i < sizeof(import_kernels) / sizeof(import_kernels[0]); i++) {
		size_t l = strlen(import_kernels[i]);
		if (strncmp(release, import_kernels[i], l) == 0 &&
		    !(release[l] >= '0' && release[l] <= '9'))
			return 1;
	}
	return 0;
}

static void rules_import(struct rs *s, const struct kcheck_kernel *k)
{
	if (k->arch == KARCH_ARM64)
		add(s, KF_IMPORT_ARM64, KSEV_BLOCKER, "architecture", "x86_64", "arm64");
	else
		need_arch(s, k, "64-bit x86 (x86_64)", 0, 1, 0);
	if (!k->ver_major)
		add(s, KF_VERSION_UNKNOWN, KSEV_WARNING, "version", "a version VM Import lists",
		    "unknown");
	else if (import_listed(k->release))
		add(s, KF_IMPORT_KERNEL_LISTED, KSEV_NOTE, "version", "a version VM Import lists",
		    "%s", k->release);
	else
		add(s, KF_IMPORT_KERNEL_UNLISTED, KSEV_WARNING, "version",
		    "a version VM Import lists", "%s", k->release);
}

static int finding_order(const void *a, const void *b)
{
	const struct kcheck_finding *x = a, *y = b;
	return (int)y->severity - (int)x->severity;
}

int kcheck_evaluate(const struct kcheck_kernel *k, enum kcheck_target t, struct kcheck_result *ret,
		    struct err *reterr)
{
	memset(ret, 0, sizeof(*ret));
	ret->target = t;
	struct rs s = {ret, 0, 0};
	switch (t) {
	case KT_PV_I386:
		rules_pv(&s, k, 1);
		break;
	case KT_PV_X86_64:
		rules_pv(&s, k, 0);
		break;
	case KT_HVM_XEN:
		rules_hvm_xen(&s, k);
		break;
	case KT_NITRO:
		rules_nitro(&s, k);
		break;
	case KT_IMPORT:
		rules_import(&s, k);
		break;
	case KT_MAX:
	default:
		return err_set(reterr, ERR_INTERNAL, 0, "unknown target %d", (int)t);
	}
	if (s.oom) {
		kcheck_result_free(ret);
		return err_sys(reterr, ENOMEM, "checking the kernel");
	}
	/* stable: keep rule order within a severity */
	for (size_t i = 1; i < ret->n; i++)
		for (size_t j = i; j > 0 && finding_order(&ret->findings[j - 1], &ret->findings[j]) > 0;
		     j--) {
			struct kcheck_finding tmp = ret->findings[j];
			ret->findings[j] = ret->findings[j - 1];
			ret->findings[j - 1] = tmp;
		}
	if (kcheck_result_count(ret, KSEV_BLOCKER)) {
		ret->verdict = KV_CANNOT_BOOT;
		ret->min_pvgrub = 0;
	} else if (kcheck_result_count(ret, KSEV_WARNING)) {
		ret->verdict = KV_BOOTS_WITH_WARNINGS;
	} else {
		ret->verdict = KV_BOOTS;
	}
	if (ret->min_pvgrub == 100)
		ret->min_pvgrub = 0; /* every version: nothing to say */
	return 0;
}

void kcheck_result_free(struct kcheck_result *r)
{
	if (!r)
		return;
	free(r->findings);
	memset(r, 0, sizeof(*r));
}

size_t kcheck_result_count(const struct kcheck_result *r, enum kcheck_severity sev)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += r->findings[i].severity == sev;
	return n;
}
