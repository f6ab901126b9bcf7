/* reply.c: the model's answer, found, repaired and checked (see reply.h).
 *
 * Two stages. First the JSON is located without trusting it: a bracket
 * scanner (string-aware, nothing else) finds where a value ends, or, when
 * the text stops first, the last point inside the "violations" array where
 * the text can be cut and closed again. Then cJSON parses the span and each
 * violation is checked field by field; what is wrong is dropped or mended,
 * and every such decision leaves a note. */
#include "review/reply.h"
#include "scoring/jsonin.h"
#include "core/mem.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DEPTH 512 /* deeper JSON is not a list of violations */
#define MAX_TRIES 64  /* starts tried per kind of search: bounds the work on hostile text */
#define PATH_CAP 4096 /* a longer "file" cannot be a path of the change */
#define QUOTE_MAX 120 /* bytes of a model's value quoted in a note */

/* ---- text --------------------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s (n > 0 bytes available), or
 * 0 when it is not one (stray continuation, overlong, surrogate, > U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp) {
  unsigned char c = s[0];
  size_t k;
  uint32_t v, min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    k = 2, v = c & 0x1Fu, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    k = 3, v = c & 0x0Fu, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    k = 4, v = c & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (n < k)
    return 0;
  for (size_t i = 1; i < k; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    v = (v << 6) | (s[i] & 0x3Fu);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
    return 0;
  *cp = v;
  return k;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* s[0..*n) without leading and trailing white space. */
static const char *trim(const char *s, size_t *n) {
  while (*n && is_space(*s))
    s++, (*n)--;
  while (*n && is_space(s[*n - 1]))
    (*n)--;
  return s;
}

/* A copy of s that a terminal or a report can show as it is: well-formed
 * UTF-8 without control characters (C0 but newline and tab, DEL, C1: these
 * carry terminal escapes), trimmed, and at most max bytes, cut at a
 * character boundary. *cut tells whether it was cut. Caller frees. */
static char *clean_text(const char *s, size_t max, bool *cut) {
  const unsigned char *u = (const unsigned char *)s;
  size_t n = strlen(s);
  qg_buf b;
  qg_buf_init(&b, 0);
  for (size_t i = 0; i < n;) {
    uint32_t cp = 0;
    size_t k = utf8_seq(u + i, n - i, &cp);
    if (k == 0) { /* not text: dropped byte by byte */
      i++;
      continue;
    }
    bool control = (cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7F && cp <= 0x9F);
    if (!control)
      (void)qg_buf_append(&b, u + i, k);
    i += k;
  }
  size_t len = b.len;
  const char *t = trim(b.data ? b.data : "", &len);
  *cut = false;
  if (len > max) {
    *cut = true;
    len = max;
    while (len && ((unsigned char)t[len] & 0xC0) == 0x80)
      len--;
    t = trim(t, &len);
  }
  char *out = qg_xstrndup(t, len);
  qg_buf_cleanup(&b);
  return out;
}

/* A model's value in double quotes for a note: escaped, one line, at most
 * QUOTE_MAX bytes. Caller frees. */
static char *quoted(const char *s) {
  const unsigned char *u = (const unsigned char *)s;
  size_t n = strlen(s);
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_putc(&b, '"');
  size_t i = 0;
  while (i < n && i < QUOTE_MAX) {
    uint32_t cp = 0;
    size_t k = utf8_seq(u + i, n - i, &cp);
    if (k == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      (void)qg_buf_printf(&b, "\\x%02x", u[i]);
      k = 1;
    } else if (cp == '"' || cp == '\\') {
      (void)qg_buf_putc(&b, '\\');
      (void)qg_buf_putc(&b, (char)cp);
    } else {
      (void)qg_buf_append(&b, u + i, k);
    }
    i += k;
  }
  (void)qg_buf_puts(&b, i < n ? "\"..." : "\"");
  return qg_buf_detach(&b);
}

/* ---- notes -------------------------------------------------------------------------- */

