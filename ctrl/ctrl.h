/*
 * ctrl.h — what every controller of kubefs-ctrl shares (the
 * ControllerContext of kube-controller-manager).
 *
 * A controller is a reconcile loop: shared informers (one per kind, all
 * namespaces, created on first use and shared by every controller that
 * asks) feed keys into the controller's rate-limited work queue; worker
 * threads take a key, read the current state from the informers' caches
 * and make the tree agree with it. The loop is level-triggered: a sync
 * looks at the whole current state, never at the event that queued the
 * key, so a restart that rebuilds the caches from the tree loses nothing.
 *
 * Life cycle, driven by ctrl/main.c:
 *   1. ctrl_ctx_init()
 *   2. every enabled controller's new() (ctrl/registry.c): it asks for
 *      the informers it needs (ctrl_informer()), registers its handlers
 *      and makes its ctrl_loop;
 *   3. ctrl_ctx_start_informers(), ctrl_ctx_wait_synced();
 *   4. while leading: ctrl_loop_start() on every loop; on leaving,
 *      ctrl_loop_shutdown() then ctrl_loop_join();
 *   5. the controllers' free(), ctrl_ctx_release().
 *
 * Errors are negative errnos. The controllers do not print: they report
 * through ctx->log (the daemon's logger, klog_vlog) and Events.
 */
#ifndef KUBEFS_CTRL_CTRL_H
#define KUBEFS_CTRL_CTRL_H

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/error.h"
#include "api/kinds.h"
#include "client/client.h"
#include "client/events.h"
#include "client/informer.h"
#include "client/workqueue.h"

#define CTRL_INFORMERS_MAX 32
/* the indexes of the shared pod informer (informer_list_index()) */
#define CTRL_INDEX_NAMESPACE "namespace"
#define CTRL_INDEX_NODE "node"
#define CTRL_WORKERS_MAX 16
/* A key that keeps failing is dropped after this many requeues (client-go
 * controllers' maxRetries); its next change queues it again. */
#define CTRL_MAX_RETRIES 15

/* Tunables, with kube-controller-manager's defaults (ctrl_opts_init()). */
struct ctrl_opts {
	unsigned workers;		   /* --concurrent-*-syncs: 5 */
	unsigned burst_replicas;	   /* pods created per sync: 500 */
	unsigned node_monitor_grace_ms;	   /* --node-monitor-grace-period */
	unsigned node_monitor_period_ms;   /* --node-monitor-period */
	double node_eviction_rate;	   /* --node-eviction-rate, nodes/s */
	double secondary_eviction_rate;	   /* --secondary-node-eviction-rate */
	double unhealthy_zone_threshold;   /* --unhealthy-zone-threshold */
	long large_cluster_size_threshold; /* --large-cluster-size-threshold */
	long terminated_pod_gc_threshold;
	unsigned gc_period_ms; /* garbage collector's full scan */
};

void ctrl_opts_init(struct ctrl_opts *o);

struct ctrl_ctx {
	struct client *c;	    /* borrowed */
	struct event_recorder *rec; /* borrowed, may be NULL */
	struct ctrl_opts opts;
	void (*log)(void *ud, const char *fmt, va_list ap); /* may be NULL */
	void *log_ud;
	pthread_mutex_t lock;
	struct informer *inf[CTRL_INFORMERS_MAX];
	const struct kind_info *inf_kind[CTRL_INFORMERS_MAX];
	size_t ninf;
};

void ctrl_ctx_init(struct ctrl_ctx *ctx, struct client *c,
		   struct event_recorder *rec, const struct ctrl_opts *o);

/* Stop and free every informer. */
void ctrl_ctx_release(struct ctrl_ctx *ctx);

/*
 * The shared informer of (path group, version, resource), all namespaces,
 * created on first call. Borrowed: valid until ctrl_ctx_release(). Only
 * before ctrl_ctx_start_informers(). -ENOENT for a kind not served,
 * -ENOSPC beyond CTRL_INFORMERS_MAX.
 */
int ctrl_informer(struct ctrl_ctx *ctx, const char *group, const char *version,
		  const char *resource, struct informer **ret);

