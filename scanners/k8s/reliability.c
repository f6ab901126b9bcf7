/* reliability.c: reliability checks one object shows (rules/k8s.def):
 * k8s/deprecated-api (OBJECT: an apiVersion Kubernetes no longer serves),
 * k8s/probe-port-missing and k8s/ephemeral-storage-missing (POD: a probe
 * naming a port the container does not define, a container without an
 * ephemeral-storage limit), k8s/cronjob-deadline, k8s/hpa-min-replicas,
 * k8s/hpa-replica-range and k8s/rolling-update (OBJECT). */
#include "scanners/k8s/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- k8s/deprecated-api ---------------------------------------------------
 * Facts from the Kubernetes deprecated API migration guide: the release that
 * stopped serving an apiVersion for a kind, and the apiVersion to use. A NULL
 * kind is every kind of that apiVersion. */
typedef struct removed_api {
  const char *api;
  const char *kind;
  unsigned minor;      /* removed in v1.<minor> */
  const char *use;     /* the replacement apiVersion, or NULL */
  const char *instead; /* what to do when there is none */
} removed_api;

static const removed_api k_removed[] = {
    {"extensions/v1beta1", "DaemonSet", 16, "apps/v1", NULL},
    {"extensions/v1beta1", "Deployment", 16, "apps/v1", NULL},
    {"extensions/v1beta1", "ReplicaSet", 16, "apps/v1", NULL},
    {"extensions/v1beta1", "NetworkPolicy", 16, "networking.k8s.io/v1", NULL},
    {"extensions/v1beta1", "PodSecurityPolicy", 16, NULL,
     "PodSecurityPolicy was removed in 1.25: use Pod Security Admission"},
    {"extensions/v1beta1", "Ingress", 22, "networking.k8s.io/v1", NULL},
    {"apps/v1beta1", NULL, 16, "apps/v1", NULL},
    {"apps/v1beta2", NULL, 16, "apps/v1", NULL},
    {"networking.k8s.io/v1beta1", "Ingress", 22, "networking.k8s.io/v1", NULL},
    {"networking.k8s.io/v1beta1", "IngressClass", 22, "networking.k8s.io/v1", NULL},
    {"rbac.authorization.k8s.io/v1beta1", NULL, 22, "rbac.authorization.k8s.io/v1", NULL},
    {"rbac.authorization.k8s.io/v1alpha1", NULL, 22, "rbac.authorization.k8s.io/v1", NULL},
    {"admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration", 22,
     "admissionregistration.k8s.io/v1", NULL},
    {"admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", 22,
     "admissionregistration.k8s.io/v1", NULL},
    {"apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", 22, "apiextensions.k8s.io/v1",
     NULL},
    {"apiregistration.k8s.io/v1beta1", "APIService", 22, "apiregistration.k8s.io/v1", NULL},
    {"authentication.k8s.io/v1beta1", "TokenReview", 22, "authentication.k8s.io/v1", NULL},
    {"authorization.k8s.io/v1beta1", NULL, 22, "authorization.k8s.io/v1", NULL},
    {"certificates.k8s.io/v1beta1", "CertificateSigningRequest", 22, "certificates.k8s.io/v1",
     NULL},
    {"coordination.k8s.io/v1beta1", "Lease", 22, "coordination.k8s.io/v1", NULL},
    {"scheduling.k8s.io/v1beta1", "PriorityClass", 22, "scheduling.k8s.io/v1", NULL},
    {"storage.k8s.io/v1beta1", "CSIDriver", 22, "storage.k8s.io/v1", NULL},
    {"storage.k8s.io/v1beta1", "CSINode", 22, "storage.k8s.io/v1", NULL},
    {"storage.k8s.io/v1beta1", "StorageClass", 22, "storage.k8s.io/v1", NULL},
    {"storage.k8s.io/v1beta1", "VolumeAttachment", 22, "storage.k8s.io/v1", NULL},
    {"batch/v2alpha1", "CronJob", 21, "batch/v1", NULL},
    {"batch/v1beta1", "CronJob", 25, "batch/v1", NULL},
    {"discovery.k8s.io/v1beta1", "EndpointSlice", 25, "discovery.k8s.io/v1", NULL},
    {"events.k8s.io/v1beta1", "Event", 25, "events.k8s.io/v1", NULL},
    {"autoscaling/v2beta1", "HorizontalPodAutoscaler", 25, "autoscaling/v2", NULL},
    {"policy/v1beta1", "PodDisruptionBudget", 25, "policy/v1", NULL},
    {"policy/v1beta1", "PodSecurityPolicy", 25, NULL, "use Pod Security Admission"},
    {"node.k8s.io/v1beta1", "RuntimeClass", 25, "node.k8s.io/v1", NULL},
    {"autoscaling/v2beta2", "HorizontalPodAutoscaler", 26, "autoscaling/v2", NULL},
    {"flowcontrol.apiserver.k8s.io/v1beta1", NULL, 26, "flowcontrol.apiserver.k8s.io/v1", NULL},
    {"storage.k8s.io/v1beta1", "CSIStorageCapacity", 27, "storage.k8s.io/v1", NULL},
    {"flowcontrol.apiserver.k8s.io/v1beta2", NULL, 29, "flowcontrol.apiserver.k8s.io/v1", NULL},
    {"flowcontrol.apiserver.k8s.io/v1beta3", NULL, 32, "flowcontrol.apiserver.k8s.io/v1", NULL},
};

