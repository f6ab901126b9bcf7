/* refs.c: references by name to objects the input lacks (rules/k8s.def):
 * a pod's ServiceAccount (k8s/missing-service-account), ConfigMaps and
 * Secrets (k8s/missing-configmap, k8s/missing-secret: volumes, projected
 * sources, env and envFrom, image pull Secrets, and the keys they name),
 * PersistentVolumeClaims (k8s/missing-volume-claim), an Ingress's backend
 * Services and their ports (k8s/ingress-missing-service) and a binding's role
 * (k8s/rbac-missing-role).
 *
 * Each reports an absence, so each runs only when the input is said to be
 * complete (k->input->complete: --complete-input, complete_input: true), and
 * looks only in the referring object's namespace ("" when not written: such
 * objects match only others without one). A reference marked optional: true
 * is never reported. Where the input holds several objects of the same kind,
 * namespace and name (overlays scanned together), a key or a port any of them
 * has counts as present. Rows of scope INPUT_POD and INPUT. */
#include "scanners/k8s/check.h"
#include "scanners/k8s/input.h"

#include <stdio.h>
#include <string.h>

static const char *ns_of(const qg_k8s_check *k) {
  return k->ref->ctx.namespace_ ? k->ref->ctx.namespace_ : "";
}

/* "namespace \"shop\"" or "no namespace": where the look-up was. */
static const char *where_ns(const char *ns, char *buf, size_t size) {
  if (*ns)
    snprintf(buf, size, "namespace \"%.63s\"", ns);
  else
    snprintf(buf, size, "no namespace");
  return buf;
}

static bool optional(const qg_ynode *ref) {
  return qg_ynode_bool(qg_ymap_get(ref, "optional")) == 1;
}

/* The objects of kind (group "" = core, NULL = any) in ns named name: *out
 * points at the first of them (sorted), returns how many; group-filtered by
 * the caller. */
static size_t same(const qg_k8s_input *in, const char *kind, const char *ns, const char *name,
                   const qg_kobj *const **out) {
  const qg_kobj *const *all;
  size_t n = qg_k8s_input_kind(in, kind, &all);
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(all[mid]->namespace_, ns);
    if (!c)
      c = strcmp(all[mid]->name, name);
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  size_t e = lo;
  while (e < n && !strcmp(all[e]->namespace_, ns) && !strcmp(all[e]->name, name))
    e++;
  *out = all + lo;
  return e - lo;
}

/* ---- ConfigMaps and Secrets ------------------------------------------------------- */

typedef enum { CM, SECRET } cfg_kind;

static const char *kind_name(cfg_kind t) { return t == CM ? "ConfigMap" : "Secret"; }

/* What the input says of a ConfigMap or Secret. */
typedef struct found {
  int n;                   /* objects of the kind with that name (core group) */
  const qg_kobj *first;    /* the first of them */
  bool produced;           /* a Secret another object of the input makes */
  const qg_kobj *const *v; /* the objects (n of them, some maybe of another group) */
  size_t nv;
} found;

/* Objects that make a Secret of their own namespace: a Bitnami SealedSecret
 * (named as it is), an external-secrets ExternalSecret (spec.target.name, else
 * its name), a cert-manager Certificate (spec.secretName). */
static bool secret_made(const qg_k8s_input *in, const char *ns, const char *name) {
  const qg_kobj *const *v;
  size_t n = same(in, "SealedSecret", ns, name, &v);
  for (size_t i = 0; i < n; i++)
    if (!strcmp(v[i]->group, "bitnami.com"))
      return true;
  static const struct {
    const char *kind, *group, *field;
  } makers[] = {{"ExternalSecret", "external-secrets.io", "spec.target.name"},
                {"Certificate", "cert-manager.io", "spec.secretName"}};
  for (size_t m = 0; m < QG_ARRAY_LEN(makers); m++) {
    n = qg_k8s_input_kind_in(in, makers[m].kind, ns, &v);
    if (!qg_k8s_input_spend(in, n))
      return true; /* the run says the checks stopped; nothing is reported */
    for (size_t i = 0; i < n; i++) {
      if (strcmp(v[i]->group, makers[m].group))
        continue;
      const char *target = qg_k8s_scal(qg_ymap_path(v[i]->obj, makers[m].field));
      if (!*target && m == 0)
        target = v[i]->name;
      if (!strcmp(target, name))
        return true;
    }
  }
  return false;
}

/* ConfigMaps every namespace has (kube-root-ca.crt since Kubernetes 1.20;
 * OpenShift's service CA bundle). */
