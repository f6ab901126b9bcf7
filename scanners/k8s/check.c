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

enum { QG_K8S_OBJECT, QG_K8S_POD, QG_K8S_INPUT, QG_K8S_INPUT_POD };

typedef struct k8s_row {
  const qg_rule *rule;
  int scope; /* QG_K8S_POD: objects with a pod spec; QG_K8S_OBJECT: every object;
                QG_K8S_INPUT(_POD): the same, once the whole input is read */
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

/* What every check of one object reads. */
static void check_init(qg_k8s_check *k, const qg_pod_ref *ref) {
  *k = (qg_k8s_check){.ref = ref, .ctrs = ref->ctrs, .n = ref->nctrs, .v = ref->opts->pss_minor};
  if (ref->spec) {
    k->psc_pair = qg_ymap_pair(ref->spec, "securityContext");
    k->psc = k->psc_pair && k->psc_pair->value->kind == QG_Y_MAP ? k->psc_pair->value : NULL;
    if (!k->psc)
      k->psc_pair = NULL;
    k->windows = qg_ynode_eq(qg_ymap_path(ref->spec, "os.name"), "windows");
    k->userns = qg_ynode_bool(qg_ymap_get(ref->spec, "hostUsers")) == 0;
  }
}

/* Runs the enabled rows of the two scopes given. */
static void run_rows(qg_k8s_check *k, int obj_scope, int pod_scope) {
  const qg_pod_ref *ref = k->ref;
  for (size_t i = 0; i < QG_ARRAY_LEN(k_k8s); i++) {
    const k8s_row *c = &k_k8s[i];
    if ((c->scope != obj_scope && c->scope != pod_scope) || (c->scope == pod_scope && !ref->spec) ||
        !qg_ruleset_has(ref->opts->rules, c->rule))
      continue;
    k->rule = c->rule;
    k->base = c->scope == pod_scope ? ref->spec_field : ref->field_prefix;
    c->fn(k);
  }
}

bool qg_k8s_input_rows_on(const qg_k8s_opts *o) {
  for (size_t i = 0; i < QG_ARRAY_LEN(k_k8s); i++)
    if ((k_k8s[i].scope == QG_K8S_INPUT || k_k8s[i].scope == QG_K8S_INPUT_POD) &&
        qg_ruleset_has(o->rules, k_k8s[i].rule))
      return true;
  return false;
}

void qg_k8s_run_input_checks(const qg_pod_ref *ref, const struct qg_k8s_input *input) {
  qg_k8s_check k;
  check_init(&k, ref);
  k.input = input;
  run_rows(&k, QG_K8S_INPUT, QG_K8S_INPUT_POD);
}

void qg_k8s_run_checks(const qg_pod_ref *ref) {
  const qg_k8s_opts *o = ref->opts;
  qg_k8s_check k;
  check_init(&k, ref);
  if (ref->spec) {
    k.base = ref->spec_field;
    if (o->pss_level != QG_PSS_OFF)
      for (size_t i = 0; i < QG_ARRAY_LEN(k_pss); i++)
        if (pss_active(&k_pss[i], o)) {
          k.rule = k_pss[i].rule;
          k_pss[i].fn(&k);
        }
  }
  run_rows(&k, QG_K8S_OBJECT, QG_K8S_POD);
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
