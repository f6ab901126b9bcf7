/* score.c: the score's arithmetic. */
#include "scoring/score.h"
#include "rules/rule.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const qg_category_keys[QG__CAT_COUNT] = {"code_quality", "security", "performance",
                                                     "documentation"};
const char *const qg_category_names[QG__CAT_COUNT] = {"Code quality", "Security", "Performance",
                                                      "Documentation"};

const qg_crit_def qg_crit_defs[QG__CRIT_COUNT] = {
    [QG_CRIT_LINT] = {"lint", QG_CAT_CODE_QUALITY, "No lint violations", "max", 10, 0},
    [QG_CRIT_COVERAGE] = {"coverage", QG_CAT_CODE_QUALITY, "Test coverage", "min", 15, 80},
    [QG_CRIT_ARCHITECTURE] = {"architecture", QG_CAT_CODE_QUALITY, "AI architecture review passed",
                              "max", 15, 0},
    [QG_CRIT_CRITICAL] = {"critical", QG_CAT_SECURITY, "No critical findings", "max", 15, 0},
    [QG_CRIT_HIGH] = {"high", QG_CAT_SECURITY, "Few high findings", "max", 10, 3},
    [QG_CRIT_SECRETS] = {"secrets", QG_CAT_SECURITY, "No secrets exposed", "max", 5, 0},
    [QG_CRIT_BUILD_TIME] = {"build_time", QG_CAT_PERFORMANCE, "Build time", "max_seconds", 10, 300},
    [QG_CRIT_IMAGE_GROWTH] = {"image_growth", QG_CAT_PERFORMANCE, "Image size growth",
                              "max_percent", 5, 10},
    [QG_CRIT_MEMORY_GROWTH] = {"memory_growth", QG_CAT_PERFORMANCE, "Memory growth", "max_percent",
                               5, 20},
    [QG_CRIT_README] = {"readme", QG_CAT_DOCUMENTATION, "README updated", NULL, 5, 0},
    [QG_CRIT_OPENAPI] = {"openapi", QG_CAT_DOCUMENTATION, "OpenAPI spec updated with the API", NULL,
                         5, 0},
};

void qg_score_policy_default(qg_score_policy *p) {
  memset(p, 0, sizeof(*p));
  for (int i = 0; i < QG__CRIT_COUNT; i++) {
    p->crit[i].points = qg_crit_defs[i].points;
    p->crit[i].limit = qg_crit_defs[i].limit;
  }
  p->crit[QG_CRIT_CRITICAL].severities = 1u << QG_SEV_CRITICAL;
  p->crit[QG_CRIT_HIGH].severities = 1u << QG_SEV_HIGH;
  p->approve = 85;
  p->review = 70;
}

const char *qg_decision_name(qg_decision d) {
  return d == QG_DECISION_APPROVE ? "approve" : d == QG_DECISION_REVIEW ? "review" : "reject";
}

const char *qg_crit_status_name(qg_crit_status s) {
  switch (s) {
  case QG_CRIT_PASSED:
    return "passed";
  case QG_CRIT_FAILED:
    return "failed";
  case QG_CRIT_NOT_MEASURED:
    return "not measured";
  case QG_CRIT_NOT_APPLICABLE:
    return "not applicable";
  case QG_CRIT_OFF:
    break;
  }
  return "off";
}

/* Active findings (not suppressed, not already in the base) of qgate's own
 * scanners: those with a severity in mask, or (mask 0) those of the secrets
 * group. */
static size_t count_findings(const qg_result *r, qg_sevmask mask, bool secrets) {
  size_t n = 0;
  for (size_t i = 0; r && i < r->findings.n; i++) {
    const qg_finding *f = &r->findings.items[i];
    if (f->suppressed_by || f->in_base)
      continue;
    if (!secrets && strncmp(f->rule->id, "arch/", 5) == 0)
      continue; /* the architecture criterion counts those */
    if (secrets ? strncmp(f->rule->id, "secrets/", 8) == 0 : (mask >> f->severity) & 1u)
      n++;
  }
  return n;
}

