/* Unit tests for client/workqueue: client-go's workqueue semantics. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "client/workqueue.h"

#define HOUR_MS (3600ULL * 1000)

static struct workqueue *new_queue(void)
{
	struct workqueue *q = NULL;

	assert_int_equal(workqueue_new(NULL, &q), 0);
	assert_non_null(q);
	return q;
}

/* Get a key and check it is want; returns it done. */
static void expect_get(struct workqueue *q, const char *want)
{
	char *key = NULL;

	assert_int_equal(workqueue_get(q, &key), 0);
	assert_string_equal(key, want);
	workqueue_done(q, key);
	free(key);
}

static void test_fifo_and_dedup(void **state)
{
	struct workqueue *q = new_queue();

	assert_int_equal(workqueue_add(q, "a"), 0);
	assert_int_equal(workqueue_add(q, "b"), 0);
	assert_int_equal(workqueue_add(q, "a"), 0);
	assert_int_equal(workqueue_add(q, "c"), 0);
	assert_int_equal(workqueue_len(q), 3);
	expect_get(q, "a");
	expect_get(q, "b");
	expect_get(q, "c");
	assert_int_equal(workqueue_len(q), 0);
	workqueue_free(q);
}

static void test_not_handed_out_twice(void **state)
{
	struct workqueue *q = new_queue();
	char *key = NULL;

	workqueue_add(q, "a");
	assert_int_equal(workqueue_get(q, &key), 0);
	assert_string_equal(key, "a");
	/* added while processing: held back until done */
	workqueue_add(q, "a");
	workqueue_add(q, "a");
	assert_int_equal(workqueue_len(q), 0);
	workqueue_add(q, "b");
	assert_int_equal(workqueue_len(q), 1);
	workqueue_done(q, key);
	free(key);
	/* now queued again, once, after b */
	assert_int_equal(workqueue_len(q), 2);
	expect_get(q, "b");
	expect_get(q, "a");
	assert_int_equal(workqueue_len(q), 0);
	workqueue_free(q);
}

static void test_done_without_add_drops(void **state)
{
	struct workqueue *q = new_queue();
	char *key = NULL;

	workqueue_add(q, "a");
	assert_int_equal(workqueue_get(q, &key), 0);
	workqueue_done(q, key);
	/* a second done, or a done for an unknown key, changes nothing */
	workqueue_done(q, key);
	workqueue_done(q, "zzz");
	free(key);
	assert_int_equal(workqueue_len(q), 0);
	workqueue_free(q);
}

static void test_shutdown_drains(void **state)
{
	struct workqueue *q = new_queue();
	char *key = NULL;

	workqueue_add(q, "a");
	workqueue_add(q, "b");
	workqueue_shutdown(q);
	assert_true(workqueue_shutting_down(q));
	/* adds after shutdown are ignored */
	assert_int_equal(workqueue_add(q, "c"), 0);
	expect_get(q, "a");
	expect_get(q, "b");
	assert_int_equal(workqueue_get(q, &key), -ESHUTDOWN);
	assert_null(key);
	workqueue_shutdown(q); /* idempotent */
	workqueue_free(q);
}

