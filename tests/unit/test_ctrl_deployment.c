/*
 * Unit tests for kubefs-ctrl's Deployment controller (with the ReplicaSet
 * controller, no scheduler: pods stay Pending and unavailable) against a
 * real kubefs-fs: ReplicaSets by template hash, Recreate scaling the old
 * set to 0 before the new one grows, an empty selector refused, and the
 * hash itself, the ReplicaSet's ReplicaFailure condition copied.
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
#include "ctrl/deployment_i.h"
#include "ctrl/meta.h"
#include "test_ctrl_run.h"

static const struct kind_info *k_rs(void)
{
	return kinds_by_path("apps", "v1", "replicasets");
}

static json_t *sets_of(const char *app)
{
	json_t *items = NULL;
	char sel[64];

	snprintf(sel, sizeof(sel), "app=%s", app);
	if (client_list(fs.c, k_rs(), "default", sel, NULL, NULL, &items,
			NULL) < 0)
		return json_array();
	return items;
}

struct sets_want {
	const char *app;
	const char *sizes; /* spec.replicas of each set, by name: "0 3" */
};

static bool sets_reached(void *ud)
{
	struct sets_want *w = ud;
	_cleanup_json_ json_t *items = sets_of(w->app);
	char buf[128] = "";
	size_t i;
	json_t *rs;

	json_array_foreach (items, i, rs)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%lld",
			 i ? " " : "", cj_int(rs, "spec.replicas", -1));
	return !strcmp(buf, w->sizes);
}

/* spec.replicas of the set running image, -1 when there is none */
static long size_of(const json_t *items, const char *image)
{
	size_t i;
	json_t *rs;

	json_array_foreach (items, i, rs) {
		json_t *c = json_array_get(
		    cj_get(rs, "spec.template.spec.containers"), 0);

		if (!strcmp(cj_str(c, "image") ?: "", image))
			return (long)cj_int(rs, "spec.replicas", -1);
	}
	return -1;
}

static const char *recreate_yaml(const char *image)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
		 "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: "
		 "rc}\nspec:\n  replicas: 2\n  strategy: {type: Recreate}\n"
		 "  selector: {matchLabels: {app: rc}}\n"
		 "  template:\n    metadata: {labels: {app: rc}}\n"
		 "    spec: {containers: [{name: c, image: \"%s\"}]}\n",
		 image);
	return buf;
}

static void test_recreate(void **state)
{
	struct test_ctrl tc;
	struct sets_want one = {"rc", "2"};
	bool done = false;

	TEST_FS_REQUIRE(&fs);
	assert_int_equal(test_ctrl_start(&tc, fs.c, "replicaset,deployment"),
			 0);
	put("apps/v1/deployments/default/rc", recreate_yaml("a:1"));
	assert_true(test_ctrl_wait(sets_reached, &one));
	/* a new template: the old set goes to 0 before the new one has
	 * any replica (unbound pods are deleted at once, so it comes) */
	put("apps/v1/deployments/default/rc", recreate_yaml("a:2"));
	for (int i = 0; i < 400 && !done; i++) {
		_cleanup_json_ json_t *items = sets_of("rc");
		long old = size_of(items, "a:1"), nw = size_of(items, "a:2");

		if (nw > 0)
			assert_int_equal(old, 0);
		done = old == 0 && nw == 2;
		if (!done)
			test_fs_sleep_ms(50);
	}
	assert_true(done);
	test_ctrl_stop(&tc);
}

static void test_hash(void **state)
{
	_cleanup_json_ json_t *t1 =
	    json_pack("{s:{s:{s:s}}}", "metadata", "labels", "app", "x");
	_cleanup_json_ json_t *t2 =
	    json_pack("{s:{s:{s:s}}}", "metadata", "labels", "app", "y");
	char a[16], b[16], c[16], a2[16];

	dep_template_hash(t1, 0, a, sizeof(a));
	dep_template_hash(t1, 0, a2, sizeof(a2));
	dep_template_hash(t2, 0, b, sizeof(b));
	dep_template_hash(t1, 1, c, sizeof(c));
	assert_string_equal(a, a2);
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, c);
	for (const char *p = a; *p; p++)
		assert_non_null(strchr("bcdfghjklmnpqrstvwxz2456789", *p));
}

