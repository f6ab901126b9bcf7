/* sarif.c: SARIF 2.1.0 as GitHub code scanning accepts it.
 *
 * Every result carries its real region (never a line-1 fallback), rules carry
 * full descriptions, help in text and Markdown, and security-severity, and
 * results carry partialFingerprints that do not depend on line numbers. */
#include "reporters/reporter.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QG_INFO_URI "https://github.com/qgate-dev/qgate"

static const char *level_for(qg_severity s) {
  return s >= QG_SEV_HIGH ? "error" : s == QG_SEV_MEDIUM ? "warning" : "note";
}

/* SARIF wants plain-text messages to be sentences ending with a period. */
static char *sentence(const char *s) {
  size_t n = strlen(s);
  if (n && s[n - 1] == '.')
    return qg_xstrdup(s);
  return qg_xasprintf("%s.", s);
}

static void add_text(cJSON *o, const char *key, const char *text) {
  cJSON *m = cJSON_AddObjectToObject(o, key);
  char *t = sentence(text);
  cJSON_AddStringToObject(m, "text", t);
  free(t);
}

/* Percent-encodes what a relative URI reference may not hold. Caller frees. */
static bool uri_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c && strchr("/-._~!$&'()*+,;=:@", c));
}

static char *uri_path(const char *path) {
  qg_buf b;
  qg_buf_init(&b, 0);
  for (const unsigned char *p = (const unsigned char *)path; *p;) {
    const unsigned char *run = p;
    while (*p && uri_char(*p))
      p++;
    (void)qg_buf_append(&b, (const char *)run, (size_t)(p - run));
    if (*p)
      (void)qg_buf_printf(&b, "%%%02X", *p++);
  }
  return qg_buf_detach(&b);
}

static cJSON *location(const qg_location *loc, int with_region) {
  cJSON *l = cJSON_CreateObject();
  cJSON *pl = cJSON_AddObjectToObject(l, "physicalLocation");
  cJSON *al = cJSON_AddObjectToObject(pl, "artifactLocation");
  const char *path = loc->path ? loc->path : "";
  if (strcmp(path, "<stdin>") == 0)
    path = "stdin";
  char *u;
  if (path[0] == '/') {
    char *enc = uri_path(path);
    u = qg_xasprintf("file://%s", enc);
    free(enc);
  } else {
    u = uri_path(path);
    cJSON_AddStringToObject(al, "uriBaseId", "%SRCROOT%");
  }
  cJSON_AddStringToObject(al, "uri", u);
  free(u);
  if (with_region && loc->line) {
    cJSON *rg = cJSON_AddObjectToObject(pl, "region");
    cJSON_AddNumberToObject(rg, "startLine", loc->line);
    if (loc->col)
      cJSON_AddNumberToObject(rg, "startColumn", loc->col);
    if (loc->end_line >= loc->line && loc->end_line) {
      cJSON_AddNumberToObject(rg, "endLine", loc->end_line);
      if (loc->end_col && (loc->end_line > loc->line || loc->end_col > loc->col))
        cJSON_AddNumberToObject(rg, "endColumn", loc->end_col);
    }
  }
  return l;
}

static cJSON *rule_json(const qg_rule *r, qg_severity sev) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "id", r->id);
  cJSON_AddStringToObject(o, "name", r->name);
  add_text(o, "shortDescription", r->title);
  add_text(o, "fullDescription", r->help);
  cJSON *help = cJSON_AddObjectToObject(o, "help");
  char *text = qg_xasprintf("%s\n\nRemediation: %s%s%s", r->help, r->remediation,
                            r->example ? "\n\nExample:\n" : "", r->example ? r->example : "");
  cJSON_AddStringToObject(help, "text", text);
  free(text);
  char *md = qg_xasprintf("**%s**\n\n%s\n\n**Remediation:** %s%s%s%s\n\n[Documentation](%s)",
                          r->title, r->help, r->remediation, r->example ? "\n\n```yaml\n" : "",
                          r->example ? r->example : "", r->example ? "\n```" : "", r->help_uri);
  cJSON_AddStringToObject(help, "markdown", md);
  free(md);
  cJSON_AddStringToObject(o, "helpUri", r->help_uri);
  cJSON *dc = cJSON_AddObjectToObject(o, "defaultConfiguration");
  cJSON_AddStringToObject(dc, "level", level_for(sev));
  cJSON *props = cJSON_AddObjectToObject(o, "properties");
  cJSON *tags = cJSON_AddArrayToObject(props, "tags");
  cJSON_AddItemToArray(tags, cJSON_CreateString("security"));
  cJSON_AddItemToArray(tags, cJSON_CreateString("kubernetes"));
  char group[32];
  qg_rule_group(r, group, sizeof(group));
  cJSON_AddItemToArray(tags, cJSON_CreateString(group));
  if (r->flags & QG_RULE_BASELINE)
    cJSON_AddItemToArray(tags, cJSON_CreateString("pss-baseline"));
  if (r->flags & QG_RULE_RESTRICTED)
    cJSON_AddItemToArray(tags, cJSON_CreateString("pss-restricted"));
  cJSON_AddStringToObject(props, "security-severity", qg_security_severity(sev));
  cJSON_AddStringToObject(props, "precision", "very-high");
  cJSON_AddStringToObject(props, "problem.severity",
                          sev >= QG_SEV_HIGH     ? "error"
                          : sev == QG_SEV_MEDIUM ? "warning"
                                                 : "recommendation");
  cJSON_AddStringToObject(props, "qgate-severity", qg_severity_name(sev));
  return o;
}

