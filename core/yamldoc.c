/* yamldoc.c: libyaml events -> node trees with positions, one document at a
 * time. The only file that includes <yaml.h>. */
#include "core/yamldoc.h"
#include "core/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct frame {
  qg_ynode *node;
  size_t child_start;
  const char *anchor; /* arena copy, or NULL */
} frame;

typedef struct anchor {
  const char *name; /* arena */
  const qg_ynode *node;
} anchor;

typedef struct loader {
  const qg_yaml_opts *opts;
  qg_yaml_limits lim;
  qg_yaml_error *err;
  qg_arena arena;
  frame *frames;
  size_t nframes, capframes;
  const qg_ynode **kids; /* children of open collections, flattened */
  size_t nkids, capkids;
  anchor *anchors;
  size_t nanchors, capanchors;
  uint64_t real_nodes, expanded; /* for the alias cap */
  uint64_t made;                 /* nodes made in this document, for the node cap */
  /* the end of the last node or alias read, and as libyaml's character index;
   * last_line and last_col are kept apart so that they are copied from a node
   * as two 4-byte loads, each forwarded from the store that set it, not one
   * 8-byte load across two stores, which stalls the store buffer */
  uint32_t last_line;
  size_t last_index;
  uint32_t last_col;
  /* positions recomputed from libyaml's character index (see mark_pos) */
  bool remap;
  bool bom;      /* a UTF-8 byte order mark, which qgate counts as line 1's first character */
  bool utf16;    /* the cursor cannot follow a UTF-16 text */
  bool flow_doc; /* this document's root is a flow collection */
  const unsigned char *text;
  size_t len, byte, chr; /* the cursor: character chr starts at text[byte] */
  uint32_t line, col;    /* ... at line:col */
  bool eol_valid;        /* eol_info's cache: the "\n"-line text[eol_from..eol_end] */
  size_t eol_from, eol_end, eol_first, eol_last; /* ... and its first and last other break */
  bool doc_open;                                 /* between a document's start and end events */
  yaml_mark_t last_end;                          /* the end of the last event read */
  /* scratch for building mappings */
  qg_ypair *pairs;
  size_t cappairs;
  uint32_t *htab;
  size_t caphtab;
} loader;

static uint32_t sat_add(uint32_t a, uint32_t b) { return a > UINT32_MAX - b ? UINT32_MAX : a + b; }

/* ---- positions ---------------------------------------------------------------
 * libyaml ends lines as YAML 1.1 does: at "\n" and "\r\n", but also at a lone
 * "\r", NEL, LS and PS. qgate counts "\n" alone (its edits, its diffs, the line
 * numbers editors and code review show), so in a text that holds one of the
 * others a mark's line and column are recomputed from its character index
 * (characters after a byte order mark), with a cursor that follows the
 * marks, which mostly move forward. */

/* Does the text end a line anywhere other than at "\n"? (UTF-8 only: the
 * positions in a UTF-16 text stay libyaml's.) Each kind of break holds a CR
 * or a byte >= 0x80, so eight bytes at a time are skipped while they hold
 * neither: most texts are ASCII with "\n" or "\r\n" line ends. */
static bool needs_remap(const unsigned char *buf, size_t len) {
  if (len >= 2 && ((buf[0] == 0xFF && buf[1] == 0xFE) || (buf[0] == 0xFE && buf[1] == 0xFF)))
    return false;
  const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  size_t i = 0;
  while (i < len) {
    if (i + 8 <= len) {
      uint64_t w;
      memcpy(&w, buf + i, 8);
      uint64_t cr = w ^ (ones * '\r'); /* a zero byte where w has a CR */
      if (!((w | ((cr - ones) & ~cr)) & highs)) {
        i += 8;
        continue;
      }
    }
    unsigned char b = buf[i];
    if (b == '\r' && (i + 1 == len || buf[i + 1] != '\n'))
      return true;
    if (b == 0xC2 && i + 1 < len && buf[i + 1] == 0x85)
      return true;
    if (b == 0xE2 && i + 2 < len && buf[i + 1] == 0x80 &&
        (buf[i + 2] == 0xA8 || buf[i + 2] == 0xA9))
      return true;
    i++;
  }
  return false;
}

static bool is_cont(unsigned char b) { return (b & 0xC0) == 0x80; }

/* Moves the cursor to character chr (or the end of the text). */
static void cursor_to(loader *L, size_t chr) {
  while (L->chr < chr && L->byte < L->len) {
    unsigned char b = L->text[L->byte++];
    while (L->byte < L->len && is_cont(L->text[L->byte]))
      L->byte++;
    L->chr++;
    if (b == '\n') {
      L->line++;
      L->col = 1;
    } else {
      L->col++;
    }
  }
  while (L->chr > chr && L->byte > 0) {
    do
      L->byte--;
    while (L->byte > 0 && is_cont(L->text[L->byte]));
    L->chr--;
    if (L->text[L->byte] != '\n') {
      L->col--;
      continue;
    }
    L->line--;
    L->col = 1; /* the line's characters before the cursor, counted again */
    for (size_t i = L->byte; i > 0 && L->text[i - 1] != '\n'; i--)
      L->col += !is_cont(L->text[i - 1]);
  }
}