void qg_k8s_deprecated_api(const qg_k8s_check *k) {
  const char *api = k->ref->ctx.api_version, *kind = k->ref->ctx.kind;
  for (size_t i = 0; i < QG_ARRAY_LEN(k_removed); i++) {
    const removed_api *r = &k_removed[i];
    if (strcmp(r->api, api) != 0 || (r->kind && strcmp(r->kind, kind) != 0))
      continue;
    const qg_ynode *at = qg_ymap_get(k->ref->obj, "apiVersion");
    if (r->use)
      qg_k8s_report(k, at, NULL, "apiVersion",
                    "%s %s is no longer served since Kubernetes 1.%u: use %s", api, kind, r->minor,
                    r->use);
    else
      qg_k8s_report(k, at, NULL, "apiVersion",
                    "%s %s is no longer served since Kubernetes 1.%u: %s", api, kind, r->minor,
                    r->instead);
    return;
  }
}

/* ---- k8s/probe-port-missing ----------------------------------------------- */

/* Is the scalar a port number (digits only)? */
static int port_number(const char *s) {
  if (!*s)
    return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9')
      return 0;
  return 1;
}

static int defines_port(const qg_ynode *ctr, const char *name) {
  const qg_ynode *ports = qg_ymap_get(ctr, "ports");
  for (uint32_t i = 0; i < qg_yseq_len(ports); i++)
    if (qg_ynode_eq(qg_ymap_get(qg_yseq_at(ports, i), "name"), name))
      return 1;
  return 0;
}

/* A named port in a liveness, readiness or startup probe's httpGet or
 * tcpSocket that the container's ports do not define: the kubelet cannot
 * resolve it and the probe fails every time. (grpc.port is a number in the
 * API: a name there is refused when the object is applied.) */
void qg_k8s_probe_port_missing(const qg_k8s_check *k) {
  static const char *const probes[] = {"livenessProbe", "readinessProbe", "startupProbe"};
  static const char *const handlers[] = {"httpGet", "tcpSocket"};
  for (size_t i = 0; i < k->n; i++) {
    const qg_container *c = &k->ctrs[i];
    for (size_t p = 0; p < QG_ARRAY_LEN(probes); p++) {
      const qg_ynode *probe = qg_ymap_get(c->node, probes[p]);
      for (size_t h = 0; h < QG_ARRAY_LEN(handlers); h++) {
        const qg_ynode *port = qg_ymap_get(qg_ymap_get(probe, handlers[h]), "port");
        const char *s = port && port->kind == QG_Y_SCALAR ? qg_ynode_str(port) : NULL;
        if (!s || port_number(s) || defines_port(c->node, s))
          continue;
        char field[96];
        snprintf(field, sizeof(field), "%s.%s.port", probes[p], handlers[h]);
        qg_k8s_report(k, port, c, field,
                      "container \"%s\" %s.%s.port names port \"%s\", which the container's "
                      "ports do not define: the probe always fails",
                      c->name, probes[p], handlers[h], s);
      }
    }
  }
}

