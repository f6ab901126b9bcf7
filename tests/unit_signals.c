/* unit_signals.c: the SARIF importer and the metrics reader: what counts,
 * where the errors are, and that an invalid file adds nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "scoring/signals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------------------ */

#define HEAD "{\"version\": \"2.1.0\", \"runs\": ["

/* One run of tool `tool` with driver rules `rules` (a JSON array or "") and
 * results `results` (a JSON array). Caller frees. */
static char *sarif_run(const char *tool, const char *rules, const char *results) {
  size_t n = strlen(tool) + strlen(rules) + strlen(results) + 128;
  char *s = malloc(n);
  assert_non_null(s);
  snprintf(s, n, "{\"tool\": {\"driver\": {\"name\": \"%s\"%s%s}}, \"results\": %s}", tool,
           *rules ? ", \"rules\": " : "", rules, results);
  return s;
}

/* A whole log of one run. Caller frees. */
static char *sarif1(const char *tool, const char *rules, const char *results) {
  char *run = sarif_run(tool, rules, results);
  size_t n = strlen(run) + 64;
  char *s = malloc(n);
  assert_non_null(s);
  snprintf(s, n, HEAD "%s]}", run);
  free(run);
  return s;
}

/* Imports text into fresh counts; asserts the status and, when QG_OK, that
 * no diagnostic was added. */
static qg_sarif_counts import(const char *text, qg_status want) {
  qg_sarif_counts c;
  memset(&c, 0, sizeof(c));
  qg_result r;
  qg_result_init(&r);
  qg_status st = qg_sarif_import_buffer("t.sarif", text, strlen(text), &c, &r);
  if (st != want || (want == QG_OK && r.diags.n))
    fail_msg("status %d, want %d; first diag: %s", (int)st, (int)want,
             r.diags.n ? r.diags.items[0].message : "(none)");
  qg_result_cleanup(&r);
  return c;
}

/* Imports one run and returns the counts (the import must succeed). */
static qg_sarif_counts run1(const char *tool, const char *rules, const char *results) {
  char *s = sarif1(tool, rules, results);
  qg_sarif_counts c = import(s, QG_OK);
  free(s);
  return c;
}

static size_t sec_total(const qg_sarif_counts *c) {
  size_t n = 0;
  for (size_t i = 0; i < QG__SEV_COUNT; i++)
    n += c->security[i];
  return n;
}

/* Imports text expecting QG_EPARSE; returns the result holding the diags
 * (caller cleans up) and checks the counts were not touched. */
static void import_bad(const char *text, qg_result *r) {
  qg_sarif_counts c, before;
  memset(&c, 0, sizeof(c));
  c.files = 3;
  c.results = 10;
  c.lint = 4;
  c.security[QG_SEV_HIGH] = 2;
  c.secrets = 1;
  before = c;
  qg_result_init(r);
  assert_int_equal(qg_sarif_import_buffer("bad.sarif", text, strlen(text), &c, r), QG_EPARSE);
  assert_memory_equal(&c, &before, sizeof(c));
  assert_true(r->diags.n >= 1);
  for (size_t i = 0; i < r->diags.n; i++) {
    assert_int_equal(r->diags.items[i].level, QG_DIAG_ERROR);
    assert_int_equal(r->diags.items[i].status, QG_EPARSE);
    assert_string_equal(r->diags.items[i].loc.path, "bad.sarif");
  }
}

/* The single diagnostic of an invalid document must be `msg` at line:col. */
static void expect_error(const char *text, const char *msg, uint32_t line, uint32_t col) {
  qg_result r;
  import_bad(text, &r);
  if (r.diags.n != 1 || strcmp(r.diags.items[0].message, msg) != 0)
    fail_msg("got %zu diags, first \"%s\"; want \"%s\"", r.diags.n, r.diags.items[0].message, msg);
  assert_int_equal(r.diags.items[0].loc.line, line);
  assert_int_equal(r.diags.items[0].loc.col, col);
  qg_result_cleanup(&r);
}

static void expect_error1(const char *tool, const char *rules, const char *results,
                          const char *msg) {
  char *s = sarif1(tool, rules, results);
  expect_error(s, msg, 0, 0);
  free(s);
}

/* ---- SARIF: levels ------------------------------------------------------------------ */

static void test_level_default_warning(void **state) {
  (void)state;
  qg_sarif_counts c =
      run1("eslint", "", "[{\"ruleId\": \"no-undef\", \"message\": {\"text\": \"x\"}}]");
  assert_int_equal(c.files, 1);
  assert_int_equal(c.results, 1);
  assert_int_equal(c.lint, 1);
  assert_int_equal(sec_total(&c), 0);
  assert_int_equal(c.secrets, 0);
  /* no rule at all, no ruleId */
  c = run1("eslint", "", "[{}, {}]");
  assert_int_equal(c.results, 2);
  assert_int_equal(c.lint, 2);
}

