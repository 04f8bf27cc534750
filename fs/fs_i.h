/*
 * fs_i.h — private to the FUSE layer of kubefs-fs.
 *
 * The mounted tree is made of nodes (struct node), one per inode the
 * kernel knows about. Nodes are looked up by inode number in one table
 * (node.c); their lifetime follows the kernel's lookup count (lookup adds
 * one, forget removes n). A node describes what a path means — root file,
 * group/version/resource dir, namespace dir, object, subresource, watch
 * stream, or one of the two kinds of non-object files:
 *  - a ghost: the name a drop-box manifest was written under, resolvable
 *    (unlisted) for GHOST_SECONDS after it was written so that rename- and
 *    unlink-after-close tools (sed -i, vim, rsync) succeed;
 *  - a scratch file: a name starting with '.', which no Kubernetes object
 *    can have, kept in memory for editors' swap and temporary files;
 *    renaming one onto an object name writes its content to that object.
 */
#ifndef KUBEFS_FS_FS_I_H
#define KUBEFS_FS_FS_I_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "api/kinds.h"
#include "apiserver/server.h"
#include "store/store.h"

struct audit;
struct authz;
struct kfs_identity;

#define GHOST_SECONDS 5
#define SCRATCH_MAX_FILES 256	/* per mount */
#define WRITES_PER_UID_MAX 1024 /* open write handles per caller uid */
#define ERRLOG_LINES 100	/* remembered rejections per caller uid */

enum node_type {
	NODE_ROOT = 1,
	NODE_ROOTFILE,
	NODE_GROUP,    /* core, apps, ... */
	NODE_VERSION,  /* core/v1 */
	NODE_RESOURCE, /* core/v1/pods */
	NODE_NSDIR,    /* core/v1/pods/default */
	NODE_OBJECT,   /* core/v1/pods/default/nginx */
	NODE_SUB,      /* nginx@status, nginx@json, ... */
	NODE_WATCH,    /* @watch?query */
	NODE_GHOST,    /* drop-box name, see above */
	NODE_SCRATCH,  /* .dotfile, see above */
};

enum rootfile {
	RF_README,
	RF_VERSION,
	RF_HEALTHZ,
	RF_RESOURCES,
	RF_ERRORS,
	RF_METRICS,
	RF_SNAPSHOT,
	RF_WHOAMI, /* the caller's identity: a SelfSubjectReview */
	RF_COUNT,
	RF_CANI = RF_COUNT, /* can-i?QUERY: unlisted, like @watch?QUERY */
};

enum subres {
	SUB_JSON,
	SUB_STATUS,
	SUB_SCALE,
	SUB_BINDING,
	SUB_EVICTION,
	SUB_LOG,
	SUB_DELETE,   /* NAME@delete: DeleteOptions (delete_options.c) */
	SUB_FINALIZE, /* namespaces: NAME@finalize (spec.finalizers) */
};

/*
 * An ephemeral name in a directory: a ghost or a scratch file. They live
 * in their own registry (ephemeral.c), independent of the kernel's
 * references, until they expire (ghosts), are unlinked or renamed.
 */
struct ephemeral {
	fuse_ino_t dir;
	char *name;
	fuse_ino_t ino;
	enum node_type type; /* NODE_GHOST or NODE_SCRATCH */
	time_t expires;	     /* ghosts */
	unsigned holds;	     /* ghosts: write handles open on it */
	char *data;	     /* scratch content, a ghost's reply (owned) */
	uid_t reader;	     /* a ghost's reply is this uid's only */
	size_t len;
	time_t mtime;
	struct ephemeral *next;
};

struct node {
	fuse_ino_t ino;
	fuse_ino_t parent;
	enum node_type type;
	char *name;	  /* entry name in parent (owned) */
	uint64_t nlookup; /* kernel references */
	const struct kind_info *kind;
	char *group;   /* NODE_GROUP / NODE_VERSION: path group */
	char *version; /* NODE_VERSION */
	char *ns;      /* namespace (owned) or NULL */
	char *objname; /* object name (owned) or NULL */
	enum rootfile rootfile;
	enum subres sub;
	char *query;	    /* NODE_WATCH, POD@log: text after '?' (owned) */
	struct node *hnext; /* hash chain */
};

/* The mount: one per kubefs-fs process. */
struct dir_handle;

