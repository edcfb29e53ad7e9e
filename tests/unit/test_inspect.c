#include <errno.h>
#include <ext2fs/ext2fs.h>
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
#include "engine/inspect.h"
#include "help/help.h"

static char tmp[] = "/tmp/amiwiz-test-inspect.XXXXXX";

static void put(const char *rel, const void *data, size_t len)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fwrite(data, 1, len, f);
	fclose(f);
}

static void fake_bzimage(unsigned char *k, size_t len, bool x64)
{
	memset(k, 0, len);
	k[0x1fe] = 0x55;
	k[0x1ff] = 0xaa;
	memcpy(k + 0x202, "HdrS", 4);
	k[0x206] = 0x0f; /* protocol 2.15 */
	k[0x207] = 0x02;
	k[0x20e] = 0x00; /* version string at 0x200 + 0x300 */
	k[0x20f] = 0x03;
	strcpy((char *)k + 0x500, "6.1.0-10-cloud-amd64 (debian-kernel@lists.debian.org)");
	k[0x236] = x64 ? 1 : 0;
}

static void test_bzimage(void **state)
{
	unsigned char k[4096];
	char v[64];
	int bits;
	fake_bzimage(k, sizeof(k), true);
	assert_int_equal(inspect_bzimage(k, sizeof(k), v, sizeof(v), &bits), 0);
	assert_string_equal(v, "6.1.0-10-cloud-amd64");
	assert_int_equal(bits, 64);
	fake_bzimage(k, sizeof(k), false);
	assert_int_equal(inspect_bzimage(k, sizeof(k), v, sizeof(v), &bits), 0);
	assert_int_equal(bits, 32);
	assert_int_equal(inspect_bzimage(k, 100, v, sizeof(v), &bits), -1);
	memcpy(k + 0x202, "HdrX", 4);
	assert_int_equal(inspect_bzimage(k, sizeof(k), v, sizeof(v), &bits), -1);
}

/* Build a real ext4 image, read its files back with libext2fs directly, then
 * check inspect's verdicts on it. */
