/*
 * healthcheck.h — healthCheckNodePort servers, as kube-proxy's service
 * health server: for every Service of type LoadBalancer with
 * externalTrafficPolicy Local and a spec.healthCheckNodePort, an HTTP
 * server on that port (all addresses of the node) answers any request
 * with
 *   200 (at least one local endpoint) or 503 (none),
 *   Content-Type: application/json, X-Content-Type-Options: nosniff,
 *   {"service":{"namespace":NS,"name":NAME},"localEndpoints":N,
 *    "serviceProxyHealthy":true}
 * so that a load balancer sends external traffic only to nodes that have
 * a local endpoint. Local endpoints: endpoints of the Service's
 * EndpointSlices on this node (nodeName) that are ready (unset counts as
 * ready), each pod once across slices and address families.
 *
 * One thread serves all ports; a request must arrive within one second
 * of the connection. A port that cannot be bound is reported through log
 * and retried at the next update.
 */
#ifndef KUBEFS_PROXY_HEALTHCHECK_H
#define KUBEFS_PROXY_HEALTHCHECK_H

#include <jansson.h>
#include <stdarg.h>

#include "client/informer.h"

struct healthcheck_config {
	const char *node_name;
	const char *address; /* NULL: every address (0.0.0.0) */
	void (*log)(void *ud, const char *fmt, va_list ap);
	void *log_ud;
};

struct healthcheck;

/*
 * What to serve for services and slices (arrays of objects) on node:
 * *ret is an object "PORT" -> {"namespace","name","localEndpoints"},
 * owned by the caller. -ENOMEM.
 */
int healthcheck_wanted(const json_t *services, const json_t *slices,
		       const char *node, json_t **ret);

/* The HTTP response for one entry of healthcheck_wanted(), malloc'd,
 * with its length in *ret_len. -ENOMEM. */
int healthcheck_response(const json_t *entry, char **ret, size_t *ret_len);

/* A server thread with nothing to serve yet. cfg strings are borrowed
 * and must outlive it. -ENOMEM, -errno. */
int healthcheck_new(const struct healthcheck_config *cfg,
		    struct healthcheck **ret);

/* Serve wanted (as from healthcheck_wanted(); borrowed) from now on:
 * ports no longer wanted are closed, new ones opened. Any thread. */
int healthcheck_set(struct healthcheck *h, const json_t *wanted);

/* Read Services and slices from these informers in healthcheck_synced(). */
void healthcheck_attach(struct healthcheck *h, struct informer *services,
			struct informer *slices);

/* Recompute from the attached informers (a proxier synced callback). */
void healthcheck_synced(void *ud);

/* Stop the thread, close every port. NULL is a no-op. */
void healthcheck_free(struct healthcheck *h);

#endif
