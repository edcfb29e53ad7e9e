#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/kconfig.h"

/* Table: a configuration text and what lookups must give. */
struct lookup {
	const char *name;
	const char *value; /* NULL: absent */
	char tri;
};

static const struct {
	const char *what;
	const char *text;
	struct lookup want[6];
	const char *version;
	unsigned bad;
} cases[] = {
	{"plain and comments",
	 "#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86 6.1.0 Kernel Configuration\n"
	 "CONFIG_XEN=y\n\n# comment\nCONFIG_EXT4_FS=m\nCONFIG_NR_CPUS=64\n",
	 {{"XEN", "y", 'y'}, {"CONFIG_EXT4_FS", "m", 'm'}, {"NR_CPUS", "64", 'y'}, {"FOO", NULL, 0}},
	 "6.1.0",
	 0},
	{"is not set",
	 "# CONFIG_KERNEL_XZ is not set\nCONFIG_KERNEL_GZIP=y\n#CONFIG_ODD is not set\n"
	 "# CONFIG_TRAILING is not set  \n",
	 {{"KERNEL_XZ", "n", 'n'}, {"KERNEL_GZIP", "y", 'y'}, {"ODD", "n", 'n'}, {"TRAILING", NULL, 0}},
	 "",
	 0},
	{"quoting",
	 "CONFIG_CMDLINE=\"console=hvc0 root=/dev/xvda1\"\nCONFIG_Q=\"a \\\"b\\\" \\\\c\"\n"
	 "CONFIG_EMPTY=\"\"\nCONFIG_OPEN=\"unterminated\n",
	 {{"CMDLINE", "console=hvc0 root=/dev/xvda1", 'y'},
	  {"Q", "a \"b\" \\c", 'y'},
	  {"EMPTY", "", 'n'},
	  {"OPEN", NULL, 0}},
	 "",
	 1},
	{"CRLF line ends",
	 "# Linux/arm64 6.6.1 Kernel Configuration\r\nCONFIG_ARM64=y\r\n# CONFIG_X is not set\r\n"
	 "CONFIG_S=\"v\"\r\n",
	 {{"ARM64", "y", 'y'}, {"X", "n", 'n'}, {"S", "v", 'y'}},
	 "6.6.1",
	 0},
	{"duplicates: the last wins",
	 "CONFIG_A=y\nCONFIG_B=m\nCONFIG_A=m\n# CONFIG_B is not set\nCONFIG_C=n\nCONFIG_A=y\n",
	 {{"A", "y", 'y'}, {"B", "n", 'n'}, {"C", "n", 'n'}},
	 "",
	 0},
	{"garbage lines counted, not fatal",
	 "hello world\nCONFIG_=y\nCONFIG_OK=y\nCONFIG_NOEQ\n   CONFIG_INDENT=m\n",
	 {{"OK", "y", 'y'}, {"INDENT", "m", 'm'}},
	 "",
	 3},
	{"no final newline", "CONFIG_LAST=y", {{"LAST", "y", 'y'}}, "", 0},
};

static void test_parse_table(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kconfig k;
		struct err e;
		err_clear(&e);
		int rc = kconfig_parse(cases[i].text, strlen(cases[i].text), &k, &e);
		if (rc != 0)
			fail_msg("%s: %s", cases[i].what, e.message);
		for (size_t j = 0; j < 6 && cases[i].want[j].name; j++) {
			const struct lookup *l = &cases[i].want[j];
			const char *v = kconfig_get(&k, l->name);
			if (l->value == NULL) {
				if (v)
					fail_msg("%s: %s should be absent, is %s", cases[i].what,
						 l->name, v);
			} else {
				if (!v || strcmp(v, l->value) != 0)
					fail_msg("%s: %s is %s, want %s", cases[i].what, l->name,
						 v ? v : "(absent)", l->value);
			}
			assert_int_equal(kconfig_tristate(&k, l->name), l->tri);
		}
		assert_string_equal(k.version, cases[i].version);
		assert_int_equal(k.bad_lines, cases[i].bad);
		kconfig_free(&k);
	}
}

static const struct {
	const char *what;
	const char *text;
	size_t len;
} bad[] = {
	{"empty", "", 0},
	{"comments only", "# hello\n# CONFIG_X is set\n", 0},
	{"binary", "CONFIG_A=y\n\0\x01\x02", 14},
	{"prose", "Dear user,\nthis is not a config.\n", 0},
};

static void test_rejects(void **state)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct kconfig k;
		struct err e;
		err_clear(&e);
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);
		assert_int_equal(kconfig_parse(bad[i].text, len, &k, &e), -1);
		assert_int_equal(e.kind, ERR_INPUT);
		assert_true(strlen(e.message) > 10);
		assert_null(k.entries);
	}
}

static void test_many_options_sorted_lookup(void **state)
{
	/* 20000 options in reverse order, every one found by binary search */
	static char text[20000 * 24];
	size_t n = 0;
	for (int i = 19999; i >= 0; i--)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "CONFIG_OPT_%05d=%s\n", i,
				      i % 2 ? "y" : "m");
	struct kconfig k;
	struct err e;
	assert_int_equal(kconfig_parse(text, n, &k, &e), 0);
	assert_int_equal(k.n, 20000);
	for (int i = 0; i < 20000; i += 7) {
		char name[32];
		snprintf(name, sizeof(name), "OPT_%05d", i);
		assert_int_equal(kconfig_tristate(&k, name), i % 2 ? 'y' : 'm');
	}
	assert_null(kconfig_get(&k, "OPT_20000"));
	kconfig_free(&k);
	kconfig_free(&k); /* twice, and NULL: harmless */
	kconfig_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_many_options_sorted_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
