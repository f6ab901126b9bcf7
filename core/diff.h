/* diff.h: the diff model, the one owner of libgit2 diffs and line maps (used by
 * the review, the hosts and the annotations). The change under review
 * (qg_change), read from git with libgit2: the files that differ between the
 * merge base of (base, head) and head, the work tree's HEAD commit unless
 * another is named, and their unified hunks; and the line numbers of any file
 * at another commit (qg_linemap). */
#ifndef QG_DIFF_H
#define QG_DIFF_H

#include "core/qg.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum qg_change_skip {
  QG_CHANGE_KEPT = 0,
  QG_CHANGE_BINARY,    /* git says binary (or a NUL byte) */
  QG_CHANGE_GENERATED, /* lock files, minified bundles, *.pb.go, "Code generated ... DO NOT EDIT." */
  QG_CHANGE_VENDORED,  /* vendor/, third_party/, node_modules/ path segments */
  QG_CHANGE_EXCLUDED,  /* matched one of opts.exclude (gitignore-style globs) */
  QG_CHANGE_DELETED,   /* the file is gone at head: nothing to review */
  QG_CHANGE_TOO_BIG,   /* its patch is over opts.max_patch bytes */
} qg_change_skip;

/* One hunk of a diff without context: old lines [old_start, old_start + old_lines)
 * became new lines [new_start, new_start + new_lines). A side with no lines names
 * the line before the hunk, as in "@@ -3,0 +4,2 @@". */
typedef struct qg_change_hunk {
  uint32_t old_start, old_lines, new_start, new_lines;
} qg_change_hunk;

/* The biggest file whose lines are mapped from HEAD to another head (bytes). */
#define QG_CHANGE_MAP_MAX (8u * 1024u * 1024u)

typedef struct qg_change_file {
  char *path;          /* owned: new path, relative to the repository root, '/'-separated */
  char *old_path;      /* owned: the path at base when renamed, else NULL */
  char status;         /* 'A' added, 'M' modified, 'D' deleted, 'R' renamed */
  qg_change_skip skip; /* why it is left out of the review, or QG_CHANGE_KEPT */
  char *patch;         /* owned, NUL-terminated: the file's unified hunks ("@@ -a,b +c,d @@"
                          headers and their ' ', '+', '-' lines; no "diff --git" header),
                          NULL when skipped */
  size_t patch_len;
  uint32_t *lines; /* owned: the head-side line numbers the hunks show (added and
                          context), ascending, no duplicates */
  size_t nlines;
  uint32_t *added; /* owned: the head-side line numbers added by the change, ascending */
  size_t nadded;
  /* When the change's head is not HEAD (a CI checkout of the merge with the target
   * branch), where the lines of the file as checked out are at head: */
  qg_change_hunk *moved; /* owned: the hunks from HEAD's version to head's, no context,
                            ascending; NULL when the two are the same or head is HEAD */
  size_t nmoved;
  bool remapped; /* head is not HEAD: line numbers go through `moved` */
  bool unmapped; /* ... and no line is known at head: HEAD lacks the file, or it
                            is over the cap to compare (QG_CHANGE_MAP_MAX) */
} qg_change_file;

typedef struct qg_change {
  qg_change_file *files; /* owned; sorted by path */
  size_t n;
  char base_oid[65]; /* hex object id of the merge base */
  char head_oid[65]; /* hex object id of the change's head (HEAD unless opts.head) */
} qg_change;

