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
#include "client/client_i.h"

#define CREATE_TRIES 4

struct pending {
	struct pending *next;
	json_t *involved; /* the involvedObject reference (owned) */
	char *type, *reason, *message;
	struct timespec when; /* CLOCK_REALTIME */
	uint64_t seq;
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

	/*
	 * Writer thread only: key -> {"ns","name","count","first","last"
	 * (unix seconds),"used" (LRU tick)}.
	 */
	json_t *cache;
	uint64_t tick;
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

/* Drop the least recently used entry when the cache is full. */
static void cache_make_room(struct event_recorder *r)
{
	const char *key, *oldest = NULL;
	json_int_t best = 0;
	json_t *v;

	if (json_object_size(r->cache) < EVENTS_CACHE_MAX)
		return;
	json_object_foreach (r->cache, key, v) {
		json_int_t used =
		    json_integer_value(json_object_get(v, "used"));

		if (!oldest || used < best) {
			oldest = key;
			best = used;
		}
	}
	if (oldest)
		json_object_del(r->cache, oldest);
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
		if (res == 0) {
			cache_make_room(r);
			json_object_set_new(
			    r->cache, key,
			    json_pack("{s:s, s:s, s:i, s:I, s:I}", "ns", ns,
				      "name", name, "count", 1, "last",
				      (json_int_t)p->when.tv_sec, "used",
				      (json_int_t)++r->tick));
		}
	}
	return res;
}

/* Fold p into the cached Event: count + 1, lastTimestamp now. */
static int patch_event(struct event_recorder *r, const struct pending *p,
		       json_t *entry)
{
	_cleanup_json_ json_t *patch = NULL;
	char ts[RFC3339_MAX];
	json_int_t count =
	    json_integer_value(json_object_get(entry, "count")) + 1;
	int res;

	rfc3339_format(&p->when, false, ts);
	patch = json_pack("{s:I, s:s}", "count", count, "lastTimestamp", ts);
	if (!patch)
		return -ENOMEM;
	res = client_patch(r->c, r->kind, kfc_str(entry, "ns"),
			   kfc_str(entry, "name"), patch, NULL, NULL);
	if (res == 0) {
		json_object_set_new(entry, "count", json_integer(count));
		json_object_set_new(entry, "last",
				    json_integer(p->when.tv_sec));
		json_object_set_new(entry, "used", json_integer(++r->tick));
	}
	return res;
}

static void write_event(struct event_recorder *r, const struct pending *p)
{
	_cleanup_free_ char *key = event_key(r, p);
	json_t *entry;
	int res;

	if (!key) {
		stat_add(r, &r->st.failed, -ENOMEM);
		return;
	}
	entry = json_object_get(r->cache, key);
	if (entry && p->when.tv_sec - json_integer_value(
					  json_object_get(entry, "last")) <
			 EVENTS_DEDUP_WINDOW_S) {
		res = patch_event(r, p, entry);
		if (res == 0) {
			stat_add(r, &r->st.patched, 0);
			return;
		}
		/* the Event is gone (or unpatchable): start a new one */
	}
	if (entry)
		json_object_del(r->cache, key);
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
	r->cache = json_object();
	if (!r->kind || !r->component || (host && *host && !r->host) ||
	    !r->cache) {
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
	json_decref(r->cache);
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
	json_decref(r->cache);
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
