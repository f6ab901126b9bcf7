/* reply.c: the model's answer, found, repaired and checked (see reply.h).
 *
 * Three stages. First the JSON is located without trusting it: a bracket
 * scanner (string-aware, nothing else) finds where each top-level value ends
 * (the last complete answer wins), or, when the text stops first, the last
 * point inside the "violations" array where the text can be cut and closed
 * again. Then cJSON parses the span and each violation is checked field by
 * field; what is wrong is dropped or mended. Last, each violation is held to
 * what the request showed: its file, its line (anchored by its quote among the
 * added lines of the file's patch) and its section (among the documents'
 * headings); what the change does not bear out becomes unconfirmed. Every such
 * decision leaves a note. */
#include "review/reply.h"
#include "scoring/jsonin.h"
#include "core/mem.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
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
  const qg_reply_scope *scope;
  size_t cap_v, cap_notes;
  size_t *orig; /* 1-based index in the reply of each kept violation */
  size_t cap_orig;
  size_t notes_unlisted;
  char **nheads; /* the scope's headings, normalised (norm_heading) */
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

/* Whether the '[' or '{' at text[at] follows a member name: "name": [ */
static bool member_value(const char *text, size_t at) {
  size_t i = at;
  while (i > 0 && is_space(text[i - 1]))
    i--;
  if (i == 0 || text[i - 1] != ':')
    return false;
  i--;
  while (i > 0 && is_space(text[i - 1]))
    i--;
  return i > 0 && text[i - 1] == '"';
}

/* Tries the value at text[start]: parses it whole when it ends, or cut and
 * closed when the text stops inside its violations array. need_key: an
 * object must have a "violations" key to be worth parsing. */
static bool attempt(const char *text, size_t len, size_t start, bool need_key, scan *sc, found *f) {
  scan_json(text + start, len - start, sc);
  if (sc->overflow || (need_key && text[start] == '{' && !sc->key))
    return false;
  /* whole values were all looked at first (find_complete): here only repairs */
  if (sc->closed || !sc->repairable)
    return false;
  /* an array that is a member's value ("checked": [...]) is not a reply's */
  if (text[start] == '[' && member_value(text, start))
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
    i = sc.closed ? start + sc.end : start + 1;
  }
  return false;
}

/* The verdict of an object that is not an answer: its "result" (or verdict,
 * status, outcome, decision, conclusion) as a word, or a boolean "pass" (or
 * passed, compliant, approved, ok). Returns NULL when it states none; *pass
 * whether it is a pass. Borrowed from o, or static. */
static const char *verdict_of(const cJSON *o, bool *pass) {
  static const char *const keys[] = {"result",   "verdict",    "status", "outcome",
                                     "decision", "conclusion", "review"};
  static const char *const bools[] = {"pass", "passed", "compliant", "approved", "ok"};
  static const char *const passing[] = {"pass",          "passed",    "passes",   "ok",
                                        "okay",          "approve",   "approved", "compliant",
                                        "success",       "succeeded", "clean",    "lgtm",
                                        "no violations", "no issues", "none"};
  *pass = false;
  for (size_t i = 0; i < QG_ARRAY_LEN(keys); i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
    if (!cJSON_IsString(v))
      continue;
    size_t n = strlen(v->valuestring);
    const char *t = trim(v->valuestring, &n);
    for (size_t k = 0; k < QG_ARRAY_LEN(passing); k++)
      if (strlen(passing[k]) == n && strncasecmp(t, passing[k], n) == 0)
        *pass = true;
    return v->valuestring;
  }
  for (size_t i = 0; i < QG_ARRAY_LEN(bools); i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, bools[i]);
    if (cJSON_IsBool(v)) {
      *pass = cJSON_IsTrue(v);
      return *pass ? "true" : "false";
    }
  }
  return NULL;
}

typedef struct verdict {
  cJSON *root; /* owned: the last object with a verdict and no "violations" */
  const char *word;
  bool pass;
} verdict;

/* Every complete JSON value at the top level of the text (not inside another
 * one), in order: the last object with a "violations" array is the answer,
 * else the last bare array of violations; *several counts the answers of that
 * kind. An object stating a verdict without violations is kept in *vd. */
