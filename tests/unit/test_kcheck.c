#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/kcheck.h"
#include "kimage_build.h"

/* A Xen- and Nitro-ready 64-bit config, gzip-compressed: every target but
 * pv-i386 boots it. */
#define GOOD64                                                                                     \
	"# Linux/x86 6.1.0 Kernel Configuration\n"                                                \
	"CONFIG_X86=y\nCONFIG_64BIT=y\nCONFIG_X86_64=y\nCONFIG_KERNEL_GZIP=y\n"                    \
	"CONFIG_XEN=y\nCONFIG_XEN_PV=y\nCONFIG_XEN_PVHVM=y\nCONFIG_HVC_XEN=y\n"                    \
	"CONFIG_XEN_BLKDEV_FRONTEND=y\nCONFIG_XEN_NETDEV_FRONTEND=m\n"                             \
	"CONFIG_BLK_DEV_NVME=y\nCONFIG_ENA_ETHERNET=m\nCONFIG_BLK_DEV_INITRD=y\n"

/* A 32-bit PAE Xen config of the 4.x era (arch4ec2-like) */
#define GOOD32                                                                                     \
	"# Linux/x86 4.9.0 Kernel Configuration\n"                                                \
	"CONFIG_X86=y\nCONFIG_X86_32=y\nCONFIG_X86_PAE=y\nCONFIG_HIGHMEM64G=y\n"                   \
	"CONFIG_KERNEL_GZIP=y\nCONFIG_XEN=y\nCONFIG_XEN_PVHVM=y\nCONFIG_HVC_XEN=y\n"               \
	"CONFIG_XEN_BLKDEV_FRONTEND=y\nCONFIG_XEN_NETDEV_FRONTEND=y\nCONFIG_BLK_DEV_INITRD=y\n"

/* Table: a config (a base plus overriding lines: the last definition wins),
 * a target, the verdict, the pv-grub minimum, and finding ids that must (and
 * one that must not) be present. */
/* the stable name of a finding, for failure messages */
static const char *slug_of(enum kcheck_finding_id id)
{
	struct kcheck_text t;
	kcheck_text(id, &t);
	return t.slug;
}

