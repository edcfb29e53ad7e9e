/* Internals of sim/auth.c reachable from the unit tests. */
#ifndef AMIWIZ_SIM_AUTH_PRIV_H
#define AMIWIZ_SIM_AUTH_PRIV_H
#ifdef AMIWIZ_UNITTESTS

#include "help/dynbuf.h"
#include "sim/auth.h"

int auth_canonical_query(struct dynbuf *out, const char *raw_query);
int auth_canonical_request(struct dynbuf *out, const struct auth_request *req, const char *service,
			   const char *signed_headers, const char *payload_hash);
void auth_signature_hex(const char *secret, const char *date8, const char *region,
			const char *service, const char *string_to_sign, char hex[65]);

#endif
#endif
