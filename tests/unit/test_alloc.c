/*
 * test_alloc.c — the bitmap allocators and IPv4 parsing behind Service
 * ClusterIPs and NodePorts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fs/alloc.h"

static void test_claim_release(void **state)
{
	struct alloc_range *r;

	(void)state;
	assert_int_equal(alloc_range_new(100, 0, &r), 0);
	assert_int_equal(alloc_range_size(r), 100);
	assert_int_equal(alloc_range_used(r), 0);
	assert_int_equal(alloc_range_claim(r, 0), 0);
	assert_int_equal(alloc_range_claim(r, 99), 0);
	assert_int_equal(alloc_range_claim(r, 64), 0);
	assert_int_equal(alloc_range_claim(r, 64), -EEXIST);
	assert_int_equal(alloc_range_claim(r, 100), -ERANGE);
	assert_true(alloc_range_test(r, 64));
	assert_false(alloc_range_test(r, 63));
	assert_false(alloc_range_test(r, 1000));
	assert_int_equal(alloc_range_used(r), 3);
	alloc_range_release(r, 64);
	alloc_range_release(r, 64); /* twice: no-op */
	alloc_range_release(r, 5000);
	assert_int_equal(alloc_range_used(r), 2);
	assert_int_equal(alloc_range_claim(r, 64), 0);
	alloc_range_reset(r);
	assert_int_equal(alloc_range_used(r), 0);
	assert_false(alloc_range_test(r, 0));
	alloc_range_free(r);
	alloc_range_free(NULL);
}

static void test_bad_sizes(void **state)
{
	struct alloc_range *r = (struct alloc_range *)(uintptr_t)1;

	(void)state;
	assert_int_equal(alloc_range_new(0, 0, &r), -EINVAL);
	assert_int_equal(alloc_range_new(ALLOC_RANGE_MAX + 1, 0, &r), -EINVAL);
	assert_int_equal(alloc_range_new(10, 11, &r), -EINVAL);
	assert_ptr_equal(r, (struct alloc_range *)(uintptr_t)1);
	assert_int_equal(alloc_range_new(ALLOC_RANGE_MAX, 256, &r), 0);
	alloc_range_free(r);
}

/* Every value comes out exactly once, then the range is full. */
static void test_next_until_full(void **state)
{
	const uint32_t size = 1000;
	bool *seen = calloc(size, 1);
	struct alloc_range *r;
	uint32_t v = 12345;

	(void)state;
	assert_non_null(seen);
	assert_int_equal(alloc_range_new(size, 40, &r), 0);
	for (uint32_t i = 0; i < size; i++) {
		assert_int_equal(alloc_range_next(r, &v), 0);
		assert_true(v < size);
		assert_false(seen[v]);
		seen[v] = true;
	}
	assert_int_equal(alloc_range_used(r), size);
	v = 12345;
	assert_int_equal(alloc_range_next(r, &v), -ENOSPC);
	assert_int_equal(v, 12345);
	/* the one value given back is the one handed out next */
	alloc_range_release(r, 777);
	assert_int_equal(alloc_range_next(r, &v), 0);
	assert_int_equal(v, 777);
	alloc_range_free(r);
	free(seen);
}

/* Dynamic allocation leaves the low band for explicit requests. */
static void test_static_band_last(void **state)
{
	struct alloc_range *r;
	uint32_t v;

	(void)state;
	assert_int_equal(alloc_range_new(100, 16, &r), 0);
	for (int i = 0; i < 84; i++) {
		assert_int_equal(alloc_range_next(r, &v), 0);
		assert_true(v >= 16);
	}
	for (int i = 0; i < 16; i++) {
		assert_int_equal(alloc_range_next(r, &v), 0);
		assert_true(v < 16);
	}
	assert_int_equal(alloc_range_next(r, &v), -ENOSPC);
	alloc_range_free(r);
}

