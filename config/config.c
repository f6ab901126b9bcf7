/* config.c: .qgate.yml. */
#include "config/config.h"
#include "core/fs.h"
#include "core/yamldoc.h"
#include "scanners/k8s/k8s.h"
#include "scoring/gate.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CONFIG_SIZE (1u << 20)

typedef struct parser {
  qg_config *c;
  qg_result *r;
  const char *path;
  const char *profile;
  bool profile_found;
  int errors;
} parser;

/* A diagnostic of the configuration at node `at` (NULL: the whole file). */
static void vdiag(parser *p, qg_diag_level level, const qg_ynode *at, const char *fmt, va_list ap)
    QG_PRINTF(4, 0);
static void vdiag(parser *p, qg_diag_level level, const qg_ynode *at, const char *fmt, va_list ap) {
  char *msg = qg_xvasprintf(fmt, ap);
  qg_location loc = {p->path, at ? at->line : 0, at ? at->col : 0, 0, 0};
  qg_result_diag(p->r, level, QG_ECONFIG, &loc, "%s", msg);
  free(msg);
}

static void err(parser *p, const qg_ynode *at, const char *fmt, ...) QG_PRINTF(3, 4);
static void err(parser *p, const qg_ynode *at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vdiag(p, QG_DIAG_ERROR, at, fmt, ap);
  va_end(ap);
  p->errors++;
}

static void warn(parser *p, const qg_ynode *at, const char *fmt, ...) QG_PRINTF(3, 4);
static void warn(parser *p, const qg_ynode *at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vdiag(p, QG_DIAG_WARNING, at, fmt, ap);
  va_end(ap);
}

/* ---- trust (SECURITY.md) ------------------------------------------------------------- */

bool qg_config_path_trusted(const char *path, const char *checkout) {
  char root[PATH_MAX], cur[PATH_MAX];
  if (!path || !*path || !checkout || !realpath(checkout, root))
    return false;
  if (path[0] == '/')
    snprintf(cur, sizeof(cur), "/");
  else if (!getcwd(cur, sizeof(cur))) /* physical: no link in it */
    return false;
  /* resolved by hand, one component at a time, so that each link followed
   * is seen: a link inside the checkout is the repository's choice */
  char *rest = qg_xstrdup(path);
  bool ok = true;
  int links = 0;
  while (ok && *rest) {
    char *r = rest;
    while (*r == '/')
      r++;
    size_t cl = strcspn(r, "/");
    if (!cl)
      break;
    char comp[NAME_MAX + 1];
    if (cl > NAME_MAX) {
      ok = false;
      break;
    }
    memcpy(comp, r, cl);
    comp[cl] = '\0';
    char *after = qg_xstrdup(r + cl);
    free(rest);
    rest = after;
    if (!strcmp(comp, "."))
      continue;
    if (!strcmp(comp, "..")) {
      char *slash = strrchr(cur, '/');
      if (slash && slash != cur)
        *slash = '\0';
      else
        snprintf(cur, sizeof(cur), "/");
      continue;
    }
    char next[PATH_MAX];
    int w = snprintf(next, sizeof(next), "%s%s%s", cur, strcmp(cur, "/") ? "/" : "", comp);
    struct stat st;
    if (w < 0 || (size_t)w >= sizeof(next) || lstat(next, &st) != 0) {
      ok = false;
      break;
    }
    if (!S_ISLNK(st.st_mode)) {
      memcpy(cur, next, (size_t)w + 1);
      continue;
    }
    char target[PATH_MAX];
    ssize_t tl = readlink(next, target, sizeof(target) - 1);
    if (qg_fs_under(root, next) || ++links > 40 || tl <= 0) {
      ok = false;
      break;
    }
    target[tl] = '\0';
    char *spliced = qg_xasprintf("%s%s", target, rest);
    free(rest);
    rest = spliced;
    if (target[0] == '/')
      snprintf(cur, sizeof(cur), "/");
  }
  free(rest);
  return ok && !qg_fs_under(root, cur);
}

void qg_config_set_untrusted(qg_config *c, const char *checkout) {
  char real[PATH_MAX];
  c->untrusted = true;
  free(c->checkout);
  c->checkout = qg_xstrdup(realpath(checkout, real) ? real : checkout);
}

/* Does p (relative to base, or absolute) stay inside root: lexically, and
 * once links are resolved when it exists? */
static bool stays_inside(const char *root, const char *base, const char *p) {
  char *lex = qg_fs_lexical_abs(base, p);
  bool ok = qg_fs_under(root, lex);
  char real[PATH_MAX];
  if (ok && realpath(lex, real))
    ok = qg_fs_under(root, real);
  free(lex);
  return ok;
}

/* An untrusted file's paths that leave the checkout are dropped with a
 * warning (items from..l->n; base: what they are relative to). */
static void keep_inside(parser *p, qg_cfglist *l, size_t from, const char *key, const char *base,
                        bool relative_only, const char *instead) {
  if (!p->c->untrusted || !p->c->checkout)
    return;
  size_t k = from;
  for (size_t i = from; i < l->n; i++) {
    if ((!relative_only || l->items[i].s[0] != '/') &&
        stays_inside(p->c->checkout, base ? base : p->c->checkout, l->items[i].s)) {
      l->items[k++] = l->items[i];
      continue;
    }
    qg_ynode at = {.line = l->items[i].line, .col = l->items[i].col};
    warn(p, &at,
         "%s: \"%s\" is outside the repository (links resolved): ignored in the repository's "
         "own configuration; %s",
         key, l->items[i].s, instead);
    free(l->items[i].s);
  }
  l->n = k;
}

static const char *kind_name(const qg_ynode *n) {
  if (!n || qg_ynode_is_null(n))
    return "null";
  return n->kind == QG_Y_MAP ? "a mapping" : n->kind == QG_Y_SEQ ? "a list" : "a scalar";
}

static bool get_str(parser *p, const qg_ynode *n, const char *key, qg_cfgstr *out) {
  if (!n || n->kind != QG_Y_SCALAR || qg_ynode_is_null(n)) {
    err(p, n, "%s must be a string, not %s", key, kind_name(n));
    return false;
  }
  free(out->s);
  out->s = qg_xstrdup(n->u.s.str);
  out->line = n->line;
  out->col = n->col;
  return true;
}

static void list_push(qg_cfglist *l, const qg_ynode *n) {
  l->items = qg_xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
  l->items[l->n].s = qg_xstrdup(n->u.s.str);
  l->items[l->n].line = n->line;
  l->items[l->n].col = n->col;
  l->n++;
}

/* A list of strings; a single string is accepted as a one-item list. */
static void get_list(parser *p, const qg_ynode *n, const char *key, qg_cfglist *out) {
  if (n && n->kind == QG_Y_SCALAR && !qg_ynode_is_null(n)) {
    list_push(out, n);
    return;
  }
  if (!n || n->kind != QG_Y_SEQ) {
    err(p, n, "%s must be a list of strings, not %s", key, kind_name(n));
    return;
  }
  for (uint32_t i = 0; i < n->u.seq.n; i++) {
    const qg_ynode *it = n->u.seq.items[i];
    if (it->kind != QG_Y_SCALAR || qg_ynode_is_null(it))
      err(p, it, "%s: each item must be a string, not %s", key, kind_name(it));
    else
      list_push(out, it);
  }
}

static bool expect_map(parser *p, const qg_ynode *n, const char *what) {
  if (n && n->kind == QG_Y_MAP)
    return true;
  err(p, n, "%s must be a mapping, not %s", what, kind_name(n));
  return false;
}

static void unknown_key(parser *p, const qg_ynode *k, const char *where, const char *known) {
  err(p, k, "unknown key \"%s\" in %s (known: %s)", k->u.s.str, where, known);
}

