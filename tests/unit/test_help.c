#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "help/help.h"
#include "help/help_priv.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- reading the committed name lists ------------------------------------ */

struct names {
	char **v;
	size_t n;
};

static void names_free(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* One name per line; '#' lines and blank lines are skipped. */
static struct names names_read(const char *rel)
{
	struct names l = {NULL, 0};
	char path[1024], line[2048];
	snprintf(path, sizeof(path), "%s/%s", AMIWIZ_SOURCE_ROOT, rel);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		l.v = realloc(l.v, (l.n + 1) * sizeof(*l.v));
		assert_non_null(l.v);
		l.v[l.n] = strdup(line);
		assert_non_null(l.v[l.n]);
		l.n++;
	}
	fclose(f);
	assert_true(l.n > 0);
	return l;
}

static bool names_has(const struct names *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], name) == 0)
			return true;
	return false;
}

/* Does a catalog file hold at least one entry?  (ec2-1.txt starts empty.) */
static bool catalog_has_entries(const char *rel)
{
	char path[1024], line[4096];
	bool found = false;
	snprintf(path, sizeof(path), "%s/%s", AMIWIZ_SOURCE_ROOT, rel);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	while (!found && fgets(line, sizeof(line), f))
		found = line[0] == '[';
	fclose(f);
	return found;
}

static void assert_complete(const struct help_entry *e, const char *name)
{
	if (!e)
		fail_msg("no entry for %s", name);
	if (!e->title[0] || !e->what[0] || !e->do_text[0])
		fail_msg("entry %s (for %s) lacks a title, what or do text", e->key, name);
}

/* state names use spaces, our keys hyphens: "preparing to boot" */
static void state_key(const char *name, char *out, size_t size)
{
	size_t j = (size_t)snprintf(out, size, "state:");
	for (size_t i = 0; name[i] && j + 1 < size; i++)
		out[j++] = name[i] == ' ' ? '-' : (char)tolower((unsigned char)name[i]);
	out[j] = '\0';
}

/* ---- the table itself ----------------------------------------------------- */

static void test_table_sorted_unique_complete(void **state)
{
	assert_true(help_count() > 0);
	for (size_t i = 0; i < help_count(); i++) {
		const struct help_entry *e = help_at(i);
		assert_complete(e, e->key);
		if (i > 0 && strcmp(help_at(i - 1)->key, e->key) >= 0)
			fail_msg("not sorted or not unique: %s, %s", help_at(i - 1)->key, e->key);
		assert_ptr_equal(help_lookup_key(e->key), e);
	}
	assert_null(help_at(help_count()));
	assert_null(help_lookup_key("NoSuchCodeAtAll.Anywhere"));
	assert_null(help_lookup_key(NULL));
}

static void normalise(const char *s, char *out, size_t size)
{
	size_t j = 0;
	bool space = false;
	for (; *s && j + 1 < size; s++) {
		if (isspace((unsigned char)*s)) {
			space = j > 0;
			continue;
		}
		if (space && j + 2 < size)
			out[j++] = ' ';
		space = false;
		out[j++] = (char)tolower((unsigned char)*s);
	}
	out[j] = '\0';
}

static void test_no_shared_explanations(void **state)
{
	size_t n = help_count();
	static char a[4096], b[4096];
	for (size_t i = 0; i < n; i++) {
		for (size_t j = i + 1; j < n; j++) {
			normalise(help_at(i)->what, a, sizeof(a));
			normalise(help_at(j)->what, b, sizeof(b));
			if (strcmp(a, b) == 0)
				fail_msg("%s and %s share their what text", help_at(i)->key,
					 help_at(j)->key);
			normalise(help_at(i)->do_text, a, sizeof(a));
			normalise(help_at(j)->do_text, b, sizeof(b));
			if (strcmp(a, b) == 0)
				fail_msg("%s and %s share their do text", help_at(i)->key,
					 help_at(j)->key);
		}
	}
}

/* ---- completeness against the committed name lists ----------------------- */

