/* unit_fs.c: reading and writing files without following links the
 * repository planted (issue 17): FIFOs and devices refused without blocking,
 * links out of the repository refused, writes through a temporary file that
 * is removed on every failure (a full disk, a signal) and never replace a
 * link, a device or a hard-linked file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/edit.h"
#include "core/fs.h"
#include "core/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A fresh directory per test (its real path), removed afterwards. */
static int setup(void **state) {
  char tmpl[] = "/tmp/qgate-unit-fs-XXXXXX";
  if (!mkdtemp(tmpl))
    return -1;
  *state = qg_fs_realdir(tmpl);
  return *state ? 0 : -1;
}

static int teardown(void **state) {
  char *cmd = qg_xasprintf("rm -rf '%s'", (char *)*state);
  int rc = system(cmd);
  free(cmd);
  free(*state);
  return rc == 0 ? 0 : -1;
}

static char *at(void **state, const char *name) {
  return qg_xasprintf("%s/%s", (char *)*state, name);
}

static void put(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fputs(text, f) >= 0, 1);
  assert_int_equal(fclose(f), 0);
}

static char *get(const char *path) {
  unsigned char *buf = NULL;
  size_t len = 0;
  int err_no = 0;
  assert_int_equal(qg_read_all(path, NULL, 1u << 20, &buf, &len, &err_no), QG_OK);
  return (char *)buf;
}

/* The names in dir, one per line, sorted: the temporary files would show. */
static char *listing(const char *dir) {
  struct dirent **names = NULL;
  int n = scandir(dir, &names, NULL, alphasort);
  assert_true(n >= 0);
  qg_buf b;
  qg_buf_init(&b, 0);
  for (int i = 0; i < n; i++) {
    if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, ".."))
      (void)qg_buf_printf(&b, "%s\n", names[i]->d_name);
    free(names[i]);
  }
  free(names);
  return qg_buf_detach(&b);
}

static void assert_listing(void **state, const char *want) {
  char *got = listing((char *)*state);
  assert_string_equal(got, want);
  free(got);
}

/* ---- reads ------------------------------------------------------------------------- */

static void test_read_fifo_refused(void **state) {
  char *p = at(state, "p.yaml");
  assert_int_equal(mkfifo(p, 0600), 0);
  unsigned char *buf = NULL;
  size_t len = 0;
  int err_no = 0;
  bool binary = false;
  /* no writer: a blocking open would wait for ever */
  assert_int_equal(qg_read_file(p, 1024, 0, &buf, &len, &binary, &err_no), QG_EIO);
  assert_int_equal(err_no, QG_FS_ENOTREG);
  assert_null(buf);
  assert_int_equal(qg_read_all(p, NULL, 1024, &buf, &len, &err_no), QG_EIO);
  assert_int_equal(err_no, QG_FS_ENOTREG);
  assert_int_equal(qg_fs_status(err_no), QG_EPARSE);
  assert_string_equal(qg_fs_strerror(err_no),
                      "not a regular file (a FIFO, socket or device): not read");
  free(p);
}

static void test_read_device_refused(void **state) {
  (void)state;
  unsigned char *buf = NULL;
  size_t len = 0;
  int err_no = 0;
  assert_int_equal(qg_read_all("/dev/zero", NULL, 1024, &buf, &len, &err_no), QG_EIO);
  assert_int_equal(err_no, QG_FS_ENOTREG);
  assert_null(buf);
}

static void test_read_repo_links(void **state) {
  char *repo = at(state, "repo"), *in = at(state, "repo/in.txt"), *out = at(state, "out.txt");
  char *l_in = at(state, "repo/l-in.md"), *l_out = at(state, "repo/l-out.md");
  char *l_dir = at(state, "repo/docs"), *via_dir = at(state, "repo/docs/out.txt");
  assert_int_equal(mkdir(repo, 0755), 0);
  put(in, "inside\n");
  put(out, "outside\n");
  assert_int_equal(symlink("in.txt", l_in), 0);
  assert_int_equal(symlink("../out.txt", l_out), 0);
  assert_int_equal(symlink("..", l_dir), 0); /* a directory link out of the repository */
  unsigned char *buf = NULL;
  size_t len = 0;
  int err_no = 0;
  bool binary = false;
  assert_int_equal(qg_read_repo_file(repo, l_in, 1024, 0, &buf, &len, &binary, &err_no), QG_OK);
  assert_string_equal((char *)buf, "inside\n");
  free(buf);
  assert_int_equal(qg_read_repo_file(repo, l_out, 1024, 0, &buf, &len, &binary, &err_no), QG_EIO);
  assert_int_equal(err_no, QG_FS_EOUTSIDE);
  assert_null(buf);
  assert_int_equal(qg_read_repo_file(repo, via_dir, 1024, 0, &buf, &len, &binary, &err_no), QG_EIO);
  assert_int_equal(err_no, QG_FS_EOUTSIDE);
  assert_int_equal(qg_fs_inside(repo, in), 0);
  assert_int_equal(qg_fs_inside(repo, l_out), QG_FS_EOUTSIDE);
  free(repo), free(in), free(out), free(l_in), free(l_out), free(l_dir), free(via_dir);
}

