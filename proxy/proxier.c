/*
 * proxier.c — informers to dirty Service keys, dirty keys to rules
 * fragments, fragments to one nft transaction per sync.
 *
 * The informer handlers only mark keys dirty (a Service's own key, or
 * for a slice the key of the Service named by its
 * kubernetes.io/service-name label) and keep an index Service -> slices.
 * The sync loop takes the dirty set, rebuilds those fragments, checks
 * that no two Services claim one map key, and writes either their
 * difference or, when a full sync is due, the whole table.
 */
#include "proxy/proxier_i.h"

#include "proxy/nfnl.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "client/events.h"
#include "client/informer.h"
#include "proxy/nft.h"

void proxier_log(struct proxier *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->cfg.log)
		return;
	va_start(ap, fmt);
	p->cfg.log(p->cfg.log_ud, fmt, ap);
	va_end(ap);
}

/* Caller holds p->lock. */
static void mark(struct proxier *p, const char *key)
{
	json_object_set_new(p->dirty, key, json_true());
	pthread_cond_signal(&p->cond);
}

static void svc_event(void *ud, const json_t *obj)
{
	struct proxier *p = ud;
	_cleanup_free_ char *key = NULL;

	if (informer_key(obj, &key) < 0)
		return;
	pthread_mutex_lock(&p->lock);
	mark(p, key);
	pthread_mutex_unlock(&p->lock);
}

static void svc_update(void *ud, const json_t *old, const json_t *obj)
{
	svc_event(ud, obj);
}

/* The Service key a slice belongs to, or NULL. *ret malloc'd. */
static char *slice_service(const json_t *slice)
{
	const json_t *meta = json_object_get(slice, "metadata");
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	const char *svc = json_string_value(json_object_get(
	    json_object_get(meta, "labels"), SERVICE_NAME_LABEL));
	char *key;

	if (!ns || !svc || !*svc)
		return NULL;
	return asprintf(&key, "%s/%s", ns, svc) < 0 ? NULL : key;
}

/* Caller holds p->lock: forget slice_key's owner, marking it dirty. */
static void slice_unlink(struct proxier *p, const char *slice_key)
{
	const char *old =
	    json_string_value(json_object_get(p->slice_owner, slice_key));
	json_t *set;

	if (!old)
		return;
	set = json_object_get(p->by_service, old);
	json_object_del(set, slice_key);
	mark(p, old);
	if (set && json_object_size(set) == 0)
		json_object_del(p->by_service, old);
	json_object_del(p->slice_owner, slice_key);
}

static void slice_set(struct proxier *p, const json_t *obj, bool deleted)
{
	_cleanup_free_ char *key = NULL, *svc = NULL;
	json_t *set;

	if (informer_key(obj, &key) < 0)
		return;
	svc = deleted ? NULL : slice_service(obj);
	pthread_mutex_lock(&p->lock);
	slice_unlink(p, key);
	if (svc) {
		set = json_object_get(p->by_service, svc);
		if (!set) {
			set = json_object();
			json_object_set_new(p->by_service, svc, set);
		}
		json_object_set_new(set, key, json_true());
		json_object_set_new(p->slice_owner, key, json_string(svc));
		mark(p, svc);
	}
	pthread_mutex_unlock(&p->lock);
}

static void slice_add(void *ud, const json_t *obj)
{
	slice_set(ud, obj, false);
}

static void slice_update(void *ud, const json_t *old, const json_t *obj)
{
	slice_set(ud, obj, false);
}

static void slice_delete(void *ud, const json_t *obj)
{
	slice_set(ud, obj, true);
}

/* The informers' notices (a watch broke, a re-list) to the log. */
static void informer_notice(void *ud, const char *msg)
{
	proxier_log(ud, "%s", msg);
}

