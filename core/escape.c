/* escape.c: repository text made inert for each sink (see escape.h). */
#include "core/escape.h"

#include <cjson/cJSON.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The length of the valid UTF-8 sequence at p (1..4) and its code point, or 0 when
 * the byte at p does not start one (a stray continuation byte, an overlong form, a
 * surrogate, a code point past U+10FFFF or a sequence cut short). */
static size_t utf8_seq(const unsigned char *p, uint32_t *cp) {
  unsigned char c = p[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else
    return 0;
  if (p[1] < lo || p[1] > hi) /* also stops at the terminating NUL */
    return 0;
  for (size_t i = 2; i < n; i++)
    if ((p[i] & 0xC0) != 0x80)
      return 0;
  uint32_t v = c & (0x7F >> n);
  for (size_t i = 1; i < n; i++)
    v = (v << 6) | (p[i] & 0x3F);
  *cp = v;
  return n;
}

/* Whether code point cp is shown in its "\uNNNN" form: C1 controls, the line and
 * paragraph separators, the bidirectional controls, and U+FFFE and U+FFFF (which XML
 * forbids). */
static bool hidden_cp(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || cp == 0x061C ||
         cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFFFE || cp == 0xFFFF;
}

/* Appends the visible form of the character at p (n bytes, code point cp; n == 0:
 * an invalid byte) when it needs one; returns the bytes consumed, or 0 when the
 * character is shown as it is. */
static size_t put_visible(qg_buf *b, const unsigned char *p, size_t n, uint32_t cp) {
  static const char hex[] = "0123456789abcdef";
  if (n == 0 || (n == 1 && (cp < 0x20 || cp == 0x7F))) {
    char e[5] = {'\\', 'x', hex[p[0] >> 4], hex[p[0] & 15], 0};
    if (n && cp == '\n')
      e[1] = 'n', e[2] = 0;
    else if (n && cp == '\r')
      e[1] = 'r', e[2] = 0;
    else if (n && cp == '\t')
      e[1] = 't', e[2] = 0;
    (void)qg_buf_puts(b, e);
    return 1;
  }
  if (n > 1 && hidden_cp(cp)) {
    (void)qg_buf_printf(b, "\\u%04x", (unsigned)cp);
    return n;
  }
  return 0;
}

/* The length of the blanks s starts with, as the Actions runner skips them before
 * looking for "::" (.NET's TrimStart: every Unicode White_Space character). */
static size_t lead_blanks(const unsigned char *s) {
  size_t i = 0;
  for (;;) {
    uint32_t cp;
    size_t n = utf8_seq(s + i, &cp);
    if (!n || !(cp == ' ' || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
                cp == 0x202F || cp == 0x205F || cp == 0x3000))
      return i;
    i += n;
  }
}

bool qg_esc_text_needed(const char *s) {
  if (!s)
    return false;
  const unsigned char *p = (const unsigned char *)s;
  size_t lead = lead_blanks(p);
  if (p[lead] == ':' && p[lead + 1] == ':')
    return true;
  while (*p) {
    if (*p < 0x80) {
      if (*p < 0x20 || *p == 0x7F || (p[0] == '#' && p[1] == '#' && p[2] == '['))
        return true;
      p++;
      continue;
    }
    uint32_t cp;
    size_t n = utf8_seq(p, &cp);
    if (!n || hidden_cp(cp))
      return true;
    p += n;
  }
  return false;
}

/* qg_esc_text, or with lines set qg_esc_lines: a newline, a CR before it and a tab
 * kept, and every line start checked (tabs count as the blanks the runner skips). */
static void esc_text(qg_buf *b, const unsigned char *p, bool lines) {
  bool start = true;
  while (*p) {
    if (start) {
      /* "::" first (after blanks, which the runner skips) would be a workflow command
       * at the start of a line: the first ':' in its visible form */
      size_t lead = 0;
      for (size_t l; (l = lead_blanks(p + lead)) || (lines && p[lead] == '\t');)
        lead += l ? l : 1;
      (void)qg_buf_append(b, p, lead);
      p += lead;
      if (p[0] == ':' && p[1] == ':') {
        (void)qg_buf_puts(b, "\\x3a");
        p++;
      }
      start = false;
      continue;
    }
    if (lines && (*p == '\n' || *p == '\t' || (*p == '\r' && p[1] == '\n'))) {
      start = *p == '\n';
      (void)qg_buf_append(b, p, 1);
      p++;
      continue;
    }
    uint32_t cp;
    size_t n = utf8_seq(p, &cp);
    size_t used = put_visible(b, p, n, cp);
    if (used) {
      p += used;
    } else if (p[0] == '#' && p[1] == '#' && p[2] == '[') {
      /* the runner's legacy command form, read anywhere in a line */
      (void)qg_buf_puts(b, "#\\x23[");
      p += 3;
    } else {
      (void)qg_buf_append(b, p, n);
      p += n;
    }
  }
}

void qg_esc_text(qg_buf *b, const char *s) {
  if (s)
    esc_text(b, (const unsigned char *)s, false);
}

void qg_esc_lines(qg_buf *b, const char *s) {
  if (s)
    esc_text(b, (const unsigned char *)s, true);
}

void qg_esc_fputs(FILE *f, const char *s) {
  if (!s)
    return;
  if (!qg_esc_text_needed(s)) {
    fputs(s, f);
    return;
  }
  qg_buf b;
  qg_buf_init(&b, 0);
  qg_esc_text(&b, s);
  if (b.data)
    fputs(b.data, f);
  qg_buf_cleanup(&b);
}

void qg_md_escape(qg_buf *b, const char *s, unsigned flags) {
  for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
    uint32_t cp;
    size_t n = utf8_seq(p, &cp);
    if (n == 1 && (cp == '\n' || cp == '\r')) {
      if (cp == '\n')
        (void)qg_buf_puts(b, flags & QG_MD_KEEP_LINES ? "\n" : " ");
      p++;
      continue;
    }
    size_t used = put_visible(b, p, n, cp);
    if (used) {
      p += used;
      continue;
    }
    switch (*p) {
    case '@':
      (void)qg_buf_puts(b, "@\xe2\x80\x8d"); /* U+200D: no mention, no team ping */
      break;
    case '<':
      (void)qg_buf_puts(b, "&lt;");
      break;
    case '>':
      (void)qg_buf_puts(b, "&gt;");
      break;
    case '&':
      (void)qg_buf_puts(b, "&amp;");
      break;
    case '\\':
    case '`':
    case '*':
    case '_':
    case '[':
    case ']':
    case '|':
    case '#':
    case '~':
    case '$':
      (void)qg_buf_putc(b, '\\');
      /* fall through */
    case '!': /* no image without '[' */
      (void)qg_buf_putc(b, (char)*p);
      if ((*p == '#' || *p == '!') && p[1] >= '0' && p[1] <= '9')
        (void)qg_buf_puts(b, "\xe2\x80\x8d"); /* no link to issue, pull or merge request N */
      break;
    default:
      (void)qg_buf_append(b, p, n);
    }
    p += n;
  }
}

