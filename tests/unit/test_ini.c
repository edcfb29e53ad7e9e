#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/ini.h"

/* A file, and what must (not) be read from it. */
static const struct {
	const char *name;
	const char *text;
	int ok;                /* parse succeeds */
	const char *section, *sub, *key, *want; /* want NULL: absent */
	const char *errpart;   /* a piece of the error message */
} cases[] = {
	{"plain", "[default]\nregion = eu-west-1\n", 1, "default", NULL, "region", "eu-west-1", NULL},
	{"colon separator", "[default]\nregion: eu-west-1\n", 1, "default", NULL, "region", "eu-west-1", NULL},
	{"no spaces", "[default]\nregion=eu-west-1", 1, "default", NULL, "region", "eu-west-1", NULL},
	{"whitespace around", "  [ profile dev ]  \n\t region \t=\t us-east-2 \t\n", 1, "profile dev", NULL, "region", "us-east-2", NULL},
	{"keys are lower-cased", "[default]\nAWS_Access_Key_ID = AKIA\n", 1, "default", NULL, "aws_access_key_id", "AKIA", NULL},
	{"section names keep case", "[Profile Dev]\nx = 1\n", 1, "Profile Dev", NULL, "x", "1", NULL},
	{"hash comment", "# top\n[default]\n# region = no\nregion = yes\n", 1, "default", NULL, "region", "yes", NULL},
	{"semicolon comment", "[default]\n; region = no\n   ; indented comment\nregion = yes\n", 1, "default", NULL, "region", "yes", NULL},
	{"no inline comments", "[default]\nregion = us-east-1 # east\n", 1, "default", NULL, "region", "us-east-1 # east", NULL},
	{"CRLF", "[default]\r\nregion = eu-north-1\r\n\r\n", 1, "default", NULL, "region", "eu-north-1", NULL},
	{"empty value", "[default]\nregion =\n", 1, "default", NULL, "region", "", NULL},
	{"value with =", "[default]\nx = a=b=c\n", 1, "default", NULL, "x", "a=b=c", NULL},
	{"nested s3 block", "[default]\ns3 =\n  addressing_style = path\n  max_concurrent_requests = 20\nregion = x\n", 1, "default", "s3", "max_concurrent_requests", "20", NULL},
	{"nested block leaves region", "[default]\ns3 =\n  addressing_style = path\nregion = x\n", 1, "default", NULL, "region", "x", NULL},
	{"services section", "[services local]\nec2 =\n  endpoint_url = http://127.0.0.1:9000\ns3 =\n  endpoint_url = http://127.0.0.1:9001\n", 1, "services local", "s3", "endpoint_url", "http://127.0.0.1:9001", NULL},
	{"nested key not top-level", "[default]\ns3 =\n  addressing_style = path\n", 1, "default", NULL, "addressing_style", NULL, NULL},
	{"multi-line value", "[default]\nx = one\n  two\n", 1, "default", NULL, "x", "one\ntwo", NULL},
	{"other section", "[a]\nk = 1\n[b]\nk = 2\n", 1, "b", NULL, "k", "2", NULL},
	{"no final newline", "[a]\nk = 1", 1, "a", NULL, "k", "1", NULL},
	{"empty file", "", 1, "default", NULL, "region", NULL, NULL},
	{"only comments", "# nothing\n; here\n", 1, "default", NULL, "region", NULL, NULL},
	{"duplicate key", "[default]\nregion = a\nregion = b\n", 0, NULL, NULL, NULL, NULL, "line 3: \"region\" appears twice"},
	{"duplicate key other case", "[default]\nregion = a\nREGION = b\n", 0, NULL, NULL, NULL, NULL, "appears twice"},
	{"duplicate section", "[default]\na = 1\n[default]\nb = 2\n", 0, NULL, NULL, NULL, NULL, "line 3: section [default] appears twice"},
	{"duplicate nested", "[default]\ns3 =\n  a = 1\n  a = 2\n", 0, NULL, NULL, NULL, NULL, "appears twice under \"s3\""},
	{"setting before section", "region = x\n[default]\n", 0, NULL, NULL, NULL, NULL, "line 1: a setting before the first [section]"},
	{"garbage line", "[default]\nthis is not a setting\n", 0, NULL, NULL, NULL, NULL, "line 2: expected"},
	{"unclosed section", "[default\nx = 1\n", 0, NULL, NULL, NULL, NULL, "line 1"},
	{"empty section", "[]\n", 0, NULL, NULL, NULL, NULL, "line 1"},
	{"blank section", "[   ]\n", 0, NULL, NULL, NULL, NULL, "empty section name"},
	{"empty key", "[default]\n= value\n", 0, NULL, NULL, NULL, NULL, "line 2"},
	{"bad nested line", "[default]\ns3 =\n  not a pair\n", 0, NULL, NULL, NULL, NULL, "line 3"},
	{"binary", "[default]\nx = \xff\xfe\x01\n", 1, "default", NULL, "x", "\xff\xfe\x01", NULL},
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ini_file f;
		struct err e;
		ini_init(&f);
		err_clear(&e);
		int r = ini_parse(cases[i].text, strlen(cases[i].text), "test.ini", &f, &e);
		if (cases[i].ok != (r == 0))
			fail_msg("case %s: parse %s (%s)", cases[i].name, r == 0 ? "succeeded" : "failed",
				 e.message);
		if (cases[i].ok) {
			const char *v = ini_get(&f, cases[i].section, cases[i].sub, cases[i].key);
			if (cases[i].want == NULL) {
				if (v)
					fail_msg("case %s: %s is \"%s\", want absent", cases[i].name,
						 cases[i].key, v);
			} else if (!v || strcmp(v, cases[i].want) != 0) {
				fail_msg("case %s: %s is \"%s\", want \"%s\"", cases[i].name,
					 cases[i].key, v ? v : "(absent)", cases[i].want);
			}
		} else {
			assert_int_equal(e.kind, ERR_INPUT);
			if (!strstr(e.message, cases[i].errpart))
				fail_msg("case %s: message \"%s\" lacks \"%s\"", cases[i].name,
					 e.message, cases[i].errpart);
			assert_int_equal(f.n, 0);
			assert_true(strstr(e.message, "test.ini") != NULL);
		}
		ini_free(&f);
	}
}

