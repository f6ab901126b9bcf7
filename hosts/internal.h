/* internal.h: what the hosts share (hosts/ and their tests only). */
#ifndef QG_HOST_INTERNAL_H
#define QG_HOST_INTERNAL_H

#include "core/mem.h"
#include "hosts/host.h"

/* ---- bodies (body.c) ------------------------------------------------------------------- */

/* The summary comment's body: the marker, then the Markdown report (with the
 * findings that could not be commented inline listed, capped to max_body
 * bytes with a note when cut). Caller frees. */
char *qg_host_summary_body(const qg_report *rep, const char *id, size_t max_body);
/* The summary's marker for comment id id, in out. */
void qg_host_summary_marker(const char *id, char out[QG_HOST_MARKER_MAX]);

/* The summary's body after a run in which the host refused some inline comments
 * (out->refused): qg_host_summary_body, then a list of those findings (severity, rule,
 * path:line, message, escaped) and what the host said, in max_body bytes. Without
 * refused comments, exactly qg_host_summary_body. Caller frees. (The summary's own
 * builder may fold the list into its sections; this is the interface: out->refused.) */
char *qg_host_summary_body_left(const qg_report *rep, const char *id, const qg_comment_outcome *out,
                                size_t max_body);

/* Adds f to out->refused. */
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
  long long num; /* GitHub: the comment's id */
  char *id;      /* GitLab: the discussion's id; owned */
  bool resolved; /* GitLab: its first note is resolved */
  bool active;   /* an active finding of this run has its fingerprint: kept */
  bool claimed;  /* GitHub: a finding on a shown line is commented by it */
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
