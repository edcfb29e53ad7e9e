#include "help/atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* the directory part of `path`, for the directory fsync */
static void dir_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, size, ".");
	else if (slash == path)
		snprintf(dir, size, "/");
	else
		snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

int atomic_write_file(const char *path, const void *data, size_t len, mode_t mode,
		      struct err *reterr)
{
	char tmp[PATH_MAX];
	char dir[PATH_MAX];
	int fd = -1, r;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return err_set(reterr, ERR_INPUT, ENAMETOOLONG, "Path too long: %s", path),
		       -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_sys(reterr, errno, "Creating a temporary file beside %s", path);
	if (fchmod(fd, mode) < 0) {
		r = err_sys(reterr, errno, "Setting the mode of %s", tmp);
		goto fail;
	}
	r = write_all(fd, data, len);
	if (r < 0) {
		err_sys(reterr, -r, "Writing %s", tmp);
		goto fail;
	}
	if (fsync(fd) < 0) {
		r = err_sys(reterr, errno, "Flushing %s to disk", tmp);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = err_sys(reterr, errno, "Closing %s", tmp);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = err_sys(reterr, errno, "Replacing %s", path);
		goto fail;
	}
	/* the rename itself is durable only once the directory is flushed */
	dir_of(path, dir, sizeof(dir));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

int read_file_bounded(const char *path, size_t max, struct dynbuf *out, struct err *reterr)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(reterr, errno, "Opening %s", path);
	struct stat st;
	int r = 0;
	if (fstat(fd, &st) < 0) {
		r = err_sys(reterr, errno, "Reading %s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = err_set(reterr, ERR_INPUT, EINVAL, "%s is not a regular file", path);
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		r = err_set(reterr, ERR_INPUT, EFBIG, "%s is %lld bytes; at most %zu are expected",
			    path, (long long)st.st_size, max);
		goto out;
	}
	char buf[65536];
	size_t total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = err_sys(reterr, errno, "Reading %s", path);
			goto out;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		/* the file may have grown since fstat */
		if (total > max || dyn_add(out, buf, (size_t)n) < 0) {
			r = err_set(reterr, ERR_INPUT, EFBIG, "%s is larger than %zu bytes", path,
				    max);
			goto out;
		}
	}
out:
	close(fd);
	return r;
}

int mkdir_parents(const char *path, mode_t mode, struct err *reterr)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return err_set(reterr, ERR_INPUT, ENAMETOOLONG, "Path too long: %s", path),
		       -ENAMETOOLONG;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return err_sys(reterr, errno, "Creating %s", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return err_sys(reterr, errno, "Creating %s", p);
	struct stat st;
	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(reterr, ERR_INPUT, ENOTDIR, "%s exists and is not a directory", p),
		       -ENOTDIR;
	return 0;
}

int state_dir(struct dynbuf *out, struct err *reterr)
{
	const char *x = getenv("XDG_STATE_HOME");
	if (x && x[0] == '/')
		return dyn_addf(out, "%s/amiwiz", x) < 0
			       ? err_set(reterr, ERR_INPUT, E2BIG, "XDG_STATE_HOME is too long")
			       : 0;
	const char *home = getenv("HOME");
	if (home && home[0] == '/')
		return dyn_addf(out, "%s/.local/state/amiwiz", home) < 0
			       ? err_set(reterr, ERR_INPUT, E2BIG, "HOME is too long")
			       : 0;
	return err_set(reterr, ERR_INPUT, 0,
		       "Neither XDG_STATE_HOME nor HOME is set to an absolute path, so there is "
		       "nowhere to keep amiwiz's state");
}
