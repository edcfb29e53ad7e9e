/* EC2 Query API of amiwiz-sim: regions, volumes, snapshots, images (with
 * Amazon's PV-GRUB kernel images), tags, and VM Import tasks replaying the
 * timelines measured on real EC2.
 *
 * Records change state lazily: whoever looks at a record first brings it up
 * to date (pending -> completed, import task steps), so time passes even
 * while nobody asks, and across restarts. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/inspect.h"
#include "engine/inspect_kcheck.h"
#include "help/aki.h"
#include "help/unittest.h"
#include "sim/data.h"
#include "sim/ec2_params.h"
#include "sim/ec2_priv.h"
#include "sim/sim.h"
#include "sim/timeline.h"
#include "sim/xml.h"

#define AMAZON_OWNER "137112412989"
#define PAGE_MAX 1000

/* Measured-time delays before records settle (scaled by --speed). */
#define SNAPSHOT_SECONDS 60.0
#define IMAGE_SECONDS 20.0
#define VOLUME_SECONDS 5.0

static const char *const regions[] = {
	"af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-southeast-1", "ap-southeast-2", "ca-central-1", "eu-central-1",
	"eu-north-1", "eu-south-1", "eu-west-1", "eu-west-2", "eu-west-3", "me-south-1",
	"sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
};

struct ctx {
	struct sim *sim;
	struct sim_req *req;
	struct sim_resp *resp;
	const char *action;
	struct dynbuf *b;
};

static const char *param(const struct ctx *c, const char *name)
{
	const char *v = query_get(&c->req->params, name);
	return v && *v ? v : NULL;
}

