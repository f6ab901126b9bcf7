/* merge.c: the "shard" object of a sharded run's JSON report, and the merge
 * of the shards' reports back into one result. */
#include "reporters/merge.h"
#include "scanners/scanner.h"
#include "scoring/gate.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- names ---------------------------------------------------------------------------- */

static const char *const k_status_names[QG__STATUS_LAST] = {
    "ok", "nomem", "io", "parse", "usage", "config", "toobig", "noent", "git", "net"};

static const char *const k_review_states[] = {
    [QG_REVIEW_NOT_CONFIGURED] = "not run",
    [QG_REVIEW_DONE] = "done",
    [QG_REVIEW_PARTIAL] = "partial",
    [QG_REVIEW_FAILED] = "failed",
};

/* ---- writing ---------------------------------------------------------------------------- */

static cJSON *severities_json(qg_sevmask m) {
  cJSON *a = cJSON_CreateArray();
  for (int s = QG_SEV_CRITICAL; s >= QG_SEV_INFO; s--)
    if ((m >> s) & 1u)
      cJSON_AddItemToArray(a, cJSON_CreateString(qg_severity_name((qg_severity)s)));
  return a;
}

/* Every rule that is on, or whose severity was changed, and every custom
 * rule with its definition: the rest are the registry's, off. */
static cJSON *rules_json(const qg_ruleset *rs) {
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; rs && i < rs->n; i++) {
    const qg_rule *r = rs->rules[i];
    bool custom = qg_rule_find(r->id) != r;
    if (!rs->on[i] && !custom && rs->sev[i] == r->severity)
      continue;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", r->id);
    cJSON_AddStringToObject(o, "severity", qg_severity_name(rs->sev[i]));
    if (!rs->on[i])
      cJSON_AddBoolToObject(o, "on", false);
    if (custom) {
      cJSON *d = cJSON_AddObjectToObject(o, "custom");
      cJSON_AddStringToObject(d, "name", r->name ? r->name : "");
      cJSON_AddStringToObject(d, "severity", qg_severity_name(r->severity));
      cJSON_AddNumberToObject(d, "flags", r->flags);
      const char *keys[] = {"upstream", "title",    "help",   "remediation",
                            "example",  "help_uri", "aliases"};
      const char *vals[] = {r->upstream, r->title,    r->help,   r->remediation,
                            r->example,  r->help_uri, r->aliases};
      for (size_t k = 0; k < QG_ARRAY_LEN(keys); k++)
        if (vals[k])
          cJSON_AddStringToObject(d, keys[k], vals[k]);
    }
    cJSON_AddItemToArray(a, o);
  }
  return a;
}

static cJSON *policy_json(const qg_score_policy *p) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "approve", p->approve);
  cJSON_AddNumberToObject(o, "review", p->review);
  cJSON_AddStringToObject(o, "unmeasured", p->unmeasured_zero ? "zero" : "normalise");
  cJSON *crits = cJSON_AddObjectToObject(o, "criteria");
  for (int i = 0; i < QG__CRIT_COUNT; i++) {
    cJSON *c = cJSON_AddObjectToObject(crits, qg_crit_defs[i].key);
    cJSON_AddNumberToObject(c, "points", p->crit[i].points);
    cJSON_AddNumberToObject(c, "limit", p->crit[i].limit);
    cJSON_AddItemToObject(c, "severities", severities_json(p->crit[i].severities));
  }
  return o;
}

static cJSON *signals_json(const qg_signals *s) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddBoolToObject(o, "secrets_scanned", s->scanned_secrets);
  cJSON *sa = cJSON_AddObjectToObject(o, "sarif");
  cJSON_AddNumberToObject(sa, "files", (double)s->sarif.files);
  cJSON_AddNumberToObject(sa, "results", (double)s->sarif.results);
  cJSON_AddNumberToObject(sa, "lint", (double)s->sarif.lint);
  cJSON_AddNumberToObject(sa, "secrets", (double)s->sarif.secrets);
  cJSON *sec = cJSON_AddObjectToObject(sa, "security");
  for (int v = QG_SEV_CRITICAL; v >= QG_SEV_INFO; v--)
    cJSON_AddNumberToObject(sec, qg_severity_name((qg_severity)v), (double)s->sarif.security[v]);
  cJSON *cov = cJSON_AddObjectToObject(o, "coverage");
  cJSON_AddNumberToObject(cov, "files", (double)s->coverage.files);
  cJSON_AddNumberToObject(cov, "covered", (double)s->coverage.covered);
  cJSON_AddNumberToObject(cov, "total", (double)s->coverage.total);
  cJSON *m = cJSON_AddObjectToObject(o, "metrics");
  const qg_metrics *mt = &s->metrics;
  if (mt->has_build)
    cJSON_AddNumberToObject(m, "build_seconds", mt->build_seconds);
  if (mt->has_image)
    cJSON_AddNumberToObject(m, "image_bytes", mt->image_bytes);
  if (mt->has_base_image)
    cJSON_AddNumberToObject(m, "base_image_bytes", mt->base_image_bytes);
  if (mt->has_memory)
    cJSON_AddNumberToObject(m, "memory_bytes", mt->memory_bytes);
  if (mt->has_base_memory)
    cJSON_AddNumberToObject(m, "base_memory_bytes", mt->base_memory_bytes);
  cJSON *ch = cJSON_AddObjectToObject(o, "change");
  cJSON_AddBoolToObject(ch, "measured", s->change.measured);
  cJSON_AddNumberToObject(ch, "files", (double)s->change.files);
  cJSON_AddBoolToObject(ch, "readme", s->change.readme_changed);
  cJSON_AddBoolToObject(ch, "api", s->change.api_changed);
  cJSON_AddBoolToObject(ch, "openapi", s->change.openapi_changed);
  cJSON *rv = cJSON_AddObjectToObject(o, "review");
  cJSON_AddBoolToObject(rv, "measured", s->review.measured);
  cJSON_AddNumberToObject(rv, "violations", (double)s->review.violations);
  if (s->review.reason)
    cJSON_AddStringToObject(rv, "reason", s->review.reason);
  return o;
}

