/* harden.c: Kubernetes hardening checks beyond the Pod Security Standards
 * (rules/k8s.def): security contexts, capabilities, host mounts, service
 * accounts, resources, images, probes and replicas. The RBAC checks are in
 * rbac.c.
 *
 * Like pss.c, each check reports every offending node at its own line and
 * column: a bad value where it is written, a missing container field at the
 * container's securityContext (or resources) key or else the container
 * entry, a missing pod field at the pod spec's first key. Where a rule names
 * a PSS rule as "qgate:<id>" in its aliases, its locations are chosen to be
 * the PSS rule's, so the emitter can drop the duplicate.
 *
 * Each check is the function its rules/k8s.def row names; scanners/k8s/check.c
 * runs it on every pod spec (scope POD) or every object (OBJECT). The API
 * rejects allowPrivilegeEscalation, readOnlyRootFilesystem and capabilities
 * on Windows pods (k->windows), so those checks do not apply there. */
#include "scanners/k8s/check.h"
#include "scanners/k8s/input.h"

#include "core/mem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef qg_container hctr;
#define CK_INIT QG_CTR_INIT
#define CK_REGULAR QG_CTR_REGULAR
#define CK_EPHEMERAL QG_CTR_EPHEMERAL

/* ---- helpers ---------------------------------------------------------------------- */

static const char *who(const hctr *c) {
  return c->kind == CK_INIT        ? "init container"
         : c->kind == CK_EPHEMERAL ? "ephemeral container"
                                   : "container";
}

/* Where a missing pod field belongs: the pod spec's first key. */
static const qg_ynode *spec_missing_at(const qg_k8s_check *k) {
  const qg_ynode *s = k->ref->spec;
  return s->kind == QG_Y_MAP && s->u.map.n ? s->u.map.pairs[0].key : s;
}

/* A capability name without its CAP_ prefix (either case). */
static const char *cap_base(const char *s) { return strncasecmp(s, "CAP_", 4) == 0 ? s + 4 : s; }

static int cap_in(const char *cap, const char *const *list) {
  cap = cap_base(cap);
  for (; *list; list++)
    if (strcasecmp(cap, *list) == 0)
      return 1;
  return 0;
}

/* ---- security contexts ------------------------------------------------------------ */

static int empty_sc(const qg_ypair *p) {
  return qg_ynode_is_null(p->value) || (p->value->kind == QG_Y_MAP && p->value->u.map.n == 0);
}

/* Does container c's own securityContext set what a pod securityContext
 * would give it: a non-root identity (runAsNonRoot: true, or a non-zero
 * runAsUser) and a RuntimeDefault or Localhost seccomp profile? */
static int ctr_sets_pod_context(const hctr *c) {
  long long uid;
  const qg_ynode *ruid = qg_ymap_get(c->sc, "runAsUser");
  int nonroot = qg_ynode_bool(qg_ymap_get(c->sc, "runAsNonRoot")) == 1 ||
                (qg_ynode_int(ruid, &uid) && uid > 0);
  const char *sp = qg_k8s_scal(qg_ymap_path(c->sc, "seccompProfile.type"));
  return nonroot && (strcmp(sp, "RuntimeDefault") == 0 || strcmp(sp, "Localhost") == 0);
}

/* A missing or empty securityContext, at the pod and at each container. Not
 * reported where a PSS rule already reported a field inside that
 * securityContext (the PSS finding says what to set there: one finding per
 * object, container and field), nor at the pod when every container's own
 * securityContext sets what the pod's would (ctr_sets_pod_context). */
void qg_k8s_security_context_missing(const qg_k8s_check *k) {
  const qg_ypair *pp = qg_ymap_pair(k->ref->spec, "securityContext");
  char field[320];
  if (!pp || empty_sc(pp)) {
    int covered = k->n > 0;
    for (size_t i = 0; i < k->n && covered; i++)
      covered = ctr_sets_pod_context(&k->ctrs[i]);
    snprintf(field, sizeof(field), "%s.securityContext", k->ref->spec_field);
    if (!covered && !qg_k8s_reported_under(k->ref, "pss", NULL, field)) {
      if (!pp)
        qg_k8s_report(k, spec_missing_at(k), NULL, "securityContext",
                      "pod spec has no securityContext");
      else
        qg_k8s_report(k, pp->key, NULL, "securityContext", "pod spec has an empty securityContext");
    }
  }
  for (size_t i = 0; i < k->n; i++) {
    const hctr *c = &k->ctrs[i];
    const qg_ypair *cp = qg_ymap_pair(c->node, "securityContext");
    if (cp && !empty_sc(cp))
      continue;
    snprintf(field, sizeof(field), "%s.securityContext", c->field);
    if (qg_k8s_reported_under(k->ref, "pss", c->name, field))
      continue;
    if (!cp)
      qg_k8s_report(k, c->node, c, "securityContext", "%s \"%s\" has no securityContext", who(c),
                    c->name);
    else
      qg_k8s_report(k, cp->key, c, "securityContext", "%s \"%s\" has an empty securityContext",
                    who(c), c->name);
  }
}

