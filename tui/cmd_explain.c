/* amiwiz explain: an EC2 error code, a VM Import message, an import task
 * state or a step, in plain words. */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "help/dynbuf.h"
#include "help/help.h"
#include "tui/cli.h"

#define EXPLAIN_INPUT_MAX 4096

/* Columns to wrap at: the terminal's width, or 80 when not a terminal. */
static int output_width(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		if (ws.ws_col < 40)
			return 40;
		return ws.ws_col > 120 ? 120 : ws.ws_col;
	}
	return 80;
}

/* Print `text` word by word, `indent` spaces in, no line wider than `width`
 * (a word longer than the line gets a line of its own). */
static void print_wrapped(const char *text, int indent, int width)
{
	int col = 0;
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		int len = (int)strcspn(p, " ");
		if (col > 0 && col + 1 + len > width) {
			putchar('\n');
			col = 0;
		}
		if (col == 0) {
			printf("%*s", indent, "");
			col = indent;
		} else {
			putchar(' ');
			col++;
		}
		fwrite(p, 1, (size_t)len, stdout);
		col += len;
		p += len;
	}
	if (col > 0)
		putchar('\n');
}

static void print_section(const char *heading, const struct dynbuf *text, int width)
{
	if (dyn_len(text) == 0)
		return;
	printf("\n%s\n", heading);
	print_wrapped(dyn_ptr(text), 2, width);
}

static void print_text(const struct help_text *t)
{
	int width = output_width();
	print_wrapped(dyn_ptr(&t->title), 0, width);
	if (!t->known)
		printf("(amiwiz has no entry for this yet; here is what the code's form tells us)\n");
	if (t->code[0])
		printf("code: %s\n", t->code);
	if (t->request_id[0])
		printf("request id: %s\n", t->request_id);
	print_section("What happened", &t->what, width);
	print_section("Why", &t->why, width);
	print_section("What to do", &t->do_text, width);
	print_section("On the command line", &t->cli, width);
	printf("\n");
	print_wrapped(t->retry ? "Retrying: the same request can succeed if you try again later."
			       : "Retrying: the same request will fail again until something "
				 "changes.",
		      0, width);
}

static int add_string(json_object *o, const char *name, const char *value)
{
	json_object *s = json_object_new_string(value);
	if (!s)
		return -1;
	return json_object_object_add(o, name, s);
}

static int print_json(const struct help_text *t, const char *input)
{
	json_object *o = json_object_new_object();
	json_object *holes = json_object_new_object();
	int r = -1;
	if (!o || !holes)
		goto fail;
	if (json_object_object_add(o, "known", json_object_new_boolean(t->known)) < 0 ||
	    add_string(o, "input", input) < 0 || add_string(o, "code", t->code) < 0 ||
	    add_string(o, "key", t->key) < 0 || add_string(o, "title", dyn_ptr(&t->title)) < 0 ||
	    add_string(o, "what_happened", dyn_ptr(&t->what)) < 0 ||
	    add_string(o, "why", dyn_ptr(&t->why)) < 0 ||
	    add_string(o, "what_to_do", dyn_ptr(&t->do_text)) < 0 ||
	    add_string(o, "cli", dyn_ptr(&t->cli)) < 0 ||
	    add_string(o, "request_id", t->request_id) < 0 ||
	    json_object_object_add(o, "retry_helps", json_object_new_boolean(t->retry)) < 0)
		goto fail;
	for (int i = 0; i < t->holes.n && i < HELP_HOLES_MAX; i++)
		if (add_string(holes, t->holes.hole[i].name, t->holes.hole[i].value) < 0)
			goto fail;
	json_object_object_add(o, "details", holes);
	holes = NULL;
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	r = 0;
fail:
	json_object_put(holes);
	json_object_put(o);
	return r;
}

int cli_explain(int argc, char **argv)
{
	bool json = false;
	int i = 1;
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cli_usage(stdout, "explain");
			return CLI_OK;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			cli_errorf("explain: unknown option %s", argv[i]);
			cli_usage(stderr, "explain");
			return CLI_USAGE;
		} else {
			break;
		}
	}
	if (i >= argc) {
		cli_errorf("explain: give an error code or a message to explain");
		cli_usage(stderr, "explain");
		return CLI_USAGE;
	}
	/* The words of an unquoted message arrive as separate arguments. */
	struct dynbuf in;
	dyn_init(&in, EXPLAIN_INPUT_MAX);
	for (int j = i; j < argc; j++) {
		if ((j > i && dyn_addc(&in, ' ') < 0) || dyn_addstr(&in, argv[j]) < 0) {
			dyn_free(&in);
			cli_errorf("explain: the text is longer than %d bytes", EXPLAIN_INPUT_MAX);
			return CLI_USAGE;
		}
	}
	if (strspn(dyn_ptr(&in), " \t\r\n") == dyn_len(&in)) {
		dyn_free(&in);
		cli_errorf("explain: the text to explain is empty");
		return CLI_USAGE;
	}

	struct help_text t;
	int rc = CLI_FINDINGS;
	if (help_explain(dyn_ptr(&in), &t) < 0) {
		cli_errorf("explain: out of memory");
		goto done;
	}
	if (json) {
		if (print_json(&t, dyn_ptr(&in)) < 0) {
			cli_errorf("explain: out of memory");
			goto done;
		}
	} else {
		print_text(&t);
	}
	rc = t.known ? CLI_OK : CLI_FINDINGS;
done:
	help_text_free(&t);
	dyn_free(&in);
	return rc;
}
