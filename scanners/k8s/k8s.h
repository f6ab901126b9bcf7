/* k8s.h: the Kubernetes manifest scanner.
 *
 * Recognises Kubernetes objects in YAML/JSON documents (including kind: List
 * and the *List kinds), finds the pod spec in Pod, PodTemplate,
 * ReplicationController, ReplicaSet, Deployment, DaemonSet, StatefulSet, Job
 * and CronJob, DeploymentConfig, Rollout and the kinds .qgate.yml declares
 * (qg_scan_policy.pod_templates), and evaluates the enabled rules on it. */
#ifndef QG_K8S_H
#define QG_K8S_H

#include "scanners/policy.h"
#include "core/finding.h"
#include "core/yamldoc.h"
#include "rules/rule.h"

#include <stdarg.h>

typedef enum qg_pss_level { QG_PSS_OFF, QG_PSS_BASELINE, QG_PSS_RESTRICTED } qg_pss_level;

#define QG_PSS_MAX_MINOR 37 /* newest policy version: v1.37 */

typedef struct qg_k8s_opts {
  const qg_ruleset *rules;      /* borrowed */
  const qg_scan_policy *policy; /* borrowed; exemptions and custom rules; may be NULL */
  qg_pss_level pss_level;
  unsigned pss_minor;  /* 0..QG_PSS_MAX_MINOR */
  bool kube_set;       /* a target Kubernetes release was given (--kube-version) */
  unsigned kube_minor; /* with kube_set: the target release, 1.<kube_minor> */
  /* The checks across objects (scanners/k8s/input.h): keep every object for
   * them (set by the scan when one of them runs); keep_only: keep, check
   * nothing (a file of another --shard); complete: the input is the whole
   * namespace (--complete-input), so what it lacks does not exist. */
  bool keep, keep_only, complete;
} qg_k8s_opts;

#define QG_KUBE_MAX_MINOR 999 /* a cap on --kube-version's minor, not a known release */

/* Parses a target Kubernetes release: "1.N", "v1.N" or "1.N.P" (digits only,
 * N <= QG_KUBE_MAX_MINOR, P <= 9999). Returns QG_OK with *minor = N, or
 * QG_EUSAGE. */
qg_status qg_kube_parse_version(const char *s, unsigned *minor);

/* Parses a policy version: "latest", "v1.N" (N >= 0; newer than the newest
 * known version is clamped, as upstream does). Returns QG_OK or QG_EUSAGE. */
qg_status qg_pss_parse_version(const char *s, unsigned *minor);
/* Parses "baseline", "restricted", "off" (also "privileged" = off). */
qg_status qg_pss_parse_level(const char *s, qg_pss_level *out);

/* Scans one parsed document of `path`; findings go to r. */
void qg_k8s_scan_document(const qg_k8s_opts *o, const char *path, const qg_ynode *root,
                          qg_result *r);

/* Is kind of API group `group` ("" = core) one whose pod template qgate knows
 * (Deployment of apps, DeploymentConfig of apps.openshift.io, ...)? */
bool qg_k8s_builtin_pod_kind(const char *group, const char *kind);

/* ---- internal: shared by the files of scanners/k8s/ (the checks: check.h) -- */

#define QG_K8S_MAX_CONTAINERS                                                                      \
  256 /* containers checked per pod (a cap, not a limit of the API);
                                     a pod with more is an error */
#define QG_K8S_MAX_LIST_DEPTH                                                                      \
  4 /* Lists in Lists: one at this depth (0 = the document's)
                                     is read, a deeper one is an error */

typedef enum qg_ctr_kind { QG_CTR_INIT, QG_CTR_REGULAR, QG_CTR_EPHEMERAL } qg_ctr_kind;

