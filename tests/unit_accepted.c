/* unit_accepted.c: .qgateignore, parsed into a set and applied by lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/accepted.h"
#include "core/mem.h"
#include "rules/rule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_lines(void **state) {
  (void)state;
  /* line 1 comment, 2 blank, 3 good with a reason, 4 upper case, 5 17 digits,
   * 6 good after blanks with CRLF, 7 trailing junk, 8 a repeat of 3, 9 a NUL,
   * 10 too short, 11 good without a final newline */
  static const char text[] = "# accepted\n"
                             "\n"
                             "00000000000000ff  # the agent needs it\n"
                             "00000000000000FF\n"
                             "00000000000000fff\n"
                             " \t0123456789abcdef\r\n"
                             "0123456789abcdefXYZ\n"
                             "00000000000000ff\n"
                             "0000000\0000000000\n"
                             "abc\n"
                             "ffffffffffffffff";
  qg_accepted a;
  qg_accepted_parse(&a, text, sizeof(text) - 1);
  assert_int_equal(a.n, 3);
  assert_true(a.fps[0] == 0xffu && a.fps[1] == 0x0123456789abcdefu &&
              a.fps[2] == 0xffffffffffffffffu);
  assert_int_equal(a.nbad, 5);
  const unsigned bad[] = {4, 5, 7, 9, 10};
  for (size_t i = 0; i < 5; i++)
    assert_int_equal(a.bad[i], bad[i]);
  assert_true(qg_accepted_has(&a, "00000000000000ff"));
  assert_true(qg_accepted_has(&a, "ffffffffffffffff"));
  assert_false(qg_accepted_has(&a, "00000000000000fe"));
  assert_false(qg_accepted_has(&a, "00000000000000FF"));
  qg_accepted_cleanup(&a);
  assert_null(a.fps);
}

/* Only the first QG_ACCEPTED_MAX_BAD bad lines are kept by number; all are
 * counted. */
static void test_bad_capped(void **state) {
  (void)state;
  size_t n = 250;
  char *text = qg_xmalloc(n * 2);
  for (size_t i = 0; i < n; i++)
    memcpy(text + 2 * i, "x\n", 2);
  qg_accepted a;
  qg_accepted_parse(&a, text, n * 2);
  assert_int_equal(a.nbad, 250);
  assert_int_equal(a.bad[0], 1);
  assert_int_equal(a.bad[QG_ACCEPTED_MAX_BAD - 1], QG_ACCEPTED_MAX_BAD);
  assert_int_equal(a.n, 0);
  qg_accepted_cleanup(&a);
  free(text);
}

/* The hang: a 4 MiB file of fingerprints against thousands of findings was
 * one fingerprint computation per line and finding (10^9 and more). Now each finding
 * is one lookup: this case (262,144 lines x 4,000 findings) would be 10^9 hashes the
 * old way. It asserts what is suppressed, not a time. */
static void test_apply_many(void **state) {
  (void)state;
  const qg_rule *rule = qg_rule_find("pss/privileged");
  assert_non_null(rule);
  qg_result r;
  qg_result_init(&r);
  size_t nf = 4000;
  for (size_t i = 0; i < nf; i++) {
    char name[32];
    snprintf(name, sizeof(name), "pod-%zu", i);
    qg_location loc = {"deploy.yaml", (uint32_t)i + 1, 1, (uint32_t)i + 1, 2};
    qg_context ctx = {0};
    ctx.kind = "Pod";
    ctx.name = name;
    qg_result_add_finding(&r, rule, QG_SEV_HIGH, &loc, &ctx, qg_xstrdup("m"));
  }
  /* every other finding's fingerprint, among many that match nothing */
  size_t lines = 262144;
  char *text = qg_xmalloc(lines * 17);
  for (size_t i = 0; i < lines; i++) {
    char fp[17];
    if (i % 64 == 0 && (i / 64) % 2 == 0 && i / 64 < nf)
      qg_finding_fingerprint(&r.findings.items[i / 64], fp);
    else
      snprintf(fp, sizeof(fp), "%016zx", i * 2654435761u);
    memcpy(text + i * 17, fp, 16);
    text[i * 17 + 16] = '\n';
  }
  qg_accepted a;
  qg_accepted_parse(&a, text, lines * 17);
  assert_int_equal(a.nbad, 0);
  size_t expect = 0;
  for (size_t i = 0; i * 64 < lines && i < nf; i += 2)
    expect++;
  assert_int_equal(qg_accepted_apply(&a, &r), expect);
  for (size_t i = 0; i < nf; i++) {
    bool want = i * 64 < lines && i % 2 == 0;
    assert_true((r.findings.items[i].suppressed_by != NULL) == want);
  }
  /* applying again suppresses nothing more */
  assert_int_equal(qg_accepted_apply(&a, &r), 0);
  qg_accepted_cleanup(&a);
  free(text);
  qg_result_cleanup(&r);
}

/* The fingerprint a report shows: a stand-in redaction that renames "secret-" paths. */
static size_t g_shown_calls;

static void shown_fp(void *ud, const qg_finding *f, char out[17]) {
  (void)ud;
  g_shown_calls++;
  qg_finding g = *f;
  if (strncmp(f->loc.path, "secret-", 7) == 0)
    g.loc.path = "masked.yaml";
  qg_finding_fingerprint(&g, out);
}

/* qg_accepted_apply_shown matches a finding by its own fingerprint or by the one
 * shown; the callback runs only for findings not matched otherwise. */
static void test_apply_shown(void **state) {
  (void)state;
  const qg_rule *rule = qg_rule_find("pss/privileged");
  assert_non_null(rule);
  qg_result r;
  qg_result_init(&r);
  static const char *const paths[] = {"secret-a.yaml", "plain.yaml", "secret-b.yaml", "other.yaml"};
  qg_context ctx = {0};
  ctx.kind = "Pod";
  for (size_t i = 0; i < 4; i++) {
    ctx.name = i == 2 ? "b" : "a";
    qg_location loc = {paths[i], 1, 1, 0, 0};
    qg_result_add_finding(&r, rule, QG_SEV_HIGH, &loc, &ctx, qg_xstrdup("m"));
  }
  /* the shown fingerprint of finding 0 (masked.yaml, a), the real one of finding 1 */
  char fp0[17], fp1[17], text[64];
  shown_fp(NULL, &r.findings.items[0], fp0);
  qg_finding_fingerprint(&r.findings.items[1], fp1);
  snprintf(text, sizeof(text), "%s\n%s\n", fp0, fp1);
  qg_accepted a;
  qg_accepted_parse(&a, text, strlen(text));
  /* without the shown fingerprints, only the real one matches */
  assert_int_equal(qg_accepted_apply_shown(&a, &r, NULL, NULL), 1);
  assert_non_null(r.findings.items[1].suppressed_by);
  assert_null(r.findings.items[0].suppressed_by);
  g_shown_calls = 0;
  assert_int_equal(qg_accepted_apply_shown(&a, &r, shown_fp, NULL), 1);
  assert_non_null(r.findings.items[0].suppressed_by);
  assert_null(r.findings.items[2].suppressed_by); /* masked.yaml too, but another object */
  assert_null(r.findings.items[3].suppressed_by);
  assert_int_equal(g_shown_calls, 3); /* not for the one already suppressed */
  qg_accepted_cleanup(&a);
  qg_result_cleanup(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lines),
      cmocka_unit_test(test_bad_capped),
      cmocka_unit_test(test_apply_many),
      cmocka_unit_test(test_apply_shown),
  };
  return cmocka_run_group_tests_name("accepted", tests, NULL, NULL);
}
