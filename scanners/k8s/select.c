/* select.c: checks that follow selectors and references from one object to the
 * pods and workloads of the input (rules/k8s.def, scopes INPUT and INPUT_POD):
 * NetworkPolicies and Services to the pod templates they select
 * (k8s/networkpolicy-missing, k8s/networkpolicy-selects-nothing,
 * k8s/service-selects-nothing, k8s/service-target-port), PodDisruptionBudgets
 * and HorizontalPodAutoscalers to their workloads (k8s/pdb-missing,
 * k8s/pdb-exceeds-replicas, k8s/hpa-target-missing, k8s/hpa-replicas-conflict)
 * and a StatefulSet to its governing Service (k8s/statefulset-service-name).
 * A check that reports an absence returns at once unless the input is complete
 * (input.h). Objects are in the same namespace only when their
 * metadata.namespace is the same ("" when not written). */
#include "scanners/k8s/check.h"
#include "scanners/k8s/input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WHERE 512 /* a "path:line:col" buffer */

static bool is_map(const qg_ynode *n) { return n && n->kind == QG_Y_MAP; }

static bool obj_is(const qg_kobj *o, const char *group, const char *kind) {
  return strcmp(o->kind, kind) == 0 && strcmp(o->group, group) == 0;
}

/* The object being checked, when it is of kind in group. */
static const qg_kobj *self_is(const qg_k8s_check *k, const char *group, const char *kind) {
  if (!k->input)
    return NULL;
  const qg_kobj *o = qg_k8s_input_self(k->input, k->ref);
  return o && obj_is(o, group, kind) ? o : NULL;
}

/* The pod template labels of o (a pod-template object), or NULL. */
static const qg_ynode *pod_labels(const qg_kobj *o) {
  const qg_ynode *l = qg_ymap_get(o->pod_meta, "labels");
  return is_map(l) ? l : NULL;
}

/* "namespace \"x\"" or "no namespace", for messages. */
static const char *ns_text(const char *ns, char *buf, size_t size) {
  if (*ns)
    snprintf(buf, size, "namespace \"%s\"", ns);
  else
    snprintf(buf, size, "no namespace");
  return buf;
}

/* The API group of an apiVersion ("apps/v1" -> "apps", "v1" -> ""), in buf. */
static const char *group_of(const char *api, char *buf, size_t size) {
  const char *slash = strchr(api, '/');
  size_t gl = slash ? (size_t)(slash - api) : 0;
  if (gl >= size)
    gl = size - 1;
  memcpy(buf, api, gl);
  buf[gl] = '\0';
  return buf;
}

/* The pod-template objects of a namespace a selector may select, one at a
 * time (pods_of, then next_pod until NULL; the caller tests each). Each
 * spends one comparison of the run's budget; NULL past the last, or when the
 * budget is spent (the caller then says nothing: qg_k8s_input_exhausted). */
typedef struct pod_iter {
  const qg_k8s_input *in;
  const qg_kobj *const *v;
  size_t n, i;
} pod_iter;

static pod_iter pods_of(const qg_k8s_input *in, const char *ns, const qg_ynode *sel, bool map) {
  pod_iter it = {in, NULL, 0, 0};
  it.n = qg_k8s_input_candidates(in, ns, sel, map, &it.v);
  return it;
}

static const qg_kobj *next_pod(pod_iter *it) {
  if (it->i >= it->n || !qg_k8s_input_spend(it->in, 1))
    return NULL;
  return it->v[it->i++];
}

/* The objects of kind in namespace ns, spending one comparison each: *n gets
 * how many, 0 when the budget is spent. */
static const qg_kobj *const *kind_in(const qg_k8s_input *in, const char *kind, const char *ns,
                                     size_t *n) {
  const qg_kobj *const *v;
  *n = qg_k8s_input_kind_in(in, kind, ns, &v);
  if (!qg_k8s_input_spend(in, *n))
    *n = 0;
  return v;
}

/* Where a finding about the pod template's labels goes: the labels key of the
 * pod metadata, else the pod spec. Sets *field (in buf). */
