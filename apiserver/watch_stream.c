/*
 * watch_stream.c — one `@watch` stream: its query, its start (the initial
 * objects or a resume point, joined to the hub's live feed without a gap
 * or a repeat), its bounded queue of lines and the reader's side.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/cleanup.h"
#include "api/codec.h"
#include "api/quote.h"
#include "apiserver/server.h"
#include "api/clock.h"
#include "apiserver/watch_i.h"

/* Longest timeoutSeconds honoured (ten years); longer is "that long". */
#define TIMEOUT_MAX_S ((int64_t)10 * 366 * 24 * 3600)

/* ------------------------------------------------------------ query */

struct wquery {
	bool has_rv; /* a resourceVersion other than "" and "0" */
	uint64_t rv;
	int initial; /* sendInitialEvents: -1 unset, 0, 1 */
	bool bookmarks;
	int64_t timeout; /* seconds; 0: none */
	char *label;	 /* decoded; NULL if absent */
	char *field;
	unsigned seen; /* parameters already taken (first one wins) */
};

static void wquery_release(struct wquery *q)
{
	free(q->label);
	free(q->field);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Go's strconv.Quote for the short values quoted in messages. */
static void quote(char *buf, size_t size, const char *s)
{
	go_quote(s, strlen(s), buf, size);
}

/* URL-decode s[0..n) ('+' is a space) into a new string, as Go's
 * url.QueryUnescape; NUL bytes are refused too. */
static int url_decode(const char *s, size_t n, char **ret, struct kf_error *err)
{
	char *out = malloc(n + 1), *o = out;

	if (!out)
		return kf_error_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '+') {
			*o++ = ' ';
			continue;
		}
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		hi = i + 2 < n ? hexval(s[i + 1]) : -1;
		lo = i + 2 < n ? hexval(s[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi | lo) == 0) {
			char bad[4] = {0}, q[16];

			memcpy(bad, s + i, n - i < 3 ? n - i : 3);
			quote(q, sizeof(q), bad);
			free(out);
			return kf_error_set(err, -EINVAL,
					    "invalid URL escape %s", q);
		}
		*o++ = (char)(hi << 4 | lo);
		i += 2;
	}
	*o = '\0';
	*ret = out;
	return 0;
}

/* Go's strconv.ParseUint(s, 10, 64) / ParseInt(s, 10, 64) with their
 * error messages. */
