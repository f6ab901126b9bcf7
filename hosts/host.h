/* host.h: pull and merge request comments on the CI hosts (GitHub, GitLab).
 *
 * Adding a CI host: write hosts/NAME.c that defines `const qg_host qg_host_NAME` (its
 * name for --comment, its context loader from the CI's environment, its comment
 * operation with the verdict it gives, its base detector when the CI names the
 * change's base, and its lookup of the last reviewed head in its own summary),
 * making its requests with hosts/rest.h (one call, pages, the first error, scrubbing,
 * commit ids) and its bodies with qg_host_finding_body and qg_host_summary_body (hosts/internal.h); then add one row, with its extern line, to
 * k_hosts in hosts/host.c. --comment, its error text and the default --base read the
 * table: no other code file changes (the --comment help line in cli/ names the hosts).
 * Its tests: tests/unit_NAME.c against tests/mockhttp.c, fixtures/comment/NAME-*.case.
 *
 * One summary comment (the score, and every finding without an inline comment, by
 * severity: qg_host_summary_body) identified by a hidden marker, updated in place and
 * sent after the inline comments; inline comments on the lines the request changed, each
 * with a hidden fingerprint so a re-run neither repeats a comment nor leaves
 * a stale one (the thread of a comment whose finding is gone is resolved, on
 * both hosts, unless someone replied in it); findings on unchanged lines go to
 * the summary only. Every marker carries the job's comment id, and only
 * qgate's own comments (its id, the token's user as author) are touched. Text from the repository or a model is escaped so that it
 * cannot mention anyone, inject HTML or break the Markdown around it.
 * Nothing here prints; the token never appears in any error text, nor any
 * secret a host's reply quotes (qg_redact, then qg_rest_scrub). Errors follow the
 * project's convention: a qg_status, and the words in an owned heap string. */
#ifndef QG_HOST_H
#define QG_HOST_H

#include "core/qg.h"
#include "reporters/reporter.h"
#include "core/diff.h"

#include <stdbool.h>
#include <stddef.h>

struct qg_host;

/* Where the request lives. Strings owned (qg_host_ctx_cleanup). */
typedef struct qg_host_ctx {
  const struct qg_host *host; /* its row of the table (static) */
  char *api_url;              /* GITHUB_API_URL (default https://api.github.com) or CI_API_V4_URL;
                           no trailing '/' */
  char *repo;                 /* GitHub: GITHUB_REPOSITORY "owner/name"; GitLab: CI_PROJECT_ID */
  unsigned long number;       /* GitHub: pull_request.number from GITHUB_EVENT_PATH; GitLab:
                           CI_MERGE_REQUEST_IID */
  char *head_sha;             /* GitHub: pull_request.head.sha; GitLab:
                           CI_MERGE_REQUEST_SOURCE_BRANCH_SHA (merged results pipelines),
                           else CI_COMMIT_SHA (then the merge request's diff_refs.head_sha) */
  char *base_sha;             /* GitHub: pull_request.base.sha; GitLab:
                           CI_MERGE_REQUEST_DIFF_BASE_SHA (then diff_refs.base_sha) */
  char *token;                /* GITHUB_TOKEN / GITLAB_TOKEN: never printed */
} qg_host_ctx;

typedef enum qg_verdict_mode {
  QG_VERDICT_OFF = 0, /* no review verdict (the default: many teams forbid bot approvals) */
  QG_VERDICT_ON,      /* approve at the approve threshold, comment at review, request
                         changes below (GitHub reviews; GitLab approves or unapproves) */
} qg_verdict_mode;

/* A comment id (qg_comment_opts.id, --comment-id, comment.id): 1 to QG_COMMENT_ID_MAX
 * characters, letters, digits, '.', '_' and '-', the first a letter or a digit. */
#define QG_COMMENT_ID_MAX 64
bool qg_comment_id_valid(const char *id);

typedef struct qg_comment_opts {
  qg_verdict_mode verdict;
  const char *id;        /* borrowed: the comment id inside every marker, so that several
                           qgate jobs keep their own comments on one request
                           (qg_comment_id_valid); NULL: "qgate" */
  unsigned max_inline;   /* new inline comments per run; 0: 30 (GitHub's limits) */
  size_t max_body;       /* bytes of one comment body; 0: 60000 (GitHub allows 65536) */
  long timeout_ms;       /* per request; 0: 30000 */
  int retries;           /* 0: 3; -1: none */
  long backoff_ms;       /* 0: 1000 */
  long long deadline_ms; /* a qg_http_now_ms() time after which no request is made (a
                            running one is cut, a wait past it is not taken); 0: none */
  /* The clock of the waits between attempts, for tests: NULL sleeps for real and reads
   * time(). wait(clock_ud, ms) is called for every wait (a rate limit's, a backoff's);
   * unix_now(clock_ud) is the Unix time in seconds that x-ratelimit-reset and
   * RateLimit-Reset are read against. */
  void (*wait)(void *clock_ud, long ms);
  long long (*unix_now)(void *clock_ud);
  void *clock_ud;
  struct qg_secrets *redactor; /* borrowed: what the hosts answer is redacted with it
                                  (qg_redact) before it is kept in an error text, the
                                  token added to its known values; NULL: a redactor
                                  of the token and the authorization shapes alone */
  /* review.incremental. reviewed_head (borrowed): the request's head whose architecture
   * review completed this run (40 or 64 lowercase hex digits), recorded in the summary's
   * marker for the next run; NULL: the head the summary held is kept. arch_scoped: the
   * review looked only at arch_paths (borrowed, repository paths: the files changed
   * since the last reviewed head); qgate's arch/violation and arch/unconfirmed comments
   * on any other file are kept as they are (their findings were not looked for). */
  const char *reviewed_head;
  bool arch_scoped;
  const char *const *arch_paths;
  size_t narch_paths;
} qg_comment_opts;

