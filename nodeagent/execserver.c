/*
 * execserver.c — exec on the node agent's endpoint: `runc exec` into a
 * running container, its stdin, stdout and stderr carried over the
 * upgraded connection in frames, and its exit code at the end.
 *
 * Frames both ways: one byte of channel, four bytes of length (big
 * endian), the payload. Client to agent: 0 stdin (an empty frame: stdin
 * is closed), 4 a new terminal size ({"Width":W,"Height":H}, tty only;
 * the first comes in the query: width=W&height=H, so that the command
 * starts with it).
 * Agent to client: 1 stdout, 2 stderr, 3 the exit code in decimal, last;
 * then the agent closes the connection.
 *
 * With tty=true the command gets a terminal: runc exec --tty makes one
 * in the container and relays it to its own stdio, which is the slave of
 * a pty of ours, runc's controlling terminal (so a size set on our
 * master reaches runc as SIGWINCH, and runc resizes the container's);
 * its output (stdout and stderr together) comes back on channel 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>

#include "api/cleanup.h"
#include "nodeagent/logserver_i.h"

extern char **environ;

#define EXEC_ARGS_MAX 256
#define FRAME_MAX (64u << 10)
#define ARGV_CMD 8	    /* runc --root R exec [--tty --env TERM=xterm] ID */
#define KILL_AFTER_POLLS 50 /* 10 s of 200 ms after a hang-up: SIGKILL */

enum { CH_STDIN, CH_STDOUT, CH_STDERR, CH_STATUS, CH_RESIZE };

struct exec_job {
	struct logserver *s;
	int fd;
	bool stdin_open, tty;
	int master; /* tty: our side of the command's terminal, else -1 */
	struct winsize size; /* tty: its size at the start (width, height) */
	struct logserver_exec t;
	/* runc's words, then the command's from index ARGV_CMD */
	char *argv[ARGV_CMD + EXEC_ARGS_MAX + 1];
	size_t start; /* where runc's words begin */
	char *args;   /* the query the command words point into (owned) */
	unsigned char in[FRAME_MAX + 5];
	size_t in_len;
};

static int send_frame(int fd, int ch, const char *p, size_t n)
{
	unsigned char h[5] = {(unsigned char)ch, (unsigned char)(n >> 24),
			      (unsigned char)(n >> 16), (unsigned char)(n >> 8),
			      (unsigned char)n};

	if (ls_send_all(fd, (const char *)h, sizeof(h)) < 0)
		return -EPIPE;
	return n ? ls_send_all(fd, p, n) : 0;
}

