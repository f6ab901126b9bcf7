/* replay.c: runs a libFuzzer harness once on each given input, without
 * libFuzzer (built with the normal compiler, linked with one fuzz_TARGET.c):
 *
 *   replay_TARGET PATH...     (a directory: each file in it, sorted by name)
 *
 * LLVMFuzzerInitialize runs first when the harness defines one; then each
 * input goes to LLVMFuzzerTestOneInput in a heap buffer of exactly its size
 * (as libFuzzer passes it, so a read past the end is seen by ASan and
 * valgrind). One line per input, "PATH: ok"; a property that fails aborts
 * (FUZZ_CHECK), so a crash is a failure. Exit status: 0 when every input
 * passed, 1 when one could not be read or was not accepted, 2 on usage. */
#include "fuzz/fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

/* libFuzzer calls LLVMFuzzerInitialize only when the harness defines it: a
 * weak reference is NULL otherwise. */
#if defined(__GNUC__)
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
#define HAS_INITIALIZE() (LLVMFuzzerInitialize != NULL)
#else
#define HAS_INITIALIZE() 0
#endif

/* Reads path into a new buffer of exactly its size (*out, NULL when the
 * file is empty; the caller frees it). 0, or an errno value. */
static int read_input(const char *path, uint8_t **out, size_t *size) {
  *out = NULL;
  *size = 0;
  int err = EIO;
  uint8_t *buf = NULL;
  FILE *f = fopen(path, "rb");
  if (!f)
    return errno;
  struct stat st;
  if (fstat(fileno(f), &st) != 0) {
    err = errno;
    goto out;
  }
  if (!S_ISREG(st.st_mode)) {
    err = EINVAL;
    goto out;
  }
  size_t n = (size_t)st.st_size;
  if (n > 0) {
    buf = malloc(n);
    if (!buf) {
      err = ENOMEM;
      goto out;
    }
    if (fread(buf, 1, n, f) != n || fgetc(f) != EOF)
      goto out; /* EIO: short read, or the file grew */
  }
  *out = buf;
  *size = n;
  buf = NULL;
  err = 0;
out:
  free(buf);
  fclose(f);
  return err;
}

/* Runs the harness on one file; false when it could not be read or the
 * harness did not accept it (a failed property does not come back). */
static bool replay_file(const char *path) {
  uint8_t *data = NULL;
  size_t size = 0;
  int err = read_input(path, &data, &size);
  if (err) {
    printf("%s: cannot read: %s\n", path, strerror(err));
    return false;
  }
  /* named before the run: a crash's report follows the name of its input */
  printf("%s: ", path);
  fflush(stdout);
  /* 0, or -1 (libFuzzer: keep it out of the corpus); other values are reserved */
  int rc = LLVMFuzzerTestOneInput(data ? data : (const uint8_t *)"", size);
  free(data);
  if (rc != 0 && rc != -1) {
    printf("returned %d\n", rc);
    return false;
  }
  printf("ok\n");
  return true;
}

static int skip_dot(const struct dirent *e) { return e->d_name[0] != '.'; }

/* Each file in dir, in name order (not recursive: directories and other
 * entries that are not regular files are skipped, as are dot files).
 * Adds to *failed. */
static void replay_dir(const char *dir, unsigned *failed) {
  struct dirent **names = NULL;
  int n = scandir(dir, &names, skip_dot, alphasort);
  if (n < 0) {
    printf("%s: cannot read: %s\n", dir, strerror(errno));
    (*failed)++;
    return;
  }
  size_t dl = strlen(dir);
  bool slash = dl > 0 && dir[dl - 1] == '/';
  for (int i = 0; i < n; i++) {
    size_t len = dl + 1 + strlen(names[i]->d_name) + 1;
    char *path = malloc(len);
    if (!path) {
      (*failed)++;
    } else {
      snprintf(path, len, "%s%s%s", dir, slash ? "" : "/", names[i]->d_name);
      struct stat st; /* one that cannot be stat'ed fails in replay_file */
      bool input = stat(path, &st) != 0 || S_ISREG(st.st_mode);
      if (input && !replay_file(path))
        (*failed)++;
      free(path);
    }
    free(names[i]);
  }
  free(names);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
    return 2;
  }
  if (HAS_INITIALIZE())
    LLVMFuzzerInitialize(&argc, &argv);
  unsigned failed = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
      replay_dir(argv[i], &failed);
    else if (!replay_file(argv[i]))
      failed++;
  }
  return failed ? 1 : 0;
}
