/*
 * healthcheck.c — healthCheckNodePort servers (see healthcheck.h): the
 * wanted ports computed from Services and slices, and one poll(2) thread
 * that owns the listening sockets, reconciles them with the wanted set
 * when woken, and answers each connection from the current counts.
 */
#include "proxy/healthcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "api/cleanup.h"
#include "proxy/rules.h"

#define HC_MAX_PORTS 4096
#define HC_REQUEST_MAX 4096

struct listener {
	int port, fd;
};

struct healthcheck {
	struct healthcheck_config cfg;
	struct informer *svcs, *slices;
	pthread_t thread;
	bool started;
	int wake[2];

	pthread_mutex_t lock; /* guards wanted and stop */
	json_t *wanted;
	bool stop;

	/* the thread's own */
	struct listener *ls;
	size_t nls;
};

static void hlog(struct healthcheck *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void hlog(struct healthcheck *h, const char *fmt, ...)
{
	va_list ap;

	if (!h->cfg.log)
		return;
	va_start(ap, fmt);
	h->cfg.log(h->cfg.log_ud, fmt, ap);
	va_end(ap);
}

static const char *str(const json_t *obj, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(obj, a), b));
}

static bool wants_hc(const json_t *svc, long *ret_port)
{
	const json_t *spec = json_object_get(svc, "spec");
	const char *type = json_string_value(json_object_get(spec, "type"));
	const char *etp =
	    json_string_value(json_object_get(spec, "externalTrafficPolicy"));
	const json_t *hc = json_object_get(spec, "healthCheckNodePort");

	if (!type || strcmp(type, "LoadBalancer") || !etp ||
	    strcmp(etp, "Local") || !json_is_integer(hc) ||
	    json_integer_value(hc) < 1 || json_integer_value(hc) > 65535)
		return false;
	*ret_port = (long)json_integer_value(hc);
	return true;
}

/* Ready endpoints on node of a Service's slices, each once. */
static int local_endpoints(const json_t *slices, const char *node)
{
	_cleanup_json_ json_t *seen = json_object();
	const json_t *sl, *ep;
	size_t i, j;

	if (!seen)
		return -ENOMEM;
	json_array_foreach ((json_t *)slices, i, sl) {
		json_array_foreach (json_object_get(sl, "endpoints"), j, ep) {
			const json_t *ready = json_object_get(
			    json_object_get(ep, "conditions"), "ready");
			const char *en =
			    json_string_value(json_object_get(ep, "nodeName"));
			const char *id = str(ep, "targetRef", "name");

			if (!en || strcmp(en, node) || json_is_false(ready))
				continue;
			if (!id)
				id = json_string_value(json_array_get(
				    json_object_get(ep, "addresses"), 0));
			if (id && json_object_set_new(seen, id, json_true()))
				return -ENOMEM;
		}
	}
	return (int)json_object_size(seen);
}

int healthcheck_wanted(const json_t *services, const json_t *slices,
		       const char *node, json_t **ret)
{
	_cleanup_json_ json_t *out = json_object(), *by_svc = NULL;
	const json_t *svc;
	size_t i;
	int r;

	if (!out)
		return -ENOMEM;
	json_array_foreach ((json_t *)services, i, svc) {
		const char *ns = str(svc, "metadata", "namespace") ?: "default";
		const char *name = str(svc, "metadata", "name") ?: "";
		char port[16], key[512];
		long hc;
		int n;

		if (!wants_hc(svc, &hc))
			continue;
		/* the index only once some Service needs it */
		r = by_svc ? 0 : rules_slices_by_service(slices, &by_svc);
		if (r < 0)
			return r;
		snprintf(key, sizeof(key), "%s/%s", ns, name);
		n = local_endpoints(json_object_get(by_svc, key),
				    node ? node : "");
		if (n < 0)
			return n;
		snprintf(port, sizeof(port), "%ld", hc);
		if (json_object_set_new(out, port,
					json_pack("{s:s, s:s, s:i}",
						  "namespace", ns, "name", name,
						  "localEndpoints", n)))
			return -ENOMEM;
	}
	*ret = TAKE_PTR(out);
	return 0;
}

