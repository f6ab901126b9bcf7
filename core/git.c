/* git.c: libgit2 adapter (ignore rules for the directory walk). */
#include "core/git.h"
#include "core/mem.h"
#include "core/utf.h"

#include <git2.h>
#include <pthread.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct qg_git_ignore {
  git_repository *repo;
  char *workdir; /* realpath of the work tree, with a trailing '/' */
  size_t wlen;
  bool index_read; /* tracked is loaded (on the first ignored path) */
  char **tracked;  /* the index's paths, sorted (strcmp), owned */
  size_t ntracked;
};

/* libgit2 is started on first use, not at start-up: its initialisation (TLS
 * and SSH back ends) costs milliseconds that most runs never need. */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static bool g_started;

static void need_git(void) {
  pthread_mutex_lock(&g_mu);
  if (!g_started) {
    git_libgit2_init();
    g_started = true;
  }
  pthread_mutex_unlock(&g_mu);
}

void qg_git_global_init(void) {}

void qg_git_global_cleanup(void) {
  pthread_mutex_lock(&g_mu);
  if (g_started) {
    git_libgit2_shutdown();
    g_started = false;
  }
  pthread_mutex_unlock(&g_mu);
}

qg_git_ignore *qg_git_ignore_open(const char *path) {
  need_git();
  git_repository *repo = NULL;
  if (git_repository_open_ext(&repo, path, 0, NULL) != 0)
    return NULL;
  const char *wd = git_repository_workdir(repo);
  char real[PATH_MAX];
  if (!wd || !realpath(wd, real)) {
    git_repository_free(repo);
    return NULL;
  }
  qg_git_ignore *gi = qg_xcalloc(1, sizeof(*gi));
  gi->repo = repo;
  gi->workdir = qg_xasprintf("%s/", real);
  gi->wlen = strlen(gi->workdir);
  return gi;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Copies the index's paths once into a sorted array: most trees have no
 * ignored path, and those that do are asked about it once per path. An index
 * that cannot be read tracks nothing (ignore rules then apply as before). */
static void read_index(qg_git_ignore *gi) {
  gi->index_read = true;
  git_index *idx = NULL;
  if (git_repository_index(&idx, gi->repo) != 0)
    return;
  size_t n = git_index_entrycount(idx);
  gi->tracked = qg_xcalloc(n ? n : 1, sizeof(*gi->tracked));
  for (size_t i = 0; i < n; i++) {
    const git_index_entry *e = git_index_get_byindex(idx, i);
    if (e && e->path)
      gi->tracked[gi->ntracked++] = qg_xstrdup(e->path);
  }
  git_index_free(idx);
  qsort(gi->tracked, gi->ntracked, sizeof(*gi->tracked), cmp_str);
}

/* Is rel (relative to the work tree) tracked: a file in the index, or a
 * directory with a tracked file under it? */
static bool is_tracked(qg_git_ignore *gi, const char *rel, int is_dir) {
  if (!gi->index_read)
    read_index(gi);
  /* the first index path >= rel ("dir/" for a directory: its files follow) */
  char *owned = is_dir ? qg_xasprintf("%s/", rel) : NULL;
  const char *key = owned ? owned : rel;
  size_t kl = strlen(key), lo = 0, hi = gi->ntracked;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(gi->tracked[mid], key) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  bool hit = lo < gi->ntracked &&
             (is_dir ? strncmp(gi->tracked[lo], key, kl) == 0 : strcmp(gi->tracked[lo], key) == 0);
  free(owned);
  return hit;
}

int qg_git_ignored(qg_git_ignore *gi, const char *path, int is_dir) {
  char real[PATH_MAX];
  if (!gi || !realpath(path, real))
    return 0;
  size_t rl = strlen(real);
  if (rl < gi->wlen || strncmp(real, gi->workdir, gi->wlen) != 0)
    return 0;
  char *rel = qg_xasprintf("%s%s", real + gi->wlen, is_dir ? "/" : "");
  int ignored = 0;
  if (git_ignore_path_is_ignored(&ignored, gi->repo, rel) != 0)
    ignored = 0;
  if (ignored) {
    /* the index decides what is in the repository: a tracked file is
     * scanned whatever .gitignore says, and an ignored directory holding
     * one is walked (its untracked files are still ignored, each) */
    if (is_dir)
      rel[strlen(rel) - 1] = '\0';
    ignored = !is_tracked(gi, rel, is_dir);
  }
  free(rel);
  return ignored;
}

void qg_git_ignore_free(qg_git_ignore **gi) {
  if (!gi || !*gi)
    return;
  git_repository_free((*gi)->repo);
  free((*gi)->workdir);
  for (size_t i = 0; i < (*gi)->ntracked; i++)
    free((*gi)->tracked[i]);
  free((*gi)->tracked);
  free(*gi);
  *gi = NULL;
}

const char *qg_git_version(char *buf, size_t size) {
  int maj = 0, min = 0, rev = 0;
  git_libgit2_version(&maj, &min, &rev);
  snprintf(buf, size, "%d.%d.%d", maj, min, rev);
  return buf;
}

qg_status qg_git_init_repo(const char *path) {
  need_git();
  git_repository *repo = NULL;
  if (git_repository_init(&repo, path, 0) != 0)
    return QG_EGIT;
  git_repository_free(repo);
  return QG_OK;
}

char *qg_git_workdir(const char *path) {
  need_git();
  git_repository *repo = NULL;
  if (git_repository_open_ext(&repo, path, 0, NULL) != 0)
    return NULL;
  const char *wd = git_repository_workdir(repo);
  char *out = NULL;
  if (wd) {
    out = qg_xstrdup(wd);
    size_t n = strlen(out);
    while (n > 1 && out[n - 1] == '/')
      out[--n] = '\0';
  }
  git_repository_free(repo);
  return out;
}

/* Is path rel, under rel, or a parent of rel? (rel "" covers everything.) */
static bool tracked_at(const char *path, const char *rel, size_t rl) {
  if (!rl)
    return true;
  size_t pl = strlen(path);
  if (pl >= rl)
    return strncmp(path, rel, rl) == 0 && (pl == rl || path[rl] == '/');
  return strncmp(rel, path, pl) == 0 && rel[pl] == '/';
}

typedef struct tree_find {
  const char *rel;
  size_t rl;
  char *hit; /* owned */
} tree_find;

static int on_tree_entry(const char *root, const git_tree_entry *e, void *ud) {
  tree_find *tf = ud;
  char *path = qg_xasprintf("%s%s", root, git_tree_entry_name(e));
  bool is_tree = git_tree_entry_type(e) == GIT_OBJECT_TREE;
  int rc = 0;
  if (!is_tree && tracked_at(path, tf->rel, tf->rl)) {
    tf->hit = path;
    return -1; /* found: stop */
  }
  /* a tree is entered only on the way to rel or under it */
  if (is_tree && !tracked_at(path, tf->rel, tf->rl))
    rc = 1;
  free(path);
  return rc;
}

char *qg_git_tracked_under(const char *dir, const char *rel, bool *err) {
  need_git();
  *err = false;
  git_repository *repo = NULL;
  if (git_repository_open_ext(&repo, dir, 0, NULL) != 0) {
    *err = true;
    return NULL;
  }
  size_t rl = strlen(rel);
  char *hit = NULL;
  git_index *idx = NULL;
  if (git_repository_index(&idx, repo) != 0) {
    *err = true;
  } else {
    size_t n = git_index_entrycount(idx);
    for (size_t i = 0; i < n && !hit; i++) {
      const git_index_entry *e = git_index_get_byindex(idx, i);
      if (e && e->path && tracked_at(e->path, rel, rl))
        hit = qg_xstrdup(e->path);
    }
    git_index_free(idx);
  }
  git_object *tree = NULL;
  if (!hit) {
    int rc = git_revparse_single(&tree, repo, "HEAD^{tree}");
    if (rc == 0) {
      tree_find tf = {rel, rl, NULL};
      (void)git_tree_walk((git_tree *)tree, GIT_TREEWALK_PRE, on_tree_entry, &tf);
      hit = tf.hit;
    } else if (git_repository_head_unborn(repo) != 1) {
      *err = true;
    }
  }
  git_object_free(tree);
  git_repository_free(repo);
  return hit;
}

struct qg_git_base {
  git_repository *repo;
  git_tree *tree;
  git_oid commit; /* the base's commit, when it names one */
  bool has_commit;
  char *workdir; /* realpath with a trailing '/' */
  size_t wlen;
  git_oid head; /* what the change is compared with: this commit when has_head, else HEAD */
  bool has_head;
};

qg_status qg_git_base_open(const char *rev, qg_git_base **out, char **why) {
  need_git();
  *why = NULL;
  git_repository *repo = NULL;
  git_object *obj = NULL, *treeobj = NULL;
  *out = NULL;
  if (git_repository_open_ext(&repo, ".", 0, NULL) != 0) {
    *why = qg_xstrdup("not inside a git repository");
    return QG_EGIT;
  }
  char real[PATH_MAX];
  const char *wd = git_repository_workdir(repo);
  if (!wd || !realpath(wd, real)) {
    *why = qg_xstrdup("the repository has no work tree");
    git_repository_free(repo);
    return QG_EGIT;
  }
  if (git_revparse_single(&obj, repo, rev) != 0 ||
      git_object_peel(&treeobj, obj, GIT_OBJECT_TREE) != 0) {
    const git_error *e = git_error_last();
    *why = qg_xasprintf("unknown revision '%s'%s%s", rev, e ? ": " : "", e ? e->message : "");
    git_object_free(obj);
    git_repository_free(repo);
    return QG_EGIT;
  }
  qg_git_base *b = qg_xcalloc(1, sizeof(*b));
  git_object *commit = NULL;
  if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) == 0) {
    git_oid_cpy(&b->commit, git_object_id(commit));
    b->has_commit = true;
    git_object_free(commit);
  }
  git_object_free(obj);
  b->repo = repo;
  b->tree = (git_tree *)treeobj;
  b->workdir = qg_xasprintf("%s/", real);
  b->wlen = strlen(b->workdir);
  *out = b;
  return QG_OK;
}

