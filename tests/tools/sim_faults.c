/* sim_faults: amiwiz's own clients against amiwiz-sim started with faults
 * (500/503, throttling, dropped connections).  200 mixed calls must all
 * complete through the transport's retries, and afterwards the sim must hold
 * exactly one of everything each logical call created.  Then a replayed
 * ClientToken (what a client sends after a reply was lost) must give back the
 * same resource, not a second one.  Prints TAP.
 *
 *   sim_faults WORKDIR      (session from the environment: AWS_ENDPOINT_URL ...)
 *
 * Second phase, against a sim restarted on the same data with only lost
 * replies (--lost-reply-rate: the work is done, the reply never comes):
 *
 *   sim_faults WORKDIR --lost-replies
 *
 * Each call that takes a ClientToken (CreateVolume, ImportSnapshot,
 * ImportImage, CopyImage, EBS StartSnapshot) is retried by the transport with
 * the same token and must leave exactly one resource; RegisterImage, which
 * has none, goes through ec2_register_image_idempotent and must leave one
 * image whose id the caller got.  CreateSnapshot is left out: EC2 gives it
 * no ClientToken either, and a retry after a lost reply does make a second
 * snapshot there too (recovering by tags belongs to the snapshot job).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ebs.h"
#include "aws/ec2.h"
#include "aws/iam.h"
#include "aws/s3.h"
#include "aws/session.h"
#include "tests/tools/tap.h"

#define ROUNDS 20
#define BUCKET "faults-bucket"


/* How many of `names` (n) equal `want`. */
static int count_of(char (*names)[EC2_NAME_MAX], size_t n, const char *want)
{
	int k = 0;
	for (size_t i = 0; i < n; i++)
		k += strcmp(names[i], want) == 0;
	return k;
}

struct tally {
	char (*names)[EC2_NAME_MAX];
	size_t n, alloc;
};

static void tally_add(struct tally *t, const char *name)
{
	if (t->n == t->alloc) {
		t->alloc = t->alloc ? t->alloc * 2 : 64;
		t->names = realloc(t->names, t->alloc * sizeof(*t->names));
	}
	snprintf(t->names[t->n++], EC2_NAME_MAX, "%s", name);
}

/* Every snapshot's description, every image's name, every snapshot import
 * task's description, and the number of volumes, all pages. */
static int inventory(struct aws_session *s, struct tally *snaps, struct tally *images,
		     struct tally *tasks, size_t *volumes, struct err *e)
{
	char token[EC2_TOKEN_MAX] = "";
	do {
		struct ec2_describe_snapshots_req r = {.next_token = token[0] ? token : NULL};
		struct ec2_describe_snapshots_result res;
		if (ec2_describe_snapshots(&s->ec2, &r, &res, e) < 0) {
			ec2_describe_snapshots_result_release(&res);
			return -1;
		}
		for (size_t i = 0; i < res.n_snapshots; i++)
			tally_add(snaps, res.snapshots[i].description);
		snprintf(token, sizeof(token), "%s", res.next_token);
		ec2_describe_snapshots_result_release(&res);
	} while (token[0]);

	struct ec2_describe_images_req ir = {0};
	struct ec2_describe_images_result ires;
	memset(&ires, 0, sizeof(ires));
	if (ec2_describe_images_all(&s->ec2, &ir, &ires, 100, e) < 0) {
		ec2_describe_images_result_release(&ires);
		return -1;
	}
	for (size_t i = 0; i < ires.n_images; i++)
		tally_add(images, ires.images[i].name);
	ec2_describe_images_result_release(&ires);

	token[0] = 0;
	do {
		struct ec2_describe_import_tasks_req r = {.next_token = token[0] ? token : NULL};
		struct ec2_describe_import_tasks_result res;
		if (ec2_describe_import_snapshot_tasks(&s->ec2, &r, &res, e) < 0) {
			ec2_describe_import_tasks_result_release(&res);
			return -1;
		}
		for (size_t i = 0; i < res.n_tasks; i++)
			tally_add(tasks, res.tasks[i].description);
		snprintf(token, sizeof(token), "%s", res.next_token);
		ec2_describe_import_tasks_result_release(&res);
	} while (token[0]);

