/* reliability.c: reliability checks one object shows (rules/k8s.def):
 * k8s/deprecated-api and k8s/deprecated-api-served (OBJECT: an apiVersion the
 * target Kubernetes release no longer serves, or serves but has deprecated),
 * k8s/probe-port-missing and k8s/ephemeral-storage-missing (POD: a probe
 * naming a port the container does not define, a container without an
 * ephemeral-storage limit), k8s/cronjob-deadline, k8s/hpa-min-replicas,
 * k8s/hpa-replica-range and k8s/rolling-update (OBJECT). */
#include "scanners/k8s/check.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- k8s/deprecated-api, k8s/deprecated-api-served ------------------------
 * The one table of facts, from the Kubernetes deprecated API migration guide
 * and the API server's own warnings ("X is deprecated in v1.D+, unavailable
 * in v1.R+"): for an apiVersion and kind, the release that deprecated it, the
 * release that stopped serving it (0: none is scheduled), and the apiVersion
 * (and kind, when it changes) to use. A NULL kind is every kind of that
 * apiVersion. An alpha apiVersion has no deprecation release (0): it is
 * dropped, never deprecated first. */
typedef struct deprecated_api {
  const char *api;
  const char *kind;
  unsigned deprecated; /* deprecated in v1.<deprecated>; 0: an alpha, never deprecated */
  unsigned removed;    /* no longer served from v1.<removed>; 0: still served */
  const char *use;     /* the replacement, or NULL */
  const char *instead; /* what to do when there is none */
} deprecated_api;

static const deprecated_api k_deprecated[] = {
    {"extensions/v1beta1", "DaemonSet", 9, 16, "apps/v1", NULL},
    {"extensions/v1beta1", "Deployment", 9, 16, "apps/v1", NULL},
    {"extensions/v1beta1", "ReplicaSet", 9, 16, "apps/v1", NULL},
    {"extensions/v1beta1", "NetworkPolicy", 9, 16, "networking.k8s.io/v1", NULL},
    {"extensions/v1beta1", "PodSecurityPolicy", 10, 16, NULL,
     "PodSecurityPolicy was removed in 1.25: use Pod Security Admission"},
    {"extensions/v1beta1", "Ingress", 14, 22, "networking.k8s.io/v1", NULL},
    {"apps/v1beta1", NULL, 9, 16, "apps/v1", NULL},
    {"apps/v1beta2", NULL, 9, 16, "apps/v1", NULL},
    {"networking.k8s.io/v1beta1", "Ingress", 19, 22, "networking.k8s.io/v1", NULL},
    {"networking.k8s.io/v1beta1", "IngressClass", 19, 22, "networking.k8s.io/v1", NULL},
    {"rbac.authorization.k8s.io/v1beta1", NULL, 17, 22, "rbac.authorization.k8s.io/v1", NULL},
    {"rbac.authorization.k8s.io/v1alpha1", NULL, 17, 22, "rbac.authorization.k8s.io/v1", NULL},
    {"admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration", 16, 22,
     "admissionregistration.k8s.io/v1", NULL},
    {"admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", 16, 22,
     "admissionregistration.k8s.io/v1", NULL},
    {"apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", 16, 22, "apiextensions.k8s.io/v1",
     NULL},
    {"apiregistration.k8s.io/v1beta1", "APIService", 19, 22, "apiregistration.k8s.io/v1", NULL},
    {"authentication.k8s.io/v1beta1", "TokenReview", 19, 22, "authentication.k8s.io/v1", NULL},
    {"authorization.k8s.io/v1beta1", NULL, 19, 22, "authorization.k8s.io/v1", NULL},
    {"certificates.k8s.io/v1beta1", "CertificateSigningRequest", 19, 22, "certificates.k8s.io/v1",
     NULL},
    {"coordination.k8s.io/v1beta1", "Lease", 19, 22, "coordination.k8s.io/v1", NULL},
    {"scheduling.k8s.io/v1beta1", "PriorityClass", 14, 22, "scheduling.k8s.io/v1", NULL},
    {"storage.k8s.io/v1beta1", "CSIDriver", 19, 22, "storage.k8s.io/v1", NULL},
    {"storage.k8s.io/v1beta1", "CSINode", 17, 22, "storage.k8s.io/v1", NULL},
    {"storage.k8s.io/v1beta1", "StorageClass", 19, 22, "storage.k8s.io/v1", NULL},
    {"storage.k8s.io/v1beta1", "VolumeAttachment", 19, 22, "storage.k8s.io/v1", NULL},
    {"batch/v2alpha1", "CronJob", 0, 21, "batch/v1", NULL},
    {"batch/v1beta1", "CronJob", 21, 25, "batch/v1", NULL},
    {"discovery.k8s.io/v1beta1", "EndpointSlice", 21, 25, "discovery.k8s.io/v1", NULL},
    {"events.k8s.io/v1beta1", "Event", 22, 25, "events.k8s.io/v1", NULL},
    {"autoscaling/v2beta1", "HorizontalPodAutoscaler", 22, 25, "autoscaling/v2", NULL},
    {"policy/v1beta1", "PodDisruptionBudget", 21, 25, "policy/v1", NULL},
    {"policy/v1beta1", "PodSecurityPolicy", 21, 25, NULL, "use Pod Security Admission"},
    {"node.k8s.io/v1beta1", "RuntimeClass", 22, 25, "node.k8s.io/v1", NULL},
    {"autoscaling/v2beta2", "HorizontalPodAutoscaler", 23, 26, "autoscaling/v2", NULL},
    {"flowcontrol.apiserver.k8s.io/v1beta1", NULL, 23, 26, "flowcontrol.apiserver.k8s.io/v1", NULL},
    {"storage.k8s.io/v1beta1", "CSIStorageCapacity", 24, 27, "storage.k8s.io/v1", NULL},
    {"flowcontrol.apiserver.k8s.io/v1beta2", NULL, 26, 29, "flowcontrol.apiserver.k8s.io/v1", NULL},
    {"flowcontrol.apiserver.k8s.io/v1beta3", NULL, 29, 32, "flowcontrol.apiserver.k8s.io/v1", NULL},
    {"v1", "Endpoints", 33, 0, "discovery.k8s.io/v1 EndpointSlice", NULL},
};

