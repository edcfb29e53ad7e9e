#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "help/err.h"

static void test_clear_and_isset(void **state)
{
	struct err e;
	err_clear(&e);
	assert_false(err_isset(&e));
	assert_false(err_isset(NULL));
	assert_int_equal(err_set(&e, ERR_INPUT, 0, "bad %s", "file"), -1);
	assert_true(err_isset(&e));
	assert_string_equal(e.message, "bad file");
	err_clear(&e);
	assert_false(err_isset(&e));
}

static void test_null_record_is_allowed(void **state)
{
	assert_int_equal(err_set(NULL, ERR_INPUT, 1, "x"), -1);
	assert_int_equal(err_sys(NULL, ENOENT, "x"), -ENOENT);
	err_doing(NULL, "x");
	err_redact(NULL, "secret");
}

static void test_sys(void **state)
{
	struct err e;
	err_clear(&e);
	assert_int_equal(err_sys(&e, ENOENT, "Opening %s", "/x"), -ENOENT);
	assert_int_equal(e.kind, ERR_SYSTEM);
	assert_int_equal(e.code, ENOENT);
	assert_string_equal(e.message, "Opening /x: No such file or directory");
}

static const struct {
	const char *doing, *code, *reqid, *msg;
	const char *want;
} format_cases[] = {
	{"Registering the image", "InvalidAMIName.Duplicate", "r-1", "name in use",
	 "Registering the image: InvalidAMIName.Duplicate: name in use (request id r-1)"},
	{"", "AuthFailure", "", "no", "AuthFailure: no"},
	{"Uploading", "", "", "reset", "Uploading: reset"},
	{"", "", "", "", "service error"},
	{"", "", "abc", "", "service error (request id abc)"},
};

static void test_format_table(void **state)
{
	for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
		struct err e;
		struct dynbuf d;
		err_clear(&e);
		err_service(&e, 400, format_cases[i].code, format_cases[i].reqid,
			    format_cases[i].msg);
		err_doing(&e, "%s", format_cases[i].doing);
		dyn_init(&d, 4096);
		assert_int_equal(err_format(&e, &d), 0);
		assert_string_equal(dyn_ptr(&d), format_cases[i].want);
		dyn_free(&d);
	}
}

static void test_fields_are_bounded(void **state)
{
	struct err e;
	char big[5000];
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_clear(&e);
	err_service(&e, 500, big, big, big);
	err_doing(&e, "%s", big);
	assert_int_equal(strlen(e.aws_code), ERR_CODE_MAX - 1);
	assert_int_equal(strlen(e.request_id), ERR_REQID_MAX - 1);
	assert_int_equal(strlen(e.message), ERR_MESSAGE_MAX - 1);
	assert_int_equal(strlen(e.doing), ERR_DOING_MAX - 1);
}

static const struct {
	const char *msg, *secret, *want;
} redact_cases[] = {
	{"key wJalrXUtnFEMI/K7MDENG is bad", "wJalrXUtnFEMI/K7MDENG", "key ******** is bad"},
	{"abcabcabc", "abcabc", "********abc"},
	{"twice: SECRETKEY SECRETKEY", "SECRETKEY", "twice: ******** ********"},
	{"short ab", "ab", "short ab"}, /* too short to be a secret */
	{"nothing here", "SECRETKEY", "nothing here"},
};

static void test_redact_table(void **state)
{
	for (size_t i = 0; i < sizeof(redact_cases) / sizeof(redact_cases[0]); i++) {
		struct err e;
		err_clear(&e);
		err_set(&e, ERR_CREDENTIALS, 0, "%s", redact_cases[i].msg);
		err_doing(&e, "using %s", redact_cases[i].secret);
		err_redact(&e, redact_cases[i].secret);
		assert_string_equal(e.message, redact_cases[i].want);
		assert_null(strlen(redact_cases[i].secret) >= 4
				    ? strstr(e.doing, redact_cases[i].secret)
				    : NULL);
	}
}

static void test_redact_fills_field_safely(void **state)
{
	/* a field full of a short secret grows when masked: it must stay bounded */
	struct err e;
	err_clear(&e);
	char msg[ERR_MESSAGE_MAX];
	for (size_t i = 0; i + 1 < sizeof(msg); i++)
		msg[i] = "abcd"[i % 4];
	msg[sizeof(msg) - 1] = '\0';
	err_set(&e, ERR_CREDENTIALS, 0, "%s", msg);
	err_redact(&e, "abcd");
	assert_int_equal(strlen(e.message), ERR_MESSAGE_MAX - 1);
	assert_null(strstr(e.message, "abcd"));
}

static void test_kind_names(void **state)
{
	assert_string_equal(err_kind_name(ERR_SERVICE), "service");
	assert_string_equal(err_kind_name(ERR_NONE), "none");
	assert_string_equal(err_kind_name(ERR_KIND_MAX), "unknown");
	for (int k = 0; k < ERR_KIND_MAX; k++)
		assert_non_null(err_kind_name((enum err_kind)k));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clear_and_isset),
		cmocka_unit_test(test_null_record_is_allowed),
		cmocka_unit_test(test_sys),
		cmocka_unit_test(test_format_table),
		cmocka_unit_test(test_fields_are_bounded),
		cmocka_unit_test(test_redact_table),
		cmocka_unit_test(test_redact_fills_field_safely),
		cmocka_unit_test(test_kind_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
