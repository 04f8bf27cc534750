/*
 * dns.h — cluster DNS: dnsmasq fed by records that kubefs-proxy keeps
 * current from Services and EndpointSlices (kube-dns' job).
 *
 * Names, in DOMAIN (default cluster.local):
 *   NAME.NS.svc.DOMAIN          A: the ClusterIP; for a headless Service
 *                               one A per ready endpoint address
 *   HOST.NAME.NS.svc.DOMAIN     A: a headless endpoint with a hostname
 *   _PORT._PROTO.NAME.NS.svc.DOMAIN  SRV for every named port
 *   reverse names               PTR of every address above (dnsmasq
 *                               answers them from the hosts file)
 * Everything else in DOMAIN is NXDOMAIN; other names are forwarded to
 * the upstream servers of the node's /etc/resolv.conf.
 *
 * Files in dir: `hosts` (A and PTR, re-read on SIGHUP),
 * `dnsmasq.conf` (listen address, SRV records; a change restarts
 * dnsmasq) and `dnsmasq.pid` (the running dnsmasq). Both are replaced atomically (write a temporary file, then
 * rename()), and only when their content changes.
 *
 * Serving: dnsmasq listens on listen:53 (UDP and TCP); the Service
 * kube-system/kube-dns with the fixed ClusterIP cluster_ip (created if
 * missing) and an EndpointSlice kube-dns-NODE pointing at listen make
 * that address reachable through the proxy's own rules, from pods and
 * the node alike.
 */
#ifndef KUBEFS_PROXY_DNS_H
#define KUBEFS_PROXY_DNS_H

#include <jansson.h>
#include <stdarg.h>

#include "client/client.h"
#include "client/informer.h"

#define DNS_DOMAIN_DEFAULT "cluster.local"
/* kubeadm's choice: the tenth address of the default service CIDR. */
#define DNS_CLUSTER_IP_DEFAULT "10.96.0.10"

struct dns_config {
	const char *dir;	/* records directory (created) */
	const char *cluster_ip; /* kube-dns Service ClusterIP */
	const char *listen;	/* address dnsmasq binds on this node */
	const char *domain;	/* NULL: DNS_DOMAIN_DEFAULT */
	const char *node_name;
	const char *dnsmasq; /* NULL: "dnsmasq" on $PATH */
	void (*log)(void *ud, const char *fmt, va_list ap);
	void *log_ud;
};

struct dns;

/*
 * Render the records of services and slices (arrays of objects) for
 * domain: *ret_hosts (hosts file lines "ADDRESS NAME...") and *ret_srv
 * (dnsmasq "srv-host=..." lines), both malloc'd, owned by the caller.
 * Output is sorted, so the same input gives the same bytes. -ENOMEM.
 */
int dns_render(const char *domain, const json_t *services, const json_t *slices,
	       char **ret_hosts, char **ret_srv);

/*
 * Prepare the directory and the kube-dns Service and EndpointSlice
 * (created when missing; c borrowed, must outlive it). dnsmasq starts at
 * the first dns_synced(). *ret owned by the caller. -errno.
 */
int dns_new(struct client *c, const struct dns_config *cfg, struct dns **ret);

/* The informers to read (borrowed; must outlive d). */
void dns_attach(struct dns *d, struct informer *services,
		struct informer *slices);

/*
 * Bring the records up to date with the informers, (re)start dnsmasq if
 * it is not running or its configuration changed, SIGHUP it if only the
 * hosts changed. For proxier_config.synced.
 */
void dns_synced(void *ud);

/*
 * Stop the dnsmasq recorded in dir/dnsmasq.pid if it still runs with
 * dir's configuration: one a proxy left behind when it was killed
 * (dnsmasq changes its credentials at start, which clears the
 * parent-death signal the proxy set for it). Called by dns_new() and by
 * `kubefs-proxy --cleanup --dns-dir DIR`. 1 if one was stopped, else 0.
 */
int dns_stop_stale(const char *dir);

/* Stop dnsmasq and release. NULL is a no-op. */
void dns_free(struct dns *d);

#endif
