#include "engine/decompress.h"

#include <bzlib.h>
#include <errno.h>
#include <limits.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#define CHUNK (256u * 1024u)
/* The most memory the lzma/xz decoder may take: kernels and initramfs use
 * dictionaries of at most 64 MiB; a header asking for more is refused rather
 * than obeyed. */
#define LZMA_MEMLIMIT (200u * 1024u * 1024u)
#define LZ4_LEGACY_MAGIC 0x184C2102u
#define LZ4_LEGACY_BLOCK (8u * 1024u * 1024u)
/* lzop writes 256 KiB blocks and refuses to read any over 64 MiB */
#define LZOP_MAX_BLOCK (64u * 1024u * 1024u)

static const char *const kind_names[DECOMP_KIND_MAX] = {
#define X(id, name) [id] = name,
	DECOMP_KINDS(X)
#undef X
};

const char *decomp_kind_name(enum decomp_kind kind)
{
	if ((unsigned)kind >= DECOMP_KIND_MAX)
		return "?";
	return kind_names[kind];
}

enum decomp_kind decomp_sniff(const uint8_t *d, size_t len)
{
	static const struct {
		enum decomp_kind kind;
		size_t len;
		const char *magic;
	} magics[] = {
		{DECOMP_GZIP, 2, "\x1f\x8b"},
		{DECOMP_GZIP, 2, "\x1f\x9e"}, /* old gzip, still accepted by the kernel */
		{DECOMP_BZIP2, 3, "BZh"},
		{DECOMP_XZ, 6, "\xfd" "7zXZ\0"},
		{DECOMP_LZO, 4, "\x89LZO"},
		{DECOMP_LZ4, 4, "\x02\x21\x4c\x18"}, /* legacy frame, what the kernel writes */
		{DECOMP_LZ4, 4, "\x04\x22\x4d\x18"}, /* current frame format */
		{DECOMP_ZSTD, 4, "\x28\xb5\x2f\xfd"},
		/* lzma "alone": properties byte 0x5d and a 2^n dictionary size */
		{DECOMP_LZMA, 3, "\x5d\x00\x00"},
	};
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (len >= magics[i].len && memcmp(d, magics[i].magic, magics[i].len) == 0)
			return magics[i].kind;
	return DECOMP_NONE;
}

int decomp_supported(enum decomp_kind kind)
{
	return kind != DECOMP_NONE && (unsigned)kind < DECOMP_KIND_MAX;
}

/* Delivery with the ceiling applied in one place for every format. */
struct out {
	decomp_sink sink;
	void *ctx;
	size_t max;
	size_t total;
	enum decomp_kind kind;
};

/* Returns 0 to continue, 1 when the sink stopped, negative on error. */
static int deliver(struct out *o, const uint8_t *data, size_t len, struct err *reterr)
{
	if (len == 0)
		return 0;
	int over = len > o->max - o->total;
	if (over)
		len = o->max - o->total;
	int rc = len ? o->sink(o->ctx, data, len, reterr) : 0;
	o->total += len;
	if (rc)
		return rc;
	if (over)
		return err_set(reterr, ERR_INPUT, E2BIG,
			       "the %s data decompresses to more than %zu MiB, the most amiwiz reads",
			       decomp_kind_name(o->kind), o->max >> 20);
	return 0;
}

static int truncated(enum decomp_kind kind, struct err *reterr)
{
	return err_set(reterr, ERR_INPUT, EINVAL, "the %s data is cut short or damaged",
		       decomp_kind_name(kind));
}

static int run_gzip(const uint8_t *in, size_t inlen, struct out *o, uint8_t *buf, size_t *used,
		    struct err *reterr)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return err_set(reterr, ERR_SYSTEM, ENOMEM, "cannot start the gzip decoder");
	int rc = 0;
	size_t pos = 0;
	for (;;) {
		if (z.avail_in == 0 && pos < inlen) {
			size_t n = inlen - pos > UINT_MAX ? UINT_MAX : inlen - pos;
			z.next_in = (Bytef *)(uintptr_t)(in + pos);
			z.avail_in = (uInt)n;
			pos += n;
		}
		z.next_out = buf;
		z.avail_out = CHUNK;
		int zr = inflate(&z, Z_NO_FLUSH);
		rc = deliver(o, buf, CHUNK - z.avail_out, reterr);
		if (rc)
			break;
		if (zr == Z_STREAM_END)
			break;
		if (zr == Z_OK)
			continue;
		if (zr == Z_BUF_ERROR && z.avail_in == 0 && pos < inlen)
			continue;
		rc = truncated(DECOMP_GZIP, reterr);
		break;
	}
	*used = pos - z.avail_in;
	inflateEnd(&z);
	return rc;
}