	*volumes = 0;
	token[0] = 0;
	do {
		struct ec2_describe_volumes_req r = {.next_token = token[0] ? token : NULL};
		struct ec2_describe_volumes_result res;
		if (ec2_describe_volumes(&s->ec2, &r, &res, e) < 0) {
			ec2_describe_volumes_result_release(&res);
			return -1;
		}
		*volumes += res.n_volumes;
		snprintf(token, sizeof(token), "%s", res.next_token);
		ec2_describe_volumes_result_release(&res);
	} while (token[0]);
	return 0;
}

/* ---- the lost-replies phase ---- */

#define LOST_ROUNDS 10

/* The id of the snapshot described `description`, from all pages. */
static int snapshot_by_description(struct aws_session *s, const char *description, char *out,
				   size_t size, struct err *e)
{
	char token[EC2_TOKEN_MAX] = "";
	out[0] = 0;
	do {
		struct ec2_describe_snapshots_req r = {.next_token = token[0] ? token : NULL};
		struct ec2_describe_snapshots_result res;
		if (ec2_describe_snapshots(&s->ec2, &r, &res, e) < 0) {
			ec2_describe_snapshots_result_release(&res);
			return -1;
		}
		for (size_t i = 0; i < res.n_snapshots; i++)
			if (strcmp(res.snapshots[i].description, description) == 0)
				snprintf(out, size, "%s", res.snapshots[i].snapshot_id);
		snprintf(token, sizeof(token), "%s", res.next_token);
		ec2_describe_snapshots_result_release(&res);
	} while (token[0]);
	return out[0] ? 0 : err_set(e, ERR_INTERNAL, 0, "no snapshot described %s", description);
}

/* Every image: names in `names`, and for each the id (same order). */
static int all_images(struct aws_session *s, struct tally *names, struct tally *ids,
		      struct err *e)
{
	struct ec2_describe_images_req ir = {0};
	struct ec2_describe_images_result ires;
	memset(&ires, 0, sizeof(ires));
	if (ec2_describe_images_all(&s->ec2, &ir, &ires, 100, e) < 0) {
		ec2_describe_images_result_release(&ires);
		return -1;
	}
	for (size_t i = 0; i < ires.n_images; i++) {
		tally_add(names, ires.images[i].name);
		tally_add(ids, ires.images[i].image_id);
	}
	ec2_describe_images_result_release(&ires);
	return 0;
}

static int import_image_tasks(struct aws_session *s, struct tally *tasks, struct err *e)
{
	char token[EC2_TOKEN_MAX] = "";
	do {
		struct ec2_describe_import_tasks_req r = {.next_token = token[0] ? token : NULL};
		struct ec2_describe_import_tasks_result res;
		if (ec2_describe_import_image_tasks(&s->ec2, &r, &res, e) < 0) {
			ec2_describe_import_tasks_result_release(&res);
			return -1;
		}
		for (size_t i = 0; i < res.n_tasks; i++)
			tally_add(tasks, res.tasks[i].description);
		snprintf(token, sizeof(token), "%s", res.next_token);
		ec2_describe_import_tasks_result_release(&res);
	} while (token[0]);
	return 0;
}

