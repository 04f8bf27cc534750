/*
 * podlog.c — container logs through the node agent's endpoint:
 * GET http://NODE:PORT/containerLogs/NS/POD/CONTAINER.
 */
#include "fs/podlog.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/jsonfield.h"
#include "apiserver/server.h"
#include "fs/logstream.h"

#define LOG_AUTH_MAX 256 /* the Authorization header line */

struct body {
	char *buf;
	size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
	struct body *b = ud;
	size_t add = size * n;
	char *nb;

	if (b->len + add > PODLOG_MAX)
		return 0; /* enough: the transfer stops */
	nb = realloc(b->buf, b->len + add + 1);
	if (!nb)
		return 0;
	memcpy(nb + b->len, p, add);
	b->buf = nb;
	b->len += add;
	b->buf[b->len] = '\0';
	return add;
}

/* The container an entry names: after "@log.", else the pod's default
 * (the kubectl.kubernetes.io/default-container annotation, else the
 * first container). buf, or borrowed from pod. */
static const char *container_of(const struct node *n, const json_t *pod,
				char *buf, size_t size)
{
	const char *dot = strstr(n->name, "@log.");
	const char *def = json_string_value(json_object_get(
	    json_object_get(json_object_get(pod, "metadata"), "annotations"),
	    "kubectl.kubernetes.io/default-container"));

	if (dot) {
		snprintf(buf, size, "%.*s", (int)strcspn(dot + 5, "?"),
			 dot + 5);
		return buf;
	}
	if (def)
		return def;
	return json_string_value(json_object_get(
	    json_array_get(
		json_object_get(json_object_get(pod, "spec"), "containers"), 0),
	    "name"));
}

static int empty(char **ret, size_t *ret_len)
{
	*ret = strdup("");
	*ret_len = 0;
	return *ret ? 0 : -ENOMEM;
}

/* The entry named name in obj's arrays l1 or l2, or NULL. */
static const json_t *named(const json_t *obj, const char *l1, const char *l2,
			   const char *name)
{
	return jfield_named(json_object_get(obj, l1), name)
		   ?: jfield_named(json_object_get(obj, l2), name);
}

/* Is ctr one of the pod's containers or init containers? */
static bool in_spec(const json_t *pod, const char *ctr)
{
	return named(json_object_get(pod, "spec"), "containers",
		     "initContainers", ctr) != NULL;
}

/* Has container ctr of pod run (running, or terminated)? */
static bool has_run(const json_t *pod, const char *ctr)
{
	const json_t *c =
	    named(json_object_get(pod, "status"), "containerStatuses",
		  "initContainerStatuses", ctr);
	const json_t *state = json_object_get(c, "state");

	return json_object_get(state, "running") ||
	       json_object_get(state, "terminated") ||
	       json_object_get(json_object_get(c, "lastState"), "terminated");
}

/* "Authorization: Bearer T" for node's agent: T is data.token of the
 * Secret kube-system/kubefs-node-endpoint-NODE (docs/security.md). */
static int agent_auth(struct kfs *fs, const char *node, char *header,
		      size_t size)
{
	const struct kind_info *k = kinds_by_path("core", "v1", "secrets");
	_cleanup_json_ json_t *obj = NULL;
	_cleanup_free_ char *name = NULL;
	const char *t;

	if (!k || asprintf(&name, "kubefs-node-endpoint-%s", node) < 0 ||
	    server_get(fs->srv, k, "kube-system", name, NULL, &obj) < 0)
		return -ENOENT;
	t = json_string_value(
	    json_object_get(json_object_get(obj, "data"), "token"));
	if (!t || strlen(t) + 32 > size)
		return -ENOENT;
	snprintf(header, size, "Authorization: Bearer %s", t);
	return 0;
}

/* The agent's address: the Node's InternalIP and kubelet port. */
static int agent_of(struct kfs *fs, const char *node, char *host, size_t size,
		    long *ret_port)
{
	const struct kind_info *k = kinds_by_path("core", "v1", "nodes");
	_cleanup_json_ json_t *obj = NULL;
	const json_t *st;
	size_t i;
	json_t *a;

	if (!k || server_get(fs->srv, k, NULL, node, NULL, &obj) < 0)
		return -ENOENT;
	/* a simulated node serves nothing, and its address is made up */
	if (json_object_get(
		json_object_get(json_object_get(obj, "metadata"), "labels"),
		"type") &&
	    !strcmp(
		json_string_value(json_object_get(
		    json_object_get(json_object_get(obj, "metadata"), "labels"),
		    "type"))
		    ?: "",
		"kwok"))
		return -ENOENT;
	st = json_object_get(obj, "status");
	*ret_port = (long)json_integer_value(json_object_get(
	    json_object_get(json_object_get(st, "daemonEndpoints"),
			    "kubeletEndpoint"),
	    "Port"));
	json_array_foreach (json_object_get(st, "addresses"), i, a) {
		const char *t = json_string_value(json_object_get(a, "type"));
		const char *ad =
		    json_string_value(json_object_get(a, "address"));

		if (t && ad && !strcmp(t, "InternalIP")) {
			snprintf(host, size, "%s", ad);
			return *ret_port > 0 ? 0 : -ENOENT;
		}
	}
	return -ENOENT;
}

/* Is v "true" or "false"? */
static bool is_bool(const char *v)
{
	return !strcmp(v, "true") || !strcmp(v, "false");
}

/* Is v a whole number (> 0 when positive)? */
static bool is_count(const char *v, bool positive)
{
	char *end;
	long long x = strtoll(v, &end, 10);

	return *v && !*end && x >= (positive ? 1 : 0);
}

