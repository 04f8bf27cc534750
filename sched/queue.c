/* queue.c — the scheduling queue (see queue.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "sched/queue.h"
#include "api/strmap.h"

struct heap {
	struct sched_queued_pod **items;
	size_t len;
	size_t cap;
	bool (*less)(const struct sched_queue *q,
		     const struct sched_queued_pod *a,
		     const struct sched_queued_pod *b);
};

struct sched_queue {
	struct sched_queue_config cfg;
	struct strmap entries; /* key -> struct sched_queued_pod */
	struct heap active;
	struct heap backoff;
	struct sched_queued_pod *unsched_head;
	size_t n_unsched;
	size_t n_in_flight;
	uint64_t cycle;
	/* the last cycle in which an event moved pods, in all and per
	 * plugin the event may help (kube-scheduler's moveRequestCycle) */
	uint64_t move_request_cycle;
	uint64_t plugin_move_cycle[SCHED_N_PLUGINS];
	uint64_t seq;
};

int64_t sched_queue_backoff_ms(const struct sched_queue *q, unsigned attempts)
{
	int64_t d = q->cfg.initial_backoff_ms;

	for (unsigned i = 1; i < attempts; i++) {
		if (d > q->cfg.max_backoff_ms - d)
			return q->cfg.max_backoff_ms;
		d += d;
	}
	return d < q->cfg.max_backoff_ms ? d : q->cfg.max_backoff_ms;
}

static int64_t backoff_expiry(const struct sched_queue *q,
			      const struct sched_queued_pod *e)
{
	return e->timestamp_ms + sched_queue_backoff_ms(q, e->attempts);
}

/* PrioritySort: higher priority first, then earlier timestamp. */
static bool active_less(const struct sched_queue *q,
			const struct sched_queued_pod *a,
			const struct sched_queued_pod *b)
{
	if (a->pod->priority != b->pod->priority)
		return a->pod->priority > b->pod->priority;
	if (a->timestamp_ms != b->timestamp_ms)
		return a->timestamp_ms < b->timestamp_ms;
	return a->seq < b->seq;
}

static bool backoff_less(const struct sched_queue *q,
			 const struct sched_queued_pod *a,
			 const struct sched_queued_pod *b)
{
	int64_t ea = backoff_expiry(q, a), eb = backoff_expiry(q, b);

	if (ea != eb)
		return ea < eb;
	return a->seq < b->seq;
}

static void heap_swap(struct heap *h, size_t i, size_t j)
{
	struct sched_queued_pod *t = h->items[i];

	h->items[i] = h->items[j];
	h->items[j] = t;
	h->items[i]->heap_index = i;
	h->items[j]->heap_index = j;
}

static void heap_up(const struct sched_queue *q, struct heap *h, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!h->less(q, h->items[i], h->items[parent]))
			break;
		heap_swap(h, i, parent);
		i = parent;
	}
}

static void heap_down(const struct sched_queue *q, struct heap *h, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < h->len && h->less(q, h->items[l], h->items[m]))
			m = l;
		if (r < h->len && h->less(q, h->items[r], h->items[m]))
			m = r;
		if (m == i)
			return;
		heap_swap(h, i, m);
		i = m;
	}
}

static int heap_push(const struct sched_queue *q, struct heap *h,
		     struct sched_queued_pod *e)
{
	if (h->len == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct sched_queued_pod **items =
		    realloc(h->items, cap * sizeof(*items));

		if (!items)
			return -ENOMEM;
		h->items = items;
		h->cap = cap;
	}
	e->heap_index = h->len;
	h->items[h->len++] = e;
	heap_up(q, h, e->heap_index);
	return 0;
}

static void heap_remove(const struct sched_queue *q, struct heap *h,
			struct sched_queued_pod *e)
{
	size_t i = e->heap_index;

