/* rest.h: the one REST helper of every host (hosts/ only).
 *
 * A session (qg_rest) holds what the requests of one run share: the API's root, the
 * authorization header (wiped before it is freed), the HTTP options and the text of
 * the first failure. Requests go one at a time, in the order they are made. Every
 * failure's text goes through one rule (qg_rest_scrub) before it is kept: what
 * qg_redact masks masked, the token masked wherever it stands, control characters
 * made spaces, cut to QG_REST_ERROR_MAX bytes where no character or escape breaks.
 * Nothing here prints. */
#ifndef QG_HOST_REST_H
#define QG_HOST_REST_H

#include "core/http.h"
#include "hosts/host.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* A token shorter than this is not masked by itself (qg_redact still masks what it
 * knows): no credential is that short, and masking it would garble the text. */
#define QG_REST_SCRUB_MIN 4
/* The longest error text kept, in bytes. */
#define QG_REST_ERROR_MAX 511
/* The longest rate-limit wait taken when the session has no deadline (with one, the
 * deadline alone bounds the waits). */
#define QG_REST_MAX_WAIT_MS 60000L
/* One answer's body: a page of 100 comments of up to 65536 characters. */
#define QG_REST_MAX_RESPONSE (32u << 20)

/* What a host's API is to the helper. Static, one per host. */
typedef struct qg_rest_api {
  const char *name;           /* "GitHub": the start of every error text */
  const char *auth;           /* the authorization header, one %s: the token */
  const char *const *headers; /* sent after it with every request; Content-Type:
                                 application/json is added to a request with a body */
  size_t nheaders;
  unsigned per_page;    /* items of a page (qg_rest_list) */
  unsigned max_pages;   /* past them, a list is given up as incomplete */
  bool stop_on_refusal; /* no request after one that got no answer, or a 401 */
  bool attempts_last;   /* "HTTP 429 on POST /p: text (after 2 attempts)" instead of
                                 "HTTP 429 on POST /p after 2 attempts: text" */
  char *(*error_text)(const char *body, size_t len); /* what a failed answer's body says;
                                                        caller frees, "" for nothing */
  /* Rate limits (qg_rest_call waits for them, every method: a limited request was not
   * carried out). A 429 always is one; a 403 is one when limit_403 and it has a
   * Retry-After, x-ratelimit-remaining: 0, or "rate limit" in its body (GitHub's primary
   * and secondary limits). The wait: Retry-After; else, when the remaining count is 0
   * (or a 429 gives none), until the reset time; else limit_wait_ms, doubled at each
   * repeat (GitHub: "at least one minute" for a secondary limit), or the backoff when 0. */
  bool limit_403;
  long limit_wait_ms;
  bool read_only_403; /* a 403 on a write that is no rate limit means the token may not
                         write at all (GitHub's "Resource not accessible by integration"):
                         r->read_only, and no further write */
} qg_rest_api;

/* One run's requests. Fields are the helper's; read error and failed. */
typedef struct qg_rest {
  const qg_rest_api *api;
  const char *root;       /* borrowed: the API URL, no trailing '/' */
  const char *token;      /* borrowed */
  struct qg_secrets *red; /* borrowed, may be NULL */
  char *auth;             /* owned; wiped before it is freed */
  qg_http_options http;
  char *error;                     /* owned: the first failure's text (scrubbed); NULL when none */
  bool failed;                     /* a request failed (its text is error, or an earlier one's) */
  bool dead;                       /* stop_on_refusal struck: no further request */
  bool read_only;                  /* a write got a 403 that is no rate limit: the token may not
                              write, and no further write is sent (qg_rest_call returns 0
                              for one, and records nothing more) */
  char *refusal;                   /* owned: the last refused answer's text ("HTTP 422: what it
                              says", scrubbed), recorded or quiet; NULL when none */
  bool unsure;                     /* the last call was a POST that got a 5xx or no answer: whether
                              the host stored it is unknown (qg_rest_create) */
  void (*wait)(void *ud, long ms); /* the opts' clock, or the real one */
  long long (*unix_now)(void *ud);
  void *clock_ud;
} qg_rest;