/* One container of a pod spec, with what every check needs of it. */
typedef struct qg_container {
  const qg_ynode *node;    /* the container mapping */
  const qg_ynode *sc;      /* its securityContext mapping, or NULL */
  const qg_ypair *sc_pair; /* the securityContext pair when sc is set */
  const char *name;        /* "" when unnamed */
  qg_ctr_kind kind;
  char field[192]; /* "spec.template.spec.containers[app]" */
} qg_container;

/* One Kubernetes object being checked, and its pod spec when it has one. */
typedef struct qg_pod_ref {
  const qg_k8s_opts *opts;
  qg_result *result;
  const char *path;
  qg_context ctx;           /* object context; container/field set per finding */
  const qg_ynode *obj;      /* the object mapping */
  const qg_ynode *obj_meta; /* its metadata, or NULL */
  const char *field_prefix; /* "" or "items[3]." inside a List */
  const qg_ynode *spec;     /* the pod spec mapping, or NULL for other kinds */
  const qg_ynode *meta;     /* the pod metadata (template metadata for workloads) */
  const char *spec_field;   /* "spec.template.spec" */
  const char *meta_field;   /* "spec.template.metadata" */
  size_t first_finding;     /* index of this object's first finding in result */
  const qg_container *ctrs; /* the pod's init, regular and ephemeral containers, in
                               that order (upstream's visit order); borrowed */
  size_t nctrs;
} qg_pod_ref;

/* Adds a finding of `rule` at node `at` (a collection is reported at its
 * first line) for the object of ref. container may be NULL; field is the
 * node's logical path. The severity is the one the rule set gives. A rule
 * whose aliases name "qgate:<id>" is the same check as rule <id> and stays
 * quiet where that rule already reported this node of this object; a
 * finding of <id> is suppressed when its paired rule is suppressed for the
 * object (annotation or exemption). */
/* Returns the finding (borrowed, valid until the next one is added), or
 * NULL when nothing was added. */
qg_finding *qg_k8s_emit(const qg_pod_ref *ref, const qg_rule *rule, const qg_ynode *at,
                        const char *container, const char *field, const char *fmt, ...)
    QG_PRINTF(6, 7);
qg_finding *qg_k8s_emitv(const qg_pod_ref *ref, const qg_rule *rule, const qg_ynode *at,
                         const char *container, const char *field, const char *fmt, va_list ap)
    QG_PRINTF(6, 0);

/* Is part `former` (a "former:<id>" alias of rule, with that old rule's
 * tool aliases) of a finding at `field` suppressed for this object, by an
 * annotation or a .qgate.yml exemption naming the old id? Sets *by and *why
 * (borrowed). */
int qg_k8s_part_suppressed(const qg_pod_ref *ref, const qg_rule *rule, const char *former,
                           const char *aliases, const char *field, const char **by,
                           const char **why);
/* Has a rule of `group` ("pss") already reported, for this object and this
 * container (NULL: the pod), a field under prefix (prefix + ".")? Suppressed
 * findings count. */
bool qg_k8s_reported_under(const qg_pod_ref *ref, const char *group, const char *container,
                           const char *prefix);

/* Fix builders (scanners/k8s/fix.c); each returns a new fix (the finding
 * takes ownership) or NULL when the text cannot be edited mechanically. */
/* Replace scalar n with text. */
qg_fix *qg_fix_replace(const qg_ynode *n, const char *text, const char *description);
/* Add entries to mapping m: `block` is the text for a block mapping, in
 * lines relative to the mapping's indentation ("key:\n  sub: v"); `flow` the
 * same entries in flow style ("key: {sub: v}") for a flow mapping. */
qg_fix *qg_fix_add_to_map(const qg_ynode *m, const char *block, const char *flow,
                          const char *description);
/* Set entries in the securityContext of owner (a container or pod spec):
 * into sc when it exists, else as a new securityContext. */
qg_fix *qg_fix_set_in_sc(const qg_ynode *owner, const qg_ynode *sc, const char *block,
                         const char *flow, const char *description);
/* Marks fix (when not NULL) risky, with caution (copied): what a person
 * checks when it is applied. Returns fix. */