static const struct {
	const char *what;
	const char *config;
	enum kcheck_target target;
	enum kcheck_verdict verdict;
	unsigned min_pvgrub;
	enum kcheck_finding_id must[3];
	size_t n_must;
	int must_not; /* a finding id, or -1 */
} rules[] = {
	{"good64 pv-x86_64", GOOD64, KT_PV_X86_64, KV_BOOTS, 0, {0}, 0, KF_COMP_UNSUPPORTED},
	{"good64 hvm-xen", GOOD64, KT_HVM_XEN, KV_BOOTS, 0, {0}, 0, -1},
	{"good64 nitro", GOOD64, KT_NITRO, KV_BOOTS, 0, {0}, 0, -1},
	{"good64 import", GOOD64, KT_IMPORT, KV_BOOTS, 0, {KF_IMPORT_KERNEL_LISTED}, 1, -1},
	{"good64 pv-i386: wrong width", GOOD64, KT_PV_I386, KV_CANNOT_BOOT, 0, {KF_ARCH_WRONG}, 1,
	 KF_PV32_REMOVED},
	{"xz: pv-grub 1.04", GOOD64 "CONFIG_KERNEL_GZIP=n\nCONFIG_KERNEL_XZ=y\n", KT_PV_X86_64,
	 KV_BOOTS, 104, {KF_COMP_PVGRUB_104}, 1, -1},
	{"lz4: no pv-grub", GOOD64 "# CONFIG_KERNEL_GZIP is not set\nCONFIG_KERNEL_LZ4=y\n",
	 KT_PV_X86_64, KV_CANNOT_BOOT, 0, {KF_COMP_UNSUPPORTED}, 1, -1},
	{"zstd: no pv-grub", GOOD64 "CONFIG_KERNEL_GZIP=n\nCONFIG_KERNEL_ZSTD=y\n", KT_PV_X86_64,
	 KV_CANNOT_BOOT, 0, {KF_COMP_UNSUPPORTED}, 1, -1},
	{"zstd is fine on nitro", GOOD64 "CONFIG_KERNEL_GZIP=n\nCONFIG_KERNEL_ZSTD=y\n", KT_NITRO,
	 KV_BOOTS, 0, {0}, 0, KF_COMP_UNSUPPORTED},
	{"bzip2: 1.05 with a warning", GOOD64 "CONFIG_KERNEL_GZIP=n\nCONFIG_KERNEL_BZIP2=y\n",
	 KT_PV_X86_64, KV_BOOTS_WITH_WARNINGS, 105, {KF_COMP_UNRELIABLE}, 1, -1},
	{"no XEN", GOOD64 "# CONFIG_XEN is not set\n", KT_PV_X86_64, KV_CANNOT_BOOT, 0,
	 {KF_XEN_MISSING}, 1, -1},
	{"no XEN_PV", GOOD64 "# CONFIG_XEN_PV is not set\n", KT_PV_X86_64, KV_CANNOT_BOOT, 0,
	 {KF_XEN_PV_MISSING}, 1, -1},
	{"no XEN_PV is fine for HVM", GOOD64 "# CONFIG_XEN_PV is not set\n", KT_HVM_XEN, KV_BOOTS,
	 0, {0}, 0, -1},
	{"no blkfront", GOOD64 "# CONFIG_XEN_BLKDEV_FRONTEND is not set\n", KT_PV_X86_64,
	 KV_CANNOT_BOOT, 0, {KF_DRIVER_MISSING}, 1, -1},
	{"no netfront", GOOD64 "CONFIG_XEN_NETDEV_FRONTEND=n\n", KT_HVM_XEN, KV_CANNOT_BOOT, 0,
	 {KF_DRIVER_MISSING}, 1, -1},
	{"blkfront =m, no initramfs: unconfirmed", GOOD64 "CONFIG_XEN_BLKDEV_FRONTEND=m\n",
	 KT_PV_X86_64, KV_BOOTS_WITH_WARNINGS, 0, {KF_MODULE_UNCONFIRMED}, 1, -1},
	{"blkfront =m without initrd support",
	 GOOD64 "CONFIG_XEN_BLKDEV_FRONTEND=m\n# CONFIG_BLK_DEV_INITRD is not set\n", KT_HVM_XEN,
	 KV_CANNOT_BOOT, 0, {KF_INITRD_SUPPORT_MISSING}, 1, -1},
	{"no console", GOOD64 "# CONFIG_HVC_XEN is not set\n", KT_PV_X86_64,
	 KV_BOOTS_WITH_WARNINGS, 0, {KF_CONSOLE_MISSING}, 1, -1},
	{"no PVHVM", GOOD64 "# CONFIG_XEN_PVHVM is not set\n", KT_HVM_XEN, KV_BOOTS_WITH_WARNINGS,
	 0, {KF_PVHVM_MISSING}, 1, -1},
	{"no NVMe", GOOD64 "# CONFIG_BLK_DEV_NVME is not set\n", KT_NITRO, KV_CANNOT_BOOT, 0,
	 {KF_DRIVER_MISSING}, 1, -1},
	{"no ENA", GOOD64 "# CONFIG_ENA_ETHERNET is not set\n", KT_NITRO, KV_CANNOT_BOOT, 0,
	 {KF_DRIVER_MISSING}, 1, -1},
	{"NVMe =m unconfirmed", GOOD64 "CONFIG_BLK_DEV_NVME=m\n", KT_NITRO, KV_BOOTS_WITH_WARNINGS,
	 0, {KF_MODULE_UNCONFIRMED}, 1, -1},
	{"import: unlisted version",
	 "# Linux/x86 6.3.7 Kernel Configuration\nCONFIG_X86=y\nCONFIG_64BIT=y\n", KT_IMPORT,
	 KV_BOOTS_WITH_WARNINGS, 0, {KF_IMPORT_KERNEL_UNLISTED}, 1, -1},
	{"import: 6.10 is not 6.1", "# Linux/x86 6.10.2 Kernel Configuration\nCONFIG_X86_64=y\n",
	 KT_IMPORT, KV_BOOTS_WITH_WARNINGS, 0, {KF_IMPORT_KERNEL_UNLISTED}, 1, -1},
	{"import: no version", "CONFIG_X86_64=y\n", KT_IMPORT, KV_BOOTS_WITH_WARNINGS, 0,
	 {KF_VERSION_UNKNOWN}, 1, -1},
	{"import: 32-bit", GOOD32, KT_IMPORT, KV_CANNOT_BOOT, 0, {KF_ARCH_WRONG}, 1, -1},
	{"import: arm64", "# Linux/arm64 6.1.0 Kernel Configuration\nCONFIG_ARM64=y\n", KT_IMPORT,
	 KV_CANNOT_BOOT, 0, {KF_IMPORT_ARM64}, 1, -1},
	{"arm64 nitro", "# Linux/arm64 6.1.0 Kernel Configuration\nCONFIG_ARM64=y\n"
			"CONFIG_BLK_DEV_NVME=y\nCONFIG_ENA_ETHERNET=y\n",
	 KT_NITRO, KV_BOOTS, 0, {0}, 0, -1},
	{"arm64 on Xen", "# Linux/arm64 6.1.0 Kernel Configuration\nCONFIG_ARM64=y\n", KT_HVM_XEN,
	 KV_CANNOT_BOOT, 0, {KF_ARCH_WRONG}, 1, -1},
	{"good32 pv-i386", GOOD32, KT_PV_I386, KV_BOOTS, 0, {0}, 0, -1},
	{"good32 on nitro: 64-bit only", GOOD32, KT_NITRO, KV_CANNOT_BOOT, 0, {KF_ARCH_WRONG}, 1,
	 -1},
	{"32-bit without PAE", GOOD32 "# CONFIG_X86_PAE is not set\n", KT_PV_I386, KV_CANNOT_BOOT,
	 0, {KF_PAE_MISSING}, 1, -1},
	{"32-bit 5.9: PV removed", GOOD32 "# Linux/x86 5.9.0 Kernel Configuration\n", KT_PV_I386,
	 KV_BOOTS, 0, {0}, 0, KF_PV32_REMOVED}, /* header only counts once: still 4.9 */
	{"32-bit 5.10 PV removed",
	 "# Linux/x86 5.10.0 Kernel Configuration\nCONFIG_X86_32=y\nCONFIG_X86_PAE=y\n"
	 "CONFIG_KERNEL_GZIP=y\nCONFIG_XEN=y\nCONFIG_HVC_XEN=y\nCONFIG_XEN_BLKDEV_FRONTEND=y\n"
	 "CONFIG_XEN_NETDEV_FRONTEND=y\n",
	 KT_PV_I386, KV_CANNOT_BOOT, 0, {KF_PV32_REMOVED}, 1, KF_XEN_PV_MISSING},
	{"32-bit 5.8 still fine",
	 "# Linux/x86 5.8.0 Kernel Configuration\nCONFIG_X86_32=y\nCONFIG_X86_PAE=y\n"
	 "CONFIG_KERNEL_XZ=y\nCONFIG_XEN=y\nCONFIG_XEN_PV=y\nCONFIG_HVC_XEN=y\n"
	 "CONFIG_XEN_BLKDEV_FRONTEND=y\nCONFIG_XEN_NETDEV_FRONTEND=y\n",
	 KT_PV_I386, KV_BOOTS, 104, {KF_COMP_PVGRUB_104}, 1, -1},
};

