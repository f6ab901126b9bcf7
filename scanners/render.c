/* render.c: Kustomize and Helm rendered by their engines, findings put back
 * at their source.
 *
 * Kustomize. The overlay is not rendered in place: a wrapper kustomization in
 * a new temporary directory names it (by a relative path: Kustomize takes no
 * absolute one) and asks for origin annotations (buildMetadata:
 * [originAnnotations]), so each rendered object says which file of the
 * repository it came from (config.kubernetes.io/origin: path). The repository
 * is never written. A finding on a rendered object is put at the same field
 * (the path of keys and of list items by name, found at the finding's line in
 * the rendered text) in the first of: a patch of the overlay or of one of its
 * bases that writes that field for that object (the overlay's own patches
 * first), else the deepest part of that path the origin file writes, else the
 * object's first line there; an object without an origin in the checkout (a
 * generated ConfigMap) is put at the kustomization file.
 *
 * Helm. `helm template` prints `# Source: CHART/templates/x.yaml` before
 * each document: the finding goes to that template, at the rendered line
 * counted from the Source line (exact while no template action above it adds
 * or removes lines); when the template's line there does not hold the
 * rendered line's key, the nearest line that does is taken. */
#include "scanners/render.h"
#include "core/fs.h"
#include "core/proc.h"

#include <errno.h>
#include <dirent.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RENDER_DEFAULT_TIMEOUT_MS 120000u
#define RENDER_DEFAULT_OUTPUT (64u * 1024u * 1024u)
#define KUSTOMIZATION_MAX (1u * 1024u * 1024u) /* a kustomization file or a source */
#define SOURCE_MAX (16u * 1024u * 1024u)
#define KUSTOMIZE_MAX_DEPTH 32
#define MSG_MAX 400

static const char *const k_knames[] = {"kustomization.yaml", "kustomization.yml", "Kustomization",
                                       NULL};

/* ---- paths ------------------------------------------------------------------------------ */

static void push(char ***v, size_t *n, size_t *cap, char *s) {
  qg_grow((void **)v, cap, *n + 1, sizeof(**v));
  (*v)[(*n)++] = s;
}

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

/* p with "." and ".." taken lexically; relative stays relative ("." when empty). */
static char *norm(const char *p) {
  bool abs = p[0] == '/';
  size_t len = strlen(p);
  char **parts = qg_xcalloc(len + 1, sizeof(*parts));
  size_t n = 0;
  char *copy = qg_xstrdup(p);
  for (char *save = NULL, *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
    if (strcmp(t, ".") == 0)
      continue;
    if (strcmp(t, "..") == 0 && n && strcmp(parts[n - 1], "..") != 0) {
      n--;
      continue;
    }
    if (strcmp(t, "..") == 0 && abs)
      continue;
    parts[n++] = t;
  }
  qg_buf b;
  qg_buf_init(&b, 0);
  if (abs)
    (void)qg_buf_putc(&b, '/');
  for (size_t i = 0; i < n; i++)
    (void)qg_buf_printf(&b, "%s%s", i ? "/" : "", parts[i]);
  if (!b.len)
    (void)qg_buf_putc(&b, '.');
  free(parts);
  free(copy);
  return qg_buf_detach(&b);
}

static char *join(const char *dir, const char *rel) {
  if (rel[0] == '/')
    return norm(rel);
  char *j = qg_xasprintf("%s/%s", dir, rel);
  char *n = norm(j);
  free(j);
  return n;
}

/* The relative path from directory `from` to `to` (both absolute and normalised). */
static char *relpath(const char *from, const char *to) {
  size_t i = 0, common = 0;
  while (from[i] && to[i] && from[i] == to[i]) {
    i++;
    if (from[i] == '/' || (!from[i] && (to[i] == '/' || !to[i])))
      common = i;
  }
  if (strcmp(from, "/") == 0)
    common = 0;
  qg_buf b;
  qg_buf_init(&b, 0);
  for (const char *p = from + common; *p; p++)
    if (*p == '/' && p[1])
      (void)qg_buf_puts(&b, b.len ? "/.." : "..");
  if (strcmp(from, "/") != 0 && from[common] == '/' && !b.len)
    (void)qg_buf_puts(&b, "..");
  const char *rest = to + common;
  while (*rest == '/')
    rest++;
  if (*rest)
    (void)qg_buf_printf(&b, "%s%s", b.len ? "/" : "", rest);
  if (!b.len)
    (void)qg_buf_putc(&b, '.');
  return qg_buf_detach(&b);
}

static char *abs_of(const char *path) {
  char *a = qg_fs_lexical_abs(NULL, path);
  return a ? a : qg_xstrdup(path);
}

static char *kfile_in(const char *dir) {
  for (const char *const *k = k_knames; *k; k++) {
    char *p = strcmp(dir, ".") == 0 ? qg_xstrdup(*k) : qg_xasprintf("%s/%s", dir, *k);
    struct stat sb;
    if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode))
      return p;
    free(p);
  }
  return NULL;
}

static char *in_dir(const char *dir, const char *name) {
  return strcmp(dir, ".") == 0 ? qg_xstrdup(name) : qg_xasprintf("%s/%s", dir, name);
}

/* ---- a kustomization's references ------------------------------------------------------- */

typedef struct kinfo {
  const char *dir, *root; /* borrowed */
  char **dirs;            /* kustomization directories it uses (as walked), owned */
  size_t nd, dcap;
  char **files; /* files it reads (as walked), owned */
  size_t nf, fcap;
  char **patches; /* of files: the patches (as walked), owned */
  size_t np, pcap;
  char *bad; /* owned: why the first refused entry is refused, or NULL */
  uint32_t bad_line, bad_col;
  bool parsed;
} kinfo;

static void kinfo_cleanup(kinfo *k) {
  for (size_t i = 0; i < k->nd; i++)
    free(k->dirs[i]);
  for (size_t i = 0; i < k->nf; i++)
    free(k->files[i]);
  for (size_t i = 0; i < k->np; i++)
    free(k->patches[i]);
  free(k->dirs);
  free(k->files);
  free(k->patches);
  free(k->bad);
}

static void refuse(kinfo *k, const qg_ynode *at, char *why) {
  if (k->bad) {
    free(why);
    return;
  }
  k->bad = why;
  k->bad_line = at->line;
  k->bad_col = at->col;
}

/* One entry naming a file or a directory; resource: remote and missing
 * entries are refused (Kustomize would fetch them). */