cJSON *qg_shard_json(const qg_shard_meta *m, const qg_result *r) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "index", m->index);
  cJSON_AddNumberToObject(o, "count", m->count);
  if (m->config_digest)
    cJSON_AddStringToObject(o, "config", m->config_digest);
  if (m->base)
    cJSON_AddStringToObject(o, "base", m->base);
  cJSON_AddItemToObject(o, "rules", rules_json(m->rules));
  if (m->policy)
    cJSON_AddItemToObject(o, "policy", policy_json(m->policy));
  if (m->signals)
    cJSON_AddItemToObject(o, "signals", signals_json(m->signals));
  cJSON_AddNumberToObject(o, "walked", (double)m->walked);
  /* parallel to the report's "diagnostics" */
  cJSON *ds = cJSON_AddArrayToObject(o, "diagnostics");
  for (size_t i = 0; i < r->diags.n; i++) {
    cJSON *d = cJSON_CreateObject();
    if (i < m->ndiag_walk && m->diag_walk[i] != QG_SCAN_AFTER_WALK)
      cJSON_AddNumberToObject(d, "walk", (double)m->diag_walk[i]);
    qg_status st = r->diags.items[i].status;
    cJSON_AddStringToObject(d, "status", st < QG__STATUS_LAST ? k_status_names[st] : "io");
    cJSON_AddItemToArray(ds, d);
  }
  if (m->review_failed)
    cJSON_AddBoolToObject(o, "review_failed", true);
  return o;
}

/* ---- reading ---------------------------------------------------------------------------- */

typedef struct shard {
  const qg_shard_input *in;
  cJSON *root; /* owned */
  cJSON *meta; /* the "shard" object, borrowed from root */
  unsigned index, count;
} shard;

typedef struct mctx {
  char **why;       /* where the first failure is said; may be NULL */
  const char *file; /* the file being read, for messages */
} mctx;

static qg_status fail(mctx *c, qg_status st, const char *fmt, ...) QG_PRINTF(3, 4);
static qg_status fail(mctx *c, qg_status st, const char *fmt, ...) {
  if (c->why) {
    va_list ap;
    va_start(ap, fmt);
    char *m = qg_xvasprintf(fmt, ap);
    va_end(ap);
    free(*c->why);
    *c->why = c->file ? qg_xasprintf("%s: %s", c->file, m) : m;
    if (*c->why != m)
      free(m);
    if (strlen(*c->why) > QG_MERGE_WHY_MAX) /* a report's value is quoted: capped */
      (*c->why)[QG_MERGE_WHY_MAX] = '\0';
  }
  return st;
}

/* A member that must be a whole number from 0 to max (2^53 at most: exact). */
static bool get_count(const cJSON *o, const char *key, double max, double *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsNumber(v))
    return false;
  double d = v->valuedouble;
  if (!(d >= 0) || d > max || floor(d) != d)
    return false;
  *out = d;
  return true;
}

#define MAX_EXACT 9007199254740992.0 /* 2^53 */

static bool get_size(const cJSON *o, const char *key, size_t *out) {
  double d;
  if (!get_count(o, key, MAX_EXACT, &d))
    return false;
  *out = (size_t)d;
  return true;
}

static bool get_u32(const cJSON *o, const char *key, uint32_t *out) {
  double d;
  if (!get_count(o, key, 4294967295.0, &d))
    return false;
  *out = (uint32_t)d;
  return true;
}

/* An optional string member: NULL when absent; false when it is not a string. */
static bool get_opt_str(const cJSON *o, const char *key, const char **out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  *out = NULL;
  if (!v)
    return true;
  if (!cJSON_IsString(v))
    return false;
  *out = v->valuestring;
  return true;
}

static const char *get_str(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool get_bool(const cJSON *o, const char *key, bool *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsBool(v))
    return false;
  *out = cJSON_IsTrue(v);
  return true;
}

static const cJSON *get_obj(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsObject(v) ? v : NULL;
}

static const cJSON *get_arr(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsArray(v) ? v : NULL;
}