static const char *surge_yaml(int replicas, const char *image)
{
	static char buf[640];

	snprintf(buf, sizeof(buf),
		 "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: "
		 "prop}\nspec:\n  replicas: %d\n  strategy: {type: "
		 "RollingUpdate, rollingUpdate: {maxSurge: 3, maxUnavailable: "
		 "0}}\n  selector: {matchLabels: {app: prop}}\n"
		 "  template:\n    metadata: {labels: {app: prop}}\n"
		 "    spec: {containers: [{name: c, image: \"%s\"}]}\n",
		 replicas, image);
	return buf;
}

struct prop_want {
	long old, nw;
};

static bool prop_reached(void *ud)
{
	struct prop_want *w = ud;
	_cleanup_json_ json_t *items = sets_of("prop");

	return size_of(items, "p:1") == w->old &&
	       size_of(items, "p:2") == w->nw;
}

/*
 * No node runs the pods, so a rollout with maxUnavailable 0 stops at
 * old 10 + new 3 (the surge). Scaling to 20 then spreads the 10 extra
 * replicas (23 allowed with the surge) in proportion: 10*23/13 rounds to
 * 18 for the old set, 3*23/13 to 5 for the new one.
 */
static void test_proportional(void **state)
{
	struct test_ctrl tc;
	struct prop_want first = {10, -1}, mid = {10, 3}, scaled = {18, 5};

	TEST_FS_REQUIRE(&fs);
	assert_int_equal(test_ctrl_start(&tc, fs.c, "deployment"), 0);
	put("apps/v1/deployments/default/prop", surge_yaml(10, "p:1"));
	assert_true(test_ctrl_wait(prop_reached, &first));
	put("apps/v1/deployments/default/prop", surge_yaml(10, "p:2"));
	assert_true(test_ctrl_wait(prop_reached, &mid));
	put("apps/v1/deployments/default/prop@scale", "20");
	assert_true(test_ctrl_wait(prop_reached, &scaled));
	test_ctrl_stop(&tc);
}

static bool deadline_exceeded(void *ud)
{
	_cleanup_json_ json_t *d = NULL;
	json_t *c;

	if (client_get(fs.c, kinds_by_path("apps", "v1", "deployments"),
		       "default", ud, NULL, &d) < 0)
		return false;
	c = ctrl_condition(d, "Progressing");
	return c && !strcmp(cj_str(c, "status") ?: "", "False") &&
	       !strcmp(cj_str(c, "reason") ?: "", "ProgressDeadlineExceeded");
}

/* No node runs the pods: after progressDeadlineSeconds the Deployment
 * says so, as `kubefs rollout status` expects. */
static void test_progress_deadline(void **state)
{
	struct test_ctrl tc;
	_cleanup_json_ json_t *d = NULL;
	json_t *c;

	TEST_FS_REQUIRE(&fs);
	assert_int_equal(test_ctrl_start(&tc, fs.c, "replicaset,deployment"),
			 0);
	put("apps/v1/deployments/default/slow",
	    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: slow}\n"
	    "spec:\n  replicas: 1\n  progressDeadlineSeconds: 1\n"
	    "  selector: {matchLabels: {app: slow}}\n  template:\n"
	    "    metadata: {labels: {app: slow}}\n"
	    "    spec: {containers: [{name: c, image: x}]}\n");
	assert_true(test_ctrl_wait(deadline_exceeded, "slow"));
	assert_int_equal(client_get(fs.c,
				    kinds_by_path("apps", "v1", "deployments"),
				    "default", "slow", NULL, &d),
			 0);
	c = ctrl_condition(d, "Progressing");
	assert_int_equal(
	    strncmp(cj_str(c, "message"), "ReplicaSet \"slow-", 17), 0);
	assert_non_null(
	    strstr(cj_str(c, "message"), "\" has timed out progressing."));
	c = ctrl_condition(d, "Available");
	assert_string_equal(cj_str(c, "reason"), "MinimumReplicasUnavailable");
	test_ctrl_stop(&tc);
}

/* An empty selector would select every pod: validation refuses it, so
 * the controller never sees one; a selector that matches nothing just
 * makes a set whose pods are its own. */