static const qg_ynode *labels_at(const qg_k8s_check *k, char *buf, size_t size,
                                 const char **field) {
  const qg_ypair *p = qg_ymap_pair(k->ref->meta, "labels");
  if (p && k->ref->meta_field && *k->ref->meta_field) {
    snprintf(buf, size, "%s.labels", k->ref->meta_field);
    *field = buf;
    return p->key;
  }
  *field = k->ref->spec_field;
  return k->ref->spec;
}

/* ---- NetworkPolicies ------------------------------------------------------ */

#define NP_GROUP "networking.k8s.io"

/* A NetworkPolicy's podSelector selects labels: absent or null is {} (every
 * pod of the namespace). */
static bool np_selects(const qg_ynode *sel, const qg_ynode *labels) {
  if (!sel || qg_ynode_is_null(sel))
    return true;
  return qg_k8s_selector_matches(sel, labels);
}

/* The policy types of a NetworkPolicy spec: policyTypes when written, else
 * Ingress, and Egress when it has egress rules. */
static void np_types(const qg_ynode *spec, bool *ing, bool *eg) {
  const qg_ynode *pt = qg_ymap_get(spec, "policyTypes");
  uint32_t n = qg_yseq_len(pt);
  *ing = *eg = false;
  if (!n) {
    *ing = true;
    *eg = qg_yseq_len(qg_ymap_get(spec, "egress")) > 0;
    return;
  }
  for (uint32_t i = 0; i < n; i++) {
    const char *t = qg_k8s_scal(qg_yseq_at(pt, i));
    *ing |= strcmp(t, "Ingress") == 0;
    *eg |= strcmp(t, "Egress") == 0;
  }
}

/* Which NetworkPolicies select each pod, worked out once for the run: each
 * policy's podSelector against the pods of its namespace it may select (the
 * label index), in the order of the policies' names. By a pod's position in
 * the input's objects: */
typedef struct np_memo {
  bool *ingress;               /* a policy that selects it isolates its ingress */
  const qg_kobj **egress_only; /* else the first egress-only policy that selects it */
} np_memo;

static void np_memo_free(void *memo) {
  np_memo *m = memo;
  free(m->ingress);
  free(m->egress_only);
  free(m);
}

static const np_memo *np_index(const qg_k8s_input *in) {
  qg_k8s_budget *b = in->budget;
  if (b->memo)
    return b->memo;
  np_memo *m = qg_xcalloc(1, sizeof(*m));
  m->ingress = qg_xcalloc(in->n + 1, sizeof(*m->ingress));
  m->egress_only = qg_xcalloc(in->n + 1, sizeof(*m->egress_only));
  b->memo = m;
  b->memo_free = np_memo_free;
  const qg_kobj *const *nps;
  size_t n = qg_k8s_input_kind(in, "NetworkPolicy", &nps);
  for (size_t i = 0; i < n; i++) {
    const qg_kobj *np = nps[i];
    const qg_ynode *spec = qg_ymap_get(np->obj, "spec");
    if (strcmp(np->group, NP_GROUP) != 0 || !is_map(spec))
      continue;
    const qg_ynode *sel = qg_ymap_get(spec, "podSelector");
    bool ing, eg;
    np_types(spec, &ing, &eg);
    pod_iter it = pods_of(in, np->namespace_, qg_ynode_is_null(sel) ? NULL : sel, false);
    for (const qg_kobj *p; (p = next_pod(&it));) {
      if (!np_selects(sel, pod_labels(p)))
        continue;
      size_t at = (size_t)(p - in->objs);
      if (ing)
        m->ingress[at] = true;
      else if (!m->egress_only[at])
        m->egress_only[at] = np;
    }
  }
  return m;
}

