/* sarif_in.c: what SARIF 2.1.0 logs add to the score (see signals.h).
 *
 * A log of a million results took a gigabyte as one cJSON tree. So the
 * results are streamed: a light scan of the text finds each run's results
 * array; the rest of the log (tools, rules), with those arrays blanked out,
 * is parsed with cJSON, and then each result is parsed on its own, read and
 * freed. Memory is the text, its blanked copy and one result; the JSON values
 * outside the results and within one result are capped too (a dense log of
 * tiny values is the worst case for a tree). What is read goes into a local
 * qg_sarif_counts, added to the caller's only when the whole file is valid.
 * Problems name the JSON path of the offending value (cJSON keeps no
 * positions); syntax errors and caps name a line and column. */
#include "core/fs.h"
#include "core/mem.h"
#include "scoring/jsonin.h"
#include "scoring/signals.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_RESULTS QG_SARIF_MAX_RESULTS /* per file */
#define MAX_ERRORS 20                    /* per file; reading stops after that many */
#define MAX_DEPTH 1000                   /* nesting, as cJSON's own limit */
/* JSON values (about 100 bytes of memory each as cJSON nodes) outside the
 * results, and in one result */
#define MAX_OUTER_VALUES 1000000u
#define MAX_RESULT_VALUES 100000u

/* ---- the scan that finds the results arrays ------------------------------------------- */

/* The span of one run's results array in the text: [open, close] are the
 * offsets of its brackets; open == 0 when the run has none to stream. */
typedef struct span {
  size_t open, close;
} span;

typedef struct lex {
  const char *s;
  size_t n, i;
  size_t values; /* counted by skip_value */
} lex;

static void lex_ws(lex *z) {
  while (z->i < z->n &&
         (z->s[z->i] == ' ' || z->s[z->i] == '\t' || z->s[z->i] == '\n' || z->s[z->i] == '\r'))
    z->i++;
}

/* At '"': past the closing quote. The text of a key is [*k, *k + *kn). */
static bool lex_string(lex *z, size_t *k, size_t *kn) {
  size_t start = ++z->i;
  while (z->i < z->n) {
    char c = z->s[z->i++];
    if (c == '\\') {
      z->i++;
    } else if (c == '"') {
      if (k) {
        *k = start;
        *kn = z->i - 1 - start;
      }
      return z->i <= z->n;
    }
  }
  return false;
}

/* Skips one value, counting the values in it; false on malformed text (the
 * cJSON parse that follows says where) or nesting over MAX_DEPTH. */
static bool skip_value(lex *z, unsigned depth) {
  lex_ws(z);
  if (z->i >= z->n || depth > MAX_DEPTH)
    return false;
  z->values++;
  char c = z->s[z->i];
  if (c == '"')
    return lex_string(z, NULL, NULL);
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    z->i++;
    lex_ws(z);
    if (z->i < z->n && z->s[z->i] == close) {
      z->i++;
      return true;
    }
    for (;;) {
      if (c == '{') {
        lex_ws(z);
        if (z->i >= z->n || z->s[z->i] != '"' || !lex_string(z, NULL, NULL))
          return false;
        lex_ws(z);
        if (z->i >= z->n || z->s[z->i] != ':')
          return false;
        z->i++;
      }
      if (!skip_value(z, depth + 1))
        return false;
      lex_ws(z);
      if (z->i >= z->n)
        return false;
      if (z->s[z->i] == ',') {
        z->i++;
        continue;
      }
      if (z->s[z->i] != close)
        return false;
      z->i++;
      return true;
    }
  }
  size_t start = z->i; /* a number or a literal */
  while (z->i < z->n && !strchr(" \t\r\n,]}:\"[{", z->s[z->i]) && z->s[z->i])
    z->i++;
  return z->i > start;
}

static bool key_is(const lex *z, size_t k, size_t kn, const char *name) {
  return kn == strlen(name) && memcmp(z->s + k, name, kn) == 0;
}

/* Walks an object's members at z->i ('{' expected); for each, on_member is
 * called with the key and z->i at its value, and must skip the value. */
