/* build internals reachable from the unit tests only */
#ifndef AMIWIZ_ENGINE_BUILD_PRIV_H
#define AMIWIZ_ENGINE_BUILD_PRIV_H

#include "engine/build.h"
#include "help/dynbuf.h"

/* A file the build adds to (or puts in place of) what the root tree holds. */
struct build_extra {
	const char *path;   /* absolute inside the image: "/etc/fstab" */
	char type;          /* 'd' directory, '-' regular file, 'c' character device */
	unsigned mode;      /* permission bits */
	const char *src;    /* regular file: the host file with its contents */
	unsigned major, minor;
};

struct build_proto_stats {
	unsigned entries;      /* files, directories, links and nodes written */
	unsigned lost_sticky;  /* directories whose sticky bit a protofile cannot hold */
	unsigned skipped;      /* sockets left out */
};

#ifdef AMIWIZ_UNITTESTS
int build_xfs_proto(const char *root, const char *empty_dir, const struct build_extra *extras,
		    size_t nextras, struct dynbuf *out, struct build_proto_stats *stats,
		    struct err *reterr);
int build_boot_cleanup_cmds(const char *bootdir, struct dynbuf *out, struct err *reterr);
#endif

#endif