void qg_md_code(qg_buf *b, const char *s) {
  if (!s || !*s)
    return;
  qg_buf in;
  qg_buf_init(&in, 0);
  const char *t = s;
  if (qg_esc_text_needed(s)) {
    /* control characters and invalid UTF-8 in their visible form; "::" and "##[" are
     * harmless in a comment, but escaping them too keeps one form everywhere */
    qg_esc_text(&in, s);
    t = in.data;
  }
  size_t run = 0, longest = 0;
  for (const char *q = t; *q; q++) {
    run = *q == '`' ? run + 1 : 0;
    longest = run > longest ? run : longest;
  }
  size_t len = strlen(t);
  bool pad = t[0] == '`' || t[0] == ' ' || t[len - 1] == '`' || t[len - 1] == ' ';
  for (size_t i = 0; i <= longest; i++)
    (void)qg_buf_putc(b, '`');
  if (pad)
    (void)qg_buf_putc(b, ' ');
  (void)qg_buf_append(b, t, len);
  if (pad)
    (void)qg_buf_putc(b, ' ');
  for (size_t i = 0; i <= longest; i++)
    (void)qg_buf_putc(b, '`');
  qg_buf_cleanup(&in);
}

/* The bytes at p that qg_json_sanitize changes (0: none), with the code point. */
static size_t json_unsafe(const unsigned char *p, const unsigned char *end, uint32_t *cp,
                          size_t *n) {
  if (*p < 0x80) {
    *n = 1;
    return p[0] == '#' && end - p >= 3 && p[1] == '#' && p[2] == '[' ? 3 : 0;
  }
  *n = utf8_seq(p, cp);
  if (!*n || (size_t)(end - p) < *n)
    return *n = 0, 1;
  return hidden_cp(*cp) ? *n : 0;
}

