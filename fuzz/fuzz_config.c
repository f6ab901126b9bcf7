/* fuzz_config.c: .qgate.yml (config/config.c) from a buffer, with and without
 * a profile, then everything that reads the result: the rule selection,
 * excludes and exemptions (globs), the custom secret rules' regexes (PCRE2)
 * and the custom Kubernetes rules on a small manifest. */
#include "fuzz/fuzz.h"
#include "config/config.h"
#include "rules/rule.h"
#include "scanners/scanner.h"

#include <string.h>

static const char k_pod[] =
    "apiVersion: apps/v1\nkind: Deployment\n"
    "metadata: {name: api, namespace: kube-system}\n"
    "spec:\n  template:\n    spec:\n"
    "      priorityClassName: low\n"
    "      containers:\n        - name: app\n          image: app:latest\n"
    "          resources: {limits: {memory: 1Gi}}\n"
    "          env: [{name: API_TOKEN, value: itk_0123456789abcdefABCDEF}]\n";

static const char *const k_paths[] = {"vendor/x.yaml", "a/b/c.generated.yaml", "deploy/app.yaml",
                                      "/abs/path.yaml", "x"};

static void use_config(const qg_config *c) {
  qg_ruleset rs;
  qg_ruleset_init(&rs);
  qg_result r;
  qg_result_init(&r);
  qg_status st = qg_config_apply_rules(c, &rs, &r);
  FUZZ_CHECK(st == QG_OK || r.diags.n > 0, "status %d without a diagnostic", (int)st);
  for (size_t i = 0; i < QG_ARRAY_LEN(k_paths); i++) {
    (void)qg_scan_policy_excluded(&c->scan, k_paths[i], false);
    (void)qg_scan_policy_excluded(&c->scan, k_paths[i], true);
  }
  size_t nrules = 0;
  const qg_rule *all = qg_rules_all(&nrules);
  for (size_t i = 0; i < nrules; i += 7)
    (void)qg_scan_policy_exempt(&c->scan, &all[i], "Deployment", "kube-system", "api");
  qg_secrets *s = NULL;
  /* the engine comes back even when a custom pattern is bad (the caller frees it) */
  if (st == QG_OK && qg_secrets_new(&rs, &c->scan, &r, &s) == QG_OK) {
    qg_scan_config cfg = {.run_k8s = true,
                          .secrets = s,
                          .k8s = {.rules = &rs,
                                  .policy = &c->scan,
                                  .pss_level = QG_PSS_RESTRICTED,
                                  .pss_minor = QG_PSS_MAX_MINOR}};
    qg_scan_buffer(&cfg, "deploy/app.yaml", (const unsigned char *)k_pod, sizeof(k_pod) - 1, &r);
  }
  qg_secrets_free(&s);
  qg_result_cleanup(&r);
  qg_ruleset_cleanup(&rs);
}

/* An untrusted configuration (the scanned repository's own) never says where
 * data and credentials go, nor raises a budget (SECURITY.md). */
static void check_untrusted(const qg_config *c) {
  qg_review_config d;
  qg_review_config_init(&d);
  const qg_review_config *rc = &c->review;
  FUZZ_CHECK(rc->provider == QG_LLM_NONE && !rc->model && !rc->base_url && !rc->base_url_trusted &&
                 !rc->api_key_env && !rc->region,
             "an untrusted file chose the endpoint");
  FUZZ_CHECK(!rc->cache_dir || !strcmp(rc->cache_dir, "off"), "an untrusted cache_dir");
  FUZZ_CHECK(rc->chunk_tokens <= d.chunk_tokens && rc->max_requests <= d.max_requests &&
                 rc->max_tokens <= d.max_tokens && rc->max_output_tokens <= d.max_output_tokens &&
                 rc->parallel <= d.parallel && rc->timeout_ms <= d.timeout_ms &&
                 rc->connect_timeout_ms <= d.connect_timeout_ms && rc->retries <= d.retries,
             "an untrusted file raised a budget");
  for (size_t i = 0; i < rc->ndocuments; i++)
    FUZZ_CHECK(rc->documents[i][0] != '/', "an untrusted absolute document %s", rc->documents[i]);
  qg_review_config_cleanup(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const profiles[] = {NULL, "production"};
  for (size_t i = 0; i < 2 * QG_ARRAY_LEN(profiles); i++) {
    bool untrusted = i >= QG_ARRAY_LEN(profiles);
    qg_config c;
    qg_config_init(&c);
    if (untrusted)
      qg_config_set_untrusted(&c, "/fuzz-checkout");
    qg_result r;
    qg_result_init(&r);
    qg_status st = qg_config_load_buffer(&c, ".qgate.yml", (const char *)data, size,
                                         profiles[i % QG_ARRAY_LEN(profiles)], &r);
    FUZZ_CHECK(st == QG_OK || st == QG_ECONFIG, "status %d", (int)st);
    size_t errors = 0;
    for (size_t k = 0; k < r.diags.n; k++) {
      errors += r.diags.items[k].level == QG_DIAG_ERROR;
      FUZZ_CHECK(untrusted || r.diags.items[k].level == QG_DIAG_ERROR, "a warning when trusted");
      FUZZ_CHECK(r.diags.items[k].message && *r.diags.items[k].message, "diagnostic %zu", k);
    }
    FUZZ_CHECK((st == QG_OK) == (errors == 0), "status %d with %zu errors", (int)st, errors);
    if (untrusted)
      check_untrusted(&c);
    if (st == QG_OK) {
      /* excludes are relative to the configuration's directory */
      c.scan.root = qg_xstrdup("/fuzz");
      c.scan.cwd_rel = qg_xstrdup("");
      use_config(&c);
    }
    qg_result_cleanup(&r);
    qg_config_cleanup(&c);
  }
  return 0;
}
