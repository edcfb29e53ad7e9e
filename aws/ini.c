#include "aws/ini.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

void ini_init(struct ini_file *f)
{
	memset(f, 0, sizeof(*f));
}

static void wipe_str(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

void ini_free(struct ini_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->e[i].section);
		free(f->e[i].sub);
		free(f->e[i].key);
		wipe_str(f->e[i].value);
	}
	free(f->e);
	for (size_t i = 0; i < f->nsections; i++)
		free(f->sections[i]);
	free(f->sections);
	ini_init(f);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

/* A trimmed copy of [s, s+len). */
static char *dup_trim(const char *s, size_t len, int lower)
{
	while (len && is_blank(*s)) {
		s++;
		len--;
	}
	while (len && is_blank(s[len - 1]))
		len--;
	char *d = malloc(len + 1);
	if (!d)
		return NULL;
	for (size_t i = 0; i < len; i++)
		d[i] = (char)(lower && s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	d[len] = '\0';
	return d;
}

static int same_opt(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

const struct ini_entry *ini_find(const struct ini_file *f, const char *section, const char *sub,
				 const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->e[i].section, section) == 0 && same_opt(f->e[i].sub, sub) &&
		    strcmp(f->e[i].key, key) == 0)
			return &f->e[i];
	return NULL;
}

const char *ini_get(const struct ini_file *f, const char *section, const char *sub,
		    const char *key)
{
	const struct ini_entry *e = ini_find(f, section, sub, key);
	return e ? e->value : NULL;
}

int ini_has_section(const struct ini_file *f, const char *section)
{
	for (size_t i = 0; i < f->nsections; i++)
		if (strcmp(f->sections[i], section) == 0)
			return 1;
	return 0;
}

static int add_entry(struct ini_file *f, const char *section, const char *sub, char *key,
		     char *value, unsigned line)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct ini_entry *e = realloc(f->e, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		f->e = e;
		f->cap = cap;
	}
	struct ini_entry *e = &f->e[f->n];
	e->section = strdup(section);
	e->sub = sub ? strdup(sub) : NULL;
	e->key = key;
	e->value = value;
	e->line = line;
	if (!e->section || (sub && !e->sub)) {
		free(e->section);
		free(e->sub);
		return -ENOMEM;
	}
	f->n++;
	return 0;
}

/* Append "\n<line>" to a value, wiping the old copy (it may be a secret). */
static int append_line(char **value, const char *add)
{
	size_t a = strlen(*value), b = strlen(add);
	char *n = malloc(a + b + 2);
	if (!n)
		return -ENOMEM;
	memcpy(n, *value, a);
	n[a] = '\n';
	memcpy(n + a + 1, add, b + 1);
	wipe_str(*value);
	*value = n;
	return 0;
}

int ini_parse(const char *text, size_t len, const char *name, struct ini_file *f,
	      struct err *reterr)
{
	char *section = NULL;
	struct ini_entry *last = NULL; /* the key an indented line continues */
	size_t last_idx = 0;
	int have_last = 0;
	unsigned lineno = 0;
	size_t pos = 0;
	int r = 0;
	char *key = NULL, *value = NULL;

	if (!name)
		name = "the file";
	if (len > INI_MAX_FILE)
		return err_set(reterr, ERR_INPUT, 0, "%s is larger than %d bytes", name, INI_MAX_FILE);
	if (memchr(text, '\0', len))
		return err_set(reterr, ERR_INPUT, 0, "%s holds a NUL byte: it is not a text file",
			       name);

	while (pos < len) {
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - l) : len - pos;
		pos += ll + (nl ? 1 : 0);
		lineno++;
		if (ll && l[ll - 1] == '\r')
			ll--;

