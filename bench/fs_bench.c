/*
 * fs_bench — kubefs-fs object operations against the same file operations
 * on tmpfs, side by side in one run, printed as ratios.
 *
 *   fs_bench --mount MNT --tmpfs DIR [--objects N] [--list N]
 *            [--watchers N] [--events N] [--writers 1,8,64]
 *            [--baseline W:STORE:FILES,...]
 *
 * MNT is a mounted kubefs (the bench writes ConfigMaps in its
 * core/v1/configmaps/default); DIR is an empty directory on tmpfs.
 * Measures, with 1, 8 and 64 writer threads: create, read (the first
 * read after the create), reread (the same again), replace, delete of
 * small objects; then stat and `ls -l` of N objects; then the
 * latency from a writer's close() call (for kubefs it returns once the
 * write is durable) to the event line read by each of N @watch readers,
 * against the same writes on tmpfs seen by N inotify readers
 * (IN_CLOSE_WRITE). --baseline gives, per writer count, the durable
 * writes/s of the store alone and of fsync'd files measured in the same
 * run (bench/fs-bench.sh passes store_bench's): creates, replaces and
 * deletes are printed against them too.
 *
 * Rates count successful operations only; any failed operation, short
 * listing or undelivered event is reported and makes the exit status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/phase.h"

/* read: the first read after the create; reread: the same files again */
enum op { OP_CREATE, OP_READ, OP_REREAD, OP_REPLACE, OP_DELETE, OP_COUNT };
static const char *const op_names[] = {"create", "read", "reread", "replace",
				       "delete"};

static int object_bytes(char *buf, size_t size, const char *name, int gen)
{
	return snprintf(buf, size,
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
			"  name: %s\n  labels: {app: bench}\n"
			"data:\n  generation: \"%d\"\n  payload: \"%s\"\n",
			name, gen,
			"0123456789abcdef0123456789abcdef0123456789abcdef"
			"0123456789abcdef0123456789abcdef0123456789abcdef");
}

/* Write an object; *ret_t (if given): when close() was called. */
static int do_write_at(const char *path, const char *name, int gen, int flags,
		       double *ret_t)
{
	char buf[1024];
	int n = object_bytes(buf, sizeof(buf), name, gen);
	int fd = open(path, O_WRONLY | flags, 0644);

	if (fd < 0)
		return -1;
	if (write(fd, buf, n) != n) {
		close(fd);
		return -1;
	}
	if (ret_t)
		*ret_t = now();
	return close(fd);
}

static int do_write(const char *path, const char *name, int gen, int flags)
{
	return do_write_at(path, name, gen, flags, NULL);
}

static int do_read(const char *path)
{
	char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return n < 0 ? -1 : 0;
}

static void *run_job(void *arg)
{
	struct job *j = arg;
	char path[4096], name[64];

	for (int i = j->first; i < j->first + j->count; i++) {
		int r;

		snprintf(name, sizeof(name), "b-%d", i);
		snprintf(path, sizeof(path), "%s/%s", j->target, name);
		switch (j->op) {
		case OP_CREATE:
			r = do_write(path, name, 1, O_CREAT | O_EXCL);
			break;
		case OP_READ:
		case OP_REREAD:
			r = do_read(path);
			break;
		case OP_REPLACE:
			r = do_write(path, name, 2, O_TRUNC);
			break;
		default:
			r = unlink(path);
		}
		if (r < 0)
			j->failures++;
	}
	return NULL;
}

/* stat of objects b-0 .. b-(n-1) by name; stats/s. */
static double stat_all(const char *dir, int n, int *count)
{
	double t0 = now();
	char path[4096];
	struct stat st;

	*count = 0;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/b-%d", dir, i);
		if (stat(path, &st) == 0)
			(*count)++;
	}
	return *count / (now() - t0);
}

/* `ls -l`: readdir + lstat of every entry; entries/s. */
static double list_long(const char *dir, int *count)
{
	double t0 = now();
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	struct stat st;

	*count = 0;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0)
			(*count)++;
	}
	closedir(d);
	return *count / (now() - t0);
}

