/*
 * sandbox.h — a pod's network: a network namespace pinned by a bind
 * mount, set up by the standard CNI plugins (loopback for lo; bridge
 * with host-local addresses for eth0; portmap for hostPorts), as a CRI
 * runtime sets up a pod sandbox.
 *
 * Every name is the caller's (struct cni_net): two nodes on one machine
 * use different bridges, subnets, network names and host-local data
 * dirs, so they never touch each other's objects.
 */
#ifndef KUBEFS_NODEAGENT_SANDBOX_H
#define KUBEFS_NODEAGENT_SANDBOX_H

#include <jansson.h>

#include "api/error.h"
#include "nodeagent/ipam.h"

struct cni_net {
	const char *bin_dir;  /* the plugins: /usr/lib/cni */
	const char *name;     /* network name (host-local keys on it) */
	const char *bridge;   /* Linux bridge name, at most 15 bytes */
	const char *subnet;   /* the node's pod CIDR */
	const char *data_dir; /* host-local's allocations */
};

/* A new network namespace, bind-mounted on path (created). -errno. */
int netns_create(const char *path);

/* Unmount and remove path. 0 if it is gone (or never was). */
int netns_remove(const char *path);

/*
 * Attach netns to the network: lo up, eth0 on the bridge with an
 * address; port_mappings (CNI's runtimeConfig.portMappings, may be
 * NULL or empty) through portmap. ret_ip gets the address. -EIO with
 * err holding the plugin's message.
 */
int cni_add(const struct cni_net *n, const char *id, const char *netns,
	    const json_t *port_mappings, struct kf_error *err,
	    char ret_ip[IPV4_STRLEN]);

/* Detach (every plugin's DEL, in reverse); errors are ignored as CNI
 * asks DEL to be idempotent. netns may be gone already. */
void cni_del(const struct cni_net *n, const char *id, const char *netns,
	     const json_t *port_mappings);

#endif
