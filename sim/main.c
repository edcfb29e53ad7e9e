/* amiwiz-sim: a local EC2/EBS/S3/IAM/STS endpoint for practice mode and tests.
 *
 * It listens on 127.0.0.1 only, verifies the SigV4 signature of every request
 * against its key store, keeps real state in a data directory, replays the
 * import timelines measured on real EC2 and injects faults on demand.
 *
 * Practice keys (AWS's own documentation example pair), accepted unless
 * --access-key-id is given:
 *   AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
 *   AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
 */
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "help/err.h"
#include "sim/sim.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: amiwiz-sim --data DIR [--port N] [options]\n"
		"\n"
		"A local EC2/EBS/S3/IAM/STS endpoint on 127.0.0.1 for practice and tests.\n"
		"Once ready it prints \"amiwiz-sim listening on http://127.0.0.1:PORT\".\n"
		"SIGTERM or SIGINT stops it.\n"
		"\n"
		"  --port N                 port to listen on; 0 (default) picks a free one\n"
		"  --data DIR               state directory (created; kept across restarts)\n"
		"  --access-key-id ID       accept this key (repeatable, with --secret-access-key)\n"
		"  --secret-access-key S    its secret\n"
		"  --account-id N           account of the keys given after it (default %s)\n"
		"  --speed N                run import timelines and state changes N times faster\n"
		"  --fault-rate P           answer 500 InternalError / 503 Unavailable with probability P\n"
		"  --throttle-rate P        answer the service's throttling error with probability P\n"
		"  --drop-rate P            close the connection without answering with probability P\n"
		"  --lost-reply-rate P      serve the request, then close without answering, with\n"
		"                           probability P (the reply is lost, the work is done)\n"
		"  --latency MS             wait MS milliseconds before every answer\n"
		"  --stuck STATE            import tasks stop when they reach STATE (e.g. booting)\n"
		"  --seed N                 seed of the fault decisions (default 1)\n"
		"  --max-body BYTES         largest request body accepted (default 134217728)\n"
		"  --help, --version\n"
		"\n"
		"Without --access-key-id these practice keys are accepted:\n"
		"  AWS_ACCESS_KEY_ID=%s\n"
		"  AWS_SECRET_ACCESS_KEY=%s\n"
		"\n"
		"Import outcome: ImportImage and ImportSnapshot inspect the uploaded object\n"
		"as VM Import would (the same checks as amiwiz inspect --target import, the\n"
		"kernel checks included) and replay the measured timeline of the verdict:\n"
		"  completes                            a bootable image VM Import accepts\n"
		"  Unknown OS / Missing OS files        failure-os (no /etc, no os-release...)\n"
		"  Unsupported kernel version V         failure-kernelversion (e.g. 32-bit)\n"
		"  No valid partitions                  failure-volume\n"
		"  Disk validation failed, empty file   failure-diskvalidation\n"
		"An import snapshot only fails on the disk itself (format, size), as on EC2.\n"
		"An S3 key containing one of these words forces the outcome instead (for\n"
		"tests and teaching): fail-os, fail-kernel, fail-disk, fail-volume,\n"
		"fail-internal, loop-booting (never ends), succeed.\n",
		AUTH_PRACTICE_ACCOUNT, AUTH_PRACTICE_KEY_ID, AUTH_PRACTICE_SECRET);
}

static int parse_rate(const char *s, double *ret)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || v > 1)
		return -1;
	*ret = v;
	return 0;
}

static int parse_long(const char *s, long long min, long long max, long long *ret)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*ret = v;
	return 0;
}

