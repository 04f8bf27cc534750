/*
 * daemon.c — pid files and logs of background daemons under the state
 * directory; see daemon.h.
 */
#include "shell/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void daemon_path(char *buf, size_t size, const char *state, const char *dir,
		 const char *name, const char *ext)
{
	snprintf(buf, size, "%s/%s/%s%s", state, dir, name, ext);
}

static int mkdir_p(const char *path)
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
	r = mkdir_p(dir);
	if (r < 0)
		return r;
	snprintf(dir, sizeof(dir), "%s/log", state);
	return mkdir_p(dir);
}

pid_t daemon_pid(const char *state, const char *name)
{
	char path[PATH_MAX], want[PATH_MAX] = "", exe[PATH_MAX];
	long pid = 0;
	ssize_t n;
	FILE *f;

	daemon_path(path, sizeof(path), state, "run", name, ".pid");
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld %4095s", &pid, want) < 1)
		pid = 0;
	fclose(f);
	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0)
		return 0;
	exe[n] = '\0';
	if (*want && strcmp(exe, want))
		return 0;
	return (pid_t)pid;
}

static void child(const char *log, char *const argv[], int (*setup)(void *),
		  void *arg, int errfd)
{
	int in = open("/dev/null", O_RDONLY);
	int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	int r;

	setsid();
	if (in >= 0)
		dup2(in, 0);
	if (out >= 0) {
		dup2(out, 1);
		dup2(out, 2);
	}
	if (setup) {
		r = setup(arg);
		if (r) {
			r = EPERM;
			if (write(errfd, &r, sizeof(r)) < 0)
				_exit(126);
			_exit(126);
		}
	}
	execv(argv[0], argv);
	r = errno;
	fprintf(stderr, "kubefs: cannot run %s: %s\n", argv[0], strerror(r));
	if (write(errfd, &r, sizeof(r)) < 0)
		_exit(127);
	_exit(127);
}

pid_t daemon_spawn(const char *state, const char *name, char *const argv[],
		   int (*setup)(void *arg), void *arg)
{
	char log[PATH_MAX], pidf[PATH_MAX], exe[PATH_MAX];
	int p[2], err = 0;
	bool ok = false;
	pid_t pid;
	FILE *f;

	daemon_path(log, sizeof(log), state, "log", name, ".log");
	daemon_path(pidf, sizeof(pidf), state, "run", name, ".pid");
	if (!realpath(argv[0], exe))
		return -errno;
	/* the pipe closes on exec: then the pid runs the program */
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		close(p[0]);
		child(log, argv, setup, arg, p[1]);
	}
	close(p[1]);
	if (read(p[0], &err, sizeof(err)) > 0) {
		close(p[0]);
		waitpid(pid, NULL, 0);
		return -(err ? err : EIO);
	}
	close(p[0]);
	f = fopen(pidf, "w");
	if (f) {
		ok = fprintf(f, "%ld %s\n", (long)pid, exe) > 0;
		ok = fclose(f) == 0 && ok;
	}
	if (!ok) {
		/* untracked, it could never be stopped: do not leave it */
		err = errno ? errno : EIO;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		unlink(pidf);
		return -err;
	}
	return pid;
}

bool daemon_stop(const char *state, const char *name, bool *ret_killed)
{
	char pidf[PATH_MAX];
	pid_t pid = daemon_pid(state, name);
	bool killed = false;

	daemon_path(pidf, sizeof(pidf), state, "run", name, ".pid");
	if (pid > 0) {
		kill(pid, SIGTERM);
		killed = true;
		for (int i = 0; i < 200 && killed; i++) {
			/* reap it when it is our own child */
			waitpid(pid, NULL, WNOHANG);
			if (kill(pid, 0) < 0 && errno == ESRCH)
				killed = false;
			else
				usleep(50000);
		}
		if (killed)
			kill(pid, SIGKILL);
	}
	unlink(pidf);
	if (ret_killed)
		*ret_killed = killed;
	return pid > 0;
}
