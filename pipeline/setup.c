/* setup.c: what a run and a merge set up before they scan or report: the
 * configuration, the redaction engine, and the messages of the run's log. */
#include "core/escape.h"
#include "core/fs.h"
#include "core/git.h"
#include "pipeline/internal.h"
#include "reporters/reporter.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void qg_run_say(qg_result *log, qg_diag_level level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *m = qg_xvasprintf(fmt, ap);
  va_end(ap);
  qg_result_diag(log, level, QG_OK, NULL, "%s", m);
  free(m);
}

void qg_run_log_diags(qg_result *log, const qg_result *r) {
  for (size_t i = 0; i < r->diags.n; i++) {
    const qg_diag *d = &r->diags.items[i];
    qg_result_diag(log, d->level, d->status, &d->loc, "%s", d->message);
  }
}

/* The credentials qgate may hold, from the environment: masked (qg_redact)
 * wherever a server or the repository echoes them. */
static void add_env_credentials(qg_secrets *red, const qg_config *cfg) {
  static const char *const vars[] = {
      "OPENAI_API_KEY",    "ANTHROPIC_API_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN", "GITHUB_TOKEN",      "GH_TOKEN",          "GITLAB_TOKEN",
      "CI_JOB_TOKEN",      "SLACK_WEBHOOK_URL"};
  for (size_t i = 0; i <= QG_ARRAY_LEN(vars); i++) {
    const char *name = i < QG_ARRAY_LEN(vars) ? vars[i] : cfg->review.api_key_env;
    const char *v = name ? getenv(name) : NULL;
    if (v)
      qg_secrets_add_known(red, v, strlen(v));
  }
}

bool qg_run_new_redactor(const qg_config *cfg, bool have_cfg, qg_ruleset *rs, qg_secrets **out,
                         qg_result *log) {
  qg_ruleset_init(rs);
  qg_result tmp;
  qg_result_init(&tmp);
  qg_status st = have_cfg ? qg_config_apply_rules(cfg, rs, &tmp) : QG_OK;
  for (size_t i = 0; i < rs->n; i++)
    if (rs->rules[i]->flags & QG_RULE_SECRET)
      rs->on[i] = true;
  if (st == QG_OK)
    st = qg_secrets_new(rs, have_cfg ? &cfg->scan : NULL, &tmp, out);
  if (st != QG_OK && !log) {
    qg_secrets_free(out);
    st = qg_secrets_new(rs, NULL, &tmp, out);
  }
  if (log)
    qg_run_log_diags(log, &tmp);
  qg_result_cleanup(&tmp);
  if (st == QG_OK) {
    add_env_credentials(*out, cfg);
  } else {
    qg_secrets_free(out);
    qg_ruleset_cleanup(rs); /* ready for another try */
  }
  return st == QG_OK;
}

qg_secrets *qg_run_redactor(qg_secrets **red, qg_ruleset *rs, const qg_config *cfg, bool have_cfg) {
  if (!*red)
    (void)qg_run_new_redactor(cfg, have_cfg, rs, red, NULL);
  return *red;
}

void qg_run_log_redacted(qg_result *log, qg_result *r) {
  if (r->diags.n) {
    qg_config none;
    qg_config_init(&none);
    qg_ruleset rs = {0};
    qg_secrets *red = NULL;
    if (qg_run_new_redactor(&none, false, &rs, &red, NULL))
      qg_redact_result(red, r);
    qg_secrets_free(&red);
    qg_ruleset_cleanup(&rs);
    qg_config_cleanup(&none);
  }
  qg_run_log_diags(log, r);
}

char *qg_run_redacted(qg_secrets *red, const char *s) {
  return qg_redact(red, s ? s : "", s ? strlen(s) : 0, NULL, NULL, NULL);
}

/* The configuration's path: FILE, or .qgate.yml at the repository root when it
 * exists (NULL when not), named as the diagnostics show it (./.qgate.yml from the
 * root). *root: the repository root (else the current directory), caller frees.
 * QG_ECONFIG (said in log) when the repository's own file is a link out of it. */
