/*
 * Unit tests of kubefs-sched's scheduling queue: priority and FIFO
 * order, back-off, the unschedulable pods and the events that move them,
 * in-flight pods. Time is passed in explicitly; nothing sleeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sched/queue.h"

static struct sched_pod *mkpod(const char *name, int priority,
			       const char *label)
{
	json_t *obj =
	    json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:{s:i, s:[]}}",
		      "apiVersion", "v1", "kind", "Pod", "metadata", "name",
		      name, "namespace", "default", "labels", "v", label,
		      "spec", "priority", priority, "containers");
	struct sched_pod *p = NULL;
	struct kf_error err;

	assert_non_null(obj);
	kf_error_init(&err);
	if (sched_pod_new(obj, &err, &p) < 0)
		fail_msg("%s", err.msg);
	json_decref(obj);
	return p;
}

/* Add a fresh pod and drop the test's reference. */
static void add(struct sched_queue *q, const char *name, int prio, int64_t now)
{
	struct sched_pod *p = mkpod(name, prio, "1");

	assert_int_equal(sched_queue_add(q, p, now), 0);
	sched_pod_unref(p);
}

static struct sched_queued_pod *pop(struct sched_queue *q, int64_t now,
				    const char *want)
{
	struct sched_queued_pod *e = NULL;

	assert_int_equal(sched_queue_pop(q, now, &e), 0);
	assert_string_equal(e->pod->name, want);
	return e;
}

static struct sched_queue *mkqueue(void)
{
	struct sched_queue *q = NULL;

	assert_int_equal(sched_queue_new(NULL, &q), 0);
	return q;
}

static void test_priority_then_fifo(void **state)
{
	struct sched_queue *q = mkqueue();
	struct sched_queued_pod *e;

	(void)state;
	add(q, "low1", 0, 10);
	add(q, "high", 100, 20);
	add(q, "low2", 0, 20);
	add(q, "mid", 50, 30);
	add(q, "low3", 0, 20); /* same time as low2: arrival order */
	const char *order[] = {"high", "mid", "low1", "low2", "low3"};
	for (int i = 0; i < 5; i++) {
		e = pop(q, 40, order[i]);
		assert_int_equal(e->attempts, 1);
		assert_int_equal(e->cycle, (uint64_t)i + 1);
		sched_queue_done(q, e);
	}
	assert_int_equal(sched_queue_pop(q, 40, &e), -EAGAIN);
	sched_queue_free(q);
}

static void test_backoff_durations(void **state)
{
	struct sched_queue *q = mkqueue();
	const int64_t want[] = {1000, 2000, 4000, 8000, 10000, 10000};

	(void)state;
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(sched_queue_backoff_ms(q, i + 1), want[i]);
	assert_int_equal(sched_queue_backoff_ms(q, 1000), 10000);
	sched_queue_free(q);
}

static void test_backoff_after_error(void **state)
{
	struct sched_queue *q = mkqueue();
	struct sched_queued_pod *e;

	(void)state;
	add(q, "p", 0, 0);
	e = pop(q, 0, "p");
	sched_queue_add_backoff(q, e, 100);
	assert_int_equal(sched_queue_where(q, "default/p"),
			 SCHED_QUEUE_BACKOFF);
	assert_int_equal(sched_queue_next_backoff(q), 1100);
	sched_queue_flush(q, 1099);
	assert_int_equal(sched_queue_pop(q, 1099, &e), -EAGAIN);
	sched_queue_flush(q, 1100);
	e = pop(q, 1100, "p");
	assert_int_equal(e->attempts, 2);
	/* second failure: 2 s */
	sched_queue_add_backoff(q, e, 2000);
	assert_int_equal(sched_queue_next_backoff(q), 4000);
	sched_queue_flush(q, 4000);
	e = pop(q, 4000, "p");
	sched_queue_done(q, e);
	assert_int_equal(sched_queue_next_backoff(q), -1);
	assert_int_equal(sched_queue_where(q, "default/p"), SCHED_QUEUE_ABSENT);
	sched_queue_free(q);
}