/* Parses one report and checks that it is a shard's. */
static qg_status read_shard(mctx *c, shard *s) {
  s->root = cJSON_ParseWithLength(s->in->text, s->in->len);
  if (!cJSON_IsObject(s->root))
    return fail(c, QG_EPARSE, "not a qgate JSON report (write one with --format json=FILE)");
  const cJSON *tool = get_obj(s->root, "tool");
  if (!tool || !get_str(tool, "version") || !get_str(s->root, "command") ||
      !get_arr(s->root, "findings") || !get_arr(s->root, "diagnostics") ||
      !get_obj(s->root, "summary") || !get_obj(s->root, "gate") || !get_obj(s->root, "pss"))
    return fail(c, QG_EPARSE, "not a qgate JSON report (write one with --format json=FILE)");
  s->meta = cJSON_GetObjectItemCaseSensitive(s->root, "shard");
  if (!s->meta)
    return fail(c, QG_EUSAGE,
                "not the report of a shard: no \"shard\" object (run each part with --shard "
                "I/N --format json=FILE)");
  double idx, cnt;
  if (!cJSON_IsObject(s->meta) || !get_count(s->meta, "index", QG_MAX_SHARDS, &idx) ||
      !get_count(s->meta, "count", QG_MAX_SHARDS, &cnt) || idx < 1 || idx > cnt)
    return fail(c, QG_EPARSE, "the \"shard\" object is not valid (index and count)");
  s->index = (unsigned)idx;
  s->count = (unsigned)cnt;
  return QG_OK;
}

/* What must be the same in every shard: the shard object without what
 * belongs to one shard, and the report's settings. Caller deletes it. */
static cJSON *settings_of(const shard *s) {
  cJSON *o = cJSON_Duplicate(s->meta, 1);
  static const char *const own[] = {"index", "walked", "diagnostics", "review_failed"};
  for (size_t i = 0; i < QG_ARRAY_LEN(own); i++)
    cJSON_DeleteItemFromObjectCaseSensitive(o, own[i]);
  cJSON *sig = cJSON_GetObjectItemCaseSensitive(o, "signals");
  if (sig) /* the review runs in shard 1 only */
    cJSON_DeleteItemFromObjectCaseSensitive(sig, "review");
  cJSON_AddItemToObject(o, "pss", cJSON_Duplicate(get_obj(s->root, "pss"), 1));
  const char *fail_on = get_str(get_obj(s->root, "gate"), "fail_on");
  cJSON_AddStringToObject(o, "fail_on", fail_on ? fail_on : "");
  return o;
}

/* The first member of a that b does not hold alike ("" when none). */
static const char *first_difference(const cJSON *a, const cJSON *b) {
  for (const cJSON *x = a ? a->child : NULL; x; x = x->next)
    if (!cJSON_Compare(x, cJSON_GetObjectItemCaseSensitive(b, x->string), true))
      return x->string;
  for (const cJSON *y = b ? b->child : NULL; y; y = y->next)
    if (!cJSON_GetObjectItemCaseSensitive(a, y->string))
      return y->string;
  return "";
}

static qg_status check_shards(mctx *c, shard *all, size_t n, shard **slots) {
  const shard *s0 = &all[0];
  const char *version = get_str(get_obj(s0->root, "tool"), "version");
  const char *command = get_str(s0->root, "command");
  const char *config = get_str(s0->meta, "config");
  cJSON *want = settings_of(s0);
  qg_status st = QG_OK;
  for (size_t i = 0; i < n && st == QG_OK; i++) {
    shard *s = &all[i];
    c->file = s->in->name;
    const char *v = get_str(get_obj(s->root, "tool"), "version");
    const char *cmd = get_str(s->root, "command");
    const char *cf = get_str(s->meta, "config");
    if (strcmp(v, version) != 0) {
      st = fail(c, QG_EUSAGE,
                "written by qgate %s, but %s by qgate %s: run every shard with "
                "the same qgate",
                v, s0->in->name, version);
    } else if (strcmp(cmd, command) != 0) {
      st = fail(c, QG_EUSAGE,
                "a report of 'qgate %s', but %s is of 'qgate %s': merge the "
                "shards of one command",
                cmd, s0->in->name, command);
    } else if (s->count != s0->count) {
      st = fail(c, QG_EUSAGE,
                "shard %u/%u, but %s is shard %u/%u: every shard must be of the "
                "same N",
                s->index, s->count, s0->in->name, s0->index, s0->count);
    } else if (slots[s->index - 1]) {
      st = fail(c, QG_EUSAGE, "shard %u/%u again: %s is shard %u/%u too", s->index, s->count,
                slots[s->index - 1]->in->name, s->index, s->count);
    } else if ((cf == NULL) != (config == NULL) || (cf && strcmp(cf, config) != 0)) {
      st = fail(c, QG_EUSAGE,
                "run with another configuration (.qgate.yml, --config, --profile) "
                "than %s (digest %s, not %s)",
                s0->in->name, cf ? cf : "none", config ? config : "none");
    } else {
      cJSON *got = settings_of(s);
      if (!cJSON_Compare(got, want, true))
        st = fail(c, QG_EUSAGE,
                  "run with other options than %s (\"%s\" differs): run every "
                  "shard with the same command line",
                  s0->in->name, first_difference(got, want));
      cJSON_Delete(got);
    }
    if (st == QG_OK)
      slots[s->index - 1] = s;
  }
  cJSON_Delete(want);
  c->file = NULL;
  for (unsigned i = 0; i < s0->count && st == QG_OK; i++) {
    if (slots[i])
      continue;
    qg_buf have;
    qg_buf_init(&have, 0);
    for (unsigned k = 0; k < s0->count; k++)
      if (slots[k])
        (void)qg_buf_printf(&have, "%s%u from %s", have.len ? ", " : "", k + 1, slots[k]->in->name);
    st = fail(c, QG_EUSAGE, "shard %u/%u is missing (have %s): give the report of every shard",
              i + 1, s0->count, have.data);
    qg_buf_cleanup(&have);
  }
  return st;
}

