/*
 * svcpods.h — what the Endpoints and EndpointSlice controllers share:
 * the pods a Service selects and the ports each of them serves.
 */
#ifndef KUBEFS_CTRL_SVCPODS_H
#define KUBEFS_CTRL_SVCPODS_H

#include <jansson.h>
#include <stdbool.h>

#include "ctrl/ctrl.h"

/*
 * The pods of svc's namespace its spec.selector selects and that may be
 * endpoints: an IP, not terminal; terminating ones only when
 * terminating is true. Sorted by pod IP. NULL (and -ENOENT) for a
 * Service without a selector. pods is the context's pod informer
 * (ctrl_informer(): indexed by namespace). *ret: a new array of
 * read-only pods.
 */
int svc_pods(struct informer *pods, const json_t *svc, bool terminating,
	     json_t **ret);

/*
 * The ports of svc that pod serves, in the Service's order: [{name,
 * port, protocol}] with targetPort resolved (by number, or by the name of
 * one of the pod's container ports; a name the pod lacks drops that
 * port). New reference.
 */
json_t *svc_pod_ports(const json_t *svc, const json_t *pod);

/* Queue every Service of pod's namespace whose selector selects pod. */
void svc_enqueue_for_pod(struct informer *svcs, struct ctrl_loop *loop,
			 const json_t *pod);

/*
 * The event handlers both controllers use: a Service's change queues its
 * key; a pod's change queues the Services selecting it (before and after
 * a label change). ud of the handlers is w, which must outlive them.
 */
struct svc_watch {
	struct informer *pods, *svcs;
	struct ctrl_loop *loop;
};

int svc_watch_register(struct svc_watch *w);

/* Create, replace (when different after the kind's defaults) or keep
 * want, as obj kind k. cur: the cached object or NULL. */
int svc_write(struct ctrl_ctx *ctx, const struct kind_info *k,
	      const json_t *cur, json_t *want);

#endif
