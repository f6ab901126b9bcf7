/* unit_secret_docs.c: rules/secrets-docs.def, each secrets rule's format and
 * what it ignores (docs/rules.md), against the registry: every secrets rule
 * has exactly one row and every row names a secrets rule, so they cannot
 * drift apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "rules/rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct secret_doc {
  const char *id, *format, *ignores;
} secret_doc;

static const secret_doc k_docs[] = {
#define QG_SECRET_DOC(id_, format_, ignores_) {id_, format_, ignores_},
#include "rules/secrets-docs.def"
#undef QG_SECRET_DOC
};

static bool is_secret(const char *id) { return strncmp(id, "secrets/", 8) == 0; }

/* The longest run of letters and digits in s. */
static size_t longest_run(const char *s) {
  size_t best = 0, run = 0;
  for (; *s; s++) {
    run = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ? run + 1
                                                                                           : 0;
    best = run > best ? run : best;
  }
  return best;
}

/* Rows are sorted by id (so none is listed twice), name a secrets rule, and
 * say something in each field, on one line, in words: no run of letters and
 * digits as long as a token's body (the longest word is a setting's name). */
static void test_rows_name_rules(void **state) {
  (void)state;
  for (size_t i = 0; i < QG_ARRAY_LEN(k_docs); i++) {
    const secret_doc *d = &k_docs[i];
    if (!is_secret(d->id) || !qg_rule_find(d->id))
      fail_msg("row %zu: no secrets rule '%s'", i, d->id);
    if (i && strcmp(k_docs[i - 1].id, d->id) >= 0)
      fail_msg("'%s' is not after '%s'", d->id, k_docs[i - 1].id);
    if (strlen(d->format) < 10 || strlen(d->ignores) < 10)
      fail_msg("%s: a field is (nearly) empty", d->id);
    if (strchr(d->format, '\n') || strchr(d->ignores, '\n'))
      fail_msg("%s: a field holds a newline", d->id);
    if (longest_run(d->format) > 25 || longest_run(d->ignores) > 25)
      fail_msg("%s: a field holds a token-like run of letters and digits", d->id);
  }
}

/* Every secrets rule of the registry has exactly one row. */
static void test_every_rule_has_one_row(void **state) {
  (void)state;
  size_t n, secrets = 0;
  const qg_rule *r = qg_rules_all(&n);
  for (size_t i = 0; i < n; i++) {
    if (!is_secret(r[i].id))
      continue;
    secrets++;
    size_t rows = 0;
    for (size_t j = 0; j < QG_ARRAY_LEN(k_docs); j++)
      rows += strcmp(k_docs[j].id, r[i].id) == 0;
    if (rows != 1)
      fail_msg("%s: %zu rows in rules/secrets-docs.def", r[i].id, rows);
  }
  assert_int_equal(secrets, QG_ARRAY_LEN(k_docs));
  assert_true(secrets >= 160);
}

static char *run(int argc, char **argv) {
  char *out = NULL, *err = NULL;
  size_t on = 0, en = 0;
  FILE *o = open_memstream(&out, &on), *e = open_memstream(&err, &en);
  assert_non_null(o);
  assert_non_null(e);
  qg_cli_io io = {.in = stdin, .out = o, .err = e};
  assert_int_equal(qg_cli_run(argc, argv, &io), 0);
  fclose(o);
  fclose(e);
  free(err);
  return out;
}

/* qgate rules --format markdown prints each secrets rule's two lines, after
 * its remediation; other rules have none. */
static void test_markdown(void **state) {
  (void)state;
  char a0[] = "qgate", a1[] = "rules", a2[] = "--format", a3[] = "markdown",
       a4[] = "secrets/github-token", a5[] = "pss/privileged";
  char *argv[] = {a0, a1, a2, a3, a4, NULL};
  char *out = run(5, argv);
  const char *rem = strstr(out, "\n**Remediation:** ");
  assert_non_null(rem);
  const char *fmt = strstr(rem, "\n\n**Format:** ghp_, gho_, ghu_, ghs_ or ghr_ ");
  assert_non_null(fmt);
  const char *ign = strstr(fmt, "\n\n**Ignores:** ");
  assert_non_null(ign);
  assert_non_null(strstr(ign, "secrets.GITHUB_TOKEN"));
  free(out);
  argv[4] = a5;
  out = run(5, argv);
  assert_null(strstr(out, "**Format:**"));
  assert_null(strstr(out, "**Ignores:**"));
  free(out);
  /* the whole page: one Format and one Ignores line per secrets row */
  char *all[] = {a0, a1, a2, a3, NULL};
  out = run(4, all);
  size_t formats = 0, ignores = 0;
  for (const char *s = out; (s = strstr(s, "\n**Format:** ")); s++)
    formats++;
  for (const char *s = out; (s = strstr(s, "\n**Ignores:** ")); s++)
    ignores++;
  assert_int_equal(formats, QG_ARRAY_LEN(k_docs));
  assert_int_equal(ignores, QG_ARRAY_LEN(k_docs));
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rows_name_rules),
      cmocka_unit_test(test_every_rule_has_one_row),
      cmocka_unit_test(test_markdown),
  };
  return cmocka_run_group_tests_name("secret_docs", tests, NULL, NULL);
}
