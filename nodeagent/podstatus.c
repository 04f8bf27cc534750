/*
 * podstatus.c — a pod's status as the kubelet reports it.
 */
#include "nodeagent/podstatus.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/clock.h"
#include "client/client.h"

/* Conditions the kubelet owns; every other one is kept as it was. */
static const char *const kubelet_conditions[] = {
    "PodReadyToStartContainers", "Initialized",	 "Ready",
    "ContainersReady",		 "PodScheduled",
};

#define NAMES_MAX 1024

/* A Go-printed []string: "[a b c]", cut short rather than overflowing. */
struct names {
	char buf[NAMES_MAX];
	size_t len;
	unsigned n;
};

static void names_add(struct names *l, const char *name)
{
	int w;

	if (l->len >= sizeof(l->buf) - 1)
		return;
	w = snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s%s",
		     l->n ? " " : "", name);
	if (w > 0)
		l->len += (size_t)w;
	if (l->len >= sizeof(l->buf))
		l->len = sizeof(l->buf) - 1;
	l->n++;
}

const char *podstatus_phase(const json_t *pod)
{
	return json_string_value(
	    json_object_get(json_object_get(pod, "status"), "phase"));
}

bool podstatus_is_terminal(const json_t *pod)
{
	const char *p = podstatus_phase(pod);

	return p && (!strcmp(p, "Succeeded") || !strcmp(p, "Failed"));
}

static const struct runtime_container_status *
rt_container(const struct runtime_container_status *list, size_t n,
	     const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (list[i].name && !strcmp(list[i].name, name))
			return &list[i];
	return NULL;
}

static json_t *time_string(const struct timespec *ts)
{
	char buf[RFC3339_MAX];

	rfc3339_format(ts, false, buf);
	return json_string(buf);
}

/* lastState: the run before the current one. */
static json_t *last_state(const struct runtime_container_status *rc)
{
	json_t *t = json_pack("{s:i, s:o, s:o}", "exitCode", rc->last_exit_code,
			      "startedAt", time_string(&rc->last_started_at),
			      "finishedAt", time_string(&rc->last_finished_at));

	if (t && rc->last_reason)
		json_object_set_new(t, "reason", json_string(rc->last_reason));
	if (t && rc->last_container_id)
		json_object_set_new(t, "containerID",
				    json_string(rc->last_container_id));
	return json_pack("{s:o}", "terminated", t);
}

/* One entry of containerStatuses / initContainerStatuses. */
static json_t *container_json(const json_t *spec_c,
			      const struct runtime_container_status *rc,
			      bool init, bool ran)
{
	const char *name = json_string_value(json_object_get(spec_c, "name"));
	const char *image = json_string_value(json_object_get(spec_c, "image"));
	bool ready = false, started = false;
	json_t *state;
	json_t *c;

	if (!ran) {
		/* the pod ended before the runtime ever ran it */
		state = json_pack(
		    "{s:{s:i, s:s, s:s}}", "terminated", "exitCode", 137,
		    "reason", "ContainerStatusUnknown", "message",
		    "The container could not be located when the pod was "
		    "terminated");
	} else if (!rc || rc->state == RUNTIME_CREATED ||
		   rc->state == RUNTIME_UNKNOWN) {
		state =
		    json_pack("{s:{s:s}}", "waiting", "reason",
			      rc && rc->waiting_reason ? rc->waiting_reason
						       : "ContainerCreating");
		if (state && rc && rc->waiting_reason && rc->message)
			json_object_set_new(json_object_get(state, "waiting"),
					    "message",
					    json_string(rc->message));
	} else if (rc->state == RUNTIME_RUNNING) {
		state = json_pack("{s:{s:o}}", "running", "startedAt",
				  time_string(&rc->started_at));
		started = !rc->unstarted;
		ready = started && !rc->unready;
	} else {
		state = json_pack(
		    "{s:{s:s, s:i, s:o, s:o}}", "terminated", "containerID",
		    rc->container_id ? rc->container_id : "", "exitCode",
		    rc->exit_code, "startedAt", time_string(&rc->started_at),
		    "finishedAt", time_string(&rc->finished_at));
		if (state && rc->reason)
			json_object_set_new(
			    json_object_get(state, "terminated"), "reason",
			    json_string(rc->reason));
		if (state && rc->message)
			json_object_set_new(
			    json_object_get(state, "terminated"), "message",
			    json_string(rc->message));
		/* a completed init container counts as ready */
		ready = init && rc->exit_code == 0;
	}
	c = json_pack("{s:s, s:s, s:s, s:b, s:b, s:i, s:o, s:{}}", "name",
		      name ? name : "", "image",
		      rc && rc->image ? rc->image
		      : image	      ? image
				      : "",
		      "imageID", rc && rc->image_id ? rc->image_id : "",
		      "ready", ready, "started", started, "restartCount",
		      rc ? (int)rc->restart_count : 0, "state", state,
		      "lastState");
	if (c && rc && rc->container_id && ran &&
	    (rc->state == RUNTIME_RUNNING || rc->state == RUNTIME_EXITED))
		json_object_set_new(c, "containerID",
				    json_string(rc->container_id));
	if (c && rc && rc->has_last && ran)
		json_object_set_new(c, "lastState", last_state(rc));
	return c;
}

