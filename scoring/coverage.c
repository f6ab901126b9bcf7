/* coverage.c: coverage reports (lcov tracefiles, Cobertura XML, JaCoCo XML,
 * Go cover profiles) read into covered and coverable units.
 *
 * The totals come from the units themselves, merged: a line (lcov,
 * Cobertura) or a Go block that several records, classes or packages list
 * counts once, covered when any of them covered it. A report's own summary
 * numbers (lcov LF/LH, Cobertura lines-valid) cannot be merged and are not
 * added up; Cobertura's are the fallback of a report without <line>
 * elements. JaCoCo merges before it writes, so its root LINE counter is the
 * total.
 *
 * Everything is computed into a cov_parse and added to the caller's
 * qg_coverage only when the whole report is valid. Merging is linear: a hash
 * set of units keyed by (file, line) or (file, block span). */
#include "core/fs.h"
#include "core/mem.h"
#include "scoring/jsonin.h"
#include "scoring/signals.h"

#include <libxml/xmlreader.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COV_MAX_UNITS 50000000u /* merged lines or blocks in one report */
#define COV_MAX_WEIGHT 0x7fffffffu
#define XML_MAX_DEPTH 512 /* libxml2 stops at 256 levels without XML_PARSE_HUGE */

/* ---- the parse: merged units and diagnostics -------------------------------------------- */

typedef struct unit {
  uint64_t k1, k2; /* line, 0 (lcov, Cobertura); start, end (Go: line << 32 | column) */
  uint32_t file1;  /* file id + 1; 0 = free slot */
  uint32_t wc;     /* weight << 1 | covered */
} unit;

typedef struct file_name {
  const char *s; /* in the arena */
  size_t n;
  uint64_t h;
} file_name;

typedef struct cov_parse {
  const char *label;
  qg_result *diags;
  const char *buf;
  size_t len;
  size_t body; /* offset of the content after a UTF-8 BOM */
  unit *units;
  size_t ucap, un;
  uint32_t *fslots; /* file id + 1; 0 = free slot */
  size_t fcap;
  file_name *files;
  size_t nfiles, files_cap;
  qg_arena arena;
  unsigned long long covered, total;
} cov_parse;

static qg_status perr(cov_parse *p, uint32_t line, uint32_t col, const char *fmt, ...)
    QG_PRINTF(4, 5);
static qg_status perr(cov_parse *p, uint32_t line, uint32_t col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = qg_xvasprintf(fmt, ap);
  va_end(ap);
  qg_location loc = {p->label, line, col, 0, 0};
  if (p->diags)
    qg_result_diag(p->diags, QG_DIAG_ERROR, QG_EPARSE, &loc, "%s", msg);
  free(msg);
  return QG_EPARSE;
}

/* A printable copy of s[0..n) for a message: at most 60 bytes (cut at a
 * character boundary, then "..."), control characters as '?'. */
typedef struct snippet {
  char s[72];
} snippet;