static void test_every_ec2_code_has_an_entry(void **state)
{
	/* Until the EC2 code entries are in, ec2-1.txt holds only a comment;
	 * from the moment it holds one entry, every code must have one. */
	struct names l = names_read("help/catalog/names/ec2-codes.txt");
	if (catalog_has_entries("help/catalog/ec2-1.txt")) {
		for (size_t i = 0; i < l.n; i++) {
			const struct help_entry *e = help_lookup(l.v[i]);
			assert_complete(e, l.v[i]);
			if (strchr(e->key, ':') || strcasecmp(e->key, l.v[i]) != 0) {
				/* an alias: the entry must be found by that exact name */
				if (help_lookup_key(l.v[i]) != e && strcasecmp(e->key, l.v[i]) != 0)
					fail_msg("%s finds %s, not its own entry", l.v[i], e->key);
			}
		}
	}
	/* Either way, an EC2 entry must be for a real code (catches typos). */
	for (size_t i = 0; i < help_count(); i++) {
		const char *key = help_at(i)->key;
		if (!strchr(key, ':') && !names_has(&l, key))
			fail_msg("entry [%s] is not an EC2 code in names/ec2-codes.txt", key);
	}
	names_free(&l);
}

static void test_every_namespaced_code_has_an_entry(void **state)
{
	static const struct {
		const char *file, *ns;
	} lists[] = {
		{"help/catalog/names/ebs-codes.txt", "ebs"},
		{"help/catalog/names/s3-codes.txt", "s3"},
		{"help/catalog/names/states.txt", "state"},
	};
	for (size_t k = 0; k < N_ELEMS(lists); k++) {
		struct names l = names_read(lists[k].file);
		char key[256];
		for (size_t i = 0; i < l.n; i++) {
			if (strcmp(lists[k].ns, "state") == 0)
				state_key(l.v[i], key, sizeof(key));
			else
				snprintf(key, sizeof(key), "%s:%s", lists[k].ns, l.v[i]);
			assert_complete(help_lookup_key(key), key);
			/* the bare name finds an entry too, as `amiwiz explain` would
			 * (an EC2 code of the same name may win: that is fine) */
			assert_non_null(help_lookup(l.v[i]));
		}
		/* every entry of the namespace names a real code or state */
		size_t nslen = strlen(lists[k].ns);
		for (size_t i = 0; i < help_count(); i++) {
			const char *ek = help_at(i)->key;
			if (strncmp(ek, lists[k].ns, nslen) != 0 || ek[nslen] != ':')
				continue;
			bool found = false;
			for (size_t j = 0; j < l.n && !found; j++) {
				if (strcmp(lists[k].ns, "state") == 0)
					state_key(l.v[j], key, sizeof(key));
				else
					snprintf(key, sizeof(key), "%s:%s", lists[k].ns, l.v[j]);
				found = strcmp(key, ek) == 0;
			}
			if (!found)
				fail_msg("entry [%s] is not in %s", ek, lists[k].file);
		}
		names_free(&l);
	}
}

static void test_every_vmimport_message_has_its_own_entry(void **state)
{
	struct names l = names_read("help/catalog/names/vmimport-messages.txt");
	const struct help_entry **seen = calloc(l.n, sizeof(*seen));
	assert_non_null(seen);
	for (size_t i = 0; i < l.n; i++) {
		struct help_holes h;
		const struct help_entry *e = help_match(l.v[i], ERR_NONE, &h);
		if (!e)
			fail_msg("no pattern matches: %s", l.v[i]);
		if (strncmp(e->key, "vmimport:", 9) != 0)
			fail_msg("%s is matched by %s, not a vmimport: entry", l.v[i], e->key);
		assert_complete(e, l.v[i]);
		for (size_t j = 0; j < i; j++)
			if (seen[j] == e)
				fail_msg("\"%s\" and \"%s\" share the entry %s", l.v[j], l.v[i],
					 e->key);
		seen[i] = e;
		assert_ptr_equal(help_lookup(l.v[i]), e);
	}
	free(seen);
	names_free(&l);
}