#define MAX_VALUES 256 /* top-level values looked at */
static bool find_complete(const char *text, size_t len, found *f, size_t *several, verdict *vd) {
  found obj = {0}, arr = {0};
  size_t nobj = 0, narr = 0, i = 0;
  for (int tries = 0; i < len && tries < MAX_VALUES; tries++) {
    size_t start = i;
    while (start < len && text[start] != '{' && text[start] != '[')
      start++;
    if (start == len)
      break;
    scan sc;
    if (member_value(text, start)) { /* inside a value cut off before it */
      i = start + 1;
      continue;
    }
    scan_json(text + start, len - start, &sc);
    if (!sc.closed || sc.overflow) {
      i = start + 1;
      continue;
    }
    i = start + sc.end;
    cJSON *root = cJSON_ParseWithLength(text + start, sc.end);
    const cJSON *list = root ? violations_of(root) : NULL;
    if (list && cJSON_IsObject(root)) {
      cJSON_Delete(obj.root);
      obj = (found){root, list, false, 0, false};
      nobj++;
    } else if (list) {
      cJSON_Delete(arr.root);
      arr = (found){root, list, false, 0, false};
      narr++;
    } else if (cJSON_IsObject(root) && !cJSON_GetObjectItemCaseSensitive(root, "violations")) {
      bool pass = false;
      const char *word = verdict_of(root, &pass);
      if (word) {
        cJSON_Delete(vd->root);
        *vd = (verdict){root, word, pass};
      } else {
        cJSON_Delete(root);
      }
    } else {
      cJSON_Delete(root);
    }
  }
  if (nobj) {
    cJSON_Delete(arr.root);
    *f = obj;
    *several = nobj;
    return true;
  }
  *f = arr;
  *several = narr;
  return narr > 0;
}

/* A reply cut off inside its answer: the value is closed again where it can be. */
static bool find_repair(const char *text, size_t len, found *f) {
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

/* A confidence said in words (reply.h), or -1. */
static double confidence_word(const char *s, size_t n) {
  static const struct {
    const char *word;
    double v;
  } words[] = {{"very high", 0.9}, {"high", 0.9},     {"certain", 0.9},  {"definite", 0.9},
               {"medium", 0.7},    {"moderate", 0.7}, {"likely", 0.7},   {"probable", 0.7},
               {"low", 0.4},       {"possible", 0.4}, {"unlikely", 0.4}, {"uncertain", 0.4}};
  for (size_t i = 0; i < QG_ARRAY_LEN(words); i++)
    if (strlen(words[i].word) == n && strncasecmp(s, words[i].word, n) == 0)
      return words[i].v;
  return -1;
}

/* Confidence in 0..1: 0..1 as is, 1 < x <= 100 (or "x%") as a percentage,
 * a word (confidence_word), missing as 0.5. Returns false for anything else. */
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
    double w = confidence_word(s, n);
    if (w >= 0) {
      *out = w;
      return true;
    }
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
  } alias[] = {
      {"blocker", QG_SEV_CRITICAL}, {"blocking", QG_SEV_CRITICAL}, {"major", QG_SEV_HIGH},
      {"error", QG_SEV_HIGH},       {"severe", QG_SEV_HIGH},       {"serious", QG_SEV_HIGH},
      {"important", QG_SEV_HIGH},   {"minor", QG_SEV_MEDIUM},      {"warning", QG_SEV_MEDIUM},
      {"warn", QG_SEV_MEDIUM},      {"moderate", QG_SEV_MEDIUM},   {"nit", QG_SEV_LOW},
      {"nitpick", QG_SEV_LOW},      {"trivial", QG_SEV_LOW},       {"suggestion", QG_SEV_LOW},
      {"note", QG_SEV_LOW},         {"optional", QG_SEV_LOW},      {"style", QG_SEV_LOW}};
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

/* ---- anchoring ---------------------------------------------------------------------- */

/* s[0..n) with every run of white space one space, trimmed, into out (room
 * for n + 1 bytes, NUL-terminated). Returns its length. */