typedef bool (*member_fn)(lex *z, size_t k, size_t kn, void *ud);
static bool walk_object(lex *z, member_fn fn, void *ud) {
  lex_ws(z);
  if (z->i >= z->n || z->s[z->i] != '{')
    return false;
  z->values++;
  z->i++;
  lex_ws(z);
  if (z->i < z->n && z->s[z->i] == '}') {
    z->i++;
    return true;
  }
  for (;;) {
    size_t k = 0, kn = 0;
    lex_ws(z);
    if (z->i >= z->n || z->s[z->i] != '"' || !lex_string(z, &k, &kn))
      return false;
    lex_ws(z);
    if (z->i >= z->n || z->s[z->i] != ':')
      return false;
    z->i++;
    if (!fn(z, k, kn, ud))
      return false;
    lex_ws(z);
    if (z->i >= z->n)
      return false;
    if (z->s[z->i] == ',') {
      z->i++;
      continue;
    }
    if (z->s[z->i] != '}')
      return false;
    z->i++;
    return true;
  }
}

typedef struct outline {
  span *spans; /* one per run, in order */
  size_t nspans;
  bool have_runs, have_results; /* the first "runs" key; this run's first "results" */
  size_t results_values;        /* values inside the results arrays (not in the tree) */
} outline;

static bool on_run_member(lex *z, size_t k, size_t kn, void *ud) {
  outline *o = ud;
  lex_ws(z);
  /* only the first "results" key, as cJSON's lookup finds only that one */
  if (!o->have_results && key_is(z, k, kn, "results") && z->i < z->n && z->s[z->i] == '[') {
    o->have_results = true;
    size_t before = z->values, open = z->i;
    if (!skip_value(z, 3))
      return false;
    o->spans[o->nspans - 1] = (span){open, z->i - 1};
    o->results_values += z->values - before;
    z->values = before;
    return true;
  }
  if (key_is(z, k, kn, "results"))
    o->have_results = true;
  return skip_value(z, 3);
}

static bool on_log_member(lex *z, size_t k, size_t kn, void *ud) {
  outline *o = ud;
  bool first_runs = !o->have_runs && key_is(z, k, kn, "runs");
  if (key_is(z, k, kn, "runs"))
    o->have_runs = true;
  lex_ws(z);
  if (!first_runs || z->i >= z->n || z->s[z->i] != '[')
    return skip_value(z, 1);
  z->values++;
  z->i++;
  lex_ws(z);
  if (z->i < z->n && z->s[z->i] == ']') {
    z->i++;
    return true;
  }
  for (;;) {
    o->spans = qg_xrealloc(o->spans, (o->nspans + 1) * sizeof(*o->spans));
    o->spans[o->nspans++] = (span){0, 0};
    o->have_results = false;
    lex_ws(z);
    bool ok =
        z->i < z->n && z->s[z->i] == '{' ? walk_object(z, on_run_member, o) : skip_value(z, 2);
    if (!ok)
      return false;
    lex_ws(z);
    if (z->i >= z->n)
      return false;
    if (z->s[z->i] == ',') {
      z->i++;
      continue;
    }
    if (z->s[z->i] != ']')
      return false;
    z->i++;
    return true;
  }
}

/* 1-based line and column (in characters) of offset off in s. */
static void line_col(const char *s, size_t off, uint32_t *line, uint32_t *col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < off; i++) {
    if (s[i] == '\n') {
      (*line)++;
      *col = 1;
    } else if (((unsigned char)s[i] & 0xC0) != 0x80) {
      (*col)++;
    }
  }
}

/* A JSON path, built on the stack as the reader descends and only turned
 * into text for a message: a key (key != NULL) or an array index. */
typedef struct jpath {
  const struct jpath *up;
  const char *key;
  size_t index;
} jpath;

typedef struct ctx {
  qg_result *diags;
  const char *label;
  size_t errors;
  bool stopped;      /* MAX_ERRORS reached: read no further */
  const char *text;  /* the whole log, for the streamed results */
  const span *spans; /* run i's results array in text, when i < nspans and open != 0 */
  size_t nspans;
} ctx;

