/*
 * runtime.h — the container runtime behind the node agent (what the CRI
 * is to the kubelet), reduced to what the agent needs: start a pod, stop
 * it, forget it, and say how it is doing.
 *
 * One struct runtime serves one node. Backends:
 *   runtime_fake.c   no containers: a started pod's containers are
 *                    running at once (kwok's model), addresses come from
 *                    the node's pod CIDR
 *   (runc)           later: OCI bundles, CNI, images
 *
 * Pods are named by metadata.uid. The life of a pod in a runtime:
 *
 *   runtime_start_pod()   sandbox and network set up, init containers
 *                         run to completion, then the containers start;
 *                         idempotent for a uid already started
 *   runtime_pod_status()  what runs, as CRI's PodSandboxStatus and
 *                         ContainerStatus report it
 *   runtime_stop_pod()    containers stopped (gracefully, within
 *                         grace_seconds); the status stays readable
 *   runtime_remove_pod()  everything released, the address included;
 *                         the uid is unknown afterwards
 *
 * Re-adoption: a runtime may find pods it started before the agent
 * restarted. The fake runtime keeps nothing across restarts, so it takes
 * what the tree remembers instead: runtime_start_pod() of a pod whose
 * status already carries a podIP (and container start times) in the
 * node's CIDR keeps them, so a restarted agent reports the same pod.
 *
 * Errors are 0 or a negative errno; err (may be NULL) gets a sentence as
 * the kubelet would put it in an Event (FailedCreatePodSandBox, ...).
 * Every function may be called from any thread.
 */
#ifndef KUBEFS_NODEAGENT_RUNTIME_H
#define KUBEFS_NODEAGENT_RUNTIME_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "api/error.h"
#include "nodeagent/imagegc.h"
#include "nodeagent/ipam.h"

#define RUNTIME_PODS_MAX 65536 /* pods one runtime holds */

struct runtime;

enum runtime_state {
	RUNTIME_CREATED = 1, /* not started yet (waiting) */
	RUNTIME_RUNNING,
	RUNTIME_EXITED,
	RUNTIME_UNKNOWN,
};

struct runtime_container_status {
	char *name;	    /* the spec's container name */
	char *image;	    /* as resolved: docker.io/library/nginx:latest */
	char *image_id;	    /* repo@sha256:... */
	char *container_id; /* "TYPE://ID" */
	enum runtime_state state;
	struct timespec started_at;  /* RUNNING, EXITED */
	struct timespec finished_at; /* EXITED */
	int exit_code;		     /* EXITED */
	char *reason;		     /* EXITED: "Completed", "Error"; or NULL */
	char *message; /* with reason or waiting_reason; or NULL */
	/* CREATED: why it waits ("CrashLoopBackOff", "ErrImagePull",
	 * "CreateContainerConfigError"); NULL: ContainerCreating */
	char *waiting_reason;
	unsigned restart_count;
	bool unready;	/* RUNNING but its readiness probe fails */
	bool unstarted; /* RUNNING but its startup probe has not passed */
	/* the previous run (lastState.terminated), when has_last */
	bool has_last;
	struct timespec last_started_at, last_finished_at;
	int last_exit_code;
	char *last_reason;
	char *last_container_id;
};

struct runtime_pod_status {
	char ip[IPV4_STRLEN];	 /* the pod's address, "" if none */
	bool sandbox_ready;	 /* false once stopped */
	struct timespec created; /* when the sandbox was set up */
	/* in spec order; all strings owned by the status */
	struct runtime_container_status *init_containers;
	size_t n_init;
	struct runtime_container_status *containers;
	size_t n_containers;
};

/* Release s and everything it holds. NULL is a no-op. */
void runtime_pod_status_free(struct runtime_pod_status *s);

/*
 * Does this init container's spec make it a sidecar (restartPolicy
 * Always: it starts in order, then keeps running beside the others)?
 */
bool runtime_is_sidecar(const json_t *ctr_spec);

struct runtime_fake_config {
	const char *pod_cidr; /* pods' addresses; required */
	const char *host_ip;  /* hostNetwork pods get it; required */
};

/*
 * A fake runtime for one node. -EINVAL for a bad CIDR (prefix outside
 * IPAM_POOL_PREFIX_MIN..MAX) or host IP, -ENOMEM. *ret owned by the
 * caller (runtime_free()).
 */
int runtime_fake_new(const struct runtime_fake_config *cfg,
		     struct runtime **ret);

