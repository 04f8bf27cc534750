/*
 * kubefs-sched — the scheduler (kube-scheduler).
 *
 *   kubefs-sched --cluster MOUNT [--leader-elect] [--scheduler-name NAME]
 *                [--weight-PLUGIN=N]... [--percentage-of-nodes-to-score N]
 *                [--binders N] [--version]
 *
 * Watches pods and nodes through the mounted tree and binds pending pods
 * by writing node names to core/v1/pods/NS/NAME@binding. SIGTERM or
 * SIGINT stops it cleanly (with --leader-elect, the Lease is released);
 * start-up, signals and leader election are client/daemon.h's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "client/daemon.h"
#include "api/flags.h"
#include "api/klog.h"
#include "api/version.h"
#include "sched/scheduler.h"

#define LEASE_NAMESPACE "kube-system"
#define LEASE_NAME "kube-scheduler"

struct opts {
	const char *mount;
	const char *lease_ns;
	const char *lease_name;
	bool leader_elect;
	struct scheduler_config cfg;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kubefs-sched --cluster MOUNT [--leader-elect]\n"
		"                    [--scheduler-name NAME] "
		"[--weight-PLUGIN=N]...\n"
		"                    [--percentage-of-nodes-to-score N] "
		"[--binders N]\n"
		"                    [--leader-elect-resource-namespace NS]\n"
		"                    [--leader-elect-resource-name NAME] "
		"[--version]\n"
		"score plugins: NodeResourcesFit, "
		"NodeResourcesBalancedAllocation,\n"
		"  NodeAffinity, TaintToleration, SelectorSpread\n");
}

/* --percentage-of-nodes-to-score, --binders, --weight-PLUGIN: integers
 * in a range (and a score plugin's name). */
struct int_flag {
	struct opts *o;
	long lo, hi;
	unsigned *dst; /* NULL: a --weight-PLUGIN */
};

static int set_int(void *ud, const char *name, const char *text,
		   struct kf_error *err)
{
	struct int_flag *f = ud;
	char *end;
	long n;

	errno = 0;
	n = strtol(text, &end, 10);
	if (errno || end == text || *end || n < f->lo || n > f->hi)
		return kf_error_set(err, -EINVAL,
				    "must be an integer in %ld..%ld", f->lo,
				    f->hi);
	if (f->dst) {
		*f->dst = (unsigned)n;
		return 0;
	}
	if (sched_profile_set_weight(&f->o->cfg.profile, name + 7, n) < 0)
		return kf_error_set(err, -EINVAL, "%s is not a score plugin",
				    name + 7);
	return 0;
}

/* 0, 1 for --version/--help (exit 0), -EINVAL for a usage error. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	struct int_flag pct = {o, 0, 100,
			       &o->cfg.profile.percentage_of_nodes_to_score};
	struct int_flag binders = {o, 1, SCHEDULER_BINDERS_MAX,
				   &o->cfg.binders};
	struct int_flag weight = {o, 0, 100, NULL};
	struct flag_func pct_fn = {set_int, &pct, false};
	struct flag_func binders_fn = {set_int, &binders, false};
	struct flag_func weight_fn = {set_int, &weight, false};
	const char *name = NULL;
	bool version = false;
	const struct flag flags[] = {
	    {"cluster", 0, FLAG_STRING, &o->mount, "", ""},
	    {"leader-elect", 0, FLAG_BOOL, &o->leader_elect, "false", ""},
	    {"scheduler-name", 0, FLAG_STRING, &name, "", ""},
	    {"leader-elect-resource-namespace", 0, FLAG_STRING, &o->lease_ns,
	     "", ""},
	    {"leader-elect-resource-name", 0, FLAG_STRING, &o->lease_name, "",
	     ""},
	    {"percentage-of-nodes-to-score", 0, FLAG_FUNC, &pct_fn, "", ""},
	    {"binders", 0, FLAG_FUNC, &binders_fn, "", ""},
	    {"weight-*", 0, FLAG_FUNC, &weight_fn, "", ""},
	    {"version", 0, FLAG_BOOL, &version, "false", ""},
	    {NULL},
	};
	struct kf_error err;
	int r;

	sched_profile_init(&o->cfg.profile);
	o->lease_ns = LEASE_NAMESPACE;
	o->lease_name = LEASE_NAME;
	kf_error_init(&err);
	r = flags_parse_only(flags, argc, argv, "kubefs-sched", &err);
	if (r == FLAGS_HELP) {
		usage(stdout);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "kubefs-sched: %s\n", err.msg);
		return -EINVAL;
	}
	if (version) {
		printf("kubefs-sched " KUBEFS_VERSION "\n");
		return 1;
	}
	if (name && !*name) {
		fprintf(stderr, "kubefs-sched: --scheduler-name must not be "
				"empty\n");
		return -EINVAL;
	}
	if (name)
		o->cfg.profile.scheduler_name = name;
	if (kdaemon_cluster("kubefs-sched", &o->mount) < 0)
		return -EINVAL;
	return 0;
}

static int sched_run(void *ud)
{
	return scheduler_run(ud);
}

static void sched_stop(void *ud)
{
	scheduler_stop(ud);
}

static int sched_wait(void *ud, int ms)
{
	return scheduler_wait_synced(ud, ms);
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct kdaemon d;
	struct kdaemon_work work = {sched_run, sched_stop, NULL};
	struct kdaemon_lease lease;
	struct scheduler *sched = NULL;
	struct client *c = NULL;
	int r;

	klog_init("kubefs-sched");
	r = parse_args(argc, argv, &o);
	if (r != 0) {
		if (r < 0)
			usage(stderr);
		return r > 0 ? 0 : 2;
	}
	r = kdaemon_act_as(argv, KDAEMON_USER_SCHEDULER,
			   KDAEMON_MONITORING_GROUP);
	if (r < 0) {
		klog_error("cannot act as %s: %s", KDAEMON_USER_SCHEDULER,
			   strerror(-r));
		return 1;
	}
	o.cfg.log = klog_vlog;
	kdaemon_init(&d, klog_vlog, NULL);
	r = kdaemon_handle_signals(&d);
	if (r < 0) {
		klog_info("cannot start: %s", strerror(-r));
		return 1;
	}

	r = client_new(o.mount, &c);
	if (r < 0) {
		klog_info("cannot use the cluster at %s: %s", o.mount,
			  strerror(-r));
		return 1;
	}
	r = scheduler_new(c, &o.cfg, &sched);
	if (r < 0) {
		klog_info("cannot start the scheduler: %s", strerror(-r));
		client_free(c);
		return 1;
	}
	work.ud = sched;
	kdaemon_set_work(&d, &work);
	klog_info("starting: cluster %s, scheduler name %s", o.mount,
		  o.cfg.profile.scheduler_name);
	r = scheduler_start_informers(sched);
	if (r == 0)
		r = kdaemon_wait_synced(&d, sched_wait, sched);
	if (r < 0) {
		klog_info("cannot watch pods and nodes: %s", strerror(-r));
	} else if (!kdaemon_stopping(&d)) {
		klog_info("caches synced");
		lease.ns = o.lease_ns;
		lease.name = o.lease_name;
		r = kdaemon_run(&d, c, o.leader_elect ? &lease : NULL);
	}
	kdaemon_set_work(&d, NULL);
	scheduler_free(sched);
	client_free(c);
	if (r < 0 && r != -ECANCELED) {
		klog_info("exiting: %s", strerror(-r));
		return 1;
	}
	klog_info("stopped");
	return 0;
}