void qg_k8s_read_only_root_filesystem(const qg_k8s_check *k) {
  if (k->windows)
    return;
  for (size_t i = 0; i < k->n; i++) {
    const hctr *c = &k->ctrs[i];
    const qg_ynode *v = qg_ymap_get(c->sc, "readOnlyRootFilesystem");
    if (qg_ynode_bool(v) == 1)
      continue;
    int present = !qg_ynode_is_null(v);
    qg_fix_attach(
        qg_k8s_report(k, present ? v : qg_k8s_ctr_missing_at(c), c,
                      "securityContext.readOnlyRootFilesystem",
                      "%s \"%s\" runs with a writable root filesystem (readOnlyRootFilesystem is "
                      "not true)",
                      who(c), c->name),
        qg_fix_risky(present ? qg_fix_replace(v, "true", "Set readOnlyRootFilesystem: true")
                             : qg_fix_set_in_sc(c->node, c->sc, "readOnlyRootFilesystem: true",
                                                "readOnlyRootFilesystem: true",
                                                "Set readOnlyRootFilesystem: true"),
                     QG_FIX_CAUTION_READ_ONLY_ROOT));
  }
}

/* runAsUser / runAsGroup 0, the container's value overriding the pod's. A
 * pod value of 0 is reported once, at the pod, naming the containers that
 * inherit it; a pod value every container overrides is not reported. */
static void run_as_zero(const qg_k8s_check *k, const char *key, const char *what) {
  long long id;
  const qg_ynode *pv = qg_ymap_get(k->psc, key);
  int pod_zero = qg_ynode_int(pv, &id) && id == 0;
  qg_buf names;
  qg_buf_init(&names, 0);
  size_t inherit = 0;
  char field[64];
  snprintf(field, sizeof(field), "securityContext.%s", key);
  for (size_t i = 0; i < k->n; i++) {
    const hctr *c = &k->ctrs[i];
    const qg_ynode *cv = qg_ymap_get(c->sc, key);
    if (!qg_ynode_is_null(cv)) {
      if (qg_ynode_int(cv, &id) && id == 0)
        qg_k8s_report(k, cv, c, field, "%s \"%s\" runs %s (%s: 0)", who(c), c->name, what, key);
    } else if (pod_zero) {
      (void)qg_buf_printf(&names, "%s\"%s\"", inherit++ ? ", " : "", c->name);
    }
  }
  if (inherit)
    qg_k8s_report(k, pv, NULL, field, "container%s %s run%s %s (%s: 0 in the pod securityContext)",
                  inherit == 1 ? "" : "s", names.data, inherit == 1 ? "s" : "", what, key);
  qg_buf_cleanup(&names);
}

void qg_k8s_run_as_root(const qg_k8s_check *k) {
  run_as_zero(k, "runAsUser", "as root");
  run_as_zero(k, "runAsGroup", "with the root group");
}

/* The first item of capabilities.add that grants SYS_ADMIN (or ALL). */
static const qg_ynode *adds_sys_admin(const hctr *c) {
  static const char *const caps[] = {"SYS_ADMIN", "ALL", NULL};
  const qg_ynode *add = qg_ymap_path(c->sc, "capabilities.add");
  for (uint32_t j = 0; j < qg_yseq_len(add); j++)
    if (cap_in(qg_k8s_scal(qg_yseq_at(add, j)), caps))
      return qg_yseq_at(add, j);
  return NULL;
}

void qg_k8s_privilege_escalation(const qg_k8s_check *k) {
  if (k->windows)
    return;
  for (size_t i = 0; i < k->n; i++) {
    const hctr *c = &k->ctrs[i];
    const qg_ynode *v = qg_ymap_get(c->sc, "allowPrivilegeEscalation");
    const qg_ynode *priv = qg_ymap_get(c->sc, "privileged");
    const qg_ynode *sysadmin;
    int present = !qg_ynode_is_null(v);
    if (qg_ynode_bool(v) != 0)
      qg_fix_attach(
          qg_k8s_report(
              k, present ? v : qg_k8s_ctr_missing_at(c), c,
              "securityContext.allowPrivilegeEscalation",
              "%s \"%s\" allows privilege escalation (allowPrivilegeEscalation is not false)",
              who(c), c->name),
          qg_fix_unless_escalating(
              c->sc, present ? qg_fix_replace(v, "false", "Set allowPrivilegeEscalation: false")
                             : qg_fix_set_in_sc(c->node, c->sc, "allowPrivilegeEscalation: false",
                                                "allowPrivilegeEscalation: false",
                                                "Set allowPrivilegeEscalation: false")));
    else if (qg_ynode_bool(priv) == 1)
      qg_k8s_report(k, priv, c, "securityContext.privileged",
                    "%s \"%s\" allows privilege escalation: privileged: true overrides "
                    "allowPrivilegeEscalation: false",
                    who(c), c->name);
    else if ((sysadmin = adds_sys_admin(c)) != NULL)
      qg_k8s_report(k, sysadmin, c, "securityContext.capabilities.add",
                    "%s \"%s\" allows privilege escalation: capability \"%s\" overrides "
                    "allowPrivilegeEscalation: false",
                    who(c), c->name, qg_k8s_scal(sysadmin));
  }
}