typedef struct ctx {
  qg_reply *r;
  const qg_change *change;
  size_t cap_v, cap_notes;
  size_t *orig; /* 1-based index in the reply of each kept violation */
  size_t cap_orig;
  size_t notes_unlisted;
} ctx;

static void push_note(ctx *c, char *s) {
  qg_grow((void **)&c->r->notes, &c->cap_notes, c->r->nnotes + 1, sizeof(char *));
  c->r->notes[c->r->nnotes++] = s;
}

/* A note about one violation or the reply; past QG_REPLY_MAX_NOTES they
 * are only counted. */
QG_PRINTF(2, 3) static void note(ctx *c, const char *fmt, ...) {
  if (c->r->nnotes >= QG_REPLY_MAX_NOTES) {
    c->notes_unlisted++;
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  push_note(c, qg_xvasprintf(fmt, ap));
  va_end(ap);
}

/* ---- locating the JSON -------------------------------------------------------------- */

typedef struct scan {
  bool closed;   /* the value ends within the text ... */
  size_t end;    /* ... here (one past its last bracket) */
  bool key;      /* the root object has a "violations" key */
  bool overflow; /* nested deeper than MAX_DEPTH */
  /* where to cut an unfinished value and how to close it again */
  bool repairable;
  size_t cut;
  char close[MAX_DEPTH];
  size_t nclose;
  size_t complete; /* whole violations before the cut */
  bool array_done; /* the cut is after the violations array's own end */
} scan;

static void mark_cut(scan *sc, size_t at, const char *stack, size_t depth, size_t complete,
                     bool done) {
  sc->repairable = true;
  sc->cut = at;
  sc->nclose = depth;
  for (size_t k = 0; k < depth; k++)
    sc->close[k] = stack[depth - 1 - k] == '{' ? '}' : ']';
  sc->complete = complete;
  sc->array_done = done;
}

/* Scans the JSON value that starts at s[0] ('{' or '['). Only brackets and
 * strings matter: whether the rest is valid is cJSON's business. The
 * violations array is the root itself when it is an array, else the value
 * of the root object's "violations" key; the safe cuts are just inside its
 * '[', after each element, and after its ']'. */
static void scan_json(const char *s, size_t len, scan *sc) {
  memset(sc, 0, sizeof(*sc));
  char stack[MAX_DEPTH];
  size_t depth = 0, vdepth = 0, elements = 0;
  bool in_str = false, esc = false, vdone = false, vkey = false;
  size_t str_start = 0, key_start = 0, key_len = 0;
  for (size_t i = 0; i < len; i++) {
    char ch = s[i];
    if (in_str) {
      if (esc) {
        esc = false;
      } else if (ch == '\\') {
        esc = true;
      } else if (ch == '"') {
        in_str = false;
        key_start = str_start;
        key_len = i - str_start;
      }
      continue;
    }
    switch (ch) {
    case '"':
      in_str = true;
      str_start = i + 1;
      break;
    case ':':
      if (depth == 1 && stack[0] == '{') {
        vkey = key_len == 10 && memcmp(s + key_start, "violations", 10) == 0;
        sc->key = sc->key || vkey;
      }
      break;
    case ',':
      if (depth == 1)
        vkey = false;
      break;
    case '{':
    case '[':
      if (depth == MAX_DEPTH) {
        sc->overflow = true;
        return;
      }
      stack[depth++] = ch;
      if (ch == '[' && !vdepth && (depth == 1 || (depth == 2 && stack[0] == '{' && vkey))) {
        vdepth = depth;
        mark_cut(sc, i + 1, stack, depth, 0, false);
      }
      break;
    case '}':
    case ']':
      if (depth == 0) /* cannot happen from a '{' or '[' start; kept for safety */
        return;
      depth--;
      if (depth == 0) {
        sc->closed = true;
        sc->end = i + 1;
        return;
      }
      if (vdepth && !vdone && depth == vdepth) {
        mark_cut(sc, i + 1, stack, depth, ++elements, false);
      } else if (vdepth && !vdone && depth + 1 == vdepth) {
        vdone = true;
        mark_cut(sc, i + 1, stack, depth, elements, true);
      }
      break;
    default:
      break;
    }
  }
}

typedef struct found {
  cJSON *root;
  const cJSON *list; /* the violations array: root, or root's "violations" */
  bool repaired;
  size_t complete;
  bool array_done;
} found;

/* A violations list in a parsed value: the "violations" array of an
 * object, or an array that is empty or holds an object (prose such as
 * "[1, 2]" is not one). */
static const cJSON *violations_of(const cJSON *root) {
  if (cJSON_IsObject(root)) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "violations");
    return cJSON_IsArray(v) ? v : NULL;
  }
  if (!cJSON_IsArray(root))
    return NULL;
  if (cJSON_GetArraySize(root) == 0)
    return root;
  for (const cJSON *e = root->child; e; e = e->next)
    if (cJSON_IsObject(e))
      return root;
  return NULL;
}

