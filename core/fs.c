/* fs.c: capped reads and a sorted directory walk. */
#include "core/fs.h"
#include "core/mem.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

qg_status qg_read_all(const char *path, FILE *fp, size_t max, unsigned char **buf, size_t *len,
                      int *err_no) {
  FILE *f = fp;
  unsigned char *data = NULL;
  size_t n = 0, cap = 0;
  qg_status st = QG_EIO;
  *buf = NULL;
  *len = 0;
  *err_no = 0;
  if (path) {
    f = fopen(path, "rb");
    if (!f) {
      *err_no = errno;
      st = errno == ENOENT ? QG_ENOENT : QG_EIO;
      goto out;
    }
  }
  for (;;) {
    if (cap - n < 65536) {
      size_t want = cap ? cap * 2 : 65536;
      if (want > max + 2)
        want = max + 2;
      if (want <= n + 1) {
        st = QG_ETOOBIG;
        goto out;
      }
      data = qg_xrealloc(data, want);
      cap = want;
    }
    size_t got = fread(data + n, 1, cap - n - 1, f);
    n += got;
    if (n > max) {
      st = QG_ETOOBIG;
      goto out;
    }
    if (got == 0) {
      if (ferror(f)) {
        *err_no = errno ? errno : EIO;
        st = QG_EIO;
        goto out;
      }
      break;
    }
  }
  if (!data)
    data = qg_xmalloc(1);
  data[n] = '\0';
  *buf = data;
  *len = n;
  data = NULL;
  st = QG_OK;
out:
  free(data);
  if (path && f)
    fclose(f);
  return st;
}

int qg_is_dir(const char *path, int *err_no) {
  struct stat sb;
  if (stat(path, &sb) != 0) {
    *err_no = errno;
    return -1;
  }
  return S_ISDIR(sb.st_mode) ? 1 : 0;
}

static int has_ext(const char *name, const char *const *exts) {
  if (!exts)
    return 1; /* every file */
  size_t nl = strlen(name);
  for (; *exts; exts++) {
    size_t el = strlen(*exts);
    if (nl > el && strcmp(name + nl - el, *exts) == 0)
      return 1;
  }
  return 0;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_dir(const char *dir, const char *const *exts, qg_walk_skip_fn skip,
                     qg_walk_fn fn, void *ud, unsigned depth) {
  if (depth > 64)
    return;
  DIR *d = opendir(dir);
  if (!d) {
    fn(ud, QG_WALK_ERROR, dir, errno);
    return;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
        strcmp(e->d_name, ".git") == 0)
      continue;
    qg_grow((void **)&names, &cap, n + 1, sizeof(*names));
    names[n++] = qg_xstrdup(e->d_name);
  }
  closedir(d);
  if (n > 1)
    qsort(names, n, sizeof(*names), cmp_names);
  size_t dl = strlen(dir);
  int slash = dl && dir[dl - 1] == '/';
  for (size_t i = 0; i < n; i++) {
    /* walking "." yields "x.yaml", not "./x.yaml" */
    char *path = strcmp(dir, ".") == 0 ? qg_xstrdup(names[i])
                                       : qg_xasprintf("%s%s%s", dir, slash ? "" : "/", names[i]);
    struct stat sb;
    if (lstat(path, &sb) == 0) {
      int is_link = S_ISLNK(sb.st_mode);
      if (is_link && stat(path, &sb) != 0) {
        /* a dangling or looping link that looks like a manifest is reported */
        if (has_ext(names[i], exts) && !(skip && skip(ud, path, 0)))
          fn(ud, QG_WALK_ERROR, path, errno);
        sb.st_mode = 0;
      }
      if (S_ISDIR(sb.st_mode)) {
        if (!is_link && !(skip && skip(ud, path, 1)))
          walk_dir(path, exts, skip, fn, ud, depth + 1);
      } else if (S_ISREG(sb.st_mode) && has_ext(names[i], exts)) {
        if (!(skip && skip(ud, path, 0)))
          fn(ud, QG_WALK_FILE, path, 0);
      }
    } else {
      fn(ud, QG_WALK_ERROR, path, errno);
    }
    free(path);
    free(names[i]);
  }
  free(names);
}

void qg_walk(const char *dir, const char *const *exts, qg_walk_skip_fn skip, qg_walk_fn fn,
             void *ud) {
  walk_dir(dir, exts, skip, fn, ud, 0);
}