int ctrl_ctx_start_informers(struct ctrl_ctx *ctx);

/* Wait until every informer has synced: 0, -ETIMEDOUT, -ECANCELED. */
int ctrl_ctx_wait_synced(struct ctrl_ctx *ctx, int timeout_ms);

void ctrl_logf(struct ctrl_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- the reconcile loop ---- */

/*
 * sync(ud, key) reconciles one key: 0 on success (the key's back-off is
 * reset), a negative errno to retry it with back-off.
 */
struct ctrl_loop {
	const char *name; /* "replicaset", for logs */
	struct ctrl_ctx *ctx;
	struct workqueue *q;
	int (*sync)(void *ud, const char *key);
	void *ud;
	unsigned workers;
	unsigned started;
	pthread_t tid[CTRL_WORKERS_MAX];
};

int ctrl_loop_init(struct ctrl_loop *l, struct ctrl_ctx *ctx, const char *name,
		   int (*sync)(void *ud, const char *key), void *ud);
void ctrl_loop_release(struct ctrl_loop *l);

/* Queue obj's key ("ns/name"). */
void ctrl_loop_enqueue(struct ctrl_loop *l, const json_t *obj);
/* Queue a key now, or after delay_ms. */
void ctrl_loop_add(struct ctrl_loop *l, const char *key, uint64_t delay_ms);

int ctrl_loop_start(struct ctrl_loop *l);
/* Let the workers finish their current key and return. */
void ctrl_loop_shutdown(struct ctrl_loop *l);
void ctrl_loop_join(struct ctrl_loop *l);

/*
 * The key ("ns/name") of the kind-kind owner that obj's controller
 * reference names, if owners (the owners' informer) holds it with that
 * uid; else NULL. Owned by the caller.
 */
char *ctrl_owner_key(struct informer *owners, const char *kind,
		     const json_t *obj);

/* Queue every object of owners in obj's namespace whose spec.selector
 * selects obj (an orphan changed: one of them may adopt it). */
void ctrl_enqueue_selecting(struct informer *owners, struct ctrl_loop *l,
			    const json_t *obj);

/* ---- a controller, as the registry knows it ---- */

struct controller {
	const char *name;
	struct ctrl_loop *loops[4]; /* started and stopped by the manager */
	size_t nloops;
	void *state;
	void (*free)(void *state);
};

/*
 * The end of a setup: r < 0 frees state (free_fn) and returns r; else c
 * takes state, free_fn and loop, and 0 is returned.
 */
int controller_fill(struct controller *c, int r, void *state,
		    void (*free_fn)(void *state), struct ctrl_loop *loop);

struct controller_desc {
	const char *name; /* as in --controllers */
	bool default_on;
	/* Set up: ask for informers, register handlers, fill c. */
	int (*setup)(struct ctrl_ctx *ctx, struct controller *c);
};

/* The registry, ended by a {NULL} row. */
extern const struct controller_desc ctrl_controllers[];

/*
 * Is controller name on for the --controllers value spec ("*" all the
 * default ones, "foo" on, "-foo" off; comma-separated; NULL: "*")?
 */
bool ctrl_enabled(const char *spec, const struct controller_desc *d);

/* Check spec names only known controllers: -EINVAL with err. */
int ctrl_check_spec(const char *spec, struct kf_error *err);

/* Controllers' setup functions (one file each). */
int replicaset_setup(struct ctrl_ctx *ctx, struct controller *c);
int deployment_setup(struct ctrl_ctx *ctx, struct controller *c);
int gc_setup(struct ctrl_ctx *ctx, struct controller *c);
int serviceaccount_setup(struct ctrl_ctx *ctx, struct controller *c);
int nodelifecycle_setup(struct ctrl_ctx *ctx, struct controller *c);
int podgc_setup(struct ctrl_ctx *ctx, struct controller *c);
int endpoints_setup(struct ctrl_ctx *ctx, struct controller *c);
int endpointslice_setup(struct ctrl_ctx *ctx, struct controller *c);
int namespace_setup(struct ctrl_ctx *ctx, struct controller *c);
int quota_setup(struct ctrl_ctx *ctx, struct controller *c);

#endif