typedef struct results_ctx {
  const qg_report *rep;
  const qg_ruleset *rs;
  const long *index;  /* ruleIndex of each rule of rs, -1 when not listed */
  const size_t *keep; /* the findings written, in report order; NULL: all */
} results_ctx;

void qg_sarif_cap_plan(const qg_report *rep, size_t max, qg_sarif_cap *cap) {
  const qg_result *r = rep->result;
  memset(cap, 0, sizeof(*cap));
  size_t by[QG__SEV_COUNT] = {0};
  for (size_t i = 0; i < r->findings.n; i++)
    by[(unsigned)r->findings.items[i].severity < QG__SEV_COUNT ? r->findings.items[i].severity
                                                               : QG_SEV_INFO]++;
  cap->limit = max;
  cap->total = r->findings.n;
  size_t room = max;
  for (int s = QG__SEV_COUNT - 1; s >= 0; s--) {
    cap->kept_by[s] = by[s] < room ? by[s] : room;
    cap->dropped_by[s] = by[s] - cap->kept_by[s];
    room -= cap->kept_by[s];
    cap->kept += cap->kept_by[s];
    cap->dropped += cap->dropped_by[s];
  }
}

char *qg_sarif_cap_warning(const qg_sarif_cap *cap) {
  if (!cap->dropped)
    return NULL;
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_printf(&b,
                      "%zu results are over GitHub code scanning's limit of %zu per run: kept the "
                      "%zu most severe, left out %zu (",
                      cap->total, cap->limit, cap->kept, cap->dropped);
  const char *sep = "";
  for (int s = QG__SEV_COUNT - 1; s >= 0; s--)
    if (cap->dropped_by[s]) {
      (void)qg_buf_printf(&b, "%s%zu %s", sep, cap->dropped_by[s],
                          qg_severity_name((qg_severity)s));
      sep = ", ";
    }
  (void)qg_buf_puts(&b, ")");
  return qg_buf_detach(&b);
}

const char *qg_sarif_category_invalid(const char *category) {
  size_t n = strlen(category), slashes = 0;
  if (!n)
    return "it is empty";
  if (n > QG_SARIF_CATEGORY_MAX)
    return "it is longer than 200 characters";
  for (const unsigned char *p = (const unsigned char *)category; *p; p++) {
    if (*p < 0x21 || *p > 0x7e)
      return "it may hold printable ASCII characters only, no space";
    slashes += *p == '/';
  }
  return slashes == n ? "it is only '/'" : NULL;
}

