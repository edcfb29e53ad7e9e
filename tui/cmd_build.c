/* amiwiz build: lay out, populate and make bootable a disk image. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/build.h"
#include "help/loop.h"
#include "tui/cli.h"

/* "2G", "512M", "64m", "1048576": bytes, or 0 when unusable */
static uint64_t parse_size(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return 0;
	uint64_t mul = 1;
	switch (toupper((unsigned char)*end)) {
	case 'K': mul = 1024ull; end++; break;
	case 'M': mul = 1024ull * 1024; end++; break;
	case 'G': mul = 1024ull * 1024 * 1024; end++; break;
	case 'T': mul = 1024ull * 1024 * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v > UINT64_MAX / mul)
		return 0;
	return v * mul;
}

static void print_step(void *data, const char *step)
{
	if (!*(int *)data)
		fprintf(stderr, "amiwiz build: %s\n", step);
}

static void json_out(const struct build_opts *o, const struct build_result *res, int ok,
		     const struct err *e)
{
	json_object *j = json_object_new_object();
	json_object_object_add(j, "ok", json_object_new_boolean(ok));
	json_object_object_add(j, "image", json_object_new_string(o->out));
	if (o->source_kind != BUILD_FROM_DISK) {
		const struct disk_layout *lay = &res->layout;
		json_object_object_add(j, "layout", json_object_new_string(disk_layout_name(lay->kind)));
		json_object_object_add(j, "table", json_object_new_string(disk_table_name(lay->table)));
		json_object_object_add(j, "boot", json_object_new_string(build_boot_name(res->boot)));
		json_object_object_add(j, "ptuuid", json_object_new_string(lay->ptuuid));
		json_object *parts = json_object_new_array();
		for (unsigned i = 0; i < lay->nparts; i++) {
			const struct disk_part *p = &lay->parts[i];
			json_object *jp = json_object_new_object();
			json_object_object_add(jp, "number", json_object_new_int(p->number));
			json_object_object_add(jp, "role", json_object_new_string(disk_role_name(p->role)));
			json_object_object_add(jp, "fs", json_object_new_string(disk_fs_name(p->fs)));
			json_object_object_add(jp, "start", json_object_new_int64((int64_t)p->start));
			json_object_object_add(jp, "size", json_object_new_int64((int64_t)p->size));
			json_object_object_add(jp, "uuid", json_object_new_string(p->fs_uuid));
			json_object_object_add(jp, "partuuid", json_object_new_string(p->partuuid));
			json_object_array_add(parts, jp);
		}
		json_object_object_add(j, "partitions", parts);
		json_object_object_add(j, "kernel", json_object_new_string(res->kernel));
		json_object_object_add(j, "initrd", json_object_new_string(res->initrd));
		json_object_object_add(j, "cmdline", json_object_new_string(res->cmdline));
		json_object *w = json_object_new_array();
		for (unsigned i = 0; i < res->nwarnings; i++)
			json_object_array_add(w, json_object_new_string(res->warnings[i]));
		json_object_object_add(j, "warnings", w);
	}
	if (!ok) {
		struct dynbuf d;
		dyn_init(&d, 4096);
		err_format(e, &d);
		json_object_object_add(j, "error", json_object_new_string(dyn_ptr(&d)));
		dyn_free(&d);
	}
	puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
}

