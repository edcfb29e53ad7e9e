/* EBS direct APIs of amiwiz-sim: write a snapshot block by block with a
 * SHA-256 per block and a linear aggregate at completion, and read it back.
 * Blocks are files DIR/blocks/<snap>/<index>; the snapshot record (shared
 * with EC2) maps each written index to its Base64 checksum. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "help/err.h"
#include "sim/checksum.h"
#include "sim/sim.h"

#define MAX_VOLUME_GIB 65536
#define BLOCKS_PER_GIB (1024 * 1024 * 1024 / SIM_BLOCK_SIZE)

static char *block_dir(struct sim *sim, const char *snap)
{
	return store_path(sim->store, "blocks/%s", snap);
}

static char *block_file(struct sim *sim, const char *snap, long long idx)
{
	return store_path(sim->store, "blocks/%s/%lld", snap, idx);
}

int blocks_copy(struct sim *sim, const char *from, const char *to)
{
	char *src = block_dir(sim, from), *dst = block_dir(sim, to);
	DIR *d = NULL;
	struct dirent *de;
	int rc = -1;

	if (!src || !dst)
		goto out;
	d = opendir(src);
	if (!d) {
		rc = errno == ENOENT ? 0 : -1; /* no blocks written: nothing to share */
		goto out;
	}
	if (mkdir(dst, 0700) && errno != EEXIST)
		goto out;
	while ((de = readdir(d))) {
		char *a, *b;
		int r;
		if (de->d_name[0] == '.')
			continue;
		a = store_path(sim->store, "blocks/%s/%s", from, de->d_name);
		b = store_path(sim->store, "blocks/%s/%s", to, de->d_name);
		r = a && b ? link(a, b) : -1;
		free(a);
		free(b);
		if (r && errno != EEXIST)
			goto out;
	}
	rc = 0;
out:
	if (d)
		closedir(d);
	free(src);
	free(dst);
	return rc;
}

void blocks_remove(struct sim *sim, const char *snap)
{
	char *dir = block_dir(sim, snap);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *de;
	if (d) {
		while ((de = readdir(d))) {
			char *f;
			if (de->d_name[0] == '.')
				continue;
			f = store_path(sim->store, "blocks/%s/%s", snap, de->d_name);
			if (f)
				unlink(f);
			free(f);
		}
		closedir(d);
		rmdir(dir);
	}
	free(dir);
}

static int write_block(struct sim *sim, const char *snap, long long idx, const void *data, struct err *e)
{
	char *dir = block_dir(sim, snap), *f = block_file(sim, snap, idx);
	int rc = -1;
	if (!dir || !f)
		goto out;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		err_sys(e, errno, "Cannot create %s", dir);
		goto out;
	}
	rc = store_write_file(f, data, SIM_BLOCK_SIZE, e);
out:
	free(dir);
	free(f);
	return rc;
}