static void entry(kinfo *k, const qg_ynode *n, bool resource, bool patch) {
  const char *s = qg_ynode_str(n);
  if (!s || !*s)
    return;
  if (strchr(s, '\n')) /* an inline patch */
    return;
  if (s[0] == '/' || strstr(s, "://") || strncmp(s, "git@", 4) == 0) {
    refuse(k, n,
           qg_xasprintf("resource '%.200s' is not a path inside the checkout: remote and "
                        "absolute resources are not fetched or read",
                        s));
    return;
  }
  char *p = join(k->dir, s);
  int inside = k->root ? qg_fs_inside(k->root, p) : 0;
  struct stat sb;
  if (inside == QG_FS_EOUTSIDE) {
    refuse(k, n, qg_xasprintf("'%.200s' lies outside the checkout: not read", s));
    free(p);
    return;
  }
  if (stat(p, &sb) != 0) {
    if (resource)
      refuse(k, n,
             qg_xasprintf("resource '%.200s' is not in the checkout (remote resources such as "
                          "github.com/... are not fetched)",
                          s));
    free(p);
    return;
  }
  if (S_ISDIR(sb.st_mode)) {
    push(&k->dirs, &k->nd, &k->dcap, p);
    return;
  }
  if (patch)
    push(&k->patches, &k->np, &k->pcap, qg_xstrdup(p));
  push(&k->files, &k->nf, &k->fcap, p);
}

static void entries(kinfo *k, const qg_ynode *list, bool resource, bool patch) {
  for (uint32_t i = 0; i < qg_yseq_len(list); i++)
    entry(k, qg_yseq_at(list, i), resource, patch);
}

static qg_status on_kdoc(void *ud, const qg_ynode *root, unsigned doc_index) {
  kinfo *k = ud;
  if (doc_index != 0 || !root || root->kind != QG_Y_MAP)
    return QG_OK;
  k->parsed = true;
  static const char *const res[] = {"resources", "bases", "components", NULL};
  for (const char *const *f = res; *f; f++)
    entries(k, qg_ymap_get(root, *f), true, false);
  static const char *const other[] = {"crds",         "configurations", "generators",
                                      "transformers", "validators",     NULL};
  for (const char *const *f = other; *f; f++)
    entries(k, qg_ymap_get(root, *f), true, false);
  entries(k, qg_ymap_get(root, "patchesStrategicMerge"), false, true);
  static const char *const pl[] = {"patches", "patchesJson6902", NULL};
  for (const char *const *f = pl; *f; f++) {
    const qg_ynode *l = qg_ymap_get(root, *f);
    for (uint32_t i = 0; i < qg_yseq_len(l); i++)
      entry(k, qg_ymap_get(qg_yseq_at(l, i), "path"), true, true);
  }
  static const char *const gens[] = {"configMapGenerator", "secretGenerator", NULL};
  for (const char *const *g = gens; *g; g++) {
    const qg_ynode *l = qg_ymap_get(root, *g);
    for (uint32_t i = 0; i < qg_yseq_len(l); i++) {
      const qg_ynode *item = qg_yseq_at(l, i);
      static const char *const keys[] = {"files", "envs", NULL};
      for (const char *const *key = keys; *key; key++) {
        const qg_ynode *fl = qg_ymap_get(item, *key);
        for (uint32_t j = 0; j < qg_yseq_len(fl); j++) {
          const char *s = qg_ynode_str(qg_yseq_at(fl, j));
          const char *eq = s ? strchr(s, '=') : NULL;
          if (s && !eq)
            entry(k, qg_yseq_at(fl, j), false, false);
          else if (eq) { /* key=path */
            char *p = join(k->dir, eq + 1);
            push(&k->files, &k->nf, &k->fcap, p);
          }
        }
      }
      entry(k, qg_ymap_get(item, "env"), false, false);
    }
  }
  return QG_OK;
}

/* Reads dir's kustomization into k (k->dir, k->root set by the caller).
 * *kfile (owned) is its file, NULL when there is none. */
static qg_status kinfo_read(kinfo *k, char **kfile, qg_yaml_error *err) {
  *kfile = kfile_in(k->dir);
  if (!*kfile)
    return QG_ENOENT;
  unsigned char *buf = NULL;
  size_t len = 0;
  bool bin = false;
  int err_no = 0;
  qg_status st =
      k->root ? qg_read_repo_file(k->root, *kfile, KUSTOMIZATION_MAX, 0, &buf, &len, &bin, &err_no)
              : qg_read_file(*kfile, KUSTOMIZATION_MAX, 0, &buf, &len, &bin, &err_no);
  if (st != QG_OK) {
    snprintf(err->message, sizeof(err->message), "cannot read: %s", qg_fs_strerror(err_no));
    err->line = err->col = 0;
    return st;
  }
  qg_yaml_opts yo = {{0}, on_kdoc, NULL, k, false, false};
  st = qg_yaml_load(buf, len, &yo, err);
  free(buf);
  return st;
}

static qg_status read_src(const char *root, const char *path, size_t max, unsigned char **buf,
                          size_t *len) {
  bool bin = false;
  int err_no = 0;
  return root ? qg_read_repo_file(root, path, max, 0, buf, len, &bin, &err_no)
              : qg_read_file(path, max, 0, buf, len, &bin, &err_no);
}

/* ---- the plan --------------------------------------------------------------------------- */

void qg_render_plan_init(qg_render_plan *p) { memset(p, 0, sizeof(*p)); }

void qg_render_plan_cleanup(qg_render_plan *p) {
  for (size_t i = 0; i < p->nk; i++)
    free(p->kdirs[i]);
  for (size_t i = 0; i < p->nc; i++)
    free(p->charts[i]);
  for (size_t i = 0; i < p->ncons; i++)
    free(p->consumed[i]);
  for (size_t i = 0; i < p->nc; i++)
    free(p->chart_abs[i]);
  free(p->kdirs);
  free(p->kused);
  free(p->charts);
  free(p->chart_abs);
  free(p->consumed);
  memset(p, 0, sizeof(*p));
}

static char *dir_of(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? qg_xstrndup(path, (size_t)(s - path)) : qg_xstrdup(".");
}

