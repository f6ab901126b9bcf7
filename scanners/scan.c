/* scan.c: the driver that feeds inputs to the scanners. */
#include "scanners/scanner.h"
#include "core/edit.h"
#include "core/fs.h"
#include "core/git.h"
#include "core/glob.h"

#include "core/regex.h"
#include "core/utf.h"
#include "scanners/k8s/input.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const k_exts[] = {".yaml", ".yml", ".json", NULL};

typedef struct doc_ctx {
  const qg_scan_config *cfg;
  const char *path;
  qg_result *r;
  size_t warnings; /* duplicate keys */
  bool manifest;   /* the text has apiVersion and kind keys */
} doc_ctx;

static qg_status on_doc(void *ud, const qg_ynode *root, unsigned doc_index) {
  doc_ctx *d = ud;
  (void)doc_index;
  d->r->stats.documents++;
  if (d->cfg->run_k8s)
    qg_k8s_scan_document(&d->cfg->k8s, d->path, root, d->r);
  if (d->cfg->secrets)
    qg_secrets_scan_document(d->cfg->secrets, d->path, root, d->r);
  return QG_OK;
}

static bool has_suffix(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

static bool is_yaml_path(const char *path) {
  for (const char *const *e = k_exts; *e; e++)
    if (has_suffix(path, *e))
      return true;
  return strcmp(path, QG_STDIN_LABEL) == 0;
}

/* Lock files and minified bundles: generated, huge, and full of hashes. */
static bool generated_path(const char *path) {
  static const char *const names[] = {"package-lock.json", "npm-shrinkwrap.json", "yarn.lock",
                                      "pnpm-lock.yaml",    "Cargo.lock",          "go.sum",
                                      "poetry.lock",       "Pipfile.lock",        "Gemfile.lock",
                                      "composer.lock",     "packages.lock.json",  NULL};
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  for (const char *const *n = names; *n; n++)
    if (strcmp(base, *n) == 0)
      return true;
  return has_suffix(base, ".min.js") || has_suffix(base, ".min.css") || has_suffix(base, ".map");
}

static void on_warn(void *ud, uint32_t line, uint32_t col, const char *msg) {
  doc_ctx *d = ud;
  d->warnings++;
  if (!d->manifest)
    return; /* a file that is no Kubernetes manifest is not the k8s scanner's to judge */
  qg_location loc = {d->path, line, col, 0, 0};
  qg_result_diag(d->r, QG_DIAG_ERROR, QG_EPARSE, &loc, "%s", msg);
}

/* Is the byte before i (or the start) no part of a name? */
static bool name_starts(const unsigned char *buf, size_t i) {
  if (!i)
    return true;
  unsigned char c = buf[i - 1];
  return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == '/' || c == '\\');
}

/* Does the text write key as a mapping key: the word, an optional closing
 * quote, blanks, then ':'? */
static bool has_key(const unsigned char *buf, size_t len, const char *key) {
  size_t kl = strlen(key);
  for (const unsigned char *p = buf; (p = memchr(p, key[0], len - (size_t)(p - buf)));) {
    size_t i = (size_t)(p - buf);
    p++;
    if (len - i < kl || memcmp(buf + i, key, kl) != 0 || !name_starts(buf, i))
      continue;
    size_t j = i + kl;
    if (j < len && (buf[j] == '"' || buf[j] == '\''))
      j++;
    while (j < len && (buf[j] == ' ' || buf[j] == '\t'))
      j++;
    if (j < len && buf[j] == ':')
      return true;
  }
  return false;
}

/* Kubernetes-looking text: it writes both an apiVersion and a kind key. Such a
 * file is the k8s scanner's even when it does not parse (an invalid manifest is
 * an input error); any other file that does not parse (tsconfig.json with
 * comments, a Compose file with a syntax error) is not a manifest and is left
 * to the secrets scanner. */
static bool looks_like_manifest(const unsigned char *buf, size_t len) {
  return has_key(buf, len, "apiVersion") && has_key(buf, len, "kind");
}

/* Go templates (Helm charts) are not YAML until rendered. */
static int looks_like_template(const unsigned char *buf, size_t len) {
  for (size_t i = 0; i + 1 < len; i++)
    if (buf[i] == '{' && buf[i + 1] == '{')
      return 1;
  return 0;
}

/* UTF-16 and UTF-32 with a byte-order mark (libyaml reads them, and so does
 * Kubernetes) are scanned as the UTF-8 they decode to: positions are lines and
 * characters of the decoded text. An invalid sequence is an input error at its
 * position; the rest is still scanned, with U+FFFD in its place. */
static void scan_buffer(const qg_scan_config *cfg, const char *path, const unsigned char *buf,
                        size_t len, qg_result *r, bool named);

static void scan_wide(const qg_scan_config *cfg, const char *path, const unsigned char *buf,
                      size_t len, qg_bom enc, qg_result *r, bool named) {
  unsigned char *text = NULL;
  size_t tlen = 0;
  qg_utf_error err;
  qg_utf_decode(buf, len, enc, &text, &tlen, &err);
  if (err.count) {
    qg_location at = {path, err.line, err.col, 0, 0};
    if (err.count > 1)
      qg_result_diag(r, QG_DIAG_ERROR, QG_EPARSE, &at,
                     "invalid %s: %s (and %zu more invalid sequences), read as U+FFFD",
                     qg_bom_name(enc), err.what, err.count - 1);
    else
      qg_result_diag(r, QG_DIAG_ERROR, QG_EPARSE, &at, "invalid %s: %s, read as U+FFFD",
                     qg_bom_name(enc), err.what);
  }
  scan_buffer(cfg, path, text, tlen, r, named);
  free(text);
}

/* named: the file was named on the command line, and is read as YAML whatever its
 * extension. */
static void scan_buffer(const qg_scan_config *cfg, const char *path, const unsigned char *buf,
                        size_t len, qg_result *r, bool named);

/* cfg, keeping objects when a check across objects runs (scanners/k8s/input.h). */
static qg_scan_config with_keep(const qg_scan_config *cfg) {
  qg_scan_config c = *cfg;
  c.k8s.keep = cfg->run_k8s && qg_k8s_input_wanted(&cfg->k8s);
  return c;
}

void qg_scan_buffer(const qg_scan_config *cfg, const char *path, const unsigned char *buf,
                    size_t len, qg_result *r) {
  qg_scan_config c = with_keep(cfg);
  scan_buffer(&c, path, buf, len, r, false);
  qg_k8s_run_input(&c.k8s, r);
}