/* A range with a single value, and with every other value taken. */
static void test_tiny_and_sparse(void **state)
{
	struct alloc_range *r;
	uint32_t v;

	(void)state;
	assert_int_equal(alloc_range_new(1, 0, &r), 0);
	assert_int_equal(alloc_range_next(r, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(alloc_range_next(r, &v), -ENOSPC);
	alloc_range_free(r);

	assert_int_equal(alloc_range_new(200, 0, &r), 0);
	for (uint32_t i = 0; i < 200; i += 2)
		assert_int_equal(alloc_range_claim(r, i), 0);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(alloc_range_next(r, &v), 0);
		assert_int_equal(v % 2, 1);
	}
	assert_int_equal(alloc_range_next(r, &v), -ENOSPC);
	alloc_range_free(r);
}

/* Kubernetes' band sizes: service CIDRs (16, 256, 16), ports
 * (16, 128, 32). */
static void test_band_sizes(void **state)
{
	(void)state;
	assert_int_equal(alloc_static_band(8, 16, 256, 16), 0);	      /* /29 */
	assert_int_equal(alloc_static_band(16, 16, 256, 16), 16);     /* /28 */
	assert_int_equal(alloc_static_band(256, 16, 256, 16), 16);    /* /24 */
	assert_int_equal(alloc_static_band(65536, 16, 256, 16), 256); /* /16 */
	assert_int_equal(alloc_static_band(1u << 20, 16, 256, 16), 256);
	assert_int_equal(alloc_static_band(2768, 16, 128, 32), 86);
	assert_int_equal(alloc_static_band(100, 16, 128, 32), 16);
	assert_int_equal(alloc_static_band(65535, 16, 128, 32), 128);
}

static void test_ipv4_parse(void **state)
{
	static const char *const bad[] = {
	    "",		"1.2.3",    "1.2.3.4.5",  "256.1.1.1", "1.2.3.04",
	    "01.2.3.4", "1..2.3",   "1.2.3.4 ",	  " 1.2.3.4",  "1.2.3.-4",
	    "a.b.c.d",	"1.2.3.4/", "1234.1.1.1", "::1",       "1.2.3.4x",
	};
	char buf[ALLOC_IPV4_STRLEN];
	uint32_t ip = 7;

	(void)state;
	assert_int_equal(alloc_ipv4_parse("10.96.0.1", &ip), 0);
	assert_int_equal(ip, 0x0a600001);
	assert_string_equal(alloc_ipv4_format(ip, buf), "10.96.0.1");
	assert_int_equal(alloc_ipv4_parse("0.0.0.0", &ip), 0);
	assert_int_equal(ip, 0);
	assert_int_equal(alloc_ipv4_parse("255.255.255.255", &ip), 0);
	assert_int_equal(ip, 0xffffffff);
	assert_string_equal(alloc_ipv4_format(ip, buf), "255.255.255.255");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ip = 7;
		if (alloc_ipv4_parse(bad[i], &ip) != -EINVAL)
			fail_msg("\"%s\" parsed as an IPv4 address", bad[i]);
		assert_int_equal(ip, 7);
	}
	assert_int_equal(alloc_ipv4_parse(NULL, &ip), -EINVAL);
}

static void test_cidr_parse(void **state)
{
	static const char *const bad[] = {
	    "10.96.0.0",  "10.96.0.0/", "10.96.0.0/33", "10.96.0.0/012",
	    "10.96.0/12", "/12",	"10.96.0.0/1a", "10.96.0.0/-1",
	};
	uint32_t net = 7;
	unsigned p = 7;

	(void)state;
	assert_int_equal(alloc_cidr4_parse("10.96.0.0/12", &net, &p), 0);
	assert_int_equal(net, 0x0a600000);
	assert_int_equal(p, 12);
	/* host bits are cleared */
	assert_int_equal(alloc_cidr4_parse("10.96.3.7/29", &net, &p), 0);
	assert_int_equal(net, 0x0a600300);
	assert_int_equal(p, 29);
	assert_int_equal(alloc_cidr4_parse("1.2.3.4/0", &net, &p), 0);
	assert_int_equal(net, 0);
	assert_int_equal(alloc_cidr4_parse("1.2.3.4/32", &net, &p), 0);
	assert_int_equal(net, 0x01020304);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		net = 7;
		if (alloc_cidr4_parse(bad[i], &net, &p) != -EINVAL)
			fail_msg("\"%s\" parsed as a CIDR", bad[i]);
		assert_int_equal(net, 7);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_claim_release),
	    cmocka_unit_test(test_bad_sizes),
	    cmocka_unit_test(test_next_until_full),
	    cmocka_unit_test(test_static_band_last),
	    cmocka_unit_test(test_tiny_and_sparse),
	    cmocka_unit_test(test_band_sizes),
	    cmocka_unit_test(test_ipv4_parse),
	    cmocka_unit_test(test_cidr_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