/* Tries the value at text[start]: parses it whole when it ends, or cut and
 * closed when the text stops inside its violations array. need_key: an
 * object must have a "violations" key to be worth parsing. */
static bool attempt(const char *text, size_t len, size_t start, bool need_key, scan *sc, found *f) {
  scan_json(text + start, len - start, sc);
  if (sc->overflow || (need_key && text[start] == '{' && !sc->key))
    return false;
  if (!sc->closed && !sc->repairable)
    return false;
  /* an unclosed '[' with no whole object after it is prose ("see [1"), not
   * a reply cut off before its first violation */
  if (!sc->closed && text[start] == '[' && sc->complete == 0)
    return false;
  size_t keep = sc->closed ? sc->end : sc->cut;
  size_t extra = sc->closed ? 0 : sc->nclose;
  /* a NUL-terminated copy: the repair appends, and cJSON never sees the text around it */
  char *buf = qg_xmalloc(keep + extra + 1);
  memcpy(buf, text + start, keep);
  memcpy(buf + keep, sc->close, extra);
  buf[keep + extra] = '\0';
  cJSON *root = cJSON_ParseWithLength(buf, keep + extra);
  free(buf);
  const cJSON *list = root ? violations_of(root) : NULL;
  if (!list) {
    cJSON_Delete(root);
    return false;
  }
  f->root = root;
  f->list = list;
  f->repaired = !sc->closed;
  f->complete = sc->complete;
  f->array_done = sc->array_done;
  return true;
}

static const char *find3(const char *s, size_t n, size_t from) {
  for (size_t i = from; i + 3 <= n; i++)
    if (s[i] == '`' && s[i + 1] == '`' && s[i + 2] == '`')
      return s + i;
  return NULL;
}

/* Values that open a ``` fence, json-tagged fences first when json_only.
 * A fence only says where the JSON starts: its end is the JSON's own, as a
 * suggestion may hold a ``` of its own. */
static bool try_fences(const char *text, size_t len, bool json_only, found *f) {
  size_t pos = 0;
  int tries = 0;
  for (const char *open = find3(text, len, 0); open && tries < MAX_TRIES; tries++) {
    size_t i = (size_t)(open - text) + 3;
    while (i < len && text[i] == '`')
      i++;
    size_t info = i;
    while (i < len && !is_space(text[i]) && text[i] != '{' && text[i] != '[')
      i++;
    bool is_json = i - info >= 4 && strncasecmp(text + info, "json", 4) == 0;
    while (i < len && is_space(text[i]))
      i++;
    scan sc;
    if (i < len && (text[i] == '{' || text[i] == '[') && (is_json || !json_only) &&
        attempt(text, len, i, false, &sc, f))
      return true;
    /* the next opener is past this fence's closer */
    const char *close = find3(text, len, i);
    if (!close)
      break;
    pos = (size_t)(close - text) + 3;
    while (pos < len && text[pos] == '`')
      pos++;
    open = find3(text, len, pos);
  }
  return false;
}

/* The first c in the text whose value is a violations list; for '{', one
 * with a "violations" key. A value that ends without being one is skipped
 * whole, so the search stays linear on ordinary text. */
