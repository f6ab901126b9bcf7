/* proc.h: running an external program (a manifest renderer) safely.
 *
 * The program is started with fork and execve from an argument vector (never
 * a shell), in a new process group, with the environment given (nothing is
 * inherited), standard input on /dev/null and its working directory set.
 * Standard output and error are read with caps; past the timeout, or past the
 * output cap, the whole process group is killed. Prints nothing. */
#ifndef QG_PROC_H
#define QG_PROC_H

#include "core/qg.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct qg_proc_opts {
  const char *exe;         /* absolute path of the program (qg_proc_which) */
  const char *const *argv; /* NULL-terminated; argv[0] is what the program sees */
  const char *const *envp; /* NULL-terminated; the whole environment */
  const char *cwd;         /* working directory, or NULL: the caller's */
  unsigned timeout_ms;     /* 0: 60 s */
  size_t max_out, max_err; /* caps in bytes; 0: 64 MiB and 64 KiB */
} qg_proc_opts;

typedef struct qg_proc_result {
  char *out, *err; /* owned (qg_proc_result_cleanup), NUL-terminated, never NULL on QG_OK */
  size_t outlen, errlen;
  int code;        /* exit status when exited, else -1 */
  int signal;      /* the signal that ended it (not ours), else 0 */
  bool timed_out;  /* killed at the timeout */
  bool out_capped; /* killed when its standard output passed max_out */
  bool err_capped; /* standard error past max_err (the rest was dropped; not killed) */
} qg_proc_result;

/* Runs the program and waits for it. QG_OK when it ran (whatever its exit
 * status: read res); QG_EIO when it could not be started, with *why (owned)
 * saying why. res is always initialised. */
qg_status qg_proc_run(const qg_proc_opts *o, qg_proc_result *res, char **why);

void qg_proc_result_cleanup(qg_proc_result *res);

/* The absolute path of an executable named name (no '/') found on path (a
 * PATH-style list; NULL or empty: none), or NULL. Caller frees. */
char *qg_proc_which(const char *name, const char *path);

#endif
