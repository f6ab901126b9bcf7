/* git.h: the libgit2 adapter. With core/diff.c (the change under review),
 * the only qgate code that includes <git2.h>. */
#ifndef QG_GIT_H
#define QG_GIT_H

#include "core/qg.h"

#include <stdbool.h>

/* libgit2 starts on first use; qg_git_global_cleanup shuts it down (the CLI
 * calls both around a command; init is kept for symmetry and does nothing). */
void qg_git_global_init(void);
void qg_git_global_cleanup(void);

/* The ignore rules of the repository containing a path. */
typedef struct qg_git_ignore qg_git_ignore;

/* Opens the repository that contains path (searching upwards). Returns NULL
 * when path is not inside a git work tree; caller frees with
 * qg_git_ignore_free. */
qg_git_ignore *qg_git_ignore_open(const char *path);
/* 1 when .gitignore (or info/exclude, core.excludesFile) ignores path and
 * the index does not track it: a tracked file is never ignored, nor is a
 * directory with a tracked file under it (the index is read once, on the
 * first ignored path). */
int qg_git_ignored(qg_git_ignore *gi, const char *path, int is_dir);
void qg_git_ignore_free(qg_git_ignore **gi);

/* The work tree of the repository containing path, without a trailing
 * '/'; caller frees. NULL outside a repository. */
char *qg_git_workdir(const char *path);

/* What the repository brought at or under rel (relative to the work tree of
 * the repository containing dir, '/'-separated, no trailing '/'; "" is the
 * whole tree): the first path, in index order then HEAD's tree order, of an
 * entry of the index or of HEAD's tree that is rel, lies under rel, or is a
 * parent of rel (a committed file or link, or a submodule, where rel's
 * directory would be). Returns it (caller frees) or NULL: nothing tracked
 * there. *err is set when the repository, its index or HEAD cannot be read
 * (an unborn HEAD is no error): the answer is then unknown, not "untracked". */
char *qg_git_tracked_under(const char *dir, const char *rel, bool *err);

/* Creates an empty repository at path (tests and hooks). */
qg_status qg_git_init_repo(const char *path);

/* A base revision to compare the working tree with (diff-aware mode). */
typedef struct qg_git_base qg_git_base;

/* Resolves rev (a commit, branch, tag or any revparse expression) in the
 * repository containing the current directory. On failure returns QG_EGIT
 * with *why saying what (owned by the caller: free; NULL on success). Caller
 * frees *out with qg_git_base_free. */
qg_status qg_git_base_open(const char *rev, qg_git_base **out, char **why);
/* Reads path (as the scanner names it: relative to the current directory,
 * or absolute) as it is at the base revision. QG_ENOENT when it did not
 * exist there, QG_ETOOBIG over max. *buf: caller frees. */
qg_status qg_git_base_read(qg_git_base *b, const char *path, size_t max, char **buf, size_t *len);
void qg_git_base_free(qg_git_base **b);

/* Compare the base with rev's commit rather than HEAD in qg_git_base_changed (a scan of
 * a commit's tree, --rev). QG_EGIT (*why, caller frees) when rev names no commit. */
qg_status qg_git_base_set_head(qg_git_base *b, const char *rev, char **why);
/* Like qg_git_base_read, for rel: a path relative to the repository root ('/'-separated,
 * as a scan of a commit's tree names it), not resolved in the work tree. */
qg_status qg_git_base_read_rel(qg_git_base *b, const char *rel, size_t max, char **buf,
                               size_t *len);

/* The files the change touched: the paths (relative to the repository's
 * root, '/'-separated) that differ between HEAD and the merge base of HEAD
 * and the base revision (what a pull request shows), added, modified,
 * deleted or renamed (both names). At most `max` paths (QG_ETOOBIG past
 * it). *paths: caller frees each string and the array. QG_EGIT when HEAD
 * cannot be read. Unless QG_OK, *why says what (owned by the caller: free;
 * NULL on success). */
qg_status qg_git_base_changed(qg_git_base *b, size_t max, char ***paths, size_t *n, char **why);

