/* rule.h: rule descriptors, one const registry, and rule selection.
 *
 * Rules are data: each row of rules/<group>.def describes one rule; the check
 * that implements it lives in scanners/ (the row names it: see rules/k8s.def).
 * The table is sorted by id (a unit test enforces it) and searched with
 * bsearch. */
#ifndef QG_RULE_H
#define QG_RULE_H

#include "core/rule.h" /* qg_rule, the descriptor, and its QG_RULE_* flags */

#include <stdbool.h>

/* The registry; borrowed, static. */
const qg_rule *qg_rules_all(size_t *count);
/* Looks up an id exactly; NULL when unknown. */
const qg_rule *qg_rule_find(const char *id);
/* The group of r ("pss"), written into buf; returns buf. */
const char *qg_rule_group(const qg_rule *r, char *buf, size_t bufsize);

/* Which rules run: the registry plus any custom rules from configuration. */
typedef struct qg_ruleset {
  const qg_rule **rules; /* owned array of borrowed rules: registry first, then custom */
  bool *on;              /* owned; one flag per rule */
  qg_severity *sev;      /* owned; the severity each rule reports at */
  unsigned *parts_off;   /* owned; per rule, bit n set: part n (the rule's n-th
                            "former:<id>" alias) is switched off */
  size_t n, cap;
} qg_ruleset;

/* Starts from the registry with each rule's DEFAULT_ON flag. Caller cleans up. */
void qg_ruleset_init(qg_ruleset *rs);
void qg_ruleset_cleanup(qg_ruleset *rs);
/* Adds a rule that is not in the registry (r is borrowed: it must outlive
 * rs and every finding that points at it). */
void qg_ruleset_add(qg_ruleset *rs, const qg_rule *r, bool on);
/* Index of r in rs, or (size_t)-1 when rs does not hold it. */
size_t qg_ruleset_index(const qg_ruleset *rs, const qg_rule *r);
/* The rule of rs with this id, or NULL. */
const qg_rule *qg_ruleset_find(const qg_ruleset *rs, const char *id);
bool qg_ruleset_has(const qg_ruleset *rs, const qg_rule *r);
/* The severity r reports at: its default unless configuration changed it. */
qg_severity qg_ruleset_severity(const qg_ruleset *rs, const qg_rule *r);
/* Changes the severity r reports at (configuration). */
void qg_ruleset_set_severity(qg_ruleset *rs, const qg_rule *r, qg_severity sev);

/* Does name (a group or an id) name rule r? */
bool qg_rule_named(const qg_rule *r, const char *name, size_t len);
/* Is name one of r's former ids (a "former:<id>" alias: an id r replaced)?
 * Returns its part number (0 for the first), or -1. */
int qg_rule_former(const qg_rule *r, const char *name, size_t len);
/* qg_rule_named, or one of r's former ids. */
bool qg_rule_named_or_former(const qg_rule *r, const char *name, size_t len);
/* Is part `part` of rule r on (r on, and the part not switched off)? */
bool qg_ruleset_part_on(const qg_ruleset *rs, const qg_rule *r, unsigned part);

/* Applies a comma-separated list of groups or ids. select: only the named
 * rules stay on (the first call narrows; later calls widen), where a group
 * brings its on-by-default rules and an id its rule; ignore: the named rules
 * go off; enable: the named rules (whole groups) go on. A former id of a
 * rule names its part: ignore switches off that part only, select and enable
 * switch the rule on (select, when the rule is not named otherwise, with only
 * the named parts). On an unknown name
 * returns QG_EUSAGE, changes nothing and sets *bad to a copy of the offending
 * name (the caller frees it; its length is the list's, so cap it when you
 * print it); else sets *bad to NULL. */
qg_status qg_ruleset_select(qg_ruleset *rs, const char *list, bool *first, char **bad);
qg_status qg_ruleset_ignore(qg_ruleset *rs, const char *list, char **bad);
qg_status qg_ruleset_enable(qg_ruleset *rs, const char *list, char **bad);

#endif