int cmd_build(int argc, char **argv)
{
	enum { O_LAYOUT = 256, O_SIZE, O_ROOT, O_TARBALL, O_FROM_DISK, O_OUT, O_BOOT, O_JSON,
	       O_TABLE, O_ROOT_FS, O_BOOT_SIZE, O_ESP_SIZE, O_KERNEL, O_INITRD, O_CMDLINE,
	       O_OVERWRITE, O_CONFIRM, O_DRY_RUN, O_HELP, O_DEBOOTSTRAP, O_MIRROR, O_INCLUDE,
	       O_DEBOOTSTRAP_CACHE, O_COPY_IN };
	static const struct option opts[] = {
		{"layout", required_argument, NULL, O_LAYOUT},
		{"size", required_argument, NULL, O_SIZE},
		{"root", required_argument, NULL, O_ROOT},
		{"tarball", required_argument, NULL, O_TARBALL},
		{"from-disk", required_argument, NULL, O_FROM_DISK},
		{"out", required_argument, NULL, O_OUT},
		{"boot", required_argument, NULL, O_BOOT},
		{"json", no_argument, NULL, O_JSON},
		{"table", required_argument, NULL, O_TABLE},
		{"root-fs", required_argument, NULL, O_ROOT_FS},
		{"boot-size", required_argument, NULL, O_BOOT_SIZE},
		{"esp-size", required_argument, NULL, O_ESP_SIZE},
		{"kernel", required_argument, NULL, O_KERNEL},
		{"initrd", required_argument, NULL, O_INITRD},
		{"cmdline", required_argument, NULL, O_CMDLINE},
		{"overwrite", no_argument, NULL, O_OVERWRITE},
		{"confirm-device", required_argument, NULL, O_CONFIRM},
		{"dry-run", no_argument, NULL, O_DRY_RUN},
		{"help", no_argument, NULL, O_HELP},
		{"debootstrap", required_argument, NULL, O_DEBOOTSTRAP},
		{"mirror", required_argument, NULL, O_MIRROR},
		{"include", required_argument, NULL, O_INCLUDE},
		{"debootstrap-cache", required_argument, NULL, O_DEBOOTSTRAP_CACHE},
		{"copy-in", required_argument, NULL, O_COPY_IN},
		{NULL, 0, NULL, 0},
	};
	struct build_opts o = {.layout = {.kind = DISK_LAYOUT_HVM_BIOS, .table = -1}};
	int json = 0, dry = 0, c, nsrc = 0, have_layout = 0;
	const char *size_arg = NULL;
	const char *copy_in[9] = {NULL};
	size_t ncopy = 0;
	int bootstrap_only = 0; /* options that mean nothing without --debootstrap */
	o.on_step = print_step;
	o.step_data = &json;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int v;
		switch (c) {
		case O_LAYOUT:
			if ((v = disk_layout_from_name(optarg)) < 0) {
				cli_errorf("unknown layout %s (pv-classic, pv-simple, hvm-bios, uefi, hybrid)", optarg);
				return CLI_USAGE;
			}
			o.layout.kind = (enum disk_layout_kind)v;
			have_layout = 1;
			break;
		case O_SIZE: size_arg = optarg; break;
		case O_ROOT: o.source_kind = BUILD_FROM_DIR; o.source = optarg; nsrc++; break;
		case O_TARBALL: o.source_kind = BUILD_FROM_TARBALL; o.source = optarg; nsrc++; break;
		case O_FROM_DISK: o.source_kind = BUILD_FROM_DISK; o.source = optarg; nsrc++; break;
		case O_OUT: o.out = optarg; break;
		case O_BOOT:
			if ((v = build_boot_from_name(optarg)) < 0) {
				cli_errorf("unknown boot mode %s (pv, bios, uefi, both)", optarg);
				return CLI_USAGE;
			}
			o.boot = (enum build_boot)v;
			break;
		case O_JSON: json = 1; break;
		case O_TABLE:
			if ((v = disk_table_from_name(optarg)) < 0) {
				cli_errorf("unknown partition table %s (mbr, gpt, none)", optarg);
				return CLI_USAGE;
			}
			o.layout.table = v;
			break;
		case O_ROOT_FS:
			if ((v = disk_fs_from_name(optarg)) < 0) {
				cli_errorf("unknown filesystem %s (ext4, ext3, ext2, btrfs, xfs)", optarg);
				return CLI_USAGE;
			}
			o.layout.root_fs = (enum disk_fs)v;
			break;
		case O_BOOT_SIZE:
		case O_ESP_SIZE: {
			uint64_t s = parse_size(optarg);
			if (!s) {
				cli_errorf("unusable size %s (say 256M or 1G)", optarg);
				return CLI_USAGE;
			}
			*(c == O_BOOT_SIZE ? &o.layout.boot_size : &o.layout.esp_size) = s;
			break;
		}
		case O_KERNEL: o.kernel = optarg; break;
		case O_INITRD: o.initrd = optarg; break;
		case O_CMDLINE: o.cmdline = optarg; break;
		case O_OVERWRITE: o.overwrite = true; break;
		case O_CONFIRM: o.confirm_device = optarg; break;
		case O_DRY_RUN: dry = 1; break;
		case O_HELP: cli_usage(stdout, "build"); return CLI_OK;
		case O_DEBOOTSTRAP: o.source_kind = BUILD_FROM_DEBOOTSTRAP; o.source = optarg; nsrc++; break;
		case O_MIRROR: o.mirror = optarg; bootstrap_only = 1; break;
		case O_INCLUDE: o.include = optarg; bootstrap_only = 1; break;
		case O_DEBOOTSTRAP_CACHE: o.debootstrap_cache = optarg; bootstrap_only = 1; break;
		case O_COPY_IN:
			if (ncopy == sizeof(copy_in) / sizeof(copy_in[0]) - 1) {
				cli_errorf("at most %zu --copy-in files", ncopy);
				return CLI_USAGE;
			}
			copy_in[ncopy++] = optarg;
			o.copy_in = copy_in;
			bootstrap_only = 1;
			break;
		default:
			cli_errorf("build: unknown or incomplete option %s", argv[optind - 1]);
			cli_usage(stderr, "build");
			return CLI_USAGE;
		}
	}
	if (optind < argc || nsrc != 1 || !o.out) {
		cli_errorf("build needs exactly one of --root, --tarball, --from-disk, --debootstrap, "
			   "and --out");
		cli_usage(stderr, "build");
		return CLI_USAGE;
	}
	if (bootstrap_only && o.source_kind != BUILD_FROM_DEBOOTSTRAP) {
		cli_errorf("--mirror, --include, --debootstrap-cache and --copy-in go with --debootstrap");
		return CLI_USAGE;
	}
	if (o.source_kind != BUILD_FROM_DISK) {
		if (!have_layout || !size_arg) {
			cli_errorf("build needs --layout and --size");
			return CLI_USAGE;
		}
		o.layout.size = parse_size(size_arg);
		if (o.layout.size < 16 * DISK_MIB || o.layout.size % DISK_SECTOR) {
			cli_errorf("unusable size %s: at least 16M, in whole 512-byte sectors", size_arg);
			return CLI_USAGE;
		}
	}

	struct loop *l = loop_new();
	if (!l) {
		cli_errorf("out of memory");
		return CLI_FINDINGS;
	}
	struct proc_runner r;
	proc_runner_init(&r, l, dry);
	struct build_result *res = calloc(1, sizeof(*res));
	struct err e;
	err_clear(&e);
	int rc = res ? build_image(&r, &o, res, &e) : err_set(&e, ERR_SYSTEM, ENOMEM, "out of memory");
	int exit_code = CLI_OK;
	if (rc < 0)
		exit_code = (e.kind == ERR_USAGE || e.kind == ERR_INPUT) ? CLI_USAGE : CLI_FINDINGS;
	if (json) {
		json_out(&o, res, rc == 0, &e);
	} else if (rc == 0) {
		if (o.source_kind != BUILD_FROM_DISK) {
			const struct disk_layout *lay = &res->layout;
			printf("%s: %s layout, %s table, %s boot\n", o.out, disk_layout_name(lay->kind),
			       disk_table_name(lay->table), build_boot_name(res->boot));
			for (unsigned i = 0; i < lay->nparts; i++) {
				const struct disk_part *p = &lay->parts[i];
				printf("  part %d  %-9s %-5s %8llu MiB at %llu MiB  UUID=%s%s%s\n", p->number,
				       disk_role_name(p->role), disk_fs_name(p->fs),
				       (unsigned long long)(p->size / DISK_MIB),
				       (unsigned long long)(p->start / DISK_MIB), p->fs_uuid,
				       p->partuuid[0] ? " PARTUUID=" : "", p->partuuid);
			}
			printf("  kernel  %s\n", res->kernel[0] ? res->kernel : "(none found)");
			if (res->initrd[0])
				printf("  initrd  %s\n", res->initrd);
			printf("  cmdline %s\n", res->cmdline);
		} else {
			printf("%s: converted from %s\n", o.out, o.source);
		}
		if (dry)
			fputs(dyn_ptr(&r.record), stdout);
	}
	if (res && !json)
		for (unsigned i = 0; i < res->nwarnings; i++)
			fprintf(stderr, "amiwiz build: warning: %s\n", res->warnings[i]);
	if (rc < 0 && !json)
		cli_report_err(&e, false);
	free(res);
	proc_runner_release(&r);
	loop_free(l);
	return exit_code;
}
