/* regex.h: the PCRE2 adapter. The only qgate file that includes <pcre2.h>.
 * Patterns are compiled once (with JIT when the platform has it) and matched
 * with a match limit and a depth limit, so a pathological subject ends in
 * QG_ETOOBIG instead of a hang. QGATE_NO_JIT=1 in the environment selects the
 * interpreter (make valgrind sets it: valgrind cannot follow JIT code). */
#ifndef QG_REGEX_H
#define QG_REGEX_H

#include "core/qg.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct qg_regex qg_regex;

enum { QG_RE_CASELESS = 1u << 0 };

/* Compiles pattern (UTF-8 off: bytes). On error returns QG_ECONFIG (QG_ENOMEM
 * when out of memory) with the message in *why (a heap string the caller
 * frees; NULL on success) and the offset in *erroff. Caller frees *out with
 * qg_regex_free. */
qg_status qg_regex_compile(const char *pattern, unsigned flags, qg_regex **out, char **why,
                           size_t *erroff);
void qg_regex_free(qg_regex **re);

typedef struct qg_regex_match {
  size_t start, end;   /* the whole match, byte offsets, end exclusive */
  size_t gstart, gend; /* the capture group asked for (the whole match if unset) */
} qg_regex_match;

/* Finds the first match in subject[0..len) at or after `from`, reporting
 * capture group `group` (0 = whole match). Returns QG_OK with *found set,
 * QG_ETOOBIG when a limit was hit, QG_ENOMEM when the match data cannot be
 * allocated. Thread-safe: any number of threads may search with one regex
 * (each thread has its own match data). */
qg_status qg_regex_search(qg_regex *re, const char *subject, size_t len, size_t from, int group,
                          bool *found, qg_regex_match *m);

/* Frees the calling thread's match data; every thread that searched calls
 * it before it ends (the main thread too, before exit, for leak checkers). */
void qg_regex_thread_cleanup(void);

/* PCRE2's version, e.g. "10.42 2022-12-11"; written into buf. */
const char *qg_regex_version(char *buf, size_t size);

#endif
