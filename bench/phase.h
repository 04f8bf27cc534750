/*
 * phase.h — shared by the benchmarks that split n numbered objects among
 * writer threads: one job per thread, ops/s of the whole phase.
 */
#ifndef KUBEFS_BENCH_PHASE_H
#define KUBEFS_BENCH_PHASE_H

#include <pthread.h>
#include <time.h>

#define PHASE_THREADS_MAX 64

struct job {
	const char *target; /* a directory, an endpoint */
	int first, count;   /* objects first .. first + count - 1 */
	int op;
	int failures;
};

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ops/s of op over n objects split among threads running fn(job). */
static inline double run_phase(void *(*fn)(void *), const char *target, int op,
			       int n, int threads, int *failures)
{
	pthread_t t[PHASE_THREADS_MAX];
	struct job jobs[PHASE_THREADS_MAX];
	double t0 = now(), dt;
	int failed = 0;

	for (int i = 0; i < threads; i++) {
		jobs[i] =
		    (struct job){target, i * (n / threads), n / threads, op, 0};
		pthread_create(&t[i], NULL, fn, &jobs[i]);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		failed += jobs[i].failures;
	}
	dt = now() - t0;
	*failures += failed;
	return ((n / threads) * threads - failed) / dt;
}

#endif
