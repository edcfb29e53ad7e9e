/* s3: the S3 calls the VM Import road needs (rest-xml, 2006-03-01).
 *
 * Addressing: virtual-host style for AWS (https://bucket.s3.region.amazonaws.com/key;
 * buckets with dots use path style so the certificate still matches), path
 * style for a custom endpoint (amiwiz-sim, radosgw, tests).
 *
 * Region redirects are followed: when S3 answers that the bucket lives in
 * another region (301 PermanentRedirect, 307, AuthorizationHeaderMalformed,
 * with x-amz-bucket-region or <Region>), the client switches its region and
 * repeats the call (re-signed for the new region), at most twice.
 *
 * Calls come as s3_<call>_start (async) and s3_<call> (drives the loop).  The
 * request struct, its strings and bodies are borrowed until completion.
 *
 * CompleteMultipartUpload's ETag: S3 puts it in the reply body.  Some S3
 * servers answer an empty <ETag></ETag> (radosgw 16 does); the call then
 * asks HeadObject for the finished object's ETag.  Should that HEAD fail,
 * the upload is still complete (repeating it would meet NoSuchUpload): the
 * call succeeds with an empty etag.
 *
 * A 404 NoSuchKey to a call on an upload id (UploadPart, ListParts,
 * Complete, Abort) is reported as NoSuchUpload: radosgw answers so for an
 * upload that was completed or aborted.
 *
 * HeadObject: the object's ETag (quoted, as S3 sends it); 404 NotFound when
 * it does not exist (HEAD replies have no body).
 */
#ifndef AMIWIZ_AWS_S3_H
#define AMIWIZ_AWS_S3_H

#include <stdbool.h>
#include <stdint.h>

#include "aws/query.h"

#define S3_ETAG_MAX 128
#define S3_UPLOAD_ID_MAX 1024

struct s3_client {
	struct http_client *http;  /* not owned */
	char region[32];           /* changes when S3 redirects us */
	char endpoint[512];        /* custom endpoint ("" for AWS) */
	bool path_style;           /* true with a custom endpoint */
	http_sign_fn sign;
	void *sign_ctx;
	long deadline_ms;          /* per call; 0: 300 s (uploads: raise it) */
};

/* Prepare a client; `endpoint` NULL for AWS.  0 or -1 with reterr. */
int s3_client_init(struct s3_client *s3, struct http_client *http, const char *region,
		   const char *endpoint, struct err *reterr);

/* The URL of bucket/key (key may be NULL or "") plus an encoded query ("" or
 * "uploads", "partNumber=1&uploadId=..."), appended to out.  0 or -1. */
int s3_url(const struct s3_client *s3, const char *bucket, const char *key, const char *query,
	   struct dynbuf *out, struct err *reterr);

/* A body: memory (data, len) or a file range (fd >= 0, offset, len). */
struct s3_body {
	const void *data;
	int fd;
	uint64_t offset;
	uint64_t len;
};

struct s3_bucket_req {
	const char *bucket;
};
struct s3_bucket_result {
	char request_id[AWS_REQID_MAX];
	char region[32];           /* HeadBucket: x-amz-bucket-region; GetBucketLocation */
};

struct s3_object_req {
	const char *bucket;
	const char *key;
	const char *upload_id;     /* UploadPart, ListParts, Complete, Abort */
	int part_number;           /* UploadPart */
	struct s3_body body;       /* PutObject, UploadPart */
	const char *content_type;  /* PutObject, CreateMultipartUpload */
	const char *content_md5;   /* optional Base64 MD5 of the body */
	/* CompleteMultipartUpload: parts in ascending order */
	const int *part_numbers;
	const char *const *etags;
	size_t n_parts;
	/* ListParts */
	int max_parts;
	int part_number_marker;
};

struct s3_part {
	int number;
	char etag[S3_ETAG_MAX];
	long long size;
};

struct s3_object_result {
	char request_id[AWS_REQID_MAX];
	char etag[S3_ETAG_MAX];              /* PutObject, UploadPart, Complete, HeadObject */
	char upload_id[S3_UPLOAD_ID_MAX];    /* CreateMultipartUpload */
	char location[512];                  /* Complete */
	struct s3_part *parts;               /* ListParts */
	size_t n_parts;
	bool is_truncated;
	int next_part_number_marker;
};
void s3_object_result_release(struct s3_object_result *res);

#define S3_CALLS(X)                                                                                \
	X(head_bucket, s3_bucket_req, s3_bucket_result)                                             \
	X(create_bucket, s3_bucket_req, s3_bucket_result)                                           \
	X(get_bucket_location, s3_bucket_req, s3_bucket_result)                                     \
	X(put_object, s3_object_req, s3_object_result)                                              \
	X(create_multipart_upload, s3_object_req, s3_object_result)                                 \
	X(upload_part, s3_object_req, s3_object_result)                                             \
	X(list_parts, s3_object_req, s3_object_result)                                              \
	X(complete_multipart_upload, s3_object_req, s3_object_result)                               \
	X(abort_multipart_upload, s3_object_req, s3_object_result)                                  \
	X(delete_object, s3_object_req, s3_object_result)                                           \
	X(head_object, s3_object_req, s3_object_result)

#define X(name, req_t, res_t)                                                                      \
	int s3_##name##_start(struct s3_client *s3, const struct req_t *req, struct res_t *res,   \
			      aws_done_fn done, void *ctx, struct err *reterr);                    \
	int s3_##name(struct s3_client *s3, const struct req_t *req, struct res_t *res,            \
		      struct err *reterr);
S3_CALLS(X)
#undef X

#endif