static void test_every_kind_and_step_has_a_text(void **state)
{
	static const char *const steps[] = {"target", "aki",	  "kernel",   "layout",
					    "build",  "preflight", "boot-test", "upload",
					    "snapshot", "register", "import",   "done"};
	char key[64];
	for (int k = 0; k < ERR_KIND_MAX; k++) {
		snprintf(key, sizeof(key), "local:kind-%s", err_kind_name((enum err_kind)k));
		assert_complete(help_lookup_key(key), key);
	}
	for (size_t i = 0; i < N_ELEMS(steps); i++) {
		snprintf(key, sizeof(key), "step:%s", steps[i]);
		const struct help_entry *e = help_lookup_key(key);
		assert_complete(e, key);
		if (!e->why[0] || !e->cli[0])
			fail_msg("%s lacks its why or its cli text", key);
	}
}

/* ---- the fallback, by the code's shape ---------------------------------- */

static const struct {
	const char *code;
	long http;
	const char *key;
	bool retry;
} fallback_cases[] = {
	{"InvalidWidgetID.NotFound", 400, "fallback:not-found", false},
	{"Client.InvalidGizmo.NotFound", 400, "fallback:not-found", false},
	{"InvalidWidgetID.Malformed", 400, "fallback:malformed", false},
	{"InvalidWidgetName.Duplicate", 400, "fallback:duplicate", false},
	{"WidgetAlreadyExists", 400, "fallback:duplicate", false},
	{"InvalidWidget.InUse", 400, "fallback:in-use", true},
	{"WidgetLimitExceeded", 400, "fallback:limit-exceeded", false},
	{"WidgetQuotaExceededException", 402, "fallback:limit-exceeded", false},
	{"WidgetThrottlingException", 400, "fallback:throttled", true},
	{"InvalidWidgetState", 400, "fallback:invalid", false},
	{"UnsupportedWidget", 400, "fallback:unsupported", false},
	{"WidgetAccessDenied", 403, "fallback:denied", false},
	{"Server.WidgetBroke", 500, "fallback:server", true},
	{"WidgetBroke", 503, "fallback:server", true},
	{"WidgetInternalFailure", 400, "fallback:server", true},
	{"WidgetSaysNo", 400, "fallback:unknown-code", false},
};

static void test_fallback_by_shape(void **state)
{
	for (size_t i = 0; i < N_ELEMS(fallback_cases); i++) {
		struct err e;
		struct help_text t;
		err_clear(&e);
		err_service(&e, fallback_cases[i].http, fallback_cases[i].code, "req-42",
			    "the service's own words");
		assert_string_equal(help_fallback_key(fallback_cases[i].code, fallback_cases[i].http),
				    fallback_cases[i].key);
		assert_int_equal(help_for_err(&e, &t), 0);
		assert_false(t.known);
		assert_string_equal(t.key, fallback_cases[i].key);
		assert_int_equal(t.retry, fallback_cases[i].retry);
		assert_string_equal(t.code, fallback_cases[i].code);
		assert_string_equal(t.request_id, "req-42");
		/* the code is shown, the request id is quoted, no hole is left open */
		assert_non_null(strstr(dyn_ptr(&t.title), fallback_cases[i].code));
		assert_non_null(strstr(dyn_ptr(&t.do_text), "req-42"));
		assert_null(strchr(dyn_ptr(&t.title), '{'));
		assert_null(strchr(dyn_ptr(&t.what), '{'));
		assert_null(strchr(dyn_ptr(&t.do_text), '{'));
		help_text_free(&t);
	}
}

static void test_fallback_without_request_id_or_code(void **state)
{
	struct help_text t;
	assert_int_equal(help_explain("Quux.NotFound", &t), 0);
	assert_false(t.known);
	assert_string_equal(t.key, "fallback:not-found");
	assert_string_equal(t.code, "Quux.NotFound");
	assert_null(strstr(dyn_ptr(&t.do_text), "request id"));
	help_text_free(&t);

	assert_int_equal(help_explain("the frobnicator is sad today", &t), 0);
	assert_false(t.known);
	assert_string_equal(t.key, "fallback:unknown-message");
	assert_string_equal(t.code, "");
	help_text_free(&t);

	assert_int_equal(help_explain("", &t), 0);
	assert_false(t.known);
	help_text_free(&t);
}

