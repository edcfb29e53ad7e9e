/* fault: the faults amiwiz-sim injects on demand, decided deterministically
 * from a seed so a failing test can be replayed exactly.
 *
 * Every request draws the same number of random numbers, so the n-th request
 * always gets the same decision for the same seed and rates. */
#ifndef AMIWIZ_SIM_FAULT_H
#define AMIWIZ_SIM_FAULT_H

#include <stdint.h>

struct fault_config {
	double fault_rate;    /* 0..1: answer 500 InternalError or 503 ServiceUnavailable */
	double throttle_rate; /* 0..1: answer the service's throttling error */
	double drop_rate;     /* 0..1: close the connection without answering */
	double lost_reply_rate; /* 0..1: do the work, then close without answering */
	int latency_ms;       /* delay before every answer */
	uint64_t seed;
};

struct fault_gen {
	uint64_t state;
};

enum fault_kind {
	FAULT_NONE,
	FAULT_INTERNAL,    /* HTTP 500 */
	FAULT_UNAVAILABLE, /* HTTP 503 */
	FAULT_THROTTLE,
	FAULT_DROP,
	FAULT_LOST_REPLY,  /* the request is served, its reply never sent */
	FAULT_KIND_MAX
};

void fault_init(struct fault_gen *g, uint64_t seed);

/* The next request's fate.  Rates share one draw: with lost_reply_rate 0
 * the decisions are those of a sim without lost replies, seed for seed. */
enum fault_kind fault_decide(struct fault_gen *g, const struct fault_config *cfg);

/* The error a service answers for a fault: `service` is the credential-scope
 * name ("ec2", "s3", "ebs", "sts", "iam").  Sets *ret_status and returns the
 * code (static string), or NULL for FAULT_NONE, FAULT_DROP and
 * FAULT_LOST_REPLY. */
const char *fault_code(enum fault_kind kind, const char *service, int *ret_status);

/* Next uniform number in [0, 1) (splitmix64). */
double fault_uniform(struct fault_gen *g);

#endif
