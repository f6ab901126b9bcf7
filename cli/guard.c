/* guard.c: inside GitHub Actions, what qgate prints is inside a region where the
 * runner executes no workflow command.
 *
 * Every line qgate prints is escaped so that it cannot be a workflow command
 * (core/escape.h): that is the guarantee. This is a second wall, GitHub's own
 * mechanism: "::stop-commands::TOKEN" makes the runner ignore every command until a
 * line "::TOKEN::"; the token comes from the kernel's CSPRNG, never from the input, so
 * the scanned repository cannot end the region.
 *
 * The runner reads standard output and standard error apart and, of the lines that
 * arrived together, handles standard error's first; a region's commands apply to
 * both. So the region opens on standard error before qgate prints anything (every
 * later line of either stream comes after it), and closes on standard output, after
 * the last line of the report there (the text report, Markdown, a --fix --dry-run
 * diff), before qgate's own annotations (--comment annotations), and once more after
 * them. A standard output that holds only a JSON or XML document (json, sarif,
 * codequality, junit, badge) gets no line of the guard (it would no longer parse):
 * those are inert by construction (no line of them starts with "::", "##[" is
 * escaped), and the region closes on standard error. A stream that is a file is not
 * read by the runner: no guard line on it; when standard error is one, there is no
 * region (the escaping alone). */
#include "cli/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether what is written to f can reach the job's log: a pipe, a socket, a
 * terminal, or a stream without a descriptor (the test runner's memory streams). */
static bool to_log(FILE *f) {
  int fd = fileno(f);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0)
    return true;
  return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || isatty(fd);
}

/* n random bytes from the kernel's CSPRNG; false when there are none. */
static bool random_bytes(unsigned char *b, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(b + got, n - got, 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    got += (size_t)r;
  }
  if (got == n)
    return true;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  got = 0;
  while (got < n) {
    ssize_t r = read(fd, b + got, n - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    got += (size_t)r;
  }
  close(fd);
  return got == n;
}

bool qg_cli_guard_token(char token[QG_GUARD_TOKEN_LEN + 1]) {
  unsigned char b[QG_GUARD_TOKEN_LEN / 2];
  static const char hex[] = "0123456789abcdef";
  if (!random_bytes(b, sizeof(b)))
    return false;
  for (size_t i = 0; i < sizeof(b); i++) {
    token[2 * i] = hex[b[i] >> 4];
    token[2 * i + 1] = hex[b[i] & 15];
  }
  token[QG_GUARD_TOKEN_LEN] = '\0';
  return true;
}

/* The region's first line on f, after everything printed so far on both streams. */
static void start(qg_cli_guard *g, const qg_cli_io *io, FILE *f) {
  fflush(io->err);
  fflush(io->out);
  fprintf(f, "::stop-commands::%s\n", g->token);
  fflush(f);
  g->open = true;
}

/* The region's last line on f, after everything printed so far on both streams. */
static void stop(qg_cli_guard *g, const qg_cli_io *io, FILE *f) {
  fflush(io->err);
  fflush(io->out);
  fprintf(f, "::%s::\n", g->token);
  fflush(f);
  g->open = false;
}

void qg_cli_guard_begin(qg_cli_guard *g, const qg_cli_io *io) {
  memset(g, 0, sizeof(*g));
  const char *ga = getenv("GITHUB_ACTIONS");
  if (!ga || strcmp(ga, "true") != 0 || !to_log(io->err))
    return;
  if (!qg_cli_guard_token(g->token)) {
    fputs("qgate: warning: no random token for ::stop-commands:: (getrandom failed): the "
          "output relies on its escaping alone\n",
          io->err);
    return;
  }
  g->on = true;
  g->log_out = to_log(io->out);
  start(g, io, io->err);
}

void qg_cli_guard_stdout(const qg_cli_io *io, bool document) {
  qg_cli_guard *g = io->guard;
  if (!g)
    return;
  g->out_doc |= document;
  g->out_text |= !document;
}

void qg_cli_guard_pause(const qg_cli_io *io) {
  qg_cli_guard *g = io->guard;
  if (g && g->open && g->log_out) /* else the commands go to a file: nothing runs them */
    stop(g, io, io->out);
}

void qg_cli_guard_resume(const qg_cli_io *io) {
  qg_cli_guard *g = io->guard;
  if (g && g->on && !g->open) /* on standard output: after the commands there */
    start(g, io, io->out);
}

void qg_cli_guard_end(const qg_cli_io *io) {
  qg_cli_guard *g = io->guard;
  if (!g || !g->open)
    return;
  bool out = g->log_out && (g->out_text || !g->out_doc);
  stop(g, io, out ? io->out : io->err);
}
