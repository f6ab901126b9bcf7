/* fuzz_accepted.c: .qgateignore (core/accepted.c), the repository's own list
 * of accepted findings' fingerprints, as bytes. Properties: the set is sorted
 * without repeats and holds no more entries than the text has lines; every
 * entry is a line of the text (16 hex digits after blanks) and is found by
 * qg_accepted_has in the form qg_finding_fingerprint writes; the bad lines
 * kept are ascending and within the line count; parsing is deterministic;
 * applying it to a result suppresses exactly the findings whose fingerprint
 * is in the set, once. */
#include "fuzz/fuzz.h"
#include "core/accepted.h"
#include "core/mem.h"
#include "rules/rule.h"

#include <inttypes.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 1 << 16)
    return -1;
  const char *text = (const char *)data;
  size_t lines = 0;
  for (size_t i = 0; i < size; i++)
    lines += data[i] == '\n';
  lines += size && data[size - 1] != '\n';

  qg_accepted a, b;
  qg_accepted_parse(&a, text, size);
  qg_accepted_parse(&b, text, size);
  FUZZ_CHECK(a.n == b.n && a.nbad == b.nbad, "two parses differ");
  FUZZ_CHECK(a.n == 0 || memcmp(a.fps, b.fps, a.n * sizeof(uint64_t)) == 0, "two sets differ");
  FUZZ_CHECK(a.n + a.nbad <= lines, "%zu entries and %zu bad lines from %zu lines", a.n, a.nbad,
             lines);
  for (size_t i = 1; i < a.n; i++)
    FUZZ_CHECK(a.fps[i - 1] < a.fps[i], "not sorted without repeats at %zu", i);
  for (size_t i = 0; i < a.nbad && i < QG_ACCEPTED_MAX_BAD; i++) {
    FUZZ_CHECK(a.bad[i] >= 1 && a.bad[i] <= lines, "bad line %u of %zu", a.bad[i], lines);
    FUZZ_CHECK(i == 0 || a.bad[i - 1] < a.bad[i], "bad lines not ascending");
  }
  for (size_t i = 0; i < a.n; i++) {
    char fp[17];
    snprintf(fp, sizeof(fp), "%016" PRIx64, a.fps[i]);
    FUZZ_CHECK(qg_accepted_has(&a, fp), "%s not found", fp);
    /* it is in the text, at the start of a line after blanks */
    bool seen = false;
    for (const char *p = text; !seen && (p = memchr(p, fp[0], size - (size_t)(p - text))); p++) {
      if ((size_t)(p - text) + 16 > size || memcmp(p, fp, 16) != 0)
        continue;
      const char *q = p;
      while (q > text && (q[-1] == ' ' || q[-1] == '\t'))
        q--;
      seen = q == text || q[-1] == '\n';
    }
    FUZZ_CHECK(seen, "%s is not a line of the text", fp);
  }

  /* a few findings, some accepted by construction when the set is not empty */
  const qg_rule *rule = qg_rule_find("pss/privileged");
  FUZZ_CHECK(rule != NULL, "no rule");
  qg_result r;
  qg_result_init(&r);
  for (unsigned i = 0; i < 8; i++) {
    char name[16];
    snprintf(name, sizeof(name), "p%u", size ? data[i % size] : i);
    qg_location loc = {"a.yaml", i + 1, 1, i + 1, 2};
    qg_context ctx = {0};
    ctx.kind = "Pod";
    ctx.name = name;
    qg_result_add_finding(&r, rule, QG_SEV_HIGH, &loc, &ctx, qg_xstrdup("m"));
  }
  size_t want = 0;
  for (size_t i = 0; i < r.findings.n; i++) {
    char fp[17];
    qg_finding_fingerprint(&r.findings.items[i], fp);
    want += qg_accepted_has(&a, fp);
  }
  FUZZ_CHECK(qg_accepted_apply(&a, &r) == want, "suppressed a different number");
  FUZZ_CHECK(qg_accepted_apply(&a, &r) == 0, "suppressed twice");
  qg_result_cleanup(&r);
  qg_accepted_cleanup(&a);
  qg_accepted_cleanup(&b);
  return 0;
}