static void scan_buffer(const qg_scan_config *cfg, const char *path, const unsigned char *buf,
                        size_t len, qg_result *r, bool named) {
  qg_location whole = {path, 0, 0, 0, 0};
  bool yaml = is_yaml_path(path) || named;
  bool k8s = cfg->run_k8s && yaml;
  qg_bom enc = qg_bom_detect(buf, len);
  if (enc != QG_BOM_NONE && enc != QG_BOM_UTF8) {
    scan_wide(cfg, path, buf, len, enc, r, named); /* the decoded text holds no BOM */
    return;
  }
  if (cfg->secrets && generated_path(path) && !k8s) {
    r->stats.skipped++;
    return;
  }
  r->stats.files++;
  r->stats.bytes += len;
  size_t probe = len < 8192 ? len : 8192;
  if (memchr(buf, '\0', probe)) {
    r->stats.skipped++;
    /* for the secrets scanner a binary file is data; a manifest that cannot
     * be read must not let the gate pass */
    if (k8s && is_yaml_path(path))
      qg_result_diag(r, QG_DIAG_ERROR, QG_EPARSE, &whole,
                     "binary file (NUL byte and no UTF-16 or UTF-32 byte-order mark), not "
                     "scanned");
    return;
  }
  size_t i = 0;
  while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
    i++;
  if (i == len) {
    if (k8s)
      qg_result_diag(r, QG_DIAG_WARNING, QG_EPARSE, &whole, "empty file, nothing to scan");
    return;
  }
  qg_status st = QG_OK;
  qg_yaml_error err;
  /* the YAML passes first: the secrets one decodes Secret data, so the text
   * pass that follows leaves those values to it */
  bool manifest = k8s && looks_like_manifest(buf + i, len - i);
  if (k8s) {
    doc_ctx d = {cfg, path, r, 0, manifest};
    qg_yaml_opts yo = {cfg->yaml, on_doc, on_warn, &d, false, false};
    st = qg_yaml_load(buf, len, &yo, &err);
    /* read without an error: a manifest whose objects, if none, are missed silently
     * (a file the loader refuses is an error of its own) */
    r->stats.manifests += manifest && st == QG_OK;
    /* the secrets pass saw each document as the k8s scanner does; where that
     * lost something (a syntax error, an invalid byte, a key written twice),
     * it reads the text again its own way (what it found already is not
     * reported twice) */
    if ((st == QG_EPARSE || d.warnings) && cfg->secrets &&
        qg_secrets_wants_yaml(cfg->secrets, (const char *)buf, len))
      (void)qg_secrets_scan_yaml(cfg->secrets, path, (const char *)buf, len, &cfg->yaml, r);
  } else if (yaml && cfg->secrets && qg_secrets_wants_yaml(cfg->secrets, (const char *)buf, len)) {
    r->stats.documents +=
        qg_secrets_scan_yaml(cfg->secrets, path, (const char *)buf, len, &cfg->yaml, r);
  }
  if (cfg->secrets)
    qg_secrets_scan(cfg->secrets, path, (const char *)buf, len, r);
  if (!yaml || st == QG_OK || !k8s)
    return; /* the secrets scanner reads text; YAML problems are the k8s scanner's to report */
  qg_location at = {path, err.line, err.col, 0, 0};
  if (st == QG_ETOOBIG) { /* the documents cap: the ones before it were scanned */
    qg_result_diag(r, QG_DIAG_ERROR, QG_ETOOBIG, &at, "%s", err.message);
    return;
  }
  /* not a Kubernetes manifest: tsconfig.json with comments, a broken Compose file; a
   * file past a cap is an error whatever it holds (its keys may be hidden in aliases) */
  if (!manifest && !err.cap)
    return;
  if (looks_like_template(buf, len)) {
    r->stats.skipped++;
    r->stats.manifests++; /* skipped with a warning only */
    qg_result_diag(r, QG_DIAG_WARNING, QG_EPARSE, &at,
                   "not valid YAML (%s); it looks like an unrendered template (Helm/Go "
                   "template markers), so the rest of it was skipped: render it first "
                   "(helm template) to scan it",
                   err.message);
    return;
  }
  qg_result_diag(r, QG_DIAG_ERROR, QG_EPARSE, &at, "invalid YAML: %s", err.message);
}

static void scan_file(const qg_scan_config *cfg, const char *path, qg_result *r, bool named) {
  unsigned char *buf = NULL;
  size_t len = 0;
  int err_no = 0;
  size_t max = cfg->max_file_size ? cfg->max_file_size : QG_DEFAULT_MAX_FILE_SIZE;
  int is_stdin = strcmp(path, "-") == 0;
  const char *label = is_stdin ? QG_STDIN_LABEL : path;
  qg_location loc = {label, 0, 0, 0, 0};
  qg_status st;
  if (is_stdin) {
    st = qg_read_all(NULL, cfg->stdin_fp, max, &buf, &len, &err_no);
  } else if (cfg->rev) { /* a blob of the commit's tree */
    bool binary = false;
    size_t probe = cfg->secrets && !(cfg->run_k8s && is_yaml_path(path)) ? 8192 : 0;
    st = qg_git_rev_read(cfg->rev, path, max, probe, &buf, &len, &binary);
    if (st == QG_OK && binary) {
      r->stats.skipped++;
      return;
    }
  } else {
    /* for the secrets scanner alone, an image or an archive is not read past
     * its first bytes; the k8s scanner reports a binary manifest */
    bool binary = false;
    size_t probe = cfg->secrets && !(cfg->run_k8s && (named || is_yaml_path(path))) ? 8192 : 0;
    st = qg_read_file(path, max, probe, &buf, &len, &binary, &err_no);
    if (st == QG_OK && binary) {
      r->stats.skipped++;
      return;
    }
  }
  switch (st) {
  case QG_OK:
    scan_buffer(cfg, label, buf, len, r, named);
    break;
  case QG_ETOOBIG:
    r->stats.skipped++;
    /* an unscanned manifest would be a silent approval, so that is an error;
     * for the secrets scanner a huge file is data (a dump, an artifact) */
    qg_result_diag(r, cfg->run_k8s ? QG_DIAG_ERROR : QG_DIAG_WARNING, QG_ETOOBIG, &loc,
                   "file is larger than the %zu-byte cap, skipped (raise it with "
                   "--max-file-size)",
                   max);
    break;
  case QG_ENOENT:
    qg_result_diag(r, QG_DIAG_ERROR, QG_ENOENT, &loc, "no such file or directory");
    break;
  case QG_EGIT:
    qg_result_diag(r, QG_DIAG_ERROR, QG_EIO, &loc,
                   "cannot read the blob from the repository's object database");
    break;
  default:
    qg_result_diag(r, QG_DIAG_ERROR, qg_fs_status(err_no) == QG_EPARSE ? QG_EPARSE : QG_EIO, &loc,
                   "cannot read: %s", qg_fs_strerror(err_no));
    break;
  }
  free(buf);
}

/* ---- the work list and the worker pool ------------------------------------------------
 * This thread walks the paths (the ignore rules and the configuration's
 * excludes are consulted here) and publishes a job per file, in walk order,
 * while the workers scan: each takes the next job and scans it into the
 * job's own result. This thread merges the results in job order as they
 * complete, so the output is the same, byte for byte, whatever the number of
 * threads and however they are scheduled; a result is freed once merged.
 * With one thread, each job runs as the walk finds it. */

