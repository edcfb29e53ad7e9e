#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/build.h"
#include "engine/build_priv.h"

static char tmp[] = "/tmp/amiwiz-test-build.XXXXXX";

static void put(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void put_abs(const char *path)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
}

static void replace_all(char *s, const char *from, const char *to)
{
	char buf[8192];
	char *at;
	while ((at = strstr(s, from))) {
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
		strcpy(s, buf);
	}
}

/* The command lines a BIOS build runs, recorded instead of run: compared with
 * the expected file after putting placeholders for the random parts. */
static void test_dry_run_hvm_bios(void **state)
{
	char root[512], out[512];
	assert_non_null(mkdtemp(tmp));
	snprintf(root, sizeof(root), "%s/root", tmp);
	snprintf(out, sizeof(out), "%s/disk.img", tmp);
	mkdir(root, 0755);
	char p[600];
	snprintf(p, sizeof(p), "%s/boot", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc", root);
	mkdir(p, 0755);
	put("root/boot/vmlinuz-6.1.0-9-cloud-amd64", "k");
	put("root/boot/vmlinuz-6.1.0-10-cloud-amd64", "k");

	struct loop *l = loop_new();
	struct proc_runner r;
	proc_runner_init(&r, l, true);
	struct build_opts o = {
		.layout = {.kind = DISK_LAYOUT_HVM_BIOS, .table = -1, .size = 64 * DISK_MIB},
		.source_kind = BUILD_FROM_DIR, .source = root, .out = out, .tmpdir = tmp};
	struct build_result res;
	struct err e;
	err_clear(&e);
	if (build_image(&r, &o, &res, &e) != 0)
		fail_msg("%s: %s", e.doing, e.message);
	/* the newest kernel by version order, not by name */
	assert_string_equal(res.kernel, "/boot/vmlinuz-6.1.0-10-cloud-amd64");
	assert_non_null(strstr(res.cmdline, "root=PARTUUID="));
	assert_null(strstr(res.cmdline, "root=UUID="));

	char got[8192];
	snprintf(got, sizeof(got), "%s", dyn_ptr(&r.record));
	replace_all(got, res.workdir, "WORK");
	replace_all(got, out, "IMG");
	replace_all(got, res.layout.parts[0].fs_uuid, "ROOTUUID");
	replace_all(got, root, "ROOT");
	const char *want =
		"mke2fs -q -F -t ext4 -U ROOTUUID -L root -d ROOT -E offset=1048576 IMG 64512k\n"
		"debugfs -w -f WORK/debugfs-1.cmd 'IMG?offset=1048576'\n"
		"grub-mkimage -O i386-pc -d /usr/lib/grub/i386-pc -o WORK/core.img -c WORK/early.cfg "
		"-p /boot/grub part_msdos part_gpt ext2 xfs fat normal linux search search_fs_uuid "
		"configfile echo serial terminal test ls cat boot halt reboot biosdisk\n"
		"# boot.img -> sector 0, core.img -> its place\n";
	assert_string_equal(got, want);
	proc_runner_release(&r);
	loop_free(l);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	assert_int_equal(system(cmd), 0);
}

/* --debootstrap: the command lines, with and without a package cache (made
 * first when absent, only unpacked when present), and the files copied in. */
static void test_dry_run_debootstrap(void **state)
{
	char t[] = "/tmp/amiwiz-test-deboot.XXXXXX", out[512], cache[512], got[8192];
	assert_non_null(mkdtemp(t));
	snprintf(out, sizeof(out), "%s/disk.img", t);
	snprintf(cache, sizeof(cache), "%s/bookworm.tgz", t);
	static const char *const copy[] = {
		"/k/vmlinuz-6.1.0-9-cloud-amd64:/boot/vmlinuz-6.1.0-9-cloud-amd64", NULL};
	static const char *const no_colon[] = {"/k/vmlinuz", NULL};
	static const char *const relative[] = {"/k/vmlinuz:boot/x", NULL};
	static const struct {
		const char *include, *mirror;
		bool cache, cache_exists;
		const char *const *copy_in;
		const char *want;
	} cases[] = {
		{NULL, NULL, false, false, NULL,
		 "debootstrap --variant=minbase bookworm WORK/root http://deb.debian.org/debian\n"},
		{"openssh-server,ifupdown", "http://m.example/debian", false, false, copy,
		 "debootstrap --variant=minbase --include=openssh-server,ifupdown bookworm WORK/root "
		 "http://m.example/debian\n"
		 "cp -a -- /k/vmlinuz-6.1.0-9-cloud-amd64 WORK/root/boot/vmlinuz-6.1.0-9-cloud-amd64\n"},
		{NULL, NULL, true, false, NULL,
		 "debootstrap --variant=minbase --make-tarball=WORK/packages.tgz bookworm WORK/download "
		 "http://deb.debian.org/debian\n"
		 "debootstrap --variant=minbase --unpack-tarball=CACHE bookworm WORK/root "
		 "http://deb.debian.org/debian\n"},
		{"less", NULL, true, true, NULL,
		 "debootstrap --variant=minbase --include=less --unpack-tarball=CACHE bookworm WORK/root "
		 "http://deb.debian.org/debian\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unlink(cache);
		if (cases[i].cache_exists)
			put_abs(cache);
		struct loop *l = loop_new();
		struct proc_runner r;
		proc_runner_init(&r, l, true);
		struct build_opts o = {
			.layout = {.kind = DISK_LAYOUT_HVM_BIOS, .table = -1, .size = 64 * DISK_MIB},
			.source_kind = BUILD_FROM_DEBOOTSTRAP, .source = "bookworm", .out = out,
			.overwrite = true, .tmpdir = t, .include = cases[i].include,
			.mirror = cases[i].mirror, .debootstrap_cache = cases[i].cache ? cache : NULL,
			.copy_in = cases[i].copy_in};
		struct build_result res;
		struct err e;
		err_clear(&e);
		if (build_image(&r, &o, &res, &e) != 0)
			fail_msg("case %zu: %s: %s", i, e.doing, e.message);
		/* what debootstrap and cp would do, then the build as from a root tree */
		snprintf(got, sizeof(got), "%s", dyn_ptr(&r.record));
		char *mke2fs = strstr(got, "mke2fs ");
		assert_non_null(mke2fs);
		*mke2fs = '\0';
		replace_all(got, res.workdir, "WORK");
		replace_all(got, cache, "CACHE");
		assert_string_equal(got, cases[i].want);
		assert_non_null(strstr(dyn_ptr(&r.record), " -d "));
		assert_non_null(strstr(dyn_ptr(&r.record), "/root -E offset="));
		/* the scratch root is gone, and a dry run leaves no cache behind */
		struct stat st;
		assert_int_equal(stat(res.workdir, &st), -1);
		assert_int_equal(stat(cache, &st) == 0, cases[i].cache_exists);
		proc_runner_release(&r);
		loop_free(l);
	}

	/* unusable options are refused before anything runs */
	static const struct {
		const char *cache;
		const char *const *copy_in;
		enum build_source kind;
		const char *msg;
	} bad[] = {
		{"/x/packages.zip", NULL, BUILD_FROM_DEBOOTSTRAP, "must end in .tgz"},
		{NULL, no_colon, BUILD_FROM_DEBOOTSTRAP, "HOSTFILE:/path"},
		{NULL, relative, BUILD_FROM_DEBOOTSTRAP, "HOSTFILE:/path"},
		{NULL, copy, BUILD_FROM_DIR, "only into a root made by debootstrap"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct loop *l = loop_new();
		struct proc_runner r;
		proc_runner_init(&r, l, true);
		struct build_opts o = {
			.layout = {.kind = DISK_LAYOUT_HVM_BIOS, .table = -1, .size = 64 * DISK_MIB},
			.source_kind = bad[i].kind, .source = bad[i].kind == BUILD_FROM_DIR ? t : "bookworm",
			.out = out, .overwrite = true, .tmpdir = t, .debootstrap_cache = bad[i].cache,
			.copy_in = bad[i].copy_in};
		struct build_result res;
		struct err e;
		err_clear(&e);
		assert_int_equal(build_image(&r, &o, &res, &e), -1);
		assert_int_equal(e.kind, ERR_USAGE);
		if (!strstr(e.message, bad[i].msg))
			fail_msg("bad case %zu: %s", i, e.message);
		assert_string_equal(dyn_ptr(&r.record), "");
		proc_runner_release(&r);
		loop_free(l);
	}
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t);
	assert_int_equal(system(cmd), 0);
}

static void test_patch_grub_bios(void **state)
{
	unsigned char mbr[512], boot[512], core[4 * 512];
	memset(mbr, 0, sizeof(mbr));
	memset(boot, 0xcc, sizeof(boot));
	boot[510] = 0x55;
	boot[511] = 0xaa;
	mbr[0x1b8] = 0x12; /* the disk signature survives */
	mbr[0x1be + 4] = 0x83; /* and the partition table */
	memset(core, 0, sizeof(core));
	/* diskboot's blocklist: 3 more sectors, segment 0x820 */
	core[512 - 4] = 3;
	core[512 - 2] = 0x20;
	core[512 - 1] = 0x08;
	struct err e;
	err_clear(&e);
	assert_int_equal(build_patch_grub_bios(mbr, boot, core, sizeof(core), 2048, &e), 0);
	assert_int_equal(mbr[0x5c], 0x00);
	assert_int_equal(mbr[0x5d], 0x08); /* 2048 little-endian */
	assert_int_equal(mbr[0x66], 0x90);
	assert_int_equal(mbr[0x1b8], 0x12);
	assert_int_equal(mbr[0x1be + 4], 0x83);
	assert_int_equal(mbr[0], 0xcc);
	assert_int_equal(core[500], 0x01); /* rest of core from 2049 */
	assert_int_equal(core[501], 0x08);
	/* a core.img whose blocklist does not match its size is refused */
	core[512 - 4] = 7;
	assert_int_equal(build_patch_grub_bios(mbr, boot, core, sizeof(core), 1, &e), -1);
	assert_int_equal(e.kind, ERR_INPUT);
}

/* The protofile for mkfs.xfs: every kind of entry, our files merged in (one
 * replacing the tree's), a directory listed empty, and the names it refuses. */
static void test_xfs_proto(void **state)
{
	char t[] = "/tmp/amiwiz-test-proto.XXXXXX", p[600], got[8192];
	assert_non_null(mkdtemp(t));
	const char *dirs[] = {"etc", "boot", "boot/grub", "tmp"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", t, dirs[i]);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	chmod(t, 0755);
	snprintf(p, sizeof(p), "%s/tmp", t);
	chmod(p, 01777);
	const char *files[] = {"etc/fstab", "etc/os-release", "boot/vmlinuz", "boot/grub/x"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", t, files[i]);
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fclose(f);
		chmod(p, 0644);
	}
	snprintf(p, sizeof(p), "%s/etc/passwd", t);
	assert_int_equal(symlink("os-release", p), 0);
	snprintf(p, sizeof(p), "%s/etc/fifo", t);
	assert_int_equal(mkfifo(p, 0600), 0);
	snprintf(p, sizeof(p), "%s/etc/os-release", t);
	chmod(p, 04755);

	const struct build_extra extras[] = {
		{"/etc/fstab", '-', 0644, "/w/fstab", 0, 0},
		{"/dev", 'd', 0755, NULL, 0, 0},
		{"/dev/console", 'c', 0600, NULL, 5, 1},
		{"/boot", 'd', 0755, NULL, 0, 0},
	};
	struct dynbuf out;
	struct build_proto_stats st;
	struct err e;
	err_clear(&e);
	dyn_init(&out, 1 << 20);
	assert_int_equal(build_xfs_proto(t, "/boot", extras, 4, &out, &st, &e), 0);
	snprintf(got, sizeof(got), "%s", dyn_ptr(&out));
	replace_all(got, t, "R");
	char uid[64];
	snprintf(uid, sizeof(uid), " %u %u", (unsigned)getuid(), (unsigned)getgid());
	replace_all(got, uid, " U G");
	const char *want = "amiwiz\n0 0\nd--755 U G\n"
			   "\tboot d--755 U G\n"
			   "\t\t$\n"
			   "\tetc d--755 U G\n"
			   "\t\tfifo p--600 U G\n"
			   "\t\tfstab ---644 0 0 /w/fstab\n"
			   "\t\tos-release -u-755 U G R/etc/os-release\n"
			   "\t\tpasswd l--777 U G os-release\n"
			   "\t\t$\n"
			   "\ttmp d--777 U G\n"
			   "\t\t$\n"
			   "\tdev d--755 0 0\n"
			   "\t\tconsole c--600 0 0 5 1\n"
			   "\t\t$\n"
			   "$\n";
	char wantbuf[2048];
	snprintf(wantbuf, sizeof(wantbuf), "%s", want);
	if (getuid() == 0 && getgid() == 0)
		replace_all(wantbuf, " 0 0", " U G"); /* ours are root's too */
	assert_string_equal(got, wantbuf);
	assert_int_equal(st.lost_sticky, 1);
	assert_int_equal(st.entries, 9);

	/* a name with a space cannot be written */
	snprintf(p, sizeof(p), "%s/etc/two words", t);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
	dyn_reset(&out);
	assert_int_equal(build_xfs_proto(t, NULL, NULL, 0, &out, &st, &e), -1);
	assert_int_equal(e.kind, ERR_USAGE);
	assert_non_null(strstr(e.message, "/etc/two words"));
	unlink(p);
	/* nor a link whose target starts with ':' */
	snprintf(p, sizeof(p), "%s/etc/colon", t);
	assert_int_equal(symlink(":x", p), 0);
	dyn_reset(&out);
	assert_int_equal(build_xfs_proto(t, NULL, NULL, 0, &out, &st, &e), -1);
	assert_non_null(strstr(e.message, "/etc/colon"));
	unlink(p);

	/* emptying a separate /boot: children before their directory */
	dyn_reset(&out);
	snprintf(p, sizeof(p), "%s/boot", t);
	assert_int_equal(build_boot_cleanup_cmds(p, &out, &e), 0);
	assert_string_equal(dyn_ptr(&out), "rm \"/boot/grub/x\"\nrmdir \"/boot/grub\"\n"
					   "rm \"/boot/vmlinuz\"\n");
	dyn_free(&out);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dry_run_hvm_bios),
		cmocka_unit_test(test_dry_run_debootstrap),
		cmocka_unit_test(test_patch_grub_bios),
		cmocka_unit_test(test_xfs_proto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
