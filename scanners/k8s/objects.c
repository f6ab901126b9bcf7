/* objects.c: documents -> Kubernetes objects -> pod specs. */
#include "scanners/k8s/check.h"
#include "scanners/k8s/input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where each kind keeps its pod template. Matched by group so that a custom
 * resource that happens to be called "Deployment" is not mistaken for one. */
typedef struct pod_kind {
  const char *kind;
  const char *groups; /* space-separated API groups; "" = core; the first serves it today */
  const char *spec;   /* dotted path to the pod spec */
  const char *meta;   /* dotted path to the pod metadata; NULL (a declared kind): none */
} pod_kind;

static const pod_kind k_pod_kinds[] = {
    {"CronJob", "batch", "spec.jobTemplate.spec.template.spec",
     "spec.jobTemplate.spec.template.metadata"},
    {"DaemonSet", "apps extensions", "spec.template.spec", "spec.template.metadata"},
    {"Deployment", "apps extensions", "spec.template.spec", "spec.template.metadata"},
    /* OpenShift's (apps.openshift.io; OpenShift 3 served it as v1 too: warned, checked) */
    {"DeploymentConfig", "apps.openshift.io", "spec.template.spec", "spec.template.metadata"},
    {"Job", "batch", "spec.template.spec", "spec.template.metadata"},
    {"Pod", "", "spec", "metadata"},
    {"PodTemplate", "", "template.spec", "template.metadata"},
    {"ReplicaSet", "apps extensions", "spec.template.spec", "spec.template.metadata"},
    {"ReplicationController", "", "spec.template.spec", "spec.template.metadata"},
    /* Argo Rollouts' (one with spec.workloadRef instead of a template names a
     * Deployment, checked where it is) */
    {"Rollout", "argoproj.io", "spec.template.spec", "spec.template.metadata"},
    {"StatefulSet", "apps", "spec.template.spec", "spec.template.metadata"},
};

static int group_matches(const char *api_version, const char *groups) {
  const char *slash = strchr(api_version, '/');
  if (!slash)
    return groups[0] == '\0'; /* "v1": the core group */
  size_t gl = (size_t)(slash - api_version);
  for (const char *g = groups; *g;) {
    const char *sp = strchr(g, ' ');
    size_t l = sp ? (size_t)(sp - g) : strlen(g);
    if (l == gl && strncmp(g, api_version, gl) == 0)
      return 1;
    g += l + (sp ? 1 : 0);
  }
  return 0;
}

/* Is api_version one of Kubernetes' own groups (core, apps, batch, extensions)? A
 * group with a dot is a custom resource's (example.com/v1 Deployment is not one). */
static int builtin_group(const char *api_version) {
  const char *slash = strchr(api_version, '/');
  if (!slash)
    return 1;
  size_t gl = (size_t)(slash - api_version);
  static const char *const groups[] = {"apps", "batch", "extensions"};
  for (size_t i = 0; i < QG_ARRAY_LEN(groups); i++)
    if (strlen(groups[i]) == gl && strncmp(groups[i], api_version, gl) == 0)
      return 1;
  return 0;
}

bool qg_k8s_builtin_pod_kind(const char *group, const char *kind) {
  char api[256];
  if (snprintf(api, sizeof(api), "%s/v1", group) >= (int)sizeof(api))
    return false;
  for (size_t i = 0; i < QG_ARRAY_LEN(k_pod_kinds); i++)
    if (strcmp(k_pod_kinds[i].kind, kind) == 0 && group_matches(api, k_pod_kinds[i].groups))
      return true;
  return false;
}

/* The pod kind, or NULL. A kind declared in .qgate.yml's pod_templates is
 * filled into *custom (its strings borrowed from the policy). A known kind
 * under a built-in apiVersion that does not serve it (v1 Deployment: kubectl
 * refuses it) is still checked as that kind, with a warning that names the
 * apiVersion that serves it. */
