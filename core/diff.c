/* diff.c: the change under review, read with libgit2 (see diff.h). */
#include "core/diff.h"
#include "core/glob.h"
#include "core/mem.h"

#include <git2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CONTEXT 3
#define DEFAULT_MAX_PATCH (256u * 1024u)
#define DEFAULT_MAX_FILES 10000u
#define DEFAULT_MAX_CONTENT (4u << 20)
/* how much of a file is searched for a "Code generated ... DO NOT EDIT" marker */
#define MARKER_WINDOW 1024

/* libgit2's own words for the last failure, or "" */
static const char *git_words(void) {
  const git_error *e = git_error_last();
  return e && e->message ? e->message : "";
}

/* ---- skip rules on the path -------------------------------------------------------- */

static bool ends_with(const char *s, size_t n, const char *suffix) {
  size_t k = strlen(suffix);
  return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static bool generated_name(const char *path) {
  static const char *const locks[] = {
      "package-lock.json", "yarn.lock",   "pnpm-lock.yaml", "go.sum",
      "Cargo.lock",        "poetry.lock", "Gemfile.lock",   "composer.lock"};
  static const char *const suffixes[] = {".min.js", ".min.css", ".map", ".pb.go", "_pb2.py"};
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  for (size_t i = 0; i < QG_ARRAY_LEN(locks); i++)
    if (strcmp(base, locks[i]) == 0)
      return true;
  size_t n = strlen(base);
  for (size_t i = 0; i < QG_ARRAY_LEN(suffixes); i++)
    if (ends_with(base, n, suffixes[i]))
      return true;
  return false;
}

/* Whether a directory segment of path is one of the vendoring directories
 * (the last segment is the file's own name and does not count). */
static bool vendored_path(const char *path) {
  static const char *const dirs[] = {"vendor", "third_party", "node_modules"};
  const char *seg = path;
  for (const char *slash = strchr(seg, '/'); slash; seg = slash + 1, slash = strchr(seg, '/')) {
    size_t n = (size_t)(slash - seg);
    for (size_t i = 0; i < QG_ARRAY_LEN(dirs); i++)
      if (strlen(dirs[i]) == n && memcmp(seg, dirs[i], n) == 0)
        return true;
  }
  return false;
}

static bool contains(const char *hay, size_t n, const char *needle) {
  size_t k = strlen(needle);
  for (size_t i = 0; k <= n && i <= n - k; i++)
    if (hay[i] == needle[0] && memcmp(hay + i, needle, k) == 0)
      return true;
  return false;
}

/* The Go convention (and protoc's, and many others'): a marker near the top. */
static bool generated_content(git_repository *repo, const git_diff_file *f) {
  git_blob *blob = NULL;
  if (git_blob_lookup(&blob, repo, &f->id) != 0)
    return false;
  size_t n = (size_t)git_blob_rawsize(blob);
  if (n > MARKER_WINDOW)
    n = MARKER_WINDOW;
  const char *p = git_blob_rawcontent(blob);
  bool hit = p && contains(p, n, "Code generated") && contains(p, n, "DO NOT EDIT");
  git_blob_free(blob);
  return hit;
}

/* ---- patch text and line numbers ---------------------------------------------------- */

typedef struct patch_ctx {
  qg_buf text;
  uint32_t *lines, *added;
  size_t nlines, cap_lines, nadded, cap_added;
  bool over; /* the text went past max_patch */
} patch_ctx;

static void push_line(uint32_t **v, size_t *n, size_t *cap, uint32_t line) {
  if (*n && (*v)[*n - 1] >= line) /* keeps the promise: ascending, no duplicates */
    return;
  qg_grow((void **)v, cap, *n + 1, sizeof(uint32_t));
  (*v)[(*n)++] = line;
}

/* What git_patch_to_buf would print, less the file header ("diff --git",
 * "index", "---", "+++", rename and mode lines): the callback sees that
 * header as one FILE_HDR line, which is sturdier than finding it again in
 * the text (a quoted path may hold anything). */
static int on_line(const git_diff_delta *d, const git_diff_hunk *h, const git_diff_line *l,
                   void *ud) {
  (void)d;
  (void)h;
  patch_ctx *p = ud;
  if (l->origin == GIT_DIFF_LINE_FILE_HDR || l->origin == GIT_DIFF_LINE_BINARY)
    return 0;
  bool body = l->origin == GIT_DIFF_LINE_CONTEXT || l->origin == GIT_DIFF_LINE_ADDITION ||
              l->origin == GIT_DIFF_LINE_DELETION;
  if ((body && qg_buf_putc(&p->text, l->origin) != QG_OK) ||
      qg_buf_append(&p->text, l->content, l->content_len) != QG_OK) {
    p->over = true;
    return -1;
  }
  if ((l->origin == GIT_DIFF_LINE_CONTEXT || l->origin == GIT_DIFF_LINE_ADDITION) &&
      l->new_lineno > 0) {
    uint32_t ln = (uint32_t)l->new_lineno;
    push_line(&p->lines, &p->nlines, &p->cap_lines, ln);
    if (l->origin == GIT_DIFF_LINE_ADDITION)
      push_line(&p->added, &p->nadded, &p->cap_added, ln);
  }
  return 0;
}

static void patch_ctx_free(patch_ctx *p) {
  qg_buf_cleanup(&p->text);
  free(p->lines);
  free(p->added);
}

static bool fill_patch(git_patch *patch, size_t max_patch, qg_change_file *f);

/* Fills f's patch, lines and added for delta idx, or sets its skip reason.
 * Returns false when libgit2 fails (*why says why). */
static bool read_patch(git_diff *diff, size_t idx, size_t max_patch, qg_change_file *f,
                       char **why) {
  git_patch *patch = NULL;
  if (git_patch_from_diff(&patch, diff, idx) != 0) {
    qg_why(why, "cannot compute the diff of '%s': %s", f->path, git_words());
    return false;
  }
  bool ok = fill_patch(patch, max_patch, f);
  git_patch_free(patch);
  if (!ok)
    qg_why(why, "cannot print the diff of '%s': %s", f->path, git_words());
  return ok;
}

/* Fills f's patch, lines and added from patch (the caller's), or sets its skip reason.
 * false when libgit2 fails. */
static bool fill_patch(git_patch *patch, size_t max_patch, qg_change_file *f) {
  const git_diff_delta *d = git_patch_get_delta(patch);
  if (d->flags & GIT_DIFF_FLAG_BINARY) {
    f->skip = QG_CHANGE_BINARY;
    return true;
  }
  patch_ctx p;
  memset(&p, 0, sizeof(p));
  qg_buf_init(&p.text, max_patch);
  int rc = git_patch_print(patch, on_line, &p);
  if (p.over) {
    f->skip = QG_CHANGE_TOO_BIG;
    patch_ctx_free(&p);
    return true;
  }
  if (rc != 0) {
    patch_ctx_free(&p);
    return false;
  }
  f->patch_len = p.text.len;
  f->patch = p.text.len ? qg_buf_detach(&p.text) : qg_xstrdup(""); /* e.g. a pure rename */
  f->lines = p.lines;
  f->nlines = p.nlines;
  f->added = p.added;
  f->nadded = p.nadded;
  qg_buf_cleanup(&p.text);
  return true;
}

/* ---- the change --------------------------------------------------------------------- */

static char status_letter(git_delta_t s) {
  switch (s) {
  case GIT_DELTA_ADDED:
  case GIT_DELTA_COPIED: /* copies are not searched for; were they, the copy is new */
    return 'A';
  case GIT_DELTA_DELETED:
    return 'D';
  case GIT_DELTA_RENAMED:
    return 'R';
  default: /* modified, and a type change (say, a symlink turned file) */
    return 'M';
  }
}

typedef struct delta_ref {
  size_t idx;
  const char *path;
} delta_ref;

static int cmp_delta_ref(const void *a, const void *b) {
  return strcmp(((const delta_ref *)a)->path, ((const delta_ref *)b)->path);
}

/* One file of the change: its names, status and skip reason, and the patch
 * of those kept. Path rules go first, so nothing is read for a file that
 * is left out by name. */
static bool read_file(git_repository *repo, git_diff *diff, size_t idx, const qg_change_opts *o,
                      size_t max_patch, qg_change_file *f, char **why) {
  const git_diff_delta *d = git_diff_get_delta(diff, idx);
  f->path = qg_xstrdup(d->new_file.path ? d->new_file.path : d->old_file.path);
  f->status = status_letter(d->status);
  if (f->status == 'R' && d->old_file.path)
    f->old_path = qg_xstrdup(d->old_file.path);
  if (f->status == 'D')
    f->skip = QG_CHANGE_DELETED;
  else if (o->nexclude && qg_glob_list_match(o->exclude, o->nexclude, f->path, false))
    f->skip = QG_CHANGE_EXCLUDED;
  else if (vendored_path(f->path) || d->new_file.mode == GIT_FILEMODE_COMMIT)
    f->skip = QG_CHANGE_VENDORED; /* a submodule's pointer is someone else's code too */
  else if (generated_name(f->path))
    f->skip = QG_CHANGE_GENERATED;
  else if (d->flags & GIT_DIFF_FLAG_BINARY)
    f->skip = QG_CHANGE_BINARY;
  else if (d->new_file.mode != GIT_FILEMODE_LINK && generated_content(repo, &d->new_file))
    f->skip = QG_CHANGE_GENERATED;
  if (f->skip != QG_CHANGE_KEPT)
    return true;
  if (o->on_content) {
    const git_oid *ids[2] = {&d->old_file.id, &d->new_file.id};
    size_t max = o->max_content ? o->max_content : DEFAULT_MAX_CONTENT;
    for (int k = 0; k < 2; k++) {
      git_blob *blob = NULL;
      if (git_oid_is_zero(ids[k]) || git_blob_lookup(&blob, repo, ids[k]) != 0)
        continue;
      size_t n = (size_t)git_blob_rawsize(blob);
      if (n <= max && git_blob_rawcontent(blob))
        o->on_content(o->content_ud, git_blob_rawcontent(blob), n);
      git_blob_free(blob);
    }
  }
  return read_patch(diff, idx, max_patch, f, why);
}

/* The commit a revision names, or NULL with *why set. */
static git_commit *resolve_commit(git_repository *repo, const char *rev, char **why) {
  git_object *obj = NULL, *peeled = NULL;
  if (git_revparse_single(&obj, repo, rev) != 0) {
    qg_why(why, "unknown revision '%s'", rev);
    return NULL;
  }
  if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) != 0) {
    qg_why(why, "revision '%s' does not name a commit", rev);
    peeled = NULL;
  }
  git_object_free(obj);
  return (git_commit *)peeled;
}