	if (i != --h->len) {
		heap_swap(h, i, h->len);
		heap_down(q, h, i);
		heap_up(q, h, i);
	}
}

static void heap_fix(const struct sched_queue *q, struct heap *h,
		     struct sched_queued_pod *e)
{
	heap_down(q, h, e->heap_index);
	heap_up(q, h, e->heap_index);
}

int sched_queue_new(const struct sched_queue_config *cfg,
		    struct sched_queue **ret_queue)
{
	struct sched_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	if (cfg)
		q->cfg = *cfg;
	if (q->cfg.initial_backoff_ms <= 0)
		q->cfg.initial_backoff_ms = SCHED_QUEUE_INITIAL_BACKOFF_MS;
	if (q->cfg.max_backoff_ms <= 0)
		q->cfg.max_backoff_ms = SCHED_QUEUE_MAX_BACKOFF_MS;
	if (q->cfg.max_unschedulable_ms <= 0)
		q->cfg.max_unschedulable_ms = SCHED_QUEUE_MAX_UNSCHEDULABLE_MS;
	strmap_init(&q->entries);
	q->active.less = active_less;
	q->backoff.less = backoff_less;
	*ret_queue = q;
	return 0;
}

static void entry_free(struct sched_queued_pod *e)
{
	sched_pod_unref(e->pod);
	sched_pod_unref(e->update);
	free(e);
}

void sched_queue_free(struct sched_queue *q)
{
	const char *key;
	void *v;
	size_t it = 0;

	if (!q)
		return;
	while (strmap_next(&q->entries, &it, &key, &v))
		entry_free(v);
	strmap_release(&q->entries);
	free(q->active.items);
	free(q->backoff.items);
	free(q);
}

static void unsched_unlink(struct sched_queue *q, struct sched_queued_pod *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		q->unsched_head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	e->prev = e->next = NULL;
	q->n_unsched--;
}

/* Take e out of wherever it waits (not in flight). */
static void detach(struct sched_queue *q, struct sched_queued_pod *e)
{
	switch (e->where) {
	case SCHED_QUEUE_ACTIVE:
		heap_remove(q, &q->active, e);
		break;
	case SCHED_QUEUE_BACKOFF:
		heap_remove(q, &q->backoff, e);
		break;
	case SCHED_QUEUE_UNSCHEDULABLE:
		unsched_unlink(q, e);
		break;
	case SCHED_QUEUE_IN_FLIGHT:
		q->n_in_flight--;
		break;
	case SCHED_QUEUE_ABSENT:
		break;
	}
	e->where = SCHED_QUEUE_ABSENT;
}

/*
 * Put e into active or back-off. Heap growth can fail; the pod then goes
 * to the unschedulable list (which cannot fail) and waits for the next
 * event or flush instead of being lost.
 */
static void place(struct sched_queue *q, struct sched_queued_pod *e,
		  enum sched_queue_where where)
{
	struct heap *h = where == SCHED_QUEUE_ACTIVE ? &q->active : &q->backoff;

	e->seq = q->seq++;
	if (where != SCHED_QUEUE_UNSCHEDULABLE && heap_push(q, h, e) == 0) {
		e->where = where;
		return;
	}
	e->where = SCHED_QUEUE_UNSCHEDULABLE;
	e->prev = NULL;
	e->next = q->unsched_head;
	if (e->next)
		e->next->prev = e;
	q->unsched_head = e;
	q->n_unsched++;
}

/* Active if its back-off is over, else back-off. */
static void place_after_backoff(struct sched_queue *q,
				struct sched_queued_pod *e, int64_t now_ms)
{
	place(q, e,
	      e->attempts && backoff_expiry(q, e) > now_ms
		  ? SCHED_QUEUE_BACKOFF
		  : SCHED_QUEUE_ACTIVE);
}

/*
 * kube-scheduler's isPodUpdated: did anything change besides status,
 * resourceVersion, generation and managedFields?
 */
