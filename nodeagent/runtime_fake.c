/*
 * runtime_fake.c — a runtime without containers (kwok's model): a started
 * pod's init containers have completed and its containers run at once;
 * stopping them is instant. Addresses come from the node's pod CIDR as
 * host-local would give them; hostNetwork pods get the node's address.
 */
#include "api/clock.h"
#include "nodeagent/runtime_i.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/jsonfield.h"
#include "client/client.h"
#include "api/version.h"
#include "nodeagent/image.h"
#include "api/strmap.h"

/*
 * What a fake container reports, no more: its name and image (shared by
 * every pod that has them) and its times. The container ID is derived
 * from the pod's uid and the name when a status is asked for.
 */
struct fake_ctr {
	const char *name, *image, *image_id; /* in the fake's string pool */
	struct timespec started_at, finished_at;
	bool exited; /* ran to completion (init containers; stopped pods) */
};

struct fake_pod {
	uint32_t ip;
	bool pooled; /* ip came from the pool */
	bool stopped;
	struct timespec created;
	struct fake_ctr *init;
	size_t n_init;
	struct fake_ctr *ctrs;
	size_t n_ctrs;
};

struct fake {
	pthread_mutex_t lock;
	struct ipam_pool *pool;
	uint32_t host_ip;
	struct strmap pods; /* uid -> struct fake_pod */
	/* container names, images and image IDs: one copy each (what
	 * thousands of pods repeat); kept until the runtime is freed */
	struct strmap strings; /* string -> the same string, owned */
};

static struct fake *fake_of(struct runtime *rt)
{
	return rt->impl;
}

