/* unit_peers.c: rules/peers.def, the peers' checks and the rules that answer
 * them (docs/rules.md "Peer checks"), against the registry and its aliases. */
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

typedef struct peer_row {
  const char *tool, *check, *rules, *note;
} peer_row;

static const peer_row k_peers[] = {
#define QG_PEER(tool_, check_, rules_, note_) {tool_, check_, rules_, note_},
#include "rules/peers.def"
#undef QG_PEER
};

static const char *const k_tools[] = {"kube-linter", "polaris", "kubesec", "kube-score"};

static int tool_index(const char *tool, size_t len) {
  for (size_t t = 0; t < QG_ARRAY_LEN(k_tools); t++)
    if (strlen(k_tools[t]) == len && strncmp(k_tools[t], tool, len) == 0)
      return (int)t;
  return -1;
}

static bool is_planned(const peer_row *p) { return strncmp(p->note, "planned:", 8) == 0; }

/* Does the space-separated list name id (exactly)? */
static bool lists(const char *list, const char *id) {
  size_t n = strlen(id);
  for (const char *s = list; s && *s;) {
    s += strspn(s, " ");
    size_t len = strcspn(s, " ");
    if (len == n && strncmp(s, id, n) == 0)
      return true;
    s += len;
  }
  return false;
}

static const peer_row *find_row(const char *tool, size_t tl, const char *check, size_t cl) {
  for (size_t i = 0; i < QG_ARRAY_LEN(k_peers); i++)
    if (strlen(k_peers[i].tool) == tl && strncmp(k_peers[i].tool, tool, tl) == 0 &&
        strlen(k_peers[i].check) == cl && strncmp(k_peers[i].check, check, cl) == 0)
      return &k_peers[i];
  return NULL;
}

/* The tools come in order, each one's rows together and sorted by check (so
 * no check is listed twice); no field can break a Markdown table. */
static void test_rows_shape(void **state) {
  (void)state;
  size_t count[QG_ARRAY_LEN(k_tools)] = {0};
  int last = 0;
  for (size_t i = 0; i < QG_ARRAY_LEN(k_peers); i++) {
    const peer_row *p = &k_peers[i];
    int t = tool_index(p->tool, strlen(p->tool));
    if (t < 0)
      fail_msg("row %zu: unknown tool '%s'", i, p->tool);
    if (t < last)
      fail_msg("row %zu (%s %s): tools out of order", i, p->tool, p->check);
    if (i && t == last && strcmp(k_peers[i - 1].check, p->check) >= 0)
      fail_msg("%s: '%s' is not after '%s'", p->tool, p->check, k_peers[i - 1].check);
    last = t;
    count[t]++;
    assert_true(*p->check);
    assert_non_null(p->note);
    const char *fields[] = {p->check, p->rules ? p->rules : "", p->note};
    for (size_t f = 0; f < QG_ARRAY_LEN(fields); f++)
      if (strpbrk(fields[f], "|`\n"))
        fail_msg("%s %s: a field holds '|', '`' or a newline", p->tool, p->check);
  }
  /* the tools' own lists (see the head of rules/peers.def) */
  assert_int_equal(count[0], 63);
  assert_int_equal(count[1], 44);
  assert_int_equal(count[2], 30);
  assert_int_equal(count[3], 39);
}

/* A row names existing rules, or says why none (a planned row names none). */
static void test_rules_exist(void **state) {
  (void)state;
  for (size_t i = 0; i < QG_ARRAY_LEN(k_peers); i++) {
    const peer_row *p = &k_peers[i];
    if (!p->rules) {
      if (strlen(p->note) < 12)
        fail_msg("%s %s: no rule and no reason", p->tool, p->check);
      continue;
    }
    if (is_planned(p))
      fail_msg("%s %s: a planned row names a rule", p->tool, p->check);
    size_t ids = 0;
    for (const char *s = p->rules; *s;) {
      size_t len = strcspn(s, " ");
      char id[64];
      assert_true(len > 0 && len < sizeof(id));
      memcpy(id, s, len);
      id[len] = '\0';
      if (!qg_rule_find(id))
        fail_msg("%s %s: no rule '%s'", p->tool, p->check, id);
      ids++;
      s += len;
      if (*s) {
        assert_true(s[1] && s[1] != ' '); /* single spaces, none trailing */
        s++;
      }
    }
    assert_true(ids >= 1 && ids <= 3);
  }
}

/* Every alias "tool:check" (or "tool:check@leaf") of a registry rule, for the
 * four peers, has its row, and the row lists that rule: the table and the
 * aliases cannot drift apart. */
