/* unit_http.c: the libcurl adapter against the scripted server on 127.0.0.1,
 * qgate's SigV4 signer and the server's own SigV4 check against AWS's
 * published examples and a botocore-signed Bedrock request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/http.h"
#include "core/mem.h"
#include "core/sigv4.h"
#include "tests/mockhttp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define KEY_ID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN "FQoGZXIvYXdzEXAMPLETOKEN/with+slash="

/* Small waits keep the suite fast; retries are off unless a test asks. */
static qg_http_options fast_opts(void) {
  qg_http_options o = {0};
  o.connect_timeout_ms = 2000;
  o.timeout_ms = 5000;
  o.retries = -1;
  o.backoff_ms = 2;
  o.max_wait_ms = 1000;
  return o;
}

static char *url_for(const mock_server *m, const char *path) {
  return qg_xasprintf("http://127.0.0.1:%d%s", mock_port(m), path);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A port nothing listens on: bound, read back, closed. */
static int closed_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(sa);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
  close(fd);
  return ntohs(sa.sin_port);
}

static void assert_no_secret(const char *text) {
  assert_null(strstr(text, SECRET));
  assert_null(strstr(text, TOKEN));
}

/* Frees the signer's words of the call before, for the next call. */
static char **why_reset(char **why) {
  free(*why);
  *why = NULL;
  return why;
}

static void test_ok_exact_request(void **state) {
  (void)state;
  mock_server *m = mock_start();
  assert_non_null(m);
  mock_add_response(m, "POST", "/v1/chat",
                    "HTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"ok\":true}");
  mock_add_response(m, "GET", "/plain", "HTTP/1.1 200 OK\n\nplain");
  char *u1 = url_for(m, "/v1/chat?x=1"), *u2 = url_for(m, "/plain");
  const char *const hdrs[] = {"Content-Type: application/json", "X-Test: one two"};
  const char body[] = "{\"prompt\":\"hi\"}";
  qg_http_request rq[2] = {{0}, {0}};
  rq[0].method = "POST";
  rq[0].url = u1;
  rq[0].headers = hdrs;
  rq[0].nheaders = 2;
  rq[0].body = body;
  rq[0].body_len = sizeof(body) - 1;
  rq[1].method = "GET";
  rq[1].url = u2;
  qg_http_options o = fast_opts();
  o.parallel = 1; /* in order, so the requests arrive in order */
  qg_http_response out[2];
  assert_int_equal(qg_http_perform(rq, 2, &o, out), QG_OK);

  assert_int_equal(out[0].status, QG_OK);
  assert_int_equal(out[0].code, 200);
  assert_string_equal(out[0].body, "{\"ok\":true}");
  assert_int_equal(out[0].len, 11);
  assert_int_equal(out[0].attempts, 1);
  assert_string_equal(out[0].error, "");
  assert_string_equal(out[1].body, "plain");

  assert_int_equal(mock_nrequests(m), 2);
  const mock_request *r = mock_request_at(m, 0);
  assert_string_equal(r->method, "POST");
  assert_string_equal(r->path, "/v1/chat?x=1");
  assert_false(r->unexpected);
  assert_int_equal(r->len, sizeof(body) - 1);
  assert_memory_equal(r->body, body, sizeof(body) - 1);
  assert_string_equal(mock_header_value(r, "content-type"), "application/json");
  assert_string_equal(mock_header_value(r, "X-Test"), "one two");
  assert_string_equal(mock_header_value(r, "user-agent"), "qgate/" QG_VERSION);
  assert_null(mock_header_value(r, "authorization"));
  r = mock_request_at(m, 1);
  assert_string_equal(r->method, "GET");
  assert_int_equal(r->len, 0);
  assert_null(mock_header_value(r, "content-type")); /* none given, none sent */
  assert_null(mock_request_at(m, 2));

  qg_http_response_cleanup(&out[0]);
  qg_http_response_cleanup(&out[1]);
  free(u1);
  free(u2);
  mock_stop(m);
}

static void test_post_without_content_type(void **state) {
  (void)state;
  mock_server *m = mock_start();
  mock_add_response(m, "PUT", "/put", "HTTP/1.1 201 Created\n\n");
  char *u = url_for(m, "/put");
  qg_http_request rq = {0};
  rq.method = "PUT";
  rq.url = u;
  rq.body = "abc";
  rq.body_len = 3;
  qg_http_options o = fast_opts();
  qg_http_response out;
  assert_int_equal(qg_http_perform(&rq, 1, &o, &out), QG_OK);
  assert_int_equal(out.code, 201);
  assert_string_equal(out.body, "");
  const mock_request *r = mock_request_at(m, 0);
  assert_string_equal(r->method, "PUT");
  assert_string_equal(r->body, "abc");
  /* libcurl would add application/x-www-form-urlencoded on its own */
  assert_null(mock_header_value(r, "content-type"));
  qg_http_response_cleanup(&out);
  free(u);
  mock_stop(m);
}

static void test_429_retry_after_then_200(void **state) {
  (void)state;
  mock_server *m = mock_start();
  mock_add_response(m, "POST", "/r", "HTTP/1.1 429 Too Many Requests\nRetry-After: 0\n\nslow down");
  mock_add_response(m, "POST", "/r", "HTTP/1.1 200 OK\n\nsecond");
  char *u = url_for(m, "/r");
  qg_http_request rq = {0};
  rq.method = "POST";
  rq.url = u;
  rq.body = "x";
  rq.body_len = 1;
  qg_http_options o = fast_opts();
  o.retries = 3;
  o.backoff_ms = 5000; /* Retry-After: 0 wins over the backoff */
  o.max_wait_ms = 10000;
  long long t0 = now_ms();
  qg_http_response out;
  assert_int_equal(qg_http_perform(&rq, 1, &o, &out), QG_OK);
  assert_true(now_ms() - t0 < 4000);
  assert_int_equal(out.status, QG_OK);
  assert_int_equal(out.code, 200);
  assert_int_equal(out.attempts, 2);
  assert_string_equal(out.body, "second");
  assert_string_equal(out.error, "");
  assert_true(out.waited_ms < 4000);
  assert_int_equal(mock_nrequests(m), 2);
  assert_string_equal(mock_request_at(m, 1)->body, "x"); /* the body is sent again */
  qg_http_response_cleanup(&out);
  free(u);
  mock_stop(m);
}

