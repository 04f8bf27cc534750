/*
 * store.h — the LMDB object store of kubefs-fs.
 *
 * Only kubefs-fs opens a store. Several kubefs-fs processes may open the
 * same directory (LMDB is multi-process); they share one resourceVersion
 * sequence and one event log.
 *
 * Model:
 *  - Keys are opaque byte strings of 1..STORE_KEY_MAX bytes without NUL.
 *    kubefs-fs uses "GROUP/RESOURCE/NAMESPACE/NAME" (NAMESPACE empty for
 *    cluster-scoped kinds), so that prefixes list a resource or namespace.
 *  - Values are opaque bytes (kubefs-fs stores canonical JSON without
 *    metadata.resourceVersion; it puts the revision back on read).
 *  - Every successful write gets the next value of one global, strictly
 *    increasing resourceVersion ("rv", starting at 1). An object's rv is
 *    the rv of the write that last changed it.
 *  - Every write appends an event (ADDED, MODIFIED, DELETED with the new
 *    value and the previous one) to an event log keyed by rv. The log is
 *    compacted: an event is dropped only when it is both older than
 *    keep_seconds and not among the newest keep_events.
 *
 * Durability: store_write() returns only after the commit holding the
 * write is on disk (fsync/fdatasync through LMDB). Concurrent writers are
 * batched into a single LMDB transaction (group commit): the first writer
 * to find no commit under way commits everything queued, so N writers
 * waiting together cost one sync. After kill -9 or power loss at any
 * instant the store opens with every acknowledged write and no trace of
 * unacknowledged ones, with no recovery step. (A write whose
 * store_write() had not returned yet is either wholly there or wholly
 * absent: it may have reached the disk just before the crash.)
 *
 * Thread safety: every function may be called from any thread, except
 * store_free(), which must not race with any other call. One process
 * opens a directory once (LMDB's rule); a second store_open() of it in
 * the same process fails with -EBUSY.
 *
 * Callbacks (store_list_fn, store_event_fn) run inside a read transaction
 * and may call store_get(), store_list(), store_events() and the other
 * reads, but never store_write(): a commit may need every read
 * transaction of the process to end before it can grow the map.
 *
 * Limits: keys STORE_KEY_MAX bytes, values STORE_VALUE_MAX bytes, at most
 * STORE_OPS_MAX ops and STORE_WRITE_MAX bytes of keys and values in one
 * store_write(); the map grows (doubling) up to map_size_max, and PUTs
 * are refused (-ENOSPC) once the live data would pass map_size_max minus
 * a reserve (1/8 of it, at most 64 MiB) kept so that deletes still work.
 * See docs/store.md.
 */
#ifndef KUBEFS_STORE_STORE_H
#define KUBEFS_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_KEY_MAX 511	    /* LMDB's default maximum key size */
#define STORE_VALUE_MAX (8u << 20)  /* bytes of one value */
#define STORE_OPS_MAX 1024	    /* ops in one store_write() */
#define STORE_WRITE_MAX (32u << 20) /* key and value bytes in one write */

/* expect_rv values with a special meaning (any other value: exact rv). */
#define STORE_RV_ANY 0		   /* no precondition */
#define STORE_RV_ABSENT UINT64_MAX /* key must not exist (create) */

struct store;

/*
 * A value transformer: encryption at rest (kube-apiserver's storage
 * value.Transformer). to_storage turns a value a caller writes into the
 * bytes the store keeps (objects and event log alike); from_storage turns
 * stored bytes back into the value every read returns (store_get,
 * store_list, store_events), so nothing above the store sees the stored
 * form and only store_snapshot() (a raw copy of the file) does.
 *
 * Both get the key (AEADs authenticate it) and the input bytes
 * (borrowed). They return
 *   0 with *ret_data NULL    the value is kept as it is (keys the
 *                            transformer does not cover, identity);
 *   0 with *ret_data set     the transformed bytes: malloc'd, owned by
 *                            the store, length *ret_len;
 *   a negative errno         the value cannot be transformed. A
 *                            from_storage error fails the read with that
 *                            errno (a list or event walk stops there);
 *                            a to_storage error fails the store_write()
 *                            with it, storing nothing.
 * stale (may be NULL) says whether stored bytes are not in the form
 * to_storage makes now (another key or provider: a rewrite re-encrypts
 * them), for store_stale().
 * They run in the caller's thread (from_storage inside the read
 * transaction), may run concurrently, and must not call into the store.
 */
