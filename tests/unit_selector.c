/* unit_selector.c: the label selector helpers of scanners/k8s/k8s.h, with
 * Kubernetes' semantics: matchLabels and matchExpressions ANDed, {} selects
 * every pod, a missing or invalid selector none; a plain map selector. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "scanners/k8s/k8s.h"

#include <string.h>

/* The document's "selector" and "labels" (either may be absent), read by
 * `fn`; the answer in *out. */
typedef struct probe {
  bool (*fn)(const qg_ynode *sel, const qg_ynode *labels);
  int out; /* -1 until the document is read */
} probe;

static qg_status on_doc(void *ud, const qg_ynode *root, unsigned index) {
  probe *p = ud;
  (void)index;
  p->out = p->fn(qg_ymap_get(root, "selector"), qg_ymap_get(root, "labels")) ? 1 : 0;
  return QG_OK;
}

static int run(bool (*fn)(const qg_ynode *, const qg_ynode *), const char *doc) {
  probe p = {fn, -1};
  qg_yaml_opts o = {{0}, on_doc, NULL, &p, false, false};
  qg_yaml_error err;
  assert_int_equal(qg_yaml_load((const unsigned char *)doc, strlen(doc), &o, &err), QG_OK);
  assert_int_not_equal(p.out, -1);
  return p.out;
}

static int sel(const char *doc) { return run(qg_k8s_selector_matches, doc); }
static int map(const char *doc) { return run(qg_k8s_map_selector_matches, doc); }

#define LABELS "labels: {app: web, tier: front, empty: \"\"}\n"

static void test_empty_and_missing(void **state) {
  (void)state;
  assert_int_equal(sel("selector: {}\n" LABELS), 1);      /* {} selects everything */
  assert_int_equal(sel("selector: {}\nlabels: {}\n"), 1); /* even a pod without labels */
  assert_int_equal(sel("selector: {}\n"), 1);             /* labels absent */
  assert_int_equal(sel(LABELS), 0);                       /* no selector: nothing */
  assert_int_equal(sel("selector: null\n" LABELS), 0);
  assert_int_equal(sel("selector: app\n" LABELS), 0); /* not a mapping */
  assert_int_equal(sel("selector: {matchLabels: {}, matchExpressions: []}\n" LABELS), 1);
  assert_int_equal(sel("selector: {matchLabels: null}\n" LABELS), 1);
}

static void test_match_labels(void **state) {
  (void)state;
  assert_int_equal(sel("selector: {matchLabels: {app: web}}\n" LABELS), 1);
  assert_int_equal(sel("selector: {matchLabels: {app: web, tier: front}}\n" LABELS), 1);
  assert_int_equal(sel("selector: {matchLabels: {app: web, tier: back}}\n" LABELS), 0);
  assert_int_equal(sel("selector: {matchLabels: {app: api}}\n" LABELS), 0);
  assert_int_equal(sel("selector: {matchLabels: {zone: a}}\n" LABELS), 0);
  assert_int_equal(sel("selector: {matchLabels: {empty: \"\"}}\n" LABELS), 1);
  assert_int_equal(sel("selector: {matchLabels: {empty: }}\n" LABELS), 1); /* null is "" */
  assert_int_equal(sel("selector: {matchLabels: {app: web}}\n"), 0);       /* no labels */
  assert_int_equal(sel("selector: {matchLabels: {app: web}}\nlabels: [app]\n"), 0);
  assert_int_equal(sel("selector: {matchLabels: {app: [web]}}\n" LABELS), 0); /* invalid */
  assert_int_equal(sel("selector: {matchLabels: [app]}\n" LABELS), 0);
  /* numbers are compared as written: a label value is a string */
  assert_int_equal(sel("selector: {matchLabels: {v: 1}}\nlabels: {v: \"1\"}\n"), 1);
}