/* ---- the rules, the policy and the signals ------------------------------------------- */

static const char *pool_str(qg_merged *m, const char *s) {
  return s ? qg_strpool_intern(&m->strings, s, strlen(s)) : NULL;
}

static qg_status read_rules(mctx *c, qg_merged *m, const cJSON *arr) {
  if (!arr)
    return fail(c, QG_EPARSE, "the \"shard\" object has no \"rules\"");
  qg_ruleset_init(&m->rules);
  for (size_t i = 0; i < m->rules.n; i++) {
    m->rules.on[i] = false;
    m->rules.sev[i] = m->rules.rules[i]->severity;
  }
  size_t ncustom = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, arr) ncustom += get_obj(e, "custom") != NULL;
  m->custom = qg_xcalloc(ncustom + 1, sizeof(qg_rule));
  cJSON_ArrayForEach(e, arr) {
    const char *id = get_str(e, "id"), *sevname = get_str(e, "severity");
    qg_severity sev;
    bool on = true;
    if (!id || !sevname || qg_severity_parse(sevname, &sev) != QG_OK ||
        (cJSON_GetObjectItemCaseSensitive(e, "on") && !get_bool(e, "on", &on)))
      return fail(c, QG_EPARSE, "a rule of the \"shard\" object is not valid");
    const cJSON *def = get_obj(e, "custom");
    const qg_rule *rule;
    if (def) {
      qg_rule *r = &m->custom[m->ncustom++];
      double flags;
      const char *dsev = get_str(def, "severity");
      if (!get_count(def, "flags", 0xffff, &flags) || !dsev ||
          qg_severity_parse(dsev, &r->severity) != QG_OK || !get_str(def, "name") ||
          qg_ruleset_find(&m->rules, id))
        return fail(c, QG_EPARSE, "custom rule '%s' of the \"shard\" object is not valid", id);
      r->id = pool_str(m, id);
      r->name = pool_str(m, get_str(def, "name"));
      r->flags = (unsigned)flags;
      r->upstream = pool_str(m, get_str(def, "upstream"));
      r->title = pool_str(m, get_str(def, "title"));
      r->help = pool_str(m, get_str(def, "help"));
      r->remediation = pool_str(m, get_str(def, "remediation"));
      r->example = pool_str(m, get_str(def, "example"));
      r->help_uri = pool_str(m, get_str(def, "help_uri"));
      r->aliases = pool_str(m, get_str(def, "aliases"));
      if (!r->aliases)
        r->aliases = "";
      qg_ruleset_add(&m->rules, r, on);
      rule = r;
    } else {
      rule = qg_rule_find(id);
      if (!rule)
        return fail(c, QG_EUSAGE, "rule '%s' is not known to this qgate", id);
      m->rules.on[qg_ruleset_index(&m->rules, rule)] = on;
    }
    qg_ruleset_set_severity(&m->rules, rule, sev);
  }
  return QG_OK;
}

static qg_status read_policy(mctx *c, qg_score_policy *p, const cJSON *o) {
  const cJSON *crits = get_obj(o, "criteria");
  const char *unm = get_str(o, "unmeasured");
  double approve, review;
  if (!crits || !unm || !get_count(o, "approve", 100, &approve) ||
      !get_count(o, "review", 100, &review))
    return fail(c, QG_EPARSE, "the score's policy in the \"shard\" object is not valid");
  memset(p, 0, sizeof(*p));
  p->approve = (unsigned)approve;
  p->review = (unsigned)review;
  p->unmeasured_zero = strcmp(unm, "zero") == 0;
  for (int i = 0; i < QG__CRIT_COUNT; i++) {
    const cJSON *cr = get_obj(crits, qg_crit_defs[i].key);
    const cJSON *lim = cJSON_GetObjectItemCaseSensitive(cr, "limit");
    const cJSON *sevs = get_arr(cr, "severities");
    double pts;
    if (!cr || !get_count(cr, "points", 1e6, &pts) || !cJSON_IsNumber(lim) || !sevs)
      return fail(c, QG_EPARSE,
                  "criterion '%s' of the policy in the \"shard\" object is not "
                  "valid",
                  qg_crit_defs[i].key);
    p->crit[i].points = (unsigned)pts;
    p->crit[i].limit = lim->valuedouble;
    const cJSON *e;
    cJSON_ArrayForEach(e, sevs) {
      qg_severity sv;
      if (!cJSON_IsString(e) || qg_severity_parse(e->valuestring, &sv) != QG_OK)
        return fail(c, QG_EPARSE, "criterion '%s' names an unknown severity", qg_crit_defs[i].key);
      p->crit[i].severities |= 1u << sv;
    }
  }
  return QG_OK;
}

static bool read_metric(const cJSON *m, const char *key, bool *has, double *v) {
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(m, key);
  *has = x != NULL;
  if (!x)
    return true;
  if (!cJSON_IsNumber(x))
    return false;
  *v = x->valuedouble;
  return true;
}

