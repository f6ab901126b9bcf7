/* fs.h: reading files with a cap, and walking directories in a stable order. */
#ifndef QG_FS_H
#define QG_FS_H

#include "core/qg.h"

#include <stdbool.h>
#include <stdio.h>

/* Reads the whole file at path (or stream fp when path is NULL) into a new
 * buffer (caller frees *buf), NUL-terminated beyond *len. Fails with
 * QG_ENOENT, QG_EIO (errno kept in *err_no; QG_FS_ENOTREG for a FIFO, socket
 * or device, which is never read), or QG_ETOOBIG when the content is over
 * max bytes (nothing is returned then). Links are followed: for a path the
 * user named; repository content goes through qg_read_repo_file. */
qg_status qg_read_all(const char *path, FILE *fp, size_t max, unsigned char **buf, size_t *len,
                      int *err_no);

/* Like qg_read_all for a path (a FIFO, socket or device refused the same
 * way), with one open and a buffer sized from fstat.
 * With probe > 0, a NUL byte in the first probe bytes stops the read: the
 * file is binary, *binary is set and nothing is returned (QG_OK); UTF-16 and
 * UTF-32 with a byte-order mark are text, read whole. */
qg_status qg_read_file(const char *path, size_t max, size_t probe, unsigned char **buf, size_t *len,
                       bool *binary, int *err_no);