static snippet snip(const char *s, size_t n) {
  snippet out;
  size_t m = n;
  if (m > 60) {
    m = 60;
    while (m > 0 && ((unsigned char)s[m] & 0xC0) == 0x80)
      m--;
  }
  for (size_t i = 0; i < m; i++) {
    unsigned char c = (unsigned char)s[i];
    out.s[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
  }
  if (m < n)
    memcpy(out.s + m, "...", 4);
  else
    out.s[m] = '\0';
  return out;
}

static uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

static size_t unit_slot(const unit *slots, size_t cap, uint32_t file1, uint64_t k1, uint64_t k2) {
  size_t mask = cap - 1;
  size_t i = (size_t)mix64(mix64(k2 + file1 * 0x9e3779b97f4a7c15ULL) ^ k1) & mask;
  while (slots[i].file1 && !(slots[i].file1 == file1 && slots[i].k1 == k1 && slots[i].k2 == k2))
    i = (i + 1) & mask;
  return i;
}

static void units_grow(cov_parse *p) {
  size_t ncap = p->ucap ? p->ucap * 2 : 1024;
  unit *ns = qg_xcalloc(ncap, sizeof(*ns));
  for (size_t i = 0; i < p->ucap; i++) {
    const unit *u = &p->units[i];
    if (u->file1)
      ns[unit_slot(ns, ncap, u->file1, u->k1, u->k2)] = *u;
  }
  free(p->units);
  p->units = ns;
  p->ucap = ncap;
}

typedef enum add_result { ADD_OK, ADD_FULL, ADD_WEIGHT_DIFFERS } add_result;

/* Adds a unit of `weight` covered or not, or merges it with the one of the
 * same key (covered when either is). *old is the weight already recorded
 * when it differs. */
static add_result units_add(cov_parse *p, uint32_t file, uint64_t k1, uint64_t k2, uint32_t weight,
                            bool covered, uint32_t *old) {
  if (!p->ucap)
    units_grow(p);
  uint32_t file1 = file + 1;
  size_t i = unit_slot(p->units, p->ucap, file1, k1, k2);
  unit *u = &p->units[i];
  if (u->file1) {
    if (u->wc >> 1 != weight) {
      *old = u->wc >> 1;
      return ADD_WEIGHT_DIFFERS;
    }
    if (covered && !(u->wc & 1)) {
      u->wc |= 1;
      p->covered += weight;
    }
    return ADD_OK;
  }
  if (p->un >= COV_MAX_UNITS)
    return ADD_FULL;
  u->file1 = file1;
  u->k1 = k1;
  u->k2 = k2;
  u->wc = weight << 1 | (covered ? 1u : 0u);
  p->un++;
  p->total += weight;
  if (covered)
    p->covered += weight;
  if (p->un * 4 > p->ucap * 3)
    units_grow(p);
  return ADD_OK;
}

static void files_grow(cov_parse *p) {
  size_t ncap = p->fcap ? p->fcap * 2 : 64;
  uint32_t *ns = qg_xcalloc(ncap, sizeof(*ns));
  for (size_t id = 0; id < p->nfiles; id++) {
    size_t i = (size_t)p->files[id].h & (ncap - 1);
    while (ns[i])
      i = (i + 1) & (ncap - 1);
    ns[i] = (uint32_t)id + 1;
  }
  free(p->fslots);
  p->fslots = ns;
  p->fcap = ncap;
}

/* The id of the file named s[0..n), the same for equal names. */
static uint32_t file_id(cov_parse *p, const char *s, size_t n) {
  if ((p->nfiles + 1) * 2 > p->fcap)
    files_grow(p);
  uint64_t h = qg_hash64(s, n, QG_HASH_SEED);
  size_t mask = p->fcap - 1, i = (size_t)h & mask;
  for (; p->fslots[i]; i = (i + 1) & mask) {
    const file_name *f = &p->files[p->fslots[i] - 1];
    if (f->h == h && f->n == n && memcmp(f->s, s, n) == 0)
      return p->fslots[i] - 1;
  }
  qg_grow((void **)&p->files, &p->files_cap, p->nfiles + 1, sizeof(*p->files));
  file_name *f = &p->files[p->nfiles];
  f->s = qg_arena_strndup(&p->arena, s, n);
  f->n = n;
  f->h = h;
  p->fslots[i] = (uint32_t)++p->nfiles;
  return (uint32_t)(p->nfiles - 1);
}

static void cov_cleanup(cov_parse *p) {
  free(p->units);
  free(p->fslots);
  free(p->files);
  qg_arena_cleanup(&p->arena);
}

/* ---- text helpers ----------------------------------------------------------------------- */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* 1-based column of p in the line starting at ls, in characters (UTF-8). */
static uint32_t col_at(const char *ls, const char *p) {
  uint32_t c = 1;
  for (; ls < p; ls++)
    c += ((unsigned char)*ls & 0xC0) != 0x80;
  return c;
}

static bool has_prefix(const char *s, const char *e, const char *prefix) {
  size_t n = strlen(prefix);
  return (size_t)(e - s) >= n && memcmp(s, prefix, n) == 0;
}

static bool equals(const char *s, const char *e, const char *word) {
  size_t n = strlen(word);
  return (size_t)(e - s) == n && memcmp(s, word, n) == 0;
}

typedef enum num_result { NUM_OK, NUM_NONE, NUM_RANGE } num_result;

/* Parses the decimal digits at *q (up to e) into *out, at most max; *q moves
 * past them. */
static num_result parse_uint(const char **q, const char *e, uint64_t max, uint64_t *out) {
  const char *d = *q;
  uint64_t x = 0;
  bool range = false;
  for (; d < e && is_digit(*d); d++) {
    unsigned v = (unsigned)(*d - '0');
    if (x > (max - v) / 10)
      range = true;
    else
      x = x * 10 + v;
  }
  if (d == *q)
    return NUM_NONE;
  *q = d;
  *out = x;
  return range ? NUM_RANGE : NUM_OK;
}

/* Skips the digits at *q; returns whether there was one and sets *nonzero
 * when one of them is not 0 (hit counts: only "more than zero" matters, so
 * no count is too large). */
static bool skip_count(const char **q, const char *e, bool *nonzero) {
  const char *d = *q;
  *nonzero = false;
  for (; d < e && is_digit(*d); d++)
    *nonzero |= *d != '0';
  if (d == *q)
    return false;
  *q = d;
  return true;
}

static bool all_digits(const char *s, const char *e) {
  if (s == e)
    return false;
  for (; s < e; s++)
    if (!is_digit(*s))
      return false;
  return true;
}

typedef struct line_it {
  const char *p, *end; /* what is left */
  uint32_t no;         /* number of the line last returned */
} line_it;

/* The next line, without its newline and a CR before it: [*ls, *le). */
static bool next_line(line_it *it, const char **ls, const char **le) {
  if (it->p >= it->end)
    return false;
  const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
  const char *e = nl ? nl : it->end;
  *ls = it->p;
  it->p = nl ? nl + 1 : it->end;
  if (e > *ls && e[-1] == '\r')
    e--;
  *le = e;
  it->no++;
  return true;
}

static void trim(const char **s, const char **e) {
  while (*s < *e && is_space(**s))
    (*s)++;
  while (*e > *s && is_space((*e)[-1]))
    (*e)--;
}

/* ---- lcov ------------------------------------------------------------------------------- */

enum { T_TN, T_SF, T_DA, T_LF, T_LH, T_OTHER };

/* geninfo(1) records; FNL/FNA are lcov 2's function records, MCDC/MCF/MCH its
 * MC/DC records. Only SF, DA and end_of_record matter for lines. */
static const struct {
  const char *name;
  int tag;
} k_lcov_records[] = {
    {"TN", T_TN},      {"SF", T_SF},     {"DA", T_DA},      {"LF", T_LF},     {"LH", T_LH},
    {"VER", T_OTHER},  {"FN", T_OTHER},  {"FNDA", T_OTHER}, {"FNF", T_OTHER}, {"FNH", T_OTHER},
    {"FNL", T_OTHER},  {"FNA", T_OTHER}, {"BRDA", T_OTHER}, {"BRF", T_OTHER}, {"BRH", T_OTHER},
    {"MCDC", T_OTHER}, {"MCF", T_OTHER}, {"MCH", T_OTHER},
};

/* The record type of the trimmed line [s, e), or -1; *value is what follows
 * the colon. */
static int lcov_record(const char *s, const char *e, const char **value) {
  const char *colon = memchr(s, ':', (size_t)(e - s));
  if (!colon)
    return -1;
  for (size_t i = 0; i < QG_ARRAY_LEN(k_lcov_records); i++) {
    if (equals(s, colon, k_lcov_records[i].name)) {
      *value = colon + 1;
      return k_lcov_records[i].tag;
    }
  }
  return -1;
}

static qg_status lcov_da(cov_parse *p, const char *ls, const char *v, const char *e, uint32_t no,
                         uint32_t file) {
  const char *q = v;
  const char *tok = memchr(q, ',', (size_t)(e - q));
  snippet t = snip(q, (size_t)((tok ? tok : e) - q));
  uint64_t line = 0;
  num_result nr = parse_uint(&q, e, UINT64_MAX, &line);
  if (nr == NUM_RANGE)
    return perr(p, no, col_at(ls, v), "DA: line number \"%s\" is out of range", t.s);
  if (nr == NUM_NONE || (q < e && *q != ','))
    return perr(p, no, col_at(ls, v), "DA: line number \"%s\" is not a non-negative integer", t.s);
  if (q == e)
    return perr(p, no, col_at(ls, q), "DA: expected ',' and a hit count after the line number");
  const char *h = ++q;
  tok = memchr(q, ',', (size_t)(e - q));
  t = snip(q, (size_t)((tok ? tok : e) - q));
  bool covered;
  if (q < e && *q == '-' && q + 1 < e && is_digit(q[1]))
    return perr(p, no, col_at(ls, h), "DA: hit count \"%s\" is negative", t.s);
  if (!skip_count(&q, e, &covered) || (q < e && *q != ','))
    return perr(p, no, col_at(ls, h), "DA: hit count \"%s\" is not a non-negative integer", t.s);
  /* what follows a second comma is the line's checksum */
  uint32_t old;
  if (units_add(p, file, line, 0, 1, covered, &old) == ADD_FULL)
    return perr(p, no, col_at(ls, v), "more than %u lines: over the cap", COV_MAX_UNITS);
  return QG_OK;
}

static qg_status parse_lcov(cov_parse *p) {
  line_it it = {p->buf + p->body, p->buf + p->len, 0};
  const char *ls, *le;
  bool in_block = false;
  uint32_t file = 0, sf_line = 0, last = 0;
  size_t blocks = 0;
  while (next_line(&it, &ls, &le)) {
    const char *s = ls, *e = le, *v = NULL;
    trim(&s, &e);
    if (s == e)
      continue;
    last = it.no;
    uint32_t c0 = col_at(ls, s);
    if (equals(s, e, "end_of_record")) {
      if (!in_block)
        return perr(p, it.no, c0, "end_of_record without an SF record before it");
      in_block = false;
      continue;
    }
    int tag = lcov_record(s, e, &v);
    if (tag < 0) {
      const char *colon = memchr(s, ':', (size_t)(e - s));
      snippet t = snip(s, (size_t)((colon ? colon : e) - s));
      return perr(p, it.no, c0, "unknown lcov record \"%s\"", t.s);
    }
    switch (tag) {
    case T_SF:
      if (in_block) {
        const file_name *f = &p->files[file];
        snippet t = snip(f->s, f->n);
        return perr(p, it.no, c0,
                    "SF record inside the record of \"%s\" (line %u): "
                    "missing end_of_record",
                    t.s, sf_line);
      }
      if (v == e)
        return perr(p, it.no, col_at(ls, v), "SF: empty source file path");
      file = file_id(p, v, (size_t)(e - v));
      in_block = true;
      sf_line = it.no;
      blocks++;
      break;
    case T_DA: {
      if (!in_block)
        return perr(p, it.no, c0, "DA record outside an SF ... end_of_record block");
      qg_status st = lcov_da(p, ls, v, e, it.no, file);
      if (st != QG_OK)
        return st;
      break;
    }
    case T_LF:
    case T_LH:
      /* summaries of one record: not merged, only checked */
      if (!all_digits(v, e)) {
        snippet t = snip(v, (size_t)(e - v));
        return perr(p, it.no, col_at(ls, v), "%s: \"%s\" is not a non-negative integer",
                    tag == T_LF ? "LF" : "LH", t.s);
      }
      break;
    default:
      break;
    }
  }
  if (in_block) {
    const file_name *f = &p->files[file];
    snippet t = snip(f->s, f->n);
    return perr(p, last, 1, "missing end_of_record at the end of the record of \"%s\" (line %u)",
                t.s, sf_line);
  }
  if (!blocks)
    return perr(p, last ? last : 1, 1, "no SF record: an lcov tracefile without source files");
  return QG_OK;
}

/* ---- Go cover profiles ------------------------------------------------------------------ */

static qg_status go_block(cov_parse *p, const char *ls, const char *le, uint32_t no) {
  static const char *const what[] = {"the start line", "the start column", "the end line",
                                     "the end column", "the number of statements"};
  static const char seps[] = {'.', ',', '.', ' ', ' '};
  static const char *const sep_names[] = {"'.'", "','", "'.'", "a space", "a space"};
  const char *colon = NULL;
  for (const char *c = le; c > ls; c--) {
    if (c[-1] == ':') {
      colon = c - 1;
      break;
    }
  }
  if (!colon || colon == ls)
    return perr(p, no, 1,
                "malformed block: expected file:line.column,line.column "
                "statements count");
  const char *q = colon + 1, *nstart = q;
  uint64_t v[5];
  for (int i = 0; i < 5; i++) {
    const char *f = q;
    if (i == 4)
      nstart = q;
    num_result nr = parse_uint(&q, le, i == 4 ? COV_MAX_WEIGHT : UINT32_MAX, &v[i]);
    if (nr == NUM_NONE)
      return perr(p, no, col_at(ls, q), "malformed block: expected %s", what[i]);
    if (nr == NUM_RANGE)
      return perr(p, no, col_at(ls, f), "malformed block: %s is out of range", what[i]);
    if (q >= le || *q != seps[i])
      return perr(p, no, col_at(ls, q), "malformed block: expected %s after %s", sep_names[i],
                  what[i]);
    q++;
  }
  bool covered;
  if (q < le && *q == '-')
    return perr(p, no, col_at(ls, q), "malformed block: negative count");
  if (!skip_count(&q, le, &covered))
    return perr(p, no, col_at(ls, q), "malformed block: expected the count");
  if (q != le)
    return perr(p, no, col_at(ls, q), "malformed block: unexpected text after the count");
  uint32_t file = file_id(p, ls, (size_t)(colon - ls)), old = 0;
  switch (units_add(p, file, v[0] << 32 | v[1], v[2] << 32 | v[3], (uint32_t)v[4], covered, &old)) {
  case ADD_FULL:
    return perr(p, no, 1, "more than %u blocks: over the cap", COV_MAX_UNITS);
  case ADD_WEIGHT_DIFFERS:
    return perr(p, no, col_at(ls, nstart),
                "the block has %u statements here and %u on an earlier line", (unsigned)v[4], old);
  default:
    return QG_OK;
  }
}

static qg_status parse_go(cov_parse *p) {
  line_it it = {p->buf + p->body, p->buf + p->len, 0};
  const char *ls, *le;
  const char *mode = NULL;
  size_t mode_n = 0;
  uint32_t mode_line = 0;
  while (next_line(&it, &ls, &le)) {
    const char *s = ls, *e = le;
    trim(&s, &e);
    if (s == e)
      continue;
    if (!mode && !has_prefix(s, e, "mode:"))
      return perr(p, it.no, 1,
                  "expected \"mode: set|count|atomic\" as the first line of a "
                  "Go cover profile");
    if (has_prefix(s, e, "mode:")) {
      const char *m = s + 5;
      while (m < e && is_space(*m))
        m++;
      snippet t = snip(m, (size_t)(e - m));
      if (!equals(m, e, "set") && !equals(m, e, "count") && !equals(m, e, "atomic"))
        return perr(p, it.no, col_at(ls, m),
                    "unknown cover mode \"%s\" (expected set, count or atomic)", t.s);
      if (!mode) {
        mode = m;
        mode_n = (size_t)(e - m);
        mode_line = it.no;
      } else if ((size_t)(e - m) != mode_n || memcmp(m, mode, mode_n) != 0) {
        /* concatenated profiles: fine when they agree */
        return perr(p, it.no, col_at(ls, m), "cover mode \"%s\" differs from \"%.*s\" (line %u)",
                    t.s, (int)mode_n, mode, mode_line);
      }
      continue;
    }
    /* a block: the file name may begin with spaces, so only the end is trimmed
     */
    qg_status st = go_block(p, ls, e, it.no);
    if (st != QG_OK)
      return st;
  }
  if (!mode)
    return perr(p, 1, 1,
                "expected \"mode: set|count|atomic\" as the first line of a Go "
                "cover profile");
  return QG_OK;
}

/* ---- XML: Cobertura and JaCoCo ---------------------------------------------------------- */

enum { K_OTHER, K_CLASS, K_LINES, K_LINE, K_PACKAGE, K_GROUP, K_COUNTER };

typedef struct xml_state {
  cov_parse *p;
  xmlTextReaderPtr rd;
  qg_coverage_format fmt; /* QG_COV_AUTO until the root element is read */
  unsigned long elements; /* element nodes read; the current one is elements - 1 */
  uint8_t kind[XML_MAX_DEPTH];
  uint32_t file[XML_MAX_DEPTH];       /* a <class>'s file id */
  unsigned long long lines;           /* Cobertura: <class><lines><line> elements */
  xmlChar *root_covered, *root_valid; /* Cobertura: the root's attributes */
  bool root_counter, pkg_counter;     /* JaCoCo: LINE counter of the root, of this package */
  unsigned long long root_missed, root_hit, pkg_missed, pkg_hit;
  bool err; /* libxml2 reported an error */
  int err_line, err_col;
  char err_msg[200];
} xml_state;

#if LIBXML_VERSION >= 21200
static void xml_on_error(void *arg, const xmlError *e) {
#else
static void xml_on_error(void *arg, xmlErrorPtr e) {
#endif
  xml_state *x = arg;
  if (!e || e->level < XML_ERR_ERROR || x->err)
    return;
  x->err = true;
  x->err_line = e->line;
  x->err_col = e->int2;
  const char *m = e->message ? e->message : "unknown error";
  size_t n = strlen(m);
  while (n > 0 && is_space(m[n - 1]))
    n--;
  snippet t = snip(m, n);
  (void)snprintf(x->err_msg, sizeof(x->err_msg), "%s", t.s);
}

static bool at(const char *b, size_t n, size_t i, const char *s) {
  size_t k = strlen(s);
  return n - i >= k && memcmp(b + i, s, k) == 0;
}

/* Offset just past the first `end` at or after i, or n. */
static size_t past(const char *b, size_t n, size_t i, const char *end) {
  size_t k = strlen(end);
  while (i < n) {
    const char *f = memchr(b + i, end[0], n - i);
    if (!f)
      return n;
    i = (size_t)(f - b);
    if (at(b, n, i, end))
      return i + k;
    i++;
  }
  return n;
}

/* Offset past the '>' closing a tag or declaration that starts before i;
 * quoted strings, a DOCTYPE's internal subset and comments in it are skipped.
 */
static size_t past_markup(const char *b, size_t n, size_t i) {
  int depth = 0;
  while (i < n) {
    char c = b[i];
    if (c == '"' || c == '\'') {
      const char *q = memchr(b + i + 1, c, n - i - 1);
      if (!q)
        return n;
      i = (size_t)(q - b) + 1;
    } else if (at(b, n, i, "<!--")) {
      i = past(b, n, i + 4, "-->");
    } else {
      if (c == '[')
        depth++;
      else if (c == ']')
        depth--;
      else if (c == '>' && depth <= 0)
        return i + 1;
      i++;
    }
  }
  return n;
}

/* Offset of the '<' of the k-th start tag (0-based, document order), or
 * SIZE_MAX. libxml2 numbers element lines in 16 bits, so exact positions in
 * large reports come from here: '<' starts markup everywhere outside
 * comments, CDATA sections, processing instructions and declarations. */
static size_t xml_element_offset(const char *b, size_t n, size_t body, unsigned long k) {
  if (n >= 2 && (b[0] == '\0' || b[1] == '\0' || (unsigned char)b[0] >= 0xFE))
    return SIZE_MAX; /* UTF-16 or UTF-32 */
  size_t i = body;
  unsigned long seen = 0;
  while (i < n) {
    const char *lt = memchr(b + i, '<', n - i);
    if (!lt)
      break;
    i = (size_t)(lt - b);
    if (at(b, n, i, "<!--"))
      i = past(b, n, i + 4, "-->");
    else if (at(b, n, i, "<![CDATA["))
      i = past(b, n, i + 9, "]]>");
    else if (at(b, n, i, "<?"))
      i = past(b, n, i + 2, "?>");
    else if (at(b, n, i, "<!") || at(b, n, i, "</"))
      i = past_markup(b, n, i + 2);
    else if (seen++ == k)
      return i;
    else
      i = past_markup(b, n, i + 1);
  }
  return SIZE_MAX;
}

/* Offset of the value of attribute `name` in the start tag at t, or SIZE_MAX.
 */
static size_t xml_attr_offset(const char *b, size_t n, size_t t, const char *name) {
  size_t i = t + 1, k = strlen(name);
  while (i < n && !is_space(b[i]) && b[i] != '>' && b[i] != '/')
    i++;
  for (;;) {
    while (i < n && is_space(b[i]))
      i++;
    if (i >= n || b[i] == '>' || b[i] == '/')
      return SIZE_MAX;
    size_t ns = i;
    while (i < n && !is_space(b[i]) && b[i] != '=' && b[i] != '>' && b[i] != '/')
      i++;
    size_t ne = i;
    while (i < n && is_space(b[i]))
      i++;
    if (i >= n || b[i] != '=')
      return SIZE_MAX;
    i++;
    while (i < n && is_space(b[i]))
      i++;
    if (i >= n || (b[i] != '"' && b[i] != '\''))
      return SIZE_MAX;
    const char *q = memchr(b + i + 1, b[i], n - i - 1);
    if (!q)
      return SIZE_MAX;
    if (ne - ns == k && memcmp(b + ns, name, k) == 0)
      return i + 1;
    i = (size_t)(q - b) + 1;
  }
}

/* Line and column of element number `k` (its attribute `attr` when not NULL).
 */
static void xml_where(const xml_state *x, unsigned long k, const char *attr, uint32_t *line,
                      uint32_t *col) {
  const cov_parse *p = x->p;
  size_t off = xml_element_offset(p->buf, p->len, p->body, k);
  if (off == SIZE_MAX) {
    /* not found: the line libxml2 gives, the parser's when over 16 bits */
    xmlNodePtr node = k + 1 == x->elements ? xmlTextReaderCurrentNode(x->rd) : NULL;
    long l = node ? xmlGetLineNo(node) : -1;
    int pl = xmlTextReaderGetParserLineNumber(x->rd);
    *line = l > 0 && l < 65535 ? (uint32_t)l : pl > 0 ? (uint32_t)pl : 0;
    *col = 0;
    return;
  }
  if (attr) {
    size_t a = xml_attr_offset(p->buf, p->len, off, attr);
    if (a != SIZE_MAX)
      off = a;
  }
  uint32_t no = 1;
  size_t ls = p->body;
  for (const char *c = p->buf + p->body, *end = p->buf + off;
       (c = memchr(c, '\n', (size_t)(end - c))) != NULL; c++) {
    no++;
    ls = (size_t)(c - p->buf) + 1;
  }
  *line = no;
  *col = col_at(p->buf + ls, p->buf + off);
}

static qg_status xml_err(xml_state *x, unsigned long k, const char *attr, const char *fmt, ...)
    QG_PRINTF(4, 5);
static qg_status xml_err(xml_state *x, unsigned long k, const char *attr, const char *fmt, ...) {
  uint32_t line, col;
  xml_where(x, k, attr, &line, &col);
  va_list ap;
  va_start(ap, fmt);
  char *msg = qg_xvasprintf(fmt, ap);
  va_end(ap);
  qg_status st = perr(x->p, line, col, "%s", msg);
  free(msg);
  return st;
}

/* The value of attribute `name` of the current element `elem`, an integer
 * of at most max. */
static qg_status xml_uint(xml_state *x, const char *elem, const char *name, uint64_t max,
                          uint64_t *v) {
  xmlChar *a = xmlTextReaderGetAttribute(x->rd, (const xmlChar *)name);
  if (!a)
    return xml_err(x, x->elements - 1, NULL, "<%s> without a %s attribute", elem, name);
  const char *s = (const char *)a, *q = s, *e = s + strlen(s);
  num_result nr = parse_uint(&q, e, max, v);
  qg_status st = QG_OK;
  if (nr != NUM_OK || q != e) {
    snippet t = snip(s, (size_t)(e - s));
    st = xml_err(x, x->elements - 1, name, "<%s> %s=\"%s\" is %s", elem, name, t.s,
                 nr == NUM_RANGE && q == e ? "out of range" : "not a non-negative integer");
  }
  xmlFree(a);
  return st;
}

static qg_status cobertura_line(xml_state *x, int depth) {
  uint64_t number = 0;
  qg_status st = xml_uint(x, "line", "number", UINT64_MAX, &number);
  if (st != QG_OK)
    return st;
  xmlChar *h = xmlTextReaderGetAttribute(x->rd, (const xmlChar *)"hits");
  if (!h)
    return xml_err(x, x->elements - 1, NULL, "<line> without a hits attribute");
  const char *s = (const char *)h, *q = s, *e = s + strlen(s);
  bool covered = false;
  if (!skip_count(&q, e, &covered) || q != e) {
    snippet t = snip(s, (size_t)(e - s));
    st = xml_err(x, x->elements - 1, "hits", "<line> hits=\"%s\" is %s", t.s,
                 s[0] == '-' && all_digits(s + 1, e) ? "negative" : "not a non-negative integer");
  }
  xmlFree(h);
  if (st != QG_OK)
    return st;
  x->lines++;
  uint32_t old;
  if (units_add(x->p, x->file[depth - 2], number, 0, 1, covered, &old) == ADD_FULL)
    return xml_err(x, x->elements - 1, NULL, "more than %u lines: over the cap", COV_MAX_UNITS);
  return QG_OK;
}

static qg_status jacoco_counter(xml_state *x, bool *seen, unsigned long long *missed,
                                unsigned long long *hit, const char *where) {
  xmlChar *type = xmlTextReaderGetAttribute(x->rd, (const xmlChar *)"type");
  bool line = type && strcmp((const char *)type, "LINE") == 0;
  xmlFree(type);
  if (!line)
    return QG_OK;
  if (*seen)
    return xml_err(x, x->elements - 1, NULL, "a second LINE counter in %s", where);
  *seen = true;
  uint64_t m = 0, c = 0;
  /* JaCoCo's counters are Java ints: 2^40 leaves room for any sum */
  qg_status st = xml_uint(x, "counter", "missed", 1ULL << 40, &m);
  if (st == QG_OK)
    st = xml_uint(x, "counter", "covered", 1ULL << 40, &c);
  if (st != QG_OK)
    return st;
  *missed += m;
  *hit += c;
  return QG_OK;
}

static int xml_kind(const char *name) {
  static const struct {
    const char *name;
    int kind;
  } k[] = {{"class", K_CLASS},     {"lines", K_LINES}, {"line", K_LINE},
           {"package", K_PACKAGE}, {"group", K_GROUP}, {"counter", K_COUNTER}};
  for (size_t i = 0; i < QG_ARRAY_LEN(k); i++)
    if (strcmp(name, k[i].name) == 0)
      return k[i].kind;
  return K_OTHER;
}

static qg_status xml_root(xml_state *x, const char *name) {
  bool cob = strcmp(name, "coverage") == 0, jac = strcmp(name, "report") == 0;
  snippet t = snip(name, strlen(name));
  if (x->fmt == QG_COV_AUTO) {
    if (!cob && !jac)
      return xml_err(x, 0, NULL,
                     "XML root element <%s> is not a coverage report (expected <coverage> "
                     "for Cobertura or <report> for JaCoCo)",
                     t.s);
    x->fmt = cob ? QG_COV_COBERTURA : QG_COV_JACOCO;
  } else if (x->fmt == QG_COV_COBERTURA && !cob) {
    return xml_err(x, 0, NULL, "expected a Cobertura report (root element <coverage>), found <%s>",
                   t.s);
  } else if (x->fmt == QG_COV_JACOCO && !jac) {
    return xml_err(x, 0, NULL, "expected a JaCoCo report (root element <report>), found <%s>", t.s);
  }
  if (x->fmt == QG_COV_COBERTURA) {
    x->root_covered = xmlTextReaderGetAttribute(x->rd, (const xmlChar *)"lines-covered");
    x->root_valid = xmlTextReaderGetAttribute(x->rd, (const xmlChar *)"lines-valid");
  }
  return QG_OK;
}

static qg_status xml_element(xml_state *x) {
  int depth = xmlTextReaderDepth(x->rd);
  const xmlChar *n = xmlTextReaderConstLocalName(x->rd);
  const char *name = n ? (const char *)n : "";
  if (depth == 0) {
    qg_status st = xml_root(x, name);
    if (st != QG_OK)
      return st;
  }
  if (depth < 0 || depth >= XML_MAX_DEPTH)
    return QG_OK;
  int k = xml_kind(name);
  x->kind[depth] = (uint8_t)k;
  if (x->fmt == QG_COV_COBERTURA) {
    if (k == K_CLASS) {
      xmlChar *f = xmlTextReaderGetAttribute(x->rd, (const xmlChar *)"filename");
      if (!f)
        return xml_err(x, x->elements - 1, NULL, "<class> without a filename attribute");
      x->file[depth] = file_id(x->p, (const char *)f, strlen((const char *)f));
      xmlFree(f);
    } else if (k == K_LINE && depth >= 2 && x->kind[depth - 1] == K_LINES &&
               x->kind[depth - 2] == K_CLASS) {
      /* lines under <method> repeat the class's and are not counted */
      return cobertura_line(x, depth);
    }
    return QG_OK;
  }
  /* JaCoCo: the root's LINE counter, else the sum of its packages' (or groups')
   */
  if (depth == 1 && (k == K_PACKAGE || k == K_GROUP))
    x->pkg_counter = false;
  if (k == K_COUNTER && depth == 1)
    return jacoco_counter(x, &x->root_counter, &x->root_missed, &x->root_hit, "<report>");
  if (k == K_COUNTER && depth == 2 && (x->kind[1] == K_PACKAGE || x->kind[1] == K_GROUP))
    return jacoco_counter(x, &x->pkg_counter, &x->pkg_missed, &x->pkg_hit,
                          x->kind[1] == K_PACKAGE ? "a <package>" : "a <group>");
  return QG_OK;
}

/* Cobertura without <line> elements: the root's lines-covered and lines-valid.
 */
static qg_status cobertura_totals(xml_state *x) {
  if (!x->root_covered || !x->root_valid)
    return xml_err(x, 0, NULL,
                   "no <line> elements in <class><lines> and no lines-covered "
                   "and lines-valid "
                   "attributes on <coverage>");
  uint64_t v[2];
  const xmlChar *a[2] = {x->root_covered, x->root_valid};
  static const char *const names[2] = {"lines-covered", "lines-valid"};
  for (int i = 0; i < 2; i++) {
    const char *s = (const char *)a[i], *q = s, *e = s + strlen(s);
    num_result nr = parse_uint(&q, e, UINT64_MAX, &v[i]);
    if (nr != NUM_OK || q != e) {
      snippet t = snip(s, (size_t)(e - s));
      return xml_err(x, 0, names[i], "<coverage> %s=\"%s\" is %s", names[i], t.s,
                     nr == NUM_RANGE && q == e ? "out of range" : "not a non-negative integer");
    }
  }
  if (v[0] > v[1])
    return xml_err(x, 0, names[0],
                   "<coverage> lines-covered=\"%llu\" is more than "
                   "lines-valid=\"%llu\"",
                   (unsigned long long)v[0], (unsigned long long)v[1]);
  x->p->covered = v[0];
  x->p->total = v[1];
  return QG_OK;
}

/* libxml2's generic error handler, for the errors no reader handler sees (a
 * failed encoding conversion, say): it would print them. */
static void xml_quiet(void *ctx, const char *msg, ...) {
  (void)ctx;
  (void)msg;
}

static qg_status parse_xml(cov_parse *p, qg_coverage_format fmt) {
  if (p->len > INT_MAX)
    return perr(p, 1, 1, "too large for the XML parser");
  xmlInitParser();
  /* quiet for this thread while reading; the reader's own errors come to
   * xml_on_error */
  xmlGenericErrorFunc saved_fn = xmlGenericError;
  void *saved_ctx = xmlGenericErrorContext;
  xmlSetGenericErrorFunc(NULL, xml_quiet);
  /* No XML_PARSE_NOENT (entities stay unexpanded), no DTD loading or
   * validation (JaCoCo's report.dtd is never read), no network. */
  xmlTextReaderPtr rd = xmlReaderForMemory(p->buf, (int)p->len, NULL, NULL, XML_PARSE_NONET);
  if (!rd) {
    xmlSetGenericErrorFunc(saved_ctx, saved_fn);
    return perr(p, 1, 1, "cannot create an XML reader");
  }
  xml_state *x = qg_xcalloc(1, sizeof(*x));
  x->p = p;
  x->rd = rd;
  x->fmt = fmt;
  xmlTextReaderSetStructuredErrorHandler(rd, xml_on_error, x);
  qg_status st = QG_OK;
  int rc;
  while ((rc = xmlTextReaderRead(rd)) == 1 && !x->err) {
    if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT)
      continue;
    x->elements++;
    st = xml_element(x);
    if (st != QG_OK)
      break;
  }
  if (st == QG_OK && (rc != 0 || x->err)) {
    if (x->err)
      st = perr(p, x->err_line > 0 ? (uint32_t)x->err_line : 0,
                x->err_col > 0 ? (uint32_t)x->err_col : 0, "invalid XML: %s", x->err_msg);
    else
      st = perr(p, (uint32_t)xmlTextReaderGetParserLineNumber(rd),
                (uint32_t)xmlTextReaderGetParserColumnNumber(rd), "invalid XML");
  }
  if (st == QG_OK && x->elements == 0)
    st = perr(p, 1, 1, "no XML element");
  if (st == QG_OK && x->fmt == QG_COV_COBERTURA && x->lines == 0)
    st = cobertura_totals(x);
  if (st == QG_OK && x->fmt == QG_COV_JACOCO) {
    p->covered = x->root_counter ? x->root_hit : x->pkg_hit;
    p->total = x->root_counter ? x->root_missed + x->root_hit : x->pkg_missed + x->pkg_hit;
  }
  xmlFree(x->root_covered);
  xmlFree(x->root_valid);
  xmlFreeTextReader(rd);
  xmlSetGenericErrorFunc(saved_ctx, saved_fn);
  free(x);
  return st;
}

/* ---- entry points ----------------------------------------------------------------------- */

enum { DETECT_NONE, DETECT_LCOV, DETECT_XML, DETECT_GO };

static int detect(const cov_parse *p) {
  const char *s = p->buf + p->body, *e = p->buf + p->len;
  while (s < e && is_space(*s))
    s++;
  if (has_prefix(s, e, "mode:"))
    return DETECT_GO;
  if (has_prefix(s, e, "<"))
    return DETECT_XML;
  const char *nl = memchr(s, '\n', (size_t)(e - s)), *le = nl ? nl : e, *v;
  trim(&s, &le);
  if (equals(s, le, "end_of_record") || lcov_record(s, le, &v) >= 0)
    return DETECT_LCOV;
  return DETECT_NONE;
}

qg_status qg_coverage_parse(const char *label, const char *buf, size_t len, qg_coverage_format fmt,
                            qg_coverage *cov, qg_result *diags) {
  cov_parse p;
  memset(&p, 0, sizeof(p));
  p.label = label;
  p.diags = diags;
  p.buf = buf ? buf : "";
  p.len = buf ? len : 0;
  p.body = has_prefix(p.buf, p.buf + p.len, "\xEF\xBB\xBF") ? 3 : 0;
  qg_arena_init(&p.arena, 4096);
  qg_status st;
  switch (fmt) {
  case QG_COV_AUTO:
    switch (detect(&p)) {
    case DETECT_LCOV:
      st = parse_lcov(&p);
      break;
    case DETECT_GO:
      st = parse_go(&p);
      break;
    case DETECT_XML:
      st = parse_xml(&p, QG_COV_AUTO);
      break;
    default:
      st = perr(&p, 1, 1,
                "not a coverage report (expected lcov, Cobertura XML, JaCoCo "
                "XML or a Go "
                "cover profile)");
      break;
    }
    break;
  case QG_COV_LCOV:
    st = parse_lcov(&p);
    break;
  case QG_COV_COBERTURA:
  case QG_COV_JACOCO:
    st = parse_xml(&p, fmt);
    break;
  case QG_COV_GO:
    st = parse_go(&p);
    break;
  default: {
    qg_location loc = {label, 0, 0, 0, 0};
    if (diags)
      qg_result_diag(diags, QG_DIAG_ERROR, QG_EUSAGE, &loc, "unknown coverage format %d", (int)fmt);
    st = QG_EUSAGE;
    break;
  }
  }
  if (st == QG_OK) {
    cov->covered += p.covered;
    cov->total += p.total;
    cov->files++;
  }
  cov_cleanup(&p);
  return st;
}

qg_status qg_coverage_read(const char *path, qg_coverage_format fmt, qg_coverage *cov,
                           qg_result *diags) {
  unsigned char *buf = NULL;
  size_t len = 0;
  qg_status st = qg_signal_read(path, &buf, &len, diags);
  if (st == QG_OK)
    st = qg_coverage_parse(path, (const char *)buf, len, fmt, cov, diags);
  free(buf);
  return st;
}
