/* host.c: the table of hosts, the request's context and the options. */
#include "hosts/internal.h"
#include "scanners/secrets/secrets.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the table: one row a host (host.h says how to add one) ---------------------------- */

extern const qg_host qg_host_github; /* hosts/github.c */
extern const qg_host qg_host_gitlab; /* hosts/gitlab.c */

static const qg_host *const k_hosts[] = {
    &qg_host_github,
    &qg_host_gitlab,
};

const qg_host *qg_host_find(const char *name) {
  for (size_t i = 0; name && i < QG_ARRAY_LEN(k_hosts); i++)
    if (strcmp(k_hosts[i]->name, name) == 0)
      return k_hosts[i];
  return NULL;
}

char *qg_host_names(const char *sep, const char *last, const char *extra) {
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_puts(&b, "");
  size_t n = QG_ARRAY_LEN(k_hosts) + (extra ? 1 : 0);
  for (size_t i = 0; i < n; i++) {
    if (i)
      (void)qg_buf_puts(&b, i + 1 == n ? last : sep);
    (void)qg_buf_puts(&b, i < QG_ARRAY_LEN(k_hosts) ? k_hosts[i]->name : extra);
  }
  return qg_buf_detach(&b);
}

char *qg_ci_base_rev(const char **source) {
  *source = NULL;
  /* a job runs in one CI: the order of the table does not matter */
  for (size_t i = 0; i < QG_ARRAY_LEN(k_hosts); i++) {
    char *rev = k_hosts[i]->base_rev ? k_hosts[i]->base_rev(source) : NULL;
    if (rev)
      return rev;
  }
  *source = NULL;
  return NULL;
}

/* ---- the context ------------------------------------------------------------------------ */

const char *qg_host_env(const char *name) {
  const char *v = getenv(name);
  return v && *v ? v : NULL;
}

qg_status qg_host_usage(char **why, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  *why = qg_xvasprintf(fmt, ap);
  va_end(ap);
  return QG_EUSAGE;
}

qg_status qg_host_ctx_load(const qg_host *host, qg_host_ctx *out, char **why) {
  memset(out, 0, sizeof(*out));
  *why = NULL;
  out->host = host;
  qg_status st = host->load(out, why);
  if (st != QG_OK)
    qg_host_ctx_cleanup(out);
  return st;
}

const char *qg_host_repo_path(const char *p) {
  while (p && p[0] == '.' && p[1] == '/')
    p += 2;
  return p && *p && *p != '/' ? p : NULL;
}

void qg_host_ctx_cleanup(qg_host_ctx *c) {
  free(c->api_url);
  free(c->repo);
  free(c->head_sha);
  free(c->base_sha);
  if (c->token) /* not left in freed memory */
    memset(c->token, 0, strlen(c->token));
  free(c->token);
  memset(c, 0, sizeof(*c));
}

/* ---- a run ------------------------------------------------------------------------------ */

qg_comment_opts qg_host_opts(const qg_comment_opts *o) {
  qg_comment_opts r = o ? *o : (qg_comment_opts){0};
  if (!r.max_inline)
    r.max_inline = 30;
  if (!r.max_body)
    r.max_body = 60000;
  if (!r.timeout_ms)
    r.timeout_ms = 30000;
  if (!r.retries)
    r.retries = 3;
  if (!r.backoff_ms)
    r.backoff_ms = 1000;
  if (!qg_comment_id_valid(r.id))
    r.id = "qgate"; /* the CLI refuses an invalid id before it comes here */
  return r;
}

void qg_comment_outcome_cleanup(qg_comment_outcome *out) {
  free(out->error);
  out->error = NULL;
  free(out->refused);
  out->refused = NULL;
  out->nrefused = 0;
  free(out->refused_why);
  out->refused_why = NULL;
  free(out->verdict_refused);
  out->verdict_refused = NULL;
}

qg_comment_status qg_comment_outcome_status(const qg_comment_outcome *out, qg_status st) {
  if (out->read_only && !out->summary_created && !out->summary_updated && !out->inline_created)
    return QG_COMMENTS_SKIPPED;
  if (st != QG_OK || out->nrefused || out->verdict_refused || out->read_only)
    return QG_COMMENTS_INCOMPLETE;
  return QG_COMMENTS_COMPLETE;
}

const char *qg_comment_status_name(qg_comment_status s) {
  return s == QG_COMMENTS_COMPLETE     ? "complete"
         : s == QG_COMMENTS_INCOMPLETE ? "incomplete"
                                       : "skipped";
}

void qg_comment_refused_add(qg_comment_outcome *out, const qg_finding *f) {
  out->refused = qg_xrealloc(out->refused, (out->nrefused + 1) * sizeof(*out->refused));
  out->refused[out->nrefused++] = f;
}

/* The options a host's request runs with: qg_host_opts's defaults, and a redactor that
 * masks ctx's token in whatever the host says back (a new one in *own, to free with
 * qg_secrets_free, when opts has none: the token and the authorization shapes alone). */
static qg_comment_opts host_opts(const qg_host_ctx *ctx, const qg_comment_opts *opts,
                                 qg_secrets **own) {
  qg_comment_opts o = qg_host_opts(opts);
  if (!o.redactor) {
    qg_ruleset none = {0};
    qg_result tmp;
    qg_result_init(&tmp);
    (void)qg_secrets_new(&none, NULL, &tmp, own);
    qg_result_cleanup(&tmp);
    o.redactor = *own;
  }
  if (ctx->token)
    qg_secrets_add_known(o.redactor, ctx->token, strlen(ctx->token));
  return o;
}

qg_status qg_host_comment(const qg_host_ctx *ctx, const qg_report *rep, const qg_change *change,
                          const qg_comment_opts *opts, qg_comment_outcome *out) {
  memset(out, 0, sizeof(*out));
  if (!ctx || !ctx->host) {
    out->error = qg_xstrdup("no pull or merge request context");
    return QG_EUSAGE;
  }
  qg_secrets *own = NULL;
  qg_comment_opts o = host_opts(ctx, opts, &own);
  qg_status st = ctx->host->comment(ctx, rep, change, &o, out);
  qg_secrets_free(&own);
  return st;
}

qg_status qg_host_reviewed_head(const qg_host_ctx *ctx, const qg_comment_opts *opts, char out[65],
                                char **error) {
  out[0] = '\0';
  *error = NULL;
  if (!ctx || !ctx->host || !ctx->host->reviewed_head) {
    *error = qg_xstrdup("no pull or merge request context");
    return QG_EUSAGE;
  }
  qg_secrets *own = NULL;
  qg_comment_opts o = host_opts(ctx, opts, &own);
  qg_status st = ctx->host->reviewed_head(ctx, &o, out, error);
  qg_secrets_free(&own);
  return st;
}
