/* spread.c: reliability checks of how a workload's pods are spread and
 * disrupted, one object at a time (rules/k8s.def): k8s/anti-affinity-missing
 * (POD: a replicated workload whose pods may all land on one node),
 * k8s/pdb-blocks-eviction, k8s/pdb-budget-conflict and
 * k8s/pdb-unhealthy-eviction-policy (OBJECT: a PodDisruptionBudget alone),
 * k8s/job-restart-policy (POD: a Job's pods must not restart Always) and
 * k8s/job-ttl-missing (OBJECT: a standalone Job never cleaned up). Also the
 * label selector helpers of k8s.h. */
#include "scanners/k8s/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- label selectors ------------------------------------------------------ */

/* A label value as Kubernetes reads it: a null scalar is "", a collection
 * is not a value (NULL). */
static const char *label_text(const qg_ynode *n) {
  if (!n || n->kind != QG_Y_SCALAR)
    return NULL;
  return qg_ynode_is_null(n) ? "" : qg_ynode_str(n);
}

/* The value of label key in labels, or NULL when labels (a mapping) lacks it. */
static const char *label_of(const qg_ynode *labels, const char *key) {
  if (!labels || labels->kind != QG_Y_MAP)
    return NULL;
  const qg_ynode *v = qg_ymap_get(labels, key);
  return v ? label_text(v) : NULL;
}

/* Does every key: value of mapping m appear in labels? Sets *ok to false when
 * m holds a value that is not a scalar (an invalid selector). */
static bool map_in(const qg_ynode *m, const qg_ynode *labels, bool *ok) {
  bool all = true;
  for (uint32_t i = 0; i < m->u.map.n; i++) {
    const char *k = qg_ynode_str(m->u.map.pairs[i].key);
    const char *want = label_text(m->u.map.pairs[i].value);
    if (!k || !want) {
      *ok = false;
      return false;
    }
    const char *have = label_of(labels, k);
    if (!have || strcmp(have, want) != 0)
      all = false;
  }
  return all;
}

/* One matchExpressions entry; *ok false when it is invalid. */
static bool expr_matches(const qg_ynode *e, const qg_ynode *labels, bool *ok) {
  const char *key = qg_ynode_str(qg_ymap_get(e, "key"));
  const char *op = qg_ynode_str(qg_ymap_get(e, "operator"));
  const qg_ynode *values = qg_ymap_get(e, "values");
  if (!key || !op || (values && !qg_ynode_is_null(values) && values->kind != QG_Y_SEQ)) {
    *ok = false;
    return false;
  }
  uint32_t nv = qg_yseq_len(values);
  const char *have = label_of(labels, key);
  bool in = strcmp(op, "In") == 0, notin = strcmp(op, "NotIn") == 0;
  if (in || notin) {
    if (nv == 0) { /* the API requires values for In and NotIn */
      *ok = false;
      return false;
    }
    bool found = false;
    for (uint32_t i = 0; i < nv; i++) {
      const char *v = label_text(qg_yseq_at(values, i));
      if (!v) {
        *ok = false;
        return false;
      }
      if (have && strcmp(have, v) == 0)
        found = true;
    }
    return in ? found : !found;
  }
  bool exists = strcmp(op, "Exists") == 0;
  if ((exists || strcmp(op, "DoesNotExist") == 0) && nv == 0)
    return exists ? have != NULL : have == NULL;
  *ok = false; /* an unknown operator, or values with Exists/DoesNotExist */
  return false;
}

bool qg_k8s_selector_matches(const qg_ynode *selector, const qg_ynode *labels) {
  if (qg_ynode_is_null(selector) || selector->kind != QG_Y_MAP)
    return false;
  bool ok = true, match = true;
  const qg_ynode *ml = qg_ymap_get(selector, "matchLabels");
  if (ml && !qg_ynode_is_null(ml)) {
    if (ml->kind != QG_Y_MAP)
      return false;
    match = map_in(ml, labels, &ok) && match;
  }
  const qg_ynode *me = qg_ymap_get(selector, "matchExpressions");
  if (me && !qg_ynode_is_null(me)) {
    if (me->kind != QG_Y_SEQ)
      return false;
    for (uint32_t i = 0; i < qg_yseq_len(me) && ok; i++) {
      const qg_ynode *e = qg_yseq_at(me, i);
      if (!e || e->kind != QG_Y_MAP)
        return false;
      match = expr_matches(e, labels, &ok) && match;
    }
  }
  return ok && match;
}

