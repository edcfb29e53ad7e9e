/* s3_check: amiwiz's S3 client, opened through aws/session, against a real S3
 * implementation (Ceph radosgw on loopback).  Prints TAP.
 *
 *   s3_check WORKDIR BUCKET
 *
 * The session comes from the environment (AWS_ENDPOINT_URL, the keys,
 * AWS_REGION).  Every HTTP attempt is logged to WORKDIR/http.log, which the
 * calling suite searches for the secret.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "aws/s3.h"
#include "aws/session.h"
#include "tests/tools/tap.h"
#include "aws/sign.h"
#include "help/help.h"

extern char **environ;


/* GET an object into memory (S3 has no GetObject in aws/s3: VM Import only
 * uploads), signed like every other call. */
static int get_object(struct aws_session *s, const char *bucket, const char *key,
		      struct http_response *resp, struct err *e)
{
	struct dynbuf url;
	struct http_request req;
	dyn_init(&url, HTTP_URL_MAX);
	if (s3_url(&s->s3, bucket, key, "", &url, e) < 0 ||
	    http_request_init(&req, "GET", dyn_ptr(&url), e) < 0) {
		dyn_free(&url);
		return -1;
	}
	dyn_free(&url);
	snprintf(req.service, sizeof(req.service), "s3");
	snprintf(req.region, sizeof(req.region), "%s", s->s3.region);
	snprintf(req.action, sizeof(req.action), "GetObject");
	req.max_response = 64u << 20;
	int r = http_perform(s->http, &req, aws_sign_http, &s->signer, resp, e);
	http_request_release(&req);
	return r;
}

/* The process environment with AWS_SECRET_ACCESS_KEY replaced. */
static const char **env_with_secret(const char *secret)
{
	size_t n = 0;
	while (environ[n])
		n++;
	const char **env = calloc(n + 2, sizeof(*env));
	size_t j = 0;
	static char line[256];
	snprintf(line, sizeof(line), "AWS_SECRET_ACCESS_KEY=%s", secret);
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "AWS_SECRET_ACCESS_KEY=", 22) != 0)
			env[j++] = environ[i];
	env[j++] = line;
	return env;
}