qg_fix *qg_fix_risky(qg_fix *fix, const char *caution);
/* a's edits followed by b's, in a (b is freed), risky when either is; either may
 * be NULL. */
qg_fix *qg_fix_join(qg_fix *a, qg_fix *b);
/* fix, unless container securityContext sc sets privileged: true or adds
 * SYS_ADMIN: the API server refuses allowPrivilegeEscalation: false beside
 * them ("cannot set `allowPrivilegeEscalation` to false and `privileged` to
 * true"), so an allowPrivilegeEscalation fix waits for them to go (NULL, fix
 * freed). */
qg_fix *qg_fix_unless_escalating(const qg_ynode *sc, qg_fix *fix);
/* The cautions of the risky fixes. */
#define QG_FIX_CAUTION_READ_ONLY_ROOT                                                              \
  "the process may need a writable path: mount an emptyDir volume at /tmp (and wherever else it "  \
  "writes)"
#define QG_FIX_CAUTION_DROP_ALL                                                                    \
  "a process that binds a port below 1024, changes file owners or switches user needs that "       \
  "capability added back (capabilities.add)"
#define QG_FIX_CAUTION_PRIVILEGED                                                                  \
  "what the container does with the host's devices, mounts or kernel settings stops working"
#define QG_FIX_CAUTION_NON_ROOT                                                                    \
  "the kubelet refuses to start a container whose image runs as root or names its user (not a "    \
  "number): set runAsUser to the image's non-root UID"
/* Gives fix to f (which takes ownership), or frees it when f is NULL or
 * already has one. */
void qg_fix_attach(qg_finding *f, qg_fix *fix);

/* Sets up the object obj of path (at field_prefix in its document) as the
 * checks see it, and calls fn with it. quiet: say nothing about the object (it
 * was read before), count nothing. */
void qg_k8s_with_ref(const qg_k8s_opts *o, const char *path, const char *field_prefix,
                     const qg_ynode *obj, qg_result *r, bool quiet,
                     void (*fn)(const qg_pod_ref *ref, void *ud), void *ud);
/* The pod spec of obj when its kind (apiVersion api) has a pod template, with
 * the dotted paths of the pod spec and the pod metadata (NULL for a declared
 * kind without one; static, or the configuration's); else NULL. */
const qg_ynode *qg_k8s_pod_template(const qg_k8s_opts *o, const char *api, const char *kind,
                                    const qg_ynode *obj, const char **spec_path,
                                    const char **meta_path);
/* Label selectors (scanners/k8s/spread.c), for every check that asks which
 * pods an object selects. labels is a pod's labels mapping (NULL or not a
 * mapping: no labels); a label value written null is "".
 * qg_k8s_selector_matches: a metav1.LabelSelector (matchLabels and
 * matchExpressions In, NotIn, Exists, DoesNotExist, all ANDed), as
 * LabelSelectorAsSelector reads it: an empty mapping {} selects every pod;
 * NULL, a null value or a non-mapping selects none (what a missing selector
 * means in a pod affinity term or topology spread constraint; a check where
 * absent means "all", a policy/v1 PDB or a NetworkPolicy's podSelector, passes
 * an empty selector itself). An invalid selector (an unknown operator, In or
 * NotIn without values, values beside Exists or DoesNotExist, a non-scalar
 * value), which the API refuses, selects none.
 * qg_k8s_map_selector_matches: a plain key: value map (a Service's or
 * ReplicationController's spec.selector): every pair must be among the
 * labels; NULL, a non-mapping or an empty mapping selects none (a Service
 * without a selector chooses no pods by label). */
bool qg_k8s_selector_matches(const qg_ynode *selector, const qg_ynode *labels);
bool qg_k8s_map_selector_matches(const qg_ynode *selector_map, const qg_ynode *labels);

/* Custom rules from .qgate.yml (scanners/k8s/custom.c), for every object. */
void qg_k8s_custom(const qg_pod_ref *ref);

#endif
