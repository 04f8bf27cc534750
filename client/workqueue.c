/*
 * workqueue.c — client-go's workqueue: a FIFO of unique keys with
 * dirty/processing sets, delayed adds (a min-heap on ready time) and a
 * per-key exponential back-off. Delayed keys are promoted by whichever
 * caller looks at the queue (get, len) once their time has come, so the
 * queue needs no thread of its own.
 */
#include "client/workqueue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "api/hash.h"

#define DEFAULT_BASE_US 5000ULL		       /* 5 ms */
#define DEFAULT_MAX_US (1000ULL * 1000 * 1000) /* 1000 s */
#define NO_HEAP ((size_t)-1)

struct wq_item {
	char *key;
	struct wq_item *hnext; /* hash chain */
	struct wq_item *qnext; /* FIFO link while queued */
	bool dirty;	   /* wants processing (queued or waiting for done) */
	bool processing;   /* handed out, not done yet */
	size_t heap_idx;   /* position in the delay heap, or NO_HEAP */
	uint64_t ready_us; /* when delayed: monotonic time it is due */
	unsigned requeues; /* rate-limited adds since the last forget */
};

struct workqueue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t base_us, max_us;
	bool shutting_down;
	/* every key we hold any state for */
	struct wq_item **buckets;
	size_t nbuckets, nitems;
	/* FIFO of dirty, not processing keys */
	struct wq_item *head, *tail;
	size_t qlen;
	/* delayed keys, min-heap on ready_us */
	struct wq_item **heap;
	size_t nheap, heap_cap;
};

static uint64_t now_us(void)
{
	return mono_us();
}

static size_t hash(const char *s)
{
	return (size_t)fnv1a(FNV1A_OFFSET, s, strlen(s));
}

int workqueue_new(const struct workqueue_opts *o, struct workqueue **ret)
{
	_cleanup_free_ struct workqueue *q = calloc(1, sizeof(*q));
	pthread_condattr_t ca;

	if (!q)
		return -ENOMEM;
	q->nbuckets = 64;
	q->buckets = calloc(q->nbuckets, sizeof(*q->buckets));
	if (!q->buckets)
		return -ENOMEM;
	q->base_us = o && o->base_delay_us ? o->base_delay_us : DEFAULT_BASE_US;
	q->max_us = o && o->max_delay_us ? o->max_delay_us : DEFAULT_MAX_US;
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &ca);
	pthread_condattr_destroy(&ca);
	*ret = TAKE_PTR(q);
	return 0;
}

void workqueue_free(struct workqueue *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->nbuckets; i++) {
		struct wq_item *it = q->buckets[i], *next;

		for (; it; it = next) {
			next = it->hnext;
			free(it->key);
			free(it);
		}
	}
	free(q->buckets);
	free(q->heap);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

static struct wq_item *find(struct workqueue *q, const char *key)
{
	struct wq_item *it = q->buckets[hash(key) % q->nbuckets];

	while (it && strcmp(it->key, key))
		it = it->hnext;
	return it;
}

static void grow_table(struct workqueue *q)
{
	size_t n = q->nbuckets * 2;
	struct wq_item **b = calloc(n, sizeof(*b));

	if (!b)
		return; /* keep the longer chains */
	for (size_t i = 0; i < q->nbuckets; i++) {
		struct wq_item *it = q->buckets[i], *next;

		for (; it; it = next) {
			size_t h = hash(it->key) % n;

			next = it->hnext;
			it->hnext = b[h];
			b[h] = it;
		}
	}
	free(q->buckets);
	q->buckets = b;
	q->nbuckets = n;
}

static int check_key(const char *key)
{
	size_t len = key ? strlen(key) : 0;

	return len == 0 || len > WORKQUEUE_KEY_MAX ? -EINVAL : 0;
}

static int find_or_add(struct workqueue *q, const char *key,
		       struct wq_item **ret)
{
	struct wq_item *it = find(q, key);
	size_t h;

	if (it) {
		*ret = it;
		return 0;
	}
	if (q->nitems >= WORKQUEUE_KEYS_MAX)
		return -ENOSPC;
	it = calloc(1, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->key = strdup(key);
	if (!it->key) {
		free(it);
		return -ENOMEM;
	}
	it->heap_idx = NO_HEAP;
	if (q->nitems >= q->nbuckets)
		grow_table(q);
	h = hash(key) % q->nbuckets;
	it->hnext = q->buckets[h];
	q->buckets[h] = it;
	q->nitems++;
	*ret = it;
	return 0;
}

/* Drop the item if nothing refers to it any more. */
static void maybe_release(struct workqueue *q, struct wq_item *it)
{
	struct wq_item **pp;

	if (it->dirty || it->processing || it->heap_idx != NO_HEAP ||
	    it->requeues)
		return;
	for (pp = &q->buckets[hash(it->key) % q->nbuckets]; *pp;
	     pp = &(*pp)->hnext)
		if (*pp == it) {
			*pp = it->hnext;
			break;
		}
	q->nitems--;
	free(it->key);
	free(it);
}

static void push(struct workqueue *q, struct wq_item *it)
{
	it->qnext = NULL;
	if (q->tail)
		q->tail->qnext = it;
	else
		q->head = it;
	q->tail = it;
	q->qlen++;
}

static struct wq_item *pop(struct workqueue *q)
{
	struct wq_item *it = q->head;

