/*
 * Unit tests for kubefs-ctrl's ReplicaSet controller against a real
 * kubefs-fs: pods made from the template with a controller reference,
 * orphans adopted instead of new pods, pods that stop matching released,
 * scale down by deletion rank, status; plus the pure pieces
 * (expectations, ranking, --controllers).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "ctrl/expectations.h"
#include "ctrl/meta.h"
#include "ctrl/pods.h"
#include "test_ctrl_run.h"

static const struct kind_info *k_pod(void)
{
	return kinds_by_path("core", "v1", "pods");
}

static const struct kind_info *k_rs(void)
{
	return kinds_by_path("apps", "v1", "replicasets");
}

struct want {
	const char *ns, *selector;
	size_t pods;   /* active pods selected */
	long replicas; /* status.replicas of rs (-1: do not check) */
	const char *rs;
};

static size_t count_active(const char *ns, const char *sel)
{
	_cleanup_json_ json_t *items = NULL;
	size_t i, n = 0;
	json_t *p;

	if (client_list(fs.c, k_pod(), ns, sel, NULL, NULL, &items, NULL) < 0)
		return (size_t)-1;
	json_array_foreach (items, i, p)
		if (pod_active(p))
			n++;
	return n;
}

static bool reached(void *ud)
{
	struct want *w = ud;
	_cleanup_json_ json_t *rs = NULL;

	if (count_active(w->ns, w->selector) != w->pods)
		return false;
	if (w->replicas < 0)
		return true;
	if (client_get(fs.c, k_rs(), w->ns, w->rs, NULL, &rs) < 0)
		return false;
	return cj_int(rs, "status.replicas", 0) == w->replicas &&
	       cj_int(rs, "status.observedGeneration", 0) ==
		   cj_int(rs, "metadata.generation", -1);
}

static void test_creates_and_scales(void **state)
{
	struct test_ctrl tc;
	struct want w = {"default", "app=web", 3, 3, "web"};
	_cleanup_json_ json_t *items = NULL;
	size_t i;
	json_t *p;

	TEST_FS_REQUIRE(&fs);
	assert_int_equal(test_ctrl_start(&tc, fs.c, "replicaset"), 0);
	put("apps/v1/replicasets/default/web",
	    "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web}\n"
	    "spec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n"
	    "  template:\n    metadata: {labels: {app: web, tier: fe}}\n"
	    "    spec: {containers: [{name: c, image: nginx}]}\n");
	assert_true(test_ctrl_wait(reached, &w));
	assert_int_equal(client_list(fs.c, k_pod(), "default", "app=web", NULL,
				     NULL, &items, NULL),
			 0);
	json_array_foreach (items, i, p) {
		json_t *ref = owner_controller_ref(p);

		assert_non_null(ref);
		assert_string_equal(cj_str(ref, "kind"), "ReplicaSet");
		assert_string_equal(cj_str(ref, "name"), "web");
		assert_true(
		    json_is_true(json_object_get(ref, "blockOwnerDeletion")));
		assert_string_equal(cj_str(p, "metadata.labels.tier"), "fe");
		assert_int_equal(strncmp(meta_s(p, "name"), "web-", 4), 0);
	}
	/* no more than asked, even after a while of events */
	test_fs_sleep_ms(300);
	assert_int_equal(count_active("default", "app=web"), 3);

	put("apps/v1/replicasets/default/web@scale", "1");
	w.pods = 1;
	w.replicas = 1;
	assert_true(test_ctrl_wait(reached, &w));
	put("apps/v1/replicasets/default/web@scale", "0");
	w.pods = 0;
	w.replicas = 0;
	assert_true(test_ctrl_wait(reached, &w));
	test_ctrl_stop(&tc);
}