static const char *const k_dangerous_caps[] = {"ALL",       "SYS_ADMIN",       "SYS_MODULE",
                                               "SYS_RAWIO", "SYS_PTRACE",      "BPF",
                                               "SYS_BOOT",  "DAC_READ_SEARCH", NULL};
static const char *const k_risky_caps[] = {
    "NET_ADMIN",    "NET_RAW", "SYS_TIME", "SYS_RESOURCE",    "PERFMON", "MAC_ADMIN",
    "MAC_OVERRIDE", "SYSLOG",  "SETFCAP",  "LINUX_IMMUTABLE", NULL};

static void added_caps(const qg_k8s_check *k, const char *const *list, const char *adjective) {
  for (size_t i = 0; i < k->n; i++) {
    const hctr *c = &k->ctrs[i];
    const qg_ynode *add = qg_ymap_path(c->sc, "capabilities.add");
    for (uint32_t j = 0; j < qg_yseq_len(add); j++) {
      const qg_ynode *cap = qg_yseq_at(add, j);
      if (!cap_in(qg_k8s_scal(cap), list))
        continue;
      char field[160];
      snprintf(field, sizeof(field), "securityContext.capabilities.add[%s]", qg_k8s_scal(cap));
      qg_k8s_report(k, cap, c, field, "%s \"%s\" adds %s capability \"%s\"", who(c), c->name,
                    adjective, qg_k8s_scal(cap));
    }
  }
}

void qg_k8s_dangerous_capabilities(const qg_k8s_check *k) {
  added_caps(k, k_dangerous_caps, "dangerous");
}
void qg_k8s_risky_capabilities(const qg_k8s_check *k) { added_caps(k, k_risky_caps, "risky"); }

/* drop must contain ALL (any case, CAP_ALL too). Reported where
 * pss/capabilities-restricted reports a missing drop ALL. */
void qg_k8s_capabilities_not_dropped(const qg_k8s_check *k) {
  static const char *const all[] = {"ALL", NULL};
  if (k->windows)
    return;
  for (size_t i = 0; i < k->n; i++) {
    const hctr *c = &k->ctrs[i];
    const qg_ypair *caps = qg_ymap_pair(c->sc, "capabilities");
    const qg_ynode *at;
    qg_fix *fix = NULL;
    if (!caps || qg_ynode_is_null(caps->value)) {
      at = qg_k8s_ctr_missing_at(c);
      if (!caps)
        fix = qg_fix_set_in_sc(c->node, c->sc, "capabilities:\n  drop: [\"ALL\"]",
                               "capabilities: {drop: [\"ALL\"]}", "Drop ALL capabilities");
    } else {
      const qg_ypair *drop = qg_ymap_pair(caps->value, "drop");
      int has_all = 0;
      for (uint32_t j = 0; drop && j < qg_yseq_len(drop->value) && !has_all; j++)
        has_all = cap_in(qg_k8s_scal(qg_yseq_at(drop->value, j)), all);
      if (has_all)
        continue;
      at = drop ? drop->value : caps->key;
      if (!drop)
        fix = qg_fix_add_to_map(caps->value, "drop: [\"ALL\"]", "drop: [\"ALL\"]",
                                "Drop ALL capabilities");
    }
    qg_fix_attach(qg_k8s_report(k, at, c, "securityContext.capabilities.drop",
                                "%s \"%s\" does not drop ALL capabilities", who(c), c->name),
                  qg_fix_risky(fix, QG_FIX_CAUTION_DROP_ALL));
  }
}

/* ---- host mounts and ports -------------------------------------------------------- */

/* Normalises an absolute path: repeated and trailing slashes, "." and ".."
 * components. Relative paths are copied unchanged. */
static void normalise_path(const char *in, char *out, size_t outsz) {
  if (in[0] != '/') {
    snprintf(out, outsz, "%s", in);
    return;
  }
  size_t o = 0;
  out[0] = '\0';
  for (const char *p = in; *p;) {
    while (*p == '/')
      p++;
    size_t n = strcspn(p, "/");
    if (n == 0 || (n == 1 && p[0] == '.')) {
      p += n;
      continue;
    }
    if (n == 2 && p[0] == '.' && p[1] == '.') {
      while (o > 0 && out[o - 1] != '/')
        o--;
      if (o > 0)
        o--; /* the slash before the removed component */
      out[o] = '\0';
      p += n;
      continue;
    }
    if (o + 1 + n + 1 > outsz)
      break;
    out[o++] = '/';
    memcpy(out + o, p, n);
    o += n;
    out[o] = '\0';
    p += n;
  }
  if (o == 0)
    snprintf(out, outsz, "/");
}

