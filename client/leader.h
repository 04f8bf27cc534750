/*
 * leader.h — leader election on a coordination.k8s.io/v1 Lease, as
 * client-go's leaderelection package does it.
 *
 * The lock is the Lease coordination.k8s.io/v1/leases/NS/NAME:
 *   spec.holderIdentity        who holds it ("" when released)
 *   spec.leaseDurationSeconds  how long a holder may go without renewing
 *   spec.acquireTime           when the holder took it (MicroTime)
 *   spec.renewTime             the holder's last renewal (MicroTime,
 *                              RFC 3339 with microseconds, UTC)
 *   spec.leaseTransitions      how many times the holder changed
 * Every write is a compare-and-swap: NAME@json written with the
 * metadata.resourceVersion last read, so of two candidates writing at once
 * one gets -ESTALE and loses. The Lease is created (O_EXCL) if missing.
 *
 * Expiry is judged on this process' monotonic clock, as client-go does: a
 * lease held by another is taken over only after leaseDurationSeconds
 * without seeing its record change, never by comparing renewTime with
 * our wall clock (clock skew between machines is harmless).
 *
 * Life cycle (leader_run()):
 *   - try to acquire every retry_period (with jitter 1.2) until it
 *     succeeds or leader_stop() is called;
 *   - once leading: call started_leading(ud) on a new thread (the work
 *     loop), and renew every retry_period; a renewal that has not
 *     succeeded within renew_deadline of the last success (or a lease now
 *     held by someone else) loses leadership;
 *   - on losing leadership, or on leader_stop(): leader_is_leading()
 *     turns false and stopped_leading(ud) is called on leader_run()'s
 *     thread — it must make the work loop return (shut down its
 *     workqueue, set its flag); then the work thread is joined;
 *   - on leader_stop() while leading, the lease is released (holder "",
 *     leaseDurationSeconds 1) so another candidate takes over at once
 *     (client-go's ReleaseOnCancel).
 *
 * Thread safety: leader_stop() and leader_is_leading() may be called from
 * any thread (not from signal handlers); the rest from one thread.
 */
#ifndef KUBEFS_CLIENT_LEADER_H
#define KUBEFS_CLIENT_LEADER_H

#include <stdbool.h>

#include "api/error.h"
#include "client/client.h"

/* client-go's defaults for controllers and the scheduler. */
#define LEADER_LEASE_DURATION_MS 15000
#define LEADER_RENEW_DEADLINE_MS 10000
#define LEADER_RETRY_PERIOD_MS 2000

struct leader;

struct leader_config {
	const char *ns;	      /* the Lease's namespace, e.g. "kube-system" */
	const char *name;     /* the Lease's name, e.g. "kubefs-scheduler" */
	const char *identity; /* unique per candidate, e.g. "host_pid" */
	unsigned lease_duration_ms; /* 0: LEADER_LEASE_DURATION_MS */
	unsigned renew_deadline_ms; /* 0: LEADER_RENEW_DEADLINE_MS */
	unsigned retry_period_ms;   /* 0: LEADER_RETRY_PERIOD_MS */
	/* The work loop, run on its own thread while leading. Required. */
	void (*started_leading)(void *ud);
	/* Leadership ended (lost or stopped): make the work loop return.
	 * May be NULL when the work loop polls leader_is_leading(). */
	void (*stopped_leading)(void *ud);
	/* Another identity became (or was found to be) the leader. May be
	 * NULL. identity is borrowed for the call. */
	void (*new_leader)(void *ud, const char *identity);
	void *ud;
};

/*
 * Create an elector. c is borrowed and must outlive it; cfg's strings are
 * copied. Requires lease_duration > renew_deadline > retry_period *
 * 1.2 (client-go's JitterFactor), as client-go does: -EINVAL otherwise,
 * with err saying which ("leaseDuration must be greater than
 * renewDeadline"). *ret owned by the caller (leader_free()).
 */
int leader_new(struct client *c, const struct leader_config *cfg,
	       struct kf_error *err, struct leader **ret);

/*
 * Campaign, lead, and return when leadership ends. Returns
 *   0          leader_stop() was called (the lease was released if held)
 *   -ENOLCK    leadership was lost (renewal failed within the deadline
 *              or another candidate holds the lease); as with client-go
 *              the usual reaction is to exit and be restarted
 *   -EBUSY     leader_run() is already running
 *   other      -errno of pthread_create()
 */
int leader_run(struct leader *l);

/* Ask leader_run() to stop; wakes its sleeps. From any thread (not a
 * signal handler). Idempotent. */
void leader_stop(struct leader *l);

/* True while this candidate holds the lease and leader_run() leads. */
bool leader_is_leading(struct leader *l);

/* Release. Must not race leader_run(). NULL is a no-op. */
void leader_free(struct leader *l);

#endif