/* runc: real containers. */
struct runtime_runc_config {
	const char *root_dir; /* state: images/, pods/, runc/, cni/; required */
	const char *log_dir;  /* container logs (NS_NAME_UID/C/N.log) */
	const char *pod_cidr; /* the pods' subnet on the bridge; required */
	const char *host_ip;  /* required */
	const char *runc;     /* the runc binary; NULL: "runc" in PATH */
	const char *cni_bin_dir; /* NULL: RUNTIME_CNI_BIN_DIR */
	const char *self_exe;	 /* kubefs-node itself (the shim); required */
	const char *seccomp_dir; /* Localhost seccomp profiles; may be NULL */
	const char *cluster_dns; /* pods' name server (ClusterFirst); NULL:
				  * the host's */
	int64_t pids_limit;	 /* per container; 0: the default */
	bool allow_host_path;
	/* ConfigMaps and Secrets for volumes and env (volume.h) */
	int (*get_object)(void *ud, const char *kind, const char *ns,
			  const char *name, json_t **ret);
	void *get_object_ud;
	/* the objects of a kind in a namespace (Services, for their env) */
	int (*list_objects)(void *ud, const char *kind, const char *ns,
			    json_t **ret);
	bool allow_privileged;
	/* Events for the pod (may be NULL): warning or normal, the
	 * kubelet's reason (Pulled, Created, Started, Killing, Failed,
	 * BackOff), the message. Called from the calling thread. */
	void (*event)(void *ud, const json_t *pod, bool warning,
		      const char *reason, const char *message);
	void *event_ud;
};

#define RUNTIME_CNI_BIN_DIR "/usr/lib/cni"

/*
 * A runc runtime for one node. Names it creates on the host (bridge,
 * CNI network, cgroup parent) derive from root_dir, so two nodes with
 * different root dirs never share one. It finds the pods it ran before
 * in root_dir/pods (re-adoption). -EINVAL with err for a bad
 * configuration, -errno when the root cannot be set up.
 */
int runtime_runc_new(const struct runtime_runc_config *cfg,
		     struct kf_error *err, struct runtime **ret);

/*
 * Drive pod's containers (runc): start what is due (the next init
 * container, the containers, restarts after their back-off), note what
 * exited. *ret_next_ms: when to call again (0: never; the fake runtime
 * needs no calls). -ENOENT for an unknown uid.
 */
int runtime_sync_pod(struct runtime *rt, const json_t *pod,
		     uint64_t *ret_next_ms);

/*
 * The uids of the pods the runtime holds: a JSON array (owned by the
 * caller). For the cleanup of pods deleted while the agent was down.
 */
int runtime_list_pods(struct runtime *rt, json_t **ret);

/* Release the runtime and every pod it holds. NULL is a no-op. */
void runtime_free(struct runtime *rt);

/*
 * "fake://0.1.0": the runtime's name and version, as nodeInfo's
 * containerRuntimeVersion shows it. Borrowed, valid until runtime_free().
 */
const char *runtime_version(const struct runtime *rt);

/*
 * Start pod (a Pod object, borrowed). 0 if it runs (or already did);
 * -EINVAL for a pod without metadata.uid or containers, -ENOSPC when no
 * address is left (err: the sandbox error), -EMFILE beyond
 * RUNTIME_PODS_MAX pods, -ENOMEM.
 */
int runtime_start_pod(struct runtime *rt, const json_t *pod,
		      struct kf_error *err);

/*
 * Stop the containers of pod uid, giving them grace_seconds. The pod's
 * status stays (containers EXITED). -ENOENT if the uid is unknown.
 */
int runtime_stop_pod(struct runtime *rt, const char *uid, long grace_seconds,
		     struct kf_error *err);

/* Forget pod uid and release its resources. -ENOENT if unknown. */
int runtime_remove_pod(struct runtime *rt, const char *uid);

/*
 * The status of pod uid. *ret is owned by the caller
 * (runtime_pod_status_free()). -ENOENT if unknown, -ENOMEM.
 */
int runtime_pod_status(struct runtime *rt, const char *uid,
		       struct runtime_pod_status **ret);

/* Number of pods the runtime holds. */
size_t runtime_pod_count(struct runtime *rt);

/*
 * Image GC (imagegc.h): when the images' file system is used at or above
 * p->high percent, remove the images no pod of the runtime uses, least
 * recently used first, down to p->low. 0 when nothing had to be done or
 * enough was freed; 1 when too little was eligible (msg: the kubelet's
 * FreeDiskSpaceFailed sentence); -errno when the usage cannot be
 * measured. A runtime without images (fake): 0.
 */
int runtime_gc_images(struct runtime *rt, const struct imagegc_policy *p,
		      char *msg, size_t size);

/*
 * The resource usage of pod uid's running containers, from their
 * cgroups (cgstats.h): *ret a new array of {name, id, cpu_ns (cumulative),
 * working_set}. -ENOENT for an unknown uid, -EBUSY when the pod is busy
 * (a start or a stop under way: ask later); -ENOTSUP for a runtime
 * without cgroups (fake).
 */
int runtime_pod_usage(struct runtime *rt, const char *uid, json_t **ret);

#endif