static qg_status read_signals(mctx *c, qg_merged *m, const cJSON *o) {
  qg_signals *s = &m->signals;
  const cJSON *sa = get_obj(o, "sarif"), *sec = get_obj(sa, "security");
  const cJSON *cov = get_obj(o, "coverage"), *mt = get_obj(o, "metrics");
  const cJSON *ch = get_obj(o, "change"), *rv = get_obj(o, "review");
  double covered = 0, total = 0;
  bool ok =
      sa && sec && cov && mt && ch && rv && get_bool(o, "secrets_scanned", &s->scanned_secrets) &&
      get_size(sa, "files", &s->sarif.files) && get_size(sa, "results", &s->sarif.results) &&
      get_size(sa, "lint", &s->sarif.lint) && get_size(sa, "secrets", &s->sarif.secrets) &&
      get_size(cov, "files", &s->coverage.files) &&
      get_count(cov, "covered", MAX_EXACT, &covered) &&
      get_count(cov, "total", MAX_EXACT, &total) && get_bool(ch, "measured", &s->change.measured) &&
      get_size(ch, "files", &s->change.files) &&
      get_bool(ch, "readme", &s->change.readme_changed) &&
      get_bool(ch, "api", &s->change.api_changed) &&
      get_bool(ch, "openapi", &s->change.openapi_changed) &&
      get_bool(rv, "measured", &s->review.measured) &&
      get_size(rv, "violations", &s->review.violations);
  for (int v = 0; ok && v < QG__SEV_COUNT; v++)
    ok = get_size(sec, qg_severity_name((qg_severity)v), &s->sarif.security[v]);
  qg_metrics *x = &s->metrics;
  ok = ok && read_metric(mt, "build_seconds", &x->has_build, &x->build_seconds) &&
       read_metric(mt, "image_bytes", &x->has_image, &x->image_bytes) &&
       read_metric(mt, "base_image_bytes", &x->has_base_image, &x->base_image_bytes) &&
       read_metric(mt, "memory_bytes", &x->has_memory, &x->memory_bytes) &&
       read_metric(mt, "base_memory_bytes", &x->has_base_memory, &x->base_memory_bytes);
  const char *reason = NULL;
  if (!ok || !get_opt_str(rv, "reason", &reason))
    return fail(c, QG_EPARSE, "the score's signals in the \"shard\" object are not valid");
  s->coverage.covered = (unsigned long long)covered;
  s->coverage.total = (unsigned long long)total;
  s->review.reason = pool_str(m, reason);
  return QG_OK;
}

static char **str_list(const cJSON *a, size_t *n) {
  *n = 0;
  size_t len = (size_t)cJSON_GetArraySize(a);
  if (!len)
    return NULL;
  char **v = qg_xcalloc(len, sizeof(*v));
  const cJSON *e;
  cJSON_ArrayForEach(e, a) v[(*n)++] = qg_xstrdup(cJSON_IsString(e) ? e->valuestring : "");
  return v;
}

static qg_status read_review(mctx *c, qg_review_outcome *o, const cJSON *j) {
  const char *state = get_str(j, "state"), *reason = NULL;
  const cJSON *skipped = get_arr(j, "skipped"), *notes = get_arr(j, "notes");
  bool ok = state && skipped && notes && get_opt_str(j, "reason", &reason) &&
            get_size(j, "files", &o->files) && get_size(j, "chunks", &o->chunks) &&
            get_size(j, "requests", &o->requests) && get_size(j, "cached", &o->cached) &&
            get_size(j, "failed", &o->failed) && get_size(j, "tokens_in", &o->tokens_in) &&
            get_size(j, "tokens_out", &o->tokens_out) &&
            get_size(j, "violations", &o->violations) &&
            get_size(j, "unconfirmed", &o->unconfirmed);
  size_t k = 0;
  while (ok && k < QG_ARRAY_LEN(k_review_states) && strcmp(state, k_review_states[k]) != 0)
    k++;
  if (!ok || k == QG_ARRAY_LEN(k_review_states))
    return fail(c, QG_EPARSE, "the \"review\" object is not valid");
  o->state = (qg_review_state)k;
  /* newer fields: absent in an older report */
  const cJSON *cost = cJSON_GetObjectItemCaseSensitive(j, "cost"),
              *saved = cJSON_GetObjectItemCaseSensitive(j, "cost_saved");
  if ((cJSON_HasObjectItem(j, "tokens_cached") &&
       !get_size(j, "tokens_cached", &o->tokens_cached)) ||
      (cJSON_HasObjectItem(j, "tokens_saved") && !get_size(j, "tokens_saved", &o->tokens_saved)))
    return fail(c, QG_EPARSE, "the \"review\" object is not valid");
  o->cost = cJSON_IsNumber(cost) && cost->valuedouble >= 0 && cost->valuedouble < 1e12
                ? cost->valuedouble
                : -1;
  o->cost_saved = cJSON_IsNumber(saved) && saved->valuedouble >= 0 && saved->valuedouble < 1e12
                      ? saved->valuedouble
                      : -1;
  o->estimated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "estimated"));
  qg_review_set_reason(o, "%s", reason ? reason : "");
  o->skipped = str_list(skipped, &o->nskipped);
  o->notes = str_list(notes, &o->nnotes);
  return QG_OK;
}

/* ---- findings and diagnostics ----------------------------------------------------------- */

typedef struct item {
  const cJSON *j;
  const cJSON *meta; /* diagnostics: its entry in the shard object */
  unsigned shard;    /* 0-based */
  size_t k;          /* its position in its shard's report */
  bool walked;       /* findings: from the walk (sorted) */
  size_t walk;       /* diagnostics: the walk position */
  qg_location loc;   /* findings: path, line and column */
  const char *rule;
} item;

