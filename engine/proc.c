#include "engine/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define LINE_MAX_BYTES 4096
/* After the child has exited, a grandchild may still hold a pipe open; do not
 * wait for it longer than this. */
#define DRAIN_GRACE_MS 2000

struct stream {
	int fd;
	enum proc_stream which;
	struct dynbuf partial; /* bytes after the last newline */
};

struct proc {
	struct proc_runner *r;
	char **argv;
	pid_t pid;
	int pidfd;
	struct stream out, errs;
	bool exited;
	bool timed_out;
	bool finished;
	int status;
	uint64_t timeout_timer;
	uint64_t grace_timer;
	struct dynbuf *capture;
	proc_line_fn on_line;
	void *line_data;
	proc_exit_fn done;
	void *data;
	char *tail[PROC_TAIL_LINES]; /* ring of the last output lines */
	unsigned tail_next;
};

void proc_runner_init(struct proc_runner *r, struct loop *l, bool dry_run)
{
	memset(r, 0, sizeof(*r));
	r->loop = l;
	r->dry_run = dry_run;
	dyn_init(&r->record, PROC_RECORD_MAX);
	dyn_init(&r->log, PROC_LOG_MAX);
}

void proc_runner_release(struct proc_runner *r)
{
	if (!r)
		return;
	dyn_free(&r->record);
	dyn_free(&r->log);
}

static bool shell_safe(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+@%-",
			    *s))
			return false;
	return true;
}

int proc_quote_argv(const char *const *argv, struct dynbuf *out)
{
	int rc = 0;
	for (size_t i = 0; argv[i] && rc == 0; i++) {
		if (i)
			rc = dyn_addc(out, ' ');
		if (rc == 0 && shell_safe(argv[i])) {
			rc = dyn_addstr(out, argv[i]);
			continue;
		}
		if (rc == 0)
			rc = dyn_addc(out, '\'');
		for (const char *p = argv[i]; *p && rc == 0; p++)
			rc = *p == '\'' ? dyn_addstr(out, "'\\''") : dyn_addc(out, *p);
		if (rc == 0)
			rc = dyn_addc(out, '\'');
	}
	return rc;
}

static void log_line(struct proc_runner *r, const char *prefix, const char *line)
{
	/* a full log drops lines rather than failing the job */
	if (dyn_addstr(&r->log, prefix) == 0 && dyn_addstr(&r->log, line) == 0)
		dyn_addc(&r->log, '\n');
}

static struct proc *proc_free(struct proc *p)
{
	if (!p)
		return NULL;
	if (p->argv)
		for (size_t i = 0; p->argv[i]; i++)
			free(p->argv[i]);
	free(p->argv);
	for (unsigned i = 0; i < PROC_TAIL_LINES; i++)
		free(p->tail[i]);
	dyn_free(&p->out.partial);
	dyn_free(&p->errs.partial);
	free(p);
	return NULL;
}

static void deliver_line(struct proc *p, enum proc_stream which, const char *line)
{
	log_line(p->r, which == PROC_STDERR ? "! " : "  ", line);
	free(p->tail[p->tail_next]);
	p->tail[p->tail_next] = strdup(line);
	p->tail_next = (p->tail_next + 1) % PROC_TAIL_LINES;
	if (p->on_line)
		p->on_line(p->line_data, which, line);
	if (p->r->on_line)
		p->r->on_line(p->r->line_data, which, line);
}

