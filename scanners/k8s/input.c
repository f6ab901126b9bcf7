/* input.c: the objects of the whole input, kept while the files are scanned
 * and indexed when they all are, and the driver of the checks across objects
 * (input.h). */
#include "scanners/k8s/input.h"
#include "scanners/k8s/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool qg_k8s_input_wanted(const qg_k8s_opts *o) { return qg_k8s_input_rows_on(o); }

/* ---- keeping: a copy of each object ------------------------------------------------ */

typedef enum copy_mode {
  M_ANY,  /* everything below */
  M_TOP,  /* the object: without status; metadata and data handled apart */
  M_STUB, /* an object of another kind: apiVersion, kind and metadata alone */
  M_META, /* its metadata: without managedFields */
  M_ANN,  /* its annotations: a long value kept empty (KEEP_MAX_ANNOTATION) */
  M_DATA, /* a ConfigMap's or Secret's data: the keys, not the values */
  M_POD,  /* the pod spec: its containers handled apart */
  M_CTRS, /* a list of containers */
  M_CTR,  /* a container: what names and references other objects alone */
  M_ENV,  /* its env: the entries that take their value from another object */
} copy_mode;

/* An annotation longer than this is kept empty: suppressions are short, and
 * kubectl's last-applied copy of the object, Helm's and Argo's notes are not. */
#define KEEP_MAX_ANNOTATION 256u

typedef struct copier {
  qg_arena *a;
  size_t bytes;
  const qg_ynode *pod; /* the object's pod spec in the original, or NULL */
} copier;

static bool in_list(const char *const *list, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i], s) == 0)
      return true;
  return false;
}

/* The kinds kept whole (their objects are small and the checks read them through):
 * RBAC, accounts, networking, disruption budgets, autoscalers, configuration. A
 * pod-template kind is kept with what pod_key and ctr_key name of its pod spec and
 * containers (the checks across objects read names, ports and references; a
 * Deployment of the real-manifest corpus takes about 4 KB);
 * any other kind (a CustomResourceDefinition's schema, a custom resource) as a stub:
 * apiVersion, kind and metadata, enough to be found by name. */
static bool kept_whole(const char *kind) {
  static const char *const kinds[] = {
      "Certificate", /* cert-manager's: the Secret it makes (refs.c) */
      "ClusterRole",
      "ClusterRoleBinding",
      "ConfigMap",
      "ExternalSecret", /* the Secret it makes (refs.c) */
      "HorizontalPodAutoscaler",
      "Ingress",
      "IngressClass",
      "LimitRange",
      "Namespace",
      "NetworkPolicy",
      "PersistentVolumeClaim",
      "PodDisruptionBudget",
      "ResourceQuota",
      "Role",
      "RoleBinding",
      "Secret",
      "Service",
      "ServiceAccount",
      "VerticalPodAutoscaler",
  };
  return in_list(kinds, QG_ARRAY_LEN(kinds), kind);
}

/* What the checks across objects read of a pod spec: the references out of it
 * (accounts, volumes, pull secrets), how it reaches the network, and its
 * containers (ctr_key). */
static bool pod_key(const char *key) {
  static const char *const keys[] = {
      "containers",         "initContainers", "ephemeralContainers",          "volumes",
      "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "imagePullSecrets",
      "hostNetwork"};
  return in_list(keys, QG_ARRAY_LEN(keys), key);
}

/* ... and of a container: its name, ports, references out of it and restart
 * policy (a sidecar's ports count for a Service). */
static bool ctr_key(const char *key) {
  static const char *const keys[] = {"name", "ports", "env", "envFrom", "restartPolicy"};
  return in_list(keys, QG_ARRAY_LEN(keys), key);
}

static void *take(copier *c, size_t n) {
  c->bytes += n;
  return qg_arena_alloc(c->a, n ? n : 1);
}

