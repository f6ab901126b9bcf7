/* unit_diff.c: the change under review read from a real repository built
 * with libgit2 in a temporary directory: statuses, skip reasons, patch text
 * and line numbers, the merge base, and the errors in words. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/diff.h"
#include "core/git.h"

#include <ftw.h>
#include <git2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the repository ----------------------------------------------------------------- */

static char g_root[PATH_MAX];       /* the temporary directory: not a repository */
static char g_repo[PATH_MAX + 16];  /* g_root/repo */
static char g_plain[PATH_MAX + 16]; /* g_root/plain: a directory outside any repository */
static char g_cwd[PATH_MAX];
static char g_base_hex[GIT_OID_HEXSZ + 1]; /* the commit both branches start from */
static char g_head_hex[GIT_OID_HEXSZ + 1];

static int write_file(const char *path, const void *data, size_t n) {
  char dir[PATH_MAX];
  snprintf(dir, sizeof(dir), "%s", path);
  for (char *s = strchr(dir, '/'); s; s = strchr(s + 1, '/')) {
    *s = '\0';
    mkdir(dir, 0755);
    *s = '/';
  }
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  size_t w = fwrite(data, 1, n, f);
  return fclose(f) == 0 && w == n ? 0 : -1;
}

static int write_text(const char *path, const char *text) {
  return write_file(path, text, strlen(text));
}

/* "line1\n".."lineN\n", with line `changed` (0: none) spelt in capitals and
 * "newK\n" inserted after line `after` (0: none). Caller frees. */
static char *numbered(int n, int changed, int after) {
  char *s = malloc((size_t)n * 16 + 32);
  size_t len = 0;
  for (int i = 1; i <= n; i++) {
    len += (size_t)sprintf(s + len, i == changed ? "LINE%d\n" : "line%d\n", i);
    if (i == after)
      len += (size_t)sprintf(s + len, "new%d\n", i + 1);
  }
  return s;
}

/* Stages the work tree as it is (deletions too) and commits it to ref
 * with the given parent revision (NULL: none). Returns 0 on success. */
static int commit(const char *ref, const char *parent, const char *msg, char *hex) {
  git_repository *repo = NULL;
  git_index *idx = NULL;
  git_tree *tree = NULL;
  git_signature *sig = NULL;
  git_object *par = NULL;
  git_oid tree_id, id;
  int rc = -1;
  if (git_repository_open(&repo, g_repo) != 0 || git_repository_index(&idx, repo) != 0 ||
      git_index_update_all(idx, NULL, NULL, NULL) != 0 ||
      git_index_add_all(idx, NULL, 0, NULL, NULL) != 0 || git_index_write(idx) != 0 ||
      git_index_write_tree(&tree_id, idx) != 0 || git_tree_lookup(&tree, repo, &tree_id) != 0 ||
      git_signature_new(&sig, "t", "t@localhost", 1700000000, 0) != 0)
    goto out;
  if (parent && git_revparse_single(&par, repo, parent) != 0)
    goto out;
  const git_commit *parents[1] = {(const git_commit *)par};
  if (git_commit_create(&id, repo, ref, sig, sig, NULL, msg, tree, par ? 1 : 0, parents) != 0)
    goto out;
  if (hex)
    git_oid_tostr(hex, GIT_OID_HEXSZ + 1, &id);
  rc = 0;
out:
  git_object_free(par);
  git_signature_free(sig);
  git_tree_free(tree);
  git_index_free(idx);
  git_repository_free(repo);
  return rc;
}

/* Commits to ref the tree of revision `from` with path's content replaced by text
 * (without touching the work tree), with the given parents. Returns 0 on success. */
