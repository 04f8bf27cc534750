/*
 * runc_i.h — the runc backend's insides, shared by runtime_runc.c (pods:
 * sandbox, sync, stop, remove, re-adoption) and runc_container.c (one
 * container: bundle, rootfs, shim, exit, kill).
 *
 * Host objects, all named from the root dir's hash H (8 hex digits), so
 * that nodes with different root dirs never share one:
 *   bridge kfbH, CNI network kubefs-H, cgroups under /kubefs-H/kubepods
 *   ROOT/pods/UID/             the pod: netns (bind mount), hosts,
 *                              hostname, resolv.conf, pod.json
 *   ROOT/pods/UID/c/ID/        a container's bundle: config.json,
 *                              rootfs (overlay), upper, work, pid, exit
 *   ROOT/runc/                 runc's state (--root)
 *   ROOT/cni/                  host-local's allocations
 *   LOGS/NS_NAME_UID/C/N.log   logs, N the restart count
 *
 * Locking: rc->lock guards the pods map; a pod's fields are used by one
 * agent worker at a time (the work queue hands a pod to one worker), and
 * pod->lock guards them against runtime_pod_status() from elsewhere.
 */
#ifndef KUBEFS_NODEAGENT_RUNC_I_H
#define KUBEFS_NODEAGENT_RUNC_I_H

#include <pthread.h>

#include "api/clock.h"
#include "nodeagent/imagestore.h"
#include "api/strmap.h"
#include "nodeagent/probe.h"
#include "nodeagent/runtime_i.h"
#include "nodeagent/sandbox.h"
#include "nodeagent/volume.h"

#define RUNC_BACKOFF_INITIAL_S 10
#define RUNC_BACKOFF_MAX_S 300
#define RUNC_KILL_WAIT_MS 10000 /* after SIGKILL, before giving up */
#define RUNC_HOOK_TIMEOUT_S 60	/* a postStart handler's longest run */

struct runc {
	char root[2048];
	char log_dir[2048];
	char runc_root[2100];
	char cni_dir[2100];
	char runc_bin[1024];
	char self_exe[1024];
	char seccomp_dir[1024];
	char cgroup_parent[64]; /* "/kubefs-H/kubepods" */
	char host_ip[IPV4_STRLEN];
	char cluster_dns[IPV4_STRLEN]; /* "" : the host's name servers */
	char net_name[32], bridge[16], subnet[CIDR4_STRLEN];
	char cni_bin[1024];
	struct cni_net net;
	int64_t pids_limit;
	bool allow_privileged;
	struct volume_ctx vol;
	void (*event)(void *ud, const json_t *pod, bool warning,
		      const char *reason, const char *message);
	void *event_ud;
	struct imagestore *images;
	pthread_mutex_t lock;
	struct strmap pods; /* uid -> struct runc_pod */
	json_t *image_used; /* image GC: name -> last seen in use (ms) */
};

struct runc_ctr {
	struct runtime_container_status st; /* what pod_status reports */
	json_t *spec;			    /* the container's spec */
	bool init, sidecar;
	char id[128]; /* the runc container of this attempt, "" none */
	char bundle[2600];
	uint64_t retry_ms; /* CREATED: not before (monotonic ms) */
	unsigned backoff_s;
	bool pull_failed;
	bool restart_pending; /* exited; the next start is a restart */
	/* this run's probes */
	struct probe_state startup, liveness, readiness;
};

struct runc_pod {
	pthread_mutex_t lock;
	char uid[64], ns[254], name[254];
	char dir[2200];
	char netns[2300];
	char cgroup[2200]; /* cgroupsPath of the pod: PARENT/QOS/podUID */
	char ip[IPV4_STRLEN];
	bool host_network;
	bool net_up;
	bool stopped;
	struct timespec created;
	json_t *port_mappings;
	json_t *ref;	/* {apiVersion, kind, metadata} for Events, or NULL */
	json_t *images; /* the images it uses (names); under rc->lock once
			 * the pod is in rc->pods */
	struct runc_ctr *init;
	size_t n_init;
	struct runc_ctr *ctrs;
	size_t n_ctrs;
};

static inline struct runc *runc_of(struct runtime *rt)
{
	return rt->impl;
}

/* runc_pod.c */

const char *runc_pod_str(const json_t *pod, const char *obj, const char *key);
void runc_ctr_release(struct runc_ctr *c);
void runc_pod_free(struct runc_pod *p);
/* /etc/hosts, /etc/hostname, /etc/resolv.conf (by the pod's dnsPolicy
 * and dnsConfig) in p->dir. */