static void test_unschedulable_moves_on_events(void **state)
{
	struct sched_queue *q = mkqueue();
	struct sched_queued_pod *e;
	struct sched_queue_stats st;

	(void)state;
	add(q, "cpu", 0, 0);
	add(q, "ports", 0, 0);
	add(q, "none", 0, 0);
	e = pop(q, 0, "cpu");
	sched_queue_add_unschedulable(q, e,
				      1u << SCHED_PLUGIN_NODE_RESOURCES_FIT, 0);
	e = pop(q, 0, "ports");
	sched_queue_add_unschedulable(q, e, 1u << SCHED_PLUGIN_NODE_PORTS, 0);
	e = pop(q, 0, "none");
	sched_queue_add_unschedulable(q, e, 0, 0);
	sched_queue_stats(q, &st);
	assert_int_equal(st.unschedulable, 3);
	assert_int_equal(st.active, 0);

	/* a node update helps resources and "no nodes", not ports */
	sched_queue_move_all(q, SCHED_EVENT_NODE_UPDATE, 5000);
	assert_int_equal(sched_queue_where(q, "default/cpu"),
			 SCHED_QUEUE_ACTIVE);
	assert_int_equal(sched_queue_where(q, "default/none"),
			 SCHED_QUEUE_ACTIVE);
	assert_int_equal(sched_queue_where(q, "default/ports"),
			 SCHED_QUEUE_UNSCHEDULABLE);
	/* a deleted pod frees ports; still backing off (1 s from 0) at
	 * 500 ms, so it goes to back-off first */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sched_queue_pop(q, 5000, &e), 0);
		assert_true(strcmp(e->pod->name, "cpu") == 0 ||
			    strcmp(e->pod->name, "none") == 0);
		sched_queue_done(q, e);
	}
	sched_queue_move_all(q, SCHED_EVENT_POD_DELETE, 500);
	assert_int_equal(sched_queue_where(q, "default/ports"),
			 SCHED_QUEUE_BACKOFF);
	sched_queue_flush(q, 1000);
	assert_int_equal(sched_queue_where(q, "default/ports"),
			 SCHED_QUEUE_ACTIVE);
	sched_queue_free(q);
}

static void test_event_during_flight_is_not_lost(void **state)
{
	struct sched_queue *q = mkqueue();
	struct sched_queued_pod *a, *b;

	(void)state;
	add(q, "a", 0, 0);
	add(q, "b", 0, 0);
	a = pop(q, 0, "a");
	/* a node appears while a is being scheduled */
	sched_queue_move_all(q, SCHED_EVENT_NODE_ADD, 0);
	sched_queue_add_unschedulable(
	    q, a, 1u << SCHED_PLUGIN_NODE_RESOURCES_FIT, 10);
	assert_int_equal(sched_queue_where(q, "default/a"),
			 SCHED_QUEUE_BACKOFF);
	/* an event that cannot help does not count */
	b = pop(q, 20, "b");
	sched_queue_move_all(q, SCHED_EVENT_POD_ADD, 20);
	sched_queue_add_unschedulable(
	    q, b, 1u << SCHED_PLUGIN_NODE_RESOURCES_FIT, 30);
	assert_int_equal(sched_queue_where(q, "default/b"),
			 SCHED_QUEUE_UNSCHEDULABLE);
	sched_queue_delete(q, "default/b");
	add(q, "b", 0, 40);
	/* b was popped after the event: it waits for the next one */
	b = pop(q, 50, "b");
	sched_queue_add_unschedulable(
	    q, b, 1u << SCHED_PLUGIN_NODE_RESOURCES_FIT, 60);
	assert_int_equal(sched_queue_where(q, "default/b"),
			 SCHED_QUEUE_UNSCHEDULABLE);
	sched_queue_free(q);
}

static void test_delete_and_update_in_flight(void **state)
{
	struct sched_queue *q = mkqueue();
	struct sched_queued_pod *e;
	struct sched_queue_stats st;
	struct sched_pod *newer;

	(void)state;
	add(q, "gone", 0, 0);
	add(q, "changed", 0, 0);
	e = pop(q, 0, "gone");
	assert_int_equal(sched_queue_where(q, "default/gone"),
			 SCHED_QUEUE_IN_FLIGHT);
	sched_queue_delete(q, "default/gone");
	sched_queue_add_unschedulable(q, e, 0, 1);
	assert_int_equal(sched_queue_where(q, "default/gone"),
			 SCHED_QUEUE_ABSENT);

	e = pop(q, 0, "changed");
	newer = mkpod("changed", 9, "2");
	assert_int_equal(sched_queue_add(q, newer, 1), 0);
	/* the entry still shows the object being scheduled */
	assert_int_equal(e->pod->priority, 0);
	sched_queue_add_backoff(q, e, 2);
	assert_int_equal(e->pod, newer);
	sched_pod_unref(newer);
	sched_queue_stats(q, &st);
	assert_int_equal(st.backoff, 1);
	assert_int_equal(st.in_flight, 0);
	sched_queue_free(q);
}

