/* fuzz_hosts.c: what qgate reads from GitHub and GitLab (hosts/internal.h):
 * every input is read as a GitHub Actions event payload, as a GitHub and a
 * GitLab error body, as a page of GitHub comments, of GitLab notes and of
 * GitLab discussions, and as a merge request's diff_refs. (Both hosts page by
 * counting, ?per_page=&page=, until a short page: no Link header is read.)
 * Properties: an event is taken only with a pull request number in 1..2^32-1
 * and two commit ids (40 or 64 hex digits), and a refused one says which field
 * and sets nothing; error texts hold no control character, are capped
 * (GitHub's) and, once recorded (GitLab's, in a buffer of 1 + the first byte
 * bytes), fit, never show the token, and are a cut of the masked text that
 * does not split a UTF-8 sequence; a page's counts are bounded by its items
 * and an id is a positive integer JSON can hold exactly. */
#include "fuzz/fuzz.h"
#include "hosts/internal.h"

#include <string.h>

#define FUZZ_TOKEN "FUZZ-TOKEN-NOT-A-SECRET"

static bool is_sha(const char *s) {
  size_t n = strspn(s, "0123456789abcdefABCDEF");
  return (n == 40 || n == 64) && !s[n];
}

static void no_control(const char *s, const char *what) {
  for (size_t i = 0; s[i]; i++)
    FUZZ_CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f, "%s: byte 0x%02x at %zu", what,
               (unsigned char)s[i], i);
}

static void event(const char *body, size_t size) {
  qg_host_ctx ctx;
  memset(&ctx, 0, sizeof(ctx));
  char *err = NULL;
  qg_status st = qg_github_event_parse(body, size, &ctx, &err);
  if (st == QG_OK) {
    FUZZ_CHECK(ctx.number >= 1 && ctx.number <= 4294967295UL, "number %lu", ctx.number);
    FUZZ_CHECK(ctx.head_sha && is_sha(ctx.head_sha), "head_sha");
    FUZZ_CHECK(ctx.base_sha && is_sha(ctx.base_sha), "base_sha");
  } else {
    FUZZ_CHECK(st == QG_EUSAGE, "event: status %d", (int)st);
    FUZZ_CHECK(err && strncmp(err, "GITHUB_EVENT_", 13) == 0, "event: error \"%s\"", err);
    FUZZ_CHECK(!ctx.number && !ctx.head_sha && !ctx.base_sha, "a refused event set fields");
  }
  qg_host_ctx_cleanup(&ctx);
  free(err);
}

static void github_error(const char *body, size_t size) {
  char *t = qg_github_error_text(body, size);
  FUZZ_CHECK(t != NULL, "no GitHub error text");
  no_control(t, "GitHub error");
  /* message 200, then 4 errors of at most 80 + 1 + 40 or 160 bytes, "..." each, "; ..." */
  FUZZ_CHECK(strlen(t) <= 203 + 2 + 4 * (2 + 163) + 5, "a GitHub error text of %zu bytes",
             strlen(t));
  free(t);
}

static void gitlab_error(const char *body, size_t size, size_t cap) {
  char *t = qg_gitlab_error_text(body, size);
  FUZZ_CHECK(t != NULL, "no GitLab error text");
  /* as fail() records it: the token (as a server may echo it) inside the text */
  size_t tl = strlen(t);
  size_t half = tl / 2;
  char *e = qg_xasprintf("GitLab: %.*s%s%s", (int)half, t, size & 1 ? FUZZ_TOKEN : "", t + half);
  char *dst = qg_xmalloc(cap);
  memset(dst, 0x55, cap);
  qg_gitlab_error_put(dst, cap, e, FUZZ_TOKEN);
  size_t n = strnlen(dst, cap);
  FUZZ_CHECK(n < cap, "the recorded error is not terminated in %zu bytes", cap);
  no_control(dst, "GitLab error");
  FUZZ_CHECK(!strstr(dst, FUZZ_TOKEN), "the token is in \"%s\"", dst);
  /* a cut of e as masked (qg_gitlab_error_put masks e in place) */
  FUZZ_CHECK(strncmp(dst, e, n) == 0, "not a prefix of the masked text");
  if (n < strlen(e))
    FUZZ_CHECK(((unsigned char)e[n] & 0xc0) != 0x80, "the cut at %zu splits a UTF-8 sequence", n);
  free(dst);
  free(e);
  free(t);
}

static void pages(const char *body, size_t size) {
  long long id = -1;
  size_t nk = (size_t)-1;
  int n = qg_github_page_read(body, size, &id, &nk);
  FUZZ_CHECK(n >= -1, "GitHub page: %d items", n);
  FUZZ_CHECK(id >= 0 && id <= 9007199254740992LL, "GitHub summary id %lld", id);
  FUZZ_CHECK(n >= 0 ? nk <= (size_t)n : nk == 0 && id == 0, "GitHub page: %zu known of %d", nk, n);
  for (int disc = 0; disc < 2; disc++) {
    id = -1;
    nk = (size_t)-1;
    n = qg_gitlab_page_read(body, size, disc, &id, &nk);
    FUZZ_CHECK(n >= -1, "GitLab page: %d items", n);
    FUZZ_CHECK(id >= 0 && id <= 9007199254740992LL, "GitLab summary id %lld", id);
    FUZZ_CHECK(n >= 0 ? nk <= (size_t)n : nk == 0 && id == 0, "GitLab page: %zu threads of %d", nk,
               n);
    FUZZ_CHECK(disc ? id == 0 : nk == 0, "GitLab: a note page gave threads or the reverse");
  }
  (void)qg_gitlab_refs_read(body, size);
  /* a summary's reviewed head: only hex, 40 or 64 digits */
  char *text = strndup(body, size), head[65];
  if (text && qg_host_read_reviewed_head(text, "qgate", head)) {
    size_t hn = strlen(head);
    FUZZ_CHECK((hn == 40 || hn == 64) && strspn(head, "0123456789abcdef") == hn,
               "reviewed head '%s'", head);
  }
  free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* not NUL-terminated: libFuzzer's copy is exactly size bytes */
  const char *body = (const char *)data;
  event(body, size);
  github_error(body, size);
  gitlab_error(body, size, 1 + (size ? data[0] : 0));
  pages(body, size);
  return 0;
}
