/*
 * test_clock.c — RFC 3339 time stamps and the monotonic clock
 * (api/clock.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api/clock.h"

static void parsed(const char *s, time_t sec, long nsec)
{
	struct timespec ts = {0};

	if (rfc3339_parse(s, &ts) < 0)
		fail_msg("\"%s\" did not parse", s);
	assert_int_equal(ts.tv_sec, sec);
	assert_int_equal(ts.tv_nsec, nsec);
}

static void test_format(void **state)
{
	struct timespec ts = {.tv_sec = 1136214245, .tv_nsec = 123456789};
	char buf[RFC3339_MAX];

	(void)state;
	assert_string_equal(rfc3339_format(&ts, false, buf),
			    "2006-01-02T15:04:05Z");
	assert_string_equal(rfc3339_format(&ts, true, buf),
			    "2006-01-02T15:04:05.123456Z");
	assert_string_equal(rfc3339_format_sec(0, buf), "1970-01-01T00:00:00Z");
	assert_string_equal(rfc3339_format_nano(&ts, buf),
			    "2006-01-02T15:04:05.123456789Z");
	ts.tv_nsec = 5;
	assert_string_equal(rfc3339_format_nano(&ts, buf),
			    "2006-01-02T15:04:05.000000005Z");
	ts.tv_nsec = 0;
	assert_string_equal(rfc3339_format(&ts, true, buf),
			    "2006-01-02T15:04:05.000000Z");
}

static void test_parse(void **state)
{
	struct timespec ts = {.tv_sec = 7};

	(void)state;
	parsed("2006-01-02T15:04:05Z", 1136214245, 0);
	parsed("2006-01-02t15:04:05z", 1136214245, 0);
	parsed("2006-01-02T15:04:05.5Z", 1136214245, 500000000);
	parsed("2006-01-02T15:04:05.123456789123Z", 1136214245, 123456789);
	parsed("2006-01-02T08:04:05-07:00", 1136214245, 0);
	parsed("2006-01-02T16:34:05+01:30", 1136214245, 0);
	parsed("1969-12-31T23:59:59Z", -1, 0);
	/* round trip */
	parsed("2024-02-29T00:00:00Z", 1709164800, 0);
	assert_int_equal(rfc3339_parse("2006-01-02 15:04:05Z", &ts), -EINVAL);
	assert_int_equal(rfc3339_parse("2006-01-02T15:04:05", &ts), -EINVAL);
	assert_int_equal(rfc3339_parse("2006-13-02T15:04:05Z", &ts), -EINVAL);
	assert_int_equal(rfc3339_parse("2006-01-32T15:04:05Z", &ts), -EINVAL);
	assert_int_equal(rfc3339_parse("2006-01-02T24:00:00Z", &ts), -EINVAL);
	assert_int_equal(rfc3339_parse("2006-01-02T15:04:05.Z", &ts), -EINVAL);
	assert_int_equal(rfc3339_parse("2006-01-02T15:04:05+0700", &ts),
			 -EINVAL);
	assert_int_equal(rfc3339_parse("2006-01-02T15:04:05Zjunk", &ts),
			 -EINVAL);
	assert_int_equal(rfc3339_parse("2006-02-30T15:04:05Z", &ts), -EINVAL);
	assert_int_equal(rfc3339_parse("20O6-01-02T15:04:05Z", &ts), -EINVAL);
	assert_int_equal(rfc3339_parse("2006-01-02", &ts), -EINVAL);
	assert_int_equal(rfc3339_parse("", &ts), -EINVAL);
	assert_int_equal(rfc3339_parse(NULL, &ts), -EINVAL);
	assert_int_equal(ts.tv_sec, 7); /* untouched */
}

static void test_monotonic(void **state)
{
	uint64_t a, b;
	struct timespec now, later;

	(void)state;
	a = mono_ms();
	b = mono_ms();
	assert_true(b >= a);
	clock_gettime(CLOCK_MONOTONIC, &now);
	mono_deadline(1500, &later);
	assert_true(later.tv_nsec >= 0 && later.tv_nsec < 1000000000);
	assert_true(later.tv_sec > now.tv_sec || (later.tv_sec == now.tv_sec &&
						  later.tv_nsec > now.tv_nsec));
	assert_true(later.tv_sec - now.tv_sec >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_monotonic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
