/*
 * informer.h — a cache of one kind's objects kept current by a watch
 * stream, with change handlers (client-go's SharedIndexInformer).
 *
 * An informer watches (kind, namespace, label selector, field selector).
 * Components share one informer per such tuple by passing its pointer to
 * every consumer; each consumer registers its handlers before
 * informer_start().
 *
 * How it stays current (list-then-watch):
 *  1. client_list() learns the current objects and the list's
 *     resourceVersion R (the store's resourceVersion read before listing).
 *  2. A watch is opened from R. It replays every change after R, so
 *     nothing is missed; a change already seen by the list comes again
 *     and is recognised by its resourceVersion (an event whose object is
 *     not newer than the cached one is dropped: kubefs has one global,
 *     increasing resourceVersion).
 *  3. After step 1 the informer has synced: informer_has_synced() turns
 *     true once the listed objects are in the cache and their add
 *     handlers have run.
 *  4. A broken stream (EOF, read error) is reopened from the last
 *     resourceVersion seen. An ERROR event with code 410 (the
 *     resourceVersion was compacted away) re-lists: steps 1-2 again,
 *     diffing against the cache so that handlers see the adds, updates
 *     and deletes that happened meanwhile. A failing list or watch is
 *     retried with back-off (1 s doubling to 30 s).
 *  List-then-watch was chosen over "watch without resourceVersion and
 *  wait for every readdir name" because it also knows when it has synced
 *  for a selector that matches nothing and for names deleted in between.
 *
 * Cache keys are client-go's: "NAMESPACE/NAME", or "NAME" for
 * cluster-scoped kinds.
 *
 * Threads: one thread per started informer reads the stream, updates the
 * cache and calls the handlers, in event order, one at a time. Handlers
 * must not block for long (hand keys to a workqueue) and must not call
 * informer_stop()/informer_free() on their own informer; they may call
 * informer_get()/informer_list(). The getters are safe from any thread.
 *
 * Objects: cached objects are immutable once cached. Handlers get borrowed
 * pointers valid for the call; informer_get()/informer_list() return new
 * references to the cached objects, which the caller must treat as
 * read-only (json_deep_copy() before modifying) and json_decref().
 *
 * Memory: a parsed jansson tree costs several times its object's JSON
 * text. A component keeps less by (1) a transform that drops the fields
 * it never reads and (2) the compact form (informer_opts.compact), which
 * keeps each object as its compact JSON text and parses it on every read
 * (informer_get/list, and the old object handed to update handlers):
 * less memory for a parse per read, the right trade for a cache read
 * mostly through its handlers.
 *
 * Indexes (client-go's Indexers): informer_add_index() names a function
 * giving each object's value (namespace, node name, controller's uid...);
 * informer_list_index() gives the objects with a value without scanning
 * the cache.
 *
 * Limit: at most INFORMER_OBJECTS_MAX objects; beyond it the informer
 * stops caching new keys (informer_error() reports -E2BIG).
 */
#ifndef KUBEFS_CLIENT_INFORMER_H
#define KUBEFS_CLIENT_INFORMER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/kinds.h"
#include "client/client.h"

#define INFORMER_OBJECTS_MAX 1000000
#define INFORMER_HANDLERS_MAX 32
#define INFORMER_INDEXES_MAX 4

struct informer;

/*
 * An index function: obj's value in the index (borrowed from obj), or
 * NULL when obj is not in it. Called on transformed objects.
 */
typedef const char *(*informer_index_fn)(const json_t *obj);

/*
 * A transform's helper: keep in obj only the fields named (a NULL-ended
 * list of paths: "metadata.labels", "spec.containers[].resources" —
 * "[]" for every element of an array), deleting every other field. A
 * path names a field whole: what is under it stays. At most 64 paths.
 */
void informer_keep_fields(json_t *obj, const char *const *fields);

/*
 * One shared copy of v's value (equal as json_equal() sees it, whatever
 * the key order): a new reference to the interned copy, or to v itself
 * when it is the first of its value (or out of memory). Thread-safe.
 * Copies no object holds any more are dropped as the table grows. A component's views of
 * many objects then hold one copy of what they repeat. Interned values
 * must be treated as read-only.
 */
json_t *informer_intern(json_t *v);

/*
 * A transform's helper: replace each value named by fields (paths as
 * for informer_keep_fields(); "x[]" interns each element of array x) by
 * its interned copy.
 */
void informer_share_fields(json_t *obj, const char *const *fields);

/* Index functions for the usual indexes: metadata.namespace,
 * spec.nodeName (pods), the controller ownerReference's uid. */
const char *informer_index_namespace(const json_t *obj);
const char *informer_index_node_name(const json_t *obj);
const char *informer_index_owner_uid(const json_t *obj);

