/* unit_rest.c: the hosts' one REST helper (hosts/rest.c) against the scripted server on
 * 127.0.0.1: headers, pages, the first failure and how it reads, retries of a
 * rate-limited 403, the stop after a refused token, the scrubbing rule and the
 * commit-id rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four above first */
#include <cmocka.h>

#include "core/http.h"
#include "core/mem.h"
#include "hosts/internal.h"
#include "hosts/rest.h"
#include "tests/mockhttp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN "tok-unit-0123456789"

/* The body as the failure's text (a host parses its own error bodies). */
static char *raw_text(const char *body, size_t len) { return qg_xstrndup(body ? body : "", len); }

static const char *const k_headers[] = {"Accept: application/test+json"};

static const qg_rest_api k_api = {
    .name = "Test",
    .auth = "Authorization: Token %s",
    .headers = k_headers,
    .nheaders = 1,
    .per_page = 2,
    .max_pages = 3,
    .stop_on_refusal = false,
    .attempts_last = false,
    .error_text = raw_text,
    .limit_403 = true, /* GitHub's rules: a 403 can be a rate limit */
};

typedef struct world {
  mock_server *srv;
  qg_host_ctx ctx;
  qg_comment_opts o;
  qg_rest r;
  qg_comment_outcome out;
} world;

static world *world_new(const qg_rest_api *api, int retries) {
  world *w = qg_xcalloc(1, sizeof(*w));
  w->srv = mock_start();
  assert_non_null(w->srv);
  w->ctx.api_url = qg_xasprintf("http://127.0.0.1:%d/api", mock_port(w->srv));
  w->ctx.token = qg_xstrdup(TOKEN);
  qg_comment_opts o = {0};
  o.retries = retries;
  o.backoff_ms = 1;
  o.timeout_ms = 5000;
  w->o = qg_host_opts(&o);
  qg_rest_init(&w->r, api, &w->ctx, &w->o);
  return w;
}

/* Ends the session: its status, the error in w->out. */
static qg_status world_end(world *w) { return qg_rest_end(&w->r, &w->out); }

static void world_free(world *w) {
  if (w->r.api)
    (void)qg_rest_end(&w->r, &w->out);
  qg_comment_outcome_cleanup(&w->out);
  qg_host_ctx_cleanup(&w->ctx);
  mock_stop(w->srv);
  free(w);
}

static void assert_path(world *w, size_t i, const char *method, const char *path) {
  assert_true(i < mock_nrequests(w->srv));
  const mock_request *rq = mock_request_at(w->srv, i);
  if (strcmp(rq->method, method) != 0 || strcmp(rq->path, path) != 0)
    fail_msg("request %zu: %s %s, expected %s %s", i + 1, rq->method, rq->path, method, path);
  assert_false(rq->unexpected);
}

#define OK(json) "HTTP/1.1 200 OK\nContent-Type: application/json\n\n" json

/* ---- requests ----------------------------------------------------------------------------- */

static void test_call_headers_and_reply(void **state) {
  (void)state;
  world *w = world_new(&k_api, -1);
  mock_add_response(w->srv, "POST", "/api/things", OK("{\"id\": 7}"));
  mock_add_response(w->srv, "GET", "/api/things/7", OK("{\"id\": 7}"));
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "name", "x");
  assert_int_equal(qg_rest_send(&w->r, "POST", "/things", o, NULL), 200);
  cJSON *reply = NULL;
  assert_int_equal(qg_rest_call(&w->r, "GET", "/things/7", NULL, NULL, &reply), 200);
  assert_int_equal(cJSON_GetObjectItem(reply, "id")->valueint, 7);
  cJSON_Delete(reply);
  const mock_request *post = mock_request_at(w->srv, 0), *get = mock_request_at(w->srv, 1);
  assert_string_equal(post->body, "{\"name\":\"x\"}");
  assert_string_equal(mock_header_value(post, "authorization"), "Token " TOKEN);
  assert_string_equal(mock_header_value(post, "accept"), "application/test+json");
  assert_string_equal(mock_header_value(post, "content-type"), "application/json");
  assert_string_equal(mock_header_value(get, "authorization"), "Token " TOKEN);
  assert_null(mock_header_value(get, "content-type")); /* no body, no type */
  assert_int_equal(world_end(w), QG_OK);
  assert_null(w->out.error);
  world_free(w);
}

/* ---- pages -------------------------------------------------------------------------------- */

typedef struct seen {
  int ids[16];
  size_t n;
} seen;