static void parse_pss(parser *p, const qg_ynode *n) {
  if (!expect_map(p, n, "pss"))
    return;
  for (uint32_t i = 0; i < n->u.map.n; i++) {
    const qg_ynode *k = n->u.map.pairs[i].key, *v = n->u.map.pairs[i].value;
    const char *ks = qg_ynode_str(k) ? qg_ynode_str(k) : "";
    if (strcmp(ks, "level") == 0) {
      if (get_str(p, v, "pss.level", &p->c->pss_level) && strcmp(v->u.s.str, "restricted") &&
          strcmp(v->u.s.str, "baseline") && strcmp(v->u.s.str, "off"))
        err(p, v, "pss.level must be restricted, baseline or off, not \"%s\"", v->u.s.str);
    } else if (strcmp(ks, "version") == 0) {
      get_str(p, v, "pss.version", &p->c->pss_version);
    } else {
      unknown_key(p, k, "pss", "level, version");
    }
  }
}

static void parse_rules(parser *p, const qg_ynode *n) {
  if (!expect_map(p, n, "rules"))
    return;
  for (uint32_t i = 0; i < n->u.map.n; i++) {
    const qg_ynode *k = n->u.map.pairs[i].key, *v = n->u.map.pairs[i].value;
    const char *ks = qg_ynode_str(k) ? qg_ynode_str(k) : "";
    if (strcmp(ks, "select") == 0)
      get_list(p, v, "rules.select", &p->c->select);
    else if (strcmp(ks, "ignore") == 0 || strcmp(ks, "disable") == 0)
      get_list(p, v, "rules.ignore", &p->c->ignore);
    else if (strcmp(ks, "enable") == 0)
      get_list(p, v, "rules.enable", &p->c->enable);
    else if (strcmp(ks, "severity") == 0) {
      if (!expect_map(p, v, "rules.severity"))
        continue;
      for (uint32_t j = 0; j < v->u.map.n; j++) {
        const qg_ynode *id = v->u.map.pairs[j].key, *sev = v->u.map.pairs[j].value;
        qg_severity tmp;
        if (sev->kind != QG_Y_SCALAR || qg_severity_parse(sev->u.s.str, &tmp) != QG_OK) {
          err(p, sev, "rules.severity: \"%s\" must be critical, high, medium, low or info",
              qg_ynode_str(id) ? qg_ynode_str(id) : "");
          continue;
        }
        list_push(&p->c->sev_ids, id);
        list_push(&p->c->sev_values, sev);
      }
    } else
      unknown_key(p, k, "rules", "select, ignore, enable, severity");
  }
}

static void parse_exemptions(parser *p, const qg_ynode *n) {
  if (!n || n->kind != QG_Y_SEQ) {
    err(p, n, "exemptions must be a list, not %s", kind_name(n));
    return;
  }
  for (uint32_t i = 0; i < n->u.seq.n; i++) {
    const qg_ynode *e = n->u.seq.items[i];
    if (!expect_map(p, e, "an exemption"))
      continue;
    qg_scan_policy *sp = &p->c->scan;
    sp->exemptions = qg_xrealloc(sp->exemptions, (sp->nexemptions + 1) * sizeof(*sp->exemptions));
    qg_exemption *x = &sp->exemptions[sp->nexemptions++];
    memset(x, 0, sizeof(*x));
    for (uint32_t j = 0; j < e->u.map.n; j++) {
      const qg_ynode *k = e->u.map.pairs[j].key, *v = e->u.map.pairs[j].value;
      const char *ks = qg_ynode_str(k) ? qg_ynode_str(k) : "";
      if (strcmp(ks, "namespaces") == 0)
        get_list(p, v, "exemptions.namespaces", &x->namespaces);
      else if (strcmp(ks, "objects") == 0)
        get_list(p, v, "exemptions.objects", &x->objects);
      else if (strcmp(ks, "rules") == 0)
        get_list(p, v, "exemptions.rules", &x->rules);
      else if (strcmp(ks, "reason") == 0) {
        qg_cfgstr s = {0};
        if (get_str(p, v, "exemptions.reason", &s)) {
          free(x->reason);
          x->reason = s.s;
        }
      } else
        unknown_key(p, k, "an exemption", "namespaces, objects, rules, reason");
    }
    if (!x->namespaces.n && !x->objects.n)
      err(p, e, "an exemption needs namespaces or objects (or both)");
    for (size_t j = 0; j < x->objects.n; j++) {
      const char *o = x->objects.items[j].s;
      size_t slashes = 0;
      for (const char *q = o; *q; q++)
        slashes += *q == '/';
      if (slashes < 1 || slashes > 2) {
        qg_ynode at = {.line = x->objects.items[j].line, .col = x->objects.items[j].col};
        err(p, &at, "exemptions.objects: \"%s\" must be Kind/name or Kind/namespace/name", o);
      }
    }
  }
}

static void parse_settings(parser *p, const qg_ynode *root, bool top);

/* A number in [lo, hi] (integer when `integer`); false after an error. */
static bool get_num(parser *p, const qg_ynode *n, const char *key, double lo, double hi,
                    bool integer, double *out) {
  const char *s = n && n->kind == QG_Y_SCALAR && !qg_ynode_is_null(n) ? n->u.s.str : NULL;
  char *end = NULL;
  double v = s && *s ? strtod(s, &end) : 0;
  if (!s || !*s || *end || !isfinite(v) || (integer && v != floor(v)) || v < lo || v > hi) {
    err(p, n, "%s must be %s from %g to %g, not %s%s%s", key, integer ? "an integer" : "a number",
        lo, hi, s ? "\"" : "", s ? s : kind_name(n), s ? "\"" : "");
    return false;
  }
  *out = v;
  return true;
}

static void parse_criterion(parser *p, int ci, const qg_ynode *v) {
  const qg_crit_def *d = &qg_crit_defs[ci];
  qg_crit_policy *cp = &p->c->score.crit[ci];
  char key[96];
  double x;
  if (v && v->kind == QG_Y_SCALAR) { /* the shorthand: points */
    snprintf(key, sizeof(key), "score.criteria.%s", d->key);
    if (get_num(p, v, key, 0, 1000, true, &x))
      cp->points = (unsigned)x;
    return;
  }
  if (!expect_map(p, v, "a criterion"))
    return;
  for (uint32_t i = 0; i < v->u.map.n; i++) {
    const qg_ynode *k = v->u.map.pairs[i].key, *val = v->u.map.pairs[i].value;
    const char *ks = qg_ynode_str(k) ? qg_ynode_str(k) : "";
    snprintf(key, sizeof(key), "score.criteria.%s.%s", d->key, ks);
    bool sev = ci == QG_CRIT_CRITICAL || ci == QG_CRIT_HIGH;
    if (!strcmp(ks, "points")) {
      if (get_num(p, val, key, 0, 1000, true, &x))
        cp->points = (unsigned)x;
    } else if (d->limit_key && !strcmp(ks, d->limit_key)) {
      bool pct = ci == QG_CRIT_COVERAGE;
      bool count = !strcmp(d->limit_key, "max");
      if (get_num(p, val, key, pct ? 0 : count ? 0 : -100, pct ? 100 : 1e12, count, &x))
        cp->limit = x;
    } else if (sev && !strcmp(ks, "severities")) {
      qg_cfglist l = {0};
      get_list(p, val, key, &l);
      qg_sevmask m = 0;
      for (size_t j = 0; j < l.n; j++) {
        qg_severity s;
        qg_ynode at = {.line = l.items[j].line, .col = l.items[j].col};
        if (qg_severity_parse(l.items[j].s, &s) != QG_OK)
          err(p, &at, "%s: \"%s\" is not a severity (critical, high, medium, low, info)", key,
              l.items[j].s);
        else
          m |= 1u << s;
      }
      if (l.n)
        cp->severities = m;
      qg_cfglist_free(&l);
    } else {
      char known[96];
      snprintf(known, sizeof(known), "points%s%s%s", d->limit_key ? ", " : "",
               d->limit_key ? d->limit_key : "", sev ? ", severities" : "");
      unknown_key(p, k, key, known);
    }
  }
}