static size_t collapse(const char *s, size_t n, char *out) {
  size_t o = 0;
  bool sp = false;
  for (size_t i = 0; i < n; i++) {
    if (is_space(s[i]) || s[i] == '\f' || s[i] == '\v') {
      sp = o > 0;
      continue;
    }
    if (sp)
      out[o++] = ' ';
    sp = false;
    out[o++] = s[i];
  }
  out[o] = '\0';
  return o;
}

/* The number after the '+' of a hunk header "@@ -a,b +c,d @@"; 0 when none. */
static uint32_t hunk_start(const char *p, size_t n) {
  const char *plus = memchr(p, '+', n);
  if (!plus)
    return 0;
  size_t k = 0;
  uint32_t v = 0;
  size_t rest = n - (size_t)(plus + 1 - p);
  return parse_u32(plus + 1, rest, &k, &v) ? v : 0;
}

/* The added line of f whose text (white space collapsed) holds q (NUL-terminated,
 * qn bytes), nearest to `near` (the earlier on a tie); 0 when none does. */
static uint32_t find_quote(const qg_change_file *f, const char *q, size_t qn, uint32_t near) {
  if (!f->patch || !f->patch_len || !qn)
    return 0;
  char *buf = qg_xmalloc(f->patch_len + 1);
  uint32_t best = 0, bestd = UINT32_MAX, ln = 0;
  const char *p = f->patch, *end = f->patch + f->patch_len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    size_t n = (size_t)(le - p);
    if (n >= 3 && memcmp(p, "@@ ", 3) == 0) {
      ln = hunk_start(p + 3, n - 3);
    } else if (n && *p == '+') {
      size_t bl = collapse(p + 1, n - 1, buf);
      if (ln && bl >= qn && strstr(buf, q)) { /* glibc's is linear: no hostile worst case */
        uint32_t d = ln > near ? ln - near : near - ln;
        if (d < bestd)
          best = ln, bestd = d;
      }
      ln++;
    } else if (n == 0 || *p == ' ') {
      ln++;
    }
    p = nl ? nl + 1 : end;
  }
  free(buf);
  return best;
}

/* Makes v unconfirmed for `why` (appended to the reasons it has), with a note. */
static void unconfirm(ctx *c, size_t idx, qg_violation *v, const char *why) {
  char *q = quoted(v->file);
  note(c, "violation %zu (%s): %s; unconfirmed, not counted", idx, q, why);
  free(q);
  if (!v->unconfirmed) {
    v->unconfirmed = qg_xstrdup(why);
  } else {
    char *t = qg_xasprintf("%s; %s", v->unconfirmed, why);
    free(v->unconfirmed);
    v->unconfirmed = t;
  }
}

/* Puts v on the added line its quote is on, nearest the line claimed; or
 * keeps the line claimed when it is an added one; or makes it unconfirmed,
 * on the line claimed when the change shows it, else on line 0. */
static void anchor(ctx *c, size_t idx, qg_violation *v, const qg_change_file *cf) {
  uint32_t claimed = v->line;
  if (v->quote) {
    const char *q = v->quote;
    uint32_t at = find_quote(cf, q, strlen(q), claimed);
    if (!at && q[0] == '+') { /* the diff's marker copied with the line */
      q++;
      while (*q == ' ')
        q++;
      at = find_quote(cf, q, strlen(q), claimed);
    }
    if (at) {
      if (at != claimed) {
        char *f = quoted(v->file);
        if (claimed)
          note(c, "violation %zu: the quote is on added line %u of %s, not on line %u; moved there",
               idx, (unsigned)at, f, (unsigned)claimed);
        else
          note(c, "violation %zu: the quote is on added line %u of %s; put there", idx,
               (unsigned)at, f);
        free(f);
      }
      v->line = at;
      return;
    }
  }
  if (claimed && qg_change_added_line(cf, claimed)) {
    if (v->quote) {
      char *f = quoted(v->file);
      note(c, "violation %zu: the quote is on no added line of %s; kept on line %u, an added line",
           idx, f, (unsigned)claimed);
      free(f);
    }
    return;
  }
  bool shown = claimed && qg_change_shows_line(cf, claimed);
  const char *pre = v->quote ? "the quote is on no added line and " : "";
  char *why = !claimed ? qg_xasprintf("%sno line is named", pre)
                       : qg_xasprintf("%sline %u is %s", pre, (unsigned)claimed,
                                      shown ? "not an added line" : "not a line the change shows");
  unconfirm(c, idx, v, why);
  free(why);
  v->line = shown ? claimed : 0;
}

