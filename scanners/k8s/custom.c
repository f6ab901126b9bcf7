/* custom.c: rules from .qgate.yml's custom_rules, over the same dotted paths
 * the built-in checks use: a path from the object, or from every container of
 * its pod spec. */
#include "scanners/k8s/k8s.h"

#include <stdio.h>
#include <string.h>

static bool in_values(const qg_cfglist *l, const char *v) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i].s, v) == 0)
      return true;
  return false;
}

static void join_values(const qg_cfglist *l, char *buf, size_t size) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < l->n && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, "%s\"%s\"", i ? ", " : "", l->items[i].s);
}

/* Evaluates one rule at base (the object or a container). */
static void eval(const qg_pod_ref *ref, const qg_custom_rule *cr, const qg_ynode *base,
                 const char *base_field, const char *container) {
  const qg_ynode *v = qg_ymap_path(base, cr->path);
  char field[320];
  size_t bl = strlen(base_field);
  snprintf(field, sizeof(field), "%s%s%s", base_field, bl && base_field[bl - 1] != '.' ? "." : "",
           cr->path);
  const char *who = container ? "container \"" : "";
  const char *who_end = container ? "\" " : "";
  const char *cname = container ? container : "";
  char values[512];
  switch (cr->cond) {
  case QG_COND_REQUIRED:
    if (qg_ynode_is_null(v))
      qg_k8s_emit(ref, &cr->rule, base, container, field, "%s%s%smust set %s", who, cname, who_end,
                  cr->path);
    break;
  case QG_COND_FORBIDDEN:
    if (!qg_ynode_is_null(v))
      qg_k8s_emit(ref, &cr->rule, v, container, field, "%s%s%smust not set %s", who, cname, who_end,
                  cr->path);
    break;
  case QG_COND_ONE_OF:
  case QG_COND_NOT_ONE_OF: {
    const char *s = qg_ynode_str(v);
    join_values(&cr->values, values, sizeof(values));
    if (cr->cond == QG_COND_ONE_OF && !s)
      qg_k8s_emit(ref, &cr->rule, v ? v : base, container, field, "%s%s%smust set %s to one of %s",
                  who, cname, who_end, cr->path, values);
    else if (cr->cond == QG_COND_ONE_OF && !in_values(&cr->values, s))
      qg_k8s_emit(ref, &cr->rule, v, container, field, "%s%s%ssets %s to \"%s\", not one of %s",
                  who, cname, who_end, cr->path, s, values);
    else if (cr->cond == QG_COND_NOT_ONE_OF && s && in_values(&cr->values, s))
      qg_k8s_emit(ref, &cr->rule, v, container, field, "%s%s%smust not set %s to \"%s\"", who,
                  cname, who_end, cr->path, s);
    break;
  }
  }
}

void qg_k8s_custom(const qg_pod_ref *ref) {
  const qg_scan_policy *c = ref->opts->policy;
  if (!c)
    return;
  for (size_t i = 0; i < c->ncustom; i++) {
    const qg_custom_rule *cr = &c->custom[i];
    if (cr->regex || !qg_ruleset_has(ref->opts->rules, &cr->rule))
      continue; /* secret rules belong to the secrets scanner */
    if (cr->kinds.n && !in_values(&cr->kinds, ref->ctx.kind))
      continue;
    if (!cr->per_container) {
      eval(ref, cr, ref->obj, ref->field_prefix, NULL);
      continue;
    }
    for (size_t j = 0; j < ref->nctrs; j++)
      eval(ref, cr, ref->ctrs[j].node, ref->ctrs[j].field, ref->ctrs[j].name);
  }
}