static void parse_score(parser *p, const qg_ynode *n) {
  if (!expect_map(p, n, "score"))
    return;
  for (uint32_t i = 0; i < n->u.map.n; i++) {
    const qg_ynode *k = n->u.map.pairs[i].key, *v = n->u.map.pairs[i].value;
    const char *ks = qg_ynode_str(k) ? qg_ynode_str(k) : "";
    double x;
    if (!strcmp(ks, "thresholds")) {
      if (!expect_map(p, v, "score.thresholds"))
        continue;
      for (uint32_t j = 0; j < v->u.map.n; j++) {
        const qg_ynode *tk = v->u.map.pairs[j].key, *tv = v->u.map.pairs[j].value;
        const char *ts = qg_ynode_str(tk) ? qg_ynode_str(tk) : "";
        if (!strcmp(ts, "approve") || !strcmp(ts, "review")) {
          char key[48];
          snprintf(key, sizeof(key), "score.thresholds.%s", ts);
          if (get_num(p, tv, key, 0, 100, true, &x))
            *(ts[0] == 'a' ? &p->c->score.approve : &p->c->score.review) = (unsigned)x;
        } else {
          unknown_key(p, tk, "score.thresholds", "approve, review");
        }
      }
      if (p->c->score.review > p->c->score.approve)
        err(p, v, "score.thresholds: review (%u) must not be above approve (%u)",
            p->c->score.review, p->c->score.approve);
    } else if (!strcmp(ks, "unmeasured")) {
      const char *s = v && v->kind == QG_Y_SCALAR ? v->u.s.str : NULL;
      if (s && (!strcmp(s, "normalise") || !strcmp(s, "normalize")))
        p->c->score.unmeasured_zero = false;
      else if (s && !strcmp(s, "zero"))
        p->c->score.unmeasured_zero = true;
      else
        err(p, v, "score.unmeasured must be normalise or zero");
    } else if (!strcmp(ks, "criteria")) {
      if (!expect_map(p, v, "score.criteria"))
        continue;
      for (uint32_t j = 0; j < v->u.map.n; j++) {
        const qg_ynode *ck = v->u.map.pairs[j].key;
        const char *cs = qg_ynode_str(ck) ? qg_ynode_str(ck) : "";
        int ci = -1;
        for (int c = 0; c < QG__CRIT_COUNT && ci < 0; c++)
          if (!strcmp(cs, qg_crit_defs[c].key))
            ci = c;
        if (ci < 0)
          unknown_key(p, ck, "score.criteria",
                      "lint, coverage, architecture, critical, high, secrets, build_time, "
                      "image_growth, memory_growth, readme, openapi");
        else
          parse_criterion(p, ci, v->u.map.pairs[j].value);
      }
    } else {
      unknown_key(p, k, "score", "thresholds, unmeasured, criteria");
    }
  }
}

static void parse_signals(parser *p, const qg_ynode *n) {
  if (!expect_map(p, n, "signals"))
    return;
  static const char *const keys[] = {"sarif", "coverage", "metrics", "readme", "api", "openapi"};
  qg_cfglist *lists[] = {&p->c->sarif_in,     &p->c->coverage_in, &p->c->metrics_in,
                         &p->c->readme_globs, &p->c->api_globs,   &p->c->openapi_globs};
  for (uint32_t i = 0; i < n->u.map.n; i++) {
    const qg_ynode *k = n->u.map.pairs[i].key, *v = n->u.map.pairs[i].value;
    const char *ks = qg_ynode_str(k) ? qg_ynode_str(k) : "";
    size_t j = 0;
    while (j < QG_ARRAY_LEN(keys) && strcmp(ks, keys[j]))
      j++;
    if (j == QG_ARRAY_LEN(keys)) {
      unknown_key(p, k, "signals", "sarif, coverage, metrics, readme, api, openapi");
      continue;
    }
    char key[32];
    snprintf(key, sizeof(key), "signals.%s", ks);
    size_t before = lists[j]->n;
    get_list(p, v, key, lists[j]);
    if (j < 3) /* files read: they stay in the repository */
      keep_inside(p, lists[j], before, key, p->c->root, false,
                  "pass it on the command line (--sarif-in, --coverage, --metrics) or use a "
                  "--config file outside the checkout");
  }
}

static void set_owned(char **dst, const char *v) {
  free(*dst);
  *dst = qg_xstrdup(v);
}

static void strv_from(parser *p, const qg_ynode *v, const char *key, char ***out, size_t *n) {
  qg_cfglist l = {0};
  get_list(p, v, key, &l);
  for (size_t i = 0; i < *n; i++)
    free((*out)[i]);
  free(*out);
  *out = l.n ? qg_xcalloc(l.n, sizeof(char *)) : NULL;
  for (size_t i = 0; i < l.n; i++)
    (*out)[i] = l.items[i].s; /* moved */
  *n = l.n;
  free(l.items);
}

/* review.documents: relative to the repository root; an untrusted file's
 * must stay inside it. */
static void documents_from(parser *p, const qg_ynode *v, const char *key, qg_review_config *rc) {
  qg_cfglist l = {0};
  get_list(p, v, key, &l);
  /* relative to the repository root, even with a leading '/' (review.c joins them) */
  keep_inside(p, &l, 0, key, p->c->checkout, true, "use a --config file outside the checkout");
  for (size_t i = 0; i < rc->ndocuments; i++)
    free(rc->documents[i]);
  free(rc->documents);
  rc->documents = l.n ? qg_xcalloc(l.n, sizeof(char *)) : NULL;
  for (size_t i = 0; i < l.n; i++)
    rc->documents[i] = l.items[i].s; /* moved */
  rc->ndocuments = l.n;
  free(l.items);
}

/* Where an untrusted file's review setting can be set instead. */
static const struct {
  const char *key, *env, *why;
} k_trusted_only[] = {
    {"api_key_env", "QGATE_LLM_API_KEY_ENV", "it chooses which credential is sent"},
    {"base_url", "QGATE_LLM_BASE_URL", "it chooses where the code and the key are sent"},
    {"cache_dir", "QGATE_LLM_CACHE_DIR", "it names a directory qgate writes to"},
    {"model", "QGATE_LLM_MODEL", "it chooses where the code and the key are sent"},
    {"provider", "QGATE_LLM_PROVIDER", "it chooses where the code and the key are sent"},
    {"region", "QGATE_LLM_REGION", "it chooses where the code and the key are sent"},
};

/* Is an untrusted file's budget value x over the default d? Then it is
 * ignored with a warning: the repository may only tighten the caps. */
static bool over_default(parser *p, const qg_ynode *at, const char *key, double x, double d,
                         const char *unit) {
  if (!p->c->untrusted || x <= d)
    return false;
  warn(p, at,
       "%s: %.15g%s is above the default (%.15g%s), which the repository's own configuration may "
       "only lower: ignored; raise it in a --config file outside the checkout",
       key, x, unit, d, unit);
  return true;
}

/* review.prices: {MODEL: {input, output, cached_input, cache_write}}, dollars per
 * million tokens. Only from a trusted file: prices send nothing anywhere, but a
 * repository's own file could set them to 0 and hide what a run costs. */
static void parse_prices(parser *p, const qg_ynode *n, qg_review_config *rc) {
  if (!expect_map(p, n, "review.prices"))
    return;
  if (p->c->untrusted) {
    warn(p, n,
         "review.prices is ignored in the repository's own configuration (it could hide what "
         "the review costs): set QGATE_LLM_PRICES, or use a --config file outside the checkout");
    return;
  }
  for (uint32_t i = 0; i < n->u.map.n; i++) {
    const qg_ynode *k = n->u.map.pairs[i].key, *v = n->u.map.pairs[i].value;
    const char *model = qg_ynode_str(k);
    if (!model || !*model || strlen(model) > 200) {
      err(p, k, "review.prices: a model's name, at most 200 bytes");
      continue;
    }
    if (!expect_map(p, v, "a model's prices"))
      continue;
    char *name = qg_xstrdup(model);
    qg_llm_price pr = {name, -1, -1, -1, -1};
    bool ok = true;
    for (uint32_t j = 0; j < v->u.map.n; j++) {
      const qg_ynode *pk = v->u.map.pairs[j].key, *pv = v->u.map.pairs[j].value;
      const char *ps = qg_ynode_str(pk) ? qg_ynode_str(pk) : "";
      double *dst = !strcmp(ps, "input")          ? &pr.input
                    : !strcmp(ps, "output")       ? &pr.output
                    : !strcmp(ps, "cached_input") ? &pr.cached
                    : !strcmp(ps, "cache_write")  ? &pr.cache_write
                                                  : NULL;
      char key[300];
      snprintf(key, sizeof(key), "review.prices.%s.%.32s", model, ps);
      if (!dst) {
        unknown_key(p, pk, "a model's prices", "input, output, cached_input, cache_write");
        ok = false;
      } else if (!get_num(p, pv, key, 0, 1e6, false, dst)) {
        ok = false;
      }
    }
    if (ok && (pr.input < 0 || pr.output < 0)) {
      err(p, v, "review.prices: %s needs input and output (dollars per million tokens)", model);
      ok = false;
    }
    if (ok)
      qg_llm_prices_set(rc, &pr);
    free(name);
  }
}

