/*
 * sched_bench — scheduler throughput and latency in the shape of
 * kube-scheduler's scheduler_perf SchedulingBasic: N fake Node objects,
 * then M pods created as fast as the creators can write them; each pod's
 * latency runs from just before its create() to the moment the watch
 * shows it bound.
 *
 *   sched_bench --cluster MNT --nodes N --pods M --mode sched|rr|framework
 *               [--backlog] [--sched PATH] [--sched-log FILE]
 *               [--threads T] [--binders B]
 *
 * --mode sched  starts PATH (kubefs-sched) on MNT and lets it bind;
 * --mode rr     the baseline: the bench binds each pod itself, round
 *               robin over the nodes, through the same NAME@binding file,
 *               with B binding threads (as many as kubefs-sched uses) —
 *               so the difference is the scheduler's own cost.
 * --mode framework
 *               the decisions alone (sched_schedule() in this process,
 *               no mount, no I/O): the scheduler's CPU ceiling.
 * --backlog     holds the binder (kubefs-sched is SIGSTOPped, the rr
 *               threads wait) while all M pods are created, then lets it
 *               go: throughput and latencies count from that moment, so
 *               they measure the binder alone, not the creation rate.
 * Prints one line:
 *   mode=sched nodes=N pods=M pods_per_s=X p50_ms=Y p99_ms=Z
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/kinds.h"
#include "client/client.h"
#include "client/watch.h"
#include "sched/framework.h"

#define NS "bench"
#define TIMEOUT_S 600

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct bench {
	struct client *c;
	const struct kind_info *pods, *nodes;
	int n_nodes, n_pods, threads, binders;
	bool rr;
	double *created; /* per pod, 0 until written */
	double *bound;	 /* per pod, 0 until seen bound */
	bool *queued;	 /* rr: handed to a binder */
	int n_bound;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* rr binding queue (pod indices) */
	int *bq;
	int bq_head, bq_tail, bq_len;
	unsigned next_node;
	bool stop;
	bool hold; /* rr backlog: binders wait until the pods exist */
	int failures;
};

static void die(const char *what, int r, const struct kf_error *err)
{
	fprintf(stderr, "sched_bench: %s: %s\n", what,
		err && err->code ? err->msg : strerror(-r));
	exit(1);
}

static int pod_index(const char *name)
{
	/* "pod-%06d", "warmup" is -1 */
	if (strncmp(name, "pod-", 4) != 0)
		return -1;
	return atoi(name + 4);
}

static json_t *node_obj(int i)
{
	char name[32];

	snprintf(name, sizeof(name), "node-%05d", i);
	return json_pack(
	    "{s:s, s:s, s:{s:s, s:{s:s}}, s:{}, s:{s:{s:s, s:s, s:s}, "
	    "s:{s:s, s:s, s:s}, s:[{s:s, s:s}]}}",
	    "apiVersion", "v1", "kind", "Node", "metadata", "name", name,
	    "labels", "kubernetes.io/hostname", name, "spec", "status",
	    "capacity", "cpu", "32", "memory", "128Gi", "pods", "110",
	    "allocatable", "cpu", "32", "memory", "128Gi", "pods", "110",
	    "conditions", "type", "Ready", "status", "True");
}

static json_t *pod_obj(const char *name, bool rr)
{
	return json_pack(
	    "{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:[{s:s, s:s, s:{s:{s:s, "
	    "s:s}}}]}}",
	    "apiVersion", "v1", "kind", "Pod", "metadata", "name", name,
	    "namespace", NS, "spec", "schedulerName",
	    rr ? "bench-round-robin" : "default-scheduler", "containers",
	    "name", "c", "image", "registry.k8s.io/pause:3.9", "resources",
	    "requests", "cpu", "100m", "memory", "128Mi");
}

struct range {
	struct bench *b;
	int first, count;
	bool pods;
};

static void *create_range(void *arg)
{
	struct range *r = arg;
	struct bench *b = r->b;
	char name[32];

	for (int i = r->first; i < r->first + r->count; i++) {
		struct kf_error err;
		json_t *obj;
		int rc;

		kf_error_init(&err);
		if (r->pods) {
			snprintf(name, sizeof(name), "pod-%06d", i);
			obj = pod_obj(name, b->rr);
			pthread_mutex_lock(&b->lock);
			b->created[i] = now();
			pthread_mutex_unlock(&b->lock);
			rc = client_create(b->c, b->pods, NS, obj, &err, NULL);
		} else {
			obj = node_obj(i);
			rc = client_create(b->c, b->nodes, NULL, obj, &err,
					   NULL);
		}
		json_decref(obj);
		if (rc < 0 && rc != -EEXIST)
			die(r->pods ? "create pod" : "create node", rc, &err);
	}
	return NULL;
}