static void test_adopts_and_releases(void **state)
{
	struct test_ctrl tc;
	struct want w = {"default", "app=api", 2, 2, "api"};
	_cleanup_json_ json_t *orphan = NULL, *relabel = NULL;

	TEST_FS_REQUIRE(&fs);
	put("core/v1/pods/default/stray",
	    "apiVersion: v1\nkind: Pod\nmetadata: {name: stray, labels: "
	    "{app: api}}\nspec: {containers: [{name: c, image: x}]}\n");
	assert_int_equal(test_ctrl_start(&tc, fs.c, "replicaset"), 0);
	put("apps/v1/replicasets/default/api",
	    "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: api}\n"
	    "spec:\n  replicas: 2\n  selector: {matchLabels: {app: api}}\n"
	    "  template:\n    metadata: {labels: {app: api}}\n"
	    "    spec: {containers: [{name: c, image: nginx}]}\n");
	assert_true(test_ctrl_wait(reached, &w));
	/* the orphan was adopted: only one new pod */
	assert_int_equal(
	    client_get(fs.c, k_pod(), "default", "stray", NULL, &orphan), 0);
	assert_non_null(owner_controller_ref(orphan));
	assert_string_equal(cj_str(owner_controller_ref(orphan), "name"),
			    "api");
	json_decref(orphan);
	orphan = NULL;

	/* relabelled: released, and replaced */
	relabel =
	    json_pack("{s:{s:{s:s}}}", "metadata", "labels", "app", "other");
	assert_int_equal(client_patch(fs.c, k_pod(), "default", "stray",
				      relabel, NULL, NULL),
			 0);
	assert_true(test_ctrl_wait(reached, &w));
	for (int i = 0; i < 200; i++) {
		json_decref(orphan);
		orphan = NULL;
		assert_int_equal(client_get(fs.c, k_pod(), "default", "stray",
					    NULL, &orphan),
				 0);
		if (!owner_controller_ref(orphan))
			break;
		test_fs_sleep_ms(50);
	}
	assert_null(owner_controller_ref(orphan));
	test_ctrl_stop(&tc);
}

static bool owned_counts(void *ud)
{
	_cleanup_json_ json_t *items = NULL;
	size_t i, a = 0, b = 0;
	json_t *p;

	(void)ud;
	if (client_list(fs.c, k_pod(), "default", "app=twin", NULL, NULL,
			&items, NULL) < 0)
		return false;
	json_array_foreach (items, i, p) {
		const char *owner = cj_str(owner_controller_ref(p), "name");

		if (!pod_active(p))
			continue;
		if (owner && !strcmp(owner, "twin-a"))
			a++;
		else if (owner && !strcmp(owner, "twin-b"))
			b++;
		else
			return false;
	}
	return a == 2 && b == 3;
}

/* Two ReplicaSets with the same selector never share or steal a pod:
 * each keeps its own count through its controller references. */
static void test_two_claimants(void **state)
{
	struct test_ctrl tc;
	static const char *fmt =
	    "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: %s}\n"
	    "spec:\n  replicas: %d\n  selector: {matchLabels: {app: twin}}\n"
	    "  template:\n    metadata: {labels: {app: twin}}\n"
	    "    spec: {containers: [{name: c, image: nginx}]}\n";
	char text[512];

	TEST_FS_REQUIRE(&fs);
	assert_int_equal(test_ctrl_start(&tc, fs.c, "replicaset"), 0);
	snprintf(text, sizeof(text), fmt, "twin-a", 2);
	put("apps/v1/replicasets/default/twin-a", text);
	snprintf(text, sizeof(text), fmt, "twin-b", 3);
	put("apps/v1/replicasets/default/twin-b", text);
	assert_true(test_ctrl_wait(owned_counts, NULL));
	test_fs_sleep_ms(300);
	assert_true(owned_counts(NULL));
	test_ctrl_stop(&tc);
}

static json_t *pod(const char *name, const char *node, const char *phase,
		   bool ready, const char *created)
{
	return json_pack(
	    "{s:{s:s, s:s}, s:{s:s}, s:{s:s, s:[{s:s, s:s, s:s}]}}", "metadata",
	    "name", name, "creationTimestamp", created, "spec", "nodeName",
	    node, "status", "phase", phase, "conditions", "type", "Ready",
	    "status", ready ? "True" : "False", "lastTransitionTime", created);
}

