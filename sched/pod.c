/* pod.c — a pod's scheduling view (struct sched_pod). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "api/jsonfield.h"
#include "api/owner.h"
#include "api/podres.h"
#include "sched/framework.h"
#include "sched/pod_i.h"

/* Limits on what one pod may make us allocate. */
#define MAX_HOST_PORTS 1024
#define MAX_TERMS 1024

static int compute_requests(struct sched_pod *pod, const json_t *spec,
			    struct kf_error *err)
{
	static const struct pod_requests_opts nonzero = {
	    .nonzero = true,
	    .default_milli_cpu = SCHED_DEFAULT_MILLI_CPU_REQUEST,
	    .default_memory = SCHED_DEFAULT_MEMORY_REQUEST,
	};
	struct pod_resources req, nz;
	size_t n = 0;
	int r;

	r = pod_requests(spec, NULL, err, &req);
	if (r < 0)
		return r;
	r = pod_requests(spec, &nonzero, err, &nz);
	if (r < 0)
		return r;
	pod->req.milli_cpu = pod_resources_get(&req, "cpu");
	pod->req.memory = pod_resources_get(&req, "memory");
	pod->req.pods = 1;
	pod->nonzero_req.milli_cpu = pod_resources_get(&nz, "cpu");
	pod->nonzero_req.memory = pod_resources_get(&nz, "memory");
	pod->nonzero_req.pods = 1;
	for (size_t i = 0; i < req.n; i++)
		n += strcmp(req.name[i], "cpu") != 0 &&
		     strcmp(req.name[i], "memory") != 0 && req.v[i] > 0;
	if (!n)
		return 0;
	pod->scalars = calloc(n, sizeof(*pod->scalars));
	if (!pod->scalars)
		return -ENOMEM;
	for (size_t i = 0; i < req.n; i++) {
		if (strcmp(req.name[i], "cpu") == 0 ||
		    strcmp(req.name[i], "memory") == 0 || req.v[i] <= 0)
			continue;
		pod->scalars[pod->n_scalars].name = req.name[i];
		pod->scalars[pod->n_scalars++].value = req.v[i];
	}
	return 0;
}

static int collect_host_ports(struct sched_pod *pod, const json_t *spec,
			      struct kf_error *err)
{
	const json_t *containers = json_object_get(spec, "containers");
	bool host_net = json_is_true(json_object_get(spec, "hostNetwork"));
	const json_t *c, *ports = NULL, *p;
	size_t i, j;
	char path[96];
	int r;

	json_array_foreach (containers, i, c) {
		snprintf(path, sizeof(path), "spec.containers[%zu].ports", i);
		r = jfield_array(c, "ports", path, err, &ports);
		if (r < 0)
			return r;
		json_array_foreach (ports, j, p) {
			const json_t *hp = json_object_get(p, "hostPort");
			struct sched_host_port *hpv, *grown;
			const char *ip, *proto;
			json_int_t port;

			snprintf(path, sizeof(path),
				 "spec.containers[%zu].ports[%zu]", i, j);
			if (!json_is_object(p))
				return jfield_invalid(err, path,
						      "must be an object");
			if (!hp && host_net)
				hp = json_object_get(p, "containerPort");
			if (!hp || json_is_null(hp))
				continue;
			if (!json_is_integer(hp))
				return kf_error_set(err, -EINVAL,
						    "%s.hostPort: Invalid "
						    "value: must be an integer",
						    path);
			port = json_integer_value(hp);
			if (port == 0)
				continue;
			if (port < 0 || port > 65535)
				return kf_error_set(
				    err, -EINVAL,
				    "%s.hostPort: Invalid value: %lld: must be "
				    "between 1 and 65535, inclusive",
				    path, (long long)port);
			if (pod->n_host_ports >= MAX_HOST_PORTS)
				return jfield_invalid(err, "spec.containers",
						      "too many host ports");
			ip = json_string_value(json_object_get(p, "hostIP"));
			proto =
			    json_string_value(json_object_get(p, "protocol"));
			grown =
			    realloc(pod->host_ports,
				    (pod->n_host_ports + 1) * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			pod->host_ports = grown;
			hpv = &grown[pod->n_host_ports++];
			hpv->ip = ip && *ip ? ip : "0.0.0.0";
			hpv->protocol = proto && *proto ? proto : "TCP";
			hpv->port = (int32_t)port;
		}
	}
	return 0;
}

static int collect_terms(const json_t *list, const char *path,
			 struct kf_error *err, struct sched_pod_term **ret,
			 size_t *ret_n)
{
	_cleanup_free_ struct sched_pod_term *terms = NULL;
	const json_t *t;
	char p[160];
	size_t i, n = json_array_size(list);
	int r;

	if (n == 0)
		return 0;
	if (n > MAX_TERMS)
		return jfield_invalid(err, path, "too many terms");
	terms = calloc(n, sizeof(*terms));
	if (!terms)
		return -ENOMEM;
	json_array_foreach (list, i, t) {
		struct sched_pod_term *out = &terms[i];
		const json_t *nssel = NULL;

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (!json_is_object(t))
			return jfield_invalid(err, p, "must be an object");
		snprintf(p, sizeof(p), "%s[%zu].labelSelector", path, i);
		r = jfield_object(t, "labelSelector", p, err, &out->selector);
		if (r < 0)
			return r;
		snprintf(p, sizeof(p), "%s[%zu].topologyKey", path, i);
		r = jfield_string(t, "topologyKey", p, err, &out->topology_key);
		if (r < 0)
			return r;
		if (!out->topology_key || !*out->topology_key)
			return kf_error_set(err, -EINVAL,
					    "%s: Required value: can not be "
					    "empty",
					    p);
		snprintf(p, sizeof(p), "%s[%zu].namespaces", path, i);
		r = jfield_array(t, "namespaces", p, err, &out->namespaces);
		if (r < 0)
			return r;
		snprintf(p, sizeof(p), "%s[%zu].namespaceSelector", path, i);
		r = jfield_object(t, "namespaceSelector", p, err, &nssel);
		if (r < 0)
			return r;
		/* {} selects every namespace; a selector with terms would
		 * need namespace labels, which kubefs-sched does not watch:
		 * it adds no namespace (see docs/scheduler.md) */
		out->has_ns_selector = nssel != NULL;
		out->all_namespaces = nssel && json_object_size(nssel) == 0;
	}
	*ret = TAKE_PTR(terms);
	*ret_n = n;
	return 0;
}

static int collect_affinity(struct sched_pod *pod, const json_t *spec,
			    struct kf_error *err)
{
	const json_t *aff = NULL, *na = NULL, *pa = NULL, *paa = NULL;
	const json_t *req = NULL, *list = NULL;
	const char *base;
	int r;

