/* rule.h: the rule descriptor, what a finding points at (core/finding.h).
 * Only the struct and its flags live here, on the ground floor; the registry,
 * the rule sets and selection are rules/rule.h. */
#ifndef QG_CORE_RULE_H
#define QG_CORE_RULE_H

#include "core/qg.h"

enum {
  QG_RULE_DEFAULT_ON = 1u << 0, /* enabled unless deselected */
  QG_RULE_BASELINE = 1u << 1,   /* PSS baseline level */
  QG_RULE_RESTRICTED = 1u << 2, /* PSS restricted level */
  QG_RULE_SECRET = 1u << 3,     /* run by the secrets scanner */
  QG_RULE_ARCH = 1u << 4,       /* reported by the architecture review */
};

typedef struct qg_rule {
  const char *id;          /* "pss/privileged": group "/" slug; stable, never reused */
  const char *name;        /* PascalCase name for SARIF: "PssPrivileged" */
  qg_severity severity;    /* default severity */
  unsigned flags;          /* QG_RULE_* */
  const char *upstream;    /* upstream check id ("privileged") or NULL */
  const char *title;       /* one line, no trailing period */
  const char *help;        /* why it matters */
  const char *remediation; /* what to write instead; ends with '.' */
  const char *example;     /* a YAML snippet that passes, or NULL */
  const char *help_uri;    /* documentation URL */
  const char *aliases;     /* the same check elsewhere, space-separated:
                              "kube-linter:<check> polaris:<check>" (honoured by
                              their suppression annotations) and "qgate:<id>" (a
                              qgate rule reporting the same node). "@field" after
                              a name limits it to findings whose field ends in
                              .field. "" if none */
} qg_rule;

#endif
