/*
 * nodestatus.h — the Node object and the node Lease, as the kubelet
 * writes them.
 *
 * Node (core/v1/nodes/NAME):
 *   metadata.labels       kubernetes.io/hostname=NAME, kubernetes.io/os,
 *                         kubernetes.io/arch and their beta.* twins;
 *                         type=kwok on fake nodes
 *   metadata.annotations  node.alpha.kubernetes.io/ttl: "0",
 *                         volumes.kubernetes.io/controller-managed-
 *                         attach-detach: "true"
 *   spec.podCIDR(s)       when the node has a pod CIDR
 *   status                capacity = allocatable (cpu, memory, pods,
 *                         ephemeral-storage); conditions MemoryPressure,
 *                         DiskPressure, PIDPressure False and Ready True
 *                         with the kubelet's reasons and messages;
 *                         addresses InternalIP and Hostname;
 *                         daemonEndpoints (port 10250); nodeInfo
 *
 * Lease (coordination.k8s.io/v1/leases/kube-node-lease/NAME):
 *   spec.holderIdentity NAME, leaseDurationSeconds, renewTime (MicroTime),
 *   owned by the Node (ownerReferences) so it goes with it.
 *
 * Times are Kubernetes Time strings (RFC 3339, seconds, UTC) built from
 * the caller's clock. Everything here is pure; objects returned are new
 * references owned by the caller.
 */
#ifndef KUBEFS_NODEAGENT_NODESTATUS_H
#define KUBEFS_NODEAGENT_NODESTATUS_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#define NODESTATUS_KUBELET_VERSION "v1.31.0-kubefs"
#define NODESTATUS_KUBELET_PORT 10250
#define NODESTATUS_LEASE_NAMESPACE "kube-node-lease"

struct nodestatus_info {
	const char *name;	 /* required */
	const char *internal_ip; /* required */
	const char *pod_cidr;	 /* NULL or "": none */
	const char *cpu;	 /* capacity quantities, required */
	const char *memory;
	const char *pods;
	const char *ephemeral_storage;
	const char *arch;	     /* "amd64" */
	const char *runtime_version; /* "fake://0.1.0" */
	const char *kernel_version;  /* may be NULL: "" */
	const char *os_image;	     /* may be NULL: "" */
	const char *machine_id;	     /* may be NULL: "" */
	const char *system_uuid;     /* may be NULL: "" */
	const char *boot_id;	     /* may be NULL: "" */
	bool fake;		     /* adds type=kwok */
	unsigned port; /* daemonEndpoints; 0: NODESTATUS_KUBELET_PORT */
	/* measured on real nodes: the condition turns True */
	bool memory_pressure, disk_pressure, pid_pressure;
};

/*
 * The Node as registered: metadata, spec and status. -EINVAL if a
 * required field is missing, -ENOMEM.
 */
int nodestatus_node(const struct nodestatus_info *ni,
		    const struct timespec *now, json_t **ret);

/*
 * The node's status. old_status (the stored one, may be NULL) keeps the
 * lastTransitionTime of every condition whose status did not change;
 * lastHeartbeatTime is now. -EINVAL, -ENOMEM.
 */
int nodestatus_status(const struct nodestatus_info *ni,
		      const json_t *old_status, const struct timespec *now,
		      json_t **ret);

/*
 * What an existing Node needs so that it carries the kubelet's labels
 * and annotations, and the pod CIDR (only when it has none): a JSON
 * merge patch, or *ret = NULL when nothing is missing. -ENOMEM.
 */
int nodestatus_reconcile_patch(const struct nodestatus_info *ni,
			       const json_t *node, json_t **ret);

/*
 * The node's Lease: holder name, duration_s, renewTime now (MicroTime).
 * node_uid (may be NULL) makes the Node its owner. -EINVAL, -ENOMEM.
 */
int nodestatus_lease(const char *name, const char *node_uid,
		     unsigned duration_s, const struct timespec *now,
		     json_t **ret);

/* A UUID (8-4-4-4-12 hex) derived from seed; buf holds 37 bytes. */
void nodestatus_fake_uuid(const char *seed, char buf[37]);

#endif
