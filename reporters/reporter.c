/* reporter.c: the sorted table of output formats, and the plain line format
 * the test runner compares. */
#include "reporters/reporter.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static const qg_reporter k_reporters[] = {
    {"badge", qg_report_badge, "an SVG badge of the quality score (qgate scan)"},
    {"codequality", qg_report_codequality, "GitLab Code Quality JSON: the new active findings"},
    {"findings", qg_report_findings, "one line per finding: RULE SEVERITY PATH:LINE:COL"},
    {"json", qg_report_json, "one JSON object with findings, diagnostics and a summary"},
    {"junit", qg_report_junit, "JUnit XML: one test case per rule that ran, failed by its findings"},
    {"markdown", qg_report_markdown, "a Markdown report for pull requests: score and findings"},
    {"sarif", qg_report_sarif, "SARIF 2.1.0 for GitHub code scanning"},
    {"text", qg_report_text, "path:line:col: severity rule: message, and a summary"},
};

static int cmp(const void *k, const void *e) {
  return strcmp((const char *)k, ((const qg_reporter *)e)->name);
}

const qg_reporter *qg_reporter_find(const char *name) {
  return bsearch(name, k_reporters, QG_ARRAY_LEN(k_reporters), sizeof(k_reporters[0]), cmp);
}

const qg_reporter *qg_reporters_all(size_t *count) {
  *count = QG_ARRAY_LEN(k_reporters);
  return k_reporters;
}

const char *qg_security_severity(qg_severity s) {
  switch (s) {
  case QG_SEV_CRITICAL:
    return "9.5";
  case QG_SEV_HIGH:
    return "8.0";
  case QG_SEV_MEDIUM:
    return "5.5";
  case QG_SEV_LOW:
    return "3.0";
  default:
    return "1.0";
  }
}

qg_status qg_report_findings(FILE *out, const qg_report *rep) {
  const qg_result *r = rep->result;
  for (size_t i = 0; i < r->findings.n; i++) {
    const qg_finding *f = &r->findings.items[i];
    fprintf(out, "%s %s %s:%u:%u%s\n", f->rule->id, qg_severity_name(f->severity),
            f->loc.path ? f->loc.path : "", f->loc.line, f->loc.col,
            f->suppressed_by ? " suppressed" : "");
  }
  return ferror(out) ? QG_EIO : QG_OK;
}

qg_status qg_report_write_json(FILE *out, cJSON *root, int pretty) {
  char *text = pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
  cJSON_Delete(root);
  if (!text)
    return QG_ENOMEM;
  fputs(text, out);
  fputc('\n', out);
  cJSON_free(text);
  return ferror(out) ? QG_EIO : QG_OK;
}
