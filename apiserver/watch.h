/*
 * watch.h — the watch hub of kubefs-fs and the `@watch` streams it feeds
 * (SPEC §4), independent of FUSE.
 *
 * The hub is one thread that tails the store's event log (store_events())
 * from the rv it started at, in rv order, with no gap and no repeat. For
 * each event it
 *  - calls the internal listeners (inotify, cache invalidation), and
 *  - appends the event's JSON line to every open stream that wants it.
 * A line is encoded once per event and shared (reference-counted) by all
 * the streams it goes to.
 *
 * A stream is what reading `@watch?QUERY` gives: JSON lines identical to
 * Kubernetes watch events,
 *   {"type":"ADDED","object":{...,"metadata":{...,"resourceVersion":"7"}}}
 * with type ADDED, MODIFIED, DELETED, BOOKMARK or ERROR, one per line,
 * each ending in "\n". DELETED carries the object's last state with the
 * rv of the deletion. With selectors, an object that stops matching gives
 * DELETED (its previous state, the rv of the change) and one that starts
 * matching gives ADDED, as kube-apiserver's watch cache does.
 *
 * Memory: live events are encoded once and shared by every stream they
 * go to. The initial list and the catch-up from an old resourceVersion
 * are not encoded at open: a stream keeps the list's keys (or the range
 * of rvs) and builds the lines as its reader gets to them, a batch at a
 * time, from the store; a listed object's line built by one stream is
 * reused by the others (the newest WATCH_SHARE_BYTES of them are kept).
 *
 * Limits (every resource a user can make us hold is bounded):
 *  - open streams per hub and per caller uid (watch_hub_set_limits()),
 *    with reserve_streams of the hub's kept for root (the system's
 *    components) and the rest shared fairly between the other uids (see
 *    watch_budget.c); opening more is -EAGAIN;
 *  - bytes held: every byte a stream holds (queued lines, the key list,
 *    lines built for its reader) counts against its uid (root excepted)
 *    and the hub, with reserve_bytes of the hub's for root. An open over
 *    budget is -EAGAIN; a stream that would pass it ends with 410;
 *  - per stream, live events queued and not yet read: at most
 *    max_queue_bytes and max_queue_events. A stream that falls behind
 *    gets, after what it already has, an ERROR event with code 410
 *    ("too old resource version") and then end of stream, as a slow
 *    watcher is closed by kube-apiserver; the hub never waits for it.
 *
 * Thread safety: every function may be called from any thread, except as
 * noted for watch_hub_free() and watch_stream_free().
 */
#ifndef KUBEFS_APISERVER_WATCH_H
#define KUBEFS_APISERVER_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "api/error.h"
#include "api/kinds.h"
#include "store/store.h"

/* Defaults of struct watch_limits. */
#define WATCH_MAX_STREAMS 4096
#define WATCH_MAX_STREAMS_PER_UID 256
#define WATCH_MAX_QUEUE_BYTES ((size_t)64 << 20)
#define WATCH_MAX_QUEUE_EVENTS 100000
#define WATCH_RESERVE_STREAMS 512 /* for root, at most max_streams / 8 */
#define WATCH_MAX_BYTES ((size_t)1 << 30)
#define WATCH_MAX_BYTES_PER_UID ((size_t)256 << 20)
#define WATCH_RESERVE_BYTES ((size_t)256 << 20) /* root, <= max_bytes / 2 */
#define WATCH_BOOKMARK_MS 10000
/* The longest query text accepted (the part after '?'). */
#define WATCH_QUERY_MAX 16384

struct watch_hub;
struct watch_stream;

/*
 * Start a hub on st (borrowed; must outlive the hub). Its thread wakes on
 * watch_hub_poke() and at least every poll_ms milliseconds (0: 50), to
 * see commits made by other processes sharing the store. Delivery starts
 * after the store's current rv. *ret is owned by the caller.
 * Errors: -ENOMEM, or -errno from creating a thread.
 */
int watch_hub_new(struct store *st, unsigned poll_ms, struct watch_hub **ret);

/*
 * Stop the hub: its thread and its notifier threads are joined, and
 * every open stream ends (readers get what is queued, then end of
 * stream). Ready functions are not called for that end, and none runs
 * after this returns (calls in progress finish first): the I/O layer
 * that registered them may be gone already (kubefs-fs frees the hub
 * after its FUSE session). Streams
 * stay valid until watch_stream_free(); the hub's memory goes with the
 * last of them. Must not race with watch_hub_new() or with a listener
 * being added. NULL is a no-op.
 */
void watch_hub_free(struct watch_hub *hub);

/* Wake the hub to read the log now, e.g. after a local commit. Cheap,
 * never blocks, any thread. */
void watch_hub_poke(struct watch_hub *hub);

/* Tunables; a zero field keeps the default above. */
struct watch_limits {
	unsigned max_streams;	      /* open streams per hub */
	unsigned max_streams_per_uid; /* open streams per caller uid */
	size_t max_queue_bytes;	      /* per stream, live events unread */
	size_t max_queue_events;      /* per stream, live events unread */
	unsigned bookmark_ms;	      /* BOOKMARK period, milliseconds */
	unsigned reserve_streams;     /* of max_streams, for root only */
	size_t max_bytes;	      /* held by all streams */
	size_t max_bytes_per_uid;     /* held by one uid's (not root's) */
	size_t reserve_bytes;	      /* of max_bytes, for root only */
};

