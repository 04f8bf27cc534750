/*
 * kubefs-proxy — the service proxy (kube-proxy, nftables mode).
 *
 *   kubefs-proxy --cluster MOUNT [--hostname-override NAME]
 *                [--cluster-cidr CIDR[,CIDR]] [--masquerade-all]
 *                [--min-sync-period D] [--sync-period D]
 *                [--metrics-file PATH] [--table NAME]
 *                [--cluster-dns-ip IP --dns-listen ADDR --dns-dir DIR
 *                 [--cluster-domain D]]
 *                [--pod-network host-gw|vxlan] [--localhost-nodeports]
 *   kubefs-proxy --cleanup [--table NAME] [--dns-dir DIR]
 *
 * Watches Services and EndpointSlices through the mounted tree and keeps
 * the nftables tables `ip TABLE` and `ip6 TABLE` of its network namespace
 * in step (docs/proxy.md). One proxy per table and network namespace: a
 * second one refuses to start. SIGTERM or SIGINT stops it and leaves the
 * rules in place (traffic keeps flowing across a restart); --cleanup
 * removes them. --localhost-nodeports makes IPv4 NodePorts answer on
 * 127.0.0.1 too and sets net.ipv4.conf.all.route_localnet=1, which that
 * needs (docs/proxy.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "api/flags.h"
#include "api/klog.h"
#include "api/netaddr.h"
#include "api/version.h"
#include "client/client.h"
#include "client/daemon.h"
#include "proxy/conntrack.h"
#include "proxy/dns.h"
#include "proxy/healthcheck.h"
#include "proxy/netroutes.h"
#include "proxy/proxier.h"

struct opts {
	const char *mount;
	const char *metrics;
	const char *dns_ip, *dns_dir, *dns_listen, *domain;
	const char *pod_network;
	const char *node_flag;
	bool cleanup;
	struct rules_config rules;
	long long min_sync_ms, sync_period_ms;
	char node[256];
	char cidr4[64], cidr6[64];
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: kubefs-proxy --cluster MOUNT [--hostname-override "
	    "NAME]\n"
	    "                    [--cluster-cidr CIDR[,CIDR]] "
	    "[--masquerade-all]\n"
	    "                    [--min-sync-period DURATION] "
	    "[--sync-period DURATION]\n"
	    "                    [--metrics-file PATH] [--table NAME]\n"
	    "                    [--cluster-dns-ip IP --dns-dir DIR "
	    "[--cluster-domain DOMAIN]]\n"
	    "                    [--pod-network host-gw|vxlan] "
	    "[--localhost-nodeports] [--version]\n"
	    "       kubefs-proxy --cleanup [--table NAME] [--dns-dir DIR]\n");
}

#define DURATION_MAX_MS 86400000LL /* a day */

/* --min-sync-period, --sync-period: a Go duration up to a day. */
static int set_duration(void *ud, const char *name, const char *text,
			struct kf_error *err)
{
	long long *ms = ud;
	uint64_t ns;
	int r;

	(void)name;
	r = go_duration_parse(text, err, &ns);
	if (r < 0)
		return -EINVAL;
	if (ns / 1000000 > (uint64_t)DURATION_MAX_MS)
		return kf_error_set(err, -EINVAL, "must be at most 24h");
	*ms = (long long)(ns / 1000000);
	return 0;
}

/* --cluster-cidr: at most one IPv4 and one IPv6 CIDR, comma-separated
 * (a later one of a family replaces an earlier one). */
static int set_cidrs(void *ud, const char *name, const char *text,
		     struct kf_error *err)
{
	struct opts *o = ud;
	char buf[256], *save = NULL;

	(void)name;
	if (strlen(text) >= sizeof(buf))
		return kf_error_set(err, -EINVAL, "not a CIDR");
	snprintf(buf, sizeof(buf), "%s", text);
	*o->cidr4 = *o->cidr6 = '\0';
	for (char *c = strtok_r(buf, ",", &save); c;
	     c = strtok_r(NULL, ",", &save)) {
		int fam = cidr_family(c);

		if (fam < 0)
			return kf_error_set(err, -EINVAL, "not a CIDR");
		snprintf(fam == 6 ? o->cidr6 : o->cidr4, sizeof(o->cidr4), "%s",
			 c);
	}
	o->rules.cluster_cidr4 = *o->cidr4 ? o->cidr4 : NULL;
	o->rules.cluster_cidr6 = *o->cidr6 ? o->cidr6 : NULL;
	return 0;
}

