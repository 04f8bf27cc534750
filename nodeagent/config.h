/*
 * config.h — kubefs-node's command line.
 *
 * Flags are written as the kubelet's are (pflag, parsed by api/flags.h):
 * "--flag value" or "--flag=value"; booleans take no value ("--fake") or
 * "=true|false". Errors are worded as pflag words them:
 *
 *   unknown flag: --foo
 *   flag needs an argument: --cpu
 *   invalid argument "x" for "--cpu" flag: quantities must match ...
 *
 * Everything here is pure: parsing touches no file and no global.
 * String fields of struct nodeagent_config borrow from argv (or from
 * static defaults) and stay valid as long as argv does.
 */
#ifndef KUBEFS_NODEAGENT_CONFIG_H
#define KUBEFS_NODEAGENT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "api/error.h"

/*
 * A node name is also its kubernetes.io/hostname label value, so it must
 * be an RFC 1123 subdomain of at most 63 characters.
 */
#define NODEAGENT_NAME_MAX 63
#define NODEAGENT_COUNT_MAX 100000 /* nodes one process may host */
#define NODEAGENT_WORKERS_MAX 256
#define NODEAGENT_LEASE_MAX_S 3600 /* --node-lease-duration-seconds */

/* Defaults, as the kubelet (and kwok for fake nodes) has them. */
#define NODEAGENT_DEFAULT_CPU "4"
#define NODEAGENT_DEFAULT_MEMORY "16Gi"
#define NODEAGENT_DEFAULT_PODS "110"
#define NODEAGENT_DEFAULT_STORAGE "100Gi"
#define NODEAGENT_DEFAULT_PREFIX "fake-"
#define NODEAGENT_DEFAULT_CLUSTER_CIDR "10.244.0.0/14"
#define NODEAGENT_DEFAULT_NODE_CIDR_MASK 24
#define NODEAGENT_DEFAULT_NODE_IP_RANGE "172.18.0.0/16"
#define NODEAGENT_DEFAULT_START_DELAY_MS 100
#define NODEAGENT_DEFAULT_LEASE_S 40
#define NODEAGENT_DEFAULT_STATUS_REPORT_MS (5 * 60 * 1000)
#define NODEAGENT_DEFAULT_WORKERS 16
#define NODEAGENT_DEFAULT_IMAGE_GC_HIGH 85
#define NODEAGENT_DEFAULT_IMAGE_GC_LOW 80
#define NODEAGENT_DEFAULT_IMAGE_MIN_AGE_MS (2 * 60 * 1000)
#define NODEAGENT_DEFAULT_IMAGE_GC_PERIOD_MS (5 * 60 * 1000)
#define NODEAGENT_DEFAULT_METRIC_RESOLUTION_MS (15 * 1000)

struct nodeagent_config {
	const char *cluster;	 /* NULL: $KUBEFS_MOUNT, else /mnt/cluster */
	const char *name;	 /* NULL: the host name (main fills it) */
	const char *name_prefix; /* names with --count: PREFIX0 .. */
	unsigned count;		 /* 0: one node named name */
	bool fake;
	bool show_version;
	bool show_help;
	/* capacity (= allocatable), canonical quantities */
	char cpu[48], memory[48], pods[48], ephemeral_storage[48];
	const char *node_ip;	   /* InternalIP; NULL: derived */
	const char *pod_cidr;	   /* NULL: the Node's, else allocated */
	const char *cluster_cidr;  /* where pod CIDRs are allocated */
	unsigned node_cidr_mask;   /* their prefix length */
	const char *node_ip_range; /* where InternalIPs are derived */
	uint64_t start_delay_ms;   /* fake: bound -> Running */
	unsigned lease_duration_s; /* renewal every quarter of it */
	uint64_t status_report_ms; /* node status refresh */
	unsigned workers;	   /* pod sync threads */
	/* real nodes */
	const char *root_dir;	 /* NULL: NODEAGENT_DEFAULT_ROOT_DIR */
	const char *log_dir;	 /* NULL: ROOT/logs */
	const char *runc;	 /* NULL: "runc" */
	const char *cni_bin_dir; /* NULL: /usr/lib/cni */
	const char *seccomp_dir; /* Localhost profiles */
	bool allow_privileged;
	bool allow_host_path;
	const char *address;	    /* the log endpoint; NULL: the InternalIP */
	unsigned port;		    /* 0: NODESTATUS_KUBELET_PORT */
	unsigned pod_max_pids;	    /* 0: the default */
	uint64_t shutdown_grace_ms; /* stop the pods on exit; 0: keep them */
	const char *cluster_dns;    /* pods' name server; NULL: the host's */
	/* image GC: disk usage % that starts it, % it frees down to */
	unsigned image_gc_high, image_gc_low;
	uint64_t image_min_age_ms;     /* younger images are kept */
	uint64_t image_gc_period_ms;   /* how often usage is looked at */
	uint64_t metric_resolution_ms; /* PodMetrics/NodeMetrics written */
};

/*
 * Parse argv[1..argc-1] into *ret (defaults for what is not given), then
 * check the flags against each other. Without --fake, cpu, memory and
 * ephemeral_storage not given are left "" for the caller to measure. On error *ret is untouched and
 * -EINVAL is returned with err holding the sentence to print. --version
 * and --help (or -h) set their flag and skip the cross checks. The
 * pointers in argv may be reordered (flags_parse_argv() moves positional
 * arguments to the front).
 */
int nodeagent_config_parse(int argc, char **argv, struct kf_error *err,
			   struct nodeagent_config *ret);

/* The --help text. Static string. */
const char *nodeagent_config_usage(void);

/*
 * The name of node i (0-based) of a --count set: prefix followed by i.
 * buf holds NODEAGENT_NAME_MAX + 1 bytes. -ENAMETOOLONG if it does not
 * fit.
 */
int nodeagent_node_name(const char *prefix, unsigned i, char *buf);

/*
 * Is s usable as a node name (RFC 1123 subdomain, at most
 * NODEAGENT_NAME_MAX)? 0, or -EINVAL with err in Kubernetes' words.
 */
int nodeagent_check_name(const char *s, struct kf_error *err);

#endif
