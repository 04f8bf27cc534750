/*
 * watch_hub.c — the hub thread that tails the store's event log and
 * hands each event to listeners and streams, the notifier threads that
 * run streams' ready functions, and the encoded event lines.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cleanup.h"
#include "api/codec.h"
#include "apiserver/server.h"
#include "api/clock.h"
#include "apiserver/watch_i.h"

/* ------------------------------------------------------------- lines */

static struct wline *wline_alloc(size_t len)
{
	struct wline *l = malloc(sizeof(*l) + len);

	if (!l)
		return NULL;
	atomic_init(&l->refs, 1);
	l->len = len;
	return l;
}

struct wline *wline_event(const char *type, const char *obj, size_t obj_len)
{
	static const char mid[] = "\",\"object\":";
	size_t tlen = strlen(type);
	struct wline *l;
	char *p;

	l = wline_alloc(9 + tlen + sizeof(mid) - 1 + obj_len + 2);
	if (!l)
		return NULL;
	p = l->data;
	memcpy(p, "{\"type\":\"", 9);
	p += 9;
	memcpy(p, type, tlen);
	p += tlen;
	memcpy(p, mid, sizeof(mid) - 1);
	p += sizeof(mid) - 1;
	memcpy(p, obj, obj_len);
	p += obj_len;
	memcpy(p, "}\n", 2);
	return l;
}

static struct wline *wline_text(const char *text, int n)
{
	struct wline *l;

	if (n <= 0)
		return NULL;
	l = wline_alloc((size_t)n);
	if (l)
		memcpy(l->data, text, (size_t)n);
	return l;
}

struct wline *wline_expired(uint64_t rv, uint64_t oldest)
{
	char buf[320];
	int n;

	n = snprintf(buf, sizeof(buf),
		     "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\","
		     "\"apiVersion\":\"v1\",\"metadata\":{},\"status\":"
		     "\"Failure\",\"message\":\"too old resource version: "
		     "%" PRIu64 " (%" PRIu64 ")\",\"reason\":\"Expired\","
		     "\"code\":410}}\n",
		     rv, oldest);
	return wline_text(buf, n < (int)sizeof(buf) ? n : -1);
}

struct wline *wline_bookmark(const struct kind_info *kind, uint64_t rv,
			     bool initial_end)
{
	char buf[512];
	int n;

	n = snprintf(buf, sizeof(buf),
		     "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"%s\","
		     "\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":"
		     "\"%" PRIu64 "\"%s}}}\n",
		     kind->kind, kind->api_version, rv,
		     initial_end ? ",\"annotations\":{\"k8s.io/"
				   "initial-events-end\":\"true\"}"
				 : "");
	return wline_text(buf, n < (int)sizeof(buf) ? n : -1);
}

/* ------------------------------------------------------------ events */

void wev_init(struct wev *e, const struct store_event *raw)
{
	memset(e, 0, sizeof(*e));
	e->raw = raw;
	if (raw->key_len == 0 || raw->key_len > STORE_KEY_MAX)
		return;
	memcpy(e->key, raw->key, raw->key_len);
	e->key[raw->key_len] = '\0';
	if (server_parse_key(e->key, &e->kind, &e->ns, &e->name) < 0)
		e->kind = NULL;
}

void wev_release(struct wev *e)
{
	json_decref(e->cur);
	json_decref(e->prev);
	for (int i = 0; i < WL_COUNT; i++)
		wline_unref(e->line[i]);
}

/* The object after the change (ADDED, MODIFIED). */
static json_t *wev_cur(struct wev *e)
{
	const struct store_event *r = e->raw;

	if (!e->cur_done && r->type != STORE_EV_DELETED)
		e->cur = server_decode_value(r->data, r->len, r->rv);
	e->cur_done = true;
	return e->cur;
}

/* The object before the change (MODIFIED: the old value, DELETED: the
 * last one), with the rv of the change. */
static json_t *wev_prev(struct wev *e)
{
	const struct store_event *r = e->raw;

	if (!e->prev_done) {
		if (r->type == STORE_EV_DELETED)
			e->prev = server_decode_value(r->data, r->len, r->rv);
		else if (r->type == STORE_EV_MODIFIED)
			e->prev =
			    server_decode_value(r->old, r->old_len, r->rv);
	}
	e->prev_done = true;
	return e->prev;
}

