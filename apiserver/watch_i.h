/*
 * watch_i.h — the private parts of the watch hub (watch_hub.c) and its
 * streams (watch_stream.c).
 *
 * No lock of the hub or of a stream is ever held while calling into the
 * store (its resize lock prefers writers: a reader waiting on one of our
 * locks inside a store call could deadlock a map resize).
 *
 * Locks, always taken in this order:
 *   hub->slock   the stream list, the delivered rv, the limits and the
 *                per-uid counts; held by the hub thread while it hands
 *                one event to the streams
 *   ws->lock     one stream's queue and ready state
 *   hub->nlock   the notifier queue
 * hub->lock (the hub thread's wake-up) and hub->llock (adding listeners)
 * are never held together with another lock. ws->blog_lock (the backlog,
 * watch_backlog.c) is taken before ws->lock and held across store calls:
 * only the stream's readers ever wait for it.
 *
 * Memory: every byte a stream holds (queued lines, the backlog's key
 * list and lines produced for the reader) is counted in the stream's
 * uid and in the hub (watch_budget.c); the counts are atomics, updated
 * under ws->lock.
 *
 * Ready functions run on notifier threads with no lock held; a stream on
 * the notifier queue has notify_queued set, and watch_stream_free() waits
 * for that flag and in_callback to clear.
 */
#ifndef KUBEFS_APISERVER_WATCH_I_H
#define KUBEFS_APISERVER_WATCH_I_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "api/selector.h"
#include "apiserver/watch.h"

#define WATCH_NOTIFIERS 4		    /* notifier threads per hub */
#define WATCH_DEF_POLL_MS 50		    /* poll period when none is given */
#define WATCH_BATCH 512			    /* events per store_events() call */
#define WATCH_BATCH_BYTES ((size_t)8 << 20) /* ... and bytes copied */

/* One encoded line, shared by every stream it is queued on. */
struct wline {
	atomic_uint refs;
	size_t len;  /* bytes of data, the final "\n" included */
	char data[]; /* not NUL-terminated */
};

/*
 * A new line {"type":"TYPE","object":OBJ}\n with one reference; obj is
 * the object's JSON text (obj_len bytes). NULL on out-of-memory.
 */
struct wline *wline_event(const char *type, const char *obj, size_t obj_len);

/* The 410 Expired ERROR event for a watch from rv, oldest being the
 * oldest rv still available. */
struct wline *wline_expired(uint64_t rv, uint64_t oldest);

/* A BOOKMARK event for kind at rv; initial_end adds the
 * k8s.io/initial-events-end annotation. */
struct wline *wline_bookmark(const struct kind_info *kind, uint64_t rv,
			     bool initial_end);

static inline struct wline *wline_ref(struct wline *l)
{
	atomic_fetch_add_explicit(&l->refs, 1, memory_order_relaxed);
	return l;
}

static inline void wline_unref(struct wline *l)
{
	if (l &&
	    atomic_fetch_sub_explicit(&l->refs, 1, memory_order_acq_rel) == 1)
		free(l);
}

/*
 * One store event on its way to streams, with what is derived from it
 * on demand and then shared: the decoded current and previous objects
 * and the three lines a stream may want.
 */
enum wev_line {
	WL_ADDED,    /* ADDED, current object */
	WL_MODIFIED, /* MODIFIED, current object */
	WL_DELETED,  /* DELETED, previous object with the event's rv */
	WL_COUNT,
};

struct wev {
	const struct store_event *raw;
	const struct kind_info *kind; /* NULL: not an object key */
	const char *ns, *name;
	char key[STORE_KEY_MAX + 1]; /* ns and name point into it */
	json_t *cur, *prev;	     /* decoded on demand */
	bool cur_done, prev_done;
	struct wline *line[WL_COUNT];
};

/* Fill e from raw (borrowed for e's life). */
void wev_init(struct wev *e, const struct store_event *raw);
void wev_release(struct wev *e);

struct watch_stream {
	struct watch_hub *hub; /* holds a reference */
	const struct kind_info *kind;
	char *ns;		     /* NULL: every namespace */
	struct label_selector *lsel; /* NULL: everything */
	struct field_selector *fsel; /* NULL: everything */
	bool bookmarks;
	uid_t uid;
	int64_t deadline; /* CLOCK_MONOTONIC ms, 0: none; set at open */

	/* under hub->slock */
	struct watch_stream *prev, *next;
	bool linked;	       /* on hub->streams */
	uint64_t start_rv;     /* events up to this rv are not for us */
	int64_t last_bookmark; /* ms */

	/* under lock */
	pthread_mutex_t lock;
	pthread_cond_t idle; /* notify_queued or in_callback cleared */
	struct wline **q;    /* ring of qlen lines from qhead */
	size_t qcap, qhead, qlen;
	size_t qbytes;
	size_t head_off; /* bytes of q[qhead] already read */
	size_t max_bytes, max_events;
	uint64_t sent_rv; /* the client is complete up to this rv */
	bool ended;	  /* nothing more will be queued */
	bool armed;	  /* the reader found nothing: notify on data */
	void (*fn)(void *ud);
	void *ud;
	bool notify_queued, in_callback, dying;
	struct watch_stream *notify_next;

	/* what is owed before the queue (watch_backlog.c) */
	pthread_mutex_t blog_lock;
	struct wbacklog *blog; /* NULL: nothing */
	/* memory held, counted in uc and the hub (watch_budget.c) */
	_Atomic size_t held;
	struct uid_count *uc; /* while counted (under hub->slock) */
};

