/*
 * watch_budget.c — how many streams and how many bytes each caller may
 * hold, with a reserve for the system.
 *
 * Streams: at most max_streams in all, and max_streams_per_uid per uid.
 * Root (the scheduler, controllers, node agents, the proxy) may use any
 * of them; every other uid shares max_streams minus a reserve
 * (reserve_streams, at most an eighth, at least root's own cap by
 * default), so root always gets its streams. Once that shared pool is
 * half used, a uid may open another stream only while it holds fewer
 * than the pool has free: the biggest holders stop first and the free
 * part never runs out for a newcomer, each new uid getting at most half
 * of what is left — as API Priority and Fairness shares a priority
 * level between flows and gives system components their own.
 *
 * Bytes: every byte a stream holds — its queue, the key list of its
 * initial list, the lines produced for its reader — counts against its
 * uid (max_bytes_per_uid, not for root) and the hub (max_bytes, of which
 * reserve_bytes only root may use). Over budget, an open gets EAGAIN and
 * a stream that would grow gets 410 and ends; the server never grows
 * past the budget for watchers.
 */
#include "apiserver/watch_i.h"

#include <errno.h>
#include <stdlib.h>

static struct uid_count *uid_find(struct watch_hub *hub, uid_t uid)
{
	for (size_t i = 0; i < hub->nuids; i++)
		if (hub->uids[i]->uid == uid)
			return hub->uids[i];
	return NULL;
}

static size_t pool_streams(const struct watch_limits *l)
{
	unsigned reserve = l->reserve_streams;

	if (reserve > l->max_streams / 8)
		reserve = l->max_streams / 8;
	return l->max_streams - reserve;
}

static size_t pool_bytes(const struct watch_limits *l)
{
	size_t reserve = l->reserve_bytes;

	if (reserve > l->max_bytes / 2)
		reserve = l->max_bytes / 2;
	return l->max_bytes - reserve;
}

/* May uid (holding uc, NULL: none) open one more stream? slock held. */
static bool stream_allowed(struct watch_hub *hub, uid_t uid,
			   const struct uid_count *uc)
{
	const struct watch_limits *l = &hub->lim;
	size_t pool = pool_streams(l);
	size_t users = hub->nstreams - hub->nstreams_root;
	unsigned have = uc ? uc->n : 0;

	if (hub->nstreams >= l->max_streams || have >= l->max_streams_per_uid)
		return false;
	if (uid == 0)
		return true;
	if (users >= pool)
		return false;
	return 2 * users < pool || have < pool - users;
}

static bool bytes_allowed(struct watch_hub *hub, uid_t uid,
			  const struct uid_count *uc, size_t len)
{
	const struct watch_limits *l = &hub->lim;
	size_t total = atomic_load(&hub->bytes);

	if (uid == 0)
		return total + len <= l->max_bytes;
	return total + len <= pool_bytes(l) &&
	       (uc ? atomic_load(&uc->bytes) : 0) + len <= l->max_bytes_per_uid;
}

bool budget_over(const struct watch_stream *ws, size_t len)
{
	return ws->uc && !bytes_allowed(ws->hub, ws->uid, ws->uc, len);
}

int budget_reserve(struct watch_stream *ws, struct kf_error *err)
{
	struct watch_hub *hub = ws->hub;
	struct uid_count *uc;
	int r = 0;

	pthread_mutex_lock(&hub->slock);
	uc = uid_find(hub, ws->uid);
	if (hub->stopped) {
		r = kf_error_set(err, -ESHUTDOWN,
				 "the server is shutting down");
	} else if (!stream_allowed(hub, ws->uid, uc) ||
		   !bytes_allowed(hub, ws->uid, uc, 0)) {
		r = kf_error_set(err, -EAGAIN,
				 "Too many requests, please try again later.");
	} else if (!uc) {
		if (hub->nuids == hub->uids_cap) {
			size_t cap = hub->uids_cap ? hub->uids_cap * 2 : 8;
			struct uid_count **u =
			    realloc(hub->uids, cap * sizeof(*u));

			if (!u)
				r = -ENOMEM;
			else
				hub->uids = u, hub->uids_cap = cap;
		}
		uc = r ? NULL : calloc(1, sizeof(*uc));
		if (!uc) {
			r = kf_error_set(err, -ENOMEM, "out of memory");
		} else {
			uc->uid = ws->uid;
			hub->uids[hub->nuids++] = uc;
		}
	}
	if (r == 0) {
		uc->n++;
		hub->nstreams++;
		if (ws->uid == 0)
			hub->nstreams_root++;
		ws->uc = uc;
		ws->max_bytes = hub->lim.max_queue_bytes;
		ws->max_events = hub->lim.max_queue_events;
	}
	pthread_mutex_unlock(&hub->slock);
	return r;
}

void budget_release_locked(struct watch_stream *ws)
{
	struct watch_hub *hub = ws->hub;
	struct uid_count *uc = ws->uc;

	if (!uc)
		return;
	pthread_mutex_lock(&ws->lock);
	atomic_fetch_sub(&hub->bytes, atomic_load(&ws->held));
	atomic_fetch_sub(&uc->bytes, atomic_load(&ws->held));
	ws->uc = NULL;
	pthread_mutex_unlock(&ws->lock);
	if (--uc->n == 0) {
		for (size_t i = 0; i < hub->nuids; i++)
			if (hub->uids[i] == uc) {
				hub->uids[i] = hub->uids[--hub->nuids];
				break;
			}
		free(uc);
	}
	hub->nstreams--;
	if (ws->uid == 0)
		hub->nstreams_root--;
}

void budget_add(struct watch_stream *ws, size_t bytes)
{
	atomic_fetch_add(&ws->held, bytes);
	if (ws->uc) {
		atomic_fetch_add(&ws->uc->bytes, bytes);
		atomic_fetch_add(&ws->hub->bytes, bytes);
	}
}

void budget_sub(struct watch_stream *ws, size_t bytes)
{
	atomic_fetch_sub(&ws->held, bytes);
	if (ws->uc) {
		atomic_fetch_sub(&ws->uc->bytes, bytes);
		atomic_fetch_sub(&ws->hub->bytes, bytes);
	}
}

unsigned watch_hub_streams(struct watch_hub *hub)
{
	unsigned n;

	pthread_mutex_lock(&hub->slock);
	n = hub->nstreams;
	pthread_mutex_unlock(&hub->slock);
	return n;
}
