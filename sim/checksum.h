/* checksum: the digests S3 and EBS let a client send along with its data
 * (Content-MD5, x-amz-checksum-crc32/crc32c/sha1/sha256, x-amz-Checksum),
 * all answered in Base64 like AWS does.  Pure functions. */
#ifndef AMIWIZ_SIM_CHECKSUM_H
#define AMIWIZ_SIM_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

enum checksum_alg {
	CK_MD5,
	CK_CRC32,
	CK_CRC32C,
	CK_SHA1,
	CK_SHA256,
	CK_ALG_MAX
};

/* The algorithm named like S3's header suffix ("crc32c", case-insensitive),
 * or CK_ALG_MAX. */
enum checksum_alg checksum_alg_by_name(const char *name);

/* Base64 of the digest of `len` bytes into `out` (at least 64 bytes). */
void checksum_b64(enum checksum_alg alg, const void *data, size_t len, char out[64]);

/* Base64-encode `n` bytes into `out` (at least 4*((n+2)/3)+1 bytes). */
void checksum_base64(const unsigned char *in, size_t n, char *out);

/* CRC-32C (Castagnoli), the one S3 calls crc32c. */
uint32_t checksum_crc32c(uint32_t crc, const void *data, size_t len);

#endif