static void test_503_retries_exhausted(void **state) {
  (void)state;
  mock_server *m = mock_start();
  for (int i = 0; i < 3; i++)
    mock_add_response(m, "GET", "/busy",
                      "HTTP/1.1 503 Service Unavailable\n\n{\"message\":\"busy\"}");
  char *u = url_for(m, "/busy?api_key=hidden");
  qg_http_request rq = {0};
  rq.method = "GET";
  rq.url = u;
  qg_http_options o = fast_opts();
  o.retries = 2;
  o.backoff_ms = 5;
  qg_http_response out;
  assert_int_equal(qg_http_perform(&rq, 1, &o, &out), QG_OK);
  assert_int_equal(out.status, QG_OK);
  assert_int_equal(out.code, 503);
  assert_int_equal(out.attempts, 3);
  /* the body stays: the caller reads the provider's message from it */
  assert_string_equal(out.body, "{\"message\":\"busy\"}");
  assert_non_null(strstr(out.error, "HTTP 503 after 3 attempts"));
  assert_non_null(strstr(out.error, "/busy"));
  assert_null(strstr(out.error, "hidden")); /* no query string */
  assert_true(out.waited_ms >= 15);         /* 5 + 10 */
  assert_int_equal(mock_nrequests(m), 3);
  qg_http_response_cleanup(&out);
  free(u);
  mock_stop(m);
}

static void test_404_is_not_retried(void **state) {
  (void)state;
  mock_server *m = mock_start();
  mock_add_response(m, "GET", "/nope", "HTTP/1.1 404 Not Found\n\nmissing");
  char *u = url_for(m, "/nope");
  qg_http_request rq = {0};
  rq.method = "GET";
  rq.url = u;
  qg_http_options o = fast_opts();
  o.retries = 3;
  qg_http_response out;
  assert_int_equal(qg_http_perform(&rq, 1, &o, &out), QG_OK);
  assert_int_equal(out.code, 404);
  assert_int_equal(out.attempts, 1);
  assert_non_null(strstr(out.error, "HTTP 404"));
  assert_string_equal(out.body, "missing");
  qg_http_response_cleanup(&out);
  free(u);
  mock_stop(m);
}

static void test_timeout(void **state) {
  (void)state;
  mock_server *m = mock_start();
  mock_add_response(m, "GET", "/slow", "HTTP/1.1 200 OK\nX-Mock-Delay-Ms: 3000\n\nlate");
  mock_add_response(m, "GET", "/slow", "HTTP/1.1 200 OK\nX-Mock-Delay-Ms: 3000\n\nlate");
  char *u = url_for(m, "/slow");
  qg_http_request rq = {0};
  rq.method = "GET";
  rq.url = u;
  qg_http_options o = fast_opts();
  o.timeout_ms = 200;
  o.retries = 1;
  long long t0 = now_ms();
  qg_http_response out;
  assert_int_equal(qg_http_perform(&rq, 1, &o, &out), QG_OK);
  assert_true(now_ms() - t0 < 2500);
  assert_int_equal(out.status, QG_ENET);
  assert_int_equal(out.attempts, 2);
  assert_non_null(strstr(out.error, "timeout after 200 ms"));
  assert_non_null(out.body);
  assert_int_equal(mock_nrequests(m), 2);
  qg_http_response_cleanup(&out);
  free(u);
  mock_stop(m); /* interrupts the delayed answers */
}

static void test_connection_refused(void **state) {
  (void)state;
  int port = closed_port();
  char *u = qg_xasprintf("http://user:pw-in-url@127.0.0.1:%d/v1/x?token=qsecret", port);
  qg_http_request rq = {0};
  rq.method = "POST";
  rq.url = u;
  rq.body = "{}";
  rq.body_len = 2;
  rq.aws_sigv4 = "aws:amz:us-east-1:bedrock";
  rq.aws_key_id = KEY_ID;
  rq.aws_secret = SECRET;
  rq.aws_session_token = TOKEN;
  qg_http_options o = fast_opts();
  o.retries = 1;
  qg_http_response out;
  assert_int_equal(qg_http_perform(&rq, 1, &o, &out), QG_OK);
  assert_int_equal(out.status, QG_ENET);
  assert_int_equal(out.code, 0);
  assert_int_equal(out.attempts, 2);
  char want[64];
  snprintf(want, sizeof(want), "cannot connect to 127.0.0.1:%d: ", port);
  assert_non_null(strstr(out.error, want));
  assert_non_null(strstr(out.error, "/v1/x"));
  assert_null(strstr(out.error, "pw-in-url"));
  assert_null(strstr(out.error, "user"));
  assert_null(strstr(out.error, "qsecret"));
  assert_no_secret(out.error);
  assert_string_equal(out.body, "");
  qg_http_response_cleanup(&out);
  free(u);
}

static void test_dropped_connection_retried(void **state) {
  (void)state;
  mock_server *m = mock_start();
  mock_add_response(m, "GET", "/flaky", "HTTP/1.1 200 OK\nX-Mock-Close: 1\n\nnever");
  mock_add_response(m, "GET", "/flaky", "HTTP/1.1 200 OK\n\nfine");
  char *u = url_for(m, "/flaky");
  qg_http_request rq = {0};
  rq.method = "GET";
  rq.url = u;
  qg_http_options o = fast_opts();
  o.retries = 2;
  qg_http_response out;
  assert_int_equal(qg_http_perform(&rq, 1, &o, &out), QG_OK);
  assert_int_equal(out.status, QG_OK);
  assert_int_equal(out.code, 200);
  assert_int_equal(out.attempts, 2);
  assert_string_equal(out.body, "fine");
  qg_http_response_cleanup(&out);
  free(u);
  mock_stop(m);
}

static void test_response_over_cap(void **state) {
  (void)state;
  mock_server *m = mock_start();
  char raw[300];
  snprintf(raw, sizeof(raw), "HTTP/1.1 200 OK\n\n%0100d", 0); /* a 100-byte body */
  mock_add_response(m, "GET", "/big", raw);
  mock_add_response(m, "GET", "/fits", raw);
  char *u1 = url_for(m, "/big"), *u2 = url_for(m, "/fits");
  qg_http_request rq = {0};
  rq.method = "GET";
  rq.url = u1;
  qg_http_options o = fast_opts();
  o.retries = 2; /* an oversized answer is not retried */
  o.max_response = 99;
  qg_http_response out;
  assert_int_equal(qg_http_perform(&rq, 1, &o, &out), QG_OK);
  assert_int_equal(out.status, QG_ETOOBIG);
  assert_int_equal(out.attempts, 1);
  assert_non_null(strstr(out.error, "over 99 bytes"));
  assert_true(out.len <= 99);
  qg_http_response_cleanup(&out);
  rq.url = u2;
  o.max_response = 100;
  assert_int_equal(qg_http_perform(&rq, 1, &o, &out), QG_OK);
  assert_int_equal(out.status, QG_OK);
  assert_int_equal(out.len, 100);
  qg_http_response_cleanup(&out);
  free(u1);
  free(u2);
  mock_stop(m);
}

