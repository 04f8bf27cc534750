/*
 * rbac_bootstrap.h — the RBAC objects a cluster starts with, and their
 * reconciliation (Kubernetes' bootstrappolicy and its reconciler).
 *
 * The objects are Kubernetes' default ClusterRoles (cluster-admin,
 * admin, edit, view with their aggregate-to-* pieces, system:discovery,
 * system:public-info-viewer, system:basic-user, system:node,
 * system:kube-scheduler, system:kube-controller-manager,
 * system:node-proxier, system:monitoring, the system:controller:* roles
 * of kubefs-ctrl's controllers) and their ClusterRoleBindings, kubefs's
 * own kubefs:node-endpoint (ClusterRole) and kubefs:dns (Role and
 * RoleBinding in kube-system), with Kubernetes'
 * rules for the kinds kubefs serves (rules naming kinds kubefs lacks are
 * kept where Kubernetes has them, so a later kind is covered). Each
 * carries the label kubernetes.io/bootstrapping=rbac-defaults and the
 * annotation rbac.authorization.kubernetes.io/autoupdate=true.
 */
#ifndef KUBEFS_API_RBAC_BOOTSTRAP_H
#define KUBEFS_API_RBAC_BOOTSTRAP_H

#include <jansson.h>

/*
 * The bootstrap objects, a new JSON array (owned by the caller), roles
 * before bindings. 0 or -ENOMEM.
 */
int rbac_bootstrap_objects(json_t **ret);

/*
 * Reconcile the stored object have with its bootstrap version want (same
 * kind and name), as kube-apiserver does at each start:
 *   - autoupdate "false" on have: left alone (0);
 *   - a ClusterRole gains the rules of want it does not cover, and the
 *     clusterRoleSelectors it lacks;
 *   - a (Cluster)RoleBinding gains the subjects it lacks; one whose
 *     roleRef differs must be recreated (2: delete have, create want);
 *   - both gain want's labels and annotations they lack.
 * Returns 0 (nothing to do), 1 with *ret the updated object (a new
 * reference, owned), 2, or -ENOMEM. Nothing is removed.
 */
int rbac_bootstrap_reconcile(const json_t *want, const json_t *have,
			     json_t **ret);

#endif
