/* body.c: the comment bodies every host posts: the summary (the Markdown report with
 * its marker) and a finding's comment (severity, rule, message, remediation, marker and
 * what a host adds after it), capped where nothing breaks. */
#include "hosts/internal.h"
#include "core/escape.h"
#include "hosts/rest.h"
#include "rules/rule.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

bool qg_comment_id_valid(const char *id) {
  size_t n = id ? strlen(id) : 0;
  if (!n || n > QG_COMMENT_ID_MAX || !isalnum((unsigned char)id[0]))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)id[i]) && !strchr("._-", id[i]))
      return false;
  return true;
}

/* The id markers carry: id when valid, else "qgate" (a caller checks it first). */
static const char *marker_id(const char *id) { return qg_comment_id_valid(id) ? id : "qgate"; }

void qg_host_summary_marker(const char *id, char out[QG_HOST_MARKER_MAX]) {
  snprintf(out, QG_HOST_MARKER_MAX, "%s%s -->", QG_HOST_SUMMARY_MARKER, marker_id(id));
}

char *qg_host_summary_body(const qg_report *rep, const char *id, size_t max_body) {
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
  char marker[QG_HOST_MARKER_MAX];
  qg_host_summary_marker(id, marker);
  (void)qg_buf_printf(&b, "%s\n", marker);
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

void qg_host_finding_marker(const qg_finding *f, const char *id, char out[QG_HOST_MARKER_MAX]) {
  char fp[17];
  qg_finding_fingerprint(f, fp);
  snprintf(out, QG_HOST_MARKER_MAX, "%s%s fp=%s -->", QG_HOST_FINDING_MARKER, marker_id(id), fp);
}

bool qg_host_find_marker(const char *body, const char *id, char out[17]) {
  char head[QG_HOST_MARKER_MAX];
  snprintf(head, sizeof(head), "%s%s fp=", QG_HOST_FINDING_MARKER, marker_id(id));
  size_t hl = strlen(head);
  for (const char *m = body ? strstr(body, head) : NULL; m; m = strstr(m + 1, head)) {
    const char *fp = m + hl;
    if (strspn(fp, "0123456789abcdef") != 16 || strncmp(fp + 16, " -->", 4) != 0)
      continue;
    memcpy(out, fp, 16);
    out[16] = '\0';
    return true;
  }
  return false;
}

static bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Cuts the message of head (from msg_at) so that head and the ellipsis fit room + 4
 * bytes: at a word's end, then " \u2026"; a word longer than the room is cut inside,
 * where no character or escape breaks, then "\u2026". */
static void cut_message(qg_buf *head, size_t msg_at, size_t room) {
  size_t keep = room > msg_at ? room : msg_at;
  if (keep >= head->len)
    return;
  size_t w = msg_at + qg_text_cut(head->data + msg_at, head->len - msg_at, keep - msg_at);
  while (w > msg_at && blank(head->data[w - 1]))
    w--;
  head->len = w > msg_at ? w : qg_rest_cut(head->data, keep);
  head->data[head->len] = '\0';
  (void)qg_buf_puts(head, w > msg_at ? " \xe2\x80\xa6" : "\xe2\x80\xa6"); /* … */
}

char *qg_host_finding_body(const qg_finding *f, const char *id, const char *extra, size_t max) {
  qg_buf head, rem, tail;
  qg_buf_init(&head, 0);
  qg_buf_init(&rem, 0);
  qg_buf_init(&tail, 0);
  (void)qg_buf_puts(&head, "**");
  for (const char *s = qg_severity_name(f->severity); *s; s++)
    (void)qg_buf_putc(&head, (char)toupper((unsigned char)*s));
  (void)qg_buf_puts(&head, "** ");
  qg_md_code(&head, f->rule ? f->rule->id : "?"); /* a custom rule's id is configuration text */
  (void)qg_buf_puts(&head, ": ");
  size_t msg_at = head.len;
  qg_host_escape(&head, f->message ? f->message : "", false);
  if (f->rule && f->rule->remediation && *f->rule->remediation) {
    (void)qg_buf_puts(&rem, "\n\n");
    qg_host_escape(&rem, f->rule->remediation, false);
  }
  /* the marker before what the host adds: the first marker in a body is the one read
   * back, and what follows (a suggestion's code) need not be escaped */
  char marker[QG_HOST_MARKER_MAX];
  qg_host_finding_marker(f, id, marker);
  (void)qg_buf_printf(&tail, "\n\n%s", marker);
  size_t tail_plain = tail.len;
  if (extra)
    (void)qg_buf_puts(&tail, extra);
  if (head.len + rem.len + tail.len > max) {
    tail.len = tail_plain; /* without what the host adds */
    tail.data[tail.len] = '\0';
  }
  if (head.len + rem.len + tail.len > max)
    qg_buf_cleanup(&rem);        /* without the remediation */
  if (head.len + tail.len > max) /* a model's message can be long */
    cut_message(&head, msg_at, max > tail.len + 4 ? max - tail.len - 4 : 0);
  (void)qg_buf_append(&head, rem.data ? rem.data : "", rem.len);
  (void)qg_buf_append(&head, tail.data, tail.len);
  qg_buf_cleanup(&rem);
  qg_buf_cleanup(&tail);
  return qg_buf_detach(&head);
}

qg_host_thread *qg_host_threads_add(qg_host_threads *t, const char *fp) {
  qg_grow((void **)&t->items, &t->cap, t->n + 1, sizeof(*t->items));
  qg_host_thread *th = &t->items[t->n++];
  memset(th, 0, sizeof(*th));
  snprintf(th->fp, sizeof(th->fp), "%s", fp);
  return th;
}

void qg_host_threads_free(qg_host_threads *t) {
  for (size_t i = 0; i < t->n; i++) {
    free(t->items[i].id);
    free(t->items[i].author);
    free(t->items[i].path);
  }
  free(t->items);
  memset(t, 0, sizeof(*t));
}

const qg_finding *qg_host_next_active(const qg_result *res, size_t *at, char fp[17]) {
  while (res && *at < res->findings.n) {
    const qg_finding *f = &res->findings.items[(*at)++];
    if (f->suppressed_by || f->in_base)
      continue;
    qg_finding_fingerprint(f, fp);
    return f;
  }
  return NULL;
}

char *qg_host_summary_body_left(const qg_report *rep, const char *id, const qg_comment_outcome *out,
                                size_t max_body) {
  if (!out || !out->nrefused)
    return qg_host_summary_body(rep, id, max_body);
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_printf(&b, "\n\n**Not commented inline** (%zu refused by the host", out->nrefused);
  if (out->refused_why && *out->refused_why) {
    (void)qg_buf_puts(&b, ": ");
    qg_host_escape(&b, out->refused_why, false);
  }
  (void)qg_buf_puts(&b, "):\n\n");
  for (size_t i = 0; i < out->nrefused; i++) {
    const qg_finding *f = out->refused[i];
    (void)qg_buf_puts(&b, "- **");
    for (const char *s = qg_severity_name(f->severity); *s; s++)
      (void)qg_buf_putc(&b, (char)toupper((unsigned char)*s));
    (void)qg_buf_puts(&b, "** ");
    qg_md_code(&b, f->rule ? f->rule->id : "?");
    (void)qg_buf_puts(&b, " ");
    qg_md_code(&b, f->loc.path ? f->loc.path : "?");
    (void)qg_buf_printf(&b, " line %u: ", f->loc.line);
    qg_host_escape(&b, f->message ? f->message : "", false);
    (void)qg_buf_putc(&b, '\n');
  }
  /* the report first, cut to leave room for the list (which is cut last) */
  size_t room = max_body > b.len + 256 ? max_body - b.len : max_body / 2;
  char *head = qg_host_summary_body(rep, id, room);
  qg_buf all;
  qg_buf_init(&all, 0);
  (void)qg_buf_puts(&all, head);
  free(head);
  size_t left = max_body > all.len ? max_body - all.len : 0;
  size_t n = b.len <= left ? b.len : left;
  while (n < b.len && n > 0 && b.data[n] != '\n')
    n--; /* whole lines only */
  (void)qg_buf_append(&all, b.data, n);
  qg_buf_cleanup(&b);
  return qg_buf_detach(&all);
}