	r = jfield_object(spec, "affinity", "spec.affinity", err, &aff);
	if (r < 0 || !aff)
		return r;
	r = jfield_object(aff, "nodeAffinity", "spec.affinity.nodeAffinity",
			  err, &na);
	if (r < 0)
		return r;
	base = "spec.affinity.nodeAffinity."
	       "requiredDuringSchedulingIgnoredDuringExecution";
	r = jfield_object(na, "requiredDuringSchedulingIgnoredDuringExecution",
			  base, err, &req);
	if (r < 0)
		return r;
	if (req) {
		r = jfield_array(req, "nodeSelectorTerms",
				 "spec.affinity.nodeAffinity.requiredDuring"
				 "SchedulingIgnoredDuringExecution."
				 "nodeSelectorTerms",
				 err, &pod->required_terms);
		if (r < 0)
			return r;
		/* a required affinity without terms matches no node */
		pod->has_required_terms = true;
	}
	r = jfield_array(na, "preferredDuringSchedulingIgnoredDuringExecution",
			 "spec.affinity.nodeAffinity.preferredDuringScheduling"
			 "IgnoredDuringExecution",
			 err, &pod->preferred_terms);
	if (r < 0)
		return r;

	r = jfield_object(aff, "podAffinity", "spec.affinity.podAffinity", err,
			  &pa);
	if (r < 0)
		return r;
	base = "spec.affinity.podAffinity."
	       "requiredDuringSchedulingIgnoredDuringExecution";
	r = jfield_array(pa, "requiredDuringSchedulingIgnoredDuringExecution",
			 base, err, &list);
	if (r < 0)
		return r;
	r = collect_terms(list, base, err, &pod->affinity, &pod->n_affinity);
	if (r < 0)
		return r;

	r = jfield_object(aff, "podAntiAffinity",
			  "spec.affinity.podAntiAffinity", err, &paa);
	if (r < 0)
		return r;
	base = "spec.affinity.podAntiAffinity."
	       "requiredDuringSchedulingIgnoredDuringExecution";
	r = jfield_array(paa, "requiredDuringSchedulingIgnoredDuringExecution",
			 base, err, &list);
	if (r < 0)
		return r;
	return collect_terms(list, base, err, &pod->anti_affinity,
			     &pod->n_anti_affinity);
}

int sched_pod_key(const json_t *obj, char *buf, size_t len)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	const char *name = json_string_value(json_object_get(meta, "name"));
	int n;