typedef struct changed_ctx {
  char **paths;
  size_t n, cap, max;
  bool over;
} changed_ctx;

static void changed_add(changed_ctx *c, const char *path) {
  if (!path || (c->n && strcmp(c->paths[c->n - 1], path) == 0))
    return;
  if (c->n == c->max) {
    c->over = true;
    return;
  }
  qg_grow((void **)&c->paths, &c->cap, c->n + 1, sizeof(char *));
  c->paths[c->n++] = qg_xstrdup(path);
}

static int on_delta(const git_diff_delta *d, float progress, void *ud) {
  (void)progress;
  changed_add(ud, d->old_file.path);
  changed_add(ud, d->new_file.path);
  return 0;
}

qg_status qg_git_base_changed(qg_git_base *b, size_t max, char ***paths, size_t *n, char **why) {
  *why = NULL;
  *paths = NULL;
  *n = 0;
  git_object *head = NULL;
  git_tree *head_tree = NULL, *from = NULL;
  git_diff *diff = NULL;
  qg_status st = QG_EGIT;
  if ((b->has_head ? git_object_lookup(&head, b->repo, &b->head, GIT_OBJECT_COMMIT)
                   : git_revparse_single(&head, b->repo, "HEAD^{commit}")) != 0 ||
      git_commit_tree(&head_tree, (git_commit *)head) != 0) {
    *why = qg_xstrdup(b->has_head ? "cannot read the commit scanned (--rev)" : "cannot read HEAD");
    goto out;
  }
  /* from the merge base when there is one: what the change itself did */
  git_oid mb;
  git_commit *mbc = NULL;
  if (b->has_commit && git_merge_base(&mb, b->repo, &b->commit, git_object_id(head)) == 0 &&
      git_commit_lookup(&mbc, b->repo, &mb) == 0) {
    if (git_commit_tree(&from, mbc) != 0)
      from = NULL;
    git_commit_free(mbc);
  }
  git_diff_options opts;
  git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
  if (git_diff_tree_to_tree(&diff, b->repo, from ? from : b->tree, head_tree, &opts) != 0) {
    *why = qg_xstrdup("cannot compare the base with HEAD");
    goto out;
  }
  changed_ctx c = {.max = max};
  git_diff_foreach(diff, on_delta, NULL, NULL, NULL, &c);
  *paths = c.paths;
  *n = c.n;
  st = c.over ? QG_ETOOBIG : QG_OK;
  if (c.over)
    *why = qg_xasprintf("more than %zu changed files", max);
out:
  git_diff_free(diff);
  git_tree_free(from);
  git_tree_free(head_tree);
  git_object_free(head);
  return st;
}