/* ---- lines of HEAD at another head ------------------------------------------------------ */

typedef struct moved_ctx {
  qg_change_file *f;
  size_t cap;
} moved_ctx;

static int on_moved_hunk(const git_diff_delta *d, const git_diff_hunk *h, void *payload) {
  (void)d;
  moved_ctx *m = payload;
  if (h->old_start < 0 || h->old_lines < 0 || h->new_start < 0 || h->new_lines < 0)
    return -1;
  qg_grow((void **)&m->f->moved, &m->cap, m->f->nmoved + 1, sizeof(*m->f->moved));
  m->f->moved[m->f->nmoved++] = (qg_change_hunk){(uint32_t)h->old_start, (uint32_t)h->old_lines,
                                                 (uint32_t)h->new_start, (uint32_t)h->new_lines};
  return 0;
}

/* The blob at path in tree, or NULL (absent, not a file, over the cap). */
static git_blob *blob_at(git_repository *repo, git_tree *tree, const char *path) {
  git_tree_entry *e = NULL;
  git_blob *b = NULL;
  if (git_tree_entry_bypath(&e, tree, path) == 0 && git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
      git_blob_lookup(&b, repo, git_tree_entry_id(e)) == 0 &&
      git_blob_rawsize(b) > QG_CHANGE_MAP_MAX) {
    git_blob_free(b);
    b = NULL;
  }
  git_tree_entry_free(e);
  return b;
}

