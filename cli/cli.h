/* cli.h: the command line. The only qgate code that writes to the terminal. */
#ifndef QG_CLI_H
#define QG_CLI_H

#include <stdio.h>

typedef struct qg_cli_io {
  FILE *in;       /* what "-" reads */
  FILE *out;      /* standard output */
  FILE *err;      /* standard error */
  FILE *findings; /* when set, the "findings" line format is also written here
                     (the test runner's view of the result); may be NULL */
  /* set by qg_cli_run inside GitHub Actions (cli/guard.c): callers leave it NULL */
  struct qg_cli_guard *guard;
} qg_cli_io;

/* Runs one qgate command line; returns the process exit status (0 gate
 * passed, 1 gate failed, 2 usage/config/input error, 3 runtime error). Does
 * not close any stream. */
int qg_cli_run(int argc, char **argv, const qg_cli_io *io);

/* 0 when the option and command tables are sorted (a unit test asks). */
int qg_cli_selfcheck(void);

#endif
