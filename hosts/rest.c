/* rest.c: requests, pages, the first failure and its scrubbing, commit ids. */
#include "hosts/rest.h"
#include "core/escape.h"
#include "core/mem.h"
#include "scanners/secrets/secrets.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void qg_rest_init(qg_rest *r, const qg_rest_api *api, const qg_host_ctx *ctx,
                  const qg_comment_opts *o) {
  memset(r, 0, sizeof(*r));
  r->api = api;
  r->root = ctx ? ctx->api_url : NULL;
  r->token = ctx ? ctx->token : NULL;
  r->red = o->redactor;
  r->auth = qg_xasprintf(api->auth, r->token ? r->token : "");
  r->http.timeout_ms = o->timeout_ms;
  r->http.retries = o->retries;
  r->http.backoff_ms = o->backoff_ms;
  r->http.max_wait_ms = QG_REST_MAX_WAIT_MS;
  r->http.deadline_ms = o->deadline_ms;
  r->http.max_response = QG_REST_MAX_RESPONSE;
  r->http.parallel = 1;
  r->http.limits_to_caller = true; /* waited here, by the API's rules */
  r->wait = o->wait;
  r->unix_now = o->unix_now;
  r->clock_ud = o->clock_ud;
}

qg_status qg_rest_end(qg_rest *r, qg_comment_outcome *out) {
  if (r->auth) /* not left in freed memory */
    memset(r->auth, 0, strlen(r->auth));
  free(r->auth);
  free(r->refusal);
  qg_status st = r->failed ? QG_ENET : QG_OK;
  out->error = r->error;
  out->read_only |= r->read_only;
  memset(r, 0, sizeof(*r));
  return st;
}

size_t qg_rest_cut(const char *s, size_t n) {
  while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
    n--;
  for (size_t k = n; k > 0 && n - k < 8; k--) { /* an entity is at most "&quot;" */
    if (s[k - 1] == ';')
      break;
    if (s[k - 1] == '&') {
      n = k - 1;
      break;
    }
  }
  size_t slashes = 0; /* "\\\\" is a whole escape, "\\" alone escapes what follows */
  while (slashes < n && s[n - 1 - slashes] == '\\')
    slashes++;
  return slashes % 2 ? n - 1 : n;
}

