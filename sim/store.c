#include "sim/store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "help/atomicfile.h"
#include "help/err.h"

static const char *const coll_names[] = {
#define X(id, name) name,
	STORE_COLLECTIONS(X)
#undef X
};

struct store {
	char *dir;
	struct json_object *coll[COLL_MAX];
};

char *store_path(struct store *st, const char *fmt, ...)
{
	struct dynbuf d;
	va_list ap;
	dyn_init(&d, 8192);
	if (dyn_addf(&d, "%s/", st->dir)) {
		dyn_free(&d);
		return NULL;
	}
	va_start(ap, fmt);
	int r = dyn_vaddf(&d, fmt, ap);
	va_end(ap);
	if (r) {
		dyn_free(&d);
		return NULL;
	}
	return dyn_take(&d, NULL);
}

static int make_dir(const char *path, struct err *reterr)
{
	if (mkdir(path, 0700) && errno != EEXIST)
		return err_sys(reterr, errno, "Cannot create %s", path);
	return 0;
}

int store_write_file(const char *path, const void *data, size_t len, struct err *reterr)
{
	/* the project's one crash-safe replace (temporary file, fsync, rename) */
	return atomic_write_file(path, data, len, 0600, reterr) < 0 ? -1 : 0;
}

int store_open(const char *dir, struct store **ret, struct err *reterr)
{
	static const char *const subdirs[] = {"state", "objects", "parts", "blocks"};
	struct store *st = calloc(1, sizeof(*st));
	char *p = NULL;

	if (!st || !(st->dir = strdup(dir))) {
		err_set(reterr, ERR_SYSTEM, ENOMEM, "Out of memory");
		goto fail;
	}
	if (make_dir(dir, reterr))
		goto fail;
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		p = store_path(st, "%s", subdirs[i]);
		if (!p || make_dir(p, reterr))
			goto fail;
		free(p);
		p = NULL;
	}
	for (int c = 0; c < COLL_MAX; c++) {
		p = store_path(st, "state/%s.json", coll_names[c]);
		if (!p)
			goto fail;
		if (access(p, F_OK) == 0) {
			st->coll[c] = json_object_from_file(p);
			if (!st->coll[c] || !json_object_is_type(st->coll[c], json_type_object)) {
				err_set(reterr, ERR_INPUT, 0, "%s is not a JSON object: %s", p,
					json_util_get_last_err() ? json_util_get_last_err() : "");
				goto fail;
			}
		} else {
			st->coll[c] = json_object_new_object();
		}
		free(p);
		p = NULL;
	}
	*ret = st;
	return 0;
fail:
	free(p);
	store_close(st);
	return -1;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int c = 0; c < COLL_MAX; c++)
		json_object_put(st->coll[c]);
	free(st->dir);
	free(st);
}

struct json_object *store_coll(struct store *st, enum store_coll c)
{
	return st->coll[c];
}

int store_save(struct store *st, enum store_coll c, struct err *reterr)
{
	const char *text = json_object_to_json_string_ext(st->coll[c], JSON_C_TO_STRING_PRETTY);
	char *p = store_path(st, "state/%s.json", coll_names[c]);
	int rc;
	if (!p)
		return err_set(reterr, ERR_SYSTEM, ENOMEM, "Out of memory");
	rc = store_write_file(p, text, strlen(text), reterr);
	free(p);
	return rc;
}

const char *store_str(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

long long store_int(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v))
		return 0;
	return (long long)json_object_get_int64(v);
}

double store_double(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v))
		return 0;
	return json_object_get_double(v);
}

void store_set_str(struct json_object *o, const char *key, const char *value)
{
	if (!value)
		json_object_object_del(o, key);
	else
		json_object_object_add(o, key, json_object_new_string(value));
}

void store_set_int(struct json_object *o, const char *key, long long value)
{
	json_object_object_add(o, key, json_object_new_int64(value));
}

void store_set_double(struct json_object *o, const char *key, double value)
{
	json_object_object_add(o, key, json_object_new_double(value));
}
