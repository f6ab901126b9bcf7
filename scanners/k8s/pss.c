/* pss.c: the Pod Security Standards, check by check and version by version,
 * as k8s.io/pod-security-admission defines them (see docs/pss.md).
 *
 * Upstream aggregates one verdict per check per pod; qgate reports one finding
 * per offending node so that each points at its own line and column. Messages
 * start with the upstream ForbiddenReason, so they read as the admission
 * controller's would. */
#include "scanners/k8s/k8s.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CONTAINERS QG_K8S_MAX_CONTAINERS

typedef qg_container ctr;

typedef struct pss {
  const qg_pod_ref *pod;
  const ctr *ctrs;
  size_t n;
  const qg_ynode *psc; /* pod securityContext mapping, or NULL */
  const qg_ypair *psc_pair;
  int windows;  /* spec.os.name == "windows" */
  int userns;   /* spec.hostUsers == false */
  unsigned v;   /* policy minor version */
  const qg_rule *rule; /* the rule being evaluated */
} pss;

/* ---- emitting ---------------------------------------------------------------- */

/* Adds a finding of the current rule at node `at`. The finding's field is
 * base.field, where base is the container's path (c), or the pod spec's. */
static qg_finding *emit_v(pss *p, const qg_ynode *at, const ctr *c, const char *base,
                          const char *field, const char *fmt, va_list ap) QG_PRINTF(6, 0);

static qg_finding *emit_v(pss *p, const qg_ynode *at, const ctr *c, const char *base,
                          const char *field, const char *fmt, va_list ap) {
  char fbuf[320];
  snprintf(fbuf, sizeof(fbuf), "%s%s%s", base, field && *field ? "." : "", field ? field : "");
  return qg_k8s_emitv(p->pod, p->rule, at, c ? c->name : NULL, fbuf, fmt, ap);
}

static qg_finding *emit(pss *p, const qg_ynode *at, const ctr *c, const char *field,
                        const char *fmt, ...) QG_PRINTF(5, 6);
static qg_finding *emit(pss *p, const qg_ynode *at, const ctr *c, const char *field,
                        const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  qg_finding *f = emit_v(p, at, c, c ? c->field : p->pod->spec_field, field, fmt, ap);
  va_end(ap);
  return f;
}

/* The same for a node under the pod's metadata (annotations). */
static void emit_meta(pss *p, const qg_ynode *at, const char *field, const char *fmt, ...)
    QG_PRINTF(4, 5);
static void emit_meta(pss *p, const qg_ynode *at, const char *field, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  emit_v(p, at, NULL, p->pod->meta_field, field, fmt, ap);
  va_end(ap);
}

/* Where a missing container field belongs: its securityContext if there is
 * one, else the container entry. */
static const qg_ynode *ctr_missing_at(const ctr *c) {
  return c->sc_pair ? c->sc_pair->key : c->node;
}

static const qg_ynode *pod_missing_at(const pss *p) {
  return p->psc_pair ? p->psc_pair->key : p->pod->spec;
}

static const char *scal(const qg_ynode *n) {
  const char *s = qg_ynode_str(n);
  return s ? s : "";
}

static int in_list(const char *s, const char *const *list) {
  for (; *list; list++)
    if (strcmp(s, *list) == 0)
      return 1;
  return 0;
}

/* ---- baseline ------------------------------------------------------------------ */

static void check_host_namespaces(pss *p) {
  static const char *const keys[] = {"hostNetwork", "hostPID", "hostIPC"};
  for (size_t i = 0; i < QG_ARRAY_LEN(keys); i++) {
    const qg_ynode *v = qg_ymap_get(p->pod->spec, keys[i]);
    if (qg_ynode_bool(v) == 1)
      emit(p, v, NULL, keys[i], "host namespaces: pod must not set %s=true", keys[i]);
  }
}

static void check_privileged(pss *p) {
  for (size_t i = 0; i < p->n; i++) {
    const qg_ynode *v = qg_ymap_get(p->ctrs[i].sc, "privileged");
    if (qg_ynode_bool(v) == 1)
      qg_fix_attach(emit(p, v, &p->ctrs[i], "securityContext.privileged",
                  "privileged: container \"%s\" must not set securityContext.privileged=true",
                  p->ctrs[i].name),
             qg_fix_replace(v, "false", "Set privileged: false"));
  }
}

static const char *const k_baseline_caps[] = {
    "AUDIT_WRITE", "CHOWN",   "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",       "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT", NULL};

