/* fuzz_retry_after.c: the Retry-After header's value (core/http.c,
 * qg_http_retry_after_ms), as a server sends it (up to the first NUL).
 * Properties: -1 or a wait of 0 or more; delta-seconds are the digits times
 * 1000, saturated; a date's wait shrinks as the clock advances, by what the
 * clock advanced (until 0), and no more; the same value, the same answer. */
#include "fuzz/fuzz.h"
#include "core/http.h"
#include "core/mem.h"

#include <limits.h>
#include <string.h>

#define NOW 1767225600LL /* 2026-01-01T00:00:00Z */
#define SAT (LONG_MAX / 1000 * 1000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096)
    return -1;
  char *v = qg_xmalloc(size + 1);
  memcpy(v, data, size);
  v[size] = '\0';
  long a = qg_http_retry_after_ms(v, NOW);
  FUZZ_CHECK(a >= -1, "%ld", a);
  FUZZ_CHECK(qg_http_retry_after_ms(v, NOW) == a, "two answers");

  /* delta-seconds, between optional blanks */
  const char *d = v + strspn(v, " \t");
  size_t nd = strspn(d, "0123456789");
  const char *rest = d + nd;
  if (nd > 64 && rest[strspn(rest, " \t\r\n")] == '\0') {
    FUZZ_CHECK(a == -1, "%zu digits gave %ld ms", nd, a);
  } else if (nd && rest[strspn(rest, " \t\r\n")] == '\0') {
    size_t lead = strspn(d, "0");
    if (lead > nd)
      lead = nd;
    if (nd - lead <= 15) {
      long long secs = 0;
      for (size_t i = 0; i < nd; i++)
        secs = secs * 10 + (d[i] - '0');
      FUZZ_CHECK(a == (long)(secs * 1000), "%lld seconds gave %ld ms", secs, a);
    } else if (nd - lead >= 17) {
      FUZZ_CHECK(a == SAT, "%zu digits gave %ld ms", nd, a);
    }
    FUZZ_CHECK(qg_http_retry_after_ms(v, 0) == a, "delta-seconds depend on the clock");
  } else if (a >= 0) {
    /* a date: 10 s later, 10 s less to wait (none once it has passed) */
    long b = qg_http_retry_after_ms(v, NOW + 10);
    FUZZ_CHECK(b >= 0, "a date read at one time and not at another");
    if (a != SAT && a >= 10000)
      FUZZ_CHECK(b == a - 10000, "%ld ms, then %ld ms 10 s later", a, b);
    else if (a != SAT)
      FUZZ_CHECK(b == 0, "%ld ms, then %ld ms 10 s later", a, b);
  }
  free(v);
  return 0;
}