void qg_k8s_networkpolicy_missing(const qg_k8s_check *k) {
  if (!k->input || !k->input->complete)
    return;
  const qg_kobj *self = qg_k8s_input_self(k->input, k->ref);
  if (!self || !self->pod_spec || qg_ynode_bool(qg_ymap_get(self->pod_spec, "hostNetwork")) == 1)
    return; /* a policy does not apply to a pod on the host's network */
  const np_memo *m = np_index(k->input);
  size_t pos = (size_t)(self - k->input->objs);
  if (m->ingress[pos] || qg_k8s_input_exhausted(k->input))
    return;
  const qg_kobj *egress_only = m->egress_only[pos];
  char buf[256], nsb[300], where[WHERE];
  const char *field;
  const qg_ynode *at = labels_at(k, buf, sizeof(buf), &field);
  ns_text(self->namespace_, nsb, sizeof(nsb));
  if (egress_only)
    qg_k8s_emit(k->ref, k->rule, at, NULL, field,
                "%s \"%s\" (%s): the NetworkPolicies that select its pods isolate only egress "
                "(NetworkPolicy \"%s\" at %s): any pod may connect to it",
                self->kind, self->name, nsb, egress_only->name,
                qg_k8s_input_where(egress_only, egress_only->obj, where, sizeof(where)));
  else
    qg_k8s_emit(k->ref, k->rule, at, NULL, field,
                "%s \"%s\" (%s): no NetworkPolicy of the input selects its pods: any pod may "
                "connect to it and it may connect anywhere",
                self->kind, self->name, nsb);
}

/* Does any pod template of namespace ns match selector sel (a LabelSelector)? */
static bool any_pod_selected(const qg_k8s_input *in, const char *ns, const qg_ynode *sel) {
  pod_iter it = pods_of(in, ns, sel, false);
  for (const qg_kobj *p; (p = next_pod(&it));)
    if (qg_k8s_selector_matches(sel, pod_labels(p)))
      return true;
  return qg_k8s_input_exhausted(in); /* stopped: say nothing */
}

/* The peers of rules[].<list> (from or to) with a podSelector of this
 * namespace (no namespaceSelector) that selects no pod template. */
static void np_peers(const qg_k8s_check *k, const qg_kobj *self, const qg_ynode *spec,
                     const char *dir, const char *list) {
  const qg_ynode *rules = qg_ymap_get(spec, dir);
  for (uint32_t i = 0; i < qg_yseq_len(rules); i++) {
    const qg_ynode *peers = qg_ymap_get(qg_yseq_at(rules, i), list);
    for (uint32_t j = 0; j < qg_yseq_len(peers); j++) {
      const qg_ynode *peer = qg_yseq_at(peers, j);
      const qg_ynode *sel = qg_ymap_get(peer, "podSelector");
      const qg_ynode *nss = qg_ymap_get(peer, "namespaceSelector");
      if (!is_map(sel) || sel->u.map.n == 0 || (nss && !qg_ynode_is_null(nss)) ||
          any_pod_selected(k->input, self->namespace_, sel))
        continue;
      char field[128], nsb[300];
      snprintf(field, sizeof(field), "spec.%s[%u].%s[%u].podSelector", dir, i, list, j);
      qg_k8s_report(k, sel, NULL, field,
                    "NetworkPolicy \"%s\": the podSelector of %s[%u].%s[%u] selects no pod "
                    "template of the input (%s): the rule allows nothing",
                    self->name, dir, i, list, j, ns_text(self->namespace_, nsb, sizeof(nsb)));
    }
  }
}

void qg_k8s_networkpolicy_selects_nothing(const qg_k8s_check *k) {
  const qg_kobj *self = self_is(k, NP_GROUP, "NetworkPolicy");
  if (!self || !k->input->complete)
    return;
  const qg_ynode *spec = qg_ymap_get(self->obj, "spec");
  if (!is_map(spec))
    return;
  const qg_ynode *sel = qg_ymap_get(spec, "podSelector");
  char nsb[300];
  if (is_map(sel) && sel->u.map.n > 0 && !any_pod_selected(k->input, self->namespace_, sel))
    qg_k8s_report(k, sel, NULL, "spec.podSelector",
                  "NetworkPolicy \"%s\" selects no pod template of the input (%s): it isolates "
                  "nothing",
                  self->name, ns_text(self->namespace_, nsb, sizeof(nsb)));
  np_peers(k, self, spec, "ingress", "from");
  np_peers(k, self, spec, "egress", "to");
}