static void on_item(void *ud, const cJSON *item) {
  seen *s = ud;
  if (s->n < 16)
    s->ids[s->n++] = cJSON_IsNumber(item) ? item->valueint : -1;
}

static void test_pages(void **state) {
  (void)state;
  /* a short page ends the list; the query comes before per_page and page */
  world *w = world_new(&k_api, -1);
  mock_add_response(w->srv, "GET", "/api/list", OK("[1, 2]"));
  mock_add_response(w->srv, "GET", "/api/list", OK("[3]"));
  seen s = {{0}, 0};
  assert_true(qg_rest_list(&w->r, "/list", "sort=asc&", on_item, &s));
  assert_int_equal(s.n, 3);
  assert_int_equal(s.ids[2], 3);
  assert_int_equal(mock_nrequests(w->srv), 2);
  assert_path(w, 0, "GET", "/api/list?sort=asc&per_page=2&page=1");
  assert_path(w, 1, "GET", "/api/list?sort=asc&per_page=2&page=2");
  assert_int_equal(world_end(w), QG_OK);
  world_free(w);

  /* a full last page: an empty one is asked for */
  w = world_new(&k_api, -1);
  mock_add_response(w->srv, "GET", "/api/list", OK("[1, 2]"));
  mock_add_response(w->srv, "GET", "/api/list", OK("[]"));
  s.n = 0;
  assert_true(qg_rest_list(&w->r, "/list", "", on_item, &s));
  assert_int_equal(s.n, 2);
  assert_path(w, 1, "GET", "/api/list?per_page=2&page=2");
  world_free(w);

  /* max_pages full pages: given up, never a fourth request */
  w = world_new(&k_api, -1);
  for (int i = 0; i < 4; i++)
    mock_add_response(w->srv, "GET", "/api/list", OK("[1, 2]"));
  s.n = 0;
  assert_false(qg_rest_list(&w->r, "/list", "", on_item, &s));
  assert_int_equal(s.n, 6);
  assert_int_equal(mock_nrequests(w->srv), 3);
  assert_int_equal(world_end(w), QG_ENET);
  assert_string_equal(w->out.error,
                      "Test: GET /list: more than 3 pages of 2; the list was not read to its end");
  world_free(w);

  /* a page that is no JSON array: incomplete, said */
  w = world_new(&k_api, -1);
  mock_add_response(w->srv, "GET", "/api/list", OK("[1, 2]"));
  mock_add_response(w->srv, "GET", "/api/list", OK("{\"items\": []}"));
  s.n = 0;
  assert_false(qg_rest_list(&w->r, "/list", "", on_item, &s));
  assert_int_equal(s.n, 2);
  assert_int_equal(world_end(w), QG_ENET);
  assert_string_equal(w->out.error, "Test: GET /list: the answer is not a JSON array");
  world_free(w);

  /* a refused page: that refusal is the error */
  w = world_new(&k_api, -1);
  mock_add_response(w->srv, "GET", "/api/list", "HTTP/1.1 404 Not Found\n\nno such list");
  assert_false(qg_rest_list(&w->r, "/list", "", on_item, &s));
  assert_int_equal(world_end(w), QG_ENET);
  assert_string_equal(w->out.error, "Test: HTTP 404 on GET /list: no such list");
  world_free(w);
}

/* ---- the first failure -------------------------------------------------------------------- */

static void test_first_error(void **state) {
  (void)state;
  world *w = world_new(&k_api, -1);
  mock_add_response(w->srv, "DELETE", "/api/a", "HTTP/1.1 404 Not Found\n\ngone");
  mock_add_response(w->srv, "POST", "/api/b", "HTTP/1.1 403 Forbidden\n\nfirst");
  mock_add_response(w->srv, "POST", "/api/c", "HTTP/1.1 500 Oops\n\nsecond");
  mock_add_response(w->srv, "POST", "/api/d", OK("{}"));
  static const qg_rest_how gone = {404, 0, NULL};
  assert_int_equal(qg_rest_call(&w->r, "DELETE", "/a", NULL, &gone, NULL), 404); /* quiet */
  assert_false(w->r.failed);
  assert_int_equal(qg_rest_call(&w->r, "POST", "/b?secret=query", "{}", NULL, NULL), 403);
  assert_int_equal(qg_rest_call(&w->r, "POST", "/c", "{}", NULL, NULL), 500);
  assert_int_equal(qg_rest_call(&w->r, "POST", "/d", "{}", NULL, NULL), 200); /* goes on */
  assert_true(w->r.failed);
  assert_int_equal(world_end(w), QG_ENET);
  assert_string_equal(w->out.error, "Test: HTTP 403 on POST /b: first"); /* no query */
  world_free(w);

  /* a hint for one status; nothing answers: "not sent" or the connection's error */
  w = world_new(&k_api, -1);
  mock_add_response(w->srv, "GET", "/api/p", "HTTP/1.1 404 Not Found\n\n");
  static const qg_rest_how hint = {0, 404, "(check the project)"};
  assert_int_equal(qg_rest_call(&w->r, "GET", "/p", NULL, &hint, NULL), 404);
  assert_int_equal(world_end(w), QG_ENET);
  assert_string_equal(w->out.error, "Test: HTTP 404 on GET /p (check the project)");
  world_free(w);
}

