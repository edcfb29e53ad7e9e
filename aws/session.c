#include "aws/session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "aws/awsutil.h"
#include "aws/session_priv.h"
#include "help/help.h"
#include "help/loop.h"
#include "help/unittest.h"

/* Whether the configured URL is the one AWS itself serves for the service:
 * only then may S3 use virtual-host addressing, and only then is the
 * endpoint not "custom". */
UNITTEST bool session_url_is_default(enum aws_service svc, const char *region, const char *url)
{
	struct dynbuf d;
	char signing[64];
	bool same = false;
	dyn_init(&d, 1024);
	if (url && aws_default_endpoint(svc, region, &d, signing) == 0)
		same = strcmp(dyn_ptr(&d), url) == 0;
	dyn_free(&d);
	return same;
}

static int no_region(struct err *reterr, enum aws_service svc)
{
	return err_set(reterr, ERR_INPUT, 0,
		       "No AWS region is set, so amiwiz does not know where to send %s calls: "
		       "set AWS_REGION (for example AWS_REGION=us-east-1) or run "
		       "`aws configure set region us-east-1`",
		       aws_service_name(svc));
}

/* Fill one Query/REST endpoint from the configuration's settings for it. */
UNITTEST int session_endpoint_init(struct aws_endpoint *ep, struct http_client *http,
				   const struct aws_config *c, enum aws_service svc,
				   struct err *reterr)
{
	const struct aws_endpoint_conf *conf = &c->endpoint[svc];
	if (!conf->url)
		return no_region(reterr, svc);
	if (aws_endpoint_init(ep, http, aws_service_name(svc), conf->signing_region, conf->url,
			      reterr) < 0) {
		err_doing(reterr, "Setting up the %s endpoint from %s", aws_service_name(svc),
			  conf->source);
		return -1;
	}
	ep->custom = !session_url_is_default(svc, c->region.value, conf->url);
	return 0;
}

static void set_signer(struct aws_session *s, const struct aws_session_opts *opts)
{
	struct aws_endpoint *eps[] = {&s->ec2, &s->ebs, &s->iam, &s->sts};
	for (size_t i = 0; i < sizeof(eps) / sizeof(eps[0]); i++) {
		eps[i]->sign = aws_sign_http;
		eps[i]->sign_ctx = &s->signer;
		eps[i]->deadline_ms = opts->deadline_ms;
		eps[i]->max_attempts = opts->max_attempts;
	}
	s->s3.sign = aws_sign_http;
	s->s3.sign_ctx = &s->signer;
	s->s3.deadline_ms = opts->deadline_ms;
}

/* STS AssumeRole with the role's source credentials; the signer then holds
 * the temporary ones. */
static int assume_role(struct aws_session *s, const struct aws_session_opts *opts,
		       struct err *reterr)
{
	const struct aws_role *role = &s->config.role;
	char name[64];
	if (role->mfa_serial && *role->mfa_serial)
		return err_set(reterr, ERR_CREDENTIALS, HELP_CRED_OTHER,
			       "Profile %s assumes role %s with an MFA code (mfa_serial), which "
			       "amiwiz cannot ask for yet: get temporary credentials with "
			       "`aws sts assume-role` and put them in the environment",
			       s->config.profile.value, role->role_arn);
	if (role->role_session_name && *role->role_session_name)
		aws_strlcpy(name, role->role_session_name, sizeof(name));
	else if (opts->session_name && *opts->session_name)
		aws_strlcpy(name, opts->session_name, sizeof(name));
	else
		snprintf(name, sizeof(name), "amiwiz-%ld", (long)getpid());

	s->role_creds = calloc(1, sizeof(*s->role_creds));
	if (!s->role_creds)
		return err_sys(reterr, ENOMEM, "Assuming role %s", role->role_arn);
	aws_config_source_creds(&s->config, &s->signer.creds);
	struct sts_assume_role_req req = {
		.role_arn = role->role_arn,
		.session_name = name,
		.duration_seconds = role->duration_seconds,
		.external_id = role->external_id,
	};
	if (sts_assume_role(&s->sts, &req, s->role_creds, reterr) < 0) {
		err_doing(reterr, "Assuming role %s (profile %s) with the credentials of %s",
			  role->role_arn, s->config.profile.value, s->config.creds.source);
		/* Refused keys and roles are credential problems to the user. */
		if (reterr && reterr->kind == ERR_SERVICE && reterr->code >= 400 &&
		    reterr->code < 500)
			reterr->kind = ERR_CREDENTIALS;
		return -1;
	}
	s->signer.creds.access_key_id = s->role_creds->access_key_id;
	s->signer.creds.secret_access_key = s->role_creds->secret_access_key;
	s->signer.creds.session_token =
		s->role_creds->session_token[0] ? s->role_creds->session_token : NULL;
	s->assumed_role = true;
	snprintf(s->creds_source, sizeof(s->creds_source),
		 "AssumeRole of %s (from %s) with the credentials of %s", role->role_arn,
		 role->source, s->config.creds.source);
	return 0;
}