static void test_rule_default_level(void **state) {
  (void)state;
  const char *rules = "[{\"id\": \"r1\", \"defaultConfiguration\": {\"level\": \"note\"}},"
                      " {\"id\": \"r2\", \"defaultConfiguration\": {\"level\": \"none\"}},"
                      " {\"id\": \"r3\", \"defaultConfiguration\": {\"level\": \"error\"}},"
                      " {\"id\": \"r4\", \"defaultConfiguration\": {}}]";
  qg_sarif_counts c = run1("lint", rules, "[{\"ruleId\": \"r1\"}, {\"ruleId\": \"r2\"}]");
  assert_int_equal(c.results, 2);
  assert_int_equal(c.lint, 0);
  c = run1("lint", rules, "[{\"ruleId\": \"r3\"}, {\"ruleId\": \"r4\"}, {\"ruleId\": \"zz\"}]");
  assert_int_equal(c.lint, 3); /* error; no level -> warning; unknown rule -> warning */
  /* the result's level wins over its rule's */
  c = run1("lint", rules, "[{\"ruleId\": \"r1\", \"level\": \"error\"}]");
  assert_int_equal(c.lint, 1);
  c = run1("lint", rules, "[{\"ruleId\": \"r3\", \"level\": \"note\"}]");
  assert_int_equal(c.lint, 0);
}

static void test_result_levels(void **state) {
  (void)state;
  qg_sarif_counts c = run1("lint", "",
                           "[{\"level\": \"error\"}, {\"level\": \"warning\"}, {\"level\": "
                           "\"note\"}, {\"level\": \"none\"}]");
  assert_int_equal(c.results, 4);
  assert_int_equal(c.lint, 2);
}

/* ---- SARIF: security-severity ------------------------------------------------------- */

static void test_security_severity_sources(void **state) {
  (void)state;
  const char *rules = "[{\"id\": \"num\", \"properties\": {\"security-severity\": 9.8}},"
                      " {\"id\": \"str\", \"properties\": {\"security-severity\": \"5.3\"}},"
                      " {\"id\": \"plain\", \"properties\": {\"tags\": [\"security\"]}}]";
  /* on the rule, as a number and as a string */
  qg_sarif_counts c = run1("scanner", rules, "[{\"ruleId\": \"num\"}, {\"ruleId\": \"str\"}]");
  assert_int_equal(c.security[QG_SEV_CRITICAL], 1);
  assert_int_equal(c.security[QG_SEV_MEDIUM], 1);
  assert_int_equal(sec_total(&c), 2);
  assert_int_equal(c.lint, 0);
  /* on the result (string and number), over the rule's */
  c = run1("scanner", rules,
           "[{\"ruleId\": \"num\", \"properties\": {\"security-severity\": \"2.0\"}},"
           " {\"ruleId\": \"plain\", \"properties\": {\"security-severity\": 7.5}},"
           " {\"ruleId\": \"plain\"}]");
  assert_int_equal(c.security[QG_SEV_LOW], 1);
  assert_int_equal(c.security[QG_SEV_HIGH], 1);
  assert_int_equal(sec_total(&c), 2);
  assert_int_equal(c.lint, 1); /* "plain" without a score is lint */
  /* a security finding counts whatever its level */
  c = run1("scanner", rules, "[{\"ruleId\": \"num\", \"level\": \"note\"}]");
  assert_int_equal(c.security[QG_SEV_CRITICAL], 1);
  assert_int_equal(c.lint, 0);
}

static void test_security_buckets(void **state) {
  (void)state;
  static const struct {
    const char *score;
    qg_severity want;
  } cases[] = {
      {"10", QG_SEV_CRITICAL}, {"9.0", QG_SEV_CRITICAL}, {"8.9", QG_SEV_HIGH}, {"7.0", QG_SEV_HIGH},
      {"6.9", QG_SEV_MEDIUM},  {"4.0", QG_SEV_MEDIUM},   {"3.9", QG_SEV_LOW},  {"0.1", QG_SEV_LOW},
      {"0", QG_SEV_INFO},      {"0.0", QG_SEV_INFO},     {"1e0", QG_SEV_LOW},
  };
  for (size_t i = 0; i < QG_ARRAY_LEN(cases); i++) {
    for (int as_number = 0; as_number < 2; as_number++) {
      char results[128];
      snprintf(results, sizeof(results),
               as_number ? "[{\"properties\": {\"security-severity\": %s}}]"
                         : "[{\"properties\": {\"security-severity\": \"%s\"}}]",
               cases[i].score);
      qg_sarif_counts c = run1("scanner", "", results);
      for (int s = 0; s < QG__SEV_COUNT; s++)
        if (c.security[s] != (s == (int)cases[i].want ? 1u : 0u))
          fail_msg("score %s (%s): %s has %zu", cases[i].score, as_number ? "number" : "string",
                   qg_severity_name((qg_severity)s), c.security[s]);
      assert_int_equal(c.lint, 0);
    }
  }
}

