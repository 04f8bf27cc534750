/*
 * config.c — kubefs-node's flags, parsed as pflag parses the kubelet's.
 */
#include "nodeagent/config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/flags.h"
#include "api/quantity.h"
#include "api/validate.h"
#include "nodeagent/ipam.h"

enum cfg_type {
	F_STRING,
	F_BOOL,
	F_UINT,
	F_QUANTITY,
	F_INTEGER_QUANTITY,
	F_DURATION_MS,
	F_ADDR,
	F_CIDR,
};

struct cfg_flag {
	const char *name; /* without the dashes */
	enum cfg_type type;
	size_t offset;	   /* into struct nodeagent_config */
	unsigned min, max; /* F_UINT bounds */
};

#define OFF(f) offsetof(struct nodeagent_config, f)

static const struct cfg_flag flags[] = {
    {"cluster", F_STRING, OFF(cluster), 0, 0},
    {"name", F_STRING, OFF(name), 0, 0},
    {"name-prefix", F_STRING, OFF(name_prefix), 0, 0},
    {"count", F_UINT, OFF(count), 1, NODEAGENT_COUNT_MAX},
    {"fake", F_BOOL, OFF(fake), 0, 0},
    {"version", F_BOOL, OFF(show_version), 0, 0},
    {"help", F_BOOL, OFF(show_help), 0, 0},
    {"cpu", F_QUANTITY, OFF(cpu), 0, 0},
    {"memory", F_QUANTITY, OFF(memory), 0, 0},
    {"pods", F_INTEGER_QUANTITY, OFF(pods), 0, 0},
    {"ephemeral-storage", F_QUANTITY, OFF(ephemeral_storage), 0, 0},
    {"node-ip", F_ADDR, OFF(node_ip), 0, 0},
    {"pod-cidr", F_CIDR, OFF(pod_cidr), 0, 0},
    {"cluster-cidr", F_CIDR, OFF(cluster_cidr), 0, 0},
    {"node-cidr-mask-size", F_UINT, OFF(node_cidr_mask), IPAM_POOL_PREFIX_MIN,
     IPAM_POOL_PREFIX_MAX},
    {"node-ip-range", F_CIDR, OFF(node_ip_range), 0, 0},
    {"start-delay", F_DURATION_MS, OFF(start_delay_ms), 0, 0},
    {"node-lease-duration-seconds", F_UINT, OFF(lease_duration_s), 1,
     NODEAGENT_LEASE_MAX_S},
    {"node-status-report-frequency", F_DURATION_MS, OFF(status_report_ms), 0,
     0},
    {"workers", F_UINT, OFF(workers), 1, NODEAGENT_WORKERS_MAX},
    {"root-dir", F_STRING, OFF(root_dir), 0, 0},
    {"log-dir", F_STRING, OFF(log_dir), 0, 0},
    {"runc", F_STRING, OFF(runc), 0, 0},
    {"cni-bin-dir", F_STRING, OFF(cni_bin_dir), 0, 0},
    {"seccomp-dir", F_STRING, OFF(seccomp_dir), 0, 0},
    {"allow-privileged", F_BOOL, OFF(allow_privileged), 0, 0},
    {"allow-host-path", F_BOOL, OFF(allow_host_path), 0, 0},
    {"address", F_ADDR, OFF(address), 0, 0},
    {"port", F_UINT, OFF(port), 1, 65535},
    {"pod-max-pids", F_UINT, OFF(pod_max_pids), 16, 4194304},
    {"shutdown-grace-period", F_DURATION_MS, OFF(shutdown_grace_ms), 0, 0},
    {"cluster-dns", F_ADDR, OFF(cluster_dns), 0, 0},
    {"image-gc-high-threshold", F_UINT, OFF(image_gc_high), 0, INT_MAX},
    {"image-gc-low-threshold", F_UINT, OFF(image_gc_low), 0, INT_MAX},
    {"minimum-image-ttl-duration", F_DURATION_MS, OFF(image_min_age_ms), 0, 0},
    {"image-gc-period", F_DURATION_MS, OFF(image_gc_period_ms), 0, 0},
    {"metric-resolution", F_DURATION_MS, OFF(metric_resolution_ms), 0, 0},
};

#define NFLAGS (sizeof(flags) / sizeof(flags[0]))

