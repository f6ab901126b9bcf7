/* input.h: the objects of the whole input, for the checks that follow references
 * from one object to another (a binding to its role, a pod to its
 * ServiceAccount, a NetworkPolicy or a Service to the pods it selects).
 *
 * While the files are scanned, every Kubernetes object is kept (qg_k8s_keep): a
 * copy of its tree, without its status, managedFields, the last-applied
 * annotation and the values of a ConfigMap's or Secret's data, in the result's
 * qg_kept list, which the scan merges in file order. When every file is read,
 * qg_k8s_run_input indexes them and runs the rows of scope INPUT (rules/k8s.def)
 * on each object of this run's files, with the index at hand (check.h:
 * k->input). A check never guesses what is not in the input: a reference to an
 * object the input lacks is followed no further, and a check that reports an
 * absence (no NetworkPolicy selects a pod, a ConfigMap no object defines) runs
 * only when the input is said to be complete (--complete-input, or
 * `complete_input: true` in .qgate.yml): the whole namespace, or the whole
 * cluster's manifests. */
#ifndef QG_K8S_INPUT_H
#define QG_K8S_INPUT_H

#include "scanners/k8s/k8s.h"

#include <stdbool.h>

/* Caps: an object bigger than this many nodes (of what is kept of it: the
 * metadata alone of a kind kept as a stub) is not kept (an error at the
 * object: the checks across objects would miss it); all kept copies together
 * take at most QG_K8S_KEEP_MAX_BYTES, past which the checks across objects do
 * not run (an error: never a silent pass). */
#define QG_K8S_KEEP_MAX_NODES 200000u
#define QG_K8S_KEEP_MAX_BYTES ((size_t)512 << 20)
/* The work the checks across objects may do: comparisons of one object with
 * another (a selector against a pod's labels, a name against a list; about a
 * microsecond each). Services and budgets find the pods their selector may
 * select through an index of the pods' labels, but a pod is compared with
 * every NetworkPolicy of its namespace: a hostile input of 20,000 Deployments
 * and 20,000 NetworkPolicies in one namespace would take 4 x 10^8 of them
 * (minutes). Past this many the checks stop, and the run says so as an input
 * error (never a silent pass); a real namespace of 5,000 pods and 1,000
 * policies takes a sixth of it. */
#define QG_K8S_INPUT_BUDGET 30000000ull
/* The environment may lower it (a positive integer below it; anything else
 * is ignored): QGATE_CROSS_BUDGET, for tests of what happens past it. */

/* One object of the input, as the checks across objects see it. Every pointer
 * is borrowed from the result's kept list or the index. */
typedef struct qg_kobj {
  const qg_ynode *obj;      /* the kept copy of the object mapping */
  const char *path;         /* its file */
  const char *prefix;       /* "" or "items[3]." */
  bool mine;                /* its findings are this run's (see qg_kept_obj) */
  const char *api_version;  /* as written */
  const char *group;        /* the API group: "" for the core group, "apps" ... */
  const char *kind;         /* "Deployment" */
  const char *name;         /* "" when unnamed */
  const char *namespace_;   /* "" when not written, and for a cluster-scoped kind
                               (ClusterRole, Namespace ...), whatever is written */
  const qg_ynode *labels;   /* metadata.labels, or NULL */
  const qg_ynode *pod_spec; /* its pod spec for a pod-template kind, or NULL */
  const qg_ynode *pod_meta; /* the pod's metadata (template metadata), or NULL */
  const char *pod_field;    /* the pod spec's path: "spec.template.spec" ("" without one) */
} qg_kobj;

/* The index: every kept object, in input order, and by kind, namespace, name. */
typedef struct qg_k8s_budget {
  unsigned long long limit, spent;
  bool exhausted;
  /* what a check works out once for the whole run (which NetworkPolicies
   * select each pod: select.c), owned, freed with memo_free */
  void *memo;
  void (*memo_free)(void *memo);
} qg_k8s_budget;

typedef struct qg_k8s_input {
  qg_kobj *objs; /* owned; in input order */
  size_t n;
  const qg_kobj **sorted; /* owned; by kind, then namespace, then name, then order */
  const qg_kobj **pods;   /* owned; the objects with a pod spec, by namespace, then
                             kind, name, order */
  size_t npods;
  struct qg_klabel *labels; /* owned: every pod template label, by namespace, key,
                               value, then the pods' order */
  const qg_kobj **labeled;  /* owned: the pod of each of labels, in their order */
  size_t nlabels;
  bool complete;          /* the input is the whole namespace (see above) */
  char *text;             /* owned: the groups' text */
  qg_k8s_budget *budget;  /* owned: QG_K8S_INPUT_BUDGET's account */
  const qg_kobj *current; /* the object the checks run on */
} qg_k8s_input;

/* Does any check across objects run with these options? (The scan keeps
 * objects only then.) */
bool qg_k8s_input_wanted(const qg_k8s_opts *o);

/* Keeps a copy of obj (a Kubernetes object of path, at prefix in its document)
 * in r->kept. Over a cap: a diagnostic, and the object is not kept. */
void qg_k8s_keep(const qg_k8s_opts *o, const char *path, const char *prefix, const qg_ynode *obj,
                 bool mine, qg_result *r);

/* Indexes r->kept and runs the checks across objects; their findings go to r. */
void qg_k8s_run_input(const qg_k8s_opts *o, qg_result *r);

/* ---- for the checks ------------------------------------------------------ */

/* The objects of kind (every group), sorted by namespace then name: *out points
 * at the first of them; returns how many. */
size_t qg_k8s_input_kind(const qg_k8s_input *in, const char *kind, const qg_kobj *const **out);
/* The first object of kind in group with that namespace ("" = not written) and
 * name, or NULL. group NULL: any group. */
const qg_kobj *qg_k8s_input_get(const qg_k8s_input *in, const char *group, const char *kind,
                                const char *ns, const char *name);
/* The objects of kind (every group) in namespace ns, sorted by name: *out
 * points at the first; returns how many. */
size_t qg_k8s_input_kind_in(const qg_k8s_input *in, const char *kind, const char *ns,
                            const qg_kobj *const **out);
/* The objects with a pod spec (every pod-template kind) in namespace ns: *out
 * points at the first; returns how many. */
size_t qg_k8s_input_pods(const qg_k8s_input *in, const char *ns, const qg_kobj *const **out);
/* The pods of namespace ns that a selector may select, to test one by one:
 * those whose template labels hold the first pair of its matchLabels (map: a
 * Service-style selector, its first pair), or, without one, every pod of ns.
 * *out points at the first; returns how many. */
size_t qg_k8s_input_candidates(const qg_k8s_input *in, const char *ns, const qg_ynode *selector,
                               bool map, const qg_kobj *const **out);
/* Spends n comparisons of QG_K8S_INPUT_BUDGET. Returns false once it is spent:
 * the check stops at once (qg_k8s_run_input says so). */
bool qg_k8s_input_spend(const qg_k8s_input *in, size_t n);
/* Is the budget spent? A check that stopped part way says nothing. */
bool qg_k8s_input_exhausted(const qg_k8s_input *in);
/* The object of the input that ref is (the one the checks run on), or NULL. */
const qg_kobj *qg_k8s_input_self(const qg_k8s_input *in, const qg_pod_ref *ref);
/* "path:line:col" of node n of object o, for a message naming another object's
 * place; buf of size bytes. Returns buf. */
const char *qg_k8s_input_where(const qg_kobj *o, const qg_ynode *n, char *buf, size_t size);

#endif
