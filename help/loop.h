/* loop: a small reactor (file descriptors, timers, signals) in the manner of
 * redis's ae.c.
 *
 * The one event loop of amiwiz is built on this.  Library layers (aws/,
 * engine/) only *register* with a loop they are given: libcurl's sockets,
 * child-process pipes and pidfds, retry and polling timers.  Only the front end
 * (the wizard, or a headless command's driver) calls loop_run(), so only it
 * ever waits.
 *
 * Callbacks may add and remove watches and timers, including their own, at any
 * time.  Nothing here is thread-safe: a loop belongs to one thread.
 */
#ifndef AMIWIZ_HELP_LOOP_H
#define AMIWIZ_HELP_LOOP_H

#include <stdint.h>

struct loop;

enum {
	LOOP_READ = 1u << 0,
	LOOP_WRITE = 1u << 1,
	/* reported only, never requested: the fd hung up or is in error */
	LOOP_HUP = 1u << 2,
	LOOP_ERROR = 1u << 3,
};

/* Called when `fd` is ready; `events` is a mask of LOOP_*. */
typedef void (*loop_fd_fn)(struct loop *l, int fd, unsigned events, void *data);

/* Called when a timer is due.  Return the delay in milliseconds until it should
 * run again, or -1 to let it end (it is then forgotten). */
typedef long (*loop_timer_fn)(struct loop *l, void *data);

/* Called once per iteration, before the loop sleeps (the place to draw). */
typedef void (*loop_hook_fn)(struct loop *l, void *data);

/* Called with the signal number when a signal registered with loop_signal()
 * arrives. */
typedef void (*loop_signal_fn)(struct loop *l, int signo, void *data);

/* A new loop, or NULL when out of memory.  Free with loop_free(). */
struct loop *loop_new(void);

/* Free the loop (NULL is fine).  Watched fds are not closed; signals watched
 * with loop_signal() are unblocked again.  Returns NULL. */
struct loop *loop_free(struct loop *l);

/* Watch `fd` for `events` (LOOP_READ and/or LOOP_WRITE).  Watching an fd that
 * is already watched replaces its events, callback and data.  Returns 0,
 * -EINVAL, or -ENOMEM. */
int loop_watch(struct loop *l, int fd, unsigned events, loop_fd_fn fn, void *data);

/* Stop watching `fd` (no-op when it is not watched). */
void loop_unwatch(struct loop *l, int fd);

/* Run `fn` after `delay_ms` milliseconds (0: at the next iteration).  Returns a
 * timer id (> 0) for loop_timer_cancel(), or 0 when out of memory. */
uint64_t loop_timer_add(struct loop *l, long delay_ms, loop_timer_fn fn, void *data);

/* Cancel a timer; unknown or finished ids are ignored. */
void loop_timer_cancel(struct loop *l, uint64_t id);

/* Deliver `signo` to `fn` through the loop (signalfd): the signal is blocked
 * for the thread and read from the loop.  Returns 0 or a negative errno. */
int loop_signal(struct loop *l, int signo, loop_signal_fn fn, void *data);

/* Set the hook run before each sleep (NULL clears it). */
void loop_before_sleep(struct loop *l, loop_hook_fn fn, void *data);

/* Run one iteration: run due timers, call the hook, wait at most `max_wait_ms`
 * (-1: no limit other than the next timer) for fds, and dispatch them.
 * Returns the number of callbacks run, or a negative errno if poll() failed. */
int loop_run_once(struct loop *l, long max_wait_ms);

/* Run until loop_stop() is called, or until nothing is watched and no timer is
 * pending.  Returns 0, or a negative errno if poll() failed. */
int loop_run(struct loop *l);

/* Make loop_run() return after the current iteration. */
void loop_stop(struct loop *l);

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t loop_now_ms(void);

#endif
