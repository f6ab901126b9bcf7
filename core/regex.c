/* regex.c: PCRE2 adapter. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/regex.h"
#include "core/mem.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MATCH_LIMIT 200000u
#define DEPTH_LIMIT 10000u

struct qg_regex {
  pcre2_code *code;
  pcre2_match_context *mctx; /* read-only while matching: shared by threads */
  /* JIT compiled at the first search, not at compile time: most patterns of a
   * large rule set never run on a small tree, and JIT compiling is most of
   * what compiling costs. RE_UNTRIED until then (under jit_lock). */
  atomic_int jit;
};

enum { RE_UNTRIED, RE_JIT, RE_INTERPRET };
static pthread_mutex_t jit_lock = PTHREAD_MUTEX_INITIALIZER;

/* How re matches: JIT compiled on the first call. No thread matches with
 * re->code before its mode is settled, so compiling never races a match. */
static int jit_mode(qg_regex *re) {
  int mode = atomic_load_explicit(&re->jit, memory_order_acquire);
  if (mode != RE_UNTRIED)
    return mode;
  pthread_mutex_lock(&jit_lock);
  mode = atomic_load_explicit(&re->jit, memory_order_relaxed);
  if (mode == RE_UNTRIED) {
    /* QGATE_NO_JIT=1 uses the interpreter: valgrind cannot follow JIT code */
    const char *nojit = getenv("QGATE_NO_JIT");
    mode = !(nojit && *nojit && strcmp(nojit, "0") != 0) &&
                   pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0
               ? RE_JIT
               : RE_INTERPRET;
    atomic_store_explicit(&re->jit, mode, memory_order_release);
  }
  pthread_mutex_unlock(&jit_lock);
  return mode;
}

/* Match data is per thread, so that one compiled pattern serves every
 * worker. It holds MD_PAIRS capture pairs; a pattern with more groups still
 * matches, and groups past the last pair read as unset. */
#define MD_PAIRS 64
static _Thread_local pcre2_match_data *t_md;

void qg_regex_thread_cleanup(void) {
  pcre2_match_data_free(t_md);
  t_md = NULL;
}

qg_status qg_regex_compile(const char *pattern, unsigned flags, qg_regex **out, char **why,
                           size_t *erroff) {
  int errcode = 0;
  PCRE2_SIZE off = 0;
  uint32_t opts = PCRE2_NEVER_UTF | PCRE2_NEVER_UCP;
  if (flags & QG_RE_CASELESS)
    opts |= PCRE2_CASELESS;
  *out = NULL;
  *why = NULL;
  pcre2_code *code =
      pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &errcode, &off, NULL);
  if (!code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(errcode, buf, sizeof(buf));
    *why = qg_xstrdup((const char *)buf);
    *erroff = (size_t)off;
    return QG_ECONFIG;
  }
  qg_regex *re = qg_xcalloc(1, sizeof(*re));
  re->code = code;
  atomic_init(&re->jit, RE_UNTRIED);
  re->mctx = pcre2_match_context_create(NULL);
  if (!re->mctx) {
    qg_regex_free(&re);
    *why = qg_xstrdup("out of memory");
    *erroff = 0;
    return QG_ENOMEM;
  }
  pcre2_set_match_limit(re->mctx, MATCH_LIMIT);
  pcre2_set_depth_limit(re->mctx, DEPTH_LIMIT);
  *out = re;
  return QG_OK;
}

void qg_regex_free(qg_regex **re) {
  if (!re || !*re)
    return;
  pcre2_match_context_free((*re)->mctx);
  pcre2_code_free((*re)->code);
  free(*re);
  *re = NULL;
}

qg_status qg_regex_search(qg_regex *re, const char *subject, size_t len, size_t from, int group,
                          bool *found, qg_regex_match *m) {
  *found = false;
  if (from > len)
    return QG_OK;
  if (!t_md && !(t_md = pcre2_match_data_create(MD_PAIRS, NULL)))
    return QG_ENOMEM;
  int rc = jit_mode(re) == RE_JIT
               ? pcre2_jit_match(re->code, (PCRE2_SPTR)subject, len, from, 0, t_md, re->mctx)
               : pcre2_match(re->code, (PCRE2_SPTR)subject, len, from, 0, t_md, re->mctx);
  if (rc == PCRE2_ERROR_NOMATCH)
    return QG_OK;
  if (rc < 0)
    return QG_ETOOBIG; /* match or depth limit, or another failure: give up on this subject */
  if (rc == 0)
    rc = MD_PAIRS; /* more groups than pairs: the first MD_PAIRS are set */
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(t_md);
  m->start = ov[0];
  m->end = ov[1];
  if (group > 0 && group < rc && ov[2 * group] != PCRE2_UNSET) {
    m->gstart = ov[2 * group];
    m->gend = ov[2 * group + 1];
  } else {
    m->gstart = m->start;
    m->gend = m->end;
  }
  *found = true;
  return QG_OK;
}

const char *qg_regex_version(char *buf, size_t size) {
  if (size == 0)
    return buf;
  buf[0] = '\0';
  int need = pcre2_config(PCRE2_CONFIG_VERSION, NULL); /* code units, with the NUL */
  if (need > 0 && (size_t)need <= size)
    pcre2_config(PCRE2_CONFIG_VERSION, buf);
  return buf;
}