static int sensitive_host_path(const char *path) {
  static const char *const dirs[] = {"/etc",
                                     "/proc",
                                     "/sys",
                                     "/dev",
                                     "/root",
                                     "/boot",
                                     "/var/run",
                                     "/run",
                                     "/var/lib/kubelet",
                                     "/var/lib/docker",
                                     "/var/lib/containerd",
                                     NULL};
  static const char *const sockets[] = {"docker.sock", "containerd.sock", "crio.sock",
                                        "cri-dockerd.sock", NULL};
  static const char *const pipes[] = {"\\\\.\\pipe\\docker_engine",
                                      "\\\\.\\pipe\\containerd-containerd", NULL};
  char p[1024];
  normalise_path(path, p, sizeof(p));
  if (strcmp(p, "/") == 0)
    return 1;
  for (const char *const *d = dirs; *d; d++) {
    size_t n = strlen(*d);
    if (strncmp(p, *d, n) == 0 && (p[n] == '\0' || p[n] == '/'))
      return 1;
  }
  const char *base = strrchr(p, '/');
  base = base ? base + 1 : p;
  for (const char *const *s = sockets; *s; s++)
    if (strcmp(base, *s) == 0)
      return 1;
  for (const char *const *s = pipes; *s; s++)
    if (strcasecmp(path, *s) == 0)
      return 1;
  return 0;
}

/* The system CA bundles, which pods often mount read-only from the node. */
static int ca_bundle_path(const char *path) {
  static const char *const dirs[] = {
      "/etc/ssl/certs",       "/etc/pki/ca-trust",          "/etc/pki/tls/certs",
      "/etc/ca-certificates", "/usr/share/ca-certificates", NULL};
  char p[1024];
  normalise_path(path, p, sizeof(p));
  for (const char *const *d = dirs; *d; d++) {
    size_t n = strlen(*d);
    if (strncmp(p, *d, n) == 0 && (p[n] == '\0' || p[n] == '/'))
      return 1;
  }
  return 0;
}

/* Does every container that mounts volume `name` mount it readOnly? */
static int mounted_read_only(const qg_k8s_check *k, const char *name) {
  for (size_t i = 0; i < k->n; i++) {
    const qg_ynode *mounts = qg_ymap_get(k->ctrs[i].node, "volumeMounts");
    for (uint32_t j = 0; j < qg_yseq_len(mounts); j++) {
      const qg_ynode *m = qg_yseq_at(mounts, j);
      if (qg_ynode_eq(qg_ymap_get(m, "name"), name) &&
          qg_ynode_bool(qg_ymap_get(m, "readOnly")) != 1)
        return 0;
    }
  }
  return 1;
}

void qg_k8s_sensitive_host_mount(const qg_k8s_check *k) {
  const qg_ynode *vols = qg_ymap_get(k->ref->spec, "volumes");
  for (uint32_t i = 0; i < qg_yseq_len(vols); i++) {
    const qg_ynode *vol = qg_yseq_at(vols, i);
    const qg_ynode *path = qg_ymap_path(vol, "hostPath.path");
    const char *p = qg_ynode_str(path);
    if (!p || !sensitive_host_path(p))
      continue;
    const char *name = qg_k8s_scal(qg_ymap_get(vol, "name"));
    if (ca_bundle_path(p) && mounted_read_only(k, name))
      continue; /* a read-only CA bundle is the usual, harmless case */
    char field[192];
    snprintf(field, sizeof(field), "volumes[%s].hostPath.path", name);
    qg_k8s_report(k, path, NULL, field, "volume \"%s\" mounts sensitive host path \"%s\"", name, p);
  }
}

/* Is `name` the name of a hostPath volume of the pod? */
static int is_host_path_volume(const qg_k8s_check *k, const char *name) {
  const qg_ynode *vols = qg_ymap_get(k->ref->spec, "volumes");
  for (uint32_t i = 0; i < qg_yseq_len(vols); i++) {
    const qg_ynode *vol = qg_yseq_at(vols, i);
    if (qg_ynode_eq(qg_ymap_get(vol, "name"), name) &&
        !qg_ynode_is_null(qg_ymap_get(vol, "hostPath")))
      return 1;
  }
  return 0;
}

