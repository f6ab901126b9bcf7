/* mem.h: allocation helpers, a bump arena, a growable byte buffer with a cap,
 * and a string pool.
 *
 * qg_x* functions abort on out-of-memory, as a CI tool has no useful recovery
 * (jq and cmark do the same). Capped buffers report QG_ETOOBIG instead. */
#ifndef QG_MEM_H
#define QG_MEM_H

#include "core/qg.h"

#include <stdarg.h>
#include <stdbool.h>

/* Caller frees the results with free(). */
void *qg_xmalloc(size_t n);
void *qg_xcalloc(size_t n, size_t size);
void *qg_xrealloc(void *p, size_t n);
char *qg_xstrdup(const char *s);
char *qg_xstrndup(const char *s, size_t n);
/* printf into a new string; caller frees. */
char *qg_xasprintf(const char *fmt, ...) QG_PRINTF(1, 2);
char *qg_xvasprintf(const char *fmt, va_list ap) QG_PRINTF(1, 0);
/* The error convention's one formatter: sets *why (when why is not NULL) to the
 * formatted words, freeing what it held. The caller of the failing function frees it. */
void qg_why(char **why, const char *fmt, ...) QG_PRINTF(2, 3);

/* Grows *items (each of size elem) so that it holds at least need elements;
 * *cap is updated. Doubling growth. */
void qg_grow(void **items, size_t *cap, size_t need, size_t elem);

/* ---- arena: many small allocations freed at once ---------------------- */
typedef struct qg_arena_chunk qg_arena_chunk;
typedef struct qg_arena {
  qg_arena_chunk *head; /* owned chain, newest first */
  size_t chunk_size;
} qg_arena;

void qg_arena_init(qg_arena *a, size_t chunk_size);
/* Memory valid until qg_arena_reset or qg_arena_cleanup; 8-byte aligned. */
void *qg_arena_alloc(qg_arena *a, size_t n);
char *qg_arena_strndup(qg_arena *a, const char *s, size_t n);
/* Frees everything but the first chunk, which is kept for reuse. */
void qg_arena_reset(qg_arena *a);
void qg_arena_cleanup(qg_arena *a);

/* ---- buf: growable, NUL-terminated, with a hard cap -------------------- */
typedef struct qg_buf {
  char *data; /* owned; NUL-terminated when len > 0 or after any append */
  size_t len;
  size_t cap;
  size_t max; /* hard cap on len; 0 = SIZE_MAX / 2 */
} qg_buf;

void qg_buf_init(qg_buf *b, size_t max);
/* Each returns QG_OK or QG_ETOOBIG (the buffer is then unchanged). */
qg_status qg_buf_append(qg_buf *b, const void *p, size_t n);
qg_status qg_buf_puts(qg_buf *b, const char *s);
qg_status qg_buf_putc(qg_buf *b, char c);
qg_status qg_buf_printf(qg_buf *b, const char *fmt, ...) QG_PRINTF(2, 3);
/* Hands the string to the caller (who frees it); the buffer is emptied. */
char *qg_buf_detach(qg_buf *b);
void qg_buf_cleanup(qg_buf *b);

/* ---- string pool: interned strings that live as long as the pool ------- */
typedef struct qg_strpool {
  qg_arena arena;
  const char **slots; /* open addressing; borrowed pointers into arena */
  size_t nslots, count;
} qg_strpool;

void qg_strpool_init(qg_strpool *p);
/* Returns the pooled copy of s[0..n); borrowed, valid until the pool is
 * cleaned up. Equal strings return the same pointer. */
const char *qg_strpool_intern(qg_strpool *p, const char *s, size_t n);
void qg_strpool_cleanup(qg_strpool *p);

/* FNV-1a, 64 bit: stable across runs and machines (fingerprints). */
uint64_t qg_hash64(const void *p, size_t n, uint64_t seed);
#define QG_HASH_SEED 0xcbf29ce484222325ULL

#endif
