#include "help/aki.h"

#include <string.h>

static const struct aki aki_table[] = {
#include "help_aki_table.inc"
};

#define N_AKI (sizeof(aki_table) / sizeof(aki_table[0]))

static const char *const disk_names[AKI_DISK_MAX] = {
	[AKI_DISK_HD0] = "hd0",
	[AKI_DISK_HD00] = "hd00",
	[AKI_DISK_UNKNOWN] = "unknown",
};

size_t aki_count(void)
{
	return N_AKI;
}

const struct aki *aki_at(size_t i)
{
	return i < N_AKI ? &aki_table[i] : NULL;
}

const struct aki *aki_by_id(const char *id)
{
	for (size_t i = 0; i < N_AKI; i++)
		if (strcmp(aki_table[i].id, id) == 0)
			return &aki_table[i];
	return NULL;
}

int aki_version_cmp(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	/* versions are "1.0N": a plain string compare orders them */
	return strcmp(a, b);
}

const struct aki *aki_recommend(const char *region, const char *arch, enum aki_disk disk)
{
	const struct aki *best = NULL;
	for (size_t i = 0; i < N_AKI; i++) {
		const struct aki *a = &aki_table[i];
		if (a->disk != disk || strcmp(a->region, region) != 0 || strcmp(a->arch, arch) != 0)
			continue;
		if (!best || aki_version_cmp(a->version, best->version) > 0)
			best = a;
	}
	return best;
}

const char *aki_disk_name(enum aki_disk disk)
{
	return (unsigned)disk < AKI_DISK_MAX ? disk_names[disk] : "unknown";
}

int aki_disk_from_name(const char *name, enum aki_disk *ret)
{
	if (strcmp(name, "hd0") == 0)
		*ret = AKI_DISK_HD0;
	else if (strcmp(name, "hd00") == 0)
		*ret = AKI_DISK_HD00;
	else
		return -1;
	return 0;
}
