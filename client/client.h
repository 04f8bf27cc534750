/*
 * client.h — object I/O on a mounted kubefs tree (what client-go's typed
 * clients are to Kubernetes).
 *
 * Every kubefs component talks to the cluster through the mount and
 * nothing else (SPEC §1). This module turns the usual verbs into file
 * operations on that tree:
 *
 *   get             read    GROUP/VERSION/RESOURCE[/NS]/NAME@json
 *   list            readdir + read NAME@json of each entry
 *   create          open(O_CREAT|O_EXCL) NAME, write JSON, close
 *   replace         open(O_TRUNC) NAME@json, write JSON, close
 *   update_status   open(O_TRUNC) NAME@status, write JSON, close
 *   patch           open(O_APPEND) NAME@json, write a JSON merge patch
 *   delete          unlink NAME
 *   apply           write a manifest into the root drop box
 *   scale           read / write NAME@scale
 *   bind, evict     write NAME@binding, NAME@eviction (pods)
 *
 * The server judges a write when the file is closed, so close() carries
 * the verdict. The CORE/v1 group is spelled "core" in paths.
 *
 * Errors. Every function that can fail returns 0 or a negative errno: the
 * errno of the failing system call (-EINVAL invalid, -EEXIST exists,
 * -ESTALE resourceVersion conflict, -ENOENT missing, -EFBIG too large,
 * -EACCES forbidden, -ENOSPC store full, -EAGAIN too many open writes).
 * When err is not NULL it is filled with the reason worded as Kubernetes
 * words it: after a rejected write, the server's own sentence taken from
 * the newest line of the mount's `errors` file for the path written (see
 * client_read_error()); otherwise a sentence built here in the Kubernetes
 * wording (`pods "x" not found`, `pods "x" already exists`, ...). On
 * success err is left untouched. Output parameters (ret_*) come last and
 * are untouched on failure.
 *
 * Objects are jansson values. Objects passed in are borrowed (never
 * modified, never stolen); objects returned are new references owned by
 * the caller (json_decref()).
 *
 * Kinds come from api/kinds.h. Functions that take both a kind and an
 * object accept kind == NULL and then find the kind from the object's
 * apiVersion and kind (-EINVAL `no matches for kind "X" in version "Y"`
 * when the kind is not served). Namespaces: for a namespaced kind, ns NULL
 * or "" means the object's metadata.namespace (object-taking functions)
 * or "default" (name-taking functions); for a cluster-scoped kind ns is
 * ignored. Names and namespaces are checked to be usable as one path
 * element (non-empty, no '/', no '@', not "." or "..", at most 253 bytes):
 * -EINVAL otherwise, before any file is touched.
 *
 * Thread safety: a struct client is immutable after client_new() and may
 * be shared by any number of threads. Every call is a blocking system call
 * sequence on the mount.
 */
#ifndef KUBEFS_CLIENT_CLIENT_H
#define KUBEFS_CLIENT_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "api/error.h"
#include "api/kinds.h"

/* Default mount point when neither the argument nor $KUBEFS_MOUNT is set. */
#define CLIENT_DEFAULT_MOUNT "/mnt/cluster"

/*
 * Hard limits on what the server can make us allocate. A file or listing
 * beyond them fails with -EFBIG / -E2BIG instead of growing memory.
 */
#define CLIENT_OBJECT_MAX (2u << 20) /* bytes read from one object file */
#define CLIENT_LIST_MAX 1000000	     /* entries in one directory */
#define CLIENT_ERRORS_MAX (1u << 20) /* bytes read from `errors` */
#define CLIENT_NAME_MAX 253	     /* a name or namespace */

struct client;

/*
 * Connect to the tree mounted at mount (NULL or "": $KUBEFS_MOUNT, else
 * CLIENT_DEFAULT_MOUNT). Only the path is recorded and checked to be an
 * absolute-or-relative directory that exists (-ENOENT, -ENOTDIR); nothing
 * stays open. *ret is owned by the caller, released with client_free().
 */
int client_new(const char *mount, struct client **ret);

/* Release c. NULL is a no-op. */
void client_free(struct client *c);

/* The mount point, without a trailing '/'. Borrowed, valid until
 * client_free(c). */
const char *client_mount(const struct client *c);