static void check_capabilities_baseline(pss *p) {
  for (size_t i = 0; i < p->n; i++) {
    const qg_ynode *add = qg_ymap_path(p->ctrs[i].sc, "capabilities.add");
    for (uint32_t j = 0; j < qg_yseq_len(add); j++) {
      const qg_ynode *cap = qg_yseq_at(add, j);
      if (!in_list(scal(cap), k_baseline_caps))
        emit(p, cap, &p->ctrs[i], "securityContext.capabilities.add",
             "non-default capabilities: container \"%s\" must not include \"%s\" in "
             "securityContext.capabilities.add",
             p->ctrs[i].name, scal(cap));
    }
  }
}

static void check_host_path_volumes(pss *p) {
  const qg_ynode *vols = qg_ymap_get(p->pod->spec, "volumes");
  for (uint32_t i = 0; i < qg_yseq_len(vols); i++) {
    const qg_ynode *vol = qg_yseq_at(vols, i);
    const qg_ypair *hp = qg_ymap_pair(vol, "hostPath");
    if (!hp || qg_ynode_is_null(hp->value))
      continue;
    const char *name = scal(qg_ymap_get(vol, "name"));
    char field[160];
    snprintf(field, sizeof(field), "volumes[%s].hostPath", name);
    const char *hpath = qg_ynode_str(qg_ymap_get(hp->value, "path"));
    if (hpath)
      emit(p, hp->key, NULL, field, "hostPath volumes: volume \"%s\" mounts host path \"%s\"",
           name, hpath);
    else
      emit(p, hp->key, NULL, field, "hostPath volumes: volume \"%s\" uses a hostPath volume",
           name);
  }
}

static void check_host_ports(pss *p) {
  for (size_t i = 0; i < p->n; i++) {
    const qg_ynode *ports = qg_ymap_get(p->ctrs[i].node, "ports");
    for (uint32_t j = 0; j < qg_yseq_len(ports); j++) {
      const qg_ynode *hp = qg_ymap_get(qg_yseq_at(ports, j), "hostPort");
      long long port;
      if (qg_ynode_int(hp, &port) && port != 0)
        emit(p, hp, &p->ctrs[i], "ports.hostPort", "hostPort: container \"%s\" uses hostPort %lld",
             p->ctrs[i].name, port);
    }
  }
}

static int apparmor_type_ok(const char *t) {
  return strcmp(t, "RuntimeDefault") == 0 || strcmp(t, "Localhost") == 0;
}

static void apparmor_field(pss *p, const qg_ynode *sc, const ctr *c) {
  const qg_ypair *ap = qg_ymap_pair(sc, "appArmorProfile");
  if (!ap || qg_ynode_is_null(ap->value))
    return;
  const qg_ynode *type = qg_ymap_get(ap->value, "type");
  if (apparmor_type_ok(scal(type)))
    return;
  char who[160];
  if (c)
    snprintf(who, sizeof(who), "container \"%s\"", c->name);
  else
    snprintf(who, sizeof(who), "pod");
  emit(p, type ? type : ap->key, c, "securityContext.appArmorProfile.type",
       "forbidden AppArmor profile: %s must not set AppArmor profile type to \"%s\"", who,
       scal(type));
}

static void check_apparmor(pss *p) {
  static const char prefix[] = "container.apparmor.security.beta.kubernetes.io/";
  apparmor_field(p, p->psc, NULL);
  for (size_t i = 0; i < p->n; i++)
    apparmor_field(p, p->ctrs[i].sc, &p->ctrs[i]);
  const qg_ynode *ann = qg_ymap_get(p->pod->meta, "annotations");
  if (!ann || ann->kind != QG_Y_MAP)
    return;
  for (uint32_t i = 0; i < ann->u.map.n; i++) {
    const qg_ypair *kv = &ann->u.map.pairs[i];
    const char *k = scal(kv->key);
    if (strncmp(k, prefix, sizeof(prefix) - 1) != 0)
      continue;
    const char *v = scal(kv->value);
    if (!*v || strcmp(v, "runtime/default") == 0 || strncmp(v, "localhost/", 10) == 0)
      continue;
    char field[320];
    snprintf(field, sizeof(field), "annotations[%s]", k);
    emit_meta(p, kv->value, field,
              "forbidden AppArmor profile: annotation %s=\"%s\" must be runtime/default or "
              "localhost/<profile>",
              k, v);
  }
}

