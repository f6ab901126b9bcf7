/* lists.c: prints the tables that the README names by hand, one entry a line,
 * from the library itself (tests/readme.sh compares them with README.md):
 *   format NAME      every output format (reporters/reporter.c's table)
 *   provider NAME    every review provider (review/review.c's table)
 *   host NAME        every CI host --comment posts to (hosts/host.c's table) */
#include "hosts/host.h"
#include "reporters/reporter.h"
#include "review/settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  size_t n = 0;
  const qg_reporter *r = qg_reporters_all(&n);
  for (size_t i = 0; i < n; i++)
    printf("format %s\n", r[i].name);
  /* QG_LLM_NONE is "no provider"; past the table the name is "none" again */
  for (int p = QG_LLM_NONE + 1; strcmp(qg_llm_provider_name((qg_llm_provider)p), "none"); p++)
    printf("provider %s\n", qg_llm_provider_name((qg_llm_provider)p));
  char *hosts = qg_host_names("\n", "\n", NULL);
  for (char *h = strtok(hosts, "\n"); h; h = strtok(NULL, "\n"))
    printf("host %s\n", h);
  free(hosts);
  return ferror(stdout) ? 3 : 0;
}
