/* amiwiz check-kernel: can these kernels boot on the chosen EC2 targets? */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kcheck.h"
#include "help/kcheck_text.h"
#include "tui/cli.h"

#define WRAP 78

/* Print `text` wrapped at WRAP columns, every line starting with `indent`
 * spaces, the first one after `lead` (already indented). */
static void wrap(FILE *f, int indent, const char *lead, const char *text)
{
	int col = indent;
	fprintf(f, "%*s", indent, "");
	if (lead) {
		fputs(lead, f);
		col += (int)strlen(lead);
	}
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t wl = strcspn(p, " ");
		if (wl == 0)
			break;
		if (col + 1 + (int)wl > WRAP && col > indent) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent && !(lead && col == indent + (int)strlen(lead))) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, wl, f);
		col += (int)wl;
		p += wl;
	}
	fputc('\n', f);
}

static void verdict_text(const struct kcheck_result *r, char *buf, size_t size)
{
	size_t w = kcheck_result_count(r, KSEV_WARNING);
	size_t b = kcheck_result_count(r, KSEV_BLOCKER);
	if (r->verdict == KV_CANNOT_BOOT) {
		snprintf(buf, size, "cannot boot (%zu blocker%s)", b, b == 1 ? "" : "s");
		return;
	}
	int n;
	if (r->min_pvgrub)
		n = snprintf(buf, size, "boots on a pv-grub %u.%02u+ AKI", r->min_pvgrub / 100,
			     r->min_pvgrub % 100);
	else
		n = snprintf(buf, size, "boots");
	if (w && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ", if the %zu warning%s below %s sorted out", w,
			 w == 1 ? "" : "s", w == 1 ? "is" : "are");
}

static void print_facts(FILE *f, const struct kcheck_kernel *k)
{
	fprintf(f, "%s\n", k->name);
	if (k->have_image && k->image.version_text[0])
		fprintf(f, "  %-13s %s\n", "version", k->image.version_text);
	else
		fprintf(f, "  %-13s %s\n", "version", k->release[0] ? k->release : "unknown");
	fprintf(f, "  %-13s %s\n", "architecture", karch_name(k->arch));
	if (k->image_beside_config && k->have_image)
		fprintf(f, "  %-13s %s (found beside the configuration; image facts from it)\n",
			"kernel", k->image_path);
	else if (k->image_beside_config)
		fprintf(f, "  %-13s %s (found beside the configuration): cannot read it: %s\n",
			"kernel", k->image_path, k->image_error);
	if (k->have_image) {
		const struct kimage_info *im = &k->image;
		if (im->protocol)
			fprintf(f, "  %-13s %s, boot protocol %u.%02u\n", "image",
				kimage_format_name(im->format), im->protocol >> 8,
				im->protocol & 0xff);
		else
			fprintf(f, "  %-13s %s\n", "image", kimage_format_name(im->format));
		fprintf(f, "  %-13s %s%s\n", "EFI", im->efi_stub ? "EFI stub" : "no EFI stub",
			im->efi_handover ? ", EFI handover" : "");
	}
	if (k->compression_known)
		fprintf(f, "  %-13s %s%s\n", "compression", decomp_kind_name(k->compression),
			k->have_image ? "" : " (from the configuration)");
	else
		fprintf(f, "  %-13s %s\n", "compression", "unknown");
	if (k->config_source == KCS_NONE)
		fprintf(f, "  %-13s %s\n", "config", "not found");
	else if (k->config_source == KCS_IKCONFIG)
		fprintf(f, "  %-13s stored in the kernel (IKCONFIG), %zu options\n", "config",
			k->config.n);
	else
		fprintf(f, "  %-13s %s (%zu options)\n", "config", k->config_path, k->config.n);
	if (!k->have_image && !k->image_beside_config && !k->initramfs_path[0])
		;
	else if (k->have_initramfs)
		fprintf(f, "  %-13s %s (%zu modules)\n", "initramfs", k->initramfs_path,
			k->initramfs.n_modules);
	else if (k->initramfs_path[0])
		fprintf(f, "  %-13s %s: cannot read it: %s\n", "initramfs", k->initramfs_path,
			k->initramfs_error);
	else
		fprintf(f, "  %-13s %s\n", "initramfs",
			k->have_image ? "none found beside the kernel"
				      : "none found beside the configuration");
}

/* `explained` remembers which findings were explained for this kernel, so a
 * finding repeated under several targets is explained once. */
static void print_result(FILE *f, const struct kcheck_result *r, int explained[KF_MAX])
{
	char v[160];
	verdict_text(r, v, sizeof(v));
	fprintf(f, "\n  %-10s %s\n", kcheck_target_name(r->target), v);
	for (size_t i = 0; i < r->n; i++) {
		const struct kcheck_finding *fd = &r->findings[i];
		struct kcheck_text tt, *t = &tt;
		kcheck_text(fd->id, &tt);
		char lead[32];
		snprintf(lead, sizeof(lead), "[%s] ", kcheck_severity_name(fd->severity));
		wrap(f, 4, lead, t->title);
		char line[512];
		snprintf(line, sizeof(line), "%s: needs %s; has %s", fd->option, fd->needs, fd->has);
		wrap(f, 6, NULL, line);
		if (fd->severity == KSEV_NOTE)
			continue;
		if (explained[fd->id]++) {
			wrap(f, 6, NULL, "(explained above)");
			continue;
		}
		wrap(f, 6, NULL, t->explanation);
		wrap(f, 6, "Fix: ", t->fix);
	}
}