	if (!it)
		return NULL;
	q->head = it->qnext;
	if (!q->head)
		q->tail = NULL;
	it->qnext = NULL;
	q->qlen--;
	return it;
}

/* client-go's Add on an item we hold (lock held). */
static void add_locked(struct workqueue *q, struct wq_item *it)
{
	if (it->dirty)
		return;
	it->dirty = true;
	if (it->processing)
		return;
	push(q, it);
	pthread_cond_signal(&q->cond);
}

/* ---- the delay heap ---- */

static void heap_swap(struct workqueue *q, size_t a, size_t b)
{
	struct wq_item *t = q->heap[a];

	q->heap[a] = q->heap[b];
	q->heap[b] = t;
	q->heap[a]->heap_idx = a;
	q->heap[b]->heap_idx = b;
}

static void heap_up(struct workqueue *q, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (q->heap[p]->ready_us <= q->heap[i]->ready_us)
			break;
		heap_swap(q, p, i);
		i = p;
	}
}

static void heap_down(struct workqueue *q, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < q->nheap && q->heap[l]->ready_us < q->heap[m]->ready_us)
			m = l;
		if (r < q->nheap && q->heap[r]->ready_us < q->heap[m]->ready_us)
			m = r;
		if (m == i)
			return;
		heap_swap(q, i, m);
		i = m;
	}
}

static int heap_push(struct workqueue *q, struct wq_item *it)
{
	if (q->nheap == q->heap_cap) {
		size_t ncap = q->heap_cap ? q->heap_cap * 2 : 16;
		struct wq_item **nh = realloc(q->heap, ncap * sizeof(*nh));

		if (!nh)
			return -ENOMEM;
		q->heap = nh;
		q->heap_cap = ncap;
	}
	it->heap_idx = q->nheap;
	q->heap[q->nheap++] = it;
	heap_up(q, it->heap_idx);
	return 0;
}

static struct wq_item *heap_pop(struct workqueue *q)
{
	struct wq_item *top = q->heap[0];

	heap_swap(q, 0, q->nheap - 1);
	q->nheap--;
	top->heap_idx = NO_HEAP;
	if (q->nheap)
		heap_down(q, 0);
	return top;
}

/* Queue every delayed key whose time has come (lock held). */
static void promote_due(struct workqueue *q, uint64_t now)
{
	while (q->nheap && q->heap[0]->ready_us <= now) {
		struct wq_item *it = heap_pop(q);

		add_locked(q, it);
	}
}

/* ---- the API ---- */

int workqueue_add(struct workqueue *q, const char *key)
{
	struct wq_item *it;
	int r;

	if (check_key(key) < 0)
		return -EINVAL;
	pthread_mutex_lock(&q->lock);
	if (q->shutting_down) {
		pthread_mutex_unlock(&q->lock);
		return 0;
	}
	r = find_or_add(q, key, &it);
	if (r == 0)
		add_locked(q, it);
	pthread_mutex_unlock(&q->lock);
	return r;
}

/* Delay key by delay_us (lock held). */
static int add_after_locked(struct workqueue *q, const char *key,
			    uint64_t delay_us)
{
	uint64_t ready = now_us() + delay_us;
	struct wq_item *it;
	int r;

	if (q->shutting_down)
		return 0;
	r = find_or_add(q, key, &it);
	if (r < 0)
		return r;
	if (delay_us == 0) {
		add_locked(q, it);
		return 0;
	}
	if (it->heap_idx != NO_HEAP) {
		/* already waiting: keep the earlier time */
		if (ready < it->ready_us) {
			it->ready_us = ready;
			heap_up(q, it->heap_idx);
		}
	} else {
		it->ready_us = ready;
		r = heap_push(q, it);
		if (r < 0) {
			maybe_release(q, it);
			return r;
		}
	}
	/* a getter may be waiting for a later deadline */
	pthread_cond_broadcast(&q->cond);
	return 0;
}

