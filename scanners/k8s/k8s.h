/* k8s.h: the Kubernetes manifest scanner.
 *
 * Recognises Kubernetes objects in YAML/JSON documents (including kind: List
 * and the *List kinds), finds the pod spec in Pod, PodTemplate,
 * ReplicationController, ReplicaSet, Deployment, DaemonSet, StatefulSet, Job
 * and CronJob, and evaluates the enabled rules on it. */
#ifndef QG_K8S_H
#define QG_K8S_H

#include "core/finding.h"
#include "core/yamldoc.h"
#include "rules/rule.h"

typedef enum qg_pss_level { QG_PSS_OFF, QG_PSS_BASELINE, QG_PSS_RESTRICTED } qg_pss_level;

#define QG_PSS_MAX_MINOR 37 /* newest policy version: v1.37 */

typedef struct qg_k8s_opts {
  const qg_ruleset *rules; /* borrowed */
  qg_pss_level pss_level;
  unsigned pss_minor; /* 0..QG_PSS_MAX_MINOR */
} qg_k8s_opts;

/* Parses a policy version: "latest", "v1.N" (N >= 0; newer than the newest
 * known version is clamped, as upstream does). Returns QG_OK or QG_EUSAGE. */
qg_status qg_pss_parse_version(const char *s, unsigned *minor);
/* Parses "baseline", "restricted", "off" (also "privileged" = off). */
qg_status qg_pss_parse_level(const char *s, qg_pss_level *out);

/* Scans one parsed document of `path`; findings go to r. */
void qg_k8s_scan_document(const qg_k8s_opts *o, const char *path, const qg_ynode *root,
                          qg_result *r);

/* ---- internal: shared by objects.c and pss.c ---------------------------- */

typedef struct qg_pod_ref {
  const qg_k8s_opts *opts;
  qg_result *result;
  const char *path;
  qg_context ctx;           /* object context; container/field set per finding */
  const qg_ynode *spec;     /* the pod spec mapping */
  const qg_ynode *meta;     /* the pod metadata (template metadata for workloads) */
  const char *spec_field;   /* "spec.template.spec" */
  const char *meta_field;   /* "spec.template.metadata" */
} qg_pod_ref;

/* The rule id of the i-th PSS check implementation, or NULL past the end
 * (for the registry's self-test). */
const char *qg_pss_check_rule(size_t i);

/* Evaluates the Pod Security Standards on one pod spec. */
void qg_pss_check_pod(const qg_pod_ref *pod);

#endif