typedef struct qg_change_opts {
  const char *repo_dir;       /* where to open the repository (searching upwards); NULL: "." */
  const char *base;           /* the base revision (any revspec); required */
  const char *head;           /* the change's head revision; NULL: HEAD. When it is another
                                   commit than HEAD (a pull request's head, with a merge
                                   checked out), each kept file also maps the line numbers
                                   of HEAD's version to head's: qg_change_head_line */
  uint32_t context_lines;     /* lines of context around each hunk; 0: 3 */
  const char *const *exclude; /* gitignore-style globs (core/glob.h), borrowed */
  size_t nexclude;
  size_t max_patch; /* per file; 0: 256 KiB */
  size_t max_files; /* 0: 10000; beyond it, files are not read (err says so) */
  /* When set, called with the whole content of each file kept for review, at the base
   * (merge base) and at head (a side without the file is left out; a side over
   * max_content bytes too, 0: 4 MiB), before its patch is read: a hunk shows a few
   * lines of a file, without the context that tells the secrets scanner that a value
   * is a credential (review.c teaches its redactor from this). data is borrowed for
   * the call; it is not NUL-terminated. */
  void (*on_content)(void *ud, const char *data, size_t len);
  void *content_ud;
  size_t max_content;
} qg_change_opts;

/* Reads the change. On failure returns QG_EGIT (not a repository, unknown
 * base, no common ancestor ...), or QG_ENOENT when opts.head is not in the
 * repository (a shallow clone), with *why saying what, in words, and *out
 * empty. *out is owned by the caller: qg_change_cleanup; *why too (free), NULL
 * on success. */
qg_status qg_change_read(const qg_change_opts *opts, qg_change *out, char **why);
void qg_change_cleanup(qg_change *c);

/* The file of the change with that path, or NULL; borrowed from c. */
const qg_change_file *qg_change_find(const qg_change *c, const char *path);
/* Whether head-side line `line` of f is shown by its hunks (added or context). */
bool qg_change_shows_line(const qg_change_file *f, uint32_t line);
/* Whether head-side line `line` of f was added by the change. */
bool qg_change_added_line(const qg_change_file *f, uint32_t line);
/* The number at the change's head of line `line` of f as checked out (HEAD):
 * the same number when the change's head is HEAD; 0 when head does not have
 * that line (the checkout brought it from elsewhere: the target branch), or for
 * line 0 or a NULL f. (When head's last line lacks a final line break and the
 * checkout has lines after it, that line differs between the two: 0.) */
uint32_t qg_change_head_line(const qg_change_file *f, uint32_t line);

/* One file's diff computed from two texts rather than read from a repository, with the
 * same code as qg_change_read (exposed for the fuzz harness fuzz/fuzz_diff.c and tests):
 * f's patch, lines and added (or its skip reason: binary, too big) for old -> new with
 * context_lines (0: 3) and max_patch (0: 256 KiB), and, as when a change's head is not
 * HEAD, f's map from the lines of old to those of new (remapped set; moved, or unmapped
 * when libgit2 fails), so that qg_change_head_line(f, line of old) is its number in new.
 * path names the file (status 'M'). QG_EGIT when libgit2 fails. *f is owned by the
 * caller either way: qg_change_file_cleanup. */
qg_status qg_change_file_from_texts(const char *path, const char *old, size_t old_len,
                                    const char *new_text, size_t new_len, uint32_t context_lines,
                                    size_t max_patch, qg_change_file *f);
void qg_change_file_cleanup(qg_change_file *f);

/* Line numbers of any file as checked out (HEAD) at another commit, a file at a
 * time, as the change maps its own files: for what GitHub shows on a pull request's
 * head (annotations), whichever file it is in. */
typedef struct qg_linemap qg_linemap;

/* Opens the repository around repo_dir (NULL: ".") and the commit head. QG_ENOENT
 * when head is not in the repository, QG_EGIT for other failures, with *why in
 * words (owned by the caller: free; NULL on success) and *out NULL. When head is
 * HEAD, every line maps to itself. *out is owned by the caller: qg_linemap_free. */
qg_status qg_linemap_open(const char *repo_dir, const char *head, qg_linemap **out, char **why);
/* The number at head of line `line` of path (relative to the repository's root,
 * '/'-separated) as checked out: 0 when head does not have that line or that file;
 * `line` itself for a path HEAD does not track. Compares the file on first use. */
uint32_t qg_linemap_line(qg_linemap *m, const char *path, uint32_t line);
void qg_linemap_free(qg_linemap **m);

/* A short name for a skip reason: "binary", "generated", ...; static. */
const char *qg_change_skip_name(qg_change_skip s);

#endif
