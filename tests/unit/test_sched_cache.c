/*
 * Unit tests of kubefs-sched's cache: nodes, bound pods, assumptions and
 * their confirmation or undoing, ghost nodes, terminal pods.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sched/cache.h"

static json_t *node_obj(const char *name, const char *cpu)
{
	json_t *o = json_pack("{s:s, s:s, s:{s:s}, s:{s:{s:s, s:s, s:s}}}",
			      "apiVersion", "v1", "kind", "Node", "metadata",
			      "name", name, "status", "allocatable", "cpu", cpu,
			      "memory", "8Gi", "pods", "110");

	assert_non_null(o);
	return o;
}

static void set_node(struct sched_cache *c, const char *name, const char *cpu)
{
	json_t *o = node_obj(name, cpu);
	struct kf_error err;

	kf_error_init(&err);
	assert_int_equal(sched_cache_set_node(c, o, &err), 0);
	json_decref(o);
}

/* A pod asking for cpu, bound to node ("" for unbound), in phase. */
static struct sched_pod *mkpod(const char *name, const char *cpu,
			       const char *node, const char *phase)
{
	json_t *o = json_pack(
	    "{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:[{s:s, s:{s:{s:s}}}]}, "
	    "s:{s:s}}",
	    "apiVersion", "v1", "kind", "Pod", "metadata", "name", name,
	    "namespace", "default", "spec", "nodeName", node, "containers",
	    "name", "c", "resources", "requests", "cpu", cpu, "status", "phase",
	    phase);
	struct sched_pod *p = NULL;
	struct kf_error err;

	assert_non_null(o);
	kf_error_init(&err);
	if (sched_pod_new(o, &err, &p) < 0)
		fail_msg("%s", err.msg);
	json_decref(o);
	return p;
}

static int64_t used_cpu(struct sched_cache *c, const char *node)
{
	const struct sched_node *n = sched_cache_node(c, node);

	assert_non_null(n);
	return n->requested.milli_cpu;
}

static struct sched_cache *mkcache(void)
{
	struct sched_cache *c = NULL;

	assert_int_equal(sched_cache_new(&c), 0);
	return c;
}

static void test_assume_confirm(void **state)
{
	struct sched_cache *c = mkcache();
	struct sched_pod *pending = mkpod("p", "500m", "", "Pending");
	struct sched_pod *bound = mkpod("p", "500m", "n1", "Pending");

	(void)state;
	set_node(c, "n1", "2");
	assert_int_equal(sched_cache_assume(c, pending, "n1"), 0);
	assert_true(sched_cache_is_assumed(c, "default/p"));
	assert_int_equal(sched_cache_assumed_count(c), 1);
	assert_int_equal(used_cpu(c, "n1"), 500);
	assert_int_equal(sched_cache_assume(c, pending, "n1"), -EEXIST);

	/* the watch shows it bound: confirmed, counted once */
	assert_int_equal(sched_cache_set_pod(c, bound), 0);
	assert_false(sched_cache_is_assumed(c, "default/p"));
	assert_int_equal(sched_cache_assumed_count(c), 0);
	assert_int_equal(sched_cache_pod_count(c), 1);
	assert_int_equal(used_cpu(c, "n1"), 500);
	assert_int_equal(sched_cache_node(c, "n1")->n_pods, 1);
	/* a late bind failure must not undo a confirmed pod */
	assert_int_equal(sched_cache_forget(c, "default/p"), -EINVAL);
	assert_int_equal(used_cpu(c, "n1"), 500);

	assert_int_equal(sched_cache_remove_pod(c, "default/p"), 0);
	assert_int_equal(used_cpu(c, "n1"), 0);
	assert_int_equal(sched_cache_remove_pod(c, "default/p"), -ENOENT);
	sched_pod_unref(pending);
	sched_pod_unref(bound);
	sched_cache_free(c);
}

static void test_assume_forget(void **state)
{
	struct sched_cache *c = mkcache();
	struct sched_pod *p = mkpod("p", "1", "", "Pending");

	(void)state;
	set_node(c, "n1", "2");
	assert_int_equal(sched_cache_assume(c, p, "nope"), -ENOENT);
	assert_int_equal(sched_cache_assume(c, p, "n1"), 0);
	assert_int_equal(used_cpu(c, "n1"), 1000);
	assert_int_equal(sched_cache_forget(c, "default/p"), 0);
	assert_int_equal(used_cpu(c, "n1"), 0);
	assert_int_equal(sched_cache_pod_count(c), 0);
	assert_int_equal(sched_cache_forget(c, "default/p"), -ENOENT);
	sched_pod_unref(p);
	sched_cache_free(c);
}

static void test_bound_elsewhere_moves(void **state)
{
	struct sched_cache *c = mkcache();
	struct sched_pod *p = mkpod("p", "1", "", "Pending");
	struct sched_pod *b = mkpod("p", "1", "n2", "Pending");

	(void)state;
	set_node(c, "n1", "2");
	set_node(c, "n2", "2");
	assert_int_equal(sched_cache_assume(c, p, "n1"), 0);
	/* someone else bound it to n2 first */
	assert_int_equal(sched_cache_set_pod(c, b), 0);
	assert_int_equal(used_cpu(c, "n1"), 0);
	assert_int_equal(used_cpu(c, "n2"), 1000);
	assert_string_equal(sched_cache_pod_node(c, "default/p"), "n2");
	sched_pod_unref(p);
	sched_pod_unref(b);
	sched_cache_free(c);
}