int blocks_from_file(struct sim *sim, const char *snap, const char *path, struct json_object *map)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char *buf = malloc(SIM_BLOCK_SIZE);
	long long idx = 0;
	int rc = -1;
	struct err e;

	if (fd < 0 || !buf)
		goto out;
	for (;; idx++) {
		size_t got = 0;
		ssize_t r = 0;
		char sum[64], key[24];
		while (got < SIM_BLOCK_SIZE && (r = read(fd, buf + got, SIM_BLOCK_SIZE - got)) > 0)
			got += (size_t)r;
		if (r < 0)
			goto out;
		if (got == 0)
			break;
		memset(buf + got, 0, SIM_BLOCK_SIZE - got);
		size_t nz = 0;
		while (nz < SIM_BLOCK_SIZE && buf[nz] == 0)
			nz++;
		if (nz < SIM_BLOCK_SIZE) {
			if (write_block(sim, snap, idx, buf, &e))
				goto out;
			checksum_b64(CK_SHA256, buf, SIM_BLOCK_SIZE, sum);
			snprintf(key, sizeof(key), "%lld", idx);
			json_object_object_add(map, key, json_object_new_string(sum));
		}
		if (got < SIM_BLOCK_SIZE)
			break;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

/* --- requests ------------------------------------------------------------- */

static void json_reply(struct sim_resp *resp, int status, struct json_object *o)
{
	resp->status = status;
	resp->content_type = "application/json";
	dyn_addstr(&resp->body, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

static const char *hdr(const struct sim_req *req, const char *name)
{
	return auth_header_get(req->headers, req->nheaders, name);
}

static struct json_object *find_snapshot(struct sim *sim, struct sim_req *req, struct sim_resp *resp,
					 const char *id)
{
	struct json_object *s;
	if (json_object_object_get_ex(store_coll(sim->store, COLL_SNAPSHOTS), id, &s) &&
	    strcmp(store_str(s, "region"), sim_region(req)) == 0)
		return s;
	sim_fail(req, resp, 404, "ResourceNotFoundException", "SNAPSHOT_NOT_FOUND",
		 "The snapshot '%s' does not exist.", id);
	return NULL;
}

static void snapshot_json(struct json_object *o, struct json_object *s)
{
	json_object_object_add(o, "SnapshotId", json_object_new_string(store_str(s, "id")));
	json_object_object_add(o, "OwnerId", json_object_new_string(store_str(s, "owner")));
	json_object_object_add(o, "Status", json_object_new_string(store_str(s, "state")));
	json_object_object_add(o, "StartTime", json_object_new_double(store_double(s, "created")));
	json_object_object_add(o, "VolumeSize", json_object_new_int64(store_int(s, "size")));
	json_object_object_add(o, "BlockSize", json_object_new_int(SIM_BLOCK_SIZE));
	if (store_str(s, "description"))
		json_object_object_add(o, "Description", json_object_new_string(store_str(s, "description")));
}

static void start_snapshot(struct sim *sim, struct sim_req *req, struct sim_resp *resp)
{
	struct json_object *in = NULL, *v, *s, *tokens = store_coll(sim->store, COLL_TOKENS), *tok, *out;
	struct json_tokener *t = json_tokener_new();
	const char *token = NULL;
	long long size;
	char id[32];
	struct dynbuf key;

	dyn_init(&key, 4096);
	if (t)
		in = json_tokener_parse_ex(t, dyn_ptr(&req->body), (int)dyn_len(&req->body));
	if (!in || json_tokener_get_error(t) != json_tokener_success ||
	    !json_object_is_type(in, json_type_object)) {
		sim_fail(req, resp, 400, "ValidationException", "INVALID_PARAMETER_VALUE",
			 "The request body is not a JSON object.");
		goto out;
	}
	if (!json_object_object_get_ex(in, "VolumeSize", &v) || !json_object_is_type(v, json_type_int)) {
		sim_fail(req, resp, 400, "ValidationException", "INVALID_VOLUME_SIZE",
			 "1 validation error detected: Value null at 'volumeSize' failed to satisfy constraint: "
			 "Member must not be null");
		goto out;
	}
	size = json_object_get_int64(v);
	if (size < 1 || size > MAX_VOLUME_GIB) {
		sim_fail(req, resp, 400, "ValidationException", "INVALID_VOLUME_SIZE",
			 "The volume size must be between 1 and 65536 GiB.");
		goto out;
	}
	if (json_object_object_get_ex(in, "ParentSnapshotId", &v) && json_object_object_get_ex(in, "Encrypted", NULL)) {
		sim_fail(req, resp, 400, "ValidationException", "INVALID_PARAMETER_VALUE",
			 "ParentSnapshotId cannot be combined with Encrypted.");
		goto out;
	}
	if (json_object_object_get_ex(in, "ClientToken", &v))
		token = json_object_get_string(v);
	if (token) {
		dyn_addf(&key, "%s:%s:ebs:StartSnapshot:%s", sim_account(req), sim_region(req), token);
		if (json_object_object_get_ex(tokens, dyn_ptr(&key), &tok)) {
			if (strcmp(store_str(tok, "params"), dyn_ptr(&req->body)) != 0) {
				sim_fail(req, resp, 409, "ConflictException", NULL,
					 "The request uses the same client token as a previous, but non-identical request.");
				goto out;
			}
			resp->status = 201;
			resp->content_type = "application/json";
			dyn_addstr(&resp->body, store_str(tok, "reply"));
			goto out;
		}
	}
	sim_new_id(id, sizeof(id), "snap");
	s = json_object_new_object();
	store_set_str(s, "id", id);
	store_set_str(s, "region", sim_region(req));
	store_set_str(s, "owner", sim_account(req));
	store_set_int(s, "size", size);
	if (json_object_object_get_ex(in, "Description", &v))
		store_set_str(s, "description", json_object_get_string(v));
	store_set_str(s, "state", "pending");
	store_set_str(s, "source", "ebs");
	store_set_double(s, "created", req->now);
	json_object_object_add(s, "tags", json_object_new_object());
	json_object_object_add(s, "blocks", json_object_new_object());
	if (json_object_object_get_ex(in, "Tags", &v) && json_object_is_type(v, json_type_array)) {
		struct json_object *tags;
		json_object_object_get_ex(s, "tags", &tags);
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			struct json_object *tg = json_object_array_get_idx(v, i);
			if (store_str(tg, "Key"))
				store_set_str(tags, store_str(tg, "Key"), store_str(tg, "Value") ? store_str(tg, "Value") : "");
		}
	}
	json_object_object_add(store_coll(sim->store, COLL_SNAPSHOTS), id, s);
	if (sim_save(sim, req, resp, COLL_SNAPSHOTS))
		goto out;
	out = json_object_new_object();
	snapshot_json(out, s);
	json_reply(resp, 201, out);
	if (token) {
		tok = json_object_new_object();
		store_set_str(tok, "params", dyn_ptr(&req->body));
		store_set_str(tok, "reply", dyn_ptr(&resp->body));
		json_object_object_add(tokens, dyn_ptr(&key), tok);
		sim_save(sim, req, resp, COLL_TOKENS);
	}
out:
	json_object_put(in);
	if (t)
		json_tokener_free(t);
	dyn_free(&key);
}

static int parse_index(const char *s, long long *ret)
{
	char *end;
	if (!*s)
		return -1;
	*ret = strtoll(s, &end, 10);
	return *end || *ret < 0 ? -1 : 0;
}

static void put_block(struct sim *sim, struct sim_req *req, struct sim_resp *resp, const char *snap_id,
		      const char *idx_s)
{
	struct json_object *s = find_snapshot(sim, req, resp, snap_id), *blocks;
	const char *len_h = hdr(req, "x-amz-Data-Length");
	const char *sum_h = hdr(req, "x-amz-Checksum");
	const char *alg_h = hdr(req, "x-amz-Checksum-Algorithm");
	long long idx;
	char sum[64], key[24];
	struct err e;

	if (!s)
		return;
	if (parse_index(idx_s, &idx) || idx >= store_int(s, "size") * BLOCKS_PER_GIB) {
		sim_fail(req, resp, 400, "ValidationException", "INVALID_BLOCK",
			 "The block index %s is outside the volume.", idx_s);
		return;
	}
	if (strcmp(store_str(s, "state"), "pending") != 0 || store_double(s, "settle_at") > 0) {
		sim_fail(req, resp, 400, "ValidationException", "INVALID_SNAPSHOT_ID",
			 "The snapshot %s is not in the pending state; no more blocks can be written.", snap_id);
		return;
	}
	if (!len_h || !sum_h || !alg_h) {
		sim_fail(req, resp, 400, "ValidationException", "INVALID_PARAMETER_VALUE",
			 "x-amz-Data-Length, x-amz-Checksum and x-amz-Checksum-Algorithm are required.");
		return;
	}
	if (strcmp(alg_h, "SHA256") != 0) {
		sim_fail(req, resp, 400, "ValidationException", "INVALID_PARAMETER_VALUE",
			 "The only supported checksum algorithm is SHA256.");
		return;
	}
	if (strtoll(len_h, NULL, 10) != SIM_BLOCK_SIZE || dyn_len(&req->body) != SIM_BLOCK_SIZE) {
		sim_fail(req, resp, 400, "ValidationException", "INVALID_BLOCK",
			 "The block must be exactly 524288 bytes.");
		return;
	}
	checksum_b64(CK_SHA256, dyn_ptr(&req->body), SIM_BLOCK_SIZE, sum);
	if (strcmp(sum, sum_h) != 0) {
		sim_fail(req, resp, 400, "ValidationException", "INVALID_BLOCK",
			 "The checksum of the block does not match the x-amz-Checksum header.");
		return;
	}
	err_clear(&e);
	if (write_block(sim, snap_id, idx, dyn_ptr(&req->body), &e)) {
		sim_fail(req, resp, 500, "InternalServerException", NULL, "The block could not be stored.");
		return;
	}
	json_object_object_get_ex(s, "blocks", &blocks);
	snprintf(key, sizeof(key), "%lld", idx);
	json_object_object_add(blocks, key, json_object_new_string(sum));
	if (sim_save(sim, req, resp, COLL_SNAPSHOTS))
		return;
	resp->status = 201;
	resp->content_type = "application/json";
	dyn_addstr(&resp->body, "{}");
	sim_header(resp, "x-amz-Checksum", "%s", sum);
	sim_header(resp, "x-amz-Checksum-Algorithm", "SHA256");
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

/* The written block indexes in ascending order (malloc'd), count in *n. */
static long long *sorted_indexes(struct json_object *blocks, size_t *n)
{
	long long *v = calloc((size_t)json_object_object_length(blocks) + 1, sizeof(*v));
	*n = 0;
	if (!v)
		return NULL;
	json_object_object_foreach(blocks, k, val) {
		(void)val;
		v[(*n)++] = atoll(k);
	}
	qsort(v, *n, sizeof(*v), cmp_ll);
	return v;
}

static void complete_snapshot(struct sim *sim, struct sim_req *req, struct sim_resp *resp, const char *snap_id)
{
	struct json_object *s = find_snapshot(sim, req, resp, snap_id), *blocks, *out;
	const char *count_h = hdr(req, "x-amz-ChangedBlocksCount");
	const char *sum_h = hdr(req, "x-amz-Checksum");
	const char *alg_h = hdr(req, "x-amz-Checksum-Algorithm");
	const char *agg_h = hdr(req, "x-amz-Checksum-Aggregation-Method");
	long long *idx;
	size_t n;

	if (!s)
		return;
	if (!count_h) {
		sim_fail(req, resp, 400, "ValidationException", "INVALID_PARAMETER_VALUE",
			 "x-amz-ChangedBlocksCount is required.");
		return;
	}
	if (strcmp(store_str(s, "state"), "pending") != 0 || store_double(s, "settle_at") > 0) {
		sim_fail(req, resp, 400, "ValidationException", "INVALID_SNAPSHOT_ID",
			 "The snapshot %s was already completed.", snap_id);
		return;
	}
	json_object_object_get_ex(s, "blocks", &blocks);
	idx = sorted_indexes(blocks, &n);
	if (!idx) {
		sim_fail(req, resp, 500, "InternalServerException", NULL, "Out of memory");
		return;
	}
	if (strtoll(count_h, NULL, 10) != (long long)n) {
		free(idx);
		sim_fail(req, resp, 400, "ValidationException", "INVALID_PARAMETER_VALUE",
			 "ChangedBlocksCount is %s but %zu blocks were written.", count_h, n);
		return;
	}
	if (sum_h) {
		/* LINEAR: SHA-256 over the raw block digests in index order. */
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		unsigned char d[32];
		char got[64];
		EVP_DigestInit_ex(md, EVP_sha256(), NULL);
		for (size_t i = 0; i < n; i++) {
			char key[24];
			unsigned char raw[64];
			snprintf(key, sizeof(key), "%lld", idx[i]);
			const char *b64 = json_object_get_string(json_object_object_get(blocks, key));
			int len = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)strlen(b64));
			EVP_DigestUpdate(md, raw, len >= 32 ? 32 : 0);
		}
		EVP_DigestFinal_ex(md, d, NULL);
		EVP_MD_CTX_free(md);
		checksum_base64(d, 32, got);
		if ((alg_h && strcmp(alg_h, "SHA256") != 0) || (agg_h && strcmp(agg_h, "LINEAR") != 0) ||
		    strcmp(got, sum_h) != 0) {
			free(idx);
			sim_fail(req, resp, 400, "ValidationException", "INVALID_PARAMETER_VALUE",
				 "The aggregate checksum does not match the blocks written.");
			return;
		}
	}
	free(idx);
	store_set_double(s, "settle_at", req->now + sim_scaled(sim, 10.0));
	if (sim_save(sim, req, resp, COLL_SNAPSHOTS))
		return;
	out = json_object_new_object();
	json_object_object_add(out, "Status", json_object_new_string("pending"));
	json_reply(resp, 202, out);
}

static struct json_object *completed_snapshot(struct sim *sim, struct sim_req *req, struct sim_resp *resp,
					      const char *snap_id)
{
	struct json_object *s = find_snapshot(sim, req, resp, snap_id);
	if (!s)
		return NULL;
	if (strcmp(store_str(s, "state"), "pending") == 0 && store_double(s, "settle_at") > 0 &&
	    req->now >= store_double(s, "settle_at")) {
		store_set_str(s, "state", "completed");
		sim_save(sim, req, resp, COLL_SNAPSHOTS);
	}
	if (strcmp(store_str(s, "state"), "completed") != 0) {
		sim_fail(req, resp, 400, "ValidationException", "INVALID_SNAPSHOT_ID",
			 "The snapshot %s is not completed yet.", snap_id);
		return NULL;
	}
	return s;
}

static void block_token(char out[128], const char *snap, long long idx)
{
	snprintf(out, 128, "%s.%lld.practice-block-token", snap, idx);
}

static void list_blocks(struct sim *sim, struct sim_req *req, struct sim_resp *resp, const char *snap_id)
{
	struct json_object *s = completed_snapshot(sim, req, resp, snap_id), *blocks, *out, *arr;
	const char *max_s = query_get(&req->params, "maxResults");
	const char *page = query_get(&req->params, "pageToken");
	const char *start_s = query_get(&req->params, "startingBlockIndex");
	long long max = max_s ? atoll(max_s) : 10000, start = start_s ? atoll(start_s) : 0, *idx;
	size_t n, shown = 0;

	if (!s)
		return;
	if (max < 100 || max > 10000)
		max = max < 100 ? 100 : 10000;
	if (page) {
		char *end;
		long long p = strtoll(page, &end, 10);
		if (*end || p < 0) {
			sim_fail(req, resp, 400, "ValidationException", "INVALID_PAGE_TOKEN", "The page token is not valid.");
			return;
		}
		if (p > start)
			start = p;
	}
	json_object_object_get_ex(s, "blocks", &blocks);
	idx = sorted_indexes(blocks, &n);
	if (!idx) {
		sim_fail(req, resp, 500, "InternalServerException", NULL, "Out of memory");
		return;
	}
	out = json_object_new_object();
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *b;
		char tok[128];
		if (idx[i] < start)
			continue;
		if ((long long)shown >= max) {
			char next[24];
			snprintf(next, sizeof(next), "%lld", idx[i]);
			json_object_object_add(out, "NextToken", json_object_new_string(next));
			break;
		}
		b = json_object_new_object();
		block_token(tok, snap_id, idx[i]);
		json_object_object_add(b, "BlockIndex", json_object_new_int64(idx[i]));
		json_object_object_add(b, "BlockToken", json_object_new_string(tok));
		json_object_array_add(arr, b);
		shown++;
	}
	free(idx);
	json_object_object_add(out, "Blocks", arr);
	json_object_object_add(out, "ExpiryTime", json_object_new_double(req->now + 7 * 24 * 3600));
	json_object_object_add(out, "VolumeSize", json_object_new_int64(store_int(s, "size")));
	json_object_object_add(out, "BlockSize", json_object_new_int(SIM_BLOCK_SIZE));
	json_reply(resp, 200, out);
}