static void test_rank(void **state)
{
	_cleanup_json_ json_t *v = json_array();
	const char *order[] = {"unbound", "pending", "notready", "new", "old"};

	json_array_append_new(
	    v, pod("old", "n1", "Running", true, "2024-01-01T00:00:00Z"));
	json_array_append_new(
	    v, pod("new", "n2", "Running", true, "2024-06-01T00:00:00Z"));
	json_array_append_new(
	    v, pod("notready", "n3", "Running", false, "2024-01-01T00:00:00Z"));
	json_array_append_new(
	    v, pod("pending", "n4", "Pending", false, "2024-01-01T00:00:00Z"));
	json_array_append_new(
	    v, pod("unbound", "", "Pending", false, "2024-01-01T00:00:00Z"));
	pods_rank_for_deletion(v);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(meta_s(json_array_get(v, i), "name"),
				    order[i]);
}

/* The pod informer's transform keeps what controllers read, no more. */
static void test_slim_pod(void **state)
{
	_cleanup_json_ json_t *p = json_loads(
	    "{\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":\"1\"}},"
	    "\"spec\":{\"nodeName\":\"n\",\"dnsPolicy\":\"ClusterFirst\","
	    "\"tolerations\":[],\"containers\":[{\"name\":\"c\",\"image\":"
	    "\"x\",\"ports\":[{\"name\":\"http\",\"containerPort\":80}]}]},"
	    "\"status\":{\"phase\":\"Running\",\"qosClass\":\"BestEffort\","
	    "\"podIP\":\"10.0.0.1\",\"containerStatuses\":[{\"name\":\"c\","
	    "\"image\":\"x\",\"restartCount\":2}]}}",
	    0, NULL);
	_cleanup_json_ json_t *want = json_loads(
	    "{\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":\"1\"}},"
	    "\"spec\":{\"nodeName\":\"n\",\"tolerations\":[],\"containers\":"
	    "[{\"name\":\"c\",\"ports\":[{\"name\":\"http\",\"containerPort\":"
	    "80}]}]},\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.1\","
	    "\"containerStatuses\":[{\"name\":\"c\",\"restartCount\":2}]}}",
	    0, NULL);

	ctrl_slim_pod(p);
	assert_true(json_equal(p, want));
}

static void test_expectations(void **state)
{
	struct expectations *e;
	_cleanup_json_ json_t *dels = json_pack("[s, s]", "ns/a", "ns/b");

	assert_int_equal(expectations_new(&e), 0);
	assert_true(expectations_satisfied(e, "ns/x"));
	assert_int_equal(expectations_set(e, "ns/x", 2, NULL), 0);
	assert_false(expectations_satisfied(e, "ns/x"));
	expectations_lower_adds(e, "ns/x", 1);
	assert_false(expectations_satisfied(e, "ns/x"));
	expectations_lower_adds(e, "ns/x", 1);
	assert_true(expectations_satisfied(e, "ns/x"));
	assert_int_equal(expectations_set(e, "ns/x", 0, dels), 0);
	expectations_deletion_seen(e, "ns/x", "ns/a");
	expectations_deletion_seen(e, "ns/x", "ns/a");
	assert_false(expectations_satisfied(e, "ns/x"));
	expectations_deletion_seen(e, "ns/x", "ns/b");
	assert_true(expectations_satisfied(e, "ns/x"));
	expectations_free(e);
}

static void test_controllers_flag(void **state)
{
	const struct controller_desc rs = {"replicaset", true, NULL};
	const struct controller_desc off = {"bootstrapsigner", false, NULL};
	struct kf_error err;

	assert_true(ctrl_enabled("*", &rs));
	assert_false(ctrl_enabled("*,-replicaset", &rs));
	assert_false(ctrl_enabled("*", &off));
	assert_true(ctrl_enabled("bootstrapsigner", &off));
	assert_false(ctrl_enabled("deployment", &rs));
	kf_error_init(&err);
	assert_int_equal(ctrl_check_spec("*,-replicaset", &err), 0);
	assert_int_equal(ctrl_check_spec("*,-nope", &err), -EINVAL);
	assert_string_equal(err.msg,
			    "\"nope\" is not in the list of known controllers");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rank),
	    cmocka_unit_test(test_expectations),
	    cmocka_unit_test(test_slim_pod),
	    cmocka_unit_test(test_controllers_flag),
	    cmocka_unit_test(test_creates_and_scales),
	    cmocka_unit_test(test_adopts_and_releases),
	    cmocka_unit_test(test_two_claimants),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
