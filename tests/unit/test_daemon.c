/*
 * Unit tests for shell/daemon: a pid file names a running daemon only
 * while that pid is a live process of the daemon's program; a dead pid,
 * a zombie or a reused pid is recorded as a death, once. Spawning reports
 * a failed setup or exec and leaves no pid file; stopping ends only the
 * daemon's own program, with SIGKILL when SIGTERM is not enough.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "shell/daemon.h"

struct fixture {
	char state[64];
	char self[32]; /* this process's command name */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char dir[96];
	FILE *comm;

	assert_non_null(f);
	strcpy(f->state, "/tmp/kubefs-test-daemon.XXXXXX");
	assert_non_null(mkdtemp(f->state));
	snprintf(dir, sizeof(dir), "%s/run", f->state);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/log", f->state);
	assert_int_equal(mkdir(dir, 0755), 0);
	comm = fopen("/proc/self/comm", "r");
	assert_non_null(comm);
	assert_non_null(fgets(f->self, sizeof(f->self), comm));
	fclose(comm);
	f->self[strcspn(f->self, "\n")] = '\0';
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->state);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void write_pid(const struct fixture *f, const char *name, pid_t pid)
{
	char path[128];
	FILE *pf;

	snprintf(path, sizeof(path), "%s/run/%s.pid", f->state, name);
	pf = fopen(path, "w");
	assert_non_null(pf);
	fprintf(pf, "%ld\n", (long)pid);
	fclose(pf);
}

static bool exists(const struct fixture *f, const char *name, const char *ext)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/run/%s%s", f->state, name, ext);
	return access(path, F_OK) == 0;
}

/* A child that has exited and is not reaped yet: a zombie. */
static pid_t zombie(void)
{
	char path[64], buf[256], *p;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	for (int i = 0; i < 1000; i++) {
		FILE *st = fopen(path, "r");

		assert_non_null(st);
		assert_non_null(fgets(buf, sizeof(buf), st));
		fclose(st);
		p = strrchr(buf, ')');
		if (p && p[2] == 'Z')
			return pid;
		usleep(10000);
	}
	fail_msg("child %ld never became a zombie", (long)pid);
	return -1;
}

static void test_alive(void **state)
{
	struct fixture *f = *state;
	pid_t z;

	assert_true(daemon_alive(getpid(), f->self));
	/* another program's pid (a reused pid) */
	assert_false(daemon_alive(getpid(), "kubefs-fs"));
	assert_false(daemon_alive(0, f->self));
	assert_false(daemon_alive(-1, f->self));
	/* a process that exited but nobody reaped: kill(pid, 0) succeeds */
	z = zombie();
	assert_int_equal(kill(z, 0), 0);
	assert_false(daemon_alive(z, f->self));
	assert_int_equal(waitpid(z, NULL, 0), z);
	/* gone */
	assert_false(daemon_alive(z, f->self));
}

static void test_alive_long_name(void **state)
{
	/* the kernel keeps 15 characters of a command name */
	assert_false(daemon_alive(getpid(), "a-program-with-a-long-name"));
}

static void test_running(void **state)
{
	struct fixture *f = *state;
	struct daemon_death death;

	write_pid(f, "me", getpid());
	assert_int_equal(daemon_pid(f->state, "me", f->self), getpid());
	assert_true(daemon_started(f->state, "me") > 0);
	assert_true(exists(f, "me", ".pid"));
	assert_int_equal(daemon_last_death(f->state, "me", &death), -ENOENT);
	assert_int_equal(daemon_pid(f->state, "none", f->self), 0);
	assert_int_equal(daemon_started(f->state, "none"), 0);
}

