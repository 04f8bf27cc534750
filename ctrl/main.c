/*
 * kubefs-ctrl — the controllers (kube-controller-manager).
 *
 *   kubefs-ctrl --cluster MOUNT [--leader-elect[=false]]
 *               [--controllers=*,-podgc] [--concurrent-syncs N]
 *               [--node-monitor-grace-period 40s] [--node-monitor-period 5s]
 *               [--node-eviction-rate 0.1] [--terminated-pod-gc-threshold N]
 *               [--secondary-node-eviction-rate 0.01]
 *               [--unhealthy-zone-threshold 0.55]
 *               [--large-cluster-size-threshold 50]
 *               [--leader-elect-resource-namespace NS]
 *               [--leader-elect-resource-name NAME] [--version]
 *
 * Starts the shared informers of every enabled controller, waits for
 * their caches, then (once it holds the Lease kube-system/
 * kube-controller-manager, unless --leader-elect=false) runs each
 * controller's workers until SIGTERM or SIGINT, when it lets the workers
 * finish their current key, releases the Lease and exits 0. Losing the
 * Lease exits 1, as kube-controller-manager does, to be restarted.
 * Flags are parsed by api/flags.h; signals and leader election are
 * client/daemon.h's, shared with kubefs-sched.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/clock.h"
#include "api/flags.h"
#include "api/klog.h"
#include "api/version.h"
#include "client/client.h"
#include "client/daemon.h"
#include "client/events.h"
#include "ctrl/ctrl.h"

#define LEASE_NAMESPACE "kube-system"
#define LEASE_NAME "kube-controller-manager"
#define CONTROLLERS_MAX 16
#define TRIM_PERIOD_MS 10000
#define DURATION_MAX_MS 86400000LL

struct opts {
	const char *mount;
	const char *lease_ns;
	const char *lease_name;
	const char *controllers;
	bool leader_elect;
	struct ctrl_opts ctrl;
};

struct app {
	struct ctrl_ctx ctx;
	struct controller ctls[CONTROLLERS_MAX];
	size_t nctls;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* CLOCK_MONOTONIC */
	bool stop;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: kubefs-ctrl --cluster MOUNT "
		   "[--leader-elect[=false]] [--controllers=*,-NAME,...]\n"
		   "                   [--concurrent-syncs N] "
		   "[--leader-elect-resource-namespace NS]\n"
		   "                   [--node-monitor-grace-period 40s] "
		   "[--node-monitor-period 5s]\n"
		   "                   [--node-eviction-rate 0.1] "
		   "[--terminated-pod-gc-threshold 12500]\n"
		   "                   [--secondary-node-eviction-rate 0.01] "
		   "[--unhealthy-zone-threshold 0.55]\n"
		   "                   [--large-cluster-size-threshold 50]\n"
		   "                   [--leader-elect-resource-name NAME] "
		   "[--version]\n"
		   "controllers:");
	for (size_t i = 0; ctrl_controllers[i].name; i++)
		fprintf(f, " %s", ctrl_controllers[i].name);
	fputc('\n', f);
}

static int set_controllers(void *ud, const char *name, const char *text,
			   struct kf_error *err)
{
	struct opts *o = ud;
	int r = ctrl_check_spec(text, err);

	if (r == 0)
		o->controllers = text;
	return r;
}

/* pflag's sentence for a value out of its range. */
static int out_of_range(const char *flag, long long v, long long lo,
			long long hi, struct kf_error *err)
{
	if (v >= lo && v <= hi)
		return 0;
	return kf_error_set(err, -EINVAL,
			    "invalid argument \"%lld\" for \"--%s\" flag: "
			    "must be in %lld..%lld",
			    v, flag, lo, hi);
}

static int not_negative(const char *flag, double v, struct kf_error *err)
{
	if (v >= 0)
		return 0;
	return kf_error_set(err, -EINVAL,
			    "invalid argument \"%g\" for \"--%s\" flag: must "
			    "be a number >= 0",
			    v, flag);
}