typedef enum job_kind {
  JOB_FILE,       /* scan the file */
  JOB_NAMED,      /* scan the file named on the command line (YAML whatever its extension) */
  JOB_MISSING,    /* a path given that does not exist */
  JOB_BROKEN,     /* a broken symbolic link met in a walk */
  JOB_UNREADABLE, /* a path that cannot be examined or read: err_no */
  JOB_TOO_DEEP,   /* a directory past the walk's depth cap */
  JOB_LINK,       /* --rev: a symbolic link of the commit's tree, not followed */
  JOB_SUBMODULE,  /* --rev: a submodule of the commit's tree, not entered */
  JOB_OUTSIDE,    /* --rev: a path named outside the repository */
  JOB_READ,       /* a file a render reads: scanned, but not as a manifest */
  JOB_KUSTOMIZE,  /* render the kustomization directory and scan what it gives */
  JOB_HELM,       /* render the chart directory and scan what it gives */
} job_kind;

/* Can a job of this kind hold objects the checks across objects need? */
static bool job_keeps(job_kind kind) {
  return kind == JOB_FILE || kind == JOB_NAMED || kind == JOB_KUSTOMIZE || kind == JOB_HELM;
}

typedef struct job {
  job_kind kind;
  int err_no;
  size_t walk;    /* the input's position in the whole walk */
  char *path;     /* owned, until merged */
  char *root;     /* owned, until merged: a render's checkout, or NULL */
  qg_result res;  /* the job's findings, until merged */
  bool keep_only; /* another shard's file: read for the checks across objects only */
  atomic_bool done;
} job;

static void job_run(const qg_scan_config *cfg, job_kind kind, const char *path, int err_no,
                    const char *root, qg_result *r);

/* A file of another --shard: its objects are kept for the checks across objects,
 * and nothing else of it is checked or said (its shard does that); r gains the
 * kept objects alone. */
static void job_run_keep_only(const qg_scan_config *cfg, job_kind kind, const char *path,
                              const char *root, qg_result *r) {
  qg_scan_config only = *cfg;
  only.secrets = NULL;
  only.k8s.keep_only = true;
  qg_result tmp;
  qg_result_init(&tmp);
  job_run(&only, kind, path, 0, root, &tmp);
  qg_result_take_kept(r, &tmp);
}

static void job_run(const qg_scan_config *cfg, job_kind kind, const char *path, int err_no,
                    const char *root, qg_result *r) {
  qg_location loc = {path, 0, 0, 0, 0};
  qg_scan_config plain;
  switch (kind) {
  case JOB_KUSTOMIZE:
  case JOB_HELM:
    qg_render_run(&cfg->render, kind == JOB_HELM ? QG_RENDER_HELM : QG_RENDER_KUSTOMIZE, path, root,
                  &cfg->k8s, &cfg->yaml, r);
    break;
  case JOB_READ:
    if (!cfg->secrets)
      break;
    plain = *cfg;
    plain.run_k8s = false;
    cfg = &plain;
    /* fall through */
  case JOB_FILE:
  case JOB_NAMED: {
    /* a cap per file: a generated manifest with 100,000 pods must not take
     * gigabytes; what is past it is an error, never a silent pass. So for
     * diagnostics (a file of a million duplicate keys): the rest are counted. */
    size_t cap = r->max_findings, dropped = r->dropped;
    r->max_findings = r->findings.n + QG_MAX_FINDINGS_PER_FILE;
    size_t dcap = qg_result_cap_diags(r, QG_MAX_DIAGS_PER_FILE);
    /* the name too: a credential in it is shown wherever the path is (redacted) */
    if (cfg->secrets && strcmp(path, "-") != 0)
      qg_secrets_scan_name(cfg->secrets, path, r);
    scan_file(cfg, path, r, kind == JOB_NAMED);
    qg_location label = {strcmp(path, "-") == 0 ? QG_STDIN_LABEL : path, 0, 0, 0, 0};
    qg_result_uncap_diags(r, dcap, &label);
    r->max_findings = cap;
    if (r->dropped > dropped)
      qg_result_diag(r, QG_DIAG_ERROR, QG_ETOOBIG, &loc,
                     "more than %u findings in this file: %zu more were not reported",
                     QG_MAX_FINDINGS_PER_FILE, r->dropped - dropped);
    break;
  }
  case JOB_MISSING:
    if (cfg->rev)
      qg_result_diag(r, QG_DIAG_ERROR, QG_ENOENT, &loc, "no such path in commit %.12s (--rev)",
                     qg_git_rev_oid(cfg->rev));
    else
      qg_result_diag(r, QG_DIAG_ERROR, QG_ENOENT, &loc, "no such file or directory");
    break;
  case JOB_LINK:
    /* its target is a name, not content: what it names is scanned where the tree holds
     * it, and a link out of the repository is not the commit's content */
    qg_result_diag(r, QG_DIAG_NOTE, QG_OK, &loc,
                   "symbolic link in the commit (--rev): not followed; its target is scanned "
                   "where the tree holds it");
    break;
  case JOB_OUTSIDE:
    qg_result_diag(r, QG_DIAG_ERROR, QG_ENOENT, &loc,
                   "outside the repository: --rev scans the paths of a commit's tree");
    break;
  case JOB_SUBMODULE:
    qg_result_diag(r, QG_DIAG_NOTE, QG_OK, &loc,
                   "submodule (--rev): not scanned; scan its own repository");
    break;
  case JOB_BROKEN:
    qg_result_diag(r, QG_DIAG_ERROR, QG_ENOENT, &loc, "broken symbolic link");
    break;
  case JOB_UNREADABLE:
    qg_result_diag(r, QG_DIAG_ERROR, qg_fs_status(err_no) == QG_EPARSE ? QG_EPARSE : QG_EIO, &loc,
                   "cannot read: %s", qg_fs_strerror(err_no));
    break;
  case JOB_TOO_DEEP:
    /* what lies below is not scanned: an input error, so the gate cannot
     * pass on a manifest hidden deep enough */
    qg_result_diag(r, QG_DIAG_ERROR, QG_ETOOBIG, &loc,
                   "directory nested more than %d levels deep, not scanned", QG_WALK_MAX_DEPTH);
    break;
  }
}

/* A set of normalised paths: owned strings, open addressing. Zeroed is empty. */
struct path_set {
  char **slot;
  size_t n, cap;
};

/* The most jobs published and not yet merged: the walk waits for the oldest to be
 * merged before it publishes more, so a tree of millions of files holds this many
 * paths and results at a time, however far ahead of the workers the walk is. Job i
 * lives in slot i % QG_POOL_AHEAD, free again once job i - QG_POOL_AHEAD is merged.
 * A file that takes as long as this many others to scan stalls the other threads. */
#define QG_POOL_AHEAD 4096

typedef struct pool {
  const qg_scan_config *cfg;
  qg_result *r;        /* where results are merged */
  size_t walk;         /* inputs met so far, in every shard (this thread only) */
  job *ring;           /* QG_POOL_AHEAD slots, owned */
  size_t n;            /* jobs published (guarded by mu) */
  size_t next;         /* the next job a worker takes (guarded by mu) */
  size_t merged;       /* jobs merged into r (this thread only) */
  bool closed;         /* the walk is over (guarded by mu) */
  atomic_bool waiting; /* this thread sleeps on done_cv */
  pthread_mutex_t mu;
  pthread_cond_t more_cv; /* jobs published, or the walk is over */
  pthread_cond_t done_cv; /* a job is done while this thread waits */
  unsigned started;
  pthread_t tids[QG_MAX_THREADS];
  /* overlapping paths (qgate scan deploy/ .): the files published so far, by their
   * normalised path, so each is scanned once; and the files named on the command
   * line, read as YAML whatever their extension even when a walk meets them first */
  struct path_set seen, named;
  /* the kustomization and chart directories published: one render each */
  struct path_set rendered;
} pool;

