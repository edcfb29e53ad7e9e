/* amiwiz inspect: what pv-grub, the firmware and VM Import will make of an image. */
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/inspect.h"
#include "engine/inspect_kcheck.h"
#include "help/help.h"
#include "tui/cli.h"

#define WRAP 78

/* The catalog's words for a finding ("inspect:<code>"), or NULL. */
static const struct help_entry *finding_help(const struct inspect_finding *f)
{
	char key[64];
	snprintf(key, sizeof(key), "inspect:%s", f->code);
	return help_lookup_key(key);
}

/* Print `text` wrapped at WRAP columns: the first line indented by `indent`
 * and starting with `lead`, the others indented by `cont`. */
static void wrap(int indent, int cont, const char *lead, const char *text)
{
	int col = indent + (int)strlen(lead);
	printf("%*s%s", indent, "", lead);
	bool first = true;
	for (const char *p = text; *p;) {
		while (*p == ' ')
			p++;
		size_t wl = strcspn(p, " ");
		if (wl == 0)
			break;
		if (!first && col + 1 + (int)wl > WRAP) {
			printf("\n%*s", cont, "");
			col = cont;
		} else if (!first) {
			putchar(' ');
			col++;
		}
		fwrite(p, 1, wl, stdout);
		col += (int)wl;
		p += wl;
		first = false;
	}
	putchar('\n');
}

static void print_json(const char *path, const struct inspect_report *r)
{
	json_object *j = json_object_new_object();
	json_object_object_add(j, "image", json_object_new_string(path));
	json_object_object_add(j, "size", json_object_new_int64((int64_t)r->image_size));
	json_object_object_add(j, "format", json_object_new_string(r->format));
	json_object_object_add(j, "table", json_object_new_string(r->table));
	json_object_object_add(j, "boot_code", json_object_new_boolean(r->boot_code));
	json_object *parts = json_object_new_array();
	for (unsigned i = 0; i < r->nparts; i++) {
		const struct inspect_part *p = &r->parts[i];
		json_object *jp = json_object_new_object();
		json_object_object_add(jp, "number", json_object_new_int(p->number));
		json_object_object_add(jp, "start", json_object_new_int64((int64_t)p->start));
		json_object_object_add(jp, "size", json_object_new_int64((int64_t)p->size));
		json_object_object_add(jp, "type", json_object_new_string(p->fstype));
		json_object_object_add(jp, "uuid", json_object_new_string(p->uuid));
		json_object_object_add(jp, "label", json_object_new_string(p->label));
		json_object_object_add(jp, "partuuid", json_object_new_string(p->partuuid));
		json_object_object_add(jp, "parttype", json_object_new_string(p->parttype));
		json_object_object_add(jp, "esp", json_object_new_boolean(p->esp));
		json_object_object_add(jp, "bios_boot", json_object_new_boolean(p->bios_boot));
		json_object_object_add(jp, "efi_fallback", json_object_new_boolean(p->efi_fallback));
		json_object_object_add(jp, "root", json_object_new_boolean(r->root == (int)i));
		if (strcmp(p->fstype, "btrfs") == 0)
			json_object_object_add(jp, "subvolumes", json_object_new_int(p->subvolumes));
		json_object_array_add(parts, jp);
	}
	json_object_object_add(j, "partitions", parts);
	json_object_object_add(j, "os", json_object_new_string(r->os_name));
	json_object_object_add(j, "boot_config", json_object_new_string(r->boot_config));
	json_object_object_add(j, "kernel", json_object_new_string(r->kernel));
	json_object_object_add(j, "kernel_found", json_object_new_boolean(r->kernel_found));
	json_object_object_add(j, "kernel_version", json_object_new_string(r->kernel_version));
	json_object_object_add(j, "kernel_bits", json_object_new_int(r->kernel_bits));
	json_object_object_add(j, "initrd", json_object_new_string(r->initrd));
	json_object_object_add(j, "cmdline", json_object_new_string(r->cmdline));
	json_object_object_add(j, "userland_bits", json_object_new_int(r->userland_bits));
	json_object *fs = json_object_new_array();
	const char *import_status = "";
	for (unsigned i = 0; i < r->nfindings; i++) {
		const struct inspect_finding *f = &r->findings[i];
		json_object *jf = json_object_new_object();
		json_object_object_add(jf, "severity", json_object_new_string(inspect_severity_name(f->severity)));
		json_object_object_add(jf, "code", json_object_new_string(f->code));
		json_object_object_add(jf, "text", json_object_new_string(f->text));
		const struct help_entry *h = finding_help(f);
		if (h) {
			json_object_object_add(jf, "title", json_object_new_string(h->title));
			json_object_object_add(jf, "explanation", json_object_new_string(h->what));
			if (h->why[0])
				json_object_object_add(jf, "why", json_object_new_string(h->why));
			json_object_object_add(jf, "what_to_do", json_object_new_string(h->do_text));
		}
		if (f->import_status[0]) {
			json_object_object_add(jf, "import_status", json_object_new_string(f->import_status));
			if (!import_status[0] && f->severity == INSPECT_BLOCKER)
				import_status = f->import_status;
		}
		json_object_array_add(fs, jf);
	}
	json_object_object_add(j, "findings", fs);
	json_object_object_add(j, "predicted_import_status", json_object_new_string(import_status));
	json_object_object_add(j, "blocked", json_object_new_boolean(inspect_has_blocker(r)));
	puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
}

