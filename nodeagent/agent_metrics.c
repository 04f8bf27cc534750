/*
 * agent_metrics.c — resource metrics, as metrics-server serves them
 * (metrics.k8s.io/v1beta1): every --metric-resolution a real node's agent
 * reads the cgroups of its pods' running containers and the machine's
 * usage (cgstats.h), and writes a PodMetrics per pod (named as the pod)
 * and a NodeMetrics for the node into the tree, in Lists through the
 * root drop box; a pod's PodMetrics is deleted when the pod leaves the
 * node (and, at the start, those of pods gone meanwhile). CPU is a rate: the CPU time between two samples over the time
 * between them (the window), so a container is reported from its
 * second sample on.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "nodeagent/agent_i.h"
#include "nodeagent/cgstats.h"

#define METRICS_BATCH 128 /* objects per write */

struct metrics {
	struct agent *a;
	const struct kind_info *k_pm;
	json_t *prev;	   /* "UID/CONTAINER" or "" (node) -> [id, cpu, t] */
	json_t *published; /* "NS/NAME" -> pod uid: PodMetrics written */
	json_t *next_prev; /* this pass's samples */
	json_t *items;	   /* this pass's objects */
	json_t *seen;	   /* "NS/NAME" of pods still running */
	json_t *busy;	   /* uids not measured this pass */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A Go duration string of ns ("15.012s", "999.98ms"), as
 * metav1.Duration prints. */
static void go_duration(uint64_t ns, char *buf, size_t size)
{
	static const struct {
		uint64_t unit;
		const char *name;
	} units[] = {{1000000000u, "s"}, {1000000u, "ms"}, {1000u, "µs"}};
	size_t u = 0;
	int n;

	while (u < 2 && ns < units[u].unit)
		u++;
	if (ns < units[u].unit) {
		snprintf(buf, size, "%" PRIu64 "ns", ns);
		return;
	}
	n = snprintf(buf, size, "%" PRIu64 ".%0*" PRIu64, ns / units[u].unit,
		     (int)(9 - 3 * u), ns % units[u].unit);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	snprintf(buf + n, size - (size_t)n, "%s", units[u].name);
}

/*
 * The rate of key's CPU time since its last sample (same id), and the
 * window; false the first time. Records this sample.
 */
static bool rate(struct metrics *m, const char *key, const char *id,
		 uint64_t cpu, uint64_t now, uint64_t *ret_nanocores,
		 uint64_t *ret_window)
{
	const json_t *p = json_object_get(m->prev, key);
	const char *pid = json_string_value(json_array_get(p, 0));
	uint64_t pcpu = (uint64_t)json_integer_value(json_array_get(p, 1));
	uint64_t pt = (uint64_t)json_integer_value(json_array_get(p, 2));

	json_object_set_new(
	    m->next_prev, key,
	    json_pack("[s, I, I]", id, (json_int_t)cpu, (json_int_t)now));
	if (!p || !pid || strcmp(pid, id) || now <= pt)
		return false;
	*ret_nanocores = cgstats_nanocores(pcpu, cpu, now - pt);
	*ret_window = now - pt;
	return true;
}

static json_t *usage(uint64_t nanocores, uint64_t bytes)
{
	char cpu[32], mem[32];

	snprintf(cpu, sizeof(cpu), "%" PRIu64 "n", nanocores);
	snprintf(mem, sizeof(mem), "%" PRIu64 "Ki", bytes / 1024);
	return json_pack("{s:s, s:s}", "cpu", cpu, "memory", mem);
}

/* The PodMetrics of pod key (uid) from its containers' usage cs, or
 * NULL while a container has no rate yet. */
static json_t *pod_metrics(struct metrics *m, const char *key, const char *uid,
			   const json_t *cs, uint64_t now, const char *stamp)
{
	_cleanup_json_ json_t *pod = NULL, *out = json_array();
	const json_t *meta;
	uint64_t window = 0;
	bool complete = json_array_size(cs) > 0;
	char w[48], pk[300];
	size_t i;
	json_t *c;

	json_array_foreach (cs, i, c) {
		const char *name =
		    json_string_value(json_object_get(c, "name"));
		uint64_t nc = 0, win = 0;

		snprintf(pk, sizeof(pk), "%s/%s", uid, name);
		if (!rate(m, pk, json_string_value(json_object_get(c, "id")),
			  (uint64_t)json_integer_value(
			      json_object_get(c, "cpu_ns")),
			  now, &nc, &win)) {
			complete = false;
			continue;
		}
		window = win > window ? win : window;
		json_array_append_new(
		    out,
		    json_pack(
			"{s:s, s:o}", "name", name, "usage",
			usage(nc, (uint64_t)json_integer_value(
				      json_object_get(c, "working_set")))));
	}
	if (!complete || informer_get(m->a->inf, key, &pod) < 0)
		return NULL;
	meta = json_object_get(pod, "metadata");
	if (strcmp(json_string_value(json_object_get(meta, "uid")) ?: "", uid))
		return NULL;
	go_duration(window, w, sizeof(w));
	/* metrics-server copies the pod's labels (top -l); owned by the
	 * pod, so that the garbage collector also removes it */
	return json_pack(
	    "{s:s, s:s, s:{s:O, s:O, s:O*, s:[{s:s, s:s, s:O, s:O}]}, s:s, "
	    "s:s, s:O}",
	    "apiVersion", "metrics.k8s.io/v1beta1", "kind", "PodMetrics",
	    "metadata", "name", json_object_get(meta, "name"), "namespace",
	    json_object_get(meta, "namespace"), "labels",
	    json_object_get(meta, "labels"), "ownerReferences", "apiVersion",
	    "v1", "kind", "Pod", "name", json_object_get(meta, "name"), "uid",
	    json_object_get(meta, "uid"), "timestamp", stamp, "window", w,
	    "containers", out);
}

/* The pods of node n the agent runs: a new object "NS/NAME" -> uid. */
static json_t *running_pods(struct agent *a, const struct agent_node *n)
{
	json_t *out = json_object();
	size_t i = 0;
	const char *k;
	void *v;

	pthread_mutex_lock(&a->lock);
	while (out && strmap_next(&a->pods, &i, &k, &v)) {
		const struct agent_pod *p = v;

		if (p->node == n && p->state == AGENT_POD_RUNNING)
			json_object_set_new(out, k, json_string(p->uid));
	}
	pthread_mutex_unlock(&a->lock);
	return out;
}

static void node_metrics(struct metrics *m, const struct agent_node *n,
			 uint64_t now, const char *stamp)
{
	struct cgstats st;
	uint64_t nc, win;
	char w[48];

	if (cgstats_node(&st) < 0 ||
	    !rate(m, "", "node", st.cpu_ns, now, &nc, &win))
		return;
	go_duration(win, w, sizeof(w));
	json_array_append_new(
	    m->items,
	    json_pack("{s:s, s:s, s:{s:s}, s:s, s:s, s:o}", "apiVersion",
		      "metrics.k8s.io/v1beta1", "kind", "NodeMetrics",
		      "metadata", "name", n->name, "timestamp", stamp, "window",
		      w, "usage", usage(nc, st.working_set)));
}

/* Write m->items, METRICS_BATCH at a time. */
static void write_items(struct metrics *m)
{
	size_t n = json_array_size(m->items);

	for (size_t at = 0; at < n; at += METRICS_BATCH) {
		_cleanup_json_ json_t *list =
		    json_pack("{s:s, s:s, s:[]}", "apiVersion", "v1", "kind",
			      "List", "items");
		_cleanup_free_ char *text = NULL;
		struct kf_error err;
		int r;

		for (size_t i = at; list && i < n && i < at + METRICS_BATCH;
		     i++)
			json_array_append(json_object_get(list, "items"),
					  json_array_get(m->items, i));
		text = list ? json_dumps(list, JSON_COMPACT) : NULL;
		if (!text)
			return;
		kf_error_init(&err);
		r = client_apply(m->a->c, text, strlen(text), &err);
		if (r < 0)
			agent_logf(m->a, "cannot write resource metrics: %s",
				   err.msg[0] ? err.msg : strerror(-r));
	}
}

/* Is the pod of key (uid) still one this node runs or is about to: in
 * the informer, same uid, not ended or being deleted? */
static bool pod_alive(struct metrics *m, const char *key, const char *uid)
{
	_cleanup_json_ json_t *pod = NULL;
	const json_t *meta;
	const char *phase;

	if (informer_get(m->a->inf, key, &pod) < 0)
		return false;
	meta = json_object_get(pod, "metadata");
	phase = json_string_value(
	    json_object_get(json_object_get(pod, "status"), "phase"));
	return !strcmp(json_string_value(json_object_get(meta, "uid")) ?: "",
		       uid) &&
	       !json_object_get(meta, "deletionTimestamp") &&
	       (!phase ||
		(strcmp(phase, "Succeeded") && strcmp(phase, "Failed")));
}

/* Delete the PodMetrics of pods no longer running here. */
static void forget_gone(struct metrics *m)
{
	const char *key;
	json_t *uid, *tmp;

	json_object_foreach_safe (m->published, tmp, key, uid) {
		_cleanup_free_ char *ns = strdup(key);
		char *name = ns ? strchr(ns, '/') : NULL;
		struct kf_error err;

		if (json_object_get(m->seen, key) ||
		    pod_alive(m, key, json_string_value(uid)))
			continue;
		if (name) {
			*name++ = '\0';
			kf_error_init(&err);
			client_delete(m->a->c, m->k_pm, ns, name, &err);
		}
		json_object_del(m->published, key);
	}
}

/* Busy pods keep their samples for the next pass ("UID/CONTAINER"). */
static void keep_busy(struct metrics *m)
{
	const char *key;
	json_t *v;

	json_object_foreach (m->prev, key, v) {
		char uid[128];

		snprintf(uid, sizeof(uid), "%.*s", (int)strcspn(key, "/"), key);
		if (json_object_get(m->busy, uid) &&
		    !json_object_get(m->next_prev, key))
			json_object_set(m->next_prev, key, v);
	}
}

static void pass(struct metrics *m, struct agent_node *n)
{
	struct runtime *rt = agent_node_runtime(m->a, n);
	_cleanup_json_ json_t *pods = NULL;
	char stamp[RFC3339_MAX];
	struct timespec real;
	uint64_t now = mono_ns();
	const char *key;
	json_t *uid;

	if (!rt)
		return;
	clock_gettime(CLOCK_REALTIME, &real);
	rfc3339_format_sec(real.tv_sec, stamp);
	pods = running_pods(m->a, n);
	m->next_prev = json_object();
	m->items = json_array();
	m->seen = json_object();
	m->busy = json_object();
	if (!pods || !m->next_prev || !m->items || !m->seen || !m->busy)
		goto out;
	json_object_foreach (pods, key, uid) {
		_cleanup_json_ json_t *cs = NULL;
		json_t *pm;
		int r = runtime_pod_usage(rt, json_string_value(uid), &cs);

		if (r == -EBUSY) {
			json_object_set(m->seen, key, json_true());
			json_object_set(m->busy, json_string_value(uid),
					json_true());
		}
		if (r < 0)
			continue;
		json_object_set(m->seen, key, json_true());
		pm =
		    pod_metrics(m, key, json_string_value(uid), cs, now, stamp);
		if (pm) {
			json_array_append_new(m->items, pm);
			json_object_set(m->published, key, uid);
		}
	}
	node_metrics(m, n, now, stamp);
	write_items(m);
	forget_gone(m);
	keep_busy(m);
	json_decref(m->prev);
	m->prev = m->next_prev;
	m->next_prev = NULL;
out:
	json_decref(m->next_prev);
	json_decref(m->items);
	json_decref(m->seen);
	json_decref(m->busy);
	m->next_prev = m->items = m->seen = m->busy = NULL;
}

/*
 * At the start: PodMetrics of pods gone while the agent was down (the
 * garbage collector does not watch metrics) are deleted; those of this
 * node's pods are taken as ours, to be deleted when their pods go.
 */
static void sweep(struct metrics *m, const char *node)
{
	_cleanup_json_ json_t *items = NULL;
	struct kf_error err;
	size_t i;
	json_t *pm;

	kf_error_init(&err);
	if (client_list(m->a->c, m->k_pm, NULL, NULL, NULL, &err, &items,
			NULL) < 0)
		return;
	json_array_foreach (items, i, pm) {
		const json_t *meta = json_object_get(pm, "metadata");
		const char *ns =
		    json_string_value(json_object_get(meta, "namespace"));
		const char *name =
		    json_string_value(json_object_get(meta, "name"));
		_cleanup_json_ json_t *pod = NULL;
		const json_t *pmeta;
		const char *uid;
		char key[600];
		int r;

		if (!ns || !name)
			continue;
		kf_error_init(&err);
		r = client_get(m->a->c, m->a->k_pod, ns, name, &err, &pod);
		pmeta = json_object_get(pod, "metadata");
		uid = json_string_value(json_object_get(pmeta, "uid"));
		if (r == -ENOENT ||
		    (r == 0 &&
		     strcmp(
			 json_string_value(json_object_get(
			     json_array_get(
				 json_object_get(meta, "ownerReferences"), 0),
			     "uid"))
			     ?: "",
			 uid ?: ""))) {
			client_delete(m->a->c, m->k_pm, ns, name, &err);
			continue;
		}
		snprintf(key, sizeof(key), "%s/%s", ns, name);
		if (r == 0 && uid &&
		    !strcmp(json_string_value(json_object_get(
				json_object_get(pod, "spec"), "nodeName"))
				?: "",
			    node))
			json_object_set_new(m->published, key,
					    json_string(uid));
	}
}

void *agent_metrics_thread(void *arg)
{
	struct agent *a = arg;
	struct metrics m = {
	    .a = a,
	    .k_pm = kinds_by_path("metrics.k8s.io", "v1beta1", "pods"),
	    .prev = json_object(),
	    .published = json_object(),
	};

	if (m.k_pm && m.published)
		sweep(&m, a->nodes[0].name);
	while (m.k_pm && m.prev && m.published && !agent_stopping(a)) {
		uint64_t until = mono_ms() + a->cfg.metric_resolution_ms;
		struct timespec ts = {(time_t)(until / 1000),
				      (long)(until % 1000) * 1000000};

		pass(&m, &a->nodes[0]);
		pthread_mutex_lock(&a->lock);
		while (!a->stopping && mono_ms() < until)
			pthread_cond_timedwait(&a->cond, &a->lock, &ts);
		pthread_mutex_unlock(&a->lock);
	}
	json_decref(m.prev);
	json_decref(m.published);
	return NULL;
}
