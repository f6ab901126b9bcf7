/* unit_report.c: fingerprints that survive unrelated edits, SARIF regions
 * that are the findings' real positions, GitLab Code Quality fingerprints and
 * well-formed JUnit XML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reporters/reporter.h"
#include "scanners/scanner.h"

#include <cjson/cJSON.h>
#include <libxml/parser.h>
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

/* Issue 17: diagnostics are capped per file; the one that counts the rest has the
 * highest level left out (and that one's status), so a file keeps its outcome. */
static void test_diags_capped_per_file(void **state) {
  (void)state;
  qg_result r;
  qg_result_init(&r);
  qg_location f = {"f.yaml", 0, 0, 0, 0};
  qg_result_diag(&r, QG_DIAG_WARNING, QG_EPARSE, &f, "before the cap"); /* not counted */
  size_t saved = qg_result_cap_diags(&r, 2);
  for (int i = 0; i < 5; i++)
    qg_result_diag(&r, i == 3 ? QG_DIAG_ERROR : QG_DIAG_WARNING, i == 3 ? QG_ETOOBIG : QG_EPARSE,
                   &f, "d%d", i);
  qg_result_uncap_diags(&r, saved, &f);
  assert_int_equal(saved, 0);
  assert_int_equal(r.max_diags, 0);
  assert_int_equal(r.diags.n, 4);
  assert_string_equal(r.diags.items[1].message, "d0");
  assert_string_equal(r.diags.items[2].message, "d1");
  assert_string_equal(r.diags.items[3].message,
                      "3 more diagnostics in this file were not reported");
  assert_int_equal(r.diags.items[3].level, QG_DIAG_ERROR);
  assert_int_equal(r.diags.items[3].status, QG_ETOOBIG);
  assert_string_equal(r.diags.items[3].loc.path, "f.yaml");
  /* warnings only: the count is a warning; one left out: singular; none: nothing */
  saved = qg_result_cap_diags(&r, 1);
  qg_result_diag(&r, QG_DIAG_NOTE, QG_EPARSE, &f, "n0");
  qg_result_diag(&r, QG_DIAG_WARNING, QG_EPARSE, &f, "w1");
  qg_result_uncap_diags(&r, saved, &f);
  assert_int_equal(r.diags.n, 6);
  assert_string_equal(r.diags.items[5].message, "1 more diagnostic in this file was not reported");
  assert_int_equal(r.diags.items[5].level, QG_DIAG_WARNING);
  saved = qg_result_cap_diags(&r, 1);
  qg_result_diag(&r, QG_DIAG_NOTE, QG_EPARSE, &f, "alone");
  qg_result_uncap_diags(&r, saved, &f);
  assert_int_equal(r.diags.n, 7);
  qg_result_cleanup(&r);
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
  cJSON *rules =
      cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(run, "tool"), "driver"), "rules");
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
        cJSON_GetObjectItem(cJSON_GetObjectItem(res, "partialFingerprints"), "qgate/v1")
            ->valuestring,
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

/* Issue 19: the run says which command wrote it (automationDetails.id, GitHub's
 * category), or the category given; a bad category is refused. */
