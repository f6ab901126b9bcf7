/* regex.c: PCRE2 adapter. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/regex.h"

#include <pcre2.h>

const char *qg_regex_version(char *buf, size_t size) {
  if (size == 0)
    return buf;
  buf[0] = '\0';
  int need = pcre2_config(PCRE2_CONFIG_VERSION, NULL); /* code units, with the NUL */
  if (need > 0 && (size_t)need <= size)
    pcre2_config(PCRE2_CONFIG_VERSION, buf);
  return buf;
}