static void test_build_then_read_back(void **state)
{
	char root[512], out[600], p[600];
	assert_non_null(mkdtemp(tmp));
	snprintf(root, sizeof(root), "%s/root", tmp);
	snprintf(out, sizeof(out), "%s/disk.img", tmp);
	const char *dirs[] = {"root", "root/boot", "root/etc", "root/sbin"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", tmp, dirs[i]);
		mkdir(p, 0755);
	}
	static unsigned char k[8192];
	fake_bzimage(k, sizeof(k), true);
	put("root/boot/vmlinuz-6.1.0-10-cloud-amd64", k, sizeof(k));
	const char *osr = "PRETTY_NAME=\"Test Linux 1\"\nID=test\n";
	put("root/etc/os-release", osr, strlen(osr));
	const unsigned char elf64[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
	put("root/sbin/init", elf64, sizeof(elf64));

	struct loop *l = loop_new();
	struct proc_runner r;
	proc_runner_init(&r, l, false);
	struct build_opts o = {
		.layout = {.kind = DISK_LAYOUT_HVM_BIOS, .table = -1, .size = 32 * DISK_MIB},
		.source_kind = BUILD_FROM_DIR, .source = root, .out = out, .tmpdir = tmp};
	struct build_result res;
	struct err e;
	err_clear(&e);
	if (build_image(&r, &o, &res, &e) != 0)
		fail_msg("%s: %s", e.doing, e.message);

	/* libext2fs, straight: the os-release we put and the fstab the build wrote */
	ext2_filsys fs;
	char opts[64];
	snprintf(opts, sizeof(opts), "offset=%llu", (unsigned long long)res.layout.parts[0].start);
	assert_int_equal(ext2fs_open2(out, opts, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs), 0);
	const char *files[] = {"/etc/os-release", "/etc/fstab", "/boot/grub/grub.cfg"};
	for (size_t i = 0; i < 3; i++) {
		ext2_ino_t ino;
		ext2_file_t f;
		char buf[4096] = "";
		unsigned got = 0;
		assert_int_equal(ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, files[i], &ino), 0);
		assert_int_equal(ext2fs_file_open(fs, ino, 0, &f), 0);
		assert_int_equal(ext2fs_file_read(f, buf, sizeof(buf) - 1, &got), 0);
		ext2fs_file_close(f);
		if (i == 0)
			assert_string_equal(buf, osr);
		if (i == 1) {
			char want[128];
			snprintf(want, sizeof(want), "UUID=%s\t/\text4", res.layout.parts[0].fs_uuid);
			assert_non_null(strstr(buf, want));
		}
		if (i == 2)
			assert_non_null(strstr(buf, res.cmdline));
	}
	ext2fs_close_free(&fs);

	struct inspect_report *rep = calloc(1, sizeof(*rep));
	struct inspect_opts io = {.target = INSPECT_TARGET_IMPORT};
	assert_int_equal(inspect_image(out, &io, rep, &e), 0);
	assert_string_equal(rep->table, "dos");
	assert_int_equal(rep->nparts, 1);
	assert_string_equal(rep->parts[0].fstype, "ext4");
	assert_string_equal(rep->parts[0].uuid, res.layout.parts[0].fs_uuid);
	assert_string_equal(rep->parts[0].partuuid, res.layout.parts[0].partuuid);
	assert_string_equal(rep->os_name, "Test Linux 1");
	assert_true(rep->kernel_found);
	assert_string_equal(rep->kernel_version, "6.1.0-10-cloud-amd64");
	assert_int_equal(rep->userland_bits, 64);
	assert_true(rep->boot_code);
	if (inspect_has_blocker(rep))
		fail_msg("unexpected blocker: %s", rep->findings[0].text);

	char status[160];
	assert_int_equal(inspect_import_outcome(out, NULL, NULL, status, sizeof(status), &e), 0);
	assert_string_equal(status, "");
	/* for pv, the same image has no menu.lst */
	io.target = INSPECT_TARGET_PV;
	assert_int_equal(inspect_image(out, &io, rep, &e), 0);
	assert_true(inspect_has_blocker(rep));
	assert_string_equal(rep->findings[0].code, "pv.menu-lst-missing");

	/* an empty file: unusable, and VM Import's own answer for it */
	snprintf(p, sizeof(p), "%s/empty.img", tmp);
	put("empty.img", "", 0);
	err_clear(&e);
	assert_int_equal(inspect_image(p, &io, rep, &e), -1);
	assert_int_equal(e.kind, ERR_INPUT);
	assert_int_equal(inspect_import_outcome(p, NULL, NULL, status, sizeof(status), &e), 0);
	assert_non_null(strstr(status, "disk-image-size=0"));
	free(rep);
	proc_runner_release(&r);
	loop_free(l);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	assert_int_equal(system(cmd), 0);
}

/* Every finding code has a complete entry "inspect:<code>" in the help
 * catalog (help/catalog/inspect.txt), and the codes are distinct. */
static void test_every_code_is_explained(void **state)
{
	(void)state;
	static const char *const codes[] = {
#define X(id, code) [id] = code,
		INSPECT_CODES(X)
#undef X
	};
	assert_int_equal(sizeof(codes) / sizeof(codes[0]), INSPECT_CODE_MAX);
	int missing = 0;
	for (int i = 0; i < INSPECT_CODE_MAX; i++) {
		assert_string_equal(inspect_code_name((enum inspect_code)i), codes[i]);
		assert_true(strlen(codes[i]) < sizeof(((struct inspect_finding *)0)->code));
		for (int j = 0; j < i; j++)
			if (strcmp(codes[i], codes[j]) == 0)
				fail_msg("code %s is listed twice", codes[i]);
		char key[96];
		snprintf(key, sizeof(key), "inspect:%s", codes[i]);
		const struct help_entry *e = help_lookup_key(key);
		if (!e || !e->title[0] || !e->what[0] || !e->why[0] || !e->do_text[0]) {
			print_error("no complete catalog entry [%s]\n", key);
			missing++;
			continue;
		}
		/* the bare code, as `amiwiz explain` takes it, finds the same entry */
		assert_ptr_equal(help_lookup(codes[i]), e);
	}
	assert_int_equal(missing, 0);
	assert_string_equal(inspect_code_name(INSPECT_CODE_MAX), "?");
	assert_null(help_lookup_key("inspect:no.such-finding"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bzimage),
		cmocka_unit_test(test_every_code_is_explained),
		cmocka_unit_test(test_build_then_read_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
