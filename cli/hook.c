/* hook.c: qgate hook install|uninstall, the git pre-push hook. */
#include "cli/internal.h"
#include "core/fs.h"
#include "core/git.h"
#include "core/mem.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOOK_MARKER "# qgate pre-push hook"

static const char k_hook_script[] =
    "#!/bin/sh\n" HOOK_MARKER " (qgate hook install; qgate hook uninstall removes it)\n"
    "# git passes <local ref> <local sha> <remote ref> <remote sha> per pushed ref on\n"
    "# standard input; qgate scans each pushed commit's tree (qgate scan --rev), not the\n"
    "# work tree. Skip once with: git push --no-verify, or QGATE_SKIP_HOOK=1 git push\n"
    "QGATE=\"%s\"\n"
    "[ -x \"$QGATE\" ] || QGATE=qgate\n"
    "exec \"$QGATE\" hook pre-push \"$@\"\n";

/* git's lines on the hook's standard input: one per ref, four fields. */
#define PUSH_LINE_MAX 4096
#define PUSH_LINES_MAX 10000

/* 40 (SHA-1) or 64 (SHA-256) hex digits. */
static bool is_oid(const char *s) {
  size_t n = strspn(s, "0123456789abcdef");
  return (n == 40 || n == 64) && !s[n];
}

static bool is_zero(const char *s) { return strspn(s, "0") == strlen(s); }

/* The commit to compare a pushed commit with: the remote's (known here), else the merge
 * base with the remote's default branch, else the newest merge base with any branch of
 * the remote's; NULL (caller frees) when there is none. *what says which (static). */
static char *push_base(const char *remote, const char *local_sha, const char *remote_sha,
                       const char **what) {
  char *base = NULL;
  if (!is_zero(remote_sha) && (base = qg_git_commit_id(remote_sha)) != NULL) {
    *what = "the remote's commit";
    return base;
  }
  /* a new branch, or the remote's commit is not here (fetch): where it leaves the
   * default branch */
  static const char *const branches[] = {"HEAD", "main", "master"};
  for (size_t i = 0; i < QG_ARRAY_LEN(branches) && !base; i++) {
    char *ref = qg_xasprintf("refs/remotes/%s/%s", remote, branches[i]);
    base = qg_git_merge_base_id(local_sha, ref);
    free(ref);
  }
  *what = "the merge base with the remote's default branch";
  if (!base) { /* no default branch known here: the newest of the remote's branches */
    base = qg_git_remote_merge_base(remote, local_sha);
    *what = "the newest merge base with the remote's branches";
  }
  return base;
}

static int scan_pushed(const char *remote, char *argv0, const qg_cli_io *io);

/* qgate hook pre-push REMOTE [URL]: what the installed hook runs. Each pushed ref's
 * commit is scanned as `qgate scan --rev SHA --base BASE` would (its tree, its own
 * .qgate.yml; the change criteria and the review over BASE..SHA, what is pushed). */
static int pre_push(int argc, char **argv, const qg_cli_io *io) {
  const char *skip = getenv("QGATE_SKIP_HOOK");
  if (skip && *skip && strcmp(skip, "0") != 0) {
    qg_cli_errorf(io, "pre-push: QGATE_SKIP_HOOK is set: this push is not checked");
    return QG_EXIT_PASS;
  }
  /* the review stays offline in the hook unless review.local (pipeline/run.c reads
   * QGATE_HOOK); the variable is put back as it was (the caller may go on) */
  const char *prev = getenv("QGATE_HOOK");
  char *saved = prev ? qg_xstrdup(prev) : NULL;
  setenv("QGATE_HOOK", "pre-push", 1);
  int status = scan_pushed(argc > 3 ? argv[3] : "origin", argv[0], io);
  if (saved)
    setenv("QGATE_HOOK", saved, 1);
  else
    unsetenv("QGATE_HOOK");
  free(saved);
  if (status != QG_EXIT_PASS)
    qg_cli_errorf(io,
                  "push stopped (exit status %d); git push --no-verify or QGATE_SKIP_HOOK=1 "
                  "skips the check once",
                  status);
  return status;
}

/* Each line of git's: its commit scanned; the worst exit status. */
static int scan_pushed(const char *remote, char *argv0, const qg_cli_io *io) {
  FILE *in = io->in ? io->in : stdin;
  int status = QG_EXIT_PASS;
  char line[PUSH_LINE_MAX + 2];
  size_t lines = 0;
  while (fgets(line, sizeof(line), in)) {
    size_t n = strlen(line);
    if (n && line[n - 1] == '\n')
      line[--n] = '\0';
    else if (!feof(in)) {
      qg_cli_errorf(io, "pre-push: a line of git's input is longer than %d bytes: stopped",
                    PUSH_LINE_MAX);
      return QG_EXIT_INPUT;
    }
    if (!n)
      continue;
    if (++lines > PUSH_LINES_MAX) {
      qg_cli_errorf(io, "pre-push: more than %d refs pushed at once: stopped", PUSH_LINES_MAX);
      return QG_EXIT_INPUT;
    }
    char local_ref[PUSH_LINE_MAX], local_sha[PUSH_LINE_MAX], remote_ref[PUSH_LINE_MAX],
        remote_sha[PUSH_LINE_MAX], extra;
    if (sscanf(line, "%4095s %4095s %4095s %4095s %c", local_ref, local_sha, remote_ref, remote_sha,
               &extra) != 4 ||
        !is_oid(local_sha) || !is_oid(remote_sha)) {
      qg_cli_errorf(io, "pre-push: not a line git writes for a pushed ref: '%s'", line);
      return QG_EXIT_INPUT;
    }
    if (is_zero(local_sha)) {
      qg_cli_errorf(io, "pre-push: %s: deleted on the remote, nothing to scan", remote_ref);
      continue;
    }
    const char *what = NULL;
    char *base = push_base(remote, local_sha, remote_sha, &what);
    if (base)
      qg_cli_errorf(io, "pre-push: %s: scanning commit %.12s against %.12s (%s)", local_ref,
                    local_sha, base, what);
    else
      qg_cli_errorf(io,
                    "pre-push: %s: scanning commit %.12s; no base known here (fetch the "
                    "remote), so every finding counts",
                    local_ref, local_sha);
    char scan[] = "scan", rev[] = "--rev", base_opt[] = "--base";
    char *args[] = {argv0, scan, rev, local_sha, base ? base_opt : NULL, base, NULL};
    int st = qg_cli_cmd_scan(base ? 6 : 4, args, io);
    free(base);
    if (st > status)
      status = st;
  }
  return status;
}