/* ---- writes ------------------------------------------------------------------------ */

static void test_write_new_and_replace(void **state) {
  char *p = at(state, "a.yaml");
  int err_no = 0;
  mode_t um = umask(022);
  assert_int_equal(qg_write_file_atomic(p, "one\n", 4, NULL, &err_no), QG_OK);
  struct stat sb;
  assert_int_equal(stat(p, &sb), 0);
  assert_int_equal(sb.st_mode & 07777, 0644);
  /* an existing file keeps its mode */
  assert_int_equal(chmod(p, 0640), 0);
  assert_int_equal(qg_write_file_atomic(p, "two\n", 4, NULL, &err_no), QG_OK);
  assert_int_equal(stat(p, &sb), 0);
  assert_int_equal(sb.st_mode & 07777, 0640);
  char *got = get(p);
  assert_string_equal(got, "two\n");
  free(got);
  assert_listing(state, "a.yaml\n");
  umask(um);
  free(p);
}

/* The owner is kept where the writer may give the file away (root, as in
 * most CI containers); elsewhere fchown's EPERM is not an error. */
static void test_write_keeps_owner(void **state) {
  if (geteuid() != 0)
    skip();
  char *p = at(state, "owned.yaml");
  put(p, "old\n");
  assert_int_equal(chown(p, 65534, 65534), 0);
  assert_int_equal(chmod(p, 02750), 0);
  int err_no = 0;
  assert_int_equal(qg_write_file_atomic(p, "new\n", 4, NULL, &err_no), QG_OK);
  struct stat sb;
  assert_int_equal(stat(p, &sb), 0);
  assert_int_equal(sb.st_uid, 65534);
  assert_int_equal(sb.st_gid, 65534);
  assert_int_equal(sb.st_mode & 07777, 02750); /* set after the owner: not cleared */
  free(p);
}

static void test_write_refuses_link_device_hardlink(void **state) {
  char *t = at(state, "target"), *l = at(state, "link"), *h = at(state, "hard"),
       *f = at(state, "fifo");
  put(t, "keep\n");
  assert_int_equal(symlink("target", l), 0);
  int err_no = 0;
  assert_int_equal(qg_write_file_atomic(l, "x", 1, NULL, &err_no), QG_EIO);
  assert_int_equal(err_no, QG_FS_ESYMLINK);
  assert_int_equal(qg_write_file_atomic("/dev/null", "x", 1, NULL, &err_no), QG_EIO);
  assert_int_equal(err_no, QG_FS_ENOTREG);
  assert_int_equal(mkfifo(f, 0600), 0);
  assert_int_equal(qg_write_file_atomic(f, "x", 1, NULL, &err_no), QG_EIO);
  assert_int_equal(err_no, QG_FS_ENOTREG);
  assert_int_equal(link(t, h), 0);
  assert_int_equal(qg_write_file_atomic(t, "x", 1, NULL, &err_no), QG_EIO);
  assert_int_equal(err_no, QG_FS_ENLINK);
  assert_int_equal(qg_write_file_atomic(h, "x", 1, NULL, &err_no), QG_EIO);
  char *got = get(t);
  assert_string_equal(got, "keep\n");
  free(got);
  struct stat sb;
  assert_int_equal(lstat(l, &sb), 0);
  assert_true(S_ISLNK(sb.st_mode));
  assert_listing(state, "fifo\nhard\nlink\ntarget\n");
  free(t), free(l), free(h), free(f);
}

