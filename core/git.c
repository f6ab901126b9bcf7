/* git.c: libgit2 adapter (ignore rules for the directory walk). */
#include "core/git.h"
#include "core/mem.h"

#include <git2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct qg_git_ignore {
  git_repository *repo;
  char *workdir; /* realpath of the work tree, with a trailing '/' */
  size_t wlen;
};

void qg_git_global_init(void) { git_libgit2_init(); }
void qg_git_global_cleanup(void) { git_libgit2_shutdown(); }

qg_git_ignore *qg_git_ignore_open(const char *path) {
  git_repository *repo = NULL;
  if (git_repository_open_ext(&repo, path, 0, NULL) != 0)
    return NULL;
  const char *wd = git_repository_workdir(repo);
  char real[PATH_MAX];
  if (!wd || !realpath(wd, real)) {
    git_repository_free(repo);
    return NULL;
  }
  qg_git_ignore *gi = qg_xcalloc(1, sizeof(*gi));
  gi->repo = repo;
  gi->workdir = qg_xasprintf("%s/", real);
  gi->wlen = strlen(gi->workdir);
  return gi;
}

int qg_git_ignored(qg_git_ignore *gi, const char *path, int is_dir) {
  char real[PATH_MAX];
  if (!gi || !realpath(path, real))
    return 0;
  size_t rl = strlen(real);
  if (rl < gi->wlen || strncmp(real, gi->workdir, gi->wlen) != 0)
    return 0;
  char *rel = qg_xasprintf("%s%s", real + gi->wlen, is_dir ? "/" : "");
  int ignored = 0;
  if (git_ignore_path_is_ignored(&ignored, gi->repo, rel) != 0)
    ignored = 0;
  free(rel);
  return ignored;
}

void qg_git_ignore_free(qg_git_ignore **gi) {
  if (!gi || !*gi)
    return;
  git_repository_free((*gi)->repo);
  free((*gi)->workdir);
  free(*gi);
  *gi = NULL;
}

const char *qg_git_version(char *buf, size_t size) {
  int maj = 0, min = 0, rev = 0;
  git_libgit2_version(&maj, &min, &rev);
  snprintf(buf, size, "%d.%d.%d", maj, min, rev);
  return buf;
}

qg_status qg_git_init_repo(const char *path) {
  git_repository *repo = NULL;
  if (git_repository_init(&repo, path, 0) != 0)
    return QG_EGIT;
  git_repository_free(repo);
  return QG_OK;
}

char *qg_git_workdir(const char *path) {
  git_repository *repo = NULL;
  if (git_repository_open_ext(&repo, path, 0, NULL) != 0)
    return NULL;
  const char *wd = git_repository_workdir(repo);
  char *out = NULL;
  if (wd) {
    out = qg_xstrdup(wd);
    size_t n = strlen(out);
    while (n > 1 && out[n - 1] == '/')
      out[--n] = '\0';
  }
  git_repository_free(repo);
  return out;
}
