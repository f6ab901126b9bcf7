/* fuzz_merge.c: the shard reports `qgate merge` reads (reporters/merge.c,
 * qg_merge). The input is up to 8 JSON reports separated by NUL bytes.
 * Properties: a merge succeeds with no error text and as many shards as it
 * was given, or fails with a reason naming the report; the same reports in
 * the reverse order give the same outcome, the same findings and the same
 * diagnostics (shards may come in any order). */
#include "fuzz/fuzz.h"
#include "reporters/merge.h"

#include <string.h>

#define MAX_INPUTS 8

static const char *const g_names[MAX_INPUTS] = {"s1.json", "s2.json", "s3.json", "s4.json",
                                                "s5.json", "s6.json", "s7.json", "s8.json"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  qg_shard_input in[MAX_INPUTS], rev[MAX_INPUTS];
  size_t n = 0;
  const char *text = (const char *)data;
  size_t at = 0;
  while (n < MAX_INPUTS) {
    const char *nul = memchr(text + at, '\0', size - at);
    size_t end = nul ? (size_t)(nul - text) : size;
    in[n].name = g_names[n];
    in[n].text = text + at;
    in[n].len = end - at;
    n++;
    if (!nul)
      break;
    at = end + 1;
  }
  for (size_t i = 0; i < n; i++)
    rev[i] = in[n - 1 - i];

  char *err = NULL, *err2 = NULL;
  qg_merged m, m2;
  qg_status st = qg_merge(in, n, &m, &err);
  qg_status st2 = qg_merge(rev, n, &m2, &err2);
  if (st == QG_OK) {
    FUZZ_CHECK(!err, "an error text with a merge: \"%s\"", err);
    FUZZ_CHECK(m.count == n, "%u shards merged of %zu", m.count, n);
    FUZZ_CHECK(st2 == QG_OK, "reversed: %d (%s)", (int)st2, err2);
    FUZZ_CHECK(m.result.findings.n == m2.result.findings.n, "%zu findings, reversed %zu",
               m.result.findings.n, m2.result.findings.n);
    FUZZ_CHECK(m.result.diags.n == m2.result.diags.n, "%zu diagnostics, reversed %zu",
               m.result.diags.n, m2.result.diags.n);
    for (size_t i = 0; i < m.result.findings.n; i++) {
      const qg_finding *a = &m.result.findings.items[i], *b = &m2.result.findings.items[i];
      char fa[17], fb[17];
      qg_finding_fingerprint(a, fa);
      qg_finding_fingerprint(b, fb);
      FUZZ_CHECK(strcmp(fa, fb) == 0 && a->loc.line == b->loc.line, "finding %zu differs reversed",
                 i);
    }
  } else {
    FUZZ_CHECK(st == QG_EUSAGE || st == QG_EPARSE, "status %d", (int)st);
    FUZZ_CHECK(err && *err, "status %d without a reason", (int)st);
    FUZZ_CHECK(st2 != QG_OK, "reversed, the merge succeeds");
  }
  qg_merged_cleanup(&m);
  qg_merged_cleanup(&m2);
  free(err);
  free(err2);
  return 0;
}