/* A finding's path as the run saw it. A JSON report shows a byte of a name that is
 * not UTF-8 as the visible "\xNN" (qg_json_sanitize); the fingerprint, computed on
 * the bytes, says whether the "\xNN" in a path were such bytes or were written so in
 * the name: the bytes are put back only when they give the shard's fingerprint, so
 * that the merged reports (order, fingerprints) are one run's. Interned in
 * m->strings, or path itself. */
static const char *raw_path(qg_merged *m, const cJSON *e, const char *path) {
  const char *fp = get_str(e, "fingerprint"), *id = get_str(e, "rule");
  const qg_rule *rule = id ? qg_ruleset_find(&m->rules, id) : NULL;
  if (!path || !fp || !rule || !strstr(path, "\\x"))
    return path;
  qg_buf b;
  qg_buf_init(&b, 0);
  for (const char *p = path; *p;) {
    unsigned v;
    if (p[0] == '\\' && p[1] == 'x' && isxdigit((unsigned char)p[2]) &&
        isxdigit((unsigned char)p[3]) && sscanf(p + 2, "%2x", &v) == 1 && v >= 0x80) {
      (void)qg_buf_putc(&b, (char)v);
      p += 4;
    } else {
      (void)qg_buf_putc(&b, *p++);
    }
  }
  qg_finding f;
  memset(&f, 0, sizeof(f));
  f.rule = rule;
  f.loc.path = b.data;
  const cJSON *obj = get_obj(e, "object");
  (void)get_opt_str(obj, "kind", &f.ctx.kind);
  (void)get_opt_str(obj, "namespace", &f.ctx.namespace_);
  (void)get_opt_str(obj, "name", &f.ctx.name);
  (void)get_opt_str(e, "container", &f.ctx.container);
  (void)get_opt_str(e, "field", &f.ctx.field);
  char got[17];
  qg_finding_fingerprint(&f, got);
  const char *out = strcmp(got, fp) == 0 ? qg_strpool_intern(&m->strings, b.data, b.len) : path;
  qg_buf_cleanup(&b);
  return out;
}

/* A single run's order (qg_result_sort): the walk's findings by path, line,
 * column and rule id, ties in the order they were found (one path is one
 * shard's, so its position there); then what was added after the walk. */
static int cmp_finding(const void *pa, const void *pb) {
  const item *a = pa, *b = pb;
  if (a->walked != b->walked)
    return a->walked ? -1 : 1;
  if (a->walked) {
    int c = qg_finding_place_cmp(&a->loc, a->rule, &b->loc, b->rule);
    if (c)
      return c;
  }
  if (a->shard != b->shard)
    return a->shard < b->shard ? -1 : 1;
  return a->k < b->k ? -1 : a->k > b->k;
}

/* Diagnostics in walk order; those that came after the walk last. */
static int cmp_diag(const void *pa, const void *pb) {
  const item *a = pa, *b = pb;
  if (a->walk != b->walk)
    return a->walk < b->walk ? -1 : 1;
  if (a->shard != b->shard)
    return a->shard < b->shard ? -1 : 1;
  return a->k < b->k ? -1 : a->k > b->k;
}

static qg_status add_finding(mctx *c, qg_merged *m, const item *it) {
  const cJSON *j = it->j;
  const qg_rule *rule = qg_ruleset_find(&m->rules, it->rule);
  const char *sevname = get_str(j, "severity"), *msg = get_str(j, "message");
  qg_severity sev;
  qg_location loc = it->loc;
  if (!rule)
    return fail(c, QG_EPARSE, "a finding names rule '%s', which is not in the \"shard\" object",
                it->rule);
  if (!sevname || qg_severity_parse(sevname, &sev) != QG_OK || !msg ||
      !get_u32(j, "end_line", &loc.end_line) || !get_u32(j, "end_column", &loc.end_col))
    return fail(c, QG_EPARSE, "finding %zu is not valid", it->k + 1);
  qg_context ctx = {0};
  const cJSON *obj = get_obj(j, "object");
  bool ok = get_opt_str(obj, "apiVersion", &ctx.api_version) &&
            get_opt_str(obj, "kind", &ctx.kind) && get_opt_str(obj, "namespace", &ctx.namespace_) &&
            get_opt_str(obj, "name", &ctx.name) && get_opt_str(j, "container", &ctx.container) &&
            get_opt_str(j, "field", &ctx.field);
  bool is_new = true;
  if (ok && m->base && cJSON_GetObjectItemCaseSensitive(j, "new"))
    ok = get_bool(j, "new", &is_new);
  const cJSON *fx = get_obj(j, "fix"), *sup = get_obj(j, "suppressed");
  const char *by = NULL, *just = NULL;
  if (ok && sup)
    ok = get_opt_str(sup, "by", &by) && by && get_opt_str(sup, "justification", &just);
  qg_fix *fix = NULL;
  if (ok && fx) {
    const cJSON *edits = get_arr(fx, "edits");
    const char *desc = get_str(fx, "description"), *caution = NULL;
    bool risky = false;
    ok = edits && desc && get_opt_str(fx, "caution", &caution) &&
         (!cJSON_GetObjectItemCaseSensitive(fx, "risky") || get_bool(fx, "risky", &risky));
    if (ok) {
      fix = qg_xcalloc(1, sizeof(*fix));
      fix->description = qg_xstrdup(desc);
      fix->risky = risky;
      fix->caution = caution ? qg_xstrdup(caution) : NULL;
      size_t ne = (size_t)cJSON_GetArraySize(edits);
      fix->edits = qg_xcalloc(ne + 1, sizeof(qg_edit));
      const cJSON *e;
      cJSON_ArrayForEach(e, edits) {
        qg_edit *ed = &fix->edits[fix->n];
        const char *text = get_str(e, "text");
        if (!text || !get_u32(e, "line", &ed->line) || !get_u32(e, "column", &ed->col) ||
            !get_u32(e, "end_line", &ed->end_line) || !get_u32(e, "end_column", &ed->end_col)) {
          ok = false;
          break;
        }
        ed->text = qg_xstrdup(text);
        fix->n++;
      }
    }
  }
  if (!ok) {
    qg_fix_free(fix);
    return fail(c, QG_EPARSE, "finding %zu is not valid", it->k + 1);
  }
  qg_finding *f = qg_result_add_finding(&m->result, rule, sev, &loc, &ctx, qg_xstrdup(msg));
  f->fix = fix;
  f->in_base = m->base && !is_new;
  if (by)
    qg_finding_suppress(&m->result, f, by, just);
  return QG_OK;
}