/* 0, 1 for --version/--help (exit 0), -EINVAL for a usage error. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	struct flag_func controllers = {set_controllers, o, false};
	long long workers, grace, period, gc_threshold, large;
	double rate, rate2, unhealthy;
	bool version = false;
	const struct flag flags[] = {
	    {"cluster", 0, FLAG_STRING, &o->mount, "", ""},
	    {"leader-elect", 0, FLAG_BOOL, &o->leader_elect, "true", ""},
	    {"controllers", 0, FLAG_FUNC, &controllers, "*", ""},
	    {"concurrent-syncs", 0, FLAG_INT, &workers, "5", ""},
	    {"node-monitor-grace-period", 0, FLAG_DURATION, &grace, "40s", ""},
	    {"node-monitor-period", 0, FLAG_DURATION, &period, "5s", ""},
	    {"node-eviction-rate", 0, FLAG_DOUBLE, &rate, "0.1", ""},
	    {"secondary-node-eviction-rate", 0, FLAG_DOUBLE, &rate2, "0.01",
	     ""},
	    {"unhealthy-zone-threshold", 0, FLAG_DOUBLE, &unhealthy, "0.55",
	     ""},
	    {"large-cluster-size-threshold", 0, FLAG_INT, &large, "50", ""},
	    {"terminated-pod-gc-threshold", 0, FLAG_INT, &gc_threshold, "12500",
	     ""},
	    {"leader-elect-resource-namespace", 0, FLAG_STRING, &o->lease_ns,
	     "", ""},
	    {"leader-elect-resource-name", 0, FLAG_STRING, &o->lease_name, "",
	     ""},
	    {"version", 0, FLAG_BOOL, &version, "false", ""},
	    {NULL},
	};
	struct kf_error err;
	int r;

	ctrl_opts_init(&o->ctrl);
	o->lease_ns = LEASE_NAMESPACE;
	o->lease_name = LEASE_NAME;
	o->leader_elect = true;
	o->controllers = "*";
	workers = o->ctrl.workers;
	grace = o->ctrl.node_monitor_grace_ms;
	period = o->ctrl.node_monitor_period_ms;
	rate = o->ctrl.node_eviction_rate;
	rate2 = o->ctrl.secondary_eviction_rate;
	unhealthy = o->ctrl.unhealthy_zone_threshold;
	large = o->ctrl.large_cluster_size_threshold;
	gc_threshold = o->ctrl.terminated_pod_gc_threshold;
	kf_error_init(&err);
	r = flags_parse_only(flags, argc, argv, "kubefs-ctrl", &err);
	if (r == FLAGS_HELP) {
		usage(stdout);
		return 1;
	}
	if (r == 0)
		r = out_of_range("concurrent-syncs", workers, 1,
				 CTRL_WORKERS_MAX, &err);
	if (r == 0)
		r = out_of_range("terminated-pod-gc-threshold", gc_threshold, 0,
				 1000000000, &err);
	if (r == 0)
		r = out_of_range("node-monitor-grace-period", grace, 0,
				 DURATION_MAX_MS, &err);
	if (r == 0)
		r = out_of_range("node-monitor-period", period, 0,
				 DURATION_MAX_MS, &err);
	if (r == 0)
		r = not_negative("node-eviction-rate", rate, &err);
	if (r == 0)
		r = not_negative("secondary-node-eviction-rate", rate2, &err);
	if (r == 0)
		r = not_negative("unhealthy-zone-threshold", unhealthy, &err);
	if (r == 0)
		r = out_of_range("large-cluster-size-threshold", large, 0,
				 1000000000, &err);
	if (r < 0) {
		fprintf(stderr, "kubefs-ctrl: %s\n", err.msg);
		return -EINVAL;
	}
	if (version) {
		printf("kubefs-ctrl " KUBEFS_VERSION "\n");
		return 1;
	}
	o->ctrl.workers = (unsigned)workers;
	o->ctrl.node_monitor_grace_ms = (unsigned)grace;
	o->ctrl.node_monitor_period_ms = period ? (unsigned)period : 1;
	o->ctrl.node_eviction_rate = rate;
	o->ctrl.secondary_eviction_rate = rate2;
	o->ctrl.unhealthy_zone_threshold = unhealthy;
	o->ctrl.large_cluster_size_threshold = (long)large;
	o->ctrl.terminated_pod_gc_threshold = (long)gc_threshold;
	if (kdaemon_cluster("kubefs-ctrl", &o->mount) < 0)
		return -EINVAL;
	return 0;
}

/* The leader's work: every controller's workers until stopped. */
static int run_controllers(void *ud)
{
	struct app *a = ud;

	for (size_t i = 0; i < a->nctls; i++) {
		for (size_t j = 0; j < a->ctls[i].nloops; j++)
			if (ctrl_loop_start(a->ctls[i].loops[j]) < 0)
				klog_error("%s: cannot start its workers",
					   a->ctls[i].name);
		klog_info("started %s controller", a->ctls[i].name);
	}
	pthread_mutex_lock(&a->lock);
	while (!a->stop) {
		struct timespec until;

		mono_deadline(TRIM_PERIOD_MS, &until);
		if (pthread_cond_timedwait(&a->cond, &a->lock, &until) ==
		    ETIMEDOUT)
			malloc_trim(0); /* caches shrink: give it back */
	}
	pthread_mutex_unlock(&a->lock);
	for (size_t i = 0; i < a->nctls; i++)
		for (size_t j = 0; j < a->ctls[i].nloops; j++)
			ctrl_loop_shutdown(a->ctls[i].loops[j]);
	for (size_t i = 0; i < a->nctls; i++)
		for (size_t j = 0; j < a->ctls[i].nloops; j++)
			ctrl_loop_join(a->ctls[i].loops[j]);
	return 0;
}