/* ---- watch latency ---- */

struct watcher {
	double *seen; /* per event index: time the reader saw it */
	int events;
	int fd;
	bool inotify; /* fd is an inotify fd, else a @watch stream */
};

static double *write_times;

/* Record event idx (from a name "w-IDX") as seen now; 1 if new. */
static int saw(struct watcher *w, const char *name)
{
	int idx;

	if (strncmp(name, "w-", 2))
		return 0;
	idx = atoi(name + 2);
	if (idx < 0 || idx >= w->events || w->seen[idx] != 0)
		return 0;
	w->seen[idx] = now();
	return 1;
}

/* The events of one read: @watch lines or inotify records. */
static int consume(struct watcher *w, char *buf, size_t *have)
{
	char *line = buf, *nl;
	int got = 0;

	if (w->inotify) {
		for (size_t off = 0; off < *have;) {
			struct inotify_event *ev = (void *)(buf + off);

			if (ev->len && (ev->mask & IN_CLOSE_WRITE))
				got += saw(w, ev->name);
			off += sizeof(*ev) + ev->len;
		}
		*have = 0;
		return got;
	}
	buf[*have] = '\0';
	while ((nl = strchr(line, '\n'))) {
		char *m = strstr(line, "\"name\":\"w-");

		*nl = '\0';
		if (m)
			got += saw(w, m + 8);
		line = nl + 1;
	}
	*have = strlen(line);
	memmove(buf, line, *have);
	return got;
}