static job *job_at(pool *p, size_t i) { return &p->ring[i % QG_POOL_AHEAD]; }

/* The diagnostics r gained since the last call came from walk position w. */
static void note_order(pool *p, size_t w) {
  qg_scan_order *o = p->cfg->order;
  if (!o)
    return;
  qg_grow((void **)&o->walk, &o->cap, p->r->diags.n, sizeof(*o->walk));
  while (o->n < p->r->diags.n)
    o->walk[o->n++] = w;
}

static void *worker(void *ud) {
  pool *p = ud;
  for (;;) {
    pthread_mutex_lock(&p->mu);
    while (p->next == p->n && !p->closed)
      pthread_cond_wait(&p->more_cv, &p->mu);
    if (p->next == p->n) {
      pthread_mutex_unlock(&p->mu);
      break;
    }
    job *j = job_at(p, p->next++);
    pthread_mutex_unlock(&p->mu);
    if (j->keep_only)
      job_run_keep_only(p->cfg, j->kind, j->path, j->root, &j->res);
    else
      job_run(p->cfg, j->kind, j->path, j->err_no, j->root, &j->res);
    /* the merging thread is woken only when it waits */
    pthread_mutex_lock(&p->mu);
    atomic_store(&j->done, true);
    if (atomic_load(&p->waiting))
      pthread_cond_signal(&p->done_cv);
    pthread_mutex_unlock(&p->mu);
  }
  qg_regex_thread_cleanup();
  return NULL;
}

unsigned qg_scan_threads(unsigned jobs) {
  if (jobs)
    return jobs < QG_MAX_THREADS ? jobs : QG_MAX_THREADS;
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > QG_MAX_THREADS ? QG_MAX_THREADS : (unsigned)n;
}

static pool *pool_start(const qg_scan_config *cfg, qg_result *r) {
  pool *p = qg_xcalloc(1, sizeof(*p));
  p->cfg = cfg;
  p->r = r;
  r->kept.max_bytes = QG_K8S_KEEP_MAX_BYTES;
  atomic_init(&p->waiting, false);
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->more_cv, NULL);
  pthread_cond_init(&p->done_cv, NULL);
  unsigned nthreads = qg_scan_threads(cfg->jobs);
  if (nthreads > 1) {
    p->ring = qg_xcalloc(QG_POOL_AHEAD, sizeof(*p->ring));
    for (unsigned t = 0; t < nthreads; t++)
      p->started += pthread_create(&p->tids[p->started], NULL, worker, p) == 0;
  }
  return p;
}

/* Merges the oldest job not yet merged, waiting for it to finish when wait is set.
 * Returns false when there is none, or it is not done and wait is not set. */
static bool merge_next(pool *p, bool wait) {
  pthread_mutex_lock(&p->mu);
  size_t n = p->n;
  pthread_mutex_unlock(&p->mu);
  if (p->merged == n)
    return false;
  job *j = job_at(p, p->merged);
  if (!atomic_load(&j->done)) {
    if (!wait)
      return false;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->waiting, true);
    while (!atomic_load(&j->done))
      pthread_cond_wait(&p->done_cv, &p->mu);
    atomic_store(&p->waiting, false);
    pthread_mutex_unlock(&p->mu);
  }
  if (j->keep_only) {
    qg_result_take_kept(p->r, &j->res);
  } else {
    qg_result_merge(p->r, &j->res);
    note_order(p, j->walk);
  }
  free(j->path);
  free(j->root);
  j->path = j->root = NULL;
  p->merged++;
  return true;
}

/* Merges finished jobs in order; with wait, until every published one is. */
static void pool_merge(pool *p, bool wait) {
  while (merge_next(p, wait))
    ;
}

/* path without its "." components and repeated or trailing slashes: the key that
 * says two paths name one file. ".." stays: through a symbolic link, "link/../x" is
 * not "x". Caller frees. */
static char *norm_path(const char *path) {
  size_t len = strlen(path);
  char *out = qg_xmalloc(len + 2);
  size_t o = 0;
  if (path[0] == '/')
    out[o++] = '/';
  for (const char *s = path; *s;) {
    while (*s == '/')
      s++;
    size_t n = strcspn(s, "/");
    if (!n)
      break;
    if (!(n == 1 && s[0] == '.')) {
      if (o && out[o - 1] != '/')
        out[o++] = '/';
      memcpy(out + o, s, n);
      o += n;
    }
    s += n;
  }
  if (!o)
    out[o++] = '.';
  out[o] = '\0';
  return out;
}

/* Adds path's key to set; false when it was there. */
static bool set_add(struct path_set *set, const char *path) {
  char *key = norm_path(path);
  if ((set->n + 1) * 2 > set->cap) { /* grow and rehash */
    size_t cap = set->cap ? set->cap * 2 : 256;
    char **t = qg_xcalloc(cap, sizeof(*t));
    for (size_t i = 0; i < set->cap; i++) {
      if (!set->slot[i])
        continue;
      size_t h = (size_t)qg_hash64(set->slot[i], strlen(set->slot[i]), QG_HASH_SEED) & (cap - 1);
      while (t[h])
        h = (h + 1) & (cap - 1);
      t[h] = set->slot[i];
    }
    free(set->slot);
    set->slot = t;
    set->cap = cap;
  }
  size_t h = (size_t)qg_hash64(key, strlen(key), QG_HASH_SEED) & (set->cap - 1);
  for (; set->slot[h]; h = (h + 1) & (set->cap - 1)) {
    if (strcmp(set->slot[h], key) == 0) {
      free(key);
      return false;
    }
  }
  set->slot[h] = key;
  set->n++;
  return true;
}

static bool set_has(const struct path_set *set, const char *path) {
  if (!set->n)
    return false;
  char *key = norm_path(path);
  size_t h = (size_t)qg_hash64(key, strlen(key), QG_HASH_SEED) & (set->cap - 1);
  bool hit = false;
  for (; set->slot[h] && !hit; h = (h + 1) & (set->cap - 1))
    hit = strcmp(set->slot[h], key) == 0;
  free(key);
  return hit;
}

static void set_free(struct path_set *set) {
  for (size_t i = 0; i < set->cap; i++)
    free(set->slot[i]);
  free(set->slot);
  memset(set, 0, sizeof(*set));
}

/* Publishes the next input of the walk, or, when it belongs to another
 * shard, only counts it. A file already published (named by an overlapping
 * path) is neither, and so is a directory already rendered. */
