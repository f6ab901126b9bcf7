/* exposure.c: exposure and isolation checks of one object (rules/k8s.def):
 * k8s/service-exposed and k8s/ingress-no-tls (OBJECT: Services and
 * Ingresses), k8s/ssh-port (OBJECT: a pod spec's containers and a Service's
 * ports) and k8s/host-users (POD). Each finding is at the node that shows it. */
#include "scanners/k8s/check.h"

#include "core/mem.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *obj_name(const qg_k8s_check *k) {
  return k->ref->ctx.name ? k->ref->ctx.name : "";
}

/* Is the object of kind `kind` in one of `groups` (a list of API groups, ""
 * for the core group, ended by NULL)? */
static bool is_kind(const qg_k8s_check *k, const char *kind, const char *const *groups) {
  const char *api = k->ref->ctx.api_version, *kd = k->ref->ctx.kind;
  if (!api || !kd || strcmp(kd, kind) != 0)
    return false;
  const char *slash = strchr(api, '/');
  size_t gl = slash ? (size_t)(slash - api) : 0;
  for (; *groups; groups++)
    if (strlen(*groups) == gl && strncmp(*groups, api, gl) == 0)
      return true;
  return false;
}

static bool is_service(const qg_k8s_check *k) {
  static const char *const core[] = {"", NULL};
  return is_kind(k, "Service", core);
}

/* ---- k8s/service-exposed ---------------------------------------------------------- */

/* The annotations the common clouds read as "an internal load balancer":
 * key, then the value that makes it internal (case-insensitive). */
static const char *const k_internal[][2] = {
    {"service.beta.kubernetes.io/aws-load-balancer-internal", "true"},
    {"service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"},
    {"networking.gke.io/load-balancer-type", "Internal"},
    {"cloud.google.com/load-balancer-type", "Internal"},
    {"service.beta.kubernetes.io/azure-load-balancer-internal", "true"},
};

static bool internal_lb(const qg_k8s_check *k) {
  const qg_ynode *ann = qg_ymap_get(k->ref->obj_meta, "annotations");
  for (size_t i = 0; i < QG_ARRAY_LEN(k_internal); i++) {
    const qg_ynode *v = qg_ymap_get(ann, k_internal[i][0]);
    /* the AWS annotation has meant internal for any value but "false" in
     * older releases; only the documented value counts here */
    if (v && strcasecmp(qg_k8s_scal(v), k_internal[i][1]) == 0)
      return true;
  }
  return false;
}

void qg_k8s_service_exposed(const qg_k8s_check *k) {
  if (!is_service(k))
    return;
  const qg_ynode *spec = qg_ymap_get(k->ref->obj, "spec");
  const qg_ynode *type = qg_ymap_get(spec, "type");
  if (qg_ynode_eq(type, "NodePort")) {
    qg_k8s_report(k, type, NULL, "spec.type",
                  "Service \"%s\" is of type NodePort: its ports are open on every node",
                  obj_name(k));
    return;
  }
  if (!qg_ynode_eq(type, "LoadBalancer") ||
      qg_yseq_len(qg_ymap_get(spec, "loadBalancerSourceRanges")) || internal_lb(k))
    return;
  qg_k8s_report(k, type, NULL, "spec.type",
                "Service \"%s\" is of type LoadBalancer without loadBalancerSourceRanges or an "
                "internal load balancer annotation: it is reachable from any address, and its "
                "node ports from the nodes' network",
                obj_name(k));
}

/* ---- k8s/ingress-no-tls ----------------------------------------------------------- */

/* Annotations by which a cloud's load balancer terminates TLS outside
 * spec.tls. */
static const char *const k_lb_certs[] = {
    "alb.ingress.kubernetes.io/certificate-arn",
    "ingress.gcp.kubernetes.io/pre-shared-cert",
    "networking.gke.io/managed-certificates",
};

/* Does TLS host `tls` cover rule host `host`? Equal (in any case), or
 * "*.suffix" matching exactly one more label. */
static bool host_covered(const char *tls, const char *host) {
  if (strcasecmp(tls, host) == 0)
    return true;
  if (strncmp(tls, "*.", 2) != 0)
    return false;
  const char *dot = strchr(host, '.');
  return dot && dot != host && host[0] != '*' && strcasecmp(dot, tls + 1) == 0;
}

