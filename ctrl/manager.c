/*
 * manager.c — shared informers, the reconcile loop's workers, and the
 * --controllers switch.
 */
#include "ctrl/ctrl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cleanup.h"
#include "ctrl/meta.h"

void ctrl_opts_init(struct ctrl_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->workers = 5;
	o->burst_replicas = 500;
	o->node_monitor_grace_ms = 40000;
	o->node_monitor_period_ms = 5000;
	o->node_eviction_rate = 0.1;
	o->secondary_eviction_rate = 0.01;
	o->unhealthy_zone_threshold = 0.55;
	o->large_cluster_size_threshold = 50;
	o->terminated_pod_gc_threshold = 12500;
	o->gc_period_ms = 30000;
}

void ctrl_ctx_init(struct ctrl_ctx *ctx, struct client *c,
		   struct event_recorder *rec, const struct ctrl_opts *o)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->c = c;
	ctx->rec = rec;
	if (o)
		ctx->opts = *o;
	else
		ctrl_opts_init(&ctx->opts);
	pthread_mutex_init(&ctx->lock, NULL);
}

void ctrl_ctx_release(struct ctrl_ctx *ctx)
{
	for (size_t i = 0; i < ctx->ninf; i++)
		informer_stop(ctx->inf[i]);
	for (size_t i = 0; i < ctx->ninf; i++)
		informer_free(ctx->inf[i]);
	ctx->ninf = 0;
	pthread_mutex_destroy(&ctx->lock);
}

/* An informer's notices (its watch broke, a re-list) to the log. */
static void informer_notice(void *ud, const char *msg)
{
	ctrl_logf(ud, "%s", msg);
}

int ctrl_informer(struct ctrl_ctx *ctx, const char *group, const char *version,
		  const char *resource, struct informer **ret)
{
	const struct kind_info *k = kinds_by_path(group, version, resource);
	struct informer_opts io = {0};
	bool pods;
	int r = 0;

	if (!k)
		return -ENOENT;
	pthread_mutex_lock(&ctx->lock);
	for (size_t i = 0; i < ctx->ninf; i++) {
		if (ctx->inf_kind[i] == k) {
			*ret = ctx->inf[i];
			goto out;
		}
	}
	if (ctx->ninf >= CTRL_INFORMERS_MAX) {
		r = -ENOSPC;
		goto out;
	}
	io.kind = k;
	io.notice = informer_notice;
	io.notice_ud = ctx;
	/* pods are most of what is cached: keep what controllers read,
	 * sharing what pods repeat, indexed by namespace and node. (Not
	 * compact: the ReplicaSet controller reads every pod of a set on
	 * each sync, and parsing thousands of pods per sync costs more
	 * memory in flight than the cache saves.) */
	pods = !strcmp(resource, "pods") && !strcmp(group, "core");
	if (pods)
		io.transform = ctrl_slim_pod;
	r = informer_new(ctx->c, &io, &ctx->inf[ctx->ninf]);
	if (r == 0 && pods &&
	    ((r = informer_add_index(ctx->inf[ctx->ninf], CTRL_INDEX_NAMESPACE,
				     informer_index_namespace)) < 0 ||
	     (r = informer_add_index(ctx->inf[ctx->ninf], CTRL_INDEX_NODE,
				     informer_index_node_name)) < 0)) {
		informer_free(ctx->inf[ctx->ninf]);
		ctx->inf[ctx->ninf] = NULL;
	}
	if (r == 0) {
		ctx->inf_kind[ctx->ninf] = k;
		*ret = ctx->inf[ctx->ninf++];
	}
out:
	pthread_mutex_unlock(&ctx->lock);
	return r;
}

int ctrl_ctx_start_informers(struct ctrl_ctx *ctx)
{
	for (size_t i = 0; i < ctx->ninf; i++) {
		int r = informer_start(ctx->inf[i]);

		if (r < 0 && r != -EBUSY)
			return r;
	}
	return 0;
}

int ctrl_ctx_wait_synced(struct ctrl_ctx *ctx, int timeout_ms)
{
	for (size_t i = 0; i < ctx->ninf; i++) {
		int r = informer_wait_synced(ctx->inf[i], timeout_ms);

		if (r < 0)
			return r;
	}
	return 0;
}

void ctrl_logf(struct ctrl_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->log)
		return;
	va_start(ap, fmt);
	ctx->log(ctx->log_ud, fmt, ap);
	va_end(ap);
}

/* ---- loops ---- */

int ctrl_loop_init(struct ctrl_loop *l, struct ctrl_ctx *ctx, const char *name,
		   int (*sync)(void *ud, const char *key), void *ud)
{
	/* client-go's DefaultControllerRateLimiter per item: 5 ms .. 1000 s */
	struct workqueue_opts qo = {.base_delay_us = 5000,
				    .max_delay_us = 1000000000ull};

	memset(l, 0, sizeof(*l));
	l->name = name;
	l->ctx = ctx;
	l->sync = sync;
	l->ud = ud;
	l->workers = ctx->opts.workers ? ctx->opts.workers : 1;
	if (l->workers > CTRL_WORKERS_MAX)
		l->workers = CTRL_WORKERS_MAX;
	return workqueue_new(&qo, &l->q);
}

