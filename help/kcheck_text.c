#include "help/kcheck_text.h"

#include <stdio.h>

#include "help/help.h"

static const char *const slugs[KF_MAX] = {
#define X(id, slug) [id] = slug,
	KCHECK_FINDINGS(X)
#undef X
};

int kcheck_text(enum kcheck_finding_id id, struct kcheck_text *ret)
{
	const struct help_entry *e = NULL;
	ret->slug = "unknown";
	if ((unsigned)id < KF_MAX) {
		char key[96];
		ret->slug = slugs[id];
		snprintf(key, sizeof(key), "kcheck:%s", slugs[id]);
		e = help_lookup_key(key);
	}
	if (!e) {
		ret->title = "Unknown finding";
		ret->explanation = "";
		ret->fix = "";
		return -1;
	}
	ret->title = e->title;
	ret->explanation = e->what;
	ret->fix = e->do_text;
	return 0;
}