static bool builtin_configmap(const char *name) {
  return !strcmp(name, "kube-root-ca.crt") || !strcmp(name, "openshift-service-ca.crt");
}

static found look(const qg_k8s_check *k, cfg_kind t, const char *name) {
  found f = {0};
  f.nv = same(k->input, kind_name(t), ns_of(k), name, &f.v);
  for (size_t i = 0; i < f.nv; i++)
    if (!*f.v[i]->group) {
      if (!f.n++)
        f.first = f.v[i];
    }
  if (!f.n)
    f.produced = t == CM ? builtin_configmap(name) : secret_made(k->input, ns_of(k), name);
  return f;
}

/* Is the key in one of the objects found? A Secret of type
 * kubernetes.io/service-account-token gets its keys from the token
 * controller: every key counts as present. */
static bool has_key(const found *f, cfg_kind t, const char *key) {
  static const char *const cm_fields[] = {"data", "binaryData", NULL};
  static const char *const secret_fields[] = {"data", "stringData", NULL};
  for (size_t i = 0; i < f->nv; i++) {
    const qg_kobj *o = f->v[i];
    if (*o->group)
      continue;
    if (t == SECRET &&
        qg_ynode_eq(qg_ymap_get(o->obj, "type"), "kubernetes.io/service-account-token"))
      return true;
    for (const char *const *fl = t == CM ? cm_fields : secret_fields; *fl; fl++)
      if (qg_ymap_get(qg_ymap_get(o->obj, *fl), key))
        return true;
  }
  return false;
}

/* One reference: report it when the object is missing, else each key of keys
 * (a sequence of {key: ...} items, or NULL) and key (a node, or NULL) the
 * object lacks. what: "volume \"cfg\"", "container \"app\"" ...; field: the
 * reference's path (relative to the base, or the container when c). */
static void check_ref(const qg_k8s_check *k, cfg_kind t, const qg_container *c, const char *field,
                      const char *what, const qg_ynode *ref, const char *name_key,
                      const qg_ynode *items, const qg_ynode *key) {
  const qg_ynode *nn = qg_ymap_get(ref, name_key);
  const char *name = qg_k8s_scal(nn);
  if (!*name || optional(ref))
    return;
  found f = look(k, t, name);
  char fbuf[352], nsb[96], at[256];
  if (!f.n) {
    if (f.produced)
      return;
    snprintf(fbuf, sizeof(fbuf), "%s.%s", field, name_key);
    qg_k8s_report(k, nn, c, fbuf, "%s names %s \"%.63s\", which the input does not hold (%s)", what,
                  kind_name(t), name, where_ns(ns_of(k), nsb, sizeof(nsb)));
    return;
  }
  qg_k8s_input_where(f.first, NULL, at, sizeof(at));
  for (uint32_t i = 0; i < qg_yseq_len(items); i++) {
    const qg_ynode *kn = qg_ymap_get(qg_yseq_at(items, i), "key");
    if (!*qg_k8s_scal(kn) || has_key(&f, t, qg_k8s_scal(kn)))
      continue;
    snprintf(fbuf, sizeof(fbuf), "%s.items[%u].key", field, i);
    qg_k8s_report(k, kn, c, fbuf,
                  "%s names key \"%.63s\" of %s \"%.63s\" (%s), which has no such key", what,
                  qg_k8s_scal(kn), kind_name(t), name, at);
  }
  if (key && *qg_k8s_scal(key) && !has_key(&f, t, qg_k8s_scal(key))) {
    snprintf(fbuf, sizeof(fbuf), "%s.key", field);
    qg_k8s_report(k, key, c, fbuf,
                  "%s names key \"%.63s\" of %s \"%.63s\" (%s), which has no such key", what,
                  qg_k8s_scal(key), kind_name(t), name, at);
  }
}

/* A volume source (volumes[] entry, or a projected source) of ConfigMap or Secret. */
static void volume_source(const qg_k8s_check *k, cfg_kind t, const qg_ynode *src, const char *field,
                          const char *what) {
  const char *key = t == CM ? "configMap" : "secret";
  const qg_ynode *ref = qg_ymap_get(src, key);
  if (!ref || ref->kind != QG_Y_MAP)
    return;
  char fbuf[288];
  snprintf(fbuf, sizeof(fbuf), "%s.%s", field, key);
  /* a volume's secret names it by secretName; a projected source by name */
  const char *name_key = t == SECRET && qg_ymap_get(ref, "secretName") ? "secretName" : "name";
  check_ref(k, t, NULL, fbuf, what, ref, name_key, qg_ymap_get(ref, "items"), NULL);
}