/* ---- sections --------------------------------------------------------------------- */

static bool is_alnum(unsigned char ch) {
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* A heading or a reference as compared (reply.h): without leading '#'s,
 * quotes, backticks and numbering ("3.2", "3.", "3)"), ASCII letters in lower
 * case, every run of other ASCII characters one space, trimmed. Caller frees. */
static char *norm_heading(const char *s, size_t n) {
  size_t i = 0;
  while (i < n && (is_space(s[i]) || strchr("#\"'`*_>", s[i]) != NULL))
    i++;
  if (i + 1 < n && (unsigned char)s[i] == 0xC2 && (unsigned char)s[i + 1] == 0xA7) /* U+00A7 */
    i += 2;
  if (i + 7 < n && strncasecmp(s + i, "section", 7) == 0 && !is_alnum((unsigned char)s[i + 7]))
    for (i += 7; i < n && is_space(s[i]);)
      i++;
  size_t j = i;
  while (j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == '.'))
    j++;
  if (j > i && j < n && !is_alnum((unsigned char)s[j])) {
    size_t k = s[j] == ')' ? j + 1 : j;
    bool more = false; /* a heading that is only a number keeps it */
    for (size_t t = k; t < n && !more; t++)
      more = is_alnum((unsigned char)s[t]) || (unsigned char)s[t] >= 0x80;
    if (more)
      i = k;
  }
  char *out = qg_xmalloc(n - i + 1);
  size_t o = 0;
  bool sep = false;
  for (; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch >= 0x80 || is_alnum(ch)) {
      if (sep && o)
        out[o++] = ' ';
      sep = false;
      out[o++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    } else {
      sep = true;
    }
  }
  out[o] = '\0';
  return out;
}

/* Where s names a document ("ARCHITECTURE.md - Layers", "docs/arch.md#layers"):
 * what follows the last ".md"; else NULL. */
static const char *after_md(const char *s) {
  const char *hit = NULL;
  for (const char *p = s; (p = strchr(p, '.')) != NULL; p++)
    if (strncasecmp(p, ".md", 3) == 0 && !is_alnum((unsigned char)p[3]))
      hit = p + 3;
  return hit;
}

/* The heading (index into c->scope->headings) a reference names, or -1. Tried,
 * on the reference and on what follows a document's name in it: the whole;
 * each side of the first " - " or ": " ("Layers - no db in services"); the
 * parts of "A > B > C", the last first. */
static long find_section(const ctx *c, char **nheads, const char *ref) {
  struct {
    const char *s;
    size_t n;
  } cand[14];
  size_t nc = 0;
  const char *base[2] = {ref, after_md(ref)};
  for (int b = 0; b < 2; b++) {
    const char *x = base[b];
    if (!x)
      continue;
    size_t xn = strlen(x);
    cand[nc].s = x, cand[nc++].n = xn;
    const char *d = strstr(x, " - ");
    if (!d)
      d = strstr(x, ": ");
    if (d) {
      cand[nc].s = d + 2, cand[nc++].n = xn - (size_t)(d + 2 - x);
      cand[nc].s = x, cand[nc++].n = (size_t)(d - x);
    }
    /* the parts of "A > B > C", the last first, at most 4 */
    size_t end = xn;
    for (size_t k = xn, parts = 0; memchr(x, '>', xn) && parts < 4; k--) {
      if (k == 0 || x[k - 1] == '>') {
        cand[nc].s = x + k, cand[nc++].n = end - k;
        parts++;
        end = k ? k - 1 : 0;
      }
      if (k == 0)
        break;
    }
  }
  for (size_t i = 0; i < nc; i++) {
    char *nr = norm_heading(cand[i].s, cand[i].n);
    long hit = -1;
    for (size_t h = 0; *nr && h < c->scope->nheadings && hit < 0; h++)
      if (strcmp(nr, nheads[h]) == 0)
        hit = (long)h;
    free(nr);
    if (hit >= 0)
      return hit;
  }
  return -1;
}

