/* fuzz_metrics.c: the metrics JSON reader (scoring/metrics.c). Properties:
 * every value read is a finite non-negative number; an invalid file changes
 * nothing and says why. */
#include "fuzz/fuzz.h"
#include "scoring/signals.h"

#include <math.h>
#include <string.h>

static void check_value(bool has, double v, const char *name) {
  FUZZ_CHECK(!has || (isfinite(v) && v >= 0), "%s = %g", name, v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  qg_metrics m, before;
  memset(&m, 0, sizeof(m));
  before = m;
  qg_result r;
  qg_result_init(&r);
  qg_status st = qg_metrics_parse("fuzz.json", (const char *)data, size, &m, &r);
  if (st != QG_OK) {
    FUZZ_CHECK(r.diags.n > 0, "status %d without a diagnostic", (int)st);
    FUZZ_CHECK(memcmp(&m, &before, sizeof(m)) == 0, "an invalid file changed the metrics");
  }
  check_value(m.has_build, m.build_seconds, "build_seconds");
  check_value(m.has_image, m.image_bytes, "image_bytes");
  check_value(m.has_base_image, m.base_image_bytes, "base_image_bytes");
  check_value(m.has_memory, m.memory_bytes, "memory_bytes");
  check_value(m.has_base_memory, m.base_memory_bytes, "base_memory_bytes");
  qg_result_cleanup(&r);
  return 0;
}