static void fail_at(ctx *x, size_t off, const char *fmt, ...) QG_PRINTF(3, 4);

typedef enum jkind { J_STRING, J_NUMBER, J_ARRAY, J_OBJECT } jkind;

typedef enum level { LV_UNSET, LV_NONE, LV_NOTE, LV_WARNING, LV_ERROR } level;

/* What a rule (reportingDescriptor) contributes to its results. */
typedef struct rule_info {
  const char *id; /* borrowed from the cJSON tree; NULL = none */
  level lv;       /* defaultConfiguration.level */
  double score;   /* properties["security-severity"]; < 0 = none */
} rule_info;

typedef struct rule_key {
  const char *id;
  size_t index;
} rule_key;

/* A tool component's rules: in index order, and sorted by id for ruleId. */
typedef struct component {
  const char *name; /* borrowed; NULL = none */
  rule_info *rules;
  size_t n;
  rule_key *byid;
  size_t nid;
} component;

static bool is_ident(const char *s) {
  if (!*s || isdigit((unsigned char)*s))
    return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_' && *s != '$')
      return false;
  return true;
}

static void put_path(qg_buf *b, const jpath *p) {
  if (!p)
    return;
  put_path(b, p->up);
  if (!p->key)
    (void)qg_buf_printf(b, "[%zu]", p->index);
  else if (is_ident(p->key))
    (void)qg_buf_printf(b, "%s%s", b->len ? "." : "", p->key);
  else
    (void)qg_buf_printf(b, "[\"%s\"]", p->key);
}

static void fail(ctx *x, const jpath *at, const char *fmt, ...) QG_PRINTF(3, 4);
static void fail(ctx *x, const jpath *at, const char *fmt, ...) {
  if (x->stopped)
    return;
  va_list ap;
  va_start(ap, fmt);
  char *msg = qg_xvasprintf(fmt, ap);
  va_end(ap);
  qg_buf b;
  qg_buf_init(&b, 0);
  put_path(&b, at);
  qg_location loc = {x->label, 0, 0, 0, 0};
  if (b.len)
    qg_result_diag(x->diags, QG_DIAG_ERROR, QG_EPARSE, &loc, "%s: %s", b.data, msg);
  else
    qg_result_diag(x->diags, QG_DIAG_ERROR, QG_EPARSE, &loc, "%s", msg);
  qg_buf_cleanup(&b);
  free(msg);
  if (++x->errors == MAX_ERRORS) {
    qg_result_diag(x->diags, QG_DIAG_ERROR, QG_EPARSE, &loc,
                   "too many errors, stopped reading after %d", MAX_ERRORS);
    x->stopped = true;
  }
}

/* An error at a place in the text: label:line:col. */
static void fail_at(ctx *x, size_t off, const char *fmt, ...) {
  if (x->stopped)
    return;
  va_list ap;
  va_start(ap, fmt);
  char *msg = qg_xvasprintf(fmt, ap);
  va_end(ap);
  qg_location loc = {x->label, 0, 0, 0, 0};
  line_col(x->text, off, &loc.line, &loc.col);
  qg_result_diag(x->diags, QG_DIAG_ERROR, QG_EPARSE, &loc, "%s", msg);
  free(msg);
  if (++x->errors == MAX_ERRORS)
    x->stopped = true;
}

static bool is_kind(const cJSON *v, jkind k) {
  switch (k) {
  case J_STRING:
    return cJSON_IsString(v) && v->valuestring;
  case J_NUMBER:
    return cJSON_IsNumber(v);
  case J_ARRAY:
    return cJSON_IsArray(v);
  case J_OBJECT:
    return cJSON_IsObject(v);
  }
  return false;
}

static const char *kind_name(jkind k) {
  return k == J_STRING   ? "a string"
         : k == J_NUMBER ? "a number"
         : k == J_ARRAY  ? "an array"
                         : "an object";
}

static void expected(ctx *x, const jpath *at, const cJSON *v, jkind k) {
  fail(x, at, "expected %s, got %s", kind_name(k), qg_json_type_name(v));
}

