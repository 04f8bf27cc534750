/*
 * informer.c — list-then-watch cache of one kind's objects with handlers.
 *
 * One thread per informer: list, watch from the list's resourceVersion,
 * apply events to the cache and call the handlers; reopen the watch where
 * it broke; re-list (diffing the cache) after 410 Gone. Only that thread
 * changes the cache; the lock guards it for the getters.
 */
#include "client/informer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "client/client_i.h"
#include "client/informer_i.h"
#include "client/watch.h"

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 30000

struct informer {
	struct client *c;
	const struct kind_info *kind;
	char *ns, *labels, *fields;
	unsigned resync_ms;
	void (*transform)(json_t *obj);
	bool ignore_old;
	void (*notice)(void *ud, const char *msg);
	void *notice_ud;
	struct informer_handlers handlers[INFORMER_HANDLERS_MAX];
	size_t nhandlers;

	pthread_t thread;
	bool started; /* thread running (until informer_stop joined it) */
	bool ever_started;
	int wake[2]; /* pipe: a byte wakes the thread to stop */

	pthread_mutex_t lock;
	pthread_cond_t cond;	  /* synced or stopped changed */
	bool stopping;		  /* under lock */
	bool synced;		  /* under lock */
	struct inf_store cache;	  /* under lock */
	int error;		  /* under lock */
	struct informer_stats st; /* under lock */
	struct kf_error err;	  /* under lock */

	/* thread-private */
	uint64_t rv;	      /* where the next watch starts */
	uint64_t backoff_ms;  /* pause before the next retry */
	uint64_t next_resync; /* monotonic ms */
};

int informer_key(const json_t *obj, char **ret)
{
	const char *ns = kfc_meta_str(obj, "namespace");
	const char *name = kfc_meta_str(obj, "name");
	char *out = NULL;

	if (!name || !*name)
		return -EINVAL;
	if (ns && *ns) {
		if (asprintf(&out, "%s/%s", ns, name) < 0)
			return -ENOMEM;
	} else {
		out = strdup(name);
		if (!out)
			return -ENOMEM;
	}
	*ret = out;
	return 0;
}

int informer_split_key(const char *key, char *ret_ns, char *ret_name)
{
	const char *slash = key ? strchr(key, '/') : NULL;
	size_t nslen = slash ? (size_t)(slash - key) : 0;
	const char *name = slash ? slash + 1 : key;

	if (!key || (slash && (nslen == 0 || nslen > CLIENT_NAME_MAX)) ||
	    kfc_check_name(name) < 0)
		return -EINVAL;
	memcpy(ret_ns, key, nslen);
	ret_ns[nslen] = '\0';
	strcpy(ret_name, name);
	return 0;
}

static char *dup_opt(const char *s, bool *failed)
{
	char *d;

	if (!s || !*s)
		return NULL;
	d = strdup(s);
	if (!d)
		*failed = true;
	return d;
}

int informer_new(struct client *c, const struct informer_opts *o,
		 struct informer **ret)
{
	struct informer *inf;
	pthread_condattr_t ca;
	bool failed = false;