/* ---- Services ------------------------------------------------------------- */

/* A Service's spec.selector when it chooses pods by label (a non-empty
 * mapping, and not type ExternalName), else NULL. */
static const qg_ynode *svc_selector(const qg_kobj *svc) {
  const qg_ynode *spec = qg_ymap_get(svc->obj, "spec");
  const qg_ynode *sel = qg_ymap_get(spec, "selector");
  if (!is_map(sel) || sel->u.map.n == 0 || qg_ynode_eq(qg_ymap_get(spec, "type"), "ExternalName"))
    return NULL;
  return sel;
}

void qg_k8s_service_selects_nothing(const qg_k8s_check *k) {
  const qg_kobj *self = self_is(k, "", "Service");
  if (!self || !k->input->complete)
    return;
  const qg_ynode *sel = svc_selector(self);
  if (!sel)
    return;
  pod_iter it = pods_of(k->input, self->namespace_, sel, true);
  for (const qg_kobj *p; (p = next_pod(&it));)
    if (qg_k8s_map_selector_matches(sel, pod_labels(p)))
      return;
  if (qg_k8s_input_exhausted(k->input))
    return;
  char nsb[300];
  qg_k8s_report(k, sel, NULL, "spec.selector",
                "Service \"%s\" selects no pod template of the input (%s): it has no endpoints",
                self->name, ns_text(self->namespace_, nsb, sizeof(nsb)));
}

/* The containers whose ports a Service can reach: the regular ones and the
 * init containers that keep running (restartPolicy: Always). Calls fn on each
 * ports entry; returns false when some such container lists no ports. */
typedef struct port_q {
  const char *name; /* a named targetPort, or NULL */
  long long num;    /* a numeric one */
  bool found;
} port_q;

static bool scan_ports(const qg_ynode *pod_spec, port_q *q) {
  static const char *const lists[] = {"containers", "initContainers"};
  bool all_list = true;
  for (size_t l = 0; l < QG_ARRAY_LEN(lists); l++) {
    const qg_ynode *cs = qg_ymap_get(pod_spec, lists[l]);
    for (uint32_t i = 0; i < qg_yseq_len(cs); i++) {
      const qg_ynode *c = qg_yseq_at(cs, i);
      if (l == 1 && !qg_ynode_eq(qg_ymap_get(c, "restartPolicy"), "Always"))
        continue;
      const qg_ynode *ports = qg_ymap_get(c, "ports");
      if (!qg_yseq_len(ports))
        all_list = false;
      for (uint32_t j = 0; j < qg_yseq_len(ports); j++) {
        const qg_ynode *p = qg_yseq_at(ports, j);
        long long cp;
        if (q->name ? strcmp(qg_k8s_scal(qg_ymap_get(p, "name")), q->name) == 0
                    : qg_ynode_int(qg_ymap_get(p, "containerPort"), &cp) && cp == q->num)
          q->found = true;
      }
    }
  }
  return all_list;
}

/* Is s a port number written as a string ("8080")? */
static bool digits(const char *s) {
  if (!*s)
    return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9')
      return false;
  return true;
}

/* One finding per port of the Service: at the first pod template it selects
 * that lacks the port, with how many more do. */
