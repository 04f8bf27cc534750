/*
 * watch.c — reading @watch streams: one JSON event per line.
 */
#include "client/watch.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "client/client_i.h"

#define WATCH_READ_CHUNK 65536
/* A path element (the @watch?QUERY name) may not be longer (NAME_MAX). */
#define WATCH_NAME_MAX 255

struct watch {
	int fd;
	char *buf; /* bytes read, not yet returned: buf[start..len) */
	size_t start, len, cap;
	bool eof;
	uint64_t last_rv;
};

/* Append s to the query, percent-encoding what would end the value or
 * the path element. */
static int query_add(char *q, size_t size, size_t *used, const char *key,
		     const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = *used;

	n += snprintf(q + n, n < size ? size - n : 0,
		      "%s%s=", n > strlen("@watch") ? "&" : "?", key);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		bool raw = *p > 0x20 && *p < 0x7f && !strchr("%&/#+?", *p);

		if (n + 4 >= size)
			return -ENAMETOOLONG;
		if (raw) {
			q[n++] = *p;
		} else {
			q[n++] = '%';
			q[n++] = hex[*p >> 4];
			q[n++] = hex[*p & 15];
		}
	}
	if (n >= size)
		return -ENAMETOOLONG;
	q[n] = '\0';
	*used = n;
	return 0;
}

static int build_query(const struct watch_opts *o, char *q, size_t size)
{
	size_t used = strlen("@watch");
	char rv[24];
	int r = 0;

	memcpy(q, "@watch", used + 1);
	if (o->resource_version) {
		snprintf(rv, sizeof(rv), "%" PRIu64, o->resource_version);
		r = query_add(q, size, &used, "resourceVersion", rv);
	}
	if (r == 0 && o->label_selector && *o->label_selector)
		r = query_add(q, size, &used, "labelSelector",
			      o->label_selector);
	if (r == 0 && o->field_selector && *o->field_selector)
		r = query_add(q, size, &used, "fieldSelector",
			      o->field_selector);
	if (r == 0 && o->allow_bookmarks)
		r = query_add(q, size, &used, "allowWatchBookmarks", "true");
	if (r == 0 && o->send_initial_events)
		r = query_add(q, size, &used, "sendInitialEvents", "true");
	return r;
}

