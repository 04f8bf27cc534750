/*
 * watch.h — reading an `@watch` stream of the mount (SPEC §4).
 *
 * A watch is a file opened at RESOURCE_DIR/@watch?QUERY (all namespaces)
 * or NAMESPACE_DIR/@watch?QUERY. Reading it yields JSON lines, one event
 * per line, exactly as Kubernetes' watch API:
 *
 *   {"type":"ADDED","object":{...}}
 *
 * with type ADDED, MODIFIED, DELETED, BOOKMARK or ERROR. Without a
 * resourceVersion the stream starts with the current objects as ADDED,
 * then live changes; with one, it resumes just after it. A resourceVersion
 * that is too old gives one ERROR event whose object is a Status with
 * "code": 410 ("reason": "Expired"), then end of stream: the caller must
 * re-list (client/informer.h does).
 *
 * The descriptor is non-blocking: watch_next() waits only in poll() on
 * it, so a timeout, or a caller's own poll loop over watch_fd(), always
 * works (a read that finds nothing after poll() said readable is taken
 * as a short wait, never a block).
 *
 * Limits: one line (one event) is at most WATCH_LINE_MAX bytes; a longer
 * line fails the stream with -EMSGSIZE rather than growing memory.
 *
 * Thread safety: a struct watch is used by one thread at a time.
 */
#ifndef KUBEFS_CLIENT_WATCH_H
#define KUBEFS_CLIENT_WATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/error.h"
#include "api/kinds.h"
#include "client/client.h"

#define WATCH_LINE_MAX (4u << 20) /* an object (1.5 MiB) as JSON, framed */

struct watch;

struct watch_opts {
	/* 0: start with the current objects as ADDED; else resume after it */
	uint64_t resource_version;
	const char *label_selector; /* NULL or "": everything */
	const char *field_selector; /* NULL or "": everything */
	bool allow_bookmarks;	    /* allowWatchBookmarks=true */
	/* sendInitialEvents=true: with allow_bookmarks, the initial objects
	 * end with a bookmark annotated k8s.io/initial-events-end */
	bool send_initial_events;
};

enum watch_event_type {
	WATCH_ADDED = 1,
	WATCH_MODIFIED,
	WATCH_DELETED,
	WATCH_BOOKMARK,
	WATCH_ERROR,
};

struct watch_event {
	enum watch_event_type type;
	/*
	 * The object (ERROR: a Status with "code", "reason", "message").
	 * Owned by the event: released by watch_event_release(), or taken
	 * with TAKE_PTR().
	 */
	json_t *object;
	/* metadata.resourceVersion of object as a number, 0 if none */
	uint64_t rv;
	/*
	 * The object's JSON text as the server sent it (compact), borrowed
	 * from the stream's buffer until the next watch_next(); NULL when
	 * the line was not in the server's usual form.
	 */
	const char *text;
	size_t text_len;
};

/*
 * Open a watch on kind k in namespace ns (NULL or "": all namespaces;
 * ignored for cluster-scoped kinds) with options o (NULL: defaults).
 * Selector strings are sent percent-encoded in the query. *ret is owned
 * by the caller, released with watch_close().
 * Errors: -ENOENT namespace missing, -EINVAL bad selector (the server's
 * reason in err), -EAGAIN too many watches, -ENOMEM.
 */
int watch_open(struct client *c, const struct kind_info *k, const char *ns,
	       const struct watch_opts *o, struct kf_error *err,
	       struct watch **ret);

/*
 * Next event. Waits at most timeout_ms for it (-1: forever, 0: only
 * what is already readable or buffered). On success *ret is filled and
 * owns its object.
 * Returns 0, or
 *   -ETIMEDOUT   no complete event within timeout_ms
 *   -EPIPE       end of stream (after an ERROR event, or the server went
 *                away); the watch stays closed
 *   -EBADMSG     a line that is not a watch event (not JSON, no "type" or
 *                "object"); the line is consumed, the stream goes on
 *   -EMSGSIZE    a line longer than WATCH_LINE_MAX; the stream is dead
 *   -EINTR       a signal interrupted the wait
 *   other        -errno of read()
 */
int watch_next(struct watch *w, int timeout_ms, struct watch_event *ret);

/* The descriptor to poll (POLLIN) in a caller's own loop. Borrowed. */
int watch_fd(const struct watch *w);

/*
 * The resourceVersion of the last event returned (BOOKMARKs included),
 * or the one the watch was opened at: where to resume after a break.
 */
uint64_t watch_last_rv(const struct watch *w);

/* Release ev's object and clear it. NULL or an empty event is fine. */
void watch_event_release(struct watch_event *ev);

/*
 * For an ERROR event: the Status' "code" (410 for an expired
 * resourceVersion), or 0 when there is none.
 */
int watch_event_status_code(const struct watch_event *ev);

/* "ADDED", "MODIFIED", ... Borrowed static string. */
const char *watch_event_type_name(enum watch_event_type t);

/* Close the stream and release w. NULL is a no-op. */
void watch_close(struct watch *w);

#endif
