/* registry.c: the const rule table, built from the .def files. */
#include "rules/rule.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

#define QG_RULE(id_, name_, sev_, flags_, upstream_, title_, help_, rem_, example_, uri_, \
                aliases_)                                                               \
  {id_, name_, QG_SEV_##sev_, flags_, upstream_, title_, help_, rem_, example_, uri_, aliases_},

/* Include order is id order; the unit test checks the table is sorted. */
static const qg_rule k_rules[] = {
#include "rules/k8s.def"
#include "rules/pss.def"
};
#undef QG_RULE

const qg_rule *qg_rules_all(size_t *count) {
  *count = QG_ARRAY_LEN(k_rules);
  return k_rules;
}

static int cmp_id(const void *key, const void *elem) {
  return strcmp((const char *)key, ((const qg_rule *)elem)->id);
}

const qg_rule *qg_rule_find(const char *id) {
  return bsearch(id, k_rules, QG_ARRAY_LEN(k_rules), sizeof(k_rules[0]), cmp_id);
}

size_t qg_rule_index(const qg_rule *r) { return (size_t)(r - k_rules); }

const char *qg_rule_group(const qg_rule *r, char *buf, size_t bufsize) {
  const char *slash = strchr(r->id, '/');
  size_t n = slash ? (size_t)(slash - r->id) : strlen(r->id);
  if (n >= bufsize)
    n = bufsize - 1;
  memcpy(buf, r->id, n);
  buf[n] = '\0';
  return buf;
}

void qg_ruleset_init(qg_ruleset *rs) {
  rs->n = QG_ARRAY_LEN(k_rules);
  rs->on = qg_xcalloc(rs->n, sizeof(bool));
  rs->sev = qg_xcalloc(rs->n, sizeof(qg_severity));
  for (size_t i = 0; i < rs->n; i++) {
    rs->on[i] = (k_rules[i].flags & QG_RULE_DEFAULT_ON) != 0;
    rs->sev[i] = k_rules[i].severity;
  }
}

void qg_ruleset_cleanup(qg_ruleset *rs) {
  free(rs->on);
  free(rs->sev);
  rs->on = NULL;
  rs->sev = NULL;
  rs->n = 0;
}

bool qg_ruleset_has(const qg_ruleset *rs, const qg_rule *r) {
  size_t i = qg_rule_index(r);
  return i < rs->n && rs->on[i];
}

qg_severity qg_ruleset_severity(const qg_ruleset *rs, const qg_rule *r) {
  size_t i = qg_rule_index(r);
  return i < rs->n && rs->sev ? rs->sev[i] : r->severity;
}

/* Calls fn for every rule matching one name (a group or an id). Returns the
 * number matched. */
static size_t match_name(const char *name, size_t len, bool *marks) {
  size_t hits = 0;
  for (size_t i = 0; i < QG_ARRAY_LEN(k_rules); i++) {
    const char *id = k_rules[i].id;
    int is_id = strlen(id) == len && strncmp(id, name, len) == 0;
    int is_group = strncmp(id, name, len) == 0 && id[len] == '/';
    if (is_id || is_group) {
      marks[i] = true;
      hits++;
    }
  }
  return hits;
}

static qg_status mark_list(const char *list, bool *marks, char *bad, size_t badsize) {
  const char *s = list;
  while (*s) {
    const char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    /* trim spaces */
    const char *b = s;
    size_t l = len;
    while (l && (*b == ' ' || *b == '\t')) {
      b++;
      l--;
    }
    while (l && (b[l - 1] == ' ' || b[l - 1] == '\t'))
      l--;
    if (l && !match_name(b, l, marks)) {
      size_t c = l < badsize - 1 ? l : badsize - 1;
      memcpy(bad, b, c);
      bad[c] = '\0';
      return QG_EUSAGE;
    }
    s += len + (comma ? 1 : 0);
  }
  return QG_OK;
}

qg_status qg_ruleset_select(qg_ruleset *rs, const char *list, bool *first, char *bad,
                            size_t badsize) {
  bool *marks = qg_xcalloc(rs->n, sizeof(bool));
  qg_status st = mark_list(list, marks, bad, badsize);
  if (st == QG_OK) {
    for (size_t i = 0; i < rs->n; i++) {
      if (*first)
        rs->on[i] = marks[i];
      else if (marks[i])
        rs->on[i] = true;
    }
    *first = false;
  }
  free(marks);
  return st;
}

qg_status qg_ruleset_ignore(qg_ruleset *rs, const char *list, char *bad, size_t badsize) {
  bool *marks = qg_xcalloc(rs->n, sizeof(bool));
  qg_status st = mark_list(list, marks, bad, badsize);
  if (st == QG_OK)
    for (size_t i = 0; i < rs->n; i++)
      if (marks[i])
        rs->on[i] = false;
  free(marks);
  return st;
}