static void selinux_one(pss *p, const qg_ynode *sc, const ctr *c) {
  static const char *const types[] = {"", "container_t", "container_init_t", "container_kvm_t",
                                      NULL};
  const qg_ynode *opts = qg_ymap_get(sc, "seLinuxOptions");
  if (!opts || opts->kind != QG_Y_MAP)
    return;
  char who[160];
  if (c)
    snprintf(who, sizeof(who), "container \"%s\"", c->name);
  else
    snprintf(who, sizeof(who), "pod");
  const qg_ynode *type = qg_ymap_get(opts, "type");
  const char *t = scal(type);
  if (type && !in_list(t, types) && !(p->v >= 31 && strcmp(t, "container_engine_t") == 0))
    emit(p, type, c, "securityContext.seLinuxOptions.type",
         "seLinuxOptions: %s set forbidden securityContext.seLinuxOptions: type \"%s\"", who, t);
  static const char *const keys[] = {"user", "role"};
  for (size_t i = 0; i < 2; i++) {
    const qg_ynode *v = qg_ymap_get(opts, keys[i]);
    if (*scal(v)) {
      char field[64];
      snprintf(field, sizeof(field), "securityContext.seLinuxOptions.%s", keys[i]);
      emit(p, v, c, field, "seLinuxOptions: %s set forbidden securityContext.seLinuxOptions: %s may not be set",
           who, keys[i]);
    }
  }
}

static void check_selinux(pss *p) {
  selinux_one(p, p->psc, NULL);
  for (size_t i = 0; i < p->n; i++)
    selinux_one(p, p->ctrs[i].sc, &p->ctrs[i]);
}

static void proc_mount(pss *p) {
  for (size_t i = 0; i < p->n; i++) {
    const qg_ynode *v = qg_ymap_get(p->ctrs[i].sc, "procMount");
    if (!qg_ynode_is_null(v) && strcmp(scal(v), "Default") != 0)
      emit(p, v, &p->ctrs[i], "securityContext.procMount",
           "procMount: container \"%s\" must not set securityContext.procMount to \"%s\"",
           p->ctrs[i].name, scal(v));
  }
}

static void check_proc_mount(pss *p) {
  if (p->v >= 35 && p->userns)
    return; /* user-namespaced pods may unmask /proc from v1.35 */
  proc_mount(p);
}

static void check_proc_mount_restricted(pss *p) { proc_mount(p); }

static int seccomp_type_ok(const char *t) {
  return strcmp(t, "RuntimeDefault") == 0 || strcmp(t, "Localhost") == 0;
}

/* A seccompProfile that is set to a bad type: returns the node to point at
 * (the type, or the profile's key when the type is missing), else NULL. */
static const qg_ynode *seccomp_bad(const qg_ynode *sc, const char **type_out) {
  const qg_ypair *sp = qg_ymap_pair(sc, "seccompProfile");
  *type_out = "";
  if (!sp || qg_ynode_is_null(sp->value))
    return NULL;
  const qg_ynode *type = qg_ymap_get(sp->value, "type");
  *type_out = scal(type);
  if (seccomp_type_ok(*type_out))
    return NULL;
  return type ? type : sp->key;
}

static int seccomp_annotation_ok(const char *v) {
  return strcmp(v, "runtime/default") == 0 || strcmp(v, "docker/default") == 0 ||
         strncmp(v, "localhost/", 10) == 0;
}

static void seccomp_annotation(pss *p, const char *key) {
  const qg_ynode *ann = qg_ymap_get(p->pod->meta, "annotations");
  const qg_ypair *kv = qg_ymap_pair(ann, key);
  if (!kv)
    return;
  const char *v = scal(kv->value);
  if (seccomp_annotation_ok(v))
    return;
  char field[320];
  snprintf(field, sizeof(field), "annotations[%s]", key);
  emit_meta(p, kv->value, field, "seccompProfile: forbidden annotation %s=\"%s\"", key, v);
}