int healthcheck_response(const json_t *entry, char **ret, size_t *ret_len)
{
	json_int_t n =
	    json_integer_value(json_object_get(entry, "localEndpoints"));
	_cleanup_json_ json_t *body = json_pack(
	    "{s:{s:s, s:s}, s:I, s:b}", "service", "namespace",
	    json_string_value(json_object_get(entry, "namespace")) ?: "",
	    "name", json_string_value(json_object_get(entry, "name")) ?: "",
	    "localEndpoints", n, "serviceProxyHealthy", 1);
	_cleanup_free_ char *text = NULL;
	char *out;
	int len;

	if (!body)
		return -ENOMEM;
	text = json_dumps(body, JSON_PRESERVE_ORDER | JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	len = asprintf(&out,
		       "HTTP/1.1 %s\r\n"
		       "Content-Type: application/json\r\n"
		       "X-Content-Type-Options: nosniff\r\n"
		       "Content-Length: %zu\r\n"
		       "Connection: close\r\n\r\n%s",
		       n > 0 ? "200 OK" : "503 Service Unavailable",
		       strlen(text), text);
	if (len < 0)
		return -ENOMEM;
	*ret = out;
	*ret_len = (size_t)len;
	return 0;
}

static int listen_on(struct healthcheck *h, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port)};
	int one = 1, fd;

	if (h->cfg.address &&
	    inet_pton(AF_INET, h->cfg.address, &a.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 64) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* Close the ports no longer wanted, open the new ones. */
static void reconcile(struct healthcheck *h, const json_t *wanted)
{
	size_t k = 0;
	const char *port;
	json_t *v;

	for (size_t i = 0; i < h->nls; i++) {
		char key[16];

		snprintf(key, sizeof(key), "%d", h->ls[i].port);
		if (json_object_get(wanted, key))
			h->ls[k++] = h->ls[i];
		else
			close(h->ls[i].fd);
	}
	h->nls = k;
	json_object_foreach ((json_t *)wanted, port, v) {
		int p = atoi(port), fd;
		bool have = false;

		for (size_t i = 0; i < h->nls && !have; i++)
			have = h->ls[i].port == p;
		if (have || h->nls >= HC_MAX_PORTS)
			continue;
		fd = listen_on(h, p);
		if (fd < 0) {
			hlog(h,
			     "healthCheckNodePort %d of Service %s/%s: cannot "
			     "listen: %s",
			     p,
			     json_string_value(json_object_get(v, "namespace")),
			     json_string_value(json_object_get(v, "name")),
			     strerror(-fd));
			continue;
		}
		h->ls[h->nls++] = (struct listener){.port = p, .fd = fd};
	}
}

/* One request on a new connection: read its head (up to a second), then
 * answer from the current entry of port. */
static void answer(struct healthcheck *h, int lfd, int port)
{
	struct timeval tv = {.tv_sec = 1};
	char req[HC_REQUEST_MAX + 1], key[16];
	_cleanup_free_ char *resp = NULL;
	_cleanup_json_ json_t *entry = NULL;
	size_t len = 0, off = 0;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len < HC_REQUEST_MAX) {
		ssize_t n = read(fd, req + len, HC_REQUEST_MAX - len);

		if (n <= 0)
			break;
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	snprintf(key, sizeof(key), "%d", port);
	pthread_mutex_lock(&h->lock);
	entry = json_deep_copy(json_object_get(h->wanted, key));
	pthread_mutex_unlock(&h->lock);
	if (len > 0 && entry && healthcheck_response(entry, &resp, &len) == 0)
		while (off < len) {
			/* a client gone must not SIGPIPE the proxy */
			ssize_t n =
			    send(fd, resp + off, len - off, MSG_NOSIGNAL);

			if (n <= 0)
				break;
			off += (size_t)n;
		}
	close(fd);
}

static void *serve(void *ud)
{
	struct healthcheck *h = ud;
	struct pollfd *pfd = NULL;

	for (;;) {
		_cleanup_json_ json_t *wanted = NULL;
		struct pollfd *np;
		bool stop;
		char buf[64];

		pthread_mutex_lock(&h->lock);
		stop = h->stop;
		wanted = json_incref(h->wanted);
		pthread_mutex_unlock(&h->lock);
		if (stop)
			break;
		reconcile(h, wanted);
		np = realloc(pfd, (h->nls + 1) * sizeof(*pfd));
		if (!np) {
			sleep(1);
			continue;
		}
		pfd = np;
		pfd[0] = (struct pollfd){.fd = h->wake[0], .events = POLLIN};
		for (size_t i = 0; i < h->nls; i++)
			pfd[i + 1] = (struct pollfd){.fd = h->ls[i].fd,
						     .events = POLLIN};
		if (poll(pfd, h->nls + 1, -1) < 0)
			continue;
		if (pfd[0].revents)
			while (read(h->wake[0], buf, sizeof(buf)) > 0)
				;
		for (size_t i = 0; i < h->nls; i++)
			if (pfd[i + 1].revents & POLLIN)
				answer(h, h->ls[i].fd, h->ls[i].port);
	}
	free(pfd);
	return NULL;
}

static void wake(struct healthcheck *h)
{
	ssize_t n = write(h->wake[1], "x", 1);

	(void)n; /* a full pipe is already a pending wake-up */
}

int healthcheck_new(const struct healthcheck_config *cfg,
		    struct healthcheck **ret)
{
	struct healthcheck *h = calloc(1, sizeof(*h));
	int r;

	if (!h)
		return -ENOMEM;
	h->cfg = *cfg;
	h->wake[0] = h->wake[1] = -1;
	pthread_mutex_init(&h->lock, NULL);
	h->wanted = json_object();
	h->ls = calloc(HC_MAX_PORTS, sizeof(*h->ls));
	if (!h->wanted || !h->ls) {
		healthcheck_free(h);
		return -ENOMEM;
	}
	if (pipe2(h->wake, O_NONBLOCK | O_CLOEXEC) < 0) {
		r = -errno;
		healthcheck_free(h);
		return r;
	}
	r = -pthread_create(&h->thread, NULL, serve, h);
	if (r < 0) {
		healthcheck_free(h);
		return r;
	}
	h->started = true;
	*ret = h;
	return 0;
}

int healthcheck_set(struct healthcheck *h, const json_t *wanted)
{
	json_t *copy = json_deep_copy(wanted);
	bool same;

	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&h->lock);
	same = json_equal(copy, h->wanted);
	json_decref(h->wanted);
	h->wanted = copy;
	pthread_mutex_unlock(&h->lock);
	if (!same)
		wake(h);
	return 0;
}

