/*
 * test_owner.c — metav1.GetControllerOf (api/owner.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api/owner.h"

static void test_controller_ref(void **state)
{
	json_t *pod = json_loads("{\"metadata\": {\"ownerReferences\": ["
				 "7, {\"uid\": \"a\", \"controller\": false},"
				 "{\"uid\": \"b\", \"controller\": true},"
				 "{\"uid\": \"c\", \"controller\": true}]}}",
				 0, NULL);
	json_t *none = json_loads(
	    "{\"metadata\": {\"ownerReferences\": [{\"uid\": \"a\"}]}}", 0,
	    NULL);
	json_t *bad =
	    json_loads("{\"metadata\": {\"ownerReferences\": {}}}", 0, NULL);
	json_t *ref;

	(void)state;
	ref = owner_controller_ref(pod);
	assert_non_null(ref);
	assert_string_equal(json_string_value(json_object_get(ref, "uid")),
			    "b");
	assert_null(owner_controller_ref(none));
	assert_null(owner_controller_ref(bad));
	assert_null(owner_controller_ref(NULL));
	json_decref(pod);
	json_decref(none);
	json_decref(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_controller_ref),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
