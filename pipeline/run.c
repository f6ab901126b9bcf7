/* run.c: qg_run, from the configuration to the gate (see run.h). */
#include "core/fs.h"
#include "core/git.h"
#include "hosts/host.h"
#include "pipeline/internal.h"
#include "reporters/merge.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* --severity LIST: one name is a minimum (it and above), two or more names (or
 * one with a comma: "medium,") exactly those. Sets shown[severity]; QG_EUSAGE on
 * a word that is no severity. */
static qg_status parse_shown(const char *list, bool shown[QG__SEV_COUNT]) {
  bool exact = strchr(list, ',') != NULL;
  memset(shown, 0, sizeof(bool) * QG__SEV_COUNT);
  size_t names = 0;
  for (const char *s = list; *s;) {
    s += strspn(s, " ,");
    size_t n = strcspn(s, " ,");
    if (!n)
      break;
    int found = -1;
    for (int v = 0; v < QG__SEV_COUNT; v++) {
      const char *name = qg_severity_name((qg_severity)v);
      if (strlen(name) == n && strncmp(name, s, n) == 0)
        found = v;
    }
    if (found < 0)
      return QG_EUSAGE;
    names++;
    if (exact)
      shown[found] = true;
    else
      for (int v = found; v < QG__SEV_COUNT; v++)
        shown[v] = true;
    s += n;
  }
  return names ? QG_OK : QG_EUSAGE;
}

qg_status qg_run_hide(qg_result *r, const char *severity, bool hide_base, size_t *hidden_severity,
                      size_t *hidden_base) {
  bool shown[QG__SEV_COUNT];
  if (severity && parse_shown(severity, shown) != QG_OK)
    return QG_EUSAGE;
  if (!severity && !hide_base)
    return QG_OK;
  qg_findings *fs = &r->findings;
  size_t k = 0;
  for (size_t i = 0; i < fs->n; i++) {
    qg_finding *f = &fs->items[i];
    bool base = hide_base && f->in_base, sev = severity && !shown[f->severity];
    if (base || sev) {
      if (!f->suppressed_by) {
        *hidden_base += base;
        *hidden_severity += !base;
      }
      free(f->message);
      qg_fix_free(f->fix);
      continue;
    }
    fs->items[k++] = *f;
  }
  fs->n = k;
  return QG_OK;
}

/* What the steps share. */
typedef struct run_ctx {
  const qg_run_opts *o;
  qg_run_out *out;
  const char *pss_level, *pss_version, *fail_on; /* the command line's, else the config's */
  unsigned minor;
  qg_scan_config scan;
  bool reviewing;   /* the architecture review runs in this run */
  bool fix_refused; /* a file --fix would not rewrite: an input error */
  size_t walked;    /* findings [0, walked) came from the walk */
} run_ctx;

#define SAY_ERROR(c, ...) qg_run_say(&(c)->out->log, QG_DIAG_ERROR, __VA_ARGS__)

/* "openai, anthropic, bedrock": the providers' table (qg_llm_provider_name says
 * "none" past its end). Caller frees. */
static char *provider_list(void) {
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_puts(&b, "");
  for (int p = QG_LLM_NONE + 1; strcmp(qg_llm_provider_name((qg_llm_provider)p), "none"); p++)
    (void)qg_buf_printf(&b, "%s%s", b.len ? ", " : "", qg_llm_provider_name((qg_llm_provider)p));
  return qg_buf_detach(&b);
}

/* The review's settings from the environment and --review-deadline. */
static qg_status review_settings(run_ctx *c) {
  qg_run_mode mode = c->o->mode;
  qg_config *cfg = &c->out->cfg;
  char *why = NULL;
  if (qg_review_config_env(&cfg->review, &why) != QG_OK ||
      ((mode == QG_RUN_SCAN || mode == QG_RUN_REVIEW) &&
       qg_review_config_deadline(&cfg->review, c->o->review_deadline, &why) != QG_OK)) {
    SAY_ERROR(c, "%s", why);
    free(why);
    return QG_EUSAGE;
  }
  if (mode == QG_RUN_REVIEW && c->o->npaths) {
    SAY_ERROR(c, "qgate review takes no paths: it reviews the change since --base");
    return QG_EUSAGE;
  }
  if (mode == QG_RUN_REVIEW && cfg->review.provider == QG_LLM_NONE) {
    char *names = provider_list();
    SAY_ERROR(c,
              "qgate review: no provider configured: set QGATE_LLM_PROVIDER (%s), or "
              "review.provider in a --config file outside the checkout",
              names);
    free(names);
    return QG_EUSAGE;
  }
  return QG_OK;
}

