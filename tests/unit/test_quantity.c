/*
 * test_quantity.c — resource.Quantity parsing, canonical form, milli and
 * byte values.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/cleanup.h"
#include "api/quantity.h"

static struct quantity parse_ok(const char *s)
{
	struct quantity q;

	if (quantity_parse(s, &q) != 0)
		fail_msg("\"%s\" did not parse", s);
	return q;
}

/* Canonical form of s, as Kubernetes' Quantity.String() gives it. */
static void canon(const char *s, const char *want)
{
	struct quantity q = parse_ok(s);
	char buf[QUANTITY_STRLEN];

	quantity_format(&q, buf);
	if (strcmp(buf, want))
		fail_msg("\"%s\": want \"%s\", got \"%s\"", s, want, buf);
}

static void test_canonical(void **state)
{
	(void)state;
	canon("100m", "100m");
	canon("0.5", "500m");
	canon("1.5", "1500m");
	canon("1000m", "1");
	canon("1000", "1k");
	canon("1500", "1500");
	canon("12000", "12k");
	canon("1", "1");
	canon("0", "0");
	canon("128Mi", "128Mi");
	canon("1024Mi", "1Gi");
	canon("1536Mi", "1536Mi");
	canon("0.5Gi", "512Mi");
	canon("1Ki", "1Ki");
	canon("100Ki", "100Ki");
	canon("512", "512");	/* decimal */
	canon("1.5Ki", "1536"); /* whole bytes but not a multiple of 1Ki */
	canon("1G", "1G");
	canon("1e3", "1e3");
	canon("1E3", "1e3");
	canon("1500e-3", "1500e-3");
	canon("1E", "1E");
	canon("-1", "-1");
	canon("-100m", "-100m");
	canon("+2", "2");
	canon("00012", "12");
	canon("1e-12", "1e-9"); /* rounded up to the nano-unit */
	canon("0.0000000001", "1n");
	canon("1.", "1");
	canon(".5", "500m");
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
	    "",	    "abc", "1.1.1", "1x",  "1Kb",  "1e",   "1Mii",
	    "--1",  "1 ",  " 1",    "1e+", "0.1.", "1KiB", "one",
	    "1e3e", "1m2", "k",	    ".",   "+",	   "1i",   NULL};
	struct quantity q = {.nano = 42};

	(void)state;
	for (size_t i = 0; bad[i]; i++) {
		if (quantity_parse(bad[i], &q) != -EINVAL)
			fail_msg("\"%s\" parsed", bad[i]);
		assert_true(q.nano == 42); /* untouched */
	}
	assert_int_equal(quantity_parse(NULL, &q), -EINVAL);
}

static void test_values(void **state)
{
	struct quantity q;

	(void)state;
	q = parse_ok("100m");
	assert_int_equal(quantity_milli(&q), 100);
	assert_int_equal(quantity_value(&q), 1); /* rounded up */
	q = parse_ok("0.5");
	assert_int_equal(quantity_milli(&q), 500);
	q = parse_ok("2");
	assert_int_equal(quantity_milli(&q), 2000);
	q = parse_ok("128Mi");
	assert_int_equal(quantity_value(&q), 134217728);
	q = parse_ok("1G");
	assert_int_equal(quantity_value(&q), 1000000000);
	q = parse_ok("1e3");
	assert_int_equal(quantity_value(&q), 1000);
	q = parse_ok("1n");
	assert_int_equal(quantity_milli(&q), 1);
	q = parse_ok("-1500m");
	assert_int_equal(quantity_value(&q), -2);
	assert_int_equal(quantity_sign(&q), -1);
	/* capped at 2^63-1 units, saturating */
	q = parse_ok("100Ei");
	assert_true(quantity_value(&q) == INT64_MAX);
	assert_true(quantity_milli(&q) == INT64_MAX);
	q = parse_ok("99999999999999999999999999999999999999999999");
	assert_true(quantity_value(&q) == INT64_MAX);
	q = parse_ok("1e100");
	assert_true(quantity_value(&q) == INT64_MAX);
}

static void test_compare(void **state)
{
	struct quantity a = parse_ok("1"), b = parse_ok("1000m"),
			c = parse_ok("1Ki"), d = parse_ok("1k");

	(void)state;
	assert_int_equal(quantity_cmp(&a, &b), 0);
	assert_true(quantity_cmp(&c, &d) > 0);
	assert_true(quantity_cmp(&d, &c) < 0);
	assert_true(quantity_is_integer(&a));
	b = parse_ok("1500m");
	assert_false(quantity_is_integer(&b));
}

static void test_json(void **state)
{
	_cleanup_json_ json_t *i = json_integer(2);
	_cleanup_json_ json_t *r = json_real(0.1);
	_cleanup_json_ json_t *s = json_string("250m");
	_cleanup_json_ json_t *t = json_true();
	struct quantity q;
	char buf[QUANTITY_STRLEN];

	(void)state;
	assert_int_equal(quantity_from_json(i, &q), 0);
	assert_int_equal(quantity_milli(&q), 2000);
	assert_int_equal(quantity_from_json(r, &q), 0);
	assert_string_equal(quantity_format(&q, buf), "100m");
	assert_int_equal(quantity_from_json(s, &q), 0);
	assert_int_equal(quantity_milli(&q), 250);
	assert_int_equal(quantity_from_json(t, &q), -EINVAL);
	assert_int_equal(quantity_from_json(NULL, &q), -EINVAL);
}

static void test_long_text(void **state)
{
	char s[QUANTITY_TEXT_MAX + 2];
	struct quantity q;

	(void)state;
	memset(s, '1', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	assert_int_equal(quantity_parse(s, &q), -EINVAL);
	s[QUANTITY_TEXT_MAX] = '\0';
	assert_int_equal(quantity_parse(s, &q), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_canonical), cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_values),    cmocka_unit_test(test_compare),
	    cmocka_unit_test(test_json),      cmocka_unit_test(test_long_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
