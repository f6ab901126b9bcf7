/* pss.c: the Pod Security Standards, check by check and version by version,
 * as k8s.io/pod-security-admission defines them (see docs/pss.md).
 *
 * Upstream aggregates one verdict per check per pod; qgate reports one finding
 * per offending node so that each points at its own line and column. Messages
 * start with the upstream ForbiddenReason, so they read as the admission
 * controller's would.
 *
 * Each check is the function its rules/pss.def row names; the row carries its
 * level, the first policy version that has it and the baseline check it
 * replaces, and scanners/k8s/check.c runs it where those say. */
#include "scanners/k8s/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CONTAINERS QG_K8S_MAX_CONTAINERS

typedef qg_container ctr;

/* Where a missing pod field belongs: the pod's securityContext key if it has
 * one, else the pod spec. */
static const qg_ynode *pod_missing_at(const qg_k8s_check *k) {
  return k->psc_pair ? k->psc_pair->key : k->ref->spec;
}

static int in_list(const char *s, const char *const *list) {
  for (; *list; list++)
    if (strcmp(s, *list) == 0)
      return 1;
  return 0;
}

/* ---- baseline ------------------------------------------------------------------ */

void qg_pss_host_namespaces(const qg_k8s_check *k) {
  static const char *const keys[] = {"hostNetwork", "hostPID", "hostIPC"};
  for (size_t i = 0; i < QG_ARRAY_LEN(keys); i++) {
    const qg_ynode *v = qg_ymap_get(k->ref->spec, keys[i]);
    if (qg_ynode_bool(v) == 1)
      qg_k8s_report(k, v, NULL, keys[i], "host namespaces: pod must not set %s=true", keys[i]);
  }
}

void qg_pss_privileged(const qg_k8s_check *k) {
  for (size_t i = 0; i < k->n; i++) {
    const qg_ynode *v = qg_ymap_get(k->ctrs[i].sc, "privileged");
    if (qg_ynode_bool(v) == 1)
      qg_fix_attach(
          qg_k8s_report(k, v, &k->ctrs[i], "securityContext.privileged",
                        "privileged: container \"%s\" must not set securityContext.privileged=true",
                        k->ctrs[i].name),
          qg_fix_risky(qg_fix_replace(v, "false", "Set privileged: false"),
                       QG_FIX_CAUTION_PRIVILEGED));
  }
}

static const char *const k_baseline_caps[] = {
    "AUDIT_WRITE",      "CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",       "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID",       "SETPCAP", "SETUID", "SYS_CHROOT", NULL};

void qg_pss_capabilities_baseline(const qg_k8s_check *k) {
  for (size_t i = 0; i < k->n; i++) {
    const qg_ynode *add = qg_ymap_path(k->ctrs[i].sc, "capabilities.add");
    for (uint32_t j = 0; j < qg_yseq_len(add); j++) {
      const qg_ynode *cap = qg_yseq_at(add, j);
      if (!in_list(qg_k8s_scal(cap), k_baseline_caps))
        qg_k8s_report(k, cap, &k->ctrs[i], "securityContext.capabilities.add",
                      "non-default capabilities: container \"%s\" must not include \"%s\" in "
                      "securityContext.capabilities.add",
                      k->ctrs[i].name, qg_k8s_scal(cap));
    }
  }
}

void qg_pss_host_path_volumes(const qg_k8s_check *k) {
  const qg_ynode *vols = qg_ymap_get(k->ref->spec, "volumes");
  for (uint32_t i = 0; i < qg_yseq_len(vols); i++) {
    const qg_ynode *vol = qg_yseq_at(vols, i);
    const qg_ypair *hp = qg_ymap_pair(vol, "hostPath");
    if (!hp || qg_ynode_is_null(hp->value))
      continue;
    const char *name = qg_k8s_scal(qg_ymap_get(vol, "name"));
    char field[160];
    snprintf(field, sizeof(field), "volumes[%s].hostPath", name);
    const char *hpath = qg_ynode_str(qg_ymap_get(hp->value, "path"));
    if (hpath)
      qg_k8s_report(k, hp->key, NULL, field,
                    "hostPath volumes: volume \"%s\" mounts host path \"%s\"", name, hpath);
    else
      qg_k8s_report(k, hp->key, NULL, field,
                    "hostPath volumes: volume \"%s\" uses a hostPath volume", name);
  }
}

