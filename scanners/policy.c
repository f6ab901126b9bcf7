/* policy.c: the scanners' settings from configuration: excludes and
 * exemptions (see policy.h). */
#include "scanners/policy.h"
#include "core/glob.h"
#include "core/mem.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void qg_scan_policy_cleanup(qg_scan_policy *p) {
  free(p->root);
  free(p->cwd_rel);
  qg_cfglist_free(&p->exclude);
  for (size_t i = 0; i < p->nexemptions; i++) {
    qg_cfglist_free(&p->exemptions[i].namespaces);
    qg_cfglist_free(&p->exemptions[i].objects);
    qg_cfglist_free(&p->exemptions[i].rules);
    free(p->exemptions[i].reason);
  }
  free(p->exemptions);
  for (size_t i = 0; i < p->ncustom; i++) {
    for (size_t j = 0; j < QG_ARRAY_LEN(p->custom[i].strings); j++)
      free(p->custom[i].strings[j]);
    qg_cfglist_free(&p->custom[i].kinds);
    qg_cfglist_free(&p->custom[i].values);
    free(p->custom[i].path);
    free(p->custom[i].regex);
    free(p->custom[i].keywords);
  }
  free(p->custom);
  for (size_t i = 0; i < p->npod_templates; i++) {
    free(p->pod_templates[i].group);
    free(p->pod_templates[i].version);
    free(p->pod_templates[i].kind);
    free(p->pod_templates[i].spec);
    free(p->pod_templates[i].meta);
  }
  free(p->pod_templates);
  memset(p, 0, sizeof(*p));
}

/* Does rel (relative to the configuration's directory) match an exclude? */
static bool match_rel(const qg_scan_policy *c, const char *rel, bool is_dir) {
  if (!rel || !*rel || strcmp(rel, ".") == 0)
    return false;
  const char **pats = qg_xcalloc(c->exclude.n, sizeof(*pats));
  for (size_t i = 0; i < c->exclude.n; i++)
    pats[i] = c->exclude.items[i].s;
  bool hit = qg_glob_list_match(pats, c->exclude.n, rel, is_dir);
  free(pats);
  return hit;
}

bool qg_scan_policy_excluded(const qg_scan_policy *c, const char *path, bool is_dir) {
  if (!c || !c->exclude.n || !c->root)
    return false;
  /* the path relative to the configuration's directory: a relative path is
   * joined to where the current directory lies (computed once, at load) */
  char real[PATH_MAX];
  char *owned = NULL;
  const char *rel = NULL;
  if (path[0] != '/' && !strstr(path, "..")) {
    if (!c->cwd_rel)
      return false; /* the current directory is outside the configured tree */
    while (path[0] == '.' && path[1] == '/')
      path += 2;
    rel = owned = *c->cwd_rel ? qg_xasprintf("%s/%s", c->cwd_rel, path) : qg_xstrdup(path);
  } else {
    if (path[0] != '/') {
      char cwd[PATH_MAX];
      if (!getcwd(cwd, sizeof(cwd)))
        return false;
      owned = qg_xasprintf("%s/%s", cwd, path);
    }
    const char *abs = realpath(owned ? owned : path, real) ? real : (owned ? owned : path);
    size_t rl = strlen(c->root);
    if (strncmp(abs, c->root, rl) == 0 && (abs[rl] == '/' || abs[rl] == '\0'))
      rel = abs[rl] ? abs + rl + 1 : ".";
  }
  bool hit = match_rel(c, rel, is_dir);
  free(owned);
  return hit;
}

bool qg_scan_policy_excluded_rel(const qg_scan_policy *c, const char *workdir, const char *rel,
                                 bool is_dir) {
  if (!c || !c->exclude.n || !c->root || !*rel)
    return false;
  char *abs = qg_xasprintf("%s/%s", workdir, rel);
  size_t rl = strlen(c->root);
  while (rl > 1 && c->root[rl - 1] == '/')
    rl--;
  bool hit = strncmp(abs, c->root, rl) == 0 && (abs[rl] == '/' || rl == 1) &&
             match_rel(c, abs + rl + (abs[rl] == '/'), is_dir);
  free(abs);
  return hit;
}

static bool glob_any(const qg_cfglist *l, const char *s) {
  for (size_t i = 0; i < l->n; i++)
    if (fnmatch(l->items[i].s, s ? s : "", 0) == 0)
      return true;
  return false;
}

const qg_exemption *qg_scan_policy_exempt(const qg_scan_policy *c, const qg_rule *r,
                                          const char *kind, const char *ns, const char *name) {
  if (!c)
    return NULL;
  for (size_t i = 0; i < c->nexemptions; i++) {
    const qg_exemption *x = &c->exemptions[i];
    bool rule_ok = !x->rules.n;
    for (size_t j = 0; j < x->rules.n && !rule_ok; j++)
      rule_ok = qg_rule_named(r, x->rules.items[j].s, strlen(x->rules.items[j].s));
    if (!rule_ok)
      continue;
    if (x->namespaces.n && !glob_any(&x->namespaces, ns ? ns : "default"))
      continue;
    if (x->objects.n) {
      char *full =
          qg_xasprintf("%s/%s/%s", kind ? kind : "", ns ? ns : "default", name ? name : "");
      char *short_ = qg_xasprintf("%s/%s", kind ? kind : "", name ? name : "");
      bool hit = false;
      for (size_t j = 0; j < x->objects.n && !hit; j++) {
        const char *pat = x->objects.items[j].s;
        size_t slashes = 0;
        for (const char *q = pat; *q; q++)
          slashes += *q == '/';
        hit = fnmatch(pat, slashes == 2 ? full : short_, 0) == 0;
      }
      free(full);
      free(short_);
      if (!hit)
        continue;
    }
    return x;
  }
  return NULL;
}

const qg_pod_template *qg_scan_policy_pod_template(const qg_scan_policy *c, const char *api_version,
                                                   const char *kind) {
  if (!c || !api_version || !kind)
    return NULL;
  const char *slash = strchr(api_version, '/');
  if (!slash)
    return NULL; /* the core group: no custom kinds */
  size_t gl = (size_t)(slash - api_version);
  for (size_t i = 0; i < c->npod_templates; i++) {
    const qg_pod_template *t = &c->pod_templates[i];
    if (strcmp(t->kind, kind) == 0 && strlen(t->group) == gl &&
        strncmp(t->group, api_version, gl) == 0 &&
        (!t->version || strcmp(t->version, slash + 1) == 0))
      return t;
  }
  return NULL;
}

bool qg_scan_policy_dotted_path(const char *path) {
  size_t n = strlen(path);
  if (n == 0 || n > QG_POD_TEMPLATE_MAX_PATH || path[0] == '.' || path[n - 1] == '.')
    return false;
  for (const char *s = path; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '.' ? s[1] == '.'
                  : !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
      return false;
  }
  return true;
}