static void test_sarif_category(void **state) {
  (void)state;
  qg_result r;
  qg_ruleset rs;
  scan(k_pod, &r, &rs);
  const char *commands[] = {"k8s", "secrets", "scan", "k8s"};
  const char *categories[] = {NULL, NULL, NULL, "team-a/k8s//"};
  const char *ids[] = {"qgate/k8s/", "qgate/secrets/", "qgate/scan/", "team-a/k8s/"};
  for (int i = 0; i < 4; i++) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    qg_report rep = {
        .result = &r, .rules = &rs, .command = commands[i], .sarif_category = categories[i]};
    assert_int_equal(qg_report_sarif(f, &rep), QG_OK);
    fclose(f);
    cJSON *root = cJSON_Parse(text);
    cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "runs"), 0);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(run, "automationDetails"), "id")->valuestring,
        ids[i]);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(run, "properties"), "qgateCommand")->valuestring,
        commands[i]);
    /* under the cap: every finding, and no note about a cap */
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(run, "results")), (int)r.findings.n);
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(run, "properties"), "qgateResultsLeftOut"));
    cJSON_Delete(root);
    free(text);
  }
  assert_null(qg_sarif_category_invalid("qgate/k8s"));
  assert_null(qg_sarif_category_invalid("/language:go"));
  assert_string_equal(qg_sarif_category_invalid(""), "it is empty");
  assert_string_equal(qg_sarif_category_invalid("//"), "it is only '/'");
  assert_string_equal(qg_sarif_category_invalid("a b"),
                      "it may hold printable ASCII characters only, no space");
  assert_string_equal(qg_sarif_category_invalid("a\n::error::x"),
                      "it may hold printable ASCII characters only, no space");
  char longer[QG_SARIF_CATEGORY_MAX + 2];
  memset(longer, 'a', sizeof(longer) - 1);
  longer[sizeof(longer) - 1] = '\0';
  assert_string_equal(qg_sarif_category_invalid(longer), "it is longer than 200 characters");
  longer[QG_SARIF_CATEGORY_MAX] = '\0';
  assert_null(qg_sarif_category_invalid(longer));
  qg_result_cleanup(&r);
  qg_ruleset_cleanup(&rs);
}

/* Issue 19: over the results cap the most severe are kept (then the report's
 * order), and the warning names how many of each severity were left out. The pod
 * has 16 findings: 2 critical, 2 high, 8 medium, 4 low. */
static void test_sarif_cap_plan(void **state) {
  (void)state;
  qg_result r;
  qg_ruleset rs;
  scan(k_pod, &r, &rs);
  assert_int_equal(r.findings.n, 16);
  qg_report rep = {.result = &r, .rules = &rs, .command = "k8s"};
  qg_sarif_cap cap;
  qg_sarif_cap_plan(&rep, 10, &cap);
  assert_int_equal(cap.kept, 10);
  assert_int_equal(cap.dropped, 6);
  assert_int_equal(cap.kept_by[QG_SEV_CRITICAL], 2);
  assert_int_equal(cap.kept_by[QG_SEV_HIGH], 2);
  assert_int_equal(cap.kept_by[QG_SEV_MEDIUM], 6);
  assert_int_equal(cap.kept_by[QG_SEV_LOW], 0);
  char *w = qg_sarif_cap_warning(&cap);
  assert_string_equal(w, "16 results are over GitHub code scanning's limit of 10 per run: kept "
                         "the 10 most severe, left out 6 (2 medium, 4 low)");
  free(w);
  /* only low ones over: one severity named */
  qg_sarif_cap_plan(&rep, 15, &cap);
  w = qg_sarif_cap_warning(&cap);
  assert_string_equal(w, "16 results are over GitHub code scanning's limit of 15 per run: kept "
                         "the 15 most severe, left out 1 (1 low)");
  free(w);
  /* at the cap exactly: nothing left out, no warning */
  qg_sarif_cap_plan(&rep, 16, &cap);
  assert_int_equal(cap.dropped, 0);
  assert_null(qg_sarif_cap_warning(&cap));
  qg_sarif_cap_plan(&rep, QG_SARIF_RUN_RESULTS, &cap);
  assert_int_equal(cap.kept, 16);
  assert_null(qg_sarif_cap_warning(&cap));
  qg_result_cleanup(&r);
  qg_ruleset_cleanup(&rs);
}

/* Runs a reporter into a string; caller frees. */
static char *report(qg_report_fn fn, const qg_result *r, const qg_ruleset *rs) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  qg_report rep = {.result = r, .rules = rs, .command = "k8s"};
  assert_int_equal(fn(f, &rep), QG_OK);
  fclose(f);
  return text;
}

/* The codequality fingerprints of a scan, as a JSON array (caller deletes). */
static cJSON *cq_fingerprints(const qg_result *r, const qg_ruleset *rs) {
  char *text = report(qg_report_codequality, r, rs);
  cJSON *root = cJSON_Parse(text);
  free(text);
  assert_non_null(root);
  assert_true(cJSON_IsArray(root));
  cJSON *fps = cJSON_CreateArray();
  cJSON *it;
  cJSON_ArrayForEach(it, root) {
    const char *fp = cJSON_GetObjectItem(it, "fingerprint")->valuestring;
    assert_int_equal(strlen(fp), 32);
    assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(it, "location"), "lines") != NULL);
    cJSON_AddItemToArray(fps, cJSON_CreateString(fp));
  }
  cJSON_Delete(root);
  return fps;
}

