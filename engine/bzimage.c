#include "engine/bzimage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kconfig.h"

static const char *const format_names[KIMAGE_FORMAT_MAX] = {
#define X(id, name) [id] = name,
	KIMAGE_FORMATS(X)
#undef X
};
static const char *const arch_names[KARCH_MAX] = {
#define X(id, name) [id] = name,
	KARCHES(X)
#undef X
};

const char *kimage_format_name(enum kimage_format f)
{
	return (unsigned)f < KIMAGE_FORMAT_MAX ? format_names[f] : "?";
}

const char *karch_name(enum karch a)
{
	return (unsigned)a < KARCH_MAX ? arch_names[a] : "?";
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int is_bzimage(const uint8_t *d, size_t len)
{
	return len >= 0x240 && memcmp(d + 0x202, "HdrS", 4) == 0;
}

static int is_arm64(const uint8_t *d, size_t len)
{
	return len >= 64 && memcmp(d + 56, "ARM\x64", 4) == 0;
}

static int is_zboot(const uint8_t *d, size_t len)
{
	return len >= 64 && d[0] == 'M' && d[1] == 'Z' && memcmp(d + 4, "zimg", 4) == 0;
}

static int is_elf(const uint8_t *d, size_t len)
{
	return len >= 64 && memcmp(d, "\x7f" "ELF", 4) == 0;
}

int bzimage_sniff(const uint8_t *d, size_t len)
{
	return is_bzimage(d, len) || is_arm64(d, len) || is_zboot(d, len) || is_elf(d, len);
}

/* A PE/COFF header: "MZ" and a PE signature where e_lfanew points. */
static int has_pe(const uint8_t *d, size_t len)
{
	if (len < 0x40 || d[0] != 'M' || d[1] != 'Z')
		return 0;
	uint32_t pe = le32(d + 0x3c);
	return pe <= len - 4 && memcmp(d + pe, "PE\0\0", 4) == 0;
}

/* Copy a printable string found at d[off..] into dst (stops at NUL, the end of
 * the data or the first control character). */
static void copy_text(char *dst, size_t size, const uint8_t *d, size_t len, size_t off)
{
	size_t n = 0;
	while (off + n < len && n + 1 < size && d[off + n] >= 0x20 && d[off + n] < 0x7f)
		n++;
	memcpy(dst, d + off, n);
	dst[n] = '\0';
}

/* release = the first word of the version text */
static void set_release(struct kimage_info *k)
{
	size_t n = strcspn(k->version_text, " ");
	if (n >= sizeof(k->release))
		n = sizeof(k->release) - 1;
	memcpy(k->release, k->version_text, n);
	k->release[n] = '\0';
}

/* The "Linux version 6.1.0 (...)" banner of an uncompressed kernel. */
static void find_banner(struct kimage_info *k, const uint8_t *d, size_t len)
{
	static const char tag[] = "Linux version ";
	const uint8_t *p = d, *end = d + len;
	while (p < end) {
		const uint8_t *hit = memmem(p, (size_t)(end - p), tag, sizeof(tag) - 1);
		if (!hit)
			return;
		size_t off = (size_t)(hit - d) + sizeof(tag) - 1;
		if (off < len && d[off] >= '0' && d[off] <= '9') {
			copy_text(k->version_text, sizeof(k->version_text), d, len, off);
			set_release(k);
			return;
		}
		p = hit + 1;
	}
}

static int parse_bzimage(const uint8_t *d, size_t len, struct kimage_info *k, struct err *reterr)
{
	k->format = KIMAGE_BZIMAGE;
	k->protocol = le16(d + 0x206);
	if (k->protocol < 0x200)
		return err_set(reterr, ERR_INPUT, EINVAL,
			       "this bzImage uses boot protocol %u.%02u, older than any EC2 boot loader reads",
			       k->protocol >> 8, k->protocol & 0xff);
	unsigned setup_sects = d[0x1f1] ? d[0x1f1] : 4;
	size_t pm_off = ((size_t)setup_sects + 1) * 512;
	if (pm_off > len)
		return err_set(reterr, ERR_INPUT, EINVAL,
			       "this bzImage is cut short: its setup code alone should be %zu bytes, the file has %zu",
			       pm_off, len);
	uint16_t kv = le16(d + 0x20e);
	if (kv && (size_t)kv + 0x200 < len) {
		copy_text(k->version_text, sizeof(k->version_text), d, len, (size_t)kv + 0x200);
		set_release(k);
	}
	if (k->protocol >= 0x20c && len >= 0x238) {
		k->xloadflags = le16(d + 0x236);
		k->arch = (k->xloadflags & XLF_KERNEL_64) ? KARCH_X86_64 : KARCH_X86_32;
		k->efi_handover = (k->xloadflags & (XLF_EFI_HANDOVER_32 | XLF_EFI_HANDOVER_64)) != 0;
	}
	if (k->protocol >= 0x20b && len >= 0x268 && le32(d + 0x264) != 0)
		k->efi_handover = 1;
	k->efi_stub = has_pe(d, len);
	if (k->protocol >= 0x208 && len >= 0x250) {
		uint32_t poff = le32(d + 0x248), plen = le32(d + 0x24c);
		if (plen == 0 || poff > len - pm_off || plen > len - pm_off - poff)
			return err_set(reterr, ERR_INPUT, EINVAL,
				       "this bzImage is cut short or damaged: its payload (%u bytes at %zu) lies outside the %zu-byte file",
				       plen, pm_off + poff, len);
		k->payload_off = pm_off + poff;
		k->payload_len = plen;
		k->compression = decomp_sniff(d + k->payload_off, k->payload_len);
		k->compression_known = 1;
		if (k->compression == DECOMP_NONE && !is_elf(d + k->payload_off, plen))
			k->compression_known = 0;
	}
	return 0;
}

/* The outer PE file of a zboot image says nothing of the kernel it carries:
 * the architecture is in the inner image's header and the version in its
 * banner, so the payload is decompressed (bounded, and only as far as the
 * banner) and scanned as it streams by.  Only a window of the output is
 * kept: the banner may straddle two chunks, so the tail of each chunk is
 * carried over to the next. */
#define ZSCAN_CARRY 256u

struct zscan {
	struct kimage_info *k;
	uint8_t head[64];
	size_t head_len;
	uint8_t *win;     /* carry + the current chunk */
	size_t win_cap;
	size_t carry;     /* bytes of the previous chunk kept at win[0..carry) */
};

/* Look for the banner in win[0..n); `final` when no more data will come.
 * Returns 1 when found (the scan can stop). */
static int zscan_banner(struct zscan *z, size_t n, int final)
{
	static const char tag[] = "Linux version ";
	const uint8_t *p = z->win, *end = z->win + n;
	while (p < end) {
		const uint8_t *hit = memmem(p, (size_t)(end - p), tag, sizeof(tag) - 1);
		if (!hit)
			break;
		size_t off = (size_t)(hit - z->win) + sizeof(tag) - 1;
		if (!final && n - off < sizeof(z->k->version_text)) {
			/* the text may go on in the next chunk: keep it all */
			memmove(z->win, hit, n - (size_t)(hit - z->win));
			z->carry = n - (size_t)(hit - z->win);
			return 0;
		}
		if (off < n && z->win[off] >= '0' && z->win[off] <= '9') {
			copy_text(z->k->version_text, sizeof(z->k->version_text), z->win, n, off);
			set_release(z->k);
			return 1;
		}
		p = hit + 1;
	}
	size_t keep = n < ZSCAN_CARRY ? n : ZSCAN_CARRY;
	memmove(z->win, z->win + n - keep, keep);
	z->carry = keep;
	return 0;
}

static int zscan_sink(void *ctx, const uint8_t *data, size_t len, struct err *reterr)
{
	struct zscan *z = ctx;
	if (z->head_len < sizeof(z->head)) {
		size_t n = sizeof(z->head) - z->head_len < len ? sizeof(z->head) - z->head_len : len;
		memcpy(z->head + z->head_len, data, n);
		z->head_len += n;
	}
	if (z->carry + len > z->win_cap) {
		size_t cap = z->carry + len;
		uint8_t *w = realloc(z->win, cap);
		if (!w)
			return err_set(reterr, ERR_SYSTEM, ENOMEM, "out of memory");
		z->win = w;
		z->win_cap = cap;
	}
	memcpy(z->win + z->carry, data, len);
	return zscan_banner(z, z->carry + len, 0);
}

static int zboot_inner(const uint8_t *payload, size_t plen, struct kimage_info *k,
		       struct err *reterr)
{
	struct zscan z;
	memset(&z, 0, sizeof(z));
	z.k = k;
	int rc = decomp_run(k->compression, payload, plen, BZIMAGE_MAX_DECOMPRESSED, zscan_sink,
			    &z, NULL, reterr);
	if (rc == 0 && !k->version_text[0] && z.carry)
		zscan_banner(&z, z.carry, 1);
	free(z.win);
	if (rc < 0) {
		err_doing(reterr, "Decompressing the kernel inside this EFI zboot image");
		return -1;
	}
	if (!is_arm64(z.head, z.head_len))
		return err_set(reterr, ERR_INPUT, EINVAL,
			       "the kernel inside this EFI zboot image is not an arm64 Image (EC2 runs x86_64 and arm64 kernels only)");
	k->arch = KARCH_ARM64;
	return 0;
}

static int parse_zboot(const uint8_t *d, size_t len, struct kimage_info *k, struct err *reterr)
{
	k->format = KIMAGE_ZBOOT;
	k->efi_stub = has_pe(d, len);
	uint32_t poff = le32(d + 8), plen = le32(d + 12);
	if (plen == 0 || poff > len || plen > len - poff)
		return err_set(reterr, ERR_INPUT, EINVAL,
			       "this EFI zboot image is cut short: its payload lies outside the file");
	k->payload_off = poff;
	k->payload_len = plen;
	char comp[33];
	memcpy(comp, d + 24, 32);
	comp[32] = '\0';
	for (int i = 0; i < DECOMP_KIND_MAX; i++)
		if (strcmp(comp, decomp_kind_name((enum decomp_kind)i)) == 0) {
			k->compression = (enum decomp_kind)i;
			k->compression_known = 1;
		}
	if (!k->compression_known) {
		k->compression = decomp_sniff(d + poff, plen);
		k->compression_known = k->compression != DECOMP_NONE;
	}
	if (!k->compression_known || !decomp_supported(k->compression))
		return 0;
	return zboot_inner(d + poff, plen, k, reterr);
}

static int parse_elf(const uint8_t *d, size_t len, struct kimage_info *k, struct err *reterr)
{
	k->format = KIMAGE_ELF;
	int be = d[5] == 2;
	uint16_t machine = be ? (uint16_t)(d[18] << 8 | d[19]) : le16(d + 18);
	switch (machine) {
	case 3:
		k->arch = KARCH_X86_32;
		break;
	case 62:
		k->arch = KARCH_X86_64;
		break;
	case 183:
		k->arch = KARCH_ARM64;
		break;
	default:
		return err_set(reterr, ERR_INPUT, EINVAL,
			       "this ELF file is for machine type %u, not x86 or arm64", machine);
	}
	k->compression = DECOMP_NONE;
	k->compression_known = 1;
	k->payload_off = 0;
	k->payload_len = len;
	find_banner(k, d, len);
	return 0;
}

int bzimage_parse(const uint8_t *d, size_t len, struct kimage_info *ret, struct err *reterr)
{
	memset(ret, 0, sizeof(*ret));
	if (is_bzimage(d, len))
		return parse_bzimage(d, len, ret, reterr);
	if (is_zboot(d, len))
		return parse_zboot(d, len, ret, reterr);
	if (is_arm64(d, len)) {
		ret->format = KIMAGE_ARM64;
		ret->arch = KARCH_ARM64;
		ret->efi_stub = has_pe(d, len);
		ret->compression = DECOMP_NONE;
		ret->compression_known = 1;
		ret->payload_len = len;
		find_banner(ret, d, len);
		return 0;
	}
	if (is_elf(d, len))
		return parse_elf(d, len, ret, reterr);
	if (len >= 2 && d[0] == 'M' && d[1] == 'Z' && len < 0x240)
		return err_set(reterr, ERR_INPUT, EINVAL,
			       "this looks like the start of a kernel image, but it is cut short (%zu bytes)",
			       len);
	return err_set(reterr, ERR_INPUT, EINVAL, "this is not a kernel image amiwiz knows");
}

/* ---- IKCONFIG ---- */

#define IKCFG_ST "IKCFG_ST"
#define IKCFG_ED "IKCFG_ED"

static int ikconfig_blob(const uint8_t *blob, size_t len, struct dynbuf *out, struct err *reterr)
{
	int rc = decomp_to_buf(DECOMP_GZIP, blob, len, KCONFIG_MAX_TEXT, out, NULL, reterr);
	if (rc < 0)
		err_doing(reterr, "Reading the configuration stored in the kernel (IKCONFIG)");
	return rc < 0 ? rc : 0;
}

int bzimage_ikconfig_from_plain(const uint8_t *d, size_t len, struct dynbuf *out,
				struct err *reterr)
{
	const uint8_t *st = memmem(d, len, IKCFG_ST, 8);
	if (!st)
		return 1;
	const uint8_t *start = st + 8;
	const uint8_t *ed = memmem(start, len - (size_t)(start - d), IKCFG_ED, 8);
	if (!ed)
		return err_set(reterr, ERR_INPUT, EINVAL,
			       "the kernel's stored configuration has a start mark but no end mark");
	return ikconfig_blob(start, (size_t)(ed - start), out, reterr);
}

/* Decompressing a whole kernel to find a few kilobytes is wasteful: the sink
 * keeps the output and stops the decoder as soon as the end mark has passed. */
struct ik_scan {
	struct dynbuf plain;
	size_t st;  /* offset just after IKCFG_ST, or 0 */
	size_t ed;  /* offset of IKCFG_ED, or 0 */
};

static int ik_sink(void *ctx, const uint8_t *data, size_t len, struct err *reterr)
{
	struct ik_scan *s = ctx;
	size_t old = dyn_len(&s->plain);
	if (dyn_add(&s->plain, data, len) < 0)
		return err_set(reterr, ERR_INPUT, E2BIG, "the kernel decompresses to too much data");
	const uint8_t *b = (const uint8_t *)dyn_ptr(&s->plain);
	size_t n = dyn_len(&s->plain);
	size_t from = old > 7 ? old - 7 : 0;
	if (!s->st) {
		const uint8_t *st = memmem(b + from, n - from, IKCFG_ST, 8);
		if (!st)
			return 0;
		s->st = (size_t)(st - b) + 8;
		from = s->st;
	}
	if (from < s->st)
		from = s->st;
	const uint8_t *ed = memmem(b + from, n - from, IKCFG_ED, 8);
	if (ed) {
		s->ed = (size_t)(ed - b);
		return 1;
	}
	return 0;
}

int bzimage_extract_config(const uint8_t *d, size_t len, const struct kimage_info *info,
			   struct dynbuf *out, struct err *reterr)
{
	if (info->compression == DECOMP_NONE)
		return bzimage_ikconfig_from_plain(d + info->payload_off, info->payload_len, out,
						   reterr);
	if (!decomp_supported(info->compression))
		return err_set(reterr, ERR_INPUT, ENOTSUP,
			       "amiwiz cannot look inside a %s-compressed kernel",
			       decomp_kind_name(info->compression));
	struct ik_scan s;
	memset(&s, 0, sizeof(s));
	dyn_init(&s.plain, BZIMAGE_MAX_DECOMPRESSED);
	int rc = decomp_run(info->compression, d + info->payload_off, info->payload_len,
			    BZIMAGE_MAX_DECOMPRESSED, ik_sink, &s, NULL, reterr);
	if (rc < 0) {
		err_doing(reterr, "Decompressing the kernel to find its stored configuration");
		goto done;
	}
	if (!s.ed) {
		rc = s.st ? err_set(reterr, ERR_INPUT, EINVAL,
				    "the kernel's stored configuration has a start mark but no end mark")
			  : 1;
		goto done;
	}
	rc = ikconfig_blob((const uint8_t *)dyn_ptr(&s.plain) + s.st, s.ed - s.st, out, reterr);
done:
	dyn_free(&s.plain);
	return rc;
}
