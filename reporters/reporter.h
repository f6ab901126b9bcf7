/* reporter.h: output formats. Reporters only read the result. */
#ifndef QG_REPORTER_H
#define QG_REPORTER_H

#include "core/finding.h"
#include "rules/rule.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct qg_report {
  const qg_result *result; /* borrowed */
  const qg_ruleset *rules; /* borrowed: the rules that ran */
  const char *command;     /* "k8s" */
  const char *pss_level;   /* "restricted", "baseline", "off" */
  const char *pss_version; /* "v1.37" */
  qg_severity fail_on;
  bool fail_never; /* --fail-on none */
  bool gate_failed;
  bool incomplete;              /* error diagnostics: what was not read or scanned cannot pass
                               the gate (JSON gate.passed false, no approval) */
  bool color;                   /* text: ANSI colour */
  const char *base;             /* diff-aware mode: the base revision, or NULL */
  const struct qg_score *score; /* qgate scan: the quality score; NULL otherwise */
  const struct qg_review_outcome *review; /* the architecture review when it ran, or NULL */
  const struct cJSON *shard;  /* --shard: what `qgate merge` reads, added to the JSON report as
                                "shard" (borrowed); NULL otherwise */
  unsigned threads;           /* JSON and SARIF: threads that print findings (0 or 1: this
                                one); the text is the same for any number */
  const char *srcroot;        /* SARIF: the directory the paths are relative to (%SRCROOT%):
                                 NULL: the current directory; --rev: the repository root */
  const char *sarif_category; /* SARIF: the code scanning category (automationDetails.id
                                 "CATEGORY/"); NULL: "qgate/" command */
  size_t hidden_severity;     /* findings --severity hid (not suppressed, not in the base) */
  size_t hidden_base;         /* findings in the base not listed (without --show-base) */
  const char *full_report;    /* annotations: where every finding is, for the line that says
                                 GitHub hides some ("the text report above ..."); NULL: the
                                 report in the step's log */
} qg_report;

typedef qg_status (*qg_report_fn)(FILE *out, const qg_report *rep);

typedef struct qg_reporter {
  const char *name;
  qg_report_fn fn;
  const char *help;
} qg_reporter;

/* The reporter called name, or NULL. Borrowed, static. */
const qg_reporter *qg_reporter_find(const char *name);
const qg_reporter *qg_reporters_all(size_t *count);

qg_status qg_report_text(FILE *out, const qg_report *rep);
qg_status qg_report_json(FILE *out, const qg_report *rep);
qg_status qg_report_sarif(FILE *out, const qg_report *rep);
qg_status qg_report_findings(FILE *out, const qg_report *rep);
/* GitLab Code Quality (Code Climate issues): the active findings that are
 * not in the base, with fingerprints unique in the report and stable when
 * lines move. */
qg_status qg_report_codequality(FILE *out, const qg_report *rep);
/* JUnit XML: one test case per rule that ran, failed by its active
 * findings, and one for the input's errors. */
qg_status qg_report_junit(FILE *out, const qg_report *rep);
/* The Markdown report (a pull-request comment): score, categories,
 * criteria, then the top findings by severity. */
qg_status qg_report_markdown(FILE *out, const qg_report *rep);
/* Its head alone: the score, categories and criteria, and the architecture review
 * (nothing when neither ran). The summary comment follows it with its own findings
 * section (hosts/body.c). */
qg_status qg_report_markdown_head(FILE *out, const qg_report *rep);
/* An SVG badge of the score; QG_EUSAGE without one. */
qg_status qg_report_badge(FILE *out, const qg_report *rep);

struct qg_score;
/* The score as a text table (after the text report's summary). */
qg_status qg_score_text(FILE *out, const struct qg_score *s, bool color);
/* The score as a JSON object; caller owns it. */
struct cJSON *qg_score_json(const struct qg_score *s);
struct qg_review_outcome;
/* What the architecture review did, as a JSON object; caller owns it. */
struct cJSON *qg_review_json(const struct qg_review_outcome *o);
/* The same as a Markdown section (in the Markdown report). */
void qg_review_markdown(FILE *out, const struct qg_review_outcome *o);
/* What the review spent, in one line without a final period: tokens in (those
 * from the provider's cache), out, what qgate's cache saved and the estimated
 * cost ("unknown" without the model's prices); a dry run's estimate of what
 * would be sent. NULL when it sent nothing and the cache answered nothing.
 * Owned by the caller (free). */
char *qg_review_usage(const struct qg_review_outcome *o);

struct cJSON;
/* Prints root (indented when pretty, else compact) and a newline to out,
 * then deletes root: takes ownership. Returns QG_OK, QG_ENOMEM or QG_EIO. */
qg_status qg_report_write_json(FILE *out, struct cJSON *root, int pretty);

/* Item i of a streamed array, a new object the writer deletes. Called from
 * several threads at once when threads > 1: it must only read ud. */
typedef struct cJSON *(*qg_json_item_fn)(const void *ud, size_t i);
/* As qg_report_write_json, with array (an empty array inside root) filled by
 * item(ud, 0 .. n-1) as it is written: the same text as building the whole
 * tree. With threads > 1, that many threads build and print the items a batch
 * at a time (a few hundred items in memory), written in order: the text does
 * not depend on threads. Takes root. */
qg_status qg_report_write_json_stream(FILE *out, struct cJSON *root, struct cJSON *array,
                                      int pretty, qg_json_item_fn item, const void *ud, size_t n,
                                      unsigned threads);

/* GitHub code scanning's hard limit on results in one run ("SARIF support for code
 * scanning": more and the upload is rejected). The SARIF report keeps this many, the
 * most severe first (then in report order), and says what it left out. */
#define QG_SARIF_RUN_RESULTS 25000u

/* The longest --sarif-category (GitHub sets no documented limit; a category names a
 * configuration, not data). */
#define QG_SARIF_CATEGORY_MAX 200u

/* What the SARIF report of rep keeps within max results (QG_SARIF_RUN_RESULTS):
 * total findings, kept, and dropped per severity. */
typedef struct qg_sarif_cap {
  size_t limit, total, kept, dropped;
  size_t kept_by[QG__SEV_COUNT];    /* of each severity, the first kept_by[s] in report order */
  size_t dropped_by[QG__SEV_COUNT]; /* ... and the rest */
} qg_sarif_cap;
void qg_sarif_cap_plan(const qg_report *rep, size_t max, qg_sarif_cap *cap);
/* The warning naming what the cap left out, or NULL when nothing was: "30150 results
 * over GitHub code scanning's limit of 25000 per run: kept the 25000 most severe, left
 * out 5150 (150 medium, 5000 low)". Caller frees. */
char *qg_sarif_cap_warning(const qg_sarif_cap *cap);
/* NULL when category is usable as a code scanning category (1 to
 * QG_SARIF_CATEGORY_MAX printable ASCII characters, not only '/'), else why not
 * (static). */
const char *qg_sarif_category_invalid(const char *category);

/* SARIF/GitHub security-severity for a severity ("9.5" ...). */
const char *qg_security_severity(qg_severity s);

#endif
