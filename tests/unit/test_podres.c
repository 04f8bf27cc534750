/*
 * test_podres.c — a pod's effective resource request (api/podres.h), the
 * cases of Kubernetes' PodRequests: containers, init containers,
 * restartable init containers (sidecars), overhead, limits standing in
 * for requests, and the scheduler's nonzero defaults.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/podres.h"
#include "api/quantity.h"

static json_t *spec(const char *json)
{
	json_t *j = json_loads(json, 0, NULL);

	assert_non_null(j);
	return j;
}

/* cpu (millicores) and memory (bytes) of the spec's request. */
static void expect(const char *json, const struct pod_requests_opts *o,
		   int64_t cpu, int64_t mem)
{
	json_t *s = spec(json);
	struct pod_resources r;
	struct kf_error err;

	kf_error_init(&err);
	if (pod_requests(s, o, &err, &r) < 0)
		fail_msg("%s: %s", json, err.msg);
	assert_int_equal(pod_resources_get(&r, "cpu"), cpu);
	assert_int_equal(pod_resources_get(&r, "memory"), mem);
	json_decref(s);
}

#define C(req) "{\"name\":\"c\",\"resources\":{\"requests\":" req "}}"
#define SIDECAR(req)                                                           \
	"{\"name\":\"s\",\"restartPolicy\":\"Always\",\"resources\":{"         \
	"\"requests\":" req "}}"

static void test_containers(void **state)
{
	(void)state;
	expect("{}", NULL, 0, 0);
	expect(
	    "{\"containers\":[" C(
		"{\"cpu\":\"250m\",\"memory\":\"64Mi\"}") "," C("{\"cpu\":"
								"\"1\"}") "]}",
	    NULL, 1250, 64 << 20);
	/* a limit stands in for a missing request */
	expect("{\"containers\":[{\"name\":\"c\",\"resources\":{\"limits\":{"
	       "\"cpu\":\"2\",\"memory\":\"1Gi\"},\"requests\":{\"cpu\":"
	       "\"1\"}}}]}",
	       NULL, 1000, 1 << 30);
}

static void test_init_containers(void **state)
{
	(void)state;
	/* an init container runs alone: the larger of it and the sum */
	expect("{\"containers\":[" C(
		   "{\"cpu\":\"1\"}") "],"
				      "\"initContainers\":[" C(
					  "{\"cpu\":\"3\"}") "]}",
	       NULL, 3000, 0);
	expect("{\"containers\":[" C(
		   "{\"cpu\":\"2\",\"memory\":\"1Gi\"}") "],"
							 "\"initContainers\":"
							 "[" C("{\"cpu\":\"1\","
							       "\"memory\":"
							       "\"2Gi\"}") "]}",
	       NULL, 2000, 2ll << 30);
}

static void test_sidecars(void **state)
{
	(void)state;
	/* a sidecar keeps running: it adds to the sum and to every init
	 * container started after it */
	expect("{\"containers\":[" C(
		   "{\"cpu\":\"1\"}") "],"
				      "\"initContainers\":[" SIDECAR(
					  "{\"cpu\":\"1\"}") "]}",
	       NULL, 2000, 0);
	expect(
	    "{\"containers\":[" C(
		"{\"cpu\":\"1\"}") "],"
				   "\"initContainers\":[" SIDECAR(
				       "{\"cpu\":\"1\"}") "," C("{\"cpu\":"
								"\"3\"}") "]}",
	    NULL, 4000, 0);
	/* an init container before the sidecar runs without it */
	expect(
	    "{\"containers\":[" C(
		"{\"cpu\":\"1\"}") "],"
				   "\"initContainers\":[" C(
				       "{\"cpu\":\"3\"}") "," SIDECAR("{\"cp"
								      "u\":"
								      "\"1\""
								      "}") "]}",
	    NULL, 3000, 0);
}

static void test_overhead_and_defaults(void **state)
{
	static const struct pod_requests_opts nz = {
	    .nonzero = true,
	    .default_milli_cpu = 100,
	    .default_memory = 200 << 20,
	};

	(void)state;
	expect(
	    "{\"containers\":[" C(
		"{\"cpu\":\"1\"}") "],"
				   "\"initContainers\":[" SIDECAR(
				       "{\"cpu\":\"1\"}") "," C("{\"cpu\":"
								"\"3\"}") "],"
									  "\"ov"
									  "erhe"
									  "ad\""
									  ":{"
									  "\"cp"
									  "u\":"
									  "\"50"
									  "0m\""
									  ",\"m"
									  "emor"
									  "y\":"
									  "\"10"
									  "Mi\""
									  "}}",
	    NULL, 4500, 10 << 20);
	/* the scheduler's scoring view: unmentioned cpu and memory */
	expect("{\"containers\":[" C("{}") "," C("{\"cpu\":\"1\"}") "]}", &nz,
	       1100, 400 << 20);
	expect("{\"containers\":[" C("{}") "]}", NULL, 0, 0);
}

static void test_other_resources(void **state)
{
	json_t *s = spec("{\"containers\":[" C(
	    "{\"nvidia.com/gpu\":\"2\",\"ephemeral-storage\":\"1Ki\"}") "]}");
	struct pod_resources r;

	(void)state;
	assert_int_equal(pod_requests(s, NULL, NULL, &r), 0);
	assert_int_equal(pod_resources_get(&r, "nvidia.com/gpu"), 2);
	assert_int_equal(pod_resources_get(&r, "ephemeral-storage"), 1024);
	assert_int_equal(pod_resources_get(&r, "hugepages-2Mi"), 0);
	json_decref(s);
}

static void expect_bad(const char *json, const char *msg)
{
	json_t *s = spec(json);
	struct pod_resources r = {.n = 77};
	struct kf_error err;

	kf_error_init(&err);
	assert_int_equal(pod_requests(s, NULL, &err, &r), -EINVAL);
	assert_string_equal(err.msg, msg);
	assert_int_equal(r.n, 77); /* untouched */
	json_decref(s);
}

static void test_errors(void **state)
{
	char many[4096] = "{\"containers\":[{\"name\":\"c\",\"resources\":"
			  "{\"requests\":{";
	size_t len;

	(void)state;
	expect_bad("{\"containers\":[" C("{\"cpu\":\"-1\"}") "]}",
		   "spec.containers[0].resources.requests[cpu]: Invalid value: "
		   "\"-1\": must be greater than or equal to 0");
	expect_bad("{\"containers\":{}}",
		   "spec.containers: Invalid value: must be an array");
	expect_bad("{\"overhead\":{\"cpu\":\"lots\"}}",
		   "spec.overhead[cpu]: Invalid value: "
		   "\"lots\": " QUANTITY_FORMAT_ERROR);
	for (int i = 0; i <= POD_RESOURCES_MAX; i++) {
		len = strlen(many);
		snprintf(many + len, sizeof(many) - len, "%s\"r%d\":\"1\"",
			 i ? "," : "", i);
	}
	strcat(many, "}}}]}");
	expect_bad(many, "spec.containers: Invalid value: more than 32 "
			 "distinct resources requested");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_containers),
	    cmocka_unit_test(test_init_containers),
	    cmocka_unit_test(test_sidecars),
	    cmocka_unit_test(test_overhead_and_defaults),
	    cmocka_unit_test(test_other_resources),
	    cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