struct informer_opts {
	const struct kind_info *kind; /* required */
	const char *ns;		      /* NULL or "": all namespaces */
	const char *label_selector;   /* NULL or "": everything */
	const char *field_selector;   /* NULL or "": everything */
	/*
	 * If not 0, every resync_ms the update handlers are called with
	 * old == new for every cached object (client-go's resync period).
	 */
	unsigned resync_ms;
	/*
	 * May be NULL. Called on each object (owned by the informer, not yet
	 * shared) before it is cached and handed to the add and update
	 * handlers, to drop fields no consumer reads and save memory
	 * (client-go's SetTransform). It must keep metadata.name,
	 * metadata.namespace and metadata.resourceVersion.
	 */
	void (*transform)(json_t *obj);
	/* Keep each object as its compact JSON text, parsed on each read
	 * (see Memory above). */
	bool compact;
	/* No update handler reads old_obj: they get NULL (the compact form
	 * then saves a parse per update). */
	bool ignore_old;
	/*
	 * May be NULL: called from the informer's thread with a sentence for
	 * the component's log (borrowed for the call) when the watch ends or
	 * cannot be opened, when the informer lists again, and when it waits
	 * before a retry. A healthy informer calls it only at those breaks.
	 */
	void (*notice)(void *ud, const char *msg);
	void *notice_ud;
};

/* Every handler may be NULL. Objects are borrowed for the call. */
struct informer_handlers {
	void (*on_add)(void *ud, const json_t *obj);
	/* old_obj: NULL when the informer was made with ignore_old */
	void (*on_update)(void *ud, const json_t *old_obj,
			  const json_t *new_obj);
	/* obj: the last state known (from the event, or the cache when the
	 * deletion was found by a re-list) */
	void (*on_delete)(void *ud, const json_t *obj);
	void *ud;
};

/*
 * Create a stopped informer. c is borrowed and must outlive it; o's
 * strings are copied. *ret is owned by the caller (informer_free()).
 * Errors: -EINVAL (no kind), -ENOMEM.
 */
int informer_new(struct client *c, const struct informer_opts *o,
		 struct informer **ret);

/*
 * Register handlers (copied). Only before informer_start(): -EBUSY after;
 * -ENOSPC beyond INFORMER_HANDLERS_MAX.
 */
int informer_add_handlers(struct informer *inf,
			  const struct informer_handlers *h);

/*
 * Add an index called name (copied) computed by fn. Only before
 * informer_start(): -EBUSY after; -EEXIST for a name taken, -ENOSPC
 * beyond INFORMER_INDEXES_MAX, -EINVAL, -ENOMEM.
 */
int informer_add_index(struct informer *inf, const char *name,
		       informer_index_fn fn);

/* Start the informer's thread. -EBUSY if already started; -errno of
 * pthread_create. */
int informer_start(struct informer *inf);

/*
 * Stop the thread and wait for it (a handler running finishes first).
 * The cache stays readable. Idempotent; no-op if never started.
 */
void informer_stop(struct informer *inf);

/* Stop and release. NULL is a no-op. */
void informer_free(struct informer *inf);

/* True once the initial list is in the cache and its handlers ran. */
bool informer_has_synced(struct informer *inf);

/*
 * Wait until synced, at most timeout_ms (-1: forever). 0 or -ETIMEDOUT;
 * -ECANCELED if the informer is stopped before syncing.
 */
int informer_wait_synced(struct informer *inf, int timeout_ms);

/*
 * The cached object with key ("ns/name" or "name"). *ret: a new
 * reference, read-only. -ENOENT if not cached.
 */
int informer_get(struct informer *inf, const char *key, json_t **ret);

/* All cached objects as a new array (sorted by key) of read-only
 * objects. The lock is held only to take references, not to sort. */
int informer_list(struct informer *inf, json_t **ret);

/*
 * The cached objects whose value in index is value, as informer_list()
 * gives them (an empty array when none). -ENOENT for an unknown index.
 */
int informer_list_index(struct informer *inf, const char *index,
			const char *value, json_t **ret);

/* Number of cached objects. */
size_t informer_len(struct informer *inf);

/*
 * The last persistent error of the informer's loop (a list or watch that
 * keeps failing, -E2BIG at the cache limit), 0 when healthy; err (may be
 * NULL) gets its message.
 */
int informer_error(struct informer *inf, struct kf_error *err);

struct informer_stats {
	uint64_t lists;	     /* successful lists: 1, plus one per re-list */
	uint64_t watches;    /* watch streams opened */
	uint64_t events;     /* watch events read (bookmarks included) */
	uint64_t watch_ends; /* streams that ended or failed to open */
	uint64_t backoffs;   /* pauses before a retry */
	uint64_t bad_events; /* lines skipped: not a JSON event */
	uint64_t rv;	     /* resourceVersion the cache is complete up to */
	uint64_t last_event; /* monotonic ms of the last event read, 0 */
	bool watching;	     /* a watch stream is open now */
};

/* Counters of the informer's loop, for metrics and tests. */
void informer_stats(struct informer *inf, struct informer_stats *ret);

/*
 * client-go's MetaNamespaceKeyFunc: "ns/name", or "name" when the object
 * has no namespace. *ret malloc'd, owned by the caller. -EINVAL if obj
 * has no metadata.name.
 */
int informer_key(const json_t *obj, char **ret);

/*
 * Split a key into namespace ("" for cluster-scoped) and name, copied
 * into the buffers (CLIENT_NAME_MAX + 1 bytes each). -EINVAL if
 * malformed.
 */
int informer_split_key(const char *key, char *ret_ns, char *ret_name);

#endif