static void parse_review(parser *p, const qg_ynode *n) {
  if (!expect_map(p, n, "review"))
    return;
  static const char known[] =
      "provider, model, base_url, api_key_env, region, documents, exclude, min_confidence, "
      "chunk_tokens, max_requests, max_tokens, max_output_tokens, parallel, connect_timeout, "
      "timeout, retries, deadline, cache_dir, required, json_mode, prompt_cache, local, prices, "
      "max_cost, context_lines, incremental";
  qg_review_config *rc = &p->c->review;
  qg_review_config d; /* the defaults: an untrusted file's budgets stay within them */
  qg_review_config_init(&d);
  bool untrusted = p->c->untrusted;
  for (uint32_t i = 0; i < n->u.map.n; i++) {
    const qg_ynode *k = n->u.map.pairs[i].key, *v = n->u.map.pairs[i].value;
    const char *ks = qg_ynode_str(k) ? qg_ynode_str(k) : "";
    char key[64];
    snprintf(key, sizeof(key), "review.%s", ks);
    qg_cfgstr str = {0};
    double x;
    size_t t = 0;
    while (t < QG_ARRAY_LEN(k_trusted_only) && strcmp(ks, k_trusted_only[t].key))
      t++;
    /* an untrusted file's value is checked like any other, then ignored
     * (cache_dir: off writes nothing, so it is kept) */
    bool ignore = untrusted && t < QG_ARRAY_LEN(k_trusted_only) &&
                  !(!strcmp(ks, "cache_dir") && qg_ynode_str(v) && !strcmp(qg_ynode_str(v), "off"));
    qg_llm_provider prov;
    if (!strcmp(ks, "provider")) {
      if (!get_str(p, v, key, &str)) {
        ignore = false;
      } else if (qg_llm_provider_parse(str.s, &prov) != QG_OK) {
        err(p, v, "review.provider must be openai, anthropic, bedrock or none, not \"%s\"", str.s);
        ignore = false;
      } else if (!ignore) {
        rc->provider = prov;
      }
    } else if (!strcmp(ks, "model") || !strcmp(ks, "base_url") || !strcmp(ks, "api_key_env") ||
               !strcmp(ks, "region") || !strcmp(ks, "cache_dir")) {
      char **dst = !strcmp(ks, "model")       ? &rc->model
                   : !strcmp(ks, "base_url")  ? &rc->base_url
                   : !strcmp(ks, "region")    ? &rc->region
                   : !strcmp(ks, "cache_dir") ? &rc->cache_dir
                                              : &rc->api_key_env;
      bool valid = get_str(p, v, key, &str);
      if (valid && !strcmp(ks, "base_url") && strncmp(str.s, "http://", 7) &&
          strncmp(str.s, "https://", 8)) {
        err(p, v, "review.base_url must start with http:// or https://");
        valid = false;
      }
      if (!valid || ignore) {
        ignore = valid && ignore;
      } else if (!strcmp(ks, "cache_dir") && str.s[0] != '/' && strcmp(str.s, "off") &&
                 p->c->root) {
        char *abs = qg_xasprintf("%s/%s", p->c->root, str.s);
        set_owned(dst, abs);
        free(abs);
      } else {
        set_owned(dst, str.s);
        if (!strcmp(ks, "base_url"))
          rc->base_url_trusted = true; /* only a trusted file gets here */
      }
    } else if (!strcmp(ks, "api_key") || !strcmp(ks, "key") || !strcmp(ks, "token")) {
      err(p, k,
          "review.%s: keys are never read from the configuration file; put the key in an "
          "environment variable (a CI secret) and name it with QGATE_LLM_API_KEY_ENV",
          ks);
    } else if (!strcmp(ks, "documents")) {
      documents_from(p, v, key, rc);
    } else if (!strcmp(ks, "exclude")) {
      strv_from(p, v, key, &rc->exclude, &rc->nexclude);
    } else if (!strcmp(ks, "min_confidence")) {
      if (get_num(p, v, key, 0, 1, false, &x))
        rc->min_confidence = x;
    } else if (!strcmp(ks, "chunk_tokens")) {
      if (get_num(p, v, key, 1000, 2000000, true, &x) &&
          !over_default(p, v, key, x, (double)d.chunk_tokens, ""))
        rc->chunk_tokens = (size_t)x;
    } else if (!strcmp(ks, "max_requests")) {
      if (get_num(p, v, key, 0, 10000, true, &x) &&
          !over_default(p, v, key, x, (double)d.max_requests, ""))
        rc->max_requests = (size_t)x;
    } else if (!strcmp(ks, "max_tokens")) {
      if (get_num(p, v, key, 0, 1e9, true, &x) &&
          !over_default(p, v, key, x, (double)d.max_tokens, ""))
        rc->max_tokens = (size_t)x;
    } else if (!strcmp(ks, "max_output_tokens")) {
      if (get_num(p, v, key, 16, 200000, true, &x) &&
          !over_default(p, v, key, x, (double)d.max_output_tokens, ""))
        rc->max_output_tokens = (unsigned)x;
    } else if (!strcmp(ks, "parallel")) {
      if (get_num(p, v, key, 1, 64, true, &x) &&
          !over_default(p, v, key, x, (double)d.parallel, ""))
        rc->parallel = (unsigned)x;
    } else if (!strcmp(ks, "connect_timeout") || !strcmp(ks, "timeout")) {
      long *dst = ks[0] == 'c' ? &rc->connect_timeout_ms : &rc->timeout_ms;
      long dflt = ks[0] == 'c' ? d.connect_timeout_ms : d.timeout_ms;
      if (get_num(p, v, key, 0.001, 3600, false, &x) &&
          !over_default(p, v, key, x, (double)dflt / 1000, " s"))
        *dst = (long)(x * 1000);
    } else if (!strcmp(ks, "retries")) {
      if (get_num(p, v, key, 0, 10, true, &x) && !over_default(p, v, key, x, (double)d.retries, ""))
        rc->retries = x == 0 ? -1 : (int)x;
    } else if (!strcmp(ks, "context_lines")) { /* what is shown, not where it goes */
      if (get_num(p, v, key, 1, QG_REVIEW_CONTEXT_MAX, true, &x))
        rc->context_lines = (unsigned)x;
    } else if (!strcmp(ks, "deadline")) { /* only lowers the trusted one */
      if (get_num(p, v, key, 0.001, 86400, false, &x))
        rc->file_deadline_ms = (long)(x * 1000);
    } else if (!strcmp(ks, "json_mode")) {
      const char *b = v && v->kind == QG_Y_SCALAR ? v->u.s.str : "";
      if (!strcmp(b, "true") || !strcmp(b, "schema"))
        rc->json_mode = QG_LLM_JSON_SCHEMA;
      else if (!strcmp(b, "object"))
        rc->json_mode = QG_LLM_JSON_OBJECT;
      else if (!strcmp(b, "false"))
        rc->json_mode = QG_LLM_JSON_OFF;
      else
        err(p, v, "%s must be schema (or true), object or false", key);
    } else if (!strcmp(ks, "max_cost")) { /* a repository's file only lowers the budget */
      if (get_num(p, v, key, 0, 1e9, false, &x))
        *(untrusted ? &rc->file_max_cost : &rc->max_cost) = x;
    } else if (!strcmp(ks, "prices")) {
      parse_prices(p, v, rc);
    } else if (!strcmp(ks, "required") || !strcmp(ks, "prompt_cache") || !strcmp(ks, "local") ||
               !strcmp(ks, "incremental")) {
      const char *b = v && v->kind == QG_Y_SCALAR ? v->u.s.str : "";
      bool tr = !strcmp(b, "true"), f = !strcmp(b, "false");
      if (!tr && !f)
        err(p, v, "%s must be true or false", key);
      else
        *(ks[0] == 'r'   ? &rc->required
          : ks[0] == 'p' ? &rc->prompt_cache
          : ks[0] == 'i' ? &rc->incremental
                         : &rc->local) = tr;
    } else {
      unknown_key(p, k, "review", known);
    }
    if (ignore && str.s)
      warn(p, k,
           "review.%s is ignored in the repository's own configuration (%s): set %s, or use a "
           "--config file outside the checkout",
           ks, k_trusted_only[t].why, k_trusted_only[t].env);
    free(str.s);
  }
  qg_review_config_cleanup(&d);
}