static void test_selecting_all(void **state)
{
	struct test_ctrl tc;
	struct sets_want one = {"lonely", "1"};

	TEST_FS_REQUIRE(&fs);
	assert_int_equal(test_ctrl_start(&tc, fs.c, "replicaset,deployment"),
			 0);
	assert_int_equal(
	    test_fs_write(&fs, "apps/v1/deployments/default/all",
			  "apiVersion: apps/v1\nkind: Deployment\nmetadata: "
			  "{name: all}\nspec:\n  selector: {}\n  template:\n"
			  "    metadata: {labels: {app: all}}\n    spec: "
			  "{containers: [{name: c, image: x}]}\n"),
	    -EINVAL);
	put("apps/v1/deployments/default/lonely",
	    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: "
	    "lonely}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: "
	    "lonely}}\n  template:\n    metadata: {labels: {app: lonely}}\n"
	    "    spec: {containers: [{name: c, image: x}]}\n");
	assert_true(test_ctrl_wait(sets_reached, &one));
	test_ctrl_stop(&tc);
}

static bool has_failure(void *ud)
{
	const char *want = ud; /* a reason, or "" for none */
	_cleanup_json_ json_t *d = NULL;
	json_t *c;

	if (client_get(fs.c, kinds_by_path("apps", "v1", "deployments"),
		       "default", "fail", NULL, &d) < 0)
		return false;
	c = ctrl_condition(d, "ReplicaFailure");
	return *want ? c && !strcmp(cj_str(c, "reason") ?: "", want)
		     : c == NULL;
}

/* Set (cond non-NULL, stolen) or clear the status conditions of the
 * Deployment's only ReplicaSet, as the ReplicaSet controller would. */
static void set_rs_conditions(json_t *cond)
{
	_cleanup_json_ json_t *items = sets_of("fail");
	json_t *rs = json_array_get(items, 0), *st;

	assert_non_null(rs);
	st = json_object_get(rs, "status");
	if (!json_is_object(st)) {
		st = json_object();
		json_object_set_new(rs, "status", st);
	}
	json_object_set_new(st, "conditions",
			    cond ? json_pack("[o]", cond) : json_array());
	assert_int_equal(client_update_status(fs.c, k_rs(), rs, NULL, NULL), 0);
}

/* The ReplicaSet's ReplicaFailure condition shows on the Deployment
 * (getReplicaFailures), both times from the set's lastTransitionTime,
 * and goes when the set's goes. Only the Deployment controller runs,
 * so the set's status is what this test writes. */
static void test_replica_failure(void **state)
{
	struct test_ctrl tc;
	struct sets_want one = {"fail", "1"};
	_cleanup_json_ json_t *d = NULL;
	json_t *c;

	TEST_FS_REQUIRE(&fs);
	assert_int_equal(test_ctrl_start(&tc, fs.c, "deployment"), 0);
	put("apps/v1/deployments/default/fail",
	    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: fail}\n"
	    "spec:\n  replicas: 1\n  selector: {matchLabels: {app: fail}}\n"
	    "  template:\n    metadata: {labels: {app: fail}}\n"
	    "    spec: {containers: [{name: c, image: x}]}\n");
	assert_true(test_ctrl_wait(sets_reached, &one));
	set_rs_conditions(json_pack(
	    "{s:s, s:s, s:s, s:s, s:s}", "type", "ReplicaFailure", "status",
	    "True", "lastTransitionTime", "2026-01-02T03:04:05Z", "reason",
	    "FailedCreate", "message", "pods \"fail-x\" is forbidden"));
	assert_true(test_ctrl_wait(has_failure, "FailedCreate"));
	assert_int_equal(client_get(fs.c,
				    kinds_by_path("apps", "v1", "deployments"),
				    "default", "fail", NULL, &d),
			 0);
	c = ctrl_condition(d, "ReplicaFailure");
	assert_string_equal(cj_str(c, "status"), "True");
	assert_string_equal(cj_str(c, "lastUpdateTime"),
			    "2026-01-02T03:04:05Z");
	assert_string_equal(cj_str(c, "lastTransitionTime"),
			    "2026-01-02T03:04:05Z");
	assert_string_equal(cj_str(c, "message"),
			    "pods \"fail-x\" is forbidden");
	set_rs_conditions(NULL);
	assert_true(test_ctrl_wait(has_failure, ""));
	test_ctrl_stop(&tc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash),
	    cmocka_unit_test(test_recreate),
	    cmocka_unit_test(test_selecting_all),
	    cmocka_unit_test(test_proportional),
	    cmocka_unit_test(test_progress_deadline),
	    cmocka_unit_test(test_replica_failure),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
