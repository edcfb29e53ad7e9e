/* dynbuf: a growable byte buffer that always has a maximum size.
 *
 * Every piece of text amiwiz builds from input (a config line, an XML body, a
 * canonical request) lives in a dynbuf, so no input can make it grow without
 * bound.  The contents are always NUL-terminated, so dyn_ptr() is a C string
 * when only text was added.
 *
 * Ownership: the dynbuf owns its storage.  dyn_free() releases it and leaves an
 * empty buffer that may be reused; dyn_take() hands the storage to the caller.
 */
#ifndef AMIWIZ_HELP_DYNBUF_H
#define AMIWIZ_HELP_DYNBUF_H

#include <stdarg.h>
#include <stddef.h>

struct dynbuf {
	char *buf;    /* NULL until the first add */
	size_t len;   /* bytes in use, not counting the trailing NUL */
	size_t alloc; /* bytes allocated */
	size_t max;   /* the most len may ever be */
};

/* Prepare an empty buffer that will refuse to grow past `max` bytes. */
void dyn_init(struct dynbuf *d, size_t max);

/* Release the storage; the buffer is empty and usable again (same max). */
void dyn_free(struct dynbuf *d);

/* Forget the contents but keep the storage. */
void dyn_reset(struct dynbuf *d);

/* Append bytes.  Returns 0, -ENOMEM, or -E2BIG when the result would exceed the
 * maximum; on failure the buffer is left as it was. */
int dyn_add(struct dynbuf *d, const void *mem, size_t len);
int dyn_addstr(struct dynbuf *d, const char *str);
int dyn_addc(struct dynbuf *d, char c);
int dyn_addf(struct dynbuf *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int dyn_vaddf(struct dynbuf *d, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Keep only the first `len` bytes (no-op when len >= current length). */
void dyn_truncate(struct dynbuf *d, size_t len);

/* The contents: never NULL ("" for an empty buffer), always NUL-terminated. */
const char *dyn_ptr(const struct dynbuf *d);
size_t dyn_len(const struct dynbuf *d);

/* Hand the storage to the caller (free() it) and leave the buffer empty.
 * Never NULL: an empty buffer yields a fresh "" (NULL only on ENOMEM). */
char *dyn_take(struct dynbuf *d, size_t *ret_len);

#endif