/*
 * Check the query of POD@log?Q (previous, follow, timestamps,
 * tailLines, sinceSeconds, container) and split it: the agent's part
 * into agent (key=value&...), the container into ctr, follow=true into
 * *ret_follow. -EINVAL on an unknown key or a bad value.
 */
static int parse_query(const char *query, char *agent, size_t size, char *ctr,
		       size_t ctr_size, bool *ret_follow)
{
	_cleanup_free_ char *q = strdup(query ? query : "");
	char *save = NULL, *kv;
	size_t o = 0;

	if (!q)
		return -ENOMEM;
	*agent = '\0';
	*ret_follow = false;
	for (kv = strtok_r(q, "&", &save); kv;
	     kv = strtok_r(NULL, "&", &save)) {
		char *v = strchr(kv, '=');
		bool ok;

		if (!v)
			return -EINVAL;
		*v++ = '\0';
		if (!strcmp(kv, "container")) {
			if (!*v || strlen(v) >= ctr_size || strchr(v, '/'))
				return -EINVAL;
			snprintf(ctr, ctr_size, "%s", v);
			continue;
		}
		if (!strcmp(kv, "follow") || !strcmp(kv, "previous") ||
		    !strcmp(kv, "timestamps"))
			ok = is_bool(v);
		else if (!strcmp(kv, "tailLines"))
			ok = is_count(v, false);
		else if (!strcmp(kv, "sinceSeconds"))
			ok = is_count(v, true);
		else
			ok = false;
		if (!ok || o + strlen(kv) + strlen(v) + 3 > size)
			return -EINVAL;
		if (!strcmp(kv, "follow"))
			*ret_follow = !strcmp(v, "true");
		o += (size_t)snprintf(agent + o, size - o, "%s%s=%s",
				      o ? "&" : "", kv, v);
	}
	return 0;
}

/*
 * The agent's URL of the log entry n names, and the Authorization
 * header line for it: 0, 1 when there is nothing to ask (no log yet),
 * -ENOENT, -EINVAL (a bad query).
 */
static int log_url(struct kfs *fs, const struct node *n, char *url, size_t size,
		   char auth[LOG_AUTH_MAX], bool *ret_follow)
{
	const struct kind_info *k = kinds_by_path("core", "v1", "pods");
	_cleanup_json_ json_t *pod = NULL;
	_cleanup_free_ char *e_ns = NULL, *e_pod = NULL, *e_ctr = NULL;
	char host[64], agent_q[512], want[256] = "", named[256];
	const char *node, *ctr;
	long port = 0;
	CURL *c;
	int r;

	r = parse_query(n->query, agent_q, sizeof(agent_q), want, sizeof(want),
			ret_follow);
	if (r < 0)
		return r;
	if (!k || server_get(fs->srv, k, n->ns, n->objname, NULL, &pod) < 0)
		return -ENOENT;
	node = json_string_value(
	    json_object_get(json_object_get(pod, "spec"), "nodeName"));
	ctr = *want ? want : container_of(n, pod, named, sizeof(named));
	if (ctr && !in_spec(pod, ctr))
		return -ENOENT; /* "container zz is not valid for pod p" */
	/* not on a node, not started, or no agent to ask: no log yet */
	if (!node || !*node || !ctr || !has_run(pod, ctr) ||
	    agent_of(fs, node, host, sizeof(host), &port) < 0 ||
	    agent_auth(fs, node, auth, LOG_AUTH_MAX) < 0)
		return 1;
	c = curl_easy_init();
	if (!c)
		return -ENOMEM;
	e_ns = curl_easy_escape(c, n->ns, 0);
	e_pod = curl_easy_escape(c, n->objname, 0);
	e_ctr = curl_easy_escape(c, ctr, 0);
	curl_easy_cleanup(c);
	snprintf(url, size, "http://%s:%ld/containerLogs/%s/%s/%s%s%s", host,
		 port, e_ns ? e_ns : "", e_pod ? e_pod : "", e_ctr ? e_ctr : "",
		 *agent_q ? "?" : "", agent_q);
	return 0;
}

int kfs_pod_log_follow(struct kfs *fs, const struct node *n,
		       struct logstream **ret)
{
	char url[2048], auth[LOG_AUTH_MAX];
	bool follow;
	int r = log_url(fs, n, url, sizeof(url), auth, &follow);

	if (r)
		return r < 0 ? r : 1;
	if (!follow)
		return 1;
	r = logstream_open(url, auth, ret);
	return r == -EHOSTUNREACH ? 1 : r;
}

int kfs_pod_log(struct kfs *fs, const struct node *n, char **ret,
		size_t *ret_len)
{
	struct body b = {NULL, 0};
	char url[2048], auth[LOG_AUTH_MAX];
	struct curl_slist *hdrs;
	long code = 0;
	bool follow;
	CURLcode cr;
	CURL *c;
	int r = log_url(fs, n, url, sizeof(url), auth, &follow);

	if (r < 0)
		return r;
	if (r > 0)
		return empty(ret, ret_len);
	c = curl_easy_init();
	hdrs = curl_slist_append(NULL, auth);
	if (!c || !hdrs) {
		curl_slist_free_all(hdrs);
		if (c)
			curl_easy_cleanup(c);
		return -ENOMEM;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)PODLOG_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	cr = curl_easy_perform(c);
	if (cr == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	if (cr != CURLE_OK && cr != CURLE_WRITE_ERROR) {
		free(b.buf);
		return empty(ret, ret_len); /* the agent does not answer */
	}
	if (code == 404 || code == 400) {
		free(b.buf);
		return -ENOENT;
	}
	*ret = b.buf ? b.buf : strdup("");
	*ret_len = b.len;
	return *ret ? 0 : -ENOMEM;
}
