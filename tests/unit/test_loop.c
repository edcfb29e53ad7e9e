#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "help/loop.h"

struct counter {
	int n;
	int limit;
	long again;
	uint64_t at[8];
};

static long count_timer(struct loop *l, void *data)
{
	struct counter *c = data;
	if (c->n < 8)
		c->at[c->n] = loop_now_ms();
	c->n++;
	return c->n < c->limit ? c->again : -1;
}

static void test_timers_run_in_order_and_repeat(void **state)
{
	struct loop *l = loop_new();
	struct counter a = {.limit = 3, .again = 5}, b = {.limit = 1};
	uint64_t t0 = loop_now_ms();
	assert_true(loop_timer_add(l, 20, count_timer, &b) > 0);
	assert_true(loop_timer_add(l, 0, count_timer, &a) > 0);
	assert_int_equal(loop_run(l), 0); /* returns when no timer is left */
	assert_int_equal(a.n, 3);
	assert_int_equal(b.n, 1);
	assert_true(b.at[0] - t0 >= 20);
	assert_true(a.at[2] - a.at[1] >= 5);
	loop_free(l);
}

static void test_cancel(void **state)
{
	struct loop *l = loop_new();
	struct counter a = {.limit = 1}, b = {.limit = 1};
	uint64_t ida = loop_timer_add(l, 0, count_timer, &a);
	loop_timer_add(l, 1, count_timer, &b);
	loop_timer_cancel(l, ida);
	loop_timer_cancel(l, 999999); /* unknown ids are ignored */
	loop_run(l);
	assert_int_equal(a.n, 0);
	assert_int_equal(b.n, 1);
	loop_free(l);
}

struct reader {
	int fds[2];
	char got[64];
	size_t len;
	int calls;
};

static void on_read(struct loop *l, int fd, unsigned ev, void *data)
{
	struct reader *r = data;
	r->calls++;
	ssize_t n = read(fd, r->got + r->len, sizeof(r->got) - 1 - r->len);
	if (n > 0)
		r->len += (size_t)n;
	if (n == 0 || (ev & LOOP_HUP))
		loop_unwatch(l, fd); /* removing itself inside the callback */
}

static long write_later(struct loop *l, void *data)
{
	struct reader *r = data;
	assert_int_equal(write(r->fds[1], "hello", 5), 5);
	close(r->fds[1]);
	return -1;
}

static void test_fd_and_unwatch_in_callback(void **state)
{
	struct loop *l = loop_new();
	struct reader r = {0};
	assert_int_equal(pipe(r.fds), 0);
	assert_int_equal(loop_watch(l, r.fds[0], LOOP_READ, on_read, &r), 0);
	loop_timer_add(l, 10, write_later, &r);
	assert_int_equal(loop_run(l), 0);
	r.got[r.len] = '\0';
	assert_string_equal(r.got, "hello");
	assert_true(r.calls >= 1);
	close(r.fds[0]);
	loop_free(l);
}

static void test_bad_arguments(void **state)
{
	struct loop *l = loop_new();
	assert_int_equal(loop_watch(l, -1, LOOP_READ, on_read, NULL), -EINVAL);
	assert_int_equal(loop_watch(l, 0, 0, on_read, NULL), -EINVAL);
	assert_int_equal(loop_watch(l, 0, LOOP_READ, NULL, NULL), -EINVAL);
	assert_int_equal(loop_timer_add(l, 0, NULL, NULL), 0);
	assert_int_equal(loop_signal(l, 0, NULL, NULL), -EINVAL);
	loop_unwatch(l, 42); /* not watched: nothing happens */
	assert_null(loop_free(l));
	assert_null(loop_free(NULL));
}

static void on_signal(struct loop *l, int signo, void *data)
{
	*(int *)data = signo;
	loop_stop(l);
}

static long raise_usr1(struct loop *l, void *data)
{
	raise(SIGUSR1);
	return -1;
}

static long keep_alive(struct loop *l, void *data)
{
	return 1000;
}

static void test_signal_through_loop(void **state)
{
	struct loop *l = loop_new();
	int got = 0;
	assert_int_equal(loop_signal(l, SIGUSR1, on_signal, &got), 0);
	loop_timer_add(l, 5, raise_usr1, NULL);
	loop_timer_add(l, 1000, keep_alive, NULL);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(got, SIGUSR1);
	loop_free(l);
	/* after loop_free the signal is no longer blocked */
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	assert_false(sigismember(&cur, SIGUSR1));
}

static void test_run_once_respects_max_wait(void **state)
{
	struct loop *l = loop_new();
	int fds[2];
	struct reader r = {0};
	assert_int_equal(pipe(fds), 0);
	loop_watch(l, fds[0], LOOP_READ, on_read, &r);
	uint64_t t0 = loop_now_ms();
	assert_int_equal(loop_run_once(l, 30), 0); /* nothing ready: no callback */
	uint64_t waited = loop_now_ms() - t0;
	assert_true(waited >= 25 && waited < 1000);
	close(fds[0]);
	close(fds[1]);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_run_in_order_and_repeat),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_fd_and_unwatch_in_callback),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_signal_through_loop),
		cmocka_unit_test(test_run_once_respects_max_wait),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
