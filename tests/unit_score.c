/* unit_score.c: the score's arithmetic, criterion by criterion, with the
 * boundaries the policy names (coverage 79.9 vs 80, exactly 3 high, 299 vs
 * 300 s, growth 9.9 vs 10%), normalisation and unmeasured criteria, the
 * policy from .qgate.yml with a profile, and the three decisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config/config.h"
#include "rules/rule.h"
#include "scoring/score.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const qg_rule *rule(const char *id) {
  const qg_rule *r = qg_rule_find(id);
  assert_non_null(r);
  return r;
}

/* n active findings of rule id at severity sev */
static void add(qg_result *r, const char *id, qg_severity sev, size_t n) {
  for (size_t i = 0; i < n; i++) {
    qg_location loc = {"a.yaml", (uint32_t)(i + 1), 1, 0, 0};
    qg_result_add_finding(r, rule(id), sev, &loc, NULL, strdup("m"));
  }
}

static qg_score compute(const qg_score_policy *p, const qg_signals *s) {
  qg_score out;
  qg_score_compute(p, s, &out);
  return out;
}

/* qgate alone, nothing found: only the security criteria are measured and
 * they all pass; the score is normalised to 100. */
static void test_clean_scan_normalised(void **state) {
  (void)state;
  qg_score_policy p;
  qg_score_policy_default(&p);
  qg_result r;
  qg_result_init(&r);
  qg_signals s = {.findings = &r, .scanned_secrets = true};
  qg_score sc = compute(&p, &s);
  assert_int_equal(sc.possible, 30);
  assert_int_equal(sc.earned, 30);
  assert_int_equal(sc.points, 100);
  assert_true(sc.normalised);
  assert_int_equal(sc.total, 100);
  assert_int_equal(sc.decision, QG_DECISION_APPROVE);
  assert_int_equal(sc.crit[QG_CRIT_COVERAGE].status, QG_CRIT_NOT_MEASURED);
  assert_int_equal(sc.crit[QG_CRIT_README].status, QG_CRIT_NOT_MEASURED);
  /* unmeasured as zero: the documents' script would have said 30 */
  p.unmeasured_zero = true;
  sc = compute(&p, &s);
  assert_int_equal(sc.possible, 100);
  assert_int_equal(sc.total, 30);
  assert_int_equal(sc.decision, QG_DECISION_REJECT);
  qg_result_cleanup(&r);
}

/* Exactly 3 high passes, 4 fails; a critical fails its criterion; in-base and
 * suppressed findings do not count. */
static void test_high_and_critical_boundaries(void **state) {
  (void)state;
  qg_score_policy p;
  qg_score_policy_default(&p);
  qg_result r;
  qg_result_init(&r);
  add(&r, "pss/privileged", QG_SEV_HIGH, 3);
  qg_signals s = {.findings = &r, .scanned_secrets = true};
  qg_score sc = compute(&p, &s);
  assert_int_equal(sc.crit[QG_CRIT_HIGH].status, QG_CRIT_PASSED);
  assert_string_equal(sc.crit[QG_CRIT_HIGH].detail, "3 high findings (at most 3)");
  assert_int_equal(sc.total, 100);
  add(&r, "pss/privileged", QG_SEV_HIGH, 1);
  sc = compute(&p, &s);
  assert_int_equal(sc.crit[QG_CRIT_HIGH].status, QG_CRIT_FAILED);
  assert_int_equal(sc.earned, 20);
  assert_int_equal(sc.total, 66); /* floor(100 * 20 / 30) */
  assert_int_equal(sc.decision, QG_DECISION_REJECT);
  r.findings.items[3].in_base = true; /* already there before the change */
  sc = compute(&p, &s);
  assert_int_equal(sc.crit[QG_CRIT_HIGH].status, QG_CRIT_PASSED);
  add(&r, "pss/privileged", QG_SEV_CRITICAL, 1);
  sc = compute(&p, &s);
  assert_int_equal(sc.crit[QG_CRIT_CRITICAL].status, QG_CRIT_FAILED);
  assert_int_equal(sc.total, 50); /* 15 of 30 */
  r.findings.items[4].suppressed_by = "qgate.io/ignore";
  sc = compute(&p, &s);
  assert_int_equal(sc.total, 100);
  qg_result_cleanup(&r);
}