static void now_ts(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

static void fake_pod_free(struct fake_pod *p)
{
	if (!p)
		return;
	free(p->init);
	free(p->ctrs);
	free(p);
}

/* The pool's copy of s (under the lock), or NULL when out of memory. */
static const char *pool_string(struct fake *f, const char *s)
{
	char *got = strmap_get(&f->strings, s);

	if (got)
		return got;
	got = strdup(s);
	if (!got || strmap_put(&f->strings, s, got) < 0) {
		free(got);
		return NULL;
	}
	return got;
}

/* The status entry named name in a status array, or NULL. */
/* A time from a previous status (state.STATE.KEY), if there is one. */
static bool old_time(const json_t *st, const char *state, const char *key,
		     struct timespec *ret)
{
	const char *t = json_string_value(json_object_get(
	    json_object_get(json_object_get(st, "state"), state), key));

	return t && rfc3339_parse(t, ret) == 0;
}

/* Fill c for container spec cs. old: a previous status whose times it
 * takes (adopting a running pod). */
static int make_container(struct fake *f, const json_t *cs, bool runs,
			  const json_t *old, const struct timespec *now,
			  struct fake_ctr *c)
{
	const char *name = json_string_value(json_object_get(cs, "name"));
	const char *image = json_string_value(json_object_get(cs, "image"));
	_cleanup_free_ char *norm = NULL, *id = NULL;
	int r;

	if (!name || !*name)
		return -EINVAL;
	r = image_normalize(image && *image ? image : "unknown", &norm);
	if (r == 0)
		r = image_id(norm, &id);
	if (r < 0)
		return r;
	c->name = pool_string(f, name);
	c->image = pool_string(f, norm);
	c->image_id = pool_string(f, id);
	if (!c->name || !c->image || !c->image_id)
		return -ENOMEM;
	c->started_at = *now;
	if (runs) {
		old_time(old, "running", "startedAt", &c->started_at);
		return 0;
	}
	/* an init container: it ran to completion */
	c->exited = true;
	c->finished_at = *now;
	old_time(old, "terminated", "startedAt", &c->started_at);
	old_time(old, "terminated", "finishedAt", &c->finished_at);
	return 0;
}

static int make_containers(struct fake *f, const json_t *specs, bool init,
			   const json_t *old_list, const struct timespec *now,
			   struct fake_ctr **ret, size_t *ret_n)
{
	size_t n = json_array_size(specs), i;
	struct fake_ctr *cs;
	json_t *spec;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (!n)
		return 0;
	cs = calloc(n, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	json_array_foreach (specs, i, spec) {
		const char *name =
		    json_string_value(json_object_get(spec, "name"));
		/* a sidecar is an init container that keeps running */
		bool runs = !init || runtime_is_sidecar(spec);

		r = make_container(f, spec, runs, jfield_named(old_list, name),
				   now, &cs[i]);
		if (r < 0) {
			free(cs);
			return r;
		}
	}
	*ret = cs;
	*ret_n = n;
	return 0;
}

/* What the runtime reports of c, a container of pod uid. */
static int report_container(const char *uid, const struct fake_ctr *c,
			    struct runtime_container_status *out)
{
	char hex[IMAGE_DIGEST_HEX + 1];
	_cleanup_free_ char *seed = NULL;

	if (asprintf(&seed, "%s/%s", uid, c->name) < 0)
		return -ENOMEM;
	image_fake_digest(seed, hex);
	if (asprintf(&out->container_id, "fake://%s", hex) < 0) {
		out->container_id = NULL;
		return -ENOMEM;
	}
	out->state = c->exited ? RUNTIME_EXITED : RUNTIME_RUNNING;
	out->started_at = c->started_at;
	if (c->exited) {
		out->exit_code = 0;
		out->finished_at = c->finished_at;
		if (runtime_strdup("Completed", &out->reason) < 0)
			return -ENOMEM;
	}
	if (runtime_strdup(c->name, &out->name) < 0 ||
	    runtime_strdup(c->image, &out->image) < 0 ||
	    runtime_strdup(c->image_id, &out->image_id) < 0)
		return -ENOMEM;
	return 0;
}

/* Pick the pod's address: keep the one it had (adopt), else a new one. */
static int take_address(struct fake *f, const json_t *pod, struct fake_pod *p,
			bool *ret_adopted, struct kf_error *err)
{
	const json_t *spec = json_object_get(pod, "spec");
	const json_t *status = json_object_get(pod, "status");
	const char *old = json_string_value(json_object_get(status, "podIP"));
	const char *phase = json_string_value(json_object_get(status, "phase"));
	bool running = phase && !strcmp(phase, "Running");
	char first[IPV4_STRLEN], last[IPV4_STRLEN];
	const struct cidr4 *c;
	uint32_t a;
	int r;

	*ret_adopted = false;
	if (json_is_true(json_object_get(spec, "hostNetwork"))) {
		p->ip = f->host_ip;
		*ret_adopted = running;
		return 0;
	}
	if (old && running && ipv4_parse(old, &a) == 0 &&
	    ipam_pool_reserve(f->pool, a) == 0) {
		p->ip = a;
		p->pooled = true;
		*ret_adopted = true;
		return 0;
	}
	r = ipam_pool_alloc(f->pool, &p->ip);
	if (r < 0) {
		c = ipam_pool_cidr(f->pool);
		ipv4_format(c->addr + 1, first);
		ipv4_format(c->addr + (uint32_t)ipam_cidr_size(c) - 2, last);
		return kf_error_set(err, r,
				    "Failed to create pod sandbox: failed to "
				    "setup network for sandbox: plugin "
				    "type=\"host-local\" failed (add): failed "
				    "to allocate for range 0: no IP addresses "
				    "available in range set: %s-%s",
				    first, last);
	}
	p->pooled = true;
	return 0;
}

static int fake_start_pod(struct runtime *rt, const json_t *pod,
			  struct kf_error *err)
{
	struct fake *f = fake_of(rt);
	const json_t *meta = json_object_get(pod, "metadata");
	const json_t *spec = json_object_get(pod, "spec");
	const json_t *status = json_object_get(pod, "status");
	const char *uid = json_string_value(json_object_get(meta, "uid"));
	const char *start =
	    json_string_value(json_object_get(status, "startTime"));
	struct fake_pod *p = NULL;
	struct timespec now;
	bool adopted;
	int r;

	pthread_mutex_lock(&f->lock);
	if (strmap_get(&f->pods, uid)) {
		r = 0;
		goto out_unlock;
	}
	r = -EMFILE;
	if (strmap_len(&f->pods) >= RUNTIME_PODS_MAX)
		goto out_unlock;
	r = -ENOMEM;
	p = calloc(1, sizeof(*p));
	if (!p)
		goto out_unlock;
	r = take_address(f, pod, p, &adopted, err);
	if (r < 0)
		goto out_unlock;
	now_ts(&now);
	p->created = now;
	if (adopted && start)
		rfc3339_parse(start, &p->created);
	r = make_containers(
	    f, json_object_get(spec, "initContainers"), true,
	    adopted ? json_object_get(status, "initContainerStatuses") : NULL,
	    &now, &p->init, &p->n_init);
	if (r == 0)
		r = make_containers(
		    f, json_object_get(spec, "containers"), false,
		    adopted ? json_object_get(status, "containerStatuses")
			    : NULL,
		    &now, &p->ctrs, &p->n_ctrs);
	if (r == 0)
		r = strmap_put(&f->pods, uid, p);
	if (r < 0) {
		if (p->pooled)
			ipam_pool_release(f->pool, p->ip);
		goto out_unlock;
	}
	p = NULL;
out_unlock:
	pthread_mutex_unlock(&f->lock);
	fake_pod_free(p);
	if (r == -ENOMEM)
		kf_error_set(err, r,
			     "Failed to create pod sandbox: out of "
			     "memory");
	return r;
}

static void stop_containers(struct fake_ctr *c, size_t n,
			    const struct timespec *now)
{
	for (size_t i = 0; i < n; i++) {
		if (c[i].exited)
			continue;
		c[i].exited = true;
		c[i].finished_at = *now;
	}
}

static int fake_stop_pod(struct runtime *rt, const char *uid, long grace,
			 struct kf_error *err)
{
	struct fake *f = fake_of(rt);
	struct fake_pod *p;
	struct timespec now;

	(void)grace; /* nothing to wait for: fake containers stop at once */
	now_ts(&now);
	pthread_mutex_lock(&f->lock);
	p = strmap_get(&f->pods, uid);
	if (p && !p->stopped) {
		/* containers first, then the sidecars, as the kubelet does */
		stop_containers(p->ctrs, p->n_ctrs, &now);
		stop_containers(p->init, p->n_init, &now);
		p->stopped = true;
	}
	pthread_mutex_unlock(&f->lock);
	if (!p)
		return kf_error_set(err, -ENOENT,
				    "pod sandbox \"%s\" not found", uid);
	return 0;
}

static int fake_remove_pod(struct runtime *rt, const char *uid)
{
	struct fake *f = fake_of(rt);
	struct fake_pod *p;

	pthread_mutex_lock(&f->lock);
	p = strmap_remove(&f->pods, uid);
	if (p && p->pooled)
		ipam_pool_release(f->pool, p->ip);
	pthread_mutex_unlock(&f->lock);
	if (!p)
		return -ENOENT;
	fake_pod_free(p);
	return 0;
}

static int fake_pod_status(struct runtime *rt, const char *uid,
			   struct runtime_pod_status **ret)
{
	struct fake *f = fake_of(rt);
	struct runtime_pod_status *s = NULL;
	struct fake_pod *p;
	int r = -ENOENT;

	pthread_mutex_lock(&f->lock);
	p = strmap_get(&f->pods, uid);
	if (p) {
		s = runtime_pod_status_alloc(p->n_init, p->n_ctrs);
		r = s ? 0 : -ENOMEM;
	}
	if (s) {
		ipv4_format(p->ip, s->ip);
		s->sandbox_ready = !p->stopped;
		s->created = p->created;
		for (size_t i = 0; r == 0 && i < p->n_init; i++)
			r = report_container(uid, &p->init[i],
					     &s->init_containers[i]);
		for (size_t i = 0; r == 0 && i < p->n_ctrs; i++)
			r = report_container(uid, &p->ctrs[i],
					     &s->containers[i]);
	}
	pthread_mutex_unlock(&f->lock);
	if (r < 0) {
		runtime_pod_status_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

static size_t fake_pod_count(struct runtime *rt)
{
	struct fake *f = fake_of(rt);
	size_t n;

	pthread_mutex_lock(&f->lock);
	n = strmap_len(&f->pods);
	pthread_mutex_unlock(&f->lock);
	return n;
}

static void fake_free(struct runtime *rt)
{
	struct fake *f = fake_of(rt);
	size_t i = 0;
	void *v;

	if (!f)
		return;
	while (strmap_next(&f->pods, &i, NULL, &v))
		fake_pod_free(v);
	strmap_release(&f->pods);
	i = 0;
	while (strmap_next(&f->strings, &i, NULL, &v))
		free(v);
	strmap_release(&f->strings);
	ipam_pool_free(f->pool);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static const struct runtime_ops fake_ops = {
    .start_pod = fake_start_pod,
    .stop_pod = fake_stop_pod,
    .remove_pod = fake_remove_pod,
    .pod_status = fake_pod_status,
    .pod_count = fake_pod_count,
    .free = fake_free,
};

int runtime_fake_new(const struct runtime_fake_config *cfg,
		     struct runtime **ret)
{
	struct cidr4 cidr;
	struct runtime *rt;
	struct fake *f;
	uint32_t host;
	int r;

	if (!cfg || cidr4_parse(cfg->pod_cidr, &cidr) < 0 ||
	    ipv4_parse(cfg->host_ip, &host) < 0)
		return -EINVAL;
	rt = calloc(1, sizeof(*rt));
	f = calloc(1, sizeof(*f));
	if (!rt || !f) {
		free(rt);
		free(f);
		return -ENOMEM;
	}
	r = ipam_pool_new(&cidr, &f->pool);
	if (r < 0) {
		free(rt);
		free(f);
		return r;
	}
	pthread_mutex_init(&f->lock, NULL);
	strmap_init(&f->pods);
	strmap_init(&f->strings);
	f->host_ip = host;
	rt->ops = &fake_ops;
	rt->impl = f;
	snprintf(rt->version, sizeof(rt->version), "fake://%s", KUBEFS_VERSION);
	*ret = rt;
	return 0;
}