/* Retries: where "after N attempts" stands, a 403 with Retry-After retried. */
static void test_retries(void **state) {
  (void)state;
  world *w = world_new(&k_api, 1);
  for (int i = 0; i < 2; i++)
    mock_add_response(w->srv, "POST", "/api/n",
                      "HTTP/1.1 429 Too Many Requests\nRetry-After: 0\n\nslow down");
  assert_int_equal(qg_rest_call(&w->r, "POST", "/n", "{}", NULL, NULL), 429);
  assert_int_equal(world_end(w), QG_ENET);
  assert_string_equal(w->out.error, "Test: HTTP 429 on POST /n after 2 attempts: slow down");
  world_free(w);

  qg_rest_api last = k_api;
  last.attempts_last = true;
  w = world_new(&last, 1);
  for (int i = 0; i < 2; i++)
    mock_add_response(w->srv, "POST", "/api/n",
                      "HTTP/1.1 429 Too Many Requests\nRetry-After: 0\n\nslow down");
  assert_int_equal(qg_rest_call(&w->r, "POST", "/n", "{}", NULL, NULL), 429);
  assert_int_equal(world_end(w), QG_ENET);
  assert_string_equal(w->out.error, "Test: HTTP 429 on POST /n: slow down (after 2 attempts)");
  world_free(w);

  /* a secondary rate limit (403 with Retry-After) is retried; one without is final */
  w = world_new(&k_api, 2);
  mock_add_response(w->srv, "GET", "/api/r", "HTTP/1.1 403 Forbidden\nRetry-After: 0\n\nlimit");
  mock_add_response(w->srv, "GET", "/api/r", OK("{}"));
  mock_add_response(w->srv, "GET", "/api/f", "HTTP/1.1 403 Forbidden\n\nno");
  assert_int_equal(qg_rest_call(&w->r, "GET", "/r", NULL, NULL, NULL), 200);
  assert_int_equal(qg_rest_call(&w->r, "GET", "/f", NULL, NULL, NULL), 403);
  assert_int_equal(mock_nrequests(w->srv), 3);
  assert_int_equal(world_end(w), QG_ENET);
  assert_string_equal(w->out.error, "Test: HTTP 403 on GET /f: no");
  world_free(w);

  /* a Retry-After over the cap is not waited for, and the text says why */
  w = world_new(&k_api, 2);
  mock_add_response(w->srv, "GET", "/api/r",
                    "HTTP/1.1 403 Forbidden\nRetry-After: 100000\n\nlimit");
  assert_int_equal(qg_rest_call(&w->r, "GET", "/r", NULL, NULL, NULL), 403);
  assert_int_equal(mock_nrequests(w->srv), 1);
  assert_int_equal(world_end(w), QG_ENET);
  assert_string_equal(w->out.error, "Test: HTTP 403 on GET /r: limit (not retried: Retry-After "
                                    "asks for 100000 s, over the 60 s cap)");
  world_free(w);
}

/* ---- rate limits by the hosts' rules, on a stubbed clock (issue 19) --------------------------- */

typedef struct fake_clock {
  long waits[8]; /* every wait asked for, in ms */
  size_t n;
  long long now; /* the Unix time, in seconds */
} fake_clock;

static void fake_wait(void *ud, long ms) {
  fake_clock *c = ud;
  if (c->n < QG_ARRAY_LEN(c->waits))
    c->waits[c->n++] = ms;
}

static long long fake_now(void *ud) { return ((fake_clock *)ud)->now; }

/* A session for api on the fake clock, with deadline_in_ms from now (0: none). */
static world *world_clock(const qg_rest_api *api, int retries, fake_clock *c,
                          long long deadline_in_ms) {
  world *w = world_new(api, retries);
  (void)qg_rest_end(&w->r, &w->out);
  qg_comment_outcome_cleanup(&w->out);
  w->o.wait = fake_wait;
  w->o.unix_now = fake_now;
  w->o.clock_ud = c;
  w->o.deadline_ms = deadline_in_ms ? qg_http_now_ms() + deadline_in_ms : 0;
  qg_rest_init(&w->r, api, &w->ctx, &w->o);
  return w;
}