static int set_pod_network(void *ud, const char *name, const char *text,
			   struct kf_error *err)
{
	struct opts *o = ud;

	(void)name;
	if (strcmp(text, "host-gw") && strcmp(text, "vxlan"))
		return kf_error_set(err, -EINVAL, "must be host-gw or vxlan");
	o->pod_network = text;
	return 0;
}

static int set_table(void *ud, const char *name, const char *text,
		     struct kf_error *err)
{
	struct opts *o = ud;
	size_t n = strlen(text);

	(void)name;
	if (!n || n > 64 ||
	    strspn(text, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n)
		return kf_error_set(err, -EINVAL,
				    "must be 1-64 letters, digits, '-' or "
				    "'_'");
	o->rules.table = text;
	return 0;
}

/* 0, 1 for --version/--help (exit 0), -EINVAL for a usage error. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	struct flag_func min_sync = {set_duration, &o->min_sync_ms, false};
	struct flag_func sync_period = {set_duration, &o->sync_period_ms,
					false};
	struct flag_func cidrs = {set_cidrs, o, false};
	struct flag_func pod_network = {set_pod_network, o, false};
	struct flag_func table = {set_table, o, false};
	bool version = false;
	const struct flag flags[] = {
	    {"cluster", 0, FLAG_STRING, &o->mount, "", ""},
	    {"hostname-override", 0, FLAG_STRING, &o->node_flag, "", ""},
	    {"cluster-cidr", 0, FLAG_FUNC, &cidrs, "", ""},
	    {"masquerade-all", 0, FLAG_BOOL, &o->rules.masquerade_all, "false",
	     ""},
	    {"min-sync-period", 0, FLAG_FUNC, &min_sync, "1s", ""},
	    {"sync-period", 0, FLAG_FUNC, &sync_period, "30s", ""},
	    {"metrics-file", 0, FLAG_STRING, &o->metrics, "", ""},
	    {"table", 0, FLAG_FUNC, &table, RULES_TABLE_DEFAULT, ""},
	    {"cluster-dns-ip", 0, FLAG_STRING, &o->dns_ip, "", ""},
	    {"dns-listen", 0, FLAG_STRING, &o->dns_listen, "", ""},
	    {"dns-dir", 0, FLAG_STRING, &o->dns_dir, "", ""},
	    {"cluster-domain", 0, FLAG_STRING, &o->domain, "cluster.local", ""},
	    {"pod-network", 0, FLAG_FUNC, &pod_network, "", ""},
	    {"localhost-nodeports", 0, FLAG_BOOL, &o->rules.localhost_nodeports,
	     "false", ""},
	    {"cleanup", 0, FLAG_BOOL, &o->cleanup, "false", ""},
	    {"version", 0, FLAG_BOOL, &version, "false", ""},
	    {NULL},
	};
	struct kf_error err;
	int r, nargs;

	o->min_sync_ms = 1000;
	o->sync_period_ms = 30000;
	o->rules.table = RULES_TABLE_DEFAULT;
	o->domain = "cluster.local";
	kf_error_init(&err);
	r = flags_parse_argv(flags, argc, argv, &err, &nargs);
	if (r == FLAGS_HELP) {
		usage(stdout);
		return 1;
	}
	if (r == 0 && nargs > 1)
		r = kf_error_set(&err, -EINVAL,
				 "unexpected argument \"%s\": kubefs-proxy "
				 "takes only flags",
				 argv[1]);
	if (r < 0) {
		fprintf(stderr, "kubefs-proxy: %s\n", err.msg);
		return -EINVAL;
	}
	if (version) {
		printf("kubefs-proxy " KUBEFS_VERSION "\n");
		return 1;
	}
	if (o->cleanup)
		return 0;
	if (kdaemon_cluster("kubefs-proxy", &o->mount) < 0)
		return -EINVAL;
	if (!!o->dns_ip != !!o->dns_dir || !!o->dns_ip != !!o->dns_listen) {
		fprintf(stderr, "kubefs-proxy: --cluster-dns-ip, --dns-listen "
				"and --dns-dir go together\n");
		return -EINVAL;
	}
	if (o->node_flag && *o->node_flag) {
		snprintf(o->node, sizeof(o->node), "%s", o->node_flag);
	} else {
		gethostname(o->node, sizeof(o->node) - 1);
		for (char *p = o->node; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p += 'a' - 'A';
	}
	o->rules.node_name = o->node;
	return 0;
}

/*
 * One proxy per table in a network namespace: an abstract unix socket
 * named after the table. Abstract names belong to the network namespace
 * and vanish with the process, so nothing is left behind. Returns the fd
 * (kept for the process' life), -EBUSY when another proxy holds the name.
 */
static int lock_table(const char *table)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int n;

