/* regex.h: the PCRE2 adapter. The only qgate file that includes <pcre2.h>.
 * (Patterns arrive with the secrets issue; for now: the library version.) */
#ifndef QG_REGEX_H
#define QG_REGEX_H

#include <stddef.h>

/* PCRE2's version, e.g. "10.42 2022-12-11"; written into buf. */
const char *qg_regex_version(char *buf, size_t size);

#endif
