/* utf.c: UTF-16 and UTF-32 with a byte-order mark, decoded to UTF-8. */
#include "core/utf.h"
#include "core/mem.h"

#include <string.h>

qg_bom qg_bom_detect(const unsigned char *buf, size_t len) {
  if (len >= 4 && buf[0] == 0xFF && buf[1] == 0xFE && buf[2] == 0 && buf[3] == 0)
    return QG_BOM_UTF32LE;
  if (len >= 4 && buf[0] == 0 && buf[1] == 0 && buf[2] == 0xFE && buf[3] == 0xFF)
    return QG_BOM_UTF32BE;
  if (len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF)
    return QG_BOM_UTF8;
  if (len >= 2 && buf[0] == 0xFF && buf[1] == 0xFE)
    return QG_BOM_UTF16LE;
  if (len >= 2 && buf[0] == 0xFE && buf[1] == 0xFF)
    return QG_BOM_UTF16BE;
  return QG_BOM_NONE;
}

int qg_bom_wide(const unsigned char *buf, size_t len) {
  qg_bom b = qg_bom_detect(buf, len);
  return b != QG_BOM_NONE && b != QG_BOM_UTF8;
}

const char *qg_bom_name(qg_bom enc) {
  switch (enc) {
  case QG_BOM_UTF8:
    return "UTF-8";
  case QG_BOM_UTF16LE:
    return "UTF-16LE";
  case QG_BOM_UTF16BE:
    return "UTF-16BE";
  case QG_BOM_UTF32LE:
    return "UTF-32LE";
  case QG_BOM_UTF32BE:
    return "UTF-32BE";
  case QG_BOM_NONE:
    break;
  }
  return "";
}

static uint32_t unit(const unsigned char *p, size_t width, int le) {
  uint32_t u = 0;
  for (size_t i = 0; i < width; i++)
    u |= (uint32_t)p[le ? i : width - 1 - i] << (8 * i);
  return u;
}

static size_t put_utf8(unsigned char *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (unsigned char)(0xC0 | (cp >> 6));
    o[1] = (unsigned char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (unsigned char)(0xE0 | (cp >> 12));
    o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (unsigned char)(0xF0 | (cp >> 18));
  o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (unsigned char)(0x80 | (cp & 0x3F));
  return 4;
}

void qg_utf_decode(const unsigned char *buf, size_t len, qg_bom enc, unsigned char **out,
                   size_t *outlen, qg_utf_error *err) {
  memset(err, 0, sizeof(*err));
  size_t width = enc == QG_BOM_UTF32LE || enc == QG_BOM_UTF32BE ? 4 : 2;
  int le = enc == QG_BOM_UTF16LE || enc == QG_BOM_UTF32LE;
  /* a UTF-16 unit (2 bytes) gives at most 3 bytes, a surrogate pair (4) gives
   * 4, a UTF-32 unit (4) at most 4 */
  unsigned char *o = qg_xmalloc(len / 2 * 3 + 4);
  size_t n = 0;
  uint32_t line = 1, col = 1;
  size_t i = width; /* past the byte-order mark */
  while (i < len) {
    uint32_t cp;
    const char *bad = NULL;
    if (len - i < width) {
      cp = 0xFFFD;
      bad = "truncated code unit at the end of the file";
      i = len;
    } else {
      cp = unit(buf + i, width, le);
      i += width;
      if (width == 2 && cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t lo = len - i >= 2 ? unit(buf + i, 2, le) : 0;
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 2;
        } else {
          bad = "unpaired surrogate";
        }
      } else if (cp >= 0xD800 && cp <= 0xDFFF) {
        bad = "unpaired surrogate";
      } else if (cp > 0x10FFFF) {
        bad = "code point past U+10FFFF";
      } else if (cp == 0) {
        bad = "NUL character";
      }
      if (bad)
        cp = 0xFFFD;
    }
    if (bad && err->count++ == 0) {
      err->line = line;
      err->col = col;
      err->what = bad;
    }
    n += put_utf8(o + n, cp);
    if (cp == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  o[n] = '\0';
  *out = o;
  *outlen = n;
}
