/*
 * agent_pods.c — the pod side of the agent: admit, start, report, and
 * finish the deletion of the pods bound to our nodes. One call of
 * agent_sync_pod() looks at the pod as the watch last saw it and does
 * the next step; every change of the pod (our own status writes too)
 * brings it back, and a step that has to wait puts it back on the queue.
 */
#include "nodeagent/agent_i.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cleanup.h"
#include "nodeagent/podstatus.h"

static const char *meta_str(const json_t *obj, const char *key)
{
	return json_string_value(
	    json_object_get(json_object_get(obj, "metadata"), key));
}

static const char *pod_node(const json_t *pod)
{
	return json_string_value(
	    json_object_get(json_object_get(pod, "spec"), "nodeName"));
}

/* Forget p: its runtime state, its admission share, its record. */
static void forget(struct agent *a, const char *key, struct agent_pod *p)
{
	struct runtime *rt = agent_node_runtime(a, p->node);

	if (rt)
		runtime_remove_pod(rt, p->uid);
	pthread_mutex_lock(&a->lock);
	admission_sub(&p->node->used, &p->req);
	if (strmap_get(&a->pods, key) == p)
		strmap_remove(&a->pods, key);
	pthread_mutex_unlock(&a->lock);
	free(p);
}

static struct agent_pod *lookup(struct agent *a, const char *key)
{
	struct agent_pod *p;

	pthread_mutex_lock(&a->lock);
	p = strmap_get(&a->pods, key);
	pthread_mutex_unlock(&a->lock);
	return p;
}

/* Post status for pod through NAME@status, unless it already says so. */
static int write_status(struct agent *a, const json_t *pod, json_t *status)
{
	_cleanup_json_ json_t *obj = NULL;
	struct kf_error err;
	int r;

	if (json_equal(status, json_object_get(pod, "status")))
		return 0;
	obj = json_pack("{s:s, s:s, s:{s:s, s:s}, s:O}", "apiVersion", "v1",
			"kind", "Pod", "metadata", "name",
			meta_str(pod, "name"), "namespace",
			meta_str(pod, "namespace"), "status", status);
	if (!obj)
		return -ENOMEM;
	kf_error_init(&err);
	r = client_update_status(a->c, a->k_pod, obj, &err, NULL);
	if (r == -ENOENT)
		return 0; /* gone meanwhile: the watch will tell */
	if (r < 0) {
		agent_logf(a, "error updating the status of pod %s/%s: %s",
			   meta_str(pod, "namespace"), meta_str(pod, "name"),
			   err.msg[0] ? err.msg : strerror(-r));
		return r;
	}
	AGENT_COUNT(a, pod_status_writes);
	return 0;
}

