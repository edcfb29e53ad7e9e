/* Fuzz the EBS direct API JSON readers and the JSON error reader. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aws/awserr.h"
#include "aws/ebs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct err e;
	struct ebs_start_snapshot_result a;
	struct ebs_complete_snapshot_result b;
	struct ebs_list_blocks_result c;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	err_clear(&e);
	ebs_parse_start_snapshot(s, size, &a, &e);
	ebs_parse_complete_snapshot(s, size, &b, &e);
	ebs_parse_list_blocks(s, size, &c, &e);
	ebs_list_blocks_result_release(&c);
	awserr_from_parts(400, s, size, "rid", "ValidationException:x", "application/json", &e);
	return 0;
}
