/* cfgval.h: a value read from a configuration file with its place in it, so
 * that whoever uses it later (the rule selection, the exemptions) can say
 * where it was written. config/config.c fills them; the modules' settings
 * (scanners/policy.h) hold them. */
#ifndef QG_CFGVAL_H
#define QG_CFGVAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct qg_cfgstr {
  char *s; /* owned */
  uint32_t line, col;
} qg_cfgstr;

typedef struct qg_cfglist {
  qg_cfgstr *items; /* owned */
  size_t n;
} qg_cfglist;

/* Frees every string and the items, and leaves l empty. */
void qg_cfglist_free(qg_cfglist *l);

#endif
