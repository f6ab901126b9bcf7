/* rbac.c: RBAC checks on Role, ClusterRole, RoleBinding and
 * ClusterRoleBinding of rbac.authorization.k8s.io (rules/k8s.def,
 * k8s/rbac-*). The rows of scope OBJECT look at one role or binding; each
 * offending item is reported where it is written, its field relative to the
 * object. The rows of scope INPUT follow a binding to the role it binds in the
 * input (aggregated ClusterRoles included) and report, at each subject of the
 * binding, what that role lets it do (see "Effective permissions" below). */
#include "scanners/k8s/check.h"

#include "core/mem.h"
#include "rules/rule.h"
#include "scanners/k8s/input.h"

#include <stdbool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  if (strcmp(qg_k8s_scal(qg_ymap_get(role, "kind")), "ClusterRole") == 0 &&
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
  const char *role_kind = qg_k8s_scal(qg_ymap_get(role, "kind"));
  const qg_ynode *subjects = qg_ymap_get(k->ref->obj, "subjects");
  for (uint32_t i = 0; i < qg_yseq_len(subjects); i++) {
    const qg_ynode *s = qg_yseq_at(subjects, i);
    const qg_ynode *name = qg_ymap_get(s, "name");
    if (qg_ynode_eq(qg_ymap_get(s, "kind"), "ServiceAccount") ||
        !(qg_ynode_eq(name, "system:anonymous") || qg_ynode_eq(name, "system:unauthenticated")))
      continue;
    char field[96];
    snprintf(field, sizeof(field), "subjects[%s].name", qg_k8s_scal(name));
    qg_k8s_report(k, name, NULL, field, "%s \"%s\" grants %s \"%s\" to %s", k->ref->ctx.kind,
                  obj_name(k), *role_kind ? role_kind : "role", qg_k8s_scal(role_name),
                  qg_k8s_scal(name));
  }
}

/* ---- matching a rule as Kubernetes does -------------------------------- */

/* Does a rule's list (apiGroups or verbs) hold s or "*"? */
static bool list_matches(const qg_ynode *seq, const char *s) {
  return seq_has(seq, s) || seq_has(seq, "*");
}

/* Does a rule's resources item match resource res ("pods" or "pods/exec")?
 * "*" matches every resource and subresource; "pods/" followed by "*" every
 * subresource of pods; "*" followed by "/exec" the exec subresource of every
 * resource. */
static bool resource_matches(const char *item, const char *res) {
  if (strcmp(item, "*") == 0 || strcmp(item, res) == 0)
    return true;
  const char *slash = strchr(res, '/');
  if (!slash)
    return false;
  size_t pl = (size_t)(slash - res);
  if (strlen(item) == pl + 2 && strncmp(item, res, pl + 1) == 0 && item[pl + 1] == '*')
    return true;
  return item[0] == '*' && item[1] == '/' && strcmp(item + 2, slash + 1) == 0;
}

/* One permission a family looks for: any of verbs on resource res of group.
 * cluster: res is not namespaced (a Role or a RoleBinding cannot grant it). */
typedef struct perm {
  const char *group, *res;
  const char *verbs[4];
  bool cluster;
} perm;

/* The resources item of rule r that grants one of p's verbs on p's resource,
 * or NULL. named: a rule limited with resourceNames still counts. */
static const qg_ynode *rule_grants(const qg_ynode *r, const perm *p, bool named) {
  if (!named && qg_yseq_len(qg_ymap_get(r, "resourceNames")))
    return NULL;
  if (!list_matches(qg_ymap_get(r, "apiGroups"), p->group))
    return NULL;
  const qg_ynode *verbs = qg_ymap_get(r, "verbs");
  bool verb = false;
  for (size_t v = 0; v < QG_ARRAY_LEN(p->verbs) && p->verbs[v] && !verb; v++)
    verb = list_matches(verbs, p->verbs[v]);
  if (!verb)
    return NULL;
  const qg_ynode *res = qg_ymap_get(r, "resources");
  for (uint32_t j = 0; j < qg_yseq_len(res); j++) {
    const char *item = qg_ynode_str(qg_yseq_at(res, j));
    if (item && resource_matches(item, p->res))
      return qg_yseq_at(res, j);
  }
  return NULL;
}

/* The families of permissions the grant checks report. */
enum { F_EXEC, F_CREATE, F_SECRETS, F_ESCALATION, F_PROXY, F_WILDCARD, F_N };