static json_object *json_str(const char *s)
{
	return s && s[0] ? json_object_new_string(s) : NULL;
}

static json_object *kernel_json(const struct kcheck_kernel *k, struct kcheck_result *res,
				size_t nres)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(k->name));
	json_object_object_add(o, "release", json_str(k->release));
	json_object_object_add(o, "arch", json_object_new_string(karch_name(k->arch)));
	json_object_object_add(o, "compression", k->compression_known
							 ? json_object_new_string(
								   decomp_kind_name(k->compression))
							 : NULL);
	if (k->have_image) {
		json_object *im = json_object_new_object();
		char proto[16];
		snprintf(proto, sizeof(proto), "%u.%02u", k->image.protocol >> 8,
			 k->image.protocol & 0xff);
		json_object_object_add(im, "path", json_object_new_string(k->image_path));
		json_object_object_add(im, "format",
				       json_object_new_string(kimage_format_name(k->image.format)));
		json_object_object_add(im, "version_text", json_str(k->image.version_text));
		json_object_object_add(im, "boot_protocol",
				       k->image.protocol ? json_object_new_string(proto) : NULL);
		json_object_object_add(im, "xloadflags", json_object_new_int((int)k->image.xloadflags));
		json_object_object_add(im, "efi_stub", json_object_new_boolean(k->image.efi_stub));
		json_object_object_add(im, "efi_handover",
				       json_object_new_boolean(k->image.efi_handover));
		json_object_object_add(im, "beside_config",
				       json_object_new_boolean(k->image_beside_config));
		json_object_object_add(o, "image", im);
	} else if (k->image_beside_config) {
		json_object *im = json_object_new_object();
		json_object_object_add(im, "path", json_object_new_string(k->image_path));
		json_object_object_add(im, "beside_config", json_object_new_boolean(1));
		json_object_object_add(im, "error", json_str(k->image_error));
		json_object_object_add(o, "image", im);
	}
	json_object *cfg = json_object_new_object();
	json_object_object_add(cfg, "source",
			       json_object_new_string(kcheck_config_source_name(k->config_source)));
	json_object_object_add(cfg, "path", json_str(k->config_path));
	json_object_object_add(cfg, "options", json_object_new_int64((int64_t)k->config.n));
	json_object_object_add(o, "config", cfg);
	json_object *ir = json_object_new_object();
	json_object_object_add(ir, "path", json_str(k->initramfs_path));
	json_object_object_add(ir, "read", json_object_new_boolean(k->have_initramfs));
	json_object_object_add(ir, "error", json_str(k->initramfs_error));
	json_object_object_add(ir, "modules", json_object_new_int64((int64_t)k->initramfs.n_modules));
	json_object_object_add(o, "initramfs", ir);
	json_object *targets = json_object_new_array();
	for (size_t i = 0; i < nres; i++) {
		const struct kcheck_result *r = &res[i];
		json_object *t = json_object_new_object();
		json_object_object_add(t, "target",
				       json_object_new_string(kcheck_target_name(r->target)));
		json_object_object_add(t, "verdict",
				       json_object_new_string(kcheck_verdict_name(r->verdict)));
		char pv[16];
		snprintf(pv, sizeof(pv), "%u.%02u", r->min_pvgrub / 100, r->min_pvgrub % 100);
		json_object_object_add(t, "min_pvgrub",
				       r->min_pvgrub ? json_object_new_string(pv) : NULL);
		json_object *fa = json_object_new_array();
		for (size_t j = 0; j < r->n; j++) {
			const struct kcheck_finding *fd = &r->findings[j];
			struct kcheck_text txt, *tx = &txt;
			kcheck_text(fd->id, &txt);
			json_object *fo = json_object_new_object();
			json_object_object_add(fo, "id", json_object_new_string(tx->slug));
			json_object_object_add(
				fo, "severity",
				json_object_new_string(kcheck_severity_name(fd->severity)));
			json_object_object_add(fo, "option", json_object_new_string(fd->option));
			json_object_object_add(fo, "needs", json_object_new_string(fd->needs));
			json_object_object_add(fo, "has", json_object_new_string(fd->has));
			json_object_object_add(fo, "title", json_object_new_string(tx->title));
			json_object_object_add(fo, "explanation",
					       json_object_new_string(tx->explanation));
			json_object_object_add(fo, "fix", json_object_new_string(tx->fix));
			json_object_array_add(fa, fo);
		}
		json_object_object_add(t, "findings", fa);
		json_object_array_add(targets, t);
	}
	json_object_object_add(o, "targets", targets);
	return o;
}