/* Coverage: 79.9% fails, 80% passes; build time: 299 s passes, 300 s fails;
 * growth: 9.9% passes, 10% fails, memory 19.9% passes, 20% fails. */
static void test_signal_boundaries(void **state) {
  (void)state;
  qg_score_policy p;
  qg_score_policy_default(&p);
  qg_signals s = {0};
  s.coverage = (qg_coverage){799, 1000, 1};
  qg_score sc = compute(&p, &s);
  assert_int_equal(sc.crit[QG_CRIT_COVERAGE].status, QG_CRIT_FAILED);
  assert_string_equal(sc.crit[QG_CRIT_COVERAGE].detail,
                      "79.9% covered (799 of 1000; at least 80%)");
  s.coverage.covered = 800;
  sc = compute(&p, &s);
  assert_int_equal(sc.crit[QG_CRIT_COVERAGE].status, QG_CRIT_PASSED);
  s.metrics.has_build = true;
  s.metrics.build_seconds = 299;
  sc = compute(&p, &s);
  assert_int_equal(sc.crit[QG_CRIT_BUILD_TIME].status, QG_CRIT_PASSED);
  s.metrics.build_seconds = 300;
  sc = compute(&p, &s);
  assert_int_equal(sc.crit[QG_CRIT_BUILD_TIME].status, QG_CRIT_FAILED);
  assert_string_equal(sc.crit[QG_CRIT_BUILD_TIME].detail, "300 s (below 300 s)");
  s.metrics.has_image = s.metrics.has_base_image = true;
  s.metrics.base_image_bytes = 1000;
  s.metrics.image_bytes = 1099;
  sc = compute(&p, &s);
  assert_int_equal(sc.crit[QG_CRIT_IMAGE_GROWTH].status, QG_CRIT_PASSED);
  s.metrics.image_bytes = 1100;
  sc = compute(&p, &s);
  assert_int_equal(sc.crit[QG_CRIT_IMAGE_GROWTH].status, QG_CRIT_FAILED);
  assert_string_equal(sc.crit[QG_CRIT_IMAGE_GROWTH].detail, "image size +10.0% (below 10%)");
  s.metrics.has_memory = true; /* no base: not measured */
  s.metrics.memory_bytes = 5;
  sc = compute(&p, &s);
  assert_int_equal(sc.crit[QG_CRIT_MEMORY_GROWTH].status, QG_CRIT_NOT_MEASURED);
  s.metrics.has_base_memory = true;
  s.metrics.base_memory_bytes = 1000;
  s.metrics.memory_bytes = 1199;
  sc = compute(&p, &s);
  assert_int_equal(sc.crit[QG_CRIT_MEMORY_GROWTH].status, QG_CRIT_PASSED);
  s.metrics.memory_bytes = 1200;
  sc = compute(&p, &s);
  assert_int_equal(sc.crit[QG_CRIT_MEMORY_GROWTH].status, QG_CRIT_FAILED);
  /* measured now: coverage 15 (passed at 800), build 10 (failed), image 5 (failed),
   * memory 5 (failed): 15 of 35 */
  assert_int_equal(sc.possible, 35);
  assert_int_equal(sc.earned, 15);
  assert_int_equal(sc.total, 42);
}