int runc_pod_write_files(const struct runc *rc, const struct runc_pod *p,
			 const json_t *pod);
/* p->cgroup from the pod's QoS class. */
void runc_pod_cgroup(const struct runc *rc, const json_t *pod,
		     struct runc_pod *p);
/* The pod cgroup's memory limit: the sum of the containers' limits. */
void runc_pod_memory_limit(const json_t *pod, const struct runc_pod *p);
/* rmdir the pod's cgroup and its empty parents in every hierarchy. */
void runc_pod_remove_cgroups(const struct runc *rc, const struct runc_pod *p);
/* Write p->dir/pod.json. */
void runc_pod_save(const struct runc_pod *p);
/* Containers for specs (CREATED). -ENOMEM. */
int runc_pod_init_ctrs(const json_t *specs, bool init, struct runc_ctr **ret,
		       size_t *ret_n);
struct runc_ctr *runc_pod_find_ctr(struct runc_pod *p, const char *name,
				   bool init);
/* A pod from its pod.json; specs come with runc_pod_attach_specs(). */
int runc_pod_from_record(struct runc *rc, const json_t *rec,
			 struct runc_pod **ret);
void runc_pod_attach_specs(struct runc_pod *p, const json_t *pod);
/* Every ROOT/pods/UID/pod.json into rc->pods. */
void runc_load_pods(struct runc *rc);
/* A new array of the images p's containers use (their specs' images,
 * normalised, and the images they ran). */
json_t *runc_pod_images(const struct runc_pod *p);

/* runc_container.c */

/*
 * Start attempt c->st.restart_count of c: image, rootfs, bundle, shim,
 * then its postStart handler (runc_ctr_post_start()).
 * On failure c records why (waiting reason, or terminated StartError)
 * and an Event is emitted; the return value is only for the log.
 */
int runc_ctr_start(struct runc *rc, struct runc_pod *p, const json_t *pod,
		   struct runc_ctr *c);

/* Has c's container exited? If so, record it (EXITED, reason, times),
 * delete it from runc and unmount its rootfs. True when it changed. */
bool runc_ctr_reap(struct runc *rc, struct runc_pod *p, struct runc_ctr *c);

/* The run's probes start over (a container just started or adopted). */
void runc_ctr_probes_init(struct runc_ctr *c);

/* Run c's due probes: startup, then liveness (failure: the container is
 * killed, to be restarted), readiness (c->st.unready). */
void runc_ctr_probe(struct runc *rc, struct runc_pod *p, const json_t *pod,
		    struct runc_ctr *c);

/* Send sig to c's container (runc kill). */
void runc_ctr_kill(struct runc *rc, struct runc_ctr *c, const char *sig);

/* runtime_runc.c */

/* The pod of uid (NULL: none); it stays until runtime_remove_pod(). */
struct runc_pod *runc_get_pod(struct runc *rc, const char *uid);

/* runc_usage.c */

/* The runtime's pod_usage operation (runtime_pod_usage()). */
int runc_pod_usage(struct runtime *rt, const char *uid, json_t **ret);

/* runc_gc.c */

/* The runtime's gc_images operation (runtime_gc_images()). */
int runc_gc_images(struct runtime *rt, const struct imagegc_policy *p,
		   char *msg, size_t size);

/* runc_hook.c */

/* Run c's preStop exec hook, for at most grace_s seconds. */
void runc_ctr_prestop(struct runc *rc, struct runc_ctr *c, long grace_s);

/*
 * Run the postStart handler of c (just started) and wait for it, at most
 * RUNC_HOOK_TIMEOUT_S. 0 when it passed or c has none. A failure is the
 * kubelet's: Events FailedPostStartHook and Killing, the container
 * killed and reaped (EXITED, 137, the handler's words in st.message);
 * -ECANCELED.
 */
int runc_ctr_post_start(struct runc *rc, struct runc_pod *p, const json_t *pod,
			struct runc_ctr *c);

/* Forget c's runc container and rootfs whatever state it is in. */
void runc_ctr_destroy(struct runc *rc, struct runc_ctr *c);

/* The container's log path for attempt n (buf of 4096). */
void runc_ctr_log_path(const struct runc *rc, const struct runc_pod *p,
		       const struct runc_ctr *c, unsigned n, char *buf);

void runc_event(struct runc *rc, const json_t *pod, bool warning,
		const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
