/*
 * watch_backlog.c — what a stream owes its reader before the live events:
 * the initial list and the catch-up from an old resourceVersion, made
 * into lines only as the reader gets to them.
 *
 * At open, the initial list is only a list of keys and their rvs, from
 * one store snapshot (the selectors are applied then); the catch-up is
 * only a range of rvs. When the reader reads, the next lines are built:
 * an object's value at its listed rv (store_get(), or, if it changed
 * since, the previous value carried by its next event in the log), or
 * the next events of the range. So a stream that is not read holds a
 * few bytes per object, however large the objects, and one that is read
 * holds one batch of lines; the events of the log that the reader needs
 * are read from the store, not kept in memory. A log compacted before
 * the reader got there ends the stream with 410, as kube-apiserver ends
 * a watch it cannot serve; the client lists again.
 */
#include "apiserver/watch_i.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/codec.h"
#include "apiserver/server.h"

#define BACKLOG_BATCH_BYTES ((size_t)256 << 10) /* lines built per fill */
#define BACKLOG_BATCH_EVENTS 256		/* events read per fill */

struct wbacklog {
	/* the initial list */
	char **keys;
	uint64_t *rvs;
	size_t n, next, cap, key_bytes;
	uint64_t list_rv;
	bool end_mark; /* a BOOKMARK after the list */
	/* then the events in (ev_next, ev_to] */
	bool events;
	uint64_t ev_next, ev_to;
	/* lines built, not yet read */
	struct wline **lines;
	size_t nlines, first, off, lines_cap, line_bytes;
};

static int blog_get(struct watch_stream *ws, struct wbacklog **ret)
{
	if (!ws->blog) {
		ws->blog = calloc(1, sizeof(*ws->blog));
		if (!ws->blog)
			return -ENOMEM;
	}
	*ret = ws->blog;
	return 0;
}

/* ---------------------------------------------------------- the list */

struct list_ctx {
	struct watch_stream *ws;
	struct wbacklog *b;
	int err;
};

static int list_key(void *ud, const char *key, size_t key_len, const char *data,
		    size_t len, uint64_t rv)
{
	struct list_ctx *c = ud;
	struct watch_stream *ws = c->ws;
	struct wbacklog *b = c->b;
	char buf[STORE_KEY_MAX + 1];
	const struct kind_info *k;
	const char *ns, *name;
	char *copy;

	if (key_len > STORE_KEY_MAX)
		return 0;
	memcpy(buf, key, key_len);
	buf[key_len] = '\0';
	if (server_parse_key(buf, &k, &ns, &name) < 0 || k != ws->kind)
		return 0;
	if (ws->lsel || ws->fsel) {
		json_t *obj = server_decode_value(data, len, rv);
		bool wanted = obj &&
			      label_selector_matches_object(ws->lsel, obj) &&
			      field_selector_matches(ws->fsel, obj);

		json_decref(obj);
		if (!wanted)
			return 0;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char **keys = realloc(b->keys, cap * sizeof(*keys));
		uint64_t *rvs;

		if (!keys)
			return -ENOMEM;
		b->keys = keys;
		rvs = realloc(b->rvs, cap * sizeof(*rvs));
		if (!rvs)
			return -ENOMEM;
		b->rvs = rvs;
		b->cap = cap;
	}
	copy = malloc(key_len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, key, key_len + 1);
	copy[key_len] = '\0';
	b->keys[b->n] = copy;
	b->rvs[b->n++] = rv;
	b->key_bytes += key_len + 1 + sizeof(char *) + sizeof(uint64_t);
	return 0;
}

int backlog_list(struct watch_stream *ws, bool end_mark, struct kf_error *err,
		 uint64_t *ret_rv)
{
	char prefix[STORE_KEY_MAX + 1];
	const struct kind_info *k = ws->kind;
	struct list_ctx c = {.ws = ws};
	uint64_t rv = 0;
	int r;

	r = server_prefix(k, ws->ns, prefix, sizeof(prefix));
	if (r == -ENAMETOOLONG)
		return kf_error_set(err, r, "namespace name too long");
	if (r < 0)
		return kf_error_set(err, r, "invalid namespace");
	if (blog_get(ws, &c.b) < 0)
		return kf_error_set(err, -ENOMEM, "out of memory");
	r = store_list(ws->hub->st, prefix, list_key, &c, &rv);
	if (r < 0)
		return kf_error_set(err, r, "unable to list %s: %s",
				    k->resource, strerror(-r));
	c.b->list_rv = rv;
	c.b->end_mark = end_mark;
	pthread_mutex_lock(&ws->lock);
	if (budget_over(ws, c.b->key_bytes))
		r = kf_error_set(err, -EAGAIN,
				 "Too many requests, please try again later.");
	else
		budget_add(ws, c.b->key_bytes);
	pthread_mutex_unlock(&ws->lock);
	if (r < 0)
		c.b->key_bytes = 0; /* not counted */
	*ret_rv = rv;
	return r;
}

