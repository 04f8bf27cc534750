/*
 * test_quota.c — ResourceQuota usage (api/quota.h): which kind a quota
 * resource counts and what one object takes of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "api/codec.h"
#include "api/quota.h"

static const struct kind_info *K(const char *group, const char *resource)
{
	return kinds_by_path(group, "v1", resource);
}

static void test_kind(void **state)
{
	(void)state;
	assert_ptr_equal(quota_kind("pods"), K("core", "pods"));
	assert_ptr_equal(quota_kind("requests.cpu"), K("core", "pods"));
	assert_ptr_equal(quota_kind("limits.memory"), K("core", "pods"));
	assert_ptr_equal(quota_kind("configmaps"), K("core", "configmaps"));
	assert_ptr_equal(quota_kind("count/deployments.apps"),
			 K("apps", "deployments"));
	assert_ptr_equal(quota_kind("count/secrets"), K("core", "secrets"));
	assert_null(quota_kind("count/widgets.example.com"));
	assert_null(quota_kind("persistentvolumeclaims"));
}

static __int128 take(const struct kind_info *k, const char *yaml,
		     const char *res, bool want_applies)
{
	_cleanup_json_ json_t *obj = NULL;
	struct kf_error err;
	__int128 n = -1;
	bool applies;

	if (codec_decode_one(yaml, strlen(yaml), NULL, &err, &obj) < 0)
		fail_msg("bad test YAML: %s", err.msg);
	assert_int_equal(quota_usage(k, obj, res, &applies, &n), 0);
	assert_int_equal(applies, want_applies);
	return n;
}

#define POD                                                                    \
	"spec: {containers: [{name: a, image: i, resources: {requests: "       \
	"{cpu: 250m}, limits: {memory: 1Gi}}}, {name: b, image: i, "           \
	"resources: {limits: {cpu: 500m, memory: 512Mi}}}]}\n"

static void test_usage(void **state)
{
	const struct kind_info *pod = K("core", "pods");
	const __int128 nano = 1000000000;

	(void)state;
	assert_true(take(pod, POD, "pods", true) == nano);
	assert_true(take(pod, POD, "count/pods", true) == nano);
	/* b's request is its limit */
	assert_true(take(pod, POD, "requests.cpu", true) == 750 * 1000000);
	assert_true(take(pod, POD, "limits.memory", true) ==
		    (__int128)1536 * 1024 * 1024 * nano);
	assert_true(
	    take(pod, "status: {phase: Succeeded}\n" POD, "pods", true) == 0);
	assert_true(take(pod, POD, "limits.cpu", true) == 500 * 1000000);
	take(pod, POD, "count/configmaps", false);
	assert_true(take(K("apps", "deployments"), "spec: {}\n",
			 "count/deployments.apps", true) == nano);
	take(K("core", "configmaps"), "data: {}\n", "requests.cpu", false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kind),
	    cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
