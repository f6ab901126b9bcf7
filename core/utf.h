/* utf.h: text in UTF-16 and UTF-32, recognised by its byte-order mark and
 * decoded to UTF-8, so that a manifest saved by a Windows editor is scanned
 * like any other instead of being skipped as binary. */
#ifndef QG_UTF_H
#define QG_UTF_H

#include <stddef.h>
#include <stdint.h>

typedef enum qg_bom {
  QG_BOM_NONE,
  QG_BOM_UTF8, /* EF BB BF: UTF-8 already; libyaml and the scanners read it */
  QG_BOM_UTF16LE,
  QG_BOM_UTF16BE,
  QG_BOM_UTF32LE,
  QG_BOM_UTF32BE,
} qg_bom;

/* The encoding the byte-order mark at the start of buf names (FF FE 00 00 is
 * UTF-32LE, not UTF-16LE followed by U+0000). */
qg_bom qg_bom_detect(const unsigned char *buf, size_t len);

/* Is buf UTF-16 or UTF-32 with a byte-order mark (text with NUL bytes)? */
int qg_bom_wide(const unsigned char *buf, size_t len);

/* "UTF-16LE", ...; "" for QG_BOM_NONE. */
const char *qg_bom_name(qg_bom enc);

/* Where decoding met its first invalid sequence, in the decoded text. */
typedef struct qg_utf_error {
  size_t count;       /* invalid sequences, each decoded as U+FFFD */
  uint32_t line, col; /* the first one: 1-based line and column (characters) */
  const char *what;   /* the first one: "unpaired surrogate", ...; static */
} qg_utf_error;

/* Decodes buf (UTF-16 or UTF-32 as enc says, starting with its byte-order
 * mark, which is dropped) into new UTF-8: *out, caller frees, NUL-terminated
 * beyond *outlen; at most 3/2 of len bytes. An unpaired surrogate, a code
 * point past U+10FFFF, U+0000 and a truncated last code unit are invalid:
 * each becomes U+FFFD and is counted in *err (line and column of the first,
 * counting '\n' as the line break, as the scanners do). */
void qg_utf_decode(const unsigned char *buf, size_t len, qg_bom enc, unsigned char **out,
                   size_t *outlen, qg_utf_error *err);

#endif
