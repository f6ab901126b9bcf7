/* slack.h: the Slack notification of --notify slack. The design documents'
 * security gate asks for a human's approval when there are more high
 * findings than the policy allows; a rejected change is announced too.
 * Library code: nothing is printed; the webhook URL (a secret) appears in no
 * text. */
#ifndef QG_SLACK_H
#define QG_SLACK_H

#include "core/qg.h"
#include "reporters/reporter.h"
#include "scoring/score.h"

typedef enum qg_slack_sent {
  QG_SLACK_NOT_NEEDED = 0, /* neither approval nor rejection: nothing sent */
  QG_SLACK_APPROVAL,       /* "security approval needed" posted */
  QG_SLACK_REJECTED,       /* "gate rejected" posted */
} qg_slack_sent;

/* Posts to the webhook in SLACK_WEBHOOK_URL (channel: SLACK_CHANNEL) when
 * rep has more high findings than policy's high limit, or its score rejects;
 * every request done by deadline_ms (qg_http_now_ms's clock). The text's
 * untrusted parts (repository, branch, merge request) have '&', '<' and '>' as
 * Slack's entities. The post is sent again only after a 429 (Slack did not take
 * it), never after a hang-up or a 5xx (a second message). QG_OK with *sent;
 * else QG_EUSAGE (no webhook) or QG_ENET (Slack refused it: a non-2xx answer, or
 * JSON with "ok": false; or no answer) with *why, caller frees: what Slack said
 * (its plain-text error such as "channel_is_archived", or the JSON's "error"),
 * control characters as spaces, the webhook URL masked, cut at a word's end
 * after 200 bytes; still to be redacted by the caller. */
qg_status qg_slack_notify(const qg_score_policy *policy, const qg_report *rep,
                          long long deadline_ms, qg_slack_sent *sent, char **why);

#endif