static bool all_same(const char *t, size_t n) {
  for (size_t i = 1; i < n; i++)
    if (t[i] != t[0])
      return false;
  return true;
}

void qg_reply_headings(const char *md, size_t len, char ***list, size_t *n) {
  size_t cap = *n;
  bool fence = false;
  char fch = 0;
  const char *prev = NULL; /* the previous line, when it can be a setext heading's text */
  size_t prevn = 0;
  for (const char *p = md, *end = md ? md + len : NULL; p && p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n0 = (size_t)((nl ? nl : end) - p), ind = 0;
    while (ind < n0 && ind < 4 && p[ind] == ' ')
      ind++;
    const char *t = p + ind;
    size_t tn = n0 - ind;
    while (tn && (t[tn - 1] == '\r' || t[tn - 1] == ' ' || t[tn - 1] == '\t'))
      tn--;
    const char *head = NULL;
    size_t hn = 0;
    if (ind < 4 && tn >= 3 && (t[0] == '`' || t[0] == '~') && t[1] == t[0] && t[2] == t[0]) {
      if (!fence)
        fence = true, fch = t[0];
      else if (t[0] == fch)
        fence = false;
      prev = NULL;
    } else if (fence || ind >= 4) {
      prev = NULL;
    } else if (tn && t[0] == '#') {
      size_t h = 0;
      while (h < tn && t[h] == '#')
        h++;
      if (h <= 6 && (h == tn || t[h] == ' ' || t[h] == '\t')) {
        head = t + h;
        hn = tn - h;
        size_t k = hn; /* a closing sequence of '#'s, after a space */
        while (k && t[h + k - 1] == '#')
          k--;
        if (k < hn && (k == 0 || t[h + k - 1] == ' ' || t[h + k - 1] == '\t'))
          hn = k;
      }
      prev = NULL;
    } else if (tn && prev && (t[0] == '=' || t[0] == '-') && all_same(t, tn)) {
      head = prev;
      hn = prevn;
      prev = NULL;
    } else {
      prev = tn ? t : NULL;
      prevn = tn;
    }
    if (head && *n < QG_REPLY_MAX_HEADINGS) {
      char *raw = qg_xstrndup(head, hn);
      bool cut = false;
      char *h = clean_text(raw, QG_REPLY_MAX_TEXT, &cut);
      free(raw);
      if (*h) {
        qg_grow((void **)list, &cap, *n + 1, sizeof(char *));
        (*list)[(*n)++] = h;
      } else {
        free(h);
      }
    }
    p = nl ? nl + 1 : end;
  }
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
  free(v->section);
  free(v->quote);
  free(v->unconfirmed);
}

/* The quote: one line (the first with text, when the model gave several), white
 * space collapsed, at most QG_REPLY_MAX_QUOTE bytes; NULL when none. */
