#include "aws/s3.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awserr.h"
#include "help/loop.h"

#define S3_XML_MAX (4u << 20)

enum s3_call {
#define X(name, req_t, res_t) S3_##name,
	S3_CALLS(X)
#undef X
};

static const struct {
	const char *action;
	const char *doing;
} meta[] = {
	[S3_head_bucket] = {"HeadBucket", "Checking the bucket"},
	[S3_create_bucket] = {"CreateBucket", "Creating the bucket"},
	[S3_get_bucket_location] = {"GetBucketLocation", "Finding the bucket's region"},
	[S3_put_object] = {"PutObject", "Uploading the file"},
	[S3_create_multipart_upload] = {"CreateMultipartUpload", "Starting the upload"},
	[S3_upload_part] = {"UploadPart", "Uploading a part"},
	[S3_list_parts] = {"ListParts", "Listing uploaded parts"},
	[S3_complete_multipart_upload] = {"CompleteMultipartUpload", "Finishing the upload"},
	[S3_abort_multipart_upload] = {"AbortMultipartUpload", "Abandoning the upload"},
	[S3_delete_object] = {"DeleteObject", "Deleting the uploaded file"},
	[S3_head_object] = {"HeadObject", "Checking the uploaded file"},
};

int s3_client_init(struct s3_client *s3, struct http_client *http, const char *region,
		   const char *endpoint, struct err *reterr)
{
	memset(s3, 0, sizeof(*s3));
	s3->http = http;
	struct aws_endpoint probe;
	if (aws_endpoint_init(&probe, http, "s3", region, endpoint, reterr) < 0)
		return -1;
	aws_strlcpy(s3->region, region, sizeof(s3->region));
	if (endpoint && *endpoint) {
		aws_strlcpy(s3->endpoint, probe.url, sizeof(s3->endpoint));
		s3->path_style = true;
	}
	return 0;
}

static bool bucket_ok(const char *b)
{
	size_t n = b ? strlen(b) : 0;
	if (n < 3 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') || b[i] == '-' ||
		      b[i] == '.'))
			return false;
	return true;
}

int s3_url(const struct s3_client *s3, const char *bucket, const char *key, const char *query,
	   struct dynbuf *out, struct err *reterr)
{
	if (!bucket_ok(bucket))
		return err_set(reterr, ERR_INPUT, 0,
			       "\"%.80s\" is not a valid bucket name (3 to 63 of a-z 0-9 . -)",
			       bucket ? bucket : "");
	int r;
	if (s3->path_style)
		r = dyn_addf(out, "%s%s/", s3->endpoint, bucket);
	else if (strchr(bucket, '.'))
		r = dyn_addf(out, "https://s3.%s.amazonaws.com/%s/", s3->region, bucket);
	else
		r = dyn_addf(out, "https://%s.s3.%s.amazonaws.com/", bucket, s3->region);
	if (!r && key && *key)
		r = aws_uri_encode(out, key, strlen(key), true);
	if (!r && query && *query)
		r = dyn_addf(out, "?%s", query);
	return r ? err_set(reterr, ERR_INPUT, 0, "the S3 URL is too long") : 0;
}

/* ---- one call, possibly repeated in another region ---- */

struct s3_op {
	struct s3_client *s3;
	enum s3_call call;
	const void *in;
	void *res;
	aws_done_fn done;
	void *ctx;
	int redirects;
	struct http_call *http_call;
	/* Complete answered with an empty ETag: this op now runs HeadObject
	 * for it, on the same request (bucket and key) and result */
	bool etag_followup;
};

static int add_xml_body(struct http_request *req, const char *xml, size_t len, struct err *reterr)
{
	if (http_request_set_header(req, "Content-Type", "application/xml", reterr) < 0)
		return -1;
	return http_request_body_copy(req, xml, len, reterr);
}

static int set_body(struct http_request *req, const struct s3_body *b, struct err *reterr)
{
	if (b->data)
		http_request_body_ref(req, b->data, (size_t)b->len);
	else if (b->fd >= 0 && b->len)
		http_request_body_file(req, b->fd, b->offset, b->len);
	else if (http_request_body_copy(req, "", 0, reterr) < 0)
		return -1;
	aws_strlcpy(req->payload_hash, "UNSIGNED-PAYLOAD", sizeof(req->payload_hash));
	return 0;
}

