#include <blkid/blkid.h>
#include <errno.h>
#include <parted/parted.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/disk.h"
#include "engine/disk_priv.h"

#define MIB DISK_MIB

static void test_plan_refusals(void **state)
{
	static const struct {
		struct disk_layout_opts o;
		const char *why;
	} cases[] = {
		{{DISK_LAYOUT_PV_SIMPLE, DISK_TABLE_GPT, DISK_FS_EXT4, 64 * MIB, 0, 0}, "GPT"},
		{{DISK_LAYOUT_PV_SIMPLE, -1, DISK_FS_BTRFS, 512 * MIB, 0, 0}, "pv-grub cannot read"},
		{{DISK_LAYOUT_HVM_BIOS, DISK_TABLE_NONE, DISK_FS_EXT4, 64 * MIB, 0, 0}, "partition table"},
		{{DISK_LAYOUT_UEFI, DISK_TABLE_MBR, DISK_FS_EXT4, 128 * MIB, 0, 0}, "GPT"},
		{{DISK_LAYOUT_UEFI, -1, DISK_FS_EXT4, 60 * MIB, 0, 0}, "too small"},
		{{DISK_LAYOUT_HVM_BIOS, -1, DISK_FS_VFAT, 64 * MIB, 0, 0}, "cannot hold"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct disk_layout lay;
		struct err e;
		err_clear(&e);
		assert_int_equal(disk_layout_plan(&cases[i].o, &lay, &e), -1);
		assert_int_equal(e.kind, ERR_USAGE);
		if (!strstr(e.message, cases[i].why))
			fail_msg("case %zu: %s", i, e.message);
	}
}

/* Write each layout to a sparse file and read it back with libparted and
 * libblkid, independently of what the writer reported. */
static void test_layouts_write_and_read_back(void **state)
{
	static const struct {
		struct disk_layout_opts o;
		const char *pttype;
		unsigned nparts;
		enum disk_role roles[3];
	} cases[] = {
		{{DISK_LAYOUT_PV_CLASSIC, -1, DISK_FS_EXT4, 300 * MIB, 0, 0}, "dos", 2,
		 {DISK_ROLE_BOOT, DISK_ROLE_ROOT}},
		{{DISK_LAYOUT_PV_SIMPLE, -1, DISK_FS_EXT4, 64 * MIB, 0, 0}, "dos", 1, {DISK_ROLE_ROOT}},
		{{DISK_LAYOUT_PV_SIMPLE, DISK_TABLE_NONE, DISK_FS_EXT4, 64 * MIB, 0, 0}, NULL, 1,
		 {DISK_ROLE_ROOT}},
		{{DISK_LAYOUT_HVM_BIOS, -1, DISK_FS_EXT4, 64 * MIB, 0, 0}, "dos", 1, {DISK_ROLE_ROOT}},
		{{DISK_LAYOUT_HVM_BIOS, DISK_TABLE_GPT, DISK_FS_XFS, 400 * MIB, 0, 0}, "gpt", 2,
		 {DISK_ROLE_BIOS_BOOT, DISK_ROLE_ROOT}},
		{{DISK_LAYOUT_UEFI, -1, DISK_FS_EXT4, 128 * MIB, 0, 0}, "gpt", 2,
		 {DISK_ROLE_ESP, DISK_ROLE_ROOT}},
		{{DISK_LAYOUT_HYBRID, -1, DISK_FS_EXT4, 129 * MIB, 0, 0}, "gpt", 3,
		 {DISK_ROLE_BIOS_BOOT, DISK_ROLE_ESP, DISK_ROLE_ROOT}},
	};
	char path[] = "/tmp/amiwiz-test-disk.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct disk_layout lay;
		struct err e;
		err_clear(&e);
		unlink(path);
		assert_int_equal(disk_layout_plan(&cases[i].o, &lay, &e), 0);
		assert_int_equal(lay.nparts, cases[i].nparts);
		assert_int_equal(disk_image_create(path, cases[i].o.size, false, &e), 0);
		/* never overwritten unless told */
		assert_int_equal(disk_image_create(path, cases[i].o.size, false, &e), -1);
		assert_int_equal(e.code, EEXIST);
		if (disk_layout_write(&lay, path, &e) != 0)
			fail_msg("case %zu: %s", i, e.message);
		for (unsigned k = 0; k < lay.nparts; k++) {
			assert_int_equal(lay.parts[k].role, cases[i].roles[k]);
			assert_int_equal(lay.parts[k].start % MIB, 0);
			if (cases[i].pttype)
				assert_true(lay.parts[k].partuuid[0]);
		}
		if (!cases[i].pttype)
			continue;

		/* libparted's view */
		PedDevice *dev = ped_device_get(path);
		assert_non_null(dev);
		PedDisk *disk = ped_disk_new(dev);
		assert_non_null(disk);
		assert_string_equal(disk->type->name, strcmp(cases[i].pttype, "dos") == 0 ? "msdos" : "gpt");
		for (unsigned k = 0; k < lay.nparts; k++) {
			PedPartition *p = ped_disk_get_partition(disk, lay.parts[k].number);
			assert_non_null(p);
			assert_int_equal((uint64_t)p->geom.start * 512, lay.parts[k].start);
			assert_int_equal((uint64_t)p->geom.length * 512, lay.parts[k].size);
			if (lay.parts[k].role == DISK_ROLE_ESP)
				assert_true(ped_partition_get_flag(p, PED_PARTITION_ESP));
			if (lay.parts[k].role == DISK_ROLE_BIOS_BOOT)
				assert_true(ped_partition_get_flag(p, PED_PARTITION_BIOS_GRUB));
		}
		/* GPT keeps its backup at the end: the last partition stops before it */
		struct disk_part *last = &lay.parts[lay.nparts - 1];
		if (strcmp(cases[i].pttype, "gpt") == 0)
			assert_true(last->start + last->size <= cases[i].o.size - 33 * 512);
		ped_disk_destroy(disk);
		ped_device_destroy(dev);

		/* libblkid's view */
		blkid_probe pr = blkid_new_probe_from_filename(path);
		assert_non_null(pr);
		blkid_partlist pl = blkid_probe_get_partitions(pr);
		assert_non_null(pl);
		assert_string_equal(blkid_parttable_get_type(blkid_partlist_get_table(pl)),
				    cases[i].pttype);
		assert_int_equal(blkid_partlist_numof_partitions(pl), (int)lay.nparts);
		for (unsigned k = 0; k < lay.nparts; k++) {
			blkid_partition par = blkid_partlist_get_partition(pl, (int)k);
			assert_string_equal(blkid_partition_get_uuid(par), lay.parts[k].partuuid);
		}
		blkid_free_probe(pr);
	}
	unlink(path);
}