static const struct {
	const char *code, *want;
} subject_cases[] = {
	{"InvalidVpcPeeringConnectionID.NotFound", "Vpc Peering Connection ID"},
	{"Client.InvalidSnapshotID.Malformed", "Snapshot ID"},
	{"InvalidAMIName.Duplicate", "AMI Name"},
	{"WidgetLimitExceeded", "Widget"},
	{"Invalid", "Invalid"},
	{"", "value"},
};

static void test_code_subject(void **state)
{
	char out[128];
	for (size_t i = 0; i < N_ELEMS(subject_cases); i++) {
		help_code_subject(subject_cases[i].code, out, sizeof(out));
		assert_string_equal(out, subject_cases[i].want);
	}
}

/* ---- message patterns ---------------------------------------------------- */

static const struct {
	const char *pattern, *message;
	bool match;
	const char *hole, *value;
} pattern_cases[] = {
	{"Unsupported kernel version {version}", "ClientError: Unsupported kernel version 4.15.0-1021-aws",
	 true, "version", "4.15.0-1021-aws"},
	{"Unsupported kernel version {version}", "Unsupported   KERNEL version 5.10.83-4.ph4-aws.",
	 true, "version", "5.10.83-4.ph4-aws"},
	{"Unsupported kernel version {version}", "Unsupported kernel version", false, NULL, NULL},
	{"kernel version {v=*686*}", "kernel version 3.16.0-4-686-pae", true, "v", "3.16.0-4-686-pae"},
	{"kernel version {v=*686*}", "kernel version 3.16.0-4-amd64", false, NULL, NULL},
	{"Parameter {p}={v} has an invalid format", "Parameter disk-image-size=0 has an invalid format",
	 true, "p", "disk-image-size"},
	{"Parameter {p}={v} has an invalid format", "Parameter disk-image-size=0 has an invalid format",
	 true, "v", "0"},
	{"Bucket {b} is not in the {r} Region, it's in {a}",
	 "ERROR: Bucket my-images is not in the eu-west-1 Region, it's in us-east-1.", true, "a",
	 "us-east-1"},
	{"Unknown OS*Missing OS files", "CLIENT_ERROR : ClientError: Unknown OS / Missing OS files.",
	 true, NULL, NULL},
	{"Unknown OS*Missing OS files", "Unknown OS", false, NULL, NULL},
	{"killed by signal {s}", "mkfs.ext4 killed by signal \x01\x7f", true, "s", "??"},
};

static void test_pattern_matcher(void **state)
{
	for (size_t i = 0; i < N_ELEMS(pattern_cases); i++) {
		struct help_holes h;
		bool got = help_pattern_match(pattern_cases[i].pattern, pattern_cases[i].message, &h);
		if (got != pattern_cases[i].match)
			fail_msg("case %zu: \"%s\" on \"%s\": got %d", i, pattern_cases[i].pattern,
				 pattern_cases[i].message, got);
		if (!pattern_cases[i].hole)
			continue;
		bool found = false;
		for (int k = 0; k < h.n; k++)
			if (strcmp(h.hole[k].name, pattern_cases[i].hole) == 0) {
				assert_string_equal(h.hole[k].value, pattern_cases[i].value);
				found = true;
			}
		assert_true(found);
	}
}