static qg_status config_path(const char *config, char **path, char **root, qg_result *log) {
  char cwd[PATH_MAX], real[PATH_MAX];
  *path = NULL;
  *root = qg_git_workdir(".");
  bool here = !*root || (getcwd(cwd, sizeof(cwd)) && realpath(*root, real) && !strcmp(real, cwd));
  if (!*root)
    *root = qg_xstrdup(getcwd(cwd, sizeof(cwd)) ? cwd : ".");
  if (config) {
    *path = qg_xstrdup(config);
    return QG_OK;
  }
  /* .qgate.yml or .qgate.yaml; both is an error: which one is the policy would be a guess */
  char *cand = qg_xasprintf("%s/.qgate.yml", here ? "." : *root);
  char *alt = qg_xasprintf("%s/.qgate.yaml", here ? "." : *root);
  bool yml = access(cand, F_OK) == 0, yaml = access(alt, F_OK) == 0;
  if (yml && yaml) {
    qg_run_say(log, QG_DIAG_ERROR,
               "both %s and %s exist: remove one (qgate reads one configuration file)", cand, alt);
    free(cand);
    free(alt);
    return QG_ECONFIG;
  }
  if (yml)
    *path = cand, free(alt);
  else if (yaml)
    *path = alt, free(cand);
  else
    free(cand), free(alt);
  /* the repository's own file: a link out of it (to /dev/stdin, to a file of the
   * runner's) is not followed */
  char *rroot = *path ? qg_fs_realdir(*root) : NULL;
  int e = rroot ? qg_fs_inside(rroot, *path) : 0;
  free(rroot);
  if (!e)
    return QG_OK;
  qg_result tmp;
  qg_result_init(&tmp);
  qg_location loc = {*path, 0, 0, 0, 0};
  qg_result_diag(&tmp, QG_DIAG_ERROR, QG_ECONFIG, &loc, "cannot read the configuration: %s",
                 qg_fs_strerror(e));
  qg_run_log_diags(log, &tmp);
  qg_result_cleanup(&tmp);
  free(*path);
  *path = NULL;
  return QG_ECONFIG;
}

qg_status qg_run_load_config(const char *config, const char *profile, qg_config *cfg, bool *loaded,
                             qg_result *log) {
  char *path = NULL, *root = NULL;
  *loaded = false;
  /* QGATE_CONFIG: the workflow's --config (the command line wins); trusted, as
   * --config, only when it lies outside the checkout. Empty: not set. */
  const char *env = getenv("QGATE_CONFIG");
  if (!config && env && *env)
    config = env;
  qg_status st = config_path(config, &path, &root, log);
  if (st != QG_OK) {
    free(root);
    return st;
  }
  if (path && !(config && qg_config_path_trusted(path, root)))
    qg_config_set_untrusted(cfg, root);
  free(root);
  if (!path) {
    if (!profile)
      return QG_OK;
    qg_run_say(log, QG_DIAG_ERROR,
               "--profile %s: there is no configuration (.qgate.yml, .qgate.yaml, --config or "
               "QGATE_CONFIG)",
               profile);
    return QG_ECONFIG;
  }
  qg_result tmp;
  qg_result_init(&tmp);
  st = qg_config_load(cfg, path, profile, &tmp);
  free(path);
  qg_run_log_redacted(log, &tmp);
  qg_result_cleanup(&tmp);
  *loaded = true;
  return st == QG_OK ? QG_OK : QG_ECONFIG;
}

#define QG_CONFIG_MAX_BYTES (1u << 20) /* config/config.c's cap: a bigger one is refused there */

