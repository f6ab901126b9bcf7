/* host.c: the pull/merge request context, escaping and the summary body. */
#include "hosts/internal.h"
#include "core/escape.h"
#include "scanners/secrets/secrets.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

qg_status qg_host_ctx_load(qg_host_kind kind, qg_host_ctx *out, char *err, size_t errsz) {
  memset(out, 0, sizeof(*out));
  out->kind = kind;
  qg_status st = kind == QG_HOST_GITHUB ? qg_github_ctx_load(out, err, errsz)
                                        : qg_gitlab_ctx_load(out, err, errsz);
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

qg_status qg_host_comment(const qg_host_ctx *ctx, const qg_report *rep, const qg_change *change,
                          const qg_comment_opts *opts, qg_comment_outcome *out) {
  memset(out, 0, sizeof(*out));
  qg_comment_opts o = opts ? *opts : (qg_comment_opts){0};
  qg_secrets *own = NULL;
  qg_ruleset none = {0}; /* no rule: the token and the authorization shapes alone */
  if (!o.redactor) {
    qg_result tmp;
    qg_result_init(&tmp);
    (void)qg_secrets_new(&none, NULL, &tmp, &own);
    qg_result_cleanup(&tmp);
    o.redactor = own;
  }
  if (ctx->token)
    qg_secrets_add_known(o.redactor, ctx->token, strlen(ctx->token));
  qg_status st = ctx->kind == QG_HOST_GITHUB ? qg_github_comment(ctx, rep, change, &o, out)
                                             : qg_gitlab_comment(ctx, rep, change, &o, out);
  qg_secrets_free(&own);
  return st;
}

void qg_host_error_text(qg_secrets *red, const char *text, char *out, size_t size) {
  if (!size)
    return;
  char *e = qg_redact(red, text, strlen(text), NULL, NULL, NULL);
  size_t n = 0;
  for (char *p = e; *p; p++, n++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = ' ';
  if (n >= size) {
    n = size - 1;
    while (n > 0 && ((unsigned char)e[n] & 0xC0) == 0x80)
      n--;
  }
  memcpy(out, e, n);
  out[n] = '\0';
  free(e);
}

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
  return r;
}

void qg_host_escape(qg_buf *b, const char *text, bool keep_lines) {
  qg_md_escape(b, text, keep_lines ? QG_MD_KEEP_LINES : 0);
}

/* The length of the run of backticks at s (at most end). */
static size_t tick_run(const char *s, const char *end) {
  size_t n = 0;
  while (s + n < end && s[n] == '`')
    n++;
  return n;
}

/* Markdown text with '@' followed by a name character, and '#' or '!'
 * followed by a digit, given a zero-width joiner, outside code spans (where
 * nothing is a mention and a path such as node_modules/@scope/pkg must stay as
 * written): the Markdown reporter escapes Markdown, but repository text in it
 * could still mention a person or a team (or @all on GitLab), or link and
 * notify an issue, pull request (#N) or merge request (!N). Caller frees;
 * *outlen set. */
static char *defuse_mentions(const char *md, size_t len, size_t *outlen) {
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_append(&b, "", 0);
  const char *end = md + len;
  for (size_t i = 0; i < len; i++) {
    char c = md[i];
    if (c == '`') {
      /* a code span, as CommonMark reads one: a run of N backticks up to the next run
       * of exactly N on the line (qg_md_code writes paths so); without one the
       * backticks are literal */
      size_t n = tick_run(md + i, end), j = i + n;
      while (j < len && md[j] != '\n') {
        size_t m = tick_run(md + j, end);
        if (m == n)
          break;
        j += m ? m : 1;
      }
      if (j < len && md[j] == '`') {
        (void)qg_buf_append(&b, md + i, j + n - i);
        i = j + n - 1;
      } else {
        (void)qg_buf_append(&b, md + i, n);
        i += n - 1;
      }
      continue;
    }
    (void)qg_buf_putc(&b, c);
    if (c == '\\' && i + 1 < len) {
      /* an escaped character is never a delimiter; "\\@name" renders as "@name" */
      c = md[++i];
      (void)qg_buf_putc(&b, c);
      if (c != '@' && c != '#' && c != '!')
        continue;
    }
    unsigned char next = i + 1 < len ? (unsigned char)md[i + 1] : 0;
    if ((c == '@' && (isalnum(next) || next == '-' || next == '_')) ||
        ((c == '#' || c == '!') && isdigit(next)))
      (void)qg_buf_puts(&b, "\xe2\x80\x8d"); /* U+200D, as qg_md_escape does */
  }
  *outlen = b.len;
  return qg_buf_detach(&b);
}

char *qg_host_summary_body(const qg_report *rep, size_t max_body) {
  char *raw = NULL;
  size_t rawlen = 0;
  FILE *f = open_memstream(&raw, &rawlen);
  if (f) {
    (void)qg_report_markdown(f, rep);
    fclose(f);
  }
  size_t mdlen = 0;
  char *md = raw ? defuse_mentions(raw, rawlen, &mdlen) : NULL;
  free(raw);
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_puts(&b, QG_HOST_SUMMARY_MARKER "\n");
  static const char cut[] = "\n\n_The report was cut here: over the comment size limit. The full "
                            "report is in the job's artifacts._\n";
  size_t room = max_body > b.len + sizeof(cut) ? max_body - b.len - sizeof(cut) : 0;
  if (md && mdlen > room) {
    size_t n = room;
    while (n > 0 && md[n] != '\n')
      n--; /* at a line end, not inside a table row or a UTF-8 sequence */
    (void)qg_buf_append(&b, md, n);
    (void)qg_buf_puts(&b, cut);
  } else if (md) {
    (void)qg_buf_append(&b, md, mdlen);
  }
  free(md);
  return qg_buf_detach(&b);
}

void qg_host_finding_marker(const qg_finding *f, char out[48]) {
  char fp[17];
  qg_finding_fingerprint(f, fp);
  snprintf(out, 48, "%s%s -->", QG_HOST_FINDING_MARKER, fp);
}

bool qg_host_find_marker(const char *body, char out[17]) {
  const char *m = body ? strstr(body, QG_HOST_FINDING_MARKER) : NULL;
  if (!m)
    return false;
  m += strlen(QG_HOST_FINDING_MARKER);
  size_t n = strspn(m, "0123456789abcdef");
  if (n != 16 || strncmp(m + 16, " -->", 4) != 0)
    return false;
  memcpy(out, m, 16);
  out[16] = '\0';
  return true;
}
