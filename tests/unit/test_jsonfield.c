/*
 * test_jsonfield.c — typed reads of optional fields (api/jsonfield.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "api/jsonfield.h"

static void test_typed(void **state)
{
	_cleanup_json_ json_t *o =
	    json_pack("{s:[], s:s, s:n}", "list", "name", "x", "none");
	struct kf_error err;
	const json_t *v = (const json_t *)1;
	const char *s = "untouched";

	(void)state;
	kf_error_init(&err);
	assert_int_equal(jfield_array(o, "list", "spec.list", &err, &v), 0);
	assert_true(json_is_array(v));
	assert_int_equal(jfield_array(o, "none", "spec.none", &err, &v), 0);
	assert_null(v);
	assert_int_equal(jfield_string(o, "list", "spec.list", &err, &s),
			 -EINVAL);
	assert_string_equal(s, "untouched");
	assert_string_equal(err.msg,
			    "spec.list: Invalid value: must be a string");
}

static void test_named(void **state)
{
	_cleanup_json_ json_t *a = json_pack(
	    "[{s:i}, {s:s, s:i}, {s:s, s:i}, {s:s, s:i}]", "port", 1, "name",
	    "app", "n", 2, "name", "sidecar", "n", 3, "name", "app", "n", 4);
	_cleanup_json_ json_t *o = json_object();

	(void)state;
	assert_int_equal(json_integer_value(
			     json_object_get(jfield_named(a, "sidecar"), "n")),
			 3);
	/* the first of two with one name */
	assert_int_equal(
	    json_integer_value(json_object_get(jfield_named(a, "app"), "n")),
	    2);
	assert_null(jfield_named(a, "web"));
	assert_null(jfield_named(a, NULL));
	assert_null(jfield_named(NULL, "app"));
	assert_null(jfield_named(o, "app"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_typed),
	    cmocka_unit_test(test_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