static void pool_add_in(pool *p, job_kind kind, const char *path, int err_no, const char *root,
                        bool mine) {
  if ((kind == JOB_FILE || kind == JOB_NAMED || kind == JOB_READ) && !set_add(&p->seen, path))
    return;
  if (kind == JOB_KUSTOMIZE || kind == JOB_HELM) {
    char *key = qg_fs_lexical_abs(NULL, path);
    bool fresh = set_add(&p->rendered, key ? key : path);
    free(key);
    if (!fresh)
      return;
  }
  if (kind == JOB_FILE && set_has(&p->named, path))
    kind = JOB_NAMED; /* a walk met it before its name on the command line */
  size_t w = p->walk++;
  bool keep_only = !mine && p->cfg->k8s.keep && p->cfg->run_k8s && job_keeps(kind);
  if (!mine && !keep_only)
    return;
  if (!p->started) { /* one thread: run it now */
    if (keep_only) {
      job_run_keep_only(p->cfg, kind, path, root, p->r);
    } else {
      job_run(p->cfg, kind, path, err_no, root, p->r);
      note_order(p, w);
    }
    return;
  }
  while (p->n - p->merged >= QG_POOL_AHEAD) /* its slot is the oldest job's */
    merge_next(p, true);
  job *j = job_at(p, p->n);
  j->kind = kind;
  j->err_no = err_no;
  j->walk = w;
  j->path = qg_xstrdup(path);
  j->root = root ? qg_xstrdup(root) : NULL;
  j->keep_only = keep_only;
  qg_result_init(&j->res);
  atomic_init(&j->done, false);
  pthread_mutex_lock(&p->mu);
  p->n++;
  pthread_cond_signal(&p->more_cv);
  pthread_mutex_unlock(&p->mu);
  pool_merge(p, false);
}

static void pool_add(pool *p, job_kind kind, const char *path, int err_no, bool mine) {
  pool_add_in(p, kind, path, err_no, NULL, mine);
}

static void pool_finish(pool *p) {
  pthread_mutex_lock(&p->mu);
  p->closed = true;
  pthread_cond_broadcast(&p->more_cv);
  pthread_mutex_unlock(&p->mu);
  pool_merge(p, true);
  for (unsigned t = 0; t < p->started; t++)
    pthread_join(p->tids[t], NULL);
  free(p->ring);
  set_free(&p->seen);
  set_free(&p->named);
  set_free(&p->rendered);
  pthread_cond_destroy(&p->done_cv);
  pthread_cond_destroy(&p->more_cv);
  pthread_mutex_destroy(&p->mu);
  free(p);
}

typedef struct walk_ctx {
  const qg_scan_config *cfg;
  pool *pool;
  qg_git_ignore *gi;
  const char *root; /* the repository's real path, or NULL */
  char *dir;        /* the last directory whose .gitignore was checked, owned */
  /* borrowed: every directory path's render plan (what renders read), or NULL */
  const struct path_plan *plans;
  size_t nplans;
} walk_ctx;

/* A directory path's renders (scanners/render.h), planned before any path is
 * scanned: a file one path's render reads is read by that render only, even
 * when another path walks it or names it. */
struct path_plan {
  bool on; /* the path is a directory and renders are on */
  qg_render_plan plan;
  char *root; /* owned: what its renders may read */
};

/* Does a render of any path read the file at path? */
static bool render_reads(const struct path_plan *plans, size_t n, const char *path) {
  for (size_t i = 0; plans && i < n; i++)
    if (plans[i].on && qg_render_plan_consumed(&plans[i].plan, path))
      return true;
  return false;
}

bool qg_scan_in_shard(const char *path, unsigned index, unsigned count) {
  if (count <= 1)
    return true;
  return qg_hash64(path, strlen(path), QG_HASH_SEED) % count == index - 1;
}

static bool mine(const qg_scan_config *cfg, const char *path) {
  return qg_scan_in_shard(path, cfg->shard_index, cfg->shard_count);
}

/* libgit2 opens a directory's .gitignore as it is, and blocks for ever on a
 * FIFO: before it reads dir/.gitignore, that file must be a regular file
 * inside the repository. A bad one is an error, and ignore rules are not used
 * for the rest of the walk (it scans more, never less). */
static void check_gitignore(walk_ctx *w, const char *path) {
  const char *slash = strrchr(path, '/');
  size_t dl = slash ? (size_t)(slash - path) : 0;
  if (w->dir && strlen(w->dir) == dl && strncmp(w->dir, path, dl) == 0)
    return;
  free(w->dir);
  w->dir = qg_xstrndup(path, dl);
  char *gi = dl ? qg_xasprintf("%s/.gitignore", w->dir) : qg_xstrdup(".gitignore");
  struct stat sb;
  int bad = 0;
  if (lstat(gi, &sb) == 0 && !S_ISREG(sb.st_mode)) {
    if (!S_ISLNK(sb.st_mode) || stat(gi, &sb) != 0 || !S_ISREG(sb.st_mode))
      bad = QG_FS_ENOTREG;
    else if (w->root)
      bad = qg_fs_inside(w->root, gi);
  }
  if (bad) {
    if (w->pool) /* NULL: the renders' look-ahead walk; the real one reports it */
      pool_add(w->pool, JOB_UNREADABLE, gi, bad, mine(w->cfg, gi));
    qg_git_ignore_free(&w->gi);
  }
  free(gi);
}

/* --exclude: path relative to the current directory (an absolute one inside it is
 * made relative; one outside it, or with "..", matches no pattern). */
static bool cli_excluded(const qg_scan_config *cfg, const char *path, bool is_dir) {
  if (!cfg->nexclude)
    return false;
  char cwd[PATH_MAX];
  const char *rel = path;
  if (path[0] == '/') {
    size_t cl;
    if (!getcwd(cwd, sizeof(cwd)) || strncmp(path, cwd, (cl = strlen(cwd))) != 0 || path[cl] != '/')
      return false;
    rel = path + cl + 1;
  }
  char *key = norm_path(rel);
  bool hit = strcmp(key, ".") != 0 && strncmp(key, "../", 3) != 0 && strcmp(key, "..") != 0 &&
             qg_glob_list_match(cfg->exclude, cfg->nexclude, key, is_dir);
  free(key);
  return hit;
}

static void on_walk(void *ud, qg_walk_event ev, const char *path, int err_no) {
  walk_ctx *w = ud;
  /* the shard is decided here, after the ignore rules (on_skip) */
  if (ev == QG_WALK_FILE)
    pool_add(w->pool, render_reads(w->plans, w->nplans, path) ? JOB_READ : JOB_FILE, path, 0,
             mine(w->cfg, path));
  else if (ev == QG_WALK_TOO_DEEP)
    pool_add(w->pool, JOB_TOO_DEEP, path, 0, mine(w->cfg, path));
  else
    pool_add(w->pool, err_no == ENOENT ? JOB_BROKEN : JOB_UNREADABLE, path, err_no,
             mine(w->cfg, path));
}

static int on_skip(void *ud, const char *path, int is_dir) {
  walk_ctx *w = ud;
  if (w->gi)
    check_gitignore(w, path);
  return (w->gi && qg_git_ignored(w->gi, path, is_dir)) ||
         qg_scan_policy_excluded(w->cfg->k8s.policy, path, is_dir) ||
         cli_excluded(w->cfg, path, is_dir);
}