/* GitHub's rules: Retry-After first; else, with x-ratelimit-remaining 0, until
 * x-ratelimit-reset; else (a secondary limit that names no wait) at least a minute,
 * doubled at each repeat. Each wait is the one asked for, and the request goes again. */
static void test_rate_limit_waits(void **state) {
  (void)state;
  qg_rest_api gh = k_api;
  gh.limit_wait_ms = 60000;
  fake_clock c = {{0}, 0, 1700000000};
  world *w = world_clock(&gh, 3, &c, 600000);
  /* Retry-After wins over the reset */
  mock_add_response(w->srv, "POST", "/api/a",
                    "HTTP/1.1 403 Forbidden\nRetry-After: 7\nx-ratelimit-remaining: 0\n"
                    "x-ratelimit-reset: 1700000100\n\nlimit");
  /* remaining 0: until the reset, 42 s from now */
  mock_add_response(w->srv, "POST", "/api/a",
                    "HTTP/1.1 403 Forbidden\nx-ratelimit-remaining: 0\n"
                    "x-ratelimit-reset: 1700000042\n\n{\"message\": \"API rate limit exceeded\"}");
  /* a secondary limit without headers, the third limit of this request: 60 s doubled twice */
  mock_add_response(w->srv, "POST", "/api/a",
                    "HTTP/1.1 403 Forbidden\nx-ratelimit-remaining: 4999\n\n{\"message\": "
                    "\"You have exceeded a secondary rate limit.\"}");
  mock_add_response(w->srv, "POST", "/api/a", "HTTP/1.1 201 Created\n\n{}");
  assert_int_equal(qg_rest_call(&w->r, "POST", "/a", "{}", NULL, NULL), 201);
  assert_int_equal(c.n, 3);
  assert_int_equal(c.waits[0], 7000);
  assert_int_equal(c.waits[1], 42000);
  assert_int_equal(c.waits[2], 240000);
  assert_int_equal(mock_nrequests(w->srv), 4);
  assert_int_equal(world_end(w), QG_OK);
  world_free(w);

  /* a 429 without headers: a minute for GitHub */
  c.n = 0;
  w = world_clock(&gh, 1, &c, 600000);
  mock_add_response(w->srv, "GET", "/api/b", "HTTP/1.1 429 Too Many Requests\n\n");
  mock_add_response(w->srv, "GET", "/api/b", OK("[]"));
  assert_int_equal(qg_rest_call(&w->r, "GET", "/b", NULL, NULL, NULL), 200);
  assert_int_equal(c.n, 1);
  assert_int_equal(c.waits[0], 60000);
  world_free(w);

  /* GitLab's: a 429 with RateLimit-Reset (no remaining count needed); without any
   * header, the backoff */
  qg_rest_api gl = k_api;
  gl.limit_403 = false;
  c.n = 0;
  w = world_clock(&gl, 2, &c, 600000);
  mock_add_response(w->srv, "POST", "/api/n",
                    "HTTP/1.1 429 Too Many Requests\nRateLimit-Reset: 1700000005\n\nRetry later");
  mock_add_response(w->srv, "POST", "/api/n", "HTTP/1.1 429 Too Many Requests\n\nRetry later");
  mock_add_response(w->srv, "POST", "/api/n", "HTTP/1.1 201 Created\n\n{}");
  /* a 403 is no rate limit there: final */
  mock_add_response(w->srv, "GET", "/api/f",
                    "HTTP/1.1 403 Forbidden\n\n{\"message\": \"rate limit\"}");
  assert_int_equal(qg_rest_call(&w->r, "POST", "/n", "{}", NULL, NULL), 201);
  assert_int_equal(qg_rest_call(&w->r, "GET", "/f", NULL, NULL, NULL), 403);
  assert_int_equal(c.n, 2);
  assert_int_equal(c.waits[0], 5000);
  assert_int_equal(c.waits[1], 2); /* the backoff (1 ms) doubled once */
  world_free(w);
}

/* A wait past the deadline is not taken, and the text says what asked for it; without a
 * deadline, one over QG_REST_MAX_WAIT_MS is not either. */
