/*
 * kubefs-proxy — the service proxy (kube-proxy, nftables mode).
 *
 *   kubefs-proxy --cluster MOUNT [--hostname-override NAME]
 *                [--cluster-cidr CIDR[,CIDR]] [--masquerade-all]
 *                [--min-sync-period D] [--sync-period D]
 *                [--metrics-file PATH] [--table NAME]
 *                [--cluster-dns-ip IP --dns-listen ADDR --dns-dir DIR
 *                 [--cluster-domain D]]
 *                [--pod-network host-gw|vxlan]
 *   kubefs-proxy --cleanup [--table NAME]
 *
 * Watches Services and EndpointSlices through the mounted tree and keeps
 * the nftables tables `ip TABLE` and `ip6 TABLE` of its network namespace
 * in step (docs/proxy.md). One proxy per table and network namespace: a
 * second one refuses to start. SIGTERM or SIGINT stops it and leaves the
 * rules in place (traffic keeps flowing across a restart); --cleanup
 * removes them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "api/version.h"
#include "client/client.h"
#include "client/daemon.h"
#include "proxy/dns.h"
#include "proxy/netroutes.h"
#include "proxy/proxier.h"

struct opts {
	const char *mount;
	const char *metrics;
	const char *cidrs;
	const char *dns_ip, *dns_dir, *dns_listen, *domain;
	const char *pod_network;
	bool cleanup;
	struct rules_config rules;
	long min_sync_ms, sync_period_ms;
	char node[256];
	char cidr4[64], cidr6[64];
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void vlog(void *ud, const char *fmt, va_list ap)
{
	struct timespec ts;
	struct tm tm;
	char when[40];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%s.%06ldZ kubefs-proxy: ", when, ts.tv_nsec / 1000);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&log_lock);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(NULL, fmt, ap);
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: kubefs-proxy --cluster MOUNT [--hostname-override "
		   "NAME]\n"
		   "                    [--cluster-cidr CIDR[,CIDR]] "
		   "[--masquerade-all]\n"
		   "                    [--min-sync-period DURATION] "
		   "[--sync-period DURATION]\n"
		   "                    [--metrics-file PATH] [--table NAME]\n"
		   "                    [--cluster-dns-ip IP --dns-dir DIR "
		   "[--cluster-domain DOMAIN]]\n"
		   "                    [--pod-network host-gw|vxlan] "
		   "[--version]\n"
		   "       kubefs-proxy --cleanup [--table NAME]\n");
}

/* A Go duration ("1s", "250ms", "2m", "0"): milliseconds, or -1. */
static long parse_duration(const char *s)
{
	double total = 0;

	if (!strcmp(s, "0"))
		return 0;
	while (*s) {
		char *end;
		double v = strtod(s, &end);

		if (end == s)
			return -1;
		s = end;
		if (!strncmp(s, "ms", 2))
			v *= 1, s += 2;
		else if (*s == 's')
			v *= 1000, s++;
		else if (*s == 'm')
			v *= 60000, s++;
		else if (*s == 'h')
			v *= 3600000, s++;
		else
			return -1;
		total += v;
	}
	return total < 0 || total > 86400000.0 ? -1 : (long)total;
}