static void set(qg_crit_result *c, qg_crit_status st, double value, const char *fmt, ...)
    QG_PRINTF(4, 5);
static void set(qg_crit_result *c, qg_crit_status st, double value, const char *fmt, ...) {
  c->status = st;
  c->has_value = st == QG_CRIT_PASSED || st == QG_CRIT_FAILED;
  c->value = value;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
  va_end(ap);
}

static const char *plural(size_t n, const char *one, const char *many) {
  return n == 1 ? one : many;
}

/* A count at most `max`. */
static void count_crit(qg_crit_result *c, size_t n, double max, const char *one, const char *many) {
  set(c, (double)n <= max ? QG_CRIT_PASSED : QG_CRIT_FAILED, (double)n, "%zu %s (at most %g)", n,
      plural(n, one, many), max);
}

/* Growth of value over base, in percent, below max. */
static void growth_crit(qg_crit_result *c, bool has, bool has_base, double value, double base,
                        double max, const char *what) {
  if (!has || !has_base) {
    set(c, QG_CRIT_NOT_MEASURED, 0, "no %s%s in the metrics", has ? "base " : "", what);
    return;
  }
  if (base <= 0) {
    set(c, QG_CRIT_NOT_MEASURED, 0, "the base %s is 0: growth is undefined", what);
    return;
  }
  double g = (value - base) / base * 100.0;
  bool ok = (value - base) * 100.0 < max * base; /* exact at the boundary */
  set(c, ok ? QG_CRIT_PASSED : QG_CRIT_FAILED, g, "%s %+.1f%% (below %g%%)", what, g, max);
}