/* rootfile.c: a text rendered at getattr, for the caller's next open */
#define ROOTFILE_TEXT_FRESH_NS 1000000000ll
#define ROOTFILE_TEXT_SLOTS 8
struct rootfile_text {
	fuse_ino_t ino;
	uid_t uid;
	int64_t at; /* CLOCK_MONOTONIC ns */
	char *text;
	size_t len;
};

struct kfs {
	struct store *store;
	struct server *srv;
	struct watch_hub *hub;
	struct fuse_session *se;
	const char *mountpoint;
	double attr_timeout;
	time_t started;
	/* node table */
	pthread_mutex_t lock;
	struct node **buckets;
	size_t nbuckets;
	size_t nnodes;
	/* ghosts and scratch files; guarded by eph_lock */
	pthread_mutex_t eph_lock;
	struct ephemeral *eph;
	size_t neph, nscratch;
	/* object inode numbers: store key -> ino, for the object's life */
	json_t *inos; /* object: key -> integer; guarded by lock */
	uint64_t next_ino;
	/* RBAC (fs/authz.h); NULL with --authorization-mode=AlwaysAllow */
	struct authz *authz;
	struct audit *audit; /* NULL: no --audit-policy-file */
	struct render_cache *render;
	struct errlog *errlog;
	struct notifier *notifier;
	/* coherence.c: store events up to inval_rv have been invalidated */
	pthread_mutex_t inval_lock;
	uint64_t inval_rv;
	/* per-uid open write handles: uid (as string) -> count */
	json_t *writers;
	/* every open file handle (guarded by lock): those the kernel never
	 * released are freed when the server stops */
	struct fh *open_fhs;
	/* rootfile.c: texts rendered at getattr for the next open */
	pthread_mutex_t texts_lock;
	struct rootfile_text texts[ROOTFILE_TEXT_SLOTS];
	/* a handle pinned by an fsync of another handle (fh.pins) is freed
	 * only once unpinned: signalled with lock */
	pthread_cond_t unpinned;
	struct dir_handle *open_dirs; /* ops_dir.c; guarded by lock */
	/* watch_read.c: handles with a parked read, and their sweeper */
	pthread_mutex_t parked_lock;
	pthread_cond_t parked_cond;
	struct fh *parked;
	bool sweep_wanted, sweeper_stop;
	pthread_t sweeper;
	/* counters for `metrics` */
	struct {
		uint64_t lookups, reads, writes_ok, writes_failed, deletes;
		uint64_t watch_opens;
	} stats;
};

/* ---- node.c: the node table ---- */
int kfs_nodes_init(struct kfs *fs);
void kfs_nodes_release(struct kfs *fs);
/* Find a node by inode number. Borrowed; valid while fs->lock is held or
 * the kernel holds a reference (between lookup and forget). */
struct node *kfs_node_get(struct kfs *fs, fuse_ino_t ino);
/* Insert n (owned by the table afterwards) or, if a node with the same
 * inode number exists, free n and return the existing one. Increments
 * nlookup of the returned node. Takes fs->lock. */
struct node *kfs_node_add(struct kfs *fs, struct node *n);
void kfs_node_forget(struct kfs *fs, fuse_ino_t ino, uint64_t nlookup);
struct node *kfs_node_new(enum node_type type, fuse_ino_t parent,
			  const char *name);
void kfs_node_free(struct node *n);
/* Full path of a node relative to the mount root ("core/v1/pods/default/x").
 * Owned. */
char *kfs_node_path(struct kfs *fs, const struct node *n);
/* Inode number of an object for its life: the one recorded for key, else a
 * fresh one, recorded. */
fuse_ino_t kfs_object_ino(struct kfs *fs, const char *key);
void kfs_object_ino_drop(struct kfs *fs, const char *key);
/* The inode number recorded for key, 0 if none (nothing recorded). */
fuse_ino_t kfs_object_ino_peek(struct kfs *fs, const char *key);
/*
 * The file with inode ino (a ghost or scratch file) was renamed onto the
 * object (kind, ns, name) in dir: the kernel now thinks ino *is* that
 * name, so make it so — the node becomes the object and the object keeps
 * ino for its life. No-op if the kernel holds no node ino.
 */
