/*
 * logserver.c — a small HTTP/1.1 server for container logs: one thread,
 * one request per connection.
 */
#include "nodeagent/logserver.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQUEST_MAX 8192
#define IO_TIMEOUT_MS 5000

struct logserver {
	int fd;
	int stop_pipe[2];
	pthread_t thread;
	char log_dir[4096];
	logserver_uid_fn uid_of;
	void *ud;
};

/* Keep the last tail lines of out[0..*len). */
static void keep_tail(char *out, size_t *len, long tail)
{
	size_t i = *len;
	long lines = 0;

	if (i && out[i - 1] == '\n')
		i--; /* the last line's own newline */
	while (i > 0) {
		if (out[i - 1] == '\n' && ++lines == tail)
			break;
		i--;
	}
	if (tail == 0)
		i = *len;
	memmove(out, out + i, *len - i + 1);
	*len -= i;
}

int logserver_cri_text(const char *data, long tail, int timestamps, char **ret,
		       size_t *ret_len)
{
	size_t n = strlen(data), o = 0;
	const char *p = data, *end = data + n;
	char *out = malloc(n + 1);

	if (!out)
		return -ENOMEM;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *f1 = memchr(p, ' ', (size_t)(le - p));
		const char *f2 =
		    f1 ? memchr(f1 + 1, ' ', (size_t)(le - f1 - 1)) : NULL;
		const char *f3 =
		    f2 ? memchr(f2 + 1, ' ', (size_t)(le - f2 - 1)) : NULL;

		if (f3) {
			if (timestamps) {
				memcpy(out + o, p, (size_t)(f1 - p + 1));
				o += (size_t)(f1 - p + 1);
			}
			memcpy(out + o, f3 + 1, (size_t)(le - f3 - 1));
			o += (size_t)(le - f3 - 1);
			if (f2[1] == 'F') /* a full line; P: part of one */
				out[o++] = '\n';
		}
		p = nl ? nl + 1 : end;
	}
	out[o] = '\0';
	if (tail >= 0)
		keep_tail(out, &o, tail);
	*ret = out;
	*ret_len = o;
	return 0;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void respond(int fd, int code, const char *reason, const char *body,
		    size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nContent-Type: text/plain; "
			 "charset=utf-8\r\nContent-Length: %zu\r\nConnection: "
			 "close\r\n\r\n",
			 code, reason, len);

	send_all(fd, head, (size_t)n);
	send_all(fd, body, len);
}

static void respond_text(int fd, int code, const char *reason, const char *text)
{
	respond(fd, code, reason, text, strlen(text));
}

