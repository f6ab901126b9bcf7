/* accepted.c: .qgateignore (accepted.h). */
#include "core/accepted.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

static int hexval(unsigned char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The value of 16 lower-case hex digits at p (p has at least 16 bytes), or
 * false. */
static bool fp_value(const char *p, uint64_t *out) {
  uint64_t v = 0;
  for (int i = 0; i < 16; i++) {
    int d = hexval((unsigned char)p[i]);
    if (d < 0)
      return false;
    v = v << 4 | (uint64_t)d;
  }
  *out = v;
  return true;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

void qg_accepted_parse(qg_accepted *a, const char *buf, size_t len) {
  memset(a, 0, sizeof(*a));
  size_t cap = 0;
  unsigned lineno = 0;
  for (size_t at = 0; at < len;) {
    const char *line = buf + at;
    const char *nl = memchr(line, '\n', len - at);
    size_t ll = nl ? (size_t)(nl - line) : len - at;
    at += ll + (nl != NULL);
    if (lineno < UINT32_MAX)
      lineno++;
    size_t i = 0;
    while (i < ll && (line[i] == ' ' || line[i] == '\t'))
      i++;
    if (i == ll || line[i] == '#' || line[i] == '\r')
      continue;
    uint64_t v;
    /* the fingerprint, then the end of the line or a blank before the rest */
    bool ok = ll - i >= 16 && fp_value(line + i, &v) &&
              (ll - i == 16 || line[i + 16] == ' ' || line[i + 16] == '\t' || line[i + 16] == '\r');
    if (!ok) {
      if (a->nbad < QG_ACCEPTED_MAX_BAD)
        a->bad[a->nbad] = lineno;
      a->nbad++;
      continue;
    }
    qg_grow((void **)&a->fps, &cap, a->n + 1, sizeof(uint64_t));
    a->fps[a->n++] = v;
  }
  if (a->n > 1) {
    qsort(a->fps, a->n, sizeof(uint64_t), cmp_u64);
    size_t kept = 1;
    for (size_t i = 1; i < a->n; i++)
      if (a->fps[i] != a->fps[kept - 1])
        a->fps[kept++] = a->fps[i];
    a->n = kept;
  }
}

bool qg_accepted_has(const qg_accepted *a, const char fp[17]) {
  uint64_t v;
  if (!a->n || !fp_value(fp, &v))
    return false;
  return bsearch(&v, a->fps, a->n, sizeof(uint64_t), cmp_u64) != NULL;
}

size_t qg_accepted_apply_shown(const qg_accepted *a, qg_result *r, qg_shown_fingerprint_fn shown,
                               void *ud) {
  size_t n = 0;
  for (size_t i = 0; a->n && i < r->findings.n; i++) {
    qg_finding *fd = &r->findings.items[i];
    if (fd->suppressed_by)
      continue;
    char fp[17];
    qg_finding_fingerprint(fd, fp);
    bool hit = qg_accepted_has(a, fp);
    if (!hit && shown) {
      char sfp[17];
      shown(ud, fd, sfp);
      hit = strcmp(sfp, fp) != 0 && qg_accepted_has(a, sfp);
    }
    if (hit) {
      qg_finding_suppress(r, fd, ".qgateignore", NULL);
      n++;
    }
  }
  return n;
}

size_t qg_accepted_apply(const qg_accepted *a, qg_result *r) {
  return qg_accepted_apply_shown(a, r, NULL, NULL);
}

void qg_accepted_cleanup(qg_accepted *a) {
  free(a->fps);
  memset(a, 0, sizeof(*a));
}
