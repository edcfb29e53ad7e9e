/* data: the import-task timelines measured on real EC2, compiled in at build
 * time from help/data/import-timelines/ (sim/gen_timelines.py).  The AKIs the
 * sim serves come from help/aki.h.  Read-only, static storage. */
#ifndef AMIWIZ_SIM_DATA_H
#define AMIWIZ_SIM_DATA_H

#include <stddef.h>

/* One measured point: `time` seconds after the task started it showed
 * `percent` and `state` (the StatusMessage text, or a final label). */
struct sim_timeline_step {
	int time;
	int percent;
	const char *state;
};

struct sim_timeline {
	const char *name; /* the CSV's base name: "ec2importtime.failure-os" */
	const struct sim_timeline_step *steps;
	int nsteps;
};

extern const struct sim_timeline sim_timelines[];
extern const size_t sim_timelines_count;

#endif