/* Lint from SARIF, secrets from qgate and SARIF, security-severity counts. */
static void test_sarif_and_secrets(void **state) {
  (void)state;
  qg_score_policy p;
  qg_score_policy_default(&p);
  qg_result r;
  qg_result_init(&r);
  qg_signals s = {.findings = &r, .scanned_secrets = true};
  s.sarif.files = 1;
  s.sarif.lint = 1;
  s.sarif.security[QG_SEV_HIGH] = 4;
  qg_score sc = compute(&p, &s);
  assert_int_equal(sc.crit[QG_CRIT_LINT].status, QG_CRIT_FAILED);
  assert_int_equal(sc.crit[QG_CRIT_HIGH].status, QG_CRIT_FAILED);
  assert_string_equal(sc.crit[QG_CRIT_HIGH].detail, "4 high findings (at most 3)");
  assert_int_equal(sc.possible, 40);
  assert_int_equal(sc.earned, 20);
  add(&r, "secrets/github-token", QG_SEV_CRITICAL, 1);
  sc = compute(&p, &s);
  assert_int_equal(sc.crit[QG_CRIT_SECRETS].status, QG_CRIT_FAILED);
  assert_int_equal(sc.crit[QG_CRIT_CRITICAL].status, QG_CRIT_FAILED);
  assert_int_equal(sc.earned, 0);
  assert_int_equal(sc.total, 0);
  qg_result_cleanup(&r);
}

/* Documentation: README, and the OpenAPI spec only when the API changed. */
static void test_documentation(void **state) {
  (void)state;
  qg_score_policy p;
  qg_score_policy_default(&p);
  qg_signals s = {0};
  s.change.measured = true;
  qg_score sc = compute(&p, &s);
  assert_int_equal(sc.crit[QG_CRIT_README].status, QG_CRIT_FAILED);
  assert_int_equal(sc.crit[QG_CRIT_OPENAPI].status, QG_CRIT_NOT_APPLICABLE);
  assert_int_equal(sc.crit[QG_CRIT_OPENAPI].earned, 5);
  assert_int_equal(sc.total, 50);
  s.change.readme_changed = s.change.api_changed = true;
  sc = compute(&p, &s);
  assert_int_equal(sc.crit[QG_CRIT_OPENAPI].status, QG_CRIT_FAILED);
  assert_string_equal(sc.crit[QG_CRIT_OPENAPI].detail, "API changed without the OpenAPI spec");
  s.change.openapi_changed = true;
  sc = compute(&p, &s);
  assert_int_equal(sc.total, 100);
}

/* The three decisions at their thresholds: 85 approve, 84 review, 70
 * review, 69 reject (points chosen so the total is exact). */
static void test_decisions(void **state) {
  (void)state;
  qg_score_policy p;
  qg_score_policy_default(&p);
  for (int i = 0; i < QG__CRIT_COUNT; i++)
    p.crit[i].points = 0;
  p.crit[QG_CRIT_COVERAGE].points = 85;
  p.crit[QG_CRIT_BUILD_TIME].points = 15;
  qg_signals s = {0};
  s.coverage = (qg_coverage){1, 1, 1};
  s.metrics.has_build = true;
  s.metrics.build_seconds = 400;
  qg_score sc = compute(&p, &s);
  assert_int_equal(sc.total, 85);
  assert_int_equal(sc.decision, QG_DECISION_APPROVE);
  p.crit[QG_CRIT_COVERAGE].points = 84;
  p.crit[QG_CRIT_BUILD_TIME].points = 16;
  sc = compute(&p, &s);
  assert_int_equal(sc.total, 84);
  assert_int_equal(sc.decision, QG_DECISION_REVIEW);
  p.crit[QG_CRIT_COVERAGE].points = 70;
  p.crit[QG_CRIT_BUILD_TIME].points = 30;
  sc = compute(&p, &s);
  assert_int_equal(sc.decision, QG_DECISION_REVIEW);
  p.crit[QG_CRIT_COVERAGE].points = 69;
  p.crit[QG_CRIT_BUILD_TIME].points = 31;
  sc = compute(&p, &s);
  assert_int_equal(sc.total, 69);
  assert_int_equal(sc.decision, QG_DECISION_REJECT);
  assert_string_equal(qg_decision_name(sc.decision), "reject");
  /* nothing measured at all: 100 */
  s = (qg_signals){0};
  sc = compute(&p, &s);
  assert_int_equal(sc.possible, 0);
  assert_int_equal(sc.total, 100);
}

