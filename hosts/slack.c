/* slack.c: the --notify slack message. */
#include "hosts/slack.h"
#include "core/escape.h"
#include "core/http.h"
#include "core/mem.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The message's text: what, where (the repository, the merge request or the branch),
 * the counts and the score. */
static void message_text(qg_buf *t, bool approval, double lim, const size_t *counts,
                         const qg_report *rep) {
  const char *pr = getenv("CI_MERGE_REQUEST_IID"), *ref = getenv("GITHUB_REF_NAME");
  if (!ref)
    ref = getenv("CI_COMMIT_REF_NAME");
  const char *repo = getenv("GITHUB_REPOSITORY");
  if (!repo)
    repo = getenv("CI_PROJECT_PATH");
  /* the branch name is the pull request author's: Slack's escaping, so that it cannot
   * form <!channel>, <@user> or a link */
  (void)qg_buf_printf(t, "%s ",
                      approval ? "\xf0\x9f\x94\x92 Security approval needed"
                               : "\xe2\x9d\x8c Quality gate rejected");
  qg_slack_escape(t, repo);
  if (pr) {
    (void)qg_buf_puts(t, " !");
    qg_slack_escape(t, pr);
  } else if (ref) {
    (void)qg_buf_puts(t, " (");
    qg_slack_escape(t, ref);
    (void)qg_buf_puts(t, ")");
  }
  (void)qg_buf_printf(t, "\nHIGH findings: %zu (at most %g), CRITICAL: %zu", counts[QG_SEV_HIGH],
                      lim, counts[QG_SEV_CRITICAL]);
  if (rep->score)
    (void)qg_buf_printf(t, "\nScore: %u/100, %s", rep->score->total,
                        qg_decision_name(rep->score->decision));
}

/* Longest piece of Slack's own words kept in a message (bytes). */
#define SLACK_SAID_MAX 200

/* What Slack's answer says, for the message when it refuses: an incoming webhook
 * writes its refusal as plain text ("invalid_payload", "channel_is_archived",
 * "no_service"), the Web API and gateways that follow it {"ok": false, "error":
 * "..."}: that "error" (else the whole body), control characters as spaces, the
 * webhook URL (a secret) masked, cut at a word's end (qg_text_cut: the caller redacts
 * it, and a credential the answer echoed must not be cut in two). Starts with '\1'
 * when the answer is JSON with "ok": false (a refusal whatever the HTTP status). A
 * new string the caller frees; "" when the answer says nothing. */
static char *slack_said(const char *body, size_t len, const char *url) {
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_puts(&b, "");
  cJSON *j = len ? cJSON_ParseWithLength(body, len) : NULL;
  const cJSON *okv = cJSON_GetObjectItemCaseSensitive(j, "ok");
  const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
  if (cJSON_IsFalse(okv))
    (void)qg_buf_putc(&b, '\1');
  const char *text = cJSON_IsString(err) ? err->valuestring : j ? "" : body;
  size_t tlen = cJSON_IsString(err) ? strlen(text) : j ? 0 : len;
  size_t start = b.len;
  for (size_t i = 0; i < tlen && text[i]; i++)
    (void)qg_buf_putc(&b, (unsigned char)text[i] < 0x20 || text[i] == 0x7f ? ' ' : text[i]);
  cJSON_Delete(j);
  /* the URL masked before the cut: a cut through it would leave a piece of it */
  size_t ulen = url ? strlen(url) : 0;
  for (char *at; ulen && (at = strstr(b.data + start, url));) {
    static const char mask[] = "<webhook URL>";
    qg_buf rest;
    qg_buf_init(&rest, 0);
    (void)qg_buf_puts(&rest, at + ulen);
    b.len = (size_t)(at - b.data);
    b.data[b.len] = '\0';
    (void)qg_buf_puts(&b, mask);
    (void)qg_buf_puts(&b, rest.data ? rest.data : "");
    qg_buf_cleanup(&rest);
  }
  /* trimmed: a plain-text body ends with a newline */
  size_t from = start;
  while (from < b.len && b.data[from] == ' ')
    from++;
  while (b.len > from && b.data[b.len - 1] == ' ')
    b.data[--b.len] = '\0';
  memmove(b.data + start, b.data + from, b.len - from + 1);
  b.len -= from - start;
  size_t keep = qg_text_cut(b.data + start, b.len - start, SLACK_SAID_MAX);
  if (keep < b.len - start) {
    while (keep && b.data[start + keep - 1] == ' ')
      keep--;
    b.len = start + keep;
    b.data[b.len] = '\0';
    (void)qg_buf_puts(&b, "...");
  }
  return qg_buf_detach(&b);
}