int main(int argc, char **argv)
{
	enum { O_PORT = 256, O_DATA, O_KEY, O_SECRET, O_ACCOUNT, O_SPEED, O_FAULT, O_THROTTLE,
	       O_DROP, O_LOST, O_LATENCY, O_STUCK, O_SEED, O_MAXBODY, O_HELP, O_VERSION };
	static const struct option opts[] = {
		{"port", required_argument, NULL, O_PORT},
		{"data", required_argument, NULL, O_DATA},
		{"access-key-id", required_argument, NULL, O_KEY},
		{"secret-access-key", required_argument, NULL, O_SECRET},
		{"account-id", required_argument, NULL, O_ACCOUNT},
		{"speed", required_argument, NULL, O_SPEED},
		{"fault-rate", required_argument, NULL, O_FAULT},
		{"throttle-rate", required_argument, NULL, O_THROTTLE},
		{"drop-rate", required_argument, NULL, O_DROP},
		{"lost-reply-rate", required_argument, NULL, O_LOST},
		{"latency", required_argument, NULL, O_LATENCY},
		{"stuck", required_argument, NULL, O_STUCK},
		{"seed", required_argument, NULL, O_SEED},
		{"max-body", required_argument, NULL, O_MAXBODY},
		{"help", no_argument, NULL, O_HELP},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	static struct sim sim;
	const char *pending_key = NULL;
	const char *account = AUTH_PRACTICE_ACCOUNT;
	struct MHD_Daemon *d = NULL;
	struct err e;
	int port = 0, opt, rc = 2;
	long long n;

	err_clear(&e);
	sim.cfg.speed = 1;
	sim.cfg.max_body = 128u * 1024 * 1024;
	sim.cfg.faults.seed = 1;
	pthread_mutex_init(&sim.lock, NULL);

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case O_PORT:
			if (parse_long(optarg, 0, 65535, &n))
				goto bad;
			sim.cfg.port = (int)n;
			break;
		case O_DATA: sim.cfg.data_dir = optarg; break;
		case O_KEY:
			if (pending_key)
				goto pair;
			pending_key = optarg;
			break;
		case O_SECRET:
			if (!pending_key)
				goto pair;
			if (auth_keys_add(&sim.keys, pending_key, optarg, account))
				goto oom;
			/* keep the secret out of /proc/PID/cmdline */
			memset(optarg, 'x', strlen(optarg));
			pending_key = NULL;
			break;
		case O_ACCOUNT:
			if (strlen(optarg) != 12 || strspn(optarg, "0123456789") != 12)
				goto bad;
			account = optarg;
			break;
		case O_SPEED: {
			char *end;
			sim.cfg.speed = strtod(optarg, &end);
			if (end == optarg || *end || !(sim.cfg.speed > 0) || sim.cfg.speed > 1e9)
				goto bad;
			break;
		}
		case O_FAULT: if (parse_rate(optarg, &sim.cfg.faults.fault_rate)) goto bad; break;
		case O_THROTTLE: if (parse_rate(optarg, &sim.cfg.faults.throttle_rate)) goto bad; break;
		case O_DROP: if (parse_rate(optarg, &sim.cfg.faults.drop_rate)) goto bad; break;
		case O_LOST: if (parse_rate(optarg, &sim.cfg.faults.lost_reply_rate)) goto bad; break;
		case O_LATENCY:
			if (parse_long(optarg, 0, 600000, &n))
				goto bad;
			sim.cfg.faults.latency_ms = (int)n;
			break;
		case O_STUCK: sim.cfg.stuck_state = optarg; break;
		case O_SEED:
			if (parse_long(optarg, 0, 0x7fffffffffffffffLL, &n))
				goto bad;
			sim.cfg.faults.seed = (uint64_t)n;
			break;
		case O_MAXBODY:
			if (parse_long(optarg, 1024, 1LL << 34, &n))
				goto bad;
			sim.cfg.max_body = (size_t)n;
			break;
		case O_HELP: usage(stdout); rc = 0; goto out;
		case O_VERSION: printf("amiwiz-sim %s\n", AMIWIZ_VERSION); rc = 0; goto out;
		default: usage(stderr); goto out;
		}
	}
	if (pending_key)
		goto pair;
	if (optind < argc || !sim.cfg.data_dir) {
		fprintf(stderr, "amiwiz-sim: --data DIR is required and no other arguments are taken\n");
		usage(stderr);
		goto out;
	}
	if (sim.cfg.faults.fault_rate + sim.cfg.faults.throttle_rate + sim.cfg.faults.drop_rate +
		    sim.cfg.faults.lost_reply_rate > 1) {
		fprintf(stderr, "amiwiz-sim: the fault, throttle, drop and lost-reply rates add up to "
				"more than 1\n");
		goto out;
	}
	if (sim.keys.n == 0 &&
	    auth_keys_add(&sim.keys, AUTH_PRACTICE_KEY_ID, AUTH_PRACTICE_SECRET, AUTH_PRACTICE_ACCOUNT))
		goto oom;
	fault_init(&sim.faults, sim.cfg.faults.seed);
	if (store_open(sim.cfg.data_dir, &sim.store, &e)) {
		struct dynbuf m;
		dyn_init(&m, 4096);
		err_format(&e, &m);
		fprintf(stderr, "amiwiz-sim: %s\n", dyn_ptr(&m));
		dyn_free(&m);
		rc = 1;
		goto out;
	}

	/* Blocked before the server threads exist, so only sigwait() sees them. */
	sigset_t set;
	int sig = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	d = sim_server_start(&sim, &port, &e);
	if (!d) {
		fprintf(stderr, "amiwiz-sim: %s\n", e.message);
		rc = 1;
		goto out;
	}
	printf("amiwiz-sim listening on http://127.0.0.1:%d\n", port);
	fflush(stdout);
	while (sigwait(&set, &sig) != 0)
		;
	MHD_stop_daemon(d);
	/* Every change was written when it happened; nothing is left to flush. */
	fprintf(stderr, "amiwiz-sim: stopped by signal %d\n", sig);
	rc = 0;
	goto out;
pair:
	fprintf(stderr, "amiwiz-sim: --access-key-id and --secret-access-key come in pairs\n");
	goto out;
bad:
	fprintf(stderr, "amiwiz-sim: bad value for an option: %s\n", optarg ? optarg : "");
	goto out;
oom:
	fprintf(stderr, "amiwiz-sim: out of memory\n");
	rc = 1;
out:
	store_close(sim.store);
	auth_keys_free(&sim.keys);
	return rc;
}
