/* finding.c: the result model. */
#include "core/finding.h"
#include "core/rule.h"
#include "core/yamldoc.h"

#include <stdlib.h>
#include <string.h>

void qg_result_init(qg_result *r) {
  memset(r, 0, sizeof(*r));
  qg_strpool_init(&r->pool);
}

void qg_result_cleanup(qg_result *r) {
  for (size_t i = 0; i < r->findings.n; i++) {
    free(r->findings.items[i].message);
    qg_fix_free(r->findings.items[i].fix);
  }
  free(r->findings.items);
  if (r->overflow) {
    free(r->overflow->message);
    qg_fix_free(r->overflow->fix);
    free(r->overflow);
  }
  for (size_t i = 0; i < r->diags.n; i++)
    free(r->diags.items[i].message);
  free(r->diags.items);
  free(r->kept.items);
  if (r->kept.arena) {
    qg_arena_cleanup(r->kept.arena);
    free(r->kept.arena);
  }
  qg_strpool_cleanup(&r->pool);
  memset(r, 0, sizeof(*r));
}

qg_arena *qg_kept_arena(qg_kept *k) {
  if (!k->arena) {
    /* a job's list (no cap of its own) holds one file's objects, briefly, and
     * thousands of jobs may wait to be merged: small chunks; the run's list
     * holds them all */
    k->arena = qg_xmalloc(sizeof(qg_arena));
    qg_arena_init(k->arena, k->max_bytes ? 64 * 1024 : 4 * 1024);
  }
  return k->arena;
}

/* src's kept objects are copied to the end of dst's list, into dst's arena: a
 * job's arena is mostly empty (a file holds a few objects), and thousands of
 * them kept would take ten times what the objects do. */
static void kept_merge(qg_result *dst, qg_result *src) {
  qg_kept *d = &dst->kept, *s = &src->kept;
  if (d->overflow || (d->max_bytes && d->bytes + s->bytes > d->max_bytes)) {
    d->overflow = d->overflow || s->n || s->overflow;
    return; /* src's are freed with it */
  }
  if (s->n) {
    qg_grow((void **)&d->items, &d->cap, d->n + s->n, sizeof(*d->items));
    qg_arena *a = qg_kept_arena(d);
    for (size_t i = 0; i < s->n; i++) {
      qg_kept_obj *o = &d->items[d->n++];
      *o = s->items[i];
      o->path = qg_result_intern(dst, o->path);
      o->prefix = qg_result_intern(dst, o->prefix);
      o->node = qg_ynode_copy(a, o->node, &d->bytes);
    }
  }
  d->overflow = d->overflow || s->overflow;
}

void qg_fix_free(qg_fix *fix) {
  if (!fix)
    return;
  for (size_t i = 0; i < fix->n; i++)
    free(fix->edits[i].text);
  free(fix->edits);
  free(fix->description);
  free(fix->caution);
  free(fix);
}

const char *qg_result_intern(qg_result *r, const char *s) {
  return s ? qg_strpool_intern(&r->pool, s, strlen(s)) : NULL;
}

qg_finding *qg_result_add_finding(qg_result *r, const struct qg_rule *rule, qg_severity sev,
                                  const qg_location *loc, const qg_context *ctx, char *message) {
  bool drop = r->max_findings && r->findings.n >= r->max_findings;
  qg_finding *f;
  if (drop) {
    r->dropped++;
    if (!r->overflow)
      r->overflow = qg_xcalloc(1, sizeof(*r->overflow));
    free(r->overflow->message);
    qg_fix_free(r->overflow->fix);
    f = r->overflow;
  } else {
    qg_grow((void **)&r->findings.items, &r->findings.cap, r->findings.n + 1, sizeof(qg_finding));
    f = &r->findings.items[r->findings.n];
  }
  memset(f, 0, sizeof(*f));
  f->rule = rule;
  f->severity = sev;
  f->loc = *loc;
  f->loc.path = qg_result_intern(r, loc->path);
  if (ctx) {
    f->ctx.api_version = qg_result_intern(r, ctx->api_version);
    f->ctx.kind = qg_result_intern(r, ctx->kind);
    f->ctx.namespace_ = qg_result_intern(r, ctx->namespace_);
    f->ctx.name = qg_result_intern(r, ctx->name);
    f->ctx.container = qg_result_intern(r, ctx->container);
    f->ctx.field = qg_result_intern(r, ctx->field);
  }
  f->message = message;
  f->order = (uint32_t)r->findings.n;
  if (!drop)
    r->findings.n++;
  return f;
}

void qg_finding_suppress(qg_result *r, qg_finding *f, const char *by, const char *justification) {
  f->suppressed_by = qg_result_intern(r, by);
  f->justification = qg_result_intern(r, justification);
}