static bool stream_wants(const struct watch_stream *ws, const json_t *obj)
{
	return obj && label_selector_matches_object(ws->lsel, obj) &&
	       field_selector_matches(ws->fsel, obj);
}

/* The shared line of kind `which`, built on first use; NULL if the
 * object cannot be decoded (skipped) or on out-of-memory (*ret_fail). */
static struct wline *wev_line(struct wev *e, enum wev_line which,
			      bool *ret_fail)
{
	static const char *const types[WL_COUNT] = {"ADDED", "MODIFIED",
						    "DELETED"};
	_cleanup_free_ char *text = NULL;
	json_t *obj;
	size_t len;

	if (e->line[which])
		return e->line[which];
	obj = which == WL_DELETED ? wev_prev(e) : wev_cur(e);
	if (!obj)
		return NULL;
	text = codec_encode_json_line(obj, &len);
	if (text)
		e->line[which] = wline_event(types[which], text, len);
	if (!e->line[which])
		*ret_fail = true;
	return e->line[which];
}

struct wline *wev_line_for(struct wev *e, const struct watch_stream *ws,
			   bool *ret_fail)
{
	bool filtered = ws->lsel || ws->fsel;
	enum wev_line which;
	struct wline *l;

	switch (e->raw->type) {
	case STORE_EV_ADDED:
		if (filtered && !stream_wants(ws, wev_cur(e)))
			return NULL;
		which = WL_ADDED;
		break;
	case STORE_EV_MODIFIED:
		which = WL_MODIFIED;
		if (filtered) {
			bool now = stream_wants(ws, wev_cur(e));
			bool before = stream_wants(ws, wev_prev(e));

			if (!now && !before)
				return NULL;
			if (!before)
				which = WL_ADDED;
			else if (!now)
				which = WL_DELETED;
		}
		break;
	case STORE_EV_DELETED:
		if (filtered && !stream_wants(ws, wev_prev(e)))
			return NULL;
		which = WL_DELETED;
		break;
	default:
		return NULL;
	}
	l = wev_line(e, which, ret_fail);
	return l ? wline_ref(l) : NULL;
}

/* --------------------------------------------------------------- hub */

int64_t watch_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void limits_fill(struct watch_limits *dst, const struct watch_limits *l)
{
	dst->max_streams =
	    l && l->max_streams ? l->max_streams : WATCH_MAX_STREAMS;
	dst->max_streams_per_uid = l && l->max_streams_per_uid
				       ? l->max_streams_per_uid
				       : WATCH_MAX_STREAMS_PER_UID;
	dst->max_queue_bytes = l && l->max_queue_bytes ? l->max_queue_bytes
						       : WATCH_MAX_QUEUE_BYTES;
	dst->max_queue_events = l && l->max_queue_events
				    ? l->max_queue_events
				    : WATCH_MAX_QUEUE_EVENTS;
	dst->bookmark_ms =
	    l && l->bookmark_ms ? l->bookmark_ms : WATCH_BOOKMARK_MS;
	dst->reserve_streams = l && l->reserve_streams ? l->reserve_streams
						       : WATCH_RESERVE_STREAMS;
	dst->max_bytes = l && l->max_bytes ? l->max_bytes : WATCH_MAX_BYTES;
	dst->max_bytes_per_uid = l && l->max_bytes_per_uid
				     ? l->max_bytes_per_uid
				     : WATCH_MAX_BYTES_PER_UID;
	dst->reserve_bytes =
	    l && l->reserve_bytes ? l->reserve_bytes : WATCH_RESERVE_BYTES;
}

void watch_hub_set_limits(struct watch_hub *hub, const struct watch_limits *lim)
{
	pthread_mutex_lock(&hub->slock);
	limits_fill(&hub->lim, lim);
	pthread_mutex_unlock(&hub->slock);
}

