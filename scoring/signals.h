/* signals.h: the outside signals the quality score reads, from files other
 * tools write: SARIF 2.1.0 logs (any linter or security scanner), coverage
 * reports (lcov, Cobertura XML, JaCoCo XML, Go cover profiles) and a small
 * JSON metrics file (build time, image size, memory).
 *
 * Every reader is all-or-nothing: a file that is not valid adds nothing to
 * its output, and each problem is a QG_EPARSE diagnostic in `diags` that
 * names the file and, where there is one, the line and column (or the JSON
 * path of the offending value). Every reader caps the file at
 * QG_SIGNAL_MAX_BYTES. Library code: nothing is printed. */
#ifndef QG_SIGNALS_H
#define QG_SIGNALS_H

#include "core/finding.h"
#include "core/qg.h"

#include <stdbool.h>
#include <stddef.h>

#define QG_SIGNAL_MAX_BYTES (256u << 20)
/* A SARIF log: the scanner's file cap. Its results are read one at a time, so
 * memory is about twice the file, whatever it holds (see sarif_in.c). */
#define QG_SARIF_MAX_BYTES (64u << 20)
/* Results read from one SARIF log: GitHub code scanning takes at most 20 runs
 * of 25,000; past it the file is an input error. */
#define QG_SARIF_MAX_RESULTS 500000u

/* ---- SARIF -------------------------------------------------------------------------- */

/* What SARIF results add to the score. A result counts when its kind is
 * "fail" (the default), it has no accepted suppression, and its
 * baselineState is not "unchanged" or "absent" (those existed before the
 * change). A counted result is then
 *   - a secret, when its run's tool.driver.name is a secret scanner
 *     (gitleaks, trufflehog, detect-secrets; compared ignoring case);
 *   - else a security finding, when the result's properties or its rule's
 *     properties carry "security-severity" (a CVSS score, string or number):
 *     >= 9.0 critical, >= 7.0 high, >= 4.0 medium, > 0 low, 0 info (GitHub's
 *     buckets);
 *   - else a lint violation, when its level (the result's, else its rule's
 *     defaultConfiguration.level, else "warning") is "error" or "warning";
 *     "note" and "none" results are not counted. */
typedef struct qg_sarif_counts {
  size_t files;                   /* SARIF logs read */
  size_t results;                 /* results read, counted or not */
  size_t lint;                    /* lint violations */
  size_t security[QG__SEV_COUNT]; /* security findings by severity */
  size_t secrets;                 /* results of secret scanners */
} qg_sarif_counts;

/* Reads the SARIF log at path and adds its results to *c (untouched when
 * the file is invalid: QG_EPARSE, QG_EIO, QG_ENOENT or QG_ETOOBIG). */
qg_status qg_sarif_import(const char *path, qg_sarif_counts *c, qg_result *diags);

/* The same for a buffer labelled `label` (tests and fuzzers). */
qg_status qg_sarif_import_buffer(const char *label, const char *buf, size_t len, qg_sarif_counts *c,
                                 qg_result *diags);

/* ---- coverage -------------------------------------------------------------------------- */

typedef enum qg_coverage_format {
  QG_COV_AUTO,      /* from the content */
  QG_COV_LCOV,      /* lines: TN:/SF:/DA:/LF:/LH:/end_of_record */
  QG_COV_COBERTURA, /* <coverage> XML */
  QG_COV_JACOCO,    /* <report> XML */
  QG_COV_GO,        /* "mode: set|count|atomic" then blocks */
} qg_coverage_format;

/* Covered and coverable units: lines (lcov, Cobertura, JaCoCo) or
 * statements (Go). Reports add up: percent = 100 * covered / total. */
typedef struct qg_coverage {
  unsigned long long covered, total;
  size_t files; /* reports read */
} qg_coverage;

/* Reads the coverage report at path and adds its totals to *cov (untouched
 * when the file is invalid). */
qg_status qg_coverage_read(const char *path, qg_coverage_format fmt, qg_coverage *cov,
                           qg_result *diags);
qg_status qg_coverage_parse(const char *label, const char *buf, size_t len, qg_coverage_format fmt,
                            qg_coverage *cov, qg_result *diags);

/* ---- metrics ----------------------------------------------------------------------------- */

/* {"build_seconds": N, "image_bytes": N, "base_image_bytes": N,
 *  "memory_bytes": N, "base_memory_bytes": N}: every key optional, every
 * value a non-negative number; an unknown key is an error (a typo would
 * otherwise silently leave a criterion unmeasured). A later file's keys
 * override an earlier one's. */
typedef struct qg_metrics {
  bool has_build, has_image, has_base_image, has_memory, has_base_memory;
  double build_seconds, image_bytes, base_image_bytes, memory_bytes, base_memory_bytes;
} qg_metrics;

qg_status qg_metrics_read(const char *path, qg_metrics *m, qg_result *diags);
qg_status qg_metrics_parse(const char *label, const char *buf, size_t len, qg_metrics *m,
                           qg_result *diags);

#endif
