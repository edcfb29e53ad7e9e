#include "sim/timeline.h"

#include <string.h>

const struct sim_timeline *timeline_find(const char *name)
{
	for (size_t i = 0; i < sim_timelines_count; i++)
		if (strcmp(sim_timelines[i].name, name) == 0)
			return &sim_timelines[i];
	return NULL;
}

static const struct {
	const char *pattern;
	const char *timeline;
	const char *message;
} outcomes[] = {
	{"fail-os", "ec2importtime.failure-os", "ClientError: Unknown OS / Missing OS files."},
	{"fail-kernel", "ec2importtime.failure-kernelversion", "ClientError: Unsupported kernel version"},
	{"fail-disk", "ec2importtime.failure-diskvalidation",
	 "ClientError: Disk validation failed [Unsupported VMDK File Format]"},
	{"fail-volume", "ec2importtime.failure-volume", "ClientError: No valid partitions. Not a valid volume."},
	{"fail-internal", "ec2importtime.failure-internal",
	 "ServerError: the import stopped with an internal error (internalerror)"},
	{"loop-booting", "ec2importtime.loop-booting", NULL},
	{"succeed", TIMELINE_SUCCESS, NULL},
};

const struct sim_timeline *timeline_for_key(const char *key)
{
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		if (key && strstr(key, outcomes[i].pattern))
			return timeline_find(outcomes[i].timeline);
	return NULL;
}

const struct sim_timeline *timeline_for_status(const char *status, int snapshot)
{
	static const struct {
		const char *prefix;
		const char *timeline;
	} by_status[] = {
		{"ClientError: Disk validation failed", "ec2importtime.failure-diskvalidation"},
		{"InvalidParameter:", "ec2importtime.failure-diskvalidation"},
		{"ClientError: No valid partitions", "ec2importtime.failure-volume"},
		{"ClientError: Unsupported kernel version", "ec2importtime.failure-kernelversion"},
		{"ClientError: ", "ec2importtime.failure-os"},
	};
	if (!status || !*status)
		return timeline_find(TIMELINE_SUCCESS);
	for (size_t i = 0; i < sizeof(by_status) / sizeof(by_status[0]); i++)
		if (strncmp(status, by_status[i].prefix, strlen(by_status[i].prefix)) == 0) {
			/* a snapshot import copies the disk without looking at the
			 * system on it: only the disk itself can make it fail */
			if (snapshot && i >= 2)
				break;
			return timeline_find(by_status[i].timeline);
		}
	return timeline_find(TIMELINE_SUCCESS);
}

const char *timeline_failure_message(const struct sim_timeline *tl)
{
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		if (strcmp(tl->name, outcomes[i].timeline) == 0)
			return outcomes[i].message;
	return NULL;
}

int timeline_index(const struct sim_timeline *tl, double elapsed, const char *stuck)
{
	int idx = 0;
	for (int i = 0; i < tl->nsteps; i++) {
		if (tl->steps[i].time > elapsed)
			break;
		idx = i;
		if (stuck && strcmp(tl->steps[i].state, stuck) == 0)
			break;
	}
	return idx;
}

void timeline_view(const struct sim_timeline *tl, int index, struct timeline_view *ret)
{
	const struct sim_timeline_step *s = &tl->steps[index];
	const char *fail = timeline_failure_message(tl);

	memset(ret, 0, sizeof(*ret));
	ret->percent = s->percent;
	ret->status = "active";
	ret->message = s->state;
	if (strcmp(s->state, "completed") == 0) {
		ret->status = "completed";
		ret->message = NULL;
		ret->done = ret->succeeded = 1;
	} else if (strcmp(s->state, "deleting") == 0) {
		ret->status = "deleting";
		ret->message = fail;
	} else if (strcmp(s->state, "deleted") == 0 || strcmp(s->state, "internalerror") == 0) {
		ret->status = "deleted";
		ret->message = fail;
		ret->done = 1;
	} else if (strcmp(s->state, "booting-loop") == 0) {
		/* The instance keeps rebooting: the task never moves on. */
		ret->message = "booting";
	}
}
