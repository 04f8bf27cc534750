/*
 * story_bench — the seed story at scale, in clusterloader2's load shape:
 * D Deployments of R replicas each (30 pods per node on the caller's
 * fake nodes) created through the mount at a steady pod rate, while a
 * watcher on the pods' @watch stream times each pod from the moment it
 * is first seen (its create by kubefs-ctrl) to the moment it is seen
 * Running: pod startup latency as Kubernetes' SLO counts it (create →
 * Running observed by a watch; no image pulls with fake nodes). Each
 * Deployment create is a mutating API call, timed around client_create()
 * (open, write, close of the object file: what `cp` does).
 *
 *   story_bench --cluster MNT --deployments D --replicas R --rate PODS_S
 *               [--timeout S]
 *   story_bench --cluster MNT --baseline N --rate WRITES_S
 *
 * --baseline: N ConfigMaps of the Deployments' size written at the
 * same rate, with nothing else going on: the write latency of the idle
 * API server, printed as baseline_p50_ms and baseline_p99_ms.
 *
 * Prints one line of key=value:
 *   deployments=D pods=N create_s=X running_s=Y write_p50_ms write_p99_ms
 *   startup_p50_ms startup_p99_ms
 * and exits 1 if not every pod was Running within the timeout.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/kinds.h"
#include "api/strmap.h"
#include "client/client.h"
#include "client/watch.h"

#define NS "default"

struct pod_t {
	double seen, running;
};

struct bench {
	struct client *c;
	const struct kind_info *pods, *deps;
	pthread_mutex_t lock;
	struct strmap seen; /* pod name -> struct pod_t */
	size_t n_running, want;
	bool stop;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, int r, const struct kf_error *err)
{
	fprintf(stderr, "story_bench: %s: %s\n", what,
		err && err->msg[0] ? err->msg : strerror(-r));
	exit(1);
}

static bool is_running(const json_t *pod)
{
	const json_t *st = json_object_get(pod, "status");
	const char *phase = json_string_value(json_object_get(st, "phase"));

	return phase && !strcmp(phase, "Running");
}

static void *watcher(void *arg)
{
	struct bench *b = arg;
	struct kf_error err;
	struct watch *w;
	int r;

	kf_error_init(&err);
	r = watch_open(b->c, b->pods, NS, NULL, &err, &w);
	if (r < 0)
		die("watch pods", r, &err);
	for (;;) {
		struct watch_event ev = {0};
		const char *name;
		struct pod_t *p;
		double t;

		pthread_mutex_lock(&b->lock);
		if (b->stop) {
			pthread_mutex_unlock(&b->lock);
			break;
		}
		pthread_mutex_unlock(&b->lock);
		r = watch_next(w, 200, &ev);
		if (r == -ETIMEDOUT || r == -EBADMSG || r == -EINTR)
			continue;
		if (r < 0)
			die("watch", r, NULL);
		t = now();
		name = json_string_value(json_object_get(
		    json_object_get(ev.object, "metadata"), "name"));
		if ((ev.type != WATCH_ADDED && ev.type != WATCH_MODIFIED) ||
		    !name) {
			watch_event_release(&ev);
			continue;
		}
		pthread_mutex_lock(&b->lock);
		p = strmap_get(&b->seen, name);
		if (!p) {
			p = calloc(1, sizeof(*p));
			if (!p || strmap_put(&b->seen, name, p) < 0)
				die("memory", -ENOMEM, NULL);
			p->seen = t;
		}
		if (!p->running && is_running(ev.object)) {
			p->running = t;
			b->n_running++;
		}
		pthread_mutex_unlock(&b->lock);
		watch_event_release(&ev);
	}
	watch_close(w);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);

	return n ? v[i < n ? i : n - 1] : 0;
}

static json_t *deployment(unsigned i, unsigned replicas)
{
	char name[32], app[40];

	snprintf(name, sizeof(name), "load-%u", i);
	snprintf(app, sizeof(app), "load-%u", i);
	return json_pack(
	    "{s:s, s:s, s:{s:s}, s:{s:i, s:{s:{s:s}}, s:{s:{s:{s:s}}, "
	    "s:{s:[{s:s, s:s, s:{s:{s:s, s:s}}, s:[{s:i}]}]}}}}",
	    "apiVersion", "apps/v1", "kind", "Deployment", "metadata", "name",
	    name, "spec", "replicas", (int)replicas, "selector", "matchLabels",
	    "app", app, "template", "metadata", "labels", "app", app, "spec",
	    "containers", "name", "leader", "image", "kubefs-httpd:1",
	    "resources", "requests", "cpu", "10m", "memory", "10Mi", "ports",
	    "containerPort", 80);
}

