/* junit.c: JUnit XML for GitLab's test report and other CI dashboards.
 *
 * One test suite "qgate"; one test case per rule that ran (classname: the
 * rule's group, name: its id), failed when the rule has active findings;
 * and one test case "qgate/diagnostics" that errs when the input had errors.
 * The list of test cases depends only on the rules, so dashboards can follow
 * each rule from run to run; there is no timestamp or duration, so the same
 * input gives the same bytes. */
#include "core/escape.h"
#include "reporters/reporter.h"

#include <stdlib.h>
#include <string.h>

/* Writes s as XML character data or (attr) an attribute value: qg_xml_escape, so
 * control characters and bytes that are not UTF-8 are shown in the visible form the
 * other reports use, and the document stays well-formed whatever a file is called. */
static void xml_escape(FILE *out, const char *s, bool attr) {
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)attr; /* the same escaping serves both */
  qg_xml_escape(&b, s);
  if (b.data)
    fputs(b.data, out);
  qg_buf_cleanup(&b);
}

static void attr(FILE *out, const char *name, const char *value) {
  fprintf(out, " %s=\"", name);
  xml_escape(out, value, true);
  fputc('"', out);
}

/* "path:line:col: " as far as the location is known. */
static void where(FILE *out, const qg_location *loc) {
  if (!loc->path)
    return;
  xml_escape(out, loc->path, false);
  if (loc->line) {
    fprintf(out, ":%u", loc->line);
    if (loc->col)
      fprintf(out, ":%u", loc->col);
  }
  fputs(": ", out);
}

static bool active(const qg_finding *f) { return !f->suppressed_by && !f->in_base; }

qg_status qg_report_junit(FILE *out, const qg_report *rep) {
  const qg_result *r = rep->result;
  const qg_ruleset *rs = rep->rules;

  /* The rules that ran, in rule-set order, then any rule a finding names
   * that the rule set does not hold (in the order of the findings). */
  size_t nrs = rs ? rs->n : 0;
  const qg_rule **rules = qg_xcalloc(nrs + r->findings.n + 1, sizeof(*rules));
  bool *listed = qg_xcalloc(nrs + 1, sizeof(bool));
  size_t nrules = 0;
  for (size_t i = 0; i < r->findings.n; i++) {
    size_t k = rs ? qg_ruleset_index(rs, r->findings.items[i].rule) : (size_t)-1;
    if (k != (size_t)-1)
      listed[k] = true;
  }
  for (size_t i = 0; i < nrs; i++)
    if (rs->on[i] || listed[i])
      rules[nrules++] = rs->rules[i];
  for (size_t i = 0; i < r->findings.n; i++) {
    const qg_rule *rule = r->findings.items[i].rule;
    if (rs && qg_ruleset_index(rs, rule) != (size_t)-1)
      continue;
    size_t k = 0;
    while (k < nrules && rules[k] != rule)
      k++;
    if (k == nrules)
      rules[nrules++] = rule;
  }

  /* Counts first: the suite's attributes come before its test cases. */
  size_t failures = 0, errors = 0;
  for (size_t k = 0; k < nrules; k++)
    for (size_t i = 0; i < r->findings.n; i++)
      if (r->findings.items[i].rule == rules[k] && active(&r->findings.items[i])) {
        failures++;
        break;
      }
  for (size_t i = 0; i < r->diags.n; i++)
    errors += r->diags.items[i].level == QG_DIAG_ERROR;
  size_t tests = nrules + 1;

  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
  fprintf(out, "<testsuites name=\"qgate\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n", tests,
          failures, errors ? (size_t)1 : 0);
  fprintf(out,
          "  <testsuite name=\"qgate\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\""
          " skipped=\"0\">\n",
          tests, failures, errors ? (size_t)1 : 0);

  for (size_t k = 0; k < nrules; k++) {
    const qg_rule *rule = rules[k];
    size_t count = 0;
    qg_severity worst = QG_SEV_INFO;
    for (size_t i = 0; i < r->findings.n; i++) {
      const qg_finding *f = &r->findings.items[i];
      if (f->rule == rule && active(f)) {
        count++;
        if (f->severity > worst)
          worst = f->severity;
      }
    }
    char group[32];
    qg_rule_group(rule, group, sizeof(group));
    fputs("    <testcase", out);
    attr(out, "classname", group);
    attr(out, "name", rule->id);
    if (!count) {
      fputs("/>\n", out);
      continue;
    }
    fprintf(out, ">\n      <failure message=\"%zu finding%s\"", count, count == 1 ? "" : "s");
    attr(out, "type", qg_severity_name(worst));
    fputc('>', out);
    for (size_t i = 0; i < r->findings.n; i++) {
      const qg_finding *f = &r->findings.items[i];
      if (f->rule != rule || !active(f))
        continue;
      where(out, &f->loc);
      xml_escape(out, f->message, false);
      fputc('\n', out);
    }
    fputs("</failure>\n    </testcase>\n", out);
  }

  fputs("    <testcase classname=\"qgate\" name=\"qgate/diagnostics\"", out);
  if (!errors) {
    fputs("/>\n", out);
  } else {
    fprintf(out, ">\n      <error message=\"%zu error%s\" type=\"error\">", errors,
            errors == 1 ? "" : "s");
    for (size_t i = 0; i < r->diags.n; i++) {
      const qg_diag *d = &r->diags.items[i];
      if (d->level != QG_DIAG_ERROR)
        continue;
      where(out, &d->loc);
      xml_escape(out, d->message, false);
      fputc('\n', out);
    }
    fputs("</error>\n    </testcase>\n", out);
  }
  fputs("  </testsuite>\n</testsuites>\n", out);

  free(rules);
  free(listed);
  return ferror(out) ? QG_EIO : QG_OK;
}
