/*
 * shim.c — start a container with runc, then stay as its parent: logs
 * in, exit status out.
 */
#include "nodeagent/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/clock.h"
#include "api/flags.h"
#include "api/pidfile.h"

struct logfile {
	int fd;
	const char *path;
	off_t size;
};

/* N.log grew past SHIM_LOG_MAX: N.log.1 .. N.log.(SHIM_LOG_FILES - 1)
 * shift up, the oldest goes, and a new N.log begins. */
static void rotate(struct logfile *log)
{
	char from[4200], to[4200];

	for (int i = SHIM_LOG_FILES - 1; i >= 1; i--) {
		snprintf(to, sizeof(to), "%s.%d", log->path, i);
		if (i == 1)
			snprintf(from, sizeof(from), "%s", log->path);
		else
			snprintf(from, sizeof(from), "%s.%d", log->path, i - 1);
		rename(from, to);
	}
	close(log->fd);
	log->fd =
	    open(log->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	log->size = 0;
}

struct stream {
	int fd;
	const char *name; /* "stdout", "stderr" */
	char buf[SHIM_LINE_MAX];
	size_t n;
};

/* Write one CRI log line: TIME STREAM TAG TEXT\n */
static void log_line(struct logfile *log, const char *stream, char tag,
		     const char *p, size_t n)
{
	struct timespec ts;
	char head[96], when[RFC3339_MAX];
	int hn;

	clock_gettime(CLOCK_REALTIME, &ts);
	hn = snprintf(head, sizeof(head), "%s %s %c ",
		      rfc3339_format_nano(&ts, when), stream, tag);
	if (!log || log->fd < 0)
		return;
	if (write(log->fd, head, (size_t)hn) < 0 || write(log->fd, p, n) < 0 ||
	    write(log->fd, "\n", 1) < 0)
		return; /* a full disk loses log lines, not the container */
	log->size += (off_t)hn + (off_t)n + 1;
	if (log->size > SHIM_LOG_MAX)
		rotate(log);
}

/* Move complete lines out of s into the log; flush: the rest too. */
static void drain_lines(struct stream *s, struct logfile *log, bool flush)
{
	size_t start = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->buf[i] != '\n')
			continue;
		log_line(log, s->name, 'F', s->buf + start, i - start);
		start = i + 1;
	}
	if (start == 0 && s->n == sizeof(s->buf)) {
		log_line(log, s->name, 'P', s->buf, s->n); /* a long line */
		start = s->n;
	}
	if (flush && start < s->n) {
		log_line(log, s->name, 'F', s->buf + start, s->n - start);
		start = s->n;
	}
	memmove(s->buf, s->buf + start, s->n - start);
	s->n -= start;
}

/* Read what is there; false once the stream closed. Without a log
 * (log NULL: runc is still starting) the text is kept for its error. */
static bool pump(struct stream *s, struct logfile *log)
{
	ssize_t n;

	if (s->n == sizeof(s->buf)) {
		if (!log)
			return true; /* enough of runc's complaint */
		drain_lines(s, log, false);
	}
	n = read(s->fd, s->buf + s->n, sizeof(s->buf) - s->n);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		if (log)
			drain_lines(s, log, true);
		close(s->fd);
		s->fd = -1;
		return false;
	}
	s->n += (size_t)n;
	if (log)
		drain_lines(s, log, false);
	return true;
}

/* A pidfd of pid (readable once it exits), or -1. */
static int pidfd_of(pid_t pid)
{
	return pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
}

/* Poll both streams and (when >= 0) a pidfd for up to ms milliseconds. */
static void poll_streams(struct stream *st, struct logfile *log, int pidfd,
			 int ms)
{
	struct pollfd p[3] = {
	    {st[0].fd, POLLIN, 0}, {st[1].fd, POLLIN, 0}, {pidfd, POLLIN, 0}};

	if (poll(p, 3, ms) <= 0)
		return;
	for (int i = 0; i < 2; i++)
		if (st[i].fd >= 0 && p[i].revents)
			pump(&st[i], log);
}

static bool oom_killed(const char *cgroup)
{
	char path[4096], key[64];
	unsigned long long v;
	bool oom = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.oom_control", cgroup);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fscanf(f, "%63s %llu", key, &v) == 2)
		if (!strcmp(key, "oom_kill") && v > 0)
			oom = true;
	fclose(f);
	return oom;
}

