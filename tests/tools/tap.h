/* TAP output for the test driver programs the integration suites run:
 * tap(cond, err, fmt, ...) prints one "ok N - ..." or "not ok N - ..." line,
 * and for a failure the error record as a diagnostic.  Header-only: each
 * driver is one program. */
#ifndef AMIWIZ_TESTS_TOOLS_TAP_H
#define AMIWIZ_TESTS_TOOLS_TAP_H

#include <stdarg.h>
#include <stdio.h>

#include "help/dynbuf.h"
#include "help/err.h"

static int n_tests, n_failed;

static inline void tap(int cond, const struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline void tap(int cond, const struct err *e, const char *fmt, ...)
{
	va_list ap;
	n_tests++;
	printf("%s %d - ", cond ? "ok" : "not ok", n_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		n_failed++;
		if (e && err_isset(e)) {
			struct dynbuf d;
			dyn_init(&d, 4096);
			err_format(e, &d);
			printf("#   %s\n", dyn_ptr(&d));
			dyn_free(&d);
		}
	}
	fflush(stdout);
}

#endif