static bool try_brackets(const char *text, size_t len, char c, found *f) {
  size_t i = 0;
  for (int tries = 0; i < len && tries < MAX_TRIES; tries++) {
    const char *p = memchr(text + i, c, len - i);
    if (!p)
      return false;
    size_t start = (size_t)(p - text);
    scan sc;
    if (attempt(text, len, start, c == '{', &sc, f))
      return true;
    i = sc.closed && !(c == '{' && sc.key) ? start + sc.end : start + 1;
  }
  return false;
}

static bool find_json(const char *text, size_t len, found *f) {
  return try_fences(text, len, true, f) || try_fences(text, len, false, f) ||
         try_brackets(text, len, '{', f) || try_brackets(text, len, '[', f);
}

/* ---- fields ------------------------------------------------------------------------- */

static const cJSON *field(const cJSON *o, const char *name, const char *alias) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  if ((!v || cJSON_IsNull(v)) && alias)
    v = cJSON_GetObjectItemCaseSensitive(o, alias);
  return v && !cJSON_IsNull(v) ? v : NULL;
}

/* Digits only, within uint32; *end past them. */
static bool parse_u32(const char *s, size_t n, size_t *end, uint32_t *out) {
  uint64_t v = 0;
  size_t i = 0;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
    v = v * 10 + (uint64_t)(s[i] - '0');
    if (v > UINT32_MAX)
      return false;
  }
  *end = i;
  *out = (uint32_t)v;
  return i > 0;
}

/* A line: a whole number, "12", or a range "12-14" (its start). Missing or
 * "" is 0. Returns false when the value is none of these. */
static bool parse_line(const cJSON *v, uint32_t *out) {
  *out = 0;
  if (!v)
    return true;
  if (cJSON_IsNumber(v)) {
    double d = v->valuedouble;
    if (!isfinite(d) || d < 0 || d > UINT32_MAX || floor(d) != d)
      return false;
    *out = (uint32_t)d;
    return true;
  }
  if (!cJSON_IsString(v))
    return false;
  size_t n = strlen(v->valuestring), k = 0;
  const char *s = trim(v->valuestring, &n);
  if (n == 0)
    return true;
  if (!parse_u32(s, n, &k, out))
    return false;
  if (k == n)
    return true;
  size_t i = k;
  while (i < n && is_space(s[i]))
    i++;
  if (i == n || s[i] != '-')
    return false;
  for (i++; i < n && is_space(s[i]); i++)
    ;
  uint32_t to = 0;
  return parse_u32(s + i, n - i, &k, &to) && i + k == n && to >= *out;
}

/* Confidence in 0..1: 0..1 as is, 1 < x <= 100 (or "x%") as a percentage,
 * missing as 0.5. Returns false for anything else. */
static bool parse_confidence(const cJSON *v, double *out) {
  *out = 0.5;
  if (!v)
    return true;
  double x;
  bool pct = false;
  if (cJSON_IsNumber(v)) {
    x = v->valuedouble;
  } else if (cJSON_IsString(v)) {
    size_t n = strlen(v->valuestring);
    const char *s = trim(v->valuestring, &n);
    if (n == 0 || !((s[0] >= '0' && s[0] <= '9') || s[0] == '.'))
      return false;
    char *copy = qg_xstrndup(s, n), *end = NULL;
    x = strtod(copy, &end);
    size_t used = (size_t)(end - copy);
    free(copy);
    while (used < n && is_space(s[used]))
      used++;
    if (used < n && s[used] == '%')
      pct = true, used++;
    if (used != n)
      return false;
  } else {
    return false;
  }
  if (!isfinite(x) || x < 0 || x > 100)
    return false;
  *out = pct || x > 1 ? x / 100 : x;
  return true;
}

/* Severity names and the other words models use for them. */
static bool parse_severity(const char *s, qg_severity *out) {
  static const struct {
    const char *word;
    qg_severity sev;
  } alias[] = {{"error", QG_SEV_HIGH},
               {"warning", QG_SEV_MEDIUM},
               {"note", QG_SEV_LOW},
               {"minor", QG_SEV_LOW}};
  size_t n = strlen(s);
  const char *t = trim(s, &n);
  char *w = qg_xstrndup(t, n);
  bool ok = qg_severity_parse(w, out) == QG_OK;
  for (size_t i = 0; !ok && i < QG_ARRAY_LEN(alias); i++)
    if (strcasecmp(w, alias[i].word) == 0) {
      *out = alias[i].sev;
      ok = true;
    }
  free(w);
  return ok;
}