static size_t other_break_len(const unsigned char *b, size_t rest) {
  if (b[0] == '\r' && (rest == 1 || b[1] != '\n'))
    return 1;
  if (rest >= 2 && b[0] == 0xC2 && b[1] == 0x85)
    return 2;
  if (rest >= 3 && b[0] == 0xE2 && b[1] == 0x80 && (b[2] == 0xA8 || b[2] == 0xA9))
    return 3;
  return 0;
}

/* The "\n"-line around byte `at` of the text: where it starts and ends, and
 * its first and last line break of another kind (SIZE_MAX: none). Kept for
 * the next question: marks move forward. */
static void eol_info(loader *L, size_t at) {
  if (L->eol_valid && at >= L->eol_from && at <= L->eol_end)
    return;
  size_t b = at, e = at;
  while (b > 0 && L->text[b - 1] != '\n')
    b--;
  while (e < L->len && L->text[e] != '\n')
    e++;
  L->eol_from = b;
  L->eol_end = e;
  L->eol_first = L->eol_last = SIZE_MAX;
  for (size_t i = b; i < e;) {
    size_t k = other_break_len(L->text + i, L->len - i);
    if (k) {
      if (L->eol_first == SIZE_MAX)
        L->eol_first = i;
      L->eol_last = i;
    }
    i += k ? k : 1;
  }
  L->eol_valid = true;
}

/* Does the "\n"-line of character `index` hold another line break before it
 * (before = true) or at or after it? Then a block collection that starts or
 * ends there does not own its "\n"-lines: its column is no indentation, or a
 * line added after it would land inside what follows. */
static bool other_break_around(loader *L, size_t index, bool before) {
  cursor_to(L, index);
  size_t at = L->byte;
  eol_info(L, at);
  return before ? L->eol_first != SIZE_MAX && L->eol_first < at
                : L->eol_last != SIZE_MAX && L->eol_last >= at;
}

/* Is there a ',' between characters from and to (comments skipped)? Between
 * a flow collection's last entry and its closing bracket: a trailing comma. */
static bool comma_between(loader *L, size_t from, size_t to) {
  if (L->utf16)
    return false;
  cursor_to(L, from);
  size_t a = L->byte;
  cursor_to(L, to);
  for (size_t i = a; i < L->byte; i++) {
    if (L->text[i] == ',')
      return true;
    if (L->text[i] == '#')
      while (i + 1 < L->byte && L->text[i + 1] != '\n' &&
             !other_break_len(L->text + i + 1, L->len - i - 1))
        i++;
  }
  return false;
}

/* The 1-based line and column of mark m, as qgate counts them. */
static void mark_pos(loader *L, const yaml_mark_t *m, uint32_t *line, uint32_t *col) {
  if (!L->remap) {
    *line = (uint32_t)m->line + 1;
    *col = (uint32_t)m->column + 1 + (L->bom && m->line == 0);
    return;
  }
  cursor_to(L, m->index);
  *line = L->line;
  *col = L->col;
}

static qg_status fail(loader *L, const yaml_mark_t *m, const char *fmt, const char *arg) {
  L->err->line = L->err->col = 0;
  L->err->cap = false;
  if (m)
    mark_pos(L, m, &L->err->line, &L->err->col);
  snprintf(L->err->message, sizeof(L->err->message), fmt, arg ? arg : "");
  return QG_EPARSE;
}

static void set_pos(loader *L, qg_ynode *n, const yaml_mark_t *start, const yaml_mark_t *end) {
  mark_pos(L, start, &n->line, &n->col);
  mark_pos(L, end, &n->end_line, &n->end_col);
}

static void push_kid(loader *L, const qg_ynode *n) {
  if (L->nkids == L->capkids)
    qg_grow((void **)&L->kids, &L->capkids, L->nkids + 1, sizeof(*L->kids));
  L->kids[L->nkids++] = n;
}

static const char *arena_str(loader *L, const yaml_char_t *s) {
  return s ? qg_arena_strndup(&L->arena, (const char *)s, strlen((const char *)s)) : NULL;
}

static void add_anchor(loader *L, const char *name, const qg_ynode *n) {
  if (!name)
    return;
  qg_grow((void **)&L->anchors, &L->capanchors, L->nanchors + 1, sizeof(*L->anchors));
  L->anchors[L->nanchors].name = name;
  L->anchors[L->nanchors].node = n;
  L->nanchors++;
}

