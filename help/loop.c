#include "help/loop.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

struct watch {
	int fd;
	unsigned events;
	uint64_t serial; /* tells a registration from a later one on a reused fd */
	loop_fd_fn fn;
	void *data;
};

struct timer {
	uint64_t id;
	uint64_t due;
	loop_timer_fn fn;
	void *data;
};

struct sigwatch {
	loop_signal_fn fn;
	void *data;
};

struct loop {
	struct watch *watches;
	size_t n_watches, cap_watches;
	struct timer *timers;
	size_t n_timers, cap_timers;
	uint64_t next_serial;
	uint64_t next_timer_id;
	loop_hook_fn hook;
	void *hook_data;
	bool stop;
	int sigfd;
	sigset_t sigmask; /* signals routed through sigfd */
	sigset_t old_mask;
	struct sigwatch sigs[NSIG];
	struct pollfd *pfds; /* scratch, kept to avoid an allocation per iteration */
	uint64_t *pserials;
	size_t cap_pfds;
};

uint64_t loop_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->sigfd = -1;
	l->next_serial = 1;
	l->next_timer_id = 1;
	sigemptyset(&l->sigmask);
	return l;
}

struct loop *loop_free(struct loop *l)
{
	if (!l)
		return NULL;
	if (l->sigfd >= 0) {
		close(l->sigfd);
		sigprocmask(SIG_SETMASK, &l->old_mask, NULL);
	}
	free(l->watches);
	free(l->timers);
	free(l->pfds);
	free(l->pserials);
	free(l);
	return NULL;
}

static struct watch *find_watch(struct loop *l, int fd)
{
	for (size_t i = 0; i < l->n_watches; i++)
		if (l->watches[i].fd == fd)
			return &l->watches[i];
	return NULL;
}

/* grow an array to hold at least `need` elements */
static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap * 2 : 8;
	while (n < need)
		n *= 2;
	void *p = realloc(*arr, n * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

int loop_watch(struct loop *l, int fd, unsigned events, loop_fd_fn fn, void *data)
{
	if (fd < 0 || !fn || !(events & (LOOP_READ | LOOP_WRITE)))
		return -EINVAL;
	struct watch *w = find_watch(l, fd);
	if (!w) {
		if (grow((void **)&l->watches, &l->cap_watches, l->n_watches + 1,
			 sizeof(*l->watches)) < 0)
			return -ENOMEM;
		w = &l->watches[l->n_watches++];
		w->fd = fd;
		w->serial = l->next_serial++;
	}
	w->events = events & (LOOP_READ | LOOP_WRITE);
	w->fn = fn;
	w->data = data;
	return 0;
}

void loop_unwatch(struct loop *l, int fd)
{
	struct watch *w = find_watch(l, fd);
	if (w)
		*w = l->watches[--l->n_watches];
}

uint64_t loop_timer_add(struct loop *l, long delay_ms, loop_timer_fn fn, void *data)
{
	if (!fn)
		return 0;
	if (grow((void **)&l->timers, &l->cap_timers, l->n_timers + 1, sizeof(*l->timers)) < 0)
		return 0;
	struct timer *t = &l->timers[l->n_timers++];
	t->id = l->next_timer_id++;
	t->due = loop_now_ms() + (uint64_t)(delay_ms > 0 ? delay_ms : 0);
	t->fn = fn;
	t->data = data;
	return t->id;
}

static struct timer *find_timer(struct loop *l, uint64_t id)
{
	for (size_t i = 0; i < l->n_timers; i++)
		if (l->timers[i].id == id)
			return &l->timers[i];
	return NULL;
}

void loop_timer_cancel(struct loop *l, uint64_t id)
{
	struct timer *t = find_timer(l, id);
	if (t)
		*t = l->timers[--l->n_timers];
}

static void on_signalfd(struct loop *l, int fd, unsigned events, void *data)
{
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int signo = (int)si.ssi_signo;
		if (signo > 0 && signo < NSIG && l->sigs[signo].fn)
			l->sigs[signo].fn(l, signo, l->sigs[signo].data);
	}
}

