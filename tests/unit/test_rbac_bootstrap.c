/*
 * test_rbac_bootstrap.c — the bootstrap roles and bindings: every object
 * valid, the user-facing roles granting what Kubernetes' do (through
 * aggregation), the system roles, and reconciliation.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "api/kinds.h"
#include "api/rbac.h"
#include "api/rbac_bootstrap.h"

static json_t *find(const json_t *all, const char *kind, const char *name)
{
	const json_t *o;
	size_t i;

	json_array_foreach ((json_t *)all, i, o)
		if (!strcmp(json_string_value(json_object_get(o, "kind")),
			    kind) &&
		    !strcmp(json_string_value(json_object_get(
				json_object_get(o, "metadata"), "name")),
			    name))
			return (json_t *)o;
	return NULL;
}

static void test_objects_valid(void **state)
{
	_cleanup_json_ json_t *all = NULL;
	json_t *o;
	size_t i;

	(void)state;
	assert_int_equal(rbac_bootstrap_objects(&all), 0);
	assert_int_equal(json_array_size(all), 50);
	json_array_foreach (all, i, o) {
		_cleanup_json_ json_t *copy = json_deep_copy(o);
		const struct kind_info *k = kinds_by_gvk(
		    json_string_value(json_object_get(o, "apiVersion")),
		    json_string_value(json_object_get(o, "kind")));
		struct kf_error err;

		assert_non_null(k);
		if (kind_admit(k, copy, NULL, &err))
			fail_msg("%s", err.msg);
		/* defaulting changes nothing: they are written complete */
		assert_true(json_equal(copy, o));
	}
	assert_non_null(find(all, "ClusterRole", "system:node"));
	assert_non_null(find(all, "ClusterRoleBinding", "cluster-admin"));
}

struct can {
	const char *role, *verb, *group, *resource, *sub;
	bool allowed;
};

/* Each case binds role to "u" in namespace "ns" with a RoleBinding. */
static const struct can cans[] = {
    {"view", "get", "", "pods", "", true},
    {"view", "list", "apps", "deployments", "", true},
    {"view", "get", "", "pods", "log", true},
    {"view", "get", "", "secrets", "", false},
    {"view", "create", "", "pods", "", false},
    {"view", "list", "rbac.authorization.k8s.io", "roles", "", false},
    {"edit", "create", "", "pods", "", true},
    {"edit", "get", "", "secrets", "", true},
    {"edit", "update", "apps", "deployments", "scale", true},
    {"edit", "watch", "batch", "jobs", "", true},
    {"edit", "create", "rbac.authorization.k8s.io", "roles", "", false},
    {"admin", "create", "rbac.authorization.k8s.io", "rolebindings", "", true},
    {"admin", "delete", "", "configmaps", "", true},
    {"admin", "create", "", "pods", "eviction", true},
    {"admin", "delete", "", "namespaces", "", false},
    {"cluster-admin", "delete", "", "namespaces", "", true},
    {"system:node", "update", "", "pods", "status", true},
    {"system:node", "update", "", "pods", "", false},
    {"system:kube-scheduler", "create", "", "pods", "binding", true},
    {"system:kube-scheduler", "update", "", "pods", "", false},
    {"system:node-proxier", "watch", "discovery.k8s.io", "endpointslices", "",
     true},
    {"system:node-proxier", "get", "", "secrets", "", false},
    {"system:controller:replicaset-controller", "create", "", "pods", "", true},
    {"system:controller:namespace-controller", "update", "", "namespaces",
     "finalize", true},
    {"system:controller:resourcequota-controller", "update", "",
     "resourcequotas", "status", true},
    {"system:controller:resourcequota-controller", "update", "",
     "resourcequotas", "", false},
};

static void test_roles_grant(void **state)
{
	static const char *const groups[] = {"system:authenticated"};
	_cleanup_json_ json_t *all = NULL;
	json_t *o;
	size_t i;

	(void)state;
	assert_int_equal(rbac_bootstrap_objects(&all), 0);
	for (i = 0; i < sizeof(cans) / sizeof(*cans); i++) {
		struct rbac_policy *p;
		struct rbac_user u = {"u", groups, 1};
		struct rbac_attrs a = {
		    cans[i].verb, true, cans[i].group, cans[i].resource,
		    cans[i].sub,  "x",	"ns",	       NULL};
		_cleanup_json_ json_t *rb = json_pack(
		    "{s:s,s:s,s:{s:s,s:s},s:{s:s,s:s},s:[{s:s,s:s}]}",
		    "apiVersion", "rbac.authorization.k8s.io/v1", "kind",
		    "RoleBinding", "metadata", "name", "b", "namespace", "ns",
		    "roleRef", "kind", "ClusterRole", "name", cans[i].role,
		    "subjects", "kind", "User", "name", "u");
		size_t j;

		assert_int_equal(rbac_policy_new(&p), 0);
		json_array_foreach (all, j, o)
			assert_int_equal(rbac_policy_put(p, o), 0);
		assert_int_equal(rbac_policy_put(p, rb), 0);
		if (rbac_authorize(p, &u, &a, NULL, 0) != cans[i].allowed)
			fail_msg("%s %s %s/%s: want %d", cans[i].role,
				 cans[i].verb, cans[i].resource, cans[i].sub,
				 cans[i].allowed);
		rbac_policy_free(p);
	}
}

