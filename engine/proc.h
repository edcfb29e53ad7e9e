/* proc: external programs (mke2fs, qemu-img, QEMU...) as child processes.
 *
 * A child is started with posix_spawn, its stdout and stderr are pipes and its
 * exit is a pidfd, all three watched through the caller's loop: nothing here
 * waits.  Output is split into lines, each handed to a progress callback and
 * kept in the runner's job log; when a program fails, its last lines go into the
 * error record so the user sees why.
 *
 * A runner in dry-run mode records each command line instead of running it (the
 * way libvirt tests its command builders): unit tests compare the record with
 * the command lines they expect, and a slower suite runs the same code for real.
 */
#ifndef AMIWIZ_ENGINE_PROC_H
#define AMIWIZ_ENGINE_PROC_H

#include <stdbool.h>

#include "help/dynbuf.h"
#include "help/err.h"
#include "help/loop.h"

#define PROC_LOG_MAX (8u << 20)      /* job log bound; further lines are dropped */
#define PROC_RECORD_MAX (1u << 20)   /* dry-run record bound */
#define PROC_TAIL_LINES 20           /* lines of a failed program kept for its error */

enum proc_stream {
	PROC_STDOUT = 1,
	PROC_STDERR = 2,
};

/* One line of a child's output (without its newline; long lines are cut). */
typedef void (*proc_line_fn)(void *data, enum proc_stream stream, const char *line);

struct proc_runner {
	struct loop *loop;     /* borrowed */
	bool dry_run;          /* record command lines, run nothing */
	struct dynbuf record;  /* dry run: one shell-quoted command line per line */
	struct dynbuf log;     /* "$ command" lines, then the program's output lines */
	proc_line_fn on_line;  /* optional: every output line of every child */
	void *line_data;
};

/* Prepare a runner on `l` (borrowed; must outlive the runner). */
void proc_runner_init(struct proc_runner *r, struct loop *l, bool dry_run);

/* Free the record and the log.  Children still running are not touched. */
void proc_runner_release(struct proc_runner *r);

struct proc_opts {
	const char *cwd;             /* NULL: ours */
	const char *const *env_add;  /* NULL-terminated "NAME=value" list, or NULL */
	int stdout_fd;               /* <0: captured as lines; else the child's stdout */
	struct dynbuf *capture;      /* optional: stdout bytes also appended here */
	long timeout_ms;             /* >0: SIGKILL after that long (reported as failure) */
	proc_line_fn on_line;        /* optional: this child's lines (besides the runner's) */
	void *line_data;
};

struct proc;

/* Called once when the child has ended and its output is read.  `status` is the
 * exit code, or 128 + signal number; `e` is NULL on exit 0, else an ERR_CHILD
 * record naming the program with its last output lines (valid during the call).
 * The proc is freed after the callback returns. */
typedef void (*proc_exit_fn)(struct proc *p, int status, const struct err *e, void *data);

/* Start argv[0] (searched in PATH) with `argv`, stdin from /dev/null.  `o` may
 * be NULL.  The argument strings are copied.  On success *ret_proc (may be NULL)
 * is valid until `done` returns.  In dry-run mode the command line is recorded
 * and `done` runs with status 0 from the next loop iteration.  Fails with
 * ERR_SYSTEM (program not found: code ENOENT) without calling `done`. */
int proc_start(struct proc_runner *r, const char *const *argv, const struct proc_opts *o,
	       proc_exit_fn done, void *data, struct proc **ret_proc, struct err *reterr);

/* Send `signo` to a running child.  Returns 0 or a negative errno. */
int proc_kill(struct proc *p, int signo);

/* Run a program to its end by driving the runner's loop (for headless commands
 * and tests; other watches on the loop keep being served).  Returns 0 when it
 * exited 0, else -1 with ERR_CHILD (code: exit status) or ERR_SYSTEM. */
int proc_run(struct proc_runner *r, const char *const *argv, const struct proc_opts *o,
	     struct err *reterr);

/* Append `argv` to `out` as one shell-quoted line (no newline). */
int proc_quote_argv(const char *const *argv, struct dynbuf *out);

#endif
