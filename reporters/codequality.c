/* codequality.c: the GitLab Code Quality report (a Code Climate issue list).
 *
 * GitLab's merge-request widget compares the head report with the base
 * report by fingerprint, so a fingerprint must be unique within a report and
 * must not change when unrelated lines move. Only new, active findings are
 * listed: the widget shows what the change introduces. */
#include "reporters/reporter.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* GitLab's severities: info, minor, major, critical, blocker. */
static const char *gitlab_severity(qg_severity s) {
  switch (s) {
  case QG_SEV_CRITICAL:
    return "blocker";
  case QG_SEV_HIGH:
    return "critical";
  case QG_SEV_MEDIUM:
    return "major";
  case QG_SEV_LOW:
    return "minor";
  default:
    return "info";
  }
}

/* qg_finding_fingerprint is line-independent but not unique: two findings
 * of one rule on the same field (two documents of a file that describe
 * the same object, say) share it. The occurrence index among the findings of the result that share it,
 * counted over all findings (suppressed and in-base ones too, so that
 * suppressing one does not renumber the others), tells them apart. */
typedef struct fp_slot {
  char fp[17];
  size_t index;
} fp_slot;

static int cmp_slot(const void *a, const void *b) {
  const fp_slot *x = a, *y = b;
  int c = strcmp(x->fp, y->fp);
  return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* The fingerprint of every finding, in result order; caller frees. Each is
 * the finding's own fingerprint, so it can be matched with the JSON and
 * SARIF reports, followed by 16 hex digits of a hash of it and the
 * occurrence index. */
static char (*codequality_fingerprints(const qg_result *r))[33] {
  size_t n = r->findings.n;
  char(*out)[33] = qg_xcalloc(n ? n : 1, sizeof(*out));
  fp_slot *slots = qg_xcalloc(n ? n : 1, sizeof(*slots));
  for (size_t i = 0; i < n; i++) {
    qg_finding_fingerprint(&r->findings.items[i], slots[i].fp);
    slots[i].index = i;
  }
  /* sorted by fingerprint, then by position: runs of equal fingerprints in
   * result order, so the occurrence index is the position in the run */
  qsort(slots, n, sizeof(*slots), cmp_slot);
  static const char hex[] = "0123456789abcdef";
  unsigned occurrence = 0;
  for (size_t k = 0; k < n; k++) {
    occurrence = k && strcmp(slots[k].fp, slots[k - 1].fp) == 0 ? occurrence + 1 : 0;
    char key[48];
    int len = snprintf(key, sizeof(key), "qgate/codequality:%s:%u", slots[k].fp, occurrence);
    uint64_t h = qg_hash64(key, (size_t)len, QG_HASH_SEED);
    char *o = out[slots[k].index];
    memcpy(o, slots[k].fp, 16);
    for (int d = 31; d >= 16; d--) {
      o[d] = hex[h & 15];
      h >>= 4;
    }
    o[32] = '\0';
  }
  free(slots);
  return out;
}

qg_status qg_report_codequality(FILE *out, const qg_report *rep) {
  const qg_result *r = rep->result;
  cJSON *root = cJSON_CreateArray();
  char(*fps)[33] = codequality_fingerprints(r);
  for (size_t i = 0; i < r->findings.n; i++) {
    const qg_finding *f = &r->findings.items[i];
    /* findings already in the base stay: GitLab compares this report with the
     * target branch's itself, and would call them fixed if they were missing */
    if (f->suppressed_by)
      continue;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "issue"); /* required by the Code Climate spec */
    cJSON_AddStringToObject(o, "check_name", f->rule->id);
    cJSON_AddStringToObject(o, "description", f->message);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "categories"), cJSON_CreateString("Security"));
    cJSON_AddStringToObject(o, "fingerprint", fps[i]);
    cJSON_AddStringToObject(o, "severity", gitlab_severity(f->severity));
    cJSON *loc = cJSON_AddObjectToObject(o, "location");
    cJSON_AddStringToObject(loc, "path", f->loc.path ? f->loc.path : "");
    /* begin must be a line number: a whole-file finding points at line 1 */
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(loc, "lines"), "begin",
                            f->loc.line ? f->loc.line : 1);
    cJSON_AddItemToArray(root, o);
  }
  free(fps);
  return qg_report_write_json(out, root, 1);
}
