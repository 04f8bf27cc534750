/*
 * daemon.c — pid files, liveness and death records of `kubefs up`'s
 * daemons (see daemon.h).
 *
 * A daemon is alive when /proc/PID/stat shows a process in any state but
 * zombie or dead, whose command name is the daemon's program. Nobody may
 * reap a killed daemon for a long time (in a container whose init does not
 * reap, never), so a successful kill(pid, 0) proves nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "shell/daemon.h"

#define COMM_MAX 15 /* TASK_COMM_LEN - 1 */

static void run_path(char *buf, size_t size, const char *state,
		     const char *name, const char *ext)
{
	snprintf(buf, size, "%s/run/%s%s", state, name, ext);
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
	char path[4096];
	struct stat st;
	long pid = 0;
	FILE *f;
	int ok;

	run_path(path, sizeof(path), state, name, ".pid");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ok = fscanf(f, "%ld", &pid) == 1 && pid > 0;
	if (ok && fstat(fileno(f), &st) == 0)
		*ret_started = st.st_mtime;
	fclose(f);
	if (!ok)
		return -EINVAL;
	*ret_pid = (pid_t)pid;
	return 0;
}

/* Write path.tmp and rename it over path: never a half-written file. */
static int write_file(const char *path, const char *text)
{
	char tmp[4096 + 8];
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
	char died[4096], pidf[4096], text[96];

	run_path(died, sizeof(died), state, name, ".died");
	run_path(pidf, sizeof(pidf), state, name, ".pid");
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
	char path[4096];
	long long started, found;
	long pid;
	FILE *f;
	int n;

	run_path(path, sizeof(path), state, name, ".died");
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

pid_t daemon_spawn(const char *state, const char *name, const char *bindir,
		   char *const argv[])
{
	char log[4096], pidf[4096], path[4096], text[32], c;
	int exec_pipe[2];
	pid_t pid;

	snprintf(log, sizeof(log), "%s/log/%s.log", state, name);
	run_path(pidf, sizeof(pidf), state, name, ".pid");
	snprintf(path, sizeof(path), "%s/%s", bindir, argv[0]);
	/* closed by the child's exec: until then it is not yet the daemon */
	if (pipe2(exec_pipe, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(exec_pipe[0]);
		close(exec_pipe[1]);
		return r;
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		close(exec_pipe[0]);
		setsid();
		if (in >= 0)
			dup2(in, 0);
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		execv(path, argv);
		fprintf(stderr, "kubefs: cannot run %s: %s\n", path,
			strerror(errno));
		_exit(127);
	}
	close(exec_pipe[1]);
	while (read(exec_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	close(exec_pipe[0]);
	snprintf(text, sizeof(text), "%ld\n", (long)pid);
	write_file(pidf, text);
	return pid;
}

void daemon_forget(const char *state, const char *name)
{
	char path[4096];

	run_path(path, sizeof(path), state, name, ".pid");
	unlink(path);
	run_path(path, sizeof(path), state, name, ".died");
	unlink(path);
}
