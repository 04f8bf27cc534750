/*
 * watch_share.c — ADDED lines of listed objects, shared between streams.
 *
 * Streams listing the same objects (many watchers of one namespace, a
 * controller's informers relisting) build the same line for the same
 * object at the same rv. The hub keeps the newest such lines, keyed by
 * store key and rv, up to WATCH_SHARE_BYTES, least recently used first
 * out: a stream takes a reference to the line another stream built
 * instead of encoding the object again. A line dropped from here lives
 * on while streams still hold it (and counts in their budgets).
 */
#include "apiserver/watch_i.h"

#include <stdlib.h>
#include <string.h>

#include "api/hash.h"

#define SHARE_BUCKETS 1024

struct wshare_entry {
	struct wshare_entry *hnext;	  /* bucket chain */
	struct wshare_entry *prev, *next; /* LRU, newest first */
	uint64_t rv;
	struct wline *line;
	char key[];
};

struct wshare {
	pthread_mutex_t lock;
	struct wshare_entry *buckets[SHARE_BUCKETS];
	struct wshare_entry *newest, *oldest;
	size_t bytes;
};

static size_t hash(const char *key, uint64_t rv)
{
	uint64_t h = fnv1a(FNV1A_OFFSET ^ rv, key, strlen(key));

	return (size_t)(h % SHARE_BUCKETS);
}

struct wshare *wshare_new(void)
{
	struct wshare *s = calloc(1, sizeof(*s));

	if (s)
		pthread_mutex_init(&s->lock, NULL);
	return s;
}

static void lru_unlink(struct wshare *s, struct wshare_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		s->newest = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		s->oldest = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct wshare *s, struct wshare_entry *e)
{
	e->next = s->newest;
	if (s->newest)
		s->newest->prev = e;
	s->newest = e;
	if (!s->oldest)
		s->oldest = e;
}

static void entry_drop(struct wshare *s, struct wshare_entry *e)
{
	struct wshare_entry **p = &s->buckets[hash(e->key, e->rv)];

	while (*p != e)
		p = &(*p)->hnext;
	*p = e->hnext;
	lru_unlink(s, e);
	s->bytes -= e->line->len;
	wline_unref(e->line);
	free(e);
}

struct wline *wshare_get(struct wshare *s, const char *key, uint64_t rv)
{
	struct wshare_entry *e;
	struct wline *l = NULL;

	if (!s)
		return NULL;
	pthread_mutex_lock(&s->lock);
	for (e = s->buckets[hash(key, rv)]; e; e = e->hnext)
		if (e->rv == rv && !strcmp(e->key, key)) {
			lru_unlink(s, e);
			lru_push(s, e);
			l = wline_ref(e->line);
			break;
		}
	pthread_mutex_unlock(&s->lock);
	return l;
}

void wshare_put(struct wshare *s, const char *key, uint64_t rv,
		struct wline *line)
{
	size_t klen = strlen(key), b;
	struct wshare_entry *e;

	if (!s || line->len > WATCH_SHARE_BYTES / 4)
		return;
	e = malloc(sizeof(*e) + klen + 1);
	if (!e)
		return;
	memcpy(e->key, key, klen + 1);
	e->rv = rv;
	e->prev = e->next = NULL;
	e->line = wline_ref(line);
	b = hash(key, rv);
	pthread_mutex_lock(&s->lock);
	for (struct wshare_entry *o = s->buckets[b]; o; o = o->hnext)
		if (o->rv == rv && !strcmp(o->key, key)) {
			/* another stream was first */
			pthread_mutex_unlock(&s->lock);
			wline_unref(e->line);
			free(e);
			return;
		}
	e->hnext = s->buckets[b];
	s->buckets[b] = e;
	lru_push(s, e);
	s->bytes += line->len;
	while (s->bytes > WATCH_SHARE_BYTES && s->oldest != e)
		entry_drop(s, s->oldest);
	pthread_mutex_unlock(&s->lock);
}

void wshare_free(struct wshare *s)
{
	if (!s)
		return;
	while (s->oldest)
		entry_drop(s, s->oldest);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