static void test_security_severity_errors(void **state) {
  (void)state;
  expect_error1("s", "", "[{\"properties\": {\"security-severity\": \"high\"}}]",
                "runs[0].results[0].properties[\"security-severity\"]: expected a score from 0 "
                "to 10, got \"high\"");
  expect_error1("s", "", "[{}, {\"properties\": {\"security-severity\": 10.5}}]",
                "runs[0].results[1].properties[\"security-severity\"]: expected a score from 0 "
                "to 10, got 10.5");
  expect_error1("s", "[{\"id\": \"a\", \"properties\": {\"security-severity\": \"-1\"}}]", "[]",
                "runs[0].tool.driver.rules[0].properties[\"security-severity\"]: expected a "
                "score from 0 to 10, got \"-1\"");
  expect_error1("s", "", "[{\"properties\": {\"security-severity\": true}}]",
                "runs[0].results[0].properties[\"security-severity\"]: expected a score from 0 "
                "to 10 (a number or a string), got a boolean");
  expect_error1("s", "", "[{\"properties\": {\"security-severity\": \" 7\"}}]",
                "runs[0].results[0].properties[\"security-severity\"]: expected a score from 0 "
                "to 10, got \" 7\"");
}

/* ---- SARIF: finding the rule -------------------------------------------------------- */

static void test_rule_index(void **state) {
  (void)state;
  const char *rules = "[{\"id\": \"same\", \"defaultConfiguration\": {\"level\": \"note\"}},"
                      " {\"id\": \"same\", \"properties\": {\"security-severity\": \"9.1\"}}]";
  /* by id, the first of equal ids; by index, the one at the index */
  qg_sarif_counts c = run1("x", rules, "[{\"ruleId\": \"same\"}]");
  assert_int_equal(c.lint, 0);
  assert_int_equal(sec_total(&c), 0);
  c = run1("x", rules, "[{\"ruleId\": \"same\", \"ruleIndex\": 1}]");
  assert_int_equal(c.security[QG_SEV_CRITICAL], 1);
  c = run1("x", rules, "[{\"rule\": {\"index\": 1}}]");
  assert_int_equal(c.security[QG_SEV_CRITICAL], 1);
  c = run1("x", rules, "[{\"ruleIndex\": 0}]");
  assert_int_equal(c.lint, 0);
  /* -1 is SARIF's "no index": the id decides */
  c = run1("x", rules, "[{\"ruleIndex\": -1, \"ruleId\": \"same\"}]");
  assert_int_equal(c.lint, 0);
  assert_int_equal(sec_total(&c), 0);
  expect_error1("x", rules, "[{\"ruleIndex\": 2}]",
                "runs[0].results[0].ruleIndex: rule index 2 is out of range (the tool "
                "component has 2 rules)");
  expect_error1("x", rules, "[{\"ruleIndex\": 0.5}]",
                "runs[0].results[0].ruleIndex: expected an integer index, got 0.5");
}

static void test_rule_id(void **state) {
  (void)state;
  /* 1000 rules, every tenth with a score; results find theirs by id */
  size_t cap = 1000 * 96 + 64;
  char *rules = malloc(cap), *results = malloc(cap);
  assert_non_null(rules);
  assert_non_null(results);
  size_t n = 0, m = 0;
  n += (size_t)snprintf(rules + n, cap - n, "[");
  m += (size_t)snprintf(results + m, cap - m, "[");
  for (int i = 999; i >= 0; i--) { /* not in id order */
    if (i % 10 == 0)
      n += (size_t)snprintf(rules + n, cap - n,
                            "{\"id\": \"rule-%03d\", \"properties\": {\"security-severity\": "
                            "\"%d.5\"}}%s",
                            i, i / 100, i ? "," : "");
    else
      n += (size_t)snprintf(rules + n, cap - n, "{\"id\": \"rule-%03d\"}%s", i, i ? "," : "");
  }
  for (int i = 0; i < 1000; i += 5)
    m += (size_t)snprintf(results + m, cap - m, "%s{\"ruleId\": \"rule-%03d\"}", i ? "," : "", i);
  snprintf(rules + n, cap - n, "]");
  snprintf(results + m, cap - m, "]");
  qg_sarif_counts c = run1("x", rules, results);
  assert_int_equal(c.results, 200);
  assert_int_equal(c.lint, 100);                     /* i % 10 == 5 */
  assert_int_equal(c.security[QG_SEV_LOW], 40);      /* 0.5 .. 3.5 */
  assert_int_equal(c.security[QG_SEV_MEDIUM], 30);   /* 4.5 .. 6.5 */
  assert_int_equal(c.security[QG_SEV_HIGH], 20);     /* 7.5, 8.5 */
  assert_int_equal(c.security[QG_SEV_CRITICAL], 10); /* 9.5 */
  free(rules);
  free(results);
  /* result.rule.id when there is no ruleId */
  c = run1("x", "[{\"id\": \"a\", \"properties\": {\"security-severity\": 7}}]",
           "[{\"rule\": {\"id\": \"a\"}}]");
  assert_int_equal(c.security[QG_SEV_HIGH], 1);
}