static int cmp_by_name(const void *a, const void *b)
{
	const char *x =
	    json_string_value(json_object_get(*(json_t *const *)a, "name"));
	const char *y =
	    json_string_value(json_object_get(*(json_t *const *)b, "name"));

	return strcmp(x ? x : "", y ? y : "");
}

/* Sort a JSON array of container statuses by name, in place. */
static int sort_by_name(json_t *arr)
{
	size_t n = json_array_size(arr);
	_cleanup_free_ json_t **v = NULL;

	if (n < 2)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), cmp_by_name);
	json_array_clear(arr);
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(arr, v[i]) < 0) {
			for (size_t j = i + 1; j < n; j++)
				json_decref(v[j]);
			return -ENOMEM;
		}
	return 0;
}

/* What the containers add up to. */
struct tally {
	unsigned waiting, running, exited, failed;
	struct names unready;	 /* containers (and sidecars) not ready */
	struct names incomplete; /* init containers not done */
};

static void tally_regular(const json_t *specs,
			  const struct runtime_pod_status *rt, struct tally *t)
{
	size_t i;
	json_t *s;

	json_array_foreach (specs, i, s) {
		const char *name =
		    json_string_value(json_object_get(s, "name"));
		const struct runtime_container_status *rc =
		    rt ? rt_container(rt->containers, rt->n_containers, name)
		       : NULL;

		if (rc && rc->state == RUNTIME_RUNNING) {
			t->running++;
		} else if (rc && rc->state == RUNTIME_EXITED) {
			t->exited++;
			t->failed += rc->exit_code != 0;
		} else if (rc && rc->has_last) {
			/* waiting to restart: it ran, as the kubelet counts */
			t->exited++;
			t->failed += rc->last_exit_code != 0;
		} else {
			t->waiting++;
		}
		if (!rc || rc->state != RUNTIME_RUNNING || rc->unready ||
		    rc->unstarted)
			names_add(&t->unready, name ? name : "");
	}
}

static void tally_init(const json_t *specs, const struct runtime_pod_status *rt,
		       struct tally *t, bool *ret_init_failed)
{
	size_t i;
	json_t *s;