int loop_signal(struct loop *l, int signo, loop_signal_fn fn, void *data)
{
	if (signo <= 0 || signo >= NSIG || !fn)
		return -EINVAL;
	sigset_t mask = l->sigmask;
	sigaddset(&mask, signo);
	sigset_t old;
	if (sigprocmask(SIG_BLOCK, &mask, &old) < 0)
		return -errno;
	int fd = signalfd(l->sigfd, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -e;
	}
	if (l->sigfd < 0) {
		l->old_mask = old;
		l->sigfd = fd;
		int r = loop_watch(l, fd, LOOP_READ, on_signalfd, NULL);
		if (r < 0)
			return r;
	}
	l->sigmask = mask;
	l->sigs[signo].fn = fn;
	l->sigs[signo].data = data;
	return 0;
}

void loop_before_sleep(struct loop *l, loop_hook_fn fn, void *data)
{
	l->hook = fn;
	l->hook_data = data;
}

/* Run every timer due now.  Ids are collected first, so a timer added by a
 * callback waits for the next iteration and a cancelled one is skipped. */
static int run_timers(struct loop *l)
{
	uint64_t now = loop_now_ms();
	int ran = 0;
	size_t n = l->n_timers;
	uint64_t due_ids[64];
	size_t n_due = 0;
	for (size_t i = 0; i < n && n_due < 64; i++)
		if (l->timers[i].due <= now)
			due_ids[n_due++] = l->timers[i].id;
	for (size_t i = 0; i < n_due; i++) {
		struct timer *t = find_timer(l, due_ids[i]);
		if (!t)
			continue;
		long next = t->fn(l, t->data);
		ran++;
		t = find_timer(l, due_ids[i]); /* the callback may have moved the array */
		if (!t)
			continue;
		if (next < 0)
			loop_timer_cancel(l, due_ids[i]);
		else
			t->due = loop_now_ms() + (uint64_t)next;
	}
	return ran;
}

static long next_timeout(struct loop *l, long max_wait_ms)
{
	if (l->n_timers == 0)
		return max_wait_ms;
	uint64_t now = loop_now_ms(), first = UINT64_MAX;
	for (size_t i = 0; i < l->n_timers; i++)
		if (l->timers[i].due < first)
			first = l->timers[i].due;
	long wait = first <= now ? 0 : (long)(first - now);
	if (max_wait_ms >= 0 && max_wait_ms < wait)
		wait = max_wait_ms;
	return wait;
}

int loop_run_once(struct loop *l, long max_wait_ms)
{
	int ran = run_timers(l);
	if (l->hook)
		l->hook(l, l->hook_data);

	size_t n = l->n_watches;
	if (grow((void **)&l->pfds, &l->cap_pfds, n, sizeof(*l->pfds)) < 0)
		return -ENOMEM;
	size_t cap = l->cap_pfds;
	void *ps = realloc(l->pserials, (cap ? cap : 1) * sizeof(*l->pserials));
	if (!ps)
		return -ENOMEM;
	l->pserials = ps;
	for (size_t i = 0; i < n; i++) {
		l->pfds[i].fd = l->watches[i].fd;
		l->pfds[i].events = (short)(((l->watches[i].events & LOOP_READ) ? POLLIN : 0) |
					    ((l->watches[i].events & LOOP_WRITE) ? POLLOUT : 0));
		l->pfds[i].revents = 0;
		l->pserials[i] = l->watches[i].serial;
	}
	long wait = ran ? 0 : next_timeout(l, max_wait_ms);
	int rc = poll(l->pfds, (nfds_t)n, wait > 0x7fffffffL ? 0x7fffffff : (int)wait);
	if (rc < 0)
		return errno == EINTR ? ran : -errno;
	for (size_t i = 0; i < n && rc > 0; i++) {
		short re = l->pfds[i].revents;
		if (!re)
			continue;
		struct watch *w = find_watch(l, l->pfds[i].fd);
		if (!w || w->serial != l->pserials[i])
			continue; /* removed, or a new registration on a reused fd */
		unsigned ev = ((re & POLLIN) ? LOOP_READ : 0) | ((re & POLLOUT) ? LOOP_WRITE : 0) |
			      ((re & POLLHUP) ? LOOP_HUP : 0) |
			      ((re & (POLLERR | POLLNVAL)) ? LOOP_ERROR : 0);
		w->fn(l, w->fd, ev, w->data);
		ran++;
	}
	return ran;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

int loop_run(struct loop *l)
{
	l->stop = false;
	while (!l->stop) {
		/* the signal fd alone is not work to wait for */
		size_t busy = l->n_watches - (l->sigfd >= 0 ? 1 : 0);
		if (busy == 0 && l->n_timers == 0)
			break;
		int r = loop_run_once(l, -1);
		if (r < 0)
			return r;
	}
	return 0;
}