static void check_seccomp_baseline(pss *p) {
  if (p->v < 19) {
    /* v1.0-v1.18: the alpha annotations, the fields are ignored */
    seccomp_annotation(p, "seccomp.security.alpha.kubernetes.io/pod");
    for (size_t i = 0; i < p->n; i++) {
      char key[256];
      snprintf(key, sizeof(key), "container.seccomp.security.alpha.kubernetes.io/%s",
               p->ctrs[i].name);
      seccomp_annotation(p, key);
    }
    return;
  }
  const char *t;
  const qg_ynode *bad = seccomp_bad(p->psc, &t);
  if (bad)
    emit(p, bad, NULL, "securityContext.seccompProfile.type",
         "seccompProfile: pod must not set securityContext.seccompProfile.type to \"%s\"", t);
  for (size_t i = 0; i < p->n; i++) {
    bad = seccomp_bad(p->ctrs[i].sc, &t);
    if (bad)
      emit(p, bad, &p->ctrs[i], "securityContext.seccompProfile.type",
           "seccompProfile: container \"%s\" must not set securityContext.seccompProfile.type to "
           "\"%s\"",
           p->ctrs[i].name, t);
  }
}

static void check_sysctls(pss *p) {
  static const struct {
    unsigned since;
    const char *name;
  } allowed[] = {
      {0, "kernel.shm_rmid_forced"},
      {0, "net.ipv4.ip_local_port_range"},
      {0, "net.ipv4.tcp_syncookies"},
      {0, "net.ipv4.ping_group_range"},
      {0, "net.ipv4.ip_unprivileged_port_start"},
      {27, "net.ipv4.ip_local_reserved_ports"},
      {29, "net.ipv4.tcp_keepalive_time"},
      {29, "net.ipv4.tcp_fin_timeout"},
      {29, "net.ipv4.tcp_keepalive_intvl"},
      {29, "net.ipv4.tcp_keepalive_probes"},
      {32, "net.ipv4.tcp_rmem"},
      {32, "net.ipv4.tcp_wmem"},
      {37, "net.ipv4.tcp_slow_start_after_idle"},
      {37, "net.ipv4.tcp_notsent_lowat"},
  };
  const qg_ynode *list = qg_ymap_get(p->psc, "sysctls");
  for (uint32_t i = 0; i < qg_yseq_len(list); i++) {
    const qg_ynode *item = qg_yseq_at(list, i);
    const qg_ynode *name = qg_ymap_get(item, "name");
    const char *n = scal(name);
    int ok = 0;
    for (size_t j = 0; j < QG_ARRAY_LEN(allowed) && !ok; j++)
      ok = allowed[j].since <= p->v && strcmp(allowed[j].name, n) == 0;
    if (!ok)
      emit(p, name ? name : item, NULL, "securityContext.sysctls",
           "forbidden sysctls: %s is not in the safe set for policy v1.%u", n, p->v);
  }
}

static void check_windows_host_process(pss *p) {
  const qg_ynode *v = qg_ymap_path(p->psc, "windowsOptions.hostProcess");
  if (qg_ynode_bool(v) == 1)
    emit(p, v, NULL, "securityContext.windowsOptions.hostProcess",
         "hostProcess: pod must not set securityContext.windowsOptions.hostProcess=true");
  for (size_t i = 0; i < p->n; i++) {
    v = qg_ymap_path(p->ctrs[i].sc, "windowsOptions.hostProcess");
    if (qg_ynode_bool(v) == 1)
      emit(p, v, &p->ctrs[i], "securityContext.windowsOptions.hostProcess",
           "hostProcess: container \"%s\" must not set "
           "securityContext.windowsOptions.hostProcess=true",
           p->ctrs[i].name);
  }
}

static void check_host_probes(pss *p) {
  static const char *const handlers[] = {"livenessProbe", "readinessProbe", "startupProbe",
                                         "lifecycle.postStart", "lifecycle.preStop"};
  static const char *const kinds[] = {"httpGet", "tcpSocket"};
  for (size_t i = 0; i < p->n; i++) {
    for (size_t h = 0; h < QG_ARRAY_LEN(handlers); h++) {
      const qg_ynode *handler = qg_ymap_path(p->ctrs[i].node, handlers[h]);
      for (size_t k = 0; k < QG_ARRAY_LEN(kinds); k++) {
        const qg_ynode *host = qg_ymap_get(qg_ymap_get(handler, kinds[k]), "host");
        if (!*scal(host))
          continue;
        char field[96];
        snprintf(field, sizeof(field), "%s.%s.host", handlers[h], kinds[k]);
        emit(p, host, &p->ctrs[i], field,
             "probe or lifecycle host: container \"%s\" uses probe or lifecycle host \"%s\"",
             p->ctrs[i].name, scal(host));
      }
    }
  }
}

/* ---- restricted ---------------------------------------------------------------- */

