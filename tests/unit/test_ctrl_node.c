/*
 * Unit tests for kubefs-ctrl's node lifecycle, PodGC and ServiceAccount
 * controllers against a real kubefs-fs: a node that stops reporting goes
 * Ready=Unknown and is tainted unreachable, and its pods are evicted by
 * their tolerationSeconds (the default 300 s keeps a pod), and no
 * NoExecute taint stays once every node is down; a pod bound
 * to a node that does not exist is deleted; every namespace gets a
 * "default" ServiceAccount.
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
#include "ctrl/meta.h"
#include "test_ctrl_run.h"

static const struct kind_info *k(const char *group, const char *res)
{
	return kinds_by_path(group, "v1", res);
}

static bool node_unreachable(void *ud)
{
	_cleanup_json_ json_t *n = NULL;
	json_t *ready;

	if (client_get(fs.c, k("core", "nodes"), NULL, ud, NULL, &n) < 0)
		return false;
	ready = ctrl_condition(n, "Ready");
	return ready && !strcmp(cj_str(ready, "status") ?: "", "Unknown") &&
	       json_array_size(cj_get(n, "spec.taints")) == 2;
}

/* Node "steady" reports Ready with a new heartbeat: one healthy node
 * keeps the zone out of FullDisruption, where nothing is evicted. */
static void steady_beat(void)
{
	static int beat;
	char text[512];

	snprintf(text, sizeof(text),
		 "{\"status\":{\"conditions\":[{\"type\":\"Ready\","
		 "\"status\":\"True\",\"reason\":\"KubeletReady\","
		 "\"lastHeartbeatTime\":\"2026-01-01T00:%02d:%02dZ\","
		 "\"lastTransitionTime\":\"2026-01-01T00:00:00Z\"}]}}",
		 beat / 60 % 60, beat % 60);
	beat++;
	put("core/v1/nodes/steady@status", text);
}

static bool unreachable_beating(void *ud)
{
	steady_beat();
	return node_unreachable(ud);
}

/* Node ud has Ready Unknown and only the NoSchedule taint. */
static bool unreachable_no_execute_lifted(void *ud)
{
	_cleanup_json_ json_t *n = NULL;
	json_t *ready, *t;

	if (client_get(fs.c, k("core", "nodes"), NULL, ud, NULL, &n) < 0)
		return false;
	ready = ctrl_condition(n, "Ready");
	t = json_array_get(cj_get(n, "spec.taints"), 0);
	return ready && !strcmp(cj_str(ready, "status") ?: "", "Unknown") &&
	       json_array_size(cj_get(n, "spec.taints")) == 1 &&
	       !strcmp(cj_str(t, "effect") ?: "", "NoSchedule");
}

/* Is the pod gone or being deleted? */
static bool evicted(void *ud)
{
	_cleanup_json_ json_t *p = NULL;
	int r = client_get(fs.c, k("core", "pods"), "default", ud, NULL, &p);

	return r == -ENOENT || (r == 0 && ctrl_deleting(p));
}

static void mkpod(const char *name, const char *node, const char *tolerations)
{
	char rel[128], text[1024];

	snprintf(rel, sizeof(rel), "core/v1/pods/default/%s", name);
	snprintf(text, sizeof(text),
		 "apiVersion: v1\nkind: Pod\nmetadata: {name: %s}\nspec:\n"
		 "  nodeName: %s\n%s  containers: [{name: c, image: x}]\n",
		 name, node, tolerations);
	put(rel, text);
}

