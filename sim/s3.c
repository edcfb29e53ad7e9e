/* S3 of amiwiz-sim (path-style): buckets, objects, ranged reads, and
 * multipart uploads, with every checksum a client sends verified.
 *
 * Bucket and object records live in the "buckets" collection; object bytes
 * in DIR/objects/<sha256 of bucket/key>, parts in DIR/parts/<upload>.<n>. */
#include <ctype.h>
#include <errno.h>
#include <expat.h>
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
#include "sim/xml.h"

#define S3_NS "http://s3.amazonaws.com/doc/2006-03-01/"
#define MIN_PART_SIZE (5u * 1024 * 1024)
#define MAX_PARTS 10000

struct s3ctx {
	struct sim *sim;
	struct sim_req *req;
	struct sim_resp *resp;
	struct dynbuf *b;
	char *bucket; /* NULL for the service root */
	char *key;    /* NULL for bucket operations */
};

static const char *qp(const struct s3ctx *c, const char *name)
{
	return query_get(&c->req->params, name);
}

static const char *hdr(const struct s3ctx *c, const char *name)
{
	return auth_header_get(c->req->headers, c->req->nheaders, name);
}

static void http_date(char out[40], double t)
{
	time_t s = (time_t)t;
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static struct json_object *buckets(const struct s3ctx *c)
{
	return store_coll(c->sim->store, COLL_BUCKETS);
}

static struct json_object *find_bucket(struct sim *sim, const char *name)
{
	struct json_object *b;
	if (name && json_object_object_get_ex(store_coll(sim->store, COLL_BUCKETS), name, &b))
		return b;
	return NULL;
}

static struct json_object *need_bucket(struct s3ctx *c)
{
	struct json_object *b = find_bucket(c->sim, c->bucket);
	if (!b)
		sim_fail(c->req, c->resp, 404, "NoSuchBucket", NULL, "The specified bucket does not exist");
	return b;
}

static struct json_object *objects_of(struct json_object *bucket)
{
	struct json_object *o;
	json_object_object_get_ex(bucket, "objects", &o);
	return o;
}

/* DIR/objects/<hex sha256 of "bucket/key">: names never depend on key bytes. */
static char *object_path(struct sim *sim, const char *bucket, const char *key)
{
	unsigned char d[32];
	char hex[65];
	struct dynbuf id;
	dyn_init(&id, 4096);
	dyn_addf(&id, "%s/%s", bucket, key);
	EVP_Digest(dyn_ptr(&id), dyn_len(&id), d, NULL, EVP_sha256(), NULL);
	dyn_free(&id);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return store_path(sim->store, "objects/%s", hex);
}

int s3_object_file(struct sim *sim, const char *bucket, const char *key, char **ret_path,
		   unsigned long long *ret_size)
{
	struct json_object *b = find_bucket(sim, bucket), *o;
	if (!b || !key || !json_object_object_get_ex(objects_of(b), key, &o))
		return -1;
	*ret_path = object_path(sim, bucket, key);
	*ret_size = (unsigned long long)store_int(o, "size");
	return *ret_path ? 0 : -1;
}

static int valid_bucket_name(const char *n)
{
	size_t len = strlen(n);
	if (len < 3 || len > 63 || !isalnum((unsigned char)n[0]) || !isalnum((unsigned char)n[len - 1]))
		return 0;
	for (const char *p = n; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' || *p == '.'))
			return 0;
	return strstr(n, "..") == NULL;
}

/* Check Content-MD5 and x-amz-checksum-* against the bytes; echo the
 * checksums S3 would return.  Returns 0 or -1 after answering BadDigest. */
static int verify_checksums(struct s3ctx *c, const void *data, size_t len, struct json_object *rec)
{
	static const char *const names[] = {"crc32", "crc32c", "sha1", "sha256"};
	const char *md5 = hdr(c, "Content-MD5");
	char got[64], h[40];

	if (md5) {
		checksum_b64(CK_MD5, data, len, got);
		if (strcmp(got, md5) != 0)
			return sim_fail(c->req, c->resp, 400, "BadDigest", NULL,
					"The Content-MD5 you specified did not match what we received.");
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *want;
		snprintf(h, sizeof(h), "x-amz-checksum-%s", names[i]);
		want = hdr(c, h);
		if (!want)
			continue;
		checksum_b64(checksum_alg_by_name(names[i]), data, len, got);
		if (strcmp(got, want) != 0)
			return sim_fail(c->req, c->resp, 400, "BadDigest", NULL,
					"The %s you specified did not match the calculated checksum.", h);
		sim_header(c->resp, h, "%s", got);
		if (rec)
			store_set_str(rec, h, got);
	}
	return 0;
}

static void md5_hex(const void *data, size_t len, char out[33])
{
	unsigned char d[16];
	EVP_Digest(data, len, d, NULL, EVP_md5(), NULL);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* --- buckets -------------------------------------------------------------- */

static void list_buckets(struct s3ctx *c)
{
	char t[32];
	c->resp->content_type = "application/xml";
	dyn_addstr(c->b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAllMyBucketsResult xmlns=\"" S3_NS "\">");
	dyn_addf(c->b, "<Owner><ID>%s</ID><DisplayName>practice</DisplayName></Owner><Buckets>",
		 sim_account(c->req));
	json_object_object_foreach(buckets(c), name, bk) {
		if (strcmp(store_str(bk, "owner"), sim_account(c->req)) != 0)
			continue;
		dyn_addstr(c->b, "<Bucket>");
		xml_elem(c->b, "Name", name);
		sim_iso_time(t, store_double(bk, "created"));
		xml_elem(c->b, "CreationDate", t);
		dyn_addstr(c->b, "</Bucket>");
	}
	dyn_addstr(c->b, "</Buckets></ListAllMyBucketsResult>");
}

static void create_bucket(struct s3ctx *c)
{
	struct json_object *bk = find_bucket(c->sim, c->bucket);
	const char *body = dyn_ptr(&c->req->body);
	const char *lc = strstr(body, "<LocationConstraint>");
	char region[64];

	if (!valid_bucket_name(c->bucket)) {
		sim_fail(c->req, c->resp, 400, "InvalidBucketName", NULL, "The specified bucket is not valid.");
		return;
	}
	snprintf(region, sizeof(region), "%s", "us-east-1");
	if (lc) {
		const char *end = strstr(lc, "</LocationConstraint>");
		lc += strlen("<LocationConstraint>");
		if (end && end > lc && (size_t)(end - lc) < sizeof(region))
			snprintf(region, sizeof(region), "%.*s", (int)(end - lc), lc);
	}
	if (bk) {
		if (strcmp(store_str(bk, "owner"), sim_account(c->req)) != 0)
			sim_fail(c->req, c->resp, 409, "BucketAlreadyExists", NULL,
				 "The requested bucket name is not available.");
		else if (strcmp(store_str(bk, "region"), "us-east-1") != 0)
			sim_fail(c->req, c->resp, 409, "BucketAlreadyOwnedByYou", NULL,
				 "Your previous request to create the named bucket succeeded and you already own it.");
		else
			sim_header(c->resp, "Location", "/%s", c->bucket);
		return;
	}
	bk = json_object_new_object();
	store_set_str(bk, "owner", sim_account(c->req));
	store_set_str(bk, "region", region);
	store_set_double(bk, "created", c->req->now);
	json_object_object_add(bk, "objects", json_object_new_object());
	json_object_object_add(buckets(c), c->bucket, bk);
	if (sim_save(c->sim, c->req, c->resp, COLL_BUCKETS))
		return;
	sim_header(c->resp, "Location", "/%s", c->bucket);
}

static void delete_bucket(struct s3ctx *c)
{
	struct json_object *bk = need_bucket(c);
	if (!bk)
		return;
	if (json_object_object_length(objects_of(bk)) > 0) {
		sim_fail(c->req, c->resp, 409, "BucketNotEmpty", NULL,
			 "The bucket you tried to delete is not empty");
		return;
	}
	json_object_object_del(buckets(c), c->bucket);
	if (sim_save(c->sim, c->req, c->resp, COLL_BUCKETS))
		return;
	c->resp->status = 204;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void list_objects(struct s3ctx *c, struct json_object *bk)
{
	const char *prefix = qp(c, "prefix") ? qp(c, "prefix") : "";
	const char *delim = qp(c, "delimiter");
	const char *token = qp(c, "continuation-token");
	const char *after = qp(c, "start-after");
	const char *maxs = qp(c, "max-keys");
	struct json_object *objs = objects_of(bk);
	size_t n = 0, count = 0;
	const char **keys = calloc((size_t)json_object_object_length(objs) + 1, sizeof(*keys));
	long max = maxs ? strtol(maxs, NULL, 10) : 1000;
	char *last_prefix = NULL;
	const char *next = NULL;
	struct dynbuf body, prefixes;
	size_t plen = strlen(prefix);

	if (!keys) {
		sim_fail(c->req, c->resp, 500, "InternalError", NULL, "Out of memory");
		return;
	}
	if (max < 0 || max > 1000)
		max = 1000;
	json_object_object_foreach(objs, name, rec) {
		(void)rec;
		keys[n++] = name;
	}
	qsort(keys, n, sizeof(*keys), cmp_str);
	dyn_init(&body, 64 * 1024 * 1024);
	dyn_init(&prefixes, 16 * 1024 * 1024);
	for (size_t i = 0; i < n; i++) {
		const char *k = keys[i];
		struct json_object *o;
		char t[32];
		if (strncmp(k, prefix, plen) != 0)
			continue;
		if (token && strcmp(k, token) <= 0)
			continue;
		if (after && strcmp(k, after) <= 0)
			continue;
		if (delim && *delim) {
			const char *d = strstr(k + plen, delim);
			if (d) {
				size_t cp = (size_t)(d - k) + strlen(delim);
				if (last_prefix && strncmp(last_prefix, k, cp) == 0 && last_prefix[cp] == 0)
					continue;
				if ((long)count >= max) {
					next = keys[i - 1];
					break;
				}
				dyn_addstr(&prefixes, "<CommonPrefixes><Prefix>");
				{
					char *pfx = strndup(k, cp);
					xml_escape(&prefixes, pfx ? pfx : "");
					free(last_prefix);
					last_prefix = pfx;
				}
				dyn_addstr(&prefixes, "</Prefix></CommonPrefixes>");
				count++;
				continue;
			}
		}
		if ((long)count >= max) {
			next = keys[i - 1];
			break;
		}
		json_object_object_get_ex(objs, k, &o);
		dyn_addstr(&body, "<Contents>");
		xml_elem(&body, "Key", k);
		sim_iso_time(t, store_double(o, "modified"));
		xml_elem(&body, "LastModified", t);
		xml_elem(&body, "ETag", store_str(o, "etag"));
		xml_elem_int(&body, "Size", store_int(o, "size"));
		xml_elem(&body, "StorageClass", "STANDARD");
		dyn_addstr(&body, "</Contents>");
		count++;
	}
	c->resp->content_type = "application/xml";
	dyn_addstr(c->b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"" S3_NS "\">");
	xml_elem(c->b, "Name", c->bucket);
	xml_elem(c->b, "Prefix", prefix);
	if (delim)
		xml_elem(c->b, "Delimiter", delim);
	xml_elem_int(c->b, "MaxKeys", max);
	xml_elem_int(c->b, "KeyCount", (long long)count);
	xml_elem_bool(c->b, "IsTruncated", next != NULL);
	if (token)
		xml_elem(c->b, "ContinuationToken", token);
	if (next)
		xml_elem(c->b, "NextContinuationToken", next);
	if (after)
		xml_elem(c->b, "StartAfter", after);
	dyn_add(c->b, dyn_ptr(&body), dyn_len(&body));
	dyn_add(c->b, dyn_ptr(&prefixes), dyn_len(&prefixes));
	dyn_addstr(c->b, "</ListBucketResult>");
	free(last_prefix);
	free(keys);
	dyn_free(&body);
	dyn_free(&prefixes);
}

static void bucket_op(struct s3ctx *c)
{
	struct json_object *bk;
	const char *m = c->req->method;

	if (strcmp(m, "PUT") == 0) {
		create_bucket(c);
		return;
	}
	if (strcmp(m, "DELETE") == 0) {
		delete_bucket(c);
		return;
	}
	if (!(bk = need_bucket(c)))
		return;
	sim_header(c->resp, "x-amz-bucket-region", "%s", store_str(bk, "region"));
	if (strcmp(m, "HEAD") == 0)
		return;
	if (strcmp(m, "GET") == 0 && qp(c, "location")) {
		const char *r = store_str(bk, "region");
		c->resp->content_type = "application/xml";
		dyn_addstr(c->b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"" S3_NS "\">");
		if (strcmp(r, "us-east-1") != 0)
			xml_escape(c->b, r);
		dyn_addstr(c->b, "</LocationConstraint>");
		return;
	}
	if (strcmp(m, "GET") == 0) {
		list_objects(c, bk);
		return;
	}
	sim_fail(c->req, c->resp, 405, "MethodNotAllowed", NULL,
		 "The specified method is not allowed against this resource.");
}

/* --- objects -------------------------------------------------------------- */

static void copy_meta(struct s3ctx *c, struct json_object *o)
{
	struct json_object *meta = json_object_new_object();
	for (size_t i = 0; i < c->req->nheaders; i++)
		if (strncasecmp(c->req->headers[i].name, "x-amz-meta-", 11) == 0) {
			char lower[128];
			size_t j;
			for (j = 0; c->req->headers[i].name[j] && j < sizeof(lower) - 1; j++)
				lower[j] = (char)tolower((unsigned char)c->req->headers[i].name[j]);
			lower[j] = 0;
			json_object_object_add(meta, lower, json_object_new_string(c->req->headers[i].value));
		}
	json_object_object_add(o, "meta", meta);
	store_set_str(o, "content_type", hdr(c, "Content-Type") ? hdr(c, "Content-Type") : "binary/octet-stream");
}

static void put_object(struct s3ctx *c, struct json_object *bk)
{
	const void *data = dyn_ptr(&c->req->body);
	size_t len = dyn_len(&c->req->body);
	struct json_object *o = json_object_new_object();
	char etag[40], md5[33];
	char *path;
	struct err e;

	if (hdr(c, "x-amz-copy-source")) {
		json_object_put(o);
		sim_fail(c->req, c->resp, 501, "NotImplemented", NULL,
			 "CopyObject is not served by this endpoint.");
		return;
	}
	if (verify_checksums(c, data, len, o)) {
		json_object_put(o);
		return;
	}
	md5_hex(data, len, md5);
	snprintf(etag, sizeof(etag), "\"%s\"", md5);
	path = object_path(c->sim, c->bucket, c->key);
	err_clear(&e);
	if (!path || store_write_file(path, data, len, &e)) {
		free(path);
		json_object_put(o);
		sim_fail(c->req, c->resp, 500, "InternalError", NULL, "The object could not be stored.");
		return;
	}
	free(path);
	store_set_int(o, "size", (long long)len);
	store_set_str(o, "etag", etag);
	store_set_double(o, "modified", c->req->now);
	copy_meta(c, o);
	json_object_object_add(objects_of(bk), c->key, o);
	if (sim_save(c->sim, c->req, c->resp, COLL_BUCKETS))
		return;
	sim_header(c->resp, "ETag", "%s", etag);
}

/* Parse "bytes=a-b", "bytes=a-", "bytes=-n" against `size`.  Returns 1 and
 * the inclusive range, 0 when there is no usable Range, -1 when unsatisfiable. */
static int parse_range(const char *h, unsigned long long size, unsigned long long *first,
		       unsigned long long *last)
{
	char *end;
	if (!h || strncmp(h, "bytes=", 6) != 0 || strchr(h, ','))
		return 0;
	h += 6;
	if (*h == '-') {
		unsigned long long n = strtoull(h + 1, &end, 10);
		if (*end || end == h + 1)
			return 0;
		if (n == 0 || size == 0)
			return -1;
		*first = n >= size ? 0 : size - n;
		*last = size - 1;
		return 1;
	}
	*first = strtoull(h, &end, 10);
	if (end == h || *end != '-')
		return 0;
	h = end + 1;
	if (*h) {
		*last = strtoull(h, &end, 10);
		if (*end || *last < *first)
			return 0;
	} else {
		*last = size ? size - 1 : 0;
	}
	if (*first >= size)
		return -1;
	if (*last >= size)
		*last = size - 1;
	return 1;
}

static void get_object(struct s3ctx *c, struct json_object *bk, int head)
{
	struct json_object *o, *meta, *v;
	unsigned long long size, first = 0, last = 0;
	char date[40], *path;
	int fd, r;

	if (!json_object_object_get_ex(objects_of(bk), c->key, &o)) {
		sim_fail(c->req, c->resp, 404, "NoSuchKey", NULL, "The specified key does not exist.");
		return;
	}
	size = (unsigned long long)store_int(o, "size");
	r = parse_range(hdr(c, "Range"), size, &first, &last);
	if (r < 0) {
		sim_fail(c->req, c->resp, 416, "InvalidRange", NULL, "The requested range is not satisfiable");
		sim_header(c->resp, "Content-Range", "bytes */%llu", size);
		return;
	}
	path = object_path(c->sim, c->bucket, c->key);
	fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	free(path);
	if (fd < 0) {
		sim_fail(c->req, c->resp, 500, "InternalError", NULL, "The object's data is missing.");
		return;
	}
	sim_header(c->resp, "ETag", "%s", store_str(o, "etag"));
	http_date(date, store_double(o, "modified"));
	sim_header(c->resp, "Last-Modified", "%s", date);
	sim_header(c->resp, "Accept-Ranges", "bytes");
	c->resp->content_type = store_str(o, "content_type");
	if (json_object_object_get_ex(o, "meta", &meta)) {
		json_object_object_foreach(meta, k, val)
			sim_header(c->resp, k, "%s", json_object_get_string(val));
	}
	if ((v = NULL, json_object_object_get_ex(o, "parts_count", &v)))
		sim_header(c->resp, "x-amz-mp-parts-count", "%d", json_object_get_int(v));
	c->resp->file_fd = fd;
	if (r == 1) {
		c->resp->status = 206;
		c->resp->file_offset = first;
		c->resp->file_size = last - first + 1;
		sim_header(c->resp, "Content-Range", "bytes %llu-%llu/%llu", first, last, size);
	} else {
		c->resp->file_size = size;
	}
	(void)head; /* libmicrohttpd sends no body for HEAD */
}

static void delete_object(struct s3ctx *c, struct json_object *bk)
{
	char *path = object_path(c->sim, c->bucket, c->key);
	if (json_object_object_get_ex(objects_of(bk), c->key, NULL)) {
		json_object_object_del(objects_of(bk), c->key);
		if (path)
			unlink(path);
		sim_save(c->sim, c->req, c->resp, COLL_BUCKETS);
	}
	free(path);
	if (!c->resp->status)
		c->resp->status = 204;
}

/* --- multipart ------------------------------------------------------------ */

static struct json_object *uploads(const struct s3ctx *c)
{
	return store_coll(c->sim->store, COLL_UPLOADS);
}

static struct json_object *find_upload(struct s3ctx *c)
{
	const char *id = qp(c, "uploadId");
	struct json_object *u;
	if (id && json_object_object_get_ex(uploads(c), id, &u) && strcmp(store_str(u, "bucket"), c->bucket) == 0 &&
	    strcmp(store_str(u, "key"), c->key) == 0)
		return u;
	sim_fail(c->req, c->resp, 404, "NoSuchUpload", NULL,
		 "The specified upload does not exist. The upload ID may be invalid, or the upload may have "
		 "been aborted or completed.");
	return NULL;
}

static void create_upload(struct s3ctx *c)
{
	struct json_object *u = json_object_new_object();
	char id[48];
	sim_new_id(id, sizeof(id), "mpu");
	store_set_str(u, "bucket", c->bucket);
	store_set_str(u, "key", c->key);
	store_set_double(u, "created", c->req->now);
	copy_meta(c, u);
	json_object_object_add(u, "parts", json_object_new_object());
	json_object_object_add(uploads(c), id, u);
	if (sim_save(c->sim, c->req, c->resp, COLL_UPLOADS))
		return;
	c->resp->content_type = "application/xml";
	dyn_addstr(c->b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult xmlns=\"" S3_NS "\">");
	xml_elem(c->b, "Bucket", c->bucket);
	xml_elem(c->b, "Key", c->key);
	xml_elem(c->b, "UploadId", id);
	dyn_addstr(c->b, "</InitiateMultipartUploadResult>");
}

static void upload_part(struct s3ctx *c, struct json_object *u)
{
	const char *pn = qp(c, "partNumber");
	const void *data = dyn_ptr(&c->req->body);
	size_t len = dyn_len(&c->req->body);
	char *end, md5[33], etag[40], *path;
	long n = pn ? strtol(pn, &end, 10) : 0;
	struct json_object *parts, *p;
	struct err e;

	if (!pn || *end || n < 1 || n > MAX_PARTS) {
		sim_fail(c->req, c->resp, 400, "InvalidArgument", NULL,
			 "Part number must be an integer between 1 and 10000, inclusive");
		return;
	}
	p = json_object_new_object();
	if (verify_checksums(c, data, len, p)) {
		json_object_put(p);
		return;
	}
	md5_hex(data, len, md5);
	snprintf(etag, sizeof(etag), "\"%s\"", md5);
	path = store_path(c->sim->store, "parts/%s.%ld", qp(c, "uploadId"), n);
	err_clear(&e);
	if (!path || store_write_file(path, data, len, &e)) {
		free(path);
		json_object_put(p);
		sim_fail(c->req, c->resp, 500, "InternalError", NULL, "The part could not be stored.");
		return;
	}
	free(path);
	store_set_str(p, "etag", etag);
	store_set_str(p, "md5", md5);
	store_set_int(p, "size", (long long)len);
	store_set_double(p, "modified", c->req->now);
	json_object_object_get_ex(u, "parts", &parts);
	{
		char key[16];
		snprintf(key, sizeof(key), "%ld", n);
		json_object_object_add(parts, key, p);
	}
	if (sim_save(c->sim, c->req, c->resp, COLL_UPLOADS))
		return;
	sim_header(c->resp, "ETag", "%s", etag);
}

static int cmp_part(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

static void list_parts(struct s3ctx *c, struct json_object *u)
{
	struct json_object *parts;
	long nums[MAX_PARTS];
	size_t n = 0;
	long marker = qp(c, "part-number-marker") ? atol(qp(c, "part-number-marker")) : 0;
	long max = qp(c, "max-parts") ? atol(qp(c, "max-parts")) : 1000;
	long shown = 0, last = 0;
	int truncated = 0;

	if (max < 1 || max > 1000)
		max = 1000;
	json_object_object_get_ex(u, "parts", &parts);
	json_object_object_foreach(parts, k, p) {
		(void)p;
		if (n < MAX_PARTS)
			nums[n++] = atol(k);
	}
	qsort(nums, n, sizeof(nums[0]), cmp_part);
	c->resp->content_type = "application/xml";
	dyn_addstr(c->b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListPartsResult xmlns=\"" S3_NS "\">");
	xml_elem(c->b, "Bucket", c->bucket);
	xml_elem(c->b, "Key", c->key);
	xml_elem(c->b, "UploadId", qp(c, "uploadId"));
	xml_elem_int(c->b, "PartNumberMarker", marker);
	xml_elem(c->b, "StorageClass", "STANDARD");
	xml_elem_int(c->b, "MaxParts", max);
	for (size_t i = 0; i < n; i++) {
		struct json_object *part;
		char key[24], t[32];
		if (nums[i] <= marker)
			continue;
		if (shown >= max) {
			truncated = 1;
			break;
		}
		snprintf(key, sizeof(key), "%ld", nums[i]);
		json_object_object_get_ex(parts, key, &part);
		dyn_addstr(c->b, "<Part>");
		xml_elem_int(c->b, "PartNumber", nums[i]);
		sim_iso_time(t, store_double(part, "modified"));
		xml_elem(c->b, "LastModified", t);
		xml_elem(c->b, "ETag", store_str(part, "etag"));
		xml_elem_int(c->b, "Size", store_int(part, "size"));
		dyn_addstr(c->b, "</Part>");
		shown++;
		last = nums[i];
	}
	xml_elem_int(c->b, "NextPartNumberMarker", last);
	xml_elem_bool(c->b, "IsTruncated", truncated);
	dyn_addstr(c->b, "</ListPartsResult>");
}

/* The <Part> list of a CompleteMultipartUpload body. */
struct complete_parse {
	long nums[MAX_PARTS];
	char etags[MAX_PARTS][40];
	int n;
	int in_part, field; /* 1 PartNumber, 2 ETag */
	struct dynbuf text;
	int bad;
};

static void XMLCALL cp_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct complete_parse *p = ud;
	(void)attrs;
	if (strcmp(name, "Part") == 0) {
		if (p->n >= MAX_PARTS) {
			p->bad = 1;
			return;
		}
		p->in_part = 1;
		p->nums[p->n] = 0;
		p->etags[p->n][0] = 0;
	} else if (p->in_part && strcmp(name, "PartNumber") == 0) {
		p->field = 1;
	} else if (p->in_part && strcmp(name, "ETag") == 0) {
		p->field = 2;
	}
	dyn_reset(&p->text);
}

static void XMLCALL cp_text(void *ud, const XML_Char *s, int len)
{
	struct complete_parse *p = ud;
	if (p->field && dyn_add(&p->text, s, (size_t)len))
		p->bad = 1;
}

static void XMLCALL cp_end(void *ud, const XML_Char *name)
{
	struct complete_parse *p = ud;
	if (strcmp(name, "Part") == 0 && p->in_part) {
		p->in_part = 0;
		p->n++;
	} else if (p->field == 1 && strcmp(name, "PartNumber") == 0) {
		p->nums[p->n] = atol(dyn_ptr(&p->text));
	} else if (p->field == 2 && strcmp(name, "ETag") == 0) {
		const char *t = dyn_ptr(&p->text);
		/* S3 accepts the ETag with or without its quotes */
		if (t[0] == '"')
			snprintf(p->etags[p->n], sizeof(p->etags[0]), "%s", t);
		else
			snprintf(p->etags[p->n], sizeof(p->etags[0]), "\"%s\"", t);
	}
	p->field = 0;
}

static void complete_upload(struct s3ctx *c, struct json_object *bk, struct json_object *u)
{
	struct complete_parse *p = calloc(1, sizeof(*p));
	XML_Parser xp = XML_ParserCreate(NULL);
	struct json_object *parts, *o = NULL;
	char *opath = NULL, *tpath = NULL;
	int out = -1;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned long long total = 0;
	char etag[48], *buf = NULL;

	if (!p || !xp || !md || !(buf = malloc(1 << 20))) {
		sim_fail(c->req, c->resp, 500, "InternalError", NULL, "Out of memory");
		goto done;
	}
	dyn_init(&p->text, 4096);
	XML_SetUserData(xp, p);
	XML_SetElementHandler(xp, cp_start, cp_end);
	XML_SetCharacterDataHandler(xp, cp_text);
	if (XML_Parse(xp, dyn_ptr(&c->req->body), (int)dyn_len(&c->req->body), 1) != XML_STATUS_OK || p->bad ||
	    p->n == 0) {
		sim_fail(c->req, c->resp, 400, "MalformedXML",
			 NULL, "The XML you provided was not well-formed or did not validate against our published schema");
		goto done;
	}
	json_object_object_get_ex(u, "parts", &parts);
	for (int i = 0; i < p->n; i++) {
		struct json_object *part;
		char key[16];
		if (i > 0 && p->nums[i] <= p->nums[i - 1]) {
			sim_fail(c->req, c->resp, 400, "InvalidPartOrder", NULL,
				 "The list of parts was not in ascending order. The parts list must be specified in order by part number.");
			goto done;
		}
		snprintf(key, sizeof(key), "%ld", p->nums[i]);
		if (!json_object_object_get_ex(parts, key, &part) || strcmp(store_str(part, "etag"), p->etags[i]) != 0) {
			sim_fail(c->req, c->resp, 400, "InvalidPart", NULL,
				 "One or more of the specified parts could not be found. The part may not have been "
				 "uploaded, or the specified entity tag may not match the part's entity tag.");
			goto done;
		}
		if (i + 1 < p->n && (unsigned long long)store_int(part, "size") < MIN_PART_SIZE) {
			sim_fail(c->req, c->resp, 400, "EntityTooSmall", NULL,
				 "Your proposed upload is smaller than the minimum allowed size");
			goto done;
		}
	}
	/* Concatenate the parts into a temporary file, then rename it in place. */
	opath = object_path(c->sim, c->bucket, c->key);
	tpath = opath ? malloc(strlen(opath) + 8) : NULL;
	if (!tpath) {
		sim_fail(c->req, c->resp, 500, "InternalError", NULL, "Out of memory");
		goto done;
	}
	sprintf(tpath, "%s.mpu", opath);
	out = open(tpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	EVP_DigestInit_ex(md, EVP_md5(), NULL);
	for (int i = 0; i < p->n && out >= 0; i++) {
		struct json_object *part;
		char key[16], *pp;
		unsigned char raw[16];
		const char *hex;
		int in;
		ssize_t r;
		snprintf(key, sizeof(key), "%ld", p->nums[i]);
		json_object_object_get_ex(parts, key, &part);
		hex = store_str(part, "md5");
		for (int j = 0; j < 16; j++) {
			unsigned int byte;
			sscanf(hex + 2 * j, "%2x", &byte);
			raw[j] = (unsigned char)byte;
		}
		EVP_DigestUpdate(md, raw, 16);
		pp = store_path(c->sim->store, "parts/%s.%s", qp(c, "uploadId"), key);
		in = pp ? open(pp, O_RDONLY | O_CLOEXEC) : -1;
		free(pp);
		if (in < 0) {
			close(out);
			out = -1;
			break;
		}
		while ((r = read(in, buf, 1 << 20)) > 0) {
			if (write(out, buf, (size_t)r) != r) {
				r = -1;
				break;
			}
			total += (unsigned long long)r;
		}
		close(in);
		if (r < 0) {
			close(out);
			out = -1;
		}
	}
	if (out < 0 || fsync(out) || close(out) || rename(tpath, opath)) {
		out = -1;
		unlink(tpath);
		sim_fail(c->req, c->resp, 500, "InternalError", NULL, "The object could not be assembled.");
		goto done;
	}
	out = -1;
	{
		unsigned char d[16];
		char hex[33];
		EVP_DigestFinal_ex(md, d, NULL);
		for (int j = 0; j < 16; j++)
			snprintf(hex + 2 * j, 3, "%02x", d[j]);
		snprintf(etag, sizeof(etag), "\"%s-%d\"", hex, p->n);
	}
	o = json_object_new_object();
	store_set_int(o, "size", (long long)total);
	store_set_str(o, "etag", etag);
	store_set_double(o, "modified", c->req->now);
	store_set_int(o, "parts_count", p->n);
	{
		struct json_object *meta, *copy = NULL;
		if (json_object_object_get_ex(u, "meta", &meta)) {
			json_object_deep_copy(meta, &copy, NULL);
			json_object_object_add(o, "meta", copy);
		}
		store_set_str(o, "content_type", store_str(u, "content_type"));
	}
	json_object_object_add(objects_of(bk), c->key, o);
	/* the parts are spent */
	json_object_object_foreach(parts, k, part) {
		char *pp = store_path(c->sim->store, "parts/%s.%s", qp(c, "uploadId"), k);
		(void)part;
		if (pp)
			unlink(pp);
		free(pp);
	}
	json_object_object_del(uploads(c), qp(c, "uploadId"));
	if (sim_save(c->sim, c->req, c->resp, COLL_BUCKETS) || sim_save(c->sim, c->req, c->resp, COLL_UPLOADS))
		goto done;
	c->resp->content_type = "application/xml";
	dyn_addstr(c->b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult xmlns=\"" S3_NS "\">");
	dyn_addstr(c->b, "<Location>");
	xml_escape(c->b, c->req->raw_path);
	dyn_addstr(c->b, "</Location>");
	xml_elem(c->b, "Bucket", c->bucket);
	xml_elem(c->b, "Key", c->key);
	xml_elem(c->b, "ETag", etag);
	dyn_addstr(c->b, "</CompleteMultipartUploadResult>");
done:
	if (out >= 0)
		close(out);
	if (p)
		dyn_free(&p->text);
	free(p);
	free(buf);
	free(opath);
	free(tpath);
	if (xp)
		XML_ParserFree(xp);
	EVP_MD_CTX_free(md);
}

static void abort_upload(struct s3ctx *c, struct json_object *u)
{
	struct json_object *parts;
	json_object_object_get_ex(u, "parts", &parts);
	json_object_object_foreach(parts, k, part) {
		char *pp = store_path(c->sim->store, "parts/%s.%s", qp(c, "uploadId"), k);
		(void)part;
		if (pp)
			unlink(pp);
		free(pp);
	}
	json_object_object_del(uploads(c), qp(c, "uploadId"));
	if (sim_save(c->sim, c->req, c->resp, COLL_UPLOADS))
		return;
	c->resp->status = 204;
}

static void object_op(struct s3ctx *c)
{
	struct json_object *bk = need_bucket(c), *u;
	const char *m = c->req->method;

	if (!bk)
		return;
	if (strcmp(m, "POST") == 0 && qp(c, "uploads")) {
		create_upload(c);
	} else if (qp(c, "uploadId")) {
		if (!(u = find_upload(c)))
			return;
		if (strcmp(m, "PUT") == 0)
			upload_part(c, u);
		else if (strcmp(m, "GET") == 0)
			list_parts(c, u);
		else if (strcmp(m, "POST") == 0)
			complete_upload(c, bk, u);
		else if (strcmp(m, "DELETE") == 0)
			abort_upload(c, u);
		else
			sim_fail(c->req, c->resp, 405, "MethodNotAllowed", NULL,
				 "The specified method is not allowed against this resource.");
	} else if (strcmp(m, "PUT") == 0) {
		put_object(c, bk);
	} else if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0) {
		get_object(c, bk, m[0] == 'H');
	} else if (strcmp(m, "DELETE") == 0) {
		delete_object(c, bk);
	} else {
		sim_fail(c->req, c->resp, 405, "MethodNotAllowed", NULL,
			 "The specified method is not allowed against this resource.");
	}
}

void s3_handle(struct sim *sim, struct sim_req *req, struct sim_resp *resp)
{
	struct s3ctx c = {sim, req, resp, &resp->body, NULL, NULL};
	const char *path = req->decoded_path;
	const char *slash;

	if (!path || path[0] != '/') {
		sim_fail(req, resp, 400, "InvalidURI", NULL, "Couldn't parse the specified URI.");
		return;
	}
	path++;
	if (!*path) {
		if (strcmp(req->method, "GET") == 0)
			list_buckets(&c);
		else
			sim_fail(req, resp, 405, "MethodNotAllowed", NULL,
				 "The specified method is not allowed against this resource.");
		return;
	}
	slash = strchr(path, '/');
	c.bucket = slash ? strndup(path, (size_t)(slash - path)) : strdup(path);
	if (slash && slash[1])
		c.key = strdup(slash + 1);
	if (!c.bucket || (slash && slash[1] && !c.key)) {
		sim_fail(req, resp, 500, "InternalError", NULL, "Out of memory");
	} else if (strlen(c.key ? c.key : "") > 1024) {
		sim_fail(req, resp, 400, "KeyTooLongError", NULL, "Your key is too long");
	} else if (c.key) {
		object_op(&c);
	} else {
		bucket_op(&c);
	}
	free(c.bucket);
	free(c.key);
}