/* obj[key] when present and of kind k; NULL when absent, or (with an error)
 * when of another kind. */
static const cJSON *opt(ctx *x, const cJSON *obj, const jpath *at, const char *key, jkind k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v || is_kind(v, k))
    return v;
  jpath p = {at, key, 0};
  expected(x, &p, v, k);
  return NULL;
}

/* Like opt for a member SARIF requires: its absence is an error too. */
static const cJSON *req(ctx *x, const cJSON *obj, const jpath *at, const char *key, jkind k) {
  const cJSON *v = opt(x, obj, at, key, k);
  if (!v && !cJSON_GetObjectItemCaseSensitive(obj, key)) {
    jpath p = {at, key, 0};
    fail(x, &p, "missing (required by SARIF)");
  }
  return v;
}

/* obj[key] as a string from names[] (NULL-terminated); returns its index,
 * or -1 when absent or invalid (with an error). */
static int get_enum(ctx *x, const cJSON *obj, const jpath *at, const char *key,
                    const char *const *names, const char *expect) {
  const cJSON *v = opt(x, obj, at, key, J_STRING);
  if (!v)
    return -1;
  for (int i = 0; names[i]; i++)
    if (strcmp(v->valuestring, names[i]) == 0)
      return i;
  jpath p = {at, key, 0};
  char *q = qg_json_quoted(v->valuestring);
  fail(x, &p, "expected %s, got %s", expect, q);
  free(q);
  return -1;
}

static level get_level(ctx *x, const cJSON *obj, const jpath *at) {
  static const char *const names[] = {"none", "note", "warning", "error", NULL};
  static const level levels[] = {LV_NONE, LV_NOTE, LV_WARNING, LV_ERROR};
  int i = get_enum(x, obj, at, "level", names, "\"error\", \"warning\", \"note\" or \"none\"");
  return i < 0 ? LV_UNSET : levels[i];
}

/* obj[key] as an array index; -1 when absent, -1 (SARIF's "no index") or
 * invalid (with an error). */
static long long get_index(ctx *x, const cJSON *obj, const jpath *at, const char *key) {
  const cJSON *v = opt(x, obj, at, key, J_NUMBER);
  if (!v)
    return -1;
  double d = v->valuedouble;
  if (d >= -1 && d <= 1e15 && d == (double)(long long)d)
    return (long long)d;
  jpath p = {at, key, 0};
  fail(x, &p, "expected an integer index, got %g", d);
  return -1;
}

/* The text of a JSON number ("7.5", "10", "0"); cJSON converts it so that
 * the conversion is the same as for a number value. */
static bool score_text(const char *s, double *out) {
  const char *p = s;
  if (*p == '-')
    p++;
  if (!isdigit((unsigned char)*p))
    return false;
  while (isdigit((unsigned char)*p))
    p++;
  if (*p == '.') {
    p++;
    if (!isdigit((unsigned char)*p))
      return false;
    while (isdigit((unsigned char)*p))
      p++;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-')
      p++;
    if (!isdigit((unsigned char)*p))
      return false;
    while (isdigit((unsigned char)*p))
      p++;
  }
  if (*p)
    return false;
  size_t len = (size_t)(p - s);
  const char *end = NULL;
  cJSON *n = cJSON_ParseWithLengthOpts(s, len, &end, 0);
  bool ok = cJSON_IsNumber(n) && end == s + len;
  if (ok)
    *out = n->valuedouble;
  cJSON_Delete(n);
  return ok;
}

/* props["security-severity"] as a score in [0, 10]; -1 when absent or
 * invalid (with an error). */