struct watch_listener {
	watch_listener_fn fn;
	void *ud;
};

struct uid_count {
	uid_t uid;
	unsigned n;	      /* open streams */
	_Atomic size_t bytes; /* held by them */
};

struct watch_hub {
	struct store *st;
	unsigned poll_ms;
	atomic_uint refs; /* the owner's, plus one per stream */

	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* CLOCK_MONOTONIC */
	bool poked, stop;

	pthread_mutex_t slock;
	struct watch_stream *streams;
	unsigned nstreams, nstreams_root;
	struct uid_count **uids; /* owned; stable addresses */
	size_t nuids, uids_cap;
	_Atomic size_t bytes; /* held by every stream */
	struct wshare *share; /* NULL: nothing shared (out of memory) */
	struct watch_limits lim;
	_Atomic uint64_t rv; /* delivered; written under slock */
	bool stopped;	     /* the hub thread is gone */
	int64_t next_tick;   /* hub thread only */

	pthread_mutex_t llock;
	struct watch_listener listeners[WATCH_MAX_LISTENERS];
	atomic_uint nlisteners;

	pthread_mutex_t nlock;
	pthread_cond_t ncond;
	struct watch_stream *nhead, *ntail;
	bool nstop;
	pthread_t notifiers[WATCH_NOTIFIERS];
	unsigned nnotifiers;
};

/* Drop a reference to hub; the last one frees it. */
void watch_hub_unref(struct watch_hub *hub);

/*
 * The line ws wants for e (a new reference), or NULL when e is not for
 * ws. *ret_fail is set when a line was wanted but could not be built
 * (out of memory): the stream must end.
 */
struct wline *wev_line_for(struct wev *e, const struct watch_stream *ws,
			   bool *ret_fail);

/*
 * Queue line (reference stolen) as the event of rv on ws. Over the
 * stream's limits the line is dropped and the stream ends with a 410
 * ERROR instead. Takes ws->lock.
 */
void stream_push(struct watch_stream *ws, struct wline *line, uint64_t rv);

/* End ws: the 410 ERROR line for a watch from rv (with oldest) if
 * expired is set, then end of stream. Takes ws->lock. */
void stream_end(struct watch_stream *ws, bool expired, uint64_t rv,
		uint64_t oldest);

/* Queue a BOOKMARK at rv unless the client is already there. Takes
 * ws->lock. */
void stream_bookmark(struct watch_stream *ws, uint64_t rv);

/* Hand ws to a notifier thread if its reader waits; ws->lock held. */
void stream_notify_locked(struct watch_stream *ws);

/* Append line (reference stolen on success); ws->lock held or ws not yet
 * shared. */
int queue_append(struct watch_stream *ws, struct wline *line);
/* Drop everything queued and end with 410; ws->lock held. */
void expire_locked(struct watch_stream *ws, uint64_t rv, uint64_t oldest);

/* ---- watch_budget.c: stream counts and bytes per uid and per hub ---- */
/* Count ws (uid ws->uid) in the hub's stream limits and copy its queue
 * limits; -EAGAIN when the uid, the users' share or the hub is full. */
int budget_reserve(struct watch_stream *ws, struct kf_error *err);
/* Undo budget_reserve(); hub->slock held. */
void budget_release_locked(struct watch_stream *ws);
/* ws holds delta more (or fewer) bytes. ws->lock held. */
void budget_add(struct watch_stream *ws, size_t bytes);
void budget_sub(struct watch_stream *ws, size_t bytes);
/* Would holding len more bytes pass ws's uid or hub budget? */
bool budget_over(const struct watch_stream *ws, size_t len);

/* ---- watch_share.c: listed objects' lines shared between streams ---- */
#define WATCH_SHARE_BYTES ((size_t)64 << 20)
struct wshare;
struct wshare *wshare_new(void);
void wshare_free(struct wshare *s);
/* The ADDED line of key at rv if a stream built it (a new reference), or
 * NULL. s may be NULL. */
struct wline *wshare_get(struct wshare *s, const char *key, uint64_t rv);
/* Offer line (borrowed; a reference is taken) as key's at rv. */
void wshare_put(struct wshare *s, const char *key, uint64_t rv,
		struct wline *line);

/* ---- watch_backlog.c: the initial list and catch-up, read lazily ---- */
struct wbacklog;
/* Owe the reader the current objects of ws (key order), listed now from
 * one snapshot; *ret_rv is the list's rv. end_mark: then a BOOKMARK
 * marking the end of the initial events. -EAGAIN over budget. */
int backlog_list(struct watch_stream *ws, bool end_mark, struct kf_error *err,
		 uint64_t *ret_rv);
/* Then owe the events in (from, to] (read from the store when the reader
 * gets there; 410 if the log no longer has them). */
int backlog_events(struct watch_stream *ws, uint64_t from, uint64_t to);
/* Copy owed lines into buf (as watch_stream_read()); 0 when nothing is
 * owed any more (ws->blog freed). blog_lock held, ws->lock not. */
ssize_t backlog_read(struct watch_stream *ws, char *buf, size_t size);
void backlog_free(struct watch_stream *ws);
/* Would a read return an owed line now? Makes the next lines if needed.
 * blog_lock held. */
bool backlog_ready(struct watch_stream *ws);

#endif