/* Hand one event to every stream that wants it. */
static void hub_dispatch(struct watch_hub *hub, struct wev *e)
{
	uint64_t rv = e->raw->rv;

	pthread_mutex_lock(&hub->slock);
	for (struct watch_stream *ws = hub->streams; e->kind && ws;
	     ws = ws->next) {
		struct wline *line;
		bool fail = false;

		if (ws->kind != e->kind || rv <= ws->start_rv ||
		    (ws->ns && strcmp(ws->ns, e->ns)))
			continue;
		line = wev_line_for(e, ws, &fail);
		if (line)
			stream_push(ws, line, rv);
		else if (fail)
			stream_end(ws, true, 0, rv);
	}
	atomic_store(&hub->rv, rv);
	pthread_mutex_unlock(&hub->slock);
}

static void hub_on_event(struct watch_hub *hub, const struct store_event *raw)
{
	unsigned n =
	    atomic_load_explicit(&hub->nlisteners, memory_order_acquire);
	struct watch_event_info info;
	struct wev e;

	wev_init(&e, raw);
	info = (struct watch_event_info){
	    .rv = raw->rv,
	    .type = raw->type,
	    .kind = e.kind,
	    .ns = e.kind ? e.ns : NULL,
	    .name = e.kind ? e.name : NULL,
	    .raw = raw,
	};
	for (unsigned i = 0; i < n; i++)
		hub->listeners[i].fn(hub->listeners[i].ud, &info);
	hub_dispatch(hub, &e);
	wev_release(&e);
}

/*
 * The log was compacted past the hub (it was stalled for longer than the
 * store keeps events): streams that needed the lost events get 410, and
 * delivery goes on from the oldest event left.
 */
static void hub_expired(struct watch_hub *hub)
{
	uint64_t oldest = store_oldest_resumable_rv(hub->st);
	uint64_t rv = atomic_load(&hub->rv);

	pthread_mutex_lock(&hub->slock);
	for (struct watch_stream *ws = hub->streams; ws; ws = ws->next)
		if (ws->start_rv < oldest)
			stream_end(ws, true,
				   ws->start_rv > rv ? ws->start_rv : rv,
				   oldest);
	if (oldest > rv)
		atomic_store(&hub->rv, oldest);
	pthread_mutex_unlock(&hub->slock);
}

/* Events copied out of the store's read transaction. */
struct batch {
	struct store_event **evs;
	size_t n, cap, bytes;
};

static int batch_add(void *ud, const struct store_event *raw)
{
	struct batch *b = ud;
	size_t size = sizeof(*raw) + raw->key_len + raw->len + raw->old_len;
	struct store_event *c;
	char *p;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct store_event **evs = realloc(b->evs, cap * sizeof(*evs));

		if (!evs)
			return -ENOMEM;
		b->evs = evs;
		b->cap = cap;
	}
	c = malloc(size);
	if (!c)
		return -ENOMEM;
	*c = *raw;
	p = (char *)(c + 1);
	c->key = memcpy(p, raw->key, raw->key_len);
	p += raw->key_len;
	c->data = raw->data ? memcpy(p, raw->data, raw->len) : NULL;
	p += raw->len;
	c->old = raw->old ? memcpy(p, raw->old, raw->old_len) : NULL;
	b->evs[b->n++] = c;
	b->bytes += size;
	return b->bytes >= WATCH_BATCH_BYTES ? 1 : 0;
}

/* Deliver everything committed since the last call. */
static void hub_tail(struct watch_hub *hub)
{
	for (;;) {
		struct batch b = {0};
		int r;

		r = store_events(hub->st, atomic_load(&hub->rv), WATCH_BATCH,
				 batch_add, &b);
		for (size_t i = 0; i < b.n; i++) {
			hub_on_event(hub, b.evs[i]);
			free(b.evs[i]);
		}
		free(b.evs);
		if (r == -ERANGE) {
			hub_expired(hub);
			continue;
		}
		/* an error is retried at the next wake-up */
		if (r < 0 || (r == 0 && b.n < WATCH_BATCH))
			return;
	}
}