static void assert_all_distinct(const cJSON *fps) {
  int n = cJSON_GetArraySize(fps);
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      assert_string_not_equal(cJSON_GetArrayItem(fps, i)->valuestring,
                              cJSON_GetArrayItem(fps, j)->valuestring);
}

static void test_codequality_fingerprints(void **state) {
  (void)state;
  qg_result a, b, c;
  qg_ruleset ra, rb, rc;
  scan(k_pod, &a, &ra);
  scan(k_pod, &b, &rb);
  scan(k_moved, &c, &rc);
  cJSON *fa = cq_fingerprints(&a, &ra), *fb = cq_fingerprints(&b, &rb),
        *fc = cq_fingerprints(&c, &rc);
  assert_true(cJSON_GetArraySize(fa) >= 2);
  /* two runs: the same fingerprints; different findings: different ones */
  assert_true(cJSON_Compare(fa, fb, 1));
  assert_all_distinct(fa);
  /* unrelated lines moved: every fingerprint is still there */
  assert_int_equal(cJSON_GetArraySize(fa), cJSON_GetArraySize(fc));
  cJSON *it;
  cJSON_ArrayForEach(it, fa) {
    bool found = false;
    cJSON *jt;
    cJSON_ArrayForEach(jt, fc) found |= strcmp(it->valuestring, jt->valuestring) == 0;
    assert_true(found);
  }

  /* two findings with the same line-independent fingerprint (the same rule
   * on the same node) still get different ones, and suppressing the first
   * does not renumber the second */
  const qg_finding *x = &a.findings.items[0];
  qg_location loc = x->loc;
  qg_context ctx = x->ctx;
  loc.line += 100;
  qg_result_add_finding(&a, x->rule, x->severity, &loc, &ctx, qg_xstrdup("again"));
  cJSON *fd = cq_fingerprints(&a, &ra);
  assert_int_equal(cJSON_GetArraySize(fd), cJSON_GetArraySize(fa) + 1);
  assert_all_distinct(fd);
  const char *second = cJSON_GetArrayItem(fd, cJSON_GetArraySize(fd) - 1)->valuestring;
  char *keep = qg_xstrdup(second);
  qg_finding_suppress(&a, &a.findings.items[0], "qgate.io/ignore", NULL);
  cJSON *fs = cq_fingerprints(&a, &ra);
  assert_int_equal(cJSON_GetArraySize(fs), cJSON_GetArraySize(fa));
  assert_string_equal(cJSON_GetArrayItem(fs, cJSON_GetArraySize(fs) - 1)->valuestring, keep);
  free(keep);

  cJSON_Delete(fa);
  cJSON_Delete(fb);
  cJSON_Delete(fc);
  cJSON_Delete(fd);
  cJSON_Delete(fs);
  qg_result_cleanup(&a);
  qg_result_cleanup(&b);
  qg_result_cleanup(&c);
  qg_ruleset_cleanup(&ra);
  qg_ruleset_cleanup(&rb);
  qg_ruleset_cleanup(&rc);
}