	if (!name || !*name)
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s", ns && *ns ? ns : "default", name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int fill(struct sched_pod *pod, struct kf_error *err)
{
	const json_t *meta = NULL, *spec = NULL, *status, *prio;
	const char *phase;
	char key[512];
	int r;

	if (!json_is_object(pod->obj))
		return jfield_invalid(err, "Pod", "must be an object");
	r = jfield_object(pod->obj, "metadata", "metadata", err, &meta);
	if (r < 0)
		return r;
	r = sched_pod_key(pod->obj, key, sizeof(key));
	if (r == -EINVAL)
		return kf_error_set(err, r,
				    "metadata.name: Required value: "
				    "name or generateName is required");
	if (r < 0)
		return kf_error_set(err, -EINVAL,
				    "metadata.name: Invalid "
				    "value: too long");
	pod->key = strdup(key);
	if (!pod->key)
		return -ENOMEM;
	pod->name = json_string_value(json_object_get(meta, "name"));
	r = jfield_string(meta, "namespace", "metadata.namespace", err,
			  &pod->ns);
	if (r < 0)
		return r;
	if (!pod->ns || !*pod->ns)
		pod->ns = "default";
	pod->uid = json_string_value(json_object_get(meta, "uid")) ?: "";
	r = jfield_object(meta, "labels", "metadata.labels", err, &pod->labels);
	if (r < 0)
		return r;
	pod->owner_uid = json_string_value(
	    json_object_get(owner_controller_ref(pod->obj), "uid"));
	if (pod->owner_uid) {
		pod->owner_uid = pod->owned_owner_uid = strdup(pod->owner_uid);
		if (!pod->owner_uid)
			return -ENOMEM;
	}
	pod->deleting =
	    json_object_get(meta, "deletionTimestamp") &&
	    !json_is_null(json_object_get(meta, "deletionTimestamp"));

	r = jfield_object(pod->obj, "spec", "spec", err, &spec);
	if (r < 0)
		return r;
	if (!spec)
		return kf_error_set(err, -EINVAL, "spec: Required value");
	r = jfield_string(spec, "nodeName", "spec.nodeName", err,
			  &pod->node_name);
	if (r < 0)
		return r;
	if (!pod->node_name)
		pod->node_name = "";
	r = jfield_string(spec, "schedulerName", "spec.schedulerName", err,
			  &pod->scheduler_name);
	if (r < 0)
		return r;
	if (!pod->scheduler_name || !*pod->scheduler_name)
		pod->scheduler_name = SCHED_DEFAULT_SCHEDULER;
	prio = json_object_get(spec, "priority");
	if (json_is_integer(prio) && json_integer_value(prio) >= INT32_MIN &&
	    json_integer_value(prio) <= INT32_MAX)
		pod->priority = (int32_t)json_integer_value(prio);
	else if (prio && !json_is_null(prio))
		return jfield_invalid(err, "spec.priority",
				      "must be a 32-bit integer");

	status = json_object_get(pod->obj, "status");
	phase = json_string_value(json_object_get(status, "phase"));
	pod->terminal = phase && (strcmp(phase, "Succeeded") == 0 ||
				  strcmp(phase, "Failed") == 0);

	r = compute_requests(pod, spec, err);
	if (r < 0)
		return r;
	r = jfield_object(spec, "nodeSelector", "spec.nodeSelector", err,
			  &pod->node_selector);
	if (r < 0)
		return r;
	r = jfield_array(spec, "tolerations", "spec.tolerations", err,
			 &pod->tolerations);
	if (r < 0)
		return r;
	r = collect_host_ports(pod, spec, err);
	if (r < 0)
		return r;
	return collect_affinity(pod, spec, err);
}

int sched_pod_new(const json_t *obj, struct kf_error *err,
		  struct sched_pod **ret_pod)
{
	struct sched_pod *pod = calloc(1, sizeof(*pod));
	int r;

	if (!pod)
		return -ENOMEM;
	pod->refs = 1;
	pod->obj = json_incref((json_t *)obj);
	r = fill(pod, err);
	if (r == 0)
		r = sched_pod_reduce(pod);
	if (r < 0) {
		sched_pod_unref(pod);
		return r;
	}
	*ret_pod = pod;
	return 0;
}

struct sched_pod *sched_pod_ref(struct sched_pod *pod)
{
	__atomic_add_fetch(&pod->refs, 1, __ATOMIC_RELAXED);
	return pod;
}

void sched_pod_unref(struct sched_pod *pod)
{
	if (!pod || __atomic_sub_fetch(&pod->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	free(pod->host_ports);
	free(pod->scalars);
	free(pod->affinity);
	free(pod->anti_affinity);
	free(pod->key);
	free(pod->owned_owner_uid);
	json_decref(pod->obj);
	free(pod);
}