static void test_parallel_matched(void **state) {
  (void)state;
  enum { N = 5 };
  mock_server *m = mock_start();
  char *urls[N];
  char bodies[N][32];
  qg_http_request rq[N];
  memset(rq, 0, sizeof(rq));
  for (int i = 0; i < N; i++) {
    char path[32], raw[128];
    snprintf(path, sizeof(path), "/p%d", i);
    /* the first asked answers last: completion order is the reverse */
    snprintf(raw, sizeof(raw), "HTTP/1.1 200 OK\nX-Mock-Delay-Ms: %d\n\nanswer %d", 50 * (N - i),
             i);
    mock_add_response(m, "POST", path, raw);
    urls[i] = url_for(m, path);
    snprintf(bodies[i], sizeof(bodies[i]), "question %d", i);
    rq[i].method = "POST";
    rq[i].url = urls[i];
    rq[i].body = bodies[i];
    rq[i].body_len = strlen(bodies[i]);
  }
  qg_http_options o = fast_opts();
  o.parallel = N;
  qg_http_response out[N];
  assert_int_equal(qg_http_perform(rq, N, &o, out), QG_OK);
  for (int i = 0; i < N; i++) {
    char want[32];
    snprintf(want, sizeof(want), "answer %d", i);
    assert_int_equal(out[i].status, QG_OK);
    assert_int_equal(out[i].code, 200);
    assert_string_equal(out[i].body, want);
    qg_http_response_cleanup(&out[i]);
    free(urls[i]);
  }
  assert_int_equal(mock_nrequests(m), N);
  for (size_t k = 0; k < N; k++) { /* each path got its own question */
    const mock_request *r = mock_request_at(m, k);
    int i = r->path[2] - '0';
    assert_string_equal(r->body, bodies[i]);
    assert_false(r->unexpected);
  }
  mock_stop(m);
}

static void test_parallel_limit_and_waiting_retry(void **state) {
  (void)state;
  /* one slot: the request waiting for its retry must not hold it */
  mock_server *m = mock_start();
  mock_add_response(m, "GET", "/a", "HTTP/1.1 503 Busy\n\n");
  mock_add_response(m, "GET", "/a", "HTTP/1.1 200 OK\n\na");
  mock_add_response(m, "GET", "/b", "HTTP/1.1 200 OK\n\nb");
  char *ua = url_for(m, "/a"), *ub = url_for(m, "/b");
  qg_http_request rq[2] = {{0}, {0}};
  rq[0].method = rq[1].method = "GET";
  rq[0].url = ua;
  rq[1].url = ub;
  qg_http_options o = fast_opts();
  o.parallel = 1;
  o.retries = 1;
  o.backoff_ms = 300; /* (a Retry-After over max_wait_ms is not waited at all) */
  qg_http_response out[2];
  long long t0 = now_ms();
  assert_int_equal(qg_http_perform(rq, 2, &o, out), QG_OK);
  long long took = now_ms() - t0;
  assert_true(took >= 290 && took < 2000);
  assert_string_equal(out[0].body, "a");
  assert_int_equal(out[0].attempts, 2);
  assert_true(out[0].waited_ms >= 290);
  assert_string_equal(out[1].body, "b");
  /* /b went out while /a waited */
  assert_string_equal(mock_request_at(m, 1)->path, "/b");
  for (int i = 0; i < 2; i++)
    qg_http_response_cleanup(&out[i]);
  free(ua);
  free(ub);
  mock_stop(m);
}

static void test_bad_requests(void **state) {
  (void)state;
  qg_http_request rq[2] = {{0}, {0}};
  rq[0].method = "GET";
  rq[0].url = "http://127.0.0.1:1/";
  rq[1].method = "GET";
  rq[1].url = "ftp://127.0.0.1/x";
  qg_http_response out[2];
  assert_int_equal(qg_http_perform(rq, 2, NULL, out), QG_EUSAGE);
  assert_int_equal(out[1].status, QG_EUSAGE);
  assert_int_equal(out[0].attempts, 0);
  assert_non_null(strstr(out[1].error, "http://"));
  qg_http_response_cleanup(&out[0]);
  qg_http_response_cleanup(&out[1]);

  const char *const hdrs[] = {"X-Evil: a\r\nX-Injected: b"};
  rq[0].headers = hdrs;
  rq[0].nheaders = 1;
  assert_int_equal(qg_http_perform(rq, 1, NULL, out), QG_EUSAGE);
  qg_http_response_cleanup(&out[0]);
}

static void test_large_body_expect_continue(void **state) {
  (void)state;
  /* libcurl sends Expect: 100-continue for large bodies */
  enum { SIZE = 3 * 1024 * 1024 };
  mock_server *m = mock_start();
  mock_add_response(m, "POST", "/upload", "HTTP/1.1 200 OK\n\nstored");
  char *u = url_for(m, "/upload");
  char *body = qg_xmalloc(SIZE);
  for (size_t i = 0; i < SIZE; i++)
    body[i] = (char)('a' + i % 26);
  qg_http_request rq = {0};
  rq.method = "POST";
  rq.url = u;
  rq.body = body;
  rq.body_len = SIZE;
  qg_http_options o = fast_opts();
  o.timeout_ms = 20000;
  qg_http_response out;
  long long t0 = now_ms();
  assert_int_equal(qg_http_perform(&rq, 1, &o, &out), QG_OK);
  assert_true(now_ms() - t0 < 10000);
  assert_int_equal(out.code, 200);
  const mock_request *r = mock_request_at(m, 0);
  assert_int_equal(r->len, SIZE);
  assert_memory_equal(r->body, body, SIZE);
  qg_http_response_cleanup(&out);
  free(body);
  free(u);
  mock_stop(m);
}

#define BEDROCK_PATH "/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse"