/* One finding as a SARIF result. */
static cJSON *result_json(const void *ud, size_t i) {
  const results_ctx *c = ud;
  const qg_result *r = c->rep->result;
  const qg_finding *f = &r->findings.items[c->keep ? c->keep[i] : i];
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "ruleId", f->rule->id);
  size_t k = c->rs ? qg_ruleset_index(c->rs, f->rule) : (size_t)-1;
  if (k != (size_t)-1 && c->index[k] >= 0)
    cJSON_AddNumberToObject(o, "ruleIndex", (double)c->index[k]);
  cJSON_AddStringToObject(o, "level", level_for(f->severity));
  add_text(o, "message", f->message);
  cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "locations"), location(&f->loc, 1));
  char fp[17];
  qg_finding_fingerprint(f, fp);
  cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "partialFingerprints"), "qgate/v1", fp);
  if (f->fix && f->loc.path && strcmp(f->loc.path, "<stdin>") != 0) {
    cJSON *fx = cJSON_CreateObject();
    add_text(fx, "description", f->fix->description);
    cJSON *change = cJSON_CreateObject();
    cJSON *loc = location(&f->loc, 0);
    cJSON *al = cJSON_DetachItemFromObject(cJSON_GetObjectItem(loc, "physicalLocation"),
                                           "artifactLocation");
    cJSON_Delete(loc);
    cJSON_AddItemToObject(change, "artifactLocation", al);
    cJSON *reps = cJSON_AddArrayToObject(change, "replacements");
    for (size_t ei = 0; ei < f->fix->n; ei++) {
      const qg_edit *e = &f->fix->edits[ei];
      cJSON *rp = cJSON_CreateObject();
      cJSON *dr = cJSON_AddObjectToObject(rp, "deletedRegion");
      cJSON_AddNumberToObject(dr, "startLine", e->line);
      cJSON_AddNumberToObject(dr, "startColumn", e->col);
      cJSON_AddNumberToObject(dr, "endLine", e->end_line);
      cJSON_AddNumberToObject(dr, "endColumn", e->end_col);
      cJSON_AddStringToObject(cJSON_AddObjectToObject(rp, "insertedContent"), "text", e->text);
      cJSON_AddItemToArray(reps, rp);
    }
    cJSON_AddItemToArray(cJSON_AddArrayToObject(fx, "artifactChanges"), change);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "fixes"), fx);
  }
  if (f->suppressed_by) {
    /* in-source: an annotation in the manifest; external: configuration */
    cJSON *sup = cJSON_CreateObject();
    cJSON_AddStringToObject(sup, "kind", f->suppressed_by[0] == '.' ? "external" : "inSource");
    cJSON_AddStringToObject(sup, "status", "accepted");
    char *j = qg_xasprintf("%s%s%s", f->suppressed_by, f->justification ? ": " : "",
                           f->justification ? f->justification : "");
    cJSON_AddStringToObject(sup, "justification", j);
    free(j);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "suppressions"), sup);
  }
  if (c->rep->base)
    cJSON_AddStringToObject(o, "baselineState", f->in_base ? "unchanged" : "new");
  cJSON *props = cJSON_AddObjectToObject(o, "properties");
  cJSON_AddStringToObject(props, "severity", qg_severity_name(f->severity));
  if (f->ctx.kind) {
    char *obj =
        qg_xasprintf("%s%s%s/%s", f->ctx.kind, f->ctx.namespace_ ? " " : "",
                     f->ctx.namespace_ ? f->ctx.namespace_ : "", f->ctx.name ? f->ctx.name : "");
    cJSON_AddStringToObject(props, "object", obj);
    free(obj);
  }
  if (f->ctx.container)
    cJSON_AddStringToObject(props, "container", f->ctx.container);
  if (f->ctx.field)
    cJSON_AddStringToObject(props, "field", f->ctx.field);
  return o;
}