static void test_match_expressions(void **state) {
  (void)state;
  assert_int_equal(
      sel("selector: {matchExpressions: [{key: app, operator: In, values: [api, web]}]}\n" LABELS),
      1);
  assert_int_equal(
      sel("selector: {matchExpressions: [{key: app, operator: In, values: [api]}]}\n" LABELS), 0);
  assert_int_equal(
      sel("selector: {matchExpressions: [{key: zone, operator: In, values: [a]}]}\n" LABELS), 0);
  assert_int_equal(
      sel("selector: {matchExpressions: [{key: app, operator: NotIn, values: [api]}]}\n" LABELS),
      1);
  assert_int_equal(
      sel("selector: {matchExpressions: [{key: app, operator: NotIn, values: [web]}]}\n" LABELS),
      0);
  /* NotIn selects a pod without the key */
  assert_int_equal(
      sel("selector: {matchExpressions: [{key: zone, operator: NotIn, values: [a]}]}\n" LABELS), 1);
  assert_int_equal(sel("selector: {matchExpressions: [{key: app, operator: Exists}]}\n" LABELS), 1);
  assert_int_equal(sel("selector: {matchExpressions: [{key: zone, operator: Exists}]}\n" LABELS),
                   0);
  assert_int_equal(
      sel("selector: {matchExpressions: [{key: zone, operator: DoesNotExist}]}\n" LABELS), 1);
  assert_int_equal(
      sel("selector: {matchExpressions: [{key: app, operator: DoesNotExist}]}\n" LABELS), 0);
  /* every expression and matchLabels must hold */
  assert_int_equal(sel("selector:\n  matchLabels: {app: web}\n  matchExpressions:\n"
                       "    - {key: tier, operator: In, values: [front]}\n"
                       "    - {key: canary, operator: DoesNotExist}\n" LABELS),
                   1);
  assert_int_equal(sel("selector:\n  matchLabels: {app: web}\n  matchExpressions:\n"
                       "    - {key: tier, operator: In, values: [back]}\n" LABELS),
                   0);
  assert_int_equal(sel("selector:\n  matchLabels: {app: api}\n  matchExpressions:\n"
                       "    - {key: tier, operator: In, values: [front]}\n" LABELS),
                   0);
}

/* What the API refuses selects nothing, even where it would otherwise match. */
static void test_invalid(void **state) {
  (void)state;
  assert_int_equal(
      sel("selector: {matchExpressions: [{key: app, operator: Equals, values: [web]}]}\n" LABELS),
      0);
  assert_int_equal(sel("selector: {matchExpressions: [{key: app, operator: In}]}\n" LABELS), 0);
  assert_int_equal(
      sel("selector: {matchExpressions: [{key: zone, operator: NotIn, values: []}]}\n" LABELS), 0);
  assert_int_equal(
      sel("selector: {matchExpressions: [{key: app, operator: Exists, values: [web]}]}\n" LABELS),
      0);
  assert_int_equal(sel("selector: {matchExpressions: [{operator: Exists}]}\n" LABELS), 0);
  assert_int_equal(sel("selector: {matchExpressions: [app]}\n" LABELS), 0);
  assert_int_equal(sel("selector: {matchExpressions: {key: app, operator: Exists}}\n" LABELS), 0);
  assert_int_equal(
      sel("selector: {matchExpressions: [{key: app, operator: In, values: [[web]]}]}\n" LABELS), 0);
  /* an invalid expression after a failing one still makes the whole invalid */
  assert_int_equal(sel("selector: {matchLabels: {app: api}, matchExpressions: "
                       "[{key: app, operator: Bogus}]}\n" LABELS),
                   0);
}

static void test_map_selector(void **state) {
  (void)state;
  assert_int_equal(map("selector: {app: web}\n" LABELS), 1);
  assert_int_equal(map("selector: {app: web, tier: front}\n" LABELS), 1);
  assert_int_equal(map("selector: {app: web, tier: back}\n" LABELS), 0);
  assert_int_equal(map("selector: {zone: a}\n" LABELS), 0);
  assert_int_equal(map("selector: {app: web}\n"), 0);
  /* no selector, or an empty one: a Service without a selector chooses no pods */
  assert_int_equal(map(LABELS), 0);
  assert_int_equal(map("selector: {}\n" LABELS), 0);
  assert_int_equal(map("selector: null\n" LABELS), 0);
  assert_int_equal(map("selector: [app]\n" LABELS), 0);
  /* a LabelSelector's keys are not labels */
  assert_int_equal(map("selector: {matchLabels: {app: web}}\n" LABELS), 0);
  assert_int_equal(map("selector: {app: [web]}\n" LABELS), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_empty_and_missing), cmocka_unit_test(test_match_labels),
      cmocka_unit_test(test_match_expressions), cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_map_selector),
  };
  return cmocka_run_group_tests_name("selector", tests, NULL, NULL);
}
