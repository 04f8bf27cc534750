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
	fprintf(stderr, "%s.%06ldZ kubefs-sched: ", when, ts.tv_nsec / 1000);
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

static int parse_long(const char *flag, const char *v, long lo, long hi,
		      long *ret)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi) {
		fprintf(stderr,
			"kubefs-sched: invalid argument \"%s\" for \"%s\" "
			"flag: must be an integer in %ld..%ld\n",
			v, flag, lo, hi);
		return -EINVAL;
	}
	*ret = n;
	return 0;
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
		fprintf(stderr, "kubefs-sched: flag needs an argument: %s\n",
			flag);
		exit(2);
	}
	return argv[++*i];
}

/* 0, 1 for --version/--help (exit 0), -EINVAL for a usage error. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	const char *v;
	long n;

	sched_profile_init(&o->cfg.profile);
	o->lease_ns = LEASE_NAMESPACE;
	o->lease_name = LEASE_NAME;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--version") == 0) {
			printf("kubefs-sched " KUBEFS_VERSION "\n");
			return 1;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 1;
		} else if (strcmp(a, "--leader-elect") == 0 ||
			   strcmp(a, "--leader-elect=true") == 0) {
			o->leader_elect = true;
		} else if (strcmp(a, "--leader-elect=false") == 0) {
			o->leader_elect = false;
		} else if ((v = flag_value("--cluster", argc, argv, &i))) {
			o->mount = v;
		} else if ((v = flag_value("--scheduler-name", argc, argv,
					   &i))) {
			if (!*v) {
				fprintf(stderr, "kubefs-sched: "
						"--scheduler-name must not be "
						"empty\n");
				return -EINVAL;
			}
			o->cfg.profile.scheduler_name = v;
		} else if ((v = flag_value("--leader-elect-resource-namespace",
					   argc, argv, &i))) {
			o->lease_ns = v;
		} else if ((v = flag_value("--leader-elect-resource-name", argc,
					   argv, &i))) {
			o->lease_name = v;
		} else if ((v = flag_value("--percentage-of-nodes-to-score",
					   argc, argv, &i))) {
			if (parse_long("--percentage-of-nodes-to-score", v, 0,
				       100, &n) < 0)
				return -EINVAL;
			o->cfg.profile.percentage_of_nodes_to_score =
			    (unsigned)n;
		} else if ((v = flag_value("--binders", argc, argv, &i))) {
			if (parse_long("--binders", v, 1, SCHEDULER_BINDERS_MAX,
				       &n) < 0)
				return -EINVAL;
			o->cfg.binders = (unsigned)n;
		} else if (strncmp(a, "--weight-", 9) == 0 && strchr(a, '=')) {
			char name[64];
			const char *eq = strchr(a, '=');
			int r;

			snprintf(name, sizeof(name), "%.*s", (int)(eq - a - 9),
				 a + 9);
			if (parse_long("--weight-", eq + 1, 0, 100, &n) < 0)
				return -EINVAL;
			r = sched_profile_set_weight(&o->cfg.profile, name, n);
			if (r < 0) {
				fprintf(stderr,
					"kubefs-sched: %s: %s is not a score "
					"plugin\n",
					a, name);
				return -EINVAL;
			}
		} else {
			fprintf(stderr, "kubefs-sched: unknown flag: %s\n", a);
			return -EINVAL;
		}
	}
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
		say("received %s, stopping",
		    sig == SIGTERM ? "SIGTERM" : "SIGINT");
		request_stop(a);
	}
	return NULL;
}

static void started_leading(void *ud)
{
	struct app *a = ud;
	int r;

	say("became the leader, scheduling");
	r = scheduler_run(a->sched);
	if (r < 0)
		say("scheduling loop failed: %s", strerror(-r));
}

static void stopped_leading(void *ud)
{
	struct app *a = ud;

	scheduler_stop(a->sched);
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

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct app a = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct client *c = NULL;
	pthread_t sig_tid;
	sigset_t set;
	int r;

	r = parse_args(argc, argv, &o);
	if (r != 0) {
		if (r < 0)
			usage(stderr);
		return r > 0 ? 0 : 2;
	}
	o.cfg.log = vlog;

	/* every thread inherits the mask; one thread takes the signals */
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
	pthread_mutex_lock(&a.lock);
	r = scheduler_new(c, &o.cfg, &a.sched);
	if (r == 0 && a.stop)
		scheduler_stop(a.sched);
	pthread_mutex_unlock(&a.lock);
	if (r < 0) {
		say("cannot start the scheduler: %s", strerror(-r));
		client_free(c);
		return 1;
	}
	say("starting: cluster %s, scheduler name %s", o.mount,
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
		say("cannot watch pods and nodes: %s", strerror(-r));
	} else if (!stop_requested(&a)) {
		say("caches synced");
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
		say("exiting: %s", strerror(-r));
		return 1;
	}
	say("stopped");
	return 0;
}
