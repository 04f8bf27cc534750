/*
 * kubefs-ctrl — the controllers (kube-controller-manager).
 *
 *   kubefs-ctrl --cluster MOUNT [--leader-elect[=false]]
 *               [--controllers=*,-podgc] [--concurrent-syncs N]
 *               [--node-monitor-grace-period 40s] [--node-monitor-period 5s]
 *               [--node-eviction-rate 0.1] [--terminated-pod-gc-threshold N]
 *               [--leader-elect-resource-namespace NS]
 *               [--leader-elect-resource-name NAME] [--version]
 *
 * Starts the shared informers of every enabled controller, waits for
 * their caches, then (once it holds the Lease kube-system/
 * kube-controller-manager, unless --leader-elect=false) runs each
 * controller's workers until SIGTERM or SIGINT, when it lets the workers
 * finish their current key, releases the Lease and exits 0. Losing the
 * Lease exits 1, as kube-controller-manager does, to be restarted.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/version.h"
#include "client/client.h"
#include "client/events.h"
#include "client/klog.h"
#include "client/leader.h"
#include "ctrl/ctrl.h"

#define LEASE_NAMESPACE "kube-system"
#define LEASE_NAME "kube-controller-manager"
#define CONTROLLERS_MAX 16
#define TRIM_PERIOD_S 10

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
	struct leader *leader;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop, leading_done;
};

static void vlog(const char *fmt, va_list ap)
{
	klog_vprintf(stderr, 'I', "kubefs-ctrl", fmt, ap);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

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
		   "                   [--leader-elect-resource-name NAME] "
		   "[--version]\n"
		   "controllers:");
	for (size_t i = 0; ctrl_controllers[i].name; i++)
		fprintf(f, " %s", ctrl_controllers[i].name);
	fputc('\n', f);
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
		fprintf(stderr, "flag needs an argument: %s\n", flag);
		exit(2);
	}
	return argv[++*i];
}

/* A Go duration as kube-controller-manager takes it: 40s, 500ms, 1m,
 * 1h; a plain number is seconds. */
static int parse_duration(const char *flag, const char *v, unsigned *ret)
{
	char *end;
	double n;
	double scale = 1000;

	errno = 0;
	n = strtod(v, &end);
	if (!strcmp(end, "ms"))
		scale = 1;
	else if (!strcmp(end, "m"))
		scale = 60000;
	else if (!strcmp(end, "h"))
		scale = 3600000;
	else if (*end && strcmp(end, "s"))
		end = (char *)v;
	if (errno || end == v || n < 0 || n * scale > 86400000.0) {
		fprintf(stderr,
			"invalid argument \"%s\" for \"%s\" flag: time: "
			"invalid duration \"%s\"\n",
			v, flag, v);
		return -EINVAL;
	}
	*ret = (unsigned)(n * scale);
	return 0;
}

static int parse_uint(const char *flag, const char *v, long lo, long hi,
		      long *ret)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi) {
		fprintf(stderr,
			"invalid argument \"%s\" for \"%s\" flag: must be an "
			"integer in %ld..%ld\n",
			v, flag, lo, hi);
		return -EINVAL;
	}
	*ret = n;
	return 0;
}