static void test_zombie_recorded_once(void **state)
{
	struct fixture *f = *state;
	struct daemon_death death = {0}, again = {0};
	time_t before = time(NULL);
	pid_t z = zombie();

	write_pid(f, "srv", z);
	assert_int_equal(daemon_pid(f->state, "srv", f->self), 0);
	assert_false(exists(f, "srv", ".pid"));
	assert_int_equal(daemon_last_death(f->state, "srv", &death), 0);
	assert_int_equal(death.pid, z);
	assert_true(death.started >= before - 1 && death.started <= time(NULL));
	assert_true(death.found >= before && death.found <= time(NULL));
	/* looking again finds no pid file and keeps the record */
	assert_int_equal(daemon_pid(f->state, "srv", f->self), 0);
	assert_int_equal(daemon_last_death(f->state, "srv", &again), 0);
	assert_memory_equal(&death, &again, sizeof(death));
	assert_int_equal(waitpid(z, NULL, 0), z);
}

static void test_reused_pid(void **state)
{
	struct fixture *f = *state;
	struct daemon_death death;

	/* the pid is alive, but it is another program */
	write_pid(f, "kubefs-sched", getpid());
	assert_int_equal(daemon_pid(f->state, "kubefs-sched", "kubefs-sched"),
			 0);
	assert_int_equal(daemon_last_death(f->state, "kubefs-sched", &death),
			 0);
	assert_int_equal(death.pid, getpid());
}

static void test_bad_records(void **state)
{
	struct fixture *f = *state;
	struct daemon_death death = {.pid = 7};
	char path[128];
	FILE *pf;

	snprintf(path, sizeof(path), "%s/run/x.pid", f->state);
	pf = fopen(path, "w");
	fputs("not a pid\n", pf);
	fclose(pf);
	assert_int_equal(daemon_pid(f->state, "x", f->self), 0);
	snprintf(path, sizeof(path), "%s/run/x.died", f->state);
	pf = fopen(path, "w");
	fputs("12\n", pf);
	fclose(pf);
	assert_int_equal(daemon_last_death(f->state, "x", &death), -EINVAL);
	assert_int_equal(death.pid, 7); /* untouched */
}

static void test_spawn(void **state)
{
	struct fixture *f = *state;
	char *argv[] = {"/bin/sleep", "60", NULL};
	struct daemon_death death;
	char log[128];
	pid_t pid;

	pid = daemon_spawn(f->state, "sleeper", argv, NULL, NULL);
	assert_true(pid > 0);
	/* once spawn returns, the child runs the program, not a copy of us */
	assert_true(daemon_alive(pid, "sleep"));
	assert_int_equal(daemon_pid(f->state, "sleeper", "sleep"), pid);
	snprintf(log, sizeof(log), "%s/log/sleeper.log", f->state);
	assert_int_equal(access(log, F_OK), 0);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(daemon_pid(f->state, "sleeper", "sleep"), 0);
	assert_int_equal(daemon_last_death(f->state, "sleeper", &death), 0);
	assert_int_equal(death.pid, pid);
	/* forget removes the record, then there is nothing */
	daemon_forget(f->state, "sleeper");
	assert_false(exists(f, "sleeper", ".died"));
	assert_int_equal(daemon_last_death(f->state, "sleeper", &death),
			 -ENOENT);
}

static void test_spawn_missing_program(void **state)
{
	struct fixture *f = *state;
	char *argv[] = {"/nonexistent/no-such-program", NULL};
	char log[128], line[256] = "";
	FILE *lf;

	/* exec's error is spawn's, and the log says why */
	assert_int_equal(daemon_spawn(f->state, "ghost", argv, NULL, NULL),
			 -ENOENT);
	assert_false(exists(f, "ghost", ".pid"));
	assert_int_equal(daemon_pid(f->state, "ghost", "no-such-program"), 0);
	snprintf(log, sizeof(log), "%s/log/ghost.log", f->state);
	lf = fopen(log, "r");
	assert_non_null(lf);
	assert_non_null(fgets(line, sizeof(line), lf));
	fclose(lf);
	assert_non_null(
	    strstr(line, "cannot run /nonexistent/no-such-program"));
}

/* Setup hooks, run in the child before exec. */
static int refuse(void *arg)
{
	return -EPERM;
}