static const char *paramf(const struct ctx *c, char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static const char *paramf(const struct ctx *c, char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return param(c, buf);
}

static int is_true(const char *v)
{
	return v && strcasecmp(v, "true") == 0;
}

/* --- filters and id lists ------------------------------------------------- */

#define MAX_FILTERS 32
#define MAX_VALUES 64

struct filter {
	const char *name;
	const char *values[MAX_VALUES];
	int n;
};

struct filters {
	struct filter f[MAX_FILTERS];
	int n;
};

/* Values of "Prefix.1", "Prefix.2", ... in index order. */
static int list_param(const struct ctx *c, const char *prefix, const char **out, int max)
{
	int n = 0;
	char name[128];
	for (int i = 1; i <= 10000 && n < max; i++) {
		const char *v = paramf(c, name, sizeof(name), "%s.%d", prefix, i);
		if (!v) {
			if (i > 1 && !paramf(c, name, sizeof(name), "%s.%d", prefix, i + 1))
				break;
			continue;
		}
		out[n++] = v;
	}
	return n;
}

static int parse_filters(const struct ctx *c, const char *prefix, struct filters *fs)
{
	char name[128];
	fs->n = 0;
	for (int i = 1; i <= MAX_FILTERS; i++) {
		const char *fname = paramf(c, name, sizeof(name), "%s.%d.Name", prefix, i);
		struct filter *f;
		if (!fname)
			continue;
		if (fs->n >= MAX_FILTERS)
			break;
		f = &fs->f[fs->n++];
		f->name = fname;
		snprintf(name, sizeof(name), "%s.%d.Value", prefix, i);
		f->n = list_param(c, name, f->values, MAX_VALUES);
	}
	return fs->n;
}

static int value_matches(const struct filter *f, const char *v)
{
	if (!v)
		return 0;
	for (int i = 0; i < f->n; i++)
		if (fnmatch(f->values[i], v, 0) == 0)
			return 1;
	return 0;
}

static int tags_match(const struct filter *f, struct json_object *rec)
{
	struct json_object *tags, *v;
	if (!json_object_object_get_ex(rec, "tags", &tags))
		return 0;
	if (strcmp(f->name, "tag-key") == 0) {
		json_object_object_foreach(tags, k, val) {
			(void)val;
			if (value_matches(f, k))
				return 1;
		}
		return 0;
	}
	if (!json_object_object_get_ex(tags, f->name + 4, &v))
		return 0;
	return value_matches(f, json_object_get_string(v));
}

/* A filter name and the record field it reads: NULL for the record's id, a
 * leading '#' for a number. */
struct filter_field {
	const char *filter;
	const char *field;
};

static const struct filter_field volume_filters[] = {
	{"volume-id", NULL},
	{"status", "state"},
	{"snapshot-id", "snapshot_id"},
	{"availability-zone", "az"},
	{"size", "#size"},
	{"volume-type", "type"},
};

static const struct filter_field snapshot_filters[] = {
	{"snapshot-id", NULL},
	{"status", "state"},
	{"volume-id", "volume_id"},
	{"owner-id", "owner"},
	{"description", "description"},
	{"volume-size", "#size"},
};

#define N_FIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* Whether record `rec` (named `id`) passes filter `f`: 1 or 0, or -1 when
 * `fields` has no such filter (EC2 then answers InvalidParameterValue). */
static int record_matches(const struct filter *f, const char *id, struct json_object *rec,
			  const struct filter_field *fields, size_t n_fields)
{
	if (strncmp(f->name, "tag:", 4) == 0 || strcmp(f->name, "tag-key") == 0)
		return tags_match(f, rec);
	for (size_t i = 0; i < n_fields; i++) {
		if (strcmp(f->name, fields[i].filter) != 0)
			continue;
		if (!fields[i].field)
			return value_matches(f, id);
		if (fields[i].field[0] == '#') {
			char num[24];
			snprintf(num, sizeof(num), "%lld", store_int(rec, fields[i].field + 1));
			return value_matches(f, num);
		}
		return value_matches(f, store_str(rec, fields[i].field));
	}
	return -1;
}

/* --- shared XML pieces ---------------------------------------------------- */

static void add_tags(struct dynbuf *b, struct json_object *rec)
{
	struct json_object *tags;
	if (!json_object_object_get_ex(rec, "tags", &tags) || json_object_object_length(tags) == 0)
		return;
	dyn_addstr(b, "<tagSet>");
	json_object_object_foreach(tags, k, v) {
		dyn_addstr(b, "<item>");
		xml_elem(b, "key", k);
		xml_elem(b, "value", json_object_get_string(v));
		dyn_addstr(b, "</item>");
	}
	dyn_addstr(b, "</tagSet>");
}

static void add_time(struct dynbuf *b, const char *name, double t)
{
	char s[32];
	sim_iso_time(s, t);
	xml_elem(b, name, s);
}

static struct json_object *coll(const struct ctx *c, enum store_coll which)
{
	return store_coll(c->sim->store, which);
}

static struct json_object *lookup(const struct ctx *c, enum store_coll which, const char *id)
{
	struct json_object *r;
	if (id && json_object_object_get_ex(coll(c, which), id, &r) &&
	    strcmp(store_str(r, "region") ? store_str(r, "region") : "", sim_region(c->req)) == 0)
		return r;
	return NULL;
}

/* Apply MaxResults/NextToken to a list of n items: sets [*first, *last). */
static int paginate(const struct ctx *c, int n, int *first, int *last, char next[32])
{
	const char *mr = param(c, "MaxResults");
	const char *nt = param(c, "NextToken");
	long max = PAGE_MAX, start = 0;
	next[0] = 0;
	if (mr) {
		char *end;
		max = strtol(mr, &end, 10);
		if (*end || max < 5 || max > PAGE_MAX)
			return sim_fail(c->req, c->resp, 400, "InvalidParameterValue", NULL,
					"Value (%s) for parameter maxResults is invalid. Expecting a value "
					"between 5 and 1000.", mr);
	}
	if (nt) {
		char *end;
		if (strncmp(nt, "page-", 5) != 0 || (start = strtol(nt + 5, &end, 10)) < 0 || *end ||
		    start > n)
			return sim_fail(c->req, c->resp, 400, "InvalidParameterValue", NULL,
					"Invalid value '%s' for nextToken.", nt);
	}
	*first = (int)start;
	*last = (int)(start + max < n ? start + max : n);
	if (*last < n)
		snprintf(next, 32, "page-%d", *last);
	return 0;
}

/* --- idempotency ---------------------------------------------------------- */

/* A fingerprint of the request's parameters, without the token itself. */
static void fingerprint(const struct ctx *c, struct dynbuf *out)
{
	for (size_t i = 0; i < c->req->params.n; i++) {
		const struct query_param *p = &c->req->params.v[i];
		if (strcmp(p->name, "ClientToken") == 0)
			continue;
		dyn_addf(out, "%s=%s&", p->name, p->value);
	}
}

/* Answer from the token record when the same ClientToken was used before.
 * Returns 1 when answered. */
static int replay_token(const struct ctx *c)
{
	const char *token = param(c, "ClientToken");
	struct json_object *rec;
	struct dynbuf key, fp;
	int answered = 0;

	if (!token)
		return 0;
	dyn_init(&key, 4096);
	dyn_init(&fp, 1024 * 1024);
	dyn_addf(&key, "%s:%s:%s:%s", sim_account(c->req), sim_region(c->req), c->action, token);
	fingerprint(c, &fp);
	if (json_object_object_get_ex(coll(c, COLL_TOKENS), dyn_ptr(&key), &rec)) {
		if (strcmp(store_str(rec, "params") ? store_str(rec, "params") : "", dyn_ptr(&fp)) != 0)
			sim_fail(c->req, c->resp, 400, "IdempotentParameterMismatch", NULL,
				 "Client token already used before with different parameters.");
		else
			dyn_addstr(c->b, store_str(rec, "reply") ? store_str(rec, "reply") : "");
		c->resp->content_type = "text/xml;charset=UTF-8";
		answered = 1;
	}
	dyn_free(&key);
	dyn_free(&fp);
	return answered;
}

static void remember_token(const struct ctx *c)
{
	const char *token = param(c, "ClientToken");
	struct json_object *rec;
	struct dynbuf key, fp;
	if (!token || c->resp->status >= 300)
		return;
	dyn_init(&key, 4096);
	dyn_init(&fp, 1024 * 1024);
	dyn_addf(&key, "%s:%s:%s:%s", sim_account(c->req), sim_region(c->req), c->action, token);
	fingerprint(c, &fp);
	rec = json_object_new_object();
	store_set_str(rec, "params", dyn_ptr(&fp));
	store_set_str(rec, "reply", dyn_ptr(c->b));
	store_set_double(rec, "time", c->req->now);
	json_object_object_add(coll(c, COLL_TOKENS), dyn_ptr(&key), rec);
	sim_save(c->sim, c->req, c->resp, COLL_TOKENS);
	dyn_free(&key);
	dyn_free(&fp);
}

/* --- lazy state ----------------------------------------------------------- */

/* Bring a snapshot, volume or image up to date.  Returns 1 when it changed. */
static int settle(const struct ctx *c, struct json_object *rec, const char *from, const char *to)
{
	const char *state = store_str(rec, "state");
	double at = store_double(rec, "settle_at");
	if (state && strcmp(state, from) == 0 && at > 0 && c->req->now >= at) {
		store_set_str(rec, "state", to);
		return 1;
	}
	return 0;
}

static void settle_all(const struct ctx *c, enum store_coll which, const char *from, const char *to)
{
	int changed = 0;
	json_object_object_foreach(coll(c, which), k, rec) {
		(void)k;
		changed |= settle(c, rec, from, to);
	}
	if (changed)
		sim_save(c->sim, c->req, c->resp, which);
}

/* --- DescribeRegions ------------------------------------------------------ */

static void describe_regions(struct ctx *c)
{
	const char *names[64];
	int nnames = list_param(c, "RegionName", names, 64);
	struct filters fs;

	parse_filters(c, "Filter", &fs);
	for (int i = 0; i < nnames; i++) {
		int known = 0;
		for (size_t r = 0; r < sizeof(regions) / sizeof(regions[0]); r++)
			known |= strcmp(regions[r], names[i]) == 0;
		if (!known) {
			sim_fail(c->req, c->resp, 400, "InvalidParameterValue", NULL, "Invalid region: %s",
				 names[i]);
			return;
		}
	}
	for (int f = 0; f < fs.n; f++)
		if (strcmp(fs.f[f].name, "region-name") && strcmp(fs.f[f].name, "endpoint") &&
		    strcmp(fs.f[f].name, "opt-in-status")) {
			sim_fail(c->req, c->resp, 400, "InvalidParameterValue", NULL,
				 "The filter '%s' is invalid", fs.f[f].name);
			return;
		}
	sim_xml_begin(c->req, c->resp, c->action);
	dyn_addstr(c->b, "<regionInfo>");
	for (size_t r = 0; r < sizeof(regions) / sizeof(regions[0]); r++) {
		char endpoint[96];
		int keep = nnames == 0;
		for (int i = 0; i < nnames; i++)
			keep |= strcmp(regions[r], names[i]) == 0;
		snprintf(endpoint, sizeof(endpoint), "ec2.%s.amazonaws.com", regions[r]);
		for (int f = 0; f < fs.n && keep; f++) {
			const char *v = strcmp(fs.f[f].name, "region-name") == 0 ? regions[r]
					: strcmp(fs.f[f].name, "endpoint") == 0 ? endpoint
										: "opt-in-not-required";
			keep = value_matches(&fs.f[f], v);
		}
		if (!keep)
			continue;
		dyn_addstr(c->b, "<item>");
		xml_elem(c->b, "regionName", regions[r]);
		xml_elem(c->b, "regionEndpoint", endpoint);
		xml_elem(c->b, "optInStatus", "opt-in-not-required");
		dyn_addstr(c->b, "</item>");
	}
	dyn_addstr(c->b, "</regionInfo>");
	sim_xml_end(c->req, c->resp, c->action);
}

/* --- volumes -------------------------------------------------------------- */

static void add_volume(struct dynbuf *b, struct json_object *v)
{
	xml_elem(b, "volumeId", store_str(v, "id"));
	xml_elem_int(b, "size", store_int(v, "size"));
	xml_elem(b, "snapshotId", store_str(v, "snapshot_id") ? store_str(v, "snapshot_id") : "");
	xml_elem(b, "availabilityZone", store_str(v, "az"));
	xml_elem(b, "status", store_str(v, "state"));
	add_time(b, "createTime", store_double(v, "created"));
	dyn_addstr(b, "<attachmentSet/>");
	xml_elem(b, "volumeType", store_str(v, "type"));
	xml_elem_bool(b, "encrypted", 0);
	xml_elem_bool(b, "multiAttachEnabled", 0);
	add_tags(b, v);
}

static const char *const volume_types[] = {"standard", "io1", "io2", "gp2", "sc1", "st1", "gp3", NULL};

static int in_set(const char *const *set, const char *v)
{
	for (; *set; set++)
		if (strcmp(*set, v) == 0)
			return 1;
	return 0;
}

static struct json_object *snapshot_of(const struct ctx *c, const char *id, int need_completed)
{
	struct json_object *s;
	if (strncmp(id, "snap-", 5) != 0 || strlen(id) < 9) {
		sim_fail(c->req, c->resp, 400, "InvalidSnapshotID.Malformed", NULL,
			 "Invalid id: \"%s\" (expecting \"snap-...\")", id);
		return NULL;
	}
	s = lookup(c, COLL_SNAPSHOTS, id);
	if (!s) {
		sim_fail(c->req, c->resp, 400, "InvalidSnapshot.NotFound", NULL,
			 "The snapshot '%s' does not exist.", id);
		return NULL;
	}
	if (settle(c, s, "pending", "completed"))
		sim_save(c->sim, c->req, c->resp, COLL_SNAPSHOTS);
	if (need_completed && strcmp(store_str(s, "state"), "completed") != 0) {
		sim_fail(c->req, c->resp, 400, "IncorrectState", NULL,
			 "Snapshot is in invalid state - %s", store_str(s, "state"));
		return NULL;
	}
	return s;
}

static void create_volume(struct ctx *c)
{
	const char *az = sim_need(c->req, c->resp, "AvailabilityZone");
	const char *size_s = param(c, "Size");
	const char *snap_id = param(c, "SnapshotId");
	const char *type = param(c, "VolumeType");
	struct json_object *snap = NULL, *v;
	long long size = 0;
	char id[32];

	if (!az)
		return;
	if (strncmp(az, sim_region(c->req), strlen(sim_region(c->req))) != 0 ||
	    strlen(az) != strlen(sim_region(c->req)) + 1 || !islower((unsigned char)az[strlen(az) - 1])) {
		sim_fail(c->req, c->resp, 400, "InvalidParameterValue", NULL,
			 "Invalid availability zone: [%s]", az);
		return;
	}
	if (!size_s && !snap_id) {
		sim_fail(c->req, c->resp, 400, "MissingParameter", NULL,
			 "The request must contain the parameter size or snapshotId");
		return;
	}
	if (type && !in_set(volume_types, type)) {
		sim_fail(c->req, c->resp, 400, "InvalidParameterValue", NULL,
			 "Value (%s) for parameter volumeType is invalid.", type);
		return;
	}
	if (snap_id && !(snap = snapshot_of(c, snap_id, 1)))
		return;
	if (size_s) {
		char *end;
		size = strtoll(size_s, &end, 10);
		if (*end || size < 1 || size > 65536) {
			sim_fail(c->req, c->resp, 400, "InvalidParameterValue", NULL,
				 "Value (%s) for parameter size is invalid.", size_s);
			return;
		}
	}
	if (snap && size && size < store_int(snap, "size")) {
		sim_fail(c->req, c->resp, 400, "InvalidParameterValue", NULL,
			 "Volume of %lldGiB is smaller than snapshot '%s', expect size >= %lldGiB", size,
			 snap_id, store_int(snap, "size"));
		return;
	}
	if (!size)
		size = store_int(snap, "size");
	sim_new_id(id, sizeof(id), "vol");
	v = json_object_new_object();
	store_set_str(v, "id", id);
	store_set_str(v, "region", sim_region(c->req));
	store_set_str(v, "owner", sim_account(c->req));
	store_set_str(v, "az", az);
	store_set_int(v, "size", size);
	store_set_str(v, "snapshot_id", snap_id);
	store_set_str(v, "type", type ? type : "gp2");
	store_set_str(v, "state", "creating");
	store_set_double(v, "settle_at", c->req->now + sim_scaled(c->sim, VOLUME_SECONDS));
	store_set_double(v, "created", c->req->now);
	json_object_object_add(v, "tags", json_object_new_object());
	json_object_object_add(coll(c, COLL_VOLUMES), id, v);
	if (sim_save(c->sim, c->req, c->resp, COLL_VOLUMES))
		return;
	sim_xml_begin(c->req, c->resp, c->action);
	add_volume(c->b, v);
	sim_xml_end(c->req, c->resp, c->action);
}

static void describe_volumes(struct ctx *c)
{
	const char *ids[256];
	int nids = list_param(c, "VolumeId", ids, 256);
	struct filters fs;
	struct json_object *hits = json_object_new_array();
	int first, last;
	char next[32];

	parse_filters(c, "Filter", &fs);
	settle_all(c, COLL_VOLUMES, "creating", "available");
	for (int i = 0; i < nids; i++)
		if (!lookup(c, COLL_VOLUMES, ids[i])) {
			sim_fail(c->req, c->resp, 400, "InvalidVolume.NotFound", NULL,
				 "The volume '%s' does not exist.", ids[i]);
			goto out;
		}
	json_object_object_foreach(coll(c, COLL_VOLUMES), k, v) {
		int keep = strcmp(store_str(v, "region"), sim_region(c->req)) == 0;
		if (keep && nids) {
			keep = 0;
			for (int i = 0; i < nids; i++)
				keep |= strcmp(ids[i], k) == 0;
		}
		for (int f = 0; f < fs.n && keep; f++) {
			keep = record_matches(&fs.f[f], k, v, volume_filters, N_FIELDS(volume_filters));
			if (keep < 0) {
				sim_fail(c->req, c->resp, 400, "InvalidParameterValue", NULL,
					 "The filter '%s' is invalid", fs.f[f].name);
				goto out;
			}
		}
		if (keep)
			json_object_array_add(hits, json_object_get(v));
	}
	if (paginate(c, (int)json_object_array_length(hits), &first, &last, next))
		goto out;
	sim_xml_begin(c->req, c->resp, c->action);
	dyn_addstr(c->b, "<volumeSet>");
	for (int i = first; i < last; i++) {
		dyn_addstr(c->b, "<item>");
		add_volume(c->b, json_object_array_get_idx(hits, (size_t)i));
		dyn_addstr(c->b, "</item>");
	}
	dyn_addstr(c->b, "</volumeSet>");
	if (next[0])
		xml_elem(c->b, "nextToken", next);
	sim_xml_end(c->req, c->resp, c->action);
out:
	json_object_put(hits);
}

/* --- snapshots ------------------------------------------------------------ */

static void add_snapshot(const struct ctx *c, struct dynbuf *b, struct json_object *s)
{
	const char *state = store_str(s, "state");
	char progress[8];
	int pct = 100;
	if (strcmp(state, "pending") == 0) {
		double start = store_double(s, "created"), at = store_double(s, "settle_at");
		pct = at > start ? (int)(100.0 * (c->req->now - start) / (at - start)) : 0;
		pct = pct < 0 ? 0 : pct > 99 ? 99 : pct;
	}
	snprintf(progress, sizeof(progress), "%d%%", pct);
	xml_elem(b, "snapshotId", store_str(s, "id"));
	xml_elem(b, "volumeId", store_str(s, "volume_id") ? store_str(s, "volume_id") : "vol-ffffffff");
	xml_elem(b, "status", state);
	add_time(b, "startTime", store_double(s, "created"));
	xml_elem(b, "progress", progress);
	xml_elem(b, "ownerId", store_str(s, "owner"));
	xml_elem_int(b, "volumeSize", store_int(s, "size"));
	xml_elem(b, "description", store_str(s, "description") ? store_str(s, "description") : "");
	xml_elem_bool(b, "encrypted", 0);
	xml_elem(b, "storageTier", "standard");
	add_tags(b, s);
}

/* A new snapshot record in the request's region (not yet saved). */
static struct json_object *new_snapshot(const struct ctx *c, const char *volume_id, long long size,
					const char *description, const char *state)
{
	struct json_object *s = json_object_new_object();
	char id[32];
	sim_new_id(id, sizeof(id), "snap");
	store_set_str(s, "id", id);
	store_set_str(s, "region", sim_region(c->req));
	store_set_str(s, "owner", sim_account(c->req));
	store_set_str(s, "volume_id", volume_id);
	store_set_int(s, "size", size);
	store_set_str(s, "description", description);
	store_set_str(s, "state", state);
	store_set_double(s, "created", c->req->now);
	json_object_object_add(s, "tags", json_object_new_object());
	json_object_object_add(s, "blocks", json_object_new_object());
	json_object_object_add(coll(c, COLL_SNAPSHOTS), id, s);
	return s;
}

static void create_snapshot(struct ctx *c)
{
	const char *vol_id = sim_need(c->req, c->resp, "VolumeId");
	struct json_object *v, *s, *src, *blocks;

	if (!vol_id)
		return;
	v = lookup(c, COLL_VOLUMES, vol_id);
	if (!v) {
		sim_fail(c->req, c->resp, 400, "InvalidVolume.NotFound", NULL,
			 "The volume '%s' does not exist.", vol_id);
		return;
	}
	s = new_snapshot(c, vol_id, store_int(v, "size"), param(c, "Description"), "pending");
	store_set_double(s, "settle_at", c->req->now + sim_scaled(c->sim, SNAPSHOT_SECONDS));
	/* Nothing writes to a volume here, so it still holds its snapshot's blocks. */
	if ((src = lookup(c, COLL_SNAPSHOTS, store_str(v, "snapshot_id"))) &&
	    json_object_object_get_ex(src, "blocks", &blocks)) {
		struct json_object *copy = NULL;
		json_object_deep_copy(blocks, &copy, NULL);
		json_object_object_add(s, "blocks", copy);
		if (blocks_copy(c->sim, store_str(src, "id"), store_str(s, "id"))) {
			json_object_object_del(coll(c, COLL_SNAPSHOTS), store_str(s, "id"));
			sim_fail(c->req, c->resp, 500, "InternalError", NULL, "Cannot copy the volume's data.");
			return;
		}
	}
	if (sim_save(c->sim, c->req, c->resp, COLL_SNAPSHOTS))
		return;
	sim_xml_begin(c->req, c->resp, c->action);
	add_snapshot(c, c->b, s);
	sim_xml_end(c->req, c->resp, c->action);
}

static int snapshot_in_use(const struct ctx *c, const char *snap_id, const char **ret_image)
{
	json_object_object_foreach(coll(c, COLL_IMAGES), k, img) {
		struct json_object *bdm;
		if (!json_object_object_get_ex(img, "bdm", &bdm))
			continue;
		for (size_t i = 0; i < json_object_array_length(bdm); i++) {
			const char *sid = store_str(json_object_array_get_idx(bdm, i), "snapshot_id");
			if (sid && strcmp(sid, snap_id) == 0) {
				*ret_image = k;
				return 1;
			}
		}
	}
	return 0;
}

static void delete_snapshot(struct ctx *c)
{
	const char *id = sim_need(c->req, c->resp, "SnapshotId");
	const char *image;
	if (!id || !snapshot_of(c, id, 0))
		return;
	if (snapshot_in_use(c, id, &image)) {
		sim_fail(c->req, c->resp, 400, "InvalidSnapshot.InUse", NULL,
			 "The snapshot %s is currently in use by %s", id, image);
		return;
	}
	blocks_remove(c->sim, id);
	json_object_object_del(coll(c, COLL_SNAPSHOTS), id);
	if (sim_save(c->sim, c->req, c->resp, COLL_SNAPSHOTS))
		return;
	sim_xml_begin(c->req, c->resp, c->action);
	xml_elem_bool(c->b, "return", 1);
	sim_xml_end(c->req, c->resp, c->action);
}

static int owner_matches(const struct ctx *c, const char *const *owners, int n, const char *owner,
			 const char *alias)
{
	if (n == 0)
		return 1;
	for (int i = 0; i < n; i++) {
		if (strcmp(owners[i], "self") == 0 && strcmp(owner, sim_account(c->req)) == 0)
			return 1;
		if (alias && strcmp(owners[i], alias) == 0)
			return 1;
		if (strcmp(owners[i], owner) == 0)
			return 1;
	}
	return 0;
}

static void describe_snapshots(struct ctx *c)
{
	const char *ids[256], *owners[16];
	int nids = list_param(c, "SnapshotId", ids, 256);
	int nowners = list_param(c, "Owner", owners, 16);
	struct filters fs;
	struct json_object *hits = json_object_new_array();
	int first, last;
	char next[32];

	parse_filters(c, "Filter", &fs);
	settle_all(c, COLL_SNAPSHOTS, "pending", "completed");
	for (int i = 0; i < nids; i++)
		if (!snapshot_of(c, ids[i], 0))
			goto out;
	json_object_object_foreach(coll(c, COLL_SNAPSHOTS), k, s) {
		int keep = strcmp(store_str(s, "region"), sim_region(c->req)) == 0 &&
			   owner_matches(c, owners, nowners, store_str(s, "owner"), NULL);
		if (keep && nids) {
			keep = 0;
			for (int i = 0; i < nids; i++)
				keep |= strcmp(ids[i], k) == 0;
		}
		for (int f = 0; f < fs.n && keep; f++) {
			keep = record_matches(&fs.f[f], k, s, snapshot_filters, N_FIELDS(snapshot_filters));
			if (keep < 0) {
				sim_fail(c->req, c->resp, 400, "InvalidParameterValue", NULL,
					 "The filter '%s' is invalid", fs.f[f].name);
				goto out;
			}
		}
		if (keep)
			json_object_array_add(hits, json_object_get(s));
	}
	if (paginate(c, (int)json_object_array_length(hits), &first, &last, next))
		goto out;
	sim_xml_begin(c->req, c->resp, c->action);
	dyn_addstr(c->b, "<snapshotSet>");
	for (int i = first; i < last; i++) {
		dyn_addstr(c->b, "<item>");
		add_snapshot(c, c->b, json_object_array_get_idx(hits, (size_t)i));
		dyn_addstr(c->b, "</item>");
	}
	dyn_addstr(c->b, "</snapshotSet>");
	if (next[0])
		xml_elem(c->b, "nextToken", next);
	sim_xml_end(c->req, c->resp, c->action);
out:
	json_object_put(hits);
}

/* --- images --------------------------------------------------------------- */

UNITTEST int ec2_valid_ami_name(const char *name)
{
	size_t n = strlen(name);
	if (n < 3 || n > 128)
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("()[] ./-'@_", *p))
			return 0;
	return 1;
}

