/*
 * events.c — client-go's event recorder: a bounded queue, a writer thread
 * and an LRU of recent events to fold duplicates into a count.
 */
#include "client/events.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "api/strmap.h"
#include "client/client_i.h"

#define CREATE_TRIES 4

struct pending {
	struct pending *next;
	json_t *involved; /* the involvedObject reference (owned) */
	char *type, *reason, *message;
	struct timespec when; /* CLOCK_REALTIME */
	uint64_t seq;
};

/* An Event written recently, for de-duplication. */
struct cached {
	struct cached *prev, *next; /* LRU list */
	char *key;		    /* the map's key (a copy) */
	char *ns, *name;	    /* the Event's */
	json_int_t count;
	time_t last; /* unix seconds */
};

struct event_recorder {
	struct client *c;
	const struct kind_info *kind; /* core/v1 events */
	char *component, *host;

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;			/* under lock */
	struct pending *head, *tail;	/* under lock */
	size_t queued;			/* under lock */
	uint64_t next_seq, done_seq;	/* under lock */
	struct event_recorder_stats st; /* under lock */

	/* Writer thread only: key -> struct cached, and the same entries
	 * from the most recently used (lru.next) to the least (lru.prev). */
	struct strmap cache;
	struct cached lru;
};

static void pending_free(struct pending *p)
{
	if (!p)
		return;
	json_decref(p->involved);
	free(p->type);
	free(p->reason);
	free(p->message);
	free(p);
}

/* ---- the writer thread ---- */

static void stat_add(struct event_recorder *r, uint64_t *field, int error)
{
	pthread_mutex_lock(&r->lock);
	(*field)++;
	if (error)
		r->st.last_error = error;
	pthread_mutex_unlock(&r->lock);
}

/* The de-duplication key of an event: who, what, from where. */
static char *event_key(const struct event_recorder *r, const struct pending *p)
{
	const json_t *o = p->involved;
	char *key = NULL;

	if (asprintf(&key, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s",
		     kfc_str(o, "apiVersion") ?: "", kfc_str(o, "kind") ?: "",
		     kfc_str(o, "namespace") ?: "", kfc_str(o, "name") ?: "",
		     kfc_str(o, "uid") ?: "", p->type, p->reason, p->message,
		     r->host ? r->host : "") < 0)
		return NULL;
	return key;
}

static const char *event_namespace(const struct pending *p)
{
	const char *ns = kfc_str(p->involved, "namespace");

	return ns && *ns ? ns : "default";
}

static void lru_unlink(struct cached *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
}

static void lru_push_front(struct event_recorder *r, struct cached *e)
{
	e->next = r->lru.next;
	e->prev = &r->lru;
	r->lru.next->prev = e;
	r->lru.next = e;
}

static void cached_free(struct cached *e)
{
	free(e->key);
	free(e->ns);
	free(e->name);
	free(e);
}

static void cache_del(struct event_recorder *r, struct cached *e)
{
	strmap_remove(&r->cache, e->key);
	lru_unlink(e);
	cached_free(e);
}

/* Remember an Event just created, dropping the least recently used one
 * when the cache is full. */
static void cache_add(struct event_recorder *r, const char *key, const char *ns,
		      const char *name, time_t when)
{
	struct cached *e;

	if (strmap_len(&r->cache) >= EVENTS_CACHE_MAX)
		cache_del(r, r->lru.prev);
	e = calloc(1, sizeof(*e));
	if (!e)
		return;
	e->key = strdup(key);
	e->ns = strdup(ns);
	e->name = strdup(name);
	e->count = 1;
	e->last = when;
	if (!e->key || !e->ns || !e->name ||
	    strmap_put(&r->cache, key, e) < 0) {
		cached_free(e);
		return;
	}
	lru_push_front(r, e);
}