/* ---- a commit's tree, read without checking it out (--rev) ----------------------------
 * The tree is read from the object database: nothing in the work tree is read or
 * written. Safe to use from several threads at once (a lock inside). */
typedef struct qg_git_rev qg_git_rev;

typedef enum qg_git_kind {
  QG_GIT_NONE,      /* no such path in the tree */
  QG_GIT_FILE,      /* a blob (mode 100644 or 100755) */
  QG_GIT_LINK,      /* a symbolic link (mode 120000): its blob is the target's name */
  QG_GIT_SUBMODULE, /* a commit of another repository (mode 160000) */
  QG_GIT_DIR,       /* a tree */
} qg_git_kind;

typedef struct qg_git_entry {
  char *name; /* owned: one path component */
  qg_git_kind kind;
} qg_git_entry;

/* Resolves rev (any revparse expression that peels to a commit) in the repository
 * containing the current directory. QG_EGIT with *why (caller frees; NULL on success)
 * when there is no repository, no work tree, or rev names no commit. Caller frees
 * *out with qg_git_rev_free. */
qg_status qg_git_rev_open(const char *rev, qg_git_rev **out, char **why);
void qg_git_rev_free(qg_git_rev **r);
/* The commit's id, 40 (or 64) hex digits; borrowed from r. */
const char *qg_git_rev_oid(const qg_git_rev *r);
/* The work tree's real path, without a trailing '/'; borrowed from r. */
const char *qg_git_rev_workdir(const qg_git_rev *r);
/* What rel ('/'-separated, relative to the repository root; "" is the root) is in
 * the commit's tree. */
qg_git_kind qg_git_rev_kind(qg_git_rev *r, const char *rel);
/* The entries of the tree at rel, in no particular order. *entries: caller frees each
 * name and the array (qg_git_entries_free). QG_ENOENT when rel is not a tree. */
qg_status qg_git_rev_list(qg_git_rev *r, const char *rel, qg_git_entry **entries, size_t *n);
void qg_git_entries_free(qg_git_entry *entries, size_t n);
/* Reads the blob at rel (a file or a link's target name) as qg_read_file reads a file:
 * QG_ENOENT when rel is not a blob, QG_ETOOBIG over max bytes (its size is read from
 * the object's header first, so a huge blob is never inflated), QG_EGIT when the object
 * database cannot be read. With probe > 0, a NUL byte in the first probe bytes (and no
 * UTF-16/32 byte-order mark) makes it binary: *binary set, nothing returned (QG_OK).
 * *buf: caller frees; NUL-terminated beyond *len. */
qg_status qg_git_rev_read(qg_git_rev *r, const char *rel, size_t max, size_t probe,
                          unsigned char **buf, size_t *len, bool *binary);

/* The commit that rev names in the repository containing the current directory, as
 * hex digits (caller frees), or NULL when it names none (or the object is not here). */
char *qg_git_commit_id(const char *rev);
/* The merge base of commits a and b (any revs) in that repository, as hex digits
 * (caller frees), or NULL when they have none or either is unknown. */
char *qg_git_merge_base_id(const char *a, const char *b);
/* The newest (by commit time) merge base of commit rev with the refs under
 * refs/remotes/REMOTE/ (at most 10,000 of them), as hex digits (caller frees), or NULL:
 * where a branch the remote does not have yet leaves what it has. */
char *qg_git_remote_merge_base(const char *remote, const char *rev);

/* Stages every file of the work tree and commits it (tests and hooks). */
qg_status qg_git_commit_all(const char *workdir, const char *message);

/* libgit2's version, e.g. "1.5.1"; written into buf. */
const char *qg_git_version(char *buf, size_t size);

/* The hooks directory of the repository holding dir: core.hooksPath when
 * set (relative to the work tree), else GIT_DIR/hooks. Caller frees; NULL
 * outside a repository. */
char *qg_git_hooks_dir(const char *dir);

/* A content hash of data as 40 hex digits + NUL (git's SHA-1 of a blob): for
 * cache keys. */
void qg_git_hash_hex(const void *data, size_t len, char out[41]);

#endif
