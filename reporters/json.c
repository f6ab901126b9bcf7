/* json.c: one JSON object with findings, diagnostics and a summary. */
#include "reporters/reporter.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

static void add_str(cJSON *o, const char *k, const char *v) {
  if (v)
    cJSON_AddStringToObject(o, k, v);
}

static const char *level_name(qg_diag_level l) {
  return l == QG_DIAG_ERROR ? "error" : l == QG_DIAG_WARNING ? "warning" : "note";
}

/* One finding as the report's JSON object. */
static cJSON *finding_json(const void *ud, size_t i) {
  const qg_report *rep = ud;
  const qg_result *r = rep->result;
  const qg_finding *f = &r->findings.items[i];
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "rule", f->rule->id);
  cJSON_AddStringToObject(o, "severity", qg_severity_name(f->severity));
  add_str(o, "path", f->loc.path);
  cJSON_AddNumberToObject(o, "line", f->loc.line);
  cJSON_AddNumberToObject(o, "column", f->loc.col);
  cJSON_AddNumberToObject(o, "end_line", f->loc.end_line);
  cJSON_AddNumberToObject(o, "end_column", f->loc.end_col);
  cJSON_AddStringToObject(o, "message", f->message);
  cJSON_AddStringToObject(o, "title", f->rule->title);
  cJSON_AddStringToObject(o, "remediation", f->rule->remediation);
  if (f->ctx.kind) {
    cJSON *obj = cJSON_AddObjectToObject(o, "object");
    add_str(obj, "apiVersion", f->ctx.api_version);
    add_str(obj, "kind", f->ctx.kind);
    add_str(obj, "namespace", f->ctx.namespace_);
    add_str(obj, "name", f->ctx.name);
  }
  add_str(o, "container", f->ctx.container);
  add_str(o, "field", f->ctx.field);
  char fp[17];
  qg_finding_fingerprint(f, fp);
  cJSON_AddStringToObject(o, "fingerprint", fp);
  if (rep->base)
    cJSON_AddBoolToObject(o, "new", !f->in_base);
  if (f->fix) {
    cJSON *fx = cJSON_AddObjectToObject(o, "fix");
    cJSON_AddStringToObject(fx, "description", f->fix->description);
    if (f->fix->risky) { /* applied only at --fix-level all */
      cJSON_AddTrueToObject(fx, "risky");
      if (f->fix->caution)
        cJSON_AddStringToObject(fx, "caution", f->fix->caution);
    }
    cJSON *edits = cJSON_AddArrayToObject(fx, "edits");
    for (size_t k = 0; k < f->fix->n; k++) {
      const qg_edit *e = &f->fix->edits[k];
      cJSON *eo = cJSON_CreateObject();
      cJSON_AddNumberToObject(eo, "line", e->line);
      cJSON_AddNumberToObject(eo, "column", e->col);
      cJSON_AddNumberToObject(eo, "end_line", e->end_line);
      cJSON_AddNumberToObject(eo, "end_column", e->end_col);
      cJSON_AddStringToObject(eo, "text", e->text);
      cJSON_AddItemToArray(edits, eo);
    }
  }
  if (f->suppressed_by) {
    cJSON *sup = cJSON_AddObjectToObject(o, "suppressed");
    cJSON_AddStringToObject(sup, "by", f->suppressed_by);
    add_str(sup, "justification", f->justification);
  }
  return o;
}

qg_status qg_report_json(FILE *out, const qg_report *rep) {
  const qg_result *r = rep->result;
  cJSON *root = cJSON_CreateObject();
  cJSON *tool = cJSON_AddObjectToObject(root, "tool");
  cJSON_AddStringToObject(tool, "name", "qgate");
  cJSON_AddStringToObject(tool, "version", QG_VERSION);
  add_str(root, "command", rep->command);
  cJSON *pss = cJSON_AddObjectToObject(root, "pss");
  add_str(pss, "level", rep->pss_level);
  add_str(pss, "version", rep->pss_version);

  cJSON *findings = cJSON_AddArrayToObject(root, "findings");

  cJSON *diags = cJSON_AddArrayToObject(root, "diagnostics");
  size_t errors = 0, warnings = 0;
  for (size_t i = 0; i < r->diags.n; i++) {
    const qg_diag *d = &r->diags.items[i];
    errors += d->level == QG_DIAG_ERROR;
    warnings += d->level == QG_DIAG_WARNING;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "level", level_name(d->level));
    add_str(o, "path", d->loc.path);
    cJSON_AddNumberToObject(o, "line", d->loc.line);
    cJSON_AddNumberToObject(o, "column", d->loc.col);
    cJSON_AddStringToObject(o, "message", d->message);
    cJSON_AddItemToArray(diags, o);
  }

  size_t counts[QG__SEV_COUNT];
  size_t suppressed = qg_result_counts(r, counts);
  cJSON *sum = cJSON_AddObjectToObject(root, "summary");
  cJSON_AddNumberToObject(sum, "files", (double)r->stats.files);
  cJSON_AddNumberToObject(sum, "bytes", (double)r->stats.bytes);
  cJSON_AddNumberToObject(sum, "documents", (double)r->stats.documents);
  cJSON_AddNumberToObject(sum, "objects", (double)r->stats.objects);
  cJSON_AddNumberToObject(sum, "pod_specs", (double)r->stats.pod_specs);
  cJSON_AddNumberToObject(sum, "skipped", (double)r->stats.skipped);
  cJSON_AddNumberToObject(sum, "findings", (double)(r->findings.n - suppressed));
  cJSON_AddNumberToObject(sum, "suppressed", (double)suppressed);
  cJSON *by = cJSON_AddObjectToObject(sum, "by_severity");
  for (int s = QG_SEV_CRITICAL; s >= QG_SEV_INFO; s--)
    cJSON_AddNumberToObject(by, qg_severity_name((qg_severity)s), (double)counts[s]);
  cJSON_AddNumberToObject(sum, "errors", (double)errors);
  cJSON_AddNumberToObject(sum, "warnings", (double)warnings);
  if (rep->hidden_severity || rep->hidden_base) { /* --severity, --base without --show-base */
    cJSON *hid = cJSON_AddObjectToObject(sum, "hidden");
    cJSON_AddNumberToObject(hid, "severity", (double)rep->hidden_severity);
    cJSON_AddNumberToObject(hid, "in_base", (double)rep->hidden_base);
  }
  cJSON *gate = cJSON_AddObjectToObject(root, "gate");
  cJSON_AddStringToObject(gate, "fail_on",
                          rep->fail_never ? "none" : qg_severity_name(rep->fail_on));
  cJSON_AddBoolToObject(gate, "passed", !rep->gate_failed && !rep->incomplete);
  if (rep->score)
    cJSON_AddItemToObject(root, "score", qg_score_json(rep->score));
  if (rep->review)
    cJSON_AddItemToObject(root, "review", qg_review_json(rep->review));
  if (rep->shard)
    cJSON_AddItemToObject(root, "shard", cJSON_Duplicate(rep->shard, 1));

  /* findings are written one at a time: a big result is not held twice */
  return qg_report_write_json_stream(out, root, findings, 1, finding_json, rep, r->findings.n,
                                     rep->threads);
}
