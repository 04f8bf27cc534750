/*
 * probe.c — exec, httpGet and tcpSocket probes, and their timing.
 */
#include "nodeagent/probe.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nodeagent/proc.h"

static long field(const json_t *probe, const char *key, long def, long min)
{
	const json_t *v = json_object_get(probe, key);
	long n = json_is_integer(v) ? (long)json_integer_value(v) : def;

	return n < min ? min : n;
}

void probe_state_init(struct probe_state *s, uint64_t now_ms)
{
	memset(s, 0, sizeof(*s));
	s->started_ms = now_ms;
	s->next_ms = 0;
}

/* A port: a number, or the name of one of the container's ports. */
static int port_of(const json_t *port, const json_t *container)
{
	const char *name = json_string_value(port);
	size_t i;
	json_t *p;

	if (json_is_integer(port))
		return (int)json_integer_value(port);
	if (!name)
		return -1;
	json_array_foreach (json_object_get(container, "ports"), i, p) {
		const char *n = json_string_value(json_object_get(p, "name"));

		if (n && !strcmp(n, name))
			return (int)json_integer_value(
			    json_object_get(p, "containerPort"));
	}
	return atoi(name) > 0 ? atoi(name) : -1;
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

static int http_probe(const json_t *h, const struct probe_target *t,
		      long timeout_s, char *msg)
{
	const char *path = json_string_value(json_object_get(h, "path"));
	const char *host = json_string_value(json_object_get(h, "host"));
	const char *scheme = json_string_value(json_object_get(h, "scheme"));
	int port = port_of(json_object_get(h, "port"), t->container);
	struct curl_slist *hdrs = NULL;
	char url[1024], hv[1024];
	long code = 0;
	CURLcode cr;
	CURL *c;
	size_t i;
	json_t *e;

	if (port <= 0)
		return snprintf(msg, PROBE_MSG_MAX, "invalid port"), -1;
	snprintf(url, sizeof(url), "%s://%s:%d%s%s",
		 scheme && !strcmp(scheme, "HTTPS") ? "https" : "http",
		 host && *host ? host : t->pod_ip, port,
		 path && *path == '/' ? "" : "/", path ? path : "");
	c = curl_easy_init();
	if (!c)
		return snprintf(msg, PROBE_MSG_MAX, "out of memory"), -1;
	json_array_foreach (json_object_get(h, "httpHeaders"), i, e) {
		snprintf(hv, sizeof(hv), "%s: %s",
			 json_string_value(json_object_get(e, "name")),
			 json_string_value(json_object_get(e, "value")));
		hdrs = curl_slist_append(hdrs, hv);
	}
	hdrs = curl_slist_append(hdrs, "User-Agent: kube-probe/1.31");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_s * 1000);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L); /* as the kubelet */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	cr = curl_easy_perform(c);
	if (cr == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	if (cr != CURLE_OK)
		return snprintf(msg, PROBE_MSG_MAX, "Get \"%.300s\": %s", url,
				curl_easy_strerror(cr)),
		       -1;
	if (!t->any_status && (code < 200 || code >= 400))
		return snprintf(msg, PROBE_MSG_MAX,
				"HTTP probe failed with statuscode: %ld", code),
		       -1;
	return 0;
}