bool qg_k8s_map_selector_matches(const qg_ynode *selector_map, const qg_ynode *labels) {
  if (!selector_map || selector_map->kind != QG_Y_MAP || selector_map->u.map.n == 0)
    return false;
  bool ok = true;
  return map_in(selector_map, labels, &ok) && ok;
}

/* ---- k8s/anti-affinity-missing -------------------------------------------- */

/* Why a pod anti-affinity term or topology spread constraint does not spread
 * the pod's own replicas, or NULL when it does. *at is set to the node to
 * report and *sub to the field under the term ("" or ".labelSelector"...). */
static const char *spread_fault(const qg_ynode *term, const qg_ynode *labels, const qg_ynode **at,
                                const char **sub) {
  *at = term;
  *sub = "";
  if (!term || term->kind != QG_Y_MAP)
    return "is not a mapping";
  const qg_ypair *sel = qg_ymap_pair(term, "labelSelector");
  const qg_ypair *tk = qg_ymap_pair(term, "topologyKey");
  if (!sel || qg_ynode_is_null(sel->value))
    return "has no labelSelector, so it selects no pods";
  if (!qg_k8s_selector_matches(sel->value, labels)) {
    *at = sel->key;
    *sub = ".labelSelector";
    return "has a labelSelector that does not select the pod's own labels "
           "(spec.template.metadata.labels)";
  }
  if (!tk || !qg_ynode_str(tk->value) || !*qg_ynode_str(tk->value)) {
    *at = tk ? tk->key : term;
    *sub = tk ? ".topologyKey" : "";
    return "has no topologyKey";
  }
  return NULL;
}

bool qg_k8s_replicated_kind(const char *kind) {
  static const char *const kinds[] = {"Deployment",       "StatefulSet",
                                      "ReplicaSet",       "ReplicationController",
                                      "DeploymentConfig", "Rollout"};
  for (size_t i = 0; i < QG_ARRAY_LEN(kinds); i++)
    if (strcmp(kind, kinds[i]) == 0)
      return true;
  return false;
}

/* A workload with spec.replicas above 1 (absent is 1) whose pod spec has
 * neither a pod anti-affinity term nor a topology spread constraint that
 * selects the pod's own labels with a topology key. With none at all: one
 * finding at the pod spec; else one per term that does not count, at what is
 * wrong with it. */
void qg_k8s_anti_affinity_missing(const qg_k8s_check *k) {
  const qg_pod_ref *ref = k->ref;
  long long replicas;
  if (!qg_k8s_replicated_kind(ref->ctx.kind) ||
      !qg_ynode_int(qg_ymap_path(ref->obj, "spec.replicas"), &replicas) || replicas < 2)
    return;
  const qg_ynode *labels = qg_ymap_get(ref->meta, "labels");
  const qg_ynode *paa = qg_ymap_path(ref->spec, "affinity.podAntiAffinity");
  const qg_ynode *req = qg_ymap_get(paa, "requiredDuringSchedulingIgnoredDuringExecution");
  const qg_ynode *pref = qg_ymap_get(paa, "preferredDuringSchedulingIgnoredDuringExecution");
  const qg_ynode *tsc = qg_ymap_get(ref->spec, "topologySpreadConstraints");
  uint32_t nreq = qg_yseq_len(req), npref = qg_yseq_len(pref), ntsc = qg_yseq_len(tsc);
  const char *name = ref->ctx.name ? ref->ctx.name : "";
  if (nreq + npref + ntsc == 0) {
    qg_k8s_report(k, ref->spec, NULL, "affinity.podAntiAffinity",
                  "%s \"%s\" runs %lld replicas with neither pod anti-affinity nor topology "
                  "spread constraints: they may all run on one node",
                  ref->ctx.kind, name, replicas);
    return;
  }
  /* does any term count? */
  const qg_ynode *at;
  const char *sub;
  for (uint32_t i = 0; i < nreq; i++)
    if (!spread_fault(qg_yseq_at(req, i), labels, &at, &sub))
      return;
  for (uint32_t i = 0; i < npref; i++)
    if (!spread_fault(qg_ymap_get(qg_yseq_at(pref, i), "podAffinityTerm"), labels, &at, &sub))
      return;
  for (uint32_t i = 0; i < ntsc; i++)
    if (!spread_fault(qg_yseq_at(tsc, i), labels, &at, &sub))
      return;
  /* none does: say what is wrong with each */
  char field[256];
  for (uint32_t i = 0; i < nreq; i++) {
    const char *why = spread_fault(qg_yseq_at(req, i), labels, &at, &sub);
    snprintf(field, sizeof(field),
             "affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[%u]%s", i,
             sub);
    qg_k8s_report(k, at, NULL, field, "%s \"%s\" runs %lld replicas; its pod anti-affinity term %s",
                  ref->ctx.kind, name, replicas, why);
  }
  for (uint32_t i = 0; i < npref; i++) {
    const qg_ynode *item = qg_yseq_at(pref, i);
    const qg_ynode *term = qg_ymap_get(item, "podAffinityTerm");
    const char *why = spread_fault(term, labels, &at, &sub);
    if (!term || term->kind != QG_Y_MAP) {
      at = item;
      why = "has no podAffinityTerm";
    }
    snprintf(field, sizeof(field),
             "affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[%u]."
             "podAffinityTerm%s",
             i, sub);
    qg_k8s_report(k, at, NULL, field, "%s \"%s\" runs %lld replicas; its pod anti-affinity term %s",
                  ref->ctx.kind, name, replicas, why);
  }
  for (uint32_t i = 0; i < ntsc; i++) {
    const char *why = spread_fault(qg_yseq_at(tsc, i), labels, &at, &sub);
    snprintf(field, sizeof(field), "topologySpreadConstraints[%u]%s", i, sub);
    qg_k8s_report(k, at, NULL, field,
                  "%s \"%s\" runs %lld replicas; its topology spread constraint %s", ref->ctx.kind,
                  name, replicas, why);
  }
}