static void test_update_of_unschedulable_pod(void **state)
{
	struct sched_queue *q = mkqueue();
	struct sched_queued_pod *e;
	struct sched_pod *p;
	json_t *obj;
	struct kf_error err;

	(void)state;
	add(q, "p", 0, 0);
	e = pop(q, 0, "p");
	sched_queue_add_unschedulable(q, e, 1u << SCHED_PLUGIN_NODE_AFFINITY,
				      0);

	/* our own status write: only status and resourceVersion change */
	obj = json_deep_copy(e->pod->obj);
	json_object_set_new(json_object_get(obj, "metadata"), "resourceVersion",
			    json_string("42"));
	json_object_set_new(
	    obj, "status",
	    json_pack("{s:[{s:s}]}", "conditions", "type", "PodScheduled"));
	kf_error_init(&err);
	assert_int_equal(sched_pod_new(obj, &err, &p), 0);
	assert_int_equal(sched_queue_add(q, p, 5000), 0);
	sched_pod_unref(p);
	json_decref(obj);
	assert_int_equal(sched_queue_where(q, "default/p"),
			 SCHED_QUEUE_UNSCHEDULABLE);

	/* a real change (a label) tries it again */
	p = mkpod("p", 0, "other");
	assert_int_equal(sched_queue_add(q, p, 5000), 0);
	sched_pod_unref(p);
	assert_int_equal(sched_queue_where(q, "default/p"), SCHED_QUEUE_ACTIVE);
	sched_queue_free(q);
}

static void test_leftover_unschedulable_flushed(void **state)
{
	struct sched_queue_config cfg = {.max_unschedulable_ms = 60000};
	struct sched_queue *q = NULL;
	struct sched_queued_pod *e;

	(void)state;
	assert_int_equal(sched_queue_new(&cfg, &q), 0);
	add(q, "p", 0, 0);
	e = pop(q, 0, "p");
	sched_queue_add_unschedulable(q, e, 1u << SCHED_PLUGIN_NODE_PORTS,
				      1000);
	sched_queue_flush(q, 61000);
	assert_int_equal(sched_queue_where(q, "default/p"),
			 SCHED_QUEUE_UNSCHEDULABLE);
	sched_queue_flush(q, 61001);
	assert_int_equal(sched_queue_where(q, "default/p"), SCHED_QUEUE_ACTIVE);
	sched_queue_free(q);
}

static void test_many_pods_heap_order(void **state)
{
	struct sched_queue *q = mkqueue();
	struct sched_queued_pod *e;
	char name[32];
	int last_prio = 1 << 30;
	int64_t last_ts = -1;

	(void)state;
	/* pseudo-random priorities; pops must come out sorted */
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		add(q, name, (i * 7919) % 13, i);
	}
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "default/p%d", i);
		if (i % 4 == 0)
			sched_queue_delete(q, name);
	}
	int n = 0;
	while (sched_queue_pop(q, 0, &e) == 0) {
		int prio = e->pod->priority;

		/* priority descending, then arrival ascending */
		assert_true(prio <= last_prio);
		if (prio == last_prio)
			assert_true(e->timestamp_ms > last_ts);
		last_prio = prio;
		last_ts = e->timestamp_ms;
		assert_true(atoi(e->pod->name + 1) % 4 != 0);
		sched_queue_done(q, e);
		n++;
	}
	assert_int_equal(n, 1500);
	sched_queue_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_priority_then_fifo),
	    cmocka_unit_test(test_backoff_durations),
	    cmocka_unit_test(test_backoff_after_error),
	    cmocka_unit_test(test_unschedulable_moves_on_events),
	    cmocka_unit_test(test_event_during_flight_is_not_lost),
	    cmocka_unit_test(test_delete_and_update_in_flight),
	    cmocka_unit_test(test_update_of_unschedulable_pod),
	    cmocka_unit_test(test_leftover_unschedulable_flushed),
	    cmocka_unit_test(test_many_pods_heap_order),
	};

	return cmocka_run_group_tests(tests, 0, NULL);
}