void qg_render_plan_add(qg_render_plan *p, const char *path) {
  const char *b = base_name(path);
  if (strcmp(b, "Chart.yaml") == 0) {
    push(&p->charts, &p->nc, &p->ccap, dir_of(path));
    return;
  }
  for (const char *const *k = k_knames; *k; k++) {
    if (strcmp(b, *k) != 0)
      continue;
    char *d = dir_of(path);
    for (size_t i = 0; i < p->nk; i++)
      if (strcmp(p->kdirs[i], d) == 0) { /* kustomization.yaml and .yml side by side */
        free(d);
        return;
      }
    push(&p->kdirs, &p->nk, &p->kcap, d);
    return;
  }
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

void qg_render_plan_finish(qg_render_plan *p, const char *root) {
  p->kused = qg_xcalloc(p->nk + 1, sizeof(*p->kused));
  char **kabs = qg_xcalloc(p->nk + 1, sizeof(*kabs));
  for (size_t i = 0; i < p->nk; i++)
    kabs[i] = abs_of(p->kdirs[i]);
  for (size_t i = 0; i < p->nk; i++) {
    kinfo k = {0};
    k.dir = p->kdirs[i];
    k.root = root;
    char *kfile = NULL;
    qg_yaml_error err;
    (void)kinfo_read(&k, &kfile, &err);
    if (kfile)
      push(&p->consumed, &p->ncons, &p->conscap, abs_of(kfile));
    free(kfile);
    for (size_t f = 0; f < k.nf; f++)
      push(&p->consumed, &p->ncons, &p->conscap, abs_of(k.files[f]));
    for (size_t d = 0; d < k.nd; d++) {
      char *a = abs_of(k.dirs[d]);
      for (size_t j = 0; j < p->nk; j++)
        if (j != i && strcmp(kabs[j], a) == 0)
          p->kused[j] = true;
      free(a);
    }
    kinfo_cleanup(&k);
  }
  for (size_t i = 0; i < p->nk; i++)
    free(kabs[i]);
  free(kabs);
  p->chart_abs = qg_xcalloc(p->nc + 1, sizeof(*p->chart_abs));
  for (size_t i = 0; i < p->nc; i++)
    p->chart_abs[i] = abs_of(p->charts[i]);
  if (p->ncons)
    qsort(p->consumed, p->ncons, sizeof(*p->consumed), cmp_str);
}

bool qg_render_plan_consumed(const qg_render_plan *p, const char *path) {
  if (!p->ncons && !p->nc)
    return false;
  char *a = abs_of(path);
  bool hit = p->ncons && bsearch(&a, p->consumed, p->ncons, sizeof(*p->consumed), cmp_str);
  for (size_t i = 0; i < p->nc && !hit; i++)
    hit = qg_fs_under(p->chart_abs[i], a);
  free(a);
  return hit;
}

bool qg_render_plan_top_chart(const qg_render_plan *p, size_t i) {
  for (size_t j = 0; j < p->nc; j++)
    if (j != i && strcmp(p->chart_abs[j], p->chart_abs[i]) != 0 &&
        qg_fs_under(p->chart_abs[j], p->chart_abs[i]))
      return false;
  return true;
}

/* ---- running an engine ------------------------------------------------------------------ */

/* Removes path and, when it is a directory (not a link), what it holds. */
static void rm_tree(const char *path, int depth) {
  struct stat sb;
  if (lstat(path, &sb) != 0)
    return;
  if (S_ISDIR(sb.st_mode) && depth < 64) {
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d))) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        continue;
      char *sub = qg_xasprintf("%s/%s", path, e->d_name);
      rm_tree(sub, depth + 1);
      free(sub);
    }
    if (d)
      closedir(d);
    rmdir(path);
    return;
  }
  unlink(path);
}

typedef struct engine_run {
  char *tmp;  /* owned: the temporary directory (real path) */
  char *home; /* owned: HOME=... and the rest of the environment */
  qg_proc_result res;
} engine_run;

static char *mk_tmp(void) {
  const char *t = getenv("TMPDIR");
  char *tmpl = qg_xasprintf("%s/qgate-render-XXXXXX", t && t[0] == '/' ? t : "/tmp");
  if (!mkdtemp(tmpl)) {
    free(tmpl);
    return NULL;
  }
  char *real = qg_fs_realdir(tmpl);
  if (!real) {
    rmdir(tmpl);
    free(tmpl);
    return NULL;
  }
  free(tmpl);
  return real;
}

static void rm_tmp(char *tmp) {
  if (tmp)
    rm_tree(tmp, 0);
  free(tmp);
}

/* The engine's message, tidied: its last non-empty line (a klog line's err="..."),
 * the temporary directory and the checkout's path taken out, control characters
 * replaced, capped. Caller frees. */