static void test_sigv4_signed_and_verified(void **state) {
  (void)state;
  mock_server *m = mock_start();
  mock_add_response(m, "POST", BEDROCK_PATH, "HTTP/1.1 200 OK\n\n{}");
  mock_add_response(m, "POST", BEDROCK_PATH, "HTTP/1.1 403 Forbidden\n\n{\"message\":\"denied\"}");
  char *u = url_for(m, BEDROCK_PATH);
  const char *const hdrs[] = {"Content-Type: application/json", "Accept: application/json"};
  const char body[] = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}";
  qg_http_request rq = {0};
  rq.method = "POST";
  rq.url = u;
  rq.headers = hdrs;
  rq.nheaders = 2;
  rq.body = body;
  rq.body_len = sizeof(body) - 1;
  rq.aws_sigv4 = "aws:amz:eu-west-1:bedrock";
  rq.aws_key_id = KEY_ID;
  rq.aws_secret = SECRET;
  rq.aws_session_token = TOKEN;
  qg_http_options o = fast_opts();
  qg_http_response out;
  assert_int_equal(qg_http_perform(&rq, 1, &o, &out), QG_OK);
  assert_int_equal(out.code, 200);
  qg_http_response_cleanup(&out);

  const mock_request *r = mock_request_at(m, 0);
  assert_false(r->unexpected);
  assert_string_equal(r->path, BEDROCK_PATH); /* sent as written */
  char why[2048];
  bool ok = mock_sigv4_verify(r, KEY_ID, SECRET, "eu-west-1", "bedrock", why, sizeof(why));
  if (!ok)
    print_error("%s\n", why);
  assert_true(ok);
  assert_string_equal(mock_header_value(r, "x-amz-security-token"), TOKEN);
  char host[64];
  snprintf(host, sizeof(host), "127.0.0.1:%d", mock_port(m));
  assert_string_equal(mock_header_value(r, "host"), host);
  /* the token, the body's hash and the Content-Type are signed; Accept is not */
  const char *auth = mock_header_value(r, "authorization");
  assert_non_null(strstr(auth, "Credential=" KEY_ID "/"));
  assert_non_null(strstr(auth, "/eu-west-1/bedrock/aws4_request, SignedHeaders=content-type;host;"
                               "x-amz-content-sha256;x-amz-date;x-amz-security-token, "));
  assert_int_equal(strlen(mock_header_value(r, "x-amz-content-sha256")), 64);
  assert_false(
      mock_sigv4_verify(r, KEY_ID, "wrong-secret", "eu-west-1", "bedrock", why, sizeof(why)));
  assert_non_null(strstr(why, "signature differs"));
  /* the canonical request the verifier expected has the path encoded twice */
  assert_non_null(strstr(why, "/model/anthropic.claude-3-5-sonnet-20241022-v2%253A0/converse\n"));
  assert_false(mock_sigv4_verify(r, "AKIDOTHER", SECRET, "eu-west-1", "bedrock", why, sizeof(why)));
  assert_false(mock_sigv4_verify(r, KEY_ID, SECRET, "us-east-1", "bedrock", why, sizeof(why)));
  assert_false(mock_sigv4_verify(r, KEY_ID, SECRET, "eu-west-1", "s3", why, sizeof(why)));

  /* an error answer: its body stays, and error[] holds no credential */
  assert_int_equal(qg_http_perform(&rq, 1, &o, &out), QG_OK);
  assert_int_equal(out.code, 403);
  assert_string_equal(out.body, "{\"message\":\"denied\"}");
  assert_non_null(strstr(out.error, "HTTP 403"));
  assert_no_secret(out.error);
  assert_null(strstr(out.error, KEY_ID));
  assert_true(mock_sigv4_verify(mock_request_at(m, 1), KEY_ID, SECRET, "eu-west-1", "bedrock", why,
                                sizeof(why)));
  qg_http_response_cleanup(&out);
  free(u);
  mock_stop(m);
}

/* A query out of canonical order, escapes to normalise, a caller's X-Amz-*
 * header with a run of blanks, and no Content-Type: libcurl's default
 * form type is neither sent nor signed. */
static void test_sigv4_query_and_headers(void **state) {
  (void)state;
  mock_server *m = mock_start();
  mock_add_response(m, "PUT", "/a%2Fb/c~d", "HTTP/1.1 200 OK\n\nok");
  char *u = url_for(m, "/a%2Fb/c~d?z=1&a=b%20c&a=a&e%3d=x+y&flag#frag");
  const char *const hdrs[] = {"X-Amz-Target: Service.Op   Two", "X-Other: unsigned"};
  qg_http_request rq = {0};
  rq.method = "PUT";
  rq.url = u;
  rq.headers = hdrs;
  rq.nheaders = 2;
  rq.body = "data";
  rq.body_len = 4;
  rq.aws_sigv4 = "aws:amz:ap-south-1:execute-api";
  rq.aws_key_id = KEY_ID;
  rq.aws_secret = SECRET;
  qg_http_options o = fast_opts();
  qg_http_response out;
  assert_int_equal(qg_http_perform(&rq, 1, &o, &out), QG_OK);
  assert_int_equal(out.code, 200);
  const mock_request *r = mock_request_at(m, 0);
  assert_string_equal(r->path, "/a%2Fb/c~d?z=1&a=b%20c&a=a&e%3d=x+y&flag");
  assert_null(mock_header_value(r, "content-type"));
  char why[2048];
  bool ok = mock_sigv4_verify(r, KEY_ID, SECRET, "ap-south-1", "execute-api", why, sizeof(why));
  if (!ok)
    print_error("%s\n", why);
  assert_true(ok);
  assert_non_null(strstr(mock_header_value(r, "authorization"),
                         "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-target, "));
  qg_http_response_cleanup(&out);
  free(u);
  mock_stop(m);
}

static void test_sigv4_each_retry_signed(void **state) {
  (void)state;
  mock_server *m = mock_start();
  mock_add_response(m, "GET", "/v", "HTTP/1.1 500 Oops\n\n");
  mock_add_response(m, "GET", "/v", "HTTP/1.1 200 OK\n\nok");
  char *u = url_for(m, "/v");
  qg_http_request rq = {0};
  rq.method = "GET";
  rq.url = u;
  rq.aws_sigv4 = "aws:amz:eu-central-1:execute-api";
  rq.aws_key_id = KEY_ID;
  rq.aws_secret = SECRET;
  qg_http_options o = fast_opts();
  o.retries = 1;
  qg_http_response out;
  assert_int_equal(qg_http_perform(&rq, 1, &o, &out), QG_OK);
  assert_int_equal(out.code, 200);
  assert_int_equal(out.attempts, 2);
  char why[2048];
  for (size_t i = 0; i < 2; i++) {
    const mock_request *r = mock_request_at(m, i);
    bool ok = mock_sigv4_verify(r, KEY_ID, SECRET, "eu-central-1", "execute-api", why, sizeof(why));
    if (!ok)
      print_error("%s\n", why);
    assert_true(ok);
    assert_null(mock_header_value(r, "x-amz-security-token"));
  }
  qg_http_response_cleanup(&out);
  free(u);
  mock_stop(m);
}

/* A request as the server would record it, from name/value pairs. */
static mock_request *make_request(const char *method, const char *path, const char *const *kv,
                                  size_t nheaders) {
  mock_request *r = qg_xcalloc(1, sizeof(*r));
  r->method = qg_xstrdup(method);
  r->path = qg_xstrdup(path);
  r->headers = qg_xcalloc(nheaders, sizeof(*r->headers));
  for (size_t i = 0; i < nheaders; i++) {
    r->headers[i].name = qg_xstrdup(kv[2 * i]);
    r->headers[i].value = qg_xstrdup(kv[2 * i + 1]);
  }
  r->nheaders = nheaders;
  r->body = qg_xstrdup("");
  return r;
}

