/* policy.h: the scanners' settings from .qgate.yml (config/config.h reads the
 * file and fills one, qg_config.scan): what the walk leaves out (exclude,
 * gitignore syntax, relative to the configuration's directory), which objects
 * are exempt from which rules (exemptions), and the custom rules (a field
 * rule run by the Kubernetes scanner, scanners/k8s/custom.c, or a secret
 * rule run by the secrets scanner). All memory is owned by the policy:
 * qg_scan_policy_cleanup. */
#ifndef QG_SCAN_POLICY_H
#define QG_SCAN_POLICY_H

#include "core/cfgval.h"
#include "rules/rule.h"

#include <stdbool.h>

typedef struct qg_exemption {
  qg_cfglist namespaces, objects, rules;
  char *reason; /* owned, or NULL */
} qg_exemption;

typedef enum qg_cond {
  QG_COND_REQUIRED,
  QG_COND_FORBIDDEN,
  QG_COND_ONE_OF,
  QG_COND_NOT_ONE_OF
} qg_cond;

typedef struct qg_custom_rule {
  qg_rule rule;     /* its strings point into owned copies below */
  char *strings[6]; /* owned: id, name, title, help, remediation, aliases */
  qg_cfglist kinds; /* empty: every object */
  char *path;       /* owned, dotted */
  bool per_container;
  qg_cond cond;
  qg_cfglist values;
  /* a secret rule instead (regex set): */
  char *regex;    /* owned, or NULL */
  char *keywords; /* owned: '|'-joined, lower case; "" = every file */
  int group;
  double min_entropy;
} qg_custom_rule;

typedef struct qg_scan_policy {
  char *root;    /* owned: the directory excludes are relative to (absolute), or NULL:
                    nothing is excluded */
  char *cwd_rel; /* owned: the current directory relative to root ("" = the root itself),
                    or NULL when it lies outside root */
  qg_cfglist exclude;
  qg_exemption *exemptions; /* owned */
  size_t nexemptions;
  qg_custom_rule *custom; /* owned */
  size_t ncustom;
} qg_scan_policy;

/* Frees everything p holds and leaves it empty (zeroed is empty). */
void qg_scan_policy_cleanup(qg_scan_policy *p);

/* Is path excluded? path is as the scanner sees it (relative to the
 * current directory, or absolute). p may be NULL (nothing is). */
bool qg_scan_policy_excluded(const qg_scan_policy *p, const char *path, bool is_dir);
/* The same for rel, a path of a commit's tree (relative to the repository root, whose
 * real path is workdir): compared as text, nothing resolved in the work tree. */
bool qg_scan_policy_excluded_rel(const qg_scan_policy *p, const char *workdir, const char *rel,
                                 bool is_dir);

/* Is rule r exempt for the object kind/namespace/name? Returns the
 * exemption (borrowed) or NULL. p may be NULL (none is). */
const qg_exemption *qg_scan_policy_exempt(const qg_scan_policy *p, const qg_rule *r,
                                          const char *kind, const char *ns, const char *name);

#endif
