/* http.h: the libcurl adapter. The only qgate file that includes <curl/curl.h>.
 *
 * Requests go out in parallel on one curl multi handle, each retried on
 * 429, 5xx and connection failures with exponential backoff that honours
 * Retry-After (seconds or an HTTP date) up to a cap (a longer one is not
 * waited: the request fails), with connect and per-attempt timeouts, an
 * optional deadline for everything (attempts, waits, retries) and a cap on
 * the response size. Proxies come from the environment as libcurl
 * reads them (http_proxy, https_proxy, no_proxy); a CA bundle from
 * SSL_CERT_FILE (or CURL_CA_BUNDLE) and a CA directory from SSL_CERT_DIR.
 * Nothing here prints; error texts never hold a credential (no header values,
 * no URL user info, no query string). */
#ifndef QG_HTTP_H
#define QG_HTTP_H

#include "core/qg.h"

#include <stdbool.h>
#include <stddef.h>

/* Process-wide libcurl init/cleanup; called once by the CLI. */
qg_status qg_http_global_init(void);
void qg_http_global_cleanup(void);
/* libcurl's version, e.g. "7.88.1"; static. */
const char *qg_http_version(void);

typedef struct qg_http_request {
  const char *method;         /* "POST", "GET", ... */
  const char *url;            /* http:// or https:// only */
  const char *const *headers; /* "Name: value" lines, borrowed */
  size_t nheaders;
  const char *body; /* borrowed; may be NULL (no body) */
  size_t body_len;
  /* AWS Signature Version 4, or NULL: the provider "aws:amz:REGION:SERVICE"
   * (e.g. "aws:amz:us-east-1:bedrock"), as libcurl's CURLOPT_AWS_SIGV4 takes
   * it, but qgate signs itself (core/sigv4.h), as AWS canonicalises: the
   * path encoded once more for every service but S3 (a Bedrock model id's
   * "%3A" is signed as "%253A"), the query sorted. aws_key_id and aws_secret
   * sign; aws_session_token, when set, is sent as X-Amz-Security-Token. Each
   * attempt is signed anew and gets Host (unless headers has one), X-Amz-Date,
   * X-Amz-Content-Sha256 and Authorization lines; signed are those, the
   * token, Content-Type and every X-Amz-* line of headers. headers must not set X-Amz-Date,
   * X-Amz-Security-Token, X-Amz-Content-Sha256 or Authorization, and the URL's
   * path and query must be printable ASCII without blanks and the path free
   * of "." and ".." segments (libcurl would change those): else QG_EUSAGE. */
  const char *aws_sigv4;
  const char *aws_key_id, *aws_secret, *aws_session_token;
} qg_http_request;

/* Now on the monotonic clock, in milliseconds: what qg_http_options.deadline_ms counts in. */
long long qg_http_now_ms(void);

typedef struct qg_http_options {
  long connect_timeout_ms; /* 0: 10000 */
  long timeout_ms;         /* one attempt, start to end; 0: 120000 */
  int retries;             /* further attempts after the first; -1: none; 0: 3 */
  long backoff_ms;         /* the first wait, doubled for each retry (at most max_wait_ms);
                              0: 1000 */
  long max_wait_ms;        /* the longest wait: a Retry-After asking for more is not waited,
                              the request fails at once; 0: 60000 */
  long long deadline_ms;   /* a qg_http_now_ms() time, or 0 for none: no attempt starts
                              after it, a running one is cut at it (its timeouts are what is
                              left), and a retry whose wait would end past it is not made */
  size_t max_response;     /* response body cap in bytes; 0: 8 MiB */
  unsigned parallel;       /* transfers at once; 0: 4 */
  bool limits_to_caller;   /* a 429 is not retried here: the caller waits as its API's
                              rules ask (hosts/rest.c) */
  bool write_once;         /* a request that must not be made twice (a POST that creates
                              something): neither a 5xx nor a failure after it may have
                              been sent is retried; a refused connection is */
} qg_http_options;

typedef struct qg_http_response {
  qg_status status; /* QG_OK: a response arrived (any HTTP code; see code);
                       QG_ENET: no response after every attempt (connect,
                       TLS, timeout); QG_ETOOBIG: the body was over the cap;
                       QG_EUSAGE: not sent (qg_http_perform returned
                       QG_EUSAGE) */
  long code;        /* the last attempt's HTTP status, 0 when none */
  char *body;       /* owned by the response (qg_http_response_cleanup): the
                       last attempt's body, NUL-terminated beyond len; never NULL
                       after qg_http_perform */
  size_t len;
  unsigned attempts;
  long waited_ms;            /* total time spent waiting between attempts */
  long retry_after_ms;       /* the last attempt's Retry-After in milliseconds, -1 when it had
                          none (or an invalid one): lets a caller retry what is not
                          retried here, e.g. GitHub's 403 for its secondary rate limits */
  long ratelimit_remaining;  /* the last attempt's x-ratelimit-remaining (GitHub) or
                                RateLimit-Remaining (GitLab), -1 when absent or invalid */
  long long ratelimit_reset; /* its x-ratelimit-reset / RateLimit-Reset: a Unix time in
                                seconds, -1 when absent or invalid */
  bool deadline;             /* the deadline ended it: not sent, cut, or no time left to retry */
  char not_retried[128];     /* why a retryable outcome was not retried ("Retry-After asks
                            for 100000 s, over the 60 s cap", "the deadline comes
                            first"), "" otherwise; error[] ends with it too */
  char error[256];           /* when status != QG_OK or code >= 400: what happened, e.g.
                       "HTTP 429 after 4 attempts" or "timeout after 30000 ms
                       (http://127.0.0.1:4242/v1/chat/completions)"; "" otherwise */
                             /* a request not retried says why after "; not retried: ", e.g.
                       "HTTP 429; not retried: Retry-After asks for 100000 s, over the
                       60 s cap (...)" */
} qg_http_response;

/* Performs the n requests, at most opt->parallel at a time (opt may be NULL
 * for the defaults), and fills out[0..n-1] (the caller's array, each to be
 * cleaned with qg_http_response_cleanup). Returns QG_OK once every request
 * has an outcome in its response; QG_EUSAGE for a bad request (no method or
 * URL, a scheme other than http/https, a header that is not one "Name:
 * value" line, SigV4 that cannot be signed, e.g. without key id or
 * secret): then nothing is sent and every response says so in error[].
 * Retried: 429, 5xx, and connect failures, timeouts and dropped connections
 * (not DNS or certificate failures, not an over-cap body). A request waiting
 * for its retry holds no parallel slot. error[] is "<what> (<url>)" with the
 * URL cut to scheme, host, port and path, e.g. "HTTP 503 after 3 attempts
 * (...)", "timeout after 200 ms (...)", "cannot connect to 127.0.0.1:9:
 * Connection refused (...)", "response body over 8388608 bytes (...)". */
qg_status qg_http_perform(const qg_http_request *reqs, size_t n, const qg_http_options *opt,
                          qg_http_response *out);

void qg_http_response_cleanup(qg_http_response *r);

/* The value of Retry-After in milliseconds (delta-seconds or an HTTP date,
 * against now, a Unix time in seconds), or -1 when it is absent or invalid.
 * Exposed for tests. */
long qg_http_retry_after_ms(const char *value, long long now);

#endif