static void cfg_refs(const qg_k8s_check *k, cfg_kind t) {
  if (!k->input || !k->input->complete)
    return;
  const qg_ynode *spec = k->ref->spec;
  char field[256], what[192];
  const qg_ynode *vols = qg_ymap_get(spec, "volumes");
  for (uint32_t i = 0; i < qg_yseq_len(vols); i++) {
    const qg_ynode *v = qg_yseq_at(vols, i);
    const char *vn = qg_k8s_scal(qg_ymap_get(v, "name"));
    snprintf(what, sizeof(what), "volume \"%.63s\"", vn);
    snprintf(field, sizeof(field), "volumes[%.63s]", vn);
    volume_source(k, t, v, field, what);
    const qg_ynode *srcs = qg_ymap_path(v, "projected.sources");
    for (uint32_t j = 0; j < qg_yseq_len(srcs); j++) {
      snprintf(field, sizeof(field), "volumes[%.63s].projected.sources[%u]", vn, j);
      volume_source(k, t, qg_yseq_at(srcs, j), field, what);
    }
  }
  for (size_t i = 0; i < k->n; i++) {
    const qg_container *c = &k->ctrs[i];
    const qg_ynode *env = qg_ymap_get(c->node, "env");
    const char *refkey = t == CM ? "configMapKeyRef" : "secretKeyRef";
    for (uint32_t j = 0; j < qg_yseq_len(env); j++) {
      const qg_ynode *e = qg_yseq_at(env, j);
      const qg_ynode *ref = qg_ymap_get(qg_ymap_get(e, "valueFrom"), refkey);
      if (!ref)
        continue;
      const char *en = qg_k8s_scal(qg_ymap_get(e, "name"));
      snprintf(what, sizeof(what), "%s \"%.63s\" (variable %.63s)", qg_k8s_ctr_word(c), c->name,
               en);
      snprintf(field, sizeof(field), "env[%.63s].valueFrom.%s", en, refkey);
      check_ref(k, t, c, field, what, ref, "name", NULL, qg_ymap_get(ref, "key"));
    }
    const qg_ynode *from = qg_ymap_get(c->node, "envFrom");
    const char *fromkey = t == CM ? "configMapRef" : "secretRef";
    for (uint32_t j = 0; j < qg_yseq_len(from); j++) {
      const qg_ynode *ref = qg_ymap_get(qg_yseq_at(from, j), fromkey);
      if (!ref)
        continue;
      snprintf(what, sizeof(what), "%s \"%.63s\" (envFrom)", qg_k8s_ctr_word(c), c->name);
      snprintf(field, sizeof(field), "envFrom[%u].%s", j, fromkey);
      check_ref(k, t, c, field, what, ref, "name", NULL, NULL);
    }
  }
  if (t != SECRET)
    return;
  const qg_ynode *pull = qg_ymap_get(spec, "imagePullSecrets");
  for (uint32_t i = 0; i < qg_yseq_len(pull); i++) {
    snprintf(field, sizeof(field), "imagePullSecrets[%u]", i);
    check_ref(k, t, NULL, field, "imagePullSecrets", qg_yseq_at(pull, i), "name", NULL, NULL);
  }
}

void qg_k8s_missing_configmap(const qg_k8s_check *k) { cfg_refs(k, CM); }
void qg_k8s_missing_secret(const qg_k8s_check *k) { cfg_refs(k, SECRET); }

/* ---- ServiceAccounts -------------------------------------------------------------- */

void qg_k8s_missing_service_account(const qg_k8s_check *k) {
  if (!k->input || !k->input->complete)
    return;
  const char *field = "serviceAccountName";
  const qg_ynode *nn = qg_ymap_get(k->ref->spec, field);
  if (!*qg_k8s_scal(nn)) {
    field = "serviceAccount";
    nn = qg_ymap_get(k->ref->spec, field);
  }
  const char *name = qg_k8s_scal(nn);
  if (!*name || !strcmp(name, "default") ||
      qg_k8s_input_get(k->input, "", "ServiceAccount", ns_of(k), name))
    return;
  char nsb[96];
  qg_k8s_report(k, nn, NULL, field,
                "pod runs as ServiceAccount \"%.63s\", which the input does not hold (%s)", name,
                where_ns(ns_of(k), nsb, sizeof(nsb)));
}

/* ---- PersistentVolumeClaims ------------------------------------------------------- */

