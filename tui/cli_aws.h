/* cli_aws: what the commands that talk to AWS share: opening the session
 * with --profile and --log, and telling the user in plain words why a call
 * failed. */
#ifndef AMIWIZ_TUI_CLI_AWS_H
#define AMIWIZ_TUI_CLI_AWS_H

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "aws/session.h"
#include "help/err.h"

struct cli_aws {
	struct aws_session *session;
	FILE *log; /* the --log file, or NULL */
};

/* Open the session for `profile` (NULL: the environment's), logging every
 * HTTP attempt to `log_path` (appended; NULL: no log).  0, or -1 with reterr. */
int cli_aws_open(struct cli_aws *a, const char *profile, const char *log_path,
		 struct err *reterr);

/* Close the session and the log.  Safe on a failed open. */
void cli_aws_close(struct cli_aws *a);


/* The exit code for a failed cli_aws_open: CLI_USAGE when the configuration
 * could not be used (ERR_INPUT, ERR_USAGE), CLI_FINDINGS otherwise. */
int cli_aws_exit_code(const struct err *e);

/* A JSON string, or JSON null for NULL. */
json_object *cli_json_str(const char *s);

#endif
