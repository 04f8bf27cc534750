/*
 * fs_bench — kubefs-fs object operations against the same file operations
 * on tmpfs, side by side in one run, printed as ratios.
 *
 *   fs_bench --mount MNT --tmpfs DIR [--objects N] [--list N]
 *            [--watchers N] [--events N]
 *
 * MNT is a mounted kubefs (the bench writes ConfigMaps in its
 * core/v1/configmaps/default); DIR is an empty directory on tmpfs.
 * Measures, with 1 and 8 writer threads: create, read, replace, delete of
 * small objects; then `ls -l` of N objects; then the latency from a
 * writer's close() to the event line read by each of N @watch readers.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

enum op { OP_CREATE, OP_READ, OP_REPLACE, OP_DELETE, OP_COUNT };
static const char *const op_names[] = {"create", "read", "replace", "delete"};

struct job {
	const char *dir;
	int first, count;
	enum op op;
	int failures;
};

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

static int do_write(const char *path, const char *name, int gen, int flags)
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
	return close(fd);
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
		snprintf(path, sizeof(path), "%s/%s", j->dir, name);
		switch (j->op) {
		case OP_CREATE:
			r = do_write(path, name, 1, O_CREAT | O_EXCL);
			break;
		case OP_READ:
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

/* ops/s for op over n objects split among threads. */
static double run_phase(const char *dir, enum op op, int n, int threads,
			int *failures)
{
	pthread_t t[64];
	struct job jobs[64];
	double t0 = now(), dt;

	for (int i = 0; i < threads; i++) {
		jobs[i] =
		    (struct job){dir, i * (n / threads), n / threads, op, 0};
		pthread_create(&t[i], NULL, run_job, &jobs[i]);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		*failures += jobs[i].failures;
	}
	dt = now() - t0;
	return (n / threads) * threads / dt;
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
	const char *path;
	double *seen; /* per event index: time the line was read */
	int events;
	int fd;
};

static double *write_times;

static void *watch_reader(void *arg)
{
	struct watcher *w = arg;
	char buf[1 << 16];
	size_t have = 0;
	int got = 0;

	while (got < w->events) {
		struct pollfd p = {w->fd, POLLIN, 0};
		ssize_t n;
		char *line, *nl;

		if (poll(&p, 1, 10000) <= 0)
			break;
		n = read(w->fd, buf + have, sizeof(buf) - have - 1);
		if (n <= 0)
			break;
		have += n;
		buf[have] = '\0';
		line = buf;
		while ((nl = strchr(line, '\n'))) {
			char *m = strstr(line, "\"name\":\"w-");
			double t = now();

			*nl = '\0';
			if (m) {
				int idx = atoi(m + 10);

				if (idx >= 0 && idx < w->events &&
				    w->seen[idx] == 0) {
					w->seen[idx] = t;
					got++;
				}
			}
			line = nl + 1;
		}
		have = strlen(line);
		memmove(buf, line, have);
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void watch_latency(const char *mnt, int watchers, int events)
{
	char dir[4096], path[8192], name[64], q[4200];
	struct watcher *w = calloc(watchers, sizeof(*w));
	pthread_t *t = calloc(watchers, sizeof(*t));
	double *lat = calloc((size_t)watchers * events, sizeof(double));
	size_t nlat = 0;
	long rv = 0;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/core/v1/configmaps/default", mnt);
	/* current rv: watch from now on */
	snprintf(path, sizeof(path), "%s/metrics", mnt);
	f = fopen(path, "r");
	if (f) {
		char line[256];

		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "kubefs_store_resource_version %ld",
				   &rv) == 1)
				break;
		fclose(f);
	}
	snprintf(q, sizeof(q), "%s/@watch?resourceVersion=%ld", dir, rv);
	write_times = calloc(events, sizeof(double));
	for (int i = 0; i < watchers; i++) {
		w[i].path = q;
		w[i].events = events;
		w[i].seen = calloc(events, sizeof(double));
		w[i].fd = open(q, O_RDONLY);
		if (w[i].fd < 0) {
			fprintf(stderr, "open %s: %s\n", q, strerror(errno));
			exit(1);
		}
		pthread_create(&t[i], NULL, watch_reader, &w[i]);
	}
	usleep(200000);
	for (int i = 0; i < events; i++) {
		snprintf(name, sizeof(name), "w-%d", i);
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		do_write(path, name, 1, O_CREAT | O_TRUNC);
		write_times[i] = now();
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
	if (nlat)
		printf("watch latency close()->line  %d readers x %d events: "
		       "p50 %.3f ms  p99 %.3f ms  (%zu/%zu delivered)\n",
		       watchers, events, lat[nlat / 2] * 1e3,
		       lat[(size_t)(nlat * 0.99)] * 1e3, nlat,
		       (size_t)watchers * events);
	for (int i = 0; i < events; i++) {
		snprintf(path, sizeof(path), "%s/w-%d", dir, i);
		unlink(path);
	}
	free(lat);
	free(w);
	free(t);
	free(write_times);
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
	    {NULL, 0, NULL, 0},
	};
	const char *mnt = NULL, *tmp = NULL;
	int n = 2000, list_n = 10000, watchers = 100, events = 200, c;
	char kdir[4096];
	int thread_counts[] = {1, 8};

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
		default:
			return 2;
		}
	}
	if (!mnt || !tmp) {
		fprintf(stderr, "usage: fs_bench --mount MNT --tmpfs DIR "
				"[--objects N] [--list N] [--watchers N] "
				"[--events N]\n");
		return 2;
	}
	snprintf(kdir, sizeof(kdir), "%s/core/v1/configmaps/default", mnt);

	printf("%-8s %7s %14s %14s %8s\n", "op", "writers", "kubefs ops/s",
	       "tmpfs ops/s", "ratio");
	for (unsigned ti = 0; ti < 2; ti++) {
		int th = thread_counts[ti];

		for (int op = 0; op < OP_COUNT; op++) {
			int fk = 0, ft = 0;
			double k = run_phase(kdir, op, n, th, &fk);
			double t = run_phase(tmp, op, n, th, &ft);

			printf("%-8s %7d %14.0f %14.0f %8.3f%s\n", op_names[op],
			       th, k, t, k / t,
			       fk || ft ? "  (failures!)" : "");
		}
	}

	/* ls -l of list_n objects */
	{
		int fk = 0, ft = 0, ck, ct;
		double k, t;

		run_phase(kdir, OP_CREATE, list_n, 8, &fk);
		run_phase(tmp, OP_CREATE, list_n, 8, &ft);
		/* first listing fills caches on both sides; measure the
		 * second, as a user running ls twice would see */
		list_long(kdir, &ck);
		list_long(tmp, &ct);
		k = list_long(kdir, &ck);
		t = list_long(tmp, &ct);
		printf("ls -l of %d objects: kubefs %.0f entries/s, tmpfs %.0f "
		       "entries/s, ratio %.3f\n",
		       ck, k, t, k / t);
		run_phase(kdir, OP_DELETE, list_n, 8, &fk);
		run_phase(tmp, OP_DELETE, list_n, 8, &ft);
	}
	watch_latency(mnt, watchers, events);
	return 0;
}