/* The AKIs the sim serves: the project's catalog (help/aki.h), limited to
 * those whose image name is known.  EC2 shows every AKI with its name, and a
 * name no source states would be an invented fact. */
static const struct aki *served_aki(size_t i)
{
	const struct aki *a = aki_at(i);
	return a && a->image_name && a->version ? a : NULL;
}

static const struct aki *find_aki(const char *region, const char *id)
{
	for (size_t i = 0; i < aki_count(); i++) {
		const struct aki *b = served_aki(i);
		if (b && strcmp(b->id, id) == 0 && (!region || strcmp(b->region, region) == 0))
			return b;
	}
	return NULL;
}

static int fail_code(char code[64], char message[256], const char *c, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail_code(char code[64], char message[256], const char *c, const char *fmt, ...)
{
	va_list ap;
	snprintf(code, 64, "%s", c);
	va_start(ap, fmt);
	vsnprintf(message, 256, fmt, ap);
	va_end(ap);
	return -1;
}

/* "/dev/sda1" and "sda1" name the same device. */
static const char *dev_base(const char *d)
{
	return strncmp(d, "/dev/", 5) == 0 ? d + 5 : d;
}

UNITTEST int ec2_check_register(const struct query *params, const char *region,
				const struct ec2_world *w, char code[64], char message[256])
{
	static const char *const arches[] = {"i386", "x86_64", "arm64", "x86_64_mac", "arm64_mac", NULL};
	static const char *const boot_modes[] = {"legacy-bios", "uefi", "uefi-preferred", NULL};
	const char *name = query_get(params, "Name");
	const char *virt = query_get(params, "VirtualizationType");
	const char *arch = query_get(params, "Architecture");
	const char *kernel = query_get(params, "KernelId");
	const char *root = query_get(params, "RootDeviceName");
	const char *location = query_get(params, "ImageLocation");
	const char *boot = query_get(params, "BootMode");
	const char *ena = query_get(params, "EnaSupport");
	const char *sriov = query_get(params, "SriovNetSupport");
	const char *imds = query_get(params, "ImdsSupport");
	const char *tpm = query_get(params, "TpmSupport");
	const char *other;
	int root_found = 0, nmap = 0;
	char key[96];

	if (!name || !*name)
		return fail_code(code, message, "MissingParameter", "The request must contain the parameter name");
	if (!ec2_valid_ami_name(name))
		return fail_code(code, message, "InvalidAMIName.Malformed",
				 "AMI names must be between 3 and 128 characters long, and may contain "
				 "letters, numbers, '(', ')', '.', '-', '/' and '_'");
	if ((other = w->image_named(w->cls, name)))
		return fail_code(code, message, "InvalidAMIName.Duplicate",
				 "AMI name %s is already in use by AMI %s", name, other);
	if (!virt || !*virt)
		virt = "paravirtual"; /* EC2's default */
	if (strcmp(virt, "hvm") && strcmp(virt, "paravirtual"))
		return fail_code(code, message, "InvalidParameterValue",
				 "Value (%s) for parameter virtualizationType is invalid. Valid values: hvm, paravirtual",
				 virt);
	if (arch && *arch && !in_set(arches, arch))
		return fail_code(code, message, "InvalidParameterValue",
				 "Value (%s) for parameter architecture is invalid.", arch);
	if (boot && *boot && !in_set(boot_modes, boot))
		return fail_code(code, message, "InvalidParameterValue",
				 "Value (%s) for parameter bootMode is invalid. Valid values: legacy-bios, uefi, uefi-preferred",
				 boot);
	if (imds && *imds && strcmp(imds, "v2.0"))
		return fail_code(code, message, "InvalidParameterValue",
				 "Value (%s) for parameter imdsSupport is invalid.", imds);
	if (tpm && *tpm && strcmp(tpm, "v2.0"))
		return fail_code(code, message, "InvalidParameterValue",
				 "Value (%s) for parameter tpmSupport is invalid.", tpm);
	if (sriov && *sriov && strcmp(sriov, "simple"))
		return fail_code(code, message, "InvalidParameterValue",
				 "Value (%s) for parameter sriovNetSupport is invalid.", sriov);
	if (strcmp(virt, "paravirtual") == 0) {
		if (ena && strcasecmp(ena, "true") == 0)
			return fail_code(code, message, "InvalidParameterCombination",
					 "Enhanced networking with the ENA is supported only for HVM AMIs.");
		if (sriov && *sriov)
			return fail_code(code, message, "InvalidParameterCombination",
					 "SriovNetSupport is supported only for HVM AMIs.");
		if (boot && *boot && strcmp(boot, "legacy-bios"))
			return fail_code(code, message, "InvalidParameterCombination",
					 "Boot mode %s is supported only for HVM AMIs.", boot);
	}
	if (kernel && *kernel) {
		if (strncmp(kernel, "aki-", 4) || strlen(kernel) < 12 ||
		    strspn(kernel + 4, "0123456789abcdef") != strlen(kernel + 4))
			return fail_code(code, message, "InvalidKernelId.Malformed",
					 "Invalid id: \"%s\" (expecting \"aki-...\")", kernel);
		if (strcmp(virt, "hvm") == 0)
			return fail_code(code, message, "InvalidParameterCombination",
					 "A kernel ID can only be given for paravirtual AMIs.");
		if (!find_aki(region, kernel))
			return fail_code(code, message, "InvalidAMIID.NotFound",
					 "The image id '[%s]' does not exist", kernel);
	}
	if (location && *location)
		return 0; /* instance-store image: the manifest says the rest */
	if (!root || !*root)
		return fail_code(code, message, "MissingParameter",
				 "The request must contain the parameter rootDeviceName");
	for (int i = 1; i <= 64; i++) {
		const char *dev, *snap, *vsize, *vtype, *vname, *nodev;
		long long snap_size = 0;
		snprintf(key, sizeof(key), "BlockDeviceMapping.%d.DeviceName", i);
		if (!(dev = query_get(params, key)))
			continue;
		nmap++;
		snprintf(key, sizeof(key), "BlockDeviceMapping.%d.Ebs.SnapshotId", i);
		snap = query_get(params, key);
		snprintf(key, sizeof(key), "BlockDeviceMapping.%d.Ebs.VolumeSize", i);
		vsize = query_get(params, key);
		snprintf(key, sizeof(key), "BlockDeviceMapping.%d.Ebs.VolumeType", i);
		vtype = query_get(params, key);
		snprintf(key, sizeof(key), "BlockDeviceMapping.%d.VirtualName", i);
		vname = query_get(params, key);
		snprintf(key, sizeof(key), "BlockDeviceMapping.%d.NoDevice", i);
		nodev = query_get(params, key);
		if (!snap && !vsize && !vname && !nodev)
			return fail_code(code, message, "InvalidBlockDeviceMapping",
					 "The block device mapping for %s must name a snapshot or a volume size.", dev);
		if (vtype && !in_set(volume_types, vtype))
			return fail_code(code, message, "InvalidParameterValue",
					 "Value (%s) for parameter volumeType is invalid.", vtype);
		if (snap) {
			const char *st;
			if (strncmp(snap, "snap-", 5) || strlen(snap) < 9)
				return fail_code(code, message, "InvalidSnapshotID.Malformed",
						 "Invalid id: \"%s\" (expecting \"snap-...\")", snap);
			st = w->snapshot_state(w->cls, snap, &snap_size);
			if (!st)
				return fail_code(code, message, "InvalidSnapshot.NotFound",
						 "The snapshot '%s' does not exist.", snap);
			if (strcmp(st, "completed"))
				return fail_code(code, message, "IncorrectState",
						 "Snapshot '%s' is in invalid state - %s", snap, st);
			if (vsize && atoll(vsize) < snap_size)
				return fail_code(code, message, "InvalidBlockDeviceMapping",
						 "Volume of size %sGiB is smaller than snapshot '%s', expect size >= %lldGiB",
						 vsize, snap, snap_size);
		}
		if (strcmp(dev_base(dev), dev_base(root)) == 0) {
			root_found = 1;
			if (!snap)
				return fail_code(code, message, "InvalidBlockDeviceMapping",
						 "The root device %s must be created from a snapshot.", root);
		}
	}
	if (nmap == 0 || !root_found)
		return fail_code(code, message, "InvalidBlockDeviceMapping",
				 "The root device name %s is not in the block device mapping.", root);
	return 0;
}

struct world_cls {
	struct ctx *c;
	char found[32];
};

static const char *world_snapshot(void *cls, const char *id, long long *ret_size)
{
	struct world_cls *w = cls;
	struct json_object *s = lookup(w->c, COLL_SNAPSHOTS, id);
	if (!s)
		return NULL;
	if (settle(w->c, s, "pending", "completed"))
		sim_save(w->c->sim, w->c->req, w->c->resp, COLL_SNAPSHOTS);
	*ret_size = store_int(s, "size");
	return store_str(s, "state");
}

static const char *world_image(void *cls, const char *name)
{
	struct world_cls *w = cls;
	json_object_object_foreach(coll(w->c, COLL_IMAGES), k, img) {
		if (strcmp(store_str(img, "region"), sim_region(w->c->req)) == 0 &&
		    strcmp(store_str(img, "owner"), sim_account(w->c->req)) == 0 &&
		    strcmp(store_str(img, "name"), name) == 0) {
			snprintf(w->found, sizeof(w->found), "%s", k);
			return w->found;
		}
	}
	return NULL;
}

static struct json_object *new_image(const struct ctx *c, const char *name)
{
	struct json_object *img = json_object_new_object();
	char id[32];
	sim_new_id(id, sizeof(id), "ami");
	store_set_str(img, "id", id);
	store_set_str(img, "region", sim_region(c->req));
	store_set_str(img, "owner", sim_account(c->req));
	store_set_str(img, "name", name);
	store_set_str(img, "state", "pending");
	store_set_double(img, "created", c->req->now);
	store_set_double(img, "settle_at", c->req->now + sim_scaled(c->sim, IMAGE_SECONDS));
	json_object_object_add(img, "tags", json_object_new_object());
	json_object_object_add(img, "bdm", json_object_new_array());
	json_object_object_add(coll(c, COLL_IMAGES), id, img);
	return img;
}

static void register_image(struct ctx *c)
{
	struct world_cls wc = {.c = c};
	struct ec2_world w = {world_snapshot, world_image, &wc};
	char code[64], message[256], key[96];
	struct json_object *img, *bdm;
	const char *v;

	if (ec2_check_register(&c->req->params, sim_region(c->req), &w, code, message)) {
		sim_fail(c->req, c->resp, 400, code, NULL, "%s", message);
		return;
	}
	img = new_image(c, param(c, "Name"));
	store_set_str(img, "description", param(c, "Description"));
	store_set_str(img, "arch", param(c, "Architecture") ? param(c, "Architecture") : "i386");
	store_set_str(img, "virt", param(c, "VirtualizationType") ? param(c, "VirtualizationType") : "paravirtual");
	store_set_str(img, "kernel", param(c, "KernelId"));
	store_set_str(img, "ramdisk", param(c, "RamdiskId"));
	store_set_str(img, "root", param(c, "RootDeviceName"));
	store_set_str(img, "location", param(c, "ImageLocation"));
	store_set_str(img, "boot_mode", param(c, "BootMode"));
	store_set_str(img, "sriov", param(c, "SriovNetSupport"));
	store_set_str(img, "imds", param(c, "ImdsSupport"));
	store_set_str(img, "tpm", param(c, "TpmSupport"));
	json_object_object_add(img, "ena", json_object_new_boolean(is_true(param(c, "EnaSupport"))));
	json_object_object_get_ex(img, "bdm", &bdm);
	for (int i = 1; i <= 64; i++) {
		struct json_object *m;
		const char *dev = paramf(c, key, sizeof(key), "BlockDeviceMapping.%d.DeviceName", i);
		const char *snap;
		if (!dev)
			continue;
		m = json_object_new_object();
		store_set_str(m, "device", dev);
		snap = paramf(c, key, sizeof(key), "BlockDeviceMapping.%d.Ebs.SnapshotId", i);
		store_set_str(m, "snapshot_id", snap);
		v = paramf(c, key, sizeof(key), "BlockDeviceMapping.%d.Ebs.VolumeSize", i);
		if (v)
			store_set_int(m, "size", atoll(v));
		else if (snap)
			store_set_int(m, "size", store_int(lookup(c, COLL_SNAPSHOTS, snap), "size"));
		v = paramf(c, key, sizeof(key), "BlockDeviceMapping.%d.Ebs.VolumeType", i);
		store_set_str(m, "type", v ? v : (snap || paramf(c, key, sizeof(key), "BlockDeviceMapping.%d.Ebs.VolumeSize", i)) ? "standard" : NULL);
		v = paramf(c, key, sizeof(key), "BlockDeviceMapping.%d.Ebs.DeleteOnTermination", i);
		json_object_object_add(m, "delete_on_termination", json_object_new_boolean(!v || is_true(v)));
		store_set_str(m, "virtual_name", paramf(c, key, sizeof(key), "BlockDeviceMapping.%d.VirtualName", i));
		json_object_array_add(bdm, m);
	}
	if (sim_save(c->sim, c->req, c->resp, COLL_IMAGES))
		return;
	sim_xml_begin(c->req, c->resp, c->action);
	xml_elem(c->b, "imageId", store_str(img, "id"));
	sim_xml_end(c->req, c->resp, c->action);
}

/* One row of DescribeImages, whether ours or one of Amazon's kernels. */
struct image_view {
	const char *id, *name, *owner, *alias, *type, *arch, *state, *virt, *location, *kernel;
	const char *description, *root_type, *root;
	int is_public;
	struct json_object *rec; /* NULL for an AKI */
};

static const char *image_field(const struct image_view *v, const char *filter, int *ok)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{"image-id", offsetof(struct image_view, id)},
		{"name", offsetof(struct image_view, name)},
		{"owner-id", offsetof(struct image_view, owner)},
		{"owner-alias", offsetof(struct image_view, alias)},
		{"image-type", offsetof(struct image_view, type)},
		{"architecture", offsetof(struct image_view, arch)},
		{"state", offsetof(struct image_view, state)},
		{"virtualization-type", offsetof(struct image_view, virt)},
		{"manifest-location", offsetof(struct image_view, location)},
		{"kernel-id", offsetof(struct image_view, kernel)},
		{"description", offsetof(struct image_view, description)},
		{"root-device-type", offsetof(struct image_view, root_type)},
		{"root-device-name", offsetof(struct image_view, root)},
	};
	*ok = 1;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(fields[i].name, filter) == 0)
			return *(const char *const *)((const char *)v + fields[i].off);
	if (strcmp(filter, "is-public") == 0)
		return v->is_public ? "true" : "false";
	if (strcmp(filter, "hypervisor") == 0)
		return "xen";
	*ok = 0;
	return NULL;
}