/* N ConfigMaps holding a Deployment's JSON, at rate writes/s. */
static int baseline(struct client *c, unsigned n, double rate)
{
	const struct kind_info *k = kinds_by_path("core", "v1", "configmaps");
	double *wl = calloc(n, sizeof(*wl)), t0 = now();

	if (!wl)
		die("memory", -ENOMEM, NULL);
	for (unsigned i = 0; i < n; i++) {
		double due = t0 + (double)i / rate, t;
		json_t *dep = deployment(i, 30);
		char *text = json_dumps(dep, JSON_COMPACT), name[32];
		json_t *obj;
		struct kf_error err;
		int r;

		snprintf(name, sizeof(name), "base-%u", i);
		obj = json_pack("{s:s, s:s, s:{s:s}, s:{s:s}}", "apiVersion",
				"v1", "kind", "ConfigMap", "metadata", "name",
				name, "data", "deployment", text ? text : "");
		while ((t = now()) < due)
			usleep((useconds_t)((due - t) * 1e6) + 1);
		kf_error_init(&err);
		t = now();
		r = client_create(c, k, NS, obj, &err, NULL);
		wl[i] = (now() - t) * 1000;
		json_decref(obj);
		json_decref(dep);
		free(text);
		if (r < 0)
			die("create configmap", r, &err);
	}
	qsort(wl, n, sizeof(*wl), cmp_double);
	printf("baseline_writes=%u baseline_p50_ms=%.2f baseline_p99_ms=%.2f\n",
	       n, pct(wl, n, 0.5), pct(wl, n, 0.99));
	free(wl);
	client_free(c);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"cluster", required_argument, NULL, 'c'},
	    {"deployments", required_argument, NULL, 'd'},
	    {"replicas", required_argument, NULL, 'r'},
	    {"rate", required_argument, NULL, 'q'},
	    {"timeout", required_argument, NULL, 't'},
	    {"baseline", required_argument, NULL, 'b'},
	    {NULL, 0, NULL, 0},
	};
	struct bench b = {.lock = PTHREAD_MUTEX_INITIALIZER};
	const char *mount = NULL;
	unsigned d = 100, reps = 30, base = 0;
	double rate = 100, timeout = 600, t0, t_created, t_end;
	double *wl, *sl;
	size_t n_sl = 0, iter = 0;
	const char *key;
	void *val;
	pthread_t th;
	int o, r;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			mount = optarg;
			break;
		case 'd':
			d = (unsigned)atoi(optarg);
			break;
		case 'r':
			reps = (unsigned)atoi(optarg);
			break;
		case 'q':
			rate = atof(optarg);
			break;
		case 't':
			timeout = atof(optarg);
			break;
		case 'b':
			base = (unsigned)atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: story_bench --cluster MNT "
					"--deployments D --replicas R --rate "
					"PODS_PER_S [--timeout S]\n");
			return 2;
		}
	}
	if (!mount || !d || !reps || rate <= 0)
		return 2;
	r = client_new(mount, &b.c);
	if (r < 0)
		die("client", r, NULL);
	if (base)
		return baseline(b.c, base, rate);
	b.pods = kinds_by_path("core", "v1", "pods");
	b.deps = kinds_by_path("apps", "v1", "deployments");
	strmap_init(&b.seen);
	b.want = (size_t)d * reps;
	wl = calloc(d, sizeof(*wl));
	sl = calloc(b.want + 1, sizeof(*sl));
	if (!wl || !sl)
		die("memory", -ENOMEM, NULL);
	if (pthread_create(&th, NULL, watcher, &b))
		die("thread", -EAGAIN, NULL);
	usleep(200000); /* the watch is open */

	t0 = now();
	for (unsigned i = 0; i < d; i++) {
		/* steady: Deployment i (R pods) is due at i * R / rate */
		double due = t0 + (double)i * reps / rate, t;
		json_t *obj = deployment(i, reps);
		struct kf_error err;

		while ((t = now()) < due)
			usleep((useconds_t)((due - t) * 1e6) + 1);
		kf_error_init(&err);
		t = now();
		r = client_create(b.c, b.deps, NS, obj, &err, NULL);
		wl[i] = (now() - t) * 1000;
		json_decref(obj);
		if (r < 0)
			die("create deployment", r, &err);
	}
	t_created = now();
	for (;;) {
		size_t n;

		pthread_mutex_lock(&b.lock);
		n = b.n_running;
		pthread_mutex_unlock(&b.lock);
		if (n >= b.want)
			break;
		if (now() - t0 > timeout) {
			fprintf(stderr,
				"story_bench: %zu of %zu pods Running "
				"after %.0f s\n",
				n, b.want, timeout);
			return 1;
		}
		usleep(50000);
	}
	t_end = now();
	pthread_mutex_lock(&b.lock);
	b.stop = true;
	pthread_mutex_unlock(&b.lock);
	pthread_join(th, NULL);
	while (strmap_next(&b.seen, &iter, &key, &val)) {
		struct pod_t *p = val;

		if (p->running && n_sl < b.want + 1)
			sl[n_sl++] = (p->running - p->seen) * 1000;
	}
	qsort(wl, d, sizeof(*wl), cmp_double);
	qsort(sl, n_sl, sizeof(*sl), cmp_double);
	printf("deployments=%u pods=%zu create_s=%.1f running_s=%.1f "
	       "write_p50_ms=%.2f write_p99_ms=%.2f startup_p50_ms=%.0f "
	       "startup_p99_ms=%.0f\n",
	       d, n_sl, t_created - t0, t_end - t0, pct(wl, d, 0.5),
	       pct(wl, d, 0.99), pct(sl, n_sl, 0.5), pct(sl, n_sl, 0.99));
	iter = 0;
	while (strmap_next(&b.seen, &iter, &key, &val))
		free(val);
	strmap_release(&b.seen);
	free(wl);
	free(sl);
	client_free(b.c);
	return 0;
}