int backlog_events(struct watch_stream *ws, uint64_t from, uint64_t to)
{
	struct wbacklog *b;

	if (blog_get(ws, &b) < 0)
		return -ENOMEM;
	b->events = true;
	b->ev_next = from;
	b->ev_to = to;
	return 0;
}

/* -------------------------------------------------------- the lines */

static int push_line(struct wbacklog *b, struct wline *l)
{
	if (b->first + b->nlines == b->lines_cap) {
		size_t cap = b->lines_cap ? b->lines_cap * 2 : 16;
		struct wline **a;

		if (b->first) { /* slide down first */
			memmove(b->lines, b->lines + b->first,
				b->nlines * sizeof(*a));
			b->first = 0;
			cap = b->lines_cap;
		}
		if (cap != b->lines_cap) {
			a = realloc(b->lines, cap * sizeof(*a));
			if (!a)
				return -ENOMEM;
			b->lines = a;
			b->lines_cap = cap;
		}
	}
	b->lines[b->first + b->nlines++] = l;
	b->line_bytes += l->len;
	return 0;
}

/* The previous value of key carried by its first event after rv. */
struct prev_ctx {
	const char *key;
	size_t key_len;
	json_t *obj;
	uint64_t rv;
};

static int find_prev(void *ud, const struct store_event *ev)
{
	struct prev_ctx *c = ud;

	if (ev->key_len != c->key_len || memcmp(ev->key, c->key, c->key_len))
		return 0;
	if (ev->type == STORE_EV_DELETED)
		c->obj = server_decode_value(ev->data, ev->len, c->rv);
	else if (ev->type == STORE_EV_MODIFIED)
		c->obj = server_decode_value(ev->old, ev->old_len, c->rv);
	return 1;
}

/* The object at key as it was at rv: 0 (*ret owned, NULL when it cannot
 * be decoded), -ERANGE when the log no longer says. */
static int value_at(struct watch_stream *ws, const char *key, uint64_t rv,
		    uint64_t list_rv, json_t **ret)
{
	struct prev_ctx c = {.key = key, .key_len = strlen(key), .rv = rv};
	_cleanup_free_ char *data = NULL;
	uint64_t cur;
	size_t len;
	int r;

	r = store_get(ws->hub->st, key, &data, &len, &cur);
	if (r == 0 && cur == rv) {
		*ret = server_decode_value(data, len, rv);
		return 0;
	}
	r = store_events(ws->hub->st, list_rv, 0, find_prev, &c);
	if (r < 0) {
		json_decref(c.obj);
		return r;
	}
	*ret = c.obj; /* NULL if no event says (nothing to show) */
	return 0;
}

/* The ADDED line of key as it was at rv (NULL if it cannot be decoded),
 * offered to other streams. */
static int build_added(struct watch_stream *ws, const char *key, uint64_t rv,
		       uint64_t list_rv, struct wline **ret)
{
	_cleanup_free_ char *text = NULL;
	json_t *obj = NULL;
	struct wline *l;
	size_t len = 0;
	int r;

	*ret = NULL;
	r = value_at(ws, key, rv, list_rv, &obj);
	if (r < 0 || !obj)
		return r;
	text = codec_encode_json_line(obj, &len);
	json_decref(obj);
	l = text ? wline_event("ADDED", text, len) : NULL;
	if (!l)
		return -ENOMEM;
	wshare_put(ws->hub->share, key, rv, l);
	*ret = l;
	return 0;
}

/* Build the next lines of the list. */
static int fill_list(struct watch_stream *ws, struct wbacklog *b)
{
	while (b->next < b->n && b->line_bytes < BACKLOG_BATCH_BYTES) {
		const char *key = b->keys[b->next];
		uint64_t rv = b->rvs[b->next];
		struct wline *l = wshare_get(ws->hub->share, key, rv);
		int r = 0;

		if (!l)
			r = build_added(ws, key, rv, b->list_rv, &l);
		if (r < 0)
			return r;
		free(b->keys[b->next]);
		b->keys[b->next] = NULL;
		b->next++;
		if (l && push_line(b, l) < 0) {
			wline_unref(l);
			return -ENOMEM;
		}
	}
	if (b->next == b->n && b->end_mark) {
		struct wline *l = wline_bookmark(ws->kind, b->list_rv, true);

		if (!l || push_line(b, l) < 0) {
			wline_unref(l);
			return -ENOMEM;
		}
		b->end_mark = false;
	}
	return 0;
}

struct events_ctx {
	struct watch_stream *ws;
	struct wbacklog *b;
	int err;
};

