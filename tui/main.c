/* amiwiz: from a Linux kernel and a userland to a bootable EC2 machine image. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "tui/cli.h"

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *synopsis;
};

static const struct cli_command commands[] = {
#define X(name, fn, summary, synopsis) {name, fn, summary, synopsis},
	CLI_COMMANDS(X)
#undef X
	{NULL, NULL, NULL, NULL},
};

void cli_errorf(const char *fmt, ...)
{
	va_list ap;
	fputs("amiwiz: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; commands[i].name; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

void cli_usage(FILE *f, const char *command)
{
	const struct cli_command *c = find_command(command);
	if (c)
		fprintf(f, "usage: amiwiz %s %s\n", c->name, c->synopsis);
}

static void print_help(FILE *f)
{
	fprintf(f, "amiwiz %s - make a bootable Amazon EC2 machine image (AMI), step by step\n\n",
		AMIWIZ_VERSION);
	fputs("usage: amiwiz [--help] [--version] <command> [<args>]\n"
	      "       amiwiz help <command>\n\n"
	      "commands:\n",
	      f);
	for (size_t i = 0; commands[i].name; i++)
		fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fputs("\nexit status:\n"
	      "  0  done, nothing wrong found\n"
	      "  1  done, and a blocker was found, or the operation failed\n"
	      "  2  the command line or an input could not be used\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_help(stdout);
		return CLI_OK;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		print_help(stdout);
		return CLI_OK;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("amiwiz %s\n", AMIWIZ_VERSION);
		return CLI_OK;
	}
	if (strcmp(cmd, "help") == 0) {
		if (argc < 3) {
			print_help(stdout);
			return CLI_OK;
		}
		if (!find_command(argv[2])) {
			cli_errorf("no such command: %s (see amiwiz --help)", argv[2]);
			return CLI_USAGE;
		}
		cli_usage(stdout, argv[2]);
		return CLI_OK;
	}
	const struct cli_command *c = find_command(cmd);
	if (!c) {
		if (cmd[0] == '-')
			cli_errorf("unknown option: %s (see amiwiz --help)", cmd);
		else
			cli_errorf("no such command: %s (see amiwiz --help)", cmd);
		return CLI_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