static void test_pattern_matcher_is_bounded(void **state)
{
	/* many stars against a long near-miss: must give up, not hang */
	char msg[2048];
	memset(msg, 'a', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	struct help_holes h;
	assert_false(help_pattern_match("a*a*a*a*a*a*a*a*a*a*b", msg, &h));
	assert_false(help_pattern_match("{x}*{y}*{z}*{w}b", msg, &h));
	assert_int_equal(h.n, 0);
}

/* Real messages with other versions, formats and values than the reference's:
 * each must find its entry, and the explanation must quote the detail. */
static const struct {
	const char *message, *key, *detail;
} message_cases[] = {
	{"ClientError: Unsupported kernel version 3.16.0-4-686-pae", "vmimport:kernel-32bit",
	 "3.16.0-4-686-pae"},
	{"ClientError: Unsupported kernel version 2.6.32-5-686", "vmimport:kernel-32bit",
	 "2.6.32-5-686"},
	{"ClientError: Unsupported kernel version 4.19.0-i386", "vmimport:kernel-32bit", "4.19.0-i386"},
	{"ClientError: Unsupported kernel version 4.15.0-1021-aws", "vmimport:unsupported-kernel",
	 "4.15.0-1021-aws"},
	{"ClientError: Unsupported kernel version 6.12.9-amd64.", "vmimport:unsupported-kernel",
	 "6.12.9-amd64"},
	{"IMPORTIMAGETASKS MyVM import-ami-0abc deleted ClientError: Unsupported kernel version",
	 "vmimport:unsupported-kernel", NULL},
	{"Error Code: InvalidParameter, Error Message: Message: Parameter disk-image-size=0 has an "
	 "invalid format",
	 "vmimport:disk-image-size", NULL},
	{"Parameter format=qcow2 has an invalid format", "vmimport:parameter-invalid-format", "qcow2"},
	{"Parameter architecture=arm64 has an invalid format", "vmimport:arm64", "arm64"},
	{"ERROR: Bucket amiwiz-uploads is not in the ap-south-1 Region, it's in eu-central-1",
	 "vmimport:bucket-wrong-region", "eu-central-1"},
	{"CLIENT_ERROR : ClientError: Unknown OS / Missing OS files.", "vmimport:unknown-os", NULL},
	{"ClientError: Disk validation failed [Unsupported VMDK File Format]",
	 "vmimport:vmdk-not-stream-optimized", NULL},
	{"ClientError: Disk validation failed [Unsupported qcow2 format]", "vmimport:disk-validation",
	 "qcow2"},
	{"The service role vmimport does not exist or does not have sufficient permissions for the "
	 "service to continue",
	 "vmimport:service-role", NULL},
	{"An error occurred (InvalidParameter) when calling the ImportImage operation: The service "
	 "role VMImportRole002 provided does not exist or does not have sufficient permissions",
	 "vmimport:service-role", "VMImportRole002"},
	{"ERROR: File uses unsupported compression algorithm 3", "vmimport:vmdk-compression", "3"},
};

static void test_messages_find_their_entry_and_quote_the_detail(void **state)
{
	for (size_t i = 0; i < N_ELEMS(message_cases); i++) {
		struct help_text t;
		assert_int_equal(help_explain(message_cases[i].message, &t), 0);
		if (strcmp(t.key, message_cases[i].key) != 0)
			fail_msg("\"%s\" gave %s, want %s", message_cases[i].message, t.key,
				 message_cases[i].key);
		assert_true(t.known);
		if (message_cases[i].detail) {
			struct dynbuf all;
			dyn_init(&all, 1 << 16);
			dyn_addf(&all, "%s\n%s\n%s\n%s", dyn_ptr(&t.title), dyn_ptr(&t.what),
				 dyn_ptr(&t.why), dyn_ptr(&t.do_text));
			if (!strstr(dyn_ptr(&all), message_cases[i].detail))
				fail_msg("the text for \"%s\" does not quote %s", message_cases[i].message,
					 message_cases[i].detail);
			dyn_free(&all);
		}
		/* no placeholder left unfilled */
		assert_null(strstr(dyn_ptr(&t.what), "{"));
		assert_null(strstr(dyn_ptr(&t.title), "{"));
		help_text_free(&t);
	}
}

static void test_render(void **state)
{
	struct help_holes h = {0};
	struct dynbuf d;
	dyn_init(&d, 1024);
	snprintf(h.hole[0].name, sizeof(h.hole[0].name), "version");
	snprintf(h.hole[0].value, sizeof(h.hole[0].value), "4.9.0");
	h.n = 1;
	assert_int_equal(help_render("kernel {version} and {arch|an unknown arch}", true, &h, &d), 0);
	assert_string_equal(dyn_ptr(&d), "kernel 4.9.0 and an unknown arch");
	dyn_reset(&d);
	assert_int_equal(help_render("Ebs={SnapshotId=snap-1} {version}", false, &h, &d), 0);
	assert_string_equal(dyn_ptr(&d), "Ebs={SnapshotId=snap-1} {version}");
	dyn_reset(&d);
	assert_int_equal(help_render("a {B} { {version", true, &h, &d), 0);
	assert_string_equal(dyn_ptr(&d), "a {B} { {version");
	dyn_free(&d);
}

/* ---- help_for_err ------------------------------------------------------- */

static const struct {
	enum err_kind kind;
	long code;
	const char *message;
	const char *key;
} local_cases[] = {
	{ERR_SYSTEM, ENOSPC, "Writing disk.img: No space left on device", "local:no-space"},
	{ERR_SYSTEM, EACCES, "Opening /dev/sdb: Permission denied", "local:permission"},
	{ERR_SYSTEM, EXDEV, "Renaming: Invalid cross-device link", "local:kind-system"},
	{ERR_NETWORK, 6, "Could not resolve host: ec2.xx-nowhere-1.amazonaws.com", "local:network-dns"},
	{ERR_NETWORK, 7, "connect() failed", "local:network-connect"},
	{ERR_NETWORK, 60, "peer verification", "local:network-tls"},
	{ERR_NETWORK, 28, "Operation timed out after 30001 milliseconds", "local:network-timeout"},
	{ERR_NETWORK, 56, "Recv failure", "local:network-dropped"},
	{ERR_NETWORK, 999, "weird", "local:kind-network"},
	{ERR_CREDENTIALS, HELP_CRED_NONE, "", "local:credentials-none"},
	{ERR_CREDENTIALS, HELP_CRED_EXPIRED, "", "local:credentials-expired"},
	{ERR_CREDENTIALS, HELP_CRED_CLOCK_SKEW, "", "local:clock-skew"},
	{ERR_CREDENTIALS, HELP_CRED_NO_PROFILE, "", "local:credentials-profile"},
	{ERR_CREDENTIALS, 0, "profile work not found in ~/.aws/config", "local:credentials-profile"},
	{ERR_CREDENTIALS, 0, "Unable to locate credentials", "local:credentials-none"},
	{ERR_CHILD, 1, "mkfs.ext4 exited with status 1", "local:mkfs"},
	{ERR_CHILD, 137, "qemu-img killed by signal 9", "local:child-signal"},
	{ERR_CHILD, 1, "sfdisk exited with status 1", "local:kind-child"},
	{ERR_INPUT, 0, "plan.json: unexpected end", "local:kind-input"},
	{ERR_CANCELLED, 0, "stopped", "local:kind-cancelled"},
	{ERR_INTERNAL, 0, "bad state", "local:kind-internal"},
	{ERR_SERVICE, 502, "Bad Gateway", "fallback:server"},
	{ERR_SERVICE, 403, "Forbidden", "local:kind-service"},
};

static void test_help_for_err_local(void **state)
{
	for (size_t i = 0; i < N_ELEMS(local_cases); i++) {
		struct err e;
		struct help_text t;
		err_clear(&e);
		err_set(&e, local_cases[i].kind, local_cases[i].code, "%s", local_cases[i].message);
		assert_int_equal(help_for_err(&e, &t), 0);
		if (strcmp(t.key, local_cases[i].key) != 0)
			fail_msg("case %zu (%s): got %s, want %s", i, local_cases[i].message, t.key,
				 local_cases[i].key);
		assert_true(dyn_len(&t.title) > 0 && dyn_len(&t.what) > 0 && dyn_len(&t.do_text) > 0);
		help_text_free(&t);
	}
	/* a credentials pattern does not fire on another kind's message */
	struct err e;
	struct help_text t;
	err_clear(&e);
	err_set(&e, ERR_INPUT, 0, "no credentials section in this file");
	assert_int_equal(help_for_err(&e, &t), 0);
	assert_string_equal(t.key, "local:kind-input");
	help_text_free(&t);
	assert_int_equal(help_for_err(NULL, &t), 0);
	assert_string_equal(t.key, "local:kind-none");
	help_text_free(&t);
	help_text_free(NULL);
}

static void test_help_for_err_service(void **state)
{
	struct err e;
	struct help_text t;

	/* an S3 code found through its namespace */
	err_clear(&e);
	err_service(&e, 404, "NoSuchUpload", "r-1", "The specified upload does not exist");
	assert_int_equal(help_for_err(&e, &t), 0);
	assert_true(t.known);
	assert_string_equal(t.key, "s3:NoSuchUpload");
	assert_string_equal(t.request_id, "r-1");
	help_text_free(&t);

	/* a code both S3 and EBS could answer: the caller's namespace first */
	err_clear(&e);
	err_service(&e, 403, "AccessDenied", "", "Access Denied");
	assert_int_equal(help_for_service_err(&e, "s3", &t), 0);
	assert_string_equal(t.key, "s3:AccessDenied");
	help_text_free(&t);
	err_clear(&e);
	err_service(&e, 403, "AccessDeniedException", "", "not authorized");
	assert_int_equal(help_for_service_err(&e, "ebs", &t), 0);
	assert_string_equal(t.key, "ebs:AccessDeniedException");
	help_text_free(&t);

	/* a VM Import message beats the bare InvalidParameter code */
	err_clear(&e);
	err_service(&e, 400, "InvalidParameter", "r-2",
		    "The service role vmimport does not exist or does not have sufficient "
		    "permissions for the service to continue");
	assert_int_equal(help_for_err(&e, &t), 0);
	assert_string_equal(t.key, "vmimport:service-role");
	assert_string_equal(t.code, "InvalidParameter");
	help_text_free(&t);
}

static void test_lookup_forms(void **state)
{
	const struct help_entry *e = help_lookup("preparing to boot");
	assert_non_null(e);
	assert_string_equal(e->key, "state:preparing-to-boot");
	assert_string_equal(help_lookup("Booting")->key, "state:booting");
	assert_string_equal(help_lookup("s3:NoSuchUpload")->key, "s3:NoSuchUpload");
	assert_string_equal(help_lookup("nosuchupload")->key, "s3:NoSuchUpload");
	assert_string_equal(help_lookup("register")->key, "step:register");
	assert_string_equal(help_lookup_code("Client.EntityTooSmall", NULL)->key, "s3:EntityTooSmall");
	assert_null(help_lookup("s3:NoSuchThing"));
	assert_null(help_lookup("zz"));
}

static void test_extract_code(void **state)
{
	char code[96], reqid[96];
	assert_true(help_extract_code("An error occurred (InvalidAMIID.NotFound) when calling the "
				      "DescribeImages operation: gone",
				      code, sizeof(code), reqid, sizeof(reqid)));
	assert_string_equal(code, "InvalidAMIID.NotFound");
	assert_string_equal(reqid, "");
	assert_true(help_extract_code("Client.Unsupported: No bootable partition found. (Service: "
				      "AmazonEC2; Status Code: 400; Error Code: Unsupported; "
				      "Request ID: 1a2b-3c)",
				      code, sizeof(code), reqid, sizeof(reqid)));
	assert_string_equal(code, "Unsupported");
	assert_string_equal(reqid, "1a2b-3c");
	assert_false(help_extract_code("An error occurred (bad code!) here", code, sizeof(code),
				       reqid, sizeof(reqid)));
	assert_false(help_extract_code("nothing here", code, sizeof(code), NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sorted_unique_complete),
		cmocka_unit_test(test_no_shared_explanations),
		cmocka_unit_test(test_every_ec2_code_has_an_entry),
		cmocka_unit_test(test_every_namespaced_code_has_an_entry),
		cmocka_unit_test(test_every_vmimport_message_has_its_own_entry),
		cmocka_unit_test(test_every_kind_and_step_has_a_text),
		cmocka_unit_test(test_fallback_by_shape),
		cmocka_unit_test(test_fallback_without_request_id_or_code),
		cmocka_unit_test(test_code_subject),
		cmocka_unit_test(test_pattern_matcher),
		cmocka_unit_test(test_pattern_matcher_is_bounded),
		cmocka_unit_test(test_messages_find_their_entry_and_quote_the_detail),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_help_for_err_local),
		cmocka_unit_test(test_help_for_err_service),
		cmocka_unit_test(test_lookup_forms),
		cmocka_unit_test(test_extract_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