/*
 * Build the path of (kind, ns, name, sub) relative to the mount:
 *   name NULL                       the resource dir, or for a namespaced
 *                                   kind with ns set, the namespace dir
 *   name set                        the object file
 *   sub set ("@json", "@status", "@scale", "@binding", "@eviction",
 *            "@log", "@log.CONTAINER", or "@watch?QUERY" with name NULL)
 *                                   appended to the name (or, for @watch,
 *                                   as the last path element)
 * Here ns NULL or "" means "all namespaces" (the resource dir) even for
 * namespaced kinds. *ret is malloc'd and owned by the caller.
 * Errors: -EINVAL bad name/ns/sub, -ENOMEM.
 */
int client_relpath(const struct kind_info *k, const char *ns, const char *name,
		   const char *sub, char **ret);

/* Same as client_relpath() with the mount point in front. */
int client_path(const struct client *c, const struct kind_info *k,
		const char *ns, const char *name, const char *sub, char **ret);

/*
 * Fill err from the mount's `errors` file: the newest line whose path is
 * relpath (relative to the mount, as client_relpath() builds it), with the
 * timestamp and path stripped; lines just before it with the same time and
 * path (a message the server split over several lines) are joined with
 * "\n". code is the errno to record (negative). Returns code; when no line
 * matches, err is set to a generic sentence for code and relpath.
 * Useful after a raw write of one's own; every function below calls it.
 */
int client_read_error(struct client *c, const char *relpath, int code,
		      struct kf_error *err);

/* Read NAME@json. -ENOENT `pods "x" not found` if absent. */
int client_get(struct client *c, const struct kind_info *k, const char *ns,
	       const char *name, struct kf_error *err, json_t **ret);

/*
 * List the objects of kind k in namespace ns (NULL or "": all namespaces;
 * ignored for cluster-scoped kinds), optionally filtered by a label
 * selector ("app=web,tier!=db,env in (a,b),!canary", api/selector.h)
 * and a field selector ("metadata.name=x,spec.nodeName=n1", only the
 * fields the API server supports for k); NULL or "" selects everything.
 * Both are parsed and matched exactly as the API server's watch does. Objects are read one by one through their @json
 * files; an entry that vanishes between readdir and read is skipped.
 *
 * *ret_items: a new JSON array of the objects, sorted by namespace then
 * name. *ret_rv (may be NULL): the list's resourceVersion — the store's
 * resourceVersion read BEFORE the directory was listed: from `metrics`,
 * or, for a caller who may not read it, from the bookmark that ends a
 * streaming list of the kind (a watch); else the newest listed object's
 * (then a watch from it can miss an object created during the list).
 *
 * A list built this way is NOT a consistent snapshot: each object is read
 * at its own moment, so some may be newer than *ret_rv. What holds is
 * that a watch started at *ret_rv replays every change after the list
 * began, so list + watch(ret_rv) never misses a change (it may repeat
 * one; compare resourceVersions). Use a watch without resourceVersion
 * (client/watch.h) when a consistent initial state is required.
 *
 * Errors: -ENOENT namespace missing, -EINVAL bad selector, -E2BIG more
 * than CLIENT_LIST_MAX entries, or any read error other than -ENOENT.
 */
int client_list(struct client *c, const struct kind_info *k, const char *ns,
		const char *label_selector, const char *field_selector,
		struct kf_error *err, json_t **ret_items, uint64_t *ret_rv);

/*
 * Create obj (kind k or from obj; namespace ns or metadata.namespace or
 * "default"). The name is metadata.name; when it is missing and
 * metadata.generateName is set, a name is generated as the API server
 * does (generateName + 5 random characters), retried on collision. The
 * file is opened with O_CREAT|O_EXCL: -EEXIST `pods "x" already exists`.
 * ret (may be NULL) receives the object as stored, read back right after
 * the write (it may already carry later changes; NULL if it was deleted
 * in between).
 */
int client_create(struct client *c, const struct kind_info *k, const char *ns,
		  const json_t *obj, struct kf_error *err, json_t **ret);

/*
 * Replace the object named by obj's metadata (name required) by writing
 * NAME@json with O_TRUNC. When metadata.resourceVersion is set the write
 * is a compare-and-swap: -ESTALE (409 Conflict) if the object changed
 * since; leave it out to replace unconditionally. .status is kept by the
 * server. ret (may be NULL): the object read back, as for create.
 */
int client_replace(struct client *c, const struct kind_info *k,
		   const json_t *obj, struct kf_error *err, json_t **ret);

/* Same as client_replace() through NAME@status: only .status is taken. */
int client_update_status(struct client *c, const struct kind_info *k,
			 const json_t *obj, struct kf_error *err, json_t **ret);