/* --pss, --pss-version and --fail-on (the command line wins over the configuration). */
static qg_status gate_settings(run_ctx *c) {
  const qg_config *cfg = &c->out->cfg;
  c->pss_level = c->o->pss_level ? c->o->pss_level : cfg->pss_level.s;
  c->pss_version = c->o->pss_version ? c->o->pss_version : cfg->pss_version.s;
  c->fail_on = c->o->fail_on ? c->o->fail_on : cfg->fail_on.s;
  c->out->pss_level = QG_PSS_RESTRICTED;
  if (c->pss_level && qg_pss_parse_level(c->pss_level, &c->out->pss_level) != QG_OK) {
    SAY_ERROR(c, "--pss takes restricted, baseline or off, not '%s'", c->pss_level);
    return QG_EUSAGE;
  }
  c->minor = QG_PSS_MAX_MINOR;
  if (c->pss_version && qg_pss_parse_version(c->pss_version, &c->minor) != QG_OK) {
    SAY_ERROR(c, "--pss-version takes v1.N (e.g. v1.30) or latest, not '%s'", c->pss_version);
    return QG_EUSAGE;
  }
  snprintf(c->out->pss_version, sizeof(c->out->pss_version), "v1.%u", c->minor);
  /* the configuration's kube_version was checked when it was read */
  const char *kube = c->o->kube_version ? c->o->kube_version : cfg->kube_version.s;
  if (kube && qg_kube_parse_version(kube, &c->out->kube_minor) != QG_OK) {
    SAY_ERROR(c,
              "--kube-version takes a Kubernetes release such as 1.29, v1.29 or 1.29.3, not '%s'",
              kube);
    return QG_EUSAGE;
  }
  c->out->kube_set = kube != NULL;
  bool shown[QG__SEV_COUNT];
  if (c->o->severity && parse_shown(c->o->severity, shown) != QG_OK) {
    SAY_ERROR(c,
              "--severity takes a severity (critical, high, medium, low, info: it and above) or "
              "a comma-separated list of them (exactly those), not '%s'",
              c->o->severity);
    return QG_EUSAGE;
  }
  if (c->fail_on && qg_gate_parse_fail_on(c->fail_on, &c->out->fail_on) != QG_OK) {
    SAY_ERROR(c, "--fail-on takes critical, high, medium, low, info or none, not '%s'", c->fail_on);
    return QG_EUSAGE;
  }
  return QG_OK;
}

/* The rule set: the configuration's, --select, --ignore, the command's groups and
 * the PSS level. */
static qg_status rule_set(run_ctx *c) {
  qg_run_out *out = c->out;
  qg_ruleset *rs = &out->rules;
  qg_ruleset_init(rs);
  if (out->have_cfg) {
    qg_result tmp;
    qg_result_init(&tmp);
    qg_status cst = qg_config_apply_rules(&out->cfg, rs, &tmp);
    qg_run_log_redacted(&out->log, &tmp);
    qg_result_cleanup(&tmp);
    if (cst != QG_OK)
      return QG_ECONFIG;
  }
  char *bad = NULL;
  bool first = true;
  for (size_t i = 0; i < c->o->nselect; i++) {
    if (qg_ruleset_select(rs, c->o->select[i], &first, &bad) != QG_OK) {
      SAY_ERROR(c, "--select: no rule or group '%.127s' (see 'qgate rules')", bad);
      free(bad);
      return QG_EUSAGE;
    }
  }
  for (size_t i = 0; i < c->o->nignore; i++) {
    if (qg_ruleset_ignore(rs, c->o->ignore[i], &bad) != QG_OK) {
      SAY_ERROR(c, "--ignore: no rule or group '%.127s' (see 'qgate rules')", bad);
      free(bad);
      return QG_EUSAGE;
    }
  }
  /* each command runs its own groups; the level decides which PSS rules run */
  qg_run_mode mode = c->o->mode;
  qg_pss_level level = out->pss_level;
  for (size_t i = 0; i < rs->n; i++) {
    unsigned fl = rs->rules[i]->flags;
    bool secret = (fl & QG_RULE_SECRET) != 0, arch = (fl & QG_RULE_ARCH) != 0;
    if (mode == QG_RUN_REVIEW ? !arch
                              : mode != QG_RUN_SCAN && (arch || (mode == QG_RUN_K8S) == secret))
      rs->on[i] = false;
    if (level == QG_PSS_OFF && (fl & (QG_RULE_BASELINE | QG_RULE_RESTRICTED)))
      rs->on[i] = false;
    if (level == QG_PSS_BASELINE && (fl & QG_RULE_RESTRICTED))
      rs->on[i] = false;
  }
  return QG_OK;
}