	if (fd < 0)
		return -errno;
	n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
		     "kubefs-proxy/%s", table);
	if (bind(fd, (struct sockaddr *)&sa,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) <
	    0) {
		int e = errno == EADDRINUSE ? -EBUSY : -errno;

		close(fd);
		return e;
	}
	return fd;
}

static int run_proxier(void *ud)
{
	return proxier_run(ud);
}

static void stop_proxier(void *ud)
{
	proxier_stop(ud);
}

static int wait_synced(void *ud, int ms)
{
	return proxier_wait_synced(ud, ms);
}

/* Packets from 127.0.0.1 DNATed to a pod must be routed off the node:
 * the kernel allows that only with route_localnet (kube-proxy sets it
 * too when it serves NodePorts on localhost). */
static int set_route_localnet(void)
{
	static const char path[] = "/proc/sys/net/ipv4/conf/all/route_localnet";
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "1\n", 2) != 2)
		r = -errno;
	close(fd);
	return r;
}

static int cleanup(const struct opts *o)
{
	struct kf_error err;
	int r;

	kf_error_init(&err);
	if (o->dns_dir)
		dns_stop_stale(o->dns_dir);
	r = proxier_cleanup(&o->rules, &err);
	if (r < 0) {
		klog_error("cleanup: %s", err.code ? err.msg : strerror(-r));
		return 1;
	}
	return 0;
}

/* After every sync: cluster DNS records, healthCheckNodePorts, stale
 * UDP conntrack entries. */
struct synced_hooks {
	struct dns *dns;
	struct healthcheck *hc;
	struct conntrack *ct;
};