static int parse_number(const char *s, bool is_signed, uint64_t *ret_u,
			int64_t *ret_i, struct kf_error *err)
{
	const char *func = is_signed ? "ParseInt" : "ParseUint";
	const char *p = s;
	bool neg = false;
	uint64_t v = 0, max;
	char q[96];

	if (is_signed && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	max = !is_signed ? UINT64_MAX
	      : neg	 ? (uint64_t)INT64_MAX + 1
			 : (uint64_t)INT64_MAX;
	quote(q, sizeof(q), s);
	if (!*p)
		goto syntax;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			goto syntax;
		if (v > (max - (uint64_t)(*p - '0')) / 10) {
			for (; *p; p++)
				if (*p < '0' || *p > '9')
					goto syntax;
			return kf_error_set(err, -EINVAL,
					    "strconv.%s: parsing %s: value "
					    "out of range",
					    func, q);
		}
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (is_signed)
		*ret_i = neg ? (int64_t)(0 - v) : (int64_t)v;
	else
		*ret_u = v;
	return 0;
syntax:
	return kf_error_set(err, -EINVAL,
			    "strconv.%s: parsing %s: invalid syntax", func, q);
}

/* Convert_Slice_string_To_bool: only "0" and "false" are false. */
static bool parse_bool(const char *s)
{
	return strcmp(s, "0") && strcasecmp(s, "false");
}

enum qparam {
	QP_RV,
	QP_INITIAL,
	QP_BOOKMARKS,
	QP_TIMEOUT,
	QP_LABEL,
	QP_FIELD,
};

static int query_param(struct wquery *q, const struct kind_info *kind,
		       const char *name, const char *value,
		       struct kf_error *err)
{
	static const char *const names[] = {
	    [QP_RV] = "resourceVersion",
	    [QP_INITIAL] = "sendInitialEvents",
	    [QP_BOOKMARKS] = "allowWatchBookmarks",
	    [QP_TIMEOUT] = "timeoutSeconds",
	    [QP_LABEL] = "labelSelector",
	    [QP_FIELD] = "fieldSelector",
	};
	char prefix[160];
	unsigned p;
	int r;

	for (p = 0; p < sizeof(names) / sizeof(names[0]); p++)
		if (!strcmp(name, names[p]))
			break;
	if (p == sizeof(names) / sizeof(names[0]) || (q->seen & 1u << p))
		return 0; /* ignored, or not the first one */
	q->seen |= 1u << p;
	switch ((enum qparam)p) {
	case QP_RV:
		if (!*value || !strcmp(value, "0"))
			return 0;
		/* storage.InvalidError as the registry reports it */
		snprintf(prefix, sizeof(prefix),
			 "%s%s%s \"\" is invalid: resourceVersion: Invalid "
			 "value: ",
			 kind->resource, *kind->group ? "." : "", kind->group);
		r = parse_number(value, false, &q->rv, NULL, err);
		if (r < 0) {
			char qv[96];

			quote(qv, sizeof(qv), value);
			kf_error_prefix(err, "%s%s: ", prefix, qv);
			return r;
		}
		q->has_rv = true;
		return 0;
	case QP_INITIAL:
		q->initial = parse_bool(value);
		return 0;
	case QP_BOOKMARKS:
		q->bookmarks = parse_bool(value);
		return 0;
	case QP_TIMEOUT:
		if (!*value)
			return 0;
		return parse_number(value, true, NULL, &q->timeout, err);
	case QP_LABEL:
		q->label = strdup(value);
		return q->label ? 0
				: kf_error_set(err, -ENOMEM, "out of memory");
	case QP_FIELD:
		q->field = strdup(value);
		return q->field ? 0
				: kf_error_set(err, -ENOMEM, "out of memory");
	}
	return 0;
}

/* Parse name=value&name=value... */
static int query_parse(const char *text, const struct kind_info *kind,
		       struct wquery *q, struct kf_error *err)
{
	const char *p = text ? text : "";
	size_t len = strlen(p);

	if (len > WATCH_QUERY_MAX)
		return kf_error_set(err, -EINVAL,
				    "the query is too long: %zu bytes, the "
				    "limit is %d bytes",
				    len, WATCH_QUERY_MAX);
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		_cleanup_free_ char *name = NULL, *value = NULL;
		int r;

		if (n) {
			size_t nlen = eq ? (size_t)(eq - p) : n;

			r = url_decode(p, nlen, &name, err);
			if (r == 0)
				r = eq ? url_decode(eq + 1, n - nlen - 1,
						    &value, err)
				       : url_decode("", 0, &value, err);
			if (r == 0)
				r = query_param(q, kind, name, value, err);
			if (r < 0)
				return r;
		}
		p += n + (amp ? 1 : 0);
	}
	return 0;
}

/* ------------------------------------------------------------- queue */

