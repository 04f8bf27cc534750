/*
 * test_client_fs.h — a real kubefs-fs on a temporary mount for the
 * client/ unit tests (test_client, test_informer, test_leader,
 * test_events). No mock filesystem: the tests talk to the API server.
 *
 *   static struct test_fs fs;
 *   group setup:    test_fs_start(&fs)    (never fails: fs.up tells)
 *   each test:      TEST_FS_REQUIRE(&fs)  (fails when the server is not
 *                                          usable, saying why: a broken
 *                                          server is never a skip)
 *   group teardown: test_fs_stop(&fs)
 *   test_fs_restart(&fs) stops and starts the server on the same store.
 *
 * Every server this file starts is checked when it stops: it must exit 0
 * on SIGTERM, and its log must hold no sanitizer report. Otherwise the
 * log is printed and the test binary exits 1 after cmocka's summary
 * (cmocka does not count a failed group teardown).
 *
 * The binary is $KUBEFS_BIN/kubefs-fs, else bin/kubefs-fs relative to the
 * current directory (tests run from the repository root).
 */
#ifndef KUBEFS_TESTS_UNIT_TEST_CLIENT_FS_H
#define KUBEFS_TESTS_UNIT_TEST_CLIENT_FS_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/client.h"

struct test_fs {
	bool up;
	char why[1024]; /* when not up */
	char dir[64];	/* temp dir: store/, mnt/, log */
	char mnt[96];
	pid_t pid;
	struct client *c;
};

#define TEST_FS_REQUIRE(fs)                                                    \
	do {                                                                   \
		if (!(fs)->up)                                                 \
			fail_msg("kubefs-fs is not usable: %s", (fs)->why);    \
	} while (0)

/* Set when a server exited badly or reported a sanitizer error. */
static bool test_fs_broken;

static inline void test_fs_exit_status(void)
{
	if (test_fs_broken) {
		printf("[  FAILED  ] kubefs-fs exited badly or reported a "
		       "sanitizer error (above)\n");
		fflush(NULL);
		_exit(1);
	}
}

static inline void test_fs_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static inline bool test_fs_healthy(const char *mnt)
{
	char path[128], buf[8] = {0};
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/healthz", mnt);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n >= 2 && !strncmp(buf, "ok", 2);
}

/* Print the last lines of the server's log. */
static inline void test_fs_print_log(struct test_fs *fs)
{
	char path[128], line[512];
	long lines = 0, skip;
	FILE *f;

	snprintf(path, sizeof(path), "%s/log", fs->dir);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		lines++;
	rewind(f);
	skip = lines > 40 ? lines - 40 : 0;
	while (fgets(line, sizeof(line), f))
		if (skip-- <= 0)
			printf("  | %s", line);
	fclose(f);
}

/* Start kubefs-fs on fs->dir's store and mount; wait until it serves. */
static inline void test_fs_spawn(struct test_fs *fs)
{
	char bin[512], store[128], log[128];
	const char *dir = getenv("KUBEFS_BIN");
	int status;

	snprintf(bin, sizeof(bin), "%s/kubefs-fs", dir ? dir : "bin");
	if (access(bin, X_OK) < 0) {
		snprintf(fs->why, sizeof(fs->why), "%s not found", bin);
		return;
	}
	snprintf(store, sizeof(store), "%s/store", fs->dir);
	snprintf(log, sizeof(log), "%s/log", fs->dir);
	fs->pid = fork();
	if (fs->pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(bin, "kubefs-fs", "--foreground", "--store", store,
		      fs->mnt, (char *)NULL);
		_exit(127);
	}
	if (fs->pid < 0) {
		snprintf(fs->why, sizeof(fs->why), "fork: %m");
		return;
	}
	/* up to 20 s for the mount to serve */
	for (int i = 0; i < 400; i++) {
		if (test_fs_healthy(fs->mnt))
			break;
		if (waitpid(fs->pid, &status, WNOHANG) == fs->pid) {
			snprintf(fs->why, sizeof(fs->why),
				 "kubefs-fs exited (status %d) before serving; "
				 "see %s",
				 status, log);
			printf("kubefs-fs exited (status %d) before serving; "
			       "its log:\n",
			       status);
			test_fs_print_log(fs);
			fs->pid = -1;
			return;
		}
		test_fs_sleep_ms(50);
	}
	if (!test_fs_healthy(fs->mnt)) {
		snprintf(fs->why, sizeof(fs->why),
			 "%s/healthz never read \"ok\"", fs->mnt);
		return;
	}
	fs->up = true;
}

