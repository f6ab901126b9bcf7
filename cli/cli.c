/* cli.c: the messages, the diagnostics printed, and the dispatch to the commands
 * (run.c, merge.c, rules.c, hook.c); the options are in options.c. */
#include "cli/internal.h"
#include "commit.h" /* $(BUILD)/gen/commit.h: QG_COMMIT, QG_COMMIT_DATE */
#include "core/escape.h"
#include "core/git.h"
#include "core/http.h"
#include "core/mem.h"
#include "core/regex.h"
#include "core/yamldoc.h"
#include "hosts/host.h"
#include "scanners/scanner.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* "qgate: " PREFIX MESSAGE on standard error. */
static void vmsg(const qg_cli_io *io, const char *prefix, const char *fmt, va_list ap)
    QG_PRINTF(3, 0);
static void vmsg(const qg_cli_io *io, const char *prefix, const char *fmt, va_list ap) {
  fputs("qgate: ", io->err);
  fputs(prefix, io->err);
  /* the message can hold repository text (a path, a value): escaped, so that it neither
   * ends the line nor starts a workflow command nor sends the terminal a control
   * sequence */
  char *m = qg_xvasprintf(fmt, ap);
  qg_esc_fputs(io->err, m);
  free(m);
  fputc('\n', io->err);
}

void qg_cli_errorf(const qg_cli_io *io, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmsg(io, "", fmt, ap);
  va_end(ap);
}

void qg_cli_warnf(const qg_cli_io *io, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmsg(io, "warning: ", fmt, ap);
  va_end(ap);
}

/* "qgate: [PATH[:LINE:COL]: ]LEVEL: MESSAGE" */
static void print_diag(const qg_cli_io *io, const qg_diag *d) {
  const char *lvl = d->level == QG_DIAG_ERROR     ? "error"
                    : d->level == QG_DIAG_WARNING ? "warning"
                                                  : "note";
  fputs("qgate: ", io->err);
  if (d->loc.path) { /* repository text, escaped as in vmsg */
    qg_esc_fputs(io->err, d->loc.path);
    if (d->loc.line)
      fprintf(io->err, ":%u:%u", d->loc.line, d->loc.col);
    fputs(": ", io->err);
  }
  fprintf(io->err, "%s: ", lvl);
  qg_esc_fputs(io->err, d->message);
  fputc('\n', io->err);
}

void qg_cli_print_diags(const qg_cli_io *io, const qg_result *r) {
  for (size_t i = 0; i < r->diags.n; i++)
    print_diag(io, &r->diags.items[i]);
}

static void print_log_diag(const qg_cli_io *io, const qg_diag *d) {
  if (d->loc.path || d->status != QG_OK) { /* a problem at a place */
    print_diag(io, d);
    return;
  }
  fputs(d->level == QG_DIAG_WARNING ? "qgate: warning: " : "qgate: ", io->err);
  qg_esc_fputs(io->err, d->message);
  fputc('\n', io->err);
}

void qg_cli_print_log(const qg_cli_io *io, const qg_result *log) {
  for (size_t i = 0; i < log->diags.n; i++)
    print_log_diag(io, &log->diags.items[i]);
}

void qg_cli_log_listener(void *io, const qg_diag *d) { print_log_diag(io, d); }

/* qgate --version: the version and the commit built (ci/commit.sh) */
static void print_short_version(FILE *f) {
  fprintf(f, "qgate %s (commit %s%s%s)\n", QG_VERSION, QG_COMMIT, QG_COMMIT_DATE[0] ? ", " : "",
          QG_COMMIT_DATE);
}

int qg_cli_cmd_version(int argc, char **argv, const qg_cli_io *io) {
  if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
    qg_cli_usage_version(io->out);
    return QG_EXIT_PASS;
  }
  if (argc > 2) {
    qg_cli_errorf(io, "qgate %s takes no arguments", argv[1]);
    return QG_EXIT_INPUT;
  }
  if (strcmp(argv[1], "--version") == 0) {
    print_short_version(io->out);
    return QG_EXIT_PASS;
  }
  char git[32], pcre[64];
  fprintf(io->out, "qgate %s (libyaml %s, cJSON %s, libgit2 %s, PCRE2 %s, libcurl %s)\n",
          QG_VERSION, qg_yaml_version(), cJSON_Version(), qg_git_version(git, sizeof(git)),
          qg_regex_version(pcre, sizeof(pcre)), qg_http_version());
  fprintf(io->out, "commit %s%s%s\n", QG_COMMIT, QG_COMMIT_DATE[0] ? ", " : "", QG_COMMIT_DATE);
  return QG_EXIT_PASS;
}

int qg_cli_run(int argc, char **argv, const qg_cli_io *io) {
  if (argc < 2) {
    qg_cli_usage_main(io->err);
    return QG_EXIT_INPUT;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    const qg_cli_command *c = argc > 2 ? qg_cli_command_find(argv[2]) : NULL;
    if (argc > 2 && !c) {
      qg_cli_errorf(io, "no command '%s'", argv[2]);
      return QG_EXIT_INPUT;
    }
    if (c && c->usage)
      c->usage(io->out);
    else
      qg_cli_usage_main(io->out);
    return QG_EXIT_PASS;
  }
  if (strcmp(cmd, "--version") == 0)
    cmd = "version";
  const qg_cli_command *c = qg_cli_command_find(cmd);
  if (!c || !c->fn) {
    qg_cli_errorf(io, "no command '%s' (see 'qgate --help')", cmd);
    return QG_EXIT_INPUT;
  }
  qg_git_global_init();
  if (qg_http_global_init() != QG_OK) {
    qg_git_global_cleanup();
    qg_cli_errorf(io, "cannot initialise libcurl");
    return QG_EXIT_RUNTIME;
  }
  /* inside GitHub Actions, what the command prints is inside a ::stop-commands::
   * region (guard.c); not qgate version's, completion's or man's, which show no
   * repository text (and whose output is a file: a script, a page) */
  qg_cli_guard guard;
  qg_cli_io gio = *io;
  if (c->fn != qg_cli_cmd_version && c->fn != qg_cli_cmd_completion && c->fn != qg_cli_cmd_man) {
    qg_cli_guard_begin(&guard, io);
    gio.guard = guard.on ? &guard : NULL;
  }
  int status = c->fn(argc, argv, &gio);
  qg_cli_guard_end(&gio);
  qg_regex_thread_cleanup(); /* this thread's match data, when it scanned */
  qg_http_global_cleanup();
  qg_git_global_cleanup();
  fflush(io->out);
  return status;
}

int qg_cli_selfcheck(void) {
  if (!qg_cli_options_sorted())
    return 1;
  size_t n;
  const qg_cli_command *cmds = qg_cli_commands(&n);
  for (size_t i = 1; i < n; i++)
    if (strcmp(cmds[i - 1].name, cmds[i].name) >= 0)
      return 1;
  return 0;
}
