/* fuzz_secrets.c: the secrets scanner and redaction (scanners/secrets).
 *
 * Input: an optional first line "path: NAME" choosing the file name (rules
 * depend on it: .npmrc, .env, *.pem ...), then the text. The text is
 * scanned (the text pass; for a YAML name also the YAML-aware pass, as the
 * driver does) and redacted, and the property is checked: the redacted copy
 * holds none of the secrets the scanner found, and nothing but the secrets
 * changed (outside the masks the text is the same). */
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
  qg_result r;
  qg_result_init(&r);
  if (qg_secrets_new(&g_rules, NULL, &r, &g_secrets) != QG_OK)
    abort();
  qg_result_cleanup(&r);
  return 0;
}

/* The byte offsets at 1-based line:col, [*lo, *hi]: a column counts the
 * bytes that do not continue a UTF-8 sequence, so where continuation bytes
 * stand alone several offsets share one. */
static void offsets_at(const char *buf, size_t len, uint32_t line, uint32_t col, size_t *lo,
                       size_t *hi) {
  size_t i = 0;
  for (uint32_t l = 1; l < line && i < len; i++)
    if (buf[i] == '\n')
      l++;
  for (uint32_t c = 1; i < len && c < col; i++)
    c += ((unsigned char)buf[i] & 0xC0) != 0x80;
  *lo = *hi = i;
  while (*hi < len && ((unsigned char)buf[*hi] & 0xC0) == 0x80)
    (*hi)++;
}

/* The secret of finding f: the span its location gives whose hash is the
 * one in its field ("fp:<hash>"). False when there is none. */
static bool secret_of(const qg_finding *f, const char *buf, size_t len, size_t *start,
                      size_t *end) {
  size_t a0, a1, b0, b1;
  offsets_at(buf, len, f->loc.line, f->loc.col, &a0, &a1);
  offsets_at(buf, len, f->loc.end_line, f->loc.end_col, &b0, &b1);
  for (size_t a = a0; a <= a1; a++)
    for (size_t b = b0 > a ? b0 : a + 1; b <= b1 && b <= len; b++) {
      char fp[32];
      snprintf(fp, sizeof(fp), "fp:%016llx",
               (unsigned long long)qg_hash64(buf + a, b - a, QG_HASH_SEED));
      if (f->ctx.field && strcmp(fp, f->ctx.field) == 0) {
        *start = a;
        *end = b;
        return true;
      }
    }
  return false;
}

static const char *find_mem(const char *hay, size_t hl, const char *needle, size_t nl) {
  if (!nl || nl > hl)
    return NULL;
  for (size_t i = 0; i + nl <= hl; i++)
    if (hay[i] == needle[0] && memcmp(hay + i, needle, nl) == 0)
      return hay + i;
  return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[80] = "fuzz.txt";
  const char *buf = (const char *)data;
  size_t len = size;
  if (len > 6 && memcmp(buf, "path: ", 6) == 0) {
    const char *nl = memchr(buf, '\n', len < 70 ? len : 70);
    if (nl && nl > buf + 6 && !memchr(buf + 6, '\0', (size_t)(nl - buf - 6))) {
      memcpy(path, buf + 6, (size_t)(nl - buf - 6));
      path[nl - buf - 6] = '\0';
      len -= (size_t)(nl + 1 - buf);
      buf = nl + 1;
    }
  }

  qg_result r;
  qg_result_init(&r);
  qg_secrets_scan(g_secrets, path, buf, len, &r);
  size_t text_findings = r.findings.n;
  qg_scan_config cfg = {.secrets = g_secrets};
  qg_result whole;
  qg_result_init(&whole);
  qg_scan_buffer(&cfg, path, (const unsigned char *)buf, len, &whole);
  qg_result_cleanup(&whole);

  size_t outlen = 0, count = 0;
  char *red = qg_redact(g_secrets, buf, len, &outlen, &count, NULL);
  FUZZ_CHECK(red != NULL, "no redacted copy");
  /* a repeat of one secret may overlap another: they are masked as one; the
   * YAML-aware pass and the authorization shapes mask more than the text pass finds */
  FUZZ_CHECK(count > 0 || text_findings == 0, "%zu masked, %zu found", count, text_findings);
  for (size_t i = 0; i < r.findings.n; i++) {
    const qg_finding *f = &r.findings.items[i];
    FUZZ_CHECK(f->message && !strstr(f->message, "\n"), "finding %zu: message", i);
    size_t a = 0, b = 0;
    FUZZ_CHECK(secret_of(f, buf, len, &a, &b), "finding %zu (%s): %u:%u-%u:%u is not its secret", i,
               f->rule->id, f->loc.line, f->loc.col, f->loc.end_line, f->loc.end_col);
    const char *secret = buf + a;
    size_t sl = b - a;
    FUZZ_CHECK(!find_mem(f->message, strlen(f->message), secret, sl) || sl < 8,
               "finding %zu (%s): the message holds the secret", i, f->rule->id);
    const char *leak = find_mem(red, outlen, secret, sl);
    FUZZ_CHECK(!leak,
               "finding %zu (%s) at %u:%u: the redacted text holds the secret (%zu bytes) "
               "at byte %zu",
               i, f->rule->id, f->loc.line, f->loc.col, sl, (size_t)(leak - red));
  }
  FUZZ_CHECK(count > 0 || (outlen == len && memcmp(red, buf, len) == 0),
             "nothing masked but the text changed");
  free(red);
  qg_result_cleanup(&r);

  /* the path: what the name scan finds there, the path's redaction masks */
  qg_result names;
  qg_result_init(&names);
  qg_secrets_scan_name(g_secrets, path, &names);
  size_t pcount = 0;
  char *rpath = qg_redact_path(g_secrets, path, &pcount);
  FUZZ_CHECK(names.findings.n == 0 || pcount > 0, "%zu found in the path, none masked",
             names.findings.n);
  FUZZ_CHECK(pcount > 0 || strcmp(rpath, path) == 0, "nothing masked but the path changed");
  for (size_t i = 0; i < names.findings.n; i++)
    FUZZ_CHECK(names.findings.items[i].loc.line == 0, "a name finding has a line");
  free(rpath);
  qg_result_cleanup(&names);
  return 0;
}