static const pod_kind *find_pod_kind(const qg_k8s_opts *o, const char *api_version,
                                     const char *kind, const qg_ynode *obj, const char *path,
                                     qg_result *r, pod_kind *custom) {
  const qg_pod_template *t = qg_scan_policy_pod_template(o->policy, api_version, kind);
  if (t) {
    *custom = (pod_kind){t->kind, t->group, t->spec, t->meta};
    return custom;
  }
  for (size_t i = 0; i < QG_ARRAY_LEN(k_pod_kinds); i++) {
    const pod_kind *pk = &k_pod_kinds[i];
    if (strcmp(pk->kind, kind) != 0)
      continue;
    if (group_matches(api_version, pk->groups))
      return pk;
    if (!builtin_group(api_version))
      return NULL;
    if (!r)
      return pk;
    size_t gl = strcspn(pk->groups, " ");
    const qg_ynode *v = qg_ymap_get(obj, "apiVersion");
    qg_location loc = {path, v ? v->line : obj->line, v ? v->col : obj->col, 0, 0};
    qg_result_diag(r, QG_DIAG_WARNING, QG_EPARSE, &loc,
                   "apiVersion %s does not serve kind %s (it is %.*s%sv1): checked as a %s",
                   api_version, kind, (int)gl, pk->groups, gl ? "/" : "", kind);
    return pk;
  }
  return NULL;
}

/* An unknown id in qgate.io/ignore is itself a diagnostic: a typo must not
 * silently leave a rule unsuppressed. */
static void check_ignore_ids(const qg_pod_ref *ref, const qg_ynode *md) {
  const qg_ynode *v = qg_ymap_get(qg_ymap_get(md, "annotations"), "qgate.io/ignore");
  const char *list = qg_ynode_str(v);
  if (!list)
    return;
  const qg_ruleset *rs = ref->opts->rules;
  for (const char *s = list; *s;) {
    s += strspn(s, " ,");
    size_t n = strcspn(s, ", ");
    int known = 0;
    for (size_t i = 0; i < rs->n && n && !known; i++)
      known = qg_rule_named_or_former(rs->rules[i], s, n);
    if (n && !known) {
      qg_location loc = {ref->path, v->line, v->col, v->end_line, v->end_col};
      qg_result_diag(ref->result, QG_DIAG_WARNING, QG_ECONFIG, &loc,
                     "qgate.io/ignore names no rule or group \"%.*s\" (see 'qgate rules')", (int)n,
                     s);
    }
    s += n;
  }
}

/* The pod's containers, once for every check; *total counts them all, also
 * those past the cap. Caller frees. */
static qg_container *collect_containers(const qg_ynode *spec, const char *spec_field, size_t *n,
                                        size_t *total) {
  static const char *const lists[] = {"initContainers", "containers", "ephemeralContainers"};
  static const qg_ctr_kind kinds[] = {QG_CTR_INIT, QG_CTR_REGULAR, QG_CTR_EPHEMERAL};
  qg_container *out = qg_xcalloc(QG_K8S_MAX_CONTAINERS, sizeof(*out));
  *n = *total = 0;
  for (size_t l = 0; l < QG_ARRAY_LEN(lists); l++) {
    const qg_ynode *list = qg_ymap_get(spec, lists[l]);
    for (uint32_t i = 0; i < qg_yseq_len(list); i++) {
      const qg_ynode *node = qg_yseq_at(list, i);
      if (!node || node->kind != QG_Y_MAP || ++*total > QG_K8S_MAX_CONTAINERS)
        continue;
      qg_container *c = &out[(*n)++];
      c->node = node;
      c->kind = kinds[l];
      c->sc_pair = qg_ymap_pair(node, "securityContext");
      c->sc = c->sc_pair && c->sc_pair->value->kind == QG_Y_MAP ? c->sc_pair->value : NULL;
      if (!c->sc)
        c->sc_pair = NULL; /* securityContext: null is no securityContext */
      c->name = qg_ynode_str(qg_ymap_get(node, "name"));
      if (c->name) {
        snprintf(c->field, sizeof(c->field), "%s.%s[%s]", spec_field, lists[l], c->name);
      } else {
        snprintf(c->field, sizeof(c->field), "%s.%s[%u]", spec_field, lists[l], i);
        c->name = "";
      }
    }
  }
  return out;
}

static void run_object(const qg_pod_ref *ref, void *ud);