const char *nodeagent_config_usage(void)
{
	return "kubefs-node is the node agent of kubefs (its kubelet). It "
	       "registers its Node,\n"
	       "renews the Node's Lease and runs the pods bound to it, "
	       "talking to the cluster\n"
	       "only through the mounted tree.\n"
	       "\n"
	       "Usage:\n"
	       "  kubefs-node --fake [--name NAME] [--cluster MOUNTPOINT] "
	       "[flags]\n"
	       "  kubefs-node --fake --count N [--name-prefix PREFIX] "
	       "[flags]\n"
	       "  kubefs-node [--name NAME] [--root-dir DIR] [flags]   (real "
	       "containers)\n"
	       "\n"
	       "Flags:\n"
	       "      --cluster string        mount point of the cluster "
	       "(default $KUBEFS_MOUNT,\n"
	       "                              else /mnt/cluster)\n"
	       "      --fake                  simulate the node: pods are "
	       "reported Running, no\n"
	       "                              containers are run (as kwok "
	       "does)\n"
	       "      --name string           the node's name (default: the "
	       "host name)\n"
	       "      --count int             host this many fake nodes in "
	       "one process\n"
	       "      --name-prefix string    their names: PREFIX0, PREFIX1, "
	       "... (default \"fake-\")\n"
	       "      --cpu quantity          capacity (default \"4\")\n"
	       "      --memory quantity       capacity (default \"16Gi\")\n"
	       "      --pods quantity         capacity (default \"110\")\n"
	       "      --ephemeral-storage quantity\n"
	       "                              capacity (default \"100Gi\")\n"
	       "      --node-ip string        the node's InternalIP (default: "
	       "derived from\n"
	       "                              --node-ip-range)\n"
	       "      --node-ip-range string  where InternalIPs are derived "
	       "(default 172.18.0.0/16)\n"
	       "      --pod-cidr string       the node's pod CIDR (default: "
	       "the Node's, else the\n"
	       "                              first free block of "
	       "--cluster-cidr)\n"
	       "      --cluster-cidr string   pod CIDRs are allocated from it "
	       "(default 10.244.0.0/14)\n"
	       "      --node-cidr-mask-size int\n"
	       "                              prefix length of a pod CIDR "
	       "(default 24)\n"
	       "      --start-delay duration  fake: how long a bound pod takes "
	       "to run (default 100ms)\n"
	       "      --node-lease-duration-seconds int\n"
	       "                              the Lease's duration; renewed "
	       "every quarter of it\n"
	       "                              (default 40)\n"
	       "      --node-status-report-frequency duration\n"
	       "                              how often the node status is "
	       "posted when nothing\n"
	       "                              changed (default 5m0s)\n"
	       "      --workers int           pod sync threads (default 16)\n"
	       "\n"
	       "Real nodes (without --fake; run as root):\n"
	       "      --root-dir string       the node's state: images, pods "
	       "(default\n"
	       "                              /var/lib/kubefs/node)\n"
	       "      --log-dir string        container logs (default "
	       "ROOT-DIR/logs)\n"
	       "      --runc string           the runc binary (default "
	       "\"runc\")\n"
	       "      --cni-bin-dir string    the CNI plugins (default "
	       "/usr/lib/cni)\n"
	       "      --seccomp-dir string    Localhost seccomp profiles\n"
	       "      --allow-privileged      run privileged containers\n"
	       "      --allow-host-path       mount hostPath volumes\n"
	       "      --address string        where the log endpoint listens "
	       "(default: the\n"
	       "                              node's InternalIP)\n"
	       "      --port int              its port (default 10250)\n"
	       "      --pod-max-pids int      pids limit of each container "
	       "(default 4096)\n"
	       "      --shutdown-grace-period duration\n"
	       "                              on SIGTERM, stop the pods "
	       "(within this) and post\n"
	       "                              them Failed; 0 keeps them "
	       "running for the next\n"
	       "                              start to adopt (default 0)\n"
	       "      --cluster-dns string    the cluster DNS server pods "
	       "use (dnsPolicy\n"
	       "                              ClusterFirst); unset: the "
	       "host's servers\n"
	       "      --image-gc-high-threshold int\n"
	       "                              disk usage (%) of the images' "
	       "file system that\n"
	       "                              starts image GC; 100 never "
	       "(default 85)\n"
	       "      --image-gc-low-threshold int\n"
	       "                              the usage (%) image GC frees "
	       "down to (default 80)\n"
	       "      --minimum-image-ttl-duration duration\n"
	       "                              images younger than this are "
	       "kept (default 2m0s)\n"
	       "      --image-gc-period duration\n"
	       "                              how often the usage is looked "
	       "at (default 5m0s)\n"
	       "      --metric-resolution duration\n"
	       "                              how often PodMetrics and "
	       "NodeMetrics are written\n"
	       "                              (default 15s)\n"
	       "  capacity defaults to the machine's: its CPUs, memory and "
	       "the root dir's disk\n"
	       "      --version               print the version and exit\n"
	       "  -h, --help                  print this help and exit\n";
}