static void test_junit_escapes(void **state) {
  (void)state;
  qg_result r;
  qg_ruleset rs;
  scan(k_pod, &r, &rs);
  qg_location loc = {.path = "deploy/a&b<c>.yaml", .line = 3, .col = 5};
  qg_context ctx = {.kind = "Pod", .name = "api"};
  /* the special characters, a control character XML 1.0 does not allow,
   * a byte that is not UTF-8, and non-ASCII text that must stay */
  qg_result_add_finding(&r, qg_rule_find("pss/privileged"), QG_SEV_CRITICAL, &loc, &ctx,
                        qg_xstrdup("x <&\"'> y\x01z\xff \xc3\xa9t\xc3\xa9"));
  loc.line = 0;
  qg_result_diag(&r, QG_DIAG_ERROR, QG_EPARSE, &loc, "bad <%s>", "'yaml' & \"more\"");
  char *text = report(qg_report_junit, &r, &rs);
  /* what XML cannot hold in the visible form the other reports use */
  assert_non_null(strstr(text, "x &lt;&amp;&quot;&apos;&gt; y\\x01z\\xff \xc3\xa9t\xc3\xa9\n"));
  assert_non_null(strstr(text, "deploy/a&amp;b&lt;c&gt;.yaml:3:5: x &lt;"));
  assert_non_null(strstr(text, "deploy/a&amp;b&lt;c&gt;.yaml: bad &lt;&apos;yaml&apos; &amp; "
                               "&quot;more&quot;&gt;\n</error>"));
  assert_null(strchr(text, '\x01'));
  assert_non_null(strstr(text, "<testcase classname=\"pss\" name=\"pss/privileged\">"));

  /* well-formed XML with the counts in the suite's attributes */
  xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), "junit.xml", "UTF-8",
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  assert_non_null(doc);
  xmlNodePtr suites = xmlDocGetRootElement(doc);
  assert_string_equal((const char *)suites->name, "testsuites");
  xmlChar *errors = xmlGetProp(suites, (const xmlChar *)"errors");
  assert_string_equal((const char *)errors, "1");
  xmlFree(errors);
  size_t on = 0;
  for (size_t i = 0; i < rs.n; i++)
    on += rs.on[i];
  xmlChar *tests = xmlGetProp(suites, (const xmlChar *)"tests");
  char want[32];
  snprintf(want, sizeof(want), "%zu", on + 1);
  assert_string_equal((const char *)tests, want);
  xmlFree(tests);
  xmlFreeDoc(doc);
  free(text);
  qg_result_cleanup(&r);
  qg_ruleset_cleanup(&rs);
}

/* JSON and SARIF printed by several threads are the text one thread prints,
 * byte for byte, with batches that end mid-way and a last short one. */
static char *report_text(qg_report_fn fn, qg_report *rep, unsigned threads) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  rep->threads = threads;
  assert_int_equal(fn(f, rep), QG_OK);
  fclose(f);
  return text;
}

static void test_threads_print_the_same(void **state) {
  (void)state;
  /* 200 pods of 2 containers: well over the 512 findings where threads start */
  size_t cap = 200 * sizeof(k_pod) + 200 * 8;
  char *many = malloc(cap);
  assert_non_null(many);
  size_t len = 0;
  for (int i = 0; i < 200; i++)
    len += (size_t)snprintf(many + len, cap - len, "%s%s", i ? "---\n" : "", k_pod);
  qg_result r;
  qg_ruleset rs;
  scan(many, &r, &rs);
  free(many);
  assert_true(r.findings.n > 3 * 512);
  qg_report rep = {.result = &r, .rules = &rs, .command = "k8s"};
  qg_report_fn fns[] = {qg_report_json, qg_report_sarif};
  for (size_t k = 0; k < 2; k++) {
    char *one = report_text(fns[k], &rep, 1);
    const unsigned threads[] = {2, 3, 8, 1000};
    for (size_t t = 0; t < 4; t++) {
      char *more = report_text(fns[k], &rep, threads[t]);
      assert_string_equal(one, more);
      free(more);
    }
    cJSON *root = cJSON_Parse(one);
    assert_non_null(root);
    cJSON *items =
        k == 0 ? cJSON_GetObjectItem(root, "findings")
               : cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "runs"), 0),
                                     "results");
    assert_int_equal(cJSON_GetArraySize(items), (int)r.findings.n);
    cJSON_Delete(root);
    free(one);
  }
  qg_result_cleanup(&r);
  qg_ruleset_cleanup(&rs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_diags_capped_per_file),
      cmocka_unit_test(test_fingerprints_survive_moves),
      cmocka_unit_test(test_sarif_regions_are_real),
      cmocka_unit_test(test_sarif_category),
      cmocka_unit_test(test_sarif_cap_plan),
      cmocka_unit_test(test_codequality_fingerprints),
      cmocka_unit_test(test_junit_escapes),
      cmocka_unit_test(test_threads_print_the_same),
  };
  return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
