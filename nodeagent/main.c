/*
 * kubefs-node — the node agent (kubelet). Fake mode simulates nodes
 * (pods reported Running, no containers, as kwok does); the container
 * runtime proper is not built yet.
 *
 * Exit status: 0 after SIGTERM/SIGINT, 1 when the cluster cannot be
 * reached or the agent fails, 2 for a usage error.
 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "api/error.h"
#include "api/klog.h"
#include "client/client.h"
#include "api/version.h"
#include "client/daemon.h"
#include "nodeagent/agent.h"
#include "nodeagent/config.h"
#include "nodeagent/host.h"
#include "nodeagent/imagecmd.h"
#include "nodeagent/shim.h"
#include "nodeagent/nodestatus.h"

struct sigwaiter {
	sigset_t set;
	struct agent *agent;
};

static void *wait_signal(void *arg)
{
	struct sigwaiter *w = arg;
	int sig = 0;

	if (sigwait(&w->set, &sig) == 0) {
		if (sig == SIGUSR1)
			return NULL; /* main is done: nothing to stop */
		klog_info("received %s, stopping", strsignal(sig));
		agent_stop(w->agent);
	}
	return NULL;
}

/* The host name, lowercased, as the kubelet's default node name. */
static int host_name(char *buf, size_t size)
{
	if (gethostname(buf, size) < 0)
		return -errno;
	buf[size - 1] = '\0';
	for (char *p = buf; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return 0;
}

/*
 * A real node: root, its capacity measured where the flags say nothing,
 * no start delay. Prints why not and returns -1.
 */
static int real_node(struct nodeagent_config *cfg, struct host_capacity *cap)
{
	const char *root =
	    cfg->root_dir ? cfg->root_dir : NODEAGENT_DEFAULT_ROOT_DIR;
	char buf[4096];
	int r;

	if (geteuid() != 0) {
		fprintf(stderr, "kubefs-node: running containers needs root "
				"(or run simulated nodes with --fake)\n");
		return -1;
	}
	if (host_chrooted() == 1) {
		fprintf(stderr,
			"kubefs-node: running in a chroot: an exec into a "
			"container would see this machine's files instead of "
			"the container's (runc enters the mount namespace's "
			"root); run it where / is the mount namespace's root "
			"(pivot_root, as a container or unshare does)\n");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", root);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	mkdir(buf, 0755);
	r = host_capacity(root, cap);
	if (r < 0) {
		fprintf(stderr, "kubefs-node: cannot use %s: %s\n", root,
			strerror(-r));
		return -1;
	}
	if (!cfg->cpu[0])
		snprintf(cfg->cpu, sizeof(cfg->cpu), "%s", cap->cpu);
	if (!cfg->memory[0])
		snprintf(cfg->memory, sizeof(cfg->memory), "%s", cap->memory);
	if (!cfg->ephemeral_storage[0])
		snprintf(cfg->ephemeral_storage, sizeof(cfg->ephemeral_storage),
			 "%s", cap->ephemeral_storage);
	cfg->start_delay_ms = 0;
	return 0;
}

int main(int argc, char **argv)
{
	struct nodeagent_config cfg;
	struct host_capacity cap;
	struct client *c = NULL;
	struct agent *agent = NULL;
	struct sigwaiter w;
	struct kf_error err;
	char host[256];
	pthread_t sig_thread;
	int r;

	klog_init("kubefs-node");
	if (argc > 1 && !strcmp(argv[1], "image"))
		return imagecmd_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "shim"))
		return shim_main(argc - 1, argv + 1);
	kf_error_init(&err);
	if (nodeagent_config_parse(argc, argv, &err, &cfg) < 0) {
		fprintf(stderr, "kubefs-node: %s\n", err.msg);
		fprintf(stderr, "Run 'kubefs-node --help' for usage.\n");
		return 2;
	}
	if (cfg.show_help) {
		fputs(nodeagent_config_usage(), stdout);
		return 0;
	}
	if (cfg.show_version) {
		printf("kubefs-node %s (kubelet %s)\n", KUBEFS_VERSION,
		       NODESTATUS_KUBELET_VERSION);
		return 0;
	}
	if (!cfg.count && !cfg.name) {
		if (host_name(host, sizeof(host)) < 0 ||
		    nodeagent_check_name(host, &err) < 0) {
			fprintf(stderr,
				"kubefs-node: the host name cannot be a node "
				"name (%s); use --name\n",
				err.msg[0] ? err.msg : strerror(errno));
			return 2;
		}
		cfg.name = host;
	}
	if (!cfg.count) {
		/* one node: its agent is system:node:NAME (a --count set of
		 * simulated nodes keeps its caller's identity) */
		char user[256];

		snprintf(user, sizeof(user), KDAEMON_NODE_USER_PREFIX "%s",
			 cfg.name);
		r = kdaemon_act_as(argv, user,
				   KDAEMON_NODES_GROUP
				   "," KDAEMON_MONITORING_GROUP);
		if (r < 0) {
			fprintf(stderr, "kubefs-node: cannot act as %s: %s\n",
				user, strerror(-r));
			return 1;
		}
	}

	curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread */
	r = client_new(cfg.cluster, &c);
	if (r < 0) {
		fprintf(
		    stderr, "kubefs-node: cannot use the cluster at %s: %s\n",
		    cfg.cluster ? cfg.cluster : "$KUBEFS_MOUNT", strerror(-r));
		return 1;
	}
	if (!cfg.fake && real_node(&cfg, &cap) < 0) {
		client_free(c);
		return 1;
	}
	r = agent_new(c, &cfg, klog_vlog, NULL, &agent);
	if (r < 0) {
		fprintf(stderr, "kubefs-node: %s\n", strerror(-r));
		client_free(c);
		return 1;
	}

	/* signals go to one thread, which asks the agent to stop */
	sigemptyset(&w.set);
	sigaddset(&w.set, SIGTERM);
	sigaddset(&w.set, SIGINT);
	sigaddset(&w.set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &w.set, NULL);
	signal(SIGPIPE, SIG_IGN);
	w.agent = agent;
	r = pthread_create(&sig_thread, NULL, wait_signal, &w);
	if (r) {
		fprintf(stderr, "kubefs-node: %s\n", strerror(r));
		agent_free(agent);
		client_free(c);
		return 1;
	}

	if (cfg.fake)
		klog_info(
		    "kubefs-node %s (kubelet %s) starting: %u fake node%s "
		    "on %s",
		    KUBEFS_VERSION, NODESTATUS_KUBELET_VERSION,
		    cfg.count ? cfg.count : 1, cfg.count > 1 ? "s" : "",
		    client_mount(c));
	else
		klog_info(
		    "kubefs-node %s (kubelet %s) starting: node %s on %s "
		    "(cpu %s, memory %s, ephemeral-storage %s, root %s)",
		    KUBEFS_VERSION, NODESTATUS_KUBELET_VERSION, cfg.name,
		    client_mount(c), cfg.cpu, cfg.memory, cfg.ephemeral_storage,
		    cfg.root_dir ? cfg.root_dir : NODEAGENT_DEFAULT_ROOT_DIR);
	r = agent_run(agent);
	if (r < 0)
		klog_error("error: %s", strerror(-r));
	/* wake the signal thread if no signal came */
	pthread_kill(sig_thread, SIGUSR1);
	pthread_join(sig_thread, NULL);
	agent_free(agent);
	client_free(c);
	klog_info("stopped");
	return r < 0 ? 1 : 0;
}
