/* metrics.c: the JSON metrics file (build time, image size, memory; see
 * signals.h). Every problem in a file is reported; *m changes only when the
 * whole file is valid. */
#include "core/fs.h"
#include "core/mem.h"
#include "scoring/jsonin.h"
#include "scoring/signals.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const struct {
  const char *key;
  size_t has, value; /* offsets in qg_metrics */
} k_keys[] = {
    {"build_seconds", offsetof(qg_metrics, has_build), offsetof(qg_metrics, build_seconds)},
    {"image_bytes", offsetof(qg_metrics, has_image), offsetof(qg_metrics, image_bytes)},
    {"base_image_bytes", offsetof(qg_metrics, has_base_image),
     offsetof(qg_metrics, base_image_bytes)},
    {"memory_bytes", offsetof(qg_metrics, has_memory), offsetof(qg_metrics, memory_bytes)},
    {"base_memory_bytes", offsetof(qg_metrics, has_base_memory),
     offsetof(qg_metrics, base_memory_bytes)},
};
#define KNOWN_KEYS "build_seconds, image_bytes, base_image_bytes, memory_bytes, base_memory_bytes"

static void err(qg_result *diags, const char *label, size_t *errors, const char *fmt, ...)
    QG_PRINTF(4, 5);
static void err(qg_result *diags, const char *label, size_t *errors, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = qg_xvasprintf(fmt, ap);
  va_end(ap);
  qg_location loc = {label, 0, 0, 0, 0};
  qg_result_diag(diags, QG_DIAG_ERROR, QG_EPARSE, &loc, "%s", msg);
  free(msg);
  (*errors)++;
}

qg_status qg_metrics_parse(const char *label, const char *buf, size_t len, qg_metrics *m,
                           qg_result *diags) {
  cJSON *root = qg_json_parse(diags, label, buf, len);
  if (!root)
    return QG_EPARSE;
  size_t errors = 0;
  qg_metrics tmp = *m;
  bool seen[QG_ARRAY_LEN(k_keys)] = {false};
  if (!cJSON_IsObject(root)) {
    err(diags, label, &errors, "expected a JSON object at the top level, got %s",
        qg_json_type_name(root));
  } else {
    for (const cJSON *it = root->child; it; it = it->next) {
      const char *key = it->string ? it->string : "";
      size_t k = 0;
      while (k < QG_ARRAY_LEN(k_keys) && strcmp(k_keys[k].key, key) != 0)
        k++;
      if (k == QG_ARRAY_LEN(k_keys)) {
        char *q = qg_json_quoted(key);
        err(diags, label, &errors, "unknown key %s (known: " KNOWN_KEYS ")", q);
        free(q);
        continue;
      }
      if (seen[k]) {
        err(diags, label, &errors, "duplicate key \"%s\"", key);
        continue;
      }
      seen[k] = true;
      if (!cJSON_IsNumber(it)) {
        err(diags, label, &errors, "%s: expected a non-negative number, got %s", key,
            qg_json_type_name(it));
        continue;
      }
      double d = it->valuedouble;
      if (!isfinite(d)) {
        err(diags, label, &errors, "%s: expected a non-negative number, got one out of range", key);
        continue;
      }
      if (d < 0) {
        err(diags, label, &errors, "%s: expected a non-negative number, got %g", key, d);
        continue;
      }
      *(bool *)((char *)&tmp + k_keys[k].has) = true;
      *(double *)((char *)&tmp + k_keys[k].value) = d;
    }
  }
  cJSON_Delete(root);
  if (errors)
    return QG_EPARSE;
  *m = tmp;
  return QG_OK;
}

qg_status qg_metrics_read(const char *path, qg_metrics *m, qg_result *diags) {
  unsigned char *buf = NULL;
  size_t len = 0;
  qg_status st = qg_signal_read(path, &buf, &len, diags);
  if (st == QG_OK)
    st = qg_metrics_parse(path, (const char *)buf, len, m, diags);
  free(buf);
  return st;
}