static const char *text(copier *c, const char *s, size_t n) {
  c->bytes += n + 1;
  return qg_arena_strndup(c->a, s, n);
}

/* An empty plain scalar at n's place: a value left out of the copy reads as null. */
static const qg_ynode *blank(copier *c, const qg_ynode *n) {
  qg_ynode *m = take(c, sizeof(*m));
  memset(m, 0, sizeof(*m));
  m->kind = QG_Y_SCALAR;
  m->plain = 1;
  m->line = m->end_line = n->line;
  m->col = m->end_col = n->col;
  m->weight = 1;
  m->u.s.str = "";
  return m;
}

static const qg_ynode *copy(copier *c, const qg_ynode *n, copy_mode mode) {
  qg_ynode *m = take(c, sizeof(*m));
  *m = *n;
  if (n->tag)
    m->tag = text(c, n->tag, strlen(n->tag));
  switch ((qg_ykind)n->kind) {
  case QG_Y_SCALAR:
    m->u.s.str = text(c, n->u.s.str, n->u.s.len);
    break;
  case QG_Y_SEQ: {
    const qg_ynode **items = take(c, n->u.seq.n * sizeof(*items));
    uint32_t k = 0;
    for (uint32_t i = 0; i < n->u.seq.n; i++)
      if (mode != M_ENV || qg_ymap_get(n->u.seq.items[i], "valueFrom"))
        items[k++] = copy(c, n->u.seq.items[i], mode == M_CTRS ? M_CTR : M_ANY);
    m->u.seq.items = items;
    m->u.seq.n = k;
    break;
  }
  case QG_Y_MAP: {
    qg_ypair *pairs = take(c, n->u.map.n * sizeof(*pairs));
    uint32_t k = 0;
    for (uint32_t i = 0; i < n->u.map.n; i++) {
      const qg_ypair *p = &n->u.map.pairs[i];
      const char *key = qg_ynode_str(p->key);
      key = key ? key : "";
      copy_mode sub = M_ANY;
      if ((mode == M_TOP && strcmp(key, "status") == 0) ||
          (mode == M_META && strcmp(key, "managedFields") == 0) ||
          (mode == M_STUB && strcmp(key, "apiVersion") && strcmp(key, "kind") &&
           strcmp(key, "metadata")) ||
          (mode == M_POD && !pod_key(key)) || (mode == M_CTR && !ctr_key(key)))
        continue;
      if (mode == M_STUB)
        sub = !strcmp(key, "metadata") ? M_META : M_ANY;
      else if (mode == M_POD && (!strcmp(key, "containers") || !strcmp(key, "initContainers") ||
                                 !strcmp(key, "ephemeralContainers")))
        sub = M_CTRS;
      else if (mode == M_TOP)
        sub = !strcmp(key, "metadata") ? M_META
              : !strcmp(key, "data") || !strcmp(key, "stringData") || !strcmp(key, "binaryData")
                  ? M_DATA
                  : M_ANY;
      else if (mode == M_META && strcmp(key, "annotations") == 0)
        sub = M_ANN;
      else if (mode == M_CTR && strcmp(key, "env") == 0)
        sub = M_ENV;
      pairs[k].key = copy(c, p->key, M_ANY);
      bool drop = mode == M_DATA || (mode == M_ANN && p->value->kind == QG_Y_SCALAR &&
                                     p->value->u.s.len > KEEP_MAX_ANNOTATION);
      pairs[k].value = drop                 ? blank(c, p->value)
                       : p->value == c->pod ? copy(c, p->value, M_POD)
                                            : copy(c, p->value, sub);
      k++;
    }
    m->u.map.pairs = pairs;
    m->u.map.n = k;
    break;
  }
  }
  return m;
}