static void stop_controllers(void *ud)
{
	struct app *a = ud;

	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
}

static int setup_controllers(struct app *a, const struct opts *o)
{
	for (size_t i = 0; ctrl_controllers[i].name; i++) {
		const struct controller_desc *d = &ctrl_controllers[i];
		struct controller *c = &a->ctls[a->nctls];
		int r;

		if (!ctrl_enabled(o->controllers, d)) {
			klog_info("%s controller is disabled", d->name);
			continue;
		}
		if (a->nctls >= CONTROLLERS_MAX)
			return -ENOSPC;
		c->name = d->name;
		r = d->setup(&a->ctx, c);
		if (r < 0) {
			klog_error("cannot set up the %s controller: %s",
				   d->name, strerror(-r));
			return r;
		}
		a->nctls++;
	}
	return 0;
}

static int wait_synced(void *ud, int ms)
{
	return ctrl_ctx_wait_synced(ud, ms);
}

int main(int argc, char **argv)
{
	static struct app a = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct kdaemon_work work = {run_controllers, stop_controllers, &a};
	struct kdaemon_lease lease;
	struct opts o = {0};
	struct kdaemon d;
	struct client *c = NULL;
	struct event_recorder *rec = NULL;
	pthread_condattr_t ca;
	char host[256] = "";
	int r;

	klog_init("kubefs-ctrl");
	/* dozens of worker threads: without a cap each gets its own malloc
	 * arena and the resident size grows with the thread count */
	mallopt(M_ARENA_MAX, 2);
	r = parse_args(argc, argv, &o);
	if (r != 0) {
		if (r < 0)
			usage(stderr);
		return r > 0 ? 0 : 2;
	}
	r = kdaemon_act_as(argv, KDAEMON_USER_CONTROLLERS,
			   KDAEMON_MONITORING_GROUP);
	if (r < 0) {
		klog_error("cannot act as %s: %s", KDAEMON_USER_CONTROLLERS,
			   strerror(-r));
		return 1;
	}
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a.cond, &ca);
	pthread_condattr_destroy(&ca);
	kdaemon_init(&d, klog_vlog, NULL);
	r = kdaemon_handle_signals(&d);
	if (r < 0) {
		klog_error("cannot start: %s", strerror(-r));
		return 1;
	}
	kdaemon_set_work(&d, &work);

	r = client_new(o.mount, &c);
	if (r < 0) {
		klog_error("cannot use the cluster at %s: %s", o.mount,
			   strerror(-r));
		return 1;
	}
	gethostname(host, sizeof(host) - 1);
	r = event_recorder_new(c, "kubefs-ctrl", *host ? host : NULL, &rec);
	if (r < 0) {
		klog_error("cannot record events: %s", strerror(-r));
		client_free(c);
		return 1;
	}
	ctrl_ctx_init(&a.ctx, c, rec, &o.ctrl);
	a.ctx.log = klog_vlog;
	klog_info("starting: cluster %s, controllers %s", o.mount,
		  o.controllers);
	r = setup_controllers(&a, &o);
	if (r == 0)
		r = ctrl_ctx_start_informers(&a.ctx);
	if (r == 0)
		r = kdaemon_wait_synced(&d, wait_synced, &a.ctx);
	if (r < 0) {
		klog_error("cannot watch the cluster: %s", strerror(-r));
	} else if (!kdaemon_stopping(&d)) {
		klog_info("caches synced");
		lease.ns = o.lease_ns;
		lease.name = o.lease_name;
		r = kdaemon_run(&d, c, o.leader_elect ? &lease : NULL);
	}
	kdaemon_set_work(&d, NULL);
	for (size_t i = 0; i < a.nctls; i++)
		for (size_t j = 0; j < a.ctls[i].nloops; j++)
			ctrl_loop_shutdown(a.ctls[i].loops[j]);
	ctrl_ctx_release(&a.ctx);
	for (size_t i = 0; i < a.nctls; i++)
		a.ctls[i].free(a.ctls[i].state);
	event_recorder_free(rec);
	client_free(c);
	if (r < 0 && r != -ECANCELED) {
		klog_error("exiting: %s", strerror(-r));
		return 1;
	}
	klog_info("stopped");
	return 0;
}