static void run_parallel(struct bench *b, int n, bool pods)
{
	pthread_t tid[64];
	struct range r[64];
	int t = b->threads, per = (n + t - 1) / t;

	for (int i = 0; i < t; i++) {
		r[i].b = b;
		r[i].first = i * per;
		r[i].count =
		    i * per >= n ? 0 : (i * per + per > n ? n - i * per : per);
		r[i].pods = pods;
		pthread_create(&tid[i], NULL, create_range, &r[i]);
	}
	for (int i = 0; i < t; i++)
		pthread_join(tid[i], NULL);
}

static void *binder(void *arg)
{
	struct bench *b = arg;
	char name[32], node[32];

	for (;;) {
		struct kf_error err;
		int i, rc;

		pthread_mutex_lock(&b->lock);
		while ((!b->bq_len || b->hold) && !b->stop)
			pthread_cond_wait(&b->cond, &b->lock);
		if (b->stop) {
			pthread_mutex_unlock(&b->lock);
			return NULL;
		}
		i = b->bq[b->bq_head];
		b->bq_head = (b->bq_head + 1) % (b->n_pods + 1);
		b->bq_len--;
		snprintf(node, sizeof(node), "node-%05u",
			 b->next_node++ % (unsigned)b->n_nodes);
		pthread_mutex_unlock(&b->lock);
		if (i < 0)
			snprintf(name, sizeof(name), "warmup");
		else
			snprintf(name, sizeof(name), "pod-%06d", i);
		kf_error_init(&err);
		rc = client_bind(b->c, NS, name, node, &err);
		if (rc < 0 && rc != -EEXIST) {
			pthread_mutex_lock(&b->lock);
			b->failures++;
			pthread_mutex_unlock(&b->lock);
		}
	}
}