/* "./a/b.yaml" -> "a/b.yaml", "dir//x" stays as given otherwise. */
static const char *tidy(const char *p) {
  /* ".//deploy" is "deploy", never "/deploy" */
  while (p[0] == '.' && p[1] == '/' && p[2]) {
    const char *q = p + 1;
    while (q[0] == '/' && q[1] == '/')
      q++;
    if (!q[1]) /* "./" or ".//": the directory itself */
      return ".";
    p = q + 1;
  }
  if (strcmp(p, "./") == 0)
    return ".";
  return p;
}

/* Is path inside a git work tree? */
static bool wd_known(const char *path) {
  char *wd = qg_git_workdir(path);
  free(wd);
  return wd != NULL;
}

typedef struct plan_ctx {
  walk_ctx w; /* first: on_skip reads it */
  qg_render_plan *plan;
} plan_ctx;

static void on_plan_walk(void *ud, qg_walk_event ev, const char *path, int err_no) {
  (void)err_no;
  if (ev == QG_WALK_FILE)
    qg_render_plan_add(((plan_ctx *)ud)->plan, path);
}

/* The look-ahead walk: where the kustomizations and charts are, under the
 * same ignore rules as the walk that follows (which reports their problems). */
static void plan_walk(const qg_scan_config *cfg, const char *path, const char *root,
                      qg_render_plan *plan) {
  /* qg_walk_in matches a name longer than the suffix: qg_render_plan_add
   * keeps the exact names */
  static const char *const names[] = {"ustomization.yaml", "ustomization.yml", "ustomization",
                                      "hart.yaml", NULL};
  plan_ctx c = {
      {cfg, NULL, cfg->use_gitignore ? qg_git_ignore_open(path) : NULL, root, NULL, NULL, 0}, plan};
  qg_walk_in(root, path, names, on_skip, on_plan_walk, &c);
  free(c.w.dir);
  qg_git_ignore_free(&c.w.gi);
  qg_render_plan_finish(plan, root);
}

/* Plans path i's renders (a directory, with renders on): what they may read is
 * the git work tree, else the current directory when the path lies in it (an
 * overlay's ../../base), else the path. */
static void plan_path(const qg_scan_config *cfg, const char *path, struct path_plan *pp) {
  char *wd = qg_git_workdir(path);
  char *root = qg_fs_realdir(wd ? wd : path);
  free(wd);
  char *rroot = NULL;
  if (!wd_known(path)) {
    char *cwd = qg_fs_realdir(".");
    rroot = cwd && root && qg_fs_under(cwd, root) ? cwd : NULL;
    if (!rroot)
      free(cwd);
  }
  if (rroot)
    free(root);
  else
    rroot = root;
  pp->on = true;
  pp->root = rroot;
  qg_render_plan_init(&pp->plan);
  plan_walk(cfg, path, rroot, &pp->plan);
}

/* A directory's key as renders compare them (scanners/render.c): absolute and
 * lexical, so that "chart" and "$PWD/chart" are one chart. Caller frees. */
static char *abs_key(const char *path) {
  char *a = qg_fs_lexical_abs(NULL, path);
  return a ? a : qg_xstrdup(path);
}

/* Is the kustomization or chart dir of path i's plan used by a render of
 * another path (an overlay elsewhere that uses this base, a parent chart)? Then
 * that render covers it. */
static bool rendered_elsewhere(const struct path_plan *plans, size_t n, size_t i, const char *dir,
                               bool chart) {
  static const char *const knames[] = {"kustomization.yaml", "kustomization.yml", "Kustomization",
                                       NULL};
  static const char *const cnames[] = {"Chart.yaml", NULL};
  char *key = abs_key(dir);
  bool used = false;
  for (size_t j = 0; j < n && !used; j++) {
    if (j == i || !plans[j].on)
      continue;
    const qg_render_plan *pl = &plans[j].plan;
    bool found = false; /* path j's walk met dir too: its own verdict holds */
    for (size_t k = 0; k < (chart ? pl->nc : pl->nk) && !found; k++) {
      char *other = abs_key(chart ? pl->charts[k] : pl->kdirs[k]);
      if (strcmp(other, key) == 0) {
        found = true;
        used = chart ? !qg_render_plan_top_chart(pl, k) : pl->kused[k];
      }
      free(other);
    }
    for (const char *const *nm = chart ? cnames : knames; !found && *nm && !used; nm++) {
      char *file = qg_xasprintf("%s/%s", dir, *nm);
      used = qg_render_plan_consumed(pl, file);
      free(file);
    }
  }
  free(key);
  return used;
}

void qg_scan_order_cleanup(qg_scan_order *o) {
  free(o->walk);
  memset(o, 0, sizeof(*o));
}

/* Does the normalised path outer hold inner (or name it)? */
static bool holds(const char *outer, const char *inner) {
  if (strcmp(outer, ".") == 0)
    return inner[0] != '/' && strcmp(inner, "..") != 0 && strncmp(inner, "../", 3) != 0;
  size_t n = strlen(outer);
  return strncmp(outer, inner, n) == 0 && (inner[n] == '/' || inner[n] == '\0');
}

/* A path whose files write apiVersion and kind keys but from which no object was
 * read (unrendered templates, manifests the parser could not read) is no pass. */
static void no_objects(const qg_scan_config *cfg, pool *p, const char *path, size_t manifests,
                       size_t objects) {
  if (!cfg->run_k8s || !manifests || objects)
    return;
  qg_location loc = {path, 0, 0, 0, 0};
  qg_result_diag(p->r, cfg->allow_no_objects ? QG_DIAG_WARNING : QG_DIAG_ERROR, QG_EPARSE, &loc,
                 "%zu file%s here look%s like Kubernetes manifests (apiVersion and kind) but no "
                 "object was read from %s: nothing was checked%s",
                 manifests, manifests == 1 ? "" : "s", manifests == 1 ? "s" : "",
                 manifests == 1 ? "it" : "them",
                 cfg->allow_no_objects ? " (--allow-no-objects)"
                                       : ", so this is not a pass (--allow-no-objects accepts it)");
  note_order(p, QG_SCAN_AFTER_WALK);
}

/* ---- --rev: the walk of a commit's tree ------------------------------------------------- */

static int cmp_entry(const void *a, const void *b) {
  return strcmp(((const qg_git_entry *)a)->name, ((const qg_git_entry *)b)->name);
}

/* Would the file walk report a file of this name? (qg_walk's extension test) */
static bool walk_wants(const qg_scan_config *cfg, const char *name) {
  if (cfg->secrets)
    return true;
  size_t nl = strlen(name);
  for (const char *const *e = k_exts; *e; e++) {
    size_t el = strlen(*e);
    if (nl > el && strcmp(name + nl - el, *e) == 0)
      return true;
  }
  return false;
}

static bool rev_excluded(const qg_scan_config *cfg, const char *rel, bool is_dir) {
  return qg_scan_policy_excluded_rel(cfg->k8s.policy, qg_git_rev_workdir(cfg->rev), rel, is_dir);
}

/* The tree at rel ("" the root), in the file walk's order (names sorted by strcmp,
 * directories where their names sort), with its depth cap. */