typedef enum qg_walk_event {
  QG_WALK_FILE,     /* a regular file to scan */
  QG_WALK_ERROR,    /* a path could not be read: path, err_no set */
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

/* qg_walk inside the repository root (a real path, see qg_fs_realdir; NULL:
 * no such check). A matching name that is a symbolic link to a file outside
 * root is an error (QG_FS_EOUTSIDE), never a file to read; one that is a
 * FIFO, socket or device, or a link to one, is an error too (QG_FS_ENOTREG). */
void qg_walk_in(const char *root, const char *dir, const char *const *exts, qg_walk_skip_fn skip,
                qg_walk_fn fn, void *ud);

/* Is path a directory? Sets *err_no when it cannot be examined. Returns 1
 * (directory), 0 (something else) or -1 (error). */
int qg_is_dir(const char *path, int *err_no);

/* ---- where files may be read and written -----------------------------------------------
 * The scanned repository is hostile: its symbolic links may point anywhere and
 * a path may be a FIFO or a device. Every read opens with O_NONBLOCK and
 * fstat()s before reading, so a FIFO, socket or device is refused (never
 * read, never waited on); reads of repository content also resolve links
 * and refuse what lands outside the repository. Every write goes to a new
 * temporary file in the target's directory that is renamed over the target. */

/* err_no values beyond errno's (negative, so never an errno); qg_fs_strerror
 * describes them. */
#define QG_FS_ENOTREG (-1001)  /* a FIFO, socket or device where a regular file belongs */
#define QG_FS_EOUTSIDE (-1002) /* a path that resolves outside the repository */
#define QG_FS_ESYMLINK (-1003) /* a symbolic link where qgate would write */
#define QG_FS_ENLINK (-1004)   /* a file with more than one hard link, where qgate would write */
#define QG_FS_ELINK (-1005)    /* a symbolic link inside the repository, where a path is walked */

/* A static description of err_no (an errno or a QG_FS_E* value); never NULL. */
const char *qg_fs_strerror(int err_no);

/* The status that goes with err_no in a diagnostic: QG_ENOENT, QG_EIO, or
 * QG_EPARSE for a QG_FS_E* refusal (an input error: exit status 2). */
qg_status qg_fs_status(int err_no);

/* Does path, with every symbolic link resolved, lie inside root (a real
 * path: no links, no trailing '/')? Returns 0, QG_FS_EOUTSIDE, or the errno
 * of resolving it. */
int qg_fs_inside(const char *root, const char *path);

/* Is path (absolute) root itself or below it? Compared as text: neither is
 * resolved ("/" holds everything; trailing '/' on root ignored). */
bool qg_fs_under(const char *root, const char *path);

/* path made absolute (relative to base, or to the current directory when base is
 * NULL) and normalised without resolving links ("." and ".." taken lexically), as
 * the user reads it. Caller frees; NULL when base is NULL and there is no cwd. */
char *qg_fs_lexical_abs(const char *base, const char *path);

/* The real path of dir, for qg_fs_inside; NULL when it cannot be resolved.
 * Caller frees. */
char *qg_fs_realdir(const char *dir);

/* qg_read_file for repository content: path must be a regular file that,
 * links resolved, lies inside root (a real path, see qg_fs_realdir); a link
 * that leads outside fails with QG_EIO and *err_no = QG_FS_EOUTSIDE. */
qg_status qg_read_repo_file(const char *root, const char *path, size_t max, size_t probe,
                            unsigned char **buf, size_t *len, bool *binary, int *err_no);

/* Opens the directory path (made absolute as qg_fs_lexical_abs does) one
 * component at a time from "/", creating the missing ones (mode 0755) when
 * create is set. Once the walk has reached root (a real path; NULL: none) or
 * a directory below it, every further component is opened with
 * O_NOFOLLOW|O_DIRECTORY: a symbolic link there (a committed one) is refused
 * with QG_FS_ELINK, anything not a directory with ENOTDIR, so the directory
 * reached is inside root and reached without a link the repository chose.
 * Links outside root are followed (the workflow's). Returns the directory's
 * descriptor (O_CLOEXEC; caller closes) or -1 with *err_no and, when where is
 * not NULL, *where: the path up to the component that failed, as given
 * (relative to the current directory when path was), caller frees. */
int qg_fs_open_dir(const char *root, const char *path, bool create, int *err_no, char **where);

/* qg_read_file (no probe) for name, one component, in the directory open on
 * dirfd: a symbolic link is refused (QG_EIO, *err_no = QG_FS_ELINK), as is
 * anything but a regular file. */
qg_status qg_read_file_at(int dirfd, const char *name, size_t max, unsigned char **buf, size_t *len,
                          int *err_no);

/* Writing a file safely. The target must be absent or a regular file with
 * one link: a symbolic link (QG_FS_ESYMLINK), anything not a regular file
 * (QG_FS_ENOTREG) and a file with several hard links (QG_FS_ENLINK: replacing
 * it would break the link, writing in place would change the other names,
 * which may lie anywhere) are refused and left as they are. The content goes
 * to a temporary file created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW) in the
 * target's directory; every write, the flush, fsync and close are checked;
 * then it is renamed over the target, which keeps its mode and, where
 * permitted, its owner. On any failure, and on SIGINT, SIGTERM or SIGHUP
 * while it is open, the temporary file is removed and the target is left
 * untouched. */
typedef struct qg_write_opts {
  /* The checkout, or NULL: a target whose path lies inside it (as written,
   * made absolute) must also lie inside it once links are resolved (a
   * committed reports/ -> /elsewhere is refused with QG_FS_EOUTSIDE). A path
   * outside it is the caller's choice. */
  const char *root;
  unsigned mode; /* a new file's permissions, before the umask; 0 = 0644 */
} qg_write_opts;

typedef struct qg_wfile qg_wfile;

/* Opens the temporary file for path (o may be NULL). *out: free with
 * qg_wfile_commit or qg_wfile_abort. Returns QG_OK, or QG_EIO with *err_no
 * (an errno or a QG_FS_E* value). */
qg_status qg_wfile_open(const char *path, const qg_write_opts *o, qg_wfile **out, int *err_no);

/* The stream to write to; borrowed, valid until commit or abort. */
FILE *qg_wfile_stream(qg_wfile *w);

/* Flushes, syncs and closes the temporary file and renames it over the
 * target; on any error removes it instead. Frees *w and sets it to NULL.
 * Returns QG_OK or QG_EIO with *err_no. */
qg_status qg_wfile_commit(qg_wfile **w, int *err_no);

/* Closes and removes the temporary file; the target is untouched. Frees *w
 * and sets it to NULL; accepts NULL. */
void qg_wfile_abort(qg_wfile **w);

/* The whole of data[0..len) written to path as above. */
qg_status qg_write_file_atomic(const char *path, const void *data, size_t len,
                               const qg_write_opts *o, int *err_no);

/* The same for name, one component, in the directory open on dirfd
 * (qg_fs_open_dir): the target must be absent or a regular file with one
 * link (else QG_FS_ESYMLINK, QG_FS_ENOTREG, QG_FS_ENLINK), the temporary file
 * is created beside it (openat, O_EXCL|O_NOFOLLOW) and renamed over it
 * (renameat), so no link is followed. dir_path names the directory for the
 * signal handler's cleanup only. mode: a new file's permissions (0 = 0644). */
qg_status qg_write_file_at(int dirfd, const char *dir_path, const char *name, const void *data,
                           size_t len, unsigned mode, int *err_no);

#endif