void qg_k8s_service_target_port(const qg_k8s_check *k) {
  const qg_kobj *self = self_is(k, "", "Service");
  if (!self)
    return;
  const qg_ynode *sel = svc_selector(self);
  const qg_ynode *ports = qg_ymap_path(self->obj, "spec.ports");
  if (!sel || !qg_yseq_len(ports))
    return;
  for (uint32_t j = 0; j < qg_yseq_len(ports); j++) {
    const qg_ynode *port = qg_yseq_at(ports, j);
    const qg_ynode *at = qg_ymap_get(port, "targetPort");
    const char *sub = "targetPort";
    if (!at || qg_ynode_is_null(at)) {
      at = qg_ymap_get(port, "port");
      sub = "port";
    }
    const char *txt = qg_k8s_scal(at);
    if (!*txt)
      continue;
    port_q q0 = {NULL, 0, false};
    if (digits(txt) && strlen(txt) < 7)
      q0.num = strtoll(txt, NULL, 10);
    else
      q0.name = txt;
    const qg_kobj *first = NULL;
    size_t more = 0;
    bool served = false; /* a selected pod template declares it, or may */
    pod_iter it = pods_of(k->input, self->namespace_, sel, true);
    for (const qg_kobj *p; !served && (p = next_pod(&it));) {
      if (!qg_k8s_map_selector_matches(sel, pod_labels(p)))
        continue;
      port_q q = q0;
      bool all_list = scan_ports(p->pod_spec, &q);
      if (q.found || (!q.name && !all_list))
        served = true;
      else if (first)
        more++;
      else
        first = p;
    }
    if (!first || served || qg_k8s_input_exhausted(k->input))
      continue;
    char field[96], where[WHERE], others[64] = "";
    snprintf(field, sizeof(field), "spec.ports[%u].%s", j, sub);
    qg_k8s_input_where(first, first->pod_spec, where, sizeof(where));
    if (more)
      snprintf(others, sizeof(others), ", nor %zu more pod template%s it selects", more,
               more == 1 ? "" : "s");
    if (q0.name)
      qg_k8s_report(k, at, NULL, field,
                    "Service \"%s\" targets port \"%s\", which no container of %s \"%s\" (at %s%s) "
                    "names: those pods get no endpoint for it",
                    self->name, q0.name, first->kind, first->name, where, others);
    else
      qg_k8s_report(k, at, NULL, field,
                    "Service \"%s\" targets port %lld, which no container of %s \"%s\" (at %s%s) "
                    "lists among its ports",
                    self->name, q0.num, first->kind, first->name, where, others);
  }
}

/* ---- StatefulSets to their Services ---------------------------------------- */

void qg_k8s_statefulset_service_name(const qg_k8s_check *k) {
  const qg_kobj *self = self_is(k, "apps", "StatefulSet");
  if (!self)
    return;
  const qg_ynode *sn = qg_ymap_path(self->obj, "spec.serviceName");
  const char *name = qg_k8s_scal(sn);
  if (!*name)
    return;
  const qg_kobj *svc = qg_k8s_input_get(k->input, "", "Service", self->namespace_, name);
  char nsb[300], where[WHERE];
  if (!svc) {
    if (k->input->complete)
      qg_k8s_report(k, sn, NULL, "spec.serviceName",
                    "StatefulSet \"%s\" names Service \"%s\", which the input does not define "
                    "(%s): its pods get no DNS names",
                    self->name, name, ns_text(self->namespace_, nsb, sizeof(nsb)));
    return;
  }
  const qg_ynode *cip = qg_ymap_path(svc->obj, "spec.clusterIP");
  if (qg_ynode_eq(cip, "None"))
    return;
  qg_k8s_report(k, sn, NULL, "spec.serviceName",
                "StatefulSet \"%s\" names Service \"%s\" (at %s), which is not headless "
                "(clusterIP is not None): its pods get no DNS names",
                self->name, name,
                qg_k8s_input_where(svc, cip ? cip : svc->obj, where, sizeof(where)));
}

/* ---- HorizontalPodAutoscalers to their workloads ---------------------------- */

/* Is o an HPA (autoscaling) whose scaleTargetRef names w (same namespace)? */
static bool hpa_targets(const qg_kobj *hpa, const qg_kobj *w) {
  if (strcmp(hpa->group, "autoscaling") != 0 || strcmp(hpa->namespace_, w->namespace_) != 0)
    return false;
  const qg_ynode *ref = qg_ymap_path(hpa->obj, "spec.scaleTargetRef");
  if (strcmp(qg_k8s_scal(qg_ymap_get(ref, "kind")), w->kind) != 0 ||
      strcmp(qg_k8s_scal(qg_ymap_get(ref, "name")), w->name) != 0)
    return false;
  const char *api = qg_k8s_scal(qg_ymap_get(ref, "apiVersion"));
  char g[128];
  return !*api || strcmp(group_of(api, g, sizeof(g)), w->group) == 0;
}