/* path relative to the current directory when it lies below it. */
static const char *shown_path(const char *path) {
  static char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof(cwd)))
    return path;
  size_t n = strlen(cwd);
  return strncmp(path, cwd, n) == 0 && path[n] == '/' ? path + n + 1 : path;
}

/* Removes the hook qgate wrote. */
static int uninstall_hook(const char *dir, const char *path, bool exists, bool ours,
                          const qg_cli_io *io) {
  if (!exists) {
    fprintf(io->out, "qgate: no pre-push hook in %s\n", dir);
  } else if (!ours) {
    qg_cli_errorf(io, "qgate hook: %s was not written by qgate: left alone", shown_path(path));
    return QG_EXIT_INPUT;
  } else if (remove(path) != 0) {
    qg_cli_errorf(io, "qgate hook: cannot remove %s: %s", path, strerror(errno));
    return QG_EXIT_RUNTIME;
  } else {
    fprintf(io->out, "qgate: removed %s\n", shown_path(path));
  }
  return QG_EXIT_PASS;
}

/* Writes the hook (a foreign one kept as pre-push.qgate-backup with force). */
static int install_hook(const char *dir, const char *path, bool exists, bool ours, bool force,
                        const qg_cli_io *io) {
  if (exists && !ours && !force) {
    qg_cli_errorf(io,
                  "qgate hook: %s exists and was not written by qgate: pass --force to replace "
                  "it (it is kept as pre-push.qgate-backup)",
                  shown_path(path));
    return QG_EXIT_INPUT;
  }
  if (exists && !ours) {
    char *bak = qg_xasprintf("%s/pre-push.qgate-backup", dir);
    if (rename(path, bak) != 0) {
      qg_cli_errorf(io, "qgate hook: cannot keep the old hook as %s: %s", bak, strerror(errno));
      free(bak);
      return QG_EXIT_RUNTIME;
    }
    fprintf(io->out, "qgate: the previous hook is kept as %s\n", shown_path(bak));
    free(bak);
  }
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  self[n > 0 ? n : 0] = '\0';
  if (n <= 0 || strchr(self, '"') || strchr(self, '$') || strchr(self, '`') || strchr(self, '\\'))
    snprintf(self, sizeof(self), "qgate");
  (void)mkdir(dir, 0755);
  char *script = qg_xasprintf(k_hook_script, self);
  qg_write_opts wo = {NULL, 0755}; /* a hook the user replaces keeps its mode */
  int err_no = 0;
  qg_status wst = qg_write_file_atomic(path, script, strlen(script), &wo, &err_no);
  free(script);
  if (wst != QG_OK) {
    qg_cli_errorf(io, "qgate hook: cannot write %s: %s", path, qg_fs_strerror(err_no));
    return QG_EXIT_RUNTIME;
  }
  fprintf(io->out, "qgate: installed %s\n", shown_path(path));
  return QG_EXIT_PASS;
}

int qg_cli_cmd_hook(int argc, char **argv, const qg_cli_io *io) {
  if (argc > 2 && strcmp(argv[2], "pre-push") == 0)
    return pre_push(argc, argv, io);
  bool force = false, install = false, uninstall = false;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      qg_cli_usage_hook(io->out);
      return QG_EXIT_PASS;
    } else if (!strcmp(argv[i], "--force"))
      force = true;
    else if (!strcmp(argv[i], "install") && !install && !uninstall)
      install = true;
    else if (!strcmp(argv[i], "uninstall") && !install && !uninstall)
      uninstall = true;
    else {
      qg_cli_errorf(io,
                    "qgate hook: unknown argument '%s' (install [--force], uninstall, or "
                    "pre-push REMOTE: what the hook runs)",
                    argv[i]);
      return QG_EXIT_INPUT;
    }
  }
  if (!install && !uninstall) {
    qg_cli_usage_hook(io->err);
    return QG_EXIT_INPUT;
  }
  char *dir = qg_git_hooks_dir(".");
  if (!dir) {
    qg_cli_errorf(io, "qgate hook: not inside a git repository");
    return QG_EXIT_INPUT;
  }
  char *path = qg_xasprintf("%s/pre-push", dir);
  unsigned char *old = NULL;
  size_t oldlen = 0;
  int err_no = 0;
  bool exists = qg_read_all(path, NULL, 1u << 20, &old, &oldlen, &err_no) == QG_OK;
  bool ours = exists && old && strstr((const char *)old, HOOK_MARKER) != NULL;
  int status = uninstall ? uninstall_hook(dir, path, exists, ours, io)
                         : install_hook(dir, path, exists, ours, force, io);
  free(old);
  free(path);
  free(dir);
  return status;
}