struct store_transformer {
	int (*to_storage)(void *ud, const char *key, const char *data,
			  size_t len, char **ret_data, size_t *ret_len);
	int (*from_storage)(void *ud, const char *key, const char *data,
			    size_t len, char **ret_data, size_t *ret_len);
	bool (*stale)(void *ud, const char *key, const char *data, size_t len);
	void *ud;
};

struct store_config {
	const char *path;      /* directory; created (0700) if missing */
	size_t map_size;       /* initial LMDB map size; 0: 64 MiB */
	size_t map_size_max;   /* growth limit; 0: 8 GiB */
	uint64_t keep_events;  /* event-log retention; 0: 10000 */
	unsigned keep_seconds; /* event-log retention; 0: 300 */
	bool no_sync;	       /* benchmarks only: skip the disk sync */
	/* NULL: values are stored as given. Borrowed: must outlive the
	 * store. */
	const struct store_transformer *transformer;
};

/*
 * Open (creating if needed) the store in cfg->path. *ret is owned by the
 * caller, released with store_free(). Errors: -errno from the filesystem
 * or LMDB (-EINVAL for a corrupt/incompatible environment, -EBUSY if this
 * process has the directory open already).
 *
 * The initial map is the larger of cfg->map_size and the size the store
 * last grew to (persisted in the file), capped at map_size_max.
 */
int store_open(const struct store_config *cfg, struct store **ret);

/* Close. No store_write() may be in flight. NULL ok. */
void store_free(struct store *s);

/* The newest committed rv (0 for an empty store), read from the store,
 * so it includes other processes' writes. Never fails (on an LMDB error
 * it returns the last rv this process saw). */
uint64_t store_current_rv(struct store *s);

/*
 * Read one value. On success *ret_data is malloc'd (owned by the caller,
 * NUL-terminated for convenience, length in *ret_len) and *ret_rv is the
 * object's rv. -ENOENT if absent, -EINVAL for a bad key, -ENOMEM; the
 * out parameters are untouched on failure.
 */
int store_get(struct store *s, const char *key, char **ret_data,
	      size_t *ret_len, uint64_t *ret_rv);

/* Is key's stored value stale for the transformer (written with an older
 * key or provider), so that a write of the same value must still be
 * stored? false without a transformer or when key is absent. */
bool store_stale(struct store *s, const char *key);

/*
 * Called for each key with the given prefix, in key order, all from one
 * consistent read snapshot. key/data are borrowed: valid only during the
 * call. key is NUL-terminated; data is not (it points into the map).
 * Return 0 to continue, anything else stops the walk and becomes
 * store_list()'s return value.
 */
typedef int (*store_list_fn)(void *ud, const char *key, size_t key_len,
			     const char *data, size_t len, uint64_t rv);

/*
 * Walk every key starting with prefix ("" for all). *ret_rv (may be NULL)
 * receives the store rv of the snapshot walked — the resourceVersion of
 * the list, from which a watch resumes without missing anything.
 */
int store_list(struct store *s, const char *prefix, store_list_fn fn, void *ud,
	       uint64_t *ret_rv);

enum store_op_type {
	STORE_PUT,    /* create or replace */
	STORE_DELETE, /* remove */
};

struct store_op {
	/* inputs — borrowed until store_write() returns */
	enum store_op_type type;
	const char *key;
	const char *data;   /* PUT only */
	size_t len;	    /* PUT only */
	uint64_t expect_rv; /* STORE_RV_ANY, STORE_RV_ABSENT or an exact rv */
	/* outputs */
	uint64_t ret_rv; /* rv given to this op on success */
};

