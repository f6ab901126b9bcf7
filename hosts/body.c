/* body.c: the comment bodies every host posts: the summary (the Markdown report's head,
 * then every finding without an inline comment, with its marker) and a finding's
 * comment (severity, rule, message, remediation, marker and what a host adds after it),
 * capped where nothing breaks. */
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

/* ---- the summary ------------------------------------------------------------------------ */

static const char *const k_left_names[QG_HOST_LEFT__COUNT] = {
    "outside the diff", "over the inline cap", "refused by the host",
    "not posted: a request failed", "its fingerprint's comment is another finding's"};

const char *qg_host_left_name(qg_host_left_why why) {
  return (unsigned)why < QG_HOST_LEFT__COUNT ? k_left_names[why] : "?";
}

void qg_host_left_add(qg_host_lefts *l, const qg_finding *f, qg_host_left_why why) {
  qg_grow((void **)&l->items, &l->cap, l->n + 1, sizeof(*l->items));
  l->items[l->n].f = f;
  l->items[l->n].why = why;
  l->n++;
}

void qg_host_lefts_free(qg_host_lefts *l) {
  free(l->items);
  memset(l, 0, sizeof(*l));
}

#define SUMMARY_MSG_MAX 300u /* bytes of a message in the list, before escaping */
#define SUMMARY_TAIL 1024u   /* kept for what follows the list */

/* Highest severity first, then where (path, line, column, rule), then the run's order. */
static int cmp_left(const void *a, const void *b) {
  const qg_host_left *x = a, *y = b;
  if (x->f->severity != y->f->severity)
    return x->f->severity > y->f->severity ? -1 : 1;
  int c = qg_finding_place_cmp(&x->f->loc, x->f->rule ? x->f->rule->id : "", &y->f->loc,
                               y->f->rule ? y->f->rule->id : "");
  if (c)
    return c;
  return (x->f->order > y->f->order) - (x->f->order < y->f->order);
}

/* A URL the hosts built from the CI's environment: used only when it cannot leave a
 * Markdown link destination or hold a mention (http(s), no blank, quote, parenthesis,
 * angle bracket or '@'). */
static bool safe_url(const char *u) {
  if (!u || (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0))
    return false;
  for (const char *p = u; *p; p++)
    if (!isalnum((unsigned char)*p) && !strchr("-._~:/%?=&+,;", *p))
      return false;
  return true;
}

/* The id markers carry: id when valid, else "qgate" (a caller checks it first). */
static const char *marker_id(const char *id) { return qg_comment_id_valid(id) ? id : "qgate"; }

void qg_host_summary_marker(const char *id, char out[QG_HOST_MARKER_MAX]) {
  snprintf(out, QG_HOST_MARKER_MAX, "%s%s -->", QG_HOST_SUMMARY_MARKER, marker_id(id));
}

/* A commit id as qgate records it: 40 or 64 lowercase hex digits. */
static bool head_hex(const char *s, size_t n) {
  return (n == 40 || n == 64) && strspn(s, "0123456789abcdef") >= n;
}

bool qg_host_read_reviewed_head(const char *body, const char *id, char out[65]) {
  char marker[QG_HOST_MARKER_MAX], head[QG_HOST_MARKER_MAX];
  qg_host_summary_marker(id, marker);
  snprintf(head, sizeof(head), "%s%s sha=", QG_HOST_HEAD_MARKER, marker_id(id));
  size_t ml = strlen(marker), hl = strlen(head);
  /* only where qgate writes it: on the line after the summary marker that opens the body
   * (a path or a message further down can never be read as one) */
  if (!body || strncmp(body, marker, ml) != 0)
    return false;
  const char *p = body + ml;
  p += *p == '\r';
  if (*p++ != '\n' || strncmp(p, head, hl) != 0)
    return false;
  p += hl;
  size_t n = strspn(p, "0123456789abcdef");
  if (!head_hex(p, n) || strncmp(p + n, " -->", 4) != 0)
    return false;
  memcpy(out, p, n);
  out[n] = '\0';
  return true;
}

bool qg_host_unreviewed(const qg_comment_opts *o, const char *path, const char *body) {
  if (!o || !o->arch_scoped || !path || !body)
    return false;
  /* "**SEVERITY** `arch/violation`: ...": the review's own findings (a changed document's
   * is reported on every run) */
  const char *r = strstr(body, "** `");
  if (!r || strncmp(body, "**", 2) != 0 || (size_t)(r - body) > 16 ||
      (strncmp(r + 4, "arch/violation`", 15) != 0 && strncmp(r + 4, "arch/unconfirmed`", 17) != 0))
    return false;
  for (size_t i = 0; i < o->narch_paths; i++)
    if (o->arch_paths[i] && strcmp(o->arch_paths[i], path) == 0)
      return false; /* the review looked at it this run */
  return true;
}

