/* merge.h: --shard I/N and `qgate merge`.
 *
 * A run with --shard scans only its part of the walk (scanners/scanner.h)
 * and adds a "shard" object to its JSON report: what a merge needs to
 * rebuild the whole run that the report alone does not say (the rules as
 * they ran, the score's policy and its signals, where each diagnostic came
 * from in the walk). qg_merge reads the reports of shards 1..N back and
 * rebuilds the result a single run would have produced, in the same order,
 * so that every reporter writes the same bytes from it.
 *
 * Signals that are not per file (SARIF, coverage, metrics, the change) are
 * read by every shard and must be equal: the merge takes shard 1's. The
 * architecture review runs in shard 1 only (its findings are the change's,
 * not the walk's). Library code: nothing is printed. */
#ifndef QG_MERGE_H
#define QG_MERGE_H

#include "core/finding.h"
#include "review/review.h"
#include "rules/rule.h"
#include "scoring/score.h"

#include <stdbool.h>

struct cJSON;

/* What one shard adds to its report; every pointer borrowed for the call. */
typedef struct qg_shard_meta {
  unsigned index, count;         /* --shard I/N */
  const char *config_digest;     /* 16 hex digits of the configuration read, or NULL */
  const qg_ruleset *rules;       /* the rules as they ran */
  const char *base;              /* the base revision (diff-aware mode), or NULL */
  const qg_score_policy *policy; /* scan: the policy the score used; NULL otherwise */
  const qg_signals *signals;     /* scan: its signals (the findings are the report's); or NULL */
  size_t walked;                 /* findings [0, walked) came from the walk (sorted); the rest
                                    (the review's) were added after it, in that order */
  const size_t *diag_walk;       /* the walk position of diagnostic i < ndiag_walk
                                    (qg_scan_order); the rest came after the walk */
  size_t ndiag_walk;
  bool review_failed; /* a required review failed (exit status 3) */
} qg_shard_meta;

/* The "shard" object of a report of r. Caller owns it (cJSON_Delete). */
struct cJSON *qg_shard_json(const qg_shard_meta *m, const qg_result *r);

/* One shard's JSON report. */
typedef struct qg_shard_input {
  const char *name; /* for messages: the file it was read from */
  const char *text; /* borrowed */
  size_t len;
} qg_shard_input;

/* The whole run, rebuilt. Every string is owned unless said otherwise. */
typedef struct qg_merged {
  qg_result result; /* findings and diagnostics in a single run's order; statistics summed */
  qg_ruleset rules; /* the rules as they ran, custom rules included */
  char *command;    /* "scan", "k8s", "secrets" */
  char *pss_level, *pss_version;
  char *base; /* the base revision, or NULL */
  qg_severity fail_on;
  bool fail_never; /* --fail-on none */
  unsigned count;  /* shards merged */
  bool scored;     /* scan: policy and signals are set */
  qg_score_policy policy;
  qg_signals signals; /* signals.findings points at result */
  bool reviewed;      /* review holds shard 1's architecture review */
  qg_review_outcome review;
  bool review_failed;
  qg_rule *custom; /* owned array: the custom rules' definitions (rules points at them) */
  size_t ncustom;
  qg_strpool strings; /* the custom rules' strings and the review's reason */
} qg_merged;

/* The longest failure text of qg_merge, in bytes (it may quote a report's value). */
#define QG_MERGE_WHY_MAX 1023

/* Merges the reports of shards 1..N (in any order). On a missing shard, a
 * duplicate, reports of different commands, versions, options or
 * configurations, or a report that is not a shard's, returns QG_EUSAGE or
 * QG_EPARSE with *why (when why is not NULL; caller frees) saying which file
 * and why; *why is NULL on success. out is always initialised: clean it up
 * with qg_merged_cleanup. */
qg_status qg_merge(const qg_shard_input *in, size_t n, qg_merged *out, char **why);
void qg_merged_cleanup(qg_merged *m);

#endif