static char *tidy_message(const char *err, const char *tmp, const char *root) {
  const char *end = err + strlen(err);
  while (end > err && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
    end--;
  const char *start = end;
  while (start > err && start[-1] != '\n')
    start--;
  char *line = qg_xstrndup(start, (size_t)(end - start));
  char *e = strstr(line, " err=\"");
  if (e) {
    memmove(line, e + 6, strlen(e + 6) + 1);
    size_t n = strlen(line);
    if (n && line[n - 1] == '"')
      line[n - 1] = '\0';
  }
  const char *cut[] = {tmp, root, NULL};
  for (int c = 0; cut[c]; c++) {
    char *pre = qg_xasprintf("%s/", cut[c]);
    char *at;
    while ((at = strstr(line, pre)))
      memmove(at, at + strlen(pre), strlen(at + strlen(pre)) + 1);
    free(pre);
  }
  for (char *q = line; *q; q++)
    if ((unsigned char)*q < 0x20 || *q == 0x7f)
      *q = ' ';
  if (strlen(line) > MSG_MAX)
    strcpy(line + MSG_MAX - 3, "...");
  if (!*line) {
    free(line);
    line = qg_xstrdup("no message");
  }
  return line;
}

/* Runs argv (argv[0] on s->path) in tmp. Returns true with run->res filled
 * when it rendered; else a diagnostic at `at` says why. */
static bool engine(const qg_render_settings *s, const char *const *argv, const char *tmp,
                   const char *what, const char *install, const char *root, const char *at,
                   qg_proc_result *res, qg_result *r) {
  qg_location loc = {at, 0, 0, 0, 0};
  memset(res, 0, sizeof(*res));
  char *exe = qg_proc_which(argv[0], s->path);
  if (!exe) {
    qg_result_diag(r, QG_DIAG_ERROR, QG_ENOENT, &loc,
                   "cannot render this %s: %s is not installed (%s); it was not scanned", what,
                   argv[0], install);
    return false;
  }
  char *env_home = qg_xasprintf("HOME=%s", tmp);
  char *env_cache = qg_xasprintf("XDG_CACHE_HOME=%s/cache", tmp);
  char *env_config = qg_xasprintf("XDG_CONFIG_HOME=%s/config", tmp);
  char *env_data = qg_xasprintf("XDG_DATA_HOME=%s/data", tmp);
  char *env_hc = qg_xasprintf("HELM_CACHE_HOME=%s/cache", tmp);
  char *env_hf = qg_xasprintf("HELM_CONFIG_HOME=%s/config", tmp);
  char *env_hd = qg_xasprintf("HELM_DATA_HOME=%s/data", tmp);
  /* no network: every proxy is a closed local port, and nothing is excepted */
  const char *envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin",
                        env_home,
                        env_cache,
                        env_config,
                        env_data,
                        env_hc,
                        env_hf,
                        env_hd,
                        "LC_ALL=C",
                        "KUBECONFIG=/dev/null",
                        "HTTP_PROXY=http://127.0.0.1:9",
                        "HTTPS_PROXY=http://127.0.0.1:9",
                        "http_proxy=http://127.0.0.1:9",
                        "https_proxy=http://127.0.0.1:9",
                        "ALL_PROXY=http://127.0.0.1:9",
                        "NO_PROXY=",
                        "no_proxy=",
                        "GIT_TERMINAL_PROMPT=0",
                        "HELM_NO_PLUGINS=1",
                        NULL};
  qg_proc_opts po = {exe,
                     argv,
                     envp,
                     tmp,
                     s->timeout_ms ? s->timeout_ms : RENDER_DEFAULT_TIMEOUT_MS,
                     s->max_output ? s->max_output : RENDER_DEFAULT_OUTPUT,
                     0};
  char *why = NULL;
  qg_status st = qg_proc_run(&po, res, &why);
  free(env_home), free(env_cache), free(env_config), free(env_data);
  free(env_hc), free(env_hf), free(env_hd);
  bool ok = false;
  if (st != QG_OK) {
    qg_result_diag(r, QG_DIAG_ERROR, QG_EIO, &loc, "cannot render this %s: %s", what, why);
    free(why);
  } else if (res->timed_out) {
    qg_result_diag(r, QG_DIAG_ERROR, QG_ETOOBIG, &loc,
                   "cannot render this %s: %s took longer than %u s and was stopped; it was "
                   "not scanned",
                   what, argv[0], po.timeout_ms / 1000);
  } else if (res->out_capped) {
    qg_result_diag(r, QG_DIAG_ERROR, QG_ETOOBIG, &loc,
                   "cannot render this %s: %s printed more than the %zu-byte cap; it was not "
                   "scanned",
                   what, argv[0], po.max_out);
  } else if (res->code != 0) {
    char *msg = tidy_message(res->err, tmp, root);
    loc.line = loc.col = 1;
    if (res->signal)
      qg_result_diag(r, QG_DIAG_ERROR, QG_EPARSE, &loc,
                     "cannot render this %s: %s ended by signal %d: %s", what, argv[0], res->signal,
                     msg);
    else
      qg_result_diag(r, QG_DIAG_ERROR, QG_EPARSE, &loc,
                     "cannot render this %s: %s %s failed (exit status %d): %s", what, argv[0],
                     argv[1], res->code, msg);
    free(msg);
  } else {
    ok = true;
  }
  free(exe);
  return ok;
}

/* ---- where a rendered field is written -------------------------------------------------- */

typedef struct step {
  char *key;  /* a mapping's key, or NULL: a list item */
  char *name; /* a list item's name, or NULL: by index */
  uint32_t idx;
} step;

typedef struct fpath {
  step *s;
  size_t n, cap;
  bool scalar;   /* it ends at a scalar value (what a patch may have set) */
  bool at_value; /* the finding points at that value, not at its key */
} fpath;

static void fpath_cleanup(fpath *p) {
  for (size_t i = 0; i < p->n; i++) {
    free(p->s[i].key);
    free(p->s[i].name);
  }
  free(p->s);
  memset(p, 0, sizeof(*p));
}

static void fpath_push(fpath *p, const char *key, const char *name, uint32_t idx) {
  qg_grow((void **)&p->s, &p->cap, p->n + 1, sizeof(*p->s));
  p->s[p->n++] = (step){key ? qg_xstrdup(key) : NULL, name ? qg_xstrdup(name) : NULL, idx};
}

static void fpath_pop(fpath *p) {
  p->n--;
  free(p->s[p->n].key);
  free(p->s[p->n].name);
}

static bool at_pos(const qg_ynode *n, uint32_t line, uint32_t col, bool exact) {
  return n && n->line == line && (!exact || n->col == col);
}

/* The path to the node (or key) at line:col under n, shallowest first. */
static bool find_at(const qg_ynode *n, uint32_t line, uint32_t col, bool exact, fpath *p,
                    int depth) {
  if (!n || depth > 64)
    return false;
  if (n->kind == QG_Y_MAP) {
    for (uint32_t i = 0; i < n->u.map.n; i++) {
      const qg_ypair *pr = &n->u.map.pairs[i];
      const char *k = qg_ynode_str(pr->key);
      if (!k)
        continue;
      if (at_pos(pr->key, line, col, exact) ||
          (pr->value && pr->value->kind == QG_Y_SCALAR && at_pos(pr->value, line, col, exact))) {
        fpath_push(p, k, NULL, 0);
        p->scalar = pr->value && pr->value->kind == QG_Y_SCALAR;
        p->at_value = !at_pos(pr->key, line, col, exact);
        return true;
      }
    }
    for (uint32_t i = 0; i < n->u.map.n; i++) {
      const qg_ypair *pr = &n->u.map.pairs[i];
      const char *k = qg_ynode_str(pr->key);
      if (!k || !pr->value || pr->value->kind == QG_Y_SCALAR)
        continue;
      fpath_push(p, k, NULL, 0);
      if (find_at(pr->value, line, col, exact, p, depth + 1))
        return true;
      fpath_pop(p);
    }
  } else if (n->kind == QG_Y_SEQ) {
    for (uint32_t i = 0; i < n->u.seq.n; i++) {
      const qg_ynode *it = n->u.seq.items[i];
      const char *name = qg_ynode_str(qg_ymap_get(it, "name"));
      fpath_push(p, NULL, name, i);
      if (at_pos(it, line, col, exact) || find_at(it, line, col, exact, p, depth + 1))
        return true;
      fpath_pop(p);
    }
  }
  return false;
}

/* Follows p from n as far as it goes: returns the steps taken and sets
 * *line, *col to the last one's position (n's own when none). */