static void free_made_request(mock_request *r) {
  for (size_t i = 0; i < r->nheaders; i++) {
    free(r->headers[i].name);
    free(r->headers[i].value);
  }
  free(r->headers);
  free(r->method);
  free(r->path);
  free(r->body);
  free(r);
}

/* AWS's SigV4 test suite, "get-vanilla", and the IAM ListUsers example of
 * the SigV4 documentation (with a query string and a Content-Type). */
static void test_sigv4_published_examples(void **state) {
  (void)state;
  char why[2048];
  const char *const h1[] = {
      "host",
      "example.amazonaws.com",
      "x-amz-date",
      "20150830T123600Z",
      "authorization",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host;x-amz-date, "
      "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"};
  mock_request *r = make_request("GET", "/", h1, 3);
  bool ok = mock_sigv4_verify(r, KEY_ID, SECRET, "us-east-1", "service", why, sizeof(why));
  if (!ok)
    print_error("%s\n", why);
  assert_true(ok);
  free_made_request(r);
  r = make_request("POST", "/", h1, 3); /* any change breaks it */
  assert_false(mock_sigv4_verify(r, KEY_ID, SECRET, "us-east-1", "service", why, sizeof(why)));
  free_made_request(r);

  const char *const h2[] = {
      "host",
      "iam.amazonaws.com",
      "content-type",
      "application/x-www-form-urlencoded; charset=utf-8",
      "x-amz-date",
      "20150830T123600Z",
      "authorization",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, "
      "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"};
  /* parameters out of order: the canonical query sorts them */
  r = make_request("GET", "/?Version=2010-05-08&Action=ListUsers", h2, 4);
  ok = mock_sigv4_verify(r, KEY_ID, SECRET, "us-east-1", "iam", why, sizeof(why));
  if (!ok)
    print_error("%s\n", why);
  assert_true(ok);
  free_made_request(r);
}

/* A Bedrock Converse request signed by botocore (SigV4Auth, date fixed):
 * the model id's "%3A" is signed as "%253A", as AWS expects for every
 * service but S3, and the session token is a signed header. */
static void test_sigv4_botocore_bedrock(void **state) {
  (void)state;
  char why[2048];
  const char *const h[] = {
      "host",
      "bedrock-runtime.us-east-1.amazonaws.com",
      "content-type",
      "application/json",
      "x-amz-date",
      "20250102T030405Z",
      "x-amz-security-token",
      TOKEN,
      "authorization",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250102/us-east-1/bedrock/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
      "Signature=5818ac79ba0d5a34451dd1b5591ad521b5ef1d36b24330d3dac16db579710ed8"};
  mock_request *r =
      make_request("POST", "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse", h, 5);
  free(r->body);
  r->body = qg_xstrdup("{\"messages\":[]}");
  r->len = strlen(r->body);
  bool ok = mock_sigv4_verify(r, KEY_ID, SECRET, "us-east-1", "bedrock", why, sizeof(why));
  if (!ok)
    print_error("%s\n", why);
  assert_true(ok);
  assert_false(mock_sigv4_verify(r, KEY_ID, SECRET "x", "us-east-1", "bedrock", why, sizeof(why)));
  free_made_request(r);
}

/* ---- the signer on its own, against the same examples ------------------ */
/* Signs in and checks the lines it returns against want (NULL-terminated). */
static void assert_signed(const qg_sigv4_input *in, const char *const *want) {
  char **lines = NULL;
  size_t n = 0;
  char *why = NULL;
  qg_status st = qg_sigv4_sign(in, &lines, &n, &why);
  if (st != QG_OK)
    print_error("%s\n", why);
  assert_int_equal(st, QG_OK);
  assert_null(why);
  size_t k = 0;
  for (; want[k]; k++) {
    assert_true(k < n);
    assert_string_equal(lines[k], want[k]);
  }
  assert_int_equal(n, k);
  qg_sigv4_headers_free(lines, n);
}

static void test_signer_published_examples(void **state) {
  (void)state;
  /* get-vanilla, 2015-08-30T12:36:00Z */
  qg_sigv4_input in = {0};
  in.method = "GET";
  in.url = "https://example.amazonaws.com/";
  in.provider = "aws:amz:us-east-1:service";
  in.key_id = KEY_ID;
  in.secret = SECRET;
  in.now = 1440938160;
  in.no_content_sha256 = true;
  const char *const want1[] = {
      "Host: example.amazonaws.com", "X-Amz-Date: 20150830T123600Z",
      "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
      "aws4_request, SignedHeaders=host;x-amz-date, "
      "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
      NULL};
  assert_signed(&in, want1);
  in.url = "https://example.amazonaws.com"; /* no path: "/" */
  assert_signed(&in, want1);

  /* IAM ListUsers, the query out of order */
  const char *const h2[] = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8"};
  in.url = "https://iam.amazonaws.com/?Version=2010-05-08&Action=ListUsers";
  in.headers = h2;
  in.nheaders = 1;
  in.provider = "aws:amz:us-east-1:iam";
  const char *const want2[] = {
      "Host: iam.amazonaws.com", "X-Amz-Date: 20150830T123600Z",
      "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/"
      "aws4_request, SignedHeaders=content-type;host;x-amz-date, "
      "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
      NULL};
  assert_signed(&in, want2);
}

/* The botocore-signed Converse request of test_sigv4_botocore_bedrock,
 * 2025-01-02T03:04:05Z: the signer's Authorization is botocore's. */