/* Where the lines of f as checked out (tree `checked`) are at the change's
 * head (tree `head`): the hunks of the diff between the two versions. */
static void map_lines(git_repository *repo, git_tree *checked, git_tree *head, qg_change_file *f) {
  f->remapped = true;
  git_blob *a = blob_at(repo, checked, f->path), *b = blob_at(repo, head, f->path);
  if (!a || !b) {
    f->unmapped = true;
  } else if (!git_oid_equal(git_blob_id(a), git_blob_id(b))) {
    git_diff_options o;
    git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
    o.context_lines = 0;
    o.interhunk_lines = 0;
    o.flags |= GIT_DIFF_FORCE_TEXT; /* a kept file is text; never "binary, no hunks" */
    moved_ctx m = {f, 0};
    if (git_diff_blobs(a, f->path, b, f->path, &o, NULL, NULL, on_moved_hunk, NULL, &m) != 0) {
      free(f->moved);
      f->moved = NULL;
      f->nmoved = 0;
      f->unmapped = true;
    }
  }
  git_blob_free(a);
  git_blob_free(b);
}

qg_status qg_change_file_from_texts(const char *path, const char *old, size_t old_len,
                                    const char *new_text, size_t new_len, uint32_t context_lines,
                                    size_t max_patch, qg_change_file *f) {
  memset(f, 0, sizeof(*f));
  f->path = qg_xstrdup(path);
  f->status = 'M';
  git_libgit2_init();
  qg_status st = QG_EGIT;
  git_diff_options o;
  git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
  o.context_lines = context_lines ? context_lines : DEFAULT_CONTEXT;
  git_patch *patch = NULL;
  if (git_patch_from_buffers(&patch, old, old_len, path, new_text, new_len, path, &o) == 0 &&
      fill_patch(patch, max_patch ? max_patch : DEFAULT_MAX_PATCH, f)) {
    /* the map, as map_lines computes it between two blobs */
    f->remapped = true;
    o.context_lines = 0;
    o.interhunk_lines = 0;
    o.flags |= GIT_DIFF_FORCE_TEXT;
    moved_ctx m = {f, 0};
    if (git_diff_buffers(old, old_len, path, new_text, new_len, path, &o, NULL, NULL, on_moved_hunk,
                         NULL, &m) != 0) {
      free(f->moved);
      f->moved = NULL;
      f->nmoved = 0;
      f->unmapped = true;
    }
    st = QG_OK;
  }
  git_patch_free(patch);
  git_libgit2_shutdown();
  return st;
}