/* --flag VALUE or --flag=VALUE: the value, or NULL if this is not flag. */
static const char *flag_value(const char *flag, int argc, char **argv, int *i)
{
	size_t n = strlen(flag);

	if (strncmp(argv[*i], flag, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		fprintf(stderr, "kubefs-proxy: flag needs an argument: %s\n",
			flag);
		exit(2);
	}
	return argv[++*i];
}

static int bad_value(const char *flag, const char *v, const char *why)
{
	fprintf(stderr,
		"kubefs-proxy: invalid argument \"%s\" for \"%s\" flag: %s\n",
		v, flag, why);
	return -EINVAL;
}

/* --cluster-cidr: at most one IPv4 and one IPv6 CIDR. Minimal parsing
 * until api/ has a CIDR parser of its own. */
static int parse_cidrs(struct opts *o)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", o->cidrs);
	for (char *c = strtok_r(buf, ",", &save); c;
	     c = strtok_r(NULL, ",", &save)) {
		char addr[64];
		unsigned char b[16];
		char *slash = strchr(c, '/'), *end;
		long bits;
		bool v6;

		if (!slash || (size_t)(slash - c) >= sizeof(addr))
			return bad_value("--cluster-cidr", o->cidrs,
					 "not a CIDR");
		snprintf(addr, sizeof(addr), "%.*s", (int)(slash - c), c);
		v6 = strchr(addr, ':') != NULL;
		bits = strtol(slash + 1, &end, 10);
		if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, b) != 1 || *end ||
		    end == slash + 1 || bits < 0 || bits > (v6 ? 128 : 32))
			return bad_value("--cluster-cidr", o->cidrs,
					 "not a CIDR");
		snprintf(v6 ? o->cidr6 : o->cidr4, sizeof(o->cidr4), "%s", c);
	}
	o->rules.cluster_cidr4 = *o->cidr4 ? o->cidr4 : NULL;
	o->rules.cluster_cidr6 = *o->cidr6 ? o->cidr6 : NULL;
	return 0;
}

