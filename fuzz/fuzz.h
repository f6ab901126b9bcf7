/* fuzz.h: what every libFuzzer harness in fuzz/ shares.
 *
 * Each harness defines LLVMFuzzerTestOneInput and checks properties with
 * FUZZ_CHECK, which aborts (a crash libFuzzer records) with the reason. The
 * library must never print or abort on bad input: a crash here is a bug. */
#ifndef QG_FUZZ_H
#define QG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                                                      \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "fuzz: %s:%d: property failed: %s: ", __FILE__, __LINE__, #cond);            \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fputc('\n', stderr);                                                                         \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

#endif
