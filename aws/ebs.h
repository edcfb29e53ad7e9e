/* ebs: the EBS direct APIs (rest-json, 2019-11-02) that write a snapshot
 * block by block without a helper instance: StartSnapshot, PutSnapshotBlock,
 * CompleteSnapshot, ListSnapshotBlocks.
 *
 * Blocks are 512 KiB.  Each block carries x-amz-Checksum, the Base64 SHA-256
 * of its bytes; CompleteSnapshot carries the LINEAR aggregate: Base64 of the
 * SHA-256 of the concatenated raw 32-byte block digests, in block-index order.
 * Block bodies are not signed (UNSIGNED-PAYLOAD); their checksum header is.
 *
 * Calls come as _start (async, aws_done_fn) and plain (drives the loop), like
 * ec2.h.  Results own no memory except ebs_list_blocks_result.
 */
#ifndef AMIWIZ_AWS_EBS_H
#define AMIWIZ_AWS_EBS_H

#include <stdint.h>

#include "aws/query.h"

#define EBS_BLOCK_SIZE 524288u
#define EBS_CHECKSUM_B64 45 /* 44 characters and a NUL */
#define EBS_ID_MAX 64
#define EBS_TOKEN_MAX 320

/* The raw SHA-256 of a block and its Base64 form (either may be NULL). */
void ebs_block_checksum(const void *data, size_t len, uint8_t raw[32],
			char b64[EBS_CHECKSUM_B64]);

/* The LINEAR aggregate of `n` raw digests given in ascending block-index
 * order (only the blocks written). */
void ebs_aggregate_checksum(const uint8_t (*digests)[32], size_t n, char b64[EBS_CHECKSUM_B64]);

struct ebs_tag {
	const char *key;
	const char *value;
};

struct ebs_start_snapshot_req {
	long long volume_size;          /* GiB, required */
	const char *description;
	const char *parent_snapshot_id;
	int encrypted;                  /* -1 unset, 0, 1 */
	const char *kms_key_arn;
	long timeout_minutes;           /* 0: not sent (the service's 60) */
	const struct ebs_tag *tags;
	size_t n_tags;
	const char *client_token;       /* NULL: a fresh UUID */
};
struct ebs_start_snapshot_result {
	char request_id[AWS_REQID_MAX];
	char client_token[EBS_ID_MAX];
	char snapshot_id[EBS_ID_MAX];
	char status[32];
	char owner_id[32];
	long long block_size;
	long long volume_size;
};

struct ebs_put_block_req {
	const char *snapshot_id;
	uint64_t block_index;
	const void *data;               /* borrowed until completion */
	size_t len;                     /* EBS_BLOCK_SIZE */
	const char *checksum;           /* Base64 SHA-256; NULL: computed here */
	int progress;                   /* 0..100, or -1: not sent */
};
struct ebs_put_block_result {
	char request_id[AWS_REQID_MAX];
	char checksum[EBS_CHECKSUM_B64]; /* as echoed by the service */
};

struct ebs_complete_snapshot_req {
	const char *snapshot_id;
	uint64_t changed_blocks_count;
	const char *aggregate_checksum; /* NULL: not sent */
};
struct ebs_complete_snapshot_result {
	char request_id[AWS_REQID_MAX];
	char status[32];
};

struct ebs_list_blocks_req {
	const char *snapshot_id;
	long max_results;               /* 0: not sent */
	const char *next_token;
	long long starting_block_index; /* -1: not sent */
};
struct ebs_block {
	uint64_t index;
	char token[EBS_TOKEN_MAX];
};
struct ebs_list_blocks_result {
	char request_id[AWS_REQID_MAX];
	struct ebs_block *blocks;
	size_t n_blocks;
	char next_token[EBS_TOKEN_MAX];
	long long volume_size;
	long long block_size;
};
void ebs_list_blocks_result_release(struct ebs_list_blocks_result *res);

#define EBS_CALLS(X)                                                                               \
	X(start_snapshot, ebs_start_snapshot_req, ebs_start_snapshot_result)                        \
	X(put_block, ebs_put_block_req, ebs_put_block_result)                                       \
	X(complete_snapshot, ebs_complete_snapshot_req, ebs_complete_snapshot_result)               \
	X(list_blocks, ebs_list_blocks_req, ebs_list_blocks_result)

/* int ebs_<call>_start(ep, req, res, done, ctx, reterr) and
 * int ebs_<call>(ep, req, res, reterr), as in ec2.h. */
#define X(name, req_t, res_t)                                                                      \
	int ebs_##name##_start(const struct aws_endpoint *ep, const struct req_t *req,            \
			       struct res_t *res, aws_done_fn done, void *ctx, struct err *reterr); \
	int ebs_##name(const struct aws_endpoint *ep, const struct req_t *req, struct res_t *res,  \
		       struct err *reterr);
EBS_CALLS(X)
#undef X

/* The JSON readers behind the calls (exposed for the fuzzer): 0, or -1 with
 * reterr (ERR_INPUT) for anything that is not the expected document. */
int ebs_parse_start_snapshot(const char *body, size_t len, struct ebs_start_snapshot_result *res,
			     struct err *reterr);
int ebs_parse_complete_snapshot(const char *body, size_t len,
				struct ebs_complete_snapshot_result *res, struct err *reterr);
int ebs_parse_list_blocks(const char *body, size_t len, struct ebs_list_blocks_result *res,
			  struct err *reterr);

#endif