static int event_line(void *ud, const struct store_event *raw)
{
	struct events_ctx *c = ud;
	struct watch_stream *ws = c->ws;
	struct wline *line = NULL;
	bool fail = false;
	struct wev e;

	if (raw->rv > c->b->ev_to)
		return 1;
	c->b->ev_next = raw->rv;
	wev_init(&e, raw);
	if (e.kind == ws->kind && (!ws->ns || !strcmp(ws->ns, e.ns)))
		line = wev_line_for(&e, ws, &fail);
	wev_release(&e);
	if (fail || (line && push_line(c->b, line) < 0)) {
		wline_unref(line);
		return -ENOMEM;
	}
	return c->b->line_bytes >= BACKLOG_BATCH_BYTES ? 1 : 0;
}

/* Build the next lines of the catch-up. */
static int fill_events(struct watch_stream *ws, struct wbacklog *b)
{
	struct events_ctx c = {.ws = ws, .b = b};
	uint64_t before = b->ev_next;
	int r;

	r = store_events(ws->hub->st, b->ev_next, BACKLOG_BATCH_EVENTS,
			 event_line, &c);
	if (r < 0)
		return r;
	if (b->ev_next >= b->ev_to || (r == 0 && b->ev_next == before))
		b->events = false; /* all of it (or the log has no more) */
	return 0;
}

/* ------------------------------------------------------------ reader */

static bool owes(const struct wbacklog *b)
{
	return b->nlines || b->next < b->n || b->end_mark || b->events;
}

bool backlog_owes(struct watch_stream *ws)
{
	return ws->blog && owes(ws->blog);
}

static void drop_lines(struct wbacklog *b)
{
	for (size_t i = 0; i < b->nlines; i++)
		wline_unref(b->lines[b->first + i]);
	b->nlines = b->first = b->off = b->line_bytes = 0;
}

void backlog_free(struct watch_stream *ws)
{
	struct wbacklog *b = ws->blog;

	if (!b)
		return;
	pthread_mutex_lock(&ws->lock);
	budget_sub(ws, b->key_bytes + b->line_bytes);
	pthread_mutex_unlock(&ws->lock);
	drop_lines(b);
	for (size_t i = b->next; i < b->n; i++)
		free(b->keys[i]);
	free(b->keys);
	free(b->rvs);
	free(b->lines);
	free(b);
	ws->blog = NULL;
}

/* Build more lines; on failure the stream ends (410 when the log or the
 * budget cannot serve it). */
static int fill(struct watch_stream *ws, struct wbacklog *b)
{
	size_t before = b->line_bytes;
	uint64_t oldest;
	int r = 0;

	if (b->next < b->n || b->end_mark)
		r = fill_list(ws, b);
	else if (b->events)
		r = fill_events(ws, b);
	oldest = r == -ERANGE ? store_oldest_resumable_rv(ws->hub->st) : 0;
	pthread_mutex_lock(&ws->lock);
	if (r == 0 && budget_over(ws, b->line_bytes - before))
		r = -EDQUOT;
	if (r == 0) {
		budget_add(ws, b->line_bytes - before);
	} else {
		/* what cannot be served ends the stream: 410, and the
		 * client lists again */
		budget_sub(ws, before);
		expire_locked(ws, b->list_rv ? b->list_rv : b->ev_next,
			      oldest ? oldest : ws->sent_rv);
	}
	pthread_mutex_unlock(&ws->lock);
	if (r < 0) {
		drop_lines(b);
		for (size_t i = b->next; i < b->n; i++) {
			free(b->keys[i]);
			b->keys[i] = NULL;
		}
		b->next = b->n;
		b->end_mark = b->events = false;
	}
	return r;
}

ssize_t backlog_read(struct watch_stream *ws, char *buf, size_t size)
{
	struct wbacklog *b = ws->blog;
	size_t copied = 0;

	while (b && copied < size) {
		struct wline *l;
		size_t rem;

		if (!b->nlines) {
			if (!owes(b) || fill(ws, b) < 0) {
				if (copied)
					break;
				backlog_free(ws);
				return 0;
			}
			if (!b->nlines)
				continue;
		}
		l = b->lines[b->first];
		rem = l->len - b->off;
		if (rem > size - copied) {
			if (copied)
				break;
			/* a line longer than the buffer: a piece of it */
			memcpy(buf, l->data + b->off, size);
			b->off += size;
			return (ssize_t)size;
		}
		memcpy(buf + copied, l->data + b->off, rem);
		copied += rem;
		b->first++;
		b->nlines--;
		b->off = 0;
		b->line_bytes -= l->len;
		pthread_mutex_lock(&ws->lock);
		budget_sub(ws, l->len);
		pthread_mutex_unlock(&ws->lock);
		wline_unref(l);
	}
	if (b && !owes(b))
		backlog_free(ws); /* readable() now asks the queue */
	return (ssize_t)copied;
}
