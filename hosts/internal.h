/* internal.h: what the hosts share (hosts/ and their tests only). */
#ifndef QG_HOST_INTERNAL_H
#define QG_HOST_INTERNAL_H

#include "core/mem.h"
#include "hosts/host.h"

/* ---- bodies (body.c) ------------------------------------------------------------------- */

/* ---- the summary comment (body.c) ----------------------------------------------------------
 *
 * Every active finding is on the request: in an inline comment, or in the summary's list of
 * the findings without one. A host fills a qg_host_lefts while it places the inline comments
 * (one entry per active finding that ends without its own comment, with the reason), then
 * builds the summary from it, after the inline comments: a comment the host refused is
 * known by then. A step that learns later that a comment was refused (a retry without
 * it) adds the finding with QG_HOST_LEFT_REFUSED before the summary is built: on GitHub
 * to gh.left (post_inline; review_text reads it, so a review text built after the
 * additions stays true), on GitLab to the list comment() hands to post_summary. */

typedef enum qg_host_left_why {
  QG_HOST_LEFT_OUTSIDE,   /* on no line the request's diff shows, or the diff is unknown (no
                             change read; GitLab has not computed it yet) */
  QG_HOST_LEFT_OVER_CAP,  /* a new comment over max_inline */
  QG_HOST_LEFT_REFUSED,   /* its comment was sent and the host refused it (HTTP 4xx) */
  QG_HOST_LEFT_FAILED,    /* not posted: its request, or the listing it needs, failed */
  QG_HOST_LEFT_DUPLICATE, /* another finding with its fingerprint holds the comment */
  QG_HOST_LEFT__COUNT
} qg_host_left_why;

/* "outside the diff", "over the inline cap", ...: static. */
const char *qg_host_left_name(qg_host_left_why why);

typedef struct qg_host_left {
  const qg_finding *f; /* borrowed: a finding of the report's result */
  qg_host_left_why why;
} qg_host_left;

typedef struct qg_host_lefts {
  qg_host_left *items; /* owned; in the order added */
  size_t n, cap;
} qg_host_lefts;

/* Adds f with its reason (f is not copied: the report outlives the list). */
void qg_host_left_add(qg_host_lefts *l, const qg_finding *f, qg_host_left_why why);
void qg_host_lefts_free(qg_host_lefts *l);

/* What the summary is built from; strings borrowed. */
typedef struct qg_host_summary {
  const qg_report *rep;
  const char *id;            /* the comment id in its marker (qg_comment_opts.id) */
  const qg_host_lefts *left; /* the findings without an inline comment; NULL: none */
  const char *host;          /* "GitHub": "over GitHub's comment size limit" */
  const char *file_url;      /* a file at the request's head is file_url + its path
                                (percent-encoded) + "#L" + line, e.g.
                                "https://github.com/o/r/blob/SHA/"; NULL: no links */
  const char *report_url;    /* where the job's full report is (the workflow run, the
                                job), or NULL: "the job's artifacts" unlinked */
  const char *report_what;   /* its link text: "the workflow run", "the job" */
  const char *report_also;   /* where else it is ("in code scanning where ..."), or NULL */
  size_t max_body;           /* bytes of the whole body */
  const char *reviewed_head; /* its reviewed-head marker's commit (qg_comment_opts), or NULL */
} qg_host_summary;

/* What the summary holds of the list (qg_host_summary_body). */
typedef struct qg_host_summary_fit {
  size_t listed;                          /* entries in the <details> block */
  size_t not_shown;                       /* entries that did not fit: counted, not listed */
  size_t listed_why[QG_HOST_LEFT__COUNT]; /* listed, by reason */
} qg_host_summary_fit;

/* The summary comment's body, at most s->max_body bytes: the marker; the Markdown
 * report's head (score and review, qg_report_markdown_head); "### N findings", how many
 * have an inline comment, and a <details> block listing each finding of s->left, highest
 * severity first, then by path, line, column and rule: "**SEVERITY** `rule` [`path:line`](
 * link): message", with its reason when the list holds more than one kind; then, when
 * entries did not fit, "N more not shown here", and where the full report is
 * (s->report_url or the job's artifacts, then s->report_also). Paths are the result's
 * (redacted by the pipeline), shown as code spans; messages Markdown-escaped; nothing
 * can mention anyone. *fit (may be NULL) says how much of the list was shown. Caller
 * frees. */
char *qg_host_summary_body(const qg_host_summary *s, qg_host_summary_fit *fit);
/* The summary's marker for comment id id, in out. */
void qg_host_summary_marker(const char *id, char out[QG_HOST_MARKER_MAX]);
/* The reviewed head of a summary body of comment id id: its reviewed-head marker on the
 * line right after the summary marker that opens the body, 40 or 64 lowercase hex digits,
 * into out; false when there is none. */
bool qg_host_read_reviewed_head(const char *body, const char *id, char out[65]);
/* Whether qgate's comment body on path is an architecture finding on a file the review
 * did not look at this run (o->arch_scoped): kept as it is, never taken for stale. */
bool qg_host_unreviewed(const qg_comment_opts *o, const char *path, const char *body);

/* Adds f to out->refused (a host adds it to its qg_host_lefts as QG_HOST_LEFT_REFUSED too:
 * the outcome tells the caller, the list tells the summary). */
void qg_comment_refused_add(qg_comment_outcome *out, const qg_finding *f);

/* A finding's comment: "**SEVERITY** `rule`: message", the remediation, the marker,
 * then extra (Markdown the host adds, e.g. GitHub's suggestion; NULL: none), in at
 * most max bytes: extra goes first, then the remediation, then the message is cut at
 * a word's end (" …"; a single word cut where no character or escape breaks, "…").
 * Caller frees. */
