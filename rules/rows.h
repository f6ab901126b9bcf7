/* rows.h: the registry's rows by name, for the scanners that bind their checks
 * to rules at compile time.
 *
 * QG_ROW_<SARIF name> is the index of that rule in qg_registry, so a scanner's
 * table built from a .def row points at its rule with
 * &qg_registry[QG_ROW_<name>]: no id is written twice and none is looked up
 * at run time. */
#ifndef QG_RULES_ROWS_H
#define QG_RULES_ROWS_H

#include "rules/rule.h"

typedef enum qg_rule_row {
#define QG_RULE(id_, name_, ...) QG_ROW_##name_,
#define QG_K8S(id_, name_, ...) QG_ROW_##name_,
#define QG_PSS(id_, name_, ...) QG_ROW_##name_,
#define QG_SECRET(id_, name_, ...) QG_ROW_##name_,
#include "rules/all.def"
#undef QG_SECRET
#undef QG_PSS
#undef QG_K8S
#undef QG_RULE
  QG_ROW_COUNT,
  QG_ROW_NONE = QG_ROW_COUNT /* no row (pss.def's "overrides NONE") */
} qg_rule_row;

/* The registry, sorted by id (the same array qg_rules_all returns); static. */
extern const qg_rule qg_registry[QG_ROW_COUNT];

#endif
