#include "aws/credentials.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "aws/credentials_priv.h"
#include "aws/ini.h"
#include "help/help.h"
#include "help/unittest.h"

extern char **environ;

#define MAX_SECRETS 64
#define MAX_ROLE_DEPTH 4
#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_MAX_OUTPUT (64 * 1024)
#define MAX_URL 2048

static const struct {
	const char *sign, *env, *key;
	int global;
} services[AWS_SVC_MAX] = {
#define X(id, sign, env, key, global) [id] = {sign, env, key, global},
	AWS_SERVICES(X)
#undef X
};

const char *aws_service_name(enum aws_service s)
{
	if ((unsigned)s >= AWS_SVC_MAX)
		return "unknown";
	return services[s].sign;
}

#ifdef AMIWIZ_UNITTESTS
void (*aws_secret_wipe_hook)(const char *p, size_t len);
#endif

/* Wipe a secret string and free it.  The unit tests watch the bytes at the
 * moment they are released through aws_secret_wipe_hook. */
UNITTEST void aws_secret_free(char *p)
{
	if (!p)
		return;
	size_t n = strlen(p);
	OPENSSL_cleanse(p, n);
#ifdef AMIWIZ_UNITTESTS
	if (aws_secret_wipe_hook)
		aws_secret_wipe_hook(p, n);
#endif
	free(p);
}

void aws_config_init(struct aws_config *c)
{
	memset(c, 0, sizeof(*c));
}

static void setting_free(struct aws_setting *s)
{
	free(s->value);
	s->value = NULL;
	s->source[0] = '\0';
}

void aws_config_free(struct aws_config *c)
{
	if (!c)
		return;
	setting_free(&c->profile);
	setting_free(&c->region);
	setting_free(&c->ca_bundle);
	setting_free(&c->config_file);
	setting_free(&c->credentials_file);
	aws_secret_free(c->creds.access_key_id);
	aws_secret_free(c->creds.secret_access_key);
	aws_secret_free(c->creds.session_token);
	free(c->creds.expiration);
	free(c->role.role_arn);
	free(c->role.role_session_name);
	aws_secret_free(c->role.external_id);
	free(c->role.mfa_serial);
	for (int i = 0; i < AWS_SVC_MAX; i++)
		free(c->endpoint[i].url);
	aws_config_init(c);
}

/* Write a source description; a long one is cut, which is harmless. */
static void srcf(char *dst, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void srcf(char *dst, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dst, AWS_SOURCE_MAX, fmt, ap);
	va_end(ap);
}

/* --- resolution context --- */

struct ctx {
	const struct aws_config_opts *o;
	struct aws_config *c;
	struct ini_file cfg, cred;
	char cfg_name[AWS_SOURCE_MAX], cred_name[AWS_SOURCE_MAX];
	const char *secrets[MAX_SECRETS]; /* every secret seen, for err_redact */
	char *owned[MAX_SECRETS];         /* the ones this context must wipe */
	size_t nsecrets, nowned;
};

static void remember_secret(struct ctx *x, const char *s)
{
	if (s && *s && x->nsecrets < MAX_SECRETS)
		x->secrets[x->nsecrets++] = s;
}

static int redact(struct ctx *x, struct err *e, int r)
{
	for (size_t i = 0; i < x->nsecrets; i++)
		err_redact(e, x->secrets[i]);
	return r;
}

