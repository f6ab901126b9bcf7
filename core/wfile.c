/* wfile.c: writing a file through a temporary file renamed over it (see fs.h),
 * and removing that temporary file when a signal ends the process. */
#include "core/fs.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- the temporary files in flight, for the signal handler ----------------------------
 * A fixed table: the handler may only read memory and call async-signal-safe
 * functions (unlink, raise). A slot is claimed with a compare-and-swap, its
 * path written, then armed; the handler unlinks every armed slot's path. With
 * every slot taken a write still works; only a signal would leave its file. */
#define QG_WFILE_SLOTS 32

enum { SLOT_FREE, SLOT_FILLING, SLOT_ARMED };

static struct {
  atomic_int state;
  char path[PATH_MAX];
} g_slots[QG_WFILE_SLOTS];

static const int k_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void on_signal(int sig) {
  int saved = errno;
  for (size_t i = 0; i < QG_WFILE_SLOTS; i++)
    if (atomic_load(&g_slots[i].state) == SLOT_ARMED)
      (void)unlink(g_slots[i].path);
  errno = saved;
  /* SA_RESETHAND restored the default action: the signal, blocked while this
   * handler runs, ends the process as soon as it returns */
  (void)raise(sig);
}

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

/* Installs the handler for the signals whose action is the default: one the
 * process ignores (nohup) or handles itself is left alone. */