char *qg_host_finding_body(const qg_finding *f, const char *id, const char *extra, size_t max);

/* A finding's marker: QG_HOST_FINDING_MARKER + id + " fp=" + 16 hex digits + " -->". */
void qg_host_finding_marker(const qg_finding *f, const char *id, char out[QG_HOST_MARKER_MAX]);
/* The fingerprint in the first marker of comment id id in a comment body, or false
 * (a marker of another id, or without one, is not read). out: 17 bytes. */
bool qg_host_find_marker(const char *body, const char *id, char out[17]);

/* The next active finding of res (neither suppressed nor in the base) from *at on, its
 * fingerprint in fp; *at moves past it. NULL at the end (res may be NULL). */
const qg_finding *qg_host_next_active(const qg_result *res, size_t *at, char fp[17]);

/* One of qgate's inline comments (GitHub) or discussions (GitLab) found on the request,
 * by the fingerprint in its marker. */
typedef struct qg_host_thread {
  char fp[17];
  long long num;   /* GitHub: the comment's id */
  char *id;        /* GitLab: the discussion's id; owned */
  bool resolved;   /* GitLab: its first note is resolved */
  bool active;     /* an active finding of this run has its fingerprint: kept */
  bool claimed;    /* GitHub: a finding on a shown line is commented by it */
  bool unreviewed; /* an arch finding's, on a file the review did not look at this run
                      (qg_host_unreviewed): kept */
  /* identity and lifecycle */
  char *author;               /* GitHub: the first comment's user.login; owned */
  bool bot;                   /* GitHub: its user.type is "Bot" */
  long long author_id;        /* GitLab: the first note's author.id */
  long long resolver;         /* GitLab: resolved_by.id of the first note (0: none known) */
  bool replied;               /* someone else than the author answered in the thread: a
                          person's thread now, never resolved nor deleted */
  bool outdated;              /* a push moved it off the current diff (GitHub: line null;
                          GitLab: its position is not on the current diff version) */
  long long line, start_line; /* GitHub: where it is now (0: null) */
  char *path;                 /* GitLab: position.new_path; owned */
} qg_host_thread;

typedef struct qg_host_threads {
  qg_host_thread *items; /* owned */
  size_t n, cap;
} qg_host_threads;

/* A new thread for fingerprint fp at the end of t, the rest zero. Borrowed from t, valid
 * until the next add. */
qg_host_thread *qg_host_threads_add(qg_host_threads *t, const char *fp);
void qg_host_threads_free(qg_host_threads *t);
/* body (len bytes) parsed when it is a JSON array, else NULL; cJSON_Delete it. */
struct cJSON *qg_host_parse_array(const char *body, size_t len);
/* Keeps the threads of t for which keep says true, in order; frees the others. */
void qg_host_threads_keep(qg_host_threads *t, bool (*keep)(void *ud, const qg_host_thread *th),
                          void *ud);

/* ---- context (host.c) ------------------------------------------------------------------ */

/* The options with their defaults filled in. */
qg_comment_opts qg_host_opts(const qg_comment_opts *o);
/* The environment variable name, or NULL when unset or empty. Borrowed. */
const char *qg_host_env(const char *name);
/* *why = the formatted text; returns QG_EUSAGE. */
qg_status qg_host_usage(char **why, const char *fmt, ...) QG_PRINTF(2, 3);

/* ---- the answers' parsers alone -------------------------------------------------------- */

/* GitHub's answers, parsed as the GitHub host parses them, without a request: exposed
 * for the fuzz harness (fuzz/fuzz_hosts.c) and tests.
 *
 * qg_github_event_parse: the pull request of an event payload (len bytes, not
 * NUL-terminated): out->number, head_sha and base_sha (owned by out) on QG_OK; QG_EUSAGE
 * with *why (caller frees) naming the field otherwise, out untouched. */
qg_status qg_github_event_parse(const char *data, size_t len, qg_host_ctx *out, char **why);
/* The text qgate reports for an error body: its "message" and "errors", capped, control
 * characters made spaces. Caller frees; "" when the body says nothing usable. */
char *qg_github_error_text(const char *body, size_t len);
/* One page of a comment list: the number of items, or -1 when it is not a JSON array;
 * *summary_id: the first comment with the summary marker (0: none); *nknown: qgate's
 * inline comments (a finding marker, not a reply); the markers of the comment id "qgate",
 * authors not checked (that needs a request). */
int qg_github_page_read(const char *body, size_t len, long long *summary_id, size_t *nknown);

/* The same for GitLab. qg_gitlab_error_text: what a failed request's body says
 * (reply_message), uncapped; caller frees. qg_gitlab_error_put: a failure's text as it
 * is kept, in a buffer of cap bytes (cap >= 1): qg_rest_scrub without a redactor
 * (every copy of token of QG_REST_SCRUB_MIN bytes or more masked, control characters
 * made spaces, cut so that it ends neither inside a UTF-8 sequence nor inside an
 * escape); text is not modified.
 * qg_gitlab_refs_read: whether a merge request's answer has usable diff_refs.
 * qg_gitlab_page_read: one page of notes (*summary_id: the summary's, 0 when none) or of
 * discussions (*nthreads: qgate's), as qg_github_page_read. */
char *qg_gitlab_error_text(const char *body, size_t len);
void qg_gitlab_error_put(char *dst, size_t cap, char *text, const char *token);
bool qg_gitlab_refs_read(const char *body, size_t len);
int qg_gitlab_page_read(const char *body, size_t len, bool discussions, long long *summary_id,
                        size_t *nthreads);

#endif