static void test_invalid_keys(void **state)
{
	struct workqueue *q = new_queue();
	char big[WORKQUEUE_KEY_MAX + 2];

	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(workqueue_add(q, ""), -EINVAL);
	assert_int_equal(workqueue_add(q, NULL), -EINVAL);
	assert_int_equal(workqueue_add(q, big), -EINVAL);
	assert_int_equal(workqueue_add_after(q, big, 1), -EINVAL);
	assert_int_equal(workqueue_add_rate_limited(q, ""), -EINVAL);
	big[WORKQUEUE_KEY_MAX] = '\0'; /* exactly the limit is fine */
	assert_int_equal(workqueue_add(q, big), 0);
	assert_int_equal(workqueue_len(q), 1);
	workqueue_free(q);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void test_add_after(void **state)
{
	struct workqueue *q = new_queue();
	long long t0;

	/* a key an hour away is not ready */
	assert_int_equal(workqueue_add_after(q, "later", HOUR_MS), 0);
	assert_int_equal(workqueue_len(q), 0);
	/* a short delay: get blocks until it is due (a lower bound only,
	 * which a busy machine cannot break) */
	t0 = now_ms();
	assert_int_equal(workqueue_add_after(q, "soon", 50), 0);
	assert_int_equal(workqueue_len(q), 0);
	expect_get(q, "soon");
	assert_true(now_ms() - t0 >= 50);
	/* an earlier add_after of a waiting key wins */
	assert_int_equal(workqueue_add_after(q, "later", 1), 0);
	expect_get(q, "later");
	/* a delay of 0 is an add */
	assert_int_equal(workqueue_add_after(q, "now", 0), 0);
	assert_int_equal(workqueue_len(q), 1);
	expect_get(q, "now");
	workqueue_free(q);
}

static void test_add_after_keeps_earlier(void **state)
{
	struct workqueue *q = new_queue();

	assert_int_equal(workqueue_add_after(q, "k", 10), 0);
	assert_int_equal(workqueue_add_after(q, "k", HOUR_MS), 0);
	/* would block for an hour if the later time had replaced it */
	expect_get(q, "k");
	workqueue_free(q);
}

static void test_add_while_delayed_dedups(void **state)
{
	struct workqueue *q = new_queue();

	workqueue_add_after(q, "k", 10);
	workqueue_add(q, "k");
	assert_int_equal(workqueue_len(q), 1);
	expect_get(q, "k");
	/* the delayed copy comes due later and is queued again once */
	expect_get(q, "k");
	workqueue_add(q, "x");
	expect_get(q, "x");
	workqueue_free(q);
}

static void test_shutdown_drops_delayed(void **state)
{
	struct workqueue *q = new_queue();
	char *key = NULL;

	workqueue_add_after(q, "k", HOUR_MS);
	workqueue_shutdown(q);
	assert_int_equal(workqueue_get(q, &key), -ESHUTDOWN);
	workqueue_free(q);
}

static void test_rate_limiter(void **state)
{
	struct workqueue *q = new_queue();

	assert_int_equal(workqueue_when(q, "k"), 5000);
	assert_int_equal(workqueue_num_requeues(q, "k"), 0);
	/* 5 ms, 10 ms, 20 ms: the third attempt would wait 40 ms */
	for (int i = 0; i < 3; i++)
		assert_int_equal(workqueue_add_rate_limited(q, "k"), 0);
	assert_int_equal(workqueue_num_requeues(q, "k"), 3);
	assert_int_equal(workqueue_when(q, "k"), 40000);
	/* the key itself is queued once */
	expect_get(q, "k");
	assert_int_equal(workqueue_len(q), 0);
	/* counts are per key */
	assert_int_equal(workqueue_num_requeues(q, "other"), 0);
	workqueue_forget(q, "k");
	assert_int_equal(workqueue_num_requeues(q, "k"), 0);
	assert_int_equal(workqueue_when(q, "k"), 5000);
	workqueue_free(q);
}

static void test_rate_limiter_cap(void **state)
{
	struct workqueue_opts o = {.base_delay_us = 1, .max_delay_us = 1000};
	struct workqueue *q = NULL;
	uint64_t prev = 0;

	assert_int_equal(workqueue_new(&o, &q), 0);
	for (int i = 0; i < 100; i++) {
		uint64_t d = workqueue_when(q, "k");

		assert_true(d >= prev);
		assert_true(d <= 1000);
		prev = d;
		assert_int_equal(workqueue_add_rate_limited(q, "k"), 0);
		if (i < 10)
			assert_int_equal(d, 1ULL << i);
	}
	assert_int_equal(prev, 1000);
	assert_int_equal(workqueue_num_requeues(q, "k"), 100);
	workqueue_free(q);

	/* default cap: 1000 s, reached without overflow */
	q = new_queue();
	for (int i = 0; i < 200; i++)
		workqueue_add_rate_limited(q, "k");
	assert_int_equal(workqueue_when(q, "k"), 1000ULL * 1000 * 1000);
	workqueue_shutdown(q);
	workqueue_free(q);
}

struct getter {
	struct workqueue *q;
	int r;
	char *key;
};

static void *getter_main(void *arg)
{
	struct getter *g = arg;

	g->r = workqueue_get(g->q, &g->key);
	return NULL;
}

static void test_blocking_get_wakes(void **state)
{
	struct workqueue *q = new_queue();
	struct getter g = {.q = q}, g2 = {.q = q};
	pthread_t t, t2;

	assert_int_equal(pthread_create(&t, NULL, getter_main, &g), 0);
	workqueue_add(q, "x");
	pthread_join(t, NULL);
	assert_int_equal(g.r, 0);
	assert_string_equal(g.key, "x");
	workqueue_done(q, g.key);
	free(g.key);

	/* shutdown wakes a blocked getter */
	assert_int_equal(pthread_create(&t2, NULL, getter_main, &g2), 0);
	workqueue_shutdown(q);
	pthread_join(t2, NULL);
	assert_int_equal(g2.r, -ESHUTDOWN);
	workqueue_free(q);
}

#define NKEYS 16
#define NWORKERS 4
#define NADDS 4000

struct stress {
	struct workqueue *q;
	pthread_mutex_t lock;
	int holding[NKEYS]; /* workers holding each key right now */
	int violations;	    /* a key held by two workers at once */
	unsigned long gets;
	int last_add_gen[NKEYS];
	int processed_gen[NKEYS];
};

static int key_index(const char *key)
{
	return atoi(key + 1);
}

static void *stress_worker(void *arg)
{
	struct stress *s = arg;
	char *key;

	while (workqueue_get(s->q, &key) == 0) {
		int i = key_index(key);

		pthread_mutex_lock(&s->lock);
		if (s->holding[i]++)
			s->violations++;
		s->processed_gen[i] = s->last_add_gen[i];
		s->gets++;
		pthread_mutex_unlock(&s->lock);
		sched_yield();
		pthread_mutex_lock(&s->lock);
		s->holding[i]--;
		pthread_mutex_unlock(&s->lock);
		workqueue_done(s->q, key);
		free(key);
	}
	return NULL;
}

static void test_concurrent_workers(void **state)
{
	struct stress s = {.q = new_queue()};
	pthread_t t[NWORKERS];
	char key[16];

	pthread_mutex_init(&s.lock, NULL);
	for (int i = 0; i < NWORKERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, stress_worker, &s),
				 0);
	for (int n = 1; n <= NADDS; n++) {
		int i = n % NKEYS;

		snprintf(key, sizeof(key), "k%d", i);
		pthread_mutex_lock(&s.lock);
		s.last_add_gen[i] = n;
		pthread_mutex_unlock(&s.lock);
		assert_int_equal(workqueue_add(s.q, key), 0);
	}
	workqueue_shutdown(s.q);
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(s.violations, 0);
	assert_true(s.gets >= NKEYS);
	assert_true(s.gets <= NADDS);
	/* every key was processed after its last add */
	for (int i = 0; i < NKEYS; i++)
		assert_int_equal(s.processed_gen[i], s.last_add_gen[i]);
	pthread_mutex_destroy(&s.lock);
	workqueue_free(s.q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fifo_and_dedup),
	    cmocka_unit_test(test_not_handed_out_twice),
	    cmocka_unit_test(test_done_without_add_drops),
	    cmocka_unit_test(test_shutdown_drains),
	    cmocka_unit_test(test_invalid_keys),
	    cmocka_unit_test(test_add_after),
	    cmocka_unit_test(test_add_after_keeps_earlier),
	    cmocka_unit_test(test_add_while_delayed_dedups),
	    cmocka_unit_test(test_shutdown_drops_delayed),
	    cmocka_unit_test(test_rate_limiter),
	    cmocka_unit_test(test_rate_limiter_cap),
	    cmocka_unit_test(test_blocking_get_wakes),
	    cmocka_unit_test(test_concurrent_workers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
