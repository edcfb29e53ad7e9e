/* session internals reachable from the unit tests. */
#ifndef AMIWIZ_AWS_SESSION_PRIV_H
#define AMIWIZ_AWS_SESSION_PRIV_H

#ifdef AMIWIZ_UNITTESTS
#include <stdbool.h>

#include "aws/credentials.h"
#include "aws/query.h"

bool session_url_is_default(enum aws_service svc, const char *region, const char *url);
int session_endpoint_init(struct aws_endpoint *ep, struct http_client *http,
			  const struct aws_config *c, enum aws_service svc, struct err *reterr);
#endif

#endif
