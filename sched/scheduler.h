/*
 * scheduler.h — kubefs-sched's engine: informers on pods and nodes feed
 * the cache and the scheduling queue; one scheduling thread takes pods
 * off the queue, runs the framework and assumes the decision; binder
 * threads write the binding (NAME@binding) and report back.
 *
 * For each pod whose spec.nodeName is empty and whose spec.schedulerName
 * is the configured name (or empty, which means "default-scheduler"):
 *   - fits a node: assumed in the cache, bound through NAME@binding, and
 *     an Event "Scheduled" (Normal) "Successfully assigned NS/NAME to
 *     NODE" is recorded; a failed binding forgets the assumption and
 *     sends the pod to back-off;
 *   - fits none: the condition PodScheduled=False, reason Unschedulable,
 *     with kube-scheduler's message is merged into its status through
 *     NAME@status, an Event "FailedScheduling" (Warning) is recorded, and
 *     the pod waits in the queue for a cluster event;
 *   - cannot be read (a malformed field): reported the same way with the
 *     field's message, and left alone until it changes.
 * Pods for other schedulers are left alone. Everything goes through the
 * mount (client/), nothing else.
 *
 * Messages for the operator go to cfg->log; the library never prints.
 */
#ifndef KUBEFS_SCHED_SCHEDULER_H
#define KUBEFS_SCHED_SCHEDULER_H

#include <stdarg.h>
#include <stdint.h>

#include "client/client.h"
#include "sched/framework.h"

#define SCHEDULER_COMPONENT "default-scheduler"
#define SCHEDULER_BINDERS_DEFAULT 16
#define SCHEDULER_BINDERS_MAX 256

struct scheduler_config {
	/* weights, sampling and the scheduler name; copied */
	struct sched_profile profile;
	unsigned binders; /* binding threads; 0: SCHEDULER_BINDERS_DEFAULT */
	/* operator log; may be NULL. Called from any thread. */
	void (*log)(void *ud, const char *fmt, va_list ap);
	void *log_ud;
};

struct scheduler_stats {
	uint64_t attempts;	/* scheduling cycles run */
	uint64_t scheduled;	/* bindings written */
	uint64_t unschedulable; /* cycles that found no node */
	uint64_t bind_errors;	/* bindings the server refused */
	uint64_t invalid;	/* pods that could not be read */
	size_t active, backoff, unschedulable_pods, in_flight;
	size_t nodes, cached_pods, assumed_pods;
};

struct scheduler;

/*
 * A scheduler on client c (borrowed, must outlive it). Creates the
 * informers (not started) and the event recorder. *ret owned by the
 * caller (scheduler_free()).
 */
int scheduler_new(struct client *c, const struct scheduler_config *cfg,
		  struct scheduler **ret);

/* Start the informers (nodes, then pods). 0 or the error of
 * informer_start(). */
int scheduler_start_informers(struct scheduler *s);

/*
 * Wait until both informers have synced (the cache and queue hold the
 * tree's state), at most timeout_ms (-1: forever). 0, -ETIMEDOUT, or
 * -ECANCELED when an informer was stopped.
 */
int scheduler_wait_synced(struct scheduler *s, int timeout_ms);

/*
 * Run the scheduling loop and the binders until scheduler_stop(). The
 * informers must have been started. Returns 0, or -errno when a thread
 * could not be started.
 */
int scheduler_run(struct scheduler *s);

/* Make scheduler_run() return (binders finish their current write).
 * Thread-safe, idempotent; may be called before scheduler_run(). */
void scheduler_stop(struct scheduler *s);

/* A consistent snapshot of the counters. */
void scheduler_get_stats(struct scheduler *s, struct scheduler_stats *ret);

/* Stop everything and release. NULL is a no-op. */
void scheduler_free(struct scheduler *s);

#endif