/* The score's signals (scan), the secrets engine, the review's redactor. */
static qg_status engines(run_ctx *c) {
  const qg_run_opts *o = c->o;
  qg_run_out *out = c->out;
  if (o->mode != QG_RUN_SCAN && (o->nsarif_in || o->ncoverage || o->nmetrics)) {
    SAY_ERROR(c, "--sarif-in, --coverage and --metrics feed the score: they go with 'qgate "
                 "scan'");
    return QG_EUSAGE;
  }
  if (o->mode == QG_RUN_SCAN) { /* invalid signals: nothing is scanned or written */
    qg_result tmp;
    qg_result_init(&tmp);
    bool ok = qg_run_read_signals(o, &out->cfg, &out->signals, &tmp);
    qg_run_log_redacted(&out->log, &tmp);
    qg_result_cleanup(&tmp);
    if (!ok)
      return QG_EPARSE;
  }
  if (o->mode == QG_RUN_SCAN || o->mode == QG_RUN_SECRETS) {
    qg_result tmp;
    qg_result_init(&tmp);
    qg_status est =
        qg_secrets_new(&out->rules, out->have_cfg ? &out->cfg.scan : NULL, &tmp, &out->engine);
    qg_run_log_diags(&out->log, &tmp);
    qg_result_cleanup(&tmp);
    if (est != QG_OK)
      return QG_ECONFIG;
  }
  /* in the pre-push hook the gate runs offline unless review.local says otherwise */
  const char *hook = getenv("QGATE_HOOK");
  /* a sharded scan reviews the change once, in shard 1: its findings are the change's */
  c->reviewing = (o->mode == QG_RUN_SCAN || o->mode == QG_RUN_REVIEW) &&
                 out->cfg.review.provider != QG_LLM_NONE &&
                 (o->mode == QG_RUN_REVIEW || !hook || !*hook || out->cfg.review.local) &&
                 o->shard_index <= 1;
  if (c->reviewing && !qg_run_new_redactor(&out->cfg, out->have_cfg, &out->redactor_rules,
                                           &out->redactor, &out->log))
    return QG_ECONFIG;
  return QG_OK;
}

/* The base revision: --base, else the CI's (scan, review), else for review the
 * default branch. */
static qg_status base_revision(run_ctx *c) {
  qg_run_out *out = c->out;
  qg_run_mode mode = c->o->mode;
  char *why = NULL;
  if (c->o->base) {
    if (qg_git_base_open(c->o->base, &out->git_base, &why) != QG_OK) {
      SAY_ERROR(c, "--base: %s", why);
      free(why);
      return QG_EGIT;
    }
    out->base = qg_xstrdup(c->o->base);
  } else if (mode == QG_RUN_SCAN || mode == QG_RUN_REVIEW) {
    /* the gate in a merge or pull request pipeline: the CI's base, when the clone
     * holds it (a shallow clone may not: then the change is not measured, and the
     * gate still runs) */
    const char *source = NULL;
    char *ci_base = qg_ci_base_rev(&source);
    if (ci_base && qg_git_base_open(ci_base, &out->git_base, &why) != QG_OK) {
      qg_run_say(&out->log, QG_DIAG_WARNING,
                 "the base revision from %s is not usable (%s): the change criteria are not "
                 "measured; fetch more history (actions/checkout fetch-depth: 0, GitLab "
                 "GIT_DEPTH: 0) or pass --base",
                 source, why);
      free(why);
      free(ci_base);
      ci_base = NULL;
    }
    out->base = ci_base;
  }
  if (out->rev && out->git_base) { /* the change is the commit scanned, not HEAD */
    if (qg_git_base_set_head(out->git_base, qg_git_rev_oid(out->rev), &why) != QG_OK) {
      SAY_ERROR(c, "--rev: %s", why);
      free(why);
      return QG_EGIT;
    }
  }
  if (mode == QG_RUN_REVIEW && !out->git_base && !out->base) {
    /* no base given or named by the CI: the default branch */
    static const char *const branches[] = {"origin/HEAD", "origin/main", "origin/master", "main",
                                           "master"};
    for (size_t i = 0; i < QG_ARRAY_LEN(branches) && !out->git_base; i++)
      if (qg_git_base_open(branches[i], &out->git_base, &why) == QG_OK)
        out->base = qg_xstrdup(branches[i]);
      else
        free(why);
    if (!out->git_base) {
      SAY_ERROR(c, "qgate review: no base revision: pass --base (no CI base, no main or "
                   "master)");
      return QG_EGIT;
    }
  }
  return QG_OK;
}