void qg_k8s_writable_host_mount(const qg_k8s_check *k) {
  for (size_t i = 0; i < k->n; i++) {
    const hctr *c = &k->ctrs[i];
    const qg_ynode *mounts = qg_ymap_get(c->node, "volumeMounts");
    for (uint32_t j = 0; j < qg_yseq_len(mounts); j++) {
      const qg_ynode *m = qg_yseq_at(mounts, j);
      const char *name = qg_ynode_str(qg_ymap_get(m, "name"));
      if (!name || !is_host_path_volume(k, name))
        continue;
      const qg_ynode *ro = qg_ymap_get(m, "readOnly");
      if (qg_ynode_bool(ro) == 1)
        continue;
      char field[192];
      snprintf(field, sizeof(field), "volumeMounts[%s].readOnly", name);
      qg_k8s_report(k, !qg_ynode_is_null(ro) ? ro : m, c, field,
                    "%s \"%s\" mounts hostPath volume \"%s\" writable (readOnly is not true)",
                    who(c), c->name, name);
    }
  }
}

void qg_k8s_privileged_port(const qg_k8s_check *k) {
  for (size_t i = 0; i < k->n; i++) {
    const hctr *c = &k->ctrs[i];
    const qg_ynode *ports = qg_ymap_get(c->node, "ports");
    for (uint32_t j = 0; j < qg_yseq_len(ports); j++) {
      const qg_ynode *cp = qg_ymap_get(qg_yseq_at(ports, j), "containerPort");
      long long port;
      if (!qg_ynode_int(cp, &port) || port <= 0 || port >= 1024)
        continue;
      char field[64];
      snprintf(field, sizeof(field), "ports[%lld].containerPort", port);
      qg_k8s_report(k, cp, c, field, "%s \"%s\" uses privileged port %lld", who(c), c->name, port);
    }
  }
}

/* ---- service accounts ------------------------------------------------------------- */

/* Scope INPUT_POD: a pod that does not say leaves it to its ServiceAccount,
 * which the input may hold. */
void qg_k8s_automount_service_account_token(const qg_k8s_check *k) {
  const qg_ynode *v = qg_ymap_get(k->ref->spec, "automountServiceAccountToken");
  if (qg_ynode_bool(v) == 0)
    return;
  if (qg_ynode_is_null(v) && k->input) {
    const char *sa = qg_k8s_scal(qg_ymap_get(k->ref->spec, "serviceAccountName"));
    if (!*sa)
      sa = qg_k8s_scal(qg_ymap_get(k->ref->spec, "serviceAccount"));
    const char *ns = k->ref->ctx.namespace_ ? k->ref->ctx.namespace_ : "";
    const qg_kobj *o = qg_k8s_input_get(k->input, "", "ServiceAccount", ns, *sa ? sa : "default");
    if (o && qg_ynode_bool(qg_ymap_get(o->obj, "automountServiceAccountToken")) == 0)
      return; /* the ServiceAccount turns it off, and the pod does not turn it back on */
  }
  qg_k8s_report(
      k, !qg_ynode_is_null(v) ? v : spec_missing_at(k), NULL, "automountServiceAccountToken",
      "pod automounts its service account token (automountServiceAccountToken is not false)");
}

void qg_k8s_default_service_account(const qg_k8s_check *k) {
  const qg_ynode *name = qg_ymap_get(k->ref->spec, "serviceAccountName");
  const char *field = "serviceAccountName";
  if (!*qg_k8s_scal(name)) {
    const qg_ynode *old = qg_ymap_get(k->ref->spec, "serviceAccount");
    if (*qg_k8s_scal(old)) {
      name = old;
      field = "serviceAccount";
    }
  }
  if (*qg_k8s_scal(name) && strcmp(qg_k8s_scal(name), "default") != 0)
    return;
  if (*qg_k8s_scal(name))
    qg_k8s_report(k, name, NULL, field, "pod uses the default service account (%s: default)",
                  field);
  else
    qg_k8s_report(k, spec_missing_at(k), NULL, field,
                  "pod uses the default service account (serviceAccountName is not set)");
}

/* ---- resources -------------------------------------------------------------------- */

/* A quantity that is zero: 0, "0", "0.0", "0m", "0Mi", "0e3" ... */
static int quantity_zero(const qg_ynode *v) {
  long long n;
  if (qg_ynode_int(v, &n))
    return n == 0;
  const char *s = qg_ynode_str(v);
  if (!s)
    return 0;
  if (*s == '+' || *s == '-')
    s++;
  int zeros = 0;
  for (; *s == '0' || *s == '.'; s++)
    zeros += *s == '0';
  if (!zeros)
    return 0;
  if ((*s == 'e' || *s == 'E') && isdigit((unsigned char)s[1 + (s[1] == '+' || s[1] == '-')])) {
    for (s++, s += *s == '+' || *s == '-'; isdigit((unsigned char)*s); s++)
      ;
    return *s == '\0';
  }
  for (; *s; s++)
    if (!isalpha((unsigned char)*s))
      return 0;
  return 1;
}

/* Is resources.<kind>.<res> set to a non-zero quantity in mapping `res`? */
static int quantity_set(const qg_ynode *res, const char *kind, const char *name) {
  const qg_ynode *v = qg_ymap_get(qg_ymap_get(res, kind), name);
  return !qg_ynode_is_null(v) && !quantity_zero(v);
}

