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

/* Appends "name=value" (value one line, no control character) to the file
 * GITHUB_OUTPUT names; as qg_actions_outputs. */
qg_status qg_actions_output(const char *name, const char *value, char **why);

/* Appends markdown (qgate's own text) to the file GITHUB_STEP_SUMMARY names; as
 * qg_actions_outputs. The file is the runner's, outside the checkout. */
qg_status qg_actions_step_summary_text(const char *markdown, char **why);

struct qg_linemap;

/* The lines of what was scanned at the pull request's head, where GitHub
 * shows annotations: for a pull request's job whose checkout is another
 * commit (the merge GitHub made, actions/checkout's default). NULL when
 * there is nothing to map; also when the head is not in the clone, which
 * *warning (caller frees) then says; else *warning is NULL. Caller frees
 * the map (qg_linemap_free). */
struct qg_linemap *qg_actions_head_lines(char **warning);

/* Annotations of each kind (error, warning, notice) GitHub shows per step; the
 * rest are not displayed. */
#define QG_ACTIONS_SHOWN_PER_KIND 10

/* One workflow command (::error, ::warning, ::notice) per active finding to
 * out, repository text escaped so that it cannot end the command nor start
 * another; the lines mapped by lines (qg_actions_head_lines; NULL: as they
 * are). A line the head does not have is annotated on its file, without a
 * line. The most severe first; of one severity, those on lines the pull
 * request added first (with lines, when GITHUB_EVENT_PATH is a pull request's
 * event whose base and head are in the clone), then in the report's order. When
 * a kind is over QG_ACTIONS_SHOWN_PER_KIND, a last plain line says how many
 * GitHub does not show and where every finding is (rep->full_report). */
void qg_actions_annotate(FILE *out, const qg_report *rep, struct qg_linemap *lines);

#endif
