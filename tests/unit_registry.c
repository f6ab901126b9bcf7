/* unit_registry.c: invariants of the rule registry and the CLI tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "reporters/reporter.h"
#include "rules/rows.h"
#include "scanners/k8s/check.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_sorted_unique(void **state) {
  (void)state;
  size_t n;
  const qg_rule *r = qg_rules_all(&n);
  assert_true(n >= 19);
  for (size_t i = 1; i < n; i++)
    assert_true(strcmp(r[i - 1].id, r[i].id) < 0);
}

static void test_fields(void **state) {
  (void)state;
  size_t n;
  const qg_rule *r = qg_rules_all(&n);
  for (size_t i = 0; i < n; i++) {
    const char *id = r[i].id;
    const char *slash = strchr(id, '/');
    assert_non_null(slash);
    for (const char *c = id; *c; c++)
      assert_true(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '-' ||
                  c == slash);
    assert_true(isupper((unsigned char)r[i].name[0]));
    for (const char *c = r[i].name; *c; c++)
      assert_true(isalnum((unsigned char)*c));
    assert_true(strlen(r[i].title) > 10);
    assert_true(r[i].title[strlen(r[i].title) - 1] != '.');
    assert_true(strlen(r[i].help) > 20);
    size_t rl = strlen(r[i].remediation);
    assert_true(rl > 10 && r[i].remediation[rl - 1] == '.');
    assert_true(strncmp(r[i].help_uri, "https://", 8) == 0);
    assert_ptr_equal(qg_rule_find(id), &r[i]);
  }
  assert_null(qg_rule_find("pss/nope"));
}

/* Every pss and k8s rule is bound to exactly one check, and every check to
 * a pss or k8s rule. */
static void test_k8s_rules_bound(void **state) {
  (void)state;
  size_t n, nbound = 0;
  const qg_rule *r = qg_rules_all(&n);
  for (size_t i = 0; i < n; i++) {
    int k8s = strncmp(r[i].id, "k8s/", 4) == 0, pss = strncmp(r[i].id, "pss/", 4) == 0;
    int found = 0;
    for (size_t j = 0; qg_k8s_check_rule(j); j++)
      found += qg_k8s_check_rule(j) == &r[i];
    assert_int_equal(found, k8s || pss);
    nbound += (size_t)found;
    if (pss)
      assert_non_null(r[i].upstream);
  }
  size_t nchecks = 0;
  while (qg_k8s_check_rule(nchecks))
    nchecks++;
  assert_int_equal(nchecks, nbound);
}

/* rules/rows.h numbers the registry's rows: QG_ROW_<name> is the row of the
 * rule whose SARIF name is <name>. */
static void test_rows(void **state) {
  (void)state;
  static const struct {
    qg_rule_row row;
    const char *name;
  } rows[] = {
#define QG_RULE(id_, name_, ...) {QG_ROW_##name_, #name_},
#define QG_K8S(id_, name_, ...) {QG_ROW_##name_, #name_},
#define QG_PSS(id_, name_, ...) {QG_ROW_##name_, #name_},
#define QG_SECRET(id_, name_, ...) {QG_ROW_##name_, #name_},
#include "rules/all.def"
#undef QG_SECRET
#undef QG_PSS
#undef QG_K8S
#undef QG_RULE
  };
  size_t n;
  const qg_rule *r = qg_rules_all(&n);
  assert_ptr_equal(r, qg_registry);
  assert_int_equal(n, QG_ROW_COUNT);
  assert_int_equal(QG_ARRAY_LEN(rows), n);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(rows[i].row, i);
    assert_string_equal(r[i].name, rows[i].name);
  }
  assert_ptr_equal(qg_rule_find("pss/privileged"), &qg_registry[QG_ROW_PssPrivileged]);
  assert_ptr_equal(qg_rule_find("k8s/rbac-wildcard"), &qg_registry[QG_ROW_K8sRbacWildcard]);
}

