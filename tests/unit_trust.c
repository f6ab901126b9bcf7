/* unit_trust.c: the configuration's trust boundary (issue 17, SECURITY.md).
 * Which --config file is trusted (outside the checkout, reached without a
 * link inside it), and what an untrusted file may not set: the review's
 * endpoint, model, key variable, region and cache directory are ignored with
 * a warning at their position, budgets may only be lowered, and documents
 * must stay in the checkout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config/config.h"
#include "core/mem.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_base[PATH_MAX]; /* base/{outside.yml, repo/...}: repo is the checkout */
static char g_repo[PATH_MAX + 8];

static void put(const char *rel, const char *text) {
  char *p = qg_xasprintf("%s/%s", g_base, rel);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  free(p);
}

static void link_at(const char *rel, const char *target) {
  char *p = qg_xasprintf("%s/%s", g_base, rel);
  assert_int_equal(symlink(target, p), 0);
  free(p);
}

static int setup(void **state) {
  (void)state;
  char tmpl[] = "/tmp/qgate-trust-XXXXXX";
  if (!mkdtemp(tmpl) || !realpath(tmpl, g_base))
    return -1;
  snprintf(g_repo, sizeof(g_repo), "%s/repo", g_base);
  char *sub = qg_xasprintf("%s/sub", g_repo);
  int rc = mkdir(g_repo, 0755) || mkdir(sub, 0755);
  free(sub);
  if (rc)
    return -1;
  put("outside.yml", "review: {}\n");
  put("repo/in.yml", "review: {}\n");
  link_at("repo/link.yml", "../outside.yml");  /* a link in the checkout to a file outside */
  link_at("repo/dirlink", "..");               /* a link in the checkout to its parent */
  link_at("outlink-in.yml", "repo/in.yml");    /* a link outside to a file inside */
  link_at("outlink-out.yml", "outside.yml");   /* a link outside to a file outside */
  link_at("outlink-via.yml", "repo/link.yml"); /* outside, but through the checkout's link */
  link_at("repo/docs-out", "../outside.yml");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  static const char *const rels[] = {
      "repo/docs-out", "outlink-via.yml", "outlink-out.yml", "outlink-in.yml", "repo/dirlink",
      "repo/link.yml", "repo/in.yml",     "outside.yml",     "repo/sub",       "repo"};
  for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
    char *p = qg_xasprintf("%s/%s", g_base, rels[i]);
    if (remove(p) != 0)
      (void)rmdir(p);
    free(p);
  }
  return rmdir(g_base);
}

static void test_which_file_is_trusted(void **state) {
  (void)state;
  char cwd[PATH_MAX];
  assert_non_null(getcwd(cwd, sizeof(cwd)));
  assert_int_equal(chdir(g_repo), 0);
  static const struct {
    const char *path; /* relative to the checkout, or "@..." relative to base */
    bool trusted;
  } cases[] = {
      {"../outside.yml", true},        /* outside, named from the checkout */
      {"@outside.yml", true},          /* outside, absolute */
      {"@outlink-out.yml", true},      /* a link outside to a file outside */
      {"sub/../../outside.yml", true}, /* through real directories only */
      {"in.yml", false},               /* the repository's own */
      {"./sub/../in.yml", false},
      {"@repo/in.yml", false},        /* absolute, inside */
      {"link.yml", false},            /* a link in the checkout, whatever it reaches */
      {"dirlink/outside.yml", false}, /* through a directory link in the checkout */
      {"@repo/dirlink/outside.yml", false},
      {"@repo/dirlink/repo/../outside.yml", false},
      {"@outlink-in.yml", false},  /* a link outside to a file inside */
      {"@outlink-via.yml", false}, /* outside, through a link in the checkout */
      {"../missing.yml", false},   /* cannot be resolved: fails closed */
      {"", false},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *p = cases[i].path;
    char *abs = p[0] == '@' ? qg_xasprintf("%s/%s", g_base, p + 1) : qg_xstrdup(p);
    if (qg_config_path_trusted(abs, g_repo) != cases[i].trusted)
      fail_msg("%s: expected %s", abs, cases[i].trusted ? "trusted" : "untrusted");
    free(abs);
  }
  /* no checkout, or the whole file system as the checkout: nothing is trusted */
  assert_false(qg_config_path_trusted("../outside.yml", NULL));
  assert_false(qg_config_path_trusted("../outside.yml", "/"));
  assert_false(qg_config_path_trusted("../outside.yml", "/no/such/checkout"));
  assert_int_equal(chdir(cwd), 0);
}

static size_t warnings(const qg_result *r) {
  size_t n = 0;
  for (size_t i = 0; i < r->diags.n; i++)
    n += r->diags.items[i].level == QG_DIAG_WARNING;
  return n;
}

