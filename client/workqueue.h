/*
 * workqueue.h — client-go's rate-limited work queue of string keys.
 *
 * Invariants (as client-go's workqueue.Type):
 *  - A key is queued at most once: adding a key that is already waiting
 *    does nothing (dedup while queued, the "dirty" set).
 *  - A key is handed out to at most one worker at a time: adding a key
 *    that is being processed (between workqueue_get() and
 *    workqueue_done()) marks it dirty, and it is queued again only when
 *    workqueue_done() is called for it (the "processing" set).
 *  - Keys come out in the order they were first queued.
 *
 * Delays: workqueue_add_after() holds a key back until its time has come
 * (a later add_after of the same key keeps the earlier time).
 * workqueue_add_rate_limited() delays a key by its own exponential
 * back-off, base * 2^requeues capped at max (client-go's
 * ItemExponentialFailureRateLimiter, 5 ms .. 1000 s by default);
 * workqueue_forget() resets it after a success.
 *
 * Shutdown: workqueue_shutdown() wakes every blocked workqueue_get(); keys
 * still queued are handed out, then workqueue_get() returns -ESHUTDOWN.
 * Adds after shutdown are ignored. Delayed keys not yet due are dropped.
 *
 * Limits: keys are 1..WORKQUEUE_KEY_MAX bytes (-EINVAL otherwise); at most
 * WORKQUEUE_KEYS_MAX distinct keys are held (queued, delayed, processing
 * or with a back-off record) — -ENOSPC beyond.
 *
 * Thread safety: every function may be called from any thread, except
 * workqueue_free(), which must not race with any other call.
 */
#ifndef KUBEFS_CLIENT_WORKQUEUE_H
#define KUBEFS_CLIENT_WORKQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WORKQUEUE_KEY_MAX 1024
#define WORKQUEUE_KEYS_MAX 1000000

struct workqueue;

struct workqueue_opts {
	uint64_t base_delay_us; /* first back-off; 0: 5000 (5 ms) */
	uint64_t max_delay_us;	/* back-off cap; 0: 1000 s */
};

/* Create an empty queue (o NULL: defaults). *ret owned by the caller. */
int workqueue_new(const struct workqueue_opts *o, struct workqueue **ret);

/* Release q (it must have no blocked getters left). NULL is a no-op. */
void workqueue_free(struct workqueue *q);

/* Queue key now (key copied). 0, -EINVAL, -ENOSPC, -ENOMEM. */
int workqueue_add(struct workqueue *q, const char *key);

/* Queue key once delay_ms has passed (0: now). */
int workqueue_add_after(struct workqueue *q, const char *key,
			uint64_t delay_ms);

/* Queue key after its back-off, and count one more requeue for it. */
int workqueue_add_rate_limited(struct workqueue *q, const char *key);

/* Reset key's back-off (after it was processed successfully). */
void workqueue_forget(struct workqueue *q, const char *key);

/* How many times key was rate-limited since the last forget. */
unsigned workqueue_num_requeues(struct workqueue *q, const char *key);

/* The back-off the next add_rate_limited of key would use, in us. */
uint64_t workqueue_when(struct workqueue *q, const char *key);

/*
 * Block until a key is ready, then hand it out: *ret_key is malloc'd and
 * owned by the caller, who must call workqueue_done(q, key) when finished
 * with it. -ESHUTDOWN once the queue is shut down and drained.
 */
int workqueue_get(struct workqueue *q, char **ret_key);

/* Mark key processed; if it was added meanwhile it is queued again. */
void workqueue_done(struct workqueue *q, const char *key);

/* Stop the queue: see "Shutdown" above. Idempotent. */
void workqueue_shutdown(struct workqueue *q);

bool workqueue_shutting_down(struct workqueue *q);

/* Keys ready to be handed out now (not delayed, not processing). */
size_t workqueue_len(struct workqueue *q);

#endif
