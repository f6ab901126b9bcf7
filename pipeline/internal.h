/* internal.h: what the files of pipeline/ share; not for other folders. */
#ifndef QG_PIPELINE_INTERNAL_H
#define QG_PIPELINE_INTERNAL_H

#include "core/accepted.h"
#include "pipeline/run.h"

#include <stdbool.h>

/* A sentence of the run's own to log (see run.h: no location, status QG_OK). */
void qg_run_say(qg_result *log, qg_diag_level level, const char *fmt, ...) QG_PRINTF(3, 4);
/* A copy of r's diagnostics, in order, to log. */
void qg_run_log_diags(qg_result *log, const qg_result *r);
/* r's diagnostics redacted (qg_redact_result) by the registry's secret rules and the
 * environment's credentials, then to log: for those that arise before the run's
 * redactor exists (the configuration's, the signals'). */
void qg_run_log_redacted(qg_result *log, qg_result *r);
/* A redacted copy of s (NULL: ""); caller frees. */
char *qg_run_redacted(qg_secrets *red, const char *s);
/* Builds the redactor (see qg_run_redactor). With log NULL it is quiet and a custom
 * rule that does not compile is left out; else its problems go to log and it fails. */
bool qg_run_new_redactor(const qg_config *cfg, bool have_cfg, qg_ruleset *rs, qg_secrets **out,
                         qg_result *log);

/* --fix: rewrites every file with fixable findings of r at `level` (with dry_run,
 * nothing is written); the diff goes to diff_out when not NULL. QG_OK, QG_EPARSE
 * when a file was refused (a link, ...: the others are fixed) or QG_EIO when one
 * could not be read or written. */
qg_status qg_run_fixes(const qg_scan_config *scan, const qg_result *r, qg_fix_level level,
                       bool dry_run, FILE *diff_out, qg_secrets *red, qg_result *log);
/* .qgateignore at the repository root (or here): the accepted fingerprints. */
/* shown: the fingerprint a finding has in the reports (its path and names redacted), so
 * that an entry copied from a report matches too. */
/* With rev (--rev), the commit's own .qgateignore, read from its tree. */
void qg_run_ignore_file(qg_result *r, qg_result *log, qg_shown_fingerprint_fn shown, void *ud,
                        qg_git_rev *rev);
/* Reads the score's SARIF, coverage and metrics files; false when one was invalid. */
bool qg_run_read_signals(const qg_run_opts *o, const qg_config *cfg, qg_signals *sig,
                         qg_result *diags);
/* What the change since base touched; false (said in log) when it cannot be read. */
bool qg_run_change_signal(qg_git_base *base, const qg_config *cfg, qg_change_signal *ch,
                          qg_result *log);

#endif
