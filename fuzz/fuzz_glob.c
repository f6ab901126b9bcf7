/* fuzz_glob.c: gitignore-style globs (core/glob.c), as the exclude lists of
 * .qgate.yml (the scanned repository's own) and review.exclude use them. The
 * input is lines: the first is a path ('/'-separated; a trailing '/' makes it
 * a directory), the others a pattern list as written in the file. Properties
 * (besides ending quickly: libFuzzer's -timeout): the list's verdict is its
 * last matching pattern's, "!" re-including; a pattern followed by its
 * negation excludes nothing; a path without glob characters matches itself,
 * and so does "**"; a pattern that matches a directory matches what is under
 * it. */
#include "fuzz/fuzz.h"
#include "core/glob.h"
#include "core/mem.h"

#include <string.h>

#define MAX_PATTERNS 64

static bool literal(const char *s) { return !strpbrk(s, "*?[\\"); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 8192)
    return -1;
  char *text = qg_xmalloc(size + 1);
  memcpy(text, data, size);
  text[size] = '\0';
  char *lines[MAX_PATTERNS + 1];
  size_t n = 0;
  for (char *p = text; p && n < MAX_PATTERNS + 1;) {
    lines[n++] = p;
    p = strchr(p, '\n');
    if (p)
      *p++ = '\0';
  }
  char *path = lines[0];
  size_t pl = strlen(path);
  bool is_dir = pl && path[pl - 1] == '/';
  while (pl && path[pl - 1] == '/')
    path[--pl] = '\0';
  const char *const *pats = (const char *const *)lines + 1;
  size_t np = n - 1;

  size_t segs = 1; /* the matcher reads 128 segments; one more is added below */
  for (const char *c = path; *c; c++)
    segs += *c == '/';
  bool deep = segs >= 128;

  bool excluded = qg_glob_list_match(pats, np, path, is_dir);
  /* the last pattern that matches decides */
  bool want = false;
  for (size_t i = 0; i < np; i++) {
    const char *p = pats[i];
    if (!*p || *p == '#')
      continue;
    bool neg = *p == '!';
    if (qg_glob_match(neg ? p + 1 : p, path, is_dir))
      want = !neg;
  }
  FUZZ_CHECK(excluded == want, "the list says %d, its patterns %d", excluded, want);

  if (np && *pats[0] && *pats[0] != '#' && *pats[0] != '!') {
    char *neg = qg_xasprintf("!%s", pats[0]);
    const char *pair[2] = {pats[0], neg};
    FUZZ_CHECK(!qg_glob_list_match(pair, 2, path, is_dir), "\"%s\" then its negation excludes",
               pats[0]);
    bool hit = qg_glob_match(pats[0], path, is_dir);
    /* under a directory it matches */
    if (hit && *path && !deep && (is_dir || pats[0][strlen(pats[0]) - 1] != '/')) {
      char *child = qg_xasprintf("%s/x", path);
      FUZZ_CHECK(qg_glob_match(pats[0], child, false), "\"%s\" matches \"%s\" but not under it",
                 pats[0], path);
      free(child);
    }
    free(neg);
  }
  /* a path of at most 128 segments (the matcher's depth) without empty ones */
  if (*path && !deep && literal(path) && !strstr(path, "//") && path[0] != '/') {
    FUZZ_CHECK(qg_glob_match(path, path, is_dir), "\"%s\" does not match itself", path);
    FUZZ_CHECK(qg_glob_match("**", path, is_dir), "\"**\" does not match \"%s\"", path);
  }
  free(text);
  return 0;
}
