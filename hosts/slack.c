/* slack.c: the --notify slack message. */
#include "hosts/slack.h"
#include "core/escape.h"
#include "core/http.h"
#include "core/mem.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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
  qg_http_response resp;
  memset(&resp, 0, sizeof(resp));
  qg_status st = qg_http_perform(&rq, 1, &ho, &resp);
  bool ok = st == QG_OK && resp.status == QG_OK && resp.code >= 200 && resp.code < 300;
  if (!ok) /* the webhook URL is a secret: not in the message */
    *why = qg_xasprintf("the webhook refused the message (%s)",
                        resp.code ? (resp.code == 404   ? "HTTP 404: no such webhook"
                                     : resp.code == 403 ? "HTTP 403"
                                                        : "HTTP error")
                                  : "no answer");
  else
    *sent = approval ? QG_SLACK_APPROVAL : QG_SLACK_REJECTED;
  qg_http_response_cleanup(&resp);
  free(json);
  return ok ? QG_OK : QG_ENET;
}
