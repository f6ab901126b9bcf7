/* fuzz_sigv4.c: AWS Signature Version 4 (core/sigv4.c): the canonical URI,
 * query and headers built from a fuzzed request. The input is lines: the
 * method, the URL, the provider ("aws:amz:REGION:SERVICE"), the session token
 * (empty: none), the time (Unix seconds; empty: 2026-01-01), then header lines
 * up to an empty line, then the body. Properties: a request is signed or
 * refused with a reason, never half; the same request gives the same lines
 * (deterministic); what is returned is a Host line (only when the request had
 * none), X-Amz-Date, the token, X-Amz-Content-Sha256 and the Authorization
 * line, each one line of printable ASCII, with the key id in its Credential
 * and a 64-hex-digit Signature; the secret is in no line and no reason; and
 * the request as a server receives it (the path and query as sent, the header
 * lines with a value, names lower-cased, values trimmed) verifies with the
 * test server's own SigV4 check (tests/mockhttp.c, mock_sigv4_verify: written
 * apart, from AWS's description), so both canonicalise alike. */
#include "fuzz/fuzz.h"
#include "core/mem.h"
#include "core/sigv4.h"
#include "tests/mockhttp.h"

#include <strings.h>
#include <ctype.h>
#include <string.h>

#define KEY_ID "FUZZKEYID"
#define SECRET "fuzz-secret-not-a-key"
#define MAX_HEADERS 32

static char *next_line(char **p) {
  char *s = *p;
  if (!s)
    return NULL;
  char *nl = strchr(s, '\n');
  if (nl) {
    *nl = '\0';
    *p = nl + 1;
  } else {
    *p = NULL;
  }
  return s;
}

/* One "Name: value" line as a server records it, into h; false for a line libcurl
 * does not send (no value). */
static bool received(const char *line, mock_header *h) {
  const char *colon = strchr(line, ':');
  size_t nn = (size_t)(colon - line);
  while (nn && (line[nn - 1] == ' ' || line[nn - 1] == '\t'))
    nn--;
  const char *v = colon + 1;
  v += strspn(v, " \t");
  size_t vn = strlen(v);
  while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
    vn--;
  if (!vn)
    return false;
  h->name = qg_xstrndup(line, nn);
  for (char *c = h->name; *c; c++)
    if (*c >= 'A' && *c <= 'Z')
      *c = (char)(*c - 'A' + 'a');
  h->value = qg_xstrndup(v, vn);
  return true;
}

/* The signed request, as the test server would receive it, verified there. */
static void verify(const qg_sigv4_input *in, char **out, size_t n) {
  const char *hp = in->url + strcspn(in->url, ":") + 3;
  const char *rest = hp + strcspn(hp, "/?#");
  size_t pl = strcspn(rest, "#");
  mock_request rq;
  memset(&rq, 0, sizeof(rq));
  rq.method = qg_xstrdup(in->method);
  rq.path = qg_xasprintf("%s%.*s", *rest == '/' ? "" : "/", (int)pl, rest);
  rq.headers = qg_xcalloc(in->nheaders + n + 1, sizeof(*rq.headers));
  for (size_t i = 0; i < in->nheaders; i++)
    rq.nheaders += received(in->headers[i], &rq.headers[rq.nheaders]);
  for (size_t i = 0; i < n; i++)
    rq.nheaders += received(out[i], &rq.headers[rq.nheaders]);
  rq.body = (char *)qg_xmalloc(in->body_len + 1);
  if (in->body_len)
    memcpy(rq.body, in->body, in->body_len);
  rq.body[in->body_len] = '\0';
  rq.len = in->body_len;
  /* "aws:amz:REGION:SERVICE" */
  const char *r = in->provider + 8;
  size_t rl = strcspn(r, ":");
  char *region = qg_xstrndup(r, rl);
  char why[4096];
  bool ok = mock_sigv4_verify(&rq, KEY_ID, SECRET, region, r + rl + 1, why, sizeof(why));
  FUZZ_CHECK(ok, "the test server does not verify the signature of %s %s: %s", rq.method, rq.path,
             why);
  free(region);
  for (size_t i = 0; i < rq.nheaders; i++) {
    free(rq.headers[i].name);
    free(rq.headers[i].value);
  }
  free(rq.headers);
  free(rq.body);
  free(rq.path);
  free(rq.method);
}