static int commit_with(const char *ref, const char *from, const char *path, const char *text,
                       const char *const *parents, size_t nparents, char *hex) {
  git_repository *repo = NULL;
  git_object *obj = NULL;
  git_tree *tree = NULL, *neu = NULL;
  git_index *idx = NULL;
  git_signature *sig = NULL;
  git_object *par[2] = {NULL, NULL};
  git_oid tree_id, id;
  int rc = -1;
  if (nparents > 2 || git_repository_open(&repo, g_repo) != 0 ||
      git_revparse_single(&obj, repo, from) != 0 ||
      git_object_peel((git_object **)&tree, obj, GIT_OBJECT_TREE) != 0 ||
      git_index_new(&idx) != 0 || git_index_read_tree(idx, tree) != 0)
    goto out;
  git_index_entry e;
  memset(&e, 0, sizeof(e));
  e.mode = GIT_FILEMODE_BLOB;
  e.path = path;
  if (git_blob_create_from_buffer(&e.id, repo, text, strlen(text)) != 0 ||
      git_index_add(idx, &e) != 0 || git_index_write_tree_to(&tree_id, idx, repo) != 0 ||
      git_tree_lookup(&neu, repo, &tree_id) != 0 ||
      git_signature_new(&sig, "t", "t@localhost", 1700000000, 0) != 0)
    goto out;
  for (size_t i = 0; i < nparents; i++)
    if (git_revparse_single(&par[i], repo, parents[i]) != 0)
      goto out;
  const git_commit *ps[2] = {(const git_commit *)par[0], (const git_commit *)par[1]};
  if (git_commit_create(&id, repo, ref, sig, sig, NULL, "commit", neu, nparents, ps) != 0)
    goto out;
  git_oid_tostr(hex, GIT_OID_HEXSZ + 1, &id);
  rc = 0;
out:
  if (rc)
    fprintf(stderr, "commit_with: %s\n", git_error_last() ? git_error_last()->message : "?");
  git_object_free(par[0]);
  git_object_free(par[1]);
  git_signature_free(sig);
  git_tree_free(neu);
  git_index_free(idx);
  git_tree_free(tree);
  git_object_free(obj);
  git_repository_free(repo);
  return rc;
}

/* The branch HEAD named before move_head detached it; restore_head puts it back. */
static char *g_branch;

/* Points HEAD at a commit, detached, as CI checkouts are. */
static void move_head(const char *hex) {
  git_repository *repo = NULL;
  git_reference *head = NULL;
  git_oid id;
  assert_int_equal(git_repository_open(&repo, g_repo), 0);
  assert_int_equal(git_reference_lookup(&head, repo, "HEAD"), 0);
  if (!g_branch)
    g_branch = strdup(git_reference_symbolic_target(head));
  assert_int_equal(git_oid_fromstr(&id, hex), 0);
  assert_int_equal(git_repository_set_head_detached(repo, &id), 0);
  git_reference_free(head);
  git_repository_free(repo);
}

/* Teardown of a test that moved HEAD, whether it passed or not. */
static int restore_head(void **state) {
  (void)state;
  git_repository *repo = NULL;
  int rc = 0;
  if (g_branch)
    rc = git_repository_open(&repo, g_repo) != 0 || git_repository_set_head(repo, g_branch) != 0;
  git_repository_free(repo);
  free(g_branch);
  g_branch = NULL;
  return rc ? -1 : 0;
}