static void test_node_lost(void **state)
{
	struct test_ctrl tc;
	struct ctrl_opts o;
	char now[RFC3339_MAX], text[1024];
	_cleanup_json_ json_t *n = NULL, *kept = NULL;

	TEST_FS_REQUIRE(&fs);
	ctrl_now(now);
	put("core/v1/nodes/quiet",
	    "apiVersion: v1\nkind: Node\nmetadata: {name: quiet}\n");
	snprintf(text, sizeof(text),
		 "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":"
		 "\"True\",\"reason\":\"KubeletReady\",\"lastHeartbeatTime\":"
		 "\"%s\",\"lastTransitionTime\":\"%s\"}]}}",
		 now, now);
	put("core/v1/nodes/quiet@status", text);
	put("core/v1/nodes/steady",
	    "apiVersion: v1\nkind: Node\nmetadata: {name: steady}\n");
	steady_beat();
	mkpod("brief", "quiet",
	      "  tolerations: [{key: node.kubernetes.io/unreachable, "
	      "operator: Exists, effect: NoExecute, tolerationSeconds: 0}]\n");
	mkpod("patient", "quiet", "");
	ctrl_opts_init(&o);
	o.node_monitor_grace_ms = 500;
	o.node_monitor_period_ms = 200;
	o.node_eviction_rate = 100;
	assert_int_equal(test_ctrl_start_opts(&tc, fs.c, "nodelifecycle", &o),
			 0);
	assert_true(test_ctrl_wait(unreachable_beating, "quiet"));
	assert_int_equal(
	    client_get(fs.c, k("core", "nodes"), NULL, "quiet", NULL, &n), 0);
	assert_string_equal(cj_str(ctrl_condition(n, "Ready"), "reason"),
			    "NodeStatusUnknown");
	assert_string_equal(cj_str(ctrl_condition(n, "Ready"), "message"),
			    "Kubelet stopped posting node status.");
	assert_true(test_ctrl_wait(evicted, "brief"));
	/* the default 300 s toleration keeps the other one for now */
	for (int i = 0; i < 10; i++) {
		steady_beat();
		test_fs_sleep_ms(50);
	}
	assert_int_equal(client_get(fs.c, k("core", "pods"), "default",
				    "patient", NULL, &kept),
			 0);
	assert_false(ctrl_deleting(kept));
	/* steady goes silent too: every zone is fully disrupted, so the
	 * controller trusts itself less than the nodes and lifts the
	 * NoExecute taints (handleDisruption, markNodeAsReachable) */
	assert_true(test_ctrl_wait(unreachable_no_execute_lifted, "quiet"));
	assert_true(test_ctrl_wait(unreachable_no_execute_lifted, "steady"));
	test_ctrl_stop(&tc);
}

static bool pod_gone(void *ud)
{
	_cleanup_json_ json_t *p = NULL;

	return client_get(fs.c, k("core", "pods"), "default", ud, NULL, &p) ==
	       -ENOENT;
}

static void test_podgc_orphans(void **state)
{
	struct test_ctrl tc;

	TEST_FS_REQUIRE(&fs);
	mkpod("stranded", "no-such-node", "");
	assert_int_equal(test_ctrl_start(&tc, fs.c, "podgc"), 0);
	assert_true(test_ctrl_wait(pod_gone, "stranded"));
	test_ctrl_stop(&tc);
}

static bool has_default_sa(void *ud)
{
	_cleanup_json_ json_t *sa = NULL;

	return client_get(fs.c, k("core", "serviceaccounts"), ud, "default",
			  NULL, &sa) == 0;
}

static void test_serviceaccount(void **state)
{
	struct test_ctrl tc;

	TEST_FS_REQUIRE(&fs);
	assert_int_equal(test_ctrl_start(&tc, fs.c, "serviceaccount"), 0);
	put("core/v1/namespaces/team-sa", "");
	assert_true(test_ctrl_wait(has_default_sa, "team-sa"));
	assert_true(test_ctrl_wait(has_default_sa, "default"));
	/* deleted: made again */
	assert_int_equal(client_delete(fs.c, k("core", "serviceaccounts"),
				       "team-sa", "default", NULL),
			 0);
	assert_true(test_ctrl_wait(has_default_sa, "team-sa"));
	test_ctrl_stop(&tc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_node_lost),
	    cmocka_unit_test(test_podgc_orphans),
	    cmocka_unit_test(test_serviceaccount),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
