/*
 * runtime_i.h — what a runtime backend implements (private to
 * nodeagent/runtime*.c).
 *
 * runtime.c checks arguments and dispatches to the backend's ops; a
 * backend only sees valid pointers and a non-empty uid.
 */
#ifndef KUBEFS_NODEAGENT_RUNTIME_I_H
#define KUBEFS_NODEAGENT_RUNTIME_I_H

#include "nodeagent/runtime.h"

struct runtime_ops {
	int (*start_pod)(struct runtime *rt, const json_t *pod,
			 struct kf_error *err);
	int (*stop_pod)(struct runtime *rt, const char *uid, long grace,
			struct kf_error *err);
	int (*remove_pod)(struct runtime *rt, const char *uid);
	int (*pod_status)(struct runtime *rt, const char *uid,
			  struct runtime_pod_status **ret);
	size_t (*pod_count)(struct runtime *rt);
	/* optional */
	int (*sync_pod)(struct runtime *rt, const json_t *pod,
			uint64_t *ret_next_ms);
	int (*list_pods)(struct runtime *rt, json_t **ret);
	int (*gc_images)(struct runtime *rt, const struct imagegc_policy *p,
			 char *msg, size_t size);
	int (*pod_usage)(struct runtime *rt, const char *uid, json_t **ret);
	void (*free)(struct runtime *rt);
};

struct runtime {
	const struct runtime_ops *ops;
	char version[64]; /* "NAME://VERSION" */
	void *impl;	  /* the backend's state */
};

/*
 * A new, zeroed pod status with room for n_init and n_containers
 * container statuses (the arrays are never NULL), its counts set. NULL
 * on -ENOMEM. Free with runtime_pod_status_free().
 */
struct runtime_pod_status *runtime_pod_status_alloc(size_t n_init,
						    size_t n_containers);

/* Free what c holds (not c itself). */
void runtime_container_status_release(struct runtime_container_status *c);

/* Deep copy of src into dst; on -ENOMEM dst holds what was copied
 * (release it). */
int runtime_container_status_copy(const struct runtime_container_status *src,
				  struct runtime_container_status *dst);

/* Duplicate s into *dst (NULL stays NULL). -ENOMEM. */
int runtime_strdup(const char *s, char **dst);

#endif
