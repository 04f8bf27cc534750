/*
 * cluster.c — kubefs up / down / status: a one-node cluster on this
 * machine, as background daemons with their logs and pid files under the
 * state directory (default /var/lib/kubefs):
 *
 *   STATE/store/          the API server's LMDB store
 *   STATE/encryption-config.yaml  its EncryptionConfiguration (0600;
 *                         a fresh key for Secrets, up_config.h)
 *   STATE/audit-policy.yaml  its audit Policy (Metadata for all)
 *   STATE/log/audit.log   the audit log (rotated at 100 MB, 5 kept)
 *   STATE/log/NAME.log    each component's log
 *   STATE/run/NAME.pid    each component's pid (daemon.h)
 *   STATE/run/NAME.died   when one was last found dead
 *
 * Components that are not built yet (their binary answers --version with
 * a failure) are skipped with a line saying so, never faked. A component
 * whose pid is dead (killed, crashed, a zombie nobody reaped) is not
 * running: `up` starts it again and says it died, `status` says when it
 * was found dead, and the healthy components are left alone. `down`
 * stops the exports of `kubefs export` first: their servers hold files of
 * the mount open, which would keep it busy once the server is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/clock.h"
#include "shell/up_config.h"
#include "api/netaddr.h"
#include "shell/cli.h"
#include "shell/daemon.h"
#include "shell/flags.h"
#include "shell/printers.h"

struct up_opts {
	const char *state;
	const char *store;
	const char *node_name;
	const char *pod_cidr;
	const char *pod_network;
	char dns_listen[IPV4_STRLEN]; /* "" : no cluster DNS */
	int nodes;
	int fake_nodes;
};

/* kubeadm's choice: the tenth address of the default service CIDR. */
#define CLUSTER_DNS_IP "10.96.0.10"

/* Flip when kubefs-node runs real containers (runc backend). */
#define REAL_NODE_AGENT_BUILT 1

enum { C_FS, C_SCHED, C_CTRL, C_NODE, C_FAKE, C_PROXY, C_COUNT };

static const char *const comp_bin[C_COUNT] = {
    "kubefs-fs",   "kubefs-sched", "kubefs-ctrl",
    "kubefs-node", "kubefs-node",  "kubefs-proxy",
};
static const char *const comp_name[C_COUNT] = {
    "kubefs-fs",   "kubefs-sched",     "kubefs-ctrl",
    "kubefs-node", "kubefs-node-fake", "kubefs-proxy",
};