/* The default budget of every host call of one run (--host-deadline). */
#define QG_HOST_DEADLINE_MS 120000L

typedef struct qg_comment_outcome {
  bool summary_created, summary_updated;
  size_t inline_created; /* new inline comments */
  size_t inline_kept;    /* already there for the same finding */
  size_t inline_removed; /* stale: their threads resolved */
  size_t to_summary;     /* findings only in the summary: on lines the request did not
                              change, or whose inline comment the host refused */
  size_t over_cap;       /* inline comments not posted: over max_inline */
  const char *verdict;   /* "APPROVE", "COMMENT", "REQUEST_CHANGES", "approve",
                              "unapprove" or NULL when none was given; static */
  bool read_only;        /* the token may not write to the request (a 403 on a write
                              that is no rate limit: a fork's read-only token): no further
                              write was tried */
  /* The findings whose inline comment the host refused (GitHub's 422 "Line could not be
   * resolved", GitLab's 400 on a discussion's position), in the report's order: the rest
   * of the comments were posted without them, and the summary (sent after them) lists
   * them, QG_HOST_LEFT_REFUSED. Borrowed from the report; the array is owned. */
  const qg_finding **refused;
  size_t nrefused;
  char *refused_why;     /* what the host said about the first refused comment
                              (scrubbed), or NULL; owned */
  char *verdict_refused; /* the host refused the verdict (GitHub: a review of the token's
                              own pull request, or Actions may not approve): what it said,
                              scrubbed; the comments went without it. NULL otherwise; owned */
  char *error;           /* the first failure, e.g. "GitHub: HTTP 403 on POST
                              /repos/o/r/issues/7/comments: Resource not accessible by
                              integration" (scrubbed); NULL when none. Owned:
                              qg_comment_outcome_cleanup */
} qg_comment_outcome;

/* Frees out->error, refused, refused_why and verdict_refused. */
void qg_comment_outcome_cleanup(qg_comment_outcome *out);

/* What reached the pull/merge request (the `comments` output of the GitHub Action):
 * everything, part of it, or nothing because the token may not write. Exit statuses
 * never depend on it: comments are delivery, not the gate. */
typedef enum qg_comment_status {
  QG_COMMENTS_COMPLETE = 0, /* every comment, the summary and the verdict asked for */
  QG_COMMENTS_INCOMPLETE,   /* something was refused or failed (out->error, refused,
                               verdict_refused say what); the rest was posted */
  QG_COMMENTS_SKIPPED,      /* nothing was written: the token may not write (read_only) */
} qg_comment_status;

/* The status of a run that returned st with out. */
qg_comment_status qg_comment_outcome_status(const qg_comment_outcome *out, qg_status st);
/* "complete", "incomplete" or "skipped". Static. */
const char *qg_comment_status_name(qg_comment_status s);

/* A host: one row of the table (hosts/host.c). */
typedef struct qg_host {
  const char *name;  /* "github": --comment NAME */
  const char *title; /* "GitHub": error texts */
  /* The request's context from the CI's environment, into out (zeroed first; host set
   * by the caller). QG_EUSAGE, with *why (caller frees) naming the variable that is
   * missing or wrong (never its value), when it is not a pull/merge request pipeline
   * or the token is absent. */
  qg_status (*load)(qg_host_ctx *out, char **why);
  /* The revision the CI names as the change's base, or NULL (caller frees); *source
   * says where it came from (static). NULL: the host's CI names none. */
  char *(*base_rev)(const char **source);
  /* Posts the report (qg_host_comment); the verdict, when asked for, goes with it:
   * GitHub's review event, GitLab's approval. opts has its defaults filled in, its
   * redactor knows the token. */
  qg_status (*comment)(const qg_host_ctx *ctx, const qg_report *rep, const qg_change *change,
                       const qg_comment_opts *opts, qg_comment_outcome *out);
  /* qg_host_reviewed_head: the same lookup of the summary as comment makes. */
  qg_status (*reviewed_head)(const qg_host_ctx *ctx, const qg_comment_opts *opts, char out[65],
                             char **error);
} qg_host;