static const char *env_get(const struct ctx *x, const char *name)
{
	size_t n = strlen(name);
	if (!x->o->env)
		return getenv(name);
	for (const char *const *e = x->o->env; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* An environment value that is set and not empty. */
static const char *env_nonempty(const struct ctx *x, const char *name)
{
	const char *v = env_get(x, name);
	return v && *v ? v : NULL;
}

static int set_setting(struct aws_setting *s, const char *value, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int set_setting(struct aws_setting *s, const char *value, const char *fmt, ...)
{
	va_list ap;
	char *v = strdup(value);
	if (!v)
		return -ENOMEM;
	free(s->value);
	s->value = v;
	va_start(ap, fmt);
	vsnprintf(s->source, sizeof(s->source), fmt, ap);
	va_end(ap);
	return 0;
}

/* "~/x" with the home directory; the result is malloc'd. */
static char *expand_home(const struct ctx *x, const char *path)
{
	const char *home = x->o->home ? x->o->home : getenv("HOME");
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0')) {
		if (!home)
			home = "";
		size_t hl = strlen(home), pl = strlen(path + 1);
		char *r = malloc(hl + pl + 1);
		if (r) {
			memcpy(r, home, hl);
			memcpy(r + hl, path + 1, pl + 1);
		}
		return r;
	}
	return strdup(path);
}

static int load_file(struct ctx *x, const char *envname, const char *deflt,
		     struct aws_setting *setting, char *name, struct ini_file *f,
		     struct err *reterr)
{
	const char *p = env_nonempty(x, envname);
	int missing = 0, r;
	if (p) {
		if (set_setting(setting, p, "environment %s", envname) < 0)
			return err_sys(reterr, ENOMEM, "Reading the AWS configuration");
		srcf(name, "%s", p);
	} else {
		if (set_setting(setting, deflt, "default") < 0)
			return err_sys(reterr, ENOMEM, "Reading the AWS configuration");
		srcf(name, "%s", deflt);
	}
	char *path = expand_home(x, setting->value);
	if (!path)
		return err_sys(reterr, ENOMEM, "Reading the AWS configuration");
	r = ini_load(path, name, f, &missing, reterr);
	free(path);
	if (r < 0)
		return r;
	if (missing) {
		size_t l = strlen(setting->source);
		snprintf(setting->source + l, sizeof(setting->source) - l, " (not present)");
	}
	return 0;
}

/* The config file's section for a profile: "default" or "profile NAME"
 * (botocore also takes "[profile default]"). */
static const char *config_section(const struct ctx *x, const char *profile, char *buf, size_t n)
{
	snprintf(buf, n, "profile %s", profile);
	if (strcmp(profile, "default") == 0 && !ini_has_section(&x->cfg, buf))
		return "default";
	return buf;
}

/* A profile setting, credentials file first (botocore merges it over the
 * config file); `src` (may be NULL) receives where it was found. */
static const char *prof_get(const struct ctx *x, const char *profile, const char *key,
			    char src[AWS_SOURCE_MAX])
{
	char sec[256];
	const char *v = ini_get(&x->cred, profile, NULL, key);
	if (v) {
		if (src)
			srcf(src, "%s [%s]", x->cred_name, profile);
		return v;
	}
	const char *cs = config_section(x, profile, sec, sizeof(sec));
	v = ini_get(&x->cfg, cs, NULL, key);
	if (v && src)
		srcf(src, "%s [%s]", x->cfg_name, cs);
	return v;
}

static int profile_exists(const struct ctx *x, const char *profile)
{
	char sec[256];
	return ini_has_section(&x->cred, profile) ||
	       ini_has_section(&x->cfg, config_section(x, profile, sec, sizeof(sec)));
}

static int store_creds(struct ctx *x, const char *akid, const char *secret, const char *token,
		       const char *expiration, struct err *reterr, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
static int store_creds(struct ctx *x, const char *akid, const char *secret, const char *token,
		       const char *expiration, struct err *reterr, const char *fmt, ...)
{
	struct aws_secret_creds *cr = &x->c->creds;
	va_list ap;
	cr->access_key_id = strdup(akid);
	cr->secret_access_key = strdup(secret);
	cr->session_token = token && *token ? strdup(token) : NULL;
	cr->expiration = expiration ? strdup(expiration) : NULL;
	if (!cr->access_key_id || !cr->secret_access_key || (token && *token && !cr->session_token) ||
	    (expiration && !cr->expiration))
		return err_sys(reterr, ENOMEM, "Reading the AWS credentials");
	remember_secret(x, cr->secret_access_key);
	remember_secret(x, cr->session_token);
	va_start(ap, fmt);
	vsnprintf(cr->source, sizeof(cr->source), fmt, ap);
	va_end(ap);
	x->c->have_creds = 1;
	return 0;
}

/* --- credential_process --- */

/* A flat JSON object reader that keeps every byte it copies under our
 * control, so the secret can be wiped (a general JSON library keeps its own
 * copies).  Nested values are skipped.  Keys and string values are kept;
 * numbers and literals are kept as their text. */
#ifndef AMIWIZ_UNITTESTS
struct jflat {
	char *key[32];
	char *val[32];
	int is_str[32];
	size_t n;
};
#endif

UNITTEST void jflat_free(struct jflat *j)
{
	for (size_t i = 0; i < j->n; i++) {
		free(j->key[i]);
		aws_secret_free(j->val[i]);
	}
	j->n = 0;
}

static void jskip_ws(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r'))
		(*p)++;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Parse a string at *p (on the opening quote) into a malloc'd buffer when
 * `out` is not NULL. */
static int jstring(const char **p, const char *end, char **out)
{
	size_t cap = (size_t)(end - *p) + 1, o = 0;
	char *b = out ? malloc(cap) : NULL;
	if (out && !b)
		return -ENOMEM;
	(*p)++;
	while (*p < end && **p != '"') {
		unsigned char c = (unsigned char)**p;
		if (c < 0x20)
			goto bad;
		if (c != '\\') {
			if (b)
				b[o++] = (char)c;
			(*p)++;
			continue;
		}
		(*p)++;
		if (*p >= end)
			goto bad;
		char e = **p;
		(*p)++;
		unsigned cp;
		switch (e) {
		case '"': cp = '"'; break;
		case '\\': cp = '\\'; break;
		case '/': cp = '/'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if (hex4(*p, end, &cp) < 0)
				goto bad;
			*p += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				unsigned lo;
				if (end - *p < 6 || (*p)[0] != '\\' || (*p)[1] != 'u' ||
				    hex4(*p + 2, end, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
					goto bad;
				*p += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				goto bad;
			}
			break;
		default:
			goto bad;
		}
		if (cp == 0)
			goto bad; /* a NUL inside a C string would cut it */
		if (b) {
			if (cp < 0x80) {
				b[o++] = (char)cp;
			} else if (cp < 0x800) {
				b[o++] = (char)(0xC0 | (cp >> 6));
				b[o++] = (char)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				b[o++] = (char)(0xE0 | (cp >> 12));
				b[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				b[o++] = (char)(0x80 | (cp & 0x3F));
			} else {
				b[o++] = (char)(0xF0 | (cp >> 18));
				b[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
				b[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				b[o++] = (char)(0x80 | (cp & 0x3F));
			}
		}
	}
	if (*p >= end)
		goto bad;
	(*p)++;
	if (b) {
		b[o] = '\0';
		*out = b;
	}
	return 0;
bad:
	if (b) {
		OPENSSL_cleanse(b, cap);
		free(b);
	}
	return -1;
}

static int jvalue(const char **p, const char *end, char **out, int *is_str, int depth);

static int jcontainer(const char **p, const char *end, int depth)
{
	char open = **p, close = open == '{' ? '}' : ']';
	if (depth > 16)
		return -1;
	(*p)++;
	jskip_ws(p, end);
	if (*p < end && **p == close) {
		(*p)++;
		return 0;
	}
	for (;;) {
		jskip_ws(p, end);
		if (open == '{') {
			if (*p >= end || **p != '"' || jstring(p, end, NULL) < 0)
				return -1;
			jskip_ws(p, end);
			if (*p >= end || **p != ':')
				return -1;
			(*p)++;
			jskip_ws(p, end);
		}
		if (jvalue(p, end, NULL, NULL, depth + 1) < 0)
			return -1;
		jskip_ws(p, end);
		if (*p < end && **p == ',') {
			(*p)++;
			continue;
		}
		if (*p < end && **p == close) {
			(*p)++;
			return 0;
		}
		return -1;
	}
}

static int jvalue(const char **p, const char *end, char **out, int *is_str, int depth)
{
	if (*p >= end)
		return -1;
	if (**p == '"') {
		if (is_str)
			*is_str = 1;
		return jstring(p, end, out);
	}
	if (is_str)
		*is_str = 0;
	if (**p == '{' || **p == '[') {
		if (jcontainer(p, end, depth) < 0)
			return -1;
		if (out)
			*out = NULL;
		return 0;
	}
	const char *s = *p;
	while (*p < end && (**p == '-' || **p == '+' || **p == '.' || (**p >= '0' && **p <= '9') ||
			    (**p >= 'a' && **p <= 'z') || (**p >= 'A' && **p <= 'Z')))
		(*p)++;
	size_t l = (size_t)(*p - s);
	if (l == 0)
		return -1;
	if (!((l == 4 && memcmp(s, "true", 4) == 0) || (l == 5 && memcmp(s, "false", 5) == 0) ||
	      (l == 4 && memcmp(s, "null", 4) == 0))) {
		char *e;
		char tmp[64];
		if (l >= sizeof(tmp))
			return -1;
		memcpy(tmp, s, l);
		tmp[l] = '\0';
		for (size_t k = 0; k < l; k++)
			if (!((tmp[k] >= '0' && tmp[k] <= '9') || tmp[k] == '-' || tmp[k] == '+' ||
			      tmp[k] == '.' || tmp[k] == 'e' || tmp[k] == 'E'))
				return -1;
		(void)strtod(tmp, &e);
		if (*e)
			return -1;
	}
	if (out) {
		*out = strndup(s, l);
		if (!*out)
			return -ENOMEM;
	}
	return 0;
}

/* Parse a flat JSON object.  Returns 0, -1 for not-JSON, -ENOMEM. */
UNITTEST int jflat_parse(const char *text, size_t len, struct jflat *j)
{
	const char *p = text, *end = text + len;
	memset(j, 0, sizeof(*j));
	jskip_ws(&p, end);
	if (p >= end || *p != '{')
		return -1;
	p++;
	jskip_ws(&p, end);
	if (p < end && *p == '}') {
		p++;
		goto tail;
	}
	for (;;) {
		char *k = NULL, *v = NULL;
		int is_str = 0, r;
		jskip_ws(&p, end);
		if (p >= end || *p != '"' || (r = jstring(&p, end, &k)) < 0)
			goto bad;
		jskip_ws(&p, end);
		if (p >= end || *p != ':') {
			free(k);
			goto bad;
		}
		p++;
		jskip_ws(&p, end);
		if ((r = jvalue(&p, end, &v, &is_str, 1)) < 0) {
			free(k);
			if (r == -ENOMEM) {
				jflat_free(j);
				return -ENOMEM;
			}
			goto bad;
		}
		if (v && j->n < 32) {
			j->key[j->n] = k;
			j->val[j->n] = v;
			j->is_str[j->n] = is_str;
			j->n++;
		} else {
			free(k);
			aws_secret_free(v);
		}
		jskip_ws(&p, end);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}') {
			p++;
			break;
		}
		goto bad;
	}
tail:
	jskip_ws(&p, end);
	if (p != end)
		goto bad;
	return 0;
bad:
	jflat_free(j);
	return -1;
}

static const char *jget(const struct jflat *j, const char *key, int want_str)
{
	const char *found = NULL;
	for (size_t i = 0; i < j->n; i++)
		if (strcmp(j->key[i], key) == 0 && j->is_str[i] == want_str)
			found = j->val[i]; /* the last one wins, as in most JSON readers */
	return found;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "2024-01-02T03:04:05Z" (fractions and "+00:00" allowed) to epoch seconds;
 * -1 when it is not such a time. */
UNITTEST int aws_parse_iso8601(const char *s, time_t *ret)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!e)
		return -1;
	if (*e == '.') {
		e++;
		while (*e >= '0' && *e <= '9')
			e++;
	}
	if (strcmp(e, "Z") != 0 && strcmp(e, "+00:00") != 0 && strcmp(e, "UTC") != 0)
		return -1;
	*ret = timegm(&tm);
	return 0;
}

/* Run `cmd` with /bin/sh -c as the CLI does, collecting at most `max` bytes of
 * stdout (and the first part of stderr) within `timeout_ms`. */
UNITTEST int aws_run_process(const char *cmd, const char *const *env, int timeout_ms, size_t max,
			     char **ret_out, size_t *ret_len, char *errbuf, size_t errsize,
			     int *ret_status, struct err *reterr)
{
	int out[2] = {-1, -1}, errp[2] = {-1, -1};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	pid_t pid = -1;
	int pidfd = -1, r = 0, status = 0, exited = 0;
	char *buf = NULL;
	size_t len = 0, elen = 0;
	int64_t deadline = now_ms() + timeout_ms;

	*ret_out = NULL;
	*ret_len = 0;
	if (errsize)
		errbuf[0] = '\0';
	buf = malloc(max + 1);
	if (!buf)
		return err_sys(reterr, ENOMEM, "Running credential_process");
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		r = err_sys(reterr, errno, "Running credential_process");
		goto done;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	posix_spawnattr_init(&attr);
	/* its own process group, so a timeout ends the whole pipeline */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
	posix_spawnattr_setpgroup(&attr, 0);
	sigset_t none;
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	char *argv[] = {(char *)(uintptr_t) "sh", (char *)(uintptr_t) "-c", (char *)(uintptr_t)cmd, NULL};
	int sr = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv,
			     env ? (char *const *)(uintptr_t)env : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(out[1]);
	close(errp[1]);
	out[1] = errp[1] = -1;
	if (sr != 0) {
		pid = -1;
		r = err_sys(reterr, sr, "Starting credential_process");
		goto done;
	}
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	int open_out = 1, open_err = 1;
	while (open_out || open_err || !exited) {
		struct pollfd pf[3];
		int np = 0, io = -1, ie = -1, ip = -1;
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			pid = -1;
			r = err_set(reterr, ERR_CHILD, 0,
				    "credential_process did not finish within %d seconds",
				    (timeout_ms + 999) / 1000);
			goto done;
		}
		if (open_out) {
			pf[np] = (struct pollfd){.fd = out[0], .events = POLLIN};
			io = np++;
		}
		if (open_err) {
			pf[np] = (struct pollfd){.fd = errp[0], .events = POLLIN};
			ie = np++;
		}
		if (!exited && pidfd >= 0) {
			pf[np] = (struct pollfd){.fd = pidfd, .events = POLLIN};
			ip = np++;
		}
		/* without a pidfd (old kernel), wake now and then to reap */
		int wait = (int)(left > 1000 ? 1000 : left);
		if (!exited && pidfd < 0 && !open_out && !open_err)
			wait = wait > 20 ? 20 : wait;
		int pr = poll(pf, (nfds_t)np, wait);
		if (pr < 0 && errno != EINTR) {
			r = err_sys(reterr, errno, "Waiting for credential_process");
			goto kill_it;
		}
		if (io >= 0 && pf[io].revents) {
			char tmp[4096];
			ssize_t n = read(out[0], tmp, sizeof(tmp));
			if (n > 0) {
				if (len + (size_t)n > max) {
					OPENSSL_cleanse(tmp, sizeof(tmp));
					r = err_set(reterr, ERR_CHILD, 0,
						    "credential_process printed more than %zu bytes",
						    max);
					goto kill_it;
				}
				memcpy(buf + len, tmp, (size_t)n);
				len += (size_t)n;
				OPENSSL_cleanse(tmp, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				open_out = 0;
			}
		}
		if (ie >= 0 && pf[ie].revents) {
			char tmp[1024];
			ssize_t n = read(errp[0], tmp, sizeof(tmp));
			if (n > 0) {
				for (ssize_t k = 0; k < n && elen + 1 < errsize; k++)
					errbuf[elen++] = tmp[k];
				if (errsize)
					errbuf[elen] = '\0';
				OPENSSL_cleanse(tmp, sizeof(tmp));
			} else if (n == 0 || errno != EINTR) {
				open_err = 0;
			}
		}
		if (!exited && (ip < 0 || pf[ip].revents)) {
			pid_t w = waitpid(pid, &status, WNOHANG);
			if (w == pid)
				exited = 1;
		}
	}
	pid = -1;
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	buf[len] = '\0';
	*ret_out = buf;
	*ret_len = len;
	buf = NULL;
	goto done;

kill_it:
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	pid = -1;
done:
	if (buf) {
		OPENSSL_cleanse(buf, max + 1);
		free(buf);
	}
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	if (pidfd >= 0)
		close(pidfd);
	return r;
}

static int run_credential_process(struct ctx *x, const char *profile, const char *cmd,
				  const char *where, struct err *reterr)
{
	char *out = NULL;
	size_t len = 0;
	char errtext[512];
	int status = 0, r;
	struct jflat j;
	size_t s0 = x->nsecrets, s1 = x->nsecrets;
	int timeout = x->o->process_timeout_ms > 0 ? x->o->process_timeout_ms : DEFAULT_TIMEOUT_MS;
	size_t max = x->o->process_max_output ? x->o->process_max_output : DEFAULT_MAX_OUTPUT;

	memset(&j, 0, sizeof(j));
	r = aws_run_process(cmd, x->o->env, timeout, max, &out, &len, errtext, sizeof(errtext),
			    &status, reterr);
	if (r < 0) {
		err_doing(reterr, "Running credential_process of %s", where);
		goto out;
	}
	/* whatever it printed may hold a secret, even when it failed: learn the
	 * strings first so they can be kept out of every message */
	int jr = jflat_parse(out, len, &j);
	if (jr == -ENOMEM) {
		r = err_sys(reterr, ENOMEM, "Reading credential_process output");
		goto out;
	}
	for (size_t i = 0; i < j.n; i++)
		if (j.is_str[i])
			remember_secret(x, j.val[i]);
	s1 = x->nsecrets;
	/* first line of stderr only */
	errtext[strcspn(errtext, "\r\n")] = '\0';
	if (status != 0) {
		r = err_set(reterr, ERR_CHILD, status, "credential_process exited with status %d%s%s",
			    status, errtext[0] ? ": " : "", errtext);
		err_doing(reterr, "Running credential_process of %s", where);
		goto out;
	}
	if (jr < 0) {
		r = err_set(reterr, ERR_INPUT, 0,
			    "credential_process did not print a JSON object (its output is not shown: it may hold secrets)");
		err_doing(reterr, "Reading credential_process output of %s", where);
		goto out;
	}
	const char *ver = jget(&j, "Version", 0);
	const char *akid = jget(&j, "AccessKeyId", 1);
	const char *secret = jget(&j, "SecretAccessKey", 1);
	const char *token = jget(&j, "SessionToken", 1);
	const char *exp = jget(&j, "Expiration", 1);
	if (!ver || strcmp(ver, "1") != 0) {
		r = err_set(reterr, ERR_INPUT, 0,
			    "credential_process output must have \"Version\": 1");
	} else if (!akid || !*akid || !secret || !*secret) {
		r = err_set(reterr, ERR_INPUT, 0,
			    "credential_process output lacks AccessKeyId or SecretAccessKey");
	} else if (exp) {
		time_t t;
		if (aws_parse_iso8601(exp, &t) < 0)
			r = err_set(reterr, ERR_INPUT, 0,
				    "credential_process gave an Expiration that is not an ISO 8601 UTC time");
		else if (t <= time(NULL))
			r = err_set(reterr, ERR_CREDENTIALS, 0,
				    "credential_process gave credentials that expired at %s", exp);
	}
	if (r < 0) {
		err_doing(reterr, "Reading credential_process output of %s", where);
		goto out;
	}
	r = store_creds(x, akid, secret, token, exp, reterr, "credential_process of %s", where);
	(void)profile;
out:
	r = redact(x, reterr, r);
	/* forget the parsed strings before they are freed (the stored copies
	 * remembered by store_creds stay) */
	memmove(&x->secrets[s0], &x->secrets[s1], (x->nsecrets - s1) * sizeof(x->secrets[0]));
	x->nsecrets -= s1 - s0;
	jflat_free(&j);
	if (out) {
		OPENSSL_cleanse(out, len);
		free(out);
	}
	return r;
}

/* Static keys of a profile, from one file. */
static int static_keys(struct ctx *x, struct ini_file *f, const char *fname, const char *section,
		       int *found, struct err *reterr)
{
	const char *akid = ini_get(f, section, NULL, "aws_access_key_id");
	const char *secret = ini_get(f, section, NULL, "aws_secret_access_key");
	const char *token = ini_get(f, section, NULL, "aws_session_token");
	if (!token)
		token = ini_get(f, section, NULL, "aws_security_token");
	remember_secret(x, secret);
	remember_secret(x, token);
	*found = 0;
	if (!akid && !secret)
		return 0;
	if (!akid || !*akid || !secret || !*secret)
		return redact(x, reterr,
			      err_set(reterr, ERR_CREDENTIALS, 0,
				      "%s [%s] has %s but not %s", fname, section,
				      akid ? "aws_access_key_id" : "aws_secret_access_key",
				      akid ? "aws_secret_access_key" : "aws_access_key_id"));
	*found = 1;
	return store_creds(x, akid, secret, token, NULL, reterr, "%s [%s]", fname, section);
}

static int env_creds(struct ctx *x, int *found, struct err *reterr)
{
	const char *akid = env_nonempty(x, "AWS_ACCESS_KEY_ID");
	const char *secret = env_nonempty(x, "AWS_SECRET_ACCESS_KEY");
	const char *token = env_nonempty(x, "AWS_SESSION_TOKEN");
	if (!token)
		token = env_nonempty(x, "AWS_SECURITY_TOKEN");
	remember_secret(x, secret);
	remember_secret(x, token);
	*found = 0;
	if (!akid && !secret)
		return 0;
	if (!akid || !secret)
		return redact(x, reterr,
			      err_set(reterr, ERR_CREDENTIALS, 0,
				      "%s is set in the environment but %s is not",
				      akid ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
				      akid ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID"));
	*found = 1;
	return store_creds(x, akid, secret, token, NULL, reterr, "environment AWS_ACCESS_KEY_ID");
}

/* Credentials of a profile without roles: credentials file keys, then
 * credential_process, then config file keys (botocore's order). */
static int profile_plain_creds(struct ctx *x, const char *profile, struct err *reterr)
{
	char sec[256], where[AWS_SOURCE_MAX];
	int found = 0, r;
	if ((r = static_keys(x, &x->cred, x->cred_name, profile, &found, reterr)) < 0 || found)
		return r;
	const char *cmd = prof_get(x, profile, "credential_process", where);
	if (cmd && *cmd)
		return run_credential_process(x, profile, cmd, where, reterr);
	return static_keys(x, &x->cfg, x->cfg_name, config_section(x, profile, sec, sizeof(sec)),
			   &found, reterr);
}

static int dup_opt(char **dst, const char *v)
{
	if (!v)
		return 0;
	*dst = strdup(v);
	return *dst ? 0 : -ENOMEM;
}

static int profile_creds(struct ctx *x, const char *profile, struct err *reterr)
{
	char where[AWS_SOURCE_MAX];
	const char *role_arn = prof_get(x, profile, "role_arn", where);
	if (!role_arn || !*role_arn)
		return profile_plain_creds(x, profile, reterr);

	struct aws_role *ro = &x->c->role;
	const char *src_prof = prof_get(x, profile, "source_profile", NULL);
	const char *cred_src = prof_get(x, profile, "credential_source", NULL);
	const char *dur = prof_get(x, profile, "duration_seconds", NULL);
	x->c->needs_assume_role = 1;
	srcf(ro->source, "%s", where);
	if (dup_opt(&ro->role_arn, role_arn) < 0 ||
	    dup_opt(&ro->role_session_name, prof_get(x, profile, "role_session_name", NULL)) < 0 ||
	    dup_opt(&ro->external_id, prof_get(x, profile, "external_id", NULL)) < 0 ||
	    dup_opt(&ro->mfa_serial, prof_get(x, profile, "mfa_serial", NULL)) < 0)
		return err_sys(reterr, ENOMEM, "Reading the AWS configuration");
	if (dur) {
		char *e;
		errno = 0;
		long d = strtol(dur, &e, 10);
		if (errno || e == dur || *e || d < 900 || d > 43200)
			return err_set(reterr, ERR_INPUT, 0,
				       "%s: duration_seconds must be a number of seconds from 900 to 43200",
				       where);
		ro->duration_seconds = d;
	}
	if (src_prof && cred_src)
		return err_set(reterr, ERR_INPUT, 0,
			       "%s has both source_profile and credential_source: keep one", where);
	if (cred_src) {
		int found = 0, r;
		if (strcmp(cred_src, "Environment") != 0)
			return err_set(reterr, ERR_INPUT, 0,
				       "%s: credential_source %s is not supported here (only Environment)",
				       where, cred_src);
		if ((r = env_creds(x, &found, reterr)) < 0)
			return r;
		if (!found)
			return err_set(reterr, ERR_CREDENTIALS, 0,
				       "%s: credential_source is Environment but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set",
				       where);
		return 0;
	}
	if (!src_prof || !*src_prof)
		return err_set(reterr, ERR_INPUT, 0,
			       "%s has role_arn but neither source_profile nor credential_source",
			       where);
	snprintf(ro->source_profile, sizeof(ro->source_profile), "%s", src_prof);
	if (!profile_exists(x, src_prof))
		return err_set(reterr, ERR_INPUT, 0, "%s: source_profile %s does not exist", where,
			       src_prof);
	/* a profile may be its own source (its static keys assume its role);
	 * a source that is itself a role would be a chain of AssumeRole calls */
	if (strcmp(src_prof, profile) != 0) {
		const char *chained = prof_get(x, src_prof, "role_arn", NULL);
		if (chained && *chained)
			return err_set(reterr, ERR_INPUT, 0,
				       "%s: source_profile %s is itself a role; chains of roles are not supported",
				       where, src_prof);
	}
	int r = profile_plain_creds(x, src_prof, reterr);
	if (r < 0)
		return r;
	if (!x->c->have_creds)
		return err_set(reterr, ERR_CREDENTIALS, 0,
			       "%s: source_profile %s has no credentials", where, src_prof);
	return 0;
}

/* --- endpoints --- */

static int is_cn(const char *region)
{
	return region && strncmp(region, "cn-", 3) == 0;
}

int aws_default_endpoint(enum aws_service s, const char *region, struct dynbuf *out,
			 char signing_region[64])
{
	const char *suffix = is_cn(region) ? "amazonaws.com.cn" : "amazonaws.com";
	if ((unsigned)s >= AWS_SVC_MAX)
		return -EINVAL;
	if (services[s].global) {
		if (is_cn(region)) {
			snprintf(signing_region, 64, "%s", "cn-north-1");
			return dyn_addf(out, "https://iam.cn-north-1.amazonaws.com.cn");
		}
		if (region && strncmp(region, "us-gov-", 7) == 0) {
			snprintf(signing_region, 64, "%s", "us-gov-west-1");
			return dyn_addf(out, "https://iam.us-gov.amazonaws.com");
		}
		snprintf(signing_region, 64, "%s", "us-east-1");
		return dyn_addf(out, "https://%s.%s", services[s].sign, suffix);
	}
	if (!region || !*region)
		return -EINVAL;
	snprintf(signing_region, 64, "%s", region);
	return dyn_addf(out, "https://%s.%s.%s", services[s].sign, region, suffix);
}

static int valid_url(const char *u)
{
	size_t n = strlen(u);
	if (n >= MAX_URL)
		return 0;
	if (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)u[i] <= ' ' || (unsigned char)u[i] >= 127)
			return 0;
	const char *host = strstr(u, "://") + 3;
	return *host && *host != '/';
}

static int resolve_endpoints(struct ctx *x, const char *profile, struct err *reterr)
{
	struct aws_config *c = x->c;
	const char *region = c->region.value;
	const char *ignore = env_nonempty(x, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	int configured = !(ignore && strcasecmp(ignore, "true") == 0);
	char where[AWS_SOURCE_MAX], sub_where[AWS_SOURCE_MAX];
	const char *services_name = prof_get(x, profile, "services", NULL);
	const char *global_env = configured ? env_nonempty(x, "AWS_ENDPOINT_URL") : NULL;
	const char *global_cfg = configured ? prof_get(x, profile, "endpoint_url", where) : NULL;

	for (int s = 0; s < AWS_SVC_MAX; s++) {
		struct aws_endpoint_conf *ep = &c->endpoint[s];
		char envname[64], secname[300];
		const char *url = NULL;
		snprintf(envname, sizeof(envname), "AWS_ENDPOINT_URL_%s", services[s].env);
		if (configured && (url = env_nonempty(x, envname))) {
			srcf(ep->source, "environment %s", envname);
		} else if (global_env) {
			url = global_env;
			srcf(ep->source, "environment AWS_ENDPOINT_URL");
		} else if (configured && services_name && *services_name &&
			   (snprintf(secname, sizeof(secname), "services %s", services_name),
			    (url = ini_get(&x->cfg, secname, services[s].key, "endpoint_url")))) {
			srcf(sub_where, "%s [%s] %s", x->cfg_name, secname,
				 services[s].key);
			srcf(ep->source, "%s", sub_where);
		} else if (global_cfg) {
			url = global_cfg;
			srcf(ep->source, "%s endpoint_url", where);
		}
		if (url) {
			if (!valid_url(url))
				return err_set(reterr, ERR_INPUT, 0,
					       "The endpoint for %s from %s is not an http:// or https:// URL",
					       services[s].sign, ep->source);
			if (!(ep->url = strdup(url)))
				return err_sys(reterr, ENOMEM, "Reading the AWS configuration");
			if (services[s].global && !is_cn(region) &&
			    !(region && strncmp(region, "us-gov-", 7) == 0))
				snprintf(ep->signing_region, sizeof(ep->signing_region), "us-east-1");
			else
				snprintf(ep->signing_region, sizeof(ep->signing_region), "%s",
					 region ? region : "us-east-1");
			continue;
		}
		struct dynbuf d;
		dyn_init(&d, MAX_URL);
		if (aws_default_endpoint((enum aws_service)s, region, &d, ep->signing_region) == 0) {
			ep->url = dyn_take(&d, NULL);
			if (!ep->url)
				return err_sys(reterr, ENOMEM, "Reading the AWS configuration");
			if (services[s].global)
				srcf(ep->source, "default for %s (global)",
					 services[s].sign);
			else
				srcf(ep->source, "default for %s in %s",
					 services[s].sign, region);
		} else {
			srcf(ep->source, "none: no region is set");
		}
		dyn_free(&d);
	}
	return 0;
}

/* --- the whole resolution --- */

int aws_config_load(struct aws_config *c, const struct aws_config_opts *opts,
		    struct err *reterr)
{
	static const struct aws_config_opts defaults = {0};
	struct ctx x;
	char where[AWS_SOURCE_MAX];
	const char *profile, *v;
	int explicit_profile = 0, r;

	memset(&x, 0, sizeof(x));
	x.o = opts ? opts : &defaults;
	x.c = c;
	ini_init(&x.cfg);
	ini_init(&x.cred);

	if ((r = load_file(&x, "AWS_CONFIG_FILE", "~/.aws/config", &c->config_file, x.cfg_name,
			   &x.cfg, reterr)) < 0)
		goto fail;
	if ((r = load_file(&x, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials",
			   &c->credentials_file, x.cred_name, &x.cred, reterr)) < 0)
		goto fail;

	/* profile */
	if (x.o->profile && *x.o->profile) {
		r = set_setting(&c->profile, x.o->profile, "command line");
		explicit_profile = 2;
	} else if ((v = env_nonempty(&x, "AWS_PROFILE"))) {
		r = set_setting(&c->profile, v, "environment AWS_PROFILE");
		explicit_profile = 1;
	} else if ((v = env_nonempty(&x, "AWS_DEFAULT_PROFILE"))) {
		r = set_setting(&c->profile, v, "environment AWS_DEFAULT_PROFILE");
		explicit_profile = 1;
	} else {
		r = set_setting(&c->profile, "default", "default");
	}
	if (r < 0)
		goto nomem;
	profile = c->profile.value;
	if (explicit_profile && !profile_exists(&x, profile)) {
		r = err_set(reterr, ERR_INPUT, 0,
			    "The profile \"%s\" (from %s) is not in %s or %s", profile,
			    c->profile.source, x.cfg_name, x.cred_name);
		goto fail;
	}

	/* credentials: the environment first, unless --profile was given */
	int found = 0;
	if (explicit_profile != 2 && (r = env_creds(&x, &found, reterr)) < 0)
		goto fail;
	if (!found && (r = profile_creds(&x, profile, reterr)) < 0)
		goto fail;

	/* region */
	if ((v = env_nonempty(&x, "AWS_REGION")))
		r = set_setting(&c->region, v, "environment AWS_REGION");
	else if ((v = env_nonempty(&x, "AWS_DEFAULT_REGION")))
		r = set_setting(&c->region, v, "environment AWS_DEFAULT_REGION");
	else if ((v = prof_get(&x, profile, "region", where)) && *v)
		r = set_setting(&c->region, v, "%s", where);
	if (r < 0)
		goto nomem;
	if (c->region.value) {
		for (const char *p = c->region.value; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) {
				r = err_set(reterr, ERR_INPUT, 0,
					    "The region \"%s\" from %s is not a region name",
					    c->region.value, c->region.source);
				goto fail;
			}
	}

	/* CA bundle */
	if ((v = env_nonempty(&x, "AWS_CA_BUNDLE")))
		r = set_setting(&c->ca_bundle, v, "environment AWS_CA_BUNDLE");
	else if ((v = prof_get(&x, profile, "ca_bundle", where)) && *v)
		r = set_setting(&c->ca_bundle, v, "%s", where);
	if (r < 0)
		goto nomem;

	if ((r = resolve_endpoints(&x, profile, reterr)) < 0)
		goto fail;

	ini_free(&x.cfg);
	ini_free(&x.cred);
	return 0;

nomem:
	r = err_sys(reterr, ENOMEM, "Reading the AWS configuration");
fail:
	redact(&x, reterr, r);
	ini_free(&x.cfg);
	ini_free(&x.cred);
	aws_config_free(c);
	return r < 0 ? r : -1;
}

int aws_config_sigv4_creds(const struct aws_config *c, struct sigv4_credentials *ret,
			   struct err *reterr)
{
	memset(ret, 0, sizeof(*ret));
	if (!c->have_creds)
		return aws_config_no_creds_error(c, reterr);
	if (c->needs_assume_role)
		return err_set(reterr, ERR_CREDENTIALS, 0,
			       "Profile %s needs an AssumeRole of %s first", c->profile.value,
			       c->role.role_arn);
	aws_config_source_creds(c, ret);
	return 0;
}

void aws_config_source_creds(const struct aws_config *c, struct sigv4_credentials *ret)
{
	ret->access_key_id = c->creds.access_key_id;
	ret->secret_access_key = c->creds.secret_access_key;
	ret->session_token = c->creds.session_token;
}

int aws_config_no_creds_error(const struct aws_config *c, struct err *reterr)
{
	/* HELP_CRED_NONE picks the "no credentials" advice in help_for_err. */
	return err_set(reterr, ERR_CREDENTIALS, HELP_CRED_NONE,
		       "No AWS credentials found: not in the environment (AWS_ACCESS_KEY_ID), "
		       "nor for profile %s in %s or %s",
		       c->profile.value ? c->profile.value : "default",
		       c->credentials_file.value ? c->credentials_file.value : "~/.aws/credentials",
		       c->config_file.value ? c->config_file.value : "~/.aws/config");
}