/* path percent-encoded for a URL, '/' kept. */
static void put_url_path(qg_buf *b, const char *path) {
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    if (isalnum(*p) || strchr("-._~/", *p))
      (void)qg_buf_putc(b, (char)*p);
    else
      (void)qg_buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
  }
}

/* One entry of the list, with a newline. */
static void put_entry(qg_buf *b, const qg_host_summary *s, const qg_host_left *l, bool why) {
  const qg_finding *f = l->f;
  (void)qg_buf_puts(b, "- **");
  for (const char *p = qg_severity_name(f->severity); *p; p++)
    (void)qg_buf_putc(b, (char)toupper((unsigned char)*p));
  (void)qg_buf_puts(b, "** ");
  qg_md_code(b, f->rule ? f->rule->id : "?");
  const char *rp = qg_host_repo_path(f->loc.path);
  const char *shown = rp ? rp : f->loc.path;
  if (shown && *shown) {
    char *where = f->loc.line ? qg_xasprintf("%s:%u", shown, f->loc.line) : qg_xstrdup(shown);
    bool link = rp && s->file_url;
    (void)qg_buf_puts(b, link ? " [" : " ");
    qg_md_code(b, where);
    if (link) {
      (void)qg_buf_printf(b, "](%s", s->file_url);
      put_url_path(b, rp);
      if (f->loc.line)
        (void)qg_buf_printf(b, "#L%u", f->loc.line);
      (void)qg_buf_putc(b, ')');
    }
    free(where);
  }
  (void)qg_buf_puts(b, ": ");
  const char *msg = f->message ? f->message : "";
  size_t len = strlen(msg), keep = qg_text_cut(msg, len, SUMMARY_MSG_MAX);
  if (keep < len) {
    if (!keep) /* one long word: cut where no UTF-8 sequence breaks */
      for (keep = SUMMARY_MSG_MAX; keep > 0 && ((unsigned char)msg[keep] & 0xc0) == 0x80;)
        keep--;
    char *cut = qg_xstrndup(msg, keep);
    qg_md_escape(b, cut, 0);
    free(cut);
    (void)qg_buf_puts(b, " \xe2\x80\xa6"); /* … */
  } else {
    qg_md_escape(b, msg, 0);
  }
  if (why)
    (void)qg_buf_printf(b, " _(%s)_", qg_host_left_name(l->why));
  (void)qg_buf_putc(b, '\n');
}

/* What follows the list: the count of what did not fit, and where the full report is. */
static void put_tail(qg_buf *b, const qg_host_summary *s, size_t not_shown) {
  if (not_shown)
    (void)qg_buf_printf(b, "**%zu more not shown here** (over %s's comment size limit). ",
                        not_shown, s->host ? s->host : "the host");
  (void)qg_buf_puts(b, "Every finding is in the full report: ");
  if (safe_url(s->report_url))
    (void)qg_buf_printf(b, "[%s](%s), in its artifacts",
                        s->report_what ? s->report_what : "the job", s->report_url);
  else
    (void)qg_buf_puts(b, "the job's artifacts");
  if (s->report_also)
    (void)qg_buf_printf(b, ", and %s", s->report_also);
  (void)qg_buf_puts(b, ".\n");
}