/* PSS rule ids name the upstream check, ignoring case and punctuation. */
static void test_pss_ids_match_upstream(void **state) {
  (void)state;
  size_t n;
  const qg_rule *r = qg_rules_all(&n);
  for (size_t i = 0; i < n; i++) {
    if (!r[i].upstream)
      continue;
    char a[64] = {0}, b[64] = {0};
    size_t ai = 0, bi = 0;
    for (const char *c = r[i].id + 4; *c && ai < 63; c++)
      if (isalnum((unsigned char)*c))
        a[ai++] = (char)tolower((unsigned char)*c);
    for (const char *c = r[i].upstream; *c && bi < 63; c++)
      if (isalnum((unsigned char)*c))
        b[bi++] = (char)tolower((unsigned char)*c);
    assert_string_equal(a, b);
  }
}

/* Every rule has fixtures that fire and that must not fire. */
static void test_every_rule_has_fixtures(void **state) {
  (void)state;
  size_t n;
  const qg_rule *r = qg_rules_all(&n);
  for (size_t i = 0; i < n; i++) {
    char dir[256];
    snprintf(dir, sizeof(dir), "fixtures/%s", r[i].id);
    DIR *d = opendir(dir);
    if (!d)
      fail_msg("no fixture directory %s", dir);
    int fires = 0, dont = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      fires += strncmp(e->d_name, "fires", 5) == 0;
      dont += strncmp(e->d_name, "dont-fire", 9) == 0;
    }
    closedir(d);
    if (!fires || !dont)
      fail_msg("%s needs fires-*.case and dont-fire-*.case", dir);
  }
}

static void test_ruleset_select_ignore(void **state) {
  (void)state;
  qg_ruleset rs;
  qg_ruleset_init(&rs);
  char unchanged[] = "unchanged";
  char *bad = unchanged;
  bool first = true;
  assert_int_equal(qg_ruleset_select(&rs, "pss/privileged, pss/host-ports", &first, &bad), QG_OK);
  assert_null(bad);
  assert_true(qg_ruleset_has(&rs, qg_rule_find("pss/privileged")));
  assert_true(qg_ruleset_has(&rs, qg_rule_find("pss/host-ports")));
  assert_false(qg_ruleset_has(&rs, qg_rule_find("pss/sysctls")));
  assert_int_equal(qg_ruleset_select(&rs, "pss", &first, &bad), QG_OK);
  assert_true(qg_ruleset_has(&rs, qg_rule_find("pss/sysctls")));
  assert_int_equal(qg_ruleset_ignore(&rs, "pss/sysctls", &bad), QG_OK);
  assert_false(qg_ruleset_has(&rs, qg_rule_find("pss/sysctls")));
  assert_int_equal(qg_ruleset_ignore(&rs, "pss/host-ports, ps", &bad), QG_EUSAGE);
  assert_string_equal(bad, "ps");
  free(bad);
  /* an unknown name changes nothing, even after a known one */
  assert_true(qg_ruleset_has(&rs, qg_rule_find("pss/host-ports")));
  /* the name is whole, however long */
  char longname[300];
  memset(longname, 'x', sizeof(longname) - 1);
  longname[sizeof(longname) - 1] = '\0';
  assert_int_equal(qg_ruleset_enable(&rs, longname, &bad), QG_EUSAGE);
  assert_string_equal(bad, longname);
  free(bad);
  qg_ruleset_cleanup(&rs);
}

