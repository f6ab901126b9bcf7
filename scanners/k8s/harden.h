/* harden.h: internal interface between the hardening check files
 * (scanners/k8s/harden.c, scanners/k8s/rbac.c). */
#ifndef QG_K8S_HARDEN_H
#define QG_K8S_HARDEN_H

#include "scanners/k8s/k8s.h"

/* The RBAC checks on Role, ClusterRole, RoleBinding and ClusterRoleBinding
 * (rbac.authorization.k8s.io); does nothing for other objects. */
void qg_k8s_rbac(const qg_pod_ref *ref);

/* The rule `id` when it exists and the rule set of ref has it on, else NULL. */
const qg_rule *qg_k8s_rule_on(const qg_pod_ref *ref, const char *id);

#endif
