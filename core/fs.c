/* fs.c: capped reads and a sorted directory walk. */
#include "core/fs.h"
#include "core/mem.h"
#include "core/utf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

qg_status qg_read_all(const char *path, FILE *fp, size_t max, unsigned char **buf, size_t *len,
                      int *err_no) {
  if (path) {
    bool binary = false;
    return qg_read_file(path, max, 0, buf, len, &binary, err_no);
  }
  FILE *f = fp;
  unsigned char *data = NULL;
  size_t n = 0, cap = 0;
  qg_status st = QG_EIO;
  *buf = NULL;
  *len = 0;
  *err_no = 0;
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
  return st;
}

const char *qg_fs_strerror(int err_no) {
  switch (err_no) {
  case QG_FS_ENOTREG:
    return "not a regular file (a FIFO, socket or device): not read";
  case QG_FS_EOUTSIDE:
    return "a symbolic link that leads outside the repository: not followed";
  case QG_FS_ESYMLINK:
    return "a symbolic link: not replaced";
  case QG_FS_ENLINK:
    return "a file with more than one hard link: not replaced (that would break the link)";
  case QG_FS_ELINK:
    return "a symbolic link inside the repository: not followed";
  default:
    return strerror(err_no);
  }
}

qg_status qg_fs_status(int err_no) {
  if (err_no == ENOENT)
    return QG_ENOENT;
  return err_no <= QG_FS_ENOTREG && err_no >= QG_FS_ELINK ? QG_EPARSE : QG_EIO;
}

char *qg_fs_realdir(const char *dir) {
  char real[PATH_MAX];
  if (!realpath(dir, real))
    return NULL;
  return qg_xstrdup(real);
}

bool qg_fs_under(const char *root, const char *path) {
  size_t rl = strlen(root);
  while (rl > 1 && root[rl - 1] == '/')
    rl--;
  if (rl == 1 && root[0] == '/')
    return true;
  return strncmp(path, root, rl) == 0 && (path[rl] == '/' || path[rl] == '\0');
}

char *qg_fs_lexical_abs(const char *base, const char *path) {
  char cwd[PATH_MAX];
  char *full;
  if (path[0] == '/')
    full = qg_xstrdup(path);
  else if (base)
    full = qg_xasprintf("%s/%s", base, path);
  else if (getcwd(cwd, sizeof(cwd)))
    full = qg_xasprintf("%s/%s", cwd, path);
  else
    return NULL;
  char *out = qg_xmalloc(strlen(full) + 2);
  size_t n = 0;
  for (char *s = full; *s;) {
    while (*s == '/')
      s++;
    size_t l = strcspn(s, "/");
    if (l == 0)
      break;
    if (l == 1 && s[0] == '.') {
    } else if (l == 2 && s[0] == '.' && s[1] == '.') {
      while (n > 0 && out[n - 1] != '/')
        n--;
      if (n > 0)
        n--; /* the slash */
    } else {
      out[n++] = '/';
      memcpy(out + n, s, l);
      n += l;
    }
    s += l;
  }
  if (n == 0)
    out[n++] = '/';
  out[n] = '\0';
  free(full);
  return out;
}

int qg_fs_inside(const char *root, const char *path) {
  char real[PATH_MAX];
  if (!realpath(path, real))
    return errno;
  return qg_fs_under(root, real) ? 0 : QG_FS_EOUTSIDE;
}

/* Opens path to read: never blocks on a FIFO (O_NONBLOCK), never becomes a
 * controlling terminal, and refuses anything but a regular file after
 * fstat. flags: O_NOFOLLOW or 0. Returns the descriptor (sb filled) or -1
 * with *err_no. */
static int open_regular_at(int dirfd, const char *path, int flags, struct stat *sb, int *err_no) {
  int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | flags);
  if (fd < 0) {
    *err_no = errno;
    return -1;
  }
  if (fstat(fd, sb) != 0) {
    *err_no = errno;
    close(fd);
    return -1;
  }
  if (!S_ISREG(sb->st_mode)) {
    *err_no = S_ISDIR(sb->st_mode) ? EISDIR : QG_FS_ENOTREG;
    close(fd);
    return -1;
  }
  return fd;
}

static int open_regular(const char *path, int flags, struct stat *sb, int *err_no) {
  return open_regular_at(AT_FDCWD, path, flags, sb, err_no);
}

static qg_status read_fd(int fd, const struct stat *sb, size_t max, size_t probe,
                         unsigned char **buf, size_t *len, bool *binary, int *err_no);