static int build(struct s3_op *op, struct http_request *req, struct err *reterr)
{
	struct s3_client *s3 = op->s3;
	const struct s3_bucket_req *b = op->in;
	const struct s3_object_req *o = op->in;
	const char *bucket = op->call <= S3_get_bucket_location ? b->bucket : o->bucket;
	const char *key = NULL, *method = "GET";
	struct dynbuf q, url, xml;
	dyn_init(&q, S3_UPLOAD_ID_MAX * 3 + 128);
	dyn_init(&url, HTTP_URL_MAX);
	dyn_init(&xml, 1u << 20);
	int r = -1;

	switch (op->call) {
	case S3_head_bucket:
		method = "HEAD";
		break;
	case S3_create_bucket:
		method = "PUT";
		break;
	case S3_get_bucket_location:
		dyn_addstr(&q, "location");
		break;
	case S3_put_object:
		method = "PUT";
		break;
	case S3_create_multipart_upload:
		method = "POST";
		dyn_addstr(&q, "uploads");
		break;
	case S3_upload_part:
		method = "PUT";
		if (o->part_number < 1 || o->part_number > 10000) {
			err_set(reterr, ERR_INPUT, 0, "part numbers go from 1 to 10000, not %d",
				o->part_number);
			goto out;
		}
		dyn_addf(&q, "partNumber=%d&", o->part_number);
		break;
	case S3_list_parts:
		if (o->max_parts > 0)
			dyn_addf(&q, "max-parts=%d&", o->max_parts);
		if (o->part_number_marker > 0)
			dyn_addf(&q, "part-number-marker=%d&", o->part_number_marker);
		break;
	case S3_complete_multipart_upload:
		method = "POST";
		break;
	case S3_head_object:
		method = "HEAD";
		break;
	case S3_abort_multipart_upload:
	case S3_delete_object:
		method = "DELETE";
		break;
	}
	if (op->call >= S3_put_object) {
		key = o->key;
		if (!key || !*key) {
			err_set(reterr, ERR_INPUT, 0, "%s needs an object key", meta[op->call].action);
			goto out;
		}
	}
	if (op->call == S3_upload_part || op->call == S3_list_parts ||
	    op->call == S3_complete_multipart_upload || op->call == S3_abort_multipart_upload) {
		if (!o->upload_id || !*o->upload_id) {
			err_set(reterr, ERR_INPUT, 0, "%s needs an upload id", meta[op->call].action);
			goto out;
		}
		dyn_addstr(&q, "uploadId=");
		aws_uri_encode(&q, o->upload_id, strlen(o->upload_id), false);
	}
	if (s3_url(s3, bucket, key, dyn_ptr(&q), &url, reterr) < 0)
		goto out;
	if (http_request_init(req, method, dyn_ptr(&url), reterr) < 0)
		goto out;
	aws_strlcpy(req->service, "s3", sizeof(req->service));
	aws_strlcpy(req->region, s3->region, sizeof(req->region));
	aws_strlcpy(req->action, meta[op->call].action, sizeof(req->action));
	if (s3->deadline_ms > 0)
		req->deadline_ms = s3->deadline_ms;

	switch (op->call) {
	case S3_create_bucket:
		if (strcmp(s3->region, "us-east-1") != 0) {
			dyn_addf(&xml,
				 "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/"
				 "2006-03-01/\"><LocationConstraint>%s</LocationConstraint>"
				 "</CreateBucketConfiguration>",
				 s3->region);
			if (add_xml_body(req, dyn_ptr(&xml), dyn_len(&xml), reterr) < 0)
				goto out;
		}
		break;
	case S3_put_object:
	case S3_upload_part:
		if (set_body(req, &o->body, reterr) < 0)
			goto out;
		if (o->content_md5 &&
		    http_request_set_header(req, "Content-MD5", o->content_md5, reterr) < 0)
			goto out;
		if (op->call == S3_put_object &&
		    http_request_set_header(req, "Content-Type",
					    o->content_type ? o->content_type
							    : "application/octet-stream",
					    reterr) < 0)
			goto out;
		break;
	case S3_create_multipart_upload:
		if (o->content_type &&
		    http_request_set_header(req, "Content-Type", o->content_type, reterr) < 0)
			goto out;
		break;
	case S3_complete_multipart_upload:
		if (!o->n_parts) {
			err_set(reterr, ERR_INPUT, 0, "an upload needs at least one part");
			goto out;
		}
		dyn_addstr(&xml, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/"
				 "2006-03-01/\">");
		for (size_t i = 0; i < o->n_parts; i++) {
			if (i && o->part_numbers[i] <= o->part_numbers[i - 1]) {
				err_set(reterr, ERR_INPUT, 0, "parts must be listed in ascending order");
				goto out;
			}
			/* ETags are quoted hex; anything else would break the XML */
			const char *e = o->etags[i];
			if (!e || strpbrk(e, "<>&") || strlen(e) >= S3_ETAG_MAX) {
				err_set(reterr, ERR_INPUT, 0, "part %d has an unusable ETag",
					o->part_numbers[i]);
				goto out;
			}
			if (dyn_addf(&xml, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>",
				     o->part_numbers[i], e) < 0) {
				err_set(reterr, ERR_INPUT, 0, "too many parts");
				goto out;
			}
		}
		dyn_addstr(&xml, "</CompleteMultipartUpload>");
		if (add_xml_body(req, dyn_ptr(&xml), dyn_len(&xml), reterr) < 0)
			goto out;
		break;
	case S3_head_bucket:
	case S3_get_bucket_location:
	case S3_list_parts:
	case S3_abort_multipart_upload:
	case S3_delete_object:
	case S3_head_object:
		break;
	}
	r = 0;
out:
	dyn_free(&q);
	dyn_free(&url);
	dyn_free(&xml);
	return r;
}