void healthcheck_attach(struct healthcheck *h, struct informer *services,
			struct informer *slices)
{
	h->svcs = services;
	h->slices = slices;
}

void healthcheck_synced(void *ud)
{
	struct healthcheck *h = ud;
	_cleanup_json_ json_t *svcs = NULL, *slices = NULL, *wanted = NULL;
	int r;

	if (!h->svcs || informer_list(h->svcs, &svcs) < 0 ||
	    informer_list(h->slices, &slices) < 0)
		return;
	r = healthcheck_wanted(svcs, slices, h->cfg.node_name, &wanted);
	if (r == 0)
		r = healthcheck_set(h, wanted);
	if (r < 0)
		hlog(h, "health check ports: %s", strerror(-r));
}

void healthcheck_free(struct healthcheck *h)
{
	if (!h)
		return;
	if (h->started) {
		pthread_mutex_lock(&h->lock);
		h->stop = true;
		pthread_mutex_unlock(&h->lock);
		wake(h);
		pthread_join(h->thread, NULL);
	}
	for (size_t i = 0; i < h->nls; i++)
		close(h->ls[i].fd);
	if (h->wake[0] >= 0)
		close(h->wake[0]);
	if (h->wake[1] >= 0)
		close(h->wake[1]);
	free(h->ls);
	json_decref(h->wanted);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