/* The first HPA of the input that scales w, or NULL. */
static const qg_kobj *hpa_of(const qg_k8s_input *in, const qg_kobj *w) {
  size_t n;
  const qg_kobj *const *hs = kind_in(in, "HorizontalPodAutoscaler", w->namespace_, &n);
  for (size_t i = 0; i < n; i++)
    if (hpa_targets(hs[i], w))
      return hs[i];
  return NULL;
}

void qg_k8s_hpa_target_missing(const qg_k8s_check *k) {
  const qg_kobj *self = self_is(k, "autoscaling", "HorizontalPodAutoscaler");
  if (!self || !k->input->complete)
    return;
  const qg_ynode *ref = qg_ymap_path(self->obj, "spec.scaleTargetRef");
  const qg_ynode *nm = qg_ymap_get(ref, "name");
  const char *kind = qg_k8s_scal(qg_ymap_get(ref, "kind")), *name = qg_k8s_scal(nm);
  const char *api = qg_k8s_scal(qg_ymap_get(ref, "apiVersion"));
  if (!*kind || !*name)
    return; /* the API server refuses it */
  char g[128], nsb[300];
  if (qg_k8s_input_get(k->input, *api ? group_of(api, g, sizeof(g)) : NULL, kind, self->namespace_,
                       name))
    return;
  qg_k8s_report(k, nm, NULL, "spec.scaleTargetRef.name",
                "HorizontalPodAutoscaler \"%s\" scales %s \"%s\"%s%s%s, which the input does not "
                "define (%s): it scales nothing",
                self->name, kind, name, *api ? " (" : "", api, *api ? ")" : "",
                ns_text(self->namespace_, nsb, sizeof(nsb)));
}

void qg_k8s_hpa_replicas_conflict(const qg_k8s_check *k) {
  const qg_kobj *self = k->input ? qg_k8s_input_self(k->input, k->ref) : NULL;
  if (!self || !self->pod_spec)
    return;
  const qg_ynode *r = qg_ymap_path(self->obj, "spec.replicas");
  if (!r || qg_ynode_is_null(r))
    return;
  const qg_kobj *hpa = hpa_of(k->input, self);
  if (!hpa)
    return;
  char where[WHERE];
  qg_k8s_emit(k->ref, k->rule, r, NULL, "spec.replicas",
              "%s \"%s\" sets replicas: %s, but HorizontalPodAutoscaler \"%s\" (at %s) scales "
              "it: every apply resets the replica count the autoscaler chose",
              self->kind, self->name, qg_k8s_scal(r), hpa->name,
              qg_k8s_input_where(hpa, hpa->obj, where, sizeof(where)));
}

/* ---- PodDisruptionBudgets to their workloads -------------------------------- */

/* Does PodDisruptionBudget pdb select labels? policy/v1: a missing or null
 * selector selects none, {} every pod; policy/v1beta1: {} selects none. */
static bool pdb_selects(const qg_kobj *pdb, const qg_ynode *labels) {
  const qg_ynode *sel = qg_ymap_path(pdb->obj, "spec.selector");
  if (!is_map(sel) || (sel->u.map.n == 0 && strcmp(pdb->api_version, "policy/v1") != 0))
    return false;
  return qg_k8s_selector_matches(sel, labels);
}

static bool is_pdb(const qg_kobj *o) {
  return obj_is(o, "policy", "PodDisruptionBudget") &&
         (strcmp(o->api_version, "policy/v1") == 0 ||
          strcmp(o->api_version, "policy/v1beta1") == 0);
}