static bool warm_bound, warm_queued;

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
		const json_t *meta, *spec;
		const char *name, *node;
		int i;

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
		if (ev.type != WATCH_ADDED && ev.type != WATCH_MODIFIED) {
			watch_event_release(&ev);
			continue;
		}
		meta = json_object_get(ev.object, "metadata");
		spec = json_object_get(ev.object, "spec");
		name = json_string_value(json_object_get(meta, "name"));
		node = json_string_value(json_object_get(spec, "nodeName"));
		i = name ? pod_index(name) : -2;
		pthread_mutex_lock(&b->lock);
		if (i >= b->n_pods || i < -1 || !name) {
			/* not ours */
		} else if (node && *node) {
			if (i == -1)
				warm_bound = true;
			else if (b->bound[i] == 0) {
				b->bound[i] = now();
				b->n_bound++;
			}
			pthread_cond_broadcast(&b->cond);
		} else if (b->rr && (i == -1 ? !warm_queued : !b->queued[i])) {
			if (i >= 0)
				b->queued[i] = true;
			else
				warm_queued = true;
			b->bq[b->bq_tail] = i;
			b->bq_tail = (b->bq_tail + 1) % (b->n_pods + 1);
			b->bq_len++;
			pthread_cond_broadcast(&b->cond);
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

static pid_t start_scheduler(const char *path, const char *mount,
			     const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log ? log : "/dev/null",
			      O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(path, path, "--cluster", mount, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void usage(void)
{
	fprintf(stderr, "usage: sched_bench --cluster MNT --nodes N --pods M "
			"--mode sched|rr|framework\n"
			"                   [--backlog] [--sched PATH] "
			"[--sched-log FILE] [--threads T] [--binders B]\n");
	exit(2);
}

/*
 * --mode framework: the decisions alone, in this process, no mount: the
 * same N nodes and M pods through sched_schedule(), each pod accounted on
 * its node as the cache would assume it. The scheduler's CPU ceiling.
 */
static int run_framework(int n_nodes, int n_pods)
{
	struct sched_node **nodes = calloc(n_nodes, sizeof(*nodes));
	double *lat = calloc(n_pods, sizeof(double)), t0, t1;
	struct sched_pod **pods = calloc(n_pods, sizeof(*pods));
	struct sched_profile prof;
	struct kf_error err;
	char name[32];

	if (!nodes || !lat || !pods)
		die("memory", -ENOMEM, NULL);
	kf_error_init(&err);
	for (int i = 0; i < n_nodes; i++) {
		json_t *obj = node_obj(i);

		snprintf(name, sizeof(name), "node-%05d", i);
		if (sched_node_new(name, &nodes[i]) < 0 ||
		    sched_node_set(nodes[i], obj, &err) < 0)
			die("node", -EINVAL, &err);
		json_decref(obj);
	}
	for (int i = 0; i < n_pods; i++) {
		json_t *obj;

		snprintf(name, sizeof(name), "pod-%06d", i);
		obj = pod_obj(name, false);
		if (sched_pod_new(obj, &err, &pods[i]) < 0)
			die("pod", -EINVAL, &err);
		json_decref(obj);
	}
	sched_profile_init(&prof);
	t0 = now();
	for (int i = 0; i < n_pods; i++) {
		struct sched_diagnosis d;
		double t = now();
		size_t idx;

		sched_diagnosis_init(&d);
		if (sched_schedule(&prof, pods[i], nodes, n_nodes, &d, &idx) <
			0 ||
		    sched_node_add_pod(nodes[idx], pods[i]) < 0)
			die("schedule", -EINVAL, NULL);
		sched_diagnosis_release(&d);
		lat[i] = (now() - t) * 1000;
	}
	t1 = now();
	qsort(lat, n_pods, sizeof(double), cmp_double);
	printf("mode=framework nodes=%d pods=%d pods_per_s=%.1f p50_ms=%.3f "
	       "p99_ms=%.3f bind_failures=0\n",
	       n_nodes, n_pods, n_pods / (t1 - t0), lat[n_pods / 2],
	       lat[(n_pods * 99) / 100]);
	for (int i = 0; i < n_nodes; i++)
		sched_node_free(nodes[i]);
	for (int i = 0; i < n_pods; i++)
		sched_pod_unref(pods[i]);
	free(nodes);
	free(pods);
	free(lat);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"cluster", required_argument, NULL, 'c'},
	    {"nodes", required_argument, NULL, 'n'},
	    {"pods", required_argument, NULL, 'p'},
	    {"mode", required_argument, NULL, 'm'},
	    {"sched", required_argument, NULL, 's'},
	    {"sched-log", required_argument, NULL, 'l'},
	    {"threads", required_argument, NULL, 't'},
	    {"binders", required_argument, NULL, 'b'},
	    {"backlog", no_argument, NULL, 'B'},
	    {NULL, 0, NULL, 0},
	};
	struct bench b = {.threads = 8, .binders = 16};
	const char *mount = NULL, *mode = NULL, *sched = NULL, *log = NULL;
	pthread_t wtid, btid[64];
	struct kf_error err;
	pid_t spid = 0;
	double t0, t_go = 0, start = 0, end = 0, *lat;
	bool backlog = false;
	int opt, r, n_lat = 0;
	json_t *obj;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			mount = optarg;
			break;
		case 'n':
			b.n_nodes = atoi(optarg);
			break;
		case 'p':
			b.n_pods = atoi(optarg);
			break;
		case 'm':
			mode = optarg;
			break;
		case 's':
			sched = optarg;
			break;
		case 'l':
			log = optarg;
			break;
		case 't':
			b.threads = atoi(optarg);
			break;
		case 'B':
			backlog = true;
			break;
		case 'b':
			b.binders = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (mode && strcmp(mode, "framework") == 0 && b.n_nodes > 0 &&
	    b.n_pods > 0)
		return run_framework(b.n_nodes, b.n_pods);
	if (!mount || !mode || b.n_nodes <= 0 || b.n_pods <= 0 ||
	    b.threads < 1 || b.threads > 64 || b.binders < 1 || b.binders > 64)
		usage();
	b.rr = strcmp(mode, "rr") == 0;
	if (!b.rr && (strcmp(mode, "sched") != 0 || !sched))
		usage();
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&b.lock, NULL);
	pthread_cond_init(&b.cond, NULL);
	b.created = calloc(b.n_pods, sizeof(double));
	b.bound = calloc(b.n_pods, sizeof(double));
	b.queued = calloc(b.n_pods, sizeof(bool));
	b.bq = calloc(b.n_pods + 1, sizeof(int));
	lat = calloc(b.n_pods, sizeof(double));
	if (!b.created || !b.bound || !b.queued || !b.bq || !lat)
		die("memory", -ENOMEM, NULL);

	r = client_new(mount, &b.c);
	if (r < 0)
		die(mount, r, NULL);
	b.pods = kinds_by_path("core", "v1", "pods");
	b.nodes = kinds_by_path("core", "v1", "nodes");
	if (!b.pods || !b.nodes)
		die("kinds", -ENOTSUP, NULL);
	kf_error_init(&err);
	obj = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind",
			"Namespace", "metadata", "name", NS);
	r = client_create(b.c, kinds_by_path("core", "v1", "namespaces"), NULL,
			  obj, &err, NULL);
	json_decref(obj);
	if (r < 0 && r != -EEXIST)
		die("create namespace", r, &err);

	t0 = now();
	run_parallel(&b, b.n_nodes, false);
	fprintf(stderr, "sched_bench: %d nodes written in %.1f s\n", b.n_nodes,
		now() - t0);

	pthread_create(&wtid, NULL, watcher, &b);
	if (b.rr) {
		for (int i = 0; i < b.binders; i++)
			pthread_create(&btid[i], NULL, binder, &b);
	} else {
		spid = start_scheduler(sched, mount, log);
		if (spid < 0)
			die("fork", -errno, NULL);
	}
	/* warm up: one pod bound end to end before measuring */
	obj = pod_obj("warmup", b.rr);
	r = client_create(b.c, b.pods, NS, obj, &err, NULL);
	json_decref(obj);
	if (r < 0 && r != -EEXIST)
		die("create warm-up pod", r, &err);
	pthread_mutex_lock(&b.lock);
	t0 = now();
	while (!warm_bound && now() - t0 < TIMEOUT_S) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&b.cond, &b.lock, &ts);
	}
	pthread_mutex_unlock(&b.lock);
	if (!warm_bound)
		die("warm-up pod never bound", -ETIMEDOUT, NULL);

	/* backlog: the binder is held while every pod is created, then let
	 * go; the clock starts then */
	if (backlog && b.rr) {
		pthread_mutex_lock(&b.lock);
		b.hold = true;
		pthread_mutex_unlock(&b.lock);
	} else if (backlog) {
		kill(spid, SIGSTOP);
	}
	run_parallel(&b, b.n_pods, true);
	if (backlog) {
		/* every pod is in the stream before the binder resumes */
		pthread_mutex_lock(&b.lock);
		t_go = now();
		b.hold = false;
		pthread_cond_broadcast(&b.cond);
		pthread_mutex_unlock(&b.lock);
		if (!b.rr)
			kill(spid, SIGCONT);
	}
	pthread_mutex_lock(&b.lock);
	t0 = now();
	while (b.n_bound < b.n_pods && now() - t0 < TIMEOUT_S) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&b.cond, &b.lock, &ts);
	}
	b.stop = true;
	pthread_cond_broadcast(&b.cond);
	pthread_mutex_unlock(&b.lock);
	pthread_join(wtid, NULL);
	if (b.rr)
		for (int i = 0; i < b.binders; i++)
			pthread_join(btid[i], NULL);
	if (spid > 0) {
		kill(spid, SIGTERM);
		waitpid(spid, NULL, 0);
	}

	for (int i = 0; i < b.n_pods; i++) {
		if (!b.bound[i])
			continue;
		if (backlog)
			start = t_go;
		else if (!start || b.created[i] < start)
			start = b.created[i];
		if (b.bound[i] > end)
			end = b.bound[i];
		lat[n_lat++] =
		    (b.bound[i] - (backlog ? t_go : b.created[i])) * 1000;
	}
	if (n_lat < b.n_pods) {
		fprintf(stderr, "sched_bench: only %d of %d pods bound\n",
			n_lat, b.n_pods);
		return 1;
	}
	qsort(lat, n_lat, sizeof(double), cmp_double);
	printf("mode=%s nodes=%d pods=%d pods_per_s=%.1f p50_ms=%.1f "
	       "p99_ms=%.1f bind_failures=%d\n",
	       b.rr ? (backlog ? "rr-backlog" : "rr")
		    : (backlog ? "sched-backlog" : "sched"),
	       b.n_nodes, b.n_pods, n_lat / (end - start), lat[n_lat / 2],
	       lat[(n_lat * 99) / 100 < n_lat ? (n_lat * 99) / 100 : n_lat - 1],
	       b.failures);
	client_free(b.c);
	return 0;
}