qg_status qg_report_sarif(FILE *out, const qg_report *rep) {
  const qg_result *r = rep->result;
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
  cJSON_AddStringToObject(root, "version", "2.1.0");
  cJSON *runs = cJSON_AddArrayToObject(root, "runs");
  cJSON *run = cJSON_CreateObject();
  cJSON_AddItemToArray(runs, run);
  cJSON *driver = cJSON_AddObjectToObject(cJSON_AddObjectToObject(run, "tool"), "driver");
  cJSON_AddStringToObject(driver, "name", "qgate");
  cJSON_AddStringToObject(driver, "version", QG_VERSION);
  cJSON_AddStringToObject(driver, "semanticVersion", QG_VERSION);
  cJSON_AddStringToObject(driver, "informationUri", QG_INFO_URI);
  /* code scanning's category: "CATEGORY/" (the id's last '/' ends the category and
   * starts an empty run id), one per command, so that the uploads of `qgate k8s`,
   * `qgate secrets` and `qgate scan` on one commit do not replace each other's alerts */
  const char *command = rep->command ? rep->command : "scan";
  char *cat =
      rep->sarif_category ? qg_xstrdup(rep->sarif_category) : qg_xasprintf("qgate/%s", command);
  size_t cl = strlen(cat);
  while (cl > 1 && cat[cl - 1] == '/')
    cat[--cl] = '\0';
  char *id = qg_xasprintf("%s/", cat);
  free(cat);
  cJSON_AddStringToObject(cJSON_AddObjectToObject(run, "automationDetails"), "id", id);
  free(id);

  /* The rules that ran (and any rule a finding names), in rule-set order;
   * ruleIndex points into this list. */
  const qg_ruleset *rs = rep->rules;
  size_t nrules = rs ? rs->n : 0;
  long *index = qg_xcalloc(nrules + 1, sizeof(long));
  for (size_t j = 0; j < r->findings.n && rs; j++) {
    size_t k = qg_ruleset_index(rs, r->findings.items[j].rule);
    if (k != (size_t)-1)
      index[k] = 1; /* used */
  }
  cJSON *rules = cJSON_AddArrayToObject(driver, "rules");
  long next = 0;
  for (size_t i = 0; i < nrules; i++) {
    if (!rs->on[i] && !index[i]) {
      index[i] = -1;
      continue;
    }
    index[i] = next++;
    cJSON_AddItemToArray(rules, rule_json(rs->rules[i], rs->sev[i]));
  }

  char cwdbuf[PATH_MAX];
  const char *cwd = rep->srcroot ? rep->srcroot : getcwd(cwdbuf, sizeof(cwdbuf));
  if (cwd) {
    cJSON *bases = cJSON_AddObjectToObject(run, "originalUriBaseIds");
    cJSON *src = cJSON_AddObjectToObject(bases, "%SRCROOT%");
    char *enc = uri_path(cwd);
    size_t el = strlen(enc);
    char *u = qg_xasprintf("file://%s%s", enc, el && enc[el - 1] == '/' ? "" : "/");
    cJSON_AddStringToObject(src, "uri", u);
    free(u);
    free(enc);
  }

  cJSON *rprops = cJSON_AddObjectToObject(run, "properties");
  cJSON_AddStringToObject(rprops, "qgateCommand", command);
  if (rep->score) /* qgate scan: the quality score as run properties */
    cJSON_AddItemToObject(rprops, "qgateScore", qg_score_json(rep->score));
  /* GitHub's cap on results per run: the most severe kept, the rest named */
  qg_sarif_cap cap;
  qg_sarif_cap_plan(rep, QG_SARIF_RUN_RESULTS, &cap);
  char *cap_warning = qg_sarif_cap_warning(&cap);
  size_t *keep = NULL;
  if (cap.dropped) {
    cJSON *d = cJSON_AddObjectToObject(rprops, "qgateResultsLeftOut");
    cJSON_AddNumberToObject(d, "limit", QG_SARIF_RUN_RESULTS);
    cJSON_AddNumberToObject(d, "total", (double)cap.total);
    cJSON_AddNumberToObject(d, "kept", (double)cap.kept);
    cJSON_AddNumberToObject(d, "leftOut", (double)cap.dropped);
    for (int s = QG__SEV_COUNT - 1; s >= 0; s--)
      if (cap.dropped_by[s])
        cJSON_AddNumberToObject(d, qg_severity_name((qg_severity)s), (double)cap.dropped_by[s]);
    keep = qg_xcalloc(cap.kept ? cap.kept : 1, sizeof(*keep));
    size_t seen[QG__SEV_COUNT] = {0}, k = 0;
    for (size_t i = 0; i < r->findings.n; i++) {
      unsigned s = (unsigned)r->findings.items[i].severity;
      s = s < QG__SEV_COUNT ? s : QG_SEV_INFO;
      if (seen[s]++ < cap.kept_by[s])
        keep[k++] = i;
    }
  }
  cJSON *inv = cJSON_CreateObject();
  cJSON_AddItemToArray(cJSON_AddArrayToObject(run, "invocations"), inv);
  int errors = 0;
  cJSON *notes = cJSON_CreateArray();
  for (size_t i = 0; i < r->diags.n; i++) {
    const qg_diag *d = &r->diags.items[i];
    errors += d->level == QG_DIAG_ERROR;
    cJSON *n = cJSON_CreateObject();
    cJSON_AddStringToObject(n, "level",
                            d->level == QG_DIAG_ERROR     ? "error"
                            : d->level == QG_DIAG_WARNING ? "warning"
                                                          : "note");
    add_text(n, "message", d->message);
    if (d->loc.path) {
      cJSON *locs = cJSON_AddArrayToObject(n, "locations");
      cJSON_AddItemToArray(locs, location(&d->loc, 1));
    }
    cJSON_AddItemToArray(notes, n);
  }
  if (cap_warning) {
    cJSON *n = cJSON_CreateObject();
    cJSON_AddStringToObject(n, "level", "warning");
    add_text(n, "message", cap_warning);
    cJSON_AddItemToArray(notes, n);
    free(cap_warning);
  }
  cJSON_AddBoolToObject(inv, "executionSuccessful", errors == 0);
  cJSON_AddItemToObject(inv, "toolExecutionNotifications", notes);

  cJSON *results = cJSON_AddArrayToObject(run, "results");
  cJSON_AddStringToObject(run, "columnKind", "unicodeCodePoints");
  /* results are written one at a time: a big result is not held twice */
  results_ctx c = {rep, rs, index, keep};
  qg_status st = qg_report_write_json_stream(out, root, results, 0, result_json, &c,
                                             keep ? cap.kept : r->findings.n, rep->threads);
  free(keep);
  free(index);
  return st;
}