void ctrl_loop_release(struct ctrl_loop *l)
{
	if (!l->q)
		return;
	ctrl_loop_shutdown(l);
	ctrl_loop_join(l);
	workqueue_free(l->q);
	l->q = NULL;
}

void ctrl_loop_enqueue(struct ctrl_loop *l, const json_t *obj)
{
	_cleanup_free_ char *key = NULL;

	if (informer_key(obj, &key) == 0)
		workqueue_add(l->q, key);
}

void ctrl_loop_add(struct ctrl_loop *l, const char *key, uint64_t delay_ms)
{
	if (delay_ms)
		workqueue_add_after(l->q, key, delay_ms);
	else
		workqueue_add(l->q, key);
}

static void *worker(void *arg)
{
	struct ctrl_loop *l = arg;
	char *key;

	while (workqueue_get(l->q, &key) == 0) {
		int r = l->sync(l->ud, key);

		if (r == 0) {
			workqueue_forget(l->q, key);
		} else if (workqueue_num_requeues(l->q, key) <
			   CTRL_MAX_RETRIES) {
			workqueue_add_rate_limited(l->q, key);
		} else {
			ctrl_logf(l->ctx,
				  "%s: dropping \"%s\" out of the queue: %s",
				  l->name, key, strerror(-r));
			workqueue_forget(l->q, key);
		}
		workqueue_done(l->q, key);
		free(key);
	}
	return NULL;
}

int ctrl_loop_start(struct ctrl_loop *l)
{
	while (l->started < l->workers) {
		int r = -pthread_create(&l->tid[l->started], NULL, worker, l);

		if (r < 0)
			return r;
		l->started++;
	}
	return 0;
}

void ctrl_loop_shutdown(struct ctrl_loop *l)
{
	if (l->q)
		workqueue_shutdown(l->q);
}

void ctrl_loop_join(struct ctrl_loop *l)
{
	while (l->started > 0)
		pthread_join(l->tid[--l->started], NULL);
}

char *ctrl_owner_key(struct informer *owners, const char *kind,
		     const json_t *obj)
{
	json_t *ref = owner_controller_ref(obj);
	_cleanup_json_ json_t *owner = NULL;
	char *key;

	if (!ref || strcmp(cj_str(ref, "kind") ?: "", kind) ||
	    asprintf(&key, "%s/%s", meta_s(obj, "namespace"),
		     cj_str(ref, "name") ?: "") < 0)
		return NULL;
	if (informer_get(owners, key, &owner) < 0 ||
	    strcmp(meta_s(owner, "uid"), cj_str(ref, "uid") ?: "")) {
		free(key);
		return NULL;
	}
	return key;
}

void ctrl_enqueue_selecting(struct informer *owners, struct ctrl_loop *l,
			    const json_t *obj)
{
	_cleanup_json_ json_t *all = NULL;
	size_t i;
	json_t *o;

	if (informer_list(owners, &all) < 0)
		return;
	json_array_foreach (all, i, o)
		if (!strcmp(meta_s(o, "namespace"), meta_s(obj, "namespace")) &&
		    ctrl_selects(cj_get(o, "spec.selector"), obj))
			ctrl_loop_enqueue(l, o);
}

int controller_fill(struct controller *c, int r, void *state,
		    void (*free_fn)(void *state), struct ctrl_loop *loop)
{
	if (r < 0) {
		free_fn(state);
		return r;
	}
	c->state = state;
	c->free = free_fn;
	c->loops[c->nloops++] = loop;
	return 0;
}

/* ---- --controllers ---- */

static bool spec_has(const char *spec, const char *word)
{
	size_t n = strlen(word);
	const char *p = spec;

	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && !strncmp(p, word, n))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

bool ctrl_enabled(const char *spec, const struct controller_desc *d)
{
	char neg[64];

	if (!spec)
		spec = "*";
	snprintf(neg, sizeof(neg), "-%s", d->name);
	if (spec_has(spec, neg))
		return false;
	if (spec_has(spec, d->name))
		return true;
	return spec_has(spec, "*") && d->default_on;
}

int ctrl_check_spec(const char *spec, struct kf_error *err)
{
	const char *p = spec;

	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const char *w = p;
		bool known = len == 1 && *p == '*';

		if (len && *w == '-') {
			w++;
			len--;
		}
		for (size_t i = 0; !known && ctrl_controllers[i].name; i++)
			known = strlen(ctrl_controllers[i].name) == len &&
				!strncmp(ctrl_controllers[i].name, w, len);
		if (!known)
			return kf_error_set(err, -EINVAL,
					    "\"%.*s\" is not in the list of "
					    "known controllers",
					    (int)len, w);
		p = e ? e + 1 : NULL;
	}
	return 0;
}