/* ---- PodDisruptionBudget checks ------------------------------------------- */

static const qg_ynode *pdb_spec(const qg_k8s_check *k) {
  const char *api = k->ref->ctx.api_version;
  if (strcmp(k->ref->ctx.kind, "PodDisruptionBudget") != 0 ||
      (strcmp(api, "policy/v1") != 0 && strcmp(api, "policy/v1beta1") != 0))
    return NULL;
  const qg_ynode *spec = qg_ymap_get(k->ref->obj, "spec");
  return spec && spec->kind == QG_Y_MAP ? spec : NULL;
}

/* An int-or-string budget: sets *pct (a percentage, "N%") and *n. False when
 * it is neither a whole number nor one followed by '%'. */
static bool budget_value(const qg_ynode *v, bool *pct, long long *n) {
  const char *s = v && v->kind == QG_Y_SCALAR ? qg_ynode_str(v) : NULL;
  if (!s)
    return false;
  size_t l = strlen(s);
  if (l > 1 && l < 12 && s[l - 1] == '%') {
    for (size_t i = 0; i + 1 < l; i++)
      if (s[i] < '0' || s[i] > '9')
        return false;
    *pct = true;
    *n = strtoll(s, NULL, 10);
    return true;
  }
  *pct = false;
  return qg_ynode_int(v, n);
}

/* maxUnavailable 0 (or 0%), or minAvailable 100% (or more): no pod it covers
 * may ever be evicted. At the value. */
void qg_k8s_pdb_blocks_eviction(const qg_k8s_check *k) {
  const qg_ynode *spec = pdb_spec(k);
  if (!spec)
    return;
  const char *name = k->ref->ctx.name ? k->ref->ctx.name : "";
  const qg_ynode *mu = qg_ymap_get(spec, "maxUnavailable");
  const qg_ynode *ma = qg_ymap_get(spec, "minAvailable");
  bool pct;
  long long n;
  if (budget_value(mu, &pct, &n) && n == 0)
    qg_k8s_report(k, mu, NULL, "spec.maxUnavailable",
                  "PodDisruptionBudget \"%s\" allows no pod to be evicted (maxUnavailable: %s): "
                  "node drains wait for ever",
                  name, qg_ynode_str(mu));
  if (budget_value(ma, &pct, &n) && pct && n >= 100)
    qg_k8s_report(k, ma, NULL, "spec.minAvailable",
                  "PodDisruptionBudget \"%s\" allows no pod to be evicted (minAvailable: %s): "
                  "node drains wait for ever",
                  name, qg_ynode_str(ma));
}

/* Both minAvailable and maxUnavailable: the API server refuses the object.
 * At the second one written. */
void qg_k8s_pdb_budget_conflict(const qg_k8s_check *k) {
  const qg_ynode *spec = pdb_spec(k);
  if (!spec)
    return;
  const qg_ypair *mu = qg_ymap_pair(spec, "maxUnavailable");
  const qg_ypair *ma = qg_ymap_pair(spec, "minAvailable");
  if (!mu || !ma || qg_ynode_is_null(mu->value) || qg_ynode_is_null(ma->value))
    return;
  bool ma_last = ma > mu; /* pairs are stored in the order written */
  const qg_ypair *second = ma_last ? ma : mu;
  qg_k8s_report(k, second->key, NULL, ma_last ? "spec.minAvailable" : "spec.maxUnavailable",
                "PodDisruptionBudget \"%s\" sets both minAvailable and maxUnavailable: the API "
                "server refuses it",
                k->ref->ctx.name ? k->ref->ctx.name : "");
}

