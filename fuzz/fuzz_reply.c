/* fuzz_reply.c: the model's reply (review/reply.c), without a change and
 * against a small one. Properties: what is kept is what reply.h promises
 * (a message of at most QG_REPLY_MAX_TEXT bytes without control characters,
 * a file of the change on a line its hunks show, a confidence in 0..1, at
 * most QG_REPLY_MAX_VIOLATIONS), and every note is one line of text. */
#include "fuzz/fuzz.h"
#include "review/reply.h"

#include <string.h>

static uint32_t ax_lines[] = {1, 2};
static uint32_t main_lines[] = {2, 3, 4, 5, 6, 7, 8, 13, 14, 15, 16, 17, 18, 19};
static uint32_t main_added[] = {5, 16};
static char main_patch[] = "@@ -2,6 +2,7 @@\n int a;\n int b;\n int c;\n+#include \"db/conn.h\"\n"
                           " int d;\n int e;\n int f;\n@@ -12,7 +13,7 @@\n void g(void) {\n"
                           "   int x;\n   x = 1;\n-  old_call(x);\n+  db_query(x);\n }\n \n"
                           " int h;\n";
static uint32_t tie_lines[] = {10, 14};

/* sorted by path, as qg_change_read gives them */
static qg_change_file g_files[] = {
    {.path = (char[]){"a/x.go"}, .status = 'A', .lines = ax_lines, .nlines = 2},
    {.path = (char[]){"img.bin"}, .status = 'A', .skip = QG_CHANGE_BINARY},
    {.path = (char[]){"src/main.c"},
     .status = 'M',
     .patch = main_patch,
     .patch_len = sizeof(main_patch) - 1,
     .lines = main_lines,
     .nlines = QG_ARRAY_LEN(main_lines),
     .added = main_added,
     .nadded = QG_ARRAY_LEN(main_added)},
    {.path = (char[]){"src/tie.c"}, .status = 'M', .lines = tie_lines, .nlines = 2},
    {.path = (char[]){"vendor/x.go"}, .status = 'A', .skip = QG_CHANGE_VENDORED},
};
static const char *const g_shown[] = {"src/main.c", "a/x.go"};
static const char *const g_heads[] = {"Architecture", "2. Layers", "3.2 Data access"};
static const qg_reply_scope g_scope = {g_shown, 2, g_heads, 3};
static const qg_change g_change = {.files = g_files, .n = QG_ARRAY_LEN(g_files)};

/* No control characters but newline and tab (none at all when one_line). */
static void check_text(const char *s, size_t max, bool one_line, const char *what) {
  FUZZ_CHECK(s != NULL, "%s is NULL", what);
  size_t n = strlen(s);
  FUZZ_CHECK(n <= max, "%s is %zu bytes", what, n);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    bool bad = c < 0x20 || c == 0x7F;
    if (!one_line && (c == '\n' || c == '\t'))
      bad = false;
    FUZZ_CHECK(!bad, "%s has byte 0x%02x at %zu", what, c, i);
  }
}

static void check(const qg_reply *r, const qg_change *change) {
  FUZZ_CHECK(r->n <= QG_REPLY_MAX_VIOLATIONS, "%zu violations", r->n);
  FUZZ_CHECK(r->parsed || r->n == 0, "violations from an unparsed reply");
  FUZZ_CHECK(r->nnotes <= QG_REPLY_MAX_NOTES + 2, "%zu notes", r->nnotes);
  FUZZ_CHECK(r->parsed || r->nnotes > 0, "an unusable reply without a note");
  for (size_t i = 0; i < r->n; i++) {
    const qg_violation *v = &r->v[i];
    check_text(v->message, QG_REPLY_MAX_TEXT, false, "message");
    FUZZ_CHECK(*v->message, "violation %zu: empty message", i);
    FUZZ_CHECK(v->file && *v->file, "violation %zu: no file", i);
    if (v->suggestion)
      check_text(v->suggestion, QG_REPLY_MAX_TEXT, false, "suggestion");
    if (v->reference)
      check_text(v->reference, QG_REPLY_MAX_TEXT, false, "reference");
    FUZZ_CHECK(v->severity < QG__SEV_COUNT, "severity %d", (int)v->severity);
    FUZZ_CHECK(v->confidence >= 0 && v->confidence <= 1, "confidence %g", v->confidence);
    if (change) {
      const qg_change_file *f = qg_change_find(change, v->file);
      FUZZ_CHECK(f != NULL, "file \"%s\" is not in the change", v->file);
      FUZZ_CHECK(f->skip == QG_CHANGE_KEPT, "file \"%s\" is not shown", v->file);
      FUZZ_CHECK(v->line == 0 || qg_change_shows_line(f, v->line), "%s:%u is not shown", v->file,
                 (unsigned)v->line);
      FUZZ_CHECK(v->unconfirmed || qg_change_added_line(f, v->line),
                 "%s:%u is counted but not an added line", v->file, (unsigned)v->line);
    }
  }
  for (size_t i = 0; i < r->nnotes; i++)
    check_text(r->notes[i], (size_t)-1, true, "note");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* not NUL-terminated: libFuzzer's copy is exactly size bytes, so ASan
   * sees any read past it */
  const char *text = (const char *)data;
  qg_reply r;
  qg_reply_parse(text, size, NULL, NULL, &r);
  check(&r, NULL);
  qg_reply_cleanup(&r);
  qg_reply_parse(text, size, &g_change, NULL, &r);
  check(&r, &g_change);
  qg_reply_cleanup(&r);
  /* with the request's scope: only its files, references checked */
  qg_reply_parse(text, size, &g_change, &g_scope, &r);
  check(&r, &g_change);
  for (size_t i = 0; i < r.n; i++) {
    FUZZ_CHECK(strcmp(r.v[i].file, "src/main.c") == 0 || strcmp(r.v[i].file, "a/x.go") == 0,
               "file \"%s\" was not shown", r.v[i].file);
    FUZZ_CHECK(r.v[i].unconfirmed || r.v[i].section, "violation %zu: counted without a section", i);
    if (r.v[i].quote)
      check_text(r.v[i].quote, QG_REPLY_MAX_QUOTE, true, "quote");
  }
  /* the merge keeps every violation or folds it */
  qg_reply all, again;
  memset(&all, 0, sizeof(all));
  size_t n = r.n;
  qg_reply_parse(text, size, &g_change, &g_scope, &again);
  (void)qg_reply_merge(&all, &r);
  size_t folded = qg_reply_merge(&all, &again);
  FUZZ_CHECK(all.n + folded == 2 * n, "merged %zu + folded %zu of 2 x %zu", all.n, folded, n);
  FUZZ_CHECK(folded == n, "the same reply twice folded %zu of %zu", folded, n);
  qg_reply_cleanup(&again);
  qg_reply_cleanup(&all);
  qg_reply_cleanup(&r);
  return 0;
}