/* Is name one of the volumeClaimTemplates of the pod's own StatefulSet? */
static bool claim_template(const qg_k8s_check *k, const char *name) {
  if (!k->ref->ctx.kind || strcmp(k->ref->ctx.kind, "StatefulSet") != 0)
    return false;
  const qg_ynode *t = qg_ymap_path(k->ref->obj, "spec.volumeClaimTemplates");
  for (uint32_t i = 0; i < qg_yseq_len(t); i++)
    if (qg_ynode_eq(qg_ymap_path(qg_yseq_at(t, i), "metadata.name"), name))
      return true;
  return false;
}

void qg_k8s_missing_volume_claim(const qg_k8s_check *k) {
  if (!k->input || !k->input->complete)
    return;
  const qg_ynode *vols = qg_ymap_get(k->ref->spec, "volumes");
  for (uint32_t i = 0; i < qg_yseq_len(vols); i++) {
    const qg_ynode *v = qg_yseq_at(vols, i);
    const qg_ynode *cn = qg_ymap_path(v, "persistentVolumeClaim.claimName");
    const char *name = qg_k8s_scal(cn);
    if (!*name || qg_k8s_input_get(k->input, "", "PersistentVolumeClaim", ns_of(k), name) ||
        claim_template(k, name))
      continue;
    const char *vn = qg_k8s_scal(qg_ymap_get(v, "name"));
    char field[160], nsb[96];
    snprintf(field, sizeof(field), "volumes[%.63s].persistentVolumeClaim.claimName", vn);
    qg_k8s_report(k, cn, NULL, field,
                  "volume \"%.63s\" names PersistentVolumeClaim \"%.63s\", which the input does "
                  "not hold (%s)",
                  vn, name, where_ns(ns_of(k), nsb, sizeof(nsb)));
  }
}

/* ---- Ingress backends ------------------------------------------------------------- */

/* Is the port (number or name) one of the Services' ports? */
static bool service_port(const qg_kobj *const *v, size_t n, const qg_ynode *port) {
  long long num;
  bool by_num = qg_ynode_int(port, &num);
  for (size_t i = 0; i < n; i++) {
    if (*v[i]->group)
      continue;
    const qg_ynode *spec = qg_ymap_get(v[i]->obj, "spec");
    if (qg_ynode_eq(qg_ymap_get(spec, "type"), "ExternalName"))
      return true; /* its ports are the external host's */
    const qg_ynode *ports = qg_ymap_get(spec, "ports");
    for (uint32_t j = 0; j < qg_yseq_len(ports); j++) {
      const qg_ynode *p = qg_yseq_at(ports, j);
      long long pn;
      if (by_num ? qg_ynode_int(qg_ymap_get(p, "port"), &pn) && pn == num
                 : qg_ynode_eq(qg_ymap_get(p, "name"), qg_k8s_scal(port)))
        return true;
    }
  }
  return false;
}

/* One backend: v1 (service.name, service.port.number|name) or v1beta1
 * (serviceName, servicePort). */
static void backend(const qg_k8s_check *k, const qg_ynode *b, const char *field) {
  const qg_ynode *svc = qg_ymap_get(b, "service");
  const qg_ynode *nn, *port;
  char nf[256], pf[256];
  if (svc) {
    nn = qg_ymap_get(svc, "name");
    const qg_ynode *p = qg_ymap_get(svc, "port");
    port = qg_ymap_get(p, "number");
    snprintf(pf, sizeof(pf), "%s.service.port.number", field);
    if (!port) {
      port = qg_ymap_get(p, "name");
      snprintf(pf, sizeof(pf), "%s.service.port.name", field);
    }
    snprintf(nf, sizeof(nf), "%s.service.name", field);
  } else {
    nn = qg_ymap_get(b, "serviceName");
    port = qg_ymap_get(b, "servicePort");
    snprintf(nf, sizeof(nf), "%s.serviceName", field);
    snprintf(pf, sizeof(pf), "%s.servicePort", field);
  }
  const char *name = qg_k8s_scal(nn);
  if (!*name)
    return;
  const qg_kobj *const *v;
  size_t n = same(k->input, "Service", ns_of(k), name, &v), core = 0;
  for (size_t i = 0; i < n; i++)
    core += !*v[i]->group;
  char nsb[96], at[256];
  if (!core) {
    qg_k8s_report(
        k, nn, NULL, nf,
        "Ingress \"%.63s\" routes to Service \"%.63s\", which the input does not hold (%s)",
        k->ref->ctx.name ? k->ref->ctx.name : "", name, where_ns(ns_of(k), nsb, sizeof(nsb)));
    return;
  }
  if (!port || !*qg_k8s_scal(port) || service_port(v, n, port))
    return;
  for (size_t i = 0; i < n; i++)
    if (!*v[i]->group) {
      qg_k8s_input_where(v[i], NULL, at, sizeof(at));
      break;
    }
  qg_k8s_report(k, port, NULL, pf,
                "Ingress \"%.63s\" routes to port %.63s of Service \"%.63s\" (%s), which has no "
                "such port",
                k->ref->ctx.name ? k->ref->ctx.name : "", qg_k8s_scal(port), name, at);
}