static void synced(void *ud)
{
	struct synced_hooks *s = ud;

	if (s->dns)
		dns_synced(s->dns);
	healthcheck_synced(s->hc);
	conntrack_synced(s->ct);
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct proxier *proxier = NULL;
	struct netroutes *routes = NULL;
	struct kdaemon_work work = {run_proxier, stop_proxier, NULL};
	struct kdaemon d;
	struct proxier_config pc = {0};
	struct dns *dns = NULL;
	struct healthcheck *hc = NULL;
	struct conntrack *ct = NULL;
	struct synced_hooks hooks = {0};
	struct client *c = NULL;
	int r, lock;

	klog_init("kubefs-proxy");
	r = parse_args(argc, argv, &o);
	if (r != 0) {
		if (r < 0)
			usage(stderr);
		return r > 0 ? 0 : 2;
	}
	if (o.cleanup)
		return cleanup(&o);
	r = kdaemon_act_as(argv, KDAEMON_USER_PROXY, KDAEMON_MONITORING_GROUP);
	if (r < 0) {
		klog_error("cannot act as %s: %s", KDAEMON_USER_PROXY,
			   strerror(-r));
		return 1;
	}
	lock = lock_table(o.rules.table);
	if (lock == -EBUSY) {
		klog_error("another kubefs-proxy owns table %s in this network "
			   "namespace",
			   o.rules.table);
		return 1;
	}

	if (o.rules.localhost_nodeports) {
		r = set_route_localnet();
		if (r < 0) {
			klog_error("--localhost-nodeports: cannot set "
				   "net.ipv4.conf.all.route_localnet=1: %s",
				   strerror(-r));
			return 1;
		}
		klog_info("NodePorts on 127.0.0.1: "
			  "net.ipv4.conf.all.route_localnet=1");
	}
	kdaemon_init(&d, klog_vlog, NULL);
	r = kdaemon_handle_signals(&d);
	if (r < 0) {
		klog_error("cannot start: %s", strerror(-r));
		return 1;
	}

	r = client_new(o.mount, &c);
	if (r < 0) {
		klog_error("cannot use the cluster at %s: %s", o.mount,
			   strerror(-r));
		return 1;
	}
	if (o.dns_ip) {
		struct dns_config dc = {.dir = o.dns_dir,
					.cluster_ip = o.dns_ip,
					.listen = o.dns_listen,
					.domain = o.domain,
					.node_name = o.node,
					.log = klog_vlog};

		r = dns_new(c, &dc, &dns);
		if (r < 0) {
			klog_error("cannot start cluster DNS: %s",
				   strerror(-r));
			client_free(c);
			return 1;
		}
	}
	{
		struct healthcheck_config hcc = {.node_name = o.node,
						 .log = klog_vlog};

		struct conntrack_config ctc = {.log = klog_vlog};

		r = healthcheck_new(&hcc, &hc);
		if (r == 0)
			r = conntrack_new(&ctc, &ct);
		if (r < 0) {
			klog_error("cannot serve health check ports: %s",
				   strerror(-r));
			healthcheck_free(hc);
			dns_free(dns);
			client_free(c);
			return 1;
		}
	}
	hooks = (struct synced_hooks){.dns = dns, .hc = hc, .ct = ct};
	pc.synced = synced;
	pc.synced_ud = &hooks;
	pc.rules = o.rules;
	pc.min_sync_ms = (unsigned)o.min_sync_ms;
	pc.sync_period_ms = (unsigned)o.sync_period_ms;
	pc.metrics_file = o.metrics;
	pc.log = klog_vlog;
	r = proxier_new(c, &pc, &proxier);
	if (r < 0) {
		klog_error("cannot start: %s", strerror(-r));
		conntrack_free(ct);
		healthcheck_free(hc);
		dns_free(dns);
		client_free(c);
		return 1;
	}
	if (dns)
		dns_attach(dns, proxier_services(proxier),
			   proxier_slices(proxier));
	healthcheck_attach(hc, proxier_services(proxier),
			   proxier_slices(proxier));
	conntrack_attach(ct, proxier_services(proxier),
			 proxier_slices(proxier));
	if (o.pod_network) {
		struct netroutes_config nc = {
		    .node_name = o.node,
		    .vxlan = !strcmp(o.pod_network, "vxlan"),
		    .log = klog_vlog};

		r = netroutes_new(c, &nc, &routes);
		if (r < 0) {
			klog_error("cannot manage pod routes: %s",
				   strerror(-r));
			goto out;
		}
	}
	work.ud = proxier;
	kdaemon_set_work(&d, &work);
	klog_info(
	    "starting: cluster %s, node %s, table %s, min sync period %lld ms",
	    o.mount, o.node, o.rules.table, o.min_sync_ms);
	r = proxier_start(proxier);
	if (r == 0 && routes)
		r = netroutes_start(routes);
	if (r == 0)
		r = kdaemon_wait_synced(&d, wait_synced, proxier);
	if (r < 0) {
		klog_error("cannot watch services and endpoint slices: %s",
			   strerror(-r));
		goto out;
	}
	if (!kdaemon_stopping(&d)) {
		klog_info("caches synced");
		r = kdaemon_run(&d, c, NULL);
	}
out:
	kdaemon_set_work(&d, NULL);
	netroutes_free(routes);
	proxier_free(proxier);
	healthcheck_free(hc);
	conntrack_free(ct);
	dns_free(dns);
	client_free(c);
	if (lock >= 0)
		close(lock);
	if (r < 0 && r != -ECANCELED) {
		klog_error("exiting: %s", strerror(-r));
		return 1;
	}
	klog_info("stopped");
	return 0;
}