qg_status qg_git_base_set_head(qg_git_base *b, const char *rev, char **why) {
  git_object *obj = NULL, *commit = NULL;
  *why = NULL;
  if (git_revparse_single(&obj, b->repo, rev) != 0 ||
      git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) != 0) {
    *why = qg_xasprintf("'%s' does not name a commit", rev);
    git_object_free(obj);
    return QG_EGIT;
  }
  git_oid_cpy(&b->head, git_object_id(commit));
  b->has_head = true;
  git_object_free(commit);
  git_object_free(obj);
  return QG_OK;
}

qg_status qg_git_base_read(qg_git_base *b, const char *path, size_t max, char **buf, size_t *len) {
  char real[PATH_MAX];
  *buf = NULL;
  *len = 0;
  if (!realpath(path, real))
    return QG_ENOENT;
  size_t rl = strlen(real);
  if (rl <= b->wlen || strncmp(real, b->workdir, b->wlen) != 0)
    return QG_ENOENT;
  return qg_git_base_read_rel(b, real + b->wlen, max, buf, len);
}

qg_status qg_git_base_read_rel(qg_git_base *b, const char *rel, size_t max, char **buf,
                               size_t *len) {
  *buf = NULL;
  *len = 0;
  git_tree_entry *entry = NULL;
  git_blob *blob = NULL;
  qg_status st = QG_ENOENT;
  if (!*rel || git_tree_entry_bypath(&entry, b->tree, rel) != 0 ||
      git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
    goto out;
  if (git_blob_lookup(&blob, b->repo, git_tree_entry_id(entry)) != 0) {
    st = QG_EGIT;
    goto out;
  }
  size_t n = (size_t)git_blob_rawsize(blob);
  if (n > max) {
    st = QG_ETOOBIG;
    goto out;
  }
  *buf = qg_xstrndup(git_blob_rawcontent(blob), n);
  *len = n;
  st = QG_OK;
out:
  git_blob_free(blob);
  git_tree_entry_free(entry);
  return st;
}

void qg_git_base_free(qg_git_base **b) {
  if (!b || !*b)
    return;
  git_tree_free((*b)->tree);
  git_repository_free((*b)->repo);
  free((*b)->workdir);
  free(*b);
  *b = NULL;
}

/* ---- a commit's tree (--rev) ------------------------------------------------------------ */

struct qg_git_rev {
  git_repository *repo;
  git_odb *odb;
  git_tree *tree;
  char oid[65];
  char *workdir;      /* real path, no trailing '/' */
  pthread_mutex_t mu; /* libgit2's objects are not shared between threads unlocked */
};

qg_status qg_git_rev_open(const char *rev, qg_git_rev **out, char **why) {
  need_git();
  *out = NULL;
  *why = NULL;
  git_repository *repo = NULL;
  git_object *obj = NULL, *commit = NULL;
  git_tree *tree = NULL;
  git_odb *odb = NULL;
  char real[PATH_MAX];
  if (git_repository_open_ext(&repo, ".", 0, NULL) != 0) {
    *why = qg_xstrdup("not inside a git repository");
    return QG_EGIT;
  }
  const char *wd = git_repository_workdir(repo);
  if (!wd || !realpath(wd, real)) {
    *why = qg_xstrdup("the repository has no work tree");
    git_repository_free(repo);
    return QG_EGIT;
  }
  if (git_revparse_single(&obj, repo, rev) != 0) {
    *why = qg_xasprintf("unknown revision '%s': no commit, branch or tag of that name in this "
                        "repository",
                        rev);
    goto fail;
  }
  if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) != 0) {
    *why = qg_xasprintf("'%s' is not a commit (a %s)", rev,
                        git_object_type2string(git_object_type(obj)));
    goto fail;
  }
  if (git_commit_tree(&tree, (git_commit *)commit) != 0 || git_repository_odb(&odb, repo) != 0) {
    const git_error *e = git_error_last();
    *why =
        qg_xasprintf("cannot read the tree of '%s'%s%s", rev, e ? ": " : "", e ? e->message : "");
    goto fail;
  }
  qg_git_rev *r = qg_xcalloc(1, sizeof(*r));
  r->repo = repo;
  r->odb = odb;
  r->tree = tree;
  git_oid_tostr(r->oid, sizeof(r->oid), git_object_id(commit));
  r->workdir = qg_xstrdup(real);
  pthread_mutex_init(&r->mu, NULL);
  git_object_free(commit);
  git_object_free(obj);
  *out = r;
  return QG_OK;
