/*
 * leader.c — client-go's LeaderElector on a coordination.k8s.io/v1 Lease.
 */
#include "client/leader.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "client/client_i.h"

#define JITTER_FACTOR 1.2 /* client-go's leaderelection.JitterFactor */

struct leader {
	struct client *c;
	const struct kind_info *kind;
	char *ns, *name, *identity;
	unsigned lease_ms, renew_ms, retry_ms;
	void (*started_leading)(void *ud);
	void (*stopped_leading)(void *ud);
	void (*new_leader)(void *ud, const char *identity);
	void *ud;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;    /* under lock */
	bool leading; /* under lock */
	bool running; /* under lock */

	/* the record last observed: only leader_run()'s thread */
	json_t *lease;	       /* the Lease as last read or written */
	uint64_t observed_rv;  /* its resourceVersion */
	uint64_t observed_ms;  /* monotonic time it was first seen */
	char *reported_leader; /* last identity given to new_leader */
};

int leader_new(struct client *c, const struct leader_config *cfg,
	       struct kf_error *err, struct leader **ret)
{
	_cleanup_free_ struct leader *l = NULL;
	pthread_condattr_t ca;

	if (!cfg->ns || kfc_check_name(cfg->ns) < 0 || !cfg->name ||
	    kfc_check_name(cfg->name) < 0)
		return kf_error_set(err, -EINVAL, "Lock must not be nil.");
	if (!cfg->identity || !*cfg->identity)
		return kf_error_set(err, -EINVAL, "Lock identity is empty");
	if (!cfg->started_leading)
		return kf_error_set(err, -EINVAL,
				    "OnStartedLeading callback must not be "
				    "nil");
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->lease_ms = cfg->lease_duration_ms ? cfg->lease_duration_ms
					     : LEADER_LEASE_DURATION_MS;
	l->renew_ms = cfg->renew_deadline_ms ? cfg->renew_deadline_ms
					     : LEADER_RENEW_DEADLINE_MS;
	l->retry_ms = cfg->retry_period_ms ? cfg->retry_period_ms
					   : LEADER_RETRY_PERIOD_MS;
	if (l->lease_ms <= l->renew_ms)
		return kf_error_set(err, -EINVAL,
				    "leaseDuration must be greater than "
				    "renewDeadline");
	if (l->renew_ms <= JITTER_FACTOR * l->retry_ms)
		return kf_error_set(err, -EINVAL,
				    "renewDeadline must be greater than "
				    "retryPeriod*JitterFactor");
	l->kind = kinds_by_path("coordination.k8s.io", "v1", "leases");
	if (!l->kind)
		return kf_error_set(err, -ENOTSUP,
				    "the server could not find the requested "
				    "resource (leases.coordination.k8s.io)");
	l->ns = strdup(cfg->ns);
	l->name = strdup(cfg->name);
	l->identity = strdup(cfg->identity);
	if (!l->ns || !l->name || !l->identity) {
		free(l->ns);
		free(l->name);
		free(l->identity);
		return -ENOMEM;
	}
	l->c = c;
	l->started_leading = cfg->started_leading;
	l->stopped_leading = cfg->stopped_leading;
	l->new_leader = cfg->new_leader;
	l->ud = cfg->ud;
	pthread_mutex_init(&l->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cond, &ca);
	pthread_condattr_destroy(&ca);
	*ret = TAKE_PTR(l);
	return 0;
}