/* Scans the paths, then what follows every scan: the ignore file, the base comparison. */
static void scan_paths(run_ctx *c) {
  static const char *const dot[] = {"."};
  qg_run_out *out = c->out;
  qg_scan_paths(&c->scan, c->o->npaths ? c->o->paths : dot, c->o->npaths ? c->o->npaths : 1,
                &out->result);
}

/* The fingerprint a finding shows in the reports: the redactor reports use (built on
 * first need). */
static void shown_fingerprint(void *ud, const qg_finding *f, char out[17]) {
  qg_run_out *o = ud;
  qg_redact_fingerprint(qg_run_redactor(&o->redactor, &o->redactor_rules, &o->cfg, o->have_cfg), f,
                        out);
}

static void finish_scan(run_ctx *c) {
  qg_run_ignore_file(&c->out->result, &c->out->log, shown_fingerprint, c->out, c->out->rev);
  if (c->out->git_base)
    qg_scan_mark_base(&c->scan, c->out->git_base, &c->out->result);
}

/* QGATE_RENDER_TIMEOUT: seconds a Kustomize or Helm render may take (1-3600); 0 when
 * unset or invalid (the default, 120 s). */
static unsigned render_timeout_ms(void) {
  const char *v = getenv("QGATE_RENDER_TIMEOUT");
  char *end = NULL;
  long n = v && *v ? strtol(v, &end, 10) : 0;
  return end && !*end && n >= 1 && n <= 3600 ? (unsigned)n * 1000u : 0;
}

/* The walk, the base, --fix. */
static qg_status scan_and_fix(run_ctx *c) {
  const qg_run_opts *o = c->o;
  qg_run_out *out = c->out;
  c->scan = (qg_scan_config){
      .run_k8s = o->mode != QG_RUN_SECRETS,
      .secrets = out->engine,
      .k8s = {.rules = &out->rules,
              .policy = out->have_cfg ? &out->cfg.scan : NULL,
              .pss_level = out->pss_level,
              .pss_minor = c->minor,
              .kube_set = out->kube_set,
              .kube_minor = out->kube_minor,
              .complete = o->complete_input || (out->have_cfg && out->cfg.complete_input)},
      .max_file_size = o->max_file_size,
      .stdin_fp = o->in,
      .use_gitignore = !o->no_gitignore,
      .jobs = o->jobs,
      .shard_index = o->shard_index,
      .shard_count = o->shard_count,
      .order = o->shard_count ? &out->order : NULL,
      .exclude = o->exclude,
      .nexclude = o->nexclude,
      .allow_no_objects = o->allow_no_objects,
      .rev = out->rev,
      /* the engines are found on the caller's PATH; which Kustomize engine is the
       * environment's choice (trusted), never the repository's */
      /* a commit's tree (--rev) is read from git: no engine renders it */
      .render = {.on = !out->rev,
                 .path = getenv("PATH"),
                 .kustomize = getenv("QGATE_KUSTOMIZE"),
                 .timeout_ms = render_timeout_ms(),
                 .charts = out->have_cfg ? &out->cfg.helm : NULL},
  };
  if (o->mode != QG_RUN_REVIEW)
    scan_paths(c);
  qg_status st = base_revision(c);
  if (st != QG_OK)
    return st;
  if (o->mode != QG_RUN_REVIEW)
    finish_scan(c);
  if (o->dry_run && !o->fix && o->mode != QG_RUN_REVIEW) {
    SAY_ERROR(c, "--dry-run goes with --fix");
    return QG_EUSAGE;
  }
  if (o->fix) {
    /* the diff, and the paths in what --fix says */
    qg_secrets *fix_red =
        qg_run_redactor(&out->redactor, &out->redactor_rules, &out->cfg, out->have_cfg);
    qg_status fst = qg_run_fixes(&c->scan, &out->result, o->fix_level, o->dry_run, o->fix_diff_out,
                                 fix_red, &out->log);
    if (fst == QG_EIO)
      return QG_EIO;
    c->fix_refused = fst != QG_OK;
    if (!o->dry_run) { /* report what is left */
      qg_result_cleanup(&out->result);
      qg_result_init(&out->result);
      scan_paths(c);
      finish_scan(c);
    }
  }
  c->walked = out->result.findings.n; /* what the review adds comes after */
  return QG_OK;
}