fail:
  git_tree_free(tree);
  git_object_free(commit);
  git_object_free(obj);
  git_repository_free(repo);
  return QG_EGIT;
}

void qg_git_rev_free(qg_git_rev **r) {
  if (!r || !*r)
    return;
  git_tree_free((*r)->tree);
  git_odb_free((*r)->odb);
  git_repository_free((*r)->repo);
  pthread_mutex_destroy(&(*r)->mu);
  free((*r)->workdir);
  free(*r);
  *r = NULL;
}

const char *qg_git_rev_oid(const qg_git_rev *r) { return r->oid; }

const char *qg_git_rev_workdir(const qg_git_rev *r) { return r->workdir; }

static qg_git_kind kind_of(git_filemode_t mode) {
  switch (mode) {
  case GIT_FILEMODE_TREE:
    return QG_GIT_DIR;
  case GIT_FILEMODE_LINK:
    return QG_GIT_LINK;
  case GIT_FILEMODE_COMMIT:
    return QG_GIT_SUBMODULE;
  case GIT_FILEMODE_BLOB:
  case GIT_FILEMODE_BLOB_EXECUTABLE:
    return QG_GIT_FILE;
  default:
    return QG_GIT_NONE;
  }
}

qg_git_kind qg_git_rev_kind(qg_git_rev *r, const char *rel) {
  if (!*rel)
    return QG_GIT_DIR;
  pthread_mutex_lock(&r->mu);
  git_tree_entry *e = NULL;
  qg_git_kind k = QG_GIT_NONE;
  if (git_tree_entry_bypath(&e, r->tree, rel) == 0)
    k = kind_of(git_tree_entry_filemode(e));
  git_tree_entry_free(e);
  pthread_mutex_unlock(&r->mu);
  return k;
}