static void test_rule_in_extension(void **state) {
  (void)state;
  /* CodeQL's layout: rules in tool.extensions, results point there */
  const char *doc = HEAD "{\"tool\": {\"driver\": {\"name\": \"CodeQL\", \"rules\": []},"
                         " \"extensions\": [{\"name\": \"codeql/js-queries\", \"rules\": ["
                         "  {\"id\": \"js/a\", \"defaultConfiguration\": {\"level\": \"note\"}},"
                         "  {\"id\": \"js/xss\", \"properties\": {\"security-severity\": "
                         "\"6.1\"}}]}]},"
                         " \"results\": ["
                         "  {\"ruleId\": \"js/xss\", \"ruleIndex\": 1, \"rule\": {\"id\": "
                         "\"js/xss\", \"index\": 1, \"toolComponent\": {\"index\": 0}}},"
                         "  {\"ruleId\": \"js/a\", \"rule\": {\"id\": \"js/a\", "
                         "\"toolComponent\": {\"name\": \"codeql/js-queries\"}}}]}]}";
  qg_sarif_counts c = import(doc, QG_OK);
  assert_int_equal(c.results, 2);
  assert_int_equal(c.security[QG_SEV_MEDIUM], 1);
  assert_int_equal(c.lint, 0);
}

/* ---- SARIF: what counts ------------------------------------------------------------- */

static void test_kind(void **state) {
  (void)state;
  qg_sarif_counts c = run1("x", "",
                           "[{\"kind\": \"pass\", \"level\": \"error\"}, {\"kind\": \"fail\"},"
                           " {\"kind\": \"notApplicable\"}, {\"kind\": \"informational\"},"
                           " {\"kind\": \"review\", \"properties\": {\"security-severity\": 9}}]");
  assert_int_equal(c.results, 5);
  assert_int_equal(c.lint, 1);
  assert_int_equal(sec_total(&c), 0);
}

static void test_suppressions(void **state) {
  (void)state;
  qg_sarif_counts c = run1("x", "",
                           "[{\"suppressions\": [{\"kind\": \"inSource\", \"status\": "
                           "\"accepted\"}]},"
                           " {\"suppressions\": [{\"kind\": \"external\"}]},"
                           " {\"suppressions\": [{\"kind\": \"inSource\", \"status\": "
                           "\"rejected\"}, {\"kind\": \"external\", \"status\": \"accepted\"}]}]");
  assert_int_equal(c.results, 3);
  assert_int_equal(c.lint, 0);
  c = run1("x", "",
           "[{\"suppressions\": [{\"kind\": \"inSource\", \"status\": \"underReview\"}]},"
           " {\"suppressions\": [{\"kind\": \"external\", \"status\": \"rejected\"}]},"
           " {\"suppressions\": []}]");
  assert_int_equal(c.results, 3);
  assert_int_equal(c.lint, 3);
  expect_error1("x", "", "[{\"suppressions\": [{\"status\": \"maybe\"}]}]",
                "runs[0].results[0].suppressions[0].status: expected \"accepted\", "
                "\"underReview\" or \"rejected\", got \"maybe\"");
  expect_error1("x", "", "[{\"suppressions\": {}}]",
                "runs[0].results[0].suppressions: expected an array, got an object");
}

static void test_baseline_state(void **state) {
  (void)state;
  qg_sarif_counts c = run1("x", "",
                           "[{\"baselineState\": \"unchanged\"}, {\"baselineState\": \"absent\"},"
                           " {\"baselineState\": \"new\"}, {\"baselineState\": \"updated\"}]");
  assert_int_equal(c.results, 4);
  assert_int_equal(c.lint, 2);
  c = run1("x", "",
           "[{\"baselineState\": \"unchanged\", \"properties\": {\"security-severity\": 9}}]");
  assert_int_equal(sec_total(&c), 0);
}

static void test_secret_scanner(void **state) {
  (void)state;
  const char *results = "[{\"ruleId\": \"aws-key\", \"level\": \"note\"}, {\"ruleId\": \"gh\","
                        " \"properties\": {\"security-severity\": 9}},"
                        " {\"ruleId\": \"old\", \"baselineState\": \"unchanged\"}]";
  static const char *const names[] = {"gitleaks", "Gitleaks", "TruffleHog", "detect-secrets"};
  for (size_t i = 0; i < QG_ARRAY_LEN(names); i++) {
    qg_sarif_counts c = run1(names[i], "", results);
    assert_int_equal(c.results, 3);
    assert_int_equal(c.secrets, 2);
    assert_int_equal(c.lint, 0);
    assert_int_equal(sec_total(&c), 0);
  }
  qg_sarif_counts c = run1("gitleaks-fork", "", results);
  assert_int_equal(c.secrets, 0);
}

