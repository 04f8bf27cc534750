/*
 * proxy_http — HTTP/1.0 requests to several targets, one new connection
 * each (connect, GET /, read to the end), in alternating rounds so that
 * every target sees the same machine load; side by side per target:
 * requests/s and the latency of a whole request (connect included).
 *
 *   proxy_http ROUNDS SECONDS_PER_ROUND CONNECTIONS IP:PORT...
 *
 * Prints one line per target:
 *   IP:PORT  REQ/S  p50-µs  p99-µs  errors
 * the first target being the baseline of the ratios printed after it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TARGETS_MAX 4
#define CONNS_MAX 64
#define SAMPLES_MAX (4 * 1024 * 1024)

struct target {
	struct sockaddr_in addr;
	const char *name;
	double *lat; /* µs, SAMPLES_MAX */
	size_t n;
	long errors;
	double busy; /* seconds of rounds run */
	pthread_mutex_t lock;
};

struct worker {
	struct target *t;
	double until;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One request on a new connection. 0, or -1 on any failure. */
static int request(const struct sockaddr_in *a)
{
	static const char req[] = "GET / HTTP/1.0\r\nHost: bench\r\n\r\n";
	char buf[4096];
	size_t total = 0;
	ssize_t got;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok = 0;

	if (fd < 0)
		return -1;
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
	struct worker *w = arg;
	double *mine = malloc(SAMPLES_MAX / CONNS_MAX * sizeof(double));
	size_t n = 0;
	long errors = 0;

	if (!mine)
		return NULL;
	for (double t0 = now_s(); t0 < w->until; t0 = now_s()) {
		if (request(&w->t->addr) < 0)
			errors++;
		else if (n < SAMPLES_MAX / CONNS_MAX)
			mine[n++] = (now_s() - t0) * 1e6;
	}
	pthread_mutex_lock(&w->t->lock);
	for (size_t i = 0; i < n && w->t->n < SAMPLES_MAX; i++)
		w->t->lat[w->t->n++] = mine[i];
	w->t->errors += errors;
	pthread_mutex_unlock(&w->t->lock);
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
	int rounds = argc > 1 ? atoi(argv[1]) : 0;
	double secs = argc > 2 ? atof(argv[2]) : 0;
	int conns = argc > 3 ? atoi(argv[3]) : 0;
	int nt = argc - 4;
	struct target t[TARGETS_MAX];
	double rps0 = 0, p500 = 0;

	if (rounds < 1 || secs <= 0 || conns < 1 || conns > CONNS_MAX ||
	    nt < 1 || nt > TARGETS_MAX) {
		fprintf(stderr, "usage: proxy_http ROUNDS SECONDS CONNECTIONS "
				"IP:PORT... (at most 4)\n");
		return 2;
	}
	for (int i = 0; i < nt; i++) {
		char ip[64];
		int port;

		memset(&t[i], 0, sizeof(t[i]));
		t[i].name = argv[4 + i];
		t[i].addr.sin_family = AF_INET;
		if (sscanf(argv[4 + i], "%63[^:]:%d", ip, &port) != 2 ||
		    inet_pton(AF_INET, ip, &t[i].addr.sin_addr) != 1) {
			fprintf(stderr, "proxy_http: not IP:PORT: %s\n",
				argv[4 + i]);
			return 2;
		}
		t[i].addr.sin_port = htons((uint16_t)port);
		t[i].lat = malloc(SAMPLES_MAX * sizeof(double));
		if (!t[i].lat)
			return 1;
		pthread_mutex_init(&t[i].lock, NULL);
	}
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < nt; k++) {
			/* the order turns each round: no target always
			 * follows another */
			struct target *tg = &t[(r + k) % nt];
			pthread_t th[CONNS_MAX];
			struct worker w = {tg, now_s() + secs};
			double t0 = now_s();

			for (int c = 0; c < conns; c++)
				pthread_create(&th[c], NULL, work, &w);
			for (int c = 0; c < conns; c++)
				pthread_join(th[c], NULL);
			tg->busy += now_s() - t0;
		}
	}
	for (int i = 0; i < nt; i++) {
		double rps = t[i].n / t[i].busy, p50 = 0, p99 = 0;

		qsort(t[i].lat, t[i].n, sizeof(double), cmp_double);
		if (t[i].n) {
			p50 = t[i].lat[t[i].n / 2];
			p99 = t[i].lat[t[i].n * 99 / 100];
		}
		if (i == 0) {
			rps0 = rps;
			p500 = p50;
		}
		printf("  %-22s %9.0f req/s   p50 %7.1f us   p99 %8.1f us   "
		       "errors %ld",
		       t[i].name, rps, p50, p99, t[i].errors);
		if (i > 0 && rps0 > 0 && p500 > 0)
			printf("   (throughput x%.3f, p50 x%.3f)", rps / rps0,
			       p50 / p500);
		printf("\n");
		free(t[i].lat);
	}
	return 0;
}