static int has_finding(const struct kcheck_result *r, enum kcheck_finding_id id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->findings[i].id == id)
			return 1;
	return 0;
}

static void test_rules_table(void **state)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct kcheck_kernel k;
		struct kcheck_result r;
		struct err e;
		err_clear(&e);
		if (kcheck_kernel_from_config(rules[i].config, strlen(rules[i].config), &k, &e) < 0)
			fail_msg("%s: %s", rules[i].what, e.message);
		assert_int_equal(kcheck_evaluate(&k, rules[i].target, &r, &e), 0);
		if (r.verdict != rules[i].verdict || r.min_pvgrub != rules[i].min_pvgrub) {
			for (size_t j = 0; j < r.n; j++)
				print_message("  %s %s: %s\n",
					      kcheck_severity_name(r.findings[j].severity),
					      slug_of(r.findings[j].id), r.findings[j].has);
			fail_msg("%s: verdict %s min %u", rules[i].what,
				 kcheck_verdict_name(r.verdict), r.min_pvgrub);
		}
		for (size_t j = 0; j < rules[i].n_must; j++)
			if (!has_finding(&r, rules[i].must[j]))
				fail_msg("%s: no %s", rules[i].what,
					 slug_of(rules[i].must[j]));
		if (rules[i].must_not >= 0 &&
		    has_finding(&r, (enum kcheck_finding_id)rules[i].must_not))
			fail_msg("%s: unexpected %s", rules[i].what,
				 slug_of((enum kcheck_finding_id)rules[i].must_not));
		/* blockers first */
		for (size_t j = 1; j < r.n; j++)
			assert_true(r.findings[j - 1].severity >= r.findings[j].severity);
		kcheck_result_free(&r);
		kcheck_kernel_release(&k);
	}
}

