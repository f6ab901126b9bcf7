/* gate.c: the fail-on parser, the decision and the exit status. */
#include "scoring/gate.h"

#include <strings.h>

qg_status qg_gate_parse_fail_on(const char *s, qg_fail_on *out) {
  if (!s)
    return QG_EUSAGE;
  if (strcasecmp(s, "none") == 0 || strcasecmp(s, "never") == 0) {
    out->never = true;
    return QG_OK;
  }
  qg_severity sev;
  if (qg_severity_parse(s, &sev) != QG_OK)
    return QG_EUSAGE;
  out->min = sev;
  out->never = false;
  return QG_OK;
}

void qg_gate_min_score(qg_score_policy *policy, int n) {
  if (n < 0)
    return;
  policy->review = (unsigned)n;
  if (policy->approve < policy->review)
    policy->approve = policy->review;
}

void qg_gate_decide(const qg_result *r, qg_fail_on fail_on, qg_score *score, bool input_error,
                    qg_gate *out) {
  out->failed = false;
  out->io_error = false;
  out->input_error = input_error;
  for (size_t i = 0; i < r->diags.n; i++) {
    if (r->diags.items[i].level != QG_DIAG_ERROR)
      continue;
    if (r->diags.items[i].status == QG_EIO)
      out->io_error = true;
    else
      out->input_error = true;
  }
  if (score) {
    out->failed = score->decision == QG_DECISION_REJECT;
    if ((out->io_error || out->input_error) && score->decision == QG_DECISION_APPROVE) {
      score->decision = QG_DECISION_REVIEW;
      score->held = true;
    }
    return;
  }
  for (size_t i = 0; i < r->findings.n && !fail_on.never; i++)
    out->failed |= !r->findings.items[i].suppressed_by && !r->findings.items[i].in_base &&
                   r->findings.items[i].severity >= fail_on.min;
}

int qg_gate_exit_status(const qg_gate *g, const qg_gate_after *after) {
  if (g->io_error || after->write_failed || after->review_failed || after->host_failed)
    return QG_EXIT_RUNTIME;
  if (g->input_error || after->host_usage)
    return QG_EXIT_INPUT;
  return g->failed ? QG_EXIT_FAIL : QG_EXIT_PASS;
}
