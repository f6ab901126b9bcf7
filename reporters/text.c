/* text.c: what a person wants in a terminal. */
#include "core/escape.h"
#include "reporters/reporter.h"

#include <string.h>

static const char *sev_color(qg_severity s) {
  switch (s) {
  case QG_SEV_CRITICAL:
    return "\033[1;31m";
  case QG_SEV_HIGH:
    return "\033[31m";
  case QG_SEV_MEDIUM:
    return "\033[33m";
  case QG_SEV_LOW:
    return "\033[36m";
  default:
    return "\033[2m";
  }
}

qg_status qg_report_text(FILE *out, const qg_report *rep) {
  const qg_result *r = rep->result;
  const char *bold = rep->color ? "\033[1m" : "", *reset = rep->color ? "\033[0m" : "";
  for (size_t i = 0; i < r->findings.n; i++) {
    const qg_finding *f = &r->findings.items[i];
    if (f->suppressed_by)
      continue;
    /* the path, a custom rule's id and the message hold repository text: escaped, so
     * that no byte of it ends the line, starts a workflow command or reaches the
     * terminal as a control sequence */
    fputs(bold, out);
    qg_esc_fputs(out, f->loc.path);
    fprintf(out, ":%u:%u:%s %s%s%s ", f->loc.line, f->loc.col, reset,
            rep->color ? sev_color(f->severity) : "", qg_severity_name(f->severity), reset);
    qg_esc_fputs(out, f->rule->id);
    fputs(": ", out);
    qg_esc_fputs(out, f->message);
    fprintf(out, "%s\n", f->in_base ? " [in base]" : "");
  }
  size_t counts[QG__SEV_COUNT];
  size_t suppressed = qg_result_counts(r, counts);
  size_t in_base = 0;
  for (size_t i = 0; i < r->findings.n; i++)
    in_base += r->findings.items[i].in_base && !r->findings.items[i].suppressed_by;
  size_t active = r->findings.n - suppressed - in_base;
  size_t errors = 0, warnings = 0;
  for (size_t i = 0; i < r->diags.n; i++) {
    errors += r->diags.items[i].level == QG_DIAG_ERROR;
    warnings += r->diags.items[i].level == QG_DIAG_WARNING;
  }
  if (active == 0) {
    fprintf(out, rep->base ? "no new findings" : "no findings");
  } else {
    fprintf(out, "%zu finding%s (", active, active == 1 ? "" : "s");
    int first = 1;
    for (int s = QG_SEV_CRITICAL; s >= QG_SEV_INFO; s--) {
      if (!counts[s])
        continue;
      fprintf(out, "%s%zu %s", first ? "" : ", ", counts[s], qg_severity_name((qg_severity)s));
      first = 0;
    }
    fprintf(out, ")");
  }
  fprintf(out, " in %zu file%s", r->stats.files, r->stats.files == 1 ? "" : "s");
  if (!rep->command || strcmp(rep->command, "k8s") == 0)
    fprintf(out, ", %zu object%s", r->stats.objects, r->stats.objects == 1 ? "" : "s");
  if (r->stats.skipped && rep->command && strcmp(rep->command, "secrets") == 0)
    fprintf(out, " (%zu skipped: binary, generated or over the size cap)", r->stats.skipped);
  if (rep->base)
    fprintf(out, "; %zu already in %s%s", in_base + rep->hidden_base, rep->base,
            rep->hidden_base ? " (--show-base lists them)" : "");
  if (rep->hidden_severity)
    fprintf(out, "; %zu hidden by --severity", rep->hidden_severity);
  if (suppressed)
    fprintf(out, "; %zu suppressed", suppressed);
  if (errors)
    fprintf(out, "; %zu error%s", errors, errors == 1 ? "" : "s");
  if (warnings)
    fprintf(out, "; %zu warning%s", warnings, warnings == 1 ? "" : "s");
  if (rep->score)
    fprintf(out, "\n");
  else if (rep->gate_failed)
    fprintf(out, "; %sfailed%s (--fail-on %s)\n", rep->color ? "\033[1;31m" : "", reset,
            qg_severity_name(rep->fail_on));
  else if (errors)
    fprintf(out, "; incomplete: see the errors above\n");
  else
    fprintf(out, "; %spassed%s\n", rep->color ? "\033[1;32m" : "", reset);
  if (rep->score)
    return qg_score_text(out, rep->score, rep->color);
  return ferror(out) ? QG_EIO : QG_OK;
}
