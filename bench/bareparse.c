/* bareparse: libyaml's bare event parser, the baseline that `make bench` compares qgate with.
 *
 *   bareparse PATH...
 *
 * Each PATH is a file or a directory; directories are walked recursively (symbolic links are
 * not followed) for .yaml, .yml and .json files, the extensions qgate scans. Each file is read
 * into memory and fed to yaml_parser_parse until STREAM-END, deleting every event at once:
 * no tree, no copies. A file stops at its first parse error, which is counted. One thread.
 *
 * The CLOCK_MONOTONIC clock runs from the start of main() (before the walk) to the end of
 * the last file, so only process start-up is left out.
 *
 * Prints one line: files=N bytes=N events=N errors=N seconds=S mb_per_s=R (MB = 10^6 bytes).
 * Exit status: 0, parse errors included; 1 on a usage, I/O or out-of-memory error.
 *
 * Build: cc -O2 bench/bareparse.c $(pkg-config --cflags --libs yaml-0.1) -o bench/out/bareparse
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* nftw() and FTW_PHYS are XSI: glibc hides them without this */
#endif

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <yaml.h>

static char **g_files; /* files to parse, in walk order */
static size_t g_nfiles, g_cap;
static int g_failed; /* a usage or I/O error happened */

static void *xrealloc(void *p, size_t size) {
  p = realloc(p, size);
  if (!p) {
    fputs("bareparse: out of memory\n", stderr);
    exit(1);
  }
  return p;
}

static void add_file(const char *path) {
  if (g_nfiles == g_cap) {
    g_cap = g_cap ? 2 * g_cap : 256;
    g_files = xrealloc(g_files, g_cap * sizeof(*g_files));
  }
  size_t len = strlen(path) + 1;
  g_files[g_nfiles] = xrealloc(NULL, len);
  memcpy(g_files[g_nfiles++], path, len);
}

static int has_ext(const char *path) {
  static const char *const exts[] = {".yaml", ".yml", ".json"};
  const char *slash = strrchr(path, '/');
  const char *name = slash ? slash + 1 : path;
  size_t nl = strlen(name);
  for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
    size_t el = strlen(exts[i]);
    if (nl > el && strcmp(name + nl - el, exts[i]) == 0)
      return 1;
  }
  return 0;
}

static int on_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw) {
  (void)ftw;
  if (type == FTW_F && S_ISREG(sb->st_mode) && has_ext(path)) {
    add_file(path);
  } else if (type == FTW_DNR || type == FTW_NS) {
    fprintf(stderr, "bareparse: %s: cannot read\n", path);
    g_failed = 1;
  }
  return 0;
}

/* Reads PATH into *buf (grown as needed); returns its length, or -1 on error. */
static long read_file(const char *path, unsigned char **buf, size_t *cap) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return -1;
  }
  size_t len = 0;
  for (;;) {
    if (len == *cap) {
      *cap = *cap ? 2 * *cap : 1 << 20;
      *buf = xrealloc(*buf, *cap);
    }
    size_t got = fread(*buf + len, 1, *cap - len, f);
    len += got;
    if (got == 0)
      break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    fprintf(stderr, "bareparse: %s: read error\n", path);
    return -1;
  }
  return (long)len;
}

/* Parses one document stream; returns 1 if it reached STREAM-END, 0 at a parse error. */
static int parse(const unsigned char *buf, size_t len, unsigned long long *events) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    fputs("bareparse: out of memory\n", stderr);
    exit(1);
  }
  yaml_parser_set_input_string(&parser, buf, len);
  int ok = 1;
  for (;;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      ok = 0;
      break;
    }
    (*events)++;
    yaml_event_type_t type = ev.type;
    yaml_event_delete(&ev);
    if (type == YAML_STREAM_END_EVENT)
      break;
  }
  yaml_parser_delete(&parser);
  return ok;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  double t0 = now();
  if (argc < 2) {
    fputs("usage: bareparse PATH...\n", stderr);
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    struct stat sb;
    if (stat(argv[i], &sb) != 0) {
      perror(argv[i]);
      g_failed = 1;
    } else if (S_ISDIR(sb.st_mode)) {
      if (nftw(argv[i], on_entry, 32, FTW_PHYS) != 0) {
        perror(argv[i]);
        g_failed = 1;
      }
    } else {
      add_file(argv[i]);
    }
  }

  unsigned char *buf = NULL;
  size_t cap = 0, errors = 0;
  unsigned long long bytes = 0, events = 0;
  for (size_t i = 0; i < g_nfiles; i++) {
    long len = read_file(g_files[i], &buf, &cap);
    if (len < 0) {
      g_failed = 1;
      continue;
    }
    bytes += (unsigned long long)len;
    if (!parse(buf, (size_t)len, &events))
      errors++;
  }
  double secs = now() - t0;

  printf("files=%zu bytes=%llu events=%llu errors=%zu seconds=%.6f mb_per_s=%.1f\n", g_nfiles,
         bytes, events, errors, secs, secs > 0 ? (double)bytes / 1e6 / secs : 0.0);
  for (size_t i = 0; i < g_nfiles; i++)
    free(g_files[i]);
  free(g_files);
  free(buf);
  return g_failed;
}