static double get_score(ctx *x, const cJSON *props, const jpath *at) {
  static const char key[] = "security-severity";
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(props, key);
  if (!v)
    return -1;
  jpath p = {at, key, 0};
  double d = 0;
  if (cJSON_IsNumber(v)) {
    d = v->valuedouble;
    if (isfinite(d) && d >= 0 && d <= 10)
      return d;
    fail(x, &p, "expected a score from 0 to 10, got %g", d);
  } else if (cJSON_IsString(v) && v->valuestring) {
    if (score_text(v->valuestring, &d) && isfinite(d) && d >= 0 && d <= 10)
      return d;
    char *q = qg_json_quoted(v->valuestring);
    fail(x, &p, "expected a score from 0 to 10, got %s", q);
    free(q);
  } else {
    fail(x, &p, "expected a score from 0 to 10 (a number or a string), got %s",
         qg_json_type_name(v));
  }
  return -1;
}

static qg_severity bucket(double score) {
  return score >= 9.0   ? QG_SEV_CRITICAL
         : score >= 7.0 ? QG_SEV_HIGH
         : score >= 4.0 ? QG_SEV_MEDIUM
         : score > 0    ? QG_SEV_LOW
                        : QG_SEV_INFO;
}

static bool is_secret_scanner(const char *name) {
  static const char *const names[] = {"gitleaks", "trufflehog", "detect-secrets"};
  for (size_t i = 0; i < QG_ARRAY_LEN(names); i++)
    if (strcasecmp(name, names[i]) == 0)
      return true;
  return false;
}

/* ---- rules -------------------------------------------------------------------------- */