/* 0, 1 for --version/--help (exit 0), -EINVAL for a usage error. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	const char *v;

	o->min_sync_ms = 1000;
	o->sync_period_ms = 30000;
	o->rules.table = RULES_TABLE_DEFAULT;
	o->domain = "cluster.local";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		long *dur = NULL;

		if (strcmp(a, "--version") == 0) {
			printf("kubefs-proxy " KUBEFS_VERSION "\n");
			return 1;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 1;
		} else if (strcmp(a, "--cleanup") == 0) {
			o->cleanup = true;
		} else if (strcmp(a, "--masquerade-all") == 0) {
			o->rules.masquerade_all = true;
		} else if ((v = flag_value("--cluster", argc, argv, &i))) {
			o->mount = v;
		} else if ((v = flag_value("--hostname-override", argc, argv,
					   &i))) {
			snprintf(o->node, sizeof(o->node), "%s", v);
		} else if ((v = flag_value("--cluster-cidr", argc, argv, &i))) {
			o->cidrs = v;
		} else if ((v = flag_value("--metrics-file", argc, argv, &i))) {
			o->metrics = v;
		} else if ((v = flag_value("--cluster-dns-ip", argc, argv,
					   &i))) {
			o->dns_ip = v;
		} else if ((v = flag_value("--dns-listen", argc, argv, &i))) {
			o->dns_listen = v;
		} else if ((v = flag_value("--dns-dir", argc, argv, &i))) {
			o->dns_dir = v;
		} else if ((v = flag_value("--cluster-domain", argc, argv,
					   &i))) {
			o->domain = v;
		} else if ((v = flag_value("--pod-network", argc, argv, &i))) {
			if (strcmp(v, "host-gw") && strcmp(v, "vxlan"))
				return bad_value("--pod-network", v,
						 "must be host-gw or vxlan");
			o->pod_network = v;
		} else if ((v = flag_value("--table", argc, argv, &i))) {
			if (!*v || strlen(v) > 64 ||
			    strspn(v, "abcdefghijklmnopqrstuvwxyz"
				      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				      "_-") != strlen(v))
				return bad_value("--table", v,
						 "must be 1-64 letters, "
						 "digits, '-' or '_'");
			o->rules.table = v;
		} else if ((v = flag_value("--min-sync-period", argc, argv,
					   &i))) {
			dur = &o->min_sync_ms;
		} else if ((v = flag_value("--sync-period", argc, argv, &i))) {
			dur = &o->sync_period_ms;
		} else {
			fprintf(stderr, "kubefs-proxy: unknown flag: %s\n", a);
			return -EINVAL;
		}
		if (dur) {
			*dur = parse_duration(v);
			if (*dur < 0)
				return bad_value(a, v,
						 "time: invalid duration");
		}
	}
	if (o->cidrs && parse_cidrs(o) < 0)
		return -EINVAL;
	if (o->cleanup)
		return 0;
	if (!o->mount)
		o->mount = getenv("KUBEFS_MOUNT");
	if (!o->mount || !*o->mount) {
		fprintf(stderr, "kubefs-proxy: --cluster is required\n");
		return -EINVAL;
	}
	if (!!o->dns_ip != !!o->dns_dir || !!o->dns_ip != !!o->dns_listen) {
		fprintf(stderr, "kubefs-proxy: --cluster-dns-ip, --dns-listen "
				"and --dns-dir go together\n");
		return -EINVAL;
	}
	if (!*o->node) {
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

static int cleanup(const struct opts *o)
{
	struct kf_error err;
	int r;

	kf_error_init(&err);
	r = proxier_cleanup(&o->rules, &err);
	if (r < 0) {
		fprintf(stderr, "kubefs-proxy: cleanup: %s\n",
			err.code ? err.msg : strerror(-r));
		return 1;
	}
	return 0;
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
	struct client *c = NULL;
	int r, lock;

	r = parse_args(argc, argv, &o);
	if (r != 0) {
		if (r < 0)
			usage(stderr);
		return r > 0 ? 0 : 2;
	}
	if (o.cleanup)
		return cleanup(&o);
	lock = lock_table(o.rules.table);
	if (lock == -EBUSY) {
		say("another kubefs-proxy owns table %s in this network "
		    "namespace",
		    o.rules.table);
		return 1;
	}

	kdaemon_init(&d, vlog, NULL);
	r = kdaemon_handle_signals(&d);
	if (r < 0) {
		say("cannot start: %s", strerror(-r));
		return 1;
	}

	r = client_new(o.mount, &c);
	if (r < 0) {
		say("cannot use the cluster at %s: %s", o.mount, strerror(-r));
		return 1;
	}
	if (o.dns_ip) {
		struct dns_config dc = {.dir = o.dns_dir,
					.cluster_ip = o.dns_ip,
					.listen = o.dns_listen,
					.domain = o.domain,
					.node_name = o.node,
					.log = vlog};

		r = dns_new(c, &dc, &dns);
		if (r < 0) {
			say("cannot start cluster DNS: %s", strerror(-r));
			client_free(c);
			return 1;
		}
		pc.synced = dns_synced;
		pc.synced_ud = dns;
	}
	pc.rules = o.rules;
	pc.min_sync_ms = (unsigned)o.min_sync_ms;
	pc.sync_period_ms = (unsigned)o.sync_period_ms;
	pc.metrics_file = o.metrics;
	pc.log = vlog;
	r = proxier_new(c, &pc, &proxier);
	if (r < 0) {
		say("cannot start: %s", strerror(-r));
		dns_free(dns);
		client_free(c);
		return 1;
	}
	if (dns)
		dns_attach(dns, proxier_services(proxier),
			   proxier_slices(proxier));
	if (o.pod_network) {
		struct netroutes_config nc = {
		    .node_name = o.node,
		    .vxlan = !strcmp(o.pod_network, "vxlan"),
		    .log = vlog};

		r = netroutes_new(c, &nc, &routes);
		if (r < 0) {
			say("cannot manage pod routes: %s", strerror(-r));
			goto out;
		}
	}
	work.ud = proxier;
	kdaemon_set_work(&d, &work);
	say("starting: cluster %s, node %s, table %s, min sync period %ld ms",
	    o.mount, o.node, o.rules.table, o.min_sync_ms);
	r = proxier_start(proxier);
	if (r == 0 && routes)
		r = netroutes_start(routes);
	if (r == 0)
		r = kdaemon_wait_synced(&d, wait_synced, proxier);
	if (r < 0) {
		say("cannot watch services and endpoint slices: %s",
		    strerror(-r));
		goto out;
	}
	if (!kdaemon_stopping(&d)) {
		say("caches synced");
		r = kdaemon_run(&d, c, NULL);
	}
out:
	kdaemon_set_work(&d, NULL);
	netroutes_free(routes);
	proxier_free(proxier);
	dns_free(dns);
	client_free(c);
	if (lock >= 0)
		close(lock);
	if (r < 0 && r != -ECANCELED) {
		say("exiting: %s", strerror(-r));
		return 1;
	}
	say("stopped");
	return 0;
}
