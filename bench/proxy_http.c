/*
 * proxy_http — HTTP/1.0 requests to several targets, one new connection
 * each (connect, GET /, read to the end). Every connection (thread)
 * takes the targets in turn, request after request, so that all of them
 * see the same load of a shared machine at every moment; side by side
 * per target: the latency of a whole request (connect included) and the
 * throughput closed-loop clients get from it (connections / mean
 * latency). On a shared machine the slowest 1 % are other programs'
 * time slices: the mean leaves them out (the p99 shows them).
 *
 *   proxy_http SECONDS CONNECTIONS IP:PORT[@SOURCE-IP]...
 *
 * Give each target a source address of its own when two of them end at
 * the same server address and port (a pod IP and its ClusterIP): a
 * source port reused for the other target within conntrack's TIME_WAIT
 * (2 minutes) would give two conntrack entries one reply tuple, and the
 * kernel drops the second one's SYN (a retransmission a second later).
 *
 * Prints one line per target, the first one being the baseline of the
 * ratios printed after the others.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TARGETS_MAX 4
#define CONNS_MAX 64
#define SAMPLES_MAX (1024 * 1024) /* per target */

struct target {
	struct sockaddr_in addr, src; /* src.sin_family 0: any */
	const char *name;
	double *lat; /* µs, SAMPLES_MAX */
	size_t n;
	long errors;
	pthread_mutex_t lock;
};

struct run {
	struct target *t;
	int nt, conns;
	double until;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One request on a new connection. 0, or -1 on any failure. */
static int request(const struct target *t)
{
	const struct sockaddr_in *a = &t->addr;
	static const char req[] = "GET / HTTP/1.0\r\nHost: bench\r\n\r\n";
	char buf[4096];
	size_t total = 0;
	ssize_t got;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok = 0;

	if (fd < 0)
		return -1;
	if (t->src.sin_family &&
	    bind(fd, (const struct sockaddr *)&t->src, sizeof(t->src)) < 0) {
		close(fd);
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) < 0 ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1) {
		close(fd);
		return -1;
	}
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		if (!total)
			ok = got >= 12 && !memcmp(buf, "HTTP/1.", 7) &&
			     !memcmp(buf + 9, "200", 3);
		total += (size_t)got;
	}
	close(fd);
	return got == 0 && total && ok ? 0 : -1;
}

static void *work(void *arg)
{
	struct run *run = arg;
	size_t cap = SAMPLES_MAX / (size_t)run->conns; /* per target */
	double *mine = malloc(cap * TARGETS_MAX * sizeof(double));
	size_t n[TARGETS_MAX] = {0};
	long errors[TARGETS_MAX] = {0};

	if (!mine)
		return NULL;
	for (int k = 0; now_s() < run->until; k = (k + 1) % run->nt) {
		double t0 = now_s();

		if (request(&run->t[k]) < 0)
			errors[k]++;
		else if (n[k] < cap)
			mine[k * cap + n[k]++] = (now_s() - t0) * 1e6;
	}
	for (int k = 0; k < run->nt; k++) {
		struct target *t = &run->t[k];

		pthread_mutex_lock(&t->lock);
		for (size_t i = 0; i < n[k] && t->n < SAMPLES_MAX; i++)
			t->lat[t->n++] = mine[k * cap + i];
		t->errors += errors[k];
		pthread_mutex_unlock(&t->lock);
	}
	free(mine);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 0;
	int conns = argc > 2 ? atoi(argv[2]) : 0;
	int nt = argc - 3;
	struct target t[TARGETS_MAX];
	pthread_t th[CONNS_MAX];
	struct run run = {t, nt, conns, 0};
	double mean0 = 0, p500 = 0, p900 = 0;

	if (secs <= 0 || conns < 1 || conns > CONNS_MAX || nt < 1 ||
	    nt > TARGETS_MAX) {
		fprintf(stderr, "usage: proxy_http SECONDS CONNECTIONS "
				"IP:PORT[@SOURCE-IP]... (at most 4)\n");
		return 2;
	}
	for (int i = 0; i < nt; i++) {
		char ip[64], src[64] = "";
		int port;

		memset(&t[i], 0, sizeof(t[i]));
		t[i].name = argv[3 + i];
		t[i].addr.sin_family = AF_INET;
		if (sscanf(argv[3 + i], "%63[^:]:%d@%63s", ip, &port, src) <
			2 ||
		    inet_pton(AF_INET, ip, &t[i].addr.sin_addr) != 1 ||
		    (*src &&
		     inet_pton(AF_INET, src, &t[i].src.sin_addr) != 1)) {
			fprintf(stderr,
				"proxy_http: not IP:PORT[@SOURCE-IP]: %s\n",
				argv[3 + i]);
			return 2;
		}
		t[i].addr.sin_port = htons((uint16_t)port);
		if (*src)
			t[i].src.sin_family = AF_INET;
		t[i].lat = malloc(SAMPLES_MAX * sizeof(double));
		if (!t[i].lat)
			return 1;
		pthread_mutex_init(&t[i].lock, NULL);
	}
	run.until = now_s() + secs;
	for (int c = 0; c < conns; c++)
		pthread_create(&th[c], NULL, work, &run);
	for (int c = 0; c < conns; c++)
		pthread_join(th[c], NULL);
	for (int i = 0; i < nt; i++) {
		double sum = 0, mean = 0, p50 = 0, p90 = 0, p99 = 0;

		qsort(t[i].lat, t[i].n, sizeof(double), cmp_double);
		size_t kept = t[i].n - t[i].n / 100;

		for (size_t k = 0; k < kept; k++)
			sum += t[i].lat[k];
		if (kept) {
			mean = sum / kept;
			p50 = t[i].lat[t[i].n / 2];
			p90 = t[i].lat[t[i].n * 9 / 10];
			p99 = t[i].lat[t[i].n * 99 / 100];
		}
		if (i == 0) {
			mean0 = mean;
			p500 = p50;
			p900 = p90;
		}
		printf("  %-30s %7zu requests  %7.0f req/s  mean %6.1f us  p50 "
		       "%6.1f  p90 %7.1f  p99 %8.1f us  errors %ld\n",
		       t[i].name, t[i].n, mean > 0 ? conns * 1e6 / mean : 0,
		       mean, p50, p90, p99, t[i].errors);
		if (i > 0 && mean > 0 && p500 > 0 && p900 > 0)
			printf("  %-30s throughput x%.3f, latency: mean x%.3f, "
			       "p50 x%.3f, p90 x%.3f\n",
			       "", mean0 / mean, mean / mean0, p50 / p500,
			       p90 / p900);
		free(t[i].lat);
	}
	return 0;
}