void kfs_node_become_object(struct kfs *fs, fuse_ino_t ino, fuse_ino_t dir,
			    const struct kind_info *kind, const char *ns,
			    const char *name);
/* Inode number of a non-object path (stable: a hash of the path). */
fuse_ino_t kfs_path_ino(const char *path);

/* ---- ephemeral.c: ghosts and scratch files ---- */
/* Look up (dir, name); expired ghosts are dropped. On success copies the
 * entry's ino/type/len/mtime into *ret (ret->name/data set to NULL). */
int eph_lookup(struct kfs *fs, fuse_ino_t dir, const char *name,
	       struct ephemeral *ret);
/* Make (dir, name) a ghost for GHOST_SECONDS with inode ino. */
void eph_ghost(struct kfs *fs, fuse_ino_t dir, const char *name,
	       fuse_ino_t ino);
/* A write handle opens ghost (dir, name) (made one with inode ino if it is
 * not): it does not expire while held, so fstat(2) of a file being
 * written keeps working however long the writer takes. */
void eph_ghost_hold(struct kfs *fs, fuse_ino_t dir, const char *name,
		    fuse_ino_t ino);
/* The handle is released: the ghost lives GHOST_SECONDS more. */
void eph_ghost_unhold(struct kfs *fs, fuse_ino_t dir, const char *name);
/* The same, reading reply[0..len) (taken; may be NULL) to uid reader
 * (an access review's response), "" to anyone else. */
void eph_ghost_reply(struct kfs *fs, fuse_ino_t dir, const char *name,
		     fuse_ino_t ino, uid_t reader, char *reply, size_t len);
/* What uid reads from the ghost (dir, name): its reply or "" (owned). */
int eph_ghost_read(struct kfs *fs, fuse_ino_t dir, const char *name, uid_t uid,
		   char **ret_data, size_t *ret_len);
/* Create an empty scratch file; -ENOSPC past SCRATCH_MAX_FILES. */
int eph_scratch_create(struct kfs *fs, fuse_ino_t dir, const char *name,
		       fuse_ino_t ino);
/* Replace a scratch file's content (takes ownership of data). */
int eph_scratch_store(struct kfs *fs, fuse_ino_t dir, const char *name,
		      char *data, size_t len);
/* Copy of a scratch file's content (owned). */
int eph_scratch_read(struct kfs *fs, fuse_ino_t dir, const char *name,
		     char **ret_data, size_t *ret_len);
/* Remove; -ENOENT if absent. If ret_data is not NULL and the entry is a
 * scratch file, its content is handed over (owned). */
int eph_remove(struct kfs *fs, fuse_ino_t dir, const char *name,
	       char **ret_data, size_t *ret_len);
void eph_release(struct kfs *fs);

/* ---- resolve.c: what a name means ---- */
/* Resolve name in parent to a new node (not yet in the table) and its
 * attributes. -ENOENT when nothing is there. */
int kfs_resolve(struct kfs *fs, const struct node *parent, const char *name,
		struct node **ret, struct stat *ret_st);
/* The ids every file belongs to: the server's own. */
void kfs_owner(uid_t *ret_uid, gid_t *ret_gid);
/* Attributes of an existing node (fresh). */
int kfs_getattr(struct kfs *fs, const struct node *n, struct stat *ret_st);
/* The directory a node's objects live in: kind and namespace. Returns
 * false for directories that are not object directories. */
bool kfs_object_dir(const struct node *dir, const struct kind_info **ret_kind,
		    const char **ret_ns);

/* ---- render.c: object -> bytes, cached by (key, rv) ---- */
struct render_cache;
struct render_cache *render_cache_new(size_t max_bytes);
void render_cache_free(struct render_cache *rc);
enum render_format { RENDER_YAML, RENDER_JSON };
/* Current rendering of the object at key. *ret_data is a new malloc'd copy
 * (owned) of *ret_len bytes; *ret_rv / *ret_mtime (may be NULL) describe
 * it. -ENOENT if the object does not exist. */
int kfs_render(struct kfs *fs, const char *key, enum render_format fmt,
	       char **ret_data, size_t *ret_len, uint64_t *ret_rv,
	       time_t *ret_mtime);
/* Size only (cheap when cached). */
int kfs_render_size(struct kfs *fs, const char *key, size_t *ret_len,
		    uint64_t *ret_rv, time_t *ret_mtime);