/* review.incremental without QGATE_REVIEW_SINCE: the last reviewed head the caller finds
 * (the pull request's summary comment), checked as a commit id before it is used. */
static void last_reviewed(run_ctx *c) {
  qg_run_out *out = c->out;
  qg_review_config *rc = &out->cfg.review;
  if (!rc->incremental || rc->since || !c->o->last_reviewed)
    return;
  char *note = NULL;
  char *head = c->o->last_reviewed(c->o->last_reviewed_ud, out->redactor, &note);
  size_t n = head ? strspn(head, "0123456789abcdef") : 0;
  if (head && (n == 40 || n == 64) && !head[n]) {
    rc->since = head;
    head = NULL;
  }
  if (note)
    qg_run_say(&out->log, QG_DIAG_NOTE, "review.incremental: %s", note);
  free(note);
  free(head);
}

/* review.incremental used (cfg.since an ancestor of the head, as the review checks it):
 * the files changed since then, the only ones the review looked at; every other file's
 * architecture findings were not looked for (their comments are kept). */
static void arch_scope(run_ctx *c, const char *head) {
  qg_run_out *out = c->out;
  const qg_review_config *rc = &out->cfg.review;
  if (!rc->incremental || !rc->since || !*rc->since)
    return;
  char *id = qg_git_commit_id(rc->since), *why = NULL;
  qg_change_opts so = {0};
  so.base = rc->since;
  so.head = head;
  so.context_lines = 1;
  so.exclude = (const char *const *)rc->exclude;
  so.nexclude = rc->nexclude;
  qg_change ch;
  memset(&ch, 0, sizeof(ch));
  if (id && qg_change_read(&so, &ch, &why) == QG_OK && strcmp(ch.base_oid, id) == 0) {
    out->arch_scoped = true;
    out->arch_paths = qg_xcalloc(ch.n ? ch.n : 1, sizeof(*out->arch_paths));
    for (size_t i = 0; i < ch.n; i++)
      if (ch.files[i].path)
        out->arch_paths[out->narch_paths++] = qg_xstrdup(ch.files[i].path);
  }
  qg_change_cleanup(&ch);
  free(why);
  free(id);
}

/* The architecture review, when it runs. */
static qg_status review(run_ctx *c) {
  const qg_run_opts *o = c->o;
  qg_run_out *out = c->out;
  qg_review_outcome *rv = &out->review;
  if (!c->reviewing)
    return QG_OK;
  out->reviewed = true;
  if (!out->base) {
    qg_review_set_reason(rv, "no base revision (--base)");
  } else {
    qg_review_run rr = {&out->cfg.review,
                        &out->rules,
                        out->redactor,
                        out->base,
                        NULL,
                        o->dry_run ? o->dry_run_out : NULL,
                        out->rev ? qg_git_rev_oid(out->rev) : NULL};
    last_reviewed(c);
    qg_status rst = qg_review(&rr, &out->result, rv);
    if (rst == QG_EUSAGE || (rst == QG_EGIT && o->mode == QG_RUN_REVIEW)) {
      SAY_ERROR(c, "review: %s", rv->reason ? rv->reason : "failed");
      return rst;
    }
    qg_run_review_summary(rv, out->redactor, &out->log);
    if (rst == QG_OK) {
      arch_scope(c, rr.head);
      if (rv->state == QG_REVIEW_DONE && !o->dry_run)
        out->reviewed_head = qg_git_commit_id(rr.head ? rr.head : "HEAD");
    }
    if (o->mode == QG_RUN_REVIEW)
      out->result.stats.files = rv->files;
    out->review_failed = out->cfg.review.required && !o->dry_run &&
                         (rv->state == QG_REVIEW_FAILED || rv->state == QG_REVIEW_PARTIAL);
  }
  out->signals.review.measured =
      rv->state == QG_REVIEW_DONE || (rv->state == QG_REVIEW_PARTIAL && rv->violations);
  out->signals.review.violations = rv->violations;
  out->signals.review.reason = rv->reason ? rv->reason : "";
  return QG_OK;
}