static const qg_ynode *find_anchor(const loader *L, const char *name) {
  for (size_t i = L->nanchors; i-- > 0;)
    if (strcmp(L->anchors[i].name, name) == 0)
      return L->anchors[i].node;
  return NULL;
}

/* A node finished: attach it to its parent (or as the document root). */
static void finish_node(loader *L, qg_ynode *n, const char *anchor_name) {
  L->real_nodes++;
  L->last_line = n->end_line;
  L->last_col = n->end_col;
  n->anchored = anchor_name != NULL;
  add_anchor(L, anchor_name, n);
  push_kid(L, n);
}

/* Counts a node about to be made: a document of more than max_nodes (a 64 MiB
 * file of duplicate keys made 19 million, 1.6 GB) stops loading. */
static qg_status count_node(loader *L, const yaml_mark_t *m) {
  if (++L->made <= L->lim.max_nodes)
    return QG_OK;
  char num[16];
  snprintf(num, sizeof(num), "%u", L->lim.max_nodes);
  fail(L, m, "more than %s YAML nodes in this document: it was not scanned", num);
  return QG_ETOOBIG;
}

static qg_status open_collection(loader *L, qg_ykind kind, const yaml_event_t *ev,
                                 const yaml_char_t *anchor_name, const yaml_char_t *tag, int flow) {
  if (L->nframes >= L->lim.max_depth) {
    char num[32];
    snprintf(num, sizeof(num), "%u", L->lim.max_depth);
    qg_status dst = fail(L, &ev->start_mark, "nesting deeper than %s levels", num);
    L->err->cap = true;
    return dst;
  }
  qg_status cst = count_node(L, &ev->start_mark);
  if (cst != QG_OK)
    return cst;
  if (!L->nframes)
    L->flow_doc = flow;
  qg_ynode *n = qg_arena_alloc(&L->arena, sizeof(*n));
  memset(n, 0, sizeof(*n));
  n->kind = (uint8_t)kind;
  n->flow = (uint8_t)flow;
  n->flow_doc = L->flow_doc;
  n->tag = arena_str(L, tag);
  set_pos(L, n, &ev->start_mark, &ev->end_mark);
  if (kind == QG_Y_MAP && !flow) {
    /* a block mapping starts at its first key, not at an anchor or a tag
     * before it (that may stand on the parent's line) */
    mark_pos(L, &ev->end_mark, &n->line, &n->col);
  }
  if (!flow)
    n->shared_line = L->remap && other_break_around(L, ev->end_mark.index, true);
  if (L->nframes == L->capframes)
    qg_grow((void **)&L->frames, &L->capframes, L->nframes + 1, sizeof(*L->frames));
  frame *f = &L->frames[L->nframes++];
  f->node = n;
  f->child_start = L->nkids;
  f->anchor = arena_str(L, anchor_name);
  return QG_OK;
}

/* End position of a collection: for block style, the end of its last child
 * as written (libyaml's own end mark sits at the next token, often lines
 * later; an alias ends where the alias does, not where its target does). */
static void close_pos(loader *L, qg_ynode *n, const yaml_event_t *ev, bool empty) {
  if (n->flow || empty) {
    if (!empty)
      n->trailing_comma = comma_between(L, L->last_index, ev->start_mark.index);
    mark_pos(L, &ev->end_mark, &n->end_line, &n->end_col);
    L->last_index = ev->end_mark.index;
    if (empty && !n->flow) {
      n->end_line = n->line;
      n->end_col = n->col;
    }
  } else {
    n->end_line = L->last_line;
    n->end_col = L->last_col;
    n->shared_line |= L->remap && other_break_around(L, L->last_index, false);
  }
}

static int is_merge_key(const qg_ynode *k) {
  if (k->kind != QG_Y_SCALAR || k->u.s.len != 2 || k->u.s.str[0] != '<' || k->u.s.str[1] != '<')
    return 0;
  if (k->tag)
    return strcmp(k->tag, "tag:yaml.org,2002:merge") == 0;
  return k->plain;
}

static uint32_t hash_key(const qg_ynode *k) {
  return (uint32_t)qg_hash64(k->u.s.str, k->u.s.len, QG_HASH_SEED);
}

/* Finds key k among pairs[0..n) using the hash table when built. Returns the
 * index or -1. */
typedef struct keyset {
  loader *L;
  size_t mask; /* htab size - 1, or 0 when linear */
} keyset;

