/*
 * server_lifecycle.c — server_new() and server_free(): the Service IP
 * and NodePort ranges, the allocations already stored, the built-in
 * namespaces, the clock.
 *
 * Kept apart from server.c so that server.c stays a bottom layer of
 * helpers: starting a server creates objects (server_put, in
 * server_write.c) and rebuilds allocations (server_service.c).
 */
#include "apiserver/server_i.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/netaddr.h"

static const char *const builtin_namespaces[] = {
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
};

static time_t clock_system(void *ud)
{
	(void)ud;
	return time(NULL);
}

void server_set_clock(struct server *srv, time_t (*now)(void *ud), void *ud)
{
	srv->clock = now ? now : clock_system;
	srv->clock_ud = ud;
}

static int setup_ranges(struct server *srv, const struct server_config *cfg)
{
	const char *cidr =
	    cfg->service_cidr ? cfg->service_cidr : "10.96.0.0/12";
	struct cidr4 net;
	uint64_t total;
	int r;

	if (cidr4_parse(cidr, &net) < 0)
		return -EINVAL;
	srv->svc_net = net.addr;
	srv->svc_prefix = net.prefix;
	if (srv->svc_prefix < 12 || srv->svc_prefix > 30 ||
	    strlen(cidr) >= sizeof(srv->svc_cidr))
		return -EINVAL;
	snprintf(srv->svc_cidr, sizeof(srv->svc_cidr), "%s", cidr);
	total = (uint64_t)1 << (32 - srv->svc_prefix);
	/* neither the network address nor the broadcast address */
	r = alloc_range_new((uint32_t)(total - 2),
			    alloc_static_band(total, 16, 256, 16), &srv->ips);
	if (r < 0)
		return r;
	/* the first address is the `kubernetes` Service's: never handed out */
	alloc_range_claim(srv->ips, 0);

	srv->port_min = cfg->node_port_min ? cfg->node_port_min : 30000;
	srv->port_max = cfg->node_port_max ? cfg->node_port_max : 32767;
	if (srv->port_min > srv->port_max || srv->port_max > 65535)
		return -EINVAL;
	total = srv->port_max - srv->port_min + 1;
	return alloc_range_new((uint32_t)total,
			       alloc_static_band(total, 16, 128, 32),
			       &srv->ports);
}

static int ensure_namespaces(struct server *srv)
{
	if (!srv->k_ns)
		return 0;
	for (size_t i = 0;
	     i < sizeof(builtin_namespaces) / sizeof(builtin_namespaces[0]);
	     i++) {
		_cleanup_json_ json_t *obj = NULL;
		int r;

		if (server_namespace_exists(srv, builtin_namespaces[i]))
			continue;
		obj = json_object();
		if (!obj)
			return -ENOMEM;
		r = server_put(srv, srv->k_ns, NULL, builtin_namespaces[i], obj,
			       SERVER_CREATE, NULL, NULL);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	return 0;
}

int server_new(const struct server_config *cfg, struct server **ret)
{
	struct server *srv;
	int r;

	if (!cfg || !cfg->store || !ret)
		return -EINVAL;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->store = cfg->store;
	srv->clock = clock_system;
	srv->k_ns = kinds_by_path("core", "v1", "namespaces");
	srv->k_pod = kinds_by_path("core", "v1", "pods");
	srv->k_svc = kinds_by_path("core", "v1", "services");
	pthread_mutex_init(&srv->alloc_lock, NULL);
	r = setup_ranges(srv, cfg);
	if (r < 0)
		goto out_free;
	r = svc_rebuild(srv);
	if (r < 0)
		goto out_free;
	r = ensure_namespaces(srv);
	if (r < 0)
		goto out_free;
	*ret = srv;
	return 0;

out_free:
	server_free(srv);
	return r;
}

void server_free(struct server *srv)
{
	if (!srv)
		return;
	alloc_range_free(srv->ips);
	alloc_range_free(srv->ports);
	pthread_mutex_destroy(&srv->alloc_lock);
	free(srv);
}
