/*
 * cache.h — the scheduler's view of nodes and the pods placed on them
 * (kube-scheduler's internal cache), with assumed pods.
 *
 * Pods enter the cache two ways:
 *   - from the watch, once bound (spec.nodeName set): sched_cache_set_pod;
 *   - assumed by the scheduler the moment it decides, before the binding
 *     is written: sched_cache_assume. The node's requested resources
 *     count the pod at once, so the next decision sees them. When the
 *     bound pod arrives from the watch the assumption is confirmed
 *     (replaced by the real object, on whatever node it names); when the
 *     binding fails, sched_cache_forget undoes it.
 * Terminal pods (Succeeded, Failed) hold nothing and are dropped.
 *
 * A node deleted while pods are still bound to it stays as a ghost (no
 * object) until they go, and is never offered for scheduling. Nodes are
 * keyed by name, pods by "NAMESPACE/NAME".
 *
 * No lock: the caller serialises every call.
 */
#ifndef KUBEFS_SCHED_CACHE_H
#define KUBEFS_SCHED_CACHE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/error.h"
#include "sched/framework.h"

struct sched_cache;

int sched_cache_new(struct sched_cache **ret_cache);

/* Free the cache, its nodes and its pod references. NULL is a no-op. */
void sched_cache_free(struct sched_cache *c);

/*
 * Add or update a node from its object (borrowed; a reference is kept).
 * Returns 0, -EINVAL with err filled when the object is malformed (the
 * node is then withdrawn from scheduling until a good version comes),
 * or -ENOMEM.
 */
int sched_cache_set_node(struct sched_cache *c, const json_t *node,
			 struct kf_error *err);

/* The node was deleted. -ENOENT if unknown. */
int sched_cache_remove_node(struct sched_cache *c, const char *name);

/*
 * A bound pod as the watch shows it (pod->node_name set; a reference is
 * taken): add it, move it, or confirm its assumption. A terminal pod is
 * removed instead. Returns 0, -EINVAL for an unbound pod, or -ENOMEM.
 */
int sched_cache_set_pod(struct sched_cache *c, struct sched_pod *pod);

/* The pod was deleted (or unbound). -ENOENT if not cached. */
int sched_cache_remove_pod(struct sched_cache *c, const char *key);

/*
 * Assume pod (unbound; a reference is taken) runs on node. -EEXIST if the
 * pod is already cached, -ENOENT if the node is unknown, -ENOMEM.
 */
int sched_cache_assume(struct sched_cache *c, struct sched_pod *pod,
		       const char *node);

/*
 * Undo an assumption (the binding failed). -ENOENT when the pod is not
 * cached; -EINVAL when it is cached but no longer assumed (the watch
 * already confirmed it), in which case nothing changes.
 */
int sched_cache_forget(struct sched_cache *c, const char *key);

/* True when key is cached as an assumption not yet confirmed. */
bool sched_cache_is_assumed(const struct sched_cache *c, const char *key);

/* The node key's pod is on (borrowed name), or NULL when not cached. */
const char *sched_cache_pod_node(const struct sched_cache *c, const char *key);

/*
 * The nodes that can be scheduled to (ghosts left out), in a stable
 * order that only node additions and removals change. Borrowed: valid
 * until the next call that modifies the cache.
 */
struct sched_node *const *sched_cache_nodes(const struct sched_cache *c,
					    size_t *ret_n);

/* A node by name (ghosts included), or NULL. Borrowed, as above. */
const struct sched_node *sched_cache_node(const struct sched_cache *c,
					  const char *name);

/* Pods cached, and how many of them are assumptions. */
size_t sched_cache_pod_count(const struct sched_cache *c);
size_t sched_cache_assumed_count(const struct sched_cache *c);

#endif
