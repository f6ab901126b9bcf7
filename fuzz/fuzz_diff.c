/* fuzz_diff.c: one file's diff and line map (core/diff.c,
 * qg_change_file_from_texts: libgit2's diff of two texts, read into the patch
 * text, the lines it shows and adds, and the hunks that map a line of the old
 * text to the new). The input is the old text, a NUL byte, the new text (no
 * NUL: the new text is empty). Properties: the lines shown and added are
 * ascending without duplicates, within the new text, and every added line is
 * shown; the patch holds only hunk headers and ' ', '+', '-' lines (and
 * libgit2's "\ No newline" marker); and qg_change_head_line maps a line of
 * the old text either to 0 or to a line of the new text with the same
 * content, never backwards (ascending in its line). */
#include "fuzz/fuzz.h"
#include "core/diff.h"

#include <git2.h>
#include <string.h>

#define MAX_LINES 4096

/* Where each line starts (at most MAX_LINES): a text's lines as git counts them. */
static size_t split_lines(const char *s, size_t n, size_t *start, size_t *len) {
  size_t k = 0, at = 0;
  while (at < n && k < MAX_LINES) {
    const char *nl = memchr(s + at, '\n', n - at);
    size_t end = nl ? (size_t)(nl - s) : n;
    start[k] = at;
    len[k] = end - at;
    k++;
    at = nl ? end + 1 : n;
  }
  return k;
}

static size_t g_os[MAX_LINES], g_ol[MAX_LINES], g_ns[MAX_LINES], g_nl[MAX_LINES];

static void ascending(const uint32_t *v, size_t n, const char *what) {
  for (size_t i = 1; i < n; i++)
    FUZZ_CHECK(v[i - 1] < v[i], "%s: %u then %u", what, v[i - 1], v[i]);
}

/* libgit2 stays initialised: qg_change_file_from_texts's own init and shutdown then
 * only count, instead of setting up and tearing down libgit2 for every input. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  git_libgit2_init();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  const char *nul = memchr(text, '\0', size);
  size_t old_len = nul ? (size_t)(nul - text) : size;
  const char *new_text = nul ? nul + 1 : text + size;
  size_t new_len = nul ? size - old_len - 1 : 0;
  uint32_t context = size ? data[size - 1] % 4 : 0; /* 0 is the default, 3 */
  qg_change_file f;
  qg_status st =
      qg_change_file_from_texts("f.txt", text, old_len, new_text, new_len, context, 4096, &f);
  if (st != QG_OK) {
    qg_change_file_cleanup(&f);
    return 0;
  }
  size_t no = split_lines(text, old_len, g_os, g_ol);
  size_t nn = split_lines(new_text, new_len, g_ns, g_nl);
  bool whole = no < MAX_LINES && nn < MAX_LINES;
  ascending(f.lines, f.nlines, "lines");
  ascending(f.added, f.nadded, "added");
  for (size_t i = 0; i < f.nadded; i++)
    FUZZ_CHECK(qg_change_shows_line(&f, f.added[i]), "added line %u is not shown", f.added[i]);
  if (whole && f.nlines)
    FUZZ_CHECK(f.lines[f.nlines - 1] <= nn, "line %u of %zu", f.lines[f.nlines - 1], nn);
  if (f.skip == QG_CHANGE_KEPT) {
    FUZZ_CHECK(f.patch && strlen(f.patch) <= f.patch_len, "patch");
    /* each line of the patch: a hunk header or a body line */
    for (const char *p = f.patch; p && *p;) {
      FUZZ_CHECK(strchr(" +-@\\", *p), "patch line starting 0x%02x", (unsigned char)*p);
      if (*p == '@')
        FUZZ_CHECK(strncmp(p, "@@ -", 4) == 0, "a hunk header");
      const char *nl = strchr(p, '\n');
      p = nl ? nl + 1 : p + strlen(p);
    }
  } else {
    FUZZ_CHECK(!f.patch && !f.nlines, "a skipped file with a patch");
  }
  FUZZ_CHECK(f.remapped, "not remapped");
  /* the map: same content, ascending */
  uint32_t last = 0;
  for (size_t i = 1; whole && !f.unmapped && i <= no + 1; i++) {
    uint32_t m = qg_change_head_line(&f, (uint32_t)i);
    if (i > no || !m)
      continue;
    FUZZ_CHECK(m <= nn, "old line %zu maps to %u of %zu", i, m, nn);
    FUZZ_CHECK(g_ol[i - 1] == g_nl[m - 1] &&
                   memcmp(text + g_os[i - 1], new_text + g_ns[m - 1], g_ol[i - 1]) == 0,
               "old line %zu maps to new line %u, which differs", i, m);
    FUZZ_CHECK(m > last, "old line %zu maps to %u after %u", i, m, last);
    last = m;
  }
  qg_change_file_cleanup(&f);
  return 0;
}
