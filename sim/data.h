/* data: the facts amiwiz-sim serves, compiled in from sim/data/ at build time
 * (sim/data/gen_data.py): Amazon's PV-GRUB kernel images per region, and the
 * import-task timelines measured on real EC2.  Read-only, static storage. */
#ifndef AMIWIZ_SIM_DATA_H
#define AMIWIZ_SIM_DATA_H

#include <stddef.h>

struct sim_aki {
	const char *region;  /* "us-east-1" */
	const char *id;      /* "aki-5c21674b" */
	const char *arch;    /* "i386" or "x86_64" */
	const char *name;    /* "pv-grub-hd0_1.05-x86_64.gz" */
	const char *version; /* "1.05" */
	const char *disk;    /* "hd0" or "hd00" */
};

extern const struct sim_aki sim_akis[];
extern const size_t sim_akis_count;

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