qg_status qg_run_load_config_rev(const char *config, const char *profile, qg_git_rev *rev,
                                 qg_config *cfg, bool *loaded, qg_result *log) {
  const char *env = getenv("QGATE_CONFIG");
  if (config || (env && *env)) /* named by the workflow: read as named */
    return qg_run_load_config(config ? config : env, profile, cfg, loaded, log);
  *loaded = false;
  static const char *const names[] = {".qgate.yml", ".qgate.yaml"};
  const char *wd = qg_git_rev_workdir(rev);
  for (size_t i = 0; i < QG_ARRAY_LEN(names); i++) {
    qg_git_kind k = qg_git_rev_kind(rev, names[i]);
    if (k == QG_GIT_NONE)
      continue;
    char *label = qg_xasprintf("%.12s:%s", qg_git_rev_oid(rev), names[i]);
    qg_result tmp;
    qg_result_init(&tmp);
    qg_location loc = {label, 0, 0, 0, 0};
    unsigned char *buf = NULL;
    size_t len = 0;
    bool binary = false;
    qg_status st = k != QG_GIT_FILE ? QG_EPARSE
                                    : qg_git_rev_read(rev, names[i], QG_CONFIG_MAX_BYTES + 1, 0,
                                                      &buf, &len, &binary);
    if (st != QG_OK) {
      qg_result_diag(&tmp, QG_DIAG_ERROR, QG_ECONFIG, &loc, "cannot read the configuration: %s",
                     k == QG_GIT_LINK   ? "a symbolic link in the commit (not followed)"
                     : k != QG_GIT_FILE ? "not a file in the commit"
                     : st == QG_ETOOBIG ? "larger than 1 MiB"
                                        : "the object database cannot be read");
    } else {
      /* the repository's own file, as a checkout's .qgate.yml is: untrusted, its paths
       * relative to the repository root */
      qg_config_set_untrusted(cfg, wd);
      cfg->root = qg_xstrdup(wd);
      cfg->scan.root = qg_xstrdup(wd);
      st = qg_config_load_buffer(cfg, label, (const char *)buf, len, profile, &tmp);
      *loaded = true;
    }
    free(buf);
    qg_run_log_redacted(log, &tmp);
    qg_result_cleanup(&tmp);
    free(label);
    return st == QG_OK ? QG_OK : QG_ECONFIG;
  }
  if (!profile)
    return QG_OK;
  qg_run_say(log, QG_DIAG_ERROR,
             "--profile %s: commit %.12s has no configuration (.qgate.yml; or --config)", profile,
             qg_git_rev_oid(rev));
  return QG_ECONFIG;
}

void qg_run_review_summary(const qg_review_outcome *rv, qg_secrets *red, qg_result *log) {
  if (rv->state == QG_REVIEW_FAILED || rv->state == QG_REVIEW_NOT_CONFIGURED) {
    char *t = qg_run_redacted(red, rv->reason);
    qg_run_say(log, QG_DIAG_NOTE, "review: not measured: %s", t);
    free(t);
  } else {
    char *t = rv->state == QG_REVIEW_PARTIAL ? qg_run_redacted(red, rv->reason) : NULL;
    qg_run_say(log, QG_DIAG_NOTE,
               "review: %zu file%s in %zu chunk%s (%zu request%s, %zu from the cache): %zu "
               "violation%s, %zu below the confidence threshold%s%s",
               rv->files, rv->files == 1 ? "" : "s", rv->chunks, rv->chunks == 1 ? "" : "s",
               rv->requests, rv->requests == 1 ? "" : "s", rv->cached, rv->violations,
               rv->violations == 1 ? "" : "s", rv->unconfirmed, t ? "; partial: " : "", t ? t : "");
    free(t);
  }
  char *usage = rv->state == QG_REVIEW_DONE || rv->state == QG_REVIEW_PARTIAL || rv->estimated
                    ? qg_review_usage(rv)
                    : NULL;
  if (usage)
    qg_run_say(log, QG_DIAG_NOTE, "review: %s", usage);
  free(usage);
  /* what servers and the model said may echo a credential; the printer escapes it */
  for (size_t i = 0; i < rv->nskipped; i++) {
    char *t = qg_run_redacted(red, rv->skipped[i]);
    qg_run_say(log, QG_DIAG_NOTE, "review: skipped: %s", t);
    free(t);
  }
  for (size_t i = 0; i < rv->nnotes; i++) {
    char *t = qg_run_redacted(red, rv->notes[i]);
    qg_run_say(log, QG_DIAG_NOTE, "review: note: %s", t);
    free(t);
  }
}