static int run_bzip2(const uint8_t *in, size_t inlen, struct out *o, uint8_t *buf, size_t *used,
		     struct err *reterr)
{
	bz_stream s;
	memset(&s, 0, sizeof(s));
	if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK)
		return err_set(reterr, ERR_SYSTEM, ENOMEM, "cannot start the bzip2 decoder");
	int rc = 0;
	size_t pos = 0;
	for (;;) {
		if (s.avail_in == 0 && pos < inlen) {
			size_t n = inlen - pos > UINT_MAX ? UINT_MAX : inlen - pos;
			s.next_in = (char *)(uintptr_t)(in + pos);
			s.avail_in = (unsigned)n;
			pos += n;
		}
		s.next_out = (char *)buf;
		s.avail_out = CHUNK;
		int br = BZ2_bzDecompress(&s);
		rc = deliver(o, buf, CHUNK - s.avail_out, reterr);
		if (rc)
			break;
		if (br == BZ_STREAM_END)
			break;
		if (br == BZ_OK && (s.avail_in > 0 || pos < inlen || s.avail_out == 0))
			continue;
		rc = truncated(DECOMP_BZIP2, reterr);
		break;
	}
	*used = pos - s.avail_in;
	BZ2_bzDecompressEnd(&s);
	return rc;
}

static int run_lzma(enum decomp_kind kind, const uint8_t *in, size_t inlen, struct out *o,
		    uint8_t *buf, size_t *used, struct err *reterr)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret lr = kind == DECOMP_XZ ? lzma_stream_decoder(&s, LZMA_MEMLIMIT, 0)
					: lzma_alone_decoder(&s, LZMA_MEMLIMIT);
	if (lr != LZMA_OK)
		return err_set(reterr, ERR_SYSTEM, ENOMEM, "cannot start the %s decoder",
			       decomp_kind_name(kind));
	int rc = 0;
	s.next_in = in;
	s.avail_in = inlen;
	for (;;) {
		s.next_out = buf;
		s.avail_out = CHUNK;
		lr = lzma_code(&s, LZMA_FINISH);
		rc = deliver(o, buf, CHUNK - s.avail_out, reterr);
		if (rc)
			break;
		if (lr == LZMA_STREAM_END)
			break;
		if (lr == LZMA_OK)
			continue;
		if (lr == LZMA_MEMLIMIT_ERROR)
			rc = err_set(reterr, ERR_INPUT, E2BIG,
				     "the %s data asks for more than %u MiB of memory to decompress",
				     decomp_kind_name(kind), LZMA_MEMLIMIT >> 20);
		else if (lr == LZMA_MEM_ERROR)
			rc = err_set(reterr, ERR_SYSTEM, ENOMEM, "out of memory decompressing %s",
				     decomp_kind_name(kind));
		else
			rc = truncated(kind, reterr);
		break;
	}
	*used = inlen - s.avail_in;
	lzma_end(&s);
	return rc;
}