static void test_write_root(void **state) {
  char *repo = at(state, "repo"), *rep = at(state, "repo/reports"),
       *in = at(state, "repo/reports/q.json"), *out = at(state, "out.json"),
       *sub = at(state, "repo/sub"), *ok = at(state, "repo/sub/q.json");
  assert_int_equal(mkdir(repo, 0755), 0);
  assert_int_equal(mkdir(sub, 0755), 0);
  assert_int_equal(symlink("..", rep), 0); /* reports/ -> out of the checkout */
  qg_write_opts wo = {repo, 0};
  int err_no = 0;
  assert_int_equal(qg_write_file_atomic(in, "{}", 2, &wo, &err_no), QG_EIO);
  assert_int_equal(err_no, QG_FS_EOUTSIDE);
  assert_int_equal(access(out, F_OK), -1);
  assert_int_equal(qg_write_file_atomic(ok, "{}", 2, &wo, &err_no), QG_OK);
  /* outside the checkout as written: the caller's choice */
  assert_int_equal(qg_write_file_atomic(out, "{}", 2, &wo, &err_no), QG_OK);
  /* "repo/sub/../reports/q.json" lies lexically inside: refused the same way */
  char *dotdot = at(state, "repo/sub/../reports/q.json");
  assert_int_equal(qg_write_file_atomic(dotdot, "{}", 2, &wo, &err_no), QG_EIO);
  assert_int_equal(err_no, QG_FS_EOUTSIDE);
  free(repo), free(rep), free(in), free(out), free(sub), free(ok), free(dotdot);
}

/* qg_fs_open_dir: inside the checkout no component may be a link (a committed
 * .qgate-cache -> ../elsewhere, or one in the middle of the path), and nothing is
 * created through one; outside it links are the workflow's and followed. The entry
 * read and written in the directory is never a link either. */
static void test_open_dir_refuses_links_inside(void **state) {
  char *repo = at(state, "repo"), *else_ = at(state, "elsewhere"), *lnk = at(state, "repo/cache"),
       *mid = at(state, "repo/cache/review"), *made = at(state, "repo/real/a/b"),
       *outl = at(state, "outlink"), *via = at(state, "outlink/c"),
       *entry = at(state, "repo/real/a/b/e.txt"), *forged = at(state, "forged");
  assert_int_equal(mkdir(repo, 0755), 0);
  assert_int_equal(mkdir(else_, 0755), 0);
  assert_int_equal(symlink("../elsewhere", lnk), 0);
  int err_no = 0;
  char *where = NULL;
  assert_int_equal(qg_fs_open_dir(repo, lnk, true, &err_no, &where), -1);
  assert_int_equal(err_no, QG_FS_ELINK);
  assert_string_equal(where, lnk);
  free(where);
  assert_int_equal(qg_fs_open_dir(repo, mid, true, &err_no, &where), -1);
  assert_int_equal(err_no, QG_FS_ELINK);
  assert_string_equal(where, lnk); /* the component refused */
  free(where);
  char *made_else = at(state, "elsewhere/review");
  assert_int_equal(access(made_else, F_OK), -1); /* nothing created through the link */
  /* without create, a missing directory is ENOENT */
  assert_int_equal(qg_fs_open_dir(repo, made, false, &err_no, NULL), -1);
  assert_int_equal(err_no, ENOENT);
  int fd = qg_fs_open_dir(repo, made, true, &err_no, NULL);
  assert_true(fd >= 0);
  struct stat sb;
  assert_int_equal(stat(made, &sb), 0);
  assert_true(S_ISDIR(sb.st_mode));
  /* the entry: written and read back; a link in its place refused both ways */
  assert_int_equal(qg_write_file_at(fd, made, "e.txt", "hi\n", 3, 0644, &err_no), QG_OK);
  unsigned char *buf = NULL;
  size_t len = 0;
  assert_int_equal(qg_read_file_at(fd, "e.txt", 100, &buf, &len, &err_no), QG_OK);
  assert_int_equal(len, 3);
  assert_memory_equal(buf, "hi\n", 3);
  free(buf);
  put(forged, "{}\n");
  assert_int_equal(unlink(entry), 0);
  assert_int_equal(symlink(forged, entry), 0);
  assert_int_equal(qg_read_file_at(fd, "e.txt", 100, &buf, &len, &err_no), QG_EIO);
  assert_int_equal(err_no, QG_FS_ELINK);
  assert_null(buf);
  assert_int_equal(qg_write_file_at(fd, made, "e.txt", "x", 1, 0644, &err_no), QG_EIO);
  assert_int_equal(err_no, QG_FS_ESYMLINK);
  char *got = get(forged);
  assert_string_equal(got, "{}\n");
  free(got);
  close(fd);
  /* outside the checkout a link is followed */
  assert_int_equal(symlink("elsewhere", outl), 0);
  fd = qg_fs_open_dir(repo, via, true, &err_no, NULL);
  assert_true(fd >= 0);
  close(fd);
  char *made_c = at(state, "elsewhere/c");
  assert_int_equal(stat(made_c, &sb), 0);
  free(repo), free(else_), free(lnk), free(mid), free(made), free(outl), free(via), free(entry);
  free(forged), free(made_else), free(made_c);
}

/* A full disk, made deterministic: RLIMIT_FSIZE with SIGXFSZ ignored turns
 * every write past the limit into EFBIG. */