static void test_rate_limit_deadline(void **state) {
  (void)state;
  qg_rest_api gh = k_api;
  gh.limit_wait_ms = 60000;
  fake_clock c = {{0}, 0, 1700000000};
  world *w = world_clock(&gh, 3, &c, 30000); /* 30 s left */
  mock_add_response(w->srv, "POST", "/api/a",
                    "HTTP/1.1 403 Forbidden\n\n{\"message\": \"You have exceeded a secondary rate "
                    "limit.\"}");
  mock_add_response(w->srv, "GET", "/api/b",
                    "HTTP/1.1 403 Forbidden\nx-ratelimit-remaining: 0\n"
                    "x-ratelimit-reset: 1700003600\n\nlimit");
  mock_add_response(w->srv, "GET", "/api/c", "HTTP/1.1 429 Too Many Requests\nRetry-After: 20\n\n");
  mock_add_response(w->srv, "GET", "/api/c", OK("{}"));
  assert_int_equal(qg_rest_call(&w->r, "POST", "/a", "{}", NULL, NULL), 403);
  assert_int_equal(qg_rest_call(&w->r, "GET", "/b", NULL, NULL, NULL), 403);
  assert_int_equal(qg_rest_call(&w->r, "GET", "/c", NULL, NULL, NULL), 200); /* 20 s fits */
  assert_int_equal(c.n, 1);
  assert_int_equal(c.waits[0], 20000);
  assert_int_equal(mock_nrequests(w->srv), 4);
  assert_false(w->r.read_only); /* a rate limit is no refusal to write */
  assert_int_equal(world_end(w), QG_ENET);
  assert_string_equal(w->out.error,
                      "Test: HTTP 403 on POST /a: {\"message\": \"You have exceeded a secondary "
                      "rate limit.\"} (not retried: the rate limit names no wait: 60 s, past "
                      "the host deadline)");
  world_free(w);

  c.n = 0;
  w = world_clock(&gh, 3, &c, 30000);
  mock_add_response(w->srv, "GET", "/api/b",
                    "HTTP/1.1 403 Forbidden\nx-ratelimit-remaining: 0\n"
                    "x-ratelimit-reset: 1700003600\n\nlimit");
  assert_int_equal(qg_rest_call(&w->r, "GET", "/b", NULL, NULL, NULL), 403);
  assert_int_equal(world_end(w), QG_ENET);
  assert_string_equal(w->out.error, "Test: HTTP 403 on GET /b: limit (not retried: the rate limit "
                                    "resets in 3600 s, past the host deadline)");
  assert_int_equal(c.n, 0);
  world_free(w);

  /* no deadline: the cap */
  c.n = 0;
  w = world_clock(&gh, 3, &c, 0);
  mock_add_response(w->srv, "GET", "/api/b",
                    "HTTP/1.1 429 Too Many Requests\nx-ratelimit-remaining: 0\n"
                    "x-ratelimit-reset: 1700000090\n\nlimit");
  assert_int_equal(qg_rest_call(&w->r, "GET", "/b", NULL, NULL, NULL), 429);
  assert_int_equal(world_end(w), QG_ENET);
  assert_string_equal(w->out.error, "Test: HTTP 429 on GET /b: limit (not retried: the rate limit "
                                    "resets in 90 s, over the 60 s cap)");
  world_free(w);
}

static int stored_answer;
static int stored_calls;
static int stored_fn(qg_rest *r, void *ud) {
  (void)r;
  (void)ud;
  stored_calls++;
  return stored_answer;
}

/* A POST is never repeated blindly: a 5xx leaves unknown whether it was stored, and
 * qg_rest_create asks before it posts again; other methods are retried as before. */
