#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/bzimage.h"
#include "kimage_build.h"

/* Table: synthetic setup headers and what the parser must read from them. */
static const struct {
	const char *what;
	unsigned protocol, xlf;
	const char *magic;
	size_t mlen;
	int pe;
	enum karch arch;
	enum decomp_kind comp;
	int comp_known;
} headers[] = {
	{"64-bit gzip", 0x20f, XLF_KERNEL_64 | XLF_EFI_HANDOVER_64, "\x1f\x8b\x08", 3, 1,
	 KARCH_X86_64, DECOMP_GZIP, 1},
	{"32-bit xz", 0x20f, 0, "\xfd" "7zXZ\0", 6, 0, KARCH_X86_32, DECOMP_XZ, 1},
	{"lz4 (cloud kernels)", 0x20f, XLF_KERNEL_64, "\x02\x21\x4c\x18", 4, 1, KARCH_X86_64,
	 DECOMP_LZ4, 1},
	{"zstd", 0x20f, XLF_KERNEL_64, "\x28\xb5\x2f\xfd", 4, 0, KARCH_X86_64, DECOMP_ZSTD, 1},
	{"bzip2", 0x20c, XLF_KERNEL_64, "BZh9", 4, 0, KARCH_X86_64, DECOMP_BZIP2, 1},
	{"lzma", 0x20c, 0, "\x5d\x00\x00\x80", 4, 0, KARCH_X86_32, DECOMP_LZMA, 1},
	{"lzo", 0x20c, 0, "\x89LZO\0", 5, 0, KARCH_X86_32, DECOMP_LZO, 1},
	{"uncompressed ELF", 0x20f, XLF_KERNEL_64, "\x7f" "ELF\x02\x01", 6, 0, KARCH_X86_64,
	 DECOMP_NONE, 1},
	{"unknown magic", 0x20f, XLF_KERNEL_64, "ABCDEFGH", 8, 0, KARCH_X86_64, DECOMP_NONE, 0},
	{"protocol 2.10: no xloadflags", 0x20a, XLF_KERNEL_64, "\x1f\x8b", 2, 0, KARCH_UNKNOWN,
	 DECOMP_GZIP, 1},
};

static void test_setup_header_table(void **state)
{
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		uint8_t payload[64] = {0};
		memcpy(payload, headers[i].magic, headers[i].mlen);
		size_t len;
		uint8_t *d = make_bzimage(headers[i].protocol, headers[i].xlf, payload,
					  sizeof(payload), "6.1.0-test (me@here) #1 SMP",
					  headers[i].pe, &len);
		struct kimage_info k;
		struct err e;
		err_clear(&e);
		assert_true(bzimage_sniff(d, len));
		if (bzimage_parse(d, len, &k, &e) != 0)
			fail_msg("%s: %s", headers[i].what, e.message);
		assert_int_equal(k.format, KIMAGE_BZIMAGE);
		assert_int_equal(k.protocol, headers[i].protocol);
		if (k.arch != headers[i].arch)
			fail_msg("%s: arch %s", headers[i].what, karch_name(k.arch));
		assert_int_equal(k.compression_known, headers[i].comp_known);
		if (headers[i].comp_known)
			assert_int_equal(k.compression, headers[i].comp);
		assert_int_equal(k.efi_stub, headers[i].pe);
		assert_int_equal(k.efi_handover, (headers[i].xlf & XLF_EFI_HANDOVER_64) != 0);
		assert_string_equal(k.release, "6.1.0-test");
		assert_string_equal(k.version_text, "6.1.0-test (me@here) #1 SMP");
		assert_int_equal(k.payload_off, BZ_PM + BZ_POFF);
		free(d);
	}
}