/* The commit named head_rev (NULL or "": HEAD) into *head, and, when HEAD is another
 * commit, HEAD's tree into *checked (else NULL): the version whose lines were scanned.
 * QG_ENOENT when head_rev is not in the repository, QG_EGIT for other failures. */
static qg_status open_heads(git_repository *repo, const char *head_rev, git_commit **head,
                            git_tree **checked, char **why) {
  *head = NULL;
  *checked = NULL;
  git_commit *at = resolve_commit(repo, "HEAD", why);
  if (!at) {
    qg_why(why, "HEAD does not name a commit (is the repository empty?)");
    return QG_EGIT;
  }
  if (!head_rev || !*head_rev) {
    *head = at;
    return QG_OK;
  }
  git_object *obj = NULL;
  int rc = git_revparse_single(&obj, repo, head_rev);
  git_object_free(obj);
  qg_status st = QG_EGIT;
  if (rc == GIT_ENOTFOUND) {
    qg_why(why, "the change's head '%s' is not in the repository (a shallow clone?)", head_rev);
    st = QG_ENOENT;
  } else if ((*head = resolve_commit(repo, head_rev, why)) != NULL) {
    if (git_oid_equal(git_commit_id(*head), git_commit_id(at)) || git_commit_tree(checked, at) == 0)
      st = QG_OK;
    else
      qg_why(why, "cannot read HEAD's tree: %s", git_words());
  }
  git_commit_free(at);
  if (st != QG_OK) {
    git_commit_free(*head);
    *head = NULL;
  }
  return st;
}