static void rev_walk(const qg_scan_config *cfg, pool *p, const char *rel, unsigned depth) {
  qg_git_entry *es = NULL;
  size_t n = 0;
  if (qg_git_rev_list(cfg->rev, rel, &es, &n) != QG_OK) {
    pool_add(p, JOB_UNREADABLE, *rel ? rel : ".", EIO, mine(cfg, rel));
    return;
  }
  qsort(es, n, sizeof(*es), cmp_entry);
  for (size_t i = 0; i < n; i++) {
    if (strcmp(es[i].name, ".git") == 0)
      continue;
    char *path = *rel ? qg_xasprintf("%s/%s", rel, es[i].name) : qg_xstrdup(es[i].name);
    switch (es[i].kind) {
    case QG_GIT_DIR:
      if (rev_excluded(cfg, path, true))
        break;
      if (depth + 1 > QG_WALK_MAX_DEPTH)
        pool_add(p, JOB_TOO_DEEP, path, 0, mine(cfg, path));
      else
        rev_walk(cfg, p, path, depth + 1);
      break;
    case QG_GIT_FILE:
    case QG_GIT_LINK:
      if (walk_wants(cfg, es[i].name) && !rev_excluded(cfg, path, false))
        pool_add(p, es[i].kind == QG_GIT_FILE ? JOB_FILE : JOB_LINK, path, 0, mine(cfg, path));
      break;
    case QG_GIT_SUBMODULE:
      if (!rev_excluded(cfg, path, true))
        pool_add(p, JOB_SUBMODULE, path, 0, mine(cfg, path));
      break;
    case QG_GIT_NONE:
      break;
    }
    free(path);
  }
  qg_git_entries_free(es, n);
}

/* One path of the command line, in the commit's tree: made absolute as the user reads
 * it (from the current directory, no link resolved), then relative to the work tree. */
static void rev_path(const qg_scan_config *cfg, pool *p, const char *path, bool first_shard) {
  const char *wd = qg_git_rev_workdir(cfg->rev);
  char *abs = qg_fs_lexical_abs(NULL, path);
  if (!abs || !qg_fs_under(wd, abs)) {
    pool_add(p, JOB_OUTSIDE, path, 0, first_shard);
    free(abs);
    return;
  }
  size_t wl = strlen(wd);
  const char *rel = abs + wl;
  while (*rel == '/')
    rel++;
  switch (qg_git_rev_kind(cfg->rev, rel)) {
  case QG_GIT_DIR:
    rev_walk(cfg, p, rel, 0);
    break;
  case QG_GIT_FILE: /* named: scanned whatever its extension */
    if (!rev_excluded(cfg, rel, false))
      pool_add(p, JOB_NAMED, rel, 0, mine(cfg, rel));
    break;
  case QG_GIT_LINK:
    pool_add(p, JOB_LINK, rel, 0, mine(cfg, rel));
    break;
  case QG_GIT_SUBMODULE:
    pool_add(p, JOB_SUBMODULE, rel, 0, mine(cfg, rel));
    break;
  case QG_GIT_NONE:
    pool_add(p, JOB_MISSING, rel, 0, first_shard);
    break;
  }
  free(abs);
}

void qg_scan_paths(const qg_scan_config *config, const char *const *paths, size_t npaths,
                   qg_result *r) {
  qg_scan_config keeping = with_keep(config);
  const qg_scan_config *cfg = &keeping;
  pool *p = pool_start(cfg, r);
  if (cfg->order) { /* what r held before is not the walk's */
    cfg->order->n = 0;
    note_order(p, QG_SCAN_AFTER_WALK);
  }
  /* a path on the command line that cannot be read is the same problem in
   * every shard: shard 1 reports it */
  bool first_shard = cfg->shard_count <= 1 || cfg->shard_index <= 1;
  /* each path's own manifests and objects, and its normalised name: a path that
   * holds an earlier one (qgate scan deploy/ .) counts that one's files too */
  size_t(*own)[2] = qg_xcalloc(npaths + 1, sizeof(*own));
  char **keys = qg_xcalloc(npaths + 1, sizeof(*keys));
  /* every directory's renders are planned first: what any of them reads is not
   * scanned as a manifest by any path (Kustomize and Helm, scanners/render.h) */
  struct path_plan *plans = qg_xcalloc(npaths + 1, sizeof(*plans));
  bool render = cfg->render.on && cfg->run_k8s;
  for (size_t i = 0; i < npaths; i++) {
    struct stat sb;
    const char *path = tidy(paths[i]);
    if (strcmp(path, "-") == 0 || stat(path, &sb) != 0)
      continue;
    if (!S_ISDIR(sb.st_mode))
      (void)set_add(&p->named, path);
    else if (render && qg_is_dir(path, &(int){0}) == 1)
      plan_path(cfg, path, &plans[i]);
  }
  for (size_t i = 0; i < npaths; i++) {
    const char *path = tidy(paths[i]);
    if (cfg->rev && strcmp(path, "-") != 0) {
      rev_path(cfg, p, path, first_shard);
      continue;
    }
    if (strcmp(path, "-") == 0) {
      pool_add(p, JOB_FILE, path, 0, mine(cfg, QG_STDIN_LABEL));
      continue;
    }
    /* what this path's files add (merged first) */
    pool_merge(p, true);
    size_t manifests = r->stats.manifests, objects = r->stats.objects;
    int err_no = 0;
    int dir = qg_is_dir(path, &err_no);
    if (dir == 1) {
      /* what the walk finds is the repository's: a link is followed only inside it */
      char *wd = qg_git_workdir(path);
      char *root = qg_fs_realdir(wd ? wd : path);
      free(wd);
      walk_ctx w = {cfg,   p,     cfg->use_gitignore ? qg_git_ignore_open(path) : NULL, root, NULL,
                    plans, npaths};
      qg_walk_in(root, path, cfg->secrets ? NULL : k_exts, on_skip, on_walk, &w);
      const struct path_plan *pp = &plans[i];
      for (size_t k = 0; pp->on && k < pp->plan.nk; k++) /* the top-level kustomizations */
        if (!pp->plan.kused[k] && !rendered_elsewhere(plans, npaths, i, pp->plan.kdirs[k], false))
          pool_add_in(p, JOB_KUSTOMIZE, pp->plan.kdirs[k], 0, pp->root,
                      mine(cfg, pp->plan.kdirs[k]));
      for (size_t k = 0; pp->on && k < pp->plan.nc; k++)
        if (qg_render_plan_top_chart(&pp->plan, k) &&
            !rendered_elsewhere(plans, npaths, i, pp->plan.charts[k], true))
          pool_add_in(p, JOB_HELM, pp->plan.charts[k], 0, pp->root, mine(cfg, pp->plan.charts[k]));
      free(w.dir);
      free(root);
      qg_git_ignore_free(&w.gi);
    } else if (dir == 0) {
      /* a path named on the command line may lie anywhere, but a FIFO or a
       * device is never opened (it could block the run for ever) */
      struct stat sb;
      bool regular = stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
      /* a file a directory's render reads is that render's (it may patch it) */
      job_kind kind = !regular                            ? JOB_UNREADABLE
                      : render_reads(plans, npaths, path) ? JOB_READ
                                                          : JOB_NAMED;
      if (!qg_scan_policy_excluded(cfg->k8s.policy, path, false) && !cli_excluded(cfg, path, false))
        pool_add(p, kind, path, regular ? 0 : QG_FS_ENOTREG, mine(cfg, path));
    } else {
      pool_add(p, err_no == ENOENT ? JOB_MISSING : JOB_UNREADABLE, path, err_no, first_shard);
    }
    pool_merge(p, true);
    own[i][0] = r->stats.manifests - manifests;
    own[i][1] = r->stats.objects - objects;
    keys[i] = norm_path(path);
    size_t m = own[i][0], obj = own[i][1];
    for (size_t j = 0; j < i; j++)
      if (keys[j] && holds(keys[i], keys[j]))
        m += own[j][0], obj += own[j][1];
    no_objects(cfg, p, path, m, obj);
  }
  for (size_t i = 0; i < npaths; i++) {
    free(keys[i]);
    if (plans[i].on) {
      qg_render_plan_cleanup(&plans[i].plan);
      free(plans[i].root);
    }
  }
  free(plans);
  free(keys);
  free(own);
  pool_finish(p);
  {
    size_t nd = r->diags.n;
    qg_k8s_run_input(&cfg->k8s, r);
    if (cfg->order && r->diags.n > nd) {
      qg_grow((void **)&cfg->order->walk, &cfg->order->cap, r->diags.n, sizeof(*cfg->order->walk));
      while (cfg->order->n < r->diags.n)
        cfg->order->walk[cfg->order->n++] = QG_SCAN_AFTER_WALK;
    }
  }
  qg_result_sort(r);
}