/* Whether the server's log holds a sanitizer report. */
static inline bool test_fs_log_has_report(struct test_fs *fs)
{
	static const char *const marks[] = {"Sanitizer", ": runtime error: "};
	char path[128], line[512];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/log", fs->dir);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
			if (strstr(line, marks[i]) &&
			    (i > 0 || strstr(line, "ERROR: ") ||
			     strstr(line, "LeakSanitizer")))
				found = true;
	fclose(f);
	return found;
}

/* The server stopped with STATUS (-1: never reaped): mark and show a bad
 * exit or a sanitizer report. */
static inline void test_fs_judge(struct test_fs *fs, int status,
				 const char *when)
{
	bool clean =
	    status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;

	if (clean && !test_fs_log_has_report(fs))
		return;
	if (status == -1)
		printf("kubefs-fs %s: not reaped; its log:\n", when);
	else if (WIFSIGNALED(status))
		printf("kubefs-fs %s: killed by signal %d; its log:\n", when,
		       WTERMSIG(status));
	else
		printf("kubefs-fs %s: exit status %d%s; its log:\n", when,
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		       clean ? " with a sanitizer report" : "");
	test_fs_print_log(fs);
	if (!test_fs_broken)
		atexit(test_fs_exit_status);
	test_fs_broken = true;
}

/* SIGTERM the server and wait (10 s, then SIGKILL): it must exit 0. */
static inline void test_fs_kill(struct test_fs *fs)
{
	int status = -1;

	if (fs->pid > 0 && waitpid(fs->pid, &status, WNOHANG) == fs->pid) {
		/* it died under the tests */
		test_fs_judge(fs, status, "died during the tests");
		fs->pid = -1;
	}
	if (fs->pid > 0) {
		kill(fs->pid, SIGTERM);
		for (int i = 0; i < 200; i++) {
			if (waitpid(fs->pid, &status, WNOHANG) == fs->pid)
				break;
			test_fs_sleep_ms(50);
			if (i == 199) {
				kill(fs->pid, SIGKILL);
				waitpid(fs->pid, &status, 0);
			}
		}
		test_fs_judge(fs, status, "on SIGTERM");
		fs->pid = -1;
	}
	if (fs->mnt[0])
		umount2(fs->mnt, MNT_DETACH); /* only if it was left behind */
	fs->up = false;
}

/* Stop the server and start it again on the same store and mount. */
static inline bool test_fs_restart(struct test_fs *fs)
{
	test_fs_kill(fs);
	test_fs_spawn(fs);
	return fs->up;
}

static inline void test_fs_start(struct test_fs *fs)
{
	memset(fs, 0, sizeof(*fs));
	fs->pid = -1;
	snprintf(fs->dir, sizeof(fs->dir), "/tmp/kubefs-client-XXXXXX");
	if (!mkdtemp(fs->dir)) {
		snprintf(fs->why, sizeof(fs->why), "mkdtemp: %m");
		fs->dir[0] = '\0';
		return;
	}
	snprintf(fs->mnt, sizeof(fs->mnt), "%s/mnt", fs->dir);
	mkdir(fs->mnt, 0755);
	test_fs_spawn(fs);
	if (fs->up && client_new(fs->mnt, &fs->c) < 0) {
		snprintf(fs->why, sizeof(fs->why), "client_new failed");
		fs->up = false;
	}
}

static inline int test_fs_rm(const char *path, const struct stat *st, int flag,
			     struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static inline void test_fs_stop(struct test_fs *fs)
{
	client_free(fs->c);
	fs->c = NULL;
	test_fs_kill(fs);
	if (fs->dir[0])
		nftw(fs->dir, test_fs_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write text to mnt/rel with O_CREAT|O_TRUNC: 0 or -errno (close's). */
static inline int test_fs_write(struct test_fs *fs, const char *rel,
				const char *text)
{
	char path[512];
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/%s", fs->mnt, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

#endif