static bool has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

/* The file named, as a path of the change: without "./", a leading '/',
 * or the "a/" and "b/" of diff headers. With a change, a path that is in
 * it as written wins over stripping "a/" or "b/" (a directory may be
 * called that). */
static const char *normalise_path(const char *p, const qg_change *change) {
  for (;;) {
    if (has_prefix(p, "./"))
      p += 2;
    else if (*p == '/')
      p++;
    else
      break;
  }
  if ((has_prefix(p, "a/") || has_prefix(p, "b/")) && !(change && qg_change_find(change, p)))
    p += 2;
  return p;
}

/* The shown line nearest to line, within QG_REPLY_NEAR_LINES; 0 when none.
 * On a tie the earlier line wins. */
static uint32_t nearest_shown(const qg_change_file *f, uint32_t line) {
  size_t lo = 0, hi = f->nlines;
  while (lo < hi) { /* first shown line >= line */
    size_t mid = lo + (hi - lo) / 2;
    if (f->lines[mid] < line)
      lo = mid + 1;
    else
      hi = mid;
  }
  uint32_t best = 0, dist = QG_REPLY_NEAR_LINES + 1;
  if (lo > 0 && line - f->lines[lo - 1] < dist)
    best = f->lines[lo - 1], dist = line - f->lines[lo - 1];
  if (lo < f->nlines && f->lines[lo] - line < dist)
    best = f->lines[lo];
  return best;
}

/* An optional text field: cleaned, NULL when missing or empty. */
static char *text_field(ctx *c, size_t idx, const cJSON *o, const char *name, const char *alias) {
  const cJSON *v = field(o, name, alias);
  if (!v)
    return NULL;
  if (!cJSON_IsString(v)) {
    note(c, "violation %zu: %s is %s, not text; left out", idx, name, qg_json_type_name(v));
    return NULL;
  }
  bool cut = false;
  char *s = clean_text(v->valuestring, QG_REPLY_MAX_TEXT, &cut);
  if (cut)
    note(c, "violation %zu: %s cut to %d bytes", idx, name, QG_REPLY_MAX_TEXT);
  if (!*s) {
    free(s);
    return NULL;
  }
  return s;
}

static void violation_free(qg_violation *v) {
  free(v->file);
  free(v->message);
  free(v->suggestion);
  free(v->reference);
}

/* Builds violation idx (1-based) from o. Returns false, with a note, when
 * it cannot be kept; then *v holds nothing. The problems that drop it are
 * looked for first, so a dropped violation has one note. */