void qg_score_compute(const qg_score_policy *p, const qg_signals *s, qg_score *out) {
  memset(out, 0, sizeof(*out));
  for (int i = 0; i < QG__CRIT_COUNT; i++) {
    qg_crit_result *c = &out->crit[i];
    const qg_crit_policy *cp = &p->crit[i];
    double lim = cp->limit;
    c->points = cp->points;
    switch ((qg_crit_id)i) {
    case QG_CRIT_LINT:
      if (!s->sarif.files)
        set(c, QG_CRIT_NOT_MEASURED, 0, "no SARIF from a linter (--sarif-in)");
      else
        count_crit(c, s->sarif.lint, lim, "lint violation", "lint violations");
      break;
    case QG_CRIT_COVERAGE:
      if (!s->coverage.files) {
        set(c, QG_CRIT_NOT_MEASURED, 0, "no coverage report (--coverage)");
      } else if (!s->coverage.total) {
        set(c, QG_CRIT_NOT_MEASURED, 0, "the coverage reports hold no coverable lines");
      } else {
        /* compared exactly: covered / total >= lim / 100 */
        double pct = 100.0 * (double)s->coverage.covered / (double)s->coverage.total;
        bool ok = (double)s->coverage.covered * 100.0 >= lim * (double)s->coverage.total;
        set(c, ok ? QG_CRIT_PASSED : QG_CRIT_FAILED, pct,
            "%.1f%% covered (%llu of %llu; at least %g%%)", floor(pct * 10) / 10,
            s->coverage.covered, s->coverage.total, lim);
      }
      break;
    case QG_CRIT_ARCHITECTURE:
      if (!s->review.measured)
        set(c, QG_CRIT_NOT_MEASURED, 0, "%s",
            s->review.reason && *s->review.reason ? s->review.reason
                                                  : "no architecture review configured");
      else
        count_crit(c, s->review.violations, lim, "architecture violation",
                   "architecture violations");
      break;
    case QG_CRIT_CRITICAL:
    case QG_CRIT_HIGH: {
      size_t n = count_findings(s->findings, cp->severities, false);
      for (int sev = 0; sev < QG__SEV_COUNT; sev++)
        if ((cp->severities >> sev) & 1u)
          n += s->sarif.security[sev];
      if (!s->findings && !s->sarif.files)
        set(c, QG_CRIT_NOT_MEASURED, 0, "no scanner ran");
      else
        count_crit(c, n, lim, i == QG_CRIT_CRITICAL ? "critical finding" : "high finding",
                   i == QG_CRIT_CRITICAL ? "critical findings" : "high findings");
      break;
    }
    case QG_CRIT_SECRETS:
      if (!s->scanned_secrets && !s->sarif.secrets)
        set(c, QG_CRIT_NOT_MEASURED, 0, "the secrets scanner did not run");
      else
        count_crit(c, count_findings(s->findings, 0, true) + s->sarif.secrets, lim, "secret",
                   "secrets");
      break;
    case QG_CRIT_BUILD_TIME:
      if (!s->metrics.has_build)
        set(c, QG_CRIT_NOT_MEASURED, 0, "no build_seconds in the metrics (--metrics)");
      else
        set(c, s->metrics.build_seconds < lim ? QG_CRIT_PASSED : QG_CRIT_FAILED,
            s->metrics.build_seconds, "%g s (below %g s)", s->metrics.build_seconds, lim);
      break;
    case QG_CRIT_IMAGE_GROWTH:
      growth_crit(c, s->metrics.has_image, s->metrics.has_base_image, s->metrics.image_bytes,
                  s->metrics.base_image_bytes, lim, "image size");
      break;
    case QG_CRIT_MEMORY_GROWTH:
      growth_crit(c, s->metrics.has_memory, s->metrics.has_base_memory, s->metrics.memory_bytes,
                  s->metrics.base_memory_bytes, lim, "memory");
      break;
    case QG_CRIT_README:
      if (!s->change.measured)
        set(c, QG_CRIT_NOT_MEASURED, 0, "no base revision (--base)");
      else
        set(c, s->change.readme_changed ? QG_CRIT_PASSED : QG_CRIT_FAILED, s->change.readme_changed,
            "%s", s->change.readme_changed ? "README changed" : "README not changed");
      break;
    case QG_CRIT_OPENAPI:
      if (!s->change.measured)
        set(c, QG_CRIT_NOT_MEASURED, 0, "no base revision (--base)");
      else if (!s->change.api_changed)
        set(c, QG_CRIT_NOT_APPLICABLE, 0, "no API change");
      else
        set(c, s->change.openapi_changed ? QG_CRIT_PASSED : QG_CRIT_FAILED,
            s->change.openapi_changed, "%s",
            s->change.openapi_changed ? "API and OpenAPI spec changed"
                                      : "API changed without the OpenAPI spec");
      break;
    case QG__CRIT_COUNT:
      break;
    }
    if (!cp->points) {
      c->status = QG_CRIT_OFF;
      continue;
    }
    qg_category cat = qg_crit_defs[i].category;
    bool measured = c->status != QG_CRIT_NOT_MEASURED;
    bool earns = c->status == QG_CRIT_PASSED || c->status == QG_CRIT_NOT_APPLICABLE;
    c->earned = earns ? cp->points : 0;
    out->points += cp->points;
    out->cat_points[cat] += cp->points;
    if (measured || p->unmeasured_zero) {
      out->possible += cp->points;
      out->cat_possible[cat] += cp->points;
    }
    out->earned += c->earned;
    out->cat_earned[cat] += c->earned;
  }
  out->total = out->possible ? (unsigned)(100u * out->earned / out->possible) : 100u;
  out->normalised = out->possible < out->points;
  out->approve = p->approve;
  out->review = p->review;
  out->decision = out->total >= p->approve  ? QG_DECISION_APPROVE
                  : out->total >= p->review ? QG_DECISION_REVIEW
                                            : QG_DECISION_REJECT;
}
