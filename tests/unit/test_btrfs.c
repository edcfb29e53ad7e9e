#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/btrfs.h"

/* A btrfs made by mkfs.btrfs: its root tree holds no subvolume; damaged or
 * foreign data is refused with ERR_INPUT, never read out of bounds.  (A
 * filesystem with subvolumes needs a mount to make: tests/integration/41.) */
static char img[] = "/tmp/amiwiz-test-btrfs.XXXXXX";
static const off_t at = 1 << 20; /* as if it were a partition 1 MiB in */

static int setup(void **state)
{
	int fd = mkstemp(img);
	assert_true(fd >= 0);
	close(fd);
	char fs[64], cmd[512];
	snprintf(fs, sizeof(fs), "%s.fs", img);
	snprintf(cmd, sizeof(cmd),
		 "truncate -s 128M %s && mkfs.btrfs -q -f %s >/dev/null 2>&1 && "
		 "truncate -s 1M %s && cat %s >>%s && rm -f %s",
		 fs, fs, img, fs, img, fs);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static int teardown(void **state)
{
	unlink(img);
	return 0;
}

static int run(uint64_t size, struct btrfs_subvols *sv, struct err *e)
{
	int fd = open(img, O_RDONLY);
	assert_true(fd >= 0);
	err_clear(e);
	int rc = btrfs_subvolumes(fd, (uint64_t)at, size, sv, e);
	close(fd);
	return rc;
}

static void poke(off_t off, const void *b, size_t n)
{
	int fd = open(img, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, b, n, off), (ssize_t)n);
	close(fd);
}

static void test_mkfs_has_none(void **state)
{
	struct btrfs_subvols sv;
	struct err e;
	assert_int_equal(run(128u << 20, &sv, &e), 0);
	assert_int_equal(sv.count, 0);
	assert_int_equal(sv.first_id, 0);
}

static void test_truncated(void **state)
{
	struct btrfs_subvols sv;
	struct err e;
	/* the tree blocks lie past a 1 MiB bound */
	assert_int_equal(run(1u << 20, &sv, &e), -1);
	assert_int_equal(e.kind, ERR_INPUT);
	/* too short for a superblock */
	assert_int_equal(run(4096, &sv, &e), -1);
	assert_int_equal(e.kind, ERR_INPUT);
}

static void test_damaged(void **state)
{
	struct btrfs_subvols sv;
	struct err e;
	unsigned char save[8], junk[8];
	int fd = open(img, O_RDONLY);
	/* the root tree pointer, moved: the block there does not name itself */
	assert_int_equal(pread(fd, save, 8, at + 0x10000 + 0x50), 8);
	close(fd);
	memcpy(junk, save, 8);
	junk[1] ^= 0x02; /* 512 bytes off: inside some block, not at one */
	poke(at + 0x10000 + 0x50, junk, 8);
	assert_int_equal(run(128u << 20, &sv, &e), -1);
	assert_int_equal(e.kind, ERR_INPUT);
	poke(at + 0x10000 + 0x50, save, 8);
	assert_int_equal(run(128u << 20, &sv, &e), 0);
	/* not btrfs at all */
	poke(at + 0x10000 + 0x40, "XXXXXXXX", 8);
	assert_int_equal(run(128u << 20, &sv, &e), -1);
	assert_non_null(strstr(e.message, "no btrfs superblock"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkfs_has_none),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_damaged),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
