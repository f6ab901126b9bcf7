/* glob.c: gitignore-style matching over path segments, with fnmatch(3) for
 * each segment and '**' spanning any number of segments. */
#include "core/glob.h"
#include "core/mem.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEGS 128

static size_t split(char *s, char **segs) {
  size_t n = 0;
  for (char *tok = strtok(s, "/"); tok && n < MAX_SEGS; tok = strtok(NULL, "/"))
    segs[n++] = tok;
  return n;
}

static bool segs_match(char **p, size_t np, char **s, size_t ns) {
  if (np == 0)
    return ns == 0;
  if (strcmp(p[0], "**") == 0) {
    for (size_t k = 0; k <= ns; k++)
      if (segs_match(p + 1, np - 1, s + k, ns - k))
        return true;
    return false;
  }
  if (ns == 0 || fnmatch(p[0], s[0], FNM_PERIOD) != 0)
    return false;
  return segs_match(p + 1, np - 1, s + 1, ns - 1);
}

bool qg_glob_match(const char *pattern, const char *path, bool is_dir) {
  size_t pl = strlen(pattern);
  bool dir_only = pl && pattern[pl - 1] == '/';
  const char *body = pattern;
  while (*body == '/')
    body++;
  char *pbuf = qg_xstrdup(body);
  size_t bl = strlen(pbuf);
  while (bl && pbuf[bl - 1] == '/')
    pbuf[--bl] = '\0';
  bool anchored = pattern[0] == '/' || strchr(pbuf, '/') != NULL;
  char *sbuf = qg_xstrdup(path);
  char *psegs[MAX_SEGS + 1], *ssegs[MAX_SEGS];
  size_t np = 0;
  char any[] = "**";
  if (!anchored)
    psegs[np++] = any;
  np += split(pbuf, psegs + np);
  size_t ns = split(sbuf, ssegs);
  bool hit = false;
  /* the path itself, or any directory above it */
  for (size_t k = ns; k >= 1 && !hit && np; k--) {
    bool k_is_dir = k < ns || is_dir;
    if (dir_only && !k_is_dir)
      continue;
    hit = segs_match(psegs, np, ssegs, k);
  }
  free(pbuf);
  free(sbuf);
  return hit;
}

bool qg_glob_list_match(const char *const *patterns, size_t n, const char *path, bool is_dir) {
  bool excluded = false;
  for (size_t i = 0; i < n; i++) {
    const char *p = patterns[i];
    if (!*p || *p == '#')
      continue;
    bool neg = *p == '!';
    if (qg_glob_match(neg ? p + 1 : p, path, is_dir))
      excluded = !neg;
  }
  return excluded;
}
