/* registry.c: the const rule table, built from the .def files. */
#include "rules/rows.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

/* Include order is id order; the unit test checks the table is sorted. The
 * scanners' own columns (a check function, a scope, PSS versions, patterns)
 * are dropped here: each scanner builds its table from the same rows. */
#define QG_RULE(id_, name_, sev_, flags_, upstream_, title_, help_, rem_, example_, uri_,          \
                aliases_)                                                                          \
  {id_, #name_, QG_SEV_##sev_, flags_, upstream_, title_, help_, rem_, example_, uri_, aliases_},
#define QG_K8S(id_, name_, sev_, flags_, scope_, check_, title_, help_, rem_, example_, uri_,      \
               aliases_)                                                                           \
  QG_RULE(id_, name_, sev_, flags_, NULL, title_, help_, rem_, example_, uri_, aliases_)
#define QG_PSS(id_, name_, sev_, level_, since_, overrides_, check_, upstream_, title_, help_,     \
               rem_, example_, uri_, aliases_)                                                     \
  QG_RULE(id_, name_, sev_, level_, upstream_, title_, help_, rem_, example_, uri_, aliases_)
#define QG_SECRET(id_, name_, sev_, flags_, title_, help_, rem_, kw_, re_, group_, ent_, aliases_) \
  QG_RULE(id_, name_, sev_, QG_RULE_DEFAULT_ON | QG_RULE_SECRET, NULL, title_, help_, rem_, NULL,  \
          "https://github.com/qgate-dev/qgate/blob/main/docs/rules.md", aliases_)
const qg_rule qg_registry[QG_ROW_COUNT] = {
#include "rules/all.def"
};
#undef QG_SECRET
#undef QG_PSS
#undef QG_K8S
#undef QG_RULE

const qg_rule *qg_rules_all(size_t *count) {
  *count = QG_ARRAY_LEN(qg_registry);
  return qg_registry;
}

static int cmp_id(const void *key, const void *elem) {
  return strcmp((const char *)key, ((const qg_rule *)elem)->id);
}

const qg_rule *qg_rule_find(const char *id) {
  return bsearch(id, qg_registry, QG_ARRAY_LEN(qg_registry), sizeof(qg_registry[0]), cmp_id);
}

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
  memset(rs, 0, sizeof(*rs));
  for (size_t i = 0; i < QG_ARRAY_LEN(qg_registry); i++)
    qg_ruleset_add(rs, &qg_registry[i], (qg_registry[i].flags & QG_RULE_DEFAULT_ON) != 0);
}

void qg_ruleset_add(qg_ruleset *rs, const qg_rule *r, bool on) {
  if (rs->n == rs->cap) {
    size_t cap = rs->cap;
    qg_grow((void **)&rs->rules, &cap, rs->n + 1, sizeof(*rs->rules));
    cap = rs->cap;
    qg_grow((void **)&rs->on, &cap, rs->n + 1, sizeof(*rs->on));
    cap = rs->cap;
    qg_grow((void **)&rs->sev, &cap, rs->n + 1, sizeof(*rs->sev));
    cap = rs->cap;
    qg_grow((void **)&rs->parts_off, &cap, rs->n + 1, sizeof(*rs->parts_off));
    rs->cap = cap;
  }
  rs->rules[rs->n] = r;
  rs->on[rs->n] = on;
  rs->sev[rs->n] = r->severity;
  rs->parts_off[rs->n] = 0;
  rs->n++;
}

void qg_ruleset_cleanup(qg_ruleset *rs) {
  free(rs->rules);
  free(rs->on);
  free(rs->sev);
  free(rs->parts_off);
  memset(rs, 0, sizeof(*rs));
}

size_t qg_ruleset_index(const qg_ruleset *rs, const qg_rule *r) {
  if (r >= qg_registry && r < qg_registry + QG_ARRAY_LEN(qg_registry)) {
    size_t i = (size_t)(r - qg_registry);
    return i < rs->n && rs->rules[i] == r ? i : (size_t)-1;
  }
  for (size_t i = QG_ARRAY_LEN(qg_registry); i < rs->n; i++)
    if (rs->rules[i] == r)
      return i;
  return (size_t)-1;
}

const qg_rule *qg_ruleset_find(const qg_ruleset *rs, const char *id) {
  const qg_rule *r = qg_rule_find(id);
  if (r)
    return r;
  for (size_t i = QG_ARRAY_LEN(qg_registry); i < rs->n; i++)
    if (strcmp(rs->rules[i]->id, id) == 0)
      return rs->rules[i];
  return NULL;
}

bool qg_ruleset_has(const qg_ruleset *rs, const qg_rule *r) {
  size_t i = qg_ruleset_index(rs, r);
  return i != (size_t)-1 && rs->on[i];
}

qg_severity qg_ruleset_severity(const qg_ruleset *rs, const qg_rule *r) {
  size_t i = qg_ruleset_index(rs, r);
  return i != (size_t)-1 ? rs->sev[i] : r->severity;
}

void qg_ruleset_set_severity(qg_ruleset *rs, const qg_rule *r, qg_severity sev) {
  size_t i = qg_ruleset_index(rs, r);
  if (i != (size_t)-1)
    rs->sev[i] = sev;
}

