/* accepted.h: .qgateignore, the fingerprints of findings a team accepted.
 *
 * One fingerprint a line (16 lower-case hex digits, as in the JSON report),
 * blanks before it and anything after it allowed; '#' starts a comment line.
 * The file is the repository's, so it is hostile: it is parsed into a sorted
 * set once, and applying it costs one lookup per finding, whatever the
 * number of lines or findings. */
#ifndef QG_ACCEPTED_H
#define QG_ACCEPTED_H

#include "core/finding.h"

#include <stddef.h>

/* Lines that are not fingerprints kept by number, at most this many (the
 * rest only counted). */
#define QG_ACCEPTED_MAX_BAD 100

typedef struct qg_accepted {
  uint64_t *fps; /* owned: sorted, without repeats */
  size_t n;
  unsigned bad[QG_ACCEPTED_MAX_BAD]; /* 1-based numbers of the first lines that are not
                                        fingerprints, ascending */
  size_t nbad; /* how many such lines in all (may exceed QG_ACCEPTED_MAX_BAD) */
} qg_accepted;

/* Parses len bytes of buf (no NUL needed; a NUL byte is an ordinary byte
 * that makes its line bad) into a (cleared first). Never fails. */
void qg_accepted_parse(qg_accepted *a, const char *buf, size_t len);
/* Is the 16-hex-digit fingerprint fp (as qg_finding_fingerprint writes it)
 * in the set? */
bool qg_accepted_has(const qg_accepted *a, const char fp[17]);
/* Suppresses (qg_finding_suppress, by ".qgateignore") every finding of r not
 * already suppressed whose fingerprint is in the set; returns how many. */
size_t qg_accepted_apply(const qg_accepted *a, qg_result *r);

/* The fingerprint a report will show for f (its path and names redacted:
 * qg_redact_fingerprint), into out. */
typedef void (*qg_shown_fingerprint_fn)(void *ud, const qg_finding *f, char out[17]);

/* qg_accepted_apply, where a finding also matches by the fingerprint reports
 * show for it (shown; NULL: none): an entry copied from a report suppresses
 * the finding when its path holds a secret that reports mask, as does one
 * with the real path's fingerprint. shown is called only for findings not
 * matched otherwise, and only when the set is not empty. */
size_t qg_accepted_apply_shown(const qg_accepted *a, qg_result *r, qg_shown_fingerprint_fn shown,
                               void *ud);
void qg_accepted_cleanup(qg_accepted *a);

#endif