static int fake_probe_result;
static struct disk_usage fake_usage;

static int fake_probe(const char *path, struct disk_usage *ret, struct err *reterr)
{
	*ret = fake_usage;
	return fake_probe_result;
}

static void test_device_refusals(void **state)
{
	static const struct {
		struct disk_usage u;
		const char *confirm;
		long code;
		const char *why;
	} cases[] = {
		{{.mounted = true, .detail = "/dev/sdz1 is mounted on /mnt"}, "/dev/sdz", EBUSY, "mounted"},
		{{.swap = true, .detail = "/dev/sdz holds active swap"}, "/dev/sdz", EBUSY, "swap"},
		{{.holders = true, .detail = "sdz1 is in use by dm-0"}, "/dev/sdz", EBUSY, "dm-0"},
		{{.system = true, .detail = "/dev/sdz holds the running system (/)"}, "/dev/sdz", EBUSY, "running system"},
		{{0}, NULL, EPERM, "--confirm-device /dev/sdz"},
		{{0}, "/dev/sdy", EPERM, "type its name"},
		{{0}, "/dev/sdz", 0, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e;
		err_clear(&e);
		fake_usage = cases[i].u;
		fake_probe_result = 0;
		int rc = disk_device_check("/dev/sdz", cases[i].confirm, fake_probe, NULL, &e);
		if (!cases[i].why) {
			assert_int_equal(rc, 0);
			continue;
		}
		assert_int_equal(rc, -1);
		assert_int_equal(e.kind, ERR_USAGE);
		assert_int_equal(e.code, cases[i].code);
		if (!strstr(e.message, cases[i].why))
			fail_msg("case %zu: %s", i, e.message);
	}
	/* the real probe refuses what is not a block device */
	struct err e;
	err_clear(&e);
	assert_int_equal(disk_device_check("/etc/hostname", "/etc/hostname", NULL, NULL, &e), -1);
	assert_int_equal(e.code, ENOTBLK);
}

static void test_names_and_uuids(void **state)
{
	assert_int_equal(disk_layout_from_name("pv-classic"), DISK_LAYOUT_PV_CLASSIC);
	assert_int_equal(disk_layout_from_name("nope"), -1);
	assert_int_equal(disk_fs_from_name("fat32"), DISK_FS_VFAT);
	assert_int_equal(disk_table_from_name("msdos"), DISK_TABLE_MBR);
	assert_string_equal(disk_role_name(DISK_ROLE_BIOS_BOOT), "bios-boot");
	char a[DISK_UUID_LEN], b[DISK_UUID_LEN];
	disk_random_uuid(a);
	disk_random_uuid(b);
	assert_int_equal(strlen(a), 36);
	assert_int_equal(a[14], '4');
	assert_string_not_equal(a, b);
}

int main(void)
{
	disk_parted_quiet();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_refusals),
		cmocka_unit_test(test_layouts_write_and_read_back),
		cmocka_unit_test(test_device_refusals),
		cmocka_unit_test(test_names_and_uuids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