qg_status qg_git_rev_list(qg_git_rev *r, const char *rel, qg_git_entry **entries, size_t *n) {
  *entries = NULL;
  *n = 0;
  pthread_mutex_lock(&r->mu);
  git_tree_entry *e = NULL;
  git_tree *sub = NULL;
  const git_tree *t = r->tree;
  qg_status st = QG_ENOENT;
  if (*rel) {
    if (git_tree_entry_bypath(&e, r->tree, rel) != 0 || git_tree_entry_type(e) != GIT_OBJECT_TREE ||
        git_tree_lookup(&sub, r->repo, git_tree_entry_id(e)) != 0)
      goto out;
    t = sub;
  }
  size_t count = git_tree_entrycount(t);
  *entries = qg_xcalloc(count ? count : 1, sizeof(**entries));
  for (size_t i = 0; i < count; i++) {
    const git_tree_entry *te = git_tree_entry_byindex(t, i);
    (*entries)[i].name = qg_xstrdup(git_tree_entry_name(te));
    (*entries)[i].kind = kind_of(git_tree_entry_filemode(te));
  }
  *n = count;
  st = QG_OK;
out:
  git_tree_free(sub);
  git_tree_entry_free(e);
  pthread_mutex_unlock(&r->mu);
  return st;
}

void qg_git_entries_free(qg_git_entry *entries, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(entries[i].name);
  free(entries);
}