/* scan: the change's signal and the score. */
static qg_status score(run_ctx *c) {
  const qg_run_opts *o = c->o;
  qg_run_out *out = c->out;
  if (o->mode == QG_RUN_SCAN && !c->reviewing && o->shard_index > 1 &&
      out->cfg.review.provider != QG_LLM_NONE)
    out->signals.review.reason = "reviewed by shard 1 (--shard)";
  if (o->mode != QG_RUN_SCAN)
    return QG_OK;
  if (out->git_base &&
      !qg_run_change_signal(out->git_base, &out->cfg, &out->signals.change, &out->log))
    return QG_EGIT;
  out->signals.findings = &out->result;
  for (size_t i = 0; i < out->rules.n && out->engine; i++) /* measured when a secrets rule ran */
    out->signals.scanned_secrets |=
        out->rules.on[i] && (out->rules.rules[i]->flags & QG_RULE_SECRET);
  qg_score_compute(&out->cfg.score, &out->signals, &out->score);
  out->scored = true;
  return QG_OK;
}

/* The configuration as read, for the merge to check that every shard read the same:
 * FNV-1a of the file and the profile's name. False when the file cannot be read. */
static bool config_digest(const qg_config *cfg, const char *profile, char out[17]) {
  unsigned char *buf = NULL;
  size_t len = 0;
  int err_no = 0;
  if (!cfg->path || qg_read_all(cfg->path, NULL, QG_SIGNAL_MAX_BYTES, &buf, &len, &err_no) != QG_OK)
    return false;
  uint64_t h = qg_hash64(buf, len, QG_HASH_SEED);
  free(buf);
  if (profile)
    h = qg_hash64(profile, strlen(profile) + 1, h);
  snprintf(out, 17, "%016llx", (unsigned long long)h);
  return true;
}

/* --shard: what qgate merge reads. */
static void shard_meta(run_ctx *c) {
  const qg_run_opts *o = c->o;
  qg_run_out *out = c->out;
  char digest[17];
  bool scan = o->mode == QG_RUN_SCAN;
  qg_shard_meta sm = {
      .index = o->shard_index,
      .count = o->shard_count,
      .config_digest =
          out->have_cfg && config_digest(&out->cfg, o->profile, digest) ? digest : NULL,
      .rules = &out->rules,
      .base = o->mode == QG_RUN_REVIEW ? NULL : out->base,
      .policy = scan ? &out->cfg.score : NULL,
      .signals = scan ? &out->signals : NULL,
      .walked = c->walked,
      .diag_walk = out->order.walk,
      .ndiag_walk = out->order.n,
      .review_failed = out->review_failed,
  };
  out->shard = qg_shard_json(&sm, &out->result);
}

static void out_init(qg_run_out *out) {
  memset(out, 0, sizeof(*out));
  qg_result_init(&out->log);
  qg_result_init(&out->result);
  qg_config_init(&out->cfg);
  out->fail_on = QG_FAIL_ON_DEFAULT;
  out->pss_level = QG_PSS_RESTRICTED;
}

/* --rev: what goes with it, and the commit. */
static qg_status open_rev(run_ctx *c) {
  const qg_run_opts *o = c->o;
  if (o->mode == QG_RUN_REVIEW) {
    SAY_ERROR(c, "--rev goes with scan, k8s and secrets (review reads the change since --base)");
    return QG_EUSAGE;
  }
  if (o->fix) {
    SAY_ERROR(c, "--fix rewrites files of the work tree and --rev scans a commit: use one or "
                 "the other");
    return QG_EUSAGE;
  }
  for (size_t i = 0; i < o->npaths; i++) {
    if (strcmp(o->paths[i], "-") == 0) {
      SAY_ERROR(c, "--rev scans a commit's tree: '-' (standard input) does not go with it");
      return QG_EUSAGE;
    }
  }
  char *why = NULL;
  if (qg_git_rev_open(o->rev, &c->out->rev, &why) != QG_OK) {
    SAY_ERROR(c, "--rev: %s", why);
    free(why);
    return QG_EGIT;
  }
  return QG_OK;
}