static void check_restricted_volumes(pss *p) {
  static const char *const allowed[] = {"configMap", "csi",      "downwardAPI",
                                        "emptyDir",  "ephemeral", "image",
                                        "persistentVolumeClaim", "projected", "secret", NULL};
  static const char *const known_bad[] = {
      "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi",
      "glusterfs", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile",
      "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume",
      "scaleIO", "storageos", NULL};
  const qg_ynode *vols = qg_ymap_get(p->pod->spec, "volumes");
  for (uint32_t i = 0; i < qg_yseq_len(vols); i++) {
    const qg_ynode *vol = qg_yseq_at(vols, i);
    if (!vol || vol->kind != QG_Y_MAP)
      continue;
    const qg_ypair *bad = NULL, *unknown = NULL;
    int ok = 0;
    for (uint32_t j = 0; j < vol->u.map.n && !ok; j++) {
      const qg_ypair *kv = &vol->u.map.pairs[j];
      const char *k = scal(kv->key);
      if (strcmp(k, "name") == 0 || qg_ynode_is_null(kv->value))
        continue;
      if (in_list(k, allowed))
        ok = 1;
      else if (in_list(k, known_bad)) {
        /* upstream names the first bad source in its own fixed order */
        if (!bad)
          bad = kv;
        else
          for (const char *const *b = known_bad; *b; b++) {
            if (strcmp(*b, scal(bad->key)) == 0)
              break;
            if (strcmp(*b, k) == 0) {
              bad = kv;
              break;
            }
          }
      } else if (!unknown)
        unknown = kv;
    }
    /* A volume with no source at all is defaulted to emptyDir by the API
     * server before admission, so it passes. */
    if (ok || (!bad && !unknown))
      continue;
    const char *name = scal(qg_ymap_get(vol, "name"));
    const qg_ypair *at = bad ? bad : unknown;
    char field[160];
    snprintf(field, sizeof(field), "volumes[%s].%s", name, scal(at->key));
    emit(p, at->key, NULL, field,
         "restricted volume types: volume \"%s\" uses restricted volume type \"%s\"", name,
         bad ? scal(bad->key) : "unknown");
  }
}

static void check_allow_privilege_escalation(pss *p) {
  if (p->v >= 25 && p->windows)
    return;
  for (size_t i = 0; i < p->n; i++) {
    const ctr *c = &p->ctrs[i];
    const qg_ynode *v = qg_ymap_get(c->sc, "allowPrivilegeEscalation");
    if (qg_ynode_bool(v) == 0)
      continue;
    int present = v && !qg_ynode_is_null(v);
    qg_finding *f = emit(p, present ? v : ctr_missing_at(c), c,
                         "securityContext.allowPrivilegeEscalation",
                         "allowPrivilegeEscalation != false: container \"%s\" must set "
                         "securityContext.allowPrivilegeEscalation=false",
                         c->name);
    qg_fix_attach(f, present ? qg_fix_replace(v, "false", "Set allowPrivilegeEscalation: false")
                      : qg_fix_set_in_sc(c->node, c->sc, "allowPrivilegeEscalation: false",
                               "allowPrivilegeEscalation: false",
                               "Set allowPrivilegeEscalation: false"));
  }
}

/* Joins the names of the flagged containers as upstream does: container "a"
 * or containers "a", "b". Caller frees. */
static char *join_containers(const pss *p, const unsigned char *flag) {
  qg_buf b;
  qg_buf_init(&b, 0);
  size_t k = 0;
  for (size_t i = 0; i < p->n; i++)
    k += flag[i];
  (void)qg_buf_puts(&b, k == 1 ? "container " : "containers ");
  size_t seen = 0;
  for (size_t i = 0; i < p->n; i++) {
    if (!flag[i])
      continue;
    (void)qg_buf_printf(&b, "%s\"%s\"", seen++ ? ", " : "", p->ctrs[i].name);
  }
  return qg_buf_detach(&b);
}

/* Emits the "must set" findings for containers that inherit nothing good
 * from the pod: one at the pod when no container sets the field (the pod is
 * where it belongs), else one per container that lacks it. */
