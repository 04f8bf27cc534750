/*
 * agent.h — kubefs-node's engine: the kubelet's loops for one or many
 * nodes, talking to the cluster only through the mount (client/).
 *
 * For every node it hosts the agent:
 *   - registers the Node (core/v1/nodes/NAME): creates it with its
 *     status, or, when it exists (a restart), adds the labels and
 *     annotations the kubelet sets and posts a fresh status; its pod CIDR
 *     and InternalIP are the configured ones, else the Node's own, else
 *     the lowest free "slot" s: block s of --cluster-cidr and host s + 2
 *     of --node-ip-range, free meaning no listed Node uses either;
 *   - renews its Lease (kube-node-lease/NAME) every quarter of the lease
 *     duration, and posts the node status every status report period;
 *     a Node deleted under it is registered again;
 *   - runs the pods bound to it, through its runtime (runtime.h): a pod
 *     is admitted if its requests fit (else it is rejected as the kubelet
 *     rejects it: phase Failed, reason OutOf<resource>), started after
 *     the start delay, and its status posted through NAME@status;
 *   - finishes the deletion of its pods: once deletionTimestamp is set
 *     the containers are stopped, the terminal status (Succeeded or
 *     Failed) is posted, then the pod is deleted with `rm`, which the
 *     API server carries out at once for a pod in a terminal phase.
 *
 * One watch serves every node of the process: pods with spec.nodeName
 * set (spec.nodeName=NAME with a single node), dispatched by node name.
 * All leases are renewed by one thread, many per write: a List of Leases
 * applied through the root drop box.
 *
 * Restart: nothing is kept outside the tree. A restarted agent finds its
 * Nodes (same pod CIDR and address), and re-adopts its Running pods with
 * their addresses and start times before it admits new ones.
 *
 * Messages for the operator go to the log callback; the library never
 * prints.
 */
#ifndef KUBEFS_NODEAGENT_AGENT_H
#define KUBEFS_NODEAGENT_AGENT_H

#include <stdarg.h>
#include <stdint.h>

#include "client/client.h"
#include "nodeagent/config.h"

#define AGENT_COMPONENT "kubelet"
#define AGENT_LEASE_BATCH 128 /* Leases per drop-box write */

struct agent;

struct agent_stats {
	uint64_t nodes_registered; /* registrations (re-registrations too) */
	uint64_t register_errors;
	uint64_t lease_renewals; /* Leases written */
	uint64_t lease_errors;
	uint64_t lease_writes; /* drop-box writes carrying them */
	uint64_t node_status_updates;
	uint64_t pods_started;
	uint64_t pods_rejected;
	uint64_t pods_deleted; /* deletions finished */
	uint64_t pod_status_writes;
	uint64_t sync_errors;
	size_t pods; /* pods the agent runs now */
};

/*
 * An agent for the nodes cfg describes (fake nodes only: -ENOTSUP
 * otherwise). c is borrowed and must outlive the agent; cfg is copied,
 * but the strings it points to are borrowed (argv) and must outlive it
 * too. log (may be NULL) gets operator messages, from any thread.
 * -EINVAL for an unusable configuration, -ENOMEM.
 */
int agent_new(struct client *c, const struct nodeagent_config *cfg,
	      void (*log)(void *ud, const char *fmt, va_list ap), void *log_ud,
	      struct agent **ret);

/*
 * Register the nodes, start the pods watch, the workers and the lease
 * thread, and serve until agent_stop(); then stop everything and
 * return 0. A node whose registration fails is retried with back-off;
 * the agent serves the others meanwhile. -errno if a thread cannot be
 * started.
 */
int agent_run(struct agent *a);

/* Make agent_run() return. Any thread (not a signal handler);
 * idempotent; may come before agent_run(). */
void agent_stop(struct agent *a);

/* Counters, for logs and tests. */
void agent_get_stats(struct agent *a, struct agent_stats *ret);

/* Release. Must not race agent_run(). NULL is a no-op. */
void agent_free(struct agent *a);

#endif