char *qg_rest_scrub(qg_secrets *red, const char *token, const char *text, size_t max) {
  char *e = qg_redact(red, text, strlen(text), NULL, NULL, NULL);
  size_t tl = token ? strlen(token) : 0;
  if (tl >= QG_REST_SCRUB_MIN) /* before the cut: no part of it may be left at the end */
    for (char *p = strstr(e, token); p; p = strstr(p + tl, token))
      memset(p, '*', tl);
  size_t n = 0;
  for (char *p = e; *p; p++, n++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = ' ';
  if (n > max)
    e[qg_rest_cut(e, max)] = '\0';
  return e;
}

bool qg_rest_commit_id(const char *s) {
  size_t n = s ? strspn(s, "0123456789abcdefABCDEF") : 0;
  return (n == 40 || n == 64) && !s[n] && strspn(s, "0") != n;
}

void qg_rest_fail(qg_rest *r, const char *fmt, ...) {
  r->failed = true;
  if (r->error)
    return; /* the first failure is the one that explains the rest */
  va_list ap;
  va_start(ap, fmt);
  char *e = qg_xvasprintf(fmt, ap);
  va_end(ap);
  /* a server may echo what it was sent, the token among it */
  r->error = qg_rest_scrub(r->red, r->token, e, QG_REST_ERROR_MAX);
  free(e);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

static void wait_ms(qg_rest *r, long ms) {
  if (r->wait)
    r->wait(r->clock_ud, ms);
  else
    sleep_ms(ms);
}

static long long unix_now(qg_rest *r) {
  return r->unix_now ? r->unix_now(r->clock_ud) : (long long)time(NULL);
}

/* s[0..n) holds needle, any case. */
static bool holds_ci(const char *s, size_t n, const char *needle) {
  size_t k = strlen(needle);
  for (size_t i = 0; s && i + k <= n; i++)
    if (strncasecmp(s + i, needle, k) == 0)
      return true;
  return false;
}

/* Whether an answer is a rate limit (qg_rest_api says when). */
static bool rate_limited(const qg_rest *r, const qg_http_response *rs) {
  if (rs->code == 429)
    return true;
  return rs->code == 403 && r->api->limit_403 &&
         (rs->retry_after_ms >= 0 || rs->ratelimit_remaining == 0 ||
          holds_ci(rs->body, rs->len, "rate limit"));
}

/* The wait a rate-limited answer asks for, in ms (the nth limit of this request, from
 * 0), and what asked for it, for the texts. */
static long limit_wait(qg_rest *r, const qg_http_response *rs, int nth, char *what, size_t wsize) {
  long long ms;
  if (rs->retry_after_ms >= 0) {
    ms = rs->retry_after_ms;
    snprintf(what, wsize, "Retry-After asks for %lld s", ms / 1000);
  } else if (rs->ratelimit_reset >= 0 &&
             (rs->ratelimit_remaining == 0 || (rs->ratelimit_remaining < 0 && rs->code == 429))) {
    long long d = rs->ratelimit_reset - unix_now(r);
    ms = d > 0 ? d * 1000 : 0;
    snprintf(what, wsize, "the rate limit resets in %lld s", ms / 1000);
  } else {
    long base = r->api->limit_wait_ms ? r->api->limit_wait_ms : r->http.backoff_ms;
    ms = base;
    for (int i = 0; i < nth && ms < 24LL * 3600 * 1000; i++)
      ms *= 2;
    snprintf(what, wsize, "the rate limit names no wait: %lld s", ms / 1000);
  }
  return ms > LONG_MAX ? LONG_MAX : (long)ms;
}

/* Performs rq once through core/http (which retries a lost answer and a 5xx itself, but
 * neither for a POST, and no rate limit), then waits for a rate limit and tries again, at
 * most the session's retries times: a wait past the deadline (or, without one, over
 * QG_REST_MAX_WAIT_MS) is not taken. *attempts: every attempt made; giveup: why a
 * rate-limited answer was not retried. */
static void perform(qg_rest *r, const qg_http_request *rq, qg_http_response *rs, unsigned *attempts,
                    char *giveup, size_t gsize) {
  *attempts = 0;
  qg_http_options ho = r->http;
  ho.write_once = strcmp(rq->method, "POST") == 0;
  int limits = 0;
  for (;;) {
    if (qg_http_perform(rq, 1, &ho, rs) != QG_OK && rs->status == QG_OK)
      rs->status = QG_ENET;
    *attempts += rs->attempts;
    if (rs->status != QG_OK || !rate_limited(r, rs) || limits >= r->http.retries)
      break;
    char what[96];
    long wait = limit_wait(r, rs, limits++, what, sizeof(what));
    if (r->http.deadline_ms && qg_http_now_ms() + wait >= r->http.deadline_ms) {
      snprintf(giveup, gsize, " (not retried: %s, past the host deadline)", what);
      break;
    }
    if (!r->http.deadline_ms && wait > QG_REST_MAX_WAIT_MS) {
      snprintf(giveup, gsize, " (not retried: %s, over the %ld s cap)", what,
               QG_REST_MAX_WAIT_MS / 1000);
      break;
    }
    wait_ms(r, wait);
    qg_http_response_cleanup(rs);
  }
  if (!giveup[0] && rs->not_retried[0]) /* a 5xx or lost answer core/http did not retry */
    snprintf(giveup, gsize, " (not retried: %s)", rs->not_retried);
}

/* Records a refused request: "NAME: HTTP CODE on METHOD PATH: what the body says". */
static void refused(qg_rest *r, const char *method, int plen, const char *path,
                    const qg_http_response *rs, unsigned attempts, const char *giveup,
                    const qg_rest_how *how) {
  const char *hint = how && how->hint && how->hint_code == rs->code ? how->hint : NULL;
  char *why = r->api->error_text(rs->body, rs->len);
  char before[40] = "", after[48] = ""; /* retried (429, 5xx): says why it took long */
  if (attempts > 1 && r->api->attempts_last)
    snprintf(after, sizeof(after), " (after %u attempts)", attempts);
  else if (attempts > 1)
    snprintf(before, sizeof(before), " after %u attempts", attempts);
  qg_rest_fail(r, "%s: HTTP %ld on %s %.*s%s%s%s%s%s%s%s", r->api->name, rs->code, method, plen,
               path, before, *why ? ": " : "", why, after, giveup, hint ? " " : "",
               hint ? hint : "");
  free(why);
}

long qg_rest_call(qg_rest *r, const char *method, const char *path, const char *body,
                  const qg_rest_how *how, cJSON **reply) {
  if (reply)
    *reply = NULL;
  r->unsure = false;
  bool write = strcmp(method, "GET") != 0;
  if (r->dead || (r->read_only && write))
    return 0;
  const char *hdrs[8];
  size_t nh = 0;
  hdrs[nh++] = r->auth;
  for (size_t i = 0; i < r->api->nheaders && nh < QG_ARRAY_LEN(hdrs) - 1; i++)
    hdrs[nh++] = r->api->headers[i];
  if (body)
    hdrs[nh++] = "Content-Type: application/json";
  char *url = qg_xasprintf("%s%s", r->root ? r->root : "", path);
  qg_http_request rq;
  memset(&rq, 0, sizeof(rq));
  rq.method = method;
  rq.url = url;
  rq.headers = hdrs;
  rq.nheaders = nh;
  rq.body = body;
  rq.body_len = body ? strlen(body) : 0;
  qg_http_response rs;
  memset(&rs, 0, sizeof(rs));
  unsigned attempts = 0;
  char giveup[160] = "";
  if (r->root)
    perform(r, &rq, &rs, &attempts, giveup, sizeof(giveup));
  long code = r->root && rs.status == QG_OK ? rs.code : 0;
  int plen = (int)strcspn(path, "?"); /* the query is not part of what failed */
  r->unsure = r->root && strcmp(method, "POST") == 0 && (!code || code >= 500);
  if (code == 403 && write && r->api->read_only_403 && !rate_limited(r, &rs))
    r->read_only = true; /* every later write would be refused the same way */
  if (!code) {
    qg_rest_fail(r, "%s: %s %.*s: %s", r->api->name, method, plen, path,
                 rs.error[0] ? rs.error : "not sent");
    r->dead = r->api->stop_on_refusal;
  } else if (!qg_rest_ok(code)) {
    char *why = r->api->error_text(rs.body, rs.len);
    char *e = qg_xasprintf("HTTP %ld%s%s", code, *why ? ": " : "", why);
    free(r->refusal);
    r->refusal = qg_rest_scrub(r->red, r->token, e, QG_REST_ERROR_MAX);
    free(e);
    free(why);
    if (!how || (how->quiet != -1 && how->quiet != code)) {
      refused(r, method, plen, path, &rs, attempts, giveup, how);
      if (code == 401) /* the token is refused */
        r->dead = r->api->stop_on_refusal;
    }
  } else if (reply && rs.len) {
    *reply = cJSON_ParseWithLength(rs.body, rs.len);
  }
  qg_http_response_cleanup(&rs);
  free(url);
  return code;
}

long qg_rest_send(qg_rest *r, const char *method, const char *path, cJSON *o,
                  const qg_rest_how *how) {
  char *text = qg_json_print(o, false); /* deletes o; valid UTF-8 */
  long code = qg_rest_call(r, method, path, text, how, NULL);
  free(text);
  return code;
}

long qg_rest_create(qg_rest *r, const char *path, const char *body, const qg_rest_how *how,
                    cJSON **reply, qg_rest_stored_fn stored, void *ud) {
  long backoff = r->http.backoff_ms > 0 ? r->http.backoff_ms : 1000;
  bool failed0 = r->failed;
  char *error0 = r->error;
  for (int again = 0;; again++) {
    long code = qg_rest_call(r, "POST", path, body, how, reply);
    if (again && qg_rest_ok(code)) { /* posted after all: the lost answer was no failure */
      if (r->error != error0) {
        free(r->error);
        r->error = error0;
      }
      r->failed = failed0;
    }
    if (!r->unsure || !stored || r->dead)
      return code;
    int there = stored(r, ud); /* re-listed: the one request that tells */
    if (there == 1) {
      if (r->error != error0) { /* the lost answer's failure is not one */
        free(r->error);
        r->error = error0;
      }
      r->failed = failed0;
      return 200;
    }
    if (there < 0 || again >= r->http.retries)
      return code;
    if (r->http.deadline_ms && qg_http_now_ms() + backoff >= r->http.deadline_ms)
      return code;
    wait_ms(r, backoff);
    backoff = backoff > QG_REST_MAX_WAIT_MS / 2 ? QG_REST_MAX_WAIT_MS : backoff * 2;
  }
}

bool qg_rest_list(qg_rest *r, const char *path, const char *query, qg_rest_item_fn fn, void *ud) {
  const qg_rest_api *api = r->api;
  for (unsigned page = 1; page <= api->max_pages; page++) {
    char *p =
        qg_xasprintf("%s?%sper_page=%u&page=%u", path, query ? query : "", api->per_page, page);
    cJSON *list = NULL;
    long code = qg_rest_call(r, "GET", p, NULL, NULL, &list);
    free(p);
    if (!qg_rest_ok(code) || !cJSON_IsArray(list)) {
      if (qg_rest_ok(code))
        qg_rest_fail(r, "%s: GET %s: the answer is not a JSON array", api->name, path);
      cJSON_Delete(list);
      return false;
    }
    unsigned n = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, list) {
      fn(ud, item);
      n++;
    }
    cJSON_Delete(list);
    if (n < api->per_page)
      return true;
  }
  qg_rest_fail(r, "%s: GET %s: more than %u pages of %u; the list was not read to its end",
               api->name, path, api->max_pages, api->per_page);
  return false;
}