static void test_truncated_and_damaged(void **state)
{
	uint8_t payload[4096];
	memset(payload, 0x55, sizeof(payload));
	memcpy(payload, "\x1f\x8b", 2);
	size_t len;
	uint8_t *d = make_bzimage(0x20f, XLF_KERNEL_64, payload, sizeof(payload), "6.1", 0, &len);
	struct kimage_info k;
	struct err e;
	/* cut at every interesting length: never a crash, a clear error after
	 * the header is present */
	static const size_t cuts[] = {0, 1, 0x1f1, 0x203, 0x240, 0x250, 600, BZ_PM, BZ_PM + 100,
				      BZ_PM + BZ_POFF + 4095};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		err_clear(&e);
		int rc = bzimage_parse(d, cuts[i], &k, &e);
		assert_int_equal(rc, -1);
		assert_int_equal(e.kind, ERR_INPUT);
		if (cuts[i] >= 0x250)
			assert_non_null(strstr(e.message, "cut short"));
	}
	/* a payload length pointing far outside the file */
	put32(d + 0x24c, 0xfffffff0u);
	err_clear(&e);
	assert_int_equal(bzimage_parse(d, len, &k, &e), -1);
	/* setup_sects so large the setup code is bigger than the file */
	put32(d + 0x24c, 16);
	d[0x1f1] = 0xff;
	assert_int_equal(bzimage_parse(d, len, &k, &e), -1);
	/* an ancient protocol */
	d[0x1f1] = 1;
	put16(d + 0x206, 0x103);
	assert_int_equal(bzimage_parse(d, len, &k, &e), -1);
	/* the version pointer aimed past the end is ignored, not followed */
	put16(d + 0x206, 0x20f);
	put16(d + 0x20e, 0xfff0);
	assert_int_equal(bzimage_parse(d, len, &k, &e), 0);
	assert_string_equal(k.release, "");
	free(d);
}

/* An EFI zboot image around a gzip'd arm64 Image of `ilen` bytes whose banner
 * starts at `banner_at` (0: none); `inner_magic` is what the inner header
 * carries at 56. */
static uint8_t *make_zboot(size_t ilen, size_t banner_at, const char *inner_magic,
			   size_t *ret_len)
{
	uint8_t *img = calloc(1, ilen);
	for (size_t i = 64; i < ilen; i++)
		img[i] = (uint8_t)(i * 13 + (i >> 9));
	memcpy(img + 56, inner_magic, 4);
	if (banner_at)
		memcpy(img + banner_at, "Linux version 6.12.9-arm64 (x@y) #1 SMP", 39);
	size_t gl;
	uint8_t *gz = gzip_mem(img, ilen, &gl);
	free(img);
	size_t len = 512 + gl + 4;
	uint8_t *zb = calloc(1, len);
	zb[0] = 'M';
	zb[1] = 'Z';
	memcpy(zb + 4, "zimg", 4);
	put32(zb + 8, 512);
	put32(zb + 12, (uint32_t)gl);
	memcpy(zb + 24, "gzip", 4);
	put32(zb + 0x38, 0x818223cd); /* LINUX_PE_MAGIC */
	put32(zb + 0x3c, 0x80);
	memcpy(zb + 0x80, "PE\0\0", 4);
	memcpy(zb + 512, gz, gl);
	put32(zb + 512 + gl, (uint32_t)ilen);
	free(gz);
	*ret_len = len;
	return zb;
}

/* EFI zboot: the header's payload and compression name, and the inner
 * image's architecture and version, read by decompressing the payload */
