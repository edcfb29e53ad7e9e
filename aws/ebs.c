#include "aws/ebs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#define EBS_JSON_MAX (4u << 20)

void ebs_block_checksum(const void *data, size_t len, uint8_t raw[32], char b64[EBS_CHECKSUM_B64])
{
	uint8_t d[32];
	aws_sha256(d, data, len);
	if (raw)
		memcpy(raw, d, 32);
	if (b64)
		aws_base64(b64, d, 32);
}

void ebs_aggregate_checksum(const uint8_t (*digests)[32], size_t n, char b64[EBS_CHECKSUM_B64])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	uint8_t d[32];
	unsigned int dl = 0;
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	for (size_t i = 0; i < n; i++)
		EVP_DigestUpdate(c, digests[i], 32);
	EVP_DigestFinal_ex(c, d, &dl);
	EVP_MD_CTX_free(c);
	aws_base64(b64, d, 32);
}

/* ---- JSON ---- */

static json_object *parse_json(const char *body, size_t len, const char *what, struct err *reterr)
{
	if (len > EBS_JSON_MAX) {
		err_set(reterr, ERR_INPUT, 0, "the reply to %s is too large", what);
		return NULL;
	}
	struct json_tokener *tok = json_tokener_new_ex(16);
	if (!tok) {
		err_sys(reterr, ENOMEM, "reading JSON");
		return NULL;
	}
	json_object *o = json_tokener_parse_ex(tok, body, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (!o || je != json_tokener_success || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		err_set(reterr, ERR_INPUT, 0, "the reply to %s is not the expected JSON object%s",
			what, len ? "" : " (it is empty)");
		return NULL;
	}
	return o;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static long long jll(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return 0;
	return (long long)json_object_get_int64(v);
}

int ebs_parse_start_snapshot(const char *body, size_t len, struct ebs_start_snapshot_result *res,
			     struct err *reterr)
{
	json_object *o = parse_json(body, len, "StartSnapshot", reterr);
	if (!o)
		return -1;
	const char *id = jstr(o, "SnapshotId");
	if (!id || !*id) {
		json_object_put(o);
		return err_set(reterr, ERR_INPUT, 0, "the reply to StartSnapshot has no SnapshotId");
	}
	aws_strlcpy(res->snapshot_id, id, sizeof(res->snapshot_id));
	aws_strlcpy(res->status, jstr(o, "Status"), sizeof(res->status));
	aws_strlcpy(res->owner_id, jstr(o, "OwnerId"), sizeof(res->owner_id));
	res->block_size = jll(o, "BlockSize");
	res->volume_size = jll(o, "VolumeSize");
	json_object_put(o);
	return 0;
}

int ebs_parse_complete_snapshot(const char *body, size_t len,
				struct ebs_complete_snapshot_result *res, struct err *reterr)
{
	json_object *o = parse_json(body, len, "CompleteSnapshot", reterr);
	if (!o)
		return -1;
	const char *st = jstr(o, "Status");
	if (!st) {
		json_object_put(o);
		return err_set(reterr, ERR_INPUT, 0, "the reply to CompleteSnapshot has no Status");
	}
	aws_strlcpy(res->status, st, sizeof(res->status));
	json_object_put(o);
	return 0;
}

int ebs_parse_list_blocks(const char *body, size_t len, struct ebs_list_blocks_result *res,
			  struct err *reterr)
{
	json_object *o = parse_json(body, len, "ListSnapshotBlocks", reterr), *arr;
	if (!o)
		return -1;
	if (json_object_object_get_ex(o, "Blocks", &arr)) {
		if (!json_object_is_type(arr, json_type_array)) {
			json_object_put(o);
			return err_set(reterr, ERR_INPUT, 0,
				       "the reply to ListSnapshotBlocks has a malformed Blocks list");
		}
		size_t n = json_object_array_length(arr);
		if (n) {
			struct ebs_block *b = realloc(res->blocks, (res->n_blocks + n) * sizeof(*b));
			if (!b) {
				json_object_put(o);
				return err_sys(reterr, ENOMEM, "reading the block list");
			}
			res->blocks = b;
		}
		for (size_t i = 0; i < n; i++) {
			json_object *it = json_object_array_get_idx(arr, i), *v;
			if (!json_object_is_type(it, json_type_object) ||
			    !json_object_object_get_ex(it, "BlockIndex", &v) ||
			    !json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0) {
				json_object_put(o);
				return err_set(reterr, ERR_INPUT, 0,
					       "the reply to ListSnapshotBlocks has a block without "
					       "a valid BlockIndex");
			}
			struct ebs_block *b = &res->blocks[res->n_blocks++];
			b->index = (uint64_t)json_object_get_int64(v);
			aws_strlcpy(b->token, jstr(it, "BlockToken"), sizeof(b->token));
		}
	}
	aws_strlcpy(res->next_token, jstr(o, "NextToken"), sizeof(res->next_token));
	res->volume_size = jll(o, "VolumeSize");
	res->block_size = jll(o, "BlockSize");
	json_object_put(o);
	return 0;
}

void ebs_list_blocks_result_release(struct ebs_list_blocks_result *res)
{
	if (!res)
		return;
	free(res->blocks);
	res->blocks = NULL;
	res->n_blocks = 0;
}

/* ---- requests ---- */

static bool safe_id(const char *id)
{
	if (!id || !*id || strlen(id) >= EBS_ID_MAX)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

static void copy_rid(char *dst, const struct http_response *resp)
{
	aws_strlcpy(dst, http_response_request_id(resp), AWS_REQID_MAX);
}

static int rparse_start_snapshot(const struct http_response *resp, void *out, struct err *reterr)
{
	struct ebs_start_snapshot_result *res = out;
	copy_rid(res->request_id, resp);
	return ebs_parse_start_snapshot(dyn_ptr(&resp->body), dyn_len(&resp->body), res, reterr);
}

static int rparse_put_block(const struct http_response *resp, void *out, struct err *reterr)
{
	struct ebs_put_block_result *res = out;
	copy_rid(res->request_id, resp);
	aws_strlcpy(res->checksum, http_response_header(resp, "x-amz-Checksum"),
		    sizeof(res->checksum));
	return 0;
}

static int rparse_complete_snapshot(const struct http_response *resp, void *out,
				    struct err *reterr)
{
	struct ebs_complete_snapshot_result *res = out;
	copy_rid(res->request_id, resp);
	return ebs_parse_complete_snapshot(dyn_ptr(&resp->body), dyn_len(&resp->body), res, reterr);
}

static int rparse_list_blocks(const struct http_response *resp, void *out, struct err *reterr)
{
	struct ebs_list_blocks_result *res = out;
	copy_rid(res->request_id, resp);
	return ebs_parse_list_blocks(dyn_ptr(&resp->body), dyn_len(&resp->body), res, reterr);
}

static int build_start_snapshot(struct http_request *req, const struct aws_endpoint *ep,
				const struct ebs_start_snapshot_req *in,
				struct ebs_start_snapshot_result *res, struct err *reterr)
{
	if (in->volume_size <= 0)
		return err_set(reterr, ERR_INPUT, 0, "StartSnapshot needs a volume size in GiB");
	if (in->client_token && *in->client_token)
		aws_strlcpy(res->client_token, in->client_token, sizeof(res->client_token));
	else if (aws_uuid4(res->client_token, reterr) < 0)
		return -1;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "VolumeSize", json_object_new_int64(in->volume_size));
	if (in->description)
		json_object_object_add(o, "Description", json_object_new_string(in->description));
	if (in->parent_snapshot_id)
		json_object_object_add(o, "ParentSnapshotId",
				       json_object_new_string(in->parent_snapshot_id));
	if (in->encrypted >= 0)
		json_object_object_add(o, "Encrypted", json_object_new_boolean(in->encrypted));
	if (in->kms_key_arn)
		json_object_object_add(o, "KmsKeyArn", json_object_new_string(in->kms_key_arn));
	if (in->timeout_minutes > 0)
		json_object_object_add(o, "Timeout", json_object_new_int64(in->timeout_minutes));
	if (in->n_tags) {
		json_object *tags = json_object_new_array();
		for (size_t i = 0; i < in->n_tags; i++) {
			json_object *t = json_object_new_object();
			json_object_object_add(t, "Key", json_object_new_string(in->tags[i].key));
			json_object_object_add(t, "Value",
					       json_object_new_string(in->tags[i].value ? in->tags[i].value : ""));
			json_object_array_add(tags, t);
		}
		json_object_object_add(o, "Tags", tags);
	}
	json_object_object_add(o, "ClientToken", json_object_new_string(res->client_token));
	const char *js = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	int r = -1;
	if (aws_request_init(req, ep, "POST", "snapshots", "StartSnapshot", reterr) == 0 &&
	    http_request_set_header(req, "Content-Type", "application/json", reterr) == 0 &&
	    http_request_body_copy(req, js, strlen(js), reterr) == 0)
		r = 0;
	json_object_put(o);
	return r;
}

static int build_put_block(struct http_request *req, const struct aws_endpoint *ep,
			   const struct ebs_put_block_req *in, struct ebs_put_block_result *res,
			   struct err *reterr)
{
	if (!safe_id(in->snapshot_id))
		return err_set(reterr, ERR_INPUT, 0, "PutSnapshotBlock needs a snapshot id");
	if (!in->data || in->len != EBS_BLOCK_SIZE)
		return err_set(reterr, ERR_INPUT, 0, "a snapshot block must be exactly %u bytes",
			       EBS_BLOCK_SIZE);
	char path[160], sum[EBS_CHECKSUM_B64], num[32];
	snprintf(path, sizeof(path), "snapshots/%s/blocks/%" PRIu64, in->snapshot_id,
		 in->block_index);
	if (in->checksum)
		aws_strlcpy(sum, in->checksum, sizeof(sum));
	else
		ebs_block_checksum(in->data, in->len, NULL, sum);
	if (aws_request_init(req, ep, "PUT", path, "PutSnapshotBlock", reterr) < 0)
		return -1;
	snprintf(num, sizeof(num), "%zu", in->len);
	if (http_request_set_header(req, "Content-Type", "application/octet-stream", reterr) < 0 ||
	    http_request_set_header(req, "x-amz-Data-Length", num, reterr) < 0 ||
	    http_request_set_header(req, "x-amz-Checksum", sum, reterr) < 0 ||
	    http_request_set_header(req, "x-amz-Checksum-Algorithm", "SHA256", reterr) < 0)
		return -1;
	if (in->progress >= 0 && in->progress <= 100) {
		snprintf(num, sizeof(num), "%d", in->progress);
		if (http_request_set_header(req, "x-amz-Progress", num, reterr) < 0)
			return -1;
	}
	aws_strlcpy(req->payload_hash, "UNSIGNED-PAYLOAD", sizeof(req->payload_hash));
	http_request_body_ref(req, in->data, in->len);
	return 0;
}

static int build_complete_snapshot(struct http_request *req, const struct aws_endpoint *ep,
				   const struct ebs_complete_snapshot_req *in,
				   struct ebs_complete_snapshot_result *res, struct err *reterr)
{
	if (!safe_id(in->snapshot_id))
		return err_set(reterr, ERR_INPUT, 0, "CompleteSnapshot needs a snapshot id");
	char path[160], num[32];
	snprintf(path, sizeof(path), "snapshots/completion/%s", in->snapshot_id);
	if (aws_request_init(req, ep, "POST", path, "CompleteSnapshot", reterr) < 0)
		return -1;
	snprintf(num, sizeof(num), "%" PRIu64, in->changed_blocks_count);
	if (http_request_set_header(req, "x-amz-ChangedBlocksCount", num, reterr) < 0)
		return -1;
	if (in->aggregate_checksum &&
	    (http_request_set_header(req, "x-amz-Checksum", in->aggregate_checksum, reterr) < 0 ||
	     http_request_set_header(req, "x-amz-Checksum-Algorithm", "SHA256", reterr) < 0 ||
	     http_request_set_header(req, "x-amz-Checksum-Aggregation-Method", "LINEAR",
				     reterr) < 0))
		return -1;
	return 0;
}

static int build_list_blocks(struct http_request *req, const struct aws_endpoint *ep,
			     const struct ebs_list_blocks_req *in, struct ebs_list_blocks_result *res,
			     struct err *reterr)
{
	if (!safe_id(in->snapshot_id))
		return err_set(reterr, ERR_INPUT, 0, "ListSnapshotBlocks needs a snapshot id");
	struct dynbuf p;
	dyn_init(&p, 1024);
	dyn_addf(&p, "snapshots/%s/blocks", in->snapshot_id);
	char sep = '?';
	if (in->max_results > 0) {
		dyn_addf(&p, "%cmaxResults=%ld", sep, in->max_results);
		sep = '&';
	}
	if (in->next_token && *in->next_token) {
		dyn_addf(&p, "%cpageToken=", sep);
		aws_uri_encode(&p, in->next_token, strlen(in->next_token), false);
		sep = '&';
	}
	if (in->starting_block_index >= 0)
		dyn_addf(&p, "%cstartingBlockIndex=%lld", sep, in->starting_block_index);
	int r = aws_request_init(req, ep, "GET", dyn_ptr(&p), "ListSnapshotBlocks", reterr);
	dyn_free(&p);
	return r;
}

static const char *const doing_start_snapshot = "Starting the EBS snapshot";
static const char *const doing_put_block = "Writing a snapshot block";
static const char *const doing_complete_snapshot = "Completing the EBS snapshot";
static const char *const doing_list_blocks = "Listing snapshot blocks";

#define X(name, req_t, res_t)                                                                      \
	int ebs_##name##_start(const struct aws_endpoint *ep, const struct req_t *in,             \
			       struct res_t *res, aws_done_fn done, void *ctx, struct err *reterr) \
	{                                                                                          \
		struct http_request req;                                                           \
		memset(res, 0, sizeof(*res));                                                      \
		memset(&req, 0, sizeof(req));                                                      \
		dyn_init(&req.url, HTTP_URL_MAX);                                                  \
		int r = build_##name(&req, ep, in, res, reterr);                                   \
		if (r == 0)                                                                        \
			r = rest_start(ep, &req, doing_##name, rparse_##name, res, done, ctx,     \
				       reterr);                                                    \
		else                                                                               \
			err_doing(reterr, "%s", doing_##name);                                     \
		http_request_release(&req);                                                        \
		return r;                                                                          \
	}                                                                                          \
	int ebs_##name(const struct aws_endpoint *ep, const struct req_t *in, struct res_t *res,   \
		       struct err *reterr)                                                         \
	{                                                                                          \
		struct http_request req;                                                           \
		memset(res, 0, sizeof(*res));                                                      \
		memset(&req, 0, sizeof(req));                                                      \
		dyn_init(&req.url, HTTP_URL_MAX);                                                  \
		int r = build_##name(&req, ep, in, res, reterr);                                   \
		if (r == 0)                                                                        \
			r = rest_sync(ep, &req, doing_##name, rparse_##name, res, reterr);         \
		else                                                                               \
			err_doing(reterr, "%s", doing_##name);                                     \
		http_request_release(&req);                                                        \
		return r;                                                                          \
	}
EBS_CALLS(X)
#undef X
