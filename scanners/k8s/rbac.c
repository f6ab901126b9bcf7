/* rbac.c: RBAC checks on Role, ClusterRole, RoleBinding and
 * ClusterRoleBinding of rbac.authorization.k8s.io (rules/k8s.def,
 * k8s/rbac-*, scope OBJECT). Each offending item is reported where it is
 * written, its field relative to the object. */
#include "scanners/k8s/check.h"

#include "core/mem.h"

#include <stdio.h>
#include <string.h>

static const char *scal(const qg_ynode *n) {
  const char *s = qg_ynode_str(n);
  return s ? s : "";
}

static const char *obj_name(const qg_k8s_check *k) {
  return k->ref->ctx.name ? k->ref->ctx.name : "";
}

static int seq_has(const qg_ynode *seq, const char *s) {
  for (uint32_t i = 0; i < qg_yseq_len(seq); i++)
    if (qg_ynode_eq(qg_yseq_at(seq, i), s))
      return 1;
  return 0;
}

static void wildcards(const qg_k8s_check *k, const qg_ynode *r, uint32_t i) {
  static const char *const keys[] = {"apiGroups", "resources", "verbs"};
  for (size_t n = 0; n < QG_ARRAY_LEN(keys); n++) {
    const qg_ynode *seq = qg_ymap_get(r, keys[n]);
    for (uint32_t j = 0; j < qg_yseq_len(seq); j++) {
      const qg_ynode *item = qg_yseq_at(seq, j);
      if (!qg_ynode_eq(item, "*"))
        continue;
      char field[96];
      snprintf(field, sizeof(field), "rules[%u].%s[*]", i, keys[n]);
      qg_k8s_report(k, item, NULL, field, "%s \"%s\" uses the wildcard \"*\" in rules[%u].%s",
                    k->ref->ctx.kind, obj_name(k), i, keys[n]);
    }
  }
}

/* get, list or watch (or *) on secrets in the core group, unless the rule is
 * limited to named Secrets. Reported at the "secrets" (or "*") resource. */
static void secrets(const qg_k8s_check *k, const qg_ynode *r, uint32_t i) {
  static const char *const reads[] = {"get", "list", "watch"};
  const qg_ynode *groups = qg_ymap_get(r, "apiGroups");
  if (qg_yseq_len(qg_ymap_get(r, "resourceNames")) ||
      !(seq_has(groups, "") || seq_has(groups, "*")))
    return;
  const qg_ynode *verbs = qg_ymap_get(r, "verbs");
  char granted[64] = "";
  if (seq_has(verbs, "*"))
    snprintf(granted, sizeof(granted), "use every verb (\"*\") on");
  else
    for (size_t v = 0; v < QG_ARRAY_LEN(reads); v++)
      if (seq_has(verbs, reads[v])) {
        size_t l = strlen(granted);
        snprintf(granted + l, sizeof(granted) - l, "%s%s", l ? ", " : "", reads[v]);
      }
  if (!*granted)
    return;
  const qg_ynode *res = qg_ymap_get(r, "resources");
  for (uint32_t j = 0; j < qg_yseq_len(res); j++) {
    const qg_ynode *item = qg_yseq_at(res, j);
    char field[96];
    if (qg_ynode_eq(item, "secrets")) {
      snprintf(field, sizeof(field), "rules[%u].resources[secrets]", i);
      qg_k8s_report(k, item, NULL, field, "%s \"%s\" can %s secrets (rules[%u])", k->ref->ctx.kind,
                    obj_name(k), granted, i);
    } else if (qg_ynode_eq(item, "*")) {
      snprintf(field, sizeof(field), "rules[%u].resources[*]", i);
      qg_k8s_report(k, item, NULL, field,
                    "%s \"%s\" can %s every resource (\"*\" in rules[%u]), secrets "
                    "included",
                    k->ref->ctx.kind, obj_name(k), granted, i);
    }
  }
}