static int create_event(struct event_recorder *r, const struct pending *p,
			const char *key)
{
	char ts[RFC3339_MAX];
	const char *objname = kfc_str(p->involved, "name");
	const char *ns = event_namespace(p);
	uint64_t nanos = (uint64_t)p->when.tv_sec * 1000000000ULL +
			 (uint64_t)p->when.tv_nsec;
	int res = -EEXIST;

	rfc3339_format(&p->when, false, ts);
	for (int i = 0; i < CREATE_TRIES && res == -EEXIST; i++) {
		_cleanup_json_ json_t *ev = NULL;
		struct kf_error err;
		char name[CLIENT_NAME_MAX + 1];

		/* "<object>.<16 hex>", the object part cut to fit */
		snprintf(name, sizeof(name), "%.*s.%016" PRIx64,
			 CLIENT_NAME_MAX - 17, objname, nanos + i);
		ev = json_pack("{s:s, s:s, s:{s:s, s:s}, s:O, s:s, s:s, s:s,"
			       " s:{s:s, s:s?}, s:s, s:s, s:i, s:s, s:s}",
			       "apiVersion", "v1", "kind", "Event", "metadata",
			       "name", name, "namespace", ns, "involvedObject",
			       p->involved, "reason", p->reason, "message",
			       p->message, "type", p->type, "source",
			       "component", r->component, "host", r->host,
			       "firstTimestamp", ts, "lastTimestamp", ts,
			       "count", 1, "reportingComponent", r->component,
			       "reportingInstance", r->host ? r->host : "");
		if (!ev)
			return -ENOMEM;
		kf_error_init(&err);
		res = client_create(r->c, r->kind, ns, ev, &err, NULL);
		if (res == 0)
			cache_add(r, key, ns, name, p->when.tv_sec);
	}
	return res;
}

/* Fold p into the cached Event: count + 1, lastTimestamp now. */
static int patch_event(struct event_recorder *r, const struct pending *p,
		       struct cached *entry)
{
	_cleanup_json_ json_t *patch = NULL;
	char ts[RFC3339_MAX];
	json_int_t count = entry->count + 1;
	int res;

	rfc3339_format(&p->when, false, ts);
	patch = json_pack("{s:I, s:s}", "count", count, "lastTimestamp", ts);
	if (!patch)
		return -ENOMEM;
	res = client_patch(r->c, r->kind, entry->ns, entry->name, patch, NULL,
			   NULL);
	if (res == 0) {
		entry->count = count;
		entry->last = p->when.tv_sec;
		lru_unlink(entry);
		lru_push_front(r, entry);
	}
	return res;
}

static void write_event(struct event_recorder *r, const struct pending *p)
{
	_cleanup_free_ char *key = event_key(r, p);
	struct cached *entry;
	int res;

	if (!key) {
		stat_add(r, &r->st.failed, -ENOMEM);
		return;
	}
	entry = strmap_get(&r->cache, key);
	if (entry && p->when.tv_sec - entry->last < EVENTS_DEDUP_WINDOW_S) {
		res = patch_event(r, p, entry);
		if (res == 0) {
			stat_add(r, &r->st.patched, 0);
			return;
		}
		/* the Event is gone (or unpatchable): start a new one */
	}
	if (entry)
		cache_del(r, entry);
	res = create_event(r, p, key);
	if (res == 0)
		stat_add(r, &r->st.created, 0);
	else
		stat_add(r, &r->st.failed, res);
}