static int parse_xml_reply(const struct http_response *resp, const char *root_name,
			   struct xml_doc **ret, struct err *reterr)
{
	struct xml_doc *doc = xml_parse(dyn_ptr(&resp->body), dyn_len(&resp->body), reterr);
	if (!doc)
		return -1;
	if (query_check_root(xml_root(doc), root_name, reterr) < 0) {
		xml_free(doc);
		return -1;
	}
	*ret = doc;
	return 0;
}

static int parse(struct s3_op *op, const struct http_response *resp, struct err *reterr)
{
	struct s3_bucket_result *br = op->res;
	struct s3_object_result *orr = op->res;
	struct xml_doc *doc = NULL;
	const char *rid = http_response_request_id(resp);
	switch (op->call) {
	case S3_head_bucket:
	case S3_create_bucket:
		aws_strlcpy(br->request_id, rid, sizeof(br->request_id));
		aws_strlcpy(br->region, http_response_header(resp, "x-amz-bucket-region"),
			    sizeof(br->region));
		if (!br->region[0])
			aws_strlcpy(br->region, op->s3->region, sizeof(br->region));
		return 0;
	case S3_get_bucket_location: {
		aws_strlcpy(br->request_id, rid, sizeof(br->request_id));
		if (parse_xml_reply(resp, "LocationConstraint", &doc, reterr) < 0)
			return -1;
		const char *loc = xml_root(doc)->text;
		/* "" is us-east-1 and "EU" the old name of eu-west-1 */
		aws_strlcpy(br->region,
			    !*loc ? "us-east-1" : strcmp(loc, "EU") == 0 ? "eu-west-1" : loc,
			    sizeof(br->region));
		xml_free(doc);
		return 0;
	}
	case S3_put_object:
	case S3_upload_part:
		aws_strlcpy(orr->request_id, rid, sizeof(orr->request_id));
		aws_strlcpy(orr->etag, http_response_header(resp, "ETag"), sizeof(orr->etag));
		if (!orr->etag[0])
			return err_set(reterr, ERR_INPUT, resp->status,
				       "the reply to %s has no ETag", meta[op->call].action);
		return 0;
	case S3_create_multipart_upload:
		aws_strlcpy(orr->request_id, rid, sizeof(orr->request_id));
		if (parse_xml_reply(resp, "InitiateMultipartUploadResult", &doc, reterr) < 0)
			return -1;
		xml_copy(orr->upload_id, sizeof(orr->upload_id), xml_root(doc), "UploadId");
		xml_free(doc);
		if (!orr->upload_id[0])
			return err_set(reterr, ERR_INPUT, 0,
				       "the reply to CreateMultipartUpload has no UploadId");
		return 0;
	case S3_list_parts: {
		aws_strlcpy(orr->request_id, rid, sizeof(orr->request_id));
		if (parse_xml_reply(resp, "ListPartsResult", &doc, reterr) < 0)
			return -1;
		const struct xml_node *root = xml_root(doc);
		for (const struct xml_node *p = xml_find(root, "Part"); p; p = xml_next(p)) {
			struct s3_part *np = realloc(orr->parts, (orr->n_parts + 1) * sizeof(*np));
			if (!np) {
				xml_free(doc);
				return err_sys(reterr, ENOMEM, "listing parts");
			}
			orr->parts = np;
			np += orr->n_parts++;
			np->number = (int)xml_ll(p, "PartNumber");
			xml_copy(np->etag, sizeof(np->etag), p, "ETag");
			np->size = xml_ll(p, "Size");
		}
		orr->is_truncated = xml_bool(root, "IsTruncated");
		orr->next_part_number_marker = (int)xml_ll(root, "NextPartNumberMarker");
		xml_free(doc);
		return 0;
	}
	case S3_complete_multipart_upload: {
		aws_strlcpy(orr->request_id, rid, sizeof(orr->request_id));
		/* S3 may answer 200 and still fail: the body is then an <Error> */
		struct xml_doc *d = xml_parse(dyn_ptr(&resp->body), dyn_len(&resp->body), reterr);
		if (!d)
			return -1;
		if (strcmp(xml_root(d)->name, "Error") == 0) {
			xml_free(d);
			return awserr_from_response(resp, reterr);
		}
		int r = query_check_root(xml_root(d), "CompleteMultipartUploadResult", reterr);
		if (r == 0) {
			xml_copy(orr->location, sizeof(orr->location), xml_root(d), "Location");
			xml_copy(orr->etag, sizeof(orr->etag), xml_root(d), "ETag");
		}
		xml_free(d);
		return r;
	}
	case S3_head_object:
		/* as the follow-up of Complete, keep Complete's request id */
		if (!op->etag_followup)
			aws_strlcpy(orr->request_id, rid, sizeof(orr->request_id));
		aws_strlcpy(orr->etag, http_response_header(resp, "ETag"), sizeof(orr->etag));
		return 0;
	case S3_abort_multipart_upload:
	case S3_delete_object:
		aws_strlcpy(orr->request_id, rid, sizeof(orr->request_id));
		return 0;
	}
	return 0;
}