char *qg_json_sanitize(const char *text, size_t len, size_t *outlen) {
  const unsigned char *p = (const unsigned char *)text, *end = p + len;
  uint32_t cp = 0;
  size_t n;
  while (p < end && !json_unsafe(p, end, &cp, &n))
    p += n;
  if (p == end)
    return NULL;
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_append(&b, text, (size_t)(p - (const unsigned char *)text));
  static const char hex[] = "0123456789abcdef";
  while (p < end) {
    size_t bad = json_unsafe(p, end, &cp, &n);
    if (!bad) {
      (void)qg_buf_append(&b, p, n);
      p += n;
    } else if (!n) { /* not UTF-8: "\\xNN", read as the visible form */
      char e[7] = {'\\', '\\', 'x', hex[*p >> 4], hex[*p & 15], 0};
      (void)qg_buf_puts(&b, e);
      p++;
    } else if (*p == '#') { /* "##[" is only ever inside a string: the same string */
      (void)qg_buf_puts(&b, "##\\u005b");
      p += 3;
    } else { /* a C1, separator or bidirectional control: the same string */
      (void)qg_buf_printf(&b, "\\u%04x", (unsigned)cp);
      p += n;
    }
  }
  *outlen = b.len;
  return qg_buf_detach(&b);
}

void qg_xml_escape(qg_buf *b, const char *s) {
  if (!s)
    return;
  qg_buf t;
  qg_buf_init(&t, 0);
  if (qg_esc_text_needed(s)) {
    qg_esc_text(&t, s);
    s = t.data;
  }
  for (const char *p = s; *p; p++) {
    switch (*p) {
    case '<':
      (void)qg_buf_puts(b, "&lt;");
      break;
    case '>':
      (void)qg_buf_puts(b, "&gt;");
      break;
    case '&':
      (void)qg_buf_puts(b, "&amp;");
      break;
    case '"':
      (void)qg_buf_puts(b, "&quot;");
      break;
    case '\'':
      (void)qg_buf_puts(b, "&apos;");
      break;
    default:
      (void)qg_buf_putc(b, *p);
    }
  }
  qg_buf_cleanup(&t);
}

void qg_slack_escape(qg_buf *b, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
    uint32_t cp;
    size_t n = utf8_seq(p, &cp);
    size_t used = n == 1 && cp == '\n' ? 0 : put_visible(b, p, n, cp);
    if (used) {
      p += used;
      continue;
    }
    if (*p == '&')
      (void)qg_buf_puts(b, "&amp;");
    else if (*p == '<')
      (void)qg_buf_puts(b, "&lt;");
    else if (*p == '>')
      (void)qg_buf_puts(b, "&gt;");
    else
      (void)qg_buf_append(b, p, n);
    p += n;
  }
}

char *qg_json_print(cJSON *root, bool pretty) {
  char *t = pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
  cJSON_Delete(root);
  if (!t)
    abort(); /* out of memory, as qg_x* functions do */
  size_t n;
  char *fixed = qg_json_sanitize(t, strlen(t), &n);
  if (!fixed)
    fixed = qg_xstrdup(t); /* one owner, one free(), whatever cJSON's allocator */
  cJSON_free(t);
  return fixed;
}

size_t qg_text_cut(const char *s, size_t len, size_t max) {
  if (len <= max)
    return len;
  size_t n = max;
  /* the byte at the cut is blank: the word before it is whole */
  if (s[n] == ' ' || s[n] == '\t' || s[n] == '\n' || s[n] == '\r')
    return n;
  while (n > 0 && !(s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
    n--;
  return n;
}
