#include "engine/initramfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "help/dynbuf.h"

#define CPIO_HDR 110

struct scan {
	struct initramfs *ir;
	size_t cap;
};

static int hexfield(const uint8_t *p, uint32_t *ret)
{
	uint32_t v = 0;
	for (int i = 0; i < 8; i++) {
		uint8_t c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*ret = v;
	return 0;
}

static void normalise(char *s)
{
	for (; *s; s++)
		if (*s == '-')
			*s = '_';
}

/* Remember `path` when it names a kernel module. */
static int note_file(struct scan *s, const char *path, size_t plen, struct err *reterr)
{
	static const char *const exts[] = {".ko", ".ko.xz", ".ko.zst", ".ko.gz"};
	s->ir->n_files++;
	const char *base = path;
	for (size_t i = 0; i < plen; i++)
		if (path[i] == '/')
			base = path + i + 1;
	size_t blen = plen - (size_t)(base - path);
	for (size_t e = 0; e < sizeof(exts) / sizeof(exts[0]); e++) {
		size_t el = strlen(exts[e]);
		if (blen <= el || memcmp(base + blen - el, exts[e], el) != 0)
			continue;
		if (s->ir->n_modules == s->cap) {
			size_t ncap = s->cap ? s->cap * 2 : 64;
			char **nm = realloc(s->ir->modules, ncap * sizeof(*nm));
			if (!nm)
				return err_sys(reterr, ENOMEM, "reading the initramfs");
			s->ir->modules = nm;
			s->cap = ncap;
		}
		char *name = strndup(base, blen - el);
		if (!name)
			return err_sys(reterr, ENOMEM, "reading the initramfs");
		normalise(name);
		s->ir->modules[s->ir->n_modules++] = name;
		return 0;
	}
	return 0;
}

/* Walk one plain cpio archive starting at d[*pos]; leave *pos after its
 * trailer.  Returns 0 or negative. */
static int walk_cpio(struct scan *s, const uint8_t *d, size_t len, size_t *pos, struct err *reterr)
{
	size_t p = *pos;
	for (;;) {
		if (len - p < CPIO_HDR)
			return err_set(reterr, ERR_INPUT, EINVAL,
				       "the initramfs is cut short (a cpio archive has no end)");
		if (memcmp(d + p, "07070", 5) != 0 || (d[p + 5] != '1' && d[p + 5] != '2'))
			return err_set(reterr, ERR_INPUT, EINVAL,
				       "the initramfs is damaged (bad cpio header at byte %zu)", p);
		uint32_t fsize, nsize;
		if (hexfield(d + p + 54, &fsize) < 0 || hexfield(d + p + 94, &nsize) < 0)
			return err_set(reterr, ERR_INPUT, EINVAL,
				       "the initramfs is damaged (bad cpio header at byte %zu)", p);
		size_t name_off = p + CPIO_HDR;
		if (nsize == 0 || nsize > len - name_off)
			return err_set(reterr, ERR_INPUT, EINVAL, "the initramfs is cut short");
		const char *name = (const char *)d + name_off;
		size_t nlen = strnlen(name, nsize);
		size_t data_off = (name_off + nsize + 3) & ~(size_t)3;
		if (data_off > len || fsize > len - data_off)
			return err_set(reterr, ERR_INPUT, EINVAL, "the initramfs is cut short");
		size_t next = (data_off + fsize + 3) & ~(size_t)3;
		if (nlen == 10 && memcmp(name, "TRAILER!!!", 10) == 0) {
			*pos = next > len ? len : next;
			return 0;
		}
		if (note_file(s, name, nlen, reterr) < 0)
			return -1;
		if (next > len)
			return err_set(reterr, ERR_INPUT, EINVAL, "the initramfs is cut short");
		p = next;
	}
}

static int walk(struct scan *s, const uint8_t *d, size_t len, int depth, struct err *reterr)
{
	size_t pos = 0;
	int found = 0;
	while (pos < len) {
		while (pos < len && d[pos] == 0) /* padding between archives */
			pos++;
		if (pos >= len)
			break;
		if (len - pos >= 6 && memcmp(d + pos, "07070", 5) == 0) {
			if (depth == 0 && s->ir->n_segments < INITRAMFS_MAX_SEGMENTS)
				s->ir->segments[s->ir->n_segments++] = DECOMP_NONE;
			if (walk_cpio(s, d, len, &pos, reterr) < 0)
				return -1;
			found = 1;
			continue;
		}
		enum decomp_kind kind = decomp_sniff(d + pos, len - pos);
		if (kind == DECOMP_NONE || depth > 0) {
			if (found)
				break; /* trailing bytes after the archives: ignore */
			return err_set(reterr, ERR_INPUT, EINVAL,
				       "this is not an initramfs (no cpio archive at byte %zu)", pos);
		}
		if (s->ir->n_segments >= INITRAMFS_MAX_SEGMENTS)
			return err_set(reterr, ERR_INPUT, EINVAL,
				       "the initramfs has more than %d parts", INITRAMFS_MAX_SEGMENTS);
		s->ir->segments[s->ir->n_segments++] = kind;
		struct dynbuf plain;
		dyn_init(&plain, INITRAMFS_MAX_DECOMPRESSED);
		size_t used = 0;
		int rc = decomp_to_buf(kind, d + pos, len - pos, INITRAMFS_MAX_DECOMPRESSED, &plain,
				       &used, reterr);
		if (rc == 0)
			rc = walk(s, (const uint8_t *)dyn_ptr(&plain), dyn_len(&plain), depth + 1,
				  reterr);
		dyn_free(&plain);
		if (rc < 0)
			return -1;
		if (used == 0)
			break;
		pos += used;
		found = 1;
	}
	if (!found)
		return err_set(reterr, ERR_INPUT, EINVAL, "this initramfs is empty");
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int initramfs_read(const uint8_t *data, size_t len, struct initramfs *ret, struct err *reterr)
{
	memset(ret, 0, sizeof(*ret));
	struct scan s = {ret, 0};
	if (walk(&s, data, len, 0, reterr) < 0) {
		initramfs_free(ret);
		return -1;
	}
	if (ret->n_modules)
		qsort(ret->modules, ret->n_modules, sizeof(*ret->modules), name_cmp);
	return 0;
}

void initramfs_free(struct initramfs *ir)
{
	if (!ir)
		return;
	for (size_t i = 0; i < ir->n_modules; i++)
		free(ir->modules[i]);
	free(ir->modules);
	memset(ir, 0, sizeof(*ir));
}

int initramfs_has_module(const struct initramfs *ir, const char *name)
{
	if (!ir || !ir->n_modules)
		return 0;
	char key[128];
	snprintf(key, sizeof(key), "%s", name);
	normalise(key);
	const char *k = key;
	return bsearch(&k, ir->modules, ir->n_modules, sizeof(*ir->modules), name_cmp) != NULL;
}