static void add_image(struct dynbuf *b, const struct image_view *v)
{
	struct json_object *r = v->rec, *bdm, *ena;
	xml_elem(b, "imageId", v->id);
	xml_elem(b, "imageLocation", v->location);
	xml_elem(b, "imageState", v->state);
	xml_elem(b, "imageOwnerId", v->owner);
	if (r)
		add_time(b, "creationDate", store_double(r, "created"));
	xml_elem_bool(b, "isPublic", v->is_public);
	xml_elem(b, "architecture", v->arch);
	xml_elem(b, "imageType", v->type);
	xml_elem(b, "kernelId", v->kernel);
	if (r)
		xml_elem(b, "ramdiskId", store_str(r, "ramdisk"));
	xml_elem(b, "imageOwnerAlias", v->alias);
	xml_elem(b, "name", v->name);
	xml_elem(b, "description", v->description);
	xml_elem(b, "rootDeviceType", v->root_type);
	xml_elem(b, "rootDeviceName", v->root);
	if (r && json_object_object_get_ex(r, "bdm", &bdm) && json_object_array_length(bdm)) {
		dyn_addstr(b, "<blockDeviceMapping>");
		for (size_t i = 0; i < json_object_array_length(bdm); i++) {
			struct json_object *m = json_object_array_get_idx(bdm, i), *dot;
			dyn_addstr(b, "<item>");
			xml_elem(b, "deviceName", store_str(m, "device"));
			xml_elem(b, "virtualName", store_str(m, "virtual_name"));
			if (store_str(m, "snapshot_id") || store_int(m, "size")) {
				dyn_addstr(b, "<ebs>");
				xml_elem(b, "snapshotId", store_str(m, "snapshot_id"));
				xml_elem_int(b, "volumeSize", store_int(m, "size"));
				json_object_object_get_ex(m, "delete_on_termination", &dot);
				xml_elem_bool(b, "deleteOnTermination", json_object_get_boolean(dot));
				xml_elem(b, "volumeType", store_str(m, "type"));
				xml_elem_bool(b, "encrypted", 0);
				dyn_addstr(b, "</ebs>");
			}
			dyn_addstr(b, "</item>");
		}
		dyn_addstr(b, "</blockDeviceMapping>");
	}
	xml_elem(b, "virtualizationType", v->virt);
	xml_elem(b, "hypervisor", "xen");
	if (r) {
		if (json_object_object_get_ex(r, "ena", &ena))
			xml_elem_bool(b, "enaSupport", json_object_get_boolean(ena));
		xml_elem(b, "sriovNetSupport", store_str(r, "sriov"));
		xml_elem(b, "bootMode", store_str(r, "boot_mode"));
		xml_elem(b, "imdsSupport", store_str(r, "imds"));
		xml_elem(b, "tpmSupport", store_str(r, "tpm"));
		xml_elem(b, "platformDetails", "Linux/UNIX");
		xml_elem(b, "usageOperation", "RunInstances");
		add_tags(b, r);
	}
}

