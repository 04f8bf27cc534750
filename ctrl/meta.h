/*
 * meta.h — object helpers the controllers share: field access,
 * controller references (metav1.GetControllerOf), label selectors from a
 * metav1.LabelSelector, pod readiness (podutil.IsPodReady/Available),
 * and running a batch of calls on a few threads (the goroutines of
 * slowStartBatch).
 *
 * Every json_t argument is borrowed; every returned const pointer is
 * borrowed from it.
 */
#ifndef KUBEFS_CTRL_META_H
#define KUBEFS_CTRL_META_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "api/clock.h"
#include "api/owner.h"
#include "api/selector.h"

/* obj at a dotted path ("metadata.labels"), NULL when absent. */
json_t *cj_get(const json_t *obj, const char *path);
/* The string at path, NULL when absent or not a string. */
const char *cj_str(const json_t *obj, const char *path);
/* The integer at path, def when absent. */
long long cj_int(const json_t *obj, const char *path, long long def);

/* metadata.FIELD as a string, or "" */
const char *meta_s(const json_t *obj, const char *field);

/* A new controller ownerReference to owner (blockOwnerDeletion true). */
json_t *ctrl_new_controller_ref(const json_t *owner);

/* Is obj being deleted (metadata.deletionTimestamp set)? */
bool ctrl_deleting(const json_t *obj);

/*
 * A metav1.LabelSelector as a selector (LabelSelectorAsSelector): an
 * empty selector selects everything; *ret NULL and -ENOENT when ls is
 * null or absent (selects nothing). -EINVAL for a bad operator.
 */
int ctrl_label_selector(const json_t *ls, struct label_selector **ret);

/* Does the label selector ls select obj (by its metadata.labels)? */
bool ctrl_selects(const json_t *ls, const json_t *obj);

/* Pods. */
bool pod_active(const json_t *pod); /* not terminal, not being deleted */
bool pod_ready(const json_t *pod);
/*
 * Ready for at least min_ready seconds at now. When ready but not yet
 * long enough, *ret_wait (may be NULL) gets the seconds left.
 */
bool pod_available(const json_t *pod, long min_ready, time_t now,
		   long *ret_wait);

/*
 * Drop, in place, what no controller reads from a pod (an informer
 * transform): spec but nodeName, tolerations and the containers' names
 * and ports; status but phase, conditions, podIP and the containers'
 * names and restart counts; metadata.managedFields. What pods repeat
 * (labels, owner references, the slim spec, each condition...) is then
 * shared with the other pods (informer_share_fields()): read-only.
 */
void ctrl_slim_pod(json_t *pod);

/* A Kubernetes Time as seconds since the epoch, 0 if absent or bad. */
time_t ctrl_time(const char *s);
/* Now as a Kubernetes Time, in buf of RFC3339_MAX bytes. */
void ctrl_now(char buf[RFC3339_MAX]);

/* Is the condition of that type present with status "True"? */
json_t *ctrl_condition(const json_t *obj, const char *type);

/*
 * Run fn(ud, i) for i in [0, n) on up to threads threads; returns how
 * many calls returned 0. Calls after the first failure still run (the
 * caller decides about batches).
 */
size_t ctrl_parallel(size_t n, unsigned threads, int (*fn)(void *ud, size_t i),
		     void *ud);

#endif
