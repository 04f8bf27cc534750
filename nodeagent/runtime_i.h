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
	void (*free)(struct runtime *rt);
};

struct runtime {
	const struct runtime_ops *ops;
	char version[64]; /* "NAME://VERSION" */
	void *impl;	  /* the backend's state */
};

/* Duplicate s into *dst (NULL stays NULL). -ENOMEM. */
int runtime_strdup(const char *s, char **dst);

#endif