static void image_from_aki(struct image_view *v, const struct aki *a, char *location, size_t lsize,
			   char *desc, size_t dsize)
{
	memset(v, 0, sizeof(*v));
	snprintf(location, lsize, "ec2-public-images/%s.manifest.xml", a->image_name);
	snprintf(desc, dsize, "PV-GRUB release %s, %s", a->version,
		 strcmp(a->arch, "i386") == 0 ? "32-bit" : "64-bit");
	v->id = a->id;
	v->name = a->image_name;
	v->owner = AMAZON_OWNER;
	v->alias = "amazon";
	v->type = "kernel";
	v->arch = a->arch;
	v->state = "available";
	v->virt = "paravirtual";
	v->location = location;
	v->description = desc;
	v->root_type = "instance-store";
	v->is_public = 1;
}

static void image_from_rec(struct image_view *v, struct json_object *r)
{
	memset(v, 0, sizeof(*v));
	v->rec = r;
	v->id = store_str(r, "id");
	v->name = store_str(r, "name");
	v->owner = store_str(r, "owner");
	v->type = "machine";
	v->arch = store_str(r, "arch");
	v->state = store_str(r, "state");
	v->virt = store_str(r, "virt");
	v->location = store_str(r, "location");
	v->kernel = store_str(r, "kernel");
	v->description = store_str(r, "description");
	v->root_type = store_str(r, "location") ? "instance-store" : "ebs";
	v->root = store_str(r, "root");
}

