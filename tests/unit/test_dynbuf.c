#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "help/dynbuf.h"

static void test_empty_is_empty_string(void **state)
{
	struct dynbuf d;
	dyn_init(&d, 16);
	assert_string_equal(dyn_ptr(&d), "");
	assert_int_equal(dyn_len(&d), 0);
	dyn_free(&d);
}

/* Table: a sequence of appends to a buffer of a given maximum, and what must
 * come out (the contents, and the code of the last append). */
static const struct {
	size_t max;
	const char *parts[4];
	const char *want;
	int last_rc;
} add_cases[] = {
	{16, {"abc", "def"}, "abcdef", 0},
	{6, {"abc", "def"}, "abcdef", 0},         /* exactly the maximum */
	{5, {"abc", "def"}, "abc", -E2BIG},       /* refused whole, not cut */
	{0, {"a"}, "", -E2BIG},
	{1000, {"", "", "x"}, "x", 0},
	{64, {"0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"},
	 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 0},
};

static void test_add_table(void **state)
{
	for (size_t i = 0; i < sizeof(add_cases) / sizeof(add_cases[0]); i++) {
		struct dynbuf d;
		int rc = 0;
		dyn_init(&d, add_cases[i].max);
		for (size_t j = 0; j < 4 && add_cases[i].parts[j]; j++)
			rc = dyn_addstr(&d, add_cases[i].parts[j]);
		assert_int_equal(rc, add_cases[i].last_rc);
		assert_string_equal(dyn_ptr(&d), add_cases[i].want);
		assert_int_equal(dyn_len(&d), strlen(add_cases[i].want));
		dyn_free(&d);
	}
}

static void test_addf_and_limit(void **state)
{
	struct dynbuf d;
	dyn_init(&d, 10);
	assert_int_equal(dyn_addf(&d, "%d-%s", 42, "x"), 0);
	assert_string_equal(dyn_ptr(&d), "42-x");
	assert_int_equal(dyn_addf(&d, "%s", "1234567"), -E2BIG);
	assert_string_equal(dyn_ptr(&d), "42-x");
	assert_int_equal(dyn_addf(&d, "%s", "123456"), 0);
	assert_int_equal(dyn_len(&d), 10);
	dyn_free(&d);
}

static void test_binary_and_truncate(void **state)
{
	struct dynbuf d;
	dyn_init(&d, 100);
	assert_int_equal(dyn_add(&d, "a\0b", 3), 0);
	assert_int_equal(dyn_len(&d), 3);
	assert_memory_equal(dyn_ptr(&d), "a\0b", 4); /* trailing NUL kept */
	dyn_truncate(&d, 1);
	assert_string_equal(dyn_ptr(&d), "a");
	dyn_truncate(&d, 50); /* longer than the contents: nothing happens */
	assert_int_equal(dyn_len(&d), 1);
	dyn_reset(&d);
	assert_string_equal(dyn_ptr(&d), "");
	dyn_free(&d);
}

static void test_take(void **state)
{
	struct dynbuf d;
	size_t len = 99;
	dyn_init(&d, 100);
	char *p = dyn_take(&d, &len); /* empty: a fresh "" */
	assert_non_null(p);
	assert_string_equal(p, "");
	assert_int_equal(len, 0);
	free(p);
	dyn_addstr(&d, "hello");
	p = dyn_take(&d, &len);
	assert_string_equal(p, "hello");
	assert_int_equal(len, 5);
	assert_int_equal(dyn_len(&d), 0);
	assert_string_equal(dyn_ptr(&d), "");
	free(p);
	dyn_free(&d);
}

static void test_many_small_adds(void **state)
{
	struct dynbuf d;
	dyn_init(&d, 100000);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(dyn_addc(&d, (char)('a' + i % 26)), 0);
	assert_int_equal(dyn_addc(&d, 'z'), -E2BIG);
	assert_int_equal(dyn_len(&d), 100000);
	assert_int_equal(dyn_ptr(&d)[26], 'a');
	dyn_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_empty_string),
		cmocka_unit_test(test_add_table),
		cmocka_unit_test(test_addf_and_limit),
		cmocka_unit_test(test_binary_and_truncate),
		cmocka_unit_test(test_take),
		cmocka_unit_test(test_many_small_adds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
