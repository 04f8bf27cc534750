/*
 * test_mergepatch.c — JSON merge patch (RFC 7386), including every
 * example of the RFC's appendix A.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "apiserver/mergepatch.h"

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);

	if (!v)
		fail_msg("bad test JSON %s: %s", text, e.text);
	return v;
}

/* target + patch = want, and neither input changes. */
static void check(const char *target, const char *patch, const char *want)
{
	_cleanup_json_ json_t *t = target ? parse(target) : NULL;
	_cleanup_json_ json_t *p = parse(patch);
	_cleanup_json_ json_t *w = parse(want);
	_cleanup_json_ json_t *t0 = t ? json_deep_copy(t) : NULL;
	_cleanup_json_ json_t *p0 = json_deep_copy(p);
	_cleanup_json_ json_t *got = NULL;

	assert_int_equal(mergepatch_apply(t, p, &got), 0);
	if (!json_equal(got, w)) {
		_cleanup_free_ char *s = json_dumps(got, JSON_ENCODE_ANY);

		fail_msg("%s + %s: want %s, got %s", target ? target : "(none)",
			 patch, want, s);
	}
	if (t)
		assert_true(json_equal(t, t0));
	assert_true(json_equal(p, p0));
}

/* RFC 7386, appendix A. */
static void test_rfc7386_vectors(void **state)
{
	(void)state;
	check("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
	check("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}");
	check("{\"a\":\"b\"}", "{\"a\":null}", "{}");
	check("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}");
	check("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
	check("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}");
	check("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
	      "{\"a\":{\"b\":\"d\"}}");
	check("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}");
	check("[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]");
	check("{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]");
	check("{\"a\":\"foo\"}", "null", "null");
	check("{\"a\":\"foo\"}", "\"bar\"", "\"bar\"");
	check("{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}");
	check("[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}");
	check("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}");
}

/* The RFC's worked example (section 3). */
static void test_rfc7386_example(void **state)
{
	(void)state;
	check("{\"title\":\"Goodbye!\",\"author\":{\"givenName\":\"John\","
	      "\"familyName\":\"Doe\"},\"tags\":[\"example\",\"sample\"],"
	      "\"content\":\"This will be unchanged\"}",
	      "{\"title\":\"Hello!\",\"phoneNumber\":\"+01-123-456-7890\","
	      "\"author\":{\"familyName\":null},\"tags\":[\"example\"]}",
	      "{\"title\":\"Hello!\",\"author\":{\"givenName\":\"John\"},"
	      "\"tags\":[\"example\"],\"content\":\"This will be unchanged\","
	      "\"phoneNumber\":\"+01-123-456-7890\"}");
}

static void test_absent_target(void **state)
{
	(void)state;
	check(NULL, "{\"a\":{\"b\":null,\"c\":1}}", "{\"a\":{\"c\":1}}");
	check(NULL, "[1]", "[1]");
}

/* A Kubernetes-shaped patch: a label added, one removed, rest kept. */
static void test_kubernetes_labels(void **state)
{
	(void)state;
	check("{\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":\"1\","
	      "\"b\":\"2\"}},\"data\":{\"k\":\"v\"}}",
	      "{\"metadata\":{\"labels\":{\"tier\":\"web\",\"b\":null}}}",
	      "{\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":\"1\","
	      "\"tier\":\"web\"}},\"data\":{\"k\":\"v\"}}");
}

/* The result shares nothing with the inputs. */
static void test_no_sharing(void **state)
{
	_cleanup_json_ json_t *t = parse("{\"a\":{\"x\":1}}");
	_cleanup_json_ json_t *p = parse("{\"b\":{\"y\":[1,2]}}");
	_cleanup_json_ json_t *got = NULL;

	(void)state;
	assert_int_equal(mergepatch_apply(t, p, &got), 0);
	json_object_set_new(json_object_get(got, "a"), "x", json_integer(9));
	json_array_append_new(json_object_get(json_object_get(got, "b"), "y"),
			      json_integer(3));
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(t, "a"), "x")),
	    1);
	assert_int_equal(
	    json_array_size(json_object_get(json_object_get(p, "b"), "y")), 2);
}

static void test_depth_limit(void **state)
{
	_cleanup_json_ json_t *deep = json_object();
	_cleanup_json_ json_t *ok = json_object();
	json_t *cur = deep, *got = (json_t *)(uintptr_t)1;

	(void)state;
	for (int i = 0; i < MERGEPATCH_MAX_DEPTH + 5; i++) {
		json_t *n = json_object();

		json_object_set_new(cur, "a", n);
		cur = n;
	}
	assert_int_equal(mergepatch_apply(NULL, deep, &got), -EFBIG);
	assert_ptr_equal(got, (json_t *)(uintptr_t)1);

	cur = ok;
	for (int i = 0; i < MERGEPATCH_MAX_DEPTH - 1; i++) {
		json_t *n = json_object();

		json_object_set_new(cur, "a", n);
		cur = n;
	}
	assert_int_equal(mergepatch_apply(NULL, ok, &got), 0);
	json_decref(got);
	assert_int_equal(mergepatch_apply(NULL, NULL, &got), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc7386_vectors),
	    cmocka_unit_test(test_rfc7386_example),
	    cmocka_unit_test(test_absent_target),
	    cmocka_unit_test(test_kubernetes_labels),
	    cmocka_unit_test(test_no_sharing),
	    cmocka_unit_test(test_depth_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