static int setup(void **state) {
  (void)state;
  git_libgit2_init();
  const char *tmp = getenv("TMPDIR");
  snprintf(g_root, sizeof(g_root), "%s/qgate-change-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!getcwd(g_cwd, sizeof(g_cwd)) || !mkdtemp(g_root))
    return -1;
  snprintf(g_repo, sizeof(g_repo), "%s/repo", g_root);
  snprintf(g_plain, sizeof(g_plain), "%s/plain", g_root);
  if (mkdir(g_repo, 0755) != 0 || mkdir(g_plain, 0755) != 0 || chdir(g_repo) != 0)
    return -1;
  git_repository *repo = NULL;
  if (git_repository_init(&repo, ".", 0) != 0)
    return -1;
  git_repository_free(repo);

  /* the base */
  char *main_base = numbered(20, 0, 0);
  int bad = write_text("src/main.c", main_base) | write_text("old.txt", "old\n") |
            write_text("rename_me.txt", "r1\nr2\nr3\nr4\nr5\nr6\nr7\nr8\nr9\nr10\n") |
            write_text("package-lock.json", "{}\n") | write_text("keep/same.txt", "same\n") |
            commit("HEAD", NULL, "base", g_base_hex);
  free(main_base);
  /* a side branch from the base, and an unrelated history */
  bad |= write_text("side.txt", "side\n") | commit("refs/heads/side", "HEAD", "side", NULL) |
         unlink("side.txt") | commit("refs/heads/orphan", NULL, "orphan", NULL);
  /* the change */
  char *main_head = numbered(20, 5, 15);
  static const char bin[] = {'P', 'N', 'G', '\0', 1, 2, '\0', 3};
  bad |= write_text("src/main.c", main_head) | unlink("old.txt") | unlink("rename_me.txt") |
         write_text("renamed.txt", "r1\nr2\nr3\nr4\nr5\nr6\nr7\nr8\nr9\nR10\n") |
         write_text("package-lock.json", "{\"lockfileVersion\": 3}\n") |
         write_text("vendor/x.go", "package x\n") | write_text("docs/notes.md", "# notes\n") |
         write_file("img.bin", bin, sizeof(bin)) |
         write_text("gen.go", "// Code generated by protoc-gen-go. DO NOT EDIT.\npackage gen\n") |
         write_text("app.min.js", "var a=1;\n") | write_text("new.txt", "a\nb\n") |
         commit("HEAD", "HEAD", "change", g_head_hex);
  free(main_head);
  return bad ? -1 : 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static int teardown(void **state) {
  (void)state;
  int rc = chdir(g_cwd);
  if (g_root[0])
    rc |= nftw(g_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  git_libgit2_shutdown();
  return rc ? -1 : 0;
}

/* ---- helpers ------------------------------------------------------------------------ */

static const char *const g_exclude[] = {"docs/"};

static qg_change_opts opts_for(const char *base) {
  qg_change_opts o;
  memset(&o, 0, sizeof(o));
  o.base = base;
  o.exclude = g_exclude;
  o.nexclude = QG_ARRAY_LEN(g_exclude);
  return o;
}

static void read_ok(const qg_change_opts *o, qg_change *c) {
  char untouched[] = "untouched";
  char *why = untouched; /* the call sets it: NULL on success */
  qg_status st = qg_change_read(o, c, &why);
  if (st != QG_OK)
    fail_msg("qg_change_read: %d: %s", (int)st, why);
  assert_null(why);
}

static const qg_change_file *must_find(const qg_change *c, const char *path) {
  const qg_change_file *f = qg_change_find(c, path);
  if (!f)
    fail_msg("%s is not in the change", path);
  return f;
}

static void assert_lines(const uint32_t *got, size_t n, const uint32_t *want, size_t nwant) {
  assert_int_equal(n, nwant);
  for (size_t i = 0; i < n; i++)
    if (got[i] != want[i])
      fail_msg("line %zu: got %u, want %u", i, (unsigned)got[i], (unsigned)want[i]);
}

static void assert_skipped(const qg_change *c, const char *path, char status, qg_change_skip skip) {
  const qg_change_file *f = must_find(c, path);
  assert_int_equal(f->status, status);
  if (f->skip != skip)
    fail_msg("%s: skipped as %s, want %s", path, qg_change_skip_name(f->skip),
             qg_change_skip_name(skip));
  assert_null(f->patch);
  assert_int_equal(f->patch_len, 0);
  assert_int_equal(f->nlines, 0);
  assert_int_equal(f->nadded, 0);
}

/* ---- tests -------------------------------------------------------------------------- */

static void test_files_sorted(void **state) {
  (void)state;
  qg_change_opts o = opts_for("HEAD~1");
  qg_change c;
  read_ok(&o, &c);
  static const char *const want[] = {
      "app.min.js", "docs/notes.md",     "gen.go",      "img.bin",    "new.txt",
      "old.txt",    "package-lock.json", "renamed.txt", "src/main.c", "vendor/x.go"};
  assert_int_equal(c.n, QG_ARRAY_LEN(want));
  for (size_t i = 0; i < c.n; i++)
    assert_string_equal(c.files[i].path, want[i]);
  assert_string_equal(c.base_oid, g_base_hex);
  assert_string_equal(c.head_oid, g_head_hex);
  assert_null(qg_change_find(&c, "keep/same.txt")); /* unchanged */
  assert_null(qg_change_find(&c, "rename_me.txt")); /* only as the old name */
  assert_null(qg_change_find(&c, "zzz"));
  assert_null(qg_change_find(&c, ""));
  qg_change_cleanup(&c);
  assert_int_equal(c.n, 0);
  assert_null(c.files);
}

static void test_modified_patch(void **state) {
  (void)state;
  qg_change_opts o = opts_for("HEAD~1");
  qg_change c;
  read_ok(&o, &c);
  const qg_change_file *f = must_find(&c, "src/main.c");
  assert_int_equal(f->status, 'M');
  assert_int_equal(f->skip, QG_CHANGE_KEPT);
  assert_null(f->old_path);
  /* as `git diff` prints it, after the header (the text after "@@" is git's
   * function context: the nearest line above that starts with a letter) */
  static const char want[] = "@@ -2,7 +2,7 @@ line1\n"
                             " line2\n line3\n line4\n-line5\n+LINE5\n line6\n line7\n line8\n"
                             "@@ -13,6 +13,7 @@ line12\n"
                             " line13\n line14\n line15\n+new16\n line16\n line17\n line18\n";
  assert_string_equal(f->patch, want);
  assert_int_equal(f->patch_len, strlen(want));
  static const uint32_t lines[] = {2, 3, 4, 5, 6, 7, 8, 13, 14, 15, 16, 17, 18, 19};
  static const uint32_t added[] = {5, 16};
  assert_lines(f->lines, f->nlines, lines, QG_ARRAY_LEN(lines));
  assert_lines(f->added, f->nadded, added, QG_ARRAY_LEN(added));
  assert_true(qg_change_shows_line(f, 2));
  assert_true(qg_change_shows_line(f, 19));
  assert_false(qg_change_shows_line(f, 1));
  assert_false(qg_change_shows_line(f, 10));
  assert_false(qg_change_shows_line(f, 0));
  assert_true(qg_change_added_line(f, 16));
  assert_false(qg_change_added_line(f, 15));
  assert_false(qg_change_added_line(NULL, 16));
  qg_change_cleanup(&c);
}

static void test_context_lines(void **state) {
  (void)state;
  qg_change_opts o = opts_for("HEAD~1");
  o.context_lines = 1;
  qg_change c;
  read_ok(&o, &c);
  const qg_change_file *f = must_find(&c, "src/main.c");
  assert_string_equal(f->patch, "@@ -4,3 +4,3 @@ line3\n line4\n-line5\n+LINE5\n line6\n"
                                "@@ -15,2 +15,3 @@ line14\n line15\n+new16\n line16\n");
  static const uint32_t lines[] = {4, 5, 6, 15, 16, 17};
  assert_lines(f->lines, f->nlines, lines, QG_ARRAY_LEN(lines));
  qg_change_cleanup(&c);
}

static void test_added_deleted_renamed(void **state) {
  (void)state;
  qg_change_opts o = opts_for("HEAD~1");
  qg_change c;
  read_ok(&o, &c);
  const qg_change_file *f = must_find(&c, "new.txt");
  assert_int_equal(f->status, 'A');
  assert_int_equal(f->skip, QG_CHANGE_KEPT);
  assert_string_equal(f->patch, "@@ -0,0 +1,2 @@\n+a\n+b\n");
  static const uint32_t both[] = {1, 2};
  assert_lines(f->lines, f->nlines, both, 2);
  assert_lines(f->added, f->nadded, both, 2);

  assert_skipped(&c, "old.txt", 'D', QG_CHANGE_DELETED);

  f = must_find(&c, "renamed.txt");
  assert_int_equal(f->status, 'R');
  assert_string_equal(f->old_path, "rename_me.txt");
  assert_int_equal(f->skip, QG_CHANGE_KEPT);
  assert_string_equal(f->patch, "@@ -7,4 +7,4 @@ r6\n r7\n r8\n r9\n-r10\n+R10\n");
  static const uint32_t rl[] = {7, 8, 9, 10};
  static const uint32_t ra[] = {10};
  assert_lines(f->lines, f->nlines, rl, 4);
  assert_lines(f->added, f->nadded, ra, 1);
  qg_change_cleanup(&c);
}

static void test_skips(void **state) {
  (void)state;
  qg_change_opts o = opts_for("HEAD~1");
  qg_change c;
  read_ok(&o, &c);
  assert_skipped(&c, "img.bin", 'A', QG_CHANGE_BINARY);
  assert_skipped(&c, "package-lock.json", 'M', QG_CHANGE_GENERATED);
  assert_skipped(&c, "gen.go", 'A', QG_CHANGE_GENERATED);
  assert_skipped(&c, "app.min.js", 'A', QG_CHANGE_GENERATED);
  assert_skipped(&c, "vendor/x.go", 'A', QG_CHANGE_VENDORED);
  assert_skipped(&c, "docs/notes.md", 'A', QG_CHANGE_EXCLUDED);
  qg_change_cleanup(&c);

  /* without the exclude list the notes are reviewed; a list can also
   * re-include */
  o.nexclude = 0;
  read_ok(&o, &c);
  const qg_change_file *f = must_find(&c, "docs/notes.md");
  assert_int_equal(f->skip, QG_CHANGE_KEPT);
  assert_string_equal(f->patch, "@@ -0,0 +1 @@\n+# notes\n");
  qg_change_cleanup(&c);
  static const char *const reinc[] = {"*.md", "!notes.md", "*.txt"};
  o.exclude = reinc;
  o.nexclude = QG_ARRAY_LEN(reinc);
  read_ok(&o, &c);
  assert_int_equal(must_find(&c, "docs/notes.md")->skip, QG_CHANGE_KEPT);
  assert_int_equal(must_find(&c, "new.txt")->skip, QG_CHANGE_EXCLUDED);
  assert_int_equal(must_find(&c, "old.txt")->skip, QG_CHANGE_DELETED); /* deleted first */
  qg_change_cleanup(&c);
}

/* A merge of the change with its target branch checked out, as GitHub checks
 * out a pull request and GitLab a merged results pipeline: the change is read up
 * to its own head, and the checkout's line numbers map to the head's. The target
 * branch put two lines after line 1 of src/main.c and changed line 18. */
static void test_merge_checked_out(void **state) {
  (void)state;
  char target[GIT_OID_HEXSZ + 1], merge[GIT_OID_HEXSZ + 1];
  char *target_text = numbered(20, 18, 0);
  char *t = strstr(target_text, "line2\n");
  assert_non_null(t);
  char *target_main = malloc(strlen(target_text) + 16);
  sprintf(target_main, "%.*st1\nt2\n%s", (int)(t - target_text), target_text, t);
  free(target_text);
  /* the merge: both sides' lines */
  char *head_text = numbered(20, 5, 15);
  t = strstr(head_text, "line2\n");
  char *s18 = strstr(head_text, "line18\n");
  assert_non_null(t);
  assert_non_null(s18);
  char *merged = malloc(strlen(head_text) + 32);
  sprintf(merged, "%.*st1\nt2\n%.*sLINE18\n%s", (int)(t - head_text), head_text, (int)(s18 - t), t,
          s18 + strlen("line18\n"));
  free(head_text);
  const char *const from_base[] = {g_base_hex};
  const char *const both[] = {target, g_head_hex};
  assert_int_equal(
      commit_with("refs/heads/target", g_base_hex, "src/main.c", target_main, from_base, 1, target),
      0);
  assert_int_equal(
      commit_with("refs/heads/merged", g_head_hex, "src/main.c", merged, both, 2, merge), 0);
  free(target_main);
  free(merged);
  move_head(merge);

  qg_change_opts o = opts_for(target);
  o.head = g_head_hex;
  qg_change c;
  read_ok(&o, &c);
  assert_string_equal(c.base_oid, g_base_hex); /* the merge base of target and head */
  assert_string_equal(c.head_oid, g_head_hex);
  const qg_change_file *f = must_find(&c, "src/main.c");
  /* the head's patch and lines, as the pull request shows them */
  static const uint32_t lines[] = {2, 3, 4, 5, 6, 7, 8, 13, 14, 15, 16, 17, 18, 19};
  assert_lines(f->lines, f->nlines, lines, QG_ARRAY_LEN(lines));
  assert_true(f->remapped);
  assert_false(f->unmapped);
  assert_int_equal(f->nmoved, 2);
  /* merge: 1 line1, 2 t1, 3 t2, 4 line2 .. 6 line4, 7 LINE5, 8 line6 .. 17 line15,
   * 18 new16, 19 line16, 20 line17, 21 LINE18, 22 line19, 23 line20 */
  static const uint32_t at_head[24] = {0,  1,  0,  0,  2,  3,  4,  5,  6,  7, 8,  9,
                                       10, 11, 12, 13, 14, 15, 16, 17, 18, 0, 20, 21};
  for (uint32_t l = 0; l < 24; l++)
    if (qg_change_head_line(f, l) != at_head[l])
      fail_msg("merge line %u: at head %u, want %u", l, qg_change_head_line(f, l), at_head[l]);
  assert_int_equal(qg_change_head_line(f, 24), 22); /* past the end: after the last hunk */
  /* a file the merge has as the head has it: the same numbers */
  const qg_change_file *n = must_find(&c, "new.txt");
  assert_true(n->remapped);
  assert_int_equal(n->nmoved, 0);
  assert_int_equal(qg_change_head_line(n, 2), 2);
  /* skipped files are not compared */
  assert_false(must_find(&c, "img.bin")->remapped);
  assert_int_equal(qg_change_head_line(NULL, 3), 0);
  qg_change_cleanup(&c);

  /* the same numbers for any file, one at a time (annotations) */
  char *why = NULL;
  qg_linemap *lm = NULL;
  assert_int_equal(qg_linemap_open(g_repo, g_head_hex, &lm, &why), QG_OK);
  assert_null(why);
  for (uint32_t l = 0; l < 24; l++)
    assert_int_equal(qg_linemap_line(lm, "src/main.c", l), at_head[l]);
  assert_int_equal(qg_linemap_line(lm, "keep/same.txt", 1), 1); /* the same file */
  assert_int_equal(qg_linemap_line(lm, "untracked.txt", 7), 7); /* not HEAD's */
  assert_int_equal(qg_linemap_line(lm, "src/main.c", 21), 0);   /* asked again */
  assert_int_equal(qg_linemap_line(NULL, "src/main.c", 21), 21);
  qg_linemap_free(&lm);
  assert_null(lm);
  assert_int_equal(qg_linemap_open(g_repo, "0123456789abcdef0123456789abcdef01234567", &lm, &why),
                   QG_ENOENT);
  assert_null(lm);
  assert_string_equal(why, "the change's head '0123456789abcdef0123456789abcdef01234567' is "
                           "not in the repository (a shallow clone?)");
  free(why);

  /* the head checked out: nothing to map */
  assert_int_equal(restore_head(NULL), 0);
  read_ok(&o, &c);
  f = must_find(&c, "src/main.c");
  assert_false(f->remapped);
  assert_null(f->moved);
  assert_int_equal(qg_change_head_line(f, 21), 21);
  qg_change_cleanup(&c);
  assert_int_equal(qg_linemap_open(g_repo, g_head_hex, &lm, &why), QG_OK);
  assert_int_equal(qg_linemap_line(lm, "src/main.c", 21), 21);
  qg_linemap_free(&lm);

  /* a head the clone does not have (shallow): QG_ENOENT, in words */
  o.head = "0123456789abcdef0123456789abcdef01234567";
  assert_int_equal(qg_change_read(&o, &c, &why), QG_ENOENT);
  assert_string_equal(why, "the change's head '0123456789abcdef0123456789abcdef01234567' is "
                           "not in the repository (a shallow clone?)");
  free(why);
  assert_int_equal(c.n, 0);
}

static void test_too_big(void **state) {
  (void)state;
  qg_change_opts o = opts_for("HEAD~1");
  o.max_patch = 40;
  qg_change c;
  read_ok(&o, &c);
  assert_skipped(&c, "src/main.c", 'M', QG_CHANGE_TOO_BIG);
  assert_int_equal(must_find(&c, "new.txt")->skip, QG_CHANGE_KEPT); /* 22 bytes */
  qg_change_cleanup(&c);
}

static void test_max_files(void **state) {
  (void)state;
  qg_change_opts o = opts_for("HEAD~1");
  o.max_files = 3;
  qg_change c;
  char *why = NULL;
  assert_int_equal(qg_change_read(&o, &c, &why), QG_ETOOBIG);
  assert_string_equal(why, "the change has 10 files, over the cap of 3: only the first 3 by "
                           "path were read");
  free(why);
  assert_int_equal(c.n, 3);
  assert_string_equal(c.files[0].path, "app.min.js");
  assert_string_equal(c.files[2].path, "gen.go");
  qg_change_cleanup(&c);
}

static void test_merge_base(void **state) {
  (void)state;
  /* "side" has a commit HEAD does not: the change is what HEAD did since
   * they parted, so side.txt is not in it (a plain diff would delete it) */
  qg_change_opts o = opts_for("side");
  qg_change c;
  read_ok(&o, &c);
  assert_string_equal(c.base_oid, g_base_hex);
  assert_string_equal(c.head_oid, g_head_hex);
  assert_int_equal(c.n, 10);
  assert_null(qg_change_find(&c, "side.txt"));
  qg_change_cleanup(&c);
  /* from a subdirectory, found by searching upwards */
  char sub[PATH_MAX + 32];
  snprintf(sub, sizeof(sub), "%s/src", g_repo);
  o.repo_dir = sub;
  read_ok(&o, &c);
  assert_int_equal(c.n, 10);
  qg_change_cleanup(&c);
}

static void expect_error(const qg_change_opts *o, const char *want) {
  qg_change c;
  char *why = NULL;
  assert_int_equal(qg_change_read(o, &c, &why), QG_EGIT);
  assert_string_equal(why, want);
  free(why);
  assert_int_equal(c.n, 0);
  assert_null(c.files);
  qg_change_cleanup(&c); /* harmless on an empty change */
}

static void test_errors(void **state) {
  (void)state;
  qg_change_opts o = opts_for("nope");
  expect_error(&o, "unknown revision 'nope'");
  o.base = "orphan";
  expect_error(&o, "no common ancestor between 'orphan' and HEAD");
  o.base = "HEAD~1";
  o.repo_dir = g_plain;
  expect_error(&o, "not inside a git repository");
  o.repo_dir = NULL;
  o.base = NULL;
  expect_error(&o, "no base revision given");
  o.base = "HEAD:src"; /* a tree */
  expect_error(&o, "revision 'HEAD:src' does not name a commit");
}

static void test_skip_names(void **state) {
  (void)state;
  assert_string_equal(qg_change_skip_name(QG_CHANGE_KEPT), "kept");
  assert_string_equal(qg_change_skip_name(QG_CHANGE_BINARY), "binary");
  assert_string_equal(qg_change_skip_name(QG_CHANGE_GENERATED), "generated");
  assert_string_equal(qg_change_skip_name(QG_CHANGE_VENDORED), "vendored");
  assert_string_equal(qg_change_skip_name(QG_CHANGE_EXCLUDED), "excluded");
  assert_string_equal(qg_change_skip_name(QG_CHANGE_DELETED), "deleted");
  assert_string_equal(qg_change_skip_name(QG_CHANGE_TOO_BIG), "too big");
}

/* One file's diff from two texts (what fuzz/fuzz_diff.c drives): the patch, its lines,
 * and the map from the old text's lines to the new one's. */
static void test_from_texts(void **state) {
  (void)state;
  static const char old[] = "a\nb\nc\nd\ne\n", new_text[] = "a\nX\nb\nc\ne\nf\n";
  qg_change_file f;
  assert_int_equal(
      qg_change_file_from_texts("t.txt", old, strlen(old), new_text, strlen(new_text), 1, 0, &f),
      QG_OK);
  assert_string_equal(f.path, "t.txt");
  assert_int_equal(f.skip, QG_CHANGE_KEPT);
  assert_string_equal(f.patch, "@@ -1,5 +1,6 @@\n a\n+X\n b\n c\n-d\n e\n+f\n");
  static const uint32_t lines[] = {1, 2, 3, 4, 5, 6}, added[] = {2, 6};
  assert_int_equal(f.nlines, 6);
  assert_memory_equal(f.lines, lines, sizeof(lines));
  assert_int_equal(f.nadded, 2);
  assert_memory_equal(f.added, added, sizeof(added));
  assert_true(f.remapped);
  assert_false(f.unmapped);
  assert_int_equal(qg_change_head_line(&f, 1), 1); /* a */
  assert_int_equal(qg_change_head_line(&f, 2), 3); /* b, after the added X */
  assert_int_equal(qg_change_head_line(&f, 3), 4); /* c */
  assert_int_equal(qg_change_head_line(&f, 4), 0); /* d is gone */
  assert_int_equal(qg_change_head_line(&f, 5), 5); /* e */
  qg_change_file_cleanup(&f);
  assert_null(f.path);
}

/* qg_git_tracked_under: what the repository brought at, under or above a path,
 * from the index or from HEAD's tree (the review cache refuses such a directory). */
static void expect_tracked(const char *dir, const char *rel, const char *want) {
  bool err = true;
  char *got = qg_git_tracked_under(dir, rel, &err);
  assert_false(err);
  if (!want && got)
    fail_msg("%s: tracked as %s, want nothing", rel, got);
  if (want && (!got || strcmp(got, want) != 0))
    fail_msg("%s: tracked as %s, want %s", rel, got ? got : "nothing", want);
  free(got);
}

static void index_edit(const char *path, bool add) {
  git_repository *repo = NULL;
  git_index *idx = NULL;
  assert_int_equal(git_repository_open(&repo, g_repo), 0);
  assert_int_equal(git_repository_index(&idx, repo), 0);
  assert_int_equal(add ? git_index_add_bypath(idx, path) : git_index_remove_bypath(idx, path), 0);
  assert_int_equal(git_index_write(idx), 0);
  git_index_free(idx);
  git_repository_free(repo);
}

static void test_tracked_under(void **state) {
  (void)state;
  expect_tracked(g_repo, "src", "src/main.c");              /* a file under it */
  expect_tracked(g_repo, "src/main.c", "src/main.c");       /* the file itself */
  expect_tracked(g_repo, "src/main.c/x.txt", "src/main.c"); /* a file where a parent lies */
  expect_tracked(g_repo, "sr", NULL);                       /* a prefix, not a component */
  expect_tracked(g_repo, "nothing/here", NULL);
  expect_tracked(g_repo, "", "app.min.js"); /* the whole tree: the index's first path */
  /* an untracked file is not the repository's */
  assert_int_equal(write_text("cache/k.txt", "{}\n"), 0);
  expect_tracked(g_repo, "cache", NULL);
  /* staged, not committed: the index has it */
  index_edit("cache/k.txt", true);
  expect_tracked(g_repo, "cache", "cache/k.txt");
  index_edit("cache/k.txt", false);
  expect_tracked(g_repo, "cache", NULL);
  assert_int_equal(unlink("cache/k.txt"), 0);
  assert_int_equal(rmdir("cache"), 0);
  /* committed, then taken out of the index: HEAD's tree still has it */
  index_edit("keep/same.txt", false);
  expect_tracked(g_repo, "keep", "keep/same.txt");
  index_edit("keep/same.txt", true);
  /* outside a repository: not known */
  bool err = false;
  assert_null(qg_git_tracked_under(g_plain, "x", &err));
  assert_true(err);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_from_texts),
      cmocka_unit_test(test_files_sorted),
      cmocka_unit_test(test_modified_patch),
      cmocka_unit_test(test_context_lines),
      cmocka_unit_test(test_added_deleted_renamed),
      cmocka_unit_test(test_skips),
      cmocka_unit_test(test_too_big),
      cmocka_unit_test_teardown(test_merge_checked_out, restore_head),
      cmocka_unit_test(test_max_files),
      cmocka_unit_test(test_merge_base),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_skip_names),
      cmocka_unit_test(test_tracked_under),
  };
  return cmocka_run_group_tests_name("change", tests, setup, teardown);
}