static const perm exec_perms[] = {{"", "pods/exec", {"create", "get"}, false},
                                  {"", "pods/attach", {"create", "get"}, false}};
static const perm create_perms[] = {{"", "pods", {"create"}, false},
                                    {"", "replicationcontrollers", {"create"}, false},
                                    {"apps", "deployments", {"create"}, false},
                                    {"apps", "daemonsets", {"create"}, false},
                                    {"apps", "statefulsets", {"create"}, false},
                                    {"apps", "replicasets", {"create"}, false},
                                    {"batch", "jobs", {"create"}, false},
                                    {"batch", "cronjobs", {"create"}, false}};
static const perm secret_perms[] = {{"", "secrets", {"get", "list", "watch"}, false}};
static const perm escalation_perms[] = {
    {"rbac.authorization.k8s.io", "roles", {"escalate", "bind"}, false},
    {"rbac.authorization.k8s.io", "clusterroles", {"escalate", "bind"}, true},
    {"", "users", {"impersonate"}, true},
    {"", "groups", {"impersonate"}, true},
    {"", "serviceaccounts", {"impersonate"}, false},
    {"authentication.k8s.io", "uids", {"impersonate"}, true}};
static const perm proxy_perms[] = {{"", "nodes/proxy", {"get", "create"}, true}};

static const struct family {
  const char *leaf;  /* the last word of the field: subjects[User/a].<leaf> */
  const char *what;  /* "can <what>" */
  qg_severity sev;   /* k8s/rbac-subject-grant's severity for this family */
  const perm *perms; /* NULL: wildcard */
  size_t nperms;
  bool named; /* a rule limited with resourceNames still grants it */
} families[F_N] = {
    [F_EXEC] = {"exec", "exec into or attach to pods (pods/exec, pods/attach)", QG_SEV_HIGH,
                exec_perms, QG_ARRAY_LEN(exec_perms), true},
    [F_CREATE] = {"workload-create", "create pods or pod controllers", QG_SEV_MEDIUM, create_perms,
                  QG_ARRAY_LEN(create_perms), false},
    [F_SECRETS] = {"secrets", "read Secrets (get, list or watch)", QG_SEV_MEDIUM, secret_perms,
                   QG_ARRAY_LEN(secret_perms), false},
    [F_ESCALATION] = {"escalation",
                      "escalate or bind roles, or impersonate users, groups or service accounts",
                      QG_SEV_HIGH, escalation_perms, QG_ARRAY_LEN(escalation_perms), false},
    [F_PROXY] = {"nodes-proxy", "reach the kubelet API through nodes/proxy", QG_SEV_HIGH,
                 proxy_perms, QG_ARRAY_LEN(proxy_perms), true},
    [F_WILDCARD] = {"wildcard", "use a rule with a wildcard (\"*\")", QG_SEV_MEDIUM, NULL, 0, true},
};

/* The node of rule r that grants family f, or NULL. ns: the rule is a Role's
 * or bound by a RoleBinding, and grants nothing on resources that are not
 * namespaced. */
static const qg_ynode *family_grant(const qg_ynode *r, int f, bool ns) {
  const struct family *fm = &families[f];
  if (!fm->perms) {
    static const char *const keys[] = {"apiGroups", "resources", "verbs"};
    for (size_t n = 0; n < QG_ARRAY_LEN(keys); n++) {
      const qg_ynode *seq = qg_ymap_get(r, keys[n]);
      for (uint32_t j = 0; j < qg_yseq_len(seq); j++)
        if (qg_ynode_eq(qg_yseq_at(seq, j), "*"))
          return qg_yseq_at(seq, j);
    }
    return NULL;
  }
  for (size_t p = 0; p < fm->nperms; p++) {
    if (ns && fm->perms[p].cluster)
      continue;
    const qg_ynode *at = rule_grants(r, &fm->perms[p], fm->named);
    if (at)
      return at;
  }
  return NULL;
}

/* Does rule r grant every verb on every resource of every API group? */
static bool rule_all(const qg_ynode *r) {
  return !qg_yseq_len(qg_ymap_get(r, "resourceNames")) &&
         seq_has(qg_ymap_get(r, "apiGroups"), "*") && seq_has(qg_ymap_get(r, "resources"), "*") &&
         seq_has(qg_ymap_get(r, "verbs"), "*");
}

/* ---- per role: pods/exec, workload creation, nodes/proxy ------------------ */

/* Reports each rule of a Role or ClusterRole that grants family f, at the
 * resources item that grants it. */