	if (!c || !o || !o->kind)
		return -EINVAL;
	inf = calloc(1, sizeof(*inf));
	if (!inf)
		return -ENOMEM;
	inf->c = c;
	inf->kind = o->kind;
	inf->ns = o->kind->namespaced ? dup_opt(o->ns, &failed) : NULL;
	inf->labels = dup_opt(o->label_selector, &failed);
	inf->fields = dup_opt(o->field_selector, &failed);
	inf->resync_ms = o->resync_ms;
	inf->transform = o->transform;
	inf->ignore_old = o->ignore_old;
	inf->notice = o->notice;
	inf->notice_ud = o->notice_ud;
	inf_store_init(&inf->cache, o->compact);
	inf->wake[0] = inf->wake[1] = -1;
	if (failed || pipe2(inf->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		int r = failed ? -ENOMEM : -errno;

		if (inf->wake[0] >= 0) {
			close(inf->wake[0]);
			close(inf->wake[1]);
		}
		free(inf->ns);
		free(inf->labels);
		free(inf->fields);
		free(inf);
		return r;
	}
	pthread_mutex_init(&inf->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&inf->cond, &ca);
	pthread_condattr_destroy(&ca);
	kf_error_init(&inf->err);
	*ret = inf;
	return 0;
}

int informer_add_handlers(struct informer *inf,
			  const struct informer_handlers *h)
{
	if (inf->ever_started)
		return -EBUSY;
	if (inf->nhandlers >= INFORMER_HANDLERS_MAX)
		return -ENOSPC;
	inf->handlers[inf->nhandlers++] = *h;
	return 0;
}

int informer_add_index(struct informer *inf, const char *name,
		       informer_index_fn fn)
{
	if (inf->ever_started)
		return -EBUSY;
	return inf_store_add_index(&inf->cache, name, fn);
}

/* Does an update handler read the old object? */
static bool wants_old(const struct informer *inf)
{
	if (inf->ignore_old)
		return false;
	for (size_t i = 0; i < inf->nhandlers; i++)
		if (inf->handlers[i].on_update)
			return true;
	return false;
}

/* ---- handlers ---- */

static void call_add(struct informer *inf, const json_t *obj)
{
	for (size_t i = 0; i < inf->nhandlers; i++)
		if (inf->handlers[i].on_add)
			inf->handlers[i].on_add(inf->handlers[i].ud, obj);
}

static void call_update(struct informer *inf, const json_t *old,
			const json_t *new)
{
	for (size_t i = 0; i < inf->nhandlers; i++)
		if (inf->handlers[i].on_update)
			inf->handlers[i].on_update(inf->handlers[i].ud,
						   inf->ignore_old ? NULL : old,
						   new);
}

static void call_delete(struct informer *inf, const json_t *obj)
{
	for (size_t i = 0; i < inf->nhandlers; i++)
		if (inf->handlers[i].on_delete)
			inf->handlers[i].on_delete(inf->handlers[i].ud, obj);
}

static void set_error(struct informer *inf, int code,
		      const struct kf_error *err)
{
	pthread_mutex_lock(&inf->lock);
	inf->error = code;
	if (code && err && err->msg[0])
		inf->err = *err;
	else if (code)
		kf_error_set(&inf->err, code, "%s", strerror(-code));
	else
		kf_error_init(&inf->err);
	pthread_mutex_unlock(&inf->lock);
}

/* Tell the component, through its notice function, what happened to the
 * informer's watch: "pods (fieldSelector spec.nodeName=n1): MSG". */
__attribute__((format(printf, 2, 3))) static void notice(struct informer *inf,
							 const char *fmt, ...)
{
	char msg[KF_ERROR_MSG_MAX + 256];
	size_t n;
	va_list ap;

	if (!inf->notice)
		return;
	n = (size_t)snprintf(msg, sizeof(msg), "%s", inf->kind->resource);
	if (inf->ns && n < sizeof(msg))
		n += (size_t)snprintf(msg + n, sizeof(msg) - n,
				      " in namespace %s", inf->ns);
	if ((inf->labels || inf->fields) && n < sizeof(msg))
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, " (%s%s%s%s%s)",
				      inf->labels ? "labelSelector " : "",
				      inf->labels ? inf->labels : "",
				      inf->labels && inf->fields ? ", " : "",
				      inf->fields ? "fieldSelector " : "",
				      inf->fields ? inf->fields : "");
	if (n + 2 < sizeof(msg)) {
		memcpy(msg + n, ": ", 3);
		va_start(ap, fmt);
		vsnprintf(msg + n + 2, sizeof(msg) - n - 2, fmt, ap);
		va_end(ap);
	}
	inf->notice(inf->notice_ud, msg);
}

/* ---- the cache: only the informer's thread calls these ---- */

/*
 * Put obj (a new reference, stolen) under key; call the handlers. Drops
 * the object when it is not newer than the cached one. text (may be
 * NULL): obj's JSON text as the server sent it.
 */