static void *writer_main(void *arg)
{
	struct event_recorder *r = arg;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct pending *p;

		while (!r->head && !r->stop)
			pthread_cond_wait(&r->cond, &r->lock);
		p = r->head;
		if (!p)
			break; /* stopping and drained */
		r->head = p->next;
		if (!r->head)
			r->tail = NULL;
		r->queued--;
		pthread_mutex_unlock(&r->lock);
		write_event(r, p);
		pthread_mutex_lock(&r->lock);
		r->done_seq = p->seq;
		pthread_cond_broadcast(&r->cond);
		pending_free(p);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* ---- the API ---- */

int event_recorder_new(struct client *c, const char *component,
		       const char *host, struct event_recorder **ret)
{
	struct event_recorder *r;
	int res;

	if (!c || !component || !*component)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->c = c;
	r->kind = kinds_by_path("core", "v1", "events");
	r->component = strdup(component);
	r->host = host && *host ? strdup(host) : NULL;
	strmap_init(&r->cache);
	r->lru.next = r->lru.prev = &r->lru;
	if (!r->kind || !r->component || (host && *host && !r->host)) {
		res = r->kind ? -ENOMEM : -ENOTSUP;
		goto out_free;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	res = -pthread_create(&r->thread, NULL, writer_main, r);
	if (res < 0)
		goto out_destroy;
	*ret = r;
	return 0;

out_destroy:
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
out_free:
	free(r->component);
	free(r->host);
	free(r);
	return res;
}

void event_recorder_free(struct event_recorder *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	while (r->lru.next != &r->lru)
		cache_del(r, r->lru.next);
	strmap_release(&r->cache);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r->component);
	free(r->host);
	free(r);
}

/* The involvedObject reference of obj. */
static json_t *reference(const json_t *obj)
{
	const json_t *meta = json_object_get(obj, "metadata");
	static const char *const from_meta[] = {"namespace", "name", "uid",
						"resourceVersion"};
	json_t *ref = json_object();

	if (!ref)
		return NULL;
	if (kfc_str(obj, "apiVersion"))
		json_object_set_new(ref, "apiVersion",
				    json_string(kfc_str(obj, "apiVersion")));
	json_object_set_new(ref, "kind", json_string(kfc_str(obj, "kind")));
	for (size_t i = 0; i < sizeof(from_meta) / sizeof(from_meta[0]); i++) {
		const char *v = kfc_str(meta, from_meta[i]);

		if (v && *v)
			json_object_set_new(ref, from_meta[i], json_string(v));
	}
	return ref;
}

/* Cut s to at most max bytes without splitting a UTF-8 sequence. */
static void cut_utf8(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	s[n] = '\0';
}

int event_recorder_veventf(struct event_recorder *r, const json_t *obj,
			   const char *type, const char *reason,
			   const char *fmt, va_list ap)
{
	struct pending *p;
	const char *kind = kfc_str(obj, "kind");
	const char *name = kfc_meta_str(obj, "name");

	if (!type || (strcmp(type, EVENT_TYPE_NORMAL) &&
		      strcmp(type, EVENT_TYPE_WARNING)))
		return -EINVAL;
	if (!reason || !*reason || !kind || !*kind || !name || !*name)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	clock_gettime(CLOCK_REALTIME, &p->when);
	p->involved = reference(obj);
	p->type = strdup(type);
	p->reason = strdup(reason);
	if (vasprintf(&p->message, fmt, ap) < 0)
		p->message = NULL;
	if (!p->involved || !p->type || !p->reason || !p->message) {
		pending_free(p);
		return -ENOMEM;
	}
	cut_utf8(p->message, EVENTS_MESSAGE_MAX);
	pthread_mutex_lock(&r->lock);
	if (r->queued >= EVENTS_QUEUE_MAX || r->stop) {
		r->st.dropped++;
		pthread_mutex_unlock(&r->lock);
		pending_free(p);
		return -ENOBUFS;
	}
	p->seq = ++r->next_seq;
	if (r->tail)
		r->tail->next = p;
	else
		r->head = p;
	r->tail = p;
	r->queued++;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

int event_recorder_eventf(struct event_recorder *r, const json_t *obj,
			  const char *type, const char *reason, const char *fmt,
			  ...)
{
	va_list ap;
	int res;

	va_start(ap, fmt);
	res = event_recorder_veventf(r, obj, type, reason, fmt, ap);
	va_end(ap);
	return res;
}

void event_recorder_flush(struct event_recorder *r)
{
	uint64_t target;

	pthread_mutex_lock(&r->lock);
	target = r->next_seq;
	while (r->done_seq < target)
		pthread_cond_wait(&r->cond, &r->lock);
	pthread_mutex_unlock(&r->lock);
}

void event_recorder_stats(struct event_recorder *r,
			  struct event_recorder_stats *ret)
{
	pthread_mutex_lock(&r->lock);
	*ret = r->st;
	pthread_mutex_unlock(&r->lock);
}
