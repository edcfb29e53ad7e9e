#include <dirent.h>
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

#include "help/atomicfile.h"

static char dir[] = "/tmp/amiwiz-atomic-XXXXXX";

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int count_entries(const char *d)
{
	DIR *dh = opendir(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dh)))
		if (e->d_name[0] != '.')
			n++;
	closedir(dh);
	return n;
}

static void test_write_then_replace(void **state)
{
	char path[256];
	struct err e;
	struct dynbuf d;
	snprintf(path, sizeof(path), "%s/plan.json", dir);
	err_clear(&e);
	assert_int_equal(atomic_write_file(path, "first", 5, 0600, &e), 0);
	assert_int_equal(atomic_write_file(path, "second!", 7, 0640, &e), 0);
	dyn_init(&d, 100);
	assert_int_equal(read_file_bounded(path, 100, &d, &e), 0);
	assert_string_equal(dyn_ptr(&d), "second!");
	dyn_free(&d);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640); /* exact, whatever the umask */
	assert_int_equal(count_entries(dir), 1);  /* no temporary left behind */
}

static void test_failure_keeps_old_file(void **state)
{
	char path[256];
	struct err e;
	err_clear(&e);
	/* the target's directory does not exist: nothing may be created */
	snprintf(path, sizeof(path), "%s/missing/plan.json", dir);
	assert_true(atomic_write_file(path, "x", 1, 0600, &e) < 0);
	assert_int_equal(e.kind, ERR_SYSTEM);
	assert_non_null(strstr(e.message, "missing/plan.json"));
	/* a directory in the way of the rename: the directory survives */
	char d2[256];
	snprintf(d2, sizeof(d2), "%s/adir", dir);
	assert_int_equal(mkdir(d2, 0700), 0);
	err_clear(&e);
	assert_true(atomic_write_file(d2, "x", 1, 0600, &e) < 0);
	struct stat st;
	assert_int_equal(stat(d2, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(count_entries(dir), 2); /* plan.json and adir only */
}

static void test_read_bounded(void **state)
{
	char path[256];
	struct err e;
	struct dynbuf d;
	snprintf(path, sizeof(path), "%s/big", dir);
	err_clear(&e);
	assert_int_equal(atomic_write_file(path, "0123456789", 10, 0600, &e), 0);
	dyn_init(&d, 1000);
	assert_true(read_file_bounded(path, 9, &d, &e) < 0);
	assert_int_equal(e.kind, ERR_INPUT);
	assert_int_equal(dyn_len(&d), 0);
	err_clear(&e);
	assert_int_equal(read_file_bounded(path, 10, &d, &e), 0);
	assert_int_equal(dyn_len(&d), 10);
	err_clear(&e);
	assert_true(read_file_bounded(dir, 10, &d, &e) < 0); /* a directory */
	assert_int_equal(e.kind, ERR_INPUT);
	err_clear(&e);
	assert_true(read_file_bounded("/nonexistent/x", 10, &d, &e) < 0);
	assert_int_equal(e.kind, ERR_SYSTEM);
	assert_int_equal(e.code, ENOENT);
	dyn_free(&d);
}

static void test_mkdir_parents(void **state)
{
	char path[256];
	struct err e;
	err_clear(&e);
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(mkdir_parents(path, 0700, &e), 0);
	assert_int_equal(mkdir_parents(path, 0700, &e), 0); /* again: fine */
	snprintf(path, sizeof(path), "%s/big/sub", dir);      /* "big" is a file */
	assert_true(mkdir_parents(path, 0700, &e) < 0);
}

static const struct {
	const char *xdg, *home, *want;
} state_cases[] = {
	{"/x/state", "/home/u", "/x/state/amiwiz"},
	{NULL, "/home/u", "/home/u/.local/state/amiwiz"},
	{"relative", "/home/u", "/home/u/.local/state/amiwiz"}, /* must be absolute */
	{NULL, NULL, NULL},
	{"", "rel", NULL},
};

static void test_state_dir_table(void **state)
{
	for (size_t i = 0; i < sizeof(state_cases) / sizeof(state_cases[0]); i++) {
		struct err e;
		struct dynbuf d;
		err_clear(&e);
		dyn_init(&d, 4096);
		if (state_cases[i].xdg)
			setenv("XDG_STATE_HOME", state_cases[i].xdg, 1);
		else
			unsetenv("XDG_STATE_HOME");
		if (state_cases[i].home)
			setenv("HOME", state_cases[i].home, 1);
		else
			unsetenv("HOME");
		int r = state_dir(&d, &e);
		if (state_cases[i].want) {
			assert_int_equal(r, 0);
			assert_string_equal(dyn_ptr(&d), state_cases[i].want);
		} else {
			assert_true(r < 0);
			assert_int_equal(e.kind, ERR_INPUT);
		}
		dyn_free(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_then_replace),
		cmocka_unit_test(test_failure_keeps_old_file),
		cmocka_unit_test(test_read_bounded),
		cmocka_unit_test(test_mkdir_parents),
		cmocka_unit_test(test_state_dir_table),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