/* comment.id: the rule of qg_comment_id_valid (hosts/host.h), with room for the
 * command it is joined with ("-secrets"). */
static bool comment_id_ok(const char *id) {
  size_t n = strlen(id);
  if (!n || n > 48 || !isalnum((unsigned char)id[0]))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)id[i]) && !strchr("._-", id[i]))
      return false;
  return true;
}

static void parse_comment(parser *p, const qg_ynode *n) {
  if (!expect_map(p, n, "comment"))
    return;
  for (uint32_t i = 0; i < n->u.map.n; i++) {
    const qg_ynode *k = n->u.map.pairs[i].key, *v = n->u.map.pairs[i].value;
    const char *ks = qg_ynode_str(k) ? qg_ynode_str(k) : "";
    double x;
    if (!strcmp(ks, "verdict")) {
      const char *b = v && v->kind == QG_Y_SCALAR ? v->u.s.str : "";
      if (strcmp(b, "true") && strcmp(b, "false"))
        err(p, v, "comment.verdict must be true or false");
      else
        p->c->comment_verdict = !strcmp(b, "true");
    } else if (!strcmp(ks, "max_inline")) {
      if (get_num(p, v, "comment.max_inline", 1, 1000, true, &x))
        p->c->comment_max_inline = (unsigned)x;
    } else if (!strcmp(ks, "id")) {
      const char *id = v && v->kind == QG_Y_SCALAR ? v->u.s.str : "";
      if (!comment_id_ok(id)) {
        err(p, v,
            "comment.id must be 1 to 48 letters, digits, '.', '_' or '-', the first a "
            "letter or a digit");
      } else {
        free(p->c->comment_id);
        p->c->comment_id = qg_xstrdup(id);
      }
    } else {
      unknown_key(p, k, "comment", "verdict, max_inline, id");
    }
  }
}

/* helm: {charts: {DIR: {release, namespace, values, set, ci_values}}}: DIR relative to
 * this file's directory. The values files must stay inside the checkout (checked when the
 * chart is rendered, scanners/render.c). */
static void parse_helm(parser *p, const qg_ynode *n) {
  if (!expect_map(p, n, "helm"))
    return;
  for (uint32_t i = 0; i < n->u.map.n; i++) {
    const qg_ynode *k = n->u.map.pairs[i].key, *v = n->u.map.pairs[i].value;
    const char *ks = qg_ynode_str(k) ? qg_ynode_str(k) : "";
    if (strcmp(ks, "charts") != 0) {
      unknown_key(p, k, "helm", "charts");
      continue;
    }
    if (!expect_map(p, v, "helm.charts"))
      continue;
    for (uint32_t j = 0; j < v->u.map.n; j++) {
      const qg_ynode *ck = v->u.map.pairs[j].key, *cv = v->u.map.pairs[j].value;
      const char *dir = qg_ynode_str(ck);
      if (!dir || !*dir) {
        err(p, ck, "helm.charts: each key is a chart's directory");
        continue;
      }
      if (!expect_map(p, cv, "a chart's settings"))
        continue;
      qg_render_charts *cs = &p->c->helm;
      cs->items = qg_xrealloc(cs->items, (cs->n + 1) * sizeof(*cs->items));
      qg_render_chart *ch = &cs->items[cs->n++];
      memset(ch, 0, sizeof(*ch));
      ch->dir = qg_fs_lexical_abs(p->c->root, dir);
      if (!ch->dir)
        ch->dir = qg_xstrdup(dir);
      for (uint32_t m = 0; m < cv->u.map.n; m++) {
        const qg_ynode *sk = cv->u.map.pairs[m].key, *sv = cv->u.map.pairs[m].value;
        const char *ss = qg_ynode_str(sk) ? qg_ynode_str(sk) : "";
        if (!strcmp(ss, "release"))
          (void)get_str(p, sv, "release", &ch->release);
        else if (!strcmp(ss, "namespace"))
          (void)get_str(p, sv, "namespace", &ch->namespace_);
        else if (!strcmp(ss, "values"))
          get_list(p, sv, "values", &ch->values);
        else if (!strcmp(ss, "set"))
          get_list(p, sv, "set", &ch->set);
        else if (!strcmp(ss, "ci_values")) {
          int b = qg_ynode_bool(sv);
          if (b < 0)
            err(p, sv, "ci_values must be true or false");
          else
            ch->ci_values = b == 1;
        } else
          unknown_key(p, sk, "a chart's settings", "release, namespace, values, set, ci_values");
      }
    }
  }
}

static void parse_profiles(parser *p, const qg_ynode *n) {
  if (!expect_map(p, n, "profiles"))
    return;
  for (uint32_t i = 0; i < n->u.map.n; i++) {
    const char *name = qg_ynode_str(n->u.map.pairs[i].key);
    const qg_ynode *v = n->u.map.pairs[i].value;
    if (!expect_map(p, v, "a profile"))
      continue;
    /* every profile is validated; only the chosen one is applied */
    bool chosen = p->profile && name && strcmp(name, p->profile) == 0;
    if (chosen) {
      p->profile_found = true;
      parse_settings(p, v, false);
    } else {
      qg_config scratch;
      qg_config_init(&scratch);
      qg_config *real = p->c;
      p->c = &scratch;
      parse_settings(p, v, false);
      p->c = real;
      qg_config_cleanup(&scratch);
    }
  }
}

static char *pascal(const char *id) {
  qg_buf b;
  qg_buf_init(&b, 0);
  bool up = true;
  for (const char *c = id; *c; c++) {
    if (!isalnum((unsigned char)*c)) {
      up = true;
      continue;
    }
    (void)qg_buf_putc(&b, up ? (char)toupper((unsigned char)*c) : *c);
    up = false;
  }
  return qg_buf_detach(&b);
}

