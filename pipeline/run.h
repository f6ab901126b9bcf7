/* run.h: the run. qg_run does what `qgate scan`, `k8s`, `secrets` and
 * `review` do before anything is reported: the configuration, the rule set,
 * the scan, the base revision, the fixes, the architecture review, the score's
 * signals, the score and the gate. It needs no argv and prints nothing: what
 * it has to say goes, in order, to out->log (below), each message handed to
 * opts->on_log (when set) the moment it is added; the review's requests of
 * --dry-run go to opts->dry_run_out, the fixes' diff to opts->fix_diff_out.
 * The CLI (cli/run.c) prints each message as it comes (a configuration warning before
 * a slow review), then reports what the run returned.
 *
 * The log: every message of the run, in the order it arose, as diagnostics
 * of a qg_result. One with a location, or with a status other than QG_OK,
 * is a problem at a place (printed "PATH:LINE:COL: LEVEL: MESSAGE", as the
 * result's own diagnostics are); one without a location and with status
 * QG_OK is a sentence of its own (an error or a note printed "MESSAGE", a
 * warning "warning: MESSAGE"). Every text in it is escaped when printed;
 * what could echo a secret is redacted here. */
#ifndef QG_RUN_H
#define QG_RUN_H

#include "config/config.h"
#include "core/finding.h"
#include "core/git.h"
#include "scoring/gate.h"
#include "reporters/reporter.h"
#include "review/review.h"
#include "rules/rule.h"
#include "scanners/k8s/k8s.h"
#include "scanners/scanner.h"
#include "scanners/secrets/secrets.h"
#include "scoring/score.h"

#include <stdbool.h>
#include <stdio.h>

struct cJSON;

typedef enum qg_run_mode { QG_RUN_K8S, QG_RUN_SECRETS, QG_RUN_SCAN, QG_RUN_REVIEW } qg_run_mode;

/* What to run. Every pointer is borrowed for the call. */
typedef struct qg_run_opts {
  qg_run_mode mode;
  const char *config, *profile; /* --config FILE (else .qgate.yml when present), --profile */
  const char *pss_level, *pss_version, *fail_on; /* NULL: the configuration's, else defaults */
  const char *kube_version; /* --kube-version; NULL: the configuration's kube_version, else none */
  const char *base;         /* --base REV; NULL: the CI's (scan, review) */
  const char *rev; /* --rev REV: scan this commit's tree, not the work tree (scan, k8s, secrets);
                      its .qgate.yml and .qgateignore too, unless a configuration is named */
  const char *review_deadline;               /* --review-deadline's value, or NULL */
  int min_score;                             /* scan: reject below it; -1: the policy's */
  const char *const *select, *const *ignore; /* --select, --ignore */
  size_t nselect, nignore;
  const char *const *sarif_in, *const *coverage, *const *metrics; /* scan's signals */
  size_t nsarif_in, ncoverage, nmetrics;
  const char *const *paths; /* what to scan; none: "." */
  size_t npaths;
  size_t max_file_size;              /* 0: the default */
  unsigned jobs;                     /* 0: one thread per CPU */
  unsigned shard_index, shard_count; /* --shard I/N; 0: not sharded */
  bool no_gitignore, fix, dry_run;
  const char *const *exclude; /* --exclude GLOB (see qg_scan_config) */
  size_t nexclude;
  bool allow_no_objects; /* --allow-no-objects */
  bool complete_input;   /* --complete-input (scanners/k8s/input.h) */
  /* what is shown and reported, after the gate (which sees every finding): --severity LIST
   * (NULL: every severity), --show-base (with a base: the findings already in it too) */
  const char *severity;
  bool show_base;
  bool redact_all;         /* redact the result even when it is empty (it goes to a host) */
  FILE *in;                /* what "-" reads */
  FILE *dry_run_out;       /* --dry-run: the review's requests */
  qg_fix_level fix_level;  /* --fix-level (default: safe) */
  FILE *fix_diff_out;      /* --fix: the fixes' diff (NULL: none) */
  qg_diag_listener on_log; /* NULL, or called with each message of out->log as it is
                              added (the message borrowed for the call), in order */
  void *on_log_arg;
  /* review.incremental without QGATE_REVIEW_SINCE: called once before the review, with
   * the run's redactor, for the last reviewed head (where the host recorded it: the pull
   * request's summary comment). Returns a new string (caller frees) or NULL, with *note
   * (caller frees, may stay NULL) saying what was found or why not. NULL: not asked. */
  char *(*last_reviewed)(void *ud, qg_secrets *redactor, char **note);
  void *last_reviewed_ud;
} qg_run_opts;

/* Everything the reports need. Initialised by qg_run whatever it returns;
 * release with qg_run_out_cleanup. */
