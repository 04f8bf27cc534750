/*
 * kubefs-sched — the scheduler (kube-scheduler).
 *
 *   kubefs-sched --cluster MOUNT [--leader-elect] [--scheduler-name NAME]
 *                [--weight-PLUGIN=N]... [--percentage-of-nodes-to-score N]
 *                [--binders N] [--version]
 *
 * Watches pods and nodes through the mounted tree and binds pending pods
 * by writing node names to core/v1/pods/NS/NAME@binding. SIGTERM or
 * SIGINT stops it cleanly (with --leader-elect, the Lease is released).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/client.h"
#include "client/leader.h"
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

struct app {
	struct scheduler *sched;
	struct leader *leader;
	pthread_mutex_t lock;
	bool stop;
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
	int r, nargs;

	sched_profile_init(&o->cfg.profile);
	o->lease_ns = LEASE_NAMESPACE;
	o->lease_name = LEASE_NAME;
	kf_error_init(&err);
	r = flags_parse_argv(flags, argc, argv, &err, &nargs);
	if (r == FLAGS_HELP) {
		usage(stdout);
		return 1;
	}
	if (r == 0 && nargs > 1)
		r = kf_error_set(&err, -EINVAL,
				 "unexpected argument \"%s\": kubefs-sched "
				 "takes only flags",
				 argv[1]);
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
	if (!o->mount)
		o->mount = getenv("KUBEFS_MOUNT");
	if (!o->mount || !*o->mount) {
		fprintf(stderr, "kubefs-sched: --cluster is required\n");
		return -EINVAL;
	}
	return 0;
}

static void request_stop(struct app *a)
{
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	if (a->sched)
		scheduler_stop(a->sched);
	if (a->leader)
		leader_stop(a->leader);
	pthread_mutex_unlock(&a->lock);
}

static bool stop_requested(struct app *a)
{
	bool stop;

	pthread_mutex_lock(&a->lock);
	stop = a->stop;
	pthread_mutex_unlock(&a->lock);
	return stop;
}

static void *signal_thread(void *arg)
{
	struct app *a = arg;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigwait(&set, &sig) == 0) {
		klog_info("received %s, stopping",
			  sig == SIGTERM ? "SIGTERM" : "SIGINT");
		request_stop(a);
	}
	return NULL;
}

static void started_leading(void *ud)
{
	struct app *a = ud;
	int r;

	klog_info("became the leader, scheduling");
	r = scheduler_run(a->sched);
	if (r < 0)
		klog_info("scheduling loop failed: %s", strerror(-r));
}

static void stopped_leading(void *ud)
{
	struct app *a = ud;

	scheduler_stop(a->sched);
}

static void new_leader(void *ud, const char *identity)
{
	klog_info("new leader elected: %s", identity);
}

/* The Lease lives in kube-system; make sure that namespace exists. */
static void ensure_namespace(struct client *c, const char *ns)
{
	const struct kind_info *k = kinds_by_path("core", "v1", "namespaces");
	json_t *obj, *cur = NULL;
	struct kf_error err;
	int r;

	kf_error_init(&err);
	if (!k || client_get(c, k, NULL, ns, NULL, &cur) == 0) {
		json_decref(cur);
		return;
	}
	obj = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind",
			"Namespace", "metadata", "name", ns);
	r = obj ? client_create(c, k, NULL, obj, &err, NULL) : -ENOMEM;
	if (r < 0 && r != -EEXIST)
		klog_info("cannot create namespace %s: %s", ns,
			  err.code ? err.msg : strerror(-r));
	json_decref(obj);
}

static int run_elected(struct app *a, struct client *c, const struct opts *o)
{
	struct leader_config lc = {0};
	struct kf_error err;
	char identity[300], host[256] = "";
	int r;

	ensure_namespace(c, o->lease_ns);
	gethostname(host, sizeof(host) - 1);
	snprintf(identity, sizeof(identity), "%s_%ld", *host ? host : "host",
		 (long)getpid());
	lc.ns = o->lease_ns;
	lc.name = o->lease_name;
	lc.identity = identity;
	lc.started_leading = started_leading;
	lc.stopped_leading = stopped_leading;
	lc.new_leader = new_leader;
	lc.ud = a;
	kf_error_init(&err);
	pthread_mutex_lock(&a->lock);
	r = a->stop ? -ECANCELED : leader_new(c, &lc, &err, &a->leader);
	pthread_mutex_unlock(&a->lock);
	if (r == -ECANCELED)
		return 0;
	if (r < 0) {
		klog_info("leader election: %s",
			  err.code ? err.msg : strerror(-r));
		return r;
	}
	klog_info("attempting to acquire leader lease %s/%s as %s", o->lease_ns,
		  o->lease_name, identity);
	r = leader_run(a->leader);
	if (r == -ENOLCK)
		klog_info("leaderelection lost");
	pthread_mutex_lock(&a->lock);
	leader_free(a->leader);
	a->leader = NULL;
	pthread_mutex_unlock(&a->lock);
	return r;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct app a = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct client *c = NULL;
	pthread_t sig_tid;
	sigset_t set;
	int r;

	klog_init("kubefs-sched");
	r = parse_args(argc, argv, &o);
	if (r != 0) {
		if (r < 0)
			usage(stderr);
		return r > 0 ? 0 : 2;
	}
	o.cfg.log = klog_vlog;

	/* every thread inherits the mask; one thread takes the signals */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = -pthread_create(&sig_tid, NULL, signal_thread, &a);
	if (r < 0) {
		klog_info("cannot start: %s", strerror(-r));
		return 1;
	}
	pthread_detach(sig_tid);

	r = client_new(o.mount, &c);
	if (r < 0) {
		klog_info("cannot use the cluster at %s: %s", o.mount,
			  strerror(-r));
		return 1;
	}
	pthread_mutex_lock(&a.lock);
	r = scheduler_new(c, &o.cfg, &a.sched);
	if (r == 0 && a.stop)
		scheduler_stop(a.sched);
	pthread_mutex_unlock(&a.lock);
	if (r < 0) {
		klog_info("cannot start the scheduler: %s", strerror(-r));
		client_free(c);
		return 1;
	}
	klog_info("starting: cluster %s, scheduler name %s", o.mount,
		  o.cfg.profile.scheduler_name);
	r = scheduler_start_informers(a.sched);
	while (r == 0 && !stop_requested(&a)) {
		r = scheduler_wait_synced(a.sched, 1000);
		if (r == 0)
			break;
		if (r == -ETIMEDOUT)
			r = 0;
	}
	if (r < 0) {
		klog_info("cannot watch pods and nodes: %s", strerror(-r));
	} else if (!stop_requested(&a)) {
		klog_info("caches synced");
		if (o.leader_elect)
			r = run_elected(&a, c, &o);
		else
			r = scheduler_run(a.sched);
	}
	pthread_mutex_lock(&a.lock);
	scheduler_free(a.sched);
	a.sched = NULL;
	pthread_mutex_unlock(&a.lock);
	client_free(c);
	if (r < 0 && r != -ECANCELED) {
		klog_info("exiting: %s", strerror(-r));
		return 1;
	}
	klog_info("stopped");
	return 0;
}