static void test_two_runs(void **state) {
  (void)state;
  char *a = sarif_run("gitleaks", "", "[{}, {}]");
  char *b =
      sarif_run("semgrep", "[{\"id\": \"r\", \"properties\": {\"security-severity\": \"4\"}}]",
                "[{\"ruleId\": \"r\"}, {\"level\": \"error\"}, {\"level\": \"note\"}]");
  size_t n = strlen(a) + strlen(b) + 160;
  char *doc = malloc(n);
  assert_non_null(doc);
  snprintf(doc, n, HEAD "%s, %s, {\"tool\": {\"driver\": {\"name\": \"empty\"}}}]}", a, b);
  qg_sarif_counts c;
  memset(&c, 0, sizeof(c));
  c.files = 1;
  c.lint = 5;
  qg_result r;
  qg_result_init(&r);
  assert_int_equal(qg_sarif_import_buffer("two.sarif", doc, strlen(doc), &c, &r), QG_OK);
  assert_int_equal(r.diags.n, 0);
  /* added to what was there */
  assert_int_equal(c.files, 2);
  assert_int_equal(c.results, 5);
  assert_int_equal(c.secrets, 2);
  assert_int_equal(c.security[QG_SEV_MEDIUM], 1);
  assert_int_equal(c.lint, 6);
  /* a second file adds up */
  assert_int_equal(qg_sarif_import_buffer("two.sarif", doc, strlen(doc), &c, &r), QG_OK);
  assert_int_equal(c.files, 3);
  assert_int_equal(c.results, 10);
  assert_int_equal(c.secrets, 4);
  qg_result_cleanup(&r);
  free(a);
  free(b);
  free(doc);
  /* no runs, no results */
  c = import("{\"version\": \"2.1.0\", \"runs\": []}", QG_OK);
  assert_int_equal(c.files, 1);
  assert_int_equal(c.results, 0);
}

/* ---- SARIF: errors ------------------------------------------------------------------ */

static void test_invalid_json(void **state) {
  (void)state;
  expect_error("{\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\"tool\": }\n  ]\n}",
               "invalid JSON near line 4, column 14", 4, 14);
  /* columns count characters ("é" is one); a missing key is reported just
   * after the stray comma */
  expect_error("{\"é\": 1,, }", "invalid JSON near line 1, column 10", 1, 10);
  expect_error("", "invalid JSON near line 1, column 1", 1, 1);
  /* something after the value */
  expect_error("{\"version\": \"2.1.0\", \"runs\": []}\n\nx", "invalid JSON near line 3, column 1",
               3, 1);
  /* a byte order mark is skipped, and not counted as a column */
  qg_sarif_counts c = import("\xEF\xBB\xBF{\"version\": \"2.1.0\", \"runs\": []}", QG_OK);
  assert_int_equal(c.files, 1);
  expect_error("\xEF\xBB\xBF{]", "invalid JSON near line 1, column 2", 1, 2);
}

static void test_structure_errors(void **state) {
  (void)state;
  expect_error("{\"version\": \"2.0.0\", \"runs\": []}",
               "version: expected \"2.1.0\", got \"2.0.0\" (only SARIF 2.1.0 is read)", 0, 0);
  expect_error("{\"runs\": []}", "version: missing (expected \"2.1.0\")", 0, 0);
  expect_error("{\"version\": 2.1, \"runs\": []}", "version: expected \"2.1.0\", got a number", 0,
               0);
  expect_error("[]", "expected a SARIF log (a JSON object), got an array", 0, 0);
  expect_error("{\"version\": \"2.1.0\"}", "runs: missing (required by SARIF)", 0, 0);
  expect_error("{\"version\": \"2.1.0\", \"runs\": null}", "runs: expected an array, got null", 0,
               0);
  expect_error(HEAD "{\"tool\": {\"driver\": {}}}]}",
               "runs[0].tool.driver.name: missing (required by SARIF)", 0, 0);
  expect_error(HEAD "{}]}", "runs[0].tool: missing (required by SARIF)", 0, 0);
  expect_error1("x", "", "{}", "runs[0].results: expected an array, got an object");
  expect_error1("x", "", "[{\"level\": 42}]",
                "runs[0].results[0].level: expected a string, got a number");
  expect_error1("x", "", "[{}, {\"level\": \"fatal\"}]",
                "runs[0].results[1].level: expected \"error\", \"warning\", \"note\" or \"none\", "
                "got \"fatal\"");
  expect_error1("x", "[{\"id\": 7}]", "[]",
                "runs[0].tool.driver.rules[0].id: expected a string, got a number");
  expect_error1("x", "[{\"id\": \"a\", \"defaultConfiguration\": {\"level\": \"high\"}}]", "[]",
                "runs[0].tool.driver.rules[0].defaultConfiguration.level: expected \"error\", "
                "\"warning\", \"note\" or \"none\", got \"high\"");
  expect_error1("x", "", "[{\"kind\": \"failed\"}]",
                "runs[0].results[0].kind: expected \"fail\", \"pass\", \"notApplicable\", "
                "\"review\", \"open\" or \"informational\", got \"failed\"");
  expect_error1("x", "", "[{\"baselineState\": 1}]",
                "runs[0].results[0].baselineState: expected a string, got a number");
  expect_error1("x", "", "[3]", "runs[0].results[0]: expected an object, got a number");
  /* control characters in a value are escaped in the message */
  expect_error1("x", "", "[{\"level\": \"a\\nb\\\"\"}]",
                "runs[0].results[0].level: expected \"error\", \"warning\", \"note\" or \"none\", "
                "got \"a\\x0ab\\\"\"");
}

/* ---- streamed results and the caps (issue 17: 10^6 results took 1 GB) ------------ */