/* The parts of k8s/resources-missing, in the order of its "former:" aliases
 * (part n is the n-th), with the old rules' tool aliases. */
typedef struct check_part {
  const char *former;  /* the id this part had as a rule of its own */
  const char *aliases; /* that rule's aliases in other tools */
  const char *kind;    /* resources: "requests" or "limits"; probes: the key */
  const char *name;    /* resources: "cpu" or "memory" */
  const char *label;   /* "CPU request" */
  qg_severity sev;     /* that rule's default severity */
} check_part;

static const check_part k_resource_parts[] = {
    {"k8s/cpu-requests-missing", "kube-linter:unset-cpu-requirements polaris:cpuRequestsMissing",
     "requests", "cpu", "CPU request", QG_SEV_LOW},
    {"k8s/cpu-limits-missing", "kube-linter:unset-cpu-requirements polaris:cpuLimitsMissing",
     "limits", "cpu", "CPU limit", QG_SEV_LOW},
    {"k8s/memory-requests-missing",
     "kube-linter:unset-memory-requirements polaris:memoryRequestsMissing", "requests", "memory",
     "memory request", QG_SEV_LOW},
    {"k8s/memory-limits-missing",
     "kube-linter:unset-memory-requirements polaris:memoryLimitsMissing", "limits", "memory",
     "memory limit", QG_SEV_MEDIUM},
};

static const check_part k_probe_parts[] = {
    {"k8s/liveness-probe-missing", "kube-linter:no-liveness-probe polaris:livenessProbeMissing",
     "livenessProbe", NULL, "liveness", QG_SEV_LOW},
    {"k8s/readiness-probe-missing", "kube-linter:no-readiness-probe polaris:readinessProbeMissing",
     "readinessProbe", NULL, "readiness", QG_SEV_LOW},
};

/* The missing parts of one container, and how to word them. */
typedef struct part_set {
  unsigned missing;     /* bit n: part n is missing (and on) */
  unsigned shown;       /* the parts the finding names: the unsuppressed ones, else all */
  const char *by, *why; /* when every missing part is suppressed: the first's suppression */
} part_set;

/* Sorts the missing parts of c into shown and suppressed ones. */
static void sort_parts(const qg_k8s_check *k, const hctr *c, const check_part *parts, size_t n,
                       const char *field, part_set *ps) {
  char full[320];
  snprintf(full, sizeof(full), "%s.%s", c->field, field);
  ps->shown = 0;
  ps->by = ps->why = NULL;
  for (size_t p = 0; p < n; p++) {
    const char *by = NULL, *why = NULL;
    if (!(ps->missing & (1u << p)))
      continue;
    if (!qg_k8s_part_suppressed(k->ref, k->rule, parts[p].former, parts[p].aliases, full, &by,
                                &why))
      ps->shown |= 1u << p;
    else if (!ps->by) {
      ps->by = by;
      ps->why = why;
    }
  }
  if (ps->shown)
    ps->by = ps->why = NULL;
  else
    ps->shown = ps->missing;
}

/* Finishes the finding f of the shown parts: unless configuration changed
 * the rule's severity, it is the highest default of those parts (a missing
 * CPU request alone stays low, as it was); when every part is suppressed, the
 * first part's suppression suppresses it. */
static void finish_parts(const qg_k8s_check *k, qg_finding *f, const check_part *parts, size_t n,
                         const part_set *ps) {
  if (!f)
    return;
  if (qg_ruleset_severity(k->ref->opts->rules, k->rule) == k->rule->severity) {
    qg_severity sev = QG_SEV_INFO;
    for (size_t p = 0; p < n; p++)
      if ((ps->shown & (1u << p)) && parts[p].sev > sev)
        sev = parts[p].sev;
    f->severity = sev;
  }
  if (ps->by && !f->suppressed_by)
    qg_finding_suppress(k->ref->result, f, ps->by, ps->why);
}

/* "A, B or C" of the shown parts' labels, each followed by `suffix` when its
 * bit is in `zero` (" (set to 0)"). */
static void list_parts(qg_buf *b, const check_part *parts, size_t n, unsigned shown, unsigned zero,
                       const char *last_sep) {
  size_t total = 0, done = 0;
  for (size_t p = 0; p < n; p++)
    total += (shown >> p) & 1u;
  for (size_t p = 0; p < n; p++) {
    if (!(shown & (1u << p)))
      continue;
    done++;
    (void)qg_buf_printf(b, "%s%s%s",
                        done == 1       ? ""
                        : done == total ? last_sep
                                        : ", ",
                        parts[p].label, zero & (1u << p) ? " (set to 0)" : "");
  }
}

/* One finding per container naming every missing request and limit. A
 * request is satisfied by a limit too (the API server copies the limit into a
 * missing request), and either by a pod-level spec.resources value; a zero
 * quantity is missing. Parts whose former id is switched off are not
 * checked; parts suppressed by their former id are left out of the message. */
