/* main.c: qgate's entry point. */
#include "cli/cli.h"

int main(int argc, char **argv) {
  qg_cli_io io = {stdin, stdout, stderr, NULL, NULL};
  return qg_cli_run(argc, argv, &io);
}