static void get_block(struct sim *sim, struct sim_req *req, struct sim_resp *resp, const char *snap_id,
		      const char *idx_s)
{
	struct json_object *s = completed_snapshot(sim, req, resp, snap_id), *blocks, *sum;
	const char *token = query_get(&req->params, "blockToken");
	char want[128], key[24], *f;
	long long idx;
	int fd;

	if (!s)
		return;
	if (parse_index(idx_s, &idx)) {
		sim_fail(req, resp, 400, "ValidationException", "INVALID_BLOCK", "The block index is not valid.");
		return;
	}
	block_token(want, snap_id, idx);
	json_object_object_get_ex(s, "blocks", &blocks);
	snprintf(key, sizeof(key), "%lld", idx);
	if (!token || strcmp(token, want) != 0 || !json_object_object_get_ex(blocks, key, &sum)) {
		sim_fail(req, resp, 400, "ValidationException", "INVALID_BLOCK_TOKEN", "The block token is not valid.");
		return;
	}
	f = block_file(sim, snap_id, idx);
	fd = f ? open(f, O_RDONLY | O_CLOEXEC) : -1;
	free(f);
	if (fd < 0) {
		sim_fail(req, resp, 500, "InternalServerException", NULL, "The block's data is missing.");
		return;
	}
	resp->status = 200;
	resp->content_type = "application/octet-stream";
	resp->file_fd = fd;
	resp->file_size = SIM_BLOCK_SIZE;
	sim_header(resp, "x-amz-Data-Length", "%d", SIM_BLOCK_SIZE);
	sim_header(resp, "x-amz-Checksum", "%s", json_object_get_string(sum));
	sim_header(resp, "x-amz-Checksum-Algorithm", "SHA256");
}

