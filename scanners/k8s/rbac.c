/* rbac.c: RBAC checks on Role, ClusterRole, RoleBinding and
 * ClusterRoleBinding of rbac.authorization.k8s.io (rules/k8s.def,
 * k8s/rbac-*). Each offending item is reported where it is written. */
#include "scanners/k8s/harden.h"

#include "core/mem.h"

#include <stdio.h>
#include <string.h>

static const char *scal(const qg_ynode *n) {
  const char *s = qg_ynode_str(n);
  return s ? s : "";
}

static const char *obj_name(const qg_pod_ref *ref) { return ref->ctx.name ? ref->ctx.name : ""; }

static int seq_has(const qg_ynode *seq, const char *s) {
  for (uint32_t i = 0; i < qg_yseq_len(seq); i++)
    if (qg_ynode_eq(qg_yseq_at(seq, i), s))
      return 1;
  return 0;
}

static void emit_at(const qg_pod_ref *ref, const qg_rule *rule, const qg_ynode *at,
                    const char *field, const char *fmt, ...) QG_PRINTF(5, 6);
static void emit_at(const qg_pod_ref *ref, const qg_rule *rule, const qg_ynode *at,
                    const char *field, const char *fmt, ...) {
  char fbuf[320];
  snprintf(fbuf, sizeof(fbuf), "%s%s", ref->field_prefix, field);
  va_list ap;
  va_start(ap, fmt);
  qg_k8s_emitv(ref, rule, at, NULL, fbuf, fmt, ap);
  va_end(ap);
}

static void wildcards(const qg_pod_ref *ref, const qg_rule *rule, const qg_ynode *r, uint32_t i) {
  static const char *const keys[] = {"apiGroups", "resources", "verbs"};
  for (size_t k = 0; k < QG_ARRAY_LEN(keys); k++) {
    const qg_ynode *seq = qg_ymap_get(r, keys[k]);
    for (uint32_t j = 0; j < qg_yseq_len(seq); j++) {
      const qg_ynode *item = qg_yseq_at(seq, j);
      if (!qg_ynode_eq(item, "*"))
        continue;
      char field[96];
      snprintf(field, sizeof(field), "rules[%u].%s[*]", i, keys[k]);
      emit_at(ref, rule, item, field, "%s \"%s\" uses the wildcard \"*\" in rules[%u].%s",
              ref->ctx.kind, obj_name(ref), i, keys[k]);
    }
  }
}

/* get, list or watch (or *) on secrets in the core group, unless the rule is
 * limited to named Secrets. Reported at the "secrets" (or "*") resource. */
static void secrets(const qg_pod_ref *ref, const qg_rule *rule, const qg_ynode *r, uint32_t i) {
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
      emit_at(ref, rule, item, field, "%s \"%s\" can %s secrets (rules[%u])", ref->ctx.kind,
              obj_name(ref), granted, i);
    } else if (qg_ynode_eq(item, "*")) {
      snprintf(field, sizeof(field), "rules[%u].resources[*]", i);
      emit_at(ref, rule, item, field,
              "%s \"%s\" can %s every resource (\"*\" in rules[%u]), secrets "
              "included",
              ref->ctx.kind, obj_name(ref), granted, i);
    }
  }
}

static void escalation_verbs(const qg_pod_ref *ref, const qg_rule *rule, const qg_ynode *r,
                             uint32_t i) {
  static const char *const bad[] = {"escalate", "bind", "impersonate"};
  const qg_ynode *verbs = qg_ymap_get(r, "verbs");
  for (uint32_t j = 0; j < qg_yseq_len(verbs); j++) {
    const qg_ynode *item = qg_yseq_at(verbs, j);
    for (size_t b = 0; b < QG_ARRAY_LEN(bad); b++) {
      if (!qg_ynode_eq(item, bad[b]))
        continue;
      char field[96];
      snprintf(field, sizeof(field), "rules[%u].verbs[%s]", i, bad[b]);
      emit_at(ref, rule, item, field, "%s \"%s\" grants the %s verb (rules[%u])", ref->ctx.kind,
              obj_name(ref), bad[b], i);
    }
  }
}

static void check_role(const qg_pod_ref *ref) {
  const qg_rule *wild = qg_k8s_rule_on(ref, "k8s/rbac-wildcard");
  const qg_rule *sec = qg_k8s_rule_on(ref, "k8s/rbac-secrets-access");
  const qg_rule *esc = qg_k8s_rule_on(ref, "k8s/rbac-escalation-verbs");
  const qg_ynode *rules = qg_ymap_get(ref->obj, "rules");
  for (uint32_t i = 0; i < qg_yseq_len(rules); i++) {
    const qg_ynode *r = qg_yseq_at(rules, i);
    if (esc)
      escalation_verbs(ref, esc, r, i);
    if (sec)
      secrets(ref, sec, r, i);
    if (wild)
      wildcards(ref, wild, r, i);
  }
}

static void check_binding(const qg_pod_ref *ref) {
  const qg_rule *admin = qg_k8s_rule_on(ref, "k8s/rbac-cluster-admin-binding");
  const qg_rule *anon = qg_k8s_rule_on(ref, "k8s/rbac-anonymous-binding");
  const qg_ynode *role = qg_ymap_get(ref->obj, "roleRef");
  const qg_ynode *role_name = qg_ymap_get(role, "name");
  const char *role_kind = scal(qg_ymap_get(role, "kind"));
  if (admin && strcmp(role_kind, "ClusterRole") == 0 && qg_ynode_eq(role_name, "cluster-admin"))
    emit_at(ref, admin, role_name, "roleRef.name",
            "%s \"%s\" binds the cluster-admin ClusterRole%s", ref->ctx.kind, obj_name(ref),
            strcmp(ref->ctx.kind, "RoleBinding") == 0 ? " in its namespace" : "");
  if (!anon)
    return;
  const qg_ynode *subjects = qg_ymap_get(ref->obj, "subjects");
  for (uint32_t i = 0; i < qg_yseq_len(subjects); i++) {
    const qg_ynode *s = qg_yseq_at(subjects, i);
    const qg_ynode *name = qg_ymap_get(s, "name");
    if (qg_ynode_eq(qg_ymap_get(s, "kind"), "ServiceAccount") ||
        !(qg_ynode_eq(name, "system:anonymous") || qg_ynode_eq(name, "system:unauthenticated")))
      continue;
    char field[96];
    snprintf(field, sizeof(field), "subjects[%s].name", scal(name));
    emit_at(ref, anon, name, field, "%s \"%s\" grants %s \"%s\" to %s", ref->ctx.kind,
            obj_name(ref), *role_kind ? role_kind : "role", scal(role_name), scal(name));
  }
}

void qg_k8s_rbac(const qg_pod_ref *ref) {
  static const char group[] = "rbac.authorization.k8s.io/";
  const char *api = ref->ctx.api_version, *kind = ref->ctx.kind;
  if (!api || !kind || strncmp(api, group, sizeof(group) - 1) != 0)
    return;
  if (strcmp(kind, "Role") == 0 || strcmp(kind, "ClusterRole") == 0)
    check_role(ref);
  else if (strcmp(kind, "RoleBinding") == 0 || strcmp(kind, "ClusterRoleBinding") == 0)
    check_binding(ref);
}
