/*
 * logserver.c — a small HTTP/1.1 server for container logs: one thread,
 * one request per connection; a follow=true request gets a thread of its
 * own that streams the log until the container's run ends.
 */
#include "nodeagent/logserver.h"
#include "nodeagent/logserver_i.h"

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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/cleanup.h"

#define REQUEST_MAX 8192
#define IO_TIMEOUT_MS 5000
#define FOLLOW_POLL_MS 200 /* how often a follower looks for more */

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

int ls_send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return -EPIPE;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
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

	ls_send_all(fd, head, (size_t)n);
	ls_send_all(fd, body, len);
}

void ls_respond_text(int fd, int code, const char *reason, const char *text)
{
	respond(fd, code, reason, text, strlen(text));
}

/* %XX decoding of one path segment or query value, in place. */
void ls_unescape(char *s)
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

/* The value of key in q (split by split_query, up to end), %XX-decoded
 * in place; NULL if absent. */
static const char *query(char *q, const char *end, const char *key)
{
	size_t kl = strlen(key);

	for (char *p = q; p && p < end; p += strlen(p) + 1)
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			ls_unescape(p + kl + 1);
			return p + kl + 1;
		}
	return NULL;
}

/* Split q's pairs at '&' (into NUL-separated ones) for query(); the
 * end of q. Each key is to be looked up once. */
