/* check.h: what a built-in Kubernetes check sees, and how it reports.
 *
 * A check is one row of rules/pss.def or rules/k8s.def and one function the
 * row names, void qg_pss_<slug>(const qg_k8s_check *k) or
 * void qg_k8s_<slug>(const qg_k8s_check *k), in any file of scanners/k8s/.
 * This header declares every such function from the rows, and check.c builds
 * its tables from the same rows: the function's rule, PSS level, policy
 * version and scope are the row's, written once. A check runs only while its
 * rule is on; it reports through qg_k8s_report, which fills in the rule. */
#ifndef QG_K8S_CHECK_H
#define QG_K8S_CHECK_H

#include "scanners/k8s/k8s.h"

#include <stdbool.h>

/* One object as every check sees it. Built once per object (check.c); a
 * check only reads it. */
typedef struct qg_k8s_check {
  const qg_pod_ref *ref;    /* the object, and its pod spec when it has one */
  const qg_rule *rule;      /* the rule of the row being run */
  const char *base;         /* the path a field without a container is relative to:
                               the pod spec's (POD rows), the object's prefix ("" or
                               "items[3].", OBJECT rows) */
  const qg_container *ctrs; /* the pod's containers (ref->ctrs) */
  size_t n;
  const qg_ynode *psc;              /* the pod securityContext mapping, or NULL */
  const qg_ypair *psc_pair;         /* its pair when psc is set */
  bool windows;                     /* spec.os.name is windows */
  bool userns;                      /* spec.hostUsers is false (a user namespace) */
  unsigned v;                       /* the policy's minor version (v1.N) */
  const struct qg_k8s_input *input; /* the whole input (scanners/k8s/input.h): rows of
                                       scope INPUT and INPUT_POD; NULL for the others */
} qg_k8s_check;

/* Adds a finding of k->rule at node `at` (see qg_k8s_emit). Its field is
 * base.field, where base is container c's path when c is set, else k->base;
 * no dot is added after an empty base or one ending in '.', nor before an
 * empty field. Returns the finding (borrowed, valid until the next one is
 * added), or NULL when nothing was added. */
qg_finding *qg_k8s_report(const qg_k8s_check *k, const qg_ynode *at, const qg_container *c,
                          const char *field, const char *fmt, ...) QG_PRINTF(5, 6);

/* A scalar's text, "" for anything else (a missing node, null, a collection). */
static inline const char *qg_k8s_scal(const qg_ynode *n) {
  const char *s = qg_ynode_str(n);
  return s ? s : "";
}

/* "container", "init container" or "ephemeral container", for messages. */
static inline const char *qg_k8s_ctr_word(const qg_container *c) {
  return c->kind == QG_CTR_INIT        ? "init container"
         : c->kind == QG_CTR_EPHEMERAL ? "ephemeral container"
                                       : "container";
}

/* Is kind a workload whose spec.replicas counts the pods of one template
 * (Deployment, StatefulSet, ReplicaSet, ReplicationController,
 * DeploymentConfig, Rollout)? (scanners/k8s/spread.c) */
bool qg_k8s_replicated_kind(const char *kind);

/* Where a missing container field belongs: the container's securityContext
 * key if it has one, else the container entry. */
static inline const qg_ynode *qg_k8s_ctr_missing_at(const qg_container *c) {
  return c->sc_pair ? c->sc_pair->key : c->node;
}

/* Every check function named in rules/pss.def and rules/k8s.def. */
#define QG_PSS(id_, name_, sev_, level_, since_, overrides_, check_, ...)                          \
  void check_(const qg_k8s_check *k);
#define QG_K8S(id_, name_, sev_, flags_, scope_, check_, ...) void check_(const qg_k8s_check *k);
#include "rules/k8s.def"
#include "rules/pss.def"
#undef QG_K8S
#undef QG_PSS

/* Runs the enabled checks on one object: the PSS rows of the level and
 * version (when the object has a pod spec and the level is not off), then the
 * k8s rows of their scope. */
void qg_k8s_run_checks(const qg_pod_ref *ref);

/* Runs the enabled rows of scope INPUT and INPUT_POD on one object, with the
 * whole input at hand (scanners/k8s/input.c). */
void qg_k8s_run_input_checks(const qg_pod_ref *ref, const struct qg_k8s_input *input);
/* Is a row of scope INPUT or INPUT_POD enabled? */
bool qg_k8s_input_rows_on(const qg_k8s_opts *o);

/* The rule of the i-th row of the check tables (pss.def's, then k8s.def's),
 * or NULL past the end; for the registry's self-test. */
const qg_rule *qg_k8s_check_rule(size_t i);

#endif