static void parse_custom(parser *p, const qg_ynode *n) {
  if (!n || n->kind != QG_Y_SEQ) {
    err(p, n, "custom_rules must be a list, not %s", kind_name(n));
    return;
  }
  for (uint32_t i = 0; i < n->u.seq.n; i++) {
    const qg_ynode *e = n->u.seq.items[i];
    if (!expect_map(p, e, "a custom rule"))
      continue;
    qg_cfgstr id = {0}, title = {0}, help = {0}, rem = {0}, sev = {0}, path = {0}, regex = {0};
    qg_cfglist kinds = {0}, values = {0}, keywords = {0};
    long group = 0;
    double min_entropy = 0;
    int conds = 0;
    qg_cond cond = QG_COND_REQUIRED;
    bool per_container = false;
    for (uint32_t j = 0; j < e->u.map.n; j++) {
      const qg_ynode *k = e->u.map.pairs[j].key, *v = e->u.map.pairs[j].value;
      const char *ks = qg_ynode_str(k) ? qg_ynode_str(k) : "";
      if (!strcmp(ks, "id"))
        get_str(p, v, "custom_rules.id", &id);
      else if (!strcmp(ks, "title"))
        get_str(p, v, "custom_rules.title", &title);
      else if (!strcmp(ks, "help"))
        get_str(p, v, "custom_rules.help", &help);
      else if (!strcmp(ks, "remediation"))
        get_str(p, v, "custom_rules.remediation", &rem);
      else if (!strcmp(ks, "severity"))
        get_str(p, v, "custom_rules.severity", &sev);
      else if (!strcmp(ks, "kinds"))
        get_list(p, v, "custom_rules.kinds", &kinds);
      else if (!strcmp(ks, "path") || !strcmp(ks, "container")) {
        if (path.s)
          err(p, k, "a custom rule takes one of path or container");
        get_str(p, v, ks, &path);
        per_container = !strcmp(ks, "container");
      } else if (!strcmp(ks, "required") || !strcmp(ks, "forbidden")) {
        if (qg_ynode_bool(v) != 1)
          err(p, v, "%s takes true", ks);
        cond = !strcmp(ks, "required") ? QG_COND_REQUIRED : QG_COND_FORBIDDEN;
        conds++;
      } else if (!strcmp(ks, "one_of") || !strcmp(ks, "not_one_of")) {
        get_list(p, v, ks, &values);
        cond = !strcmp(ks, "one_of") ? QG_COND_ONE_OF : QG_COND_NOT_ONE_OF;
        conds++;
      } else if (!strcmp(ks, "regex")) {
        get_str(p, v, "custom_rules.regex", &regex);
      } else if (!strcmp(ks, "keywords")) {
        get_list(p, v, "custom_rules.keywords", &keywords);
      } else if (!strcmp(ks, "group")) {
        long long g = 0;
        if (!qg_ynode_int(v, &g) || g < 0 || g > 30)
          err(p, v, "custom_rules.group must be a capture group number from 0 to 30");
        group = (long)g;
      } else if (!strcmp(ks, "min_entropy")) {
        const char *num = qg_ynode_str(v);
        char *end = NULL;
        min_entropy = num ? strtod(num, &end) : -1;
        if (!num || *end || min_entropy < 0 || min_entropy > 8)
          err(p, v, "custom_rules.min_entropy must be a number from 0 to 8 (bits per character)");
      } else
        unknown_key(p, k, "a custom rule",
                    "id, title, help, remediation, severity, kinds, path, container, required, "
                    "forbidden, one_of, not_one_of, regex, group, keywords, min_entropy");
    }
    qg_severity s = QG_SEV_MEDIUM;
    if (sev.s && qg_severity_parse(sev.s, &s) != QG_OK) {
      qg_ynode at = {.line = sev.line, .col = sev.col};
      err(p, &at, "custom_rules.severity must be critical, high, medium, low or info");
    }
    bool ok = true;
    if (!id.s || !strchr(id.s, '/') || !strncmp(id.s, "pss/", 4) || !strncmp(id.s, "k8s/", 4)) {
      qg_ynode at = {.line = id.line, .col = id.col};
      err(p, id.s ? &at : e,
          "a custom rule needs an id of the form group/name outside the "
          "built-in groups (pss, k8s), e.g. custom/memory-limit");
      ok = false;
    }
    bool secret = regex.s != NULL;
    if (secret && (path.s || conds)) {
      err(p, e,
          "a custom rule is either a secret rule (regex) or a field rule (path or "
          "container with a condition), not both");
      ok = false;
    } else if (!title.s || (!secret && (!path.s || conds != 1))) {
      err(p, e,
          "a custom rule needs a title and either a regex, or a path or container with "
          "exactly one of required, forbidden, one_of, not_one_of");
      ok = false;
    }
    if (ok && p->c) {
      qg_scan_policy *sp = &p->c->scan;
      sp->custom = qg_xrealloc(sp->custom, (sp->ncustom + 1) * sizeof(*sp->custom));
      qg_custom_rule *cr = &sp->custom[sp->ncustom++];
      memset(cr, 0, sizeof(*cr));
      cr->strings[0] = id.s;
      cr->strings[1] = pascal(id.s);
      cr->strings[2] = title.s;
      cr->strings[3] = help.s ? help.s : qg_xasprintf("Custom rule from %s.", p->path);
      cr->strings[4] = rem.s ? rem.s : qg_xasprintf("Follow the rule: %s.", title.s);
      cr->strings[5] = qg_xstrdup("");
      cr->rule = (qg_rule){cr->strings[0],
                           cr->strings[1],
                           s,
                           QG_RULE_DEFAULT_ON | (secret ? QG_RULE_SECRET : 0u),
                           NULL,
                           cr->strings[2],
                           cr->strings[3],
                           cr->strings[4],
                           NULL,
                           "https://github.com/qgate-dev/qgate#configuration",
                           cr->strings[5]};
      cr->kinds = kinds;
      cr->path = path.s;
      cr->per_container = per_container;
      cr->cond = cond;
      cr->values = values;
      cr->regex = regex.s;
      qg_buf kw;
      qg_buf_init(&kw, 0);
      for (size_t k = 0; k < keywords.n; k++) {
        if (k)
          (void)qg_buf_putc(&kw, '|');
        for (const char *c2 = keywords.items[k].s; *c2; c2++)
          (void)qg_buf_putc(&kw, (char)tolower((unsigned char)*c2));
      }
      cr->keywords = qg_buf_detach(&kw);
      cr->group = (int)group;
      cr->min_entropy = min_entropy;
      id.s = title.s = help.s = rem.s = path.s = regex.s = NULL;
      kinds = (qg_cfglist){0};
      values = (qg_cfglist){0};
    }
    free(id.s);
    free(title.s);
    free(help.s);
    free(rem.s);
    free(sev.s);
    free(path.s);
    free(regex.s);
    qg_cfglist_free(&kinds);
    qg_cfglist_free(&values);
    qg_cfglist_free(&keywords);
  }
}

/* Is s made of 1..max characters of set (and letters and digits when alnum)? */
static bool chars_in(const char *s, size_t len, size_t max, const char *set) {
  if (len == 0 || len > max)
    return false;
  for (size_t i = 0; i < len; i++)
    if (!isalnum((unsigned char)s[i]) && !strchr(set, s[i]))
      return false;
  return true;
}

/* One pod_templates entry's path (template, spec or metadata). */
static bool get_pod_path(parser *p, const qg_ynode *v, const char *key, qg_cfgstr *out) {
  if (!get_str(p, v, key, out))
    return false;
  if (qg_scan_policy_dotted_path(out->s))
    return true;
  err(p, v,
      "%s must be a dotted path of mapping keys (letters, digits, '_', '-'), at most %d "
      "characters, e.g. spec.template",
      key, QG_POD_TEMPLATE_MAX_PATH);
  return false;
}

/* pod_templates: [{apiVersion: GROUP[/VERSION], kind, template: PATH | spec: PATH
 * [metadata: PATH]}]: custom resources whose pod spec is checked as a Deployment's. */
