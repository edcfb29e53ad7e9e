#include "sim/checksum.h"

#include <openssl/evp.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "aws/awsutil.h"

enum checksum_alg checksum_alg_by_name(const char *name)
{
	static const char *const names[CK_ALG_MAX] = {"md5", "crc32", "crc32c", "sha1", "sha256"};
	for (int i = 0; i < CK_ALG_MAX; i++)
		if (strcasecmp(names[i], name) == 0)
			return (enum checksum_alg)i;
	return CK_ALG_MAX;
}

void checksum_base64(const unsigned char *in, size_t n, char *out)
{
	aws_base64(out, in, n);
}

uint32_t checksum_crc32c(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static void be32(uint32_t v, unsigned char out[4])
{
	out[0] = (unsigned char)(v >> 24);
	out[1] = (unsigned char)(v >> 16);
	out[2] = (unsigned char)(v >> 8);
	out[3] = (unsigned char)v;
}

void checksum_b64(enum checksum_alg alg, const void *data, size_t len, char out[64])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	switch (alg) {
	case CK_CRC32:
		be32((uint32_t)crc32(crc32(0L, Z_NULL, 0), data, (uInt)len), d);
		dl = 4;
		break;
	case CK_CRC32C:
		be32(checksum_crc32c(0, data, len), d);
		dl = 4;
		break;
	case CK_MD5:
		EVP_Digest(data, len, d, &dl, EVP_md5(), NULL);
		break;
	case CK_SHA1:
		EVP_Digest(data, len, d, &dl, EVP_sha1(), NULL);
		break;
	case CK_SHA256:
	case CK_ALG_MAX:
		EVP_Digest(data, len, d, &dl, EVP_sha256(), NULL);
		break;
	}
	checksum_base64(d, dl, out);
}