static void test_write_full_disk(void **state) {
  char *p = at(state, "big.yaml");
  put(p, "old\n");
  struct rlimit old, lim;
  assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
  void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
  lim = old;
  lim.rlim_cur = 4096;
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
  size_t n = 64u << 10;
  char *data = qg_xmalloc(n);
  memset(data, 'x', n);
  int err_no = 0;
  qg_status st = qg_write_file_atomic(p, data, n, NULL, &err_no);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
  signal(SIGXFSZ, prev);
  assert_int_equal(st, QG_EIO);
  assert_int_equal(err_no, EFBIG);
  char *got = get(p);
  assert_string_equal(got, "old\n");
  free(got);
  assert_listing(state, "big.yaml\n"); /* no temporary file left */
  free(data);
  free(p);
}

/* A signal while the temporary file is open: it is removed, and the process
 * still dies of the signal. */
static void killed_while_writing(void **state, int sig) {
  char *p = at(state, "t.yaml");
  put(p, "old\n");
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    qg_wfile *w = NULL;
    int err_no = 0;
    if (qg_wfile_open(p, NULL, &w, &err_no) != QG_OK)
      _exit(10);
    FILE *f = qg_wfile_stream(w);
    if (fputs("half", f) < 0 || fflush(f) != 0)
      _exit(11);
    raise(sig);
    _exit(12); /* not reached */
  }
  int ws = 0;
  assert_int_equal(waitpid(pid, &ws, 0), pid);
  assert_true(WIFSIGNALED(ws));
  assert_int_equal(WTERMSIG(ws), sig);
  char *got = get(p);
  assert_string_equal(got, "old\n");
  free(got);
  assert_listing(state, "t.yaml\n");
  free(p);
}

static void test_signal_term(void **state) { killed_while_writing(state, SIGTERM); }
static void test_signal_int(void **state) { killed_while_writing(state, SIGINT); }
static void test_signal_hup(void **state) { killed_while_writing(state, SIGHUP); }

static void test_abort_removes(void **state) {
  char *p = at(state, "r.md");
  qg_wfile *w = NULL;
  int err_no = 0;
  assert_int_equal(qg_wfile_open(p, NULL, &w, &err_no), QG_OK);
  fputs("partial", qg_wfile_stream(w));
  qg_wfile_abort(&w);
  assert_null(w);
  assert_listing(state, "");
  free(p);
}

/* ---- CRLF ---------------------------------------------------------------------------- */

static void test_edits_keep_crlf(void **state) {
  (void)state;
  const char *crlf = "a:\r\n  b: 1\r\nc: 2\r\n";
  char t1[] = "  x: true\n  y: false\n", t2[] = "  x: true\n";
  qg_edit e = {3, 1, 3, 1, t1};
  size_t outlen = 0, skipped = 0;
  char *out = qg_edits_apply(crlf, strlen(crlf), &e, 1, &outlen, &skipped);
  assert_string_equal(out, "a:\r\n  b: 1\r\n  x: true\r\n  y: false\r\nc: 2\r\n");
  free(out);
  /* a file with LF lines is left LF */
  const char *lf = "a:\n  b: 1\nc: 2\n";
  out = qg_edits_apply(lf, strlen(lf), &e, 1, &outlen, &skipped);
  assert_string_equal(out, "a:\n  b: 1\n  x: true\n  y: false\nc: 2\n");
  free(out);
  /* after a last line without its line break: CRLF too */
  const char *open_end = "a:\r\n  b: 1";
  qg_edit e2 = {3, 1, 3, 1, t2};
  out = qg_edits_apply(open_end, strlen(open_end), &e2, 1, &outlen, &skipped);
  assert_string_equal(out, "a:\r\n  b: 1\r\n  x: true\r\n");
  free(out);
}

int main(void) {
  /* the signal tests need the default actions: a run under nohup (SIGHUP
   * ignored, which the library rightly leaves alone) must not change them */
  signal(SIGHUP, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_read_fifo_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_read_device_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_read_repo_links, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_new_and_replace, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_keeps_owner, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_refuses_link_device_hardlink, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_root, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_full_disk, setup, teardown),
      cmocka_unit_test_setup_teardown(test_signal_term, setup, teardown),
      cmocka_unit_test_setup_teardown(test_signal_int, setup, teardown),
      cmocka_unit_test_setup_teardown(test_signal_hup, setup, teardown),
      cmocka_unit_test_setup_teardown(test_abort_removes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_open_dir_refuses_links_inside, setup, teardown),
      cmocka_unit_test(test_edits_keep_crlf),
  };
  return cmocka_run_group_tests_name("fs", tests, NULL, NULL);
}