static void write_exit(const char *state, int code, bool oom)
{
	char path[4096], tmp[4096];
	struct timespec ts;
	FILE *f;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(path, sizeof(path), "%s/exit", state);
	snprintf(tmp, sizeof(tmp), "%s/exit.tmp", state);
	f = fopen(tmp, "we");
	if (!f)
		return;
	fprintf(f, "%d %d %lld %ld\n", code, oom ? 1 : 0, (long long)ts.tv_sec,
		ts.tv_nsec);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static pid_t read_pid(const char *state)
{
	char path[4096];
	pid_t pid = 0;

	snprintf(path, sizeof(path), "%s/pid", state);
	return pidfile_read(path, &pid, NULL) == 0 ? pid : 0;
}

/* The daemon: run runc, report to the waiting parent on rep, then
 * follow the container. Never returns. */
static void shim_daemon(char **argv, int rep)
{
	const char *runc = argv[1], *root = argv[2], *bundle = argv[3];
	const char *id = argv[4], *logpath = argv[5], *state = argv[6];
	const char *cgroup = argv[7];
	struct stream st[2] = {{-1, "stdout", {0}, 0}, {-1, "stderr", {0}, 0}};
	struct logfile logf = {-1, NULL, 0}, *log = &logf;
	int out[2], err[2], devnull, status = 0, pidfd;
	struct stat lst;
	char pidfile[4096];
	pid_t runc_pid, init = 0, w;
	bool runc_done = false, init_done = false;
	int code = 0;

	setsid();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		_exit(1);
	snprintf(pidfile, sizeof(pidfile), "%s/pid", state);
	runc_pid = fork();
	if (runc_pid == 0) {
		dup2(devnull, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execlp(runc, runc, "--root", root, "run", "--detach",
		       "--bundle", bundle, "--pid-file", pidfile, id,
		       (char *)NULL);
		dprintf(2, "exec %s: %s\n", runc, strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(devnull, 2);
	st[0].fd = out[0];
	st[1].fd = err[0];
	logf.path = logpath;
	logf.fd =
	    open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (logf.fd >= 0 && fstat(logf.fd, &lst) == 0)
		logf.size = lst.st_size;
	/* until runc returns: anything on stderr may be runc's complaint */
	pidfd = pidfd_of(runc_pid);
	while (!runc_done) {
		poll_streams(st, NULL, pidfd, pidfd >= 0 ? 1000 : 20);
		w = waitpid(runc_pid, &status, WNOHANG);
		if (w == runc_pid)
			runc_done = true;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    !(init = read_pid(state))) {
		char msg[SHIM_LINE_MAX + 1];

		memcpy(msg, st[1].buf, st[1].n);
		msg[st[1].n] = '\0';
		if (write(rep, "1", 1) < 0 || write(rep, msg, st[1].n) < 0)
			_exit(1);
		_exit(1);
	}
	if (write(rep, "0", 1) < 0)
		_exit(1);
	close(rep);
	drain_lines(&st[0], log, false);
	drain_lines(&st[1], log, false);
	if (pidfd >= 0)
		close(pidfd);
	pidfd = pidfd_of(init);
	/* follow: reap everything reparented to us, note init's end */
	while (!init_done) {
		poll_streams(st, log, pidfd, 200);
		while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
			if (w != init)
				continue;
			init_done = true;
			code = WIFEXITED(status) ? WEXITSTATUS(status)
						 : 128 + WTERMSIG(status);
		}
		if (!init_done && w < 0 && errno == ECHILD &&
		    kill(init, 0) < 0) {
			init_done = true; /* not ours after all */
			code = 255;
		}
	}
	/* the rest of its output: until the pipes close, or 2 s */
	for (int i = 0; i < 10 && (st[0].fd >= 0 || st[1].fd >= 0); i++)
		poll_streams(st, log, -1, 200);
	drain_lines(&st[0], log, true);
	drain_lines(&st[1], log, true);
	write_exit(state, code, code == 137 && oom_killed(cgroup));
	_exit(0);
}

int shim_main(int argc, char **argv)
{
	char buf[SHIM_LINE_MAX + 2];
	int rep[2];
	ssize_t n, got = 0;
	pid_t pid;
	int r;

	static const struct flag none[] = {{NULL}};
	struct kf_error err;

	kf_error_init(&err);
	r = flags_parse_argv(none, argc, argv, &err, &argc);
	if (r < 0)
		fprintf(stderr, "kubefs-node shim: %s\n", err.msg);
	if (r != 0 || argc != 8) {
		fprintf(stderr, "usage: kubefs-node shim RUNC RUNC_ROOT BUNDLE "
				"ID LOG STATE_DIR MEMORY_CGROUP\n");
		return r == FLAGS_HELP ? 0 : 2;
	}
	if (pipe2(rep, O_CLOEXEC) < 0)
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		close(rep[0]);
		shim_daemon(argv, rep[1]);
	}
	close(rep[1]);
	while ((n = read(rep[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	buf[got] = '\0';
	if (got > 0 && buf[0] == '0')
		return 0;
	fprintf(stderr, "%s", got > 1 ? buf + 1 : "the shim failed\n");
	return 1;
}