/* Same through a namespace's NAME@finalize: only spec.finalizers is
 * taken; a terminating namespace left with none is removed. */
int client_finalize(struct client *c, const struct kind_info *k,
		    const json_t *obj, struct kf_error *err, json_t **ret);

/*
 * Apply a JSON merge patch (RFC 7386) to NAME: written with O_APPEND to
 * NAME@json. A patch carrying metadata.resourceVersion is conditional
 * (-ESTALE). -ENOENT if the object is absent. ret (may be NULL): the
 * object read back.
 */
int client_patch(struct client *c, const struct kind_info *k, const char *ns,
		 const char *name, const json_t *patch, struct kf_error *err,
		 json_t **ret);

/*
 * Delete NAME (unlink). Objects with finalizers, pods bound to a node and
 * namespaces are only marked (metadata.deletionTimestamp) and go away
 * later. -ENOENT `pods "x" not found`.
 */
int client_delete(struct client *c, const struct kind_info *k, const char *ns,
		  const char *name, struct kf_error *err);

/*
 * Delete NAME with DeleteOptions (options: a DeleteOptions object,
 * borrowed; NULL: the defaults) written to NAME@delete:
 * gracePeriodSeconds, propagationPolicy (Orphan, Background, Foreground),
 * preconditions {uid, resourceVersion}. -EINVAL bad options, -ESTALE a
 * precondition failed, -ENOENT absent.
 */
int client_delete_with(struct client *c, const struct kind_info *k,
		       const char *ns, const char *name, const json_t *options,
		       struct kf_error *err);

/*
 * Apply a manifest (YAML or JSON, several documents or a List) by writing
 * it into the root drop box under a fresh name. Each document is created
 * or updated under its own name. Returns the first failure's errno; err
 * gets the server's reason(s) logged for the drop-box write.
 */
int client_apply(struct client *c, const char *manifest, size_t len,
		 struct kf_error *err);

/* Read NAME@scale: spec.replicas of a scalable kind. */
int client_scale_get(struct client *c, const struct kind_info *k,
		     const char *ns, const char *name, struct kf_error *err,
		     int64_t *ret_replicas);

/* Write NAME@scale. -EINVAL for a negative count or an unscalable kind. */
int client_scale_set(struct client *c, const struct kind_info *k,
		     const char *ns, const char *name, int64_t replicas,
		     struct kf_error *err);

/*
 * Bind pod ns/name to node (write the node name to NAME@binding), as the
 * scheduler does. Fails (-EINVAL or -EEXIST per the server) if the pod is
 * already bound.
 */
int client_bind(struct client *c, const char *ns, const char *name,
		const char *node, struct kf_error *err);

/* Evict pod ns/name (write NAME@eviction): a graceful delete. */
int client_evict(struct client *c, const char *ns, const char *name,
		 struct kf_error *err);

/*
 * Read a pod's container log (NAME@log, or NAME@log.CONTAINER when
 * container is set). *ret_text is malloc'd, NUL-terminated, owned by the
 * caller; *ret_len its length. At most CLIENT_OBJECT_MAX bytes: the tail
 * is cut (the read stops) beyond that.
 */
int client_logs(struct client *c, const char *ns, const char *name,
		const char *container, struct kf_error *err, char **ret_text,
		size_t *ret_len);

/*
 * The object's resourceVersion as a number (metadata.resourceVersion is a
 * decimal string in kubefs). 0 when absent or malformed.
 */
uint64_t client_object_rv(const json_t *obj);

/* Back-off of client_retry_on_conflict(): client-go's wait.Backoff. */
struct client_backoff {
	unsigned steps;	      /* attempts in all (>= 1) */
	unsigned duration_ms; /* first pause */
	double factor;	      /* pause multiplier per step (>= 1.0) */
	double jitter;	      /* up to this fraction added at random */
	unsigned cap_ms;      /* longest pause; 0: no cap */
};

/* client-go's retry.DefaultRetry: 5 steps, 10 ms, factor 1.0, jitter 0.1. */
extern const struct client_backoff client_default_retry;

/*
 * Call fn(ud) until it returns anything but -ESTALE, at most
 * backoff->steps times (NULL: client_default_retry), sleeping between
 * attempts as the back-off says: client-go's retry.RetryOnConflict. fn
 * should re-read the object each time. Returns fn's last result.
 */
int client_retry_on_conflict(int (*fn)(void *ud), void *ud,
			     const struct client_backoff *backoff);

#endif
