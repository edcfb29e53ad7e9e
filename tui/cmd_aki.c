/* amiwiz aki: which pv-grub kernel image a paravirtual AMI should name. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "help/aki.h"
#include "tui/cli.h"

struct aki_query {
	const char *region;
	const char *arch;
	int disk; /* enum aki_disk, or -1 for any */
};

static int matches(const struct aki *a, const struct aki_query *q)
{
	return (!q->region || strcmp(a->region, q->region) == 0) &&
	       (!q->arch || strcmp(a->arch, q->arch) == 0) &&
	       (q->disk < 0 || (int)a->disk == q->disk);
}

static json_object *aki_json(const struct aki *a)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(a->id));
	json_object_object_add(o, "region", json_object_new_string(a->region));
	json_object_object_add(o, "arch", json_object_new_string(a->arch));
	json_object_object_add(o, "disk", json_object_new_string(aki_disk_name(a->disk)));
	json_object_object_add(o, "pvgrub_version",
			       a->version ? json_object_new_string(a->version) : NULL);
	json_object_object_add(o, "image_name",
			       a->image_name ? json_object_new_string(a->image_name) : NULL);
	json_object_object_add(o, "confidence", json_object_new_string(a->confidence));
	return o;
}

static void print_row(const struct aki *a)
{
	printf("  %-14s %-16s %-6s %-5s %-6s %s\n", a->id, a->region, a->arch,
	       aki_disk_name(a->disk), a->version ? a->version : "?", a->confidence);
}

static const struct option options[] = {
	{"region", required_argument, NULL, 'r'},
	{"arch", required_argument, NULL, 'a'},
	{"disk", required_argument, NULL, 'd'},
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cli_aki(int argc, char **argv)
{
	struct aki_query q = {NULL, NULL, -1};
	int json = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:a:d:jh", options, NULL)) != -1) {
		switch (c) {
		case 'r':
			q.region = optarg;
			break;
		case 'a':
			if (strcmp(optarg, "i386") != 0 && strcmp(optarg, "x86_64") != 0) {
				cli_errorf("--arch takes i386 or x86_64 (pv-grub has no arm64 "
					   "build: arm64 images are HVM)");
				return CLI_USAGE;
			}
			q.arch = optarg;
			break;
		case 'd': {
			enum aki_disk d;
			if (aki_disk_from_name(optarg, &d) < 0) {
				cli_errorf("--disk takes hd0 or hd00");
				return CLI_USAGE;
			}
			q.disk = (int)d;
			break;
		}
		case 'j':
			json = 1;
			break;
		case 'h':
			cli_usage(stdout, "aki");
			return CLI_OK;
		default:
			cli_usage(stderr, "aki");
			return CLI_USAGE;
		}
	}
	if (optind < argc) {
		cli_errorf("unexpected argument: %s", argv[optind]);
		cli_usage(stderr, "aki");
		return CLI_USAGE;
	}

	/* With a region and an arch there is one answer to give first. */
	const struct aki *rec = NULL;
	if (q.region && q.arch)
		rec = aki_recommend(q.region, q.arch, q.disk < 0 ? AKI_DISK_HD0 : (enum aki_disk)q.disk);

	size_t found = 0;
	json_object *list = json ? json_object_new_array() : NULL;
	for (size_t i = 0; i < aki_count(); i++) {
		const struct aki *a = aki_at(i);
		if (!matches(a, &q))
			continue;
		if (list)
			json_object_array_add(list, aki_json(a));
		found++;
	}

	if (json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "recommended", rec ? aki_json(rec) : NULL);
		json_object_object_add(o, "akis", list);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		return found ? CLI_OK : CLI_FINDINGS;
	}

	if (rec) {
		printf("Register a paravirtual %s image in %s with kernel %s\n", q.arch, q.region,
		       rec->id);
		printf("  (%s, pv-grub %s, %s)\n\n", rec->image_name ? rec->image_name : "name unknown",
		       rec->version ? rec->version : "version unknown", aki_disk_name(rec->disk));
	}
	if (!found) {
		printf("No pv-grub kernel image is known for %s%s%s%s%s.\n",
		       q.region ? "region " : "every region", q.region ? q.region : "",
		       q.arch ? ", " : "", q.arch ? q.arch : "",
		       q.disk >= 0 ? (q.disk == AKI_DISK_HD0 ? ", hd0" : ", hd00") : "");
		printf("Paravirtual images may not be offered there: choose HVM, or ask EC2 which "
		       "kernels it has:\n"
		       "  aws ec2 describe-images --owners amazon --region %s \\\n"
		       "      --filters Name=name,Values=pv-grub-*.gz\n",
		       q.region ? q.region : "REGION");
		return CLI_FINDINGS;
	}
	printf("  %-14s %-16s %-6s %-5s %-6s %s\n", "AKI", "REGION", "ARCH", "DISK", "PVGRUB",
	       "HOW WELL ATTESTED");
	for (size_t i = 0; i < aki_count(); i++)
		if (matches(aki_at(i), &q))
			print_row(aki_at(i));
	printf("\nhd0 kernels read a filesystem on the whole disk, and since pv-grub 1.04 also\n"
	       "partition 1; register new images with hd0. hd00 is kept for old images.\n");
	return CLI_OK;
}