int workqueue_add_after(struct workqueue *q, const char *key, uint64_t delay_ms)
{
	int r;

	if (check_key(key) < 0)
		return -EINVAL;
	if (delay_ms > UINT64_MAX / 1000)
		delay_ms = UINT64_MAX / 1000;
	pthread_mutex_lock(&q->lock);
	r = add_after_locked(q, key, delay_ms * 1000);
	pthread_mutex_unlock(&q->lock);
	return r;
}

/* base * 2^n capped at max, without overflow. */
static uint64_t backoff_us(const struct workqueue *q, unsigned n)
{
	uint64_t d = q->base_us;

	for (unsigned i = 0; i < n && d < q->max_us; i++)
		d = d > UINT64_MAX / 2 ? UINT64_MAX : d * 2;
	return d < q->max_us ? d : q->max_us;
}

int workqueue_add_rate_limited(struct workqueue *q, const char *key)
{
	struct wq_item *it;
	uint64_t delay;
	int r;

	if (check_key(key) < 0)
		return -EINVAL;
	pthread_mutex_lock(&q->lock);
	if (q->shutting_down) {
		pthread_mutex_unlock(&q->lock);
		return 0;
	}
	r = find_or_add(q, key, &it);
	if (r == 0) {
		delay = backoff_us(q, it->requeues);
		if (it->requeues < UINT32_MAX)
			it->requeues++;
		r = add_after_locked(q, key, delay);
	}
	pthread_mutex_unlock(&q->lock);
	return r;
}

void workqueue_forget(struct workqueue *q, const char *key)
{
	struct wq_item *it;

	if (check_key(key) < 0)
		return;
	pthread_mutex_lock(&q->lock);
	it = find(q, key);
	if (it) {
		it->requeues = 0;
		maybe_release(q, it);
	}
	pthread_mutex_unlock(&q->lock);
}

unsigned workqueue_num_requeues(struct workqueue *q, const char *key)
{
	struct wq_item *it;
	unsigned n = 0;

	if (check_key(key) < 0)
		return 0;
	pthread_mutex_lock(&q->lock);
	it = find(q, key);
	if (it)
		n = it->requeues;
	pthread_mutex_unlock(&q->lock);
	return n;
}

uint64_t workqueue_when(struct workqueue *q, const char *key)
{
	struct wq_item *it;
	uint64_t d;

	pthread_mutex_lock(&q->lock);
	it = check_key(key) < 0 ? NULL : find(q, key);
	d = backoff_us(q, it ? it->requeues : 0);
	pthread_mutex_unlock(&q->lock);
	return d;
}

int workqueue_get(struct workqueue *q, char **ret_key)
{
	struct wq_item *it;
	char *key;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		promote_due(q, now_us());
		if (q->head || q->shutting_down)
			break;
		if (q->nheap) {
			uint64_t due = q->heap[0]->ready_us;
			struct timespec ts = {
			    .tv_sec = due / 1000000,
			    .tv_nsec = (due % 1000000) * 1000,
			};

			pthread_cond_timedwait(&q->cond, &q->lock, &ts);
		} else {
			pthread_cond_wait(&q->cond, &q->lock);
		}
	}
	it = pop(q);
	if (!it) {
		pthread_mutex_unlock(&q->lock);
		return -ESHUTDOWN;
	}
	key = strdup(it->key);
	if (!key) {
		/* put it back at the front: nothing was handed out */
		it->qnext = q->head;
		q->head = it;
		if (!q->tail)
			q->tail = it;
		q->qlen++;
		pthread_mutex_unlock(&q->lock);
		return -ENOMEM;
	}
	it->processing = true;
	it->dirty = false;
	pthread_mutex_unlock(&q->lock);
	*ret_key = key;
	return 0;
}

void workqueue_done(struct workqueue *q, const char *key)
{
	struct wq_item *it;

	if (check_key(key) < 0)
		return;
	pthread_mutex_lock(&q->lock);
	it = find(q, key);
	if (it && it->processing) {
		it->processing = false;
		if (it->dirty) {
			push(q, it);
			pthread_cond_signal(&q->cond);
		} else {
			maybe_release(q, it);
		}
	}
	pthread_mutex_unlock(&q->lock);
}

void workqueue_shutdown(struct workqueue *q)
{
	pthread_mutex_lock(&q->lock);
	if (!q->shutting_down) {
		q->shutting_down = true;
		/* delayed keys never come due now */
		while (q->nheap) {
			struct wq_item *it = heap_pop(q);

			maybe_release(q, it);
		}
	}
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

bool workqueue_shutting_down(struct workqueue *q)
{
	bool r;

	pthread_mutex_lock(&q->lock);
	r = q->shutting_down;
	pthread_mutex_unlock(&q->lock);
	return r;
}

size_t workqueue_len(struct workqueue *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	if (!q->shutting_down)
		promote_due(q, now_us());
	n = q->qlen;
	pthread_mutex_unlock(&q->lock);
	return n;
}
