/*
 * test_pidfile.c — reading pid files (api/pidfile.h): a pid and its
 * file's time, none, and files that hold no positive pid.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/pidfile.h"

static char dir[] = "/tmp/kubefs-test-pidfile.XXXXXX";

static const char *file_with(const char *text)
{
	static char path[sizeof(dir) + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/x.pid", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_pid(void **state)
{
	const char *path = file_with("4242\n");
	struct stat st;
	time_t when = 0;
	pid_t pid = 0;

	(void)state;
	assert_int_equal(pidfile_read(path, &pid, &when), 0);
	assert_int_equal(pid, 4242);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(when, st.st_mtime);
	/* the time is optional */
	pid = 0;
	assert_int_equal(pidfile_read(file_with("17"), &pid, NULL), 0);
	assert_int_equal(pid, 17);
}

static void test_none(void **state)
{
	char path[sizeof(dir) + 16];
	pid_t pid = 99;

	(void)state;
	snprintf(path, sizeof(path), "%s/missing.pid", dir);
	assert_int_equal(pidfile_read(path, &pid, NULL), -ENOENT);
	assert_int_equal(pid, 99);
}

static void test_no_pid(void **state)
{
	static const char *const bad[] = {"", "\n", "abc\n", "0\n", "-5\n"};
	pid_t pid = 99;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pidfile_read(file_with(bad[i]), &pid, NULL),
				 -EINVAL);
		assert_int_equal(pid, 99);
	}
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[sizeof(dir) + 16];

	(void)state;
	snprintf(path, sizeof(path), "%s/x.pid", dir);
	unlink(path);
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pid),
	    cmocka_unit_test(test_none),
	    cmocka_unit_test(test_no_pid),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
