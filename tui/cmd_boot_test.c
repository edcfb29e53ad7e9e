/* amiwiz boot-test: boot an image under QEMU and say whether it reached userspace. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/boottest.h"
#include "help/loop.h"
#include "tui/cli.h"

static void live_line(void *data, enum proc_stream s, const char *line)
{
	if (*(int *)data)
		fprintf(stderr, "| %s\n", line);
}

int cmd_boot_test(int argc, char **argv)
{
	static const struct option opts[] = {
		{"timeout", required_argument, NULL, 't'},
		{"firmware", required_argument, NULL, 'f'},
		{"kernel", required_argument, NULL, 'k'},
		{"initrd", required_argument, NULL, 'i'},
		{"append", required_argument, NULL, 'a'},
		{"kvm", no_argument, NULL, 'K'},
		{"no-kvm", no_argument, NULL, 'N'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct boottest_opts o = {.timeout_ms = 60000, .kvm = 1};
	int verbose = 0, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': {
			char *end;
			double s = strtod(optarg, &end);
			if (*end || s <= 0 || s > 86400) {
				cli_errorf("unusable timeout %s (seconds)", optarg);
				return CLI_USAGE;
			}
			o.timeout_ms = (long)(s * 1000);
			break;
		}
		case 'f':
			if (strcmp(optarg, "bios") == 0)
				o.firmware = BOOTTEST_FW_BIOS;
			else if (strcmp(optarg, "uefi") == 0)
				o.firmware = BOOTTEST_FW_UEFI;
			else if (strcmp(optarg, "auto") != 0) {
				cli_errorf("unknown firmware %s (bios, uefi, auto)", optarg);
				return CLI_USAGE;
			}
			break;
		case 'k': o.kernel = optarg; break;
		case 'i': o.initrd = optarg; break;
		case 'a': o.append = optarg; break;
		case 'K': o.kvm = 1; break;
		case 'N': o.kvm = 0; break;
		case 'v': verbose = 1; break;
		case 'h': cli_usage(stdout, "boot-test"); return CLI_OK;
		default:
			cli_errorf("boot-test: unknown or incomplete option %s", argv[optind - 1]);
			cli_usage(stderr, "boot-test");
			return CLI_USAGE;
		}
	}
	if (optind + 1 != argc) {
		cli_usage(stderr, "boot-test");
		return CLI_USAGE;
	}
	o.image = argv[optind];
	o.on_line = live_line;
	o.line_data = &verbose;
	struct loop *l = loop_new();
	if (!l) {
		cli_errorf("out of memory");
		return CLI_FINDINGS;
	}
	struct proc_runner r;
	proc_runner_init(&r, l, false);
	struct boottest_result res;
	struct err e;
	err_clear(&e);
	int rc = boottest_run(&r, &o, &res, &e);
	int exit_code;
	if (rc < 0) {
		cli_report_err(&e, false);
		exit_code = e.kind == ERR_USAGE || e.kind == ERR_INPUT ? CLI_USAGE : CLI_FINDINGS;
	} else {
		unsigned from = res.ntail > 40 ? res.ntail - 40 : 0;
		printf("console (last %u lines):\n", res.ntail - from);
		for (unsigned i = from; i < res.ntail; i++)
			printf("  %s\n", res.tail[i]);
		printf("boot test of %s: %s (%s, %s, %.1f s)\n", o.image,
		       boottest_verdict_text(res.verdict), res.uefi ? "UEFI" : o.kernel ? "direct kernel" : "BIOS",
		       res.used_kvm ? "KVM" : "TCG", res.elapsed_ms / 1000.0);
		printf("verdict: %s\n", boottest_verdict_name(res.verdict));
		if (res.reason[0])
			printf("because: %s\n", res.reason);
		exit_code = res.verdict == BOOT_USERSPACE ? CLI_OK : CLI_FINDINGS;
		boottest_result_release(&res);
	}
	proc_runner_release(&r);
	loop_free(l);
	return exit_code;
}
