/*
 * daemon.c — starting, stopping, pid files, liveness and death records of
 * the local cluster's daemons (see daemon.h).
 *
 * A daemon is alive when /proc/PID/stat shows a process in any state but
 * zombie or dead, whose command name is the daemon's program. Nobody may
 * reap a killed daemon for a long time (in a container whose init does not
 * reap, never), so a successful kill(pid, 0) proves nothing.
 *
 * A spawned child reports over a close-on-exec pipe: the pipe closes
 * empty when exec succeeded, or carries the errno of the setup hook or of
 * exec. Only then is the pid file written, so it always names the
 * program, never a forked copy of kubefs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/pidfile.h"
#include "shell/daemon.h"

#define COMM_MAX 15 /* TASK_COMM_LEN - 1 */

void daemon_path(char *buf, size_t size, const char *state, const char *dir,
		 const char *name, const char *ext)
{
	snprintf(buf, size, "%s/%s/%s%s", state, dir, name, ext);
}

int daemon_mkdirs(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int daemon_dirs(const char *state)
{
	char dir[PATH_MAX];
	int r;

	snprintf(dir, sizeof(dir), "%s/run", state);
	r = daemon_mkdirs(dir);
	if (r < 0)
		return r;
	snprintf(dir, sizeof(dir), "%s/log", state);
	return daemon_mkdirs(dir);
}

bool daemon_alive(pid_t pid, const char *bin)
{
	char path[64], buf[512], *open_paren, *close_paren, *comm;
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* "PID (COMM) STATE ...": COMM may itself hold ')' */
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren ||
	    close_paren[1] != ' ')
		return false;
	if (close_paren[2] == 'Z' || close_paren[2] == 'X' ||
	    close_paren[2] == 'x')
		return false;
	*close_paren = '\0';
	comm = open_paren + 1;
	return strlen(comm) == strnlen(bin, COMM_MAX) &&
	       !strncmp(comm, bin, COMM_MAX);
}

/* The pid in NAME.pid into *ret_pid; its mtime into *ret_started. */
static int read_pid_file(const char *state, const char *name, pid_t *ret_pid,
			 time_t *ret_started)
{
	char path[PATH_MAX];

	daemon_path(path, sizeof(path), state, "run", name, ".pid");
	return pidfile_read(path, ret_pid, ret_started);
}

/* Write path.tmp and rename it over path: never a half-written file. */
static int write_file(const char *path, const char *text)
{
	char tmp[PATH_MAX + 8];
	FILE *f;
	int r = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		r = -EIO;
	if (fclose(f) != 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

/* Turn NAME.pid, which names the dead pid, into NAME.died. */
static void record_death(const char *state, const char *name, pid_t pid,
			 time_t started)
{
	char died[PATH_MAX], pidf[PATH_MAX], text[96];

	daemon_path(died, sizeof(died), state, "run", name, ".died");
	daemon_path(pidf, sizeof(pidf), state, "run", name, ".pid");
	snprintf(text, sizeof(text), "%ld %lld %lld\n", (long)pid,
		 (long long)started, (long long)time(NULL));
	if (write_file(died, text) == 0)
		unlink(pidf);
}

pid_t daemon_pid(const char *state, const char *name, const char *bin)
{
	time_t started = 0;
	pid_t pid;

	if (read_pid_file(state, name, &pid, &started) < 0)
		return 0;
	if (daemon_alive(pid, bin))
		return pid;
	record_death(state, name, pid, started);
	return 0;
}

time_t daemon_started(const char *state, const char *name)
{
	time_t started = 0;
	pid_t pid;

	if (read_pid_file(state, name, &pid, &started) < 0)
		return 0;
	return started;
}

int daemon_last_death(const char *state, const char *name,
		      struct daemon_death *ret_death)
{
	char path[PATH_MAX];
	long long started, found;
	long pid;
	FILE *f;
	int n;

	daemon_path(path, sizeof(path), state, "run", name, ".died");
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	n = fscanf(f, "%ld %lld %lld", &pid, &started, &found);
	fclose(f);
	if (n != 3)
		return -EINVAL;
	ret_death->pid = (pid_t)pid;
	ret_death->started = (time_t)started;
	ret_death->found = (time_t)found;
	return 0;
}

/* In the child: never returns. errfd gets the errno of what failed. */
static void child(const char *log, char *const argv[], int (*setup)(void *),
		  void *arg, int errfd)
{
	int in = open("/dev/null", O_RDONLY);
	int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	int err = 0;
	ssize_t n;

	setsid();
	if (in >= 0)
		dup2(in, 0);
	if (out >= 0) {
		dup2(out, 1);
		dup2(out, 2);
	}
	if (setup)
		err = -setup(arg);
	if (!err) {
		execv(argv[0], argv);
		err = errno;
		fprintf(stderr, "kubefs: cannot run %s: %s\n", argv[0],
			strerror(err));
	}
	if (err <= 0)
		err = EIO;
	n = write(errfd, &err, sizeof(err));
	_exit(n == sizeof(err) ? 127 : 126);
}

pid_t daemon_spawn(const char *state, const char *name, char *const argv[],
		   int (*setup)(void *arg), void *arg)
{
	char log[PATH_MAX], pidf[PATH_MAX], text[32];
	int exec_pipe[2], err = 0, r;
	ssize_t n;
	pid_t pid;

	daemon_path(log, sizeof(log), state, "log", name, ".log");
	daemon_path(pidf, sizeof(pidf), state, "run", name, ".pid");
	/* closed by the child's exec: until then it is not yet the daemon */
	if (pipe2(exec_pipe, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(exec_pipe[0]);
		close(exec_pipe[1]);
		return r;
	}
	if (pid == 0) {
		close(exec_pipe[0]);
		child(log, argv, setup, arg, exec_pipe[1]);
	}
	close(exec_pipe[1]);
	do
		n = read(exec_pipe[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(exec_pipe[0]);
	if (n > 0) {
		waitpid(pid, NULL, 0);
		return -(err > 0 ? err : EIO);
	}
	snprintf(text, sizeof(text), "%ld\n", (long)pid);
	r = write_file(pidf, text);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return r;
	}
	return pid;
}

/* Wait up to tries * 50 ms for pid to be no longer bin's live process. */
static bool wait_exit(pid_t pid, const char *bin, int tries)
{
	for (int i = 0; i < tries; i++) {
		/* reap it if it is our child (it is not, normally) */
		waitpid(pid, NULL, WNOHANG);
		if (!daemon_alive(pid, bin))
			return true;
		usleep(50000);
	}
	return false;
}

bool daemon_stop(const char *state, const char *name, const char *bin,
		 bool *ret_killed)
{
	pid_t pid = daemon_pid(state, name, bin);
	bool killed = false;
	char pidf[PATH_MAX];

	if (pid > 0) {
		kill(pid, SIGTERM);
		if (!wait_exit(pid, bin, 200)) {
			killed = true;
			kill(pid, SIGKILL);
			wait_exit(pid, bin, 100);
		}
	}
	daemon_path(pidf, sizeof(pidf), state, "run", name, ".pid");
	unlink(pidf);
	if (ret_killed)
		*ret_killed = killed;
	return pid > 0;
}

void daemon_forget(const char *state, const char *name)
{
	char path[PATH_MAX];

	daemon_path(path, sizeof(path), state, "run", name, ".pid");
	unlink(path);
	daemon_path(path, sizeof(path), state, "run", name, ".died");
	unlink(path);
}