static void emit_implicit(pss *p, const unsigned char *implicit, size_t nimplicit,
                          const char *field, const char *reason, const char *what,
                          const char *block, const char *flow, const char *fix_desc) {
  if (!nimplicit)
    return;
  if (nimplicit == p->n) {
    char *names = join_containers(p, implicit);
    qg_finding *f = emit(p, pod_missing_at(p), NULL, field,
                         "%s: pod or %s must set securityContext.%s", reason, names, what);
    free(names);
    qg_fix_attach(f, qg_fix_set_in_sc(p->pod->spec, p->psc, block, flow, fix_desc));
    return;
  }
  for (size_t i = 0; i < p->n; i++)
    if (implicit[i])
      qg_fix_attach(emit(p, ctr_missing_at(&p->ctrs[i]), &p->ctrs[i], field,
                  "%s: pod or container \"%s\" must set securityContext.%s", reason,
                  p->ctrs[i].name, what),
             qg_fix_set_in_sc(p->ctrs[i].node, p->ctrs[i].sc, block, flow, fix_desc));
}

static void check_run_as_non_root(pss *p) {
  if (p->v >= 35 && p->userns)
    return;
  const qg_ynode *pv = qg_ymap_get(p->psc, "runAsNonRoot");
  int pod = qg_ynode_is_null(pv) ? -1 : qg_ynode_bool(pv);
  if (pod != -1 && pod != 1)
    qg_fix_attach(emit(p, pv, NULL, "securityContext.runAsNonRoot",
                "runAsNonRoot != true: pod must not set securityContext.runAsNonRoot=%s", scal(pv)),
           qg_fix_replace(pv, "true", "Set runAsNonRoot: true"));
  unsigned char implicit[MAX_CONTAINERS] = {0};
  size_t nimplicit = 0;
  for (size_t i = 0; i < p->n; i++) {
    const qg_ynode *cv = qg_ymap_get(p->ctrs[i].sc, "runAsNonRoot");
    if (!qg_ynode_is_null(cv)) {
      if (qg_ynode_bool(cv) != 1)
        qg_fix_attach(emit(p, cv, &p->ctrs[i], "securityContext.runAsNonRoot",
                    "runAsNonRoot != true: container \"%s\" must not set "
                    "securityContext.runAsNonRoot=%s",
                    p->ctrs[i].name, scal(cv)),
               qg_fix_replace(cv, "true", "Set runAsNonRoot: true"));
    } else if (pod == -1) {
      /* an explicit bad pod value already covers the containers that inherit it */
      implicit[i] = 1;
      nimplicit++;
    }
  }
  emit_implicit(p, implicit, nimplicit, "securityContext.runAsNonRoot", "runAsNonRoot != true",
                "runAsNonRoot=true", "runAsNonRoot: true", "runAsNonRoot: true",
                "Set runAsNonRoot: true");
}

static void check_run_as_user(pss *p) {
  if (p->v >= 35 && p->userns)
    return;
  long long uid;
  const qg_ynode *v = qg_ymap_get(p->psc, "runAsUser");
  if (qg_ynode_int(v, &uid) && uid == 0)
    emit(p, v, NULL, "securityContext.runAsUser", "runAsUser=0: pod must not set runAsUser=0");
  for (size_t i = 0; i < p->n; i++) {
    v = qg_ymap_get(p->ctrs[i].sc, "runAsUser");
    if (qg_ynode_int(v, &uid) && uid == 0)
      emit(p, v, &p->ctrs[i], "securityContext.runAsUser",
           "runAsUser=0: container \"%s\" must not set runAsUser=0", p->ctrs[i].name);
  }
}

static void check_seccomp_restricted(pss *p) {
  if (p->v >= 25 && p->windows)
    return;
  const char *t;
  const qg_ypair *pp = qg_ymap_pair(p->psc, "seccompProfile");
  int pod_set = pp && !qg_ynode_is_null(pp->value);
  const qg_ynode *bad = seccomp_bad(p->psc, &t);
  if (bad)
    qg_fix_attach(emit(p, bad, NULL, "securityContext.seccompProfile.type",
                "seccompProfile: pod must not set securityContext.seccompProfile.type to \"%s\"",
                t),
           bad->kind == QG_Y_SCALAR && *t
               ? qg_fix_replace(bad, "RuntimeDefault", "Set seccompProfile.type: RuntimeDefault")
               : NULL);
  unsigned char implicit[MAX_CONTAINERS] = {0};
  size_t nimplicit = 0;
  for (size_t i = 0; i < p->n; i++) {
    const qg_ypair *cp = qg_ymap_pair(p->ctrs[i].sc, "seccompProfile");
    if (cp && !qg_ynode_is_null(cp->value)) {
      const qg_ynode *cbad = seccomp_bad(p->ctrs[i].sc, &t);
      if (cbad)
        qg_fix_attach(emit(p, cbad, &p->ctrs[i], "securityContext.seccompProfile.type",
                    "seccompProfile: container \"%s\" must not set "
                    "securityContext.seccompProfile.type to \"%s\"",
                    p->ctrs[i].name, t),
               *t ? qg_fix_replace(cbad, "RuntimeDefault",
                                   "Set seccompProfile.type: RuntimeDefault")
                  : NULL);
    } else if (!pod_set) {
      implicit[i] = 1;
      nimplicit++;
    }
  }
  emit_implicit(p, implicit, nimplicit, "securityContext.seccompProfile.type", "seccompProfile",
                "seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
                "seccompProfile:\n  type: RuntimeDefault", "seccompProfile: {type: RuntimeDefault}",
                "Set seccompProfile.type: RuntimeDefault");
}