/* The region S3 says the bucket is in, when the reply is a region redirect. */
static bool redirect_region(const struct http_response *resp, const struct err *e, char *out,
			    size_t size)
{
	bool redirect = resp->status == 301 || resp->status == 307 ||
			strcmp(e->aws_code, "PermanentRedirect") == 0 ||
			strcmp(e->aws_code, "AuthorizationHeaderMalformed") == 0 ||
			strcmp(e->aws_code, "IllegalLocationConstraintException") == 0;
	if (!redirect)
		return false;
	aws_strlcpy(out, http_response_header(resp, "x-amz-bucket-region"), size);
	if (!out[0])
		awserr_s3_region(dyn_ptr(&resp->body), dyn_len(&resp->body), out, size);
	return out[0] != '\0';
}

static int op_launch(struct s3_op *op, struct err *reterr);

static void op_done(struct http_call *call, int rc, const struct err *e,
		    struct http_response *resp, void *ctx)
{
	struct s3_op *op = ctx;
	struct err pe;
	err_clear(&pe);
	op->http_call = NULL;
	if (op->etag_followup) {
		/* Complete succeeded before this HEAD: its failure costs only the ETag */
		if (rc == 0)
			(void)parse(op, resp, &pe);
		err_clear(&pe);
		rc = 0;
		goto done;
	}
	if (rc == 0) {
		rc = parse(op, resp, &pe);
		if (rc == 0 && op->call == S3_complete_multipart_upload &&
		    !((struct s3_object_result *)op->res)->etag[0]) {
			op->call = S3_head_object;
			op->etag_followup = true;
			op->redirects = 0;
			if (op_launch(op, &pe) == 0)
				return;
			err_clear(&pe);
			goto done;
		}
	} else {
		pe = *e;
		char region[32];
		if (redirect_region(resp, &pe, region, sizeof(region)) && op->redirects < 2 &&
		    strcmp(region, op->s3->region) != 0) {
			aws_strlcpy(op->s3->region, region, sizeof(op->s3->region));
			op->redirects++;
			err_clear(&pe);
			if (op_launch(op, &pe) == 0)
				return;
			rc = -1;
		} else if (!pe.aws_code[0] && resp->status && !dyn_len(&resp->body)) {
			/* HEAD and some errors have no body: name the status */
			const char *code = resp->status == 404 ? "NotFound"
					   : resp->status == 403 ? "Forbidden"
					   : resp->status == 301 ? "PermanentRedirect"
								  : "";
			aws_strlcpy(pe.aws_code, code, sizeof(pe.aws_code));
		}
	}
	if (rc < 0 && strcmp(pe.aws_code, "NoSuchKey") == 0 &&
	    (op->call == S3_upload_part || op->call == S3_list_parts ||
	     op->call == S3_complete_multipart_upload || op->call == S3_abort_multipart_upload)) {
		/* radosgw reports a gone upload by its missing metadata object
		 * (NoSuchKey) where S3 says NoSuchUpload: one code for callers and
		 * the right explanation ("the key is wrong" would mislead) */
		aws_strlcpy(pe.aws_code, "NoSuchUpload", sizeof(pe.aws_code));
		char said[sizeof(pe.message)];
		aws_strlcpy(said, pe.message, sizeof(said));
		aws_strlcpy(pe.message, "the server said NoSuchKey: ", sizeof(pe.message));
		size_t n = strlen(pe.message);
		aws_strlcpy(pe.message + n, said, sizeof(pe.message) - n);
	}
	if (rc < 0)
		err_doing(&pe, "%s", meta[op->call].doing);
done:;
	aws_done_fn done = op->done;
	void *dctx = op->ctx;
	free(op);
	done(dctx, rc, &pe);
}

