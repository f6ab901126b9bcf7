/* host.h: pull and merge request comments on GitHub and GitLab.
 *
 * One summary comment (the Markdown report) identified by a hidden marker and
 * updated in place; inline comments on the lines the request changed, each
 * with a hidden fingerprint so a re-run neither repeats a comment nor leaves
 * a stale one (a comment whose finding is gone is removed on GitHub, its
 * discussion resolved on GitLab); findings on unchanged lines go to the
 * summary only. Text from the repository or a model is escaped so that it
 * cannot mention anyone, inject HTML or break the Markdown around it.
 * Nothing here prints; the token never appears in any error text, nor any
 * secret a host's reply quotes (qg_redact). */
#ifndef QG_HOST_H
#define QG_HOST_H

#include "core/qg.h"
#include "reporters/reporter.h"
#include "core/diff.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum qg_host_kind { QG_HOST_GITHUB = 1, QG_HOST_GITLAB } qg_host_kind;

/* Where the request lives. Strings owned (qg_host_ctx_cleanup). */
typedef struct qg_host_ctx {
  qg_host_kind kind;
  char *api_url;        /* GITHUB_API_URL (default https://api.github.com) or CI_API_V4_URL;
                           no trailing '/' */
  char *repo;           /* GitHub: GITHUB_REPOSITORY "owner/name"; GitLab: CI_PROJECT_ID */
  unsigned long number; /* GitHub: pull_request.number from GITHUB_EVENT_PATH; GitLab:
                           CI_MERGE_REQUEST_IID */
  char *head_sha;       /* GitHub: pull_request.head.sha; GitLab:
                           CI_MERGE_REQUEST_SOURCE_BRANCH_SHA (merged results pipelines),
                           else CI_COMMIT_SHA (then the merge request's diff_refs.head_sha) */
  char *base_sha;       /* GitHub: pull_request.base.sha; GitLab:
                           CI_MERGE_REQUEST_DIFF_BASE_SHA (then diff_refs.base_sha) */
  char *token;          /* GITHUB_TOKEN / GITLAB_TOKEN: never printed */
} qg_host_ctx;

/* Reads the context from the environment. QG_EUSAGE, with err[] naming the
 * variable that is missing or wrong (never its value), when it is not a
 * pull/merge request pipeline or the token is absent. */
qg_status qg_host_ctx_load(qg_host_kind kind, qg_host_ctx *out, char *err, size_t errsz);
void qg_host_ctx_cleanup(qg_host_ctx *c);
/* A finding's path as the hosts name files, relative to the repository's root: any
 * leading "./" dropped; NULL for NULL, an empty path or an absolute one. Borrowed. */
const char *qg_host_repo_path(const char *path);
/* The pull request of the GitHub Actions event alone (GITHUB_EVENT_PATH): number,
 * head_sha and base_sha, the rest NULL; no token needed (annotations). QG_EUSAGE,
 * with err[] naming what is missing or wrong, when it is no pull request's event. */
qg_status qg_github_event_load(qg_host_ctx *out, char *err, size_t errsz);

typedef enum qg_verdict_mode {
  QG_VERDICT_OFF = 0, /* no review verdict (the default: many teams forbid bot approvals) */
  QG_VERDICT_ON,      /* approve at the approve threshold, comment at review, request
                         changes below (GitHub reviews; GitLab approves or unapproves) */
} qg_verdict_mode;

typedef struct qg_comment_opts {
  qg_verdict_mode verdict;
  unsigned max_inline;  /* new inline comments per run; 0: 30 (GitHub's limits) */
  size_t max_body;      /* bytes of one comment body; 0: 60000 (GitHub allows 65536) */
  long timeout_ms;      /* per request; 0: 30000 */
  int retries;          /* 0: 3; -1: none */
  long backoff_ms;      /* 0: 1000 */
  long long deadline_ms; /* a qg_http_now_ms() time after which no request is made (a
                            running one is cut, a wait past it is not taken); 0: none */
  struct qg_secrets *redactor; /* borrowed: what the hosts answer is redacted with it
                                  (qg_redact) before it is kept in an error text, the
                                  token added to its known values; NULL: a redactor
                                  of the token and the authorization shapes alone */
} qg_comment_opts;

/* The default budget of every host call of one run (--host-deadline). */
#define QG_HOST_DEADLINE_MS 120000L

typedef struct qg_comment_outcome {
  bool summary_created, summary_updated;
  size_t inline_created;   /* new inline comments */
  size_t inline_kept;      /* already there for the same finding */
  size_t inline_removed;   /* stale: deleted (GitHub) or resolved (GitLab) */
  size_t to_summary;       /* findings only in the summary: on lines the request did not
                              change, or whose inline comment the host refused */
  size_t over_cap;         /* inline comments not posted: over max_inline */
  const char *verdict;     /* "APPROVE", "COMMENT", "REQUEST_CHANGES", "approve",
                              "unapprove" or NULL when none was given; static */
  char error[512];         /* the first failure, e.g. "GitHub: HTTP 403 on POST
                              /repos/o/r/issues/7/comments: Resource not accessible by
                              integration"; "" when none */
} qg_comment_outcome;

/* Posts the report for ctx's request. rep: the run's report (findings with
 * fingerprints, the score when there is one); change: the request's change
 * (its hunks say which lines are commentable), or NULL (then every finding
 * goes to the summary). Returns QG_OK when every call succeeded, QG_ENET
 * (out->error says what) otherwise; what could be done is done. */
qg_status qg_host_comment(const qg_host_ctx *ctx, const qg_report *rep, const qg_change *change,
                          const qg_comment_opts *opts, qg_comment_outcome *out);

/* ---- shared by github.c and gitlab.c ------------------------------------------------- */

/* The hidden markers. */
#define QG_HOST_SUMMARY_MARKER "<!-- qgate:summary -->"
/* "<!-- qgate:finding FINGERPRINT -->" where FINGERPRINT is 16 hex digits. */
#define QG_HOST_FINDING_MARKER "<!-- qgate:finding "

/* Appends text to b escaped for a Markdown comment body: '@' cannot start a
 * mention nor '#' or '!' before a digit a link to an issue, pull or merge
 * request (a zero-width joiner follows them), '<' '>' '&' become entities,
 * Markdown punctuation that could change structure is backslash-escaped,
 * newlines become spaces unless keep_lines. */
struct qg_buf;
void qg_host_escape(struct qg_buf *b, const char *text, bool keep_lines);

#endif
