/*
 * store_i.h — the store's private parts: the handle, the on-disk layout,
 * the resize lock and the write queue. See docs/store.md for the design.
 *
 * On-disk layout (native byte order; an LMDB file is not portable across
 * architectures anyway), in four named DBIs of one LMDB environment:
 *
 *   objects  key bytes            → u64 rv, value bytes
 *   log      rv as big-endian u64 → struct log_rec header, key, data, old
 *   meta     "format"             → u64 STORE_FORMAT
 *            "current_rv"         → u64 newest committed rv
 *            "compacted_rv"       → u64 newest rv dropped from the log
 *                                   (the log holds compacted_rv+1 ..
 *                                   current_rv, contiguous)
 */
#ifndef KUBEFS_STORE_STORE_I_H
#define KUBEFS_STORE_STORE_I_H

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/store.h"

#define STORE_FORMAT 1

#define STORE_DEF_MAP_SIZE ((size_t)64 << 20)
#define STORE_DEF_MAP_MAX ((size_t)8 << 30)
#define STORE_DEF_KEEP_EVENTS 10000
#define STORE_DEF_KEEP_SECONDS 300
#define STORE_MAX_READERS 1022

/* A group commit takes at most this many requests or bytes (more wait for
 * the next one), so one LMDB transaction stays far below its dirty-page
 * limit. */
#define STORE_GROUP_REQS 1024
#define STORE_GROUP_BYTES ((size_t)32 << 20)

/* Events dropped per commit at most: a floor plus twice the events the
 * commit adds, so compaction outpaces any write rate. */
#define STORE_COMPACT_MIN 64

/* Bytes of the map kept free for deletes: PUTs are refused with -ENOSPC
 * once live pages would pass map_size_max minus this. */
#define STORE_RESERVE_MAX ((size_t)64 << 20)

/* Header of an object value in the objects DBI. */
#define OBJ_HDR_SIZE 8

/* Header of a record in the log DBI, followed by key, data and old. */
struct log_rec {
	uint8_t type;	/* enum store_event_type */
	uint8_t pad[3]; /* zero */
	uint32_t key_len;
	uint64_t time;	   /* CLOCK_REALTIME seconds of the commit */
	uint64_t data_len; /* ADDED/MODIFIED: new value; DELETED: 0 */
	uint64_t old_len;  /* MODIFIED/DELETED: previous value; ADDED: 0 */
};
#define LOG_REC_SIZE 32

/* One store_write() in the queue; lives on its stack. */
struct store_req {
	struct store_op *ops;
	size_t n;
	size_t bytes;	   /* key and value bytes, for the group budget */
	int result;	   /* set by the committing writer */
	size_t index;	   /* failing op when result < 0 */
	uint64_t first_rv; /* rv of ops[0] when result == 0 */
	bool done;
	bool lead;	     /* handed the committer's role */
	pthread_cond_t cond; /* done or lead, under store.lock */
	struct store_req *next;
};

/* Returns the current time in CLOCK_REALTIME seconds. */
typedef uint64_t (*store_clock_fn)(void *ud);

struct store {
	MDB_env *env;
	MDB_dbi dbi_objects, dbi_log, dbi_meta;
	size_t psize;
	size_t map_max;
	size_t reserve; /* bytes kept free for deletes, see above */
	uint64_t keep_events;
	uint64_t keep_seconds;
	dev_t dev; /* of the directory, for the one-env-per-process rule */
	ino_t ino;
	pid_t pid;
	struct store *reg_next; /* the process' list of open stores */

	/*
	 * Every LMDB transaction of this process runs under resize_lock
	 * taken shared; mdb_env_set_mapsize() runs under it exclusive
	 * (LMDB requires that no transaction be active in the process).
	 */
	pthread_rwlock_t resize_lock;

	/* The write queue; committing: some writer is committing. */
	pthread_mutex_t lock;
	struct store_req *head, *tail;
	bool committing;
	_Atomic bool broken; /* a commit failed: writes refused with -EIO */

	store_clock_fn clock;
	void *clock_ud;

	const struct store_transformer *xf; /* NULL: values as given */

	_Atomic uint64_t last_rv; /* last rv seen, for store_current_rv */
	_Atomic uint64_t commits;
	_Atomic uint64_t writes;
};

/* ---- store.c ---- */

/* Map an LMDB or errno return code (0, positive errno, MDB_*) to 0 or a
 * negative errno. */
int store_errno(int rc);

/* Begin a read-only transaction under the resize lock. On success the
 * lock is held until store_read_end(). Handles MDB_MAP_RESIZED. */
int store_read_begin(struct store *s, MDB_txn **ret_txn);
void store_read_end(struct store *s, MDB_txn *txn);

/* Take the resize lock shared / release it (for a write transaction). */
void store_lock_shared(struct store *s);
void store_unlock_shared(struct store *s);

/* Adopt the map size another process persisted (MDB_MAP_RESIZED), or
 * grow this process' map to min(2 × current, map_max). Takes the resize
 * lock exclusive; the caller holds no transaction and no lock.
 * store_map_grow(): 0, -ENOSPC already at map_max, or -errno. */
int store_map_adopt(struct store *s);
int store_map_grow(struct store *s);

/* Pages in use by all trees (free DB included) as seen by txn. */
int store_live_pages(struct store *s, MDB_txn *txn, size_t *ret_pages);

/* Read a u64 from the meta DBI; 0 when absent. */
int store_meta_get(struct store *s, MDB_txn *txn, const char *name,
		   uint64_t *ret);
int store_meta_put(struct store *s, MDB_txn *txn, const char *name, uint64_t v);

uint64_t store_now(struct store *s);

/* Replace the clock used to timestamp events (tests). NULL: the real
 * CLOCK_REALTIME clock. Not thread-safe against concurrent writes. */
void store_set_clock(struct store *s, store_clock_fn fn, void *ud);

/* Transform a stored value for reading (from_storage). 0 with *ret_buf
 * NULL: use data as it is; 0 with *ret_buf set: the value is *ret_buf
 * (owned by the caller) of *ret_len bytes; or the transformer's errno. */
int store_from_storage(struct store *s, const char *key, const char *data,
		       size_t len, char **ret_buf, size_t *ret_len);

/* ---- eventlog.c ---- */

/* The log key of rv: 8 bytes big-endian in buf. */
void log_key(uint64_t rv, unsigned char buf[8]);
uint64_t log_key_rv(const MDB_val *k);

/*
 * Append the event for rv with its key and new data (NULL when len is 0;
 * not a pointer into the map), and room for old_len bytes of the previous
 * value at *ret_old, which the caller fills before the next change to the
 * transaction (a pointer into the map fetched before this call may have
 * gone stale: fetch it again). -ENOSPC on MDB_MAP_FULL, -EIO if rv is not
 * after the last event.
 */
int log_append(struct store *s, MDB_txn *txn, uint64_t rv,
	       enum store_event_type type, const char *key, size_t key_len,
	       const char *data, size_t len, size_t old_len, uint64_t now,
	       char **ret_old);

/* Decode a log record; borrowed pointers into v. -EIO if malformed. */
int log_decode(const MDB_val *k, const MDB_val *v, struct store_event *ev,
	       uint64_t *ret_time);

/*
 * Drop at most max events that are older than keep_seconds and not among
 * the newest keep_events, oldest first, updating compacted_rv. current is
 * the rv the transaction will commit. Returns the number dropped or a
 * negative errno.
 */
int log_compact(struct store *s, MDB_txn *txn, uint64_t current, uint64_t now,
		size_t max);

#endif
