/* pod.c — a pod's scheduling view (struct sched_pod). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cleanup.h"
#include "sched/framework.h"
#include "sched/resource.h"

/* Limits on what one pod may make us allocate. */
#define MAX_HOST_PORTS 1024
#define MAX_TERMS 1024

static int invalid(struct kf_error *err, const char *path, const char *what)
{
	return kf_error_set(err, -EINVAL, "%s: Invalid value: %s", path, what);
}

/* obj[key] when it is an object (or absent/null: NULL); else -EINVAL. */
static int get_object(const json_t *obj, const char *key, const char *path,
		      struct kf_error *err, const json_t **ret)
{
	const json_t *v = json_object_get(obj, key);

	if (v && !json_is_null(v) && !json_is_object(v))
		return invalid(err, path, "must be an object");
	*ret = json_is_object(v) ? v : NULL;
	return 0;
}

static int get_array(const json_t *obj, const char *key, const char *path,
		     struct kf_error *err, const json_t **ret)
{
	const json_t *v = json_object_get(obj, key);

	if (v && !json_is_null(v) && !json_is_array(v))
		return invalid(err, path, "must be an array");
	*ret = json_is_array(v) ? v : NULL;
	return 0;
}

static int get_string(const json_t *obj, const char *key, const char *path,
		      struct kf_error *err, const char **ret)
{
	const json_t *v = json_object_get(obj, key);

	if (v && !json_is_null(v) && !json_is_string(v))
		return invalid(err, path, "must be a string");
	*ret = json_string_value(v);
	return 0;
}

/*
 * Resource lists while summing requests: a few names (borrowed from the
 * pod object) and their amounts, cpu in millicores, the rest in units.
 */
struct reslist {
	size_t n;
	const char *name[SCHED_MAX_POD_RESOURCES];
	int64_t v[SCHED_MAX_POD_RESOURCES];
};

/* The amount of name in l, added as 0 if missing; NULL when l is full. */
static int64_t *res_slot(struct reslist *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->name[i], name) == 0)
			return &l->v[i];
	if (l->n == SCHED_MAX_POD_RESOURCES)
		return NULL;
	l->name[l->n] = name;
	l->v[l->n] = 0;
	return &l->v[l->n++];
}

static bool res_has(const struct reslist *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->name[i], name) == 0)
			return true;
	return false;
}

static int64_t res_get(const struct reslist *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->name[i], name) == 0)
			return l->v[i];
	return 0;
}

static int too_many(struct kf_error *err)
{
	return kf_error_set(err, -EINVAL,
			    "spec.containers: Invalid value: more than %d "
			    "distinct resources requested",
			    SCHED_MAX_POD_RESOURCES);
}

static int res_add(struct reslist *a, const struct reslist *b,
		   struct kf_error *err)
{
	for (size_t i = 0; i < b->n; i++) {
		int64_t *v = res_slot(a, b->name[i]);

		if (!v)
			return too_many(err);
		*v = sched_resource_add(*v, b->v[i]);
	}
	return 0;
}

static int res_max(struct reslist *a, const struct reslist *b,
		   struct kf_error *err)
{
	for (size_t i = 0; i < b->n; i++) {
		int64_t *v = res_slot(a, b->name[i]);

		if (!v)
			return too_many(err);
		if (b->v[i] > *v)
			*v = b->v[i];
	}
	return 0;
}

/* Parse every quantity of a requests/limits/overhead map into l, except
 * names l already has. */
static int parse_map(const json_t *map, const char *path, struct reslist *l,
		     struct kf_error *err)
{
	const char *name;
	json_t *v;
	char p[192];

