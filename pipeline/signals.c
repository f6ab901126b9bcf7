/* signals.c: the score's signals that are not qgate's findings: other tools'
 * SARIF, coverage and metrics files, and what the change touched. */
#include "core/glob.h"
#include "pipeline/internal.h"
#include "scoring/signals.h"

#include <stdlib.h>

/* A path from the configuration: relative to the configuration's directory. */
static char *cfg_path(const qg_config *cfg, const char *p) {
  if (p[0] == '/' || !cfg->root)
    return qg_xstrdup(p);
  return qg_xasprintf("%s/%s", cfg->root, p);
}

/* Reads every SARIF, coverage and metrics file named on the command line or
 * in the configuration. Problems go to diags; returns false when any file
 * was invalid (then nothing is scored). */
bool qg_run_read_signals(const qg_run_opts *o, const qg_config *cfg, qg_signals *sig,
                         qg_result *diags) {
  bool ok = true;
  for (int kind = 0; kind < 3; kind++) {
    const char *const *cli = kind == 0 ? o->sarif_in : kind == 1 ? o->coverage : o->metrics;
    size_t ncli = kind == 0 ? o->nsarif_in : kind == 1 ? o->ncoverage : o->nmetrics;
    const qg_cfglist *cl = kind == 0   ? &cfg->sarif_in
                           : kind == 1 ? &cfg->coverage_in
                                       : &cfg->metrics_in;
    /* the command line's files replace the configuration's */
    size_t n = ncli ? ncli : cl->n;
    for (size_t i = 0; i < n; i++) {
      char *path = ncli ? qg_xstrdup(cli[i]) : cfg_path(cfg, cl->items[i].s);
      qg_status st = kind == 0   ? qg_sarif_import(path, &sig->sarif, diags)
                     : kind == 1 ? qg_coverage_read(path, QG_COV_AUTO, &sig->coverage, diags)
                                 : qg_metrics_read(path, &sig->metrics, diags);
      ok &= st == QG_OK;
      free(path);
    }
  }
  return ok;
}

/* Does path match the configured globs, or the defaults when none are set? */
static bool any_match(const qg_cfglist *l, const char *const *deflt, size_t ndeflt,
                      const char *path) {
  if (!l->n)
    return qg_glob_list_match(deflt, ndeflt, path, false);
  const char **pats = qg_xcalloc(l->n, sizeof(*pats));
  for (size_t i = 0; i < l->n; i++)
    pats[i] = l->items[i].s;
  bool hit = qg_glob_list_match(pats, l->n, path, false);
  free(pats);
  return hit;
}

#define QG_MAX_CHANGED 1000000

/* What the change touched, from the base revision to HEAD. */
bool qg_run_change_signal(qg_git_base *base, const qg_config *cfg, qg_change_signal *ch,
                          qg_result *log) {
  static const char *const readme[] = {"README*", "Readme*", "readme*"};
  static const char *const api[] = {"api/", "*.proto", "*.graphql"};
  static const char *const openapi[] = {"openapi*.yaml", "openapi*.yml", "openapi*.json",
                                        "swagger*.yaml", "swagger*.yml", "swagger*.json"};
  char **paths = NULL, *why = NULL;
  size_t n = 0;
  if (qg_git_base_changed(base, QG_MAX_CHANGED, &paths, &n, &why) != QG_OK) {
    qg_run_say(log, QG_DIAG_ERROR, "--base: %s", why);
    free(why);
    for (size_t i = 0; i < n; i++)
      free(paths[i]);
    free(paths);
    return false;
  }
  ch->measured = true;
  ch->files = n;
  for (size_t i = 0; i < n; i++) {
    bool is_openapi = any_match(&cfg->openapi_globs, openapi, QG_ARRAY_LEN(openapi), paths[i]);
    ch->readme_changed |= any_match(&cfg->readme_globs, readme, QG_ARRAY_LEN(readme), paths[i]);
    ch->openapi_changed |= is_openapi;
    ch->api_changed |= !is_openapi && any_match(&cfg->api_globs, api, QG_ARRAY_LEN(api), paths[i]);
    free(paths[i]);
  }
  free(paths);
  return true;
}