/* n bytes of stdin into fd: a socket, or the terminal (not one). */
static int put(struct exec_job *j, int fd, const char *p, size_t n)
{
	if (j->master < 0)
		return ls_send_all(fd, p, n);
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EPIPE;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A resize frame's size onto the terminal (runc gets SIGWINCH). */
static void resize(int master, const char *p, size_t n)
{
	_cleanup_json_ json_t *v = json_loadb(p, n, 0, NULL);
	json_int_t w = json_integer_value(json_object_get(v, "Width"));
	json_int_t h = json_integer_value(json_object_get(v, "Height"));
	struct winsize ws = {0};

	if (w <= 0 || h <= 0 || w > 0xffff || h > 0xffff)
		return;
	ws.ws_col = (unsigned short)w;
	ws.ws_row = (unsigned short)h;
	ioctl(master, TIOCSWINSZ, &ws);
}

/* Forward what the client sent: stdin bytes to in (its end). -EPIPE
 * when the client has gone or sent a bad frame. */
static int from_client(struct exec_job *j, int *in)
{
	ssize_t r = recv(j->fd, j->in + j->in_len, sizeof(j->in) - j->in_len,
			 MSG_DONTWAIT);

	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -EPIPE;
	if (r == 0)
		return -EPIPE;
	j->in_len += (size_t)r;
	while (j->in_len >= 5) {
		size_t n = (size_t)j->in[1] << 24 | (size_t)j->in[2] << 16 |
			   (size_t)j->in[3] << 8 | j->in[4];

		if (n > FRAME_MAX)
			return -EPIPE;
		if (j->in_len < 5 + n)
			break;
		if (j->in[0] == CH_RESIZE && j->master >= 0) {
			resize(j->master, (char *)j->in + 5, n);
		} else if (j->in[0] == CH_STDIN && *in >= 0) {
			if (!n && j->master >= 0) {
				/* a terminal's end of input: ^D */
				put(j, *in, "\x04", 1);
			} else if (!n) {
				close(*in); /* stdin closed */
				*in = -1;
			} else if (put(j, *in, (char *)j->in + 5, n) < 0) {
				close(*in); /* the command stopped reading */
				*in = -1;
			}
		}
		memmove(j->in, j->in + 5 + n, j->in_len - 5 - n);
		j->in_len -= 5 + n;
	}
	return 0;
}

/*
 * Close the connection without losing the last frames: closing a socket
 * with unread input resets it, and the peer may drop what it has not
 * read yet. Say we are done, and read what comes until the peer closes
 * (bounded).
 */
static void linger_close(int fd)
{
	char buf[4096];

	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 20; i++) {
		struct pollfd p = {fd, POLLIN, 0};

		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			break;
		if (p.revents && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			break;
	}
	close(fd);
}

/* Start runc exec with stdin from in[1] (or /dev/null), stdout and
 * stderr into out[1] and err[1]. */
static int spawn(struct exec_job *j, int in, int out, int err, pid_t *ret)
{
	posix_spawn_file_actions_t fa;
	int r;

	posix_spawn_file_actions_init(&fa);
	if (in >= 0)
		posix_spawn_file_actions_adddup2(&fa, in, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
						 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, err, 2);
	r = posix_spawnp(ret, j->argv[j->start], &fa, NULL, j->argv + j->start,
			 environ);
	posix_spawn_file_actions_destroy(&fa);
	return -r;
}

/*
 * runc exec --tty on a new terminal: a pty whose slave is runc's stdio
 * and controlling terminal (a session of its own). *ret_master is ours.
 */
static int spawn_tty(struct exec_job *j, int *ret_master, pid_t *ret)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char name[128];
	int m, slave, r;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -errno;
	if (grantpt(m) < 0 || unlockpt(m) < 0 ||
	    ptsname_r(m, name, sizeof(name)))
		name[0] = 0;
	/* held open until runc has it, so the master never sees a hang-up
	 * before runc opened the slave */
	/* runc sizes the container's terminal from it as it starts */
	if (j->size.ws_col && j->size.ws_row)
		ioctl(m, TIOCSWINSZ, &j->size);
	slave = name[0] ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
	if (slave < 0) {
		close(m);
		return -EIO;
	}
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID);
	posix_spawn_file_actions_init(&fa);
	/* opened after setsid: it becomes the controlling terminal */
	posix_spawn_file_actions_addopen(&fa, 0, name, O_RDWR, 0);
	posix_spawn_file_actions_adddup2(&fa, 0, 1);
	posix_spawn_file_actions_adddup2(&fa, 0, 2);
	r = posix_spawnp(ret, j->argv[j->start], &fa, &at, j->argv + j->start,
			 environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(slave);
	if (r) {
		close(m);
		return -r;
	}
	*ret_master = m;
	return 0;
}

static int pump(int from, int to, int ch)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0)
		return -1;		    /* the end of that stream */
	send_frame(to, ch, buf, (size_t)n); /* a gone client: see poll */
	return 0;
}

static void *exec_thread(void *arg)
{
	struct exec_job *j = arg;
	struct logserver *s = j->s;
	int sp[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
	int in = -1, status = 0, hangup = 0, r;
	char code[16];
	pid_t pid;

	if (j->tty) {
		r = spawn_tty(j, &j->master, &pid);
		/* the terminal is both ways: stdin into a copy of it */
		out[0] = j->master;
		if (r == 0 && j->stdin_open)
			in = fcntl(j->master, F_DUPFD_CLOEXEC, 0);
	} else {
		r = (j->stdin_open &&
		     socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) <
			 0) ||
			    pipe2(out, O_CLOEXEC) < 0 ||
			    pipe2(err, O_CLOEXEC) < 0
			? -errno
			: spawn(j, sp[1], out[1], err[1], &pid);
		in = sp[0];
	}
	if (r < 0) {
		static const char msg[] = "cannot start runc exec\n";

		send_frame(j->fd, CH_STDERR, msg, sizeof(msg) - 1);
		send_frame(j->fd, CH_STATUS, "126", 3);
		pid = -1;
	}
	if (sp[1] >= 0)
		close(sp[1]);
	if (out[1] >= 0)
		close(out[1]);
	if (err[1] >= 0)
		close(err[1]);
	while (pid > 0 && (out[0] >= 0 || err[0] >= 0)) {
		struct pollfd p[4] = {{hangup ? -1 : j->fd, POLLIN, 0},
				      {out[0], POLLIN, 0},
				      {err[0], POLLIN, 0},
				      {s->stop_pipe[0], POLLIN, 0}};

		if (poll(p, 4, 200) < 0 && errno != EINTR)
			break;
		if (p[1].revents && pump(out[0], j->fd, CH_STDOUT) < 0) {
			close(out[0]);
			out[0] = -1;
		}
		if (p[2].revents && pump(err[0], j->fd, CH_STDERR) < 0) {
			close(err[0]);
			err[0] = -1;
		}
		if (!hangup && (p[3].revents ||
				(p[0].revents && from_client(j, &in) < 0))) {
			hangup = 1; /* runc passes SIGTERM to the command */
			kill(pid, SIGTERM);
		} else if (hangup && ++hangup == KILL_AFTER_POLLS) {
			kill(pid, SIGKILL);
		} else if (hangup > KILL_AFTER_POLLS + 5) {
			break; /* what runc left in the container holds the
				* pipes: stop reading them */
		}
	}
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		snprintf(code, sizeof(code), "%d",
			 WIFEXITED(status) ? WEXITSTATUS(status)
					   : 128 + WTERMSIG(status));
		send_frame(j->fd, CH_STATUS, code, strlen(code));
	}
	if (in >= 0)
		close(in);
	if (out[0] >= 0)
		close(out[0]);
	if (err[0] >= 0)
		close(err[0]);
	linger_close(j->fd);
	free(j->args);
	free(j);
	ls_done(s);
	return NULL;
}