static long keyset_find(keyset *ks, const qg_ypair *pairs, size_t n, const qg_ynode *k) {
  if (k->kind != QG_Y_SCALAR)
    return -1; /* complex keys are never equal for our purposes */
  if (!ks->mask) {
    for (size_t i = 0; i < n; i++) {
      const qg_ynode *o = pairs[i].key;
      if (o->kind == QG_Y_SCALAR && o->u.s.len == k->u.s.len &&
          memcmp(o->u.s.str, k->u.s.str, k->u.s.len) == 0)
        return (long)i;
    }
    return -1;
  }
  for (size_t j = hash_key(k) & ks->mask;; j = (j + 1) & ks->mask) {
    uint32_t slot = ks->L->htab[j];
    if (!slot)
      return -1;
    const qg_ynode *o = pairs[slot - 1].key;
    if (o->u.s.len == k->u.s.len && memcmp(o->u.s.str, k->u.s.str, k->u.s.len) == 0)
      return (long)slot - 1;
  }
}

static void keyset_add(keyset *ks, size_t idx, const qg_ynode *k) {
  if (!ks->mask || k->kind != QG_Y_SCALAR)
    return;
  size_t j = hash_key(k) & ks->mask;
  while (ks->L->htab[j])
    j = (j + 1) & ks->mask;
  ks->L->htab[j] = (uint32_t)idx + 1;
}

static void warn_dup(loader *L, const qg_ynode *k, const qg_ynode *first) {
  if (!L->opts->on_warn)
    return;
  char msg[200];
  snprintf(msg, sizeof(msg),
           "duplicate key \"%.80s\" (first at line %u): Kubernetes rejects this; the last value "
           "was scanned",
           k->u.s.str, first->line);
  L->opts->on_warn(L->opts->ud, k->line, k->col, msg);
}

/* Merges the pairs of map m into pairs[0..*n) where keys are not present. */
static void merge_from(loader *L, keyset *ks, size_t *n, const qg_ynode *m) {
  for (uint32_t i = 0; i < m->u.map.n; i++) {
    const qg_ypair *p = &m->u.map.pairs[i];
    if (keyset_find(ks, L->pairs, *n, p->key) >= 0)
      continue;
    L->pairs[*n] = *p;
    keyset_add(ks, *n, p->key);
    (*n)++;
  }
}

static qg_status close_mapping(loader *L, const yaml_event_t *ev) {
  frame f = L->frames[--L->nframes];
  qg_ynode *n = f.node;
  size_t nk = L->nkids - f.child_start;
  const qg_ynode **kids = nk ? L->kids + f.child_start : NULL; /* kids is NULL before the first */
  uint32_t weight = 1;
  for (size_t i = 0; i < nk; i++)
    weight = sat_add(weight, kids[i]->weight);
  n->weight = weight;
  close_pos(L, n, ev, nk == 0);
  /* a single pair in a flow sequence ([a: 1]) has no braces: its end is zero-width */
  n->implicit = n->flow && ev->start_mark.index == ev->end_mark.index;

  /* Upper bound on pairs after merging. */
  size_t bound = nk / 2;
  for (size_t i = 0; i + 1 < nk; i += 2) {
    if (!is_merge_key(kids[i]))
      continue;
    const qg_ynode *v = kids[i + 1];
    if (v->kind == QG_Y_MAP) {
      bound += v->u.map.n;
    } else if (v->kind == QG_Y_SEQ) {
      for (uint32_t j = 0; j < v->u.seq.n; j++) {
        if (v->u.seq.items[j]->kind != QG_Y_MAP)
          return fail(L, &ev->start_mark, "%smerge key (<<) takes a mapping or a list of mappings",
                      "");
        bound += v->u.seq.items[j]->u.map.n;
      }
    } else if (!qg_ynode_is_null(v)) {
      L->err->line = v->line;
      L->err->col = v->col;
      snprintf(L->err->message, sizeof(L->err->message),
               "merge key (<<) takes a mapping or a list of mappings");
      return QG_EPARSE;
    }
  }
  qg_grow((void **)&L->pairs, &L->cappairs, bound + 1, sizeof(*L->pairs));
  keyset ks = {L, 0};
  if (bound > 8) {
    size_t hs = 16;
    while (hs < bound * 2)
      hs *= 2;
    if (hs > L->caphtab) {
      free(L->htab);
      L->htab = qg_xmalloc(hs * sizeof(*L->htab));
      L->caphtab = hs;
    }
    memset(L->htab, 0, hs * sizeof(*L->htab));
    ks.mask = hs - 1;
  }
  /* Explicit keys first (they win over merged ones); duplicates: last wins. */
  size_t np = 0;
  for (size_t i = 0; i + 1 < nk; i += 2) {
    if (is_merge_key(kids[i]))
      continue;
    long at = keyset_find(&ks, L->pairs, np, kids[i]);
    if (at >= 0) {
      warn_dup(L, kids[i], L->pairs[at].key);
      if (!L->opts->keep_dups) {
        L->pairs[at].value = kids[i + 1];
        continue;
      }
      L->pairs[np].key = kids[i]; /* kept after the first: keyset_find still finds that */
      L->pairs[np].value = kids[i + 1];
      np++;
      continue;
    }
    L->pairs[np].key = kids[i];
    L->pairs[np].value = kids[i + 1];
    keyset_add(&ks, np, kids[i]);
    np++;
  }
  for (size_t i = 0; i + 1 < nk; i += 2) {
    if (!is_merge_key(kids[i]))
      continue;
    const qg_ynode *v = kids[i + 1];
    if (v->kind == QG_Y_MAP)
      merge_from(L, &ks, &np, v);
    else if (v->kind == QG_Y_SEQ)
      for (uint32_t j = 0; j < v->u.seq.n; j++)
        merge_from(L, &ks, &np, v->u.seq.items[j]);
  }
  qg_ypair *pairs = qg_arena_alloc(&L->arena, (np ? np : 1) * sizeof(*pairs));
  if (np)
    memcpy(pairs, L->pairs, np * sizeof(*pairs));
  n->u.map.pairs = pairs;
  n->u.map.n = (uint32_t)np;
  L->nkids = f.child_start;
  finish_node(L, n, f.anchor);
  return QG_OK;
}

