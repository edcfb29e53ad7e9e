/* err: the error record every layer fills.
 *
 * A fallible function returns 0 or a negative number and, on failure, fills a
 * `struct err *reterr` the caller owns.  The record says what kind of failure it
 * was, its numeric code (errno, HTTP status, exit status), the EC2/S3 error code
 * and request id when a service answered, what the program was doing, and the
 * service's or system's own message.  help/ turns it into plain words for the
 * user (help_for_err).
 *
 * The record is fixed-size and self-contained: copy it by assignment, no
 * allocation, nothing to free.  It must never hold a secret: layers that handle
 * credentials pass their secrets to err_redact() before a record leaves them.
 */
#ifndef AMIWIZ_HELP_ERR_H
#define AMIWIZ_HELP_ERR_H

#include <stdarg.h>
#include <stddef.h>

#include "help/dynbuf.h"

#define ERR_KINDS(X)                                                                               \
	X(ERR_NONE, "none")                                                                        \
	X(ERR_USAGE, "usage")         /* the command line was wrong */                             \
	X(ERR_INPUT, "input")         /* a file or reply we were given is malformed */             \
	X(ERR_SYSTEM, "system")       /* a system call failed; code is errno */                    \
	X(ERR_NETWORK, "network")     /* transport: DNS, connect, TLS, timeout; code is curl's */  \
	X(ERR_SERVICE, "service")     /* an AWS-shaped error reply; code is the HTTP status */     \
	X(ERR_CREDENTIALS, "credentials") /* no, expired or unusable credentials */                \
	X(ERR_CHILD, "child")         /* an external program failed; code is its exit status */   \
	X(ERR_CANCELLED, "cancelled") /* the user or a signal stopped the operation */             \
	X(ERR_INTERNAL, "internal")   /* a bug: a state that should not happen */

enum err_kind {
#define X(id, name) id,
	ERR_KINDS(X)
#undef X
	ERR_KIND_MAX
};

#define ERR_CODE_MAX 96    /* longest EC2 code is ~60 characters */
#define ERR_REQID_MAX 96
#define ERR_DOING_MAX 160
#define ERR_MESSAGE_MAX 1024

struct err {
	enum err_kind kind;
	long code;                       /* errno, HTTP status, exit status, or 0 */
	char aws_code[ERR_CODE_MAX];     /* e.g. "InvalidAMIName.Duplicate", or "" */
	char request_id[ERR_REQID_MAX];  /* the service's request id, or "" */
	char doing[ERR_DOING_MAX];       /* e.g. "Registering the image" */
	char message[ERR_MESSAGE_MAX];   /* the service's or system's own words */
};

/* Reset to "no error". */
void err_clear(struct err *e);

/* True when the record holds an error. */
int err_isset(const struct err *e);

/* Fill the record with a kind, a code and a formatted message; keeps `doing`.
 * Always returns -1 so a function can `return err_set(...)`.  `e` may be NULL. */
int err_set(struct err *e, enum err_kind kind, long code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int err_vset(struct err *e, enum err_kind kind, long code, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/* ERR_SYSTEM with errno `errnum`: the message is the formatted text followed by
 * ": " and strerror(errnum).  Returns -errnum (or -1 when errnum is 0). */
int err_sys(struct err *e, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ERR_SERVICE from a parsed error reply.  Any string may be NULL. */
int err_service(struct err *e, long http_status, const char *aws_code, const char *request_id,
		const char *message);

/* Say what the program was doing ("Registering the image").  Overwrites. */
void err_doing(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Replace every occurrence of `secret` in the record's text fields with
 * "********".  Secrets shorter than 4 bytes are ignored (they would match
 * ordinary text). */
void err_redact(struct err *e, const char *secret);

/* The kind's stable name ("service", "input", ...). */
const char *err_kind_name(enum err_kind kind);

/* One line for a log or a terminal:
 *   "<doing>: <aws_code>: <message> (request id <id>)"
 * leaving out the parts that are empty.  Appends to `out`; returns dyn_add's code. */
int err_format(const struct err *e, struct dynbuf *out);

#endif