static void check_capabilities_restricted(pss *p) {
  if (p->v >= 25 && p->windows)
    return;
  for (size_t i = 0; i < p->n; i++) {
    const ctr *c = &p->ctrs[i];
    const qg_ypair *caps = qg_ymap_pair(c->sc, "capabilities");
    if (!caps || qg_ynode_is_null(caps->value)) {
      qg_fix_attach(emit(p, ctr_missing_at(c), c, "securityContext.capabilities.drop",
                  "unrestricted capabilities: container \"%s\" must set "
                  "securityContext.capabilities.drop=[\"ALL\"]",
                  c->name),
             caps ? NULL
                  : qg_fix_set_in_sc(c->node, c->sc, "capabilities:\n  drop: [\"ALL\"]",
                           "capabilities: {drop: [\"ALL\"]}", "Drop ALL capabilities"));
      continue;
    }
    const qg_ypair *drop = qg_ymap_pair(caps->value, "drop");
    int has_all = 0;
    for (uint32_t j = 0; drop && j < qg_yseq_len(drop->value); j++)
      has_all |= qg_ynode_eq(qg_yseq_at(drop->value, j), "ALL");
    if (!has_all)
      qg_fix_attach(emit(p, drop ? drop->value : caps->key, c, "securityContext.capabilities.drop",
                  "unrestricted capabilities: container \"%s\" must set "
                  "securityContext.capabilities.drop=[\"ALL\"]",
                  c->name),
             drop ? NULL
                  : qg_fix_add_to_map(caps->value, "drop: [\"ALL\"]", "drop: [\"ALL\"]",
                                      "Drop ALL capabilities"));
    const qg_ynode *add = qg_ymap_get(caps->value, "add");
    for (uint32_t j = 0; j < qg_yseq_len(add); j++) {
      const qg_ynode *cap = qg_yseq_at(add, j);
      if (!qg_ynode_eq(cap, "NET_BIND_SERVICE"))
        emit(p, cap, c, "securityContext.capabilities.add",
             "unrestricted capabilities: container \"%s\" must not include \"%s\" in "
             "securityContext.capabilities.add",
             c->name, scal(cap));
    }
  }
}

/* ---- the check table ----------------------------------------------------------- */

typedef struct pss_check {
  const char *rule_id;
  unsigned since;        /* first policy minor version that has the check */
  int restricted;        /* 1: restricted level only */
  const char *overrides; /* baseline rule this one replaces, or NULL */
  unsigned override_since;
  void (*fn)(pss *p);
} pss_check;

static const pss_check k_checks[] = {
    {"pss/apparmor-profile", 0, 0, NULL, 0, check_apparmor},
    {"pss/capabilities-baseline", 0, 0, NULL, 0, check_capabilities_baseline},
    {"pss/host-namespaces", 0, 0, NULL, 0, check_host_namespaces},
    {"pss/host-path-volumes", 0, 0, NULL, 0, check_host_path_volumes},
    {"pss/host-ports", 0, 0, NULL, 0, check_host_ports},
    {"pss/host-probes-and-host-lifecycle", 34, 0, NULL, 0, check_host_probes},
    {"pss/privileged", 0, 0, NULL, 0, check_privileged},
    {"pss/proc-mount", 0, 0, NULL, 0, check_proc_mount},
    {"pss/selinux-options", 0, 0, NULL, 0, check_selinux},
    {"pss/seccomp-profile-baseline", 0, 0, NULL, 0, check_seccomp_baseline},
    {"pss/sysctls", 0, 0, NULL, 0, check_sysctls},
    {"pss/windows-host-process", 0, 0, NULL, 0, check_windows_host_process},
    {"pss/allow-privilege-escalation", 8, 1, NULL, 0, check_allow_privilege_escalation},
    {"pss/capabilities-restricted", 22, 1, "pss/capabilities-baseline", 22,
     check_capabilities_restricted},
    {"pss/proc-mount-restricted", 35, 1, "pss/proc-mount", 35, check_proc_mount_restricted},
    {"pss/restricted-volumes", 0, 1, "pss/host-path-volumes", 0, check_restricted_volumes},
    {"pss/run-as-non-root", 0, 1, NULL, 0, check_run_as_non_root},
    {"pss/run-as-user", 23, 1, NULL, 0, check_run_as_user},
    {"pss/seccomp-profile-restricted", 19, 1, "pss/seccomp-profile-baseline", 19,
     check_seccomp_restricted},
};