/* Timeouts and bookmarks. */
static void hub_tick(struct watch_hub *hub)
{
	int64_t now = (int64_t)mono_ms();
	uint64_t rv;

	pthread_mutex_lock(&hub->slock);
	rv = atomic_load(&hub->rv);
	for (struct watch_stream *ws = hub->streams; ws; ws = ws->next) {
		if (ws->deadline && now >= ws->deadline) {
			stream_end(ws, false, 0, 0);
		} else if (ws->bookmarks && rv > ws->start_rv &&
			   now - ws->last_bookmark >=
			       (int64_t)hub->lim.bookmark_ms) {
			ws->last_bookmark = now;
			stream_bookmark(ws, rv);
		}
	}
	pthread_mutex_unlock(&hub->slock);
}

static void *hub_main(void *arg)
{
	struct watch_hub *hub = arg;

	for (;;) {
		struct timespec ts;
		bool stop;

		mono_deadline(hub->poll_ms, &ts);
		pthread_mutex_lock(&hub->lock);
		if (!hub->poked && !hub->stop)
			pthread_cond_timedwait(&hub->wake, &hub->lock, &ts);
		hub->poked = false;
		stop = hub->stop;
		pthread_mutex_unlock(&hub->lock);
		if (stop)
			break;
		hub_tail(hub);
		hub_tick(hub);
	}
	return NULL;
}

/* Run ready functions, off the hub thread and without locks. */
static void *notifier_main(void *arg)
{
	struct watch_hub *hub = arg;

	for (;;) {
		struct watch_stream *ws;
		void (*fn)(void *);
		void *ud;

		pthread_mutex_lock(&hub->nlock);
		while (!hub->nhead && !hub->nstop)
			pthread_cond_wait(&hub->ncond, &hub->nlock);
		ws = hub->nstop ? NULL : hub->nhead;
		if (!ws) {
			pthread_mutex_unlock(&hub->nlock);
			return NULL;
		}
		hub->nhead = ws->notify_next;
		if (!hub->nhead)
			hub->ntail = NULL;
		else /* more work: another notifier may help */
			pthread_cond_signal(&hub->ncond);
		ws->notify_next = NULL;
		pthread_mutex_unlock(&hub->nlock);

		pthread_mutex_lock(&ws->lock);
		ws->notify_queued = false;
		fn = ws->dying ? NULL : ws->fn;
		ud = ws->ud;
		ws->in_callback = fn != NULL;
		if (!fn)
			pthread_cond_broadcast(&ws->idle);
		pthread_mutex_unlock(&ws->lock);
		if (!fn)
			continue;
		fn(ud);
		pthread_mutex_lock(&ws->lock);
		ws->in_callback = false;
		pthread_cond_broadcast(&ws->idle);
		pthread_mutex_unlock(&ws->lock);
	}
}

void stream_notify_locked(struct watch_stream *ws)
{
	struct watch_hub *hub = ws->hub;

	if (!ws->armed || !ws->fn || ws->dying || (!ws->qlen && !ws->ended))
		return;
	ws->armed = false;
	if (ws->notify_queued)
		return;
	pthread_mutex_lock(&hub->nlock);
	if (!hub->nstop) {
		ws->notify_queued = true;
		if (hub->ntail) {
			hub->ntail->notify_next = ws;
		} else {
			/* one wake-up per burst; notifiers wake each other */
			hub->nhead = ws;
			pthread_cond_signal(&hub->ncond);
		}
		hub->ntail = ws;
	}
	pthread_mutex_unlock(&hub->nlock);
}

static void hub_destroy(struct watch_hub *hub)
{
	pthread_mutex_destroy(&hub->lock);
	pthread_cond_destroy(&hub->wake);
	pthread_mutex_destroy(&hub->slock);
	pthread_mutex_destroy(&hub->llock);
	pthread_mutex_destroy(&hub->nlock);
	pthread_cond_destroy(&hub->ncond);
	free(hub->uids);
	wshare_free(hub->share);
	free(hub);
}

void watch_hub_unref(struct watch_hub *hub)
{
	if (hub && atomic_fetch_sub(&hub->refs, 1) == 1)
		hub_destroy(hub);
}

/*
 * Stop and join the notifier threads. What is still queued is dropped
 * without a call: nothing runs a ready function after this.
 */
