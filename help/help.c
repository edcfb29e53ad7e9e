#include "help/help.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "help/help_catalog.h"
#include "help/help_priv.h"
#include "help/unittest.h"

/* Texts are a few hundred bytes; a message quoted back adds at most four
 * holes of 127 bytes.  16 KiB per field is far more than any entry needs. */
#define HELP_TEXT_MAX 16384
/* Longest input we try patterns on: a pasted status line is short, and the
 * matcher's work grows with the length. */
#define HELP_INPUT_MAX 2048
/* Steps one pattern may take on one message before we call it no match; keeps
 * a pathological message from costing more than a moment. */
#define HELP_MATCH_BUDGET 200000L

size_t help_count(void)
{
	return help_entries_count;
}

const struct help_entry *help_at(size_t i)
{
	return i < help_entries_count ? &help_entries[i] : NULL;
}

static int cmp_entry(const void *key, const void *elem)
{
	return strcmp(key, ((const struct help_entry *)elem)->key);
}

static int cmp_alias(const void *key, const void *elem)
{
	return strcmp(key, ((const struct help_alias *)elem)->key);
}

const struct help_entry *help_lookup_key(const char *key)
{
	if (!key)
		return NULL;
	const struct help_entry *e =
		bsearch(key, help_entries, help_entries_count, sizeof(help_entries[0]), cmp_entry);
	if (e)
		return e;
	const struct help_alias *a =
		bsearch(key, help_aliases, help_aliases_count, sizeof(help_aliases[0]), cmp_alias);
	return a ? &help_entries[a->entry] : NULL;
}

/* Same key in another case: services are not consistent (InvalidSubnetId vs
 * InvalidSubnetID), and people type codes by hand. */
static const struct help_entry *lookup_casefold(const char *key)
{
	for (size_t i = 0; i < help_entries_count; i++)
		if (strcasecmp(help_entries[i].key, key) == 0)
			return &help_entries[i];
	for (size_t i = 0; i < help_aliases_count; i++)
		if (strcasecmp(help_aliases[i].key, key) == 0)
			return &help_entries[help_aliases[i].entry];
	return NULL;
}

static const char *strip_fault_prefix(const char *code)
{
	if (strncmp(code, "Client.", 7) == 0)
		return code + 7;
	if (strncmp(code, "Server.", 7) == 0)
		return code + 7;
	return code;
}

/* `ns` + ":" + `code`, looked up exactly and then in any case.  State names
 * are written with spaces by the service ("preparing to boot") and with
 * hyphens in our keys. */
static const struct help_entry *lookup_in_ns(const char *ns, const char *code)
{
	char key[ERR_CODE_MAX + 16];
	int n = snprintf(key, sizeof(key), "%s:%s", ns, code);
	if (n < 0 || (size_t)n >= sizeof(key))
		return NULL;
	if (strcmp(ns, "state") == 0)
		for (char *p = key; *p; p++)
			*p = *p == ' ' ? '-' : (char)tolower((unsigned char)*p);
	const struct help_entry *e = help_lookup_key(key);
	return e ? e : lookup_casefold(key);
}

/* A code, a state name or a full key; `prefer` is a namespace to try first. */
UNITTEST const struct help_entry *help_lookup_code(const char *code, const char *prefer)
{
	static const char *const namespaces[] = {"ebs", "s3", "state", "step", "kcheck", "inspect"};
	const struct help_entry *e;
	if (!code || !*code || strlen(code) >= ERR_CODE_MAX)
		return NULL;
	const char *bare = strip_fault_prefix(code);
	if (prefer && !strchr(bare, ':') && (e = lookup_in_ns(prefer, bare)))
		return e;
	if ((e = help_lookup_key(code)) || (e = help_lookup_key(bare)))
		return e;
	if ((e = lookup_casefold(bare)))
		return e;
	if (strchr(bare, ':'))
		return NULL;
	for (size_t i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++)
		if ((e = lookup_in_ns(namespaces[i], bare)))
			return e;
	return NULL;
}

