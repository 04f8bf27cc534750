/*
 * pods.h — what the ReplicaSet controller does to pods, apart from
 * deciding how many: claim them (adopt orphans that match, release owned
 * ones that no longer match: ControllerRefManager.ClaimPods), create
 * them from a template (PodControl.CreatePods), and rank them for
 * deletion (controller.ActivePodsWithRanks).
 */
#ifndef KUBEFS_CTRL_PODS_H
#define KUBEFS_CTRL_PODS_H

#include <jansson.h>

#include "api/selector.h"
#include "ctrl/ctrl.h"

/*
 * The objects of kind k in owner's namespace among all (an array,
 * borrowed) that owner controls after claiming: owned ones still
 * matching sel, plus orphans matching sel, adopted by a patch of their
 * ownerReferences (only when adopt is true: the owner is not being
 * deleted). Owned ones that no longer match are released. *ret: a new
 * array of the claimed objects (the cached ones; adopted ones as they
 * were before the patch). Used for pods and for ReplicaSets.
 */
int ctrl_claim(struct ctrl_ctx *ctx, const struct kind_info *k,
	       const json_t *owner, const struct label_selector *sel,
	       const json_t *all, bool adopt, json_t **ret);

/* A pod for owner from template (generateName OWNER-). New reference. */
json_t *pods_from_template(const json_t *owner, const json_t *tmpl);

/*
 * Sort pods (an array) in the order to delete them: unscheduled before
 * scheduled, Pending before Unknown before Running, not ready before
 * ready, more pods of the same owner on the node first, ready for less
 * time first, more restarts first, newer first.
 */
void pods_rank_for_deletion(json_t *pods);

/* Does the object's metadata.labels hold every label of tmpl's? */
bool labels_superset(const json_t *obj, const json_t *tmpl);

#endif
