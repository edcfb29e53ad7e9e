#include "help/kcheck_text.h"

static const struct kcheck_text texts[KF_MAX] = {
#define X(id, slug, title, expl, fix) [id] = {slug, title, expl, fix},
	KCHECK_FINDINGS(X)
#undef X
};

static const struct kcheck_text unknown = {"unknown", "Unknown finding", "", ""};

const struct kcheck_text *kcheck_text(enum kcheck_finding_id id)
{
	if ((unsigned)id >= KF_MAX)
		return &unknown;
	return &texts[id];
}