static int cmp_key(const void *a, const void *b) {
  const rule_key *x = a, *y = b;
  int c = strcmp(x->id, y->id);
  return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* The rule with this id (the first of equal ids), or NULL. */
static const rule_info *find_rule(const component *c, const char *id) {
  size_t lo = 0, hi = c->nid;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(c->byid[mid].id, id) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < c->nid && strcmp(c->byid[lo].id, id) == 0 ? &c->rules[c->byid[lo].index] : NULL;
}

/* Reads a toolComponent's name and rules (at is the component's path). */
static void load_component(ctx *x, const cJSON *obj, const jpath *at, component *out) {
  memset(out, 0, sizeof(*out));
  const cJSON *name = opt(x, obj, at, "name", J_STRING);
  out->name = name ? name->valuestring : NULL;
  const cJSON *rules = opt(x, obj, at, "rules", J_ARRAY);
  if (!rules)
    return;
  jpath rp = {at, "rules", 0};
  size_t n = 0;
  for (const cJSON *r = rules->child; r; r = r->next)
    n++;
  out->rules = qg_xcalloc(n ? n : 1, sizeof(*out->rules));
  out->byid = qg_xcalloc(n ? n : 1, sizeof(*out->byid));
  out->n = n;
  size_t i = 0;
  for (const cJSON *r = rules->child; r && !x->stopped; r = r->next, i++) {
    jpath ip = {&rp, NULL, i};
    rule_info *ri = &out->rules[i];
    ri->score = -1;
    if (!cJSON_IsObject(r)) {
      expected(x, &ip, r, J_OBJECT);
      continue;
    }
    const cJSON *id = opt(x, r, &ip, "id", J_STRING);
    if (id) {
      ri->id = id->valuestring;
      out->byid[out->nid].id = ri->id;
      out->byid[out->nid].index = i;
      out->nid++;
    }
    const cJSON *dc = opt(x, r, &ip, "defaultConfiguration", J_OBJECT);
    if (dc) {
      jpath dp = {&ip, "defaultConfiguration", 0};
      ri->lv = get_level(x, dc, &dp);
    }
    const cJSON *props = opt(x, r, &ip, "properties", J_OBJECT);
    if (props) {
      jpath pp = {&ip, "properties", 0};
      ri->score = get_score(x, props, &pp);
    }
  }
  qsort(out->byid, out->nid, sizeof(*out->byid), cmp_key);
}

/* ---- results ------------------------------------------------------------------------ */

typedef struct run_info {
  component *comps; /* [0] the driver, then tool.extensions in order */
  size_t ncomps;
  bool secret;
} run_info;

/* The component holding a result's rule: the driver unless result.rule
 * names an extension. NULL when the reference matches no component. */
static const component *rule_component(ctx *x, const run_info *run, const cJSON *rule,
                                       const jpath *rule_at) {
  const cJSON *tc = rule ? opt(x, rule, rule_at, "toolComponent", J_OBJECT) : NULL;
  if (!tc)
    return &run->comps[0];
  jpath tp = {rule_at, "toolComponent", 0};
  long long idx = get_index(x, tc, &tp, "index");
  if (idx >= 0) {
    if ((unsigned long long)idx < run->ncomps - 1)
      return &run->comps[1 + idx];
    jpath ip = {&tp, "index", 0};
    fail(x, &ip, "no tool.extensions[%lld] in this run (it has %zu)", idx, run->ncomps - 1);
    return NULL;
  }
  const cJSON *name = opt(x, tc, &tp, "name", J_STRING);
  if (name)
    for (size_t i = 0; i < run->ncomps; i++)
      if (run->comps[i].name && strcmp(run->comps[i].name, name->valuestring) == 0)
        return &run->comps[i];
  return NULL;
}

static void read_result(ctx *x, const run_info *run, const cJSON *res, const jpath *at,
                        qg_sarif_counts *c) {
  if (!cJSON_IsObject(res)) {
    expected(x, at, res, J_OBJECT);
    return;
  }
  static const char *const kinds[] = {"fail",          "pass", "notApplicable", "review", "open",
                                      "informational", NULL};
  int kind = get_enum(x, res, at, "kind", kinds,
                      "\"fail\", \"pass\", \"notApplicable\", \"review\", \"open\" or "
                      "\"informational\"");
  bool counted = kind <= 0; /* absent (or invalid) = "fail" */

  const cJSON *sups = opt(x, res, at, "suppressions", J_ARRAY);
  if (sups) {
    static const char *const statuses[] = {"accepted", "underReview", "rejected", NULL};
    jpath sp = {at, "suppressions", 0};
    size_t j = 0;
    for (const cJSON *s = sups->child; s; s = s->next, j++) {
      jpath ip = {&sp, NULL, j};
      if (!cJSON_IsObject(s)) {
        expected(x, &ip, s, J_OBJECT);
        continue;
      }
      bool has_status = cJSON_GetObjectItemCaseSensitive(s, "status") != NULL;
      int st =
          get_enum(x, s, &ip, "status", statuses, "\"accepted\", \"underReview\" or \"rejected\"");
      if (!has_status || st == 0)
        counted = false; /* an accepted suppression */
    }
  }

  static const char *const states[] = {"new", "unchanged", "updated", "absent", NULL};
  int state = get_enum(x, res, at, "baselineState", states,
                       "\"new\", \"unchanged\", \"updated\" or \"absent\"");
  if (state == 1 || state == 3)
    counted = false; /* there before the change */

  /* the rule: ruleIndex, else rule.index, else ruleId, else rule.id */
  const cJSON *rule = opt(x, res, at, "rule", J_OBJECT);
  jpath rp = {at, "rule", 0};
  const cJSON *rule_id = opt(x, res, at, "ruleId", J_STRING);
  const cJSON *rule_rid = rule ? opt(x, rule, &rp, "id", J_STRING) : NULL;
  const component *comp = rule_component(x, run, rule, &rp);
  const rule_info *ri = NULL;
  long long idx = get_index(x, res, at, "ruleIndex");
  jpath ip = {at, "ruleIndex", 0};
  if (idx < 0 && rule) {
    idx = get_index(x, rule, &rp, "index");
    ip.up = &rp;
    ip.key = "index";
  }
  if (idx >= 0 && comp) {
    if ((unsigned long long)idx < comp->n)
      ri = &comp->rules[idx];
    else
      fail(x, &ip, "rule index %lld is out of range (the tool component has %zu rules)", idx,
           comp->n);
  } else if (comp && (rule_id || rule_rid)) {
    ri = find_rule(comp, rule_id ? rule_id->valuestring : rule_rid->valuestring);
  }

  const cJSON *props = opt(x, res, at, "properties", J_OBJECT);
  double score = -1;
  if (props) {
    jpath pp = {at, "properties", 0};
    score = get_score(x, props, &pp);
  }
  if (score < 0 && ri)
    score = ri->score;
  level lv = get_level(x, res, at);
  if (lv == LV_UNSET && ri)
    lv = ri->lv;
  if (lv == LV_UNSET)
    lv = LV_WARNING;

  if (!counted)
    return;
  if (run->secret)
    c->secrets++;
  else if (score >= 0)
    c->security[bucket(score)]++;
  else if (lv == LV_ERROR || lv == LV_WARNING)
    c->lint++;
}

static void read_run(ctx *x, const cJSON *run, const jpath *at, qg_sarif_counts *c) {
  if (!cJSON_IsObject(run)) {
    expected(x, at, run, J_OBJECT);
    return;
  }
  const cJSON *tool = req(x, run, at, "tool", J_OBJECT);
  if (!tool)
    return;
  jpath tp = {at, "tool", 0};
  const cJSON *driver = req(x, tool, &tp, "driver", J_OBJECT);
  if (!driver)
    return;
  jpath dp = {&tp, "driver", 0};
  const cJSON *name = req(x, driver, &dp, "name", J_STRING);
  if (!name)
    return;
  const cJSON *exts = opt(x, tool, &tp, "extensions", J_ARRAY);
  size_t next = 0;
  for (const cJSON *e = exts ? exts->child : NULL; e; e = e->next)
    next++;

  run_info ri = {qg_xcalloc(1 + next, sizeof(component)), 1 + next,
                 is_secret_scanner(name->valuestring)};
  load_component(x, driver, &dp, &ri.comps[0]);
  jpath ep = {&tp, "extensions", 0};
  size_t i = 0;
  for (const cJSON *e = exts ? exts->child : NULL; e && !x->stopped; e = e->next, i++) {
    jpath eip = {&ep, NULL, i};
    if (cJSON_IsObject(e))
      load_component(x, e, &eip, &ri.comps[1 + i]);
    else
      expected(x, &eip, e, J_OBJECT);
  }

  const cJSON *results = opt(x, run, at, "results", J_ARRAY);
  jpath rp = {at, "results", 0};
  i = 0;
  const span *sp = at && !at->key && at->index < x->nspans && x->spans[at->index].open
                       ? &x->spans[at->index]
                       : NULL;
  if (results && sp) { /* streamed: one result parsed at a time */
    lex z = {x->text, sp->close, sp->open + 1, 0};
    lex_ws(&z);
    while (z.i < z.n && !x->stopped) {
      if (c->results >= MAX_RESULTS) {
        jpath ip = {&rp, NULL, i};
        fail(x, &ip, "more than %u results in the file", MAX_RESULTS);
        break;
      }
      size_t start = z.i;
      z.values = 0;
      if (!skip_value(&z, 4)) { /* the outline scan read it: not reached */
        fail_at(x, start, "invalid JSON");
        break;
      }
      if (z.values > MAX_RESULT_VALUES) {
        fail_at(x, start, "a result of more than %u JSON values", MAX_RESULT_VALUES);
        break;
      }
      const char *end = NULL;
      cJSON *r = cJSON_ParseWithLengthOpts(x->text + start, z.i - start, &end, 0);
      if (!r) { /* what the outline scan let through: a bad literal, escape or byte */
        size_t bad = end && end >= x->text + start ? (size_t)(end - x->text) : start;
        uint32_t line, col;
        line_col(x->text, bad, &line, &col);
        fail_at(x, bad, "invalid JSON near line %u, column %u", (unsigned)line, (unsigned)col);
        break;
      }
      c->results++;
      jpath ip = {&rp, NULL, i++};
      read_result(x, &ri, r, &ip, c);
      cJSON_Delete(r);
      lex_ws(&z);
      if (z.i < z.n && z.s[z.i] == ',')
        z.i++;
      lex_ws(&z);
    }
  }
  for (const cJSON *r = results ? results->child : NULL; r && !x->stopped; r = r->next, i++) {
    if (c->results >= MAX_RESULTS) {
      fail(x, &rp, "more than %u results in the file", MAX_RESULTS);
      break;
    }
    c->results++;
    jpath ip = {&rp, NULL, i};
    read_result(x, &ri, r, &ip, c);
  }

  for (size_t k = 0; k < ri.ncomps; k++) {
    free(ri.comps[k].rules);
    free(ri.comps[k].byid);
  }
  free(ri.comps);
}

static void read_log(ctx *x, const cJSON *root, qg_sarif_counts *c) {
  if (!cJSON_IsObject(root)) {
    fail(x, NULL, "expected a SARIF log (a JSON object), got %s", qg_json_type_name(root));
    return;
  }
  const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "version");
  jpath vp = {NULL, "version", 0};
  if (!version) {
    fail(x, &vp, "missing (expected \"2.1.0\")");
    return;
  }
  if (!cJSON_IsString(version) || !version->valuestring) {
    fail(x, &vp, "expected \"2.1.0\", got %s", qg_json_type_name(version));
    return;
  }
  if (strcmp(version->valuestring, "2.1.0") != 0) {
    char *q = qg_json_quoted(version->valuestring);
    fail(x, &vp, "expected \"2.1.0\", got %s (only SARIF 2.1.0 is read)", q);
    free(q);
    return;
  }
  const cJSON *runs = req(x, root, NULL, "runs", J_ARRAY);
  if (!runs)
    return;
  jpath rp = {NULL, "runs", 0};
  size_t i = 0;
  for (const cJSON *run = runs->child; run && !x->stopped; run = run->next, i++) {
    jpath ip = {&rp, NULL, i};
    read_run(x, run, &ip, c);
  }
}