void qg_pss_host_ports(const qg_k8s_check *k) {
  for (size_t i = 0; i < k->n; i++) {
    const qg_ynode *ports = qg_ymap_get(k->ctrs[i].node, "ports");
    for (uint32_t j = 0; j < qg_yseq_len(ports); j++) {
      const qg_ynode *hp = qg_ymap_get(qg_yseq_at(ports, j), "hostPort");
      long long port;
      if (qg_ynode_int(hp, &port) && port != 0)
        qg_k8s_report(k, hp, &k->ctrs[i], "ports.hostPort",
                      "hostPort: container \"%s\" uses hostPort %lld", k->ctrs[i].name, port);
    }
  }
}

static int apparmor_type_ok(const char *t) {
  return strcmp(t, "RuntimeDefault") == 0 || strcmp(t, "Localhost") == 0;
}

static void apparmor_field(const qg_k8s_check *k, const qg_ynode *sc, const ctr *c) {
  const qg_ypair *ap = qg_ymap_pair(sc, "appArmorProfile");
  if (!ap || qg_ynode_is_null(ap->value))
    return;
  const qg_ynode *type = qg_ymap_get(ap->value, "type");
  if (apparmor_type_ok(qg_k8s_scal(type)))
    return;
  char who[160];
  if (c)
    snprintf(who, sizeof(who), "container \"%s\"", c->name);
  else
    snprintf(who, sizeof(who), "pod");
  qg_k8s_report(k, type ? type : ap->key, c, "securityContext.appArmorProfile.type",
                "forbidden AppArmor profile: %s must not set AppArmor profile type to \"%s\"", who,
                qg_k8s_scal(type));
}

void qg_pss_apparmor_profile(const qg_k8s_check *k) {
  static const char prefix[] = "container.apparmor.security.beta.kubernetes.io/";
  apparmor_field(k, k->psc, NULL);
  for (size_t i = 0; i < k->n; i++)
    apparmor_field(k, k->ctrs[i].sc, &k->ctrs[i]);
  const qg_ynode *ann = qg_ymap_get(k->ref->meta, "annotations");
  if (!ann || ann->kind != QG_Y_MAP)
    return;
  qg_k8s_check meta = *k; /* the annotations' fields are the pod metadata's */
  meta.base = k->ref->meta_field;
  for (uint32_t i = 0; i < ann->u.map.n; i++) {
    const qg_ypair *kv = &ann->u.map.pairs[i];
    const char *key = qg_k8s_scal(kv->key);
    if (strncmp(key, prefix, sizeof(prefix) - 1) != 0)
      continue;
    const char *v = qg_k8s_scal(kv->value);
    if (!*v || strcmp(v, "runtime/default") == 0 || strncmp(v, "localhost/", 10) == 0)
      continue;
    char field[320];
    snprintf(field, sizeof(field), "annotations[%s]", key);
    qg_k8s_report(&meta, kv->value, NULL, field,
                  "forbidden AppArmor profile: annotation %s=\"%s\" must be runtime/default or "
                  "localhost/<profile>",
                  key, v);
  }
}