/* Drop key's rendering (the object was deleted). rc may be NULL. */
void render_cache_forget(struct render_cache *rc, const char *key);
/* Renderings held and their bytes (for metrics). */
void render_cache_stats(struct render_cache *rc, size_t *ret_objects,
			size_t *ret_bytes);

/* ---- errlog.c: the `errors` file, per caller uid ---- */
struct errlog;
struct errlog *errlog_new(void);
void errlog_free(struct errlog *el);
void errlog_add(struct errlog *el, uid_t uid, const char *path,
		const char *msg);
/* Newline-terminated lines, oldest first. Owned. */
char *errlog_text(struct errlog *el, uid_t uid, size_t *ret_len);

/* ---- rootfile.c: README, version, healthz, resources, metrics ---- */
/* Content of a generated root file (not snapshot, whoami, can-i).
 * Owned. */
char *kfs_rootfile_text(struct kfs *fs, enum rootfile rf, uid_t uid,
			size_t *ret_len);
const char *kfs_rootfile_name(enum rootfile rf);
/*
 * metrics changes between reads: its size is the size of the text
 * rendered for the caller at getattr, which the caller's next open of
 * the file reads if it comes within ROOTFILE_TEXT_FRESH_NS (an NFS
 * server stats, then reads up to that size). kfs_rootfile_stat sets
 * st->st_size so (any other node: no change); kfs_rootfile_take returns
 * that text (owned) or NULL.
 */
void kfs_rootfile_stat(struct kfs *fs, const struct node *n, uid_t uid,
		       struct stat *st);
char *kfs_rootfile_take(struct kfs *fs, const struct node *n, uid_t uid,
			size_t *ret_len);
void kfs_rootfile_texts_free(struct kfs *fs);

/* ---- write.c: the verdict at close ---- */
struct kfs_write {
	/* where the bytes were written */
	fuse_ino_t dir;
	char *entry;		      /* entry name in dir (owned) */
	const struct kind_info *kind; /* object dir's kind, or NULL (root) */
	char *ns;		      /* object dir's namespace or NULL */
	enum node_type target;	      /* NODE_OBJECT, NODE_SUB, NODE_ROOT... */
	enum subres sub;
	bool created;	 /* the file was created by this open */
	bool committed;	 /* a verdict was given at least once */
	bool excl;	 /* ... with O_EXCL */
	bool ghost_held; /* holds ghost (dir, entry): eph_ghost_hold() */
	bool append;	 /* O_APPEND: a merge patch */
	bool truncated;	 /* O_TRUNC or truncate to 0 */
	bool dirty;	 /* bytes were written or truncated */
	bool too_big;	 /* a write was refused with EFBIG: so is the file */
	bool synced;	 /* the last verdict was given at fsync: ... */
	int verdict;	 /* ... this, which close() returns again */
	/* the writer, checked at the verdict (borrowed from its handle);
	 * NULL: nothing to check */
	const struct kfs_identity *id;
	char *buf;
	size_t len, cap;
	/* the responses to the review kinds written (kfs_review(): YAML,
	 * owned), which the writer reads back from the name; NULL: none */
	char *reply;
	size_t reply_len;
};
/* Judge and apply a finished write. Returns 0 or -errno; on failure the
 * reason is in err. *ret_object (may be NULL) tells whether the entry name
 * is now an object (false: it was a drop box). */
int kfs_write_commit(struct kfs *fs, struct kfs_write *w, struct kf_error *err,
		     bool *ret_object);
void kfs_write_release(struct kfs_write *w);
/* delete_options.c: a DeleteOptions document written to NAME@delete. */
int kfs_write_delete(struct kfs *fs, struct kfs_write *w, const char *name,
		     struct kf_error *err);

/* ---- dirtime.c: directory times; who may read what ---- */
/* An object of kind k in namespace ns (NULL: cluster scope) was added or
 * deleted: its directory changed (and, for a Namespace, every namespaced
 * resource directory). */
void kfs_dir_changed(const struct kind_info *k, const char *ns);
/* Set st's mtime and ctime for directory node n (left as they are when
 * nothing changed in it since the server started). */
void kfs_dir_time(struct kfs *fs, const struct node *n, struct stat *st);
void kfs_dir_times_free(void);
/* Does n get owner-only modes in system:masters' view (Secrets and what
 * holds them, snapshot)? Who may open it is RBAC's (fs/access.h). */