/* ---- names ---- */

int nodeagent_check_name(const char *s, struct kf_error *err)
{
	const char *msgs[2];
	char buf[256];
	int n;

	if (!s || !*s)
		return kf_error_set(err, -EINVAL,
				    "node name must not be empty");
	n = name_messages(NAME_DNS_SUBDOMAIN, s, false, msgs, buf, sizeof(buf));
	if (n > 0)
		return kf_error_set(err, -EINVAL,
				    "Node \"%s\" is invalid: metadata.name: "
				    "Invalid value: \"%s\": %s",
				    s, s, msgs[0]);
	if (strlen(s) > NODEAGENT_NAME_MAX)
		return kf_error_set(err, -EINVAL,
				    "Node \"%s\" is invalid: metadata.labels: "
				    "Invalid value: \"%s\": must be no more "
				    "than 63 characters",
				    s, s);
	return 0;
}

int nodeagent_node_name(const char *prefix, unsigned i, char *buf)
{
	int n = snprintf(buf, NODEAGENT_NAME_MAX + 1, "%s%u", prefix, i);

	return n < 0 || n > NODEAGENT_NAME_MAX ? -ENAMETOOLONG : 0;
}

/* ---- flags ---- */

/* Why a value is refused; flags_parse_argv() words the rest. */
static int invalid(struct kf_error *err, const char *why)
{
	return kf_error_set(err, -EINVAL, "%s", why);
}

static int set_quantity(const struct cfg_flag *f, const char *v, bool integer,
			struct nodeagent_config *c, struct kf_error *err)
{
	struct quantity q;
	char *dst = (char *)c + f->offset;

	if (strlen(v) > QUANTITY_TEXT_MAX || quantity_parse(v, &q) < 0)
		return invalid(err, QUANTITY_FORMAT_ERROR);
	if (quantity_sign(&q) < 0)
		return invalid(err, "must be greater than or equal to 0");
	if (integer && !quantity_is_integer(&q))
		return invalid(err, "must be an integer");
	quantity_format(&q, dst);
	return 0;
}

static int set_uint(const struct cfg_flag *f, const char *v,
		    struct nodeagent_config *c, struct kf_error *err)
{
	unsigned long n;
	char *end;
	char why[128];

	errno = 0;
	n = strtoul(v, &end, 10);
	if (*v < '0' || *v > '9' || *end || errno) {
		snprintf(why, sizeof(why),
			 "strconv.ParseInt: parsing \"%.64s\": invalid syntax",
			 v);
		return invalid(err, why);
	}
	if (n < f->min || n > f->max) {
		snprintf(why, sizeof(why), "must be between %u and %u", f->min,
			 f->max);
		return invalid(err, why);
	}
	*(unsigned *)((char *)c + f->offset) = (unsigned)n;
	return 0;
}

static int set_flag(const struct cfg_flag *f, const char *v,
		    struct nodeagent_config *c, struct kf_error *err)
{
	void *dst = (char *)c + f->offset;
	struct kf_error e;
	struct cidr4 cidr;
	uint64_t ns;
	uint32_t a;
	int r;