static void scan_object(const qg_k8s_opts *o, const char *path, const qg_ynode *obj,
                        const char *field_prefix, qg_result *r, unsigned depth) {
  const char *api = qg_ynode_str(qg_ymap_get(obj, "apiVersion"));
  const char *kind = qg_ynode_str(qg_ymap_get(obj, "kind"));
  if (!api || !kind)
    return; /* not a Kubernetes object: CloudFormation, Helm values, Compose ... */
  r->stats.objects++;

  size_t kl = strlen(kind);
  const qg_ynode *items = qg_ymap_get(obj, "items");
  if (kl >= 4 && strcmp(kind + kl - 4, "List") == 0 && items && items->kind == QG_Y_SEQ) {
    if (depth > QG_K8S_MAX_LIST_DEPTH) {
      /* unscanned objects would be a silent approval: an error */
      qg_location loc = {path, obj->line, obj->col, 0, 0};
      qg_result_diag(r, QG_DIAG_ERROR, QG_ETOOBIG, &loc,
                     "Lists nested more than %d deep: the items of this one were not scanned",
                     QG_K8S_MAX_LIST_DEPTH + 1);
      return;
    }
    r->stats.objects--; /* the list itself is a container, not an object */
    for (uint32_t i = 0; i < items->u.seq.n; i++) {
      char prefix[64];
      snprintf(prefix, sizeof(prefix), "%sitems[%u].", field_prefix, i);
      scan_object(o, path, items->u.seq.items[i], prefix, r, depth + 1);
    }
    return;
  }

  if (o->keep)
    qg_k8s_keep(o, path, field_prefix, obj, !o->keep_only, r);
  if (!o->keep_only)
    qg_k8s_with_ref(o, path, field_prefix, obj, r, false, run_object, NULL);
}

static void run_object(const qg_pod_ref *ref, void *ud) {
  (void)ud;
  qg_k8s_run_checks(ref);
  qg_k8s_custom(ref);
}

const qg_ynode *qg_k8s_pod_template(const qg_k8s_opts *o, const char *api, const char *kind,
                                    const qg_ynode *obj, const char **spec_path,
                                    const char **meta_path) {
  pod_kind custom;
  const pod_kind *pk = api && kind ? find_pod_kind(o, api, kind, obj, NULL, NULL, &custom) : NULL;
  const qg_ynode *spec = pk ? qg_ymap_path(obj, pk->spec) : NULL;
  if (!spec || spec->kind != QG_Y_MAP)
    return NULL;
  *spec_path = pk->spec;
  *meta_path = pk->meta;
  return spec;
}

void qg_k8s_with_ref(const qg_k8s_opts *o, const char *path, const char *field_prefix,
                     const qg_ynode *obj, qg_result *r, bool quiet,
                     void (*fn)(const qg_pod_ref *ref, void *ud), void *ud) {
  const char *api = qg_ynode_str(qg_ymap_get(obj, "apiVersion"));
  const char *kind = qg_ynode_str(qg_ymap_get(obj, "kind"));
  const qg_ynode *md = qg_ymap_get(obj, "metadata");
  qg_pod_ref ref = {
      .opts = o,
      .result = r,
      .path = path,
      .ctx = {.api_version = api,
              .kind = kind,
              .namespace_ = qg_ynode_str(qg_ymap_get(md, "namespace")),
              .name = qg_ynode_str(qg_ymap_get(md, "name"))},
      .obj = obj,
      .obj_meta = md,
      .field_prefix = field_prefix,
      .first_finding = r->findings.n,
  };
  if (!quiet)
    check_ignore_ids(&ref, md);
  char spec_field[128], meta_field[128];
  qg_container *ctrs = NULL;
  pod_kind custom;
  const pod_kind *pk = find_pod_kind(o, api, kind, obj, path, quiet ? NULL : r, &custom);
  const qg_ynode *spec = pk ? qg_ymap_path(obj, pk->spec) : NULL;
  if (spec && spec->kind == QG_Y_MAP) {
    snprintf(spec_field, sizeof(spec_field), "%s%s", field_prefix, pk->spec);
    snprintf(meta_field, sizeof(meta_field), "%s%s", field_prefix, pk->meta ? pk->meta : "");
    ref.spec = spec;
    ref.meta = pk->meta ? qg_ymap_path(obj, pk->meta) : NULL;
    if (ref.meta != md && !quiet)
      check_ignore_ids(&ref, ref.meta);
    ref.spec_field = spec_field;
    ref.meta_field = meta_field;
    size_t total = 0;
    ctrs = collect_containers(spec, spec_field, &ref.nctrs, &total);
    ref.ctrs = ctrs;
    if (total > QG_K8S_MAX_CONTAINERS && !quiet) {
      qg_location loc = {path, spec->line, spec->col, 0, 0};
      qg_result_diag(r, QG_DIAG_ERROR, QG_ETOOBIG, &loc,
                     "pod spec has %zu containers, more than the %d that qgate checks: the "
                     "others were not checked",
                     total, QG_K8S_MAX_CONTAINERS);
    }
    if (!quiet)
      r->stats.pod_specs++;
  }
  fn(&ref, ud);
  free(ctrs);
}

