/* fs.h: reading files with a cap, and walking directories in a stable order. */
#ifndef QG_FS_H
#define QG_FS_H

#include "core/qg.h"

#include <stdbool.h>
#include <stdio.h>

/* Reads the whole file at path (or stream fp when path is NULL) into a new
 * buffer (caller frees *buf), NUL-terminated beyond *len. Fails with
 * QG_ENOENT, QG_EIO (errno kept in *err_no), or QG_ETOOBIG when the content
 * is over max bytes (nothing is returned then). */
qg_status qg_read_all(const char *path, FILE *fp, size_t max, unsigned char **buf, size_t *len,
                      int *err_no);

/* Like qg_read_all for a path, with one open and a buffer sized from fstat.
 * With probe > 0, a NUL byte in the first probe bytes stops the read: the
 * file is binary, *binary is set and nothing is returned (QG_OK); UTF-16 and
 * UTF-32 with a byte-order mark are text, read whole. */
qg_status qg_read_file(const char *path, size_t max, size_t probe, unsigned char **buf,
                       size_t *len, bool *binary, int *err_no);


typedef enum qg_walk_event {
  QG_WALK_FILE,   /* a regular file to scan */
  QG_WALK_ERROR,  /* a path could not be read: path, err_no set */
  QG_WALK_TOO_DEEP, /* a directory past the depth cap, not walked: path */
} qg_walk_event;

/* Called for every matching file, in sorted order. path is borrowed for the
 * call. */
typedef void (*qg_walk_fn)(void *ud, qg_walk_event ev, const char *path, int err_no);
/* Decides whether a path found by the walk is skipped (ignored). */
typedef int (*qg_walk_skip_fn)(void *ud, const char *path, int is_dir);

/* Walks dir recursively, reporting regular files whose names end in one of
 * exts (NULL-terminated, e.g. ".yaml"; NULL = every file). Skips .git, symbolic links to
 * directories, and whatever skip() says. Depth is capped at QG_WALK_MAX_DEPTH
 * directories below dir: a directory past it is reported (QG_WALK_TOO_DEEP),
 * never skipped silently, and the walk goes on with its siblings. */
#define QG_WALK_MAX_DEPTH 64
void qg_walk(const char *dir, const char *const *exts, qg_walk_skip_fn skip, qg_walk_fn fn,
             void *ud);

/* Is path a directory? Sets *err_no when it cannot be examined. Returns 1
 * (directory), 0 (something else) or -1 (error). */
int qg_is_dir(const char *path, int *err_no);

#endif
