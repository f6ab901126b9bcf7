/* fuzz_yaml.c: the whole Kubernetes path on one buffer: the YAML loader
 * (core/yamldoc.c), every k8s rule (PSS at the baseline or restricted level
 * and a policy version chosen by the input's size, every hardening and RBAC
 * check, those off by default too), the secrets scanner (both passes), and
 * the mechanical fixes (apply, rescan, until none is left).
 * Properties: every finding and diagnostic sits inside the input (its lines)
 * and carries a message; fixing YAML that loads gives YAML that loads. */
#include "fuzz/fuzz.h"
#include "rules/rule.h"
#include "scanners/scanner.h"

#include <string.h>

static qg_ruleset g_rules;
static qg_secrets *g_secrets;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  qg_ruleset_init(&g_rules);
  for (size_t i = 0; i < g_rules.n; i++)
    g_rules.on[i] = true;
  qg_result r;
  qg_result_init(&r);
  if (qg_secrets_new(&g_rules, NULL, &r, &g_secrets) != QG_OK)
    abort();
  qg_result_cleanup(&r);
  return 0;
}

static void check_result(const qg_result *r, uint32_t lines) {
  for (size_t i = 0; i < r->findings.n; i++) {
    const qg_finding *f = &r->findings.items[i];
    FUZZ_CHECK(f->rule && f->message && *f->message, "finding %zu", i);
    FUZZ_CHECK(f->loc.line <= lines, "%s at line %u of %u", f->rule->id, f->loc.line, lines);
    FUZZ_CHECK(f->loc.end_line <= lines, "%s ends at line %u of %u", f->rule->id, f->loc.end_line,
               lines);
  }
  for (size_t i = 0; i < r->diags.n; i++) {
    const qg_diag *d = &r->diags.items[i];
    FUZZ_CHECK(d->message && *d->message, "diagnostic %zu", i);
    FUZZ_CHECK(d->loc.line <= lines, "diagnostic \"%s\" at line %u of %u", d->message, d->loc.line,
               lines);
  }
}

static qg_status ignore_doc(void *ud, const qg_ynode *root, unsigned doc_index) {
  (void)ud;
  (void)root;
  (void)doc_index;
  return QG_OK;
}

static void count_warning(void *ud, uint32_t line, uint32_t col, const char *msg) {
  (void)line;
  (void)col;
  (void)msg;
  (*(unsigned *)ud)++;
}

/* Does the text load? NULL, or why not (in *err); *dups counts duplicate keys. */
static const char *load_error(const char *buf, size_t len, qg_yaml_error *err, unsigned *dups) {
  *dups = 0;
  qg_yaml_opts yo = {{0}, ignore_doc, count_warning, dups, false, false};
  return qg_yaml_load((const unsigned char *)buf, len, &yo, err) == QG_OK ? NULL : err->message;
}

static uint32_t count_lines(const uint8_t *data, size_t size) {
  uint32_t n = 1;
  for (size_t i = 0; i < size; i++)
    n += data[i] == '\n';
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* the level and version come from the size, so the seeds stay plain YAML */
  qg_scan_config cfg = {.run_k8s = true,
                        .secrets = g_secrets,
                        .k8s = {.rules = &g_rules,
                                .pss_level = size % 3 == 0 ? QG_PSS_BASELINE : QG_PSS_RESTRICTED,
                                .pss_minor = (unsigned)(size % (QG_PSS_MAX_MINOR + 1))}};
  qg_result r;
  qg_result_init(&r);
  qg_scan_buffer(&cfg, "fuzz.yaml", data, size, &r);
  uint32_t lines = count_lines(data, size);
  check_result(&r, lines);
  /* the secrets scanner's own reading: every document, broken ones too, positions
   * inside the text */
  qg_result sr;
  qg_result_init(&sr);
  (void)qg_secrets_scan_yaml(g_secrets, "fuzz.yaml", (const char *)data, size, NULL, &sr);
  check_result(&sr, lines);
  qg_result_cleanup(&sr);
  bool fixable = false;
  for (size_t i = 0; i < r.findings.n && !fixable; i++)
    fixable = r.findings.items[i].fix != NULL;
  qg_yaml_error ye;
  unsigned dups = 0, dups_after = 0;
  fixable = fixable && size <= 16384 && !load_error((const char *)data, size, &ye, &dups);
  qg_result_sort(&r);
  qg_result_cleanup(&r);

  if (fixable) {
    char *out = NULL;
    size_t outlen = 0, applied = 0;
    qg_scan_config fcfg = cfg;
    fcfg.secrets = NULL;
    if (qg_fix_buffer(&fcfg, "fuzz.yaml", (const char *)data, size, QG_FIX_LEVEL_ALL, NULL, NULL,
                      &out, &outlen, &applied) == QG_OK) {
      FUZZ_CHECK(out != NULL, "no output");
      qg_result_init(&r);
      qg_scan_buffer(&fcfg, "fuzz.yaml", (const unsigned char *)out, outlen, &r);
      check_result(&r, count_lines((const uint8_t *)out, outlen));
      const char *bad = load_error(out, outlen, &ye, &dups_after);
      FUZZ_CHECK(!bad, "%zu fixes made the YAML invalid: %u:%u: %s", applied, ye.line, ye.col, bad);
      FUZZ_CHECK(dups_after <= dups, "%zu fixes added %u duplicate keys", applied,
                 dups_after - dups);
      qg_result_cleanup(&r);
    }
    free(out);
  }
  return 0;
}
