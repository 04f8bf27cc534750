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

#include "apiserver/alloc.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_claim_release),
	    cmocka_unit_test(test_bad_sizes),
	    cmocka_unit_test(test_next_until_full),
	    cmocka_unit_test(test_static_band_last),
	    cmocka_unit_test(test_tiny_and_sparse),
	    cmocka_unit_test(test_band_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