char *qg_host_summary_body(const qg_host_summary *sp, qg_host_summary_fit *fit) {
  qg_host_summary in = *sp;
  if (!safe_url(in.file_url))
    in.file_url = NULL; /* then the paths are not linked */
  const qg_host_summary *s = &in;
  const qg_report *rep = s->rep;
  qg_host_summary_fit none;
  if (!fit)
    fit = &none;
  memset(fit, 0, sizeof(*fit));
  char *raw = NULL;
  size_t rawlen = 0;
  FILE *f = open_memstream(&raw, &rawlen);
  if (f) {
    (void)qg_report_markdown_head(f, rep);
    fclose(f);
  }
  size_t mdlen = 0;
  char *md = raw ? defuse_mentions(raw, rawlen, &mdlen) : NULL;
  free(raw);
  qg_buf b;
  qg_buf_init(&b, 0);
  char marker[QG_HOST_MARKER_MAX];
  qg_host_summary_marker(s->id, marker);
  (void)qg_buf_printf(&b, "%s\n", marker);
  if (s->reviewed_head && head_hex(s->reviewed_head, strlen(s->reviewed_head)))
    (void)qg_buf_printf(&b, "%s%s sha=%s -->\n", QG_HOST_HEAD_MARKER, marker_id(s->id),
                        s->reviewed_head);
  static const char cut[] = "\n\n_The report was cut here: over the comment size limit. The full "
                            "report is in the job's artifacts._\n";
  size_t room = s->max_body > b.len + sizeof(cut) ? s->max_body - b.len - sizeof(cut) : 0;
  if (md && mdlen > room) { /* the head alone does not fit (a long review) */
    size_t n = room;
    while (n > 0 && md[n] != '\n')
      n--; /* at a line end, not inside a table row or a UTF-8 sequence */
    (void)qg_buf_append(&b, md, n);
    (void)qg_buf_puts(&b, cut);
    free(md);
    fit->not_shown = s->left ? s->left->n : 0;
    return qg_buf_detach(&b);
  }
  if (md)
    (void)qg_buf_append(&b, md, mdlen);
  free(md);

  size_t counts[QG__SEV_COUNT], active = 0;
  qg_result_counts(rep->result, counts);
  for (int sev = 0; sev < QG__SEV_COUNT; sev++)
    active += counts[sev];
  size_t nleft = s->left ? s->left->n : 0;
  if (!active && !nleft) {
    (void)qg_buf_puts(&b, rep->base ? "No new findings.\n" : "No findings.\n");
    return qg_buf_detach(&b);
  }
  (void)qg_buf_printf(&b, "### %zu finding%s\n\n", active, active == 1 ? "" : "s");
  size_t inl = active > nleft ? active - nleft : 0;
  if (!nleft) {
    (void)qg_buf_puts(&b, active == 1 ? "It has an inline comment.\n"
                                      : "Each has an inline comment.\n");
    return qg_buf_detach(&b);
  }
  (void)qg_buf_printf(&b, "%zu with an inline comment, %zu without: listed below.\n\n", inl, nleft);

  /* the list, highest severity first */
  qg_host_left *sorted = qg_xcalloc(nleft, sizeof(*sorted));
  memcpy(sorted, s->left->items, nleft * sizeof(*sorted));
  qsort(sorted, nleft, sizeof(*sorted), cmp_left);
  size_t per[QG_HOST_LEFT__COUNT] = {0}, kinds = 0;
  for (size_t i = 0; i < nleft; i++)
    if (per[sorted[i].why]++ == 0)
      kinds++;
  qg_buf open;
  qg_buf_init(&open, 0);
  (void)qg_buf_printf(&open, "<details%s><summary>%zu finding%s without an inline comment: ",
                      nleft <= 20 ? " open" : "", nleft, nleft == 1 ? "" : "s");
  for (int w = 0, k = 0; w < QG_HOST_LEFT__COUNT; w++)
    if (per[w])
      (void)qg_buf_printf(&open, "%s%zu %s", k++ ? ", " : "", per[w],
                          qg_host_left_name((qg_host_left_why)w));
  (void)qg_buf_puts(&open, "</summary>\n\n");

  /* what follows the list, at its longest (every entry not shown) */
  qg_buf tail;
  qg_buf_init(&tail, 0);
  put_tail(&tail, s, nleft);
  size_t reserve = sizeof("\n</details>\n\n") + tail.len;
  qg_buf_cleanup(&tail);
  if (b.len + open.len + reserve > s->max_body) { /* a tiny cap: the counts alone */
    qg_buf_cleanup(&open);
    free(sorted);
    fit->not_shown = nleft;
    put_tail(&b, s, nleft);
    if (b.len > s->max_body) {
      b.len = qg_rest_cut(b.data, s->max_body);
      b.data[b.len] = '\0';
    }
    return qg_buf_detach(&b);
  }
  (void)qg_buf_append(&b, open.data, open.len);
  qg_buf_cleanup(&open);
  qg_buf e;
  qg_buf_init(&e, 0);
  size_t i = 0;
  for (; i < nleft; i++) {
    e.len = 0;
    put_entry(&e, s, &sorted[i], kinds > 1);
    if (b.len + e.len + reserve > s->max_body)
      break;
    (void)qg_buf_append(&b, e.data, e.len);
    fit->listed_why[sorted[i].why]++;
  }
  qg_buf_cleanup(&e);
  free(sorted);
  fit->listed = i;
  fit->not_shown = nleft - i;
  (void)qg_buf_puts(&b, "\n</details>\n\n");
  put_tail(&b, s, fit->not_shown);
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

cJSON *qg_host_parse_array(const char *body, size_t len) {
  cJSON *arr = cJSON_ParseWithLength(body, len);
  if (cJSON_IsArray(arr))
    return arr;
  cJSON_Delete(arr);
  return NULL;
}

void qg_host_threads_keep(qg_host_threads *t, bool (*keep)(void *ud, const qg_host_thread *th),
                          void *ud) {
  size_t k = 0;
  for (size_t i = 0; i < t->n; i++) {
    if (keep(ud, &t->items[i])) {
      t->items[k++] = t->items[i];
      continue;
    }
    free(t->items[i].id);
    free(t->items[i].author);
    free(t->items[i].path);
  }
  t->n = k;
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
