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

#endif