static bool pod_changed(const json_t *a, const json_t *b)
{
	static const char *const skip[] = {"resourceVersion", "generation",
					   "managedFields"};
	_cleanup_json_ json_t *ma = NULL, *mb = NULL;
	const char *key;
	json_t *v;

	json_object_foreach ((json_t *)a, key, v) {
		if (strcmp(key, "status") == 0 || strcmp(key, "metadata") == 0)
			continue;
		if (!json_equal(v, json_object_get(b, key)))
			return true;
	}
	json_object_foreach ((json_t *)b, key, v) {
		if (strcmp(key, "status") != 0 &&
		    strcmp(key, "metadata") != 0 && !json_object_get(a, key))
			return true;
	}
	ma = json_copy(json_object_get(a, "metadata"));
	mb = json_copy(json_object_get(b, "metadata"));
	if (!ma || !mb)
		return true;
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
		json_object_del(ma, skip[i]);
		json_object_del(mb, skip[i]);
	}
	return !json_equal(ma, mb);
}

int sched_queue_add(struct sched_queue *q, struct sched_pod *pod,
		    int64_t now_ms)
{
	struct sched_queued_pod *e = strmap_get(&q->entries, pod->key);
	bool changed;
	int r;

	if (e) {
		if (e->where == SCHED_QUEUE_IN_FLIGHT) {
			sched_pod_unref(e->update);
			e->update = sched_pod_ref(pod);
			return 0;
		}
		/* obj keeps no containers: what they ask is compared here */
		changed = pod_changed(e->pod->obj, pod->obj) ||
			  memcmp(&e->pod->req, &pod->req, sizeof(pod->req)) ||
			  e->pod->n_scalars != pod->n_scalars ||
			  e->pod->n_host_ports != pod->n_host_ports;
		sched_pod_unref(e->pod);
		e->pod = sched_pod_ref(pod);
		if (e->where == SCHED_QUEUE_ACTIVE)
			heap_fix(q, &q->active, e);
		else if (e->where == SCHED_QUEUE_BACKOFF)
			heap_fix(q, &q->backoff, e);
		else if (e->where == SCHED_QUEUE_UNSCHEDULABLE && changed) {
			detach(q, e);
			place_after_backoff(q, e, now_ms);
		}
		return 0;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->pod = sched_pod_ref(pod);
	e->timestamp_ms = e->initial_ms = now_ms;
	r = strmap_put(&q->entries, pod->key, e);
	if (r < 0) {
		entry_free(e);
		return r;
	}
	place(q, e, SCHED_QUEUE_ACTIVE);
	return 0;
}

void sched_queue_delete(struct sched_queue *q, const char *key)
{
	struct sched_queued_pod *e = strmap_get(&q->entries, key);

	if (!e)
		return;
	if (e->where == SCHED_QUEUE_IN_FLIGHT) {
		e->deleted = true;
		return;
	}
	detach(q, e);
	strmap_remove(&q->entries, key);
	entry_free(e);
}

int sched_queue_pop(struct sched_queue *q, int64_t now_ms,
		    struct sched_queued_pod **ret_entry)
{
	struct sched_queued_pod *e;

	if (!q->active.len)
		return -EAGAIN;
	e = q->active.items[0];
	detach(q, e);
	e->where = SCHED_QUEUE_IN_FLIGHT;
	q->n_in_flight++;
	e->attempts++;
	e->cycle = ++q->cycle;
	*ret_entry = e;
	return 0;
}

/* Hand back an in-flight entry: drop it if it was deleted meanwhile,
 * take the update seen meanwhile. Returns false when it is gone. */
static bool settle(struct sched_queue *q, struct sched_queued_pod *e)
{
	detach(q, e);
	if (e->deleted) {
		strmap_remove(&q->entries, e->pod->key);
		entry_free(e);
		return false;
	}
	if (e->update) {
		sched_pod_unref(e->pod);
		e->pod = TAKE_PTR(e->update);
	}
	return true;
}

void sched_queue_done(struct sched_queue *q, struct sched_queued_pod *e)
{
	detach(q, e);
	strmap_remove(&q->entries, e->pod->key);
	entry_free(e);
}

/* Did an event relevant to these plugins (any event for none) move pods
 * in or after cycle? */
static bool moved_since(const struct sched_queue *q, unsigned plugins,
			uint64_t cycle)
{
	if (!plugins)
		return q->move_request_cycle >= cycle;
	for (int id = 0; id < SCHED_N_PLUGINS; id++)
		if ((plugins & (1u << id)) && q->plugin_move_cycle[id] >= cycle)
			return true;
	return false;
}

void sched_queue_add_unschedulable(struct sched_queue *q,
				   struct sched_queued_pod *e, unsigned plugins,
				   int64_t now_ms)
{
	if (!settle(q, e))
		return;
	e->timestamp_ms = now_ms;
	e->plugins = plugins;
	/* an event that may help arrived while it was in flight: do not
	 * wait for another one */
	place(q, e,
	      moved_since(q, plugins, e->cycle) ? SCHED_QUEUE_BACKOFF
						: SCHED_QUEUE_UNSCHEDULABLE);
}

void sched_queue_add_backoff(struct sched_queue *q, struct sched_queued_pod *e,
			     int64_t now_ms)
{
	if (!settle(q, e))
		return;
	e->timestamp_ms = now_ms;
	e->plugins = 0;
	place(q, e, SCHED_QUEUE_BACKOFF);
}

/* The plugins that care about any of the event bits. */
static unsigned plugins_for(unsigned event)
{
	unsigned mask = 0;

	for (int id = 0; id < SCHED_N_PLUGINS; id++)
		if (sched_plugin_get(id)->events & event)
			mask |= 1u << id;
	return mask;
}

void sched_queue_move_all(struct sched_queue *q, unsigned event, int64_t now_ms)
{
	unsigned mask = plugins_for(event);
	struct sched_queued_pod *e = q->unsched_head, *next;

	for (; e; e = next) {
		next = e->next;
		if (e->plugins && !(e->plugins & mask))
			continue;
		detach(q, e);
		place_after_backoff(q, e, now_ms);
	}
	q->move_request_cycle = q->cycle;
	for (int id = 0; id < SCHED_N_PLUGINS; id++)
		if (mask & (1u << id))
			q->plugin_move_cycle[id] = q->cycle;
}

void sched_queue_flush(struct sched_queue *q, int64_t now_ms)
{
	struct sched_queued_pod *e, *next;

	while (q->backoff.len &&
	       backoff_expiry(q, q->backoff.items[0]) <= now_ms) {
		e = q->backoff.items[0];
		detach(q, e);
		place(q, e, SCHED_QUEUE_ACTIVE);
	}
	for (e = q->unsched_head; e; e = next) {
		next = e->next;
		if (now_ms - e->timestamp_ms <= q->cfg.max_unschedulable_ms)
			continue;
		detach(q, e);
		place_after_backoff(q, e, now_ms);
	}
}

int64_t sched_queue_next_backoff(const struct sched_queue *q)
{
	if (!q->backoff.len)
		return -1;
	return backoff_expiry(q, q->backoff.items[0]);
}

enum sched_queue_where sched_queue_where(const struct sched_queue *q,
					 const char *key)
{
	struct sched_queued_pod *e = strmap_get(&q->entries, key);

	return e ? e->where : SCHED_QUEUE_ABSENT;
}

void sched_queue_stats(const struct sched_queue *q,
		       struct sched_queue_stats *ret_stats)
{
	ret_stats->active = q->active.len;
	ret_stats->backoff = q->backoff.len;
	ret_stats->unschedulable = q->n_unsched;
	ret_stats->in_flight = q->n_in_flight;
}
