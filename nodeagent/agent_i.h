/*
 * agent_i.h — the agent's insides, shared by agent.c (life cycle,
 * workers, the pods watch), agent_nodes.c (registration, leases, node
 * status) and agent_pods.c (pod sync).
 *
 * Locking: a->lock guards a->stopping, a->pods (the map and the
 * admission counters of the nodes), the nodes' `registered` flags and
 * the setting of their `rt`. A node's other fields are written only by
 * the node thread (and by agent_run() before any other thread starts);
 * `rt`, `internal_ip` and `pod_cidr` never change once `rt` is set, so
 * the workers read them without the lock after seeing `rt` under it
 * (agent_node_runtime()). An agent_pod is
 * used only by the worker holding its key (the workqueue hands a key to
 * one worker at a time); the map itself is under the lock.
 */
#ifndef KUBEFS_NODEAGENT_AGENT_I_H
#define KUBEFS_NODEAGENT_AGENT_I_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/clock.h"
#include "api/kinds.h"
#include "client/events.h"
#include "client/informer.h"
#include "client/workqueue.h"
#include "nodeagent/admission.h"
#include "nodeagent/host.h"
#include "nodeagent/agent.h"
#include "nodeagent/ipam.h"
#include "nodeagent/logserver.h"
#include "api/strmap.h"
#include "nodeagent/runtime.h"

#define AGENT_UID_MAX 64

struct agent_node {
	char name[NODEAGENT_NAME_MAX + 1];
	char uid[AGENT_UID_MAX];
	char internal_ip[IPV4_STRLEN];
	char pod_cidr[CIDR4_STRLEN];
	char machine_id[37], system_uuid[37], boot_id[37];
	struct runtime *rt; /* set when first registered */
	bool registered;    /* under a->lock */
	json_t *status;	    /* the status last posted (node thread) */
	uint64_t next_register_ms, next_lease_ms, next_status_ms;
	unsigned failures; /* consecutive registration or lease failures */
	struct host_pressure pressure; /* real nodes: last measured */
	uint64_t next_measure_ms;
	uint64_t next_gc_ms;		 /* real nodes: the next image GC */
	struct admission_resources used; /* under a->lock */
};

enum agent_pod_state {
	AGENT_POD_WAITING, /* admitted; its containers start at due_ms */
	AGENT_POD_RUNNING, /* started in the runtime */
};

struct agent_pod {
	char uid[AGENT_UID_MAX];
	struct agent_node *node;
	enum agent_pod_state state;
	uint64_t due_ms;
	struct admission_resources req; /* counted in node->used */
};

struct agent {
	struct client *c;
	struct nodeagent_config cfg;
	const struct kind_info *k_pod, *k_node;
	struct admission_resources allocatable;
	struct cidr4 cluster_cidr, node_ip_range;
	char kernel[128];
	char os_image[128];
	char self_exe[1024]; /* this binary: the runc runtime's shim */

	struct agent_node *nodes; /* sorted by name */
	size_t n_nodes;

	pthread_mutex_t lock;
	pthread_cond_t cond; /* stopping, for the node thread's sleeps */
	bool stopping;
	struct strmap pods; /* "ns/name" -> struct agent_pod */

	struct informer *inf;
	struct logserver *logs; /* real nodes: the log endpoint */
	struct workqueue *q;
	struct event_recorder *rec;
	pthread_t *workers;
	unsigned n_workers;

	void (*log)(void *ud, const char *fmt, va_list ap);
	void *log_ud;

	/* counters, updated with __atomic builtins */
	struct agent_stats st;
};

#define AGENT_COUNT(a, field)                                                  \
	__atomic_add_fetch(&(a)->st.field, 1, __ATOMIC_RELAXED)

/* Operator message through a->log. */
void agent_logf(struct agent *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

bool agent_stopping(struct agent *a);

/* The hosted node named name, or NULL. */
struct agent_node *agent_find_node(struct agent *a, const char *name);

/* The node's runtime, NULL until it first registered. */
struct runtime *agent_node_runtime(struct agent *a, struct agent_node *n);

/* agent_nodes.c */

/* Register every node once, in order (agent_run(), before the watch). */
void agent_register_all(struct agent *a);

/* The node thread: registration retries, leases, node status. */
void *agent_node_thread(void *arg);

/* agent_metrics.c */

/* Real nodes: PodMetrics and NodeMetrics every --metric-resolution. */
void *agent_metrics_thread(void *arg);

/* agent_pods.c */

/* Bring pod `key` to what the tree asks. 0, -EAGAIN (its node is not
 * registered yet: retry later), or an error to retry with back-off. */
int agent_sync_pod(struct agent *a, const char *key);

/* Count the Running pods the tree gives our nodes before any admission
 * (restart). pods: array of pods (the informer's list). */
void agent_adopt_pods(struct agent *a, const json_t *pods);

/* Node shutdown (--shutdown-grace-period): stop every pod, post it
 * Failed (reason Terminated), release it in the runtime. */
void agent_shutdown_pods(struct agent *a);

/* Release every pod record (agent_free()). */
void agent_forget_all_pods(struct agent *a);

#endif