static void cache_upsert(struct informer *inf, const char *key, json_t *obj,
			 const char *text, size_t text_len)
{
	struct inf_entry *e;
	json_t *old = NULL;
	bool known;
	int r;

	if (inf->transform) {
		inf->transform(obj);
		text = NULL; /* no longer obj's */
	}
	pthread_mutex_lock(&inf->lock);
	e = inf_store_get(&inf->cache, key);
	known = e != NULL;
	if (e && client_object_rv(obj) <= e->rv && client_object_rv(obj) != 0) {
		pthread_mutex_unlock(&inf->lock);
		json_decref(obj);
		return;
	}
	if (!e && strmap_len(&inf->cache.entries) >= INFORMER_OBJECTS_MAX) {
		inf->error = -E2BIG;
		kf_error_set(&inf->err, -E2BIG,
			     "too many objects to cache: the limit is %d",
			     INFORMER_OBJECTS_MAX);
		pthread_mutex_unlock(&inf->lock);
		json_decref(obj);
		return;
	}
	if (e && wants_old(inf))
		old = inf_entry_value(e);
	r = inf_store_put(&inf->cache, key, obj, text, text_len);
	pthread_mutex_unlock(&inf->lock);
	if (r < 0) {
		json_decref(old);
		json_decref(obj);
		return;
	}
	old = inf_decode(old);
	if (known && (old || !wants_old(inf)))
		call_update(inf, old, obj);
	else if (!known)
		call_add(inf, obj);
	json_decref(old);
	json_decref(obj);
}

/* Remove key; call the delete handlers with last (NULL: the cached one). */
static void cache_remove(struct informer *inf, const char *key,
			 const json_t *last)
{
	struct inf_entry *e;
	json_t *old = NULL;

	pthread_mutex_lock(&inf->lock);
	e = inf_store_get(&inf->cache, key);
	if (!e || (last && client_object_rv(last) &&
		   client_object_rv(last) < e->rv)) {
		/* unknown, or the deletion of an earlier incarnation */
		pthread_mutex_unlock(&inf->lock);
		return;
	}
	if (!last)
		old = inf_entry_value(e);
	inf_store_del(&inf->cache, key);
	pthread_mutex_unlock(&inf->lock);
	old = inf_decode(old);
	if (last || old)
		call_delete(inf, last ? last : old);
	json_decref(old);
}

/* Replace the cache by a fresh list, calling handlers for differences. */
static void cache_replace(struct informer *inf, json_t *items)
{
	_cleanup_json_ json_t *listed = json_object();
	_cleanup_json_ json_t *gone = json_array();
	const char *key;
	size_t i, it = 0;
	json_t *v;

	if (!listed || !gone)
		return;
	json_array_foreach (items, i, v) {
		_cleanup_free_ char *k = NULL;

		if (informer_key(v, &k) < 0)
			continue;
		json_object_set_new(listed, k, json_true());
		cache_upsert(inf, k, json_incref(v), NULL, 0);
	}
	pthread_mutex_lock(&inf->lock);
	while (strmap_next(&inf->cache.entries, &it, &key, NULL)) {
		if (!json_object_get(listed, key))
			json_array_append_new(gone, json_string(key));
	}
	pthread_mutex_unlock(&inf->lock);
	json_array_foreach (gone, i, v)
		cache_remove(inf, json_string_value(v), NULL);
}

/* ---- the loop ---- */

static bool stopping(struct informer *inf)
{
	bool s;

	pthread_mutex_lock(&inf->lock);
	s = inf->stopping;
	pthread_mutex_unlock(&inf->lock);
	return s;
}

/* Sleep ms unless asked to stop; false when stopping. */
static bool pause_ms(struct informer *inf, uint64_t ms)
{
	struct pollfd pfd = {.fd = inf->wake[0], .events = POLLIN};
	uint64_t end = mono_ms() + ms;

	for (;;) {
		uint64_t now = mono_ms();

		if (stopping(inf))
			return false;
		if (now >= end)
			return true;
		poll(&pfd, 1, (int)(end - now));
	}
}

