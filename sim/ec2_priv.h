/* Internals of sim/ec2.c reachable from the unit tests. */
#ifndef AMIWIZ_SIM_EC2_PRIV_H
#define AMIWIZ_SIM_EC2_PRIV_H

#include "sim/query.h"

/* What RegisterImage needs to know about the world, as callbacks so the
 * validation itself is pure. */
struct ec2_world {
	/* state of a snapshot ("pending", "completed") or NULL when unknown;
	 * its size in GiB in *ret_size */
	const char *(*snapshot_state)(void *cls, const char *snap_id, long long *ret_size);
	/* id of an image of ours with this name, or NULL */
	const char *(*image_named)(void *cls, const char *name);
	void *cls;
};

#ifdef AMIWIZ_UNITTESTS

int ec2_valid_ami_name(const char *name);
int ec2_check_register(const struct query *params, const char *region, const struct ec2_world *w,
		       char code[64], char message[256]);

#endif
#endif