static void test_untrusted_file(void **state) {
  (void)state;
  static const char text[] =
      "fail_on: high\n"
      "review:\n"
      "  provider: openai\n"                                                          /* 3 */
      "  model: m\n"                                                                  /* 4 */
      "  base_url: http://attacker.example/v1\n"                                      /* 5 */
      "  api_key_env: GITHUB_TOKEN\n"                                                 /* 6 */
      "  region: x.attacker.example\n"                                                /* 7 */
      "  cache_dir: /home/runner/.bashrc.d\n"                                         /* 8 */
      "  documents: [ARCHITECTURE.md, ../outside.yml, docs-out, /etc/passwd, sub/]\n" /* 9 */
      "  timeout: 30\n"
      "  max_requests: 500\n" /* 11 */
      "  min_confidence: 0.5\n"
      "  required: true\n";
  qg_config c;
  qg_config_init(&c);
  qg_config_set_untrusted(&c, g_repo);
  qg_result r;
  qg_result_init(&r);
  assert_int_equal(qg_config_load_buffer(&c, ".qgate.yml", text, strlen(text), NULL, &r), QG_OK);
  /* the policy is honoured */
  assert_string_equal(c.fail_on.s, "high");
  assert_true(c.review.min_confidence == 0.5);
  assert_true(c.review.required);
  assert_int_equal(c.review.timeout_ms, 30000); /* lowered: kept */
  /* where data and credentials go is not */
  assert_int_equal(c.review.provider, QG_LLM_NONE);
  assert_null(c.review.model);
  assert_null(c.review.base_url);
  assert_false(c.review.base_url_trusted);
  assert_null(c.review.api_key_env);
  assert_null(c.review.region);
  assert_null(c.review.cache_dir);
  assert_int_equal(c.review.max_requests, 20); /* raised: the default stays */
  assert_int_equal(c.review.ndocuments, 2);
  assert_string_equal(c.review.documents[0], "ARCHITECTURE.md");
  assert_string_equal(c.review.documents[1], "sub/");
  /* one warning each, at the key (settings) or the item (paths) */
  static const struct {
    uint32_t line, col;
    const char *start;
  } want[] = {
      {3, 3, "review.provider is ignored in the repository's own configuration"},
      {4, 3, "review.model is ignored"},
      {5, 3, "review.base_url is ignored"},
      {6, 3, "review.api_key_env is ignored"},
      {7, 3, "review.region is ignored"},
      {8, 3, "review.cache_dir is ignored"},
      {9, 32, "review.documents: \"../outside.yml\" is outside the repository"},
      {9, 48, "review.documents: \"docs-out\" is outside the repository"},
      {9, 58, "review.documents: \"/etc/passwd\" is outside the repository"},
      {11, 17, "review.max_requests: 500 is above the default (20)"},
  };
  assert_int_equal(r.diags.n, sizeof(want) / sizeof(want[0]));
  assert_int_equal(warnings(&r), r.diags.n);
  for (size_t i = 0; i < r.diags.n; i++) {
    const qg_diag *d = &r.diags.items[i];
    if (d->loc.line != want[i].line || d->loc.col != want[i].col ||
        strncmp(d->message, want[i].start, strlen(want[i].start)) != 0)
      fail_msg("diagnostic %zu: %u:%u %s", i, d->loc.line, d->loc.col, d->message);
  }
  assert_null(strstr(r.diags.items[5].message, ".bashrc")); /* the value is not echoed */
  qg_config_cleanup(&c);
  qg_result_cleanup(&r);

  /* cache_dir: off writes nothing, so the repository may say it */
  static const char off[] = "review: {cache_dir: \"off\"}\n";
  qg_config_init(&c);
  qg_config_set_untrusted(&c, g_repo);
  qg_result_init(&r);
  assert_int_equal(qg_config_load_buffer(&c, ".qgate.yml", off, strlen(off), NULL, &r), QG_OK);
  assert_string_equal(c.review.cache_dir, "off");
  assert_int_equal(r.diags.n, 0);
  qg_config_cleanup(&c);
  qg_result_cleanup(&r);

  /* an invalid value is still an error, not a warning */
  static const char bad[] = "review: {provider: openia}\n";
  qg_config_init(&c);
  qg_config_set_untrusted(&c, g_repo);
  qg_result_init(&r);
  assert_int_equal(qg_config_load_buffer(&c, ".qgate.yml", bad, strlen(bad), NULL, &r), QG_ECONFIG);
  assert_int_equal(r.diags.n, 1);
  assert_int_equal(r.diags.items[0].level, QG_DIAG_ERROR);
  qg_config_cleanup(&c);
  qg_result_cleanup(&r);
}

static void test_trusted_file(void **state) {
  (void)state;
  static const char text[] = "review:\n"
                             "  provider: openai\n"
                             "  model: m\n"
                             "  base_url: https://gateway.example/v1\n"
                             "  api_key_env: GATEWAY_KEY\n"
                             "  documents: [/srv/docs/architecture.md]\n"
                             "  max_requests: 500\n";
  qg_config c;
  qg_config_init(&c);
  qg_result r;
  qg_result_init(&r);
  assert_int_equal(qg_config_load_buffer(&c, "/ci/qgate.yml", text, strlen(text), NULL, &r), QG_OK);
  assert_int_equal(r.diags.n, 0);
  assert_int_equal(c.review.provider, QG_LLM_OPENAI);
  assert_string_equal(c.review.model, "m");
  assert_string_equal(c.review.base_url, "https://gateway.example/v1");
  assert_true(c.review.base_url_trusted);
  assert_string_equal(c.review.api_key_env, "GATEWAY_KEY");
  assert_int_equal(c.review.ndocuments, 1);
  assert_int_equal(c.review.max_requests, 500);
  qg_config_cleanup(&c);
  qg_result_cleanup(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_which_file_is_trusted),
      cmocka_unit_test(test_untrusted_file),
      cmocka_unit_test(test_trusted_file),
  };
  return cmocka_run_group_tests_name("trust", tests, setup, teardown);
}