static void close_sequence(loader *L, const yaml_event_t *ev) {
  frame f = L->frames[--L->nframes];
  qg_ynode *n = f.node;
  size_t nk = L->nkids - f.child_start;
  const qg_ynode **items = qg_arena_alloc(&L->arena, (nk ? nk : 1) * sizeof(*items));
  uint32_t weight = 1;
  for (size_t i = 0; i < nk; i++) {
    items[i] = L->kids[f.child_start + i];
    weight = sat_add(weight, items[i]->weight);
  }
  n->weight = weight;
  n->u.seq.items = items;
  n->u.seq.n = (uint32_t)nk;
  close_pos(L, n, ev, nk == 0);
  L->nkids = f.child_start;
  finish_node(L, n, f.anchor);
}

static qg_status on_event(loader *L, const yaml_event_t *ev, unsigned *doc_index) {
  L->last_end = ev->end_mark;
  switch (ev->type) {
  case YAML_DOCUMENT_START_EVENT:
    if (*doc_index >= L->lim.max_docs) {
      char num[16];
      snprintf(num, sizeof(num), "%u", L->lim.max_docs);
      fail(L, &ev->start_mark, "more than %s documents in this file: the rest were not scanned",
           num);
      return QG_ETOOBIG;
    }
    L->nkids = 0;
    L->nframes = 0;
    L->nanchors = 0;
    L->real_nodes = L->expanded = L->made = 0;
    L->doc_open = true;
    return QG_OK;
  case YAML_DOCUMENT_END_EVENT: {
    L->doc_open = false;
    const qg_ynode *root = L->nkids ? L->kids[0] : NULL;
    qg_status st = QG_OK;
    if (root)
      st = L->opts->on_doc(L->opts->ud, root, *doc_index);
    (*doc_index)++;
    L->nkids = 0;
    L->nanchors = 0;
    qg_arena_reset(&L->arena);
    return st;
  }
  case YAML_ALIAS_EVENT: {
    const char *name = (const char *)ev->data.alias.anchor;
    const qg_ynode *target = find_anchor(L, name);
    if (!target)
      return fail(L, &ev->start_mark, "undefined alias *%.100s", name);
    L->expanded += target->weight;
    uint64_t allowed = L->real_nodes * L->lim.alias_ratio;
    if (allowed < L->lim.alias_floor)
      allowed = L->lim.alias_floor;
    if (L->expanded > allowed) {
      qg_status ast = fail(L, &ev->start_mark,
                           "alias *%.100s expands the document past the alias cap (an alias "
                           "bomb?)",
                           name);
      L->err->cap = true;
      return ast;
    }
    push_kid(L, target);
    mark_pos(L, &ev->end_mark, &L->last_line, &L->last_col);
    L->last_index = ev->end_mark.index;
    return QG_OK;
  }
  case YAML_SCALAR_EVENT: {
    qg_status cst = count_node(L, &ev->start_mark);
    if (cst != QG_OK)
      return cst;
    qg_ynode *n = qg_arena_alloc(&L->arena, sizeof(*n));
    memset(n, 0, sizeof(*n));
    n->kind = QG_Y_SCALAR;
    n->flow_doc = L->nframes && L->flow_doc;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    n->tag = arena_str(L, ev->data.scalar.tag);
    n->weight = 1;
    size_t len = ev->data.scalar.length;
    if (len > UINT32_MAX)
      return fail(L, &ev->start_mark, "%sscalar too long", "");
    n->u.s.str = qg_arena_strndup(&L->arena, (const char *)ev->data.scalar.value, len);
    n->u.s.len = (uint32_t)len;
    set_pos(L, n, &ev->start_mark, &ev->end_mark);
    const frame *top = L->nframes ? &L->frames[L->nframes - 1] : NULL;
    if (!len && n->plain && !n->tag && !ev->data.scalar.anchor && top &&
        top->node->kind == QG_Y_MAP && (L->nkids - top->child_start) % 2 == 1 &&
        n->line > L->last_line) {
      /* the value of an explicit key with none ("? key" and no ':'): libyaml
       * puts it at the next token, lines later maybe; it ends with its key */
      n->line = n->end_line = L->last_line;
      n->col = n->end_col = L->last_col;
    } else {
      L->last_index = ev->end_mark.index;
    }
    finish_node(L, n, ev->data.scalar.anchor ? arena_str(L, ev->data.scalar.anchor) : NULL);
    return QG_OK;
  }
  case YAML_SEQUENCE_START_EVENT:
    return open_collection(L, QG_Y_SEQ, ev, ev->data.sequence_start.anchor,
                           ev->data.sequence_start.tag,
                           ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE);
  case YAML_MAPPING_START_EVENT:
    return open_collection(L, QG_Y_MAP, ev, ev->data.mapping_start.anchor,
                           ev->data.mapping_start.tag,
                           ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE);
  case YAML_SEQUENCE_END_EVENT:
    close_sequence(L, ev);
    return QG_OK;
  case YAML_MAPPING_END_EVENT:
    return close_mapping(L, ev);
  default:
    return QG_OK;
  }
}