bool kfs_root_only(const struct node *n);

/* ---- snapshot.c: the store streamed to a reader of `snapshot` ---- */
#define SNAPSHOT_MAX_OPEN 4 /* copies being read at once */
struct snapstream;
/* Start a copy of the store. -EAGAIN past SNAPSHOT_MAX_OPEN. */
int snapstream_open(struct store *st, struct snapstream **ret);
/* The next bytes, in order (size at most, less only at the end); 0 at
 * the end; -errno if the copy failed. One reader at a time. */
ssize_t snapstream_read(struct snapstream *ss, char *buf, size_t size);
/* Stop (an unfinished copy is abandoned) and free. NULL is a no-op. */
void snapstream_free(struct snapstream *ss);

/* ---- opener.c: when the writer of an open file is done ---- */
/*
 * Is a flush by thread pid the last close of the writer that thread
 * opener opened the file in (inode ino, path relative to the absolute
 * mount directory)? True when either is unknown (0: another pid
 * namespace).
 */
bool kfs_writer_done(pid_t opener, pid_t pid, const char *mount, fuse_ino_t ino,
		     const char *path);

/* ---- notify.c: keep the kernel's caches and inotify coherent ---- */
struct notifier;
int notifier_start(struct kfs *fs, struct notifier **ret);
void notifier_stop(struct notifier *nt);
/* Is the caller of req the notifier (its own syscalls on the mount)? */
bool notifier_is_caller(struct notifier *nt, fuse_req_t req);
/* Tell the notifier, before making a change through the object's own path,
 * that the kernel raises that change's inotify event itself: the next
 * event for key (within a few seconds) only invalidates caches, if it is
 * of the kind the kernel saw (a deletion when deleted, else a create or
 * change: a write whose result is the object's deletion, as the removal
 * of its last finalizer, still gets its DELETE event). */
void notifier_kernel_saw(struct notifier *nt, const char *key, bool deleted);
/* Take such a mark back (the change failed or went elsewhere). */
void notifier_unmark(struct notifier *nt, const char *key);
/* Is the notifier creating path right now (lookup must say ENOENT)? */
bool notifier_pending_create(struct notifier *nt, const char *path);
/* Invalidate the kernel's entry for name in dir, asynchronously (safe to
 * call from a request handler). */
void notifier_inval_entry(struct notifier *nt, fuse_ino_t dir,
			  const char *name);
/* Is a deletion of path pending in the notifier (lookup must answer)? */
bool notifier_pending_delete(struct notifier *nt, const char *path,
			     fuse_ino_t *ret_ino);

/* ---- coherence.c: the page cache never outlives a change ---- */
/*
 * Object files opened read-only are served from the kernel's page cache
 * (keep_cache). Whoever changes the store through the mount calls
 * kfs_caches_sync() before answering the request: every object changed
 * since the last call (by anyone) has its cached pages and attributes
 * dropped before the change is acknowledged and before its inotify event
 * is raised. Changes the mount does not make (another server on the
 * store) are dropped by the notifier, before it raises their events.
 */
#define KFS_CACHED_MAX 16384 /* larger objects: direct I/O (see open) */
struct fh;
int kfs_caches_init(struct kfs *fs);
void kfs_caches_sync(struct kfs *fs);
void kfs_caches_release(struct kfs *fs);
/*
 * A deleted object's inode number record goes when both the notifier and
 * kfs_caches_sync() have passed its DELETED event (the sync needs the
 * number to drop the kernel's cached attributes): the notifier asks
 * whether the sync has passed rv; if not, the sync drops the record.
 */
bool kfs_caches_passed(struct kfs *fs, uint64_t rv);
/* Open fh (an object, read-only, rendered at open) for the page cache?
 * Sets fh->key and fh->cached. */
void kfs_cached_open(struct kfs *fs, struct fh *fh, const struct node *n);
/* A read of such a file: the object as it is now, at off. */
void kfs_cached_read(struct kfs *fs, struct fh *fh, fuse_req_t req, size_t size,
		     off_t off);