static void *watch_reader(void *arg)
{
	struct watcher *w = arg;
	static __thread char buf[1 << 16]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	size_t have = 0;
	int got = 0;

	while (got < w->events) {
		struct pollfd p = {w->fd, POLLIN, 0};
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0)
			break;
		n = read(w->fd, buf + have, sizeof(buf) - have - 1);
		if (n <= 0)
			break;
		have += n;
		got += consume(w, buf, &have);
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct latency {
	double p50_ms, p99_ms;
	size_t delivered, expected;
};

/*
 * Write `events` objects into dir, one at a time, while `watchers`
 * readers (opened by open_reader before the first write) report each.
 */
static int watch_latency(const char *dir, const char *stream, int watchers,
			 int events, struct latency *ret)
{
	char path[8192], name[64];
	struct watcher *w = calloc(watchers, sizeof(*w));
	pthread_t *t = calloc(watchers, sizeof(*t));
	double *lat = calloc((size_t)watchers * events, sizeof(double));
	size_t nlat = 0;

	write_times = calloc(events, sizeof(double));
	for (int i = 0; i < watchers; i++) {
		w[i].events = events;
		w[i].seen = calloc(events, sizeof(double));
		w[i].inotify = !stream;
		if (stream) {
			w[i].fd = open(stream, O_RDONLY);
		} else {
			w[i].fd = inotify_init1(IN_CLOEXEC);
			if (w[i].fd >= 0 &&
			    inotify_add_watch(w[i].fd, dir, IN_CLOSE_WRITE) < 0)
				w[i].fd = -1;
		}
		if (w[i].fd < 0) {
			fprintf(stderr, "reader for %s: %s\n",
				stream ? stream : dir, strerror(errno));
			exit(1);
		}
		pthread_create(&t[i], NULL, watch_reader, &w[i]);
	}
	for (int i = 0; i < events; i++) {
		snprintf(name, sizeof(name), "w-%d", i);
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		do_write_at(path, name, 1, O_CREAT | O_TRUNC, &write_times[i]);
		usleep(2000); /* one event at a time: latency, not backlog */
	}
	for (int i = 0; i < watchers; i++) {
		pthread_join(t[i], NULL);
		close(w[i].fd);
		for (int e = 0; e < events; e++)
			if (w[i].seen[e] > 0)
				lat[nlat++] = w[i].seen[e] - write_times[e];
		free(w[i].seen);
	}
	qsort(lat, nlat, sizeof(double), cmp_double);
	ret->delivered = nlat;
	ret->expected = (size_t)watchers * events;
	ret->p50_ms = nlat ? lat[nlat / 2] * 1e3 : 0;
	ret->p99_ms = nlat ? lat[(size_t)(nlat * 0.99)] * 1e3 : 0;
	for (int i = 0; i < events; i++) {
		snprintf(path, sizeof(path), "%s/w-%d", dir, i);
		unlink(path);
	}
	free(lat);
	free(w);
	free(t);
	free(write_times);
	return nlat == ret->expected ? 0 : -1;
}

/* The current resourceVersion of the cluster (0 if unknown). */
static long current_rv(const char *mnt)
{
	char path[4096], line[256];
	long rv = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/metrics", mnt);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "kubefs_store_resource_version %ld", &rv) == 1)
			break;
	fclose(f);
	return rv;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"mount", required_argument, NULL, 'm'},
	    {"tmpfs", required_argument, NULL, 't'},
	    {"objects", required_argument, NULL, 'n'},
	    {"list", required_argument, NULL, 'l'},
	    {"watchers", required_argument, NULL, 'w'},
	    {"events", required_argument, NULL, 'e'},
	    {"writers", required_argument, NULL, 'W'},
	    {"baseline", required_argument, NULL, 'b'},
	    {"etcd", required_argument, NULL, 'E'},
	    {NULL, 0, NULL, 0},
	};
	const char *mnt = NULL, *tmp = NULL;
	int n = 2000, list_n = 10000, watchers = 100, events = 200, c;
	char kdir[4096];
	int thread_counts[8] = {1, 8, 64}, nthreads = 3, failures = 0;
	/* per writer count: the store's and fsync'd files' writes/s */
	double base_store[8] = {0}, base_files[8] = {0};
	/* per writer count and op: etcd's ops/s from --etcd FILE */
	double etcd[8][OP_COUNT] = {{0}};
	const char *baseline = NULL, *etcd_file = NULL;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mnt = optarg;
			break;
		case 't':
			tmp = optarg;
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 'l':
			list_n = atoi(optarg);
			break;
		case 'w':
			watchers = atoi(optarg);
			break;
		case 'e':
			events = atoi(optarg);
			break;
		case 'W':
			nthreads = 0;
			for (char *p = optarg; *p && nthreads < 8;) {
				int w = (int)strtol(p, &p, 10);

				if (w >= 1 && w <= 64)
					thread_counts[nthreads++] = w;
				p += *p == ',';
				if (*p && (*p < '0' || *p > '9'))
					return 2;
			}
			break;
		case 'b':
			baseline = optarg;
			break;
		case 'E':
			etcd_file = optarg;
			break;
		default:
			return 2;
		}
	}
	if (!mnt || !tmp) {
		fprintf(stderr, "usage: fs_bench --mount MNT --tmpfs DIR "
				"[--objects N] [--list N] [--watchers N] "
				"[--events N] [--writers 1,8,64] "
				"[--baseline W:STORE:FILES,...]\n");
		return 2;
	}
	snprintf(kdir, sizeof(kdir), "%s/core/v1/configmaps/default", mnt);
	for (const char *p = baseline; p && *p;) {
		int w;
		double st, fi;

		if (sscanf(p, "%d:%lf:%lf", &w, &st, &fi) == 3)
			for (int i = 0; i < nthreads; i++)
				if (thread_counts[i] == w) {
					base_store[i] = st;
					base_files[i] = fi;
				}
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}

	if (etcd_file) {
		FILE *f = fopen(etcd_file, "r");
		char line[256], name[32];
		int w, failed;
		double rate;

		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "etcd %31s %d %lf %d", name, &w, &rate,
				   &failed) == 4 &&
			    !failed)
				for (int i = 0; i < nthreads; i++)
					for (int op = 0; op < OP_COUNT; op++)
						if (thread_counts[i] == w &&
						    !strcmp(op_names[op], name))
							etcd[i][op] = rate;
		if (f)
			fclose(f);
	}
	printf("%-8s %7s %12s %12s %7s %12s %7s %12s %12s %7s\n", "op",
	       "writers", "kubefs/s", "tmpfs/s", "ratio", "store/s", "ratio",
	       "fsync'd/s", "etcd/s", "ratio");
	for (int ti = 0; ti < nthreads; ti++) {
		int th = thread_counts[ti];

		for (int op = 0; op < OP_COUNT; op++) {
			int fk = 0, ft = 0;
			double k = run_phase(run_job, kdir, op, n, th, &fk);
			double t = run_phase(run_job, tmp, op, n, th, &ft);

			printf("%-8s %7d %12.0f %12.0f %7.3f", op_names[op], th,
			       k, t, k / t);
			if (op != OP_READ && op != OP_REREAD &&
			    base_store[ti] > 0)
				printf(" %12.0f %7.2f %12.0f", base_store[ti],
				       k / base_store[ti], base_files[ti]);
			else
				printf(" %12s %7s %12s", "", "", "");
			if (etcd[ti][op] > 0)
				printf(" %12.0f %7.2f", etcd[ti][op],
				       k / etcd[ti][op]);
			if (fk || ft)
				printf("  (%d + %d failed)", fk, ft);
			printf("\n");
			failures += fk + ft;
		}
	}

	/* ls -l of list_n objects */
	{
		int fk = 0, ft = 0, ck, ct;
		double k, t;

		run_phase(run_job, kdir, OP_CREATE, list_n, 8, &fk);
		run_phase(run_job, tmp, OP_CREATE, list_n, 8, &ft);
		/* first listing fills caches on both sides; measure the
		 * second, as a user running ls twice would see */
		list_long(kdir, &ck);
		list_long(tmp, &ct);
		k = list_long(kdir, &ck);
		t = list_long(tmp, &ct);
		printf("ls -l of %d objects: kubefs %.0f entries/s, tmpfs %.0f "
		       "entries/s, ratio %.3f\n",
		       ck, k, t, k / t);
		failures += (ck != list_n / 8 * 8) + (ct != list_n / 8 * 8);
		k = stat_all(kdir, list_n / 8 * 8, &ck);
		t = stat_all(tmp, list_n / 8 * 8, &ct);
		printf("stat of %d objects: kubefs %.0f stats/s, tmpfs %.0f "
		       "stats/s, ratio %.3f\n",
		       ck, k, t, k / t);
		run_phase(run_job, kdir, OP_DELETE, list_n, 8, &fk);
		run_phase(run_job, tmp, OP_DELETE, list_n, 8, &ft);
		/* run_phase splits the objects evenly among its threads */
		failures +=
		    fk + ft + (ck != list_n / 8 * 8) + (ct != list_n / 8 * 8);
	}
	/* watch latency: @watch streams vs inotify on tmpfs */
	{
		struct latency lk, lt;
		char q[4200];
		int bad;

		snprintf(q, sizeof(q), "%s/@watch?resourceVersion=%ld", kdir,
			 current_rv(mnt));
		bad = watch_latency(kdir, q, watchers, events, &lk) < 0;
		bad |= watch_latency(tmp, NULL, watchers, events, &lt) < 0;
		printf("watch latency close() call -> event, %d readers x %d "
		       "events:\n"
		       "  kubefs @watch  p50 %.3f ms  p99 %.3f ms  "
		       "(%zu/%zu delivered)\n"
		       "  tmpfs inotify  p50 %.3f ms  p99 %.3f ms  "
		       "(%zu/%zu delivered)\n"
		       "  ratio p50 %.2f  p99 %.2f (kubefs / tmpfs)\n",
		       watchers, events, lk.p50_ms, lk.p99_ms, lk.delivered,
		       lk.expected, lt.p50_ms, lt.p99_ms, lt.delivered,
		       lt.expected, lk.p50_ms / lt.p50_ms,
		       lk.p99_ms / lt.p99_ms);
		failures += bad;
	}
	if (failures) {
		printf("FAILED: %d failed operations or undelivered events\n",
		       failures);
		return 1;
	}
	return 0;
}