static int mark(void *arg)
{
	FILE *m = fopen(arg, "w");

	if (!m)
		return -errno;
	fclose(m);
	return 0;
}

static int ignore_term(void *arg)
{
	/* an ignored signal stays ignored across exec */
	signal(SIGTERM, SIG_IGN);
	return 0;
}

static void test_spawn_setup(void **state)
{
	struct fixture *f = *state;
	char *argv[] = {"/bin/sleep", "60", NULL};
	char marker[128];
	pid_t pid;

	assert_int_equal(daemon_spawn(f->state, "refused", argv, refuse, NULL),
			 -EPERM);
	assert_false(exists(f, "refused", ".pid"));
	/* the hook has run by the time spawn returns */
	snprintf(marker, sizeof(marker), "%s/marker", f->state);
	pid = daemon_spawn(f->state, "marked", argv, mark, marker);
	assert_true(pid > 0);
	assert_int_equal(access(marker, F_OK), 0);
	assert_true(daemon_stop(f->state, "marked", "sleep", NULL));
}

/* Spawn sleep as NAME, stop it; was SIGKILL needed? */
static bool spawn_stop(const struct fixture *f, const char *name,
		       int (*setup)(void *))
{
	char *argv[] = {"/bin/sleep", "60", NULL};
	bool killed = !setup;
	pid_t pid;

	pid = daemon_spawn(f->state, name, argv, setup, NULL);
	assert_true(pid > 0);
	assert_true(daemon_stop(f->state, name, "sleep", &killed));
	assert_false(daemon_alive(pid, "sleep"));
	assert_false(exists(f, name, ".pid"));
	assert_int_equal(daemon_pid(f->state, name, "sleep"), 0);
	return killed;
}

static void test_stop(void **state)
{
	struct fixture *f = *state;
	bool killed = true;

	assert_false(spawn_stop(f, "sleeper", NULL));
	/* nothing runs: nothing to stop */
	assert_false(daemon_stop(f->state, "sleeper", "sleep", &killed));
	assert_false(killed);
	/* SIGTERM ignored: SIGKILL after the grace period */
	assert_true(spawn_stop(f, "stubborn", ignore_term));
}

/* A pid file naming another program's process: never signalled. */
static void test_stop_foreign(void **state)
{
	struct fixture *f = *state;
	struct daemon_death death;

	/* our own pid, but we are not diod: stopping it would kill us */
	write_pid(f, "export-9p", getpid());
	assert_false(daemon_stop(f->state, "export-9p", "diod", NULL));
	assert_false(exists(f, "export-9p", ".pid"));
	assert_int_equal(daemon_last_death(f->state, "export-9p", &death), 0);
	assert_int_equal(death.pid, getpid());
}

static void test_dirs(void **state)
{
	struct fixture *f = *state;
	char dir[128], path[256];

	snprintf(dir, sizeof(dir), "%s/a/b/state", f->state);
	assert_int_equal(daemon_dirs(dir), 0);
	assert_int_equal(daemon_dirs(dir), 0); /* again: already there */
	daemon_path(path, sizeof(path), dir, "log", "x", ".log");
	assert_string_equal(path + strlen(f->state), "/a/b/state/log/x.log");
	snprintf(path, sizeof(path), "%s/run", dir);
	assert_int_equal(access(path, W_OK), 0);
	snprintf(path, sizeof(path), "%s/log", dir);
	assert_int_equal(access(path, W_OK), 0);
	snprintf(path, sizeof(path), "%s/marker", f->state);
	assert_int_equal(mark(path), 0); /* a file where a directory goes */
	snprintf(dir, sizeof(dir), "%s/marker/state", f->state);
	assert_int_equal(daemon_dirs(dir), -ENOTDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_alive, setup, teardown),
	    cmocka_unit_test(test_alive_long_name),
	    cmocka_unit_test_setup_teardown(test_running, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_zombie_recorded_once, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_reused_pid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_records, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_spawn, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_spawn_missing_program, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_spawn_setup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stop_foreign, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dirs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
