/* store: amiwiz-sim's state in its data directory, surviving restarts.
 *
 * Records (snapshots, volumes, images, import tasks, idempotency tokens,
 * roles, buckets with their objects, multipart uploads) live in memory as
 * json-c objects keyed by id, one collection per file under DIR/state/; every
 * change rewrites its collection atomically (temp file, fsync, rename).  Bulk
 * bytes (object data, parts, snapshot blocks) are plain files under
 * DIR/objects, DIR/parts and DIR/blocks.
 *
 * Not thread-safe: the server calls it under sim->lock. */
#ifndef AMIWIZ_SIM_STORE_H
#define AMIWIZ_SIM_STORE_H

#include <json-c/json.h>
#include <stddef.h>

struct err;

#define STORE_COLLECTIONS(X)                                                                       \
	X(COLL_SNAPSHOTS, "snapshots")                                                             \
	X(COLL_VOLUMES, "volumes")                                                                 \
	X(COLL_IMAGES, "images")                                                                   \
	X(COLL_TASKS, "import-tasks")                                                              \
	X(COLL_TOKENS, "client-tokens")                                                            \
	X(COLL_ROLES, "roles")                                                                     \
	X(COLL_BUCKETS, "buckets")                                                                 \
	X(COLL_UPLOADS, "uploads")

enum store_coll {
#define X(id, name) id,
	STORE_COLLECTIONS(X)
#undef X
	COLL_MAX
};

struct store;

/* Open (creating when needed) the data directory and load every collection.
 * A collection file that is not valid JSON is an error (nothing is thrown
 * away silently).  Returns 0 and *ret, or -1 with reterr filled. */
int store_open(const char *dir, struct store **ret, struct err *reterr);

/* Free the in-memory state.  Accepts NULL. */
void store_close(struct store *st);

/* The collection: a json object mapping id -> record.  Borrowed. */
struct json_object *store_coll(struct store *st, enum store_coll c);

/* Write one collection to disk atomically.  Returns 0 or -1 with reterr. */
int store_save(struct store *st, enum store_coll c, struct err *reterr);

/* A path under the data directory: "DIR/" + formatted.  malloc'd, or NULL. */
char *store_path(struct store *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write `len` bytes to `path` atomically (temp + fsync + rename + fsync of the
 * directory).  Returns 0 or -1 with reterr. */
int store_write_file(const char *path, const void *data, size_t len, struct err *reterr);

/* Small accessors over json-c that tolerate missing members. */
const char *store_str(struct json_object *o, const char *key);     /* NULL when absent */
long long store_int(struct json_object *o, const char *key);       /* 0 when absent */
double store_double(struct json_object *o, const char *key);       /* 0 when absent */
void store_set_str(struct json_object *o, const char *key, const char *value); /* NULL: delete */
void store_set_int(struct json_object *o, const char *key, long long value);
void store_set_double(struct json_object *o, const char *key, double value);

#endif