static void role_family(const qg_k8s_check *k, int f, const char *label) {
  if (!rbac_kind(k, 0))
    return;
  const qg_ynode *rules = qg_ymap_get(k->ref->obj, "rules");
  for (uint32_t i = 0; i < qg_yseq_len(rules); i++) {
    /* "*" on "*" in "*" is k8s/rbac-wildcard's, at each "*" */
    const qg_ynode *at =
        rule_all(qg_yseq_at(rules, i))
            ? NULL
            : family_grant(qg_yseq_at(rules, i), f, strcmp(k->ref->ctx.kind, "Role") == 0);
    if (!at)
      continue;
    char field[160];
    snprintf(field, sizeof(field), "rules[%u].resources[%.100s]", i, qg_k8s_scal(at));
    qg_k8s_report(k, at, NULL, field, "%s \"%s\" can %s (rules[%u], resource \"%s\")%s",
                  k->ref->ctx.kind, obj_name(k), label, i, qg_k8s_scal(at),
                  f == F_EXEC && qg_yseq_len(qg_ymap_get(qg_yseq_at(rules, i), "resourceNames"))
                      ? ", limited to the named pods"
                      : "");
  }
}

void qg_k8s_rbac_pod_exec(const qg_k8s_check *k) {
  role_family(k, F_EXEC, "exec into or attach to pods");
}
void qg_k8s_rbac_workload_create(const qg_k8s_check *k) {
  role_family(k, F_CREATE, "create pods or pod controllers");
}
void qg_k8s_rbac_nodes_proxy(const qg_k8s_check *k) {
  role_family(k, F_PROXY, "reach the kubelet API through nodes/proxy");
}

/* ---- Effective permissions: a binding's role, followed -------------------
 *
 * A RoleBinding's roleRef of kind Role names the Role of the binding's
 * namespace; of kind ClusterRole, the ClusterRole of that name; a
 * ClusterRoleBinding's, a ClusterRole. The role is looked up in the input.
 * A ClusterRole with aggregationRule.clusterRoleSelectors has, as in a
 * cluster, the rules of every ClusterRole of the input whose labels one of
 * the selectors matches (followed again when that one is aggregated too); its
 * own rules are what the aggregation controller overwrites. The built-in
 * ClusterRoles cluster-admin, admin, edit and view are known when the input
 * does not hold them; any other role the input lacks (system:* ones
 * included) is followed no further. */

#define RBAC_MAX_RULES 4096u /* rules gathered for one binding */
#define RBAC_MAX_ROLES 64u   /* roles aggregated into one */
#define RBAC_GROUP "rbac.authorization.k8s.io"

typedef struct grule {
  const qg_kobj *owner; /* the role that writes it */
  const qg_ynode *rule;
  uint32_t idx; /* its index in owner's rules */
} grule;

typedef struct grants {
  const char *role_kind, *role_name; /* the binding's roleRef */
  const qg_kobj *role;               /* the bound role in the input, or NULL */
  int builtin;                       /* B_* when it is a built-in role the input lacks */
  grule *v;                          /* owned */
  size_t n, cap;
  const qg_kobj *seen[RBAC_MAX_ROLES];
  size_t nseen;
} grants;

enum { B_NONE, B_CLUSTER_ADMIN, B_ADMIN_EDIT, B_VIEW };

static bool is_rbac(const qg_kobj *o) { return strcmp(o->group, RBAC_GROUP) == 0; }

static const qg_kobj *find_clusterrole(const qg_k8s_input *in, const char *name) {
  /* cluster-scoped: filed under no namespace, whatever one is written */
  return qg_k8s_input_get(in, RBAC_GROUP, "ClusterRole", "", name);
}

static void add_role(grants *g, const qg_k8s_input *in, const qg_kobj *o) {
  for (size_t i = 0; i < g->nseen; i++)
    if (g->seen[i] == o)
      return;
  if (g->nseen == RBAC_MAX_ROLES)
    return;
  g->seen[g->nseen++] = o;
  const qg_ynode *sels = qg_ymap_path(o->obj, "aggregationRule.clusterRoleSelectors");
  if (strcmp(o->kind, "ClusterRole") == 0 && qg_yseq_len(sels)) {
    const qg_kobj *const *arr;
    size_t n = qg_k8s_input_kind(in, "ClusterRole", &arr);
    for (size_t i = 0; i < n; i++) {
      if (arr[i] == o || !is_rbac(arr[i]))
        continue;
      for (uint32_t s = 0; s < qg_yseq_len(sels); s++) {
        if (!qg_k8s_input_spend(in, 1))
          return; /* the run says the checks stopped */
        if (qg_k8s_selector_matches(qg_yseq_at(sels, s), arr[i]->labels)) {
          add_role(g, in, arr[i]);
          break;
        }
      }
    }
    return;
  }
  const qg_ynode *rules = qg_ymap_get(o->obj, "rules");
  for (uint32_t i = 0; i < qg_yseq_len(rules) && g->n < RBAC_MAX_RULES; i++) {
    qg_grow((void **)&g->v, &g->cap, g->n + 1, sizeof(*g->v));
    g->v[g->n++] = (grule){o, qg_yseq_at(rules, i), i};
  }
}