static void finish(struct proc *p)
{
	if (p->finished)
		return;
	p->finished = true;
	struct loop *l = p->r->loop;
	if (p->timeout_timer)
		loop_timer_cancel(l, p->timeout_timer);
	if (p->grace_timer)
		loop_timer_cancel(l, p->grace_timer);
	struct stream *ss[2] = {&p->out, &p->errs};
	for (int i = 0; i < 2; i++) {
		struct stream *s = ss[i];
		if (dyn_len(&s->partial))
			deliver_line(p, s->which, dyn_ptr(&s->partial));
		if (s->fd >= 0) {
			loop_unwatch(l, s->fd);
			close(s->fd);
			s->fd = -1;
		}
	}
	if (p->pidfd >= 0) {
		loop_unwatch(l, p->pidfd);
		close(p->pidfd);
		p->pidfd = -1;
	}

	struct err e;
	err_clear(&e);
	int status = p->status;
	if (p->timed_out && status == 0)
		status = 128 + SIGKILL;
	if (status != 0) {
		struct dynbuf msg;
		dyn_init(&msg, ERR_MESSAGE_MAX - 1);
		if (p->timed_out)
			dyn_addf(&msg, "%s did not finish in time and was stopped", p->argv[0]);
		else if (status > 128)
			dyn_addf(&msg, "%s was killed by signal %d", p->argv[0], status - 128);
		else
			dyn_addf(&msg, "%s failed with exit status %d", p->argv[0], status);
		/* the last lines, oldest first, as many as fit */
		size_t room = ERR_MESSAGE_MAX - 1 - dyn_len(&msg);
		unsigned first = PROC_TAIL_LINES;
		size_t need = 0;
		for (unsigned k = 0; k < PROC_TAIL_LINES; k++) {
			unsigned i = (p->tail_next + PROC_TAIL_LINES - 1 - k) % PROC_TAIL_LINES;
			if (!p->tail[i])
				break;
			need += strlen(p->tail[i]) + 1;
			if (need + 1 > room)
				break;
			first = k;
		}
		if (first < PROC_TAIL_LINES) {
			dyn_addc(&msg, ':');
			for (int k = (int)first; k >= 0; k--) {
				unsigned i = (p->tail_next + PROC_TAIL_LINES - 1 - (unsigned)k) %
					     PROC_TAIL_LINES;
				dyn_addc(&msg, '\n');
				dyn_addstr(&msg, p->tail[i]);
			}
		}
		err_set(&e, ERR_CHILD, status, "%s", dyn_ptr(&msg));
		dyn_free(&msg);
		log_line(p->r, "# ", e.message);
	}
	if (p->done)
		p->done(p, status, status ? &e : NULL, p->data);
	proc_free(p);
}

static void maybe_finish(struct proc *p)
{
	if (p->exited && p->out.fd < 0 && p->errs.fd < 0)
		finish(p);
}

static long grace_over(struct loop *l, void *data)
{
	struct proc *p = data;
	p->grace_timer = 0;
	finish(p);
	return -1;
}

static long timeout_hit(struct loop *l, void *data)
{
	struct proc *p = data;
	p->timeout_timer = 0;
	p->timed_out = true;
	if (!p->exited)
		kill(p->pid, SIGKILL);
	return -1;
}

static void split_lines(struct proc *p, struct stream *s, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n' || dyn_len(&s->partial) >= LINE_MAX_BYTES) {
			/* strip the carriage return of serial consoles */
			size_t len = dyn_len(&s->partial);
			if (len && dyn_ptr(&s->partial)[len - 1] == '\r')
				dyn_truncate(&s->partial, len - 1);
			deliver_line(p, s->which, dyn_ptr(&s->partial));
			dyn_reset(&s->partial);
			if (buf[i] == '\n')
				continue;
		}
		if (buf[i] != '\0')
			dyn_addc(&s->partial, buf[i]);
	}
}

static void on_pipe(struct loop *l, int fd, unsigned events, void *data)
{
	struct proc *p = data;
	struct stream *s = fd == p->out.fd ? &p->out : &p->errs;
	char buf[16384];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		loop_unwatch(l, fd);
		close(fd);
		s->fd = -1;
		maybe_finish(p);
		return;
	}
	if (s == &p->out && p->capture)
		dyn_add(p->capture, buf, (size_t)n);
	split_lines(p, s, buf, (size_t)n);
}

static void on_pidfd(struct loop *l, int fd, unsigned events, void *data)
{
	struct proc *p = data;
	int st;
	pid_t w = waitpid(p->pid, &st, WNOHANG);
	if (w == 0)
		return;
	if (w < 0)
		p->status = 128 + SIGKILL; /* cannot happen for our own child */
	else if (WIFEXITED(st))
		p->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		p->status = 128 + WTERMSIG(st);
	p->exited = true;
	loop_unwatch(l, p->pidfd);
	close(p->pidfd);
	p->pidfd = -1;
	if (p->out.fd >= 0 || p->errs.fd >= 0)
		p->grace_timer = loop_timer_add(l, DRAIN_GRACE_MS, grace_over, p);
	maybe_finish(p);
}

