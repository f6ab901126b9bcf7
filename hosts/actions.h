/* actions.h: GitHub Actions without a token: the step's outputs
 * ($GITHUB_OUTPUT), its summary ($GITHUB_STEP_SUMMARY) and workflow-command
 * annotations, which the runner shows on the pull request's files (forks
 * included). Library code: it writes to the FILE* it is given and to the
 * files the environment names, and prints nothing else. */
#ifndef QG_ACTIONS_H
#define QG_ACTIONS_H

#include "core/qg.h"
#include "reporters/reporter.h"

#include <stdio.h>

/* Appends score, decision and counts (rep->score must be set) to the file
 * GITHUB_OUTPUT names. QG_OK when it is unset or written; QG_EIO with *why
 * (caller frees) when it cannot be appended. */
qg_status qg_actions_outputs(const qg_report *rep, char **why);

/* Appends the Markdown report to the file GITHUB_STEP_SUMMARY names; as
 * qg_actions_outputs. */
qg_status qg_actions_step_summary(const qg_report *rep, char **why);

/* One workflow command (::error, ::warning, ::notice) per active finding to
 * out, repository text escaped so that it cannot end the command nor start
 * another. In a pull request's job whose checkout is another commit (the
 * merge GitHub made), the findings' lines are mapped to the pull request's
 * head, where GitHub shows them; a line the head does not have is annotated
 * on its file, without a line. When the head is not in the clone, *warning
 * (caller frees) says so; else it is NULL. */
void qg_actions_annotate(FILE *out, const qg_report *rep, char **warning);

#endif
