/*
 * events.h — recording core/v1 Events about objects, as client-go's
 * record.EventRecorder does.
 *
 * An Event is written to core/v1/events/NS/NAME where NS is the involved
 * object's namespace ("default" for cluster-scoped objects such as
 * Nodes) and NAME is "<object name>.<16 hex digits>" (the recording
 * time in nanoseconds, as Kubernetes names them). It carries
 * involvedObject (apiVersion, kind, namespace, name, uid,
 * resourceVersion), reason, message, type (Normal or Warning),
 * source.component (and source.host), reportingComponent,
 * reportingInstance, firstTimestamp, lastTimestamp and count.
 *
 * De-duplication (Kubernetes' EventCorrelator, its EventLogger part): an
 * event identical to one recorded by this recorder less than
 * EVENTS_DEDUP_WINDOW_S seconds ago — same involved object, type, reason,
 * message and source — is not written again: the existing Event is
 * patched with count + 1 and a new lastTimestamp. If that Event is gone
 * (deleted, expired), a new one is created. The cache is an LRU of
 * EVENTS_CACHE_MAX entries (Kubernetes' maxLruCacheEntries), each the
 * key and the Event's name (a few hundred bytes), the least recently
 * used dropped in constant time.
 *
 * Recording never blocks on the cluster: events are queued (at most
 * EVENTS_QUEUE_MAX, further ones are dropped and counted, as Kubernetes'
 * broadcaster drops when full) and written by the recorder's own thread.
 * Write failures are counted, never printed (libraries do not log).
 *
 * Thread safety: every function may be called from any thread, except
 * event_recorder_free(), which must not race with any other call.
 */
#ifndef KUBEFS_CLIENT_EVENTS_H
#define KUBEFS_CLIENT_EVENTS_H

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>

#include "client/client.h"

#define EVENTS_DEDUP_WINDOW_S 600 /* 10 minutes */
#define EVENTS_CACHE_MAX 4096
#define EVENTS_QUEUE_MAX 1000
#define EVENTS_MESSAGE_MAX 1024 /* longer messages are cut, like kube */

#define EVENT_TYPE_NORMAL "Normal"
#define EVENT_TYPE_WARNING "Warning"

struct event_recorder;

/*
 * Create a recorder for component (source.component and
 * reportingComponent, e.g. "kubefs-scheduler"); host (may be NULL) is
 * source.host and reportingInstance. c is borrowed and must outlive the
 * recorder. Starts the writer thread. *ret owned by the caller.
 */
int event_recorder_new(struct client *c, const char *component,
		       const char *host, struct event_recorder **ret);

/*
 * Write the queued events, stop the thread and release. NULL is a no-op.
 */
void event_recorder_free(struct event_recorder *r);

/*
 * Record an event about obj (borrowed; only its apiVersion, kind and
 * metadata are copied). type is EVENT_TYPE_NORMAL or EVENT_TYPE_WARNING;
 * reason is a short UpperCamelCase word ("Scheduled", "FailedMount");
 * the message is printf-formatted. Returns 0 when queued, -EINVAL for a
 * bad type, an empty reason or an obj without kind/metadata.name,
 * -ENOBUFS when the queue is full (the event is dropped), -ENOMEM.
 */
int event_recorder_eventf(struct event_recorder *r, const json_t *obj,
			  const char *type, const char *reason, const char *fmt,
			  ...) __attribute__((format(printf, 5, 6)));

int event_recorder_veventf(struct event_recorder *r, const json_t *obj,
			   const char *type, const char *reason,
			   const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

/*
 * Wait until every event queued before the call has been written (or has
 * failed). For tests and orderly shutdown.
 */
void event_recorder_flush(struct event_recorder *r);

struct event_recorder_stats {
	uint64_t created; /* Events created */
	uint64_t patched; /* duplicates folded into an existing Event */
	uint64_t dropped; /* queue full */
	uint64_t failed;  /* writes the server refused */
	int last_error;	  /* errno of the last failure, 0 if none */
};

void event_recorder_stats(struct event_recorder *r,
			  struct event_recorder_stats *ret);

#endif
