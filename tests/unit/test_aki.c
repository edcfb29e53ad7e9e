#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "help/aki.h"

static void test_table_is_sane(void **state)
{
	assert_true(aki_count() > 50);
	for (size_t i = 0; i < aki_count(); i++) {
		const struct aki *a = aki_at(i);
		assert_non_null(a);
		assert_int_equal(strncmp(a->id, "aki-", 4), 0);
		assert_int_equal(strlen(a->id), 12);
		assert_true(strcmp(a->arch, "i386") == 0 || strcmp(a->arch, "x86_64") == 0);
		assert_true(a->disk < AKI_DISK_MAX);
		/* the image name, when known, agrees with the disk, version and arch */
		if (a->image_name && a->version) {
			char want[64];
			snprintf(want, sizeof(want), "pv-grub-%s_%s-%s.gz", aki_disk_name(a->disk),
				 a->version, a->arch);
			assert_string_equal(a->image_name, want);
		}
		if (i > 0) /* sorted by region */
			assert_true(strcmp(aki_at(i - 1)->region, a->region) <= 0);
	}
	assert_null(aki_at(aki_count()));
}

/* Ids from AWS's own table of pv-grub 1.05 hd0 kernels. */
static const struct {
	const char *region, *arch;
	enum aki_disk disk;
	const char *want; /* NULL: none known */
} rec_cases[] = {
	{"us-east-1", "x86_64", AKI_DISK_HD0, "aki-5c21674b"},
	{"us-east-1", "i386", AKI_DISK_HD0, "aki-04206613"},
	{"eu-west-1", "x86_64", AKI_DISK_HD0, "aki-dc9ed9af"},
	{"ap-southeast-2", "i386", AKI_DISK_HD0, "aki-ba5665d9"},
	{"sa-east-1", "x86_64", AKI_DISK_HD0, "aki-912fbcfd"},
	{"eu-north-1", "x86_64", AKI_DISK_HD0, NULL},
	{"us-east-1", "arm64", AKI_DISK_HD0, NULL},
};

static void test_recommend_table(void **state)
{
	for (size_t i = 0; i < sizeof(rec_cases) / sizeof(rec_cases[0]); i++) {
		const struct aki *a =
			aki_recommend(rec_cases[i].region, rec_cases[i].arch, rec_cases[i].disk);
		if (!rec_cases[i].want) {
			assert_null(a);
			continue;
		}
		assert_non_null(a);
		assert_string_equal(a->id, rec_cases[i].want);
	}
}

static void test_recommend_prefers_newest(void **state)
{
	/* wherever a 1.05 hd0 kernel exists, it is the one recommended */
	for (size_t i = 0; i < aki_count(); i++) {
		const struct aki *a = aki_at(i);
		const struct aki *r = aki_recommend(a->region, a->arch, a->disk);
		assert_non_null(r);
		assert_true(aki_version_cmp(r->version, a->version) >= 0);
	}
}

static void test_lookup_and_names(void **state)
{
	const struct aki *a = aki_by_id("aki-5c21674b");
	assert_non_null(a);
	assert_string_equal(a->region, "us-east-1");
	assert_null(aki_by_id("aki-00000000"));
	enum aki_disk d;
	assert_int_equal(aki_disk_from_name("hd00", &d), 0);
	assert_int_equal(d, AKI_DISK_HD00);
	assert_int_equal(aki_disk_from_name("hd1", &d), -1);
	assert_string_equal(aki_disk_name(AKI_DISK_HD0), "hd0");
	assert_string_equal(aki_disk_name(AKI_DISK_MAX), "unknown");
	assert_true(aki_version_cmp("1.04", "1.05") < 0);
	assert_true(aki_version_cmp(NULL, "1.03") < 0);
	assert_int_equal(aki_version_cmp(NULL, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_sane),
		cmocka_unit_test(test_recommend_table),
		cmocka_unit_test(test_recommend_prefers_newest),
		cmocka_unit_test(test_lookup_and_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