static void test_create_never_twice(void **state) {
  (void)state;
  fake_clock c = {{0}, 0, 1700000000};
  world *w = world_clock(&k_api, 2, &c, 0);
  mock_add_response(w->srv, "POST", "/api/p", "HTTP/1.1 502 Bad Gateway\n\n");
  mock_add_response(w->srv, "PATCH", "/api/q", "HTTP/1.1 502 Bad Gateway\n\n");
  mock_add_response(w->srv, "PATCH", "/api/q", OK("{}"));
  assert_int_equal(qg_rest_call(&w->r, "POST", "/p", "{}", NULL, NULL), 502); /* once */
  assert_true(w->r.unsure);
  assert_int_equal(qg_rest_call(&w->r, "PATCH", "/q", "{}", NULL, NULL), 200); /* again */
  assert_false(w->r.unsure);
  assert_int_equal(mock_nrequests(w->srv), 3);
  world_free(w);

  /* stored after all: one POST, no failure kept */
  w = world_clock(&k_api, 2, &c, 0);
  mock_add_response(w->srv, "POST", "/api/p", "HTTP/1.1 500 Internal Server Error\n\n");
  stored_answer = 1;
  stored_calls = 0;
  assert_int_equal(qg_rest_create(&w->r, "/p", "{}", NULL, NULL, stored_fn, NULL), 200);
  assert_int_equal(stored_calls, 1);
  assert_int_equal(mock_nrequests(w->srv), 1);
  assert_int_equal(world_end(w), QG_OK);
  assert_null(w->out.error);
  world_free(w);

  /* missing: posted again, once */
  c.n = 0;
  w = world_clock(&k_api, 2, &c, 0);
  mock_add_response(w->srv, "POST", "/api/p", "HTTP/1.1 503 Service Unavailable\n\n");
  mock_add_response(w->srv, "POST", "/api/p", "HTTP/1.1 201 Created\n\n{}");
  stored_answer = 0;
  stored_calls = 0;
  assert_int_equal(qg_rest_create(&w->r, "/p", "{}", NULL, NULL, stored_fn, NULL), 201);
  assert_int_equal(stored_calls, 1);
  assert_int_equal(mock_nrequests(w->srv), 2);
  assert_int_equal(c.n, 1); /* the backoff before it */
  assert_int_equal(c.waits[0], 1);
  assert_int_equal(world_end(w), QG_OK); /* posted: the lost answer is no failure */
  assert_null(w->out.error);
  world_free(w);

  /* the list failed: not posted again */
  w = world_clock(&k_api, 2, &c, 0);
  mock_add_response(w->srv, "POST", "/api/p", "HTTP/1.1 503 Service Unavailable\n\n");
  stored_answer = -1;
  assert_int_equal(qg_rest_create(&w->r, "/p", "{}", NULL, NULL, stored_fn, NULL), 503);
  assert_int_equal(mock_nrequests(w->srv), 1);
  assert_int_equal(world_end(w), QG_ENET);
  world_free(w);

  /* a rate-limited POST was not carried out: it goes again, without asking */
  c.n = 0;
  w = world_clock(&k_api, 2, &c, 0);
  mock_add_response(w->srv, "POST", "/api/p", "HTTP/1.1 429 Too Many Requests\nRetry-After: 1\n\n");
  mock_add_response(w->srv, "POST", "/api/p", "HTTP/1.1 201 Created\n\n{}");
  stored_calls = 0;
  assert_int_equal(qg_rest_create(&w->r, "/p", "{}", NULL, NULL, stored_fn, NULL), 201);
  assert_int_equal(stored_calls, 0);
  assert_int_equal(c.n, 1);
  assert_int_equal(c.waits[0], 1000);
  world_free(w);
}

/* What the hosts' re-lists do (issue 19): the list, then, when it holds a candidate, the
 * token's own user asked (a quiet 403 for GitHub's Actions token), by the same session. */
static void count_item(void *ud, const cJSON *item) {
  (void)item;
  (*(int *)ud)++;
}

static int relist_fn(qg_rest *r, void *ud) {
  (void)ud;
  int n = 0;
  if (!qg_rest_list(r, "/l", "", count_item, &n))
    return -1;
  static const qg_rest_how quiet = {403, 0, NULL};
  if (n)
    (void)qg_rest_call(r, "GET", "/user", NULL, &quiet, NULL);
  return n == 2; /* the second item is the one posted */
}

/* Issue 19: the re-list's own requests (a page, the author check's refused GET /user)
 * leave qg_rest_create's answer intact: posted again when missing, and a refusal of that
 * second POST is what r->refusal says (the review's isolation reads it), not the author
 * check's 403; found, no failure is kept. */
