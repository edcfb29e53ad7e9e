/* atomicfile: replace a file's contents so that a crash at any moment leaves
 * either the old contents or the new, never a mix or an empty file.
 *
 * The data is written to a temporary file beside the target, flushed to disk
 * (fsync), renamed over the target, and the directory is flushed too.  Used
 * for everything that must never be lost: the plan, job state, the
 * simulator's records.
 */
#ifndef AMIWIZ_HELP_ATOMICFILE_H
#define AMIWIZ_HELP_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "help/dynbuf.h"
#include "help/err.h"

/* Replace `path` with `len` bytes of `data`, created with `mode` (e.g. 0600;
 * the umask does not apply: the mode is set exactly).  Returns 0, or a
 * negative errno with `reterr` filled; on failure the old file is untouched
 * and no temporary file is left behind. */
int atomic_write_file(const char *path, const void *data, size_t len, mode_t mode,
		      struct err *reterr);

/* Read a whole regular file of at most `max` bytes into `out` (appended).
 * Fails with ERR_INPUT when the file is larger, ERR_SYSTEM otherwise. */
int read_file_bounded(const char *path, size_t max, struct dynbuf *out, struct err *reterr);

/* Create `path` and its missing parents with `mode` (like mkdir -p).  Returns 0
 * or a negative errno with `reterr` filled. */
int mkdir_parents(const char *path, mode_t mode, struct err *reterr);

/* The directory for amiwiz's saved state: $XDG_STATE_HOME/amiwiz, else
 * $HOME/.local/state/amiwiz.  Appends it to `out` (not created).  Fails with
 * ERR_INPUT when neither variable is set to an absolute path. */
int state_dir(struct dynbuf *out, struct err *reterr);

#endif
