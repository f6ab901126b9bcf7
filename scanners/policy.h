/* policy.h: the scanners' settings from .qgate.yml (config/config.h reads the
 * file and fills one, qg_config.scan): what the walk leaves out (exclude,
 * gitignore syntax, relative to the configuration's directory), which objects
 * are exempt from which rules (exemptions), and the custom rules (a field
 * rule run by the Kubernetes scanner, scanners/k8s/custom.c, or a secret
 * rule run by the secrets scanner), and the custom kinds whose pod template
 * the Kubernetes scanner checks (pod_templates). All memory is owned by the policy:
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

/* A custom resource kind that carries a pod: the Kubernetes scanner checks its
 * pod spec as a Deployment's. */
typedef struct qg_pod_template {
  char *group;   /* owned: the API group (always has a dot: a custom resource's) */
  char *version; /* owned: the version, or NULL: every version of the group */
  char *kind;    /* owned */
  char *spec;    /* owned: dotted path from the object to the pod spec */
  char *meta;    /* owned: dotted path to the pod metadata, or NULL: none */
} qg_pod_template;

#define QG_MAX_POD_TEMPLATES 64     /* entries in pod_templates */
#define QG_POD_TEMPLATE_MAX_PATH 64 /* characters in a declared path */

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
  qg_pod_template *pod_templates; /* owned */
  size_t npod_templates;
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

/* The declared pod template for an object of api_version ("group/version")
 * and kind, or NULL (borrowed). p may be NULL (none is declared). */
const qg_pod_template *qg_scan_policy_pod_template(const qg_scan_policy *p, const char *api_version,
                                                   const char *kind);

/* Is path a dotted path of mapping keys qgate can follow ("spec.template"):
 * 1 to QG_POD_TEMPLATE_MAX_PATH characters, keys of letters, digits, '_' and
 * '-', separated by single dots? */
bool qg_scan_policy_dotted_path(const char *path);

#endif
