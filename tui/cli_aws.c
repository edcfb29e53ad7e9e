#include "tui/cli_aws.h"

#include <errno.h>
#include <string.h>

#include "help/help.h"
#include "tui/cli.h"

int cli_aws_open(struct cli_aws *a, const char *profile, const char *log_path,
		 struct err *reterr)
{
	memset(a, 0, sizeof(*a));
	if (log_path) {
		a->log = fopen(log_path, "ae");
		if (!a->log)
			return err_sys(reterr, errno, "Opening the log file %s", log_path);
		setvbuf(a->log, NULL, _IOLBF, 0);
	}
	struct aws_config_opts co = {.profile = profile};
	struct aws_session_opts so = {.config = &co, .log = a->log};
	a->session = aws_session_open(&so, reterr);
	return a->session ? 0 : -1;
}

void cli_aws_close(struct cli_aws *a)
{
	a->session = aws_session_close(a->session);
	if (a->log)
		fclose(a->log);
	a->log = NULL;
}

int cli_aws_exit_code(const struct err *e)
{
	return e->kind == ERR_INPUT || e->kind == ERR_USAGE ? CLI_USAGE : CLI_FINDINGS;
}

json_object *cli_json_str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

