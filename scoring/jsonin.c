/* jsonin.c: shared by the JSON signal readers (see jsonin.h). */
#include "scoring/jsonin.h"
#include "core/fs.h"
#include "core/mem.h"
#include "scoring/signals.h"

#include <errno.h>

#include <stdint.h>
#include <string.h>

char *qg_json_quoted(const char *s) {
  qg_buf b;
  qg_buf_init(&b, 0);
  (void)qg_buf_putc(&b, '"');
  size_t i = 0;
  for (; s[i] && (i < 60 || ((unsigned char)s[i] & 0xC0) == 0x80); i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      (void)qg_buf_putc(&b, '\\');
      (void)qg_buf_putc(&b, (char)c);
    } else if (c < 0x20 || c == 0x7f) {
      (void)qg_buf_printf(&b, "\\x%02x", c);
    } else {
      (void)qg_buf_putc(&b, (char)c);
    }
  }
  (void)qg_buf_puts(&b, s[i] ? "\"..." : "\"");
  return qg_buf_detach(&b);
}

const char *qg_json_type_name(const cJSON *v) {
  if (cJSON_IsString(v))
    return "a string";
  if (cJSON_IsNumber(v))
    return "a number";
  if (cJSON_IsBool(v))
    return "a boolean";
  if (cJSON_IsNull(v))
    return "null";
  if (cJSON_IsArray(v))
    return "an array";
  if (cJSON_IsObject(v))
    return "an object";
  return "an invalid value";
}

cJSON *qg_json_parse(qg_result *diags, const char *label, const char *buf, size_t len) {
  const char *text = buf;
  if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
    text += 3;
    len -= 3;
  }
  const char *end = NULL;
  cJSON *root = len ? cJSON_ParseWithLengthOpts(text, len, &end, 0) : NULL;
  size_t off = end && end >= text ? (size_t)(end - text) : 0;
  if (root) { /* nothing but white space may follow the value */
    while (off < len &&
           (text[off] == ' ' || text[off] == '\t' || text[off] == '\n' || text[off] == '\r'))
      off++;
    if (off == len)
      return root;
    cJSON_Delete(root);
  }
  if (off > len)
    off = len;
  uint32_t line = 1, col = 1;
  for (size_t i = 0; i < off; i++) {
    if (text[i] == '\n') {
      line++;
      col = 1;
    } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
      col++; /* columns count characters, not UTF-8 bytes */
    }
  }
  qg_location loc = {label, line, col, 0, 0};
  qg_result_diag(diags, QG_DIAG_ERROR, QG_EPARSE, &loc, "invalid JSON near line %u, column %u",
                 (unsigned)line, (unsigned)col);
  return NULL;
}

qg_status qg_signal_read(const char *path, unsigned char **buf, size_t *len, qg_result *diags) {
  return qg_signal_read_max(path, QG_SIGNAL_MAX_BYTES, buf, len, diags);
}

qg_status qg_signal_read_max(const char *path, size_t max, unsigned char **buf, size_t *len,
                             qg_result *diags) {
  int err_no = 0;
  qg_status st = qg_read_all(path, NULL, max, buf, len, &err_no);
  if (st == QG_OK)
    return QG_OK;
  qg_location loc = {path, 0, 0, 0, 0};
  if (st == QG_ETOOBIG)
    qg_result_diag(diags, QG_DIAG_ERROR, st, &loc, "file is larger than the %zu-byte cap", max);
  else if (st == QG_ENOENT)
    qg_result_diag(diags, QG_DIAG_ERROR, st, &loc, "no such file or directory");
  else
    qg_result_diag(diags, QG_DIAG_ERROR, st, &loc, "cannot read: %s",
                   qg_fs_strerror(err_no ? err_no : EIO));
  return st;
}