/* The command words of the query (command=W&command=W...), in order,
 * into j->argv from index at. -EINVAL if none. */
static int command_of(struct exec_job *j, char *q, size_t at, bool *ret_tty)
{
	char *save = NULL, *kv;
	size_t n = at;

	*ret_tty = false;
	for (kv = strtok_r(q, "&", &save); kv;
	     kv = strtok_r(NULL, "&", &save)) {
		char *v = strchr(kv, '=');

		if (!v)
			continue;
		*v++ = '\0';
		ls_unescape(v);
		if (!strcmp(kv, "command")) {
			if (n - at >= EXEC_ARGS_MAX)
				return -E2BIG;
			j->argv[n++] = v;
		} else if (!strcmp(kv, "stdin")) {
			j->stdin_open = !strcmp(v, "true");
		} else if (!strcmp(kv, "tty")) {
			*ret_tty = !strcmp(v, "true");
		} else if (!strcmp(kv, "width") || !strcmp(kv, "height")) {
			long n = strtol(v, NULL, 10);

			if (n > 0 && n <= 0xffff)
				*(kv[0] == 'w' ? &j->size.ws_col
					       : &j->size.ws_row) =
				    (unsigned short)n;
		}
	}
	j->argv[n] = NULL;
	return n > at ? 0 : -EINVAL;
}

void ls_serve_exec(struct logserver *s, int fd, char *path, char *q)
{
	static const char up[] = "HTTP/1.1 101 Switching Protocols\r\n"
				 "Upgrade: kubefs-exec\r\n"
				 "Connection: Upgrade\r\n\r\n";
	char *ns, *pod, *ctr, *save = NULL, msg[1024];
	struct exec_job *j = calloc(1, sizeof(*j));
	bool tty;
	int r;

	ns = strtok_r(path, "/", &save);
	pod = strtok_r(NULL, "/", &save);
	ctr = strtok_r(NULL, "/", &save);
	if (!j || !ns || !pod || !ctr || strtok_r(NULL, "/", &save)) {
		ls_respond_text(fd, 400, "Bad Request", "bad path\n");
		goto out;
	}
	ls_unescape(ns);
	ls_unescape(pod);
	ls_unescape(ctr);
	j->args = strdup(q ? q : "");
	j->master = -1;
	if (!j->args || command_of(j, j->args, ARGV_CMD, &tty) < 0) {
		ls_respond_text(fd, 400, "Bad Request",
				"you must specify at least 1 command\n");
		goto out;
	}
	r = s->exec_target ? s->exec_target(s->ud, ns, pod, ctr, &j->t)
			   : -ENOENT;
	if (r < 0) {
		if (r == -EAGAIN)
			snprintf(msg, sizeof(msg),
				 "container %s is not running", ctr);
		else
			snprintf(msg, sizeof(msg),
				 "container not found (\"%s\")", ctr);
		ls_respond_text(fd, r == -EAGAIN ? 400 : 404,
				r == -EAGAIN ? "Bad Request" : "Not Found",
				msg);
		goto out;
	}
	j->start = tty ? 0 : 3;
	j->argv[j->start] = j->t.runc;
	j->argv[j->start + 1] = "--root";
	j->argv[j->start + 2] = j->t.runc_root;
	j->argv[j->start + 3] = "exec";
	if (tty) {
		/* as containerd gives a terminal exec */
		j->argv[4] = "--tty";
		j->argv[5] = "--env";
		j->argv[6] = "TERM=xterm";
	}
	j->argv[ARGV_CMD - 1] = j->t.id;
	j->tty = tty;
	j->s = s;
	j->fd = fd;
	if (ls_send_all(fd, up, sizeof(up) - 1) < 0)
		goto out;
	if (ls_spawn(s, exec_thread, j) == 0)
		return;
out:
	if (j)
		free(j->args);
	free(j);
	close(fd);
}