static long dry_done(struct loop *l, void *data)
{
	struct proc *p = data;
	if (p->done)
		p->done(p, 0, NULL, p->data);
	proc_free(p);
	return -1;
}

static char **copy_argv(const char *const *argv)
{
	size_t n = 0;
	while (argv[n])
		n++;
	char **v = calloc(n + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		v[i] = strdup(argv[i]);
		if (!v[i]) {
			for (size_t j = 0; j < i; j++)
				free(v[j]);
			free(v);
			return NULL;
		}
	}
	return v;
}

/* environ plus `add`, entries of `add` replacing those of the same name */
static char **make_env(const char *const *add)
{
	size_t n = 0, k = 0;
	while (environ[n])
		n++;
	while (add && add[k])
		k++;
	char **env = calloc(n + k + 1, sizeof(*env));
	if (!env)
		return NULL;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t nl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		bool replaced = false;
		for (size_t j = 0; j < k && !replaced; j++)
			replaced = strncmp(add[j], environ[i], nl) == 0 && add[j][nl] == '=';
		if (!replaced)
			env[m++] = environ[i];
	}
	for (size_t j = 0; j < k; j++)
		env[m++] = (char *)(uintptr_t)add[j];
	return env;
}

int proc_start(struct proc_runner *r, const char *const *argv, const struct proc_opts *o,
	       proc_exit_fn done, void *data, struct proc **ret_proc, struct err *reterr)
{
	static const struct proc_opts none = {.stdout_fd = -1};
	struct proc *p = NULL;
	int outp[2] = {-1, -1}, errp[2] = {-1, -1};
	int devnull = -1;
	char **env = NULL;
	posix_spawn_file_actions_t fa;
	bool fa_ok = false;
	int rc;

	if (!o)
		o = &none;
	if (!argv || !argv[0])
		return err_set(reterr, ERR_INTERNAL, 0, "no program to run");
	struct dynbuf cmd;
	dyn_init(&cmd, 64 * 1024);
	proc_quote_argv(argv, &cmd);
	log_line(r, "$ ", dyn_ptr(&cmd));

	p = calloc(1, sizeof(*p));
	if (!p || !(p->argv = copy_argv(argv))) {
		rc = err_sys(reterr, ENOMEM, "Starting %s", argv[0]);
		goto fail;
	}
	p->r = r;
	p->pidfd = p->out.fd = p->errs.fd = -1;
	p->out.which = PROC_STDOUT;
	p->errs.which = PROC_STDERR;
	dyn_init(&p->out.partial, LINE_MAX_BYTES + 1);
	dyn_init(&p->errs.partial, LINE_MAX_BYTES + 1);
	p->capture = o->capture;
	p->on_line = o->on_line;
	p->line_data = o->line_data;
	p->done = done;
	p->data = data;

	if (r->dry_run) {
		if (dyn_add(&r->record, dyn_ptr(&cmd), dyn_len(&cmd)) < 0 ||
		    dyn_addc(&r->record, '\n') < 0) {
			rc = err_set(reterr, ERR_INTERNAL, E2BIG, "the dry-run record is full");
			goto fail;
		}
		if (!loop_timer_add(r->loop, 0, dry_done, p)) {
			rc = err_sys(reterr, ENOMEM, "Starting %s", argv[0]);
			goto fail;
		}
		dyn_free(&cmd);
		if (ret_proc)
			*ret_proc = p;
		return 0;
	}

	if ((o->stdout_fd < 0 && pipe2(outp, O_CLOEXEC) < 0) || pipe2(errp, O_CLOEXEC) < 0 ||
	    (devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		rc = err_sys(reterr, errno, "Starting %s", argv[0]);
		goto fail;
	}
	env = make_env(o->env_add);
	if (!env || posix_spawn_file_actions_init(&fa) != 0) {
		rc = err_sys(reterr, ENOMEM, "Starting %s", argv[0]);
		goto fail;
	}
	fa_ok = true;
	posix_spawn_file_actions_adddup2(&fa, devnull, 0);
	posix_spawn_file_actions_adddup2(&fa, o->stdout_fd >= 0 ? o->stdout_fd : outp[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	if (o->cwd)
		posix_spawn_file_actions_addchdir_np(&fa, o->cwd);

	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	/* the child starts with default signal handling and an empty mask (the loop
	 * may block signals it reads through a signalfd) */
	sigset_t all, empty;
	sigfillset(&all);
	sigemptyset(&empty);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setsigmask(&attr, &empty);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	int serr = posix_spawnp(&p->pid, argv[0], &fa, &attr, p->argv, env);
	posix_spawnattr_destroy(&attr);
	if (serr != 0) {
		if (serr == ENOENT)
			rc = err_sys(reterr, serr, "The program %s is not installed (not found in PATH)",
				     argv[0]);
		else
			rc = err_sys(reterr, serr, "Starting %s", argv[0]);
		goto fail;
	}

	p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if (p->pidfd < 0) {
		rc = err_sys(reterr, errno, "Watching %s", argv[0]);
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		goto fail;
	}
	fcntl(p->pidfd, F_SETFD, FD_CLOEXEC);
	if (outp[0] >= 0) {
		close(outp[1]);
		outp[1] = -1;
		p->out.fd = outp[0];
		outp[0] = -1;
		fcntl(p->out.fd, F_SETFL, O_NONBLOCK);
		loop_watch(r->loop, p->out.fd, LOOP_READ, on_pipe, p);
	}
	close(errp[1]);
	errp[1] = -1;
	p->errs.fd = errp[0];
	errp[0] = -1;
	fcntl(p->errs.fd, F_SETFL, O_NONBLOCK);
	loop_watch(r->loop, p->errs.fd, LOOP_READ, on_pipe, p);
	loop_watch(r->loop, p->pidfd, LOOP_READ, on_pidfd, p);
	if (o->timeout_ms > 0)
		p->timeout_timer = loop_timer_add(r->loop, o->timeout_ms, timeout_hit, p);

	posix_spawn_file_actions_destroy(&fa);
	free(env);
	close(devnull);
	dyn_free(&cmd);
	if (ret_proc)
		*ret_proc = p;
	return 0;

fail:
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	free(env);
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	if (devnull >= 0)
		close(devnull);
	if (p) {
		if (p->pidfd >= 0)
			close(p->pidfd);
		proc_free(p);
	}
	log_line(r, "# ", reterr ? reterr->message : "could not start");
	dyn_free(&cmd);
	return rc < 0 ? rc : -1;
}

int proc_kill(struct proc *p, int signo)
{
	if (!p || p->r->dry_run)
		return 0;
	if (p->exited)
		return -ESRCH;
	return kill(p->pid, signo) < 0 ? -errno : 0;
}

struct sync_state {
	bool done;
	int status;
	struct err e;
};

static void sync_done(struct proc *p, int status, const struct err *e, void *data)
{
	struct sync_state *s = data;
	s->done = true;
	s->status = status;
	if (e)
		s->e = *e;
}

int proc_run(struct proc_runner *r, const char *const *argv, const struct proc_opts *o,
	     struct err *reterr)
{
	struct sync_state s = {0};
	err_clear(&s.e);
	if (proc_start(r, argv, o, sync_done, &s, NULL, reterr) < 0)
		return -1;
	while (!s.done) {
		int rc = loop_run_once(r->loop, -1);
		if (rc < 0 && rc != -EINTR)
			return err_sys(reterr, -rc, "Waiting for %s", argv[0]);
	}
	if (s.status != 0) {
		if (reterr) {
			char doing[ERR_DOING_MAX];
			snprintf(doing, sizeof(doing), "%s", reterr->doing);
			*reterr = s.e;
			snprintf(reterr->doing, sizeof(reterr->doing), "%s", doing);
		}
		return -1;
	}
	return 0;
}
