/* fix.c: --fix, and the accepted findings of .qgateignore. */
#include "core/accepted.h"
#include "core/edit.h"
#include "core/escape.h"
#include "core/fs.h"
#include "core/git.h"
#include "pipeline/internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fix_notes {
  qg_secrets *red;
  const char *path; /* as shown */
  bool dry_run;
  size_t left_out; /* risky fixes not applied at --fix-level safe */
  qg_buf said;     /* what is said once the file is written: lines of a level digit
                      (0 note, 1 warning) and a message */
} fix_notes;

/* A risky fix, said with the object and container it changes (a line would
 * be one of a text that is being rewritten): a warning when it is applied,
 * a note when --fix-level safe leaves it out. Kept until the file is written. */
static void on_risky(void *ud, const qg_finding *f, bool applied) {
  fix_notes *fn = ud;
  const qg_context *c = &f->ctx;
  char *what = qg_xasprintf("%s %s%s%s%s%s%s", c->kind ? c->kind : "object",
                            c->namespace_ ? c->namespace_ : "", c->namespace_ ? "/" : "",
                            c->name ? c->name : "", c->container ? ", container \"" : "",
                            c->container ? c->container : "", c->container ? "\"" : "");
  const char *caution = f->fix->caution ? f->fix->caution : "check it";
  char *msg =
      applied
          ? qg_xasprintf("%s: %s: risky fix %s: %s: %s", fn->path, what,
                         fn->dry_run ? "would be applied" : "applied", f->fix->description, caution)
          : qg_xasprintf("%s: %s: risky fix left out (--fix-level all applies it): %s: %s",
                         fn->path, what, f->fix->description, caution);
  char *safe = qg_run_redacted(fn->red, msg);
  /* one line each: a name cannot hold a newline that the log would split */
  for (char *p = safe; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  (void)qg_buf_printf(&fn->said, "%d%s\n", applied, safe);
  fn->left_out += !applied;
  free(safe);
  free(msg);
  free(what);
}

/* Says what on_risky kept, once the file is written (or, with --dry-run, would be). */
static void say_notes(const fix_notes *fn, qg_result *log) {
  for (const char *s = fn->said.data; s && *s;) {
    size_t n = strcspn(s, "\n");
    qg_run_say(log, s[0] == '1' ? QG_DIAG_WARNING : QG_DIAG_NOTE, "%.*s", (int)(n - 1), s + 1);
    s += n + (s[n] == '\n');
  }
}

/* --fix: rewrites every file with fixable findings of `level` (with dry_run,
 * changes nothing); the unified diff of what is (or would be) changed goes to
 * diff_out when it is not NULL. A symbolic link, a file with several hard links or
 * anything but a regular file is not rewritten: an error, QG_EPARSE (the
 * other files are fixed). A file that cannot be written is QG_EIO.
 * Only the fixes written are counted as applied. */
qg_status qg_run_fixes(const qg_scan_config *scan, const qg_result *r, qg_fix_level level,
                       bool dry_run, FILE *diff_out, qg_secrets *red, qg_result *log) {
  qg_status status = QG_OK;
  size_t files = 0, fixes = 0, left_out = 0;
  const char *last = NULL;
  /* a file named inside the checkout is rewritten only where it lies inside it once
   * links are resolved: a committed manifests -> ../elsewhere, named on the command
   * line, is the repository's choice, not the workflow's */
  char *wd = qg_git_workdir(".");
  char *checkout = qg_fs_realdir(wd ? wd : ".");
  free(wd);
  qg_write_opts wo = {checkout ? checkout : ".", 0};
  for (size_t i = 0; i < r->findings.n; i++) {
    const qg_finding *f = &r->findings.items[i];
    /* findings are sorted by path: visit each path once */
    if (!f->fix || f->suppressed_by || f->loc.path == last ||
        strcmp(f->loc.path, QG_STDIN_LABEL) == 0)
      continue;
    last = f->loc.path;
    unsigned char *buf = NULL;
    size_t len = 0, outlen = 0, applied = 0;
    int err_no = 0;
    size_t max = scan->max_file_size ? scan->max_file_size : QG_DEFAULT_MAX_FILE_SIZE;
    if (qg_read_all(last, NULL, max, &buf, &len, &err_no) != QG_OK) {
      char *shown = qg_redact_path(red, last, NULL); /* a name may hold a credential */
      qg_run_say(log, QG_DIAG_ERROR, "%s: cannot read for --fix: %s", shown,
                 qg_fs_strerror(err_no));
      free(shown);
      status = QG_EIO;
      continue;
    }
    char *out = NULL;
    char *shown_path = qg_redact_path(red, last, NULL);
    fix_notes fn = {red, shown_path, dry_run, 0, {0}};
    qg_buf_init(&fn.said, 0);
    qg_fix_buffer(scan, last, (const char *)buf, len, level, on_risky, &fn, &out, &outlen,
                  &applied);
    free(shown_path);
    bool written = false;
    /* a link (its target, or the other names of a hard link, are not what
     * was scanned as this path) is left to a person; qg_wfile_open refuses
     * it too, this says so for --dry-run as well */
    struct stat lsb;
    int refused = lstat(last, &lsb) != 0  ? 0
                  : S_ISLNK(lsb.st_mode)  ? QG_FS_ESYMLINK
                  : !S_ISREG(lsb.st_mode) ? QG_FS_ENOTREG
                  : lsb.st_nlink > 1      ? QG_FS_ENLINK
                                          : 0;
    if (refused && (outlen != len || memcmp(out, buf, len) != 0)) {
      char *shown = qg_redact_path(red, last, NULL);
      qg_run_say(log, QG_DIAG_ERROR, "%s: not fixed: %s", shown, qg_fs_strerror(refused));
      free(shown);
      if (status == QG_OK)
        status = QG_EPARSE;
    } else if (outlen != len || memcmp(out, buf, len) != 0) {
      if (diff_out) {
        qg_buf label; /* the path in the diff's header, escaped as messages are */
        qg_buf_init(&label, 0);
        (void)qg_buf_puts(&label, "");
        qg_esc_text(&label, last);
        char *diff = qg_diff_unified(label.data, (const char *)buf, len, out, outlen);
        qg_buf_cleanup(&label);
        /* the diff's context shows lines of the file without what gave their secrets
         * away (a Secret's kind, an env entry's name): what the file holds, read
         * whole, is masked wherever the diff shows it */
        (void)qg_secrets_learn(red, (const char *)buf, len);
        (void)qg_secrets_learn(red, out, outlen);
        char *safe = qg_run_redacted(red, diff);
        /* and the file's own lines are text for the CI log too: a context line of
         * "::error::..." (after the diff's blank) would be a workflow command */
        qg_buf shown;
        qg_buf_init(&shown, 0);
        (void)qg_buf_puts(&shown, "");
        qg_esc_lines(&shown, safe);
        fputs(shown.data, diff_out);
        qg_buf_cleanup(&shown);
        free(safe);
        free(diff);
      }
      if (dry_run) {
        files++;
        fixes += applied;
        written = true;
      } else if (qg_write_file_atomic(last, out, outlen, &wo, &err_no) != QG_OK) {
        char *shown = qg_redact_path(red, last, NULL);
        qg_run_say(log, QG_DIAG_ERROR, "%s: cannot write the fixed file: %s", shown,
                   qg_fs_strerror(err_no));
        free(shown);
        status = qg_fs_status(err_no) == QG_EPARSE && status != QG_EIO ? QG_EPARSE : QG_EIO;
      } else {
        files++;
        fixes += applied;
        written = true;
      }
    } else {
      written = true; /* nothing to write: what was left out is still said */
    }
    if (written) {
      say_notes(&fn, log);
      left_out += fn.left_out;
    }
    qg_buf_cleanup(&fn.said);
    free(out);
    free(buf);
  }
  free(checkout);
  /* nothing is said to be applied that was not written */
  if (files || status == QG_OK)
    qg_run_say(log, QG_DIAG_NOTE, "%s %zu fix%s in %zu file%s", dry_run ? "would apply" : "applied",
               fixes, fixes == 1 ? "" : "es", files, files == 1 ? "" : "s");
  if (left_out)
    qg_run_say(log, QG_DIAG_NOTE, "left out %zu risky fix%s (--fix-level all applies %s)", left_out,
               left_out == 1 ? "" : "es", left_out == 1 ? "it" : "them");
  return status;
}

/* The cap on .qgateignore: 65,536 fingerprints and their comments. */
#define QGATEIGNORE_MAX (4u << 20)

/* The commit's own .qgateignore (--rev): read from its tree, not the work tree. False
 * when there is nothing to apply (an error said in r). */
static bool rev_ignore_file(qg_git_rev *rev, qg_result *r, char **path, unsigned char **buf,
                            size_t *len) {
  *path = qg_xasprintf("%.12s:.qgateignore", qg_git_rev_oid(rev));
  qg_git_kind k = qg_git_rev_kind(rev, ".qgateignore");
  bool binary = false;
  qg_status st = k == QG_GIT_NONE ? QG_ENOENT
                 : k != QG_GIT_FILE
                     ? QG_EPARSE
                     : qg_git_rev_read(rev, ".qgateignore", QGATEIGNORE_MAX, 0, buf, len, &binary);
  qg_location loc = {*path, 0, 0, 0, 0};
  if (st == QG_ETOOBIG)
    qg_result_diag(r, QG_DIAG_ERROR, QG_ETOOBIG, &loc, "larger than the %u-byte cap: not read",
                   QGATEIGNORE_MAX);
  else if (st != QG_OK && st != QG_ENOENT)
    qg_result_diag(r, QG_DIAG_ERROR, st == QG_EGIT ? QG_EIO : QG_EPARSE, &loc, "cannot read: %s",
                   k == QG_GIT_LINK   ? "a symbolic link in the commit (not followed)"
                   : k != QG_GIT_FILE ? "not a file in the commit"
                                      : "the object database cannot be read");
  if (st != QG_OK) {
    free(*path);
    *path = NULL;
  }
  return st == QG_OK;
}

/* .qgateignore at the repository root (or here): fingerprints of findings
 * that are accepted, one per line, '#' comments. It is the repository's: a
 * link out of it, a FIFO or a device (/dev/zero) is an error, not read. False
 * when there is nothing to apply (an error said in r). */
static bool work_tree_ignore_file(qg_result *r, char **pathp, unsigned char **buf, size_t *len) {
  char *root = qg_git_workdir(".");
  char cwd[PATH_MAX], real[PATH_MAX];
  bool here = !root || (getcwd(cwd, sizeof(cwd)) && realpath(cwd, real) && strcmp(real, root) == 0);
  char *path = here ? qg_xstrdup(".qgateignore") : qg_xasprintf("%s/.qgateignore", root);
  char *rroot = qg_fs_realdir(here ? "." : root);
  free(root);
  int err_no = 0;
  bool binary = false;
  struct stat lsb;
  bool there = lstat(path, &lsb) == 0;
  qg_status st =
      !there ? QG_ENOENT
             : qg_read_repo_file(rroot, path, QGATEIGNORE_MAX, 0, buf, len, &binary, &err_no);
  free(rroot);
  if (st != QG_OK) {
    qg_location loc = {path, 0, 0, 0, 0};
    if (st == QG_ETOOBIG)
      qg_result_diag(r, QG_DIAG_ERROR, QG_ETOOBIG, &loc, "larger than the %u-byte cap: not read",
                     QGATEIGNORE_MAX);
    else if (there) /* absent is fine; a broken link is not */
      qg_result_diag(r, QG_DIAG_ERROR, st == QG_ENOENT ? QG_ENOENT : qg_fs_status(err_no), &loc,
                     "cannot read: %s", qg_fs_strerror(err_no));
    free(path);
    return false;
  }
  *pathp = path;
  return true;
}

void qg_run_ignore_file(qg_result *r, qg_result *log, qg_shown_fingerprint_fn shown, void *ud,
                        qg_git_rev *rev) {
  unsigned char *buf = NULL;
  size_t len = 0;
  char *path = NULL;
  if (!(rev ? rev_ignore_file(rev, r, &path, &buf, &len)
            : work_tree_ignore_file(r, &path, &buf, &len)))
    return;
  qg_accepted acc;
  qg_accepted_parse(&acc, (const char *)buf, len);
  /* said as the configuration's warnings are, with the line but no column */
  for (size_t i = 0; i < acc.nbad && i < QG_ACCEPTED_MAX_BAD; i++)
    qg_run_say(log, QG_DIAG_NOTE,
               "%s:%u: warning: not a fingerprint (16 hex digits, as in the JSON report)", path,
               acc.bad[i]);
  if (acc.nbad > QG_ACCEPTED_MAX_BAD)
    qg_run_say(log, QG_DIAG_NOTE, "%s: warning: %zu more lines are not fingerprints", path,
               acc.nbad - QG_ACCEPTED_MAX_BAD);
  (void)qg_accepted_apply_shown(&acc, r, shown, ud); /* the reports' fingerprints too */
  qg_accepted_cleanup(&acc);
  free(buf);
  free(path);
}
