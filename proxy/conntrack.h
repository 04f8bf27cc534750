/*
 * conntrack.h — UDP conntrack clean-up, as kube-proxy does it: a UDP
 * client that keeps its source port keeps its conntrack entry, and with
 * it the endpoint the first packet was DNATed to, however the rules
 * change. After each sync, entries are deleted (conntrack(8), -D) for
 *  - every endpoint no longer used by a UDP service port: the flows to
 *    the Service's addresses (ClusterIPs, externalIPs, load balancer
 *    IPs) and its NodePort whose reply comes from that endpoint;
 *  - a UDP service port that had no endpoints and now has some: every
 *    flow to its addresses and NodePort (they were rejected, and the
 *    client's entry would keep them so).
 * "Used": the endpoints the rules send to, ready ones, else serving
 * terminating ones (rules.h).
 *
 * At the first sync there is no earlier state to compare with (the
 * proxy was down while endpoints changed): the UDP flows in the kernel
 * (`conntrack -L -p udp`) are read instead, and every flow to a target
 * with endpoints whose reply comes from an address that is not one of
 * them is deleted, as kube-proxy's conntrack reconciler does.
 */
#ifndef KUBEFS_PROXY_CONNTRACK_H
#define KUBEFS_PROXY_CONNTRACK_H

#include <jansson.h>
#include <stdarg.h>

#include "client/informer.h"

/*
 * The UDP targets of services and slices (arrays of objects): *ret is an
 * object, key "IP PORT" (a Service address and port) or "* NODEPORT",
 * value an object of the endpoint addresses used ({} when none). Owned
 * by the caller. -ENOMEM.
 */
int conntrack_targets(const json_t *services, const json_t *slices,
		      json_t **ret);

/*
 * The conntrack(8) argument lists (arrays of strings, without the
 * program name) that delete the stale entries going from targets old to
 * new (either may be NULL: none). *ret owned by the caller. -ENOMEM.
 */
int conntrack_stale(const json_t *old, const json_t *new, json_t **ret);

/*
 * The conntrack(8) argument lists that delete, of the flows listed in
 * listing (`conntrack -L -p udp` output, either family), those to a
 * target of targets (conntrack_targets()) that has endpoints and whose
 * reply comes from another address: an endpoint no longer used, or the
 * Service address itself (a flow from when it had no endpoints). One
 * deletion per target and reply address. *ret owned by the caller.
 * -ENOMEM.
 */
int conntrack_reconcile(const json_t *targets, const char *listing,
			json_t **ret);

struct conntrack_config {
	const char *conntrack; /* NULL: "conntrack" on $PATH */
	void (*log)(void *ud, const char *fmt, va_list ap);
	void *log_ud;
};

struct conntrack;

int conntrack_new(const struct conntrack_config *cfg, struct conntrack **ret);

/* Read Services and slices from these informers in conntrack_synced(). */
void conntrack_attach(struct conntrack *ct, struct informer *services,
		      struct informer *slices);

/* After a sync (a proxier synced callback, one thread): delete what the
 * change made stale. The first call reconciles the kernel's UDP flows
 * with the targets (conntrack_reconcile()). */
void conntrack_synced(void *ud);

void conntrack_free(struct conntrack *ct);

#endif