/* unhealthyPodEvictionPolicy other than AlwaysAllow (absent is
 * IfHealthyBudget): a pod that never becomes ready blocks drains. At the value,
 * else at the spec key. */
void qg_k8s_pdb_unhealthy_eviction_policy(const qg_k8s_check *k) {
  const qg_ynode *spec = pdb_spec(k);
  if (!spec)
    return;
  const char *name = k->ref->ctx.name ? k->ref->ctx.name : "";
  const qg_ynode *p = qg_ymap_get(spec, "unhealthyPodEvictionPolicy");
  if (qg_ynode_is_null(p)) {
    qg_k8s_report(k, qg_ymap_pair(k->ref->obj, "spec")->key, NULL,
                  "spec.unhealthyPodEvictionPolicy",
                  "PodDisruptionBudget \"%s\" sets no unhealthyPodEvictionPolicy (default "
                  "IfHealthyBudget): pods that never become ready block node drains",
                  name);
  } else if (!qg_ynode_eq(p, "AlwaysAllow")) {
    const char *s = qg_ynode_str(p);
    qg_k8s_report(k, p, NULL, "spec.unhealthyPodEvictionPolicy",
                  "PodDisruptionBudget \"%s\" has unhealthyPodEvictionPolicy %s: pods that never "
                  "become ready block node drains",
                  name, s ? s : "(not a string)");
  }
}

/* ---- k8s/job-restart-policy, k8s/job-ttl-missing --------------------------- */

static bool batch_kind(const qg_pod_ref *ref, const char *kind) {
  return strcmp(ref->ctx.kind, kind) == 0 && strncmp(ref->ctx.api_version, "batch/", 6) == 0;
}

/* A Job's or CronJob's pod template whose restartPolicy is not Never or
 * OnFailure; absent defaults to Always, which the API refuses for a Job. At
 * the value, else at the pod spec. */
void qg_k8s_job_restart_policy(const qg_k8s_check *k) {
  const qg_pod_ref *ref = k->ref;
  if (!batch_kind(ref, "Job") && !batch_kind(ref, "CronJob"))
    return;
  const qg_ynode *rp = qg_ymap_get(ref->spec, "restartPolicy");
  if (qg_ynode_eq(rp, "Never") || qg_ynode_eq(rp, "OnFailure"))
    return;
  const char *name = ref->ctx.name ? ref->ctx.name : "";
  if (qg_ynode_is_null(rp)) {
    qg_k8s_report(k, ref->spec, NULL, "restartPolicy",
                  "%s \"%s\" sets no restartPolicy in its pod template (default Always, which the "
                  "API refuses for a Job)",
                  ref->ctx.kind, name);
    return;
  }
  const char *s = qg_ynode_str(rp);
  qg_k8s_report(k, rp, NULL, "restartPolicy",
                "%s \"%s\" has restartPolicy %s in its pod template: a Job's pods must use Never "
                "or OnFailure",
                ref->ctx.kind, name, s ? s : "(not a string)");
}

/* A Job (batch) not owned by another object (ownerReferences: a CronJob or an
 * operator cleans it up) without spec.ttlSecondsAfterFinished. At the spec
 * key, else the object. */
void qg_k8s_job_ttl_missing(const qg_k8s_check *k) {
  const qg_pod_ref *ref = k->ref;
  if (!batch_kind(ref, "Job") || qg_yseq_len(qg_ymap_get(ref->obj_meta, "ownerReferences")) > 0)
    return;
  const qg_ynode *spec = qg_ymap_get(ref->obj, "spec");
  if (spec && spec->kind != QG_Y_MAP)
    return;
  if (!qg_ynode_is_null(qg_ymap_get(spec, "ttlSecondsAfterFinished")))
    return;
  const qg_ypair *sp = qg_ymap_pair(ref->obj, "spec");
  qg_k8s_report(k, sp ? sp->key : ref->obj, NULL, "spec.ttlSecondsAfterFinished",
                "Job \"%s\" sets no ttlSecondsAfterFinished: it and its pods stay after it "
                "finishes",
                ref->ctx.name ? ref->ctx.name : "");
}
