/* Fuzz the XML reply parser and the error-reply reader with arbitrary bodies. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aws/awserr.h"
#include "aws/xml.h"

static void walk(const struct xml_node *n, int depth)
{
	for (const struct xml_node *c = n->first_child; c; c = c->next) {
		(void)strlen(c->name);
		(void)strlen(c->text);
		walk(c, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e;
	err_clear(&e);
	struct xml_doc *d = xml_parse((const char *)data, size, &e);
	if (d) {
		const struct xml_node *r = xml_root(d);
		walk(r, 0);
		for (const struct xml_node *it = xml_find(r, "imagesSet/item"); it; it = xml_next(it))
			(void)xml_text(it, "imageId");
		(void)xml_ll(r, "a/b");
		(void)xml_double(r, "progress");
		xml_free(d);
	}
	err_clear(&e);
	awserr_from_parts(400, (const char *)data, size, "rid", NULL, NULL, &e);
	char region[32];
	awserr_s3_region((const char *)data, size, region, sizeof(region));
	return 0;
}