	*ret_init_failed = false;
	json_array_foreach (specs, i, s) {
		const char *name =
		    json_string_value(json_object_get(s, "name"));
		const struct runtime_container_status *rc =
		    rt ? rt_container(rt->init_containers, rt->n_init, name)
		       : NULL;
		bool done;

		if (runtime_is_sidecar(s)) {
			done = rc && rc->state == RUNTIME_RUNNING;
			if (!done)
				names_add(&t->unready, name ? name : "");
		} else {
			done = rc && rc->state == RUNTIME_EXITED &&
			       rc->exit_code == 0;
			if (rc && rc->state == RUNTIME_EXITED &&
			    rc->exit_code != 0)
				*ret_init_failed = true;
		}
		if (!done)
			names_add(&t->incomplete, name ? name : "");
	}
}

static const char *phase_of(const json_t *spec,
			    const struct podstatus_input *in,
			    const struct tally *t, bool init_failed)
{
	const char *policy =
	    json_string_value(json_object_get(spec, "restartPolicy"));

	if (!policy)
		policy = "Always";
	if (in->terminal)
		return in->rt && t->waiting == 0 && t->running == 0 &&
			       t->failed == 0
			   ? "Succeeded"
			   : "Failed";
	if (!in->rt)
		return "Pending";
	if (t->incomplete.n)
		return init_failed && !strcmp(policy, "Never") ? "Failed"
							       : "Pending";
	if (t->waiting)
		return "Pending";
	if (t->running)
		return "Running";
	if (!strcmp(policy, "Always"))
		return "Running";
	if (!t->failed)
		return "Succeeded";
	return !strcmp(policy, "OnFailure") ? "Running" : "Failed";
}

static const json_t *old_condition(const json_t *old_status, const char *type)
{
	size_t i;
	json_t *c;

	json_array_foreach (json_object_get(old_status, "conditions"), i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));

		if (t && !strcmp(t, type))
			return c;
	}
	return NULL;
}

/* Append condition type to list, keeping its transition time if its
 * status did not change. reason and message may be NULL. */
static int add_condition(json_t *list, const json_t *old_status,
			 const char *type, bool status, const char *reason,
			 const char *message, const struct timespec *now)
{
	const json_t *old = old_condition(old_status, type);
	const char *want = status ? "True" : "False";
	const char *was = json_string_value(json_object_get(old, "status"));
	const json_t *since = json_object_get(old, "lastTransitionTime");
	json_t *c;

	c = json_pack("{s:s, s:s}", "type", type, "status", want);
	if (!c)
		return -ENOMEM;
	if (was && !strcmp(was, want) && json_is_string(since))
		json_object_set(c, "lastTransitionTime", (json_t *)since);
	else
		json_object_set_new(c, "lastTransitionTime", time_string(now));
	if (reason)
		json_object_set_new(c, "reason", json_string(reason));
	if (message)
		json_object_set_new(c, "message", json_string(message));
	return json_array_append_new(list, c) < 0 ? -ENOMEM : 0;
}

/* The Ready condition's extra rule: every readiness gate's condition
 * must be True. Returns the message, or NULL when all are. */
static const char *gates_message(const json_t *spec, const json_t *old_status,
				 char *buf, size_t size)
{
	size_t i;
	json_t *g;

	json_array_foreach (json_object_get(spec, "readinessGates"), i, g) {
		const char *type =
		    json_string_value(json_object_get(g, "conditionType"));
		const json_t *c;
		const char *st;

		if (!type)
			continue;
		c = old_condition(old_status, type);
		st = json_string_value(json_object_get(c, "status"));
		if (!c) {
			snprintf(buf, size,
				 "corresponding condition of pod readiness "
				 "gate \"%s\" does not exist.",
				 type);
			return buf;
		}
		if (!st || strcmp(st, "True")) {
			snprintf(buf, size,
				 "the status of pod readiness gate \"%s\" is "
				 "not \"True\", but %s",
				 type, st ? st : "");
			return buf;
		}
	}
	return NULL;
}

