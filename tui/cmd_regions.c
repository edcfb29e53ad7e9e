/* amiwiz regions: the regions EC2 offers this account, with their endpoint,
 * opt-in status, and whether a pv-grub kernel (AKI) is known there, which is
 * what decides whether a paravirtual image can be registered in it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "aws/ec2.h"
#include "help/aki.h"
#include "tui/cli.h"
#include "tui/cli_aws.h"

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct ec2_region *)a)->name, ((const struct ec2_region *)b)->name);
}

static const char *aki_id(const char *region, const char *arch)
{
	const struct aki *k = aki_recommend(region, arch, AKI_DISK_HD0);
	return k ? k->id : NULL;
}

static json_object *region_json(const struct ec2_region *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "endpoint", json_object_new_string(r->endpoint));
	json_object_object_add(o, "opt_in_status", json_object_new_string(r->opt_in_status));
	json_object *pv = json_object_new_object();
	json_object_object_add(pv, "x86_64", cli_json_str(aki_id(r->name, "x86_64")));
	json_object_object_add(pv, "i386", cli_json_str(aki_id(r->name, "i386")));
	json_object_object_add(o, "pvgrub_aki_hd0", pv);
	return o;
}

static const struct option options[] = {
	{"profile", required_argument, NULL, 'p'},
	{"log", required_argument, NULL, 'l'},
	{"all", no_argument, NULL, 'a'},
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_regions(int argc, char **argv)
{
	const char *profile = NULL, *log_path = NULL;
	bool json = false, all = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:l:ajh", options, NULL)) != -1) {
		switch (c) {
		case 'p': profile = optarg; break;
		case 'l': log_path = optarg; break;
		case 'a': all = true; break;
		case 'j': json = true; break;
		case 'h': cli_usage(stdout, "regions"); return CLI_OK;
		default: cli_usage(stderr, "regions"); return CLI_USAGE;
		}
	}
	if (optind < argc) {
		cli_errorf("unexpected argument: %s", argv[optind]);
		cli_usage(stderr, "regions");
		return CLI_USAGE;
	}

	struct cli_aws a;
	struct err e;
	struct ec2_describe_regions_result res;
	struct ec2_describe_regions_req req = {.all_regions = all ? EC2_TRUE : EC2_UNSET};
	memset(&res, 0, sizeof(res));
	err_clear(&e);
	if (cli_aws_open(&a, profile, log_path, &e) < 0) {
		cli_report_err(&e, json);
		cli_aws_close(&a);
		return cli_aws_exit_code(&e);
	}
	if (ec2_describe_regions(&a.session->ec2, &req, &res, &e) < 0) {
		cli_report_err(&e, json);
		ec2_describe_regions_result_release(&res);
		cli_aws_close(&a);
		return CLI_FINDINGS;
	}
	if (res.n_regions)
		qsort(res.regions, res.n_regions, sizeof(res.regions[0]), by_name);

	if (json) {
		json_object *o = json_object_new_object(), *list = json_object_new_array();
		for (size_t i = 0; i < res.n_regions; i++)
			json_object_array_add(list, region_json(&res.regions[i]));
		json_object_object_add(o, "regions", list);
		json_object_object_add(o, "request_id", json_object_new_string(res.request_id));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		size_t pv = 0;
		printf("%-16s %-22s %-36s %s\n", "REGION", "OPT-IN", "ENDPOINT",
		       "PV-GRUB AKI (hd0, x86_64)");
		for (size_t i = 0; i < res.n_regions; i++) {
			const struct ec2_region *r = &res.regions[i];
			const char *k = aki_id(r->name, "x86_64");
			pv += k != NULL;
			printf("%-16s %-22s %-36s %s\n", r->name,
			       r->opt_in_status[0] ? r->opt_in_status : "-", r->endpoint,
			       k ? k : "none known: HVM only");
		}
		printf("\n%zu region%s; a pv-grub kernel is known in %zu of them.\n"
		       "Paravirtual (PV) images boot through pv-grub, so they can be registered\n"
		       "only where an AKI exists; HVM images work everywhere.  "
		       "`amiwiz aki --region R` lists them.\n",
		       res.n_regions, res.n_regions == 1 ? "" : "s", pv);
	}
	ec2_describe_regions_result_release(&res);
	cli_aws_close(&a);
	return CLI_OK;
}