qg_status qg_change_read(const qg_change_opts *opts, qg_change *out, char **why) {
  memset(out, 0, sizeof(*out));
  *why = NULL;
  if (!opts || !opts->base || !*opts->base) {
    qg_why(why, "no base revision given");
    return QG_EGIT;
  }
  /* reference counted by libgit2: harmless when the CLI has already done it,
   * and it lets the library be used without the CLI's set-up */
  git_libgit2_init();
  git_repository *repo = NULL;
  git_commit *base = NULL, *head = NULL, *mb = NULL;
  git_tree *from = NULL, *to = NULL, *checked_tree = NULL;
  git_diff *diff = NULL;
  delta_ref *refs = NULL;
  qg_status st = QG_EGIT;
  size_t max_patch = opts->max_patch ? opts->max_patch : DEFAULT_MAX_PATCH;
  size_t max_files = opts->max_files ? opts->max_files : DEFAULT_MAX_FILES;

  if (git_repository_open_ext(&repo, opts->repo_dir ? opts->repo_dir : ".", 0, NULL) != 0) {
    qg_why(why, "not inside a git repository");
    goto out;
  }
  if (!(base = resolve_commit(repo, opts->base, why)))
    goto out;
  const char *head_name = opts->head && *opts->head ? opts->head : "HEAD";
  if ((st = open_heads(repo, opts->head, &head, &checked_tree, why)) != QG_OK)
    goto out;
  st = QG_EGIT;
  git_oid mb_id;
  int rc = git_merge_base(&mb_id, repo, git_commit_id(base), git_commit_id(head));
  if (rc == GIT_ENOTFOUND) {
    qg_why(why, "no common ancestor between '%s' and %s", opts->base, head_name);
    goto out;
  }
  if (rc != 0 || git_commit_lookup(&mb, repo, &mb_id) != 0 || git_commit_tree(&from, mb) != 0 ||
      git_commit_tree(&to, head) != 0) {
    qg_why(why, "cannot read the merge base of '%s' and %s: %s", opts->base, head_name,
           git_words());
    goto out;
  }

  git_diff_options dopts;
  git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
  dopts.context_lines = opts->context_lines ? opts->context_lines : DEFAULT_CONTEXT;
  /* one delta per path even when a file became a symlink or back */
  dopts.flags |= GIT_DIFF_INCLUDE_TYPECHANGE;
  git_diff_find_options fopts;
  git_diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION);
  fopts.flags = GIT_DIFF_FIND_RENAMES; /* explicitly: not whatever diff.renames says */
  if (git_diff_tree_to_tree(&diff, repo, from, to, &dopts) != 0 ||
      git_diff_find_similar(diff, &fopts) != 0) {
    qg_why(why, "cannot compare '%s' with %s: %s", opts->base, head_name, git_words());
    goto out;
  }

  size_t total = git_diff_num_deltas(diff);
  refs = qg_xcalloc(total ? total : 1, sizeof(*refs));
  for (size_t i = 0; i < total; i++) {
    const git_diff_delta *d = git_diff_get_delta(diff, i);
    refs[i].idx = i;
    refs[i].path = d->new_file.path ? d->new_file.path : d->old_file.path;
  }
  qsort(refs, total, sizeof(*refs), cmp_delta_ref);
  size_t want = total > max_files ? max_files : total;
  out->files = qg_xcalloc(want ? want : 1, sizeof(qg_change_file));
  for (size_t i = 0; i < want; i++) {
    qg_change_file *f = &out->files[out->n++];
    if (!read_file(repo, diff, refs[i].idx, opts, max_patch, f, why)) {
      qg_change_cleanup(out);
      goto out;
    }
    if (checked_tree && f->skip == QG_CHANGE_KEPT)
      map_lines(repo, checked_tree, to, f);
  }
  git_oid_tostr(out->base_oid, sizeof(out->base_oid), &mb_id);
  git_oid_tostr(out->head_oid, sizeof(out->head_oid), git_commit_id(head));
  if (total > want) {
    /* like qg_git_base_changed: the files read are kept, the status says the rest are not */
    qg_why(why,
           "the change has %zu files, over the cap of %zu: only the first %zu by path "
           "were read",
           total, max_files, want);
    st = QG_ETOOBIG;
  } else {
    st = QG_OK;
  }
out:
  free(refs);
  git_diff_free(diff);
  git_tree_free(from);
  git_tree_free(to);
  git_tree_free(checked_tree);
  git_commit_free(mb);
  git_commit_free(head);
  git_commit_free(base);
  git_repository_free(repo);
  git_libgit2_shutdown();
  return st;
}

void qg_change_file_cleanup(qg_change_file *f) {
  free(f->path);
  free(f->old_path);
  free(f->patch);
  free(f->lines);
  free(f->added);
  free(f->moved);
  memset(f, 0, sizeof(*f));
}

void qg_change_cleanup(qg_change *c) {
  if (!c)
    return;
  for (size_t i = 0; i < c->n; i++)
    qg_change_file_cleanup(&c->files[i]);
  free(c->files);
  memset(c, 0, sizeof(*c));
}

const qg_change_file *qg_change_find(const qg_change *c, const char *path) {
  if (!c || !path)
    return NULL;
  size_t lo = 0, hi = c->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int k = strcmp(path, c->files[mid].path);
    if (k == 0)
      return &c->files[mid];
    if (k < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return NULL;
}

static bool has_line(const uint32_t *v, size_t n, uint32_t line) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (v[mid] == line)
      return true;
    if (line < v[mid])
      hi = mid;
    else
      lo = mid + 1;
  }
  return false;
}

bool qg_change_shows_line(const qg_change_file *f, uint32_t line) {
  return f && line && has_line(f->lines, f->nlines, line);
}

bool qg_change_added_line(const qg_change_file *f, uint32_t line) {
  return f && line && has_line(f->added, f->nadded, line);
}