/* 0, 1 for --version/--help (exit 0), -EINVAL for a usage error. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	struct kf_error err;
	const char *v;
	long n;

	ctrl_opts_init(&o->ctrl);
	o->lease_ns = LEASE_NAMESPACE;
	o->lease_name = LEASE_NAME;
	o->leader_elect = true;
	o->controllers = "*";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--version")) {
			printf("kubefs-ctrl " KUBEFS_VERSION "\n");
			return 1;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 1;
		} else if (!strcmp(a, "--leader-elect") ||
			   !strcmp(a, "--leader-elect=true")) {
			o->leader_elect = true;
		} else if (!strcmp(a, "--leader-elect=false")) {
			o->leader_elect = false;
		} else if ((v = flag_value("--cluster", argc, argv, &i))) {
			o->mount = v;
		} else if ((v = flag_value("--controllers", argc, argv, &i))) {
			kf_error_init(&err);
			if (ctrl_check_spec(v, &err) < 0) {
				fprintf(stderr,
					"invalid argument \"%s\" for "
					"\"--controllers\" flag: %s\n",
					v, err.msg);
				return -EINVAL;
			}
			o->controllers = v;
		} else if ((v = flag_value("--concurrent-syncs", argc, argv,
					   &i))) {
			if (parse_uint("--concurrent-syncs", v, 1,
				       CTRL_WORKERS_MAX, &n) < 0)
				return -EINVAL;
			o->ctrl.workers = (unsigned)n;
		} else if ((v = flag_value("--node-monitor-grace-period", argc,
					   argv, &i))) {
			if (parse_duration("--node-monitor-grace-period", v,
					   &o->ctrl.node_monitor_grace_ms) < 0)
				return -EINVAL;
		} else if ((v = flag_value("--node-monitor-period", argc, argv,
					   &i))) {
			if (parse_duration("--node-monitor-period", v,
					   &o->ctrl.node_monitor_period_ms) < 0)
				return -EINVAL;
			if (!o->ctrl.node_monitor_period_ms)
				o->ctrl.node_monitor_period_ms = 1;
		} else if ((v = flag_value("--node-eviction-rate", argc, argv,
					   &i))) {
			char *end;

			o->ctrl.node_eviction_rate = strtod(v, &end);
			if (*end || end == v ||
			    o->ctrl.node_eviction_rate < 0) {
				fprintf(stderr,
					"invalid argument \"%s\" for "
					"\"--node-eviction-rate\" flag: "
					"must be a number >= 0\n",
					v);
				return -EINVAL;
			}
		} else if ((v = flag_value("--terminated-pod-gc-threshold",
					   argc, argv, &i))) {
			if (parse_uint("--terminated-pod-gc-threshold", v, 0,
				       1000000000, &n) < 0)
				return -EINVAL;
			o->ctrl.terminated_pod_gc_threshold = n;
		} else if ((v = flag_value("--leader-elect-resource-namespace",
					   argc, argv, &i))) {
			o->lease_ns = v;
		} else if ((v = flag_value("--leader-elect-resource-name", argc,
					   argv, &i))) {
			o->lease_name = v;
		} else {
			fprintf(stderr, "unknown flag: %s\n", a);
			return -EINVAL;
		}
	}
	if (!o->mount)
		o->mount = getenv("KUBEFS_MOUNT");
	if (!o->mount || !*o->mount) {
		fprintf(stderr, "kubefs-ctrl: --cluster is required\n");
		return -EINVAL;
	}
	return 0;
}

static void request_stop(struct app *a)
{
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	if (a->leader)
		leader_stop(a->leader);
	pthread_cond_broadcast(&a->cond);
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
		say("received %s, stopping",
		    sig == SIGTERM ? "SIGTERM" : "SIGINT");
		request_stop(a);
	}
	return NULL;
}

/* Run every controller's workers until leadership ends or stop. */
static void run_controllers(struct app *a)
{
	for (size_t i = 0; i < a->nctls; i++) {
		for (size_t j = 0; j < a->ctls[i].nloops; j++)
			if (ctrl_loop_start(a->ctls[i].loops[j]) < 0)
				say("%s: cannot start its workers",
				    a->ctls[i].name);
		say("started %s controller", a->ctls[i].name);
	}
	pthread_mutex_lock(&a->lock);
	while (!a->stop && !a->leading_done) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += TRIM_PERIOD_S;
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
}

static void started_leading(void *ud)
{
	say("became the leader, starting controllers");
	run_controllers(ud);
}

static void stopped_leading(void *ud)
{
	struct app *a = ud;

	pthread_mutex_lock(&a->lock);
	a->leading_done = true;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
}