const char *qg_pss_check_rule(size_t i) {
  return i < QG_ARRAY_LEN(k_checks) ? k_checks[i].rule_id : NULL;
}

/* Is check c part of the level and version, and switched on? */
static int check_active(const pss_check *c, const qg_k8s_opts *o, const qg_rule **rule_out) {
  const qg_rule *rule = qg_rule_find(c->rule_id);
  *rule_out = rule;
  if (!rule || !qg_ruleset_has(o->rules, rule) || o->pss_minor < c->since)
    return 0;
  if (c->restricted && o->pss_level != QG_PSS_RESTRICTED)
    return 0;
  if (!c->restricted && o->pss_level == QG_PSS_RESTRICTED) {
    /* a baseline check is replaced by an enabled restricted override */
    for (size_t i = 0; i < QG_ARRAY_LEN(k_checks); i++) {
      const pss_check *r = &k_checks[i];
      const qg_rule *rr;
      if (!r->overrides || strcmp(r->overrides, c->rule_id) != 0)
        continue;
      rr = qg_rule_find(r->rule_id);
      if (rr && qg_ruleset_has(o->rules, rr) && o->pss_minor >= r->override_since)
        return 0;
    }
  }
  return 1;
}

void qg_pss_check_pod(const qg_pod_ref *pod) {
  const qg_k8s_opts *o = pod->opts;
  pss p = {.pod = pod, .ctrs = pod->ctrs, .n = pod->nctrs, .v = o->pss_minor};
  p.psc_pair = qg_ymap_pair(pod->spec, "securityContext");
  p.psc = p.psc_pair && p.psc_pair->value->kind == QG_Y_MAP ? p.psc_pair->value : NULL;
  if (!p.psc)
    p.psc_pair = NULL;
  p.windows = qg_ynode_eq(qg_ymap_path(pod->spec, "os.name"), "windows");
  p.userns = qg_ynode_bool(qg_ymap_get(pod->spec, "hostUsers")) == 0;
  for (size_t i = 0; i < QG_ARRAY_LEN(k_checks); i++) {
    const qg_rule *rule;
    if (!check_active(&k_checks[i], o, &rule))
      continue;
    p.rule = rule;
    k_checks[i].fn(&p);
  }
}

qg_status qg_pss_parse_version(const char *s, unsigned *minor) {
  if (strcmp(s, "latest") == 0) {
    *minor = QG_PSS_MAX_MINOR;
    return QG_OK;
  }
  if (strncmp(s, "v1.", 3) != 0 || !s[3])
    return QG_EUSAGE;
  const char *d = s + 3;
  if (d[0] == '0' && d[1])
    return QG_EUSAGE; /* no leading zeros, as upstream */
  unsigned long v = 0;
  for (; *d; d++) {
    if (*d < '0' || *d > '9')
      return QG_EUSAGE;
    v = v * 10 + (unsigned long)(*d - '0');
    if (v > 100000)
      v = 100000;
  }
  *minor = v > QG_PSS_MAX_MINOR ? QG_PSS_MAX_MINOR : (unsigned)v;
  return QG_OK;
}

qg_status qg_pss_parse_level(const char *s, qg_pss_level *out) {
  if (strcmp(s, "restricted") == 0)
    *out = QG_PSS_RESTRICTED;
  else if (strcmp(s, "baseline") == 0)
    *out = QG_PSS_BASELINE;
  else if (strcmp(s, "off") == 0 || strcmp(s, "privileged") == 0)
    *out = QG_PSS_OFF;
  else
    return QG_EUSAGE;
  return QG_OK;
}
