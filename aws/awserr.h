/* awserr: turn an AWS error reply into a struct err.
 *
 * Understands the three XML shapes AWS uses:
 *   EC2      <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>
 *   S3       <Error><Code/><Message/><RequestId/></Error>
 *   IAM/STS  <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>
 * the JSON errors of the EBS direct APIs ({"Message": ...} with the code in
 * the x-amzn-ErrorType header), and anything else (an HTML page from a proxy,
 * an empty body), which becomes a plain description of what came back.
 */
#ifndef AMIWIZ_AWS_AWSERR_H
#define AMIWIZ_AWS_AWSERR_H

#include <stddef.h>

#include "help/err.h"

struct http_response;

/* Fill `e` (ERR_SERVICE, code = HTTP status, aws_code, request_id, message)
 * from a reply that was not a success.  Keeps e->doing.  Always returns -1. */
int awserr_from_response(const struct http_response *resp, struct err *e);

/* The same from parts: status, body, and header values (each may be NULL):
 * the request id header, x-amzn-ErrorType, Content-Type. */
int awserr_from_parts(long status, const char *body, size_t len, const char *request_id,
		      const char *error_type, const char *content_type, struct err *e);

/* An S3 error body's <Region> (for redirects), copied into out; "" if none. */
void awserr_s3_region(const char *body, size_t len, char *out, size_t size);

#endif