void qg_k8s_resources_missing(const qg_k8s_check *k) {
  const qg_ynode *pod_res = qg_ymap_get(k->ref->spec, "resources");
  const qg_ruleset *rs = k->ref->opts->rules;
  for (size_t i = 0; i < k->n; i++) {
    const hctr *c = &k->ctrs[i];
    if (c->kind == CK_EPHEMERAL)
      continue; /* ephemeral containers cannot have resources */
    const qg_ypair *rp = qg_ymap_pair(c->node, "resources");
    const qg_ynode *res = rp ? rp->value : NULL;
    part_set ps = {0};
    unsigned zero = 0;
    for (size_t p = 0; p < QG_ARRAY_LEN(k_resource_parts); p++) {
      const check_part *pt = &k_resource_parts[p];
      if (!qg_ruleset_part_on(rs, k->rule, (unsigned)p) ||
          quantity_set(pod_res, pt->kind, pt->name))
        continue;
      const qg_ynode *v = qg_ymap_get(qg_ymap_get(res, pt->kind), pt->name);
      if (!qg_ynode_is_null(v)) {
        if (quantity_zero(v)) {
          ps.missing |= 1u << p;
          zero |= 1u << p;
        }
        continue;
      }
      if (strcmp(pt->kind, "requests") == 0 && quantity_set(res, "limits", pt->name))
        continue;
      ps.missing |= 1u << p;
    }
    if (!ps.missing)
      continue;
    sort_parts(k, c, k_resource_parts, QG_ARRAY_LEN(k_resource_parts), "resources", &ps);
    qg_buf msg;
    qg_buf_init(&msg, 0);
    list_parts(&msg, k_resource_parts, QG_ARRAY_LEN(k_resource_parts), ps.shown, zero, " or ");
    /* at the resources key (else the container), or at the value when the
       finding is only about zero quantities */
    const qg_ynode *at = rp ? rp->key : c->node;
    if ((ps.shown & ~zero) == 0)
      for (size_t p = QG_ARRAY_LEN(k_resource_parts); p-- > 0;)
        if (ps.shown & (1u << p))
          at = qg_ymap_get(qg_ymap_get(res, k_resource_parts[p].kind), k_resource_parts[p].name);
    qg_finding *f =
        qg_k8s_report(k, at, c, "resources", "%s \"%s\" has no %s", who(c), c->name, msg.data);
    finish_parts(k, f, k_resource_parts, QG_ARRAY_LEN(k_resource_parts), &ps);
    qg_buf_cleanup(&msg);
  }
}

/* ---- images ----------------------------------------------------------------------- */

typedef struct image_ref {
  const qg_ynode *node; /* the image value */
  const char *s;
  int digest; /* has @<algorithm>:<hex> */
  int tagged; /* has :<tag> after the last '/' of the name */
  int latest; /* the tag is "latest" */
} image_ref;

/* Splits [registry[:port]/]path[:tag][@digest]; a colon before the last '/'
 * is a registry port, not a tag. Returns 0 for an absent or empty image and
 * for a placeholder that is not an image reference ("<image>", "${IMAGE}"). */
static int parse_image(const hctr *c, image_ref *img) {
  memset(img, 0, sizeof(*img));
  img->node = qg_ymap_get(c->node, "image");
  img->s = qg_ynode_str(img->node);
  if (!img->s || !*img->s ||
      img->s[strspn(img->s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
                            "YZ0123456789._:/@-")])
    return 0;
  const char *at = strchr(img->s, '@');
  size_t name_len = at ? (size_t)(at - img->s) : strlen(img->s);
  img->digest = at && strchr(at, ':') != NULL;
  size_t start = 0;
  for (size_t i = 0; i < name_len; i++)
    if (img->s[i] == '/')
      start = i + 1;
  const char *colon = memchr(img->s + start, ':', name_len - start);
  if (colon && colon + 1 < img->s + name_len) {
    img->tagged = 1;
    size_t tl = (size_t)(img->s + name_len - colon - 1);
    img->latest = tl == 6 && strncmp(colon + 1, "latest", 6) == 0;
  }
  return 1;
}

void qg_k8s_latest_tag(const qg_k8s_check *k) {
  image_ref img;
  for (size_t i = 0; i < k->n; i++)
    if (parse_image(&k->ctrs[i], &img) && img.latest && !img.digest)
      qg_k8s_report(k, img.node, &k->ctrs[i], "image",
                    "%s \"%s\" uses the mutable tag latest (image \"%s\")", who(&k->ctrs[i]),
                    k->ctrs[i].name, img.s);
}

void qg_k8s_untagged_image(const qg_k8s_check *k) {
  image_ref img;
  for (size_t i = 0; i < k->n; i++)
    if (parse_image(&k->ctrs[i], &img) && !img.tagged && !img.digest)
      qg_k8s_report(k, img.node, &k->ctrs[i], "image",
                    "%s \"%s\" uses image \"%s\" without a tag or digest (that means latest)",
                    who(&k->ctrs[i]), k->ctrs[i].name, img.s);
}