/* The pause after a failure: 1 s doubling to 30 s. */
static uint64_t next_backoff(struct informer *inf)
{
	uint64_t ms = inf->backoff_ms ? inf->backoff_ms : BACKOFF_FIRST_MS;

	inf->backoff_ms = ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms * 2;
	pthread_mutex_lock(&inf->lock);
	inf->st.backoffs++;
	pthread_mutex_unlock(&inf->lock);
	return ms;
}

static int do_list(struct informer *inf, struct kf_error *err)
{
	_cleanup_json_ json_t *items = NULL;
	uint64_t rv = 0;
	int r;

	r = client_list(inf->c, inf->kind, inf->ns, inf->labels, inf->fields,
			err, &items, &rv);
	if (r < 0) {
		if (!err->msg[0])
			kf_error_set(err, r, "%s", strerror(-r));
		set_error(inf, r, err);
		return r;
	}
	cache_replace(inf, items);
	inf->rv = rv;
	pthread_mutex_lock(&inf->lock);
	inf->st.lists++;
	inf->st.rv = rv;
	inf->synced = true;
	if (inf->error != -E2BIG) {
		inf->error = 0;
		kf_error_init(&inf->err);
	}
	pthread_cond_broadcast(&inf->cond);
	pthread_mutex_unlock(&inf->lock);
	return 0;
}

static void handle_event(struct informer *inf, struct watch_event *ev)
{
	_cleanup_free_ char *key = NULL;

	if (ev->type == WATCH_BOOKMARK || ev->type == WATCH_ERROR)
		return;
	if (informer_key(ev->object, &key) < 0)
		return;
	if (ev->type == WATCH_DELETED)
		cache_remove(inf, key, ev->object);
	else
		cache_upsert(inf, key, json_incref(ev->object), ev->text,
			     ev->text_len);
}

static void resync(struct informer *inf)
{
	_cleanup_json_ json_t *all = NULL;
	size_t i;
	json_t *v;

	if (informer_list(inf, &all) < 0)
		return;
	json_array_foreach (all, i, v)
		call_update(inf, v, v);
}

/* Wait for the watch or the stop pipe; the poll timeout honours resync. */
static int wait_readable(struct informer *inf, struct watch *w)
{
	struct pollfd pfd[2] = {
	    {.fd = watch_fd(w), .events = POLLIN},
	    {.fd = inf->wake[0], .events = POLLIN},
	};
	int timeout = -1;

	if (inf->resync_ms) {
		uint64_t now = mono_ms();

		if (now >= inf->next_resync) {
			resync(inf);
			inf->next_resync = now + inf->resync_ms;
		}
		timeout = (int)(inf->next_resync - now);
	}
	if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
		return -errno;
	return 0;
}

/* The watch is open (w) or closed (NULL); note where the cache stands. */
static void watch_state(struct informer *inf, const struct watch *w)
{
	pthread_mutex_lock(&inf->lock);
	inf->st.watching = w != NULL;
	if (w) {
		inf->st.watches++;
	} else {
		inf->st.watch_ends++;
		inf->st.rv = inf->rv;
	}
	pthread_mutex_unlock(&inf->lock);
}

/*
 * Watch from inf->rv until the stream breaks. Returns 0 to reopen at
 * once, -EAGAIN to reopen after a back-off, -ESTALE to re-list; why gets
 * the reason the stream ended (not when stopping).
 */
