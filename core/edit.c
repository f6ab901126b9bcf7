/* edit.c: text edits and unified diffs. */
#include "core/edit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Byte offset of 1-based line:col (columns count characters), or -1. */
static long offset_of(const char *buf, size_t len, uint32_t line, uint32_t col) {
  size_t i = 0;
  for (uint32_t l = 1; l < line; l++) {
    const char *nl = memchr(buf + i, '\n', len - i);
    if (!nl)
      return -1;
    i = (size_t)(nl - buf) + 1;
  }
  if (i == len && col > 1)
    return -1;
  for (uint32_t c = 1; c < col; c++) {
    if (i >= len || buf[i] == '\n')
      return -1; /* past the end of the line */
    i++;
    while (i < len && ((unsigned char)buf[i] & 0xC0) == 0x80)
      i++;
  }
  return i <= len ? (long)i : -1;
}

typedef struct span {
  long start, end;
  const qg_edit *e;
} span;

static int cmp_span(const void *a, const void *b) {
  const span *x = a, *y = b;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

/* Appends text with each bare "\n" written as "\r\n" when crlf. */
static void put_text(qg_buf *out, const char *text, bool crlf) {
  if (!crlf) {
    (void)qg_buf_puts(out, text);
    return;
  }
  for (const char *s = text; *s; s++) {
    if (*s == '\n' && (s == text || s[-1] != '\r'))
      (void)qg_buf_putc(out, '\r');
    (void)qg_buf_putc(out, *s);
  }
}

char *qg_edits_apply(const char *buf, size_t len, const qg_edit *edits, size_t n, size_t *outlen,
                     size_t *skipped) {
  /* a file whose first line ends in CRLF gets CRLF in the lines added to it */
  const char *first_nl = memchr(buf, '\n', len);
  bool crlf = first_nl && first_nl > buf && first_nl[-1] == '\r';
  span *sp = qg_xcalloc(n ? n : 1, sizeof(*sp));
  size_t ns = 0;
  *skipped = 0;
  /* an insertion at the start of the line after a last line that has no
   * newline: append, with the newline the last line lacked */
  uint32_t last_line = 1;
  for (size_t i = 0; i < len; i++)
    last_line += buf[i] == '\n';
  int unterminated = len && buf[len - 1] != '\n';
  char **extra = qg_xcalloc(n ? n : 1, sizeof(*extra));
  for (size_t i = 0; i < n; i++) {
    long s = offset_of(buf, len, edits[i].line, edits[i].col);
    long e = offset_of(buf, len, edits[i].end_line, edits[i].end_col);
    if (s < 0 && unterminated && edits[i].line == last_line + 1 && edits[i].col == 1 &&
        edits[i].end_line == edits[i].line && edits[i].end_col == 1) {
      s = e = (long)len;
      extra[i] = qg_xasprintf("\n%s", edits[i].text);
    }
    if (s < 0 || e < s) {
      (*skipped)++;
      continue;
    }
    sp[ns++] = (span){s, e, &edits[i]};
  }
  qsort(sp, ns, sizeof(*sp), cmp_span);
  qg_buf out;
  qg_buf_init(&out, 0);
  long at = 0;
  for (size_t i = 0; i < ns; i++) {
    /* an edit that starts inside (or at the insertion point of) an earlier one */
    if (sp[i].start < at || (i && sp[i].start == sp[i - 1].start && sp[i].start == at)) {
      (*skipped)++;
      continue;
    }
    (void)qg_buf_append(&out, buf + at, (size_t)(sp[i].start - at));
    size_t ei = (size_t)(sp[i].e - edits);
    put_text(&out, extra[ei] ? extra[ei] : sp[i].e->text, crlf);
    at = sp[i].end;
  }
  (void)qg_buf_append(&out, buf + at, len - (size_t)at);
  for (size_t i = 0; i < n; i++)
    free(extra[i]);
  free(extra);
  free(sp);
  *outlen = out.len;
  return qg_buf_detach(&out);
}

typedef struct lines {
  const char **s;
  size_t *len;
  size_t n;
} lines;

static void split_lines(const char *b, size_t len, lines *l) {
  size_t cap = 0;
  l->s = NULL;
  l->len = NULL;
  l->n = 0;
  size_t i = 0;
  while (i < len) {
    const char *nl = memchr(b + i, '\n', len - i);
    size_t e = nl ? (size_t)(nl - b) + 1 : len;
    if (l->n == cap) {
      size_t c2 = cap;
      qg_grow((void **)&l->s, &c2, l->n + 1, sizeof(*l->s));
      c2 = cap;
      qg_grow((void **)&l->len, &c2, l->n + 1, sizeof(*l->len));
      cap = c2;
    }
    l->s[l->n] = b + i;
    l->len[l->n] = e - i;
    l->n++;
    i = e;
  }
}

static int same(const lines *a, size_t i, const lines *b, size_t j) {
  return a->len[i] == b->len[j] && memcmp(a->s[i], b->s[j], a->len[i]) == 0;
}

static void put_line(qg_buf *o, char mark, const char *s, size_t n) {
  (void)qg_buf_putc(o, mark);
  (void)qg_buf_append(o, s, n);
  if (!n || s[n - 1] != '\n')
    (void)qg_buf_puts(o, "\n\\ No newline at end of file\n");
}

/* Fixes only insert and replace a few lines, so a greedy walk that
 * re-synchronises on the next equal line (looking a bounded distance ahead)
 * finds the same hunks an LCS diff would for these changes. */
char *qg_diff_unified(const char *path, const char *old, size_t oldlen, const char *neu,
                      size_t newlen) {
  lines a, b;
  split_lines(old, oldlen, &a);
  split_lines(neu, newlen, &b);
  /* op per line pair: walk and record runs */
  typedef struct op {
    char kind; /* ' ', '-', '+' */
    size_t ai, bi;
  } op;
  op *ops = qg_xcalloc(a.n + b.n + 1, sizeof(*ops));
  size_t nops = 0, i = 0, j = 0;
  while (i < a.n || j < b.n) {
    if (i < a.n && j < b.n && same(&a, i, &b, j)) {
      ops[nops++] = (op){' ', i++, j++};
      continue;
    }
    /* find the nearest resynchronisation point */
    size_t best_di = (size_t)-1, best_dj = 0;
    for (size_t d = 1; d <= 400 && best_di == (size_t)-1; d++)
      for (size_t di = 0; di <= d; di++) {
        size_t dj = d - di;
        if (i + di < a.n && j + dj < b.n && same(&a, i + di, &b, j + dj)) {
          best_di = di;
          best_dj = dj;
          break;
        }
      }
    if (best_di == (size_t)-1) {
      best_di = a.n - i;
      best_dj = b.n - j;
    }
    for (size_t k = 0; k < best_di; k++)
      ops[nops++] = (op){'-', i++, j};
    for (size_t k = 0; k < best_dj; k++)
      ops[nops++] = (op){'+', i, j++};
  }
  qg_buf out;
  qg_buf_init(&out, 0);
  size_t k = 0;
  int header = 0;
  while (k < nops) {
    if (ops[k].kind == ' ') {
      k++;
      continue;
    }
    /* a hunk: 3 lines of context before, extend while changes are within 6 */
    size_t start = k >= 3 ? k - 3 : 0;
    while (start < k && ops[start].kind != ' ')
      start++;
    size_t end = k;
    size_t quiet = 0;
    while (end < nops && quiet < 7) {
      quiet = ops[end].kind == ' ' ? quiet + 1 : 0;
      end++;
    }
    if (quiet > 3)
      end -= quiet - 3;
    size_t a0 = ops[start].ai, b0 = ops[start].bi, ac = 0, bc = 0;
    for (size_t x = start; x < end; x++) {
      ac += ops[x].kind != '+';
      bc += ops[x].kind != '-';
    }
    if (!header) {
      const char *pa = path[0] == '/' ? "" : "a/", *pb = path[0] == '/' ? "" : "b/";
      (void)qg_buf_printf(&out, "--- %s%s\n+++ %s%s\n", pa, path, pb, path);
      header = 1;
    }
    (void)qg_buf_printf(&out, "@@ -%zu,%zu +%zu,%zu @@\n", ac ? a0 + 1 : a0, ac, bc ? b0 + 1 : b0,
                        bc);
    for (size_t x = start; x < end; x++) {
      if (ops[x].kind == '+')
        put_line(&out, '+', b.s[ops[x].bi], b.len[ops[x].bi]);
      else
        put_line(&out, ops[x].kind, a.s[ops[x].ai], a.len[ops[x].ai]);
    }
    k = end;
  }
  free(ops);
  free(a.s);
  free(a.len);
  free(b.s);
  free(b.len);
  return qg_buf_detach(&out);
}