static size_t follow(const qg_ynode *n, const fpath *p, uint32_t *line, uint32_t *col) {
  *line = n->line;
  *col = n->col;
  size_t i = 0;
  for (; i < p->n; i++) {
    const step *s = &p->s[i];
    if (s->key) {
      const qg_ypair *pr = qg_ymap_pair(n, s->key);
      if (!pr)
        break;
      bool value = i + 1 == p->n && p->at_value && pr->value;
      *line = value ? pr->value->line : pr->key->line;
      *col = value ? pr->value->col : pr->key->col;
      n = pr->value;
    } else {
      const qg_ynode *hit = NULL;
      if (s->name) {
        for (uint32_t k = 0; k < qg_yseq_len(n) && !hit; k++)
          if (qg_ynode_eq(qg_ymap_get(qg_yseq_at(n, k), "name"), s->name))
            hit = qg_yseq_at(n, k);
      } else {
        hit = qg_yseq_at(n, s->idx);
      }
      if (!hit)
        break;
      *line = hit->line;
      *col = hit->col;
      n = hit;
    }
    if (!n)
      return i + 1;
  }
  return i;
}

/* The findings of one rendered object, to be placed. */
typedef struct place {
  const char *kind, *name; /* the rendered object's; borrowed */
  fpath *paths;            /* one per finding */
  size_t n;
  bool *done;           /* placed in a patch */
  uint32_t *line, *col; /* where */
  size_t *depth;        /* in the origin file: steps matched */
  bool patch;           /* this pass reads a patch: only whole paths count */
  bool found;           /* the object was found in this file */
} place;

static bool same_object(const qg_ynode *root, const char *kind, const char *name) {
  if (!qg_ynode_eq(qg_ymap_get(root, "kind"), kind))
    return false;
  const char *n = qg_ynode_str(qg_ymap_path(root, "metadata.name"));
  return n && name && (strcmp(n, name) == 0 || strstr(name, n));
}

static qg_status on_source_doc(void *ud, const qg_ynode *root, unsigned doc_index) {
  place *pl = ud;
  (void)doc_index;
  if (!root || !same_object(root, pl->kind, pl->name))
    return QG_OK;
  pl->found = true;
  for (size_t i = 0; i < pl->n; i++) {
    if (pl->done[i])
      continue;
    uint32_t line, col;
    size_t d = follow(root, &pl->paths[i], &line, &col);
    if (pl->patch) {
      /* a patch is where a field is written when it sets the value, or when
       * the origin does not write that field at all */
      bool mine = pl->paths[i].scalar || pl->depth[i] < pl->paths[i].n || !pl->line[i];
      if (mine && pl->paths[i].n && d == pl->paths[i].n) {
        pl->done[i] = true;
        pl->line[i] = line;
        pl->col[i] = col;
      }
    } else if (!pl->line[i] || d > pl->depth[i]) {
      pl->depth[i] = d;
      pl->line[i] = line;
      pl->col[i] = col;
    }
  }
  return QG_OK;
}

/* Reads path (inside root) and places pl's findings in it; true when the object is there. */
static bool place_in(place *pl, const char *path, const char *root) {
  unsigned char *buf = NULL;
  size_t len = 0;
  if (read_src(root, path, SOURCE_MAX, &buf, &len) != QG_OK)
    return false;
  pl->found = false;
  qg_yaml_opts yo = {{0}, on_source_doc, NULL, pl, false, false};
  qg_yaml_error err;
  (void)qg_yaml_load(buf, len, &yo, &err);
  free(buf);
  return pl->found;
}

/* ---- Kustomize ------------------------------------------------------------------------- */

typedef struct kctx {
  const qg_k8s_opts *k8s;
  const char *dir, *kfile, *root, *tmp; /* borrowed */
  const char *dir_real;                 /* borrowed: dir's real path */
  char **patches;                       /* borrowed from the closure */
  size_t np;
  qg_result *r;
} kctx;

/* Kustomize's origin annotation: `path: X` (relative to the wrapper's directory). */
static char *origin_path(const qg_ynode *root) {
  const char *o = qg_ynode_str(qg_ymap_get(
      qg_ymap_get(qg_ymap_get(root, "metadata"), "annotations"), "config.kubernetes.io/origin"));
  if (!o)
    return NULL;
  const char *p = strncmp(o, "path: ", 6) == 0 ? o : strstr(o, "\npath: ");
  if (!p)
    return NULL;
  p += p[0] == '\n' ? 7 : 6;
  size_t n = strcspn(p, "\n");
  return n ? qg_xstrndup(p, n) : NULL;
}

static void place_findings(kctx *c, const qg_ynode *root, size_t from) {
  qg_result *r = c->r;
  size_t n = r->findings.n - from;
  place pl = {0};
  pl.kind = qg_ynode_str(qg_ymap_get(root, "kind"));
  pl.name = qg_ynode_str(qg_ymap_path(root, "metadata.name"));
  pl.paths = qg_xcalloc(n, sizeof(*pl.paths));
  pl.n = n;
  pl.done = qg_xcalloc(n, sizeof(*pl.done));
  pl.line = qg_xcalloc(n, sizeof(*pl.line));
  pl.col = qg_xcalloc(n, sizeof(*pl.col));
  pl.depth = qg_xcalloc(n, sizeof(*pl.depth));
  const char **where = qg_xcalloc(n, sizeof(*where));
  for (size_t i = 0; i < n; i++) {
    const qg_finding *f = &r->findings.items[from + i];
    if (!find_at(root, f->loc.line, f->loc.col, true, &pl.paths[i], 0))
      (void)find_at(root, f->loc.line, f->loc.col, false, &pl.paths[i], 0);
  }
  char *origin = origin_path(root);
  char *src_abs = origin ? join(c->tmp, origin) : NULL;
  char *src = NULL;
  if (src_abs && (!c->root || qg_fs_under(c->root, src_abs))) {
    char *rel = relpath(c->dir_real, src_abs);
    src = join(c->dir, rel);
    free(rel);
  }
  if (pl.kind && pl.name) {
    if (src && place_in(&pl, src, c->root))
      for (size_t i = 0; i < n; i++)
        where[i] = src;
    bool *before = qg_xcalloc(n, sizeof(*before));
    pl.patch = true;
    for (size_t k = 0; k < c->np; k++) { /* the overlay's own first */
      memcpy(before, pl.done, n * sizeof(*before));
      (void)place_in(&pl, c->patches[k], c->root);
      for (size_t i = 0; i < n; i++)
        if (pl.done[i] && !before[i])
          where[i] = c->patches[k];
    }
    free(before);
  }
  for (size_t i = 0; i < n; i++) {
    qg_finding *f = &r->findings.items[from + i];
    f->loc.path = qg_result_intern(r, where[i] ? where[i] : c->kfile);
    f->loc.line = where[i] ? pl.line[i] : 0;
    f->loc.col = where[i] ? pl.col[i] : 0;
    f->loc.end_line = f->loc.end_col = 0;
    qg_fix_free(f->fix); /* its edits are to the rendered text */
    f->fix = NULL;
    fpath_cleanup(&pl.paths[i]);
  }
  free(where);
  free(pl.paths);
  free(pl.done);
  free(pl.line);
  free(pl.col);
  free(pl.depth);
  free(origin);
  free(src_abs);
  free(src);
}

