/* amiwiz whoami: whose credentials amiwiz would use, where every setting came
 * from, and which endpoints it talks to.  Never the secret. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "aws/sts.h"
#include "tui/cli.h"
#include "tui/cli_aws.h"

/* The access key id with all but its last four characters hidden, as
 * `aws configure list` shows it. */
static void mask_key(const char *key, char *out, size_t size)
{
	size_t n = key ? strlen(key) : 0;
	size_t shown = n > 4 ? 4 : 0;
	size_t i = 0;
	for (; i + shown < n && i + 1 < size; i++)
		out[i] = '*';
	snprintf(out + i, size - i, "%s", key ? key + (n - shown) : "");
}

static json_object *setting_json(const struct aws_setting *s)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "value", cli_json_str(s->value));
	json_object_object_add(o, "source", json_object_new_string(s->source));
	return o;
}

static void print_json(const struct aws_session *s, const struct sts_identity *id)
{
	const struct aws_config *c = &s->config;
	char key[160];
	mask_key(s->signer.creds.access_key_id, key, sizeof(key));
	json_object *o = json_object_new_object();
	json_object_object_add(o, "account", json_object_new_string(id->account));
	json_object_object_add(o, "arn", json_object_new_string(id->arn));
	json_object_object_add(o, "user_id", json_object_new_string(id->user_id));
	json_object_object_add(o, "request_id", json_object_new_string(id->request_id));
	json_object_object_add(o, "region", setting_json(&c->region));
	json_object_object_add(o, "profile", setting_json(&c->profile));
	json_object_object_add(o, "config_file", setting_json(&c->config_file));
	json_object_object_add(o, "credentials_file", setting_json(&c->credentials_file));
	json_object_object_add(o, "ca_bundle", setting_json(&c->ca_bundle));
	json_object *cr = json_object_new_object();
	json_object_object_add(cr, "access_key_id", json_object_new_string(key));
	json_object_object_add(cr, "source", json_object_new_string(s->creds_source));
	json_object_object_add(cr, "session_token", json_object_new_boolean(aws_session_has_token(s)));
	json_object_object_add(cr, "expiration", cli_json_str(aws_session_expiration(s)));
	json_object_object_add(cr, "assumed_role", s->assumed_role ? cli_json_str(c->role.role_arn)
								  : NULL);
	json_object_object_add(o, "credentials", cr);
	json_object *eps = json_object_new_object();
	for (int i = 0; i < AWS_SVC_MAX; i++) {
		const struct aws_endpoint_conf *e = &c->endpoint[i];
		json_object *ep = json_object_new_object();
		json_object_object_add(ep, "url", cli_json_str(e->url));
		json_object_object_add(ep, "source", json_object_new_string(e->source));
		json_object_object_add(ep, "signing_region", json_object_new_string(e->signing_region));
		json_object_object_add(eps, aws_service_name((enum aws_service)i), ep);
	}
	json_object_object_add(o, "endpoints", eps);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void print_setting(const char *label, const struct aws_setting *s)
{
	printf("%-18s %s\n%-18s   (from %s)\n", label, s->value ? s->value : "(not set)", "",
	       s->source);
}

static void print_text(const struct aws_session *s, const struct sts_identity *id)
{
	const struct aws_config *c = &s->config;
	char key[160];
	mask_key(s->signer.creds.access_key_id, key, sizeof(key));
	printf("%-18s %s\n", "Account:", id->account);
	printf("%-18s %s\n", "ARN:", id->arn);
	printf("%-18s %s\n", "User id:", id->user_id);
	print_setting("Region:", &c->region);
	print_setting("Profile:", &c->profile);
	print_setting("Config file:", &c->config_file);
	print_setting("Credentials file:", &c->credentials_file);
	if (c->ca_bundle.value)
		print_setting("CA bundle:", &c->ca_bundle);
	printf("%-18s %s\n", "Access key:", key);
	printf("%-18s %s\n", "  from:", s->creds_source);
	const char *exp = aws_session_expiration(s);
	printf("%-18s %s\n", "  session token:", aws_session_has_token(s) ? "yes" : "no");
	printf("%-18s %s\n", "  expires:", exp ? exp : "never (long-term keys)");
	printf("Endpoints:\n");
	for (int i = 0; i < AWS_SVC_MAX; i++) {
		const struct aws_endpoint_conf *e = &c->endpoint[i];
		printf("  %-5s %s\n        (%s; signed for %s)\n", aws_service_name((enum aws_service)i),
		       e->url ? e->url : "(none)", e->source,
		       e->signing_region[0] ? e->signing_region : "-");
	}
}

static const struct option options[] = {
	{"profile", required_argument, NULL, 'p'},
	{"log", required_argument, NULL, 'l'},
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_whoami(int argc, char **argv)
{
	const char *profile = NULL, *log_path = NULL;
	bool json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:l:jh", options, NULL)) != -1) {
		switch (c) {
		case 'p': profile = optarg; break;
		case 'l': log_path = optarg; break;
		case 'j': json = true; break;
		case 'h': cli_usage(stdout, "whoami"); return CLI_OK;
		default: cli_usage(stderr, "whoami"); return CLI_USAGE;
		}
	}
	if (optind < argc) {
		cli_errorf("unexpected argument: %s", argv[optind]);
		cli_usage(stderr, "whoami");
		return CLI_USAGE;
	}

	struct cli_aws a;
	struct err e;
	struct sts_identity id;
	struct sts_get_caller_identity_req req = {0};
	err_clear(&e);
	if (cli_aws_open(&a, profile, log_path, &e) < 0) {
		cli_report_err(&e, json);
		cli_aws_close(&a);
		return cli_aws_exit_code(&e);
	}
	if (sts_get_caller_identity(&a.session->sts, &req, &id, &e) < 0) {
		cli_report_err(&e, json);
		cli_aws_close(&a);
		return CLI_FINDINGS;
	}
	if (json)
		print_json(a.session, &id);
	else
		print_text(a.session, &id);
	cli_aws_close(&a);
	return CLI_OK;
}