/* Says f's risky fix to note once: `seen` holds the keys said (rule, object,
 * container, fix), so a fix seen again in a later round is not said again. */
static void note_once(qg_fix_note_fn note, void *ud, const qg_finding *f, bool applied,
                      char ***seen, size_t *nseen, size_t *cap) {
  if (!note)
    return;
  const qg_context *c = &f->ctx;
  char *key = qg_xasprintf("%d|%s|%s|%s|%s|%s|%s|%s", applied, f->rule ? f->rule->id : "",
                           c->kind ? c->kind : "", c->namespace_ ? c->namespace_ : "",
                           c->name ? c->name : "", c->container ? c->container : "",
                           c->field ? c->field : "", f->fix->description);
  for (size_t i = 0; i < *nseen; i++)
    if (strcmp((*seen)[i], key) == 0) {
      free(key);
      return;
    }
  qg_grow((void **)seen, cap, *nseen + 1, sizeof(**seen));
  (*seen)[(*nseen)++] = key;
  note(ud, f, applied);
}

qg_status qg_fix_buffer(const qg_scan_config *cfg, const char *path, const char *buf, size_t len,
                        qg_fix_level level, qg_fix_note_fn note, void *ud, char **out,
                        size_t *outlen, size_t *applied) {
  char *cur = qg_xstrndup(buf, len);
  size_t curlen = len;
  *applied = 0;
  if (qg_bom_wide((const unsigned char *)buf, len)) {
    /* findings' edits are offsets in the decoded text: a UTF-16 or UTF-32
     * file is reported, never rewritten */
    *out = cur;
    *outlen = curlen;
    return QG_OK;
  }
  char **seen = NULL;
  size_t nseen = 0, seencap = 0;
  for (int round = 0; round < 16; round++) {
    qg_result r;
    qg_result_init(&r);
    (void)qg_result_cap_diags(&r, 1); /* only the fixes are read */
    qg_scan_buffer(cfg, path, (const unsigned char *)cur, curlen, &r);
    qg_edit *edits = NULL;
    size_t n = 0, cap = 0, fixes = 0;
    for (size_t i = 0; i < r.findings.n; i++) {
      const qg_finding *f = &r.findings.items[i];
      if (!f->fix || f->suppressed_by || (f->fix->risky && level != QG_FIX_LEVEL_ALL))
        continue;
      if (f->fix->risky && f->fix->n)
        note_once(note, ud, f, true, &seen, &nseen, &seencap);
      fixes++;
      for (size_t k = 0; k < f->fix->n; k++) {
        qg_grow((void **)&edits, &cap, n + 1, sizeof(*edits));
        edits[n++] = f->fix->edits[k];
      }
    }
    size_t skipped = 0, newlen = 0;
    char *next = n ? qg_edits_apply(cur, curlen, edits, n, &newlen, &skipped) : NULL;
    free(edits);
    bool last = !next || (newlen == curlen && memcmp(next, cur, curlen) == 0);
    /* what is left out is what the fixed text still has */
    for (size_t i = 0; last && i < r.findings.n; i++) {
      const qg_finding *f = &r.findings.items[i];
      if (f->fix && f->fix->n && f->fix->risky && !f->suppressed_by && level != QG_FIX_LEVEL_ALL)
        note_once(note, ud, f, false, &seen, &nseen, &seencap);
    }
    qg_result_cleanup(&r);
    if (last) {
      free(next);
      break;
    }
    *applied += fixes >= skipped ? fixes - skipped : 0;
    free(cur);
    cur = next;
    curlen = newlen;
  }
  for (size_t i = 0; i < nseen; i++)
    free(seen[i]);
  free(seen);
  *out = cur;
  *outlen = curlen;
  return QG_OK;
}

static int cmp_fp(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

void qg_scan_mark_base(const qg_scan_config *cfg, struct qg_git_base *base, qg_result *r) {
  size_t max = cfg->max_file_size ? cfg->max_file_size : QG_DEFAULT_MAX_FILE_SIZE;
  size_t i = 0;
  while (i < r->findings.n) {
    const char *path = r->findings.items[i].loc.path;
    size_t j = i;
    while (j < r->findings.n && r->findings.items[j].loc.path == path)
      j++; /* findings are sorted by path; paths are interned */
    char *buf = NULL;
    size_t len = 0;
    if (path && strcmp(path, QG_STDIN_LABEL) != 0 &&
        (cfg->rev ? qg_git_base_read_rel(base, path, max, &buf, &len)
                  : qg_git_base_read(base, path, max, &buf, &len)) == QG_OK) {
      qg_result old;
      qg_result_init(&old);
      (void)qg_result_cap_diags(&old, 1); /* only the findings are read */
      qg_scan_buffer(cfg, path, (const unsigned char *)buf, len, &old);
      if (cfg->secrets) /* the same path at the base: a secret in its name was there too */
        qg_secrets_scan_name(cfg->secrets, path, &old);
      char(*fps)[17] = qg_xcalloc(old.findings.n + 1, 17);
      for (size_t k = 0; k < old.findings.n; k++)
        qg_finding_fingerprint(&old.findings.items[k], fps[k]);
      qsort(fps, old.findings.n, 17, cmp_fp);
      for (size_t k = i; k < j; k++) {
        char fp[17];
        qg_finding_fingerprint(&r->findings.items[k], fp);
        if (bsearch(fp, fps, old.findings.n, 17, cmp_fp))
          r->findings.items[k].in_base = true;
      }
      free(fps);
      qg_result_cleanup(&old);
    }
    free(buf);
    i = j;
  }
}