qg_status qg_git_rev_read(qg_git_rev *r, const char *rel, size_t max, size_t probe,
                          unsigned char **buf, size_t *len, bool *binary) {
  *buf = NULL;
  *len = 0;
  *binary = false;
  pthread_mutex_lock(&r->mu);
  git_tree_entry *e = NULL;
  git_odb_object *obj = NULL;
  qg_status st = QG_ENOENT;
  size_t size = 0;
  git_object_t type;
  if (!*rel || git_tree_entry_bypath(&e, r->tree, rel) != 0 ||
      git_tree_entry_type(e) != GIT_OBJECT_BLOB)
    goto out;
  st = QG_EGIT;
  if (git_odb_read_header(&size, &type, r->odb, git_tree_entry_id(e)) != 0)
    goto out;
  if (size > max) { /* never inflated */
    st = QG_ETOOBIG;
    goto out;
  }
  if (git_odb_read(&obj, r->odb, git_tree_entry_id(e)) != 0)
    goto out;
  const unsigned char *data = git_odb_object_data(obj);
  size = git_odb_object_size(obj);
  size_t head = size < probe ? size : probe;
  if (probe && memchr(data, '\0', head) && !qg_bom_wide(data, size)) {
    *binary = true;
  } else {
    *buf = qg_xmalloc(size + 1);
    memcpy(*buf, data, size);
    (*buf)[size] = '\0';
    *len = size;
  }
  st = QG_OK;
out:
  git_odb_object_free(obj);
  git_tree_entry_free(e);
  pthread_mutex_unlock(&r->mu);
  return st;
}

/* The commit rev names in repo, or NULL. */
static git_commit *commit_of(git_repository *repo, const char *rev) {
  git_object *obj = NULL, *c = NULL;
  if (git_revparse_single(&obj, repo, rev) == 0 && git_object_peel(&c, obj, GIT_OBJECT_COMMIT) != 0)
    c = NULL;
  git_object_free(obj);
  return (git_commit *)c;
}

static char *oid_hex(const git_oid *id) {
  char hex[65];
  git_oid_tostr(hex, sizeof(hex), id);
  return qg_xstrdup(hex);
}

char *qg_git_commit_id(const char *rev) {
  need_git();
  git_repository *repo = NULL;
  if (git_repository_open_ext(&repo, ".", 0, NULL) != 0)
    return NULL;
  git_commit *c = commit_of(repo, rev);
  char *out = c ? oid_hex(git_commit_id(c)) : NULL;
  git_commit_free(c);
  git_repository_free(repo);
  return out;
}

char *qg_git_merge_base_id(const char *a, const char *b) {
  need_git();
  git_repository *repo = NULL;
  if (git_repository_open_ext(&repo, ".", 0, NULL) != 0)
    return NULL;
  git_commit *ca = commit_of(repo, a), *cb = commit_of(repo, b);
  git_oid mb;
  char *out = ca && cb && git_merge_base(&mb, repo, git_commit_id(ca), git_commit_id(cb)) == 0
                  ? oid_hex(&mb)
                  : NULL;
  git_commit_free(ca);
  git_commit_free(cb);
  git_repository_free(repo);
  return out;
}

