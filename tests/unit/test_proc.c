#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/proc.h"

struct lines {
	int n;
	char last[256];
};

static void count_line(void *data, enum proc_stream s, const char *line)
{
	struct lines *l = data;
	l->n++;
	snprintf(l->last, sizeof(l->last), "%s", line);
}

static void test_quote(void **state)
{
	static const struct {
		const char *argv[4];
		const char *want;
	} cases[] = {
		{{"mke2fs", "-E", "offset=1048576", NULL}, "mke2fs -E offset=1048576"},
		{{"echo", "two words", NULL}, "echo 'two words'"},
		{{"echo", "it's", NULL}, "echo 'it'\\''s'"},
		{{"echo", "", NULL}, "echo ''"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dynbuf d;
		dyn_init(&d, 1024);
		assert_int_equal(proc_quote_argv(cases[i].argv, &d), 0);
		assert_string_equal(dyn_ptr(&d), cases[i].want);
		dyn_free(&d);
	}
}

static void test_dry_run_records(void **state)
{
	struct loop *l = loop_new();
	struct proc_runner r;
	proc_runner_init(&r, l, true);
	const char *a[] = {"false", NULL};
	const char *b[] = {"mkfs.fat", "-n", "EFI SYS", NULL};
	struct err e;
	err_clear(&e);
	assert_int_equal(proc_run(&r, a, NULL, &e), 0); /* not run: would fail */
	assert_int_equal(proc_run(&r, b, NULL, &e), 0);
	assert_string_equal(dyn_ptr(&r.record), "false\nmkfs.fat -n 'EFI SYS'\n");
	proc_runner_release(&r);
	loop_free(l);
}

static void test_real_run_lines_and_failure(void **state)
{
	struct loop *l = loop_new();
	struct proc_runner r;
	proc_runner_init(&r, l, false);
	struct lines lines = {0};
	struct proc_opts o = {.stdout_fd = -1, .on_line = count_line, .line_data = &lines};
	struct err e;
	err_clear(&e);
	const char *ok[] = {"sh", "-c", "echo one; echo two >&2; printf three", NULL};
	assert_int_equal(proc_run(&r, ok, &o, &e), 0);
	assert_int_equal(lines.n, 3);
	assert_string_equal(lines.last, "three");
	assert_non_null(strstr(dyn_ptr(&r.log), "$ sh -c"));
	assert_non_null(strstr(dyn_ptr(&r.log), "! two"));

	const char *bad[] = {"sh", "-c", "echo first; echo 'the reason' >&2; exit 3", NULL};
	assert_int_equal(proc_run(&r, bad, &o, &e), -1);
	assert_int_equal(e.kind, ERR_CHILD);
	assert_int_equal(e.code, 3);
	assert_non_null(strstr(e.message, "exit status 3"));
	assert_non_null(strstr(e.message, "the reason"));

	const char *missing[] = {"amiwiz-no-such-program", NULL};
	err_clear(&e);
	assert_true(proc_run(&r, missing, &o, &e) < 0);
	assert_int_equal(e.kind, ERR_SYSTEM);
	assert_int_equal(e.code, ENOENT);

	const char *slow[] = {"sleep", "30", NULL};
	struct proc_opts t = {.stdout_fd = -1, .timeout_ms = 200};
	uint64_t t0 = loop_now_ms();
	err_clear(&e);
	assert_int_equal(proc_run(&r, slow, &t, &e), -1);
	assert_true(loop_now_ms() - t0 < 5000);
	assert_non_null(strstr(e.message, "did not finish in time"));
	proc_runner_release(&r);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_dry_run_records),
		cmocka_unit_test(test_real_run_lines_and_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