int proxier_new(struct client *c, const struct proxier_config *cfg,
		struct proxier **ret)
{
	struct proxier *p = calloc(1, sizeof(*p));
	struct informer_opts so = {
	    .kind = kinds_by_path("core", "v1", "services"),
	    .notice = informer_notice,
	    .notice_ud = p,
	};
	struct informer_opts eo = {
	    .kind = kinds_by_path("discovery.k8s.io", "v1", "endpointslices"),
	    .notice = informer_notice,
	    .notice_ud = p,
	};
	struct informer_handlers sh = {svc_event, svc_update, svc_event, p};
	struct informer_handlers eh = {slice_add, slice_update, slice_delete,
				       p};
	int r;

	if (!p)
		return -ENOMEM;
	p->c = c;
	p->cfg = *cfg;
	if (!p->cfg.sync_period_ms)
		p->cfg.sync_period_ms = SYNC_PERIOD_DEFAULT_MS;
	pthread_mutex_init(&p->lock, NULL);
	{
		pthread_condattr_t ca; /* waits timed on the monotonic clock */

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&p->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	p->dirty = json_object();
	p->by_service = json_object();
	p->slice_owner = json_object();
	p->slot_of = json_object();
	p->owner[0] = json_object();
	p->owner[1] = json_object();
	p->need_full = true;
	r = (!p->dirty || !p->by_service || !p->slice_owner || !p->slot_of ||
	     !p->owner[0] || !p->owner[1])
		? -ENOMEM
		: 0;
	if (r == 0)
		r = informer_new(c, &so, &p->svcs);
	if (r == 0)
		r = informer_new(c, &eo, &p->slices);
	if (r == 0)
		r = informer_add_handlers(p->svcs, &sh);
	if (r == 0)
		r = informer_add_handlers(p->slices, &eh);
	if (r == 0) {
		char host[256] = "";

		gethostname(host, sizeof(host) - 1);
		r = event_recorder_new(
		    c, PROXIER_COMPONENT,
		    cfg->rules.node_name ? cfg->rules.node_name : host,
		    &p->events);
	}
	if (r < 0) {
		proxier_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

int proxier_start(struct proxier *p)
{
	int r = informer_start(p->svcs);

	return r < 0 ? r : informer_start(p->slices);
}

int proxier_wait_synced(struct proxier *p, int timeout_ms)
{
	int r = informer_wait_synced(p->svcs, timeout_ms);

	return r < 0 ? r : informer_wait_synced(p->slices, timeout_ms);
}

struct informer *proxier_services(struct proxier *p)
{
	return p->svcs;
}

struct informer *proxier_slices(struct proxier *p)
{
	return p->slices;
}

void proxier_stop(struct proxier *p)
{
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void proxier_free(struct proxier *p)
{
	if (!p)
		return;
	nfnl_close(p->nl);
	informer_free(p->svcs);
	informer_free(p->slices);
	event_recorder_free(p->events);
	for (size_t i = 0; i < p->nst; i++) {
		if (!p->st[i])
			continue;
		for (int f = 0; f < RULES_FAMILIES; f++)
			rules_frag_free(p->st[i]->frag[f]);
		free(p->st[i]->key);
		free(p->st[i]);
	}
	free(p->st);
	json_decref(p->dirty);
	json_decref(p->by_service);
	json_decref(p->slice_owner);
	json_decref(p->slot_of);
	json_decref(p->owner[0]);
	json_decref(p->owner[1]);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}

void proxier_get_stats(struct proxier *p, struct proxier_stats *ret)
{
	pthread_mutex_lock(&p->lock);
	*ret = p->stats;
	pthread_mutex_unlock(&p->lock);
}

int proxier_cleanup(const struct rules_config *cfg, struct kf_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		return -ENOMEM;
	for (int f = 0; f < RULES_FAMILIES; f++)
		rules_write_cleanup(m, cfg, f);
	if (fclose(m) != 0)
		return -ENOMEM;
	return nft_apply(text, len, err);
}