static char *quote_field(ctx *c, size_t idx, const cJSON *o) {
  char *t = text_field(c, idx, o, "quote", NULL);
  if (!t)
    return NULL;
  char *line = t;
  size_t n = strlen(t);
  char *nl = strchr(t, '\n');
  if (nl) {
    note(c, "violation %zu: the quote has several lines; its first is looked for", idx);
    n = (size_t)(nl - t);
  }
  char *q = qg_xmalloc(n + 1);
  size_t qn = collapse(line, n, q);
  free(t);
  if (qn > QG_REPLY_MAX_QUOTE) {
    qn = QG_REPLY_MAX_QUOTE;
    while (qn && ((unsigned char)q[qn] & 0xC0) == 0x80)
      qn--;
    q[qn] = '\0';
    note(c, "violation %zu: quote cut to %d bytes", idx, QG_REPLY_MAX_QUOTE);
  }
  if (!qn) {
    free(q);
    return NULL;
  }
  return q;
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
  const char *out_why = c->change && !cf ? "is not in the change" : NULL;
  char *skip_why = NULL;
  if (!out_why && cf && cf->skip != QG_CHANGE_KEPT)
    out_why = skip_why =
        qg_xasprintf("is not shown by the change (%s)", qg_change_skip_name(cf->skip));
  if (!out_why && c->scope) {
    bool shown = false;
    for (size_t i = 0; i < c->scope->npaths && !shown; i++)
      shown = strcmp(c->scope->paths[i], path) == 0;
    if (!shown)
      out_why = "was not shown in this request";
  }
  if (out_why) {
    char *q = quoted(raw);
    note(c, "violation %zu: file %s %s, dropped", idx, q, out_why);
    free(q);
    free(skip_why);
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
      note(c, "violation %zu: line %s is not a line number; taken as 0", idx, q);
      free(q);
    } else if (cJSON_IsNumber(lv)) {
      note(c, "violation %zu: line %g is not a line number; taken as 0", idx, lv->valuedouble);
    } else {
      note(c, "violation %zu: line is %s, not a line number; taken as 0", idx,
           qg_json_type_name(lv));
    }
  }
  v->quote = quote_field(c, idx, o);
  if (cf)
    anchor(c, idx, v, cf);

  v->suggestion = text_field(c, idx, o, "suggestion", NULL);
  v->reference = text_field(c, idx, o, "reference", "section");
  if (c->scope && c->scope->nheadings) {
    long h = v->reference ? find_section(c, c->nheads, v->reference) : -1;
    if (h >= 0) {
      v->section = qg_xstrdup(c->scope->headings[h]);
    } else if (!v->reference) {
      unconfirm(c, idx, v, "it cites no section of the documents");
    } else {
      char *q = quoted(v->reference);
      char *because = qg_xasprintf("section %s is not a heading of the documents", q);
      unconfirm(c, idx, v, because);
      free(because);
      free(q);
    }
  }
  return true;
}

/* Folds v into k: the stronger severity and confidence, the first suggestion,
 * reference, section and quote given; a confirmed v confirms k, on v's line.
 * v is freed. */
static void fold(qg_violation *k, qg_violation *v) {
  if (k->unconfirmed && !v->unconfirmed) {
    free(k->unconfirmed);
    k->unconfirmed = NULL;
    k->line = v->line;
  }
  if (v->severity > k->severity)
    k->severity = v->severity;
  if (v->confidence > k->confidence)
    k->confidence = v->confidence;
  char **mine[] = {&k->suggestion, &k->reference, &k->section, &k->quote};
  char **theirs[] = {&v->suggestion, &v->reference, &v->section, &v->quote};
  for (size_t i = 0; i < QG_ARRAY_LEN(mine); i++)
    if (!*mine[i])
      *mine[i] = *theirs[i], *theirs[i] = NULL;
  violation_free(v);
}

/* Folds v into an earlier violation on the same file and line with the same
 * message. Returns false when there is none. */
static bool merge(ctx *c, size_t idx, qg_violation *v) {
  qg_reply *r = c->r;
  for (size_t i = 0; i < r->n; i++) {
    qg_violation *k = &r->v[i];
    if (k->line != v->line || strcmp(k->file, v->file) != 0 || strcmp(k->message, v->message) != 0)
      continue;
    note(c, "violation %zu: same file, line and message as violation %zu; merged", idx, c->orig[i]);
    fold(k, v);
    return true;
  }
  return false;
}

/* The section two violations are compared by: the heading, else the reference. */
static bool same_section(const qg_violation *a, const qg_violation *b) {
  const char *x = a->section ? a->section : a->reference;
  const char *y = b->section ? b->section : b->reference;
  if (!x || !y)
    return false;
  char *nx = norm_heading(x, strlen(x)), *ny = norm_heading(y, strlen(y));
  bool same = *nx && strcmp(nx, ny) == 0;
  free(nx);
  free(ny);
  return same;
}