/* The host named name, or NULL. Static. */
const qg_host *qg_host_find(const char *name);
/* The hosts' names in table order joined by sep, the last two by last ("github, gitlab or
 * annotations" with extra "annotations"): help and error texts. Caller frees. */
char *qg_host_names(const char *sep, const char *last, const char *extra);

/* Reads host's context from the environment (host->load); on failure out holds
 * nothing and *why (caller frees) says what is missing. */
qg_status qg_host_ctx_load(const qg_host *host, qg_host_ctx *out, char **why);
void qg_host_ctx_cleanup(qg_host_ctx *c);
/* A finding's path as the hosts name files, relative to the repository's root: any
 * leading "./" dropped; NULL for NULL, an empty path or an absolute one. Borrowed. */
const char *qg_host_repo_path(const char *path);
/* The pull request of the GitHub Actions event alone (GITHUB_EVENT_PATH): number,
 * head_sha and base_sha, the rest NULL; no token needed (annotations). QG_EUSAGE, with
 * *why (caller frees) naming what is missing or wrong, when it is no pull request's
 * event. */
qg_status qg_github_event_load(qg_host_ctx *out, char **why);

/* The revision the CI names as the base of the change, for a default --base: the first
 * host of the table whose CI names one (GitLab merge request pipelines:
 * CI_MERGE_REQUEST_DIFF_BASE_SHA; GitHub Actions on a pull_request or
 * pull_request_target event: pull_request.base.sha of GITHUB_EVENT_PATH). A new string
 * (caller frees) or NULL; *source names where it came from (static). */
char *qg_ci_base_rev(const char **source);

/* Posts the report for ctx's request. rep: the run's report (findings with
 * fingerprints, the score when there is one); change: the request's change
 * (its hunks say which lines are commentable), or NULL (then every finding
 * goes to the summary). Returns QG_OK when every call succeeded, QG_ENET
 * (out->error says what) otherwise; what could be done is done. A comment or a
 * verdict the host refuses is no failure: the rest goes without it, and
 * out->refused / out->verdict_refused say what was left out (the summary lists
 * the refused findings). A POST is never repeated blindly (qg_rest_create), and
 * rate limits are waited by the host's rules within opts->deadline_ms. The
 * caller cleans out (qg_comment_outcome_cleanup). */
qg_status qg_host_comment(const qg_host_ctx *ctx, const qg_report *rep, const qg_change *change,
                          const qg_comment_opts *opts, qg_comment_outcome *out);

/* The last reviewed head recorded in qgate's own summary comment (the one comment
 * updates in place: its marker with opts->id, its author the token's own user; a
 * person's comment holding the marker is never read), into out (40 or 64 lowercase hex
 * digits, NUL-terminated; "" when there is none). QG_OK when the lookup completed,
 * QG_ENET otherwise with *error (caller frees; scrubbed) saying why. */
qg_status qg_host_reviewed_head(const qg_host_ctx *ctx, const qg_comment_opts *opts, char out[65],
                                char **error);

/* ---- shared by github.c and gitlab.c ------------------------------------------------- */

/* The hidden markers, each with the comment id ID (qg_comment_opts.id):
 *   "<!-- qgate:summary id=ID -->"              the summary comment
 *   "<!-- qgate:finding id=ID fp=FP -->"        an inline comment (FP: 16 hex digits)
 *   "<!-- qgate:review id=ID verdict=EVENT -->" a GitHub review that gave a verdict
 *   "<!-- qgate:reviewed-head id=ID sha=SHA -->" the summary's second line: the head whose
 *                                               architecture review completed (hex only)
 * qgate touches (edits, resolves, deletes) a comment only when its marker carries its
 * own id and its author is the token's own user. Markers without an id (qgate before
 * comment ids) belong to no job: they are left as they are. */
#define QG_HOST_SUMMARY_MARKER "<!-- qgate:summary id="
#define QG_HOST_FINDING_MARKER "<!-- qgate:finding id="
#define QG_HOST_REVIEW_MARKER "<!-- qgate:review id="
#define QG_HOST_HEAD_MARKER "<!-- qgate:reviewed-head id="
/* The longest marker, with its NUL. */
#define QG_HOST_MARKER_MAX 128

/* Appends text to b escaped for a Markdown comment body: '@' cannot start a
 * mention nor '#' or '!' before a digit a link to an issue, pull or merge
 * request (a zero-width joiner follows them), '<' '>' '&' become entities,
 * Markdown punctuation that could change structure is backslash-escaped,
 * newlines become spaces unless keep_lines. */
struct qg_buf;
void qg_host_escape(struct qg_buf *b, const char *text, bool keep_lines);

#endif