static void install_handlers(void) {
  for (size_t i = 0; i < sizeof(k_signals) / sizeof(k_signals[0]); i++) {
    struct sigaction old;
    if (sigaction(k_signals[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL ||
        (old.sa_flags & SA_SIGINFO))
      continue;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (size_t k = 0; k < sizeof(k_signals) / sizeof(k_signals[0]); k++)
      sigaddset(&sa.sa_mask, k_signals[k]);
    (void)sigaction(k_signals[i], &sa, NULL);
  }
}

/* Blocks the handled signals (so that a file is never created without its slot
 * armed, nor a slot left armed for a renamed file); *old receives the mask. */
static void block_signals(sigset_t *old) {
  sigset_t set;
  sigemptyset(&set);
  for (size_t i = 0; i < sizeof(k_signals) / sizeof(k_signals[0]); i++)
    sigaddset(&set, k_signals[i]);
  pthread_sigmask(SIG_BLOCK, &set, old);
}

static int slot_arm(const char *path) {
  if (strlen(path) >= PATH_MAX)
    return -1;
  for (int i = 0; i < QG_WFILE_SLOTS; i++) {
    int expect = SLOT_FREE;
    if (atomic_compare_exchange_strong(&g_slots[i].state, &expect, SLOT_FILLING)) {
      strcpy(g_slots[i].path, path);
      atomic_store(&g_slots[i].state, SLOT_ARMED);
      return i;
    }
  }
  return -1;
}

static void slot_free(int i) {
  if (i >= 0)
    atomic_store(&g_slots[i].state, SLOT_FREE);
}

/* ---- the file ------------------------------------------------------------------------ */

struct qg_wfile {
  char *path; /* the target, owned */
  char *tmp;  /* the temporary file beside it, owned */
  FILE *f;
  int slot;
};

/* "a/b/c" -> "a/b", "c" -> ".", "/c" -> "/". Caller frees. */
static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return qg_xstrdup(".");
  if (slash == path)
    return qg_xstrdup("/");
  return qg_xstrndup(path, (size_t)(slash - path));
}

/* Does the target's directory, where path lies lexically inside root, stay
 * inside it with its links resolved? Returns 0 or an err_no. */
static int check_root(const char *root, const char *path, const char *dir) {
  char rroot[PATH_MAX];
  if (!realpath(root, rroot))
    return errno;
  char *lex = qg_fs_lexical_abs(NULL, path);
  if (!lex)
    return errno ? errno : EIO;
  bool lexically_inside = qg_fs_under(rroot, lex);
  free(lex);
  if (!lexically_inside)
    return 0; /* a path the workflow chose outside the checkout */
  return qg_fs_inside(rroot, dir);
}

/* A name no one else uses: pid, time and a counter, in base 32. */
static void tmp_suffix(char out[14]) {
  static atomic_uint counter;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t x = ((uint64_t)getpid() << 40) ^ ((uint64_t)ts.tv_nsec << 8) ^
               ((uint64_t)ts.tv_sec << 20) ^ atomic_fetch_add(&counter, 1u);
  x *= 0x9E3779B97F4A7C15ull;
  static const char k_chars[] = "abcdefghijklmnopqrstuvwxyz234567";
  for (int i = 0; i < 13; i++) {
    out[i] = k_chars[x & 31];
    x >>= 5;
  }
  out[13] = '\0';
}

qg_status qg_wfile_open(const char *path, const qg_write_opts *o, qg_wfile **out, int *err_no) {
  *out = NULL;
  *err_no = 0;
  struct stat sb;
  bool exists = lstat(path, &sb) == 0;
  if (!exists && errno != ENOENT) {
    *err_no = errno;
    return QG_EIO;
  }
  if (exists) {
    *err_no = S_ISLNK(sb.st_mode)    ? QG_FS_ESYMLINK
              : !S_ISREG(sb.st_mode) ? QG_FS_ENOTREG
              : sb.st_nlink > 1      ? QG_FS_ENLINK
                                     : 0;
    if (*err_no)
      return QG_EIO;
  }
  char *dir = dir_of(path);
  if (o && o->root && (*err_no = check_root(o->root, path, dir)) != 0) {
    free(dir);
    return QG_EIO;
  }
  const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  mode_t mode = exists ? 0600 : o && o->mode ? (mode_t)o->mode : 0644;
  (void)pthread_once(&g_once, install_handlers);
  qg_wfile *w = qg_xcalloc(1, sizeof(*w));
  w->slot = -1;
  int fd = -1;
  for (int tries = 0; tries < 100 && fd < 0; tries++) {
    char sfx[14];
    tmp_suffix(sfx);
    free(w->tmp); /* "a/b.yaml" -> "a/.b.yaml.qgate-XXXXXXXXXXXXX" */
    w->tmp = qg_xasprintf("%.*s.%s.qgate-%s", (int)(base - path), path, base, sfx);
    sigset_t old;
    block_signals(&old);
    fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
    int e = errno;
    if (fd >= 0)
      w->slot = slot_arm(w->tmp);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (fd < 0 && e != EEXIST) {
      *err_no = e;
      break;
    }
    if (fd < 0)
      *err_no = e;
  }
  free(dir);
  if (fd < 0) {
    free(w->tmp);
    free(w);
    return QG_EIO;
  }
  *err_no = 0;
  if (exists) {
    /* the owner first: changing it may clear the set-id bits that fchmod sets;
     * only root may give a file away, so EPERM keeps the writer's (and tries
     * the group alone) */
    if (fchown(fd, sb.st_uid, sb.st_gid) != 0 && errno == EPERM)
      (void)fchown(fd, (uid_t)-1, sb.st_gid);
    if (fchmod(fd, sb.st_mode & 07777) != 0)
      *err_no = errno;
  }
  w->f = *err_no ? NULL : fdopen(fd, "wb");
  if (!w->f) {
    if (!*err_no)
      *err_no = errno;
    close(fd);
    w->path = qg_xstrdup(path);
    w->f = NULL;
    qg_wfile_abort(&w);
    return QG_EIO;
  }
  w->path = qg_xstrdup(path);
  *out = w;
  return QG_OK;
}

FILE *qg_wfile_stream(qg_wfile *w) { return w->f; }

/* Removes the temporary file and frees w (its stream already closed or NULL). */
static void discard(qg_wfile *w) {
  sigset_t old;
  block_signals(&old);
  (void)unlink(w->tmp);
  slot_free(w->slot);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  free(w->tmp);
  free(w->path);
  free(w);
}

void qg_wfile_abort(qg_wfile **wp) {
  if (!wp || !*wp)
    return;
  qg_wfile *w = *wp;
  *wp = NULL;
  if (w->f)
    (void)fclose(w->f);
  discard(w);
}

qg_status qg_wfile_commit(qg_wfile **wp, int *err_no) {
  qg_wfile *w = *wp;
  *wp = NULL;
  *err_no = 0;
  FILE *f = w->f;
  w->f = NULL;
  if (fflush(f) != 0 || ferror(f))
    *err_no = errno ? errno : EIO;
  else if (fsync(fileno(f)) != 0 && errno != EINVAL && errno != EROFS)
    *err_no = errno; /* EINVAL, EROFS: a file system that cannot sync */
  if (fclose(f) != 0 && !*err_no)
    *err_no = errno ? errno : EIO;
  if (*err_no) {
    discard(w);
    return QG_EIO;
  }
  sigset_t old;
  block_signals(&old);
  int renamed = rename(w->tmp, w->path);
  int e = errno;
  if (renamed == 0)
    slot_free(w->slot);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (renamed != 0) {
    *err_no = e;
    discard(w);
    return QG_EIO;
  }
  free(w->tmp);
  free(w->path);
  free(w);
  return QG_OK;
}

qg_status qg_write_file_atomic(const char *path, const void *data, size_t len,
                               const qg_write_opts *o, int *err_no) {
  qg_wfile *w = NULL;
  qg_status st = qg_wfile_open(path, o, &w, err_no);
  if (st != QG_OK)
    return st;
  FILE *f = qg_wfile_stream(w);
  if (len && fwrite(data, 1, len, f) != len) {
    *err_no = errno ? errno : EIO;
    qg_wfile_abort(&w);
    return QG_EIO;
  }
  return qg_wfile_commit(&w, err_no);
}

qg_status qg_write_file_at(int dirfd, const char *dir_path, const char *name, const void *data,
                           size_t len, unsigned mode, int *err_no) {
  *err_no = 0;
  struct stat sb;
  if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
    *err_no = S_ISLNK(sb.st_mode)    ? QG_FS_ESYMLINK
              : !S_ISREG(sb.st_mode) ? QG_FS_ENOTREG
              : sb.st_nlink > 1      ? QG_FS_ENLINK
                                     : 0;
    if (*err_no)
      return QG_EIO;
  } else if (errno != ENOENT) {
    *err_no = errno;
    return QG_EIO;
  }
  (void)pthread_once(&g_once, install_handlers);
  char *tmp = NULL, *shown = NULL;
  int fd = -1, slot = -1;
  for (int tries = 0; tries < 100 && fd < 0; tries++) {
    char sfx[14];
    tmp_suffix(sfx);
    free(tmp);
    free(shown);
    tmp = qg_xasprintf(".%s.qgate-%s", name, sfx);
    shown = qg_xasprintf("%s/%s", dir_path, tmp);
    sigset_t old;
    block_signals(&old);
    fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                (mode_t)(mode ? mode : 0644));
    int e = errno;
    if (fd >= 0)
      slot = slot_arm(shown);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
      *err_no = e;
      if (e != EEXIST)
        break;
    }
  }
  if (fd >= 0) {
    *err_no = 0;
    const char *p = data;
    size_t left = len;
    while (left && !*err_no) {
      ssize_t w = write(fd, p, left);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        *err_no = w < 0 ? errno : EIO;
      else
        p += w, left -= (size_t)w;
    }
    if (!*err_no && fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
      *err_no = errno;
    if (close(fd) != 0 && !*err_no)
      *err_no = errno;
    sigset_t old;
    block_signals(&old);
    if (!*err_no && renameat(dirfd, tmp, dirfd, name) != 0)
      *err_no = errno;
    if (*err_no)
      (void)unlinkat(dirfd, tmp, 0);
    slot_free(slot);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
  }
  free(tmp);
  free(shown);
  return *err_no ? QG_EIO : QG_OK;
}
