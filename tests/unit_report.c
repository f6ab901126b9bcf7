/* unit_report.c: fingerprints that survive unrelated edits, and SARIF regions
 * that are the findings' real positions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reporters/reporter.h"
#include "scanners/scanner.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char k_pod[] = "apiVersion: v1\nkind: Pod\nmetadata: {name: api}\nspec:\n"
                            "  containers:\n    - name: app\n      image: app:1\n"
                            "      securityContext:\n        privileged: true\n"
                            "    - name: side\n      image: side:1\n"
                            "      securityContext: {privileged: true}\n";

/* The same pod after unrelated edits: a comment block, another document
 * before it, and a label. */
static const char k_moved[] = "# owned by team payments\n# see ADR-12\n"
                              "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n---\n"
                              "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\n"
                              "  labels: {app: api}\nspec:\n"
                              "  containers:\n    - name: app\n      image: app:2\n"
                              "      securityContext:\n        privileged: true\n"
                              "    - name: side\n      image: side:1\n"
                              "      securityContext: {privileged: true}\n";

static void scan(const char *text, qg_result *r, qg_ruleset *rs) {
  qg_ruleset_init(rs);
  qg_scan_config cfg = {.run_k8s = true,
                        .k8s = {.rules = rs, .pss_level = QG_PSS_RESTRICTED, .pss_minor = 37}};
  qg_result_init(r);
  qg_scan_buffer(&cfg, "deploy/pod.yaml", (const unsigned char *)text, strlen(text), r);
  qg_result_sort(r);
}

static const qg_finding *find(const qg_result *r, const char *rule, const char *container) {
  for (size_t i = 0; i < r->findings.n; i++) {
    const qg_finding *f = &r->findings.items[i];
    if (strcmp(f->rule->id, rule) == 0 && f->ctx.container &&
        strcmp(f->ctx.container, container) == 0)
      return f;
  }
  return NULL;
}

static void test_fingerprints_survive_moves(void **state) {
  (void)state;
  qg_result a, b;
  qg_ruleset ra, rb;
  scan(k_pod, &a, &ra);
  scan(k_moved, &b, &rb);
  assert_int_equal(a.findings.n, b.findings.n);
  const char *containers[] = {"app", "side"};
  char fa[17], fb[17], other[17];
  for (size_t i = 0; i < 2; i++) {
    const qg_finding *x = find(&a, "pss/privileged", containers[i]);
    const qg_finding *y = find(&b, "pss/privileged", containers[i]);
    assert_non_null(x);
    assert_non_null(y);
    assert_int_not_equal(x->loc.line, y->loc.line); /* the lines did move */
    qg_finding_fingerprint(x, fa);
    qg_finding_fingerprint(y, fb);
    assert_string_equal(fa, fb);
  }
  /* different containers, different fingerprints */
  qg_finding_fingerprint(find(&a, "pss/privileged", "app"), fa);
  qg_finding_fingerprint(find(&a, "pss/privileged", "side"), other);
  assert_string_not_equal(fa, other);
  qg_result_cleanup(&a);
  qg_result_cleanup(&b);
  qg_ruleset_cleanup(&ra);
  qg_ruleset_cleanup(&rb);
}

static void test_sarif_regions_are_real(void **state) {
  (void)state;
  qg_result r;
  qg_ruleset rs;
  scan(k_pod, &r, &rs);
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  qg_report rep = {.result = &r, .rules = &rs, .command = "k8s"};
  assert_int_equal(qg_report_sarif(f, &rep), QG_OK);
  fclose(f);
  cJSON *root = cJSON_Parse(text);
  assert_non_null(root);
  assert_string_equal(cJSON_GetObjectItem(root, "version")->valuestring, "2.1.0");
  cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "runs"), 0);
  cJSON *results = cJSON_GetObjectItem(run, "results");
  cJSON *rules = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(run, "tool"), "driver"),
                                     "rules");
  assert_int_equal(cJSON_GetArraySize(results), (int)r.findings.n);
  for (int i = 0; i < cJSON_GetArraySize(results); i++) {
    cJSON *res = cJSON_GetArrayItem(results, i);
    const qg_finding *fd = &r.findings.items[i];
    cJSON *region = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(res, "locations"), 0),
                            "physicalLocation"),
        "region");
    assert_int_equal(cJSON_GetObjectItem(region, "startLine")->valueint, (int)fd->loc.line);
    assert_int_equal(cJSON_GetObjectItem(region, "startColumn")->valueint, (int)fd->loc.col);
    /* ruleIndex points at the rule named by ruleId */
    int idx = cJSON_GetObjectItem(res, "ruleIndex")->valueint;
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(rules, idx), "id")->valuestring,
                        cJSON_GetObjectItem(res, "ruleId")->valuestring);
    char fp[17];
    qg_finding_fingerprint(fd, fp);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(res, "partialFingerprints"), "qgate/v1")->valuestring,
        fp);
  }
  /* the privileged finding of "side" is at line 12, column 37 (the value) */
  const qg_finding *side = find(&r, "pss/privileged", "side");
  assert_int_equal(side->loc.line, 12);
  assert_int_equal(side->loc.col, 37);
  /* rules carry security-severity and Markdown help */
  cJSON *r0 = cJSON_GetArrayItem(rules, 0);
  assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(r0, "properties"), "security-severity"));
  assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(r0, "help"), "markdown"));
  cJSON_Delete(root);
  free(text);
  qg_result_cleanup(&r);
  qg_ruleset_cleanup(&rs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fingerprints_survive_moves),
      cmocka_unit_test(test_sarif_regions_are_real),
  };
  return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