static void new_leader(void *ud, const char *identity)
{
	say("new leader elected: %s", identity);
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
		say("cannot create namespace %s: %s", ns,
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
		say("leader election: %s", err.code ? err.msg : strerror(-r));
		return r;
	}
	say("attempting to acquire leader lease %s/%s as %s", o->lease_ns,
	    o->lease_name, identity);
	r = leader_run(a->leader);
	if (r == -ENOLCK)
		say("leaderelection lost");
	pthread_mutex_lock(&a->lock);
	leader_free(a->leader);
	a->leader = NULL;
	pthread_mutex_unlock(&a->lock);
	return r;
}

static int setup_controllers(struct app *a, const struct opts *o)
{
	for (size_t i = 0; ctrl_controllers[i].name; i++) {
		const struct controller_desc *d = &ctrl_controllers[i];
		struct controller *c = &a->ctls[a->nctls];
		int r;

		if (!ctrl_enabled(o->controllers, d)) {
			say("%s controller is disabled", d->name);
			continue;
		}
		if (a->nctls >= CONTROLLERS_MAX)
			return -ENOSPC;
		c->name = d->name;
		r = d->setup(&a->ctx, c);
		if (r < 0) {
			say("cannot set up the %s controller: %s", d->name,
			    strerror(-r));
			return r;
		}
		a->nctls++;
	}
	return 0;
}

static int wait_synced(struct app *a)
{
	int r = ctrl_ctx_start_informers(&a->ctx);

	while (r == 0 && !stop_requested(a)) {
		r = ctrl_ctx_wait_synced(&a->ctx, 1000);
		if (r == 0)
			return 0;
		if (r == -ETIMEDOUT)
			r = 0;
	}
	return r;
}

int main(int argc, char **argv)
{
	static struct app a = {.lock = PTHREAD_MUTEX_INITIALIZER,
			       .cond = PTHREAD_COND_INITIALIZER};
	struct opts o = {0};
	struct client *c = NULL;
	struct event_recorder *rec = NULL;
	char host[256] = "";
	pthread_t sig_tid;
	sigset_t set;
	int r;

	/* dozens of worker threads: without a cap each gets its own malloc
	 * arena and the resident size grows with the thread count */
	mallopt(M_ARENA_MAX, 2);
	r = parse_args(argc, argv, &o);
	if (r != 0) {
		if (r < 0)
			usage(stderr);
		return r > 0 ? 0 : 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = -pthread_create(&sig_tid, NULL, signal_thread, &a);
	if (r < 0) {
		say("cannot start: %s", strerror(-r));
		return 1;
	}
	pthread_detach(sig_tid);

	r = client_new(o.mount, &c);
	if (r < 0) {
		say("cannot use the cluster at %s: %s", o.mount, strerror(-r));
		return 1;
	}
	gethostname(host, sizeof(host) - 1);
	r = event_recorder_new(c, "kubefs-ctrl", *host ? host : NULL, &rec);
	if (r < 0) {
		say("cannot record events: %s", strerror(-r));
		client_free(c);
		return 1;
	}
	ctrl_ctx_init(&a.ctx, c, rec, &o.ctrl);
	a.ctx.log = vlog;
	say("starting: cluster %s, controllers %s", o.mount, o.controllers);
	r = setup_controllers(&a, &o);
	if (r == 0)
		r = wait_synced(&a);
	if (r < 0) {
		say("cannot watch the cluster: %s", strerror(-r));
	} else if (!stop_requested(&a)) {
		say("caches synced");
		if (o.leader_elect)
			r = run_elected(&a, c, &o);
		else
			run_controllers(&a);
	}
	for (size_t i = 0; i < a.nctls; i++)
		for (size_t j = 0; j < a.ctls[i].nloops; j++)
			ctrl_loop_shutdown(a.ctls[i].loops[j]);
	ctrl_ctx_release(&a.ctx);
	for (size_t i = 0; i < a.nctls; i++)
		a.ctls[i].free(a.ctls[i].state);
	event_recorder_free(rec);
	client_free(c);
	if (r < 0 && r != -ECANCELED) {
		say("exiting: %s", strerror(-r));
		return 1;
	}
	say("stopped");
	return 0;
}
