/*
 * test_client_fs.h — a real kubefs-fs on a temporary mount for the
 * client/ unit tests (test_client, test_informer, test_leader,
 * test_events). No mock filesystem: the tests talk to the API server.
 *
 *   static struct test_fs fs;
 *   group setup:    test_fs_start(&fs)    (never fails: fs.up tells)
 *   each test:      TEST_FS_REQUIRE(&fs)  (skips when the server is not
 *                                          usable, saying why)
 *   group teardown: test_fs_stop(&fs)
 *   test_fs_restart(&fs) stops and starts the server on the same store.
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
		if (!(fs)->up) {                                               \
			printf("SKIP %s\n", (fs)->why);                        \
			skip();                                                \
		}                                                              \
	} while (0)

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

/* SIGTERM the server and wait (10 s, then SIGKILL). */
static inline void test_fs_kill(struct test_fs *fs)
{
	int status;

	if (fs->pid > 0 && waitpid(fs->pid, &status, WNOHANG) == fs->pid) {
		/* it died under the tests: show why */
		printf(
		    "kubefs-fs died during the tests (status %d); its log:\n",
		    status);
		test_fs_print_log(fs);
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