#define PART (5u << 20)
#define FILE_LEN (3 * (uint64_t)PART + 4321)

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: s3_check WORKDIR BUCKET\n");
		return 2;
	}
	const char *dir = argv[1], *bucket = argv[2];
	char path[4096];
	struct err e;
	err_clear(&e);

	snprintf(path, sizeof(path), "%s/http.log", dir);
	FILE *log = fopen(path, "a");
	if (!log) {
		perror(path);
		return 2;
	}
	struct aws_session_opts so = {.log = log};
	struct aws_session *s = aws_session_open(&so, &e);
	tap(s != NULL, &e, "session opened from the environment");
	if (!s)
		return 1;
	tap(s->s3.path_style, NULL, "a custom endpoint is addressed path-style");

	/* a file of 3 parts: two of 5 MiB, one of 5 MiB + 4321 bytes */
	snprintf(path, sizeof(path), "%s/upload.bin", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	unsigned char *data = malloc(FILE_LEN);
	uint32_t x = 2463534242u;
	for (uint64_t i = 0; i < FILE_LEN; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	if (fd < 0 || write(fd, data, FILE_LEN) != (ssize_t)FILE_LEN) {
		perror(path);
		return 2;
	}

	struct s3_bucket_req br = {.bucket = bucket};
	struct s3_bucket_result bres;
	err_clear(&e);
	tap(s3_create_bucket(&s->s3, &br, &bres, &e) == 0, &e, "CreateBucket %s", bucket);
	err_clear(&e);
	tap(s3_head_bucket(&s->s3, &br, &bres, &e) == 0, &e, "HeadBucket %s", bucket);

	struct s3_object_req put = {.bucket = bucket, .key = "small/hello.txt",
				    .body = {.data = "hello, radosgw\n", .fd = -1, .len = 15}};
	struct s3_object_result ores;
	memset(&ores, 0, sizeof(ores));
	err_clear(&e);
	tap(s3_put_object(&s->s3, &put, &ores, &e) == 0 && ores.etag[0], &e,
	    "PutObject small/hello.txt (ETag %s)", ores.etag);
	s3_object_result_release(&ores);

	struct http_response resp;
	err_clear(&e);
	int r = get_object(s, bucket, "small/hello.txt", &resp, &e);
	tap(r == 0 && dyn_len(&resp.body) == 15 && memcmp(dyn_ptr(&resp.body), "hello, radosgw\n", 15) == 0,
	    &e, "GET small/hello.txt returns what was put");
	http_response_release(&resp);

	/* multipart from file ranges */
	const char *key = "big/disk.raw";
	struct s3_object_req mp = {.bucket = bucket, .key = key, .body = {.fd = -1}};
	struct s3_object_result mres;
	err_clear(&e);
	tap(s3_create_multipart_upload(&s->s3, &mp, &mres, &e) == 0 && mres.upload_id[0], &e,
	    "CreateMultipartUpload");
	char upload_id[S3_UPLOAD_ID_MAX];
	snprintf(upload_id, sizeof(upload_id), "%s", mres.upload_id);
	s3_object_result_release(&mres);

	int numbers[3];
	char etags[3][S3_ETAG_MAX];
	const char *etag_ptrs[3];
	int parts_ok = 1;
	for (int i = 0; i < 3; i++) {
		uint64_t off = (uint64_t)i * PART;
		uint64_t len = i < 2 ? PART : FILE_LEN - off;
		struct s3_object_req up = {.bucket = bucket, .key = key, .upload_id = upload_id,
					   .part_number = i + 1,
					   .body = {.fd = fd, .offset = off, .len = len}};
		err_clear(&e);
		r = s3_upload_part(&s->s3, &up, &ores, &e);
		tap(r == 0 && ores.etag[0], &e, "UploadPart %d (%llu bytes from offset %llu)", i + 1,
		    (unsigned long long)len, (unsigned long long)off);
		parts_ok &= r == 0;
		numbers[i] = i + 1;
		snprintf(etags[i], sizeof(etags[i]), "%s", ores.etag);
		etag_ptrs[i] = etags[i];
		s3_object_result_release(&ores);
	}

	struct s3_object_req lp = {.bucket = bucket, .key = key, .upload_id = upload_id};
	err_clear(&e);
	r = s3_list_parts(&s->s3, &lp, &ores, &e);
	int listed = r == 0 && ores.n_parts == 3;
	for (size_t i = 0; listed && i < 3; i++)
		listed = ores.parts[i].number == (int)i + 1 &&
			 strcmp(ores.parts[i].etag, etags[i]) == 0 &&
			 ores.parts[i].size == (long long)(i < 2 ? PART : FILE_LEN - 2 * PART);
	tap(listed, &e, "ListParts shows the 3 parts with their ETags and sizes (%zu listed)",
	    ores.n_parts);
	s3_object_result_release(&ores);

	/* A multipart object's ETag is the MD5 of the parts' binary MD5s, then
	 * "-" and the number of parts, quoted: computed here from the file. */
	unsigned char md5s[3 * 16], sum[16];
	for (int i = 0; i < 3; i++) {
		uint64_t off = (uint64_t)i * PART;
		EVP_Digest(data + off, i < 2 ? PART : FILE_LEN - off, md5s + 16 * i, NULL,
			   EVP_md5(), NULL);
	}
	EVP_Digest(md5s, sizeof(md5s), sum, NULL, EVP_md5(), NULL);
	char want[S3_ETAG_MAX];
	int w = snprintf(want, sizeof(want), "\"");
	for (int i = 0; i < 16; i++)
		w += snprintf(want + w, sizeof(want) - (size_t)w, "%02x", sum[i]);
	snprintf(want + w, sizeof(want) - (size_t)w, "-3\"");

	struct s3_object_req cp = {.bucket = bucket, .key = key, .upload_id = upload_id,
				   .part_numbers = numbers, .etags = etag_ptrs, .n_parts = 3};
	err_clear(&e);
	r = parts_ok ? s3_complete_multipart_upload(&s->s3, &cp, &ores, &e) : -1;
	tap(r == 0, &e, "CompleteMultipartUpload");
	tap(r == 0 && strcmp(ores.etag, want) == 0, &e,
	    "CompleteMultipartUpload's ETag is %s (got %s)", want, ores.etag);
	s3_object_result_release(&ores);

	err_clear(&e);
	r = get_object(s, bucket, key, &resp, &e);
	tap(r == 0 && dyn_len(&resp.body) == FILE_LEN &&
		    memcmp(dyn_ptr(&resp.body), data, FILE_LEN) == 0,
	    &e, "GET %s returns the file byte for byte (%zu of %llu bytes)", key,
	    dyn_len(&resp.body), (unsigned long long)FILE_LEN);
	http_response_release(&resp);

	/* an aborted upload is gone */
	struct s3_object_req ab = {.bucket = bucket, .key = "big/aborted.raw", .body = {.fd = -1}};
	err_clear(&e);
	r = s3_create_multipart_upload(&s->s3, &ab, &mres, &e);
	snprintf(upload_id, sizeof(upload_id), "%s", mres.upload_id);
	s3_object_result_release(&mres);
	ab.upload_id = upload_id;
	ab.part_number = 1;
	ab.body = (struct s3_body){.fd = fd, .offset = 0, .len = PART};
	if (r == 0)
		r = s3_upload_part(&s->s3, &ab, &ores, &e);
	s3_object_result_release(&ores);
	if (r == 0)
		r = s3_abort_multipart_upload(&s->s3, &ab, &ores, &e);
	s3_object_result_release(&ores);
	tap(r == 0, &e, "CreateMultipartUpload, UploadPart, AbortMultipartUpload");
	err_clear(&e);
	r = s3_list_parts(&s->s3, &ab, &ores, &e);
	/* S3 answers NoSuchUpload; radosgw reports the upload's missing
	 * metadata object as NoSuchKey.  Both are a 404 and mean "gone". */
	tap(r < 0 && e.code == 404 &&
		    (strcmp(e.aws_code, "NoSuchUpload") == 0 || strcmp(e.aws_code, "NoSuchKey") == 0),
	    &e, "ListParts of the aborted upload: 404 NoSuchUpload (got %ld %s)", e.code,
	    e.aws_code);
	/* whichever the server said, the user is told the upload is gone,
	 * not that a key is wrong */
	struct help_text ht;
	int hr = help_for_service_err(&e, "s3", &ht);
	tap(r < 0 && hr == 0 && ht.known && strcmp(ht.key, "s3:NoSuchUpload") == 0, &e,
	    "its explanation is s3:NoSuchUpload (got %s: %s)", ht.key ? ht.key : "(none)",
	    dyn_ptr(&ht.title));
	help_text_free(&ht);
	s3_object_result_release(&ores);

	/* delete */
	struct s3_object_req del = {.bucket = bucket, .key = key, .body = {.fd = -1}};
	err_clear(&e);
	tap(s3_delete_object(&s->s3, &del, &ores, &e) == 0, &e, "DeleteObject %s", key);
	s3_object_result_release(&ores);
	err_clear(&e);
	r = get_object(s, bucket, key, &resp, &e);
	tap(r < 0 && resp.status == 404 && strcmp(e.aws_code, "NoSuchKey") == 0, &e,
	    "GET after delete: 404 NoSuchKey (got %ld %s)", resp.status, e.aws_code);
	http_response_release(&resp);

	/* the wrong secret is refused */
	const char **env = env_with_secret("wrongWRONGwrongWRONGwrongWRONGwrong12345");
	struct aws_config_opts co = {.env = env};
	struct aws_session_opts bad_opts = {.config = &co, .log = log, .max_attempts = 1};
	err_clear(&e);
	struct aws_session *bad = aws_session_open(&bad_opts, &e);
	memset(&ores, 0, sizeof(ores));
	r = bad ? s3_put_object(&bad->s3, &put, &ores, &e) : -1;
	tap(bad && r < 0 && strcmp(e.aws_code, "SignatureDoesNotMatch") == 0 &&
		    !strstr(e.message, "wrongWRONG"),
	    &e, "a wrong secret is refused with SignatureDoesNotMatch (got %s)", e.aws_code);
	s3_object_result_release(&ores);
	aws_session_close(bad);
	free(env);

	free(data);
	close(fd);
	unlink(path);
	aws_session_close(s);
	fclose(log);
	printf("1..%d\n", n_tests);
	return n_failed ? 1 : 0;
}