static void test_signer_botocore_bedrock(void **state) {
  (void)state;
  const char *const h[] = {"Content-Type: application/json"};
  const char body[] = "{\"messages\":[]}";
  qg_sigv4_input in = {0};
  in.method = "POST";
  in.url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
           "anthropic.claude-3-haiku-20240307-v1%3A0/converse";
  in.headers = h;
  in.nheaders = 1;
  in.body = body;
  in.body_len = sizeof(body) - 1;
  in.provider = "aws:amz:us-east-1:bedrock";
  in.key_id = KEY_ID;
  in.secret = SECRET;
  in.session_token = TOKEN;
  in.now = 1735787045;
  in.no_content_sha256 = true;
  const char *const want[] = {
      "Host: bedrock-runtime.us-east-1.amazonaws.com", "X-Amz-Date: 20250102T030405Z",
      "X-Amz-Security-Token: " TOKEN,
      "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250102/us-east-1/bedrock/"
      "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
      "Signature=5818ac79ba0d5a34451dd1b5591ad521b5ef1d36b24330d3dac16db579710ed8",
      NULL};
  assert_signed(&in, want);

  /* with the payload header (as qg_http_perform signs): the body's SHA-256,
   * signed, and the verifier agrees */
  in.no_content_sha256 = false;
  char **lines = NULL;
  size_t n = 0;
  char why[2048], *sw = NULL;
  assert_int_equal(qg_sigv4_sign(&in, &lines, &n, &sw), QG_OK);
  assert_null(sw);
  assert_int_equal(n, 5);
  assert_string_equal(lines[3], "X-Amz-Content-Sha256: "
                                "5e4ce7b36ba37b78a5d5f9fd08e6b7b54ba6879d651aa46ec9e1d6fa24ebe30a");
  assert_non_null(strstr(lines[4], "SignedHeaders=content-type;host;x-amz-content-sha256;"
                                   "x-amz-date;x-amz-security-token, "));
  const char *kv[2 * 6] = {"content-type", "application/json"};
  char *names[5];
  for (size_t i = 0; i < n; i++) {
    const char *colon = strchr(lines[i], ':');
    names[i] = qg_xstrndup(lines[i], (size_t)(colon - lines[i]));
    for (char *c = names[i]; *c; c++)
      *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    kv[2 * i + 2] = names[i];
    kv[2 * i + 3] = colon + 2;
  }
  mock_request *r =
      make_request("POST", "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse", kv, n + 1);
  free(r->body);
  r->body = qg_xstrdup(body);
  r->len = strlen(body);
  bool ok = mock_sigv4_verify(r, KEY_ID, SECRET, "us-east-1", "bedrock", why, sizeof(why));
  if (!ok)
    print_error("%s\n", why);
  assert_true(ok);
  free_made_request(r);
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  qg_sigv4_headers_free(lines, n);
}

static void test_signer_hosts_and_errors(void **state) {
  (void)state;
  qg_sigv4_input in = {0};
  in.method = "GET";
  in.provider = "aws:amz:us-east-1:bedrock";
  in.key_id = KEY_ID;
  in.secret = SECRET;
  in.session_token = TOKEN;
  in.now = 1735787045;
  char **lines = NULL;
  size_t n = 0;
  char *why = NULL;
  /* the Host line libcurl would send: the port only when not the default */
  static const struct {
    const char *url, *host;
  } hosts[] = {
      {"https://h.example:443/x", "Host: h.example"},
      {"http://h.example:80", "Host: h.example"},
      {"https://h.example:80/x", "Host: h.example:80"},
      {"http://user:pw@h.example:8080/x?q#f", "Host: h.example:8080"},
      {"HTTP://[::1]:9000/", "Host: [::1]:9000"},
      {"https://[::1]/", "Host: [::1]"},
  };
  for (size_t i = 0; i < QG_ARRAY_LEN(hosts); i++) {
    in.url = hosts[i].url;
    assert_int_equal(qg_sigv4_sign(&in, &lines, &n, why_reset(&why)), QG_OK);
    assert_string_equal(lines[0], hosts[i].host);
    qg_sigv4_headers_free(lines, n);
  }
  /* a caller's Host line is signed as given, and none is added */
  const char *const own_host[] = {"Host: other.example"};
  in.url = "https://h.example/x";
  in.headers = own_host;
  in.nheaders = 1;
  assert_int_equal(qg_sigv4_sign(&in, &lines, &n, why_reset(&why)), QG_OK);
  assert_int_equal(n, 4);
  assert_int_equal(strncmp(lines[0], "X-Amz-Date: ", 12), 0);
  qg_sigv4_headers_free(lines, n);
  in.headers = NULL;
  in.nheaders = 0;

  /* what cannot be signed: QG_EUSAGE, no lines, and why[] without secrets */
  static const char *const bad_urls[] = {
      "ftp://h.example/",          "https:///x",
      "https://h.example:99999/",  "https://h.example:8a/",
      "https://h.example/a b",     "https://h.example/caf\xc3\xa9",
      "https://h.example/a/../b",  "https://h.example/./b",
      "https://h.example/x?q=a b", "https://[::1/",
  };
  static char *sentinel[1];
  for (size_t i = 0; i < QG_ARRAY_LEN(bad_urls); i++) {
    in.url = bad_urls[i];
    lines = sentinel; /* reset by the call */
    n = 7;
    assert_int_equal(qg_sigv4_sign(&in, &lines, &n, why_reset(&why)), QG_EUSAGE);
    assert_null(lines);
    assert_int_equal(n, 0);
    assert_true(why[0] != '\0');
    assert_no_secret(why);
  }
  in.url = "https://h.example/";
  const char *providers[] = {NULL,
                             "aws:amz:us-east-1",
                             "aws:amz::bedrock",
                             "aws:amz:a:b:c",
                             "osc:osc:eu-west-2:api",
                             "aws:amz:us east:x"};
  for (size_t i = 0; i < QG_ARRAY_LEN(providers); i++) {
    in.provider = providers[i];
    assert_int_equal(qg_sigv4_sign(&in, &lines, &n, why_reset(&why)), QG_EUSAGE);
    assert_non_null(strstr(why, "aws:amz:REGION:SERVICE"));
  }
  in.provider = "aws:amz:us-east-1:bedrock";
  const char *const reserved[] = {"x-amz-date: 20250101T000000Z"};
  in.headers = reserved;
  in.nheaders = 1;
  assert_int_equal(qg_sigv4_sign(&in, &lines, &n, why_reset(&why)), QG_EUSAGE);
  assert_non_null(strstr(why, "X-Amz-Date"));
  /* a name that is no HTTP token would go into SignedHeaders as it is (found by
   * fuzz/fuzz_sigv4.c: "X-Amz-\xd1...Meta-A,"): ';' or ',' would change that list */
  const char *const bad_names[][1] = {
      {"X-Amz-Meta-A,: x"}, {"X-Amz-Meta;a: x"}, {"X-Amz-\xd1\xd1: x"}, {": x"}, {"X Amz: x"}};
  for (size_t i = 0; i < QG_ARRAY_LEN(bad_names); i++) {
    in.headers = bad_names[i];
    assert_int_equal(qg_sigv4_sign(&in, &lines, &n, why_reset(&why)), QG_EUSAGE);
    assert_string_equal(why, "header 1 is not one \"Name: value\" line");
    assert_null(lines);
  }
  in.headers = NULL;
  in.nheaders = 0;
  in.secret = "";
  assert_int_equal(qg_sigv4_sign(&in, &lines, &n, why_reset(&why)), QG_EUSAGE);
  in.secret = SECRET;
  in.session_token = TOKEN " with a blank";
  assert_int_equal(qg_sigv4_sign(&in, &lines, &n, why_reset(&why)), QG_EUSAGE);
  assert_no_secret(why);
  in.session_token = TOKEN;
  in.key_id = "AKID/EXAMPLE";
  assert_int_equal(qg_sigv4_sign(&in, &lines, &n, why_reset(&why)), QG_EUSAGE);

  /* qg_http_perform sends nothing then, and says why without a credential */
  qg_http_request rq = {0};
  rq.method = "POST";
  rq.url = "http://127.0.0.1:1/model/a/../b";
  rq.aws_sigv4 = "aws:amz:us-east-1:bedrock";
  rq.aws_key_id = KEY_ID;
  rq.aws_secret = SECRET;
  rq.aws_session_token = TOKEN;
  qg_http_response out;
  assert_int_equal(qg_http_perform(&rq, 1, NULL, &out), QG_EUSAGE);
  assert_int_equal(out.attempts, 0);
  assert_non_null(strstr(out.error, "AWS SigV4"));
  assert_no_secret(out.error);
  qg_http_response_cleanup(&out);
  rq.url = "http://127.0.0.1:1/x";
  rq.aws_secret = NULL;
  assert_int_equal(qg_http_perform(&rq, 1, NULL, &out), QG_EUSAGE);
  qg_http_response_cleanup(&out);
  free(why);
}