/* Set the limits for streams opened from now on. */
void watch_hub_set_limits(struct watch_hub *hub,
			  const struct watch_limits *lim);

/*
 * One event of the log as listeners see it. kind, ns and name are NULL
 * for a key that is not an object (the API server's allocation keys);
 * ns is "" for cluster-scoped kinds. All pointers are borrowed for the
 * duration of the call.
 */
struct watch_event_info {
	uint64_t rv;
	enum store_event_type type;
	const struct kind_info *kind;
	const char *ns;
	const char *name;
	const struct store_event *raw;
};

typedef void (*watch_listener_fn)(void *ud, const struct watch_event_info *ev);

/*
 * Register fn: from the next event on, it is called on the hub thread,
 * once per event, in rv order, before the event reaches the streams. fn
 * must not block for long (it delays every stream) and must not call
 * watch_hub_free(). At most WATCH_MAX_LISTENERS; more is -ENOSPC.
 * Listeners cannot be removed: they live as long as the hub.
 */
#define WATCH_MAX_LISTENERS 16
int watch_hub_add_listener(struct watch_hub *hub, watch_listener_fn fn,
			   void *ud);

/* The newest rv delivered to listeners and streams. */
uint64_t watch_hub_rv(struct watch_hub *hub);

/* How many streams are open now (a gauge for the metrics file). */
unsigned watch_hub_streams(struct watch_hub *hub);

/*
 * Open a stream on the objects of kind in namespace ns (NULL: all
 * namespaces, and always for cluster-scoped kinds). query is the text
 * after '?' in the file name (NULL or "": none), URL-encoded (%XX, '+'
 * for a space), with the parameters of a Kubernetes watch request:
 *
 *   resourceVersion      "" or "0": the current objects first as ADDED,
 *                        then every change; N: every change after N.
 *                        N older than the event log keeps gives one
 *                        ERROR event with code 410, then end of stream;
 *                        N in the future waits for it.
 *   sendInitialEvents    true: the current objects first as ADDED, then
 *                        (with allowWatchBookmarks) a BOOKMARK annotated
 *                        k8s.io/initial-events-end; false: none, only
 *                        changes after resourceVersion (or from now).
 *   labelSelector        see api/selector.h
 *   fieldSelector        see api/selector.h
 *   allowWatchBookmarks  true: a BOOKMARK carrying the newest rv the
 *                        stream is complete up to, every bookmark_ms
 *                        when that rv moved and nothing else was sent.
 *   timeoutSeconds       end the stream after that long (0: never).
 *   resourceVersionMatch and every other parameter are ignored.
 *
 * caller is the uid the stream is counted against. *ret is owned by the
 * caller, released with watch_stream_free(). The initial objects are
 * listed here (their keys, from one store snapshot, selectors applied)
 * and read when the reader gets to them.
 *
 * Errors (with err holding Kubernetes' message):
 *   -EINVAL  a bad selector, an unknown field label, a bad number or a
 *            bad escape in the query, a query longer than
 *            WATCH_QUERY_MAX
 *   -EAGAIN  too many open streams (per hub, per uid, or past the
 *            uid's share) or over the memory budget:
 *            "Too many requests, please try again later."
 *   -ESHUTDOWN  the hub is stopping
 *   -ENOMEM, or a store error reading the initial objects
 */
int watch_stream_open(struct watch_hub *hub, const struct kind_info *kind,
		      const char *ns, const char *query, uid_t caller,
		      struct kf_error *err, struct watch_stream **ret);

/*
 * Copy the next lines into buf without blocking. Only whole lines are
 * returned, as many as fit, except that a line longer than size comes in
 * pieces of size bytes over several reads. Returns the number of bytes
 * (> 0); 0 at end of stream (all lines read after a 410 ERROR event, the
 * timeout, or the hub stopping); -EAGAIN when nothing is ready yet.
 * size 0 returns 0 and consumes nothing.
 */
ssize_t watch_stream_read(struct watch_stream *ws, char *buf, size_t size);

/*
 * Ask for fn(ud) to be called when the stream becomes readable (a line
 * or end of stream) after a watch_stream_read() returned -EAGAIN or a
 * watch_stream_readable() returned false — including when that already
 * happened before this call. fn NULL stops the calls.
 *
 * fn runs on one of the hub's notifier threads, never inside a call to
 * this API, and with no lock of the hub or the stream held: it may call
 * watch_stream_read(), watch_stream_readable() and
 * watch_stream_set_ready_fn() on the stream (and block on the caller's
 * own locks, which only delays other streams' notifications), but must
 * not call watch_stream_free(). Calls may be spurious (nothing to read
 * by the time fn reads). A call already running when fn is replaced or
 * cleared may still finish afterwards; watch_stream_free() waits for it.
 */
void watch_stream_set_ready_fn(struct watch_stream *ws, void (*fn)(void *ud),
			       void *ud);

/* Would watch_stream_read() return something other than -EAGAIN? */
bool watch_stream_readable(struct watch_stream *ws);

/*
 * Close the stream: it stops receiving events, and its lines are
 * released. Waits for a ready function call in progress to return, so
 * it must not be called from inside that function. NULL is a no-op.
 */
void watch_stream_free(struct watch_stream *ws);

#endif