/* ---- k8s/cronjob-deadline ------------------------------------------------- */

/* A CronJob (batch) whose spec sets neither startingDeadlineSeconds nor
 * concurrencyPolicy, or only one of them: one finding naming what it lacks,
 * at the spec (or the object when it has none). */
void qg_k8s_cronjob_deadline(const qg_k8s_check *k) {
  const char *api = k->ref->ctx.api_version;
  if (strcmp(k->ref->ctx.kind, "CronJob") != 0 || strncmp(api, "batch/", 6) != 0)
    return;
  const qg_ynode *spec = qg_ymap_get(k->ref->obj, "spec");
  if (spec && spec->kind != QG_Y_MAP)
    return;
  int deadline = !qg_ynode_is_null(qg_ymap_get(spec, "startingDeadlineSeconds"));
  int policy = !qg_ynode_is_null(qg_ymap_get(spec, "concurrencyPolicy"));
  if (deadline && policy)
    return;
  const qg_ypair *sp = qg_ymap_pair(k->ref->obj, "spec");
  const qg_ynode *at = sp ? sp->key : k->ref->obj;
  const char *what = !deadline && !policy ? "startingDeadlineSeconds or concurrencyPolicy"
                     : !deadline          ? "startingDeadlineSeconds"
                                          : "concurrencyPolicy";
  qg_k8s_report(k, at, NULL, !deadline ? "spec.startingDeadlineSeconds" : "spec.concurrencyPolicy",
                "CronJob \"%s\" sets no %s", k->ref->ctx.name ? k->ref->ctx.name : "", what);
}

/* ---- k8s/hpa-min-replicas, k8s/hpa-replica-range -------------------------- */

static const qg_ynode *hpa_spec(const qg_k8s_check *k) {
  const char *api = k->ref->ctx.api_version;
  if (strcmp(k->ref->ctx.kind, "HorizontalPodAutoscaler") != 0 ||
      strncmp(api, "autoscaling/", 12) != 0)
    return NULL;
  const qg_ynode *spec = qg_ymap_get(k->ref->obj, "spec");
  return spec && spec->kind == QG_Y_MAP ? spec : NULL;
}

/* minReplicas below 2, or absent (the API's default is 1): at minReplicas, or
 * at the spec key when it is absent. */
void qg_k8s_hpa_min_replicas(const qg_k8s_check *k) {
  const qg_ynode *spec = hpa_spec(k);
  if (!spec)
    return;
  const char *name = k->ref->ctx.name ? k->ref->ctx.name : "";
  const qg_ynode *min = qg_ymap_get(spec, "minReplicas");
  long long n;
  if (qg_ynode_is_null(min)) {
    qg_k8s_report(k, qg_ymap_pair(k->ref->obj, "spec")->key, NULL, "spec.minReplicas",
                  "HorizontalPodAutoscaler \"%s\" sets no minReplicas: it scales down to 1 "
                  "replica",
                  name);
  } else if (qg_ynode_int(min, &n) && n < 2) {
    qg_k8s_report(k, min, NULL, "spec.minReplicas",
                  "HorizontalPodAutoscaler \"%s\" scales down to %lld replica%s (minReplicas: "
                  "%lld)",
                  name, n, n == 1 ? "" : "s", n);
  }
}

/* minReplicas (1 when absent) greater than maxReplicas: the API server
 * refuses the object. At maxReplicas. */
