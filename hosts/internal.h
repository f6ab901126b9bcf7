/* internal.h: what host.c shares with github.c and gitlab.c. */
#ifndef QG_HOST_INTERNAL_H
#define QG_HOST_INTERNAL_H

#include "core/mem.h"
#include "hosts/host.h"

qg_status qg_github_ctx_load(qg_host_ctx *out, char *err, size_t errsz);
qg_status qg_gitlab_ctx_load(qg_host_ctx *out, char *err, size_t errsz);
qg_status qg_github_comment(const qg_host_ctx *ctx, const qg_report *rep, const qg_change *change,
                            const qg_comment_opts *opts, qg_comment_outcome *out);
qg_status qg_gitlab_comment(const qg_host_ctx *ctx, const qg_report *rep, const qg_change *change,
                            const qg_comment_opts *opts, qg_comment_outcome *out);

/* The summary comment's body: the marker, then the Markdown report (with the
 * findings that could not be commented inline listed, capped to max_body
 * bytes with a note when cut). Caller frees. */
char *qg_host_summary_body(const qg_report *rep, size_t max_body);

/* Writes a failure's text into out[0..size): what qg_redact masks masked (red: the
 * run's redactor, the token known to it; before any cut, so no piece of a secret is
 * left at the end), control characters as spaces, cut so that no character is split. */
void qg_host_error_text(struct qg_secrets *red, const char *text, char *out, size_t size);

/* The options with their defaults filled in. */
qg_comment_opts qg_host_opts(const qg_comment_opts *o);

/* A finding's marker: QG_HOST_FINDING_MARKER + 16 hex digits + " -->". */
void qg_host_finding_marker(const qg_finding *f, char out[48]);
/* The fingerprint in a comment body's marker, or false. out: 17 bytes. */
bool qg_host_find_marker(const char *body, char out[17]);

/* GitHub's answers, parsed as qg_github_comment and qg_github_event_load parse them,
 * without a request: exposed for the fuzz harness (fuzz/fuzz_hosts.c) and tests.
 *
 * qg_github_event_parse: the pull request of an event payload (len bytes, not
 * NUL-terminated): out->number, head_sha and base_sha (owned by out) on QG_OK; QG_EUSAGE
 * with err[] naming the field otherwise, out untouched. */
qg_status qg_github_event_parse(const char *data, size_t len, qg_host_ctx *out, char *err,
                                size_t errsz);
/* The text qgate reports for an error body: its "message" and "errors", capped, control
 * characters made spaces. Caller frees; "" when the body says nothing usable. */
char *qg_github_error_text(const char *body, size_t len);
/* One page of a comment list: the number of items, or -1 when it is not a JSON array;
 * *summary_id: the first comment with the summary marker (0: none); *nknown: qgate's
 * inline comments (a finding marker, not a reply). */
int qg_github_page_read(const char *body, size_t len, long long *summary_id, size_t *nknown);

/* The same for GitLab. qg_gitlab_error_text: what a failed request's body says
 * (reply_message), uncapped; caller frees. qg_gitlab_error_put: how a failure's text
 * is recorded in a buffer of cap bytes (cap >= 1): every copy of token (when it has 8
 * bytes or more) masked, control characters made spaces, then cut so that it ends
 * neither inside a UTF-8 sequence nor inside an escape; text is modified.
 * qg_gitlab_refs_read: whether a merge request's answer has usable diff_refs.
 * qg_gitlab_page_read: one page of notes (*summary_id: the summary's, 0 when none) or of
 * discussions (*nthreads: qgate's), as qg_github_page_read. */
char *qg_gitlab_error_text(const char *body, size_t len);
void qg_gitlab_error_put(char *dst, size_t cap, char *text, const char *token);
bool qg_gitlab_refs_read(const char *body, size_t len);
int qg_gitlab_page_read(const char *body, size_t len, bool discussions, long long *summary_id,
                        size_t *nthreads);

#endif