qg_status qg_slack_notify(const qg_score_policy *policy, const qg_report *rep,
                          long long deadline_ms, qg_slack_sent *sent, char **why) {
  *sent = QG_SLACK_NOT_NEEDED;
  *why = NULL;
  size_t counts[QG__SEV_COUNT];
  qg_result_counts(rep->result, counts);
  double lim = policy->crit[QG_CRIT_HIGH].limit;
  bool approval = (double)counts[QG_SEV_HIGH] > lim;
  bool reject = rep->score && rep->score->decision == QG_DECISION_REJECT;
  if (!approval && !reject)
    return QG_OK;
  const char *url = getenv("SLACK_WEBHOOK_URL");
  if (!url || !*url) {
    *why = qg_xstrdup("SLACK_WEBHOOK_URL is not set");
    return QG_EUSAGE;
  }
  qg_buf t;
  qg_buf_init(&t, 0);
  message_text(&t, approval, lim, counts, rep);
  cJSON *body = cJSON_CreateObject();
  cJSON_AddStringToObject(body, "text", t.data);
  const char *channel = getenv("SLACK_CHANNEL");
  if (channel && *channel)
    cJSON_AddStringToObject(body, "channel", channel);
  qg_buf_cleanup(&t);
  char *json = qg_json_print(body, false); /* valid UTF-8 whatever the environment held */
  static const char *const hdr[] = {"Content-Type: application/json"};
  qg_http_request rq = {"POST", url, hdr, 1, json, strlen(json), NULL, NULL, NULL, NULL};
  qg_http_options ho = {0};
  ho.timeout_ms = 15000;
  ho.deadline_ms = deadline_ms;
  /* a post is not idempotent: one that Slack may have taken (a hang-up, a 5xx) is not
   * sent again, which would be a second message; only a 429 (not posted) is retried,
   * after its Retry-After (at most a minute, within the deadline), twice at most */
  ho.retries = -1;
  qg_http_response resp;
  memset(&resp, 0, sizeof(resp));
  qg_status st;
  for (int attempt = 0;; attempt++) {
    st = qg_http_perform(&rq, 1, &ho, &resp);
    if (st != QG_OK || resp.status != QG_OK || resp.code != 429 || attempt == 2)
      break;
    long wait = resp.retry_after_ms >= 0 ? resp.retry_after_ms : 1000;
    if (wait > 60000 || (deadline_ms && qg_http_now_ms() + wait >= deadline_ms))
      break;
    qg_http_response_cleanup(&resp);
    memset(&resp, 0, sizeof(resp));
    struct timespec ts = {wait / 1000, (wait % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
      ;
  }
  bool answered = st == QG_OK && resp.status == QG_OK && resp.code;
  char *said = answered ? slack_said(resp.body, resp.len, url) : NULL;
  bool refused_ok = said && said[0] == '\1'; /* a 2xx whose JSON says "ok": false */
  bool ok = answered && resp.code >= 200 && resp.code < 300 && !refused_ok;
  if (!ok && answered) {
    const char *text = said + refused_ok;
    const char *hint = !*text && resp.code == 404 ? ": no such webhook" : "";
    *why = qg_xasprintf("Slack refused the message (HTTP %ld%s)%s%s", resp.code,
                        refused_ok ? ", \"ok\": false" : hint, *text ? ": " : "", text);
  } else if (!ok) { /* resp.error names the URL, a secret: not in the message */
    *why = qg_xasprintf("Slack did not answer (%s)",
                        resp.deadline ? "the deadline was reached" : "no response");
  } else {
    *sent = approval ? QG_SLACK_APPROVAL : QG_SLACK_REJECTED;
  }
  free(said);
  qg_http_response_cleanup(&resp);
  free(json);
  return ok ? QG_OK : QG_ENET;
}
