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
    "# git passes: <local ref> <local sha> <remote ref> <remote sha> per pushed ref.\n"
    "# Skip once with: git push --no-verify\n"
    "QGATE=\"%s\"\n"
    "[ -x \"$QGATE\" ] || QGATE=qgate\n"
    "zero=$(git hash-object --stdin </dev/null | tr 0-9a-f 0)\n"
    "head=$(git rev-parse HEAD)\n"
    "status=0\n"
    "while read -r local_ref local_sha remote_ref remote_sha; do\n"
    "  [ \"$local_sha\" = \"$zero\" ] && continue # a deletion: nothing to scan\n"
    "  if [ \"$local_sha\" != \"$head\" ]; then\n"
    "    echo \"qgate: $local_ref is not checked out: not scanned\" >&2\n"
    "    continue\n"
    "  fi\n"
    "  base=$remote_sha\n"
    "  if [ \"$base\" = \"$zero\" ]; then # a new branch: the remote's default branch\n"
    "    base=$(git rev-parse -q --verify \"refs/remotes/$1/HEAD\" || "
    "git rev-parse -q --verify \"refs/remotes/$1/main\" || "
    "git rev-parse -q --verify \"refs/remotes/$1/master\")\n"
    "  fi\n"
    "  if [ -n \"$base\" ] && git cat-file -e \"$base^{commit}\" 2>/dev/null; then\n"
    "    QGATE_HOOK=pre-push \"$QGATE\" scan --base \"$base\" || status=$?\n"
    "  else\n"
    "    QGATE_HOOK=pre-push \"$QGATE\" scan || status=$?\n"
    "  fi\n"
    "done\n"
    "[ $status -eq 0 ] || echo \"qgate: push stopped (exit status $status); "
    "git push --no-verify skips the check\" >&2\n"
    "exit $status\n";

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
      qg_cli_errorf(io, "qgate hook: unknown argument '%s' (install [--force] or uninstall)",
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
