/* check.c: the built-in Kubernetes checks' tables, built from the rows of
 * rules/pss.def and rules/k8s.def, and the driver that runs them on each
 * object. Each table row points at its rule at compile time (rules/rows.h). */
#include "scanners/k8s/check.h"
#include "rules/rows.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef void (*check_fn)(const qg_k8s_check *k);

typedef struct pss_row {
  const qg_rule *rule;
  unsigned since;        /* first policy minor version that has the check */
  qg_rule_row overrides; /* the baseline row this restricted row replaces, or QG_ROW_NONE */
  check_fn fn;
} pss_row;

static const pss_row k_pss[] = {
#define QG_PSS(id_, name_, sev_, level_, since_, overrides_, check_, ...)                          \
  {&qg_registry[QG_ROW_##name_], since_, QG_ROW_##overrides_, check_},
#include "rules/pss.def"
#undef QG_PSS
};

enum { QG_K8S_OBJECT, QG_K8S_POD };

typedef struct k8s_row {
  const qg_rule *rule;
  int scope; /* QG_K8S_POD: objects with a pod spec; QG_K8S_OBJECT: every object */
  check_fn fn;
} k8s_row;

static const k8s_row k_k8s[] = {
#define QG_K8S(id_, name_, sev_, flags_, scope_, check_, ...)                                      \
  {&qg_registry[QG_ROW_##name_], QG_K8S_##scope_, check_},
#include "rules/k8s.def"
#undef QG_K8S
};

const qg_rule *qg_k8s_check_rule(size_t i) {
  if (i < QG_ARRAY_LEN(k_pss))
    return k_pss[i].rule;
  i -= QG_ARRAY_LEN(k_pss);
  return i < QG_ARRAY_LEN(k_k8s) ? k_k8s[i].rule : NULL;
}

/* Is PSS row c part of the level and version, and switched on? */
static bool pss_active(const pss_row *c, const qg_k8s_opts *o) {
  if (!qg_ruleset_has(o->rules, c->rule) || o->pss_minor < c->since)
    return false;
  if (c->rule->flags & QG_RULE_RESTRICTED)
    return o->pss_level == QG_PSS_RESTRICTED;
  if (o->pss_level == QG_PSS_RESTRICTED) {
    /* a baseline check is replaced by an enabled restricted override */
    qg_rule_row row = (qg_rule_row)(c->rule - qg_registry);
    for (size_t i = 0; i < QG_ARRAY_LEN(k_pss); i++) {
      const pss_row *r = &k_pss[i];
      if (r->overrides == row && qg_ruleset_has(o->rules, r->rule) && o->pss_minor >= r->since)
        return false;
    }
  }
  return true;
}

void qg_k8s_run_checks(const qg_pod_ref *ref) {
  const qg_k8s_opts *o = ref->opts;
  qg_k8s_check k = {.ref = ref, .ctrs = ref->ctrs, .n = ref->nctrs, .v = o->pss_minor};
  if (ref->spec) {
    k.psc_pair = qg_ymap_pair(ref->spec, "securityContext");
    k.psc = k.psc_pair && k.psc_pair->value->kind == QG_Y_MAP ? k.psc_pair->value : NULL;
    if (!k.psc)
      k.psc_pair = NULL;
    k.windows = qg_ynode_eq(qg_ymap_path(ref->spec, "os.name"), "windows");
    k.userns = qg_ynode_bool(qg_ymap_get(ref->spec, "hostUsers")) == 0;
    k.base = ref->spec_field;
    if (o->pss_level != QG_PSS_OFF)
      for (size_t i = 0; i < QG_ARRAY_LEN(k_pss); i++)
        if (pss_active(&k_pss[i], o)) {
          k.rule = k_pss[i].rule;
          k_pss[i].fn(&k);
        }
  }
  for (size_t i = 0; i < QG_ARRAY_LEN(k_k8s); i++) {
    const k8s_row *c = &k_k8s[i];
    if ((c->scope == QG_K8S_POD && !ref->spec) || !qg_ruleset_has(o->rules, c->rule))
      continue;
    k.rule = c->rule;
    k.base = c->scope == QG_K8S_POD ? ref->spec_field : ref->field_prefix;
    c->fn(&k);
  }
}

qg_finding *qg_k8s_report(const qg_k8s_check *k, const qg_ynode *at, const qg_container *c,
                          const char *field, const char *fmt, ...) {
  const char *base = c ? c->field : k->base;
  size_t bl = strlen(base);
  bool dot = field && *field && bl && base[bl - 1] != '.';
  char fbuf[448];
  snprintf(fbuf, sizeof(fbuf), "%s%s%s", base, dot ? "." : "", field ? field : "");
  va_list ap;
  va_start(ap, fmt);
  qg_finding *f = qg_k8s_emitv(k->ref, k->rule, at, c ? c->name : NULL, fbuf, fmt, ap);
  va_end(ap);
  return f;
}
