/*
 * toleration.h — does a pod's toleration tolerate a node's taint, as
 * Kubernetes' v1.Toleration.ToleratesTaint decides: the one definition
 * used by the scheduler's TaintToleration plugin and NodeUnschedulable
 * filter, and by the node lifecycle controller's taint-based eviction.
 *
 * A toleration tolerates a taint when its effect is empty or the taint's,
 * its key is empty or the taint's, and its operator is Exists, or Equal
 * (or empty) with the same value. An empty key with Exists tolerates
 * every taint (of its effect).
 *
 * Every function takes borrowed json_t values and is defensive: a value
 * of the wrong type (which validation should have rejected) never
 * matches and never crashes. Pure: safe from any thread.
 */
#ifndef KUBEFS_API_TOLERATION_H
#define KUBEFS_API_TOLERATION_H

#include <jansson.h>
#include <stdbool.h>

/* obj[field] as a string, "" when absent or not a string. */
const char *taint_field(const json_t *obj, const char *field);

bool toleration_tolerates(const json_t *toleration, const json_t *taint);

/* Any toleration in the array (NULL: none) tolerates taint. */
bool tolerations_tolerate(const json_t *tolerations, const json_t *taint);

/* The same for a taint given by its fields ("" when unset). */
bool toleration_tolerates_kv(const json_t *toleration, const char *key,
			     const char *value, const char *effect);
bool tolerations_tolerate_kv(const json_t *tolerations, const char *key,
			     const char *value, const char *effect);

#endif
