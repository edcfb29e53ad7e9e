/* help: plain-language texts for every error and every step.
 *
 * The texts live in help/catalog/ (one .txt file per namespace) and are compiled at build time into one
 * sorted table (help/gen_catalog.py); nothing is read at run time.  An entry
 * has a key, a one-line title, what happened, why it usually happens, what to
 * do next, whether retrying the same request later can help, and sometimes the
 * equivalent AWS CLI command.
 *
 * Keys are namespaced by a prefix:
 *   (none)     EC2 API error codes            "InvalidAMIID.NotFound"
 *   vmimport:  VM Import/Export messages      "vmimport:unknown-os"
 *   state:     import task states             "state:preparing-to-boot"
 *   ebs:       EBS direct API errors          "ebs:ValidationException"
 *   s3:        S3 errors                      "s3:NoSuchUpload"
 *   local:     our own failures               "local:network-dns"
 *   step:      what each wizard step does     "step:register"
 *   kcheck:    kernel-check findings
 *   inspect:   inspection verdicts            "inspect:pv.menu-lst-missing"
 *   fallback:  texts for codes we have no entry for
 *
 * Entries for messages (VM Import status messages, some local failures) carry
 * patterns; a matching message may fill holes ("{version}") that the texts
 * quote back, so "Unsupported kernel version 3.16.0-4-686-pae" is explained
 * with its own version number.
 *
 * Everything here is constant data or bounded buffers; help/ depends on
 * nothing of ours but err.h and dynbuf.h.
 */
#ifndef AMIWIZ_HELP_HELP_H
#define AMIWIZ_HELP_HELP_H

#include <stdbool.h>
#include <stddef.h>

#include "help/dynbuf.h"
#include "help/err.h"

struct help_entry {
	const char *key;     /* with its namespace prefix, e.g. "s3:NoSuchUpload" */
	const char *title;   /* one line */
	const char *what;    /* what happened */
	const char *why;     /* why it usually happens; "" when none */
	const char *do_text; /* what to do next */
	const char *cli;     /* the equivalent command; "" when none */
	bool retry;          /* retrying the same request later can succeed */
	bool templated;      /* the texts may hold {hole} placeholders */
};

/* The catalog, sorted by key (strcmp order).  Entries are static data. */
size_t help_count(void);
const struct help_entry *help_at(size_t i);

/* The entry whose key (or alias) is exactly `key`, or NULL.  O(log n). */
const struct help_entry *help_lookup_key(const char *key);

/* Find the entry for what a user or a service gave us: an exact key, the same
 * without a "Client." or "Server." prefix, the key in any case, a code or state
 * name of another namespace ("NoSuchUpload" -> "s3:NoSuchUpload", "preparing
 * to boot" -> "state:preparing-to-boot"), then the message patterns.  NULL
 * when nothing fits.  Placeholders in a templated entry are left as they are;
 * help_explain() fills them in. */
const struct help_entry *help_lookup(const char *code_or_message);

#define HELP_HOLES_MAX 4
#define HELP_HOLE_NAME_MAX 24
#define HELP_HOLE_VALUE_MAX 128

/* What a pattern captured from a message: printable ASCII only, bounded. */
struct help_holes {
	int n;
	struct {
		char name[HELP_HOLE_NAME_MAX];
		char value[HELP_HOLE_VALUE_MAX];
	} hole[HELP_HOLES_MAX];
};

/* Match `message` against the catalog's patterns, most specific first.  Only
 * patterns that apply to err kind `kind` are tried (ERR_NONE: all of them).
 * Returns the entry and fills `ret_holes` (may be NULL), or returns NULL. */
const struct help_entry *help_match(const char *message, enum err_kind kind,
				    struct help_holes *ret_holes);

/* Texts ready to show: placeholders filled, the code and request id kept. */
struct help_text {
	bool known;  /* an entry of ours fits; false: a fallback text by shape */
	bool retry;  /* retrying the same request later can succeed */
	const char *key;                /* the entry used (a "fallback:" one too) */
	char code[ERR_CODE_MAX];        /* the service's code, or "" */
	char request_id[ERR_REQID_MAX]; /* the service's request id, or "" */
	struct help_holes holes;        /* what a message pattern captured */
	struct dynbuf title, what, why, do_text, cli;
};

/* Prepare an empty help_text (also done by help_for_err / help_explain). */
void help_text_init(struct help_text *t);

/* Release the buffers; `t` may be NULL.  Safe to call twice. */
void help_text_free(struct help_text *t);

/* The words to show for an error record, for the TUI and the CLI.
 *
 * Tries, in order: a message pattern that applies to the record's kind, the
 * service's code (EC2, then EBS direct, then S3), a local text chosen by kind
 * and code (errno for ERR_SYSTEM, libcurl's code for ERR_NETWORK, enum
 * help_cred for ERR_CREDENTIALS), and last a fallback chosen by the code's
 * shape (*.NotFound, *.Malformed, Invalid*, *LimitExceeded, 5xx, ...) with
 * known = false, which still names the code and the request id.
 *
 * `ret` is initialised here and owned by the caller: help_text_free() it,
 * even on failure.  Returns 0, or a negative dyn_add code (ENOMEM). */
int help_for_err(const struct err *e, struct help_text *ret);

/* help_for_err() for a record from a service whose codes overlap EC2's
 * (both S3 and EC2 have an "InternalError"): `ns` ("s3", "ebs") is tried
 * first.  NULL `ns` is help_for_err(). */
int help_for_service_err(const struct err *e, const char *ns, struct help_text *ret);

/* The same for `amiwiz explain`: `input` is a code, a state name or a message
 * pasted from a tool ("An error occurred (InvalidParameter) when calling ...").
 * Unknown codes and messages get the fallback (known = false). */
int help_explain(const char *input, struct help_text *ret);

/* Codes the aws/ layer puts in struct err.code for ERR_CREDENTIALS records, so
 * each gets its own advice.  (Message patterns catch the same cases too.) */
enum help_cred {
	HELP_CRED_OTHER = 0,
	HELP_CRED_NONE = 1,          /* no credentials anywhere in the chain */
	HELP_CRED_EXPIRED = 2,       /* temporary credentials past their expiry */
	HELP_CRED_CLOCK_SKEW = 3,    /* our clock is too far from AWS's */
	HELP_CRED_NO_PROFILE = 4,    /* AWS_PROFILE names a profile that is not there */
	HELP_CRED_UNREADABLE = 5,    /* ~/.aws/credentials or config cannot be parsed */
	HELP_CRED_REJECTED = 6,      /* the service says the key is not valid */
};

#endif
