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
  char *save = NULL;
  for (char *tok = strtok_r(s, "/", &save); tok && n < MAX_SEGS; tok = strtok_r(NULL, "/", &save))
    segs[n++] = tok;
  return n;
}

/* Which prefixes of the path's segments s[0..ns) the pattern p[0..np) matches, all at
 * once: hit[k] for s[0..k). A table of which pattern prefix matches which path prefix,
 * filled forwards, so each segment is compared with each pattern segment at most once
 * (trying every split for each '**' in turn was exponential in the number of '**':
 * "**" "/a" repeated against a deep path of a's took minutes). */
static void prefixes_matched(char **p, size_t np, char **s, size_t ns, bool *hit) {
  size_t w = ns + 1;
  bool *cur = qg_xcalloc(w, sizeof(bool)), *next = qg_xcalloc(w, sizeof(bool));
  cur[0] = true; /* the empty pattern matches the empty path */
  for (size_t i = 0; i < np; i++) {
    memset(next, 0, w * sizeof(bool));
    if (strcmp(p[i], "**") == 0) {
      bool any = false; /* '**': any number of segments after a matched prefix */
      for (size_t j = 0; j < w; j++)
        next[j] = any = any || cur[j];
    } else {
      for (size_t j = 0; j < ns; j++)
        if (cur[j] && fnmatch(p[i], s[j], FNM_PERIOD) == 0)
          next[j + 1] = true;
    }
    bool *t = cur;
    cur = next;
    next = t;
  }
  memcpy(hit, cur, w * sizeof(bool));
  free(cur);
  free(next);
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
  bool matched[MAX_SEGS + 1];
  if (np)
    prefixes_matched(psegs, np, ssegs, ns, matched);
  /* the path itself, or any directory above it */
  for (size_t k = ns; k >= 1 && !hit && np; k--) {
    bool k_is_dir = k < ns || is_dir;
    if (dir_only && !k_is_dir)
      continue;
    hit = matched[k];
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
