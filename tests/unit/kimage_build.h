/* Helpers for the unit tests: build synthetic kernel images, gzip data and
 * cpio archives in memory.  Included by the tests that need them. */
#ifndef AMIWIZ_TESTS_KIMAGE_BUILD_H
#define AMIWIZ_TESTS_KIMAGE_BUILD_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static inline void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* gzip `len` bytes into a malloc'd buffer; *ret_len gets its size */
static inline uint8_t *gzip_mem(const void *data, size_t len, size_t *ret_len)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	size_t cap = deflateBound(&z, (uLong)len) + 64;
	uint8_t *out = malloc(cap);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	*ret_len = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

/* A bzImage: 1 setup sector after the boot sector (so the protected-mode code
 * starts at 1024), a version string at 0x300, the payload 0x40 bytes into the
 * protected-mode code. */
#define BZ_PM 1024u
#define BZ_POFF 0x40u
static inline uint8_t *make_bzimage(unsigned protocol, unsigned xlf, const void *payload,
				    size_t plen, const char *version, int pe, size_t *ret_len)
{
	size_t len = BZ_PM + BZ_POFF + plen + 16;
	uint8_t *d = calloc(1, len);
	d[0x1f1] = 1;
	memcpy(d + 0x202, "HdrS", 4);
	put16(d + 0x206, protocol);
	if (version) {
		put16(d + 0x20e, 0x300 - 0x200);
		memcpy(d + 0x300, version, strlen(version) + 1);
	}
	put16(d + 0x236, xlf);
	put32(d + 0x248, BZ_POFF);
	put32(d + 0x24c, (uint32_t)plen);
	memcpy(d + BZ_PM + BZ_POFF, payload, plen);
	if (pe) {
		d[0] = 'M';
		d[1] = 'Z';
		put32(d + 0x3c, 0x80);
		memcpy(d + 0x80, "PE\0\0", 4);
	}
	*ret_len = len;
	return d;
}

/* Append one newc cpio entry (a regular file with `data`) to buf at *pos. */
static inline void cpio_add(uint8_t *buf, size_t *pos, const char *name, const char *data)
{
	size_t nl = strlen(name) + 1, dl = strlen(data);
	char hdr[111];
	snprintf(hdr, sizeof(hdr),
		 "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x", 1u, 0100644u, 0u,
		 0u, 1u, 0u, (unsigned)dl, 0u, 0u, 0u, 0u, (unsigned)nl, 0u);
	memcpy(buf + *pos, hdr, 110);
	*pos += 110;
	memcpy(buf + *pos, name, nl);
	*pos += nl;
	while (*pos % 4)
		buf[(*pos)++] = 0;
	memcpy(buf + *pos, data, dl);
	*pos += dl;
	while (*pos % 4)
		buf[(*pos)++] = 0;
}

static inline void cpio_end(uint8_t *buf, size_t *pos)
{
	cpio_add(buf, pos, "TRAILER!!!", "");
}

#endif