/* The default bindings: discovery for everyone, nothing else. */
static void test_default_bindings(void **state)
{
	static const char *const groups[] = {"system:authenticated"};
	_cleanup_json_ json_t *all = NULL;
	struct rbac_policy *p;
	struct rbac_user u = {"nobody", groups, 1};
	struct rbac_user sched = {"system:kube-scheduler", groups, 1};
	struct rbac_user kcm = {"system:kube-controller-manager", groups, 1};
	struct rbac_attrs rs = {"create", true, "apps", "replicasets",
				"",	  "",	"ns",	NULL};
	struct rbac_attrs version = {.verb = "get", .path = "/version"};
	struct rbac_attrs pods = {"list", true, "", "pods", "", "", "", NULL};
	json_t *o;
	size_t i;

	(void)state;
	assert_int_equal(rbac_bootstrap_objects(&all), 0);
	assert_int_equal(rbac_policy_new(&p), 0);
	json_array_foreach (all, i, o)
		assert_int_equal(rbac_policy_put(p, o), 0);
	assert_true(rbac_authorize(p, &u, &version, NULL, 0));
	assert_false(rbac_authorize(p, &u, &pods, NULL, 0));
	assert_true(rbac_authorize(p, &sched, &pods, NULL, 0));
	/* kubefs-ctrl's identity holds its controllers' roles */
	assert_true(rbac_authorize(p, &kcm, &rs, NULL, 0));
	assert_false(rbac_authorize(p, &sched, &rs, NULL, 0));
	rbac_policy_free(p);
}

static void test_reconcile(void **state)
{
	_cleanup_json_ json_t *all = NULL, *have = NULL, *out = NULL;
	json_t *want;

	(void)state;
	assert_int_equal(rbac_bootstrap_objects(&all), 0);
	want = find(all, "ClusterRole", "system:node-proxier");
	/* unchanged: nothing to do */
	assert_int_equal(rbac_bootstrap_reconcile(want, want, &out), 0);
	/* a lost rule and label come back; an added rule stays */
	have = json_deep_copy(want);
	json_array_remove(json_object_get(have, "rules"), 0);
	json_array_append_new(json_object_get(have, "rules"),
			      json_pack("{s:[s],s:[s],s:[s]}", "apiGroups", "",
					"resources", "pods", "verbs", "get"));
	json_object_del(
	    json_object_get(json_object_get(have, "metadata"), "labels"),
	    "kubernetes.io/bootstrapping");
	assert_int_equal(rbac_bootstrap_reconcile(want, have, &out), 1);
	/* the added rule is kept */
	assert_true(json_equal(
	    json_array_get(json_object_get(out, "rules"),
			   json_array_size(json_object_get(have, "rules")) - 1),
	    json_array_get(json_object_get(have, "rules"),
			   json_array_size(json_object_get(have, "rules")) -
			       1)));
	assert_int_equal(rbac_covers(json_object_get(out, "rules"),
				     json_object_get(want, "rules"), NULL),
			 1);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(out, "metadata"), "labels"),
		"kubernetes.io/bootstrapping")),
	    "rbac-defaults");
	json_decref(out);
	out = NULL;
	/* autoupdate "false": left alone */
	json_object_set_new(
	    json_object_get(json_object_get(have, "metadata"), "annotations"),
	    "rbac.authorization.kubernetes.io/autoupdate",
	    json_string("false"));
	assert_int_equal(rbac_bootstrap_reconcile(want, have, &out), 0);
	json_decref(have);

	/* bindings: missing subjects added; another roleRef: recreate */
	want = find(all, "ClusterRoleBinding", "system:public-info-viewer");
	have = json_deep_copy(want);
	json_array_remove(json_object_get(have, "subjects"), 1);
	assert_int_equal(rbac_bootstrap_reconcile(want, have, &out), 1);
	assert_true(json_equal(json_object_get(out, "subjects"),
			       json_object_get(want, "subjects")));
	json_object_set_new(json_object_get(have, "roleRef"), "name",
			    json_string("other"));
	assert_int_equal(rbac_bootstrap_reconcile(want, have, &out), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_objects_valid),
	    cmocka_unit_test(test_roles_grant),
	    cmocka_unit_test(test_default_bindings),
	    cmocka_unit_test(test_reconcile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