/* The image's facts win over the config's: an lz4 payload in a kernel whose
 * config says gzip is an lz4 kernel. */
static void test_image_facts_win(void **state)
{
	struct kcheck_kernel k;
	struct kcheck_result r;
	struct err e;
	assert_int_equal(kcheck_kernel_from_config(GOOD64, strlen(GOOD64), &k, &e), 0);
	uint8_t payload[16] = "\x02\x21\x4c\x18";
	size_t len;
	uint8_t *d = make_bzimage(0x20f, XLF_KERNEL_64, payload, sizeof(payload),
				  "6.1.0-9-cloud-amd64 (x)", 1, &len);
	assert_int_equal(bzimage_parse(d, len, &k.image, &e), 0);
	k.have_image = 1;
	kcheck_kernel_derive(&k);
	assert_int_equal(k.compression, DECOMP_LZ4);
	assert_string_equal(k.release, "6.1.0-9-cloud-amd64");
	assert_int_equal(kcheck_evaluate(&k, KT_PV_X86_64, &r, &e), 0);
	assert_int_equal(r.verdict, KV_CANNOT_BOOT);
	assert_true(has_finding(&r, KF_COMP_UNSUPPORTED));
	kcheck_result_free(&r);
	/* no config at all: the header alone still decides the compression */
	kconfig_free(&k.config);
	k.config_source = KCS_NONE;
	kcheck_kernel_derive(&k);
	assert_int_equal(kcheck_evaluate(&k, KT_NITRO, &r, &e), 0);
	assert_int_equal(r.verdict, KV_BOOTS_WITH_WARNINGS);
	assert_true(has_finding(&r, KF_NO_CONFIG));
	kcheck_result_free(&r);
	free(d);
	kcheck_kernel_release(&k);
}

/* initramfs: microcode (plain) + main archive (gzip), with and without the
 * module; the module rule must follow. */