/* Issue 20: a former id names its part of the rule that replaced it. */
static void test_former_ids_name_parts(void **state) {
  (void)state;
  const qg_rule *res = qg_rule_find("k8s/resources-missing");
  assert_non_null(res);
  assert_null(qg_rule_find("k8s/cpu-limits-missing"));
  assert_int_equal(qg_rule_former(res, "k8s/cpu-requests-missing", 24), 0);
  assert_int_equal(qg_rule_former(res, "k8s/memory-limits-missing", 25), 3);
  assert_int_equal(qg_rule_former(res, "k8s/memory-limits", 17), -1);
  assert_int_equal(qg_rule_former(res, "k8s/resources-missing", 21), -1);
  assert_true(qg_rule_named_or_former(res, "k8s/cpu-limits-missing", 22));
  assert_false(qg_rule_named(res, "k8s/cpu-limits-missing", 22));
  qg_ruleset rs;
  qg_ruleset_init(&rs);
  char *bad = NULL;
  bool first = true;
  /* ignore: only that part goes off, the rule stays on */
  assert_int_equal(qg_ruleset_ignore(&rs, "k8s/cpu-limits-missing", &bad), QG_OK);
  assert_true(qg_ruleset_has(&rs, res));
  assert_true(qg_ruleset_part_on(&rs, res, 0));
  assert_false(qg_ruleset_part_on(&rs, res, 1));
  assert_true(qg_ruleset_part_on(&rs, res, 3));
  /* select by a former id: the rule with only the named parts */
  assert_int_equal(qg_ruleset_select(&rs, "k8s/memory-limits-missing", &first, &bad), QG_OK);
  assert_true(qg_ruleset_has(&rs, res));
  assert_false(qg_ruleset_has(&rs, qg_rule_find("pss/privileged")));
  assert_false(qg_ruleset_part_on(&rs, res, 0));
  assert_true(qg_ruleset_part_on(&rs, res, 3));
  /* widening with another former id adds its part */
  assert_int_equal(qg_ruleset_select(&rs, "k8s/cpu-requests-missing", &first, &bad), QG_OK);
  assert_true(qg_ruleset_part_on(&rs, res, 0));
  assert_false(qg_ruleset_part_on(&rs, res, 1));
  /* naming the rule itself turns every part on; its group, off */
  assert_int_equal(qg_ruleset_enable(&rs, "k8s/resources-missing", &bad), QG_OK);
  assert_true(qg_ruleset_part_on(&rs, res, 1));
  assert_int_equal(qg_ruleset_ignore(&rs, "k8s", &bad), QG_OK);
  assert_false(qg_ruleset_part_on(&rs, res, 0));
  assert_null(bad);
  qg_ruleset_cleanup(&rs);
}

static void test_pss_versions(void **state) {
  (void)state;
  unsigned v;
  assert_int_equal(qg_pss_parse_version("latest", &v), QG_OK);
  assert_int_equal(v, QG_PSS_MAX_MINOR);
  assert_int_equal(qg_pss_parse_version("v1.0", &v), QG_OK);
  assert_int_equal(v, 0);
  assert_int_equal(qg_pss_parse_version("v1.24", &v), QG_OK);
  assert_int_equal(v, 24);
  assert_int_equal(qg_pss_parse_version("v1.99", &v), QG_OK); /* clamped, as upstream */
  assert_int_equal(v, QG_PSS_MAX_MINOR);
  assert_int_equal(qg_pss_parse_version("v1.05", &v), QG_EUSAGE);
  assert_int_equal(qg_pss_parse_version("1.25", &v), QG_EUSAGE);
  assert_int_equal(qg_pss_parse_version("v2.0", &v), QG_EUSAGE);
  assert_int_equal(qg_pss_parse_version("v1.", &v), QG_EUSAGE);
}

static void test_tables_sorted(void **state) {
  (void)state;
  assert_int_equal(qg_cli_selfcheck(), 0);
  size_t n;
  const qg_reporter *r = qg_reporters_all(&n);
  for (size_t i = 1; i < n; i++)
    assert_true(strcmp(r[i - 1].name, r[i].name) < 0);
  assert_non_null(qg_reporter_find("sarif"));
  assert_null(qg_reporter_find("xml"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sorted_unique),          cmocka_unit_test(test_fields),
      cmocka_unit_test(test_k8s_rules_bound),        cmocka_unit_test(test_rows),
      cmocka_unit_test(test_pss_ids_match_upstream), cmocka_unit_test(test_every_rule_has_fixtures),
      cmocka_unit_test(test_ruleset_select_ignore),  cmocka_unit_test(test_former_ids_name_parts),
      cmocka_unit_test(test_pss_versions),           cmocka_unit_test(test_tables_sorted),
  };
  return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