static int conditions(json_t *status, const json_t *spec,
		      const struct podstatus_input *in, const struct tally *t,
		      const char *phase)
{
	const json_t *old_status = json_object_get(in->pod, "status");
	const json_t *sched = old_condition(old_status, "PodScheduled");
	_cleanup_json_ json_t *list = json_array();
	char unready[NAMES_MAX + 64], incomplete[NAMES_MAX + 64];
	char gates[512];
	bool succeeded = !strcmp(phase, "Succeeded");
	bool failed = !strcmp(phase, "Failed");
	const char *cr_reason = NULL, *cr_msg = NULL, *gmsg;
	bool ready = false;
	size_t i;
	json_t *c;
	int r;

	if (!list)
		return -ENOMEM;
	snprintf(unready, sizeof(unready),
		 "containers with unready status: [%s]", t->unready.buf);
	snprintf(incomplete, sizeof(incomplete),
		 "containers with incomplete status: [%s]", t->incomplete.buf);
	if (succeeded) {
		cr_reason = "PodCompleted";
	} else if (failed) {
		cr_reason = "PodFailed";
	} else if (t->unready.n) {
		cr_reason = "ContainersNotReady";
		cr_msg = unready;
	} else {
		ready = true;
	}
	r = add_condition(list, old_status, "PodReadyToStartContainers",
			  in->rt && in->rt->sandbox_ready, NULL, NULL, in->now);
	if (r == 0)
		r = succeeded
			? add_condition(list, old_status, "Initialized", true,
					"PodCompleted", NULL, in->now)
		    : t->incomplete.n && !(in->rt && t->running)
			? add_condition(list, old_status, "Initialized", false,
					"ContainersNotInitialized", incomplete,
					in->now)
			: add_condition(list, old_status, "Initialized", true,
					NULL, NULL, in->now);
	gmsg = ready ? gates_message(spec, old_status, gates, sizeof(gates))
		     : NULL;
	if (r == 0)
		r = gmsg
			? add_condition(list, old_status, "Ready", false,
					"ReadinessGatesNotReady", gmsg, in->now)
			: add_condition(list, old_status, "Ready", ready,
					cr_reason, cr_msg, in->now);
	if (r == 0)
		r = add_condition(list, old_status, "ContainersReady", ready,
				  cr_reason, cr_msg, in->now);
	if (r == 0 && sched)
		r = json_array_append(list, (json_t *)sched) < 0 ? -ENOMEM : 0;
	else if (r == 0)
		r = add_condition(list, old_status, "PodScheduled", true, NULL,
				  NULL, in->now);
	if (r < 0)
		return r;
	/* keep conditions owned by others */
	json_array_foreach (json_object_get(old_status, "conditions"), i, c) {
		const char *type =
		    json_string_value(json_object_get(c, "type"));
		bool ours = false;

		for (size_t k = 0; type && k < sizeof(kubelet_conditions) /
						   sizeof(*kubelet_conditions);
		     k++)
			ours |= !strcmp(type, kubelet_conditions[k]);
		if (!ours && json_array_append(list, c) < 0)
			return -ENOMEM;
	}
	return json_object_set(status, "conditions", list) < 0 ? -ENOMEM : 0;
}

static int container_statuses(json_t *status, const json_t *spec,
			      const struct podstatus_input *in)
{
	_cleanup_json_ json_t *init = json_array(), *ctrs = json_array();
	const struct runtime_pod_status *rt = in->rt;
	bool ran = rt || !in->terminal;
	size_t i;
	json_t *s;

	if (!init || !ctrs)
		return -ENOMEM;
	json_array_foreach (json_object_get(spec, "initContainers"), i, s) {
		const char *name =
		    json_string_value(json_object_get(s, "name"));

		if (json_array_append_new(
			init,
			container_json(s,
				       rt ? rt_container(rt->init_containers,
							 rt->n_init, name)
					  : NULL,
				       true, ran)) < 0)
			return -ENOMEM;
	}
	json_array_foreach (json_object_get(spec, "containers"), i, s) {
		const char *name =
		    json_string_value(json_object_get(s, "name"));

		if (json_array_append_new(
			ctrs,
			container_json(s,
				       rt ? rt_container(rt->containers,
							 rt->n_containers, name)
					  : NULL,
				       false, ran)) < 0)
			return -ENOMEM;
	}
	if (sort_by_name(ctrs) < 0)
		return -ENOMEM;
	json_object_del(status, "initContainerStatuses");
	if (json_array_size(init) &&
	    json_object_set(status, "initContainerStatuses", init) < 0)
		return -ENOMEM;
	return json_object_set(status, "containerStatuses", ctrs) < 0 ? -ENOMEM
								      : 0;
}