static int op_launch(struct s3_op *op, struct err *reterr)
{
	struct http_request req;
	memset(&req, 0, sizeof(req));
	dyn_init(&req.url, HTTP_URL_MAX);
	int r = build(op, &req, reterr);
	if (r == 0) {
		op->http_call = http_start(op->s3->http, &req, op->s3->sign, op->s3->sign_ctx,
					   op_done, op, reterr);
		r = op->http_call ? 0 : -1;
	}
	http_request_release(&req);
	return r;
}

static struct s3_op *op_start(struct s3_client *s3, enum s3_call call, const void *in, void *res,
			      size_t res_size, aws_done_fn done, void *ctx, struct err *reterr)
{
	memset(res, 0, res_size);
	struct s3_op *op = calloc(1, sizeof(*op));
	if (!op) {
		err_sys(reterr, ENOMEM, "starting an S3 call");
		return NULL;
	}
	*op = (struct s3_op){.s3 = s3, .call = call, .in = in, .res = res, .done = done, .ctx = ctx};
	if (op_launch(op, reterr) < 0) {
		err_doing(reterr, "%s", meta[call].doing);
		free(op);
		return NULL;
	}
	return op;
}

struct s3_sync {
	bool done;
	int rc;
	struct err err;
};

static void sync_done(void *ctx, int rc, const struct err *e)
{
	struct s3_sync *s = ctx;
	s->done = true;
	s->rc = rc;
	if (rc)
		s->err = *e;
}

static int op_sync(struct s3_client *s3, enum s3_call call, const void *in, void *res,
		   size_t res_size, struct err *reterr)
{
	struct s3_sync s = {0};
	struct s3_op *op = op_start(s3, call, in, res, res_size, sync_done, &s, reterr);
	if (!op)
		return -1;
	long dl = s3->deadline_ms > 0 ? s3->deadline_ms : 300000;
	/* a redirect may run a second full call */
	if (http_run_until(http_client_loop(s3->http), &s.done,
			   loop_now_ms() + 3 * (uint64_t)dl + 5000, reterr) < 0) {
		if (op->http_call)
			http_cancel(op->http_call);
		return -1;
	}
	if (s.rc) {
		if (reterr)
			*reterr = s.err;
		return -1;
	}
	return 0;
}

void s3_object_result_release(struct s3_object_result *res)
{
	if (!res)
		return;
	free(res->parts);
	res->parts = NULL;
	res->n_parts = 0;
}

#define X(name, req_t, res_t)                                                                      \
	int s3_##name##_start(struct s3_client *s3, const struct req_t *req, struct res_t *res,   \
			      aws_done_fn done, void *ctx, struct err *reterr)                     \
	{                                                                                          \
		return op_start(s3, S3_##name, req, res, sizeof(*res), done, ctx, reterr) ? 0     \
											   : -1;   \
	}                                                                                          \
	int s3_##name(struct s3_client *s3, const struct req_t *req, struct res_t *res,            \
		      struct err *reterr)                                                          \
	{                                                                                          \
		return op_sync(s3, S3_##name, req, res, sizeof(*res), reterr);                     \
	}
S3_CALLS(X)
#undef X
