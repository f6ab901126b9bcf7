/* change.h: the change under review, read from git with libgit2: the files
 * that differ between the merge base of (base, HEAD) and the work tree's
 * HEAD commit, and their unified hunks. */
#ifndef QG_CHANGE_H
#define QG_CHANGE_H

#include "core/qg.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum qg_change_skip {
  QG_CHANGE_KEPT = 0,
  QG_CHANGE_BINARY,    /* git says binary (or a NUL byte) */
  QG_CHANGE_GENERATED, /* lock files, minified bundles, *.pb.go, "Code generated ... DO NOT EDIT." */
  QG_CHANGE_VENDORED,  /* vendor/, third_party/, node_modules/ path segments */
  QG_CHANGE_EXCLUDED,  /* matched one of opts.exclude (gitignore-style globs) */
  QG_CHANGE_DELETED,   /* the file is gone at HEAD: nothing to review */
  QG_CHANGE_TOO_BIG,   /* its patch is over opts.max_patch bytes */
} qg_change_skip;

typedef struct qg_change_file {
  char *path;          /* owned: new path, relative to the repository root, '/'-separated */
  char *old_path;      /* owned: the path at base when renamed, else NULL */
  char status;         /* 'A' added, 'M' modified, 'D' deleted, 'R' renamed */
  qg_change_skip skip; /* why it is left out of the review, or QG_CHANGE_KEPT */
  char *patch;         /* owned, NUL-terminated: the file's unified hunks ("@@ -a,b +c,d @@"
                          headers and their ' ', '+', '-' lines; no "diff --git" header),
                          NULL when skipped */
  size_t patch_len;
  uint32_t *lines;     /* owned: the HEAD-side line numbers the hunks show (added and
                          context), ascending, no duplicates */
  size_t nlines;
  uint32_t *added;     /* owned: the HEAD-side line numbers added by the change, ascending */
  size_t nadded;
} qg_change_file;

typedef struct qg_change {
  qg_change_file *files; /* owned; sorted by path */
  size_t n;
  char base_oid[65];     /* hex object id of the merge base */
  char head_oid[65];     /* hex object id of HEAD */
} qg_change;

typedef struct qg_change_opts {
  const char *repo_dir;         /* where to open the repository (searching upwards); NULL: "." */
  const char *base;             /* the base revision (any revspec); required */
  uint32_t context_lines;       /* lines of context around each hunk; 0: 3 */
  const char *const *exclude;   /* gitignore-style globs (core/glob.h), borrowed */
  size_t nexclude;
  size_t max_patch;             /* per file; 0: 256 KiB */
  size_t max_files;             /* 0: 10000; beyond it, files are not read (err says so) */
} qg_change_opts;

/* Reads the change. On failure returns QG_EGIT (not a repository, unknown
 * base, no common ancestor ...) with err[] saying what, in words, and *out
 * empty. *out is owned by the caller: qg_change_cleanup. */
qg_status qg_change_read(const qg_change_opts *opts, qg_change *out, char *err, size_t errsz);
void qg_change_cleanup(qg_change *c);

/* The file of the change with that path, or NULL; borrowed from c. */
const qg_change_file *qg_change_find(const qg_change *c, const char *path);
/* Whether HEAD-side line `line` of f is shown by its hunks (added or context). */
bool qg_change_shows_line(const qg_change_file *f, uint32_t line);
/* Whether HEAD-side line `line` of f was added by the change. */
bool qg_change_added_line(const qg_change_file *f, uint32_t line);

/* A short name for a skip reason: "binary", "generated", ...; static. */
const char *qg_change_skip_name(qg_change_skip s);

#endif