static int addresses(json_t *status, const struct podstatus_input *in)
{
	const char *ip = in->rt && in->rt->ip[0] ? in->rt->ip : NULL;

	if (json_object_set_new(status, "hostIP", json_string(in->host_ip)) <
		0 ||
	    json_object_set_new(status, "hostIPs",
				json_pack("[{s:s}]", "ip", in->host_ip)) < 0)
		return -ENOMEM;
	if (!ip)
		return 0; /* keep what the pod had */
	if (json_object_set_new(status, "podIP", json_string(ip)) < 0 ||
	    json_object_set_new(status, "podIPs",
				json_pack("[{s:s}]", "ip", ip)) < 0)
		return -ENOMEM;
	return 0;
}

/* A copy of the pod's status (or {}) to build on. */
static json_t *base_status(const json_t *pod)
{
	const json_t *old = json_object_get(pod, "status");

	return json_is_object(old) ? json_deep_copy(old) : json_object();
}

int podstatus_build(const struct podstatus_input *in, json_t **ret)
{
	const json_t *spec;
	_cleanup_json_ json_t *st = NULL;
	struct tally t;
	const char *phase;
	bool init_failed;
	int r;

	if (!in || !json_is_object(in->pod) || !in->host_ip || !in->now)
		return -EINVAL;
	spec = json_object_get(in->pod, "spec");
	memset(&t, 0, sizeof(t));
	tally_regular(json_object_get(spec, "containers"), in->rt, &t);
	tally_init(json_object_get(spec, "initContainers"), in->rt, &t,
		   &init_failed);
	phase = phase_of(spec, in, &t, init_failed);
	st = base_status(in->pod);
	if (!st)
		return -ENOMEM;
	json_object_del(st, "reason");
	json_object_del(st, "message");
	if (json_object_set_new(st, "phase", json_string(phase)) < 0)
		return -ENOMEM;
	if (!json_is_string(json_object_get(st, "startTime")) &&
	    json_object_set_new(
		st, "startTime",
		time_string(in->rt ? &in->rt->created : in->now)) < 0)
		return -ENOMEM;
	r = conditions(st, spec, in, &t, phase);
	if (r == 0)
		r = addresses(st, in);
	if (r == 0)
		r = container_statuses(st, spec, in);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(st);
	return 0;
}

int podstatus_rejected(const json_t *pod, const char *reason,
		       const char *message, const struct timespec *now,
		       json_t **ret)
{
	_cleanup_json_ json_t *st = NULL;
	_cleanup_free_ char *msg = NULL;

	if (!json_is_object(pod) || !reason || !message || !now)
		return -EINVAL;
	st = base_status(pod);
	if (!st || asprintf(&msg, "Pod was rejected: %s", message) < 0)
		return -ENOMEM;
	if (json_object_set_new(st, "phase", json_string("Failed")) < 0 ||
	    json_object_set_new(st, "reason", json_string(reason)) < 0 ||
	    json_object_set_new(st, "message", json_string(msg)) < 0)
		return -ENOMEM;
	if (!json_is_string(json_object_get(st, "startTime")) &&
	    json_object_set_new(st, "startTime", time_string(now)) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(st);
	return 0;
}