static bool build(ctx *c, size_t idx, const cJSON *o, qg_violation *v) {
  memset(v, 0, sizeof(*v));
  if (!cJSON_IsObject(o)) {
    note(c, "violation %zu: %s, not an object, dropped", idx, qg_json_type_name(o));
    return false;
  }
  /* message */
  const cJSON *m = field(o, "message", NULL);
  if (!m) {
    note(c, "violation %zu: no message, dropped", idx);
    return false;
  }
  if (!cJSON_IsString(m)) {
    note(c, "violation %zu: message is %s, not text, dropped", idx, qg_json_type_name(m));
    return false;
  }
  bool msg_cut = false, path_cut = false;
  char *msg = clean_text(m->valuestring, QG_REPLY_MAX_TEXT, &msg_cut);
  if (!*msg) {
    note(c, "violation %zu: empty message, dropped", idx);
    free(msg);
    return false;
  }
  /* file */
  const cJSON *fv = field(o, "file", "path");
  const char *why = NULL;
  char *raw = NULL;
  if (!fv)
    why = "no file";
  else if (!cJSON_IsString(fv))
    why = "file is not a string";
  else if (!*(raw = clean_text(fv->valuestring, PATH_CAP, &path_cut)) || path_cut)
    why = "no usable file";
  const char *path = raw ? normalise_path(raw, c->change) : NULL;
  if (!why && !*path)
    why = "no usable file";
  if (why) {
    note(c, "violation %zu: %s, dropped", idx, why);
    free(raw);
    free(msg);
    return false;
  }
  const qg_change_file *cf = c->change ? qg_change_find(c->change, path) : NULL;
  if (c->change && !cf) {
    char *q = quoted(raw);
    note(c, "violation %zu: file %s is not in the change, dropped", idx, q);
    free(q);
    free(raw);
    free(msg);
    return false;
  }
  /* confidence */
  const cJSON *cv = field(o, "confidence", NULL);
  if (!parse_confidence(cv, &v->confidence)) {
    if (cJSON_IsNumber(cv)) {
      note(c, "violation %zu: confidence %g is neither in 0..1 nor a percentage, dropped", idx,
           cv->valuedouble);
    } else if (cJSON_IsString(cv)) {
      char *q = quoted(cv->valuestring);
      note(c, "violation %zu: confidence %s is not a number, dropped", idx, q);
      free(q);
    } else {
      note(c, "violation %zu: confidence is %s, not a number, dropped", idx, qg_json_type_name(cv));
    }
    free(raw);
    free(msg);
    return false;
  }
  /* kept from here on */
  if (msg_cut)
    note(c, "violation %zu: message cut to %d bytes", idx, QG_REPLY_MAX_TEXT);
  v->message = msg;
  v->file = qg_xstrdup(path);
  free(raw);

  const cJSON *sv = field(o, "severity", NULL);
  v->severity = QG_SEV_MEDIUM;
  if (cJSON_IsString(sv)) {
    if (!parse_severity(sv->valuestring, &v->severity)) {
      char *q = quoted(sv->valuestring);
      note(c, "violation %zu: severity %s is not known; taken as medium", idx, q);
      free(q);
    }
  } else if (sv) {
    note(c, "violation %zu: severity is %s, not a name; taken as medium", idx,
         qg_json_type_name(sv));
  }

  const cJSON *lv = field(o, "line", NULL);
  if (!parse_line(lv, &v->line)) {
    v->line = 0;
    if (cJSON_IsString(lv)) {
      char *q = quoted(lv->valuestring);
      note(c, "violation %zu: line %s is not a line number; kept on line 0", idx, q);
      free(q);
    } else if (cJSON_IsNumber(lv)) {
      note(c, "violation %zu: line %g is not a line number; kept on line 0", idx, lv->valuedouble);
    } else {
      note(c, "violation %zu: line is %s, not a line number; kept on line 0", idx,
           qg_json_type_name(lv));
    }
  } else if (cf && v->line && !qg_change_shows_line(cf, v->line)) {
    uint32_t near = nearest_shown(cf, v->line);
    char *q = quoted(v->file);
    if (near)
      note(c, "violation %zu: line %u of %s is not shown by the change; moved to line %u", idx,
           (unsigned)v->line, q, (unsigned)near);
    else
      note(c, "violation %zu: line %u of %s is not shown by the change; kept on line 0", idx,
           (unsigned)v->line, q);
    free(q);
    v->line = near;
  }

  v->suggestion = text_field(c, idx, o, "suggestion", NULL);
  v->reference = text_field(c, idx, o, "reference", "section");
  return true;
}

/* Folds v into an earlier violation on the same file and line with the same
 * message: the stronger severity and confidence, the first suggestion and
 * reference given. Returns false when there is none. */
static bool merge(ctx *c, size_t idx, qg_violation *v) {
  qg_reply *r = c->r;
  for (size_t i = 0; i < r->n; i++) {
    qg_violation *k = &r->v[i];
    if (k->line != v->line || strcmp(k->file, v->file) != 0 || strcmp(k->message, v->message) != 0)
      continue;
    if (v->severity > k->severity)
      k->severity = v->severity;
    if (v->confidence > k->confidence)
      k->confidence = v->confidence;
    if (!k->suggestion)
      k->suggestion = v->suggestion, v->suggestion = NULL;
    if (!k->reference)
      k->reference = v->reference, v->reference = NULL;
    note(c, "violation %zu: same file, line and message as violation %zu; merged", idx, c->orig[i]);
    violation_free(v);
    return true;
  }
  return false;
}

