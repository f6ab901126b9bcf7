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

/* The files the change touched: the paths (relative to the repository's
 * root, '/'-separated) that differ between HEAD and the merge base of HEAD
 * and the base revision (what a pull request shows), added, modified,
 * deleted or renamed (both names). At most `max` paths (QG_ETOOBIG past
 * it). *paths: caller frees each string and the array. QG_EGIT when HEAD
 * cannot be read. Unless QG_OK, *why says what (owned by the caller: free;
 * NULL on success). */
qg_status qg_git_base_changed(qg_git_base *b, size_t max, char ***paths, size_t *n, char **why);

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
