/*
 * test_kinds.c — the kind registry: the table, lookups by path, by
 * apiVersion/kind and by the names people type, qualified kinds, and
 * kind_admit() on the example manifests.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "api/kinds.h"

static void test_table(void **state)
{
	size_t n = kinds_count();

	(void)state;
	assert_int_equal(n, 25);
	assert_null(kinds_at(n));
	for (size_t i = 0; i < n; i++) {
		const struct kind_info *k = kinds_at(i);

		assert_non_null(k->kind);
		assert_non_null(k->validate);
		assert_non_null(k->check);
		assert_ptr_equal(kinds_by_gvk(k->api_version, k->kind), k);
		assert_ptr_equal(
		    kinds_by_path(k->path_group, k->version, k->resource), k);
		if (!strcmp(k->group, "metrics.k8s.io")) {
			/* "pods" and "nodes" are the core kinds' names; these
			 * go by their kind or with the group */
			char full[64];

			snprintf(full, sizeof(full), "%s.metrics.k8s.io",
				 k->resource);
			assert_ptr_equal(kinds_by_name(full), k);
			assert_ptr_equal(kinds_by_name(k->kind), k);
			assert_ptr_not_equal(kinds_by_name(k->resource), k);
			continue;
		}
		assert_ptr_equal(kinds_by_name(k->resource), k);
		assert_ptr_equal(kinds_by_name(k->singular), k);
		assert_ptr_equal(kinds_by_name(k->kind), k);
		if (*k->group) {
			assert_string_equal(k->path_group, k->group);
			assert_true(strlen(k->api_version) > strlen(k->group));
		} else {
			assert_string_equal(k->path_group, "core");
			assert_string_equal(k->api_version, "v1");
		}
		/* resources are unique */
		for (size_t j = 0; j < i; j++)
			assert_false(
			    !strcmp(kinds_at(j)->resource, k->resource) &&
			    !strcmp(kinds_at(j)->path_group, k->path_group));
	}
}

static void test_by_path(void **state)
{
	const struct kind_info *k;

	(void)state;
	k = kinds_by_path("core", "v1", "pods");
	assert_non_null(k);
	assert_string_equal(k->kind, "Pod");
	assert_true(k->namespaced);
	assert_int_equal(k->subresources, KIND_SUB_STATUS | KIND_SUB_BINDING |
					      KIND_SUB_LOG | KIND_SUB_EVICTION);
	k = kinds_by_path("apps", "v1", "deployments");
	assert_string_equal(k->api_version, "apps/v1");
	assert_int_equal(k->subresources, KIND_SUB_STATUS | KIND_SUB_SCALE);
	k = kinds_by_path("coordination.k8s.io", "v1", "leases");
	assert_string_equal(k->kind, "Lease");
	k = kinds_by_path("discovery.k8s.io", "v1", "endpointslices");
	assert_string_equal(k->kind, "EndpointSlice");
	k = kinds_by_path("batch", "v1", "cronjobs");
	assert_int_equal(k->subresources, KIND_SUB_STATUS);
	k = kinds_by_path("core", "v1", "namespaces");
	assert_false(k->namespaced);
	assert_true(k->keep_status_on_create);
	assert_true(k->touch_creates);
	assert_true(
	    kinds_by_path("core", "v1", "nodes")->keep_status_on_create);
	assert_false(kinds_by_path("core", "v1", "nodes")->namespaced);
	assert_false(kinds_by_path("core", "v1", "pods")->touch_creates);
	assert_true(kinds_by_path("core", "v1", "endpoints")->touch_creates);
	assert_true(kinds_by_path("coordination.k8s.io", "v1", "leases")
			->touch_creates);
	assert_null(kinds_by_path("apps", "v1", "pods"));
	assert_null(kinds_by_path("core", "v2", "pods"));
	assert_null(kinds_by_path("", "v1", "pods"));
	assert_null(kinds_by_path(NULL, "v1", "pods"));
}

static void test_by_gvk(void **state)
{
	(void)state;
	assert_string_equal(kinds_by_gvk("v1", "Service")->resource,
			    "services");
	assert_string_equal(kinds_by_gvk("batch/v1", "Job")->resource, "jobs");
	assert_null(kinds_by_gvk("apps/v1", "Pod"));
	assert_null(kinds_by_gvk("v1", "pod")); /* manifests are exact */
	assert_null(kinds_by_gvk("extensions/v1beta1", "Deployment"));
	assert_null(kinds_by_gvk(NULL, "Pod"));
}