/* Is this component built? Stubs fail --version. */
static bool built(struct cli *cli, const char *bin)
{
	char path[4096];
	pid_t pid;
	int status;

	snprintf(path, sizeof(path), "%s/%s", cli->bindir, bin);
	if (access(path, X_OK) < 0)
		return false;
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 1);
		dup2(fd, 2);
		execl(path, bin, "--version", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* pid of component c when it runs, else 0 (a dead one is recorded). */
static pid_t comp_pid(const char *state, int c)
{
	return daemon_pid(state, comp_name[c], comp_bin[c]);
}

static bool healthy(const char *mount)
{
	char path[4096], buf[8] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/healthz", mount);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return !strcmp(buf, "ok\n");
}

static const struct command_help up_help = {
    .name = "up",
    .desc = "Start a one-node cluster on this machine.\n\n The API server "
	    "(kubefs-fs) mounts the cluster at --mount DIR; the scheduler, "
	    "the controllers, the node agent and the proxy are started when "
	    "they are built. Each runs in the background with its log and "
	    "pid file under the state directory. Running it again starts "
	    "only what is not running: a component that died (its pid is "
	    "gone) is started again, and the others are left alone. With a "
	    "real node, the proxy serves cluster DNS at " CLUSTER_DNS_IP
	    " (dnsmasq on the address of the default route's interface) "
	    "and the node's pods use it.",
    .examples = "  # Start a cluster on /mnt/cluster, state in "
		"/var/lib/kubefs\n"
		"  kubefs up\n\n"
		"  # A private cluster with 100 simulated nodes\n"
		"  kubefs --mount /tmp/c up --state /tmp/c-state "
		"--fake-nodes 100",
    .usage = "up [--state DIR] [--store DIR] [--nodes N] [--fake-nodes N] "
	     "[--node-name NAME] [options]",
};

static const struct command_help down_help = {
    .name = "down",
    .desc = "Stop the cluster started by 'kubefs up': the exports of "
	    "'kubefs export' first (their servers hold the mount open), then "
	    "every component in reverse order, then the mount if a dead "
	    "server left it behind.",
    .examples = "  kubefs down\n  kubefs down --state /tmp/c-state",
    .usage = "down [--state DIR] [options]",
};

static const struct command_help status_help = {
    .name = "status",
    .desc = "Show the cluster's components (running, stopped, died, not "
	    "built yet) and whether the mount serves. A component that died "
	    "is shown with its pid, when it was started and when it was "
	    "found dead. Exits 1 when the mount does not serve or a "
	    "component died.",
    .examples = "  kubefs status",
    .usage = "status [--state DIR] [options]",
};

#define STATE_FLAG(var)                                                        \
	{                                                                      \
		"state", 0, FLAG_STRING, &(var), "'" DAEMON_STATE_DEFAULT "'", \
		    "Logs, pid files and (by default) the store of the "       \
		    "cluster."                                                 \
	}

/* Returns 0, FLAGS_HELP, or -EINVAL (message printed). */
static int parse_up(int argc, char **argv, struct up_opts *o)
{
	static char host[256];
	long long nodes = 1, fake = 0;
	const struct flag flags[] = {
	    {"fake-nodes", 0, FLAG_INT, &fake, "0",
	     "Simulated nodes (kubefs-node --fake), for scale tests."},
	    {"node-name", 0, FLAG_STRING, &o->node_name, "hostname",
	     "This machine's node name."},
	    {"nodes", 0, FLAG_INT, &nodes, "1",
	     "Real node agents on this machine: 0 or 1."},
	    {"pod-cidr", 0, FLAG_STRING, &o->pod_cidr, "allocated",
	     "The real node's pod CIDR (one no interface of this machine "
	     "uses)."},
	    {"pod-network", 0, FLAG_STRING, &o->pod_network, "none",
	     "Routes to other nodes' pod CIDRs (kubefs-proxy "
	     "--pod-network): host-gw or vxlan, for nodes on other "
	     "machines."},
	    STATE_FLAG(o->state),
	    {"store", 0, FLAG_STRING, &o->store, "'STATE/store'",
	     "The API server's store directory."},
	    {NULL},
	};
	int n, r;

	o->state = DAEMON_STATE_DEFAULT;
	if (gethostname(host, sizeof(host)) < 0 || !*host)
		strcpy(host, "node-1");
	for (char *p = host; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	o->node_name = host;
	r = flags_parse(&up_help, flags, argc, argv, &n);
	if (r)
		return r;
	if (n > 1) {
		fprintf(stderr, "error: unexpected argument \"%s\"\n", argv[1]);
		flags_see_help(&up_help);
		return -EINVAL;
	}
	if (nodes < 0 || nodes > 1 || fake < 0 || fake > 100000) {
		fprintf(stderr,
			"error: --nodes must be 0 or 1 and --fake-nodes "
			"between 0 and 100000\n");
		return -EINVAL;
	}
	if (o->pod_network && strcmp(o->pod_network, "host-gw") &&
	    strcmp(o->pod_network, "vxlan")) {
		fprintf(stderr,
			"error: --pod-network must be host-gw or vxlan, not "
			"\"%s\"\n",
			o->pod_network);
		return -EINVAL;
	}
	o->nodes = (int)nodes;
	o->fake_nodes = (int)fake;
	/* cluster DNS for the real node's pods, on its InternalIP */
	if (o->nodes > 0 && ipv4_default_route_addr(o->dns_listen) < 0)
		o->dns_listen[0] = '\0';
	return 0;
}

static int start_component(struct cli *cli, const struct up_opts *o, int c,
			   const char *store)
{
	char count[16], found[RFC3339_MAX], path[4096], root[4096];
	char dns_dir[4096], enc[4096], policy[4096] = "", audit_log[4096];
	char *argv[32];
	struct daemon_death death;
	bool died;
	pid_t pid;
	int n = 0, r;

	if (comp_pid(o->state, c)) {
		printf("%-18s already running\n", comp_name[c]);
		return 0;
	}
	/* a death not followed by a start: this start is a restart */
	died = daemon_last_death(o->state, comp_name[c], &death) == 0;
	if (!built(cli, comp_bin[c])) {
		printf("%-18s not built yet, skipped\n", comp_name[c]);
		return 0;
	}
	if (c == C_NODE && !REAL_NODE_AGENT_BUILT) {
		/* kubefs-node runs only simulated nodes so far */
		printf("%-18s container runtime not built yet, skipped "
		       "(simulated nodes: --fake-nodes N)\n",
		       comp_name[c]);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", cli->bindir, comp_bin[c]);
	argv[n++] = path;
	switch (c) {
	case C_FS:
		r = up_encryption_config(o->state, enc, sizeof(enc));
		if (r == 0)
			r = up_audit_policy(o->state, policy, sizeof(policy));
		if (r < 0) {
			fprintf(stderr, "error: cannot write %s: %s\n",
				policy[0] ? policy : enc, strerror(-r));
			return -1;
		}
		snprintf(audit_log, sizeof(audit_log), "%s/" UP_AUDIT_LOG,
			 o->state);
		argv[n++] = "--foreground";
		argv[n++] = "--store";
		argv[n++] = (char *)store;
		argv[n++] = "--encryption-provider-config";
		argv[n++] = enc;
		argv[n++] = "--audit-policy-file";
		argv[n++] = policy;
		argv[n++] = "--audit-log-path";
		argv[n++] = audit_log;
		argv[n++] = "--audit-log-maxsize";
		argv[n++] = UP_AUDIT_MAXSIZE;
		argv[n++] = "--audit-log-maxbackup";
		argv[n++] = UP_AUDIT_MAXBACKUP;
		argv[n++] = (char *)cli->mount;
		break;
	case C_NODE:
		/* its images and pods under the state dir; `down` stops
		 * its pods (the agent's node shutdown) */
		snprintf(root, sizeof(root), "%s/node", o->state);
		argv[n++] = "--cluster";
		argv[n++] = (char *)cli->mount;
		argv[n++] = "--name";
		argv[n++] = (char *)o->node_name;
		argv[n++] = "--root-dir";
		argv[n++] = root;
		argv[n++] = "--shutdown-grace-period";
		argv[n++] = "8s";
		if (o->pod_cidr) {
			argv[n++] = "--pod-cidr";
			argv[n++] = (char *)o->pod_cidr;
		}
		if (o->dns_listen[0]) {
			argv[n++] = "--cluster-dns";
			argv[n++] = CLUSTER_DNS_IP;
		}
		break;
	case C_PROXY:
		/* cluster DNS: dnsmasq on the node's address, reached at
		 * the kube-dns Service's ClusterIP through the proxy's own
		 * rules */
		argv[n++] = "--cluster";
		argv[n++] = (char *)cli->mount;
		argv[n++] = "--hostname-override";
		argv[n++] = (char *)o->node_name;
		if (o->dns_listen[0]) {
			snprintf(dns_dir, sizeof(dns_dir), "%s/dns", o->state);
			argv[n++] = "--cluster-dns-ip";
			argv[n++] = CLUSTER_DNS_IP;
			argv[n++] = "--dns-listen";
			argv[n++] = (char *)o->dns_listen;
			argv[n++] = "--dns-dir";
			argv[n++] = dns_dir;
		}
		if (o->pod_network) {
			argv[n++] = "--pod-network";
			argv[n++] = (char *)o->pod_network;
		}
		break;
	case C_FAKE:
		snprintf(count, sizeof(count), "%d", o->fake_nodes);
		argv[n++] = "--cluster";
		argv[n++] = (char *)cli->mount;
		argv[n++] = "--fake";
		argv[n++] = "--count";
		argv[n++] = count;
		argv[n++] = "--name-prefix";
		argv[n++] = "fake-";
		break;
	default:
		argv[n++] = "--cluster";
		argv[n++] = (char *)cli->mount;
	}
	argv[n] = NULL;
	pid = daemon_spawn(o->state, comp_name[c], argv, NULL, NULL);
	if (pid < 0) {
		fprintf(stderr, "error: cannot start %s: %s\n", comp_name[c],
			strerror((int)-pid));
		return -1;
	}
	if (died) {
		rfc3339_format_sec(death.found, found);
		printf("%-18s died (pid %ld, found dead %s), started again\n",
		       comp_name[c], (long)death.pid, found);
	} else {
		printf("%-18s started\n", comp_name[c]);
	}
	return 0;
}

int cmd_up(struct cli *cli, int argc, char **argv)
{
	struct up_opts o = {0};
	char store[4096];
	int r = parse_up(argc, argv, &o);

	if (r)
		return r == FLAGS_HELP ? 0 : 1;
	snprintf(store, sizeof(store), "%s", o.store ? o.store : o.state);
	if (!o.store)
		strncat(store, "/store", sizeof(store) - strlen(store) - 1);
	r = daemon_dirs(o.state);
	if (r < 0)
		return cli_fail("cannot create %s/run and %s/log: %s", o.state,
				o.state, strerror(-r));
	daemon_mkdirs(cli->mount);

	if (start_component(cli, &o, C_FS, store) < 0)
		return 1;
	for (int i = 0; !healthy(cli->mount); i++) {
		if (i >= 200 || !comp_pid(o.state, C_FS)) {
			fprintf(stderr,
				"error: the API server did not come up; see "
				"%s/log/kubefs-fs.log\n",
				o.state);
			return 1;
		}
		if (cli->tty && i % 10 == 0)
			fprintf(stderr, "waiting for the API server...\r");
		usleep(50000);
	}
	if (start_component(cli, &o, C_SCHED, store) < 0 ||
	    start_component(cli, &o, C_CTRL, store) < 0 ||
	    (o.nodes > 0 && start_component(cli, &o, C_NODE, store) < 0) ||
	    (o.fake_nodes > 0 && start_component(cli, &o, C_FAKE, store) < 0) ||
	    start_component(cli, &o, C_PROXY, store) < 0)
		return 1;
	if (o.dns_listen[0] && comp_pid(o.state, C_PROXY))
		printf("%-18s %s (dnsmasq on %s:53)\n", "cluster DNS",
		       CLUSTER_DNS_IP, o.dns_listen);
	printf("\nThe cluster is up at %s. Try:\n"
	       "  ls %s\n"
	       "  cp examples/deployment.yaml %s/apps/v1/deployments/\n"
	       "  cat %s/apps/v1/deployments/default/nginx\n"
	       "  inotifywait -m %s/core/v1/pods/default\n"
	       "Logs: %s/log/   Stop: kubefs down\n",
	       cli->mount, cli->mount, cli->mount, cli->mount, cli->mount,
	       o.state);
	return 0;
}

/*
 * The proxy leaves its nftables tables in place when stopped (so a
 * restart keeps traffic flowing); a cluster that goes down takes them
 * away: `kubefs-proxy --cleanup` (which also stops a dnsmasq that a
 * killed proxy left running).
 */
static void proxy_cleanup(struct cli *cli, const char *state)
{
	char path[4096], dns_dir[4096];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", cli->bindir, comp_bin[C_PROXY]);
	snprintf(dns_dir, sizeof(dns_dir), "%s/dns", state);
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 1);
		/* and a dnsmasq a killed proxy left running */
		execl(path, comp_bin[C_PROXY], "--cleanup", "--dns-dir",
		      dns_dir, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* --state of down/status. Returns 0, FLAGS_HELP or -EINVAL. */
static int parse_state(const struct command_help *h, int argc, char **argv,
		       const char **ret)
{
	const char *state = DAEMON_STATE_DEFAULT;
	const struct flag flags[] = {STATE_FLAG(state), {NULL}};
	int n, r = flags_parse(h, flags, argc, argv, &n);

	if (r)
		return r;
	if (n > 1) {
		fprintf(stderr, "error: unexpected argument \"%s\"\n", argv[1]);
		flags_see_help(h);
		return -EINVAL;
	}
	*ret = state;
	return 0;
}

int cmd_down(struct cli *cli, int argc, char **argv)
{
	const char *state = NULL;
	int r = parse_state(&down_help, argc, argv, &state);
	struct daemon_death death;

	if (r)
		return r == FLAGS_HELP ? 0 : 1;

	/* first the exports: their servers keep the mount busy */
	export_stop(state, NULL);
	for (int c = C_COUNT - 1; c >= 0; c--) {
		bool killed;

		if (daemon_stop(state, comp_name[c], comp_bin[c], &killed)) {
			printf("%-18s stopped%s\n", comp_name[c],
			       killed ? " (killed)" : "");
			/* only the proxy this cluster ran owned the table */
			if (c == C_PROXY)
				proxy_cleanup(cli, state);
		} else if (daemon_last_death(state, comp_name[c], &death) ==
			   0) {
			printf("%-18s was not running (pid %ld died)\n",
			       comp_name[c], (long)death.pid);
		}
		daemon_forget(state, comp_name[c]);
	}
	/* a dead server may leave its mount behind */
	if (!healthy(cli->mount)) {
		pid_t pid = fork();

		if (pid == 0) {
			int fd = open("/dev/null", O_RDWR);

			dup2(fd, 2);
			execlp("fusermount3", "fusermount3", "-u", "-z",
			       cli->mount, (char *)NULL);
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	return 0;
}

/* STATUS column of component c; false when it died. */
static bool comp_status(struct cli *cli, const char *state, int c, char *buf,
			size_t size)
{
	char started[RFC3339_MAX], found[RFC3339_MAX], ago[32];
	struct daemon_death death;
	pid_t pid = comp_pid(state, c); /* first: it may record a death */
	bool died = daemon_last_death(state, comp_name[c], &death) == 0;
	int n;

	if (pid > 0) {
		rfc3339_format_sec(daemon_started(state, comp_name[c]),
				   started);
		n = snprintf(buf, size, "running (pid %ld) since %s", (long)pid,
			     started);
		if (died && n >= 0 && (size_t)n < size) {
			rfc3339_format_sec(death.found, found);
			snprintf(buf + n, size - n,
				 ", restarted after pid %ld died (found "
				 "dead %s)",
				 (long)death.pid, found);
		}
		return true;
	}
	if (died) {
		rfc3339_format_sec(death.started, started);
		rfc3339_format_sec(death.found, found);
		printer_duration((long long)(time(NULL) - death.found), ago,
				 sizeof(ago));
		snprintf(buf, size,
			 "died (pid %ld, started %s, found dead %s, %s ago); "
			 "'kubefs up' starts it again",
			 (long)death.pid, started, found, ago);
		return false;
	}
	snprintf(buf, size, "%s",
		 built(cli, comp_bin[c]) ? "stopped" : "not built yet");
	return true;
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	const char *state = NULL;
	int r = parse_state(&status_help, argc, argv, &state);
	bool ok = true, serving;

	if (r)
		return r == FLAGS_HELP ? 0 : 1;

	printf("%-18s %s\n", "COMPONENT", "STATUS");
	for (int c = 0; c < C_COUNT; c++) {
		char st[256];

		if (!comp_status(cli, state, c, st, sizeof(st)))
			ok = false;
		printf("%-18s %s\n", comp_name[c], st);
	}
	serving = healthy(cli->mount);
	printf("%-18s %s\n", "mount", serving ? "healthy" : "not serving");
	return ok && serving ? 0 : 1;
}
