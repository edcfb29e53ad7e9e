/* UNITTEST marks a function that is private to its file in the product but
 * reachable from the unit tests: the "_u" build of each layer defines
 * AMIWIZ_UNITTESTS, which drops the `static`.  Prototypes for such functions
 * live in the module's *_priv.h, visible only under AMIWIZ_UNITTESTS. */
#ifndef AMIWIZ_HELP_UNITTEST_H
#define AMIWIZ_HELP_UNITTEST_H

#ifdef AMIWIZ_UNITTESTS
#define UNITTEST
#else
#define UNITTEST static
#endif

#endif