static qg_status add_diag(mctx *c, qg_merged *m, const item *it) {
  const cJSON *j = it->j, *meta = it->meta;
  const char *lvl = get_str(j, "level"), *msg = get_str(j, "message"), *path = NULL;
  const char *stname = get_str(meta, "status");
  qg_location loc = {NULL, 0, 0, 0, 0};
  if (!lvl || !msg || !stname || !get_opt_str(j, "path", &path) || !get_u32(j, "line", &loc.line) ||
      !get_u32(j, "column", &loc.col))
    return fail(c, QG_EPARSE, "diagnostic %zu is not valid", it->k + 1);
  loc.path = path;
  qg_diag_level level = strcmp(lvl, "error") == 0     ? QG_DIAG_ERROR
                        : strcmp(lvl, "warning") == 0 ? QG_DIAG_WARNING
                                                      : QG_DIAG_NOTE;
  size_t st = 0;
  while (st < QG__STATUS_LAST && strcmp(stname, k_status_names[st]) != 0)
    st++;
  qg_result_diag(&m->result, level, st < QG__STATUS_LAST ? (qg_status)st : QG_EIO, &loc, "%s", msg);
  return QG_OK;
}

static qg_status merge_results(mctx *c, qg_merged *m, shard **slots, unsigned count) {
  size_t nf = 0, nd = 0;
  for (unsigned s = 0; s < count; s++) {
    c->file = slots[s]->in->name;
    const cJSON *diags = get_arr(slots[s]->root, "diagnostics");
    const cJSON *dmeta = get_arr(slots[s]->meta, "diagnostics");
    size_t walked;
    if (!dmeta || cJSON_GetArraySize(dmeta) != cJSON_GetArraySize(diags) ||
        !get_size(slots[s]->meta, "walked", &walked) ||
        walked > (size_t)cJSON_GetArraySize(get_arr(slots[s]->root, "findings")))
      return fail(c, QG_EPARSE, "the \"shard\" object does not match the report");
    nf += (size_t)cJSON_GetArraySize(get_arr(slots[s]->root, "findings"));
    nd += (size_t)cJSON_GetArraySize(diags);
  }
  item *fs = qg_xcalloc(nf + 1, sizeof(item)), *ds = qg_xcalloc(nd + 1, sizeof(item));
  size_t fi = 0, di = 0;
  qg_status st = QG_OK;
  for (unsigned s = 0; s < count && st == QG_OK; s++) {
    const shard *sh = slots[s];
    c->file = sh->in->name;
    size_t walked = 0, k = 0;
    (void)get_size(sh->meta, "walked", &walked);
    const cJSON *e;
    cJSON_ArrayForEach(e, get_arr(sh->root, "findings")) {
      item *it = &fs[fi++];
      it->j = e;
      it->shard = s;
      it->k = k;
      it->walked = k++ < walked;
      it->rule = get_str(e, "rule");
      if (!cJSON_IsObject(e) || !it->rule || !get_opt_str(e, "path", &it->loc.path) ||
          !get_u32(e, "line", &it->loc.line) || !get_u32(e, "column", &it->loc.col)) {
        st = fail(c, QG_EPARSE, "finding %zu is not valid", it->k + 1);
        break;
      }
      it->loc.path = raw_path(m, e, it->loc.path);
    }
    const cJSON *meta = get_arr(sh->meta, "diagnostics")->child;
    k = 0;
    cJSON_ArrayForEach(e, get_arr(sh->root, "diagnostics")) {
      item *it = &ds[di++];
      it->j = e;
      it->shard = s;
      it->k = k++;
      it->walk = QG_SCAN_AFTER_WALK;
      it->meta = meta;
      if (cJSON_GetObjectItemCaseSensitive(meta, "walk") && !get_size(meta, "walk", &it->walk)) {
        st = fail(c, QG_EPARSE, "diagnostic %zu: its \"walk\" is not valid", it->k + 1);
        break;
      }
      meta = meta->next;
    }
  }
  if (st == QG_OK) {
    if (nf > 1)
      qsort(fs, nf, sizeof(item), cmp_finding);
    if (nd > 1)
      qsort(ds, nd, sizeof(item), cmp_diag);
  }
  for (size_t i = 0; i < nf && st == QG_OK; i++) {
    c->file = slots[fs[i].shard]->in->name;
    st = add_finding(c, m, &fs[i]);
  }
  for (size_t i = 0; i < nd && st == QG_OK; i++) {
    c->file = slots[ds[i].shard]->in->name;
    st = add_diag(c, m, &ds[i]);
  }
  free(fs);
  free(ds);
  /* the statistics add up */
  for (unsigned s = 0; s < count && st == QG_OK; s++) {
    c->file = slots[s]->in->name;
    const cJSON *sum = get_obj(slots[s]->root, "summary");
    size_t v[6];
    static const char *const keys[] = {"files",   "bytes",     "documents",
                                       "objects", "pod_specs", "skipped"};
    for (size_t k = 0; k < 6 && st == QG_OK; k++)
      if (!get_size(sum, keys[k], &v[k]))
        st = fail(c, QG_EPARSE, "the summary's \"%s\" is not valid", keys[k]);
    if (st != QG_OK)
      break;
    qg_stats *t = &m->result.stats;
    t->files += v[0];
    t->bytes += v[1];
    t->documents += v[2];
    t->objects += v[3];
    t->pod_specs += v[4];
    t->skipped += v[5];
  }
  return st;
}