void qg_k8s_image_not_pinned(const qg_k8s_check *k) {
  image_ref img;
  for (size_t i = 0; i < k->n; i++)
    if (parse_image(&k->ctrs[i], &img) && !img.digest)
      qg_k8s_report(k, img.node, &k->ctrs[i], "image",
                    "%s \"%s\" uses image \"%s\" without a digest", who(&k->ctrs[i]),
                    k->ctrs[i].name, img.s);
}

/* Never anywhere, or a mutable tag with a policy other than Always. Without
 * imagePullPolicy the API server defaults a mutable tag to Always, so only an
 * explicit policy can be wrong. */
void qg_k8s_pull_policy_not_always(const qg_k8s_check *k) {
  image_ref img;
  for (size_t i = 0; i < k->n; i++) {
    const hctr *c = &k->ctrs[i];
    const qg_ynode *pp = qg_ymap_get(c->node, "imagePullPolicy");
    const char *p = qg_ynode_str(pp);
    if (!p)
      continue;
    if (strcmp(p, "Never") == 0) {
      qg_k8s_report(k, pp, c, "imagePullPolicy",
                    "%s \"%s\" uses imagePullPolicy: Never (the node's cached image runs)", who(c),
                    c->name);
      continue;
    }
    if (strcmp(p, "Always") != 0 && parse_image(c, &img) && !img.digest &&
        (!img.tagged || img.latest))
      qg_k8s_report(k, pp, c, "imagePullPolicy",
                    "%s \"%s\" pulls mutable image \"%s\" with imagePullPolicy: %s", who(c),
                    c->name, img.s, p);
  }
}

/* ---- probes and replicas ---------------------------------------------------------- */

/* Workloads whose containers are meant to run until stopped. */
static int long_running(const qg_pod_ref *ref) {
  static const char *const kinds[] = {
      "Deployment",       "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
      "DeploymentConfig", "Rollout",     NULL};
  const char *kind = ref->ctx.kind;
  for (const char *const *k = kinds; *k; k++)
    if (strcmp(kind, *k) == 0)
      return 1;
  if (strcmp(kind, "Pod") == 0) {
    const char *rp = qg_k8s_scal(qg_ymap_get(ref->spec, "restartPolicy"));
    return !*rp || strcmp(rp, "Always") == 0;
  }
  return 0;
}

/* One finding per regular container naming the probes it lacks. */
void qg_k8s_probes_missing(const qg_k8s_check *k) {
  if (!long_running(k->ref))
    return;
  const qg_ruleset *rs = k->ref->opts->rules;
  for (size_t i = 0; i < k->n; i++) {
    const hctr *c = &k->ctrs[i];
    if (c->kind != CK_REGULAR)
      continue;
    part_set ps = {0};
    for (size_t p = 0; p < QG_ARRAY_LEN(k_probe_parts); p++)
      if (qg_ruleset_part_on(rs, k->rule, (unsigned)p) &&
          qg_ynode_is_null(qg_ymap_get(c->node, k_probe_parts[p].kind)))
        ps.missing |= 1u << p;
    if (!ps.missing)
      continue;
    /* the field of the first missing probe */
    const char *field = k_probe_parts[ps.missing & 1u ? 0 : 1].kind;
    sort_parts(k, c, k_probe_parts, QG_ARRAY_LEN(k_probe_parts), field, &ps);
    qg_buf msg;
    qg_buf_init(&msg, 0);
    list_parts(&msg, k_probe_parts, QG_ARRAY_LEN(k_probe_parts), ps.shown, 0, " or ");
    qg_finding *f =
        qg_k8s_report(k, c->node, c, field, "container \"%s\" has no %s probe", c->name, msg.data);
    finish_parts(k, f, k_probe_parts, QG_ARRAY_LEN(k_probe_parts), &ps);
    qg_buf_cleanup(&msg);
  }
}

/* An object check: its field is the object's (spec.replicas), not the pod
 * spec's. */
void qg_k8s_single_replica(const qg_k8s_check *k) {
  const qg_pod_ref *ref = k->ref;
  static const char *const kinds[] = {"Deployment", "StatefulSet", "DeploymentConfig", "Rollout"};
  size_t i = 0;
  while (i < QG_ARRAY_LEN(kinds) && strcmp(ref->ctx.kind, kinds[i]) != 0)
    i++;
  if (!ref->spec || i == QG_ARRAY_LEN(kinds))
    return;
  const qg_ynode *v = qg_ymap_path(ref->obj, "spec.replicas");
  long long n;
  if (!qg_ynode_int(v, &n) || n != 1)
    return;
  qg_k8s_report(k, v, NULL, "spec.replicas", "%s runs a single replica (replicas: 1)",
                ref->ctx.kind);
}