qg_status qg_run(const qg_run_opts *opts, qg_run_out *out) {
  run_ctx c = {.o = opts, .out = out};
  out_init(out);
  out->log.listener = opts->on_log;
  out->log.listener_arg = opts->on_log_arg;
  qg_status st = opts->rev ? open_rev(&c) : QG_OK;
  if (st != QG_OK)
    return st;
  st = opts->rev
           ? qg_run_load_config_rev(opts->config, opts->profile, out->rev, &out->cfg,
                                    &out->have_cfg, &out->log)
           : qg_run_load_config(opts->config, opts->profile, &out->cfg, &out->have_cfg, &out->log);
  if (st != QG_OK)
    return st;
  if (opts->mode == QG_RUN_SCAN) /* the command line wins over the policy */
    qg_gate_min_score(&out->cfg.score, opts->min_score);
  if ((st = review_settings(&c)) != QG_OK || (st = gate_settings(&c)) != QG_OK ||
      (st = rule_set(&c)) != QG_OK || (st = engines(&c)) != QG_OK ||
      (st = scan_and_fix(&c)) != QG_OK || (st = review(&c)) != QG_OK || (st = score(&c)) != QG_OK)
    return st;
  /* every text of the result is redacted before anything shows it: object names,
   * messages, echoed annotation values, diagnostics */
  if (out->result.findings.n || out->result.diags.n || opts->redact_all)
    qg_redact_result(
        qg_run_redactor(&out->redactor, &out->redactor_rules, &out->cfg, out->have_cfg),
        &out->result);
  /* runtime error > input error > gate failure; either error holds the approval */
  qg_gate_decide(&out->result, out->fail_on, out->scored ? &out->score : NULL, c.fix_refused,
                 &out->gate);
  if (opts->shard_count)
    shard_meta(&c);
  /* what the reports show, after the gate and the score, which saw every finding; a
   * shard's report keeps them all: 'qgate merge' decides the gate and hides them */
  if (!opts->shard_count)
    (void)qg_run_hide(&out->result, opts->severity, out->base && !opts->show_base,
                      &out->hidden_severity, &out->hidden_base);
  return QG_OK;
}

int qg_run_stop_status(qg_status st) { return st == QG_EIO ? QG_EXIT_RUNTIME : QG_EXIT_INPUT; }

void qg_run_report(const qg_run_out *out, qg_run_mode mode, qg_report *rep) {
  static const char *const commands[] = {"k8s", "secrets", "scan", "review"};
  memset(rep, 0, sizeof(*rep));
  rep->result = &out->result;
  rep->rules = &out->rules;
  rep->command = commands[mode];
  rep->pss_level = out->pss_level == QG_PSS_OFF        ? "off"
                   : out->pss_level == QG_PSS_BASELINE ? "baseline"
                                                       : "restricted";
  rep->pss_version = out->pss_version;
  rep->fail_on = out->fail_on.min;
  rep->fail_never = out->fail_on.never;
  rep->gate_failed = out->gate.failed;
  rep->incomplete = out->gate.io_error || out->gate.input_error;
  rep->base = mode == QG_RUN_REVIEW ? NULL : out->base;
  rep->srcroot = out->rev ? qg_git_rev_workdir(out->rev) : NULL;
  rep->score = out->scored ? &out->score : NULL;
  rep->review = out->reviewed ? &out->review : NULL;
  rep->shard = out->shard;
  rep->hidden_severity = out->hidden_severity;
  rep->hidden_base = out->hidden_base;
}

void qg_run_out_cleanup(qg_run_out *out) {
  cJSON_Delete(out->shard);
  qg_scan_order_cleanup(&out->order);
  qg_review_outcome_cleanup(&out->review);
  free(out->reviewed_head);
  for (size_t i = 0; i < out->narch_paths; i++)
    free(out->arch_paths[i]);
  free(out->arch_paths);
  qg_secrets_free(&out->redactor);
  qg_ruleset_cleanup(&out->redactor_rules);
  free(out->base);
  qg_git_base_free(&out->git_base);
  qg_git_rev_free(&out->rev);
  qg_result_cleanup(&out->result);
  qg_secrets_free(&out->engine);
  qg_ruleset_cleanup(&out->rules);
  qg_config_cleanup(&out->cfg);
  qg_result_cleanup(&out->log);
}