static void describe_images(struct ctx *c)
{
	const char *ids[256], *owners[16], *exec[4];
	int nids = list_param(c, "ImageId", ids, 256);
	int nowners = list_param(c, "Owner", owners, 16);
	int nexec = list_param(c, "ExecutableBy", exec, 4);
	struct filters fs;
	struct image_view *rows = NULL;
	char (*loc)[128] = NULL, (*desc)[64] = NULL;
	size_t nrows = 0, cap;
	int first, last;
	char next[32];
	(void)nexec;

	parse_filters(c, "Filter", &fs);
	settle_all(c, COLL_IMAGES, "pending", "available");
	cap = aki_count() + (size_t)json_object_object_length(coll(c, COLL_IMAGES)) + 1;
	rows = calloc(cap, sizeof(*rows));
	loc = calloc(aki_count() + 1, sizeof(*loc));
	desc = calloc(aki_count() + 1, sizeof(*desc));
	if (!rows || !loc || !desc) {
		sim_fail(c->req, c->resp, 500, "InternalError", NULL, "Out of memory");
		goto out;
	}
	for (int i = 0; i < nids; i++) {
		int found = 0;
		if ((strncmp(ids[i], "ami-", 4) && strncmp(ids[i], "aki-", 4) && strncmp(ids[i], "ari-", 4)) ||
		    strlen(ids[i]) < 12) {
			sim_fail(c->req, c->resp, 400, "InvalidAMIID.Malformed", NULL,
				 "Invalid id: \"%s\" (expecting \"ami-...\")", ids[i]);
			goto out;
		}
		found = lookup(c, COLL_IMAGES, ids[i]) || find_aki(sim_region(c->req), ids[i]);
		if (!found) {
			sim_fail(c->req, c->resp, 400, "InvalidAMIID.NotFound", NULL,
				 "The image id '[%s]' does not exist", ids[i]);
			goto out;
		}
	}
	json_object_object_foreach(coll(c, COLL_IMAGES), k, img) {
		(void)k;
		if (strcmp(store_str(img, "region"), sim_region(c->req)) == 0 &&
		    (nids || strcmp(store_str(img, "owner"), sim_account(c->req)) == 0))
			image_from_rec(&rows[nrows++], img);
	}
	for (size_t i = 0; i < aki_count(); i++) {
		const struct aki *a = served_aki(i);
		if (a && strcmp(a->region, sim_region(c->req)) == 0)
			image_from_aki(&rows[nrows++], a, loc[i], sizeof(loc[i]), desc[i],
				       sizeof(desc[i]));
	}
	/* keep only what the owners, ids and filters select */
	size_t kept = 0;
	for (size_t r = 0; r < nrows; r++) {
		int keep = owner_matches(c, owners, nowners, rows[r].owner, rows[r].alias);
		if (keep && nids) {
			keep = 0;
			for (int i = 0; i < nids; i++)
				keep |= strcmp(ids[i], rows[r].id) == 0;
		}
		for (int f = 0; f < fs.n && keep; f++) {
			int ok;
			const char *val;
			if (strncmp(fs.f[f].name, "tag:", 4) == 0 || strcmp(fs.f[f].name, "tag-key") == 0) {
				keep = rows[r].rec && tags_match(&fs.f[f], rows[r].rec);
				continue;
			}
			val = image_field(&rows[r], fs.f[f].name, &ok);
			if (!ok) {
				sim_fail(c->req, c->resp, 400, "InvalidParameterValue", NULL,
					 "The filter '%s' is invalid", fs.f[f].name);
				goto out;
			}
			keep = value_matches(&fs.f[f], val);
		}
		if (keep)
			rows[kept++] = rows[r];
	}
	if (paginate(c, (int)kept, &first, &last, next))
		goto out;
	sim_xml_begin(c->req, c->resp, c->action);
	dyn_addstr(c->b, "<imagesSet>");
	for (int i = first; i < last; i++) {
		dyn_addstr(c->b, "<item>");
		add_image(c->b, &rows[i]);
		dyn_addstr(c->b, "</item>");
	}
	dyn_addstr(c->b, "</imagesSet>");
	if (next[0])
		xml_elem(c->b, "nextToken", next);
	sim_xml_end(c->req, c->resp, c->action);
out:
	free(rows);
	free(loc);
	free(desc);
}

static struct json_object *image_of(struct ctx *c, const char *id, const char *region)
{
	struct json_object *img;
	if (strncmp(id, "ami-", 4) || strlen(id) < 12) {
		sim_fail(c->req, c->resp, 400, "InvalidAMIID.Malformed", NULL,
			 "Invalid id: \"%s\" (expecting \"ami-...\")", id);
		return NULL;
	}
	if (!json_object_object_get_ex(coll(c, COLL_IMAGES), id, &img) ||
	    strcmp(store_str(img, "region"), region) != 0) {
		sim_fail(c->req, c->resp, 400, "InvalidAMIID.NotFound", NULL,
			 "The image id '[%s]' does not exist", id);
		return NULL;
	}
	return img;
}

static void deregister_image(struct ctx *c)
{
	const char *id = sim_need(c->req, c->resp, "ImageId");
	if (!id || !image_of(c, id, sim_region(c->req)))
		return;
	json_object_object_del(coll(c, COLL_IMAGES), id);
	if (sim_save(c->sim, c->req, c->resp, COLL_IMAGES))
		return;
	sim_xml_begin(c->req, c->resp, c->action);
	xml_elem_bool(c->b, "return", 1);
	sim_xml_end(c->req, c->resp, c->action);
}

static void copy_image(struct ctx *c)
{
	const char *src_id = sim_need(c->req, c->resp, "SourceImageId");
	const char *src_region = src_id ? sim_need(c->req, c->resp, "SourceRegion") : NULL;
	const char *name = src_region ? sim_need(c->req, c->resp, "Name") : NULL;
	struct json_object *src, *img, *bdm = NULL, *tags = NULL, *snaps;
	struct world_cls wc = {.c = c};

	if (!name || !(src = image_of(c, src_id, src_region)))
		return;
	settle(c, src, "pending", "available");
	if (strcmp(store_str(src, "state"), "available") != 0) {
		sim_fail(c->req, c->resp, 400, "IncorrectState", NULL,
			 "Image %s is not in the available state.", src_id);
		return;
	}
	if (!ec2_valid_ami_name(name)) {
		sim_fail(c->req, c->resp, 400, "InvalidAMIName.Malformed", NULL,
			 "AMI names must be between 3 and 128 characters long.");
		return;
	}
	if (world_image(&wc, name)) {
		sim_fail(c->req, c->resp, 400, "InvalidAMIName.Duplicate", NULL,
			 "AMI name %s is already in use by AMI %s", name, wc.found);
		return;
	}
	img = new_image(c, name);
	json_object_object_foreach(src, k, v) {
		if (strcmp(k, "id") && strcmp(k, "region") && strcmp(k, "name") && strcmp(k, "state") &&
		    strcmp(k, "created") && strcmp(k, "settle_at") && strcmp(k, "tags")) {
			struct json_object *copy = NULL;
			json_object_deep_copy(v, &copy, NULL);
			json_object_object_add(img, k, copy);
		}
	}
	store_set_str(img, "description", param(c, "Description") ? param(c, "Description") : store_str(src, "description"));
	if (is_true(param(c, "CopyImageTags")) && json_object_object_get_ex(src, "tags", &tags)) {
		struct json_object *copy = NULL;
		json_object_deep_copy(tags, &copy, NULL);
		json_object_object_add(img, "tags", copy);
	}
	/* The copy gets its own snapshots in the target region. */
	snaps = coll(c, COLL_SNAPSHOTS);
	json_object_object_get_ex(img, "bdm", &bdm);
	for (size_t i = 0; bdm && i < json_object_array_length(bdm); i++) {
		struct json_object *m = json_object_array_get_idx(bdm, i), *old, *ns, *blocks, *copy = NULL;
		const char *sid = store_str(m, "snapshot_id");
		if (!sid || !json_object_object_get_ex(snaps, sid, &old))
			continue;
		ns = new_snapshot(c, store_str(old, "volume_id"), store_int(old, "size"), "Copied for CopyImage",
				  "completed");
		if (json_object_object_get_ex(old, "blocks", &blocks)) {
			json_object_deep_copy(blocks, &copy, NULL);
			json_object_object_add(ns, "blocks", copy);
			blocks_copy(c->sim, sid, store_str(ns, "id"));
		}
		store_set_str(m, "snapshot_id", store_str(ns, "id"));
	}
	if (sim_save(c->sim, c->req, c->resp, COLL_SNAPSHOTS) || sim_save(c->sim, c->req, c->resp, COLL_IMAGES))
		return;
	sim_xml_begin(c->req, c->resp, c->action);
	xml_elem(c->b, "imageId", store_str(img, "id"));
	sim_xml_end(c->req, c->resp, c->action);
}

/* --- tags ----------------------------------------------------------------- */

static void create_tags(struct ctx *c)
{
	const char *ids[64];
	int nids = list_param(c, "ResourceId", ids, 64);
	struct json_object *recs[64];
	enum store_coll colls[64];
	char key[64];

	if (nids == 0) {
		sim_need(c->req, c->resp, "ResourceId.1");
		return;
	}
	for (int i = 0; i < nids; i++) {
		const char *code = "InvalidID";
		colls[i] = COLL_MAX;
		if (strncmp(ids[i], "snap-", 5) == 0)
			colls[i] = COLL_SNAPSHOTS, code = "InvalidSnapshot.NotFound";
		else if (strncmp(ids[i], "vol-", 4) == 0)
			colls[i] = COLL_VOLUMES, code = "InvalidVolume.NotFound";
		else if (strncmp(ids[i], "ami-", 4) == 0)
			colls[i] = COLL_IMAGES, code = "InvalidAMIID.NotFound";
		else if (strncmp(ids[i], "import-", 7) == 0)
			colls[i] = COLL_TASKS, code = "InvalidConversionTaskId";
		recs[i] = colls[i] == COLL_MAX ? NULL : lookup(c, colls[i], ids[i]);
		if (!recs[i]) {
			sim_fail(c->req, c->resp, 400, code, NULL, "The ID '%s' is not valid or does not exist",
				 ids[i]);
			return;
		}
	}
	for (int t = 1; t <= 50; t++) {
		const char *k = paramf(c, key, sizeof(key), "Tag.%d.Key", t);
		const char *v = paramf(c, key, sizeof(key), "Tag.%d.Value", t);
		if (!k)
			continue;
		if (strlen(k) > 128 || strncmp(k, "aws:", 4) == 0) {
			sim_fail(c->req, c->resp, 400, "InvalidParameterValue", NULL,
				 "Tag keys must be at most 128 characters and may not start with aws:");
			return;
		}
		for (int i = 0; i < nids; i++) {
			struct json_object *tags;
			if (!json_object_object_get_ex(recs[i], "tags", &tags)) {
				tags = json_object_new_object();
				json_object_object_add(recs[i], "tags", tags);
			}
			json_object_object_add(tags, k, json_object_new_string(v ? v : ""));
		}
	}
	for (int i = 0; i < nids; i++)
		if (sim_save(c->sim, c->req, c->resp, colls[i]))
			return;
	sim_xml_begin(c->req, c->resp, c->action);
	xml_elem_bool(c->b, "return", 1);
	sim_xml_end(c->req, c->resp, c->action);
}