static int tcp_probe(const json_t *tcp, const struct probe_target *t,
		     long timeout_s, char *msg)
{
	int port = port_of(json_object_get(tcp, "port"), t->container);
	const char *host = json_string_value(json_object_get(tcp, "host"));
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct pollfd p;
	socklen_t len = sizeof(int);
	int fd, err = 0, r;

	if (!host || !*host)
		host = t->pod_ip;
	if (port <= 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return snprintf(msg, PROBE_MSG_MAX, "invalid address"), -1;
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return snprintf(msg, PROBE_MSG_MAX, "socket: %s",
				strerror(errno)),
		       -1;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (r < 0 && errno == EINPROGRESS) {
		p = (struct pollfd){fd, POLLOUT, 0};
		r = poll(&p, 1, (int)timeout_s * 1000);
		if (r == 0)
			err = ETIMEDOUT;
		else if (r > 0)
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
		else
			err = errno;
	} else if (r < 0) {
		err = errno;
	}
	close(fd);
	if (err)
		return snprintf(msg, PROBE_MSG_MAX,
				"dial tcp %s:%d: connect: %s", host, port,
				err == ECONNREFUSED ? "connection refused"
						    : strerror(err)),
		       -1;
	return 0;
}

static int exec_probe(const json_t *ex, const struct probe_target *t,
		      long timeout_s, char *msg)
{
	const json_t *cmd = json_object_get(ex, "command");
	size_t n = json_array_size(cmd);
	struct proc_result pr = {0};
	char secs[32];
	char **argv;
	int r;

	if (!n || !t->id)
		return snprintf(msg, PROBE_MSG_MAX, "no command"), -1;
	argv = calloc(n + 8, sizeof(*argv));
	if (!argv)
		return snprintf(msg, PROBE_MSG_MAX, "out of memory"), -1;
	snprintf(secs, sizeof(secs), "%ld", timeout_s);
	argv[0] = "timeout";
	argv[1] = secs;
	argv[2] = (char *)t->runc;
	argv[3] = "--root";
	argv[4] = (char *)t->runc_root;
	argv[5] = "exec";
	argv[6] = (char *)t->id;
	for (size_t i = 0; i < n; i++)
		argv[7 + i] = (char *)json_string_value(json_array_get(cmd, i));
	r = proc_run(argv, NULL, NULL, &pr);
	free(argv);
	if (r < 0)
		return snprintf(msg, PROBE_MSG_MAX, "%s", strerror(-r)), -1;
	r = pr.status;
	if (r == 124)
		snprintf(msg, PROBE_MSG_MAX, "command timed out");
	else if (r)
		snprintf(msg, PROBE_MSG_MAX, "%.400s",
			 *pr.out ? pr.out : pr.err);
	proc_result_release(&pr);
	return r ? -1 : 0;
}

int probe_run(const json_t *probe, const struct probe_target *t,
	      char msg[PROBE_MSG_MAX])
{
	long timeout_s = field(probe, "timeoutSeconds", 1, 1);

	msg[0] = '\0';
	if (json_object_get(probe, "httpGet"))
		return http_probe(json_object_get(probe, "httpGet"), t,
				  timeout_s, msg);
	if (json_object_get(probe, "tcpSocket"))
		return tcp_probe(json_object_get(probe, "tcpSocket"), t,
				 timeout_s, msg);
	if (json_object_get(probe, "exec"))
		return exec_probe(json_object_get(probe, "exec"), t, timeout_s,
				  msg);
	snprintf(msg, PROBE_MSG_MAX, "unknown probe handler");
	return -1;
}

int probe_tick(const json_t *probe, const struct probe_target *t,
	       struct probe_state *s, uint64_t now_ms, char msg[PROBE_MSG_MAX])
{
	long delay = field(probe, "initialDelaySeconds", 0, 0);
	long period = field(probe, "periodSeconds", 10, 1);
	unsigned ok_n = (unsigned)field(probe, "successThreshold", 1, 1);
	unsigned bad_n = (unsigned)field(probe, "failureThreshold", 3, 1);

	if (now_ms < s->started_ms + (uint64_t)delay * 1000 ||
	    now_ms < s->next_ms)
		return 0;
	s->next_ms = now_ms + (uint64_t)period * 1000;
	if (probe_run(probe, t, msg) == 0) {
		s->failures = 0;
		if (++s->successes >= ok_n)
			s->result = PROBE_SUCCESS;
		return 1;
	}
	s->successes = 0;
	if (++s->failures >= bad_n)
		s->result = PROBE_FAILURE;
	return -1;
}