/*
 * Apply ops[0..n) atomically: either all of them commit (each gets its
 * own consecutive rv, in array order, and its own event) or none does.
 * Blocks until durable. Returns
 *   0          all committed and synced
 *   -EEXIST    an op expected STORE_RV_ABSENT and the key exists
 *   -ENOENT    an op expected an exact rv (or is a DELETE) and the key is
 *              absent
 *   -ESTALE    an op expected an exact rv and the key has another rv
 *   -ENOSPC    the map is full even after growing to map_size_max; reads
 *              and deletes keep working
 *   -EINVAL    bad key (empty, too long, contains NUL), unknown op
 *              type, PUT with len but no data, n == 0 or n > STORE_OPS_MAX
 *   -EFBIG     a value over STORE_VALUE_MAX, or more than STORE_WRITE_MAX
 *              bytes of keys and values in all
 *   -EIO       the disk failed; the store refuses further writes
 * *ret_index (may be NULL) receives the index of the op that failed (0
 * when the whole write failed, e.g. -EIO). On failure ops[].ret_rv are
 * untouched. A DELETE's precondition is checked like a PUT's, after the
 * key's existence (so it is -ENOENT on an absent key whatever expect_rv).
 * Ops of one call see each other's effects in array order.
 */
int store_write(struct store *s, struct store_op *ops, size_t n,
		size_t *ret_index);

enum store_event_type {
	STORE_EV_ADDED = 1,
	STORE_EV_MODIFIED = 2,
	STORE_EV_DELETED = 3,
};

struct store_event {
	uint64_t rv;
	enum store_event_type type;
	const char *key;
	size_t key_len;
	const char *data; /* ADDED/MODIFIED: new value; DELETED: last value */
	size_t len;
	const char *old; /* MODIFIED/DELETED: previous value; ADDED: NULL */
	size_t old_len;
};

/* Return 0 to go on, anything else stops and is returned. ev and the bytes
 * it points to are borrowed for the duration of the call (not
 * NUL-terminated). */
typedef int (*store_event_fn)(void *ud, const struct store_event *ev);

/*
 * Deliver events with rv > after_rv in ascending order, at most max of
 * them (0: no limit), from one read snapshot. Returns
 *   0          delivered everything available (possibly nothing: "not
 *              yet" — after_rv is current or in the future)
 *   -ERANGE    events after after_rv were compacted away ("too old": a
 *              watch from there must fail with 410 Gone and re-list)
 *   -EIO       the log is damaged (not contiguous, or a bad record)
 *   or the callback's non-zero value.
 */
int store_events(struct store *s, uint64_t after_rv, size_t max,
		 store_event_fn fn, void *ud);

/* The oldest rv still in the log minus one: the smallest after_rv that
 * store_events() accepts (0 until the log is first compacted). */
uint64_t store_oldest_resumable_rv(struct store *s);

/*
 * Write a consistent, compacted copy of the whole store (an LMDB data.mdb
 * file) to fd, e.g. for `cp /mnt/cluster/snapshot backup.mdb`. Restoring
 * is copying it back as data.mdb into an empty store directory. Writers
 * go on meanwhile; fd may be a file or a pipe. -errno on failure (fd then
 * holds a partial copy).
 */
int store_snapshot(struct store *s, int fd);

struct store_stats {
	size_t map_size;     /* current map size */
	size_t used_bytes;   /* live pages (not free ones) * page size */
	uint64_t objects;    /* keys in the object table */
	uint64_t log_events; /* events retained */
	uint64_t commits;    /* LMDB transactions committed by this process */
	uint64_t writes;     /* store_write() calls committed */
};

/* Fill *ret from one read snapshot. 0 or -errno (*ret untouched). */
int store_stat(struct store *s, struct store_stats *ret);

#endif