static void parse_pod_templates(parser *p, const qg_ynode *n) {
  if (!n || n->kind != QG_Y_SEQ) {
    err(p, n, "pod_templates must be a list, not %s", kind_name(n));
    return;
  }
  qg_scan_policy *sp = &p->c->scan;
  for (uint32_t i = 0; i < n->u.seq.n; i++) {
    const qg_ynode *e = n->u.seq.items[i];
    if (i == QG_MAX_POD_TEMPLATES) {
      err(p, e, "pod_templates: more than %d kinds", QG_MAX_POD_TEMPLATES);
      return;
    }
    if (!expect_map(p, e, "a pod template"))
      continue;
    qg_cfgstr api = {0}, kind = {0}, tmpl = {0}, spec = {0}, meta = {0};
    bool ok = true;
    for (uint32_t j = 0; j < e->u.map.n; j++) {
      const qg_ynode *k = e->u.map.pairs[j].key, *v = e->u.map.pairs[j].value;
      const char *ks = qg_ynode_str(k) ? qg_ynode_str(k) : "";
      if (!strcmp(ks, "apiVersion"))
        ok &= get_str(p, v, "pod_templates.apiVersion", &api);
      else if (!strcmp(ks, "kind"))
        ok &= get_str(p, v, "pod_templates.kind", &kind);
      else if (!strcmp(ks, "template"))
        ok &= get_pod_path(p, v, "pod_templates.template", &tmpl);
      else if (!strcmp(ks, "spec"))
        ok &= get_pod_path(p, v, "pod_templates.spec", &spec);
      else if (!strcmp(ks, "metadata"))
        ok &= get_pod_path(p, v, "pod_templates.metadata", &meta);
      else {
        unknown_key(p, k, "a pod template", "apiVersion, kind, template, spec, metadata");
        ok = false;
      }
    }
    const char *slash = api.s ? strchr(api.s, '/') : NULL;
    size_t gl = api.s ? (slash ? (size_t)(slash - api.s) : strlen(api.s)) : 0;
    qg_ynode api_at = {.line = api.line, .col = api.col};
    qg_ynode kind_at = {.line = kind.line, .col = kind.col};
    if (ok && (!api.s || !kind.s)) {
      err(p, e, "a pod template needs apiVersion and kind");
      ok = false;
    } else if (ok && !tmpl.s && !spec.s) {
      err(p, e,
          "a pod template needs template (the path to the pod template: its spec and metadata "
          "are the pod's) or spec (the path to the pod spec; metadata: to the pod metadata)");
      ok = false;
    } else if (ok && tmpl.s && (spec.s || meta.s)) {
      err(p, e, "a pod template takes template, or spec and metadata, not both");
      ok = false;
    } else if (ok && (!chars_in(api.s, gl, 253, ".-") || !memchr(api.s, '.', gl) ||
                      (slash && !chars_in(slash + 1, strlen(slash + 1), 63, "")))) {
      err(p, &api_at,
          "pod_templates.apiVersion \"%s\" must be a custom resource's group/version "
          "(example.com/v1) or its group alone (every version): a group has a dot",
          api.s);
      ok = false;
    } else if (ok && !chars_in(kind.s, strlen(kind.s), 63, "")) {
      err(p, &kind_at, "pod_templates.kind \"%s\" must be a kind name (letters and digits)",
          kind.s);
      ok = false;
    }
    char *group = ok ? qg_xstrndup(api.s, gl) : NULL;
    if (ok && qg_k8s_builtin_pod_kind(group, kind.s)) {
      err(p, &kind_at, "pod_templates: %s of %s is a built-in kind: its pod template is known",
          kind.s, group);
      ok = false;
    }
    for (size_t t = 0; ok && t < sp->npod_templates; t++) {
      const qg_pod_template *o = &sp->pod_templates[t];
      if (!strcmp(o->kind, kind.s) && !strcmp(o->group, group) &&
          (!o->version || !slash || !strcmp(o->version, slash + 1))) {
        err(p, &kind_at, "pod_templates: %s of %s%s%s is declared twice", kind.s, group,
            slash && o->version ? "/" : "", slash && o->version ? o->version : "");
        ok = false;
      }
    }
    if (ok) {
      sp->pod_templates =
          qg_xrealloc(sp->pod_templates, (sp->npod_templates + 1) * sizeof(*sp->pod_templates));
      qg_pod_template *t = &sp->pod_templates[sp->npod_templates++];
      t->group = group;
      group = NULL;
      t->version = slash ? qg_xstrdup(slash + 1) : NULL;
      t->kind = kind.s;
      kind.s = NULL;
      if (tmpl.s) {
        t->spec = qg_xasprintf("%s.spec", tmpl.s);
        t->meta = qg_xasprintf("%s.metadata", tmpl.s);
      } else {
        t->spec = spec.s;
        t->meta = meta.s;
        spec.s = meta.s = NULL;
      }
    }
    free(group);
    free(api.s);
    free(kind.s);
    free(tmpl.s);
    free(spec.s);
    free(meta.s);
  }
}

static void parse_settings(parser *p, const qg_ynode *root, bool top) {
  static const char known_top[] =
      "pss, kube_version, fail_on, rules, exclude, exemptions, score, signals, review, comment, "
      "profiles, custom_rules, pod_templates, helm, complete_input";
  static const char known_profile[] =
      "pss, kube_version, fail_on, rules, exclude, exemptions, score, review, comment";
  for (uint32_t i = 0; i < root->u.map.n; i++) {
    const qg_ynode *k = root->u.map.pairs[i].key, *v = root->u.map.pairs[i].value;
    const char *ks = qg_ynode_str(k) ? qg_ynode_str(k) : "";
    if (!strcmp(ks, "pss"))
      parse_pss(p, v);
    else if (!strcmp(ks, "kube_version")) {
      unsigned minor;
      if (get_str(p, v, "kube_version", &p->c->kube_version) &&
          qg_kube_parse_version(v->u.s.str, &minor) != QG_OK)
        err(p, v,
            "kube_version must be a Kubernetes release such as 1.29, v1.29 or 1.29.3, not \"%s\"",
            v->u.s.str);
    } else if (!strcmp(ks, "fail_on")) {
      qg_fail_on tmp;
      if (get_str(p, v, "fail_on", &p->c->fail_on) &&
          qg_gate_parse_fail_on(v->u.s.str, &tmp) != QG_OK)
        err(p, v, "fail_on must be critical, high, medium, low, info or none, not \"%s\"",
            v->u.s.str);
    } else if (!strcmp(ks, "rules"))
      parse_rules(p, v);
    else if (!strcmp(ks, "exclude"))
      get_list(p, v, "exclude", &p->c->scan.exclude);
    else if (!strcmp(ks, "exemptions"))
      parse_exemptions(p, v);
    else if (!strcmp(ks, "score"))
      parse_score(p, v);
    else if (top && !strcmp(ks, "signals"))
      parse_signals(p, v);
    else if (!strcmp(ks, "review"))
      parse_review(p, v);
    else if (!strcmp(ks, "comment"))
      parse_comment(p, v);
    else if (top && !strcmp(ks, "profiles"))
      continue; /* after the top level, so a profile overrides it */
    else if (top && !strcmp(ks, "custom_rules"))
      parse_custom(p, v);
    else if (top && !strcmp(ks, "pod_templates"))
      parse_pod_templates(p, v);
    else if (top && !strcmp(ks, "helm"))
      parse_helm(p, v);
    else if (top && !strcmp(ks, "complete_input")) {
      const char *b = v && v->kind == QG_Y_SCALAR ? v->u.s.str : "";
      if (strcmp(b, "true") && strcmp(b, "false"))
        err(p, v, "complete_input must be true or false");
      else
        p->c->complete_input = !strcmp(b, "true");
    } else if (top && !strcmp(ks, "version"))
      continue; /* a conventional schema version marker */
    else
      unknown_key(p, k, top ? "the configuration" : "a profile", top ? known_top : known_profile);
  }
  if (top) {
    const qg_ynode *profiles = qg_ymap_get(root, "profiles");
    if (profiles)
      parse_profiles(p, profiles);
  }
}

static qg_status on_doc(void *ud, const qg_ynode *root, unsigned index) {
  parser *p = ud;
  if (index > 0) {
    err(p, root, "the configuration must be a single YAML document");
    return QG_OK;
  }
  if (qg_ynode_is_null(root))
    return QG_OK; /* an empty file is an empty configuration */
  if (!expect_map(p, root, "the configuration"))
    return QG_OK;
  parse_settings(p, root, true);
  return QG_OK;
}

static void on_warn(void *ud, uint32_t line, uint32_t col, const char *msg) {
  parser *p = ud;
  qg_ynode at = {.line = line, .col = col};
  err(p, &at, "%s", msg);
}

void qg_config_init(qg_config *c) {
  memset(c, 0, sizeof(*c));
  qg_score_policy_default(&c->score);
  qg_review_config_init(&c->review);
}

void qg_config_cleanup(qg_config *c) {
  qg_review_config_cleanup(&c->review);
  qg_scan_policy_cleanup(&c->scan);
  free(c->path);
  free(c->root);
  free(c->checkout);
  free(c->pss_level.s);
  free(c->pss_version.s);
  free(c->kube_version.s);
  free(c->fail_on.s);
  qg_cfglist_free(&c->select);
  qg_cfglist_free(&c->ignore);
  qg_cfglist_free(&c->enable);
  qg_cfglist_free(&c->sev_ids);
  qg_cfglist_free(&c->sev_values);
  qg_cfglist_free(&c->sarif_in);
  qg_cfglist_free(&c->coverage_in);
  qg_cfglist_free(&c->metrics_in);
  qg_cfglist_free(&c->readme_globs);
  qg_cfglist_free(&c->api_globs);
  qg_cfglist_free(&c->openapi_globs);
  free(c->comment_id);
  qg_render_charts_cleanup(&c->helm);
  memset(c, 0, sizeof(*c));
}