static void print_text(const char *path, const struct inspect_report *r, enum inspect_target t)
{
	printf("%s: %s image, %llu MiB, %s\n", path, r->format,
	       (unsigned long long)(r->image_size >> 20),
	       r->table[0] ? (strcmp(r->table, "dos") == 0 ? "MBR partition table" : "GPT")
			   : "no partition table");
	for (unsigned i = 0; i < r->nparts; i++) {
		const struct inspect_part *p = &r->parts[i];
		printf("  %s%-2d %-7s %8llu MiB  UUID=%s%s%s%s%s\n", p->number ? "part " : "disk ",
		       p->number, p->fstype[0] ? p->fstype : "(none)",
		       (unsigned long long)(p->size >> 20), p->uuid[0] ? p->uuid : "-",
		       r->root == (int)i ? "  [root]" : "", p->esp ? "  [ESP]" : "",
		       p->bios_boot ? "  [BIOS boot]" : "", p->efi_fallback ? " BOOTX64.EFI" : "");
	}
	if (r->os_name[0])
		printf("  system  %s (%d-bit)\n", r->os_name, r->userland_bits);
	if (r->boot_config[0])
		printf("  boot    %s\n", r->boot_config);
	if (r->kernel[0])
		printf("  kernel  %s%s%s%s\n", r->kernel, r->kernel_found ? "" : " (MISSING)",
		       r->kernel_version[0] ? " version " : "", r->kernel_version);
	printf("verdict for %s:\n", inspect_target_name(t));
	if (!r->nfindings)
		printf("  nothing stands in the way\n");
	/* a finding reported twice (one per partition, say) is explained once */
	bool explained[INSPECT_CODE_MAX] = {false};
	for (unsigned i = 0; i < r->nfindings; i++) {
		const struct inspect_finding *f = &r->findings[i];
		const struct help_entry *h = finding_help(f);
		char lead[32];
		snprintf(lead, sizeof(lead), "[%s] ", inspect_severity_name(f->severity));
		if (h) {
			char title[160];
			snprintf(title, sizeof(title), "%s (%s)", h->title, f->code);
			wrap(2, 6, lead, title);
		} else {
			wrap(2, 6, lead, f->code);
		}
		/* the details and VM Import's message stay on one line each, so
		 * that they can be searched for as they are */
		printf("      %s\n", f->text);
		if (f->import_status[0] && t == INSPECT_TARGET_IMPORT)
			printf("      VM Import would say: %s\n", f->import_status);
		if (!h)
			continue;
		if ((unsigned)f->id < INSPECT_CODE_MAX && explained[f->id]) {
			wrap(6, 6, "", "(explained above)");
			continue;
		}
		if ((unsigned)f->id < INSPECT_CODE_MAX)
			explained[f->id] = true;
		wrap(6, 6, "What it means: ", h->what);
		wrap(6, 6, "Fix: ", h->do_text);
	}
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{"target", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct inspect_opts o = {.target = INSPECT_TARGET_HVM};
	int json = 0, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': {
			int t = inspect_target_from_name(optarg);
			if (t < 0) {
				cli_errorf("unknown target %s (pv, hvm, import)", optarg);
				return CLI_USAGE;
			}
			o.target = (enum inspect_target)t;
			break;
		}
		case 'j': json = 1; break;
		case 'h': cli_usage(stdout, "inspect"); return CLI_OK;
		default:
			cli_errorf("inspect: unknown or incomplete option %s", argv[optind - 1]);
			cli_usage(stderr, "inspect");
			return CLI_USAGE;
		}
	}
	if (optind + 1 != argc) {
		cli_usage(stderr, "inspect");
		return CLI_USAGE;
	}
	const char *path = argv[optind];
	struct inspect_report *r = calloc(1, sizeof(*r));
	struct err e;
	err_clear(&e);
	if (!r) {
		cli_errorf("out of memory");
		return CLI_FINDINGS;
	}
	/* the kernel found in the image is judged by engine/kcheck's rules */
	o.kernel_check = inspect_kcheck;
	if (inspect_image(path, &o, r, &e) < 0) {
		cli_report_err(&e, false);
		free(r);
		return e.kind == ERR_INPUT || e.kind == ERR_USAGE || e.kind == ERR_SYSTEM ? CLI_USAGE
											   : CLI_FINDINGS;
	}
	if (json)
		print_json(path, r);
	else
		print_text(path, r, o.target);
	int rc = inspect_has_blocker(r) ? CLI_FINDINGS : CLI_OK;
	free(r);
	return rc;
}