/* ---- ops.c / ops_file.c / ops_dir.c ---- */
enum fh_kind {
	FH_TEXT,    /* read-only snapshot of generated bytes */
	FH_SNAP,    /* the store snapshot, streamed */
	FH_WRITE,   /* object, subresource or drop-box write */
	FH_SCRATCH, /* a scratch file */
	FH_WATCH,   /* an @watch stream, or a followed log (ls) */
	FH_NOTIFY,  /* the notifier's own open: does nothing */
};

struct fh {
	enum fh_kind kind;
	pthread_mutex_t lock; /* recursive: see ops_file.c, watch reads */
	fuse_ino_t ino;
	uid_t uid;
	pid_t opener; /* the thread that opened it, 0: unknown */
	char *path;   /* for `errors` lines (owned) */
	char *data;   /* FH_TEXT */
	size_t len;
	char *key;   /* FH_TEXT of an object served from the page cache */
	bool cached; /* ... see coherence.c */
	struct snapstream *snap; /* FH_SNAP */
	struct kfs_write w;	 /* FH_WRITE, FH_SCRATCH (w.buf) */
	bool counted;		 /* counted against the uid's writer limit */
	bool dead;		 /* FH_SCRATCH target gone */
	struct watch_stream *ws;
	struct logstream *ls; /* FH_WATCH of POD@log?follow=true */
	fuse_req_t parked;    /* a read waiting for watch events */
	size_t parked_size;
	struct fh *parked_prev, *parked_next; /* kfs.parked; parked_lock */
	struct fuse_pollhandle *ph;
	struct kfs *fs;
	struct fh *prev_open, *next_open; /* kfs.open_fhs; kfs.lock */
	unsigned pins; /* fsyncs of other handles using it; kfs.lock */
	struct kfs_identity *id; /* the opener (owned); NULL: not checked */
};

/*
 * The mount a request is for: the userdata fs/main.c gave
 * fuse_session_new(), as libfuse's passthrough_ll example does. There
 * is no process-wide pointer: code without a request (the notifier, the
 * watch hub's callbacks, the handles' streams) carries its struct kfs,
 * and the signal handlers are libfuse's own, which need none.
 */
static inline struct kfs *kfs_req_fs(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

void kfs_fh_free(struct fh *fh);
/* Free the handles still open; only once the FUSE session is gone. */
void kfs_fh_free_all(struct kfs *fs);
void kfs_dirs_free_all(struct kfs *fs);

/* ---- watch_read.c: reads of @watch streams, parked until lines come ---- */
/* The parked list (before any handle exists); then start and stop the
 * sweeper that answers interrupted parked reads. */
void kfs_watch_reads_init(struct kfs *fs);
int kfs_watch_reads_start(struct kfs *fs);
void kfs_watch_reads_stop(struct kfs *fs);
/* A read of a watch handle: lines now, EAGAIN (O_NONBLOCK), or parked. */
void kfs_watch_read(fuse_req_t req, struct fh *fh, size_t size,
		    struct fuse_file_info *fi);
/* The stream's ready function (ud: the handle): answers a parked read,
 * wakes poll(). */
void kfs_watch_ready(void *ud);
/* The handle is being freed: off the parked list. */
void kfs_watch_forget(struct fh *fh);
/*
 * Answer every read still parked on a watch stream with EINTR, once the
 * session loop has ended and before the session is destroyed: libfuse
 * frees a request only when it is answered.
 */
void kfs_fh_unpark_all(struct kfs *fs);
fuse_ino_t kfs_new_ino(struct kfs *fs);

/* Entry replies: fill e for node n with attributes st. */
void kfs_fill_entry(struct kfs *fs, const struct node *n, const struct stat *st,
		    struct fuse_entry_param *e);

/* Operation handlers, split by concern. */
void kfs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void kfs_op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		   mode_t mode, struct fuse_file_info *fi);
void kfs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		 struct fuse_file_info *fi);
void kfs_op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
		  off_t off, struct fuse_file_info *fi);
void kfs_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void kfs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void kfs_op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		  struct fuse_file_info *fi);
void kfs_op_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		 struct fuse_pollhandle *ph);
void kfs_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void kfs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi);
void kfs_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi);
void kfs_op_releasedir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi);
/* Apply a truncate to an open write handle (setattr with a file). */
int kfs_fh_truncate(struct fh *fh, off_t size);

extern const struct fuse_lowlevel_ops kfs_ops;

#endif
