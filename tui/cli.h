/* cli: the headless subcommands of the amiwiz binary.
 *
 * Every capability is reachable as `amiwiz <command> ...`; the wizard is a
 * front end over the same engine calls.  A command is one function taking its
 * own argv (argv[0] is the command's name) and returning an exit code.
 */
#ifndef AMIWIZ_TUI_CLI_H
#define AMIWIZ_TUI_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* Exit codes, the same for every command (documented in `amiwiz --help`). */
enum cli_exit {
	CLI_OK = 0,       /* done; no findings */
	CLI_FINDINGS = 1, /* done, and found blockers; or the operation failed */
	CLI_USAGE = 2,    /* the command line or the input could not be used */
};

/* The command list: name, function, one-line summary, usage synopsis.
 * It generates the dispatch table and the help text. */
#define CLI_COMMANDS(X)                                                                            \
	X("aki", cli_aki, "Show the pv-grub kernel (AKI) for a paravirtual image",                  \
	  "[--region R] [--arch i386|x86_64] [--disk hd0|hd00] [--json]")                          \
	X("boot-test", cmd_boot_test, "Boot an image under QEMU and say how far it got",            \
	  "[--timeout S] [--firmware bios|uefi|auto] [--kernel F [--initrd F] [--append ARGS]] "    \
	  "[--no-kvm] [--verbose] IMAGE")                                                           \
	X("build", cmd_build, "Lay out and populate a bootable disk image",                         \
	  "--layout L --size S (--root DIR | --tarball F | --from-disk F) --out IMG "               \
	  "[--boot pv|bios|uefi|both] [--table mbr|gpt|none] [--root-fs FS] [--kernel PATH] "       \
	  "[--initrd PATH] [--cmdline ARGS] [--overwrite] [--confirm-device DEV] [--dry-run] "      \
	  "[--debootstrap SUITE [--mirror URL] [--include PKG,...] [--debootstrap-cache F.tgz] "     \
	  "[--copy-in HOSTFILE:/PATH]...] "                                                          \
	  "[--json]")                                                                               \
	X("check-kernel", cli_check_kernel, "Check whether a kernel can boot on an EC2 target",     \
	  "[--target T]... [--json] PATH...")                                                      \
	X("explain", cli_explain, "Explain an EC2 error code or VM Import message in plain words",  \
	  "[--json] CODE-or-MESSAGE")                                                               \
	X("inspect", cmd_inspect, "Check an image the way pv-grub, the firmware and VM Import will",\
	  "[--target pv|hvm|import] [--json] IMAGE")                                                \
	X("regions", cmd_regions, "List EC2 regions, their endpoints, and where PV images can boot",\
	  "[--profile P] [--all] [--log FILE] [--json]")                                            \
	X("whoami", cmd_whoami, "Show whose AWS credentials are used, and where settings came from",\
	  "[--profile P] [--log FILE] [--json]")

#define X(name, fn, summary, synopsis) int fn(int argc, char **argv);
CLI_COMMANDS(X)
#undef X

/* Print "amiwiz: <message>" to stderr. */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Explain a failure: the record in one line, then the help catalog's title,
 * what happened, why and what to do, to stderr; with `json` also as
 * {"error": {...}} on stdout.  Never prints a secret (records hold none). */
struct err;
void cli_report_err(const struct err *e, bool json);

/* Print one command's usage line to `f`. */
void cli_usage(FILE *f, const char *command);

#endif