static unsigned parse_num(const char **s, unsigned max) {
  unsigned n = 0;
  const char *p = *s;
  if (*p < '0' || *p > '9')
    return max + 1;
  for (; *p >= '0' && *p <= '9'; p++) {
    n = n * 10 + (unsigned)(*p - '0');
    if (n > max)
      return max + 1;
  }
  *s = p;
  return n;
}

qg_status qg_kube_parse_version(const char *s, unsigned *minor) {
  if (!s)
    return QG_EUSAGE;
  if (*s == 'v')
    s++;
  if (s[0] != '1' || s[1] != '.')
    return QG_EUSAGE;
  s += 2;
  unsigned n = parse_num(&s, QG_KUBE_MAX_MINOR);
  if (n > QG_KUBE_MAX_MINOR)
    return QG_EUSAGE;
  if (*s == '.') {
    s++;
    if (parse_num(&s, 9999) > 9999)
      return QG_EUSAGE;
  }
  if (*s)
    return QG_EUSAGE;
  *minor = n;
  return QG_OK;
}

/* The table's entry for the object's apiVersion and kind, or NULL. */
static const deprecated_api *find_deprecated(const qg_k8s_check *k) {
  const char *api = k->ref->ctx.api_version, *kind = k->ref->ctx.kind;
  for (size_t i = 0; i < QG_ARRAY_LEN(k_deprecated); i++) {
    const deprecated_api *d = &k_deprecated[i];
    if (strcmp(d->api, api) == 0 && (!d->kind || strcmp(d->kind, kind) == 0))
      return d;
  }
  return NULL;
}

/* Without a target release every known release counts (UINT_MAX). */
static unsigned target_minor(const qg_k8s_check *k) {
  const qg_k8s_opts *o = k->ref->opts;
  return o && o->kube_set ? o->kube_minor : UINT_MAX;
}

/* The target release stops serving the apiVersion. */
void qg_k8s_deprecated_api(const qg_k8s_check *k) {
  const deprecated_api *d = find_deprecated(k);
  if (!d || !d->removed || d->removed > target_minor(k))
    return;
  const char *api = k->ref->ctx.api_version, *kind = k->ref->ctx.kind;
  const qg_ynode *at = qg_ymap_get(k->ref->obj, "apiVersion");
  if (d->use)
    qg_k8s_report(k, at, NULL, "apiVersion",
                  "%s %s is no longer served since Kubernetes 1.%u: use %s", api, kind, d->removed,
                  d->use);
  else
    qg_k8s_report(k, at, NULL, "apiVersion", "%s %s is no longer served since Kubernetes 1.%u: %s",
                  api, kind, d->removed, d->instead);
}

/* The target release still serves the apiVersion but has deprecated it. */
void qg_k8s_deprecated_api_served(const qg_k8s_check *k) {
  const deprecated_api *d = find_deprecated(k);
  unsigned target = target_minor(k);
  if (!d || !d->deprecated || d->deprecated > target || (d->removed && d->removed <= target))
    return;
  const char *api = k->ref->ctx.api_version, *kind = k->ref->ctx.kind;
  const qg_ynode *at = qg_ymap_get(k->ref->obj, "apiVersion");
  char removal[48] = ", no removal scheduled";
  if (d->removed)
    snprintf(removal, sizeof(removal), ", removed in 1.%u", d->removed);
  qg_k8s_report(k, at, NULL, "apiVersion", "%s %s is deprecated since Kubernetes 1.%u%s: %s%s", api,
                kind, d->deprecated, removal, d->use ? "use " : "", d->use ? d->use : d->instead);
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
