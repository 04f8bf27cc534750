/*
 * Unit tests for nodeagent/imagegc.c: when a collection starts, how much
 * it frees, and in which order images go (least recently used, then the
 * earliest loaded; never one in use or younger than the minimum age).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "nodeagent/imagegc.h"

#define MB (1000u * 1000u)

static const struct imagegc_policy policy = {85, 80, 60 * 1000};

static void test_below_high(void **state)
{
	struct imagegc_image im = {"a", 10 * MB, 0, 0, false, true};
	uint64_t freed = 1;

	(void)state;
	/* 84 % used: nothing to do */
	assert_int_equal(
	    imagegc_plan(&policy, 100 * MB, 16 * MB, 1000000, &im, 1, &freed),
	    0);
	assert_int_equal(freed, 0);
	assert_false(im.victim);
	/* 100: never */
	struct imagegc_policy off = {100, 80, 0};
	assert_int_equal(
	    imagegc_plan(&off, 100 * MB, 0, 1000000, &im, 1, &freed), 0);
}

static void test_order_and_amount(void **state)
{
	const int64_t now = 10 * 60 * 1000;
	struct imagegc_image imgs[] = {
	    /* name, size, last used, loaded, in use */
	    {"used", 9 * MB, now, 1000, true, false},
	    {"recent", 3 * MB, now - 1000, 2000, false, false},
	    {"young", 3 * MB, 0, now - 1000, false, false},
	    {"new", 3 * MB, 0, 5000, false, false},
	    {"old", 3 * MB, 0, 3000, false, false},
	};
	uint64_t freed;
	size_t n = sizeof(imgs) / sizeof(imgs[0]);

	(void)state;
	/* 90 % used: free down to 80 %, 10 MB; old, new, recent (9 MB)
	 * are all there is */
	assert_int_equal(
	    imagegc_plan(&policy, 100 * MB, 10 * MB, now, imgs, n, &freed),
	    10 * MB);
	assert_int_equal(freed, 9 * MB);
	assert_string_equal(imgs[0].name, "old");
	assert_string_equal(imgs[1].name, "new");
	assert_string_equal(imgs[2].name, "recent");
	for (size_t i = 0; i < 3; i++)
		assert_true(imgs[i].victim);
	for (size_t i = 3; i < n; i++) {
		assert_false(imgs[i].victim);
		assert_true(!strcmp(imgs[i].name, "used") ||
			    !strcmp(imgs[i].name, "young"));
	}

	/* 86 %: 6 MB, the two oldest are enough */
	assert_int_equal(
	    imagegc_plan(&policy, 100 * MB, 14 * MB, now, imgs, n, &freed),
	    6 * MB);
	assert_int_equal(freed, 6 * MB);
	assert_true(imgs[0].victim && imgs[1].victim);
	assert_false(imgs[2].victim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_below_high),
	    cmocka_unit_test(test_order_and_amount),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