	switch (f->type) {
	case F_STRING:
		*(const char **)dst = v;
		return 0;
	case F_BOOL: /* flags_parse_argv() stores booleans itself */
		return -EINVAL;
	case F_UINT:
		return set_uint(f, v, c, err);
	case F_QUANTITY:
	case F_INTEGER_QUANTITY:
		return set_quantity(f, v, f->type == F_INTEGER_QUANTITY, c,
				    err);
	case F_DURATION_MS:
		kf_error_init(&e);
		r = go_duration_parse(v, &e, &ns);
		if (r < 0)
			return invalid(err, e.msg);
		*(uint64_t *)dst = ns / 1000000 + (ns % 1000000 != 0);
		return 0;
	case F_ADDR:
		if (ipv4_parse(v, &a) < 0)
			return invalid(err, "must be a valid IPv4 address");
		*(const char **)dst = v;
		return 0;
	case F_CIDR:
		if (cidr4_parse(v, &cidr) < 0)
			return invalid(err, "must be a valid IPv4 CIDR");
		*(const char **)dst = v;
		return 0;
	}
	return -EINVAL;
}

static const struct cfg_flag *find_flag(const char *name, size_t len)
{
	for (size_t i = 0; i < NFLAGS; i++)
		if (strlen(flags[i].name) == len &&
		    !strncmp(flags[i].name, name, len))
			return &flags[i];
	return NULL;
}

static void set_defaults(struct nodeagent_config *c)
{
	memset(c, 0, sizeof(*c));
	c->name_prefix = NODEAGENT_DEFAULT_PREFIX;
	strcpy(c->cpu, NODEAGENT_DEFAULT_CPU);
	strcpy(c->memory, NODEAGENT_DEFAULT_MEMORY);
	strcpy(c->pods, NODEAGENT_DEFAULT_PODS);
	strcpy(c->ephemeral_storage, NODEAGENT_DEFAULT_STORAGE);
	c->cluster_cidr = NODEAGENT_DEFAULT_CLUSTER_CIDR;
	c->node_cidr_mask = NODEAGENT_DEFAULT_NODE_CIDR_MASK;
	c->node_ip_range = NODEAGENT_DEFAULT_NODE_IP_RANGE;
	c->start_delay_ms = NODEAGENT_DEFAULT_START_DELAY_MS;
	c->lease_duration_s = NODEAGENT_DEFAULT_LEASE_S;
	c->status_report_ms = NODEAGENT_DEFAULT_STATUS_REPORT_MS;
	c->workers = NODEAGENT_DEFAULT_WORKERS;
	c->image_gc_high = NODEAGENT_DEFAULT_IMAGE_GC_HIGH;
	c->image_gc_low = NODEAGENT_DEFAULT_IMAGE_GC_LOW;
	c->image_min_age_ms = NODEAGENT_DEFAULT_IMAGE_MIN_AGE_MS;
	c->image_gc_period_ms = NODEAGENT_DEFAULT_IMAGE_GC_PERIOD_MS;
	c->metric_resolution_ms = NODEAGENT_DEFAULT_METRIC_RESOLUTION_MS;
}

/* The flags must make sense together. seen: which flags were given. */
static int cross_check(const struct nodeagent_config *c, const bool *seen,
		       struct kf_error *err)
{
	struct cidr4 cluster, pod;
	char name[NODEAGENT_NAME_MAX + 1];
	bool prefix_seen = seen[find_flag("name-prefix", 11) - flags];