static void selinux_one(const qg_k8s_check *k, const qg_ynode *sc, const ctr *c) {
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
  const char *t = qg_k8s_scal(type);
  if (type && !in_list(t, types) && !(k->v >= 31 && strcmp(t, "container_engine_t") == 0))
    qg_k8s_report(k, type, c, "securityContext.seLinuxOptions.type",
                  "seLinuxOptions: %s set forbidden securityContext.seLinuxOptions: type \"%s\"",
                  who, t);
  static const char *const keys[] = {"user", "role"};
  for (size_t i = 0; i < 2; i++) {
    const qg_ynode *v = qg_ymap_get(opts, keys[i]);
    if (*qg_k8s_scal(v)) {
      char field[64];
      snprintf(field, sizeof(field), "securityContext.seLinuxOptions.%s", keys[i]);
      qg_k8s_report(
          k, v, c, field,
          "seLinuxOptions: %s set forbidden securityContext.seLinuxOptions: %s may not be set", who,
          keys[i]);
    }
  }
}

void qg_pss_selinux_options(const qg_k8s_check *k) {
  selinux_one(k, k->psc, NULL);
  for (size_t i = 0; i < k->n; i++)
    selinux_one(k, k->ctrs[i].sc, &k->ctrs[i]);
}

static void proc_mount(const qg_k8s_check *k) {
  for (size_t i = 0; i < k->n; i++) {
    const qg_ynode *v = qg_ymap_get(k->ctrs[i].sc, "procMount");
    if (!qg_ynode_is_null(v) && strcmp(qg_k8s_scal(v), "Default") != 0)
      qg_k8s_report(k, v, &k->ctrs[i], "securityContext.procMount",
                    "procMount: container \"%s\" must not set securityContext.procMount to \"%s\"",
                    k->ctrs[i].name, qg_k8s_scal(v));
  }
}

void qg_pss_proc_mount(const qg_k8s_check *k) {
  if (k->v >= 35 && k->userns)
    return; /* user-namespaced pods may unmask /proc from v1.35 */
  proc_mount(k);
}

void qg_pss_proc_mount_restricted(const qg_k8s_check *k) { proc_mount(k); }

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
  *type_out = qg_k8s_scal(type);
  if (seccomp_type_ok(*type_out))
    return NULL;
  return type ? type : sp->key;
}

static int seccomp_annotation_ok(const char *v) {
  return strcmp(v, "runtime/default") == 0 || strcmp(v, "docker/default") == 0 ||
         strncmp(v, "localhost/", 10) == 0;
}

static void seccomp_annotation(const qg_k8s_check *k, const char *key) {
  const qg_ynode *ann = qg_ymap_get(k->ref->meta, "annotations");
  const qg_ypair *kv = qg_ymap_pair(ann, key);
  if (!kv)
    return;
  const char *v = qg_k8s_scal(kv->value);
  if (seccomp_annotation_ok(v))
    return;
  qg_k8s_check meta = *k; /* the annotations' fields are the pod metadata's */
  meta.base = k->ref->meta_field;
  char field[320];
  snprintf(field, sizeof(field), "annotations[%s]", key);
  qg_k8s_report(&meta, kv->value, NULL, field, "seccompProfile: forbidden annotation %s=\"%s\"",
                key, v);
}

void qg_pss_seccomp_profile_baseline(const qg_k8s_check *k) {
  if (k->v < 19) {
    /* v1.0-v1.18: the alpha annotations, the fields are ignored */
    seccomp_annotation(k, "seccomp.security.alpha.kubernetes.io/pod");
    for (size_t i = 0; i < k->n; i++) {
      char key[256];
      snprintf(key, sizeof(key), "container.seccomp.security.alpha.kubernetes.io/%s",
               k->ctrs[i].name);
      seccomp_annotation(k, key);
    }
    return;
  }
  const char *t;
  const qg_ynode *bad = seccomp_bad(k->psc, &t);
  if (bad)
    qg_k8s_report(k, bad, NULL, "securityContext.seccompProfile.type",
                  "seccompProfile: pod must not set securityContext.seccompProfile.type to \"%s\"",
                  t);
  for (size_t i = 0; i < k->n; i++) {
    bad = seccomp_bad(k->ctrs[i].sc, &t);
    if (bad)
      qg_k8s_report(
          k, bad, &k->ctrs[i], "securityContext.seccompProfile.type",
          "seccompProfile: container \"%s\" must not set securityContext.seccompProfile.type to "
          "\"%s\"",
          k->ctrs[i].name, t);
  }
}