/* 1-based line and column (in characters) of byte offset off. */
static void offset_to_pos(const unsigned char *buf, size_t len, size_t off, uint32_t *line,
                          uint32_t *col) {
  uint32_t l = 1, c = 1;
  if (off > len)
    off = len;
  for (size_t i = 0; i < off; i++) {
    if (buf[i] == '\n') {
      l++;
      c = 1;
    } else if ((buf[i] & 0xC0) != 0x80) {
      c++;
    }
  }
  *line = l;
  *col = c;
}

/* libyaml puts an error at the end of a text that lacks a final line break
 * on the line after the last one, which does not exist: such a position
 * moves back to the end of the text. */
static void clamp_pos(const unsigned char *buf, size_t len, uint32_t *line, uint32_t *col) {
  uint32_t l, c;
  offset_to_pos(buf, len, len, &l, &c);
  if (*line > l) {
    *line = l;
    *col = c;
  }
}

/* qg_yaml_opts.partial: the document a syntax error stopped, as far as it was
 * read. Its open collections are closed at the end of the last event read
 * (close_mapping leaves out a key without a value); the caller's error stands,
 * so what on_doc returns is ignored, and a collection that cannot be closed
 * (a bad merge key) delivers nothing. */
static void deliver_partial(loader *L, unsigned doc_index) {
  if (!L->doc_open || (!L->nframes && !L->nkids))
    return;
  qg_yaml_error keep = *L->err; /* a failed close must not replace the error */
  yaml_event_t end;
  memset(&end, 0, sizeof(end));
  end.start_mark = end.end_mark = L->last_end;
  while (L->nframes) {
    if (L->frames[L->nframes - 1].node->kind == QG_Y_MAP) {
      end.type = YAML_MAPPING_END_EVENT;
      if (close_mapping(L, &end) != QG_OK) {
        *L->err = keep;
        return;
      }
    } else {
      end.type = YAML_SEQUENCE_END_EVENT;
      close_sequence(L, &end);
    }
  }
  if (L->nkids)
    (void)L->opts->on_doc(L->opts->ud, L->kids[0], doc_index);
  *L->err = keep;
}

