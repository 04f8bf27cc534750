/*
 * netroutes.h — pod traffic between nodes (flannel's job): every other
 * Node's spec.podCIDR is routed to that Node, kept in step with the Node
 * objects.
 *
 *   host-gw  `CIDR via INTERNAL-IP`: the nodes share one L2 segment.
 *   vxlan    a VXLAN device kubefs.1 (VNI 1, UDP 8472, flannel's
 *            numbers) whose address is the .0 of our podCIDR and whose
 *            MAC is derived from our InternalIP; for each other node
 *            `CIDR via ITS-.0 dev kubefs.1 onlink`, a permanent neighbour
 *            entry ITS-.0 -> its MAC and an FDB entry its MAC -> its
 *            InternalIP. MACs are derived, so nothing has to be
 *            published on the Node objects.
 *
 * Only routes with protocol NETROUTES_PROTO (ours) are ever changed or
 * removed; they are applied with one `ip -batch` per change. IPv4 only.
 */
#ifndef KUBEFS_PROXY_NETROUTES_H
#define KUBEFS_PROXY_NETROUTES_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>

#include "client/client.h"

#define NETROUTES_PROTO 76 /* route protocol number marking our routes */
#define NETROUTES_VXLAN_DEV "kubefs.1"
#define NETROUTES_VXLAN_PORT 8472

struct netroutes_config {
	const char *node_name; /* this node; its own CIDR is not routed */
	bool vxlan;
	void (*log)(void *ud, const char *fmt, va_list ap);
	void *log_ud;
};

struct netroutes;

/*
 * The `ip -batch` commands that route to the other nodes of nodes (an
 * array of Node objects), for node self, into *ret (malloc'd). Routes
 * that exist (current: `ip -4 route show proto N` output, may be NULL)
 * and are no longer wanted are deleted. -ENOMEM.
 */
int netroutes_plan(const struct netroutes_config *cfg, const json_t *nodes,
		   const char *current, char **ret);

/* A watcher of Nodes on c (borrowed). *ret owned by the caller. */
int netroutes_new(struct client *c, const struct netroutes_config *cfg,
		  struct netroutes **ret);

/* Start watching and routing (its own thread). */
int netroutes_start(struct netroutes *n);

/* Stop and release; routes stay. NULL is a no-op. */
void netroutes_free(struct netroutes *n);

#endif