/* %XX decoding of one path segment or query value, in place. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		unsigned v;

		if (*s == '%' && sscanf(s + 1, "%2x", &v) == 1) {
			*w++ = (char)v;
			s += 2;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static const char *query(char *q, const char *key)
{
	size_t kl = strlen(key);

	for (char *p = q; p && *p;) {
		char *amp = strchr(p, '&');

		if (!strncmp(p, key, kl) && p[kl] == '=') {
			if (amp)
				*amp = '\0';
			unescape(p + kl + 1);
			return p + kl + 1;
		}
		p = amp ? amp + 1 : NULL;
	}
	return NULL;
}

/* The highest (or second highest) N of DIR/N.log; -1 if none. */
static long pick_run(const char *dir, bool previous)
{
	long best = -1, second = -1;
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		char *end;
		long n = strtol(de->d_name, &end, 10);

		if (end == de->d_name || strcmp(end, ".log"))
			continue;
		if (n > best) {
			second = best;
			best = n;
		} else if (n > second) {
			second = n;
		}
	}
	if (d)
		closedir(d);
	return previous ? second : best;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	if (n > (long)LOGSERVER_BODY_MAX) { /* keep the end */
		fseek(f, n - (long)LOGSERVER_BODY_MAX, SEEK_SET);
		n = LOGSERVER_BODY_MAX;
	} else {
		fseek(f, 0, SEEK_SET);
	}
	buf = malloc((size_t)n + 1);
	if (buf)
		buf[fread(buf, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return buf;
}

static void serve_logs(struct logserver *s, int fd, char *path, char *q)
{
	char *ns, *pod, *ctr, *save = NULL, uid[64], dir[4096 + 600],
			      file[4096 + 700];
	const char *prev = q ? query(q, "previous") : NULL;
	const char *tail = q ? query(q, "tailLines") : NULL;
	const char *ts = q ? query(q, "timestamps") : NULL;
	char msg[1024], *data, *text;
	size_t len;
	long run;

	ns = strtok_r(path, "/", &save);
	pod = strtok_r(NULL, "/", &save);
	ctr = strtok_r(NULL, "/", &save);
	if (!ns || !pod || !ctr || strtok_r(NULL, "/", &save)) {
		respond_text(fd, 400, "Bad Request", "bad path\n");
		return;
	}
	unescape(ns);
	unescape(pod);
	unescape(ctr);
	if (strstr(ctr, "..") || s->uid_of(s->ud, ns, pod, uid) < 0) {
		snprintf(msg, sizeof(msg), "pods \"%s\" not found", pod);
		respond_text(fd, 404, "Not Found", msg);
		return;
	}
	snprintf(dir, sizeof(dir), "%s/%s_%s_%s/%s", s->log_dir, ns, pod, uid,
		 ctr);
	run = pick_run(dir, prev && !strcmp(prev, "true"));
	if (run < 0) {
		if (prev && !strcmp(prev, "true"))
			snprintf(msg, sizeof(msg),
				 "previous terminated container \"%s\" in "
				 "pod \"%s\" not found",
				 ctr, pod);
		else
			snprintf(msg, sizeof(msg),
				 "container \"%s\" in pod \"%s\" is waiting "
				 "to start: ContainerCreating",
				 ctr, pod);
		respond_text(fd, 400, "Bad Request", msg);
		return;
	}
	snprintf(file, sizeof(file), "%s/%ld.log", dir, run);
	data = read_file(file);
	if (!data ||
	    logserver_cri_text(data, tail ? atol(tail) : -1,
			       ts && !strcmp(ts, "true"), &text, &len) < 0) {
		free(data);
		respond_text(fd, 500, "Internal Server Error",
			     "cannot read the log\n");
		return;
	}
	respond(fd, 200, "OK", text, len);
	free(text);
	free(data);
}

static void handle(struct logserver *s, int fd)
{
	char req[REQUEST_MAX + 1], *sp, *path, *q;
	size_t n = 0;

	while (n < REQUEST_MAX) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t r;

		if (poll(&p, 1, IO_TIMEOUT_MS) <= 0)
			return;
		r = recv(fd, req + n, REQUEST_MAX - n, 0);
		if (r <= 0)
			return;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[n] = '\0';
	if (strncmp(req, "GET ", 4)) {
		respond_text(fd, 405, "Method Not Allowed", "GET only\n");
		return;
	}
	path = req + 4;
	sp = strchr(path, ' ');
	if (!sp)
		return;
	*sp = '\0';
	q = strchr(path, '?');
	if (q)
		*q++ = '\0';
	if (!strcmp(path, "/healthz"))
		respond_text(fd, 200, "OK", "ok");
	else if (!strncmp(path, "/containerLogs/", 15))
		serve_logs(s, fd, path + 15, q);
	else
		respond_text(fd, 404, "Not Found", "404 page not found\n");
}

static void *serve(void *arg)
{
	struct logserver *s = arg;

	for (;;) {
		struct pollfd p[2] = {{s->fd, POLLIN, 0},
				      {s->stop_pipe[0], POLLIN, 0}};
		int c;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!p[0].revents)
			continue;
		c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		handle(s, c);
		close(c);
	}
	return NULL;
}

int logserver_start(const char *address, unsigned port, const char *log_dir,
		    logserver_uid_fn uid_of, void *ud, struct logserver **ret)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	struct logserver *s;
	int one = 1, r;

	if (inet_pton(AF_INET, address, &sa.sin_addr) != 1)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	snprintf(s->log_dir, sizeof(s->log_dir), "%s", log_dir);
	s->uid_of = uid_of;
	s->ud = ud;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || pipe2(s->stop_pipe, O_CLOEXEC) < 0) {
		r = -errno;
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return r;
	}
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->fd, 64) < 0)
		goto out_errno;
	r = pthread_create(&s->thread, NULL, serve, s);
	if (r) {
		errno = r;
		goto out_errno;
	}
	*ret = s;
	return 0;
out_errno:
	r = -errno;
	close(s->fd);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	free(s);
	return r;
}

void logserver_stop(struct logserver *s)
{
	if (!s)
		return;
	if (write(s->stop_pipe[1], "x", 1) < 0)
		return; /* cannot happen on a fresh pipe */
	pthread_join(s->thread, NULL);
	close(s->fd);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	free(s);
}