qg_status qg_read_file_at(int dirfd, const char *name, size_t max, unsigned char **buf, size_t *len,
                          int *err_no) {
  *buf = NULL;
  *len = 0;
  *err_no = 0;
  struct stat sb, lsb;
  bool binary = false;
  int fd = open_regular_at(dirfd, name, O_NOFOLLOW, &sb, err_no);
  if (fd < 0) {
    if (*err_no == ELOOP && fstatat(dirfd, name, &lsb, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISLNK(lsb.st_mode))
      *err_no = QG_FS_ELINK;
    return *err_no == ENOENT ? QG_ENOENT : QG_EIO;
  }
  return read_fd(fd, &sb, max, 0, buf, len, &binary, err_no);
}

/* Is the directory open on fd root (dev, ino) or below it? Walks up through "..";
 * the top is the directory that is its own parent. */
static bool dir_within(int fd, dev_t rdev, ino_t rino) {
  int cur = dup(fd);
  bool in = false;
  for (int depth = 0; cur >= 0 && depth < 4096; depth++) {
    struct stat a, b;
    if (fstat(cur, &a) != 0)
      break;
    if (a.st_dev == rdev && a.st_ino == rino) {
      in = true;
      break;
    }
    int up = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (up < 0 || fstat(up, &b) != 0 || (b.st_dev == a.st_dev && b.st_ino == a.st_ino)) {
      if (up >= 0)
        close(up);
      break;
    }
    close(cur);
    cur = up;
  }
  if (cur >= 0)
    close(cur);
  return in;
}

/* The path up to byte n of the absolute lex, as the user wrote path: relative to
 * cwd when path was relative and it lies below cwd. Caller frees. */
static char *shown_prefix(const char *path, const char *lex, size_t n) {
  char cwd[PATH_MAX];
  char *pre = qg_xstrndup(lex, n);
  if (path[0] != '/' && getcwd(cwd, sizeof(cwd)) && qg_fs_under(cwd, pre) &&
      strlen(pre) > strlen(cwd) && strcmp(cwd, "/") != 0) {
    char *rel = qg_xstrdup(pre + strlen(cwd) + 1);
    free(pre);
    return rel;
  }
  return pre;
}

int qg_fs_open_dir(const char *root, const char *path, bool create, int *err_no, char **where) {
  *err_no = 0;
  if (where)
    *where = NULL;
  struct stat rs;
  bool have_root = root && stat(root, &rs) == 0;
  char *lex = qg_fs_lexical_abs(NULL, path);
  if (!lex) {
    *err_no = errno ? errno : EIO;
    if (where)
      *where = qg_xstrdup(path);
    return -1;
  }
  int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  bool inside = fd >= 0 && have_root && dir_within(fd, rs.st_dev, rs.st_ino);
  if (fd < 0)
    *err_no = errno;
  size_t at = 0, n = strlen(lex);
  while (fd >= 0 && at < n) {
    while (lex[at] == '/')
      at++;
    size_t l = strcspn(lex + at, "/");
    if (!l)
      break;
    char *comp = qg_xstrndup(lex + at, l);
    at += l;
    int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (inside ? O_NOFOLLOW : 0);
    int next = openat(fd, comp, flags);
    if (next < 0 && errno == ENOENT && create) {
      if (mkdirat(fd, comp, 0755) == 0 || errno == EEXIST)
        next = openat(fd, comp, flags | O_NOFOLLOW);
    }
    if (next < 0) {
      int e = errno;
      struct stat lsb;
      /* O_NOFOLLOW|O_DIRECTORY on a link: ELOOP or ENOTDIR, by kernel */
      if ((e == ELOOP || e == ENOTDIR) && fstatat(fd, comp, &lsb, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(lsb.st_mode))
        e = QG_FS_ELINK;
      *err_no = e;
      close(fd);
      fd = -1;
      if (where)
        *where = shown_prefix(path, lex, at);
    } else {
      close(fd);
      fd = next;
      if (!inside && have_root)
        inside = dir_within(fd, rs.st_dev, rs.st_ino);
    }
    free(comp);
  }
  free(lex);
  return fd;
}

qg_status qg_read_repo_file(const char *root, const char *path, size_t max, size_t probe,
                            unsigned char **buf, size_t *len, bool *binary, int *err_no) {
  *buf = NULL;
  *len = 0;
  *binary = false;
  *err_no = 0;
  char real[PATH_MAX];
  if (!realpath(path, real)) {
    *err_no = errno;
    return errno == ENOENT ? QG_ENOENT : QG_EIO;
  }
  if (root && !qg_fs_under(root, real)) {
    *err_no = QG_FS_EOUTSIDE;
    return QG_EIO;
  }
  /* the resolved name, and a link swapped in for it meanwhile is not followed */
  struct stat sb;
  int fd = open_regular(real, O_NOFOLLOW, &sb, err_no);
  if (fd < 0)
    return *err_no == ENOENT ? QG_ENOENT : QG_EIO;
  return read_fd(fd, &sb, max, probe, buf, len, binary, err_no);
}

qg_status qg_read_file(const char *path, size_t max, size_t probe, unsigned char **buf, size_t *len,
                       bool *binary, int *err_no) {
  *buf = NULL;
  *len = 0;
  *binary = false;
  *err_no = 0;
  struct stat sb;
  int fd = open_regular(path, 0, &sb, err_no);
  if (fd < 0)
    return *err_no == ENOENT ? QG_ENOENT : QG_EIO;
  return read_fd(fd, &sb, max, probe, buf, len, binary, err_no);
}

/* Reads the regular file open on fd (stat sb) and closes it. */
static qg_status read_fd(int fd, const struct stat *sb, size_t max, size_t probe,
                         unsigned char **buf, size_t *len, bool *binary, int *err_no) {
  if ((uint64_t)sb->st_size > max) {
    /* too big; but a binary file is skipped as binary, whatever its size */
    unsigned char head[8192];
    size_t want = probe < sizeof(head) ? probe : sizeof(head), n = 0;
    ssize_t got = 1;
    while (n < want && (got = read(fd, head + n, want - n)) > 0)
      n += (size_t)got;
    close(fd);
    *binary = n && memchr(head, '\0', n) != NULL && !qg_bom_wide(head, n);
    return *binary ? QG_OK : QG_ETOOBIG;
  }
  size_t cap = (size_t)sb->st_size + 2; /* one more byte tells the file grew */
  qg_status st = QG_OK;
  unsigned char *data = qg_xmalloc(cap);
  size_t n = 0;
  bool probed = probe == 0;
  for (;;) {
    if (cap - n < 2) {
      size_t want = cap * 2 > max + 2 ? max + 2 : cap * 2;
      if (want <= cap) {
        st = QG_ETOOBIG;
        break;
      }
      data = qg_xrealloc(data, want);
      cap = want;
    }
    ssize_t got = read(fd, data + n, cap - n - 1);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      *err_no = errno;
      st = QG_EIO;
      break;
    }
    n += (size_t)got;
    if (n > max) {
      st = QG_ETOOBIG;
      break;
    }
    if (!probed && (n >= probe || got == 0)) {
      probed = true;
      if (memchr(data, '\0', n < probe ? n : probe) && !qg_bom_wide(data, n)) {
        *binary = true;
        break;
      }
    }
    if (got == 0)
      break;
  }
  close(fd);
  if (st != QG_OK || *binary) {
    free(data);
    return st;
  }
  data[n] = '\0';
  *buf = data;
  *len = n;
  return QG_OK;
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
  return strcmp(*(char *const *)a + 1, *(char *const *)b + 1); /* past the type byte */
}

static void walk_dir(const char *root, const char *dir, const char *const *exts,
                     qg_walk_skip_fn skip, qg_walk_fn fn, void *ud, unsigned depth) {
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
    /* the entry's type (from readdir, when the file system gives it) leads
     * the name, so that regular files and directories need no lstat */
    size_t nl = strlen(e->d_name);
    char *name = qg_xmalloc(nl + 2);
    name[0] = e->d_type == DT_REG ? 'f' : e->d_type == DT_DIR ? 'd' : '?';
    memcpy(name + 1, e->d_name, nl + 1);
    qg_grow((void **)&names, &cap, n + 1, sizeof(*names));
    names[n++] = name;
  }
  closedir(d);
  if (n > 1)
    qsort(names, n, sizeof(*names), cmp_names);
  size_t dl = strlen(dir);
  int slash = dl && dir[dl - 1] == '/';
  for (size_t i = 0; i < n; i++) {
    char type = names[i][0];
    const char *name = names[i] + 1;
    /* walking "." yields "x.yaml", not "./x.yaml" */
    char *path = strcmp(dir, ".") == 0 ? qg_xstrdup(name)
                                       : qg_xasprintf("%s%s%s", dir, slash ? "" : "/", name);
    struct stat sb;
    if (type != '?') {
      memset(&sb, 0, sizeof(sb));
      sb.st_mode = type == 'f' ? S_IFREG : S_IFDIR;
    }
    if (type != '?' || lstat(path, &sb) == 0) {
      int is_link = S_ISLNK(sb.st_mode);
      if (is_link && stat(path, &sb) != 0) {
        /* a dangling or looping link that looks like a manifest is reported */
        if (has_ext(name, exts) && !(skip && skip(ud, path, 0)))
          fn(ud, QG_WALK_ERROR, path, errno);
        sb.st_mode = 0;
      }
      if (S_ISDIR(sb.st_mode)) {
        if (!is_link && !(skip && skip(ud, path, 1))) {
          if (depth + 1 > QG_WALK_MAX_DEPTH)
            fn(ud, QG_WALK_TOO_DEEP, path, 0);
          else
            walk_dir(root, path, exts, skip, fn, ud, depth + 1);
        }
      } else if (sb.st_mode && has_ext(name, exts) && !(skip && skip(ud, path, 0))) {
        /* a link is followed only where it stays inside the repository, and a
         * FIFO or device is never opened: each is an error, not a silent skip */
        int bad = !S_ISREG(sb.st_mode) ? QG_FS_ENOTREG
                  : is_link && root    ? qg_fs_inside(root, path)
                                       : 0;
        fn(ud, bad ? QG_WALK_ERROR : QG_WALK_FILE, path, bad);
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
  walk_dir(NULL, dir, exts, skip, fn, ud, 0);
}

void qg_walk_in(const char *root, const char *dir, const char *const *exts, qg_walk_skip_fn skip,
                qg_walk_fn fn, void *ud) {
  walk_dir(root, dir, exts, skip, fn, ud, 0);
}