void qg_pss_sysctls(const qg_k8s_check *k) {
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
  const qg_ynode *list = qg_ymap_get(k->psc, "sysctls");
  for (uint32_t i = 0; i < qg_yseq_len(list); i++) {
    const qg_ynode *item = qg_yseq_at(list, i);
    const qg_ynode *name = qg_ymap_get(item, "name");
    const char *n = qg_k8s_scal(name);
    int ok = 0;
    for (size_t j = 0; j < QG_ARRAY_LEN(allowed) && !ok; j++)
      ok = allowed[j].since <= k->v && strcmp(allowed[j].name, n) == 0;
    if (!ok)
      qg_k8s_report(k, name ? name : item, NULL, "securityContext.sysctls",
                    "forbidden sysctls: %s is not in the safe set for policy v1.%u", n, k->v);
  }
}

void qg_pss_windows_host_process(const qg_k8s_check *k) {
  const qg_ynode *v = qg_ymap_path(k->psc, "windowsOptions.hostProcess");
  if (qg_ynode_bool(v) == 1)
    qg_k8s_report(k, v, NULL, "securityContext.windowsOptions.hostProcess",
                  "hostProcess: pod must not set securityContext.windowsOptions.hostProcess=true");
  for (size_t i = 0; i < k->n; i++) {
    v = qg_ymap_path(k->ctrs[i].sc, "windowsOptions.hostProcess");
    if (qg_ynode_bool(v) == 1)
      qg_k8s_report(k, v, &k->ctrs[i], "securityContext.windowsOptions.hostProcess",
                    "hostProcess: container \"%s\" must not set "
                    "securityContext.windowsOptions.hostProcess=true",
                    k->ctrs[i].name);
  }
}

void qg_pss_host_probes_and_host_lifecycle(const qg_k8s_check *k) {
  static const char *const handlers[] = {"livenessProbe", "readinessProbe", "startupProbe",
                                         "lifecycle.postStart", "lifecycle.preStop"};
  static const char *const kinds[] = {"httpGet", "tcpSocket"};
  for (size_t i = 0; i < k->n; i++) {
    for (size_t h = 0; h < QG_ARRAY_LEN(handlers); h++) {
      const qg_ynode *handler = qg_ymap_path(k->ctrs[i].node, handlers[h]);
      for (size_t t = 0; t < QG_ARRAY_LEN(kinds); t++) {
        const qg_ynode *host = qg_ymap_get(qg_ymap_get(handler, kinds[t]), "host");
        if (!*qg_k8s_scal(host))
          continue;
        char field[96];
        snprintf(field, sizeof(field), "%s.%s.host", handlers[h], kinds[t]);
        qg_k8s_report(
            k, host, &k->ctrs[i], field,
            "probe or lifecycle host: container \"%s\" uses probe or lifecycle host \"%s\"",
            k->ctrs[i].name, qg_k8s_scal(host));
      }
    }
  }
}

/* ---- restricted ---------------------------------------------------------------- */