static void notifiers_stop(struct watch_hub *hub)
{
	struct watch_stream *ws, *next;

	pthread_mutex_lock(&hub->nlock);
	hub->nstop = true;
	pthread_cond_broadcast(&hub->ncond);
	pthread_mutex_unlock(&hub->nlock);
	for (unsigned i = 0; i < hub->nnotifiers; i++)
		pthread_join(hub->notifiers[i], NULL);
	hub->nnotifiers = 0;

	pthread_mutex_lock(&hub->nlock);
	ws = hub->nhead;
	hub->nhead = hub->ntail = NULL;
	pthread_mutex_unlock(&hub->nlock);
	for (; ws; ws = next) {
		pthread_mutex_lock(&ws->lock);
		next = ws->notify_next; /* ws may go once the flag clears */
		ws->notify_next = NULL;
		ws->notify_queued = false;
		pthread_cond_broadcast(&ws->idle);
		pthread_mutex_unlock(&ws->lock);
	}
}

int watch_hub_new(struct store *st, unsigned poll_ms, struct watch_hub **ret)
{
	struct watch_hub *hub;
	pthread_condattr_t ca;
	int r;

	if (!st || !ret)
		return -EINVAL;
	hub = calloc(1, sizeof(*hub));
	if (!hub)
		return -ENOMEM;
	hub->st = st;
	hub->poll_ms = poll_ms ? poll_ms : WATCH_DEF_POLL_MS;
	atomic_init(&hub->refs, 1);
	atomic_init(&hub->nlisteners, 0);
	pthread_mutex_init(&hub->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&hub->wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&hub->slock, NULL);
	pthread_mutex_init(&hub->llock, NULL);
	pthread_mutex_init(&hub->nlock, NULL);
	pthread_cond_init(&hub->ncond, NULL);
	limits_fill(&hub->lim, NULL);
	atomic_init(&hub->rv, store_current_rv(st));
	hub->share = wshare_new();

	for (unsigned i = 0; i < WATCH_NOTIFIERS; i++) {
		r = -pthread_create(&hub->notifiers[i], NULL, notifier_main,
				    hub);
		if (r < 0)
			goto out_notifiers;
		hub->nnotifiers++;
	}
	r = -pthread_create(&hub->thread, NULL, hub_main, hub);
	if (r < 0)
		goto out_notifiers;
	hub->thread_started = true;
	*ret = hub;
	return 0;

out_notifiers:
	notifiers_stop(hub);
	hub_destroy(hub);
	return r;
}

void watch_hub_free(struct watch_hub *hub)
{
	if (!hub)
		return;
	pthread_mutex_lock(&hub->lock);
	hub->stop = true;
	pthread_cond_signal(&hub->wake);
	pthread_mutex_unlock(&hub->lock);
	if (hub->thread_started)
		pthread_join(hub->thread, NULL);
	hub->thread_started = false;

	notifiers_stop(hub);
	pthread_mutex_lock(&hub->slock);
	hub->stopped = true;
	for (struct watch_stream *ws = hub->streams; ws; ws = ws->next)
		stream_end(ws, false, 0, 0);
	pthread_mutex_unlock(&hub->slock);
	watch_hub_unref(hub);
}

void watch_hub_poke(struct watch_hub *hub)
{
	if (!hub)
		return;
	pthread_mutex_lock(&hub->lock);
	hub->poked = true;
	pthread_cond_signal(&hub->wake);
	pthread_mutex_unlock(&hub->lock);
}

int watch_hub_add_listener(struct watch_hub *hub, watch_listener_fn fn,
			   void *ud)
{
	unsigned n;
	int r = 0;

	if (!hub || !fn)
		return -EINVAL;
	pthread_mutex_lock(&hub->llock);
	n = atomic_load(&hub->nlisteners);
	if (n >= WATCH_MAX_LISTENERS) {
		r = -ENOSPC;
	} else {
		hub->listeners[n] = (struct watch_listener){fn, ud};
		atomic_store_explicit(&hub->nlisteners, n + 1,
				      memory_order_release);
	}
	pthread_mutex_unlock(&hub->llock);
	return r;
}

uint64_t watch_hub_rv(struct watch_hub *hub)
{
	return atomic_load(&hub->rv);
}