	if (c->count && !c->fake)
		return kf_error_set(err, -EINVAL,
				    "--count requires --fake: only simulated "
				    "nodes share a process");
	if (c->count && c->name)
		return kf_error_set(err, -EINVAL,
				    "--name and --count cannot be used "
				    "together: with --count, nodes are named "
				    "by --name-prefix");
	if (prefix_seen && !c->count)
		return kf_error_set(err, -EINVAL,
				    "--name-prefix requires --count");
	if (c->count > 1 && (c->node_ip || c->pod_cidr))
		return kf_error_set(err, -EINVAL,
				    "--node-ip and --pod-cidr name one node's "
				    "addresses; they cannot be used with "
				    "--count %u",
				    c->count);
	if (c->name && nodeagent_check_name(c->name, err) < 0)
		return -EINVAL;
	if (c->count) {
		if (nodeagent_node_name(c->name_prefix, c->count - 1, name) < 0)
			return kf_error_set(err, -EINVAL,
					    "invalid argument \"%s\" for "
					    "\"--name-prefix\" flag: node "
					    "names must be no more than 63 "
					    "characters",
					    c->name_prefix);
		if (nodeagent_check_name(name, err) < 0)
			return -EINVAL;
	}
	/* the kubelet's configuration checks, in its words */
	if (c->image_gc_high > 100)
		return kf_error_set(err, -EINVAL,
				    "invalid configuration: "
				    "imageGCHighThresholdPercent "
				    "(--image-gc-high-threshold) %u must be "
				    "between 0 and 100, inclusive",
				    c->image_gc_high);
	if (c->image_gc_low > 100)
		return kf_error_set(err, -EINVAL,
				    "invalid configuration: "
				    "imageGCLowThresholdPercent "
				    "(--image-gc-low-threshold) %u must be "
				    "between 0 and 100, inclusive",
				    c->image_gc_low);
	if (c->image_gc_low >= c->image_gc_high)
		return kf_error_set(
		    err, -EINVAL,
		    "invalid configuration: "
		    "imageGCLowThresholdPercent "
		    "(--image-gc-low-threshold) %u must be less "
		    "than imageGCHighThresholdPercent "
		    "(--image-gc-high-threshold) %u",
		    c->image_gc_low, c->image_gc_high);
	if (!c->image_gc_period_ms || !c->metric_resolution_ms)
		return kf_error_set(err, -EINVAL,
				    "invalid argument \"0s\" for \"--%s\" "
				    "flag: must be positive",
				    !c->image_gc_period_ms
					? "image-gc-period"
					: "metric-resolution");
	cidr4_parse(c->cluster_cidr, &cluster);
	if (c->node_cidr_mask < cluster.prefix)
		return kf_error_set(err, -EINVAL,
				    "--node-cidr-mask-size %u is shorter than "
				    "the prefix of --cluster-cidr %s",
				    c->node_cidr_mask, c->cluster_cidr);
	if (c->pod_cidr) {
		cidr4_parse(c->pod_cidr, &pod);
		if (pod.prefix < IPAM_POOL_PREFIX_MIN ||
		    pod.prefix > IPAM_POOL_PREFIX_MAX)
			return kf_error_set(err, -EINVAL,
					    "invalid argument \"%s\" for "
					    "\"--pod-cidr\" flag: the prefix "
					    "length must be between %d and %d",
					    c->pod_cidr, IPAM_POOL_PREFIX_MIN,
					    IPAM_POOL_PREFIX_MAX);
	}
	return 0;
}

/* One flag of the table being parsed, for its flag_func. */
struct cfg_arg {
	const struct cfg_flag *f;
	struct nodeagent_config *c;
	bool seen;
};

static int cfg_set(void *ud, const char *name, const char *text,
		   struct kf_error *err)
{
	struct cfg_arg *a = ud;

	a->seen = true;
	return set_flag(a->f, text, a->c, err);
}

int nodeagent_config_parse(int argc, char **argv, struct kf_error *err,
			   struct nodeagent_config *ret)
{
	struct nodeagent_config c;
	struct cfg_arg args[NFLAGS];
	struct flag_func funcs[NFLAGS];
	struct flag table[NFLAGS + 1];
	bool seen[NFLAGS] = {false};
	int r;

	set_defaults(&c);
	for (size_t i = 0; i < NFLAGS; i++) {
		void *dst = (char *)&c + flags[i].offset;

		args[i] = (struct cfg_arg){&flags[i], &c, false};
		funcs[i] = (struct flag_func){cfg_set, &args[i], false};
		table[i] = (struct flag){
		    .name = flags[i].name,
		    .type = flags[i].type == F_BOOL ? FLAG_BOOL : FLAG_FUNC,
		    .value = flags[i].type == F_BOOL ? dst : (void *)&funcs[i],
		};
	}
	table[NFLAGS] = (struct flag){0};
	r = flags_parse_only(table, argc, argv, "kubefs-node", err);
	if (r == FLAGS_HELP) {
		c.show_help = true; /* -h */
		*ret = c;
		return 0;
	}
	if (r < 0)
		return r;
	for (size_t i = 0; i < NFLAGS; i++)
		seen[i] = args[i].seen;
	if (!c.show_help && !c.show_version) {
		r = cross_check(&c, seen, err);
		if (r < 0)
			return r;
	}
	if (!c.fake) {
		/* a real node measures what was not given (main.c) */
		if (!seen[find_flag("cpu", 3) - flags])
			c.cpu[0] = '\0';
		if (!seen[find_flag("memory", 6) - flags])
			c.memory[0] = '\0';
		if (!seen[find_flag("ephemeral-storage", 17) - flags])
			c.ephemeral_storage[0] = '\0';
	}
	*ret = c;
	return 0;
}
