/* timeline: replaying the import-task timelines measured on real EC2.
 *
 * A task keeps its start time and its timeline; what DescribeImport*Tasks
 * shows is computed from the (speed-scaled) time elapsed since then, so tasks
 * advance while nobody watches and across restarts.  Pure functions. */
#ifndef AMIWIZ_SIM_TIMELINE_H
#define AMIWIZ_SIM_TIMELINE_H

#include "sim/data.h"

#define TIMELINE_SUCCESS "ec2importtime"

/* The timeline named `name` ("ec2importtime.failure-os"), or NULL. */
const struct sim_timeline *timeline_find(const char *name);

/* The outcome an S3 key forces, for tests and teaching: "fail-os",
 * "fail-kernel", "fail-disk", "fail-volume", "fail-internal", "loop-booting"
 * select those failure timelines, "succeed" the success one; NULL for a key
 * that names none (the image's inspection then decides). */
const struct sim_timeline *timeline_for_key(const char *key);

/* The timeline for the StatusMessage VM Import would end with
 * (inspect_import_outcome's verdict; "" = success): disk validation and
 * InvalidParameter -> failure-diskvalidation, "No valid partitions" ->
 * failure-volume, "Unsupported kernel version" -> failure-kernelversion, any
 * other ClientError -> failure-os.  For a snapshot import (`snapshot` set)
 * only the disk-level verdicts count.  Never NULL. */
const struct sim_timeline *timeline_for_status(const char *status, int snapshot);

/* The StatusMessage a failed task ends with ("ClientError: ..."), or NULL for
 * timelines that do not fail. */
const char *timeline_failure_message(const struct sim_timeline *tl);

/* Where a task stands `elapsed` scaled seconds after it started: the index of
 * the last step reached, held at the first step whose state is `stuck` (when
 * not NULL). */
int timeline_index(const struct sim_timeline *tl, double elapsed, const char *stuck);

struct timeline_view {
	const char *status;  /* "active", "completed", "deleting", "deleted" */
	const char *message; /* StatusMessage, or NULL */
	int percent;
	int done;            /* no further change will come */
	int succeeded;       /* reached "completed" */
};

/* What the API shows for step `index`. */
void timeline_view(const struct sim_timeline *tl, int index, struct timeline_view *ret);

#endif