void qg_reply_parse(const char *text, size_t len, const qg_change *change, qg_reply *out) {
  memset(out, 0, sizeof(*out));
  ctx c = {.r = out, .change = change};
  if (!text)
    len = 0;
  size_t tl = len;
  (void)trim(text ? text : "", &tl);
  found f;
  memset(&f, 0, sizeof(f));
  if (tl == 0) {
    note(&c, "the reply is empty");
    return;
  }
  if (!find_json(text, len, &f)) {
    note(&c, "the reply holds no JSON object with a \"violations\" array");
    return;
  }
  out->parsed = true;
  out->truncated = f.repaired;
  if (f.repaired && f.array_done)
    note(&c, "the JSON was cut off after its violations array; closed it");
  else if (f.repaired && f.complete == 0)
    note(&c, "the JSON was cut off before its first violation was complete; nothing to keep");
  else if (f.repaired)
    note(&c,
         "the JSON was cut off inside its violations array; kept the %zu complete "
         "violation%s before the cut",
         f.complete, f.complete == 1 ? "" : "s");

  size_t idx = 0, over = 0;
  for (const cJSON *e = f.list->child; e; e = e->next) {
    idx++;
    if (out->n == QG_REPLY_MAX_VIOLATIONS) {
      over++;
      continue;
    }
    qg_violation v;
    if (!build(&c, idx, e, &v) || merge(&c, idx, &v))
      continue;
    qg_grow((void **)&out->v, &c.cap_v, out->n + 1, sizeof(qg_violation));
    qg_grow((void **)&c.orig, &c.cap_orig, out->n + 1, sizeof(size_t));
    c.orig[out->n] = idx;
    out->v[out->n++] = v;
  }
  /* these two go past the cap on purpose: they sum up what the cap hides */
  if (c.notes_unlisted)
    push_note(&c, qg_xasprintf("%zu more notes like these were left out", c.notes_unlisted));
  if (over)
    push_note(&c, qg_xasprintf("only the first %d violations are kept; %zu more were dropped",
                               QG_REPLY_MAX_VIOLATIONS, over));
  free(c.orig);
  cJSON_Delete(f.root);
}

void qg_reply_cleanup(qg_reply *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->n; i++)
    violation_free(&r->v[i]);
  free(r->v);
  for (size_t i = 0; i < r->nnotes; i++)
    free(r->notes[i]);
  free(r->notes);
  memset(r, 0, sizeof(*r));
}

/* The schema: every property required and no others, as OpenAI's strict mode
 * demands; a model with nothing to say for an optional field gives "". */
const char *qg_reply_schema_json(void) {
  return "{\"type\":\"object\","
         "\"properties\":{\"violations\":{\"type\":\"array\",\"items\":{"
         "\"type\":\"object\","
         "\"properties\":{"
         "\"file\":{\"type\":\"string\",\"description\":\"the path as shown in the change\"},"
         "\"line\":{\"type\":\"integer\",\"description\":\"the new-file line number as "
         "numbered in the change\"},"
         "\"quote\":{\"type\":\"string\",\"description\":\"a short verbatim piece of the "
         "offending added line\"},"
         "\"reference\":{\"type\":\"string\",\"description\":\"the heading of the document "
         "section broken\"},"
         "\"severity\":{\"type\":\"string\",\"enum\":[\"critical\",\"high\",\"medium\","
         "\"low\"]},"
         "\"confidence\":{\"type\":\"number\",\"description\":\"0 to 1\"},"
         "\"message\":{\"type\":\"string\"},"
         "\"suggestion\":{\"type\":\"string\"}},"
         "\"required\":[\"file\",\"line\",\"quote\",\"reference\",\"severity\","
         "\"confidence\",\"message\",\"suggestion\"],"
         "\"additionalProperties\":false}}},"
         "\"required\":[\"violations\"],"
         "\"additionalProperties\":false}";
}
