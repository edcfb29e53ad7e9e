/* Telling the user, in plain words, why something failed. */
#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "help/err.h"
#include "help/help.h"
#include "tui/cli.h"

static json_object *json_str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

void cli_report_err(const struct err *e, bool json)
{
	struct dynbuf line;
	struct help_text t;
	dyn_init(&line, 4096);
	err_format(e, &line);
	help_for_err(e, &t);
	fprintf(stderr, "amiwiz: %s\n\n", dyn_ptr(&line));
	fprintf(stderr, "%s\n", dyn_ptr(&t.title));
	if (dyn_len(&t.what))
		fprintf(stderr, "\nWhat happened: %s\n", dyn_ptr(&t.what));
	if (dyn_len(&t.why))
		fprintf(stderr, "\nWhy: %s\n", dyn_ptr(&t.why));
	if (dyn_len(&t.do_text))
		fprintf(stderr, "\nWhat to do: %s\n", dyn_ptr(&t.do_text));
	if (json) {
		json_object *o = json_object_new_object(), *r = json_object_new_object();
		json_object_object_add(r, "kind", json_object_new_string(err_kind_name(e->kind)));
		json_object_object_add(r, "code", json_object_new_int64(e->code));
		json_object_object_add(r, "aws_code", json_str_or_null(e->aws_code[0] ? e->aws_code : NULL));
		json_object_object_add(r, "request_id",
				       json_str_or_null(e->request_id[0] ? e->request_id : NULL));
		json_object_object_add(r, "doing", json_str_or_null(e->doing[0] ? e->doing : NULL));
		json_object_object_add(r, "message", json_object_new_string(e->message));
		json_object_object_add(r, "help_key", json_str_or_null(t.key));
		json_object_object_add(r, "title", json_object_new_string(dyn_ptr(&t.title)));
		json_object_object_add(r, "what", json_object_new_string(dyn_ptr(&t.what)));
		json_object_object_add(r, "why", json_object_new_string(dyn_ptr(&t.why)));
		json_object_object_add(r, "do", json_object_new_string(dyn_ptr(&t.do_text)));
		json_object_object_add(o, "error", r);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	help_text_free(&t);
	dyn_free(&line);
}
