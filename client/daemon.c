/*
 * daemon.c — signals, cache sync and leader election wiring shared by
 * the control-plane daemons (see daemon.h).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/daemon.h"
#include "client/leader.h"

static void say(struct kdaemon *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(struct kdaemon *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->log)
		return;
	va_start(ap, fmt);
	d->log(d->log_ud, fmt, ap);
	va_end(ap);
}

void kdaemon_init(struct kdaemon *d,
		  void (*log)(void *ud, const char *fmt, va_list ap),
		  void *log_ud)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	d->log = log;
	d->log_ud = log_ud;
}

void kdaemon_stop(struct kdaemon *d)
{
	pthread_mutex_lock(&d->lock);
	d->stop = true;
	if (d->work)
		d->work->stop(d->work->ud);
	if (d->leader)
		leader_stop(d->leader);
	pthread_mutex_unlock(&d->lock);
}

bool kdaemon_stopping(struct kdaemon *d)
{
	bool stop;

	pthread_mutex_lock(&d->lock);
	stop = d->stop;
	pthread_mutex_unlock(&d->lock);
	return stop;
}

void kdaemon_set_work(struct kdaemon *d, const struct kdaemon_work *work)
{
	pthread_mutex_lock(&d->lock);
	d->work = work;
	if (work && d->stop)
		work->stop(work->ud);
	pthread_mutex_unlock(&d->lock);
}

static void *signal_thread(void *arg)
{
	struct kdaemon *d = arg;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigwait(&set, &sig) == 0) {
		say(d, "received %s, stopping",
		    sig == SIGTERM ? "SIGTERM" : "SIGINT");
		kdaemon_stop(d);
	}
	return NULL;
}

int kdaemon_handle_signals(struct kdaemon *d)
{
	pthread_t tid;
	sigset_t set;
	int r;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	r = -pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (r < 0)
		return r;
	signal(SIGPIPE, SIG_IGN);
	r = -pthread_create(&tid, NULL, signal_thread, d);
	if (r < 0)
		return r;
	pthread_detach(tid);
	return 0;
}

int kdaemon_wait_synced(struct kdaemon *d, int (*wait)(void *ud, int ms),
			void *ud)
{
	int r = 0;

	while (!kdaemon_stopping(d)) {
		r = wait(ud, 1000);
		if (r != -ETIMEDOUT)
			return r;
	}
	return 0;
}

static void started_leading(void *ud)
{
	struct kdaemon *d = ud;
	int r;

	say(d, "became the leader");
	r = d->work->run(d->work->ud);
	if (r < 0)
		say(d, "the leader's work failed: %s", strerror(-r));
}

static void stopped_leading(void *ud)
{
	struct kdaemon *d = ud;

	d->work->stop(d->work->ud);
}

static void new_leader(void *ud, const char *identity)
{
	say(ud, "new leader elected: %s", identity);
}

/* The Lease lives in a namespace (kube-system); make sure it exists. */
static void ensure_namespace(struct kdaemon *d, struct client *c,
			     const char *ns)
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
		say(d, "cannot create namespace %s: %s", ns,
		    err.code ? err.msg : strerror(-r));
	json_decref(obj);
}

static int run_elected(struct kdaemon *d, struct client *c,
		       const struct kdaemon_lease *lease)
{
	struct leader_config lc = {0};
	struct kf_error err;
	char identity[300], host[256] = "";
	int r;

	ensure_namespace(d, c, lease->ns);
	gethostname(host, sizeof(host) - 1);
	snprintf(identity, sizeof(identity), "%s_%ld", *host ? host : "host",
		 (long)getpid());
	lc.ns = lease->ns;
	lc.name = lease->name;
	lc.identity = identity;
	lc.started_leading = started_leading;
	lc.stopped_leading = stopped_leading;
	lc.new_leader = new_leader;
	lc.ud = d;
	kf_error_init(&err);
	pthread_mutex_lock(&d->lock);
	r = d->stop ? -ECANCELED : leader_new(c, &lc, &err, &d->leader);
	pthread_mutex_unlock(&d->lock);
	if (r == -ECANCELED)
		return 0;
	if (r < 0) {
		say(d, "leader election: %s",
		    err.code ? err.msg : strerror(-r));
		return r;
	}
	say(d, "attempting to acquire leader lease %s/%s as %s", lease->ns,
	    lease->name, identity);
	r = leader_run(d->leader);
	if (r == -ENOLCK)
		say(d, "leaderelection lost");
	pthread_mutex_lock(&d->lock);
	leader_free(d->leader);
	d->leader = NULL;
	pthread_mutex_unlock(&d->lock);
	return r;
}

int kdaemon_run(struct kdaemon *d, struct client *c,
		const struct kdaemon_lease *lease)
{
	if (!d->work)
		return -EINVAL;
	if (lease)
		return run_elected(d, c, lease);
	return d->work->run(d->work->ud);
}

int kdaemon_act_as(char **argv, const char *user, const char *groups)
{
	char self[PATH_MAX];
	ssize_t n;

	if (geteuid() != 0 || getenv(KDAEMON_ENV_AS))
		return 0;
	/* the binary's own path, not /proc/self/exe: the command name
	 * (comm) that liveness checks compare comes from it */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	self[n] = '\0';
	if (setenv(KDAEMON_ENV_AS, user, 1) < 0 ||
	    setenv(KDAEMON_ENV_AS_GROUPS, groups ? groups : "", 1) < 0)
		return -errno;
	execv(self, argv);
	return -errno;
}

int kdaemon_cluster(const char *prog, const char **mount)
{
	if (!*mount)
		*mount = getenv("KUBEFS_MOUNT");
	if (!*mount || !**mount) {
		fprintf(stderr, "%s: --cluster is required\n", prog);
		return -EINVAL;
	}
	return 0;
}