static void test_zboot(void)
{
	struct kimage_info k;
	struct err e;
	size_t len;
	/* the banner straddles the decoder's 256 KiB chunks */
	static const size_t banners[] = {4096, 256 * 1024 - 20, 3 * 256 * 1024 - 3,
					 1024 * 1024 - 60};
	for (size_t i = 0; i < sizeof(banners) / sizeof(banners[0]); i++) {
		uint8_t *zb = make_zboot(1024 * 1024, banners[i], "ARM\x64", &len);
		err_clear(&e);
		assert_int_equal(bzimage_parse(zb, len, &k, &e), 0);
		assert_int_equal(k.format, KIMAGE_ZBOOT);
		assert_int_equal(k.compression, DECOMP_GZIP);
		assert_int_equal(k.arch, KARCH_ARM64);
		assert_int_equal(k.efi_stub, 1);
		assert_string_equal(k.release, "6.12.9-arm64");
		free(zb);
	}
	/* no banner: arm64, version unknown */
	uint8_t *zb = make_zboot(300000, 0, "ARM\x64", &len);
	assert_int_equal(bzimage_parse(zb, len, &k, &e), 0);
	assert_int_equal(k.arch, KARCH_ARM64);
	assert_string_equal(k.release, "");
	/* a payload cut short or damaged: refused, saying so */
	put32(zb + 12, (uint32_t)(len - 512 - 4 - 1000));
	err_clear(&e);
	assert_int_equal(bzimage_parse(zb, len - 1000, &k, &e), -1);
	assert_int_equal(e.kind, ERR_INPUT);
	put32(zb + 12, (uint32_t)(len - 512 - 4));
	memset(zb + 512 + 100, 0xee, 200);
	err_clear(&e);
	assert_int_equal(bzimage_parse(zb, len, &k, &e), -1);
	assert_int_equal(e.kind, ERR_INPUT);
	/* the payload lies past the end of the file */
	put32(zb + 12, (uint32_t)len);
	assert_int_equal(bzimage_parse(zb, len, &k, &e), -1);
	free(zb);
	/* an inner image that is not arm64 (a RISC-V zboot, say) */
	zb = make_zboot(100000, 5000, "RSC\x05", &len);
	err_clear(&e);
	assert_int_equal(bzimage_parse(zb, len, &k, &e), -1);
	assert_non_null(strstr(e.message, "arm64"));
	free(zb);
	/* a header naming zstd over a payload that is not zstd */
	uint8_t hdr[512] = {0};
	hdr[0] = 'M';
	hdr[1] = 'Z';
	memcpy(hdr + 4, "zimg", 4);
	put32(hdr + 8, 256);
	put32(hdr + 12, 100);
	memcpy(hdr + 24, "zstd", 4);
	err_clear(&e);
	assert_int_equal(bzimage_parse(hdr, sizeof(hdr), &k, &e), -1);
	assert_int_equal(e.kind, ERR_INPUT);
}

static void test_other_formats(void **state)
{
	struct kimage_info k;
	struct err e;
	/* arm64 Image with an EFI stub and a banner */
	uint8_t img[4096] = {0};
	img[0] = 'M';
	img[1] = 'Z';
	memcpy(img + 56, "ARM\x64", 4);
	put32(img + 0x3c, 0x40);
	memcpy(img + 0x40, "PE\0\0", 4);
	memcpy(img + 1000, "Linux version 6.6.9-arm (x) #1", 30);
	assert_int_equal(bzimage_parse(img, sizeof(img), &k, &e), 0);
	assert_int_equal(k.format, KIMAGE_ARM64);
	assert_int_equal(k.arch, KARCH_ARM64);
	assert_int_equal(k.efi_stub, 1);
	assert_string_equal(k.release, "6.6.9-arm");
	test_zboot();
	/* ELF vmlinux, x86_64 and i386 */
	uint8_t elf[256] = {0};
	memcpy(elf, "\x7f" "ELF\x02\x01", 6);
	put16(elf + 18, 62);
	memcpy(elf + 100, "Linux version 5.10.0-28-amd64 (d)", 33);
	assert_int_equal(bzimage_parse(elf, sizeof(elf), &k, &e), 0);
	assert_int_equal(k.arch, KARCH_X86_64);
	assert_string_equal(k.release, "5.10.0-28-amd64");
	put16(elf + 18, 3);
	assert_int_equal(bzimage_parse(elf, sizeof(elf), &k, &e), 0);
	assert_int_equal(k.arch, KARCH_X86_32);
	put16(elf + 18, 40); /* ARM 32-bit: not ours */
	assert_int_equal(bzimage_parse(elf, sizeof(elf), &k, &e), -1);
	/* garbage */
	uint8_t junk[1000];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	assert_false(bzimage_sniff(junk, sizeof(junk)));
	assert_int_equal(bzimage_parse(junk, sizeof(junk), &k, &e), -1);
}