/* A session for ctx with o's timeouts, retries, deadline and redactor (o as filled in
 * by qg_host_opts). root may be NULL (then every request fails, "not sent"). */
void qg_rest_init(qg_rest *r, const qg_rest_api *api, const qg_host_ctx *ctx,
                  const qg_comment_opts *o);
/* Ends a run: frees what r owns, its error text handed to out->error. QG_ENET when a
 * request failed, else QG_OK. */
qg_status qg_rest_end(qg_rest *r, qg_comment_outcome *out);

/* How a failure is treated: quiet, an HTTP status that is not recorded (-1: any); hint,
 * appended to the recorded text when the status is hint_code. */
typedef struct qg_rest_how {
  long quiet;
  long hint_code;
  const char *hint;
} qg_rest_how;

static inline bool qg_rest_ok(long code) { return code >= 200 && code <= 299; }

/* One request: path from the API's root, with its query (error texts leave the query
 * out); body a JSON text or NULL. Returns the HTTP status, 0 when no answer came (or
 * none was sent). A failure is recorded unless how says otherwise. A rate-limited
 * answer (qg_rest_api) is retried after the wait the API's rules give, when that wait
 * ends before the deadline (and, without one, is at most QG_REST_MAX_WAIT_MS); the
 * text says why one was not. A 5xx or a lost answer is retried for every method but
 * POST, which is never repeated blindly (r->unsure; qg_rest_create). *reply (when
 * asked) gets a 2xx answer's body parsed, or NULL; the caller deletes it. */
long qg_rest_call(qg_rest *r, const char *method, const char *path, const char *body,
                  const qg_rest_how *how, cJSON **reply);
/* qg_rest_call with the JSON object o as the body (printed with qg_json_print, which
 * deletes it). */
long qg_rest_send(qg_rest *r, const char *method, const char *path, cJSON *o,
                  const qg_rest_how *how);

/* Whether a write whose answer was lost is on the host after all: 1 yes, 0 no, -1 the
 * list could not be read (then the write is not repeated). */
typedef int (*qg_rest_stored_fn)(qg_rest *r, void *ud);
/* POST path with body: a write that must not be made twice (a comment, a review, a note,
 * a discussion). When a 5xx or no answer leaves unknown whether the host stored it,
 * stored(r, ud) re-lists what is there: found, the write counts as done (200; *reply
 * stays NULL) and its failure is not kept; missing, it is posted again, after the
 * backoff, at most the session's retries times. Otherwise as qg_rest_call. */
long qg_rest_create(qg_rest *r, const char *path, const char *body, const qg_rest_how *how,
                    cJSON **reply, qg_rest_stored_fn stored, void *ud);

typedef void (*qg_rest_item_fn)(void *ud, const cJSON *item);
/* Calls fn for every item of every page of GET path?query per_page=N&page=P (query ""
 * or "a=b&"), until a page has fewer than per_page items. false when a page failed, was
 * no JSON array, or max_pages were full: then what was seen is incomplete. */
bool qg_rest_list(qg_rest *r, const char *path, const char *query, qg_rest_item_fn fn, void *ud);

/* Records a failure: its text (scrubbed) is kept when it is the first. */
void qg_rest_fail(qg_rest *r, const char *fmt, ...) QG_PRINTF(2, 3);

/* The one scrubbing rule for a text that may quote what a host was sent: what red
 * masks (qg_redact; red may be NULL), then every copy of token masked with '*' when it
 * has QG_REST_SCRUB_MIN bytes or more, control characters as spaces, cut to max bytes
 * (qg_rest_cut). Caller frees. */
char *qg_rest_scrub(struct qg_secrets *red, const char *token, const char *text, size_t max);
/* Where to cut s[0..n) (n > 0 bytes kept at most) so that it ends neither inside a
 * UTF-8 sequence nor inside an escape Markdown escaping wrote ("&amp;", "\\x"). */
size_t qg_rest_cut(const char *s, size_t n);

/* A commit id: 40 (SHA-1) or 64 (SHA-256) hex digits, not all zero (the CIs' "no
 * commit"). */
bool qg_rest_commit_id(const char *s);

#endif