static void test_by_name(void **state)
{
	static const struct {
		const char *name, *kind;
	} cases[] = {
	    {"po", "Pod"},
	    {"PODS", "Pod"},
	    {"deploy", "Deployment"},
	    {"deployments.apps", "Deployment"},
	    {"deploy.apps", "Deployment"},
	    {"deployment.v1.apps", "Deployment"},
	    {"svc", "Service"},
	    {"ep", "Endpoints"},
	    {"cm", "ConfigMap"},
	    {"ev", "Event"},
	    {"sa", "ServiceAccount"},
	    {"rs", "ReplicaSet"},
	    {"ds", "DaemonSet"},
	    {"sts", "StatefulSet"},
	    {"cj", "CronJob"},
	    {"cronjobs.batch", "CronJob"},
	    {"ns", "Namespace"},
	    {"no", "Node"},
	    {"leases.coordination.k8s.io", "Lease"},
	    {"endpointslices.discovery.k8s.io", "EndpointSlice"},
	    {"EndpointSlice", "EndpointSlice"},
	    {"secret", "Secret"},
	    {"pods.v1", "Pod"},
	    {"clusterroles.rbac.authorization.k8s.io", "ClusterRole"},
	    {"rolebinding", "RoleBinding"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct kind_info *k = kinds_by_name(cases[i].name);

		if (!k || strcmp(k->kind, cases[i].kind))
			fail_msg("%s: want %s, got %s", cases[i].name,
				 cases[i].kind, k ? k->kind : "(none)");
	}
	assert_null(kinds_by_name("deployments.batch"));
	assert_null(kinds_by_name("pods.apps"));
	assert_null(kinds_by_name("widgets"));
	assert_null(kinds_by_name(""));
	assert_null(kinds_by_name(NULL));
}

static void test_qualified(void **state)
{
	(void)state;
	assert_string_equal(kind_qualified(kinds_by_name("pods")), "Pod");
	assert_string_equal(kind_qualified(kinds_by_name("deploy")),
			    "Deployment.apps");
	assert_string_equal(kind_qualified(kinds_by_name("leases")),
			    "Lease.coordination.k8s.io");
	assert_string_equal(kind_qualified(NULL), "");
}

static void test_admit_example(void **state)
{
	json_error_t jerr;
	const struct kind_info *k = kinds_by_name("deployments.apps");
	_cleanup_json_ json_t *d = json_loads(
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":"
	    "{\"name\":\"nginx\",\"namespace\":\"default\",\"labels\":{\"app\":"
	    "\"nginx\"}},\"spec\":{\"replicas\":1,\"selector\":{"
	    "\"matchLabels\":"
	    "{\"app\":\"nginx\"}},\"template\":{\"metadata\":{\"labels\":{"
	    "\"app\":\"nginx\"}},\"spec\":{\"containers\":[{\"name\":"
	    "\"leader\","
	    "\"image\":\"docker.io/nginx:latest\",\"resources\":{\"requests\":{"
	    "\"cpu\":\"100m\",\"memory\":\"100Mi\"}},\"ports\":[{"
	    "\"containerPort\":80}]}]}}}}",
	    0, &jerr);
	struct kf_error err;

	(void)state;
	assert_non_null(d);
	kf_error_init(&err);
	assert_int_equal(kind_admit(k, d, NULL, &err), 0);
	assert_string_equal(err.msg, "");
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(d, "spec"), "strategy"),
		"type")),
	    "RollingUpdate");
	/* an update that changes only replicas passes */
	{
		_cleanup_json_ json_t *n = json_deep_copy(d);

		json_object_set_new(json_object_get(n, "spec"), "replicas",
				    json_integer(3));
		assert_int_equal(kind_admit(k, n, d, &err), 0);
	}
	/* the validate hook alone does not default */
	{
		_cleanup_json_ json_t *n = json_deep_copy(d);

		json_object_del(json_object_get(n, "spec"), "strategy");
		assert_int_equal(k->validate(n, NULL, &err), -EINVAL);
		assert_string_equal(err.msg,
				    "Deployment.apps \"nginx\" is invalid: "
				    "spec.strategy: Unsupported value: {}: "
				    "supported values: \"Recreate\", "
				    "\"RollingUpdate\"");
	}
	assert_int_equal(kind_admit(k, d, NULL, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_by_path),
	    cmocka_unit_test(test_by_gvk),
	    cmocka_unit_test(test_by_name),
	    cmocka_unit_test(test_qualified),
	    cmocka_unit_test(test_admit_example),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