static int watch_once(struct informer *inf, struct kf_error *why)
{
	struct watch_opts o = {
	    .resource_version = inf->rv,
	    .label_selector = inf->labels,
	    .field_selector = inf->fields,
	    .allow_bookmarks = true,
	};
	struct watch *w = NULL;
	unsigned events = 0;
	int r;

	r = watch_open(inf->c, inf->kind, inf->ns, &o, why, &w);
	if (r == -ENOENT && inf->rv) {
		/* the window expired (or the namespace went) */
		kf_error_set(why, r,
			     "the watch from resourceVersion %" PRIu64
			     " cannot be opened: %s",
			     inf->rv, why->msg);
		watch_state(inf, NULL);
		return -ESTALE;
	}
	if (r < 0) {
		if (!why->msg[0])
			kf_error_set(why, r, "%s", strerror(-r));
		set_error(inf, r, why);
		kf_error_prefix(why, "opening the watch: ");
		watch_state(inf, NULL);
		return -EAGAIN;
	}
	watch_state(inf, w);
	for (;;) {
		struct watch_event ev = {0};

		if (stopping(inf)) {
			r = 0;
			break;
		}
		r = watch_next(w, 0, &ev);
		if (r == -ETIMEDOUT || r == -EINTR) {
			r = wait_readable(inf, w);
			if (r < 0)
				break;
			continue;
		}
		if (r == -EBADMSG) {
			/* the line is lost to the cache: say so */
			pthread_mutex_lock(&inf->lock);
			inf->st.bad_events++;
			pthread_mutex_unlock(&inf->lock);
			notice(inf,
			       "skipped a watch event that is not JSON "
			       "after resourceVersion %" PRIu64,
			       watch_last_rv(w));
			continue;
		}
		if (r < 0)
			break;
		events++;
		inf->backoff_ms = 0;
		pthread_mutex_lock(&inf->lock);
		inf->st.events++;
		inf->st.last_event = mono_ms();
		pthread_mutex_unlock(&inf->lock);
		if (ev.type == WATCH_ERROR) {
			const char *m = json_string_value(
			    json_object_get(ev.object, "message"));

			r = watch_event_status_code(&ev) == 410 ? -ESTALE
								: -EAGAIN;
			kf_error_set(why, r, "the server ended the watch: %s",
				     m ? m : "an ERROR event");
			watch_event_release(&ev);
			break;
		}
		handle_event(inf, &ev);
		watch_event_release(&ev);
	}
	if (watch_last_rv(w) > inf->rv)
		inf->rv = watch_last_rv(w);
	watch_close(w);
	watch_state(inf, NULL);
	if (r == -EPIPE) {
		/* the server ended the stream: reopen, at once if it gave
		 * us something, else after a pause */
		kf_error_set(why, r,
			     "the watch ended after %u events at "
			     "resourceVersion %" PRIu64,
			     events, inf->rv);
		return events ? 0 : -EAGAIN;
	}
	if (r == -ESTALE || r == -EAGAIN || r == 0)
		return r;
	kf_error_set(why, r, "reading the watch: %s", strerror(-r));
	set_error(inf, r, why);
	return -EAGAIN;
}

/* A reason without its full stop, to go on in one sentence. */
static const char *reason(struct kf_error *why)
{
	size_t n = strlen(why->msg);

	if (n && why->msg[n - 1] == '.')
		why->msg[n - 1] = '\0';
	return why->msg;
}

static void *informer_main(void *arg)
{
	struct informer *inf = arg;
	bool need_list = true;

	inf->next_resync = mono_ms() + inf->resync_ms;
	while (!stopping(inf)) {
		struct kf_error why;
		uint64_t ms;
		int r;

		kf_error_init(&why);
		if (need_list) {
			if (do_list(inf, &why) < 0) {
				ms = next_backoff(inf);
				notice(inf,
				       "listing: %s; again in %" PRIu64 " ms",
				       reason(&why), ms);
				if (!pause_ms(inf, ms))
					break;
				continue;
			}
			need_list = false;
			inf->backoff_ms = 0;
		}
		r = watch_once(inf, &why);
		if (stopping(inf))
			break;
		if (r == -ESTALE) {
			notice(inf, "%s; listing again", reason(&why));
			need_list = true;
		} else if (r == -EAGAIN) {
			ms = next_backoff(inf);
			notice(inf, "%s; watching again in %" PRIu64 " ms",
			       reason(&why), ms);
			if (!pause_ms(inf, ms))
				break;
		} else {
			notice(inf, "%s; watching again", reason(&why));
		}
	}
	pthread_mutex_lock(&inf->lock);
	pthread_cond_broadcast(&inf->cond);
	pthread_mutex_unlock(&inf->lock);
	return NULL;
}

