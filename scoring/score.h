/* score.h: the quality score. A policy gives each criterion its points and
 * threshold; signals (qgate's findings, other tools' SARIF, coverage,
 * metrics, the change's files) decide which criteria pass; the score is the
 * points earned out of the points possible, scaled to 0-100, and a decision
 * follows from the thresholds.
 *
 * The default policy is the design documents' table:
 *
 *   code quality (40)  no lint violations 10, coverage >= 80% 15,
 *                      AI architecture review passed 15
 *   security (30)      0 critical 15, <= 3 high 10, no secrets exposed 5
 *   performance (20)   build < 5 min 10, image growth < 10% 5, memory growth < 20% 5
 *   documentation (10) README updated 5, OpenAPI spec updated with the API 5
 *
 *   >= 85 approve, >= 70 review, else reject.
 *
 * A criterion whose signal is absent is "not measured": by default the score
 * is normalised over the measured points; a policy can count unmeasured
 * points as lost instead. A criterion that does not apply (no API change)
 * earns its points. */
#ifndef QG_SCORE_H
#define QG_SCORE_H

#include "core/finding.h"
#include "scoring/signals.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum qg_crit_id {
  QG_CRIT_LINT,
  QG_CRIT_COVERAGE,
  QG_CRIT_ARCHITECTURE,
  QG_CRIT_CRITICAL,
  QG_CRIT_HIGH,
  QG_CRIT_SECRETS,
  QG_CRIT_BUILD_TIME,
  QG_CRIT_IMAGE_GROWTH,
  QG_CRIT_MEMORY_GROWTH,
  QG_CRIT_README,
  QG_CRIT_OPENAPI,
  QG__CRIT_COUNT
} qg_crit_id;

typedef enum qg_category {
  QG_CAT_CODE_QUALITY,
  QG_CAT_SECURITY,
  QG_CAT_PERFORMANCE,
  QG_CAT_DOCUMENTATION,
  QG__CAT_COUNT
} qg_category;

/* One criterion's row in the fixed table: its config key, category, label,
 * and the name and meaning of its threshold. */
typedef struct qg_crit_def {
  const char *key; /* "coverage": the key under score.criteria in .qgate.yml */
  qg_category category;
  const char *label;     /* "Test coverage" */
  const char *limit_key; /* "min", "max", "max_seconds", "max_percent"; NULL: none */
  unsigned points;       /* default points */
  double limit;          /* default threshold */
} qg_crit_def;

extern const qg_crit_def qg_crit_defs[QG__CRIT_COUNT];
extern const char *const qg_category_keys[QG__CAT_COUNT];  /* "code_quality", ... */
extern const char *const qg_category_names[QG__CAT_COUNT]; /* "Code quality", ... */

/* Bits of severities (1u << QG_SEV_x). */
typedef unsigned qg_sevmask;

typedef struct qg_crit_policy {
  unsigned points;       /* 0 switches the criterion off */
  double limit;          /* see qg_crit_defs[].limit_key */
  qg_sevmask severities; /* critical/high: the severities counted */
} qg_crit_policy;

typedef struct qg_score_policy {
  qg_crit_policy crit[QG__CRIT_COUNT];
  unsigned approve, review; /* score >= approve: approve; >= review: review */
  bool unmeasured_zero;     /* unmeasured points count as lost (default: normalise) */
} qg_score_policy;

/* The design documents' policy. */
void qg_score_policy_default(qg_score_policy *p);

/* What the change touched (diff-aware mode; measured only with a base). */
typedef struct qg_change_signal {
  bool measured;
  bool readme_changed;  /* a changed file matched the README globs */
  bool api_changed;     /* a changed file matched the API globs */
  bool openapi_changed; /* a changed file matched the OpenAPI globs */
  size_t files;         /* files changed */
} qg_change_signal;

/* The architecture review (the LLM review): measured when it ran. */
typedef struct qg_review_signal {
  bool measured;
  size_t violations;  /* violations at or above the policy's bar */
  const char *reason; /* why not measured (borrowed), or NULL */
} qg_review_signal;

typedef struct qg_signals {
  const qg_result *findings; /* qgate's own findings (active ones count); borrowed */
  bool scanned_secrets;      /* the secrets scanner ran */
  qg_sarif_counts sarif;     /* measured when sarif.files > 0 */
  qg_coverage coverage;      /* measured when coverage.files > 0 */
  qg_metrics metrics;
  qg_change_signal change;
  qg_review_signal review;
} qg_signals;

typedef enum qg_crit_status {
  QG_CRIT_PASSED,
  QG_CRIT_FAILED,
  QG_CRIT_NOT_MEASURED,
  QG_CRIT_NOT_APPLICABLE, /* earns its points */
  QG_CRIT_OFF,            /* 0 points in the policy: not shown */
} qg_crit_status;

typedef enum qg_decision {
  QG_DECISION_APPROVE,
  QG_DECISION_REVIEW,
  QG_DECISION_REJECT
} qg_decision;

typedef struct qg_crit_result {
  qg_crit_status status;
  unsigned earned, points;
  bool has_value;
  double value;     /* the measured value (a count, a percentage, seconds) */
  char detail[160]; /* "2 high findings (at most 3)" */
} qg_crit_result;

typedef struct qg_score {
  qg_crit_result crit[QG__CRIT_COUNT];
  unsigned cat_earned[QG__CAT_COUNT], cat_possible[QG__CAT_COUNT], cat_points[QG__CAT_COUNT];
  unsigned earned;   /* points earned (passed and not applicable) */
  unsigned possible; /* points of measured criteria (all points with unmeasured_zero) */
  unsigned points;   /* points of every criterion that is on */
  unsigned total;    /* 0-100: floor(100 * earned / possible); 100 when nothing is measured */
  qg_decision decision;
  unsigned approve, review; /* the thresholds used */
  bool normalised;          /* possible < points: some criteria were not measured */
  bool held;                /* the points said approve, but the scan had errors (something was
                        not read or scanned): the decision is review */
} qg_score;

/* Computes the score. Pure arithmetic: no I/O. */
void qg_score_compute(const qg_score_policy *p, const qg_signals *s, qg_score *out);

const char *qg_decision_name(qg_decision d);       /* "approve", "review", "reject" */
const char *qg_crit_status_name(qg_crit_status s); /* "passed", "failed", "not measured", ... */

#endif