size_t qg_reply_merge(qg_reply *into, qg_reply *from) {
  size_t folded = 0, cap = into->n, before = into->n; /* from's own are not compared */
  for (size_t i = 0; i < from->n; i++) {
    qg_violation *v = &from->v[i];
    qg_violation *k = NULL;
    bool by_quote = false;
    const char *why = NULL;
    for (size_t j = 0; j < before && !k; j++) {
      qg_violation *w = &into->v[j];
      uint32_t d = w->line > v->line ? w->line - v->line : v->line - w->line;
      if (strcmp(w->file, v->file) != 0 || d > QG_REPLY_NEAR_LINES)
        continue;
      by_quote = w->quote && v->quote && strcmp(w->quote, v->quote) == 0;
      /* two quotes that differ are two places, whatever section they cite */
      bool other_code = w->quote && v->quote && !by_quote;
      if (by_quote || (!other_code && same_section(w, v))) {
        k = w;
        why = by_quote ? "quote" : "section";
      } else if (strcmp(w->message, v->message) == 0) {
        k = w;
        why = "message";
      }
    }
    if (!k) {
      qg_grow((void **)&into->v, &cap, into->n + 1, sizeof(qg_violation));
      into->v[into->n++] = *v;
      continue;
    }
    char *f = quoted(v->file);
    char *t = qg_xasprintf("%s line %u: the same violation as on line %u (the same %s); merged", f,
                           (unsigned)v->line, (unsigned)k->line, why);
    free(f);
    size_t nn = into->nnotes;
    qg_grow((void **)&into->notes, &nn, into->nnotes + 1, sizeof(char *));
    into->notes[into->nnotes++] = t;
    fold(k, v);
    folded++;
  }
  free(from->v);
  from->v = NULL;
  from->n = 0;
  return folded;
}

void qg_violation_key(const qg_violation *v, char out[17]) {
  const char *s = v->quote ? v->quote : v->message;
  char *t = qg_xmalloc(strlen(s) + 1);
  size_t n = collapse(s, strlen(s), t);
  uint64_t h = qg_hash64(t, n, QG_HASH_SEED);
  free(t);
  snprintf(out, 17, "%016llx", (unsigned long long)h);
}

void qg_reply_parse(const char *text, size_t len, const qg_change *change,
                    const qg_reply_scope *scope, qg_reply *out) {
  memset(out, 0, sizeof(*out));
  ctx c = {.r = out, .change = change, .scope = scope};
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
  size_t several = 0;
  verdict vd = {0};
  bool got = find_complete(text, len, &f, &several, &vd);
  if (!got)
    got = find_repair(text, len, &f);
  if (!got && vd.root && vd.pass) {
    /* a pass stated without the array: no violations, and nothing else is read */
    char *w = quoted(vd.word);
    qg_buf b;
    qg_buf_init(&b, 0);
    for (const cJSON *e = vd.root->child; e; e = e->next)
      if ((cJSON_IsArray(e) || cJSON_IsObject(e)) && e->string) {
        char *k = quoted(e->string); /* the model's key: escaped, capped */
        (void)qg_buf_printf(&b, "%s%s", b.len ? ", " : "", k);
        free(k);
      }
    note(&c, "the reply has no \"violations\" array but its verdict is %s: no violations%s%s%s", w,
         b.len ? " (" : "", b.len ? b.data : "", b.len ? " not read)" : "");
    qg_buf_cleanup(&b);
    free(w);
    cJSON_Delete(vd.root);
    out->parsed = true;
    return;
  }
  if (!got) {
    if (vd.root) {
      char *w = quoted(vd.word);
      note(&c, "the reply's verdict is %s but it has no \"violations\" array; not read", w);
      free(w);
    } else {
      note(&c, "the reply holds no JSON object with a \"violations\" array");
    }
    cJSON_Delete(vd.root);
    return;
  }
  cJSON_Delete(vd.root);
  if (several > 1)
    note(&c, "the reply holds %zu answers; the last one is read", several);
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

  if (scope) {
    c.nheads = qg_xcalloc(scope->nheadings + 1, sizeof(char *));
    for (size_t i = 0; i < scope->nheadings; i++)
      c.nheads[i] = norm_heading(scope->headings[i], strlen(scope->headings[i]));
  }
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
  for (size_t i = 0; scope && i < scope->nheadings; i++)
    free(c.nheads[i]);
  free(c.nheads);
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