static void test_retry_after_values(void **state) {
  (void)state;
  const long long now = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */
  assert_int_equal(qg_http_retry_after_ms("0", now), 0);
  assert_int_equal(qg_http_retry_after_ms("120", now), 120000);
  assert_int_equal(qg_http_retry_after_ms(" 7 ", now), 7000);
  assert_int_equal(qg_http_retry_after_ms("Sun, 06 Nov 1994 08:50:07 GMT", now), 30000);
  assert_int_equal(qg_http_retry_after_ms("Sunday, 06-Nov-94 08:50:07 GMT", now), 30000);
  assert_int_equal(qg_http_retry_after_ms("Sun Nov  6 08:50:07 1994", now), 30000);
  assert_int_equal(qg_http_retry_after_ms("Sun, 06 Nov 1994 08:00:00 GMT", now), 0); /* past */
  assert_int_equal(qg_http_retry_after_ms("garbage", now), -1);
  assert_int_equal(qg_http_retry_after_ms("12abc", now), -1);
  assert_int_equal(qg_http_retry_after_ms("-5", now), -1);
  assert_int_equal(qg_http_retry_after_ms("1.5", now), -1);
  assert_int_equal(qg_http_retry_after_ms("", now), -1);
  assert_int_equal(qg_http_retry_after_ms(NULL, now), -1);
  assert_true(qg_http_retry_after_ms("99999999999999999999", now) > 0); /* saturates */
  /* overflow, sign and forms that are not the header's */
  assert_int_equal(qg_http_retry_after_ms("9223372036854775808", now),
                   qg_http_retry_after_ms("99999999999999999999", now));
  assert_true(qg_http_retry_after_ms("Fri, 31 Dec 9999 23:59:59 GMT", now) > 0);
  assert_int_equal(qg_http_retry_after_ms("+5", now), -1);
  assert_int_equal(qg_http_retry_after_ms(" -1", now), -1);
  assert_int_equal(qg_http_retry_after_ms("1e3", now), -1);
  assert_int_equal(qg_http_retry_after_ms("5 5", now), -1);
}

/* ---- the deadline and the Retry-After cap (issue 17) ---------------------------- */

static void one_request(mock_server *m, const char *path, const qg_http_options *o,
                        qg_http_response *out) {
  char *u = url_for(m, path);
  qg_http_request rq = {0};
  rq.method = "GET";
  rq.url = u;
  assert_int_equal(qg_http_perform(&rq, 1, o, out), QG_OK);
  free(u);
}

static void test_deadline_cuts_attempt(void **state) {
  (void)state;
  mock_server *m = mock_start();
  mock_add_response(m, "GET", "/slow", "HTTP/1.1 200 OK\nX-Mock-Delay-Ms: 3000\n\nlate");
  qg_http_options o = fast_opts();
  o.retries = 3; /* a cut attempt is not retried: no time is left */
  o.deadline_ms = qg_http_now_ms() + 300;
  qg_http_response out;
  one_request(m, "/slow", &o, &out);
  assert_int_equal(out.status, QG_ENET);
  assert_true(out.deadline);
  assert_int_equal(out.attempts, 1);
  char *want = qg_xasprintf("deadline reached: the attempt was cut (http://127.0.0.1:%d/slow)",
                            mock_port(m));
  assert_string_equal(out.error, want);
  free(want);
  assert_int_equal(mock_nrequests(m), 1);
  qg_http_response_cleanup(&out);
  mock_stop(m);
}

static void test_deadline_passed_not_sent(void **state) {
  (void)state;
  mock_server *m = mock_start();
  qg_http_options o = fast_opts();
  o.deadline_ms = qg_http_now_ms() - 1;
  qg_http_response out;
  one_request(m, "/never", &o, &out);
  assert_int_equal(out.status, QG_ENET);
  assert_true(out.deadline);
  assert_int_equal(out.attempts, 0);
  char *want =
      qg_xasprintf("not sent: the deadline had passed (http://127.0.0.1:%d/never)", mock_port(m));
  assert_string_equal(out.error, want);
  free(want);
  assert_string_equal(out.body, "");
  assert_int_equal(mock_nrequests(m), 0);
  qg_http_response_cleanup(&out);
  mock_stop(m);
}

static void test_retry_after_over_cap(void **state) {
  (void)state;
  mock_server *m = mock_start();
  mock_add_response(m, "GET", "/r", "HTTP/1.1 429 Too Many Requests\nRetry-After: 100000\n\nno");
  mock_add_response(m, "GET", "/d",
                    "HTTP/1.1 503 Busy\nRetry-After: Fri, 31 Dec 2100 23:59:59 GMT\n\nno");
  qg_http_options o = fast_opts();
  o.retries = 3;
  o.max_wait_ms = 1000;
  qg_http_response out;
  one_request(m, "/r", &o, &out);
  assert_int_equal(out.status, QG_OK);
  assert_int_equal(out.code, 429);
  assert_int_equal(out.attempts, 1);
  assert_false(out.deadline);
  assert_int_equal(out.retry_after_ms, 100000000);
  assert_string_equal(out.not_retried, "Retry-After: 100000 is over the 1 s cap");
  char *want = qg_xasprintf("HTTP 429; not retried: Retry-After: 100000 is over the 1 s cap "
                            "(http://127.0.0.1:%d/r)",
                            mock_port(m));
  assert_string_equal(out.error, want);
  free(want);
  assert_string_equal(out.body, "no");
  qg_http_response_cleanup(&out);
  one_request(m, "/d", &o, &out); /* the HTTP-date form: as sent, not a count that changes */
  assert_int_equal(out.code, 503);
  assert_int_equal(out.attempts, 1);
  assert_string_equal(out.not_retried,
                      "Retry-After: Fri, 31 Dec 2100 23:59:59 GMT is over the 1 s cap");
  qg_http_response_cleanup(&out);
  assert_int_equal(mock_nrequests(m), 2);
  mock_stop(m);
}