int informer_start(struct informer *inf)
{
	int r;

	if (inf->ever_started)
		return -EBUSY;
	pthread_mutex_lock(&inf->lock);
	inf->stopping = false;
	pthread_mutex_unlock(&inf->lock);
	r = pthread_create(&inf->thread, NULL, informer_main, inf);
	if (r)
		return -r;
	inf->started = inf->ever_started = true;
	return 0;
}

void informer_stop(struct informer *inf)
{
	char b = 1;

	pthread_mutex_lock(&inf->lock);
	inf->stopping = true;
	pthread_cond_broadcast(&inf->cond);
	pthread_mutex_unlock(&inf->lock);
	if (!inf->started)
		return;
	if (write(inf->wake[1], &b, 1) < 0) {
		/* the pipe is full: the thread is already being woken */
	}
	pthread_join(inf->thread, NULL);
	inf->started = false;
}

void informer_free(struct informer *inf)
{
	if (!inf)
		return;
	informer_stop(inf);
	close(inf->wake[0]);
	close(inf->wake[1]);
	inf_store_release(&inf->cache);
	pthread_cond_destroy(&inf->cond);
	pthread_mutex_destroy(&inf->lock);
	free(inf->ns);
	free(inf->labels);
	free(inf->fields);
	free(inf);
}

bool informer_has_synced(struct informer *inf)
{
	bool s;

	pthread_mutex_lock(&inf->lock);
	s = inf->synced;
	pthread_mutex_unlock(&inf->lock);
	return s;
}

int informer_wait_synced(struct informer *inf, int timeout_ms)
{
	struct timespec ts = {0};
	int r = 0;

	if (timeout_ms > 0)
		mono_deadline((uint64_t)timeout_ms, &ts);
	pthread_mutex_lock(&inf->lock);
	while (!inf->synced && !inf->stopping && r == 0) {
		if (timeout_ms < 0)
			pthread_cond_wait(&inf->cond, &inf->lock);
		else if (timeout_ms == 0 ||
			 pthread_cond_timedwait(&inf->cond, &inf->lock, &ts))
			r = -ETIMEDOUT;
	}
	if (!inf->synced && r == 0)
		r = -ECANCELED;
	if (inf->synced)
		r = 0;
	pthread_mutex_unlock(&inf->lock);
	return r;
}

int informer_get(struct informer *inf, const char *key, json_t **ret)
{
	struct inf_entry *e;
	json_t *v = NULL;

	if (!key)
		return -EINVAL;
	pthread_mutex_lock(&inf->lock);
	e = inf_store_get(&inf->cache, key);
	if (e)
		v = inf_entry_value(e);
	pthread_mutex_unlock(&inf->lock);
	if (!e)
		return -ENOENT;
	v = inf_decode(v);
	if (!v)
		return -ENOMEM;
	*ret = v;
	return 0;
}

int informer_list_index(struct informer *inf, const char *index,
			const char *value, json_t **ret)
{
	struct inf_item *items = NULL;
	size_t n = 0;
	int r;

	pthread_mutex_lock(&inf->lock);
	r = inf_store_collect(&inf->cache, index, value, &items, &n);
	pthread_mutex_unlock(&inf->lock);
	if (r < 0)
		return r;
	return inf_items_to_array(items, n, ret);
}

int informer_list(struct informer *inf, json_t **ret)
{
	return informer_list_index(inf, NULL, NULL, ret);
}

size_t informer_len(struct informer *inf)
{
	size_t n;

	pthread_mutex_lock(&inf->lock);
	n = strmap_len(&inf->cache.entries);
	pthread_mutex_unlock(&inf->lock);
	return n;
}

int informer_error(struct informer *inf, struct kf_error *err)
{
	int r;

	pthread_mutex_lock(&inf->lock);
	r = inf->error;
	if (r && err)
		*err = inf->err;
	pthread_mutex_unlock(&inf->lock);
	return r;
}

void informer_stats(struct informer *inf, struct informer_stats *ret)
{
	pthread_mutex_lock(&inf->lock);
	*ret = inf->st;
	pthread_mutex_unlock(&inf->lock);
}