/* n results "{}" (counted as lint: level warning by default), joined by ",". Caller frees. */
static char *many(size_t n, const char *one) {
  size_t k = strlen(one);
  char *s = malloc(n * (k + 1) + 3);
  assert_non_null(s);
  char *p = s;
  *p++ = '[';
  for (size_t i = 0; i < n; i++) {
    if (i)
      *p++ = ',';
    memcpy(p, one, k);
    p += k;
  }
  *p++ = ']';
  *p = '\0';
  return s;
}

static void test_results_at_cap(void **state) {
  (void)state;
  char *res = many(QG_SARIF_MAX_RESULTS, "{}");
  char *s = sarif1("x", "", res);
  qg_sarif_counts c = import(s, QG_OK);
  assert_int_equal(c.results, QG_SARIF_MAX_RESULTS);
  assert_int_equal(c.lint, QG_SARIF_MAX_RESULTS);
  free(s);
  free(res);
}

static void test_results_over_cap(void **state) {
  (void)state;
  char *res = many(QG_SARIF_MAX_RESULTS + 1, "{}");
  char *s = sarif1("x", "", res);
  expect_error(s, "runs[0].results[500000]: more than 500000 results in the file", 0, 0);
  free(s);
  free(res);
}

static void test_values_outside_results_capped(void **state) {
  (void)state;
  /* a dense rules array: 1,000,001 values would be a 100 MB tree */
  char *rules = many(1000000, "0");
  char *s = sarif1("x", rules, "[]");
  expect_error(s, "more than 1000000 JSON values outside the results: the file was not read", 1, 1);
  free(s);
  free(rules);
}

static void test_values_in_one_result_capped(void **state) {
  (void)state;
  char *arr = many(100000, "0");
  size_t n = strlen(arr) + 64;
  char *one = malloc(n);
  assert_non_null(one);
  snprintf(one, n, "{\"properties\": {\"x\": %s}}", arr); /* 100,003 values */
  char *s = sarif1("x", "", "[{}, {}]");
  /* the second result, on line 2, is the big one */
  char *nl = strstr(s, "{}, {}");
  size_t pre = (size_t)(nl - s);
  size_t m = strlen(s) + strlen(one) + 8;
  char *t = malloc(m);
  assert_non_null(t);
  snprintf(t, m, "%.*s{},\n  %s%s", (int)pre, s, one, nl + 6);
  expect_error(t, "a result of more than 100000 JSON values", 2, 3);
  free(t);
  free(s);
  free(one);
  free(arr);
}

static void test_streamed_result_syntax_error(void **state) {
  (void)state;
  /* the outline scan lets a bad literal through; the result's own parse places it */
  expect_error(
      HEAD "{\"tool\": {\"driver\": {\"name\": \"x\"}},\n \"results\": [{},\n  {\"a\": tru}]}]}",
      "invalid JSON near line 3, column 9", 3, 9);
}

static void test_streamed_first_results_key_only(void **state) {
  (void)state;
  /* cJSON reads the first "results"; the streamed reader too (two results, not one) */
  qg_sarif_counts c = import(HEAD "{\"tool\": {\"driver\": {\"name\": \"x\"}}, \"results\": [{}, "
                                  "{}], \"results\": [{}]}]}",
                             QG_OK);
  assert_int_equal(c.results, 2);
  /* runs, results and a BOM: the positions and counts hold */
  c = import(
      "\xEF\xBB\xBF" HEAD "{\"tool\": {\"driver\": {\"name\": \"x\"}}, \"results\": [{}]},"
      "{\"tool\": {\"driver\": {\"name\": \"y\"}}, \"results\": [{\"level\": \"note\"}, {}]}]}",
      QG_OK);
  assert_int_equal(c.results, 3);
  assert_int_equal(c.lint, 2);
}

static void test_all_errors_reported(void **state) {
  (void)state;
  qg_result r;
  char *s = sarif1("x", "", "[{\"level\": 42}, {}, {\"level\": true}, {\"kind\": null}]");
  import_bad(s, &r);
  free(s);
  assert_int_equal(r.diags.n, 3);
  assert_string_equal(r.diags.items[0].message,
                      "runs[0].results[0].level: expected a string, got a number");
  assert_string_equal(r.diags.items[1].message,
                      "runs[0].results[2].level: expected a string, got a boolean");
  assert_string_equal(r.diags.items[2].message,
                      "runs[0].results[3].kind: expected a string, got null");
  assert_int_equal(r.diags.items[0].loc.line, 0);
  assert_int_equal(r.diags.items[0].loc.col, 0);
  qg_result_cleanup(&r);
  /* many errors: reading stops after 20 */
  size_t cap = 64 * 100 + 16, n = 0;
  char *results = malloc(cap);
  assert_non_null(results);
  n += (size_t)snprintf(results, cap, "[");
  for (int i = 0; i < 100; i++)
    n += (size_t)snprintf(results + n, cap - n, "%s{\"level\": %d}", i ? "," : "", i);
  snprintf(results + n, cap - n, "]");
  s = sarif1("x", "", results);
  free(results);
  import_bad(s, &r);
  free(s);
  assert_int_equal(r.diags.n, 21);
  assert_string_equal(r.diags.items[20].message, "too many errors, stopped reading after 20");
  qg_result_cleanup(&r);
}

