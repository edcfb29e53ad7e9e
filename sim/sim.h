/* sim: the shared core of amiwiz-sim.  One `struct sim` holds the
 * configuration, the key store, the state store and the fault generator; each
 * request becomes a `struct sim_req` and is answered through a `struct
 * sim_resp`.  Service handlers (ec2.c, s3.c, ebs.c, iam.c) run one at a time
 * under sim->lock, so state needs no further locking. */
#ifndef AMIWIZ_SIM_SIM_H
#define AMIWIZ_SIM_SIM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "help/dynbuf.h"
#include "sim/auth.h"
#include "sim/fault.h"
#include "sim/query.h"
#include "sim/store.h"

enum sim_service {
	SVC_EC2,
	SVC_S3,
	SVC_EBS,
	SVC_STS,
	SVC_IAM,
	SVC_MAX
};

struct sim_config {
	int port;
	const char *data_dir;
	double speed;     /* 100 = timelines run 100 times faster than measured */
	struct fault_config faults;
	const char *stuck_state; /* import tasks stop at this StatusMessage, or NULL */
	size_t max_body;         /* largest request body accepted */
};

struct sim {
	struct sim_config cfg;
	struct auth_keys keys;
	struct store *store;
	struct fault_gen faults;
	pthread_mutex_t lock;
};

#define SIM_MAX_HEADERS 64
#define SIM_MAX_RESP_HEADERS 16

struct sim_req {
	char method[16];
	char *raw_uri;   /* as received: "/b/k?x=1" */
	char *raw_path;  /* before '?' */
	char *raw_query; /* after '?', or NULL */
	struct auth_header headers[SIM_MAX_HEADERS];
	size_t nheaders;
	int too_many_headers;
	struct dynbuf body;
	int body_too_big;
	char body_sha256[65];
	enum sim_service service;
	char region[64];
	const struct auth_key *key; /* who signed it */
	char request_id[40];
	struct query params; /* URL query plus form body (EC2/STS/IAM) */
	char *decoded_path;  /* %-decoded path, for S3 and EBS routing */
	double now;          /* seconds since the epoch, with fraction */
};

struct sim_resp {
	int status;
	struct dynbuf body;
	const char *content_type;
	char *hdr_name[SIM_MAX_RESP_HEADERS];
	char *hdr_value[SIM_MAX_RESP_HEADERS];
	size_t nhdr;
	int file_fd;      /* >= 0: send this file (owned) instead of body */
	uint64_t file_size;
	uint64_t file_offset;
	int drop;         /* close the connection without answering */
	int no_body;      /* HEAD: headers only */
};

/* The region a request is for (from its scope), "us-east-1" when unsigned. */
const char *sim_region(const struct sim_req *req);

/* The account that signed the request. */
const char *sim_account(const struct sim_req *req);

/* Add a response header (copied).  Silently ignored past SIM_MAX_RESP_HEADERS. */
void sim_header(struct sim_resp *resp, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Answer with the service's error shape (EC2 <Response><Errors>, S3 <Error>,
 * IAM/STS <ErrorResponse>, EBS JSON with x-amzn-ErrorType).  `reason` is the
 * EBS Reason or NULL.  Replaces any body built so far.  Returns -1. */
int sim_fail(const struct sim_req *req, struct sim_resp *resp, int status, const char *code,
	     const char *reason, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Start the XML body of a successful EC2/IAM/STS query reply:
 * <?xml...?><{Action}Response xmlns="{ns}"> (and requestId for EC2). */
int sim_xml_begin(const struct sim_req *req, struct sim_resp *resp, const char *action);
/* Close it (IAM/STS add ResponseMetadata). */
int sim_xml_end(const struct sim_req *req, struct sim_resp *resp, const char *action);

/* A fresh random id: prefix + 17 hex digits ("snap-0123456789abcdef0"). */
void sim_new_id(char *out, size_t size, const char *prefix);

/* ISO 8601 time with milliseconds, UTC: "2024-01-02T03:04:05.000Z". */
void sim_iso_time(char out[32], double t);

/* Handlers: each answers one request of its service. */
void ec2_handle(struct sim *sim, struct sim_req *req, struct sim_resp *resp);
void s3_handle(struct sim *sim, struct sim_req *req, struct sim_resp *resp);
void ebs_handle(struct sim *sim, struct sim_req *req, struct sim_resp *resp);
void iam_handle(struct sim *sim, struct sim_req *req, struct sim_resp *resp);
void sts_handle(struct sim *sim, struct sim_req *req, struct sim_resp *resp);

/* Start serving on 127.0.0.1:cfg.port (0: any free port).  On success returns
 * the daemon handle and sets *ret_port.  Fails with a message in reterr. */
struct err;
struct MHD_Daemon *sim_server_start(struct sim *sim, int *ret_port, struct err *reterr);



/* The value of a required query parameter, or NULL after answering the
 * service's missing-parameter error (EC2 MissingParameter, IAM/STS
 * ValidationError). */
const char *sim_need(const struct sim_req *req, struct sim_resp *resp, const char *name);
/* Seconds of real time for `measured` seconds at the configured speed. */
double sim_scaled(const struct sim *sim, double measured);

/* Save a collection, answering InternalError on failure.  Returns 0 or -1. */
int sim_save(struct sim *sim, const struct sim_req *req, struct sim_resp *resp, enum store_coll c);

/* S3 object lookup for the import tasks: on success *ret_path is the data
 * file (malloc'd) and *ret_size its size.  Returns -1 when there is no such
 * bucket or object. */
int s3_object_file(struct sim *sim, const char *bucket, const char *key, char **ret_path,
		   unsigned long long *ret_size);

/* Snapshot blocks on disk (DIR/blocks/SNAP/INDEX), shared by EC2 and EBS. */
#define SIM_BLOCK_SIZE 524288
/* Give snapshot `to` the blocks of `from` (hard links; the record's block map
 * is copied by the caller).  Returns 0 or -1. */
int blocks_copy(struct sim *sim, const char *from, const char *to);
/* Cut a file into blocks of snapshot `snap`, skipping all-zero blocks, and
 * record each block's Base64 SHA-256 in `map` (index -> checksum). */
int blocks_from_file(struct sim *sim, const char *snap, const char *path, struct json_object *map);
/* Remove a snapshot's blocks. */
void blocks_remove(struct sim *sim, const char *snap);

#endif
