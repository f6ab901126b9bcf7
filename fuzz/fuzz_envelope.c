/* fuzz_envelope.c: the providers' response envelopes (review/provider.c,
 * qg_llm_reply_parse), each input read as an OpenAI Chat Completions, an
 * Anthropic Messages and a Bedrock Converse body, with a 200 and with an error
 * status (300 + the first byte: 3xx to 5xx). Properties: a 2xx body gives the
 * model's text (NUL-terminated, len its length, no NUL inside) or an EPARSE
 * with a reason and no text; any other status gives ENET and an error text
 * that starts "HTTP <code>", holds no control character and is at most
 * QG_LLM_ERROR_MAX bytes long. */
#include "fuzz/fuzz.h"
#include "review/provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const qg_llm_provider g_providers[] = {QG_LLM_OPENAI, QG_LLM_ANTHROPIC, QG_LLM_BEDROCK};

static void check_err(const char *err, const char *what) {
  FUZZ_CHECK(err != NULL, "%s: no error text", what);
  size_t n = strlen(err);
  FUZZ_CHECK(n > 0, "%s: no error text", what);
  FUZZ_CHECK(n <= QG_LLM_ERROR_MAX, "%s: an error text of %zu bytes", what, n);
  for (size_t i = 0; i < n; i++)
    FUZZ_CHECK((unsigned char)err[i] >= 0x20, "%s: control byte 0x%02x at %zu", what,
               (unsigned char)err[i], i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* not NUL-terminated: libFuzzer's copy is exactly size bytes */
  const char *body = (const char *)data;
  long code = 300 + (size ? data[0] : 0);
  for (size_t k = 0; k < QG_ARRAY_LEN(g_providers); k++) {
    qg_llm_provider p = g_providers[k];
    const char *name = qg_llm_provider_name(p);
    char *why = NULL;
    qg_llm_reply r;
    qg_status st = qg_llm_reply_parse(p, 200, body, size, &r, &why);
    if (st == QG_OK) {
      FUZZ_CHECK(why == NULL, "%s: an error text with a reply", name);
      FUZZ_CHECK(r.text != NULL, "%s: no text", name);
      FUZZ_CHECK(strlen(r.text) == r.len, "%s: text of %zu bytes, len %zu", name, strlen(r.text),
                 r.len);
    } else {
      FUZZ_CHECK(st == QG_EPARSE, "%s: status %d for a 200", name, (int)st);
      FUZZ_CHECK(r.text == NULL && r.len == 0, "%s: text with an error", name);
      check_err(why, name);
    }
    free(why);
    qg_llm_reply_cleanup(&r);

    why = NULL;
    st = qg_llm_reply_parse(p, code, body, size, &r, &why);
    FUZZ_CHECK(st == QG_ENET && r.text == NULL, "%s: status %d for HTTP %ld", name, (int)st, code);
    check_err(why, name);
    char prefix[32];
    int pn = snprintf(prefix, sizeof(prefix), "HTTP %ld", code);
    FUZZ_CHECK(strncmp(why, prefix, (size_t)pn) == 0, "%s: \"%s\" for HTTP %ld", name, why, code);
    free(why);
    qg_llm_reply_cleanup(&r);
  }
  return 0;
}