/* Does the directory holding the @watch name exist? */
static bool dir_exists(const char *watch_path)
{
	_cleanup_free_ char *dir = strdup(watch_path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	struct stat st;

	if (!slash)
		return true;
	*slash = '\0';
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

int watch_open(struct client *c, const struct kind_info *k, const char *ns,
	       const struct watch_opts *o, struct kf_error *err,
	       struct watch **ret)
{
	static const struct watch_opts defaults;
	_cleanup_free_ char *path = NULL, *rel = NULL;
	_cleanup_free_ struct watch *w = NULL;
	char query[WATCH_NAME_MAX + 1];
	time_t since = kfc_now_sec();
	int r;

	if (!k)
		return kf_error_set(err, -EINVAL,
				    "the server could not find "
				    "the requested resource");
	if (!o)
		o = &defaults;
	r = build_query(o, query, sizeof(query));
	if (r < 0)
		return kf_error_set(err, r,
				    "the watch options are too long: the "
				    "limit is %d bytes",
				    WATCH_NAME_MAX);
	if (!k->namespaced || (ns && !*ns))
		ns = NULL;
	if (ns && kfc_check_name(ns) < 0)
		return kf_error_set(err, -EINVAL,
				    "invalid resource name \"%s\"", ns);
	r = client_relpath(k, ns, NULL, query, &rel);
	if (r < 0)
		return kf_error_set(err, r, "invalid watch options");
	if (asprintf(&path, "%s/%s", client_mount(c), rel) < 0)
		return -ENOMEM;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	/* non-blocking: poll() is the only place a reader waits, so a
	 * caller's timeout and stop always work */
	w->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (w->fd < 0) {
		r = -errno;
		if (r == -ENOENT && ns && !dir_exists(path))
			return kf_error_set(err, r,
					    "namespaces \"%s\" not found", ns);
		return kfc_fail(c, rel, since, r, k, NULL, err);
	}
	w->last_rv = o->resource_version;
	*ret = TAKE_PTR(w);
	return 0;
}

void watch_close(struct watch *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->buf);
	free(w);
}

int watch_fd(const struct watch *w)
{
	return w->fd;
}

uint64_t watch_last_rv(const struct watch *w)
{
	return w->last_rv;
}

void watch_event_release(struct watch_event *ev)
{
	if (!ev)
		return;
	json_decref(ev->object);
	ev->object = NULL;
	ev->type = 0;
	ev->rv = 0;
	ev->text = NULL;
	ev->text_len = 0;
}

int watch_event_status_code(const struct watch_event *ev)
{
	json_int_t code;

	if (!ev || ev->type != WATCH_ERROR)
		return 0;
	code = json_integer_value(json_object_get(ev->object, "code"));
	return code > 0 && code < 1000 ? (int)code : 0;
}

const char *watch_event_type_name(enum watch_event_type t)
{
	switch (t) {
	case WATCH_ADDED:
		return "ADDED";
	case WATCH_MODIFIED:
		return "MODIFIED";
	case WATCH_DELETED:
		return "DELETED";
	case WATCH_BOOKMARK:
		return "BOOKMARK";
	case WATCH_ERROR:
		return "ERROR";
	}
	return "";
}

static int parse_type(const char *s, enum watch_event_type *ret)
{
	static const enum watch_event_type all[] = {
	    WATCH_ADDED, WATCH_MODIFIED, WATCH_DELETED, WATCH_BOOKMARK,
	    WATCH_ERROR};

	for (size_t i = 0; s && i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(s, watch_event_type_name(all[i]))) {
			*ret = all[i];
			return 0;
		}
	return -EBADMSG;
}

/*
 * Where the object's text is in a line of the server's form
 * {"type":"TYPE","object":{...}}: the line parsed, so from the '{' after
 * "object": to the last '}' but one is the object.
 */
static void object_text(const char *line, size_t len, struct watch_event *ret)
{
	static const char head[] = "{\"type\":\"";
	static const char mid[] = "\",\"object\":{";
	const char *q, *end = line + len;

	ret->text = NULL;
	ret->text_len = 0;
	while (end > line && (end[-1] == '\r' || end[-1] == ' '))
		end--;
	if ((size_t)(end - line) < sizeof(head) + sizeof(mid) ||
	    memcmp(line, head, sizeof(head) - 1) != 0 || end[-1] != '}' ||
	    end[-2] != '}')
		return;
	q = memchr(line + sizeof(head) - 1, '"', end - line - sizeof(head));
	if (!q || (size_t)(end - q) < sizeof(mid) ||
	    memcmp(q, mid, sizeof(mid) - 1) != 0)
		return;
	ret->text = q + sizeof(mid) - 2; /* the '{' */
	ret->text_len = (size_t)(end - 1 - ret->text);
}

/* Parse one line into *ret. */
static int parse_event(struct watch *w, const char *line, size_t len,
		       struct watch_event *ret)
{
	_cleanup_json_ json_t *v = json_loadb(line, len, 0, NULL);
	enum watch_event_type type;
	json_t *obj;

	if (!json_is_object(v))
		return -EBADMSG;
	obj = json_object_get(v, "object");
	if (!json_is_object(obj) ||
	    parse_type(json_string_value(json_object_get(v, "type")), &type))
		return -EBADMSG;
	ret->type = type;
	ret->object = json_incref(obj);
	ret->rv = type == WATCH_ERROR ? 0 : client_object_rv(obj);
	object_text(line, len, ret);
	if (ret->rv > w->last_rv)
		w->last_rv = ret->rv;
	return 0;
}

/*
 * Take the next complete line out of the buffer. 1 and the line when
 * there is one, 0 when more bytes are needed.
 */
static int take_line(struct watch *w, const char **ret, size_t *ret_len)
{
	const char *p, *nl;

	if (w->start == w->len)
		return 0;
	p = w->buf + w->start;
	nl = memchr(p, '\n', w->len - w->start);

	if (!nl) {
		if (!w->eof)
			return 0;
		nl = w->buf + w->len; /* a last line without newline */
	}
	*ret = p;
	*ret_len = nl - p;
	w->start = nl - w->buf + (nl < w->buf + w->len ? 1 : 0);
	return 1;
}

/* Read what is available into the buffer (after poll said so). */
static int fill(struct watch *w)
{
	ssize_t n;

	if (w->start > 0 && w->start == w->len) {
		w->start = w->len = 0;
	} else if (w->start > w->cap / 2) {
		memmove(w->buf, w->buf + w->start, w->len - w->start);
		w->len -= w->start;
		w->start = 0;
	}
	if (w->len - w->start >= WATCH_LINE_MAX)
		return -EMSGSIZE;
	if (w->cap - w->len < WATCH_READ_CHUNK) {
		size_t ncap = w->len + WATCH_READ_CHUNK;
		char *nb = realloc(w->buf, ncap);

		if (!nb)
			return -ENOMEM;
		w->buf = nb;
		w->cap = ncap;
	}
	n = read(w->fd, w->buf + w->len, w->cap - w->len);
	if (n < 0)
		return errno == EAGAIN ? -EAGAIN : -errno;
	if (n == 0)
		w->eof = true;
	w->len += n;
	return 0;
}

int watch_next(struct watch *w, int timeout_ms, struct watch_event *ret)
{
	uint64_t deadline = timeout_ms > 0 ? mono_ms() + timeout_ms : 0;
	int r;

	if (w->fd < 0)
		return -EPIPE;
	for (;;) {
		struct pollfd pfd = {.fd = w->fd, .events = POLLIN};
		const char *line;
		size_t len;
		int wait_ms;

		while (take_line(w, &line, &len)) {
			if (len == 0 || (len == 1 && line[0] == '\r'))
				continue;
			return parse_event(w, line, len, ret);
		}
		if (w->eof) {
			close(w->fd);
			w->fd = -1;
			return -EPIPE;
		}
		if (w->len - w->start >= WATCH_LINE_MAX)
			return -EMSGSIZE;
		if (timeout_ms < 0) {
			wait_ms = -1;
		} else if (timeout_ms == 0) {
			wait_ms = 0;
		} else {
			uint64_t now = mono_ms();

			wait_ms = now >= deadline ? 0 : (int)(deadline - now);
		}
		r = poll(&pfd, 1, wait_ms);
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		r = fill(w);
		if (r == -EAGAIN) {
			/* poll() said readable, yet nothing came: wait a
			 * little rather than spin, then as if it timed out */
			struct timespec pause = {0, 10 * 1000 * 1000};

			nanosleep(&pause, NULL);
			if (timeout_ms == 0 ||
			    (timeout_ms > 0 && mono_ms() >= deadline))
				return -ETIMEDOUT;
			continue;
		}
		if (r < 0)
			return r;
	}
}