typedef struct qg_run_out {
  qg_result log;    /* the run's messages, in order (see above) */
  qg_result result; /* findings and diagnostics, redacted */
  qg_config cfg;
  bool have_cfg;    /* a configuration file was read */
  qg_ruleset rules; /* the rules as they ran */
  qg_fail_on fail_on;
  qg_pss_level pss_level;
  char pss_version[16]; /* "v1.37" */
  bool kube_set;        /* a target Kubernetes release: 1.<kube_minor> */
  unsigned kube_minor;
  char *base;  /* the base revision (--base, else the CI's, else for review the
                           default branch); owned, or NULL. Reported except by review */
  bool scored; /* scan: score is set */
  qg_signals signals;
  qg_score score;
  bool reviewed; /* the architecture review ran: review is set */
  qg_review_outcome review;
  char *reviewed_head; /* the commit whose review completed (state done, not --dry-run): its
                          full id, owned; NULL otherwise */
  bool arch_scoped;    /* review.incremental was used: the review looked only at arch_paths
                          (the files changed since the last reviewed head; owned, real paths) */
  char **arch_paths;
  size_t narch_paths;
  bool review_failed; /* a required review failed or was partial (exit status 3) */
  qg_gate gate;
  size_t hidden_severity; /* unsuppressed findings, not in the base, --severity hid */
  size_t hidden_base;     /* unsuppressed findings already in the base, not listed */
  struct cJSON *shard;    /* --shard: the JSON report's "shard" object; owned, or NULL */
  qg_secrets *redactor;   /* every secret rule and the environment's credentials; owned, may
                           be NULL (built on need: qg_run_redactor) */
  qg_ruleset redactor_rules;
  qg_secrets *engine;    /* the secrets scanner that ran; owned, or NULL */
  qg_git_base *git_base; /* owned, or NULL */
  qg_scan_order order;   /* --shard: where each diagnostic came from */
  qg_git_rev *rev;       /* --rev: the commit scanned; owned, or NULL */
} qg_run_out;

/* Runs it. QG_OK: it ran to the gate (out->gate decides; the report is
 * out's to write). Else it stopped, said why in out->log, and nothing is to
 * be reported: QG_EIO for a runtime error (exit status 3), any other status
 * for a usage, configuration or input error (exit status 2). */
qg_status qg_run(const qg_run_opts *opts, qg_run_out *out);

/* What is shown (qg_run and qgate merge): takes out of r the findings --severity
 * (NULL: none) does not show and, with hide_base, those already in the base, and adds
 * the unsuppressed ones to *hidden_severity and *hidden_base. QG_EUSAGE (r untouched)
 * when severity is no list of severities. */
qg_status qg_run_hide(qg_result *r, const char *severity, bool hide_base, size_t *hidden_severity,
                      size_t *hidden_base);
void qg_run_out_cleanup(qg_run_out *out);

/* The exit status of a run that stopped with st. */
int qg_run_stop_status(qg_status st);

/* The report of a run that returned QG_OK; every pointer borrowed from out.
 * color and threads are the caller's. */
void qg_run_report(const qg_run_out *out, qg_run_mode mode, qg_report *rep);

/* Loads FILE (config), or .qgate.yml at the repository root (or here) when
 * it exists, into cfg; its diagnostics go to log, redacted. *loaded says
 * whether there was a file. Returns QG_OK or QG_ECONFIG. The repository's
 * own file is untrusted (SECURITY.md): only a --config file outside the
 * checkout may say where data and credentials go. */
qg_status qg_run_load_config(const char *config, const char *profile, qg_config *cfg, bool *loaded,
                             qg_result *log);
/* The same for a scan of a commit's tree (--rev): unless config (or QGATE_CONFIG) names
 * a file, the configuration is the commit's own .qgate.yml (else .qgate.yaml), read
 * from its tree, untrusted, relative to the repository root; the work tree's is not
 * read. What is judged is what is pushed: the policy the commit carries, which CI will
 * read too, not the developer's uncommitted one. */
qg_status qg_run_load_config_rev(const char *config, const char *profile, qg_git_rev *rev,
                                 qg_config *cfg, bool *loaded, qg_result *log);

/* The redaction engine for everything qgate prints or sends (qg_redact),
 * built on first need into *red (owner: the caller, qg_secrets_free; rs
 * holds its rules, qg_ruleset_cleanup): every secret rule of the registry
 * and of cfg (when have_cfg), whatever --select and --ignore say, and the
 * credentials of the environment. A custom rule that does not compile is
 * left out. Returns *red (may be NULL). */
qg_secrets *qg_run_redactor(qg_secrets **red, qg_ruleset *rs, const qg_config *cfg, bool have_cfg);

/* What the review did, as messages to log: one line, then what it left out;
 * every text from a server or the model redacted with red. */
void qg_run_review_summary(const qg_review_outcome *rv, qg_secrets *red, qg_result *log);

#endif
