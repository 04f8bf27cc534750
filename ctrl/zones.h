/*
 * zones.h — the node lifecycle controller's per-zone eviction rate
 * limiting (kube-controller-manager's handleDisruption, ComputeZoneState
 * and setLimiterInZone).
 *
 * A zone is the nodes sharing topology.kubernetes.io/region and
 * topology.kubernetes.io/zone labels (no labels: one zone ""). Its state
 * comes from its nodes' Ready conditions:
 *
 *   FullDisruption     no node Ready (and at least one node)
 *   PartialDisruption  more than 2 nodes not Ready, and at least
 *                      unhealthy_zone_threshold of them
 *   Normal             otherwise
 *
 * NoExecute taints are added per zone at a token-bucket rate (burst 1):
 * Normal and FullDisruption eviction_rate; PartialDisruption
 * secondary_eviction_rate when the zone has more than
 * large_cluster_size nodes, else none. While every zone is in
 * FullDisruption nothing is evicted anywhere (the controller's own view
 * is the likelier failure). A zone whose rate changes starts a new
 * bucket, full, as Kubernetes' SwapLimiter does.
 *
 * Not thread-safe: the caller locks.
 */
#ifndef KUBEFS_CTRL_ZONES_H
#define KUBEFS_CTRL_ZONES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/strmap.h"

enum zone_state {
	ZONE_NORMAL,
	ZONE_PARTIAL_DISRUPTION,
	ZONE_FULL_DISRUPTION,
};

struct zone_opts {
	double eviction_rate;		 /* --node-eviction-rate: 0.1 */
	double secondary_eviction_rate;	 /* --secondary-node-eviction-rate */
	double unhealthy_zone_threshold; /* --unhealthy-zone-threshold */
	long large_cluster_size;	 /* --large-cluster-size-threshold */
};

/* ComputeZoneState from the counts of Ready and not Ready nodes. */
enum zone_state zone_state_of(const struct zone_opts *o, size_t ready,
			      size_t not_ready);

/* The rate (NoExecute taints per second) of a zone of size nodes in
 * state; all_full: every zone is in FullDisruption (rate 0). */
double zone_rate(const struct zone_opts *o, enum zone_state state, size_t size,
		 bool all_full);

/* "Normal", "PartialDisruption", "FullDisruption" */
const char *zone_state_name(enum zone_state state);

/* The zone key of a node: its region and zone labels ("" without). The
 * result is malloc'd; NULL on ENOMEM. */
char *zone_key(const json_t *node);

/* The token buckets of the zones. */
struct zone_limiter {
	struct strmap buckets; /* zone key -> struct zone_bucket * */
};

void zone_limiter_init(struct zone_limiter *l);
void zone_limiter_release(struct zone_limiter *l);

/* Take one token from zone's bucket at rate (per second) at now_ms (a
 * monotonic clock). true: the zone may add a NoExecute taint now. */
bool zone_limiter_take(struct zone_limiter *l, const char *zone, double rate,
		       long long now_ms);

#endif