/* ---- entry points ------------------------------------------------------------------- */

qg_status qg_sarif_import_buffer(const char *label, const char *buf, size_t len, qg_sarif_counts *c,
                                 qg_result *diags) {
  ctx x = {diags, label, 0, false, buf, NULL, 0};
  /* The outline: where each run's results are. The text without them (blanked
   * with spaces, line breaks kept, so positions hold) is parsed whole; a text
   * the scan cannot follow is parsed as it is, for cJSON to say where it is
   * wrong. */
  size_t off = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  lex z = {buf, len, off, 0};
  outline o = {0};
  bool outlined = walk_object(&z, on_log_member, &o);
  lex_ws(&z);
  outlined = outlined && z.i == len;
  char *skel = NULL;
  if (outlined) {
    if (z.values > MAX_OUTER_VALUES) {
      free(o.spans);
      fail_at(&x, 0, "more than %u JSON values outside the results: the file was not read",
              MAX_OUTER_VALUES);
      return QG_EPARSE;
    }
    skel = qg_xmalloc(len + 1);
    memcpy(skel, buf, len);
    skel[len] = '\0';
    for (size_t i = 0; i < o.nspans; i++)
      for (size_t k = o.spans[i].open + 1; o.spans[i].open && k < o.spans[i].close; k++)
        if (skel[k] != '\n')
          skel[k] = ' ';
    x.spans = o.spans;
    x.nspans = o.nspans;
  }
  cJSON *root = qg_json_parse(diags, label, skel ? skel : buf, len);
  free(skel);
  if (!root) {
    free(o.spans);
    return QG_EPARSE;
  }
  qg_sarif_counts local;
  memset(&local, 0, sizeof(local));
  read_log(&x, root, &local);
  cJSON_Delete(root);
  free(o.spans);
  if (x.errors)
    return QG_EPARSE;
  c->files++;
  c->results += local.results;
  c->lint += local.lint;
  for (size_t i = 0; i < QG__SEV_COUNT; i++)
    c->security[i] += local.security[i];
  c->secrets += local.secrets;
  return QG_OK;
}

qg_status qg_sarif_import(const char *path, qg_sarif_counts *c, qg_result *diags) {
  unsigned char *buf = NULL;
  size_t len = 0;
  qg_status st = qg_signal_read_max(path, QG_SARIF_MAX_BYTES, &buf, &len, diags);
  if (st == QG_OK)
    st = qg_sarif_import_buffer(path, (const char *)buf, len, c, diags);
  free(buf);
  return st;
}