static const char cfg_text[] = "# Linux/x86 4.19.0 Kernel Configuration\nCONFIG_XEN=y\n"
			       "CONFIG_IKCONFIG=y\n# CONFIG_KERNEL_XZ is not set\n";

/* a plain kernel with the IKCONFIG blob inside, as the kernel lays it out */
static uint8_t *plain_kernel(size_t *ret_len)
{
	size_t gl;
	uint8_t *gz = gzip_mem(cfg_text, sizeof(cfg_text) - 1, &gl);
	size_t len = 300000 + 8 + gl + 8 + 5000;
	uint8_t *p = malloc(len);
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 131 + 7);
	memcpy(p, "\x7f" "ELF", 4);
	memcpy(p + 300000, "IKCFG_ST", 8);
	memcpy(p + 300008, gz, gl);
	memcpy(p + 300008 + gl, "IKCFG_ED", 8);
	free(gz);
	*ret_len = len;
	return p;
}

static void test_ikconfig(void **state)
{
	size_t pl;
	uint8_t *plain = plain_kernel(&pl);
	struct dynbuf out;
	struct err e;
	dyn_init(&out, 1 << 20);
	assert_int_equal(bzimage_ikconfig_from_plain(plain, pl, &out, &e), 0);
	assert_string_equal(dyn_ptr(&out), cfg_text);
	/* the same, gzip'd inside a bzImage */
	size_t gl, len;
	uint8_t *gz = gzip_mem(plain, pl, &gl);
	uint8_t *d = make_bzimage(0x20f, XLF_KERNEL_64, gz, gl, "4.19.0", 0, &len);
	struct kimage_info k;
	assert_int_equal(bzimage_parse(d, len, &k, &e), 0);
	dyn_reset(&out);
	assert_int_equal(bzimage_extract_config(d, len, &k, &out, &e), 0);
	assert_string_equal(dyn_ptr(&out), cfg_text);
	free(d);
	/* no IKCONFIG: 1, not an error */
	memcpy(plain + 300000, "XXXXXXXX", 8);
	assert_int_equal(bzimage_ikconfig_from_plain(plain, pl, &out, &e), 1);
	free(gz);
	gz = gzip_mem(plain, pl, &gl);
	d = make_bzimage(0x20f, XLF_KERNEL_64, gz, gl, "4.19.0", 0, &len);
	assert_int_equal(bzimage_parse(d, len, &k, &e), 0);
	assert_int_equal(bzimage_extract_config(d, len, &k, &out, &e), 1);
	/* a damaged payload: an error, not a crash */
	memset(d + k.payload_off + 20, 0xee, 64);
	err_clear(&e);
	assert_true(bzimage_extract_config(d, len, &k, &out, &e) < 0);
	assert_int_equal(e.kind, ERR_INPUT);
	free(d);
	free(gz);
	free(plain);
	dyn_free(&out);
}

/* Run the real lzop on data[0..len) with `args`; returns its output
 * (malloc'd, *ret_len bytes).  The kernel's build compresses with `lzop -9`. */
static uint8_t *lzop_mem(const uint8_t *data, size_t len, const char *args, size_t *ret_len)
{
	char in[] = "/tmp/amiwiz-lzo-XXXXXX";
	int fd = mkstemp(in);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "lzop %s -c < %s > %s.lzo", args, in, in);
	assert_int_equal(system(cmd), 0);
	char out[sizeof(in) + 4];
	snprintf(out, sizeof(out), "%s.lzo", in);
	FILE *f = fopen(out, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc((size_t)n + 4);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(in);
	unlink(out);
	*ret_len = (size_t)n;
	return buf;
}

static int count_sink(void *ctx, const uint8_t *data, size_t len, struct err *reterr)
{
	*(size_t *)ctx += len;
	return 0;
}

/* LZO: the lzop container the kernel's build writes, read from a bzImage
 * payload to find the IKCONFIG blob, with every checksum kind lzop writes,
 * several blocks, stored (incompressible) blocks, and damage. */
