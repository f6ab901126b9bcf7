/* mem.c: allocation helpers, arena, capped buffer and string pool. */
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

QG_NORETURN static void oom(size_t n) {
  /* The one place library code writes to stderr: there is no caller left to
   * report to once memory is gone. */
  fprintf(stderr, "qgate: out of memory (allocating %zu bytes)\n", n);
  abort();
}

void *qg_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p)
    oom(n);
  return p;
}

void *qg_xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p)
    oom(n * size);
  return p;
}

void *qg_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q)
    oom(n);
  return q;
}

char *qg_xstrdup(const char *s) { return qg_xstrndup(s, strlen(s)); }

char *qg_xstrndup(const char *s, size_t n) {
  char *d = qg_xmalloc(n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *qg_xvasprintf(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    n = 0;
  char *s = qg_xmalloc((size_t)n + 1);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

char *qg_xasprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = qg_xvasprintf(fmt, ap);
  va_end(ap);
  return s;
}

void qg_grow(void **items, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap)
    return;
  size_t nc = *cap ? *cap : 8;
  while (nc < need)
    nc *= 2;
  *items = qg_xrealloc(*items, nc * elem);
  *cap = nc;
}

/* ---- arena --------------------------------------------------------------- */
struct qg_arena_chunk {
  qg_arena_chunk *next;
  size_t size, used;
  _Alignas(max_align_t) unsigned char data[];
};

void qg_arena_init(qg_arena *a, size_t chunk_size) {
  a->head = NULL;
  a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
}

void *qg_arena_alloc(qg_arena *a, size_t n) {
  n = (n + 7) & ~(size_t)7;
  qg_arena_chunk *c = a->head;
  if (!c || c->size - c->used < n) {
    size_t sz = n > a->chunk_size ? n : a->chunk_size;
    c = qg_xmalloc(sizeof(*c) + sz);
    c->size = sz;
    c->used = 0;
    c->next = a->head;
    a->head = c;
  }
  void *p = c->data + c->used;
  c->used += n;
  return p;
}

char *qg_arena_strndup(qg_arena *a, const char *s, size_t n) {
  char *d = qg_arena_alloc(a, n + 1);
  if (n)
    memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

void qg_arena_reset(qg_arena *a) {
  qg_arena_chunk *c = a->head;
  if (!c)
    return;
  /* keep the oldest chunk of the default size, free the rest */
  qg_arena_chunk *keep = NULL;
  while (c) {
    qg_arena_chunk *next = c->next;
    if (!keep && c->size == a->chunk_size && !next) {
      keep = c;
    } else {
      free(c);
    }
    c = next;
  }
  if (keep) {
    keep->used = 0;
    keep->next = NULL;
  }
  a->head = keep;
}

void qg_arena_cleanup(qg_arena *a) {
  qg_arena_chunk *c = a->head;
  while (c) {
    qg_arena_chunk *next = c->next;
    free(c);
    c = next;
  }
  a->head = NULL;
}

/* ---- buf ----------------------------------------------------------------- */
void qg_buf_init(qg_buf *b, size_t max) {
  b->data = NULL;
  b->len = b->cap = 0;
  b->max = max ? max : SIZE_MAX / 2;
}

qg_status qg_buf_append(qg_buf *b, const void *p, size_t n) {
  if (n > b->max - b->len)
    return QG_ETOOBIG;
  qg_grow((void **)&b->data, &b->cap, b->len + n + 1, 1);
  if (n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return QG_OK;
}

qg_status qg_buf_puts(qg_buf *b, const char *s) { return qg_buf_append(b, s, strlen(s)); }

qg_status qg_buf_putc(qg_buf *b, char c) { return qg_buf_append(b, &c, 1); }

qg_status qg_buf_printf(qg_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = qg_xvasprintf(fmt, ap);
  va_end(ap);
  qg_status st = qg_buf_puts(b, s);
  free(s);
  return st;
}

char *qg_buf_detach(qg_buf *b) {
  char *s = b->data ? b->data : qg_xstrdup("");
  b->data = NULL;
  b->len = b->cap = 0;
  return s;
}

void qg_buf_cleanup(qg_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

/* ---- string pool --------------------------------------------------------- */
uint64_t qg_hash64(const void *p, size_t n, uint64_t seed) {
  const unsigned char *s = p;
  uint64_t h = seed;
  for (size_t i = 0; i < n; i++) {
    h ^= s[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

void qg_strpool_init(qg_strpool *p) {
  qg_arena_init(&p->arena, 16 * 1024);
  p->slots = NULL;
  p->nslots = p->count = 0;
}

static void pool_rehash(qg_strpool *p) {
  size_t n = p->nslots ? p->nslots * 2 : 64;
  const char **slots = qg_xcalloc(n, sizeof(*slots));
  for (size_t i = 0; i < p->nslots; i++) {
    const char *s = p->slots[i];
    if (!s)
      continue;
    size_t j = qg_hash64(s, strlen(s), QG_HASH_SEED) & (n - 1);
    while (slots[j])
      j = (j + 1) & (n - 1);
    slots[j] = s;
  }
  free(p->slots);
  p->slots = slots;
  p->nslots = n;
}

const char *qg_strpool_intern(qg_strpool *p, const char *s, size_t n) {
  if ((p->count + 1) * 2 > p->nslots)
    pool_rehash(p);
  size_t j = qg_hash64(s, n, QG_HASH_SEED) & (p->nslots - 1);
  while (p->slots[j]) {
    if (strncmp(p->slots[j], s, n) == 0 && p->slots[j][n] == '\0')
      return p->slots[j];
    j = (j + 1) & (p->nslots - 1);
  }
  const char *copy = qg_arena_strndup(&p->arena, s, n);
  p->slots[j] = copy;
  p->count++;
  return copy;
}

void qg_strpool_cleanup(qg_strpool *p) {
  free(p->slots);
  p->slots = NULL;
  p->nslots = p->count = 0;
  qg_arena_cleanup(&p->arena);
}

void qg_why(char **why, const char *fmt, ...) {
  if (!why)
    return;
  va_list ap;
  va_start(ap, fmt);
  char *t = qg_xvasprintf(fmt, ap);
  va_end(ap);
  free(*why);
  *why = t;
}
