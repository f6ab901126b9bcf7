/* fuzz_sarif.c: the SARIF importer (scoring/sarif_in.c). Properties: an
 * invalid log adds nothing and says why; a valid one adds what it counts. */
#include "fuzz/fuzz.h"
#include "scoring/signals.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  qg_sarif_counts c;
  memset(&c, 0, sizeof(c));
  qg_result r;
  qg_result_init(&r);
  qg_status st = qg_sarif_import_buffer("fuzz.sarif", (const char *)data, size, &c, &r);
  if (st != QG_OK) {
    FUZZ_CHECK(r.diags.n > 0, "status %d without a diagnostic", (int)st);
    FUZZ_CHECK(c.files == 0 && c.results == 0 && c.lint == 0 && c.secrets == 0,
               "an invalid log added counts");
  } else {
    FUZZ_CHECK(c.files == 1, "%zu files", c.files);
    size_t counted = c.lint + c.secrets;
    for (int s = 0; s < QG__SEV_COUNT; s++)
      counted += c.security[s];
    FUZZ_CHECK(counted <= c.results, "%zu counted of %zu results", counted, c.results);
  }
  for (size_t i = 0; i < r.diags.n; i++)
    FUZZ_CHECK(r.diags.items[i].message && *r.diags.items[i].message, "diagnostic %zu", i);
  qg_result_cleanup(&r);
  return 0;
}