static void test_lzo(void **state)
{
	size_t pl;
	uint8_t *plain = plain_kernel(&pl); /* ~305 KB: two 256 KiB lzop blocks */
	/* the first block incompressible: lzop stores it as it is */
	uint32_t x = 2463534242u;
	for (size_t i = 64; i < 256 * 1024; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		plain[i] = (uint8_t)x;
	}
	static const char *const args[] = {"-9", "-1", "-9 --crc32", "-3 --no-checksum"};
	struct dynbuf out;
	dyn_init(&out, 1 << 20);
	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		size_t zl, len;
		uint8_t *z = lzop_mem(plain, pl, args[i], &zl);
		assert_int_equal(decomp_sniff(z, zl), DECOMP_LZO);
		/* the whole stream, and how much of the input it took */
		size_t total = 0, used = 0;
		struct err e;
		err_clear(&e);
		if (decomp_run(DECOMP_LZO, z, zl, 1 << 20, count_sink, &total, &used, &e) != 0)
			fail_msg("lzop %s: %s", args[i], e.message);
		assert_int_equal(total, pl);
		assert_int_equal(used, zl);
		/* inside a bzImage, with the kernel's 4-byte size trailer */
		put32(z + zl, (uint32_t)pl);
		uint8_t *d = make_bzimage(0x20f, XLF_KERNEL_64, z, zl + 4, "4.19.0", 0, &len);
		struct kimage_info k;
		assert_int_equal(bzimage_parse(d, len, &k, &e), 0);
		assert_int_equal(k.compression, DECOMP_LZO);
		dyn_reset(&out);
		if (bzimage_extract_config(d, len, &k, &out, &e) != 0)
			fail_msg("lzop %s: %s", args[i], e.message);
		assert_string_equal(dyn_ptr(&out), cfg_text);
		/* the ceiling holds */
		err_clear(&e);
		total = 0;
		assert_true(decomp_run(DECOMP_LZO, z, zl, 100000, count_sink, &total, NULL, &e) < 0);
		assert_int_equal(e.code, E2BIG);
		assert_true(total <= 100000);
		/* cut short anywhere: an error, never a crash */
		static const size_t cuts[] = {5, 20, 40, 60, 300, 150000};
		for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
			err_clear(&e);
			assert_true(decomp_run(DECOMP_LZO, z, zl - cuts[c], 1 << 20, count_sink,
					       &total, NULL, &e) < 0);
			assert_int_equal(e.kind, ERR_INPUT);
		}
		/* a damaged block, stored or compressed: the decoder or the
		 * checksums catch it */
		uint8_t *bad = malloc(zl);
		static const size_t hits[] = {20000, 150};
		for (size_t h = 0; h < sizeof(hits) / sizeof(hits[0]); h++) {
			memcpy(bad, z, zl);
			for (size_t j = zl - hits[h]; j < zl - hits[h] + 100; j++)
				bad[j] ^= 0x5a;
			err_clear(&e);
			int rc = decomp_run(DECOMP_LZO, bad, zl, 1 << 20, count_sink, &total, NULL,
					    &e);
			if (strstr(args[i], "no-checksum"))
				assert_true(rc <= 0); /* nothing to check against: no crash is all */
			else if (rc >= 0 || e.kind != ERR_INPUT)
				fail_msg("lzop %s, damage at -%zu: not caught", args[i], hits[h]);
		}
		/* a damaged header */
		memcpy(bad, z, zl);
		bad[12] ^= 0xff;
		err_clear(&e);
		assert_true(decomp_run(DECOMP_LZO, bad, zl, 1 << 20, count_sink, &total, NULL, &e) < 0);
		assert_int_equal(e.kind, ERR_INPUT);
		free(bad);
		free(d);
		free(z);
	}
	dyn_free(&out);
	free(plain);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup_header_table),
		cmocka_unit_test(test_truncated_and_damaged),
		cmocka_unit_test(test_other_formats),
		cmocka_unit_test(test_ikconfig),
		cmocka_unit_test(test_lzo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