/* Add the targets named in `arg` ("nitro" or "pv-i386,nitro") to `want`. */
static int parse_targets(const char *arg, int want[KT_MAX])
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", arg);
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		enum kcheck_target t;
		if (strcmp(tok, "all") == 0) {
			for (int i = 0; i < KT_MAX; i++)
				want[i] = 1;
			continue;
		}
		if (kcheck_target_from_name(tok, &t) < 0) {
			cli_errorf("unknown target \"%s\"; the targets are: pv-i386, pv-x86_64, "
				   "hvm-xen, nitro, import (or all)",
				   tok);
			return -1;
		}
		want[t] = 1;
	}
	return 0;
}

int cli_check_kernel(int argc, char **argv)
{
	int want[KT_MAX] = {0}, any_target = 0, json = 0, npaths = 0;
	char **paths = calloc((size_t)argc, sizeof(*paths));
	if (!paths)
		return CLI_FINDINGS;
	int rc = CLI_OK;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--json") == 0) {
			json = 1;
		} else if (strcmp(a, "--target") == 0 || strcmp(a, "-t") == 0) {
			if (i + 1 >= argc) {
				cli_errorf("%s needs a target name", a);
				goto usage;
			}
			if (parse_targets(argv[++i], want) < 0)
				goto usage;
			any_target = 1;
		} else if (strncmp(a, "--target=", 9) == 0) {
			if (parse_targets(a + 9, want) < 0)
				goto usage;
			any_target = 1;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			cli_usage(stdout, "check-kernel");
			fputs("\nPATH is a kernel configuration (.config, config-<version>, "
			      "/proc/config.gz),\na kernel image (vmlinuz, vmlinux, arm64 Image), "
			      "or a root or /boot folder.\nBeside a kernel image or a config-<version>, "
			      "the config-, vmlinuz- and\ninitrd.img-<version> (or initramfs-<version>.img) "
			      "files of the same version are\nused too.\nTargets:\n",
			      stdout);
			for (int t = 0; t < KT_MAX; t++)
				printf("  %-10s %s\n", kcheck_target_name((enum kcheck_target)t),
				       kcheck_target_description((enum kcheck_target)t));
			free(paths);
			return CLI_OK;
		} else if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++)
				paths[npaths++] = argv[i];
		} else if (a[0] == '-' && a[1]) {
			cli_errorf("unknown option %s", a);
			goto usage;
		} else {
			paths[npaths++] = argv[i];
		}
	}
	if (npaths == 0) {
		cli_errorf("check-kernel needs at least one PATH");
		goto usage;
	}
	if (!any_target)
		for (int t = 0; t < KT_MAX; t++)
			want[t] = 1;

	json_object *root = json ? json_object_new_object() : NULL;
	json_object *jkernels = json ? json_object_new_array() : NULL;
	json_object *jerrors = json ? json_object_new_array() : NULL;
	size_t blockers = 0, printed = 0;
	for (int p = 0; p < npaths; p++) {
		struct kcheck_kernel *ks = NULL;
		size_t nk = 0;
		struct err e;
		err_clear(&e);
		if (kcheck_load(paths[p], &ks, &nk, &e) < 0) {
			struct dynbuf msg;
			dyn_init(&msg, 4096);
			err_format(&e, &msg);
			if (json) {
				json_object *eo = json_object_new_object();
				json_object_object_add(eo, "path", json_object_new_string(paths[p]));
				json_object_object_add(eo, "message",
						       json_object_new_string(dyn_ptr(&msg)));
				json_object_array_add(jerrors, eo);
			}
			cli_errorf("%s", dyn_ptr(&msg));
			dyn_free(&msg);
			rc = CLI_USAGE;
			continue;
		}
		for (size_t i = 0; i < nk; i++) {
			struct kcheck_result res[KT_MAX];
			size_t nres = 0;
			for (int t = 0; t < KT_MAX; t++) {
				if (!want[t])
					continue;
				if (kcheck_evaluate(&ks[i], (enum kcheck_target)t, &res[nres], &e) <
				    0) {
					cli_errorf("%s", e.message);
					rc = CLI_FINDINGS;
					continue;
				}
				blockers += kcheck_result_count(&res[nres], KSEV_BLOCKER);
				nres++;
			}
			if (json) {
				json_object_array_add(jkernels, kernel_json(&ks[i], res, nres));
			} else {
				if (printed++)
					fputs("\n\n", stdout);
				int explained[KF_MAX] = {0};
				print_facts(stdout, &ks[i]);
				for (size_t r = 0; r < nres; r++)
					print_result(stdout, &res[r], explained);
			}
			for (size_t r = 0; r < nres; r++)
				kcheck_result_free(&res[r]);
		}
		kcheck_kernels_free(ks, nk);
	}
	if (blockers && rc == CLI_OK)
		rc = CLI_FINDINGS;
	if (json) {
		json_object_object_add(root, "kernels", jkernels);
		json_object_object_add(root, "errors", jerrors);
		json_object_object_add(root, "blockers", json_object_new_int64((int64_t)blockers));
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	} else if (printed) {
		printf("\n%zu blocker%s found.\n", blockers, blockers == 1 ? "" : "s");
	}
	free(paths);
	return rc;
usage:
	cli_usage(stderr, "check-kernel");
	free(paths);
	return CLI_USAGE;
}