/* ---- message patterns ---------------------------------------------------
 *
 * A pattern is matched anywhere in the message, ignoring case.  A space in
 * the pattern matches a run of whitespace, `*` anything, `{name}` a run of
 * non-blank characters (captured), `{name=GLOB}` such a run that also matches
 * the glob.  Holes are greedy and give back characters as needed; a hole that
 * ends the pattern drops trailing sentence punctuation ("...-pae." -> "-pae").
 */

struct matcher {
	struct help_holes *holes;
	long budget;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool match_here(const char *p, const char *s, struct matcher *m);

/* Keep only printable ASCII: what a hole captured is shown to the user. */
static void copy_clean(char *dst, size_t size, const char *src, size_t len)
{
	size_t j = 0;
	for (size_t i = 0; i < len && j + 1 < size; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[j] = '\0';
}

static bool match_hole(const char *p, const char *s, struct matcher *m)
{
	const char *close = strchr(p, '}');
	if (!close)
		return false; /* the generator refuses such patterns */
	const char *eq = memchr(p, '=', (size_t)(close - p));
	size_t name_len = (size_t)((eq ? eq : close) - (p + 1));
	char glob[HELP_HOLE_VALUE_MAX] = "";
	if (eq)
		copy_clean(glob, sizeof(glob), eq + 1, (size_t)(close - eq - 1));
	const char *rest = close + 1;
	size_t run = 0;
	while (s[run] && !is_blank(s[run]))
		run++;
	if (run == 0 || m->holes->n >= HELP_HOLES_MAX || name_len >= HELP_HOLE_NAME_MAX)
		return false;
	/* claim the slot now, so holes later in the pattern take the next ones */
	int slot = m->holes->n++;
	memcpy(m->holes->hole[slot].name, p + 1, name_len);
	m->holes->hole[slot].name[name_len] = '\0';
	for (size_t len = run; len > 0; len--) {
		size_t keep = len;
		if (*rest == '\0') {
			while (keep > 1 && strchr(".,;:!?)]'\"", s[keep - 1]))
				keep--;
		}
		if (keep >= HELP_HOLE_VALUE_MAX)
			continue;
		char value[HELP_HOLE_VALUE_MAX];
		memcpy(value, s, keep);
		value[keep] = '\0';
		bool fits = !eq || fnmatch(glob, value, FNM_CASEFOLD) == 0;
		if (fits && match_here(rest, s + len, m)) {
			copy_clean(m->holes->hole[slot].value, sizeof(m->holes->hole[slot].value), s,
				   keep);
			return true;
		}
		if (*rest == '\0')
			break;
	}
	m->holes->n = slot;
	m->holes->hole[slot].name[0] = '\0';
	return false;
}

static bool match_here(const char *p, const char *s, struct matcher *m)
{
	for (;;) {
		if (--m->budget < 0)
			return false;
		if (*p == '\0')
			return true;
		if (*p == '*') {
			while (*p == '*')
				p++;
			for (;; s++) {
				if (match_here(p, s, m))
					return true;
				if (*s == '\0' || m->budget < 0)
					return false;
			}
		}
		if (*p == '{')
			return match_hole(p, s, m);
		if (*p == ' ') {
			if (!is_blank(*s))
				return false;
			while (*p == ' ')
				p++;
			while (is_blank(*s))
				s++;
			continue;
		}
		if (*s == '\0' || tolower((unsigned char)*p) != tolower((unsigned char)*s))
			return false;
		p++;
		s++;
	}
}

/* Does `pattern` occur in `message`?  Fills `holes` (reset first). */
UNITTEST bool help_pattern_match(const char *pattern, const char *message,
				 struct help_holes *holes)
{
	struct matcher m = {holes, HELP_MATCH_BUDGET};
	memset(holes, 0, sizeof(*holes));
	for (const char *s = message;; s++) {
		memset(holes, 0, sizeof(*holes));
		if (match_here(pattern, s, &m))
			return true;
		if (*s == '\0' || m.budget < 0)
			break;
	}
	memset(holes, 0, sizeof(*holes));
	return false;
}

const struct help_entry *help_match(const char *message, enum err_kind kind,
				    struct help_holes *ret_holes)
{
	struct help_holes holes;
	char buf[HELP_INPUT_MAX];
	if (!message || !*message)
		return NULL;
	snprintf(buf, sizeof(buf), "%s", message);
	for (size_t i = 0; i < help_patterns_count; i++) {
		const struct help_pattern *p = &help_patterns[i];
		if (kind != ERR_NONE && p->errkinds && !(p->errkinds & (1u << kind)))
			continue;
		if (help_pattern_match(p->pattern, buf, &holes)) {
			if (ret_holes)
				*ret_holes = holes;
			return &help_entries[p->entry];
		}
	}
	return NULL;
}

const struct help_entry *help_lookup(const char *code_or_message)
{
	const struct help_entry *e = help_lookup_code(code_or_message, NULL);
	return e ? e : help_match(code_or_message, ERR_NONE, NULL);
}

/* ---- rendering ------------------------------------------------------- */

static const char *hole_value(const struct help_holes *h, const char *name, size_t len)
{
	for (int i = 0; i < h->n && i < HELP_HOLES_MAX; i++)
		if (strlen(h->hole[i].name) == len && memcmp(h->hole[i].name, name, len) == 0 &&
		    h->hole[i].value[0])
			return h->hole[i].value;
	return NULL;
}

/* Copy `text` to `out`, replacing {name} and {name|default} with what the
 * holes captured.  Anything else in braces is copied as it is. */
UNITTEST int help_render(const char *text, bool templated, const struct help_holes *h,
			 struct dynbuf *out)
{
	if (!templated)
		return dyn_addstr(out, text);
	const char *p = text;
	while (*p) {
		const char *open = strchr(p, '{');
		if (!open)
			return dyn_addstr(out, p);
		int r = dyn_add(out, p, (size_t)(open - p));
		if (r < 0)
			return r;
		const char *q = open + 1;
		while (*q == '_' || islower((unsigned char)*q) || isdigit((unsigned char)*q))
			q++;
		const char *close = strchr(q, '}');
		if (q == open + 1 || !close || (*q != '}' && *q != '|')) {
			if ((r = dyn_addc(out, '{')) < 0)
				return r;
			p = open + 1;
			continue;
		}
		const char *v = hole_value(h, open + 1, (size_t)(q - open - 1));
		if (v)
			r = dyn_addstr(out, v);
		else if (*q == '|')
			r = dyn_add(out, q + 1, (size_t)(close - q - 1));
		if (r < 0)
			return r;
		p = close + 1;
	}
	return 0;
}

void help_text_init(struct help_text *t)
{
	memset(t, 0, sizeof(*t));
	t->key = "";
	dyn_init(&t->title, HELP_TEXT_MAX);
	dyn_init(&t->what, HELP_TEXT_MAX);
	dyn_init(&t->why, HELP_TEXT_MAX);
	dyn_init(&t->do_text, HELP_TEXT_MAX);
	dyn_init(&t->cli, HELP_TEXT_MAX);
}

void help_text_free(struct help_text *t)
{
	if (!t)
		return;
	dyn_free(&t->title);
	dyn_free(&t->what);
	dyn_free(&t->why);
	dyn_free(&t->do_text);
	dyn_free(&t->cli);
}

static int fill(struct help_text *t, const struct help_entry *e)
{
	int r;
	t->key = e->key;
	t->known = strncmp(e->key, "fallback:", 9) != 0;
	t->retry = e->retry;
	dyn_reset(&t->title);
	dyn_reset(&t->what);
	dyn_reset(&t->why);
	dyn_reset(&t->do_text);
	dyn_reset(&t->cli);
	if ((r = help_render(e->title, e->templated, &t->holes, &t->title)) < 0 ||
	    (r = help_render(e->what, e->templated, &t->holes, &t->what)) < 0 ||
	    (r = help_render(e->why, e->templated, &t->holes, &t->why)) < 0 ||
	    (r = help_render(e->do_text, e->templated, &t->holes, &t->do_text)) < 0 ||
	    (r = dyn_addstr(&t->cli, e->cli)) < 0)
		return r;
	return 0;
}

/* ---- fallback by the code's shape ------------------------------------ */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Which fallback text fits a code we have no entry for. */
UNITTEST const char *help_fallback_key(const char *code, long http_status)
{
	if (!code || !*code)
		return http_status >= 500 ? "fallback:server" : "fallback:unknown-message";
	if (strncmp(code, "Server.", 7) == 0 || http_status >= 500)
		return "fallback:server";
	const char *c = strip_fault_prefix(code);
	if (strstr(c, "Throttl") || strcmp(c, "RequestLimitExceeded") == 0 ||
	    strcmp(c, "SlowDown") == 0)
		return "fallback:throttled";
	if (ends_with(c, "LimitExceeded") || ends_with(c, "LimitExceededException") ||
	    strstr(c, "QuotaExceeded"))
		return "fallback:limit-exceeded";
	if (strstr(c, "NotFound"))
		return "fallback:not-found";
	if (strstr(c, "Malformed"))
		return "fallback:malformed";
	if (strstr(c, "Duplicate") || strstr(c, "AlreadyExists"))
		return "fallback:duplicate";
	if (strstr(c, "InUse"))
		return "fallback:in-use";
	if (strncmp(c, "Unsupported", 11) == 0)
		return "fallback:unsupported";
	if (strstr(c, "Denied") || strstr(c, "Unauthorized") || strstr(c, "Forbidden"))
		return "fallback:denied";
	if (strncmp(c, "Invalid", 7) == 0)
		return "fallback:invalid";
	if (strstr(c, "Internal") || strstr(c, "Unavailable"))
		return "fallback:server";
	return "fallback:unknown-code";
}

/* What the code is about, in words: "InvalidVpcPeeringConnectionID.NotFound"
 * gives "Vpc Peering Connection ID". */
UNITTEST void help_code_subject(const char *code, char *out, size_t size)
{
	static const char *const prefixes[] = {"Invalid", "Unsupported"};
	static const char *const suffixes[] = {"LimitExceededException", "LimitExceeded",
					       "NotFoundException", "NotFound", "Exception"};
	char buf[ERR_CODE_MAX];
	snprintf(buf, sizeof(buf), "%s", strip_fault_prefix(code ? code : ""));
	char *dot = strrchr(buf, '.');
	if (dot)
		*dot = '\0';
	char *s = buf;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(s, prefixes[i], n) == 0 && s[n]) {
			s += n;
			break;
		}
	}
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t n = strlen(s), m = strlen(suffixes[i]);
		if (n > m && strcmp(s + n - m, suffixes[i]) == 0) {
			s[n - m] = '\0';
			break;
		}
	}
	size_t j = 0;
	for (size_t i = 0; s[i] && j + 2 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		bool up = isupper(c);
		/* a word starts at aB or at the B of ABc */
		if (i > 0 && up &&
		    (islower((unsigned char)s[i - 1]) ||
		     (isupper((unsigned char)s[i - 1]) && islower((unsigned char)s[i + 1]))))
			out[j++] = ' ';
		out[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[j] = '\0';
	if (j == 0)
		snprintf(out, size, "value");
}

static void set_hole(struct help_holes *h, const char *name, const char *value)
{
	if (h->n >= HELP_HOLES_MAX)
		return;
	snprintf(h->hole[h->n].name, sizeof(h->hole[h->n].name), "%s", name);
	copy_clean(h->hole[h->n].value, sizeof(h->hole[h->n].value), value, strlen(value));
	h->n++;
}

static int fallback(struct help_text *t, const char *code, long http_status)
{
	const struct help_entry *e = help_lookup_key(help_fallback_key(code, http_status));
	char subject[HELP_HOLE_VALUE_MAX];
	if (!e)
		return -ENOENT; /* the catalog lacks its fallbacks: the unit tests catch it */
	help_code_subject(code, subject, sizeof(subject));
	memset(&t->holes, 0, sizeof(t->holes));
	set_hole(&t->holes, "code", code && *code ? code : "(no code)");
	set_hole(&t->holes, "subject", subject);
	int r = fill(t, e);
	t->known = false;
	if (r == 0 && t->request_id[0])
		r = dyn_addf(&t->do_text,
			     " If you ask AWS Support about it, quote the request id %s.",
			     t->request_id);
	return r;
}

/* ---- local failures ------------------------------------------------- */

/* libcurl's CURLcode numbers: stable ABI, named here so help/ needs no curl. */
enum {
	CURL_RESOLVE_PROXY = 5,
	CURL_RESOLVE_HOST = 6,
	CURL_CONNECT = 7,
	CURL_TIMEDOUT = 28,
	CURL_SSL_CONNECT = 35,
	CURL_GOT_NOTHING = 52,
	CURL_SEND = 55,
	CURL_RECV = 56,
	CURL_SSL_CERTPROBLEM = 58,
	CURL_PEER_VERIFICATION = 60,
	CURL_SSL_CACERT_BADFILE = 77,
	CURL_SSL_ISSUER = 83,
};

UNITTEST const char *help_local_key(enum err_kind kind, long code)
{
	switch (kind) {
	case ERR_SYSTEM:
		switch (code) {
		case ENOSPC:
		case EDQUOT:
			return "local:no-space";
		case EACCES:
		case EPERM:
			return "local:permission";
		case ENOENT:
			return "local:no-such-file";
		case EBUSY:
			return "local:busy";
		case EROFS:
			return "local:read-only";
		case ENOMEM:
			return "local:no-memory";
		case EIO:
			return "local:io-error";
		default:
			return "local:kind-system";
		}
	case ERR_NETWORK:
		switch (code) {
		case CURL_RESOLVE_PROXY:
		case CURL_RESOLVE_HOST:
			return "local:network-dns";
		case CURL_CONNECT:
			return "local:network-connect";
		case CURL_TIMEDOUT:
			return "local:network-timeout";
		case CURL_SSL_CONNECT:
		case CURL_SSL_CERTPROBLEM:
		case CURL_PEER_VERIFICATION:
		case CURL_SSL_CACERT_BADFILE:
		case CURL_SSL_ISSUER:
			return "local:network-tls";
		case CURL_GOT_NOTHING:
		case CURL_SEND:
		case CURL_RECV:
			return "local:network-dropped";
		default:
			return "local:kind-network";
		}
	case ERR_CREDENTIALS:
		switch (code) {
		case HELP_CRED_NONE:
			return "local:credentials-none";
		case HELP_CRED_EXPIRED:
			return "local:credentials-expired";
		case HELP_CRED_CLOCK_SKEW:
			return "local:clock-skew";
		case HELP_CRED_NO_PROFILE:
			return "local:credentials-profile";
		case HELP_CRED_UNREADABLE:
			return "local:credentials-unreadable";
		case HELP_CRED_REJECTED:
			return "local:credentials-rejected";
		default:
			return "local:kind-credentials";
		}
	case ERR_NONE:
		return "local:kind-none";
	case ERR_USAGE:
		return "local:kind-usage";
	case ERR_INPUT:
		return "local:kind-input";
	case ERR_SERVICE:
		return "local:kind-service";
	case ERR_CHILD:
		return "local:kind-child";
	case ERR_CANCELLED:
		return "local:kind-cancelled";
	case ERR_INTERNAL:
	case ERR_KIND_MAX:
		break;
	}
	return "local:kind-internal";
}

static void copy_ids(struct help_text *t, const char *code, const char *request_id)
{
	snprintf(t->code, sizeof(t->code), "%s", code ? code : "");
	snprintf(t->request_id, sizeof(t->request_id), "%s", request_id ? request_id : "");
}

int help_for_service_err(const struct err *e, const char *ns, struct help_text *ret)
{
	const struct help_entry *en = NULL;
	help_text_init(ret);
	if (!e) {
		en = help_lookup_key("local:kind-none");
		return en ? fill(ret, en) : -ENOENT;
	}
	copy_ids(ret, e->aws_code, e->request_id);
	en = help_match(e->message, e->kind, &ret->holes);
	if (!en && e->aws_code[0])
		en = help_lookup_code(e->aws_code, ns);
	if (en)
		return fill(ret, en);
	if (e->aws_code[0] || (e->kind == ERR_SERVICE && e->code >= 500))
		return fallback(ret, e->aws_code, e->code);
	en = help_lookup_key(help_local_key(e->kind, e->code));
	if (!en)
		return -ENOENT;
	return fill(ret, en);
}

int help_for_err(const struct err *e, struct help_text *ret)
{
	return help_for_service_err(e, NULL, ret);
}

/* ---- explain -------------------------------------------------------- */

static bool code_shaped(const char *s)
{
	if (!isalpha((unsigned char)*s) || strlen(s) >= ERR_CODE_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._:-/", *s))
			return false;
	return true;
}

/* The word after `marker` in `s`, up to a delimiter: "Error Code: X;" -> X. */
static bool word_after(const char *s, const char *marker, const char *stops, char *out,
		       size_t size)
{
	const char *p = strcasestr(s, marker);
	if (!p)
		return false;
	p += strlen(marker);
	while (*p == ' ')
		p++;
	size_t n = strcspn(p, stops);
	if (n == 0 || n >= size)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* Tools wrap a service's code in a sentence: the AWS CLI's "An error occurred
 * (Code) when calling ...", boto2's "A client error (Code) occurred", the
 * Java SDK's "(Service: AmazonEC2; ... Error Code: Code; Request ID: id)". */
UNITTEST bool help_extract_code(const char *msg, char *code, size_t code_size, char *reqid,
				size_t reqid_size)
{
	bool found = word_after(msg, "error occurred (", ")", code, code_size) ||
		     word_after(msg, "client error (", ")", code, code_size) ||
		     word_after(msg, "Error Code:", ";,) \t", code, code_size);
	if (found && !code_shaped(code))
		found = false;
	if (reqid && !word_after(msg, "Request ID:", ";,) \t", reqid, reqid_size))
		reqid[0] = '\0';
	return found;
}

int help_explain(const char *input, struct help_text *ret)
{
	char in[HELP_INPUT_MAX];
	char code[ERR_CODE_MAX], reqid[ERR_REQID_MAX];
	const struct help_entry *e;
	help_text_init(ret);
	if (!input)
		input = "";
	while (is_blank(*input))
		input++;
	snprintf(in, sizeof(in), "%s", input);
	for (size_t n = strlen(in); n > 0 && is_blank(in[n - 1]); n--)
		in[n - 1] = '\0';
	if (code_shaped(in) && (e = help_lookup_code(in, NULL))) {
		copy_ids(ret, in, NULL);
		return fill(ret, e);
	}
	/* state names have spaces ("preparing to boot") */
	if (strlen(in) < 32 && (e = lookup_in_ns("state", in)))
		return fill(ret, e);
	if ((e = help_match(in, ERR_NONE, &ret->holes))) {
		if (help_extract_code(in, code, sizeof(code), reqid, sizeof(reqid)))
			copy_ids(ret, code, reqid);
		return fill(ret, e);
	}
	if (help_extract_code(in, code, sizeof(code), reqid, sizeof(reqid))) {
		copy_ids(ret, code, reqid);
		if ((e = help_lookup_code(code, NULL)))
			return fill(ret, e);
		return fallback(ret, code, 0);
	}
	if (code_shaped(in)) {
		copy_ids(ret, in, NULL);
		return fallback(ret, in, 0);
	}
	return fallback(ret, "", 0);
}
