#include "engine/kconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *strip_prefix(const char *name)
{
	return strncmp(name, "CONFIG_", 7) == 0 ? name + 7 : name;
}

static int is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Unquote a Kconfig string value in place: "a \"b\" \\c" -> a "b" \c.  Returns
 * 0, or -1 when the closing quote is missing. */
static int unquote(char *v)
{
	char *r = v + 1, *w = v;
	while (*r && *r != '"') {
		if (*r == '\\' && r[1])
			r++;
		*w++ = *r++;
	}
	if (*r != '"')
		return -1;
	*w = '\0';
	return 0;
}

/* "# Linux/x86 6.1.0 Kernel Configuration" */
static void header_line(struct kconfig *k, const char *line)
{
	char arch[32], ver[64];
	if (k->version[0])
		return;
	if (sscanf(line, "# Linux/%31s %63s Kernel Configuration", arch, ver) == 2) {
		snprintf(k->arch, sizeof(k->arch), "%s", arch);
		snprintf(k->version, sizeof(k->version), "%s", ver);
	}
}

/* Parse one line (NUL-terminated, no newline).  Returns 1 with the name and value set
 * for an option, 0 for a comment or blank line, -1 for anything else. */
static int parse_line(struct kconfig *k, char *line, char **name, const char **value)
{
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0')
		return 0;
	if (*line == '#') {
		/* "# CONFIG_FOO is not set" */
		char *p = line + 1;
		while (*p == ' ')
			p++;
		if (strncmp(p, "CONFIG_", 7) == 0) {
			char *n = p + 7, *e = n;
			while (is_name_char(*e))
				e++;
			if (e > n && strcmp(e, " is not set") == 0) {
				*e = '\0';
				*name = n;
				*value = "n";
				return 1;
			}
		}
		header_line(k, line);
		return 0;
	}
	if (strncmp(line, "CONFIG_", 7) != 0)
		return -1;
	char *n = line + 7, *e = n;
	while (is_name_char(*e))
		e++;
	if (e == n || *e != '=')
		return -1;
	*e = '\0';
	char *v = e + 1;
	size_t vl = strlen(v);
	while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		v[--vl] = '\0';
	if (*v == '"' && unquote(v) < 0)
		return -1;
	*name = n;
	*value = v;
	return 1;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct kconfig_entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	/* equal names: keep file order so the last definition can win */
	return (x->line > y->line) - (x->line < y->line);
}

int kconfig_parse(const char *text, size_t len, struct kconfig *ret, struct err *reterr)
{
	struct kconfig k;
	memset(&k, 0, sizeof(k));
	memset(ret, 0, sizeof(*ret));
	if (len > KCONFIG_MAX_TEXT)
		return err_set(reterr, ERR_INPUT, E2BIG,
			       "the configuration is %zu bytes; amiwiz reads at most %u MiB", len,
			       KCONFIG_MAX_TEXT >> 20);
	if (memchr(text, '\0', len))
		return err_set(reterr, ERR_INPUT, EINVAL,
			       "this is not a kernel configuration (it holds binary data)");
	k.text = malloc(len + 1);
	if (!k.text)
		return err_sys(reterr, ENOMEM, "reading the configuration");
	memcpy(k.text, text, len);
	k.text[len] = '\0';

	size_t cap = 0;
	unsigned lineno = 0;
	char *p = k.text;
	while (*p) {
		char *nl = strchr(p, '\n');
		char *next = nl ? nl + 1 : p + strlen(p);
		if (nl)
			*nl = '\0';
		size_t ll = strlen(p);
		if (ll > 0 && p[ll - 1] == '\r') /* CRLF from a Windows editor */
			p[ll - 1] = '\0';
		lineno++;
		char *name;
		const char *value;
		int r = parse_line(&k, p, &name, &value);
		if (r < 0) {
			k.bad_lines++;
		} else if (r > 0) {
			if (k.n == cap) {
				size_t ncap = cap ? cap * 2 : 256;
				void *ne = realloc(k.entries, ncap * sizeof(*k.entries));
				if (!ne) {
					kconfig_free(&k);
					return err_sys(reterr, ENOMEM, "reading the configuration");
				}
				k.entries = ne;
				cap = ncap;
			}
			k.entries[k.n++] = (struct kconfig_entry){name, value, lineno};
		}
		p = next;
	}
	if (k.n == 0) {
		kconfig_free(&k);
		return err_set(reterr, ERR_INPUT, EINVAL,
			       "this is not a kernel configuration (no CONFIG_ line in it)");
	}
	qsort(k.entries, k.n, sizeof(*k.entries), entry_cmp);
	/* collapse duplicates, keeping the last definition of each name */
	size_t w = 0;
	for (size_t i = 0; i < k.n; i++) {
		if (w > 0 && strcmp(k.entries[w - 1].name, k.entries[i].name) == 0)
			k.entries[w - 1] = k.entries[i];
		else
			k.entries[w++] = k.entries[i];
	}
	k.n = w;
	*ret = k;
	return 0;
}

void kconfig_free(struct kconfig *k)
{
	if (!k)
		return;
	free(k->entries);
	free(k->text);
	memset(k, 0, sizeof(*k));
}

static const char *lookup(const struct kconfig *k, const char *name)
{
	size_t lo = 0, hi = k->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(k->entries[mid].name, name);
		if (c == 0)
			return k->entries[mid].value;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *kconfig_get(const struct kconfig *k, const char *name)
{
	if (!k || !k->entries)
		return NULL;
	/* the exact name first: a (strange) option really called CONFIG_CONFIG_X
	 * is stored as CONFIG_X and must still be found by that name */
	const char *v = lookup(k, name);
	if (!v && strip_prefix(name) != name)
		v = lookup(k, strip_prefix(name));
	return v;
}

char kconfig_tristate(const struct kconfig *k, const char *name)
{
	const char *v = kconfig_get(k, name);
	if (!v)
		return 0;
	if (strcmp(v, "n") == 0 || v[0] == '\0')
		return 'n';
	if (strcmp(v, "m") == 0)
		return 'm';
	return 'y';
}