static void test_initramfs_rule(void **state)
{
	for (int with = 0; with < 2; with++) {
		static uint8_t ucode[4096], main_cpio[8192], whole[16384];
		size_t up = 0, mp = 0;
		cpio_add(ucode, &up, "kernel/x86/microcode/GenuineIntel.bin", "ucode");
		cpio_end(ucode, &up);
		cpio_add(main_cpio, &mp, "init", "#!/bin/sh\n");
		cpio_add(main_cpio, &mp, "usr/lib/modules/6.1.0/kernel/drivers/net/xen-netfront.ko",
			 "x");
		if (with)
			cpio_add(main_cpio, &mp,
				 "usr/lib/modules/6.1.0/kernel/drivers/block/xen-blkfront.ko.xz",
				 "x");
		cpio_end(main_cpio, &mp);
		size_t gl;
		uint8_t *gz = gzip_mem(main_cpio, mp, &gl);
		memcpy(whole, ucode, up);
		memset(whole + up, 0, 512); /* padding between the parts */
		memcpy(whole + up + 512, gz, gl);
		free(gz);

		struct initramfs ir;
		struct err e;
		err_clear(&e);
		if (initramfs_read(whole, up + 512 + gl, &ir, &e) < 0)
			fail_msg("%s", e.message);
		assert_int_equal(ir.n_segments, 2);
		assert_int_equal(ir.segments[0], DECOMP_NONE);
		assert_int_equal(ir.segments[1], DECOMP_GZIP);
		assert_int_equal(initramfs_has_module(&ir, "xen-blkfront"), with);
		assert_int_equal(initramfs_has_module(&ir, "xen_blkfront"), with);
		assert_true(initramfs_has_module(&ir, "xen-netfront"));
		assert_false(initramfs_has_module(&ir, "nvme"));

		struct kcheck_kernel k;
		struct kcheck_result r;
		const char *cfg = GOOD64 "CONFIG_XEN_BLKDEV_FRONTEND=m\n";
		assert_int_equal(kcheck_kernel_from_config(cfg, strlen(cfg), &k, &e), 0);
		k.initramfs = ir;
		k.have_initramfs = 1;
		snprintf(k.initramfs_path, sizeof(k.initramfs_path), "/boot/initrd.img-6.1.0");
		assert_int_equal(kcheck_evaluate(&k, KT_PV_X86_64, &r, &e), 0);
		if (with) {
			assert_int_equal(r.verdict, KV_BOOTS);
			assert_true(has_finding(&r, KF_MODULE_IN_INITRAMFS));
		} else {
			assert_int_equal(r.verdict, KV_CANNOT_BOOT);
			assert_true(has_finding(&r, KF_MODULE_NOT_IN_INITRAMFS));
		}
		kcheck_result_free(&r);
		kcheck_kernel_release(&k); /* frees ir too */
	}
}

static void test_initramfs_damaged(void **state)
{
	static uint8_t buf[4096];
	size_t p = 0;
	cpio_add(buf, &p, "a/b/ena.ko", "x");
	cpio_end(buf, &p);
	struct initramfs ir;
	struct err e;
	/* every truncation is an error or a clean read, never a crash */
	for (size_t cut = 1; cut < p; cut++) {
		int rc = initramfs_read(buf, cut, &ir, &e);
		assert_int_equal(rc, -1);
		assert_int_equal(e.kind, ERR_INPUT);
	}
	assert_int_equal(initramfs_read(buf, p, &ir, &e), 0);
	assert_true(initramfs_has_module(&ir, "ena"));
	initramfs_free(&ir);
	/* a namesize far past the end */
	memcpy(buf + 94, "7fffffff", 8);
	assert_int_equal(initramfs_read(buf, p, &ir, &e), -1);
	/* garbage */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(initramfs_read(buf, sizeof(buf), &ir, &e), -1);
}

static void test_names(void **state)
{
	enum kcheck_target t;
	for (int i = 0; i < KT_MAX; i++) {
		assert_int_equal(kcheck_target_from_name(kcheck_target_name((enum kcheck_target)i), &t),
				 0);
		assert_int_equal(t, i);
	}
	assert_int_equal(kcheck_target_from_name("pv-arm", &t), -1);
	/* every finding has words */
	for (int i = 0; i < KF_MAX; i++) {
		struct kcheck_text xt, *x = &xt;
		assert_int_equal(kcheck_text((enum kcheck_finding_id)i, &xt), 0);
		assert_true(strlen(x->slug) > 3);
		assert_true(strlen(x->title) > 10);
		assert_true(strlen(x->explanation) > 40);
		assert_true(strlen(x->fix) > 10);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_table),
		cmocka_unit_test(test_image_facts_win),
		cmocka_unit_test(test_initramfs_rule),
		cmocka_unit_test(test_initramfs_damaged),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