/* --- import tasks --------------------------------------------------------- */

/* Bring an import task to where its timeline says it is now; on success
 * create its snapshot (and image).  Returns 1 when the record changed. */
static int advance_task(struct ctx *c, struct json_object *t)
{
	const struct sim_timeline *tl = timeline_find(store_str(t, "timeline"));
	struct timeline_view view;
	int idx;
	if (!tl || store_str(t, "cancelled") || store_str(t, "snapshot_id"))
		return 0;
	idx = timeline_index(tl, (c->req->now - store_double(t, "created")) * c->sim->cfg.speed,
			     c->sim->cfg.stuck_state);
	timeline_view(tl, idx, &view);
	if (!view.succeeded)
		return 0;
	{
		unsigned long long bytes = 0;
		char *path = NULL;
		long long gib;
		struct json_object *s, *blocks, *img, *bdm, *m;
		if (s3_object_file(c->sim, store_str(t, "bucket"), store_str(t, "key"), &path, &bytes))
			bytes = 0;
		gib = (long long)((bytes + (1ULL << 30) - 1) >> 30);
		s = new_snapshot(c, "vol-ffffffff", gib ? gib : 1,
				 store_str(t, "kind")[0] == 'i' ? "Created by AWS-VMImport service" : store_str(t, "description"),
				 "completed");
		store_set_double(s, "created", store_double(t, "created"));
		json_object_object_get_ex(s, "blocks", &blocks);
		if (path && strcasecmp(store_str(t, "format") ? store_str(t, "format") : "", "raw") == 0)
			blocks_from_file(c->sim, store_str(s, "id"), path, blocks);
		free(path);
		store_set_str(t, "snapshot_id", store_str(s, "id"));
		if (strcmp(store_str(t, "kind"), "image") == 0) {
			img = new_image(c, store_str(t, "id"));
			store_set_str(img, "state", "available");
			store_set_str(img, "arch", store_str(t, "arch"));
			store_set_str(img, "virt", "hvm");
			store_set_str(img, "root", "/dev/sda1");
			store_set_str(img, "boot_mode", store_str(t, "boot_mode"));
			store_set_str(img, "description", store_str(t, "description"));
			json_object_object_add(img, "ena", json_object_new_boolean(1));
			json_object_object_get_ex(img, "bdm", &bdm);
			m = json_object_new_object();
			store_set_str(m, "device", "/dev/sda1");
			store_set_str(m, "snapshot_id", store_str(s, "id"));
			store_set_int(m, "size", store_int(s, "size"));
			store_set_str(m, "type", "gp2");
			json_object_object_add(m, "delete_on_termination", json_object_new_boolean(1));
			json_object_array_add(bdm, m);
			store_set_str(t, "image_id", store_str(img, "id"));
			sim_save(c->sim, c->req, c->resp, COLL_IMAGES);
		}
		sim_save(c->sim, c->req, c->resp, COLL_SNAPSHOTS);
	}
	return 1;
}

static void add_user_bucket(struct dynbuf *b, struct json_object *t)
{
	if (!store_str(t, "bucket"))
		return;
	dyn_addstr(b, "<userBucket>");
	xml_elem(b, "s3Bucket", store_str(t, "bucket"));
	xml_elem(b, "s3Key", store_str(t, "key"));
	dyn_addstr(b, "</userBucket>");
}

static void add_task(struct ctx *c, struct json_object *t)
{
	const struct sim_timeline *tl = timeline_find(store_str(t, "timeline"));
	struct timeline_view view = {0};
	struct dynbuf *b = c->b;
	char pct[8], size[32];
	int image = strcmp(store_str(t, "kind"), "image") == 0;

	if (store_str(t, "cancelled")) {
		view.status = "deleted";
		view.message = store_str(t, "cancelled");
		view.done = 1;
	} else if (tl) {
		int idx = timeline_index(tl, (c->req->now - store_double(t, "created")) * c->sim->cfg.speed,
					 c->sim->cfg.stuck_state);
		timeline_view(tl, idx, &view);
		/* the failure the image's inspection predicted (or the missing
		 * object) replaces the timeline's generic message */
		if (view.message && (strcmp(view.status, "deleting") == 0 || strcmp(view.status, "deleted") == 0) &&
		    store_str(t, "fail_message"))
			view.message = store_str(t, "fail_message");
	}
	snprintf(pct, sizeof(pct), "%d", view.percent);
	snprintf(size, sizeof(size), "%.1f", store_double(t, "size"));
	xml_elem(b, "importTaskId", store_str(t, "id"));
	xml_elem(b, "description", store_str(t, "description"));
	if (image) {
		xml_elem(b, "architecture", store_str(t, "arch"));
		if (view.succeeded)
			xml_elem(b, "imageId", store_str(t, "image_id"));
		xml_elem(b, "platform", "Linux");
		xml_elem(b, "licenseType", "BYOL");
		xml_elem(b, "hypervisor", "xen");
		if (!view.succeeded)
			xml_elem(b, "progress", pct);
		dyn_addstr(b, "<snapshotDetailSet><item>");
		xml_elem(b, "deviceName", "/dev/sda1");
		xml_elem(b, "diskImageSize", size);
		xml_elem(b, "format", store_str(t, "format"));
		if (view.succeeded)
			xml_elem(b, "snapshotId", store_str(t, "snapshot_id"));
		xml_elem(b, "status", view.succeeded ? "completed" : view.done ? view.status : "active");
		xml_elem(b, "url", store_str(t, "url"));
		add_user_bucket(b, t);
		dyn_addstr(b, "</item></snapshotDetailSet>");
		xml_elem(b, "status", view.status);
		xml_elem(b, "statusMessage", view.message);
		xml_elem(b, "bootMode", store_str(t, "boot_mode"));
		xml_elem_bool(b, "encrypted", 0);
	} else {
		dyn_addstr(b, "<snapshotTaskDetail>");
		xml_elem(b, "description", store_str(t, "description"));
		xml_elem(b, "diskImageSize", size);
		xml_elem_bool(b, "encrypted", 0);
		xml_elem(b, "format", store_str(t, "format"));
		if (!view.succeeded)
			xml_elem(b, "progress", pct);
		if (view.succeeded)
			xml_elem(b, "snapshotId", store_str(t, "snapshot_id"));
		xml_elem(b, "status", view.status);
		xml_elem(b, "statusMessage", view.message);
		xml_elem(b, "url", store_str(t, "url"));
		add_user_bucket(b, t);
		dyn_addstr(b, "</snapshotTaskDetail>");
	}
	add_tags(b, t);
}