void qg_k8s_pdb_missing(const qg_k8s_check *k) {
  if (!k->input || !k->input->complete)
    return;
  const qg_kobj *self = qg_k8s_input_self(k->input, k->ref);
  if (!self || !self->pod_spec || !qg_k8s_replicated_kind(self->kind))
    return;
  const qg_ynode *r = qg_ymap_path(self->obj, "spec.replicas");
  long long n = 1;
  if (r && !qg_ynode_is_null(r) && !qg_ynode_int(r, &n))
    return;
  const qg_kobj *hpa = n >= 2 ? NULL : hpa_of(k->input, self);
  if (n < 2 && !hpa)
    return;
  size_t np;
  const qg_kobj *const *pdbs = kind_in(k->input, "PodDisruptionBudget", self->namespace_, &np);
  for (size_t i = 0; i < np; i++)
    if (is_pdb(pdbs[i]) && pdb_selects(pdbs[i], pod_labels(self)))
      return;
  if (qg_k8s_input_exhausted(k->input))
    return;
  char nsb[300], where[WHERE], buf[256];
  ns_text(self->namespace_, nsb, sizeof(nsb));
  if (!hpa) {
    qg_k8s_emit(k->ref, k->rule, r, NULL, "spec.replicas",
                "%s \"%s\" runs %lld replicas and no PodDisruptionBudget of the input selects its "
                "pods (%s): a node drain may evict them all at once",
                self->kind, self->name, n, nsb);
    return;
  }
  const char *field;
  const qg_ynode *at = labels_at(k, buf, sizeof(buf), &field);
  qg_k8s_emit(k->ref, k->rule, at, NULL, field,
              "%s \"%s\" is scaled by HorizontalPodAutoscaler \"%s\" (at %s) and no "
              "PodDisruptionBudget of the input selects its pods (%s): a node drain may evict "
              "them all at once",
              self->kind, self->name, hpa->name,
              qg_k8s_input_where(hpa, hpa->obj, where, sizeof(where)), nsb);
}

/* One finding per budget, naming the first workload it blocks. */
void qg_k8s_pdb_exceeds_replicas(const qg_k8s_check *k) {
  const qg_kobj *self = k->input ? qg_k8s_input_self(k->input, k->ref) : NULL;
  if (!self || !is_pdb(self))
    return;
  const qg_ynode *ma = qg_ymap_path(self->obj, "spec.minAvailable");
  long long min;
  if (!ma || ma->kind != QG_Y_SCALAR || !qg_ynode_int(ma, &min) || min < 1)
    return; /* a percentage, or absent: k8s/pdb-blocks-eviction */
  pod_iter it =
      pods_of(k->input, self->namespace_, qg_ymap_path(self->obj, "spec.selector"), false);
  for (const qg_kobj *w; (w = next_pod(&it));) {
    if (!qg_k8s_replicated_kind(w->kind) || !pdb_selects(self, pod_labels(w)))
      continue;
    char where[WHERE], hw[WHERE];
    const qg_ynode *r = qg_ymap_path(w->obj, "spec.replicas");
    const qg_kobj *hpa = hpa_of(k->input, w);
    long long n = 1;
    if (hpa) {
      const qg_ynode *hm = qg_ymap_path(hpa->obj, "spec.minReplicas");
      if ((hm && !qg_ynode_is_null(hm) && !qg_ynode_int(hm, &n)) || min < n)
        continue;
      qg_k8s_report(k, ma, NULL, "spec.minAvailable",
                    "PodDisruptionBudget \"%s\" keeps minAvailable: %lld pods of %s \"%s\" (at "
                    "%s), which HorizontalPodAutoscaler \"%s\" (at %s) may scale down to %lld: "
                    "node drains then wait for ever",
                    self->name, min, w->kind, w->name,
                    qg_k8s_input_where(w, w->obj, where, sizeof(where)), hpa->name,
                    qg_k8s_input_where(hpa, hpa->obj, hw, sizeof(hw)), n);
      return;
    }
    if ((r && !qg_ynode_is_null(r) && !qg_ynode_int(r, &n)) || n < 1 || min < n)
      continue;
    qg_k8s_report(k, ma, NULL, "spec.minAvailable",
                  "PodDisruptionBudget \"%s\" keeps minAvailable: %lld pods of %s \"%s\" (at "
                  "%s), which runs %lld: no pod may be evicted, node drains wait for ever",
                  self->name, min, w->kind, w->name,
                  qg_k8s_input_where(w, r ? r : w->obj, where, sizeof(where)), n);
    return;
  }
}