/* Parses the text of the configuration c->path names. */
static qg_status parse_text(qg_config *c, const unsigned char *buf, size_t len, const char *profile,
                            qg_result *r) {
  parser p = {c, r, c->path, profile, false, 0};
  qg_yaml_opts yo = {{.max_depth = 64}, on_doc, on_warn, &p, false, false};
  qg_yaml_error ye;
  /* a 1 MiB file of duplicate keys or bad values: at most so many lines of them */
  size_t dcap = qg_result_cap_diags(r, QG_MAX_DIAGS_PER_FILE);
  qg_status st = qg_yaml_load(buf, len, &yo, &ye);
  qg_location whole = {c->path, 0, 0, 0, 0};
  qg_result_uncap_diags(r, dcap, &whole);
  if (st != QG_OK) {
    qg_location at = {c->path, ye.line, ye.col, 0, 0};
    qg_result_diag(r, QG_DIAG_ERROR, QG_ECONFIG, &at, "invalid YAML: %s", ye.message);
    p.errors++;
  }
  if (profile && !p.profile_found && !p.errors) {
    qg_location loc = {c->path, 0, 0, 0, 0};
    qg_result_diag(r, QG_DIAG_ERROR, QG_ECONFIG, &loc, "no profile \"%s\" in profiles", profile);
    p.errors++;
  }
  return p.errors ? QG_ECONFIG : QG_OK;
}

qg_status qg_config_load(qg_config *c, const char *path, const char *profile, qg_result *r) {
  unsigned char *buf = NULL;
  size_t len = 0;
  int err_no = 0;
  qg_location loc = {path, 0, 0, 0, 0};
  qg_status st = qg_read_all(path, NULL, MAX_CONFIG_SIZE, &buf, &len, &err_no);
  if (st != QG_OK) {
    qg_result_diag(r, QG_DIAG_ERROR, st == QG_ETOOBIG ? QG_ECONFIG : st, &loc,
                   "cannot read the configuration: %s",
                   st == QG_ETOOBIG  ? "larger than 1 MiB"
                   : st == QG_ENOENT ? "no such file"
                                     : qg_fs_strerror(err_no));
    return st == QG_ETOOBIG ? QG_ECONFIG : st;
  }
  c->path = qg_xstrdup(path);
  char real[PATH_MAX];
  if (realpath(path, real)) {
    char *slash = strrchr(real, '/');
    if (slash)
      *slash = '\0';
    c->root = qg_xstrdup(*real ? real : "/");
    c->scan.root = qg_xstrdup(c->root);
    char cwd[PATH_MAX], rcwd[PATH_MAX];
    size_t rl = strlen(c->root);
    if (getcwd(cwd, sizeof(cwd)) && realpath(cwd, rcwd) && strncmp(rcwd, c->root, rl) == 0 &&
        (rcwd[rl] == '/' || rcwd[rl] == '\0'))
      c->scan.cwd_rel = qg_xstrdup(rcwd[rl] ? rcwd + rl + 1 : "");
  }
  st = parse_text(c, buf, len, profile, r);
  free(buf);
  return st;
}

qg_status qg_config_load_buffer(qg_config *c, const char *label, const char *buf, size_t len,
                                const char *profile, qg_result *r) {
  if (len > MAX_CONFIG_SIZE) {
    qg_location loc = {label, 0, 0, 0, 0};
    qg_result_diag(r, QG_DIAG_ERROR, QG_ECONFIG, &loc,
                   "cannot read the configuration: larger than 1 MiB");
    return QG_ECONFIG;
  }
  c->path = qg_xstrdup(label);
  return parse_text(c, (const unsigned char *)buf, len, profile, r);
}

/* A former rule id still works (it names its part of the rule that replaced
 * it); say so once where it is written. */
static void note_former(const qg_config *c, const qg_cfgstr *it, const qg_ruleset *rs, qg_result *r,
                        const char *what) {
  for (size_t j = 0; j < rs->n; j++)
    if (qg_rule_former(rs->rules[j], it->s, strlen(it->s)) >= 0) {
      qg_location loc = {c->path, it->line, it->col, 0, 0};
      qg_result_diag(r, QG_DIAG_WARNING, QG_ECONFIG, &loc, "%s: \"%s\" is now part of %s (%s)",
                     what, it->s, rs->rules[j]->id,
                     strcmp(what, "rules.severity") == 0 ? "the severity applies to the whole rule"
                                                         : "the old id still names that part");
      return;
    }
}

static qg_status apply_list(const qg_config *c, const qg_cfglist *l, qg_ruleset *rs, qg_result *r,
                            const char *what, int mode, bool *first) {
  qg_status st = QG_OK;
  for (size_t i = 0; i < l->n; i++) {
    char *bad = NULL;
    note_former(c, &l->items[i], rs, r, what);
    qg_status s2 = mode == 0   ? qg_ruleset_select(rs, l->items[i].s, first, &bad)
                   : mode == 1 ? qg_ruleset_ignore(rs, l->items[i].s, &bad)
                               : qg_ruleset_enable(rs, l->items[i].s, &bad);
    if (s2 != QG_OK) {
      qg_location loc = {c->path, l->items[i].line, l->items[i].col, 0, 0};
      qg_result_diag(r, QG_DIAG_ERROR, QG_ECONFIG, &loc,
                     "%s: no rule or group \"%.127s\" (see 'qgate rules')", what, bad);
      st = QG_ECONFIG;
    }
    free(bad);
  }
  return st;
}

qg_status qg_config_apply_rules(const qg_config *c, qg_ruleset *rs, qg_result *r) {
  qg_status st = QG_OK;
  for (size_t i = 0; i < c->scan.ncustom; i++) {
    if (qg_ruleset_find(rs, c->scan.custom[i].rule.id)) {
      qg_location loc = {c->path, 0, 0, 0, 0};
      qg_result_diag(r, QG_DIAG_ERROR, QG_ECONFIG, &loc, "custom rule id \"%s\" is used twice",
                     c->scan.custom[i].rule.id);
      st = QG_ECONFIG;
      continue;
    }
    qg_ruleset_add(rs, &c->scan.custom[i].rule, true);
  }
  bool first = true;
  if (apply_list(c, &c->select, rs, r, "rules.select", 0, &first) != QG_OK)
    st = QG_ECONFIG;
  if (apply_list(c, &c->ignore, rs, r, "rules.ignore", 1, &first) != QG_OK)
    st = QG_ECONFIG;
  if (apply_list(c, &c->enable, rs, r, "rules.enable", 2, &first) != QG_OK)
    st = QG_ECONFIG;
  for (size_t i = 0; i < c->sev_ids.n; i++) {
    qg_severity sev;
    (void)qg_severity_parse(c->sev_values.items[i].s, &sev);
    const char *name = c->sev_ids.items[i].s;
    size_t hits = 0;
    note_former(c, &c->sev_ids.items[i], rs, r, "rules.severity");
    for (size_t j = 0; j < rs->n; j++)
      if (qg_rule_named_or_former(rs->rules[j], name, strlen(name))) {
        rs->sev[j] = sev;
        hits++;
      }
    if (!hits) {
      qg_location loc = {c->path, c->sev_ids.items[i].line, c->sev_ids.items[i].col, 0, 0};
      qg_result_diag(r, QG_DIAG_ERROR, QG_ECONFIG, &loc,
                     "rules.severity: no rule or group \"%s\" (see 'qgate rules')", name);
      st = QG_ECONFIG;
    }
  }
  /* exemption rule lists name real rules too */
  for (size_t i = 0; i < c->scan.nexemptions; i++) {
    const qg_cfglist *l = &c->scan.exemptions[i].rules;
    for (size_t j = 0; j < l->n; j++) {
      size_t hits = 0;
      for (size_t k = 0; k < rs->n; k++)
        hits += qg_rule_named_or_former(rs->rules[k], l->items[j].s, strlen(l->items[j].s));
      if (!hits) {
        qg_location loc = {c->path, l->items[j].line, l->items[j].col, 0, 0};
        qg_result_diag(r, QG_DIAG_ERROR, QG_ECONFIG, &loc,
                       "exemptions.rules: no rule or group \"%s\" (see 'qgate rules')",
                       l->items[j].s);
        st = QG_ECONFIG;
      }
    }
  }
  return st;
}