qg_status qg_yaml_load(const unsigned char *buf, size_t len, const qg_yaml_opts *opts,
                       qg_yaml_error *err) {
  loader L;
  memset(&L, 0, sizeof(L));
  L.opts = opts;
  L.err = err;
  L.lim = opts->limits;
  if (!L.lim.max_depth)
    L.lim.max_depth = QG_YAML_DEFAULT_DEPTH;
  if (!L.lim.alias_floor)
    L.lim.alias_floor = QG_YAML_DEFAULT_ALIAS_FLOOR;
  if (!L.lim.alias_ratio)
    L.lim.alias_ratio = QG_YAML_DEFAULT_ALIAS_RATIO;
  if (!L.lim.max_docs)
    L.lim.max_docs = QG_YAML_DEFAULT_DOCS;
  if (!L.lim.max_nodes)
    L.lim.max_nodes = QG_YAML_DEFAULT_NODES;
  memset(err, 0, sizeof(*err));
  qg_arena_init(&L.arena, 64 * 1024);
  L.text = buf;
  L.len = len;
  L.remap = needs_remap(buf, len);
  L.bom = len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF;
  L.utf16 = len >= 2 && ((buf[0] == 0xFF && buf[1] == 0xFE) || (buf[0] == 0xFE && buf[1] == 0xFF));
  L.byte = L.bom ? 3 : 0;
  L.line = 1;
  L.col = L.bom ? 2 : 1;

  yaml_parser_t parser;
  qg_status st = QG_EPARSE;
  unsigned doc_index = 0;
  if (!yaml_parser_initialize(&parser)) {
    snprintf(err->message, sizeof(err->message), "cannot initialise the YAML parser");
    goto out_noparser;
  }
  yaml_parser_set_input_string(&parser, buf, len);
  for (;;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      uint32_t pl, pc, cl, cc;
      mark_pos(&L, &parser.problem_mark, &pl, &pc);
      mark_pos(&L, &parser.context_mark, &cl, &cc);
      clamp_pos(buf, len, &pl, &pc);
      clamp_pos(buf, len, &cl, &cc);
      err->line = pl;
      err->col = pc;
      if (parser.error == YAML_READER_ERROR) {
        /* the reader reports a byte offset, not a mark */
        offset_to_pos(buf, len, parser.problem_offset, &err->line, &err->col);
        if (parser.problem_value >= 0)
          snprintf(err->message, sizeof(err->message), "%s (byte 0x%02X)",
                   parser.problem ? parser.problem : "invalid encoding",
                   (unsigned)parser.problem_value & 0xFFu);
        else
          snprintf(err->message, sizeof(err->message), "%s",
                   parser.problem ? parser.problem : "invalid encoding");
      } else if (parser.context) {
        if (pl > cl && pc == 1) {
          /* the problem surfaced at the start of a later line (often the end
           * of input): the construct that is broken starts at the context */
          err->line = cl;
          err->col = cc;
          snprintf(err->message, sizeof(err->message), "%s %s",
                   parser.problem ? parser.problem : "invalid YAML", parser.context);
        } else {
          snprintf(err->message, sizeof(err->message), "%s %s (line %u column %u)",
                   parser.problem ? parser.problem : "invalid YAML", parser.context, (unsigned)cl,
                   (unsigned)cc);
        }
      } else
        snprintf(err->message, sizeof(err->message), "%s",
                 parser.problem ? parser.problem : "invalid YAML");
      st = QG_EPARSE;
      if (opts->partial)
        deliver_partial(&L, doc_index);
      goto out;
    }
    int done = ev.type == YAML_STREAM_END_EVENT;
    st = on_event(&L, &ev, &doc_index);
    yaml_event_delete(&ev);
    if (st != QG_OK || done)
      goto out;
  }
out:
  yaml_parser_delete(&parser);
out_noparser:
  qg_arena_cleanup(&L.arena);
  free(L.frames);
  free(L.kids);
  free(L.anchors);
  free(L.pairs);
  free(L.htab);
  return st;
}

/* ---- accessors ------------------------------------------------------------ */

const qg_ypair *qg_ymap_pair(const qg_ynode *n, const char *key) {
  if (!n || n->kind != QG_Y_MAP)
    return NULL;
  size_t kl = strlen(key);
  for (uint32_t i = n->u.map.n; i-- > 0;) { /* the last of a key kept twice */
    const qg_ynode *k = n->u.map.pairs[i].key;
    if (k->kind == QG_Y_SCALAR && k->u.s.len == kl && memcmp(k->u.s.str, key, kl) == 0)
      return &n->u.map.pairs[i];
  }
  return NULL;
}

const qg_ynode *qg_ymap_get(const qg_ynode *n, const char *key) {
  const qg_ypair *p = qg_ymap_pair(n, key);
  return p ? p->value : NULL;
}

const qg_ynode *qg_ymap_path(const qg_ynode *n, const char *dotted) {
  char seg[128];
  const char *s = dotted;
  while (n && *s) {
    const char *dot = strchr(s, '.');
    size_t l = dot ? (size_t)(dot - s) : strlen(s);
    if (l >= sizeof(seg))
      return NULL;
    memcpy(seg, s, l);
    seg[l] = '\0';
    n = qg_ymap_get(n, seg);
    s += l + (dot ? 1 : 0);
  }
  return n;
}

static int tag_is(const qg_ynode *n, const char *t) { return n->tag && strcmp(n->tag, t) == 0; }