static char *split_query(char *q)
{
	char *end = q + strlen(q);

	for (char *c = q; *c; c++)
		if (*c == '&')
			*c = '\0';
	return end;
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

/*
 * The log file at path, its last LOGSERVER_BODY_MAX bytes; *ret_end is
 * the file offset just past what was read.
 */
static char *read_file(const char *path, off_t *ret_end)
{
	FILE *f = fopen(path, "re");
	size_t got;
	char *buf;
	long n, start = 0;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	if (n > (long)LOGSERVER_BODY_MAX) { /* keep the end */
		start = n - (long)LOGSERVER_BODY_MAX;
		n = LOGSERVER_BODY_MAX;
	}
	fseek(f, start, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf) {
		got = fread(buf, 1, (size_t)n, f);
		buf[got] = '\0';
		*ret_end = (off_t)start + (off_t)got;
	}
	fclose(f);
	return buf;
}

/* The first line of CRI data stamped at or after since (seconds). */
static const char *since_start(const char *data, time_t since)
{
	const char *p = data;

	while (*p) {
		struct tm tm = {0};
		const char *nl = strchr(p, '\n');

		if (sscanf(p, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon,
			   &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
			   &tm.tm_sec) == 6) {
			tm.tm_year -= 1900;
			tm.tm_mon -= 1;
			if (timegm(&tm) >= since)
				return p;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return p + strlen(p);
}

/* A follow=true request, streamed by a thread of its own. */
struct follow {
	struct logserver *s;
	int fd;
	long run;
	int timestamps;
	off_t off; /* the log file's offset streamed up to */
	char ns[256], pod[256], ctr[256], uid[64], dir[4096 + 600],
	    file[4096 + 700];
};

/* Send the complete lines of lfd past f->off. -EPIPE when the client
 * has gone. */
static int follow_drain(struct follow *f, int lfd)
{
	static const size_t chunk = 64 << 10; /* > a CRI line (16 KiB) */
	_cleanup_free_ char *buf = malloc(chunk + 1);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = pread(lfd, buf, chunk, f->off);
		_cleanup_free_ char *text = NULL;
		char *last;
		size_t len;

		if (n <= 0)
			return 0;
		buf[n] = '\0';
		last = memrchr(buf, '\n', (size_t)n);
		if (!last)
			return 0; /* a line being written: next time */
		last[1] = '\0';
		f->off += last + 1 - buf;
		if (logserver_cri_text(buf, -1, f->timestamps, &text, &len) < 0)
			return -ENOMEM;
		if (ls_send_all(f->fd, text, len) < 0)
			return -EPIPE;
	}
}

/* Has the followed run ended: pod gone, a newer run, or terminated? */
static bool follow_ended(struct follow *f)
{
	char uid[64];

	if (f->s->uid_of(f->s->ud, f->ns, f->pod, uid) < 0 ||
	    strcmp(uid, f->uid))
		return true;
	return pick_run(f->dir, false) > f->run ||
	       f->s->running(f->s->ud, f->ns, f->pod, f->ctr, f->run) == 0;
}

/* Has the client hung up, or the server been told to stop? */
static bool follow_hangup(struct follow *f)
{
	struct pollfd p[2] = {{f->fd, POLLIN, 0},
			      {f->s->stop_pipe[0], POLLIN, 0}};
	char c;

	if (poll(p, 2, FOLLOW_POLL_MS) <= 0)
		return false;
	if (p[1].revents)
		return true;
	return p[0].revents && recv(f->fd, &c, 1, MSG_DONTWAIT) <= 0;
}

static void *follow_thread(void *arg)
{
	_cleanup_free_ struct follow *f = arg;
	struct logserver *s = f->s;
	int lfd = open(f->file, O_RDONLY | O_CLOEXEC);

	while (lfd >= 0 && follow_drain(f, lfd) == 0) {
		struct stat a, b;

		if (follow_hangup(f))
			break;
		if (follow_ended(f)) {
			follow_drain(f, lfd); /* what it wrote last */
			break;
		}
		if (stat(f->file, &a) == 0 && fstat(lfd, &b) == 0 &&
		    a.st_ino != b.st_ino) { /* rotated: the new file */
			if (follow_drain(f, lfd) < 0)
				break;
			close(lfd);
			lfd = open(f->file, O_RDONLY | O_CLOEXEC);
			f->off = 0;
		}
	}
	if (lfd >= 0)
		close(lfd);
	close(f->fd);
	ls_done(s);
	return NULL;
}

void ls_done(struct logserver *s)
{
	pthread_mutex_lock(&s->lock);
	s->followers--;
	pthread_cond_signal(&s->idle);
	pthread_mutex_unlock(&s->lock);
}

int ls_spawn(struct logserver *s, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t t;
	int r;

	pthread_mutex_lock(&s->lock);
	s->followers++;
	pthread_mutex_unlock(&s->lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	if (r)
		ls_done(s);
	return -r;
}

/* Stream the rest of the log from f->off in a thread; takes f and its
 * fd. */
static void follow_start(struct follow *f)
{
	if (ls_spawn(f->s, follow_thread, f) < 0) {
		ls_respond_text(f->fd, 503, "Service Unavailable",
				"cannot follow the log now\n");
		close(f->fd);
		free(f);
	}
}

/* Answer a follow=true request: the log so far, then the stream. */
static void serve_follow(struct logserver *s, int fd, struct follow *f,
			 const char *text, size_t len)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: "
				   "text/plain; charset=utf-8\r\n"
				   "Connection: close\r\n\r\n";
	struct follow *t = malloc(sizeof(*t));

	if (!t || ls_send_all(fd, head, sizeof(head) - 1) < 0 ||
	    ls_send_all(fd, text, len) < 0) {
		free(t);
		close(fd);
		return;
	}
	*t = *f;
	t->s = s;
	t->fd = fd;
	follow_start(t);
}

/* The pod's log request; takes fd. */
static void serve_logs(struct logserver *s, int fd, char *path, char *q)
{
	char *ns, *pod, *ctr, *save = NULL, msg[1024], *data, *text;
	char *qend = q ? split_query(q) : NULL;
	const char *prev = q ? query(q, qend, "previous") : NULL;
	const char *tail = q ? query(q, qend, "tailLines") : NULL;
	const char *ts = q ? query(q, qend, "timestamps") : NULL;
	const char *since = q ? query(q, qend, "sinceSeconds") : NULL;
	const char *fol = q ? query(q, qend, "follow") : NULL;
	_cleanup_free_ struct follow *f = calloc(1, sizeof(*f));
	const char *from;
	char *last;
	size_t len;

	ns = strtok_r(path, "/", &save);
	pod = strtok_r(NULL, "/", &save);
	ctr = strtok_r(NULL, "/", &save);
	if (!f || !ns || !pod || !ctr || strtok_r(NULL, "/", &save)) {
		ls_respond_text(fd, 400, "Bad Request", "bad path\n");
		goto out;
	}
	ls_unescape(ns);
	ls_unescape(pod);
	ls_unescape(ctr);
	if (strstr(ctr, "..") || strlen(ns) >= sizeof(f->ns) ||
	    strlen(pod) >= sizeof(f->pod) || strlen(ctr) >= sizeof(f->ctr) ||
	    s->uid_of(s->ud, ns, pod, f->uid) < 0) {
		snprintf(msg, sizeof(msg), "pods \"%s\" not found", pod);
		ls_respond_text(fd, 404, "Not Found", msg);
		goto out;
	}
	strcpy(f->ns, ns);
	strcpy(f->pod, pod);
	strcpy(f->ctr, ctr);
	snprintf(f->dir, sizeof(f->dir), "%s/%s_%s_%s/%s", s->log_dir, ns, pod,
		 f->uid, ctr);
	f->run = pick_run(f->dir, prev && !strcmp(prev, "true"));
	if (f->run < 0) {
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
		ls_respond_text(fd, 400, "Bad Request", msg);
		goto out;
	}
	snprintf(f->file, sizeof(f->file), "%s/%ld.log", f->dir, f->run);
	f->timestamps = ts && !strcmp(ts, "true");
	data = read_file(f->file, &f->off);
	if (data && fol && !strcmp(fol, "true")) {
		/* a line being written is streamed once complete */
		last = strrchr(data, '\n');
		f->off -= (off_t)strlen(last ? last + 1 : data);
		*(last ? last + 1 : data) = '\0';
	}
	from =
	    data && since ? since_start(data, time(NULL) - atol(since)) : data;
	if (!data || logserver_cri_text(from, tail ? atol(tail) : -1,
					f->timestamps, &text, &len) < 0) {
		free(data);
		ls_respond_text(fd, 500, "Internal Server Error",
				"cannot read the log\n");
		goto out;
	}
	free(data);
	if (fol && !strcmp(fol, "true")) {
		serve_follow(s, fd, f, text, len);
		free(text);
		return;
	}
	respond(fd, 200, "OK", text, len);
	free(text);
out:
	close(fd);
}

/* Does the request's head carry our bearer token? In constant time. */
static bool authorized(const struct logserver *s, const char *head)
{
	const char *h = strcasestr(head, "\r\nAuthorization: Bearer ");
	size_t n = strlen(s->token), i;
	unsigned char diff = 0;

	if (!h || !n)
		return false;
	h += 24;
	if (strcspn(h, "\r\n") != n)
		return false;
	for (i = 0; i < n; i++)
		diff |= (unsigned char)(h[i] ^ s->token[i]);
	return diff == 0;
}

/* One request on fd; takes fd. */
static void handle(struct logserver *s, int fd)
{
	char req[REQUEST_MAX + 1], *sp, *path, *q;
	size_t n = 0;

	while (n < REQUEST_MAX) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t r;

		if (poll(&p, 1, IO_TIMEOUT_MS) <= 0)
			goto out;
		r = recv(fd, req + n, REQUEST_MAX - n, 0);
		if (r <= 0)
			goto out;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[n] = '\0';
	if (!strncmp(req, "POST /exec/", 11)) {
		path = req + 5;
	} else if (strncmp(req, "GET ", 4)) {
		ls_respond_text(fd, 405, "Method Not Allowed", "GET only\n");
		goto out;
	} else {
		path = req + 4;
	}
	sp = strchr(path, ' ');
	if (!sp)
		goto out;
	*sp = '\0';
	q = strchr(path, '?');
	if (q)
		*q++ = '\0';
	if (strcmp(path, "/healthz") && !authorized(s, sp + 1)) {
		ls_respond_text(fd, 401, "Unauthorized", "Unauthorized\n");
		goto out;
	}
	if (!strncmp(path, "/containerLogs/", 15)) {
		serve_logs(s, fd, path + 15, q);
		return;
	}
	if (!strncmp(path, "/exec/", 6)) {
		ls_serve_exec(s, fd, path + 6, q);
		return;
	}
	if (!strcmp(path, "/healthz"))
		ls_respond_text(fd, 200, "OK", "ok");
	else
		ls_respond_text(fd, 404, "Not Found", "404 page not found\n");
out:
	close(fd);
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
	}
	return NULL;
}

int logserver_start(const char *address, unsigned port, const char *log_dir,
		    const struct logserver_ops *ops, void *ud,
		    struct logserver **ret)
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
	s->uid_of = ops->uid_of;
	s->running = ops->running;
	s->exec_target = ops->exec_target;
	snprintf(s->token, sizeof(s->token), "%s",
		 ops->token ? ops->token : "");
	s->ud = ud;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->idle, NULL);
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
	pthread_mutex_lock(&s->lock); /* followers see the pipe too */
	while (s->followers)
		pthread_cond_wait(&s->idle, &s->lock);
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->idle);
	close(s->fd);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	free(s);
}