static void start_import(struct ctx *c, int image)
{
	const char *pre = image ? "DiskContainer.1." : "DiskContainer.";
	char key[96];
	const char *bucket = paramf(c, key, sizeof(key), "%sUserBucket.S3Bucket", pre);
	const char *okey = paramf(c, key, sizeof(key), "%sUserBucket.S3Key", pre);
	const char *url = paramf(c, key, sizeof(key), "%sUrl", pre);
	const char *format = paramf(c, key, sizeof(key), "%sFormat", pre);
	const char *arch = param(c, "Architecture");
	const char *boot = param(c, "BootMode");
	const char *role = param(c, "RoleName") ? param(c, "RoleName") : "vmimport";
	const struct sim_timeline *tl;
	struct json_object *t;
	char id[40], *path = NULL, *ubuf = NULL;
	char verdict[160] = ""; /* inspect_report.findings[].import_status */
	unsigned long long size = 0;
	int missing;

	if (replay_token(c))
		return;
	if (!bucket && url && strncmp(url, "s3://", 5) == 0) {
		const char *slash = strchr(url + 5, '/');
		ubuf = strdup(url + 5);
		if (ubuf && slash) {
			ubuf[slash - (url + 5)] = 0;
			bucket = ubuf;
			okey = ubuf + (slash - (url + 5)) + 1;
		}
	}
	if (!bucket || !okey) {
		sim_fail(c->req, c->resp, 400, "InvalidParameter", NULL,
			 "The disk container must name an S3 bucket and key (UserBucket or an s3:// Url).");
		goto out;
	}
	if (format && strcasecmp(format, "raw") && strcasecmp(format, "vmdk") && strcasecmp(format, "vhd") &&
	    strcasecmp(format, "vhdx") && strcasecmp(format, "ova")) {
		sim_fail(c->req, c->resp, 400, "InvalidParameterValue", NULL,
			 "Value (%s) for parameter format is invalid.", format);
		goto out;
	}
	if (arch && strcmp(arch, "x86_64") && strcmp(arch, "i386") && strcmp(arch, "arm64")) {
		sim_fail(c->req, c->resp, 400, "InvalidParameter", NULL,
			 "architecture=%s has an invalid format", arch);
		goto out;
	}
	if (boot && strcmp(boot, "legacy-bios") && strcmp(boot, "uefi")) {
		sim_fail(c->req, c->resp, 400, "InvalidParameterValue", NULL,
			 "Value (%s) for parameter bootMode is invalid.", boot);
		goto out;
	}
	if (!json_object_object_get_ex(store_coll(c->sim->store, COLL_ROLES), role, NULL)) {
		sim_fail(c->req, c->resp, 400, "InvalidParameter", NULL,
			 "The service role %s provided does not exist or does not have sufficient permissions",
			 role);
		goto out;
	}
	tl = timeline_for_key(okey);
	missing = s3_object_file(c->sim, bucket, okey, &path, &size) != 0;
	if (missing) {
		tl = timeline_find("ec2importtime.failure-diskvalidation");
	} else if (!tl) {
		/* no outcome forced by the key: judge the upload as VM Import would */
		struct err e;
		err_clear(&e);
		if (inspect_import_outcome(path, inspect_kcheck, NULL, verdict, sizeof(verdict), &e) < 0)
			snprintf(verdict, sizeof(verdict),
				 "ClientError: Disk validation failed [The disk image could not be read]");
		tl = timeline_for_status(verdict, !image);
		if (!timeline_failure_message(tl))
			verdict[0] = '\0'; /* it succeeds: nothing to say */
	}
	free(path);
	sim_new_id(id, sizeof(id), image ? "import-ami" : "import-snap");
	t = json_object_new_object();
	store_set_str(t, "id", id);
	store_set_str(t, "kind", image ? "image" : "snapshot");
	store_set_str(t, "region", sim_region(c->req));
	store_set_str(t, "owner", sim_account(c->req));
	store_set_str(t, "timeline", tl->name);
	store_set_str(t, "bucket", bucket);
	store_set_str(t, "key", okey);
	store_set_str(t, "url", url);
	store_set_str(t, "format", format ? format : "RAW");
	store_set_str(t, "description", param(c, "Description"));
	store_set_str(t, "arch", arch ? arch : "x86_64");
	store_set_str(t, "boot_mode", boot);
	store_set_double(t, "size", (double)size / (1 << 30));
	store_set_double(t, "created", c->req->now);
	if (missing)
		store_set_str(t, "fail_message", "ClientError: Disk validation failed [We do not have access to the "
				  "given resource. Reason 403 Forbidden]");
	else if (verdict[0])
		store_set_str(t, "fail_message", verdict);
	json_object_object_add(t, "tags", json_object_new_object());
	json_object_object_add(coll(c, COLL_TASKS), id, t);
	if (sim_save(c->sim, c->req, c->resp, COLL_TASKS))
		goto out;
	sim_xml_begin(c->req, c->resp, c->action);
	add_task(c, t);
	sim_xml_end(c->req, c->resp, c->action);
	remember_token(c);
out:
	free(ubuf);
}

static void describe_tasks(struct ctx *c, int image)
{
	const char *ids[256];
	int nids = list_param(c, "ImportTaskId", ids, 256);
	struct filters fs;
	struct json_object *hits = json_object_new_array();
	int first, last, changed = 0;
	char next[32];

	parse_filters(c, "Filters", &fs);
	for (int i = 0; i < nids; i++) {
		struct json_object *t = lookup(c, COLL_TASKS, ids[i]);
		if (!t || strcmp(store_str(t, "kind"), image ? "image" : "snapshot") != 0) {
			sim_fail(c->req, c->resp, 400, "InvalidConversionTaskId.Malformed", NULL,
				 "The import task ID '%s' is not valid", ids[i]);
			goto out;
		}
	}
	json_object_object_foreach(coll(c, COLL_TASKS), k, t) {
		int keep = strcmp(store_str(t, "region"), sim_region(c->req)) == 0 &&
			   strcmp(store_str(t, "kind"), image ? "image" : "snapshot") == 0;
		if (keep && nids) {
			keep = 0;
			for (int i = 0; i < nids; i++)
				keep |= strcmp(ids[i], k) == 0;
		}
		if (!keep)
			continue;
		changed |= advance_task(c, t);
		for (int f = 0; f < fs.n && keep; f++) {
			if (strcmp(fs.f[f].name, "task-state") == 0) {
				const struct sim_timeline *tl = timeline_find(store_str(t, "timeline"));
				struct timeline_view view = {.status = "deleted"};
				if (tl && !store_str(t, "cancelled"))
					timeline_view(tl, timeline_index(tl, (c->req->now - store_double(t, "created")) *
									 c->sim->cfg.speed,
								 c->sim->cfg.stuck_state),
						      &view);
				keep = value_matches(&fs.f[f], view.status);
			} else if (strncmp(fs.f[f].name, "tag:", 4) == 0) {
				keep = tags_match(&fs.f[f], t);
			} else {
				sim_fail(c->req, c->resp, 400, "InvalidParameterValue", NULL,
					 "The filter '%s' is invalid", fs.f[f].name);
				goto out;
			}
		}
		if (keep)
			json_object_array_add(hits, json_object_get(t));
	}
	if (changed && sim_save(c->sim, c->req, c->resp, COLL_TASKS))
		goto out;
	if (paginate(c, (int)json_object_array_length(hits), &first, &last, next))
		goto out;
	sim_xml_begin(c->req, c->resp, c->action);
	dyn_addstr(c->b, image ? "<importImageTaskSet>" : "<importSnapshotTaskSet>");
	for (int i = first; i < last; i++) {
		dyn_addstr(c->b, "<item>");
		add_task(c, json_object_array_get_idx(hits, (size_t)i));
		dyn_addstr(c->b, "</item>");
	}
	dyn_addstr(c->b, image ? "</importImageTaskSet>" : "</importSnapshotTaskSet>");
	if (next[0])
		xml_elem(c->b, "nextToken", next);
	sim_xml_end(c->req, c->resp, c->action);
out:
	json_object_put(hits);
}

static void cancel_import(struct ctx *c)
{
	const char *id = sim_need(c->req, c->resp, "ImportTaskId");
	struct json_object *t;
	const struct sim_timeline *tl;
	struct timeline_view view;

	if (!id)
		return;
	t = lookup(c, COLL_TASKS, id);
	if (!t) {
		sim_fail(c->req, c->resp, 400, "InvalidConversionTaskId", NULL,
			 "The import task ID '%s' does not exist", id);
		return;
	}
	if (advance_task(c, t))
		sim_save(c->sim, c->req, c->resp, COLL_TASKS);
	tl = timeline_find(store_str(t, "timeline"));
	timeline_view(tl, timeline_index(tl, (c->req->now - store_double(t, "created")) * c->sim->cfg.speed,
					 c->sim->cfg.stuck_state),
		      &view);
	if (store_str(t, "cancelled") || view.done) {
		sim_fail(c->req, c->resp, 400, "DeleteConversionTaskError", NULL,
			 "The conversion task cannot be canceled.");
		return;
	}
	store_set_str(t, "cancelled", param(c, "CancelReason") ? param(c, "CancelReason") : "User initiated task cancelation");
	if (sim_save(c->sim, c->req, c->resp, COLL_TASKS))
		return;
	sim_xml_begin(c->req, c->resp, c->action);
	xml_elem(c->b, "importTaskId", id);
	xml_elem(c->b, "previousState", "active");
	xml_elem(c->b, "state", "deleting");
	sim_xml_end(c->req, c->resp, c->action);
}

static void import_image(struct ctx *c) { start_import(c, 1); }
static void import_snapshot(struct ctx *c) { start_import(c, 0); }
static void describe_image_tasks(struct ctx *c) { describe_tasks(c, 1); }
static void describe_snapshot_tasks(struct ctx *c) { describe_tasks(c, 0); }

static void create_volume_idem(struct ctx *c)
{
	if (replay_token(c))
		return;
	create_volume(c);
	remember_token(c);
}

static void copy_image_idem(struct ctx *c)
{
	if (replay_token(c))
		return;
	copy_image(c);
	remember_token(c);
}

static const struct {
	const char *action;
	void (*fn)(struct ctx *c);
} actions[] = {
	{"DescribeRegions", describe_regions},
	{"DescribeImages", describe_images},
	{"CreateSnapshot", create_snapshot},
	{"DescribeSnapshots", describe_snapshots},
	{"DeleteSnapshot", delete_snapshot},
	{"CreateVolume", create_volume_idem},
	{"DescribeVolumes", describe_volumes},
	{"RegisterImage", register_image},
	{"DeregisterImage", deregister_image},
	{"CreateTags", create_tags},
	{"ImportImage", import_image},
	{"ImportSnapshot", import_snapshot},
	{"DescribeImportImageTasks", describe_image_tasks},
	{"DescribeImportSnapshotTasks", describe_snapshot_tasks},
	{"CancelImportTask", cancel_import},
	{"CopyImage", copy_image_idem},
};

void ec2_handle(struct sim *sim, struct sim_req *req, struct sim_resp *resp)
{
	struct ctx c = {sim, req, resp, NULL, &resp->body};
	const char *dry;

	c.action = sim_need(req, resp, "Action");
	if (!c.action)
		return;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(actions[i].action, c.action) != 0)
			continue;
		const char *unknown = ec2_params_unknown(c.action, &req->params);
		if (unknown) {
			sim_fail(req, resp, 400, "UnknownParameter", NULL,
				 "The parameter %.200s is not recognized", unknown);
			return;
		}
		dry = query_get(&req->params, "DryRun");
		if (is_true(dry)) {
			sim_fail(req, resp, 412, "DryRunOperation", NULL,
				 "Request would have succeeded, but DryRun flag is set.");
			return;
		}
		actions[i].fn(&c);
		return;
	}
	sim_fail(req, resp, 400, "InvalidAction", NULL,
		 "The action %s is not valid for this web service.", c.action);
}