static void escalation_verbs(const qg_k8s_check *k, const qg_ynode *r, uint32_t i) {
  static const char *const bad[] = {"escalate", "bind", "impersonate"};
  const qg_ynode *verbs = qg_ymap_get(r, "verbs");
  for (uint32_t j = 0; j < qg_yseq_len(verbs); j++) {
    const qg_ynode *item = qg_yseq_at(verbs, j);
    for (size_t b = 0; b < QG_ARRAY_LEN(bad); b++) {
      if (!qg_ynode_eq(item, bad[b]))
        continue;
      char field[96];
      snprintf(field, sizeof(field), "rules[%u].verbs[%s]", i, bad[b]);
      qg_k8s_report(k, item, NULL, field, "%s \"%s\" grants the %s verb (rules[%u])",
                    k->ref->ctx.kind, obj_name(k), bad[b], i);
    }
  }
}

/* Is the object a Role or ClusterRole (binding 0), or a RoleBinding or
 * ClusterRoleBinding (binding 1), of rbac.authorization.k8s.io? */
static int rbac_kind(const qg_k8s_check *k, int binding) {
  static const char group[] = "rbac.authorization.k8s.io/";
  const char *api = k->ref->ctx.api_version, *kind = k->ref->ctx.kind;
  if (!api || !kind || strncmp(api, group, sizeof(group) - 1) != 0)
    return 0;
  return binding ? strcmp(kind, "RoleBinding") == 0 || strcmp(kind, "ClusterRoleBinding") == 0
                 : strcmp(kind, "Role") == 0 || strcmp(kind, "ClusterRole") == 0;
}

/* Runs fn on each item of a role's rules. */
static void each_rule(const qg_k8s_check *k,
                      void (*fn)(const qg_k8s_check *k, const qg_ynode *r, uint32_t i)) {
  if (!rbac_kind(k, 0))
    return;
  const qg_ynode *rules = qg_ymap_get(k->ref->obj, "rules");
  for (uint32_t i = 0; i < qg_yseq_len(rules); i++)
    fn(k, qg_yseq_at(rules, i), i);
}

void qg_k8s_rbac_wildcard(const qg_k8s_check *k) { each_rule(k, wildcards); }
void qg_k8s_rbac_secrets_access(const qg_k8s_check *k) { each_rule(k, secrets); }
void qg_k8s_rbac_escalation_verbs(const qg_k8s_check *k) { each_rule(k, escalation_verbs); }

void qg_k8s_rbac_cluster_admin_binding(const qg_k8s_check *k) {
  if (!rbac_kind(k, 1))
    return;
  const qg_ynode *role = qg_ymap_get(k->ref->obj, "roleRef");
  const qg_ynode *role_name = qg_ymap_get(role, "name");
  if (strcmp(scal(qg_ymap_get(role, "kind")), "ClusterRole") == 0 &&
      qg_ynode_eq(role_name, "cluster-admin"))
    qg_k8s_report(k, role_name, NULL, "roleRef.name",
                  "%s \"%s\" binds the cluster-admin ClusterRole%s", k->ref->ctx.kind, obj_name(k),
                  strcmp(k->ref->ctx.kind, "RoleBinding") == 0 ? " in its namespace" : "");
}

void qg_k8s_rbac_anonymous_binding(const qg_k8s_check *k) {
  if (!rbac_kind(k, 1))
    return;
  const qg_ynode *role = qg_ymap_get(k->ref->obj, "roleRef");
  const qg_ynode *role_name = qg_ymap_get(role, "name");
  const char *role_kind = scal(qg_ymap_get(role, "kind"));
  const qg_ynode *subjects = qg_ymap_get(k->ref->obj, "subjects");
  for (uint32_t i = 0; i < qg_yseq_len(subjects); i++) {
    const qg_ynode *s = qg_yseq_at(subjects, i);
    const qg_ynode *name = qg_ymap_get(s, "name");
    if (qg_ynode_eq(qg_ymap_get(s, "kind"), "ServiceAccount") ||
        !(qg_ynode_eq(name, "system:anonymous") || qg_ynode_eq(name, "system:unauthenticated")))
      continue;
    char field[96];
    snprintf(field, sizeof(field), "subjects[%s].name", scal(name));
    qg_k8s_report(k, name, NULL, field, "%s \"%s\" grants %s \"%s\" to %s", k->ref->ctx.kind,
                  obj_name(k), *role_kind ? role_kind : "role", scal(role_name), scal(name));
  }
}
