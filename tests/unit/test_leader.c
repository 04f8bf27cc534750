/*
 * Unit tests for client/leader: configuration checks, then elections on
 * a real kubefs-fs: acquire, exclusion, release and hand-over, takeover
 * of an expired lease, and losing the lease to another holder.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "client/client.h"
#include "client/leader.h"
#include "test_client_fs.h"

static struct test_fs fs;

/* One candidate: its elector, its work loop's state, its run thread. */
struct candidate {
	struct leader *l;
	pthread_t thread;
	int run_result;
	bool finished;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	int started, stopped; /* callback counts */
	bool work_should_exit;
	bool work_running;
	char leaders[8][64]; /* identities given to new_leader */
	int nleaders;
};

static void work_loop(void *ud)
{
	struct candidate *c = ud;

	pthread_mutex_lock(&c->lock);
	c->started++;
	c->work_running = true;
	pthread_cond_broadcast(&c->cond); /* the test may wait for this */
	while (!c->work_should_exit)
		pthread_cond_wait(&c->cond, &c->lock);
	c->work_running = false;
	pthread_mutex_unlock(&c->lock);
}

static void stop_work(void *ud)
{
	struct candidate *c = ud;

	pthread_mutex_lock(&c->lock);
	c->stopped++;
	c->work_should_exit = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void new_leader(void *ud, const char *identity)
{
	struct candidate *c = ud;

	pthread_mutex_lock(&c->lock);
	if (c->nleaders < 8)
		snprintf(c->leaders[c->nleaders++], 64, "%s", identity);
	pthread_mutex_unlock(&c->lock);
}

static void *run_main(void *arg)
{
	struct candidate *c = arg;
	int r = leader_run(c->l);

	pthread_mutex_lock(&c->lock);
	c->run_result = r;
	c->finished = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static struct leader_config quick_config(const char *lease, const char *id,
					 struct candidate *c)
{
	return (struct leader_config){
	    .ns = "default",
	    .name = lease,
	    .identity = id,
	    .lease_duration_ms = 6000,
	    .renew_deadline_ms = 4000,
	    .retry_period_ms = 300,
	    .started_leading = work_loop,
	    .stopped_leading = stop_work,
	    .new_leader = new_leader,
	    .ud = c,
	};
}

static void candidate_start(struct candidate *c, const char *lease,
			    const char *id)
{
	struct leader_config cfg = quick_config(lease, id, c);
	struct kf_error err;

	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	kf_error_init(&err);
	assert_int_equal(leader_new(fs.c, &cfg, &err, &c->l), 0);
	assert_int_equal(pthread_create(&c->thread, NULL, run_main, c), 0);
}

/* Wait (bounded, generously) until pred(c) holds. */
static void wait_for(struct candidate *c, bool (*pred)(struct candidate *),
		     const char *what)
{
	for (int i = 0; i < 1500; i++) {
		if (pred(c))
			return;
		test_fs_sleep_ms(20);
	}
	fail_msg("never happened: %s", what);
}

static bool is_leading(struct candidate *c)
{
	return leader_is_leading(c->l);
}

static bool has_finished(struct candidate *c)
{
	bool f;

	pthread_mutex_lock(&c->lock);
	f = c->finished;
	pthread_mutex_unlock(&c->lock);
	return f;
}

static int candidate_join(struct candidate *c)
{
	pthread_join(c->thread, NULL);
	leader_free(c->l);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	return c->run_result;
}

static const struct kind_info *leases(void)
{
	const struct kind_info *k =
	    kinds_by_path("coordination.k8s.io", "v1", "leases");

	assert_non_null(k);
	return k;
}

static json_t *get_lease(const char *name)
{
	json_t *l = NULL;

	assert_int_equal(client_get(fs.c, leases(), "default", name, NULL, &l),
			 0);
	return l;
}

static const char *spec_str(const json_t *lease, const char *key)
{
	return json_string_value(
	    json_object_get(json_object_get(lease, "spec"), key));
}

static json_int_t spec_int(const json_t *lease, const char *key)
{
	return json_integer_value(
	    json_object_get(json_object_get(lease, "spec"), key));
}

/* "2006-01-02T15:04:05.000000Z": MicroTime, parseable. */
static void assert_microtime(const char *s)
{
	struct timespec ts;

	assert_non_null(s);
	assert_int_equal(strlen(s), 27);
	assert_int_equal(s[19], '.');
	assert_int_equal(s[26], 'Z');
	assert_int_equal(rfc3339_parse(s, &ts), 0);
}

/* ---- no server needed ---- */

static void test_config_checks(void **state)
{
	char dir[] = "/tmp/kubefs-leader-XXXXXX";
	struct candidate c;
	struct leader_config cfg;
	struct client *cl = NULL;
	struct leader *l = NULL;
	struct kf_error err;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(client_new(dir, &cl), 0);
	cfg = quick_config("lock", "me", &c);
	cfg.identity = "";
	kf_error_init(&err);
	assert_int_equal(leader_new(cl, &cfg, &err, &l), -EINVAL);
	assert_string_equal(err.msg, "Lock identity is empty");

	cfg = quick_config("lock", "me", &c);
	cfg.lease_duration_ms = 4000;
	assert_int_equal(leader_new(cl, &cfg, &err, &l), -EINVAL);
	assert_string_equal(err.msg,
			    "leaseDuration must be greater than renewDeadline");

	cfg = quick_config("lock", "me", &c);
	cfg.retry_period_ms = 3400; /* 1.2 * 3400 > 4000 */
	assert_int_equal(leader_new(cl, &cfg, &err, &l), -EINVAL);
	assert_string_equal(err.msg, "renewDeadline must be greater than "
				     "retryPeriod*JitterFactor");

	cfg = quick_config("a/b", "me", &c);
	assert_int_equal(leader_new(cl, &cfg, &err, &l), -EINVAL);

	cfg = quick_config("lock", "me", &c);
	cfg.started_leading = NULL;
	assert_int_equal(leader_new(cl, &cfg, &err, &l), -EINVAL);
	assert_null(l);

	/* zeros take client-go's defaults, which are consistent */
	cfg = quick_config("lock", "me", &c);
	cfg.lease_duration_ms = cfg.renew_deadline_ms = cfg.retry_period_ms = 0;
	assert_int_equal(leader_new(cl, &cfg, &err, &l), 0);
	assert_false(leader_is_leading(l));
	/* stopped before running: returns at once */
	leader_stop(l);
	assert_int_equal(leader_run(l), 0);
	leader_free(l);
	leader_free(NULL);
	client_free(cl);
	rmdir(dir);
}

/* ---- against kubefs-fs ---- */

static void test_live_acquire_exclude_release(void **state)
{
	struct candidate a, b;
	json_t *lease;

	TEST_FS_REQUIRE(&fs);
	candidate_start(&a, "lock1", "cand-a");
	wait_for(&a, is_leading, "a leads");
	pthread_mutex_lock(&a.lock);
	while (!a.work_running)
		pthread_cond_wait(&a.cond, &a.lock);
	assert_int_equal(a.started, 1);
	pthread_mutex_unlock(&a.lock);

	lease = get_lease("lock1");
	assert_string_equal(spec_str(lease, "holderIdentity"), "cand-a");
	assert_int_equal(spec_int(lease, "leaseDurationSeconds"), 6);
	assert_int_equal(spec_int(lease, "leaseTransitions"), 0);
	assert_microtime(spec_str(lease, "acquireTime"));
	assert_microtime(spec_str(lease, "renewTime"));
	json_decref(lease);

	/* b campaigns; while a renews, never both lead */
	candidate_start(&b, "lock1", "cand-b");
	for (int i = 0; i < 40; i++) {
		assert_false(leader_is_leading(a.l) && leader_is_leading(b.l));
		test_fs_sleep_ms(50);
	}
	assert_false(leader_is_leading(b.l));
	/* a renews: renewTime moves past acquireTime, the holder stays */
	for (int i = 0;; i++) {
		bool renewed;

		lease = get_lease("lock1");
		assert_string_equal(spec_str(lease, "holderIdentity"),
				    "cand-a");
		renewed = strcmp(spec_str(lease, "renewTime"),
				 spec_str(lease, "acquireTime")) > 0;
		json_decref(lease);
		if (renewed)
			break;
		if (i == 1500)
			fail_msg("a never renewed its lease");
		test_fs_sleep_ms(20);
	}
	assert_false(leader_is_leading(a.l) && leader_is_leading(b.l));

	/* a stops cleanly: work loop told, lease released, b takes it */
	leader_stop(a.l);
	wait_for(&a, has_finished, "a's leader_run returns");
	assert_int_equal(a.stopped, 1);
	assert_false(a.work_running);
	assert_int_equal(candidate_join(&a), 0);
	wait_for(&b, is_leading, "b leads after a released");
	lease = get_lease("lock1");
	assert_string_equal(spec_str(lease, "holderIdentity"), "cand-b");
	assert_int_equal(spec_int(lease, "leaseTransitions"), 1);
	json_decref(lease);
	pthread_mutex_lock(&b.lock);
	assert_true(b.nleaders >= 2);
	assert_string_equal(b.leaders[0], "cand-a");
	assert_string_equal(b.leaders[b.nleaders - 1], "cand-b");
	pthread_mutex_unlock(&b.lock);

	leader_stop(b.l);
	assert_int_equal(candidate_join(&b), 0);
	lease = get_lease("lock1");
	assert_string_equal(spec_str(lease, "holderIdentity"), "");
	assert_int_equal(spec_int(lease, "leaseDurationSeconds"), 1);
	json_decref(lease);
}

static void test_live_takeover_after_expiry(void **state)
{
	_cleanup_json_ json_t *stale = NULL;
	struct candidate c;
	json_t *lease;

	TEST_FS_REQUIRE(&fs);
	stale = json_pack(
	    "{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:i, s:s, s:s, s:i}}",
	    "apiVersion", "coordination.k8s.io/v1", "kind", "Lease", "metadata",
	    "name", "lock2", "namespace", "default", "spec", "holderIdentity",
	    "ghost", "leaseDurationSeconds", 1, "acquireTime",
	    "2020-01-01T00:00:00.000000Z", "renewTime",
	    "2020-01-01T00:00:00.000000Z", "leaseTransitions", 4);
	assert_int_equal(
	    client_create(fs.c, leases(), "default", stale, NULL, NULL), 0);
	/* the ghost never renews: c takes over once a full lease duration
	 * has passed on its own clock */
	candidate_start(&c, "lock2", "cand-c");
	wait_for(&c, is_leading, "c takes over the expired lease");
	lease = get_lease("lock2");
	assert_string_equal(spec_str(lease, "holderIdentity"), "cand-c");
	assert_int_equal(spec_int(lease, "leaseTransitions"), 5);
	json_decref(lease);
	pthread_mutex_lock(&c.lock);
	assert_string_equal(c.leaders[0], "ghost");
	pthread_mutex_unlock(&c.lock);
	leader_stop(c.l);
	assert_int_equal(candidate_join(&c), 0);
}

static void test_live_lose_lease(void **state)
{
	struct candidate a;
	json_t *lease;

	TEST_FS_REQUIRE(&fs);
	candidate_start(&a, "lock3", "cand-a");
	wait_for(&a, is_leading, "a leads");
	/* someone else overwrites the lease unconditionally */
	lease = get_lease("lock3");
	json_object_del(json_object_get(lease, "metadata"), "resourceVersion");
	json_object_set_new(json_object_get(lease, "spec"), "holderIdentity",
			    json_string("intruder"));
	json_object_set_new(json_object_get(lease, "spec"),
			    "leaseDurationSeconds", json_integer(3600));
	assert_int_equal(client_replace(fs.c, leases(), lease, NULL, NULL), 0);
	json_decref(lease);
	/* a cannot renew within its deadline: it stops leading */
	wait_for(&a, has_finished, "a gives up");
	assert_false(leader_is_leading(a.l));
	assert_int_equal(a.stopped, 1);
	assert_false(a.work_running);
	assert_int_equal(candidate_join(&a), -ENOLCK);
	/* and does not release what is not its own */
	lease = get_lease("lock3");
	assert_string_equal(spec_str(lease, "holderIdentity"), "intruder");
	json_decref(lease);
}

static int group_setup(void **state)
{
	test_fs_start(&fs);
	return 0;
}

static int group_teardown(void **state)
{
	test_fs_stop(&fs);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_checks),
	    cmocka_unit_test(test_live_acquire_exclude_release),
	    cmocka_unit_test(test_live_takeover_after_expiry),
	    cmocka_unit_test(test_live_lose_lease),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