/* ---- the merge ---------------------------------------------------------------------------- */

static qg_status merge_settings(mctx *c, qg_merged *m, const shard *s1) {
  const cJSON *pss = get_obj(s1->root, "pss");
  const char *lvl = get_str(pss, "level"), *ver = get_str(pss, "version");
  const char *fail_on = get_str(get_obj(s1->root, "gate"), "fail_on");
  const char *base = NULL;
  c->file = s1->in->name;
  if (!lvl || !ver || !fail_on || !get_opt_str(s1->meta, "base", &base))
    return fail(c, QG_EPARSE, "not a qgate JSON report (pss, gate or shard.base)");
  m->command = qg_xstrdup(get_str(s1->root, "command"));
  m->pss_level = qg_xstrdup(lvl);
  m->pss_version = qg_xstrdup(ver);
  m->base = base ? qg_xstrdup(base) : NULL;
  qg_fail_on fo = QG_FAIL_ON_DEFAULT;
  if (qg_gate_parse_fail_on(fail_on, &fo) != QG_OK)
    return fail(c, QG_EPARSE, "the gate's fail_on '%s' is not a severity", fail_on);
  m->fail_on = fo.min;
  m->fail_never = fo.never;
  if (strcmp(m->command, "scan") && strcmp(m->command, "k8s") && strcmp(m->command, "secrets"))
    return fail(c, QG_EUSAGE, "a report of 'qgate %s': only scan, k8s and secrets are sharded",
                m->command);
  qg_status st = read_rules(c, m, cJSON_GetObjectItemCaseSensitive(s1->meta, "rules"));
  if (st != QG_OK)
    return st;
  const cJSON *policy = get_obj(s1->meta, "policy"), *signals = get_obj(s1->meta, "signals");
  if (strcmp(m->command, "scan") == 0) {
    if (!policy || !signals)
      return fail(c, QG_EPARSE, "a scan's \"shard\" object has no policy or signals");
    m->scored = true;
    if ((st = read_policy(c, &m->policy, policy)) != QG_OK ||
        (st = read_signals(c, m, signals)) != QG_OK)
      return st;
    m->signals.findings = &m->result;
  }
  const cJSON *review = get_obj(s1->root, "review");
  if (review) {
    m->reviewed = true;
    if ((st = read_review(c, &m->review, review)) != QG_OK)
      return st;
  }
  bool rf = false;
  if (cJSON_GetObjectItemCaseSensitive(s1->meta, "review_failed") &&
      !get_bool(s1->meta, "review_failed", &rf))
    return fail(c, QG_EPARSE, "the \"shard\" object's review_failed is not valid");
  m->review_failed = rf;
  return QG_OK;
}

static void merged_init(qg_merged *m) {
  memset(m, 0, sizeof(*m));
  qg_result_init(&m->result);
  qg_strpool_init(&m->strings);
}

void qg_merged_cleanup(qg_merged *m) {
  qg_result_cleanup(&m->result);
  qg_ruleset_cleanup(&m->rules);
  free(m->command);
  free(m->pss_level);
  free(m->pss_version);
  free(m->base);
  qg_review_outcome_cleanup(&m->review);
  free(m->custom);
  qg_strpool_cleanup(&m->strings);
  memset(m, 0, sizeof(*m));
}

qg_status qg_merge(const qg_shard_input *in, size_t n, qg_merged *out, char **why) {
  merged_init(out);
  mctx c = {why, NULL};
  if (why)
    *why = NULL;
  if (!n)
    return fail(&c, QG_EUSAGE, "no reports to merge");
  shard *all = qg_xcalloc(n, sizeof(shard));
  shard *slots[QG_MAX_SHARDS] = {0};
  qg_status st = QG_OK;
  for (size_t i = 0; i < n && st == QG_OK; i++) {
    all[i].in = &in[i];
    c.file = in[i].name;
    st = read_shard(&c, &all[i]);
  }
  if (st == QG_OK)
    st = check_shards(&c, all, n, slots);
  if (st == QG_OK) {
    out->count = all[0].count;
    st = merge_settings(&c, out, slots[0]);
  }
  if (st == QG_OK)
    st = merge_results(&c, out, slots, out->count);
  for (size_t i = 0; i < n; i++)
    cJSON_Delete(all[i].root);
  free(all);
  return st;
}