void leader_free(struct leader *l)
{
	if (!l)
		return;
	json_decref(l->lease);
	free(l->reported_leader);
	free(l->ns);
	free(l->name);
	free(l->identity);
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

void leader_stop(struct leader *l)
{
	pthread_mutex_lock(&l->lock);
	l->stop = true;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

bool leader_is_leading(struct leader *l)
{
	bool r;

	pthread_mutex_lock(&l->lock);
	r = l->leading;
	pthread_mutex_unlock(&l->lock);
	return r;
}

/* Sleep ms unless stopped; returns false when stopping. */
static bool pause_ms(struct leader *l, uint64_t ms)
{
	struct timespec ts;
	bool stop;

	mono_deadline(ms, &ts);
	pthread_mutex_lock(&l->lock);
	while (!l->stop &&
	       pthread_cond_timedwait(&l->cond, &l->lock, &ts) != ETIMEDOUT)
		;
	stop = l->stop;
	pthread_mutex_unlock(&l->lock);
	return !stop;
}

static const char *holder_of(const json_t *lease)
{
	const char *h =
	    kfc_str(json_object_get(lease, "spec"), "holderIdentity");

	return h ? h : "";
}

static void report_leader(struct leader *l, const char *holder)
{
	if (!*holder || !l->new_leader)
		return;
	if (l->reported_leader && !strcmp(l->reported_leader, holder))
		return;
	free(l->reported_leader);
	l->reported_leader = strdup(holder);
	l->new_leader(l->ud, holder);
}

/* Remember lease (stolen) as the observed record, seen now. */
static void observe(struct leader *l, json_t *lease, uint64_t now)
{
	uint64_t rv = client_object_rv(lease);

	if (!l->lease || rv != l->observed_rv) {
		l->observed_rv = rv;
		l->observed_ms = now;
	}
	json_decref(l->lease);
	l->lease = lease;
	report_leader(l, holder_of(lease));
}

/* A Lease spec for us at time now. */
static json_t *our_spec(struct leader *l, const char *acquire,
			json_int_t transitions, unsigned duration_s,
			bool release)
{
	char now[RFC3339_MAX];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	rfc3339_format(&ts, true, now);
	return json_pack("{s:s, s:i, s:s, s:s, s:I}", "holderIdentity",
			 release ? "" : l->identity, "leaseDurationSeconds",
			 (int)duration_s, "acquireTime",
			 acquire ? acquire : now, "renewTime", now,
			 "leaseTransitions", transitions);
}

static unsigned lease_seconds(const struct leader *l)
{
	return (l->lease_ms + 999) / 1000;
}

static int create_lease(struct leader *l, uint64_t now)
{
	_cleanup_json_ json_t *lease = NULL;
	json_t *stored = NULL,
	       *spec = our_spec(l, NULL, 0, lease_seconds(l), false);
	int r;

	if (!spec)
		return -ENOMEM;
	lease = json_pack("{s:s, s:s, s:{s:s, s:s}, s:o}", "apiVersion",
			  "coordination.k8s.io/v1", "kind", "Lease", "metadata",
			  "name", l->name, "namespace", l->ns, "spec", spec);
	if (!lease)
		return -ENOMEM;
	r = client_create(l->c, l->kind, l->ns, lease, NULL, &stored);
	if (r < 0)
		return r;
	observe(l, stored ? stored : json_incref(lease), now);
	return 0;
}

/*
 * client-go's tryAcquireOrRenew: true when we hold the lease after the
 * call.
 */
static bool try_acquire_or_renew(struct leader *l)
{
	_cleanup_json_ json_t *copy = NULL;
	json_t *lease = NULL, *old_spec, *spec, *stored = NULL;
	uint64_t now = mono_ms();
	json_int_t transitions, duration_s;
	const char *holder;
	bool is_leader, valid;
	int r;

	r = client_get(l->c, l->kind, l->ns, l->name, NULL, &lease);
	if (r == -ENOENT)
		return create_lease(l, now) == 0;
	if (r < 0)
		return false;
	observe(l, lease, now);
	old_spec = json_object_get(l->lease, "spec");
	holder = holder_of(l->lease);
	duration_s = json_integer_value(
	    json_object_get(old_spec, "leaseDurationSeconds"));
	valid = l->observed_ms +
		    (uint64_t)(duration_s > 0 ? duration_s : 0) * 1000 >
		now;
	is_leader = !strcmp(holder, l->identity);
	if (*holder && valid && !is_leader)
		return false;
	transitions =
	    json_integer_value(json_object_get(old_spec, "leaseTransitions"));
	if (!is_leader)
		transitions++;
	spec = our_spec(l, is_leader ? kfc_str(old_spec, "acquireTime") : NULL,
			transitions, lease_seconds(l), false);
	copy = json_deep_copy(l->lease);
	if (!spec || !copy || json_object_set_new(copy, "spec", spec) < 0)
		return false;
	/* compare-and-swap: copy carries the resourceVersion we read */
	r = client_replace(l->c, l->kind, copy, NULL, &stored);
	if (r < 0)
		return false;
	if (!stored)
		return false;
	observe(l, stored, mono_ms());
	return !strcmp(holder_of(l->lease), l->identity);
}

/* client-go's release: give the lease up if we still hold it. */
static void release(struct leader *l)
{
	_cleanup_json_ json_t *copy = NULL;
	json_t *old_spec, *spec, *lease = NULL;

	if (client_get(l->c, l->kind, l->ns, l->name, NULL, &lease) < 0)
		return;
	observe(l, lease, mono_ms());
	if (strcmp(holder_of(l->lease), l->identity))
		return;
	old_spec = json_object_get(l->lease, "spec");
	spec = our_spec(
	    l, NULL,
	    json_integer_value(json_object_get(old_spec, "leaseTransitions")),
	    1, true);
	copy = json_deep_copy(l->lease);
	if (!spec || !copy || json_object_set_new(copy, "spec", spec) < 0) {
		json_decref(spec);
		return;
	}
	client_replace(l->c, l->kind, copy, NULL, NULL);
}

static void *work_main(void *arg)
{
	struct leader *l = arg;

	l->started_leading(l->ud);
	return NULL;
}

static uint64_t jittered(const struct leader *l)
{
	return l->retry_ms +
	       kfc_random((uint64_t)(JITTER_FACTOR * l->retry_ms) + 1);
}

int leader_run(struct leader *l)
{
	pthread_t work;
	uint64_t last_ok;
	bool stopped;
	int r;

	pthread_mutex_lock(&l->lock);
	if (l->running) {
		pthread_mutex_unlock(&l->lock);
		return -EBUSY;
	}
	l->running = true;
	pthread_mutex_unlock(&l->lock);

	/* campaign */
	for (;;) {
		if (!pause_ms(l, 0))
			goto out_clear_running;
		if (try_acquire_or_renew(l))
			break;
		if (!pause_ms(l, jittered(l)))
			goto out_clear_running;
	}
	pthread_mutex_lock(&l->lock);
	stopped = l->stop;
	l->leading = !stopped;
	pthread_mutex_unlock(&l->lock);
	if (stopped) {
		release(l);
		goto out_clear_running;
	}
	r = pthread_create(&work, NULL, work_main, l);
	if (r) {
		pthread_mutex_lock(&l->lock);
		l->leading = false;
		l->running = false;
		pthread_mutex_unlock(&l->lock);
		release(l);
		return -r;
	}

	/* lead: renew every retry period, give up after the deadline */
	last_ok = mono_ms();
	while (pause_ms(l, l->retry_ms)) {
		if (try_acquire_or_renew(l))
			last_ok = mono_ms();
		else if (mono_ms() - last_ok >= l->renew_ms)
			break;
	}
	pthread_mutex_lock(&l->lock);
	l->leading = false;
	stopped = l->stop;
	pthread_mutex_unlock(&l->lock);
	if (l->stopped_leading)
		l->stopped_leading(l->ud);
	pthread_join(work, NULL);
	if (stopped)
		release(l);
	pthread_mutex_lock(&l->lock);
	l->running = false;
	pthread_mutex_unlock(&l->lock);
	return stopped ? 0 : -ENOLCK;

out_clear_running:
	pthread_mutex_lock(&l->lock);
	l->running = false;
	pthread_mutex_unlock(&l->lock);
	return 0;
}