/* ---- SARIF: files ------------------------------------------------------------------- */

static char *temp_file(const char *text) {
  char *path = strdup("/tmp/qg-signals-XXXXXX");
  assert_non_null(path);
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  size_t len = strlen(text);
  assert_int_equal(write(fd, text, len), (ssize_t)len);
  close(fd);
  return path;
}

static void test_sarif_files(void **state) {
  (void)state;
  char *doc = sarif1("x", "", "[{\"level\": \"error\"}]");
  char *path = temp_file(doc);
  free(doc);
  qg_sarif_counts c;
  memset(&c, 0, sizeof(c));
  qg_result r;
  qg_result_init(&r);
  assert_int_equal(qg_sarif_import(path, &c, &r), QG_OK);
  assert_int_equal(r.diags.n, 0);
  assert_int_equal(c.files, 1);
  assert_int_equal(c.lint, 1);
  unlink(path);
  assert_int_equal(qg_sarif_import(path, &c, &r), QG_ENOENT);
  assert_int_equal(r.diags.n, 1);
  assert_int_equal(r.diags.items[0].status, QG_ENOENT);
  assert_string_equal(r.diags.items[0].loc.path, path);
  assert_string_equal(r.diags.items[0].message, "no such file or directory");
  assert_int_equal(c.files, 1);
  free(path);
  path = temp_file("{\n\"version\": \"2.1.0\",\n\"runs\": [}");
  assert_int_equal(qg_sarif_import(path, &c, &r), QG_EPARSE);
  assert_int_equal(r.diags.n, 2);
  assert_string_equal(r.diags.items[1].loc.path, path);
  assert_string_equal(r.diags.items[1].message, "invalid JSON near line 3, column 10");
  assert_int_equal(r.diags.items[1].loc.line, 3);
  assert_int_equal(r.diags.items[1].loc.col, 10);
  assert_int_equal(c.files, 1);
  unlink(path);
  free(path);
  qg_result_cleanup(&r);
}

/* ---- metrics ------------------------------------------------------------------------ */

static qg_status mparse(const char *text, qg_metrics *m, qg_result *r) {
  return qg_metrics_parse("metrics.json", text, strlen(text), m, r);
}

static void test_metrics_all_keys(void **state) {
  (void)state;
  qg_metrics m;
  memset(&m, 0, sizeof(m));
  qg_result r;
  qg_result_init(&r);
  assert_int_equal(mparse("{\"build_seconds\": 93.5, \"image_bytes\": 120000000,"
                          " \"base_image_bytes\": 110000000, \"memory_bytes\": 2.5e8,"
                          " \"base_memory_bytes\": 0}",
                          &m, &r),
                   QG_OK);
  assert_int_equal(r.diags.n, 0);
  assert_true(m.has_build && m.has_image && m.has_base_image && m.has_memory && m.has_base_memory);
  assert_true(m.build_seconds == 93.5);
  assert_true(m.image_bytes == 120000000.0);
  assert_true(m.base_image_bytes == 110000000.0);
  assert_true(m.memory_bytes == 2.5e8);
  assert_true(m.base_memory_bytes == 0.0);
  /* every key is optional */
  memset(&m, 0, sizeof(m));
  assert_int_equal(mparse("{}", &m, &r), QG_OK);
  assert_false(m.has_build || m.has_image || m.has_base_image || m.has_memory || m.has_base_memory);
  qg_result_cleanup(&r);
}

static void test_metrics_override(void **state) {
  (void)state;
  qg_metrics m;
  memset(&m, 0, sizeof(m));
  qg_result r;
  qg_result_init(&r);
  assert_int_equal(mparse("{\"build_seconds\": 10, \"image_bytes\": 5}", &m, &r), QG_OK);
  assert_int_equal(mparse("{\"build_seconds\": 20, \"memory_bytes\": 7}", &m, &r), QG_OK);
  assert_int_equal(r.diags.n, 0);
  assert_true(m.has_build && m.build_seconds == 20);
  assert_true(m.has_image && m.image_bytes == 5); /* kept from the first */
  assert_true(m.has_memory && m.memory_bytes == 7);
  assert_false(m.has_base_image || m.has_base_memory);
  qg_result_cleanup(&r);
}

/* text must fail with exactly the messages given (NULL-terminated), and
 * leave *m as it was. */
static void metrics_bad(const char *text, const char *const *msgs, uint32_t line, uint32_t col) {
  qg_metrics m, before;
  memset(&m, 0, sizeof(m));
  m.has_build = true;
  m.build_seconds = 42;
  before = m;
  qg_result r;
  qg_result_init(&r);
  assert_int_equal(mparse(text, &m, &r), QG_EPARSE);
  assert_memory_equal(&m, &before, sizeof(m));
  size_t n = 0;
  while (msgs[n])
    n++;
  if (r.diags.n != n)
    fail_msg("%zu diags, want %zu; first \"%s\"", r.diags.n, n,
             r.diags.n ? r.diags.items[0].message : "");
  for (size_t i = 0; i < n; i++) {
    const qg_diag *d = &r.diags.items[i];
    assert_string_equal(d->message, msgs[i]);
    assert_int_equal(d->level, QG_DIAG_ERROR);
    assert_int_equal(d->status, QG_EPARSE);
    assert_string_equal(d->loc.path, "metrics.json");
    assert_int_equal(d->loc.line, line);
    assert_int_equal(d->loc.col, col);
  }
  qg_result_cleanup(&r);
}