	json_object_foreach ((json_t *)map, name, v) {
		int64_t *slot;
		int r;

		if (res_has(l, name))
			continue;
		slot = res_slot(l, name);
		if (!slot)
			return too_many(err);
		snprintf(p, sizeof(p), "%s[%s]", path, name);
		r = sched_resource_parse(v, strcmp(name, "cpu") == 0, p, err,
					 slot);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * What a container asks for: its requests, else its limits (the API
 * server's defaulting copies limits into absent requests). With nonzero,
 * cpu and memory it does not mention count as SCHED_DEFAULT_* (what
 * scoring uses).
 */
static int container_requests(const json_t *c, const char *path, bool nonzero,
			      struct kf_error *err, struct reslist *ret)
{
	static const char *const names[] = {"requests", "limits"};
	const json_t *res = NULL, *list = NULL;
	struct reslist out = {0};
	char p[160];
	int r;

	snprintf(p, sizeof(p), "%s.resources", path);
	r = get_object(c, "resources", p, err, &res);
	if (r < 0)
		return r;
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s.resources.%s", path, names[i]);
		r = get_object(res, names[i], p, err, &list);
		if (r < 0)
			return r;
		r = parse_map(list, p, &out, err);
		if (r < 0)
			return r;
	}
	if (nonzero) {
		if (!res_has(&out, "cpu") && out.n < SCHED_MAX_POD_RESOURCES)
			*res_slot(&out, "cpu") =
			    SCHED_DEFAULT_MILLI_CPU_REQUEST;
		if (!res_has(&out, "memory") && out.n < SCHED_MAX_POD_RESOURCES)
			*res_slot(&out, "memory") =
			    SCHED_DEFAULT_MEMORY_REQUEST;
	}
	*ret = out;
	return 0;
}

/*
 * Kubernetes' PodRequests: the sum over containers; each init container
 * runs alone (plus the restartable init containers started before it) so
 * the pod needs the max of that and the sum; sidecars (restartPolicy
 * Always) add to the sum; then the pod overhead.
 */
static int pod_requests(const json_t *spec, bool nonzero, struct kf_error *err,
			struct reslist *ret)
{
	const json_t *containers = NULL, *inits = NULL, *overhead = NULL, *c;
	struct reslist sum = {0}, side = {0}, init = {0}, cr, t;
	char path[64];
	size_t i;
	int r;

	r = get_array(spec, "containers", "spec.containers", err, &containers);
	if (r < 0)
		return r;
	r = get_array(spec, "initContainers", "spec.initContainers", err,
		      &inits);
	if (r < 0)
		return r;
	json_array_foreach (containers, i, c) {
		snprintf(path, sizeof(path), "spec.containers[%zu]", i);
		r = container_requests(c, path, nonzero, err, &cr);
		if (r < 0 || (r = res_add(&sum, &cr, err)) < 0)
			return r;
	}
	json_array_foreach (inits, i, c) {
		const char *policy;

		snprintf(path, sizeof(path), "spec.initContainers[%zu]", i);
		r = container_requests(c, path, nonzero, err, &cr);
		if (r < 0)
			return r;
		policy = json_string_value(json_object_get(c, "restartPolicy"));
		if (policy && strcmp(policy, "Always") == 0) {
			if ((r = res_add(&sum, &cr, err)) < 0 ||
			    (r = res_add(&side, &cr, err)) < 0)
				return r;
			t = side;
		} else {
			t = cr;
			if ((r = res_add(&t, &side, err)) < 0)
				return r;
		}
		if ((r = res_max(&init, &t, err)) < 0)
			return r;
	}
	if ((r = res_max(&sum, &init, err)) < 0)
		return r;

	r = get_object(spec, "overhead", "spec.overhead", err, &overhead);
	if (r < 0)
		return r;
	if (overhead) {
		struct reslist o = {0};

		if ((r = parse_map(overhead, "spec.overhead", &o, err)) < 0 ||
		    (r = res_add(&sum, &o, err)) < 0)
			return r;
	}
	*ret = sum;
	return 0;
}

static int compute_requests(struct sched_pod *pod, const json_t *spec,
			    struct kf_error *err)
{
	struct reslist req, nz;
	size_t n = 0;
	int r;

	r = pod_requests(spec, false, err, &req);
	if (r < 0)
		return r;
	r = pod_requests(spec, true, err, &nz);
	if (r < 0)
		return r;
	pod->req.milli_cpu = res_get(&req, "cpu");
	pod->req.memory = res_get(&req, "memory");
	pod->req.pods = 1;
	pod->nonzero_req.milli_cpu = res_get(&nz, "cpu");
	pod->nonzero_req.memory = res_get(&nz, "memory");
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
		r = get_array(c, "ports", path, err, &ports);
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
				return invalid(err, path, "must be an object");
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
				return invalid(err, "spec.containers",
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
		return invalid(err, path, "too many terms");
	terms = calloc(n, sizeof(*terms));
	if (!terms)
		return -ENOMEM;
	json_array_foreach (list, i, t) {
		struct sched_pod_term *out = &terms[i];
		const json_t *nssel = NULL;

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (!json_is_object(t))
			return invalid(err, p, "must be an object");
		snprintf(p, sizeof(p), "%s[%zu].labelSelector", path, i);
		r = get_object(t, "labelSelector", p, err, &out->selector);
		if (r < 0)
			return r;
		snprintf(p, sizeof(p), "%s[%zu].topologyKey", path, i);
		r = get_string(t, "topologyKey", p, err, &out->topology_key);
		if (r < 0)
			return r;
		if (!out->topology_key || !*out->topology_key)
			return kf_error_set(err, -EINVAL,
					    "%s: Required value: can not be "
					    "empty",
					    p);
		snprintf(p, sizeof(p), "%s[%zu].namespaces", path, i);
		r = get_array(t, "namespaces", p, err, &out->namespaces);
		if (r < 0)
			return r;
		snprintf(p, sizeof(p), "%s[%zu].namespaceSelector", path, i);
		r = get_object(t, "namespaceSelector", p, err, &nssel);
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

	r = get_object(spec, "affinity", "spec.affinity", err, &aff);
	if (r < 0 || !aff)
		return r;
	r = get_object(aff, "nodeAffinity", "spec.affinity.nodeAffinity", err,
		       &na);
	if (r < 0)
		return r;
	base = "spec.affinity.nodeAffinity."
	       "requiredDuringSchedulingIgnoredDuringExecution";
	r = get_object(na, "requiredDuringSchedulingIgnoredDuringExecution",
		       base, err, &req);
	if (r < 0)
		return r;
	if (req) {
		r = get_array(req, "nodeSelectorTerms",
			      "spec.affinity.nodeAffinity.requiredDuring"
			      "SchedulingIgnoredDuringExecution."
			      "nodeSelectorTerms",
			      err, &pod->required_terms);
		if (r < 0)
			return r;
		/* a required affinity without terms matches no node */
		pod->has_required_terms = true;
	}
	r = get_array(na, "preferredDuringSchedulingIgnoredDuringExecution",
		      "spec.affinity.nodeAffinity.preferredDuringScheduling"
		      "IgnoredDuringExecution",
		      err, &pod->preferred_terms);
	if (r < 0)
		return r;

	r = get_object(aff, "podAffinity", "spec.affinity.podAffinity", err,
		       &pa);
	if (r < 0)
		return r;
	base = "spec.affinity.podAffinity."
	       "requiredDuringSchedulingIgnoredDuringExecution";
	r = get_array(pa, "requiredDuringSchedulingIgnoredDuringExecution",
		      base, err, &list);
	if (r < 0)
		return r;
	r = collect_terms(list, base, err, &pod->affinity, &pod->n_affinity);
	if (r < 0)
		return r;

	r = get_object(aff, "podAntiAffinity", "spec.affinity.podAntiAffinity",
		       err, &paa);
	if (r < 0)
		return r;
	base = "spec.affinity.podAntiAffinity."
	       "requiredDuringSchedulingIgnoredDuringExecution";
	r = get_array(paa, "requiredDuringSchedulingIgnoredDuringExecution",
		      base, err, &list);
	if (r < 0)
		return r;
	return collect_terms(list, base, err, &pod->anti_affinity,
			     &pod->n_anti_affinity);
}

static const char *controller_uid(const json_t *meta)
{
	const json_t *refs = json_object_get(meta, "ownerReferences"), *ref;
	size_t i;

	json_array_foreach (refs, i, ref) {
		if (json_is_true(json_object_get(ref, "controller")))
			return json_string_value(json_object_get(ref, "uid"));
	}
	return NULL;
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
		return invalid(err, "Pod", "must be an object");
	r = get_object(pod->obj, "metadata", "metadata", err, &meta);
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
	r = get_string(meta, "namespace", "metadata.namespace", err, &pod->ns);
	if (r < 0)
		return r;
	if (!pod->ns || !*pod->ns)
		pod->ns = "default";
	pod->uid = json_string_value(json_object_get(meta, "uid")) ?: "";
	r = get_object(meta, "labels", "metadata.labels", err, &pod->labels);
	if (r < 0)
		return r;
	pod->owner_uid = controller_uid(meta);
	pod->deleting =
	    json_object_get(meta, "deletionTimestamp") &&
	    !json_is_null(json_object_get(meta, "deletionTimestamp"));

	r = get_object(pod->obj, "spec", "spec", err, &spec);
	if (r < 0)
		return r;
	if (!spec)
		return kf_error_set(err, -EINVAL, "spec: Required value");
	r = get_string(spec, "nodeName", "spec.nodeName", err, &pod->node_name);
	if (r < 0)
		return r;
	if (!pod->node_name)
		pod->node_name = "";
	r = get_string(spec, "schedulerName", "spec.schedulerName", err,
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
		return invalid(err, "spec.priority",
			       "must be a 32-bit integer");

	status = json_object_get(pod->obj, "status");
	phase = json_string_value(json_object_get(status, "phase"));
	pod->terminal = phase && (strcmp(phase, "Succeeded") == 0 ||
				  strcmp(phase, "Failed") == 0);

	r = compute_requests(pod, spec, err);
	if (r < 0)
		return r;
	r = get_object(spec, "nodeSelector", "spec.nodeSelector", err,
		       &pod->node_selector);
	if (r < 0)
		return r;
	r = get_array(spec, "tolerations", "spec.tolerations", err,
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
	json_decref(pod->obj);
	free(pod);
}