		size_t i = 0;
		while (i < ll && is_blank(l[i]))
			i++;
		if (i == ll)
			continue; /* empty line */
		if (l[i] == '#' || l[i] == ';')
			continue;
		if (i > 0 && have_last) {
			/* continuation of the key above */
			last = &f->e[last_idx];
			if (last->value[0] == '\0') {
				/* a nested block: "name = value" lines */
				const char *eq = memchr(l + i, '=', ll - i);
				if (!eq) {
					r = err_set(reterr, ERR_INPUT, 0,
						    "%s line %u: an indented line under \"%s\" is not \"name = value\"",
						    name, lineno, last->key);
					goto fail;
				}
				const char *parent = last->key;
				char *parent_copy = strdup(parent);
				key = dup_trim(l + i, (size_t)(eq - (l + i)), 1);
				value = dup_trim(eq + 1, (size_t)(l + ll - eq - 1), 0);
				if (!parent_copy || !key || !value) {
					free(parent_copy);
					r = -ENOMEM;
					goto nomem;
				}
				if (ini_find(f, section, parent_copy, key)) {
					r = err_set(reterr, ERR_INPUT, 0,
						    "%s line %u: \"%s\" appears twice under \"%s\" in [%s]",
						    name, lineno, key, parent_copy, section);
					free(parent_copy);
					goto fail;
				}
				r = add_entry(f, section, parent_copy, key, value, lineno);
				free(parent_copy);
				if (r < 0)
					goto nomem;
				key = value = NULL;
				/* the next indented line still belongs to the block */
				continue;
			}
			char *cont = dup_trim(l + i, ll - i, 0);
			if (!cont || append_line(&last->value, cont) < 0) {
				wipe_str(cont);
				r = -ENOMEM;
				goto nomem;
			}
			wipe_str(cont);
			continue;
		}
		if (l[i] == '[') {
			const char *close = NULL;
			for (size_t k = ll; k > i; k--)
				if (l[k - 1] == ']') {
					close = l + k - 1;
					break;
				}
			if (!close || close == l + i + 1) {
				r = err_set(reterr, ERR_INPUT, 0,
					    "%s line %u: a section header needs a name in [brackets]",
					    name, lineno);
				goto fail;
			}
			free(section);
			section = dup_trim(l + i + 1, (size_t)(close - (l + i + 1)), 0);
			if (!section)
				goto nomem;
			if (!*section) {
				r = err_set(reterr, ERR_INPUT, 0, "%s line %u: an empty section name",
					    name, lineno);
				goto fail;
			}
			if (ini_has_section(f, section)) {
				r = err_set(reterr, ERR_INPUT, 0,
					    "%s line %u: section [%s] appears twice", name, lineno,
					    section);
				goto fail;
			}
			char **s = realloc(f->sections, (f->nsections + 1) * sizeof(*s));
			if (!s)
				goto nomem;
			f->sections = s;
			if (!(f->sections[f->nsections] = strdup(section)))
				goto nomem;
			f->nsections++;
			have_last = 0;
			continue;
		}
		if (!section) {
			r = err_set(reterr, ERR_INPUT, 0,
				    "%s line %u: a setting before the first [section]", name, lineno);
			goto fail;
		}
		/* key = value, or key: value (whichever comes first) */
		const char *sep = NULL;
		for (size_t k = i; k < ll; k++)
			if (l[k] == '=' || l[k] == ':') {
				sep = l + k;
				break;
			}
		if (!sep || sep == l + i) {
			r = err_set(reterr, ERR_INPUT, 0,
				    "%s line %u: expected \"name = value\" or a [section]", name,
				    lineno);
			goto fail;
		}
		key = dup_trim(l + i, (size_t)(sep - (l + i)), 1);
		value = dup_trim(sep + 1, (size_t)(l + ll - sep - 1), 0);
		if (!key || !value)
			goto nomem;
		if (ini_find(f, section, NULL, key)) {
			r = err_set(reterr, ERR_INPUT, 0, "%s line %u: \"%s\" appears twice in [%s]",
				    name, lineno, key, section);
			goto fail;
		}
		if (f->n >= INI_MAX_ENTRIES) {
			r = err_set(reterr, ERR_INPUT, 0, "%s has more than %d settings", name,
				    INI_MAX_ENTRIES);
			goto fail;
		}
		if ((r = add_entry(f, section, NULL, key, value, lineno)) < 0)
			goto nomem;
		key = value = NULL;
		last_idx = f->n - 1;
		have_last = 1;
	}
	free(section);
	return 0;

nomem:
	r = err_sys(reterr, ENOMEM, "Reading %s", name);
fail:
	free(section);
	free(key);
	wipe_str(value);
	ini_free(f);
	return r < 0 ? r : -1;
}

int ini_load(const char *path, const char *name, struct ini_file *f, int *ret_missing,
	     struct err *reterr)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int r;

	*ret_missing = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			*ret_missing = 1;
			return 0;
		}
		return err_sys(reterr, errno, "Opening %s", name ? name : path);
	}
	if (fstat(fd, &st) < 0) {
		r = err_sys(reterr, errno, "Reading %s", name ? name : path);
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > INI_MAX_FILE) {
		close(fd);
		return err_set(reterr, ERR_INPUT, 0, "%s is not a regular file under %d bytes",
			       name ? name : path, INI_MAX_FILE);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return err_sys(reterr, ENOMEM, "Reading %s", name ? name : path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = err_sys(reterr, errno, "Reading %s", name ? name : path);
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	r = ini_parse(buf, got, name ? name : path, f, reterr);
out:
	close(fd);
	OPENSSL_cleanse(buf, (size_t)st.st_size + 1);
	free(buf);
	return r;
}