void qg_k8s_ingress_missing_service(const qg_k8s_check *k) {
  const char *api = k->ref->ctx.api_version, *kind = k->ref->ctx.kind;
  if (!k->input || !k->input->complete || !api || !kind || strcmp(kind, "Ingress") != 0 ||
      (strncmp(api, "networking.k8s.io/", 18) != 0 && strncmp(api, "extensions/", 11) != 0))
    return;
  const qg_ynode *spec = qg_ymap_get(k->ref->obj, "spec");
  if (qg_ymap_get(spec, "defaultBackend"))
    backend(k, qg_ymap_get(spec, "defaultBackend"), "spec.defaultBackend");
  else if (qg_ymap_get(spec, "backend"))
    backend(k, qg_ymap_get(spec, "backend"), "spec.backend");
  const qg_ynode *rules = qg_ymap_get(spec, "rules");
  for (uint32_t i = 0; i < qg_yseq_len(rules); i++) {
    const qg_ynode *paths = qg_ymap_path(qg_yseq_at(rules, i), "http.paths");
    for (uint32_t j = 0; j < qg_yseq_len(paths); j++) {
      char field[96];
      snprintf(field, sizeof(field), "spec.rules[%u].http.paths[%u].backend", i, j);
      backend(k, qg_ymap_get(qg_yseq_at(paths, j), "backend"), field);
    }
  }
}

/* ---- RBAC bindings ---------------------------------------------------------------- */

/* Roles every cluster has: the user-facing ClusterRoles, the system: ones, and
 * kube-system's extension-apiserver-authentication-reader Role. */
static bool builtin_role(const char *name) {
  return !strncmp(name, "system:", 7) || !strcmp(name, "cluster-admin") || !strcmp(name, "admin") ||
         !strcmp(name, "edit") || !strcmp(name, "view") ||
         !strcmp(name, "extension-apiserver-authentication-reader");
}

void qg_k8s_rbac_missing_role(const qg_k8s_check *k) {
  static const char group[] = "rbac.authorization.k8s.io/";
  const char *api = k->ref->ctx.api_version, *kind = k->ref->ctx.kind;
  if (!k->input || !k->input->complete || !api || !kind ||
      strncmp(api, group, sizeof(group) - 1) != 0 ||
      (strcmp(kind, "RoleBinding") != 0 && strcmp(kind, "ClusterRoleBinding") != 0))
    return;
  const qg_ynode *role = qg_ymap_get(k->ref->obj, "roleRef");
  const qg_ynode *nn = qg_ymap_get(role, "name");
  const char *name = qg_k8s_scal(nn), *rk = qg_k8s_scal(qg_ymap_get(role, "kind"));
  if (!*name || builtin_role(name))
    return;
  const char *g = "rbac.authorization.k8s.io";
  char nsb[96];
  if (!strcmp(rk, "Role") && !strcmp(kind, "RoleBinding")) {
    if (qg_k8s_input_get(k->input, g, "Role", ns_of(k), name))
      return;
    qg_k8s_report(k, nn, NULL, "roleRef.name",
                  "RoleBinding \"%.63s\" binds Role \"%.63s\", which the input does not hold (%s)",
                  k->ref->ctx.name ? k->ref->ctx.name : "", name,
                  where_ns(ns_of(k), nsb, sizeof(nsb)));
  } else if (!strcmp(rk, "ClusterRole")) {
    /* cluster-scoped: the index files it under no namespace, whatever is written */
    if (qg_k8s_input_get(k->input, g, "ClusterRole", "", name))
      return;
    qg_k8s_report(k, nn, NULL, "roleRef.name",
                  "%s \"%.63s\" binds ClusterRole \"%.63s\", which the input does not hold", kind,
                  k->ref->ctx.name ? k->ref->ctx.name : "", name);
  }
}