char *qg_git_remote_merge_base(const char *remote, const char *rev) {
  need_git();
  git_repository *repo = NULL;
  if (git_repository_open_ext(&repo, ".", 0, NULL) != 0)
    return NULL;
  git_commit *c = commit_of(repo, rev);
  git_reference_iterator *it = NULL;
  char *glob = qg_xasprintf("refs/remotes/%s/*", remote);
  git_oid best;
  git_time_t best_time = 0;
  bool found = false;
  if (c && git_reference_iterator_glob_new(&it, repo, glob) == 0) {
    git_reference *ref = NULL;
    for (size_t n = 0; n < 10000 && git_reference_next(&ref, it) == 0; n++) {
      git_object *obj = NULL;
      git_commit *mbc = NULL;
      git_oid mb;
      if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0 &&
          git_merge_base(&mb, repo, git_commit_id(c), git_object_id(obj)) == 0 &&
          git_commit_lookup(&mbc, repo, &mb) == 0 && (!found || git_commit_time(mbc) > best_time)) {
        git_oid_cpy(&best, &mb);
        best_time = git_commit_time(mbc);
        found = true;
      }
      git_commit_free(mbc);
      git_object_free(obj);
      git_reference_free(ref);
      ref = NULL;
    }
  }
  git_reference_iterator_free(it);
  free(glob);
  git_commit_free(c);
  git_repository_free(repo);
  return found ? oid_hex(&best) : NULL;
}

qg_status qg_git_commit_all(const char *workdir, const char *message) {
  need_git();
  git_repository *repo = NULL;
  git_index *index = NULL;
  git_tree *tree = NULL;
  git_signature *sig = NULL;
  git_object *parent = NULL;
  git_oid tree_id, commit_id;
  qg_status st = QG_EGIT;
  if (git_repository_open(&repo, workdir) != 0 || git_repository_index(&index, repo) != 0)
    goto out;
  if (git_index_add_all(index, NULL, 0, NULL, NULL) != 0 || git_index_write(index) != 0 ||
      git_index_write_tree(&tree_id, index) != 0 || git_tree_lookup(&tree, repo, &tree_id) != 0)
    goto out;
  if (git_signature_new(&sig, "qgate", "qgate@localhost", 1700000000, 0) != 0)
    goto out;
  int has_parent = git_revparse_single(&parent, repo, "HEAD") == 0;
  const git_commit *parents[1] = {has_parent ? (const git_commit *)parent : NULL};
  if (git_commit_create(&commit_id, repo, "HEAD", sig, sig, NULL, message, tree, has_parent ? 1 : 0,
                        parents) != 0)
    goto out;
  st = QG_OK;
out:
  git_object_free(parent);
  git_signature_free(sig);
  git_tree_free(tree);
  git_index_free(index);
  git_repository_free(repo);
  return st;
}

void qg_git_hash_hex(const void *data, size_t len, char out[41]) {
  need_git();
  git_oid oid;
  if (git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB) != 0) {
    snprintf(out, 41, "%040d", 0);
    return;
  }
  git_oid_tostr(out, 41, &oid);
}

char *qg_git_hooks_dir(const char *dir) {
  need_git();
  git_repository *repo = NULL;
  if (git_repository_open_ext(&repo, dir ? dir : ".", 0, NULL) != 0)
    return NULL;
  char *out = NULL;
  git_config *cfg = NULL;
  git_buf hp = {0};
  if (git_repository_config_snapshot(&cfg, repo) == 0 &&
      git_config_get_string_buf(&hp, cfg, "core.hooksPath") == 0 && hp.ptr && *hp.ptr) {
    const char *wd = git_repository_workdir(repo);
    out = hp.ptr[0] == '/' || !wd ? qg_xstrdup(hp.ptr) : qg_xasprintf("%s%s", wd, hp.ptr);
  } else {
    out = qg_xasprintf("%shooks", git_repository_path(repo)); /* the path ends in '/' */
  }
  git_buf_dispose(&hp);
  git_config_free(cfg);
  git_repository_free(repo);
  return out;
}