static qg_status on_kustomize_doc(void *ud, const qg_ynode *root, unsigned doc_index) {
  kctx *c = ud;
  (void)doc_index;
  if (!root || qg_ynode_is_null(root))
    return QG_OK;
  c->r->stats.documents++;
  size_t from = c->r->findings.n;
  qg_k8s_scan_document(c->k8s, c->kfile, root, c->r);
  if (c->r->findings.n > from)
    place_findings(c, root, from);
  return QG_OK;
}

typedef struct closure {
  char **dirs; /* absolute, visited */
  size_t nd, dcap;
  char **patches; /* as walked, top-down */
  size_t np, pcap;
  bool refused;
} closure;

static void closure_walk(closure *cl, const char *dir, const char *root, int depth, qg_result *r) {
  char *a = abs_of(dir);
  for (size_t i = 0; i < cl->nd; i++)
    if (strcmp(cl->dirs[i], a) == 0) {
      free(a);
      return;
    }
  push(&cl->dirs, &cl->nd, &cl->dcap, a);
  kinfo k = {0};
  k.dir = dir;
  k.root = root;
  char *kfile = NULL;
  qg_yaml_error err;
  qg_status st = kinfo_read(&k, &kfile, &err);
  qg_location loc = {kfile ? kfile : dir, 0, 0, 0, 0};
  if (st != QG_OK && kfile) {
    loc.line = err.line;
    loc.col = err.col;
    qg_result_diag(r, QG_DIAG_ERROR, st == QG_ETOOBIG ? QG_ETOOBIG : QG_EPARSE, &loc,
                   "cannot read this kustomization: %s", err.message);
    cl->refused = true;
  } else if (k.bad) {
    loc.line = k.bad_line;
    loc.col = k.bad_col;
    qg_result_diag(r, QG_DIAG_ERROR, QG_EPARSE, &loc, "%s; nothing here was rendered", k.bad);
    cl->refused = true;
  } else if (depth > KUSTOMIZE_MAX_DEPTH) {
    qg_result_diag(r, QG_DIAG_ERROR, QG_ETOOBIG, &loc,
                   "kustomizations nested more than %d deep: not rendered", KUSTOMIZE_MAX_DEPTH);
    cl->refused = true;
  } else {
    for (size_t i = 0; i < k.np; i++)
      push(&cl->patches, &cl->np, &cl->pcap, qg_xstrdup(k.patches[i]));
    for (size_t i = 0; i < k.nd; i++) {
      char *kf = kfile_in(k.dirs[i]);
      if (kf)
        closure_walk(cl, k.dirs[i], root, depth + 1, r);
      free(kf);
    }
  }
  free(kfile);
  kinfo_cleanup(&k);
}

static char *yaml_quote(const char *s) {
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_putc(&b, '\'');
  for (; *s; s++)
    (void)qg_buf_puts(&b, *s == '\'' ? "''" : (char[]){*s, 0});
  (void)qg_buf_putc(&b, '\'');
  return qg_buf_detach(&b);
}

static void render_kustomize(const qg_render_settings *s, const char *dir, const char *root,
                             const qg_k8s_opts *k8s, const qg_yaml_limits *yaml, qg_result *r) {
  char *kfile = kfile_in(dir);
  if (!kfile)
    return;
  qg_location loc = {kfile, 0, 0, 0, 0};
  const char *eng = s->kustomize && *s->kustomize ? s->kustomize : NULL;
  if (eng && strcmp(eng, "kubectl") != 0 && strcmp(eng, "kustomize") != 0) {
    qg_result_diag(r, QG_DIAG_ERROR, QG_ECONFIG, &loc,
                   "QGATE_KUSTOMIZE is '%.64s': it must be kubectl or kustomize; not rendered",
                   eng);
    free(kfile);
    return;
  }
  closure cl = {0};
  closure_walk(&cl, dir, root, 0, r);
  char *tmp = NULL, *dir_real = NULL;
  if (cl.refused)
    goto done;
  for (const char *p = dir; *p; p++)
    if ((unsigned char)*p < 0x20) {
      qg_result_diag(r, QG_DIAG_ERROR, QG_EPARSE, &loc,
                     "a directory name with a control character: not rendered");
      goto done;
    }
  if (!eng) { /* the first on the path: kubectl, else kustomize (kubectl is named if neither) */
    char *k = qg_proc_which("kubectl", s->path), *z = qg_proc_which("kustomize", s->path);
    eng = !k && z ? "kustomize" : "kubectl";
    free(k);
    free(z);
  }
  tmp = mk_tmp();
  dir_real = qg_fs_realdir(dir);
  if (!tmp || !dir_real) {
    qg_result_diag(r, QG_DIAG_ERROR, QG_EIO, &loc,
                   "cannot render this Kustomization: cannot create a temporary directory");
    goto done;
  }
  char *rel = relpath(tmp, dir_real);
  char *q = yaml_quote(rel);
  char *wrapper = qg_xasprintf("# written by qgate: the overlay, with its origins\n"
                               "resources:\n- %s\nbuildMetadata: [originAnnotations]\n",
                               q);
  char *wpath = qg_xasprintf("%s/kustomization.yaml", tmp);
  FILE *fp = fopen(wpath, "wx");
  bool wrote = fp && fputs(wrapper, fp) >= 0;
  if (fp && fclose(fp) != 0)
    wrote = false;
  free(rel), free(q), free(wrapper), free(wpath);
  if (!wrote) {
    qg_result_diag(r, QG_DIAG_ERROR, QG_EIO, &loc,
                   "cannot render this Kustomization: cannot write a temporary file");
    goto done;
  }
  bool kubectl = strcmp(eng, "kubectl") == 0;
  const char *argv[] = {
      eng, kubectl ? "kustomize" : "build", tmp, "--load-restrictor", "LoadRestrictionsRootOnly",
      NULL};
  qg_proc_result res = {0};
  if (engine(s, argv, tmp, "Kustomization",
             kubectl ? "install kubectl: https://kubernetes.io/docs/tasks/tools/, or set "
                       "QGATE_KUSTOMIZE=kustomize to use kustomize"
                     : "install kustomize: "
                       "https://kubectl.docs.kubernetes.io/installation/kustomize/",
             root, kfile, &res, r)) {
    kctx c = {k8s, dir, kfile, root, tmp, dir_real, cl.patches, cl.np, r};
    qg_yaml_opts yo = {
        yaml ? *yaml : (qg_yaml_limits){0}, on_kustomize_doc, NULL, &c, false, false};
    qg_yaml_error err;
    qg_status st = qg_yaml_load((const unsigned char *)res.out, res.outlen, &yo, &err);
    if (st != QG_OK)
      qg_result_diag(r, QG_DIAG_ERROR, QG_EPARSE, &loc,
                     "the rendered output is not valid YAML (line %u: %s)", err.line, err.message);
  }
  qg_proc_result_cleanup(&res);
done:
  rm_tmp(tmp);
  free(dir_real);
  for (size_t i = 0; i < cl.nd; i++)
    free(cl.dirs[i]);
  for (size_t i = 0; i < cl.np; i++)
    free(cl.patches[i]);
  free(cl.dirs);
  free(cl.patches);
  free(kfile);
}

