/*
 * proc.c — spawn a helper, feed its stdin, collect its output.
 */
#include "nodeagent/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct sink {
	char *buf;
	size_t len, cap;
};

static void sink_add(struct sink *s, const char *p, size_t n)
{
	if (s->len + n > PROC_OUTPUT_MAX)
		n = PROC_OUTPUT_MAX - s->len;
	if (!n)
		return;
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		char *b;

		while (cap < s->len + n + 1)
			cap *= 2;
		b = realloc(s->buf, cap);
		if (!b)
			return;
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
}

static char *sink_take(struct sink *s)
{
	if (!s->buf)
		return strdup("");
	return s->buf;
}

/* Pump stdin in, stdout and stderr out, until both outputs close. */
static void pump(int fd_in, int fd_out, int fd_err, const char *in,
		 struct sink *out, struct sink *err)
{
	size_t in_len = in ? strlen(in) : 0, in_off = 0;
	char buf[16384];

	if (fd_in >= 0 && !in_len) {
		close(fd_in);
		fd_in = -1;
	}
	while (fd_out >= 0 || fd_err >= 0) {
		struct pollfd p[3] = {{fd_out, POLLIN, 0},
				      {fd_err, POLLIN, 0},
				      {fd_in, POLLOUT, 0}};

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			int *fd = i ? &fd_err : &fd_out;
			ssize_t n;

			if (*fd < 0 || !p[i].revents)
				continue;
			n = read(*fd, buf, sizeof(buf));
			if (n > 0) {
				sink_add(i ? err : out, buf, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				close(*fd);
				*fd = -1;
			}
		}
		if (fd_in >= 0 && p[2].revents) {
			ssize_t n = write(fd_in, in + in_off, in_len - in_off);

			if (n > 0)
				in_off += (size_t)n;
			if ((n < 0 && errno != EINTR && errno != EAGAIN) ||
			    in_off == in_len) {
				close(fd_in);
				fd_in = -1;
			}
		}
	}
	if (fd_in >= 0)
		close(fd_in);
}

int proc_run(char *const argv[], char *const env[], const char *in,
	     struct proc_result *ret)
{
	int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
	posix_spawn_file_actions_t fa;
	struct sink out = {0}, err = {0};
	sigset_t none;
	posix_spawnattr_t at;
	pid_t pid;
	int r, st;

	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 ||
	    pipe2(perr, O_CLOEXEC) < 0) {
		r = -errno;
		for (int i = 0; i < 2; i++) {
			if (pin[i] >= 0)
				close(pin[i]);
			if (pout[i] >= 0)
				close(pout[i]);
		}
		return r;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
	posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	r = posix_spawnp(&pid, argv[0], &fa, &at, argv, env ? env : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	if (r) {
		close(pin[1]);
		close(pout[0]);
		close(perr[0]);
		return -r;
	}
	pump(pin[1], pout[0], perr[0], in, &out, &err);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	ret->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	ret->out = sink_take(&out);
	ret->err = sink_take(&err);
	if (ret->err) {
		size_t n = strlen(ret->err);

		while (n && ret->err[n - 1] == '\n')
			ret->err[--n] = '\0';
	}
	if (!ret->out || !ret->err) {
		proc_result_release(ret);
		return -ENOMEM;
	}
	return 0;
}

void proc_result_release(struct proc_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}
