/*
 * queue.h — the scheduling queue (kube-scheduler's PriorityQueue).
 *
 * Three places a pending pod can wait, plus "in flight":
 *
 *   active         ready to be tried: highest spec.priority first, then
 *                  first come first served (PrioritySort)
 *   back-off       failed recently; returns to active when its back-off
 *                  ends: 1 s after the first attempt, doubling per attempt
 *                  up to 10 s
 *   unschedulable  fits no node; waits for a cluster event that may help
 *                  (node added or changed, pod deleted, ...), checked
 *                  against the plugins that rejected it, or for 5 minutes
 *   in flight      popped and being scheduled; it is handed back with
 *                  sched_queue_done() (scheduled) or one of the requeue
 *                  calls. An event that may help it, seen while it was in
 *                  flight, sends it to back-off instead of unschedulable,
 *                  so the event is not lost (moveRequestCycle).
 *
 * Pods are keyed "NAMESPACE/NAME"; a key is in at most one place. Adding
 * a key that is queued updates it in place; a real change (anything but
 * status and bookkeeping metadata) of an unschedulable pod moves it on.
 *
 * The queue has no clock and no lock: every call takes the current time
 * in milliseconds (any monotonic origin) and the caller serialises calls.
 */
#ifndef KUBEFS_SCHED_QUEUE_H
#define KUBEFS_SCHED_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched/framework.h"

#define SCHED_QUEUE_INITIAL_BACKOFF_MS 1000
#define SCHED_QUEUE_MAX_BACKOFF_MS 10000
#define SCHED_QUEUE_MAX_UNSCHEDULABLE_MS (5 * 60 * 1000)

struct sched_queue_config {
	int64_t initial_backoff_ms;   /* 0: SCHED_QUEUE_INITIAL_BACKOFF_MS */
	int64_t max_backoff_ms;	      /* 0: SCHED_QUEUE_MAX_BACKOFF_MS */
	int64_t max_unschedulable_ms; /* 0: SCHED_QUEUE_MAX_UNSCHEDULABLE_MS */
};

enum sched_queue_where {
	SCHED_QUEUE_ABSENT = 0,
	SCHED_QUEUE_ACTIVE,
	SCHED_QUEUE_BACKOFF,
	SCHED_QUEUE_UNSCHEDULABLE,
	SCHED_QUEUE_IN_FLIGHT,
};

/* A queued pod (QueuedPodInfo). Owned by the queue. */
struct sched_queued_pod {
	struct sched_pod *pod; /* one reference */
	int64_t timestamp_ms;  /* queued, or last failed */
	int64_t initial_ms;    /* first queued */
	unsigned attempts;     /* scheduling attempts so far */
	unsigned plugins;      /* plugins that rejected it (1u << id) */
	uint64_t cycle;	       /* scheduling cycle that popped it */
	/* private to queue.c */
	enum sched_queue_where where;
	uint64_t seq;
	size_t heap_index;
	struct sched_queued_pod *prev, *next; /* unschedulable list */
	struct sched_pod *update; /* newer object seen while in flight */
	bool deleted;		  /* deleted while in flight */
};

struct sched_queue;

/* An empty queue (cfg may be NULL). 0 or -ENOMEM. */
int sched_queue_new(const struct sched_queue_config *cfg,
		    struct sched_queue **ret_queue);

/* Free the queue and everything in it, in-flight entries included.
 * NULL is a no-op. */
void sched_queue_free(struct sched_queue *q);

/*
 * Add a pending pod, or update the queued one with the same key. pod
 * gets a new reference. Returns 0 or -ENOMEM.
 */
int sched_queue_add(struct sched_queue *q, struct sched_pod *pod,
		    int64_t now_ms);

/* Remove a pod (deleted, bound by someone else, no longer ours). */
void sched_queue_delete(struct sched_queue *q, const char *key);

/*
 * Take the next pod to schedule out of active: attempts + 1, a new
 * scheduling cycle. -EAGAIN when active is empty. The entry stays owned
 * by the queue and must be handed back with one of the three calls
 * below.
 */
int sched_queue_pop(struct sched_queue *q, int64_t now_ms,
		    struct sched_queued_pod **ret_entry);

/* The pod was scheduled (assumed): forget it. */
void sched_queue_done(struct sched_queue *q, struct sched_queued_pod *e);

/*
 * The pod fits no node; plugins are the ones that rejected it (0: none,
 * e.g. there were no nodes, and any event may help).
 */
void sched_queue_add_unschedulable(struct sched_queue *q,
				   struct sched_queued_pod *e, unsigned plugins,
				   int64_t now_ms);

/* The attempt failed for another reason (a bind error): back off. */
void sched_queue_add_backoff(struct sched_queue *q, struct sched_queued_pod *e,
			     int64_t now_ms);

/*
 * A cluster event happened (enum sched_event bits): move unschedulable
 * pods that a rejecting plugin cares about to back-off, or to active when
 * their back-off is over.
 */
void sched_queue_move_all(struct sched_queue *q, unsigned event,
			  int64_t now_ms);

/*
 * Move pods whose back-off ended to active, and pods unschedulable for
 * longer than max_unschedulable_ms on (kube-scheduler's periodic
 * flushes).
 */
void sched_queue_flush(struct sched_queue *q, int64_t now_ms);

/* When the next back-off ends (absolute ms), or -1 when none waits. */
int64_t sched_queue_next_backoff(const struct sched_queue *q);

/* The back-off a pod with this many attempts waits, in ms. */
int64_t sched_queue_backoff_ms(const struct sched_queue *q, unsigned attempts);

/* Where the pod with key is. */
enum sched_queue_where sched_queue_where(const struct sched_queue *q,
					 const char *key);

struct sched_queue_stats {
	size_t active;
	size_t backoff;
	size_t unschedulable;
	size_t in_flight;
};

void sched_queue_stats(const struct sched_queue *q,
		       struct sched_queue_stats *ret_stats);

#endif