static void test_create_relist_requests(void **state) {
  (void)state;
  fake_clock c = {{0}, 0, 1700000000};
  world *w = world_clock(&k_api, 2, &c, 0);
  mock_add_response(w->srv, "POST", "/api/p", "HTTP/1.1 502 Bad Gateway\n\n");
  mock_add_response(w->srv, "GET", "/api/l", OK("[{\"id\": 1}]"));
  mock_add_response(w->srv, "GET", "/api/user", "HTTP/1.1 403 Forbidden\n\nnot for this token");
  mock_add_response(w->srv, "POST", "/api/p", "HTTP/1.1 422 Unprocessable Entity\n\nline");
  static const qg_rest_how refused = {422, 0, NULL};
  assert_int_equal(qg_rest_create(&w->r, "/p", "{}", &refused, NULL, relist_fn, NULL), 422);
  assert_int_equal(mock_nrequests(w->srv), 4);
  assert_path(w, 1, "GET", "/api/l?per_page=2&page=1");
  assert_path(w, 2, "GET", "/api/user");
  assert_path(w, 3, "POST", "/api/p");
  assert_string_equal(w->r.refusal, "HTTP 422: line");
  assert_int_equal(world_end(w), QG_ENET); /* the 502: the POST was never taken */
  assert_string_equal(w->out.error, "Test: HTTP 502 on POST /p");
  world_free(w);

  w = world_clock(&k_api, 2, &c, 0);
  mock_add_response(w->srv, "POST", "/api/p", "HTTP/1.1 504 Gateway Timeout\n\n");
  mock_add_response(w->srv, "GET", "/api/l", OK("[{\"id\": 1}, {\"id\": 2}]"));
  mock_add_response(w->srv, "GET", "/api/l", OK("[]"));
  mock_add_response(w->srv, "GET", "/api/user", "HTTP/1.1 403 Forbidden\n\nnot for this token");
  assert_int_equal(qg_rest_create(&w->r, "/p", "{}", NULL, NULL, relist_fn, NULL), 200);
  assert_int_equal(mock_nrequests(w->srv), 4); /* one POST */
  assert_int_equal(world_end(w), QG_OK);
  assert_null(w->out.error);
  world_free(w);
}

/* stop_on_refusal: after a 401 (not a quiet one), no further request. */
static void test_stop_on_refusal(void **state) {
  (void)state;
  qg_rest_api stop = k_api;
  stop.stop_on_refusal = true;
  world *w = world_new(&stop, -1);
  mock_add_response(w->srv, "GET", "/api/probe", "HTTP/1.1 401 Unauthorized\n\nno");
  mock_add_response(w->srv, "GET", "/api/x", "HTTP/1.1 401 Unauthorized\n\nbad token");
  mock_add_response(w->srv, "GET", "/api/y", OK("{}"));
  static const qg_rest_how any = {-1, 0, NULL};
  assert_int_equal(qg_rest_call(&w->r, "GET", "/probe", NULL, &any, NULL), 401); /* quiet */
  assert_int_equal(qg_rest_call(&w->r, "GET", "/x", NULL, NULL, NULL), 401);
  assert_int_equal(qg_rest_call(&w->r, "GET", "/y", NULL, NULL, NULL), 0); /* not sent */
  assert_int_equal(mock_nrequests(w->srv), 2);
  assert_int_equal(world_end(w), QG_ENET);
  assert_string_equal(w->out.error, "Test: HTTP 401 on GET /x: bad token");
  world_free(w);

  /* without it, the next request goes */
  w = world_new(&k_api, -1);
  mock_add_response(w->srv, "GET", "/api/x", "HTTP/1.1 401 Unauthorized\n\nbad token");
  mock_add_response(w->srv, "GET", "/api/y", OK("{}"));
  assert_int_equal(qg_rest_call(&w->r, "GET", "/x", NULL, NULL, NULL), 401);
  assert_int_equal(qg_rest_call(&w->r, "GET", "/y", NULL, NULL, NULL), 200);
  world_free(w);
}

/* ---- the scrubbing rule and the id rule --------------------------------------------------- */

static void test_scrubbing(void **state) {
  (void)state;
  /* a server echoing the token: masked in the error */
  world *w = world_new(&k_api, -1);
  mock_add_response(w->srv, "GET", "/api/e",
                    "HTTP/1.1 400 Bad Request\n\nyou sent " TOKEN " and\tthat");
  assert_int_equal(qg_rest_call(&w->r, "GET", "/e", NULL, NULL, NULL), 400);
  assert_int_equal(world_end(w), QG_ENET);
  assert_null(strstr(w->out.error, TOKEN));
  assert_string_equal(w->out.error,
                      "Test: HTTP 400 on GET /e: you sent ******************* and that");
  world_free(w);

  /* the rule alone: a token of QG_REST_SCRUB_MIN bytes is masked, a shorter one is not */
  char *s = qg_rest_scrub(NULL, "abcd", "x abcd y abcdabcd\n", 100);
  assert_string_equal(s, "x **** y ******** ");
  free(s);
  s = qg_rest_scrub(NULL, "abc", "x abc", 100);
  assert_string_equal(s, "x abc");
  free(s);
  s = qg_rest_scrub(NULL, NULL, "plain", 100);
  assert_string_equal(s, "plain");
  free(s);
  /* the cut: never inside a character, an entity or an escape */
  s = qg_rest_scrub(NULL, NULL, "ab caf\xc3\xa9", 7);
  assert_string_equal(s, "ab caf");
  free(s);
  s = qg_rest_scrub(NULL, NULL, "a &amp; b", 5);
  assert_string_equal(s, "a ");
  free(s);
  s = qg_rest_scrub(NULL, NULL, "a \\\\b", 4); /* "a \\" and "\\" */
  assert_string_equal(s, "a \\\\");
  free(s);
  s = qg_rest_scrub(NULL, NULL, "a \\\\\\*b", 5); /* "\\*" is one escape */
  assert_string_equal(s, "a \\\\");
  free(s);
  /* the token masked before the cut: no prefix of it is left at the end */
  s = qg_rest_scrub(NULL, "secret-token", "error: secret-token", 12);
  assert_string_equal(s, "error: *****");
  free(s);
}