void qg_k8s_keep(const qg_k8s_opts *o, const char *path, const char *prefix, const qg_ynode *obj,
                 bool mine, qg_result *r) {
  qg_kept *k = &r->kept;
  if (k->overflow)
    return;
  const char *api = qg_ynode_str(qg_ymap_get(obj, "apiVersion"));
  const char *kind = qg_ynode_str(qg_ymap_get(obj, "kind"));
  const char *sp, *mp;
  const qg_ynode *pod = qg_k8s_pod_template(o, api, kind, obj, &sp, &mp);
  bool stub = !pod && !kept_whole(kind ? kind : "");
  /* a stub is its metadata: a CustomResourceDefinition's huge schema does not count */
  const qg_ynode *md = qg_ymap_get(obj, "metadata");
  uint32_t weight = stub ? (md ? md->weight : 0) : obj->weight;
  if (weight > QG_K8S_KEEP_MAX_NODES || k->bytes > QG_K8S_KEEP_MAX_BYTES) {
    k->overflow = true;
    qg_location loc = {path, obj->line, obj->col, 0, 0};
    if (!mine)
      ; /* its own shard says so */
    else if (weight > QG_K8S_KEEP_MAX_NODES)
      qg_result_diag(r, QG_DIAG_ERROR, QG_ETOOBIG, &loc,
                     "object of more than %u nodes: the checks across objects did not run",
                     QG_K8S_KEEP_MAX_NODES);
    else
      qg_result_diag(r, QG_DIAG_ERROR, QG_ETOOBIG, &loc,
                     "the input's objects take more than %zu MiB: the checks across objects "
                     "did not run",
                     QG_K8S_KEEP_MAX_BYTES >> 20);
    return;
  }
  copier c = {qg_kept_arena(k), 0, pod};
  const qg_ynode *node = copy(&c, obj, stub ? M_STUB : M_TOP);
  qg_grow((void **)&k->items, &k->cap, k->n + 1, sizeof(*k->items));
  k->items[k->n++] =
      (qg_kept_obj){qg_result_intern(r, path), qg_result_intern(r, prefix), node, mine};
  k->bytes += c.bytes;
}

/* ---- the index ---------------------------------------------------------------------- */

static const char *str_or(const qg_ynode *n, const char *dflt) {
  const char *s = qg_ynode_str(n);
  return s ? s : dflt;
}

static int cmp_obj(const void *a, const void *b) {
  const qg_kobj *x = *(const qg_kobj *const *)a, *y = *(const qg_kobj *const *)b;
  int c = strcmp(x->kind, y->kind);
  if (!c)
    c = strcmp(x->namespace_, y->namespace_);
  if (!c)
    c = strcmp(x->name, y->name);
  return c ? c : (x < y ? -1 : x > y);
}

static int cmp_pod(const void *a, const void *b) {
  const qg_kobj *x = *(const qg_kobj *const *)a, *y = *(const qg_kobj *const *)b;
  int c = strcmp(x->namespace_, y->namespace_);
  if (!c)
    c = strcmp(x->kind, y->kind);
  if (!c)
    c = strcmp(x->name, y->name);
  return c ? c : (x < y ? -1 : x > y);
}

/* The run of elements of a sorted array (n of size bytes) that compare equal to
 * key (cmp(key, element) as for bsearch): its first index in *first, and how
 * many. */
static size_t equal_range(const void *base, size_t n, size_t size,
                          int (*cmp)(const void *key, const void *elem), const void *key,
                          size_t *first) {
  size_t b[2];
  for (int after = 0; after < 2; after++) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      int c = cmp(key, (const char *)base + mid * size);
      if (c > 0 || (after && c == 0))
        lo = mid + 1;
      else
        hi = mid;
    }
    b[after] = lo;
  }
  *first = b[0];
  return b[1] - b[0];
}

static int cmp_pod_ns(const void *key, const void *elem) {
  return strcmp(key, (*(const qg_kobj *const *)elem)->namespace_);
}

typedef struct qg_klabel {
  const char *ns, *key, *value;
  size_t order; /* the pod's position in the input */
} qg_klabel;