/* ---- Helm --------------------------------------------------------------------------------- */

typedef struct hctx {
  const qg_k8s_opts *k8s;
  const char *dir, *chart_file, *root; /* borrowed */
  const char *out;                     /* the rendered text */
  uint32_t *src_lines;                 /* lines of "# Source: " */
  size_t nsrc;
  qg_result *r;
} hctx;

static const char *line_at(const char *text, uint32_t line, size_t *len) {
  const char *p = text;
  for (uint32_t l = 1; l < line && p; l++) {
    p = strchr(p, '\n');
    if (p)
      p++;
  }
  if (!p)
    return NULL;
  *len = strcspn(p, "\n");
  return p;
}

/* The key a rendered line writes ("privileged:"), or NULL. Caller frees. */
static char *line_key(const char *l, size_t n) {
  size_t i = 0;
  while (i < n && (l[i] == ' ' || l[i] == '-'))
    i++;
  size_t k = i;
  while (k < n && l[k] != ':' && l[k] != ' ')
    k++;
  if (k == n || l[k] != ':' || k == i)
    return NULL;
  return qg_xstrndup(l + i, k - i + 1);
}

static uint32_t helm_line(const hctx *c, const char *tpl_text, uint32_t approx, uint32_t rendered) {
  size_t rn = 0;
  const char *rl = line_at(c->out, rendered, &rn);
  char *key = rl ? line_key(rl, rn) : NULL;
  if (!key || !tpl_text)
    goto out;
  uint32_t best = 0, best_d = UINT32_MAX, line = 1;
  for (const char *p = tpl_text; *p; line++) {
    size_t n = strcspn(p, "\n");
    char *k = line_key(p, n);
    if (k && strcmp(k, key) == 0) {
      uint32_t d = line > approx ? line - approx : approx - line;
      if (d < best_d) {
        best_d = d;
        best = line;
      }
    }
    free(k);
    p += n;
    if (*p)
      p++;
  }
  if (best)
    approx = best;
out:
  free(key);
  return approx;
}

static qg_status on_helm_doc(void *ud, const qg_ynode *root, unsigned doc_index) {
  hctx *c = ud;
  (void)doc_index;
  if (!root || qg_ynode_is_null(root))
    return QG_OK;
  c->r->stats.documents++;
  size_t from = c->r->findings.n;
  qg_k8s_scan_document(c->k8s, c->chart_file, root, c->r);
  if (c->r->findings.n == from)
    return QG_OK;
  uint32_t src_line = 0;
  for (size_t i = 0; i < c->nsrc; i++)
    if (c->src_lines[i] < root->line)
      src_line = c->src_lines[i];
  char *tpl = NULL;
  if (src_line) {
    size_t n = 0;
    const char *l = line_at(c->out, src_line, &n);
    const char *rel = l ? memchr(l + 10, '/', n - 10) : NULL; /* past "# Source: CHART" */
    if (rel) {
      char *r1 = qg_xstrndup(rel + 1, n - (size_t)(rel + 1 - l));
      char *nr = norm(r1);
      if (strncmp(nr, "..", 2) != 0 && nr[0] != '/')
        tpl = join(c->dir, nr);
      free(r1);
      free(nr);
    }
  }
  unsigned char *text = NULL;
  size_t tlen = 0;
  if (tpl && read_src(c->root, tpl, SOURCE_MAX, &text, &tlen) != QG_OK) {
    free(tpl);
    tpl = NULL;
  }
  for (size_t i = from; i < c->r->findings.n; i++) {
    qg_finding *f = &c->r->findings.items[i];
    if (tpl && f->loc.line > src_line) {
      f->loc.path = qg_result_intern(c->r, tpl);
      f->loc.line = helm_line(c, (const char *)text, f->loc.line - src_line, f->loc.line);
    } else {
      f->loc.line = f->loc.col = 0;
    }
    f->loc.end_line = f->loc.end_col = 0;
    qg_fix_free(f->fix);
    f->fix = NULL;
  }
  free(text);
  free(tpl);
  return QG_OK;
}

void qg_render_charts_cleanup(qg_render_charts *c) {
  for (size_t i = 0; i < c->n; i++) {
    qg_render_chart *ch = &c->items[i];
    free(ch->dir);
    free(ch->release.s);
    free(ch->namespace_.s);
    qg_cfglist_free(&ch->values);
    qg_cfglist_free(&ch->set);
  }
  free(c->items);
  memset(c, 0, sizeof(*c));
}

/* A DNS label of at most max characters (helm's release names, namespaces). */
static bool dns_label(const char *s, size_t max) {
  size_t n = strlen(s);
  if (!n || n > max || s[0] == '-' || s[n - 1] == '-')
    return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
      return false;
  return true;
}

static const qg_render_chart *chart_settings(const qg_render_settings *s, const char *dir_real) {
  for (size_t i = 0; s->charts && i < s->charts->n; i++) {
    char *d = norm(s->charts->items[i].dir);
    bool hit = strcmp(d, dir_real) == 0;
    free(d);
    if (hit)
      return &s->charts->items[i];
  }
  return NULL;
}