void ebs_handle(struct sim *sim, struct sim_req *req, struct sim_resp *resp)
{
	const char *p = req->decoded_path ? req->decoded_path : "";
	const char *m = req->method;
	char id[64], rest[64];

	if (strcmp(p, "/snapshots") == 0 && strcmp(m, "POST") == 0) {
		start_snapshot(sim, req, resp);
		return;
	}
	if (sscanf(p, "/snapshots/completion/%63[^/]", id) == 1 && strcmp(m, "POST") == 0) {
		complete_snapshot(sim, req, resp, id);
		return;
	}
	if (sscanf(p, "/snapshots/%63[^/]/blocks/%63[^/]", id, rest) == 2) {
		if (strcmp(m, "PUT") == 0)
			put_block(sim, req, resp, id, rest);
		else if (strcmp(m, "GET") == 0)
			get_block(sim, req, resp, id, rest);
		else
			sim_fail(req, resp, 405, "ValidationException", NULL, "Method not allowed.");
		return;
	}
	if (sscanf(p, "/snapshots/%63[^/]/blocks%63s", id, rest) == 1 && strcmp(m, "GET") == 0) {
		list_blocks(sim, req, resp, id);
		return;
	}
	sim_fail(req, resp, 404, "ResourceNotFoundException", NULL, "No EBS direct operation at %s %s", m, p);
}
