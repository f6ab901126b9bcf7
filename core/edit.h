/* edit.h: applying text edits to a buffer, and showing them as a diff. */
#ifndef QG_EDIT_H
#define QG_EDIT_H

#include "core/finding.h"

/* Applies edits (any order; they must not overlap) to buf[0..len) and
 * returns the new text (caller frees; *outlen set). Edits that overlap an
 * earlier one (in position order) or point outside the text are skipped and
 * counted in *skipped. In a text whose first line ends in CRLF, every line
 * break in the edits' text is written CRLF, so the file keeps one style. */
char *qg_edits_apply(const char *buf, size_t len, const qg_edit *edits, size_t n, size_t *outlen,
                     size_t *skipped);

/* A unified diff of old -> new with 3 lines of context; caller frees.
 * Returns an empty string when they are equal. */
char *qg_diff_unified(const char *path, const char *old, size_t oldlen, const char *neu,
                      size_t newlen);

#endif