/* Follows binding k->ref to its role. Returns false when the object is not
 * a binding, or its role is neither in the input nor a known built-in one. */
static bool resolve(const qg_k8s_check *k, grants *g) {
  memset(g, 0, sizeof(*g));
  if (!k->input || !rbac_kind(k, 1))
    return false;
  const qg_ynode *ref = qg_ymap_get(k->ref->obj, "roleRef");
  g->role_kind = qg_k8s_scal(qg_ymap_get(ref, "kind"));
  g->role_name = qg_k8s_scal(qg_ymap_get(ref, "name"));
  bool cluster = strcmp(g->role_kind, "ClusterRole") == 0;
  if (!*g->role_name || (!cluster && (strcmp(g->role_kind, "Role") != 0 ||
                                      strcmp(k->ref->ctx.kind, "RoleBinding") != 0)))
    return false;
  const char *ns = k->ref->ctx.namespace_ ? k->ref->ctx.namespace_ : "";
  g->role = cluster ? find_clusterrole(k->input, g->role_name)
                    : qg_k8s_input_get(k->input, RBAC_GROUP, "Role", ns, g->role_name);
  if (g->role) {
    add_role(g, k->input, g->role);
    return true;
  }
  if (!cluster)
    return false;
  if (strcmp(g->role_name, "cluster-admin") == 0)
    g->builtin = B_CLUSTER_ADMIN;
  else if (strcmp(g->role_name, "admin") == 0 || strcmp(g->role_name, "edit") == 0)
    g->builtin = B_ADMIN_EDIT;
  else if (strcmp(g->role_name, "view") == 0)
    g->builtin = B_VIEW;
  return g->builtin != B_NONE;
}

/* Does the built-in role grant family f? admin and edit: pods/exec and
 * pods/attach, create on pods and workloads, get/list/watch on secrets,
 * impersonate on serviceaccounts; view: none of them. */
static bool builtin_grants(int b, int f) {
  return b == B_CLUSTER_ADMIN || (b == B_ADMIN_EDIT && (f == F_EXEC || f == F_CREATE ||
                                                        f == F_SECRETS || f == F_ESCALATION));
}

/* The first rule gathered that grants every verb on every resource, or NULL. */
static const grule *all_rule(const grants *g) {
  for (size_t i = 0; i < g->n; i++)
    if (rule_all(g->v[i].rule))
      return &g->v[i];
  return NULL;
}

/* `Kind "name" (namespace "ns")` of subject s. */
static void subject_text(const qg_ynode *s, char *buf, size_t size) {
  const char *ns = qg_k8s_scal(qg_ymap_get(s, "namespace"));
  snprintf(buf, size, "%s \"%.200s\"%s%.200s%s", qg_k8s_scal(qg_ymap_get(s, "kind")),
           qg_k8s_scal(qg_ymap_get(s, "name")), *ns ? " (namespace \"" : "", ns, *ns ? "\")" : "");
}

/* How the binding reaches rule gr (or the built-in role): "RoleBinding \"b\"
 * binds ClusterRole \"r\", whose rules[2] (roles.yaml:14:5)". */
static void path_text(const qg_k8s_check *k, const grants *g, const grule *gr, char *buf,
                      size_t size) {
  int n = snprintf(buf, size, "%s \"%.200s\" binds ", k->ref->ctx.kind, obj_name(k));
  if (n < 0 || (size_t)n >= size)
    return;
  if (!gr) {
    snprintf(buf + n, size - (size_t)n,
             "the built-in ClusterRole \"%.200s\" (not in the input), which", g->role_name);
    return;
  }
  char where[512];
  qg_k8s_input_where(gr->owner, gr->rule, where, sizeof(where));
  if (gr->owner == g->role)
    snprintf(buf + n, size - (size_t)n, "%s \"%.200s\", whose rules[%u] (%s)", g->role_kind,
             g->role_name, gr->idx, where);
  else
    snprintf(buf + n, size - (size_t)n,
             "%s \"%.200s\", aggregated from ClusterRole \"%.200s\", whose rules[%u] (%s)",
             g->role_kind, g->role_name, gr->owner->name, gr->idx, where);
}