/* Does a comma-separated list name rule r (by id or by group)? */
static int list_names(const char *list, const qg_rule *r) {
  for (const char *s = list; *s;) {
    s += strspn(s, " ,");
    size_t n = strcspn(s, ", ");
    if (n && qg_rule_named(r, s, n))
      return 1;
    s += n;
  }
  return 0;
}

/* Is tool:check among r's aliases, for a finding at `field`? An alias
 * "tool:check@leaf" covers only findings whose field ends in ".leaf". */
static int has_alias(const qg_rule *r, const char *field, const char *tool, const char *check,
                     size_t checklen) {
  size_t tl = strlen(tool);
  for (const char *a = r->aliases; a && *a;) {
    a += strspn(a, " ");
    size_t n = strcspn(a, " ");
    size_t name = strcspn(a, " @");
    if (name == tl + 1 + checklen && strncmp(a, tool, tl) == 0 && a[tl] == ':' &&
        strncmp(a + tl + 1, check, checklen) == 0) {
      if (name == n)
        return 1;
      const char *leaf = a + name + 1;
      size_t ll = n - name - 1, fl = field ? strlen(field) : 0;
      if (fl > ll && field[fl - ll - 1] == '.' && strncmp(field + fl - ll, leaf, ll) == 0)
        return 1;
    }
    a += n;
  }
  return 0;
}

/* Suppression annotations in metadata md: qgate.io/ignore (ids or groups,
 * reason in qgate.io/ignore-reason), and the kube-linter and Polaris
 * annotations for the same checks. Sets *by and *why (borrowed). */
static int suppressed_in(const qg_ynode *md, const qg_rule *r, const char *field, const char **by,
                         const char **why) {
  static const char kl[] = "ignore-check.kube-linter.io/";
  static const char pol[] = "polaris.fairwinds.com/";
  const qg_ynode *ann = qg_ymap_get(md, "annotations");
  if (!ann || ann->kind != QG_Y_MAP)
    return 0;
  for (uint32_t i = 0; i < ann->u.map.n; i++) {
    const char *k = qg_ynode_str(ann->u.map.pairs[i].key);
    const char *v = qg_ynode_str(ann->u.map.pairs[i].value);
    if (!k || !v)
      continue;
    if (strcmp(k, "qgate.io/ignore") == 0 && list_names(v, r)) {
      *by = "qgate.io/ignore";
      *why = qg_ynode_str(qg_ymap_get(ann, "qgate.io/ignore-reason"));
      return 1;
    }
    if (strncmp(k, kl, sizeof(kl) - 1) == 0 &&
        has_alias(r, field, "kube-linter", k + sizeof(kl) - 1, strlen(k + sizeof(kl) - 1))) {
      *by = k;
      *why = *v ? v : NULL;
      return 1;
    }
    size_t kn = strlen(k);
    if (strncmp(k, pol, sizeof(pol) - 1) == 0 && kn > sizeof(pol) - 1 + 7 &&
        strcmp(k + kn - 7, "-exempt") == 0 && qg_ynode_eq(ann->u.map.pairs[i].value, "true") &&
        has_alias(r, field, "polaris", k + sizeof(pol) - 1, kn - (sizeof(pol) - 1) - 7)) {
      *by = k;
      *why = NULL;
      return 1;
    }
  }
  return 0;
}

/* Did a rule that `rule` names as "qgate:<id>" in its aliases already
 * report node `at` of this object? */
static int covered(const qg_pod_ref *ref, const qg_rule *rule, const qg_ynode *at) {
  const char *a = rule->aliases;
  while (a && (a = strstr(a, "qgate:")) != NULL) {
    a += 6;
    size_t n = strcspn(a, " @");
    const qg_findings *fs = &ref->result->findings;
    for (size_t i = ref->first_finding; i < fs->n; i++) {
      const qg_finding *f = &fs->items[i];
      if (f->loc.line == at->line && f->loc.col == at->col && strlen(f->rule->id) == n &&
          strncmp(f->rule->id, a, n) == 0)
        return 1;
    }
    a += n;
  }
  return 0;
}

/* Is rule r suppressed for this object at `field` (annotations, then
 * .qgate.yml exemptions)? Sets *by and *why (borrowed). */
