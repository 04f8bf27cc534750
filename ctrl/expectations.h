/*
 * expectations.h — what a controller is waiting to see in its informer
 * before it trusts the cache again (controller.UIDTrackingControllerExpectations).
 *
 * Before creating N pods for a controller key, the controller expects N
 * creations; each pod add seen in the informer (or each create that
 * failed) lowers the count. Before deleting pods it expects the deletion
 * of those pod keys; each one seen deleted (or marked for deletion)
 * clears it. While anything is outstanding the key is not "satisfied" and
 * the controller does not create or delete again, so a slow informer
 * never makes it double-create. Expectations older than
 * EXPECTATIONS_TTL_S are considered satisfied (a lost event never wedges
 * a controller).
 *
 * Thread safety: every function may be called from any thread.
 */
#ifndef KUBEFS_CTRL_EXPECTATIONS_H
#define KUBEFS_CTRL_EXPECTATIONS_H

#include <jansson.h>
#include <stdbool.h>

#define EXPECTATIONS_TTL_S 300

struct expectations;

int expectations_new(struct expectations **ret);
void expectations_free(struct expectations *e);

/* Expect adds creations and the deletion of the pod keys in dels (an
 * array of strings, may be NULL), replacing what was expected. */
int expectations_set(struct expectations *e, const char *key, long adds,
		     const json_t *dels);
/* One creation seen (or given up): lower adds by n. */
void expectations_lower_adds(struct expectations *e, const char *key, long n);
/* The deletion of pod_key seen (or given up). */
void expectations_deletion_seen(struct expectations *e, const char *key,
				const char *pod_key);
bool expectations_satisfied(struct expectations *e, const char *key);
/* Forget key (its controller was deleted). */
void expectations_delete(struct expectations *e, const char *key);

#endif