/* The policy from .qgate.yml, then a profile over it. */
static void test_policy_from_config(void **state) {
  (void)state;
  char dir[] = "/tmp/qgate-score-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[64];
  snprintf(path, sizeof(path), "%s/.qgate.yml", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("score:\n"
        "  thresholds: {approve: 90, review: 60}\n"
        "  unmeasured: zero\n"
        "  criteria:\n"
        "    coverage: {points: 20, min: 75}\n"
        "    high: {max: 0, severities: [high, medium]}\n"
        "    lint: 0\n"
        "profiles:\n"
        "  staging:\n"
        "    score: {thresholds: {approve: 70, review: 50}}\n",
        f);
  fclose(f);
  qg_config c;
  qg_config_init(&c);
  qg_result r;
  qg_result_init(&r);
  assert_int_equal(qg_config_load(&c, path, NULL, &r), QG_OK);
  assert_int_equal(c.score.approve, 90);
  assert_int_equal(c.score.review, 60);
  assert_true(c.score.unmeasured_zero);
  assert_int_equal(c.score.crit[QG_CRIT_COVERAGE].points, 20);
  assert_true(c.score.crit[QG_CRIT_COVERAGE].limit == 75);
  assert_int_equal(c.score.crit[QG_CRIT_HIGH].limit, 0);
  assert_int_equal(c.score.crit[QG_CRIT_HIGH].severities,
                   (1u << QG_SEV_HIGH) | (1u << QG_SEV_MEDIUM));
  assert_int_equal(c.score.crit[QG_CRIT_LINT].points, 0);
  assert_int_equal(c.score.crit[QG_CRIT_SECRETS].points, 5); /* untouched */
  qg_config_cleanup(&c);
  qg_config_init(&c);
  assert_int_equal(qg_config_load(&c, path, "staging", &r), QG_OK);
  assert_int_equal(c.score.approve, 70);
  assert_int_equal(c.score.review, 50);
  assert_int_equal(c.score.crit[QG_CRIT_COVERAGE].points, 20); /* the top level still applies */
  qg_config_cleanup(&c);
  assert_int_equal(r.diags.n, 0);
  /* errors with positions */
  f = fopen(path, "w");
  fputs("score:\n  thresholds: {approve: 60, review: 70}\n  criteria:\n"
        "    coverage: {min: 120}\n    speed: 3\n",
        f);
  fclose(f);
  qg_config_init(&c);
  assert_int_equal(qg_config_load(&c, path, NULL, &r), QG_ECONFIG);
  assert_int_equal(r.diags.n, 3);
  assert_string_equal(r.diags.items[0].message,
                      "score.thresholds: review (70) must not be above approve (60)");
  assert_int_equal(r.diags.items[1].loc.line, 4);
  assert_int_equal(r.diags.items[1].loc.col, 21);
  assert_string_equal(r.diags.items[1].message,
                      "score.criteria.coverage.min must be a number from 0 to 100, not \"120\"");
  assert_int_equal(r.diags.items[2].loc.line, 5);
  assert_int_equal(r.diags.items[2].loc.col, 5);
  qg_config_cleanup(&c);
  qg_result_cleanup(&r);
  unlink(path);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_clean_scan_normalised),
      cmocka_unit_test(test_high_and_critical_boundaries),
      cmocka_unit_test(test_signal_boundaries),
      cmocka_unit_test(test_sarif_and_secrets),
      cmocka_unit_test(test_documentation),
      cmocka_unit_test(test_decisions),
      cmocka_unit_test(test_policy_from_config),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