static void test_commit_ids(void **state) {
  (void)state;
  static const char sha1[] = "3f89c2242221ee7cbab3eed0dc0695d481a81f26";
  static const char sha256[] = "3f89c2242221ee7cbab3eed0dc0695d481a81f263f89c2242221ee7cbab3eed0";
  assert_true(qg_rest_commit_id(sha1));
  assert_true(qg_rest_commit_id(sha256));
  assert_true(qg_rest_commit_id("3F89C2242221EE7CBAB3EED0DC0695D481A81F26"));
  assert_false(qg_rest_commit_id("3f89c22"));                                   /* abbreviated */
  assert_false(qg_rest_commit_id("3f89c2242221ee7cbab3eed0dc0695d481a81f2"));   /* 39 */
  assert_false(qg_rest_commit_id("3f89c2242221ee7cbab3eed0dc0695d481a81f26a")); /* 41 */
  assert_false(qg_rest_commit_id("3f89c2242221ee7cbab3eed0dc0695d481a81f2g"));
  assert_false(qg_rest_commit_id("3f89c2242221ee7cbab3eed0dc0695d481a81f26\n"));
  assert_false(qg_rest_commit_id("0000000000000000000000000000000000000000")); /* none */
  assert_false(qg_rest_commit_id(""));
  assert_false(qg_rest_commit_id("main"));
  assert_false(qg_rest_commit_id(NULL));
}

/* ---- the table ---------------------------------------------------------------------------- */

static void test_table(void **state) {
  (void)state;
  const qg_host *gh = qg_host_find("github"), *gl = qg_host_find("gitlab");
  assert_non_null(gh);
  assert_non_null(gl);
  assert_string_equal(gh->title, "GitHub");
  assert_string_equal(gl->title, "GitLab");
  assert_null(qg_host_find("GitHub"));
  assert_null(qg_host_find("annotations"));
  assert_null(qg_host_find(NULL));
  char *names = qg_host_names(", ", " or ", "annotations");
  assert_string_equal(names, "github, gitlab or annotations");
  free(names);
  names = qg_host_names(", ", " and ", NULL);
  assert_string_equal(names, "github and gitlab");
  free(names);
  /* the base the CI names: GitLab's variable, checked by the id rule */
  unsetenv("GITHUB_EVENT_NAME");
  setenv("CI_MERGE_REQUEST_DIFF_BASE_SHA", "0000000000000000000000000000000000000000", 1);
  const char *source = "x";
  assert_null(qg_ci_base_rev(&source));
  assert_null(source);
  setenv("CI_MERGE_REQUEST_DIFF_BASE_SHA", "3f89c2242221ee7cbab3eed0dc0695d481a81f26", 1);
  char *rev = qg_ci_base_rev(&source);
  assert_string_equal(rev, "3f89c2242221ee7cbab3eed0dc0695d481a81f26");
  assert_string_equal(source, "CI_MERGE_REQUEST_DIFF_BASE_SHA");
  free(rev);
  unsetenv("CI_MERGE_REQUEST_DIFF_BASE_SHA");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_call_headers_and_reply),
      cmocka_unit_test(test_pages),
      cmocka_unit_test(test_first_error),
      cmocka_unit_test(test_retries),
      cmocka_unit_test(test_rate_limit_waits),
      cmocka_unit_test(test_rate_limit_deadline),
      cmocka_unit_test(test_create_never_twice),
      cmocka_unit_test(test_create_relist_requests),
      cmocka_unit_test(test_stop_on_refusal),
      cmocka_unit_test(test_scrubbing),
      cmocka_unit_test(test_commit_ids),
      cmocka_unit_test(test_table),
  };
  setenv("no_proxy", "*", 1);
  if (qg_http_global_init() != QG_OK)
    return 1;
  int rc = cmocka_run_group_tests_name("rest", tests, NULL, NULL);
  qg_http_global_cleanup();
  return rc;
}
