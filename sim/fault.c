#include "sim/fault.h"

#include <string.h>

void fault_init(struct fault_gen *g, uint64_t seed)
{
	g->state = seed;
}

double fault_uniform(struct fault_gen *g)
{
	uint64_t z = (g->state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0; /* 2^53 */
}

enum fault_kind fault_decide(struct fault_gen *g, const struct fault_config *cfg)
{
	double u = fault_uniform(g);
	double v = fault_uniform(g); /* always drawn: keeps the sequence fixed */

	if (u < cfg->drop_rate)
		return FAULT_DROP;
	u -= cfg->drop_rate;
	if (u < cfg->fault_rate)
		return v < 0.5 ? FAULT_INTERNAL : FAULT_UNAVAILABLE;
	u -= cfg->fault_rate;
	if (u < cfg->throttle_rate)
		return FAULT_THROTTLE;
	u -= cfg->throttle_rate;
	if (u < cfg->lost_reply_rate)
		return FAULT_LOST_REPLY;
	return FAULT_NONE;
}

const char *fault_code(enum fault_kind kind, const char *service, int *ret_status)
{
	int s3 = strcmp(service, "s3") == 0;
	int ebs = strcmp(service, "ebs") == 0;
	int query = strcmp(service, "sts") == 0 || strcmp(service, "iam") == 0;

	switch (kind) {
	case FAULT_INTERNAL:
		*ret_status = 500;
		return ebs ? "InternalServerException" : query ? "InternalFailure" : "InternalError";
	case FAULT_UNAVAILABLE:
		*ret_status = 503;
		return ebs ? "ServiceUnavailableException" : s3 ? "ServiceUnavailable"
						      : query ? "ServiceUnavailable" : "Unavailable";
	case FAULT_THROTTLE:
		if (s3) {
			*ret_status = 503;
			return "SlowDown";
		}
		if (ebs) {
			*ret_status = 400;
			return "RequestThrottledException";
		}
		if (query) {
			*ret_status = 400;
			return "Throttling";
		}
		*ret_status = 503;
		return "RequestLimitExceeded";
	case FAULT_NONE:
	case FAULT_DROP:
	case FAULT_LOST_REPLY:
	case FAULT_KIND_MAX:
		break;
	}
	*ret_status = 0;
	return NULL;
}