static int lost_replies(struct aws_session *s)
{
	struct err e;
	char name[64], desc[64];
	err_clear(&e);

	/* what the first phase left: a source image, completed EBS snapshots,
	 * the uploaded disk files, and counts to compare against */
	struct tally snaps0 = {0}, images0 = {0}, tasks0 = {0}, itasks0 = {0};
	size_t volumes0 = 0;
	int r = inventory(s, &snaps0, &images0, &tasks0, &volumes0, &e);
	if (r == 0)
		r = import_image_tasks(s, &itasks0, &e);
	tap(r == 0, &e, "the first phase's resources are listed through lost replies");
	if (r < 0)
		return 1;
	const char *const src_names[] = {"faults-img-0", NULL};
	const struct ec2_filter by_name = {.name = "name", .values = src_names};
	struct ec2_describe_images_req sq = {.filters = &by_name, .n_filters = 1};
	struct ec2_describe_images_result sres;
	err_clear(&e);
	r = ec2_describe_images(&s->ec2, &sq, &sres, &e);
	char source[EC2_ID_MAX] = "";
	if (r == 0 && sres.n_images == 1)
		snprintf(source, sizeof(source), "%s", sres.images[0].image_id);
	ec2_describe_images_result_release(&sres);
	tap(source[0], &e, "the image to copy, faults-img-0, is %s", source);

	char img_ids[LOST_ROUNDS][EC2_ID_MAX];
	int done = 0, recovered = 0;
	for (int round = 0; round < LOST_ROUNDS; round++) {
		for (int kind = 0; kind < 6; kind++) {
			err_clear(&e);
			r = -1;
			switch (kind) {
			case 0: {
				struct ec2_create_volume_req q = {.availability_zone = "us-east-1a",
								  .size = 1};
				struct ec2_create_volume_result res;
				r = ec2_create_volume(&s->ec2, &q, &res, &e);
				break;
			}
			case 1: {
				snprintf(desc, sizeof(desc), "lost-import-%d", round);
				snprintf(name, sizeof(name), "faults/disk-%d.raw", round);
				struct ec2_import_snapshot_req q = {
				    .description = desc,
				    .disk = {.format = "RAW", .s3_bucket = BUCKET, .s3_key = name}};
				struct ec2_import_result res;
				r = ec2_import_snapshot(&s->ec2, &q, &res, &e);
				ec2_import_result_release(&res);
				break;
			}
			case 2: {
				snprintf(desc, sizeof(desc), "lost-image-import-%d", round);
				snprintf(name, sizeof(name), "faults/disk-%d.raw", round);
				struct ec2_disk_container disk = {.format = "RAW", .s3_bucket = BUCKET,
								  .s3_key = name};
				struct ec2_import_image_req q = {.description = desc, .disks = &disk,
								 .n_disks = 1};
				struct ec2_import_result res;
				r = ec2_import_image(&s->ec2, &q, &res, &e);
				ec2_import_result_release(&res);
				break;
			}
			case 3: {
				snprintf(name, sizeof(name), "lost-copy-%d", round);
				struct ec2_copy_image_req q = {.source_image_id = source,
							       .source_region = "us-east-1",
							       .name = name};
				struct ec2_copy_image_result res;
				r = ec2_copy_image(&s->ec2, &q, &res, &e);
				break;
			}
			case 4: {
				snprintf(desc, sizeof(desc), "lost-ebs-%d", round);
				struct ebs_start_snapshot_req q = {.volume_size = 1, .description = desc,
								   .encrypted = -1};
				struct ebs_start_snapshot_result res;
				r = ebs_start_snapshot(&s->ebs, &q, &res, &e);
				break;
			}
			case 5: {
				char snap[EC2_ID_MAX];
				snprintf(desc, sizeof(desc), "faults-ebs-%d", round);
				r = snapshot_by_description(s, desc, snap, sizeof(snap), &e);
				if (r < 0)
					break;
				snprintf(name, sizeof(name), "lost-img-%d", round);
				struct ec2_bdm_req bdm = {.device_name = "/dev/xvda",
							  .snapshot_id = snap};
				struct ec2_register_image_req q = {
				    .name = name, .architecture = "x86_64",
				    .root_device_name = "/dev/xvda", .virtualization_type = "hvm",
				    .ena_support = EC2_TRUE, .bdms = &bdm, .n_bdms = 1};
				struct ec2_register_image_result res;
				r = ec2_register_image_idempotent(&s->ec2, &q, &res, &e);
				snprintf(img_ids[round], sizeof(img_ids[round]), "%s", res.image_id);
				recovered += r == 0 && res.recovered;
				break;
			}
			}
			if (r == 0)
				done++;
			else
				tap(0, &e, "lost-replies call (round %d, kind %d) failed", round, kind);
		}
	}
	tap(done == LOST_ROUNDS * 6, NULL, "%d of %d calls completed through lost replies", done,
	    LOST_ROUNDS * 6);
	/* with a lost-reply rate of 0.3 over 10 RegisterImage calls, some
	 * reply was lost and the image recovered by name (seeded: replayable) */
	tap(recovered > 0, NULL, "%d RegisterImage calls were recovered after a lost reply",
	    recovered);

	struct tally snaps = {0}, images = {0}, tasks = {0}, itasks = {0}, ids = {0},
		     names = {0};
	size_t volumes = 0;
	err_clear(&e);
	r = inventory(s, &snaps, &images, &tasks, &volumes, &e);
	if (r == 0)
		r = import_image_tasks(s, &itasks, &e);
	if (r == 0)
		r = all_images(s, &names, &ids, &e);
	tap(r == 0, &e, "everything listed again");
	int off = 0, wrong_id = 0;
	for (int round = 0; round < LOST_ROUNDS && r == 0; round++) {
		int k;
		snprintf(name, sizeof(name), "lost-import-%d", round);
		if ((k = count_of(tasks.names, tasks.n, name)) != 1)
			printf("# %d snapshot import tasks described %s\n", k, name), off++;
		snprintf(name, sizeof(name), "lost-image-import-%d", round);
		if ((k = count_of(itasks.names, itasks.n, name)) != 1)
			printf("# %d image import tasks described %s\n", k, name), off++;
		snprintf(name, sizeof(name), "lost-copy-%d", round);
		if ((k = count_of(images.names, images.n, name)) != 1)
			printf("# %d images named %s\n", k, name), off++;
		snprintf(name, sizeof(name), "lost-ebs-%d", round);
		if ((k = count_of(snaps.names, snaps.n, name)) != 1)
			printf("# %d snapshots described %s\n", k, name), off++;
		snprintf(name, sizeof(name), "lost-img-%d", round);
		if ((k = count_of(images.names, images.n, name)) != 1)
			printf("# %d images named %s\n", k, name), off++;
		for (size_t i = 0; i < names.n; i++)
			if (strcmp(names.names[i], name) == 0 &&
			    strcmp(ids.names[i], img_ids[round]) != 0)
				printf("# %s is %s, the caller got %s\n", name, ids.names[i],
				       img_ids[round]), wrong_id++;
	}
	tap(r == 0 && off == 0, NULL,
	    "exactly one import task (snapshot and image), copied image, EBS snapshot and "
	    "registered image per call (%d off)", off);
	tap(r == 0 && wrong_id == 0, NULL, "each RegisterImage caller got its image's id");
	tap(r == 0 && volumes == volumes0 + LOST_ROUNDS, NULL,
	    "%zu new volumes for %d CreateVolume calls", volumes - volumes0, LOST_ROUNDS);
	struct tally *all[] = {&snaps0, &images0, &tasks0, &itasks0, &snaps, &images,
			       &tasks, &itasks, &ids, &names};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		free(all[i]->names);
	return n_failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	bool lost = argc == 3 && strcmp(argv[2], "--lost-replies") == 0;
	if (argc != 2 && !lost) {
		fprintf(stderr, "usage: sim_faults WORKDIR [--lost-replies]\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/http.log", argv[1]);
	FILE *log = fopen(path, "a");
	if (!log) {
		perror(path);
		return 2;
	}
	struct err e;
	err_clear(&e);
	/* Faults hit ~17% of attempts: 12 attempts make a lost call
	 * vanishingly unlikely; a short backoff keeps the run quick. */
	struct aws_session_opts so = {.log = log, .max_attempts = 12, .backoff_base_ms = 5};
	struct aws_session *s = aws_session_open(&so, &e);
	tap(s != NULL, &e, "session opened");
	if (!s)
		return 1;
	if (lost) {
		int rc = lost_replies(s);
		aws_session_close(s);
		fclose(log);
		printf("1..%d\n", n_tests);
		return rc;
	}

	static unsigned char block[EBS_BLOCK_SIZE];
	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (unsigned char)(i * 7 + 3);
	uint8_t digest[32];
	char block_b64[EBS_CHECKSUM_B64], agg_b64[EBS_CHECKSUM_B64];
	ebs_block_checksum(block, sizeof(block), digest, block_b64);
	ebs_aggregate_checksum((const uint8_t(*)[32])digest, 1, agg_b64);

	struct s3_bucket_req br = {.bucket = BUCKET};
	struct s3_bucket_result bres;
	err_clear(&e);
	tap(s3_create_bucket(&s->s3, &br, &bres, &e) == 0, &e, "CreateBucket " BUCKET);

	/* VM Import needs its service role */
	struct dynbuf trust, policy;
	dyn_init(&trust, 1u << 16);
	dyn_init(&policy, 1u << 16);
	iam_vmimport_trust_policy(&trust);
	iam_vmimport_role_policy(BUCKET, &policy, &e);
	struct iam_create_role_req cr = {.role_name = "vmimport",
					 .assume_role_policy = dyn_ptr(&trust)};
	struct iam_put_role_policy_req pr = {.role_name = "vmimport", .policy_name = "vmimport",
					     .policy_document = dyn_ptr(&policy)};
	struct iam_role role;
	struct iam_ok_result ok;
	err_clear(&e);
	tap(iam_create_role(&s->iam, &cr, &role, &e) == 0 &&
		    iam_put_role_policy(&s->iam, &pr, &ok, &e) == 0,
	    &e, "IAM CreateRole and PutRolePolicy for vmimport");
	dyn_free(&trust);
	dyn_free(&policy);

	int done = 0, failed = 0;
	char volume[EC2_ID_MAX] = "", snapshot[EC2_ID_MAX] = "", image[EC2_ID_MAX] = "";
	char ebs_snap[EBS_ID_MAX] = "", key[64] = "", name[64];
	for (int round = 0; round < ROUNDS; round++) {
		for (int kind = 0; kind < 10; kind++) {
			int r = -1;
			err_clear(&e);
			switch (kind) {
			case 0: {
				struct ec2_describe_regions_req q = {0};
				struct ec2_describe_regions_result res;
				r = ec2_describe_regions(&s->ec2, &q, &res, &e);
				if (r == 0 && res.n_regions == 0)
					r = err_set(&e, ERR_INTERNAL, 0, "no regions");
				ec2_describe_regions_result_release(&res);
				break;
			}
			case 1: {
				struct ec2_create_volume_req q = {.availability_zone = "us-east-1a",
								  .size = 1};
				struct ec2_create_volume_result res;
				r = ec2_create_volume(&s->ec2, &q, &res, &e);
				snprintf(volume, sizeof(volume), "%s", res.volume.volume_id);
				break;
			}
			case 2: {
				snprintf(name, sizeof(name), "faults-cs-%d", round);
				struct ec2_create_snapshot_req q = {.volume_id = volume,
								    .description = name};
				struct ec2_create_snapshot_result res;
				r = ec2_create_snapshot(&s->ec2, &q, &res, &e);
				snprintf(snapshot, sizeof(snapshot), "%s", res.snapshot.snapshot_id);
				break;
			}
			case 3: {
				snprintf(name, sizeof(name), "faults-ebs-%d", round);
				struct ebs_start_snapshot_req q = {.volume_size = 1, .description = name,
								   .encrypted = -1};
				struct ebs_start_snapshot_result res;
				r = ebs_start_snapshot(&s->ebs, &q, &res, &e);
				snprintf(ebs_snap, sizeof(ebs_snap), "%s", res.snapshot_id);
				break;
			}
			case 4: {
				struct ebs_put_block_req q = {.snapshot_id = ebs_snap, .block_index = 0,
							      .data = block, .len = sizeof(block),
							      .checksum = block_b64, .progress = -1};
				struct ebs_put_block_result res;
				r = ebs_put_block(&s->ebs, &q, &res, &e);
				break;
			}
			case 5: {
				struct ebs_complete_snapshot_req q = {.snapshot_id = ebs_snap,
								      .changed_blocks_count = 1,
								      .aggregate_checksum = agg_b64};
				struct ebs_complete_snapshot_result res;
				r = ebs_complete_snapshot(&s->ebs, &q, &res, &e);
				break;
			}
			case 6: {
				snprintf(name, sizeof(name), "faults-img-%d", round);
				struct ec2_bdm_req bdm = {.device_name = "/dev/xvda",
							  .snapshot_id = ebs_snap};
				struct ec2_register_image_req q = {
				    .name = name, .architecture = "x86_64",
				    .root_device_name = "/dev/xvda", .virtualization_type = "hvm",
				    .ena_support = EC2_TRUE, .bdms = &bdm, .n_bdms = 1};
				struct ec2_register_image_result res;
				r = ec2_register_image(&s->ec2, &q, &res, &e);
				snprintf(image, sizeof(image), "%s", res.image_id);
				break;
			}
			case 7: {
				snprintf(key, sizeof(key), "faults/disk-%d.raw", round);
				struct s3_object_req q = {.bucket = BUCKET, .key = key,
							  .body = {.data = block, .fd = -1,
								   .len = sizeof(block)}};
				struct s3_object_result res;
				memset(&res, 0, sizeof(res));
				r = s3_put_object(&s->s3, &q, &res, &e);
				s3_object_result_release(&res);
				break;
			}
			case 8: {
				snprintf(name, sizeof(name), "faults-import-%d", round);
				struct ec2_import_snapshot_req q = {
				    .description = name,
				    .disk = {.format = "RAW", .s3_bucket = BUCKET, .s3_key = key}};
				struct ec2_import_result res;
				r = ec2_import_snapshot(&s->ec2, &q, &res, &e);
				ec2_import_result_release(&res);
				break;
			}
			case 9: {
				const char *ids[] = {image, NULL};
				struct ec2_describe_images_req q = {.image_ids = ids};
				struct ec2_describe_images_result res;
				r = ec2_describe_images(&s->ec2, &q, &res, &e);
				if (r == 0 && res.n_images != 1)
					r = err_set(&e, ERR_INTERNAL, 0, "%zu images for %s",
						    res.n_images, image);
				ec2_describe_images_result_release(&res);
				break;
			}
			}
			if (r == 0) {
				done++;
			} else {
				failed++;
				tap(0, &e, "call %d (round %d, kind %d) failed", round * 10 + kind,
				    round, kind);
			}
		}
	}
	tap(done == ROUNDS * 10, NULL, "%d of %d mixed calls completed through the faults", done,
	    ROUNDS * 10);

	/* A lost reply, as the client sees it: the same call again with the
	 * same ClientToken must give back the first one's resource. */
	const char *tok = "faults-replay-token-0001";
	struct ec2_create_volume_req vq = {.availability_zone = "us-east-1a", .size = 1,
					   .client_token = tok};
	struct ec2_create_volume_result v1, v2;
	err_clear(&e);
	int r = ec2_create_volume(&s->ec2, &vq, &v1, &e);
	if (r == 0)
		r = ec2_create_volume(&s->ec2, &vq, &v2, &e);
	tap(r == 0 && strcmp(v1.volume.volume_id, v2.volume.volume_id) == 0, &e,
	    "CreateVolume twice with one ClientToken: one volume (%s, %s)", v1.volume.volume_id,
	    r == 0 ? v2.volume.volume_id : "-");

	struct ec2_bdm_req bdm = {.device_name = "/dev/xvda", .snapshot_id = ebs_snap};
	struct ec2_register_image_req iq = {.name = "faults-img-replay", .architecture = "x86_64",
					    .root_device_name = "/dev/xvda",
					    .virtualization_type = "hvm", .bdms = &bdm, .n_bdms = 1};
	/* RegisterImage has no ClientToken in EC2's API: an AMI name is unique
	 * per account and region, and the second call is refused naming the
	 * first image, so a client can recover its id after a lost reply. */
	struct ec2_register_image_result i1, i2;
	err_clear(&e);
	r = ec2_register_image(&s->ec2, &iq, &i1, &e);
	tap(r == 0, &e, "RegisterImage faults-img-replay");
	err_clear(&e);
	int r2 = ec2_register_image(&s->ec2, &iq, &i2, &e);
	tap(r == 0 && r2 < 0 && strcmp(e.aws_code, "InvalidAMIName.Duplicate") == 0 &&
		    strstr(e.message, i1.image_id),
	    &e, "RegisterImage again with the same name: InvalidAMIName.Duplicate naming %s",
	    i1.image_id);

	struct ec2_import_snapshot_req tq = {
	    .description = "faults-import-replay",
	    .disk = {.format = "RAW", .s3_bucket = BUCKET, .s3_key = key}, .client_token = tok};
	struct ec2_import_result t1, t2;
	memset(&t2, 0, sizeof(t2));
	err_clear(&e);
	r = ec2_import_snapshot(&s->ec2, &tq, &t1, &e);
	if (r == 0)
		r = ec2_import_snapshot(&s->ec2, &tq, &t2, &e);
	tap(r == 0 && strcmp(t1.task.import_task_id, t2.task.import_task_id) == 0, &e,
	    "ImportSnapshot twice with one ClientToken: one task");
	ec2_import_result_release(&t1);
	ec2_import_result_release(&t2);

	struct ebs_start_snapshot_req sq = {.volume_size = 1, .description = "faults-ebs-replay",
					    .encrypted = -1, .client_token = tok};
	struct ebs_start_snapshot_result s1, s2;
	err_clear(&e);
	r = ebs_start_snapshot(&s->ebs, &sq, &s1, &e);
	if (r == 0)
		r = ebs_start_snapshot(&s->ebs, &sq, &s2, &e);
	tap(r == 0 && strcmp(s1.snapshot_id, s2.snapshot_id) == 0, &e,
	    "StartSnapshot twice with one ClientToken: one snapshot");

	/* what the sim holds: exactly one per logical call */
	struct tally snaps = {0}, images = {0}, tasks = {0};
	size_t volumes = 0;
	err_clear(&e);
	r = inventory(s, &snaps, &images, &tasks, &volumes, &e);
	tap(r == 0, &e, "DescribeSnapshots, DescribeImages, DescribeImportSnapshotTasks, "
			"DescribeVolumes (all pages)");
	int dup = 0;
	for (int round = 0; round < ROUNDS && r == 0; round++) {
		int k;
		snprintf(name, sizeof(name), "faults-cs-%d", round);
		if ((k = count_of(snaps.names, snaps.n, name)) != 1)
			printf("# %d snapshots described %s\n", k, name), dup++;
		snprintf(name, sizeof(name), "faults-ebs-%d", round);
		if ((k = count_of(snaps.names, snaps.n, name)) != 1)
			printf("# %d snapshots described %s\n", k, name), dup++;
		snprintf(name, sizeof(name), "faults-img-%d", round);
		if ((k = count_of(images.names, images.n, name)) != 1)
			printf("# %d images named %s\n", k, name), dup++;
		snprintf(name, sizeof(name), "faults-import-%d", round);
		if ((k = count_of(tasks.names, tasks.n, name)) != 1)
			printf("# %d import tasks described %s\n", k, name), dup++;
	}
	tap(r == 0 && dup == 0, NULL,
	    "exactly one snapshot, EBS snapshot, image and import task per call (%d off)", dup);
	tap(r == 0 && count_of(images.names, images.n, "faults-img-replay") == 1 &&
		    count_of(tasks.names, tasks.n, "faults-import-replay") == 1 &&
		    count_of(snaps.names, snaps.n, "faults-ebs-replay") == 1,
	    NULL, "the replayed calls created one image, one task, one EBS snapshot");
	tap(r == 0 && volumes == ROUNDS + 1, NULL, "%zu volumes for %d CreateVolume calls", volumes,
	    ROUNDS + 1);
	free(snaps.names);
	free(images.names);
	free(tasks.names);

	aws_session_close(s);
	fclose(log);
	printf("1..%d\n", n_tests);
	return n_failed ? 1 : 0;
}