/* One `helm template` run; its findings and diagnostics go to r. */
static void helm_once(const qg_render_settings *s, const char *const *argv, const char *dir,
                      const char *chart_file, const char *root, const char *tmp,
                      const qg_k8s_opts *k8s, const qg_yaml_limits *yaml, qg_result *r) {
  qg_location loc = {chart_file, 0, 0, 0, 0};
  qg_proc_result res = {0};
  if (engine(s, argv, tmp, "Helm chart", "install Helm 3: https://helm.sh/docs/intro/install/",
             root, chart_file, &res, r)) {
    hctx c = {k8s, dir, chart_file, root, res.out, NULL, 0, r};
    size_t cap = 0;
    uint32_t line = 1;
    for (const char *p = res.out; *p; line++) {
      if (strncmp(p, "# Source: ", 10) == 0) {
        qg_grow((void **)&c.src_lines, &cap, c.nsrc + 1, sizeof(*c.src_lines));
        c.src_lines[c.nsrc++] = line;
      }
      p += strcspn(p, "\n");
      if (*p)
        p++;
    }
    qg_yaml_opts yo = {yaml ? *yaml : (qg_yaml_limits){0}, on_helm_doc, NULL, &c, false, false};
    qg_yaml_error err;
    qg_status st = qg_yaml_load((const unsigned char *)res.out, res.outlen, &yo, &err);
    if (st != QG_OK)
      qg_result_diag(r, QG_DIAG_ERROR, QG_EPARSE, &loc,
                     "helm template's output is not valid YAML (line %u: %s)", err.line,
                     err.message);
    free(c.src_lines);
  }
  qg_proc_result_cleanup(&res);
}

static bool same_finding(const qg_finding *a, const qg_finding *b) {
  return a->rule == b->rule && a->loc.path == b->loc.path && a->loc.line == b->loc.line &&
         a->loc.col == b->loc.col && a->ctx.name == b->ctx.name &&
         a->ctx.container == b->ctx.container && strcmp(a->message, b->message) == 0;
}

/* The extra renders (ci/ *-values.yaml) find what the first one found again: kept once. */
static void drop_repeats(qg_result *r, size_t from) {
  size_t w = from;
  for (size_t i = from; i < r->findings.n; i++) {
    qg_finding *f = &r->findings.items[i];
    bool dup = false;
    for (size_t k = from; k < w && !dup; k++)
      dup = same_finding(&r->findings.items[k], f);
    if (dup) {
      free(f->message);
      qg_fix_free(f->fix);
      continue;
    }
    r->findings.items[w++] = *f;
  }
  r->findings.n = w;
}

static int cmp_cstr(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void render_helm(const qg_render_settings *s, const char *dir, const char *root,
                        const qg_k8s_opts *k8s, const qg_yaml_limits *yaml, qg_result *r) {
  char *chart_file = in_dir(dir, "Chart.yaml");
  char *dir_real = qg_fs_realdir(dir);
  char *tmp = mk_tmp();
  qg_location loc = {chart_file, 0, 0, 0, 0};
  char **args = NULL, **ci = NULL;
  size_t nargs = 0, acap = 0, nci = 0, cicap = 0;
  if (!tmp || !dir_real) {
    qg_result_diag(r, QG_DIAG_ERROR, QG_EIO, &loc,
                   "cannot render this chart: cannot create a temporary directory");
    goto done;
  }
  if (root && !qg_fs_under(root, dir_real)) {
    qg_result_diag(r, QG_DIAG_ERROR, QG_EPARSE, &loc, "the chart lies outside the checkout");
    goto done;
  }
  const qg_render_chart *cs = chart_settings(s, dir_real);
  const char *release = cs && cs->release.s ? cs->release.s : "release-name";
  if (!dns_label(release, 53) || (cs && cs->namespace_.s && !dns_label(cs->namespace_.s, 63))) {
    qg_result_diag(r, QG_DIAG_ERROR, QG_ECONFIG, &loc,
                   "helm.charts: the release (at most 53) and namespace (at most 63) must be "
                   "lowercase letters, digits and '-'; not rendered");
    goto done;
  }
  push(&args, &nargs, &acap, qg_xstrdup("helm"));
  push(&args, &nargs, &acap, qg_xstrdup("template"));
  push(&args, &nargs, &acap, qg_xstrdup(release));
  push(&args, &nargs, &acap, qg_xstrdup(dir_real));
  if (cs && cs->namespace_.s)
    push(&args, &nargs, &acap, qg_xasprintf("--namespace=%s", cs->namespace_.s));
  size_t common = nargs;
  for (size_t i = 0; cs && i < cs->values.n; i++) {
    char *v = join(dir_real, cs->values.items[i].s);
    struct stat sb;
    if ((root && qg_fs_inside(root, v) != 0) || stat(v, &sb) != 0 || !S_ISREG(sb.st_mode)) {
      qg_result_diag(r, QG_DIAG_ERROR, QG_ECONFIG, &loc,
                     "helm.charts: values file '%.200s' is not a file inside the checkout; not "
                     "rendered",
                     cs->values.items[i].s);
      free(v);
      goto done;
    }
    push(&args, &nargs, &acap, qg_xasprintf("--values=%s", v));
    free(v);
  }
  for (size_t i = 0; cs && i < cs->set.n; i++)
    push(&args, &nargs, &acap, qg_xasprintf("--set=%s", cs->set.items[i].s));
  push(&args, &nargs, &acap, NULL);
  size_t from = r->findings.n;
  helm_once(s, (const char *const *)args, dir, chart_file, root, tmp, k8s, yaml, r);
  if (cs && cs->ci_values) { /* each ci/ *-values.yaml instead of the configured values */
    char *cidir = in_dir(dir, "ci");
    DIR *d = opendir(cidir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
      size_t n = strlen(e->d_name);
      if (n > 12 && strcmp(e->d_name + n - 12, "-values.yaml") == 0)
        push(&ci, &nci, &cicap, qg_xasprintf("%s/ci/%s", dir_real, e->d_name));
    }
    if (d)
      closedir(d);
    free(cidir);
    if (nci)
      qsort(ci, nci, sizeof(*ci), cmp_cstr);
    for (size_t i = 0; i < nci; i++) {
      if (root && qg_fs_inside(root, ci[i]) != 0)
        continue;
      char *saved = args[common];
      args[common] = qg_xasprintf("--values=%s", ci[i]);
      char *end = args[common + 1];
      args[common + 1] = NULL;
      helm_once(s, (const char *const *)args, dir, chart_file, root, tmp, k8s, yaml, r);
      free(args[common]);
      args[common] = saved;
      args[common + 1] = end;
    }
    drop_repeats(r, from);
  }
done:
  for (size_t i = 0; i < nargs; i++)
    free(args[i]);
  free(args);
  for (size_t i = 0; i < nci; i++)
    free(ci[i]);
  free(ci);
  rm_tmp(tmp);
  free(dir_real);
  free(chart_file);
}

void qg_render_run(const qg_render_settings *s, qg_render_kind kind, const char *dir,
                   const char *root, const qg_k8s_opts *k8s, const qg_yaml_limits *yaml,
                   qg_result *r) {
  if (kind == QG_RENDER_KUSTOMIZE)
    render_kustomize(s, dir, root, k8s, yaml, r);
  else
    render_helm(s, dir, root, k8s, yaml, r);
}