/* Every secret this session knows, for err_redact. */
static void redact(const struct aws_session *s, struct err *e)
{
	if (!e)
		return;
	err_redact(e, s->config.creds.secret_access_key);
	err_redact(e, s->config.creds.session_token);
	if (s->role_creds) {
		err_redact(e, s->role_creds->secret_access_key);
		err_redact(e, s->role_creds->session_token);
	}
}

struct aws_session *aws_session_open(const struct aws_session_opts *opts, struct err *reterr)
{
	static const struct aws_session_opts defaults = {0};
	if (!opts)
		opts = &defaults;
	struct aws_session *s = calloc(1, sizeof(*s));
	if (!s) {
		err_sys(reterr, ENOMEM, "Opening an AWS session");
		return NULL;
	}
	aws_config_init(&s->config);
	if (aws_config_load(&s->config, opts->config, reterr) < 0)
		goto fail;
	if (!s->config.have_creds) {
		aws_config_no_creds_error(&s->config, reterr);
		goto fail;
	}

	s->loop = loop_new();
	if (!s->loop) {
		err_sys(reterr, ENOMEM, "Opening an AWS session");
		goto fail;
	}
	struct http_client_config hc = {
		.ca_bundle = s->config.ca_bundle.value,
		.log = opts->log ? http_log_to_file : NULL,
		.log_ctx = opts->log,
		.max_attempts = opts->max_attempts,
		.backoff_base_ms = opts->backoff_base_ms,
	};
	s->http = http_client_new(s->loop, &hc, reterr);
	if (!s->http)
		goto fail;

	if (session_endpoint_init(&s->ec2, s->http, &s->config, AWS_SVC_EC2, reterr) < 0 ||
	    session_endpoint_init(&s->ebs, s->http, &s->config, AWS_SVC_EBS, reterr) < 0 ||
	    session_endpoint_init(&s->iam, s->http, &s->config, AWS_SVC_IAM, reterr) < 0 ||
	    session_endpoint_init(&s->sts, s->http, &s->config, AWS_SVC_STS, reterr) < 0)
		goto fail;
	const struct aws_endpoint_conf *s3c = &s->config.endpoint[AWS_SVC_S3];
	if (!s3c->url) {
		no_region(reterr, AWS_SVC_S3);
		goto fail;
	}
	bool s3_default = session_url_is_default(AWS_SVC_S3, s->config.region.value, s3c->url);
	if (s3_client_init(&s->s3, s->http, s3c->signing_region, s3_default ? NULL : s3c->url,
			   reterr) < 0) {
		err_doing(reterr, "Setting up the s3 endpoint from %s", s3c->source);
		goto fail;
	}
	set_signer(s, opts);

	if (s->config.needs_assume_role) {
		if (assume_role(s, opts, reterr) < 0)
			goto fail;
	} else {
		if (aws_config_sigv4_creds(&s->config, &s->signer.creds, reterr) < 0)
			goto fail;
		snprintf(s->creds_source, sizeof(s->creds_source), "%s", s->config.creds.source);
	}
	return s;

fail:
	redact(s, reterr);
	aws_session_close(s);
	return NULL;
}

struct aws_session *aws_session_close(struct aws_session *s)
{
	if (!s)
		return NULL;
	/* Pending calls end (ERR_CANCELLED) before the credentials go. */
	http_client_free(s->http);
	loop_free(s->loop);
	if (s->role_creds) {
		sts_credentials_wipe(s->role_creds);
		free(s->role_creds);
	}
	OPENSSL_cleanse(&s->signer, sizeof(s->signer));
	aws_config_free(&s->config);
	free(s);
	return NULL;
}

const struct aws_endpoint *aws_session_endpoint(const struct aws_session *s,
						 enum aws_service svc)
{
	switch (svc) {
	case AWS_SVC_EC2: return &s->ec2;
	case AWS_SVC_EBS: return &s->ebs;
	case AWS_SVC_IAM: return &s->iam;
	case AWS_SVC_STS: return &s->sts;
	case AWS_SVC_S3:
	case AWS_SVC_MAX: break;
	}
	return NULL;
}

const char *aws_session_expiration(const struct aws_session *s)
{
	if (s->assumed_role && s->role_creds->expiration[0])
		return s->role_creds->expiration;
	if (!s->assumed_role && s->config.creds.expiration && *s->config.creds.expiration)
		return s->config.creds.expiration;
	return NULL;
}

bool aws_session_has_token(const struct aws_session *s)
{
	return s->signer.creds.session_token && *s->signer.creds.session_token;
}
