/* fuzz_coverage.c: the coverage readers (scoring/coverage.c): detection from
 * the content, then each of lcov, Cobertura, JaCoCo and Go forced on the
 * same bytes. Properties: covered <= total; an invalid report adds nothing
 * and says why. */
#include "fuzz/fuzz.h"
#include "scoring/signals.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const qg_coverage_format fmts[] = {QG_COV_AUTO, QG_COV_LCOV, QG_COV_COBERTURA,
                                            QG_COV_JACOCO, QG_COV_GO};
  for (size_t i = 0; i < QG_ARRAY_LEN(fmts); i++) {
    qg_coverage cov = {0, 0, 0};
    qg_result r;
    qg_result_init(&r);
    qg_status st = qg_coverage_parse("fuzz.cov", (const char *)data, size, fmts[i], &cov, &r);
    if (st == QG_OK) {
      FUZZ_CHECK(cov.files == 1, "format %zu: %zu files", i, cov.files);
      FUZZ_CHECK(cov.covered <= cov.total, "format %zu: %llu covered of %llu", i, cov.covered,
                 cov.total);
    } else {
      FUZZ_CHECK(r.diags.n > 0, "format %zu: status %d without a diagnostic", i, (int)st);
      FUZZ_CHECK(cov.files == 0 && cov.covered == 0 && cov.total == 0,
                 "format %zu: an invalid report added to the totals", i);
    }
    for (size_t k = 0; k < r.diags.n; k++)
      FUZZ_CHECK(r.diags.items[k].message && *r.diags.items[k].message, "diagnostic %zu", k);
    qg_result_cleanup(&r);
  }
  return 0;
}