static void test_aliases_in_table(void **state) {
  (void)state;
  size_t n, seen = 0;
  const qg_rule *r = qg_rules_all(&n);
  for (size_t i = 0; i < n; i++) {
    for (const char *a = r[i].aliases; a && *a;) {
      a += strspn(a, " ");
      size_t len = strcspn(a, " ");
      const char *colon = memchr(a, ':', len);
      if (colon && tool_index(a, (size_t)(colon - a)) >= 0) {
        size_t cl = strcspn(colon + 1, " @");
        const peer_row *p = find_row(a, (size_t)(colon - a), colon + 1, cl);
        if (!p)
          fail_msg("%s: alias '%.*s' has no row in rules/peers.def", r[i].id, (int)len, a);
        if (!lists(p->rules, r[i].id))
          fail_msg("%s: alias '%.*s' is in rules/peers.def without the rule", r[i].id, (int)len, a);
        seen++;
      }
      a += len;
    }
  }
  assert_true(seen >= 60);
}

/* The alias test finds what it should: a row that lists the rule, and one that
 * does not. */
static void test_lookup(void **state) {
  (void)state;
  const peer_row *p = find_row("kube-linter", 11, "privileged-container", 20);
  assert_non_null(p);
  assert_true(lists(p->rules, "pss/privileged"));
  assert_false(lists(p->rules, "pss/privilege"));
  assert_null(find_row("kube-linter", 11, "privileged", 10));
  p = find_row("polaris", 7, "missingNetworkPolicy", 20);
  assert_non_null(p);
  assert_false(is_planned(p));
  assert_true(lists(p->rules, "k8s/networkpolicy-missing"));
  p = find_row("kube-linter", 11, "dangling-ingress", 16);
  assert_non_null(p);
  assert_false(is_planned(p));
  assert_true(lists(p->rules, "k8s/ingress-missing-service"));
}

/* qgate rules --format markdown ends with one table per tool. */
static void test_markdown(void **state) {
  (void)state;
  char *out = NULL, *err = NULL;
  size_t on = 0, en = 0;
  FILE *o = open_memstream(&out, &on), *e = open_memstream(&err, &en);
  assert_non_null(o);
  assert_non_null(e);
  qg_cli_io io = {.in = stdin, .out = o, .err = e};
  char a0[] = "qgate", a1[] = "rules", a2[] = "--format", a3[] = "markdown",
       a4[] = "pss/privileged";
  char *argv[] = {a0, a1, a2, a3, NULL};
  assert_int_equal(qg_cli_run(4, argv, &io), 0);
  fclose(o);
  fclose(e);
  const char *sec = strstr(out, "\n## Peer checks\n");
  assert_non_null(sec);
  assert_non_null(strstr(sec, "\n### kube-linter\n\n63 checks: "));
  assert_non_null(strstr(sec, "\n### Polaris\n\n44 checks: "));
  assert_non_null(strstr(sec, "\n### kubesec\n\n30 checks: "));
  assert_non_null(strstr(sec, "\n### kube-score\n\n39 checks: "));
  assert_non_null(
      strstr(sec, "\n| `privileged-container` | [`pss/privileged`](#pssprivileged) |  |\n"));
  assert_non_null(strstr(sec, "\n| `latest-tag` | [`k8s/latest-tag`](#k8slatest-tag), "
                              "[`k8s/untagged-image`](#k8suntagged-image) |  |\n"));
  assert_non_null(strstr(sec, "\n| `non-isolated-pod` | "
                              "[`k8s/networkpolicy-missing`](#k8snetworkpolicy-missing) | only "
                              "with --complete-input; "));
  assert_non_null(strstr(sec, "\n| `dangling-ingress` | "
                              "[`k8s/ingress-missing-service`](#k8singress-missing-service) | "
                              "with --complete-input; "));
  assert_non_null(strstr(sec, "\n| `sorted-keys` | none | key order is style"));
  /* one rule's page has no peer tables */
  free(out);
  out = NULL;
  o = open_memstream(&out, &on);
  io.out = o;
  char *one[] = {a0, a1, a2, a3, a4, NULL};
  assert_int_equal(qg_cli_run(5, one, &io), 0);
  fclose(o);
  assert_null(strstr(out, "Peer checks"));
  free(out);
  free(err);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rows_shape),       cmocka_unit_test(test_rules_exist),
      cmocka_unit_test(test_aliases_in_table), cmocka_unit_test(test_lookup),
      cmocka_unit_test(test_markdown),
  };
  return cmocka_run_group_tests_name("peers", tests, NULL, NULL);
}