static void test_metrics_errors(void **state) {
  (void)state;
  metrics_bad(
      "{\"build_seconds\": \"93\"}",
      (const char *const[]){"build_seconds: expected a non-negative number, got a string", NULL}, 0,
      0);
  metrics_bad("{\"image_byte\": 1}",
              (const char *const[]){"unknown key \"image_byte\" (known: build_seconds, "
                                    "image_bytes, base_image_bytes, memory_bytes, "
                                    "base_memory_bytes)",
                                    NULL},
              0, 0);
  metrics_bad("{\"memory_bytes\": -1}",
              (const char *const[]){"memory_bytes: expected a non-negative number, got -1", NULL},
              0, 0);
  metrics_bad("{\"memory_bytes\": 1e999}",
              (const char *const[]){"memory_bytes: expected a non-negative number, got one out "
                                    "of range",
                                    NULL},
              0, 0);
  metrics_bad("{\"build_seconds\": 1, \"build_seconds\": 2}",
              (const char *const[]){"duplicate key \"build_seconds\"", NULL}, 0, 0);
  metrics_bad("[1]",
              (const char *const[]){"expected a JSON object at the top level, got an array", NULL},
              0, 0);
  /* every problem in the file, in order; the valid key is not applied */
  metrics_bad("{\"build_seconds\": 1, \"image_bytes\": null, \"x\": 1, \"memory_bytes\": true,"
              " \"base_memory_bytes\": -0.5, \"base_image_bytes\": {}}",
              (const char *const[]){
                  "image_bytes: expected a non-negative number, got null",
                  "unknown key \"x\" (known: build_seconds, image_bytes, base_image_bytes, "
                  "memory_bytes, base_memory_bytes)",
                  "memory_bytes: expected a non-negative number, got a boolean",
                  "base_memory_bytes: expected a non-negative number, got -0.5",
                  "base_image_bytes: expected a non-negative number, got an object", NULL},
              0, 0);
  metrics_bad("{\n  \"build_seconds\": 12,\n  \"image_bytes\": 3e\n}",
              (const char *const[]){"invalid JSON near line 3, column 19", NULL}, 3, 19);
  metrics_bad("{\"build_seconds\": 1} {}",
              (const char *const[]){"invalid JSON near line 1, column 22", NULL}, 1, 22);
}

static void test_metrics_files(void **state) {
  (void)state;
  char *path = temp_file("{\"base_image_bytes\": 100}\n");
  qg_metrics m;
  memset(&m, 0, sizeof(m));
  qg_result r;
  qg_result_init(&r);
  assert_int_equal(qg_metrics_read(path, &m, &r), QG_OK);
  assert_true(m.has_base_image && m.base_image_bytes == 100);
  unlink(path);
  assert_int_equal(qg_metrics_read(path, &m, &r), QG_ENOENT);
  assert_int_equal(r.diags.n, 1);
  assert_int_equal(r.diags.items[0].status, QG_ENOENT);
  assert_string_equal(r.diags.items[0].loc.path, path);
  assert_true(m.has_base_image && m.base_image_bytes == 100);
  free(path);
  qg_result_cleanup(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_results_at_cap),
      cmocka_unit_test(test_results_over_cap),
      cmocka_unit_test(test_values_outside_results_capped),
      cmocka_unit_test(test_values_in_one_result_capped),
      cmocka_unit_test(test_streamed_result_syntax_error),
      cmocka_unit_test(test_streamed_first_results_key_only),
      cmocka_unit_test(test_level_default_warning),
      cmocka_unit_test(test_rule_default_level),
      cmocka_unit_test(test_result_levels),
      cmocka_unit_test(test_security_severity_sources),
      cmocka_unit_test(test_security_buckets),
      cmocka_unit_test(test_security_severity_errors),
      cmocka_unit_test(test_rule_index),
      cmocka_unit_test(test_rule_id),
      cmocka_unit_test(test_rule_in_extension),
      cmocka_unit_test(test_kind),
      cmocka_unit_test(test_suppressions),
      cmocka_unit_test(test_baseline_state),
      cmocka_unit_test(test_secret_scanner),
      cmocka_unit_test(test_two_runs),
      cmocka_unit_test(test_invalid_json),
      cmocka_unit_test(test_structure_errors),
      cmocka_unit_test(test_all_errors_reported),
      cmocka_unit_test(test_sarif_files),
      cmocka_unit_test(test_metrics_all_keys),
      cmocka_unit_test(test_metrics_override),
      cmocka_unit_test(test_metrics_errors),
      cmocka_unit_test(test_metrics_files),
  };
  return cmocka_run_group_tests_name("signals", tests, NULL, NULL);
}