static void test_ghost_nodes(void **state)
{
	struct sched_cache *c = mkcache();
	struct sched_pod *early = mkpod("early", "1", "later", "Running");
	struct sched_pod *stay = mkpod("stay", "1", "n1", "Running");
	size_t n;

	(void)state;
	/* a pod bound to a node not seen yet */
	assert_int_equal(sched_cache_set_pod(c, early), 0);
	sched_cache_nodes(c, &n);
	assert_int_equal(n, 0);
	assert_int_equal(used_cpu(c, "later"), 1000);
	set_node(c, "later", "4");
	sched_cache_nodes(c, &n);
	assert_int_equal(n, 1);
	assert_int_equal(used_cpu(c, "later"), 1000);

	/* a node deleted with pods on it stays until they go */
	set_node(c, "n1", "4");
	assert_int_equal(sched_cache_set_pod(c, stay), 0);
	assert_int_equal(sched_cache_remove_node(c, "n1"), 0);
	sched_cache_nodes(c, &n);
	assert_int_equal(n, 1);
	assert_non_null(sched_cache_node(c, "n1"));
	assert_null(sched_cache_node(c, "n1")->obj);
	/* assuming onto a ghost is refused */
	{
		struct sched_pod *x = mkpod("x", "1", "", "Pending");

		assert_int_equal(sched_cache_assume(c, x, "n1"), -ENOENT);
		sched_pod_unref(x);
	}
	assert_int_equal(sched_cache_remove_pod(c, "default/stay"), 0);
	assert_null(sched_cache_node(c, "n1"));
	assert_int_equal(sched_cache_remove_node(c, "n1"), -ENOENT);
	sched_pod_unref(early);
	sched_pod_unref(stay);
	sched_cache_free(c);
}

static void test_terminal_pods_free_resources(void **state)
{
	struct sched_cache *c = mkcache();
	struct sched_pod *run = mkpod("job", "1", "n1", "Running");
	struct sched_pod *done = mkpod("job", "1", "n1", "Succeeded");
	struct sched_pod *unbound = mkpod("u", "1", "", "Pending");

	(void)state;
	set_node(c, "n1", "2");
	assert_int_equal(sched_cache_set_pod(c, run), 0);
	assert_int_equal(used_cpu(c, "n1"), 1000);
	assert_int_equal(sched_cache_set_pod(c, done), 0);
	assert_int_equal(used_cpu(c, "n1"), 0);
	assert_int_equal(sched_cache_pod_count(c), 0);
	assert_int_equal(sched_cache_set_pod(c, unbound), -EINVAL);
	sched_pod_unref(run);
	sched_pod_unref(done);
	sched_pod_unref(unbound);
	sched_cache_free(c);
}

static void test_node_update_and_bad_node(void **state)
{
	struct sched_cache *c = mkcache();
	struct sched_pod *p = mkpod("p", "1", "n1", "Running");
	struct kf_error err;
	json_t *bad;
	size_t n;

	(void)state;
	set_node(c, "n1", "2");
	assert_int_equal(sched_cache_set_pod(c, p), 0);
	set_node(c, "n1", "8");
	assert_int_equal(sched_cache_node(c, "n1")->allocatable.milli_cpu,
			 8000);
	assert_int_equal(used_cpu(c, "n1"), 1000);
	/* a malformed version withdraws it from scheduling */
	bad = node_obj("n1", "eight");
	kf_error_init(&err);
	assert_int_equal(sched_cache_set_node(c, bad, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "status.allocatable[cpu]"));
	json_decref(bad);
	sched_cache_nodes(c, &n);
	assert_int_equal(n, 0);
	assert_int_equal(used_cpu(c, "n1"), 1000);
	set_node(c, "n1", "8");
	sched_cache_nodes(c, &n);
	assert_int_equal(n, 1);
	bad = json_pack("{s:{}}", "metadata");
	assert_int_equal(sched_cache_set_node(c, bad, &err), -EINVAL);
	json_decref(bad);
	sched_pod_unref(p);
	sched_cache_free(c);
}

static void test_many_nodes_order_stable(void **state)
{
	struct sched_cache *c = mkcache();
	struct sched_node *const *nodes;
	char name[32];
	size_t n;

	(void)state;
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		set_node(c, name, "1");
	}
	for (int i = 0; i < 500; i += 2) {
		snprintf(name, sizeof(name), "n%d", i);
		assert_int_equal(sched_cache_remove_node(c, name), 0);
	}
	nodes = sched_cache_nodes(c, &n);
	assert_int_equal(n, 250);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(nodes[i]->index, i);
		assert_true(atoi(nodes[i]->name + 1) % 2 == 1);
		assert_ptr_equal(sched_cache_node(c, nodes[i]->name), nodes[i]);
	}
	sched_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_assume_confirm),
	    cmocka_unit_test(test_assume_forget),
	    cmocka_unit_test(test_bound_elsewhere_moves),
	    cmocka_unit_test(test_ghost_nodes),
	    cmocka_unit_test(test_terminal_pods_free_resources),
	    cmocka_unit_test(test_node_update_and_bad_node),
	    cmocka_unit_test(test_many_nodes_order_stable),
	};

	return cmocka_run_group_tests(tests, 0, NULL);
}