static int cmp_label3(const char *ns, const char *key, const char *value, const qg_klabel *b) {
  int c = strcmp(ns, b->ns);
  if (!c)
    c = strcmp(key, b->key);
  return c ? c : strcmp(value, b->value);
}

typedef struct label_key {
  const char *ns, *key, *value;
} label_key;

static int cmp_label_key(const void *key, const void *elem) {
  const label_key *k = key;
  return cmp_label3(k->ns, k->key, k->value, elem);
}

static int cmp_label(const void *a, const void *b) {
  const qg_klabel *x = a, *y = b;
  int c = cmp_label3(x->ns, x->key, x->value, y);
  return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* Every pod template label of the input, sorted, and the pod of each. */
static void labels_build(qg_k8s_input *in) {
  size_t n = 0;
  for (size_t i = 0; i < in->npods; i++) {
    const qg_ynode *l = qg_ymap_get(in->pods[i]->pod_meta, "labels");
    n += l && l->kind == QG_Y_MAP ? l->u.map.n : 0;
  }
  in->labels = qg_xcalloc(n + 1, sizeof(*in->labels));
  in->labeled = qg_xcalloc(n + 1, sizeof(*in->labeled));
  for (size_t i = 0; i < in->n; i++) {
    const qg_kobj *o = &in->objs[i];
    const qg_ynode *l = o->pod_spec ? qg_ymap_get(o->pod_meta, "labels") : NULL;
    for (uint32_t j = 0; l && l->kind == QG_Y_MAP && j < l->u.map.n; j++) {
      const char *k = qg_ynode_str(l->u.map.pairs[j].key);
      const char *v = qg_ynode_str(l->u.map.pairs[j].value);
      if (k)
        in->labels[in->nlabels++] = (qg_klabel){o->namespace_, k, v ? v : "", i};
    }
  }
  qsort(in->labels, in->nlabels, sizeof(*in->labels), cmp_label);
  for (size_t i = 0; i < in->nlabels; i++)
    in->labeled[i] = &in->objs[in->labels[i].order];
}

size_t qg_k8s_input_candidates(const qg_k8s_input *in, const char *ns, const qg_ynode *selector,
                               bool map, const qg_kobj *const **out) {
  const qg_ynode *pairs = map ? selector : qg_ymap_get(selector, "matchLabels");
  const char *key = NULL, *value = NULL;
  if (pairs && pairs->kind == QG_Y_MAP && pairs->u.map.n) {
    key = qg_ynode_str(pairs->u.map.pairs[0].key);
    value = qg_ynode_str(pairs->u.map.pairs[0].value);
    value = value ? value : "";
  }
  if (!key)
    return qg_k8s_input_pods(in, ns, out);
  label_key lk = {ns, key, value};
  size_t first,
      n = equal_range(in->labels, in->nlabels, sizeof(*in->labels), cmp_label_key, &lk, &first);
  *out = in->labeled + first;
  return n;
}

/* Kinds without a namespace: what one writes on them is ignored by the API. */
static bool cluster_scoped(const char *kind) {
  static const char *const kinds[] = {
      "APIService",
      "ClusterIssuer",
      "ClusterRole",
      "ClusterRoleBinding",
      "CSIDriver",
      "CustomResourceDefinition",
      "IngressClass",
      "MutatingWebhookConfiguration",
      "Namespace",
      "Node",
      "PersistentVolume",
      "PriorityClass",
      "RuntimeClass",
      "StorageClass",
      "ValidatingWebhookConfiguration",
  };
  return in_list(kinds, QG_ARRAY_LEN(kinds), kind);
}

static unsigned long long budget_limit(void) {
  const char *v = getenv("QGATE_CROSS_BUDGET");
  char *end = NULL;
  unsigned long long n = v && *v >= '1' && *v <= '9' ? strtoull(v, &end, 10) : 0;
  return end && !*end && n < QG_K8S_INPUT_BUDGET ? n : QG_K8S_INPUT_BUDGET;
}

static void index_build(const qg_k8s_opts *o, const qg_kept *kept, qg_k8s_input *in) {
  memset(in, 0, sizeof(*in));
  in->complete = o->complete;
  in->budget = qg_xcalloc(1, sizeof(*in->budget));
  in->budget->limit = budget_limit();
  in->objs = qg_xcalloc(kept->n + 1, sizeof(*in->objs));
  in->sorted = qg_xcalloc(kept->n + 1, sizeof(*in->sorted));
  in->pods = qg_xcalloc(kept->n + 1, sizeof(*in->pods));
  size_t tl = 0;
  for (size_t i = 0; i < kept->n; i++)
    tl += strlen(str_or(qg_ymap_get(kept->items[i].node, "apiVersion"), "")) + 1;
  in->text = qg_xmalloc(tl + 1);
  char *t = in->text;
  for (size_t i = 0; i < kept->n; i++) {
    const qg_kept_obj *ko = &kept->items[i];
    qg_kobj *ob = &in->objs[in->n++];
    const qg_ynode *md = qg_ymap_get(ko->node, "metadata");
    ob->obj = ko->node;
    ob->path = ko->path;
    ob->prefix = ko->prefix;
    ob->mine = ko->mine;
    ob->api_version = str_or(qg_ymap_get(ko->node, "apiVersion"), "");
    ob->kind = str_or(qg_ymap_get(ko->node, "kind"), "");
    ob->name = str_or(qg_ymap_get(md, "name"), "");
    ob->namespace_ = cluster_scoped(ob->kind) ? "" : str_or(qg_ymap_get(md, "namespace"), "");
    const qg_ynode *labels = qg_ymap_get(md, "labels");
    ob->labels = labels && labels->kind == QG_Y_MAP ? labels : NULL;
    const char *slash = strchr(ob->api_version, '/');
    size_t gl = slash ? (size_t)(slash - ob->api_version) : 0;
    memcpy(t, ob->api_version, gl);
    t[gl] = '\0';
    ob->group = t;
    t += gl + 1;
    const char *spec_path = NULL, *meta_path = NULL;
    ob->pod_spec =
        qg_k8s_pod_template(o, ob->api_version, ob->kind, ko->node, &spec_path, &meta_path);
    ob->pod_meta = ob->pod_spec && meta_path ? qg_ymap_path(ko->node, meta_path) : NULL;
    ob->pod_field = ob->pod_spec ? spec_path : "";
    in->sorted[i] = ob;
    if (ob->pod_spec)
      in->pods[in->npods++] = ob;
  }
  qsort(in->sorted, in->n, sizeof(*in->sorted), cmp_obj);
  qsort(in->pods, in->npods, sizeof(*in->pods), cmp_pod);
  labels_build(in);
}

static void index_free(qg_k8s_input *in) {
  free(in->objs);
  free(in->sorted);
  free(in->pods);
  free(in->labels);
  free(in->labeled);
  free(in->text);
  if (in->budget->memo_free)
    in->budget->memo_free(in->budget->memo);
  free(in->budget);
}

size_t qg_k8s_input_pods(const qg_k8s_input *in, const char *ns, const qg_kobj *const **out) {
  size_t first, n = equal_range(in->pods, in->npods, sizeof(*in->pods), cmp_pod_ns, ns, &first);
  *out = in->pods + first;
  return n;
}

bool qg_k8s_input_exhausted(const qg_k8s_input *in) { return in->budget->exhausted; }

bool qg_k8s_input_spend(const qg_k8s_input *in, size_t n) {
  qg_k8s_budget *b = in->budget;
  if (b->exhausted)
    return false;
  b->spent += n;
  if (b->spent > b->limit)
    b->exhausted = true;
  return !b->exhausted;
}

/* The first sorted position whose kind (and namespace and name, when not NULL)
 * is at least the ones given (after: greater than them). */
static size_t bound(const qg_k8s_input *in, const char *kind, const char *ns, const char *name,
                    bool after) {
  size_t lo = 0, hi = in->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const qg_kobj *m = in->sorted[mid];
    int c = strcmp(m->kind, kind);
    if (!c && ns)
      c = strcmp(m->namespace_, ns);
    if (!c && ns && name)
      c = strcmp(m->name, name);
    if (c < 0 || (after && c == 0))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static size_t lower(const qg_k8s_input *in, const char *kind, const char *ns, const char *name) {
  return bound(in, kind, ns, name, false);
}

size_t qg_k8s_input_kind_in(const qg_k8s_input *in, const char *kind, const char *ns,
                            const qg_kobj *const **out) {
  size_t i = lower(in, kind, ns, NULL), j = bound(in, kind, ns, NULL, true);
  *out = in->sorted + i;
  return j - i;
}

size_t qg_k8s_input_kind(const qg_k8s_input *in, const char *kind, const qg_kobj *const **out) {
  size_t i = lower(in, kind, NULL, NULL), j = bound(in, kind, NULL, NULL, true);
  *out = in->sorted + i;
  return j - i;
}

const qg_kobj *qg_k8s_input_get(const qg_k8s_input *in, const char *group, const char *kind,
                                const char *ns, const char *name) {
  for (size_t i = lower(in, kind, ns, name); i < in->n; i++) {
    const qg_kobj *o = in->sorted[i];
    if (strcmp(o->kind, kind) || strcmp(o->namespace_, ns) || strcmp(o->name, name))
      break;
    if (!group || strcmp(o->group, group) == 0)
      return o;
  }
  return NULL;
}

const qg_kobj *qg_k8s_input_self(const qg_k8s_input *in, const qg_pod_ref *ref) {
  return in->current && in->current->obj == ref->obj ? in->current : NULL;
}

const char *qg_k8s_input_where(const qg_kobj *o, const qg_ynode *n, char *buf, size_t size) {
  snprintf(buf, size, "%s:%u:%u", o->path, n ? n->line : o->obj->line, n ? n->col : o->obj->col);
  return buf;
}

/* ---- running the checks ------------------------------------------------------------- */

static void run_one(const qg_pod_ref *ref, void *ud) { qg_k8s_run_input_checks(ref, ud); }

void qg_k8s_run_input(const qg_k8s_opts *o, qg_result *r) {
  if (!o->keep)
    return;
  if (r->kept.overflow) {
    /* each object left out said so where it is; a shard's was said by its shard */
    bool said = false;
    for (size_t i = 0; i < r->diags.n && !said; i++)
      said = r->diags.items[i].status == QG_ETOOBIG &&
             strstr(r->diags.items[i].message, "checks across objects") != NULL;
    if (!said) {
      qg_location loc = {NULL, 0, 0, 0, 0};
      qg_result_diag(r, QG_DIAG_ERROR, QG_ETOOBIG, &loc,
                     "the input's objects are too many to index: the checks across objects "
                     "did not run");
    }
    return;
  }
  qg_k8s_input in;
  index_build(o, &r->kept, &in);
  for (size_t i = 0; i < in.n && !in.budget->exhausted; i++) {
    const qg_kobj *ob = &in.objs[i];
    in.current = ob;
    if (ob->mine)
      qg_k8s_with_ref(o, ob->path, ob->prefix, ob->obj, r, true, run_one, &in);
  }
  if (in.budget->exhausted) {
    qg_location loc = {NULL, 0, 0, 0, 0};
    qg_result_diag(r, QG_DIAG_ERROR, QG_ETOOBIG, &loc,
                   "the checks across objects stopped after %llu comparisons between the input's "
                   "objects: what they would still have found is missing",
                   in.budget->limit);
  }
  index_free(&in);
}
