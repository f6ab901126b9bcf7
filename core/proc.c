/* proc.c: fork + execve with caps, a timeout and a process group. */
#define _GNU_SOURCE /* pipe2: the pipes are close-on-exec from the start (renders run in threads) */
#include "core/proc.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 60000u
#define DEFAULT_MAX_OUT (64u * 1024u * 1024u)
#define DEFAULT_MAX_ERR (64u * 1024u)

char *qg_proc_which(const char *name, const char *path) {
  if (!name || !*name || strchr(name, '/') || !path)
    return NULL;
  const char *p = path;
  while (*p) {
    const char *colon = strchr(p, ':');
    size_t n = colon ? (size_t)(colon - p) : strlen(p);
    if (n && p[0] == '/') { /* a relative PATH entry depends on the directory: never used */
      char *full = qg_xasprintf("%.*s/%s", (int)n, p, name);
      struct stat sb;
      if (stat(full, &sb) == 0 && S_ISREG(sb.st_mode) && access(full, X_OK) == 0)
        return full;
      free(full);
    }
    if (!colon)
      break;
    p = colon + 1;
  }
  return NULL;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void qg_proc_result_cleanup(qg_proc_result *res) {
  free(res->out);
  free(res->err);
  memset(res, 0, sizeof(*res));
}

/* The child, after fork: only async-signal-safe calls. */
static void child(const qg_proc_opts *o, int out_w, int err_w, int errpipe_w) {
  setpgid(0, 0);
  int devnull = open("/dev/null", O_RDONLY);
  if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
    goto fail;
  if (o->cwd && chdir(o->cwd) != 0)
    goto fail;
  /* SIGPIPE and the rest back to their defaults for the program */
  for (int s = 1; s < 32; s++)
    if (s != SIGKILL && s != SIGSTOP)
      signal(s, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  union {
    const char *const *c;
    char *const *m;
  } av = {o->argv}, ev = {o->envp}; /* execve's prototype predates const */
  execve(o->exe, av.m, ev.m);
fail:;
  int e = errno;
  ssize_t w = write(errpipe_w, &e, sizeof(e));
  (void)w;
  _exit(127);
}

qg_status qg_proc_run(const qg_proc_opts *o, qg_proc_result *res, char **why) {
  memset(res, 0, sizeof(*res));
  res->code = -1;
  int po[2] = {-1, -1}, pe[2] = {-1, -1}, px[2] = {-1, -1};
  if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC) || pipe2(px, O_CLOEXEC)) {
    *why = qg_xasprintf("cannot create a pipe: %s", strerror(errno));
    for (int i = 0; i < 2; i++) {
      if (po[i] >= 0)
        close(po[i]);
      if (pe[i] >= 0)
        close(pe[i]);
      if (px[i] >= 0)
        close(px[i]);
    }
    return QG_EIO;
  }
  pid_t pid = fork();
  if (pid < 0) {
    *why = qg_xasprintf("cannot start %s: %s", o->exe, strerror(errno));
    close(po[0]), close(po[1]), close(pe[0]), close(pe[1]), close(px[0]), close(px[1]);
    return QG_EIO;
  }
  if (pid == 0)
    child(o, po[1], pe[1], px[1]);
  setpgid(pid, pid); /* both sides: no race with the kill below */
  close(po[1]), close(pe[1]), close(px[1]);
  int exec_errno = 0;
  ssize_t got = read(px[0], &exec_errno, sizeof(exec_errno));
  close(px[0]);
  size_t max_out = o->max_out ? o->max_out : DEFAULT_MAX_OUT;
  size_t max_err = o->max_err ? o->max_err : DEFAULT_MAX_ERR;
  qg_buf out, err;
  qg_buf_init(&out, 0);
  qg_buf_init(&err, 0);
  long long deadline = now_ms() + (o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS);
  struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
  int open_fds = 2;
  bool killed = false;
  char chunk[65536];
  while (got <= 0 && open_fds > 0) {
    long long left = deadline - now_ms();
    if (left <= 0) {
      res->timed_out = true;
      break;
    }
    int n = poll(fds, 2, left > 1000 ? 1000 : (int)left);
    if (n < 0 && errno != EINTR)
      break;
    for (int i = 0; i < 2 && n > 0; i++) {
      if (fds[i].fd < 0 || !fds[i].revents)
        continue;
      ssize_t r = read(fds[i].fd, chunk, sizeof(chunk));
      if (r <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        open_fds--;
        continue;
      }
      if (i == 0) {
        if (out.len + (size_t)r > max_out) {
          res->out_capped = true;
          break;
        }
        (void)qg_buf_append(&out, chunk, (size_t)r);
      } else if (err.len + (size_t)r > max_err) {
        res->err_capped = true; /* the rest is dropped, the program goes on */
      } else {
        (void)qg_buf_append(&err, chunk, (size_t)r);
      }
    }
    if (res->out_capped)
      break;
  }
  if (res->timed_out || res->out_capped || got > 0) {
    kill(-pid, SIGKILL);
    killed = true;
  }
  for (int i = 0; i < 2; i++)
    if (fds[i].fd >= 0)
      close(fds[i].fd);
  /* its pipes are closed; it may still run: the deadline holds. It is waited for
   * without being reaped (WNOWAIT), so its process group cannot be reused before
   * what it left behind in it is killed */
  for (;;) {
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    int w = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT | (killed ? 0 : WNOHANG));
    if ((w == 0 && si.si_pid == pid) || (w < 0 && errno != EINTR))
      break;
    if (w == 0 && now_ms() >= deadline) {
      res->timed_out = true;
      kill(-pid, SIGKILL);
      killed = true;
    } else if (w == 0) {
      struct timespec ms10 = {0, 10000000};
      nanosleep(&ms10, NULL);
    }
  }
  kill(-pid, SIGKILL); /* what it left behind in its group */
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (got > 0) {
    qg_buf_cleanup(&out);
    qg_buf_cleanup(&err);
    *why = qg_xasprintf("cannot run %s: %s", o->exe, strerror(exec_errno));
    return QG_EIO;
  }
  if (WIFEXITED(status))
    res->code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status) && !killed)
    res->signal = WTERMSIG(status);
  res->outlen = out.len;
  res->errlen = err.len;
  res->out = qg_buf_detach(&out);
  res->err = qg_buf_detach(&err);
  return QG_OK;
}
