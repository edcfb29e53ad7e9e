/* ini: the reader for ~/.aws/config and ~/.aws/credentials.
 *
 * It reads the files the way the AWS CLI (botocore, on Python's configparser)
 * does:
 *   - "[name]" starts a section; the name is what lies between the first "["
 *     and the last "]", trimmed; section names keep their case;
 *   - "key = value" or "key: value"; keys are lower-cased and trimmed, values
 *     trimmed; an empty value is allowed;
 *   - a line whose first non-blank character is "#" or ";" is a comment;
 *     there are no comments after a value ("key = a # b" has value "a # b");
 *   - an indented line continues the key above it.  Under a key with an empty
 *     value ("s3 =") the indented "name = value" lines form a sub-section,
 *     read as nested entries (sub = "s3"); under a non-empty value they are
 *     appended to it after a newline;
 *   - CRLF line ends are accepted; a NUL byte, a line outside any section, a
 *     line that is neither of the above, a repeated section or a repeated key
 *     in one section is an error (the CLI refuses such files too), reported
 *     with the file name and line number.
 *
 * Values may be secrets (aws_secret_access_key): ini_free() wipes every value
 * before releasing it, and ini_load() wipes the file's bytes after parsing.
 */
#ifndef AMIWIZ_AWS_INI_H
#define AMIWIZ_AWS_INI_H

#include <stddef.h>

#include "help/err.h"

#define INI_MAX_FILE (1024 * 1024) /* a config file larger than this is refused */
#define INI_MAX_ENTRIES 4096

struct ini_entry {
	char *section; /* "profile dev", "default", "services local" */
	char *sub;     /* NULL, or the nested key ("s3") this entry is under */
	char *key;     /* lower case */
	char *value;
	unsigned line; /* 1-based line of the key */
};

struct ini_file {
	struct ini_entry *e;
	size_t n, cap;
	char **sections; /* every section header seen, in order */
	size_t nsections;
};

void ini_init(struct ini_file *f);

/* Wipe every value, release everything; `f` is empty and reusable.  NULL ok. */
void ini_free(struct ini_file *f);

/* Parse `len` bytes of `text` into `f` (which must be empty).  `name` is used
 * in error messages only ("~/.aws/config").  Fails with ERR_INPUT; on failure
 * `f` is emptied.  The error text never quotes a value. */
int ini_parse(const char *text, size_t len, const char *name, struct ini_file *f,
	      struct err *reterr);

/* Read and parse the file at `path`.  A file that does not exist is not an
 * error: *ret_missing is set to 1 and `f` stays empty.  Unreadable or
 * oversized files fail with ERR_SYSTEM / ERR_INPUT. */
int ini_load(const char *path, const char *name, struct ini_file *f, int *ret_missing,
	     struct err *reterr);

/* The value of `key` (lower case) in `section`, or in the nested block `sub`
 * under it when sub is not NULL.  Borrowed from `f`; NULL when absent. */
const char *ini_get(const struct ini_file *f, const char *section, const char *sub,
		    const char *key);

/* The entry itself (for its line number), or NULL. */
const struct ini_entry *ini_find(const struct ini_file *f, const char *section, const char *sub,
				 const char *key);

/* 1 when a section of that exact name exists. */
int ini_has_section(const struct ini_file *f, const char *section);

#endif