void qg_result_diag(qg_result *r, qg_diag_level level, qg_status status, const qg_location *loc,
                    const char *fmt, ...) {
  if (r->max_diags && r->diags.n >= r->max_diags) { /* counted, never formatted */
    if (!r->dropped_diags || level > r->dropped_level) {
      r->dropped_level = level;
      r->dropped_status = status;
    }
    r->dropped_diags++;
    return;
  }
  qg_grow((void **)&r->diags.items, &r->diags.cap, r->diags.n + 1, sizeof(qg_diag));
  qg_diag *d = &r->diags.items[r->diags.n++];
  d->level = level;
  d->status = status;
  if (loc) {
    d->loc = *loc;
    d->loc.path = qg_result_intern(r, loc->path);
  } else {
    memset(&d->loc, 0, sizeof(d->loc));
  }
  va_list ap;
  va_start(ap, fmt);
  d->message = qg_xvasprintf(fmt, ap);
  va_end(ap);
  if (r->listener)
    r->listener(r->listener_arg, d);
}

size_t qg_result_cap_diags(qg_result *r, size_t max) {
  size_t saved = r->max_diags;
  r->max_diags = r->diags.n + max;
  r->dropped_diags = 0;
  return saved;
}

void qg_result_uncap_diags(qg_result *r, size_t saved, const qg_location *loc) {
  size_t dropped = r->dropped_diags;
  r->max_diags = 0;
  r->dropped_diags = 0;
  if (dropped)
    qg_result_diag(r, r->dropped_level, r->dropped_status, loc,
                   "%zu more diagnostic%s in this file %s not reported", dropped,
                   dropped == 1 ? "" : "s", dropped == 1 ? "was" : "were");
  r->max_diags = saved;
}

void qg_result_merge(qg_result *dst, qg_result *src) {
  for (size_t i = 0; i < src->findings.n; i++) {
    qg_finding *f = &src->findings.items[i];
    qg_finding *g = qg_result_add_finding(dst, f->rule, f->severity, &f->loc, &f->ctx, f->message);
    g->suppressed_by = qg_result_intern(dst, f->suppressed_by);
    g->justification = qg_result_intern(dst, f->justification);
    g->fix = f->fix;
    g->in_base = f->in_base;
    f->message = NULL;
    f->fix = NULL;
  }
  for (size_t i = 0; i < src->diags.n; i++) {
    qg_diag *d = &src->diags.items[i];
    qg_grow((void **)&dst->diags.items, &dst->diags.cap, dst->diags.n + 1, sizeof(qg_diag));
    qg_diag *e = &dst->diags.items[dst->diags.n++];
    *e = *d;
    e->loc.path = qg_result_intern(dst, d->loc.path);
    d->message = NULL;
    if (dst->listener)
      dst->listener(dst->listener_arg, e);
  }
  dst->stats.files += src->stats.files;
  dst->stats.bytes += src->stats.bytes;
  dst->stats.documents += src->stats.documents;
  dst->stats.objects += src->stats.objects;
  dst->stats.pod_specs += src->stats.pod_specs;
  dst->stats.skipped += src->stats.skipped;
  dst->stats.manifests += src->stats.manifests;
  kept_merge(dst, src);
  qg_result_cleanup(src);
}

void qg_result_take_kept(qg_result *dst, qg_result *src) {
  kept_merge(dst, src);
  qg_result_cleanup(src);
}

static int cmp_str(const char *a, const char *b) {
  if (a == b)
    return 0;
  if (!a)
    return -1;
  if (!b)
    return 1;
  return strcmp(a, b);
}

int qg_finding_place_cmp(const qg_location *a, const char *rule_a, const qg_location *b,
                         const char *rule_b) {
  int c = cmp_str(a->path, b->path);
  if (c)
    return c;
  if (a->line != b->line)
    return a->line < b->line ? -1 : 1;
  if (a->col != b->col)
    return a->col < b->col ? -1 : 1;
  return strcmp(rule_a, rule_b);
}

static int cmp_finding(const void *pa, const void *pb) {
  const qg_finding *a = pa, *b = pb;
  int c = qg_finding_place_cmp(&a->loc, a->rule->id, &b->loc, b->rule->id);
  if (c)
    return c;
  return a->order < b->order ? -1 : a->order > b->order;
}

void qg_result_sort(qg_result *r) {
  if (r->findings.n > 1)
    qsort(r->findings.items, r->findings.n, sizeof(qg_finding), cmp_finding);
}

static uint64_t mix(uint64_t h, const char *s) {
  static const char sep = '\x1f';
  if (s)
    h = qg_hash64(s, strlen(s), h);
  return qg_hash64(&sep, 1, h);
}

void qg_finding_fingerprint(const qg_finding *f, char out[17]) {
  uint64_t h = QG_HASH_SEED;
  h = mix(h, f->rule->id);
  h = mix(h, f->loc.path);
  h = mix(h, f->ctx.kind);
  h = mix(h, f->ctx.namespace_);
  h = mix(h, f->ctx.name);
  h = mix(h, f->ctx.container);
  h = mix(h, f->ctx.field);
  static const char hex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; i--) {
    out[i] = hex[h & 15];
    h >>= 4;
  }
  out[16] = '\0';
}

size_t qg_result_counts(const qg_result *r, size_t counts[QG__SEV_COUNT]) {
  size_t suppressed = 0;
  memset(counts, 0, sizeof(size_t) * QG__SEV_COUNT);
  for (size_t i = 0; i < r->findings.n; i++) {
    if (r->findings.items[i].suppressed_by)
      suppressed++;
    else if (!r->findings.items[i].in_base)
      counts[r->findings.items[i].severity]++;
  }
  return suppressed;
}
