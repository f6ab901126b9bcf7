/* scanner.h: one pass over the inputs for every scanner.
 *
 * The driver reads each path once (a file, a directory walked in sorted
 * order, or "-" for standard input), caps and classifies it, parses it as
 * YAML/JSON and hands every document to the enabled scanners. Problems with
 * the input become diagnostics; the rest of the inputs are still scanned. */
#ifndef QG_SCANNER_H
#define QG_SCANNER_H

#include "core/finding.h"
#include "core/yamldoc.h"
#include "scanners/k8s/k8s.h"
#include "scanners/render.h"
#include "scanners/secrets/secrets.h"

#include <stdio.h>

#define QG_DEFAULT_MAX_FILE_SIZE (64u * 1024u * 1024u)
/* Findings kept per file; past it, an error says how many more there were. */
#define QG_MAX_FINDINGS_PER_FILE 10000u
#define QG_STDIN_LABEL "<stdin>"

typedef struct qg_scan_config {
  bool run_k8s;        /* the Kubernetes scanner on YAML and JSON files */
  qg_secrets *secrets; /* borrowed; the secrets scanner on every text file, or NULL */
  qg_k8s_opts k8s;
  qg_yaml_limits yaml;  /* zero = defaults */
  size_t max_file_size; /* bytes; 0 = QG_DEFAULT_MAX_FILE_SIZE */
  FILE *stdin_fp;       /* borrowed; what "-" reads */
  int use_gitignore;    /* skip what .gitignore ignores when walking */
  unsigned jobs;        /* files scanned at once (threads); 0 = one per online CPU */
  /* --shard I/N: only the files whose path (as printed) hashes to I-1 mod N
   * are scanned (qg_scan_in_shard); 0 or 1 = every file */
  unsigned shard_index, shard_count;
  struct qg_scan_order *order; /* borrowed, or NULL: filled by qg_scan_paths */
  /* --exclude: gitignore-syntax globs relative to the current directory, as the
   * configuration's exclude (borrowed) */
  const char *const *exclude;
  size_t nexclude;
  /* --allow-no-objects: a path with Kubernetes-looking text and no object is a
   * warning, not an input error */
  bool allow_no_objects;
  /* borrowed, or NULL: scan this commit's tree (--rev), read from the object database,
   * instead of the file system. The paths given are then relative to the current
   * directory as usual, and every path reported is relative to the repository root, as
   * git names it; .gitignore does not apply (a tree holds what was committed), the
   * configuration's excludes do; a symbolic link is not followed and a submodule is not
   * entered (a note each) */
  struct qg_git_rev *rev;
  /* Kustomize and Helm (scanners/render.h): with render.on and run_k8s, a
   * directory walked renders its top-level kustomizations and charts, and the
   * files they read are not scanned as manifests */
  qg_render_settings render;
} qg_scan_config;

/* The most shards a scan can be split into. */
#define QG_MAX_SHARDS 1024u
/* Where a diagnostic comes from when no input of the walk produced it. */
#define QG_SCAN_AFTER_WALK ((size_t)-1)

/* Where each diagnostic of a scan came from: walk[i] is the position, in
 * the whole walk, of the input that produced r->diags.items[i] (every shard
 * counts the same positions, the files of the other shards included), so
 * `qgate merge` can put the shards' diagnostics back in a single run's
 * order. QG_SCAN_AFTER_WALK for the rest. */
typedef struct qg_scan_order {
  size_t *walk; /* owned */
  size_t n, cap;
} qg_scan_order;

void qg_scan_order_cleanup(qg_scan_order *o);

/* Does path (as the reports print it) belong to shard index of count
 * (1-based)? FNV-1a of the path modulo count: stable across runs and
 * machines, and adding a file moves no other file. */
bool qg_scan_in_shard(const char *path, unsigned index, unsigned count);

/* The most threads a scan uses, whatever it is asked. */
#define QG_MAX_THREADS 64

/* The number of threads a scan asked for `jobs` uses (0 = one per online
 * CPU), capped at QG_MAX_THREADS. */
unsigned qg_scan_threads(unsigned jobs);

/* Scans every path; findings and diagnostics go to r (sorted on return).
 * Directories are walked first, then the files are scanned by cfg->jobs
 * threads; the result does not depend on how many. With a shard, the other
 * shards' files are left out after the ignore rules, and a path on the
 * command line that cannot be read is reported by shard 1 only. With
 * cfg->order, it is filled for every diagnostic r holds on return. */
void qg_scan_paths(const qg_scan_config *cfg, const char *const *paths, size_t npaths,
                   qg_result *r);

/* Scans one in-memory buffer labelled path (used by the driver and fuzzers). */
void qg_scan_buffer(const qg_scan_config *cfg, const char *path, const unsigned char *buf,
                    size_t len, qg_result *r);

struct qg_git_base;
/* Diff-aware mode: marks every finding whose fingerprint (line-independent)
 * is also found in the base revision's version of its file as in_base. */
void qg_scan_mark_base(const qg_scan_config *cfg, struct qg_git_base *base, qg_result *r);

/* Which fixes --fix applies: the safe ones (a fix marked risky, qg_fix.risky,
 * is left out), or all of them. */
typedef enum qg_fix_level { QG_FIX_LEVEL_SAFE, QG_FIX_LEVEL_ALL } qg_fix_level;

/* Told of each risky fix once: applied (at QG_FIX_LEVEL_ALL), or left out
 * (at QG_FIX_LEVEL_SAFE: the ones left when no safe fix is). f, with its fix,
 * is borrowed for the call. */
typedef void (*qg_fix_note_fn)(void *ud, const qg_finding *f, bool applied);

/* Applies the mechanical fixes of `level` to buf (labelled path), in rounds:
 * scan, apply the edits that do not conflict, scan again, until nothing
 * fixable is left (at most 16 rounds). Suppressed findings are not fixed.
 * *out is the new text (caller frees); *applied counts the fixes applied.
 * note (may be NULL) hears of the risky fixes. */
qg_status qg_fix_buffer(const qg_scan_config *cfg, const char *path, const char *buf, size_t len,
                        qg_fix_level level, qg_fix_note_fn note, void *ud, char **out,
                        size_t *outlen, size_t *applied);

#endif