bool qg_ynode_is_null(const qg_ynode *n) {
  if (!n)
    return true;
  if (n->kind != QG_Y_SCALAR)
    return false;
  if (tag_is(n, "tag:yaml.org,2002:null"))
    return true;
  if (!n->plain || n->tag)
    return false;
  const char *s = n->u.s.str;
  return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

const char *qg_ynode_str(const qg_ynode *n) {
  if (!n || n->kind != QG_Y_SCALAR || qg_ynode_is_null(n))
    return NULL;
  return n->u.s.str;
}

bool qg_ynode_eq(const qg_ynode *n, const char *s) {
  const char *v = qg_ynode_str(n);
  return v && strcmp(v, s) == 0;
}

int qg_ynode_bool(const qg_ynode *n) {
  static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
                                    "on",   "On",   "ON",   "y",   "Y"};
  static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO",
                                   "off",   "Off",   "OFF",   "n",  "N"};
  if (!n || n->kind != QG_Y_SCALAR)
    return -1;
  int typed = tag_is(n, "tag:yaml.org,2002:bool");
  if (!typed && (!n->plain || n->tag))
    return -1;
  for (size_t i = 0; i < QG_ARRAY_LEN(yes); i++)
    if (!strcmp(n->u.s.str, yes[i]))
      return 1;
  for (size_t i = 0; i < QG_ARRAY_LEN(no); i++)
    if (!strcmp(n->u.s.str, no[i]))
      return 0;
  return -1;
}

bool qg_ynode_int(const qg_ynode *n, long long *out) {
  if (!n || n->kind != QG_Y_SCALAR)
    return false;
  int typed = tag_is(n, "tag:yaml.org,2002:int");
  if (!typed && (!n->plain || n->tag))
    return false;
  char tmp[72];
  size_t j = 0;
  for (const char *s = n->u.s.str; *s; s++) {
    if (*s == '_')
      continue;
    if (j + 1 >= sizeof(tmp))
      return false;
    tmp[j++] = *s;
  }
  tmp[j] = '\0';
  const char *p = tmp;
  int neg = 0;
  if (*p == '+' || *p == '-')
    neg = *p++ == '-';
  int base = 10;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    base = 16;
    p += 2;
  } else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
    base = 2;
    p += 2;
  } else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
    base = 8;
    p += 2;
  } else if (p[0] == '0' && p[1]) {
    base = 8;
    p += 1;
  }
  if (!*p)
    return false;
  for (const char *q = p; *q; q++) {
    int d = (*q >= '0' && *q <= '9')   ? *q - '0'
            : (*q >= 'a' && *q <= 'f') ? *q - 'a' + 10
            : (*q >= 'A' && *q <= 'F') ? *q - 'A' + 10
                                       : 99;
    if (d >= base)
      return false;
  }
  errno = 0;
  char *end = NULL;
  long long v = strtoll(p, &end, base);
  if (errno || *end)
    return false;
  *out = neg ? -v : v;
  return true;
}

uint32_t qg_yseq_len(const qg_ynode *n) { return n && n->kind == QG_Y_SEQ ? n->u.seq.n : 0; }

const qg_ynode *qg_yseq_at(const qg_ynode *n, uint32_t i) {
  return i < qg_yseq_len(n) ? n->u.seq.items[i] : NULL;
}

const char *qg_yaml_version(void) { return yaml_get_version_string(); }

const qg_ynode *qg_ynode_copy(qg_arena *a, const qg_ynode *n, size_t *bytes) {
  size_t taken = sizeof(qg_ynode);
  qg_ynode *m = qg_arena_alloc(a, sizeof(*m));
  *m = *n;
  if (n->tag) {
    size_t tl = strlen(n->tag);
    m->tag = qg_arena_strndup(a, n->tag, tl);
    taken += tl + 1;
  }
  switch ((qg_ykind)n->kind) {
  case QG_Y_SCALAR:
    m->u.s.str = qg_arena_strndup(a, n->u.s.str, n->u.s.len);
    taken += n->u.s.len + 1;
    break;
  case QG_Y_SEQ: {
    const qg_ynode **items = qg_arena_alloc(a, (n->u.seq.n ? n->u.seq.n : 1) * sizeof(*items));
    taken += n->u.seq.n * sizeof(*items);
    for (uint32_t i = 0; i < n->u.seq.n; i++)
      items[i] = qg_ynode_copy(a, n->u.seq.items[i], bytes);
    m->u.seq.items = items;
    break;
  }
  case QG_Y_MAP: {
    qg_ypair *pairs = qg_arena_alloc(a, (n->u.map.n ? n->u.map.n : 1) * sizeof(*pairs));
    taken += n->u.map.n * sizeof(*pairs);
    for (uint32_t i = 0; i < n->u.map.n; i++) {
      pairs[i].key = qg_ynode_copy(a, n->u.map.pairs[i].key, bytes);
      pairs[i].value = qg_ynode_copy(a, n->u.map.pairs[i].value, bytes);
    }
    m->u.map.pairs = pairs;
    break;
  }
  }
  if (bytes)
    *bytes += taken;
  return m;
}
