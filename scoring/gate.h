/* gate.h: the gate. One parser of --fail-on / fail_on, the decision (by
 * the score for scan, by the findings' severities for the other commands)
 * and the exit status that follows from it. Used by scan, k8s, secrets,
 * review (pipeline/run.c), by qgate merge, and by the configuration's
 * fail_on. Library code: nothing is printed, nothing is allocated. */
#ifndef QG_GATE_H
#define QG_GATE_H

#include "core/finding.h"
#include "scoring/score.h"

#include <stdbool.h>

/* --fail-on: the lowest severity that fails the gate, or never. */
typedef struct qg_fail_on {
  qg_severity min; /* QG_SEV_LOW by default */
  bool never;      /* "none" (or "never"): no finding fails the gate */
} qg_fail_on;

/* The default: low. */
#define QG_FAIL_ON_DEFAULT ((qg_fail_on){QG_SEV_LOW, false})

/* Parses "critical", "high", "medium", "low", "info" or "none" (also
 * "never"), any case. Returns QG_OK, or QG_EUSAGE and leaves *out alone. */
qg_status qg_gate_parse_fail_on(const char *s, qg_fail_on *out);

/* --min-score N (0-100) wins over the policy: rejects below N, and approves
 * no lower than N. A negative n leaves the policy alone. */
void qg_gate_min_score(qg_score_policy *policy, int n);

/* What decides the exit status. */
typedef struct qg_gate {
  bool failed;      /* the score rejects, or (unscored) an active finding at or above fail_on */
  bool io_error;    /* an error diagnostic of a read or write that failed */
  bool input_error; /* any other error diagnostic, or one the caller adds */
} qg_gate;

/* Decides the gate for r: with score (scan), by its decision, after holding
 * an approval when the run had errors (a gate that did not read or scan
 * everything decides at most "review", score->held); without, by the active
 * findings (neither suppressed nor in the base) at or above fail_on.
 * input_error adds an input error the diagnostics do not hold (a file --fix
 * refused). */
void qg_gate_decide(const qg_result *r, qg_fail_on fail_on, qg_score *score, bool input_error,
                    qg_gate *out);

/* After the gate: the failures of the reports and hosts. */
typedef struct qg_gate_after {
  bool write_failed;        /* a report could not be written */
  bool review_failed;       /* a required review failed */
  bool host_failed;         /* a notification failed (--notify slack: a security approval the
                         team relies on must not be lost in silence) */
  bool host_usage;          /* a host's context is missing (--comment without its CI) */
  bool comments_incomplete; /* --comment did not get everything onto the pull/merge
                               request (refused, read-only token, host down, deadline):
                               a warning and the `comments` status, never the exit
                               status: comments are delivery, the gate decides */
} qg_gate_after;

/* The exit status: runtime error > input error > gate failure > pass
 * (QG_EXIT_RUNTIME, QG_EXIT_INPUT, QG_EXIT_FAIL, QG_EXIT_PASS). Comments that did not
 * reach the host (comments_incomplete) change nothing: the status is the gate's. */
int qg_gate_exit_status(const qg_gate *g, const qg_gate_after *after);

#endif