bool qg_rule_named(const qg_rule *r, const char *name, size_t len) {
  const char *id = r->id;
  return (strlen(id) == len && strncmp(id, name, len) == 0) ||
         (strncmp(id, name, len) == 0 && id[len] == '/');
}

int qg_rule_former(const qg_rule *r, const char *name, size_t len) {
  static const char pre[] = "former:";
  int part = 0;
  for (const char *a = r->aliases; a && *a;) {
    a += strspn(a, " ");
    size_t n = strcspn(a, " ");
    if (n > sizeof(pre) - 1 && strncmp(a, pre, sizeof(pre) - 1) == 0) {
      if (n - (sizeof(pre) - 1) == len && strncmp(a + sizeof(pre) - 1, name, len) == 0)
        return part;
      part++;
    }
    a += n;
  }
  return -1;
}

bool qg_rule_named_or_former(const qg_rule *r, const char *name, size_t len) {
  return qg_rule_named(r, name, len) || qg_rule_former(r, name, len) >= 0;
}

bool qg_ruleset_part_on(const qg_ruleset *rs, const qg_rule *r, unsigned part) {
  size_t i = qg_ruleset_index(rs, r);
  return i != (size_t)-1 && rs->on[i] && (part >= 32 || !(rs->parts_off[i] & (1u << part)));
}

/* Marks every rule of rs that one name (a group or an id) names, and in
 * parts[] the part a former id names. Returns the number matched. */
static size_t match_name(const qg_ruleset *rs, const char *name, size_t len, bool *marks,
                         unsigned *parts, bool groups_default_only) {
  size_t hits = 0;
  for (size_t i = 0; i < rs->n; i++) {
    const qg_rule *r = rs->rules[i];
    int part = qg_rule_former(r, name, len);
    if (part >= 0 && part < 32) {
      parts[i] |= 1u << part;
      hits++;
      continue;
    }
    if (!qg_rule_named(r, name, len))
      continue;
    hits++;
    /* a group brings its default rules; an off-by-default rule is named by id */
    bool by_id = strlen(r->id) == len;
    if (by_id || !groups_default_only || (r->flags & QG_RULE_DEFAULT_ON))
      marks[i] = true;
  }
  return hits;
}

static qg_status mark_list(const qg_ruleset *rs, const char *list, bool *marks, unsigned *parts,
                           char **bad, bool groups_default_only) {
  const char *s = list;
  while (*s) {
    const char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    const char *b = s;
    size_t l = len;
    while (l && (*b == ' ' || *b == '\t')) {
      b++;
      l--;
    }
    while (l && (b[l - 1] == ' ' || b[l - 1] == '\t'))
      l--;
    if (l && !match_name(rs, b, l, marks, parts, groups_default_only)) {
      *bad = qg_xstrndup(b, l);
      return QG_EUSAGE;
    }
    s += len + (comma ? 1 : 0);
  }
  return QG_OK;
}

qg_status qg_ruleset_select(qg_ruleset *rs, const char *list, bool *first, char **bad) {
  *bad = NULL;
  bool *marks = qg_xcalloc(rs->n, sizeof(bool));
  unsigned *parts = qg_xcalloc(rs->n, sizeof(unsigned));
  qg_status st = mark_list(rs, list, marks, parts, bad, true);
  if (st == QG_OK) {
    for (size_t i = 0; i < rs->n; i++) {
      if (marks[i]) {
        rs->on[i] = true;
        rs->parts_off[i] = 0;
      } else if (parts[i]) { /* only former ids name it: only their parts */
        rs->parts_off[i] = *first || !rs->on[i] ? ~parts[i] : rs->parts_off[i] & ~parts[i];
        rs->on[i] = true;
      } else if (*first) {
        rs->on[i] = false;
      }
    }
    *first = false;
  }
  free(parts);
  free(marks);
  return st;
}

static qg_status set_list(qg_ruleset *rs, const char *list, bool on, char **bad) {
  *bad = NULL;
  bool *marks = qg_xcalloc(rs->n, sizeof(bool));
  unsigned *parts = qg_xcalloc(rs->n, sizeof(unsigned));
  /* ignoring a group switches all of it off; enabling a group, all of it on */
  qg_status st = mark_list(rs, list, marks, parts, bad, false);
  if (st == QG_OK)
    for (size_t i = 0; i < rs->n; i++) {
      if (marks[i]) {
        rs->on[i] = on;
        rs->parts_off[i] = 0;
      } else if (parts[i] && on) {
        rs->parts_off[i] = rs->on[i] ? rs->parts_off[i] & ~parts[i] : ~parts[i];
        rs->on[i] = true;
      } else if (parts[i]) {
        rs->parts_off[i] |= parts[i];
      }
    }
  free(parts);
  free(marks);
  return st;
}

qg_status qg_ruleset_ignore(qg_ruleset *rs, const char *list, char **bad) {
  return set_list(rs, list, false, bad);
}

qg_status qg_ruleset_enable(qg_ruleset *rs, const char *list, char **bad) {
  return set_list(rs, list, true, bad);
}
