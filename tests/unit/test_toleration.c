/*
 * test_toleration.c — v1.Toleration.ToleratesTaint (api/toleration.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api/toleration.h"

static json_t *j(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	assert_non_null(v);
	return v;
}

static bool tol(const char *t, const char *taint)
{
	json_t *a = j(t), *b = j(taint);
	bool ok = toleration_tolerates(a, b);

	json_decref(a);
	json_decref(b);
	return ok;
}

#define NOT_READY                                                              \
	"{\"key\":\"node.kubernetes.io/not-ready\",\"effect\":\"NoExecute\"}"
#define DEDICATED                                                              \
	"{\"key\":\"dedicated\",\"value\":\"gpu\",\"effect\":\"NoSchedule\"}"

static void test_equal(void **state)
{
	(void)state;
	assert_true(tol("{\"key\":\"dedicated\",\"operator\":\"Equal\","
			"\"value\":\"gpu\"}",
			DEDICATED));
	/* empty operator means Equal */
	assert_true(tol("{\"key\":\"dedicated\",\"value\":\"gpu\","
			"\"effect\":\"NoSchedule\"}",
			DEDICATED));
	assert_false(
	    tol("{\"key\":\"dedicated\",\"value\":\"cpu\"}", DEDICATED));
	assert_false(tol("{\"key\":\"other\",\"value\":\"gpu\"}", DEDICATED));
	/* an empty value only tolerates an empty value */
	assert_true(
	    tol("{\"key\":\"node.kubernetes.io/not-ready\"}", NOT_READY));
	assert_false(tol("{\"key\":\"dedicated\"}", DEDICATED));
}

static void test_exists_and_effect(void **state)
{
	(void)state;
	assert_true(
	    tol("{\"key\":\"dedicated\",\"operator\":\"Exists\"}", DEDICATED));
	/* empty key with Exists: every taint */
	assert_true(tol("{\"operator\":\"Exists\"}", DEDICATED));
	assert_true(tol("{\"operator\":\"Exists\"}", NOT_READY));
	/* effect must match when set */
	assert_false(tol("{\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}",
			 NOT_READY));
	assert_true(tol("{\"operator\":\"Exists\",\"effect\":\"NoExecute\"}",
			NOT_READY));
	/* unknown operator tolerates nothing */
	assert_false(tol("{\"key\":\"dedicated\",\"operator\":\"In\","
			 "\"value\":\"gpu\"}",
			 DEDICATED));
}

static void test_bad_input(void **state)
{
	json_t *taint = j(DEDICATED), *arr = j("[1, \"x\", null]");

	(void)state;
	assert_false(toleration_tolerates(NULL, taint));
	assert_false(toleration_tolerates(arr, taint));
	assert_false(tolerations_tolerate(arr, taint));
	assert_false(tolerations_tolerate(NULL, taint));
	assert_false(tol("{\"operator\":\"Exists\"}", "[]"));
	assert_false(tol("{\"key\":\"dedicated\",\"value\":7}", DEDICATED));
	assert_string_equal(taint_field(taint, "value"), "gpu");
	assert_string_equal(taint_field(taint, "nope"), "");
	assert_string_equal(taint_field(NULL, "key"), "");
	json_decref(taint);
	json_decref(arr);
}

static void test_lists_and_kv(void **state)
{
	json_t *tols = j("[{\"key\":\"a\",\"operator\":\"Exists\"},"
			 "{\"key\":\"dedicated\",\"value\":\"gpu\"}]");
	json_t *taint = j(DEDICATED);

	(void)state;
	assert_true(tolerations_tolerate(tols, taint));
	assert_true(
	    tolerations_tolerate_kv(tols, "a", "anything", "NoExecute"));
	assert_false(tolerations_tolerate_kv(tols, "b", "", "NoSchedule"));
	assert_true(toleration_tolerates_kv(json_array_get(tols, 1),
					    "dedicated", "gpu", "NoSchedule"));
	json_decref(tols);
	json_decref(taint);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_equal),
	    cmocka_unit_test(test_exists_and_effect),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_lists_and_kv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