static void now_ts(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

static int reject(struct agent *a, const json_t *pod,
		  const struct admission_verdict *v)
{
	_cleanup_json_ json_t *status = NULL;
	struct timespec now;
	int r;

	now_ts(&now);
	r = podstatus_rejected(pod, v->reason, v->message, &now, &status);
	if (r == 0)
		r = write_status(a, pod, status);
	if (r == 0) {
		AGENT_COUNT(a, pods_rejected);
		event_recorder_eventf(a->rec, pod, EVENT_TYPE_WARNING,
				      v->reason, "%s", v->message);
	}
	return r;
}

/* A pod seen for the first time: admit it (or reject it). */
static int admit(struct agent *a, const char *key, const json_t *pod,
		 struct agent_node *node, struct agent_pod **ret)
{
	const char *uid = meta_str(pod, "uid");
	struct admission_verdict v;
	struct agent_pod *p;
	int r;

	if (!uid || strlen(uid) >= AGENT_UID_MAX)
		return 0; /* not a pod the API server wrote; leave it */
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	snprintf(p->uid, sizeof(p->uid), "%s", uid);
	p->node = node;
	p->state = AGENT_POD_WAITING;
	p->due_ms = mono_ms() + a->cfg.start_delay_ms;
	admission_pod_requests(pod, &p->req);
	pthread_mutex_lock(&a->lock);
	admission_check(&a->allocatable, &node->used, &p->req, &v);
	r = v.admit ? strmap_put(&a->pods, key, p) : 0;
	if (v.admit && r == 0)
		admission_add(&node->used, &p->req);
	pthread_mutex_unlock(&a->lock);
	if (!v.admit || r < 0) {
		free(p);
		return r < 0 ? r : reject(a, pod, &v);
	}
	*ret = p;
	return 0;
}

/* Post the status of a started pod. */
static int report(struct agent *a, const json_t *pod, struct agent_pod *p,
		  struct runtime *rt, bool terminal)
{
	struct runtime_pod_status *rs = NULL;
	_cleanup_json_ json_t *status = NULL;
	struct podstatus_input in = {
	    .pod = pod,
	    .host_ip = p ? p->node->internal_ip : NULL,
	    .terminal = terminal,
	};
	struct timespec now;
	int r;

	if (p && p->state == AGENT_POD_RUNNING) {
		r = runtime_pod_status(rt, p->uid, &rs);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	now_ts(&now);
	in.rt = rs;
	in.now = &now;
	r = podstatus_build(&in, &status);
	runtime_pod_status_free(rs);
	if (r < 0)
		return r;
	return write_status(a, pod, status);
}

static int start(struct agent *a, const char *key, const json_t *pod,
		 struct agent_pod *p, struct runtime *rt)
{
	uint64_t now = mono_ms();
	struct kf_error err;
	int r;

	if (now < p->due_ms)
		return workqueue_add_after(a->q, key, p->due_ms - now);
	kf_error_init(&err);
	r = runtime_start_pod(rt, pod, &err);
	if (r < 0) {
		event_recorder_eventf(a->rec, pod, EVENT_TYPE_WARNING,
				      strncmp(err.msg, "MountVolume", 11)
					  ? "FailedCreatePodSandBox"
					  : "FailedMount",
				      "%s",
				      err.msg[0] ? err.msg : strerror(-r));
		return r;
	}
	p->state = AGENT_POD_RUNNING;
	AGENT_COUNT(a, pods_started);
	return 0;
}

/*
 * A pod the tree says is Running but the agent has no record of (it was
 * deleted while the agent was down): the runtime takes it back, so that
 * it can be stopped and reported as a runtime would find it.
 */
static bool readopt(struct agent *a, struct runtime *rt, const json_t *pod,
		    struct agent_pod *ret)
{
	const char *phase = podstatus_phase(pod);
	const char *uid = meta_str(pod, "uid");
	struct runtime_pod_status *st = NULL;

	if (!rt || !phase || strcmp(phase, "Running") || !uid ||
	    strlen(uid) >= AGENT_UID_MAX)
		return false;
	/* a real runtime keeps its pods: one it does not know is gone,
	 * and is not to be started again just to be stopped */
	if (!a->cfg.fake && runtime_pod_status(rt, uid, &st) < 0)
		return false;
	runtime_pod_status_free(st);
	if (runtime_start_pod(rt, pod, NULL) < 0)
		return false;
	snprintf(ret->uid, sizeof(ret->uid), "%s", uid);
	ret->state = AGENT_POD_RUNNING;
	return true;
}

/*
 * The kubelet's final delete: NAME@delete with gracePeriodSeconds 0 and
 * the pod's uid as precondition, so a new pod of the same name is never
 * taken for this one. -ENOENT and -ESTALE: someone else finished it.
 */
static int finish_pod(struct agent *a, const json_t *pod, struct kf_error *err)
{
	_cleanup_json_ json_t *opts = NULL;

	opts = json_pack("{s:s, s:s, s:i, s:{s:s}}", "apiVersion", "v1", "kind",
			 "DeleteOptions", "gracePeriodSeconds", 0,
			 "preconditions", "uid", meta_str(pod, "uid") ?: "");
	if (!opts)
		return -ENOMEM;
	return client_delete_with(a->c, a->k_pod, meta_str(pod, "namespace"),
				  meta_str(pod, "name"), opts, err);
}

/*
 * The pod has a deletionTimestamp: stop it, post its terminal status,
 * then finish it with a delete of grace period 0 (finish_pod).
 */
static int terminate(struct agent *a, const char *key, const json_t *pod,
		     struct agent_pod *p, struct agent_node *node)
{
	struct runtime *rt = agent_node_runtime(a, node);
	const json_t *grace = json_object_get(json_object_get(pod, "metadata"),
					      "deletionGracePeriodSeconds");
	struct agent_pod found = {.node = node};
	bool readopted = !p && readopt(a, rt, pod, &found);
	struct agent_pod *cur = p ? p : &found;
	struct kf_error err;
	int r = 0;

	kf_error_init(&err);
	if (cur->state == AGENT_POD_RUNNING && rt) {
		r = runtime_stop_pod(rt, cur->uid,
				     json_is_integer(grace)
					 ? (long)json_integer_value(grace)
					 : 0,
				     &err);
		if (r == -ENOENT)
			r = 0;
	}
	if (r == 0 && !podstatus_is_terminal(pod))
		r = report(a, pod, cur, rt, true);
	if (r == 0) {
		kf_error_init(&err);
		r = finish_pod(a, pod, &err);
		if (r == 0)
			AGENT_COUNT(a, pods_deleted);
		else if (r == -ENOENT || r == -ESTALE)
			r = 0; /* someone else finished it */
		else
			agent_logf(a, "error deleting pod %s: %s", key,
				   err.msg[0] ? err.msg : strerror(-r));
	}
	if (readopted)
		runtime_remove_pod(rt, found.uid);
	if (r < 0)
		return r;
	if (p)
		forget(a, key, p);
	return 0;
}

int agent_sync_pod(struct agent *a, const char *key)
{
	_cleanup_json_ json_t *pod = NULL;
	struct agent_pod *p = lookup(a, key);
	struct agent_node *node;
	struct runtime *rt;
	uint64_t next_ms = 0;
	const char *uid;
	int r;

	if (informer_get(a->inf, key, &pod) < 0) {
		if (p)
			forget(a, key, p); /* deleted */
		return 0;
	}
	uid = meta_str(pod, "uid");
	node = agent_find_node(a, pod_node(pod));
	if (p && (!uid || strcmp(p->uid, uid) || p->node != node)) {
		forget(a, key, p); /* another pod under the same name */
		p = NULL;
	}
	if (!node)
		return 0;
	rt = agent_node_runtime(a, node);
	if (!rt)
		return -EAGAIN; /* the node is not registered yet */
	if (meta_str(pod, "deletionTimestamp"))
		return terminate(a, key, pod, p, node);
	if (podstatus_is_terminal(pod)) {
		if (p) {
			runtime_stop_pod(rt, p->uid, 0, NULL);
			forget(a, key, p);
		}
		return 0;
	}
	if (!p) {
		r = admit(a, key, pod, node, &p);
		if (r < 0 || !p)
			return r;
	}
	if (p->state == AGENT_POD_WAITING) {
		r = start(a, key, pod, p, rt);
		if (r < 0 || p->state == AGENT_POD_WAITING)
			return r;
	}
	/* a real runtime is looked at again while its containers live */
	if (runtime_sync_pod(rt, pod, &next_ms) == 0 && next_ms)
		workqueue_add_after(a->q, key, next_ms);
	return report(a, pod, p, rt, false);
}

/* Is uid the uid of one of pods? */
static bool has_uid(const json_t *pods, const char *uid)
{
	size_t i;
	json_t *pod;

	json_array_foreach (pods, i, pod) {
		const char *u = meta_str(pod, "uid");

		if (u && !strcmp(u, uid))
			return true;
	}
	return false;
}

/*
 * Pods a runtime still holds from before a restart that the tree no
 * longer has (deleted, and finished by someone else, while the agent
 * was down): stop them and release what they hold.
 */
static void remove_orphans(struct agent *a, const json_t *pods)
{
	for (size_t n = 0; n < a->n_nodes; n++) {
		struct runtime *rt = agent_node_runtime(a, &a->nodes[n]);
		_cleanup_json_ json_t *uids = NULL;
		size_t i;
		json_t *u;

		if (!rt || runtime_list_pods(rt, &uids) < 0)
			continue;
		json_array_foreach (uids, i, u) {
			const char *uid = json_string_value(u);

			if (has_uid(pods, uid))
				continue;
			agent_logf(a, "removing pod %s: gone from the cluster",
				   uid);
			runtime_remove_pod(rt, uid);
		}
	}
}

void agent_adopt_pods(struct agent *a, const json_t *pods)
{
	size_t i, n = 0;
	json_t *pod;

	json_array_foreach (pods, i, pod) {
		struct agent_node *node = agent_find_node(a, pod_node(pod));
		const char *phase = podstatus_phase(pod);
		const char *uid = meta_str(pod, "uid");
		_cleanup_free_ char *key = NULL;
		struct agent_pod *p;

		if (!node || !phase || strcmp(phase, "Running") || !uid ||
		    strlen(uid) >= AGENT_UID_MAX ||
		    meta_str(pod, "deletionTimestamp") ||
		    informer_key(pod, &key) < 0)
			continue;
		p = calloc(1, sizeof(*p));
		if (!p)
			return;
		snprintf(p->uid, sizeof(p->uid), "%s", uid);
		p->node = node;
		p->state = AGENT_POD_WAITING;
		p->due_ms = 0; /* it ran before: no start delay */
		admission_pod_requests(pod, &p->req);
		pthread_mutex_lock(&a->lock);
		if (strmap_get(&a->pods, key) || strmap_put(&a->pods, key, p)) {
			pthread_mutex_unlock(&a->lock);
			free(p);
			continue;
		}
		admission_add(&node->used, &p->req);
		pthread_mutex_unlock(&a->lock);
		n++;
	}
	if (n)
		agent_logf(a, "re-adopting %zu running pod%s", n,
			   n == 1 ? "" : "s");
	remove_orphans(a, pods);
}

void agent_forget_all_pods(struct agent *a)
{
	size_t i = 0;
	void *v;

	while (strmap_next(&a->pods, &i, NULL, &v))
		free(v);
	strmap_release(&a->pods);
}

struct shutdown_job {
	struct agent *a;
	struct runtime *rt;
	char uid[AGENT_UID_MAX];
	json_t *pod;
	long grace;
	pthread_t t;
	bool threaded;
};

/* One pod of a node shutdown: stop, post Failed/Terminated, release. */
static void *shutdown_one(void *arg)
{
	struct shutdown_job *j = arg;
	_cleanup_json_ json_t *status = NULL;
	static const char msg[] = "Pod was terminated in response to "
				  "imminent node shutdown.";
	struct timespec now;

	runtime_stop_pod(j->rt, j->uid, j->grace, NULL);
	now_ts(&now);
	if (podstatus_rejected(j->pod, "Terminated", msg, &now, &status) == 0) {
		/* the kubelet's node shutdown manager's words, unprefixed */
		json_object_set_new(status, "message", json_string(msg));
		write_status(j->a, j->pod, status);
	}
	runtime_remove_pod(j->rt, j->uid);
	return NULL;
}

void agent_shutdown_pods(struct agent *a)
{
	long max_s = (long)(a->cfg.shutdown_grace_ms / 1000);
	struct shutdown_job *jobs;
	size_t i = 0, n = 0;
	const char *key;
	void *v;

	pthread_mutex_lock(&a->lock);
	jobs = calloc(strmap_len(&a->pods) + 1, sizeof(*jobs));
	while (jobs && strmap_next(&a->pods, &i, &key, &v)) {
		struct agent_pod *p = v;
		struct shutdown_job *j = &jobs[n];
		const json_t *g;

		if (p->state != AGENT_POD_RUNNING || !p->node->rt ||
		    informer_get(a->inf, key, &j->pod) < 0)
			continue;
		j->a = a;
		j->rt = p->node->rt;
		snprintf(j->uid, sizeof(j->uid), "%s", p->uid);
		j->grace = max_s;
		g = json_object_get(json_object_get(j->pod, "spec"),
				    "terminationGracePeriodSeconds");
		if (json_is_integer(g) && json_integer_value(g) < j->grace)
			j->grace = (long)json_integer_value(g);
		n++;
	}
	pthread_mutex_unlock(&a->lock);
	if (n)
		agent_logf(a, "node shutdown: stopping %zu pod%s", n,
			   n == 1 ? "" : "s");
	/* in parallel: the shutdown grace period is for all of them */
	for (i = 0; i < n; i++) {
		jobs[i].threaded = pthread_create(&jobs[i].t, NULL,
						  shutdown_one, &jobs[i]) == 0;
		if (!jobs[i].threaded)
			shutdown_one(&jobs[i]);
	}
	for (i = 0; i < n; i++) {
		if (jobs[i].threaded)
			pthread_join(jobs[i].t, NULL);
		json_decref(jobs[i].pod);
	}
	free(jobs);
}