static int suppressed(const qg_pod_ref *ref, const qg_rule *r, const char *field, const char **by,
                      const char **why) {
  const qg_exemption *x;
  if (suppressed_in(ref->obj_meta, r, field, by, why) ||
      (ref->meta != ref->obj_meta && suppressed_in(ref->meta, r, field, by, why)))
    return 1;
  if ((x = qg_scan_policy_exempt(ref->opts->policy, r, ref->ctx.kind, ref->ctx.namespace_,
                                 ref->ctx.name)) != NULL) {
    *by = ".qgate.yml exemption";
    *why = x->reason;
    return 1;
  }
  return 0;
}

/* Does rule r name `id` as "qgate:<id>" (r stays quiet where <id> reported)? */
static int pairs_with(const qg_rule *r, const char *id) {
  size_t il = strlen(id);
  for (const char *a = r->aliases; a && (a = strstr(a, "qgate:")) != NULL;) {
    a += 6;
    size_t n = strcspn(a, " @");
    if (n == il && strncmp(a, id, n) == 0)
      return 1;
    a += n;
  }
  return 0;
}

/* A suppression of the rule paired with `rule` (one naming it as
 * "qgate:<id>") for this object, which suppresses the pair. */
static int pair_suppressed(const qg_pod_ref *ref, const qg_rule *rule, const char *field,
                           const char **by, const char **why) {
  const qg_ruleset *rs = ref->opts->rules;
  for (size_t i = 0; i < rs->n; i++)
    if (pairs_with(rs->rules[i], rule->id) && suppressed(ref, rs->rules[i], field, by, why))
      return 1;
  return 0;
}

int qg_k8s_part_suppressed(const qg_pod_ref *ref, const qg_rule *rule, const char *former,
                           const char *aliases, const char *field, const char **by,
                           const char **why) {
  qg_rule part = *rule;
  part.id = former;
  part.aliases = aliases;
  return suppressed(ref, &part, field, by, why);
}

bool qg_k8s_reported_under(const qg_pod_ref *ref, const char *group, const char *container,
                           const char *prefix) {
  const qg_findings *fs = &ref->result->findings;
  size_t gl = strlen(group), pl = strlen(prefix);
  for (size_t i = ref->first_finding; i < fs->n; i++) {
    const qg_finding *f = &fs->items[i];
    const char *fc = f->ctx.container;
    if (strncmp(f->rule->id, group, gl) == 0 && f->rule->id[gl] == '/' &&
        (container ? fc && strcmp(fc, container) == 0 : !fc) && f->ctx.field &&
        strncmp(f->ctx.field, prefix, pl) == 0 && f->ctx.field[pl] == '.')
      return true;
  }
  return false;
}

qg_finding *qg_k8s_emitv(const qg_pod_ref *ref, const qg_rule *rule, const qg_ynode *at,
                         const char *container, const char *field, const char *fmt, va_list ap) {
  const qg_ruleset *rs = ref->opts->rules;
  if (!qg_ruleset_has(rs, rule) || covered(ref, rule, at))
    return NULL;
  char *message = qg_xvasprintf(fmt, ap);
  qg_location loc = {ref->path, at->line, at->col, at->end_line, at->end_col};
  if (at->kind != QG_Y_SCALAR) {
    /* a collection: point at its first line only */
    loc.end_line = at->line;
    loc.end_col = 0;
  }
  qg_context ctx = ref->ctx;
  ctx.container = container;
  ctx.field = field;
  qg_finding *f =
      qg_result_add_finding(ref->result, rule, qg_ruleset_severity(rs, rule), &loc, &ctx, message);
  const char *by = NULL, *why = NULL;
  if (suppressed(ref, rule, field, &by, &why) || pair_suppressed(ref, rule, field, &by, &why))
    qg_finding_suppress(ref->result, f, by, why);
  return f;
}

qg_finding *qg_k8s_emit(const qg_pod_ref *ref, const qg_rule *rule, const qg_ynode *at,
                        const char *container, const char *field, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  qg_finding *f = qg_k8s_emitv(ref, rule, at, container, field, fmt, ap);
  va_end(ap);
  return f;
}

void qg_k8s_scan_document(const qg_k8s_opts *o, const char *path, const qg_ynode *root,
                          qg_result *r) {
  if (root && root->kind == QG_Y_MAP)
    scan_object(o, path, root, "", r, 0);
}