void qg_k8s_hpa_replica_range(const qg_k8s_check *k) {
  const qg_ynode *spec = hpa_spec(k);
  if (!spec)
    return;
  const qg_ynode *min = qg_ymap_get(spec, "minReplicas"), *max = qg_ymap_get(spec, "maxReplicas");
  long long lo = 1, hi;
  if (!qg_ynode_int(max, &hi) || (!qg_ynode_is_null(min) && !qg_ynode_int(min, &lo)) || lo <= hi)
    return;
  qg_k8s_report(k, max, NULL, "spec.maxReplicas",
                "HorizontalPodAutoscaler \"%s\" has maxReplicas %lld below minReplicas %lld",
                k->ref->ctx.name ? k->ref->ctx.name : "", hi, lo);
}

/* ---- k8s/ephemeral-storage-missing ---------------------------------------- */

/* A container (not an ephemeral one: those cannot have resources) without an
 * ephemeral-storage limit; a request without a limit leaves the node's disk
 * unbounded, and a limit alone also sets the request. At the resources key,
 * else the container. */
void qg_k8s_ephemeral_storage_missing(const qg_k8s_check *k) {
  for (size_t i = 0; i < k->n; i++) {
    const qg_container *c = &k->ctrs[i];
    if (c->kind == QG_CTR_EPHEMERAL)
      continue;
    const qg_ypair *rp = qg_ymap_pair(c->node, "resources");
    const qg_ynode *res = rp ? rp->value : NULL;
    if (!qg_ynode_is_null(qg_ymap_get(qg_ymap_get(res, "limits"), "ephemeral-storage")))
      continue;
    int request = !qg_ynode_is_null(qg_ymap_get(qg_ymap_get(res, "requests"), "ephemeral-storage"));
    qg_k8s_report(k, rp ? rp->key : c->node, c, "resources.limits.ephemeral-storage",
                  "container \"%s\" has no ephemeral-storage %s", c->name,
                  request ? "limit" : "request or limit");
  }
}

/* ---- k8s/rolling-update ---------------------------------------------------- */

/* A Deployment (apps, extensions) whose rollout stops every pod at once:
 * strategy.type Recreate, or rollingUpdate.maxUnavailable of 100% or more, or
 * a number at least the replicas it sets (not checked when replicas is
 * absent: an autoscaler may own it). At the offending value. */
void qg_k8s_rolling_update(const qg_k8s_check *k) {
  const char *api = k->ref->ctx.api_version;
  if (strcmp(k->ref->ctx.kind, "Deployment") != 0 ||
      (strncmp(api, "apps/", 5) != 0 && strncmp(api, "extensions/", 11) != 0))
    return;
  const char *name = k->ref->ctx.name ? k->ref->ctx.name : "";
  const qg_ynode *strategy = qg_ymap_path(k->ref->obj, "spec.strategy");
  const qg_ynode *type = qg_ymap_get(strategy, "type");
  if (qg_ynode_eq(type, "Recreate")) {
    qg_k8s_report(k, type, NULL, "spec.strategy.type",
                  "Deployment \"%s\" uses the Recreate strategy: every pod stops before the "
                  "new ones start",
                  name);
    return;
  }
  const qg_ynode *mu = qg_ymap_get(qg_ymap_get(strategy, "rollingUpdate"), "maxUnavailable");
  const char *s = mu && mu->kind == QG_Y_SCALAR ? qg_ynode_str(mu) : NULL;
  if (!s)
    return;
  size_t l = strlen(s);
  long long n, replicas;
  if (l > 1 && s[l - 1] == '%') {
    char num[24];
    if (l - 1 >= sizeof(num))
      return;
    memcpy(num, s, l - 1);
    num[l - 1] = '\0';
    if (!port_number(num) || strtoll(num, NULL, 10) < 100)
      return;
  } else if (!qg_ynode_int(mu, &n) ||
             !qg_ynode_int(qg_ymap_path(k->ref->obj, "spec.replicas"), &replicas) || replicas < 1 ||
             n < replicas) {
    return;
  }
  qg_k8s_report(k, mu, NULL, "spec.strategy.rollingUpdate.maxUnavailable",
                "Deployment \"%s\" lets a rollout take every pod down (maxUnavailable: %s)", name,
                s);
}