static void test_nul_and_values_not_quoted(void **state)
{
	(void)state;
	struct ini_file f;
	struct err e;
	static const char nul[] = "[default]\nx = a\0b\n";
	ini_init(&f);
	err_clear(&e);
	assert_int_equal(ini_parse(nul, sizeof(nul) - 1, "n.ini", &f, &e), -1);
	assert_non_null(strstr(e.message, "NUL"));

	/* an error never quotes a value (it may be a secret) */
	static const char dup[] = "[default]\naws_secret_access_key = SuperSecret123\n"
				  "aws_secret_access_key = SuperSecret123\n";
	err_clear(&e);
	assert_int_equal(ini_parse(dup, sizeof(dup) - 1, "c", &f, &e), -1);
	assert_null(strstr(e.message, "SuperSecret123"));
}

static void test_sections_and_lines(void **state)
{
	(void)state;
	struct ini_file f;
	struct err e;
	static const char t[] = "[a]\n\nk = 1\n[profile b]\nz = 2\n";
	ini_init(&f);
	assert_int_equal(ini_parse(t, sizeof(t) - 1, "t", &f, &e), 0);
	assert_true(ini_has_section(&f, "a"));
	assert_true(ini_has_section(&f, "profile b"));
	assert_false(ini_has_section(&f, "b"));
	const struct ini_entry *en = ini_find(&f, "a", NULL, "k");
	assert_non_null(en);
	assert_int_equal(en->line, 3);
	ini_free(&f);
	ini_free(NULL);
}

static void test_load_missing_and_present(void **state)
{
	(void)state;
	struct ini_file f;
	struct err e;
	int missing = 0;
	char dir[] = "/tmp/amiwiz-ini-XXXXXX";
	char path[256];
	assert_non_null(mkdtemp(dir));

	ini_init(&f);
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(ini_load(path, "none", &f, &missing, &e), 0);
	assert_int_equal(missing, 1);
	assert_int_equal(f.n, 0);

	snprintf(path, sizeof(path), "%s/cfg", dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("[default]\r\nregion = sa-east-1\r\n", fp);
	fclose(fp);
	assert_int_equal(ini_load(path, "cfg", &f, &missing, &e), 0);
	assert_int_equal(missing, 0);
	assert_string_equal(ini_get(&f, "default", NULL, "region"), "sa-east-1");
	ini_free(&f);

	/* a directory is not a config file */
	err_clear(&e);
	assert_true(ini_load(dir, "dir", &f, &missing, &e) < 0);
	assert_true(err_isset(&e));
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_nul_and_values_not_quoted),
		cmocka_unit_test(test_sections_and_lines),
		cmocka_unit_test(test_load_missing_and_present),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
