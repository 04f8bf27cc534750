/*
 * plugins_i.h — the plugin functions behind framework.c's plugin table.
 * Private to sched/; other code goes through sched_plugin_get().
 */
#ifndef KUBEFS_SCHED_PLUGINS_I_H
#define KUBEFS_SCHED_PLUGINS_I_H

#include "sched/framework.h"

/* kube-scheduler's reason strings. */
#define REASON_UNSCHEDULABLE "node(s) were unschedulable"
#define REASON_NODE_NAME "node(s) didn't match the requested node name"
#define REASON_NODE_AFFINITY "node(s) didn't match Pod's node affinity/selector"
#define REASON_NODE_PORTS                                                      \
	"node(s) didn't have free ports for the requested pod ports"
#define REASON_TOO_MANY_PODS "Too many pods"
#define REASON_INSUFFICIENT_CPU "Insufficient cpu"
#define REASON_INSUFFICIENT_MEMORY "Insufficient memory"
#define REASON_AFFINITY "node(s) didn't match pod affinity rules"
#define REASON_ANTI_AFFINITY "node(s) didn't match pod anti-affinity rules"
#define REASON_EXISTING_ANTI_AFFINITY                                          \
	"node(s) didn't match existing pods anti-affinity rules"

/* Record a failure: set st->code (the worse one wins) and add a reason
 * (truncated to SCHED_REASON_MAX; ignored beyond SCHED_MAX_REASONS). */
void sched_status_add(struct sched_status *st, enum sched_code code,
		      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* filters.c */
void sched_filter_node_unschedulable(const struct sched_cycle *c,
				     const struct sched_node *n,
				     struct sched_status *st);
void sched_filter_node_name(const struct sched_cycle *c,
			    const struct sched_node *n,
			    struct sched_status *st);
void sched_filter_taint_toleration(const struct sched_cycle *c,
				   const struct sched_node *n,
				   struct sched_status *st);
void sched_filter_node_affinity(const struct sched_cycle *c,
				const struct sched_node *n,
				struct sched_status *st);
void sched_filter_node_ports(const struct sched_cycle *c,
			     const struct sched_node *n,
			     struct sched_status *st);
void sched_filter_resources_fit(const struct sched_cycle *c,
				const struct sched_node *n,
				struct sched_status *st);

/* interpod.c (pre-filter is sched_cycle_init()) */
void sched_filter_inter_pod_affinity(const struct sched_cycle *c,
				     const struct sched_node *n,
				     struct sched_status *st);

/* scores.c */
int64_t sched_score_least_allocated(const struct sched_cycle *c,
				    const struct sched_node *n);
int64_t sched_score_balanced_allocation(const struct sched_cycle *c,
					const struct sched_node *n);
int64_t sched_score_node_affinity(const struct sched_cycle *c,
				  const struct sched_node *n);
void sched_normalize_node_affinity(const struct sched_cycle *c, int64_t *scores,
				   size_t n);
int64_t sched_score_taint_toleration(const struct sched_cycle *c,
				     const struct sched_node *n);
void sched_normalize_taint_toleration(const struct sched_cycle *c,
				      int64_t *scores, size_t n);
int64_t sched_score_selector_spread(const struct sched_cycle *c,
				    const struct sched_node *n);
void sched_normalize_selector_spread(const struct sched_cycle *c,
				     int64_t *scores, size_t n);

#endif