static void test_retry_wait_past_deadline(void **state) {
  (void)state;
  mock_server *m = mock_start();
  mock_add_response(m, "GET", "/r", "HTTP/1.1 503 Busy\nRetry-After: 30\n\nbusy");
  mock_add_response(m, "GET", "/b", "HTTP/1.1 503 Busy\n\nbusy");
  qg_http_options o = fast_opts();
  o.retries = 3;
  o.max_wait_ms = 60000;
  o.backoff_ms = 20000;
  o.deadline_ms = qg_http_now_ms() + 10000; /* a 30 s (or 20 s) wait would end past it */
  qg_http_response out;
  one_request(m, "/r", &o, &out);
  assert_int_equal(out.code, 503);
  assert_int_equal(out.attempts, 1);
  assert_true(out.deadline);
  assert_string_equal(out.not_retried, "the deadline comes first");
  qg_http_response_cleanup(&out);
  one_request(m, "/b", &o, &out); /* the backoff, without Retry-After */
  assert_int_equal(out.attempts, 1);
  assert_string_equal(out.not_retried, "the deadline comes first");
  qg_http_response_cleanup(&out);
  assert_int_equal(mock_nrequests(m), 2);
  mock_stop(m);
}

/* ---- the mock itself: chunked bodies, keep-alive, unscripted requests ---- */
static void send_str(int fd, const char *s) {
  assert_int_equal(send(fd, s, strlen(s), 0), (ssize_t)strlen(s));
}

/* Reads until "want" has been seen (or the connection ends). */
static void read_until(int fd, const char *want, char *buf, size_t bufsz) {
  size_t len = 0;
  buf[0] = '\0';
  while (!strstr(buf, want) && len + 1 < bufsz) {
    ssize_t n = recv(fd, buf + len, bufsz - 1 - len, 0);
    if (n <= 0)
      break;
    len += (size_t)n;
    buf[len] = '\0';
  }
}

static void test_mock_raw_protocol(void **state) {
  (void)state;
  mock_server *m = mock_start();
  mock_add_response(m, "POST", "/c", "HTTP/1.1 200 OK\n\none");
  mock_add_response(m, "POST", "/c", "HTTP/1.1 200 OK\nConnection: close\n\ntwo");
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons((uint16_t)mock_port(m));
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  char buf[4096];
  /* chunked, with Expect: the 100 Continue comes before the body is sent */
  send_str(fd, "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
               "Expect: 100-continue\r\n\r\n");
  read_until(fd, "\r\n\r\n", buf, sizeof(buf));
  assert_non_null(strstr(buf, "HTTP/1.1 100 Continue\r\n\r\n"));
  send_str(fd, "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
  read_until(fd, "one", buf, sizeof(buf));
  assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
  assert_non_null(strstr(buf, "Content-Length: 3\r\n\r\none"));
  /* the same connection again (keep-alive), then the server closes it */
  send_str(fd, "POST /c?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody");
  read_until(fd, "two", buf, sizeof(buf));
  assert_non_null(strstr(buf, "two"));
  assert_int_equal(recv(fd, buf, sizeof(buf), 0), 0);
  close(fd);

  assert_int_equal(mock_nrequests(m), 2);
  const mock_request *r = mock_request_at(m, 0);
  assert_string_equal(r->body, "hello world");
  assert_int_equal(r->len, 11);
  assert_string_equal(mock_header_value(r, "Transfer-Encoding"), "chunked");
  r = mock_request_at(m, 1);
  assert_string_equal(r->path, "/c?q=1");
  assert_string_equal(r->body, "body");

  /* nothing scripted is left: 599, recorded as unexpected */
  char *u = url_for(m, "/c");
  qg_http_request rq = {0};
  rq.method = "POST";
  rq.url = u;
  qg_http_options o = fast_opts();
  o.retries = 2; /* 599 is a 5xx: retried, and each retry is unexpected too */
  qg_http_response out;
  assert_int_equal(qg_http_perform(&rq, 1, &o, &out), QG_OK);
  assert_int_equal(out.code, 599);
  assert_int_equal(mock_nrequests(m), 5);
  assert_true(mock_request_at(m, 4)->unexpected);
  qg_http_response_cleanup(&out);
  free(u);
  mock_stop(m);
}

static int setup(void **state) {
  (void)state;
  /* the tests talk to 127.0.0.1 directly, whatever proxy the machine has */
  setenv("no_proxy", "*", 1);
  return qg_http_global_init() == QG_OK ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  qg_http_global_cleanup();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ok_exact_request),
      cmocka_unit_test(test_post_without_content_type),
      cmocka_unit_test(test_429_retry_after_then_200),
      cmocka_unit_test(test_503_retries_exhausted),
      cmocka_unit_test(test_404_is_not_retried),
      cmocka_unit_test(test_timeout),
      cmocka_unit_test(test_connection_refused),
      cmocka_unit_test(test_dropped_connection_retried),
      cmocka_unit_test(test_response_over_cap),
      cmocka_unit_test(test_parallel_matched),
      cmocka_unit_test(test_parallel_limit_and_waiting_retry),
      cmocka_unit_test(test_bad_requests),
      cmocka_unit_test(test_large_body_expect_continue),
      cmocka_unit_test(test_sigv4_signed_and_verified),
      cmocka_unit_test(test_sigv4_query_and_headers),
      cmocka_unit_test(test_sigv4_each_retry_signed),
      cmocka_unit_test(test_sigv4_published_examples),
      cmocka_unit_test(test_sigv4_botocore_bedrock),
      cmocka_unit_test(test_signer_published_examples),
      cmocka_unit_test(test_signer_botocore_bedrock),
      cmocka_unit_test(test_signer_hosts_and_errors),
      cmocka_unit_test(test_retry_after_values),
      cmocka_unit_test(test_deadline_cuts_attempt),
      cmocka_unit_test(test_deadline_passed_not_sent),
      cmocka_unit_test(test_retry_after_over_cap),
      cmocka_unit_test(test_retry_wait_past_deadline),
      cmocka_unit_test(test_mock_raw_protocol),
  };
  return cmocka_run_group_tests_name("http", tests, setup, teardown);
}