static int run_zstd(const uint8_t *in, size_t inlen, struct out *o, uint8_t *buf, size_t *used,
		    struct err *reterr)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	if (!z)
		return err_set(reterr, ERR_SYSTEM, ENOMEM, "cannot start the zstd decoder");
	ZSTD_initDStream(z);
	ZSTD_inBuffer ib = {in, inlen, 0};
	int rc = 0;
	for (;;) {
		ZSTD_outBuffer ob = {buf, CHUNK, 0};
		size_t zr = ZSTD_decompressStream(z, &ob, &ib);
		if (ZSTD_isError(zr)) {
			rc = err_set(reterr, ERR_INPUT, EINVAL, "the zstd data is damaged: %s",
				     ZSTD_getErrorName(zr));
			break;
		}
		rc = deliver(o, buf, ob.pos, reterr);
		if (rc)
			break;
		if (zr == 0)
			break; /* end of the frame */
		if (ib.pos == ib.size && ob.pos < ob.size) {
			rc = truncated(DECOMP_ZSTD, reterr);
			break;
		}
	}
	*used = ib.pos;
	ZSTD_freeDStream(z);
	return rc;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The legacy LZ4 format the kernel and `lz4 -l` write: the magic, then blocks
 * of (32-bit compressed size, data), each at most 8 MiB decompressed.  It has
 * no end marker: the stream ends where the next size cannot be a block (the
 * kernel's 4-byte length trailer, or the end of the data). */
static int run_lz4_legacy(const uint8_t *in, size_t inlen, struct out *o, size_t *used,
			  struct err *reterr)
{
	uint8_t *blk = malloc(LZ4_LEGACY_BLOCK);
	if (!blk)
		return err_set(reterr, ERR_SYSTEM, ENOMEM, "out of memory decompressing lz4");
	size_t pos = 4;
	int rc = 0;
	while (inlen - pos >= 4) {
		uint32_t csize = le32(in + pos);
		if (csize == LZ4_LEGACY_MAGIC) { /* another frame follows */
			pos += 4;
			continue;
		}
		if (csize == 0 || csize > inlen - pos - 4 || csize > (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK))
			break;
		int n = LZ4_decompress_safe((const char *)in + pos + 4, (char *)blk, (int)csize,
					    (int)LZ4_LEGACY_BLOCK);
		if (n < 0) {
			rc = err_set(reterr, ERR_INPUT, EINVAL, "the lz4 data is damaged");
			break;
		}
		pos += 4 + csize;
		rc = deliver(o, blk, (size_t)n, reterr);
		if (rc)
			break;
	}
	*used = pos;
	free(blk);
	return rc;
}

static int run_lz4_frame(const uint8_t *in, size_t inlen, struct out *o, uint8_t *buf,
			 size_t *used, struct err *reterr)
{
	LZ4F_dctx *dctx = NULL;
	if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
		return err_set(reterr, ERR_SYSTEM, ENOMEM, "cannot start the lz4 decoder");
	size_t pos = 0;
	int rc = 0;
	for (;;) {
		size_t src = inlen - pos, dst = CHUNK;
		size_t hint = LZ4F_decompress(dctx, buf, &dst, in + pos, &src, NULL);
		if (LZ4F_isError(hint)) {
			rc = err_set(reterr, ERR_INPUT, EINVAL, "the lz4 data is damaged: %s",
				     LZ4F_getErrorName(hint));
			break;
		}
		pos += src;
		rc = deliver(o, buf, dst, reterr);
		if (rc)
			break;
		if (hint == 0)
			break;
		if (pos == inlen && dst == 0) {
			rc = truncated(DECOMP_LZ4, reterr);
			break;
		}
	}
	*used = pos;
	LZ4F_freeDecompressionContext(dctx);
	return rc;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* lzop's header flags (lzop's conf.h) */
#define LZOP_ADLER32_D 0x1u
#define LZOP_ADLER32_C 0x2u
#define LZOP_EXTRA_FIELD 0x40u
#define LZOP_CRC32_D 0x100u
#define LZOP_CRC32_C 0x200u
#define LZOP_FILTER 0x800u
#define LZOP_H_CRC32 0x1000u

/* A cursor over the input that refuses to move past its end. */
struct lzcur {
	const uint8_t *in;
	size_t len, pos;
};

static const uint8_t *lz_take(struct lzcur *c, size_t n)
{
	if (n > c->len - c->pos)
		return NULL;
	const uint8_t *p = c->in + c->pos;
	c->pos += n;
	return p;
}

static int lz_u32(struct lzcur *c, uint32_t *ret)
{
	const uint8_t *p = lz_take(c, 4);
	if (!p)
		return -1;
	*ret = be32(p);
	return 0;
}

static int lzo_damaged(const char *what, struct err *reterr)
{
	return err_set(reterr, ERR_INPUT, EINVAL, "the lzo data is cut short or damaged (%s)",
		       what);
}

/* lzop's header: the magic, versions, method, flags, mode, times, a file name
 * and a checksum of it all (lzop's p_lzo.c and the kernel's
 * lib/decompress_unlzo.c).  Only the LZO1X methods exist in practice; the
 * kernel's `lzop -9` writes LZO1X-999, which lzo1x_decompress_safe reads. */
static int lzop_header(struct lzcur *c, uint32_t *ret_flags, struct err *reterr)
{
	static const uint8_t magic[9] = {0x89, 'L', 'Z', 'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a};
	const uint8_t *m = lz_take(c, sizeof(magic));
	if (!m || memcmp(m, magic, sizeof(magic)) != 0)
		return lzo_damaged("no lzop header", reterr);
	size_t hstart = c->pos;
	const uint8_t *p = lz_take(c, 4);
	if (!p)
		return lzo_damaged("header", reterr);
	unsigned version = (unsigned)p[0] << 8 | p[1];
	if (version < 0x0900)
		return lzo_damaged("not an lzop header", reterr);
	if (version >= 0x0940 && !lz_take(c, 2)) /* version needed to extract */
		return lzo_damaged("header", reterr);
	const uint8_t *method = lz_take(c, 1);
	if (!method)
		return lzo_damaged("header", reterr);
	if (*method < 1 || *method > 3)
		return err_set(reterr, ERR_INPUT, ENOTSUP,
			       "the lzo data uses compression method %u; amiwiz reads LZO1X (1-3)",
			       *method);
	if (version >= 0x0940 && !lz_take(c, 1)) /* level */
		return lzo_damaged("header", reterr);
	uint32_t flags, skip;
	if (lz_u32(c, &flags) < 0 || ((flags & LZOP_FILTER) && lz_u32(c, &skip) < 0) ||
	    !lz_take(c, 8) || (version >= 0x0940 && !lz_take(c, 4)))
		return lzo_damaged("header", reterr);
	const uint8_t *nl = lz_take(c, 1);
	if (!nl || !lz_take(c, *nl))
		return lzo_damaged("header", reterr);
	size_t hlen = c->pos - hstart;
	uint32_t want;
	if (lz_u32(c, &want) < 0)
		return lzo_damaged("header", reterr);
	uint32_t got = (flags & LZOP_H_CRC32) ? (uint32_t)crc32(0, c->in + hstart, (uInt)hlen)
					      : (uint32_t)adler32(1, c->in + hstart, (uInt)hlen);
	if (got != want)
		return lzo_damaged("header checksum", reterr);
	if (flags & LZOP_EXTRA_FIELD) {
		uint32_t xl;
		if (lz_u32(c, &xl) < 0 || !lz_take(c, xl) || !lz_take(c, 4))
			return lzo_damaged("header", reterr);
	}
	*ret_flags = flags;
	return 0;
}

/* Check a block's checksums as lzop wrote them (Adler-32 starting at 1, CRC-32
 * starting at 0: zlib's). */
static int lzop_sums(const uint8_t *data, size_t len, uint32_t flags, uint32_t adler_flag,
		     uint32_t crc_flag, uint32_t adler, uint32_t crc)
{
	if ((flags & adler_flag) && (uint32_t)adler32(1, data, (uInt)len) != adler)
		return -1;
	if ((flags & crc_flag) && (uint32_t)crc32(0, data, (uInt)len) != crc)
		return -1;
	return 0;
}

/* The lzop container the kernel's "lzo" compression writes: a header, then
 * blocks of (uncompressed length, compressed length, checksums, data), ended
 * by an uncompressed length of 0.  A block whose two lengths are equal is
 * stored as it is. */
static int run_lzo(const uint8_t *in, size_t inlen, struct out *o, size_t *used,
		   struct err *reterr)
{
	if (lzo_init() != LZO_E_OK)
		return err_set(reterr, ERR_SYSTEM, 0, "cannot start the lzo decoder");
	struct lzcur c = {in, inlen, 0};
	uint32_t flags = 0;
	uint8_t *blk = NULL;
	size_t cap = 0;
	int rc = lzop_header(&c, &flags, reterr);
	while (rc == 0) {
		uint32_t dlen, clen, dad = 0, dcrc = 0, cad = 0, ccrc = 0;
		if (lz_u32(&c, &dlen) < 0) {
			rc = lzo_damaged("no end mark", reterr);
			break;
		}
		if (dlen == 0)
			break; /* the end of the stream */
		if (dlen > LZOP_MAX_BLOCK || lz_u32(&c, &clen) < 0 || clen == 0 || clen > dlen ||
		    ((flags & LZOP_ADLER32_D) && lz_u32(&c, &dad) < 0) ||
		    ((flags & LZOP_CRC32_D) && lz_u32(&c, &dcrc) < 0) ||
		    (clen < dlen && (flags & LZOP_ADLER32_C) && lz_u32(&c, &cad) < 0) ||
		    (clen < dlen && (flags & LZOP_CRC32_C) && lz_u32(&c, &ccrc) < 0)) {
			rc = lzo_damaged("block header", reterr);
			break;
		}
		const uint8_t *src = lz_take(&c, clen);
		if (!src) {
			rc = lzo_damaged("block", reterr);
			break;
		}
		const uint8_t *plain = src;
		if (clen < dlen) {
			if (lzop_sums(src, clen, flags, LZOP_ADLER32_C, LZOP_CRC32_C, cad, ccrc) < 0) {
				rc = lzo_damaged("block checksum", reterr);
				break;
			}
			if (dlen > cap) {
				uint8_t *nb = realloc(blk, dlen);
				if (!nb) {
					rc = err_set(reterr, ERR_SYSTEM, ENOMEM,
						     "out of memory decompressing lzo");
					break;
				}
				blk = nb;
				cap = dlen;
			}
			lzo_uint n = dlen;
			int lr = lzo1x_decompress_safe(src, clen, blk, &n, NULL);
			if (lr != LZO_E_OK || n != dlen) {
				rc = lzo_damaged("block", reterr);
				break;
			}
			plain = blk;
		}
		if (lzop_sums(plain, dlen, flags, LZOP_ADLER32_D, LZOP_CRC32_D, dad, dcrc) < 0) {
			rc = lzo_damaged("checksum", reterr);
			break;
		}
		rc = deliver(o, plain, dlen, reterr);
	}
	*used = c.pos;
	free(blk);
	return rc;
}

int decomp_run(enum decomp_kind kind, const uint8_t *in, size_t inlen, size_t max_out,
	       decomp_sink sink, void *ctx, size_t *ret_used, struct err *reterr)
{
	struct out o = {sink, ctx, max_out, 0, kind};
	size_t used = 0;
	int rc;
	if (!decomp_supported(kind))
		return err_set(reterr, ERR_INPUT, ENOTSUP, "amiwiz cannot decompress %s data",
			       decomp_kind_name(kind));
	if (kind == DECOMP_LZ4 && inlen >= 4 && le32(in) == LZ4_LEGACY_MAGIC) {
		rc = run_lz4_legacy(in, inlen, &o, &used, reterr);
		goto done;
	}
	if (kind == DECOMP_LZO) {
		rc = run_lzo(in, inlen, &o, &used, reterr);
		goto done;
	}
	uint8_t *buf = malloc(CHUNK);
	if (!buf)
		return err_set(reterr, ERR_SYSTEM, ENOMEM, "out of memory");
	switch (kind) {
	case DECOMP_GZIP:
		rc = run_gzip(in, inlen, &o, buf, &used, reterr);
		break;
	case DECOMP_BZIP2:
		rc = run_bzip2(in, inlen, &o, buf, &used, reterr);
		break;
	case DECOMP_LZMA:
	case DECOMP_XZ:
		rc = run_lzma(kind, in, inlen, &o, buf, &used, reterr);
		break;
	case DECOMP_ZSTD:
		rc = run_zstd(in, inlen, &o, buf, &used, reterr);
		break;
	case DECOMP_LZ4:
		rc = run_lz4_frame(in, inlen, &o, buf, &used, reterr);
		break;
	case DECOMP_NONE:
	case DECOMP_LZO: /* above: it needs no chunk buffer */
	case DECOMP_KIND_MAX:
	default:
		rc = err_set(reterr, ERR_INTERNAL, 0, "unexpected decompressor");
		break;
	}
	free(buf);
done:
	if (ret_used)
		*ret_used = used;
	return rc;
}

static int buf_sink(void *ctx, const uint8_t *data, size_t len, struct err *reterr)
{
	int rc = dyn_add(ctx, data, len);
	if (rc == -E2BIG)
		return err_set(reterr, ERR_INPUT, E2BIG, "the decompressed data is too large");
	if (rc)
		return err_sys(reterr, -rc, "decompressing");
	return 0;
}

int decomp_to_buf(enum decomp_kind kind, const uint8_t *in, size_t inlen, size_t max_out,
		  struct dynbuf *out, size_t *ret_used, struct err *reterr)
{
	return decomp_run(kind, in, inlen, max_out, buf_sink, out, ret_used, reterr);
}