void qg_k8s_ingress_no_tls(const qg_k8s_check *k) {
  static const char *const groups[] = {"networking.k8s.io", "extensions", NULL};
  if (!is_kind(k, "Ingress", groups))
    return;
  const qg_ynode *ann = qg_ymap_get(k->ref->obj_meta, "annotations");
  for (size_t i = 0; i < QG_ARRAY_LEN(k_lb_certs); i++)
    if (*qg_k8s_scal(qg_ymap_get(ann, k_lb_certs[i])))
      return;
  const qg_ynode *spec = qg_ymap_get(k->ref->obj, "spec");
  const qg_ynode *tls = qg_ymap_get(spec, "tls");
  const qg_ypair *rules = qg_ymap_pair(spec, "rules");
  if (!qg_yseq_len(tls)) {
    const qg_ypair *at = rules && qg_yseq_len(rules->value) ? rules : NULL;
    if (!at)
      at = qg_ymap_pair(spec, "defaultBackend");
    if (!at)
      at = qg_ymap_pair(spec, "backend"); /* v1beta1 */
    if (at)
      qg_k8s_report(k, at->key, NULL, "spec.tls",
                    "Ingress \"%s\" has no spec.tls: it serves %s over plain HTTP", obj_name(k),
                    at == rules ? "its rules" : "its default backend");
    return;
  }
  /* a tls entry without hosts takes the controller's default certificate
   * for every host */
  for (uint32_t j = 0; j < qg_yseq_len(tls); j++)
    if (!qg_yseq_len(qg_ymap_get(qg_yseq_at(tls, j), "hosts")))
      return;
  for (uint32_t i = 0; rules && i < qg_yseq_len(rules->value); i++) {
    const qg_ynode *host = qg_ymap_get(qg_yseq_at(rules->value, i), "host");
    const char *h = qg_k8s_scal(host);
    if (!*h)
      continue;
    bool covered = false;
    for (uint32_t j = 0; j < qg_yseq_len(tls) && !covered; j++) {
      const qg_ynode *hosts = qg_ymap_get(qg_yseq_at(tls, j), "hosts");
      for (uint32_t m = 0; m < qg_yseq_len(hosts) && !covered; m++)
        covered = host_covered(qg_k8s_scal(qg_yseq_at(hosts, m)), h);
    }
    if (covered)
      continue;
    char field[320];
    snprintf(field, sizeof(field), "spec.rules[%u].host", i);
    qg_k8s_report(k, host, NULL, field,
                  "Ingress \"%s\" serves host \"%s\" over plain HTTP: no spec.tls entry lists it",
                  obj_name(k), h);
  }
}

/* ---- k8s/ssh-port ----------------------------------------------------------------- */

static bool is_ssh_name(const qg_ynode *n) { return strcasecmp(qg_k8s_scal(n), "ssh") == 0; }

static bool is_22(const qg_ynode *n) {
  long long v;
  return qg_ynode_int(n, &v) && v == 22;
}

static const char *ctr_who(const qg_container *c) {
  return c->kind == QG_CTR_INIT        ? "init container"
         : c->kind == QG_CTR_EPHEMERAL ? "ephemeral container"
                                       : "container";
}

static void ssh_containers(const qg_k8s_check *k) {
  for (size_t i = 0; i < k->n; i++) {
    const qg_container *c = &k->ctrs[i];
    const qg_ynode *ports = qg_ymap_get(c->node, "ports");
    for (uint32_t j = 0; j < qg_yseq_len(ports); j++) {
      const qg_ynode *p = qg_yseq_at(ports, j);
      const qg_ynode *cp = qg_ymap_get(p, "containerPort"), *name = qg_ymap_get(p, "name");
      char field[96];
      if (is_22(cp)) {
        snprintf(field, sizeof(field), "ports[22].containerPort");
        qg_k8s_report(k, cp, c, field, "%s \"%s\" exposes the SSH port 22", ctr_who(c), c->name);
      } else if (is_ssh_name(name)) {
        snprintf(field, sizeof(field), "ports[%s].name", qg_k8s_scal(name));
        qg_k8s_report(k, name, c, field, "%s \"%s\" exposes a port named \"%s\"", ctr_who(c),
                      c->name, qg_k8s_scal(name));
      }
    }
  }
}

static void ssh_service(const qg_k8s_check *k) {
  const qg_ynode *ports = qg_ymap_path(k->ref->obj, "spec.ports");
  for (uint32_t j = 0; j < qg_yseq_len(ports); j++) {
    const qg_ynode *p = qg_yseq_at(ports, j);
    const qg_ynode *port = qg_ymap_get(p, "port"), *target = qg_ymap_get(p, "targetPort");
    const qg_ynode *name = qg_ymap_get(p, "name");
    const qg_ynode *at = NULL;
    const char *key = NULL;
    if (is_22(port)) {
      at = port;
      key = "port";
    } else if (is_22(target) || is_ssh_name(target)) {
      at = target;
      key = "targetPort";
    } else if (is_ssh_name(name)) {
      at = name;
      key = "name";
    }
    if (!at)
      continue;
    char field[96];
    snprintf(field, sizeof(field), "spec.ports[%u].%s", j, key);
    qg_k8s_report(k, at, NULL, field, "Service \"%s\" exposes SSH (ports[%u].%s: %s)", obj_name(k),
                  j, key, qg_k8s_scal(at));
  }
}

void qg_k8s_ssh_port(const qg_k8s_check *k) {
  if (k->ref->spec)
    ssh_containers(k);
  else if (is_service(k))
    ssh_service(k);
}

/* ---- k8s/host-users --------------------------------------------------------------- */

void qg_k8s_host_users(const qg_k8s_check *k) {
  if (k->userns || k->windows)
    return; /* Windows pods cannot set hostUsers */
  const qg_ynode *s = k->ref->spec;
  const qg_ynode *v = qg_ymap_get(s, "hostUsers");
  const qg_ynode *at = v ? v : s->kind == QG_Y_MAP && s->u.map.n ? s->u.map.pairs[0].key : s;
  qg_k8s_report(k, at, NULL, "hostUsers",
                "pod runs in the host's user namespace (hostUsers is not false): root in a "
                "container is root on the node");
}