int queue_append(struct watch_stream *ws, struct wline *line)
{
	if (ws->qlen == ws->qcap) {
		size_t cap = ws->qcap ? ws->qcap * 2 : 16;
		struct wline **q = malloc(cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		for (size_t i = 0; i < ws->qlen; i++)
			q[i] = ws->q[(ws->qhead + i) % ws->qcap];
		free(ws->q);
		ws->q = q;
		ws->qcap = cap;
		ws->qhead = 0;
	}
	ws->q[(ws->qhead + ws->qlen) % ws->qcap] = line;
	ws->qlen++;
	ws->qbytes += line->len;
	budget_add(ws, line->len);
	return 0;
}

static void queue_pop(struct watch_stream *ws)
{
	struct wline *l = ws->q[ws->qhead];

	ws->qhead = (ws->qhead + 1) % ws->qcap;
	ws->qlen--;
	ws->qbytes -= l->len;
	ws->head_off = 0;
	budget_sub(ws, l->len);
	wline_unref(l);
}

static void end_locked(struct watch_stream *ws, bool expired, uint64_t rv,
		       uint64_t oldest)
{
	struct wline *l;

	if (ws->ended)
		return;
	if (expired) {
		l = wline_expired(rv ? rv : ws->sent_rv, oldest);
		if (l && queue_append(ws, l) < 0)
			wline_unref(l);
	}
	ws->ended = true;
	stream_notify_locked(ws);
}

void stream_end(struct watch_stream *ws, bool expired, uint64_t rv,
		uint64_t oldest)
{
	pthread_mutex_lock(&ws->lock);
	end_locked(ws, expired, rv, oldest);
	pthread_mutex_unlock(&ws->lock);
}

/* Would one more line of len bytes pass the stream's limits, or its
 * uid's or the hub's budget? */
static bool over_limits(const struct watch_stream *ws, size_t len)
{
	return ws->qlen + 1 > ws->max_events ||
	       ws->qbytes + len > ws->max_bytes || budget_over(ws, len);
}

void stream_push(struct watch_stream *ws, struct wline *line, uint64_t rv)
{
	pthread_mutex_lock(&ws->lock);
	if (ws->ended) {
		wline_unref(line);
	} else if (over_limits(ws, line->len) || queue_append(ws, line) < 0) {
		/* too slow: what it has, then 410, as a slow watcher is
		 * closed; "(rv)" is the first event it will not get */
		wline_unref(line);
		end_locked(ws, true, 0, rv);
	} else {
		ws->sent_rv = rv;
		stream_notify_locked(ws);
	}
	pthread_mutex_unlock(&ws->lock);
}

void stream_bookmark(struct watch_stream *ws, uint64_t rv)
{
	struct wline *l;

	pthread_mutex_lock(&ws->lock);
	if (!ws->ended && rv > ws->sent_rv) {
		l = wline_bookmark(ws->kind, rv, false);
		/* a bookmark over the limits is skipped, not fatal */
		if (l && (over_limits(ws, l->len) || queue_append(ws, l) < 0))
			wline_unref(l);
		else if (l)
			ws->sent_rv = rv;
		stream_notify_locked(ws);
	}
	pthread_mutex_unlock(&ws->lock);
}

/* ------------------------------------------------------------- start */

void expire_locked(struct watch_stream *ws, uint64_t rv, uint64_t oldest)
{
	while (ws->qlen)
		queue_pop(ws);
	ws->ended = false;
	end_locked(ws, true, rv, oldest);
}

/*
 * Join the hub's feed at `from`: from now on the hub queues the events
 * after max(from, its rv); those in between come from the store.
 */
static int stream_attach(struct watch_stream *ws, uint64_t from,
			 struct kf_error *err)
{
	struct watch_hub *hub = ws->hub;
	uint64_t hub_rv, oldest;

	pthread_mutex_lock(&hub->slock);
	hub_rv = atomic_load(&hub->rv);
	ws->start_rv = from > hub_rv ? from : hub_rv;
	ws->last_bookmark = (int64_t)mono_ms();
	ws->next = hub->streams;
	if (hub->streams)
		hub->streams->prev = ws;
	hub->streams = ws;
	ws->linked = true;
	if (hub->stopped)
		stream_end(ws, false, 0, 0);
	pthread_mutex_unlock(&hub->slock);
	if (from >= hub_rv)
		return 0;
	oldest = store_oldest_resumable_rv(hub->st);
	if (from < oldest) {
		stream_end(ws, true, from, oldest);
		return 0;
	}
	/* the events in between are read when the reader gets there */
	if (backlog_events(ws, from, hub_rv) < 0)
		return kf_error_set(err, -ENOMEM, "out of memory");
	return 0;
}

/* Undo budget_reserve() and stream_attach(); hub->slock held. */
static void stream_detach_locked(struct watch_stream *ws)
{
	struct watch_hub *hub = ws->hub;

	if (ws->linked) {
		if (ws->prev)
			ws->prev->next = ws->next;
		else
			hub->streams = ws->next;
		if (ws->next)
			ws->next->prev = ws->prev;
		ws->linked = false;
	}
	budget_release_locked(ws);
}

static struct watch_stream *
stream_alloc(struct watch_hub *hub, const struct kind_info *kind, uid_t uid)
{
	struct watch_stream *ws = calloc(1, sizeof(*ws));

	if (!ws)
		return NULL;
	ws->hub = hub;
	atomic_fetch_add(&hub->refs, 1);
	ws->kind = kind;
	ws->uid = uid;
	pthread_mutex_init(&ws->lock, NULL);
	pthread_cond_init(&ws->idle, NULL);
	pthread_mutex_init(&ws->blog_lock, NULL);
	return ws;
}

int watch_stream_open(struct watch_hub *hub, const struct kind_info *kind,
		      const char *ns, const char *query, uid_t caller,
		      struct kf_error *err, struct watch_stream **ret)
{
	struct wquery q = {.initial = -1};
	struct watch_stream *ws = NULL;
	uint64_t from = 0;
	int r;

	if (!hub || !kind || !ret)
		return kf_error_set(err, -EINVAL, "invalid watch request");
	r = query_parse(query, kind, &q, err);
	if (r < 0)
		goto out;
	ws = stream_alloc(hub, kind, caller);
	if (!ws) {
		r = kf_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	ws->bookmarks = q.bookmarks;
	if (kind->namespaced && ns && *ns && !(ws->ns = strdup(ns))) {
		r = kf_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	if (q.label && *q.label) {
		r = label_selector_parse(q.label, err, &ws->lsel);
		if (r == 0 && label_selector_size(ws->lsel) == 0) {
			label_selector_free(ws->lsel);
			ws->lsel = NULL;
		}
		if (r < 0)
			goto out;
	}
	if (q.field && *q.field) {
		r = field_selector_parse(q.field, kind->group, kind->kind, err,
					 &ws->fsel);
		if (r == 0 && field_selector_size(ws->fsel) == 0) {
			field_selector_free(ws->fsel);
			ws->fsel = NULL;
		}
		if (r < 0)
			goto out;
	}
	if (q.timeout) {
		int64_t t = q.timeout < 0 ? 0 : q.timeout;

		ws->deadline = (int64_t)mono_ms() +
			       (t > TIMEOUT_MAX_S ? TIMEOUT_MAX_S : t) * 1000;
		if (ws->deadline == 0)
			ws->deadline = 1;
	}
	r = budget_reserve(ws, err);
	if (r < 0)
		goto out;

	if (q.initial == 1 || (q.initial == -1 && !q.has_rv)) {
		r = backlog_list(ws, q.initial == 1 && q.bookmarks, err, &from);
		if (r < 0)
			goto out;
	} else if (q.has_rv) {
		from = q.rv;
	} else {
		from = store_current_rv(hub->st);
	}
	ws->sent_rv = from;
	r = stream_attach(ws, from, err);
	if (r < 0)
		goto out;
	*ret = ws;
	ws = NULL;
out:
	watch_stream_free(ws);
	wquery_release(&q);
	return r;
}

/* ------------------------------------------------------------ reader */

/* Past the timeout? Ends the stream; ws->lock held. */
static bool timed_out_locked(struct watch_stream *ws)
{
	if (ws->deadline && !ws->ended && (int64_t)mono_ms() >= ws->deadline)
		ws->ended = true;
	return ws->ended;
}

ssize_t watch_stream_read(struct watch_stream *ws, char *buf, size_t size)
{
	size_t copied = 0;
	ssize_t ret = 0;

	if (!size)
		return 0;
	pthread_mutex_lock(&ws->blog_lock);
	if (ws->blog) {
		ret = backlog_read(ws, buf, size);
		if (ret) {
			pthread_mutex_unlock(&ws->blog_lock);
			return ret;
		}
	}
	pthread_mutex_unlock(&ws->blog_lock);
	pthread_mutex_lock(&ws->lock);
	while (ws->qlen) {
		struct wline *l = ws->q[ws->qhead];
		size_t rem = l->len - ws->head_off;

		if (rem > size - copied) {
			if (copied)
				break;
			/* a line longer than the buffer: a piece of it */
			memcpy(buf, l->data + ws->head_off, size);
			ws->head_off += size;
			copied = size;
			break;
		}
		memcpy(buf + copied, l->data + ws->head_off, rem);
		copied += rem;
		queue_pop(ws);
	}
	if (copied)
		ret = (ssize_t)copied;
	else if (!timed_out_locked(ws))
		ws->armed = true, ret = -EAGAIN;
	pthread_mutex_unlock(&ws->lock);
	return ret;
}

bool watch_stream_readable(struct watch_stream *ws)
{
	bool r;

	pthread_mutex_lock(&ws->blog_lock);
	r = backlog_ready(ws);
	pthread_mutex_unlock(&ws->blog_lock);
	if (r)
		return true;
	pthread_mutex_lock(&ws->lock);
	r = ws->qlen || timed_out_locked(ws);
	if (!r)
		ws->armed = true;
	pthread_mutex_unlock(&ws->lock);
	return r;
}

void watch_stream_set_ready_fn(struct watch_stream *ws, void (*fn)(void *ud),
			       void *ud)
{
	pthread_mutex_lock(&ws->lock);
	ws->fn = fn;
	ws->ud = ud;
	stream_notify_locked(ws);
	pthread_mutex_unlock(&ws->lock);
}

void watch_stream_free(struct watch_stream *ws)
{
	struct watch_hub *hub;

	if (!ws)
		return;
	hub = ws->hub;
	pthread_mutex_lock(&hub->slock);
	stream_detach_locked(ws);
	pthread_mutex_unlock(&hub->slock);

	pthread_mutex_lock(&ws->lock);
	ws->dying = true;
	ws->fn = NULL;
	while (ws->notify_queued || ws->in_callback)
		pthread_cond_wait(&ws->idle, &ws->lock);
	pthread_mutex_unlock(&ws->lock);

	backlog_free(ws);
	while (ws->qlen)
		queue_pop(ws);
	free(ws->q);
	label_selector_free(ws->lsel);
	field_selector_free(ws->fsel);
	free(ws->ns);
	pthread_mutex_destroy(&ws->lock);
	pthread_cond_destroy(&ws->idle);
	pthread_mutex_destroy(&ws->blog_lock);
	free(ws);
	watch_hub_unref(hub);
}