uint32_t qg_change_head_line(const qg_change_file *f, uint32_t line) {
  if (!f || !line)
    return 0;
  if (!f->remapped)
    return line;
  if (f->unmapped)
    return 0;
  int64_t delta = 0;
  for (size_t i = 0; i < f->nmoved; i++) {
    const qg_change_hunk *h = &f->moved[i];
    /* the first line after the hunk on each side (a side without lines names the
     * line before it) */
    uint64_t old_next = (uint64_t)h->old_start + (h->old_lines ? h->old_lines : 1);
    uint64_t new_next = (uint64_t)h->new_start + (h->new_lines ? h->new_lines : 1);
    if (line < (h->old_lines ? h->old_start : old_next))
      break;
    if (line < old_next)
      return 0; /* a line the checkout changed */
    delta = (int64_t)new_next - (int64_t)old_next;
  }
  int64_t at = (int64_t)line + delta;
  return at >= 1 && at <= UINT32_MAX ? (uint32_t)at : 0;
}

/* ---- lines of any file of the checkout at another commit ------------------------------------ */

struct qg_linemap {
  git_repository *repo;
  git_tree *checked, *head; /* NULL when head is HEAD: every line is itself */
  qg_change_file *files;    /* the files asked for so far: path and map only */
  size_t n, cap;
  size_t last; /* the file asked for last (findings come sorted by path) */
};

qg_status qg_linemap_open(const char *repo_dir, const char *head, qg_linemap **out, char **why) {
  *out = NULL;
  *why = NULL;
  git_libgit2_init();
  qg_linemap *m = qg_xcalloc(1, sizeof(*m));
  git_commit *hc = NULL;
  qg_status st = QG_EGIT;
  if (git_repository_open_ext(&m->repo, repo_dir ? repo_dir : ".", 0, NULL) != 0)
    qg_why(why, "not inside a git repository");
  else if ((st = open_heads(m->repo, head, &hc, &m->checked, why)) == QG_OK && m->checked &&
           git_commit_tree(&m->head, hc) != 0) {
    qg_why(why, "cannot read the tree of '%s': %s", head, git_words());
    st = QG_EGIT;
  }
  git_commit_free(hc);
  if (st != QG_OK) {
    qg_linemap_free(&m);
    return st;
  }
  *out = m;
  return QG_OK;
}

uint32_t qg_linemap_line(qg_linemap *m, const char *path, uint32_t line) {
  if (!m || !m->checked || !path || !line)
    return line;
  qg_change_file *f = m->n && strcmp(m->files[m->last].path, path) == 0 ? &m->files[m->last] : NULL;
  for (size_t i = 0; !f && i < m->n; i++)
    if (strcmp(m->files[i].path, path) == 0) {
      f = &m->files[i];
      m->last = i;
    }
  if (!f) {
    qg_grow((void **)&m->files, &m->cap, m->n + 1, sizeof(*m->files));
    m->last = m->n++;
    f = &m->files[m->last];
    memset(f, 0, sizeof(*f));
    f->path = qg_xstrdup(path);
    /* a path HEAD does not have is not the repository's: its lines are left alone */
    git_tree_entry *e = NULL;
    if (git_tree_entry_bypath(&e, m->checked, path) == 0)
      map_lines(m->repo, m->checked, m->head, f);
    git_tree_entry_free(e);
  }
  return qg_change_head_line(f, line);
}

void qg_linemap_free(qg_linemap **mp) {
  qg_linemap *m = mp ? *mp : NULL;
  if (!m)
    return;
  for (size_t i = 0; i < m->n; i++) {
    free(m->files[i].path);
    free(m->files[i].moved);
  }
  free(m->files);
  git_tree_free(m->checked);
  git_tree_free(m->head);
  git_repository_free(m->repo);
  free(m);
  *mp = NULL;
  git_libgit2_shutdown();
}

const char *qg_change_skip_name(qg_change_skip s) {
  switch (s) {
  case QG_CHANGE_KEPT:
    return "kept";
  case QG_CHANGE_BINARY:
    return "binary";
  case QG_CHANGE_GENERATED:
    return "generated";
  case QG_CHANGE_VENDORED:
    return "vendored";
  case QG_CHANGE_EXCLUDED:
    return "excluded";
  case QG_CHANGE_DELETED:
    return "deleted";
  case QG_CHANGE_TOO_BIG:
    return "too big";
  }
  return "unknown";
}