static const char *scope_text(const qg_k8s_check *k, char *buf, size_t size) {
  const char *ns = k->ref->ctx.namespace_ ? k->ref->ctx.namespace_ : "";
  if (strcmp(k->ref->ctx.kind, "ClusterRoleBinding") == 0)
    snprintf(buf, size, "cluster-wide");
  else if (*ns)
    snprintf(buf, size, "in namespace \"%.200s\"", ns);
  else
    snprintf(buf, size, "in the binding's namespace");
  return buf;
}

static void subject_field(const qg_ynode *s, const char *leaf, char *buf, size_t size) {
  snprintf(buf, size, "subjects[%.100s/%.200s]%s%s", qg_k8s_scal(qg_ymap_get(s, "kind")),
           qg_k8s_scal(qg_ymap_get(s, "name")), *leaf ? "." : "", leaf);
}

void qg_k8s_rbac_admin_equivalent_binding(const qg_k8s_check *k) {
  grants g;
  if (!resolve(k, &g))
    return;
  const grule *gr = all_rule(&g);
  /* cluster-admin by name is k8s/rbac-cluster-admin-binding's */
  if (gr &&
      !(strcmp(g.role_kind, "ClusterRole") == 0 && strcmp(g.role_name, "cluster-admin") == 0)) {
    char path[1400], scope[256], who[512], field[400];
    path_text(k, &g, gr, path, sizeof(path));
    scope_text(k, scope, sizeof(scope));
    const qg_ynode *subjects = qg_ymap_get(k->ref->obj, "subjects");
    for (uint32_t i = 0; i < qg_yseq_len(subjects); i++) {
      const qg_ynode *s = qg_yseq_at(subjects, i);
      subject_text(s, who, sizeof(who));
      subject_field(s, "", field, sizeof(field));
      qg_k8s_report(k, s, NULL, field,
                    "%s can use every verb on every resource of every API group %s, as "
                    "cluster-admin: %s grants \"*\" on \"*\" in \"*\"",
                    who, scope, path);
    }
  }
  free(g.v);
}

void qg_k8s_rbac_subject_grant(const qg_k8s_check *k) {
  grants g;
  if (!resolve(k, &g))
    return;
  /* A cluster-admin-equivalent role is one finding of its own rules. */
  if (g.builtin == B_CLUSTER_ADMIN || all_rule(&g) ||
      (strcmp(g.role_kind, "ClusterRole") == 0 && strcmp(g.role_name, "cluster-admin") == 0)) {
    free(g.v);
    return;
  }
  const grule *by[F_N];
  bool any = false, ns = strcmp(k->ref->ctx.kind, "RoleBinding") == 0;
  for (int f = 0; f < F_N; f++) {
    by[f] = NULL;
    for (size_t i = 0; i < g.n && !by[f]; i++)
      if (family_grant(g.v[i].rule, f, ns))
        by[f] = &g.v[i];
    any |= by[f] || builtin_grants(g.builtin, f);
  }
  if (any) {
    bool own_sev = qg_ruleset_severity(k->ref->opts->rules, k->rule) == k->rule->severity;
    char path[1400], scope[256], who[512], field[400];
    scope_text(k, scope, sizeof(scope));
    const qg_ynode *subjects = qg_ymap_get(k->ref->obj, "subjects");
    for (uint32_t i = 0; i < qg_yseq_len(subjects); i++) {
      const qg_ynode *s = qg_yseq_at(subjects, i);
      subject_text(s, who, sizeof(who));
      for (int f = 0; f < F_N; f++) {
        if (!by[f] && !builtin_grants(g.builtin, f))
          continue;
        path_text(k, &g, by[f], path, sizeof(path));
        subject_field(s, families[f].leaf, field, sizeof(field));
        qg_finding *fd = qg_k8s_report(k, s, NULL, field, "%s can %s %s: %s grants it", who,
                                       families[f].what, scope, path);
        if (fd && own_sev)
          fd->severity = families[f].sev;
      }
    }
  }
  free(g.v);
}
