/*
 * test_harness.c — unit tests that pass, fail, crash or skip on purpose,
 * built only for the harness self-test (tests/harness/selftest.sh).
 * $HARNESS_MODE picks the set:
 *   pass   two passing tests
 *   fail   one passing, one failing
 *   crash  one passing, one that aborts
 *   skip   one passing, one skipped
 *   fs     one test on a kubefs-fs ($KUBEFS_BIN/kubefs-fs, which the
 *          self-test makes misbehave) through tests/unit/test_client_fs.h
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/test_client_fs.h"

static struct test_fs fs;

static void passes(void **state)
{
	assert_int_equal(1 + 1, 2);
}

static void fails(void **state)
{
	assert_int_equal(1 + 1, 3);
}

static void crashes(void **state)
{
	abort();
}

static void skips(void **state)
{
	printf("SKIP deliberately (harness self-test)\n");
	skip();
}

static void serves(void **state)
{
	TEST_FS_REQUIRE(&fs);
	assert_true(test_fs_healthy(fs.mnt));
}

static int fs_setup(void **state)
{
	test_fs_start(&fs);
	return 0;
}

static int fs_teardown(void **state)
{
	test_fs_stop(&fs);
	return 0;
}

int main(void)
{
	const char *mode = getenv("HARNESS_MODE");
	const struct CMUnitTest pass[] = {cmocka_unit_test(passes),
					  cmocka_unit_test(passes)};
	const struct CMUnitTest fail[] = {cmocka_unit_test(passes),
					  cmocka_unit_test(fails)};
	const struct CMUnitTest crash[] = {cmocka_unit_test(passes),
					   cmocka_unit_test(crashes)};
	const struct CMUnitTest skip[] = {cmocka_unit_test(passes),
					  cmocka_unit_test(skips)};
	const struct CMUnitTest on_fs[] = {cmocka_unit_test(serves)};

	mode = mode ? mode : "pass";
	if (!strcmp(mode, "fail"))
		return cmocka_run_group_tests(fail, NULL, NULL);
	if (!strcmp(mode, "crash"))
		return cmocka_run_group_tests(crash, NULL, NULL);
	if (!strcmp(mode, "skip"))
		return cmocka_run_group_tests(skip, NULL, NULL);
	if (!strcmp(mode, "fs"))
		return cmocka_run_group_tests(on_fs, fs_setup, fs_teardown);
	return cmocka_run_group_tests(pass, NULL, NULL);
}
