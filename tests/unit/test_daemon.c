/*
 * test_daemon.c — shell/daemon.c: pid files and logs under a state
 * directory, and that a pid file is trusted only while its process runs
 * the program that was started.
 */
#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "shell/daemon.h"

static char state[] = "/tmp/kubefs-test-daemon.XXXXXX";

static int setup(void **s)
{
	(void)s;
	return mkdtemp(state) && daemon_dirs(state) == 0 ? 0 : -1;
}

static int teardown(void **s)
{
	char cmd[128];

	(void)s;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", state);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_spawn_stop(void **s)
{
	char *const argv[] = {"/bin/sleep", "30", NULL};
	bool killed = true;
	pid_t pid;

	(void)s;
	assert_int_equal(daemon_pid(state, "sleeper"), 0);
	pid = daemon_spawn(state, "sleeper", argv, NULL, NULL);
	assert_true(pid > 0);
	assert_int_equal(daemon_pid(state, "sleeper"), pid);
	assert_true(daemon_stop(state, "sleeper", &killed));
	assert_false(killed);
	assert_int_equal(daemon_pid(state, "sleeper"), 0);
	assert_false(daemon_stop(state, "sleeper", NULL));
}

static void test_exec_failure(void **s)
{
	char *const argv[] = {"/nonexistent/program", NULL};

	(void)s;
	assert_int_equal(daemon_spawn(state, "nothing", argv, NULL, NULL),
			 -ENOENT);
	assert_int_equal(daemon_pid(state, "nothing"), 0);
}

/* A pid file naming a process that runs another program is not ours. */
static void test_foreign_pid(void **s)
{
	char path[4096];
	FILE *f;

	(void)s;
	daemon_path(path, sizeof(path), state, "run", "foreign", ".pid");
	f = fopen(path, "w");
	assert_non_null(f);
	/* our own pid, but we do not run /usr/sbin/diod */
	fprintf(f, "%ld /usr/sbin/diod\n", (long)getpid());
	fclose(f);
	assert_int_equal(daemon_pid(state, "foreign"), 0);
	assert_false(daemon_stop(state, "foreign", NULL));
	assert_int_equal(access(path, F_OK), -1);
}

static int refuse(void *arg)
{
	(void)arg;
	return 1;
}

static void test_setup_failure(void **s)
{
	char *const argv[] = {"/bin/true", NULL};

	(void)s;
	assert_true(daemon_spawn(state, "refused", argv, refuse, NULL) < 0);
	assert_int_equal(daemon_pid(state, "refused"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spawn_stop),
	    cmocka_unit_test(test_exec_failure),
	    cmocka_unit_test(test_foreign_pid),
	    cmocka_unit_test(test_setup_failure),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