void qg_pss_restricted_volumes(const qg_k8s_check *k) {
  static const char *const allowed[] = {"configMap", "csi",   "downwardAPI",           "emptyDir",
                                        "ephemeral", "image", "persistentVolumeClaim", "projected",
                                        "secret",    NULL};
  static const char *const known_bad[] = {"hostPath",
                                          "gcePersistentDisk",
                                          "awsElasticBlockStore",
                                          "gitRepo",
                                          "nfs",
                                          "iscsi",
                                          "glusterfs",
                                          "rbd",
                                          "flexVolume",
                                          "cinder",
                                          "cephfs",
                                          "flocker",
                                          "fc",
                                          "azureFile",
                                          "vsphereVolume",
                                          "quobyte",
                                          "azureDisk",
                                          "photonPersistentDisk",
                                          "portworxVolume",
                                          "scaleIO",
                                          "storageos",
                                          NULL};
  const qg_ynode *vols = qg_ymap_get(k->ref->spec, "volumes");
  for (uint32_t i = 0; i < qg_yseq_len(vols); i++) {
    const qg_ynode *vol = qg_yseq_at(vols, i);
    if (!vol || vol->kind != QG_Y_MAP)
      continue;
    const qg_ypair *bad = NULL, *unknown = NULL;
    int ok = 0;
    for (uint32_t j = 0; j < vol->u.map.n && !ok; j++) {
      const qg_ypair *kv = &vol->u.map.pairs[j];
      const char *key = qg_k8s_scal(kv->key);
      if (strcmp(key, "name") == 0 || qg_ynode_is_null(kv->value))
        continue;
      if (in_list(key, allowed))
        ok = 1;
      else if (in_list(key, known_bad)) {
        /* upstream names the first bad source in its own fixed order */
        if (!bad)
          bad = kv;
        else
          for (const char *const *b = known_bad; *b; b++) {
            if (strcmp(*b, qg_k8s_scal(bad->key)) == 0)
              break;
            if (strcmp(*b, key) == 0) {
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
    const char *name = qg_k8s_scal(qg_ymap_get(vol, "name"));
    const qg_ypair *at = bad ? bad : unknown;
    char field[160];
    snprintf(field, sizeof(field), "volumes[%s].%s", name, qg_k8s_scal(at->key));
    qg_k8s_report(k, at->key, NULL, field,
                  "restricted volume types: volume \"%s\" uses restricted volume type \"%s\"", name,
                  bad ? qg_k8s_scal(bad->key) : "unknown");
  }
}

void qg_pss_allow_privilege_escalation(const qg_k8s_check *k) {
  if (k->v >= 25 && k->windows)
    return;
  for (size_t i = 0; i < k->n; i++) {
    const ctr *c = &k->ctrs[i];
    const qg_ynode *v = qg_ymap_get(c->sc, "allowPrivilegeEscalation");
    if (qg_ynode_bool(v) == 0)
      continue;
    int present = v && !qg_ynode_is_null(v);
    qg_finding *f = qg_k8s_report(k, present ? v : qg_k8s_ctr_missing_at(c), c,
                                  "securityContext.allowPrivilegeEscalation",
                                  "allowPrivilegeEscalation != false: container \"%s\" must set "
                                  "securityContext.allowPrivilegeEscalation=false",
                                  c->name);
    qg_fix_attach(
        f, qg_fix_unless_escalating(
               c->sc, present ? qg_fix_replace(v, "false", "Set allowPrivilegeEscalation: false")
                              : qg_fix_set_in_sc(c->node, c->sc, "allowPrivilegeEscalation: false",
                                                 "allowPrivilegeEscalation: false",
                                                 "Set allowPrivilegeEscalation: false")));
  }
}

/* Joins the names of the flagged containers as upstream does: container "a"
 * or containers "a", "b". Caller frees. */
static char *join_containers(const qg_k8s_check *k, const unsigned char *flag) {
  qg_buf b;
  qg_buf_init(&b, 0);
  size_t nflag = 0;
  for (size_t i = 0; i < k->n; i++)
    nflag += flag[i];
  (void)qg_buf_puts(&b, nflag == 1 ? "container " : "containers ");
  size_t seen = 0;
  for (size_t i = 0; i < k->n; i++) {
    if (!flag[i])
      continue;
    (void)qg_buf_printf(&b, "%s\"%s\"", seen++ ? ", " : "", k->ctrs[i].name);
  }
  return qg_buf_detach(&b);
}

/* The UID container i runs as where the spec says it: its runAsUser, else
 * the pod's; -1 when neither is written (the image's USER decides). */
static long long spec_uid(const qg_k8s_check *k, size_t i) {
  long long uid;
  if (qg_ynode_int(qg_ymap_get(k->ctrs[i].sc, "runAsUser"), &uid) ||
      qg_ynode_int(qg_ymap_get(k->psc, "runAsUser"), &uid))
    return uid;
  return -1;
}

/* fix, a runAsNonRoot: true that the containers flagged in `covered` (all
 * when NULL) get, kept only where the kubelet starts them all: none runs as
 * UID 0 by its spec (CreateContainerConfigError: "container's runAsUser breaks
 * non-root policy"; the runAsUser: 0 is a person's choice, never rewritten:
 * pss/run-as-user reports it). Risky unless every one has a non-zero runAsUser:
 * the kubelet then checks the image's USER, which qgate cannot see. */
static qg_fix *non_root_fix(const qg_k8s_check *k, const unsigned char *covered, qg_fix *fix) {
  bool unknown = false;
  for (size_t i = 0; i < k->n && fix; i++) {
    if (covered && !covered[i])
      continue;
    long long uid = spec_uid(k, i);
    if (uid == 0) {
      qg_fix_free(fix);
      return NULL;
    }
    unknown |= uid < 0;
  }
  return unknown ? qg_fix_risky(fix, QG_FIX_CAUTION_NON_ROOT) : fix;
}

/* Emits the "must set" findings for containers that inherit nothing good
 * from the pod: one at the pod when no container sets the field (the pod is
 * where it belongs), else one per container that lacks it. With non_root
 * (runAsNonRoot), each fix goes through non_root_fix; the pod's finding, when
 * a container runs as UID 0, gets the field set in each other container. */
static void emit_implicit(const qg_k8s_check *k, const unsigned char *implicit, size_t nimplicit,
                          const char *field, const char *reason, const char *what,
                          const char *block, const char *flow, const char *fix_desc,
                          bool non_root) {
  if (!nimplicit)
    return;
  if (nimplicit == k->n) {
    char *names = join_containers(k, implicit);
    qg_finding *f = qg_k8s_report(k, pod_missing_at(k), NULL, field,
                                  "%s: pod or %s must set securityContext.%s", reason, names, what);
    free(names);
    qg_fix *fix = qg_fix_set_in_sc(k->ref->spec, k->psc, block, flow, fix_desc);
    if (non_root && fix && !(fix = non_root_fix(k, NULL, fix))) {
      for (size_t i = 0; i < k->n; i++) {
        unsigned char one[MAX_CONTAINERS] = {0};
        one[i] = 1;
        if (spec_uid(k, i) != 0)
          fix = qg_fix_join(fix, non_root_fix(k, one,
                                              qg_fix_set_in_sc(k->ctrs[i].node, k->ctrs[i].sc,
                                                               block, flow, fix_desc)));
      }
      if (fix) {
        free(fix->description);
        fix->description = qg_xasprintf("%s in the containers not run as UID 0", fix_desc);
      }
    }
    qg_fix_attach(f, fix);
    return;
  }
  for (size_t i = 0; i < k->n; i++) {
    if (!implicit[i])
      continue;
    qg_fix *fix = qg_fix_set_in_sc(k->ctrs[i].node, k->ctrs[i].sc, block, flow, fix_desc);
    if (non_root) {
      unsigned char one[MAX_CONTAINERS] = {0};
      one[i] = 1;
      fix = non_root_fix(k, one, fix);
    }
    qg_fix_attach(qg_k8s_report(k, qg_k8s_ctr_missing_at(&k->ctrs[i]), &k->ctrs[i], field,
                                "%s: pod or container \"%s\" must set securityContext.%s", reason,
                                k->ctrs[i].name, what),
                  fix);
  }
}

void qg_pss_run_as_non_root(const qg_k8s_check *k) {
  if (k->v >= 35 && k->userns)
    return;
  const qg_ynode *pv = qg_ymap_get(k->psc, "runAsNonRoot");
  int pod = qg_ynode_is_null(pv) ? -1 : qg_ynode_bool(pv);
  unsigned char inherit[MAX_CONTAINERS] = {0}; /* the containers that take the pod's value */
  for (size_t i = 0; i < k->n; i++)
    inherit[i] = qg_ynode_is_null(qg_ymap_get(k->ctrs[i].sc, "runAsNonRoot"));
  if (pod != -1 && pod != 1)
    qg_fix_attach(
        qg_k8s_report(k, pv, NULL, "securityContext.runAsNonRoot",
                      "runAsNonRoot != true: pod must not set securityContext.runAsNonRoot=%s",
                      qg_k8s_scal(pv)),
        non_root_fix(k, inherit, qg_fix_replace(pv, "true", "Set runAsNonRoot: true")));
  unsigned char implicit[MAX_CONTAINERS] = {0};
  size_t nimplicit = 0;
  for (size_t i = 0; i < k->n; i++) {
    unsigned char one[MAX_CONTAINERS] = {0};
    one[i] = 1;
    const qg_ynode *cv = qg_ymap_get(k->ctrs[i].sc, "runAsNonRoot");
    if (!qg_ynode_is_null(cv)) {
      if (qg_ynode_bool(cv) != 1)
        qg_fix_attach(qg_k8s_report(k, cv, &k->ctrs[i], "securityContext.runAsNonRoot",
                                    "runAsNonRoot != true: container \"%s\" must not set "
                                    "securityContext.runAsNonRoot=%s",
                                    k->ctrs[i].name, qg_k8s_scal(cv)),
                      non_root_fix(k, one, qg_fix_replace(cv, "true", "Set runAsNonRoot: true")));
    } else if (pod == -1) {
      /* an explicit bad pod value already covers the containers that inherit it */
      implicit[i] = 1;
      nimplicit++;
    }
  }
  emit_implicit(k, implicit, nimplicit, "securityContext.runAsNonRoot", "runAsNonRoot != true",
                "runAsNonRoot=true", "runAsNonRoot: true", "runAsNonRoot: true",
                "Set runAsNonRoot: true", true);
}

void qg_pss_run_as_user(const qg_k8s_check *k) {
  if (k->v >= 35 && k->userns)
    return;
  long long uid;
  const qg_ynode *v = qg_ymap_get(k->psc, "runAsUser");
  if (qg_ynode_int(v, &uid) && uid == 0)
    qg_k8s_report(k, v, NULL, "securityContext.runAsUser",
                  "runAsUser=0: pod must not set runAsUser=0");
  for (size_t i = 0; i < k->n; i++) {
    v = qg_ymap_get(k->ctrs[i].sc, "runAsUser");
    if (qg_ynode_int(v, &uid) && uid == 0)
      qg_k8s_report(k, v, &k->ctrs[i], "securityContext.runAsUser",
                    "runAsUser=0: container \"%s\" must not set runAsUser=0", k->ctrs[i].name);
  }
}

void qg_pss_seccomp_profile_restricted(const qg_k8s_check *k) {
  if (k->v >= 25 && k->windows)
    return;
  const char *t;
  const qg_ypair *pp = qg_ymap_pair(k->psc, "seccompProfile");
  int pod_set = pp && !qg_ynode_is_null(pp->value);
  const qg_ynode *bad = seccomp_bad(k->psc, &t);
  if (bad)
    qg_fix_attach(
        qg_k8s_report(
            k, bad, NULL, "securityContext.seccompProfile.type",
            "seccompProfile: pod must not set securityContext.seccompProfile.type to \"%s\"", t),
        bad->kind == QG_Y_SCALAR && *t
            ? qg_fix_replace(bad, "RuntimeDefault", "Set seccompProfile.type: RuntimeDefault")
            : NULL);
  unsigned char implicit[MAX_CONTAINERS] = {0};
  size_t nimplicit = 0;
  for (size_t i = 0; i < k->n; i++) {
    const qg_ypair *cp = qg_ymap_pair(k->ctrs[i].sc, "seccompProfile");
    if (cp && !qg_ynode_is_null(cp->value)) {
      const qg_ynode *cbad = seccomp_bad(k->ctrs[i].sc, &t);
      if (cbad)
        qg_fix_attach(
            qg_k8s_report(k, cbad, &k->ctrs[i], "securityContext.seccompProfile.type",
                          "seccompProfile: container \"%s\" must not set "
                          "securityContext.seccompProfile.type to \"%s\"",
                          k->ctrs[i].name, t),
            *t ? qg_fix_replace(cbad, "RuntimeDefault", "Set seccompProfile.type: RuntimeDefault")
               : NULL);
    } else if (!pod_set) {
      implicit[i] = 1;
      nimplicit++;
    }
  }
  emit_implicit(k, implicit, nimplicit, "securityContext.seccompProfile.type", "seccompProfile",
                "seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
                "seccompProfile:\n  type: RuntimeDefault", "seccompProfile: {type: RuntimeDefault}",
                "Set seccompProfile.type: RuntimeDefault", false);
}

void qg_pss_capabilities_restricted(const qg_k8s_check *k) {
  if (k->v >= 25 && k->windows)
    return;
  for (size_t i = 0; i < k->n; i++) {
    const ctr *c = &k->ctrs[i];
    const qg_ypair *caps = qg_ymap_pair(c->sc, "capabilities");
    if (!caps || qg_ynode_is_null(caps->value)) {
      qg_fix_attach(
          qg_k8s_report(k, qg_k8s_ctr_missing_at(c), c, "securityContext.capabilities.drop",
                        "unrestricted capabilities: container \"%s\" must set "
                        "securityContext.capabilities.drop=[\"ALL\"]",
                        c->name),
          caps ? NULL
               : qg_fix_risky(qg_fix_set_in_sc(c->node, c->sc, "capabilities:\n  drop: [\"ALL\"]",
                                               "capabilities: {drop: [\"ALL\"]}",
                                               "Drop ALL capabilities"),
                              QG_FIX_CAUTION_DROP_ALL));
      continue;
    }
    const qg_ypair *drop = qg_ymap_pair(caps->value, "drop");
    int has_all = 0;
    for (uint32_t j = 0; drop && j < qg_yseq_len(drop->value); j++)
      has_all |= qg_ynode_eq(qg_yseq_at(drop->value, j), "ALL");
    if (!has_all)
      qg_fix_attach(
          qg_k8s_report(k, drop ? drop->value : caps->key, c, "securityContext.capabilities.drop",
                        "unrestricted capabilities: container \"%s\" must set "
                        "securityContext.capabilities.drop=[\"ALL\"]",
                        c->name),
          drop ? NULL
               : qg_fix_risky(qg_fix_add_to_map(caps->value, "drop: [\"ALL\"]", "drop: [\"ALL\"]",
                                                "Drop ALL capabilities"),
                              QG_FIX_CAUTION_DROP_ALL));
    const qg_ynode *add = qg_ymap_get(caps->value, "add");
    for (uint32_t j = 0; j < qg_yseq_len(add); j++) {
      const qg_ynode *cap = qg_yseq_at(add, j);
      if (!qg_ynode_eq(cap, "NET_BIND_SERVICE"))
        qg_k8s_report(k, cap, c, "securityContext.capabilities.add",
                      "unrestricted capabilities: container \"%s\" must not include \"%s\" in "
                      "securityContext.capabilities.add",
                      c->name, qg_k8s_scal(cap));
    }
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