static void printable(const char *s, const char *what) {
  for (size_t i = 0; s[i]; i++)
    FUZZ_CHECK((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f, "%s: byte 0x%02x at %zu",
               what, (unsigned char)s[i], i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 16384)
    return -1;
  /* the body is the bytes after the empty line, NULs included */
  char *text = qg_xmalloc(size + 1);
  memcpy(text, data, size);
  text[size] = '\0';
  char *p = text;
  const char *method = next_line(&p), *url = next_line(&p), *provider = next_line(&p);
  const char *token = next_line(&p), *when = next_line(&p);
  const char *headers[MAX_HEADERS];
  size_t nh = 0;
  char *line;
  while (p && nh < MAX_HEADERS && (line = next_line(&p)) && *line)
    headers[nh++] = line;
  const char *body = p;
  size_t body_len = p ? size - (size_t)(p - text) : 0;

  qg_sigv4_input in;
  memset(&in, 0, sizeof(in));
  in.method = method;
  in.url = url ? url : "";
  in.provider = provider ? provider : "";
  in.session_token = token;
  in.now = 1767225600LL;
  if (when && *when)
    in.now = strtoll(when, NULL, 10);
  in.headers = headers;
  in.nheaders = nh;
  in.body = body;
  in.body_len = body_len;
  in.key_id = KEY_ID;
  in.secret = SECRET;
  in.no_content_sha256 = size & 1;

  char *why = NULL;
  char **out = NULL, **again = NULL;
  size_t n = 0, n2 = 0;
  qg_status st = qg_sigv4_sign(&in, &out, &n, &why);
  if (st != QG_OK) {
    FUZZ_CHECK(st == QG_EUSAGE, "status %d", (int)st);
    FUZZ_CHECK(!out && !n, "lines with an error");
    FUZZ_CHECK(why && *why && !strstr(why, SECRET), "reason \"%s\"", why ? why : "(none)");
    printable(why, "reason"); /* never quotes input */
    free(why);
    free(text);
    return 0;
  }
  FUZZ_CHECK(!why, "a reason with a signature: \"%s\"", why);
  /* the secret may be in a line only when the request itself holds it (the token), in
   * any case: header names are lowercased into the signed lines */
  bool quoted = false;
  for (size_t i = 0; !quoted && i + sizeof(SECRET) - 1 <= size; i++) {
    quoted = true;
    for (size_t j = 0; quoted && j < sizeof(SECRET) - 1; j++)
      quoted = tolower((unsigned char)data[i + j]) == tolower((unsigned char)SECRET[j]);
  }
  qg_status st2 = qg_sigv4_sign(&in, &again, &n2, &why);
  FUZZ_CHECK(st2 == QG_OK && n2 == n, "signed twice: %d, %zu lines then %zu", (int)st2, n, n2);
  bool has_host = false;
  for (size_t i = 0; i < nh; i++)
    has_host |= strncasecmp(headers[i], "host", 4) == 0 &&
                headers[i][4 + strspn(headers[i] + 4, " \t")] == ':';
  size_t want = 2 + !has_host + (token && *token) + !in.no_content_sha256;
  FUZZ_CHECK(n == want, "%zu lines, %zu expected", n, want);
  for (size_t i = 0; i < n; i++) {
    FUZZ_CHECK(strcmp(out[i], again[i]) == 0, "line %zu differs: \"%s\" then \"%s\"", i, out[i],
               again[i]);
    printable(out[i], "line");
    FUZZ_CHECK(quoted || !strstr(out[i], SECRET), "the secret is in line %zu", i);
  }
  size_t k = 0;
  if (!has_host)
    FUZZ_CHECK(strncmp(out[k++], "Host: ", 6) == 0, "no Host line first");
  FUZZ_CHECK(strncmp(out[k], "X-Amz-Date: ", 12) == 0 && strlen(out[k]) == 12 + 16, "\"%s\"",
             out[k]);
  k++;
  if (token && *token)
    FUZZ_CHECK(strncmp(out[k++], "X-Amz-Security-Token: ", 22) == 0, "no token line");
  if (!in.no_content_sha256) {
    FUZZ_CHECK(strncmp(out[k], "X-Amz-Content-Sha256: ", 22) == 0 && strlen(out[k]) == 22 + 64,
               "\"%s\"", out[k]);
    k++;
  }
  const char *auth = out[k];
  static const char pre[] = "Authorization: AWS4-HMAC-SHA256 Credential=" KEY_ID "/";
  FUZZ_CHECK(strncmp(auth, pre, sizeof(pre) - 1) == 0, "\"%s\"", auth);
  const char *sig = strstr(auth, ", Signature=");
  FUZZ_CHECK(sig && strlen(sig + 12) == 64 && strspn(sig + 12, "0123456789abcdef") == 64, "\"%s\"",
             auth);
  FUZZ_CHECK(strstr(auth, "SignedHeaders=") && strstr(auth, "host;") && strstr(auth, "x-amz-date"),
             "\"%s\"", auth);
  verify(&in, out, n);
  qg_sigv4_headers_free(out, n);
  qg_sigv4_headers_free(again, n2);
  free(text);
  return 0;
}
